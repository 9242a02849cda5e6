#!/usr/bin/env bash
# Load over every transport: PipShield, and unbound as the baseline, each answering the same generated names over
# plain UDP, TCP, DNS-over-TLS and DNS-over-HTTPS on loopback, with dnsperf holding a fixed set of connections
# open for each whole run (connection reuse, as phones and browsers do). Every transport's throughput, latency
# and CPU are set beside UDP's from the same run. Results and the method: docs/PERFORMANCE.md, section
# "Over TCP, DoT and DoH (bench/load-transports.sh)".
#
#   bench/load-transports.sh                                  # 1M names, 10 s per run: about 8 minutes
#   NAMES=100000 DURATION=8 bench/load-transports.sh          # the short version, about 6 minutes
#
# Settings (environment), beside those of bench/load.sh (NAMES, CLIENTS, OUTSTANDING, THREADS, EDNS, SERVER_CPU,
# CLIENT_CPU, PCT_DURATION, WORK, SKIP_BUILD, PIPSHIELD):
#   TRANSPORTS="udp tcp dot doh"   dnsperf -m of each run; UDP is the reference the ratios are taken against
#   SERVERS="pipshield unbound"    MIXES="blocked cached"       DURATION=10   seconds per throughput run
#   LAT_QPS_ENCRYPTED=10000        fixed rate of the second latency run, the same for every transport: one that
#                                  DoT and DoH sustain on one core, so the latency is service time, not queueing
#   DOH_METHOD=POST                GET or POST (browsers and phones mostly POST)
#   H2_REQUESTS=100000             requests of the h2load cross-check of DoH (0: skip it)
#   BASE_PORT=27353                the upstream; PipShield on +1 (UDP/TCP), +2 (DoT), +3 (DoH), unbound on +4..+6
#   NICE=0                         niceness of the whole run (root may give a negative one, e.g. -10, so that other
#                                  work on a shared machine takes less of the two cores from the servers and dnsperf)
# It makes a throwaway self-signed certificate in WORK; dnsperf does not verify it. Only 127.0.0.1 is queried.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE="$REPO/bench/load"
NAMES=${NAMES:-1000000}
DURATION=${DURATION:-10}
PCT_DURATION=${PCT_DURATION:-5}
LAT_QPS_ENCRYPTED=${LAT_QPS_ENCRYPTED:-10000}
CLIENTS=${CLIENTS:-8}
OUTSTANDING=${OUTSTANDING:-200}
THREADS=${THREADS:-1}
EDNS=${EDNS:-0}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
SERVERS=${SERVERS:-"pipshield unbound"}
MIXES=${MIXES:-"blocked cached"}
TRANSPORTS=${TRANSPORTS:-"udp tcp dot doh"}
DOH_METHOD=${DOH_METHOD:-POST}
H2_REQUESTS=${H2_REQUESTS:-100000}
WORK=${WORK:-/tmp/pipshield-load-transports}
BASE_PORT=${BASE_PORT:-27353}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-180}
PIPSHIELD=${PIPSHIELD:-$REPO/src/PipShield.Service/bin/Release/net10.0/pipshield}
export PIPSHIELD__Feeds__Enabled=false

UPSTREAM_PORT=$BASE_PORT
# udp and tcp share a port, as DNS servers do.
declare -A PORT=(
    [pipshield,udp]=$((BASE_PORT + 1)) [pipshield,tcp]=$((BASE_PORT + 1)) [pipshield,dot]=$((BASE_PORT + 2)) [pipshield,doh]=$((BASE_PORT + 3))
    [unbound,udp]=$((BASE_PORT + 4)) [unbound,tcp]=$((BASE_PORT + 4)) [unbound,dot]=$((BASE_PORT + 5)) [unbound,doh]=$((BASE_PORT + 6)))
((DURATION >= 4)) || { echo "DURATION must be at least 4 seconds" >&2; exit 2; }
for t in $TRANSPORTS; do [[ $t =~ ^(udp|tcp|dot|doh)$ ]] || { echo "TRANSPORTS: '$t' is not udp, tcp, dot or doh" >&2; exit 2; }; done
[[ $DOH_METHOD =~ ^(GET|POST)$ ]] || { echo "DOH_METHOD is GET or POST" >&2; exit 2; }
NICE=${NICE:-0}
# shellcheck source=load/common.sh
source "$HERE/common.sh"
((NICE == 0)) || renice -n "$NICE" -p $$ >/dev/null || die "could not set niceness $NICE (negative needs root)"

