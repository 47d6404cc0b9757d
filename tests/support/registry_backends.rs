// Fresh registry locations on every backend, shared by the registry test
// suites through `include!`: SQLite always, and PostgreSQL when
// `ELICENCE_TEST_POSTGRES` names a server (`.ci/postgres.sh` starts one and
// sets `ELICENCE_REQUIRE_POSTGRES=1`, so that a missing server fails the
// suite instead of leaving it to pass on SQLite alone).

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn next_number() -> u32 {
    COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
}

include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/temp_dir.rs"));

/// A new, empty scratch directory, removed when dropped.
fn scratch() -> TempDir {
    TempDir::new()
}

/// A fresh, empty registry location per backend, with the directory that
/// holds it (kept until the caller is done with the location).
fn locations() -> Vec<(String, Option<TempDir>)> {
    let dir = scratch();
    let mut out = vec![(dir.path("registry.sqlite").display().to_string(), Some(dir))];
    if let Some(url) = postgres_database() {
        out.push((url, None));
    }
    out
}

/// A fresh database on the PostgreSQL server named by
/// `ELICENCE_TEST_POSTGRES` (a URL whose user may create databases), if set.
fn postgres_database() -> Option<String> {
    let required = std::env::var("ELICENCE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let Ok(admin) = std::env::var("ELICENCE_TEST_POSTGRES") else {
        assert!(
            !required,
            "ELICENCE_REQUIRE_POSTGRES=1 but ELICENCE_TEST_POSTGRES is not set"
        );
        return None;
    };
    #[cfg(feature = "postgres")]
    {
        let name = format!("elicence_test_{}_{}", std::process::id(), next_number());
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        // One statement per call: CREATE DATABASE may not share a
        // transaction block.
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (server, _) = admin.rsplit_once('/').unwrap();
        Some(format!("{server}/{name}"))
    }
    #[cfg(not(feature = "postgres"))]
    {
        assert!(
            !required,
            "ELICENCE_REQUIRE_POSTGRES=1 but the postgres feature is off"
        );
        let _ = admin;
        None
    }
}

/// Runs `test` on every backend, and fails after all have run, naming each
/// backend that failed (so a SQLite failure does not hide PostgreSQL's).
fn each_backend(test: impl Fn(&str)) {
    let mut failed = Vec::new();
    for (location, _dir) in locations() {
        let backend = if location.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        };
        eprintln!("backend: {backend}");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(&location)));
        if outcome.is_err() {
            failed.push(backend);
        }
    }
    assert!(failed.is_empty(), "failed on: {failed:?}");
}
