#!/usr/bin/env bash
# End-to-end load benchmark: PipShield and unbound side by side on loopback, each blocking the same generated
# list of names and forwarding the rest to the same local upstream. Results and the method: docs/PERFORMANCE.md,
# section "End-to-end load (bench/load.sh)".
#
#   bench/load.sh                               # 1M names, 20 s per mix: about 6 minutes
#   DURATION=5 NAMES=100000 bench/load.sh       # smoke test, about 2 minutes
#
# Settings (environment):
#   NAMES=1000000        blocked names generated          DURATION=20     seconds per throughput run
#   PCT_DURATION=5       seconds per latency run           LAT_QPS=20000   fixed rate of the second latency run
#   CLIENTS=8 OUTSTANDING=200 THREADS=1                    dnsperf -c, -q and -T (the same for both servers)
#   EDNS=0               1: queries carry EDNS (dnsperf -e), so PipShield's blocked answers carry EDE
#   SERVER_CPU=0 CLIENT_CPU=1                              cores for the server under test / dnsperf+upstream
#   SERVERS="pipshield unbound"  MIXES="blocked cached half"
#   UNBOUND_MODE=localzone|rpz                             how unbound blocks (local-zone always_null, or RPZ)
#   WORK=/tmp/pipshield-load  BASE_PORT=25353  SKIP_BUILD=1  PIPSHIELD=path/to/pipshield
# Needs root for apt-get when dnsperf, unbound, dig, taskset or python3 are missing, and the .NET 10 SDK
# (not a Debian package) to build PipShield. Only 127.0.0.1 is ever queried.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE="$REPO/bench/load"
NAMES=${NAMES:-1000000}
DURATION=${DURATION:-20}
PCT_DURATION=${PCT_DURATION:-5}
LAT_QPS=${LAT_QPS:-20000}
CLIENTS=${CLIENTS:-8}
OUTSTANDING=${OUTSTANDING:-200}
THREADS=${THREADS:-1}
EDNS=${EDNS:-0}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
SERVERS=${SERVERS:-"pipshield unbound"}
MIXES=${MIXES:-"blocked cached half"}
UNBOUND_MODE=${UNBOUND_MODE:-localzone}
WORK=${WORK:-/tmp/pipshield-load}
BASE_PORT=${BASE_PORT:-25353}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-180}
PIPSHIELD=${PIPSHIELD:-$REPO/src/PipShield.Service/bin/Release/net10.0/pipshield}
# The local upstream answers every name, feed hosts too: keep live feed downloads off so nothing leaves the machine.
export PIPSHIELD__Feeds__Enabled=false

UPSTREAM_PORT=$BASE_PORT
declare -A PORT=([pipshield]=$((BASE_PORT + 1)) [unbound]=$((BASE_PORT + 2)))
((DURATION >= 4)) || { echo "DURATION must be at least 4 seconds" >&2; exit 2; }
# shellcheck source=load/common.sh
source "$HERE/common.sh"

# --- 1. tools ------------------------------------------------------------------------------------------------
ensure_tools
build_pipshield

# --- 2. data -------------------------------------------------------------------------------------------------
prepare_data
compile_image

# --- 3. upstream, on the client core (it only answers the warm-up misses) ----------------------------------
start_upstream

# --- 4. the servers under test -------------------------------------------------------------------------------
# Blocked answers: A 0.0.0.0 from both (PipShield's sinkhole with its warning page off, as only DNS is measured; unbound's always_null); with RPZ
# (CNAME . = NXDOMAIN) PipShield is switched to NXDOMAIN too, so both send the same kind of answer.
BLOCKED_ANSWER=0.0.0.0
case $UNBOUND_MODE in
    localzone) UNBOUND_MODULES="iterator"; UNBOUND_BLOCKING="  include: \"$DATA/unbound-blocked.conf\"" ;;
    rpz) UNBOUND_MODULES="respip iterator"; BLOCKED_ANSWER=NXDOMAIN; export PIPSHIELD__Resolver__Policy__DefaultAction=NxDomain
         UNBOUND_BLOCKING=$(printf 'rpz:\n  name: "rpz.local."\n  zonefile: "%s"\n  rpz-log: no' "$DATA/unbound-blocked.rpz") ;;
    *) die "UNBOUND_MODE is localzone or rpz" ;;
esac
render "$HERE/unbound-test.conf.in" "$WORK/unbound-test.conf" "PORT=${PORT[unbound]}" "DIR=$WORK" \
    "UPSTREAM_PORT=$UPSTREAM_PORT" "MODULES=$UNBOUND_MODULES" "BLOCKING=$UNBOUND_BLOCKING"
unbound-checkconf "$WORK/unbound-test.conf" >/dev/null || die "bad unbound configuration $WORK/unbound-test.conf"
mkdir -p "$WORK/pipshield" "$WORK/state"

start_server() { # server [list]: starts it pinned to SERVER_CPU, sets SPID and STARTUP_MS
    local server=$1 variant=${2:-}
    T0=$(now_ns)
    case $server in
        pipshield)
            local source=(--image "$IMAGE")
            [[ $variant == list ]] && source=(--list "$DATA/blocked.domains.txt:domains:malware")
            # An empty working directory, so no pipshield.json is picked up.
            (cd "$WORK/pipshield" && PIPSHIELD__Lists__StateDirectory="$WORK/state" PIPSHIELD__BlockPage__Enabled=false exec taskset -c "$SERVER_CPU" \
                "$PIPSHIELD" run --listen "127.0.0.1:${PORT[pipshield]}" --upstream "127.0.0.1:$UPSTREAM_PORT" "${source[@]}") \
                >"$LOGS/pipshield${variant:+-$variant}.log" 2>&1 &
            ;;
        unbound)
            taskset -c "$SERVER_CPU" unbound -d -c "$WORK/unbound-test.conf" >"$LOGS/unbound.log" 2>&1 &
            ;;
    esac
    SPID=$!
    STARTED+=("$SPID")
    STARTUP_MS=$(first_answer "$SPID" "${PORT[$server]}" "$BLOCKED_PROBE" "$BLOCKED_ANSWER") ||
        die "$server did not answer $BLOCKED_PROBE with $BLOCKED_ANSWER within $STARTUP_TIMEOUT s: $(tail -5 "$LOGS/$server${variant:+-$variant}.log")"
}

dnsperf_args() { echo -s 127.0.0.1 -p "$1" -c "$CLIENTS" -q "$OUTSTANDING" -T "$THREADS" -t 2 $( ((EDNS)) && printf '%s' -e); }

declare -A R
measure_mix() { # server mix
    local server=$1 mix=$2 port=${PORT[$1]} file="$DATA/q-$2.txt" out="$OUT/$1-$2"
    # Throughput: CPU is sampled over the steady middle of the run (from 1 s after the start to 1 s before
    # the end), so dnsperf's start-up and its wait for late replies are left out.
    taskset -c "$CLIENT_CPU" dnsperf $(dnsperf_args "$port") -d "$file" -l "$DURATION" >"$out.txt" 2>&1 &
    local dp=$!
    sleep 1
    local t1 s1 u1 c1 t2 s2 u2 c2
    t1=$(now_ns); s1=$(proc_ticks "$SPID"); u1=$(proc_ticks "$UPSTREAM_PID"); c1=$(cpu_ticks "$CLIENT_CPU")
    sleep $((DURATION - 2))
    t2=$(now_ns); s2=$(proc_ticks "$SPID"); u2=$(proc_ticks "$UPSTREAM_PID"); c2=$(cpu_ticks "$CLIENT_CPU")
    wait "$dp" || die "dnsperf failed: $(tail -5 "$out.txt")"
    local seconds
    seconds=$(awk -v n=$((t2 - t1)) 'BEGIN { print n / 1e9 }')
    R[$server,$mix,qps]=$(field "$out.txt" "Queries per second")
    R[$server,$mix,lost]=$(field "$out.txt" "Queries lost")
    R[$server,$mix,sent]=$(field "$out.txt" "Queries sent")
    R[$server,$mix,avg]=$(awk -v s="$(field "$out.txt" "Average Latency (s)")" 'BEGIN { printf "%.3f", s * 1000 }')
    R[$server,$mix,rcodes]=$(sed -n 's/^ *Response codes: *//p' "$out.txt")
    R[$server,$mix,cpu]=$(awk -v d=$((s2 - s1)) -v hz="$CLK_TCK" -v s="$seconds" 'BEGIN { printf "%.2f", d / hz / s }')
    R[$server,$mix,upcpu]=$(awk -v d=$((u2 - u1)) -v hz="$CLK_TCK" -v s="$seconds" 'BEGIN { printf "%.2f", d / hz / s }')
    R[$server,$mix,client]=$(awk -v a="$c1" -v b="$c2" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; printf "%.2f", (t > 0 ? (y[2] - x[2]) / t : 0) }')
    R[$server,$mix,perbusy]=$(awk -v q="${R[$server,$mix,qps]}" -v c="${R[$server,$mix,cpu]}" 'BEGIN { printf "%.0f", (c > 0 ? q / c : 0) }')
    # Latency percentiles: dnsperf 2.10 prints none, so two short runs with -v (every reply's latency):
    # one with the same settings (saturated, so latency is mostly queueing: OUTSTANDING / QPS), one at a
    # fixed LAT_QPS that both servers sustain (service time plus pauses).
    taskset -c "$CLIENT_CPU" dnsperf $(dnsperf_args "$port") -d "$file" -l "$PCT_DURATION" -v >"$out-v.txt" 2>&1 || true
    read -r "R[$server,$mix,p50]" "R[$server,$mix,p99]" "R[$server,$mix,p999]" <<<"$(percentiles "$out-v.txt")"
    taskset -c "$CLIENT_CPU" dnsperf $(dnsperf_args "$port") -d "$file" -l "$PCT_DURATION" -Q "$LAT_QPS" -v >"$out-q.txt" 2>&1 || true
    read -r "R[$server,$mix,qp50]" "R[$server,$mix,qp99]" "R[$server,$mix,qp999]" <<<"$(percentiles "$out-q.txt")"
    R[$server,$mix,qlost]=$(field "$out-q.txt" "Queries lost")
    log "$server $mix: ${R[$server,$mix,qps]} QPS, lost ${R[$server,$mix,lost]}, server CPU ${R[$server,$mix,cpu]}, client core ${R[$server,$mix,client]}, upstream CPU ${R[$server,$mix,upcpu]}, p50/p99 ${R[$server,$mix,p50]}/${R[$server,$mix,p99]} ms; at $LAT_QPS QPS ${R[$server,$mix,qp50]}/${R[$server,$mix,qp99]} ms; ${R[$server,$mix,rcodes]}"
}

busy=$(c1=$(cpu_ticks "$SERVER_CPU"); d1=$(cpu_ticks "$CLIENT_CPU"); sleep 2; c2=$(cpu_ticks "$SERVER_CPU"); d2=$(cpu_ticks "$CLIENT_CPU")
       awk -v a="$c1" -v b="$c2" -v c="$d1" -v d="$d2" 'BEGIN { split(a, x); split(b, y); split(c, p); split(d, q)
           printf "%.0f%% / %.0f%%", 100 * (y[2] - x[2]) / (y[1] - x[1]), 100 * (q[2] - p[2]) / (q[1] - p[1]) }')
log "cores $SERVER_CPU / $CLIENT_CPU busy before the runs: $busy"

for server in $SERVERS; do
    start_server "$server"
    R[$server,startup]=$STARTUP_MS
    log "$server answered after $STARTUP_MS ms (pid $SPID, core $SERVER_CPU)"
    R[$server,rss0]=$(rss_kib "$SPID" VmRSS)
    got=$(answer "${PORT[$server]}" "$ALLOWED_PROBE")
    [[ $got == 192.0.2.1 ]] || die "$server answered '$got' for $ALLOWED_PROBE, expected 192.0.2.1"
    # Warm-up: two passes over the allowed names, so the cached and half mixes are all cache hits.
    taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "${PORT[$server]}" -c "$CLIENTS" -q 20 -t 2 -n 2 \
        -d "$DATA/q-cached.txt" >"$OUT/$server-warmup.txt" 2>&1
    log "$server warm-up: $(sed -n 's/^ *Queries lost: *//p' "$OUT/$server-warmup.txt" | head -1) lost; $(sed -n 's/^ *Response codes: *//p' "$OUT/$server-warmup.txt")"
    for mix in $MIXES; do
        measure_mix "$server" "$mix"
    done
    R[$server,rss]=$(rss_kib "$SPID" VmRSS)
    R[$server,hwm]=$(rss_kib "$SPID" VmHWM)
    R[$server,anon]=$(rss_kib "$SPID" RssAnon)
    R[$server,file]=$(rss_kib "$SPID" RssFile)
    stop "$SPID"
    if [[ $server == pipshield ]]; then
        # Start-up when the list is compiled at start (--list) instead of mapped from a compiled image.
        start_server pipshield list
        R[pipshield,startup_list]=$STARTUP_MS
        stop "$SPID"
        R[pipshield,logwarn]=$(grep -ciE 'warn|fail|error|exception' "$LOGS/pipshield.log" || true)
    fi
done

# --- 5. report -----------------------------------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
{
    echo "$NAMES blocked names; unbound blocking: $UNBOUND_MODE; dnsperf -c $CLIENTS -q $OUTSTANDING -T $THREADS$( ((EDNS)) && echo ' -e'), ${DURATION} s per mix;"
    echo "server on core $SERVER_CPU, dnsperf and the upstream on core $CLIENT_CPU; cores busy before the runs: $busy."
    echo "$(uname -r); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(unbound -V | head -1); $(dnsperf -h 2>&1 | grep -m1 Version);"
    echo "PipShield $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo ' (+ local changes)'); image compiled in $COMPILE_S s, $IMAGE_MIB MiB."
    echo
    echo "| Server | Mix | QPS | Lost | Avg ms | p50 ms | p99 ms | p99.9 ms | p50 / p99 ms at $((LAT_QPS / 1000))k QPS | Server CPU | QPS per busy core | Client core busy |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for server in $SERVERS; do
        for mix in $MIXES; do
            k="$server,$mix"
            printf '| %s | %s | %.0f | %s | %s | %s | %s | %s | %s / %s | %.0f%% | %s | %.0f%% |\n' "$server" "$mix" \
                "${R[$k,qps]}" "${R[$k,lost]}" "${R[$k,avg]}" "${R[$k,p50]}" "${R[$k,p99]}" "${R[$k,p999]}" \
                "${R[$k,qp50]}" "${R[$k,qp99]}" "$(awk -v c="${R[$k,cpu]}" 'BEGIN { print c * 100 }')" "${R[$k,perbusy]}" \
                "$(awk -v c="${R[$k,client]}" 'BEGIN { print c * 100 }')"
        done
    done
    echo
    echo "| Server | Start-up to first answer | Resident after the runs (anon + file) | Peak resident |"
    echo "| --- | ---: | ---: | ---: |"
    for server in $SERVERS; do
        extra=""
        [[ $server == pipshield ]] && extra=" (compiling the list at start: $(awk -v m="${R[pipshield,startup_list]}" 'BEGIN { printf "%.2f", m / 1000 }') s)"
        printf '| %s | %.2f s%s | %s MiB (%s + %s) | %s MiB |\n' "$server" "$(awk -v m="${R[$server,startup]}" 'BEGIN { print m / 1000 }')" "$extra" \
            "$(mib "${R[$server,rss]}")" "$(mib "${R[$server,anon]}")" "$(mib "${R[$server,file]}")" "$(mib "${R[$server,hwm]}")"
    done
    if [[ " $SERVERS " == *" pipshield "* && " $SERVERS " == *" unbound "* ]]; then
        echo
        echo "PipShield / unbound:"
        for mix in $MIXES; do
            echo "- $mix: QPS $(ratio "${R[pipshield,$mix,qps]}" "${R[unbound,$mix,qps]}")× (target ≥ 1), QPS per busy core $(ratio "${R[pipshield,$mix,perbusy]}" "${R[unbound,$mix,perbusy]}")× (target ≥ 1.2)"
        done
        echo "- resident memory $(ratio "${R[pipshield,rss]}" "${R[unbound,rss]}")× (target ≤ 0.33); start-up $(awk -v m="${R[pipshield,startup]}" 'BEGIN { printf "%.2f", m / 1000 }') s (target < 1 s)"
    fi
    [[ -n ${R[pipshield,logwarn]:-} ]] && echo "- PipShield log lines with warn/fail/error: ${R[pipshield,logwarn]} ($LOGS/pipshield.log)"
} | tee "$WORK/results.md"
log "results in $WORK/results.md; dnsperf output in $OUT, server logs in $LOGS"
