/* od_output_write_new: writes only where nothing is, decided with the
 * write itself (--write-chain without --force). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "od_output.h"
#include "od_util.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return od_xstrdup(buf);
}

/* Files in dir other than the ones named: a temporary left behind shows here. */
static size_t entries(const char *dir)
{
    char *cmd = od_xasprintf("ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    free(cmd);
    size_t n = 0;
    if (p) {
        if (fscanf(p, "%zu", &n) != 1)
            n = 0;
        pclose(p);
    }
    return n;
}

int main(void)
{
    char tmpl[] = "/tmp/od-output-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir)
        return check_done("output");
    char *fresh = od_xasprintf("%s/fresh.pem", dir);
    char *kept = od_xasprintf("%s/kept.pem", dir);
    char *dangling = od_xasprintf("%s/dangling.pem", dir);

    /* a new file: written whole, 0666 less the umask */
    mode_t old = umask(027);
    CHECK(od_output_write_new(fresh, "new\n", 4) == 0);
    umask(old);
    char *got = slurp(fresh);
    CHECK_STR(got, "new\n");
    free(got);
    struct stat st;
    CHECK(stat(fresh, &st) == 0 && (st.st_mode & 0777) == 0640);

    /* an existing file stays as it was */
    FILE *f = fopen(kept, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("precious\n", f);
        fclose(f);
    }
    errno = 0;
    CHECK(od_output_write_new(kept, "other\n", 6) == -1 && errno == EEXIST);
    got = slurp(kept);
    CHECK_STR(got, "precious\n");
    free(got);

    /* a symlink counts, even one that points nowhere: nothing is created through it */
    CHECK(symlink("/nonexistent/od-target", dangling) == 0);
    errno = 0;
    CHECK(od_output_write_new(dangling, "x\n", 2) == -1 && errno == EEXIST);

    /* no temporary file is left beside them */
    CHECK_MSG(entries(dir) == 3, "%zu entries in %s", entries(dir), dir);

    /* an unwritable place: the error, nothing created */
    char *nodir = od_xasprintf("%s/missing/x.pem", dir);
    errno = 0;
    CHECK(od_output_write_new(nodir, "x\n", 2) == -1 && errno == ENOENT);

    unlink(fresh);
    unlink(kept);
    unlink(dangling);
    rmdir(dir);
    free(fresh);
    free(kept);
    free(dangling);
    free(nodir);
    return check_done("output");
}
