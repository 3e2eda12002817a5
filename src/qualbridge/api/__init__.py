"""The HTTP API (FastAPI): a thin edge over :mod:`qualbridge.services`."""

from qualbridge.api.app import create_app

__all__ = ["create_app"]
