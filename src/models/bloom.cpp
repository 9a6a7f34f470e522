#include "core/error.h"
#include "models/decoder_model.h"
namespace loom {
std::unique_ptr<DecoderModel> make_bloom_model(const ModelSource&, ModelConfig) {
    throw Error("bloom: todo");
}
}  // namespace loom
