// terminal_safe(): untrusted text (model metadata, hub names, error messages quoting them) shown on a
// terminal cannot drive it (issue 15 item 8: `loom inspect` printed ESC]0;... and ESC[2J from GGUF metadata).
#include <gtest/gtest.h>

#include "core/terminal_text.h"

namespace loom {
namespace {

TEST(TerminalText, ControlCharactersBecomeVisibleEscapes) {
    EXPECT_EQ(terminal_safe("\x1b]0;pwned\x07\x1b[2J"), "\\x1b]0;pwned\\x07\\x1b[2J");
    EXPECT_EQ(terminal_safe("a\nb\rc\td"), "a\\nb\\rc\\td");
    EXPECT_EQ(terminal_safe(std::string("nul\0del\x7f", 8)), "nul\\x00del\\x7f");
    EXPECT_EQ(terminal_safe("csi \xc2\x9b"
                            "31m"),
              "csi \\u009b31m");  // C1 control (8-bit CSI) as UTF-8
}

TEST(TerminalText, ValidTextIsUnchangedAndInvalidBytesAreEscaped) {
    const std::string text = "caf\xc3\xa9 \xe2\x96\x81 \xf0\x9f\x98\x80 back\\slash \xc2\xa0";
    EXPECT_EQ(terminal_safe(text), text);
    EXPECT_EQ(terminal_safe("\xff\xc3"), "\\xff\\xc3");           // a stray byte, a truncated sequence
    EXPECT_EQ(terminal_safe("\xc0\xae"), "\\xc0\\xae");           // overlong '.'
    EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
}

}  // namespace
}  // namespace loom
