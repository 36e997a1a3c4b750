"""Probe suites and persona sets: their files, the bundled ones, and the prompts they make.

A **suite** (JSON or YAML; see ``docs/probe-suites.md``) holds objective items, each with
an id, an optional context, a question and its answer: multiple choice (options, the
right one by letter or text) or short answer (the answer and its aliases). A **persona
set** holds personas, each with an id, group attributes (``gender: female``,
``age_band: 65+``) and a first-person description. The project ships, in
``compliance/data/probe/``, the suites ``facts-mc-40`` and ``facts-short-40`` (the same 40
facts, written by the project, as multiple choice and as short answers) and the persona
set ``core-10`` (ten personas across gender, age, religion, nationality and disability).
A suite of disambiguated BBQ items is built from the user's own copy of BBQ with
``python -m compliance.sources.probe_suite build-bbq-suite BBQ_DIR OUT``.

Every item is asked once with no persona (the baseline, ``persona_id`` null) and once per
persona and **variant** (:func:`build_prompts`):

- ``system``: the description in a system message (``system_template``), the question as
  the user's message;
- ``inline``: the description written before the question in the user's message
  (``inline_template``);
- ``implicit``: no stated description; the persona's ``conversation`` (earlier user and
  assistant turns in which the user reveals who they are) precedes the question, so that
  an audit can compare explicit and implicit conditioning of the same persona.

Why one module of this length: the file formats of suites and persona sets and the prompts
built from them change together (a field added to an item reaches the prompt).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from compliance.errors import ConfigError, InputError
from compliance.paths import bundled_data
from compliance.sources.canonical import input_error_from_validation
from compliance.sources.files import open_lines

__all__ = [
    "BUNDLED_PERSONAS",
    "BUNDLED_SUITES",
    "LETTERS",
    "Persona",
    "PersonaSet",
    "ProbeItem",
    "ProbeSuite",
    "Prompt",
    "Turn",
    "bbq_prediction_files",
    "build_bbq_suite",
    "build_prompts",
    "load_personas",
    "load_suite",
    "question_text",
    "write_suite",
]

BUNDLED_SUITES = {"facts-mc-40": "facts-mc-40.json", "facts-short-40": "facts-short-40.json"}
BUNDLED_PERSONAS = {"core-10": "personas-core-10.json"}
LETTERS = string.ascii_uppercase
DEFAULT_INSTRUCTIONS = "Answer with the letter of the correct option only."
SHORT_ANSWER_INSTRUCTIONS = "Answer with the answer only, in a few words."

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
PersonaName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:+-]*$", max_length=100)
]
AttributeName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$", max_length=64)
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20000, strip_whitespace=True)]


# -- suites and personas ----------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProbeItem(_Model):
    """One objective question: **multiple choice** (``options``, and ``answer`` a letter or
    an option's text) or **short answer** (no ``options``; ``answer`` and any ``aliases``
    are the accepted replies, compared after :func:`~compliance.sources.short_answer.normalize`)."""

    id: Identifier
    cluster_id: Identifier | None = None
    context: Text | None = None
    question: Text
    options: list[Text] | None = Field(default=None, min_length=2, max_length=26)
    answer: Text
    aliases: list[Text] = Field(default_factory=list, max_length=20)
    extra: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> ProbeItem:
        if self.options is None:
            return self
        if self.aliases:
            raise ValueError("aliases are for short-answer items (items without options)")
        if len({o.casefold() for o in self.options}) != len(self.options):
            raise ValueError("the options must differ")
        self.answer_index  # noqa: B018  (raises when the answer names no option)
        return self

    @property
    def is_multiple_choice(self) -> bool:
        return self.options is not None

    @property
    def answer_index(self) -> int:
        """The right option's index (multiple choice only)."""
        if self.options is None:
            raise ValueError(f"item {self.id!r} is a short-answer item: it has no options")
        letter = self.answer.strip().rstrip(".").upper()
        if len(letter) == 1 and letter in LETTERS[: len(self.options)]:
            return LETTERS.index(letter)
        for index, option in enumerate(self.options):
            if option.casefold() == self.answer.casefold():
                return index
        raise ValueError(f"answer {self.answer!r} is neither an option's letter nor its text")

    @property
    def expected_answer(self) -> str:
        """The right answer as text: the option's text, or the short answer."""
        return self.answer if self.options is None else self.options[self.answer_index]


