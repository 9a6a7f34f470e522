// NFC / NFD / NFKC / NFKD through utf8proc, reported as per-character changes so alignments survive.
#pragma once

#include "tokenizer/normalized_string.h"

namespace loom::tok {

enum class UnicodeForm { NFC, NFD, NFKC, NFKD };

void normalize_unicode(NormalizedString& s, UnicodeForm form);

}  // namespace loom::tok
