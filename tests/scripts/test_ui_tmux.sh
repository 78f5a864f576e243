#!/usr/bin/env bash
# Drives the real origin-doctor UI in tmux against the practice lab on
# 127.0.0.1: wizard, step screen, panes, export, resize, cancel, escaping.
# Usage: test_ui_tmux.sh /path/to/origin-doctor
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init test "${1:-}"

# start NAME ARGS...: a new window running the binary at 80x24
start() { local name=$1; shift; start_ui "$name" 80x24 "$@"; }
check() { if "$@"; then :; else return 1; fi; }

# ------------------------------------------------------------------
# 1. wrong-order: wizard back and forth, invalid port, run, panes,
#    export JSON + Markdown, resize.
S=wo
start $S --lab wrong-order
wait_for $S "Review your answers" || fail "review screen did not appear"
PORT=$(screen $S | sed -n 's/.*HTTPS port *\([0-9][0-9]*\).*/\1/p' | head -1)
[ -n "$PORT" ] && pass "review shows the lab's HTTPS port $PORT" || fail "no HTTPS port on the review screen"
# back through the questions: review -> host -> ports -> protocols -> domain
keys $S Escape; wait_for $S "Host header forwarded" || fail "Esc from review did not go to the Host question"
keys $S Escape; wait_for $S "Which ports" || fail "Esc did not go back to the ports question"
keys $S Escape; wait_for $S "How does CloudFront talk" || fail "no protocol question"
keys $S Escape; wait_for $S "What is the origin domain name?" || fail "no domain question"
screen $S | grep -qF "shop.example.test" && pass "domain field keeps the lab's answer" || fail "domain text not kept"
# an IP address is not accepted as the domain; the text stays
keys $S C-u "10.0.0.1"
wait_for $S "10.0.0.1" 3 || fail "typed text not shown"
screen $S | grep -qiE "IP address|not an IP|address" && pass "IP address rejected with a message" || fail "no message for an IP address"
keys $S Enter
sleep 0.2
screen $S | grep -qF "What is the origin domain name?" && pass "Enter refused on an invalid domain" || fail "moved on with an invalid domain"
keys $S C-u "shop.example.test" Enter
wait_for $S "How does CloudFront talk" || fail "Enter did not accept the domain"
keys $S Enter
wait_for $S "Which ports" || fail "Enter did not accept the protocols"
# ports: HTTP first; move to HTTPS and type an invalid one
keys $S Down C-u "22"
if wait_for $S "is not a port CloudFront can use" 3; then pass "invalid port message shown"; else fail "no invalid port message"; fi
screen $S | grep -qE "HTTPS port: +22( |$)" && pass "invalid port text kept" || fail "invalid port text not kept"
keys $S Enter; sleep 0.2
screen $S | grep -qF "Which ports" && pass "stays on the ports question while invalid" || fail "moved on with an invalid port"
keys $S C-u "$PORT" Enter
wait_for $S "Host header forwarded" || fail "ports not accepted"
keys $S Enter
wait_for $S "Review your answers" || fail "host answer did not lead to the review"
screen $S | grep -qE "HTTPS port +$PORT" || fail "review does not show the port"
keys $S Enter
wait_for $S "Finished in" 60 && pass "step screen finishes" || fail "run did not finish"
for step in "DNS" "TCP" "TLS" "HTTP"; do
    screen $S | grep -qF "$step" || fail "step screen lacks $step"
done
keys $S Enter
wait_for $S "1 Findings" || fail "results did not open"
screen $S | grep -qF "CHAIN_WRONG_ORDER" && pass "findings show the wrong order" || fail "no CHAIN_WRONG_ORDER in the verdict/findings"
keys $S 2
wait_for $S "WRONG ORDER" && pass "chain pane shows the wrong-order marker" || fail "no wrong-order marker in the chain pane"
keys $S 3
wait_for $S "Certificate 1 of" && pass "certificate pane" || fail "certificate pane missing"
screen $S | grep -qF "covered by" || fail "certificate pane does not show the name match"
keys $S 4
wait_for $S "CloudFront suite" || fail "cipher pane missing"
screen $S | grep -qF "accepted" && screen $S | grep -qF "refused" && pass "cipher pane has accepted and refused cells" \
    || fail "cipher pane lacks accepted/refused"
