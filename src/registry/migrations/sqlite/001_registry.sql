-- elicence registry, SQLite schema 1.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The next serial per (authority, licence type): serials start at 1 and
-- are taken only inside the issuing transaction, so a rollback returns them.
CREATE TABLE serials (
    authority TEXT NOT NULL,
    type_code TEXT NOT NULL,
    next      INTEGER NOT NULL CHECK (next >= 1),
    PRIMARY KEY (authority, type_code)
) WITHOUT ROWID;

-- One row per issued licence. The log index of its issuance event is its
-- row key: unique, increasing, and the order of look-up pages.
CREATE TABLE licences (
    log_index        INTEGER PRIMARY KEY,
    identifier       TEXT NOT NULL UNIQUE,
    request_id       TEXT NOT NULL UNIQUE,
    type_code        TEXT NOT NULL,
    authority        TEXT NOT NULL,
    serial           INTEGER NOT NULL,
    number           TEXT NOT NULL,
    holder_name      TEXT NOT NULL,
    holder_is_org    INTEGER NOT NULL CHECK (holder_is_org IN (0, 1)),
    holder_code      TEXT NOT NULL,
    issuer_name      TEXT NOT NULL,
    issue_date       TEXT NOT NULL,
    valid_from       TEXT NOT NULL,
    valid_until      TEXT NOT NULL,
    issued_at        INTEGER NOT NULL,
    envelope         BLOB NOT NULL,
    -- Not indexed: an envelope is found by the identifier inside it.
    envelope_sha256  BLOB NOT NULL CHECK (length(envelope_sha256) = 32),
    status_list      INTEGER NOT NULL,
    status_index     INTEGER NOT NULL,
    status           TEXT NOT NULL,
    status_at        INTEGER NOT NULL,
    last_change      INTEGER NOT NULL UNIQUE,
    -- SHA-256 of the licence as requested: a request id used again is
    -- answered only for the same licence.
    request_sha256   BLOB NOT NULL CHECK (length(request_sha256) = 32),
    UNIQUE (authority, status_list, status_index)
);
CREATE INDEX licences_org_code ON licences (holder_code) WHERE holder_is_org = 1;
CREATE INDEX licences_org_name ON licences (holder_name) WHERE holder_is_org = 1;

-- Organisation names for substring look-up (trigram index; rowid = the
-- licence's log index). Only organisations' licences are entered. Case
-- sensitive, as the prefix look-up and PostgreSQL's LIKE are.
CREATE VIRTUAL TABLE org_names USING fts5 (name, content = '', tokenize = 'trigram case_sensitive 1');

CREATE TABLE status_changes (
    identifier TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    code       TEXT NOT NULL,
    reason     TEXT NOT NULL,
    operator   TEXT NOT NULL,
    at         INTEGER NOT NULL,
    log_index  INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (identifier, seq)
) WITHOUT ROWID;

CREATE TABLE status_lists (
    authority  TEXT NOT NULL,
    list       INTEGER NOT NULL CHECK (list >= 1),
    size       INTEGER NOT NULL,
    used       BLOB NOT NULL,
    used_count INTEGER NOT NULL,
    dirty      INTEGER NOT NULL CHECK (dirty IN (0, 1)),
    PRIMARY KEY (authority, list)
) WITHOUT ROWID;

CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    root BLOB NOT NULL CHECK (length(root) = 32)
);
INSERT INTO log_head (id, size, root) VALUES
    (1, 0, X'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

-- C2SP tlog-tiles: each tile's widest version (positions never change).
CREATE TABLE log_tiles (
    level  INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE log_leaves (
    idx  INTEGER PRIMARY KEY,
    leaf BLOB NOT NULL
);

CREATE TABLE log_checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT NOT NULL
);

CREATE TABLE jobs (
    job         TEXT PRIMARY KEY,
    lines       INTEGER NOT NULL,
    chunk_lines INTEGER NOT NULL,
    chunks      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE job_chunks (
    job         TEXT NOT NULL,
    chunk       INTEGER NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    lease_owner TEXT,
    lease_until INTEGER,
    PRIMARY KEY (job, chunk)
) WITHOUT ROWID;

CREATE TABLE job_rejects (
    job     TEXT NOT NULL,
    line    INTEGER NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job, line)
) WITHOUT ROWID;