class ProbeSuite(_Model):
    """A named, versioned list of items; ``instructions`` end every question (default:
    :data:`DEFAULT_INSTRUCTIONS` for multiple choice, :data:`SHORT_ANSWER_INSTRUCTIONS`
    for short answers)."""

    name: Identifier
    version: Identifier = "1"
    description: str | None = None
    instructions: Text | None = None
    items: list[ProbeItem] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _unique(cls, items: list[ProbeItem]) -> list[ProbeItem]:
        seen: set[str] = set()
        for item in items:
            if item.id in seen:
                raise ValueError(f"the item id {item.id!r} appears twice")
            seen.add(item.id)
        return items

    def instructions_for(self, item: ProbeItem) -> str:
        """What ends ``item``'s question: the suite's instructions, or the default of its kind."""
        if self.instructions is not None:
            return self.instructions
        return DEFAULT_INSTRUCTIONS if item.is_multiple_choice else SHORT_ANSWER_INSTRUCTIONS


class Turn(_Model):
    """One earlier message of a conversation: the user's or the assistant's."""

    role: Literal["user", "assistant"]
    content: Text


class Persona(_Model):
    """Who the model is told it is talking to; ``id`` must not contain ``/``.

    ``description`` states the persona (the ``system`` and ``inline`` variants);
    ``conversation``, when given, conveys it implicitly (the ``implicit`` variant): earlier
    turns, the user's first, alternating, the assistant's last, in which the user reveals
    who they are without a stated profile (the implicit-preference setting of TriAlign)."""

    id: PersonaName
    description: Text
    attributes: dict[AttributeName, Annotated[str, StringConstraints(min_length=1)]] = Field(
        min_length=1
    )
    conversation: list[Turn] | None = Field(default=None, min_length=2, max_length=40)

    @field_validator("conversation")
    @classmethod
    def _alternating(cls, turns: list[Turn] | None) -> list[Turn] | None:
        if turns is None:
            return None
        for position, turn in enumerate(turns):
            expected = "user" if position % 2 == 0 else "assistant"
            if turn.role != expected:
                raise ValueError(
                    f"turn {position + 1} is the {turn.role}'s: the turns alternate, "
                    "the user's first"
                )
        if turns[-1].role != "assistant":
            raise ValueError("the last turn must be the assistant's (the question follows it)")
        return turns


class PersonaSet(_Model):
    name: Identifier
    description: str | None = None
    personas: list[Persona] = Field(min_length=1)

    @field_validator("personas")
    @classmethod
    def _unique(cls, personas: list[Persona]) -> list[Persona]:
        ids = [p.id for p in personas]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"the persona id {repeated[0]!r} appears twice")
        return personas


def load_suite(ref: str | Path) -> ProbeSuite:
    """A suite from a file (``.json``, ``.yaml``, ``.yml``) or a bundled suite's name."""
    return _load(ref, BUNDLED_SUITES, ProbeSuite, "suite")


def load_personas(ref: str | Path) -> PersonaSet:
    """A persona set from a file or a bundled set's name (``core-10``)."""
    return _load(ref, BUNDLED_PERSONAS, PersonaSet, "persona set")


_M = TypeVar("_M", bound=BaseModel)


