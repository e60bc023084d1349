# SPDX-License-Identifier: GPL-2.0
#
# blklock top-level Makefile.
#
#   make                 build blklock.ko against KDIR (Debian 6.1 headers)
#   make KDIR=<dir>      build against other headers (e.g. the 6.12 ones)
#   make tools           build blklockctl
#   make setup           install everything the tests need (apt-get)
#   make demo            boot a VM and show blklock working
#   make check           run every test (builds, static checks, KUnit, VMs,
#                        the cluster)
#   make cluster-test    only the cluster: 3 node VMs + an iSCSI target VM
#   make soak            the cluster under random faults until 1,000,000
#                        acquisitions (not part of check; SOAK_TARGET=,
#                        SOAK_TIME=, ...: tools/testing/cluster/soak.sh)
#   make bench           the benchmark (not part of check): out/bench/
#   make model           check the Promela model of the protocol with spin
#   make fuzz            the ioctl fuzzer, 600 s per kernel (not part of
#                        check; BLKLOCK_FUZZ_SECS=, BLKLOCK_FUZZ_SEED=)

KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))

all: module tools

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run 'make setup' or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools/blklockctl

clean:
	@test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/blklockctl clean
	rm -rf out

setup:
	tools/testing/setup.sh

demo:
	tools/testing/demo.sh

check:
	tools/testing/check.sh

kunit:
	tools/testing/kunit/run.sh

vmtest:
	tools/testing/vm/run.sh

cluster-test:
	tools/testing/cluster/run.sh

soak:
	tools/testing/cluster/soak.sh

bench:
	tools/bench/run.sh

static:
	tools/testing/static.sh

.PHONY: all module tools clean setup demo check kunit vmtest cluster-test soak bench static model fuzz

model: ; tools/model/run.sh

fuzz: ; tools/testing/fuzz/run.sh
