/* cb-metric-item.h — one figure on the wallboard, with its formula on demand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cb-metrics.h"
#include "cb-sparkline.h"

G_BEGIN_DECLS

#define CB_TYPE_METRIC_ITEM (cb_metric_item_get_type ())
G_DECLARE_FINAL_TYPE (CbMetricItem, cb_metric_item, CB, METRIC_ITEM, GtkWidget)

GtkWidget   *cb_metric_item_new            (void);
void         cb_metric_item_set_metric_key (CbMetricItem         *self,
                                            const char           *key);
CbMetricId   cb_metric_item_get_metric     (CbMetricItem         *self);
void         cb_metric_item_set_caption    (CbMetricItem         *self,
                                            const char           *caption);
void         cb_metric_item_show_value     (CbMetricItem         *self,
                                            const CbMetricValue  *value,
                                            const CbMetricParams *params);
void         cb_metric_item_show_text      (CbMetricItem         *self,
                                            const char           *text,
                                            const char           *detail);
void         cb_metric_item_set_level      (CbMetricItem         *self,
                                            const char           *level);
void         cb_metric_item_set_note       (CbMetricItem         *self,
                                            const char           *note);
const char  *cb_metric_item_get_text       (CbMetricItem         *self);
const char  *cb_metric_item_get_level      (CbMetricItem         *self);
const char  *cb_metric_item_get_details    (CbMetricItem         *self);
CbSparkline *cb_metric_item_get_sparkline  (CbMetricItem         *self);

char        *cb_format_duration            (gint64                ms);
char        *cb_format_metric              (CbMetricUnit          unit,
                                            double                value,
                                            guint                 digits);
const char  *cb_metric_level               (CbMetricId            id,
                                            const CbMetricValue  *value);

G_END_DECLS
