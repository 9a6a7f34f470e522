#include "tasks/extraction.h"

namespace loom {

nlohmann::ordered_json extraction_messages(const std::string& text, const nlohmann::ordered_json& schema) {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    messages.push_back(
        {{"role", "system"},
         {"content",
          "You extract information from the user's text into JSON. Answer with one JSON value that follows "
          "this JSON Schema:\n" +
              schema.dump() +
              "\nTake every value from the text, copying names and numbers exactly; use null or leave out "
              "what the text does not say, where the schema allows it. Nothing else."}});
    messages.push_back({{"role", "user"}, {"content", text}});
    return messages;
}

}  // namespace loom
