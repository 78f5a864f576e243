/* Shared by the fuzz targets. */
#ifndef OD_FUZZ_COMMON_H
#define OD_FUZZ_COMMON_H

#include <stdbool.h>

/* A raw control character, ESC or a C1 control (UTF-8 C2 80..9F): what
 * must never reach a terminal from the network. */
static inline bool fuzz_raw_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return true;
    return false;
}

#endif
