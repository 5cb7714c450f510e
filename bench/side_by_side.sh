#!/bin/bash
# labelcore vs Label Studio 1.23.2, side by side, same session, same harness (lsbench W1-W6).
#
# Usage:   bench/side_by_side.sh LS_VENV [PHASE ...]
#   LS_VENV  a venv holding label-studio==1.23.2 (e.g. /tmp/lsvenv). If it has no bin/label-studio
#            and INSTALL_LS=1, the script runs `python3 -m venv LS_VENV && LS_VENV/bin/pip install
#            label-studio==1.23.2` (the only thing this script ever downloads; a few minutes).
#   PHASE    any of: w6 w1 w1big w2 w3 w4 w5 (default: all, in that order). Servers are started
#            first (that is W6) and stopped at the end whatever phases you pick; w1big must run for
#            w5 (the 100k project) and w2 for w3 (the annotated project).
#
# What it does:
#   * fresh data dirs ($LS_DATA, $LC_DATA, wiped), a new random 40-hex admin token per server;
#   * W6: per server one cold start (empty dir, LS migrates ~25 s) and $REPEAT warm starts, through
#     `lsbench footprint`; the last warm start is left running and its PID is used for RSS sampling;
#   * 50 annotators with their own tokens on each (ls-provision-users.py / bench/lc_provision_users.py);
#   * every workload runs LS first, then labelcore, one repetition at a time (interleaved), so both
#     see the same machine noise; `cat /proc/loadavg` is recorded before and after each run;
#   * W3: both servers are restarted before it (clean VmHWM, like the LS baseline), then exports
#     the first W2 project in $W3_FORMATS;
#   * W4: `annotate --k $W4_K --tokens-file` (distinct users), --tasks 5000 (overlap 1);
#   * stops both servers (kill PID) and records their final VmRSS/VmHWM.
# All lsbench lines plus the load-average and final-RSS records go to $OUT (JSON lines); then
# `bench/sbs_summary.py $OUT` prints the median tables with ratios.
#
# Env knobs (defaults): REPEAT=3  W4_REPEAT=3  W4_DURATION=30  W4_K=50  W4_TASKS=5000
#   W3_FORMATS=JSON,COCO  LS_PORT=18080  LC_PORT=18181  LS_DATA=/tmp/sbs-ls  LC_DATA=/tmp/sbs-lc
#   LSBENCH=/work/shared/bench/lsbench.py  LS_START=/work/shared/bench/ls-1.23.2-start.sh
#   LS_PROVISION=/work/shared/bench/ls-provision-users.py  OUT=bench/results/<UTC date>-side-by-side.jsonl
#   SKIP_LS=1 / SKIP_LC=1 to run one side only.  HARNESS_PY (python with httpx for lsbench; default the LS
#   venv's python, as in the LS baseline, else labelcore's .venv).
# Needs: labelcore's .venv (`./dev setup`; the harness runs with its python, which has httpx), jq.
# The machine this was written on has 2 cores shared with other work: quote medians, never single runs.
set -euo pipefail

LS_VENV="${1:?usage: $0 LS_VENV [PHASE ...]}"; shift
PHASES="${*:-w6 w1 w1big w2 w3 w4 w5}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
# the harness client runs on the LS venv's python when it has httpx (it is not touched by `./dev setup`
# re-syncing labelcore's .venv mid-run, which once broke a run here); override with HARNESS_PY
HARNESS_PY="${HARNESS_PY:-}"
LSBENCH="${LSBENCH:-/work/shared/bench/lsbench.py}"
LS_START="${LS_START:-/work/shared/bench/ls-1.23.2-start.sh}"
LS_PROVISION="${LS_PROVISION:-/work/shared/bench/ls-provision-users.py}"
REPEAT="${REPEAT:-3}" W4_REPEAT="${W4_REPEAT:-3}" W4_DURATION="${W4_DURATION:-30}" W4_K="${W4_K:-50}"
W4_TASKS="${W4_TASKS:-5000}" W3_FORMATS="${W3_FORMATS:-JSON,COCO}"
LS_PORT="${LS_PORT:-18080}" LC_PORT="${LC_PORT:-18181}"
LS_DATA="${LS_DATA:-/tmp/sbs-ls}" LC_DATA="${LC_DATA:-/tmp/sbs-lc}"
mkdir -p "$ROOT/bench/results"
OUT="${OUT:-$ROOT/bench/results/$(date -u +%Y-%m-%dT%H%M)-side-by-side.jsonl}"
LS_LABEL=label-studio-1.23.2 LC_LABEL=labelcore

