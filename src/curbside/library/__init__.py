"""The article library: every answer stored as a versioned article that a medical advisory board
reviews (workflow, users and tokens, audit log, search), on SQLite or PostgreSQL.

    library = open_library(settings_url, settings.home)
    record, outcome = library.publish(article, actor=editor, drugs=query.drugs)
"""

from curbside.library.backend import Database, Transaction
from curbside.library.connect import open_database, open_library
from curbside.library.errors import (
    Conflict,
    Invalid,
    InvalidTransition,
    LibraryError,
    LibraryUnavailable,
    NotFound,
    PermissionDenied,
    Retracted,
    SchemaTooNew,
)
from curbside.library.model import (
    ROLES,
    ApiToken,
    ArticleRecord,
    AuditEntry,
    Comment,
    NewToken,
    PublishOutcome,
    Role,
    User,
    Version,
)
from curbside.library.pool import LibraryPool
from curbside.library.store import Library
from curbside.library.workflow import TRANSITIONS

__all__ = [
    "ROLES",
    "TRANSITIONS",
    "ApiToken",
    "ArticleRecord",
    "AuditEntry",
    "Comment",
    "Conflict",
    "Database",
    "Invalid",
    "InvalidTransition",
    "Library",
    "LibraryError",
    "LibraryPool",
    "LibraryUnavailable",
    "NewToken",
    "NotFound",
    "PermissionDenied",
    "PublishOutcome",
    "Retracted",
    "Role",
    "SchemaTooNew",
    "Transaction",
    "User",
    "Version",
    "open_database",
    "open_library",
]
