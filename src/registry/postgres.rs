//! The server backend: a PostgreSQL database reached by URL, for when one
//! machine is not enough. Writes run at `READ COMMITTED` with row locks:
//! every writer of the log locks the log head first, so log writers are
//! ordered and never deadlock, and batch workers claim chunks with
//! `FOR UPDATE SKIP LOCKED`. Reads see one snapshot (`REPEATABLE READ`,
//! read only).
//!
//! Connections are made without TLS: reach the server over a Unix socket,
//! loopback or a private network. A URL that asks for TLS
//! (`sslmode=require`) is refused rather than silently sent in clear.

use std::collections::HashMap;
use std::time::Duration;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Client, Config, IsolationLevel, NoTls, Row, Statement, Transaction};

use crate::log::Hash;

use super::rows::{hash, int, position, uint};
use super::store::{ChunkClaim, ListRow, Store, Tx};
use super::{LicenceRow, NameMatch, SCHEMA_VERSION, StatusChangeRow, StoreError};

const BACKEND: &str = "postgres";
const MIGRATION: &str = include_str!("migrations/postgres/001_registry.sql");
/// How long connecting may take when the URL does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a statement may wait for a row lock before the transaction
/// fails (and rolls back) instead of hanging behind a stuck writer.
const LOCK_TIMEOUT: &str = "60s";

/// A registry in a PostgreSQL database.
pub struct PostgresStore {
    client: Client,
    /// Statements prepared once per connection, by their SQL.
    statements: HashMap<String, Statement>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Creates the registry's tables in the database at `url`, which must
    /// hold no tables, views or sequences in any schema: a registry is never
    /// installed beside another application's data.
    ///
    /// # Errors
    /// [`StoreError::Schema`] if the database already holds tables;
    /// [`StoreError::Database`] if it cannot be reached or is not UTF-8.
    pub fn create(url: &str) -> Result<Self, StoreError> {
        let mut store = PostgresStore::connect(url)?;
        let mut tx = store.client.transaction().map_err(db)?;
        // Two processes creating at once: the second waits here, then sees
        // the first one's tables.
        tx.batch_execute("SELECT pg_advisory_xact_lock(7310593858)")
            .map_err(db)?;
        let tables: i64 = tx
            .query_one(
                "SELECT count(*) FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
                 AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'",
                &[],
            )
            .and_then(|r| r.try_get(0))
            .map_err(db)?;
        if tables != 0 {
            let found = schema_of(&mut tx).unwrap_or_else(|_| "other tables".to_owned());
            return Err(StoreError::Schema {
                expected: SCHEMA_VERSION,
                found,
            });
        }
        tx.batch_execute(MIGRATION).map_err(db)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema', $1)",
            &[&SCHEMA_VERSION.to_string()],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(store)
    }

    /// Opens the registry in the database at `url`, which must hold this
    /// schema.
    ///
    /// # Errors
    /// [`StoreError::Schema`], [`StoreError::Database`].
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let mut store = PostgresStore::connect(url)?;
        let mut tx = store
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(db)?;
        let found = schema_of(&mut tx)?;
        tx.commit().map_err(db)?;
        if found != SCHEMA_VERSION.to_string() {
            return Err(StoreError::Schema {
                expected: SCHEMA_VERSION,
                found,
            });
        }
        Ok(store)
    }

    fn connect(url: &str) -> Result<Self, StoreError> {
        // The URL may hold a password: errors name the problem, never it.
        let mut config: Config = url.parse().map_err(|e| StoreError::Database {
            backend: BACKEND,
            message: format!("not a PostgreSQL URL: {e}"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("elicence");
        }
        let mut client = config.connect(NoTls).map_err(db)?;
        let encoding: String = client
            .query_one("SHOW server_encoding", &[])
            .and_then(|r| r.try_get(0))
            .map_err(db)?;
        if encoding != "UTF8" {
            return Err(StoreError::Database {
                backend: BACKEND,
                message: format!("the database's encoding is {encoding}, not UTF8"),
            });
        }
        client
            .batch_execute(&format!(
                "SET lock_timeout = '{LOCK_TIMEOUT}'; SET synchronous_commit = on"
            ))
            .map_err(db)?;
        Ok(PostgresStore {
            client,
            statements: HashMap::new(),
        })
    }
}

fn schema_of(tx: &mut Transaction<'_>) -> Result<String, StoreError> {
    let has_meta: bool = tx
        .query_one(
            "SELECT to_regclass(quote_ident(current_schema()) || '.meta') IS NOT NULL",
            &[],
        )
        .and_then(|r| r.try_get(0))
        .map_err(db)?;
    if !has_meta {
        return Ok("none".to_owned());
    }
    let row = tx
        .query_opt("SELECT value FROM meta WHERE key = 'schema'", &[])
        .map_err(db)?;
    match row {
        Some(row) => row.try_get(0).map_err(db),
        None => Ok("none".to_owned()),
    }
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn write(&mut self) -> Result<Box<dyn Tx + '_>, StoreError> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .map_err(db)?;
        Ok(Box::new(PostgresTx {
            tx,
            statements: &mut self.statements,
            write: true,
            unsent: Vec::new(),
        }))
    }

    fn read(&mut self) -> Result<Box<dyn Tx + '_>, StoreError> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(db)?;
        Ok(Box::new(PostgresTx {
            tx,
            statements: &mut self.statements,
            write: false,
            unsent: Vec::new(),
        }))
    }
}

