from __future__ import annotations

from pathlib import Path

import pytest

from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb=kb)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED
