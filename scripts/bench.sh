#!/usr/bin/env bash
# Prints the benchmark figures behind the budgets of DESIGN section 10 as a
# table: name, ns/op, and the ratio to the baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench . -benchtime "${BENCHTIME:-200x}" ./... 2>/dev/null |
  awk '/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); ns[name]=$3; order[++n]=name }
       END {
         printf "%-48s %14s\n", "benchmark", "ns/op"
         for (i = 1; i <= n; i++) printf "%-48s %14s\n", order[i], ns[order[i]]
         if (ns["BenchmarkPlanSCC8"] && ns["BenchmarkPlanCCR"])
           printf "\nplanner, 8-node SCC vs 2-node CCR: %.1fx\n", ns["BenchmarkPlanSCC8"] / ns["BenchmarkPlanCCR"]
         if (ns["BenchmarkPlanCommand"])
           printf "plan command on an embedded scenario: %.2f ms (budget 20 ms)\n", ns["BenchmarkPlanCommand"] / 1e6
       }'
