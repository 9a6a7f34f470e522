// Tokenizer round trips and loading (issue 16):
//   - every vocab GGUF in tests/data/upstream/vocab-tests decodes what it encodes back to the text, for its
//   .inp
//     strings and accented / CJK / emoji strings; deepseek's 13 single-character user-defined tokens ("ü",
//     "ö",
//     ...) included, which are literal text in a GGUF (llama.cpp prints them as they are) and decoded as
//     U+FFFD before;
//   - GPT-2 as published (encoder.json + vocab.bpe) loads and gives HF's GPT-2 ids;
//   - load_tokenizer_from_path reads each kind of tokenizer file and names the accepted kinds otherwise.
// Expected ids come from the references: the .out files (HF `tokenizers`, written by llama.cpp's
// convert_hf_to_gguf_update.py) and tests/data/tokenizer/goldens/gpt2.json (scripts/goldens/
// make_tokenizer_goldens.py).
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "formats/gguf.h"
#include "formats/gguf_tokenizer.h"
#include "formats/tokenizer_files.h"
#include "tokenizer/gpt2_files.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kVocabDir = "tests/data/upstream/vocab-tests/";
const std::string kGpt2Dir = "tests/data/upstream/tokenizers/gpt2/";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The test strings of a .inp file (separated by "\n__ggml_vocab_test__\n").
std::vector<std::string> inp_strings(const std::string& path) {
    const std::string text = slurp(path);
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> out;
    size_t pos = 0;
    for (size_t hit = text.find(sep); hit != std::string::npos; hit = text.find(sep, pos)) {
        out.push_back(text.substr(pos, hit - pos));
        pos = hit + sep.size();
    }
    return out;
}

const std::vector<std::string> kWorldStrings = {
    "Führer",
    "Ångström, café, naïve, façade, Œuvre, straße",
    "ÀÁ õ÷øùúûüýþÿ",
    "Ελληνικά και русский текст",
    "日本語のテキストと中文字符",
    "한국어 문장입니다",
    "emoji 😀👍🏽 🇺🇸 👨‍👩‍👧",
    "mixed: ñ ç ß ø æ œ — “quotes” …",
};

std::unique_ptr<Tokenizer> gguf_tokenizer(const std::string& name) {
    return tokenizer_from_gguf(*GgufFile::open(kVocabDir + name));
}

TEST(TokenizerRoundTrip, DeepseekUserDefinedCharactersDecodeToTheirText) {
    // HF `tokenizers` ids (ggml-vocab-deepseek-coder.gguf.out): "ü" is the user-defined token 32009.
    const auto coder = gguf_tokenizer("ggml-vocab-deepseek-coder.gguf");
    const std::vector<int32_t> ids = coder->encode("Führer", false).ids;
    EXPECT_EQ(ids, (std::vector<int32_t>{37, 32009, 71, 6247}));
    EXPECT_EQ(coder->decode(ids), "Führer");
    const auto llm = gguf_tokenizer("ggml-vocab-deepseek-llm.gguf");
    const std::string chars[] = {"ø", "ö", "ú", "ÿ", "õ", "÷", "û", "ý", "À", "ù", "Á", "þ", "ü"};
    for (int32_t k = 0; k < 13; ++k) {
        EXPECT_EQ(llm->id_to_token(100002 + k), chars[k]);
        EXPECT_EQ(llm->decode(std::vector<int32_t>{100002 + k}), chars[k]) << "id " << 100002 + k;
        const std::string word = "x" + chars[k] + "y";
        EXPECT_EQ(llm->decode(llm->encode(word, false).ids), word);
    }
    // Streaming gives the same text.
    DecodeStream stream(*llm);
    std::string streamed;
    for (int32_t id : llm->encode("Führer und Öl", false).ids) streamed += stream.step(id);
    streamed += stream.flush();
    EXPECT_EQ(streamed, "Führer und Öl");
}

