/* Output files, per the contract in od_output.h. Why two ways of writing:
 * replacing a symlink, /dev/stdout or a FIFO with a new regular file
 * breaks what the user pointed it at (as root, `--json /dev/stdout`
 * replaced the device link), while a regular file must never be left
 * half-written, hence the atomic rename there. */
#include "od_output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "od_util.h"

#define MAX_LINK_DEPTH 16

bool od_output_is_stdout(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

/* The folder holding path ("." when it has none). malloc'd. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return od_xstrdup(".");
    if (slash == path)
        return od_xstrdup("/");
    char *d = od_xmalloc((size_t)(slash - path) + 1);
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = '\0';
    return d;
}

/* Where symlink `link` points, relative targets made relative to its folder. */
static char *link_target(const char *link)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    if (buf[0] == '/')
        return od_xstrdup(buf);
    char *dir = folder_of(link);
    char *t = od_xasprintf("%s/%s", dir, buf);
    free(dir);
    return t;
}

static char *cannot(const char *path, const char *why)
{
    return od_xasprintf("cannot write \"%s\": %s", path, why);
}

static char *check_new_file(const char *shown, const char *path)
{
    char *dir = folder_of(path);
    struct stat st;
    char *msg = NULL;
    if (stat(dir, &st) != 0)
        msg = od_xasprintf("cannot write \"%s\": folder \"%s\": %s", shown, dir, od_strerror(errno, &(od_errbuf){0}));
    else if (!S_ISDIR(st.st_mode))
        msg = od_xasprintf("cannot write \"%s\": \"%s\" is not a folder", shown, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        msg = od_xasprintf("cannot write \"%s\": folder \"%s\": %s", shown, dir, od_strerror(errno, &(od_errbuf){0}));
    free(dir);
    return msg;
}

static char *check_at(const char *shown, const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return check_new_file(shown, path);
        return cannot(shown, od_strerror(errno, &(od_errbuf){0}));
    }
    if (S_ISLNK(st.st_mode)) {
        if (depth >= MAX_LINK_DEPTH)
            return cannot(shown, "too many levels of symbolic links");
        char *t = link_target(path);
        if (!t)
            return cannot(shown, od_strerror(errno, &(od_errbuf){0}));
        char *msg = check_at(shown, t, depth + 1);
        free(t);
        return msg;
    }
    if (S_ISDIR(st.st_mode))
        return cannot(shown, "it is a folder");
    if (access(path, W_OK) != 0)
        return cannot(shown, od_strerror(errno, &(od_errbuf){0}));
    if (S_ISREG(st.st_mode) && depth == 0)
        return check_new_file(shown, path);   /* replaced through a file beside it */
    return NULL;
}

char *od_output_check(const char *path)
{
    if (!path || !*path)
        return od_xstrdup("an output path is empty");
    if (od_output_is_stdout(path))
        return fcntl(STDOUT_FILENO, F_GETFL) == -1 ? cannot("-", "standard output is closed") : NULL;
    return check_at(path, path, 0);
}

static int write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

/* Through the path as it is: a symlink's target, a device, a FIFO. */
static int write_through(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    struct stat st;
    /* a regular file behind a link is truncated, a device never */
    if (fstat(fd, &st) != 0 || (S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) || write_all(fd, data, len) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return close(fd);
}

/* A new file beside path, renamed over it: never half-written. old NULL:
 * a new file (0666 less the umask, applied by open); else old's mode.
 * keep_existing: linked to path instead of renamed, so a file that
 * appeared there meanwhile stays and the call fails with EEXIST. */
static int write_replacing(const char *path, const char *data, size_t len, const struct stat *old,
                           bool keep_existing)
{
    char *tmp = NULL;
    int fd = -1;
    for (unsigned attempt = 0; fd < 0 && attempt < 100; attempt++) {
        free(tmp);
        tmp = od_xasprintf("%s.tmp-%ld-%u", path, (long)getpid(), attempt);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, old ? 0600 : 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        free(tmp);
        errno = e;
        return -1;
    }
    int rc = write_all(fd, data, len);
    if (rc == 0 && old) {
        /* the same owner when allowed (root), the same permissions always */
        if (fchown(fd, old->st_uid, old->st_gid) != 0 && errno != EPERM)
            rc = -1;
        if (rc == 0)
            rc = fchmod(fd, old->st_mode & 07777);
    }
    if (rc == 0)
        rc = fsync(fd);
    int e = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc == 0 && (keep_existing ? link(tmp, path) : rename(tmp, path)) != 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0 || keep_existing)
        unlink(tmp);
    free(tmp);
    errno = e;
    return rc;
}

int od_output_write(const char *path, const char *data, size_t len)
{
    if (od_output_is_stdout(path)) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return -1;
        return 0;
    }
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno != ENOENT)
            return -1;
        return write_replacing(path, data, len, NULL, false);
    }
    if (S_ISREG(st.st_mode))
        return write_replacing(path, data, len, &st, false);
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    return write_through(path, data, len);
}

int od_output_write_new(const char *path, const char *data, size_t len)
{
    if (od_output_is_stdout(path))
        return od_output_write(path, data, len);
    return write_replacing(path, data, len, NULL, true);
}
