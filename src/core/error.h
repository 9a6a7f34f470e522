// loom::Error — the one exception type of the library. It carries what failed and where (file, tensor name,
// byte offset), so the CLI can print one line that tells the user what is wrong and what to do.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace loom {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message), message_(message) {}

    // Builders that add context; each returns *this so a throw site reads as one expression:
    //   throw Error("tensor data past end of file").file(path).tensor(name).offset(off);
    Error& file(std::string path) { file_ = std::move(path); rebuild(); return *this; }
    Error& tensor(std::string name) { tensor_ = std::move(name); rebuild(); return *this; }
    Error& offset(uint64_t byte_offset) { offset_ = byte_offset; rebuild(); return *this; }
    Error& hint(std::string what_to_do) { hint_ = std::move(what_to_do); rebuild(); return *this; }

    const std::string& message() const { return message_; }
    const std::string& file_path() const { return file_; }
    const std::string& tensor_name() const { return tensor_; }
    std::optional<uint64_t> byte_offset() const { return offset_; }
    const char* what() const noexcept override { return full_.c_str(); }

private:
    void rebuild();

    std::string message_, file_, tensor_, hint_;
    std::optional<uint64_t> offset_;
    std::string full_ = message_;
};

}  // namespace loom
