#!/usr/bin/env bash
# Prints the benchmark figures behind the budgets of DESIGN section 10 as a
# table: name, ns/op, and the ratio to the baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench . -benchtime "${BENCHTIME:-200x}" ./... 2>/dev/null |
  awk '/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); ns[name]=$3; order[++n]=name
                     for (f = 4; f < NF; f++) metric[name, $(f+1)] = $f }
       END {
         printf "%-48s %14s\n", "benchmark", "ns/op"
         for (i = 1; i <= n; i++) printf "%-48s %14s\n", order[i], ns[order[i]]
         if (ns["BenchmarkHeadlessCCRWindow"])
           printf "headless CCR service-pack window at --speed max, journal included: %.1f ms (budget 1000 ms)\n", ns["BenchmarkHeadlessCCRWindow"] / 1e6
         if (ns["BenchmarkWriteOutput"])
           printf "journal: 10,000 output lines with a step boundary every 1,000: %.1f ms\n", ns["BenchmarkWriteOutput"] / 1e6
         if (ns["BenchmarkRoundTrip/winrm"] && ns["BenchmarkRoundTrip/in-process"])
           printf "a command over the WinRM emulator vs in-process: %.2f ms vs %.3f ms\n", ns["BenchmarkRoundTrip/winrm"] / 1e6, ns["BenchmarkRoundTrip/in-process"] / 1e6
         if (ns["BenchmarkDiscovery/latency=20ms/nodes=8"] && ns["BenchmarkDiscovery/latency=20ms/nodes=1"])
           printf "discovery, 8-node SCC vs one node, 20 ms node-side script time: %.2fx (budget 1.5x)\n", ns["BenchmarkDiscovery/latency=20ms/nodes=8"] / ns["BenchmarkDiscovery/latency=20ms/nodes=1"]
         if (ns["BenchmarkDiscovery/latency=0s/nodes=8"] && ns["BenchmarkDiscovery/latency=0s/nodes=1"])
           printf "discovery, 8-node SCC vs one node, emulator CPU only (client and 8 servers on this machine): %.2fx\n", ns["BenchmarkDiscovery/latency=0s/nodes=8"] / ns["BenchmarkDiscovery/latency=0s/nodes=1"]
         if (ns["BenchmarkPlanSCC8"] && ns["BenchmarkPlanCCR"])
           printf "\nplanner, 8-node SCC vs 2-node CCR: %.1fx\n", ns["BenchmarkPlanSCC8"] / ns["BenchmarkPlanCCR"]
         if (ns["BenchmarkPlanCommand"])
           printf "plan command on an embedded scenario: %.2f ms (budget 20 ms)\n", ns["BenchmarkPlanCommand"] / 1e6
         if (metric["BenchmarkIngest", "lines/s"])
           printf "screen ingest: %.0f lines/s (budget >= 200000)\n", metric["BenchmarkIngest", "lines/s"]
         if (ns["BenchmarkFrame/lines=1000"] && ns["BenchmarkFrame/lines=1000000"])
           printf "screen frame: %.3f ms at 1,000 lines, %.3f ms at 1,000,000 lines (%.2fx; must not grow with the log)\n", ns["BenchmarkFrame/lines=1000"] / 1e6, ns["BenchmarkFrame/lines=1000000"] / 1e6, ns["BenchmarkFrame/lines=1000000"] / ns["BenchmarkFrame/lines=1000"]
         if (ns["BenchmarkSearchKeystroke"])
           printf "output search keystroke over 100,000 lines: %.2f ms (budget 20 ms)\n", ns["BenchmarkSearchKeystroke"] / 1e6
         if (ns["BenchmarkPaletteKeystroke"])
           printf "palette keystroke: %.3f ms (budget 20 ms)\n", ns["BenchmarkPaletteKeystroke"] / 1e6
         if (ns["BenchmarkFirstFrame"])
           printf "first screen frame: %.2f ms (budget 150 ms)\n", ns["BenchmarkFirstFrame"] / 1e6
         if (metric["BenchmarkPaneVsNaive", "x-faster"])
           printf "output pane vs naive viewport (whole log on every line, 10,000 lines): %.0fx faster (%.3f ms vs %.3f ms per line)\n", metric["BenchmarkPaneVsNaive", "x-faster"], metric["BenchmarkPaneVsNaive", "pane-ns/line"] / 1e6, metric["BenchmarkPaneVsNaive", "naive-ns/line"] / 1e6
       }'
