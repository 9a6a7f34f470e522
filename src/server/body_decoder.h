// Decodes a request body as its bytes arrive: undoes Transfer-Encoding: chunked, inflates Content-Encoding
// gzip / deflate, and counts the DECODED bytes against --max-body, so neither a chunked body nor a small
// compressed one can grow past the limit (413 as soon as it does; nothing larger is ever held).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/http_head.h"

namespace loom::server {

class BodyDecoder {
  public:
    // `max_body`: the largest decoded body accepted. Wire bytes (chunk framing, compressed data) are capped
    // too, at 2 x max_body + 64 KiB, so chunk extensions or trailers cannot stream forever.
    BodyDecoder(const RequestHead& head, size_t max_body);
    ~BodyDecoder();
    BodyDecoder(const BodyDecoder&) = delete;
    BodyDecoder& operator=(const BodyDecoder&) = delete;

    // Consumes a prefix of `input` and returns its length; stops at the end of the body, so what is left
    // belongs to the next (pipelined) request. Consumes nothing once done() or failed().
    size_t feed(std::string_view input);

    bool done() const { return stage_ == Stage::Done; }
    bool failed() const { return stage_ == Stage::Failed; }
    const HeadError& error() const { return error_; }  // when failed(): 400 malformed, 413 too large
    std::string& body() { return body_; }              // the decoded bytes

  private:
    enum class Stage { Length, ChunkSize, ChunkData, ChunkEnd, Trailers, Done, Failed };

    size_t feed_chunked(std::string_view input);
    bool take_line(std::string_view input, size_t& used, std::string_view& line);
    void emit(std::string_view raw);  // decoded framing -> content decoding -> body_
    void finish();                    // the framing ended: the content decoding must have ended too
    void fail(int status, std::string message);

    Stage stage_;
    size_t max_body_, max_wire_, wire_ = 0;
    uint64_t remaining_ = 0;  // bytes left of the Content-Length body or of the current chunk
    std::string line_;        // a chunk-size or trailer line being assembled
    size_t trailer_bytes_ = 0;
    std::string body_;
    HeadError error_;
    struct Inflater;
    std::unique_ptr<Inflater> inflater_;  // null for an identity body
};

}  // namespace loom::server
