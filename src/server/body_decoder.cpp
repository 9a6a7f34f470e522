#include "server/body_decoder.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace loom::server {

namespace {
constexpr size_t kMaxChunkLine = 1024;          // "1a2b;ext=..." line of one chunk
constexpr size_t kMaxTrailerBytes = 16u << 10;  // all trailer lines together
}  // namespace

// zlib's inflate, reading gzip or zlib-wrapped deflate (windowBits 15 + 32: detect the header).
struct BodyDecoder::Inflater {
    z_stream z{};
    bool ended = false;
    Inflater() { inflateInit2(&z, 15 + 32); }
    ~Inflater() { inflateEnd(&z); }
};

BodyDecoder::BodyDecoder(const RequestHead& head, size_t max_body)
    : stage_(Stage::Done), max_body_(max_body), max_wire_(2 * max_body + (64u << 10)) {
    if (head.coding != BodyCoding::Identity) inflater_ = std::make_unique<Inflater>();
    if (head.framing == BodyFraming::Chunked) {
        stage_ = Stage::ChunkSize;
    } else if (head.framing == BodyFraming::Length) {
        const uint64_t wire_limit = inflater_ ? max_wire_ : max_body_;
        if (head.content_length > wire_limit) {
            fail(413, "request body of " + std::to_string(head.content_length) +
                          " bytes is larger than the server's limit of " + std::to_string(max_body_) +
                          " bytes (--max-body)");
            return;
        }
        remaining_ = head.content_length;
        stage_ = Stage::Length;
        if (remaining_ == 0) finish();
    }
}

BodyDecoder::~BodyDecoder() = default;

void BodyDecoder::fail(int status, std::string message) {
    if (stage_ == Stage::Failed) return;
    stage_ = Stage::Failed;
    error_ = {status, std::move(message)};
}

size_t BodyDecoder::feed(std::string_view input) {
    if (stage_ == Stage::Done || stage_ == Stage::Failed) return 0;
    size_t used = 0;
    if (stage_ == Stage::Length) {
        used = static_cast<size_t>(std::min<uint64_t>(remaining_, input.size()));
        remaining_ -= used;
        emit(input.substr(0, used));
        if (stage_ != Stage::Failed && remaining_ == 0) finish();
    } else {
        used = feed_chunked(input);
    }
    wire_ += used;
    if (wire_ > max_wire_ && stage_ != Stage::Done)
        fail(413, "request body framing exceeds " + std::to_string(max_wire_) + " bytes on the wire");
    return used;
}

// Appends bytes up to a newline to line_; true (with the line, CR removed) once it is complete.
bool BodyDecoder::take_line(std::string_view input, size_t& used, std::string_view& line) {
    const size_t nl = input.find('\n', used);
    const size_t end = nl == std::string_view::npos ? input.size() : nl;
    line_.append(input.substr(used, end - used));
    used = nl == std::string_view::npos ? input.size() : nl + 1;
    if (nl == std::string_view::npos) return false;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    line = line_;
    return true;
}

size_t BodyDecoder::feed_chunked(std::string_view input) {
    size_t used = 0;
    while (used < input.size() && stage_ != Stage::Done && stage_ != Stage::Failed) {
        std::string_view line;
        if (stage_ == Stage::ChunkData) {
            const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, input.size() - used));
            emit(input.substr(used, n));
            used += n;
            remaining_ -= n;
            if (stage_ == Stage::Failed) break;  // the decoded body went past its limit
            if (remaining_ == 0) stage_ = Stage::ChunkEnd;
            continue;
        }
        const bool complete = take_line(input, used, line);
        if (line_.size() > (stage_ == Stage::Trailers ? kMaxTrailerBytes : kMaxChunkLine)) {
            fail(400, "chunk-size or trailer line too long");
            break;
        }
        if (!complete) break;
        if (stage_ == Stage::ChunkEnd) {
            if (!line.empty())
                fail(400, "chunk data longer than its declared size");
            else
                stage_ = Stage::ChunkSize;
        } else if (stage_ == Stage::ChunkSize) {
            uint64_t size = 0;
            size_t digits = 0;
            for (; digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]));
                 ++digits) {
                const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(line[digits])));
                size = size * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
            }
            const std::string_view rest = line.substr(digits);
            if (digits == 0 || digits > 15 ||
                (!rest.empty() && rest.find_first_not_of(" \t") != std::string_view::npos &&
                 rest[rest.find_first_not_of(" \t")] != ';')) {
                fail(400, "malformed chunk size line in a chunked body");
            } else if (size == 0) {
                stage_ = Stage::Trailers;
            } else {
                remaining_ = size;
                stage_ = Stage::ChunkData;
            }
        } else {  // Trailers: ignored, up to the blank line that ends the body
            trailer_bytes_ += line.size();
            if (trailer_bytes_ > kMaxTrailerBytes)
                fail(431, "chunked body trailers too large");
            else if (line.empty())
                finish();
        }
        line_.clear();
    }
    return used;
}

void BodyDecoder::emit(std::string_view raw) {
    if (raw.empty() || stage_ == Stage::Failed) return;
    const std::string too_large = "request body is larger than the server's limit of " +
                                  std::to_string(max_body_) + " bytes (--max-body)";
    if (!inflater_) {
        if (body_.size() + raw.size() > max_body_) return fail(413, too_large);
        body_.append(raw);
        return;
    }
    Inflater& f = *inflater_;
    if (f.ended) return fail(400, "data after the end of the compressed body");
    f.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    f.z.avail_in = static_cast<uInt>(raw.size());
    char out[16384];
    // Runs until zlib has taken every input byte and has nothing more to give (a full output buffer may
    // hide more output).
    for (bool full = true; !f.ended && (f.z.avail_in > 0 || full);) {
        f.z.next_out = reinterpret_cast<Bytef*>(out);
        f.z.avail_out = sizeof out;
        const int rc = inflate(&f.z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            return fail(400,
                        "the compressed request body is corrupt (Content-Encoding does not match the data)");
        const size_t produced = sizeof out - f.z.avail_out;
        if (body_.size() + produced > max_body_) return fail(413, too_large + ", once decompressed");
        body_.append(out, produced);
        if (rc == Z_STREAM_END) f.ended = true;
        full = f.z.avail_out == 0;
        if (produced == 0 && rc == Z_BUF_ERROR) break;
    }
    if (f.ended && f.z.avail_in > 0) fail(400, "data after the end of the compressed body");
}

void BodyDecoder::finish() {
    if (stage_ == Stage::Failed) return;
    if (inflater_ && !inflater_->ended && !(body_.empty() && inflater_->z.total_in == 0))
        return fail(400, "the compressed request body is truncated");
    stage_ = Stage::Done;
}

}  // namespace loom::server
