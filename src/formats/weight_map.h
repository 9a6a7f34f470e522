// WeightMap: tensor name -> Tensor, every tensor a view into a memory-mapped file (GGUF or safetensors).
// Names are kept as the file spells them ("blk.0.attn_q.weight" in GGUF, "model.layers.0.self_attn.q_proj.weight"
// in Hugging Face safetensors); models/ maps them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace loom {

class WeightMap {
public:
    void add(const std::string& name, Tensor tensor);  // throws loom::Error on a duplicate name
    bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
    // Throws loom::Error("missing tensor '<name>'") when absent.
    const Tensor& get(const std::string& name) const;
    const Tensor* find(const std::string& name) const;
    const std::map<std::string, Tensor>& all() const { return tensors_; }
    size_t size() const { return tensors_.size(); }

private:
    std::map<std::string, Tensor> tensors_;
};

}  // namespace loom
