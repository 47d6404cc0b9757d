#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on loopback and runs the registry
# suite against it, with ELICENCE_REQUIRE_POSTGRES=1 so that the suite fails
# instead of passing on SQLite alone; then the kill -9 crash test on it.
#
#   bash .ci/postgres.sh            install (apt-get), start, test, stop
#   source .ci/postgres.sh start    only start; exports ELICENCE_TEST_POSTGRES
set -euo pipefail

PG_PORT="${PG_PORT:-54329}"
PG_USER=elicence_ci

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$dir" ]; then
        echo "postgres.sh: no PostgreSQL server under /usr/lib/postgresql" >&2
        return 1
    fi
    echo "$dir"
}

install_postgres() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    fi
}

start_postgres() {
    local bin
    bin=$(pg_bin)
    # initdb and the server refuse to run as root: a dedicated user owns the
    # cluster, in a temporary directory removed on stop.
    if [ "$(id -u)" = 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
    fi
    PG_DIR=$(mktemp -d /tmp/elicence-pg.XXXXXX)
    export PG_DIR
    local run=()
    if [ "$(id -u)" = 0 ]; then
        chown "$PG_USER" "$PG_DIR"
        run=(runuser -u "$PG_USER" --)
    fi
    "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U elicence --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log"
    "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c max_connections=200 -c fsync=on" \
        start >/dev/null
    export ELICENCE_TEST_POSTGRES="postgres://elicence@127.0.0.1:$PG_PORT/postgres"
    export ELICENCE_REQUIRE_POSTGRES=1
    echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

stop_postgres() {
    local bin
    bin=$(pg_bin)
    local run=()
    if [ "$(id -u)" = 0 ]; then
        run=(runuser -u "$PG_USER" --)
    fi
    "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
    rm -rf "$PG_DIR"
}

if [ "${1:-}" = start ]; then
    install_postgres
    start_postgres
    return 0 2>/dev/null || exit 0
fi

install_postgres
start_postgres
trap stop_postgres EXIT
cargo test --all-features --test registry_suite

# kill -9 during batch issuance into PostgreSQL: the server rolls the
# killed worker's transaction back and frees its chunk.
"$(pg_bin)/psql" -q "$ELICENCE_TEST_POSTGRES" -c "CREATE DATABASE elicence_crash"
CRASH_LINES="${CRASH_LINES_POSTGRES:-30000}" CRASH_KILLS=5 ELICENCE=target/debug/elicence \
    bash .ci/crash_test.sh "${ELICENCE_TEST_POSTGRES%/*}/elicence_crash"
