"""``compliance llm serve``: a real small chat model on 127.0.0.1 for the probe.

It loads SmolLM2-135M-Instruct (or ``--model-file``) into llama.cpp's OpenAI-compatible
server (:mod:`compliance.sources.local_llm`; needs ``make setup-llm``), prints the base URL
to give a probe source as ``base_url``, and serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from compliance.cli.context import JsonFlag, emit_json, err_console
from compliance.cli.usage import command_group
from compliance.sources.local_llm import start_server

__all__ = ["app"]

app = command_group("A real local chat model (llama.cpp, SmolLM2-135M-Instruct) for probes.")


@app.command("serve")
def serve(
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="port on 127.0.0.1 (0: any free)")
    ] = 0,
    model_file: Annotated[
        Path | None, typer.Option("--model-file", help="a GGUF file (default: SmolLM2's)")
    ] = None,
    parallel: Annotated[int, typer.Option(min=1, max=64, help="requests served at once")] = 2,
    threads: Annotated[int, typer.Option(min=1, max=256, help="CPU threads per request")] = 1,
    json_: JsonFlag = False,
) -> None:
    """Serve a chat model on 127.0.0.1 until SIGINT/SIGTERM; prints its base URL first."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with start_server(model_file, port=port, parallel=parallel, threads=threads) as server:
            if json_:
                emit_json({"base_url": server.base_url, "model_file": str(server.model_file)})
            else:
                sys.stdout.write(f"{server.base_url}\n")
            sys.stdout.flush()
            err_console.print(
                f"serving {server.model_file.name} at {server.base_url} "
                "(OpenAI chat API); stop with Ctrl-C",
                markup=False,
            )
            while not stop.wait(0.5):
                pass
        err_console.print("stopped", markup=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
