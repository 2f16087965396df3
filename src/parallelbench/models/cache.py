"""On-disk response cache for the API backends, so a re-run does not pay twice.

One JSON file per response, named by the SHA-256 of (backend, endpoint, model, messages,
generation settings). Only successful responses are stored. Writes are atomic (temporary file +
rename) so concurrent threads or processes never read half a file.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .base import Generation, stable_hash

log = logging.getLogger("parallelbench.models")

#: Environment variable naming the root cache folder (the API cache is its ``api`` sub-folder).
CACHE_ENV = "PARALLELBENCH_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$PARALLELBENCH_CACHE_DIR/api`` when set, else ``~/.cache/parallelbench/api``."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "parallelbench"
    return base / "api"


class ResponseCache:
    """A content-addressed store of ``Generation`` results."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory).expanduser() if directory else default_cache_dir()
        if self.directory.exists() and not self.directory.is_dir():
            raise ConfigError(f"cache directory {self.directory} exists and is not a folder")

    @staticmethod
    def key(fields: dict[str, Any]) -> str:
        """The cache key of a request description (never include secrets in ``fields``)."""
        return stable_hash(fields)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Generation | None:
        """The stored generation for ``key`` (with ``cached=True``), or ``None``."""
        path = self._path(key)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            result = Generation(**record["generation"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError) as exc:
            # A corrupt entry is a miss, not a failure: the request is simply paid again.
            log.warning("ignoring unreadable cache entry %s (%s)", path, type(exc).__name__)
            return None
        result.cached = True
        return result

    def put(self, key: str, generation: Generation, fields: dict[str, Any]) -> None:
        """Store a successful generation; failures to write are logged, never raised."""
        if generation.error:
            return
        record = {"key_fields": fields, "generation": {**generation.to_dict(), "cached": False}}
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(record, handle, ensure_ascii=False, default=str)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not write cache entry %s: %s", path, exc)

    def count(self) -> int:
        """Number of stored responses."""
        return sum(1 for _ in self.directory.glob("*/*.json")) if self.directory.exists() else 0
