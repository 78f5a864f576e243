/* libFuzzer: certificate analysis from DER (every field the report shows). */
#include <stdint.h>
#include <stdlib.h>

#include "od_cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    od_cert c;
    char *err = od_cert_parse_der(data, size, &c);
    if (!err) {
        free(od_cert_to_pem(&c));
        od_cert_free(&c);
    }
    free(err);
    return 0;
}
