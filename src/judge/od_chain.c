/* The project's own chain analysis (gnutls-notes.md section 1): GnuTLS
 * verification re-sorts wrong-order chains and reports self-signed,
 * untrusted root and missing intermediate alike, so the issuer path is
 * built here from the chain exactly as sent. */
#include "od_chain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "od_util.h"


char *od_trust_load(const char *path, od_trust *out)
{
    memset(out, 0, sizeof *out);
    gnutls_x509_trust_list_t list;
    int rc = gnutls_x509_trust_list_init(&list, 0);
    if (rc < 0)
        return od_xasprintf("cannot create a trust list: %s", gnutls_strerror(rc));

    if (!path) {
        rc = gnutls_x509_trust_list_add_system_trust(list, 0, 0);
        if (rc <= 0) {
            gnutls_x509_trust_list_deinit(list, 1);
            return od_xasprintf("the system trust store holds no certificate%s%s",
                                rc < 0 ? ": " : "", rc < 0 ? gnutls_strerror(rc) : "");
        }
        out->source = od_xstrdup("system");
    } else {
        char *shown = od_escape_str(path);
        size_t len = 0;
        char *data = od_read_file(path, &len);
        if (!data) {
            int err = errno;
            gnutls_x509_trust_list_deinit(list, 1);
            char *msg = od_xasprintf("cannot read trust store %s: %s", shown, od_strerror(err, &(od_errbuf){0}));
            free(shown);
            return msg;
        }
        rc = len > 0 && len <= 0xffffffffu ? 0 : GNUTLS_E_BASE64_DECODING_ERROR;
        if (rc == 0) {
            gnutls_datum_t pem = { (unsigned char *)data, (unsigned)len };
            rc = gnutls_x509_trust_list_add_trust_mem(list, &pem, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
        }
        free(data);
        if (rc <= 0) {
            gnutls_x509_trust_list_deinit(list, 1);
            char *msg = od_xasprintf("trust store %s holds no PEM certificate", shown);
            free(shown);
            return msg;
        }
        free(shown);
        out->source = od_xstrdup(path);
    }
    out->list = list;
    out->count = (unsigned)rc;
    return NULL;
}

void od_trust_free(od_trust *t)
{
    if (!t)
        return;
    if (t->list)
        gnutls_x509_trust_list_deinit(t->list, 1);
    free(t->source);
    memset(t, 0, sizeof *t);
}

/* Does issuer's key verify cert's signature (names and key ids matching)?
 * Validity dates, CA constraints and algorithm strength are judged by the
 * rules, not here: this only establishes who issued what. */
static bool issued_by(gnutls_x509_crt_t cert, gnutls_x509_crt_t issuer)
{
    if (!gnutls_x509_crt_check_issuer(cert, issuer))
        return false;
    unsigned status = 0;
    unsigned flags = GNUTLS_VERIFY_DO_NOT_ALLOW_SAME | GNUTLS_VERIFY_DISABLE_CA_SIGN |
                     GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
                     GNUTLS_VERIFY_ALLOW_BROKEN | GNUTLS_VERIFY_ALLOW_ANY_X509_V1_CA_CRT;
    if (gnutls_x509_crt_verify(cert, &issuer, 1, flags, &status) < 0)
        return false;
    return (status & (GNUTLS_CERT_SIGNATURE_FAILURE | GNUTLS_CERT_SIGNER_NOT_FOUND)) == 0;
}

static bool same_key(gnutls_x509_crt_t a, gnutls_x509_crt_t b)
{
    unsigned char ka[64], kb[64];
    size_t la = sizeof ka, lb = sizeof kb;
    if (gnutls_x509_crt_get_key_id(a, GNUTLS_KEYID_USE_SHA256, ka, &la) < 0 ||
        gnutls_x509_crt_get_key_id(b, GNUTLS_KEYID_USE_SHA256, kb, &lb) < 0)
        return false;
    return la == lb && memcmp(ka, kb, la) == 0;
}

static char *escaped_dn(gnutls_x509_crt_t crt, bool issuer)
{
    gnutls_datum_t d = { NULL, 0 };
    int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) : gnutls_x509_crt_get_dn3(crt, &d, 0);
    if (rc < 0)
        return od_xstrdup("");
    char *s = od_escape(d.data ? (const char *)d.data : "", d.size);
    gnutls_free(d.data);
    return s;
}

