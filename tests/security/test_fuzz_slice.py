"""A slice of ``make bench-fuzz``: every parser and inbound surface on generated inputs.

The same targets as ``python -m bench.fuzz`` with a fixed seed and about a hundred inputs
each (``FUZZ_SLICE_EXAMPLES``): real requests against the channels mounted by Rasa's
``configure_app`` on local ports (REST with its token, socket.io over a websocket with a
signed session, multipart uploads, signed and encrypted WeChat requests, the console signed
in). A test fails on a parser exception, a 5xx, a dropped connection, a server that stops
answering, or anything logged at ERROR; its message shows the inputs and tracebacks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.fuzz.harness import Result, run_target
from bench.fuzz.parsers import parser_targets
from bench.fuzz.serving import LoopThread, fuzz_environment
from bench.fuzz.surfaces import SURFACE_NAMES, Surfaces, start_surfaces, surface_targets

PARSER_EXAMPLES = int(os.environ.get("FUZZ_SLICE_PARSER_EXAMPLES", "200"))
SURFACE_EXAMPLES = int(os.environ.get("FUZZ_SLICE_EXAMPLES", "100"))
SEED = 20261202
PARSER_NAMES = ("serial", "phone", "dates", "devices", "places", "prices", "ratings", "free_text")


def _explain(result: Result) -> str:
    shown = "\n\n".join(f"input: {e['input']}\n{e['error']}" for e in result.examples)
    return f"{result.failures} of {result.inputs} inputs failed on {result.name}:\n{shown}"


def test_every_parser_has_a_target() -> None:
    assert tuple(t.name for t in parser_targets()) == PARSER_NAMES


@pytest.mark.parametrize("name", PARSER_NAMES)
def test_parser_survives_generated_inputs(name: str) -> None:
    target = next(t for t in parser_targets() if t.name == name)
    result = run_target(target, PARSER_EXAMPLES, seed=SEED)
    assert result.inputs == PARSER_EXAMPLES
    assert result.failures == 0, _explain(result)


@pytest.fixture(scope="module")
def surfaces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Surfaces]:
    """The channels served in this process with fresh stores (settings restored afterwards)."""
    root: Path = tmp_path_factory.mktemp("fuzz")
    with fuzz_environment(root) as env:
        loop = LoopThread()
        try:
            yield start_surfaces(loop, env)
        finally:
            loop.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_surface_survives_generated_inputs(surfaces: Surfaces, name: str) -> None:
    (target,) = surface_targets(surfaces, {name})
    result = run_target(target, SURFACE_EXAMPLES, seed=SEED, settle=surfaces.loop.settle)
    assert result.inputs == SURFACE_EXAMPLES
    assert result.failures == 0, _explain(result)
