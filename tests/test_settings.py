"""Settings from the environment: typed, defaulted, and no default secret in production."""

from pathlib import Path

import pytest

from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.errors import InputError
from qualbridge.settings import DEVELOPMENT_SECRET, Settings
from qualbridge.trust.keys import SigningKey
from qualbridge.trust.note import COSIGNATURE_V1, NoteSigner


def test_defaults_keep_everything_under_var() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///./var/qualbridge.db"
    assert settings.blob_dir == Path("var/blobs")
    assert settings.mode == "development"
    assert settings.secret_key.get_secret_value() == DEVELOPMENT_SECRET


def test_environment_variables_and_overrides() -> None:
    env = {
        "QUALBRIDGE_DATABASE_URL": "postgresql+psycopg://qb@db/qualbridge",
        "QUALBRIDGE_BLOB_DIR": "/srv/blobs",
        "QUALBRIDGE_MAX_UPLOAD_BYTES": "1048576",
        "QUALBRIDGE_INGEST_SLOTS": "2",
        "UNRELATED": "x",
    }
    settings = Settings.from_env(env, blob_dir="/mnt/blobs", database_url=None)
    assert settings.database_url == "postgresql+psycopg://qb@db/qualbridge"
    assert settings.blob_dir == Path("/mnt/blobs"), "an explicit option wins over the environment"
    assert settings.max_upload_bytes == 1 << 20
    assert (settings.ingest_slots, Settings.from_env({}).ingest_slots) == (2, 1)


def test_a_bad_value_names_its_variable() -> None:
    with pytest.raises(InputError, match="valid integer") as caught:
        Settings.from_env({"QUALBRIDGE_MAX_UPLOAD_BYTES": "lots"})
    assert caught.value.where.field == "QUALBRIDGE_MAX_UPLOAD_BYTES"
    with pytest.raises(InputError, match="greater than or equal to 1") as caught:
        Settings.from_env({"QUALBRIDGE_INGEST_SLOTS": "0"})
    assert caught.value.where.field == "QUALBRIDGE_INGEST_SLOTS"


def test_production_refuses_the_development_secret() -> None:
    for env in ({"QUALBRIDGE_MODE": "production"},
                {"QUALBRIDGE_MODE": "production", "QUALBRIDGE_SECRET_KEY": "short"}):  # fmt: skip
        with pytest.raises(InputError, match="QUALBRIDGE_SECRET_KEY must be set"):
            Settings.from_env(env)
    secret = "k" * 40
    real = NoteSigner("w.example", SigningKey.from_seed(b"\x07" * 32), COSIGNATURE_V1).verifier.vkey
    settings = Settings.from_env(
        {
            "QUALBRIDGE_MODE": "production",
            "QUALBRIDGE_SECRET_KEY": secret,
            "QUALBRIDGE_KEY_PASSPHRASE": "p" * 20,
            "QUALBRIDGE_WITNESSES": real,
            "QUALBRIDGE_WITNESS_THRESHOLD": "1",
        }
    )
    assert settings.secret_key.get_secret_value() == secret
    assert secret not in repr(settings)


def test_production_refuses_the_development_key_passphrase_and_demo_witnesses() -> None:
    base = {"QUALBRIDGE_MODE": "production", "QUALBRIDGE_SECRET_KEY": "k" * 40}
    for passphrase in ({}, {"QUALBRIDGE_KEY_PASSPHRASE": "short"}):
        with pytest.raises(InputError, match="QUALBRIDGE_KEY_PASSPHRASE must be set"):
            Settings.from_env({**base, **passphrase})
    keyed = {**base, "QUALBRIDGE_KEY_PASSPHRASE": "p" * 20}
    with pytest.raises(InputError, match="demo witness"):
        Settings.from_env(keyed)
    real = NoteSigner("w.example", SigningKey.from_seed(b"\x07" * 32), COSIGNATURE_V1).verifier.vkey
    settings = Settings.from_env({**keyed, "QUALBRIDGE_WITNESSES": real, "QUALBRIDGE_WITNESS_THRESHOLD": "1"})
    assert settings.witnesses == (real,)
    assert "p" * 20 not in repr(settings)


def test_witness_settings_are_checked() -> None:
    assert Settings.from_env({}).witnesses == demo_witnesses.vkeys()
    with pytest.raises(InputError, match="not a verifier key") as caught:
        Settings.from_env({"QUALBRIDGE_WITNESSES": "nonsense"})
    assert caught.value.where.field == "QUALBRIDGE_WITNESSES"
    with pytest.raises(InputError, match="only 2 witnesses"):
        Settings.from_env({"QUALBRIDGE_WITNESS_THRESHOLD": "3"})
    log_key = NoteSigner("log.example", SigningKey.from_seed(b"\x08" * 32)).verifier.vkey
    with pytest.raises(InputError, match="cosignature/v1"):
        Settings.from_env({"QUALBRIDGE_WITNESSES": log_key, "QUALBRIDGE_WITNESS_THRESHOLD": "1"})
    with pytest.raises(InputError, match="key name"):
        Settings.from_env({"QUALBRIDGE_LOG_ORIGIN": "has space"})
