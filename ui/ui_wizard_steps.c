/* The wizard's questions, one block per step, and the table that lists
 * them in order. A new question: its functions here, a UI_W_ value in
 * ui_app.h, and one row in ui_wizard_steps[]. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui_wizard.h"

static const char *policy_labels[] = {"HTTPS only", "HTTP only", "Match viewer"};
static const unsigned proto_bits[] = {OD_PROTO_SSLV3, OD_PROTO_TLS1, OD_PROTO_TLS11, OD_PROTO_TLS12};
static const od_protocol_policy policies[] = {OD_POLICY_HTTPS_ONLY, OD_POLICY_HTTP_ONLY, OD_POLICY_MATCH_VIEWER};
static const od_ip_address_type ip_types[] = {OD_IP_V4, OD_IP_V6, OD_IP_DUALSTACK};
static const char *ip_type_labels[] = {"IPv4 (the default)", "IPv6", "Dual-stack (IPv4 and IPv6)"};

const char *ui_wizard_policy_label(od_protocol_policy p)
{
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
        if (policies[i] == p)
            return policy_labels[i];
    return "?";
}

const char *ui_wizard_ip_type_label(od_ip_address_type t)
{
    for (size_t i = 0; i < sizeof ip_types / sizeof ip_types[0]; i++)
        if (ip_types[i] == t)
            return ip_type_labels[i];
    return "?";
}

/* The protocols step's focus: the three policies (0-2), the three IP
 * address types beside them (3-5), then the four protocols (6-9), which
 * HTTP only never uses. */
enum { FOCUS_IP_TYPES = 3, FOCUS_PROTOCOLS = 6 };

int ui_wizard_ip_type_focus(const ui_app *a)
{
    for (int i = 0; i < 3; i++)
        if (ip_types[i] == a->answers.ip_address_type)
            return FOCUS_IP_TYPES + i;
    return FOCUS_IP_TYPES;
}

int ui_wizard_tls12_focus(void)
{
    return FOCUS_PROTOCOLS + 3;
}

static int focus_zero(const ui_app *a)
{
    (void)a;
    return 0;
}

static int focus_one(const ui_app *a)
{
    (void)a;
    return 1;
}

/* -------------------------------------------------------------- domain */

static char *domain_validate(ui_app *a, int *field)
{
    *field = 0;
    if (a->domain.len == 0)
        return od_xstrdup("origin domain: required (e.g. origin.example.com)");
    return od_validate_domain("origin domain", a->domain.text);
}

static void domain_commit(ui_app *a)
{
    free(a->answers.origin_domain);
    a->answers.origin_domain = od_xstrdup(a->domain.text);
    size_t n = strlen(a->answers.origin_domain);
    if (n > 1 && a->answers.origin_domain[n - 1] == '.')
        a->answers.origin_domain[n - 1] = '\0';
}

/* A pasted URL ("https://www.example.com:8443/path") gives its host. */
static void domain_tidy(ui_app *a)
{
    const char *t = a->domain.text, *host = strstr(t, "://");
    host = host ? host + 3 : t;
    const char *at = strchr(host, '@');
    if (at && at < host + strcspn(host, "/?#"))
        host = at + 1;
    size_t len = strcspn(host, "/?#");
    if (host == t && len == a->domain.len)
        return;   /* not a URL */
    char *h = od_xasprintf("%.*s", (int)len, host);
    char *colon = strrchr(h, ':');
    if (colon && !strchr(h, '[') && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1))
        *colon = '\0';   /* the port is another question */
    ui_le_set(&a->domain, h);
    free(h);
}

static ui_lineedit *domain_editor(ui_app *a)
{
    return &a->domain;
}

static int domain_draw(ui_app *a, int y, int x, int w, int *cy, int *cx)
{
    *cx = ui_wizard_draw_editor(a, y, x, w, "Origin domain:", &a->domain, true, 0);
    *cy = y;
    int field;
    /* nothing typed yet is not an error; after an Enter it says what is missing */
    if (a->domain.len > 0 || a->w_tried)
        ui_wizard_draw_error(a, y + 2, x, w, domain_validate(a, &field));
    if (!a->domain.len)
        ui_put(&a->term, y + 5, x, w, "Example: origin.example.com (the Origin domain in the CloudFront console)",
               UI_R_DIM);
    return y + 6;
}

