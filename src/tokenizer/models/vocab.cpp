#include "tokenizer/models/vocab.h"

#include "core/error.h"

namespace loom::tok {

void Vocab::load_dict(const json& vocab, const char* component) {
    if (!vocab.is_object()) throw Error(std::string("tokenizer: ") + component + " vocab must be an object");
    map_.reserve(vocab.size());
    // Ids index a table, so they must be (nearly) dense: one id of 2^31-1 would ask for a 2^31-entry table.
    const int64_t id_limit = 2 * static_cast<int64_t>(vocab.size()) + 1024;
    for (const auto& [token, id] : vocab.items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
            throw Error(std::string("tokenizer: ") + component + " vocab id of \"" + token +
                        "\" is not valid");
        if (id.get<int64_t>() >= id_limit)
            throw Error(std::string("tokenizer: ") + component + " vocab id " +
                        std::to_string(id.get<int64_t>()) + " is far past the " +
                        std::to_string(vocab.size()) + " entries (ids must be below " +
                        std::to_string(id_limit) + "); the vocabulary is damaged");
        add(token, id.get<int32_t>());
    }
}

void Vocab::add(std::string token, int32_t id) {
    if (static_cast<size_t>(id) >= tokens_.size()) tokens_.resize(static_cast<size_t>(id) + 1);
    tokens_[static_cast<size_t>(id)] = token;
    map_[std::move(token)] = id;
}

}  // namespace loom::tok
