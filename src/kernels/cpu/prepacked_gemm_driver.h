// Loop nest of the packed-weight GEMM, shared by prepacked_gemm_avx2.cpp / prepacked_gemm_avx512.cpp
// (included inside their anonymous namespace, so each ISA compiles its own copy with its own flags).
//
// Requires in scope: struct Micro { static constexpr int MR, NR; static void run(const float* a, const float*
// b, int64_t kc, float* c, int64_t ldc, bool accumulate, const float* bias, int m_valid, int n_valid); }
// where a: [kc][MR] (a sliver of packed x), b: [kc][NR] (a slice of one weight tile), bias: [NR] or null.
//
// x rows of this range are packed into slivers of MR rows, k-major ([M/MR][K][MR]). The weight is already
// [tiles][K][NR], so a (tile, k-block) slice is contiguous: a block of kTilesPerBlock tiles x kKC columns
// (128 x 256 floats, 128 KiB) stays in L2 while every sliver of x passes over it.

constexpr int64_t kKC = 256;
constexpr int64_t kColsPerBlock = 128;

inline void pack_x_slivers(const float* x, int64_t ldx, int64_t M, int64_t K, float* packed) {
    constexpr int MR = Micro::MR;
    for (int64_t m0 = 0; m0 < M; m0 += MR) {
        float* sliver = packed + m0 * K;  // [K][MR]
        const int64_t rows = std::min<int64_t>(MR, M - m0);
        for (int i = 0; i < MR; ++i) {
            const float* xi = x + (m0 + i) * ldx;
            if (i < rows)
                for (int64_t k = 0; k < K; ++k) sliver[k * MR + i] = xi[k];
            else
                for (int64_t k = 0; k < K; ++k) sliver[k * MR + i] = 0.0f;
        }
    }
}

void prepacked_gemm_range(const PrepackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy,
                          bool accumulate, int64_t m0, int64_t m1, int64_t t0, int64_t t1) {
    constexpr int MR = Micro::MR, NR = Micro::NR;
    constexpr int64_t kTilesPerBlock = kColsPerBlock / NR;
    const int64_t K = w.k(), N = w.n(), M = m1 - m0;
    if (M <= 0 || t1 <= t0) return;
    const int64_t m_padded = (M + MR - 1) / MR * MR;
    float* xp = thread_scratch_floats<7>(static_cast<size_t>(m_padded * K));  // [M/MR][K][MR]
    pack_x_slivers(x + m0 * ldx, ldx, M, K, xp);
    const float* panels = w.panels();
    const float* bias = w.bias();
    for (int64_t tb = t0; tb < t1; tb += kTilesPerBlock) {
        const int64_t te = std::min(t1, tb + kTilesPerBlock);
        for (int64_t k0 = 0; k0 < K; k0 += kKC) {
            const int64_t kc = std::min(kKC, K - k0);
            const bool last = k0 + kc == K;
            for (int64_t ms = 0; ms < M; ms += MR) {
                const float* a = xp + ms * K + k0 * MR;
                const int m_valid = static_cast<int>(std::min<int64_t>(MR, M - ms));
                float* yrow = y + (m0 + ms) * ldy;
                for (int64_t t = tb; t < te; ++t) {
                    const int n_valid = static_cast<int>(std::min<int64_t>(NR, N - t * NR));
                    Micro::run(a, panels + (t * K + k0) * NR, kc, yrow + t * NR, ldy, accumulate || k0 > 0,
                               last && bias ? bias + t * NR : nullptr, m_valid, n_valid);
                }
            }
        }
    }
}
