/* Loads CloudFront's origin-facing TLS policy from its JSON asset and
 * validates it strictly: a wrong policy file would make every cipher
 * verdict wrong, so any problem is reported with the file and the key. */
#include "od_policy.h"
#include "od_json.h"

#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "od_case.h"

/* The path of the file, so every message names it. */
typedef struct {
    const char *path;
    char *error;
} loader;

static bool fail(loader *l, const char *fmt, const char *a, const char *b)
{
    if (!l->error) {
        char *what = od_xasprintf(fmt, a ? a : "", b ? b : "");
        l->error = od_xasprintf("%s: %s", l->path, what);
        free(what);
    }
    return false;
}

/* Strings that end up inside GnuTLS priority strings: tokens only, so a
 * policy file cannot smuggle ':' or '%' directives into them. */
static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

static const char *get_string(loader *l, const cJSON *obj, const char *key, const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        fail(l, "%s: missing key \"%s\"", where, key);
        return NULL;
    }
    if (!cJSON_IsString(v) || !v->valuestring || !*v->valuestring) {
        fail(l, "%s: \"%s\" must be a non-empty string", where, key);
        return NULL;
    }
    return v->valuestring;
}

static const cJSON *get_array(loader *l, const cJSON *obj, const char *key, const char *where)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        fail(l, "%s: missing key \"%s\"", where, key);
        return NULL;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        fail(l, "%s: \"%s\" must be a non-empty array", where, key);
        return NULL;
    }
    return v;
}

/* One protocol name in CloudFront's spelling ("TLSv1.1") to its bit. */
static bool protocol_bit(const char *name, unsigned *bit)
{
    /* od_parse_ssl_protocols owns the spelling; a list would be accepted
     * too, so refuse commas to get exactly one protocol. */
    if (strchr(name, ','))
        return false;
    unsigned bits = 0;
    char *msg = od_parse_ssl_protocols(name, &bits);
    if (msg) {
        free(msg);
        return false;
    }
    *bit = bits;
    return bits != 0 && (bits & (bits - 1)) == 0;
}

static bool parse_protocols(loader *l, const cJSON *arr, const char *where, unsigned *out)
{
    unsigned bits = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        if (!cJSON_IsString(it) || !it->valuestring)
            return fail(l, "%s: \"protocols\" must hold only strings%s", where, NULL);
        unsigned bit;
        if (!protocol_bit(it->valuestring, &bit)) {
            char *esc = od_escape_str(it->valuestring);
            fail(l, "%s: unknown protocol \"%s\" (allowed: SSLv3, TLSv1, TLSv1.1, TLSv1.2)", where, esc);
            free(esc);
            return false;
        }
        bits |= bit;
    }
    *out = bits;
    return true;
}

