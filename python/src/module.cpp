// loom._loom: the nanobind binding of Engine (engine.h). Every call that computes releases the GIL; the
// callbacks it passes down take the GIL back only to poll for Ctrl-C (PyErr_CheckSignals) between tokens or
// batches, or to hand a token to a Python iterator. loom::Error becomes loom.LoomError with loom's message.
// The friendly API (keyword names, dataclasses, iterators) is python/loom/_model.py.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "core/error.h"
#include "engine.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace loom::python {
namespace {

// A float32 numpy array that owns `values` (moved in); shape as given.
template <size_t N>
nb::ndarray<nb::numpy, float> to_numpy(std::vector<float>&& values, const std::array<size_t, N>& shape) {
    auto* owned = new std::vector<float>(std::move(values));
    nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<float>*>(p); });
    return nb::ndarray<nb::numpy, float>(owned->data(), N, shape.data(), owner);
}

// Between batches / tokens, with the GIL released: a pending Ctrl-C (or any signal handler's exception)
// abandons the call and reaches Python as that exception.
void poll_python_signals() {
    nb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw nb::python_error();
}

nb::list top_probs_list(const std::vector<TokenProbability>& top) {
    nb::list out;
    for (const TokenProbability& t : top) out.append(nb::make_tuple(t.id, t.probability));
    return out;
}

// on_step(token, text, top) -> bool (False stops); it runs with the GIL, the generation without it.
nb::dict run_generate(Engine& engine, const GenerateRequest& request, nb::object on_step) {
    std::vector<std::vector<TokenProbability>> tops;
    GenerationResult result;
    {
        nb::gil_scoped_release release;
        result = engine.generate(request, [&](const GenerationStep& step) {
            nb::gil_scoped_acquire gil;
            if (PyErr_CheckSignals() != 0) throw nb::python_error();
            if (step.token >= 0 && request.top_probs > 0) tops.push_back(step.top);
            if (on_step.is_none()) return true;
            return nb::cast<bool>(on_step(step.token, step.text, top_probs_list(step.top)));
        });
    }
    nb::dict out;
    out["text"] = result.text;
    out["tokens"] = result.tokens;
    out["stop_reason"] = stop_reason_name(result.stop);
    out["n_prompt"] = result.n_prompt;
    out["prefill_seconds"] = result.prefill_seconds;
    out["decode_seconds"] = result.decode_seconds;
    nb::list steps;
    for (const auto& top : tops) steps.append(top_probs_list(top));
    out["top_probs"] = steps;
    return out;
}

}  // namespace
}  // namespace loom::python

