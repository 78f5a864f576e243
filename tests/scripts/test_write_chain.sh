#!/usr/bin/env bash
# --write-chain writes the chain an origin should send: the wrong-order and
# missing-intermediate bundles become files that nginx serves and the live
# diagnosis passes (issue 13, Done when 2); missing intermediates come from
# --intermediates (file or folder) or from AIA caIssuers URLs served on
# 127.0.0.1 as DER and PKCS#7, and a slow, a huge and a 404 answer are
# bounded (Done when 3). A chain that does not reach a trusted root is not
# written; an existing file is not replaced without --force.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
nginx_pid= aia_pid=
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
    [ -n "$aia_pid" ] && kill "$aia_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/bundle_lib.sh"
ORIGIN=shop.example.test
AIA_HOST=aia.example.test
aia_port=$(free_port)
AIA=http://$AIA_HOST:$aia_port
RESOLVE_AIA=--resolve=$AIA_HOST:$aia_port:127.0.0.1

pki_init
issue root self ec:P-256 days:60 "${CA_EXT[@]}" || { echo "FAIL: openssl cannot make the test PKI"; exit 1; }
issue ica1 root ec:P-256 days:60 "${CA_EXT[@]}"
issue ica2 ica1 ec:P-256 days:60 "${CA_EXT[@]}" "authorityInfoAccess=caIssuers;URI:$AIA/ica1.p7c"
issue leaf ica2 rsa:2048 days:50 $(leaf_ext $ORIGIN "$AIA/ica2.der")
issue slowleaf ica2 rsa:2048 days:50 $(leaf_ext $ORIGIN "$AIA/slow.der")
issue hugeleaf ica2 rsa:2048 days:50 $(leaf_ext $ORIGIN "$AIA/huge.der")
issue goneleaf ica2 rsa:2048 days:50 $(leaf_ext $ORIGIN "$AIA/gone.der")
issue xroot self ec:P-256 days:60 "${CA_EXT[@]}"
issue xleaf xroot rsa:2048 days:50 $(leaf_ext $ORIGIN)
mkdir "$tmp/www"
openssl x509 -in "$tmp/ica2.pem" -outform DER -out "$tmp/www/ica2.der"
openssl crl2pkcs7 -nocrl -certfile "$tmp/ica1.pem" -outform DER -out "$tmp/www/ica1.p7c"

