"""Lazy package exports (PEP 562), so that importing a package stays cheap.

A package ``__init__`` declares which submodule defines each public name; the submodule (and
its heavy dependencies: torch, pandas, ...) is imported on first attribute access only::

    from .._lazy import lazy_exports
    __getattr__, __dir__, __all__ = lazy_exports(__name__, {
        ".analysis": ["analyse", "format_report"],
        ".closed_forms": ["closed_forms:"],   # "name:" = the submodule itself
    })
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Iterable, Mapping


def lazy_exports(package: str, exports: Mapping[str, Iterable[str]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for ``package``. ``exports`` maps a relative module
    (``".analysis"``) to the names it defines; a name ending in ``:`` is the module itself."""
    where: dict[str, tuple[str, str | None]] = {}
    for module, names in exports.items():
        for name in names:
            if name.endswith(":"):
                where[name[:-1]] = (module, None)
            else:
                where[name] = (module, name)
    public = sorted(where)

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, attr = where[name]
        module = importlib.import_module(module_name, package)
        value = module if attr is None else getattr(module, attr)
        import sys
        setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return public

    return __getattr__, __dir__, public
