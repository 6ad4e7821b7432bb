"""The evidence store: ingested files, their documents and passages, and passage vectors, in SQLite.

SQLite is the source of truth; the lexical and dense indexes are derived from it. Every passage
added or deleted, and every passage whose text gains a vector, is written to the `changes` log by
triggers, so an index brings itself up to date by reading the log from the last entry it applied
instead of being rebuilt. Vectors are keyed by the SHA-256 of the passage text, so an unchanged
passage in a changed file keeps its vector, and the same text in two files is embedded once;
they are stored as float16 (half the bytes of float32; older float32 rows are still read).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from curbside.ingest.document import Document, DocumentKind

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    drugs TEXT NOT NULL,
    brand_names TEXT NOT NULL,
    pharm_classes TEXT NOT NULL,
    set_id TEXT,
    year INTEGER
);
CREATE INDEX IF NOT EXISTS documents_key ON documents(key);
CREATE INDEX IF NOT EXISTS documents_file ON documents(file_id);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    section TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_sha TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_document ON passages(document_id);
CREATE INDEX IF NOT EXISTS passages_text_sha ON passages(text_sha);
-- Reader-specific facts of a document (issue 17: MedQuAD question, qtype, focus, synonyms, CUIs;
-- NCI page audience, last-reviewed date, sections), one JSON object per document that has any.
CREATE TABLE IF NOT EXISTS document_meta (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS verdicts (
    statement_id TEXT PRIMARY KEY,
    statement_sha TEXT NOT NULL,
    support TEXT NOT NULL,
    detail TEXT NOT NULL,
    verified_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS vectors (
    text_sha TEXT NOT NULL,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (text_sha, model)
);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY,
    passage_id INTEGER NOT NULL,
    vector INTEGER NOT NULL DEFAULT 0  -- 1: only the passage's vector is new
);
CREATE TRIGGER IF NOT EXISTS passage_added AFTER INSERT ON passages
BEGIN INSERT INTO changes (passage_id) VALUES (new.id); END;
CREATE TRIGGER IF NOT EXISTS passage_deleted AFTER DELETE ON passages
BEGIN INSERT INTO changes (passage_id) VALUES (old.id); END;
CREATE TRIGGER IF NOT EXISTS vector_added AFTER INSERT ON vectors
BEGIN
    INSERT INTO changes (passage_id, vector)
    SELECT id, 1 FROM passages WHERE text_sha = new.text_sha;
END;
"""


@dataclass(frozen=True)
class StoredPassage:
    """A passage with what a reader of search results needs to know about its origin."""

    id: int
    text: str
    section: str
    start: int
    end: int
    document_key: str
    kind: DocumentKind
    title: str
    url: str | None
    path: str  # the ingested file
    drugs: tuple[str, ...]


@dataclass(frozen=True)
class StoredDocument:
    """A document with the facts its reader kept (``Document.meta``)."""

    key: str
    kind: DocumentKind
    title: str
    url: str | None
    year: int | None
    meta: dict[str, object]
    path: str  # the ingested file


@dataclass(frozen=True)
class StoredDrug:
    """A drug named by an ingested label, for the lexicon."""

    generic: str
    brand_names: tuple[str, ...]
    pharm_classes: tuple[str, ...]


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def comparable_url(url: str) -> str:
    """A URL without scheme, 'www.', query-free trailing slash or case differences."""
    bare = url.strip().lower().split("://", 1)[-1]
    return bare.removeprefix("www.").rstrip("/")


def file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_PASSAGE_COLUMNS = """
    p.id, p.text, p.section, p.start, p."end", d.key, d.kind, d.title, d.url, f.path, d.drugs
    FROM passages p JOIN documents d ON d.id = p.document_id JOIN files f ON f.id = d.file_id
"""


class EvidenceStoreDamaged(RuntimeError):
    """The evidence store's file is not a readable SQLite database. It is the source the indexes
    are rebuilt from, so it cannot rebuild itself: the sources must be ingested again."""