/* ----------------------------------------------------------- protocols */

static char *protocols_validate(ui_app *a, int *field)
{
    *field = 0;
    if (a->answers.protocol_policy != OD_POLICY_HTTP_ONLY && (a->answers.origin_ssl_protocols & 0x0f) == 0) {
        *field = FOCUS_PROTOCOLS;
        return od_xstrdup("origin SSL protocols: choose at least one (CloudFront's default is TLSv1.2)");
    }
    return NULL;
}

static int protocols_first_focus(const ui_app *a)
{
    for (int i = 0; i < 3; i++)
        if (policies[i] == a->answers.protocol_policy)
            return i;
    return 0;
}

static int protocols_focus_count(const ui_app *a)
{
    return a->answers.protocol_policy == OD_POLICY_HTTP_ONLY ? FOCUS_PROTOCOLS : FOCUS_PROTOCOLS + 4;
}

static void protocols_toggle(ui_app *a)
{
    if (a->wfocus < FOCUS_IP_TYPES)
        a->answers.protocol_policy = policies[a->wfocus];
    else if (a->wfocus < FOCUS_PROTOCOLS)
        a->answers.ip_address_type = ip_types[a->wfocus - FOCUS_IP_TYPES];
    else
        a->answers.origin_ssl_protocols ^= proto_bits[a->wfocus - FOCUS_PROTOCOLS];
}

static int protocols_draw(ui_app *a, int y, int x, int w, int *cy, int *cx)
{
    (void)cy;
    (void)cx;
    /* the policy and the IP address type side by side: the step fits 80x24 */
    int col = w / 2;
    ui_put(&a->term, y, x, col - 2, "Origin protocol policy:", UI_R_NORMAL);
    ui_put(&a->term, y++, x + col, w - col, "IP address type:", UI_R_NORMAL);
    for (int i = 0; i < 3; i++, y++) {
        ui_wizard_draw_choice(a, y, x + 2, col - 4, true, a->answers.protocol_policy == policies[i], a->wfocus == i,
                              policy_labels[i], i);
        ui_wizard_draw_choice(a, y, x + col + 2, w - col - 2, true, a->answers.ip_address_type == ip_types[i],
                              a->wfocus == FOCUS_IP_TYPES + i, ip_type_labels[i], FOCUS_IP_TYPES + i);
    }
    y++;
    if (a->answers.protocol_policy == OD_POLICY_HTTP_ONLY) {
        ui_put(&a->term, y++, x, w, "(HTTP only: no TLS, so no SSL protocols to choose)", UI_R_DIM);
        return y + 1;
    }
    ui_put(&a->term, y++, x, w, "Origin SSL protocols CloudFront may use:", UI_R_NORMAL);
    for (int i = 0; i < 4; i++)
        ui_wizard_draw_choice(a, y++, x + 2, 40, false, (a->answers.origin_ssl_protocols & proto_bits[i]) != 0,
                              a->wfocus == FOCUS_PROTOCOLS + i, od_proto_name(proto_bits[i]), FOCUS_PROTOCOLS + i);
    return y + 1;
}

/* --------------------------------------------------------------- ports */

/* The port fields the protocol policy uses, in order: HTTP, HTTPS. */
static int port_fields(const ui_app *a, ui_lineedit **eds, const char **labels, int *which)
{
    int n = 0;
    if (a->answers.protocol_policy != OD_POLICY_HTTPS_ONLY) {
        eds[n] = (ui_lineedit *)&a->http_port;
        labels[n] = "HTTP port:";
        which[n++] = 0;
    }
    if (a->answers.protocol_policy != OD_POLICY_HTTP_ONLY) {
        eds[n] = (ui_lineedit *)&a->https_port;
        labels[n] = "HTTPS port:";
        which[n++] = 1;
    }
    return n;
}

static char *ports_validate(ui_app *a, int *field)
{
    ui_lineedit *eds[2];
    const char *labels[2];
    int which[2], p;
    int n = port_fields(a, eds, labels, which);
    for (int i = 0; i < n; i++) {
        *field = i;
        char *err = od_parse_port(which[i] ? "HTTPS port" : "HTTP port", eds[i]->text, &p);
        if (err)
            return err;
    }
    *field = 0;
    return NULL;
}