static bool parse_iana(const char *s, uint16_t *code)
{
    if (strlen(s) != 6 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    unsigned v = 0;
    for (size_t i = 2; i < 6; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        v = v * 16 + d;
    }
    *code = (uint16_t)v;
    return true;
}

static bool parse_suite(loader *l, const cJSON *js, size_t index, unsigned policy_protocols,
                        od_policy_suite *s)
{
    char where[160];
    snprintf(where, sizeof where, "suite %zu", index + 1);
    if (!cJSON_IsObject(js))
        return fail(l, "%s: must be an object%s", where, NULL);

    const char *name = get_string(l, js, "openssl_name", where);
    if (!name)
        return false;
    char *esc_name = od_escape_str(name);
    snprintf(where, sizeof where, "suite %zu (%s)", index + 1, esc_name);
    free(esc_name);

    const char *rfc = get_string(l, js, "rfc_name", where);
    const char *iana = rfc ? get_string(l, js, "iana", where) : NULL;
    const char *kx = iana ? get_string(l, js, "kx", where) : NULL;
    const char *auth = kx ? get_string(l, js, "auth", where) : NULL;
    if (!auth)
        return false;
    const cJSON *gt = cJSON_GetObjectItemCaseSensitive(js, "gnutls");
    if (!gt)
        return fail(l, "%s: missing key \"%s\"", where, "gnutls");
    if (!cJSON_IsObject(gt))
        return fail(l, "%s: \"%s\" must be an object with kx, cipher and mac", where, "gnutls");
    char gwhere[200];
    snprintf(gwhere, sizeof gwhere, "%s gnutls", where);
    const char *gkx = get_string(l, gt, "kx", gwhere);
    const char *gcipher = gkx ? get_string(l, gt, "cipher", gwhere) : NULL;
    const char *gmac = gcipher ? get_string(l, gt, "mac", gwhere) : NULL;
    if (!gmac)
        return false;
    const cJSON *protos = get_array(l, js, "protocols", where);
    if (!protos)
        return false;

    uint16_t code;
    if (!parse_iana(iana, &code)) {
        char *esc = od_escape_str(iana);
        fail(l, "%s: \"iana\" is \"%s\", expected 0x followed by 4 hex digits (e.g. 0xC02F)", where, esc);
        free(esc);
        return false;
    }
    if (!is_token(gkx) || !is_token(gcipher) || !is_token(gmac))
        return fail(l, "%s: gnutls kx/cipher/mac must be GnuTLS priority tokens (A-Z, 0-9, -)%s", where, NULL);
    unsigned bits;
    if (!parse_protocols(l, protos, where, &bits))
        return false;
    if (bits & ~policy_protocols)
        return fail(l, "%s: lists a protocol that is not in the policy's \"protocols\"%s", where, NULL);

    s->openssl_name = od_xstrdup(name);
    s->rfc_name = od_xstrdup(rfc);
    s->iana = od_xstrdup(iana);
    s->code = code;
    s->kx = od_xstrdup(kx);
    s->auth = od_xstrdup(auth);
    s->gnutls_kx = od_xstrdup(gkx);
    s->gnutls_cipher = od_xstrdup(gcipher);
    s->gnutls_mac = od_xstrdup(gmac);
    s->protocols = bits;
    return true;
}

static bool parse_policy(loader *l, const cJSON *root, od_policy *p)
{
    if (!cJSON_IsObject(root))
        return fail(l, "the top level must be a JSON object%s%s", NULL, NULL);
    const char *where = "policy";
    const char *source = get_string(l, root, "source", where);
    const char *checked = source ? get_string(l, root, "checked", where) : NULL;
    if (!checked)
        return false;
    p->source = od_xstrdup(source);
    p->checked = od_xstrdup(checked);

    const cJSON *protos = get_array(l, root, "protocols", where);
    if (!protos || !parse_protocols(l, protos, where, &p->protocols))
        return false;

    const cJSON *suites = get_array(l, root, "suites", where);
    if (!suites)
        return false;
    size_t n = (size_t)cJSON_GetArraySize(suites);
    p->suites = od_xcalloc(n, sizeof *p->suites);
    const cJSON *js;
    cJSON_ArrayForEach(js, suites) {
        od_policy_suite *s = &p->suites[p->n_suites];
        if (!parse_suite(l, js, p->n_suites, p->protocols, s))
            return false;
        for (size_t i = 0; i < p->n_suites; i++) {
            if (p->suites[i].code == s->code || strcmp(p->suites[i].openssl_name, s->openssl_name) == 0) {
                p->n_suites++;   /* so od_policy_free releases it */
                return fail(l, "suite %s: duplicates %s", s->openssl_name, p->suites[i].openssl_name);
            }
        }
        p->n_suites++;
    }

    const cJSON *curves = get_array(l, root, "curves", where);
    if (!curves)
        return false;
    size_t ci = 0;
    const cJSON *jc;
    cJSON_ArrayForEach(jc, curves) {
        char cwhere[64];
        snprintf(cwhere, sizeof cwhere, "curve %zu", ++ci);
        if (!cJSON_IsObject(jc))
            return fail(l, "%s: must be an object with name and gnutls%s", cwhere, NULL);
        const char *name = get_string(l, jc, "name", cwhere);
        const char *gname = name ? get_string(l, jc, "gnutls", cwhere) : NULL;
        if (!gname)
            return false;
        if (!is_token(gname))
            return fail(l, "%s: \"gnutls\" must be a GnuTLS group token (A-Z, 0-9, -)%s", cwhere, NULL);
        od_strlist_add(&p->curves, gname);
        od_strlist_add(&p->curve_names, name);
    }

    const cJSON *sigs = get_array(l, root, "signature_schemes", where);
    if (!sigs)
        return false;
    const cJSON *jsig;
    cJSON_ArrayForEach(jsig, sigs) {
        if (!cJSON_IsString(jsig) || !jsig->valuestring || !*jsig->valuestring)
            return fail(l, "policy: \"signature_schemes\" must hold non-empty strings%s%s", NULL, NULL);
        od_strlist_add(&p->signature_schemes, jsig->valuestring);
    }
    return true;
}

char *od_policy_load(const char *path, od_policy *out)
{
    memset(out, 0, sizeof *out);
    od_strlist_init(&out->curves);
    od_strlist_init(&out->curve_names);
    od_strlist_init(&out->signature_schemes);
    if (!path)
        return od_xasprintf("no policy file given");

    size_t len = 0;
    char *text = od_read_file(path, &len);
    if (!text)
        return od_xasprintf("cannot read %s: %s", path, strerror(errno));

    char *perr = NULL;
    cJSON *root = od_json_parse(text, len, "CloudFront's origin policy (JSON)", &perr);
    if (!root) {
        char *msg = od_xasprintf("%s: %s", path, perr);
        free(perr);
        free(text);
        return msg;
    }
    loader l = { path, NULL };
    if (!parse_policy(&l, root, out) && !l.error)
        l.error = od_xasprintf("%s: invalid policy", path);
    cJSON_Delete(root);
    free(text);
    if (l.error) {
        od_policy_free(out);
        return l.error;
    }
    out->path = od_xstrdup(path);
    return NULL;
}

void od_policy_free(od_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_suites; i++) {
        od_policy_suite *s = &p->suites[i];
        free(s->openssl_name);
        free(s->rfc_name);
        free(s->iana);
        free(s->kx);
        free(s->auth);
        free(s->gnutls_kx);
        free(s->gnutls_cipher);
        free(s->gnutls_mac);
    }
    free(p->suites);
    od_strlist_free(&p->curves);
    od_strlist_free(&p->curve_names);
    od_strlist_free(&p->signature_schemes);
    free(p->source);
    free(p->checked);
    free(p->path);
    memset(p, 0, sizeof *p);
}

