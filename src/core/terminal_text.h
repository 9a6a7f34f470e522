// Text from model files, hubs and requests is untrusted: printed raw to a terminal, "\x1b]0;title\x07"
// renames the window and "\x1b[2J" clears the screen. Everything such text shows on a terminal goes through
// terminal_safe(), which writes control characters as visible escapes.
#pragma once

#include <string>
#include <string_view>

namespace loom {

// `text` with C0 controls, DEL and C1 controls (U+0080-U+009F) written as \n, \r, \t, \xNN or \u00NN, and
// each byte of invalid UTF-8 as \xNN; everything else (valid UTF-8, backslashes included) is unchanged.
std::string terminal_safe(std::string_view text);

}  // namespace loom
