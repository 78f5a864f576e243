/* The fleet: items from distribution files, shared Cases, shards, the run
 * under one bound on connections, JSON lines and the summary. */
#include "od_fleet.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "od_json.h"
#include "od_pool.h"
#include "od_report.h"

/* ---------------------------------------------------------------- loading */

static od_fleet_item *add_item(od_fleet *f, const char *dist_id, const char *dist_domain, const char *origin_id,
                               const char *origin_domain, const char *source, od_fleet_kind kind)
{
    f->items = od_xrealloc(f->items, (f->n + 1) * sizeof *f->items);
    od_fleet_item *it = &f->items[f->n++];
    memset(it, 0, sizeof *it);
    it->distribution_id = od_xstrdup(dist_id);
    it->distribution_domain = od_escape_str(dist_domain);
    it->origin_id = od_escape_str(origin_id ? origin_id : "");
    it->origin_domain = od_escape_str(origin_domain);
    it->source = od_xstrdup(source);
    it->kind = kind;
    od_strlist_init(&it->cnames);
    return it;
}

static bool item_exists(const od_fleet *f, const char *dist_id, const char *origin_id)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->items[i].distribution_id, dist_id) == 0 && strcmp(f->items[i].origin_id, origin_id) == 0)
            return true;
    return false;
}

/* The index of an identical Case, adding this one when it is new (takes c). */
static size_t intern_case(od_fleet *f, od_case *c)
{
    /* The names CloudFront sends are the identity: Aliases matter only
     * when Host is forwarded, so distributions with different Aliases in
     * front of the same origin share its diagnosis. */
    od_strlist cnames = c->cnames;
    if (!c->forward_host_header && !c->also_origin_domain)
        od_strlist_init(&c->cnames);
    /* The distribution's own name likewise (and a case shared by several
     * distributions must not show one of their names). */
    if (!c->forward_host_header) {
        free(c->distribution_domain);
        c->distribution_domain = NULL;
    }
    /* The viewer protocol policy matters only with match-viewer. */
    od_viewer_policy viewer = c->viewer_protocol_policy;
    if (c->protocol_policy != OD_POLICY_MATCH_VIEWER)
        c->viewer_protocol_policy = OD_VIEWER_ALLOW_ALL;
    char *key = od_case_to_json(c);
    c->viewer_protocol_policy = viewer;
    od_strlist tmp = c->cnames;
    c->cnames = cnames;
    if (tmp.items != cnames.items)
        od_strlist_free(&tmp);
    for (size_t i = 0; i < f->n_cases; i++)
        if (strcmp(f->case_keys[i], key) == 0) {
            free(key);
            od_case_free(c);
            f->case_users[i]++;
            return i;
        }
    f->cases = od_xrealloc(f->cases, (f->n_cases + 1) * sizeof *f->cases);
    f->case_keys = od_xrealloc(f->case_keys, (f->n_cases + 1) * sizeof *f->case_keys);
    f->case_users = od_xrealloc(f->case_users, (f->n_cases + 1) * sizeof *f->case_users);
    f->cases[f->n_cases] = *c;
    f->case_keys[f->n_cases] = key;
    f->case_users[f->n_cases] = 1;
    return f->n_cases++;
}

