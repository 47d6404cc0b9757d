//! The embedded backend: one SQLite file in WAL mode with `synchronous=FULL`,
//! so that a commit survives a power cut, and `BEGIN IMMEDIATE` for writes,
//! so that two writers never both read the same serial.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior, params,
};

use crate::log::Hash;

use super::rows::{hash, int, position, uint};
use super::store::{ChunkClaim, ListRow, Store, Tx};
use super::{LicenceRow, NameMatch, SCHEMA_VERSION, StatusChangeRow, StoreError};

const BACKEND: &str = "sqlite";
const MIGRATION: &str = include_str!("migrations/sqlite/001_registry.sql");
/// Page cache per connection, in KiB: enough for the hot end of every
/// index while memory stays flat however many licences are stored.
const CACHE_KIB: i64 = 32 * 1024;
/// Page size of a new registry file, in bytes.
const PAGE_SIZE: i64 = 16 * 1024;
/// WAL pages before an automatic checkpoint: about 40 MiB of WAL.
const WAL_CHECKPOINT_PAGES: i64 = 2_500;

/// A registry in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    connection: Connection,
}

impl SqliteStore {
    /// Creates the registry's tables in the file at `path` (made if absent).
    ///
    /// # Errors
    /// [`StoreError::Schema`] if the file already holds a registry or other
    /// tables; [`StoreError::Database`] if it cannot be opened.
    pub fn create(path: &Path) -> Result<Self, StoreError> {
        let mut store = SqliteStore::connect(path, true)?;
        let tx = store
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let tables: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(db)?;
        if tables != 0 {
            let found = schema_of(&tx).unwrap_or_else(|_| "other tables".to_owned());
            return Err(StoreError::Schema {
                expected: SCHEMA_VERSION,
                found,
            });
        }
        tx.execute_batch(MIGRATION).map_err(db)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
            [SCHEMA_VERSION.to_string()],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(store)
    }

    /// Opens the registry in the file at `path`, which must exist and hold
    /// this schema: a mistyped path is an error, not a new empty registry.
    ///
    /// # Errors
    /// [`StoreError::Schema`], [`StoreError::Database`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let store = SqliteStore::connect(path, false)?;
        let found = schema_of(&store.connection)?;
        if found != SCHEMA_VERSION.to_string() {
            return Err(StoreError::Schema {
                expected: SCHEMA_VERSION,
                found,
            });
        }
        Ok(store)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connect(path: &Path, create: bool) -> Result<Self, StoreError> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let connection =
            Connection::open_with_flags(path, flags).map_err(|e| StoreError::Database {
                backend: BACKEND,
                message: format!("{}: {e}", path.display()),
            })?;
        connection
            .busy_timeout(Duration::from_secs(30))
            .map_err(db)?;
        if create {
            // Before the first table: a licence row (about 1.3 KB with its
            // envelope) and the index entries beside it fit 16 KiB pages far
            // better than 4 KiB ones (batch issuance 14k/s to 18k/s on two
            // cores). A file that exists keeps its page size.
            connection
                .pragma_update(None, "page_size", PAGE_SIZE)
                .map_err(db)?;
        }
        let mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(db)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Database {
                backend: BACKEND,
                message: format!("journal_mode stays {mode}, not WAL"),
            });
        }
        // FULL: WAL commits are fsynced, so a commit survives a power cut,
        // not only a killed process.
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(db)?;
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(db)?;
        connection
            .pragma_update(None, "cache_size", -CACHE_KIB)
            .map_err(db)?;
        // Checkpoint the WAL into the file less often than SQLite's 1,000
        // pages: index pages that every batch chunk dirties are then copied
        // once per checkpoint instead of once per chunk.
        connection
            .pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
            .map_err(db)?;
        connection.set_prepared_statement_cache_capacity(64);
        Ok(SqliteStore {
            path: path.to_owned(),
            connection,
        })
    }
}

fn schema_of(connection: &Connection) -> Result<String, StoreError> {
    let has_meta: i64 = connection
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'",
            [],
            |r| r.get(0),
        )
        .map_err(db)?;
    if has_meta == 0 {
        return Ok("none".to_owned());
    }
    Ok(connection
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get::<_, String>(0)
        })
        .optional()
        .map_err(db)?
        .unwrap_or_else(|| "none".to_owned()))
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn write(&mut self) -> Result<Box<dyn Tx + '_>, StoreError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        Ok(Box::new(SqliteTx { tx }))
    }

    fn read(&mut self) -> Result<Box<dyn Tx + '_>, StoreError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(db)?;
        Ok(Box::new(SqliteTx { tx }))
    }
}

