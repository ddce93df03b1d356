#!/usr/bin/env bash
# Coverage-guided fuzzing with the toolchain's libFuzzer (swiftc -sanitize=fuzzer), beside the seeded fuzz
# tests in `swift test`. Usage:
#   assets/fuzz/libfuzzer.sh waf|http|expressions|schedules [SECONDS]   (default 60; corpus in .build-fuzz/corpus-NAME)
# A crash leaves crash-<hash> in the working directory; replay it with the normal build:
#   swift run fuzz-NAME crash-<hash>
set -euo pipefail
cd "$(dirname "$0")/../.."
name=${1:?usage: $0 waf|http|expressions|schedules [seconds]}
seconds=${2:-60}
case "$name" in waf|http|expressions|schedules) ;; *) echo "unknown fuzz target $name" >&2; exit 2 ;; esac
# A build folder of its own: the sanitizers change every object file. lld, because gold crashes (an internal
# error in its DWARF reader) linking the instrumented objects on this toolchain.
swift build -c release --scratch-path .build-fuzz --product "fuzz-$name" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld >&2
binary=$(swift build -c release --scratch-path .build-fuzz --product "fuzz-$name" --show-bin-path)/fuzz-$name
corpus=.build-fuzz/corpus-$name
mkdir -p "$corpus"
"$binary" "$corpus" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=4096 -print_final_stats=1
