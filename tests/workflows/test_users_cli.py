"""`remit users` as an administrator runs it, against the test database (SQLite, PostgreSQL),
and GET /api/v1/users."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import select

from api.schemas.users import UserPage
from core import passwords
from ledger.db import transaction
from ledger.models import AuditEvent, User
from ledger.repositories import api_keys
from server.app import create_app
from workflows import users

REMIT = [sys.executable, "-m", "cli"]


def remit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(REMIT + list(args), env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_users_commands(cli_env, rt) -> None:
    made = remit(cli_env, "users", "create", "Ana@Example.com", "--role", "reviewer")
    assert made.returncode == 0, made.stderr
    password = made.stdout.split()[-1]  # printed once, as the last word
    assert "ana@example.com (reviewer)" in made.stdout and len(password) == 20
    with transaction(rt.engine) as s:
        row = s.scalars(select(User)).one()
        assert row.must_change_password and passwords.verify(row.password_hash, password)
        assert password not in row.password_hash

    bo = remit(cli_env, "users", "create", "bo@example.com", "--role", "admin", "--json")
    answer = json.loads(bo.stdout)
    assert answer["email"] == "bo@example.com" and answer["role"] == "admin"
    assert len(answer["password"]) == 20 and answer["must_change_password"] is True

    # Refusals: exit 1, one line on stderr, nothing written.
    for args, why in (
        (("create", "ANA@example.com", "--role", "viewer"), "already exists"),
        (("create", "cy@example.com", "--role", "root"), "unknown role"),
        (("create", "not-an-address", "--role", "viewer"), "is not an e-mail address"),
        (("set-role", "nobody@example.com", "viewer"), "no user"),
        (("set-role", "ana@example.com", "god"), "unknown role"),
    ):
        refused = remit(cli_env, "users", *args)
        assert refused.returncode == 1 and why in refused.stderr, (args, refused.stderr)
        assert refused.stderr.startswith("remit: ") and refused.stdout == ""

    assert remit(cli_env, "users", "set-role", "ana@example.com", "viewer").returncode == 0
    reset = remit(cli_env, "users", "reset-password", "ANA@example.com", "--json")
    new = json.loads(reset.stdout)["password"]
    assert new != password
    assert remit(cli_env, "users", "disable", "ana@example.com").returncode == 0
    again = remit(cli_env, "users", "disable", "ana@example.com")
    assert again.returncode == 1 and "already disabled" in again.stderr

    listed = json.loads(remit(cli_env, "users", "list", "--json").stdout)
    assert [(p["email"], p["role"], p["disabled_at"] is not None) for p in listed] == [
        ("ana@example.com", "viewer", True), ("bo@example.com", "admin", False)]
    assert all("password" not in p and "password_hash" not in p for p in listed)
    text = remit(cli_env, "users", "list").stdout
    assert "ana@example.com\tviewer\tdisabled" in text and "must choose a password" in text

    with transaction(rt.engine) as s:
        trail = s.execute(select(AuditEvent.actor, AuditEvent.action).order_by(AuditEvent.id)).all()
    assert trail == [("cli", "user.created"), ("cli", "user.created"), ("cli", "user.role_changed"),
                     ("cli", "user.password_reset"), ("cli", "user.disabled")]


def test_the_api_lists_people_to_admins_only(rt) -> None:
    for email, role in (("ana@example.com", "reviewer"), ("bo@example.com", "viewer"),
                        ("cy@example.com", "admin"), ("di@example.com", "reviewer")):
        users.create_user(rt, email, role=role, actor="test")
    users.disable_user(rt, "di@example.com", actor="test")
    with transaction(rt.engine) as s:
        admin = api_keys.create(s, name="ops", scopes=["admin"], secret=rt.settings.secret_key)
        review = api_keys.create(s, name="rev", scopes=["treasury:review"],
                                 secret=rt.settings.secret_key)
    with TestClient(create_app(rt)) as client:
        def get(key: str, **params: Any) -> Any:
            return client.get("/api/v1/users", params=params,
                              headers={"Authorization": f"Bearer {key}"})

        assert client.get("/api/v1/users").status_code == 401
        assert get(review).status_code == 403
        first = get(admin, limit=2)
        assert first.status_code == 200
        page = TypeAdapter(UserPage).validate_python(first.json())
        assert [u.email for u in page.items] == ["ana@example.com", "bo@example.com"]
        rest = get(admin, limit=2, after=first.json()["next"]).json()
        assert [u["email"] for u in rest["items"]] == ["cy@example.com", "di@example.com"]
        assert rest["next"] is None and rest["items"][1]["disabled_at"] is not None
        assert all(set(u) == set(page.items[0].model_dump()) for u in rest["items"])
        assignable = get(admin, assignable="true").json()["items"]
        assert [u["email"] for u in assignable] == ["ana@example.com", "cy@example.com"]
        assert get(admin, limit=0).status_code == 422
