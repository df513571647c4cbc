#!/usr/bin/env bash
# `make demo`: installs what is missing (Debian 12 or Fedora), builds dist/sluice, then starts a
# throwaway etcd, three demo backends and sluice (which runs HAProxy), all on 127.0.0.1, registers
# the backends the way the confd units did, and shows requests spreading across them.
#
# In a terminal it keeps running until Ctrl-C; with DEMO_EXIT=1 (or without a terminal) it stops
# right after the requests. Either way every process it started is stopped and the temp dir removed.
set -euo pipefail

# Debian does not put the sbin directories on a normal user's PATH; haproxy lives there.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export ETCDCTL_API=3 # etcdctl 3.4 (Debian 12) still defaults to the v2 API

step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
  printf 'demo: error: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# 1. Install what is missing.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*': run the demo as root or install sudo"
  fi
}

install_missing() {
  local pkgs=()
  if command -v apt-get >/dev/null 2>&1; then
    command -v etcd >/dev/null 2>&1 || pkgs+=(etcd-server)
    command -v etcdctl >/dev/null 2>&1 || pkgs+=(etcd-client)
    command -v haproxy >/dev/null 2>&1 || pkgs+=(haproxy)
    command -v curl >/dev/null 2>&1 || pkgs+=(curl)
    command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
    if [ "${#pkgs[@]}" -gt 0 ]; then
      step "Installing ${pkgs[*]} with apt-get"
      as_root apt-get update || die "apt-get update failed"
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" ||
        die "apt-get install ${pkgs[*]} failed"
    fi
  elif command -v dnf >/dev/null 2>&1; then
    { command -v etcd && command -v etcdctl; } >/dev/null 2>&1 || pkgs+=(etcd)
    command -v haproxy >/dev/null 2>&1 || pkgs+=(haproxy)
    command -v curl >/dev/null 2>&1 || pkgs+=(curl)
    command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
    if [ "${#pkgs[@]}" -gt 0 ]; then
      step "Installing ${pkgs[*]} with dnf"
      as_root dnf install -y "${pkgs[@]}" || die "dnf install ${pkgs[*]} failed"
    fi
  else
    pkgs=(etcd etcdctl haproxy curl npm)
    local tool missing=()
    for tool in "${pkgs[@]}"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
    [ "${#missing[@]}" -eq 0 ] ||
      die "neither apt-get nor dnf found; install these yourself: ${missing[*]}"
    pkgs=()
  fi
  [ "${#pkgs[@]}" -gt 0 ] || step "etcd, etcdctl, haproxy, curl and npm are already installed"
  local tool
  for tool in etcd etcdctl haproxy curl npm; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is still missing after the install"
  done
}

install_missing
HAPROXY_BIN="$(command -v haproxy)"

# ---------------------------------------------------------------------------------------------
# 2. Build.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
step "Building dist/sluice (make build)"
make --no-print-directory build || die "make build failed (see the output above)"
[ -x dist/sluice ] || die "make build did not produce dist/sluice"
BUN="$ROOT/node_modules/.bin/bun"
[ -x "$BUN" ] || die "$BUN is missing; make build should have installed it with npm ci"

# ---------------------------------------------------------------------------------------------
# Process bookkeeping: everything started below is stopped by cleanup, whatever happens.

DIR=""
SLUICE_PID=""
ETCD_PID=""
BACKEND_PIDS=()
WAITING=0
FAIL_LOG="" # the log shown if a step fails
WHY=""
OWN_SESSION=0
command -v setsid >/dev/null 2>&1 && OWN_SESSION=1

