"""``GET /evaluations/{id}/report`` and ``GET /packages/{id}/report``: read like what they report on,
in the language asked for (or negotiated), as HTML or PDF; a fab's read of a shared package is audited."""

from __future__ import annotations

import datetime as dt

import pytest

from qualbridge.services import accounts, evidence, packages, shares
from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.api.conftest import app, client
from tests.services.qualification_samples import SharedPackage, shared_package
from tests.store.databases import clock, ctx, database, postgres_engine, sqlite_template

__all__ = ["app", "client", "clock", "ctx", "database", "postgres_engine", "sqlite_template"]


@pytest.fixture
def shared(ctx: Context) -> SharedPackage:
    return shared_package(ctx)


def test_an_evaluation_report_in_chinese(ctx: Context, client: TestClient, shared: SharedPackage) -> None:
    url = f"/api/v1/evaluations/{shared.evaluation_id}/report"
    response = client.get(url, params={"lang": "zh"}, headers=bearer(ctx, shared.vendor))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'inline; filename="evaluation-{shared.evaluation_id}-zh.html"'
    )
    assert response.headers["cache-control"] == "private, no-store"
    assert "各要求的判定" in response.text
    assert str(shared.evaluation_id) in response.text


def test_the_language_is_negotiated_without_lang(
    ctx: Context, client: TestClient, shared: SharedPackage
) -> None:
    url = f"/api/v1/evaluations/{shared.evaluation_id}/report"
    headers = {**bearer(ctx, shared.vendor), "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    response = client.get(url, headers=headers)
    assert (response.status_code, response.headers["content-language"]) == (200, "zh-Hans-CN")
    both = client.get(url, params={"lang": "both"}, headers=headers)
    assert '<span class="bi" lang="en">Verdict per requirement</span>' in both.text


def test_a_fab_reads_a_shared_package_report_and_is_audited(
    ctx: Context, client: TestClient, shared: SharedPackage
) -> None:
    url = f"/api/v1/packages/{shared.package_id}/report"
    response = client.get(url, params={"lang": "en"}, headers=bearer(ctx, shared.fab))
    assert response.status_code == 200, response.text
    html = response.text
    assert "VX-200 for Dresden" in html
    assert "fab-dresden/chamber@1" in html
    # The package's evidence, not the withheld one; each with its statement's entry in the log.
    assert shared.survey_id in html
    assert shared.leak_id in html
    assert shared.withheld_id not in html
    assert "not yet logged" not in html
    for evidence_id in (shared.survey_id, shared.leak_id):
        logged = evidence.get_evidence(ctx, shared.vendor, evidence_id).log
        assert logged is not None
        assert f"index {logged.index}, checkpoint size {logged.checkpoint_size}" in html
        assert logged.statement_digest in html
    trail = packages.package_audit(ctx, shared.vendor, shared.package_id, limit=50, offset=0).items
    reads = [e for e in trail if e.action == "package.report.read"]
    assert [(e.org_id, e.detail["lang"], e.detail["format"]) for e in reads] == [
        (shared.fab.org_id, "en", "html")
    ]
    # The fab sees itself as the one it is shared with; the vendor sees every fab with an active grant.
    fab_name = accounts.current(ctx, shared.fab)[0].name_en
    other = shares.grant(
        ctx,
        shared.vendor,
        shared.package_id,
        fab_org_id=shared.other_fab.org_id,
        expires_at=ctx.clock() + dt.timedelta(days=1),
    )
    other_name = accounts.current(ctx, shared.other_fab)[0].name_en
    assert fab_name in html
    assert other_name not in client.get(url, headers=bearer(ctx, shared.fab)).text
    # The vendor's own reads are not audited.
    own = client.get(url, headers=bearer(ctx, shared.vendor)).text
    assert fab_name in own
    assert other_name in own
    shares.revoke(ctx, shared.vendor, shared.package_id, other.id)
    assert other_name not in client.get(url, headers=bearer(ctx, shared.vendor)).text
    trail = packages.package_audit(ctx, shared.vendor, shared.package_id, limit=50, offset=0).items
    assert len([e for e in trail if e.action == "package.report.read"]) == 2  # the fab read it twice


def test_a_package_report_as_pdf(ctx: Context, client: TestClient, shared: SharedPackage) -> None:
    url = f"/api/v1/packages/{shared.package_id}/report"
    response = client.get(url, params={"format": "pdf", "lang": "both"}, headers=bearer(ctx, shared.fab))
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response.headers["content-disposition"]


def test_no_grant_no_report(ctx: Context, client: TestClient, shared: SharedPackage) -> None:
    response = client.get(
        f"/api/v1/packages/{shared.package_id}/report", headers=bearer(ctx, shared.other_fab)
    )
    assert_problem(response, 404)
    response = client.get(
        f"/api/v1/evaluations/{shared.evaluation_id}/report", headers=bearer(ctx, shared.fab)
    )
    assert_problem(response, 404)


@pytest.mark.parametrize(("param", "value"), [("lang", "fr"), ("format", "docx")])
def test_bad_query_parameters(
    ctx: Context, client: TestClient, shared: SharedPackage, param: str, value: str
) -> None:
    response = client.get(
        f"/api/v1/evaluations/{shared.evaluation_id}/report",
        params={param: value},
        headers=bearer(ctx, shared.vendor),
    )
    assert_problem(response, 422)
