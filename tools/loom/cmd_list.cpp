// `loom list [--store DIR] [--json]`: the models in the store and the registry-package models in models/. Each
// NAME is what -m takes in every command, from any directory (store/model_resolver.h).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "core/terminal_text.h"
#include "store/model_store.h"
#include "store/progress_bar.h"

namespace loom::cli {
namespace {

struct ListArgs {
    std::string store;
    bool json = false;
};

int run_list(const ListArgs& args) {
    const std::string root = store_root(args.store);
    std::vector<StoredModel> models = list_models(root);
    if (args.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const StoredModel& m : models)
            out.push_back({{"name", m.name},
                           {"path", m.path},
                           {"bytes", m.bytes},
                           {"type", m.type},
                           {"origin", m.origin}});
        std::printf("%s\n", out.dump(2).c_str());
        return 0;
    }
    std::printf("store: %s\n", root.c_str());
    if (models.empty()) {
        std::printf("no models (loom pull hf:ORG/REPO)\n");
        return 0;
    }
    // Names and paths are file names in the store (from a hub): shown with control characters escaped.
    for (StoredModel& m : models) {
        m.name = terminal_safe(m.name);
        m.type = terminal_safe(m.type);
        m.path = terminal_safe(m.path);
    }
    size_t name_width = 4, type_width = 4;
    for (const StoredModel& m : models) {
        name_width = std::max(name_width, m.name.size());
        type_width = std::max(type_width, m.type.size());
    }
    std::printf("%-*s  %10s  %-*s  %s\n", static_cast<int>(name_width), "NAME", "SIZE",
                static_cast<int>(type_width), "TYPE", "PATH");
    for (const StoredModel& m : models)
        std::printf("%-*s  %10s  %-*s  %s\n", static_cast<int>(name_width), m.name.c_str(),
                    format_bytes(m.bytes).c_str(), static_cast<int>(type_width), m.type.c_str(),
                    m.path.c_str());
    return 0;
}

CommandRegistrar list_registrar({"list", "list the models in the local store",
                            [](CLI::App& sub) -> std::function<int()> {
                                auto args = std::make_shared<ListArgs>();
                                sub.add_option("--store", args->store,
                                               "store folder (default $LOOM_HOME or ~/.cache/loom)");
                                sub.add_flag("--json", args->json, "print a JSON array");
                                return [args] { return run_list(*args); };
                            }});

}  // namespace
}  // namespace loom::cli
