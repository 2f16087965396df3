"""The one place that reads and checks the files a user names.

Sweep and generate configs, word files, task files under ``--data-dir``, predictions, results
manifests, output paths: every command goes through these helpers, so a missing file, a folder
given for a file, a permission problem, bytes that are not UTF-8, malformed YAML or JSON all end
as one ``DataError`` line naming the file (and the line where there is one), never a traceback.

JSONL is split on ``\\n`` only: ``str.splitlines`` would also split inside a JSON string at
U+2028, U+2029, form feeds and other characters that JSON allows unescaped.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from .errors import DataError


def _where(path: Path, what: str) -> str:
    return f"{what} {str(path)!r}"


def _decode_error(path: Path, what: str, data: bytes, exc: UnicodeDecodeError) -> DataError:
    line = data.count(b"\n", 0, exc.start) + 1
    byte = data[exc.start:exc.start + 1].hex()
    return DataError(f"{_where(path, what)} is not UTF-8 text (byte 0x{byte} on line {line}); "
                     f"save it as UTF-8")


def read_bytes(path: str | os.PathLike, what: str = "file") -> bytes:
    """The bytes of a user file, or a DataError saying why not."""
    p = Path(path).expanduser()
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{_where(p, what)} not found") from None
    except IsADirectoryError:
        raise DataError(f"{_where(p, what)} is a directory, not a file") from None
    except PermissionError:
        raise DataError(f"{_where(p, what)} cannot be read (permission denied)") from None
    except OSError as exc:
        raise DataError(f"{_where(p, what)} cannot be read: {exc.strerror or exc}") from None


def read_text(path: str | os.PathLike, what: str = "file") -> str:
    """A user file as UTF-8 text (a leading byte-order mark is dropped)."""
    p = Path(path).expanduser()
    data = read_bytes(p, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _decode_error(p, what, data, exc) from None


def read_yaml(path: str | os.PathLike, what: str = "YAML file") -> Any:
    """A parsed YAML file (``safe_load``)."""
    import yaml

    p = Path(path).expanduser()
    text = read_text(p, what)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataError(f"{_where(p, what)}: malformed YAML{at} ({problem})") from None


def read_json(path: str | os.PathLike, what: str = "JSON file") -> Any:
    p = Path(path).expanduser()
    text = read_text(p, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{_where(p, what)}: invalid JSON on line {exc.lineno} ({exc.msg})") from None


def read_jsonl(path: str | os.PathLike, what: str = "JSONL file") -> Iterator[tuple[int, Any]]:
    """``(line number, parsed object)`` for each non-blank line."""
    p = Path(path).expanduser()
    text = read_text(p, what)
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{p}:{lineno}: malformed JSON ({exc.msg})") from None


def read_lines(path: str | os.PathLike, what: str = "file") -> list[str]:
    """The lines of a text file (``\\n`` or ``\\r\\n`` endings)."""
    return [line.rstrip("\r") for line in read_text(path, what).split("\n")]


def output_file(path: str | os.PathLike, what: str = "output file") -> Path:
    """Check that ``path`` can be written as a file: its folder exists, it is not a folder."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise DataError(f"{_where(p, what)} is a directory; give a file name")
    parent = p.parent
    if not parent.is_dir():
        raise DataError(f"cannot write {_where(p, what)}: folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise DataError(f"cannot write {_where(p, what)} (permission denied)")
    return p


def output_dir(path: str | os.PathLike, what: str = "output folder") -> Path:
    """Check that ``path`` is, or can become, a folder (nothing is created here)."""
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise DataError(f"{_where(p, what)} exists and is not a folder")
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise DataError(f"cannot create {_where(p, what)}: {str(probe)!r} is a file")
    if probe.exists() and not os.access(probe, os.W_OK):
        raise DataError(f"cannot write {_where(p, what)} (permission denied)")
    return p


def make_dir(path: str | os.PathLike, what: str = "output folder") -> Path:
    """Create a folder (and its parents) after ``output_dir``'s checks."""
    p = output_dir(path, what)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create {_where(p, what)}: {exc.strerror or exc}") from None
    return p
