/* cb-sparkline.h — a small line of the last hour of one figure
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CB_SPARKLINE_N_SAMPLES 60

#define CB_TYPE_SPARKLINE (cb_sparkline_get_type ())
G_DECLARE_FINAL_TYPE (CbSparkline, cb_sparkline, CB, SPARKLINE, GtkWidget)

GtkWidget *cb_sparkline_new          (void);
void       cb_sparkline_push         (CbSparkline  *self,
                                      double        value);
void       cb_sparkline_set_samples  (CbSparkline  *self,
                                      const double *samples,
                                      guint         n_samples);
guint      cb_sparkline_get_n_samples (CbSparkline *self);
double     cb_sparkline_get_sample   (CbSparkline  *self,
                                      guint         age);
void       cb_sparkline_set_range    (CbSparkline  *self,
                                      double        min,
                                      double        max);

G_END_DECLS
