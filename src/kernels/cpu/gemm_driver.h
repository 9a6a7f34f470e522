// Blocked f32 GEMM driver shared by the AVX2 and AVX-512 gemm kernels (included by *_avx2.cpp / *_avx512.cpp
// inside an anonymous namespace, so each ISA gets its own copy compiled with its own flags).
//
//   y[m, n] = sum_k x[m, k] * W[n, k]  for m in [0, M), n in [n0, n1)
//
// Blocking: x is packed once per call into slivers of MR rows, k-major ([M/MR][K][MR]); W is dequantized
// panel by panel (NC rows x KC columns) into [NC/NR][KC][NR]. The microkernel keeps an MR x NR tile of y in
// registers: per k it loads NR weights and broadcasts MR activations. A sliver of x (MR*KC floats) and a
// micro panel of W (NR*KC) are reused from L1/L2 across the panel, so W is read from memory once per call.
//
// Requires in scope: struct Micro { static constexpr int MR, NR; static void run(const float* a, const float*
// b, int64_t kc, float* c, int64_t ldc, bool accumulate, int m_valid, int n_valid); } and `void
// dequant_segment(const WeightView&, int64_t n, int64_t k0, int64_t kc, float* out)`.

constexpr int64_t kKC = 256;  // a multiple of every block size, so panels start on block boundaries
constexpr int64_t kNC = 128;

inline void pack_x(const float* x, int64_t ldx, int64_t M, int64_t K, float* packed) {
    constexpr int MR = Micro::MR;
    for (int64_t m0 = 0; m0 < M; m0 += MR) {
        float* sliver = packed + m0 * K;  // [K][MR]
        const int64_t rows = std::min<int64_t>(MR, M - m0);
        for (int64_t k = 0; k < K; ++k)
            for (int i = 0; i < MR; ++i) sliver[k * MR + i] = i < rows ? x[(m0 + i) * ldx + k] : 0.0f;
    }
}

// W rows [nb, nb + rows) x columns [k0, k0 + kc) -> [ceil(rows/NR)][kc][NR], zero-padded past `rows`.
inline void pack_w(const WeightView& w, int64_t nb, int64_t rows, int64_t k0, int64_t kc, float* packed,
                   float* row_buf) {
    constexpr int NR = Micro::NR;
    const int64_t tiles = (rows + NR - 1) / NR;
    for (int64_t t = 0; t < tiles; ++t) {
        float* tile = packed + t * kc * NR;
        for (int j = 0; j < NR; ++j) {
            const int64_t r = t * NR + j;
            if (r < rows) {
                dequant_segment(w, nb + r, k0, kc, row_buf);
                for (int64_t k = 0; k < kc; ++k) tile[k * NR + j] = row_buf[k];
            } else {
                for (int64_t k = 0; k < kc; ++k) tile[k * NR + j] = 0.0f;
            }
        }
    }
}

void gemm_f32(const WeightView& w, const float* x, int64_t ldx, int64_t M, float* y, int64_t ldy, int64_t n0,
              int64_t n1) {
    constexpr int MR = Micro::MR, NR = Micro::NR;
    const int64_t K = w.K;
    const int64_t m_padded = (M + MR - 1) / MR * MR;
    float* xp = thread_scratch_floats<0>(static_cast<size_t>(m_padded * K));  // [M/MR][K][MR]
    float* wp = thread_scratch_floats<1>(static_cast<size_t>(kNC * kKC));     // [NC/NR][KC][NR]
    float* row_buf = thread_scratch_floats<2>(kKC);
    pack_x(x, ldx, M, K, xp);
    for (int64_t nb = n0; nb < n1; nb += kNC) {
        const int64_t rows = std::min(kNC, n1 - nb);
        for (int64_t k0 = 0; k0 < K; k0 += kKC) {
            const int64_t kc = std::min(kKC, K - k0);
            pack_w(w, nb, rows, k0, kc, wp, row_buf);
            for (int64_t m0 = 0; m0 < M; m0 += MR) {
                const float* a = xp + m0 * K + k0 * MR;
                const int m_valid = static_cast<int>(std::min<int64_t>(MR, M - m0));
                for (int64_t j = 0; j * NR < rows; ++j) {
                    const int n_valid = static_cast<int>(std::min<int64_t>(NR, rows - j * NR));
                    Micro::run(a, wp + j * kc * NR, kc, y + m0 * ldy + nb + j * NR, ldy, k0 > 0, m_valid,
                               n_valid);
                }
            }
        }
    }
}
