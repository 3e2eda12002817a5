"""Content-addressed storage of raw files: the bytes are kept under their sha256 and never change.

A blob is written to a temporary file in its final folder, flushed to disk, then atomically renamed to
``ab/cd/<sha256 hex>``: a reader sees either no blob or the whole blob, and a crash leaves at most a
temporary file. Writing the same bytes twice is harmless (same name, same content). Reads verify the
digest, so a file damaged on disk is reported instead of being served.

An upload is written once: into a private folder of the store's own file system (:meth:`workspace`),
hashed as it arrives, parsed from there, and then moved into place (:meth:`adopt`) without being copied
or hashed again. A workspace is removed when its block ends; one a killed process left behind is removed
by :meth:`discard_abandoned`.

:class:`BlobStore` is the interface; :class:`FilesystemBlobStore` implements it on a local (or shared)
file system. An S3-compatible store implements the same methods.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from qualbridge.errors import EngineError, InputError, TooLargeError, at

_DIGEST = re.compile(r"^sha256:([0-9a-f]{64})$")
CHUNK = 1 << 20
#: The name of every file or folder in the store that is not (yet) a blob.
WORKSPACE_PREFIX = ".incoming-"


class BlobCorruptedError(EngineError):
    """The stored bytes no longer match their digest (disk damage or tampering)."""


@dataclass(frozen=True, slots=True)
class BlobRef:
    digest: str
    size: int


def hex_of(digest: str) -> str:
    match = _DIGEST.match(digest)
    if match is None:
        raise InputError(f"{digest!r} is not a digest", at(field="digest"), expected="sha256:<64 hex digits>")
    return match.group(1)


class BlobStore(Protocol):
    def put_file(self, source: Path) -> BlobRef: ...

    def workspace(self) -> AbstractContextManager[Path]: ...

    def adopt(self, source: Path, ref: BlobRef) -> BlobRef: ...

    def discard_abandoned(self, older_than: dt.timedelta) -> int: ...

    def exists(self, digest: str) -> bool: ...

    def open_verified(self, digest: str) -> Path: ...

    def read_verified(self, digest: str) -> bytes: ...

    def iter_bytes(self, digest: str) -> Iterator[bytes]: ...


def digest_file(path: Path) -> BlobRef:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
            size += len(chunk)
    return BlobRef("sha256:" + h.hexdigest(), size)


def copy_hashing(source: BinaryIO, target: BinaryIO, *, limit: int | None = None) -> BlobRef:
    """Copy a stream while hashing it; refuses more than ``limit`` bytes (a :class:`TooLargeError`)."""
    h = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: source.read(CHUNK), b""):
        size += len(chunk)
        if limit is not None and size > limit:
            raise TooLargeError(f"the file is larger than the limit of {limit} bytes", at(field="file"))
        h.update(chunk)
        target.write(chunk)
    return BlobRef("sha256:" + h.hexdigest(), size)


class FilesystemBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, digest: str) -> Path:
        hexdigest = hex_of(digest)
        return self.root / hexdigest[:2] / hexdigest[2:4] / hexdigest

    def exists(self, digest: str) -> bool:
        return self.path_of(digest).is_file()

    def put_file(self, source: Path) -> BlobRef:
        """Store the bytes of ``source`` (hashed here, not trusted from the caller)."""
        ref = digest_file(source)
        target = self.path_of(ref.digest)
        if target.is_file() and target.stat().st_size == ref.size:
            return ref
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=WORKSPACE_PREFIX, dir=target.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                copied = copy_hashing(src, out)
                out.flush()
                os.fsync(out.fileno())
            if copied != ref:
                raise EngineError(f"{source} changed while it was being stored")
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return ref

    @contextmanager
    def workspace(self) -> Iterator[Path]:
        """A new private folder (mode 0700) on the store's file system, removed with what is left in it
        when the block ends: files written there can be adopted by a rename."""
        self.root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=WORKSPACE_PREFIX, dir=self.root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def adopt(self, source: Path, ref: BlobRef) -> BlobRef:
        """Store ``source``, a file of one of this store's workspaces, by moving it into place; ``ref`` is
        its digest and size, taken while it was written (:func:`copy_hashing`). Its size is checked again;
        its digest is checked by every read."""
        if source.parent.parent != self.root or not source.parent.name.startswith(WORKSPACE_PREFIX):
            raise ValueError(f"{source} is not in a workspace of this blob store")
        target = self.path_of(ref.digest)
        if target.is_file() and target.stat().st_size == ref.size:
            return ref  # the same bytes are stored already; the workspace goes with its block
        with source.open("rb") as fh:
            if os.fstat(fh.fileno()).st_size != ref.size:
                raise EngineError(f"{source} changed after it was written")
            os.fsync(fh.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        _fsync_dir(target.parent)
        return ref

    def discard_abandoned(self, older_than: dt.timedelta) -> int:
        """Remove the workspaces that a killed process left behind, untouched for ``older_than``; returns
        how many."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than.total_seconds()
        gone = 0
        for path in self.root.glob(WORKSPACE_PREFIX + "*"):
            try:
                if path.lstat().st_mtime >= cutoff:
                    continue
                shutil.rmtree(path)
            except FileNotFoundError:
                continue  # removed meanwhile by its own process
            gone += 1
        return gone

    def open_verified(self, digest: str) -> Path:
        """The path of the blob after checking that its bytes still have ``digest``."""
        path = self.path_of(digest)
        if not path.is_file():
            raise BlobCorruptedError(f"blob {digest} is missing from the blob store")
        if digest_file(path).digest != digest:
            raise BlobCorruptedError(f"blob {digest} does not match its digest")
        return path

    def read_verified(self, digest: str) -> bytes:
        """The blob's bytes, read once and checked against ``digest``: what is checked is what is
        returned. For blobs small enough to hold in memory."""
        path = self.path_of(digest)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise BlobCorruptedError(f"blob {digest} is missing from the blob store") from None
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            raise BlobCorruptedError(f"blob {digest} does not match its digest")
        return data

    def iter_bytes(self, digest: str) -> Iterator[bytes]:
        with self.open_verified(digest).open("rb") as fh:
            yield from iter(lambda: fh.read(CHUNK), b"")

    def read_bytes(self, digest: str) -> bytes:
        return b"".join(self.iter_bytes(digest))


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder entry is on disk (POSIX); Windows cannot open folders.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