def _load(ref: str | Path, bundled: Mapping[str, str], model: type[_M], what: str) -> _M:
    path = bundled_data("probe") / bundled[str(ref)] if str(ref) in bundled else Path(ref)
    if not path.is_file():
        raise InputError(
            f"no such {what} file",
            file=str(path),
            hint=f"give a file, or a bundled {what}: {', '.join(bundled)}",
        )
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except (json.JSONDecodeError, ValueError) as exc:
        raise InputError(f"malformed {what} file ({exc})", file=str(path)) from None
    except Exception as exc:  # yaml.YAMLError without importing yaml at module level
        raise InputError(f"malformed {what} file ({exc})", file=str(path)) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = input_error_from_validation(exc, file=str(path), line=None)
        raise InputError(
            error.problem.removeprefix("Value error, "),
            file=str(path),
            field=error.field,
            value=error.value,
            hint="see docs/probe-suites.md",
        ) from None


# -- prompts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """One request to send: an item, for a persona and variant (both None: baseline)."""

    item: ProbeItem
    persona: Persona | None
    variant: str | None
    messages: tuple[tuple[str, str], ...]

    @property
    def persona_id(self) -> str | None:
        return None if self.persona is None else f"{self.persona.id}/{self.variant}"

    def payload_messages(self) -> list[dict[str, str]]:
        return [{"role": role, "content": content} for role, content in self.messages]


def question_text(item: ProbeItem, instructions: str) -> str:
    """The user's question: context, question, lettered options (multiple choice only),
    instructions."""
    parts = [item.context] if item.context else []
    parts.append(item.question)
    if item.options is not None:
        parts.append("\n".join(f"{LETTERS[i]}. {text}" for i, text in enumerate(item.options)))
    parts.append(instructions)
    return "\n\n".join(parts)


def build_prompts(
    suite: ProbeSuite,
    personas: PersonaSet,
    *,
    variants: Sequence[str] = ("system",),
    include_baseline: bool = True,
    system_template: str = "Here is what you know about the user: {persona}",
    inline_template: str = "{persona}\n\n{question}",
) -> list[Prompt]:
    """Every prompt of a probe, item by item: the baseline, then each persona x variant."""
    prompts: list[Prompt] = []
    for item in suite.items:
        question = question_text(item, suite.instructions_for(item))
        if include_baseline:
            prompts.append(Prompt(item, None, None, (("user", question),)))
        for persona in personas.personas:
            for variant in variants:
                messages: tuple[tuple[str, str], ...]
                if variant == "system":
                    messages = (
                        ("system", system_template.format(persona=persona.description)),
                        ("user", question),
                    )
                elif variant == "inline":
                    text = inline_template.format(persona=persona.description, question=question)
                    messages = (("user", text),)
                elif variant == "implicit":
                    if persona.conversation is None:
                        raise ConfigError(
                            f"persona {persona.id!r} of the persona set {personas.name!r} has "
                            "no conversation: the implicit variant needs one",
                            hint="give each persona a conversation (docs/probe-suites.md), "
                            "or drop the implicit variant",
                        )
                    turns = tuple((t.role, t.content) for t in persona.conversation)
                    messages = (*turns, ("user", question))
                else:
                    raise ConfigError(
                        f"unknown probe variant {variant!r}", hint="system, inline or implicit"
                    )
                prompts.append(Prompt(item, persona, variant, messages))
    return prompts


# -- a BBQ suite, from the user's own copy of BBQ ----------------------------------------


