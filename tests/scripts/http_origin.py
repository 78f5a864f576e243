"""A small TLS origin on 127.0.0.1 for the shell tests (started by
start_http_origin in pki_lib.sh): it logs every request head it receives
and answers the way a test stages.

    http_origin.py PORT_FILE LOG_FILE [--head answer|late|deaf]
                   [--require-header 'Name: value']

Serves leaf.pem/leaf.key from the current folder on a free port, written to
PORT_FILE. Each request head (up to its blank line) is appended to LOG_FILE,
followed by the blank line. HEAD is answered at once (answer), 25 ms after
it arrived (late) or never (deaf: the client gives up). With
--require-header, GET gets 200 only when that exact header line is there,
else 403, as a WAF does; without it, 200.
"""
import argparse
import socket
import ssl
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("port_file")
ap.add_argument("log_file")
ap.add_argument("--head", choices=("answer", "late", "deaf"), default="answer")
ap.add_argument("--require-header")
args = ap.parse_args()

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("leaf.pem", "leaf.key")
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(128)
lock = threading.Lock()
required = args.require_header.encode() if args.require_header else None


def serve(raw):
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
        conn.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
        with lock:
            with open(args.log_file, "ab") as log:
                log.write(head.split(b"\r\n\r\n")[0] + b"\r\n\r\n")
        lines = head.split(b"\r\n")
        if lines[0].startswith(b"HEAD "):
            if args.head == "deaf":
                conn.recv(1)
                return
            if args.head == "late":
                time.sleep(0.025)
        ok = required is None or required in lines[1:]
        status = b"200 OK" if ok else b"403 Forbidden"
        conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        conn.close()
    except Exception:
        pass


with open(args.port_file, "w") as f:
    f.write(str(srv.getsockname()[1]))
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
