#!/usr/bin/env bash
# Make sure the servers the tests need are up on loopback, then say how to reach them.
#
#   scripts/services.sh [SERVICE]...      SERVICE: postgres (default), redis, rabbitmq, mosquitto, nats
#   eval "$(scripts/services.sh postgres redis)"
#
# For each service: a server already answering is reused. Otherwise the Debian package is
# started (and first installed with apt-get when missing), and the script waits until it
# answers. Works without systemd (containers, CI), as root; a non-root user needs sudo for
# installing and starting.
#
# stdout: one `export NAME=URL` line per service, for eval; nothing else.
# stderr: what was found and done.
# An URL already set in the environment is kept and probed instead of the default.
# Exit status: 0 when every service answers, 1 when one could not be brought up (named on
# stderr; nothing is printed on stdout then), 2 for a bad argument.
#
# Environment: SERVICES_WAIT  seconds to wait for a server to answer after starting it (60;
#                            RabbitMQ gets twice that, as it boots slowly)
#              SERVICES_LOG   where the output of apt-get and of start commands goes
#                            (default: $TMPDIR or /tmp, interloom-services.UID.log)
set -euo pipefail

# stdout carries the exports alone. The work is done with stdout sent to stderr (`ensure
# ... >&2`, which bash undoes without leaking the pipe to children), and the servers we start
# get no descriptor of ours: a daemon holding the caller's pipe open would make
# `$(scripts/services.sh)` wait for ever.

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export DEBIAN_FRONTEND=noninteractive

WAIT=${SERVICES_WAIT:-60}
LOG=${SERVICES_LOG:-${TMPDIR:-/tmp}/interloom-services.$(id -u).log}
ALL_SERVICES=(postgres redis rabbitmq mosquitto nats)

say() { echo "services: $*" >&2; }

logged() {  # COMMAND...: run it detached from our stdio, its output appended to $LOG
  echo "--- $(date '+%F %T') $*" >>"$LOG"
  "$@" </dev/null >>"$LOG" 2>&1 3>&- 4>&-
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

# --- helpers ---------------------------------------------------------------------------

is_root() { [ "$(id -u)" -eq 0 ]; }

as_root() {  # run a command as root (directly, or through sudo when available)
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    say "need root (or sudo) to run: $*"
    return 1
  fi
}

tcp_open() {  # HOST PORT: true if something accepts a TCP connection there within 2 s
  # shellcheck disable=SC2016  # $0 and $1 are the inner shell's, on purpose
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

is_loopback() {
  case $1 in 127.*|localhost|::1) return 0 ;; *) return 1 ;; esac
}

APT_UPDATED=false
apt_install() {  # PACKAGE...: apt-get update (once per run), then install
  command -v apt-get >/dev/null 2>&1 || { say "apt-get not found: cannot install $*"; return 1; }
  if ! $APT_UPDATED; then
    say "apt-get update (output in $LOG)"
    logged as_root apt-get update -q || { show_log "$LOG"; return 1; }
    APT_UPDATED=true
  fi
  say "apt-get install -y $* (output in $LOG)"
  logged as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" \
    || { show_log "$LOG"; return 1; }
}

# URL parsing: sets U_USER U_HOST U_PORT U_PATH (brackets of an IPv6 host removed).
parse_url() {  # URL DEFAULT_PORT
  local re='^[A-Za-z][A-Za-z0-9+.-]*://(([^@/]*)@)?(\[[^]/]+\]|[^:/?#]+)(:([0-9]+))?(/([^?#]*))?'
  if [[ $1 =~ $re ]]; then
    U_USER=${BASH_REMATCH[2]%%:*}
    U_HOST=${BASH_REMATCH[3]}
    U_HOST=${U_HOST#[}
    U_HOST=${U_HOST%]}
    U_PORT=${BASH_REMATCH[5]:-$2}
    U_PATH=${BASH_REMATCH[7]}
  else
    say "cannot parse URL '$1'"
    return 1
  fi
}

wait_until() {  # SECONDS NAME COMMAND...: poll COMMAND every second until it succeeds
  local limit=$1 name=$2 i
  shift 2
  for ((i = 0; i < limit; i++)); do
    "$@" && return 0
    sleep 1
  done
  say "$name did not answer within ${limit}s"
  return 1
}

show_log() {  # FILE: the end of a server's log, to explain a failed start
  if [ -f "$1" ]; then
    say "last lines of $1:"
    tail -n 20 "$1" | sed 's/^/    /' >&2
  fi
}

# --- one function set per service ------------------------------------------------------
# NAME_up: does the server answer?   NAME_installed: is the Debian package there?
# NAME_start: start it without systemd.   NAME_ready: extra set-up once it answers.
# Each uses HOST PORT (from the URL) and the variables below.

PG_PACKAGE=postgresql
pg_version() {  # the newest PostgreSQL version with a cluster (or else installed)
  local v
  # shellcheck disable=SC2012  # version names are plain
  v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  # shellcheck disable=SC2012
  [ -n "$v" ] || v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
  echo "$v"
}
postgres_up() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -t 2 -h "$HOST" -p "$PORT"
  else
    tcp_open "$HOST" "$PORT"
  fi
}
postgres_installed() {
  command -v pg_ctlcluster >/dev/null 2>&1 && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}
postgres_start() {
  local v
  v=$(pg_version)
  [ -n "$v" ] || { say "no PostgreSQL version found under /etc/postgresql"; return 1; }
  if [ ! -d "/etc/postgresql/$v/main" ]; then
    say "creating PostgreSQL cluster $v/main"
    logged as_root pg_createcluster "$v" main || return 1
  fi
  LOG_FILE=/var/log/postgresql/postgresql-$v-main.log
  say "pg_ctlcluster --skip-systemctl-redirect $v main start"
  logged as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start
}
pg_psql() {  # DB SQL: run SQL as the URL's user over TCP; prints the rows
  PGCONNECT_TIMEOUT=5 psql -X -w -q -A -t -v ON_ERROR_STOP=1 \
    -h "$HOST" -p "$PORT" -U "$PG_USER" -d "$1" -c "$2" 2>&1
}
pg_can_login() { pg_psql postgres 'select 1' >/dev/null; }
pg_trust_loopback() {  # put trust lines for loopback first in the local cluster's pg_hba.conf
  local v hba marker='# added by interloom scripts/services.sh'
  v=$(pg_version)
  hba=/etc/postgresql/$v/main/pg_hba.conf
  [ -f "$hba" ] || { say "no $hba to configure"; return 1; }
  if grep -qF "$marker" "$hba"; then
    say "$hba already has our trust lines"
  else
    say "configuring trust authentication on 127.0.0.1/32 and ::1/128 in $hba"
    local tmp
    tmp=$(mktemp)
    {
      echo "$marker: trust on loopback for the test suite"
      echo "host    all             all             127.0.0.1/32            trust"
      echo "host    all             all             ::1/128                 trust"
      cat "$hba"
    } >"$tmp"
    as_root cp "$tmp" "$hba"
    rm -f "$tmp"
  fi
  logged as_root pg_ctlcluster --skip-systemctl-redirect "$v" main reload
}
postgres_ready() {
  PG_USER=${U_USER:-postgres}
  PG_DB=${U_PATH:-test}
  if ! command -v psql >/dev/null 2>&1; then
    apt_install postgresql-client || { say "psql is needed to check PostgreSQL"; return 1; }
  fi
  local out
  if ! out=$(pg_psql postgres 'select 1'); then
    say "cannot log in as '$PG_USER' at $HOST:$PORT: $out"
    if is_loopback "$HOST" && postgres_installed; then
      pg_trust_loopback || return 1
      wait_until 10 "PostgreSQL (after reload)" pg_can_login || {
        say "still cannot log in: $(pg_psql postgres 'select 1')"
        return 1
      }
    else
      return 1
    fi
  fi
  if [ "$(pg_psql postgres "select 1 from pg_database where datname = '$PG_DB'")" != 1 ]; then
    say "creating database '$PG_DB'"
    if is_root && is_loopback "$HOST" && id postgres >/dev/null 2>&1 \
      && logged runuser -u postgres -- createdb -p "$PORT" "$PG_DB"; then
      :
    else
      PGCONNECT_TIMEOUT=5 logged createdb -w -h "$HOST" -p "$PORT" -U "$PG_USER" "$PG_DB" \
        || { show_log "$LOG"; return 1; }
    fi
  fi
  pg_psql "$PG_DB" 'select 1' >/dev/null || {
    say "cannot connect to database '$PG_DB': $(pg_psql "$PG_DB" 'select 1')"
    return 1
  }
}

