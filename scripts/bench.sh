#!/usr/bin/env bash
# Prints the figures behind the budgets of DESIGN section 10 as a table:
# each figure, what it was measured against in the same run, the ratio,
# and the budget. Timings are only compared inside one run (ratios);
# bytes and allocations do not depend on the machine's speed.
#
# BENCHTIME sets the rounds of the quick benchmarks (default 200x); the
# slow ones (terminal bytes, memory, emit path, simulator, naive
# viewport) choose their own. QUICK=1 skips the terminal-bytes run (about
# 20 s) and the start-up timing.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp "${TMPDIR:-/tmp}/cmsrunbook-bench.XXXXXX")
trap 'rm -f "$out"' EXIT

slow='^(BenchmarkTerminalBytes|BenchmarkMemory1M|BenchmarkEmitPath|BenchmarkIngest|BenchmarkWindowSetupLog|BenchmarkPaneVsNaive)$'
{
  go test -run '^$' -bench . -skip "$slow" -benchtime "${BENCHTIME:-200x}" ./... 2>/dev/null || true
  go test -run '^$' -bench '^BenchmarkIngest$' -benchtime 1000000x ./tui/ 2>/dev/null || true
  go test -run '^$' -bench '^BenchmarkEmitPath$' -benchtime 1000000x -count 3 ./internal/session/ 2>/dev/null || true
  go test -run '^$' -bench '^BenchmarkWindowSetupLog$' -benchtime 2x ./internal/sim/ 2>/dev/null || true
  go test -run '^$' -bench '^BenchmarkPaneVsNaive$' -benchtime 3x ./tui/ 2>/dev/null || true
  go test -run '^$' -bench '^BenchmarkMemory1M$/^streaming$' -benchtime 1x ./tui/ 2>/dev/null || true
  go test -run '^$' -bench '^BenchmarkMemory1M$/^stalled$' -benchtime 1x ./tui/ 2>/dev/null || true
  if [[ -z ${QUICK:-} ]]; then
    go test -run '^$' -bench '^BenchmarkTerminalBytes$' -benchtime 1x ./tui/ 2>/dev/null || true
    scripts/startup.sh || true
  fi
} >"$out"

