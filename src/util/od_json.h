/* JSON documents read from files people hand us (reports, distribution
 * configs, assets): one parser with messages that say where and what. */
#ifndef OD_JSON_H
#define OD_JSON_H

#include <stddef.h>
#include <cJSON.h>

/* Parses a whole JSON document. On failure returns NULL and sets *err to a
 * malloc'd message: "malformed JSON at byte B (line L, column C)" with the
 * reason where one is known (truncated, nested too deep, data after the
 * value), or that the text is empty, UTF-16, or binary. `expected` says
 * what the text should have been, for those messages (e.g. "a report"). A
 * UTF-8 byte-order mark is accepted. */
cJSON *od_json_parse(const char *text, size_t len, const char *expected, char **err);

/* "a string", "a number", "true/false", "null", "an array", "an object". */
const char *od_json_type_name(const cJSON *v);

#endif
