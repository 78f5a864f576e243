/* Per-finding texts (title, explanation, ordered fix steps, server
 * specific snippets) from assets/fixes.json. */
#ifndef OD_FIXES_H
#define OD_FIXES_H

#include <cJSON.h>
#include "od_finding.h"

typedef struct {
    cJSON *root;      /* the parsed catalogue */
    char *path;
} od_fixes;

char *od_fixes_load(const char *path, od_fixes *out);   /* NULL or error message */
void od_fixes_free(od_fixes *f);

/* Variables substituted into texts: {origin}, {name}, {port}, {address}, ... */
typedef struct {
    const char *key;
    const char *value;
} od_fix_var;

/* Fills f->title (if unset) and f->fix from the catalogue entry of f->id,
 * choosing server-specific steps when server (e.g. "nginx") is known. */
void od_fixes_apply(const od_fixes *fx, od_finding *f, const char *server,
                    const od_fix_var *vars, size_t n_vars);

/* What viewers get when a finding with this id fails (502 or 504, from
 * the catalogue's cloudfront_status), or 0 when unknown. */
int od_fixes_cloudfront_status(const od_fixes *fx, const char *id);

#endif