awk '
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    if (!(name in ns)) order[++n] = name
    # After the name and the count come value-unit pairs (ns/op first,
    # unless a benchmark reports none).
    for (f = 3; f < NF; f += 2) metric[name, $(f + 1)] = $f
    ns[name] = metric[name, "ns/op"]
    # Emit path: keep the best of the rounds (the least disturbed by load).
    if (name == "BenchmarkEmitPath" && metric[name, "lines/s"] > best) best = metric[name, "lines/s"]
  }
  /^startup / { su_plan = $2; su_empty = $3; su_ratio = $4 }
  function row(fig, val, base, ratio, budget, verdict) {
    printf "%-58s %16s %16s %9s %-14s %s\n", fig, val, base, ratio, budget, verdict
  }
  function ok(c) { return c ? "pass" : "FAIL" }
  END {
    row("figure", "measured", "baseline", "ratio", "budget", "")
    # Terminal bytes: the real program at 120x40 in colour.
    for (r = 0; r < 3; r++) {
      rate = (r == 0 ? 30 : r == 1 ? 300 : 1000)
      b = "BenchmarkTerminalBytes/rate=" rate
      if (!metric[b, "linux-B/s"]) continue
      lin = metric[b, "linux-B/s"]; win = metric[b, "windows-B/s"]; pr = metric[b, "printer-B/s"]
      budget = (rate == 300 ? "<= 10240 B/s" : rate == 1000 ? ">= 20x printer" : "-")
      vl = (rate == 300 ? ok(lin <= 10240) : rate == 1000 ? ok(pr / lin >= 20) : "")
      vw = (rate == 300 ? ok(win <= 10240) : rate == 1000 ? ok(pr / win >= 20) : "")
      row(sprintf("terminal B/s at %d lines/s, Linux renderer (vs printer)", rate), sprintf("%.0f", lin), sprintf("%.0f", pr), sprintf("%.1fx", pr / lin), budget, vl)
      row(sprintf("terminal B/s at %d lines/s, Windows renderer (vs printer)", rate), sprintf("%.0f", win), sprintf("%.0f", pr), sprintf("%.1fx", pr / win), budget, vw)
      row(sprintf("  same, vs naive Bubble Tea viewport (Linux / Windows)"), sprintf("%.0f / %.0f", lin, win), sprintf("%.0f / %.0f", metric[b, "naive-linux-B/s"], metric[b, "naive-windows-B/s"]), sprintf("%.1f/%.1fx", metric[b, "x-naive-linux"], metric[b, "x-naive-windows"]), "-", "")
    }
    if (metric["BenchmarkTerminalBytes/idle", "linux-B/s"] != "") row("terminal B/s idle at a prompt (Linux / Windows renderer)", sprintf("%.0f / %.0f", metric["BenchmarkTerminalBytes/idle", "linux-B/s"], metric["BenchmarkTerminalBytes/idle", "windows-B/s"]), "-", "-", "-", "")
    if (best) row("emit path (journal + screen + printer), lines/s", sprintf("%.0f", best), "1000000", sprintf("%.2fx", best / 1e6), ">= 1M lines/s", ok(best >= 1e6))
    if (metric["BenchmarkEmitPath", "cpu-ns/line"]) row("  CPU per line, both goroutines (last round)", sprintf("%.0f ns", metric["BenchmarkEmitPath", "cpu-ns/line"]), "-", "-", "-", "")
    if (metric["BenchmarkIngest", "lines/s"]) row("screen ingest alone (queue + drain into the ring)", sprintf("%.0f", metric["BenchmarkIngest", "lines/s"]), "200000", sprintf("%.1fx", metric["BenchmarkIngest", "lines/s"] / 2e5), ">= 200k lines/s", ok(metric["BenchmarkIngest", "lines/s"] >= 2e5))
    s1 = metric["BenchmarkWindowSetupLog/lines=1000", "ns/line"]; s2 = metric["BenchmarkWindowSetupLog/lines=10000", "ns/line"]; s3 = metric["BenchmarkWindowSetupLog/lines=100000", "ns/line"]
    if (s1 && s3) {
      row("headless window, ns per Setup line: 10k vs 1k lines/node", sprintf("%.0f", s2), sprintf("%.0f", s1), sprintf("%.2fx", s2 / s1), "linear (<= ~1x)", ok(s2 / s1 <= 1.5))
      row("headless window, ns per Setup line: 100k vs 1k lines/node", sprintf("%.0f", s3), sprintf("%.0f", s1), sprintf("%.2fx", s3 / s1), "linear (<= ~1x)", ok(s3 / s1 <= 1.5))
      row("headless window with 100k Setup lines per node", sprintf("%.0f ms", ns["BenchmarkWindowSetupLog/lines=100000"] / 1e6), "-", "-", "-", "")
    }
    if (su_plan) row("plan as a process vs an empty Go program (ms, medians)", su_plan, su_empty, su_ratio "x", "<= 5x", ok(su_ratio <= 5))
    for (k = 0; k < 2; k++) {
      m = "BenchmarkMemory1M/" (k == 0 ? "streaming" : "stalled")
      if (metric[m, "peak-rss-MB"]) row("memory after 1M lines, " (k == 0 ? "streaming" : "terminal stalled") " (peak RSS MB; heap)", sprintf("%.0f; %.0f", metric[m, "peak-rss-MB"], metric[m, "heap-MB"]), "100", sprintf("%.2fx", metric[m, "peak-rss-MB"] / 100), "< 100 MB", ok(metric[m, "peak-rss-MB"] < 100))
    }
    f1 = "BenchmarkFrame/lines=1000/renderer=linux"; f2 = "BenchmarkFrame/lines=1000000/renderer=linux"
    if (ns[f1] && ns[f2]) row("frame 120x40 with renderer: 1M vs 1k lines (ms)", sprintf("%.3f", ns[f2] / 1e6), sprintf("%.3f", ns[f1] / 1e6), sprintf("%.2fx", ns[f2] / ns[f1]), "flat", "")
    w1 = "BenchmarkFrame/lines=1000000/renderer=windows"
    if (ns[w1]) row("  B per frame with a new line, Linux / Windows renderer", sprintf("%.0f / %.0f", metric[f2, "B/frame"], metric[w1, "B/frame"]), "-", "-", "-", "")
    if (metric["BenchmarkPaneVsNaive", "x-faster"]) row("pane vs naive viewport, 100k lines, ms per line", sprintf("%.3f", metric["BenchmarkPaneVsNaive", "pane-ns/line"] / 1e6), sprintf("%.1f", metric["BenchmarkPaneVsNaive", "naive-ns/line"] / 1e6), sprintf("%.0fx", metric["BenchmarkPaneVsNaive", "x-faster"]), ">= 100x", ok(metric["BenchmarkPaneVsNaive", "x-faster"] >= 100))
    if (ns["BenchmarkHeadlessCCRWindow"]) row("headless CCR window, --speed max, journal included (ms)", sprintf("%.1f", ns["BenchmarkHeadlessCCRWindow"] / 1e6), "1000", sprintf("%.3fx", ns["BenchmarkHeadlessCCRWindow"] / 1e9), "< 1000 ms", ok(ns["BenchmarkHeadlessCCRWindow"] < 1e9))
    if (ns["BenchmarkRoundTrip/winrm"] && ns["BenchmarkRoundTrip/in-process"]) row("a command over the WinRM emulator vs in-process (ms)", sprintf("%.3f", ns["BenchmarkRoundTrip/winrm"] / 1e6), sprintf("%.4f", ns["BenchmarkRoundTrip/in-process"] / 1e6), sprintf("%.0fx", ns["BenchmarkRoundTrip/winrm"] / ns["BenchmarkRoundTrip/in-process"]), "-", "")
    p = "BenchmarkPollVsBareWinRM"
    if (metric[p, "x-bare"]) {
      row("a wait poll on one node vs bare masterzen, same line (ms)", sprintf("%.2f", metric[p, "poll-ns"] / 1e6), sprintf("%.2f", metric[p, "bare-ns"] / 1e6), sprintf("%.2fx", metric[p, "x-bare"]), "<= 1.10x", ok(metric[p, "x-bare"] <= 1.10))
      row("  same, CPU (client and emulator)", "-", "-", sprintf("%.2fx", metric[p, "x-bare-cpu"]), "<= 1.10x", ok(metric[p, "x-bare-cpu"] <= 1.10))
      row("  same poll vs bare cmd /c echo (script work included)", sprintf("%.2f", metric[p, "poll-ns"] / 1e6), sprintf("%.2f", metric[p, "echo-ns"] / 1e6), sprintf("%.2fx", metric[p, "x-echo"]), "-", "")
    }
    d8 = "BenchmarkDiscovery/latency=20ms/nodes=8"; d1 = "BenchmarkDiscovery/latency=20ms/nodes=1"
    if (ns[d8] && ns[d1]) row("discovery 8 nodes vs 1, 20 ms node-side (ms)", sprintf("%.1f", ns[d8] / 1e6), sprintf("%.1f", ns[d1] / 1e6), sprintf("%.2fx", ns[d8] / ns[d1]), "< 1.5x", ok(ns[d8] / ns[d1] < 1.5))
    if (ns["BenchmarkPlanSCC8"] && ns["BenchmarkPlanCCR"]) row("planner, 8-node SCC vs 2-node CCR (us)", sprintf("%.1f", ns["BenchmarkPlanSCC8"] / 1e3), sprintf("%.1f", ns["BenchmarkPlanCCR"] / 1e3), sprintf("%.1fx", ns["BenchmarkPlanSCC8"] / ns["BenchmarkPlanCCR"]), "-", "")
    if (ns["BenchmarkPlanCommand"]) row("plan command in process (ms)", sprintf("%.2f", ns["BenchmarkPlanCommand"] / 1e6), "20", sprintf("%.3fx", ns["BenchmarkPlanCommand"] / 2e7), "< 20 ms", ok(ns["BenchmarkPlanCommand"] < 2e7))
    if (ns["BenchmarkSearchKeystroke"]) row("search keystroke over 100,000 lines (ms)", sprintf("%.2f", ns["BenchmarkSearchKeystroke"] / 1e6), "20", sprintf("%.3fx", ns["BenchmarkSearchKeystroke"] / 2e7), "< 20 ms", ok(ns["BenchmarkSearchKeystroke"] < 2e7))
    if (ns["BenchmarkPaletteKeystroke"]) row("palette keystroke (ms)", sprintf("%.3f", ns["BenchmarkPaletteKeystroke"] / 1e6), "20", sprintf("%.4fx", ns["BenchmarkPaletteKeystroke"] / 2e7), "< 20 ms", ok(ns["BenchmarkPaletteKeystroke"] < 2e7))
    if (ns["BenchmarkFirstFrame"]) row("first screen frame in process (ms)", sprintf("%.2f", ns["BenchmarkFirstFrame"] / 1e6), "150", sprintf("%.3fx", ns["BenchmarkFirstFrame"] / 1.5e8), "< 150 ms", ok(ns["BenchmarkFirstFrame"] < 1.5e8))
    if (ns["BenchmarkWriteOutput"]) row("journal: 10,000 output lines, 10 step boundaries (ms)", sprintf("%.1f", ns["BenchmarkWriteOutput"] / 1e6), "-", "-", "-", "")
    printf "\nall benchmarks (ns/op):\n"
    for (i = 1; i <= n; i++) if (ns[order[i]] != "") printf "  %-56s %14s\n", order[i], ns[order[i]]
  }' "$out"
