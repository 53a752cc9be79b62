"""HTTP API: every route authenticated by scope except the allowlist; upload ingests."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from api.auth import RequireScope
from ledger.db import transaction
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt
from ui.routes import router as ui_router
from ui.security import UiAuth
from web.access import DOCS_STATIC_PATH, PUBLIC_PATHS, UI_PUBLIC_PATHS, UI_STATIC_PATH


def _key(rt, *scopes: str) -> str:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        return api_keys.create(s, name="test", scopes=list(scopes))


def _routes(app: FastAPI) -> list[tuple[str, set[str], Any]]:
    """(path, methods, route) of every endpoint, routers included: FastAPI >= 0.16x keeps an
    included router as one lazy entry of app.routes, so walking app.routes alone sees none."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is flat
        return [(r.path, set(r.methods or ()), r) for r in app.routes if isinstance(r, APIRoute)]
    found = []
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            found.append((ctx.path, set(ctx.methods or ()), ctx))
    return found


def _requires(route: Any, guards: tuple[type, ...]) -> bool:
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        if isinstance(dep.call, guards):
            return True
        pending.extend(dep.dependencies)
    return False


def _requires_scope(route: Any) -> bool:
    # An API key with a scope, or a workbench session (itself signed in with such a key).
    return _requires(route, (RequireScope, UiAuth))


def test_every_route_requires_a_scope_except_the_allowlist(rt) -> None:
    app = create_app(rt)
    routes = _routes(app)
    assert {"/api/v1/bank-files", "/api/v1/exceptions", "/", "/exceptions"} <= {p for p, _, _ in routes}
    allowed = PUBLIC_PATHS | UI_PUBLIC_PATHS
    unguarded = [path for path, _, r in routes if path not in allowed and not _requires_scope(r)]
    assert unguarded == []
    # The docs pages are routes of their own (fastapi-offline); /openapi.json is not an APIRoute.
    assert {path for path, _, _ in routes if path in allowed} == {
        "/healthz", "/login", "/docs", "/docs/oauth2-redirect", "/redoc"}
    # Anything mounted (not a route) is static files: the API docs' assets and the workbench's.
    assert sorted(r.path for r in app.routes if isinstance(r, Mount)) == sorted(
        [DOCS_STATIC_PATH, UI_STATIC_PATH])


def test_every_ui_page_needs_a_session(rt) -> None:
    """Walk the workbench routes anonymously: pages redirect to sign-in, forms are refused."""
    app = create_app(rt)
    ui_paths = {r.path for r in ui_router.routes} - UI_PUBLIC_PATHS
    ui_routes = [(path, methods) for path, methods, r in _routes(app) if path in ui_paths]
    assert {"/", "/exceptions", "/exceptions/{transaction_id}", "/invoices", "/logout"} <= {
        p for p, _ in ui_routes}
    assert all(_requires(r, (UiAuth,)) for path, _, r in _routes(app) if path in ui_paths)
    with TestClient(app) as client:
        for path, methods in ui_routes:
            url = path.replace("{transaction_id}", "1").replace("{number:path}", "INV-1")
            for method in methods:
                r = client.request(method, url, follow_redirects=False)
                if method == "GET":
                    assert r.status_code == 303, (method, path)
                    assert r.headers["location"].startswith("/login"), path
                else:
                    assert r.status_code == 401, (method, path)
        assert client.get("/login").status_code == 200
        assert client.get(f"{UI_STATIC_PATH}/workbench.css").status_code == 200


def test_the_api_schema_holds_the_api_and_no_workbench_page(rt) -> None:
    """The OpenAPI document (what schemathesis fuzzes, what AR systems generate clients
    from) describes the REST API only: every workbench route is out of it."""
    app = create_app(rt)
    paths = set(app.openapi()["paths"])
    ui_paths = {r.path for r in ui_router.routes}
    assert {"/plans", "/", "/exceptions"} <= ui_paths
    assert paths & ui_paths == set()
    assert {p for p in paths if not p.startswith("/api/v1/")} == {"/healthz", "/metrics"}


