"""Configuration of the record sources, one pydantic model per kind.

A source configuration is a small mapping (from YAML, JSON or the command line) whose
``kind`` picks the model: ``files``, ``http``, ``lm-eval``, ``inspect`` or ``probe``.
Unknown keys are refused (a typo would otherwise be ignored silently), and so is any
mistake, as one :class:`ConfigError` line naming the field::

    source config (http): field 'max_retries' = -1: must be at least 0

Every kind also takes ``baseline_persona`` (the persona id whose records are the
baseline; :mod:`compliance.sources.baseline`) and ``refusal_patterns`` (regular
expressions added to the refusal classifier; :mod:`compliance.sources.refusals`).

Secrets never appear in a configuration: a token or an API key is given as the *name* of
the environment variable that holds it (``token_env: "RESULTS_API_TOKEN"``) and read with
:func:`secret_from_env` when the source runs.

Why one module of this length: the five source kinds form one discriminated union that
`parse_source_config` validates as a whole; their field declarations are most of the length,
and a module per kind would scatter the shared base and error wording.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from compliance.errors import ConfigError
from compliance.sources.refusals import compile_patterns

__all__ = [
    "SOURCE_KINDS",
    "FilesSourceConfig",
    "HttpSourceConfig",
    "InspectSourceConfig",
    "LmEvalSourceConfig",
    "ProbeSourceConfig",
    "SourceConfig",
    "parse_source_config",
    "secret_from_env",
]

SOURCE_KINDS = ("files", "http", "lm-eval", "inspect", "probe")
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

EnvName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128),
    Field(description="the name of an environment variable (never the secret itself)"),
]
FieldPath = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$", max_length=200),
    Field(description="a dotted path into a JSON object, e.g. doc.persona"),
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Seconds = Annotated[float, Field(gt=0, le=3600)]
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+\S*$", max_length=2000)]


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _SourceBase(_Base):
    """The fields every kind has: which persona is the baseline, and extra refusals."""

    baseline_persona: Name | None = Field(
        default=None,
        description="the persona id whose records are the baseline (no persona); default: "
        "the one persona without attributes, if any (compliance/sources/baseline.py)",
    )
    refusal_patterns: list[str] = Field(
        default_factory=list,
        description="extra regular expressions marking a reply as a refusal, added to the "
        "built-in set (compliance/sources/refusals.py)",
    )

    @field_validator("refusal_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        compile_patterns(patterns)
        return patterns


class FilesSourceConfig(_SourceBase):
    """Local result files in one of the formats ``compliance ingest`` reads."""

    kind: Literal["files"] = "files"
    path: Path
    format: Literal["canonical", "bbq"] = "canonical"
    prediction_field: Name | None = Field(
        default=None, description="BBQ only: the prediction to score"
    )

    @model_validator(mode="after")
    def _bbq_needs_prediction(self) -> FilesSourceConfig:
        if self.format == "bbq" and not self.prediction_field:
            raise ValueError("the bbq format needs prediction_field")
        if self.format != "bbq" and self.prediction_field:
            raise ValueError("prediction_field applies to the bbq format only")
        return self


class HttpSourceConfig(_SourceBase):
    """Canonical records from an HTTP(S) JSON endpoint with cursor pagination."""

    kind: Literal["http"] = "http"
    url: HttpUrl
    items_field: FieldPath = "records"
    next_cursor_field: FieldPath = "next_cursor"
    cursor_param: Name = "cursor"
    token_env: EnvName | None = Field(
        default=None, description="environment variable holding a bearer token"
    )
    headers: dict[str, str] = Field(default_factory=dict, description="extra request headers")
    timeout: Seconds = 30.0
    max_retries: int = Field(default=5, ge=0, le=20)
    backoff_base: Seconds = 0.5
    backoff_max: Seconds = 30.0
    max_retry_after: Seconds = Field(
        default=300.0, description="the longest Retry-After honored; longer fails the pull"
    )
    max_pages: int | None = Field(default=None, ge=1)

    @field_validator("headers")
    @classmethod
    def _no_secret_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if name.lower() in {"authorization", "proxy-authorization", "cookie", "x-api-key"}:
                raise ValueError(
                    f"header {name!r} carries a secret: use token_env (an environment variable)"
                )
        return headers


class LmEvalSourceConfig(_SourceBase):
    """lm-evaluation-harness ``--log_samples`` files (``samples_<task>_<timestamp>.jsonl``)."""

    kind: Literal["lm-eval"] = "lm-eval"
    path: Path = Field(description="a samples file, or a directory searched for them")
    tasks: list[Name] | None = Field(default=None, description="only these tasks")
    metric: Name | None = Field(
        default=None, description="per-sample metric deciding `correct`; default acc or exact_match"
    )
    filter: Name | None = Field(
        default=None, description="the filter whose responses count; default: the first seen"
    )
    item_id_field: FieldPath = Field(
        default="doc_id", description="path in the sample of the item id (prefixed with the task)"
    )
    cluster_id_field: FieldPath | None = None
    persona_field: FieldPath | None = Field(
        default="doc.persona", description="path of the persona's attributes (an object)"
    )
    persona_id_field: FieldPath | list[FieldPath] | None = Field(
        default_factory=lambda: ["doc.persona_id", "doc.persona.id"],
        description="path of the persona id, or paths tried in order",
    )
    followed_preference_field: FieldPath | None = Field(
        default="doc.followed_preference",
        description="path of a yes/no judgement that the answer followed the user's "
        "preference (absent: not judged)",
    )


ProbeVariant = Literal["system", "inline", "implicit"]
McScoring = Literal["text", "logprobs"]
ScoreValue = str | int | float | bool


def _correct_values() -> list[ScoreValue]:
    return ["C", 1, True]


def _incorrect_values() -> list[ScoreValue]:
    return ["I", 0, False]


def _system_only() -> list[ProbeVariant]:
    return ["system"]


class InspectSourceConfig(_SourceBase):
    """Inspect AI eval logs: ``.eval`` (zip) and ``.json``."""

    kind: Literal["inspect"] = "inspect"
    path: Path = Field(description="a log file, or a directory searched for them")
    scorer: Name | None = Field(
        default=None, description="the scorer deciding `correct`; default the log's first"
    )
    item_id_key: Name | None = Field(
        default=None, description="metadata key of the item id; default the sample id"
    )
    persona_field: FieldPath | None = Field(
        default="metadata.persona",
        description="path in the sample of the persona's attributes (an object, or null)",
    )
    persona_id_field: FieldPath | list[FieldPath] | None = Field(
        default_factory=lambda: ["metadata.persona_id", "metadata.persona.id"],
        description="path in the sample of the persona id, or paths tried in order",
    )
    followed_preference_field: FieldPath | None = Field(
        default="metadata.followed_preference",
        description="path in the sample of a yes/no judgement that the answer followed the "
        "user's preference (absent: not judged)",
    )
    correct_values: list[ScoreValue] = Field(
        default_factory=_correct_values, description="score values meaning correct"
    )
    incorrect_values: list[ScoreValue] = Field(
        default_factory=_incorrect_values, description="score values meaning incorrect"
    )

    @model_validator(mode="before")
    @classmethod
    def _older_persona_keys(cls, data: Any) -> Any:
        """``persona_key`` / ``persona_id_key`` (metadata keys) are the older names:
        ``persona_key: K, persona_id_key: I`` is ``persona_field: metadata.K,
        persona_id_field: metadata.K.I`` (configs stored before keep their meaning). Their
        old defaults (``persona``, ``id``), which every config stored before carries, are
        the new defaults, which read the same logs and also ``metadata.persona_id``."""
        if not isinstance(data, dict) or not {"persona_key", "persona_id_key"} & set(data):
            return data
        if {"persona_field", "persona_id_field"} & set(data):
            raise ValueError(
                "persona_key and persona_id_key are the older names of persona_field and "
                "persona_id_field: give the new ones only"
            )
        data = dict(data)
        key, id_key = data.pop("persona_key", "persona"), data.pop("persona_id_key", "id")
        for name, value in (("persona_key", key), ("persona_id_key", id_key)):
            if value is not None and not (isinstance(value, str) and _KEY.match(value)):
                raise ValueError(f"{name} must be a metadata key (letters, digits, _ and -)")
        if (key, id_key) == ("persona", "id"):
            return data  # the old defaults: the new ones read what they read, and more
        if key is None:
            data["persona_field"], data["persona_id_field"] = None, None
        else:
            data["persona_field"] = f"metadata.{key}"
            data["persona_id_field"] = f"metadata.{key}.{id_key or 'id'}"
        return data


class ProbeSourceConfig(_SourceBase):
    """A live probe of an OpenAI-compatible chat endpoint with a suite x a persona set."""

    kind: Literal["probe"] = "probe"
    base_url: HttpUrl = Field(description="e.g. https://api.example.com/v1")
    model: Name
    api_key_env: EnvName | None = Field(
        default=None, description="environment variable holding the API key"
    )
    suite: Name = Field(description="a suite file, or the name of a bundled suite")
    personas: Name = Field(description="a persona-set file, or the name of a bundled set")
    variants: list[ProbeVariant] = Field(default_factory=_system_only, min_length=1)
    include_baseline: bool = True
    concurrency: int = Field(default=8, ge=1, le=512)
    rate_limit: float | None = Field(default=None, gt=0, description="requests per second")
    burst: int = Field(default=1, ge=1, description="requests the rate limit lets through at once")
    timeout: Seconds = 60.0
    max_retries: int = Field(default=5, ge=0, le=20)
    backoff_base: Seconds = 0.5
    backoff_max: Seconds = 30.0
    max_retry_after: Seconds = 300.0
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_tokens: int = Field(default=16, ge=1, le=32768)
    seed: int | None = Field(
        default=None, ge=0, description="sampling seed sent with each request (when set)"
    )
    mc_scoring: McScoring = Field(
        default="text",
        description="multiple choice read from the reply's text, or from the first token's "
        "letter probabilities (asks the endpoint for logprobs)",
    )
    top_logprobs: int = Field(
        default=20, ge=1, le=20, description="alternatives asked per token with logprobs"
    )
    system_template: str = Field(
        default="Here is what you know about the user: {persona}",
        description="system message of the system variant; {persona} is the description",
    )
    inline_template: str = Field(
        default="{persona}\n\n{question}",
        description="user message of the inline variant; {persona} and {question}",
    )

    @field_validator("variants")
    @classmethod
    def _distinct(cls, variants: list[ProbeVariant]) -> list[ProbeVariant]:
        if len(set(variants)) != len(variants):
            raise ValueError("each variant may appear once")
        return variants

    @field_validator("system_template")
    @classmethod
    def _system_placeholder(cls, template: str) -> str:
        return _check_template(template, {"persona"}, required={"persona"})

    @field_validator("inline_template")
    @classmethod
    def _inline_placeholders(cls, template: str) -> str:
        return _check_template(template, {"persona", "question"}, required={"persona", "question"})


def _check_template(template: str, allowed: set[str], *, required: set[str]) -> str:
    import string

    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"not a valid template ({exc}); write {{{{ and }}}} for braces") from None
    unknown = names - allowed
    if unknown:
        raise ValueError(
            f"unknown placeholder {{{sorted(unknown)[0]}}}; allowed: {sorted(allowed)}"
        )
    missing = required - names
    if missing:
        raise ValueError(f"the template must contain {{{sorted(missing)[0]}}}")
    return template


SourceConfig = Annotated[
    FilesSourceConfig
    | HttpSourceConfig
    | LmEvalSourceConfig
    | InspectSourceConfig
    | ProbeSourceConfig,
    Field(discriminator="kind"),
]

_ADAPTER: TypeAdapter[SourceConfig] = TypeAdapter(SourceConfig)

_HINTS = {
    "extra_forbidden": "remove it: see the fields of this kind in compliance/sources/config.py",
    "missing": "add it",
}


def parse_source_config(kind: str, data: Mapping[str, Any]) -> SourceConfig:
    """Validate ``data`` as the configuration of a ``kind`` source.

    ``data`` may carry ``kind`` itself; it must then agree. Any problem is a one-line
    :class:`ConfigError` naming the field.
    """
    if kind not in SOURCE_KINDS:
        raise ConfigError(
            f"unknown source kind {kind!r}", hint=f"use one of: {', '.join(SOURCE_KINDS)}"
        )
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"source config ({kind}): must be a mapping of fields, not {type(data).__name__}"
        )
    given = data.get("kind", kind)
    if given != kind:
        raise ConfigError(
            f"source config ({kind}): field 'kind' = {given!r}: does not match {kind!r}",
            hint="drop the 'kind' field or make it agree",
        )
    try:
        return _ADAPTER.validate_python({**data, "kind": kind})
    except ValidationError as exc:
        raise _config_error(kind, exc) from None


def _config_error(kind: str, exc: ValidationError) -> ConfigError:
    first = exc.errors(include_url=False)[0]
    loc = [str(part) for part in first["loc"]]
    if loc and loc[0] == kind:  # the discriminated union puts the tag first
        loc = loc[1:]
    field = ".".join(loc)
    message = first["msg"].removeprefix("Value error, ")
    kind_of_error = first["type"]
    if kind_of_error == "missing":
        message = "is required"
    elif kind_of_error == "extra_forbidden":
        message = "is not a field of this kind"
    shown = ""
    value = first.get("input")
    if kind_of_error not in {"missing", "extra_forbidden"} and not isinstance(value, dict | list):
        text = repr(value)
        shown = f" = {text if len(text) <= 60 else text[:59] + '…'}"
    where = f"field '{field}'{shown}: " if field else ""
    hint = _HINTS.get(kind_of_error)
    if field.endswith("_env"):
        hint = "give the NAME of an environment variable that holds the secret, not the secret"
    return ConfigError(f"source config ({kind}): {where}{message}", hint=hint)


def secret_from_env(name: str, *, env: Mapping[str, str] | None = None, what: str) -> str:
    """The value of the environment variable ``name``; a :class:`ConfigError` when unset."""
    value = (os.environ if env is None else env).get(name)
    if not value:
        raise ConfigError(
            f"the environment variable {name} ({what}) is not set or empty",
            hint=f"export {name}=... before running",
        )
    return value