# --- 1. tools, data, certificate, upstream -------------------------------------------------------------------
ensure_tools
if [[ $H2_REQUESTS != 0 ]] && ! command -v h2load >/dev/null; then
    [[ $(id -u) == 0 ]] || die "need root to install nghttp2-client (h2load), or set H2_REQUESTS=0"
    log "installing nghttp2-client (h2load) from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nghttp2-client >/dev/null
fi
build_pipshield
prepare_data
compile_image

# A P-256 certificate, as ACME clients issue by default, naming the loopback address.
CERT="$WORK/tls/cert.pem"
KEY="$WORK/tls/key.pem"
mkdir -p "$WORK/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=dns.bench.example \
    -addext "subjectAltName=IP:127.0.0.1,DNS:dns.bench.example" -keyout "$KEY" -out "$CERT" >"$LOGS/openssl.log" 2>&1 ||
    die "openssl could not make the test certificate: $(tail -3 "$LOGS/openssl.log")"
# The blocked probe as a DNS message, the body of h2load's POSTs.
python3 - "$BLOCKED_PROBE" "$WORK/probe.bin" <<'EOF'
import struct, sys
name, out = sys.argv[1], sys.argv[2]
wire = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
open(out, "wb").write(struct.pack(">6H", 0, 0x0100, 1, 0, 0, 0) + wire + struct.pack(">2H", 1, 1))
EOF

start_upstream

# --- 2. the servers under test, each with all four transports on ----------------------------------------------
render "$HERE/unbound-test.conf.in" "$WORK/unbound-test.conf" "PORT=${PORT[unbound,udp]}" "DIR=$WORK" \
    "UPSTREAM_PORT=$UPSTREAM_PORT" "MODULES=iterator" "BLOCKING=$(cat <<EOF
  interface: 127.0.0.1@${PORT[unbound,dot]}
  interface: 127.0.0.1@${PORT[unbound,doh]}
  tls-port: ${PORT[unbound,dot]}
  https-port: ${PORT[unbound,doh]}
  tls-service-key: "$KEY"
  tls-service-pem: "$CERT"
  http-endpoint: "/dns-query"
  # The default (10 per thread) would turn dnsperf's connections away.
  incoming-num-tcp: 256
  include: "$DATA/unbound-blocked.conf"
EOF
)"
unbound-checkconf "$WORK/unbound-test.conf" >/dev/null || die "bad unbound configuration $WORK/unbound-test.conf"
mkdir -p "$WORK/pipshield" "$WORK/state"

start_server() { # server: starts it pinned to SERVER_CPU, sets SPID and STARTUP_MS
    local server=$1
    T0=$(now_ns)
    case $server in
        pipshield)
            # An empty working directory, so no pipshield.json is picked up. The warning page is off: only DNS is measured.
            (cd "$WORK/pipshield" && PIPSHIELD__Lists__StateDirectory="$WORK/state" PIPSHIELD__BlockPage__Enabled=false \
                PIPSHIELD__Resolver__Server__Tls__CertificateFile="$CERT" PIPSHIELD__Resolver__Server__Tls__KeyFile="$KEY" \
                PIPSHIELD__Resolver__Server__TlsEndPoints__0="127.0.0.1:${PORT[pipshield,dot]}" \
                PIPSHIELD__Doh__EndPoints__0="127.0.0.1:${PORT[pipshield,doh]}" \
                exec taskset -c "$SERVER_CPU" "$PIPSHIELD" run --listen "127.0.0.1:${PORT[pipshield,udp]}" \
                --upstream "127.0.0.1:$UPSTREAM_PORT" --image "$IMAGE") >"$LOGS/pipshield.log" 2>&1 &
            ;;
        unbound)
            taskset -c "$SERVER_CPU" unbound -d -c "$WORK/unbound-test.conf" >"$LOGS/unbound.log" 2>&1 &
            ;;
    esac
    SPID=$!
    STARTED+=("$SPID")
    STARTUP_MS=$(first_answer "$SPID" "${PORT[$server,udp]}" "$BLOCKED_PROBE" 0.0.0.0) ||
        die "$server did not answer $BLOCKED_PROBE within $STARTUP_TIMEOUT s: $(tail -5 "$LOGS/$server.log")"
}

