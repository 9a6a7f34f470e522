// `loom rm [hf:]ORG/REPO[:FILE] [--store DIR]`: deletes a pulled model (or one file of it) from the store.
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "store/model_store.h"
#include "store/progress_bar.h"

namespace loom::cli {
namespace {

struct RmArgs {
    std::string name, store;
};

CommandRegistrar rm_registrar(
    {"rm", "remove a pulled model from the local store", [](CLI::App& sub) -> std::function<int()> {
         auto args = std::make_shared<RmArgs>();
         sub.add_option("name", args->name, "ORG/REPO or ORG/REPO:FILE (hf: before them is optional), as loom list names it")->required();
         sub.add_option("--store", args->store, "store folder (default $LOOM_HOME or ~/.cache/loom)");
         return [args] {
             const uint64_t freed = remove_model(store_root(args->store), args->name);
             std::printf("removed %s (%s)\n", args->name.c_str(), format_bytes(freed).c_str());
             return 0;
         };
     }});

}  // namespace
}  // namespace loom::cli
