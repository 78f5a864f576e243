/* libFuzzer: the saved-report loader (--open), fed arbitrary bytes. A
 * report that loads must also render and serialise again. */
#include <stdint.h>
#include <stdlib.h>

#include "od_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    od_report r;
    od_report_init(&r);
    char *err = od_report_from_json((const char *)data, size, &r);
    if (!err) {
        free(od_report_to_json(&r));
        free(od_report_text(&r, false));
        free(od_report_markdown(&r));
    }
    free(err);
    od_report_free(&r);
    return 0;
}
