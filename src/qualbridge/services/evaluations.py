"""Evaluations: a published profile run against a product's evidence, own and inherited, stored for good.

The result is stored as the engine's canonical JSON (RFC 8785), byte for byte, with its digest, the
profile id and version and the engine version. The engine is deterministic, so running the same profile
version on the same evidence with the same ``as_of`` gives the same bytes and digest: a re-run is a new
evaluation row that can be compared with the first.

The evidence is read in one transaction, evaluated outside any transaction (it is CPU work that should
not hold SQLite's write lock), and the result stored in a second; what was evaluated is recorded with
it (``evaluation_inputs``), and so is the center-signed evaluation statement, appended to the
transparency log in that transaction (see ``services/attestations.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Row

from qualbridge.errors import InputError, NotFoundError, at
from qualbridge.evaluation import evaluate
from qualbridge.evaluation.result import Overall
from qualbridge.evidence.models import evidence_adapter
from qualbridge.services import attestations, audit, transparency
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.idempotency import Guard, Once, records, replayed, write_once
from qualbridge.services.products import owned_product, visible_product
from qualbridge.services.profiles import resolve_published
from qualbridge.services.records import LogRef, Page, Record
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import Evaluation, EvaluationInput, Evidence
from qualbridge.store.repos.evidence import EvidenceFilter

#: More evidence than any one product's qualification holds; a bound on the memory one request takes.
MAX_EVIDENCE = 5_000


def keep_bytes(ctx: Context, data: bytes) -> str:
    """Store ``data`` in the blob store (content-addressed); its digest."""
    with tempfile.TemporaryDirectory(prefix="qualbridge-blob-") as folder:
        path = Path(folder) / "blob"
        path.write_bytes(data)
        return ctx.blobs.put_file(path).digest


class EvaluationSummary(Record):
    id: uuid.UUID
    product_id: uuid.UUID
    profile_id: str
    profile_version: int
    engine_version: str
    as_of: dt.date
    overall: Overall
    digest: str
    created_at: dt.datetime
    created_by: uuid.UUID


class EvaluationRecord(EvaluationSummary):
    evidence: list[str]
    result: dict[str, Any]
    log: LogRef | None = None


def _result(row: Evaluation | Row[*tuple[Any, ...]]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(row.result)
    return data


def summary(row: Evaluation | Row[*tuple[Any, ...]]) -> EvaluationSummary:
    return EvaluationSummary(**_summary_fields(row, _result(row)))


def _summary_fields(row: Evaluation | Row[*tuple[Any, ...]], result: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "product_id": row.product_id,
        "profile_id": row.profile_id,
        "profile_version": row.profile_version,
        "engine_version": row.engine_version,
        "as_of": dt.date.fromisoformat(result["as_of"]),
        "overall": row.overall,
        "digest": row.digest,
        "created_at": row.created_at,
        "created_by": row.created_by,
    }


def evaluation_record(uow: UnitOfWork, row: Evaluation | Row[*tuple[Any, ...]]) -> EvaluationRecord:
    """The record of an evaluation: from a row of :func:`_own`, which read its evidence's ids and its
    log entry with it, or else from an ORM object, with those read now."""
    inputs = list(uow.evaluations.inputs_of(row))
    result = _result(row)  # parsed once: a result may be large
    if isinstance(row, Row):
        log = None if row.log_index is None else transparency.log_ref_of(row, int(row.checkpoint_size))
    else:
        log = transparency.log_ref(uow, attestations.EVALUATION, str(row.id))
    return EvaluationRecord(**_summary_fields(row, result), evidence=inputs, result=result, log=log)


def _own(uow: UnitOfWork, actor: Actor, evaluation_id: uuid.UUID) -> Row[*tuple[Any, ...]]:
    """The organization's evaluation as a row of its columns, or :class:`NotFoundError`."""
    row = uow.evaluations.own_row(actor.org_id, evaluation_id, attested_as=attestations.EVALUATION)
    if row is None:
        raise NotFoundError(f"no evaluation {evaluation_id}", at(field="evaluation_id"))
    return row


def _chosen(rows: list[Evidence], evidence: Sequence[str] | None) -> list[Evidence]:
    """The rows named in ``evidence`` (all of them when None); a name not on the product is not found."""
    if evidence is None:
        return rows
    by_id = {row.content_id: row for row in rows}
    missing = [e for e in evidence if e not in by_id]
    if missing:
        raise NotFoundError(f"no evidence {missing[0]} on this product", at(field="evidence"))
    return [by_id[e] for e in dict.fromkeys(evidence)]


def run_evaluation_once(
    ctx: Context,
    actor: Actor,
    product_id: uuid.UUID,
    *,
    profile: str,
    as_of: dt.date | None = None,
    evidence: Sequence[str] | None = None,
    idempotency_key: str | None = None,
) -> Once[EvaluationRecord]:
    """Evaluate the product's evidence (own and inherited; only the content ids in ``evidence`` when
    given) against a published profile (``id`` for the latest version, or ``id@version``) as of
    ``as_of`` (default: today, UTC). With ``idempotency_key``, a retry is answered with the first
    answer (``replayed``)."""
    authorize(actor, "evaluations.run")
    request = {"product_id": str(product_id), "profile": profile, **_asked(as_of, evidence)}
    guard = Guard.of(idempotency_key, "evaluation.run", request)
    return _run(ctx, actor, product_id, profile=profile, as_of=as_of, evidence=evidence, guard=guard)


