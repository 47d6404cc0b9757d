//! The storage trait both backends implement: plain reads and writes inside
//! one transaction. Every rule (what a serial is, which index is free, what
//! the log holds) lives in the registry above it, once.

use crate::log::Hash;

use super::{LicenceRow, NameMatch, StatusChangeRow, StoreError};

/// A storage backend: SQLite ([`super::SqliteStore`]) or PostgreSQL
/// (`PostgresStore`, feature `postgres`), which keeps the same semantics
/// with row locks (`FOR UPDATE`, `SKIP LOCKED` for chunk claims).
pub trait Store: Send {
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// Starts a write transaction that holds the registry's write lock
    /// until it commits or is dropped (SQLite `BEGIN IMMEDIATE`; PostgreSQL
    /// `READ COMMITTED` with row locks taken by the methods that need them).
    /// Dropping the transaction without [`Tx::commit`] rolls it back.
    fn write(&mut self) -> Result<Box<dyn Tx + '_>, StoreError>;

    /// Starts a read-only transaction that sees one snapshot.
    fn read(&mut self) -> Result<Box<dyn Tx + '_>, StoreError>;
}

/// The current status-list allocation state of one list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    /// The authority's USCC.
    pub authority: String,
    /// The list's number among the authority's lists (from 1).
    pub list: u32,
    /// Entries in the list.
    pub size: u32,
    /// One bit per entry, set when allocated (little-endian 64-bit words as
    /// [`crate::status::IndexAllocator::used_bytes`] gives them).
    pub used: Vec<u8>,
    /// How many entries are allocated.
    pub used_count: u32,
    /// Whether a status changed since the list was last published.
    pub dirty: bool,
}

/// One chunk of a batch job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkClaim {
    /// The chunk's number, from 0: lines `chunk * chunk_lines ..` of the input.
    pub chunk: u64,
}

/// Reads and writes inside one transaction. Methods take `&mut self` so a
/// transaction is used from one thread.
pub trait Tx {
    /// Commits everything done in the transaction, durably.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// A registry setting (`schema`, `log_origin`, …).
    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a registry setting.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Reserves `count` consecutive serials for (authority, type code) and
    /// returns the first: serials start at 1 and the counter row is locked
    /// until the transaction ends.
    fn allocate_serials(
        &mut self,
        authority: &str,
        type_code: &str,
        count: u64,
    ) -> Result<u64, StoreError>;

    /// The licences already issued for any of `request_ids`, in no order.
    /// A backend with a round trip per statement answers in one.
    fn licences_by_requests(
        &mut self,
        request_ids: &[&str],
    ) -> Result<Vec<LicenceRow>, StoreError> {
        let mut out = Vec::new();
        for request_id in request_ids {
            out.extend(self.licence_by_request(request_id)?);
        }
        Ok(out)
    }

    /// The highest-numbered status list of `authority`, locked for update.
    fn last_list(&mut self, authority: &str) -> Result<Option<ListRow>, StoreError>;
    /// One status list, locked for update.
    fn list(&mut self, authority: &str, list: u32) -> Result<Option<ListRow>, StoreError>;
    /// Inserts or replaces a status list's allocation state.
    fn put_list(&mut self, row: &ListRow) -> Result<(), StoreError>;
    /// Every list marked dirty, as (authority, list).
    fn dirty_lists(&mut self) -> Result<Vec<(String, u32)>, StoreError>;
    /// Every list, as (authority, list).
    fn all_lists(&mut self) -> Result<Vec<(String, u32)>, StoreError>;
    /// The entries of one list whose status is not valid (`01`), as
    /// (index, status code).
    fn list_entries(
        &mut self,
        authority: &str,
        list: u32,
    ) -> Result<Vec<(u32, String)>, StoreError>;

