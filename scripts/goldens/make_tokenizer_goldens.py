#!/usr/bin/env python3
"""Golden files for the tokenizer parity tests (tests/parity/test_tokenizer_json.cpp).

Reference: Hugging Face `tokenizers` (PyPI, 0.23). Rerun from the repository root:
    python3 scripts/goldens/make_tokenizer_goldens.py [--tiny-only] [--retrain]
It writes
    tests/data/tokenizer/corpus.jsonl          the test texts (one JSON object {"text": ...} per line)
    tests/data/tokenizer/tiny/*.json           small tokenizer.json files built with the `tokenizers` API for the
                                               components the real files do not use
    tests/data/tokenizer/gpt2_skeleton.json    GPT-2 as an HF ByteLevel BPE tokenizer.json minus vocab/merges
                                               (the test fills them from tests/data/upstream/tokenizers/gpt2)
    tests/data/tokenizer/goldens/<name>.json   ids, byte offsets, decode with/without skip_special_tokens
Offsets: Python `tokenizers` reports character offsets; they are converted to UTF-8 byte offsets here.
The 1 MB document is built from the corpus with a 64-bit LCG (same code in the C++ test) and stored as
token count + FNV-1a-64 hashes of the ids and of the decoded text.
"""
import json
import os
import struct
import sys

os.environ["TOKENIZERS_PARALLELISM"] = "false"  # single-threaded training: the tiny files come out the same
os.environ["RAYON_NUM_THREADS"] = "1"
from tokenizers import (Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers,
                        Regex, AddedToken)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "tests", "data", "tokenizer")
SHARED = os.path.join(ROOT, "tests", "data", "upstream", "tokenizers")

CORPUS = [
    "",
    " ",
    "Hello world",
    "Hello, world! How are you today?",
    "The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX! the quick brown fox?",
    "In 1492, Columbus sailed the ocean blue; by 1969 men walked on the Moon. It's a long way, isn't it?",
    "I'm sure you're right, he'll come and she'd know. WE'RE DONE, THEY'VE LEFT, I'D SAY.",
    "  leading spaces and trailing spaces   ",
    "tabs\tand\t\tmore\ttabs\n\nnew lines\n\n\n\nmany\r\nwindows\r\n",
    "a  b   c    d     e      f\n \n  \n\t \t x",
    "12345678901234567890 3.14159265358979 1,000,000 0x1F2E3D 2024-11-26 +1-555-0100",
    "99999999999999999999999999999999999999999999999999",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "#include <vector>\nint main() {\n\tstd::vector<int> v{1, 2, 3};\n\tfor (auto& x : v) x *= 2;\n\treturn 0;\n}\n",
    "const add = (a, b) => a + b; // arrow\nconsole.log(`sum: ${add(2, 3)}`);\n",
    "fn main() { let s: &str = \"héllo\"; println!(\"{s:?}\"); }",
    "for i in $(seq 1 10); do echo \"$i\" | grep -q 5 && break; done",
    "SELECT id, name FROM users WHERE age >= 21 ORDER BY name DESC;",
    "<html><body class=\"main\"><p>Paragraph &amp; entity</p></body></html>",
    "https://example.com/path?query=1&x=y#frag user.name+tag@example.org",
    "我们今天去公园散步，天气非常好。中文测试：你好，世界！",
    "日本語のテキストです。カタカナとひらがなと漢字が混ざっています。",
    "한국어 문장입니다. 안녕하세요, 세계!",
    "مرحبا بالعالم! هذه جملة باللغة العربية.",
    "नमस्ते दुनिया, यह हिंदी में एक वाक्य है।",
    "Привет, мир! Это предложение на русском языке.",
    "Γειά σου Κόσμε. Ελληνικά κείμενα.",
    "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่าง",
    "Emoji: 😀😃😄 👍🏽 👩🏾‍💻 👨‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️ ✨",
    "Combining: e\u0301 Ame\u0301lie cafe\u0301 a\u0323\u0302 n\u0303 \u1100\u1161\u11a8 Å Å",
    "Compatibility: ﬁnancial ① ² ㎏ ｆｕｌｌｗｉｄｔｈ Ⅻ …",
    "Spaces:\u00a0non-breaking\u3000ideographic\u2009thin\u200bzero-width",
    "Accents: Crème brûlée, naïve façade, São Paulo, Zürich, İstanbul, ŞEKER",
    "Special tokens: <|endoftext|> <s> </s> <unk> <|im_start|>user\nhi<|im_end|> [CLS] [SEP] [MASK] <bos> <eos>",
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>",
    "<｜begin▁of▁sentence｜>Hello<｜end▁of▁sentence｜> <start_of_turn>user\nHi<end_of_turn>",
    "Repeated!!!!!!!!!! ............ ---------- ========== ?????",
    "\n\n\n\n\n\n\n\n\n\n",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopic",
    "a" * 300,
    "x" + "ab" * 120 + " " + "ba" * 60,
    "Mixed: café123 naïve42 ÀÉÎÕÜ àéîõü ßẞ ǅ ΣΑΣ σας",
    "Control\x01chars\x7f and \ufffd replacement and \x00 nul",
    "Ünïcödé wörds with ümlauts and àccents everywhere: été, hôtel, naïve, coöperate.",
    "   ",
    "\t",
    "end with space ",
]

