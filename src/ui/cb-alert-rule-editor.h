/* cb-alert-rule-editor.h — a dialog to add or edit an alert rule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-ui-types.h"
#include "cb-alerts.h"
#include "cb-store.h"

G_BEGIN_DECLS

#define CB_TYPE_ALERT_RULE_EDITOR (cb_alert_rule_editor_get_type ())
G_DECLARE_FINAL_TYPE (CbAlertRuleEditor, cb_alert_rule_editor, CB, ALERT_RULE_EDITOR, AdwWindow)

CbAlertRuleEditor *cb_alert_rule_editor_new      (GSettings         *settings,
                                                  CbStore           *store,
                                                  const CbAlertRule *rule);
gboolean           cb_alert_rule_editor_is_valid (CbAlertRuleEditor *self);
CbAlertRule       *cb_alert_rule_editor_dup_rule (CbAlertRuleEditor *self);

G_END_DECLS