keys $S 5; wait_for $S "Status" || fail "HTTP pane missing"
keys $S 6; wait_for $S "Steps" || fail "log pane missing"
keys $S '?'; wait_for $S "Every key" && pass "help overlay" || fail "no help overlay"
screen $S | grep -qF "show this help" || fail "help lacks its own key"
keys $S Escape; wait_gone $S "Every key" || fail "help did not close"
# search within the log pane
keys $S / "TCP" Enter
wait_for $S "search: TCP" && pass "search" || fail "search not shown"
# export JSON
keys $S e; wait_for $S "Export the report" || fail "no export dialog"
keys $S C-u "$WORK/report.json" Enter
wait_for $S "Exported the JSON report" && pass "JSON export reported" || fail "JSON export not reported"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['schema']=='origin-doctor/report/1'; assert any(f['id']=='CHAIN_WRONG_ORDER' for f in d['findings'])" "$WORK/report.json" \
    && pass "exported JSON parses back" || fail "exported JSON does not parse or lacks the finding"
"$BIN" --open "$WORK/report.json" --batch >"$WORK/reopen.txt" 2>&1
[ $? -eq 1 ] && grep -q "CHAIN_WRONG_ORDER\|wrong order\|out of order" "$WORK/reopen.txt" && pass "origin-doctor --open reads the export" \
    || fail "--open --batch of the export failed"
# export again to the same name: overwrite question
keys $S e; wait_for $S "Export the report" || fail "no export dialog (2)"
keys $S C-u "$WORK/report.json" Enter
wait_for $S "Overwrite it?" && pass "overwrite is confirmed first" || fail "no overwrite confirmation"
keys $S n; wait_for $S "not overwritten" || fail "declining overwrite not reported"
# Markdown
keys $S C-u "$WORK/report.md" Tab Space Enter
wait_for $S "Exported the Markdown report" && pass "Markdown export" || fail "Markdown export not reported"
[ -s "$WORK/report.md" ] && grep -q "CHAIN_WRONG_ORDER\|order" "$WORK/report.md" || fail "Markdown file missing or empty"
# resize
tmux -L "$SOCK" resize-window -t $S -x 60 -y 20
wait_for $S "enlarge the window" && pass "small window asks to enlarge" || fail "no enlarge message at 60x20"
tmux -L "$SOCK" resize-window -t $S -x 200 -y 60
wait_for $S "6 Log" && wait_gone $S "enlarge" && pass "redraw at 200x60" || fail "no redraw at 200x60"
[ "$(screen $S | wc -l)" -ge 60 ] || fail "screen not 60 lines"
tmux -L "$SOCK" resize-window -t $S -x 80 -y 24
wait_for $S "6 Log" && pass "redraw at 80x24" || fail "no redraw at 80x24"
screen $S | tail -1 | grep -qF "q quit" && pass "status bar shows the main keys" || fail "status bar missing"
keys $S q
code=$(wait_exit $S)
[ "$code" = 1 ] && pass "quit with the verdict's exit code 1" || fail "exit code after q was '$code' (want 1)"
[ -s "$WORK/$S.err" ] && { echo "stderr of the UI:"; cat "$WORK/$S.err"; }

