"""Shared fixtures: paths to the shared reference folder (samples, docs) and the repo's examples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Locally every run explores new inputs; in CI (CI=true) the examples are fixed, so a green main stays green.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
#: the shared reference folder (docs/, samples/): ``I2B_SHARED_DIR``, else ``../shared`` beside the repo
SHARED = Path(os.environ.get("I2B_SHARED_DIR") or REPO.parent / "shared")
#: the Inspector samples; ``I2B_SAMPLES_DIR`` still names them on its own
SAMPLES = Path(os.environ.get("I2B_SAMPLES_DIR") or SHARED / "samples" / "inspector2")
EXAMPLES = REPO / "examples"
_WHERE = "../shared beside the repo, or set I2B_SHARED_DIR"


def shared_samples(name: str) -> Path:
    """The shared samples folder ``name`` (``guardduty``, ``securityhub`` …); skips the test when it is absent."""
    folder = SHARED / "samples" / name
    if not folder.is_dir():
        pytest.skip(f"shared samples {name!r} not found at {folder} ({_WHERE})")
    return folder


def shared_file(*parts: str) -> Path:
    """A file below :data:`SHARED` (``"docs", "x.tsv"``); skips the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"shared file {path} not found ({_WHERE})")
    return path


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared Inspector samples not found at {SAMPLES} ({_WHERE}, or I2B_SAMPLES_DIR)")
    return SAMPLES


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES
