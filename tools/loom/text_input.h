// Where a command's text comes from: an argument, a file (-f FILE), or stdin (-f -, or a pipe when no text
// argument is given). Rules (docs/cli.md, "Text from stdin"):
//   - stdin is read without -f - only when it is a pipe or a regular file, never from a terminal or /dev/null;
//   - one text (run, tokenize, ner, fill-mask, attention, a search query): the whole input, with one trailing
//     line break removed ("echo text | loom ..." adds one) except for tokenize, which keeps every byte;
//   - one text per line (embed, translate, summarize): every line is a text, blank lines included, so output
//     number i belongs to line i (0-based); "\r\n" endings are accepted.
#pragma once

#include <string>
#include <vector>

namespace loom::cli {

// True when stdin is a pipe or a redirected regular file (not a terminal, not a character device).
bool stdin_has_text();

// The whole content of `path` ("-": stdin), byte for byte. Throws loom::Error when it cannot be read.
std::string read_whole_input(const std::string& path);

// The lines of `path` ("-": stdin), blank lines kept, "\r\n" accepted; a final line break adds no line.
std::vector<std::string> read_input_lines(const std::string& path);

// `text` with one trailing "\n" or "\r\n" removed.
std::string without_final_line_break(std::string text);

// The one text of a single-text command: the argument, else -f FILE / -f -, else a pipe on stdin; "" when
// none was given. Throws when both an argument and -f are given.
std::string single_text_input(const std::string& argument, const std::string& file, bool keep_final_line_break);

}  // namespace loom::cli
