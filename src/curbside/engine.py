"""The engine: the only module that knows the order of the stages.

understand -> reason -> compose -> verify. (Retrieval over ingested sources and publishing to the
article library slot in between as those stages arrive.)
"""

from __future__ import annotations

from datetime import date

from curbside.compose.article import compose
from curbside.knowledge.base import KnowledgeBase
from curbside.models import Article, Audience, Query
from curbside.reason import Reasoner
from curbside.settings import Settings
from curbside.understand import Understander
from curbside.verify import check_contract


class Engine:
    """Load the knowledge once, then answer questions."""

    def __init__(self, settings: Settings | None = None, kb: KnowledgeBase | None = None) -> None:
        self.settings = settings or Settings()
        self.kb = kb or KnowledgeBase.load(self.settings.packs)
        self.understander = Understander(self.kb)
        self.reasoner = Reasoner(self.kb)

    def understand(self, question: str, audience: Audience | None = None) -> Query:
        return self.understander.understand(question, audience or self.settings.audience)

    def ask(
        self, question: str, audience: Audience | None = None, today: date | None = None
    ) -> Article:
        """Answer one question as an article of the answer contract."""
        query = self.understand(question, audience)
        reasoning = self.reasoner.reason(query)
        article = compose(query, reasoning, self.kb, today or date.today())
        return check_contract(article)