/* Is crt itself in the trust store (same subject, same key)? On success
 * *subject receives the anchor's subject. */
static bool is_anchor(gnutls_x509_trust_list_t tl, gnutls_x509_crt_t crt, char **subject)
{
    gnutls_datum_t dn = { NULL, 0 };
    if (gnutls_x509_crt_get_raw_dn(crt, &dn) < 0)
        return false;
    gnutls_x509_crt_t anchor = NULL;
    int rc = gnutls_x509_trust_list_get_issuer_by_dn(tl, &dn, &anchor, 0);
    gnutls_free(dn.data);
    if (rc < 0)
        return false;
    bool same = same_key(crt, anchor);
    if (same)
        *subject = escaped_dn(anchor, false);
    gnutls_x509_crt_deinit(anchor);
    return same;
}

/* Is crt issued (and signed) by a trust anchor? */
static bool issued_by_anchor(gnutls_x509_trust_list_t tl, gnutls_x509_crt_t crt, char **subject)
{
    gnutls_x509_crt_t anchor = NULL;
    if (gnutls_x509_trust_list_get_issuer(tl, crt, &anchor, GNUTLS_TL_GET_COPY) < 0)
        return false;
    bool ok = issued_by(crt, anchor);
    if (ok)
        *subject = escaped_dn(anchor, false);
    gnutls_x509_crt_deinit(anchor);
    return ok;
}

static void note_missing_issuer(gnutls_x509_crt_t crt, size_t pos, od_chain_facts *f)
{
    f->issuer_missing = true;
    f->missing_after = pos;
    f->missing_issuer_dn = escaped_dn(crt, true);
    unsigned char id[128];
    size_t len = sizeof id;
    unsigned critical = 0;
    if (gnutls_x509_crt_get_authority_key_id(crt, id, &len, &critical) >= 0 && len > 0)
        f->missing_issuer_akid = od_hex(id, len, ':');
}

/* The sent, unused certificate that issued crts[cur]; the one right
 * after the path's last position is preferred when several qualify. */
static bool find_sent_issuer(gnutls_x509_crt_t *crts, const bool *used, size_t n, size_t cur,
                             size_t prefer, size_t *found)
{
    if (prefer < n && !used[prefer] && crts[prefer] && issued_by(crts[cur], crts[prefer])) {
        *found = prefer;
        return true;
    }
    for (size_t j = 0; j < n; j++) {
        if (j != cur && !used[j] && crts[j] && issued_by(crts[cur], crts[j])) {
            *found = j;
            return true;
        }
    }
    return false;
}

