"""Whether a run is comparable with the paper, and if not, why (issue 11, docs/runs.md).

A run is comparable when it measures what the paper measured: LanguageTool for grammar, real
BERTScore for paraphrase similarity, the official task files, reference-faithful decoding, every
sample of each task, greedy decoding and each task's own generation length. ``assess`` lists the
reasons a run is not; the manifest stores the verdict, ``results`` and the report print it first,
and ``run --require-comparable`` refuses to start when there is a reason.
"""
from __future__ import annotations

from typing import Any

__all__ = ["assess", "assess_planned", "format_section", "decoding_is_faithful"]


def decoding_is_faithful(strategy: str, decoding: dict[str, Any]) -> tuple[bool, str]:
    """Whether one unit's decoding configuration is the reference's, and if not, why
    (``parallelbench.decoding.is_reference_faithful`` judges it)."""
    from ..decoding import is_reference_faithful

    ok, reasons = is_reference_faithful({**decoding, "strategy": strategy})
    return ok, "; ".join(reasons)


def _grammar_reason(names: list[str]) -> str | None:
    others = [n for n in names if not n.startswith("languagetool")]
    return f"grammar backend {', '.join(others)} (paper: LanguageTool)" if others else None


def _similarity_reason(names: list[str]) -> str | None:
    others = [n for n in names if not (n.startswith("bertscore") and n.endswith("-roberta-large"))]
    if not others:
        return None
    chrf = " (paraphrase similarity is chrF, reported as chrf_score)" \
        if any(n.startswith("chrf") for n in others) else ""
    return f"similarity backend {', '.join(others)}{chrf} (paper: BERTScore, roberta-large)"


def _spec_reasons(spec: Any, units: list, sources: dict[str, str]) -> list[str]:
    reasons = []
    builtin = sorted(t for t, s in sources.items() if s != "official")
    if builtin:
        shown = ", ".join(builtin[:4]) + (f" (+{len(builtin) - 4})" if len(builtin) > 4 else "")
        reasons.append(f"built-in data instead of the official files: {shown}")
    variants = sorted({why for u in units for ok, why in [decoding_is_faithful(u.strategy, u.decoding)]
                       if not ok})
    if variants:
        reasons.append("corrected (non-reference) decoding: " + ", ".join(variants))
    if spec.limit is not None:
        reasons.append(f"subset of samples: limit={spec.limit}, sampling={spec.sampling}")
    temps = sorted({u.temperature for u in units if u.temperature})
    if temps:
        reasons.append(f"temperature {', '.join(map(str, temps))} (paper: greedy, 0)")
    if spec.max_tokens is not None:
        reasons.append(f"max_tokens={spec.max_tokens} instead of each task's length")
    return reasons


def assess(spec: Any, units: list, sources: dict[str, str],
           backends: dict[str, list[str]]) -> dict[str, Any]:
    """The verdict for a run: ``{"comparable": bool, "reasons": [...]}``. ``sources`` maps each
    task to its data source; ``backends`` holds the metric backends the records report."""
    reasons = _spec_reasons(spec, units, sources)
    for reason in (_grammar_reason(backends.get("grammar_backend", [])),
                   _similarity_reason(backends.get("similarity_backend", []))):
        if reason:
            reasons.append(reason)
    return {"comparable": not reasons, "reasons": reasons}


def assess_planned(spec: Any, units: list, source: Any,
                   planned: dict[str, str] | None = None) -> dict[str, Any]:
    """The verdict before anything runs: the backends are the ones the run will score with
    (``planned``, from ``rescore.planned_backends``; built here when not given)."""
    tasks = {u.task: source.load(u.task) for u in units}
    sources = {name: getattr(task, "source", "builtin") for name, task in tasks.items()}
    if planned is None:
        from .rescore import planned_backends

        planned = planned_backends(spec, units, source)
    backends = {key: [name] for key, name in planned.items()}
    return assess(spec, units, sources, backends)


def require_comparable(spec: Any, units: list, source: Any,
                       planned: dict[str, str] | None = None) -> None:
    """``--require-comparable``: ``ConfigError`` naming every reason the run would not be
    comparable with the paper (before anything runs or is written)."""
    from ..errors import ConfigError

    verdict = assess_planned(spec, units, source, planned)
    if not verdict["comparable"]:
        raise ConfigError("not comparable with the paper (--require-comparable): "
                          + "; ".join(verdict["reasons"]))


def format_section(verdict: dict[str, Any] | None) -> str:
    """The short text section shown at the top of ``results`` and the report."""
    if not verdict:
        return "Comparable with the paper: unknown (run recorded before this check existed)"
    if verdict.get("comparable") is None:  # e.g. imported results: their settings are not known
        return "Comparable with the paper: unknown\n" + "\n".join(f"- {r}" for r in verdict["reasons"])
    if verdict.get("comparable"):
        return "Comparable with the paper: yes"
    return "Comparable with the paper: NO\n" + "\n".join(f"- {r}" for r in verdict["reasons"])