struct SqliteTx<'a> {
    tx: rusqlite::Transaction<'a>,
}

fn db(e: rusqlite::Error) -> StoreError {
    let conflict = matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::ConstraintViolation | ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    );
    if conflict {
        StoreError::Conflict {
            backend: BACKEND,
            message: e.to_string(),
        }
    } else {
        StoreError::Database {
            backend: BACKEND,
            message: e.to_string(),
        }
    }
}

const LICENCE_COLUMNS: &str = "log_index, identifier, request_id, type_code, authority, serial, \
     number, holder_name, holder_is_org, holder_code, issuer_name, issue_date, valid_from, \
     valid_until, issued_at, envelope, envelope_sha256, status_list, status_index, status, \
     status_at, last_change, request_sha256";

/// The columns of [`LICENCE_COLUMNS`] as read, before range checks.
type RawLicence = (
    (i64, String, String, String, String, i64, String, String),
    (bool, String, String, String, String, String, i64, Vec<u8>),
    (Vec<u8>, i64, i64, String, i64, i64, Vec<u8>),
);

fn raw_licence(r: &Row<'_>) -> rusqlite::Result<RawLicence> {
    Ok((
        (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ),
        (
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
            r.get(11)?,
            r.get(12)?,
            r.get(13)?,
            r.get(14)?,
            r.get(15)?,
        ),
        (
            r.get(16)?,
            r.get(17)?,
            r.get(18)?,
            r.get(19)?,
            r.get(20)?,
            r.get(21)?,
            r.get(22)?,
        ),
    ))
}

fn licence_row(raw: RawLicence) -> Result<LicenceRow, StoreError> {
    let (
        (log_index, identifier, request_id, type_code, authority, serial, number, holder_name),
        (
            holder_is_org,
            holder_code,
            issuer_name,
            issue_date,
            valid_from,
            valid_until,
            issued_at,
            envelope,
        ),
        (sha, status_list, status_index, status, status_at, last_change, request_sha),
    ) = raw;
    Ok(LicenceRow {
        log_index: uint(log_index, "log index")?,
        identifier,
        request_id,
        type_code,
        authority,
        serial: uint(serial, "serial")?,
        number,
        holder_name,
        holder_is_org,
        holder_code,
        issuer_name,
        issue_date,
        valid_from,
        valid_until,
        issued_at,
        envelope,
        envelope_sha256: hash(sha, "envelope SHA-256")?,
        status_list: uint(status_list, "status list")?,
        status_index: uint(status_index, "status index")?,
        status,
        status_at,
        last_change: uint(last_change, "last change")?,
        request_sha256: hash(request_sha, "request SHA-256")?,
    })
}

