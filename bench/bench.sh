#!/usr/bin/env bash
# Measures how long a full diagnosis of a loopback origin takes (lab
# scenarios, all probes, all protocols). Speed is measured here, never
# asserted by a timed test. Usage: bench/bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-10}
bin="$build/origin-doctor"
[ -x "$bin" ] || { echo "bench: build first (./dev test or cmake --build $build)" >&2; exit 2; }
export ORIGIN_DOCTOR_ASSETS=${ORIGIN_DOCTOR_ASSETS:-$(cd "$(dirname "$0")/.." && pwd)/assets}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-22s %8s %8s %8s %11s\n' scenario min_ms median_ms max_ms handshakes
for scenario in healthy healthy-ecdsa wrong-order no-shared-cipher; do
    times=()
    for _ in $(seq "$runs"); do
        t0=$(date +%s%N)
        "$bin" --batch --lab "$scenario" --json "$tmp/r.json" >/dev/null || true
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000000 )))
    done
    sorted=($(printf '%s\n' "${times[@]}" | sort -n))
    hs=$(grep -o '"handshake_count":[[:space:]]*[0-9]*' "$tmp/r.json" | grep -o '[0-9]*$' || echo '?')
    printf '%-22s %8s %8s %8s %11s\n' "$scenario" "${sorted[0]}" "${sorted[$((runs / 2))]}" "${sorted[-1]}" "$hs"
done
echo "(wall time of the whole process: lab PKI generation and server start included)"
