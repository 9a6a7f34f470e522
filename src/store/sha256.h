// SHA-256 (OpenSSL libcrypto's EVP interface): incremental, for hashing a download as it is written, and of
// a whole file, for checking a resumed or stored file against the hub's LFS metadata.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace loom {

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, size_t size);
    std::string hex_digest();  // 64 lowercase hex digits; the object is finished after this

  private:
    struct State;
    std::unique_ptr<State> state_;
};

// Throws loom::Error naming the file when it cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace loom
