#include "store/default_model_path.h"

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "store/model_resolver.h"
#include "store/progress_bar.h"

namespace loom {

std::string resolve_model_or_default(const std::string& name, bool pull_if_missing) {
    namespace fs = std::filesystem;
    ModelLookup lookup;
    lookup.pull_if_missing = pull_if_missing;
    lookup.show_progress = !progress_quiet();
    if (!name.empty()) return resolve_model(name, lookup);
    if (const char* env = std::getenv("LOOM_MODEL"); env && *env) return resolve_model(env, lookup);
    for (const fs::path& root : {fs::current_path(), fs::path(LOOM_SOURCE_DIR)}) {
        fs::path candidate = root / kDefaultModelRelativePath;
        if (fs::exists(candidate)) return candidate.string();
    }
    throw Error(std::string("no model given and the default model is missing (") + kDefaultModelRelativePath +
                "); run scripts/fetch_default_model.sh or pass -m MODEL");
}

}  // namespace loom