/* Each port that parses is kept (one the policy does not use may stay as
 * it was given). */
static void ports_commit(ui_app *a)
{
    int p;
    char *err;
    if (!(err = od_parse_port("HTTP port", a->http_port.text, &p)))
        a->answers.http_port = p;
    free(err);
    if (!(err = od_parse_port("HTTPS port", a->https_port.text, &p)))
        a->answers.https_port = p;
    free(err);
}

static int ports_focus_count(const ui_app *a)
{
    ui_lineedit *eds[2];
    const char *labels[2];
    int which[2];
    return port_fields(a, eds, labels, which);
}

static ui_lineedit *ports_editor(ui_app *a)
{
    ui_lineedit *eds[2];
    const char *labels[2];
    int which[2];
    int n = port_fields(a, eds, labels, which);
    return n ? eds[a->wfocus >= 0 && a->wfocus < n ? a->wfocus : 0] : NULL;
}

static int ports_draw(ui_app *a, int y, int x, int w, int *cy, int *cx)
{
    ui_lineedit *eds[2];
    const char *labels[2];
    int which[2];
    int n = port_fields(a, eds, labels, which), fw = w > 40 ? 40 : w;
    for (int i = 0; i < n; i++) {
        int c = ui_wizard_draw_editor(a, y, x, fw, labels[i], eds[i], a->wfocus == i, i);
        if (a->wfocus == i) {
            *cy = y;
            *cx = c;
        }
        y += 2;
    }
    if (n == 1)
        ui_put(&a->term, y++, x, w,
               which[0] ? "(HTTPS only: CloudFront never uses the HTTP port)"
                        : "(HTTP only: CloudFront never uses the HTTPS port)",
               UI_R_DIM);
    return y;
}

/* ---------------------------------------------------------------- host */

static int host_first_focus(const ui_app *a)
{
    return a->answers.forward_host_header ? 1 : 0;
}

static int host_focus_count(const ui_app *a)
{
    (void)a;
    return 2;
}

static void host_toggle(ui_app *a)
{
    a->answers.forward_host_header = a->wfocus == 1;
}

static int host_draw(ui_app *a, int y, int x, int w, int *cy, int *cx)
{
    (void)cy;
    (void)cx;
    ui_wizard_draw_choice(a, y++, x + 2, w - 2, true, !a->answers.forward_host_header, a->wfocus == 0,
                          "No: CloudFront sends the origin domain as Host and SNI", 0);
    ui_wizard_draw_choice(a, y++, x + 2, w - 2, true, a->answers.forward_host_header, a->wfocus == 1,
                          "Yes: the viewer's Host (an alternate domain name) is forwarded", 1);
    return y + 1;
}

/* -------------------------------------------------------------- cnames */

static char *cnames_validate(ui_app *a, int *field)
{
    *field = 0;
    /* the distribution's own name (a config's, or the advanced step's) is one */
    if (a->answers.forward_host_header && a->answers.cnames.len == 0 && !a->answers.distribution_domain)
        return od_xstrdup("alternate domain names: add at least one (the names viewers type)");
    return NULL;
}

static bool cnames_skipped(const ui_app *a)
{
    return !a->answers.forward_host_header;
}

static int cnames_first_focus(const ui_app *a)
{
    return (int)a->answers.cnames.len;   /* the input line */
}

static int cnames_focus_count(const ui_app *a)
{
    return (int)a->answers.cnames.len + 1;
}

static ui_lineedit *cnames_editor(ui_app *a)
{
    return a->wfocus == (int)a->answers.cnames.len ? &a->cname : NULL;
}

static char *cname_error(const char *name)
{
    if (name[0] == '*')
        return od_xstrdup("alternate domain name: a wildcard is not what viewers send; give a concrete name "
                          "(e.g. www.example.com)");
    return od_validate_domain("alternate domain name", name);
}

