"""Shared fixtures: paths to the shared Inspector samples and the repo's examples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
