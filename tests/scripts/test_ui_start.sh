#!/usr/bin/env bash
# The first screen (origin-doctor with no arguments on a terminal), driven
# in tmux: a newcomer's path to an exported report using only the keys the
# screen hints at; Open a saved report (errors stay on the screen); Import
# a distribution config (skipped origins, the Host question); leaving a lab
# stops its origin; Ctrl-C restores the terminal and exits 130.
# Usage: test_ui_start.sh /path/to/origin-doctor
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init start "${1:-}"
FIX=$HERE/../fixtures/distconfig

# press SESSION KEY HINT: sends KEY only if the screen shows HINT (the
# on-screen text that tells a newcomer about this key)
press() {
    local s=$1 key=$2 hint=$3
    if settled "$s" | grep -qF -- "$hint"; then
        keys "$s" "$key"
    else
        fail "no on-screen hint '$hint' for the key $key"
        screen "$s"
        keys "$s" "$key"
    fi
}
# down_until SESSION TEXT MAX: Down (hinted as Up/Down) until TEXT shows
down_until() {
    local s=$1 text=$2 max=$3 i
    for ((i = 0; i < max; i++)); do
        settled "$s" | grep -qF -- "$text" && return 0
        press "$s" Down "Up/Down"
    done
    settled "$s" | grep -qF -- "$text"
}
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# ------------------------------------------------------------------
# 1. newcomer: first screen -> Practice lab -> wrong-order -> run ->
#    results -> export JSON, every key hinted on the screen
S=nc
start_ui $S 80x24
wait_for $S "What would you like to do?" && pass "first screen" || fail "no first screen without arguments"
for item in "New check" "Open a saved report" "Import a distribution config" "Practice lab"; do
    screen $S | grep -qF "$item" || fail "first screen lacks '$item'"
