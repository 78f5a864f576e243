#!/usr/bin/env bash
# The smaller items of issue 12, each checked on the real UI in tmux:
# search forward and into the detail, "Esc cancel" gone once the run ended,
# no "required" before anything is typed, only the ports and protocols the
# policy uses, a pasted URL gives its host, Alt keys and Esc keep the typed
# domain, ellipsis where text is cut, warning colours that read on light
# backgrounds.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init small "${1:-}"
export HOME=$WORK   # "~" in the file prompts is this folder
mkdir -p "$WORK/reports"
"$BIN" --lab healthy --batch --json "$WORK/reports/saved-report.json" >/dev/null 2>&1 </dev/null

# --- the file prompt: ~ and Tab completion ---------------------------------
S=p
start_ui $S 100x30
wait_for $S "Open a saved report" || fail "no first screen"
keys $S 2
wait_for $S "Tab complete" 5 || fail "no Tab hint on the file prompt"
keys $S "~/rep" Tab
wait_for $S "~/reports/" 5 && pass "Tab completes a folder after ~/" || fail "Tab did not complete ~/rep"
keys $S "sa" Tab
wait_for $S "~/reports/saved-report.json" 5 && pass "Tab completes the file name" || fail "Tab did not complete the file"
keys $S Enter
wait_for $S "saved report of" 10 && pass "the ~ path opens" || fail "the ~ path did not open"
keys $S q

# --- the first question: nothing typed, Alt, paste, Esc -------------------
S=q
start_ui $S 100x30
wait_for $S "New check" || fail "no first screen"
keys $S 1
wait_for $S "What is the origin domain name?" || fail "no domain question"
settled $S | grep -qi "required" && fail "'required' shown before anything was typed" \
    || pass "no 'required' before anything is typed"
keys $S Enter
wait_for $S "required" 5 && pass "after Enter on an empty answer it says what is missing" \
    || fail "no message after Enter on an empty answer"
keys $S "keep.example.test"
wait_for $S "keep.example.test" 5
keys $S M-x
sleep 0.3
settled $S | grep -qF "What is the origin domain name?" && screen $S | grep -qF "keep.example.test" \
    && pass "an Alt key neither leaves the question nor drops the typed domain" || fail "an Alt key left the question"
keys $S Escape
wait_for $S "New check" 5 || fail "Esc did not go back to the first screen"
keys $S 1
wait_for $S "What is the origin domain name?" 5
screen $S | grep -qF "keep.example.test" && pass "Esc and back: the typed domain is still there" \
    || fail "the typed domain was thrown away by Esc"
# a pasted URL gives its host
keys $S C-u "https://paste.example.test:8443/some/path?x=1" Enter
wait_for $S "How does CloudFront talk" 5 && pass "a pasted URL is accepted" || fail "a pasted URL was refused"
# HTTP only: no SSL protocols to choose
keys $S Down
wait_for $S "HTTP only" 5
keys $S Space
wait_for $S "no SSL protocols to choose" 5 && pass "HTTP only hides the SSL protocols" \
    || fail "the SSL protocols are asked under HTTP only"
keys $S Up Space
sleep 0.2
keys $S Enter
wait_for $S "Which ports" 5 || fail "no ports question"
if settled $S | grep -qF "HTTP port:"; then fail "the HTTP port is asked under HTTPS only"
else pass "HTTPS only asks for the HTTPS port only"; fi
keys $S Enter
wait_for $S "Host header forwarded" 5
keys $S Enter
wait_for $S "Review your answers" 5
screen $S | grep -qE "Origin domain +paste.example.test$|Origin domain +paste.example.test " \
    && pass "the review shows the host taken from the URL" || fail "the URL's host is not the domain"
keys $S q
keys $S y 2>/dev/null

# --- the run and the panes -----------------------------------------------
S=r
start_ui $S 80x24 --lab cname-not-covered
wait_for $S "F5 run" || fail "no review"
keys $S F5
wait_for $S "Enter: see the results" 30 || fail "the run did not finish"
settled $S | tail -1 | grep -q "cancel" && fail "'Esc cancel' still shown after the run ended" \
    || pass "no 'Esc cancel' once the run has ended"
