#!/usr/bin/env bash
# Statuses that agree with the verdict: no green pass for a name CloudFront
# cannot use, anywhere. On the practice lab's cname-not-covered (www
# covered, cdn not) and wrong-name origins: the JSON report's findings and
# steps, the Markdown report, and the live step screen in tmux.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init statuses "${1:-}"

# check_json FILE BADNAME: no pass finding names it, no passing step for it
check_json() {
    python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); bad = sys.argv[2]
errs = []
for f in r["findings"]:
    if f["severity"] == "pass" and bad in f.get("names", []):
        errs.append("pass finding %s names %s" % (f["id"], bad))
for s in r["steps"]:
    if (s["name"].startswith("TLS " + bad) or ("://" + bad + "/") in s["name"]) and s["status"] == "pass":
        errs.append("step '%s' is a pass" % s["name"])
if not any(s["name"].startswith("TLS " + bad) and s["status"] == "fail" for s in r["steps"]):
    errs.append("no failing TLS step for %s" % bad)
print("\n".join(errs))
sys.exit(1 if errs else 0)
PY
}

for lab in cname-not-covered:cdn.shop.test wrong-name:shop.example.test; do
    name=${lab#*:}; lab=${lab%%:*}
    "$BIN" --lab "$lab" --batch --json "$WORK/$lab.json" --report "$WORK/$lab.md" >/dev/null 2>&1 </dev/null
    out=$(check_json "$WORK/$lab.json" "$name") && pass "$lab: no pass finding or passing step for $name" \
        || fail "$lab: $out"
    # Markdown: a PASS finding's names line never lists the bad name
    if awk -v bad="$name" '/^#+ .*PASS|^PASS /{p=1; next} /^#+ |^(FAIL|WARN|INFO) /{p=0} p && /[Nn]ames/ && index($0, bad){found=1} END{exit found ? 0 : 1}' \
        "$WORK/$lab.md"; then
        fail "$lab: the Markdown report lists $name under a pass"
    else
        pass "$lab: the Markdown report lists no pass for $name"
    fi
done

# The live step screen: the cdn rows are not green passes.
S=live
start_ui $S 120x30 --lab cname-not-covered
wait_for $S "Review your answers" || fail "no review screen"
keys $S F5
wait_for $S "Enter: see the results" 30 || fail "the run did not finish"
rows=$(settled $S | grep -F "cdn.shop.test")
echo "$rows"
if [ -n "$rows" ] && ! printf '%s\n' "$rows" | grep -qE "pass"; then
    pass "the step screen shows no pass for cdn.shop.test"
else
    fail "the step screen shows a pass for cdn.shop.test (or no row)"
fi
printf '%s\n' "$rows" | grep -E "TLS cdn" | grep -qF "fail" && pass "the TLS step for cdn.shop.test fails" \
    || fail "the TLS step for cdn.shop.test does not fail"

check_stderr
echo "statuses: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
