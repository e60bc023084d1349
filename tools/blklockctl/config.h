/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blklockctl: the configuration file of start and stop (config.c).
 */
#ifndef BLKLOCKCTL_CONFIG_H
#define BLKLOCKCTL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_DEFAULT_TIMEOUT_S	90U
#define CONF_MAX_TIMEOUT_S	86400U

/* One line: a lockspace to attach at start and detach at stop. */
struct conf_entry {
	unsigned int line;
	bool has_uuid;
	uint8_t uuid[16];
	char *device;		/* device=, or NULL */
	uint32_t node;
	char *name;		/* name=, or NULL */
	bool has_timeout;
	uint32_t timeout_s;	/* how long start waits for the disk */
};

struct conf {
	struct conf_entry *v;
	size_t n;
};

int conf_parse_line(char *line, struct conf_entry *e, char *msg, size_t len);
void conf_free_entry(struct conf_entry *e);
int conf_read(const char *path, struct conf *c);
void conf_free(struct conf *c);

#endif
