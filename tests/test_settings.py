"""Settings from the environment: typed, defaulted, and no default secret in production."""

from pathlib import Path

import pytest

from qualbridge.errors import InputError
from qualbridge.settings import DEVELOPMENT_SECRET, Settings


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
        "UNRELATED": "x",
    }
    settings = Settings.from_env(env, blob_dir="/mnt/blobs", database_url=None)
    assert settings.database_url == "postgresql+psycopg://qb@db/qualbridge"
    assert settings.blob_dir == Path("/mnt/blobs"), "an explicit option wins over the environment"
    assert settings.max_upload_bytes == 1 << 20


def test_a_bad_value_names_its_variable() -> None:
    with pytest.raises(InputError, match="valid integer") as caught:
        Settings.from_env({"QUALBRIDGE_MAX_UPLOAD_BYTES": "lots"})
    assert caught.value.where.field == "QUALBRIDGE_MAX_UPLOAD_BYTES"


def test_production_refuses_the_development_secret() -> None:
    for env in ({"QUALBRIDGE_MODE": "production"},
                {"QUALBRIDGE_MODE": "production", "QUALBRIDGE_SECRET_KEY": "short"}):  # fmt: skip
        with pytest.raises(InputError, match="QUALBRIDGE_SECRET_KEY must be set"):
            Settings.from_env(env)
    secret = "k" * 40
    settings = Settings.from_env({"QUALBRIDGE_MODE": "production", "QUALBRIDGE_SECRET_KEY": secret})
    assert settings.secret_key.get_secret_value() == secret
    assert secret not in repr(settings)
