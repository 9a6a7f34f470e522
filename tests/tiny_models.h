// The tiny random-weight model folders the parity tests read, written by the numpy-only scripts in
// scripts/goldens/ (write_tiny_weights.py, write_tiny_encoders.py, write_tiny_seq2seq.py).
//
// The scripts are deterministic, so their output is cached: one folder per script and script content
// (temp/loom-tiny-<script>-<hash>), written once by whichever test process gets there first and reused by
// every other (ctest runs each test case as its own process; regenerating per process cost ~1 s each).
// A process writes into a private folder and renames it into place, so a reader never sees a partial one.
// A missing python3 / numpy / safetensors is a hard failure, not a skip.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace loom::test {

// `script` is the file name without .py; `dir_flag` is what the script wants before the output folder
// ("--out " or "" for a positional argument).
inline std::string tiny_models(const std::string& script, const std::string& dir_flag) {
    namespace fs = std::filesystem;
    const std::string path = "scripts/goldens/" + script + ".py";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("missing " + path + " (tests run from the repository root)");
    std::stringstream content;
    content << in.rdbuf();
    const size_t hash = std::hash<std::string>{}(content.str());
    const fs::path final_dir =
        fs::temp_directory_path() / ("loom-tiny-" + script + "-" + std::to_string(hash));
    if (fs::exists(final_dir / ".complete")) return final_dir.string();

    const fs::path private_dir =
        fs::temp_directory_path() / ("loom-tiny-" + script + "-" + std::to_string(getpid()));
    std::error_code ec;
    fs::remove_all(private_dir, ec);
    const std::string cmd = "python3 " + path + " " + dir_flag + "'" + private_dir.string() + "' > /dev/null";
    if (std::system(cmd.c_str()) != 0)
        throw std::runtime_error("could not write the tiny models (needs python3 + numpy + safetensors): " +
                                 cmd);
    std::ofstream(private_dir / ".complete") << "written by " << cmd << "\n";
    fs::rename(private_dir, final_dir, ec);  // fails when another process got there first: use theirs
    if (ec) fs::remove_all(private_dir, ec);
    if (!fs::exists(final_dir / ".complete"))
        throw std::runtime_error("could not place the tiny models at " + final_dir.string());
    return final_dir.string();
}

}  // namespace loom::test
