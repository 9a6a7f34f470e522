// Internal: the sequence filters (filters_sequence.cpp) behind apply_filter().
#pragma once

#include <string>

#include "generate/jinja/interpreter.h"

namespace loom::jinja {

bool is_sequence_filter(const std::string& name);
Value apply_sequence_filter(Interpreter& in, const std::string& name, const Value& input,
                            const CallArgs& args);

}  // namespace loom::jinja
