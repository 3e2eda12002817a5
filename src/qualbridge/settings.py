"""Typed settings of the service, read from ``QUALBRIDGE_*`` environment variables.

    QUALBRIDGE_MODE              development (default) or production
    QUALBRIDGE_DATABASE_URL      sqlite:///./var/qualbridge.db (default) or postgresql+psycopg://...
    QUALBRIDGE_BLOB_DIR          ./var/blobs: where raw files are kept, content-addressed
    QUALBRIDGE_MAX_UPLOAD_BYTES  largest accepted upload (a raw file plus its multipart envelope)
    QUALBRIDGE_MAX_BODY_BYTES    largest accepted body of any other request
    QUALBRIDGE_SECRET_KEY        signs web sessions; required, at least 32 characters, in production
    QUALBRIDGE_TOKEN_TTL_DAYS    lifetime of a new API token unless the request asks for less
    QUALBRIDGE_DB_POOL_SIZE      database connections per worker process
    QUALBRIDGE_INGEST_SLOTS      uploads a worker process parses and stores at once (default 1); the
                                 others wait their turn without holding a thread
    QUALBRIDGE_TOKEN_CACHE_SECONDS  how long a worker trusts a verified API token before looking it up
                                 again (default 5; 0: every request looks it up)
    QUALBRIDGE_KEY_PASSPHRASE    encrypts the signing keys at rest; required, at least 16 characters, in
                                 production
    QUALBRIDGE_LOG_ORIGIN        the transparency log's origin line (and its key's name)
    QUALBRIDGE_CENTER_NAME       the center's name in signed statements and the trust root
    QUALBRIDGE_WITNESSES         witness vkeys (name+id+key), separated by spaces or commas; outside
                                 production the two demo witnesses by default, refused in production
    QUALBRIDGE_WITNESS_THRESHOLD how many of them must cosign a checkpoint a bundle is exported against
    QUALBRIDGE_KEY_VALIDITY_DAYS how long an organization's attestation key certificate runs

Settings are built once, at start-up, and never read from the environment again; nothing in QualBridge
creates an engine or opens a file when imported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.errors import InputError, NoteError, at
from qualbridge.trust.note import COSIGNATURE_V1, NoteVerifier, check_key_name

Mode = Literal["development", "production"]

#: The development secret: fine on a laptop, refused in production.
DEVELOPMENT_SECRET = "qualbridge-development-secret-do-not-deploy"
#: The development passphrase of the signing keys: refused in production, like the secret.
DEVELOPMENT_KEY_PASSPHRASE = "qualbridge-development-keys-do-not-deploy"

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
    ingest_slots: int = Field(default=1, ge=1, le=64)
    token_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    key_passphrase: SecretStr = SecretStr(DEVELOPMENT_KEY_PASSPHRASE)
    log_origin: str = Field(default="qualbridge.localhost/log", min_length=1, max_length=200)
    center_name: str = Field(default="center.qualbridge.localhost", min_length=1, max_length=200)
    witnesses: tuple[str, ...] = Field(default_factory=demo_witnesses.vkeys)
    witness_threshold: int = Field(default=2, ge=1)
    key_validity_days: int = Field(default=365, ge=1, le=3650)

    @field_validator("witnesses", mode="before")
    @classmethod
    def _split_witnesses(cls, value: object) -> object:
        return tuple(value.replace(",", " ").split()) if isinstance(value, str) else value

    @field_validator("witnesses")
    @classmethod
    def _witness_vkeys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for vkey in value:
            try:
                verifier = NoteVerifier.from_vkey(vkey)
            except NoteError as exc:
                raise ValueError(exc.message) from exc
            if verifier.sig_type != COSIGNATURE_V1:
                raise ValueError(f"witness {verifier.name} is not a cosignature/v1 (type 0x04) key")
        return value

    @field_validator("log_origin", "center_name")
    @classmethod
    def _key_name(cls, value: str) -> str:
        try:
            check_key_name(value)
        except NoteError as exc:
            raise ValueError(exc.message) from exc
        return value

    @model_validator(mode="after")
    def _production_secret(self) -> Settings:
        if self.witnesses and self.witness_threshold > len(self.witnesses):
            raise ValueError(
                f"QUALBRIDGE_WITNESS_THRESHOLD is {self.witness_threshold} but only "
                f"{len(self.witnesses)} witnesses are configured"
            )
        if self.mode == "production":
            secret = self.secret_key.get_secret_value()
            if secret == DEVELOPMENT_SECRET or len(secret) < 32:
                raise ValueError(
                    "QUALBRIDGE_SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production"
                )
            passphrase = self.key_passphrase.get_secret_value()
            if passphrase == DEVELOPMENT_KEY_PASSPHRASE or len(passphrase) < 16:
                raise ValueError(
                    "QUALBRIDGE_KEY_PASSPHRASE must be set to a random value of at least 16 characters "
                    "in production"
                )
            if set(self.witnesses) & set(demo_witnesses.vkeys()):
                raise ValueError(
                    "QUALBRIDGE_WITNESSES names a demo witness, whose key anyone can derive: "
                    "configure the vkeys of real witnesses in production"
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
