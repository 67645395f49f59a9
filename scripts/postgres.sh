#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests.
#
#   scripts/postgres.sh start   install Debian's postgresql if missing, initdb a cluster in a
#                               temporary directory, start it on a free 127.0.0.1 port, print
#                               the admin URL (also written to target/pg/url)
#   scripts/postgres.sh url     print the admin URL of the running cluster
#   scripts/postgres.sh stop    stop the cluster and remove its directory
#
# The cluster runs as a non-root user (`idgwpg`, created when run as root), listens on
# loopback only, and requires the generated password (scram-sha-256).
# Typical use:  export IDGW_TEST_POSTGRES_URL=$(scripts/postgres.sh start)
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${IDGW_PG_STATE:-$PWD/target/pg}
OS_USER=idgwpg
DB_USER=idgw

pg_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ]; then
            echo "$d"
            return
        fi
    done
}

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u "$OS_USER" -- "$@")
    else
        "$@"
    fi
}

install() {
    if [ -z "$(pg_bin)" ]; then
        echo "postgres.sh: installing postgresql" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends postgresql >&2
    fi
    if [ "$(id -u)" = 0 ] && ! id "$OS_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$OS_USER"
    fi
}

running() {
    [ -f "$STATE/dir" ] && [ -f "$STATE/url" ] &&
        as_owner "$(pg_bin)/pg_ctl" status -D "$(cat "$STATE/dir")/data" >/dev/null 2>&1
}

# A port nothing listens on now; pg_ctl start fails (and we retry) if one is taken meanwhile.
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

start() {
    if running; then
        cat "$STATE/url"
        return
    fi
    stop # what a crashed run left behind
    install
    local bin dir password port tries
    bin=$(pg_bin)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/idgw-pg.XXXXXX")
    mkdir -p "$STATE"
    echo "$dir" >"$STATE/dir"
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/pwfile"
    mkdir -p "$dir/sock"
    if [ "$(id -u)" = 0 ]; then
        chown -R "$OS_USER" "$dir"
    fi
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U "$DB_USER" --pwfile="$dir/pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    for tries in 1 2 3 4 5; do
        port=$(free_port)
        # Durability is pointless for a throwaway cluster: fsync off keeps the tests fast.
        if as_owner "$bin/pg_ctl" start -w -t 60 -D "$dir/data" -l "$dir/server.log" \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/sock \
                -c max_connections=300 -c fsync=off -c synchronous_commit=off \
                -c full_page_writes=off" >/dev/null; then
            echo "postgres://$DB_USER:$password@127.0.0.1:$port/postgres" >"$STATE/url"
            chmod 600 "$STATE/url"
            cat "$STATE/url"
            return
        fi
        echo "postgres.sh: start on port $port failed (try $tries)" >&2
    done
    tail -20 "$dir/server.log" >&2
    exit 1
}

stop() {
    [ -f "$STATE/dir" ] || return 0
    local dir
    dir=$(cat "$STATE/dir")
    if [ -d "$dir/data" ]; then
        as_owner "$(pg_bin)/pg_ctl" stop -D "$dir/data" -m fast -w >/dev/null 2>&1 || true
    fi
    case "$dir" in
        */idgw-pg.*) rm -rf "$dir" ;;
    esac
    rm -rf "$STATE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url)
        running || { echo "postgres.sh: not running (scripts/postgres.sh start)" >&2; exit 1; }
        cat "$STATE/url"
        ;;
    *)
        echo "usage: $0 start|stop|url" >&2
        exit 2
        ;;
esac