// Whether the reference round-trips text through `file`: byte-level BPE and SentencePiece with byte pieces do
// (every vocabulary here but bert's); WordPiece (bert) lowercases and spaces out punctuation.
bool reference_round_trips(const std::string& file) {
    return file.find("bert") == std::string::npos;
}

TEST(TokenizerRoundTrip, EveryVocabGgufDecodesItsStringsBack) {
    const std::vector<std::string> shared_inp = inp_strings(kVocabDir + "ggml-vocab-gpt-2.gguf.inp");
    ASSERT_GT(shared_inp.size(), 30u);
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(kVocabDir)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".gguf") continue;
        ++files;
        const auto tok = gguf_tokenizer(name);
        std::vector<std::string> texts = fs::exists(entry.path().string() + ".inp")
                                             ? inp_strings(entry.path().string() + ".inp")
                                             : shared_inp;
        texts.insert(texts.end(), kWorldStrings.begin(), kWorldStrings.end());
        size_t checked = 0;
        for (const std::string& text : texts) {
            if (!reference_round_trips(name)) continue;
            ++checked;
            const std::vector<int32_t> ids = tok->encode(text, false).ids;
            EXPECT_EQ(tok->decode(ids, false), text) << name << ": " << json(text).dump();
        }
        if (name.find("bert") == std::string::npos) {
            EXPECT_GT(checked, 40u) << name;
        }
    }
    EXPECT_EQ(files, 12u);
}

// A GGUF's user-defined tokens are literal text: llama.cpp prints each as it is spelled (token_to_piece
// copies the text of USER_DEFINED tokens), in every vocabulary type.
TEST(TokenizerRoundTrip, EveryGgufUserDefinedTokenDecodesToItsText) {
    size_t checked = 0;
    for (const auto& entry : fs::directory_iterator(kVocabDir)) {
        if (entry.path().extension() != ".gguf") continue;
        const auto file = GgufFile::open(entry.path().string());
        const tok::GgufVocab vocab = read_gguf_vocab(*file);
        const auto tok = tokenizer_from_gguf(*file);
        for (size_t id = 0; id < vocab.tokens.size(); ++id) {
            if (tok::gguf_token_type(vocab, id) != tok::GgufTokenType::UserDefined) continue;
            ++checked;
            EXPECT_EQ(tok->decode(std::vector<int32_t>{static_cast<int32_t>(id)}, false), vocab.tokens[id])
                << entry.path().filename().string() << " id " << id;
        }
    }
    EXPECT_GT(checked, 2000u);  // deepseek-llm alone has 2398
}

std::vector<int32_t> gpt2_golden_ids(size_t corpus_index, std::string& text) {
    const json golden = json::parse(slurp("tests/data/tokenizer/goldens/gpt2.json"));
    std::istringstream lines(slurp("tests/data/tokenizer/corpus.jsonl"));
    std::vector<std::string> corpus;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) corpus.push_back(json::parse(line)["text"].get<std::string>());
    for (const auto& c : golden["cases"])
        if (c["i"].get<size_t>() == corpus_index) {
            text = corpus.at(corpus_index);
            return c["ids"].get<std::vector<int32_t>>();
        }
    return {};
}

TEST(TokenizerFiles, Gpt2EncoderJsonAndVocabBpeGiveHfIds) {
    std::string text;
    const std::vector<int32_t> want = gpt2_golden_ids(3, text);
    ASSERT_FALSE(want.empty());
    for (const std::string& path :
         std::vector<std::string>{kGpt2Dir, kGpt2Dir + "encoder.json", kGpt2Dir + "vocab.bpe"}) {
        const auto tok = load_tokenizer_from_path(path);
        EXPECT_EQ(tok->encode(text).ids, want) << path;
        EXPECT_EQ(tok->decode(want), text) << path;
        EXPECT_EQ(tok->vocab_size(), 50257u);
        ASSERT_EQ(tok->token_to_id("<|endoftext|>"), std::optional<int32_t>(50256));
        EXPECT_TRUE(tok->is_special(50256));
        EXPECT_EQ(tok->encode("a<|endoftext|>b", false).ids, (std::vector<int32_t>{64, 50256, 65}));
    }
}

