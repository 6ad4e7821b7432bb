-- Users, articles with their versions, review comments and the append-only audit log.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'reviewer', 'admin')),
    password_hash TEXT,
    created TEXT NOT NULL
);

CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    question TEXT NOT NULL,
    normalized TEXT NOT NULL,
    audience TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN (
        'draft', 'submitted', 'under_review', 'approved', 'changes_requested', 'retracted'
    )),
    current_version INTEGER NOT NULL CHECK (current_version >= 1),
    revision INTEGER NOT NULL CHECK (revision >= 1),
    approved_version INTEGER,
    submitted_by INTEGER REFERENCES users (id),
    review_note TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    UNIQUE (normalized, audience)
);
CREATE INDEX articles_status ON articles (status, last_updated);
CREATE INDEX articles_last_updated ON articles (last_updated);

CREATE TABLE versions (
    article_id TEXT NOT NULL REFERENCES articles (id),
    n INTEGER NOT NULL CHECK (n >= 1),
    content_hash TEXT NOT NULL,
    article TEXT NOT NULL,
    author INTEGER NOT NULL REFERENCES users (id),
    created TEXT NOT NULL,
    PRIMARY KEY (article_id, n)
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    statement_id TEXT,
    author INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created TEXT NOT NULL,
    FOREIGN KEY (article_id, version) REFERENCES versions (article_id, n)
);
CREATE INDEX comments_article ON comments (article_id, id);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor INTEGER NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    article_id TEXT REFERENCES articles (id),
    version INTEGER,
    revision INTEGER,
    status TEXT,
    note TEXT
);
CREATE INDEX audit_article ON audit (article_id, id);

-- Versions and the audit log are append-only.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions
BEGIN
    SELECT RAISE(ABORT, 'article versions are append-only');
END;
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
BEGIN
    SELECT RAISE(ABORT, 'article versions are append-only');
END;
