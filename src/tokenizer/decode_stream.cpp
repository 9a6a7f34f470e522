// DecodeStream: decodes a growing id sequence and hands out only the new, complete text. The ids of the
// last returned piece stay as context, so decoders that treat the first token specially (Metaspace and
// Strip drop a leading space) see the new token in the middle of a text, as in a full decode.
#include "tokenizer/tokenizer.h"

namespace loom::tok {

namespace {
bool ends_with_replacement_char(const std::string& s) {
    return s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0;
}
}  // namespace

DecodeStream::DecodeStream(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(tokenizer), skip_special_tokens_(skip_special_tokens) {}

std::string DecodeStream::step(int32_t id) {
    ids_.push_back(id);
    const std::string text = tokenizer_.decode(ids_, skip_special_tokens_);
    // An incomplete UTF-8 character decodes as a trailing U+FFFD: wait for the bytes that complete it.
    if (text.size() <= prefix_.size() || ends_with_replacement_char(text) ||
        text.compare(0, prefix_.size(), prefix_) != 0)
        return {};
    std::string fresh = text.substr(prefix_.size());
    // The ids just returned become the context for the next step.
    ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_index_));
    prefix_index_ = ids_.size();
    prefix_ = tokenizer_.decode(ids_, skip_special_tokens_);
    return fresh;
}

std::string DecodeStream::flush() {
    const std::string text = tokenizer_.decode(ids_, skip_special_tokens_);
    std::string rest = text.size() > prefix_.size() && text.compare(0, prefix_.size(), prefix_) == 0
                           ? text.substr(prefix_.size())
                           : std::string();
    ids_.clear();
    prefix_index_ = 0;
    prefix_.clear();
    return rest;
}

}  // namespace loom::tok