/* "list.json" for "a/b/list.json": names a distribution that has no Id. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void add_distribution(od_fleet *f, const od_dist_entry *e, size_t index, size_t n_entries,
                             const char *source, od_fleet_case_fn make_case, void *ctx)
{
    char *dist_id = e->entry_id ? od_xstrdup(e->entry_id)
                                : n_entries > 1 ? od_xasprintf("%s[%zu]", base_name(source), index)
                                                : od_xstrdup(base_name(source));
    if (e->error) {
        od_strlist_add_owned(&f->messages, od_xasprintf("%s: %s", source, e->error));
        if (!item_exists(f, dist_id, ""))
            add_item(f, dist_id, NULL, "", NULL, source, OD_FLEET_INVALID)->note = od_xstrdup(e->error);
        free(dist_id);
        return;
    }
    const od_dist_config *d = &e->config;
    for (size_t i = 0; i < d->n_origins; i++) {
        const od_dist_origin *o = &d->origins[i];
        char *oid = od_escape_str(o->id);
        if (item_exists(f, dist_id, oid)) {
            od_strlist_add_owned(&f->messages,
                                 od_xasprintf("%s: distribution %s origin %s is listed more than once; checked once",
                                              source, dist_id, oid));
            free(oid);
            continue;
        }
        if (!o->is_custom) {
            od_fleet_item *it = add_item(f, dist_id, d->domain_name, o->id, o->domain_name, source, OD_FLEET_SKIPPED);
            it->note = od_escape_str(o->skip_reason ? o->skip_reason : "not a custom origin");
            free(oid);
            continue;
        }
        od_case c;
        od_case_init(&c);
        char *err = make_case(ctx, d, o, &c);
        if (err) {
            od_fleet_item *it = add_item(f, dist_id, d->domain_name, o->id, o->domain_name, source, OD_FLEET_INVALID);
            it->note = err;
            od_strlist_add_owned(&f->messages,
                                 od_xasprintf("%s: distribution %s origin %s: %s", source, dist_id, oid, err));
            od_case_free(&c);
        } else {
            od_case_pin_wildcards(&c);
            od_fleet_item *it = add_item(f, dist_id, d->domain_name, o->id, o->domain_name, source, OD_FLEET_CHECK);
            od_strlist_copy(&it->cnames, &c.cnames);
            it->case_index = intern_case(f, &c);
        }
        free(oid);
    }
    free(dist_id);
}

static char *load_file(od_fleet *f, const char *path, const od_managed_policies *policies,
                       od_fleet_case_fn make_case, void *ctx)
{
    od_dist_set set;
    char *err = od_distconfig_load_set(path, policies, &set);
    if (err)
        return err;
    char *source = od_escape_str(path);
    for (size_t i = 0; i < set.n; i++)
        add_distribution(f, &set.items[i], i, set.n, source, make_case, ctx);
    free(source);
    od_dist_set_free(&set);
    return NULL;
}

static int compare_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's *.json files, sorted, so runs and shards see the same order. */
static char *list_folder(const char *path, od_strlist *files)
{
    DIR *dir = opendir(path);
    if (!dir) {
        char *e = od_escape_str(path);
        char *msg = od_xasprintf("%s: cannot read the folder: %s", e, od_strerror(errno, &(od_errbuf){0}));
        free(e);
        return msg;
    }
    struct dirent *de;
    while ((de = readdir(dir))) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] != '.' && n > 5 && strcmp(de->d_name + n - 5, ".json") == 0)
            od_strlist_add_owned(files, od_xasprintf("%s/%s", path, de->d_name));
    }
    closedir(dir);
    if (files->len > 1)
        qsort(files->items, files->len, sizeof *files->items, compare_str);
    return NULL;
}

char *od_fleet_load(const char *const *paths, size_t n_paths, const od_managed_policies *policies,
                    od_fleet_case_fn make_case, void *ctx, od_fleet *out)
{
    memset(out, 0, sizeof *out);
    od_strlist_init(&out->messages);
    char *err = NULL;
    for (size_t p = 0; p < n_paths && !err; p++) {
        struct stat st;
        if (stat(paths[p], &st) == 0 && S_ISDIR(st.st_mode)) {
            od_strlist files;
            od_strlist_init(&files);
            err = list_folder(paths[p], &files);
            if (!err && files.len == 0) {
                char *e = od_escape_str(paths[p]);
                err = od_xasprintf("%s: the folder holds no .json file", e);
                free(e);
            }
            for (size_t i = 0; i < files.len && !err; i++)
                err = load_file(out, files.items[i], policies, make_case, ctx);
            od_strlist_free(&files);
        } else {
            err = load_file(out, paths[p], policies, make_case, ctx);
        }
    }
    if (err)
        od_fleet_free(out);
    return err;
}

static void item_free(od_fleet_item *it)
{
    free(it->distribution_id);
    free(it->distribution_domain);
    free(it->origin_id);
    free(it->origin_domain);
    free(it->source);
    free(it->note);
    od_strlist_free(&it->cnames);
}

void od_fleet_free(od_fleet *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        item_free(&f->items[i]);
    free(f->items);
    for (size_t i = 0; i < f->n_cases; i++) {
        od_case_free(&f->cases[i]);
        free(f->case_keys[i]);
    }
    free(f->cases);
    free(f->case_keys);
    free(f->case_users);
    od_strlist_free(&f->messages);
    memset(f, 0, sizeof *f);
}

/* ---------------------------------------------------------------- shards */

uint64_t od_fleet_item_hash(const char *distribution_id, const char *origin_id)
{
    uint64_t h = 0xcbf29ce484222325ull;
    const char *parts[] = {distribution_id ? distribution_id : "", "\n", origin_id ? origin_id : ""};
    for (size_t p = 0; p < 3; p++)
        for (const unsigned char *s = (const unsigned char *)parts[p]; *s; s++) {
            h ^= *s;
            h *= 0x100000001b3ull;
        }
    return h;
}

char *od_fleet_item_key(const char *distribution_id, const char *origin_id)
{
    return od_xasprintf("%s\n%s", distribution_id ? distribution_id : "", origin_id ? origin_id : "");
}

