/* Rules: pure functions of Case + Observations + Policy (+ time) that
 * produce Findings. No network, no clock of their own. */
#ifndef OD_RULES_H
#define OD_RULES_H

#include <time.h>
#include "od_case.h"
#include "od_obs.h"
#include "od_policy.h"
#include "od_finding.h"
#include "od_fixes.h"

/* Appends every finding (worst first) and sets the verdict: would_fail,
 * the summary, and complete (false when the run was cancelled or a check
 * that matters could not run because of this machine; then the summary
 * never says the origin is fine). Any out pointer may be NULL. fixes may be NULL
 * (then titles/fix steps are left as the rules wrote them). */
void od_rules_evaluate(const od_case *c, const od_observations *o,
                       const od_policy *p, const od_fixes *fixes, time_t now,
                       od_finding_list *out, bool *would_fail, char **summary, bool *complete);

/* How many of the registry's pass ids have a builder in a rule file; sets
 * *missing to how many have none (a test keeps it at 0). */
size_t od_rules_pass_builders(size_t *missing);

#endif
