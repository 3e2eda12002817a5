"""Running a witness for a remote log: its key on disk, its state file, and one round of cosigning.

One round (:func:`witness_once`):

1. fetch the log's checkpoint and verify it with the pinned log key (the trust root's);
2. refuse a checkpoint smaller than the last one this witness cosigned (a rollback);
3. compute the consistency proof from that last cosigned tree head via the log's tiles, and let
   ``trust.witness.Witness`` check it and cosign (two roots at one size, or a proof that does not
   connect, is a fork: refused);
4. write the new state **before** publishing the cosignature, atomically (a crash leaves the old file or
   the new one, never a mix), so that a restarted witness can never cosign a branch of a tree it has
   already cosigned past;
5. POST the checkpoint with the log's signature and this witness's cosignature (no other witness's) to
   the log. A checkpoint the log already serves with this witness's
   cosignature is left alone; the same checkpoint without it (a POST that failed) is cosigned again.

Files: the key folder holds ``witness.key`` (Ed25519, encrypted PKCS#8 PEM) and ``witness.json``
(name and vkey); the state file is ``{"mediaType": STATE_MEDIA_TYPE, "logs": {origin: {"treeSize",
"rootHash"}}}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from qualbridge.errors import InputError, KeyFileError, NoteError, ProofError, at
from qualbridge.remote.log_client import LogClient
from qualbridge.trust.checkpoint import Checkpoint, open_checkpoint
from qualbridge.trust.keys import SigningKey
from qualbridge.trust.merkle import consistency_path
from qualbridge.trust.note import COSIGNATURE_V1, Note, NoteSigner, NoteVerifier, check_key_name
from qualbridge.trust.witness import TreeHead, Witness

STATE_MEDIA_TYPE: Final = "application/vnd.qualbridge.witness-state.v1+json"
KEY_FILE: Final = "witness.key"
INFO_FILE: Final = "witness.json"


# --- the key -------------------------------------------------------------------------------------------


def create_key(name: str, folder: Path, *, passphrase: bytes) -> NoteSigner:
    """A new witness key named ``name``, written encrypted to ``folder`` (never over an existing key)."""
    try:
        check_key_name(name)
    except NoteError as exc:
        raise InputError(f"{name!r} is not a witness name: {exc}", at(field="--name")) from exc
    signer = NoteSigner(name, SigningKey.generate(), COSIGNATURE_V1)
    write_key(signer, folder, passphrase=passphrase)
    return signer


def write_key(signer: NoteSigner, folder: Path, *, passphrase: bytes) -> None:
    """Write a witness's key (encrypted) and its vkey to ``folder``, never over an existing key: what
    ``init`` does with a new key, and ``qualbridge demo witness-keys`` with the demo witnesses' keys."""
    check_new_key_folder(folder)
    pem = signer.key.to_pem(passphrase)
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(folder / KEY_FILE, pem, mode=0o600)
    info = {"name": signer.name, "vkey": signer.verifier.vkey}
    _write_atomically(folder / INFO_FILE, (json.dumps(info, indent=2) + "\n").encode(), mode=0o644)


def check_new_key_folder(folder: Path) -> None:
    """Refuse a folder that already holds a witness key: overwriting one would lose an identity."""
    for path in (folder / KEY_FILE, folder / INFO_FILE):
        if path.exists():
            raise InputError("a witness key is already there; refusing to overwrite it", at(str(path)))


def load_key(folder: Path, *, passphrase: bytes) -> NoteSigner:
    try:
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        pem = (folder / KEY_FILE).read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read the witness key: {exc.strerror}", at(str(exc.filename))) from exc
    except ValueError as exc:
        raise KeyFileError("the witness key's description is not JSON", at(str(folder / INFO_FILE))) from exc
    if not isinstance(info, dict) or not isinstance(info.get("name"), str):
        raise KeyFileError("no witness name", at(str(folder / INFO_FILE), field="name"))
    signer = NoteSigner(info["name"], SigningKey.from_pem(pem, passphrase), COSIGNATURE_V1)
    if info.get("vkey") != signer.verifier.vkey:
        raise KeyFileError(
            "the key does not match the vkey written beside it", at(str(folder / INFO_FILE), field="vkey")
        )
    return signer


