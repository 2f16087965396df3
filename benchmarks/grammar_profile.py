"""Flag rates of a grammar backend on LanguageTool-clean texts and on parallel-decoding corruptions.

    PYTHONPATH=src python benchmarks/grammar_profile.py [--backend harper-profile] [--seed 0]
        [--shared ../shared] [--show-misses]

* clean: the texts the reference kept because LanguageTool found zero problems (the official
  SAMSum dialogues and paraphrase sources, ``<shared>/official/test/paraphrase_summarize``);
  target: at most 5% flagged. Also shown, not targeted: other clean text (the official
  ChatGPT paraphrases, SAMSum reference summaries, ``sentences.txt``).
* corrupted: ``parallelbench.metrics.corruptions.corrupt_corpus`` over clean sentences
  (``sentences.txt`` when present, plus the package's own smoke sentences); target: at least 90%.
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

from parallelbench.metrics import get_grammar_checker
from parallelbench.metrics.corruptions import corrupt_corpus
from parallelbench.metrics.grammar_corpora import clean_sentences, official_clean_texts


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="harper-profile")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args(argv)
    checker = get_grammar_checker(args.backend)
    official = Path(args.shared) / "official"
    print(f"backend {checker.name}")
    clean = official_clean_texts(official)
    if clean:
        for name, texts in clean.items():
            flagged = [t for t in texts if not checker.check(t)]
            print(f"clean {name:22} {len(flagged):4d}/{len(texts):4d} flagged = "
                  f"{len(flagged) / len(texts):6.1%}")
        total = sum(len(t) for t in clean.values())
        bad = sum(1 for texts in clean.values() for t in texts if not checker.check(t))
        print(f"CLEAN (LanguageTool-clean, target <= 5%): {bad}/{total} = {bad / total:.1%}")
        src = official / "test" / "paraphrase_summarize"
        extra = {"chatgpt paraphrases": [p for r in _rows(src / "chatgpt-paraphrases.jsonl")
                                         for p in ast.literal_eval(r["answer"]["examples"])],
                 "samsum summaries": [r["answer"]["summary"] for r in _rows(src / "samsum.jsonl")],
                 "sentences.txt": clean_sentences(official, package=False)}
        for name, texts in extra.items():
            n = sum(1 for t in texts if not checker.check(t))
            print(f"  other clean {name:20} {n:4d}/{len(texts):4d} = {n / len(texts):6.1%}")
    else:
        print(f"no official files under {official}: clean rate not measured")
    corpus = corrupt_corpus(clean_sentences(official), seed=args.seed)
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for item in corpus:
        hit = not checker.check(item.text)
        by_kind[item.kind].append(hit)
        if args.show_misses and not hit:
            print(f"  missed {item.kind:9} {item.text}")
    for kind, hits in by_kind.items():
        print(f"corrupted {kind:10} {sum(hits):4d}/{len(hits):4d} flagged = {sum(hits) / len(hits):6.1%}")
    flagged = sum(sum(h) for h in by_kind.values())
    print(f"CORRUPTED (target >= 90%): {flagged}/{len(corpus)} = {flagged / len(corpus):.1%} "
          f"(seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
