#include "itest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void drain(int fd, od_buf *b, bool *open)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0)
        od_buf_append(b, chunk, (size_t)n);
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        *open = false;
}

void it_run(const char *bin, const od_strlist *args, const char *const *env_extra, int timeout_s, it_result *res)
{
    memset(res, 0, sizeof *res);
    res->exit_code = -1;
    int out_p[2], err_p[2];
    if (pipe(out_p) != 0 || pipe(err_p) != 0) {
        perror("pipe");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out_p[1], 1);
        dup2(err_p[1], 2);
        close(out_p[0]);
        close(err_p[0]);
        char **argv = od_xcalloc(args->len + 2, sizeof *argv);
        argv[0] = (char *)bin;
        for (size_t i = 0; i < args->len; i++)
            argv[i + 1] = args->items[i];
        for (const char *const *e = env_extra; e && *e; e++)
            putenv((char *)*e);
        execv(bin, argv);
        perror("execv");
        _exit(127);
    }
    close(out_p[1]);
    close(err_p[1]);
    od_buf out, err;
    od_buf_init(&out);
    od_buf_init(&err);
    od_buf_append(&out, "", 0);
    od_buf_append(&err, "", 0);
    bool out_open = true, err_open = true;
    int64_t deadline = od_now_ms() + (int64_t)timeout_s * 1000;
    bool killed = false;
    while (out_open || err_open) {
        struct pollfd fds[2] = {{out_open ? out_p[0] : -1, POLLIN, 0}, {err_open ? err_p[0] : -1, POLLIN, 0}};
        int64_t left = deadline - od_now_ms();
        if (left <= 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        int pr = poll(fds, 2, (int)left);
        if (pr < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            drain(out_p[0], &out, &out_open);
        if (fds[1].revents)
            drain(err_p[0], &err, &err_open);
    }
    close(out_p[0]);
    close(err_p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!killed && WIFEXITED(status))
        res->exit_code = WEXITSTATUS(status);
    else if (killed)
        fprintf(stderr, "it_run: %s killed after %d s\n", bin, timeout_s);
    res->out = od_buf_steal(&out);
    res->err = od_buf_steal(&err);
}

void it_result_free(it_result *res)
{
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof *res);
}

void it_case_args(const od_case *c, od_strlist *args)
{
    od_strlist_add(args, "--batch");
    od_strlist_add_owned(args, od_xasprintf("--https-port=%d", c->https_port));
    od_strlist_add_owned(args, od_xasprintf("--http-port=%d", c->http_port));
    od_strlist_add_owned(args, od_xasprintf("--protocol-policy=%s", od_protocol_policy_name(c->protocol_policy)));
    char *p = od_ssl_protocols_str(c->origin_ssl_protocols);
    od_strlist_add_owned(args, od_xasprintf("--origin-ssl-protocols=%s", p));
    free(p);
    od_strlist_add_owned(args, od_xasprintf("--timeout=%d", c->timeout_s));
    od_strlist_add_owned(args, od_xasprintf("--response-timeout=%d", c->response_timeout_s));
    for (size_t i = 0; i < c->n_resolve; i++)
        od_strlist_add_owned(args, od_xasprintf("--resolve=%s:%d:%s", c->resolve[i].host, c->resolve[i].port,
                                                c->resolve[i].address));
    if (c->trust_store)
        od_strlist_add_owned(args, od_xasprintf("--trust-store=%s", c->trust_store));
    if (c->ip_address_type != OD_IP_V4)
        od_strlist_add_owned(args, od_xasprintf("--ip-address-type=%s", od_ip_address_type_name(c->ip_address_type)));
    if (c->forward_host_header)
        od_strlist_add(args, "--forward-host");
    if (c->origin_mtls)
        od_strlist_add(args, "--origin-mtls");
    if (c->client_cert && c->client_key) {
        od_strlist_add_owned(args, od_xasprintf("--client-cert=%s", c->client_cert));
        od_strlist_add_owned(args, od_xasprintf("--client-key=%s", c->client_key));
    }
    for (size_t i = 0; i < c->cnames.len; i++)
        od_strlist_add_owned(args, od_xasprintf("--cname=%s", c->cnames.items[i]));
    od_strlist_add(args, c->origin_domain);
}

const cJSON *it_finding(const cJSON *report, const char *id)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(report, "findings"))
    {
        const cJSON *fid = cJSON_GetObjectItemCaseSensitive(f, "id");
        if (cJSON_IsString(fid) && strcmp(fid->valuestring, id) == 0)
            return f;
    }
    return NULL;
}

cJSON *it_run_json(const char *bin, const char *origin, int port, const char *const *extra, it_result *res)
{
    od_strlist args;
    od_strlist_init(&args);
    od_strlist_add(&args, "--batch");
    od_strlist_add(&args, "--json");
    od_strlist_add(&args, "-");
    od_strlist_add_owned(&args, od_xasprintf("--https-port=%d", port));
    od_strlist_add_owned(&args, od_xasprintf("--resolve=%s:%d:127.0.0.1", origin, port));
    for (size_t i = 0; extra && extra[i]; i++)
        od_strlist_add(&args, extra[i]);
    od_strlist_add(&args, origin);
    it_run(bin, &args, NULL, 60, res);
    od_strlist_free(&args);
    return cJSON_Parse(res->out ? res->out : "");
}