def _asked(as_of: dt.date | None, evidence: Sequence[str] | None) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "evidence": list(evidence) if evidence is not None else None,
    }


def _run(
    ctx: Context,
    actor: Actor,
    product_id: uuid.UUID,
    *,
    profile: str,
    as_of: dt.date | None,
    evidence: Sequence[str] | None,
    guard: Guard,
) -> Once[EvaluationRecord]:
    if evidence is not None and len(evidence) > MAX_EVIDENCE:
        raise InputError(f"at most {MAX_EVIDENCE} pieces of evidence are evaluated", at(field="evidence"))
    if (found := replayed(ctx, actor, guard, EvaluationRecord)) is not None:
        return found  # before the evaluation itself, which is the slow part
    when = as_of or ctx.clock().date()
    with ctx.transaction() as uow:
        owned_product(uow, actor, product_id)
        resolved, profile_row = resolve_published(uow, actor, profile)
        page = uow.evidence.of_product(
            actor.org_id, product_id, EvidenceFilter(), limit=MAX_EVIDENCE, offset=0
        )
        if page.total > MAX_EVIDENCE:
            raise InputError(
                f"the product has {page.total} pieces of evidence; at most {MAX_EVIDENCE} are evaluated",
                at(field="product_id"),
            )
        rows = _chosen([row for row, _blob, _origin, _depth in page.items], evidence)
        values = [evidence_adapter.validate_python(row.document) for row in rows]
    result = evaluate(resolved, values, as_of=when)
    canonical = result.canonical()
    profile_ref = profile_row.id if profile_row is not None else None
    # The signed profile's bytes are kept like raw files, so that a bundle can carry them later.
    keep_bytes(ctx, attestations.profile_bytes(resolved))

    def work(uow: UnitOfWork) -> EvaluationRecord:
        transparency.begin(uow)
        now = ctx.clock()
        row = Evaluation(
            org_id=actor.org_id,
            product_id=product_id,
            profile_ref=profile_ref,
            profile_id=resolved.id,
            profile_version=resolved.version,
            engine_version=result.engine_version,
            overall=result.overall,
            result=canonical,
            digest=result.digest(),
            created_by=actor.user_id,
            created_at=now,
        )
        uow.evaluations.add(row)
        for evidence_row_id in sorted({r.id for r in rows}):
            uow.evaluations.add(EvaluationInput(evaluation_id=row.id, evidence_id=evidence_row_id))
        attestations.attest_evaluation(uow, ctx, row, profile=resolved, evidence=rows)
        transparency.publish(uow, ctx)
        audit.record(
            uow,
            actor,
            "evaluation.run",
            object_type="evaluation",
            object_id=row.id,
            at=now,
            detail={"product": str(product_id), "profile": resolved.ref, "overall": result.overall},
        )
        return evaluation_record(uow, row)

    return write_once(ctx, actor, guard, EvaluationRecord, work)


def rerun_once(
    ctx: Context,
    actor: Actor,
    evaluation_id: uuid.UUID,
    *,
    as_of: dt.date | None = None,
    evidence: Sequence[str] | None = None,
    idempotency_key: str | None = None,
) -> Once[EvaluationRecord]:
    """Evaluate again, as a new evaluation: the same profile version and (unless given) the same
    ``as_of``, on the product's evidence as it is now (or the content ids in ``evidence``). Unchanged
    evidence gives the same digest. With ``idempotency_key``, a retry is answered with the first answer."""
    authorize(actor, "evaluations.run")
    request = {"evaluation_id": str(evaluation_id), **_asked(as_of, evidence)}
    guard = Guard.of(idempotency_key, "evaluation.rerun", request)
    if (found := replayed(ctx, actor, guard, EvaluationRecord)) is not None:
        return found
    with ctx.transaction() as uow:
        first = summary(_own(uow, actor, evaluation_id))
    return _run(
        ctx,
        actor,
        first.product_id,
        profile=f"{first.profile_id}@{first.profile_version}",
        as_of=as_of or first.as_of,
        evidence=evidence,
        guard=guard,
    )


run_evaluation = records(run_evaluation_once)
rerun = records(rerun_once)


def get_evaluation(ctx: Context, actor: Actor, evaluation_id: uuid.UUID) -> EvaluationRecord:
    authorize(actor, "evaluations.read")
    with ctx.transaction() as uow:
        return evaluation_record(uow, _own(uow, actor, evaluation_id))


def list_evaluations(
    ctx: Context, actor: Actor, product_id: uuid.UUID, *, limit: int, offset: int
) -> Page[EvaluationSummary]:
    """The product's evaluations, newest first."""
    authorize(actor, "evaluations.read")
    with ctx.transaction() as uow:
        visible_product(uow, actor, product_id)
        page = uow.evaluations.of_product(actor.org_id, product_id, limit=limit, offset=offset)
        items: Sequence[EvaluationSummary] = [summary(row) for row in page.items]
        return Page(items=items, total=page.total, limit=limit, offset=offset)
