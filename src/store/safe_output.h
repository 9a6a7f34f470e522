// Writing model files safely (loom convert, loom quantize): the output is never the input, and never
// half-written under its final name.
//
// refuse_output_over_input: the output may not be the input file (the same path in another spelling, a
// symlink to it, a hard link: compared by device and inode), nor an existing file inside an input folder.
//
// write_via_temp_file: the bytes go to a temp file in the output's folder (".NAME.XXXXXX.part", so the rename
// stays on one file system), renamed over the output once complete. The temp file is deleted when writing
// throws, and when SIGINT, SIGTERM, SIGHUP or SIGXFSZ (a file-size limit) arrives while it is written (the
// signal then does what it would have done).
#pragma once

#include <functional>
#include <string>

namespace loom {

// Throws loom::Error("... would write over its input ...") with what to do instead.
void refuse_output_over_input(const std::string& output, const std::string& input);

// write(temp_path) writes the whole file; then temp_path is renamed to output. Throws loom::Error.
void write_via_temp_file(const std::string& output, const std::function<void(const std::string&)>& write);

}  // namespace loom
