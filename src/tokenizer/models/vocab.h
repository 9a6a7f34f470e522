// A token <-> id table shared by the models. Lookups take string_view (no allocation per lookup).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/components.h"

namespace loom::tok {

struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Vocab {
  public:
    Vocab() = default;
    // {"token": id, ...} as in tokenizer.json (ids need not be dense; gaps read as "").
    void load_dict(const json& vocab, const char* component);
    void add(std::string token, int32_t id);

    std::optional<int32_t> find(std::string_view token) const {
        const auto it = map_.find(token);
        if (it == map_.end()) return std::nullopt;
        return it->second;
    }
    const std::string* token(int32_t id) const {
        return id >= 0 && static_cast<size_t>(id) < tokens_.size() ? &tokens_[static_cast<size_t>(id)]
                                                                   : nullptr;
    }
    size_t size() const { return map_.size(); }

  private:
    std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> map_;
    std::vector<std::string> tokens_;  // by id
};

}  // namespace loom::tok
