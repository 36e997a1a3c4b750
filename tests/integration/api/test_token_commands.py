"""``compliance tokens create | list | revoke``: the secret is printed once, only its hash kept."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from compliance.bootstrap import App
from compliance.config import Settings
from compliance.services.registry import register_model_version
from compliance.storage.tables import ApiToken
from tests.integration.api.cli import run_cli


def test_create_list_revoke(
    app: App, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    register_model_version(app.uow_factory, app.clock, "acme-chat", "1.0")
    made = run_cli(
        settings, capsys, "tokens", "create", "EU AI office", "--role", "regulator",
        "--models", "acme-chat", "--expires", "30", "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    created = json.loads(made.out)
    secret, token = created["secret"], created["token"]
    assert secret.startswith("cmp_") and token["id"].startswith("tok_")
    assert token["models"] == ["acme-chat"] and token["role"] == "regulator"
    assert token["expires_at"].endswith("Z") and token["state"] == "active"

    human = run_cli(settings, capsys, "tokens", "create", "officer one", "--role", "officer")
    assert human.code == 0
    printed = human.out.strip()
    assert printed.startswith("cmp_") and "\n" not in printed  # stdout: the secret alone
    assert "shown once" in human.err and "all models" in human.err

    listed = run_cli(settings, capsys, "tokens", "list", "--json")
    rows = json.loads(listed.out)
    assert [r["name"] for r in rows] == ["EU AI office", "officer one"]
    assert secret not in listed.out and printed not in listed.out
    assert "secret" not in listed.out and "hash" not in listed.out
    with app.engine.connect() as connection:
        stored = connection.execute(select(ApiToken.secret_hash).order_by(ApiToken.id)).scalars()
        assert list(stored) == [hashlib.sha256(s.encode()).hexdigest() for s in (secret, printed)]

    revoked = run_cli(settings, capsys, "tokens", "revoke", token["id"], "--json")
    assert json.loads(revoked.out)["state"] == "revoked"
    again = run_cli(settings, capsys, "tokens", "revoke", token["id"])
    assert again.code == 0 and "revoked at" in again.out
    table = run_cli(settings, capsys, "tokens", "list")
    assert "revoked" in table.out and "officer one" in table.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tokens", "create", "x", "--role", "regulator", "--models", "nope"), "no such model"),
        (("tokens", "create", "x", "--role", "regulator", "--models", ","), "names no model"),
        (("tokens", "revoke", "tok_aaaaaaaaaaaaaaaa"), "no such token"),
        (("tokens", "create", "", "--role", "admin"), "NAME"),
    ],
)
def test_user_errors_are_one_line(
    app: App,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    ran = run_cli(settings, capsys, *args)
    assert ran.code == 1
    assert message in ran.err and "Traceback" not in ran.err


def test_an_unknown_role_is_a_usage_mistake(
    app: App, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run_cli(settings, capsys, "tokens", "create", "x", "--role", "god")
    assert ran.code == 2
    assert "'god' is not one of 'regulator', 'officer', 'admin'" in ran.err
    assert "hint: compliance tokens create --help" in ran.err
