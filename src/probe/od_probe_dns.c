/* DNS probe: A and AAAA through the system resolver, bounded by a
 * deadline. getaddrinfo cannot be cancelled, so it runs on a detached
 * thread that shares a reference-counted job with the caller: whoever
 * lets go last frees it, so a timeout returns at once and leaks nothing. */
#include "od_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    int refs;              /* caller + worker */
    bool done;
    char *host;
    int rc;                /* getaddrinfo's return */
    int sys_errno;         /* errno, for EAI_SYSTEM */
    struct addrinfo *result;
} dns_job;

static void job_release(dns_job *j)
{
    pthread_mutex_lock(&j->lock);
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&j->lock);
    if (!last)
        return;
    if (j->result)
        freeaddrinfo(j->result);
    free(j->host);
    pthread_cond_destroy(&j->done_cond);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

static void *resolver_thread(void *arg)
{
    dns_job *j = arg;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;      /* A and AAAA, whatever this host can reach */
    hints.ai_socktype = SOCK_STREAM;  /* one entry per address */
    int rc = getaddrinfo(j->host, NULL, &hints, &res);
    int sys_errno = errno;
    pthread_mutex_lock(&j->lock);
    j->rc = rc;
    j->sys_errno = sys_errno;
    j->result = res;
    j->done = true;
    pthread_cond_signal(&j->done_cond);
    pthread_mutex_unlock(&j->lock);
    job_release(j);
    return NULL;
}

/* Normalises a numeric address ("[::1]" accepted); false if not one. */
static bool numeric_address(const char *s, char *out, size_t outlen, int *family)
{
    char tmp[OD_ADDR_LEN];
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        if (n - 2 >= sizeof tmp)
            return false;
        memcpy(tmp, s + 1, n - 2);
        tmp[n - 2] = '\0';
    } else {
        if (n >= sizeof tmp)
            return false;
        memcpy(tmp, s, n + 1);
    }
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, tmp, buf) == 1) {
        *family = 4;
        return inet_ntop(AF_INET, buf, out, (socklen_t)outlen) != NULL;
    }
    if (inet_pton(AF_INET6, tmp, buf) == 1) {
        *family = 6;
        return inet_ntop(AF_INET6, buf, out, (socklen_t)outlen) != NULL;
    }
    return false;
}

static bool v4_is_private(const unsigned char *a)
{
    return a[0] == 10 || a[0] == 127 || a[0] == 0 ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) ||
           (a[0] == 192 && a[1] == 168) ||
           (a[0] == 169 && a[1] == 254) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64);
}

bool od_address_is_private(const char *address)
{
    char norm[OD_ADDR_LEN];
    int family;
    if (!address || !numeric_address(address, norm, sizeof norm, &family))
        return false;
    unsigned char a[16];
    if (family == 4) {
        inet_pton(AF_INET, norm, a);
        return v4_is_private(a);
    }
    inet_pton(AF_INET6, norm, a);
    static const unsigned char loopback[16] = { [15] = 1 };
    static const unsigned char unspecified[16] = { 0 };
    static const unsigned char mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };
    if (memcmp(a, loopback, 16) == 0 || memcmp(a, unspecified, 16) == 0)
        return true;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)   /* fe80::/10 link-local */
        return true;
    if ((a[0] & 0xfe) == 0xfc)                   /* fc00::/7 unique-local */
        return true;
    if (memcmp(a, mapped_prefix, 12) == 0)       /* ::ffff:a.b.c.d judged as IPv4 */
        return v4_is_private(a + 12);
    return false;
}

static void add_address(od_observations *o, const char *numeric, int family, bool from_resolve)
{
    for (size_t i = 0; i < o->n_addresses; i++)
        if (strcmp(o->addresses[i].address, numeric) == 0)
            return;
    od_address *a = od_obs_add_address(o);
    snprintf(a->address, sizeof a->address, "%s", numeric);
    a->family = family;
    a->from_resolve = from_resolve;
    a->is_private = od_address_is_private(numeric);
}

static bool host_matches(const char *want, const char *host)
{
    /* "Example.COM." and "example.com" are the same name. */
    size_t lw = strlen(want), lh = strlen(host);
    if (lw && want[lw - 1] == '.')
        lw--;
    if (lh && host[lh - 1] == '.')
        lh--;
    return lw == lh && od_strncasecmp(want, host, lw) == 0;
}

