#include "store/safe_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <vector>

#include "core/error.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

// The temp file being written, for the signal handler (one at a time: loom writes one output per run).
char g_temp_being_written[4096];
volatile std::sig_atomic_t g_temp_set = 0;

constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGXFSZ};

void remove_temp_then_reraise(int sig) {
    if (g_temp_set) unlink(g_temp_being_written);  // async-signal-safe
    g_temp_set = 0;
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// Installs the handler for the lifetime of one write; restores the previous handlers after.
class TempFileGuard {
  public:
    explicit TempFileGuard(const std::string& path) : path_(path) {
        std::strncpy(g_temp_being_written, path.c_str(), sizeof g_temp_being_written - 1);
        g_temp_set = 1;
        struct sigaction action {};
        action.sa_handler = remove_temp_then_reraise;
        sigemptyset(&action.sa_mask);
        for (size_t i = 0; i < std::size(kCleanupSignals); ++i)
            sigaction(kCleanupSignals[i], &action, &previous_[i]);
    }
    ~TempFileGuard() {
        for (size_t i = 0; i < std::size(kCleanupSignals); ++i)
            sigaction(kCleanupSignals[i], &previous_[i], nullptr);
        g_temp_set = 0;
        if (!kept_) unlink(path_.c_str());
    }
    void keep() { kept_ = true; }  // renamed into place

  private:
    std::string path_;
    bool kept_ = false;
    struct sigaction previous_[std::size(kCleanupSignals)]{};
};

bool is_inside(const fs::path& file, const fs::path& folder) {
    std::error_code ec;
    const fs::path f = fs::weakly_canonical(file, ec), d = fs::weakly_canonical(folder, ec);
    const auto mismatch = std::mismatch(d.begin(), d.end(), f.begin(), f.end());
    return mismatch.first == d.end();
}

}  // namespace

void refuse_output_over_input(const std::string& output, const std::string& input) {
    std::error_code ec;
    if (!fs::exists(output, ec)) return;  // a new file cannot be the input
    if (fs::equivalent(output, input, ec))
        throw Error("the output " + output + " is the input " + input +
                    " (the same file): loom does not write over its input; give another output file");
    if (fs::is_directory(input, ec) && is_inside(output, input))
        throw Error("the output " + output + " is a file of the input folder " + input +
                    ": loom does not write over its input; give a new file name");
    if (fs::is_directory(output, ec))
        throw Error("the output " + output + " is a folder: give a file name, e.g. " +
                    (fs::path(output) / "model.gguf").string());
}

void write_via_temp_file(const std::string& output, const std::function<void(const std::string&)>& write) {
    const fs::path out(output);
    const fs::path folder = out.parent_path().empty() ? fs::path(".") : out.parent_path();
    const std::string pattern = (folder / ("." + out.filename().string() + ".XXXXXX.part")).string();
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    const int fd = mkstemps(name.data(), 5);  // 5: ".part"
    if (fd < 0)
        throw Error(std::string("cannot create a file in ") + folder.string() + ": " + std::strerror(errno))
            .file(output);
    const mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);  // as a file created the usual way (mkstemp makes it 0600)
    close(fd);
    const std::string temp(name.data());
    TempFileGuard guard(temp);
    write(temp);
    std::error_code ec;
    fs::rename(temp, output, ec);
    if (ec) throw Error("cannot rename " + temp + " to " + output + ": " + ec.message()).file(output);
    guard.keep();
}

}  // namespace loom