struct PostgresTx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
    /// Whether rows read for update are locked (a read-only transaction
    /// may not lock).
    write: bool,
    /// Licences to insert, sent in one `COPY` before the next statement or
    /// the commit: a round trip per licence would cost more than signing.
    unsent: Vec<LicenceRow>,
}

type Params<'p> = [&'p (dyn ToSql + Sync)];

fn db(e: postgres::Error) -> StoreError {
    let conflict = e.code().is_some_and(|code| {
        [
            SqlState::UNIQUE_VIOLATION,
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::LOCK_NOT_AVAILABLE,
        ]
        .contains(code)
    });
    let message = match e.as_db_error() {
        Some(error) => error.message().to_owned(),
        None => match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    };
    if conflict {
        StoreError::Conflict {
            backend: BACKEND,
            message,
        }
    } else {
        StoreError::Database {
            backend: BACKEND,
            message,
        }
    }
}

fn get<'r, T: postgres::types::FromSql<'r>>(row: &'r Row, column: usize) -> Result<T, StoreError> {
    row.try_get(column).map_err(|e| StoreError::Corrupt {
        what: format!("column {column}: {e}"),
    })
}

/// The types of [`LICENCE_COLUMNS`], for `COPY … BINARY`.
const LICENCE_TYPES: [Type; 23] = [
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::BOOL,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT8,
    Type::BYTEA,
    Type::BYTEA,
    Type::INT8,
    Type::INT8,
    Type::TEXT,
    Type::INT8,
    Type::INT8,
    Type::BYTEA,
];

/// Licences buffered before a `COPY` is sent.
const UNSENT_LICENCES: usize = 1_000;

const LICENCE_COLUMNS: &str = "log_index, identifier, request_id, type_code, authority, serial, \
     number, holder_name, holder_is_org, holder_code, issuer_name, issue_date, valid_from, \
     valid_until, issued_at, envelope, envelope_sha256, status_list, status_index, status, \
     status_at, last_change, request_sha256";

fn licence_row(r: &Row) -> Result<LicenceRow, StoreError> {
    Ok(LicenceRow {
        log_index: uint(get(r, 0)?, "log index")?,
        identifier: get(r, 1)?,
        request_id: get(r, 2)?,
        type_code: get(r, 3)?,
        authority: get(r, 4)?,
        serial: uint(get(r, 5)?, "serial")?,
        number: get(r, 6)?,
        holder_name: get(r, 7)?,
        holder_is_org: get(r, 8)?,
        holder_code: get(r, 9)?,
        issuer_name: get(r, 10)?,
        issue_date: get(r, 11)?,
        valid_from: get(r, 12)?,
        valid_until: get(r, 13)?,
        issued_at: get(r, 14)?,
        envelope: get(r, 15)?,
        envelope_sha256: hash(get(r, 16)?, "envelope SHA-256")?,
        status_list: uint(get(r, 17)?, "status list")?,
        status_index: uint(get(r, 18)?, "status index")?,
        status: get(r, 19)?,
        status_at: get(r, 20)?,
        last_change: uint(get(r, 21)?, "last change")?,
        request_sha256: hash(get(r, 22)?, "request SHA-256")?,
    })
}

