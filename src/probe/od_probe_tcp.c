/* TCP probe: a non-blocking connect bounded by a deadline, classified the
 * way CloudFront's failures are told apart (refused, dropped, unreachable). */
#include "od_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char *errno_text(int err)
{
    char buf[256];
    if (strerror_r(err, buf, sizeof buf) != 0)
        snprintf(buf, sizeof buf, "error %d", err);
    return od_xstrdup(buf);
}

od_tcp_state od_tcp_classify_errno(int err, bool immediate)
{
    switch (err) {
    case ECONNREFUSED:
    case ECONNRESET:      /* accepted, then reset: the origin's doing */
    case ECONNABORTED:
    case EPIPE:
        return OD_TCP_REFUSED;
    case ETIMEDOUT:
        return OD_TCP_TIMEOUT;
    case ENETUNREACH:
    case ENETDOWN:
        /* refused by connect() itself: this machine has no route */
        return immediate ? OD_TCP_ERROR : OD_TCP_UNREACHABLE;
    case EHOSTUNREACH:
    case EHOSTDOWN:
        return OD_TCP_UNREACHABLE;
    default:
        /* EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL, EAFNOSUPPORT...:
         * this machine, not the origin */
        return OD_TCP_ERROR;
    }
}

static char *errno_message(int err, od_tcp_state st)
{
    char *text = errno_text(err);
    if (st == OD_TCP_ERROR) {
        char *m = od_xasprintf("%s (a failure on this machine, not the origin's)", text);
        free(text);
        return m;
    }
    if (err == ECONNRESET || err == ECONNABORTED || err == EPIPE) {
        char *m = od_xasprintf("%s: the origin reset the connection as it was accepted", text);
        free(text);
        return m;
    }
    return text;
}

static void set_failure(od_tcp_state *state, char **err, od_tcp_state st, char *msg)
{
    if (state)
        *state = st;
    if (err)
        *err = msg;
    else
        free(msg);
}

int od_tcp_connect(const char *address, int port, int timeout_ms, od_tcp_state *state, char **err)
{
    return od_tcp_connect_errno(address, port, timeout_ms, state, err, NULL);
}

int od_tcp_connect_errno(const char *address, int port, int timeout_ms, od_tcp_state *state, char **err,
                         int *err_no)
{
    if (err_no)
        *err_no = 0;
    if (state)
        *state = OD_TCP_ERROR;
    if (err)
        *err = NULL;
    if (!address || port <= 0 || port > 65535) {
        set_failure(state, err, OD_TCP_ERROR, od_xasprintf("invalid address or port"));
        return -1;
    }
    /* The address is numeric: getaddrinfo only builds the sockaddr. */
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    int gai = getaddrinfo(address, portstr, &hints, &ai);
    if (gai != 0 || !ai) {
        set_failure(state, err, OD_TCP_ERROR, od_xasprintf("not a numeric address: %s", gai_strerror(gai)));
        if (ai)
            freeaddrinfo(ai);
        return -1;
    }

    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        freeaddrinfo(ai);
        set_failure(state, err, OD_TCP_ERROR, errno_text(e));
        return -1;
    }
    int64_t deadline = od_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    int soerr = 0;
    bool immediate = false;
    if (rc != 0) {
        if (errno != EINPROGRESS) {
            soerr = errno;
            immediate = true;
        } else {
            for (;;) {
                int64_t left = deadline - od_now_ms();
                if (left <= 0) {
                    soerr = ETIMEDOUT;
                    break;
                }
                struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                int pr = poll(&pfd, 1, (int)left);
                if (pr < 0 && errno == EINTR)
                    continue;
                if (pr < 0) {
                    soerr = errno;
                    break;
                }
                if (pr == 0)
                    continue;   /* the deadline check above ends the loop */
                socklen_t sl = sizeof soerr;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
                    soerr = errno;
                break;
            }
        }
    }
    if (soerr != 0) {
        close(fd);
        if (err_no)
            *err_no = soerr;
        od_tcp_state st = od_tcp_classify_errno(soerr, immediate);
        char *msg = soerr == ETIMEDOUT
                        ? od_xasprintf("no answer to the connection within %d ms", timeout_ms)
                        : errno_message(soerr, st);
        set_failure(state, err, st, msg);
        return -1;
    }
    /* Back to blocking: GnuTLS and the HTTP probe bound their own reads. */
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        set_failure(state, err, OD_TCP_ERROR, errno_text(e));
        return -1;
    }
    /* Handshake flights are small writes: no Nagle delay on top of them. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (state)
        *state = OD_TCP_OPEN;
    return fd;
}

void od_probe_tcp(const char *address, int port, int timeout_ms, od_tcp_result *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->address, sizeof out->address, "%s", address ? address : "");
    out->port = port;
    int64_t start = od_now_ms();
    od_tcp_state st = OD_TCP_ERROR;
    char *err = NULL;
    int fd = od_tcp_connect(address, port, timeout_ms, &st, &err);
    out->duration_ms = od_now_ms() - start;
    out->state = st;
    out->error = err;
    if (fd >= 0)
        close(fd);
}
