// Per-thread 64-byte aligned scratch memory for kernels (packed panels, converted rows). Grows, never
// shrinks; each slot is distinct so one kernel can hold several buffers at once.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace loom::kernels {

template <int Slot>
float* thread_scratch_floats(size_t count) {
    struct Buffer {
        float* data = nullptr;
        size_t capacity = 0;
        ~Buffer() { std::free(data); }
    };
    thread_local Buffer buffer;
    if (buffer.capacity < count) {
        std::free(buffer.data);
        const size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
        buffer.data = static_cast<float*>(std::aligned_alloc(64, bytes));
        if (!buffer.data) throw std::bad_alloc();
        buffer.capacity = count;
    }
    return buffer.data;
}

}  // namespace loom::kernels
