/* cb-message-private.h — what the core's readers of messages share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean _cb_json_member_error (GError     **error,
                                int          code,
                                const char  *member,
                                const char  *what);

G_END_DECLS
