#!/usr/bin/env bash
# Certificate files in the UI, driven in tmux (issue 13):
#  1. the bundle-wrong-order lab: F5 judges the file (nothing probed), the
#     Chain pane's key writes the corrected chain, in order, and asks
#     before replacing the file;
#  2. the first screen's Open accepts a certificate file: the wizard asks
#     for the case, then the file is judged for those names.
# Usage: test_ui_bundle.sh /path/to/origin-doctor
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tmux_lib.sh"
ui_test_init bundle "${1:-}"

# 1. a bundle lab, the Chain pane writes the chain
S=lab
start_ui $S 100x30 --lab bundle-wrong-order
wait_for $S "Review your answers" 20 && pass "bundle lab prefills the review" || fail "no review for the bundle lab"
keys $S F5
wait_for $S "1 Findings" 10 && pass "F5 judged the file" || fail "no results for the bundle lab"
screen $S | grep -qF "CHAIN_WRONG_ORDER" && pass "results show CHAIN_WRONG_ORDER" || fail "no CHAIN_WRONG_ORDER"
screen $S | grep -qF "Judged from a certificate file" && pass "the file, not a probe, is named" \
    || fail "no 'Judged from a certificate file'"
keys $S 2
wait_for $S "Order CloudFront needs" || fail "no Chain pane"
settled $S | grep -qF "W: write this order to a file" && pass "Chain pane offers the key" || fail "no key hint in the Chain pane"
keys $S W
wait_for $S "Write the corrected chain" && pass "chain dialog" || fail "no chain dialog"
keys $S C-u "$WORK/fixed.pem" Enter
wait_for $S "Wrote the corrected chain (3 certificates" && pass "chain written" || fail "chain not reported written"
subjects=$(openssl crl2pkcs7 -nocrl -certfile "$WORK/fixed.pem" 2>/dev/null | openssl pkcs7 -print_certs -noout 2>/dev/null |
    sed -n 's/^subject=.*CN = //p' | tr '\n' '|')
[ "$subjects" = "shop.example.test|origin-doctor lab intermediate 2|origin-doctor lab intermediate|" ] \
    && pass "leaf, then each issuer, no root" || fail "written chain holds '$subjects'"
cp "$WORK/fixed.pem" "$WORK/fixed.before"
keys $S W
wait_for $S "Write the corrected chain" || fail "no chain dialog the second time"
keys $S C-u "$WORK/fixed.pem" Enter
wait_for $S "exists. Overwrite it?" && pass "asks before replacing" || fail "no overwrite question"
keys $S n
wait_for $S "not overwritten" || fail "no 'not overwritten'"
cmp -s "$WORK/fixed.pem" "$WORK/fixed.before" && pass "kept the file" || fail "file changed after n"
keys $S Escape q y

# 2. Open a certificate file from the first screen
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/self.key" \
    -out "$WORK/self.pem" -days 30 -subj "/CN=shop.example.test" -addext "subjectAltName=DNS:shop.example.test" \
    2>/dev/null
S=op
start_ui $S 100x30
wait_for $S "What would you like to do?" || fail "open: no first screen"
keys $S Down
wait_for $S "judge a certificate file" && pass "Open mentions certificate files" \
    || fail "Open does not mention certificate files"
keys $S Enter
wait_for $S "File name:" || fail "no file name prompt"
head -c 100 /dev/urandom >"$WORK/garbage.bin"
keys $S "$WORK/garbage.bin" Enter
wait_for $S "not a certificate file" && pass "garbage named" || fail "no error for garbage"
keys $S C-u "$WORK/self.pem" Enter
wait_for $S "the file is judged, nothing is probed" && pass "certificate file: the wizard asks the case" \
    || fail "no wizard after a certificate file"
keys $S "shop.example.test" Enter
for _ in 1 2 3 4 5 6; do
    settled $S | grep -qF "Review your answers" && break
    keys $S Enter
done
wait_for $S "Review your answers" || fail "no review"
keys $S F5
wait_for $S "CERT_SELF_SIGNED" 10 && pass "the opened file judged: CERT_SELF_SIGNED" || fail "opened file not judged"
keys $S q y
check_stderr
[ "$FAILS" -eq 0 ] && echo "ui_bundle: all passed" || echo "ui_bundle: $FAILS failed"
[ "$FAILS" -eq 0 ]
