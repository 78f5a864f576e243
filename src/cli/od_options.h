/* The command line's option table (od_options.def) as data: one row per
 * flag, read by the parser, --help, and the man page and completion
 * generator. */
#ifndef OD_OPTIONS_H
#define OD_OPTIONS_H

#include <stddef.h>

/* What a flag's value is, so that completions know what to offer. */
typedef enum {
    OD_VAL_NONE,        /* a switch, no value */
    OD_VAL_TEXT,        /* free text */
    OD_VAL_NUMBER,      /* a whole number */
    OD_VAL_HOST,        /* a host name */
    OD_VAL_FILE,        /* a path */
    OD_VAL_CHOICE,      /* one of the allowed values */
    OD_VAL_LIST,        /* a comma list of the allowed values */
    OD_VAL_LAB,         /* a practice lab scenario name, or "list" */
    OD_VAL_ORIGIN_ID    /* an origin id of the --distribution-config file */
} od_value_kind;

typedef enum {
#define OD_OPTION(id, name, short_name, kind, metavar, values, help) OD_OPT_##id,
#include "od_options.def"
#undef OD_OPTION
    OD_OPT_COUNT
} od_option_id;

typedef struct {
    od_option_id id;
    const char *name;         /* long name without "--" */
    char short_name;          /* 0: none */
    od_value_kind kind;
    const char *metavar;      /* NULL for OD_VAL_NONE */
    const char *values;       /* "a|b|c" for CHOICE and LIST, else NULL */
    const char *help;         /* "\n" starts a continuation line */
} od_option;

extern const od_option od_options[OD_OPT_COUNT];

/* The lines above and below the option list in --help. */
extern const char od_usage_head[];
extern const char od_usage_tail[];

/* The whole --help text, made from the table; caller frees. */
char *od_options_help(void);

#endif