static bool parse_count(const char *s, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 1 || v > max)
        return false;
    *out = v;
    return true;
}

/* Job runners that give each task of an array its index (0-based). */
static const char *const shard_index_vars[] = {
    "AWS_BATCH_JOB_ARRAY_INDEX",   /* AWS Batch array job */
    "JOB_COMPLETION_INDEX",        /* Kubernetes indexed Job */
    "CLOUD_RUN_TASK_INDEX",        /* Cloud Run job */
    "OD_SHARD_INDEX",              /* anything else: set it yourself */
};

static const char *env_value(const char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
            return envp[i] + n + 1;
    return NULL;
}

char *od_fleet_parse_shard(const char *value, const char *const *envp, int *k, int *n)
{
    const char *v = value ? value : "";
    const char *slash = strchr(v, '/');
    char *q = od_quote(v);
    char *msg = NULL;
    long kk = 0, nn = 0;
    char *left = slash ? od_xstrndup(v, (size_t)(slash - v)) : NULL;
    if (!slash || !parse_count(slash + 1, 100000, &nn)) {
        msg = od_xasprintf("--shard: %s must be K/N (this run's part K of N, 1 <= K <= N), or env/N to take K "
                           "from the job runner's array index",
                           q);
    } else if (strcmp(left, "env") == 0) {
        const char *name = NULL, *idx = NULL;
        for (size_t i = 0; i < sizeof shard_index_vars / sizeof shard_index_vars[0] && !idx; i++)
            if ((idx = env_value(envp, shard_index_vars[i])))
                name = shard_index_vars[i];
        long index;
        if (!idx) {
            msg = od_xasprintf("--shard %s: none of AWS_BATCH_JOB_ARRAY_INDEX, JOB_COMPLETION_INDEX, "
                               "CLOUD_RUN_TASK_INDEX or OD_SHARD_INDEX is set (the array index, from 0)",
                               v);
        } else if (!((strcmp(idx, "0") == 0 && (index = 0, true)) || parse_count(idx, 100000, &index)) ||
                   index >= nn) {
            char *qi = od_quote(idx);
            msg = od_xasprintf("--shard %s: %s=%s must be an index from 0 to %ld", v, name, qi, nn - 1);
            free(qi);
        } else {
            kk = index + 1;
        }
    } else if (!parse_count(left, 100000, &kk) || kk > nn) {
        msg = od_xasprintf("--shard: %s: K must be a whole number from 1 to N (%ld)", q, nn);
    }
    free(left);
    free(q);
    if (!msg) {
        *k = (int)kk;
        *n = (int)nn;
    }
    return msg;
}

/* Keeps items for which keep() holds, then drops the Cases no item uses. */
static void filter_items(od_fleet *f, bool (*keep)(const od_fleet_item *it, const void *arg), const void *arg)
{
    size_t kept = 0;
    for (size_t i = 0; i < f->n; i++) {
        od_fleet_item *it = &f->items[i];
        if (keep(it, arg)) {
            f->items[kept++] = *it;
            continue;
        }
        if (it->kind == OD_FLEET_CHECK)
            f->case_users[it->case_index]--;
        item_free(it);
    }
    f->n = kept;
    size_t *renum = od_xcalloc(f->n_cases ? f->n_cases : 1, sizeof *renum);
    size_t n_cases = 0;
    for (size_t c = 0; c < f->n_cases; c++) {
        if (f->case_users[c] == 0) {
            od_case_free(&f->cases[c]);
            free(f->case_keys[c]);
            continue;
        }
        renum[c] = n_cases;
        f->cases[n_cases] = f->cases[c];
        f->case_keys[n_cases] = f->case_keys[c];
        f->case_users[n_cases] = f->case_users[c];
        n_cases++;
    }
    f->n_cases = n_cases;
    for (size_t i = 0; i < f->n; i++)
        if (f->items[i].kind == OD_FLEET_CHECK)
            f->items[i].case_index = renum[f->items[i].case_index];
    free(renum);
}

typedef struct {
    int k, n;
} shard_arg;

static bool in_shard(const od_fleet_item *it, const void *arg)
{
    const shard_arg *s = arg;
    return od_fleet_item_hash(it->distribution_id, it->origin_id) % (uint64_t)s->n == (uint64_t)(s->k - 1);
}

void od_fleet_keep_shard(od_fleet *f, int k, int n)
{
    shard_arg s = {k, n};
    filter_items(f, in_shard, &s);
}

static bool not_done(const od_fleet_item *it, const void *arg)
{
    char *key = od_fleet_item_key(it->distribution_id, it->origin_id);
    bool done = od_strlist_contains(arg, key);
    free(key);
    return !done;
}

