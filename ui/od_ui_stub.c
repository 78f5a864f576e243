/* Temporary: the interactive UI is not in this commit yet. */
#include <stdio.h>
#include "od_ui.h"

int od_ui_run(const od_ui_opts *opts)
{
    (void)opts;
    fputs("origin-doctor: the interactive UI is not built yet; use --batch\n", stderr);
    return 3;
}
