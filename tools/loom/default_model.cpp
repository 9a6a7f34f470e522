#include "default_model.h"

#include "store/model_resolver.h"

namespace loom::cli {

std::string resolve_model_path(const std::string& flag) {
    return resolve_model_or_default(flag, false);
}

std::string resolve_or_pull_model_path(const std::string& flag) {
    return resolve_model_or_default(flag, true);
}

void add_offline_flag(CLI::App& app) {
    app.add_flag_callback(
        "--offline", [] { set_offline(true); },
        "never download: a model not in the store is an error (also LOOM_OFFLINE=1)");
}

}  // namespace loom::cli
