#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace loom {

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(std::string("cannot open file: ") + std::strerror(errno)).file(path);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error("not a regular file").file(path);
    }
    std::shared_ptr<MappedFile> mapped(new MappedFile());
    mapped->path_ = path;
    mapped->size_ = static_cast<size_t>(st.st_size);
    if (mapped->size_ > 0) {
        void* addr = ::mmap(nullptr, mapped->size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (addr == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            throw Error(std::string("cannot map file: ") + std::strerror(err)).file(path);
        }
        mapped->data_ = static_cast<const uint8_t*>(addr);
    }
    ::close(fd);
    return mapped;
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open file").file(path);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

}  // namespace loom
