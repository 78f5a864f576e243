#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that adds a round-trip time: every chunk waits
RTT/2 before it is passed on, in each direction, and a connection's first
bytes from the client wait one more RTT (the TCP handshake that loopback
skips: a real client can send only after SYN, SYN-ACK). Order is kept per
direction. Used by bench/speed.py; never by a test.

    latency_proxy.py --rtt-ms 50 --target 127.0.0.1:8443 [--listen-port 0]

prints the port it listens on, then serves until killed."""
import argparse
import asyncio
import collections
import sys
import time


class DelayedPipe:
    """Copies reader to writer, each chunk delivered `delay` seconds after
    it arrived (plus `first_extra` for the first chunk)."""

    def __init__(self, reader, writer, delay, first_extra):
        self.reader, self.writer = reader, writer
        self.delay, self.first_extra = delay, first_extra
        self.queue = collections.deque()
        self.ready = asyncio.Event()

    async def read_side(self):
        first = True
        while True:
            try:
                data = await self.reader.read(65536)
            except (ConnectionError, OSError):
                data = b""
            due = time.monotonic() + self.delay + (self.first_extra if first else 0)
            first = False
            self.queue.append((due, data))
            self.ready.set()
            if not data:
                return

    async def write_side(self):
        while True:
            while not self.queue:
                self.ready.clear()
                await self.ready.wait()
            due, data = self.queue.popleft()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                if not data:
                    if self.writer.can_write_eof():
                        self.writer.write_eof()
                    return
                self.writer.write(data)
                await self.writer.drain()
            except (ConnectionError, OSError):
                return


async def serve(rtt, target_host, target_port, listen_port):
    half = rtt / 2.0

    async def handle(c_reader, c_writer):
        try:
            o_reader, o_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            c_writer.close()
            return
        up = DelayedPipe(c_reader, o_writer, half, rtt)
        down = DelayedPipe(o_reader, c_writer, half, 0)
        tasks = [asyncio.ensure_future(t) for t in (up.read_side(), up.write_side(), down.read_side(),
                                                     down.write_side())]
        await asyncio.gather(*tasks, return_exceptions=True)
        for w in (o_writer, c_writer):
            try:
                w.close()
            except OSError:
                pass

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rtt-ms", type=float, required=True)
    ap.add_argument("--target", required=True, help="127.0.0.1:PORT")
    ap.add_argument("--listen-port", type=int, default=0)
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    if host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("latency_proxy: loopback targets only")
    try:
        asyncio.run(serve(a.rtt_ms / 1000.0, host, int(port), a.listen_port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
