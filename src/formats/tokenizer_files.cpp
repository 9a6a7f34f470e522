#include "formats/tokenizer_files.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "formats/gguf_tokenizer.h"
#include "formats/model_source.h"
#include "formats/model_tokenizer.h"
#include "tokenizer/gpt2_files.h"
#include "tokenizer/sentencepiece_model.h"
#include "tokenizer/sentencepiece_tokenizer.h"

namespace loom {

namespace fs = std::filesystem;

namespace {

const char* const kTokenizerKinds =
    "a tokenizer.json, a SentencePiece .model, GPT-2's encoder.json + vocab.bpe (or their folder), a GGUF "
    "file "
    "or a model folder";

// The BPE file pairs: GPT-2 as OpenAI published it, and as Hugging Face names the same two files.
const std::pair<const char*, const char*> kBpeFilePairs[] = {{"encoder.json", "vocab.bpe"},
                                                             {"vocab.json", "merges.txt"}};

bool tokenizer_file_exists(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

// The first bytes of a file ("" when it cannot be read).
std::string tokenizer_file_head(const std::string& path, size_t n) {
    std::ifstream in(path, std::ios::binary);
    std::string head(n, '\0');
    in.read(head.data(), static_cast<std::streamsize>(n));
    head.resize(static_cast<size_t>(in.gcount()));
    return head;
}

std::unique_ptr<Tokenizer> tokenizer_from_folder(const std::string& path) {
    const fs::path folder(path);
    const bool has_pipeline = tokenizer_file_exists(folder / "tokenizer.json") ||
                              tokenizer_file_exists(folder / "tokenizer.model") ||
                              tokenizer_file_exists(folder / "spiece.model") ||
                              tokenizer_file_exists(folder / "sentencepiece.bpe.model");
    if (!has_pipeline)
        for (const auto& [vocab, merges] : kBpeFilePairs)
            if (tokenizer_file_exists(folder / vocab) && tokenizer_file_exists(folder / merges))
                return tok::load_gpt2_files((folder / vocab).string(), (folder / merges).string());
    if (tokenizer_file_exists(folder / "config.json")) return load_model_tokenizer(open_model_source(path));
    if (!has_pipeline)
        throw Error("folder holds no tokenizer").file(path).hint(std::string("give ") + kTokenizerKinds);
    ModelSource source;  // a tokenizer folder without the model's config and weights
    source.path = path;
    source.format = SourceFormat::HuggingFace;
    set_side_file_paths(source, path);
    return load_model_tokenizer(source);
}

// encoder.json or vocab.bpe (or HF's names for them): the pair, from the file's folder.
std::unique_ptr<Tokenizer> tokenizer_from_bpe_file(const fs::path& file) {
    const std::string name = file.filename().string();
    for (const auto& [vocab, merges] : kBpeFilePairs) {
        if (name != vocab && name != merges) continue;
        const fs::path other = file.parent_path() / (name == vocab ? merges : vocab);
        if (!tokenizer_file_exists(other))
            throw Error(std::string("GPT-2 BPE files come in pairs: ") + vocab + " + " + merges + "; no " +
                        other.filename().string() + " beside it")
                .file(file.string());
        return tok::load_gpt2_files((file.parent_path() / vocab).string(),
                                    (file.parent_path() / merges).string());
    }
    return nullptr;
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_from_path(const std::string& path) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) throw Error("no such file or folder").file(path);
    if (fs::is_directory(status)) return tokenizer_from_folder(path);
    if (!fs::is_regular_file(status))
        throw Error("not a tokenizer file or folder").file(path).hint(std::string("give ") + kTokenizerKinds);
    if (auto bpe = tokenizer_from_bpe_file(fs::path(path))) return bpe;
    const std::string head = tokenizer_file_head(path, 4);
    if (head == "GGUF") return load_model_tokenizer(open_model_source(path));
    const std::string ext = fs::path(path).extension().string();
    if (ext == ".model") return tok::load_sentencepiece_tokenizer(path);
    if (ext == ".json" || (!head.empty() && head[0] == '{')) return Tokenizer::from_file(path);
    // A SentencePiece ModelProto starts with its first piece: field 1, length-delimited (0x0A).
    if (!head.empty() && head[0] == '\x0A') return tok::load_sentencepiece_tokenizer(path);
    throw Error("not a tokenizer file").file(path).hint(std::string("give ") + kTokenizerKinds);
}

std::unique_ptr<Tokenizer> load_tokenizer_of_model(const std::string& path) {
    const ModelSource source = open_model_source(path);
    if (source.format == SourceFormat::Gguf) return tokenizer_from_gguf(*source.gguf);
    if (!source.tokenizer_json_path.empty()) return Tokenizer::from_file(source.tokenizer_json_path);
    if (!source.sentencepiece_model_path.empty())
        return tok::tokenizer_from_sentencepiece(tok::load_sentencepiece_model(source.sentencepiece_model_path));
    throw Error("model folder has no tokenizer.json or SentencePiece .model").file(path);
}

}  // namespace loom
