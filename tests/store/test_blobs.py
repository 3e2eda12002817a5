"""The content-addressed blob store: layout, idempotence, atomic writes, verified reads."""

import hashlib
import io
from pathlib import Path

import pytest

from qualbridge.errors import InputError, TooLargeError
from qualbridge.store.blobs import BlobCorruptedError, FilesystemBlobStore, copy_hashing

DATA = b"Date Time,Location,0.5 um\n2024-03-05 08:00:00,L01,35\n"
# Computed independently of the store: sha256 of DATA.
DIGEST = "sha256:" + hashlib.sha256(DATA).hexdigest()


def _source(tmp_path: Path, data: bytes = DATA) -> Path:
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    return path


def test_stored_under_its_digest_in_two_levels_of_folders(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    ref = store.put_file(_source(tmp_path))
    hexdigest = DIGEST.removeprefix("sha256:")
    assert (ref.digest, ref.size) == (DIGEST, len(DATA))
    assert (tmp_path / "blobs" / hexdigest[:2] / hexdigest[2:4] / hexdigest).read_bytes() == DATA
    assert store.read_bytes(DIGEST) == DATA
    assert store.exists(DIGEST)


def test_storing_the_same_bytes_again_changes_nothing(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    first = store.put_file(_source(tmp_path))
    again = store.put_file(_source(tmp_path))
    assert first == again
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert len(files) == 1, "one file, and no temporary file left behind"


def test_a_damaged_blob_is_reported_not_served(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    store.put_file(_source(tmp_path))
    store.path_of(DIGEST).write_bytes(DATA.replace(b"35", b"36"))
    with pytest.raises(BlobCorruptedError, match="does not match"):
        store.open_verified(DIGEST)
    store.path_of(DIGEST).unlink()
    with pytest.raises(BlobCorruptedError, match="missing"):
        store.read_bytes(DIGEST)


def test_digests_are_checked_before_any_path_is_built(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    for bad in ("sha256:../../etc/passwd", "md5:abc", "sha256:" + "A" * 64):
        with pytest.raises(InputError, match="not a digest"):
            store.path_of(bad)


def test_copy_hashing_refuses_more_than_the_limit() -> None:
    out = io.BytesIO()
    assert copy_hashing(io.BytesIO(DATA), out, limit=len(DATA)).digest == DIGEST
    with pytest.raises(TooLargeError, match=f"limit of {len(DATA) - 1} bytes"):
        copy_hashing(io.BytesIO(DATA), io.BytesIO(), limit=len(DATA) - 1)