void od_fleet_drop_done(od_fleet *f, const od_strlist *done)
{
    filter_items(f, not_done, done);
}

/* ---------------------------------------------------------------- records and rows */

static const char *kind_status(od_fleet_kind k)
{
    return k == OD_FLEET_CHECK ? "checked" : k == OD_FLEET_SKIPPED ? "skipped" : "invalid";
}

/* What the summary says of a report: its verdict, first cause and first expiry. */
typedef struct {
    const char *verdict;
    const char *first_cause;
    bool has_expiry;
    time_t first_expiry;
} report_gist;

static report_gist gist_of(const od_report *r)
{
    report_gist g = {.verdict = "ok"};
    const od_finding *first_fail = NULL, *first_warn = NULL;
    for (size_t i = 0; i < r->findings.len; i++) {
        const od_finding *fd = &r->findings.items[i];
        if (fd->severity == OD_SEV_FAIL && !first_fail)
            first_fail = fd;
        if (fd->severity == OD_SEV_WARN && !first_warn)
            first_warn = fd;
    }
    if (r->would_fail) {
        g.verdict = "fail";
        g.first_cause = first_fail ? first_fail->id : NULL;
    } else if (first_warn) {
        g.verdict = "warn";
        g.first_cause = first_warn->id;
    }
    for (size_t i = 0; i < r->obs.n_certs; i++)
        if (!g.has_expiry || r->obs.certs[i].not_after < g.first_expiry) {
            g.has_expiry = true;
            g.first_expiry = r->obs.certs[i].not_after;
        }
    return g;
}

static void add_opt_str(cJSON *o, const char *key, const char *s)
{
    cJSON_AddItemToObject(o, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

/* Days from `from` until `until`, rounded down (an expired certificate: negative). */
static long days_between(time_t from, time_t until)
{
    double d = difftime(until, from) / 86400.0;
    long days = (long)d;
    if ((double)days > d)
        days--;
    return days;
}

/* One JSON line's object. report may be NULL (skipped, invalid, or could
 * not run: then error says why). */
static cJSON *make_record(const od_fleet_item *it, const char *case_key_hash, size_t shared_by,
                          const od_report *report, const char *error, time_t now)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "schema", OD_FLEET_RECORD_SCHEMA);
    cJSON_AddStringToObject(o, "distribution_id", it->distribution_id);
    add_opt_str(o, "distribution_domain", it->distribution_domain);
    cJSON_AddStringToObject(o, "origin_id", it->origin_id);
    add_opt_str(o, "origin_domain", it->origin_domain);
    cJSON_AddStringToObject(o, "source", it->source);
    const char *status = report ? "checked" : error ? "error" : kind_status(it->kind);
    cJSON_AddStringToObject(o, "status", status);
    add_opt_str(o, "case", case_key_hash);
    cJSON_AddNumberToObject(o, "case_shared_by", (double)shared_by);
    if (report) {
        report_gist g = gist_of(report);
        cJSON_AddStringToObject(o, "verdict", g.verdict);
        add_opt_str(o, "first_cause", g.first_cause);
        char ts[32];
        if (g.has_expiry) {
            od_format_time(g.first_expiry, ts, sizeof ts);
            cJSON_AddStringToObject(o, "first_cert_expiry", ts);
            cJSON_AddNumberToObject(o, "cert_expiry_days", (double)days_between(now, g.first_expiry));
        } else {
            cJSON_AddNullToObject(o, "first_cert_expiry");
            cJSON_AddNullToObject(o, "cert_expiry_days");
        }
        cJSON_AddItemToObject(o, "report", od_report_to_cjson(report));
    } else {
        cJSON_AddStringToObject(o, "verdict", error ? "error" : status);
        add_opt_str(o, "first_cause", error ? error : it->note);
        cJSON_AddNullToObject(o, "first_cert_expiry");
        cJSON_AddNullToObject(o, "cert_expiry_days");
        cJSON_AddNullToObject(o, "report");
    }
    return o;
}

void od_fleet_rows_init(od_fleet_rows *r)
{
    memset(r, 0, sizeof *r);
}

static void row_free(od_fleet_row *w)
{
    free(w->distribution_id);
    free(w->distribution_domain);
    free(w->origin_id);
    free(w->origin_domain);
    free(w->verdict);
    free(w->first_cause);
    free(w->first_expiry);
}

