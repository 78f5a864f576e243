# Shared by the bundle tests: a test PKI made with openssl at test time,
# free ports, nginx on 127.0.0.1, reports read back with python3's json.
# Expects $tmp (a private folder) and $bin (the program).

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {   # port: true when it accepts connections within 10 s
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

# openssl ca needs a small database; it alone can set past and future dates.
pki_init() {
    mkdir -p "$tmp/pki/new"
    : >"$tmp/pki/index.txt"
    echo 1000 >"$tmp/pki/serial"
    cat >"$tmp/pki/ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = $tmp/pki/index.txt
new_certs_dir = $tmp/pki/new
serial = $tmp/pki/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no
[any]
commonName = supplied
EOF
}

# issue NAME ISSUER KEYSPEC DAYS-or-DATES EXT-LINES...
#   KEYSPEC: rsa:2048 | rsa:1024 | ec:P-256 | ec:P-521
#   ISSUER: a name issued before, or "self"
#   DATES: "days:N" or "dates:YYYYMMDDHHMMSSZ:YYYYMMDDHHMMSSZ"
issue() {
    local name=$1 issuer=$2 keyspec=$3 dates=$4; shift 4
    local keyopt
    case $keyspec in
        rsa:*) keyopt=(-newkey "$keyspec") ;;
        ec:*) keyopt=(-newkey ec -pkeyopt "ec_paramgen_curve:${keyspec#ec:}") ;;
    esac
    printf '%s\n' "[e]" "$@" >"$tmp/pki/$name.ext"
    openssl req -new "${keyopt[@]}" -nodes -keyout "$tmp/$name.key" -out "$tmp/pki/$name.csr" \
        -subj "/CN=$name" 2>/dev/null || return 1
    local ca=(-cert "$tmp/$issuer.pem" -keyfile "$tmp/$issuer.key")
    [ "$issuer" = self ] && ca=(-selfsign -keyfile "$tmp/$name.key")
    local period
    case $dates in
        days:*) period=(-days "${dates#days:}") ;;
        dates:*) local d=${dates#dates:}; period=(-startdate "${d%%:*}" -enddate "${d#*:}") ;;
    esac
    openssl ca -batch -notext -config "$tmp/pki/ca.cnf" "${ca[@]}" "${period[@]}" -in "$tmp/pki/$name.csr" \
        -out "$tmp/$name.pem" -extfile "$tmp/pki/$name.ext" -extensions e >/dev/null 2>&1 || return 1
}

CA_EXT=("basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign,cRLSign"
        "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid")
leaf_ext() {   # SAN [AIA URL]
    echo "basicConstraints=CA:FALSE"
    echo "subjectAltName=DNS:$1"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    [ -n "${2:-}" ] && echo "authorityInfoAccess=caIssuers;URI:$2"
    return 0
}

cat_pems() {   # OUT NAME...
    local out=$1; shift
    : >"$out"
    for n in "$@"; do cat "$tmp/$n.pem" >>"$out"; done
}

# Space separated sorted ids of findings with a severity, from a JSON report.
ids_of() {   # report severity
    python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(sorted({f["id"] for f in r["findings"] if f["severity"] == sys.argv[2]})))
PY
}

passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect() {   # description, then a command that must succeed
    local what=$1; shift
    if "$@"; then ok; else bad "$what"; fi
}

find_nginx() {
    for p in /usr/sbin/nginx /usr/local/sbin/nginx /usr/bin/nginx; do [ -x "$p" ] && { echo "$p"; return 0; }; done
    return 1
}

# nginx_conf_begin FILE; nginx_server FILE PORT CERT KEY; nginx_conf_end FILE
nginx_conf_begin() {
    cat >"$1" <<EOF
daemon off; master_process off; worker_processes 1;
error_log $tmp/nginx-error.log; pid $tmp/nginx.pid;
events { worker_connections 64; }
http { access_log off;
 client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp; uwsgi_temp_path $tmp; scgi_temp_path $tmp;
EOF
}
nginx_server() {   # FILE PORT CERT KEY [more directives]
    echo " server { listen 127.0.0.1:$2 ssl; server_name _; ssl_certificate $3; ssl_certificate_key $4; ${5:-}" \
        " location / { return 200 \"ok\n\"; } }" >>"$1"
}
nginx_conf_end() { echo "}" >>"$1"; }