if [ "${SKIP_LS:-0}" != 1 ] && [ ! -x "$LS_VENV/bin/label-studio" ]; then
  if [ "${INSTALL_LS:-0}" = 1 ]; then
    python3 -m venv "$LS_VENV" && "$LS_VENV/bin/pip" install label-studio==1.23.2
  else
    echo "no $LS_VENV/bin/label-studio (set INSTALL_LS=1 to pip install label-studio==1.23.2 there)" >&2; exit 2
  fi
fi
if [ -z "$HARNESS_PY" ]; then
  if "$LS_VENV/bin/python" -c 'import httpx' 2>/dev/null; then HARNESS_PY="$LS_VENV/bin/python"; else HARNESS_PY="$PY"; fi
fi
command -v jq >/dev/null || { echo "needs jq" >&2; exit 2; }

want() { [[ " $PHASES " == *" $1 "* ]]; }
sides() { [ "${SKIP_LS:-0}" = 1 ] || echo ls; [ "${SKIP_LC:-0}" = 1 ] || echo lc; }
note() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
record() {  # record WORKLOAD JSON-FIELDS...: append a bookkeeping line to $OUT
  jq -cn --arg w "$1" --arg ts "$(date -u +%FT%TZ)" "$2 + {workload: \$w, ts: \$ts}" >> "$OUT"
}

LS_TOKEN=$(python3 -c 'import secrets;print(secrets.token_hex(20))')
LC_TOKEN=$(python3 -c 'import secrets;print(secrets.token_hex(20))')
LS_PID="" LC_PID=""
ls_cmd() { echo "LS_VENV=$LS_VENV LS_DATA=$LS_DATA LS_PORT=$LS_PORT exec $LS_START $LS_TOKEN"; }
lc_cmd() { echo "LABELCORE_USERNAME=bench@example.com LABELCORE_PASSWORD=benchpass123 LABELCORE_USER_TOKEN=$LC_TOKEN exec $ROOT/.venv/bin/labelcore serve --port $LC_PORT --data-dir $LC_DATA"; }

# bench SIDE PHASE lsbench-args...: one lsbench run on one server, load average before/after
bench() {
  local side="$1" phase="$2"; shift 2
  local url token label pid
  if [ "$side" = ls ]; then url="http://127.0.0.1:$LS_PORT" token="$LS_TOKEN" label="$LS_LABEL" pid="$LS_PID"
  else url="http://127.0.0.1:$LC_PORT" token="$LC_TOKEN" label="$LC_LABEL" pid="$LC_PID"; fi
  local before; before=$(cat /proc/loadavg)
  note "$label $phase: $*  (load $before)"
  BENCH_URL="$url" BENCH_TOKEN="$token" "$HARNESS_PY" "$LSBENCH" --label "$label" --jsonl "$OUT" \
      ${pid:+--pid "$pid"} --title-prefix "sbs-$phase" "$@" | tee -a "$OUT.stdout"
  record loadavg "{target: \"$label\", phase: \"$phase\", before: \"$before\", after: \"$(cat /proc/loadavg)\"}"
}

# start SIDE LABEL-SUFFIX [--leave-running]: a footprint run (W6); sets LS_PID/LC_PID when left running
start() {
  local side="$1" suffix="$2"; shift 2
  local cmd url token label line
  if [ "$side" = ls ]; then cmd=$(ls_cmd) url="http://127.0.0.1:$LS_PORT" token="$LS_TOKEN" label="$LS_LABEL"
  else cmd=$(lc_cmd) url="http://127.0.0.1:$LC_PORT" token="$LC_TOKEN" label="$LC_LABEL"; fi
  local before; before=$(cat /proc/loadavg)
  note "$label footprint$suffix (load $before)"
  line=$(BENCH_URL="$url" BENCH_TOKEN="$token" "$HARNESS_PY" "$LSBENCH" --label "$label$suffix" --jsonl "$OUT" footprint \
      --server-cmd "$cmd" --settle 10 --start-timeout 300 --server-log "/tmp/sbs-$side-server.log" "$@" | tail -1)
  echo "$line" | tee -a "$OUT.stdout"
  record loadavg "{target: \"$label$suffix\", phase: \"w6\", before: \"$before\", after: \"$(cat /proc/loadavg)\"}"
  if [[ " $* " == *" --leave-running "* ]]; then
    local pid; pid=$(echo "$line" | jq -r 'select(.left_running) | .pid')
    [ -n "$pid" ] || { echo "server $side did not start: $line" >&2; exit 1; }
    if [ "$side" = ls ]; then LS_PID=$pid; else LC_PID=$pid; fi
  fi
}

