"""The JSON API against its own OpenAPI document, with Schemathesis: requests generated from the
schema, valid ones and ones that break it, never get a 5xx, and every response is one the
document describes (status code, content type, body schema, headers). A request that breaks the
schema must be refused with a 4xx. One of Schemathesis's checks is left out: that every
schema-valid request is accepted. Some are rightly refused with a documented 4xx problem for what
a schema cannot say: a temperature in furlongs, an article id that does not exist, a review
action the user's role may not take.

Bounded: 20 examples per operation and mode, derandomized, so a failure is reproducible.
(Schemathesis's pytest plugin does not run under pytest 9, so its strategies are driven with
Hypothesis's `given` here.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase
from curbside.library import open_library
from curbside.library.system import system_user
from curbside.settings import Settings
from curbside.web.app import create_app

EXAMPLES = settings(
    max_examples=20,
    deadline=timedelta(seconds=5),
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase) -> Any:
    home: Path = tmp_path_factory.mktemp("schema-api")
    engine = Engine(Settings(home=home, publish=True, rate_limit=0), kb)
    library = open_library(engine.settings.library_url, engine.settings.home)
    assert library is not None
    library.add_user("ed", "editor", "a long enough password", actor=system_user(library))
    engine.ask("anastrozole neutropenia")
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(engine=engine))


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_every_operation_answers_as_its_schema_says(api_schema: Any, mode: GenerationMode) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 10
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not (
            list(operation.iter_parameters()) or list(operation.body)
        ):
            continue  # nothing in the request that could break the schema

        @EXAMPLES
        @given(case=operation.as_strategy(generation_mode=mode))
        def answers_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        answers_as_documented()
