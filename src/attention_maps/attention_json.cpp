#include "attention_maps/attention_json.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace loom {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8_sequence_length(const std::string& s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    return n;
}

void append_number(std::string& out, float value, int decimals) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, static_cast<double>(value));
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
    out += s;
}

}  // namespace

std::string token_label(const std::string& decoded) {
    std::string out;
    bool all_space = !decoded.empty();
    for (size_t i = 0; i < decoded.size();) {
        const size_t n = utf8_sequence_length(decoded, i);
        const char c = decoded[i];
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            all_space = false;
            ++i;
            continue;
        }
        if (c != ' ') all_space = false;
        if (c == '\n')
            out += "\xE2\x86\xB5";  // ↵
        else if (c == '\t')
            out += "\xE2\x86\x92";  // →
        else if (n == 1 && (static_cast<unsigned char>(c) < 0x20 || c == 0x7F))
            out += "\xC2\xB7";  // ·
        else
            out.append(decoded, i, n);
        i += n;
    }
    if (all_space) {
        out.clear();
        for (size_t i = 0; i < decoded.size(); ++i) out += "\xE2\x90\xA3";  // ␣
    }
    return out;
}

std::string attention_json(const AttentionMaps& m, const AttentionDocument& d, int decimals) {
    nlohmann::ordered_json head = {{"format", "loom.attention/1"},
                                   {"model", d.model},
                                   {"architecture", d.architecture},
                                   {"causal", d.causal},
                                   {"text", d.text},
                                   {"n_prompt", d.n_prompt},
                                   {"n_model_layers", d.n_model_layers},
                                   {"n_model_heads", d.n_model_heads},
                                   {"layers", m.layers},
                                   {"heads", m.heads},
                                   {"token_ids", d.token_ids},
                                   {"tokens", d.tokens},
                                   {"labels", d.labels}};
    std::string out = head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out.pop_back();  // the closing brace: the weights follow
    out += ",\"attention\":";
    append_attention_array(out, m, decimals);
    out += "}";
    return html_safe(out);
}

void append_attention_array(std::string& out, const AttentionMaps& m, int decimals) {
    const int64_t n = m.n_tokens, nk = m.n_keys;
    out += '[';
    for (int64_t l = 0; l < m.n_layers(); ++l) {
        out += l ? ",[" : "[";
        for (int64_t h = 0; h < m.n_heads(); ++h) {
            out += h ? ",[" : "[";
            const float* a = m.matrix(l, h);  // [n, nk]
            for (int64_t q = 0; q < n; ++q) {
                out += q ? ",[" : "[";
                for (int64_t k = 0; k < nk; ++k) {
                    if (k) out += ',';
                    append_number(out, a[q * nk + k], decimals);
                }
                out += ']';
            }
            out += ']';
        }
        out += ']';
    }
    out += ']';
}

std::string html_safe(const std::string& out) {
    std::string safe;
    safe.reserve(out.size());
    for (char c : out) {
        if (c == '<')
            safe += "\\u003c";
        else
            safe += c;
    }
    return safe;
}

void write_text_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    if (!f) throw Error("cannot write " + path);
    f << text;
    if (!f.flush()) throw Error("cannot write " + path + " (disk full?)");
}

}  // namespace loom
