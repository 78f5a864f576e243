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

/* A required non-empty string member (od_json's reader names the path). */
static const char *get_string(od_json_reader *l, const cJSON *obj, const char *key, const char *where)
{
    const char *v = NULL;
    od_json_get_string(l, obj, where, key, OD_JSON_NONEMPTY, &v);
    return v;
}

static const cJSON *get_array(od_json_reader *l, const cJSON *obj, const char *key, const char *where)
{
    return od_json_get(l, obj, where, key, OD_JSON_ARRAY, OD_JSON_NONEMPTY);
}

static bool parse_protocols(od_json_reader *l, const cJSON *arr, const char *where, unsigned *out)
{
    unsigned bits = 0;
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char *p = od_json_index_path(where, i);
        unsigned bit = 0;
        bool ok = od_json_check(l, it, p, OD_JSON_STRING, 0);
        /* TLSv1.3 is not an origin protocol CloudFront offers. */
        if (ok && (!od_proto_parse(it->valuestring, &bit) || bit == OD_PROTO_TLS13)) {
            char *esc = od_escape_str(it->valuestring);
            ok = od_json_fail(l, p, "unknown protocol \"%s\" (allowed: SSLv3, TLSv1, TLSv1.1, TLSv1.2)", esc);
            free(esc);
        }
        free(p);
        if (!ok)
            return false;
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

/* The TLS registries' codes for the names the policy file uses (standard
 * numbers, not CloudFront facts), with the GnuTLS token of each. */
static const struct {
    const char *name;
    uint16_t code;
} group_codes[] = {
    {"SECP256R1", 0x0017}, {"SECP384R1", 0x0018}, {"SECP521R1", 0x0019}, {"X25519", 0x001D}, {"X448", 0x001E},
};

static const struct {
    const char *name;
    uint16_t code;
    const char *gnutls;
} sig_codes[] = {
    {"rsa_pkcs1_sha256", 0x0401, "SIGN-RSA-SHA256"},        {"rsa_pkcs1_sha384", 0x0501, "SIGN-RSA-SHA384"},
    {"rsa_pkcs1_sha512", 0x0601, "SIGN-RSA-SHA512"},        {"rsa_pkcs1_sha224", 0x0301, "SIGN-RSA-SHA224"},
    {"rsa_pkcs1_sha1", 0x0201, "SIGN-RSA-SHA1"},            {"ecdsa_secp256r1_sha256", 0x0403, "SIGN-ECDSA-SHA256"},
    {"ecdsa_secp384r1_sha384", 0x0503, "SIGN-ECDSA-SHA384"}, {"ecdsa_secp521r1_sha512", 0x0603, "SIGN-ECDSA-SHA512"},
    {"ecdsa_sha224", 0x0303, "SIGN-ECDSA-SHA224"},          {"ecdsa_sha1", 0x0203, "SIGN-ECDSA-SHA1"},
    {"rsa_pss_rsae_sha256", 0x0804, "SIGN-RSA-PSS-RSAE-SHA256"},
    {"rsa_pss_rsae_sha384", 0x0805, "SIGN-RSA-PSS-RSAE-SHA384"},
    {"rsa_pss_rsae_sha512", 0x0806, "SIGN-RSA-PSS-RSAE-SHA512"},
    {"ed25519", 0x0807, "SIGN-EdDSA-Ed25519"},
};

static bool parse_suite(od_json_reader *l, const cJSON *js, const char *where, unsigned policy_protocols,
                        od_policy_suite *s)
{
    if (!od_json_check(l, js, where, OD_JSON_OBJECT, 0))
        return false;
    const char *name = get_string(l, js, "openssl_name", where);
    const char *rfc = name ? get_string(l, js, "rfc_name", where) : NULL;
    const char *iana = rfc ? get_string(l, js, "iana", where) : NULL;
    const char *kx = iana ? get_string(l, js, "kx", where) : NULL;
    const char *auth = kx ? get_string(l, js, "auth", where) : NULL;
    if (!auth)
        return false;
    const cJSON *gt = od_json_get(l, js, where, "gnutls", OD_JSON_OBJECT, 0);
    if (!gt)
        return false;
    char *gwhere = od_json_key_path(where, "gnutls");
    const char *gkx = get_string(l, gt, "kx", gwhere);
    const char *gcipher = gkx ? get_string(l, gt, "cipher", gwhere) : NULL;
    const char *gmac = gcipher ? get_string(l, gt, "mac", gwhere) : NULL;
    free(gwhere);
    if (!gmac)
        return false;
    const cJSON *protos = get_array(l, js, "protocols", where);
    if (!protos)
        return false;
    char *pwhere = od_json_key_path(where, "protocols");
    unsigned bits;
    bool protocols_ok = parse_protocols(l, protos, pwhere, &bits);
    free(pwhere);
    if (!protocols_ok)
        return false;

    uint16_t code;
    if (!parse_iana(iana, &code)) {
        char *esc = od_escape_str(iana);
        od_json_fail(l, where, "\"iana\" is \"%s\", expected 0x followed by 4 hex digits (e.g. 0xC02F)", esc);
        free(esc);
        return false;
    }
    if (!is_token(gkx) || !is_token(gcipher) || !is_token(gmac))
        return od_json_fail(l, where, "gnutls kx/cipher/mac must be GnuTLS priority tokens (A-Z, 0-9, -)");
    if (bits & ~policy_protocols)
        return od_json_fail(l, where, "lists a protocol that is not in the policy's \"protocols\"");

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

static bool parse_policy(od_json_reader *l, const cJSON *root, od_policy *p)
{
    if (!cJSON_IsObject(root))
        return od_json_fail(l, NULL, "the top level must be a JSON object, found %s", od_json_type_name(root));
    const char *source = get_string(l, root, "source", "");
    const char *checked = source ? get_string(l, root, "checked", "") : NULL;
    if (!checked)
        return false;
    p->source = od_xstrdup(source);
    p->checked = od_xstrdup(checked);

    const cJSON *protos = get_array(l, root, "protocols", "");
    if (!protos || !parse_protocols(l, protos, "protocols", &p->protocols))
        return false;

    const cJSON *suites = get_array(l, root, "suites", "");
    if (!suites)
        return false;
    size_t n = (size_t)cJSON_GetArraySize(suites);
    p->suites = od_xcalloc(n, sizeof *p->suites);
    const cJSON *js;
    cJSON_ArrayForEach(js, suites) {
        od_policy_suite *s = &p->suites[p->n_suites];
        char *where = od_json_index_path("suites", p->n_suites);
        bool ok = parse_suite(l, js, where, p->protocols, s);
        for (size_t i = 0; ok && i < p->n_suites; i++) {
            if (p->suites[i].code == s->code || strcmp(p->suites[i].openssl_name, s->openssl_name) == 0) {
                p->n_suites++;   /* so od_policy_free releases it */
                ok = od_json_fail(l, where, "suite %s duplicates %s", s->openssl_name, p->suites[i].openssl_name);
            }
        }
        free(where);
        if (!ok)
            return false;
        p->n_suites++;
    }

    const cJSON *curves = get_array(l, root, "curves", "");
    if (!curves)
        return false;
    size_t ci = 0;
    for (const cJSON *jc = curves->child; jc; jc = jc->next, ci++) {
        char *cwhere = od_json_index_path("curves", ci);
        const char *name = od_json_check(l, jc, cwhere, OD_JSON_OBJECT, 0) ? get_string(l, jc, "name", cwhere) : NULL;
        const char *gname = name ? get_string(l, jc, "gnutls", cwhere) : NULL;
        if (gname && !is_token(gname))
            od_json_fail(l, cwhere, "\"gnutls\" must be a GnuTLS group token (A-Z, 0-9, -)");
        uint16_t code = 0;
        for (size_t k = 0; gname && !l->error && k < sizeof group_codes / sizeof group_codes[0]; k++)
            if (strcmp(group_codes[k].name, gname) == 0)
                code = group_codes[k].code;
        if (gname && !l->error && !code) {
            char *esc = od_escape_str(gname);
            od_json_fail(l, cwhere, "unknown group \"%s\" (known: SECP256R1, SECP384R1, SECP521R1, X25519, X448)", esc);
            free(esc);
        }
        free(cwhere);
        if (l->error)
            return false;
        od_strlist_add(&p->curves, gname);
        od_strlist_add(&p->curve_names, name);
        p->curve_codes = od_xrealloc(p->curve_codes, (ci + 1) * sizeof *p->curve_codes);
        p->curve_codes[ci] = code;
    }

    const cJSON *sigs = get_array(l, root, "signature_schemes", "");
    if (!sigs)
        return false;
    size_t si = 0;
    for (const cJSON *jsig = sigs->child; jsig; jsig = jsig->next, si++) {
        char *swhere = od_json_index_path("signature_schemes", si);
        bool ok = od_json_check(l, jsig, swhere, OD_JSON_STRING, OD_JSON_NONEMPTY);
        size_t k = 0;
        while (ok && k < sizeof sig_codes / sizeof sig_codes[0] && strcmp(sig_codes[k].name, jsig->valuestring) != 0)
            k++;
        if (ok && k == sizeof sig_codes / sizeof sig_codes[0]) {
            char *esc = od_escape_str(jsig->valuestring);
            ok = od_json_fail(l, swhere, "unknown signature scheme \"%s\" (TLS SignatureScheme names, e.g. "
                                         "rsa_pkcs1_sha256, ecdsa_secp256r1_sha256)", esc);
            free(esc);
        }
        free(swhere);
        if (!ok)
            return false;
        od_strlist_add(&p->signature_schemes, jsig->valuestring);
        od_strlist_add(&p->signature_gnutls, sig_codes[k].gnutls);
        p->signature_codes = od_xrealloc(p->signature_codes, (si + 1) * sizeof *p->signature_codes);
        p->signature_codes[si] = sig_codes[k].code;
    }
    return true;
}

char *od_policy_load(const char *path, od_policy *out)
{
    memset(out, 0, sizeof *out);
    od_strlist_init(&out->curves);
    od_strlist_init(&out->curve_names);
    od_strlist_init(&out->signature_schemes);
    od_strlist_init(&out->signature_gnutls);
    if (!path)
        return od_xasprintf("no policy file given");

    size_t len = 0;
    char *text = od_read_file(path, &len);
    if (!text)
        return od_xasprintf("cannot read %s: %s", path, od_strerror(errno, &(od_errbuf){0}));

    char *perr = NULL;
    cJSON *root = od_json_parse(text, len, "CloudFront's origin policy (JSON)", &perr);
    if (!root) {
        char *msg = od_xasprintf("%s: %s", path, perr);
        free(perr);
        free(text);
        return msg;
    }
    od_json_reader l = { path, NULL };
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
    od_strlist_free(&p->signature_gnutls);
    free(p->curve_codes);
    free(p->signature_codes);
    free(p->source);
    free(p->checked);
    free(p->path);
    od_aws_endpoints_free(&p->aws);
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

/* The folders searched for assets, in order (see the man page's FILES). */
static void asset_dirs(od_strlist *out)
{
    const char *env = getenv("ORIGIN_DOCTOR_ASSETS");
    if (env && *env)
        od_strlist_add(out, env);
    char *dir = exe_dir();
    if (dir) {
        od_strlist_add_owned(out, od_xasprintf("%s/../assets", dir));
#ifdef OD_DATADIR_FROM_BINDIR
        od_strlist_add_owned(out, od_xasprintf("%s/" OD_DATADIR_FROM_BINDIR, dir));
#else
        od_strlist_add_owned(out, od_xasprintf("%s/../share/origin-doctor", dir));
#endif
        free(dir);
    }
#ifdef OD_SOURCE_ASSETS
    od_strlist_add(out, OD_SOURCE_ASSETS);
#endif
#ifdef OD_INSTALL_ASSETS
    od_strlist_add(out, OD_INSTALL_ASSETS);
#endif
}

char *od_asset_path(const char *name)
{
    if (!name || !*name)
        return NULL;
    od_strlist dirs;
    od_strlist_init(&dirs);
    asset_dirs(&dirs);
    char *found = NULL;
    for (size_t i = 0; i < dirs.len && !found; i++)
        found = existing_file(dirs.items[i], name);
    od_strlist_free(&dirs);
    return found;
}

char *od_asset_missing(const char *name)
{
    od_strlist dirs;
    od_strlist_init(&dirs);
    asset_dirs(&dirs);
    const char *env = getenv("ORIGIN_DOCTOR_ASSETS");
    char *list = od_strlist_join(&dirs, ", ", "");
    char *e = od_escape_str(list);
    char *msg = od_xasprintf("cannot find the asset file %s; looked in %s%s (set ORIGIN_DOCTOR_ASSETS to the folder "
                             "that holds it)",
                             name, env && *env ? "" : "$ORIGIN_DOCTOR_ASSETS (not set), ", e);
    free(e);
    free(list);
    od_strlist_free(&dirs);
    return msg;
}
