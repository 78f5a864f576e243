/* libFuzzer: the HTTP response head parser (status line, 1xx skipping,
 * Server header), fed what an origin might send. */
#include <stdint.h>

#include "fuzz_common.h"
#include "od_http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    od_http_head h;
    od_http_parse_head((const char *)data, size, &h);
    /* what it reports stays inside the input and is escaped */
    if (h.skipped > size || h.skipped + h.head_len > size)
        __builtin_trap();
    if ((h.status_line && fuzz_raw_control(h.status_line)) || (h.server && fuzz_raw_control(h.server)))
        __builtin_trap();
    od_http_head_free(&h);
    return 0;
}