    /// Inserts an issued licence.
    fn insert_licence(&mut self, row: &LicenceRow) -> Result<(), StoreError>;
    /// A licence by its identifier.
    fn licence(&mut self, identifier: &str) -> Result<Option<LicenceRow>, StoreError>;
    /// A licence by its request id.
    fn licence_by_request(&mut self, request_id: &str) -> Result<Option<LicenceRow>, StoreError>;
    /// Records a licence's new current status and the log index of the event.
    fn update_status(
        &mut self,
        identifier: &str,
        code: &str,
        at: i64,
        log_index: u64,
    ) -> Result<(), StoreError>;
    /// Appends to a licence's status history.
    fn insert_status_change(&mut self, change: &StatusChangeRow) -> Result<(), StoreError>;
    /// A licence's status history, oldest first.
    fn status_history(&mut self, identifier: &str) -> Result<Vec<StatusChangeRow>, StoreError>;

    /// Licences held by the organisation with this USCC, in order of
    /// issuance (log index), those after log index `after`, at most `limit`.
    fn licences_by_holder_code(
        &mut self,
        uscc: &str,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, StoreError>;
    /// Licences held by organisations whose name matches (an indexed
    /// search: a B-tree range for a prefix, trigrams for a substring), in
    /// order of issuance, after log index `after`, at most `limit`. Never
    /// natural persons.
    fn licences_by_holder_name(
        &mut self,
        name: &NameMatch,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, StoreError>;
    /// Licences whose last event has log index `>= since`, ordered by that
    /// index (each event concerns one licence, so it is unique), at most
    /// `limit`.
    fn licences_changed_since(
        &mut self,
        since: u64,
        limit: u32,
    ) -> Result<Vec<LicenceRow>, StoreError>;

    /// The log's size and root. In a write transaction this locks the
    /// head until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's
    /// write lock already excludes other writers): every writer of the log
    /// calls it before taking any other lock.
    fn log_head(&mut self) -> Result<(u64, Hash), StoreError>;
    /// Sets the log's size and root.
    fn set_log_head(&mut self, size: u64, root: &Hash) -> Result<(), StoreError>;
    /// A stored tile's hashes (full or partial), if any.
    fn tile(&mut self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Inserts or replaces a tile.
    fn put_tile(&mut self, level: u8, index: u64, hashes: &[u8]) -> Result<(), StoreError>;
    /// Stores leaves at consecutive indices from `first`.
    fn put_leaves(&mut self, first: u64, leaves: &[Vec<u8>]) -> Result<(), StoreError>;
    /// The leaves at `first .. first + count` that exist.
    fn leaves(&mut self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError>;
    /// Stores a signed checkpoint for a tree size (kept for consistency
    /// checks and serving).
    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError>;
    /// The latest stored checkpoint.
    fn latest_checkpoint(&mut self) -> Result<Option<(u64, String)>, StoreError>;

    /// Creates a batch job with `chunks` pending chunks, unless it exists.
    fn create_job(
        &mut self,
        job: &str,
        lines: u64,
        chunk_lines: u64,
        chunks: u64,
    ) -> Result<(), StoreError>;
    /// The job's (lines, chunk_lines, chunks, chunks done), if it exists.
    fn job(&mut self, job: &str) -> Result<Option<(u64, u64, u64, u64)>, StoreError>;
    /// Claims a pending chunk (one whose lease, if any, expired before
    /// `now`), leasing it to `owner` until `lease_until`, skipping chunks
    /// other transactions hold (PostgreSQL `FOR UPDATE SKIP LOCKED`).
    fn claim_chunk(
        &mut self,
        job: &str,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<ChunkClaim>, StoreError>;
    /// Marks a chunk done.
    fn finish_chunk(&mut self, job: &str, chunk: u64) -> Result<(), StoreError>;
    /// Records a line the job could not issue.
    fn insert_reject(&mut self, job: &str, line: u64, message: &str) -> Result<(), StoreError>;
    /// How many lines the job could not issue, and the first `limit` of
    /// them in order.
    fn rejects(&mut self, job: &str, limit: u32) -> Result<(u64, Vec<(u64, String)>), StoreError>;
}
