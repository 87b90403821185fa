/* cb-kiosk-window.h — the wallboard full screen, dark and in large type, for a TV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cb-application.h"
#include "cb-store.h"

G_BEGIN_DECLS

#define CB_TYPE_KIOSK_WINDOW (cb_kiosk_window_get_type ())
G_DECLARE_FINAL_TYPE (CbKioskWindow, cb_kiosk_window, CB, KIOSK_WINDOW, AdwApplicationWindow)

CbKioskWindow *cb_kiosk_window_new                    (CbApplication *app,
                                                       GdkMonitor    *monitor);
CbStore       *cb_kiosk_window_get_store              (CbKioskWindow *self);
void           cb_kiosk_window_set_store              (CbKioskWindow *self,
                                                       CbStore       *store);
const char    *cb_kiosk_window_get_board              (CbKioskWindow *self);
gboolean       cb_kiosk_window_get_fullscreen_requested (CbKioskWindow *self);
void           cb_kiosk_window_cycle                  (CbKioskWindow *self);

G_END_DECLS
