#!/usr/bin/env bash
# Fuzzes one PipShield target with AFL++ and SharpFuzz:  fuzz/run.sh TARGET [SECONDS]
#   TARGET   query | answer | lists | image  (fuzz/README.md says what each one checks)
#   SECONDS  how long afl-fuzz runs; default 300
# Installs what is missing (afl++ from Debian, the sharpfuzz dotnet tool), builds the harness, instruments
# the PipShield assemblies, fuzzes from fuzz/corpus/TARGET, then copies crashing and hanging inputs to
# fuzz/findings/TARGET/ and replays them to print each exception. Exits 1 when it found something.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-}
seconds=${2:-300}
case "$target" in
  query|answer|lists|image) ;;
  *) echo "usage: fuzz/run.sh query|answer|lists|image [SECONDS]" >&2; exit 2 ;;
esac
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "run.sh: SECONDS must be a positive whole number" >&2
  exit 2
fi

root=$PWD
out=$root/fuzz/out
tools=$out/tools
bin=$out/bin
work=$out/$target
findings=$root/fuzz/findings/$target
sharpfuzz_version=2.3.0

say() { echo "run.sh: $*"; }

# 1. afl-fuzz, from Debian's afl++ package.
if ! command -v afl-fuzz >/dev/null 2>&1; then
  say "installing afl++ (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo -n"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq afl++ >/dev/null
fi

# 2. The SharpFuzz instrumenter, a dotnet tool kept under fuzz/out so nothing global changes.
if [ ! -x "$tools/sharpfuzz" ]; then
  say "installing the sharpfuzz dotnet tool $sharpfuzz_version"
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >/dev/null
fi

# 3. Build the harness, and instrument a copy of its output: the build output itself stays clean for replay.
say "building fuzz/PipShield.Fuzz"
dotnet build fuzz/PipShield.Fuzz -c Release --nologo -v q -clp:NoSummary
rm -rf "$bin"
cp -r fuzz/PipShield.Fuzz/bin/Release/net10.0 "$bin"
for assembly in PipShield.Blocklist PipShield.Resolver; do
  "$tools/sharpfuzz" "$bin/$assembly.dll" >/dev/null
done

# 4. The guard-page allocator that turns a read past the end of an image into a crash (fuzz/guard/).
cc -O2 -shared -fPIC -o "$out/guard_alloc.so" fuzz/guard/guard_alloc.c -lpthread

# 5. Fuzz. The target is a .NET program, not a binary afl-fuzz instrumented, and the machine is shared.
rm -rf "$work"
mkdir -p "$work"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=60000 AFL_PRELOAD="$out/guard_alloc.so"
dict=()
[ -f "fuzz/dict/$target.dict" ] && dict=(-x "fuzz/dict/$target.dict")
say "fuzzing $target for $seconds s (output in fuzz/out/$target)"
fuzz_command=(afl-fuzz -i "fuzz/corpus/$target" -o "$work" -t 5000 -V "$seconds" "${dict[@]}" --
  "$(command -v dotnet)" "$bin/PipShield.Fuzz.dll" afl "$target")
status=0
if [ -t 1 ]; then
  "${fuzz_command[@]}" || status=$?
else
  # No terminal for afl-fuzz's status screen: its line-per-test-case output goes to a log instead.
  say "afl-fuzz output: fuzz/out/$target.log"
  AFL_NO_UI=1 "${fuzz_command[@]}" >"$out/$target.log" 2>&1 || status=$?
fi

stats=$work/default/fuzzer_stats
if [ ! -f "$stats" ]; then
  say "afl-fuzz stopped before it wrote any statistics (exit $status)"
  exit 1
fi
echo
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|edges_found|total_edges|saved_crashes|saved_hangs|stability) ' "$stats" || true

# 6. Keep what it found, named by content so that runs do not overwrite one another.
found=0
for kind in crashes hangs; do
  for file in "$work"/default/"$kind"/id:*; do
    [ -f "$file" ] || continue
    mkdir -p "$findings"
    name=${kind%es}; name=${name%s}-$(sha1sum "$file" | cut -c1-12)
    cp "$file" "$findings/$name"
    found=$((found + 1))
  done
done

if [ "$found" -eq 0 ]; then
  say "no crashes or hangs in $seconds s"
  exit 0
fi

say "$found input(s) copied to fuzz/findings/$target; replaying them (uninstrumented, guard page on):"
# One process per input: an input that kills the process (a guard-page fault) must not hide the others.
for file in "$findings"/*; do
  replayed=0
  LD_PRELOAD="$out/guard_alloc.so" timeout 60 dotnet fuzz/PipShield.Fuzz/bin/Release/net10.0/PipShield.Fuzz.dll \
    replay "$target" "$file" || replayed=$?
  # 1 is an ordinary finding; anything else is the process dying (a fault, an abort) or the 60 s running out (124).
  [ "$replayed" -le 1 ] || echo "run.sh: the replay of $(basename "$file") ended with status $replayed"
done
say "fix each one, then move it to fuzz/regressions/$target/ (fuzz/README.md)"
exit 1
