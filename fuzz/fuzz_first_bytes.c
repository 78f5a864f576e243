/* libFuzzer: the TLS-or-not classifier of an origin's first bytes and the
 * sentence it reports for a peer that does not speak TLS. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "od_first_bytes.h"

/* A raw control character, ESC or a C1 control (UTF-8 C2 80..9F). */
static bool raw_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    od_first_kind k = od_first_bytes_kind(data, size);
    if ((k == OD_FIRST_NOTHING) != (size == 0))
        __builtin_trap();
    char *text = od_first_bytes_not_tls_text(data, size);
    if (raw_control(text))
        __builtin_trap();   /* nothing from the network reaches a terminal raw */
    free(text);
    return 0;
}