static int cnames_draw(ui_app *a, int y, int x, int w, int *cy, int *cx)
{
    size_t n = a->answers.cnames.len;
    if (n == 0)
        ui_put(&a->term, y++, x + 2, w, "(no names yet)", UI_R_DIM);
    size_t first = n > 8 && a->wfocus > 7 ? (size_t)a->wfocus - 7 : 0;
    for (size_t i = first; i < n && i < first + 8; i++) {
        ui_row row = {.text = a->answers.cnames.items[i], .role = UI_R_NORMAL, .item = (int)i};
        ui_draw_row(&a->term, y, x + 2, 50, &row, a->wfocus == (int)i, true, NULL);
        a->click_kind[y] = UI_CLICK_WIZARD;
        a->click_index[y] = (int)i;
        y++;
    }
    y++;
    int c = ui_wizard_draw_editor(a, y, x, w > 60 ? 60 : w, "Add a name:", &a->cname, a->wfocus == (int)n, (int)n);
    if (a->wfocus == (int)n) {
        *cy = y;
        *cx = c;
    }
    y += 2;
    if (a->cname.len) {
        ui_wizard_draw_error(a, y, x, w, cname_error(a->cname.text));
        y += 2;
    }
    return y;
}

/* Adds the typed name (Enter on the input line); an empty line goes on. */
bool ui_wizard_cname_add(ui_app *a)
{
    char *err = cname_error(a->cname.text);
    if (err) {
        free(err);
        beep();
        return false;
    }
    if (!od_strlist_contains_ci(&a->answers.cnames, a->cname.text))
        od_strlist_add(&a->answers.cnames, a->cname.text);
    ui_le_set(&a->cname, "");
    a->wfocus = (int)a->answers.cnames.len;
    return true;
}

/* ------------------------------------------------------------ advanced */

/* The header field: "Name: value; Name2: value2". A ';' starts a new
 * header only where a "Name:" follows, so a value may hold ';' itself;
 * "\;" is a ';' of the value wherever it is, "\\" a backslash. The end of
 * the header starting at p: its ';', or NULL at the end of the text. */
static bool header_escapable(char c)
{
    return c == ';' || c == '\\';
}

static const char *header_end(const char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && header_escapable(p[1])) {
            p++;
            continue;
        }
        if (*p != ';')
            continue;
        const char *next = p + 1;
        while (*next == ' ')
            next++;
        size_t name_len = strcspn(next, ":; ");
        if (name_len && next[name_len] == ':')
            return p;   /* a header starts there */
    }
    return NULL;
}

/* Appends value with its ';' and '\' escaped, so header_end keeps it whole. */
static void append_header_value(od_buf *b, const char *value)
{
    for (const char *v = value; *v; v++) {
        if (header_escapable(*v))
            od_buf_puts(b, "\\");
        od_buf_append(b, v, 1);
    }
}

/* Fills out on success. */
static char *parse_headers(const char *text, od_origin_header **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char *err = NULL;
    const char *p = text;
    while (*p == ' ' || *p == ';')
        p++;
    while (*p && !err) {
        const char *end = header_end(p);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *one = od_xmalloc(len + 1), *o = one;
        for (size_t k = 0; k < len; k++) {
            if (p[k] == '\\' && k + 1 < len && header_escapable(p[k + 1]))
                k++;
            *o++ = p[k];
        }
        *o = '\0';
        od_origin_header h;
        err = od_parse_origin_header(one, &h);
        free(one);
        if (!err) {
            od_origin_headers_add(out, n, h.name, h.value);
            free(h.name);
            free(h.value);
        }
        p = end ? end + 1 : p + len;
        while (*p == ' ')
            p++;
    }
    if (err)
        od_origin_headers_free(out, n);
    return err;
}

/* The header field as the screen shows it: each value's characters as '*'
 * (one per character, so the cursor stays where it is): a secret. */
static void mask_header_values(const char *text, char *out, size_t size)
{
    size_t o = 0;
    const char *p = text;
    while (*p && o + 1 < size) {
        const char *end = header_end(p);
        const char *stop = end ? end : p + strlen(p);
        bool in_value = false;
        for (; p < stop && o + 1 < size; p++) {
            unsigned char ch = (unsigned char)*p;
            if (in_value && ch != ' ' && (ch & 0xc0) != 0x80)
                out[o++] = '*';
            else if (!in_value || ch == ' ')
                out[o++] = (char)ch;
            if (!in_value && ch == ':')
                in_value = true;
        }
        if (end && o + 1 < size) {
            out[o++] = ';';
            p = end + 1;
        }
    }
    out[o] = '\0';
}

/* The command line's --resolve, --trust-store, --timeout and
 * --response-timeout, as fields: every flag the wizard was started with
 * shows here and is kept, and can be changed. */