NB_MODULE(_loom, m) {
    using namespace loom::python;
    m.doc() = "loom's C++ engine (use loom.Model; this module is its implementation)";
    nb::exception<loom::Error>(m, "LoomError", PyExc_RuntimeError);

    nb::class_<Engine>(m, "Engine", "One model, loaded per task on first use (see loom.Model).")
        .def(
            "__init__",
            [](Engine* self, const std::string& name, int threads, int64_t context) {
                nb::gil_scoped_release release;
                new (self) Engine(name, threads, context);
            },
            "name"_a, "threads"_a = 0, "context"_a = 0)
        .def_prop_ro("path", &Engine::path, "the model file or folder the name resolved to")
        .def("info_json", &Engine::info_json, nb::call_guard<nb::gil_scoped_release>())
        .def(
            "tokenize",
            [](Engine& e, const std::string& text, bool add_special_tokens) {
                loom::Encoding enc;
                {
                    nb::gil_scoped_release release;
                    enc = e.tokenize(text, add_special_tokens);
                }
                return nb::make_tuple(enc.ids, enc.offsets, enc.tokens);
            },
            "text"_a, "add_special_tokens"_a = true)
        .def("detokenize", &Engine::detokenize, "ids"_a, "skip_special_tokens"_a = true,
             nb::call_guard<nb::gil_scoped_release>())
        .def(
            "generate",
            [](Engine& e, const std::string& prompt, const std::string& messages_json, int32_t max_tokens,
               float temperature, int32_t top_k, float top_p, float min_p, float repeat_penalty,
               int32_t repeat_last_n, int64_t seed, const std::vector<std::string>& stop, size_t top_probs,
               bool ignore_eos, nb::object on_step) {
                GenerateRequest r;
                r.prompt = prompt;
                r.messages_json = messages_json;
                r.max_tokens = max_tokens;
                r.sampling.temperature = temperature;
                r.sampling.top_k = top_k;
                r.sampling.top_p = top_p;
                r.sampling.min_p = min_p;
                r.sampling.repeat_penalty = repeat_penalty;
                r.sampling.repeat_last_n = repeat_last_n;
                r.seed = seed;
                r.stop = stop;
                r.top_probs = top_probs;
                r.ignore_eos = ignore_eos;
                return run_generate(e, r, on_step);
            },
            "prompt"_a, "messages_json"_a, "max_tokens"_a, "temperature"_a, "top_k"_a, "top_p"_a, "min_p"_a,
            "repeat_penalty"_a, "repeat_last_n"_a, "seed"_a, "stop"_a, "top_probs"_a, "ignore_eos"_a,
            "on_step"_a.none())
        .def(
            "embed",
            [](Engine& e, const std::vector<std::string>& texts, size_t batch_size, const std::string& pooling,
               std::optional<bool> normalize, bool truncate) {
                std::vector<float> values;
                int64_t dim = 0;
                {
                    nb::gil_scoped_release release;
                    values = e.embed(texts, batch_size, pooling, normalize, truncate, poll_python_signals, &dim);
                }
                const size_t rows = texts.size();
                return to_numpy<2>(std::move(values), {rows, static_cast<size_t>(dim)});
            },
            "texts"_a, "batch_size"_a = 32, "pooling"_a = "", "normalize"_a.none() = nb::none(),
            "truncate"_a = true)
        .def("ner_json", &Engine::ner_json, "text"_a, "aggregation"_a = "simple",
             nb::call_guard<nb::gil_scoped_release>())
        .def("fill_mask_json", &Engine::fill_mask_json, "text"_a, "top_k"_a = 5,
             nb::call_guard<nb::gil_scoped_release>())
        .def(
            "translate",
            [](Engine& e, const std::vector<std::string>& texts, const std::string& source_lang,
               const std::string& target_lang, int32_t max_new_tokens, int32_t num_beams, size_t batch_size,
               bool truncate) {
                loom::Seq2SeqTextOptions options;  // greedy unless num_beams > 1, as loom translate
                options.generate.max_new_tokens = max_new_tokens;
                options.num_beams = num_beams;
                options.batch_size = batch_size;
                options.truncate = truncate;
                nb::gil_scoped_release release;
                return e.translate(texts, source_lang, target_lang, options, poll_python_signals);
            },
            "texts"_a, "source_lang"_a = "", "target_lang"_a = "", "max_new_tokens"_a, "num_beams"_a = 1,
            "batch_size"_a = 16, "truncate"_a = false)
        .def(
            "attention",
            [](Engine& e, const std::string& text, const std::string& layers, const std::string& heads) {
                std::vector<int32_t> ids;
                loom::AttentionMaps maps;
                {
                    nb::gil_scoped_release release;
                    maps = e.attention(text, layers, heads, &ids);
                }
                const std::array<size_t, 4> shape = {maps.layers.size(), maps.heads.size(),
                                                     static_cast<size_t>(maps.n_tokens),
                                                     static_cast<size_t>(maps.n_keys)};
                return nb::make_tuple(to_numpy<4>(std::move(maps.weights), shape), ids, maps.layers, maps.heads);
            },
            "text"_a, "layers"_a = "all", "heads"_a = "all");
}
