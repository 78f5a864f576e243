#!/usr/bin/env python3
"""A latency proxy on 127.0.0.1 in front of several loopback targets, that
also counts the connections in flight through it (bench/fleet.py reads the
peak to check --fleet-concurrency). Every chunk waits RTT/2 in each
direction, and a connection's first bytes from the client wait one RTT more
(the TCP handshake loopback skips). A connection counts from its accept
until the client's side closes (read at once, not delayed).

    fleet_proxy.py --rtt-ms 50 --target 8443 --target 8444 ...

prints the listening ports (one per target, same order) on one line, then
serves until standard input closes, and prints {"peak": N, "total": M}.
Never used by a test. (When bench/latency_proxy.py of the speed work is on
main, the delay part may come from there.)"""
import argparse
import asyncio
import collections
import json
import os
import sys
import time


class Counter:
    def __init__(self):
        self.now = self.peak = self.total = 0

    def open(self):
        self.now += 1
        self.total += 1
        self.peak = max(self.peak, self.now)

    def close(self):
        self.now -= 1


async def pipe(reader, writer, delay, first_extra, on_eof=None):
    """Copies reader to writer, each chunk `delay` seconds after it arrived."""
    queue = collections.deque()
    ready = asyncio.Event()

    async def read_side():
        first = True
        while True:
            try:
                data = await reader.read(65536)
            except (ConnectionError, OSError):
                data = b""
            if not data and on_eof:
                on_eof()
            queue.append((time.monotonic() + delay + (first_extra if first else 0), data))
            first = False
            ready.set()
            if not data:
                return

    async def write_side():
        while True:
            while not queue:
                ready.clear()
                await ready.wait()
            due, data = queue.popleft()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                return

    await asyncio.gather(read_side(), write_side(), return_exceptions=True)


async def serve(rtt, targets):
    half = rtt / 2.0
    count = Counter()

    def handler(target_port):
        async def handle(c_reader, c_writer):
            count.open()
            closed = [False]

            def client_gone():
                if not closed[0]:
                    closed[0] = True
                    count.close()

            try:
                o_reader, o_writer = await asyncio.open_connection("127.0.0.1", target_port)
            except OSError:
                client_gone()
                c_writer.close()
                return
            up = asyncio.ensure_future(pipe(c_reader, o_writer, half, rtt, client_gone))
            down = asyncio.ensure_future(pipe(o_reader, c_writer, half, 0))
            await up
            try:   # the client is gone: what the origin still sends has a moment to arrive
                await asyncio.wait_for(down, timeout=rtt + 2)
            except (asyncio.TimeoutError, ConnectionError, OSError):
                pass
            client_gone()
            for w in (o_writer, c_writer):
                try:
                    w.close()
                except OSError:
                    pass
        return handle

    servers = [await asyncio.start_server(handler(t), "127.0.0.1", 0, backlog=4096) for t in targets]
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)   # until the driver closes our stdin
    print(json.dumps({"peak": count.peak, "total": count.total}), flush=True)
    os._exit(0)   # nothing to tidy: the driver is done with every connection


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rtt-ms", type=float, required=True)
    ap.add_argument("--target", type=int, action="append", required=True, help="a port on 127.0.0.1")
    a = ap.parse_args()
    asyncio.run(serve(a.rtt_ms / 1000.0, a.target))


if __name__ == "__main__":
    main()
