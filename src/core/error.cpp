#include "core/error.h"

namespace loom {

// "<file>: tensor '<name>' at byte <offset>: <message> (<hint>)"
void Error::rebuild() {
    std::string where = file_;
    if (!tensor_.empty()) {
        if (!where.empty()) where.append(": ");
        where.append("tensor '").append(tensor_).append("'");
    }
    if (offset_) {
        if (!where.empty()) where.append(" ");
        where.append("at byte ").append(std::to_string(*offset_));
    }
    full_ = where;
    if (!full_.empty()) full_.append(": ");
    full_.append(message_);
    if (!hint_.empty()) full_.append(" (").append(hint_).append(")");
}

}  // namespace loom
