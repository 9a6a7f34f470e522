// Thread-local work buffers keep their storage between calls, since allocating per call is slow. But a thread
// lives as long as the process (an HTTP worker, say), so one huge input (a 4 MB one-word prompt) would pin
// its peak size on that thread for ever. A ScratchLease scopes one use of such a buffer: the buffer starts
// empty and, when the use grew it past `keep_bytes`, its storage is returned at the end of the use.
#pragma once

#include <cstddef>
#include <vector>

namespace loom {

// What a thread keeps of one scratch buffer between uses; more is freed after the use that grew it.
inline constexpr size_t kScratchKeepBytes = size_t{1} << 20;

template <class T>
class ScratchLease {
  public:
    explicit ScratchLease(std::vector<T>& buffer, size_t keep_bytes = kScratchKeepBytes)
        : buffer_(buffer), keep_bytes_(keep_bytes) {
        buffer_.clear();
    }
    ~ScratchLease() {
        if (buffer_.capacity() * sizeof(T) > keep_bytes_)
            std::vector<T>().swap(buffer_);
        else
            buffer_.clear();
    }
    ScratchLease(const ScratchLease&) = delete;
    ScratchLease& operator=(const ScratchLease&) = delete;

    std::vector<T>& operator*() const { return buffer_; }

  private:
    std::vector<T>& buffer_;
    size_t keep_bytes_;
};

}  // namespace loom
