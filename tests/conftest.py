"""Shared fixtures: paths to the shared Inspector samples and the repo's examples."""

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
SAMPLES = Path(os.environ.get("I2B_SAMPLES_DIR", REPO.parent / "shared" / "samples" / "inspector2"))
EXAMPLES = REPO / "examples"


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared Inspector samples not found at {SAMPLES} (they live beside the repo in ../shared)")
    return SAMPLES


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES
