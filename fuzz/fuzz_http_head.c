/* libFuzzer: the HTTP response head parser (status line, 1xx skipping,
 * Server header), fed what an origin might send. */
#include <stdbool.h>
#include <stdint.h>

#include "od_http_head.h"

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
    od_http_head h;
    od_http_parse_head((const char *)data, size, &h);
    /* what it reports stays inside the input and is escaped */
    if (h.skipped > size || h.skipped + h.head_len > size)
        __builtin_trap();
    if ((h.status_line && raw_control(h.status_line)) || (h.server && raw_control(h.server)))
        __builtin_trap();
    od_http_head_free(&h);
    return 0;
}
