#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: installs what is missing, builds, boots Debian's 6.12 kernel
# in QEMU with a shared scsi_debug LUN and shows blklock at work.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/setup.sh"
"$HERE/build.sh" > /dev/null || { echo "build failed: see out/logs/" >&2; exit 1; }
echo "Booting Debian's 6.12 kernel in QEMU (TCG, about 15 s)..."
"$HERE/vm/run.sh" --kernel 6.12 --profile scsi_debug --script "$HERE/vm/demo.sh" 2>/dev/null
