/* JSON documents read from files people hand us (reports, distribution
 * configs, assets): one parser with messages that say where and what. */
#ifndef OD_JSON_H
#define OD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* ---- The one reader every loader uses (reports, distribution configs,
 * the policy and fixes assets): getters that know the key path of what
 * they read, so every problem is told as "PATH: what is wrong", e.g.
 * "Origins.Items[0].HTTPPort: expected a number, found a string ("80")".
 * The first problem is kept; later calls fail quietly, so a loader can
 * chain getters and look at `error` once. */

typedef struct {
    const char *source;   /* put before every message (a file name), or NULL */
    char *error;          /* the first problem, malloc'd; NULL while all is well */
} od_json_reader;

typedef enum {
    OD_JSON_ANY,
    OD_JSON_OBJECT,
    OD_JSON_ARRAY,
    OD_JSON_STRING,
    OD_JSON_NUMBER,
    OD_JSON_BOOL
} od_json_kind;

/* Getter flags; 0 means required, not null, may be empty. */
enum {
    OD_JSON_OPTIONAL = 1u << 0,   /* absent is fine (the getter returns NULL / leaves *out) */
    OD_JSON_NULLABLE = 1u << 1,   /* null is fine (treated as absent) */
    OD_JSON_NONEMPTY = 1u << 2    /* a string or array must not be empty */
};

/* Records "SOURCE: PATH: message" unless a problem is already recorded;
 * always returns false. An empty path leaves out "PATH: ". */
bool od_json_fail(od_json_reader *r, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Key paths: "a.b" (just "b" at the top) and "a[3]"; caller frees. */
char *od_json_key_path(const char *path, const char *key);
char *od_json_index_path(const char *path, size_t i);

/* Checks a value already in hand (an array item) against kind and flags;
 * v is the value at path. False (with the problem recorded) if wrong;
 * true for an allowed absence or null too, so test v afterwards. */
bool od_json_check(od_json_reader *r, const cJSON *v, const char *path, od_json_kind kind, unsigned flags);

/* The member key of obj (an object at path) if present, of the kind, and
 * not null; else NULL, with a problem recorded unless flags allow it. */
const cJSON *od_json_get(od_json_reader *r, const cJSON *obj, const char *path, const char *key, od_json_kind kind,
                         unsigned flags);

/* Typed getters: true when the value was read or allowed to be absent
 * (then *out is NULL for strings and left alone otherwise). Strings are
 * borrowed from the tree. */
bool od_json_get_string(od_json_reader *r, const cJSON *obj, const char *path, const char *key, unsigned flags,
                        const char **out);
bool od_json_get_bool(od_json_reader *r, const cJSON *obj, const char *path, const char *key, unsigned flags,
                      bool *out);
/* Records "PATH: expected one of ALLOWED, found ..." for v at path. */
bool od_json_fail_not_one_of(od_json_reader *r, const cJSON *v, const char *path, const char *allowed);
/* A whole number from min to max. */
bool od_json_get_int(od_json_reader *r, const cJSON *obj, const char *path, const char *key, unsigned flags,
                     int64_t min, int64_t max, int64_t *out);
/* d is a whole number a double holds exactly (|d| <= 2^53): safe to cast
 * to int64_t. False for NaN, infinities and fractions. */
bool od_json_whole(double d);
/* od_json_get_int for a number in hand (an array item) at path. */
bool od_json_int_value(od_json_reader *r, const cJSON *v, const char *path, int64_t min, int64_t max, int64_t *out);

#endif
