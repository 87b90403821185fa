/* cb-demo-backend.h — the built-in demo contact center, as a child process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CB_TYPE_DEMO_BACKEND (cb_demo_backend_get_type ())
G_DECLARE_FINAL_TYPE (CbDemoBackend, cb_demo_backend, CB, DEMO_BACKEND, GObject)

CbDemoBackend *cb_demo_backend_new          (void);
void           cb_demo_backend_start_async  (CbDemoBackend       *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean       cb_demo_backend_start_finish (CbDemoBackend       *self,
                                             GAsyncResult        *result,
                                             GError             **error);
const char    *cb_demo_backend_get_url      (CbDemoBackend       *self);
const char    *cb_demo_backend_get_token    (CbDemoBackend       *self);
void           cb_demo_backend_stop         (CbDemoBackend       *self);
char          *cb_demo_backend_find_program (void);

G_END_DECLS
