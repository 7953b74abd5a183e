"""Fixtures for the caching-patterns tests: a fresh embedded node and a catalogue."""
import pytest

import engine
from engine.patterns import CatalogDatabase


@pytest.fixture
def lab():
    return engine.open_lab(backend="engine")


@pytest.fixture
def r(lab):
    return lab.client


@pytest.fixture
def db():
    return CatalogDatabase(products=50, users=10, seed=0)
