#!/usr/bin/env bash
# A streaming replica of the machine's PostgreSQL on 127.0.0.1:5433, for the
# read-replica tests (test/db/read-replica.test.ts). Run as root.
#   .ci/replica.sh up    create it (removing one left over from an interrupted run first)
#   .ci/replica.sh down  stop and drop it, restore the primary's pg_hba.conf
# Steps as in TOOLCHAIN.md ("A streaming replica of the machine's PostgreSQL").
# pg_basebackup copies every database of the primary: minutes if a large
# benchmark database (usage_bench) is there.
set -euo pipefail

VERSION="$(ls /etc/postgresql | sort -V | tail -n 1)"
[ -n "$VERSION" ] || { echo "replica: no PostgreSQL cluster in /etc/postgresql" >&2; exit 1; }
PRIMARY_HBA="/etc/postgresql/$VERSION/main/pg_hba.conf"
# The primary's pg_hba.conf as it was before `up`; `down` puts it back byte for byte.
HBA_BACKUP="$PRIMARY_HBA.before-ci-replica"
REPLICA_PORT=5433
REPLICA_CONF_DIR="/etc/postgresql/$VERSION/replica"
REPLICA_DATA="/var/lib/postgresql/$VERSION/replica"

primary() { psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc "$1"; }
replica() { psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atqc "$1"; }

down() {
  if pg_lsclusters --no-header | awk -v v="$VERSION" '$1 == v && $2 == "replica"' | grep -q .; then
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" replica stop -m fast 2>/dev/null || true
    pg_dropcluster "$VERSION" replica
  fi
  # A half-made cluster (interrupted pg_createcluster) leaves files pg_lsclusters may not list.
  rm -rf "$REPLICA_CONF_DIR" "$REPLICA_DATA"
  if [ -f "$HBA_BACKUP" ]; then
    mv -f "$HBA_BACKUP" "$PRIMARY_HBA"
    primary "select pg_reload_conf()" >/dev/null
  fi
  echo "replica: removed"
}

up() {
  down
  echo "replica: primary's databases:"
  psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc \
    "select '  ' || datname || ' ' || pg_size_pretty(pg_database_size(datname)) from pg_database where datallowconn order by pg_database_size(datname) desc"

  # 1. Replication connections ("all" in pg_hba.conf does not match them).
  cp -p "$PRIMARY_HBA" "$HBA_BACKUP"
  echo "host replication all 127.0.0.1/32 trust" >>"$PRIMARY_HBA"
  primary "select pg_reload_conf()" >/dev/null

  # 2. A new cluster whose data directory is a base backup of the primary (-R: standby.signal + primary_conninfo).
  pg_createcluster "$VERSION" replica --port "$REPLICA_PORT" >/dev/null
  find "$REPLICA_DATA" -mindepth 1 -delete
  runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p 5432 -U postgres -D "$REPLICA_DATA" -R -X stream

  # 3. The new cluster asks for passwords: the primary's trust rules instead.
  cp "$HBA_BACKUP" "$REPLICA_CONF_DIR/pg_hba.conf"
  chown postgres:postgres "$REPLICA_CONF_DIR/pg_hba.conf"
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" replica start

  # 4. A hot standby, streaming.
  for _ in $(seq 1 60); do
    if [ "$(replica "select pg_is_in_recovery()" 2>/dev/null)" = "t" ] &&
      [ "$(primary "select count(*) from pg_stat_replication where state = 'streaming'")" -gt 0 ]; then
      echo "replica: streaming on 127.0.0.1:$REPLICA_PORT"
      return 0
    fi
    sleep 1
  done
  echo "replica: not streaming after 60 s (see /var/log/postgresql/postgresql-$VERSION-replica.log)" >&2
  return 1
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
