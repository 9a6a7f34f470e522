// The C++ side of the Python package: one model, opened lazily for each task it is asked for, calling the
// same library functions as the `loom` command (tools/loom/cmd_*.cpp) so that results are the CLI's. No Python
// here: module.cpp binds it and supplies the callbacks that poll for Ctrl-C and feed Python iterators.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "attention_maps/attention_maps.h"
#include "generate/generator.h"
#include "generate/loaded_model.h"
#include "generate/sampling_params.h"
#include "tasks/embed.h"
#include "tasks/fill_mask.h"
#include "tasks/ner.h"
#include "tasks/translate.h"
#include "tokenizer/tokenizer.h"

namespace loom::python {

// loom run's flags with their defaults (-n 128, llama.cpp's sampling); seed -1: a random one.
struct GenerateRequest {
    std::string prompt;                 // completion: the text (BOS added as loom run adds it)
    std::string messages_json;          // chat: a JSON array of {role, content} (prompt is then unused)
    int32_t max_tokens = 128;           // -1: until the context window is full
    SamplingParams sampling;
    int64_t seed = -1;
    std::vector<std::string> stop;
    size_t top_probs = 0;
    bool ignore_eos = false;
};

// Called after each generated token; returning false stops the generation (the text so far is kept).
using StepCallback = std::function<bool(const GenerationStep&)>;
// Called between batches of work; throws to abandon the call (module.cpp: Ctrl-C).
using Checkpoint = std::function<void()>;

struct TaskKind {
    bool decoder = false, encoder = false, seq2seq = false;
};

class Engine {
  public:
    // name: a path or a store name as `loom -m` takes it ("" = the default model); threads: 0 = all cores
    // (the process-wide setting, as -t); context: the decoder's window (0: min(trained, 4096)).
    Engine(const std::string& name, int threads, int64_t context);

    const std::string& path() const { return path_; }
    std::string info_json() const;

    Encoding tokenize(const std::string& text, bool add_special_tokens);
    std::string detokenize(const std::vector<int32_t>& ids, bool skip_special_tokens);

    GenerationResult generate(const GenerateRequest& request, const StepCallback& on_step);

    // [texts, dim] row-major. pooling "" and normalize nullopt: the folder's.
    std::vector<float> embed(const std::vector<std::string>& texts, size_t batch_size, const std::string& pooling,
                             std::optional<bool> normalize, bool truncate, const Checkpoint& checkpoint,
                             int64_t* dim);
    std::string ner_json(const std::string& text, const std::string& aggregation);
    std::string fill_mask_json(const std::string& text, size_t top_k);
    std::vector<std::string> translate(const std::vector<std::string>& texts, const std::string& from,
                                       const std::string& to, const Seq2SeqTextOptions& options,
                                       const Checkpoint& checkpoint);
    // The attention maps of every selected layer and head while the model reads `text`: [L, H, T, T].
    AttentionMaps attention(const std::string& text, const std::string& layers, const std::string& heads,
                            std::vector<int32_t>* token_ids);

  private:
    LoadedModel& decoder();  // callers hold decoder_mutex_
    const Embedder& embedder(const std::string& pooling, std::optional<bool> normalize, size_t batch_size,
                             bool truncate);

    std::string path_;
    int64_t context_ = 0;
    TaskKind kind_;
    std::string architecture_;

    std::mutex tokenizer_mutex_;
    std::unique_ptr<Tokenizer> tokenizer_;

    std::mutex decoder_mutex_;  // one generation at a time: the session is the model's state
    std::optional<LoadedModel> decoder_;
    std::unique_ptr<Session> session_;

    std::mutex embedder_mutex_;  // guards the map; Embedder::embed itself runs concurrently
    std::map<std::tuple<std::string, int, size_t, bool>, std::unique_ptr<Embedder>> embedders_;

    std::mutex ner_mutex_, fill_mask_mutex_, seq2seq_mutex_;
    std::unique_ptr<NerPipeline> ner_;
    std::unique_ptr<FillMaskPipeline> fill_mask_;
    std::unique_ptr<Seq2SeqTextPipeline> seq2seq_;  // its language pair is set per call, under the mutex
};

}  // namespace loom::python
