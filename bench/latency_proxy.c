/* A TCP proxy on 127.0.0.1 that adds a round-trip time, as
 * bench/latency_proxy.py does, at a fraction of its CPU: every chunk waits
 * RTT/2 before it is passed on, in each direction, and a connection's first
 * bytes from the client wait one more RTT (the TCP handshake that loopback
 * skips). Order is kept per direction; an end of stream is passed on in
 * turn. On a small machine the proxy shares the CPU with the client it
 * measures and the origin: a real network costs the client no CPU, so the
 * proxy should cost as little as it can. Used by bench/speed.py (built
 * there with cc); never by a test.
 *
 *     latency_proxy --rtt-ms 50 --target 127.0.0.1:8443 [--listen-port 0]
 *
 * prints the port it listens on, then serves until killed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct chunk {
    struct chunk *next;
    int64_t due_us;
    size_t len, off;   /* len 0: end of stream */
    char data[];
} chunk;

typedef struct conn conn;

/* One direction: bytes read from `from`, delivered to `to` when due. */
typedef struct {
    int from, to;
    chunk *head, *tail;
    int64_t last_due_us;
    bool first_extra;   /* the client's first bytes wait one more RTT */
    bool read_done;     /* end of stream read from `from` */
    bool write_done;    /* end of stream passed on to `to` */
} direction;

struct conn {
    direction up, down;   /* up: client -> origin */
    conn *prev, *next;
    bool dead;
};

static int64_t half_us, rtt_us;
static conn *conns;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void push(direction *d, const char *data, size_t len)
{
    chunk *c = malloc(sizeof *c + len);
    if (!c) {
        perror("latency_proxy: malloc");
        exit(1);
    }
    c->next = NULL;
    c->len = len;
    c->off = 0;
    if (len)
        memcpy(c->data, data, len);
    int64_t due = now_us() + half_us + (d->first_extra ? rtt_us : 0);
    d->first_extra = false;
    if (due <= d->last_due_us)
        due = d->last_due_us + 1;
    d->last_due_us = due;
    c->due_us = due;
    if (d->tail)
        d->tail->next = c;
    else
        d->head = c;
    d->tail = c;
}

/* Reads what `from` has; false when the connection is broken. */
static bool take(direction *d)
{
    char buf[65536];
    for (;;) {
        ssize_t n = recv(d->from, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            push(d, buf, (size_t)n);
            continue;
        }
        if (n == 0) {
            d->read_done = true;
            push(d, NULL, 0);
            return true;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
}

/* Passes on every chunk that is due; returns the next due time (or -1),
 * false in *ok when the connection is broken. */
static int64_t deliver(direction *d, int64_t now, bool *ok)
{
    while (d->head && d->head->due_us <= now) {
        chunk *c = d->head;
        if (c->len == 0) {
            shutdown(d->to, SHUT_WR);
            d->write_done = true;
        } else {
            while (c->off < c->len) {
                ssize_t w = send(d->to, c->data + c->off, c->len - c->off, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (w > 0) {
                    c->off += (size_t)w;
                    continue;
                }
                if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                    return now + 1000;   /* the peer is slow to read: again in 1 ms */
                *ok = false;
                return -1;
            }
        }
        d->head = c->next;
        if (!d->head)
            d->tail = NULL;
        free(c);
    }
    return d->head ? d->head->due_us : -1;
}

static void conn_free(int ep, conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->up.from, NULL);
    epoll_ctl(ep, EPOLL_CTL_DEL, c->down.from, NULL);
    close(c->up.from);
    close(c->down.from);
    direction *ds[] = {&c->up, &c->down};
    for (int i = 0; i < 2; i++)
        while (ds[i]->head) {
            chunk *n = ds[i]->head->next;
            free(ds[i]->head);
            ds[i]->head = n;
        }
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

static int connect_target(const struct sockaddr_in *target)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)target, sizeof *target) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void usage(void)
{
    fprintf(stderr, "usage: latency_proxy --rtt-ms MS --target 127.0.0.1:PORT [--listen-port PORT]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    long rtt_ms = -1, listen_port = 0;
    const char *target = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rtt-ms") == 0)
            rtt_ms = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--target") == 0)
            target = argv[i + 1];
        else if (strcmp(argv[i], "--listen-port") == 0)
            listen_port = strtol(argv[i + 1], NULL, 10);
        else
            usage();
    }
    const char *colon = target ? strrchr(target, ':') : NULL;
    if (rtt_ms < 0 || !colon)
        usage();
    rtt_us = rtt_ms * 1000;
    half_us = rtt_us / 2;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(colon - target), target);
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1)
        usage();
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in la = {.sin_family = AF_INET, .sin_port = htons((uint16_t)listen_port)};
    la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    socklen_t len = sizeof la;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *)&la, sizeof la) != 0 || listen(lfd, 4096) != 0 ||
        getsockname(lfd, (struct sockaddr *)&la, &len) != 0) {
        perror("latency_proxy: listen");
        return 1;
    }
    printf("%d\n", ntohs(la.sin_port));
    fflush(stdout);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0) {
        perror("latency_proxy: epoll");
        return 1;
    }
    int64_t next_due = -1;
    for (;;) {
        int wait_ms = -1;
        if (next_due >= 0) {
            int64_t left = next_due - now_us();
            wait_ms = left <= 0 ? 0 : (int)((left + 999) / 1000);
        }
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, wait_ms);
        if (n < 0 && errno != EINTR) {
            perror("latency_proxy: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            /* every pending connection at once: hundreds arrive together */
            for (int c; evs[i].data.ptr == NULL && (c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0;) {
                int o = connect_target(&to);
                if (o < 0) {
                    close(c);
                    continue;
                }
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                conn *k = calloc(1, sizeof *k);
                if (!k) {
                    close(c);
                    close(o);
                    continue;
                }
                k->up = (direction){.from = c, .to = o, .first_extra = true};
                k->down = (direction){.from = o, .to = c};
                /* the data pointer tells the direction: the conn, or one byte into it */
                struct epoll_event ce = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = k};
                struct epoll_event oe = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = (char *)k + 1};
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                epoll_ctl(ep, EPOLL_CTL_ADD, o, &oe);
                k->next = conns;
                if (conns)
                    conns->prev = k;
                conns = k;
            }
            if (evs[i].data.ptr == NULL)
                continue;
            uintptr_t p = (uintptr_t)evs[i].data.ptr;
            conn *k = (conn *)(p & ~(uintptr_t)1);
            direction *d = (p & 1) ? &k->down : &k->up;
            if (d->read_done)
                continue;
            if (!take(d))
                k->dead = true;
            else if (d->read_done)
                epoll_ctl(ep, EPOLL_CTL_DEL, d->from, NULL);
        }
        /* Deliver what is due; find the next due time. */
        int64_t now = now_us();
        next_due = -1;
        for (conn *k = conns, *next; k; k = next) {
            next = k->next;
            bool ok = !k->dead;
            int64_t a = ok ? deliver(&k->up, now, &ok) : -1;
            int64_t b = ok ? deliver(&k->down, now, &ok) : -1;
            if (!ok || (k->up.write_done && k->down.write_done)) {
                conn_free(ep, k);
                continue;
            }
            if (a >= 0 && (next_due < 0 || a < next_due))
                next_due = a;
            if (b >= 0 && (next_due < 0 || b < next_due))
                next_due = b;
        }
    }
}
