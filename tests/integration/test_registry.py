"""``compliance models``: register, list, show, each with --json; duplicates are refused."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from compliance.bootstrap import App, build_app
from compliance.cli import context
from compliance.config import Settings
from tests.conftest import CliResult, table_counts

Cli = Callable[..., CliResult]


def test_register_list_show(cli: Cli) -> None:
    first = cli(
        "models",
        "register",
        "acme-chat",
        "--version",
        "1.0",
        "--owner",
        "ml-platform",
        "--intended-use",
        "customer support",
        "--risk-tier",
        "high",
        "--json",
    )
    assert first.code == 0, first.err
    view = json.loads(first.out)
    assert view["name"] == "acme-chat"
    assert view["risk_tier"] == "high"
    assert [v["version"] for v in view["versions"]] == ["1.0"]
    assert view["id"].startswith("mdl_")

    assert cli("models", "register", "acme-chat", "--version", "1.1").code == 0
    assert cli("models", "register", "other", "--version", "0.1").code == 0

    listed = json.loads(cli("models", "list", "--json").out)
    assert [m["name"] for m in listed] == ["acme-chat", "other"]
    assert [v["version"] for v in listed[0]["versions"]] == ["1.0", "1.1"]

    shown = cli("models", "show", "acme-chat", "--json")
    assert json.loads(shown.out)["owner"] == "ml-platform"
    human = cli("models", "show", "acme-chat")
    assert "1.1" in human.out and "customer support" in human.out


def test_registering_an_existing_version_is_a_clear_error(cli: Cli, app: App) -> None:
    assert cli("models", "register", "acme-chat", "--version", "1.0").code == 0
    before = table_counts(app)
    again = cli("models", "register", "acme-chat", "--version", "1.0")
    assert again.code == 1
    assert "error: model 'acme-chat' already has version '1.0'" in again.err
    assert again.err.count("\n") <= 2  # one line, plus a hint at most
    assert table_counts(app) == before


def test_unknown_model_and_bad_names(cli: Cli) -> None:
    missing = cli("models", "show", "nope")
    assert missing.code == 1
    assert "unknown model 'nope'" in missing.err
    assert "compliance models register nope" in missing.err
    bad = cli("models", "register", "no spaces please", "--version", "1")
    assert bad.code == 1
    assert "field 'NAME'" in bad.err


def test_empty_registry_lists_nothing(cli: Cli) -> None:
    assert json.loads(cli("models", "list", "--json").out) == []
    assert "no models yet" in cli("models", "list").out


def test_commands_refuse_an_uninitialized_database(
    cli: Cli, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    blank = Settings(home=settings.home, database_url=f"sqlite:///{settings.home}/blank.db")
    monkeypatch.setattr(context.state, "factory", lambda: build_app(blank))
    result = cli("models", "list")
    assert result.code == 1
    assert "not initialized" in result.err
    assert "compliance init" in result.err