impl SqliteTx<'_> {
    fn licences_where(
        &mut self,
        condition: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<LicenceRow>, StoreError> {
        let sql = format!("SELECT {LICENCE_COLUMNS} FROM licences WHERE {condition}");
        let mut statement = self.tx.prepare_cached(&sql).map_err(db)?;
        let raws = statement
            .query_map(params, raw_licence)
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        raws.into_iter().map(licence_row).collect()
    }

    fn one_licence(
        &mut self,
        condition: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Option<LicenceRow>, StoreError> {
        Ok(self.licences_where(condition, params)?.into_iter().next())
    }

    fn list_where(
        &mut self,
        condition: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Option<ListRow>, StoreError> {
        let sql = format!(
            "SELECT authority, list, size, used, used_count, dirty FROM status_lists WHERE {condition}"
        );
        let raw = self
            .tx
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row(params, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })
            .optional()
            .map_err(db)?;
        raw.map(|(authority, list, size, used, used_count, dirty)| {
            Ok(ListRow {
                authority,
                list: uint(list, "list number")?,
                size: uint(size, "list size")?,
                used,
                used_count: uint(used_count, "used count")?,
                dirty,
            })
        })
        .transpose()
    }
}

impl Tx for SqliteTx<'_> {
    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().map_err(db)
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        self.tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .map_err(db)?
            .query_row([key], |r| r.get(0))
            .optional()
            .map_err(db)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .map_err(db)?
            .execute([key, value])
            .map_err(db)?;
        Ok(())
    }

    fn allocate_serials(
        &mut self,
        authority: &str,
        type_code: &str,
        count: u64,
    ) -> Result<u64, StoreError> {
        let count = int(count)?;
        let next: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO serials (authority, type_code, next) VALUES (?1, ?2, 1 + ?3) \
                 ON CONFLICT (authority, type_code) DO UPDATE SET next = next + ?3 \
                 RETURNING next",
            )
            .map_err(db)?
            .query_row(params![authority, type_code, count], |r| r.get(0))
            .map_err(db)?;
        uint(next - count, "serial")
    }

    fn last_list(&mut self, authority: &str) -> Result<Option<ListRow>, StoreError> {
        self.list_where("authority = ?1 ORDER BY list DESC LIMIT 1", &[&authority])
    }

    fn list(&mut self, authority: &str, list: u32) -> Result<Option<ListRow>, StoreError> {
        self.list_where("authority = ?1 AND list = ?2", &[&authority, &list])
    }

    fn put_list(&mut self, row: &ListRow) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO status_lists (authority, list, size, used, used_count, dirty) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (authority, list) DO UPDATE SET \
                 size = excluded.size, used = excluded.used, used_count = excluded.used_count, \
                 dirty = excluded.dirty",
            )
            .map_err(db)?
            .execute(params![
                row.authority,
                row.list,
                row.size,
                row.used,
                row.used_count,
                row.dirty
            ])
            .map_err(db)?;
        Ok(())
    }

    fn dirty_lists(&mut self) -> Result<Vec<(String, u32)>, StoreError> {
        lists(
            &self.tx,
            "SELECT authority, list FROM status_lists WHERE dirty = 1 ORDER BY authority, list",
        )
    }

    fn all_lists(&mut self) -> Result<Vec<(String, u32)>, StoreError> {
        lists(
            &self.tx,
            "SELECT authority, list FROM status_lists ORDER BY authority, list",
        )
    }

    fn list_entries(
        &mut self,
        authority: &str,
        list: u32,
    ) -> Result<Vec<(u32, String)>, StoreError> {
        let mut statement = self
            .tx
            .prepare_cached(
                "SELECT status_index, status FROM licences \
                 WHERE authority = ?1 AND status_list = ?2 AND status <> '01'",
            )
            .map_err(db)?;
        let raws = statement
            .query_map(params![authority, list], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        raws.into_iter()
            .map(|(index, code)| Ok((uint(index, "status index")?, code)))
            .collect()
    }

    fn insert_licence(&mut self, row: &LicenceRow) -> Result<(), StoreError> {
        let log_index = int(row.log_index)?;
        self.tx
            .prepare_cached(&format!(
                "INSERT INTO licences ({LICENCE_COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
                 ?18, ?19, ?20, ?21, ?22, ?23)"
            ))
            .map_err(db)?
            .execute(params![
                log_index,
                row.identifier,
                row.request_id,
                row.type_code,
                row.authority,
                int(row.serial)?,
                row.number,
                row.holder_name,
                row.holder_is_org,
                row.holder_code,
                row.issuer_name,
                row.issue_date,
                row.valid_from,
                row.valid_until,
                row.issued_at,
                row.envelope,
                row.envelope_sha256.as_slice(),
                row.status_list,
                row.status_index,
                row.status,
                row.status_at,
                int(row.last_change)?,
                row.request_sha256.as_slice(),
            ])
            .map_err(db)?;
        if row.holder_is_org {
            self.tx
                .prepare_cached("INSERT INTO org_names (rowid, name) VALUES (?1, ?2)")
                .map_err(db)?
                .execute(params![log_index, row.holder_name])
                .map_err(db)?;
        }
        Ok(())
    }

    fn licence(&mut self, identifier: &str) -> Result<Option<LicenceRow>, StoreError> {
        self.one_licence("identifier = ?1", &[&identifier])
    }

    fn licence_by_request(&mut self, request_id: &str) -> Result<Option<LicenceRow>, StoreError> {
        self.one_licence("request_id = ?1", &[&request_id])
    }

    fn update_status(
        &mut self,
        identifier: &str,
        code: &str,
        at: i64,
        log_index: u64,
    ) -> Result<(), StoreError> {
        let changed = self
            .tx
            .prepare_cached(
                "UPDATE licences SET status = ?2, status_at = ?3, last_change = ?4 \
                 WHERE identifier = ?1",
            )
            .map_err(db)?
            .execute(params![identifier, code, at, int(log_index)?])
            .map_err(db)?;
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                what: format!("no licence {identifier} to update"),
            })
        }
    }

    fn insert_status_change(&mut self, change: &StatusChangeRow) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO status_changes (identifier, seq, code, reason, operator, at, log_index) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(db)?
            .execute(params![
                change.identifier,
                change.seq,
                change.code,
                change.reason,
                change.operator,
                change.at,
                int(change.log_index)?
            ])
            .map_err(db)?;
        Ok(())
    }

    fn status_history(&mut self, identifier: &str) -> Result<Vec<StatusChangeRow>, StoreError> {
        let mut statement = self
            .tx
            .prepare_cached(
                "SELECT seq, code, reason, operator, at, log_index FROM status_changes \
                 WHERE identifier = ?1 ORDER BY seq",
            )
            .map_err(db)?;
        let raws = statement
            .query_map([identifier], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        raws.into_iter()
            .map(|(seq, code, reason, operator, at, log_index)| {
                Ok(StatusChangeRow {
                    identifier: identifier.to_owned(),
                    seq: uint(seq, "status change number")?,
                    code,
                    reason,
                    operator,
                    at,
                    log_index: uint(log_index, "log index")?,
                })
            })
            .collect()
    }

    fn licences_by_holder_code(
        &mut self,
        uscc: &str,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, StoreError> {
        let after = after.map_or(-1, position);
        self.licences_where(
            "holder_is_org = 1 AND holder_code = ?1 AND log_index > ?2 ORDER BY log_index LIMIT ?3",
            &[&uscc, &after, &limit],
        )
    }

    fn licences_by_holder_name(
        &mut self,
        name: &NameMatch,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, StoreError> {
        let after = after.map_or(-1, position);
        match name {
            NameMatch::Prefix(prefix) => {
                // The range [prefix, prefix + U+10FFFF) is every name that
                // starts with the prefix, and uses the name index.
                let end = format!("{prefix}\u{10FFFF}");
                self.licences_where(
                    "holder_is_org = 1 AND holder_name >= ?1 AND holder_name < ?2 \
                     AND log_index > ?3 ORDER BY log_index LIMIT ?4",
                    &[prefix, &end, &after, &limit],
                )
            }
            NameMatch::Contains(text) => {
                // An FTS5 string: the text in double quotes, quotes doubled.
                let phrase = format!("\"{}\"", text.replace('"', "\"\""));
                self.licences_where(
                    "log_index IN (SELECT rowid FROM org_names WHERE org_names MATCH ?1 \
                     AND rowid > ?2 ORDER BY rowid LIMIT ?3) ORDER BY log_index",
                    &[&phrase, &after, &limit],
                )
            }
        }
    }

    fn licences_changed_since(
        &mut self,
        since: u64,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, StoreError> {
        let since = position(since);
        self.licences_where(
            "last_change >= ?1 ORDER BY last_change LIMIT ?2",
            &[&since, &limit],
        )
    }

    fn log_head(&mut self) -> Result<(u64, Hash), StoreError> {
        let (size, root) = self
            .tx
            .prepare_cached("SELECT size, root FROM log_head WHERE id = 1")
            .map_err(db)?
            .query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
            .map_err(db)?;
        Ok((uint(size, "log size")?, hash(root, "log root")?))
    }

    fn set_log_head(&mut self, size: u64, root: &Hash) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE log_head SET size = ?1, root = ?2 WHERE id = 1")
            .map_err(db)?
            .execute(params![int(size)?, root.as_slice()])
            .map_err(db)?;
        Ok(())
    }

    fn tile(&mut self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.tx
            .prepare_cached("SELECT hashes FROM log_tiles WHERE level = ?1 AND idx = ?2")
            .map_err(db)?
            .query_row(params![level, int(index)?], |r| r.get(0))
            .optional()
            .map_err(db)
    }

    fn put_tile(&mut self, level: u8, index: u64, hashes: &[u8]) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO log_tiles (level, idx, hashes) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes",
            )
            .map_err(db)?
            .execute(params![level, int(index)?, hashes])
            .map_err(db)?;
        Ok(())
    }

    fn put_leaves(&mut self, first: u64, leaves: &[Vec<u8>]) -> Result<(), StoreError> {
        let mut statement = self
            .tx
            .prepare_cached("INSERT INTO log_leaves (idx, leaf) VALUES (?1, ?2)")
            .map_err(db)?;
        for (index, leaf) in (first..).zip(leaves) {
            statement.execute(params![int(index)?, leaf]).map_err(db)?;
        }
        Ok(())
    }

    fn leaves(&mut self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut statement = self
            .tx
            .prepare_cached("SELECT leaf FROM log_leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx")
            .map_err(db)?;
        let end = first.saturating_add(count);
        statement
            .query_map(params![position(first), position(end)], |r| r.get(0))
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)
    }

    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO log_checkpoints (size, note) VALUES (?1, ?2) \
                 ON CONFLICT (size) DO UPDATE SET note = excluded.note",
            )
            .map_err(db)?
            .execute(params![int(size)?, note])
            .map_err(db)?;
        Ok(())
    }

    fn latest_checkpoint(&mut self) -> Result<Option<(u64, String)>, StoreError> {
        let raw = self
            .tx
            .prepare_cached("SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1")
            .map_err(db)?
            .query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .optional()
            .map_err(db)?;
        raw.map(|(size, note)| Ok((uint(size, "checkpoint size")?, note)))
            .transpose()
    }

    fn create_job(
        &mut self,
        job: &str,
        lines: u64,
        chunk_lines: u64,
        chunks: u64,
    ) -> Result<(), StoreError> {
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO jobs (job, lines, chunk_lines, chunks) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (job) DO NOTHING",
            )
            .map_err(db)?
            .execute(params![job, int(lines)?, int(chunk_lines)?, int(chunks)?])
            .map_err(db)?;
        if inserted == 1 {
            let mut statement = self
                .tx
                .prepare_cached("INSERT INTO job_chunks (job, chunk) VALUES (?1, ?2)")
                .map_err(db)?;
            for chunk in 0..chunks {
                statement.execute(params![job, int(chunk)?]).map_err(db)?;
            }
        }
        Ok(())
    }

    fn job(&mut self, job: &str) -> Result<Option<(u64, u64, u64, u64)>, StoreError> {
        let raw = self
            .tx
            .prepare_cached(
                "SELECT lines, chunk_lines, chunks, \
                 (SELECT count(*) FROM job_chunks c WHERE c.job = jobs.job AND c.done = 1) \
                 FROM jobs WHERE job = ?1",
            )
            .map_err(db)?
            .query_row([job], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .optional()
            .map_err(db)?;
        raw.map(|(a, b, c, d)| {
            Ok((
                uint(a, "job lines")?,
                uint(b, "chunk lines")?,
                uint(c, "chunks")?,
                uint(d, "chunks done")?,
            ))
        })
        .transpose()
    }

    fn claim_chunk(
        &mut self,
        job: &str,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<ChunkClaim>, StoreError> {
        // BEGIN IMMEDIATE already excludes every other writer, so the first
        // unleased chunk is this transaction's alone.
        let chunk: Option<i64> = self
            .tx
            .prepare_cached(
                "SELECT chunk FROM job_chunks WHERE job = ?1 AND done = 0 \
                 AND (lease_until IS NULL OR lease_until < ?2) ORDER BY chunk LIMIT 1",
            )
            .map_err(db)?
            .query_row(params![job, now], |r| r.get(0))
            .optional()
            .map_err(db)?;
        let Some(chunk) = chunk else {
            return Ok(None);
        };
        self.tx
            .prepare_cached(
                "UPDATE job_chunks SET lease_owner = ?3, lease_until = ?4 \
                 WHERE job = ?1 AND chunk = ?2",
            )
            .map_err(db)?
            .execute(params![job, chunk, owner, lease_until])
            .map_err(db)?;
        Ok(Some(ChunkClaim {
            chunk: uint(chunk, "chunk")?,
        }))
    }

    fn finish_chunk(&mut self, job: &str, chunk: u64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE job_chunks SET done = 1, lease_owner = NULL, lease_until = NULL \
                 WHERE job = ?1 AND chunk = ?2",
            )
            .map_err(db)?
            .execute(params![job, int(chunk)?])
            .map_err(db)?;
        Ok(())
    }

    fn insert_reject(&mut self, job: &str, line: u64, message: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO job_rejects (job, line, message) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (job, line) DO UPDATE SET message = excluded.message",
            )
            .map_err(db)?
            .execute(params![job, int(line)?, message])
            .map_err(db)?;
        Ok(())
    }

    fn rejects(&mut self, job: &str, limit: u32) -> Result<(u64, Vec<(u64, String)>), StoreError> {
        let count: i64 = self
            .tx
            .prepare_cached("SELECT count(*) FROM job_rejects WHERE job = ?1")
            .map_err(db)?
            .query_row([job], |r| r.get(0))
            .map_err(db)?;
        let mut statement = self
            .tx
            .prepare_cached(
                "SELECT line, message FROM job_rejects WHERE job = ?1 ORDER BY line LIMIT ?2",
            )
            .map_err(db)?;
        let raws = statement
            .query_map(params![job, limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        let listed = raws
            .into_iter()
            .map(|(line, message)| Ok((uint(line, "line")?, message)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((uint(count, "reject count")?, listed))
    }
}

fn lists(tx: &rusqlite::Transaction<'_>, sql: &str) -> Result<Vec<(String, u32)>, StoreError> {
    let mut statement = tx.prepare_cached(sql).map_err(db)?;
    let raws = statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(db)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db)?;
    raws.into_iter()
        .map(|(authority, list)| Ok((authority, uint(list, "list number")?)))
        .collect()
}
