/* cb-preferences-window.h — appearance, backend profiles and alerts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-ui-types.h"
#include "cb-profile-store.h"
#include "cb-store.h"

G_BEGIN_DECLS

#define CB_TYPE_PREFERENCES_WINDOW (cb_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (CbPreferencesWindow, cb_preferences_window, CB, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

CbPreferencesWindow *cb_preferences_window_new       (GSettings           *settings,
                                                      CbProfileStore      *profiles);
CbStore             *cb_preferences_window_get_store (CbPreferencesWindow *self);
void                 cb_preferences_window_set_store (CbPreferencesWindow *self,
                                                      CbStore             *store);

G_END_DECLS
