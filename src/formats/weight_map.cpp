#include "formats/weight_map.h"

#include "core/error.h"

namespace loom {

void WeightMap::add(const std::string& name, Tensor tensor) {
    if (!tensors_.emplace(name, std::move(tensor)).second) throw Error("duplicate tensor name").tensor(name);
}

const Tensor& WeightMap::get(const std::string& name) const {
    const Tensor* tensor = find(name);
    if (!tensor) throw Error("missing tensor '" + name + "'").tensor(name);
    return *tensor;
}

const Tensor* WeightMap::find(const std::string& name) const {
    auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : &it->second;
}

}  // namespace loom
