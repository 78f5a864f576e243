/* A minimal unit-test harness: CHECK records a failure and goes on;
 * check_done() prints "N passed, M failed" and returns the exit code. */
#ifndef OD_CHECK_H
#define OD_CHECK_H

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
    if (cond) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_MSG(cond, ...) do { \
    if (cond) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
           fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
} while (0)

#define CHECK_STR(a, b) do { \
    const char *check_a_ = (a), *check_b_ = (b); \
    if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "%s:%d: CHECK_STR failed: %s = \"%s\", expected \"%s\"\n", \
           __FILE__, __LINE__, #a, check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); } \
} while (0)

/* Can a socket be bound to ::1 here? When this machine has no IPv6
 * loopback (IPv6 disabled: EAFNOSUPPORT, EADDRNOTAVAIL), says so on
 * stderr and returns false: the caller skips only its IPv6 checks. Any
 * other error is not a reason to skip: true, and the checks fail loudly. */
static inline bool check_ipv6_loopback(const char *what) {
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    int e = fd < 0 ? errno : 0;
    if (fd >= 0) {
        struct sockaddr_in6 a;
        memset(&a, 0, sizeof a);
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
            e = errno;
        close(fd);
    }
    if (e == EAFNOSUPPORT || e == EADDRNOTAVAIL) {
        fprintf(stderr, "SKIPPED %s: this machine has no IPv6 loopback (binding ::1: %s)\n", what, strerror(e));
        return false;
    }
    return true;
}

static inline int check_done(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
    return (check_failed == 0 && check_passed > 0) ? 0 : 1;
}

#endif
