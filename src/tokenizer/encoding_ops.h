// Operations on Encoding shared by the post-processors and the Tokenizer: concatenation, special-token
// pieces, truncation with overflow, padding.
#pragma once

#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace loom::tok {

void append_encoding(Encoding& dst, const Encoding& src);
// An encoding of special tokens (offsets (0,0), special mask 1, sequence id -1).
Encoding special_encoding(const std::vector<int32_t>& ids, const std::vector<std::string>& tokens,
                          int32_t type_id);
void set_type_ids(Encoding& e, int32_t type_id);
// Keeps max_len tokens; the rest (with `stride` tokens of overlap) go to e.overflowing, in HF's order.
void truncate_encoding(Encoding& e, size_t max_len, size_t stride, Direction direction);
void pad_encoding(Encoding& e, size_t target_length, const PaddingParams& params);
// ByteLevel's trim_offsets: offsets stop covering the leading/trailing spaces of a token.
void trim_byte_level_offsets(Encoding& e, bool add_prefix_space);

}  // namespace loom::tok
