/* Issue 11: --concurrency bounds the connections in flight to the origin,
 * CloudFront's exact ClientHello included (it runs on a second connection
 * beside the handshake proper only while the bound leaves room for it).
 * A counting relay on 127.0.0.1 stands in front of the project's GnuTLS
 * origin; with the real binary:
 *  - --concurrency 1: never more than one connection carries data at once;
 *  - --concurrency 2: never more than two;
 *  - without the flag the run has more at once (the table, the names, the
 *    exact offer beside), and all three runs give the same verdict and the
 *    same findings. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "itest.h"

#define ORIGIN "bound.example.test"
#define MAX_PAIRS 512

static const char *bin;

/* ---- the counting relay ---- */

/* A connection counts as in flight from its first byte from the client
 * (the client has connected by then, and every connection it closed
 * before shows as ended in the same or an earlier poll) to its end. */
typedef struct {
    int client, origin;
    bool spoke;    /* the client has sent something */
    bool active;   /* counted in flight */
} pair;

typedef struct {
    int listener, origin_port;
    atomic_bool stop;
    pthread_t tid;
    pair pairs[MAX_PAIRS];
    size_t n_pairs;
    /* written by the relay thread, read and reset between runs by the test */
    atomic_size_t in_flight, max_in_flight, connections;
} relay;

