"""Fixtures of the Python package's tests: the `loom` command they compare against, and the models.

Every test compares loom.Model with what the `loom` command prints for the same input (the CLI is the
reference the package must equal). The command: $LOOM_CLI, else build/loom in the repository. The models: the
default model and all-MiniLM-L6-v2 under models/ (scripts/fetch_default_model.sh, scripts/fetch_minilm.sh),
and the tiny random-weight folders that scripts/goldens/write_tiny_*.py write (numpy + safetensors only).
A missing command or model is a failure, not a skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
MINILM = REPO / "models" / "all-MiniLM-L6-v2"


def _cli_path() -> Path:
    path = Path(os.environ.get("LOOM_CLI", REPO / "build" / "loom"))
    if not path.is_file():
        raise RuntimeError(f"the loom command is missing at {path}: build it (scripts/build.sh) or set LOOM_CLI")
    return path


class Cli:
    """Runs the `loom` command from the repository root and returns its stdout."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run([str(self.path), *args], cwd=REPO, input=stdin, capture_output=True, text=True,
                              timeout=600, env={**os.environ, "OMP_WAIT_POLICY": "passive"})
        if done.returncode != 0:
            raise AssertionError(f"loom {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    def json(self, *args: str) -> object:
        return json.loads(self(*args))


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli(_cli_path())


def _need(path: Path, fetch: str) -> str:
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run {fetch}")
    return str(path)


@pytest.fixture(scope="session")
def default_model_path() -> str:
    return _need(DEFAULT_MODEL, "scripts/fetch_default_model.sh")


@pytest.fixture(scope="session")
def minilm_path() -> str:
    return _need(MINILM, "scripts/fetch_minilm.sh")


def _tiny(tmp_path_factory: pytest.TempPathFactory, script: str, flag: list[str]) -> Path:
    out = tmp_path_factory.mktemp(script)
    subprocess.run([sys.executable, str(REPO / "scripts" / "goldens" / f"{script}.py"), *flag, str(out)],
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def tiny_encoders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny(tmp_path_factory, "write_tiny_encoders", [])


@pytest.fixture(scope="session")
def tiny_seq2seq(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny(tmp_path_factory, "write_tiny_seq2seq", ["--out"])


@pytest.fixture(scope="session")
def default_model(default_model_path: str):
    import loom
    return loom.Model(default_model_path)


@pytest.fixture(scope="session")
def minilm(minilm_path: str):
    import loom
    return loom.Model(minilm_path)
