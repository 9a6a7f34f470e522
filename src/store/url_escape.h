// Percent-escaping for the hub's URLs: repo ids, revisions and file names are data, never URL syntax, so a
// file named "a?b#c.gguf" or "%2e%2e/x.gguf" asks for exactly that file.
#pragma once

#include <string>
#include <string_view>

namespace loom {

// `path` with every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~) written as %XX, except '/',
// which stays a path separator.
std::string escape_url_path(std::string_view path);

}  // namespace loom
