# Embeds src/attention_maps/attention_page.html into loom_lib as a byte array (loom::kAttentionPageTemplate),
# so `loom attention` writes a self-contained page with no file to find at run time. Regenerated at configure
# time; CMAKE_CONFIGURE_DEPENDS makes an edit of the page re-run configure on the next build.
set(LOOM_ATTENTION_PAGE ${PROJECT_SOURCE_DIR}/src/attention_maps/attention_page.html)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${LOOM_ATTENTION_PAGE})
file(READ ${LOOM_ATTENTION_PAGE} loom_page_hex HEX)
string(LENGTH "${loom_page_hex}" loom_page_hex_length)
math(EXPR loom_page_size "${loom_page_hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," loom_page_bytes "${loom_page_hex}")
set(LOOM_ATTENTION_PAGE_CPP ${CMAKE_BINARY_DIR}/generated/attention_page_template.cpp)
file(WRITE ${LOOM_ATTENTION_PAGE_CPP}.tmp
  "// Generated from src/attention_maps/attention_page.html by src/attention_maps/embed_page.cmake.\n"
  "#include <cstddef>\nnamespace loom {\n"
  "extern const unsigned char kAttentionPageTemplate[] = {${loom_page_bytes}};\n"
  "extern const std::size_t kAttentionPageTemplateSize = ${loom_page_size};\n}\n")
configure_file(${LOOM_ATTENTION_PAGE_CPP}.tmp ${LOOM_ATTENTION_PAGE_CPP} COPYONLY)
target_sources(loom_lib PRIVATE ${LOOM_ATTENTION_PAGE_CPP})
