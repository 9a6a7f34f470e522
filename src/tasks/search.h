// Semantic search: embed a corpus (one document per non-empty line), cache the vectors on disk, and rank the
// documents by cosine similarity to an embedded query.
//
// Cache: a file keyed by a hash of the model (config, pooling, weight file headers and sizes) and of the
// corpus bytes, next to the corpus (`<corpus>.loom-<key>.emb`) when that folder is writable, else in
// $XDG_CACHE_HOME/loom or ~/.cache/loom. A cache file that does not match (size, dims, magic) is recomputed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tasks/embed.h"

namespace loom {

struct SearchHit {
    size_t index = 0;  // 0-based line among the corpus documents (empty lines skipped)
    float score = 0.0f;
    std::string text;
};

// Non-empty lines of the file (trailing '\r' removed). Throws loom::Error when unreadable or empty.
std::vector<std::string> read_corpus(const std::string& path);

// cosine(query, doc) for each doc, the k best (ties: lower index first).
std::vector<SearchHit> top_k_cosine(const std::vector<float>& query,
                                    const std::vector<std::vector<float>>& docs, size_t k);

struct CorpusEmbeddings {
    std::vector<std::string> documents;
    std::vector<std::vector<float>> vectors;
    std::string cache_path;  // where they were read from or written to ("" when no cache could be written)
    bool from_cache = false;
};

// The corpus' embeddings, read from the cache when present and valid, computed and cached otherwise.
// progress(documents embedded, documents) while computing; never called when the cache is read.
CorpusEmbeddings embed_corpus(const Embedder& embedder, const std::string& model_folder,
                              const std::string& corpus_path,
                              const std::function<void(size_t done, size_t total)>& progress = {});

// 64-bit FNV-1a (cache keys; not cryptographic).
uint64_t fnv1a64(const void* data, size_t n, uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace loom
