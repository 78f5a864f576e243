/* Helpers the rule files share: building findings, evidence, fix
 * placeholders and reproduction commands. */
#include "od_rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rl_var(rl_varset *vs, const char *key, const char *value)
{
    if (value && vs->n < sizeof vs->v / sizeof vs->v[0]) {
        vs->v[vs->n].key = key;
        vs->v[vs->n].value = value;
        vs->n++;
    }
}

cJSON *rl_str_array(const od_strlist *l)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < l->len; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
    return a;
}

void rl_ev_str(od_finding *f, const char *key, const char *value)
{
    if (value)
        cJSON_AddStringToObject(f->evidence, key, value);
    else
        cJSON_AddNullToObject(f->evidence, key);
}

void rl_ev_int(od_finding *f, const char *key, double value)
{
    cJSON_AddNumberToObject(f->evidence, key, value);
}

void rl_ev_time(od_finding *f, const char *key, time_t t)
{
    char buf[32];
    od_format_time(t, buf, sizeof buf);
    cJSON_AddStringToObject(f->evidence, key, buf);
}

bool rl_is_expected(const rule_ctx *x, const char *name)
{
    return name && od_strlist_contains_ci(&x->names, name);
}

const od_cert *rl_hs_cert(const rule_ctx *x, const od_handshake *hs, size_t pos)
{
    if (pos >= hs->chain_len || hs->chain[pos] >= x->o->n_certs)
        return NULL;
    return &x->o->certs[hs->chain[pos]];
}

static const od_address *find_address(const rule_ctx *x, const char *addr)
{
    for (size_t i = 0; i < x->o->n_addresses; i++)
        if (strcmp(x->o->addresses[i].address, addr) == 0)
            return &x->o->addresses[i];
    return NULL;
}

/* The host part of a reproduction command: the address when it matters
 * (several addresses, or pinned with --resolve), else the origin name. */
char *rl_connect_target(const rule_ctx *x, const char *addr)
{
    /* an origin pinned with --resolve does not resolve on the engineer's
     * machine either: the command must name the address */
    if ((!addr || !*addr) && x->o->n_addresses > 0 && x->o->addresses[0].from_resolve)
        addr = x->o->addresses[0].address;
    const od_address *a = addr && *addr ? find_address(x, addr) : NULL;
    bool use_addr = addr && *addr &&
                    (x->o->n_addresses > 1 || (a && a->from_resolve) || !a || !x->c->origin_domain);
    if (!use_addr)
        return od_xstrdup(x->c->origin_domain ? x->c->origin_domain : "ORIGIN");
    return rl_bracketed(addr);
}

char *rl_bracketed(const char *addr)
{
    return strchr(addr, ':') ? od_xasprintf("[%s]", addr) : od_xstrdup(addr);
}

void rl_curl_cacert(od_buf *b, const rule_ctx *x)
{
    if (!x->c->trust_store)
        return;
    char *q = od_shell_word(x->c->trust_store);
    od_buf_printf(b, " --cacert %s", q);
    free(q);
}

void rl_curl_resolve(od_buf *b, const char *name, int port, const char *addr)
{
    char *a = rl_bracketed(addr);
    od_buf_printf(b, " --resolve %s:%d:%s", name, port, a);
    free(a);
}

/* A bundle judged offline is reproduced from the file, not a connection. */
char *rl_bundle_command(const rule_ctx *x)
{
    const char *f = x->o->bundle->file;
    if (x->o->bundle->format && strcmp(x->o->bundle->format, "PKCS#12") == 0)
        return od_xasprintf("openssl pkcs12 -in '%s' -nokeys | openssl crl2pkcs7 -nocrl -certfile /dev/stdin | "
                            "openssl pkcs7 -print_certs -text -noout", f);
    if (x->o->bundle->format && strcmp(x->o->bundle->format, "PEM") != 0)
        return od_xasprintf("openssl x509 -inform DER -in '%s' -text -noout", f);
    return od_xasprintf("openssl crl2pkcs7 -nocrl -certfile '%s' | openssl pkcs7 -print_certs -text -noout", f);
}

/* The command support staff know, made to see what CloudFront sees: no
 * TLS 1.3 (CloudFront's origin protocols stop at TLS 1.2, so a failure
 * that TLS 1.3 would hide shows), and the trust store the diagnosis used
 * (without it every lab or private chain "fails" for the wrong reason). */
char *rl_sclient(const rule_ctx *x, const char *addr, int port, const char *sni, const char *extra)
{
    if (x->o->bundle)
        return rl_bundle_command(x);
    char *t = rl_connect_target(x, addr);
    od_buf b;
    od_buf_init(&b);
    od_buf_printf(&b, "openssl s_client -connect %s:%d", t, port);
    if (sni)
        od_buf_printf(&b, " -servername %s", sni);
    else
        od_buf_puts(&b, " -noservername");
    od_buf_puts(&b, " -showcerts");
    if (extra)
        od_buf_printf(&b, " %s", extra);
    if (!extra || !strstr(extra, "-tls1"))
        od_buf_puts(&b, " -no_tls1_3");
    if (x->c->trust_store) {
        char *q = od_shell_word(x->c->trust_store);
        od_buf_printf(&b, " -CAfile %s", q);
        free(q);
    }
    od_buf_puts(&b, " </dev/null");
    free(t);
    return od_buf_steal(&b);
}

