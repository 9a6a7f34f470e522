// What every encoder task (embed, ner, fill-mask, search) does first: open a Hugging Face folder, build the
// encoder and its tokenizer, and turn texts into a padded EncoderBatch.
//
// The tokenizer.json's own padding/truncation settings are replaced (all-MiniLM-L6-v2 ships Fixed(128)
// padding): we pad to the longest text of each batch with the model's pad id and truncate at `max_tokens`.
// Over-long texts are cut with a notice on stderr by default; with truncate = false they are a loom::Error.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "models/bert.h"
#include "tokenizer/tokenizer.h"

namespace loom {

struct EncoderInputOptions {
    bool truncate = true;   // false: a text longer than max_tokens is an error
    size_t max_tokens = 0;  // 0: the model's max_sequence_length()
};

class EncoderRunner {
  public:
    // Throws loom::Error when the folder is not an encoder model or has no tokenizer.json.
    static std::unique_ptr<EncoderRunner> open(const std::string& path, EncoderInputOptions options = {});

    const ModelSource& source() const { return source_; }
    const EncoderModel& model() const { return *model_; }
    const Tokenizer& tokenizer() const { return *tokenizer_; }
    size_t max_tokens() const { return max_tokens_; }
    void set_max_tokens(size_t n);  // clamped to the model's limit

    // One encoding per text (special tokens added, truncated per the options). Throws for an empty list.
    std::vector<Encoding> encode(std::span<const std::string> texts) const;
    // A right-padded batch of these encodings (ids padded with the model's pad_token_id, mask 0).
    EncoderBatch make_batch(std::span<const Encoding> encodings) const;
    // encode + make_batch + forward: hidden [B * T, hidden], with the batch it ran.
    std::vector<float> run(std::span<const Encoding> encodings, EncoderBatch* batch_out = nullptr) const;

  private:
    EncoderRunner() = default;

    ModelSource source_;
    std::unique_ptr<EncoderModel> model_;
    std::unique_ptr<Tokenizer> tokenizer_;
    EncoderInputOptions options_;
    size_t max_tokens_ = 0;
};

// Byte offset -> character (code point) offset in UTF-8 text; HF pipelines report character offsets.
size_t utf8_char_index(const std::string& text, size_t byte_offset);

}  // namespace loom
