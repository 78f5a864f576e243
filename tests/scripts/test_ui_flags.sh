#!/usr/bin/env bash
# The wizard honours every flag given on the command line (pinned address,
# ports, trust store, timeouts), shows them in an advanced step it can
# change, and a rerun whose trust store is missing here asks for one.
# Origin: openssl s_server on 127.0.0.1 with a certificate made now.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init flags "${1:-}"

# advanced_from_review SESSION: types the domain, accepts the next three
# questions as they are, and opens the advanced step from the review
advanced_from_review() {
    local s=$1 q
    wait_for $s "What is the origin domain name?" 10 || fail "no domain question"
    keys $s "flags.example.test" Enter
    for q in "How does CloudFront talk" "Which ports" "Host header forwarded"; do
        wait_for $s "$q" 5 || fail "no question '$q'"
        keys $s Enter
    done
    wait_for $s "Review your answers" 10 || fail "no review"
    keys $s Up
    wait_for $s "Advanced" 5
    keys $s Enter
}

SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null; tm kill-server >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
make_certs "$WORK" flags.example.test
PORT=$(free_port)
s_server "$PORT" flags.example.test || fail "s_server did not start"

# 1. flags without a domain: the wizard asks for the domain and keeps them
S=f1
start_ui $S 160x30 --resolve "flags.example.test:$PORT:127.0.0.1" --https-port "$PORT" \
    --trust-store "$WORK/flags.example.test.pem" --timeout 7 --response-timeout 3
if wait_for $S "What is the origin domain name?" 10; then pass "flags without a domain: the domain question"
else fail "flags without a domain did not open the domain question"; fi
keys $S "flags.example.test" Enter
for q in "How does CloudFront talk" "Which ports" "Host header forwarded"; do
    wait_for $S "$q" 5 || fail "no question '$q'"
    [ "$q" = "Which ports" ] && { screen $S | grep -qF "$PORT" && pass "the ports question shows --https-port $PORT" \
        || fail "the ports question lost --https-port"; }
    keys $S Enter
done
wait_for $S "Review your answers" 5 || fail "no review"
settled $S | grep -qE "Advanced +1 pinned address, trust store .*flags.example.test.pem, timeouts 7 s / 3 s" \
    && pass "the review keeps --resolve, --trust-store and the timeouts" || { fail "flags dropped on the review"; screen $S; }
keys $S F5
wait_for $S "Enter: see the results" 30 || fail "the run did not finish"
settled $S | grep -q "Finished in .*CloudFront would connect" && pass "the run used the pinned address and trust store" \
    || { fail "the run did not use the flags"; screen $S; }
# the advanced step can change them: a bad timeout is refused there
keys $S w
wait_for $S "Review your answers" 5 || fail "w did not go back to the review"
keys $S Up
wait_for $S "Advanced" 5
keys $S Enter
if wait_for $S "Advanced: pinned addresses, trust store, timeouts" 5; then pass "the review opens the advanced step"
else fail "no advanced step"; fi
keys $S Down Down C-u "99"
wait_for $S "99" 3
screen $S | grep -qi "timeout" && screen $S | grep -q "60" && pass "a timeout over 60 is refused with the bound" \
    || fail "no message for a bad timeout"
keys $S q

# 2. a saved report whose trust store is missing here: r asks for one
"$BIN" --batch --json "$WORK/saved.json" --resolve "flags.example.test:$PORT:127.0.0.1" --https-port "$PORT" \
    --trust-store "$WORK/gone.pem" flags.example.test >/dev/null 2>&1 </dev/null
if [ ! -s "$WORK/saved.json" ]; then
    cp "$WORK/flags.example.test.pem" "$WORK/gone.pem"
    "$BIN" --batch --json "$WORK/saved.json" --resolve "flags.example.test:$PORT:127.0.0.1" --https-port "$PORT" \
        --trust-store "$WORK/gone.pem" flags.example.test >/dev/null 2>&1 </dev/null
    rm -f "$WORK/gone.pem"
fi
S=f2
start_ui $S 100x30 --open "$WORK/saved.json"
wait_for $S "r: run live" 10 || fail "the saved report did not open"
keys $S r
if wait_for $S "cannot be read on this machine" 10; then pass "a rerun with a missing trust store asks for one"
else fail "the rerun did not ask for a trust store"; screen $S; fi
screen $S | grep -qF "Trust store:" && pass "... on the advanced step, at the trust store field" || fail "not on the advanced step"
# give the right one: the run goes on
keys $S C-u "$WORK/flags.example.test.pem" Enter
wait_for $S "Review your answers" 5 || fail "no review after fixing the trust store"
keys $S F5
wait_for $S "Enter: see the results" 30 && pass "the rerun runs with the new trust store" || fail "the rerun did not run"

