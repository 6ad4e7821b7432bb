"""Rules the source keeps, checked on its syntax tree: SQL never has a value spliced into its text,
and no secret is written in the code (they come from the environment, standard input or a
generator). A new f-string SQL with anything but the vetted placeholder and column pieces below
fails here until it is reviewed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "curbside"
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|WHERE|VALUES)\b")

# The only pieces that may be interpolated into SQL text, each built from code, never from input:
VETTED = {
    "sql",  # SQL text built a line above under these same rules
    "column",  # Literal["id", "slug"] in library/store.py
    "sets",  # ", col = ?" for columns checked against ARTICLE_UPDATES
    "marks",  # "?, ?, ..." placeholders, one per value passed as a parameter
    "_PASSAGE_COLUMNS",  # a module constant listing columns
    "TOKEN_COLUMNS",  # a module constant listing columns (library/accounts.py)
    "match",  # "lower(p.text) LIKE ?" repeated, the terms passed as parameters
    "int(timeout * 1000)",  # the busy timeout, an int
    "' AND '.join(where)",  # clauses made of the above
    "','.join('?' * len(kind_list))",  # placeholders
}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(), str(path))) for path in sorted(SRC.rglob("*.py"))]


def _text(node: ast.expr) -> str:
    """The constant text of a string expression (what a reader sees as SQL)."""
    return "".join(
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )


def _spliced(node: ast.expr) -> list[str]:
    """Whatever is put into the text of a built string, as source."""
    if isinstance(node, ast.JoinedStr):
        return [ast.unparse(v.value) for v in node.values if isinstance(v, ast.FormattedValue)]
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod):  # "..." % values
            return [ast.unparse(node.right)]
        parts = []
        for side in (node.left, node.right):
            if isinstance(side, ast.Constant):
                continue
            parts += (
                _spliced(side)
                if isinstance(side, ast.JoinedStr | ast.BinOp)
                else [ast.unparse(side)]
            )
        return parts
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return [ast.unparse(a) for a in [*node.args, *(k.value for k in node.keywords)]]
    return []


def _built_sql(tree: ast.Module) -> list[tuple[int, str, list[str]]]:
    found = []
    for node in ast.walk(tree):
        candidate: ast.expr | None = None
        if isinstance(node, ast.JoinedStr | ast.BinOp | ast.Call):
            candidate = node
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            candidate = ast.BinOp(ast.Constant(""), ast.Add(), node.value)
        if candidate is None or not SQL.search(_text(candidate)):
            continue
        if pieces := _spliced(candidate):
            found.append((node.lineno, ast.unparse(candidate)[:80], pieces))
    return found


def test_sql_text_only_ever_gets_placeholders_and_vetted_column_lists() -> None:
    offending = [
        f"{path.relative_to(SRC)}:{line}: {source} splices {pieces}"
        for path, tree in _modules()
        for line, source, pieces in _built_sql(tree)
        if not set(pieces) <= VETTED
    ]
    assert not offending, "\n".join(offending)


def test_the_rule_catches_a_value_spliced_into_sql() -> None:
    for bad in (
        "db.execute(f\"SELECT * FROM articles WHERE slug = '{slug}'\")",
        'db.execute("SELECT * FROM articles WHERE slug = \'" + slug + "\'")',
        "db.execute(\"SELECT * FROM articles WHERE slug = '%s'\" % slug)",
        'db.execute("DELETE FROM users WHERE name = {}".format(name))',
        'sql = "SELECT 1"\nsql += " WHERE name = " + name',
    ):
        pieces = [p for _, _, p in _built_sql(ast.parse(bad))]
        assert any(not set(p) <= VETTED for p in pieces), bad


SECRET_NAME = re.compile(r"(password|passwd|secret|api_?key|private_?key|credential)", re.I)
URL_WITH_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)


def _assigned_names(node: ast.AST) -> list[tuple[str, ast.expr | None]]:
    if isinstance(node, ast.Assign):
        return [(ast.unparse(t), node.value) for t in node.targets]
    if isinstance(node, ast.AnnAssign):
        return [(ast.unparse(node.target), node.value)]
    if isinstance(node, ast.keyword) and node.arg:
        return [(node.arg, node.value)]
    return []


SOURCE_FILES = sorted(
    p for p in SRC.rglob("*") if p.suffix in {".py", ".yaml", ".yml", ".toml", ".html", ".js"}
)


def _credentials(text: str, python: bool) -> list[str]:
    """What in this source looks like a written-in credential."""
    found = ["a URL with a password"] if URL_WITH_PASSWORD.search(text) else []
    if python:
        for node in ast.walk(ast.parse(text)):
            for name, value in _assigned_names(node):
                literal = isinstance(value, ast.Constant) and isinstance(value.value, str)
                if SECRET_NAME.search(name) and literal and value.value:  # type: ignore[union-attr]
                    found.append(f"line {node.lineno}: {name} is given a literal")
    return found


@pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_credential_is_written_in_the_source(path: Path) -> None:
    assert _credentials(path.read_text(), path.suffix == ".py") == [], path


def test_the_rule_catches_a_written_in_credential() -> None:
    for bad in (
        'DATABASE = "postgresql://curbside:hunter2@db/curbside"',
        'db_password = "hunter2"',
        'connect(api_key="abc123")',
        'SECRET: str = "x"',
    ):
        assert _credentials(bad, python=True), bad
    assert _credentials("password = os.environ['CURBSIDE_PASSWORD']", python=True) == []


DRIVERS = {"psycopg", "psycopg_pool", "sqlite3"}
# The evidence store is SQLite by design (a file next to the indexes), not the article library.
EVIDENCE = {"retrieve", "ingest", "verify"}


def test_no_database_driver_outside_the_library() -> None:
    """Only `curbside.library` (and the evidence store's own modules) import a database driver:
    every other module sees the library's errors (`LibraryUnavailable`), never a driver's."""
    found = []
    for path, module in _modules():
        part = path.relative_to(SRC).parts[0]
        if part == "library" or part in EVIDENCE:
            continue
        for node in ast.walk(module):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in DRIVERS]
    assert found == []