static int connect_origin(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void pair_end(relay *r, pair *p)
{
    if (p->active)
        atomic_fetch_sub(&r->in_flight, 1);
    close(p->client);
    close(p->origin);
    *p = r->pairs[--r->n_pairs];
}

/* Copies what is there from one side to the other; false at the end. */
static bool forward(int from, int to)
{
    char buf[16384];
    ssize_t n = recv(from, buf, sizeof buf, 0);
    if (n <= 0)
        return false;
    for (ssize_t done = 0; done < n;) {
        ssize_t w = send(to, buf + done, (size_t)(n - done), MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        done += w;
    }
    return true;
}

static void *relay_thread(void *arg)
{
    relay *r = arg;
    static struct pollfd fds[1 + 2 * MAX_PAIRS];
    while (!atomic_load(&r->stop)) {
        size_t n = 0;
        fds[n++] = (struct pollfd){.fd = r->listener, .events = POLLIN};
        for (size_t i = 0; i < r->n_pairs; i++) {
            fds[n++] = (struct pollfd){.fd = r->pairs[i].client, .events = POLLIN};
            fds[n++] = (struct pollfd){.fd = r->pairs[i].origin, .events = POLLIN};
        }
        if (poll(fds, n, 50) <= 0)
            continue;
        /* Ends first, then connections that began to speak, then new ones:
         * a connection the client closed before opening the next is never
         * counted beside it. */
        for (size_t i = r->n_pairs; i-- > 0;) {
            short ce = fds[1 + 2 * i].revents, oe = fds[2 + 2 * i].revents;
            pair *p = &r->pairs[i];
            bool alive = true;
            if (ce & (POLLIN | POLLHUP | POLLERR)) {
                p->spoke = true;
                alive = forward(p->client, p->origin);
            }
            if (alive && (oe & (POLLIN | POLLHUP | POLLERR)))
                alive = forward(p->origin, p->client);
            if (!alive)
                pair_end(r, p);
        }
        for (size_t i = 0; i < r->n_pairs; i++) {
            pair *p = &r->pairs[i];
            if (p->spoke && !p->active) {
                p->active = true;
                size_t now = atomic_fetch_add(&r->in_flight, 1) + 1;
                if (now > atomic_load(&r->max_in_flight))
                    atomic_store(&r->max_in_flight, now);
            }
        }
        if (fds[0].revents & POLLIN) {
            int c = accept(r->listener, NULL, NULL);
            if (c < 0)
                continue;
            int o = connect_origin(r->origin_port);
            if (o < 0 || r->n_pairs == MAX_PAIRS) {
                close(c);
                if (o >= 0)
                    close(o);
                continue;
            }
            r->pairs[r->n_pairs++] = (pair){.client = c, .origin = o};
            atomic_fetch_add(&r->connections, 1);
        }
    }
    while (r->n_pairs)
        pair_end(r, &r->pairs[0]);
    return NULL;
}

static bool relay_start(relay *r, int origin_port, int *port)
{
    memset(r, 0, sizeof *r);
    r->origin_port = origin_port;
    r->listener = socket(AF_INET, SOCK_STREAM, 0);
    if (r->listener < 0)
        return false;
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(r->listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(r->listener, 256) != 0 ||
        getsockname(r->listener, (struct sockaddr *)&a, &len) != 0 ||
        pthread_create(&r->tid, NULL, relay_thread, r) != 0) {
        close(r->listener);
        return false;
    }
    *port = ntohs(a.sin_port);
    return true;
}

static void relay_stop(relay *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->tid, NULL);
    close(r->listener);
}

/* ---- the runs ---- */

typedef struct {
    int exit_code;
    char *status, *fails, *warns;
    size_t max_in_flight, connections;
} run_seen;

static void run_through(relay *r, int port, const char *trust, const char *concurrency, run_seen *out)
{
    memset(out, 0, sizeof *out);
    char *trust_arg = od_xasprintf("--trust-store=%s", trust);
    char *bound_arg = concurrency ? od_xasprintf("--concurrency=%s", concurrency) : NULL;
    const char *extra[] = {trust_arg, "--forward-host", "--cname", "www." ORIGIN, bound_arg, NULL};
    /* started from a quiet relay: the counts are this run's */
    atomic_store(&r->max_in_flight, 0);
    atomic_store(&r->connections, 0);
    it_result res;
    cJSON *j = it_run_json(bin, ORIGIN, port, extra, &res);
    CHECK_MSG(j != NULL, "--concurrency %s: no JSON report: %s", concurrency ? concurrency : "(default)",
              res.err ? res.err : "");
    out->exit_code = res.exit_code;
    const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(j, "verdict");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(verdict, "cloudfront_status");
    const cJSON *complete = cJSON_GetObjectItemCaseSensitive(verdict, "complete");
    out->status = od_xasprintf("%d%s", cJSON_IsNumber(status) ? status->valueint : 0,
                               cJSON_IsTrue(complete) ? "" : " (incomplete)");
    out->fails = it_ids_with_severity(j, "fail");
    out->warns = it_ids_with_severity(j, "warn");
    /* the binary has exited: every connection it made ends at the relay
     * (which notices within its 50 ms poll) before the next run starts */
    for (int i = 0; i < 100 && atomic_load(&r->in_flight) > 0; i++)
        usleep(50 * 1000);
    CHECK_MSG(atomic_load(&r->in_flight) == 0, "%zu connections still open at the relay after the run",
              atomic_load(&r->in_flight));
    out->max_in_flight = atomic_load(&r->max_in_flight);
    out->connections = atomic_load(&r->connections);
    cJSON_Delete(j);
    it_result_free(&res);
    free(trust_arg);
    free(bound_arg);
}

static void run_seen_free(run_seen *s)
{
    free(s->status);
    free(s->fails);
    free(s->warns);
}

int main(int argc, char **argv)
{
    bin = it_bin_arg(argc, argv);
    char *dir = it_tmpdir();
    od_gen_cert pki[2];
    char *trust = NULL;
    int origin_port = 0, port = 0;
    /* the leaf covers only the origin's name: www. gives a finding to compare */
    od_lab_server *srv = it_one_cert_origin(dir, ORIGIN, OD_KEY_RSA2048, NULL, pki, &trust, &origin_port);
    CHECK(srv != NULL);
    relay r;
    bool relaying = srv && relay_start(&r, origin_port, &port);
    CHECK_MSG(relaying, "the counting relay did not start");
    if (relaying) {
        run_seen one, two, any;
        run_through(&r, port, trust, "1", &one);
        run_through(&r, port, trust, "2", &two);
        run_through(&r, port, trust, NULL, &any);
        fprintf(stderr, "in flight at most: --concurrency 1: %zu of %zu connections, 2: %zu of %zu, default: %zu of %zu\n",
                one.max_in_flight, one.connections, two.max_in_flight, two.connections, any.max_in_flight,
                any.connections);
        CHECK_MSG(one.connections > 2 && one.max_in_flight == 1,
                  "--concurrency 1: %zu connections at once (of %zu)", one.max_in_flight, one.connections);
        CHECK_MSG(two.max_in_flight >= 1 && two.max_in_flight <= 2, "--concurrency 2: %zu connections at once",
                  two.max_in_flight);
        CHECK_MSG(any.max_in_flight > 2, "default bound: only %zu connections at once", any.max_in_flight);
        /* the same diagnosis whatever the bound */
        CHECK_MSG(strstr(any.fails, "CERT_NAME_MISMATCH") != NULL, "default: fails \"%s\"", any.fails);
        CHECK_MSG(any.exit_code == 1 && strcmp(any.status, "502") == 0, "default: exit %d, status %s", any.exit_code,
                  any.status);
        const run_seen *bounded[] = {&one, &two};
        for (size_t i = 0; i < 2; i++) {
            const run_seen *b = bounded[i];
            CHECK_MSG(b->exit_code == any.exit_code, "--concurrency %zu: exit %d, default %d", i + 1, b->exit_code,
                      any.exit_code);
            CHECK_MSG(strcmp(b->status, any.status) == 0, "--concurrency %zu: status %s, default %s", i + 1,
                      b->status, any.status);
            CHECK_MSG(strcmp(b->fails, any.fails) == 0, "--concurrency %zu: fails \"%s\", default \"%s\"", i + 1,
                      b->fails, any.fails);
            CHECK_MSG(strcmp(b->warns, any.warns) == 0, "--concurrency %zu: warns \"%s\", default \"%s\"", i + 1,
                      b->warns, any.warns);
        }
        run_seen_free(&one);
        run_seen_free(&two);
        run_seen_free(&any);
        relay_stop(&r);
    }
    it_one_cert_origin_end(srv, pki, dir, trust);
    return check_done("connection_bound");
}