def build_bbq_suite(
    bbq_dir: Path,
    *,
    count: int = 300,
    seed: str = "bbq-disambig-300",
    name: str = "bbq-disambig-300",
) -> ProbeSuite:
    """``count`` disambiguated BBQ items, the same number from each category (the first
    categories by name take the remainder), chosen by the sha256 of ``seed``, category and
    example id: deterministic on any machine and Python version."""
    by_category: dict[str, list[dict[str, Any]]] = {}
    for path in bbq_prediction_files(bbq_dir):
        lines = open_lines(path)
        with contextlib.closing(lines):
            for line_no, line in lines:
                try:
                    row = json.loads(line)
                    disambiguated = row["context_condition"] == "disambig"
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise InputError(
                        f"not a BBQ row ({exc})", file=str(path), line=line_no
                    ) from None
                if disambiguated:
                    by_category.setdefault(row["category"], []).append(row)
    if not by_category:
        raise InputError("no disambiguated BBQ items in these files", file=str(bbq_dir))
    categories = sorted(by_category)
    share, remainder = divmod(count, len(categories))
    chosen: list[dict[str, Any]] = []
    for position, category in enumerate(categories):
        rows = sorted(
            by_category[category],
            key=lambda r: hashlib.sha256(
                f"{seed}:{category}:{r['example_id']}".encode()
            ).hexdigest(),
        )
        chosen.extend(rows[: share + (1 if position < remainder else 0)])
    chosen.sort(key=lambda r: (r["category"], int(r["example_id"])))
    items = [
        ProbeItem(
            id=f"{row['category']}:{row['example_id']}",
            cluster_id=f"{row['category']}:{row['question_index']}",
            context=row["context"],
            question=row["question"],
            options=[row["ans0"], row["ans1"], row["ans2"]],
            answer=LETTERS[row["label"]],
            extra={
                "bbq.category": row["category"],
                "bbq.question_polarity": row["question_polarity"],
                "bbq.context_condition": row["context_condition"],
            },
        )
        for row in chosen
    ]
    return ProbeSuite(
        name=name,
        version="1",
        description=(
            f"{len(items)} disambiguated items of BBQ (Parrish et al., Findings of ACL 2022; "
            "CC BY 4.0), the same number from each category, chosen by sha256 of "
            f"'{seed}:<category>:<example_id>'. Each context says who is who, so each "
            "question has one right answer, whoever asks."
        ),
        instructions=DEFAULT_INSTRUCTIONS,
        items=items,
    )


def bbq_prediction_files(bbq_dir: Path) -> list[Path]:
    """The BBQ prediction files of a directory the user keeps: ``preds_<Category>.jsonl``
    (as in the BBQ repository's ``results/UnifiedQA/``), gzip-compressed or not."""
    if not bbq_dir.is_dir():
        raise InputError(
            "no such directory",
            file=str(bbq_dir),
            hint="give the directory holding BBQ's preds_<Category>.jsonl files",
        )
    files = sorted(p for p in bbq_dir.glob("preds_*.jsonl*") if p.name.endswith((".jsonl", ".gz")))
    if not files:
        raise InputError(
            "no BBQ prediction files (preds_<Category>.jsonl or .jsonl.gz) here",
            file=str(bbq_dir),
            hint="download results/UnifiedQA/preds_*.jsonl from the BBQ repository",
        )
    return files


def write_suite(suite: ProbeSuite, path: Path) -> None:
    """Write a suite as JSON, one item per line for readable diffs."""
    head = suite.model_dump(mode="json", exclude={"items"}, exclude_none=True)
    lines = [
        json.dumps(
            item.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
            ensure_ascii=False,
        )
        for item in suite.items
    ]
    body = json.dumps(head, ensure_ascii=False, indent=2)[:-2]
    path.write_text(
        body + ',\n  "items": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n", encoding="utf-8"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m compliance.sources.probe_suite build-bbq-suite BBQ_DIR OUT``: a probe
    suite of disambiguated BBQ items, from the user's copy of BBQ's prediction files."""
    parser = argparse.ArgumentParser(prog="python -m compliance.sources.probe_suite")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-bbq-suite", help="a suite of disambiguated BBQ items")
    build.add_argument("bbq_dir", type=Path, help="the directory of BBQ's preds_*.jsonl files")
    build.add_argument("out", type=Path, help="the suite file to write (.json)")
    build.add_argument("--count", type=int, default=300)
    args = parser.parse_args(argv)
    try:
        suite = build_bbq_suite(args.bbq_dir, count=args.count)
    except InputError as exc:
        parser.exit(1, f"error: {exc.message}\n" + (f"hint: {exc.hint}\n" if exc.hint else ""))
    write_suite(suite, args.out)
    print(f"wrote {args.out}: {len(suite.items)} items")


if __name__ == "__main__":
    main()
