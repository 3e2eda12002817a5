"""Signing in and out, the session cookie, CSRF and the language switch."""

from __future__ import annotations

from starlette.testclient import TestClient

from qualbridge.web.session import COOKIE, Session, Signer
from tests.web.conftest import PASSWORD, World, csrf_of, sign_in


def test_pages_ask_to_sign_in_first(client: TestClient) -> None:
    response = client.get("/products?q=x")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fproducts%3Fq%3Dx"


def test_sign_in_sets_an_httponly_lax_cookie_and_lands_on_the_dashboard(
    client: TestClient, world: World
) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "email": world.emails["acme"],
            "password": PASSWORD,
            "next": "/products",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/products"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over plain http
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Acme Example" in dashboard.text


def test_the_cookie_is_secure_over_https(app: object, world: World) -> None:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:  # type: ignore[arg-type]
        assert "Secure" in client.get("/sign-in").headers["set-cookie"]


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: TestClient, world: World
) -> None:
    page = client.get("/sign-in")
    for email in (world.emails["acme"], "nobody@nowhere.example"):
        response = client.post(
            "/sign-in", data={"csrf": csrf_of(page.text), "email": email, "password": "wrong password!"}
        )
        assert response.status_code == 401
        assert "Wrong e-mail or password." in response.text
    assert client.get("/").status_code == 303


def test_a_form_without_the_session_csrf_secret_is_refused(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["acme"])
    for sent in ({}, {"csrf": "forged"}):
        response = client.post("/products", data={"kind": "equipment", "model": "X-1", "name": "X", **sent})
        assert response.status_code == 403
        assert "form is out of date" in response.text
    assert "X-1" not in client.get("/products").text


def test_the_sign_in_form_itself_needs_the_csrf_secret(client: TestClient, world: World) -> None:
    response = client.post("/sign-in", data={"email": world.emails["acme"], "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/").status_code == 303


def _only_cookie(client: TestClient, value: str) -> None:
    client.cookies.clear()
    client.cookies.set(COOKIE, value)


def test_signing_out_revokes_the_session_everywhere(client: TestClient, world: World) -> None:
    csrf = sign_in(client, world.emails["acme"])
    copied = client.cookies[COOKIE]
    _only_cookie(client, copied)
    assert client.get("/").status_code == 200
    assert client.post("/sign-out", data={"csrf": csrf}).headers["location"] == "/sign-in?msg=signed-out"
    _only_cookie(client, copied)  # the cookie from before signing out, replayed
    assert client.get("/").status_code == 303


def test_a_tampered_cookie_counts_as_no_session(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["acme"])
    value = client.cookies[COOKIE]
    _only_cookie(client, value)
    assert client.get("/").status_code == 200
    payload, mac = value.split(".")
    _only_cookie(client, f"{payload}x.{mac}")
    assert client.get("/").status_code == 303


def test_the_signer_refuses_another_key() -> None:
    value = Signer("one secret").dumps(Session.fresh(token="qbt_x"))
    assert Signer("one secret").loads(value) is not None
    assert Signer("another secret").loads(value) is None
    assert Signer("one secret").loads("garbage") is None


def test_language_from_accept_language_then_from_the_switch(client: TestClient, world: World) -> None:
    page = client.get("/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans">' in page.text
    assert "登录" in page.text
    switched = client.post("/lang", data={"csrf": csrf_of(page.text), "lang": "en", "next": "/sign-in"})
    assert switched.headers["location"] == "/sign-in"
    page = client.get("/sign-in", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in page.text


def test_redirects_stay_on_this_site(client: TestClient, world: World) -> None:
    page = client.get("/sign-in")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/lang", data={"csrf": csrf_of(page.text), "lang": "zh", "next": target})
        assert response.headers["location"] == "/"