TEST(TokenizerFiles, Gpt2FilesRefuseBadInput) {
    EXPECT_THROW(tok::gpt2_files_to_tokenizer_json("[1, 2]", ""), Error);
    EXPECT_THROW(tok::gpt2_files_to_tokenizer_json("{\"a\": \"x\"}", ""), Error);
    EXPECT_THROW(tok::gpt2_files_to_tokenizer_json("{\"a\": 0}", "#version: 0.2\na b c\n"), Error);
    EXPECT_NO_THROW(
        tok::gpt2_files_to_tokenizer_json("{\"a\": 0, \"b\": 1, \"ab\": 2}", "#version: 0.2\na b\n"));
}

TEST(TokenizerFiles, DecodeAsOverridesOnlyWellFormedIds) {
    json j = tok::gpt2_files_to_tokenizer_json("{\"a\": 0, \"b\": 1, \"ab\": 2}", "#version: 0.2\na b\n");
    j["loom_decode_as"] = {{"1", "a"}};
    const auto tok = Tokenizer::from_json(j);
    EXPECT_EQ(tok->decode(std::vector<int32_t>{2, 1}), "aba");
    for (const json& bad : {json::array({1}), json{{"x", "a"}}, json{{"-1", "a"}}, json{{"1", 5}},
                            json{{"99999999999", "a"}}}) {
        j["loom_decode_as"] = bad;
        EXPECT_THROW(Tokenizer::from_json(j), Error) << bad.dump();
    }
}

TEST(TokenizerFiles, LoadsEveryKindFromItsPath) {
    // A bare SentencePiece model: ids as sentencepiece gives them (tests/data/spm/spm_goldens.json).
    const json spm = json::parse(slurp("tests/data/spm/spm_goldens.json"));
    const auto sp = load_tokenizer_from_path("tests/data/upstream/sentencepiece/test_model.model");
    const auto& model = spm["models"]["test_model"];
    for (size_t i = 0; i < spm["corpus"].size(); ++i)
        EXPECT_EQ(sp->encode(spm["corpus"][i].get<std::string>()).ids,
                  model["ids"][i].get<std::vector<int32_t>>());
    EXPECT_EQ(sp->decode(std::vector<int32_t>{0}), " \u2047 ");
    // tokenizer.json, a tokenizer folder, a GGUF.
    const auto llama3_file = load_tokenizer_from_path("tests/data/upstream/tokenizers/llama3/tokenizer.json");
    const auto llama3_dir = load_tokenizer_from_path("tests/data/upstream/tokenizers/llama3");
    EXPECT_EQ(llama3_file->encode("Hello world", false).ids, llama3_dir->encode("Hello world", false).ids);
    const auto gguf = load_tokenizer_from_path(kVocabDir + "ggml-vocab-gpt-2.gguf");
    EXPECT_EQ(gguf->encode("Hello world", false).ids, (std::vector<int32_t>{15496, 995}));
}

TEST(TokenizerFiles, OtherPathsNameTheAcceptedKinds) {
    const fs::path dir = fs::temp_directory_path() / ("loom_tokfiles_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "notes.txt") << "hello\n";
    std::ofstream(dir / "encoder.json") << "{}";  // without its vocab.bpe
    for (const std::string& path :
         std::vector<std::string>{(dir / "notes.txt").string(), dir.string(), (dir / "missing").string(),
                                  (dir / "encoder.json").string()}) {
        try {
            load_tokenizer_from_path(path);
            ADD_FAILURE() << path << " loaded";
        } catch (const Error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(path), std::string::npos) << what;
            EXPECT_EQ(what.find('\n'), std::string::npos) << what;
            if (path.find("notes") != std::string::npos || path == dir.string()) {
                EXPECT_NE(
                    what.find("a tokenizer.json, a SentencePiece .model, GPT-2's encoder.json + vocab.bpe"),
                    std::string::npos)
                    << what;
            }
        }
    }
    fs::remove_all(dir);
}

}  // namespace
}  // namespace loom
