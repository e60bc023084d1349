// SPDX-License-Identifier: GPL-2.0
/*
 * abi-sizes: print the size and field offsets of every structure and the
 * number of every ioctl in <linux/blklock.h>.  With the argument
 * "asserts" it prints them as C11 static assertions instead: compiled
 * with -m32, they prove that 32-bit callers see the same layout, so
 * compat_ioctl can pass arguments through untranslated (the host needs
 * no 32-bit runtime for that; the VM tests run a 32-bit binary too).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/blklock.h>

static int asserts;

#define S(t) (asserts ?							\
	printf("_Static_assert(sizeof(struct %s) == %zu, \"size of %s\");\n", \
	       #t, sizeof(struct t), #t) :				\
	printf("struct %-22s size %3zu\n", #t, sizeof(struct t)))
#define F(t, f) (asserts ?						\
	printf("_Static_assert(offsetof(struct %s, %s) == %zu && sizeof(((struct %s *)0)->%s) == %zu, \"%s.%s\");\n", \
	       #t, #f, offsetof(struct t, f), #t, #f,			\
	       sizeof(((struct t *)0)->f), #t, #f) :			\
	printf("  %-22s %-18s offset %3zu size %2zu\n", #t, #f,	\
	       offsetof(struct t, f), sizeof(((struct t *)0)->f)))
/* Where field @f of struct @t ends: for a structure with tail padding. */
#define E(t, f) (asserts ?						\
	printf("_Static_assert(offsetof(struct %s, %s) + sizeof(((struct %s *)0)->%s) == %zu, \"end of %s\");\n", \
	       #t, #f, #t, #f, offsetof(struct t, f) + sizeof(((struct t *)0)->f), #t) : \
	printf("struct %-22s ends at %3zu (%s)\n", #t,		\
	       offsetof(struct t, f) + sizeof(((struct t *)0)->f), #f))
#define I(n) (asserts ?							\
	printf("_Static_assert(%s == 0x%08lxUL, \"%s\");\n", #n,	\
	       (unsigned long)(n), #n) :				\
	printf("%-22s 0x%08lx\n", #n, (unsigned long)(n)))

int main(int argc, char **argv)
{
	asserts = argc > 1 && !strcmp(argv[1], "asserts");
	if (asserts)
		printf("#include <stddef.h>\n#include <linux/blklock.h>\n");

	S(blklock_attach);
	F(blklock_attach, path); F(blklock_attach, node_id);
	F(blklock_attach, flags); F(blklock_attach, name);
	F(blklock_attach, reserved);
	S(blklock_format);
	F(blklock_format, path); F(blklock_format, nr_locks);
	F(blklock_format, flags); F(blklock_format, uuid);
	F(blklock_format, max_node_id); F(blklock_format, hb_interval_ms);
	F(blklock_format, lease_timeout_ms); F(blklock_format, reserved);
	S(blklock_info);
	F(blklock_info, node_id); F(blklock_info, format_version);
	F(blklock_info, block_size); F(blklock_info, nr_locks);
	F(blklock_info, lock_lba); F(blklock_info, uuid);
	F(blklock_info, disk); F(blklock_info, max_node_id);
	F(blklock_info, hb_interval_ms); F(blklock_info, lease_timeout_ms);
	F(blklock_info, hb_state); F(blklock_info, incarnation);
	F(blklock_info, reserved);
	S(blklock_acquire);
	F(blklock_acquire, lock); F(blklock_acquire, flags);
	F(blklock_acquire, timeout_ms); F(blklock_acquire, reserved0);
	F(blklock_acquire, generation); F(blklock_acquire, reserved);
	S(blklock_release);
	F(blklock_release, lock); F(blklock_release, flags);
	F(blklock_release, reserved);
	S(blklock_status);
	F(blklock_status, lock); F(blklock_status, flags);
	F(blklock_status, owner); F(blklock_status, state);
	F(blklock_status, generation); F(blklock_status, holder_pid);
	F(blklock_status, reserved0); F(blklock_status, name);
	S(blklock_validate);
	F(blklock_validate, lock); F(blklock_validate, flags);
	F(blklock_validate, generation); F(blklock_validate, reserved);
	S(blklock_node);
	F(blklock_node, node_id); F(blklock_node, state);
	F(blklock_node, incarnation); F(blklock_node, counter);
	F(blklock_node, unchanged_ms); F(blklock_node, timestamp);
	F(blklock_node, reserved);
	S(blklock_nodes);
	F(blklock_nodes, nodes); F(blklock_nodes, first);
	F(blklock_nodes, count); F(blklock_nodes, flags);
	F(blklock_nodes, reserved0); F(blklock_nodes, reserved);
	S(blklock_break);
	F(blklock_break, lock); F(blklock_break, flags);
	F(blklock_break, owner); F(blklock_break, result);
	F(blklock_break, old_generation); F(blklock_break, generation);
	F(blklock_break, reserved);
	S(blklock_detach);
	F(blklock_detach, path); F(blklock_detach, uuid);
	F(blklock_detach, flags); F(blklock_detach, reserved0);
	F(blklock_detach, reserved);
	S(blklock_name);
	F(blklock_name, name); F(blklock_name, op);
	F(blklock_name, lock); F(blklock_name, result);
	F(blklock_name, flags); F(blklock_name, reserved);
	S(blklock_request);
	F(blklock_request, lock); F(blklock_request, flags);
	F(blklock_request, owner); F(blklock_request, result);
	F(blklock_request, generation); F(blklock_request, reserved);
	S(blklock_path_add);
	F(blklock_path_add, path); F(blklock_path_add, flags);
	F(blklock_path_add, nr_paths); F(blklock_path_add, reserved);
	S(blklock_disk_header);
	F(blklock_disk_header, hb_lba); F(blklock_disk_header, req_lba);
	F(blklock_disk_header, reserved); F(blklock_disk_header, crc);
	S(blklock_disk_hb);
	F(blklock_disk_hb, flags); F(blklock_disk_hb, crc);
	S(blklock_disk_hb_name);
	F(blklock_disk_hb_name, name); F(blklock_disk_hb_name, crc);
	S(blklock_disk_lock);
	F(blklock_disk_lock, flags);
	F(blklock_disk_lock, owner_incarnation); F(blklock_disk_lock, crc);
	S(blklock_disk_lock_name);
	F(blklock_disk_lock_name, name); F(blklock_disk_lock_name, crc);
	S(blklock_disk_req_entry);
	F(blklock_disk_req_entry, lock); F(blklock_disk_req_entry, asker);
	F(blklock_disk_req_entry, generation); F(blklock_disk_req_entry, when);
	F(blklock_disk_req, magic); F(blklock_disk_req, node_id);
	F(blklock_disk_req, count); F(blklock_disk_req, entry);
	F(blklock_disk_req, reserved); F(blklock_disk_req, crc);
	S(blklock_disk_req); E(blklock_disk_req, crc);
	I(BLKLOCK_IOC_ATTACH);
	I(BLKLOCK_IOC_FORMAT);
	I(BLKLOCK_IOC_INFO);
	I(BLKLOCK_IOC_ACQUIRE);
	I(BLKLOCK_IOC_RELEASE);
	I(BLKLOCK_IOC_STATUS);
	I(BLKLOCK_IOC_VALIDATE);
	I(BLKLOCK_IOC_NODES);
	I(BLKLOCK_IOC_BREAK);
	I(BLKLOCK_IOC_DETACH);
	I(BLKLOCK_IOC_NAME);
	I(BLKLOCK_IOC_REQUEST);
	I(BLKLOCK_IOC_ADD_PATH);
	return 0;
}
