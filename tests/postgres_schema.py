"""A fresh PostgreSQL schema per test, shared by the library, scale-out and fault tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fresh_schema(base: str, prefix: str) -> Iterator[str]:
    """Create a uniquely named schema in the database at `base` and yield a URL whose
    connections use it (and carry its name as application_name); afterwards end those
    connections and drop the schema."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}?options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (schema,),
            )
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
