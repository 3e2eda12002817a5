"""The vendor's, the fab's and the center's pages, through the same use cases as the API."""

from __future__ import annotations

import re
import uuid

from starlette.testclient import TestClient

from qualbridge.services import accounts, packages
from qualbridge.services.context import Context
from tests.services.samples import PARTICLE_CSV
from tests.web.conftest import World, create_package, csrf_of, sign_in

#: A particle-counter export missing its count columns' numbers: row 2, column ">=0.5um".
BROKEN_SURVEY = (
    "Timestamp\tSample Point\tVolume (m3)\tFlags\t>=0.5um\t>=5.0um\n"
    "2026-05-04T09:00:00\tL01\t0.02832\tOK\t19\t0\n"
    "2026-05-04T09:01:10\tL01\t0.02832\tOK\tmany\t0\n"
)


def test_a_parse_error_names_file_row_and_column_and_stores_nothing(
    client: TestClient, world: World, ctx: Context
) -> None:
    csrf = sign_in(client, world.emails["acme"])
    form = {"csrf": csrf, "product_id": str(world.product), "meta": "issuer: Lab\ntest_date: 2026-05-04"}
    files = {"file": ("survey.csv", BROKEN_SURVEY.encode(), "text/csv")}
    # Without JavaScript the preview is a whole page; with HTMX only the preview fragment.
    page = client.post("/evidence/preview", data=form, files=files)
    assert page.status_code == 200
    assert "<html" in page.text
    fragment = client.post("/evidence/preview", data=form, files=files, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    for html in (page.text, fragment.text):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", html.split("Where the problem is")[1])
        assert cells[:3] == ["survey.csv", "3", "<code>&gt;=0.5um</code>"], cells
    stored = client.post("/evidence/upload", data=form, files=files)
    assert stored.status_code == 400
    assert "Where the problem is" in stored.text
    assert "No evidence yet." in client.get(f"/products/{world.product}").text


def test_an_upload_with_yaml_metadata_is_stored_once(client: TestClient, world: World) -> None:
    csrf = sign_in(client, world.emails["acme"])
    meta = "issuer: Example Test Lab\ntest_date: 2024-03-05\nsubject: {type: equipment, id: VX-200}\n"
    form = {"csrf": csrf, "product_id": str(world.product), "meta": meta}
    files = {"file": ("survey.csv", PARTICLE_CSV, "text/csv")}
    first = client.post("/evidence/upload", data=form, files=files)
    assert first.headers["location"] == f"/products/{world.product}?msg=evidence-stored#evidence"
    again = client.post("/evidence/upload", data=form, files=files)
    assert again.headers["location"] == f"/products/{world.product}?msg=evidence-known#evidence"
    page = client.get(f"/products/{world.product}")
    assert 'Evidence <span class="muted">(1)</span>' in page.text
    assert "survey.csv" in page.text


def test_a_vendor_packages_and_shares_and_the_fab_reads_it(
    client: TestClient, world: World, ctx: Context
) -> None:
    csrf = sign_in(client, world.emails["acme"])
    package_url = create_package(client, csrf, world)
    page = client.get(package_url).text
    # The share form offers the fabs, and only them.
    assert f'<option value="{world.actors["fab"].org_id}"' in page
    assert f'<option value="{world.actors["other"].org_id}"' not in page
    fab_id = str(world.actors["fab"].org_id)
    shared = client.post(
        package_url + "/shares", data={"csrf": csrf, "fab_org_id": fab_id, "expires_on": "2026-12-31"}
    )
    assert shared.status_code == 303, shared.text
    assert "Fab Example" in client.get(package_url).text
    vendor_id = str(world.actors["other"].org_id)
    refused = client.post(
        package_url + "/shares", data={"csrf": csrf, "fab_org_id": vendor_id, "expires_on": "2026-12-31"}
    )
    assert refused.status_code == 400
    assert "packages are shared with fabs" in refused.text
    past = client.post(
        package_url + "/shares", data={"csrf": csrf, "fab_org_id": fab_id, "expires_on": "2020-01-01"}
    )
    assert past.status_code == 400
    assert "the expiry must be in the future" in past.text

    fab = TestClient(client.app, follow_redirects=False)
    sign_in(fab, world.emails["fab"])
    assert "Acme package" in fab.get("/packages").text
    view = fab.get(package_url)
    assert view.status_code == 200
    assert "SECRET-MODEL-7" in view.text
    assert fab.get(package_url + "/audit").status_code == 403  # the vendor's trail, not the fab's

    trail = client.get(package_url + "/audit").text
    assert "package.read" in trail
    assert "Fab Example" in trail
    package_id = uuid.UUID(package_url.rsplit("/", 1)[1])
    assert packages.get_package(ctx, world.actors["acme"], package_id).name == "Acme package"


def test_a_fab_authors_validates_saves_and_publishes_a_profile(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["fab"])
    start = client.get("/profiles/new", params={"base": "example/vacuum-chamber-incoming@1"})
    assert start.status_code == 200
    document = re.search(r'<textarea id="document"[^>]*>(.*?)</textarea>', start.text, re.S)
    assert document is not None
    text = document.group(1).replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    assert "extends: example/vacuum-chamber-incoming@1" in text
    assert "id: fab-example/vacuum-chamber-incoming" in text
    csrf = csrf_of(start.text)

    bad = client.post(
        "/profiles/validate",
        data={"csrf": csrf, "document": text + "remove: [no-such]\n"},
        headers={"HX-Request": "1"},
    )
    assert 'role="alert"' in bad.text
    good = client.post(
        "/profiles/validate", data={"csrf": csrf, "document": text}, headers={"HX-Request": "1"}
    )
    assert "Valid: fab-example/vacuum-chamber-incoming@1" in good.text

    saved = client.post("/profiles/draft", data={"csrf": csrf, "document": text})
    assert saved.status_code == 303
    draft = client.get(saved.headers["location"])
    assert "Publish this version" in draft.text
    published = client.post(
        "/profiles/publish", data={"csrf": csrf, "profile_id": "fab-example/vacuum-chamber-incoming"}
    )
    assert published.status_code == 303
    page = client.get(published.headers["location"])
    assert "The profile version was published." in page.text
    assert "Publish this version" not in page.text


def test_the_center_registers_an_organization(client: TestClient, ctx: Context, world: World) -> None:
    accounts.bootstrap_organization(
        ctx,
        kind="center",
        name_en="Center Example",
        name_zh="中心示例",
        country="SG",
        admin_email="admin@center.example",
        admin_name="center admin",
        admin_password="center password!",
    )
    csrf = sign_in(client, "admin@center.example", "center password!")
    listed = client.get("/orgs").text
    assert "Acme Example" in listed
    form = {
        "csrf": csrf,
        "kind": "lab",
        "name_en": "Lab Example",
        "name_zh": "实验室示例",
        "country": "cn",
        "admin_email": "admin@lab.example",
        "admin_name": "lab admin",
        "admin_password": "short",
    }
    refused = client.post("/orgs", data=form)
    assert refused.status_code == 400
    assert "at least 12 characters" in refused.text
    done = client.post("/orgs", data={**form, "admin_password": "a long enough password"})
    assert done.headers["location"] == "/orgs?msg=org-created"
    assert "Lab Example" in client.get("/orgs").text
    assert "org.create" in client.get("/audit").text


def test_an_admin_adds_a_viewer_who_then_only_reads(client: TestClient, world: World) -> None:
    csrf = sign_in(client, world.emails["acme"])
    form = {
        "csrf": csrf,
        "email": "viewer@acme.example",
        "name": "Vera",
        "role": "viewer",
        "password": "short",
    }
    refused = client.post("/users", data=form)
    assert refused.status_code == 400
    assert "at least 12 characters" in refused.text
    added = client.post("/users", data={**form, "password": "a long enough password"})
    assert added.headers["location"] == "/users?msg=user-created"
    assert "viewer@acme.example" in client.get("/users").text

    viewer = TestClient(client.app, follow_redirects=False)
    viewer_csrf = sign_in(viewer, "viewer@acme.example", "a long enough password")
    page = viewer.get(f"/products/{world.product}").text
    assert "SECRET-MODEL-7" in page
    assert "Upload evidence" not in page  # the forms a viewer may not use are not offered
    response = viewer.post(
        "/products", data={"csrf": viewer_csrf, "kind": "equipment", "model": "V", "name": "V"}
    )
    assert response.status_code == 403
    assert "write scope" in response.text
