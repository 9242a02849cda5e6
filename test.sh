#!/usr/bin/env bash
# Runs PipShield's whole test suite on a fresh machine: installs what the tests need when it is missing,
# restores NuGet packages, builds, tests, and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK (dotnet) is required; see README.md" >&2
  exit 2
fi

# Integration tests query the resolver with dig and kdig as well as .NET clients; the short soak drives the
# built service with dnsperf, with unbound as its upstream; the warning-page test loads the page in headless Chromium;
# the firewall tests load nftables rules (nft) into network namespaces they create (ip).
need=()
command -v dig >/dev/null 2>&1 || need+=(dnsutils)
command -v kdig >/dev/null 2>&1 || need+=(knot-dnsutils)
command -v dnsperf >/dev/null 2>&1 || need+=(dnsperf)
command -v unbound >/dev/null 2>&1 || need+=(unbound)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} (Debian packages)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo -n"; fi
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"; } >/dev/null 2>&1 \
    || echo "test.sh: could not install ${need[*]}; the tests that use them will be skipped" >&2
  # The unbound package may start a system resolver on port 53; the tests run their own instances only.
  if [[ " ${need[*]} " == *" unbound "* ]] && command -v systemctl >/dev/null 2>&1; then
    $sudo systemctl disable --now unbound >/dev/null 2>&1 || true
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet test PipShield.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 118, Skipped: 0, Total: 118 …").
totals=$(grep -E '(Passed|Failed)! +- +Failed: +[0-9]+' "$log" | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped", p, f, s}')
if [ "$status" -ne 0 ] && [ "${totals%% *}" = "0" ]; then
  echo "test.sh: the build or test run failed before any test ran" >&2
fi
echo
echo "$totals"
exit "$status"
