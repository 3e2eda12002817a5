"""Downloads on the package and evaluation pages: the report (HTML here; PDF in tests/e2e) and the
bundle, through the same use cases as the API, audited for a fab, refused to anyone without a grant."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.services import accounts, keys, packages, shares, transparency
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.trust.bundle import MEDIA_TYPE, Bundle
from qualbridge.verification import verify_data
from tests.services.qualification_samples import SharedPackage, shared_package
from tests.services.samples import PARTICLE_CSV
from tests.web.conftest import sign_in


@pytest.fixture
def shared(ctx: Context) -> SharedPackage:
    """A vendor's package (a particle survey, an inherited leak test, one evaluation) shared with one
    fab; another fab and a lab were given nothing."""
    return shared_package(ctx)


def _in(client: TestClient, ctx: Context, actor: Actor) -> TestClient:
    """``client`` signed in as ``actor``'s user (the samples' organizations share one password)."""
    sign_in(client, accounts.current(ctx, actor)[1].email)
    return client


def _witness(ctx: Context) -> None:
    for name in demo_witnesses.NAMES:
        transparency.cosign_latest(ctx, demo_witnesses.signer(name))


def test_the_package_page_offers_both_downloads_and_shows_each_evidences_log_entry(
    client: TestClient, shared: SharedPackage, ctx: Context
) -> None:
    _in(client, ctx, shared.fab)
    page = client.get(f"/packages/{shared.package_id}").text
    assert f'action="/packages/{shared.package_id}/report"' in page
    assert f'href="/packages/{shared.package_id}/bundle"' in page
    # Two evidence rows, each with its status and place in the log.
    assert page.count('class="badge s-valid"') == 2
    assert len(re.findall(r"entry</span>|entry \d+</span>", page)) == 2
    assert "checkpoint size" in page


def test_a_fab_downloads_the_report_and_the_read_is_audited(
    client: TestClient, shared: SharedPackage, ctx: Context
) -> None:
    _in(client, ctx, shared.fab)
    for lang, words in (("en", "Qualification report"), ("zh", "认证报告"), ("both", 'lang="zh-Hans"')):
        answer = client.get(f"/packages/{shared.package_id}/report", params={"lang": lang, "format": "html"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert f"package-{shared.package_id}-{lang}.html" in answer.headers["content-disposition"]
        assert answer.headers["cache-control"] == "private, no-store"
        assert words in answer.text
    trail = packages.package_audit(ctx, shared.vendor, shared.package_id, limit=100, offset=0).items
    reads = [e.detail for e in trail if e.action == "package.report.read"]
    assert [(d["lang"], d["format"]) for d in reads] == [("en", "html"), ("zh", "html"), ("both", "html")]
    assert all(e.org_id == shared.fab.org_id for e in trail if e.action == "package.report.read")


def test_a_fab_downloads_a_raw_file_of_the_package_and_the_read_is_audited(
    client: TestClient, shared: SharedPackage, ctx: Context
) -> None:
    _in(client, ctx, shared.fab)
    answer = client.get(f"/packages/{shared.package_id}/evidence/{shared.survey_id}/raw")
    assert (answer.status_code, answer.content) == (200, PARTICLE_CSV)
    assert answer.headers["content-disposition"] == 'attachment; filename="survey.csv"'
    assert answer.headers["cache-control"] == "private, no-store"
    trail = packages.package_audit(ctx, shared.vendor, shared.package_id, limit=100, offset=0).items
    assert [(e.action, e.org_id) for e in trail if e.action == "package.raw.read"] == [
        ("package.raw.read", shared.fab.org_id)
    ]


def test_the_report_language_defaults_to_the_pages(
    client: TestClient, shared: SharedPackage, ctx: Context
) -> None:
    _in(client, ctx, shared.vendor)
    client.cookies.set("qb_lang", "zh")
    answer = client.get(f"/packages/{shared.package_id}/report")
    assert answer.headers["content-language"] == "zh-Hans-CN"


@pytest.mark.parametrize(
    ("query", "words"),
    [({"lang": "fr"}, "unknown report language &#39;fr&#39;"), ({"format": "docx"}, "expected html or pdf")],
)
def test_an_unknown_language_or_format_is_a_400_page(
    client: TestClient, shared: SharedPackage, ctx: Context, query: dict[str, str], words: str
) -> None:
    _in(client, ctx, shared.vendor)
    answer = client.get(f"/packages/{shared.package_id}/report", params=query)
    assert answer.status_code == 400
    assert words in answer.text


def test_before_the_witnesses_cosign_the_bundle_is_explained_on_the_package_page(
    client: TestClient, shared: SharedPackage, ctx: Context
) -> None:
    _in(client, ctx, shared.fab)
    answer = client.get(f"/packages/{shared.package_id}/bundle")
    assert answer.status_code == 409
    assert "The bundle cannot be exported yet." in answer.text
    assert "no checkpoint cosigned by 2 of the configured witnesses" in answer.text
    assert "VX-200 for Dresden" in answer.text  # the package's own page, not an error page
    assert "Qualification" in answer.text


def test_once_witnessed_the_fab_downloads_a_bundle_that_verifies_and_is_audited(
    client: TestClient, shared: SharedPackage, ctx: Context
) -> None:
    _witness(ctx)
    _in(client, ctx, shared.fab)
    answer = client.get(f"/packages/{shared.package_id}/bundle")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == MEDIA_TYPE
    assert f"package-{shared.package_id}.qbundle.zip" in answer.headers["content-disposition"]
    report = verify_data(Bundle.from_bytes(answer.content), keys.trust_root(ctx))
    assert [s.status for s in report.steps] == ["passed"] * 6
    trail = packages.package_audit(ctx, shared.vendor, shared.package_id, limit=100, offset=0).items
    assert [e.org_id for e in trail if e.action == "package.bundle"] == [shared.fab.org_id]


def test_a_fab_without_a_grant_gets_not_found_for_the_report_and_the_bundle(
    client: TestClient, shared: SharedPackage, ctx: Context
) -> None:
    _witness(ctx)
    never = _in(TestClient(client.app, follow_redirects=False), ctx, shared.other_fab)
    _in(client, ctx, shared.fab)
    assert client.get(f"/packages/{shared.package_id}/bundle").status_code == 200
    shares.revoke(ctx, shared.vendor, shared.package_id, shared.share_id)
    for visitor in (client, never):
        for suffix in ("/report", "/report?format=pdf", "/bundle"):
            answer = visitor.get(f"/packages/{shared.package_id}{suffix}")
            assert answer.status_code == 404, suffix
            assert "VX-200 for Dresden" not in answer.text
    anonymous = TestClient(client.app, follow_redirects=False)
    assert anonymous.get(f"/packages/{shared.package_id}/bundle").status_code == 303  # to the sign-in page


def test_the_evaluation_page_draws_the_reports_charts_above_the_verdicts(
    client: TestClient, shared: SharedPackage, ctx: Context
) -> None:
    _in(client, ctx, shared.vendor)
    page = client.get(f"/evaluations/{shared.evaluation_id}").text
    assert "<svg" in page
    assert page.index("<svg") < page.index("Verdict per requirement")
    captions = re.findall(r"<figcaption>([^<]*)<", page)
    assert captions == ["Leak rate, rate of rise and pressure against their limits", "Margin per requirement"]
    assert f'action="/evaluations/{shared.evaluation_id}/report"' in page
    answer = client.get(
        f"/evaluations/{shared.evaluation_id}/report", params={"lang": "zh", "format": "html"}
    )
    assert answer.status_code == 200
    assert "认证报告" in answer.text


def test_another_organizations_evaluation_report_is_not_found(
    client: TestClient, shared: SharedPackage, ctx: Context
) -> None:
    _in(client, ctx, shared.fab)  # the fab sees the evaluation only inside the package
    assert client.get(f"/evaluations/{shared.evaluation_id}/report").status_code == 404