void od_chain_analyse(const od_cert *certs, const size_t *chain, size_t n,
                      const od_trust *trust, od_chain_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    if (!certs || !chain || n == 0)
        return;
    if (n > OD_CHAIN_MAX)
        n = OD_CHAIN_MAX;

    gnutls_x509_crt_t crts[OD_CHAIN_MAX] = { 0 };
    bool used[OD_CHAIN_MAX] = { false };
    for (size_t i = 0; i < n; i++) {
        const od_cert *c = &certs[chain[i]];
        if (!c->der || c->der_len == 0 || c->der_len > 0xffffffffu || gnutls_x509_crt_init(&crts[i]) < 0) {
            crts[i] = NULL;
            continue;
        }
        gnutls_datum_t d = { c->der, (unsigned)c->der_len };
        if (gnutls_x509_crt_import(crts[i], &d, GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(crts[i]);
            crts[i] = NULL;
        }
    }
    if (!crts[0])
        goto done;              /* the leaf cannot be read: nothing to analyse */

    facts->analysed = true;
    facts->leaf_self_signed = certs[chain[0]].self_signed;
    gnutls_x509_trust_list_t tl = trust ? trust->list : NULL;

    size_t cur = 0;
    facts->path[facts->path_len++] = 0;
    used[0] = true;
    for (;;) {
        char *anchor_subject = NULL;
        if (tl && is_anchor(tl, crts[cur], &anchor_subject)) {
            facts->ends_at_trust_anchor = true;
            facts->trust_anchor_subject = anchor_subject;
            break;
        }
        if (certs[chain[cur]].self_signed) {
            facts->ends_at_untrusted_root = true;   /* self-signed and not an anchor */
            break;
        }
        if (tl && issued_by_anchor(tl, crts[cur], &anchor_subject)) {
            facts->ends_at_trust_anchor = true;
            facts->trust_anchor_subject = anchor_subject;
            /* A sent copy of that anchor (typically the root) belongs on
             * the path, not among the extras. */
            size_t j;
            char *sent_subject = NULL;
            if (facts->path_len < OD_CHAIN_MAX &&
                find_sent_issuer(crts, used, n, cur, facts->path[facts->path_len - 1] + 1, &j) &&
                (certs[chain[j]].self_signed || is_anchor(tl, crts[j], &sent_subject))) {
                facts->path[facts->path_len++] = j;
                used[j] = true;
            }
            free(sent_subject);
            break;
        }
        size_t next;
        if (!find_sent_issuer(crts, used, n, cur, facts->path[facts->path_len - 1] + 1, &next)) {
            note_missing_issuer(crts[cur], cur, facts);
            break;
        }
        if (facts->path_len == OD_CHAIN_MAX)
            break;
        facts->path[facts->path_len++] = next;
        used[next] = true;
        cur = next;
    }

    facts->order_ok = true;
    for (size_t i = 0; i < facts->path_len; i++)
        if (facts->path[i] != i)
            facts->order_ok = false;
    for (size_t i = 0; i < n; i++)
        if (!used[i])
            facts->extra[facts->n_extra++] = i;
    /* A self-signed CA sent after the leaf: the root was included. */
    for (size_t i = 1; i < n; i++) {
        const od_cert *c = &certs[chain[i]];
        if (c->self_signed && c->is_ca) {
            facts->root_included = true;
            facts->root_position = i;
            break;
        }
    }

done:
    for (size_t i = 0; i < n; i++)
        if (crts[i])
            gnutls_x509_crt_deinit(crts[i]);
}

#define AT(i) (&certs[order ? order[(i)] : (i)])

static bool issued_any(const od_cert *certs, const size_t *order, size_t n, size_t i)
{
    const od_cert *c = AT(i);
    for (size_t k = 0; k < n; k++)
        if (k != i && AT(k)->issuer && c->subject && strcmp(AT(k)->issuer, c->subject) == 0 && !AT(k)->self_issued)
            return true;
    return false;
}

size_t od_chain_leaf_position(const od_cert *certs, const size_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!AT(i)->is_ca && !issued_any(certs, order, n, i))
            return i;
    return 0;
}

#undef AT

void od_chain_analyse_from(const od_cert *certs, const size_t *chain, size_t n, size_t leaf,
                           const od_trust *trust, od_chain_facts *f)
{
    if (n > OD_CHAIN_MAX)
        n = OD_CHAIN_MAX;
    if (leaf == 0 || leaf >= n) {
        od_chain_analyse(certs, chain, n, trust, f);
        return;
    }
    size_t perm[OD_CHAIN_MAX], permuted[OD_CHAIN_MAX], k = 0;
    perm[k++] = leaf;
    for (size_t i = 0; i < n; i++)
        if (i != leaf)
            perm[k++] = i;
    for (size_t i = 0; i < n; i++)
        permuted[i] = chain[perm[i]];
    od_chain_analyse(certs, permuted, n, trust, f);
    f->order_ok = false;
    for (size_t i = 0; i < f->path_len; i++)
        f->path[i] = perm[f->path[i]];
    for (size_t i = 0; i < f->n_extra; i++)
        f->extra[i] = perm[f->extra[i]];
    if (f->issuer_missing)
        f->missing_after = perm[f->missing_after];
    if (f->root_included)
        f->root_position = perm[f->root_position];
}

void od_chain_analyse_sent(const od_cert *certs, const size_t *chain, size_t n,
                           const od_trust *trust, od_chain_facts *facts)
{
    od_chain_analyse(certs, chain, n, trust, facts);
    if (!certs || !chain || n < 2 || n > OD_CHAIN_MAX || !certs[chain[0]].is_ca)
        return;
    size_t leaf = od_chain_leaf_position(certs, chain, n);
    if (leaf == 0)
        return;
    od_chain_facts from_leaf;
    od_chain_analyse_from(certs, chain, n, leaf, trust, &from_leaf);
    bool through_first = false;
    for (size_t i = 0; i < from_leaf.path_len; i++)
        through_first = through_first || from_leaf.path[i] == 0;
    if (!through_first) {
        od_chain_facts_free(&from_leaf);
        return;
    }
    od_chain_facts_free(facts);
    *facts = from_leaf;
}
