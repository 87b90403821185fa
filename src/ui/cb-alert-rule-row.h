/* cb-alert-rule-row.h — one alert rule in the preferences, in words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-ui-types.h"
#include "cb-alerts.h"
#include "cb-store.h"

G_BEGIN_DECLS

#define CB_TYPE_ALERT_RULE_ROW (cb_alert_rule_row_get_type ())
G_DECLARE_FINAL_TYPE (CbAlertRuleRow, cb_alert_rule_row, CB, ALERT_RULE_ROW, AdwActionRow)

GtkWidget  *cb_alert_rule_row_new              (const CbAlertRule *rule,
                                                CbStore           *store);
void        cb_alert_rule_row_set_rule         (CbAlertRuleRow    *self,
                                                const CbAlertRule *rule,
                                                CbStore           *store);
const char *cb_alert_rule_row_get_rule_id      (CbAlertRuleRow    *self);

/* The rule in words, for the row and the editor */
char       *cb_alert_rule_format_threshold     (const CbAlertRule *rule,
                                                double             value);
char       *cb_alert_rule_describe_condition   (const CbAlertRule *rule,
                                                CbStore           *store);
char       *cb_alert_rule_describe_scope       (const CbAlertRule *rule,
                                                CbStore           *store);
char       *cb_alert_rule_describe             (const CbAlertRule *rule,
                                                CbStore           *store);

G_END_DECLS
