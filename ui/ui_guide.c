/* The guided session's words, per kind of check. */
#include "ui_guide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_reconcile.h"
#include "od_util.h"
#include "ui_panes.h"

typedef struct {
    const char *prefix;      /* how the engine's step name starts */
    const char *does;        /* what CloudFront does here */
    const char *looks;       /* what we look at */
    const char *glossary[3]; /* jargon explained where it first appears */
    const char *pass, *warn, *fail;
    od_layer layer;          /* the findings that concern it */
    const char *id_part;     /* ... whose id contains this ("" any) */
} guide_text;

static const guide_text texts[] = {
    [UI_GK_DNS] = {"DNS ",
        "CloudFront looks up the origin's name in public DNS and connects to one of the addresses it gets.",
        "Whether the name resolves, and to which addresses.",
        {"DNS: the internet's directory, which turns a name into addresses."},
        "Yes: the name resolves. CloudFront will connect to these addresses.", NULL,
        "No: the name does not resolve, so CloudFront has nowhere to connect and viewers get 502.",
        OD_LAYER_NETWORK, ""},
    [UI_GK_TCP] = {"TCP ",
        "CloudFront opens a connection to the origin's port before anything else.",
        "Whether the port accepts the connection, refuses it, or never answers.",
        {"Port: the number a server listens on (443 for HTTPS, 80 for HTTP)."},
        "Yes: the port accepts connections.", NULL,
        "No: the connection is refused or never answered. Viewers get 502 (refused) or 504 (no answer).",
        OD_LAYER_NETWORK, ""},
    [UI_GK_TLS] = {"TLS ",
        "CloudFront starts a secure connection (a TLS handshake) and sends the name as SNI, then checks the "
        "certificate the origin sends back.",
        "Whether the handshake completes with a TLS version and cipher suite CloudFront offers, and whether the "
        "certificate covers the name.",
        {"SNI (Server Name Indication): the name CloudFront asks for at the start of the handshake, so the "
         "origin can pick the right certificate.",
         "Handshake: the opening exchange where both sides agree how to encrypt and the origin shows its "
         "certificate.",
         "Alert: the short error message a server sends to end a handshake it refuses."},
        "Yes: the handshake completes and the certificate covers the name.",
        "The handshake completes, with a warning.",
        "No: CloudFront cannot use this connection for the name, so viewers get 502.",
        OD_LAYER_TLS, ""},
    [UI_GK_TLS_NO_SNI] = {"TLS without SNI",
        "Information only: CloudFront always sends a name, but this shows the certificate the origin gives when "
        "none is sent (its default).",
        "Whether the origin answers a handshake without a name, and which certificate it sends.",
        {NULL},
        "The origin answers without a name too.", NULL,
        "Without a name the origin refuses; on its own this does not affect CloudFront.",
        OD_LAYER_NONE, ""},
    [UI_GK_TLS_BROAD] = {"",
        "When CloudFront's own offer was refused, we try again offering every version and suite, only to see "
        "the certificate.",
        "Whether a broader offer is answered: then the problem is what CloudFront offers, not the certificate.",
        {NULL},
        "The origin answers a broader offer.", NULL, "The origin refuses even a broad offer.",
        OD_LAYER_TLS, ""},
    [UI_GK_CHAIN] = {"Certificate chain",
        "CloudFront checks that the origin's certificate was issued by a certificate authority it trusts, "
        "through the intermediate certificates the origin sends.",
        "The certificates sent, their order (the origin's own first, then each issuer), their dates, and the "
        "root they lead to.",
        {"Chain: the origin's certificate (the leaf) followed by the intermediate certificates that link it to "
         "a trusted root."},
        "Yes: leaf first, then each issuer, up to a trusted root; all within their dates.",
        "The chain works, with a warning.",
        "No: CloudFront cannot verify the certificate, so viewers get 502.",
        OD_LAYER_TLS, "CHAIN_"},
    [UI_GK_NAMES] = {"Name checks",
        "CloudFront compares the name it sent (SNI) with the names in the certificate. A name that is not "
        "covered means 502.",
        "Each name CloudFront uses against the certificate's names (a wildcard *.example.com covers "
        "a.example.com only).",
        {"Certificate names: the Subject Alternative Names (SANs) listed in the certificate."},
        "Yes: every name CloudFront uses is covered.", "The names are covered, with a warning.",
        "No: at least one name CloudFront uses is not in the certificate.",
        OD_LAYER_TLS, "_NAME"},
    [UI_GK_CIPHERS] = {"Protocols and cipher suites",
        "CloudFront offers only the TLS versions allowed in the distribution's origin settings, and its own "
        "list of cipher suites.",
        "Which of those versions and suites the origin accepts, one at a time.",
        {"Cipher suite: a named set of encryption methods; both sides need at least one in common."},
        "Yes: they share at least one version and suite.", "They share some, with a warning.",
        "No: they have nothing in common, so the handshake fails and viewers get 502.",
        OD_LAYER_TLS, "TLS_"},
    [UI_GK_HTTP] = {"HTTP ",
        "After the handshake, CloudFront sends the viewer's request with the Host header and waits for the "
        "origin's answer (up to its origin response timeout).",
        "The status line the origin answers with, and how long its first byte took.",
        {NULL},
        "Yes: the origin answers.",
        "The origin answers, but not with success, or CloudFront never gets this far for this name.",
        "No answer CloudFront can use: viewers get 502 or 504.",
        OD_LAYER_HTTP, ""},
    [UI_GK_OTHER] = {"", "Part of the checks CloudFront's connection depends on.", "What the step reports.",
        {NULL}, "Passed.", "Passed with a warning.", "Failed.", OD_LAYER_NONE, ""},
};

