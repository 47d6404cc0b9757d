-- elicence registry, PostgreSQL schema 1. The same tables as SQLite's
-- schema 1; substring look-up uses pg_trgm (a trusted extension, so the
-- database's owner may create it) instead of FTS5.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The next serial per (authority, licence type): taken inside the issuing
-- transaction under a row lock, so a rollback returns it.
CREATE TABLE serials (
    authority TEXT NOT NULL,
    type_code TEXT NOT NULL,
    next      BIGINT NOT NULL CHECK (next >= 1),
    PRIMARY KEY (authority, type_code)
);

-- One row per issued licence, keyed by its issuance event's log index.
-- Names compare as code points (COLLATE "C"), as in SQLite, so that a
-- prefix is a B-tree range.
CREATE TABLE licences (
    log_index        BIGINT PRIMARY KEY,
    identifier       TEXT NOT NULL UNIQUE,
    request_id       TEXT NOT NULL UNIQUE,
    type_code        TEXT NOT NULL,
    authority        TEXT NOT NULL,
    serial           BIGINT NOT NULL,
    number           TEXT NOT NULL,
    holder_name      TEXT COLLATE "C" NOT NULL,
    holder_is_org    BOOLEAN NOT NULL,
    holder_code      TEXT NOT NULL,
    issuer_name      TEXT NOT NULL,
    issue_date       TEXT NOT NULL,
    valid_from       TEXT NOT NULL,
    valid_until      TEXT NOT NULL,
    issued_at        BIGINT NOT NULL,
    envelope         BYTEA NOT NULL,
    -- Not indexed: an envelope is found by the identifier inside it.
    envelope_sha256  BYTEA NOT NULL CHECK (length(envelope_sha256) = 32),
    status_list      BIGINT NOT NULL,
    status_index     BIGINT NOT NULL,
    status           TEXT NOT NULL,
    status_at        BIGINT NOT NULL,
    last_change      BIGINT NOT NULL UNIQUE,
    -- SHA-256 of the licence as requested: a request id used again is
    -- answered only for the same licence.
    request_sha256   BYTEA NOT NULL CHECK (length(request_sha256) = 32),
    UNIQUE (authority, status_list, status_index)
);
CREATE INDEX licences_org_code ON licences (holder_code, log_index) WHERE holder_is_org;
CREATE INDEX licences_org_name ON licences (holder_name) WHERE holder_is_org;
CREATE INDEX licences_org_name_trigrams ON licences USING gin (holder_name gin_trgm_ops)
    WHERE holder_is_org;

CREATE TABLE status_changes (
    identifier TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    code       TEXT NOT NULL,
    reason     TEXT NOT NULL,
    operator   TEXT NOT NULL,
    at         BIGINT NOT NULL,
    log_index  BIGINT NOT NULL UNIQUE,
    PRIMARY KEY (identifier, seq)
);

CREATE TABLE status_lists (
    authority  TEXT NOT NULL,
    list       BIGINT NOT NULL CHECK (list >= 1),
    size       BIGINT NOT NULL,
    used       BYTEA NOT NULL,
    used_count BIGINT NOT NULL,
    dirty      BOOLEAN NOT NULL,
    PRIMARY KEY (authority, list)
);

-- One row: every writer of the log locks it first (SELECT … FOR UPDATE),
-- which orders all log writers and so rules out deadlocks.
CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL,
    root BYTEA NOT NULL CHECK (length(root) = 32)
);
INSERT INTO log_head (id, size, root) VALUES
    (1, 0, decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'));

CREATE TABLE log_tiles (
    level  SMALLINT NOT NULL,
    idx    BIGINT NOT NULL,
    hashes BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE log_leaves (
    idx  BIGINT PRIMARY KEY,
    leaf BYTEA NOT NULL
);

CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL
);

CREATE TABLE jobs (
    job         TEXT PRIMARY KEY,
    lines       BIGINT NOT NULL,
    chunk_lines BIGINT NOT NULL,
    chunks      BIGINT NOT NULL
);

CREATE TABLE job_chunks (
    job         TEXT NOT NULL,
    chunk       BIGINT NOT NULL,
    done        BOOLEAN NOT NULL DEFAULT false,
    lease_owner TEXT,
    lease_until BIGINT,
    PRIMARY KEY (job, chunk)
);
CREATE INDEX job_chunks_pending ON job_chunks (job, chunk) WHERE NOT done;

CREATE TABLE job_rejects (
    job     TEXT NOT NULL,
    line    BIGINT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job, line)
);
