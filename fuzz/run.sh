#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each on its
# committed corpus for SECONDS (default 15). New inputs go to a temporary
# folder, never into fuzz/corpus; a crash fails the run and leaves its
# input in build-fuzz/crashes/.
#   fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(report distconfig cert chain http_head first_bytes)
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUZZ=ON -DBUILD_TESTING=OFF -DWERROR=ON >/dev/null
cmake --build build-fuzz -j "$(nproc)" >/dev/null 2>build-fuzz.log || { cat build-fuzz.log >&2; exit 1; }
mkdir -p build-fuzz/crashes
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
    work=$(mktemp -d)
    # every regression input must pass first
    if [ -d "fuzz/regressions/$t" ] && ls "fuzz/regressions/$t"/* >/dev/null 2>&1; then
        "build-fuzz/fuzz/fuzz_$t" -runs=0 "fuzz/regressions/$t" >"$work/log" 2>&1 ||
            { echo "fuzz_$t: a regression input fails" >&2; tail -40 "$work/log" >&2; status=1; }
    fi
    if "build-fuzz/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="build-fuzz/crashes/$t-" "$work" "fuzz/corpus/$t" >"$work/log" 2>&1; then
        echo "fuzz_$t: $(grep -Eo '#[0-9]+' "$work/log" | tail -1 | tr -d '#') runs in ${secs} s, no crash"
    else
        echo "fuzz_$t: CRASH (input in build-fuzz/crashes/)" >&2
        tail -40 "$work/log" >&2
        status=1
    fi
    rm -rf "$work"
done
exit $status
