#include "tokenizer/normalizers/precompiled.h"

#include "core/error.h"

namespace loom::tok {

std::unique_ptr<Normalizer> make_precompiled_normalizer(const json&) {
    throw Error("tokenizer: the Precompiled normalizer is not supported yet");
}

}  // namespace loom::tok
