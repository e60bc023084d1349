/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklockctl --json: a small streaming JSON writer.  Every object that
 * json_open() starts is one line of standard output, closed (with its
 * newline) by the json_end() that brings the depth back to 0.
 */
#ifndef BLKLOCKCTL_JSON_H
#define BLKLOCKCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

struct json {
	FILE *f;
	int depth;
	char closer[JSON_MAX_DEPTH];	/* '}' or ']' of each open level */
	bool comma[JSON_MAX_DEPTH];	/* a member was written at this level */
};

/* Start a top-level object with "type": @type. */
void json_open(struct json *j, const char *type);
/* Close the innermost object or array; at depth 0 end the line. */
void json_end(struct json *j);
/* Close every open level; "error": @error (if not NULL) in the innermost object. */
void json_abort(struct json *j, const char *error);

/* Members; @key is NULL inside an array. */
void json_object(struct json *j, const char *key);
void json_array(struct json *j, const char *key);
void json_str(struct json *j, const char *key, const char *v);	/* NULL: null */
void json_u64(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_uuid(struct json *j, const char *key, const uint8_t *uuid);
void json_hex64(struct json *j, const char *key, uint64_t v);

#endif
