#!/usr/bin/env bash
# The short summary (--summary in batch, s in the UI) and the copy key in
# the result panes: on the practice lab's wrong-order origin.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init summary "${1:-}"

"$BIN" --lab wrong-order --batch --summary --json "$WORK/r.json" >"$WORK/sum.txt" 2>"$WORK/err.txt" </dev/null
rc=$?
lines=$(wc -l <"$WORK/sum.txt")
[ $rc -eq 1 ] && pass "--summary keeps the verdict's exit code (1)" || fail "--summary exit code $rc"
[ "$lines" -ge 3 ] && [ "$lines" -lt 10 ] && pass "--summary is $lines lines (under 10)" || fail "--summary is $lines lines"
grep -q "CloudFront would FAIL" "$WORK/sum.txt" && pass "the summary gives the verdict" || fail "no verdict in the summary"
grep -q "CHAIN_WRONG_ORDER: .*Fix: " "$WORK/sum.txt" && pass "the failing cause with its one-line fix" \
    || fail "no cause with its fix"
date=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["generated_at"])' "$WORK/r.json")
grep -qF "$date" "$WORK/sum.txt" && pass "the summary is dated ($date)" || fail "no date in the summary"
grep -q "Findings\|Evidence" "$WORK/sum.txt" && fail "the full report was printed" || pass "not the full report"

# Evidence in words in the reports: no raw JSON, a certificate as its
# subject and names (issue 12: certificate: {"subject":...} before)
"$BIN" --lab cname-not-covered --batch --report "$WORK/c.md" >"$WORK/c.txt" 2>/dev/null </dev/null
for f in c.md c.txt; do
    if grep -qF '{"' "$WORK/$f"; then fail "$f: raw JSON in the evidence"; grep -F '{"' "$WORK/$f" | head -3
    else pass "$f: no raw JSON"; fi
    grep -qE "certificate subject +\|? *CN=www.shop.test" "$WORK/$f" && grep -qE "certificate names +\|? *www.shop.test, origin.shop.test" "$WORK/$f" \
        && pass "$f: the certificate as subject and names lines" || fail "$f: no certificate subject/names lines"
done

S=s
start_ui $S 100x30 --lab wrong-order
tm set -g set-clipboard on
wait_for $S "F5 run" || fail "no run hint"
keys $S F5
wait_for $S "Enter: see the results" 30 || fail "the run did not finish"
keys $S Enter
wait_for $S "s summary" || fail "no summary hint in the results"
keys $S s
if wait_for $S "Short summary" 5 && screen $S | grep -q "CHAIN_WRONG_ORDER"; then
    pass "s shows the short summary"
else
    fail "s does not show the summary"
fi
keys $S Escape
wait_gone $S "Short summary" 5 || fail "Esc did not close the summary"
# the copy key: the selected finding's command, through OSC 52, whole
wait_for $S "c copy" || fail "no copy hint"
keys $S c
wait_for $S "Press Enter to go back." 5 || fail "no copy fallback screen"
want=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); f=[f for f in r["findings"] if f["id"]=="CHAIN_WRONG_ORDER"][0]; print(f["reproduce"])' "$WORK/r.json" \
       | sed 's/:[0-9][0-9]*/:PORT/g; s#origin-doctor-lab-[A-Za-z0-9]*#LAB#g')
# each lab run has its own port and trust-store folder
got=$(tm show-buffer 2>/dev/null | sed 's/:[0-9][0-9]*/:PORT/g; s#origin-doctor-lab-[A-Za-z0-9]*#LAB#g')
[ -n "$got" ] && [ "$got" = "$want" ] && pass "c copies the finding's command whole (OSC 52)" \
    || fail "clipboard '$got', expected '$want'"
keys $S Enter
wait_for $S "copied" 5 && pass "back in the panes after the copy" || fail "not back after the copy"

check_stderr
echo "summary: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
