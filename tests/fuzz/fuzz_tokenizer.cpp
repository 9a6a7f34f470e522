// libFuzzer target for the tokenizers: any bytes (valid UTF-8 or not) are encoded by one tokenizer of each
// kind, and the ids decoded back (whole, skipping specials, and through a DecodeStream) — no crash, hang or
// overread.
//   byte-level BPE    tests/data/upstream/tokenizers/llama3/tokenizer.json (Split regex + ByteLevel)
//   SentencePiece BPE tests/data/upstream/vocab-tests/ggml-vocab-llama-spm.gguf (merges derived from scores)
//   Unigram           tests/data/upstream/sentencepiece/test_model.model (precompiled charsmap)
//   SentencePiece BPE tests/data/spm/bpe_1000_bytefb_nfkc.model (byte fallback)
//   WordPiece         tests/data/upstream/vocab-tests/ggml-vocab-bert-bge.gguf
//   byte-level BPE    tests/data/upstream/vocab-tests/ggml-vocab-deepseek-coder.gguf (user-defined tokens)
//   byte-level BPE    tests/data/upstream/tokenizers/gpt2 (encoder.json + vocab.bpe)
// The binary runs from its build folder: the data is found through the source tree, LOOM_SOURCE_DIR.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "formats/gguf.h"
#include "formats/gguf_tokenizer.h"
#include "formats/tokenizer_files.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace {

std::string upstream_data() { return std::string(LOOM_SOURCE_DIR) + "/tests/data/upstream"; }

std::vector<std::unique_ptr<loom::Tokenizer>> load_all() {
    const std::string data = upstream_data();
    std::vector<std::unique_ptr<loom::Tokenizer>> all;
    all.push_back(loom::Tokenizer::from_file(data + "/tokenizers/llama3/tokenizer.json"));
    all.push_back(
        loom::tokenizer_from_gguf(*loom::GgufFile::open(data + "/vocab-tests/ggml-vocab-llama-spm.gguf")));
    all.push_back(loom::tok::load_sentencepiece_tokenizer(data + "/sentencepiece/test_model.model"));
    all.push_back(loom::tok::load_sentencepiece_tokenizer(std::string(LOOM_SOURCE_DIR) +
                                                          "/tests/data/spm/bpe_1000_bytefb_nfkc.model"));
    all.push_back(
        loom::tokenizer_from_gguf(*loom::GgufFile::open(data + "/vocab-tests/ggml-vocab-bert-bge.gguf")));
    all.push_back(loom::load_tokenizer_from_path(data + "/vocab-tests/ggml-vocab-deepseek-coder.gguf"));
    all.push_back(loom::load_tokenizer_from_path(data + "/tokenizers/gpt2"));
    return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Loaded once; a missing data file fails loudly here, at the first input, rather than fuzzing nothing.
    static const std::vector<std::unique_ptr<loom::Tokenizer>> tokenizers = load_all();
    if (size > 4096) return 0;  // long inputs only slow the search; the pipeline is linear in the text
    std::string_view text(reinterpret_cast<const char*>(data), size);
    size_t checksum = 0;
    for (const auto& tokenizer : tokenizers) {
        loom::Encoding enc = tokenizer->encode(text, /*add_special_tokens=*/true);
        for (auto [start, end] : enc.offsets)
            if (start > end || end > size) __builtin_trap();  // offsets must point inside the input
        checksum += tokenizer->decode(enc.ids, /*skip_special_tokens=*/false).size();
        checksum += tokenizer->decode(enc.ids, /*skip_special_tokens=*/true).size();
        loom::DecodeStream stream(*tokenizer, /*skip_special_tokens=*/false);
        for (int32_t id : enc.ids) checksum += stream.step(id).size();
        checksum += stream.flush().size();
    }
    volatile size_t sink = checksum;
    (void)sink;
    return 0;
}
