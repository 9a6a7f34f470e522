// `loom search -m FOLDER --corpus FILE "query" [-k 5]`: the k corpus lines closest to the query by cosine
// similarity of their embeddings, as JSON lines {"rank", "index", "score", "text"}. Corpus embeddings are
// cached on disk (tasks/search.h), so a second query over the same corpus embeds only the query.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.h"
#include "core/log.h"
#include "default_model.h"
#include "quiet_flag.h"
#include "store/progress_bar.h"
#include "tasks/search.h"

namespace loom::cli {
namespace {

struct SearchArgs {
    std::string model, corpus, query;
    size_t k = 5;
    bool no_truncate = false;
};

int run_search(const SearchArgs& a) {
    EmbedOptions options;
    options.truncate = !a.no_truncate;
    const std::string model = resolve_model_path(a.model);
    auto embedder = Embedder::open(model, options);
    ProgressBar bar("embedding the corpus (once: the vectors are cached)", 0,
                    ProgressStyle{ProgressUnit::Items, "lines", true, true, false});
    CorpusEmbeddings corpus = embed_corpus(*embedder, model, a.corpus, [&](size_t done, size_t total) {
        bar.set_total(total);
        bar.update(done);
    });
    bar.finish();
    if (!corpus.from_cache && !corpus.cache_path.empty() && !progress_quiet())
        std::fprintf(stderr, "loom search: corpus embeddings cached at %s (later searches read them)\n",
                     corpus.cache_path.c_str());
    log_info(corpus.from_cache ? "corpus embeddings from cache " : "corpus embeddings cached at ",
             corpus.cache_path);
    std::vector<std::string> query{a.query};
    std::vector<SearchHit> hits = top_k_cosine(embedder->embed(query).front(), corpus.vectors, a.k);
    for (size_t r = 0; r < hits.size(); ++r) {
        nlohmann::ordered_json line = {{"rank", r + 1},
                                       {"index", hits[r].index},
                                       {"score", hits[r].score},
                                       {"text", corpus.documents[hits[r].index]}};
        std::printf("%s\n", line.dump().c_str());
    }
    return 0;
}

CommandRegistrar search_registrar(
    {"search", "semantic search: rank corpus lines by cosine similarity to a query",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<SearchArgs>();
         sub.add_option("-m,--model", a->model, "Hugging Face model folder")->required();
         sub.add_option("--corpus", a->corpus, "documents, one per line")->required();
         sub.add_option("query", a->query, "the query text")->required();
         sub.add_option("-k,--top-k", a->k, "how many results")->check(CLI::PositiveNumber);
         sub.add_flag("--no-truncate", a->no_truncate,
                      "fail on texts longer than the model's limit instead of cutting");
         add_quiet_flag(sub);
         return [a] { return run_search(*a); };
     }});

}  // namespace
}  // namespace loom::cli