# Starts "$@" in the background in its own session (so a Ctrl-C in the terminal reaches only this
# script, which then stops everything in order), output to the file $LOG. Sets STARTED_PID.
start_bg() {
  if [ "$OWN_SESSION" -eq 1 ]; then
    setsid "$@" >"$LOG" 2>&1 </dev/null &
  else
    "$@" >"$LOG" 2>&1 </dev/null &
  fi
  STARTED_PID=$!
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Sends $2 to process $1 (and its process group, which holds anything it started), waits up to
# $3 seconds, then kills what is left.
stop_pid() {
  local pid=$1 signal=$2 seconds=$3 i
  alive "$pid" || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < seconds * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    info "pid $pid did not stop within ${seconds}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  # Leftover children in its process group (its own session, when setsid started it).
  [ "$OWN_SESSION" -eq 0 ] || kill -KILL -- "-$pid" 2>/dev/null || true
}

tail_log() {
  local file=$1
  [ -s "$file" ] || return 0
  printf -- '---- last lines of %s ----\n' "$file" >&2
  tail -n 20 "$file" >&2
  printf -- '----\n' >&2
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  if [ "$rc" -ne 0 ] && [ "$WAITING" -eq 0 ] && [ -n "$DIR" ]; then
    printf 'demo: failed (exit %s)\n' "$rc" >&2
    [ -z "$FAIL_LOG" ] || tail_log "$FAIL_LOG"
  fi
  [ "$WAITING" -eq 1 ] && rc=0
  if [ -n "$SLUICE_PID$ETCD_PID${BACKEND_PIDS[*]}" ]; then
    step "Stopping the demo"
  fi
  if alive "$SLUICE_PID"; then
    info "stopping sluice (SIGTERM; it stops HAProxy gracefully)"
    stop_pid "$SLUICE_PID" TERM 35
  fi
  local pid
  if [ "${#BACKEND_PIDS[@]}" -gt 0 ]; then
    info "stopping the demo backends"
    for pid in "${BACKEND_PIDS[@]}"; do stop_pid "$pid" TERM 5; done
  fi
  if alive "$ETCD_PID"; then
    info "stopping etcd"
    stop_pid "$ETCD_PID" TERM 10
  fi
  if [ -n "$DIR" ] && [ -d "$DIR" ]; then
    # Last resort: anything still running from the temp dir (e.g. HAProxy, had sluice crashed).
    local proc cmdline
    for proc in /proc/[0-9]*; do
      cmdline="$({ tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null)" || continue
      case "$cmdline" in
        *"$DIR/"*)
          info "killing leftover pid ${proc#/proc/}: $cmdline"
          kill -KILL "${proc#/proc/}" 2>/dev/null
          ;;
      esac
    done
    rm -rf "$DIR"
    info "removed $DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Prints $1 free TCP ports on 127.0.0.1 (held open together, so they differ).
free_ports() {
  local n=$1
  N=$n "$BUN" -e '
    const servers = [];
    for (let i = 0; i < Number(process.env.N); i++)
      servers.push(Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }));
    console.log(servers.map((s) => s.port).join(" "));
    for (const s of servers) s.stop(true);
  ' 2>/dev/null && return 0
  N=$n python3 -c '
