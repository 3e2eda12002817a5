"""The content-addressed blob store: layout, idempotence, atomic writes, verified reads, uploads adopted
from a workspace."""

import datetime as dt
import hashlib
import io
import os
import time
from pathlib import Path

import pytest

from qualbridge.errors import EngineError, InputError, TooLargeError
from qualbridge.store.blobs import (
    WORKSPACE_PREFIX,
    BlobCorruptedError,
    BlobRef,
    FilesystemBlobStore,
    copy_hashing,
)

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


def _written(store: FilesystemBlobStore, folder: Path, data: bytes = DATA) -> tuple[Path, BlobRef]:
    path = folder / "upload.csv"
    with path.open("wb") as out:
        ref = copy_hashing(io.BytesIO(data), out)
    return path, ref


def test_an_upload_written_in_a_workspace_is_adopted_by_a_move_and_the_workspace_goes(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    with store.workspace() as folder:
        assert folder.parent == tmp_path / "blobs"
        assert folder.stat().st_mode & 0o777 == 0o700
        path, ref = _written(store, folder)
        assert store.adopt(path, ref) == BlobRef(DIGEST, len(DATA))
        assert not path.exists()  # moved, not copied
    assert store.read_verified(DIGEST) == DATA
    assert [p.name for p in (tmp_path / "blobs").iterdir()] == [DIGEST[7:9]], "the workspace is removed"


def test_adopting_bytes_stored_already_leaves_the_stored_file_alone(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    store.put_file(_source(tmp_path))
    before = store.path_of(DIGEST).stat().st_ino
    with store.workspace() as folder:
        store.adopt(*_written(store, folder))
    assert store.path_of(DIGEST).stat().st_ino == before
    assert len([p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]) == 1


def test_only_a_file_of_a_workspace_whose_size_still_matches_is_adopted(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    outside = _source(tmp_path)
    with pytest.raises(ValueError, match="not in a workspace"):
        store.adopt(outside, BlobRef(DIGEST, len(DATA)))
    with store.workspace() as folder:
        path, ref = _written(store, folder)
        path.write_bytes(DATA + b"more")
        with pytest.raises(EngineError, match="changed after it was written"):
            store.adopt(path, ref)
    assert not store.exists(DIGEST)


def test_workspaces_a_killed_process_left_are_discarded_once_old(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    store.put_file(_source(tmp_path))
    left = tmp_path / "blobs" / f"{WORKSPACE_PREFIX}killed"
    left.mkdir()
    (left / "upload.csv").write_bytes(DATA)
    assert store.discard_abandoned(dt.timedelta(hours=1)) == 0  # it may still be receiving
    day_ago = time.time() - 86_400
    os.utime(left, (day_ago, day_ago))
    assert store.discard_abandoned(dt.timedelta(hours=1)) == 1
    assert not left.exists()
    assert store.read_verified(DIGEST) == DATA  # blobs are never touched
