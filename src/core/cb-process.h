/* cb-process.h — how a Callboard program sets itself up before anything else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void cb_process_use_system_malloc (char **argv);

G_END_DECLS