static void resolve_with_deadline(const char *host, int timeout_ms, od_observations *o)
{
    dns_job *j = od_xcalloc(1, sizeof *j);
    j->refs = 2;
    j->host = od_xstrdup(host);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->done_cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&j->lock, NULL);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t tid;
    int prc = pthread_create(&tid, &attr, resolver_thread, j);
    pthread_attr_destroy(&attr);
    if (prc != 0) {
        j->refs = 1;
        job_release(j);
        o->dns.status = OD_DNS_FAILED;
        o->dns.error = od_xasprintf("cannot start the resolver: %s", od_strerror(prc, &(od_errbuf){0}));
        return;
    }

    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t ns = until.tv_nsec + (int64_t)(timeout_ms % 1000) * 1000000;
    until.tv_sec += timeout_ms / 1000 + (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);

    pthread_mutex_lock(&j->lock);
    int wrc = 0;
    while (!j->done && wrc != ETIMEDOUT)
        wrc = pthread_cond_timedwait(&j->done_cond, &j->lock, &until);
    bool done = j->done;
    int rc = j->rc;
    int sys_errno = j->sys_errno;
    struct addrinfo *res = j->result;
    pthread_mutex_unlock(&j->lock);

    if (!done) {
        o->dns.status = OD_DNS_FAILED;
        o->dns.error = od_xasprintf("no answer from the resolver within %d ms", timeout_ms);
    } else if (rc == EAI_NONAME) {
        o->dns.status = OD_DNS_NO_SUCH_HOST;
        o->dns.error = od_xstrdup(gai_strerror(rc));
    } else if (rc != 0) {
        o->dns.status = OD_DNS_FAILED;
        o->dns.error = rc == EAI_SYSTEM ? od_xasprintf("%s: %s", gai_strerror(rc), od_strerror(sys_errno, &(od_errbuf){0}))
                                        : od_xstrdup(gai_strerror(rc));
    } else {
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            char buf[OD_ADDR_LEN];
            const void *src = NULL;
            int family = 0;
            if (ai->ai_family == AF_INET) {
                src = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
                family = 4;
            } else if (ai->ai_family == AF_INET6) {
                src = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
                family = 6;
            }
            if (src && inet_ntop(ai->ai_family, src, buf, sizeof buf))
                add_address(o, buf, family, false);
        }
        if (o->n_addresses > 0) {
            o->dns.status = OD_DNS_OK;
        } else {
            o->dns.status = OD_DNS_FAILED;
            o->dns.error = od_xstrdup("the name has no IPv4 or IPv6 address");
        }
    }
    /* The result stays the job's: it is freed with the job. */
    job_release(j);
}

void od_probe_dns(const char *host, int port, const od_resolve *resolve, size_t n_resolve,
                  int timeout_ms, od_observations *o)
{
    int64_t start = od_now_ms();
    free(o->dns.error);
    o->dns.error = NULL;
    if (!host || !*host) {
        o->dns.status = OD_DNS_FAILED;
        o->dns.error = od_xstrdup("no host name given");
        o->dns.duration_ms = 0;
        return;
    }

    char norm[OD_ADDR_LEN];
    int family;
    if (numeric_address(host, norm, sizeof norm, &family)) {
        o->dns.status = OD_DNS_IS_IP;
        add_address(o, norm, family, false);
        o->dns.duration_ms = od_now_ms() - start;
        return;
    }

    /* --resolve HOST:PORT:ADDR wins over DNS, as with curl. */
    bool overridden = false;
    for (size_t i = 0; i < n_resolve; i++) {
        const od_resolve *r = &resolve[i];
        if (!r->host || !r->address || r->port != port || !host_matches(r->host, host))
            continue;
        if (numeric_address(r->address, norm, sizeof norm, &family)) {
            add_address(o, norm, family, true);
            overridden = true;
        }
    }
    if (overridden) {
        o->dns.status = OD_DNS_OK;
        o->dns.duration_ms = od_now_ms() - start;
        return;
    }

    resolve_with_deadline(host, timeout_ms > 0 ? timeout_ms : 1, o);
    o->dns.duration_ms = od_now_ms() - start;
}