# warnings in a colour that reads on a light background (256 colours):
# the HTTP step of the name CloudFront cannot use is a warning
if tm capture-pane -e -p -t $S | grep -F "warn" | grep -q "38;5;166"; then
    pass "warnings in dark orange (colour 166), not yellow"
else fail "warnings not in the light-background colour"; tm capture-pane -e -p -t $S | grep -F warn | cat -v; fi
keys $S Enter
wait_for $S "Findings" 5
# the verdict bar is longer than 80 columns: cut with an ellipsis
screen $S | head -1 | grep -q "…" && pass "the verdict bar ends in an ellipsis where it is cut" \
    || fail "the verdict bar is cut without an ellipsis"
# search: forward from the selection, and into the detail beside the list
keys $S /
wait_for $S "/" 3
keys $S "sha256" Enter
sleep 0.3
settled $S | grep -qE "^Findings detail [0-9]+/" && pass "/ finds text in the detail beside the list" \
    || { fail "/ did not search the detail"; screen $S | tail -3; }
keys $S Escape g
keys $S /
keys $S "PASS" Enter
sleep 0.3
pos=$(settled $S | grep -oE "^Findings [0-9]+/[0-9]+" | head -1)
first=$(settled $S | grep -nE "✔ PASS" | head -1 | cut -d: -f1)
[ "$pos" = "Findings 3/5" ] && pass "/ searches forward from the selection ($pos)" \
    || fail "/ did not go to the next PASS row forward ($pos)"

# --- --distribution-config with several origins and no --origin-id -------
S=d
start_ui $S 100x30 --distribution-config "$OD_SOURCE_DIR/tests/fixtures/distconfig/mixed-behaviors.json"
if wait_for $S "Origins in" 10 && screen $S | grep -q "legacy-api"; then
    pass "--distribution-config without --origin-id opens the origin picker"
else fail "no origin picker for --distribution-config"; fi
keys $S q

# --- progress on standard error for --batch, when it is a terminal --------
script -qec "$(printf '%q' "$BIN") --lab healthy --batch >/dev/null" "$WORK/typescript" >/dev/null 2>&1 </dev/null
grep -q "checks done" "$WORK/typescript" && pass "--batch shows progress on a terminal's standard error" \
    || fail "no progress on standard error"
"$BIN" --lab healthy --batch >/dev/null 2>"$WORK/batch.err" </dev/null
grep -q "checks done" "$WORK/batch.err" && fail "progress written into a file" || pass "no progress into a file"
script -qec "$(printf '%q' "$BIN") --distribution-config $(printf '%q' "$OD_SOURCE_DIR/tests/fixtures/distconfig/mixed-behaviors.json") --all-origins --batch --resolve '*:443:127.0.0.1' --resolve '*:8443:127.0.0.1' --resolve '*:80:127.0.0.1' --timeout 2 --response-timeout 2 >/dev/null" \
    "$WORK/typescript2" >/dev/null 2>&1 </dev/null
grep -q "checks done" "$WORK/typescript2" && pass "--all-origins shows progress on a terminal's standard error" \
    || fail "no progress for --all-origins"

# --- an --all-origins report opens in the UI as a list of origins --------
"$BIN" --distribution-config "$OD_SOURCE_DIR/tests/fixtures/distconfig/mixed-behaviors.json" --all-origins --batch \
    --resolve '*:443:127.0.0.1' --resolve '*:8443:127.0.0.1' --resolve '*:80:127.0.0.1' --timeout 2 \
    --response-timeout 2 --json "$WORK/multi.json" >/dev/null 2>&1 </dev/null
S=m
start_ui $S 120x30 --open "$WORK/multi.json"
if wait_for $S "Distribution report" 10 && screen $S | grep -q "legacy-api"; then
    pass "an --all-origins report opens as a list of its origins"
else fail "the --all-origins report does not open in the UI"; fi
keys $S Enter
wait_for $S "saved report of shop-origin.example.com" 10 && pass "Enter opens that origin's report" \
    || fail "Enter did not open the origin's report"
keys $S o
wait_for $S "Distribution report" 5 && pass "o goes back to the origins" || fail "o did not go back to the list"
keys $S q

check_stderr
echo "ui_small: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
