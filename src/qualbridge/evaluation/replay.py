"""Re-run a signed evaluation offline, from the raw files in a bundle: the engine behind step 6.

:func:`replay` is the ``rerun`` callable that ``qualbridge.trust.verify.verify_bundle`` takes. It trusts
nothing it cannot re-derive:

1. the profile is the file the evaluation statement signs (``canonical_json`` of the resolved
   :class:`~qualbridge.standards.profile.Profile`), read back with ``Profile.model_validate_json``;
2. each raw evidence file is parsed again, with the metadata its verified evidence statement says it was
   parsed with (``meta``), and the parse must reproduce the signed ``record`` exactly — a record that
   its raw file does not give is refused, naming the file (evidence sent as a JSON document is signed
   as that document's canonical JSON, and read back the same way);
3. the profile is evaluated against those re-parsed records as of the date the signed result carries,
   and the result's canonical JSON (RFC 8785) is returned for the verifier to compare byte for byte.

Pure: it reads only its argument and writes only a private temporary folder (the parsers read files).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from qualbridge import ENGINE_VERSION
from qualbridge.canonical import canonical_json, sha256_hex
from qualbridge.errors import QualBridgeError, ReproducibilityError, at
from qualbridge.evaluation.engine import evaluate
from qualbridge.evidence.models import Evidence
from qualbridge.evidence.parsers import load_evidence
from qualbridge.standards.profile import Profile
from qualbridge.trust.verify import EvaluationInput

__all__ = ["replay"]


def replay(job: EvaluationInput) -> bytes:
    """The canonical JSON of ``job``'s evaluation, recomputed from its raw files and profile."""
    signed = job.predicate.get("result")
    if not isinstance(signed, Mapping):
        raise ReproducibilityError("the evaluation statement carries no result object")
    engine = signed.get("engine_version")
    if engine != ENGINE_VERSION:
        raise ReproducibilityError(
            f"the evaluation was signed by engine {engine!r}; this verifier runs {ENGINE_VERSION!r}",
            expected="the same engine version (install the QualBridge release that signed it)",
        )
    profile = _profile(job)
    as_of = _as_of(signed)
    records = [
        _reproduce(name, data, job.evidence_predicates.get(name))
        for name, data in sorted(job.evidence.items())
    ]
    return evaluate(profile, records, as_of=as_of).canonical()


def _profile(job: EvaluationInput) -> Profile:
    try:
        profile = Profile.model_validate_json(job.profile)
    except ValidationError as exc:
        raise ReproducibilityError(
            f"the signed profile file is not a resolved profile: {exc.errors()[0]['msg']}",
            expected="canonical JSON of a resolved profile",
        ) from exc
    named = job.predicate.get("profile")
    named = named if isinstance(named, Mapping) else {}
    if (named.get("id"), str(named.get("version"))) != (profile.id, str(profile.version)):
        raise ReproducibilityError(
            f"the profile file is {profile.ref}; "
            f"the evaluation names {named.get('id')}@{named.get('version')}"
        )
    return profile


def _as_of(signed: Mapping[str, Any]) -> dt.date:
    try:
        return dt.date.fromisoformat(str(signed.get("as_of")))
    except ValueError as exc:
        raise ReproducibilityError(
            f"the signed result's as_of {signed.get('as_of')!r} is not a date", expected="YYYY-MM-DD"
        ) from exc


def _reproduce(name: str, data: bytes, predicate: Mapping[str, Any] | None) -> Evidence:
    """Parse ``data`` again with its signed metadata; the record, if it is exactly the signed one."""
    if predicate is None:
        raise ReproducibilityError(
            f"no evidence statement in the bundle attests {name!r}, so its record cannot be re-derived",
            where=at(file=name),
        )
    record, meta = predicate.get("record"), predicate.get("meta", {})
    if not isinstance(record, Mapping) or not isinstance(meta, Mapping):
        raise ReproducibilityError(
            "the evidence statement has no record or meta object", where=at(file=name), expected="objects"
        )
    # A raw export is parsed under its own file name (parsers read it, and record it); evidence sent as
    # a JSON document has no raw file: the signed file is the document, named like one (``….json``).
    is_raw = record.get("raw_digest") == f"sha256:{sha256_hex(data)}"
    filename = str(record.get("raw_filename") or name) if is_raw else name
    if Path(filename).name != filename or filename in (".", "..") or "\x00" in filename:
        raise ReproducibilityError(f"the signed file name {filename!r} is not a plain file name")
    kind = record.get("kind")
    with tempfile.TemporaryDirectory(prefix="qualbridge-replay-") as folder:
        path = Path(folder) / filename
        path.write_bytes(data)
        try:
            parsed = load_evidence(path, kind=kind if isinstance(kind, str) else None, meta=meta)
        except Exception as exc:
            # Whatever a parser raises on these bytes, the signed record is not reproduced: say so.
            message = (exc.message if isinstance(exc, QualBridgeError) else str(exc)).replace(
                str(path), filename
            )
            raise ReproducibilityError(
                f"the raw file no longer parses with its signed metadata: {message}", where=at(file=name)
            ) from exc
    mine = parsed.model_dump(mode="json")
    if canonical_json(mine) != canonical_json(record):
        differing = sorted(
            k for k in set(mine) | set(record) if canonical_json(mine.get(k)) != canonical_json(record.get(k))
        )
        raise ReproducibilityError(
            "parsing the raw file does not reproduce the signed record"
            + (f" (fields {', '.join(differing)} differ)" if differing else ""),
            where=at(file=name),
            expected="the record the evidence statement signs",
        )
    return parsed
