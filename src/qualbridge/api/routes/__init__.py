"""Routers of the API, one module per area; each route calls one use case."""
