// The logits file of `loom perplexity --save-logits` and the KL statistics of `--kl-divergence`: a run
// compared with its own saved distributions has KL ~0 and full top-1 agreement; a known perturbation gives
// the KL computed directly in double; a bad or truncated file is refused with one line.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.h"
#include "tasks/kl_divergence.h"
#include "tasks/logits_file.h"

using namespace loom;

namespace {

constexpr int64_t kVocab = 1000, kCtx = 16;

struct SyntheticRun {
    std::vector<int32_t> tokens;
    std::vector<float> logits;  // [scored positions, kVocab]
};

// 40 tokens in windows of 16: 15 + 15 + 7 scored positions.
SyntheticRun make_run(uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> logit(0.0f, 4.0f);
    std::uniform_int_distribution<int32_t> token(0, kVocab - 1);
    SyntheticRun r;
    for (int i = 0; i < 40; ++i) r.tokens.push_back(token(rng));
    r.logits.resize(static_cast<size_t>(scored_positions(40, kCtx) * kVocab));
    for (float& l : r.logits) l = logit(rng);
    return r;
}

// The token each scored position predicts, in file order.
std::vector<int32_t> targets(const std::vector<int32_t>& tokens) {
    std::vector<int32_t> out;
    for (size_t begin = 0; begin < tokens.size(); begin += kCtx)
        for (size_t i = begin + 1; i < std::min(tokens.size(), begin + kCtx); ++i) out.push_back(tokens[i]);
    return out;
}

std::string save(const SyntheticRun& r, const std::string& name) {
    const std::string path = (std::filesystem::temp_directory_path() / name).string();
    LogitsFileWriter writer(path, kVocab, kCtx, r.tokens);
    const std::vector<int32_t> next = targets(r.tokens);
    for (size_t p = 0; p < next.size(); ++p) writer.write_row(r.logits.data() + p * kVocab, next[p]);
    writer.finish();
    return path;
}

KlStats compare(const std::string& path, const SyntheticRun& r) {
    LogitsFileReader reader(path);
    EXPECT_EQ(reader.tokens(), r.tokens);
    EXPECT_EQ(reader.n_ctx(), kCtx);
    EXPECT_EQ(reader.rows(), 37);
    const std::vector<int32_t> next = targets(r.tokens);
    KlAccumulator kl;
    ReferenceRow row;
    for (size_t p = 0; p < next.size(); ++p) {
        reader.read_row(row);
        kl.add(row, r.logits.data() + p * kVocab, next[p]);
    }
    EXPECT_THROW(reader.read_row(row), Error);
    return kl.finish();
}

std::vector<double> log_softmax(const float* l) {
    double m = l[0], s = 0.0;
    for (int64_t v = 0; v < kVocab; ++v) m = std::max(m, static_cast<double>(l[v]));
    for (int64_t v = 0; v < kVocab; ++v) s += std::exp(l[v] - m);
    std::vector<double> out(kVocab);
    for (int64_t v = 0; v < kVocab; ++v) out[v] = l[v] - m - std::log(s);
    return out;
}

std::string error_of(const std::string& path) {
    try {
        LogitsFileReader reader(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(LogitsFile, RunAgainstItsOwnLogitsHasZeroKlAndFullTop1) {
    const SyntheticRun r = make_run(1);
    const std::string path = save(r, "loom-test-logits-self.kld");
    const KlStats s = compare(path, r);
    EXPECT_EQ(s.positions, 37);
    EXPECT_LT(s.mean_kl, 1e-7);  // 16-bit rounding of the saved log-probs only
    EXPECT_LT(s.max_kl, 1e-6);
    EXPECT_EQ(s.top1_agreement, 1.0);
    EXPECT_NEAR(s.perplexity / s.ref_perplexity, 1.0, 1e-6);
    std::filesystem::remove(path);
}

TEST(LogitsFile, KlOfAPerturbedRunMatchesTheDirectSum) {
    const SyntheticRun ref = make_run(2);
    SyntheticRun other = ref;
    std::mt19937 rng(3);
    std::normal_distribution<float> noise(0.0f, 0.3f);
    for (float& l : other.logits) l += noise(rng);
    const std::string path = save(ref, "loom-test-logits-perturbed.kld");
    const KlStats s = compare(path, other);

    std::vector<double> direct;
    int64_t same_top = 0;
    for (int64_t p = 0; p < 37; ++p) {
        const std::vector<double> lp = log_softmax(ref.logits.data() + p * kVocab);
        const std::vector<double> lq = log_softmax(other.logits.data() + p * kVocab);
        double kl = 0.0;
        for (int64_t v = 0; v < kVocab; ++v) kl += std::exp(lp[v]) * (lp[v] - lq[v]);
        direct.push_back(kl);
        same_top += std::max_element(lp.begin(), lp.end()) - lp.begin() ==
                    std::max_element(lq.begin(), lq.end()) - lq.begin();
    }
    double mean = 0.0;
    for (double k : direct) mean += k / 37.0;
    EXPECT_GT(mean, 1e-3);
    EXPECT_NEAR(s.mean_kl, mean, 1e-3 * mean);
    EXPECT_NEAR(s.max_kl, *std::max_element(direct.begin(), direct.end()), 1e-3 * mean);
    EXPECT_DOUBLE_EQ(s.top1_agreement, static_cast<double>(same_top) / 37.0);
    std::filesystem::remove(path);
}

TEST(LogitsFile, TruncatedOrForeignFileIsOneLineError) {
    const SyntheticRun r = make_run(4);
    const std::string path = save(r, "loom-test-logits-bad.kld");
    const auto size = std::filesystem::file_size(path);

    std::filesystem::resize_file(path, size - 100);
    std::string message = error_of(path);
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;

    std::filesystem::resize_file(path, 20);
    message = error_of(path);
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;

    std::ofstream(path, std::ios::binary) << "GGUF not a logits file at all";
    message = error_of(path);
    EXPECT_NE(message.find("not a loom logits file"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;

    std::filesystem::remove(path);
    EXPECT_NE(error_of(path).find("cannot open"), std::string::npos);
}

TEST(LogitsFile, WriterRefusesTooFewRows) {
    const SyntheticRun r = make_run(5);
    const std::string path = (std::filesystem::temp_directory_path() / "loom-test-logits-short.kld").string();
    LogitsFileWriter writer(path, kVocab, kCtx, r.tokens);
    writer.write_row(r.logits.data(), r.tokens[1]);
    EXPECT_THROW(writer.finish(), Error);
    std::filesystem::remove(path);
}

}  // namespace
