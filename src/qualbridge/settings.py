"""Typed settings of the service, read from ``QUALBRIDGE_*`` environment variables.

    QUALBRIDGE_MODE              development (default) or production
    QUALBRIDGE_DATABASE_URL      sqlite:///./var/qualbridge.db (default) or postgresql+psycopg://...
    QUALBRIDGE_BLOB_DIR          ./var/blobs: where raw files are kept, content-addressed
    QUALBRIDGE_MAX_UPLOAD_BYTES  largest accepted upload (a raw file plus its multipart envelope)
    QUALBRIDGE_MAX_BODY_BYTES    largest accepted body of any other request
    QUALBRIDGE_SECRET_KEY        signs web sessions; required, at least 32 characters, in production
    QUALBRIDGE_TOKEN_TTL_DAYS    lifetime of a new API token unless the request asks for less
    QUALBRIDGE_DB_POOL_SIZE      database connections per worker process
    QUALBRIDGE_TOKEN_CACHE_SECONDS  how long a worker trusts a verified API token before looking it up
                                 again (default 5; 0: every request looks it up)

Settings are built once, at start-up, and never read from the environment again; nothing in QualBridge
creates an engine or opens a file when imported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from qualbridge.errors import InputError, at

Mode = Literal["development", "production"]

#: The development secret: fine on a laptop, refused in production.
DEVELOPMENT_SECRET = "qualbridge-development-secret-do-not-deploy"

MIB = 1 << 20
_PREFIX = "QUALBRIDGE_"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Mode = "development"
    database_url: str = Field(default="sqlite:///./var/qualbridge.db", min_length=1)
    blob_dir: Path = Path("./var/blobs")
    max_upload_bytes: int = Field(default=64 * MIB, ge=1024)
    max_body_bytes: int = Field(default=1 * MIB, ge=1024)
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    token_ttl_days: int = Field(default=90, ge=1, le=3650)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    token_cache_seconds: float = Field(default=5.0, ge=0, le=300)

    @model_validator(mode="after")
    def _production_secret(self) -> Settings:
        if self.mode == "production":
            secret = self.secret_key.get_secret_value()
            if secret == DEVELOPMENT_SECRET or len(secret) < 32:
                raise ValueError(
                    "QUALBRIDGE_SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production"
                )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``QUALBRIDGE_*`` variables; explicit ``overrides`` (e.g. CLI options) win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            name: env[_PREFIX + name.upper()] for name in cls.model_fields if _PREFIX + name.upper() in env
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else None
            variable = _PREFIX + name.upper() if name else None
            raise InputError(first["msg"], at(field=variable)) from exc
