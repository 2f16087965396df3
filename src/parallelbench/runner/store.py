"""The results store: one directory per run, plain documented files.

Layout (see docs/runs.md):

* ``manifest.json``  - the full sweep config, versions, seeds, backends, git commit, history;
* ``records.jsonl``  - one JSON object per finished sample, append-only, one line per sample key;
* ``errors.jsonl``   - samples whose generation failed (message kept; retried on the next run);
* ``records.csv`` / ``records.parquet`` - flat exports for analysis, rewritten after each run.

Crash safety: each batch of records is appended with one ``write`` followed by flush and fsync,
so a ``kill -9`` can at worst leave a torn *last* line. Opening the store detects such a line,
cuts the file back to the last complete record and lets the run redo that sample. Records are
keyed by content, so nothing is written twice.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import DataError, ParallelBenchError

try:  # POSIX advisory lock: two runs must not append to the same store at once
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

RECORDS = "records.jsonl"
ERRORS = "errors.jsonl"
MANIFEST = "manifest.json"
STORE_FILES = frozenset({MANIFEST, RECORDS, ERRORS, "records.csv", "records.parquet", ".lock",
                         MANIFEST + ".tmp"})


def check_target(path: str | Path) -> Path:
    """``path`` can hold a results store: an existing store, an empty folder, or a path where a
    folder can be made; never a file, nor a folder of other files (a task folder, a checkout),
    which a store would litter. Creates nothing."""
    from ..userfiles import output_dir

    p = output_dir(path, "results directory")
    if p.is_dir() and not (p / RECORDS).exists() and not (p / MANIFEST).exists():
        others = sorted(e.name for e in p.iterdir() if e.name not in STORE_FILES)
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            raise DataError(f"{str(p)!r} is not a results directory but holds other files ({shown}); "
                            "give a new or empty folder")
    return p


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def _read_jsonl(path: Path, repair: bool) -> tuple[list[dict[str, Any]], int]:
    """Parse a JSONL file; returns (objects, number of torn tail bytes cut).

    A last line that is incomplete (no newline) or unparsable is a torn write; with ``repair``
    the file is truncated to the end of the last good line. A bad line elsewhere is corruption
    that this store never produces, so it is reported instead of silently skipped."""
    if not path.exists():
        return [], 0
    data = path.read_bytes()
    out: list[dict[str, Any]] = []
    pos = 0
    lines = data.split(b"\n")
    for i, raw in enumerate(lines):
        last = i == len(lines) - 1
        if last and raw == b"":
            break
        complete = not last  # the final chunk has no trailing newline
        try:
            obj = json.loads(raw.decode("utf-8")) if complete else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            obj = None
        if obj is None or not isinstance(obj, dict):
            if not raw.strip() and complete:
                pos += len(raw) + 1
                continue
            if i >= len(lines) - 2:  # the torn tail (with or without its newline)
                cut = len(data) - pos
                if repair:
                    with open(path, "r+b") as fh:
                        fh.truncate(pos)
                return out, cut
            raise DataError(f"{path}: line {i + 1} is not valid JSON (file corrupted outside a run?)")
        out.append(obj)
        pos += len(raw) + 1
    return out, 0


class ResultsStore:
    """Append-only, content-addressed store of per-sample records under one directory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock_fh = None
        self._keys: set[str] = set()
        self.repaired_bytes = 0

    # -- opening -----------------------------------------------------------------------------
    def open(self, write: bool = True) -> "ResultsStore":
        """Load the existing records; with ``write`` create the directory, take the lock and
        repair a torn last line."""
        if write:
            check_target(self.path)
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ParallelBenchError(f"cannot create results directory {str(self.path)!r}: {exc}") from None
            self._lock()
        elif not (self.path / RECORDS).exists() and not (self.path / MANIFEST).exists():
            raise DataError(f"{str(self.path)!r} is not a results directory (no {RECORDS} or {MANIFEST})")
        records, cut = _read_jsonl(self.path / RECORDS, repair=write)
        _, cut_err = _read_jsonl(self.path / ERRORS, repair=write)
        self.repaired_bytes = cut + cut_err
        self._keys = {r["key"] for r in records if "key" in r}
        return self

    def load(self) -> "ResultsStore":
        """Read the stored keys without locking, repairing or creating anything (to plan and
        validate a run before it writes)."""
        records, _ = _read_jsonl(self.path / RECORDS, repair=False)
        self._keys = {r["key"] for r in records if "key" in r}
        return self

    def _lock(self) -> None:
        if fcntl is None:
            return
        fh = open(self.path / ".lock", "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise ParallelBenchError(f"another run is writing to {str(self.path)!r}; wait for it to finish") from None
        self._lock_fh = fh

    @property
    def is_open(self) -> bool:
        """Whether this store holds the write lock (``open(write=True)`` was called)."""
        return self._lock_fh is not None

    def close(self) -> None:
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    def __enter__(self) -> "ResultsStore":
        return self.open() if self._lock_fh is None else self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- records -----------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self._keys

    @property
    def num_records(self) -> int:
        return len(self._keys)

    def _append(self, name: str, objs: list[dict[str, Any]]) -> None:
        if not objs:
            return
        blob = "".join(_dumps(o) + "\n" for o in objs).encode("utf-8")
        with open(self.path / name, "ab") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())

    def add(self, records: Iterable[dict[str, Any]]) -> int:
        """Append records whose key is new; returns how many were written."""
        fresh = []
        for rec in records:
            if rec["key"] not in self._keys:
                self._keys.add(rec["key"])
                fresh.append(rec)
        self._append(RECORDS, fresh)
        return len(fresh)

    def add_errors(self, errors: Iterable[dict[str, Any]]) -> None:
        self._append(ERRORS, [e for e in errors if e["key"] not in self._keys])

    def records(self) -> list[dict[str, Any]]:
        """Every record, first occurrence of each key (the file never repeats one)."""
        seen: set[str] = set()
        out = []
        for rec in _read_jsonl(self.path / RECORDS, repair=False)[0]:
            if rec.get("key") not in seen:
                seen.add(rec.get("key"))
                out.append(rec)
        return out

    def errors(self) -> list[dict[str, Any]]:
        """The latest error of each sample that still has no record."""
        latest: dict[str, dict[str, Any]] = {}
        for err in _read_jsonl(self.path / ERRORS, repair=False)[0]:
            latest[err.get("key")] = err
        done = {r.get("key") for r in self.records()}
        return [e for k, e in latest.items() if k not in done]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())

    # -- manifest ----------------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        from ..userfiles import read_json

        p = self.path / MANIFEST
        if not p.exists():
            return {}
        manifest = read_json(p, "results manifest")
        if not isinstance(manifest, dict):
            raise DataError(f"{p}: expected a JSON object")
        return manifest

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Atomically replace the manifest (write to a temp file, then rename)."""
        tmp = self.path / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.path / MANIFEST)
