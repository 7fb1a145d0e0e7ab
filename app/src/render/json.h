/* json.h: the one JSON writer. Strings are escaped so the output is valid JSON and safe to
 * embed anywhere (<, >, &, U+2028 and U+2029 become \u escapes). Commas are automatic. */
#ifndef MG_JSON_H
#define MG_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

#define JSON_MAX_DEPTH 32

struct json {
	struct buf *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, struct buf *out);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
/* json_key: the next member's name inside an object. */
void json_key(struct json *j, const char *key);
/* json_str: a string value; NULL writes null. Input must be valid UTF-8 (the database and
 * request parser guarantee it); any invalid byte is replaced by U+FFFD. */
void json_str(struct json *j, const char *s);
void json_int(struct json *j, long long n);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* json_raw_value: an already-serialised JSON value written by this writer earlier. */
void json_raw_value(struct json *j, const char *json, size_t len);

#endif
