#!/usr/bin/env bash
# Measures how fast the UI answers a key while 20 TLS handshakes are in
# flight (issue 4: "a key press answered within 100 ms"). It starts the lab's
# silent origin with 19 CNAMEs and Host forwarded (19 SNI handshakes plus one
# without SNI, each hanging for --timeout), opens and closes the help overlay
# N times, and reports how long each answer took to appear on the screen.
# The figure includes tmux's own send-keys/capture-pane round trip, so it is
# an upper bound. Usage: bench/ui_latency.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-20}
bin="$(cd "$build" && pwd)/origin-doctor"
[ -x "$bin" ] || { echo "ui_latency: build first" >&2; exit 2; }
export ORIGIN_DOCTOR_ASSETS=${ORIGIN_DOCTOR_ASSETS:-$(cd "$(dirname "$0")/.." && pwd)/assets}
sock=od-bench-$$
trap 'tmux -L $sock kill-server 2>/dev/null || true' EXIT
cnames=()
for i in $(seq 1 19); do cnames+=(--cname "c$i.shop.example.test"); done
tmux -L "$sock" new-session -d -x 120 -y 40 \
    "env TERM=xterm-256color LANG=C.UTF-8 ORIGIN_DOCTOR_ASSETS=$ORIGIN_DOCTOR_ASSETS $bin --lab silent --timeout 30 --forward-host ${cnames[*]}"
wait_for() {   # text, timeout in ms; prints the elapsed ms
    local t0 now
    t0=$(date +%s%N)
    while :; do
        if tmux -L "$sock" capture-pane -p | grep -qF -- "$1"; then
            now=$(date +%s%N); echo $(( (now - t0) / 1000000 )); return 0
        fi
        now=$(date +%s%N)
        [ $(( (now - t0) / 1000000 )) -lt "$2" ] || { echo "timeout waiting for: $1" >&2; return 1; }
        sleep 0.002
    done
}
wait_for "Run the checks" 10000 >/dev/null
tmux -L "$sock" send-keys F5
wait_for "TLS c19.shop.example.test" 5000 >/dev/null
running=$(tmux -L "$sock" capture-pane -p | grep -c "TLS .* at 127.0.0.1" || true)
echo "handshakes listed on the step screen: $running (running until the 30 s timeout)"
times=()
help_title='Help (Esc closes'
for _ in $(seq "$n"); do
    tmux -L "$sock" send-keys '?'
    times+=("$(wait_for "$help_title" 2000)")
    tmux -L "$sock" send-keys Escape
    wait_for "steps done" 2000 >/dev/null
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "key-to-screen latency over $n presses while probes run: min ${sorted[0]} ms, median ${sorted[$((n / 2))]} ms, max ${sorted[-1]} ms"
