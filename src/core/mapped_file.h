// A read-only memory-mapped file. Opening a model costs only its metadata: tensor data stays in the page
// cache and is read when a kernel touches it. Empty files map to an empty span (mmap of 0 bytes is invalid).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace loom {

class MappedFile {
public:
    // Throws loom::Error (with the path) when the file cannot be opened or mapped.
    static std::shared_ptr<MappedFile> open(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    std::span<const uint8_t> bytes() const { return {data_, size_}; }
    const std::string& path() const { return path_; }

private:
    MappedFile() = default;
    std::string path_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

// Reads a whole (small) file into a string; throws loom::Error if it cannot.
std::string read_text_file(const std::string& path);

}  // namespace loom
