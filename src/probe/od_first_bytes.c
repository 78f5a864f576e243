#include "od_first_bytes.h"

#include <stdlib.h>
#include <string.h>

#include "od_util.h"

od_first_kind od_first_bytes_kind(const unsigned char *b, size_t n)
{
    if (n == 0)
        return OD_FIRST_NOTHING;
    if (b[0] >= 20 && b[0] <= 24)
        return OD_FIRST_TLS;
    if (n >= 5 && memcmp(b, "HTTP/", 5) == 0)
        return OD_FIRST_HTTP;
    return OD_FIRST_OTHER;
}

char *od_first_bytes_not_tls_text(const unsigned char *b, size_t n)
{
    size_t line = 0;
    while (line < n && b[line] != '\r' && b[line] != '\n')
        line++;
    char *text = od_escape((const char *)b, line);
    char *msg = od_first_bytes_kind(b, n) == OD_FIRST_HTTP
                    ? od_xasprintf("the origin answered with plain HTTP (\"%s\"), not TLS", text)
                    : od_xasprintf("the origin answered with something that is not TLS (\"%s\")", text);
    free(text);
    return msg;
}
