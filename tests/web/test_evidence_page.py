"""The evidence page: its log entry and status, and the vendor's status change with a confirmation step."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from qualbridge.services import evidence
from qualbridge.services.context import Context
from tests.services.samples import PARTICLE_CSV
from tests.web.conftest import World, sign_in


def test_the_page_shows_the_log_entry_and_status(
    client: TestClient, world: World, survey: str, ctx: Context
) -> None:
    sign_in(client, world.emails["acme"])
    assert f'href="/evidence/{survey}"' in client.get(f"/products/{world.product}").text
    page = client.get(f"/evidence/{survey}").text
    logged = evidence.get_evidence(ctx, world.actors["acme"], survey).log
    assert logged is not None
    assert f"<dt>Log index</dt><dd>{logged.index}</dd>" in page
    assert f"<dt>Checkpoint size</dt><dd>{logged.checkpoint_size}</dd>" in page
    assert logged.statement_digest in page
    assert 'class="badge s-valid"' in page
    raw = client.get(f"/evidence/{survey}/raw")
    assert (raw.status_code, raw.content) == (200, PARTICLE_CSV)


def test_withdrawing_is_confirmed_first_then_logged(
    client: TestClient, world: World, survey: str, ctx: Context
) -> None:
    csrf = sign_in(client, world.emails["acme"])
    before = evidence.get_evidence(ctx, world.actors["acme"], survey).log
    form = {"csrf": csrf, "status": "withdrawn", "reason": "counter out of calibration"}
    asked = client.post(f"/evidence/{survey}/status", data=form)
    assert asked.status_code == 200
    assert "Please confirm." in asked.text
    assert 'name="confirmed" value="true"' in asked.text
    assert evidence.get_evidence(ctx, world.actors["acme"], survey).status == "valid"  # nothing logged yet
    done = client.post(f"/evidence/{survey}/status", data={**form, "confirmed": "true"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/evidence/{survey}?msg=status-changed"
    after = evidence.get_evidence(ctx, world.actors["acme"], survey)
    assert after.status == "withdrawn"
    assert after.log is not None
    assert before is not None
    assert after.log.checkpoint_size > before.checkpoint_size  # the change is a new entry
    page = client.get(done.headers["location"]).text
    assert "The status change is signed and logged." in page
    assert 'class="badge s-withdrawn"' in page
    assert 'action="/evidence/' not in page  # final: no more changes offered
    again = client.post(f"/evidence/{survey}/status", data={**form, "confirmed": "true"})
    assert again.status_code == 409
    assert "that is final" in again.text


def test_suspended_evidence_is_reinstated(
    client: TestClient, world: World, survey: str, ctx: Context
) -> None:
    csrf = sign_in(client, world.emails["acme"])
    for status in ("suspended", "valid"):
        form = {"csrf": csrf, "status": status, "reason": "recheck", "confirmed": "true"}
        assert client.post(f"/evidence/{survey}/status", data=form).status_code == 303
        assert evidence.get_evidence(ctx, world.actors["acme"], survey).status == status


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"status": "superseded", "reason": "newer survey"}, "superseded_by is given exactly when"),
        ({"status": "lost", "reason": "x"}, "status &#39;lost&#39;"),
        ({"status": "withdrawn", "reason": ""}, "reason"),
    ],
)
def test_a_wrong_form_is_explained_and_logs_nothing(
    client: TestClient, world: World, survey: str, ctx: Context, form: dict[str, str], words: str
) -> None:
    csrf = sign_in(client, world.emails["acme"])
    answer = client.post(f"/evidence/{survey}/status", data={"csrf": csrf, "confirmed": "true", **form})
    assert answer.status_code == 400
    assert words in answer.text
    assert evidence.get_evidence(ctx, world.actors["acme"], survey).status == "valid"


def test_other_organizations_neither_see_nor_change_it(client: TestClient, world: World, survey: str) -> None:
    csrf = sign_in(client, world.emails["other"])
    assert client.get(f"/evidence/{survey}").status_code == 404
    form = {"csrf": csrf, "status": "withdrawn", "reason": "x", "confirmed": "true"}
    assert client.post(f"/evidence/{survey}/status", data=form).status_code == 404
    fab = TestClient(client.app, follow_redirects=False)
    fab_csrf = sign_in(fab, world.emails["fab"])
    refused = fab.post(f"/evidence/{survey}/status", data={**form, "csrf": fab_csrf})
    assert refused.status_code == 403
    assert "evidence.status is for vendor organizations" in refused.text


def test_a_malformed_evidence_id_is_not_found(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["acme"])
    assert client.get("/evidence/sha256:xyz").status_code == 404
    assert re.search("Not found", client.get("/evidence/not-an-id").text)
