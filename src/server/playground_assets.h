// The playground's files (src/server/playground/*), embedded into the binary at build time by
// src/server/embed_assets.cmake (the generated .cpp defines playground_assets()).
#pragma once

#include <cstddef>
#include <span>

namespace loom::server {

struct EmbeddedAsset {
    const char* name;  // file name, e.g. "index.html"
    const unsigned char* data;
    size_t size;
    const char* content_type;
};

std::span<const EmbeddedAsset> playground_assets();

}  // namespace loom::server
