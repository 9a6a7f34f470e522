// The f32 GEMM's loop nest, one for every caller: the decoder's prefill (W read where it lies, any dtype,
// panels dequantized per call: gemm_f32) and the weights packed once at load (the encoder and every
// encoder-decoder linear: prepacked_gemm_range). Included by f32_gemm_avx2.cpp / f32_gemm_avx512.cpp inside
// their anonymous namespace, so each ISA compiles its own copy with its own flags.
//
//   y[m, n] (+)= sum_k x[m, k] * W[n, k] (+ bias[n])
//
// Requires in scope:
//   struct Micro { static constexpr int MR, NR; template <int R, bool kDirect> static void run(const float*
//   a, int64_t lda, const float* b, int64_t kc, float* c, int64_t ldc, bool accumulate, const float* bias,
//   int n_valid); }
//     c[i, j] (+)= sum_k a(i, k) * b[k * NR + j] (+ bias[j]) for i < R, j < n_valid, where a(i, k) is
//     a[k * MR + i] (a sliver of packed x, [kc][MR]) or, kDirect, a[i * lda + k] (rows of x where they lie);
//     b: [kc][NR] (one weight tile), bias: [NR] or null.
//   void halves_to_f32(const uint16_t* h, int64_t kc, bool f16, float* out)
//     kc F16 (f16 = true) or BF16 values as f32.
//   void rows_to_tile(const float* rows, int64_t ld, int64_t kc, float* tile)
//     NR rows (row j at rows + j * ld, columns [0, kc)) -> one weight tile [kc][NR].
//
// Blocking: x is packed once per call into slivers of MR rows, k-major ([M/MR][K][MR]). W is taken in blocks
// of kNC rows x kKC columns (128 x 256 floats, 128 KiB, held in L2) laid out as tiles [kc][NR]: packed at
// load, or dequantized into a per-thread buffer by gemm_f32. Every sliver of x passes over the block, so W
// is read from memory once per call. A last sliver of R < MR rows runs the R-row microkernel: small M
// (M = 1, or sentences x beams) costs R rows of FMAs, not MR. Packed weights with few rows of x
// (kDirectMaxRows: batched decoding) skip packing x and broadcast from its rows where they lie: the copy
// cost ~5 % of an encoder-decoder step at M = 16.

// (The including file includes <algorithm>, <array> and <utility> before its namespace.)

constexpr int64_t kKC = 256;  // a multiple of every block size, so dequantized segments start on blocks
constexpr int64_t kNC = 128;

using MicroFn = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t, bool, const float*, int);

template <bool kDirect, size_t... Rows>
constexpr std::array<MicroFn, sizeof...(Rows)> micro_by_rows(std::index_sequence<Rows...>) {
    return {&Micro::template run<static_cast<int>(Rows) + 1, kDirect>...};
}
// kMicro[d][r - 1]: the microkernel for r rows of x, packed (d = 0) or read where they lie (d = 1).
constexpr std::array<std::array<MicroFn, Micro::MR>, 2> kMicro = {
    micro_by_rows<false>(std::make_index_sequence<Micro::MR>{}),
    micro_by_rows<true>(std::make_index_sequence<Micro::MR>{})};
constexpr int64_t kDirectMaxRows = 32;

// x rows [0, M) -> slivers [M/MR][K][MR], zero rows past M.
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

// y[0..M, 0..cols) (+)= x's columns [k0, k0 + kc) times one block of W tiles: tile j is [kc][NR] at
// tiles + j * tile_stride and covers y columns [j * NR, j * NR + NR); bias: [cols] or null. x is the packed
// slivers xp ([M/MR][K][MR]), or, when xp is null, the rows at x (stride ldx).
inline void multiply_block(const float* xp, const float* x, int64_t ldx, int64_t K, int64_t M, int64_t k0,
                           int64_t kc, const float* tiles, int64_t tile_stride, int64_t cols, float* y,
                           int64_t ldy, bool accumulate, const float* bias) {
    constexpr int MR = Micro::MR, NR = Micro::NR;
    for (int64_t ms = 0; ms < M; ms += MR) {
        const float* a = xp ? xp + ms * K + k0 * MR : x + ms * ldx + k0;
        const MicroFn micro = kMicro[xp ? 0 : 1][static_cast<size_t>(std::min<int64_t>(MR, M - ms) - 1)];
        for (int64_t j = 0; j * NR < cols; ++j) {
            const int n_valid = static_cast<int>(std::min<int64_t>(NR, cols - j * NR));
            micro(a, ldx, tiles + j * tile_stride, kc, y + ms * ldy + j * NR, ldy, accumulate,
                  bias ? bias + j * NR : nullptr, n_valid);
        }
    }
}

