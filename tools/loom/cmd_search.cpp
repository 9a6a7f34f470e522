// `loom search -m FOLDER -f CORPUS "query" [-k 5]`: the k corpus lines closest to the query by cosine
// similarity of their embeddings, as JSON lines {"rank", "index", "score", "text"}; "index" is the 0-based line
// number in CORPUS (blank lines are not documents, but they count as lines). The query may come from a pipe.
// Corpus embeddings are cached on disk beside the corpus (tasks/search.h), so a second query over the same
// corpus embeds only the query; the corpus is therefore a file, never stdin.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.h"
#include "core/error.h"
#include "core/log.h"
#include "core/parallel.h"
#include "default_model.h"
#include "quiet_flag.h"
#include "shared_flags.h"
#include "store/progress_bar.h"
#include "tasks/search.h"
#include "text_input.h"

namespace loom::cli {
namespace {

struct SearchArgs {
    std::string model, corpus, query;
    size_t k = 5;
    TruncationFlags truncation;
    int threads = 0;
};

// The line number of each document read_corpus() returns (it skips blank lines).
std::vector<size_t> document_line_numbers(const std::string& corpus_path) {
    const std::vector<std::string> lines = read_input_lines(corpus_path);
    std::vector<size_t> numbers;
    for (size_t i = 0; i < lines.size(); ++i)
        if (lines[i].find_first_not_of(" \t") != std::string::npos) numbers.push_back(i);
    return numbers;
}

int run_search(const SearchArgs& a) {
    if (a.corpus.empty()) throw Error("loom search needs a corpus").hint("pass -f FILE (one document per line)");
    if (a.corpus == "-")
        throw Error("the corpus must be a file, not stdin: its embeddings are cached beside it")
            .hint("give the query on stdin instead, or save the corpus to a file");
    const std::string query_text = single_text_input(a.query, "", false);
    if (query_text.empty()) throw Error("no query").hint("give the query as an argument or pipe it on stdin");
    set_num_threads(a.threads);
    EmbedOptions options;
    options.truncate = a.truncation.wanted();
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
    const std::vector<size_t> line_of = document_line_numbers(a.corpus);
    if (line_of.size() != corpus.documents.size())
        throw Error("the corpus changed while it was read").file(a.corpus).hint("run the search again");
    std::vector<std::string> query{query_text};
    std::vector<SearchHit> hits = top_k_cosine(embedder->embed(query).front(), corpus.vectors, a.k);
    for (size_t r = 0; r < hits.size(); ++r) {
        nlohmann::ordered_json line = {{"rank", r + 1},
                                       {"index", line_of[hits[r].index]},
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
         add_file_flag(sub, a->corpus, "the corpus: documents, one per line (a file, not stdin)", false);
         add_hidden_alias(sub, "--corpus", a->corpus);
         sub.add_option("query", a->query, "the query text (none: a pipe on stdin)");
         sub.add_option("-k,--top-k", a->k, "how many results")
             ->capture_default_str()
             ->check(whole_number(1, kNoUpperBound));
         a->truncation.add_to(sub);
         add_threads_flag(sub, a->threads);
         add_quiet_flag(sub);
         return [a] { return run_search(*a); };
     }});

}  // namespace
}  // namespace loom::cli