REDIS_PACKAGE=redis-server
redis_up() { tcp_open "$HOST" "$PORT"; }
redis_installed() { command -v redis-server >/dev/null 2>&1; }
redis_start() {
  as_root mkdir -p /var/lib/redis /var/log/redis
  LOG_FILE=/var/log/redis/ci.log
  say "redis-server --daemonize yes --port $PORT"
  logged as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$PORT" --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
}
redis_ready() { :; }

RABBITMQ_PACKAGE=rabbitmq-server
rabbitmq_up() { tcp_open "$HOST" "$PORT"; }
rabbitmq_installed() { command -v rabbitmq-server >/dev/null 2>&1; }
rabbitmq_start() {
  LOG_FILE=""
  say "rabbitmq-server -detached"
  logged as_root rabbitmq-server -detached
}
rabbitmq_ready() { :; }

MOSQUITTO_PACKAGE=mosquitto
mosquitto_up() { tcp_open "$HOST" "$PORT"; }
mosquitto_installed() { command -v mosquitto >/dev/null 2>&1; }
mosquitto_start() {
  # /run is often a fresh tmpfs: the pid file's folder must exist, owned by the daemon's user.
  as_root mkdir -p /run/mosquitto /var/log/mosquitto /var/lib/mosquitto
  if id mosquitto >/dev/null 2>&1; then
    as_root chown mosquitto: /run/mosquitto /var/log/mosquitto /var/lib/mosquitto
  fi
  LOG_FILE=/var/log/mosquitto/mosquitto.log
  say "mosquitto -d -c /etc/mosquitto/mosquitto.conf"
  logged as_root mosquitto -d -c /etc/mosquitto/mosquitto.conf
}
mosquitto_ready() { :; }

NATS_PACKAGE=nats-server
nats_up() { tcp_open "$HOST" "$PORT"; }
nats_installed() { [ -x /usr/sbin/nats-server ]; }
nats_start() {
  as_root mkdir -p /var/lib/nats-server
  LOG_FILE=/var/log/nats-server.log
  say "start-stop-daemon --start --background --exec /usr/sbin/nats-server -- -p $PORT -js"
  logged as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p "$PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log
}
nats_ready() { :; }

# --- driver ----------------------------------------------------------------------------

