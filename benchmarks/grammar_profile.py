"""Flag rates of a grammar backend on LanguageTool-clean texts and on parallel-decoding corruptions.

    PYTHONPATH=src python benchmarks/grammar_profile.py [--backend harper-profile]
        [--seed 0 | --seeds 0,1,2,3,4] [--shared ../shared] [--show-misses] [--show-flagged]

* clean: the texts the reference kept because LanguageTool found zero problems (the official
  SAMSum dialogues and paraphrase sources, ``<shared>/official/test/paraphrase_summarize``);
  target: at most 5% flagged. Held out (never tuned on), shown for the same rate: the official
  ChatGPT paraphrases, the SAMSum reference summaries and ``sentences.txt``.
* corrupted: ``parallelbench.metrics.corruptions.corrupt_corpus`` over clean sentences
  (``sentences.txt`` when present, plus the package's own sentences); target: at least 90%.
* held-out corrupted: the same generator over the sentences of the held-out texts that the
  backend accepts (so every flag comes from the corruption), a check that the rules were not
  fitted to the tuning sentences.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from parallelbench.metrics import get_grammar_checker
from parallelbench.metrics.corruptions import KINDS, corrupt_corpus
from parallelbench.metrics.grammar_corpora import (clean_sentences, held_out_texts,
                                                   official_clean_texts, split_sentences)


def _rate(checker, texts: list[str], show: bool, label: str) -> int:
    flagged = [t for t in texts if not checker.check(t)]
    for text in flagged if show else []:
        print(f"  flagged {label}: {text[:160]!r}")
    return len(flagged)


def _corruption_rates(checker, sentences: list[str], seed: int, show: bool) -> tuple[int, int, str]:
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for item in corrupt_corpus(sentences, seed=seed):
        hit = not checker.check(item.text)
        by_kind[item.kind].append(hit)
        if show and not hit:
            print(f"  missed {item.kind:9} {item.text}")
    parts = [f"{k} {sum(by_kind[k])}/{len(by_kind[k])}" for k in KINDS if by_kind[k]]
    hits = sum(sum(h) for h in by_kind.values())
    return hits, sum(len(h) for h in by_kind.values()), ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="harper-profile")
    ap.add_argument("--seed", type=int, default=None, help="one corpus seed (default 0)")
    ap.add_argument("--seeds", default=None, help="comma-separated corpus seeds, e.g. 0,1,2,3,4")
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--show-flagged", action="store_true", help="print flagged clean texts")
    args = ap.parse_args(argv)
    seeds = ([int(s) for s in args.seeds.split(",")] if args.seeds
             else [args.seed if args.seed is not None else 0])
    checker = get_grammar_checker(args.backend)
    official = Path(args.shared) / "official"
    print(f"backend {checker.name}")
    clean, held = official_clean_texts(official), held_out_texts(official)
    if clean:
        bad = total = 0
        for name, texts in clean.items():
            n = _rate(checker, texts, args.show_flagged, name)
            bad, total = bad + n, total + len(texts)
            print(f"clean {name:22} {n:4d}/{len(texts):4d} flagged = {n / len(texts):6.1%}")
        print(f"CLEAN (LanguageTool-clean, target <= 5%): {bad}/{total} = {bad / total:.1%}")
        for name, texts in held.items():
            n = _rate(checker, texts, args.show_flagged, name)
            print(f"  held-out clean {name:20} {n:4d}/{len(texts):4d} = {n / len(texts):6.1%}")
    else:
        print(f"no official files under {official}: clean rates not measured")
    sentences = clean_sentences(official)
    held_sentences = [s for texts in held.values() for t in texts for s in split_sentences(t)
                      if s not in sentences]
    held_sentences = [s for s in dict.fromkeys(held_sentences) if checker.check(s)]
    for seed in seeds:
        hits, n, parts = _corruption_rates(checker, sentences, seed, args.show_misses)
        print(f"CORRUPTED (target >= 90%) seed {seed}: {hits}/{n} = {hits / n:.1%}  ({parts})")
        if held_sentences:
            hits, n, parts = _corruption_rates(checker, held_sentences, seed, args.show_misses)
            print(f"  held-out corrupted seed {seed}: {hits}/{n} = {hits / n:.1%}  "
                  f"({len(held_sentences)} accepted held-out sentences; {parts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
