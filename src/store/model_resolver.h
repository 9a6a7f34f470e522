// The one resolver behind every option that names a model (-m of every command, serve's --embedding-model /
// --translate-model / --ner-model, ner --generative, convert's and quantize's inputs). It accepts:
//   a path (file or folder)         always wins when it exists
//   models/<file>                   a registry-package model as `loom list` prints it, from any directory
//                                   (./models, else the source tree's models/)
//   hf:ORG/REPO[:FILE], ORG/REPO[:FILE]
//                                   a model in the store (store/model_store.h); one not pulled yet is an
//                                   error naming `loom pull`, or, with pull_if_missing (run, chat, serve), is
//                                   pulled first with its progress bar, unless offline (--offline or
//                                   LOOM_OFFLINE=1), which refuses in one line naming `loom pull`
#pragma once

#include <string>

namespace loom {

struct ModelLookup {
    std::string store;             // store root ("": $LOOM_HOME, else ~/.cache/loom)
    bool pull_if_missing = false;  // fetch a store name not pulled yet (as `ollama run` does)
    bool show_progress = true;     // the download's progress bar (when pulling)
};

// The path of the model `name` refers to; throws loom::Error with one line that says what to do.
std::string resolve_model(const std::string& name, const ModelLookup& lookup = {});

// --offline (or LOOM_OFFLINE=1 / true / yes): never reach the hub while resolving a model.
void set_offline(bool offline);
bool offline_mode();

}  // namespace loom