done
down_until $S "Start a local origin" 4 || fail "could not select Practice lab"
press $S Enter "Enter: select"
wait_for $S "Practice lab: choose a problem" && pass "lab list" || fail "no lab list"
screen $S | grep -qF "RSA leaf and its intermediate, everything right" || fail "lab list lacks descriptions"
down_until $S "wrong-order: the intermediates" 40 && pass "wrong-order selected with Down" || fail "wrong-order not reachable"
press $S Enter "Enter: start this lab"
wait_for $S "Review your answers" 20 && pass "lab prefills the review step" || fail "no review after choosing a lab"
screen $S | grep -qF "[lab: wrong-order]" || fail "title does not name the lab"
PORT=$(screen $S | sed -n 's/.*HTTPS port *\([0-9][0-9]*\).*/\1/p' | head -1)
[ -n "$PORT" ] && port_open "$PORT" && pass "lab origin listens on 127.0.0.1:$PORT" || fail "lab origin not listening"
press $S Enter "Enter: change it or Run"
wait_for $S "Finished in" 30 && pass "run finished" || fail "run did not finish"
press $S Enter "Enter: see the results"
wait_for $S "1 Findings" || fail "no results"
screen $S | grep -qF "CHAIN_WRONG_ORDER" && pass "results show CHAIN_WRONG_ORDER" || fail "no CHAIN_WRONG_ORDER"
press $S e "e export"
wait_for $S "Export the report" || fail "no export dialog"
press $S Enter "Enter: write"
wait_for $S "Exported the JSON report" && pass "exported with the default name" || fail "export not reported"
JSON=$(ls "$WORK"/origin-doctor-*.json 2>/dev/null | head -1)
[ -n "$JSON" ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['schema']=='origin-doctor/report/1'; assert any(f['id']=='CHAIN_WRONG_ORDER' for f in d['findings'])" "$JSON" \
    && pass "exported JSON parses back with the finding" || fail "exported JSON missing or wrong"
# leaving the lab (back to the first screen) stops its origin
press $S w "w wizard"
wait_for $S "Review your answers" || fail "w did not go back to the review"
for q in "Host header forwarded" "Which ports" "How does CloudFront talk" "What is the origin domain name?"; do
    press $S Escape "Esc"; wait_for $S "$q" 5 || fail "Esc did not reach '$q'"
done
press $S Escape "Esc: first screen"
wait_for $S "What would you like to do?" && pass "Esc from the first question returns to the first screen" || fail "no way back to the first screen"
screen $S | grep -qF "[lab:" && fail "title still names the lab"
port_open "$PORT" && fail "the lab origin still listens after leaving the lab" || pass "leaving the lab stopped its origin"
press $S q "q quit"
code=$(wait_exit $S)
[ "$code" = 1 ] && pass "quit with the last verdict's code" || fail "exit code '$code' (want 1)"

# ------------------------------------------------------------------
# 2. Open a saved report: errors name the problem and stay on the screen
S=op
printf '{"schema": "origin-doctor/report/1", "findings": [' >"$WORK/truncated.json"
printf '{"schema": "someone-else/9"}' >"$WORK/other.json"
start_ui $S 80x24
wait_for $S "What would you like to do?" || fail "open: no first screen"
down_until $S "Show a JSON report" 4 || fail "could not select Open a saved report"
press $S Enter "Enter: select"
wait_for $S "File name:" && pass "open prompt" || fail "no file name prompt"
keys $S "$WORK/missing.json"; press $S Enter "Enter: open"
wait_for $S "cannot read" && pass "missing file: error shown" || fail "no error for a missing file"
screen $S | grep -qF "No such file" || fail "the missing-file error does not say why"
keys $S C-u "$WORK/truncated.json" Enter
wait_for $S "is not a report this version can" && pass "truncated file: error shown" || fail "no error for a truncated report"
screen $S | grep -qiE "line|column|position|offset" || fail "the truncated-file error gives no position"
keys $S C-u "$WORK/other.json" Enter
wait_for $S "someone-else" && pass "unknown schema named in the error" || fail "unknown schema not named"
screen $S | grep -qF "Open a saved report" && pass "errors stay on the prompt" || fail "left the prompt after an error"
keys $S C-u "$JSON" Enter
wait_for $S "nothing was probed" && pass "opened report shown with the banner" || fail "saved report not shown"
screen $S | grep -qF "CHAIN_WRONG_ORDER" || fail "opened report lacks its finding"
keys $S q
code=$(wait_exit $S)
[ "$code" = 0 ] || fail "quitting an opened report: exit code '$code' (want 0)"

# ------------------------------------------------------------------
# 3. Import a distribution config: S3 origin skipped with its reason,
#    custom policies asked about
S=im
start_ui $S 80x24
wait_for $S "What would you like to do?" || fail "import: no first screen"
down_until $S "get-distribution-config" 4 || fail "could not select Import"
press $S Enter "Enter: select"
wait_for $S "File name:" || fail "no import prompt"
keys $S "$FIX/bad-port-zero.json" Enter
wait_for $S "HTTPSPort" && pass "bad config: error names the key" || fail "no error for a bad config"
keys $S C-u "$FIX/s3-origin.json" Enter
wait_for $S "Origins in" && pass "origin list" || fail "no origin list"
screen $S | grep -qF "s3-assets" && screen $S | grep -qF "skipped:" && pass "S3 origin shown as skipped" || fail "S3 origin not shown skipped"
# the custom origin is selected first; Up to the S3 one explains why it is skipped
press $S Up "Up/Down"
wait_for $S "s3-assets is skipped:" || fail "no skip reason for the selected S3 origin"
keys $S Enter
wait_for $S "cannot be diagnosed" && pass "choosing the S3 origin is refused with the reason" || fail "S3 origin choice not refused"
press $S Down "Up/Down"; press $S Enter "Enter: diagnose this origin"
wait_for $S "Review your answers" && pass "custom origin fills the review" || fail "custom origin did not fill the case"
screen $S | grep -qF "web.example.com" || fail "review lacks the origin's domain"
for q in "Host header forwarded" "Which ports" "How does CloudFront talk" "What is the origin domain name?" \
    "What would you like to do?"; do
    keys $S Escape; wait_for $S "$q" 5 || fail "import: Esc did not reach '$q'"
done
down_until $S "get-distribution-config" 4
press $S Enter "Enter: select"
wait_for $S "File name:" || fail "no import prompt (2)"
keys $S C-u "$FIX/custom-policy.json" Enter
wait_for $S "Origins in" || fail "custom-policy: no origin list"
press $S Enter "Enter: diagnose this origin"
wait_for $S "custom origin request policy" && pass "unknown custom policy: the user is asked" || fail "no Host question for a custom policy"
POLICY=$(python3 -c "
import json,sys
d=json.load(open(sys.argv[1])); c=d.get('DistributionConfig',d)
ids=[b.get('OriginRequestPolicyId') for b in [c['DefaultCacheBehavior']]+c.get('CacheBehaviors',{}).get('Items',[])]
print([i for i in ids if i][0])" "$FIX/custom-policy.json")
screen $S | tr -d '\n ' | grep -qF "$POLICY" && pass "the question shows the policy id" || fail "the question lacks the policy id $POLICY"
for ((i = 0; i < 5; i++)); do
    settled $S | grep -qF "custom origin request policy" || break
    press $S y "or y / n"
done
wait_for $S "Review your answers" || fail "no review after answering"
screen $S | grep -qE "Host forwarded +yes" && pass "answer yes: Host forwarded" || fail "answer not applied"
keys $S C-c
code=$(wait_exit $S)
[ "$code" = 130 ] && pass "Ctrl-C exits 130" || fail "Ctrl-C exit code '$code' (want 130)"
wait_gone $S "Review your answers" 5 && pass "terminal restored after Ctrl-C" || fail "screen not restored after Ctrl-C"

# ------------------------------------------------------------------
# The lab list at 80x24: the longest descriptions still end with the
# failure they expect.
S=ll
start_ui $S 80x24
wait_for $S "What would you like to do?" || fail "no first screen"
keys $S 4
wait_for $S "Practice lab: choose a problem" || fail "no lab list"
down_until $S "no-usable-certificate:" 60 || fail "the last lab is not reachable"
if settled $S | tr '\n' ' ' | tr -s ' ' | grep -qF "not only CloudFront (expected: TLS_NO_SHARED_CIPHER)"; then
    pass "a long lab description shows its expected failure"
else fail "the expected failure of the last lab is cut"; screen $S; fi
keys $S q

check_stderr
echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