/* Adds a finding, or, when one with the same id and key exists, adds the
 * address to its evidence and returns NULL (the caller then stops). */
od_finding *rl_finding_new(rule_ctx *x, const char *id, od_severity sev, const char *key,
                               const char *address)
{
    char *k = od_xasprintf("%s|%s", id, key ? key : "");
    for (size_t i = 0; i < x->keys.len; i++) {
        if (strcmp(x->keys.items[i], k) != 0)
            continue;
        free(k);
        od_finding *f = &x->out->items[x->base + i];
        if (sev > f->severity)
            f->severity = sev;
        if (address && *address) {
            cJSON *addrs = cJSON_GetObjectItemCaseSensitive(f->evidence, "addresses");
            if (!addrs)
                addrs = cJSON_AddArrayToObject(f->evidence, "addresses");
            bool seen = false;
            const cJSON *it;
            cJSON_ArrayForEach(it, addrs)
                if (cJSON_IsString(it) && strcmp(it->valuestring, address) == 0)
                    seen = true;
            if (!seen)
                cJSON_AddItemToArray(addrs, cJSON_CreateString(address));
        }
        return NULL;
    }
    od_strlist_add_owned(&x->keys, k);
    od_finding *f = od_finding_list_add(x->out);
    f->id = od_xstrdup(id);
    f->severity = sev;
    if (address && *address) {
        cJSON *addrs = cJSON_AddArrayToObject(f->evidence, "addresses");
        cJSON_AddItemToArray(addrs, cJSON_CreateString(address));
    }
    return f;
}

/* Title, fix steps (server-specific first) and fallbacks. */
void rl_finish(rule_ctx *x, od_finding *f, const char *server, rl_varset *vs)
{
    rl_var(vs, "origin", x->c->origin_domain);
    rl_var(vs, "names", x->names_joined);
    rl_var(vs, "protocols", x->protocols);
    if (f->names.len == 0)
        od_strlist_copy(&f->names, &x->names);
    od_fixes_apply(x->fx, f, server, vs->v, vs->n);
    if (!f->title)
        f->title = od_xstrdup(f->id);
    if (!f->detail)
        f->detail = od_xstrdup("");
}

/* Finishes a finding about one expected name at one address and port. */
void rl_finish_for_name(rule_ctx *x, od_finding *f, const char *server, rl_varset *vs, const char *name,
                            const char *address, int port)
{
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    rl_var(vs, "name", name);
    rl_var(vs, "sni", name);
    rl_var(vs, "port", port_text);
    rl_var(vs, "address", address);
    rl_finish(x, f, server, vs);
}

void rl_note_untested(rule_ctx *x, char *text)
{
    /* A file judged offline probes nothing: DNS, ports, suites and HTTP are
     * the live diagnosis's to check (VANTAGE_POINT says so once). */
    if (x->o->bundle && strncmp(text, "private key", 11) != 0) {
        free(text);
        return;
    }
    if (!od_strlist_contains(&x->untested, text))
        od_strlist_add(&x->untested, text);
    free(text);
}

bool rl_no_address_of_type(const rule_ctx *x)
{
    if (x->o->dns.status != OD_DNS_OK)
        return false;
    for (size_t i = 0; i < x->o->n_addresses; i++)
        if (od_case_uses_family(x->c, x->o->addresses[i].family))
            return false;
    return x->o->n_addresses > 0;
}

bool rl_dns_left_no_address(const rule_ctx *x)
{
    return x->o->dns.status == OD_DNS_NO_SUCH_HOST || rl_no_address_of_type(x);
}

bool rl_https_handshake(const rule_ctx *x, const od_handshake *hs)
{
    return hs->port == x->c->https_port;
}

const char *rl_first_name(const rule_ctx *x)
{
    return x->names.len ? x->names.items[0] : x->c->origin_domain;
}

char *rl_proto_list(unsigned bits)
{
    char *s = od_ssl_protocols_str(bits);
    if (!*s) {
        free(s);
        return od_xstrdup("none");
    }
    return s;
}

bool rl_completed_for(const rule_ctx *x, const od_handshake *hs, const char *name)
{
    return hs->ok && hs->sni && name && od_strcasecmp(hs->sni, name) == 0 && rl_https_handshake(x, hs);
}

bool rl_chain_received(const rule_ctx *x, const od_handshake *hs)
{
    return hs->chain_len > 0 && hs->outcome != OD_TLS_UNTESTED && rl_https_handshake(x, hs);
}

bool rl_every_name_completes(const rule_ctx *x)
{
    for (size_t n = 0; n < x->names.len; n++) {
        bool ok = false;
        for (size_t i = 0; i < x->o->n_handshakes && !ok; i++)
            ok = rl_completed_for(x, &x->o->handshakes[i], x->names.items[n]);
        if (!ok)
            return false;
    }
    return x->names.len > 0;
}

void rl_mark_incomplete(rule_ctx *x, char *text)
{
    /* A file judged offline probes nothing by design: what only a live
     * diagnosis can check does not make the bundle check incomplete. */
    if (x->o->bundle) {
        free(text);
        return;
    }
    x->incomplete = true;
    if (!od_strlist_contains(&x->incomplete_why, text))
        od_strlist_add(&x->incomplete_why, text);
    free(text);
}

void rl_note_incomplete(rule_ctx *x, char *text)
{
    rl_mark_incomplete(x, od_xstrdup(text));
    rl_note_untested(x, text);
}
