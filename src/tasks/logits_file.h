// The logits file of `loom perplexity --save-logits` / `--kl-divergence`: the tokens of a perplexity run and,
// for every scored position, the model's next-token log-probabilities, so a second run (another quantization,
// another activation precision, another engine) can be compared position by position.
//
// Layout (little-endian, nothing compressed; scripts/bench/kl_vs_llamacpp.py reads it with numpy):
//   header   char magic[8] = "LOOMKLD1"; uint32 version = 1; uint32 n_vocab; int64 n_ctx; int64 n_tokens
//   tokens   int32[n_tokens]
//   rows     one per scored position, windows in order (perplexity.h: non-overlapping windows of n_ctx
//   tokens, a
//            trailing window of >= 2 tokens kept, positions 0 .. len-2 of each scored):
//              float32 lo, step        log p(v) = lo + step * q[v]   (lo = the row's smallest log-prob)
//              float32 target_logprob  log p(next token), exact (for the reference perplexity)
//              int32   argmax          the top-1 token, from the unrounded logits
//              uint16  q[n_vocab]
// 16-bit log-probs on the row's own range rather than f32 or f16: half the size of f32 (2,044 positions x
// 49,152 vocab = 201 MB, against 402 MB), and an absolute error of at most range / 131070 (~3e-4 nats for a
// range of 40) on every token, where f16's rounding error is already 5e-4 at log p = -1. A reader
// renormalises the dequantized row, so it stays a distribution and a run compared with its own file gives KL
// ~1e-8.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace loom {

// Number of scored positions for n_tokens in windows of n_ctx (the rule of compute_perplexity).
int64_t scored_positions(int64_t n_tokens, int64_t n_ctx);

class LogitsFileWriter {
  public:
    LogitsFileWriter(const std::string& path, int64_t n_vocab, int64_t n_ctx,
                     std::span<const int32_t> tokens);
    ~LogitsFileWriter();
    LogitsFileWriter(const LogitsFileWriter&) = delete;
    LogitsFileWriter& operator=(const LogitsFileWriter&) = delete;

    // One scored position: logits[n_vocab] and the token that follows.
    void write_row(const float* logits, int32_t target);
    // Flushes and checks that every scored position was written; throws loom::Error otherwise.
    void finish();

  private:
    std::string path_;
    std::FILE* file_ = nullptr;
    int64_t n_vocab_, rows_expected_, rows_written_ = 0;
    std::vector<uint16_t> q_;
};

// One row read back: log p over the vocabulary, renormalised in double.
struct ReferenceRow {
    std::vector<double> logp;  // [n_vocab]
    double target_logprob = 0.0;
    int32_t argmax = 0;
};

class LogitsFileReader {
  public:
    // Checks magic, version, sizes and that the file is exactly as long as its header says; a bad or
    // truncated file throws loom::Error with one line naming the file.
    explicit LogitsFileReader(const std::string& path);
    ~LogitsFileReader();
    LogitsFileReader(const LogitsFileReader&) = delete;
    LogitsFileReader& operator=(const LogitsFileReader&) = delete;

    int64_t n_vocab() const { return n_vocab_; }
    int64_t n_ctx() const { return n_ctx_; }
    int64_t rows() const { return rows_; }
    int64_t rows_read() const { return rows_read_; }
    const std::vector<int32_t>& tokens() const { return tokens_; }
    // The next row, in file order; throws loom::Error past the last one or on a read error.
    void read_row(ReferenceRow& row);

  private:
    std::string path_;
    std::FILE* file_ = nullptr;
    int64_t n_vocab_ = 0, n_ctx_ = 0, rows_ = 0, rows_read_ = 0;
    std::vector<int32_t> tokens_;
    std::vector<uint16_t> q_;
};

}  // namespace loom
