// ByteReader: a bounds-checked little-endian cursor over a byte span. Every read checks the remaining length
// first, so a file that lies about a count or length gets a loom::Error (file + byte offset), never a read
// past the buffer.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace loom {

static_assert(std::endian::native == std::endian::little, "loom's file readers assume a little-endian host");

class ByteReader {
  public:
    ByteReader(std::span<const uint8_t> bytes, std::string file) : bytes_(bytes), file_(std::move(file)) {}

    uint64_t offset() const { return pos_; }
    uint64_t size() const { return bytes_.size(); }
    uint64_t remaining() const { return bytes_.size() - pos_; }
    const std::string& file() const { return file_; }

    // An error at byte `at` of this file.
    Error error(const std::string& message, uint64_t at) const {
        return Error(message).file(file_).offset(at);
    }
    Error error(const std::string& message) const { return error(message, pos_); }

    // Throws unless `n` more bytes are available; `what` names the field in the message.
    void require(uint64_t n, const char* what) const {
        if (n > remaining())
            throw error(std::string(what) + " needs " + std::to_string(n) + " bytes but only " +
                        std::to_string(remaining()) + " remain (file truncated or corrupt)");
    }

    template <typename T>
    T read(const char* what) {
        require(sizeof(T), what);
        T value;
        std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return value;
    }

    std::string_view read_bytes(uint64_t n, const char* what) {
        require(n, what);
        std::string_view view(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<size_t>(n));
        pos_ += n;
        return view;
    }

  private:
    std::span<const uint8_t> bytes_;
    std::string file_;
    uint64_t pos_ = 0;
};

}  // namespace loom
