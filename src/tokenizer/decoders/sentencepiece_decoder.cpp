// "LoomSentencePiece": the decoder of a bare SentencePiece .model, as SentencePieceProcessor::Decode renders
// ids (HF has no such decoder; its Llama chain Replace/ByteFallback/Fuse/Strip differs where noted):
//   - the unknown piece becomes `unk_surface` (SentencePiece's " \u2047 "; HF prints the piece itself or
//   skips it);
//   - while nothing is rendered yet, a piece loses one leading "▁" (when the model adds a dummy prefix or
//   removes
//     extra whitespace); with remove_extra_whitespaces every such leading piece does, else only the first
//     (HF's Strip drops one space of the whole text: an <unk> or a byte 0x20 first loses its space there);
//   - every other "▁" is a space; with byte fallback a run of <0xXX> pieces is its bytes, each byte that
//   starts
//     no valid UTF-8 sequence becoming U+FFFD.
// Loom-only JSON: {"type": "LoomSentencePiece", "unk_piece": "<unk>", "unk_surface": " \u2047 ",
//                  "byte_fallback": bool, "strip_dummy_prefix": bool, "remove_extra_whitespaces": bool}

#include "tokenizer/components.h"
#include "tokenizer/unicode.h"

namespace loom::tok {
namespace {

const std::string kSpDecodeSpace = "\xE2\x96\x81";  // U+2581

class SentencePieceDecoder : public Decoder {
  public:
    explicit SentencePieceDecoder(const json& j)
        : unk_piece_(j.value("unk_piece", std::string("<unk>"))),
          unk_surface_(j.value("unk_surface", std::string(" \xE2\x81\x87 "))),
          byte_fallback_(j.value("byte_fallback", false)),
          strip_dummy_prefix_(j.value("strip_dummy_prefix", true)),
          remove_extra_whitespaces_(j.value("remove_extra_whitespaces", true)) {}

    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string out, bytes;
        bool at_bos = true;  // sentencepiece's is_bos_ws: nothing rendered yet
        const auto flush_bytes = [&] {
            if (bytes.empty()) return;
            out += lossy_utf8(bytes);
            bytes.clear();
            at_bos = false;
        };
        for (const std::string& t : tokens) {
            if (const auto byte = byte_fallback_ ? byte_fallback_byte(t) : std::nullopt) {
                bytes.push_back(static_cast<char>(*byte));
                continue;
            }
            flush_bytes();
            if (t == unk_piece_) {
                out += unk_surface_;
                at_bos = false;
                continue;
            }
            std::string_view piece(t);
            bool consumed = false;
            if (at_bos && strip_dummy_prefix_ && piece.substr(0, kSpDecodeSpace.size()) == kSpDecodeSpace) {
                piece.remove_prefix(kSpDecodeSpace.size());
                // Without extra whitespace removal only the first "▁" is the dummy prefix.
                consumed = !remove_extra_whitespaces_;
            }
            const size_t before = out.size();
            for (size_t hit = piece.find(kSpDecodeSpace); hit != std::string_view::npos;
                 hit = piece.find(kSpDecodeSpace)) {
                out.append(piece.substr(0, hit));
                out.push_back(' ');
                piece.remove_prefix(hit + kSpDecodeSpace.size());
            }
            out.append(piece);
            if (out.size() > before || consumed) at_bos = false;
        }
        flush_bytes();
        tokens.assign(1, std::move(out));
    }

  private:
    std::string unk_piece_, unk_surface_;
    bool byte_fallback_, strip_dummy_prefix_, remove_extra_whitespaces_;
};

}  // namespace

std::unique_ptr<Decoder> make_sentencepiece_decoder(const json& j) {
    return std::make_unique<SentencePieceDecoder>(j);
}

}  // namespace loom::tok
