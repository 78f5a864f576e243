/* A finding's evidence in words: one key/value line per fact, for people
 * (the UI's detail pane, the human and Markdown reports), never raw JSON.
 * Flat lists read "a, b, c"; a certificate reads as its subject, its
 * names, its validity and its fingerprint; other objects as "key member"
 * lines. The JSON report keeps the evidence as it is. */
#ifndef OD_EVIDENCE_H
#define OD_EVIDENCE_H

#include <cJSON.h>
#include "od_util.h"

/* Appends to keys and values (same length); keys in words ("chain sent"). */
void od_evidence_words(const cJSON *evidence, od_strlist *keys, od_strlist *values);
/* The widest key in columns (bytes: keys are ASCII), at most cap. */
size_t od_evidence_key_width(const od_strlist *keys, size_t cap);

#endif
