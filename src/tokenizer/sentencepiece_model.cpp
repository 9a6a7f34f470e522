#include "tokenizer/sentencepiece_model.h"

#include <cstring>
#include <string_view>

#include "core/error.h"
#include "core/mapped_file.h"

namespace loom::tok {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Reads one message's bytes. `base` is the message's offset in the whole file, so errors point at file bytes.
class WireReader {
  public:
    WireReader(std::span<const uint8_t> bytes, uint64_t base, const std::string& name)
        : bytes_(bytes), base_(base), name_(name) {}

    bool done() const { return pos_ >= bytes_.size(); }
    uint64_t offset() const { return base_ + pos_; }

    uint64_t varint() {
        uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= bytes_.size()) throw error("truncated varint");
            uint8_t b = bytes_[pos_++];
            value |= uint64_t(b & 0x7F) << shift;
            if (!(b & 0x80)) return value;
        }
        throw error("varint longer than 10 bytes");
    }

    // Next field: number and wire type (false at the end of the message).
    bool next(uint32_t& field, uint32_t& wire_type) {
        if (done()) return false;
        uint64_t key = varint();
        field = static_cast<uint32_t>(key >> 3);
        wire_type = static_cast<uint32_t>(key & 7);
        if (field == 0) throw error("field number 0");
        return true;
    }

    std::span<const uint8_t> bytes_field(uint64_t& start_offset) {
        uint64_t len = varint();
        if (len > bytes_.size() - pos_) throw error("length " + std::to_string(len) + " runs past the end");
        start_offset = offset();
        auto out = bytes_.subspan(pos_, static_cast<size_t>(len));
        pos_ += static_cast<size_t>(len);
        return out;
    }

    std::string string_field() {
        uint64_t ignored;
        auto b = bytes_field(ignored);
        return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    }

    float fixed32_float() {
        if (bytes_.size() - pos_ < 4) throw error("truncated fixed32");
        uint32_t bits = uint32_t(bytes_[pos_]) | uint32_t(bytes_[pos_ + 1]) << 8 |
                        uint32_t(bytes_[pos_ + 2]) << 16 | uint32_t(bytes_[pos_ + 3]) << 24;
        pos_ += 4;
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }

    // int32 fields are sign-extended to 64 bits on the wire (-1 takes ten bytes).
    int32_t int32_field() { return static_cast<int32_t>(static_cast<int64_t>(varint())); }
    bool bool_field() { return varint() != 0; }

    void skip(uint32_t wire_type) {
        uint64_t ignored;
        switch (wire_type) {
            case kVarint:
                varint();
                return;
            case kLengthDelimited:
                bytes_field(ignored);
                return;
            case kFixed64:
                advance(8);
                return;
            case kFixed32:
                advance(4);
                return;
            default:
                throw error("unsupported wire type " + std::to_string(wire_type));
        }
    }

    void expect(uint32_t wire_type, uint32_t expected, uint32_t field) {
        if (wire_type != expected)
            throw error("field " + std::to_string(field) + " has wire type " + std::to_string(wire_type) +
                        ", expected " + std::to_string(expected));
    }

    Error error(const std::string& what) const {
        Error e("malformed SentencePiece model: " + what);
        e.file(name_).offset(offset());
        return e;
    }

  private:
    void advance(size_t n) {
        if (bytes_.size() - pos_ < n) throw error("truncated field");
        pos_ += n;
    }

    std::span<const uint8_t> bytes_;
    size_t pos_ = 0;
    uint64_t base_;
    const std::string& name_;
};

SpPiece parse_piece(WireReader r) {
    SpPiece p;
    uint32_t field, wt;
    while (r.next(field, wt)) {
        if (field == 1)
            r.expect(wt, kLengthDelimited, field), p.piece = r.string_field();
        else if (field == 2)
            r.expect(wt, kFixed32, field), p.score = r.fixed32_float();
        else if (field == 3) {
            r.expect(wt, kVarint, field);
            int32_t type = r.int32_field();
            if (type < 1 || type > 6) throw r.error("piece type " + std::to_string(type) + " is not 1..6");
            p.type = static_cast<SpPieceType>(type);
        } else
            r.skip(wt);
    }
    return p;
}

SpTrainerSpec parse_trainer(WireReader r) {
    SpTrainerSpec t;
    uint32_t field, wt;
    while (r.next(field, wt)) {
        bool is_varint = wt == kVarint, is_bytes = wt == kLengthDelimited;
        if (field == 3 && is_varint)
            t.model_type = static_cast<SpModelType>(r.int32_field());
        else if (field == 4 && is_varint)
            t.vocab_size = r.int32_field();
        else if (field == 24 && is_varint)
            t.treat_whitespace_as_suffix = r.bool_field();
        else if (field == 35 && is_varint)
            t.byte_fallback = r.bool_field();
        else if (field == 40 && is_varint)
            t.unk_id = r.int32_field();
        else if (field == 41 && is_varint)
            t.bos_id = r.int32_field();
        else if (field == 42 && is_varint)
            t.eos_id = r.int32_field();
        else if (field == 43 && is_varint)
            t.pad_id = r.int32_field();
        else if (field == 45 && is_bytes)
            t.unk_piece = r.string_field();
        else if (field == 46 && is_bytes)
            t.bos_piece = r.string_field();
        else if (field == 47 && is_bytes)
            t.eos_piece = r.string_field();
        else if (field == 48 && is_bytes)
            t.pad_piece = r.string_field();
        else
            r.skip(wt);
    }
    return t;
}

SpNormalizerSpec parse_normalizer(WireReader r) {
    SpNormalizerSpec n;
    uint32_t field, wt;
    while (r.next(field, wt)) {
        bool is_varint = wt == kVarint, is_bytes = wt == kLengthDelimited;
        if (field == 1 && is_bytes)
            n.name = r.string_field();
        else if (field == 2 && is_bytes)
            n.precompiled_charsmap = r.string_field();
        else if (field == 3 && is_varint)
            n.add_dummy_prefix = r.bool_field();
        else if (field == 4 && is_varint)
            n.remove_extra_whitespaces = r.bool_field();
        else if (field == 5 && is_varint)
            n.escape_whitespaces = r.bool_field();
        else
            r.skip(wt);
    }
    return n;
}

}  // namespace

SpModel parse_sentencepiece_model(std::span<const uint8_t> bytes, const std::string& name) {
    SpModel model;
    WireReader r(bytes, 0, name);
    uint32_t field, wt;
    while (r.next(field, wt)) {
        if (field >= 1 && field <= 3) {
            r.expect(wt, kLengthDelimited, field);
            uint64_t start;
            auto sub = r.bytes_field(start);
            WireReader inner(sub, start, name);
            if (field == 1)
                model.pieces.push_back(parse_piece(inner));
            else if (field == 2)
                model.trainer = parse_trainer(inner);
            else
                model.normalizer = parse_normalizer(inner);
        } else {
            r.skip(wt);
        }
    }
    if (model.pieces.empty()) throw Error("SentencePiece model has no pieces").file(name);
    return model;
}

SpModel load_sentencepiece_model(const std::string& path) {
    auto file = MappedFile::open(path);
    return parse_sentencepiece_model(file->bytes(), path);
}

}  // namespace loom::tok