# --- the state ------------------------------------------------------------------------------------------


def load_state(path: Path) -> dict[str, TreeHead]:
    """The last tree head cosigned per log; empty when the file does not exist yet (a new witness)."""
    try:
        doc = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InputError(f"cannot read the witness state: {exc.strerror}", at(str(path))) from exc
    except ValueError as exc:
        raise InputError("the witness state is not JSON", at(str(path))) from exc
    if not isinstance(doc, dict) or doc.get("mediaType") != STATE_MEDIA_TYPE:
        raise InputError(
            "not a witness state file", at(str(path), field="mediaType"), expected=STATE_MEDIA_TYPE
        )
    try:
        return {
            str(origin): TreeHead(int(head["treeSize"]), base64.b64decode(head["rootHash"], validate=True))
            for origin, head in doc["logs"].items()
        }
    except (KeyError, TypeError, AttributeError, ValueError, binascii.Error) as exc:
        raise InputError(f"the witness state is malformed: {exc}", at(str(path), field="logs")) from exc


def save_state(path: Path, state: dict[str, TreeHead]) -> None:
    logs = {
        origin: {"treeSize": head.size, "rootHash": base64.b64encode(head.root_hash).decode("ascii")}
        for origin, head in sorted(state.items())
    }
    doc = {"mediaType": STATE_MEDIA_TYPE, "logs": logs}
    _write_atomically(path, (json.dumps(doc, indent=2) + "\n").encode(), mode=0o644)


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one whole."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- one round -----------------------------------------------------------------------------------------


def _carries(note: bytes, witness: Witness) -> bool:
    """Whether the log already serves ``note`` with this witness's cosignature (a cosignature that
    never arrived — the POST failed after the state was saved — is sent again: same tree, no risk)."""
    return witness.verifier.name in Note.parse(note).verify([witness.verifier], require=False)


def _own(note: bytes, log: str, witness: str) -> bytes:
    """The note with the log's signature and this witness's cosignature only: other witnesses'
    cosignatures are theirs to send, and carrying them along would let a log that is not configured
    with this witness's key accept the submission for their sake."""
    parsed = Note.parse(note)
    kept = tuple(s for s in parsed.signatures if s.name in (log, witness))
    return Note(parsed.text, kept).to_bytes()


@dataclass(frozen=True, slots=True)
class Round:
    """What one round did: cosigned a newer checkpoint, or found nothing new."""

    outcome: Literal["cosigned", "unchanged"]
    checkpoint: Checkpoint
    old_size: int


def witness_once(
    client: LogClient, witness: Witness, log: NoteVerifier, *, state_path: Path, timestamp: int
) -> Round:
    """Fetch, check and cosign the log's checkpoint; the state is saved before the cosignature is sent."""
    note = client.checkpoint()
    checkpoint, _ = open_checkpoint(note, log)  # 1
    latest = witness.latest(checkpoint.origin)
    if checkpoint.size < latest.size:  # 2
        raise ProofError(
            f"refusing to cosign: the log's checkpoint has {checkpoint.size} entries but this witness "
            f"already cosigned {latest.size} (a rollback)"
        )
    if (checkpoint.size, checkpoint.root_hash) == (latest.size, latest.root_hash) and _carries(note, witness):
        return Round("unchanged", checkpoint, latest.size)
    proof = (
        consistency_path(latest.size, checkpoint.size, client.tile_reader(checkpoint.size))
        if 0 < latest.size < checkpoint.size
        else []
    )
    try:
        cosigned = witness.add_checkpoint(latest.size, proof, note, timestamp=timestamp)  # 3
    except ProofError as exc:
        raise ProofError(
            f"refusing to cosign: the checkpoint of size {checkpoint.size} does not extend the one this "
            f"witness cosigned at size {latest.size}, the log forked: {exc.message}"
        ) from exc
    save_state(state_path, witness.state())  # 4
    client.add_cosignature(_own(cosigned, log.name, witness.verifier.name))  # 5
    return Round("cosigned", checkpoint, latest.size)
