#include "text_input.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "core/error.h"

namespace loom::cli {

bool stdin_has_text() {
    struct stat st {};
    if (isatty(STDIN_FILENO) || fstat(STDIN_FILENO, &st) != 0) return false;
    return S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode);
}

std::string read_whole_input(const std::string& path) {
    if (path == "-") {
        std::ostringstream all;
        all << std::cin.rdbuf();
        return all.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open text file").file(path).hint("check the path given to -f");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> read_input_lines(const std::string& path) {
    const std::string text = read_whole_input(path);
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
        pos = nl + 1;
    }
    return lines;
}

std::string without_final_line_break(std::string text) {
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    return text;
}

std::string single_text_input(const std::string& argument, const std::string& file, bool keep_final_line_break) {
    if (!argument.empty() && !file.empty())
        throw Error("give the text either as an argument or with -f, not both");
    if (!argument.empty()) return argument;
    std::string path = file;
    if (path.empty() && stdin_has_text()) path = "-";
    if (path.empty()) return {};
    std::string text = read_whole_input(path);
    return keep_final_line_break ? text : without_final_line_break(std::move(text));
}

}  // namespace loom::cli
