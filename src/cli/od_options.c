/* The option table's rows and the --help made from them. */
#include "od_options.h"

#include <string.h>

#include "od_util.h"

const od_option od_options[OD_OPT_COUNT] = {
#define OD_OPTION(id, name, short_name, kind, metavar, values, help) \
    {OD_OPT_##id, name, short_name, kind, metavar, values, help},
#include "od_options.def"
#undef OD_OPTION
};

const char od_usage_head[] =
    "Usage: origin-doctor [options] ORIGIN_DOMAIN\n"
    "       origin-doctor                       (interactive wizard on a terminal)\n"
    "       origin-doctor --lab list | --lab NAME [options]\n"
    "       origin-doctor --open REPORT.json [--batch]\n"
    "       origin-doctor --fleet FILE|FOLDER... [--jsonl OUT] [--shard K/N] [options]\n"
    "       origin-doctor --merge OUT.jsonl... [--report FILE]\n"
    "\n"
    "Tells why CloudFront would answer 502 for a custom origin, by probing the\n"
    "origin from this machine the way CloudFront connects to it.\n"
    "\n";

const char od_usage_tail[] =
    "  --                       end of options: what follows is the origin domain\n"
    "\n"
    "Exit codes: 0 nothing found that makes CloudFront fail, 1 at least one failure,\n"
    "2 usage or input error (nothing probed), 3 the tool itself could not run.\n";

/* The column help text starts in, as in GNU tools' --help. */
enum { HELP_COLUMN = 27 };

char *od_options_help(void)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, od_usage_head);
    for (size_t i = 0; i < OD_OPT_COUNT; i++) {
        const od_option *o = &od_options[i];
        size_t start = b.len;
        if (o->short_name)
            od_buf_printf(&b, "  -%c, --%s", o->short_name, o->name);
        else
            od_buf_printf(&b, "  --%s", o->name);
        if (o->metavar)
            od_buf_printf(&b, " %s", o->metavar);
        size_t width = b.len - start;
        /* A long flag and metavar get the help on the next line. */
        if (width + 1 > HELP_COLUMN)
            od_buf_printf(&b, "\n%*s", HELP_COLUMN, "");
        else
            od_buf_printf(&b, "%*s", (int)(HELP_COLUMN - width), "");
        for (const char *p = o->help; *p; p++) {
            od_buf_append(&b, p, 1);
            if (*p == '\n')
                od_buf_printf(&b, "%*s", HELP_COLUMN, "");
        }
        od_buf_puts(&b, "\n");
    }
    od_buf_puts(&b, od_usage_tail);
    return od_buf_steal(&b);
}
