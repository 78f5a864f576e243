/* The practice lab: named scenarios, each a local origin on 127.0.0.1 that
 * shows one problem, with a throwaway CA as the trust store. */
#ifndef OD_LAB_H
#define OD_LAB_H

#include <stdbool.h>
#include "od_case.h"

typedef struct {
    const char *name;            /* "wrong-order" */
    const char *description;     /* one line */
    const char *expect;          /* the fail ids expected, space separated, "" for none */
} od_lab_scenario;

const od_lab_scenario *od_lab_scenarios(size_t *n);
const od_lab_scenario *od_lab_find(const char *name);

typedef struct od_lab od_lab;

/* Generates the PKI into a private temporary folder, starts the origin(s)
 * and fills the case (origin domain, ports, --resolve, trust store,
 * forward-host/cnames where the scenario needs them). NULL + message. */
od_lab *od_lab_start(const char *name, od_case *c, char **error);
void od_lab_stop(od_lab *lab);   /* stops servers, removes the folder */

#endif
