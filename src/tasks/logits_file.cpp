#include "tasks/logits_file.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace loom {
namespace {

constexpr char kLogitsFileMagic[8] = {'L', 'O', 'O', 'M', 'K', 'L', 'D', '1'};
constexpr uint32_t kVersion = 1;
constexpr int64_t kHeaderBytes = 8 + 4 + 4 + 8 + 8;
constexpr int64_t kRowHeaderBytes = 16;  // lo, step, target_logprob, argmax
constexpr int64_t kMaxVocab = int64_t{1} << 24;

struct RowHeader {
    float lo, step, target_logprob;
    int32_t argmax;
};
static_assert(sizeof(RowHeader) == kRowHeaderBytes);

int64_t row_bytes(int64_t n_vocab) {
    return kRowHeaderBytes + 2 * n_vocab;
}

}  // namespace

int64_t scored_positions(int64_t n_tokens, int64_t n_ctx) {
    const int64_t full = n_tokens / n_ctx, rest = n_tokens % n_ctx;
    return full * (n_ctx - 1) + (rest >= 2 ? rest - 1 : 0);
}

LogitsFileWriter::LogitsFileWriter(const std::string& path, int64_t n_vocab, int64_t n_ctx,
                                   std::span<const int32_t> tokens)
    : path_(path),
      n_vocab_(n_vocab),
      rows_expected_(scored_positions(static_cast<int64_t>(tokens.size()), n_ctx)),
      q_(static_cast<size_t>(n_vocab)) {
    if (n_vocab <= 0 || n_vocab > kMaxVocab || n_ctx < 2)
        throw Error("logits file: bad vocabulary or context");
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw Error("cannot create the logits file: " + std::string(std::strerror(errno))).file(path);
    const uint32_t version = kVersion, vocab = static_cast<uint32_t>(n_vocab);
    const int64_t ctx = n_ctx, n_tokens = static_cast<int64_t>(tokens.size());
    bool ok = std::fwrite(kLogitsFileMagic, 1, 8, file_) == 8 && std::fwrite(&version, 4, 1, file_) == 1 &&
              std::fwrite(&vocab, 4, 1, file_) == 1 && std::fwrite(&ctx, 8, 1, file_) == 1 &&
              std::fwrite(&n_tokens, 8, 1, file_) == 1 &&
              std::fwrite(tokens.data(), 4, tokens.size(), file_) == tokens.size();
    if (!ok) throw Error("cannot write the logits file").file(path);
}

LogitsFileWriter::~LogitsFileWriter() {
    if (file_) std::fclose(file_);
}

void LogitsFileWriter::write_row(const float* logits, int32_t target) {
    if (rows_written_ >= rows_expected_)
        throw Error("logits file: more rows than scored positions").file(path_);
    // log-softmax in double; the row is stored as 16-bit steps between its smallest and largest log-prob.
    int32_t argmax = 0;
    for (int64_t v = 1; v < n_vocab_; ++v)
        if (logits[v] > logits[argmax]) argmax = static_cast<int32_t>(v);
    const double max_logit = logits[argmax];
    double sum = 0.0;
    double min_logit = max_logit;
    for (int64_t v = 0; v < n_vocab_; ++v) {
        sum += std::exp(static_cast<double>(logits[v]) - max_logit);
        min_logit = std::min(min_logit, static_cast<double>(logits[v]));
    }
    const double shift = max_logit + std::log(sum);  // log p(v) = logits[v] - shift
    const double lo = min_logit - shift, hi = max_logit - shift;
    const double step = hi > lo ? (hi - lo) / 65535.0 : 1.0;
    for (int64_t v = 0; v < n_vocab_; ++v) {
        const double steps = std::round((static_cast<double>(logits[v]) - shift - lo) / step);
        q_[static_cast<size_t>(v)] = static_cast<uint16_t>(std::clamp(steps, 0.0, 65535.0));
    }
    const RowHeader header{static_cast<float>(lo), static_cast<float>(step),
                           static_cast<float>(static_cast<double>(logits[target]) - shift), argmax};
    if (std::fwrite(&header, sizeof header, 1, file_) != 1 ||
        std::fwrite(q_.data(), 2, q_.size(), file_) != q_.size())
        throw Error("cannot write the logits file (disk full?)").file(path_);
    ++rows_written_;
}