const od_policy_suite *od_policy_find_suite(const od_policy *p, uint16_t code)
{
    for (size_t i = 0; p && i < p->n_suites; i++)
        if (p->suites[i].code == code)
            return &p->suites[i];
    return NULL;
}

/* ---- asset lookup ---- */

static char *existing_file(const char *dir, const char *name)
{
    if (!dir || !*dir)
        return NULL;
    char *path = od_xasprintf("%s/%s", dir, name);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return path;
    free(path);
    return NULL;
}

/* Folder of the running executable, malloc'd, or NULL. */
static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return od_xstrdup(buf[0] ? buf : "/");
}

char *od_asset_path(const char *name)
{
    if (!name || !*name)
        return NULL;
    char *found = existing_file(getenv("ORIGIN_DOCTOR_ASSETS"), name);
    if (found)
        return found;
    char *dir = exe_dir();
    if (dir) {
        char *cands[2] = { od_xasprintf("%s/../assets", dir), od_xasprintf("%s/../share/origin-doctor", dir) };
        for (size_t i = 0; i < 2; i++) {
            if (!found)
                found = existing_file(cands[i], name);
            free(cands[i]);
        }
        free(dir);
        if (found)
            return found;
    }
#ifdef OD_SOURCE_ASSETS
    found = existing_file(OD_SOURCE_ASSETS, name);
    if (found)
        return found;
#endif
#ifdef OD_INSTALL_ASSETS
    found = existing_file(OD_INSTALL_ASSETS, name);
#endif
    return found;
}
