"""The "verify a bundle" page: anyone may use it; each numbered step is shown, a tampered bundle names
the step that failed, bad input is a clear 4xx page."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from qualbridge.trust.bundle import Bundle
from tests.trust.scenario import World, chamber_bundle
from tests.web.conftest import World as Orgs
from tests.web.conftest import csrf_of, sign_in


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, Bundle]:
    """A real bundle (an evaluation of the demo chamber's exports) and its trust root."""
    world, _, bundle = chamber_bundle(tmp_path_factory.mktemp("chamber"))
    return bundle.to_bytes(), world.trust_root.to_bytes(), bundle


def _post(client: TestClient, bundle: bytes, root: bytes) -> tuple[int, str]:
    csrf = csrf_of(client.get("/verify").text)
    answer = client.post(
        "/verify",
        data={"csrf": csrf},
        files={
            "bundle": ("package.qbundle.zip", bundle, "application/zip"),
            "trust_root": ("trust-root.json", root, "application/json"),
        },
    )
    return answer.status_code, answer.text


def _states(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-step="(\d)" data-state="([a-z ]+)"', html)


def test_anyone_verifies_a_bundle_and_sees_every_step(
    client: TestClient, issued: tuple[bytes, bytes, Bundle]
) -> None:
    bundle, root, _ = issued
    page = client.get("/verify")
    assert page.status_code == 200
    assert 'href="/log/trust-root"' in page.text
    assert "Pin a trust root you obtained out of band." in page.text
    status, html = _post(client, bundle, root)
    assert status == 200, html
    assert _states(html) == [(str(n), "passed") for n in range(1, 7)]
    assert "Verified: every step holds." in html
    assert "evaluation re-run" in html
    assert "witness0.example" in html
    # Eight evidence statements and the evaluation, each with its log index.
    assert len(re.findall(r'<td class="num">\d+</td><td><code>(?:evidence|evaluation)</code>', html)) == 9


def test_steps_are_named_in_chinese(client: TestClient, issued: tuple[bytes, bytes, Bundle]) -> None:
    bundle, root, _ = issued
    client.cookies.set("qb_lang", "zh")
    status, html = _post(client, bundle, root)
    assert status == 200
    assert "重新运行评估" in html
    assert "验证通过" in html


def test_a_tampered_raw_file_fails_at_step_1_and_says_why(
    client: TestClient, issued: tuple[bytes, bytes, Bundle]
) -> None:
    _, root, bundle = issued
    path = sorted(p for p in bundle.members if p.startswith("files/"))[0]
    data = bytearray(bundle.members[path])
    data[0] ^= 0x01
    tampered = Bundle(bundle.manifest, {**bundle.members, path: bytes(data)}).to_bytes()
    status, html = _post(client, tampered, root)
    assert status == 200
    assert _states(html) == [("1", "failed")] + [(str(n), "not run") for n in range(2, 7)]
    assert "Not verified: step 1 failed." in html
    assert "listed as" in html  # the digest the manifest lists it with


def test_another_centers_trust_root_fails_at_the_signatures(
    client: TestClient, issued: tuple[bytes, bytes, Bundle]
) -> None:
    bundle, _, _ = issued
    other = World(center=World().lab).trust_root.to_bytes()
    status, html = _post(client, bundle, other)
    assert status == 200
    assert _states(html)[:2] == [("1", "passed"), ("2", "failed")]


@pytest.mark.parametrize(
    ("bundle", "root", "status", "words"),
    [
        (b"PK? not really a zip", None, 400, "the bundle is not a zip file"),
        (None, b"{not json", 400, "the trust root is not JSON"),
        (None, b'{"mediaType": "something else"}', 400, "not a QualBridge trust root"),
        (None, b"", 400, "the trust_root file is empty"),
        (None, b" " * (64 * 1024 + 1), 413, "larger than 65536 bytes"),
    ],
)
def test_bad_input_is_a_clear_message(
    client: TestClient,
    issued: tuple[bytes, bytes, Bundle],
    bundle: bytes | None,
    root: bytes | None,
    status: int,
    words: str,
) -> None:
    good_bundle, good_root, _ = issued
    got, html = _post(
        client, bundle if bundle is not None else good_bundle, root if root is not None else good_root
    )
    assert got == status, html
    assert words in html
    assert "data-step" not in html


def test_a_zip_that_would_expand_too_far_is_refused_before_unpacking(
    client: TestClient, issued: tuple[bytes, bytes, Bundle], monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle, root, _ = issued
    monkeypatch.setattr("qualbridge.web.routes.verify.MAX_EXPANDED_BYTES", 1000)
    status, html = _post(client, bundle, root)
    assert status == 413
    assert "expand to" in html


def test_the_form_needs_its_csrf_secret(client: TestClient, issued: tuple[bytes, bytes, Bundle]) -> None:
    bundle, root, _ = issued
    client.get("/verify")
    files = {
        "bundle": ("b.zip", bundle, "application/zip"),
        "trust_root": ("r.json", root, "application/json"),
    }
    assert client.post("/verify", files=files).status_code == 403


def test_signed_in_users_have_it_in_their_navigation(client: TestClient, world: Orgs) -> None:
    sign_in(client, world.emails["fab"])
    assert 'href="/verify"' in client.get("/").text