# The answer to an A query over one transport (dig 9.18 speaks TCP, DoT and DoH): the address, or the rcode.
answer_over() { # transport port name
    local how=()
    case $1 in tcp) how=(+tcp) ;; dot) how=(+tls) ;; doh) how=(+https=/dns-query) ;; esac
    # The first TLS handshake of a fresh .NET process is slow (JIT), hence the generous timeout; "" when no reply.
    { taskset -c "$CLIENT_CPU" dig "${how[@]}" +tries=2 +time=5 +noall +comments +answer @127.0.0.1 -p "$2" "$3" A 2>/dev/null || true; } |
        awk '/status:/ { s = $6; sub(",", "", s) } $4 == "A" && a == "" { a = $5 } END { print (s == "NOERROR" ? a : s) }'
}

dnsperf_args() { # server transport
    local port=${PORT[$1,$2]}
    printf '%s ' -m "$2" -s 127.0.0.1 -p "$port" -c "$CLIENTS" -q "$OUTSTANDING" -T "$THREADS" -t 2 -O suppress=sockready
    ((EDNS)) && printf '%s ' -e
    [[ $2 == doh ]] && printf '%s ' -O "doh-uri=https://127.0.0.1:$port/dns-query" -O "doh-method=$DOH_METHOD"
    return 0
}
# The first number after "Average Latency (s):" in dnsperf's "Connection Statistics" (TCP, DoT, DoH only), in ms.
connect_ms() { awk '/^Connection Statistics/ { c = 1 } c && /Average Latency/ { printf "%.1f", $4 * 1000; exit }' "$1"; }

declare -A R
measure() { # server transport mix
    local server=$1 tr=$2 mix=$3 port=${PORT[$1,$2]} file="$DATA/q-$3.txt" out="$OUT/$1-$2-$3" k="$1,$2,$3" args
    read -ra args <<<"$(dnsperf_args "$server" "$tr")"
    # Throughput, with CPU sampled over the steady middle of the run (1 s after the start to 1 s before the end)
    # and the server's established connections listed once a second over the same span.
    taskset -c "$CLIENT_CPU" dnsperf "${args[@]}" -d "$file" -l "$DURATION" >"$out.txt" 2>&1 &
    local dp=$! i t1 s1 c1 t2 s2 c2 most=0 n
    sleep 1
    t1=$(now_ns); s1=$(proc_ticks "$SPID"); c1=$(cpu_ticks "$CLIENT_CPU")
    : >"$out.conns"
    for ((i = 0; i < DURATION - 2; i++)); do
        sleep 1
        if [[ $tr != udp ]]; then
            ss -tnH state established "( sport = :$port )" | awk '{ print $4 }' >"$out.conn-now"
            n=$(wc -l <"$out.conn-now"); ((n > most)) && most=$n
            cat "$out.conn-now" >>"$out.conns"
        fi
    done
    t2=$(now_ns); s2=$(proc_ticks "$SPID"); c2=$(cpu_ticks "$CLIENT_CPU")
    wait "$dp" || die "dnsperf failed: $(tail -5 "$out.txt")"
    local seconds
    seconds=$(awk -v n=$((t2 - t1)) 'BEGIN { print n / 1e9 }')
    R[$k,qps]=$(field "$out.txt" "Queries per second")
    R[$k,lost]=$(field "$out.txt" "Queries lost")
    R[$k,avg]=$(awk -v s="$(field "$out.txt" "Average Latency (s)")" 'BEGIN { printf "%.3f", s * 1000 }')
    R[$k,rcodes]=$(sed -n 's/^ *Response codes: *//p' "$out.txt")
    R[$k,cpu]=$(awk -v d=$((s2 - s1)) -v hz="$CLK_TCK" -v s="$seconds" 'BEGIN { printf "%.2f", d / hz / s }')
    R[$k,client]=$(awk -v a="$c1" -v b="$c2" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; printf "%.2f", (t > 0 ? (y[2] - x[2]) / t : 0) }')
    R[$k,perbusy]=$(awk -v q="${R[$k,qps]}" -v c="${R[$k,cpu]}" 'BEGIN { printf "%.0f", (c > 0 ? q / c : 0) }')
    R[$k,warnings]=$(grep -ciE '^(warning|error)' "$out.txt" || true)
    if [[ $tr == udp ]]; then
        R[$k,conns]="-"
    else
        # Connection reuse, from both ends: the most connections the server had at once and the distinct client
        # ports seen over the run (both equal to dnsperf -c when every connection lasted the whole run), and
        # dnsperf's own count of reconnections.
        R[$k,conns]="$most / $(sort -u "$out.conns" | wc -l) / $(field "$out.txt" "Reconnections")"
        R[$k,connms]=$(connect_ms "$out.txt")
    fi
    # Latency percentiles, from every reply's latency (dnsperf -v): saturated with the same settings (mostly
    # queueing), then at the fixed LAT_QPS_ENCRYPTED that every transport sustains.
    taskset -c "$CLIENT_CPU" dnsperf "${args[@]}" -d "$file" -l "$PCT_DURATION" -v >"$out-v.txt" 2>&1 || true
    read -r "R[$k,p50]" "R[$k,p99]" "R[$k,p999]" <<<"$(percentiles "$out-v.txt")"
    taskset -c "$CLIENT_CPU" dnsperf "${args[@]}" -d "$file" -l "$PCT_DURATION" -Q "$LAT_QPS_ENCRYPTED" -v >"$out-q.txt" 2>&1 || true
    read -r "R[$k,qp50]" "R[$k,qp99]" "R[$k,qp999]" <<<"$(percentiles "$out-q.txt")"
    R[$k,qlost]=$(field "$out-q.txt" "Queries lost")
    R[$k,qqps]=$(field "$out-q.txt" "Queries per second")
    log "$server $tr $mix: ${R[$k,qps]} QPS, lost ${R[$k,lost]}, server CPU ${R[$k,cpu]}, client core ${R[$k,client]}, p50/p99 ${R[$k,p50]}/${R[$k,p99]} ms; at $LAT_QPS_ENCRYPTED QPS ${R[$k,qp50]}/${R[$k,qp99]} ms (lost ${R[$k,qlost]}); connections ${R[$k,conns]}; ${R[$k,rcodes]}"
}

