"""Per strategy: parity cases passed / run against the references, with default settings.

Runs the cases of tests/decoding/test_reference_parity.py (tiny random-init LLaDA and Dream
checkpoints built from ../shared/upstream, the upstream Fast-dLLM and Dream loops, and
re-statements of the ParallelBench, PC-Sampler and EB-Sampler loops). A case passes when tokens,
decoding order and NFE all agree. Two diagnostic columns show that the cases can tell the
settings apart: how many cases the ``variant='corrected'`` and ``confidence_dtype='float32'``
settings change. About 1 minute on 2 cores. Usage::

    python benchmarks/reference_parity.py            # Markdown table on stdout
"""
from __future__ import annotations

import collections
import sys
import warnings
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests" / "decoding"


def main() -> int:
    sys.path.insert(0, str(TESTS))
    import reference_kit as kit

    if not kit.available():
        print("reference_parity: ../shared/upstream is not present", file=sys.stderr)
        return 2
    import reference_cases as rc
    from reference_cases_restated import all_cases
    from parallelbench.decoding import corrected_variants

    warnings.filterwarnings("ignore")
    cases = all_cases()
    decode = rc.decode
    corrected = corrected_variants()

    def count(extra) -> collections.Counter:
        def patched(model, prompt, **cfg):
            return decode(model, prompt, **{**cfg, **extra(cfg)})

        rc.decode = patched
        try:
            return collections.Counter(c.strategy for c in cases if extra({"strategy": c.strategy}) is not None
                                       and c.passes())
        finally:
            rc.decode = decode

    runs = collections.Counter(c.strategy for c in cases)
    sources = collections.defaultdict(set)
    for c in cases:
        sources[c.strategy].add(c.source)
    passed = count(lambda cfg: {})
    as_corrected = count(lambda cfg: {"variant": "corrected"} if cfg["strategy"] in corrected else None)
    as_float32 = count(lambda cfg: {"confidence_dtype": "float32"})
    print("| strategy | reference | default: passed / run | corrected variant: equal | float32: equal |")
    print("|---|---|---|---|---|")
    for name in sorted(runs):
        corr = f"{as_corrected[name]} / {runs[name]}" if name in corrected else "(none)"
        print(f"| `{name}` | {'; '.join(sorted(sources[name]))} | {passed[name]} / {runs[name]} | {corr} | "
              f"{as_float32[name]} / {runs[name]} |")
    total = sum(runs.values())
    print(f"\n{sum(passed.values())} / {total} cases pass with default settings.")
    return 0 if sum(passed.values()) == total else 1


if __name__ == "__main__":
    sys.exit(main())
