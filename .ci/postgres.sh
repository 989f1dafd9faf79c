# Throwaway PostgreSQL for tests: installed from Debian's packages when absent, run as
# the unprivileged postgres user on a random loopback port, removed at the end.
# Source this file, then: start_postgres (sets PG_URL) ... stop_postgres.

pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install_postgres() {
    if [ -z "$(pg_bin_dir)" ] || [ ! -x "$(pg_bin_dir)/postgres" ]; then
        echo "installing PostgreSQL from the distribution's packages"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    fi
}

as_postgres() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_postgres() {
    install_postgres
    local bin
    bin="$(pg_bin_dir)"
    PG_DIR="$(mktemp -d /tmp/tradeguard-pg.XXXXXX)"
    PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    if [ "$(id -u)" = "0" ]; then chown postgres "$PG_DIR"; fi
    as_postgres "$bin/initdb" -D "$PG_DIR/data" -U tradeguard --auth=trust -E UTF8 >/dev/null
    as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-p $PG_PORT -h 127.0.0.1 -k $PG_DIR -c fsync=off -c max_connections=200" start >/dev/null
    PG_URL="postgresql+asyncpg://tradeguard@127.0.0.1:$PG_PORT/postgres"
    export PG_DIR PG_PORT PG_URL
    echo "PostgreSQL running on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
        as_postgres "$(pg_bin_dir)/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