# The AIA server: DER and PKCS#7 files, a slow answer, a huge one, a 404.
cat >"$tmp/aia.py" <<'PY'
import http.server, os, sys, time
root = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/slow.der":
            time.sleep(60)
        if self.path == "/huge.der":
            self.send_response(200); self.send_header("Content-Length", str(64 << 20)); self.end_headers()
            chunk = b"\x30" * 65536
            try:
                for _ in range(1024): self.wfile.write(chunk)
            except OSError: pass
            return
        p = os.path.join(root, os.path.basename(self.path))
        if not os.path.isfile(p):
            self.send_error(404, "Not Found"); return
        data = open(p, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-cert" if p.endswith(".der") else "application/pkcs7-mime")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.daemon_threads = True
s.serve_forever()
PY
python3 "$tmp/aia.py" "$aia_port" "$tmp/www" &
aia_pid=$!
wait_port "$aia_port" || { echo "FAIL: the AIA server did not start"; exit 1; }

write() {   # expected exit, output file, then arguments (a --check-bundle run)
    local want=$1 out=$2; shift 2
    "$bin" --batch --trust-store "$tmp/root.pem" --write-chain "$out" "$@" $ORIGIN \
        >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    if [ $rc -eq "$want" ]; then ok; else bad "write-chain $* -> exit $rc (expected $want): $(cat "$tmp/err")"; fi
}
subjects() { openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs -noout | grep '^subject' | tr '\n' ' '; }
want_chain() {   # file, expected subjects
    local got
    got=$(subjects "$1" 2>/dev/null)
    if [ "$got" = "$2" ]; then ok; else bad "$1 holds \"$got\", expected \"$2\""; fi
}
GOOD="subject=CN = leaf subject=CN = ica2 subject=CN = ica1 "

# Wrong order: reordered; the root left out.
cat_pems "$tmp/wrong.pem" leaf ica1 ica2 root
write 1 "$tmp/w-wrong.pem" --check-bundle "$tmp/wrong.pem"
want_chain "$tmp/w-wrong.pem" "$GOOD"
expect "root not said to be left out: $(cat "$tmp/out")" grep -q "left out the root CN=root" "$tmp/out"
expect "install steps missing: $(cat "$tmp/out")" grep -q "ssl_certificate $tmp/w-wrong.pem" "$tmp/out"
expect "ACM step missing" grep -q "aws acm import-certificate --certificate fileb://leaf.pem --certificate-chain" "$tmp/out"
# Unrelated certificates are dropped.
cat_pems "$tmp/mixed.pem" xleaf leaf ica2 ica1
write 1 "$tmp/w-mixed.pem" --check-bundle "$tmp/mixed.pem" --key "$tmp/leaf.key"
want_chain "$tmp/w-mixed.pem" "$GOOD"
expect "unrelated certificate not said to be dropped" grep -q "dropped CN=xleaf" "$tmp/out"
# Missing intermediate: completed from a file, then from a folder.
cat_pems "$tmp/missing.pem" leaf ica2
write 1 "$tmp/w-missing.pem" --check-bundle "$tmp/missing.pem" --intermediates "$tmp/ica1.pem"
want_chain "$tmp/w-missing.pem" "$GOOD"
expect "source of ica1 not named" grep -q "from --intermediates $tmp/ica1.pem" "$tmp/out"
mkdir "$tmp/cas"
cp "$tmp/ica1.pem" "$tmp/ica2.pem" "$tmp/xroot.pem" "$tmp/cas/"
cp "$tmp/leaf.key" "$tmp/cas/"
echo "notes" >"$tmp/cas/README"
cat_pems "$tmp/leafonly.pem" leaf
write 1 "$tmp/w-folder.pem" --check-bundle "$tmp/leafonly.pem" --intermediates "$tmp/cas"
want_chain "$tmp/w-folder.pem" "$GOOD"
# Nothing to complete it from: refused, nothing written.
write 1 "$tmp/w-refused.pem" --check-bundle "$tmp/leafonly.pem"
expect "an incomplete chain was written" test ! -e "$tmp/w-refused.pem"
expect "refusal not explained: $(cat "$tmp/err")" grep -q "not written: the issuer of CN=leaf" "$tmp/err"
cat_pems "$tmp/untrusted.pem" xleaf xroot
write 1 "$tmp/w-untrusted.pem" --check-bundle "$tmp/untrusted.pem"
expect "a chain to an untrusted root was written" test ! -e "$tmp/w-untrusted.pem"
expect "untrusted root not named: $(cat "$tmp/err")" grep -q "ends at the root CN=xroot" "$tmp/err"
# Never overwrite without --force; replaced atomically with it.
cp "$tmp/w-wrong.pem" "$tmp/keep.pem"
echo "precious" >"$tmp/existing.pem"
write 2 "$tmp/existing.pem" --check-bundle "$tmp/wrong.pem"
expect "existing file changed without --force" grep -qx precious "$tmp/existing.pem"
expect "no --force hint: $(cat "$tmp/err")" grep -q -- "--force" "$tmp/err"
write 1 "$tmp/existing.pem" --check-bundle "$tmp/wrong.pem" --force
want_chain "$tmp/existing.pem" "$GOOD"
# The output-file contract: a replaced file keeps its mode, a symlink is
# written through (not replaced), a new file gets 0666 less the umask.
chmod 640 "$tmp/existing.pem"
write 1 "$tmp/existing.pem" --check-bundle "$tmp/wrong.pem" --force
expect "replaced file lost its mode: $(stat -c %a "$tmp/existing.pem")" test "$(stat -c %a "$tmp/existing.pem")" = 640
echo "old" >"$tmp/link-target.pem"
ln -s link-target.pem "$tmp/link.pem"
write 1 "$tmp/link.pem" --check-bundle "$tmp/wrong.pem" --force
expect "the symlink was replaced by a file" test -L "$tmp/link.pem"
want_chain "$tmp/link-target.pem" "$GOOD"
(umask 027; write 1 "$tmp/w-umask.pem" --check-bundle "$tmp/wrong.pem")
expect "new file ignores the umask: $(stat -c %a "$tmp/w-umask.pem")" test "$(stat -c %a "$tmp/w-umask.pem")" = 640

# AIA: the leaf's caIssuers (DER) and ica2's (PKCS#7), pinned with --resolve.
write 1 "$tmp/w-aia.pem" --check-bundle "$tmp/leafonly.pem" --fetch-intermediates "$RESOLVE_AIA"
want_chain "$tmp/w-aia.pem" "$GOOD"
expect "DER fetch not reported: $(cat "$tmp/out")" grep -q "fetched from $AIA/ica2.der (AIA caIssuers, DER)" "$tmp/out"
expect "PKCS#7 fetch not reported" grep -q "fetched from $AIA/ica1.p7c (AIA caIssuers, PKCS#7)" "$tmp/out"
# Slow, huge, 404: bounded, reported, nothing written.
bounded() {   # leaf name, text expected in the notes, seconds allowed
    local start end
    start=$(date +%s)
    write 1 "$tmp/w-$1.pem" --check-bundle "$tmp/$1.pem" --fetch-intermediates "$RESOLVE_AIA" --timeout 2
    end=$(date +%s)
    expect "$1: a chain was written" test ! -e "$tmp/w-$1.pem"
    expect "$1: \"$2\" not reported: $(cat "$tmp/out")" grep -q "$2" "$tmp/out"
    expect "$1: took $((end - start)) s, bound $3 s" test $((end - start)) -le "$3"
}
bounded slowleaf "could not fetch $AIA/slow.der: no complete answer within 2000 ms" 20
bounded hugeleaf "could not fetch $AIA/huge.der: the answer is larger than 131072 bytes" 20
bounded goneleaf "could not fetch $AIA/gone.der: HTTP answer \"HTTP/1.0 404 Not Found\"" 20

# Done when 2: nginx serves the written files; the live diagnosis passes.
nginx=$(find_nginx) || { echo "FAIL: nginx is not installed (./dev installs nginx-light)"; exit 1; }
conf=$tmp/nginx.conf
nginx_conf_begin "$conf"
declare -A port
for f in w-wrong w-missing w-aia wrong; do
    port[$f]=$(free_port)
    nginx_server "$conf" "${port[$f]}" "$tmp/$f.pem" "$tmp/leaf.key"
done
nginx_conf_end "$conf"
"$nginx" -p "$tmp" -c "$conf" &
nginx_pid=$!
for f in w-wrong w-missing w-aia wrong; do
    wait_port "${port[$f]}" || { echo "FAIL: nginx did not start: $(cat "$tmp/nginx-error.log")"; exit 1; }
done
live() {   # name, then more arguments
    local f=$1; shift
    "$bin" --batch --json "$tmp/$f-live.json" --resolve "$ORIGIN:${port[$f]}:127.0.0.1" --trust-store "$tmp/root.pem" \
        --https-port "${port[$f]}" "$@" $ORIGIN >"$tmp/out" 2>"$tmp/err" </dev/null
}
for f in w-wrong w-missing w-aia; do
    live "$f"
    rc=$?
    fails=$(ids_of "$tmp/$f-live.json" fail 2>/dev/null)
    passes=$(ids_of "$tmp/$f-live.json" pass 2>/dev/null)
    if [ $rc -eq 0 ] && [ -z "$fails" ] && grep -qw CHAIN_OK <<<"$passes"; then ok; else
        bad "nginx serving $f: exit $rc, fails \"$fails\", passes \"$passes\": $(cat "$tmp/err")"; fi
done
# A live diagnosis writes the corrected chain too.
live wrong --write-chain "$tmp/w-live.pem"
rc=$?
expect "live --write-chain: exit $rc (expected 1: wrong order)" test $rc -eq 1
want_chain "$tmp/w-live.pem" "$GOOD"
expect "live source not named: $(cat "$tmp/out")" grep -q "sent by the origin" "$tmp/out"

echo "write_chain: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
