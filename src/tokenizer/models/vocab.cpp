#include "tokenizer/models/vocab.h"

#include "core/error.h"

namespace loom::tok {

void Vocab::load_dict(const json& vocab, const char* component) {
    if (!vocab.is_object()) throw Error(std::string("tokenizer: ") + component + " vocab must be an object");
    map_.reserve(vocab.size());
    for (const auto& [token, id] : vocab.items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
            throw Error(std::string("tokenizer: ") + component + " vocab id of \"" + token +
                        "\" is not valid");
        add(token, id.get<int32_t>());
    }
}

void Vocab::add(std::string token, int32_t id) {
    if (static_cast<size_t>(id) >= tokens_.size()) tokens_.resize(static_cast<size_t>(id) + 1);
    tokens_[static_cast<size_t>(id)] = token;
    map_[std::move(token)] = id;
}

}  // namespace loom::tok
