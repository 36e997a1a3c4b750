"""``compliance demo --llm``: the demo's audit of a **real** model, SmolLM2-135M-Instruct
served on 127.0.0.1 by llama.cpp (:mod:`compliance.sources.local_llm`; ``make setup-llm``).

Two probe sources of the model version ``smollm2-135m-instruct q4_1`` ask the shipped
suites ``facts-short-40`` and ``facts-mc-40`` (letters read from the first token's
probabilities) with no persona and under the four gender-and-age personas of ``core-10``
(temperature 0, seed 1234): 400 prompts. The probe audits them under truth invariance.
Not part of ``make demo``: on a 2-core machine these prompts take minutes (``make
demo-llm`` runs it).
"""

from __future__ import annotations

import contextlib

from compliance.bootstrap import App
from compliance.cli.context import err_console
from compliance.cli.progress import record_progress
from compliance.errors import AlreadyExists
from compliance.services.registry import register_model_version
from compliance.services.sources import add_source, pull_sources, update_source
from compliance.sources.local_llm import start_server
from compliance.sources.probe_suite import load_personas

__all__ = ["LLM_MODEL", "LLM_VERSION", "probe_local_llm"]

LLM_MODEL = "smollm2-135m-instruct"
LLM_VERSION = "q4_1"
_PERSONAS = ("p-female-70", "p-male-70", "p-female-24", "p-male-24")
_SUITES: dict[str, dict[str, object]] = {
    "facts-short-40": {"max_tokens": 16},
    "facts-mc-40": {"max_tokens": 8, "mc_scoring": "logprobs"},
}


def probe_local_llm(cli_app: App) -> None:
    """Serve the model, (re)configure its two probe sources on the server's URL and pull
    them; a second run finds the same replies and stores nothing new."""
    with contextlib.suppress(AlreadyExists):
        register_model_version(
            cli_app.uow_factory,
            cli_app.clock,
            LLM_MODEL,
            LLM_VERSION,
            owner="demo",
            intended_use="a real local model (SmolLM2-135M-Instruct, llama.cpp), demo",
            risk_tier="limited",
        )
    home = cli_app.settings.home
    core = load_personas("core-10")
    chosen = core.model_copy(update={"personas": [p for p in core.personas if p.id in _PERSONAS]})
    personas = home / "demo-llm-personas.json"
    personas.parent.mkdir(parents=True, exist_ok=True)
    personas.write_text(chosen.model_dump_json(exclude_none=True), encoding="utf-8")
    with start_server(parallel=2) as server:
        err_console.print(
            f"real model: {server.model_file.name} at {server.base_url}", markup=False
        )
        for suite, settings in _SUITES.items():
            name = f"demo-{LLM_MODEL}-{suite}"
            config: dict[str, object] = {
                "base_url": server.base_url,
                "model": LLM_MODEL,
                "suite": suite,
                "personas": str(personas),
                "temperature": 0,
                "seed": 1234,
                "concurrency": 2,
                "timeout": 600,
                **settings,
            }
            try:
                add_source(
                    cli_app.uow_factory,
                    cli_app.clock,
                    name,
                    model=LLM_MODEL,
                    version=LLM_VERSION,
                    kind="probe",
                    config=config,
                )
            except AlreadyExists:
                update_source(cli_app.uow_factory, name, config=config)
            with record_progress() as progress:
                (outcome,) = pull_sources(
                    cli_app.uow_factory,
                    cli_app.clock,
                    cache_dir=home / "probe-cache",
                    source=name,
                    on_progress=progress,
                )
            if outcome.error is not None:
                raise RuntimeError(f"the probe of the local model failed: {outcome.error}")
            err_console.print(
                f"{LLM_MODEL} {LLM_VERSION}: {suite} {outcome.runs[0].record_count} "
                f"records, {'new run' if outcome.new_runs else 'already ingested'}",
                markup=False,
            )