# ------------------------------------------------------------------
# 2. wrong-name: the mismatching name; quitting asks when nothing was exported
S=wn
start $S --lab wrong-name
wait_for $S "Run the checks" || fail "wrong-name: no review"
keys $S Enter
wait_for $S "Finished in" 60 || fail "wrong-name: run did not finish"
keys $S Enter
wait_for $S "CERT_NAME_MISMATCH" && pass "wrong-name finding" || fail "wrong-name: no CERT_NAME_MISMATCH"
keys $S 3
wait_for $S "NOT COVERED" && pass "certificate pane shows the mismatching name" || fail "no NOT COVERED in certificate pane"
keys $S q
wait_for $S "Nothing was exported" && pass "quit asks when nothing was exported" || fail "quit did not ask"
keys $S y
code=$(wait_exit $S)
[ "$code" = 1 ] || fail "wrong-name exit code '$code' (want 1)"

# ------------------------------------------------------------------
# 3. cancel a run against a silent origin: partial results kept
S=si
start $S --lab silent --timeout 30
wait_for $S "Run the checks" || fail "silent: no review"
keys $S Enter
wait_for $S "running" 10 || fail "silent: no running step"
keys $S Escape
wait_for $S "Cancelled" 20 && pass "cancel stops the run" || fail "cancel did not finish the run"
screen $S | grep -qF "pass" && pass "finished steps kept after cancel" || fail "no finished step kept"
keys $S Enter
wait_for $S "Cancelled run" && pass "results show a cancelled run" || fail "results do not say cancelled"
keys $S 6
wait_for $S "untested" && pass "unfinished steps are untested" || fail "no untested step in the log"
keys $S q; wait_for $S "Quit anyway" 3 && keys $S y
code=$(wait_exit $S)
[ "$code" = 0 ] || [ "$code" = 1 ] || fail "silent exit code '$code'"

# ------------------------------------------------------------------
# 4. a certificate subject with an escape sequence is shown escaped
if [ -s "$WORK/report.json" ]; then
    python3 - "$WORK/report.json" "$WORK/evil.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["certificates"][0]
c["subject"] = "CN=evil\u001b[2J\u001b]0;pwned\u0007,O=x"
c["common_names"] = ["evil\u001b[31mred"]
json.dump(d, open(sys.argv[2], "w"))
PY
    S=ev
    start $S --open "$WORK/evil.json"
    wait_for $S "nothing was probed" && pass "saved report banner" || fail "no saved-report banner"
    keys $S 3
    wait_for $S "Certificate 1 of" || fail "escape: no certificate pane"
    screen $S | grep -qF 'evil\e[2J' && pass "escape sequence in the subject shown escaped" || fail "subject escape not visible as text"
    screen $S | grep -qF 'evil\e[31mred' || fail "common name escape not visible as text"
    screen $S | grep -qF "1 Findings" || fail "screen was cleared by an escape sequence"
    keys $S q
    code=$(wait_exit $S)
    [ "$code" = 0 ] || fail "--open exit code '$code' (want 0)"
fi

# ------------------------------------------------------------------
# 5. ASCII fallback when the locale is not UTF-8, and no colour
if [ -s "$WORK/report.json" ]; then
    S=as
    tmux -L "$SOCK" new-session -d -s $S -x 80 -y 24 \
        "cd $WORK && env TERM=xterm-256color LANG=C LC_ALL=C NO_COLOR=1 $(printf '%q' "$BIN") --open report.json 2>$WORK/$S.err; echo \$? > $WORK/$S.exit; sleep 600"
    wait_for $S "1 Findings" || fail "ascii: no results"
    screen $S | head -1 | grep -qE "^ x FAIL" && pass "ASCII marks without a UTF-8 locale" || fail "no ASCII verdict mark"
    keys $S q; wait_exit $S >/dev/null
fi

# sanitizer or valgrind reports land in the captured stderr of each session
for f in "$WORK"/*.err; do
    if grep -qE "AddressSanitizer|LeakSanitizer|runtime error|Invalid (read|write)|definitely lost" "$f"; then
        fail "sanitizer report in $(basename "$f")"; cat "$f"
    fi
done
echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