stop() {  # stop SIDE: final RSS figures, then SIGTERM to that PID only
  local side="$1" pid label
  if [ "$side" = ls ]; then pid="$LS_PID" label="$LS_LABEL"; else pid="$LC_PID" label="$LC_LABEL"; fi
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  record server-final "{target: \"$label\", pid: $pid, vmrss_kb: $(awk '/VmRSS/{print $2}' /proc/$pid/status), vmhwm_kb: $(awk '/VmHWM/{print $2}' /proc/$pid/status)}"
  kill "$pid"; for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if [ "$side" = ls ]; then LS_PID=""; else LC_PID=""; fi
}
cleanup() { for s in ls lc; do stop "$s" || true; done; }
trap cleanup EXIT

note "results -> $OUT ; phases: $PHASES"
record session "{phases: \"$PHASES\", repeat: $REPEAT, host_cpus: $(nproc), lsbench_sha256: \"$(sha256sum "$LSBENCH" | cut -c1-64)\", labelcore_git: \"$(git -C "$ROOT" rev-parse HEAD) $(git -C "$ROOT" status --porcelain | wc -l) dirty files\"}"

# ---- W6: fresh dirs, cold start, warm starts, the last one stays up -------------------------------
rm -rf "$LS_DATA" "$LC_DATA"; mkdir -p "$LS_DATA" "$LC_DATA"
for s in $(sides); do start "$s" "@cold"; done
if want w6; then
  for rep in $(seq 1 $((REPEAT - 1))); do for s in $(sides); do start "$s" ""; done; done
fi
for s in $(sides); do start "$s" "" --leave-running; done

# 50 annotators with their own tokens on each server
if want w4; then
  for s in $(sides); do
    if [ "$s" = ls ]; then
      HOME="$LS_DATA/home" LABEL_STUDIO_BASE_DATA_DIR="$LS_DATA" COLLECT_ANALYTICS=false SENTRY_DSN= \
        LATEST_VERSION_CHECK=false "$LS_VENV/bin/python" "$LS_PROVISION" 50 "$LS_DATA/tokens50.txt" >&2
    else
      "$PY" "$ROOT/bench/lc_provision_users.py" 50 "$LC_DATA/tokens50.txt" --data-dir "$LC_DATA" >&2
    fi
  done
fi

first_project() {  # first_project SIDE WORKLOAD N: id of the first complete project of that workload
  local label; [ "$1" = ls ] && label="$LS_LABEL" || label="$LC_LABEL"
  jq -r --arg t "$label" --arg w "$2" --argjson n "$3" \
    'select(.target == $t and .workload == $w and .n == $n and .complete) | .project_id' "$OUT" | head -1
}

if want w1; then
  for rep in $(seq 1 "$REPEAT"); do for s in $(sides); do bench "$s" w1 import --n 10000 --repeat 1; done; done
fi
if want w1big; then
  for rep in $(seq 1 "$REPEAT"); do for s in $(sides); do bench "$s" w1big import --n 100000 --repeat 1 --deadline 600; done; done
fi
if want w2; then
  for rep in $(seq 1 "$REPEAT"); do for s in $(sides); do bench "$s" w2 import-annotated --n 10000 --repeat 1; done; done
fi
if want w3; then
  for s in $(sides); do stop "$s"; start "$s" "@restart-before-w3" --leave-running; done
  for rep in $(seq 1 "$REPEAT"); do for s in $(sides); do
    p=$(first_project "$s" W2-import-annotated 10000)
    [ -n "$p" ] && bench "$s" w3 export --project "$p" --formats "$W3_FORMATS" --repeat 1
  done; done
fi
if want w4; then
  for rep in $(seq 1 "$W4_REPEAT"); do for s in $(sides); do
    [ "$s" = ls ] && tf="$LS_DATA/tokens50.txt" || tf="$LC_DATA/tokens50.txt"
    bench "$s" w4 annotate --k "$W4_K" --duration "$W4_DURATION" --tasks "$W4_TASKS" --repeat 1 --tokens-file "$tf"
  done; done
fi
if want w5; then
  for rep in $(seq 1 "$REPEAT"); do for s in $(sides); do
    p=$(first_project "$s" W1-import 100000)
    [ -n "$p" ] && bench "$s" w5 browse --project "$p" --pages 1,mid,last --tries 5
  done; done
fi

cleanup
note "done: $OUT  (summary: $PY $ROOT/bench/sbs_summary.py $OUT)"
