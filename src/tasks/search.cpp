#include "tasks/search.h"

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/log.h"
#include "core/mapped_file.h"

namespace loom {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'L', 'O', 'O', 'M', 'E', 'M', 'B', '1'};

uint64_t hash_string(const std::string& s, uint64_t seed) {
    return fnv1a64(s.data(), s.size(), seed);
}

// The model's identity: config files, pooling, and each weight file's size and first MiB (the safetensors
// header names every tensor with its offsets, so a changed file almost surely changes it).
uint64_t model_key(const std::string& folder, const PoolingConfig& pooling) {
    uint64_t h = fnv1a64(nullptr, 0);
    for (const char* name : {"config.json", "tokenizer.json", "modules.json", "1_Pooling/config.json"}) {
        fs::path p = fs::path(folder) / name;
        if (fs::exists(p)) h = hash_string(read_text_file(p.string()), h);
    }
    for (PoolingMode m : pooling.modes) h = hash_string(std::to_string(static_cast<int>(m)), h);
    h = hash_string(pooling.normalize ? "norm" : "raw", h);
    h = hash_string(std::to_string(pooling.max_seq_length), h);
    std::vector<fs::path> weights;
    for (const auto& entry : fs::directory_iterator(folder))
        if (entry.path().extension() == ".safetensors") weights.push_back(entry.path());
    std::sort(weights.begin(), weights.end());
    for (const fs::path& w : weights) {
        h = hash_string(w.filename().string() + ":" + std::to_string(fs::file_size(w)), h);
        std::ifstream in(w, std::ios::binary);
        std::vector<char> head(1 << 20);
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        h = fnv1a64(head.data(), static_cast<size_t>(in.gcount()), h);
    }
    return h;
}

fs::path cache_dir_fallback() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "loom";
    if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "loom";
    return fs::temp_directory_path() / "loom-cache";
}

bool read_cache(const fs::path& path, size_t n_docs, CorpusEmbeddings& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    char magic[8];
    uint64_t n = 0, dim = 0;
    in.read(magic, 8);
    in.read(reinterpret_cast<char*>(&n), 8);
    in.read(reinterpret_cast<char*>(&dim), 8);
    if (!in || std::memcmp(magic, kMagic, 8) != 0 || n != n_docs || dim == 0 || dim > (1u << 20))
        return false;
    std::error_code ec;
    if (fs::file_size(path, ec) != 24 + n * dim * sizeof(float) || ec) return false;
    out.vectors.assign(n, std::vector<float>(dim));
    for (auto& v : out.vectors)
        in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(dim * 4));
    return static_cast<bool>(in);
}

bool write_cache(const fs::path& path, const std::vector<std::vector<float>>& vectors) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    const fs::path tmp = path.string() + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary);
        if (!out) return false;
        const uint64_t n = vectors.size(), dim = vectors.empty() ? 0 : vectors.front().size();
        out.write(kMagic, 8);
        out.write(reinterpret_cast<const char*>(&n), 8);
        out.write(reinterpret_cast<const char*>(&dim), 8);
        for (const auto& v : vectors)
            out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(dim * 4));
        if (!out) {
            fs::remove(tmp, ec);
            return false;
        }
    }
    fs::rename(tmp, path, ec);  // atomic: a reader never sees half a file
    if (ec) fs::remove(tmp, ec);
    return !ec;
}

}  // namespace

uint64_t fnv1a64(const void* data, size_t n, uint64_t seed) {
    const auto* p = static_cast<const unsigned char*>(data);
    uint64_t h = seed;
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

std::vector<std::string> read_corpus(const std::string& path) {
    std::string text = read_text_file(path);
    std::vector<std::string> docs;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") != std::string::npos) docs.push_back(std::move(line));
        pos = nl + 1;
    }
    if (docs.empty()) throw Error("the corpus has no documents (one per non-empty line)").file(path);
    return docs;
}

std::vector<SearchHit> top_k_cosine(const std::vector<float>& query,
                                    const std::vector<std::vector<float>>& docs, size_t k) {
    auto norm = [](const std::vector<float>& v) {
        double s = 0.0;
        for (float x : v) s += static_cast<double>(x) * x;
        return std::max(std::sqrt(s), 1e-12);
    };
    const double qn = norm(query);
    std::vector<SearchHit> hits;
    for (size_t i = 0; i < docs.size(); ++i) {
        if (docs[i].size() != query.size())
            throw Error("search: document vector has " + std::to_string(docs[i].size()) + " dims, query " +
                        std::to_string(query.size()));
        double d = 0.0;
        for (size_t j = 0; j < query.size(); ++j) d += static_cast<double>(query[j]) * docs[i][j];
        hits.push_back({i, static_cast<float>(d / (qn * norm(docs[i]))), {}});
    }
    k = std::min(k, hits.size());
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(k), hits.end(),
                      [](const SearchHit& a, const SearchHit& b) {
                          return a.score > b.score || (a.score == b.score && a.index < b.index);
                      });
    hits.resize(k);
    return hits;
}

CorpusEmbeddings embed_corpus(const Embedder& embedder, const std::string& model_folder,
                              const std::string& corpus_path,
                              const std::function<void(size_t done, size_t total)>& progress) {
    CorpusEmbeddings out;
    out.documents = read_corpus(corpus_path);
    const std::string corpus_bytes = read_text_file(corpus_path);
    const uint64_t key =
        fnv1a64(corpus_bytes.data(), corpus_bytes.size(), model_key(model_folder, embedder.pooling()));
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(key));
    const fs::path corpus(corpus_path);
    const std::string name = corpus.filename().string() + ".loom-" + hex + ".emb";
    std::vector<fs::path> candidates = {
        corpus.parent_path().empty() ? fs::path(name) : corpus.parent_path() / name,
        cache_dir_fallback() / "embeddings" / name};
    for (const fs::path& c : candidates)
        if (read_cache(c, out.documents.size(), out)) {
            out.cache_path = c.string();
            out.from_cache = true;
            return out;
        }
    out.vectors = embedder.embed(out.documents, progress);
    for (const fs::path& c : candidates)
        if (write_cache(c, out.vectors)) {
            out.cache_path = c.string();
            break;
        }
    if (out.cache_path.empty()) log_warn("could not write the embedding cache for ", corpus_path);
    return out;
}

}  // namespace loom