fn list_row(r: &Row) -> Result<ListRow, StoreError> {
    Ok(ListRow {
        authority: get(r, 0)?,
        list: uint(get(r, 1)?, "list number")?,
        size: uint(get(r, 2)?, "list size")?,
        used: get(r, 3)?,
        used_count: uint(get(r, 4)?, "used count")?,
        dirty: get(r, 5)?,
    })
}

/// `LIKE` pattern text matching `text` literally (backslash is
/// PostgreSQL's default escape character).
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl PostgresTx<'_> {
    /// Every statement goes through here, so buffered licences are in the
    /// table before anything reads or changes it.
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        self.send_licences()?;
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(sql).map_err(db)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn query(&mut self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        self.tx.query(&statement, params).map_err(db)
    }

    fn query_opt(&mut self, sql: &str, params: &Params<'_>) -> Result<Option<Row>, StoreError> {
        let statement = self.statement(sql)?;
        self.tx.query_opt(&statement, params).map_err(db)
    }

    fn execute(&mut self, sql: &str, params: &Params<'_>) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        self.tx.execute(&statement, params).map_err(db)
    }

    fn send_licences(&mut self) -> Result<(), StoreError> {
        if self.unsent.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.unsent);
        let sink = self
            .tx
            .copy_in(&format!(
                "COPY licences ({LICENCE_COLUMNS}) FROM STDIN BINARY"
            ))
            .map_err(db)?;
        let mut writer = BinaryCopyInWriter::new(sink, &LICENCE_TYPES);
        for row in &rows {
            writer
                .write(&[
                    &int(row.log_index)?,
                    &row.identifier,
                    &row.request_id,
                    &row.type_code,
                    &row.authority,
                    &int(row.serial)?,
                    &row.number,
                    &row.holder_name,
                    &row.holder_is_org,
                    &row.holder_code,
                    &row.issuer_name,
                    &row.issue_date,
                    &row.valid_from,
                    &row.valid_until,
                    &row.issued_at,
                    &row.envelope,
                    &row.envelope_sha256.as_slice(),
                    &i64::from(row.status_list),
                    &i64::from(row.status_index),
                    &row.status,
                    &row.status_at,
                    &int(row.last_change)?,
                    &row.request_sha256.as_slice(),
                ])
                .map_err(db)?;
        }
        writer.finish().map_err(db)?;
        Ok(())
    }

    /// `FOR UPDATE` in a write transaction, nothing in a read-only one.
    fn lock(&self) -> &'static str {
        if self.write { " FOR UPDATE" } else { "" }
    }

    fn licences_where(
        &mut self,
        condition: &str,
        params: &Params<'_>,
    ) -> Result<Vec<LicenceRow>, StoreError> {
        let sql = format!("SELECT {LICENCE_COLUMNS} FROM licences WHERE {condition}");
        self.query(&sql, params)?.iter().map(licence_row).collect()
    }

    fn one_licence(
        &mut self,
        condition: &str,
        params: &Params<'_>,
    ) -> Result<Option<LicenceRow>, StoreError> {
        Ok(self.licences_where(condition, params)?.into_iter().next())
    }

    fn list_where(
        &mut self,
        condition: &str,
        params: &Params<'_>,
    ) -> Result<Option<ListRow>, StoreError> {
        let sql = format!(
            "SELECT authority, list, size, used, used_count, dirty FROM status_lists \
             WHERE {condition}{}",
            self.lock()
        );
        self.query_opt(&sql, params)?
            .as_ref()
            .map(list_row)
            .transpose()
    }

    fn lists(&mut self, sql: &str) -> Result<Vec<(String, u32)>, StoreError> {
        self.query(sql, &[])?
            .iter()
            .map(|r| Ok((get(r, 0)?, uint(get(r, 1)?, "list number")?)))
            .collect()
    }
}

