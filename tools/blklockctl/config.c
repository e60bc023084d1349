// SPDX-License-Identifier: GPL-2.0
/*
 * blklockctl: the configuration file of start and stop (/etc/blklock.conf).
 *
 *   # comment
 *   uuid=<UUID> node=<N> [name=<NAME>] [timeout=<SECONDS>]
 *   device=/dev/disk/by-id/<ID> node=<N> [uuid=<UUID>] [name=<NAME>]
 *          [timeout=<SECONDS>]
 *
 * One lockspace per line, named by its uuid (the disk that carries it is
 * found among the SCSI disks) or by a device path (with uuid= too, the
 * lockspace on it must be that one).  name= is this node's name in its
 * heartbeat slot (format 3).  timeout= is how long start waits for the
 * disk (default 90 s).  Blank lines and words from a '#' on are
 * ignored.  Parsing is pure (no I/O but reading the file): a bad line is
 * reported as FILE:LINE: what, and only that line is left out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/blklock.h>

#include "blklockctl.h"
#include "config.h"
#include "ondisk.h"

#define CONF_LINE_MAX	4096

static int bad(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* One key=value word into @e; -1 with @msg on a mistake. */
static int conf_word(char *w, struct conf_entry *e, char *msg, size_t len)
{
	char *val = strchr(w, '=');

	if (!val || val == w)
		return bad(msg, len, "'%s' is not key=value", w);
	*val++ = '\0';
	if (!strcmp(w, "uuid")) {
		if (e->has_uuid)
			return bad(msg, len, "uuid= given twice");
		if (!parse_uuid(val, e->uuid))
			return bad(msg, len, "uuid=%s is not a uuid (32 hex digits, dashes as in 8-4-4-4-12 optional)", val);
		e->has_uuid = true;
	} else if (!strcmp(w, "device")) {
		if (e->device)
			return bad(msg, len, "device= given twice");
		if (val[0] != '/')
			return bad(msg, len, "device=%s is not an absolute path", val);
		e->device = strdup(val);
		if (!e->device)
			return bad(msg, len, "%s", strerror(ENOMEM));
	} else if (!strcmp(w, "node")) {
		if (e->node)
			return bad(msg, len, "node= given twice");
		if (!parse_u32(val, 1, BLKLOCK_MAX_NODE_ID, &e->node))
			return bad(msg, len, "node=%s is not a node id from 1 to %u", val,
				   BLKLOCK_MAX_NODE_ID);
	} else if (!strcmp(w, "name")) {
		if (e->name)
			return bad(msg, len, "name= given twice");
		if (!bl_node_name_valid(val))
			return bad(msg, len, "name=%s is not a node name (1 to %d of A-Z a-z 0-9 . _ -)",
				   val, BLKLOCK_NODE_NAME_MAX - 1);
		e->name = strdup(val);
		if (!e->name)
			return bad(msg, len, "%s", strerror(ENOMEM));
	} else if (!strcmp(w, "timeout")) {
		if (e->has_timeout)
			return bad(msg, len, "timeout= given twice");
		if (!parse_u32(val, 0, CONF_MAX_TIMEOUT_S, &e->timeout_s))
			return bad(msg, len, "timeout=%s is not a number of seconds from 0 to %u",
				   val, CONF_MAX_TIMEOUT_S);
		e->has_timeout = true;
	} else {
		return bad(msg, len, "unknown key '%s' (uuid, device, node, name, timeout)", w);
	}
	return 0;
}

/**
 * conf_parse_line() - parse one line of the configuration
 * @line:	the line, without or with its newline; modified
 * @e:		out: the entry (e->device and e->name to free with
 *		conf_free_entry())
 * @msg:	out: what is wrong, when -1 is returned
 * @len:	size of @msg
 *
 * Return: 1 for an entry, 0 for a blank or comment line, -1 for a
 * mistake (@e then holds nothing to free).
 */
int conf_parse_line(char *line, struct conf_entry *e, char *msg, size_t len)
{
	char *save = NULL, *w;
	int words = 0;

	memset(e, 0, sizeof(*e));
	e->timeout_s = CONF_DEFAULT_TIMEOUT_S;
	for (w = strtok_r(line, " \t\r\n", &save); w && w[0] != '#';
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		words++;
		if (conf_word(w, e, msg, len))
			goto err;
	}
	if (!words)
		return 0;
	if (!e->has_uuid && !e->device) {
		bad(msg, len, "no uuid= or device=: name the lockspace");
		goto err;
	}
	if (!e->node) {
		bad(msg, len, "no node=: this host's node id is needed");
		goto err;
	}
	return 1;
err:
	conf_free_entry(e);
	return -1;
}

void conf_free_entry(struct conf_entry *e)
{
	free(e->device);
	e->device = NULL;
	free(e->name);
	e->name = NULL;
}

/* An earlier entry naming the same lockspace or device as @e, or NULL. */
static const struct conf_entry *conf_dup(const struct conf *c,
					 const struct conf_entry *e)
{
	for (size_t k = 0; k < c->n; k++) {
		const struct conf_entry *o = &c->v[k];

		if (e->has_uuid && o->has_uuid && !memcmp(e->uuid, o->uuid, 16))
			return o;
		if (e->device && o->device && !strcmp(e->device, o->device))
			return o;
	}
	return NULL;
}

/* Add @e to @c, or say why not; returns false for a bad line. */
static bool conf_add(struct conf *c, struct conf_entry *e, const char *path)
{
	const struct conf_entry *o = conf_dup(c, e);
	struct conf_entry *v;

	if (o) {
		fprintf(stderr, "blklockctl: %s:%u: the same lockspace or device as line %u; ignoring this line\n",
			path, e->line, o->line);
		conf_free_entry(e);
		return false;
	}
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v) {
		fprintf(stderr, "blklockctl: %s:%u: %s\n", path, e->line, strerror(ENOMEM));
		conf_free_entry(e);
		return false;
	}
	c->v = v;
	c->v[c->n++] = *e;
	return true;
}

/**
 * conf_read() - read a configuration file
 * @path:	the file
 * @c:		out: its entries (conf_free())
 *
 * Every bad line is reported on stderr as "blklockctl: FILE:LINE: what"
 * and left out; the others are kept.
 *
 * Return: the number of bad lines, or -1 after saying why the file
 * cannot be read.
 */
int conf_read(const char *path, struct conf *c)
{
	char line[CONF_LINE_MAX], msg[256];
	struct conf_entry e;
	unsigned int no = 0;
	int nbad = 0, r;
	FILE *f;

	memset(c, 0, sizeof(*c));
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "blklockctl: cannot read %s: %s (%s)\n", path,
			strerror(errno), errno_name(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		no++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "blklockctl: %s:%u: line longer than %d bytes\n",
				path, no, CONF_LINE_MAX - 1);
			nbad++;
			while (fgets(line, sizeof(line), f) && !strchr(line, '\n'))
				;
			continue;
		}
		r = conf_parse_line(line, &e, msg, sizeof(msg));
		e.line = no;
		if (r < 0)
			fprintf(stderr, "blklockctl: %s:%u: %s\n", path, no, msg);
		if (r < 0 || (r > 0 && !conf_add(c, &e, path)))
			nbad++;
	}
	fclose(f);
	return nbad;
}

void conf_free(struct conf *c)
{
	for (size_t k = 0; k < c->n; k++)
		conf_free_entry(&c->v[k]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}
