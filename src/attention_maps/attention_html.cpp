#include "attention_maps/attention_html.h"

#include <cstddef>

#include "core/error.h"

namespace loom {

// Defined in the file embed_page.cmake generates from attention_page.html.
extern const unsigned char kAttentionPageTemplate[];
extern const std::size_t kAttentionPageTemplateSize;

std::string attention_html(const AttentionMaps& maps, const AttentionDocument& doc) {
    std::string page(reinterpret_cast<const char*>(kAttentionPageTemplate), kAttentionPageTemplateSize);
    const std::string placeholder = "/*LOOM_ATTENTION_DATA*/";
    const size_t at = page.find(placeholder);
    if (at == std::string::npos) throw Error("attention page template has no data placeholder");
    // attention_json writes '<' as \u003c, so the data cannot close the <script> element it sits in.
    page.replace(at, placeholder.size(), attention_json(maps, doc, 4));
    return page;
}

}  // namespace loom