# Sets VAR URL DEFAULT_PORT PACKAGE LABEL for a service name.
describe() {
  case $1 in
    postgres)
      VAR=INTERLOOM_TEST_POSTGRES_URL DEFAULT_URL=postgresql://postgres@127.0.0.1:5432/test
      DEFAULT_PORT=5432 PACKAGE=$PG_PACKAGE LABEL=PostgreSQL ;;
    redis)
      VAR=INTERLOOM_TEST_REDIS_URL DEFAULT_URL=redis://127.0.0.1:6379/0
      DEFAULT_PORT=6379 PACKAGE=$REDIS_PACKAGE LABEL=Redis ;;
    rabbitmq)
      VAR=INTERLOOM_TEST_AMQP_URL DEFAULT_URL=amqp://guest:guest@127.0.0.1:5672/
      DEFAULT_PORT=5672 PACKAGE=$RABBITMQ_PACKAGE LABEL=RabbitMQ ;;
    mosquitto)
      VAR=INTERLOOM_TEST_MQTT_URL DEFAULT_URL=mqtt://127.0.0.1:1883
      DEFAULT_PORT=1883 PACKAGE=$MOSQUITTO_PACKAGE LABEL=Mosquitto ;;
    nats)
      VAR=INTERLOOM_TEST_NATS_URL DEFAULT_URL=nats://127.0.0.1:4222
      DEFAULT_PORT=4222 PACKAGE=$NATS_PACKAGE LABEL=NATS ;;
    *) return 1 ;;
  esac
}

ensure() {  # SERVICE: bring it up; sets URL
  local svc=$1 limit=$WAIT
  describe "$svc"
  URL=${!VAR:-$DEFAULT_URL}
  parse_url "$URL" "$DEFAULT_PORT" || return 1
  HOST=$U_HOST PORT=$U_PORT LOG_FILE=""
  [ "$svc" = rabbitmq ] && limit=$((WAIT * 2))

  if "${svc}_up"; then
    say "$LABEL is running at $HOST:$PORT; reusing it"
  else
    if ! is_loopback "$HOST"; then
      say "$LABEL does not answer at $HOST:$PORT ($VAR), and that is not this machine"
      return 1
    fi
    if [ "$PORT" != "$DEFAULT_PORT" ]; then
      say "$LABEL does not answer at $HOST:$PORT ($VAR); only port $DEFAULT_PORT can be started here"
      return 1
    fi
    say "$LABEL does not answer at $HOST:$PORT"
    if ! "${svc}_installed"; then
      apt_install "$PACKAGE" || { say "could not install $PACKAGE"; return 1; }
      "${svc}_installed" || { say "$PACKAGE installed, but its server is not found"; return 1; }
      # The package's own scripts may have started it already.
      sleep 1
    fi
    if ! "${svc}_up"; then
      "${svc}_start" || say "the start command for $LABEL failed; waiting in case it runs anyway"
      if ! wait_until "$limit" "$LABEL" "${svc}_up"; then
        show_log "$LOG"
        [ -n "$LOG_FILE" ] && show_log "$LOG_FILE"
        return 1
      fi
    fi
    say "$LABEL is up at $HOST:$PORT"
  fi
  "${svc}_ready"
}

main() {
  local wanted=() svc
  for arg in "$@"; do
    case $arg in
      -h|--help) usage >&2; exit 0 ;;
      all) wanted+=("${ALL_SERVICES[@]}") ;;
      postgres|postgresql) wanted+=(postgres) ;;
      redis) wanted+=(redis) ;;
      rabbitmq|amqp) wanted+=(rabbitmq) ;;
      mosquitto|mqtt) wanted+=(mosquitto) ;;
      nats) wanted+=(nats) ;;
      *) say "unknown service '$arg' (known: ${ALL_SERVICES[*]})"; exit 2 ;;
    esac
  done
  [ ${#wanted[@]} -gt 0 ] || wanted=(postgres)

  local exports=() failed=() seen=" "
  for svc in "${wanted[@]}"; do
    [[ $seen == *" $svc "* ]] && continue
    seen+="$svc "
    # A failure inside ensure must not end the script here (set -e is off in a condition),
    # so that every failing service gets named.
    if ensure "$svc" >&2; then
      exports+=("$(printf 'export %s=%q' "$VAR" "$URL")")
    else
      failed+=("$LABEL ($svc)")
    fi
  done

  if [ ${#failed[@]} -gt 0 ]; then
    say "FAILED: could not bring up: ${failed[*]}"
    exit 1
  fi
  printf '%s\n' "${exports[@]}"
  say "ready: ${wanted[*]}"
}

main "$@"