void ui_wizard_load_advanced(ui_app *a)
{
    const od_case *c = &a->answers;
    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < c->n_resolve; i++) {
        const od_resolve *r = &c->resolve[i];
        bool v6 = strchr(r->address, ':') != NULL;
        od_buf_printf(&b, "%s%s:%d:%s%s%s", i ? ", " : "", r->host, r->port, v6 ? "[" : "", r->address, v6 ? "]" : "");
    }
    ui_le_set(&a->adv_resolve, b.data ? b.data : "");
    od_buf_free(&b);
    ui_le_set(&a->adv_trust, c->trust_store ? c->trust_store : "");
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%d", c->timeout_s);
    ui_le_set(&a->adv_timeout, tmp);
    snprintf(tmp, sizeof tmp, "%d", c->response_timeout_s);
    ui_le_set(&a->adv_response, tmp);
    ui_le_set(&a->adv_origin_path, c->origin_path ? c->origin_path : "");
    ui_le_set(&a->adv_path, c->request_path ? c->request_path : "/");
    od_buf h;
    od_buf_init(&h);
    for (size_t i = 0; i < c->n_origin_headers; i++) {
        od_buf_printf(&h, "%s%s: ", i ? "; " : "", c->origin_headers[i].name);
        append_header_value(&h, c->origin_headers[i].value);
    }
    ui_le_set(&a->adv_headers, h.data ? h.data : "");
    od_buf_free(&h);
    ui_le_set(&a->adv_dist_domain, c->distribution_domain ? c->distribution_domain : "");
}

/* Parses the pinned addresses; on success fills out (n entries). Entries
 * are separated by commas or spaces; a bare address ("[::1]") after an
 * entry is one more address of that entry's HOST:PORT, as in
 * --resolve HOST:PORT:ADDR,ADDR. */