@pytest.fixture
def client(rt):  # type: ignore[no-untyped-def]
    with TestClient(create_app(rt)) as c:
        yield c


def test_healthz_is_public(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}


def test_healthz_says_503_when_the_database_is_unreachable(rt, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from ledger.db import make_engine

    # Nothing listens on port 1 of loopback: the connection is refused at once.
    away = replace(rt, engine=make_engine("postgresql://remit@127.0.0.1:1/none"))
    with TestClient(create_app(away)) as c:
        r = c.get("/healthz")
    assert r.status_code == 503 and r.json() == {"status": "unavailable", "database": "unreachable"}


@pytest.mark.parametrize("path", ["/api/v1/bank-files", "/api/v1/bank-files/1"])
def test_anonymous_is_401_and_wrong_scope_is_403(client, rt, path) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer rmt_not-a-key"}).status_code == 401
    ar = _key(rt, "ar:read")
    assert client.get(path, headers={"Authorization": f"Bearer {ar}"}).status_code == 403


def test_upload_ingests_then_duplicate_then_rejected(client, rt) -> None:
    auth = {"Authorization": f"Bearer {_key(rt, 'treasury:review')}"}
    data = camt("053", [E("99.95", ref="U1")])
    first = client.post("/api/v1/bank-files", headers=auth, files={"file": ("up.xml", data)})
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["status"], body["format"], body["transactions"]) == ("parsed", "camt.053", 1)
    again = client.post("/api/v1/bank-files", headers=auth, files={"file": ("up2.xml", data)})
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    bad = client.post("/api/v1/bank-files", headers=auth, files={"file": ("bad.xml", b"<Document>")})
    assert bad.status_code == 422 and "bad.xml" in bad.json()["error"]
    listed = client.get("/api/v1/bank-files", headers=auth).json()
    assert [(f["name"], f["status"], f["source"]) for f in listed["items"]] == [
        ("bad.xml", "rejected", "api"), ("up.xml", "parsed", "api")]
    first_page = client.get("/api/v1/bank-files?limit=1", headers=auth).json()
    assert [f["name"] for f in first_page["items"]] == ["bad.xml"] and first_page["next"] is not None
    second = client.get(f"/api/v1/bank-files?limit=1&after={first_page['next']}", headers=auth).json()
    assert [f["name"] for f in second["items"]] == ["up.xml"] and second["next"] is None
    rejected = client.get("/api/v1/bank-files?status=rejected", headers=auth).json()["items"]
    assert [f["name"] for f in rejected] == ["bad.xml"]
    for bad_query in ("status=nonsense", "limit=0", "after=-1", f"after={2**63}"):
        assert client.get(f"/api/v1/bank-files?{bad_query}", headers=auth).status_code == 422
    one = client.get(f"/api/v1/bank-files/{body['file_id']}", headers=auth).json()
    assert one["sha256"] == body["sha256"] and one["entries_new"] == 1
    assert client.get("/api/v1/bank-files/999", headers=auth).status_code == 404


def test_admin_scope_implies_the_others(client, rt) -> None:
    admin = _key(rt, "admin")
    assert client.get("/api/v1/bank-files", headers={"Authorization": f"Bearer {admin}"}).status_code == 200


def test_apikey_create_prints_the_key_last_and_revoke_locks_it_out(rt, cli_env, tmp_path) -> None:
    import subprocess
    import sys

    def remit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli", *args], env=cli_env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)

    created = remit("apikey", "create", "erp", "--scope", "treasury:review")
    assert created.returncode == 0, created.stderr
    key = created.stdout.split()[-1]
    assert key.startswith("rmt_")
    with TestClient(create_app(rt)) as client:
        auth = {"Authorization": f"Bearer {key}"}
        assert client.get("/api/v1/bank-files", headers=auth).status_code == 200
        key_id = created.stdout.split("#")[1].split()[0]
        assert remit("apikey", "revoke", key_id).returncode == 0
        assert client.get("/api/v1/bank-files", headers=auth).status_code == 401
    assert remit("apikey", "revoke", key_id).returncode == 1
    assert remit("apikey", "create", "x", "--scope", "root").returncode == 1
