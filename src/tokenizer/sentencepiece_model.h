// A SentencePiece .model file: a serialized protobuf ModelProto. We read the few fields a tokenizer needs
// with a small bounds-checked reader of the protobuf wire format (no protobuf dependency); unknown fields are
// skipped.
//
//   ModelProto      1: repeated SentencePiece {1: piece, 2: score (float), 3: type}
//                   2: TrainerSpec {3: model_type (1 unigram, 2 bpe, 3 word, 4 char), 4: vocab_size,
//                      24: treat_whitespace_as_suffix, 35: byte_fallback, 40..43: unk/bos/eos/pad id,
//                      45..48: unk/bos/eos/pad piece}
//                   3: NormalizerSpec {1: name, 2: precompiled_charsmap, 3: add_dummy_prefix,
//                      4: remove_extra_whitespaces, 5: escape_whitespaces}
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace loom::tok {

enum class SpPieceType : int32_t {
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6
};
enum class SpModelType : int32_t { Unigram = 1, Bpe = 2, Word = 3, Char = 4 };

struct SpPiece {
    std::string piece;
    float score = 0.0f;
    SpPieceType type = SpPieceType::Normal;
};

struct SpTrainerSpec {
    SpModelType model_type = SpModelType::Unigram;
    int32_t vocab_size = 8000;
    bool treat_whitespace_as_suffix = false;
    bool byte_fallback = false;
    int32_t unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
    std::string unk_piece = "<unk>", bos_piece = "<s>", eos_piece = "</s>", pad_piece = "<pad>";
};

struct SpNormalizerSpec {
    std::string name;
    std::string precompiled_charsmap;  // raw bytes
    bool add_dummy_prefix = true;
    bool remove_extra_whitespaces = true;
    bool escape_whitespaces = true;
};

struct SpModel {
    std::vector<SpPiece> pieces;
    SpTrainerSpec trainer;
    SpNormalizerSpec normalizer;
};

// Throws loom::Error with the byte offset of the first malformed field (truncated varint, length past the
// end, unsupported wire type). `name` names the source in errors.
SpModel parse_sentencepiece_model(std::span<const uint8_t> bytes, const std::string& name = "<memory>");
SpModel load_sentencepiece_model(const std::string& path);

}  // namespace loom::tok