# h2load as a second DoH client: the blocked probe POSTed H2_REQUESTS times over CLIENTS connections.
h2load_check() { # server
    local out="$OUT/$1-h2load.txt"
    taskset -c "$CLIENT_CPU" h2load -n "$H2_REQUESTS" -c "$CLIENTS" -m $(( (OUTSTANDING + CLIENTS - 1) / CLIENTS )) -t 1 \
        -d "$WORK/probe.bin" -H 'content-type: application/dns-message' -H 'accept: application/dns-message' \
        "https://127.0.0.1:${PORT[$1,doh]}/dns-query" >"$out" 2>&1 || true
    R[$1,h2]=$(awk '/^finished in/ { rps = $4 } /^requests:/ { ok = $8; failed = $10; errored = $12; timeout = $14 }
        END { printf "%s of %s succeeded (failed %s, errored %s, timed out %s), %.0f req/s", ok, n, failed, errored, timeout, rps }' n="$H2_REQUESTS" "$out")
    log "$1 h2load: ${R[$1,h2]}"
}

busy=$(c1=$(cpu_ticks "$SERVER_CPU"); d1=$(cpu_ticks "$CLIENT_CPU"); sleep 2; c2=$(cpu_ticks "$SERVER_CPU"); d2=$(cpu_ticks "$CLIENT_CPU")
       awk -v a="$c1" -v b="$c2" -v c="$d1" -v d="$d2" 'BEGIN { split(a, x); split(b, y); split(c, p); split(d, q)
           printf "%.0f%% / %.0f%%", 100 * (y[2] - x[2]) / (y[1] - x[1]), 100 * (q[2] - p[2]) / (q[1] - p[1]) }')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "cores $SERVER_CPU / $CLIENT_CPU busy before the runs: $busy; load average $LOAD_BEFORE"

for server in $SERVERS; do
    start_server "$server"
    log "$server answered after $STARTUP_MS ms (pid $SPID, core $SERVER_CPU)"
    # Plain DNS may answer before the DoT and DoH listeners are up: poll each transport for up to 30 s.
    for tr in $TRANSPORTS; do
        for ((i = 0; i < 300; i++)); do
            got=$(answer_over "$tr" "${PORT[$server,$tr]}" "$BLOCKED_PROBE")
            [[ $got == 0.0.0.0 ]] && break
            sleep 0.1
        done
        [[ $got == 0.0.0.0 ]] || die "$server answered '$got' over $tr for $BLOCKED_PROBE, expected 0.0.0.0 ($(tail -3 "$LOGS/$server.log"))"
    done
    got=$(answer "${PORT[$server,udp]}" "$ALLOWED_PROBE")
    [[ $got == 192.0.2.1 ]] || die "$server answered '$got' for $ALLOWED_PROBE, expected 192.0.2.1"
    # Warm-up over UDP: two passes over the allowed names, so the cached mix is all cache hits on every transport.
    taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "${PORT[$server,udp]}" -c "$CLIENTS" -q 20 -t 2 -n 2 \
        -d "$DATA/q-cached.txt" >"$OUT/$server-warmup.txt" 2>&1
    for mix in $MIXES; do
        for tr in $TRANSPORTS; do
            measure "$server" "$tr" "$mix"
        done
    done
    [[ $H2_REQUESTS != 0 && " $TRANSPORTS " == *" doh "* ]] && h2load_check "$server"
    R[$server,rss]=$(rss_kib "$SPID" VmRSS)
    stop "$SPID"
    # The query log's once-a-second "N block events were not logged" summary (event 3404) is expected under load.
    R[$server,logwarn]=$(grep -iE 'warn|fail|error|exception' "$LOGS/$server.log" | grep -cv 'QueryLog\[3404\]' || true)
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 3. report -----------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "-" }'; }
pct() { awk -v c="$1" 'BEGIN { printf "%.0f%%", c * 100 }'; }
{
    echo "$NAMES blocked names; dnsperf -c $CLIENTS -q $OUTSTANDING -T $THREADS$( ((EDNS)) && echo ' -e'), ${DURATION} s per throughput run, DoH by $DOH_METHOD over HTTP/2;"
    echo "each dnsperf client holds one connection for the whole run ($CLIENTS connections per TCP, DoT or DoH run); TLS with a P-256 certificate."
    echo "Server on core $SERVER_CPU, dnsperf and the upstream on core $CLIENT_CPU$( ((NICE)) && echo ", all at niceness $NICE"); cores busy before the runs: $busy; load average $LOAD_BEFORE before, $LOAD_AFTER after."
    echo "$(uname -r); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(unbound -V | head -1); $(dnsperf -h 2>&1 | grep -m1 Version); $(openssl version | cut -d' ' -f1-2)."
    echo "PipShield $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo ' (+ local changes)')."
    echo
    echo "| Server | Transport | Mix | QPS | × UDP | Lost | Avg ms | p50 ms | p99 ms | p50 / p99 ms at $((LAT_QPS_ENCRYPTED / 1000))k QPS (lost) | Server CPU | QPS per busy core | × UDP | Client core | Connections: most at once / seen / reconnects | Connect + handshake ms |"
    echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for server in $SERVERS; do
        for mix in $MIXES; do
            for tr in $TRANSPORTS; do
                k="$server,$tr,$mix" u="$server,udp,$mix"
                printf '| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %s / %s (%s) | %s | %s | %s | %s | %s | %s |\n' \
                    "$server" "$tr" "$mix" "${R[$k,qps]}" "$(ratio "${R[$k,qps]}" "${R[$u,qps]:-}")" "${R[$k,lost]}" \
                    "${R[$k,avg]}" "${R[$k,p50]}" "${R[$k,p99]}" "${R[$k,qp50]}" "${R[$k,qp99]}" "${R[$k,qlost]}" \
                    "$(pct "${R[$k,cpu]}")" "${R[$k,perbusy]}" "$(ratio "${R[$k,perbusy]}" "${R[$u,perbusy]:-}")" \
                    "$(pct "${R[$k,client]}")" "${R[$k,conns]}" "${R[$k,connms]:--}"
            done
        done
    done
    echo
    for server in $SERVERS; do
        echo "- $server: resident after the runs $(awk -v k="${R[$server,rss]}" 'BEGIN { printf "%.0f", k / 1024 }') MiB; log lines with warn/fail/error (besides the query log's summaries): ${R[$server,logwarn]} ($LOGS/$server.log)"
        [[ -n ${R[$server,h2]:-} ]] && echo "- $server DoH, h2load cross-check (blocked probe by POST, -c $CLIENTS): ${R[$server,h2]}"
        for mix in $MIXES; do
            for tr in $TRANSPORTS; do
                k="$server,$tr,$mix"
                [[ ${R[$k,warnings]:-0} != 0 ]] && echo "- $server $tr $mix: ${R[$k,warnings]} warning/error lines in $OUT/$server-$tr-$mix.txt"
                [[ ${R[$k,rcodes]} == "NOERROR "*"(100.00%)" ]] || echo "- $server $tr $mix: response codes ${R[$k,rcodes]}"
            done
        done
    done
    if [[ " $SERVERS " == *" pipshield "* && " $SERVERS " == *" unbound "* ]]; then
        echo
        echo "PipShield / unbound, QPS per busy core:"
        for tr in $TRANSPORTS; do
            line="- $tr:"
            for mix in $MIXES; do line+=" $mix $(ratio "${R[pipshield,$tr,$mix,perbusy]}" "${R[unbound,$tr,$mix,perbusy]}")×"; done
            echo "$line"
        done
    fi
} | tee "$WORK/results.md"
log "results in $WORK/results.md; dnsperf output in $OUT, server logs in $LOGS"
