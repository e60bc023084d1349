// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: the --json writer (json.h).  Strings are escaped as RFC 8259
 * asks (quote, backslash, control characters); bytes above 0x7f are
 * passed through, so a path that is not UTF-8 stays what it was.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>

#include "blklockctl.h"
#include "json.h"

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The separator and the key of a new member at the current level. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->comma[j->depth - 1])
			fputc(',', j->f);
		j->comma[j->depth - 1] = true;
	}
	if (key) {
		put_string(j->f, key);
		fputc(':', j->f);
	}
}

static void push(struct json *j, char open, char close)
{
	fputc(open, j->f);
	if (j->depth < JSON_MAX_DEPTH) {
		j->closer[j->depth] = close;
		j->comma[j->depth] = false;
		j->depth++;
	}
}

void json_open(struct json *j, const char *type)
{
	j->f = stdout;
	j->depth = 0;
	push(j, '{', '}');
	json_str(j, "type", type);
}

void json_end(struct json *j)
{
	if (j->depth <= 0)
		return;
	j->depth--;
	fputc(j->closer[j->depth], j->f);
	if (!j->depth) {
		fputc('\n', j->f);
		fflush(j->f);
	}
}

void json_abort(struct json *j, const char *error)
{
	while (j->depth > 0 && j->closer[j->depth - 1] != '}')
		json_end(j);
	if (j->depth > 0 && error)
		json_str(j, "error", error);
	while (j->depth > 0)
		json_end(j);
}

void json_object(struct json *j, const char *key)
{
	member(j, key);
	push(j, '{', '}');
}

void json_array(struct json *j, const char *key)
{
	member(j, key);
	push(j, '[', ']');
}

void json_str(struct json *j, const char *key, const char *v)
{
	member(j, key);
	if (v)
		put_string(j->f, v);
	else
		fputs("null", j->f);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void json_uuid(struct json *j, const char *key, const uint8_t *uuid)
{
	char buf[37];

	json_str(j, key, fmt_uuid(uuid, buf));
}

void json_hex64(struct json *j, const char *key, uint64_t v)
{
	char buf[17];

	json_str(j, key, fmt_hex64(v, buf));
}