void LogitsFileWriter::finish() {
    if (rows_written_ != rows_expected_)
        throw Error("logits file: " + std::to_string(rows_written_) + " rows written, " +
                    std::to_string(rows_expected_) + " expected")
            .file(path_);
    const int closed = std::fclose(file_);
    file_ = nullptr;
    if (closed != 0) throw Error("cannot write the logits file (disk full?)").file(path_);
}

LogitsFileReader::LogitsFileReader(const std::string& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw Error("cannot open the logits file: " + std::string(std::strerror(errno))).file(path);
    char magic[8];
    uint32_t version = 0, vocab = 0;
    int64_t n_tokens = -1;
    if (std::fread(magic, 1, 8, file_) != 8 || std::memcmp(magic, kLogitsFileMagic, 8) != 0)
        throw Error("not a loom logits file (no LOOMKLD1 magic)").file(path);
    if (std::fread(&version, 4, 1, file_) != 1 || std::fread(&vocab, 4, 1, file_) != 1 ||
        std::fread(&n_ctx_, 8, 1, file_) != 1 || std::fread(&n_tokens, 8, 1, file_) != 1)
        throw Error("logits file is truncated in its header").file(path);
    if (version != kVersion)
        throw Error("logits file version " + std::to_string(version) + ", expected " +
                    std::to_string(kVersion))
            .file(path);
    n_vocab_ = vocab;
    if (n_vocab_ <= 0 || n_vocab_ > kMaxVocab || n_ctx_ < 2 || n_tokens < 2 || n_tokens > (int64_t{1} << 32))
        throw Error("logits file header is corrupt (vocabulary " + std::to_string(n_vocab_) + ", context " +
                    std::to_string(n_ctx_) + ", tokens " + std::to_string(n_tokens) + ")")
            .file(path);
    rows_ = scored_positions(n_tokens, n_ctx_);
    // The whole length is known from the header: check it before reading anything else.
    const int64_t expected = kHeaderBytes + 4 * n_tokens + rows_ * row_bytes(n_vocab_);
    if (std::fseek(file_, 0, SEEK_END) != 0) throw Error("cannot seek in the logits file").file(path);
    const int64_t actual = std::ftell(file_);
    if (actual != expected)
        throw Error("logits file is " + std::string(actual < expected ? "truncated" : "too long") + ": " +
                    std::to_string(actual) + " bytes, its header implies " + std::to_string(expected))
            .file(path);
    std::fseek(file_, kHeaderBytes, SEEK_SET);
    tokens_.resize(static_cast<size_t>(n_tokens));
    if (std::fread(tokens_.data(), 4, tokens_.size(), file_) != tokens_.size())
        throw Error("cannot read the logits file's tokens").file(path);
    for (int32_t t : tokens_)
        if (t < 0 || t >= n_vocab_)
            throw Error("logits file has token id " + std::to_string(t) + " outside the vocabulary of " +
                        std::to_string(n_vocab_))
                .file(path);
    q_.resize(static_cast<size_t>(n_vocab_));
}

LogitsFileReader::~LogitsFileReader() {
    if (file_) std::fclose(file_);
}

void LogitsFileReader::read_row(ReferenceRow& row) {
    if (rows_read_ >= rows_) throw Error("logits file: read past its last row").file(path_);
    RowHeader header{};
    if (std::fread(&header, sizeof header, 1, file_) != 1 ||
        std::fread(q_.data(), 2, q_.size(), file_) != q_.size())
        throw Error("cannot read row " + std::to_string(rows_read_) + " of the logits file").file(path_);
    if (!std::isfinite(header.lo) || !std::isfinite(header.step) || header.step <= 0.0f ||
        header.argmax < 0 || header.argmax >= n_vocab_)
        throw Error("row " + std::to_string(rows_read_) + " of the logits file is corrupt").file(path_);
    row.logp.resize(q_.size());
    double sum = 0.0;
    for (size_t v = 0; v < q_.size(); ++v) {
        row.logp[v] = static_cast<double>(header.lo) + static_cast<double>(header.step) * q_[v];
        sum += std::exp(row.logp[v]);
    }
    const double log_sum = std::log(sum);  // renormalise: rounding moved the total by ~1e-4 at most
    for (double& l : row.logp) l -= log_sum;
    row.target_logprob = header.target_logprob;
    row.argmax = header.argmax;
    ++rows_read_;
}

}  // namespace loom