void od_fleet_rows_free(od_fleet_rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        row_free(&r->rows[i]);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

static od_fleet_row *rows_add(od_fleet_rows *r)
{
    r->rows = od_xrealloc(r->rows, (r->n + 1) * sizeof *r->rows);
    od_fleet_row *w = &r->rows[r->n++];
    memset(w, 0, sizeof *w);
    return w;
}

/* A string member, escaped (records come from files people hand us). */
static bool rec_str(const cJSON *rec, const char *key, bool nullable, char **out, char **err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
    if (cJSON_IsString(v) && v->valuestring) {
        *out = od_escape_str(v->valuestring);
        return true;
    }
    if (nullable && (!v || cJSON_IsNull(v))) {
        *out = NULL;
        return true;
    }
    *err = od_xasprintf("%s: expected a string%s, found %s", key, nullable ? " or null" : "",
                        v ? od_json_type_name(v) : "nothing");
    return false;
}

static const char *const verdicts[] = {"fail", "warn", "ok", "skipped", "invalid", "error"};

char *od_fleet_row_from_record(const cJSON *rec, od_fleet_row *out)
{
    memset(out, 0, sizeof *out);
    char *err = NULL;
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(rec, "schema");
    if (!cJSON_IsObject(rec))
        return od_xasprintf("expected an object (a fleet record), found %s", od_json_type_name(rec));
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, OD_FLEET_RECORD_SCHEMA) != 0)
        return od_xstrdup("schema: not \"" OD_FLEET_RECORD_SCHEMA "\"");
    if (rec_str(rec, "distribution_id", false, &out->distribution_id, &err) &&
        rec_str(rec, "distribution_domain", true, &out->distribution_domain, &err) &&
        rec_str(rec, "origin_id", false, &out->origin_id, &err) &&
        rec_str(rec, "origin_domain", true, &out->origin_domain, &err) &&
        rec_str(rec, "verdict", false, &out->verdict, &err) &&
        rec_str(rec, "first_cause", true, &out->first_cause, &err) &&
        rec_str(rec, "first_cert_expiry", true, &out->first_expiry, &err)) {
        bool known = false;
        for (size_t i = 0; i < sizeof verdicts / sizeof verdicts[0]; i++)
            known = known || strcmp(out->verdict, verdicts[i]) == 0;
        const cJSON *days = cJSON_GetObjectItemCaseSensitive(rec, "cert_expiry_days");
        if (!known) {
            err = od_xasprintf("verdict: \"%s\" is none of fail, warn, ok, skipped, invalid, error", out->verdict);
        } else if (cJSON_IsNumber(days) && days->valuedouble > -1e6 && days->valuedouble < 1e6) {
            out->has_expiry = true;
            out->expiry_days = (long)days->valuedouble;
        } else if (days && !cJSON_IsNull(days)) {
            err = od_xstrdup("cert_expiry_days: expected a number of days or null");
        }
    }
    if (err) {
        row_free(out);
        memset(out, 0, sizeof *out);
    }
    return err;
}

static void add_record_row(od_fleet_rows *rows, const cJSON *rec)
{
    od_fleet_row w;
    char *err = od_fleet_row_from_record(rec, &w);
    if (err) {   /* our own record: cannot happen, but never drop an item silently */
        fprintf(stderr, "origin-doctor: internal error in a fleet record: %s\n", err);
        free(err);
        return;
    }
    *rows_add(rows) = w;
}

char *od_fleet_read_jsonl(const char *path, bool missing_ok, od_fleet_rows *rows, od_strlist *keys,
                          od_strlist *warnings)
{
    char *epath = od_escape_str(path);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        char *msg = (missing_ok && errno == ENOENT) ? NULL
                                                    : od_xasprintf("%s: cannot read: %s", epath, od_strerror(errno, &(od_errbuf){0}));
        free(epath);
        return msg;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    size_t lineno = 0;
    while ((len = getline(&line, &cap, fp)) > 0) {
        lineno++;
        if (len == 1 && line[0] == '\n')
            continue;
        char *err = NULL;
        cJSON *rec = od_json_parse(line, (size_t)len, "a fleet record (one JSON object per line)", &err);
        od_fleet_row w;
        if (rec && !(err = od_fleet_row_from_record(rec, &w))) {
            if (keys)
                od_strlist_add_owned(keys, od_fleet_item_key(w.distribution_id, w.origin_id));
            *rows_add(rows) = w;
        }
        if (err)
            od_strlist_add_owned(warnings, od_xasprintf("%s line %zu: ignored: %s", epath, lineno, err));
        free(err);
        cJSON_Delete(rec);
    }
    bool failed = ferror(fp);
    free(line);
    fclose(fp);
    char *msg = failed ? od_xasprintf("%s: cannot read: %s", epath, od_strerror(errno, &(od_errbuf){0})) : NULL;
    free(epath);
    return msg;
}

