/* Issue 10: a load balancer origin (its name matches the ELB patterns of
 * assets/aws-endpoints.json) whose listener misses CloudFront's protocols:
 * the fix names the ELB security policies that work with the distribution's
 * origin SSL protocols. The real binary against the project's GnuTLS origin
 * speaking TLS 1.3 only (like ELBSecurityPolicy-TLS13-1-3-2021-06), the
 * load balancer's name pinned to 127.0.0.1 with --resolve. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "itest.h"
#include "od_certgen.h"
#include "od_labserver.h"

#define LB "my-lb-1234567890.us-east-1.elb.amazonaws.com"

/* The first fix step (the load balancer's comes first), or "". */
static const char *first_step(const cJSON *f)
{
    const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, "fix"), 0);
    return cJSON_IsString(s) ? s->valuestring : "";
}

int main(int argc, char **argv)
{
    const char *bin = it_bin_arg(argc, argv);
    char *dir = it_tmpdir();
    od_gen_cert pki[2];
    char *trust = NULL;
    int port = 0;
    od_lab_server *srv = it_one_cert_origin(dir, "origin.example.test", OD_KEY_ECDSA_P256,
                                            "NORMAL:-VERS-ALL:+VERS-TLS1.3", pki, &trust, &port);
    CHECK(srv != NULL);
    for (int round = 0; srv && round < 2; round++) {
        /* TLSv1.2 (the default), then TLSv1 only: the policies named follow */
        const char *protocols = round == 0 ? "TLSv1.2" : "TLSv1";
        it_result res;
        char *proto_flag = od_xasprintf("--origin-ssl-protocols=%s", protocols);
        char *trust_flag = od_xasprintf("--trust-store=%s", trust);
        const char *const extra[] = {"--protocol-policy=https-only", proto_flag, trust_flag, NULL};
        cJSON *j = it_run_json(bin, LB, port, extra, &res);
        free(proto_flag);
        free(trust_flag);
        CHECK_MSG(j != NULL, "%s: no JSON report: %s", protocols, res.err ? res.err : "");
        CHECK_MSG(res.exit_code == 1, "%s: exit %d", protocols, res.exit_code);
        const cJSON *f = it_finding(j, "TLS_NO_SHARED_PROTOCOL");
        CHECK_MSG(f != NULL, "%s: no TLS_NO_SHARED_PROTOCOL", protocols);
        const char *step = first_step(f);
        CHECK_MSG(strstr(step, "Elastic Load Balancing load balancer") && strstr(step, "fail with CloudFront: ") &&
                      strstr(step, "ELBSecurityPolicy-TLS13-1-3-2021-06") && !strchr(step, '{'),
                  "%s: first fix step: %s", protocols, step);
        if (round == 0)
            CHECK_MSG(strstr(step, "--ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06`") &&
                          strstr(step, "ELBSecurityPolicy-TLS-1-2-2017-01"),
                      "TLSv1.2: %s", step);
        else
            CHECK_MSG(strstr(step, "do: ELBSecurityPolicy-TLS13-1-0-2021-06, ELBSecurityPolicy-2016-08.") &&
                          strstr(step, "--ssl-policy ELBSecurityPolicy-TLS13-1-0-2021-06`"),
                      "TLSv1: %s", step);
        const cJSON *works = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f, "evidence"),
                                                              "load_balancer_policies_that_work");
        CHECK_MSG(cJSON_GetArraySize(works) >= (round == 0 ? 9 : 2), "%s: %d policies in the evidence", protocols,
                  cJSON_GetArraySize(works));
        cJSON_Delete(j);
        it_result_free(&res);
    }
    it_one_cert_origin_end(srv, pki, dir, trust);
    return check_done("elb_policies");
}
