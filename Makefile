# SPDX-License-Identifier: GPL-2.0
#
# blklock top-level Makefile.
#
#   make                 build blklock.ko and blklockctl; the module against
#                        KDIR: the running kernel's headers
#                        (/lib/modules/$(uname -r)/build) when installed,
#                        else the newest Debian 6.1 headers
#   make KDIR=<dir>      build against other headers (e.g. the 6.12 ones)
#   make modules_install install blklock.ko into
#                        $(INSTALL_MOD_PATH)/lib/modules/<kver>/extra
#                        (INSTALL_MOD_PATH defaults to DESTDIR)
#   make tools           build blklockctl
#   make deb             the Debian packages blklock-dkms and blklock-tools
#                        (dpkg-buildpackage -us -uc -b), into out/deb/
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

# The kernel headers: KDIR if given, else the running kernel's, else the
# newest Debian 6.1 headers (what the tests build against first).
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifneq ($(origin KDIR),undefined)
KDIR_WHY := KDIR given
else ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
KDIR := $(RUNNING_KDIR)
KDIR_WHY := the running kernel's headers
else
KDIR := $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))
KDIR_WHY := no headers for the running kernel $(shell uname -r): the newest 6.1 headers
endif
INSTALL_MOD_PATH ?= $(DESTDIR)

all: module tools

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run 'make setup' or pass KDIR=" >&2; exit 1; }
	@echo "blklock: building against $(KDIR) ($(KDIR_WHY))"
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Debian's headers ask modules_install to sign (CONFIG_MODULE_SIG_ALL) with
# a key they do not ship: the module is signed only when the key is there
# (DKMS signs with its own MOK key).  Kbuild skips depmod without the
# kernel's System.map: into the running system, depmod runs here.
SIG_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"/\1/p' $(KDIR)/.config 2>/dev/null)
KVER = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) \
		$(if $(SIG_KEY),$(if $(wildcard $(SIG_KEY) $(KDIR)/$(SIG_KEY)),,CONFIG_MODULE_SIG_ALL=)) \
		modules_install
	$(if $(INSTALL_MOD_PATH),,depmod -a $(KVER))

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

# dpkg-buildpackage writes into the parent directory; the files its
# .changes names, and the .changes, move to out/deb/.
deb:
	dpkg-buildpackage -us -uc -b
	@set -e; mkdir -p out/deb; \
	changes=../$$(dpkg-parsechangelog -SSource)_$$(dpkg-parsechangelog -SVersion)_$$(dpkg-architecture -qDEB_HOST_ARCH).changes; \
	for f in $$(sed -n '/^Files:/,/^[^ ]/s/^ .* //p' "$$changes"); do \
		mv "../$$f" out/deb/; \
	done; \
	mv "$$changes" out/deb/; \
	echo "blklock: packages in out/deb:"; ls out/deb

.PHONY: all module modules_install tools clean setup demo check kunit vmtest cluster-test soak bench static model fuzz deb

model: ; tools/model/run.sh

fuzz: ; tools/testing/fuzz/run.sh