static int compare_rows(const void *a, const void *b)
{
    const od_fleet_row *x = a, *y = b;
    int c = strcmp(x->distribution_id, y->distribution_id);
    return c ? c : strcmp(x->origin_id, y->origin_id);
}

typedef struct {
    od_fleet_row row;
    size_t seq;
} seq_row;

static int compare_seq_rows(const void *a, const void *b)
{
    const seq_row *x = a, *y = b;
    int c = compare_rows(&x->row, &y->row);
    return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

void od_fleet_rows_sort(od_fleet_rows *r)
{
    if (r->n == 0)
        return;
    seq_row *s = od_xcalloc(r->n, sizeof *s);
    for (size_t i = 0; i < r->n; i++)
        s[i] = (seq_row){r->rows[i], i};
    qsort(s, r->n, sizeof *s, compare_seq_rows);
    /* The same item twice (a resumed file, overlapping merges): the later line wins. */
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (kept && compare_rows(&r->rows[kept - 1], &s[i].row) == 0) {
            row_free(&r->rows[kept - 1]);
            r->rows[kept - 1] = s[i].row;
            continue;
        }
        r->rows[kept++] = s[i].row;
    }
    r->n = kept;
    free(s);
}

/* ---------------------------------------------------------------- summary */

int od_fleet_exit_code(const od_fleet_rows *r)
{
    bool error = false;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->rows[i].verdict, "fail") == 0)
            return 1;
        error = error || strcmp(r->rows[i].verdict, "error") == 0;
    }
    return error ? 3 : 0;
}

static int compare_expiry(const void *a, const void *b)
{
    const od_fleet_row *x = *(const od_fleet_row *const *)a, *y = *(const od_fleet_row *const *)b;
    if (x->expiry_days != y->expiry_days)
        return x->expiry_days < y->expiry_days ? -1 : 1;
    return compare_rows(x, y);
}

/* The rows whose first certificate expires within `within` days, soonest first. */
static const od_fleet_row **expiring(const od_fleet_rows *r, int within, size_t *n)
{
    const od_fleet_row **list = od_xcalloc(r->n ? r->n : 1, sizeof *list);
    *n = 0;
    for (size_t i = 0; i < r->n && within >= 0; i++)
        if (r->rows[i].has_expiry && r->rows[i].expiry_days <= within)
            list[(*n)++] = &r->rows[i];
    if (*n > 1)
        qsort(list, *n, sizeof *list, compare_expiry);
    return list;
}

static void counts_line(od_buf *b, const od_fleet_rows *r)
{
    size_t counts[sizeof verdicts / sizeof verdicts[0]] = {0};
    for (size_t i = 0; i < r->n; i++)
        for (size_t v = 0; v < sizeof verdicts / sizeof verdicts[0]; v++)
            if (strcmp(r->rows[i].verdict, verdicts[v]) == 0)
                counts[v]++;
    od_buf_printf(b, "%zu origin%s:", r->n, r->n == 1 ? "" : "s");
    for (size_t v = 0; v < sizeof verdicts / sizeof verdicts[0]; v++)
        od_buf_printf(b, " %zu %s%s", counts[v], verdicts[v], v + 1 < sizeof verdicts / sizeof verdicts[0] ? "," : "");
    od_buf_puts(b, "\n");
}

static void expiry_cell(char *out, size_t n, const od_fleet_row *w)
{
    if (w->has_expiry)
        snprintf(out, n, "%ld", w->expiry_days);
    else
        snprintf(out, n, "-");
}

static void text_row(od_buf *b, const od_fleet_row *w)
{
    char days[24], cause[40];
    expiry_cell(days, sizeof days, w);
    /* A note (why skipped or invalid) is long: the whole of it is in the JSON lines and --report. */
    const char *c = w->first_cause ? w->first_cause : "-";
    if (strlen(c) >= sizeof cause)
        snprintf(cause, sizeof cause, "%.*s...", (int)sizeof cause - 4, c);
    else
        snprintf(cause, sizeof cause, "%s", c);
    od_buf_printf(b, "%-16s %-24s %-8s %-39s %s\n", w->distribution_id, w->origin_id[0] ? w->origin_id : "-",
                  w->verdict, cause, days);
}

