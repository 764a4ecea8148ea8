#!/usr/bin/env bash
# Times `cmsrunbook plan` as a process against an empty Go program built
# with the same toolchain, interleaved run by run so machine load touches
# both alike (DESIGN section 10: plan within 5x an empty Go program).
# Prints one line: "startup <plan-ms> <empty-ms> <ratio>" (medians).
# BIN=path uses an existing binary; RUNS=n sets the rounds (default 40).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmsrunbook-startup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bin=${BIN:-}
if [[ -z $bin ]]; then
  bin=$tmp/cmsrunbook
  go build -o "$bin" .
fi
mkdir -p "$tmp/empty"
printf 'package main\n\nfunc main() {}\n' >"$tmp/empty/main.go"
printf 'module empty\n\ngo 1.26\n' >"$tmp/empty/go.mod"
(cd "$tmp/empty" && go build -o "$tmp/empty.bin" .)
python3 - "$bin" "$tmp/empty.bin" "${RUNS:-40}" <<'PY'
import statistics, subprocess, sys, time
plan = [sys.argv[1], "plan", "--scenario", "ccr-2003-sp2", "--format", "markdown"]
empty = [sys.argv[2]]
def once(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t) * 1000
for cmd in (plan, empty):
    once(cmd)  # warm the page cache
p, e = [], []
for _ in range(int(sys.argv[3])):
    p.append(once(plan))
    e.append(once(empty))
mp, me = statistics.median(p), statistics.median(e)
print(f"startup {mp:.2f} {me:.2f} {mp / me:.2f}")
PY
