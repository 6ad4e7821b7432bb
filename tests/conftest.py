from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Tests never read or write the user's data folder, and publish to the library only where a test
# asks for it (tests/test_library_engine.py).
os.environ["CURBSIDE_HOME"] = tempfile.mkdtemp(prefix="curbside-test-home-")
os.environ["CURBSIDE_PUBLISH"] = "false"

from curbside.engine import Engine
from curbside.ingest.run import IngestReport, ingest
from curbside.knowledge.base import KnowledgeBase
from curbside.retrieve.store import EvidenceStore
from curbside.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Engine:
    """An engine with nothing ingested: curated knowledge only."""
    return Engine(kb=kb)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def evidence(
    shared: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, IngestReport]:
    """All of ../shared/data ingested once (lexical only, to keep the suite fast)."""
    settings = Settings(home=tmp_path_factory.mktemp("evidence"), dense="off")
    store = EvidenceStore(settings.evidence_path)
    report = ingest([shared / "data"], store)
    store.close()
    return settings, report


@pytest.fixture(scope="session")
def evidence_engine(evidence: tuple[Settings, IngestReport], kb: KnowledgeBase) -> Engine:
    return Engine(evidence[0], kb)
