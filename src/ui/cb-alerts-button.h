/* cb-alerts-button.h — the header-bar button of the alerts, with its popover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cb-alerts.h"
#include "cb-store.h"

G_BEGIN_DECLS

#define CB_TYPE_ALERTS_BUTTON (cb_alerts_button_get_type ())
G_DECLARE_FINAL_TYPE (CbAlertsButton, cb_alerts_button, CB, ALERTS_BUTTON, GtkWidget)

GtkWidget       *cb_alerts_button_new               (void);
CbStore         *cb_alerts_button_get_store         (CbAlertsButton  *self);
void             cb_alerts_button_set_store         (CbAlertsButton  *self,
                                                     CbStore         *store);
GSettings       *cb_alerts_button_get_settings      (CbAlertsButton  *self);
void             cb_alerts_button_set_settings      (CbAlertsButton  *self,
                                                     GSettings       *settings);
AdwToastOverlay *cb_alerts_button_get_toast_overlay (CbAlertsButton  *self);
void             cb_alerts_button_set_toast_overlay (CbAlertsButton  *self,
                                                     AdwToastOverlay *overlay);
CbAlertEngine   *cb_alerts_button_get_engine        (CbAlertsButton  *self);

G_END_DECLS
