#!/usr/bin/env bash
# The long fuzz run behind the README's figures: every seeded fuzz test in `swift test` with CASES cases
# (default 100000; the journal's recovery fuzzer runs CASES/100 damaged journals), then each libFuzzer
# target for SECONDS (default 300). Bounded: about 3 minutes plus 4 x SECONDS on two cores.
#   assets/fuzz/run-long.sh [CASES] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cases=${1:-100000}
seconds=${2:-300}
SHOPDECK_FUZZ_CASES=$cases swift test --filter 'FuzzTests|randomDamage' 2>&1 | grep -E '^fuzz |✘|Test run with'
for target in waf http expressions schedules; do
  echo "libFuzzer $target, $seconds s:"
  assets/fuzz/libfuzzer.sh "$target" "$seconds" 2>&1 | grep -E 'stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY|Test unit written'
done
