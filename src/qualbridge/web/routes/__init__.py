"""The pages, one module per area; each module's ``router`` holds its routes."""

from __future__ import annotations

from fastapi import APIRouter

from qualbridge.web.routes import (
    auth,
    center,
    compare,
    downloads,
    evaluations,
    evidence,
    home,
    packages,
    products,
    profiles,
    users,
    verify,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    home.router,
    products.router,
    evidence.router,
    evaluations.router,
    packages.router,
    profiles.router,
    compare.router,
    center.router,
    downloads.router,
    users.router,
    verify.router,
)

#: Form posts that carry a file: they get the upload size limit instead of the small default.
UPLOAD_PATHS: tuple[str, ...] = products.UPLOAD_PATHS + verify.UPLOAD_PATHS