# 3. the request CloudFront sends: origin path, custom headers (masked on
# every screen: a WAF's secret), the distribution's own name
S=f3
start_ui $S 80x24 --resolve "flags.example.test:$PORT:127.0.0.1" --https-port "$PORT" \
    --trust-store "$WORK/flags.example.test.pem" --origin-path /app --path /health --response-timeout 2 \
    --origin-header "X-Origin-Verify: s3cr3tvalue" --distribution-domain d9abc.cloudfront.net
advanced_from_review $S
if wait_for $S "Headers:" 5; then pass "the advanced step has the header field (80x24)"
else fail "no header field on the advanced step"; fi
adv=$(settled $S)
printf '%s\n' "$adv" | grep -qF "X-Origin-Verify: ***********" && pass "the header value is masked in its field" \
    || { fail "the header field is not masked"; printf '%s\n' "$adv"; }
printf '%s\n' "$adv" | grep -qF "/app" && printf '%s\n' "$adv" | grep -qF "/health" \
    && printf '%s\n' "$adv" | grep -qF "d9abc.cloudfront.net" && pass "origin path, path and distribution domain shown" \
    || fail "the request fields lost a flag"
# a bad origin path is refused with CloudFront's rule
keys $S Down Down Down Down "/"
wait_for $S "ends with '/'" 5 && pass "a trailing '/' on the origin path is refused" || fail "no message for /app/"
keys $S BSpace
keys $S Escape
wait_for $S "Review your answers" 5 || fail "Esc did not go back to the review"
keys $S F5
wait_for $S "Enter: see the results" 30 || fail "the run did not finish"
keys $S Enter
keys $S 5
wait_for $S "GET https://127.0.0.1:$PORT/app/health" 10 || wait_for $S "https://127.0.0.1:$PORT/app/health" 5 \
    && pass "the HTTP pane shows the path asked" || fail "the HTTP pane lacks /app/health"
http=$(settled $S)
printf '%s\n' "$http" | grep -qF "X-Origin-Verify: ****" && pass "the HTTP pane names the header, masked" \
    || { fail "the HTTP pane does not show the masked header"; printf '%s\n' "$http"; }
for shot in "$adv" "$http"; do
    printf '%s\n' "$shot" | grep -qF "s3cr3tvalue" && fail "the secret reached the screen"
done
keys $S q

# 4. a header value holding "; name:" stays one header through the
# advanced step (the field escapes it as \;), and the run sends it whole
S=f4
start_ui $S 200x30 --resolve "flags.example.test:$PORT:127.0.0.1" --https-port "$PORT" \
    --trust-store "$WORK/flags.example.test.pem" --origin-header "X-Key: tok;ver:2"
advanced_from_review $S
wait_for $S "Headers:" 5 || fail "no header field"
settled $S | grep -qF "X-Key: **********" && pass "the escaped value is masked character for character" \
    || { fail "the header field is not masked as typed"; screen $S; }
keys $S Enter
wait_for $S "Review your answers" 5 || fail "no review after the advanced step"
rv=$(settled $S | tr '\n' ' ' | tr -s ' ')
if printf '%s' "$rv" | grep -qF "with X-Key: ****" && ! printf '%s' "$rv" | grep -qF "ver: ****"; then
    pass "a value holding '; name:' stays one header through the advanced step"
else fail "the header was split in two"; screen $S; fi
keys $S F5
wait_for $S "Enter: see the results" 30 || fail "the run did not finish"
keys $S Enter
wait_for $S "1 Findings" 10 || fail "no results"
keys $S e
wait_for $S "Export the report" 5 || fail "no export dialog"
keys $S Enter
wait_for $S "Exported the JSON report" 5 || fail "export not reported"
F4JSON=$(ls "$WORK"/origin-doctor-*.json 2>/dev/null | head -1)
python3 - "$F4JSON" <<'PY' && pass "the report keeps the header value whole" || fail "the report's header value is not 'tok;ver:2'"
import json, sys
h = json.load(open(sys.argv[1]))["input"]["origin_headers"]
sys.exit(0 if h == [{"name": "X-Key", "value": "tok;ver:2"}] else 1)
PY
keys $S q

check_stderr
echo "ui_flags: $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