char *od_fleet_summary_text(const od_fleet_rows *r, int expiring_within)
{
    od_buf b;
    od_buf_init(&b);
    size_t n_exp;
    const od_fleet_row **exp = expiring(r, expiring_within, &n_exp);
    if (expiring_within >= 0) {
        od_buf_printf(&b, "Certificates expiring within %d days: %zu\n", expiring_within, n_exp);
        for (size_t i = 0; i < n_exp; i++)
            od_buf_printf(&b, "  %ld days  %s  %s  (%s, %s)\n", exp[i]->expiry_days,
                          exp[i]->first_expiry ? exp[i]->first_expiry : "?", exp[i]->distribution_id,
                          exp[i]->origin_id, exp[i]->origin_domain ? exp[i]->origin_domain : "?");
        od_buf_puts(&b, "\n");
    }
    free(exp);
    od_buf_printf(&b, "%-16s %-24s %-8s %-39s %s\n", "DISTRIBUTION", "ORIGIN", "VERDICT", "FIRST CAUSE",
                  "CERT DAYS");
    for (size_t i = 0; i < r->n; i++)
        text_row(&b, &r->rows[i]);
    od_buf_puts(&b, "\n");
    counts_line(&b, r);
    return od_buf_steal(&b);
}

/* A Markdown table cell: no pipe or line break may escape it. */
static void md_cell(od_buf *b, const char *s)
{
    od_buf_puts(b, " ");
    for (const char *p = s ? s : "-"; *p; p++) {
        if (*p == '|')
            od_buf_puts(b, "\\|");
        else if (*p == '\n' || *p == '\r')
            od_buf_puts(b, " ");
        else
            od_buf_append(b, p, 1);
    }
    od_buf_puts(b, " |");
}

char *od_fleet_summary_markdown(const od_fleet_rows *r, int expiring_within)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, "# origin-doctor fleet report\n\n");
    size_t n_exp;
    const od_fleet_row **exp = expiring(r, expiring_within, &n_exp);
    if (expiring_within >= 0) {
        od_buf_printf(&b, "## Certificates expiring within %d days (%zu)\n\n", expiring_within, n_exp);
        if (n_exp)
            od_buf_puts(&b, "| Days | Expires | Distribution | Origin | Origin domain |\n|---|---|---|---|---|\n");
        for (size_t i = 0; i < n_exp; i++) {
            char days[24];
            expiry_cell(days, sizeof days, exp[i]);
            od_buf_puts(&b, "|");
            md_cell(&b, days);
            md_cell(&b, exp[i]->first_expiry);
            md_cell(&b, exp[i]->distribution_id);
            md_cell(&b, exp[i]->origin_id);
            md_cell(&b, exp[i]->origin_domain);
            od_buf_puts(&b, "\n");
        }
        od_buf_puts(&b, "\n");
    }
    free(exp);
    od_buf_puts(&b, "## Origins\n\n| Distribution | Domain | Origin | Origin domain | Verdict | First cause | "
                    "Days to first cert expiry |\n|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < r->n; i++) {
        const od_fleet_row *w = &r->rows[i];
        char days[24];
        expiry_cell(days, sizeof days, w);
        od_buf_puts(&b, "|");
        md_cell(&b, w->distribution_id);
        md_cell(&b, w->distribution_domain);
        md_cell(&b, w->origin_id[0] ? w->origin_id : NULL);
        md_cell(&b, w->origin_domain);
        md_cell(&b, w->verdict);
        md_cell(&b, w->first_cause);
        md_cell(&b, days);
        od_buf_puts(&b, "\n");
    }
    od_buf_puts(&b, "\n");
    counts_line(&b, r);
    return od_buf_steal(&b);
}

/* ---------------------------------------------------------------- running */

typedef struct {
    const od_fleet *f;
    const od_fleet_run_opts *opts;
    od_fleet_rows *rows;
    size_t **users;           /* per Case: the items that use it */
    pthread_mutex_t lock;     /* guards everything below, rows and the output */
    pthread_cond_t freed;
    int in_flight;            /* connections the running Cases may hold */
    size_t done, failures, total;
    int64_t started_ms;
    int write_errno;
} fleet_run;

static void progress(fleet_run *fr)
{
    if (!fr->opts->progress)
        return;
    int64_t elapsed = od_now_ms() - fr->started_ms;
    long left = fr->done ? (long)((double)elapsed / (double)fr->done * (double)(fr->total - fr->done) / 1000.0) : -1;
    char eta[32];
    if (left >= 0)
        snprintf(eta, sizeof eta, "%ldm%02lds left", left / 60, left % 60);
    else
        snprintf(eta, sizeof eta, "estimating");
    fprintf(stderr, "\rorigin-doctor fleet: %zu/%zu checked, %zu failing, %s   ", fr->done, fr->total, fr->failures,
            eta);
    if (fr->done == fr->total)
        fputs("\n", stderr);
    fflush(stderr);
}

