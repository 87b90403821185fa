/* cb-application-private.h — what main.c needs beyond the public API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-application.h"

G_BEGIN_DECLS

int _cb_application_get_exit_status (CbApplication *self);

G_END_DECLS
