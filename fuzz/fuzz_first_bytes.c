/* libFuzzer: the TLS-or-not classifier of an origin's first bytes and the
 * sentence it reports for a peer that does not speak TLS. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "od_first_bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    od_first_kind k = od_first_bytes_kind(data, size);
    if ((k == OD_FIRST_NOTHING) != (size == 0))
        __builtin_trap();
    char *text = od_first_bytes_not_tls_text(data, size);
    if (fuzz_raw_control(text))
        __builtin_trap();   /* nothing from the network reaches a terminal raw */
    free(text);
    return 0;
}
