# Shared by bench/load.sh, bench/load-transports.sh and bench/soak.sh: working folders, process bookkeeping, CPU
# and memory readings, the tools they install, the generated data, the compiled image, the upstream, and DNS
# probes. Expects REPO, HERE, WORK, NAMES, CLIENT_CPU, STARTUP_TIMEOUT and PIPSHIELD to be set.

DATA="$WORK/data-$NAMES"
LOGS="$WORK/logs"
OUT="$WORK/out"
mkdir -p "$WORK" "$LOGS" "$OUT"

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }
now_ns() { date +%s%N; }

# --- processes: every one started here is stopped on exit -------------------------------------------------
STARTED=()
cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop() { # pid: TERM, then KILL after 10 s
    kill -TERM "$1" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local i
    for i in "${!STARTED[@]}"; do [[ ${STARTED[$i]} == "$1" ]] && unset "STARTED[$i]"; done
    return 0
}

# CPU time (user + system, clock ticks) of a process, all threads: /proc/PID/stat fields 14 and 15.
proc_ticks() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    s=${s##*) }
    set -- $s
    echo $(( ${12} + ${13} ))
}
# "total busy" ticks of one CPU from /proc/stat (busy = everything but idle and iowait).
cpu_ticks() { awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, t - $5 - $6 }' /proc/stat; }
rss_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
CLK_TCK=$(getconf CLK_TCK)

# Installs dnsperf, unbound, dig, taskset and python3 from Debian's packages when missing.
ensure_tools() {
    need=()
    command -v dnsperf >/dev/null || need+=(dnsperf)
    command -v unbound >/dev/null || need+=(unbound)
    command -v dig >/dev/null || need+=(bind9-dnsutils)
    command -v taskset >/dev/null || need+=(util-linux)
    command -v python3 >/dev/null || need+=(python3)
    if ((${#need[@]})); then
        log "installing ${need[*]} from Debian packages"
        [[ $(id -u) == 0 ]] || die "need root to install ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
        if [[ " ${need[*]} " == *" unbound "* ]] && command -v systemctl >/dev/null; then
            # The package starts a system resolver on port 53; this benchmark runs its own instances only.
            systemctl disable --now unbound >/dev/null 2>&1 || true
        fi
    fi
    (($(nproc) >= 2)) || die "needs 2 cores (server on one, dnsperf on the other)"
}

# Builds PipShield (Release) unless SKIP_BUILD=1 or PIPSHIELD points elsewhere.
build_pipshield() {
    if [[ ${SKIP_BUILD:-0} != 1 && $PIPSHIELD == "$REPO/src/PipShield.Service/bin/Release/net10.0/pipshield" ]]; then
        command -v dotnet >/dev/null || die "the .NET 10 SDK is needed to build PipShield (https://dot.net)"
        log "building PipShield (Release)"
        dotnet build -c Release "$REPO/src/PipShield.Service" -nologo -v q >"$LOGS/build.log" 2>&1 || { tail -20 "$LOGS/build.log"; die "build failed"; }
    fi
    [[ -x $PIPSHIELD ]] || die "no PipShield binary at $PIPSHIELD"
}

# Generates NAMES blocked names and the query files into DATA (once; again when gen.py changes) and sets the
# two probe names: BLOCKED_PROBE (listed) and ALLOWED_PROBE (resolved by the upstream).
prepare_data() {
    if [[ ! -s $DATA/probe.txt || $HERE/gen.py -nt $DATA/probe.txt ]]; then
        log "generating $NAMES names and query files into $DATA"
        python3 "$HERE/gen.py" --names "$NAMES" --out "$DATA"
    fi
    BLOCKED_PROBE=$(sed -n 1p "$DATA/probe.txt")
    ALLOWED_PROBE=$(sed -n 2p "$DATA/probe.txt")
}

# Compiles the generated names into IMAGE (DATA/blocked.pipbl); sets COMPILE_S and IMAGE_MIB.
compile_image() {
    IMAGE="$DATA/blocked.pipbl"
    local t
    t=$(now_ns)
    "$PIPSHIELD" compile -o "$IMAGE" "$DATA/blocked.domains.txt:domains:malware" >"$LOGS/compile.log" 2>&1 || { cat "$LOGS/compile.log"; die "compile failed"; }
    COMPILE_S=$(awk -v n=$(( $(now_ns) - t )) 'BEGIN { printf "%.1f", n / 1e9 }')
    IMAGE_MIB=$(awk -v b="$(stat -c %s "$IMAGE")" 'BEGIN { printf "%.1f", b / 1048576 }')
    log "compiled $NAMES names in ${COMPILE_S} s: $IMAGE ($IMAGE_MIB MiB)"
}

# Starts the local authoritative upstream on the client core (it only answers the warm-up misses) and waits
# for its first answer; sets UPSTREAM_PID. Expects UPSTREAM_PORT.
start_upstream() {
    render "$HERE/upstream.conf.in" "$WORK/upstream.conf" "UPSTREAM_PORT=$UPSTREAM_PORT" "DIR=$WORK"
    taskset -c "$CLIENT_CPU" unbound -d -c "$WORK/upstream.conf" >"$LOGS/upstream.log" 2>&1 &
    UPSTREAM_PID=$!
    STARTED+=("$UPSTREAM_PID")
    T0=$(now_ns)
    first_answer "$UPSTREAM_PID" "$UPSTREAM_PORT" "$ALLOWED_PROBE" 192.0.2.1 >/dev/null || die "upstream did not start: $(tail -5 "$LOGS/upstream.log")"
}

render() { # template output, then KEY=VALUE pairs
    local template=$1 out=$2 kv content
    shift 2
    content=$(<"$template")
    for kv in "$@"; do content=${content//@${kv%%=*}@/${kv#*=}}; done
    printf '%s\n' "$content" >"$out"
}
# The answer to an A query: the address, or the rcode when it is not NOERROR ("" when there is no reply).
answer() { # port name
    taskset -c "$CLIENT_CPU" dig +tries=1 +time=1 +noall +comments +answer @127.0.0.1 -p "$1" "$2" A 2>/dev/null |
        awk '/status:/ { s = $6; sub(",", "", s) } $4 == "A" && a == "" { a = $5 } END { print (s == "NOERROR" ? a : s) }'
}
# Polls every 20 ms until NAME gets ANSWER; prints the milliseconds since T0. dig runs on the client core.
first_answer() { # pid port name answer
    local deadline=$(( $(now_ns) + STARTUP_TIMEOUT * 1000000000 ))
    while (( $(now_ns) < deadline )); do
        if [[ $(answer "$2" "$3") == "$4" ]]; then
            echo $(( ($(now_ns) - T0) / 1000000 ))
            return 0
        fi
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}
# A number from dnsperf's summary: field FILE "Queries lost" prints the value after "Queries lost:".
field() { sed -n "s/^ *$2: *\([0-9.]*\).*/\1/p" "$1" | head -1; }

# Percentiles (ms) of the per-query latencies that dnsperf -v prints ("> NOERROR name A 0.000123").
percentiles() {
    awk '$1 == ">" && NF == 5 { print $5 }' "$1" | sort -g | awk '
        { v[NR] = $1 }
        function at(p,  i) { i = int(NR * p + 0.999999); if (i < 1) i = 1; return v[i] * 1000 }
        END { if (NR == 0) print "- - -"; else printf "%.3f %.3f %.3f\n", at(0.5), at(0.99), at(0.999) }'
}