impl Tx for PostgresTx<'_> {
    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.send_licences()?;
        self.tx.commit().map_err(db)
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        self.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|r| get(&r, 0))
            .transpose()
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn allocate_serials(
        &mut self,
        authority: &str,
        type_code: &str,
        count: u64,
    ) -> Result<u64, StoreError> {
        let count = int(count)?;
        // The upsert locks the counter row until the transaction ends.
        let row = self
            .query_opt(
                "INSERT INTO serials AS s (authority, type_code, next) VALUES ($1, $2, 1 + $3::bigint) \
                 ON CONFLICT (authority, type_code) DO UPDATE SET next = s.next + $3::bigint \
                 RETURNING next",
                &[&authority, &type_code, &count],
            )?
            .ok_or_else(|| StoreError::Corrupt {
                what: "serial counter returned nothing".to_owned(),
            })?;
        let next: i64 = get(&row, 0)?;
        uint(next - count, "serial")
    }

    fn licences_by_requests(
        &mut self,
        request_ids: &[&str],
    ) -> Result<Vec<LicenceRow>, StoreError> {
        if request_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.licences_where("request_id = ANY($1)", &[&request_ids])
    }

    fn last_list(&mut self, authority: &str) -> Result<Option<ListRow>, StoreError> {
        self.list_where("authority = $1 ORDER BY list DESC LIMIT 1", &[&authority])
    }

    fn list(&mut self, authority: &str, list: u32) -> Result<Option<ListRow>, StoreError> {
        self.list_where(
            "authority = $1 AND list = $2",
            &[&authority, &i64::from(list)],
        )
    }

    fn put_list(&mut self, row: &ListRow) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO status_lists (authority, list, size, used, used_count, dirty) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (authority, list) DO UPDATE SET \
             size = excluded.size, used = excluded.used, used_count = excluded.used_count, \
             dirty = excluded.dirty",
            &[
                &row.authority,
                &i64::from(row.list),
                &i64::from(row.size),
                &row.used,
                &i64::from(row.used_count),
                &row.dirty,
            ],
        )?;
        Ok(())
    }

    fn dirty_lists(&mut self) -> Result<Vec<(String, u32)>, StoreError> {
        self.lists("SELECT authority, list FROM status_lists WHERE dirty ORDER BY authority, list")
    }

    fn all_lists(&mut self) -> Result<Vec<(String, u32)>, StoreError> {
        self.lists("SELECT authority, list FROM status_lists ORDER BY authority, list")
    }

    fn list_entries(
        &mut self,
        authority: &str,
        list: u32,
    ) -> Result<Vec<(u32, String)>, StoreError> {
        self.query(
            "SELECT status_index, status FROM licences \
             WHERE authority = $1 AND status_list = $2 AND status <> '01'",
            &[&authority, &i64::from(list)],
        )?
        .iter()
        .map(|r| Ok((uint(get(r, 0)?, "status index")?, get(r, 1)?)))
        .collect()
    }

    fn insert_licence(&mut self, row: &LicenceRow) -> Result<(), StoreError> {
        self.unsent.push(row.clone());
        if self.unsent.len() >= UNSENT_LICENCES {
            self.send_licences()?;
        }
        Ok(())
    }

    fn licence(&mut self, identifier: &str) -> Result<Option<LicenceRow>, StoreError> {
        self.one_licence("identifier = $1", &[&identifier])
    }

    fn licence_by_request(&mut self, request_id: &str) -> Result<Option<LicenceRow>, StoreError> {
        self.one_licence("request_id = $1", &[&request_id])
    }

    fn update_status(
        &mut self,
        identifier: &str,
        code: &str,
        at: i64,
        log_index: u64,
    ) -> Result<(), StoreError> {
        let changed = self.execute(
            "UPDATE licences SET status = $2, status_at = $3, last_change = $4 \
             WHERE identifier = $1",
            &[&identifier, &code, &at, &int(log_index)?],
        )?;
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                what: format!("no licence {identifier} to update"),
            })
        }
    }

    fn insert_status_change(&mut self, change: &StatusChangeRow) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO status_changes (identifier, seq, code, reason, operator, at, log_index) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &change.identifier,
                &i64::from(change.seq),
                &change.code,
                &change.reason,
                &change.operator,
                &change.at,
                &int(change.log_index)?,
            ],
        )?;
        Ok(())
    }

    fn status_history(&mut self, identifier: &str) -> Result<Vec<StatusChangeRow>, StoreError> {
        self.query(
            "SELECT seq, code, reason, operator, at, log_index FROM status_changes \
             WHERE identifier = $1 ORDER BY seq",
            &[&identifier],
        )?
        .iter()
        .map(|r| {
            Ok(StatusChangeRow {
                identifier: identifier.to_owned(),
                seq: uint(get(r, 0)?, "status change number")?,
                code: get(r, 1)?,
                reason: get(r, 2)?,
                operator: get(r, 3)?,
                at: get(r, 4)?,
                log_index: uint(get(r, 5)?, "log index")?,
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
            "holder_is_org AND holder_code = $1 AND log_index > $2 ORDER BY log_index LIMIT $3",
            &[&uscc, &after, &i64::from(limit)],
        )
    }

    fn licences_by_holder_name(
        &mut self,
        name: &NameMatch,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, StoreError> {
        let after = after.map_or(-1, position);
        let limit = i64::from(limit);
        match name {
            NameMatch::Prefix(prefix) => {
                // Under COLLATE "C" the range [prefix, prefix + U+10FFFF) is
                // every name that starts with the prefix: a B-tree range.
                let end = format!("{prefix}\u{10FFFF}");
                self.licences_where(
                    "holder_is_org AND holder_name >= $1 AND holder_name < $2 \
                     AND log_index > $3 ORDER BY log_index LIMIT $4",
                    &[prefix, &end, &after, &limit],
                )
            }
            NameMatch::Contains(text) => {
                // pg_trgm's GIN index answers LIKE '%text%' for three or
                // more characters.
                let pattern = format!("%{}%", like_literal(text));
                self.licences_where(
                    "holder_is_org AND holder_name LIKE $1 AND log_index > $2 \
                     ORDER BY log_index LIMIT $3",
                    &[&pattern, &after, &limit],
                )
            }
        }
    }

    fn licences_changed_since(
        &mut self,
        since: u64,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, StoreError> {
        self.licences_where(
            "last_change >= $1 ORDER BY last_change LIMIT $2",
            &[&position(since), &i64::from(limit)],
        )
    }

    fn log_head(&mut self) -> Result<(u64, Hash), StoreError> {
        let sql = format!(
            "SELECT size, root FROM log_head WHERE id = 1{}",
            self.lock()
        );
        let row = self
            .query_opt(&sql, &[])?
            .ok_or_else(|| StoreError::Corrupt {
                what: "no log head".to_owned(),
            })?;
        Ok((
            uint(get(&row, 0)?, "log size")?,
            hash(get(&row, 1)?, "log root")?,
        ))
    }

    fn set_log_head(&mut self, size: u64, root: &Hash) -> Result<(), StoreError> {
        self.execute(
            "UPDATE log_head SET size = $1, root = $2 WHERE id = 1",
            &[&int(size)?, &root.as_slice()],
        )?;
        Ok(())
    }

    fn tile(&mut self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.query_opt(
            "SELECT hashes FROM log_tiles WHERE level = $1 AND idx = $2",
            &[&i16::from(level), &int(index)?],
        )?
        .map(|r| get(&r, 0))
        .transpose()
    }

    fn put_tile(&mut self, level: u8, index: u64, hashes: &[u8]) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO log_tiles (level, idx, hashes) VALUES ($1, $2, $3) \
             ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes",
            &[&i16::from(level), &int(index)?, &hashes],
        )?;
        Ok(())
    }

    fn put_leaves(&mut self, first: u64, leaves: &[Vec<u8>]) -> Result<(), StoreError> {
        let first = int(first)?;
        let indices = (0..leaves.len())
            .map(|i| i64::try_from(i).ok().and_then(|i| first.checked_add(i)))
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(|| StoreError::Corrupt {
                what: "leaf indices overflow".to_owned(),
            })?;
        // One statement for the whole group: arrays unnested server-side.
        self.execute(
            "INSERT INTO log_leaves (idx, leaf) SELECT * FROM unnest($1::bigint[], $2::bytea[])",
            &[&indices, &leaves],
        )?;
        Ok(())
    }

    fn leaves(&mut self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let end = first.saturating_add(count);
        self.query(
            "SELECT leaf FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx",
            &[&position(first), &position(end)],
        )?
        .iter()
        .map(|r| get(r, 0))
        .collect()
    }

    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO log_checkpoints (size, note) VALUES ($1, $2) \
             ON CONFLICT (size) DO UPDATE SET note = excluded.note",
            &[&int(size)?, &note],
        )?;
        Ok(())
    }

    fn latest_checkpoint(&mut self) -> Result<Option<(u64, String)>, StoreError> {
        self.query_opt(
            "SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1",
            &[],
        )?
        .map(|r| Ok((uint(get(&r, 0)?, "checkpoint size")?, get(&r, 1)?)))
        .transpose()
    }

    fn create_job(
        &mut self,
        job: &str,
        lines: u64,
        chunk_lines: u64,
        chunks: u64,
    ) -> Result<(), StoreError> {
        let chunks = int(chunks)?;
        let inserted = self.execute(
            "INSERT INTO jobs (job, lines, chunk_lines, chunks) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (job) DO NOTHING",
            &[&job, &int(lines)?, &int(chunk_lines)?, &chunks],
        )?;
        if inserted == 1 {
            self.execute(
                "INSERT INTO job_chunks (job, chunk) SELECT $1, g FROM generate_series(0, $2::bigint - 1) g",
                &[&job, &chunks],
            )?;
        }
        Ok(())
    }

    fn job(&mut self, job: &str) -> Result<Option<(u64, u64, u64, u64)>, StoreError> {
        self.query_opt(
            "SELECT lines, chunk_lines, chunks, \
             (SELECT count(*) FROM job_chunks c WHERE c.job = jobs.job AND c.done) \
             FROM jobs WHERE job = $1",
            &[&job],
        )?
        .map(|r| {
            Ok((
                uint(get(&r, 0)?, "job lines")?,
                uint(get(&r, 1)?, "chunk lines")?,
                uint(get(&r, 2)?, "chunks")?,
                uint(get(&r, 3)?, "chunks done")?,
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
        // Chunks another worker's open transaction holds are skipped, not
        // waited for; the claimed row stays locked until this one ends.
        self.query_opt(
            "UPDATE job_chunks SET lease_owner = $3, lease_until = $4 \
             WHERE job = $1 AND chunk = (SELECT chunk FROM job_chunks WHERE job = $1 \
             AND NOT done AND (lease_until IS NULL OR lease_until < $2) \
             ORDER BY chunk LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING chunk",
            &[&job, &now, &owner, &lease_until],
        )?
        .map(|r| {
            Ok(ChunkClaim {
                chunk: uint(get(&r, 0)?, "chunk")?,
            })
        })
        .transpose()
    }

    fn finish_chunk(&mut self, job: &str, chunk: u64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE job_chunks SET done = true, lease_owner = NULL, lease_until = NULL \
             WHERE job = $1 AND chunk = $2",
            &[&job, &int(chunk)?],
        )?;
        Ok(())
    }

    fn insert_reject(&mut self, job: &str, line: u64, message: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO job_rejects (job, line, message) VALUES ($1, $2, $3) \
             ON CONFLICT (job, line) DO UPDATE SET message = excluded.message",
            &[&job, &int(line)?, &message],
        )?;
        Ok(())
    }

    fn rejects(&mut self, job: &str, limit: u32) -> Result<(u64, Vec<(u64, String)>), StoreError> {
        let count = self
            .query_opt("SELECT count(*) FROM job_rejects WHERE job = $1", &[&job])?
            .map_or(Ok(0), |r| get::<i64>(&r, 0))?;
        let listed = self
            .query(
                "SELECT line, message FROM job_rejects WHERE job = $1 ORDER BY line LIMIT $2",
                &[&job, &i64::from(limit)],
            )?
            .iter()
            .map(|r| Ok((uint(get(r, 0)?, "line")?, get(r, 1)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((uint(count, "reject count")?, listed))
    }
}
