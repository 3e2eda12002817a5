"""Talking to a transparency log over HTTP: the client side of ``verify --online`` and ``witness run``.

An adapter, like ``store``: the trust core stays pure (no network), and the CLI stays thin. Nothing a log
serves is believed until it is verified against the pinned trust root.
"""

from qualbridge.remote.log_client import LogClient, check_base_url, connect

__all__ = ["LogClient", "check_base_url", "connect"]
