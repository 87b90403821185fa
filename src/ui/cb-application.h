/* cb-application.h — the Callboard application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-ui-types.h"
#include "cb-connection.h"
#include "cb-core-types.h"
#include "cb-profile-store.h"
#include "cb-store.h"

G_BEGIN_DECLS

#define CB_TYPE_APPLICATION (cb_application_get_type ())
G_DECLARE_FINAL_TYPE (CbApplication, cb_application, CB, APPLICATION, AdwApplication)

CbApplication  *cb_application_new                (void);
void            cb_application_choose_renderer    (void);
CbConnectionState cb_application_get_connection_state  (CbApplication *self);
const char     *cb_application_get_connection_detail (CbApplication *self);
CbStore        *cb_application_get_store           (CbApplication *self);
GSettings      *cb_application_get_settings       (CbApplication *self);
CbProfileStore *cb_application_get_profile_store  (CbApplication *self);

G_END_DECLS
