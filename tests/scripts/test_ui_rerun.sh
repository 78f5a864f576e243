#!/usr/bin/env bash
# Fix, rerun, what changed: in a live session (no saved report), r after
# the customer fixed the origin shows the findings that went away, as the
# reopened-report rerun does. The origin is openssl s_server on 127.0.0.1,
# first with a certificate for another name, then with the right one.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init rerun "${1:-}"
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null; tm kill-server >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT

make_certs "$WORK" fix.example.test other.example.test
PORT=$(free_port)
s_server "$PORT" other.example.test || fail "s_server did not start"

S=rr
start_ui $S 100x30 --resolve "fix.example.test:$PORT:127.0.0.1" --trust-store "$WORK/ca.pem" --https-port "$PORT" \
    --response-timeout 2 fix.example.test
wait_for $S "Review your answers" || fail "no review screen"
keys $S F5
wait_for $S "Enter: see the results" 30 || fail "the first run did not finish"
keys $S Enter
wait_for $S "CERT_NAME_MISMATCH" 5 || screen $S | grep -qi "does not cover" || fail "the first run does not show the name mismatch"
screen $S | grep -qF "Changes since" && fail "a first run shows changes"

# the customer installs the right certificate
kill $SERVER_PID; wait $SERVER_PID 2>/dev/null
s_server "$PORT" fix.example.test || fail "s_server did not restart"
wait_for $S "rerun" || fail "no rerun hint"
keys $S r
wait_for $S "Enter: see the results" 30 || fail "the rerun did not finish"
keys $S Enter
if wait_for $S "Changes since the previous run" 5; then
    pass "a live rerun shows what changed since the previous run"
else
    fail "no changes section after a live rerun"
fi
screen $S | grep -qE -- "- CERT_NAME_MISMATCH" && pass "the fixed name mismatch is listed as gone" \
    || { fail "the name mismatch is not listed as gone"; screen $S; }

check_stderr
echo "ui_rerun: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