static char *parse_pins(const char *text, od_resolve **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char *copy = od_xstrdup(text), *save = NULL, *err = NULL;
    for (char *t = strtok_r(copy, ", ", &save); t && !err; t = strtok_r(NULL, ", ", &save)) {
        if (*n && od_is_ip_literal(t)) {
            const od_resolve *prev = &(*out)[*n - 1];
            char *entry = od_xasprintf("%s:%d:%s", prev->host, prev->port, t);
            err = od_parse_resolve(entry, out, n);
            free(entry);
        } else {
            err = od_parse_resolve(t, out, n);
        }
    }
    free(copy);
    if (err) {
        od_resolve_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return err;
}

static char *advanced_validate(ui_app *a, int *field)
{
    od_resolve *pins;
    size_t n;
    int secs;
    char *err;
    *field = 0;
    if ((err = parse_pins(a->adv_resolve.text, &pins, &n)))
        return err;
    od_resolve_list_free(pins, n);
    *field = 1;
    if (a->adv_trust.len) {
        char *path = ui_expand_home(a->adv_trust.text);
        bool readable = access(path, R_OK) == 0;
        free(path);
        if (!readable)
            return od_xasprintf("trust store: \"%s\" cannot be read on this machine; give a PEM file of trusted "
                                "roots here, or clear the field to use the system store",
                                a->adv_trust.text);
    }
    *field = 2;
    if ((err = od_parse_timeout(a->adv_timeout.text, &secs)))
        return err;
    *field = 3;
    if ((err = od_parse_response_timeout(a->adv_response.text, &secs)))
        return err;
    char *path = NULL;
    *field = 4;
    if (a->adv_origin_path.len && (err = od_parse_origin_path("origin path", a->adv_origin_path.text, &path)))
        return err;
    free(path);
    path = NULL;
    *field = 5;
    if ((err = od_parse_request_path("path", a->adv_path.len ? a->adv_path.text : "/", &path)))
        return err;
    free(path);
    *field = 6;
    od_origin_header *hs;
    size_t nh;
    if ((err = parse_headers(a->adv_headers.text, &hs, &nh)))
        return err;
    od_origin_headers_free(&hs, &nh);
    *field = 7;
    if (a->adv_dist_domain.len)
        return od_validate_domain("distribution domain", a->adv_dist_domain.text);
    return NULL;
}

static void advanced_commit(ui_app *a)
{
    od_case *c = &a->answers;
    od_resolve *pins;
    size_t n;
    char *err = parse_pins(a->adv_resolve.text, &pins, &n);
    if (!err) {
        od_resolve_list_free(c->resolve, c->n_resolve);
        c->resolve = pins;
        c->n_resolve = n;
    }
    free(err);
    free(c->trust_store);
    c->trust_store = a->adv_trust.len ? ui_expand_home(a->adv_trust.text) : NULL;
    free(od_parse_timeout(a->adv_timeout.text, &c->timeout_s));
    free(od_parse_response_timeout(a->adv_response.text, &c->response_timeout_s));
    free(od_parse_origin_path("origin path", a->adv_origin_path.text, &c->origin_path));
    free(od_parse_request_path("path", a->adv_path.len ? a->adv_path.text : "/", &c->request_path));
    od_origin_header *hs;
    size_t nh;
    if (!(err = parse_headers(a->adv_headers.text, &hs, &nh))) {
        od_case_clear_origin_headers(c);
        c->origin_headers = hs;
        c->n_origin_headers = nh;
    }
    free(err);
    free(c->distribution_domain);
    c->distribution_domain = a->adv_dist_domain.len ? od_ascii_lower(od_xstrdup(a->adv_dist_domain.text)) : NULL;
    size_t dl = c->distribution_domain ? strlen(c->distribution_domain) : 0;
    if (dl > 1 && c->distribution_domain[dl - 1] == '.')
        c->distribution_domain[dl - 1] = '\0';
}

enum { ADVANCED_FIELDS = 8 };

static int advanced_focus_count(const ui_app *a)
{
    (void)a;
    return ADVANCED_FIELDS;
}

static void advanced_editors(ui_app *a, ui_lineedit **eds)
{
    ui_lineedit *all[ADVANCED_FIELDS] = {&a->adv_resolve,     &a->adv_trust,   &a->adv_timeout,
                                         &a->adv_response,    &a->adv_origin_path, &a->adv_path,
                                         &a->adv_headers,     &a->adv_dist_domain};
    memcpy(eds, all, sizeof all);
}

static ui_lineedit *advanced_editor(ui_app *a)
{
    ui_lineedit *eds[ADVANCED_FIELDS];
    advanced_editors(a, eds);
    return eds[a->wfocus >= 0 && a->wfocus < ADVANCED_FIELDS ? a->wfocus : 0];
}

/* One row per field and, under them, the hint of the focused one: eight
 * fields fit an 80x24 terminal that way. */
static int advanced_draw(ui_app *a, int y, int x, int w, int *cy, int *cx)
{
    static const char *labels[ADVANCED_FIELDS] = {"Pinned:",      "Trust store:", "Timeout (s):",
                                                  "Response (s):", "Origin path:", "Path:",
                                                  "Headers:",     "Dist. domain:"};
    static const char *hints[ADVANCED_FIELDS] = {
        "HOST:PORT:ADDR, comma separated (like --resolve): connect there instead of looking the name up",
        "a PEM file of trusted roots (like --trust-store); empty: this machine's system store",
        "per connection and handshake, 1-60 (CloudFront's connection timeout, default 10)",
        "the wait for the HTTP answer, 1-180 (CloudFront's origin response timeout, default 30)",
        "the origin's OriginPath, e.g. /app (no trailing /); the HTTP check asks it before the path",
        "the path viewers ask for (default /); CloudFront asks the origin for OriginPath + path",
        "the origin's custom headers, 'Name: value; Name2: value2' (\\; is a ';' in a value; values are masked)",
        "the distribution's dxxxx.cloudfront.net name: with Host forwarded, the certificate must cover it",
    };
    ui_lineedit *eds[ADVANCED_FIELDS];
    advanced_editors(a, eds);
    for (int i = 0; i < ADVANCED_FIELDS; i++) {
        bool narrow = i == 2 || i == 3;
        ui_lineedit masked;
        ui_lineedit *shown = eds[i];
        if (eds[i] == &a->adv_headers) {
            masked = a->adv_headers;
            mask_header_values(a->adv_headers.text, masked.text, sizeof masked.text);
            shown = &masked;
        }
        int c = ui_wizard_draw_editor(a, y, x, narrow ? (w > 30 ? 30 : w) : w, labels[i], shown, a->wfocus == i, i);
        if (a->wfocus == i) {
            *cy = y;
            *cx = c;
        }
        y++;
    }
    int f = a->wfocus >= 0 && a->wfocus < ADVANCED_FIELDS ? a->wfocus : 0;
    ui_rows hint;
    ui_rows_init(&hint);
    ui_rows_add_wrapped(&hint, UI_R_DIM, -1, hints[f], w - 2, 0);
    y++;
    for (size_t i = 0; i < hint.len && i < 2; i++)
        ui_draw_row(&a->term, y++, x + 2, w - 2, &hint.rows[i], false, false, NULL);
    ui_rows_free(&hint);
    return y + 1;
}

/* -------------------------------------------------------------- review */

static int review_focus_count(const ui_app *a)
{
    (void)a;
    return 1;
}

static int review_draw(ui_app *a, int y, int x, int w, int *cy, int *cx)
{
    (void)cy;
    (void)cx;
    return ui_wizard_draw_review(a, y, x, w);
}

/* --------------------------------------------------------------- table */

const ui_wizard_step ui_wizard_steps[UI_W_COUNT] = {
    [UI_W_DOMAIN] = {
        .title = "What is the origin domain name?",
        .why = "CloudFront connects to this name, sends it as SNI and expects it in the certificate (when Host "
               "is not forwarded). It must be a DNS name, not an IP address; international names are fine.",
        .validate = domain_validate, .tidy = domain_tidy, .commit = domain_commit, .first_focus = focus_zero,
        .focus_count = focus_one, .editor = domain_editor, .draw = domain_draw, .draws_error = true,
    },
    [UI_W_PROTOCOLS] = {
        .title = "How does CloudFront talk to the origin?",
        .why = "The origin protocol policy decides whether CloudFront uses HTTPS; the SSL protocols are the only "
               "TLS versions it offers (never TLS 1.3); the IP address type, whether it connects to the origin's "
               "A or AAAA records.",
        .validate = protocols_validate, .first_focus = protocols_first_focus,
        .focus_count = protocols_focus_count, .toggle = protocols_toggle, .draw = protocols_draw,
        .choices = true,
    },
    [UI_W_PORTS] = {
        .title = "Which ports does the origin listen on?",
        .why = "CloudFront only connects to port 80, 443 or 1024-65535 on a custom origin.",
        .validate = ports_validate, .commit = ports_commit, .first_focus = focus_zero,
        .focus_count = ports_focus_count, .editor = ports_editor, .draw = ports_draw,
    },
    [UI_W_HOST] = {
        .title = "Is the viewer's Host header forwarded to the origin?",
        .why = "When the viewer's Host is forwarded (an origin request policy such as AllViewer, or legacy "
               "forwarded headers that include Host), CloudFront sends the viewer's host name as SNI, so the "
               "certificate must cover each alternate domain name instead of the origin domain.",
        .first_focus = host_first_focus, .focus_count = host_focus_count, .toggle = host_toggle,
        .draw = host_draw, .choices = true,
    },
    [UI_W_CNAMES] = {
        .title = "Which alternate domain names (CNAMEs) do viewers use?",
        .why = "CloudFront sends the name the viewer asked for as SNI and Host: the origin's certificate must "
               "cover each of them. Type a name and press Enter to add it; select a name to edit (Enter) or "
               "delete (Del or d).",
        .validate = cnames_validate, .first_focus = cnames_first_focus, .focus_count = cnames_focus_count,
        .editor = cnames_editor, .skipped = cnames_skipped, .draw = cnames_draw,
    },
    [UI_W_ADVANCED] = {
        .title = "Advanced: pinned addresses, trust store, timeouts, the request (optional)",
        .why = "Usually left as they are. Pin an address to test a server that DNS does not point to yet; give a "
               "trust store when the origin's CA is private to your lab; timeouts, origin path and custom headers "
               "follow the distribution's origin settings.",
        .validate = advanced_validate, .commit = advanced_commit, .first_focus = focus_zero,
        .focus_count = advanced_focus_count, .editor = advanced_editor, .draw = advanced_draw,
        .on_request = true,
    },
    [UI_W_REVIEW] = {
        .title = "Review your answers",
        .why = "Enter on a line changes that answer; Enter on Run (or F5, or r) starts the checks.",
        .first_focus = focus_zero, .focus_count = review_focus_count, .draw = review_draw,
    },
};