// W row n, elements [k0, k0 + kc), as f32: F32 copied, F16 / BF16 widened, block types through the reference
// dequantizer (its cost is amortized over all M rows of x).
inline void dequant_segment(const WeightView& w, int64_t n, int64_t k0, int64_t kc, float* out) {
    const uint8_t* row = w.row(n);
    if (w.type == DType::F32) {
        std::copy_n(reinterpret_cast<const float*>(row) + k0, kc, out);
    } else if (w.type == DType::F16 || w.type == DType::BF16) {
        halves_to_f32(reinterpret_cast<const uint16_t*>(row) + k0, kc, w.type == DType::F16, out);
    } else {
        const DTypeInfo& info = dtype_info(w.type);
        dequantize_row(w.type, row + k0 / info.block_size * info.block_bytes, out, kc);
    }
}

// W rows [nb, nb + rows) x columns [k0, k0 + kc) -> [ceil(rows/NR)][kc][NR], zero-padded past `rows`: each
// tile's NR rows are dequantized into rows_buf ([NR][kKC]) and transposed into the tile by rows_to_tile.
inline void pack_w(const WeightView& w, int64_t nb, int64_t rows, int64_t k0, int64_t kc, float* packed,
                   float* rows_buf) {
    constexpr int NR = Micro::NR;
    const int64_t tiles = (rows + NR - 1) / NR;
    for (int64_t t = 0; t < tiles; ++t) {
        for (int j = 0; j < NR; ++j) {
            const int64_t r = t * NR + j;
            float* dst = rows_buf + j * kKC;
            if (r < rows)
                dequant_segment(w, nb + r, k0, kc, dst);
            else
                std::fill_n(dst, kc, 0.0f);
        }
        rows_to_tile(rows_buf, kKC, kc, packed + t * kc * NR);
    }
}

// W read where it lies (GemmKernelFn): y columns [n0, n1), all M rows.
void gemm_f32(const WeightView& w, const float* x, int64_t ldx, int64_t M, float* y, int64_t ldy, int64_t n0,
              int64_t n1) {
    constexpr int MR = Micro::MR, NR = Micro::NR;
    const int64_t K = w.K;
    const int64_t m_padded = (M + MR - 1) / MR * MR;
    float* xp = thread_scratch_floats<0>(static_cast<size_t>(m_padded * K));  // [M/MR][K][MR]
    float* wp = thread_scratch_floats<1>(static_cast<size_t>(kNC * kKC));     // [NC/NR][KC][NR]
    float* row_buf = thread_scratch_floats<2>(static_cast<size_t>(NR * kKC));  // [NR][KC]
    pack_x_slivers(x, ldx, M, K, xp);
    for (int64_t nb = n0; nb < n1; nb += kNC) {
        const int64_t rows = std::min(kNC, n1 - nb);
        for (int64_t k0 = 0; k0 < K; k0 += kKC) {
            const int64_t kc = std::min(kKC, K - k0);
            pack_w(w, nb, rows, k0, kc, wp, row_buf);
            multiply_block(xp, x, ldx, K, M, k0, kc, wp, kc * NR, rows, y + nb, ldy, k0 > 0, nullptr);
        }
    }
}

// W packed at load ([tiles][K][NR]): y rows [m0, m1) x column tiles [t0, t1); x and y point at row 0.
void prepacked_gemm_range(const PrepackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy,
                          bool accumulate, int64_t m0, int64_t m1, int64_t t0, int64_t t1) {
    constexpr int MR = Micro::MR, NR = Micro::NR;
    constexpr int64_t kTilesPerBlock = kNC / NR;
    const int64_t K = w.k(), N = w.n(), M = m1 - m0;
    if (M <= 0 || t1 <= t0) return;
    float* xp = nullptr;  // [M/MR][K][MR], or null: x read where it lies
    if (M > kDirectMaxRows) {
        xp = thread_scratch_floats<7>(static_cast<size_t>((M + MR - 1) / MR * MR * K));
        pack_x_slivers(x + m0 * ldx, ldx, M, K, xp);
    }
    for (int64_t tb = t0; tb < t1; tb += kTilesPerBlock) {
        const int64_t te = std::min(t1, tb + kTilesPerBlock);
        const int64_t cols = std::min(N, te * NR) - tb * NR;
        for (int64_t k0 = 0; k0 < K; k0 += kKC) {
            const int64_t kc = std::min(kKC, K - k0);
            const bool last = k0 + kc == K;
            multiply_block(xp, x + m0 * ldx, ldx, K, M, k0, kc, w.panels() + (tb * K + k0) * NR, K * NR, cols,
                           y + m0 * ldy + tb * NR, ldy, accumulate || k0 > 0,
                           last && w.bias() ? w.bias() + tb * NR : nullptr);
        }
    }
}
