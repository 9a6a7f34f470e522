// `loom embed -m FOLDER [TEXT...] [--file F]`: sentence embeddings, one JSON line per text:
//   {"index": 0, "embedding": [ ... ]}
// Pooling and normalisation follow the folder's sentence-transformers files (modules.json, 1_Pooling/) unless
// --pooling / --normalize / --no-normalize say otherwise.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "core/error.h"
#include "default_model.h"
#include "quiet_flag.h"
#include "store/progress_bar.h"
#include "tasks/embed.h"
#include "tasks/search.h"

namespace loom::cli {
namespace {

struct EmbedArgs {
    std::string model, file, pooling;
    std::vector<std::string> texts;
    bool normalize = false, no_normalize = false, no_truncate = false;
    size_t batch_size = 32;
};

int run_embed(const EmbedArgs& a) {
    std::vector<std::string> texts = a.texts;
    if (!a.file.empty()) {
        std::vector<std::string> lines = read_corpus(a.file);
        texts.insert(texts.end(), lines.begin(), lines.end());
    }
    if (texts.empty())
        throw Error("no texts to embed").hint("give texts as arguments or --file FILE (one per line)");
    EmbedOptions options;
    if (!a.pooling.empty()) options.pooling = parse_pooling_mode(a.pooling);
    if (a.normalize) options.normalize = true;
    if (a.no_normalize) options.normalize = false;
    options.truncate = !a.no_truncate;
    options.batch_size = a.batch_size;
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
         sub.add_option("texts", a->texts, "texts to embed");
         sub.add_option("--file", a->file, "read texts from a file, one per line");
         sub.add_option("--pooling", a->pooling, "cls | mean | max | mean_sqrt_len");
         sub.add_flag("--normalize", a->normalize, "L2-normalise the vectors");
         sub.add_flag("--no-normalize", a->no_normalize, "do not L2-normalise");
         sub.add_flag("--no-truncate", a->no_truncate,
                      "fail on texts longer than the model's limit instead of cutting");
         sub.add_option("--batch-size", a->batch_size, "texts per forward pass")->check(CLI::PositiveNumber);
         add_quiet_flag(sub);
         return [a] { return run_embed(*a); };
     }});

}  // namespace
}  // namespace loom::cli