static void copy_token(char *dst, size_t n, const char *src, size_t len)
{
    if (len >= n)
        len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* "ADDR:PORT" at the end of s (after " at "), into out. */
static void parse_at(const char *s, ui_guide_step *out)
{
    const char *at = strstr(s, " at ");
    if (!at)
        return;
    at += 4;
    const char *end = at + strcspn(at, ", ");
    const char *colon = NULL;
    for (const char *p = at; p < end; p++)
        if (*p == ':')
            colon = p;   /* the last one: IPv6 addresses hold colons */
    if (!colon)
        return;
    copy_token(out->address, sizeof out->address, at, (size_t)(colon - at));
    out->port = atoi(colon + 1);
}

void ui_guide_parse(const char *s, ui_guide_step *out)
{
    memset(out, 0, sizeof *out);
    out->kind = UI_GK_OTHER;
    if (!s)
        return;
    if (strncmp(s, "DNS ", 4) == 0) {
        out->kind = UI_GK_DNS;
        copy_token(out->name, sizeof out->name, s + 4, strcspn(s + 4, " "));
    } else if (strncmp(s, "TCP ", 4) == 0) {
        out->kind = UI_GK_TCP;
        const char *a = s + 4;
        copy_token(out->address, sizeof out->address, a, strcspn(a, " "));
        const char *p = strstr(a, " port ");
        out->port = p ? atoi(p + 6) : 0;
    } else if (strncmp(s, "TLS without SNI", 15) == 0) {
        out->kind = UI_GK_TLS_NO_SNI;
        parse_at(s, out);
    } else if (strncmp(s, "TLS ", 4) == 0) {
        out->kind = strstr(s, "broad offer") ? UI_GK_TLS_BROAD : UI_GK_TLS;
        copy_token(out->name, sizeof out->name, s + 4, strcspn(s + 4, " "));
        parse_at(s, out);
    } else if (strncmp(s, "Certificate chain", 17) == 0) {
        out->kind = UI_GK_CHAIN;
    } else if (strncmp(s, "Name checks", 11) == 0) {
        out->kind = UI_GK_NAMES;
    } else if (strncmp(s, "Protocols and cipher suites", 27) == 0) {
        out->kind = UI_GK_CIPHERS;
        parse_at(s, out);
    } else if (strncmp(s, "HTTP ", 5) == 0) {
        out->kind = UI_GK_HTTP;
        const char *m = s + 5;
        copy_token(out->method, sizeof out->method, m, strcspn(m, " "));
        const char *u = strstr(m, "://");
        if (u) {
            const char *sch = m + strcspn(m, " ") + 1;
            copy_token(out->scheme, sizeof out->scheme, sch, (size_t)(u - sch));
            copy_token(out->name, sizeof out->name, u + 3, strcspn(u + 3, "/ "));
        }
        parse_at(s, out);
    }
}

/* Where a check without an address of its own (chain, names) connects:
 * the first named handshake's. */
static void borrow_address(const ui_guide_item *items, size_t n, ui_guide_step *s)
{
    for (size_t i = 0; i < n && (!s->address[0] || !s->name[0]); i++) {
        ui_guide_step t;
        ui_guide_parse(items[i].name, &t);
        if (t.kind != UI_GK_TLS)
            continue;
        if (!s->address[0]) {
            snprintf(s->address, sizeof s->address, "%s", t.address);
            s->port = t.port;
        }
        if (!s->name[0])
            snprintf(s->name, sizeof s->name, "%s", t.name);
    }
}

char *ui_guide_command(const ui_guide_step *s, const od_case *c)
{
    const char *name = s->name[0] ? s->name : (c && c->origin_domain ? c->origin_domain : "ORIGIN");
    const char *addr = s->address[0] ? s->address : name;
    int port = s->port ? s->port : (c ? c->https_port : 443);
    switch (s->kind) {
    case UI_GK_DNS: return od_xasprintf("dig +short %s", name);
    case UI_GK_TCP: return od_xasprintf("nc -vz %s %d", addr, port);
    case UI_GK_TLS:
    case UI_GK_TLS_BROAD: return od_xasprintf("openssl s_client -connect %s:%d -servername %s </dev/null", addr, port, name);
    case UI_GK_TLS_NO_SNI: return od_xasprintf("openssl s_client -connect %s:%d -noservername </dev/null", addr, port);
    case UI_GK_CHAIN:
        return od_xasprintf("openssl s_client -connect %s:%d -servername %s -showcerts </dev/null", addr, port, name);
    case UI_GK_NAMES:
        return od_xasprintf("openssl s_client -connect %s:%d -servername %s </dev/null 2>/dev/null | openssl x509 "
                            "-noout -ext subjectAltName",
                            addr, port, name);
    case UI_GK_CIPHERS:
        return od_xasprintf("openssl s_client -connect %s:%d -servername %s -tls1_2 </dev/null", addr, port, name);
    case UI_GK_HTTP: {
        /* the request CloudFront sends: its User-Agent, the custom headers
         * (values left to shell variables: secrets), OriginPath + path */
        char *args = c ? od_case_curl_request_args(c) : od_xstrdup("-A 'Amazon CloudFront'");
        char *target = c ? od_case_request_target(c) : od_xstrdup("/");
        char *url = od_xasprintf("%s://%s:%d%s", s->scheme[0] ? s->scheme : "https", name, port, target);
        char *word = od_shell_word(url);
        char *cmd = od_xasprintf("curl -sv -o /dev/null %s%s --resolve %s:%d:%s %s",
                                 strcmp(s->method, "GET") == 0 ? "" : "-I ", args, name, port, addr, word);
        free(word);
        free(url);
        free(target);
        free(args);
        return cmd;
    }
    case UI_GK_OTHER: break;
    }
    return od_xstrdup("");
}

char *ui_guide_label(const ui_guide_step *s)
{
    switch (s->kind) {
    case UI_GK_DNS: return od_xasprintf("DNS %s", s->name);
    case UI_GK_TCP: return od_xasprintf("Port %d", s->port);
    case UI_GK_TLS: return od_xasprintf("TLS %s", s->name);
    case UI_GK_TLS_NO_SNI: return od_xstrdup("TLS without a name");
    case UI_GK_TLS_BROAD: return od_xasprintf("TLS %s, broad", s->name);
    case UI_GK_CHAIN: return od_xstrdup("Certificate chain");
    case UI_GK_NAMES: return od_xstrdup("Certificate names");
    case UI_GK_CIPHERS: return od_xstrdup("Versions and suites");
    case UI_GK_HTTP: return od_xasprintf("HTTP %s", s->name);
    case UI_GK_OTHER: break;
    }
    return od_xstrdup("Other");
}

char *ui_guide_title(const ui_guide_step *s)
{
    const char *n = s->name;
    switch (s->kind) {
    case UI_GK_DNS: return od_xasprintf("Can CloudFront find %s's address?", n);
    case UI_GK_TCP: return od_xasprintf("Does %s accept connections on port %d?", s->address, s->port);
    case UI_GK_TLS: return od_xasprintf("Can CloudFront open a secure connection (TLS) for %s?", n);
    case UI_GK_TLS_NO_SNI: return od_xstrdup("What does the origin send when no name is asked for?");
    case UI_GK_TLS_BROAD: return od_xasprintf("Does the origin answer %s when offered every TLS version?", n);
    case UI_GK_CHAIN: return od_xstrdup("Is the certificate chain complete, in order and trusted?");
    case UI_GK_NAMES: return od_xstrdup("Does the certificate cover every name CloudFront uses?");
    case UI_GK_CIPHERS: return od_xstrdup("Do the origin and CloudFront share a TLS version and cipher suite?");
    case UI_GK_HTTP: return od_xasprintf("Does the origin answer CloudFront's request for %s?", n);
    case UI_GK_OTHER: break;
    }
    return od_xstrdup("Another check");
}

static void para(ui_rows *out, ui_role role, const char *label, const char *text, int width)
{
    char *line = od_xasprintf("%s%s", label, text);
    ui_rows_add_wrapped(out, role, -1, line, width, 0);
    free(line);
}

static void heading(ui_rows *out, size_t index, size_t n, const char *title, int width)
{
    char *line = od_xasprintf("Check %zu of %zu: %s", index + 1, n, title);
    ui_rows_add_wrapped(out, UI_R_HEAD, -1, line, width, 0);
    free(line);
}

void ui_guide_intro(const ui_guide_item *items, size_t n, size_t index, const od_case *c, int width, ui_rows *out)
{
    if (index >= n)
        return;
    ui_guide_step s;
    ui_guide_parse(items[index].name, &s);
    borrow_address(items, n, &s);
    const guide_text *t = &texts[s.kind];
    char *title = ui_guide_title(&s);
    heading(out, index, n, title, width);
    free(title);
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    para(out, UI_R_NORMAL, "What CloudFront does: ", t->does, width);
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    para(out, UI_R_NORMAL, "What we look at: ", t->looks, width);
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    ui_rows_add(out, UI_R_HEAD, -1, "The customer can run it too:");
    char *cmd = ui_guide_command(&s, c);
    ui_rows_add(out, UI_R_INFO, 1, cmd);   /* one row, never wrapped: it is copied as is */
    free(cmd);
    bool first_of_kind = true;
    for (size_t i = 0; i < index && first_of_kind; i++) {
        ui_guide_step p;
        ui_guide_parse(items[i].name, &p);
        first_of_kind = p.kind != s.kind;
    }
    if (first_of_kind && t->glossary[0]) {
        ui_rows_add(out, UI_R_NORMAL, -1, "");
        for (size_t k = 0; k < 3 && t->glossary[k]; k++)
            para(out, UI_R_DIM, "", t->glossary[k], width);
    }
}

/* Whether finding f concerns the check s. */
static bool concerns(const od_finding *f, const ui_guide_step *s, const guide_text *t)
{
    if (f->severity != OD_SEV_FAIL && f->severity != OD_SEV_WARN)
        return false;
    od_layer fl = od_finding_layer(f->id);
    if (t->layer == OD_LAYER_NONE || fl == OD_LAYER_NONE)
        return false;
    if (s->kind == UI_GK_HTTP) {
        /* an HTTP request over TLS is blocked by that name's TLS failures */
        if (fl != OD_LAYER_HTTP && !(fl == OD_LAYER_TLS && strcmp(s->scheme, "https") == 0))
            return false;
    } else if (fl != t->layer) {
        return false;
    }
    if (t->id_part[0] && !strstr(f->id, t->id_part))
        return false;
    if (s->name[0] && f->names.len > 0 && !od_strlist_contains_ci(&f->names, s->name))
        return false;
    return true;
}

void ui_guide_result(const ui_guide_item *items, size_t n, size_t index, const od_report *r, const ui_glyphs *g,
                     int width, ui_rows *out)
{
    if (index >= n)
        return;
    const ui_guide_item *it = &items[index];
    ui_guide_step s;
    ui_guide_parse(it->name, &s);
    const guide_text *t = &texts[s.kind];
    char *title = ui_guide_title(&s);
    heading(out, index, n, title, width);
    free(title);
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    const char *what = NULL;
    switch (it->status) {
    case OD_STEP_PASS: what = t->pass; break;
    case OD_STEP_WARN: what = t->warn ? t->warn : t->pass; break;
    case OD_STEP_FAIL: what = t->fail; break;
    case OD_STEP_SKIPPED: what = "Skipped: an earlier check decided it was not needed."; break;
    case OD_STEP_UNTESTED: what = "Not tested: the check could not run, so nothing is known about it."; break;
    case OD_STEP_PENDING:
    case OD_STEP_RUNNING: what = "Still running..."; break;
    }
    char *line = od_xasprintf("%s %s", ui_step_mark(g, it->status), what);
    size_t first = out->len;
    ui_rows_add_wrapped(out, ui_step_role(it->status), -1, line, width, 2);
    free(line);
    (void)first;
    if (it->detail && *it->detail) {
        ui_rows_add(out, UI_R_NORMAL, -1, "");
        para(out, UI_R_NORMAL, "What we saw: ", it->detail, width);
    }
    size_t shown = 0;
    if (r)
        for (size_t i = 0; i < r->findings.len && shown < 2; i++) {
            const od_finding *f = &r->findings.items[i];
            if (!concerns(f, &s, t))
                continue;
            shown++;
            ui_rows_add(out, UI_R_NORMAL, -1, "");
            char *why = od_xasprintf("%s %s (%s)", ui_severity_mark(g, f->severity), f->title ? f->title : f->id,
                                     f->id);
            ui_rows_add_wrapped(out, ui_severity_role(f->severity), -1, why, width, 2);
            free(why);
            if (f->detail && *f->detail)
                para(out, UI_R_NORMAL, "", f->detail, width);
            if (f->fix.len > 0)
                para(out, UI_R_NORMAL, "What to do: ", f->fix.items[0], width);
        }
    ui_rows_add(out, UI_R_NORMAL, -1, "");
    if (index + 1 < n) {
        ui_guide_step nx;
        ui_guide_parse(items[index + 1].name, &nx);
        char *nt = ui_guide_title(&nx);
        char *next = od_xasprintf("Next (Enter): check %zu of %zu, %s", index + 2, n, nt);
        ui_rows_add_wrapped(out, UI_R_DIM, -1, next, width, 2);
        free(next);
        free(nt);
    } else {
        ui_rows_add(out, UI_R_DIM, -1, "Next (Enter): the verdict.");
    }
}
