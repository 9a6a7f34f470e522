#include "tasks/ner.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"
#include "kernels/cpu/ops.h"
#include "tokenizer/components.h"
#include "tokenizer/pipeline.h"

namespace loom {
namespace {

size_t argmax(const std::vector<float>& v) {
    return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());  // first of equal maxima
}

size_t utf8_length(const std::string& s) {
    return utf8_char_index(s, s.size());
}

// A word-level entity before grouping: a label and its score.
struct Labelled {
    std::string entity, word;
    float score;
    size_t start, end;
    int64_t index;
};

// HF get_tag: "B-X" / "I-X" split; a label without that prefix counts as a continuation of itself.
std::pair<char, std::string> bio_tag(const std::string& label) {
    if (label.starts_with("B-")) return {'B', label.substr(2)};
    if (label.starts_with("I-")) return {'I', label.substr(2)};
    return {'I', label};
}

Labelled word_entity(const std::vector<NerToken>& group, const std::vector<std::string>& id2label,
                     Aggregation strategy, const TokensToString& join) {
    std::vector<std::string> words;
    for (const NerToken& t : group) words.push_back(t.word);
    std::vector<float> scores;
    if (strategy == Aggregation::First) {
        scores = group.front().scores;
    } else if (strategy == Aggregation::Max) {
        const NerToken* best = &group.front();
        for (const NerToken& t : group)
            if (*std::max_element(t.scores.begin(), t.scores.end()) >
                *std::max_element(best->scores.begin(), best->scores.end()))
                best = &t;
        scores = best->scores;
    } else {  // Average
        scores.assign(group.front().scores.size(), 0.0f);
        for (const NerToken& t : group)
            for (size_t i = 0; i < scores.size(); ++i) scores[i] += t.scores[i];
        for (float& s : scores) s /= static_cast<float>(group.size());
    }
    const size_t label = argmax(scores);
    return {id2label.at(label), join(words), scores[label], group.front().start, group.back().end, -1};
}

NerEntity group_of(const std::vector<Labelled>& members, const TokensToString& join) {
    NerEntity e;
    // The group's label is the first member's after its first '-': "B-PER" -> "PER", "MISC" -> "MISC".
    const std::string& first = members.front().entity;
    const size_t dash = first.find('-');
    e.label = dash == std::string::npos ? first : first.substr(dash + 1);
    double sum = 0.0;
    std::vector<std::string> words;
    for (const Labelled& m : members) {
        sum += m.score;
        words.push_back(m.word);
    }
    e.score = static_cast<float>(sum / static_cast<double>(members.size()));
    e.word = join(words);
    e.start = members.front().start;
    e.end = members.back().end;
    return e;
}

}  // namespace

Aggregation parse_aggregation(const std::string& name) {
    if (name == "none") return Aggregation::None;
    if (name == "simple") return Aggregation::Simple;
    if (name == "first") return Aggregation::First;
    if (name == "average") return Aggregation::Average;
    if (name == "max") return Aggregation::Max;
    throw Error("unknown aggregation '" + name + "' (expected none, simple, first, average or max)");
}

std::vector<NerEntity> aggregate_ner(const std::vector<NerToken>& tokens,
                                     const std::vector<std::string>& id2label, Aggregation strategy,
                                     const TokensToString& join,
                                     const std::vector<std::string>& ignore_labels) {
    for (const NerToken& t : tokens)
        if (t.scores.size() != id2label.size())
            throw Error("token classification: " + std::to_string(t.scores.size()) + " scores for " +
                        std::to_string(id2label.size()) + " labels");
    std::vector<Labelled> labelled;
    if (strategy == Aggregation::None || strategy == Aggregation::Simple) {
        for (const NerToken& t : tokens) {
            const size_t label = argmax(t.scores);
            labelled.push_back({id2label.at(label), t.word, t.scores[label], t.start, t.end, t.index});
        }
    } else {
        // Words: a token that is not a subword starts a new one.
        std::vector<NerToken> group;
        for (const NerToken& t : tokens) {
            if (!group.empty() && !t.is_subword) {
                labelled.push_back(word_entity(group, id2label, strategy, join));
                group.clear();
            }
            group.push_back(t);
        }
        if (!group.empty()) labelled.push_back(word_entity(group, id2label, strategy, join));
    }
    auto ignored = [&](const std::string& label) {
        return std::find(ignore_labels.begin(), ignore_labels.end(), label) != ignore_labels.end();
    };
    std::vector<NerEntity> out;
    if (strategy == Aggregation::None) {
        for (const Labelled& l : labelled)
            if (!ignored(l.entity)) out.push_back({l.entity, l.score, l.word, l.start, l.end, l.index});
        return out;
    }
    // Group adjacent words: same tag and not a "B-" start continue the current group.
    std::vector<Labelled> current;
    auto flush = [&] {
        if (current.empty()) return;
        NerEntity e = group_of(current, join);
        if (!ignored(e.label)) out.push_back(std::move(e));
        current.clear();
    };
    for (const Labelled& l : labelled) {
        if (!current.empty()) {
            auto [bi, tag] = bio_tag(l.entity);
            auto [last_bi, last_tag] = bio_tag(current.back().entity);
            (void)last_bi;
            if (!(tag == last_tag && bi != 'B')) flush();
        }
        current.push_back(l);
    }
    flush();
    return out;
}

