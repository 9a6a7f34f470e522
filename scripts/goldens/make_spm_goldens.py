#!/usr/bin/env python3
"""Goldens for loom's SentencePiece .model loader and for the default model's GGUF tokenizer.

Rerun from the repository root:
    python3 scripts/goldens/make_spm_goldens.py                 # goldens from the committed models
    python3 scripts/goldens/make_spm_goldens.py --train-models  # first retrain the models (needs spm_train)
    python3 scripts/goldens/make_spm_goldens.py --spm-only      # only part 1 (no transformers needed)

1. SentencePiece: ids from libsentencepiece (PyPI `sentencepiece`, SentencePieceProcessor.encode, which is what
   `spm_encode --output_format=id` prints) for CORPUS, for tests/data/upstream/sentencepiece/test_model.model and the
   models in tests/data/spm/, trained on botchan.txt with the spm_train commands in TRAIN_COMMANDS.
   -> tests/data/spm/spm_goldens.json
2. SmolLM2-135M-Instruct (GGUF, tokenizer.ggml.pre = "smollm"): ids from Hugging Face `tokenizers` running the
   pipeline of SmolLM2's own tokenizer.json (no normalizer; pre-tokenizer Sequence[Digits(individual_digits),
   ByteLevel(add_prefix_space=False, use_regex=True)]; BPE with the GGUF's vocabulary and merges; control tokens
   as special added tokens). transformers' GGUF loader (AutoTokenizer.from_pretrained(dir, gguf_file=...)) is run
   too: it has no "smollm" entry and uses plain ByteLevel (no digit split); the script reports where the two
   differ (SmolLM2's vocabulary has no multi-digit tokens, so they should agree).
   -> tests/data/spm/smollm2_goldens.json   (skipped when models/SmolLM2-135M-Instruct.Q4_1.gguf is absent:
   run scripts/fetch_default_model.sh first)
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(ROOT, "tests", "data", "upstream")
OUT_DIR = os.path.join(ROOT, "tests", "data", "spm")
BOTCHAN = os.path.join(SHARED, "sentencepiece", "botchan.txt")

COMMON = "--vocab_size=1000 --num_threads=1 --minloglevel=2"
TRAIN_COMMANDS = {
    "unigram_1000_identity": "--model_type=unigram --normalization_rule_name=identity",
    "unigram_1000_bytefb_userdef_identity": "--model_type=unigram --byte_fallback=true "
    "--user_defined_symbols=<sep>,[MASK],<sep2> --normalization_rule_name=identity",
    "bpe_1000_identity_keepspaces": "--model_type=bpe --normalization_rule_name=identity "
    "--remove_extra_whitespaces=false",
    "bpe_1000_bytefb_nfkc": "--model_type=bpe --byte_fallback=true",  # default nmt_nfkc: a precompiled charsmap
}

# Tricky text: spaces (leading, trailing, runs), tabs/newlines, digits, scripts, emoji with ZWJ, full-width and
# compatibility characters (NFKC folds them), characters outside every vocabulary, user-defined symbols.
# No "<s>", "</s>", "<unk>": loom (like HF) matches control pieces in text, SentencePiece does not.
CORPUS = [
    "", " ", "  ", "    ", "\n", "Hello world", " leading space", "trailing space ", "multiple   spaces   inside  ",
    "a  b   c    d", "tabs\tand\nnewlines\r\nhere", "digits 1234567890 and 3.14159", "ünïcödé façade naïve résumé",
    "日本語のテキスト", "한국어 텍스트", "Россия и Україна", "emoji 🚀😶\u200d🌫️ end", "full-width ＡＢＣ１２３！",
    "ligature ﬁ and ① ² Ⅻ ㎏", "NBSP\u00a0here", "zero\u200bwidth", "unknown chars: ☃ ⚡ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\u0000 control \u0007 bell", "<sep>between[MASK]words<sep2> and <sep>", "I'm sure they'll say it's fine, don't you?",
    "e\u0301 combining", "ﾊﾝｶｸ halfwidth", "\u3000ideographic space\u3000", "x" * 200, "▁already▁escaped",
    'The boy said, "What\'s the matter?"', "Parents always spoil their children.",
    "It was about eleven o'clock when I arrived.",
]

SMOLLM2_CORPUS = [
    "", " ", "Hello world", "Hello, world! 1234567890", " 12 345 6789 x1y22z333", "  leading and trailing  ",
    "tabs\tand\nnewlines\r\n\n\nend", "ünïcödé façade naïve", "日本語のテキスト", "emoji 🚀😶\u200d🌫️ end",
    "def f(x):\n    return x ** 2  # comment\n", "I'm sure they'll say it's fine, don't you think?",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", "<|endoftext|>text<|endoftext|>",
    "Price: $1,234.56 (3.5%)", "ｆｕｌｌ－ｗｉｄｔｈ", "\u00a0nbsp\u3000ideographic", "Ⅻ ½ ² ①",
]


def train_models():
    for name, flags in TRAIN_COMMANDS.items():
        cmd = f"spm_train --input={BOTCHAN} --model_prefix={os.path.join(OUT_DIR, name)} {COMMON} {flags}"
        print("+", cmd)
        subprocess.run(shlex.split(cmd), check=True)
        os.remove(os.path.join(OUT_DIR, name + ".vocab"))


def decode_cases(sp):
    """Id lists around <unk>, control pieces and the dummy prefix, with what sentencepiece decodes them to."""
    unk, bos, eos = sp.unk_id(), sp.bos_id(), sp.eos_id()
    word = next(i for i in range(sp.get_piece_size()) if sp.id_to_piece(i).startswith("\u2581")
                and len(sp.id_to_piece(i)) > 1 and not sp.is_control(i) and not sp.is_unknown(i))
    space = next((i for i in range(sp.get_piece_size()) if sp.id_to_piece(i) == "\u2581"), word)
    lists = [[unk], [unk, word], [word, unk], [word, unk, word], [unk, unk, word], [bos, unk, word, eos],
             [bos, word, eos], [space, word], [space, unk], [eos, space, space, word]]
    byte_a = sp.piece_to_id("<0x41>")
    if sp.is_byte(byte_a):  # byte fallback: byte pieces first, and an invalid byte
        byte_space, byte_ff = sp.piece_to_id("<0x20>"), sp.piece_to_id("<0xFF>")
        lists += [[byte_a, word], [byte_space, word], [bos, byte_space, space, word], [byte_ff, word, byte_ff]]
    user_defined = [sp.piece_to_id(p) for p in ("<sep>", "[MASK]", "<sep2>") if sp.piece_to_id(p) != unk]
    if user_defined:  # --user_defined_symbols: printed as they are, around pieces and <unk>
        lists += [user_defined + [word], [word] + user_defined + [word], user_defined[-1:] + [unk] + user_defined[:1]]
    return [{"ids": i, "text": sp.decode(i)} for i in lists]


def spm_goldens():
    import sentencepiece as spm

    models = {"test_model": "tests/data/upstream/sentencepiece/test_model.model"}
    for name in TRAIN_COMMANDS:
        models[name] = f"tests/data/spm/{name}.model"
    out = {"generator": "scripts/goldens/make_spm_goldens.py", "sentencepiece": spm.__version__,
           "train_commands": {n: f"spm_train --input=botchan.txt --model_prefix={n} {COMMON} {f}"
                              for n, f in TRAIN_COMMANDS.items()},
           "corpus": CORPUS, "models": {}}
    for name, rel in models.items():
        sp = spm.SentencePieceProcessor(model_file=os.path.join(ROOT, rel))
        ids = [sp.encode(t) for t in CORPUS]
        # SentencePieceProcessor.decode of every text's ids, <unk> (" ⁇ ") and leading "▁" pieces included: a bare
        # .model decodes as sentencepiece does (loom's LoomSentencePiece decoder).
        decoded = [sp.decode(i) for i in ids]
        out["models"][name] = {"path": rel, "ids": ids, "decoded": decoded,
                               "decode_cases": decode_cases(sp)}
    with open(os.path.join(OUT_DIR, "spm_goldens.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
    print("wrote tests/data/spm/spm_goldens.json:", len(models), "models x", len(CORPUS), "texts")


def gguf_tokenizer_fields(path):
    import gguf

    reader = gguf.GGUFReader(path)

    def get(key):
        field = reader.fields.get(key)
        if field is None:
            return None
        if field.types[0] == gguf.GGUFValueType.ARRAY:
            if field.types[-1] == gguf.GGUFValueType.STRING:
                return [bytes(field.parts[i]).decode("utf-8") for i in field.data]
            return [field.parts[i].tolist()[0] for i in field.data]
        return field.parts[field.data[0]].tolist()[0]

    return get("tokenizer.ggml.tokens"), get("tokenizer.ggml.merges"), get("tokenizer.ggml.token_type")


def smollm2_goldens():
    from tokenizers import Tokenizer

    gguf_path = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.exists(gguf_path):
        print("skip SmolLM2 goldens: run scripts/fetch_default_model.sh first")
        return
    tokens, merges, types = gguf_tokenizer_fields(gguf_path)
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
              "special": True} for i, (t, ty) in enumerate(zip(tokens, types)) if ty == 3]
    pipeline = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)}, "merges": merges},
    }
    tok = Tokenizer.from_str(json.dumps(pipeline))
    ids = [tok.encode(t, add_special_tokens=False).ids for t in SMOLLM2_CORPUS]
    decoded = [tok.decode(i, skip_special_tokens=False) for i in ids]

    agree = None
    try:
        from transformers import AutoTokenizer

        hf = AutoTokenizer.from_pretrained(os.path.dirname(gguf_path), gguf_file=os.path.basename(gguf_path))
        hf_ids = [hf.encode(t, add_special_tokens=False) for t in SMOLLM2_CORPUS]
        agree = sum(a == b for a, b in zip(ids, hf_ids))
        for t, a, b in zip(SMOLLM2_CORPUS, ids, hf_ids):
            if a != b:
                print("  transformers' GGUF loader differs on", repr(t), a, b)
        print(f"transformers GGUF loader agrees on {agree}/{len(ids)} texts")
    except Exception as e:  # transformers absent or without GGUF support: say so, keep the goldens
        print("transformers GGUF loading unavailable:", e)
    out = {"generator": "scripts/goldens/make_spm_goldens.py", "gguf": "models/SmolLM2-135M-Instruct.Q4_1.gguf",
           "reference": "HF tokenizers with SmolLM2's tokenizer.json pipeline over the GGUF vocabulary",
           "transformers_gguf_agreement": agree, "corpus": SMOLLM2_CORPUS, "ids": ids, "decoded": decoded}
    with open(os.path.join(OUT_DIR, "smollm2_goldens.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
    print("wrote tests/data/spm/smollm2_goldens.json:", len(ids), "texts")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-models", action="store_true", help="retrain tests/data/spm/*.model first")
    parser.add_argument("--spm-only", action="store_true", help="only tests/data/spm/spm_goldens.json")
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.train_models:
        train_models()
    spm_goldens()
    if not args.spm_only:
        smollm2_goldens()
    return 0


if __name__ == "__main__":
    sys.exit(main())
