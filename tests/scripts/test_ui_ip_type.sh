#!/usr/bin/env bash
# The wizard asks the IP address type (IpAddressType) beside the protocol
# policy: chosen with the keyboard or the mouse, shown on the review, opened
# again from it, and used by the run (an IPv4-only origin under ipv6 fails).
# Usage: test_ui_ip_type.sh /path/to/origin-doctor
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init ip-type "${1:-}"

# ROW:COLUMN (1-based) of the first occurrence of TEXT on screen
where() {
    screen "$1" | awk -v t="$2" '{ i = index($0, t); if (i) { print NR ":" i; exit } }'
}
# the radio mark "(*)" or "( )" in front of LABEL
mark_of() {
    screen "$1" | grep -oE "\((\*| )\) $2" | head -1 | cut -c2
}

# --- the keyboard, the review, the run (80x24: the step must fit) ----------
S=k
start_ui $S 80x24 --lab healthy
wait_for $S "Run the checks" 15 || fail "no review for the lab"
settled $S | grep -qE "IP address type +IPv4 \(the default\)" && pass "the review shows the default IPv4" \
    || fail "no IP address type on the review"
row=$(where $S "IP address type" | cut -d: -f1)
run_row=$(where $S "Run the checks" | cut -d: -f1)
# from Run, Up to the IP address type line
for _ in $(seq $((run_row - row - 1))); do keys $S Up; done
keys $S Enter
wait_for $S "How does CloudFront talk" 5 || fail "Enter on the review line did not open the question"
if settled $S | grep -qF "Dual-stack (IPv4 and IPv6)"; then pass "the three IP address types fit 80x24"
else fail "the IP address types do not fit 80x24"; screen $S; fi
# the focus is on the current answer (IPv4): Down, Space picks IPv6
keys $S Down Space
sleep 0.2
[ "$(mark_of $S IPv6)" = "*" ] && [ "$(mark_of $S "HTTPS only")" = "*" ] \
    && pass "Enter on the review line focuses the IP address type; Space picks IPv6" \
    || { fail "IPv6 not chosen from the review"; screen $S; }
keys $S Enter
wait_for $S "Review your answers" 5 || fail "no way back to the review"
settled $S | grep -qE "IP address type +IPv6" && pass "the review shows IPv6" || fail "the review lost IPv6"
keys $S F5
wait_for $S "Enter: see the results" 30 || fail "the run did not finish"
keys $S Enter
if wait_for $S "DNS_NO_ADDRESS_OF_TYPE" 10; then pass "the run used IPv6: the IPv4-only lab origin has no address of the type"
else fail "the IP address type did not reach the run"; screen $S; fi
keys $S q
wait_for $S "Nothing was exported" 5 && keys $S y

# --- the mouse: two choices on one row ------------------------------------
S=m
start_ui $S 80x24
wait_for $S "New check" || fail "no first screen"
keys $S 1
wait_for $S "What is the origin domain name?" 5 || fail "no domain question"
keys $S "mouse.example.test" Enter
wait_for $S "How does CloudFront talk" 5 || fail "no protocols question"
rc=$(where $S "Dual-stack")
click $S "${rc#*:}" "${rc%:*}"
sleep 0.3
[ "$(mark_of $S "Dual-stack")" = "*" ] && [ "$(mark_of $S "HTTPS only")" = "*" ] \
    && pass "a click on Dual-stack chooses it and leaves the policy" \
    || { fail "click on Dual-stack"; screen $S; }
rc=$(where $S "Match viewer")
click $S "${rc#*:}" "${rc%:*}"
sleep 0.3
[ "$(mark_of $S "Match viewer")" = "*" ] && [ "$(mark_of $S "Dual-stack")" = "*" ] \
    && pass "a click on Match viewer, on the same row, chooses the policy only" \
    || { fail "click on Match viewer"; screen $S; }
keys $S Escape Escape
wait_for $S "New check" 5 || keys $S q

check_stderr
echo "ui_ip_type: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
