"""Check modules, one per area; each registers its checks with :func:`registry.check` on import."""

from __future__ import annotations

import importlib

_MODULES = ("declarations", "particles", "compressed_air", "chemical", "vacuum", "rga", "materials")


def ensure_loaded() -> None:
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}")
