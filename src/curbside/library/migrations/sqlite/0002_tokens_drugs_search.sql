-- API tokens (stored as SHA-256), the drugs of each article, and the text searched.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    revoked TEXT
);

CREATE TABLE article_drugs (
    article_id TEXT NOT NULL REFERENCES articles (id),
    drug TEXT NOT NULL,
    PRIMARY KEY (article_id, drug)
);
CREATE INDEX article_drugs_drug ON article_drugs (drug);

ALTER TABLE articles ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE articles SET search_text = lower(
    question || char(10) || (
        SELECT json_extract(v.article, '$.title') || char(10)
            || json_extract(v.article, '$.bottom_line.text')
        FROM versions AS v
        WHERE v.article_id = articles.id AND v.n = articles.current_version
    )
);