# Small hand-built tokenizers for the components the real files do not exercise.
TRAIN_TEXT = [t for t in CORPUS if t] * 3


def build_tiny():
    out = {}
    # BERT stack: BertNormalizer, BertPreTokenizer, WordPiece, TemplateProcessing (pairs), WordPiece decoder.
    t = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=30))
    t.normalizer = normalizers.BertNormalizer(lowercase=True)
    t.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    t.train_from_iterator(TRAIN_TEXT, trainers.WordPieceTrainer(
        vocab_size=700, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    t.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", t.token_to_id("[CLS]")), ("[SEP]", t.token_to_id("[SEP]"))])
    t.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    out["bert_wordpiece"] = t
    # The same with truncation (stride) and padding to a fixed length.
    t2 = Tokenizer.from_str(t.to_str())
    t2.enable_truncation(max_length=12, stride=3, strategy="longest_first")
    t2.enable_padding(length=16, pad_id=0, pad_token="[PAD]")
    out["bert_trunc_pad"] = t2
    t3 = Tokenizer.from_str(t.to_str())
    t3.enable_truncation(max_length=10, stride=0, strategy="only_second", direction="left")
    t3.enable_padding(pad_id=0, pad_token="[PAD]", direction="left", pad_to_multiple_of=8)
    out["bert_only_second_left"] = t3
    t4 = Tokenizer.from_str(t.to_str())
    t4.post_processor = processors.BertProcessing(("[SEP]", t.token_to_id("[SEP]")), ("[CLS]", t.token_to_id("[CLS]")))
    t4.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False, handle_chinese_chars=True)
    out["bert_processing_cased"] = t4

    # Unigram with NFKC + Metaspace.
    t = Tokenizer(models.Unigram())
    t.normalizer = normalizers.NFKC()
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    t.train_from_iterator(TRAIN_TEXT, trainers.UnigramTrainer(
        vocab_size=500, unk_token="<unk>", special_tokens=["<pad>", "<unk>", "<s>", "</s>"]))
    t.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    t.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B:1 </s>:1",
                                                     special_tokens=[("</s>", t.token_to_id("</s>"))])
    out["unigram_metaspace"] = t

    # WordLevel with NFD/StripAccents/Lowercase, Whitespace + Digits + Punctuation, BertProcessing, no decoder.
    t = Tokenizer(models.WordLevel(unk_token="<unk>"))
    t.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(),
                                               pre_tokenizers.Digits(individual_digits=True),
                                               pre_tokenizers.Punctuation()])
    t.train_from_iterator(TRAIN_TEXT, trainers.WordLevelTrainer(
        vocab_size=400, special_tokens=["<unk>", "<cls>", "<sep>"]))
    t.post_processor = processors.BertProcessing(("<sep>", 2), ("<cls>", 1))
    out["wordlevel_digits"] = t

    # BPE with a word-end suffix: Strip + Replace(regex) + NFKD normalizers, WhitespaceSplit +
    # CharDelimiterSplit + Digits(contiguous), RobertaProcessing, BPEDecoder.
    t = Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
    t.normalizer = normalizers.Sequence([normalizers.Strip(), normalizers.Replace(Regex(r"\s+"), " "),
                                         normalizers.NFKD(), normalizers.Lowercase()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                               pre_tokenizers.CharDelimiterSplit("-"),
                                               pre_tokenizers.Digits(individual_digits=False)])
    t.train_from_iterator(TRAIN_TEXT, trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<unk>", "<s>", "</s>"], end_of_word_suffix="</w>"))
    t.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 1))
    t.decoder = decoders.BPEDecoder(suffix="</w>")
    out["bpe_suffix_roberta"] = t

    # BPE with a continuing-subword prefix, Split behaviours and Metaspace(first), Sequence decoder.
    t = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", fuse_unk=True))
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"[0-9]+"), behavior="merged_with_next"),
        pre_tokenizers.Split(",", behavior="merged_with_previous"),
        pre_tokenizers.Split(Regex(r"[!?.]+"), behavior="contiguous"),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)])
    t.train_from_iterator(TRAIN_TEXT, trainers.BpeTrainer(
        vocab_size=500, special_tokens=["[UNK]"], continuing_subword_prefix="##", limit_alphabet=60))
    t.decoder = decoders.Sequence([decoders.WordPiece(prefix="##", cleanup=False),
                                   decoders.Metaspace(replacement="▁", prepend_scheme="first")])
    # (no Strip decoder here: HF 0.23 panics in Strip on an empty token; llama2 covers Strip)
    t.add_tokens([AddedToken("hello world", single_word=True, normalized=True),
                  AddedToken("<lstrip>", lstrip=True, rstrip=False, normalized=False),
                  AddedToken("<rstrip>", rstrip=True, normalized=False)])
    t.add_special_tokens([AddedToken("<special>", normalized=False)])
    out["bpe_prefix_splits"] = t

    # CTC decoder over a character vocabulary (WordLevel, one token per character).
    chars = sorted(set("".join(CORPUS[2:8]).lower()))
    vocab = {"<pad>": 0, "<unk>": 1, "|": 2}
    for c in chars:
        if c not in vocab and not c.isspace():
            vocab[c] = len(vocab)
    t = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    t.normalizer = normalizers.Sequence([normalizers.Lowercase(), normalizers.Replace(" ", "|")])
    t.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    t.decoder = decoders.CTC(pad_token="<pad>", word_delimiter_token="|", cleanup=True)
    out["ctc_chars"] = t

    # Byte-level BPE with add_prefix_space, trim_offsets in the post-processor, and byte_fallback-less
    # decoding through ByteLevel (Roberta-style offsets).
    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
    t.train_from_iterator(TRAIN_TEXT, trainers.BpeTrainer(
        vocab_size=800, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    t.post_processor = processors.ByteLevel(trim_offsets=True)
    t.decoder = decoders.ByteLevel()
    out["bytelevel_trim"] = t
    return out


TINY_NAMES = ["bert_wordpiece", "bert_trunc_pad", "bert_only_second_left", "bert_processing_cased",
              "unigram_metaspace", "wordlevel_digits", "bpe_suffix_roberta", "bpe_prefix_splits", "ctc_chars",
              "bytelevel_trim"]


def gpt2_tokenizer():
    """GPT-2 from the original encoder.json + vocab.bpe, as an HF ByteLevel BPE tokenizer.json."""
    gdir = os.path.join(SHARED, "gpt2")
    vocab = json.load(open(os.path.join(gdir, "encoder.json"), encoding="utf-8"))
    merges = []
    for line in open(os.path.join(gdir, "vocab.bpe"), encoding="utf-8").read().split("\n")[1:]:
        if line:
            a, b = line.split(" ")
            merges.append((a, b))
    t = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    t.decoder = decoders.ByteLevel()
    t.post_processor = processors.ByteLevel(trim_offsets=False)
    t.add_special_tokens([AddedToken("<|endoftext|>", normalized=False)])
    return t


def big_document():
    """~1 MB from corpus texts picked by an LCG (mirrored in the C++ test)."""
    state = 0x853C49E6748FEA9B
    parts, size = [], 0
    texts = [t for t in CORPUS if t]
    while size < 1_000_000:
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        t = texts[(state >> 33) % len(texts)]
        parts.append(t)
        parts.append("\n")
        size += len(t.encode("utf-8")) + 1
    return "".join(parts)


def fnv1a(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def byte_offsets(text, offsets):
    cum = [0]
    for ch in text:
        cum.append(cum[-1] + len(ch.encode("utf-8")))
    return [[cum[s], cum[e]] for s, e in offsets]


def encoding_record(text, e, full):
    rec = {"ids": e.ids, "offsets": byte_offsets(text, e.offsets)}
    if full:
        rec.update(tokens=e.tokens, type_ids=e.type_ids, special_tokens_mask=e.special_tokens_mask,
                   attention_mask=e.attention_mask)
    return rec


def goldens_for(name, tok, source, full=False, pairs=False, decode_cases=None):
    cases = []
    for i, text in enumerate(CORPUS):
        try:
            e = tok.encode(text)
        except Exception as err:  # e.g. only_second truncation without a pair: the C++ side must throw too
            cases.append({"i": i, "error": str(err)})
            continue
        rec = {"i": i, **encoding_record(text, e, full)}
        rec["decode"] = tok.decode(e.ids, skip_special_tokens=False)
        rec["decode_skip"] = tok.decode(e.ids, skip_special_tokens=True)
        if full:
            rec["no_special"] = encoding_record(text, tok.encode(text, add_special_tokens=False), True)
            if e.overflowing:
                rec["overflowing"] = [encoding_record(text, o, True) for o in e.overflowing]
        cases.append(rec)
    g = {"name": name, "tokenizer": source, "vocab_size": tok.get_vocab_size(with_added_tokens=True),
         "cases": cases}
    if pairs:
        g["pairs"] = []
        for i in range(2, len(CORPUS) - 1, 3):
            a, b = CORPUS[i], CORPUS[i + 1]
            try:
                e = tok.encode(a, b)
            except Exception as err:
                g["pairs"].append({"a": i, "b": i + 1, "error": str(err)})
                continue
            rec = {"a": i, "b": i + 1, "ids": e.ids, "tokens": e.tokens, "type_ids": e.type_ids,
                   "special_tokens_mask": e.special_tokens_mask, "attention_mask": e.attention_mask}
            # Pair offsets are into each sequence; convert with the text each token came from.
            seq = e.sequence_ids
            rec["offsets"] = [byte_offsets(a if s == 0 else b if s == 1 else "", [o])[0] if s is not None else [0, 0]
                              for o, s in zip(e.offsets, seq)]
            g["pairs"].append(rec)
    if decode_cases:
        g["decode_cases"] = [{"ids": ids, "decode": tok.decode(ids, skip_special_tokens=False),
                              "decode_skip": tok.decode(ids, skip_special_tokens=True)} for ids in decode_cases]
    doc = big_document()
    try:
        e = tok.encode(doc)
    except Exception:
        e = None
    if e is not None:
        g["big"] = {"bytes": len(doc.encode("utf-8")), "count": len(e.ids),
                "ids_fnv1a": fnv1a(struct.pack("<%di" % len(e.ids), *e.ids)),
                "offsets_fnv1a": fnv1a(struct.pack("<%dQ" % (2 * len(e.ids)),
                                                   *[x for o in byte_offsets(doc, e.offsets) for x in o])),
                "decode_fnv1a": fnv1a(tok.decode(e.ids, skip_special_tokens=False).encode("utf-8")),
                "first_ids": e.ids[:64]}
    with open(os.path.join(DATA, "goldens", name + ".json"), "w", encoding="utf-8") as f:
        json.dump(g, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(name, len(cases), "cases, big:", g.get("big", {}).get("count"), "tokens", file=sys.stderr)


def main():
    os.makedirs(os.path.join(DATA, "tiny"), exist_ok=True)
    os.makedirs(os.path.join(DATA, "goldens"), exist_ok=True)
    with open(os.path.join(DATA, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for t in CORPUS:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")

    only_tiny = "--tiny-only" in sys.argv  # skip the (slow, stable) real tokenizers
    for name in [] if only_tiny else ["llama2", "llama3", "qwen3", "gemma3", "gpt4o", "deepseek-v3"]:
        path = os.path.join(SHARED, name, "tokenizer.json")
        goldens_for(name, Tokenizer.from_file(path), "tests/data/upstream/tokenizers/%s/tokenizer.json" % name)

    gpt2 = None if only_tiny else gpt2_tokenizer()
    if gpt2 is not None:
        skeleton = json.loads(gpt2.to_str())
        skeleton["model"]["vocab"] = {}
        skeleton["model"]["merges"] = []
        with open(os.path.join(DATA, "gpt2_skeleton.json"), "w", encoding="utf-8") as f:
            json.dump(skeleton, f, ensure_ascii=False, indent=1)
            f.write("\n")
        goldens_for("gpt2", gpt2, "gpt2")

    # The tiny tokenizers are trained once; the committed files are the reference from then on (--retrain
    # rebuilds them, and the goldens with them).
    retrain = "--retrain" in sys.argv or not os.path.exists(os.path.join(DATA, "tiny", "bytelevel_trim.json"))
    tiny = build_tiny() if retrain else {}
    for name in TINY_NAMES:
        path = os.path.join(DATA, "tiny", name + ".json")
        if retrain:
            tiny[name].save(path)
        tok = Tokenizer.from_file(path)  # goldens from exactly what is committed
        decode_cases = None
        if name == "ctc_chars":
            v = tok.get_vocab()
            h, e, l, o, bar, pad = v["h"], v["e"], v["l"], v["o"], v["|"], v["<pad>"]
            decode_cases = [[h, h, e, l, l, pad, l, o, o, bar, bar, h, e, pad, pad],
                            [pad, h, pad, bar, e, e, e, bar, l, pad, l]]
        if name == "bpe_prefix_splits":
            decode_cases = [[tok.token_to_id("<special>"), 5, 6, tok.token_to_id("<lstrip>"), 7]]
        goldens_for(name, tok, "tests/data/tokenizer/tiny/%s.json" % name, full=True, pairs=True,
                    decode_cases=decode_cases)


if __name__ == "__main__":
    main()
