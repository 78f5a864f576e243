/* Output files (--json, --report): where a report is written, per the
 * contract. "-" is standard output. A path that is a symlink, a device, a
 * FIFO or a socket is written through, never replaced; a regular file is
 * replaced atomically with the permissions it had; a new file gets 0666
 * less the umask. The destination is checked before anything is probed. */
#ifndef OD_OUTPUT_H
#define OD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/* Is path "-" (standard output)? */
bool od_output_is_stdout(const char *path);

/* Can path be written as the contract says? NULL, or a malloc'd message
 * naming the path and the reason (nothing is created or changed). */
char *od_output_check(const char *path);

/* Writes data to path. 0, or -1 with errno set. */
int od_output_write(const char *path, const char *data, size_t len);

/* Writes data to path only if nothing is there (a symlink, even dangling,
 * counts): -1 with errno EEXIST otherwise, decided atomically with the
 * write, never half-written. "-" is standard output. */
int od_output_write_new(const char *path, const char *data, size_t len);

#endif
