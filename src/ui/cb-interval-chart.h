/* cb-interval-chart.h — today's calls per quarter hour, with the service level
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cb-metrics.h"

G_BEGIN_DECLS

#define CB_TYPE_INTERVAL_CHART (cb_interval_chart_get_type ())
G_DECLARE_FINAL_TYPE (CbIntervalChart, cb_interval_chart, CB, INTERVAL_CHART, GtkWidget)

GtkWidget *cb_interval_chart_new           (void);
void       cb_interval_chart_set_intervals (CbIntervalChart        *self,
                                            const CbMetricInterval *intervals,
                                            guint                   n_intervals,
                                            double                  sl_target_pct,
                                            gint64                  now_ms);
guint      cb_interval_chart_get_n_shown   (CbIntervalChart        *self);
char      *cb_interval_chart_describe      (CbIntervalChart        *self,
                                            guint                   index);

G_END_DECLS
