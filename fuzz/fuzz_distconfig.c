/* libFuzzer: the distribution-config loader (aws cloudfront
 * get-distribution-config output), fed arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "od_distconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    od_dist_config d;
    char *err = od_distconfig_parse((const char *)data, size, NULL, &d);
    if (!err) {
        for (size_t i = 0; i < d.n_origins; i++) {
            od_strlist ids;
            od_strlist_init(&ids);
            od_distconfig_questions(&d.origins[i], &ids);
            od_strlist_free(&ids);
        }
        od_distconfig_free(&d);
    }
    free(err);
    return 0;
}
