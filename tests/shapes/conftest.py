"""Fixtures for the shapes tests: the fully described pilot, parsed fresh for every test."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PILOT_FULL = FIXTURES / "pilot_full.ttl"


@pytest.fixture
def pilot_full_path() -> Path:
    return PILOT_FULL


@pytest.fixture
def pilot() -> Graph:
    """The UK pilot with everything around it: a fresh graph each test may edit."""
    return Graph().parse(PILOT_FULL, format="turtle")