/* Writes one record (a line) and adds its row; lock held. */
static void emit_record(fleet_run *fr, cJSON *rec)
{
    if (fr->opts->jsonl && !fr->write_errno) {
        char *line = cJSON_PrintUnformatted(rec);
        if (!line || fputs(line, fr->opts->jsonl) == EOF || fputc('\n', fr->opts->jsonl) == EOF ||
            fflush(fr->opts->jsonl) != 0)
            fr->write_errno = errno ? errno : EIO;
        free(line);
    }
    add_record_row(fr->rows, rec);
    if (fr->opts->on_record)
        fr->opts->on_record(fr->opts->record_ctx, rec);
    cJSON_Delete(rec);
}

static char *short_key(const char *key)
{
    uint64_t h = od_fleet_item_hash(key, "");
    return od_xasprintf("%016llx", (unsigned long long)h);
}

static void run_case_job(void *ctx, size_t ci)
{
    fleet_run *fr = ctx;
    const od_fleet *f = fr->f;
    od_case c;
    od_case_copy(&c, &f->cases[ci]);
    /* Each origin holds its reservation for its whole diagnosis while it
     * uses all of it only in bursts: more origins with fewer connections
     * each keep more of the fleet's connections busy. */
    if (c.concurrency <= 0)
        c.concurrency = OD_FLEET_ORIGIN_CONCURRENCY;
    int need = od_engine_max_connections(&c);
    if (need > fr->opts->max_connections)
        need = fr->opts->max_connections;
    c.concurrency = need;   /* the engine's own bound, inside the fleet's */
    pthread_mutex_lock(&fr->lock);
    while (fr->in_flight + need > fr->opts->max_connections)
        pthread_cond_wait(&fr->freed, &fr->lock);
    fr->in_flight += need;
    pthread_mutex_unlock(&fr->lock);

    od_report report;
    int rc = od_engine_run(&c, fr->opts->engine, &report);
    od_case_free(&c);
    time_t now = time(NULL);
    char *key = short_key(f->case_keys[ci]);

    pthread_mutex_lock(&fr->lock);
    fr->in_flight -= need;
    pthread_cond_broadcast(&fr->freed);
    for (size_t u = 0; u < f->case_users[ci]; u++) {
        const od_fleet_item *it = &f->items[fr->users[ci][u]];
        /* Each distribution's report shows its own Aliases. */
        od_strlist run_cnames = report.input.cnames;
        if (rc == 0 && !report.input.forward_host_header)
            report.input.cnames = it->cnames;
        cJSON *rec = rc == 0 ? make_record(it, key, f->case_users[ci], &report, NULL, now)
                             : make_record(it, key, f->case_users[ci], NULL,
                                           report.summary ? report.summary : "the diagnosis could not start", now);
        report.input.cnames = run_cnames;
        emit_record(fr, rec);
        fr->done++;
    }
    if (rc != 0 || report.would_fail)
        fr->failures += f->case_users[ci];
    progress(fr);
    pthread_mutex_unlock(&fr->lock);
    free(key);
    od_report_free(&report);
}

int od_fleet_run(const od_fleet *f, const od_fleet_run_opts *opts, od_fleet_rows *rows)
{
    fleet_run fr = {.f = f, .opts = opts, .rows = rows, .started_ms = od_now_ms()};
    pthread_mutex_init(&fr.lock, NULL);
    pthread_cond_init(&fr.freed, NULL);
    fr.users = od_xcalloc(f->n_cases ? f->n_cases : 1, sizeof *fr.users);
    size_t *filled = od_xcalloc(f->n_cases ? f->n_cases : 1, sizeof *filled);
    for (size_t c = 0; c < f->n_cases; c++)
        fr.users[c] = od_xcalloc(f->case_users[c], sizeof *fr.users[c]);
    time_t now = time(NULL);
    for (size_t i = 0; i < f->n; i++) {
        const od_fleet_item *it = &f->items[i];
        if (it->kind == OD_FLEET_CHECK) {
            fr.users[it->case_index][filled[it->case_index]++] = i;
            fr.total++;
        } else {   /* nothing to run: its record now */
            emit_record(&fr, make_record(it, NULL, 0, NULL, NULL, now));
        }
    }
    free(filled);
    /* One thread per Case that may run at once: each holds at least one connection. */
    int threads = opts->max_connections < 1 ? 1 : opts->max_connections;
    if (threads > 256)
        threads = 256;
    progress(&fr);
    od_pool_run(f->n_cases, threads, run_case_job, &fr);
    for (size_t c = 0; c < f->n_cases; c++)
        free(fr.users[c]);
    free(fr.users);
    pthread_cond_destroy(&fr.freed);
    pthread_mutex_destroy(&fr.lock);
    if (fr.write_errno) {
        errno = fr.write_errno;
        return -1;
    }
    return 0;
}
