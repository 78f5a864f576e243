#!/usr/bin/env bash
# Saved reports in the UI, driven in tmux against the practice lab:
#  1. a live run and the same report reopened with --open show the same
#     text in every pane (Findings and each finding's detail, Chain,
#     Certificate and each certificate, Ciphers, HTTP, Log);
#  2. r on a reopened report reruns the case live and shows what changed
#     (the lab origin of the live session is still running);
#  3. a certificate subject with ESC [2J / ESC [31m is shown escaped, and so
#     are its issuer and AIA URLs (caIssuers, OCSP) with OSC and BEL.
# Usage: test_ui_open.sh /path/to/origin-doctor
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init open "${1:-}"

LINES_=60
# wait_pos SESSION REGEX: the position line under the panes matches
wait_pos() {
    local s=$1 re=$2 i
    for ((i = 0; i < 200; i++)); do
        screen "$s" | sed -n "$((LINES_ - 1))p" | grep -qE -- "$re" && return 0
        sleep 0.05
    done
    fail "position line of $s never matched '$re'"; screen "$s" | tail -3
    return 1
}
# The pane text without what legitimately differs: the saved-report banner
# (between the verdict and the tabs), the message/position and status lines.
pane_text() {
    settled "$1" | awk -v last=$((LINES_ - 2)) '
        NR == 1 { print; next }
        /^ 1 Findings \(/ { tabs = 1 }
        tabs && NR <= last { line[++n] = $0 }
        END {
            # the panes are one row shorter under the banner: drop the
            # empty rows (blank, or only the split line) at the bottom
            while (n > 0) { t = line[n]; gsub(/│/, "", t); if (t !~ /^ *$/) break; n-- }
            for (i = 1; i <= n; i++) print line[i]
        }'
}
# capture_all SESSION DIR NFINDINGS NCERTS
capture_all() {
    local s=$1 d=$2 nf=$3 nc=$4 i
    mkdir -p "$d"
    keys $s 1; wait_pos $s "^Findings 1/"
    for ((i = 1; i <= nf; i++)); do
        pane_text $s >"$d/finding-$i"
        keys $s j; [ $i -lt $nf ] && wait_pos $s "^Findings $((i + 1))/"
    done
    keys $s 2; wait_pos $s "^Chain "
    pane_text $s >"$d/chain"
    keys $s 3; wait_pos $s "^Certificate 1/"
    for ((i = 1; i <= nc; i++)); do
        pane_text $s >"$d/cert-$i"
        keys $s j; [ $i -lt $nc ] && wait_pos $s "^Certificate $((i + 1))/"
    done
    keys $s 4; wait_pos $s "^Ciphers "; pane_text $s >"$d/ciphers"
    keys $s 5; wait_pos $s "^HTTP "; pane_text $s >"$d/http"
    keys $s 6; wait_pos $s "^Log "; pane_text $s >"$d/log"
}

# ------------------------------------------------------------------
# 1. live run of wrong-order, every pane captured, then exported
L=live
start_ui $L 200x$LINES_ --lab wrong-order
wait_for $L "Run the checks" 20 || fail "live: no review"
keys $L Enter
wait_for $L "Finished in" 30 || fail "live: run did not finish"
keys $L Enter
wait_for $L "1 Findings" || fail "live: no results"
NF=$(screen $L | sed -n 's/.* 1 Findings (\([0-9]*\)).*/\1/p' | head -1)
[ -n "$NF" ] && [ "$NF" -gt 0 ] || fail "live: no finding count in the tab"
# certificates in the list of the Certificate pane
keys $L 3; wait_pos $L "^Certificate 1/"
NC=$(screen $L | sed -n "$((LINES_ - 1))p" | sed -n 's/^Certificate 1\/\([0-9]*\).*/\1/p')
capture_all $L "$WORK/live" "${NF:-1}" "${NC:-1}"
keys $L e; wait_for $L "Export the report" || fail "live: no export dialog"
keys $L C-u "$WORK/wo.json" Enter
wait_for $L "Exported the JSON report" || fail "live: export failed"

# 2. the export reopened: the same text pane by pane
O=reopen
start_ui $O 200x$LINES_ --open "$WORK/wo.json"
wait_for $O "nothing was probed" || fail "reopen: no banner"
capture_all $O "$WORK/open" "${NF:-1}" "${NC:-1}"
n=0
for f in "$WORK"/live/*; do
    name=$(basename "$f")
    n=$((n + 1))
    [ -s "$f" ] || fail "live capture $name is empty"
    if diff -u "$f" "$WORK/open/$name" >"$WORK/$name.diff"; then :; else
        fail "pane '$name' differs between the live run and the reopened report:"; cat "$WORK/$name.diff"
    fi
done
[ "$n" -ge 7 ] && [ "$FAILS" -eq 0 ] && pass "all $n pane views identical live and reopened ($NF findings, $NC certificates)"
grep -qF "CHAIN_WRONG_ORDER" "$WORK/live/finding-1" || fail "the compared Findings view lacks CHAIN_WRONG_ORDER"
grep -qF "WRONG ORDER" "$WORK/live/chain" || fail "the compared Chain view lacks the wrong-order marker"
grep -qF "accepted" "$WORK/live/ciphers" || fail "the compared Ciphers view lacks accepted cells"
keys $O q
code=$(wait_exit $O)
[ "$code" = 0 ] || fail "reopen: exit code '$code'"

# ------------------------------------------------------------------
# 3. r on a reopened report: rerun live (the live session keeps the lab
#    origin running) and show the changes. The saved copy is edited: the
#    wrong-order finding removed, a pass finding made a warning, an extra
#    failure added.
CHANGED=$(python3 - "$WORK/wo.json" "$WORK/edited.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["findings"] = [f for f in d["findings"] if f["id"] != "CHAIN_WRONG_ORDER"]
changed = next(f for f in d["findings"] if f["severity"] == "pass")
changed["severity"] = "warn"
d["findings"].append({"id": "FAKE_GONE", "severity": "fail", "title": "a failure that is gone",
                      "detail": "only in the saved copy", "names": ["shop.example.test"], "evidence": {},
                      "fix": [], "reproduce": ""})
json.dump(d, open(sys.argv[2], "w"))
print(changed["id"])
PY
)
S=rerun
start_ui $S 80x24 --open "$WORK/edited.json"
wait_for $S "nothing was probed" || fail "rerun: no banner"
screen $S | grep -qF "r: run live" || fail "rerun: the banner does not hint at r"
screen $S | grep -qF "CHAIN_WRONG_ORDER" && fail "rerun: the edited report still has CHAIN_WRONG_ORDER"
keys $S r
wait_for $S "Finished in" 30 && pass "r reruns the saved case live" || fail "rerun did not finish"
keys $S Enter
wait_for $S "Changes since the saved report" && wait_for $S "3 changes;" && pass "changes section at the top of Findings" || fail "no changes section"
screen $S | grep -qF "+ CHAIN_WRONG_ORDER fail" && pass "appeared: CHAIN_WRONG_ORDER" || fail "CHAIN_WRONG_ORDER not shown as appeared"
screen $S | grep -qF "~ $CHANGED warn->pass" && pass "changed severity: $CHANGED" || fail "severity change of $CHANGED not shown"
screen $S | grep -qF -- "- FAKE_GONE fail" && pass "disappeared: FAKE_GONE" || fail "FAKE_GONE not shown as disappeared"
keys $S j j
wait_for $S "Appeared since the saved report" && pass "detail of a change" || fail "no detail for the appeared finding"
keys $S j j
wait_for $S "Disappeared since the saved report" && wait_for $S "only in the saved copy" \
    && pass "a disappeared finding shows its saved detail" || fail "no saved detail for the disappeared finding"
keys $S q
wait_for $S "Quit anyway" && keys $S y
code=$(wait_exit $S)
[ "$code" = 1 ] || fail "rerun: exit code '$code' (want the new verdict, 1)"
keys $L q
code=$(wait_exit $L)
[ "$code" = 1 ] || fail "live: exit code '$code' (want 1)"

# ------------------------------------------------------------------
# 4. escape-subject: ESC [2J and ESC [31m in the subject are shown, not run;
#    the issuer and the AIA URLs carry OSC (window title), BEL, DEL too
E=esc
start_ui $E 100x40 --lab escape-subject
wait_for $E "Run the checks" 20 || fail "escape: no review"
keys $E Enter
wait_for $E "Finished in" 30 || fail "escape: run did not finish"
keys $E Enter 3
wait_for $E "Certificate 1 of" || fail "escape: no certificate pane"
screen $E | grep -qF 'evil\e[2J\e[31m' && pass "subject escapes shown as \\e[2J\\e[31m" || fail "the subject's escape sequences are not visible as text"
screen $E | grep -F 'Issuer' | grep -qF 'evil issuer\e]0' && pass "issuer escapes shown as text" \
    || fail "the issuer's escape sequences are not visible as text"
screen $E | grep -qF 'ca.example.test/\e[2Jissuer\x07.crt' && pass "AIA issuer URL escapes shown as text" \
    || fail "the AIA issuer URL's escapes are not visible as text"
screen $E | grep -qF 'ocsp.example.test/\e[31m\e]0;owned\x07\x08ocsp' && pass "AIA OCSP URL escapes shown as text" \
    || fail "the AIA OCSP URL's escapes are not visible as text"
tm display-message -p -t $E '#{pane_title}' | grep -q owned && fail "an OSC sequence set the window title" \
    || pass "window title untouched"
tm capture-pane -p -t $E | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' && fail "a raw control byte on the screen" \
    || pass "no raw control byte on the screen"
screen $E | head -1 | grep -qF "OK" && screen $E | grep -qF "1 Findings" && screen $E | tail -1 | grep -qF "q quit" \
    && pass "screen not cleared by the subject" || fail "screen cleared by the subject"
# with attributes: the subject's row carries no red (SGR 31) from the text
tm capture-pane -e -p -t $E | grep -F 'evil' | grep -qF $'\e[31m' && fail "the subject turned the screen red" \
    || pass "no colour change from the subject"
keys $E q; wait_for $E "Quit anyway" && keys $E y
wait_exit $E >/dev/null

check_stderr
echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