import os, socket
socks = [socket.socket() for _ in range(int(os.environ["N"]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
' 2>/dev/null && return 0
  seq 23790 $((23790 + n - 1)) | tr '\n' ' '
  echo
}

# Waits up to $1 seconds for the command "${@:3}" to succeed while pid $2 is alive. On failure
# sets WHY to "within Ns" or "(it exited)".
wait_for() {
  local seconds=$1 pid=$2 i
  shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    if ! alive "$pid"; then
      WHY="(it exited)"
      return 1
    fi
    sleep 0.1
  done
  WHY="within ${seconds}s"
  return 1
}

# ---------------------------------------------------------------------------------------------
# 3. etcd.

DIR="$(mktemp -d "${TMPDIR:-/tmp}/sluice-demo.XXXXXX")"
read -r ETCD_PORT PEER_PORT HTTP_PORT STATS_PORT ADMIN_PORT B1_PORT B2_PORT B3_PORT \
  <<<"$(free_ports 8)"
[ -n "${B3_PORT:-}" ] || die "could not pick free ports"
ETCD_URL="http://127.0.0.1:$ETCD_PORT"
ADMIN_URL="http://127.0.0.1:$ADMIN_PORT"
ETCDCTL=(etcdctl --endpoints "$ETCD_URL")

step "Starting etcd on $ETCD_URL (data in $DIR/etcd)"
LOG="$DIR/etcd.log"
start_bg etcd --name demo --data-dir "$DIR/etcd" \
  --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "demo=http://127.0.0.1:$PEER_PORT"
ETCD_PID=$STARTED_PID
FAIL_LOG="$DIR/etcd.log"
wait_for 30 "$ETCD_PID" "${ETCDCTL[@]}" endpoint health ||
  die "etcd did not become healthy $WHY; its log ($FAIL_LOG) follows"
info "etcd is healthy (pid $ETCD_PID)"

# ---------------------------------------------------------------------------------------------
# 4. Backends.

BACKEND_PORTS=("$B1_PORT" "$B2_PORT" "$B3_PORT")
step "Starting 3 demo backends (packaging/demo-backend.ts)"
for i in 1 2 3; do
  port=${BACKEND_PORTS[$((i - 1))]}
  LOG="$DIR/backend-$i.log"
  start_bg "$BUN" packaging/demo-backend.ts "$port" "stupid-server-$i"
  BACKEND_PIDS+=("$STARTED_PID")
done
for i in 1 2 3; do
  port=${BACKEND_PORTS[$((i - 1))]}
  if ! wait_for 15 "${BACKEND_PIDS[$((i - 1))]}" curl -fs "http://127.0.0.1:$port/"; then
    FAIL_LOG="$DIR/backend-$i.log"
    die "backend stupid-server-$i did not answer on 127.0.0.1:$port $WHY; its log follows"
  fi
  info "stupid-server-$i on 127.0.0.1:$port"
done

# ---------------------------------------------------------------------------------------------
# 5. sluice.

mkdir -p "$DIR/state" "$DIR/run"
cat >"$DIR/sluice.toml" <<EOF
state_dir = "$DIR/state"

[etcd]
endpoints = ["$ETCD_URL"]
prefix = "/apps/"

[haproxy]
binary = "$HAPROXY_BIN"
config = "$DIR/state/haproxy.cfg"
runtime_dir = "$DIR/run"
bind = "127.0.0.1:$HTTP_PORT"
stats_bind = "127.0.0.1:$STATS_PORT"

[admin]
listen = "127.0.0.1:$ADMIN_PORT"
socket = "$DIR/run/admin.sock"
EOF

step "Starting sluice (config $DIR/sluice.toml, log $DIR/sluice.log)"
LOG="$DIR/sluice.log"
start_bg "$ROOT/dist/sluice" serve --config "$DIR/sluice.toml"
SLUICE_PID=$STARTED_PID
FAIL_LOG="$DIR/sluice.log"
wait_for 30 "$SLUICE_PID" curl -fs "$ADMIN_URL/healthz" ||
  die "sluice did not answer on $ADMIN_URL/healthz $WHY; its log follows"
info "sluice is up (pid $SLUICE_PID), admin API on $ADMIN_URL"

# ---------------------------------------------------------------------------------------------
# 6. Register the backends, in the seed format the confd units wrote.

step "Registering the backends in etcd under /apps/stupid_server/"
for i in 1 2 3; do
  key="/apps/stupid_server/stupid-server@$i.service"
  value="stupid-server-$i 127.0.0.1:${BACKEND_PORTS[$((i - 1))]}"
  "${ETCDCTL[@]}" put "$key" "$value" >/dev/null || die "etcdctl put $key failed"
  info "put $key \"$value\""
done

# ---------------------------------------------------------------------------------------------
# 7. Traffic.

step "Waiting for HAProxy to serve the 3 backends"
has_three_backends() { curl -fs "$ADMIN_URL/v1/status" | grep -q '"backends":3'; }
if ! wait_for 30 "$SLUICE_PID" has_three_backends; then
  printf 'status: %s\n' "$(curl -s "$ADMIN_URL/v1/status")" >&2
  die "sluice did not report 3 backends $WHY; its log follows"
fi
info "dist/lbctl status --admin $ADMIN_URL:"
dist/lbctl status --admin "$ADMIN_URL" | sed 's/^/      /' || info "(lbctl status failed)"

step "Sending 9 requests to http://127.0.0.1:$HTTP_PORT/"
answers=()
for i in $(seq 1 9); do
  answer="$(curl -fsS --max-time 5 "http://127.0.0.1:$HTTP_PORT/")" ||
    die "request $i to http://127.0.0.1:$HTTP_PORT/ failed"
  answers+=("$answer")
  info "$i: $answer"
done

step "Requests per backend"
counts="$(printf '%s\n' "${answers[@]}" | awk '{ print $3 }' | sort | uniq -c)"
printf '%s\n' "$counts" | while read -r count name; do info "$name: $count"; done
seen="$(printf '%s\n' "$counts" | grep -c .)"
if [ "$seen" -eq 3 ]; then
  info "all 3 backends answered"
else
  info "note: only $seen of 3 backends answered"
fi

# ---------------------------------------------------------------------------------------------
# 8. What to try next.

E="ETCDCTL_API=3 etcdctl --endpoints $ETCD_URL"
cat <<EOF
==> What to try next, in another terminal while the demo runs:
    what sluice sees and serves:
      curl -s $ADMIN_URL/v1/status
      dist/lbctl status --admin $ADMIN_URL
    take a backend away, then see only 1 and 3 answer:
      $E del /apps/stupid_server/stupid-server@2.service
      curl -s http://127.0.0.1:$HTTP_PORT/
    register a hostile value, then find it under "rejected" (it never reaches haproxy.cfg):
      $E put /apps/stupid_server/evil \$'x 1.2.3.4:80\\nbind :1'
      curl -s $ADMIN_URL/v1/status
    HAProxy stats page:  http://127.0.0.1:$STATS_PORT/
    rendered config:     $DIR/state/haproxy.cfg
    sluice log:          $DIR/sluice.log

EOF

# ---------------------------------------------------------------------------------------------
# 9. Wait, or stop right away; cleanup (the EXIT trap) stops everything.

if [ -t 0 ] && [ -z "${DEMO_EXIT:-}" ]; then
  WAITING=1
  step "The demo is running. Press Ctrl-C to stop the demo."
  while alive "$SLUICE_PID"; do sleep 1; done
  WAITING=0
  die "sluice exited on its own (log: $DIR/sluice.log)"
fi
step "DEMO_EXIT is set or stdin is not a terminal: stopping right away"
