#!/usr/bin/env python3
"""Fleet bench (issue 14): a synthetic fleet of ORIGINS origins with
distinct names (oNNNN.fleet.bench, two per distribution) pinned to SERVERS
loopback nginx servers behind a latency proxy (bench/fleet_proxy.py, RTT
each way), diagnosed by one `origin-doctor --fleet` run. Prints the wall
time, the peak RSS of origin-doctor, and the peak number of connections in
flight through the proxy against --fleet-concurrency.

    bench/fleet.py [--bin build/origin-doctor] [--origins 1000] [--servers 20]
                   [--rtt-ms 50] [--fleet-concurrency 256]

Needs nginx and openssl (./dev installs both). Everything listens on
127.0.0.1 only and is stopped at the end. Never run by the tests."""
import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(d):
    """root -> intermediate -> a *.fleet.bench leaf (EC P-256), chain file leaf+ICA."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    sh("openssl", "req", "-x509", *ec, "-keyout", "root.key", "-out", "root.pem", "-days", "400",
       "-subj", "/CN=fleet bench root", "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    sh("openssl", "req", *ec, "-keyout", "ica.key", "-out", "ica.csr", "-subj", "/CN=fleet bench ICA", cwd=d)
    with open(os.path.join(d, "ica.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    sh("openssl", "x509", "-req", "-in", "ica.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
       "-out", "ica.pem", "-days", "300", "-extfile", "ica.ext", cwd=d)
    sh("openssl", "req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=*.fleet.bench", cwd=d)
    with open(os.path.join(d, "leaf.ext"), "w") as f:
        f.write("subjectAltName=DNS:*.fleet.bench\nextendedKeyUsage=serverAuth\n")
    sh("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ica.pem", "-CAkey", "ica.key", "-CAcreateserial",
       "-out", "leaf.pem", "-days", "200", "-extfile", "leaf.ext", cwd=d)
    with open(os.path.join(d, "chain.pem"), "w") as out:
        for name in ("leaf.pem", "ica.pem"):
            with open(os.path.join(d, name)) as f:
                out.write(f.read())


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def wait_port(port, seconds=10):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def start_nginx(d, ports):
    conf = [f"daemon off; master_process off; worker_processes 1; error_log {d}/error.log; pid {d}/nginx.pid;",
            "worker_rlimit_nofile 16384; events { worker_connections 8192; }",
            f"http {{ access_log off; client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d};"
            f" uwsgi_temp_path {d}; scgi_temp_path {d};"]
    for p in ports:
        conf.append(f" server {{ listen 127.0.0.1:{p} ssl; ssl_certificate {d}/chain.pem;"
                    f" ssl_certificate_key {d}/leaf.key; location / {{ return 200 \"ok\\n\"; }} }}")
    conf.append("}")
    path = os.path.join(d, "nginx.conf")
    with open(path, "w") as f:
        f.write("\n".join(conf) + "\n")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-c", path, "-p", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for p in ports:
        if not wait_port(p):
            proc.kill()
            sys.exit(f"fleet bench: nginx did not listen on {p} (see {d}/error.log)")
    return proc


class SocketSampler(threading.Thread):
    """Counts the sockets a process holds, every `period` seconds: the
    connections in flight as the process itself has them (the proxy counts
    a close only once it reads it, so under load it sees a few extra)."""

    def __init__(self, pid, period=0.005):
        super().__init__(daemon=True)
        self.pid, self.period, self.peak, self.samples = pid, period, 0, 0
        self.done = threading.Event()

    def run(self):
        fd_dir = f"/proc/{self.pid}/fd"
        while not self.done.is_set():
            n = 0
            try:
                for fd in os.listdir(fd_dir):
                    try:
                        n += os.readlink(os.path.join(fd_dir, fd)).startswith("socket:")
                    except OSError:
                        pass
            except OSError:
                return
            self.samples += 1
            self.peak = max(self.peak, n)
            time.sleep(self.period)


def origin_json(oid, domain, port):
    return {"Id": oid, "DomainName": domain, "OriginPath": "", "CustomHeaders": {"Quantity": 0},
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": port, "OriginProtocolPolicy": "https-only",
                                   "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                                   "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5},
            "ConnectionAttempts": 3, "ConnectionTimeout": 10}


def fleet_json(n_origins, proxy_ports):
    items = []
    for dist in range((n_origins + 1) // 2):
        origins = []
        for k in range(2):
            i = dist * 2 + k
            if i < n_origins:
                origins.append(origin_json(f"origin-{k}", f"o{i:04d}.fleet.bench", proxy_ports[i % len(proxy_ports)]))
        items.append({"Id": f"EBENCH{dist:05d}", "DomainName": f"d{dist:05d}.cloudfront.net",
                      "Aliases": {"Quantity": 1, "Items": [f"www{dist}.fleet.bench"]},
                      "Origins": {"Quantity": len(origins), "Items": origins},
                      "DefaultCacheBehavior": {"TargetOriginId": "origin-0", "ViewerProtocolPolicy": "https-only",
                                               "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
                      "CacheBehaviors": {"Quantity": 1, "Items": [
                          {"PathPattern": "/b/*", "TargetOriginId": origins[-1]["Id"],
                           "ViewerProtocolPolicy": "https-only",
                           "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}]}})
    return {"DistributionList": {"Quantity": len(items), "Items": items}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "origin-doctor"))
    ap.add_argument("--origins", type=int, default=1000)
    ap.add_argument("--servers", type=int, default=20)
    ap.add_argument("--rtt-ms", type=float, default=50)
    ap.add_argument("--fleet-concurrency", type=int, default=256)
    ap.add_argument("--extra", default="", help="more origin-doctor flags, space separated")
    a = ap.parse_args()

    d = tempfile.mkdtemp(prefix="od-fleet-bench-")
    nginx = proxy = None
    try:
        make_pki(d)
        backend = free_ports(a.servers)
        nginx = start_nginx(d, backend)
        proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "fleet_proxy.py"), "--rtt-ms", str(a.rtt_ms)] +
                                 [x for p in backend for x in ("--target", str(p))],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        proxy_ports = [int(p) for p in proxy.stdout.readline().split()]
        with open(os.path.join(d, "fleet.json"), "w") as f:
            json.dump(fleet_json(a.origins, proxy_ports), f)
        out = os.path.join(d, "fleet.jsonl")
        cmd = [a.bin, "--fleet", os.path.join(d, "fleet.json"), "--jsonl", out, "--trust-store",
               os.path.join(d, "root.pem"), "--fleet-concurrency", str(a.fleet_concurrency)]
        cmd += [f"--resolve=*:{p}:127.0.0.1" for p in proxy_ports] + a.extra.split()
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sampler = SocketSampler(run.pid)
        sampler.start()
        stdout, stderr = run.communicate()
        sampler.done.set()
        sampler.join()
        if os.environ.get("FLEET_BENCH_KEEP"):
            shutil.copy(out, os.environ["FLEET_BENCH_KEEP"])
        wall = time.monotonic() - t0
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        rss_mb = ru.ru_maxrss / 1024.0   # the largest child so far: origin-doctor (openssl is small)
        cpu = ru.ru_utime + ru.ru_stime   # origin-doctor's, and the few openssl commands
        proxy.stdin.close()
        stats = json.loads(proxy.stdout.readline() or "{}")
        verdicts = {}
        cases = set()
        records = 0
        with open(out) as f:
            for line in f:
                r = json.loads(line)
                records += 1
                verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
                if r.get("case"):
                    cases.add(r["case"])
        print(f"fleet bench: {a.origins} origins ({records} records, {len(cases)} distinct cases), "
              f"{a.servers} nginx servers behind a {a.rtt_ms:g} ms RTT proxy, exit {run.returncode}")
        print(f"  verdicts: {json.dumps(verdicts, sort_keys=True)}")
        print(f"  wall time: {wall:.1f} s   peak RSS (largest child process): {rss_mb:.1f} MB   "
              f"CPU: {cpu:.1f} s   load average before/after: {load0:.1f}/{os.getloadavg()[0]:.1f}")
        print(f"  connections in flight, bound --fleet-concurrency {a.fleet_concurrency}: peak {sampler.peak} "
              f"sockets held by origin-doctor ({sampler.samples} samples, every 5 ms); the proxy saw "
              f"{stats.get('total')} connections, peak {stats.get('peak')} open (a close counts once it is read)")
        ok = wall <= 60 and rss_mb <= 256 and sampler.peak <= a.fleet_concurrency and records == a.origins
        print(f"  targets (<= 60 s, <= 256 MB, sampled peak <= bound, every origin recorded): "
              f"{'met' if ok else 'NOT met'}")
        if run.returncode not in (0, 1):
            print(stderr[-2000:], file=sys.stderr)
        return 0 if ok else 1
    finally:
        for p in (proxy, nginx):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
