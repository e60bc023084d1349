// SPDX-License-Identifier: GPL-2.0
/*
 * blklock: the trace events' definitions (blklock_trace.h).
 */
#define CREATE_TRACE_POINTS
#include "blklock_trace.h"
