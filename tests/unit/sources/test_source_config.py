"""Source configurations: one model per kind, strict, with one-line errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.errors import ConfigError
from compliance.sources.config import (
    FilesSourceConfig,
    HttpSourceConfig,
    InspectSourceConfig,
    LmEvalSourceConfig,
    ProbeSourceConfig,
    parse_source_config,
    secret_from_env,
)


def test_each_kind_parses_to_its_model() -> None:
    assert isinstance(parse_source_config("files", {"path": "r.jsonl"}), FilesSourceConfig)
    assert isinstance(
        parse_source_config("http", {"url": "https://h.example/records"}), HttpSourceConfig
    )
    assert isinstance(parse_source_config("lm-eval", {"path": "out"}), LmEvalSourceConfig)
    assert isinstance(parse_source_config("inspect", {"path": "logs"}), InspectSourceConfig)
    probe = parse_source_config(
        "probe",
        {"base_url": "http://127.0.0.1:8000/v1", "model": "m", "suite": "s", "personas": "p"},
    )
    assert isinstance(probe, ProbeSourceConfig)
    assert probe.concurrency == 8
    assert probe.variants == ["system"]


def test_defaults_of_the_http_source() -> None:
    config = parse_source_config("http", {"url": "http://127.0.0.1/r", "kind": "http"})
    assert isinstance(config, HttpSourceConfig)
    assert (config.items_field, config.next_cursor_field, config.cursor_param) == (
        "records",
        "next_cursor",
        "cursor",
    )
    assert config.token_env is None


def _error(kind: str, data: dict[str, object]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_source_config(kind, data)
    assert "\n" not in str(caught.value)
    return caught.value


def test_an_unknown_field_is_named() -> None:
    error = _error("http", {"url": "https://h.example/r", "tokn_env": "X"})
    assert str(error) == "source config (http): field 'tokn_env': is not a field of this kind"
    assert error.hint is not None


def test_a_missing_field_is_named() -> None:
    assert str(_error("probe", {"model": "m", "suite": "s", "personas": "p"})) == (
        "source config (probe): field 'base_url': is required"
    )


def test_a_bad_value_is_shown() -> None:
    message = str(_error("http", {"url": "https://h.example/r", "max_retries": -1}))
    assert message.startswith("source config (http): field 'max_retries' = -1: ")
    assert "greater than or equal to 0" in message


def test_a_secret_is_refused_where_a_variable_name_belongs() -> None:
    error = _error("http", {"url": "https://h.example/r", "token_env": "sk-live-0123456789"})
    assert "token_env" in str(error)
    assert "sk-live" in str(error)  # the value is shown so the user sees the mistake
    assert error.hint is not None
    assert "NAME of an environment variable" in error.hint


def test_secret_headers_are_refused() -> None:
    message = str(
        _error("http", {"url": "https://h.example/r", "headers": {"Authorization": "Bearer x"}})
    )
    assert "field 'headers'" in message
    assert "token_env" in message


def test_the_kind_must_agree() -> None:
    assert "does not match" in str(_error("http", {"kind": "files", "url": "https://h/r"}))


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown source kind 'ftp'"):
        parse_source_config("ftp", {})


def test_a_url_must_be_http() -> None:
    assert "field 'url'" in str(_error("http", {"url": "ftp://h.example/r"}))


def test_probe_variants_and_templates_are_checked() -> None:
    base = {"base_url": "https://api.example/v1", "model": "m", "suite": "s", "personas": "p"}
    assert "field 'variants.0'" in str(_error("probe", {**base, "variants": ["sidebar"]}))
    assert "appear once" in str(_error("probe", {**base, "variants": ["system", "system"]}))
    assert "{user}" in str(_error("probe", {**base, "system_template": "Hi {user}"}))
    assert "{question}" in str(_error("probe", {**base, "inline_template": "{persona}"}))


def test_the_bbq_format_needs_its_prediction_field() -> None:
    assert "prediction_field" in str(_error("files", {"path": "p.jsonl.gz", "format": "bbq"}))
    config = parse_source_config(
        "files", {"path": "p.jsonl.gz", "format": "bbq", "prediction_field": "pred"}
    )
    assert isinstance(config, FilesSourceConfig)
    assert config.path == Path("p.jsonl.gz")


def test_configs_are_frozen() -> None:
    config = parse_source_config("lm-eval", {"path": "out"})
    assert isinstance(config, LmEvalSourceConfig)
    with pytest.raises(ValueError, match="frozen"):
        config.path = Path("elsewhere")  # type: ignore[misc]


def test_secret_from_env() -> None:
    assert secret_from_env("TOKEN", env={"TOKEN": "s3cret"}, what="a token") == "s3cret"
    with pytest.raises(ConfigError, match="TOKEN") as caught:
        secret_from_env("TOKEN", env={}, what="a token")
    assert caught.value.hint == "export TOKEN=... before running"


def test_every_kind_takes_a_baseline_persona_and_refusal_patterns() -> None:
    minimal: dict[str, dict[str, object]] = {
        "files": {"path": "r.jsonl"},
        "http": {"url": "https://h.example/r"},
        "lm-eval": {"path": "out"},
        "inspect": {"path": "logs"},
        "probe": {
            "base_url": "http://127.0.0.1:8000/v1",
            "model": "m",
            "suite": "s",
            "personas": "p",
        },
    }
    for kind, data in minimal.items():
        config = parse_source_config(
            kind, {**data, "baseline_persona": "baseline", "refusal_patterns": [r"\bnope\b"]}
        )
        assert config.baseline_persona == "baseline"
        assert config.refusal_patterns == [r"\bnope\b"]
        assert parse_source_config(kind, data).refusal_patterns == []


def test_a_bad_refusal_pattern_is_one_line_naming_it() -> None:
    error = _error("files", {"path": "r.jsonl", "refusal_patterns": ["ok", "(unclosed"]})
    assert str(error).startswith("source config (files): field 'refusal_patterns': ")
    assert "refusal_patterns[1] = '(unclosed' is not a regular expression" in str(error)


def test_persona_paths_of_lm_eval_and_inspect() -> None:
    inspect = parse_source_config("inspect", {"path": "logs"})
    assert isinstance(inspect, InspectSourceConfig)
    assert inspect.persona_field == "metadata.persona"
    assert inspect.persona_id_field == ["metadata.persona_id", "metadata.persona.id"]
    lm = parse_source_config("lm-eval", {"path": "out", "persona_id_field": "doc.who"})
    assert isinstance(lm, LmEvalSourceConfig)
    assert (lm.persona_field, lm.persona_id_field) == ("doc.persona", "doc.who")


def test_the_older_inspect_persona_keys_keep_their_meaning() -> None:
    """Configs stored before carry persona_key/persona_id_key (dumped with their defaults,
    which become the new defaults); other values map to the paths they meant."""
    stored = {"path": "logs", "persona_key": "persona", "persona_id_key": "id"}
    config = parse_source_config("inspect", stored)
    assert isinstance(config, InspectSourceConfig)
    assert config == parse_source_config("inspect", {"path": "logs"})
    assert "persona_key" not in config.model_dump()
    custom = parse_source_config("inspect", {"path": "logs", "persona_key": "who"})
    assert isinstance(custom, InspectSourceConfig)
    assert (custom.persona_field, custom.persona_id_field) == ("metadata.who", "metadata.who.id")
    none = parse_source_config("inspect", {"path": "logs", "persona_key": None})
    assert isinstance(none, InspectSourceConfig)
    assert (none.persona_field, none.persona_id_field) == (None, None)
    both = _error("inspect", {"path": "logs", "persona_key": "p", "persona_field": "metadata.p"})
    assert "older names" in str(both)
    bad = _error("inspect", {"path": "logs", "persona_key": "a.b"})
    assert "persona_key must be a metadata key" in str(bad)
