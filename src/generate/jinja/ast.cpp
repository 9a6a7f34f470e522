#include "generate/jinja/ast.h"

#include <algorithm>

namespace loom::jinja {

Expr::~Expr() {
    std::vector<ExprPtr> pending;
    const auto take_children = [&pending](Expr& e) {
        for (ExprPtr& a : e.args) pending.push_back(std::move(a));
        for (auto& kw : e.kwargs) pending.push_back(std::move(kw.second));
    };
    take_children(*this);
    while (!pending.empty()) {
        ExprPtr e = std::move(pending.back());
        pending.pop_back();
        if (e) take_children(*e);  // e then dies childless: its destructor does not descend
    }
}

size_t expression_height(const Expr& root) {
    std::vector<std::pair<const Expr*, size_t>> pending = {{&root, 1}};
    size_t tallest = 0;
    while (!pending.empty()) {
        const auto [e, level] = pending.back();
        pending.pop_back();
        tallest = std::max(tallest, level);
        for (const ExprPtr& a : e->args)
            if (a) pending.emplace_back(a.get(), level + 1);
        for (const auto& kw : e->kwargs)
            if (kw.second) pending.emplace_back(kw.second.get(), level + 1);
    }
    return tallest;
}

}  // namespace loom::jinja
