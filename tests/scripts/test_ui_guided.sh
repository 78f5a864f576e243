#!/usr/bin/env bash
# A guided session walked end to end in tmux on the practice lab's
# wrong-order and cname-not-covered origins, each key sent only when its
# hint is on the screen: the first check introduced before anything runs,
# then each result explained and the next check introduced, back (Esc),
# opening another check (Up), the copy key (OSC 52 into tmux's buffer and
# the unwrapped fallback screen), and the verdict page.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init guided "${1:-}"

# press S HINT KEY WANT: waits for HINT, sends KEY, waits for WANT
press() {
    local s=$1 hint=$2 key=$3 want=$4
    wait_for "$s" "$hint" 10 || { fail "hint '$hint' not on screen"; return 1; }
    keys "$s" "$key"
    wait_for "$s" "$want" 10 || { fail "after $key: '$want' did not appear"; return 1; }
}

walk() {
    local lab=$1 cause=$2 plain=$3 S=g-$1
    start_ui "$S" 100x30 --lab "$lab" --guided
    tm set -g set-clipboard on
    press "$S" "F5 run" F5 "Check 1 of" || return
    # nothing has run yet: the first check is introduced first
    screen "$S" | grep -qF "Enter: run the checks" && pass "$lab: check 1 is introduced before the run" \
        || fail "$lab: check 1 is not introduced before the run"
    screen "$S" | grep -qF "dig +short" && pass "$lab: the DNS check shows the customer's command" \
        || fail "$lab: no command on the DNS introduction"
    press "$S" "Enter: run the checks" Enter "What we saw" || return
    local k=1 pages=0 saw_cause=0 saw_plain=0
    while [ $pages -lt 60 ]; do
        pages=$((pages + 1))
        local sc
        sc=$(settled "$S")
        printf '%s\n' "$sc" | grep -qF "$cause" && saw_cause=1
        printf '%s\n' "$sc" | grep -qF "$plain" && saw_plain=1
        if printf '%s\n' "$sc" | grep -qF "Next (Enter): the verdict."; then
            press "$S" "Next (Enter): the verdict." Enter "The verdict" || return
            break
        fi
        k=$((k + 1))
        press "$S" "Next (Enter): check $k of" Enter "Check $k of" || return
        # an introduction: what CloudFront does, a command, then Enter for the result
        printf '%s\n' "$(settled "$S")" | grep -qF "What CloudFront does:" || fail "$lab: check $k has no introduction"
        press "$S" "Enter: see what the origin answered." Enter "Check $k of" || return
        wait_for "$S" "Next (Enter):" 10 || { fail "$lab: check $k shows no result"; return; }
    done
    [ $saw_cause -eq 1 ] && pass "$lab: a result names $cause" || fail "$lab: no result names $cause"
    [ $saw_plain -eq 1 ] && pass "$lab: a result says '$plain'" || fail "$lab: no result says '$plain'"
    [ $k -ge 6 ] && pass "$lab: walked $k checks one at a time" || fail "$lab: only $k checks"
    settled "$S" | grep -qF "CloudFront would FAIL" && pass "$lab: the verdict page gives the verdict" \
        || fail "$lab: no verdict on the last page"
    # back: from the verdict to the last check's result, then to its introduction
    press "$S" "Esc back" Escape "Next (Enter): the verdict." || return
    press "$S" "Esc back" Escape "What CloudFront does:" || return
    pass "$lab: Esc goes back a page at a time"
    # any check can be opened: Up opens the one above
    local before
    before=$(settled "$S" | grep -o "Check [0-9]* of" | head -1)
    keys "$S" Up
    wait_gone "$S" "$before" 5 && pass "$lab: Up opens the check above ($before -> another)" \
        || fail "$lab: Up did not open another check"
    # the copy key: OSC 52 lands in tmux's buffer; the fallback shows it alone
    press "$S" "c copy" c "Press Enter to go back." || return
    local buf
    buf=$(tm show-buffer 2>/dev/null)
    case "$buf" in
    "openssl "* | "dig "* | "nc "* | "curl "*) pass "$lab: c put the command on the clipboard (OSC 52): $buf" ;;
    *) fail "$lab: the clipboard holds '$buf'" ;;
    esac
    # -J joins what the terminal soft-wrapped: a command longer than the
    # screen is still one line of its own
    tm capture-pane -p -J -t "$S" | grep -qxF -- "$buf" && pass "$lab: the fallback shows the command on a line of its own" \
        || fail "$lab: the fallback does not show the command alone"
    press "$S" "Press Enter to go back." Enter "Check" || return
    keys "$S" q
}

walk wrong-order CHAIN_WRONG_ORDER "No: CloudFront cannot verify the certificate"
walk cname-not-covered CERT_NAME_MISMATCH "No: CloudFront cannot use this connection for the name"

check_stderr
echo "ui_guided: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