od_lab_server *it_cert_origin(const char *dir, const char *name, od_keykind key, const od_lab_config *base,
                              bool send_root, od_gen_cert pki[2], char **trust, int *port)
{
    memset(pki, 0, 2 * sizeof *pki);
    *trust = od_xasprintf("%s/root.pem", dir);
    const char *const sans[] = {name, NULL};
    char *dn = od_xasprintf("CN=%s", name);
    od_gen_spec rs = {.dn = "CN=Test Root,O=origin-doctor tests", .is_ca = true, .key = OD_KEY_ECDSA_P256};
    od_gen_spec ls = {.dn = dn, .san_dns = sans, .key = key};
    const od_gen_cert *root[1] = {&pki[0]}, *chain[2] = {&pki[1], &pki[0]};
    bool ok = od_gen_cert_make(&rs, NULL, &pki[0]) == 0 && od_gen_cert_make(&ls, &pki[0], &pki[1]) == 0 &&
              od_gen_write_pem_chain(*trust, root, 1) == 0;
    free(dn);
    if (!ok) {
        fprintf(stderr, "cannot make the test certificates in %s\n", dir);
        return NULL;
    }
    od_lab_config cfg = {0};
    if (base)
        cfg = *base;
    cfg.mode = OD_LAB_TLS;
    cfg.n_identities = 1;
    cfg.identities[0].chain = chain;
    cfg.identities[0].chain_len = send_root ? 2 : 1;
    cfg.identities[0].sni = NULL;
    char *err = NULL;
    od_lab_server *srv = od_lab_server_start(&cfg, port, &err);
    if (!srv)
        fprintf(stderr, "origin did not start: %s\n", err ? err : "?");
    free(err);
    return srv;
}

od_lab_server *it_one_cert_origin(const char *dir, const char *name, od_keykind key, const char *priority,
                                  od_gen_cert pki[2], char **trust, int *port)
{
    od_lab_config cfg = {.priority = priority};
    return it_cert_origin(dir, name, key, &cfg, false, pki, trust, port);
}

void it_one_cert_origin_end(od_lab_server *srv, od_gen_cert pki[2], char *dir, char *trust)
{
    if (srv)
        od_lab_server_stop(srv);
    od_gen_cert_free(&pki[1]);
    od_gen_cert_free(&pki[0]);
    it_rmtree(dir);
    free(dir);
    free(trust);
}

cJSON *it_load_json(const char *path)
{
    size_t len;
    char *text = od_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!j)
        fprintf(stderr, "%s is not valid JSON\n", path);
    free(text);
    return j;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_sorted_unique(od_strlist *l)
{
    if (l->len > 1)
        qsort(l->items, l->len, sizeof *l->items, cmp_str);
    od_buf b;
    od_buf_init(&b);
    od_buf_append(&b, "", 0);
    for (size_t i = 0; i < l->len; i++) {
        if (i && strcmp(l->items[i], l->items[i - 1]) == 0)
            continue;
        od_buf_printf(&b, "%s%s", b.len ? " " : "", l->items[i]);
    }
    return od_buf_steal(&b);
}

char *it_ids_with_severity(const cJSON *report, const char *severity)
{
    od_strlist ids;
    od_strlist_init(&ids);
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(report, "findings"))
    {
        const cJSON *sev = cJSON_GetObjectItemCaseSensitive(f, "severity");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
        if (cJSON_IsString(sev) && cJSON_IsString(id) && strcmp(sev->valuestring, severity) == 0)
            od_strlist_add(&ids, id->valuestring);
    }
    char *s = join_sorted_unique(&ids);
    od_strlist_free(&ids);
    return s;
}

char *it_sorted_ids(const char *ids)
{
    od_strlist l;
    od_strlist_init(&l);
    char *copy = od_xstrdup(ids), *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
        od_strlist_add(&l, t);
    free(copy);
    char *s = join_sorted_unique(&l);
    od_strlist_free(&l);
    return s;
}

char *it_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = od_xasprintf("%s/od-itest-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

void it_rmtree(const char *dir)
{
    if (!dir || strncmp(dir, "/tmp/", 5) != 0)
        return;   /* never remove anything outside a temporary folder */
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

char *it_shell_output(const char *cmd, int timeout_s)
{
    od_strlist sh;
    od_strlist_init(&sh);
    od_strlist_add(&sh, "-c");
    od_strlist_add_owned(&sh, od_xasprintf("%s 2>&1", cmd));
    it_result out;
    it_run("/bin/sh", &sh, NULL, timeout_s, &out);
    char *text = od_xstrdup(out.out ? out.out : "");
    it_result_free(&out);
    od_strlist_free(&sh);
    return text;
}

const char *it_bin_arg(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s /path/to/origin-doctor\n", argc > 0 ? argv[0] : "test");
        exit(2);
    }
    return argv[1];
}
