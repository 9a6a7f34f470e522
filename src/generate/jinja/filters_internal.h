// Internal: the sequence filters (filters_sequence.cpp) behind apply_filter().
#pragma once

#include <string>

#include "generate/jinja/interpreter.h"

namespace loom::jinja {

bool is_sequence_filter(const std::string& name);
Value apply_sequence_filter(Interpreter& in, const std::string& name, const Value& input,
                            const CallArgs& args);

// The filter argument at `index` or named `name`, else `fallback` (Python's optional parameters).
inline Value arg_or(const CallArgs& args, size_t index, const std::string& name, Value fallback) {
    const Value* v = args.get(index, name);
    return v ? *v : fallback;
}

}  // namespace loom::jinja
