#!/usr/bin/env bash
# The --fleet list in the UI, driven in tmux: two distributions whose
# origins are openssl s_server on 127.0.0.1 (one certificate covers the
# healthy origin's name, not the failing one's). The run happens on the
# UI's worker; the list shows both verdicts and the progress line, sorts
# by verdict and by expiry, Enter opens the failing origin's report in the
# result panes (its name mismatch finding), Esc and q return to the list.
# The failing origin's server has a certificate for another name that
# lasts longer, so verdict order and expiry order differ.
# Usage: test_ui_fleet.sh /path/to/origin-doctor
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init fleet "${1:-}"
SERVER_PID=
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; tm kill-server >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT

make_certs "$WORK" healthy.fleetui.test
PORT=$(free_port)
s_server "$PORT" healthy.fleetui.test || fail "s_server did not start"
PIDS=$SERVER_PID
# a leaf for another name, valid 30 days (make_certs' leaves last 2)
N=other.fleetui.test
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$N.key" -out "$WORK/$N.csr" \
    -subj "/CN=$N" 2>/dev/null
printf 'subjectAltName=DNS:%s\n' "$N" > "$WORK/$N.ext"
openssl x509 -req -in "$WORK/$N.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -out "$WORK/$N.pem" \
    -days 30 -extfile "$WORK/$N.ext" 2>/dev/null
PORT2=$(free_port)
s_server "$PORT2" $N || fail "the second s_server did not start"
PIDS="$PIDS $SERVER_PID"

python3 - "$WORK/fleet.json" "$PORT" "$PORT2" <<'PY'
import json, sys
path, port1, port2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def dist(did, origin_id, domain, port):
    return {"Id": did, "DomainName": did.lower() + ".cloudfront.net", "Aliases": {"Quantity": 0},
            "Origins": {"Quantity": 1, "Items": [{"Id": origin_id, "DomainName": domain, "OriginPath": "",
                "CustomHeaders": {"Quantity": 0},
                "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": port, "OriginProtocolPolicy": "https-only",
                    "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                    "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5},
                "ConnectionAttempts": 1, "ConnectionTimeout": 10}]},
            "DefaultCacheBehavior": {"TargetOriginId": origin_id, "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
            "CacheBehaviors": {"Quantity": 0}, "Enabled": True}
items = [dist("E1HEALTHY", "web", "healthy.fleetui.test", port1),
         dist("E2BROKEN", "api", "broken.fleetui.test", port2)]
json.dump({"DistributionList": {"Quantity": len(items), "Items": items}}, open(path, "w"))
PY

S=fl
LINES_=30
start_ui $S 120x$LINES_ --fleet "$WORK/fleet.json" --trust-store "$WORK/ca.pem" --resolve "*:$PORT:127.0.0.1" --resolve "*:$PORT2:127.0.0.1" \
    --response-timeout 2
wait_for $S "2/2 checked" 60 || fail "the fleet run did not finish (no 2/2 progress)"
wait_for $S "finished" 10 || fail "the list does not say the run finished"
SCR=$(settled $S)
echo "$SCR" | grep -qE "E1HEALTHY +web +(ok|warn) " && pass "the healthy origin's verdict is on the list" \
    || { fail "no ok/warn verdict for E1HEALTHY"; echo "$SCR"; }
echo "$SCR" | grep -qE "E2BROKEN +api +fail +[A-Z_]+" && pass "the failing origin's verdict and first cause are on the list" \
    || { fail "no fail verdict with a cause for E2BROKEN"; echo "$SCR"; }
echo "$SCR" | grep -qF "1 failing" && pass "progress counts the failure" || fail "no '1 failing' in the progress line"
echo "$SCR" | grep -qE "E1HEALTHY +web +[a-z]+ +[A-Z_]+ +[0-9]+$" && pass "days to certificate expiry shown" \
    || { fail "no expiry days for the healthy origin"; echo "$SCR"; }

# sort by verdict: the failing origin first
keys $S v
wait_for $S "Sorted by verdict" 5 || fail "v did not sort by verdict"
ORDER=$(settled $S | grep -oE "E[12](HEALTHY|BROKEN)" | tr '\n' ' ')
[ "$ORDER" = "E2BROKEN E1HEALTHY " ] && pass "sorted by verdict: failing first" || fail "verdict order: $ORDER"
# sort by expiry: the healthy origin's certificate (1 day) before the 29 days one
keys $S x
wait_for $S "Sorted by days to certificate expiry" 5 || fail "x did not sort by expiry"
SCR=$(settled $S)
ORDER=$(echo "$SCR" | grep -oE "E[12](HEALTHY|BROKEN)" | tr '\n' ' ')
[ "$ORDER" = "E1HEALTHY E2BROKEN " ] && pass "sorted by expiry: soonest first" || fail "expiry order: $ORDER"
echo "$SCR" | grep -qE "E2BROKEN .* (29|30)$" && pass "the other certificate's days are shown" \
    || { fail "E2BROKEN's expiry days are not 29"; echo "$SCR"; }

# back to verdict order, open the failing origin (the first row)
keys $S v
wait_for $S "Sorted by verdict" 5 || fail "v again did not sort by verdict"
keys $S g Enter
wait_for $S "1 Findings" 10 && pass "Enter opens the origin's report in the result panes" || fail "Enter did not open the report"
screen $S | grep -qE "CERT_NAME_MISMATCH|does not cover" && pass "its findings show the name mismatch" \
    || { fail "the opened report does not show the name mismatch"; screen $S; }
keys $S Escape
wait_for $S "Sorted by verdict" 5 && pass "Esc returns to the list" || fail "Esc did not return to the list"
keys $S j Enter
wait_for $S "1 Findings" 10 || fail "Enter on the second row did not open its report"
screen $S | grep -qF "healthy.fleetui.test" && pass "the second row opens the healthy origin's report" \
    || fail "the second row's report is not the healthy origin's"
keys $S q
wait_for $S "Sorted by verdict" 5 && pass "q returns to the list" || fail "q did not return to the list"
keys $S Enter
wait_for $S "1 Findings" 10 || fail "Enter did not open the report again"
keys $S o
wait_for $S "Sorted by verdict" 5 && pass "o returns to the list" || fail "o did not return to the list"
keys $S q
RC=$(wait_exit $S)
[ "$RC" = 1 ] && pass "q on the list quits, exit 1 (an origin fails)" || fail "exit code $RC, want 1"

[ $FAILS -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all passed"
