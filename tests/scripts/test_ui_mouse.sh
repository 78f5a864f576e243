#!/usr/bin/env bash
# Mouse clicks (SGR mouse reports, as xterm and tmux send them) select panes
# and rows: a click on a pane's tab opens it, a click on a finding selects it.
# Usage: test_ui_mouse.sh /path/to/origin-doctor
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init mouse "${1:-}"

# column of the first occurrence of TEXT on screen row ROW (1-based)
column_of() {
    screen "$1" | sed -n "${3}p" | awk -v t="$2" '{ i = index($0, t); print (i ? i : 0) }'
}

start_ui m 80x24 --lab wrong-order
if wait_for m "Run the checks" 15; then
    keys m r
    wait_for m "Enter: see the results" 20 && keys m Enter
    if wait_for m "1 Findings" 10; then
        col=$(column_of m "4 Ciphers" 2)
        [ "$col" -gt 0 ] || fail "no Ciphers tab on row 2"
        click m $((col + 2)) 2
        if wait_for m "CloudFront suite" 5; then pass "click on the Ciphers tab opens the pane"; else fail "tab click"; fi
        col=$(column_of m "1 Findings" 2)
        click m $((col + 2)) 2
        wait_for m "CHAIN_WRONG_ORDER (fail)" 5 || fail "click on the Findings tab"
        # the second finding's row: a click selects it and its detail shows
        row=$(screen m | grep -n "INFO" | head -1 | cut -d: -f1)
        if [ -n "$row" ]; then
            click m 3 "$row"
            if wait_for m "VANTAGE_POINT (info)" 5; then pass "click on a row selects the finding"; else fail "row click"; fi
        else
            fail "no INFO finding row on screen"
        fi
    else
        fail "results did not appear"
    fi
else
    fail "the review step did not appear"
fi
keys m q
wait_for m "Nothing was exported" 5 && keys m y
check_stderr
echo "ui_mouse: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
