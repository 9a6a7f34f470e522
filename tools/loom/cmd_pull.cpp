// `loom pull [hf:]ORG/REPO[:FILE] [--store DIR]`: downloads a model from the Hugging Face hub (or the mirror in
// $LOOM_HF_ENDPOINT) into the store, with a progress bar, resume and sha256 checks (store/hub_pull.h).
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "core/error.h"
#include "store/hub_pull.h"
#include "store/progress_bar.h"

namespace loom::cli {
namespace {

struct PullArgs {
    std::string name, store;
    bool quiet = false;
};

int run_pull(const PullArgs& args) {
    if (args.quiet) set_progress_quiet(true);
    std::optional<HfModelName> name = parse_model_name(args.name);
    if (!name)
        throw Error("'" + args.name + "': loom pulls ORG/REPO, ORG/REPO:FILE or the same with hf: before them");
    const std::string root = store_root(args.store);
    HubClient client(HubConfig::from_environment());
    PullResult r = pull_model(client, root, *name, !args.quiet);
    std::fprintf(stderr, "%s: %zu file(s) downloaded, %zu already present\n", name->to_string().c_str(),
                 r.downloaded.size(), r.already_present.size());
    std::printf("%s\n", r.path.c_str());
    return 0;
}

CommandRegistrar pull_registrar(
    {"pull", "download a model from the Hugging Face hub into the local store",
     [](CLI::App& sub) -> std::function<int()> {
         auto args = std::make_shared<PullArgs>();
         sub.add_option("name", args->name, "ORG/REPO or ORG/REPO:FILE (hf: before them is optional)")->required();
         sub.add_option("--store", args->store, "store folder (default $LOOM_HOME or ~/.cache/loom)");
         sub.add_flag("-q,--quiet", args->quiet, "no progress bar");
         return [args] { return run_pull(*args); };
     }});

}  // namespace
}  // namespace loom::cli
