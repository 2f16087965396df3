"""Tables over a results store: the per-configuration summary and flat exports."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ParallelBenchError

# Columns of the flat export (metrics are added as ``metric.<name>``).
FLAT_COLUMNS = ("key", "unit", "model", "task", "category", "op", "index", "strategy", "label",
                "max_tokens", "temperature", "seed", "prompt_hash", "output", "score", "score_strict",
                "nfe", "tokens_per_step", "tokens_per_second", "output_tokens", "wall_time", "latency",
                "cache", "device", "dtype")


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per record with flat columns, ``metric.*`` columns and the setting's parameters
    as ``param.*`` columns."""
    rows = []
    for rec in records:
        row = {c: rec.get(c) for c in FLAT_COLUMNS}
        for k, v in (rec.get("metrics") or {}).items():
            if isinstance(v, (int, float, str, bool)) or v is None:
                row[f"metric.{k}"] = v
        for k, v in (rec.get("setting") or {}).items():
            row[f"param.{k}"] = v
        row["order"] = " ".join(map(str, rec.get("order") or []))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=None if rows else list(FLAT_COLUMNS))
    for col in ("score", "score_strict", "nfe", "tokens_per_step", "tokens_per_second", "wall_time"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


def summary_frame(records: list[dict[str, Any]], errors: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """Per model x task x strategy x setting: samples, mean score and strict score (percent),
    tokens per step, tokens per second, NFE, wall time per sample, and failed samples."""
    frame = records_frame(records)
    keys = ["model", "task", "strategy", "label"]
    cols = keys + ["n", "score", "score_strict", "tokens_per_step", "tokens_per_s", "nfe", "time_s", "errors"]
    if frame.empty and not errors:
        return pd.DataFrame(columns=cols)
    if frame.empty:
        table = pd.DataFrame(columns=keys + cols[4:-1])
    else:
        g = frame.groupby(keys, sort=False, dropna=False)
        table = pd.DataFrame({
            "n": g.size(),
            "score": g["score"].mean() * 100,
            "score_strict": g["score_strict"].mean() * 100,
            "tokens_per_step": g["tokens_per_step"].mean(),
            "tokens_per_s": g["tokens_per_second"].mean(),
            "nfe": g["nfe"].mean(),
            "time_s": g["wall_time"].mean(),
        }).reset_index()
    err = pd.DataFrame([{k: e.get(k) for k in keys} for e in errors or []], columns=keys)
    if len(err):
        counts = err.groupby(keys, dropna=False).size().rename("errors").reset_index()
        table = table.merge(counts, on=keys, how="outer")
    else:
        table["errors"] = 0
    table["errors"] = table["errors"].fillna(0).astype(int)
    table["n"] = table["n"].fillna(0).astype(int)
    table = table.sort_values(["model", "task", "strategy", "tokens_per_step", "label"], kind="stable")
    return table[cols].reset_index(drop=True)


def format_table(table: pd.DataFrame) -> str:
    """A fixed-width text rendering of a summary table."""
    if table.empty:
        return "(no records)"
    show = table.copy()
    if show["model"].nunique() == 1:
        show = show.drop(columns=["model"])
    return show.to_string(index=False, float_format=lambda x: f"{x:.2f}", na_rep="-")


def export(records: list[dict[str, Any]], directory: str | Path, formats: tuple[str, ...] = ("csv", "parquet")) -> list[Path]:
    """Write ``records.csv`` and/or ``records.parquet``; returns the files written. Parquet is
    skipped (not an error) when pyarrow is missing unless it is the only format asked for."""
    directory = Path(directory)
    frame = records_frame(records)
    written = []
    for fmt in formats:
        if fmt == "csv":
            path = directory / "records.csv"
            frame.to_csv(path, index=False)
        elif fmt == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                if formats == ("parquet",):
                    raise ParallelBenchError("Parquet export needs pyarrow (pip install pyarrow)") from None
                continue
            path = directory / "records.parquet"
            frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object}).to_parquet(path, index=False)
        else:
            raise ParallelBenchError(f"unknown export format {fmt!r} (csv or parquet)")
        written.append(path)
    return written
