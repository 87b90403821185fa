/* cb-process.c — how a Callboard program sets itself up before anything else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib before 2.76 serves g_slice_new() — every node of every JSON tree,
 * every hash table — from its own slice allocator, which is slow where the
 * console spends its time: trees parsed on one thread and let go on
 * another, and tens of thousands of trees kept at once (a cold open carves
 * fresh slabs under one lock). GLib 2.76 dropped it for the system
 * malloc; on Debian 12's GLib 2.74 the G_SLICE=always-malloc setting does
 * the same, but GLib reads it in its constructors, before main() runs. So
 * a program calls cb_process_use_system_malloc() first thing, and starts
 * itself again once with the setting made, keeping its arguments. With
 * bench/bench-store on 10,000 agents, 1,000 queues and 5,000 calls this
 * took a cold open from 285–345 ms to 177–182 ms and the ingest from 31–34
 * to 44–45 % of the raw parse rate, for some 50 MiB more peak RSS.
 *
 * Nothing happens with a newer GLib, when G_SLICE is set already (the
 * user's choice wins, and the second start sees it), or when the program
 * cannot be started again (then it just carries on).
 */
#define G_LOG_DOMAIN "cb-process"

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "cb-process.h"

void
cb_process_use_system_malloc (char **argv)
{
  g_autofree char *self = NULL;

  if (glib_check_version (2, 76, 0) == NULL || g_getenv ("G_SLICE") != NULL || argv == NULL)
    return;

  /* The program's own path, not /proc/self/exe: the process is named
   * after what it runs ("callboard" in ps and the system monitor). */
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self == NULL || !g_setenv ("G_SLICE", "always-malloc", TRUE))
    return;
  execv (self, argv);
  /* Still here: keep going with the slice allocator, and do not try again
   * in the programs this one starts. */
  g_debug ("could not start again with G_SLICE=always-malloc: %s", g_strerror (errno));
}