class EvidenceStore:
    """All ingested evidence in one SQLite file under the data directory."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False)
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise EvidenceStoreDamaged(
                f"the evidence store {path} is damaged ({exc}): move it aside and run "
                "'curbside ingest' on your sources again to rebuild it"
            ) from exc

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.db:
            yield self.db

    # -- files -------------------------------------------------------------------------------

    def file_sha(self, path: str) -> str | None:
        row = self.db.execute("SELECT sha256 FROM files WHERE path = ?", (path,)).fetchone()
        return None if row is None else str(row[0])

    def replace_file(self, path: str, sha256: str, documents: Iterable[Document]) -> int:
        """Store a file's documents in place of what it held before; returns passages added.

        One transaction: the old rows, the new ones and the file's SHA-256 are written together
        or (if the process dies on the way) not at all, so an interrupted ingest resumes cleanly."""
        added = 0
        with self.transaction() as db:
            db.execute("DELETE FROM files WHERE path = ?", (path,))
            file_id = db.execute(
                "INSERT INTO files (path, sha256) VALUES (?, ?)", (path, sha256)
            ).lastrowid
            for doc in documents:
                doc_id = db.execute(
                    "INSERT INTO documents (file_id, key, kind, title, url, drugs, brand_names,"
                    " pharm_classes, set_id, year) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        file_id,
                        doc.key,
                        doc.kind,
                        doc.title,
                        doc.url,
                        json.dumps(doc.drugs),
                        json.dumps(doc.brand_names),
                        json.dumps(doc.pharm_classes),
                        doc.set_id,
                        doc.year,
                    ),
                ).lastrowid
                if doc.meta:
                    db.execute(
                        "INSERT INTO document_meta (document_id, meta) VALUES (?, ?)",
                        (doc_id, json.dumps(doc.meta)),
                    )
                db.executemany(
                    'INSERT INTO passages (document_id, ordinal, section, start, "end", text,'
                    " text_sha) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (doc_id, n, p.section, p.start, p.end, p.text, text_sha(p.text))
                        for n, p in enumerate(doc.passages)
                    ],
                )
                added += len(doc.passages)
            self._bump(db)
        return added

    def remove_missing(self, under: Path, seen: set[str]) -> int:
        """Forget files below `under` that are no longer there; returns how many."""
        prefix = str(under).rstrip("/") + "/"
        rows = self.db.execute(
            "SELECT path FROM files WHERE path = ? OR substr(path, 1, ?) = ?",
            (str(under), len(prefix), prefix),
        ).fetchall()
        gone = [r[0] for r in rows if r[0] not in seen and not Path(r[0]).exists()]
        if gone:
            with self.transaction() as db:
                db.executemany("DELETE FROM files WHERE path = ?", [(g,) for g in gone])
                self._bump(db)
        return len(gone)

    def _bump(self, db: sqlite3.Connection, counter: str = "passages") -> None:
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            (counter,),
        )

    def generation(self, counter: str = "passages") -> int:
        """A counter that moves whenever passages (or, with "vectors", vectors) change."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (counter,)).fetchone()
        return 0 if row is None else int(row[0])

    def change_seq(self) -> int:
        """The newest entry of the change log (0 when empty): indexes compare it with theirs."""
        return int(self.db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0])

    def changed_since(self, seq: int, vectors: bool = True) -> tuple[list[int], int]:
        """Ids of passages added or deleted (and, with `vectors`, given a vector) after log entry
        `seq`, each once, in log order; and the newest entry of the log, which the caller has
        then applied."""
        last = self.change_seq()  # first: what is logged after it is read next time
        rows = self.db.execute(
            "SELECT passage_id FROM changes WHERE seq > ? AND seq <= ? AND vector <= ? "
            "ORDER BY seq",
            (seq, last, int(vectors)),
        )
        return list(dict.fromkeys(r[0] for r in rows)), last

    # -- reading -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "files": one("SELECT count(*) FROM files").fetchone()[0],
            "documents": one("SELECT count(*) FROM documents").fetchone()[0],
            "passages": one("SELECT count(*) FROM passages").fetchone()[0],
        }

    def all_passages(self) -> Iterator[StoredPassage]:
        """Every passage in id order, read in batches so that a large store is never held in
        memory at once (the lexical index is built from this)."""
        cursor = self.db.execute(f"SELECT {_PASSAGE_COLUMNS} ORDER BY p.id")
        while rows := cursor.fetchmany(2000):
            yield from (_passage(r) for r in rows)

    def passages(self, ids: Iterable[int]) -> list[StoredPassage]:
        """The passages with these ids, in that order."""
        wanted = list(ids)
        found: dict[int, StoredPassage] = {}
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT {_PASSAGE_COLUMNS} WHERE p.id IN ({marks})", chunk):
                found[row[0]] = _passage(row)
        return [found[i] for i in wanted if i in found]

    def passages_of(self, document_keys: Iterable[str]) -> list[StoredPassage]:
        keys = list(document_keys)
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT {_PASSAGE_COLUMNS} WHERE d.key IN ({marks}) ORDER BY p.id", keys
        ).fetchall()
        return [_passage(r) for r in rows]

    def passage_ids(self, drugs: Iterable[str] = (), kinds: Iterable[str] = ()) -> set[int]:
        """Ids of passages of documents about any of `drugs` and of any of `kinds`."""
        where, args = [], []
        drug_list, kind_list = list(drugs), list(kinds)
        if drug_list:
            marks = ",".join("?" * len(drug_list))
            where.append(f"EXISTS (SELECT 1 FROM json_each(d.drugs) j WHERE j.value IN ({marks}))")
            args += drug_list
        if kind_list:
            where.append(f"d.kind IN ({','.join('?' * len(kind_list))})")
            args += kind_list
        sql = "SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return {r[0] for r in self.db.execute(sql, args)}

    def documents_matching(self, url: str | None, set_id: str | None) -> set[str]:
        """Keys of documents with this URL (compared without scheme, www. or trailing /)."""
        keys: set[str] = set()
        if set_id:
            rows = self.db.execute("SELECT key FROM documents WHERE set_id = ?", (set_id,))
            keys.update(r[0] for r in rows)
        if url:
            wanted = comparable_url(url)
            rows = self.db.execute("SELECT key, url FROM documents WHERE url IS NOT NULL")
            keys.update(key for key, found in rows if comparable_url(found) == wanted)
        return keys

    def documents_with_meta(self) -> Iterator[StoredDocument]:
        """Every document that its reader kept facts about (MedQuAD pairs, NCI pages)."""
        cursor = self.db.execute(
            "SELECT d.key, d.kind, d.title, d.url, d.year, m.meta, f.path FROM document_meta m "
            "JOIN documents d ON d.id = m.document_id JOIN files f ON f.id = d.file_id "
            "ORDER BY d.id"
        )
        while rows := cursor.fetchmany(2000):
            for key, kind, title, url, year, meta, path in rows:
                yield StoredDocument(key, kind, title, url, year, json.loads(meta), path)

    def document_keys(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT key FROM documents")}

    def label_drugs(self) -> list[StoredDrug]:
        """Every drug that an ingested label names, with its brands and classes merged."""
        merged: dict[str, tuple[set[str], set[str]]] = {}
        rows = self.db.execute(
            "SELECT drugs, brand_names, pharm_classes FROM documents WHERE kind = 'drug-label'"
        )
        for drugs, brands, classes in rows:
            for generic in json.loads(drugs):
                entry = merged.setdefault(generic, (set(), set()))
                entry[0].update(json.loads(brands))
                entry[1].update(json.loads(classes))
        return [
            StoredDrug(g, tuple(sorted(b)), tuple(sorted(c)))
            for g, (b, c) in sorted(merged.items())
        ]

    def label_drugs_mentioning(self, words: Iterable[str]) -> set[str]:
        """Generic names of drugs whose ingested label text contains any of `words`."""
        terms = [f"%{w.lower()}%" for w in words]
        if not terms:
            return set()
        match = " OR ".join("lower(p.text) LIKE ?" for _ in terms)
        rows = self.db.execute(
            "SELECT DISTINCT j.value FROM documents d, json_each(d.drugs) j "
            "WHERE d.kind = 'drug-label' AND EXISTS (SELECT 1 FROM passages p "
            f"WHERE p.document_id = d.id AND ({match}))",
            terms,
        )
        return {r[0] for r in rows}

    # -- vectors -----------------------------------------------------------------------------

    def unembedded(self, model: str) -> list[tuple[str, str]]:
        """(text_sha, text) of passages that have no vector from `model` yet."""
        rows = self.db.execute(
            "SELECT p.text_sha, min(p.text) FROM passages p LEFT JOIN vectors v "
            "ON v.text_sha = p.text_sha AND v.model = ? WHERE v.text_sha IS NULL "
            "GROUP BY p.text_sha",
            (model,),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def add_vectors(self, model: str, items: Iterable[tuple[str, bytes]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors (text_sha, model, vector) VALUES (?, ?, ?)",
                [(sha, model, blob) for sha, blob in items],
            )
            self._bump(db, "vectors")

    def vectors(self, model: str) -> Iterator[tuple[int, bytes]]:
        """(passage id, vector bytes) for every passage that has a vector from `model`."""
        cursor = self.db.execute(
            "SELECT p.id, v.vector FROM passages p JOIN vectors v "
            "ON v.text_sha = p.text_sha AND v.model = ? ORDER BY p.id",
            (model,),
        )
        while rows := cursor.fetchmany(10_000):
            yield from rows

    def vectors_of(self, model: str, ids: Iterable[int]) -> list[tuple[int, bytes]]:
        """(passage id, vector bytes) of those of these passages that have a vector."""
        wanted = list(ids)
        out: list[tuple[int, bytes]] = []
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "SELECT p.id, v.vector FROM passages p JOIN vectors v ON v.text_sha = p.text_sha"
                f" AND v.model = ? WHERE p.id IN ({marks})",
                (model, *chunk),
            )
            out.extend(rows)
        return out

    def passage_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM passages").fetchone()[0])

    def prune_vectors(self) -> int:
        """Drop vectors no passage uses any more."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM vectors WHERE text_sha NOT IN (SELECT text_sha FROM passages)"
            )
        return cursor.rowcount

    # -- verification ------------------------------------------------------------------------

    def save_verdicts(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        """Replace all verdicts with (statement id, statement sha, support, detail JSON) rows."""
        with self.transaction() as db:
            db.execute("DELETE FROM verdicts")
            db.executemany(
                "INSERT INTO verdicts (statement_id, statement_sha, support, detail) "
                "VALUES (?, ?, ?, ?)",
                list(rows),
            )

    def verdicts(self) -> dict[str, tuple[str, str]]:
        """statement id -> (statement sha, support) from the last `curbside verify`."""
        rows = self.db.execute("SELECT statement_id, statement_sha, support FROM verdicts")
        return {r[0]: (r[1], r[2]) for r in rows}


def _passage(row: tuple[object, ...]) -> StoredPassage:
    (pid, text, section, start, end, key, kind, title, url, path, drugs) = row
    return StoredPassage(
        id=int(pid),  # type: ignore[call-overload]
        text=str(text),
        section=str(section),
        start=int(start),  # type: ignore[call-overload]
        end=int(end),  # type: ignore[call-overload]
        document_key=str(key),
        kind=kind,  # type: ignore[arg-type]
        title=str(title),
        url=None if url is None else str(url),
        path=str(path),
        drugs=tuple(json.loads(str(drugs))),
    )
