#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that adds a round-trip time: every chunk waits
RTT/2 before it is passed on, in each direction, and a connection's first
bytes from the client wait one more RTT (the TCP handshake that loopback
skips: a real client can send only after SYN, SYN-ACK). Order is kept per
direction. Used by bench/speed.py; never by a test.

    latency_proxy.py --rtt-ms 50 --target 127.0.0.1:8443 [--listen-port 0]

prints the port it listens on, then serves until killed. Callbacks, not
coroutines: hundreds of connections at once must not cost the proxy more
than the latency it adds."""
import argparse
import asyncio
import sys


class Direction:
    """Chunks of one direction, each delivered at its own due time, in order."""

    def __init__(self, loop, delay, first_extra):
        self.loop, self.delay, self.first_extra = loop, delay, first_extra
        self.sink = None          # transport to write to, once connected
        self.pending = []         # chunks due while the sink is not there yet
        self.last_due = 0.0
        self.first = True
        self.closed = False

    def push(self, data):
        """data, or None for end of stream."""
        due = self.loop.time() + self.delay + (self.first_extra if self.first else 0.0)
        self.first = False
        due = max(due, self.last_due + 1e-6)   # strictly increasing: the timer heap keeps order
        self.last_due = due
        self.loop.call_at(due, self.deliver, data)

    def deliver(self, data):
        if self.sink is None:
            self.pending.append(data)
            return
        self.write(data)

    def attach(self, sink):
        self.sink = sink
        for data in self.pending:
            self.write(data)
        self.pending = []

    def write(self, data):
        if self.closed or self.sink.is_closing():
            return
        if data is None:
            self.closed = True
            if self.sink.can_write_eof():
                self.sink.write_eof()
            else:
                self.sink.close()
        else:
            self.sink.write(data)


class Side(asyncio.Protocol):
    def __init__(self, outgoing, on_lost):
        self.outgoing, self.on_lost = outgoing, on_lost
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.outgoing.push(data)

    def eof_received(self):
        self.outgoing.push(None)
        return True   # keep the other half open until its own end comes

    def connection_lost(self, exc):
        self.outgoing.push(None)
        self.on_lost()


def make_client_protocol(loop, rtt, target):
    half = rtt / 2.0

    def factory():
        up = Direction(loop, half, rtt)      # client -> origin
        down = Direction(loop, half, 0.0)    # origin -> client
        state = {"lost": 0, "client": None, "origin": None}

        def lost():
            state["lost"] += 1
            if state["lost"] == 2:
                return
            # close the other side once everything due has been delivered
            loop.call_at(max(up.last_due, down.last_due) + 0.001, close_all)

        def close_all():
            for t in (state["client"], state["origin"]):
                if t is not None and not t.is_closing():
                    t.close()

        client = Side(up, lost)
        orig_made = client.connection_made

        def client_made(transport):
            orig_made(transport)
            state["client"] = transport
            down.attach(transport)

            async def connect():
                try:
                    t, _ = await loop.create_connection(lambda: Side(down, lost), *target)
                except OSError:
                    transport.close()
                    return
                state["origin"] = t
                up.attach(t)
            loop.create_task(connect())

        client.connection_made = client_made
        return client

    return factory


async def serve(rtt, target, listen_port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(make_client_protocol(loop, rtt, target), "127.0.0.1", listen_port,
                                      backlog=1024)
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
        asyncio.run(serve(a.rtt_ms / 1000.0, (host, int(port)), a.listen_port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
