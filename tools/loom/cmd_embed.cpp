// `loom embed -m FOLDER [TEXT...] [-f FILE]`: sentence embeddings, one JSON line per text:
//   {"index": 0, "embedding": [ ... ]}
// Texts come from the arguments, then -f FILE (one per line; "-": stdin), else a pipe on stdin. A file's line
// i (0-based) is "index" i: a blank line is embedded as the empty string, as sentence-transformers'
// model.encode([""]) does, so indices never shift.
// Pooling and normalisation follow the folder's sentence-transformers files (modules.json, 1_Pooling/) unless
// --pooling / --normalize / --no-normalize say otherwise.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "quiet_flag.h"
#include "shared_flags.h"
#include "store/progress_bar.h"
#include "tasks/embed.h"
#include "text_input.h"

namespace loom::cli {
namespace {

struct EmbedArgs {
    std::string model, file, pooling;
    std::vector<std::string> texts;
    bool normalize = false, no_normalize = false;
    TruncationFlags truncation;
    size_t batch_size = 32;
    int threads = 0;
};

int run_embed(const EmbedArgs& a) {
    std::vector<std::string> texts = a.texts;
    std::string file = a.file;
    if (texts.empty() && file.empty() && stdin_has_text()) file = "-";
    if (!file.empty()) {
        std::vector<std::string> lines = read_input_lines(file);
        texts.insert(texts.end(), lines.begin(), lines.end());
    }
    if (texts.empty())
        throw Error("no texts to embed").hint("give texts as arguments, -f FILE (one per line), or pipe them in");
    EmbedOptions options;
    if (!a.pooling.empty()) options.pooling = parse_pooling_mode(a.pooling);
    if (a.normalize) options.normalize = true;
    if (a.no_normalize) options.normalize = false;
    options.truncate = a.truncation.wanted();
    options.batch_size = a.batch_size;
    set_num_threads(a.threads);
    auto embedder = Embedder::open(resolve_model_path(a.model), options);
    ProgressBar bar("embedding", texts.size(),
                    ProgressStyle{ProgressUnit::Items, "texts", true, true, false});
    std::vector<std::vector<float>> vectors =
        embedder->embed(texts, [&](size_t done, size_t) { bar.update(done); });
    bar.finish();
    for (size_t i = 0; i < vectors.size(); ++i) {
        nlohmann::ordered_json line = {{"index", i}, {"embedding", vectors[i]}};
        std::printf("%s\n", line.dump().c_str());
    }
    return 0;
}

CommandRegistrar embed_registrar(
    {"embed", "sentence embeddings of texts (JSON lines) with an encoder model",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<EmbedArgs>();
         sub.add_option("-m,--model", a->model, "Hugging Face model folder")->required();
         sub.add_option("texts", a->texts, "texts to embed (none: -f or a pipe on stdin)");
         add_file_flag(sub, a->file, "texts to embed, one per line (a blank line: the empty string)");
         sub.add_option("--pooling", a->pooling, "cls | mean | max | mean_sqrt_len");
         sub.add_flag("--normalize", a->normalize, "L2-normalise the vectors");
         sub.add_flag("--no-normalize", a->no_normalize, "do not L2-normalise");
         a->truncation.add_to(sub);
         sub.add_option("--batch-size", a->batch_size, "texts per forward pass")
             ->capture_default_str()
             ->check(whole_number(1, 1 << 20));
         add_threads_flag(sub, a->threads);
         add_quiet_flag(sub);
         return [a] { return run_embed(*a); };
     }});

}  // namespace
}  // namespace loom::cli
