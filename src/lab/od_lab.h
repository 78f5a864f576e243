/* The practice lab: named scenarios, each a local origin on 127.0.0.1 that
 * shows one problem, with a throwaway CA as the trust store (aaaa-only
 * listens on ::1 instead). */
#ifndef OD_LAB_H
#define OD_LAB_H

#include <stdbool.h>
#include "od_case.h"

#define OD_LAB_MAX_EXPECT 3

/* The custom header the header-protected origin wants (a lab secret, not a
 * real one: the scenario tells it, to be given with --origin-header). */
#define OD_LAB_REQUIRED_HEADER "X-Origin-Verify: od-lab-7f3a9c"

typedef struct {
    const char *name;            /* "wrong-order" */
    const char *description;     /* one line */
    /* the fail ids expected (OD_ID(...) from the registry), NULL-terminated;
     * none for a healthy scenario */
    const char *expect[OD_LAB_MAX_EXPECT + 1];
} od_lab_scenario;

/* The expected fail ids, space separated ("" for none); the caller frees. */
char *od_lab_expect_text(const od_lab_scenario *s);

const od_lab_scenario *od_lab_scenarios(size_t *n);
const od_lab_scenario *od_lab_find(const char *name);

typedef struct od_lab od_lab;

/* Generates the PKI into a private temporary folder, starts the origin(s)
 * and fills the case (origin domain, ports, --resolve, trust store,
 * forward-host/cnames where the scenario needs them). NULL + message. */
od_lab *od_lab_start(const char *name, od_case *c, char **error);
void od_lab_stop(od_lab *lab);   /* stops servers, removes the folder */

/* A bundle scenario's certificate file (no server runs), its private key
 * and a file with the intermediate it lacks; NULL for other scenarios. */
const char *od_lab_bundle(const od_lab *lab, const char **key, const char **intermediates);

#endif
