"""The demo's two log witnesses: deterministic keys anyone can derive, for `make demo` and the tests.

Their seeds are public (below), so their cosignatures prove nothing: the service accepts them only
outside production (``settings.py`` refuses them there), and a real deployment configures the vkeys
of witnesses run by other organizations (``qualbridge witness``).
"""

from __future__ import annotations

import hashlib
from typing import Final

from qualbridge.trust.keys import SigningKey
from qualbridge.trust.note import COSIGNATURE_V1, NoteSigner

NAMES: Final = ("witness1.demo.qualbridge.localhost", "witness2.demo.qualbridge.localhost")


def signer(name: str) -> NoteSigner:
    """The demo witness ``name``'s cosigning key (seed: SHA-256 of ``qualbridge demo witness <name>``)."""
    if name not in NAMES:
        raise ValueError(f"{name!r} is not a demo witness")
    seed = hashlib.sha256(f"qualbridge demo witness {name}".encode()).digest()
    return NoteSigner(name, SigningKey.from_seed(seed), COSIGNATURE_V1)


def vkeys() -> tuple[str, ...]:
    return tuple(signer(name).verifier.vkey for name in NAMES)
