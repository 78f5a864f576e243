#!/usr/bin/env python3
"""A DNS server on 127.0.0.1 (UDP) for the reproduce-command test: it
answers A and AAAA queries from the names and addresses given, so `dig`
commands printed by origin-doctor can run against the staged origin's
name. Other types and names: NOERROR with no answer (NXDOMAIN for names
not given). Prints its port, then serves until killed.

    dns_stub.py NAME=ADDR[,ADDR...] ..."""
import ipaddress
import socket
import struct
import sys

zone = {}
for arg in sys.argv[1:]:
    name, _, addrs = arg.partition("=")
    zone.setdefault(name.lower().rstrip("."), []).extend(a for a in addrs.split(",") if a)

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
try:
    print(s.getsockname()[1], flush=True)
    sys.stdout.close()   # the test reads one line; nothing else goes there
except BrokenPipeError:
    pass


def qname(msg, at):
    labels = []
    while msg[at]:
        n = msg[at]
        labels.append(msg[at + 1:at + 1 + n].decode("ascii", "replace"))
        at += 1 + n
    return ".".join(labels).lower(), at + 1


while True:
    msg, peer = s.recvfrom(4096)
    if len(msg) < 12:
        continue
    qid, flags = struct.unpack("!HH", msg[:4])
    try:
        name, end = qname(msg, 12)
        qtype, _ = struct.unpack("!HH", msg[end:end + 4])
    except (IndexError, struct.error):
        continue
    question = msg[12:end + 4]
    answers = []
    for a in zone.get(name, []):
        ip = ipaddress.ip_address(a)
        if (qtype == 1 and ip.version == 4) or (qtype == 28 and ip.version == 6):
            rdata = ip.packed
            answers.append(struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata)
    rcode = 0 if name in zone else 3
    header = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1, len(answers), 0, 0)
    s.sendto(header + question + b"".join(answers), peer)