nlohmann::json ner_to_json(const std::vector<NerEntity>& entities, Aggregation strategy) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const NerEntity& e : entities) {
        nlohmann::ordered_json j;
        j[strategy == Aggregation::None ? "entity" : "entity_group"] = e.label;
        j["score"] = e.score;
        if (e.index) j["index"] = *e.index;
        j["word"] = e.word;
        j["start"] = e.start;
        j["end"] = e.end;
        out.push_back(std::move(j));
    }
    return nlohmann::json::parse(out.dump());
}

std::unique_ptr<NerPipeline> NerPipeline::open(const std::string& folder, EncoderInputOptions options) {
    std::unique_ptr<NerPipeline> p(new NerPipeline());
    p->runner_ = EncoderRunner::open(folder, options);
    p->head_ = std::make_unique<TokenClassifierHead>(p->runner_->model());
    const EncoderConfig& c = p->runner_->model().config();
    if (static_cast<int64_t>(c.id2label.size()) != p->head_->num_labels())
        throw Error("config.json id2label has " + std::to_string(c.id2label.size()) +
                    " labels, the classifier " + std::to_string(p->head_->num_labels()))
            .file(folder);
    // HF decides word boundaries by whether the tokenizer model has a continuing-subword prefix.
    nlohmann::json tj =
        nlohmann::json::parse(read_json_text(p->runner_->source().tokenizer_json_path), nullptr, false);
    std::string unk = "[UNK]";
    if (tj.is_object() && tj.contains("model") && tj["model"].is_object()) {
        const nlohmann::json& m = tj["model"];
        auto prefix = m.find("continuing_subword_prefix");
        p->word_aware_ = prefix != m.end() && prefix->is_string() && !prefix->get<std::string>().empty();
        if (auto u = m.find("unk_token"); u != m.end() && u->is_string()) unk = u->get<std::string>();
    }
    p->unk_id_ = p->runner_->tokenizer().token_to_id(unk);
    return p;
}

std::string NerPipeline::tokens_to_string(const std::vector<std::string>& tokens) const {
    std::vector<std::string> pieces = tokens;
    std::string out;
    if (const tok::Decoder* decoder = runner_->tokenizer().pipeline().decoder()) {
        decoder->decode_chain(pieces);
        for (const std::string& p : pieces) out += p;
        return out;
    }
    for (size_t i = 0; i < pieces.size(); ++i) out += (i ? " " : "") + pieces[i];
    return out;
}

std::vector<NerToken> NerPipeline::classify_tokens(const std::string& text) const {
    std::vector<std::string> texts{text};
    std::vector<Encoding> enc = runner_->encode(texts);
    std::vector<float> hidden = runner_->run(enc);  // [T, H]
    const Encoding& e = enc.front();
    const int64_t T = static_cast<int64_t>(e.size()), L = head_->num_labels();
    std::vector<float> logits = head_->forward(hidden.data(), T);  // [T, L]
    std::vector<NerToken> tokens;
    for (int64_t t = 0; t < T; ++t) {
        if (e.special_tokens_mask[t]) continue;
        NerToken tok;
        tok.scores.assign(logits.begin() + t * L, logits.begin() + (t + 1) * L);
        softmax(tok.scores.data(), L);
        tok.index = t;
        tok.start = utf8_char_index(text, e.offsets[t].first);
        tok.end = utf8_char_index(text, e.offsets[t].second);
        const std::string ref = text.substr(e.offsets[t].first, e.offsets[t].second - e.offsets[t].first);
        tok.word = runner_->tokenizer().id_to_token(e.ids[t]);
        if (word_aware_) {
            tok.is_subword = utf8_length(tok.word) != utf8_length(ref);
        } else {
            // Fallback heuristic: no space right before the token (or inside its first character pair).
            const size_t b = e.offsets[t].first;
            tok.is_subword = b > 0 && b < text.size() && text[b - 1] != ' ' && text[b] != ' ';
        }
        if (unk_id_ && e.ids[t] == *unk_id_) {
            tok.word = ref;
            tok.is_subword = false;
        }
        tokens.push_back(std::move(tok));
    }
    return tokens;
}

std::vector<NerEntity> NerPipeline::run(const std::string& text, Aggregation strategy) const {
    return aggregate_ner(classify_tokens(text), runner_->model().config().id2label, strategy,
                         [this](const std::vector<std::string>& t) { return tokens_to_string(t); });
}

}  // namespace loom
