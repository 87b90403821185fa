/* cb-sparkline.c — a small line of the last hour of one figure
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A ring buffer of CB_SPARKLINE_N_SAMPLES values, one a minute, drawn
 * oldest to newest from left to right in the widget's foreground colour.
 * NaN is "no data" and breaks the line, so a gap is never drawn as a zero.
 * The vertical range is the samples' own (or a fixed one, for percentages)
 * and the newest sample gets a dot, so the eye finds "now".
 */
#define G_LOG_DOMAIN "cb-sparkline"

#include "config.h"

#include <math.h>

#include "cb-sparkline.h"

struct _CbSparkline
{
  GtkWidget parent_instance;

  double    samples[CB_SPARKLINE_N_SAMPLES];
  guint     head;        /* where the next sample goes */
  guint     n_samples;
  double    fixed_min;
  double    fixed_max;
  gboolean  has_range;
};

G_DEFINE_FINAL_TYPE (CbSparkline, cb_sparkline, GTK_TYPE_WIDGET)

/* age 0 is the newest sample */
static double
sample_at (CbSparkline *self,
           guint        age)
{
  guint i = (self->head + CB_SPARKLINE_N_SAMPLES - 1 - age) % CB_SPARKLINE_N_SAMPLES;

  return self->samples[i];
}

static void
cb_sparkline_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  CbSparkline *self = CB_SPARKLINE (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double lo = INFINITY, hi = -INFINITY;
  GdkRGBA color;
  cairo_t *cr;
  gboolean drawing = FALSE;
  double step;

  if (width <= 4 || height <= 4)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);

  /* A faint baseline: the hour the line spans, even before it has data. */
  {
    GdkRGBA base = color;

    base.alpha *= 0.2;
    gtk_snapshot_append_color (snapshot, &base, &GRAPHENE_RECT_INIT (2, height - 1, width - 4, 1));
  }

  if (self->n_samples == 0)
    return;

  for (guint age = 0; age < self->n_samples; age++)
    {
      double v = sample_at (self, age);

      if (isnan (v))
        continue;
      lo = MIN (lo, v);
      hi = MAX (hi, v);
    }
  if (!isfinite (lo))
    return;

  if (self->has_range)
    {
      lo = MIN (lo, self->fixed_min);
      hi = MAX (hi, self->fixed_max);
    }
  else
    {
      /* Counts start at zero so a small wobble does not look like a cliff. */
      lo = MIN (lo, 0.0);
      if (hi - lo < 1e-9)
        hi = lo + 1.0;
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_width (cr, 2.0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  gdk_cairo_set_source_rgba (cr, &color);

  step = (double) (width - 4) / (CB_SPARKLINE_N_SAMPLES - 1);
  for (guint age = self->n_samples; age-- > 0; )
    {
      double v = sample_at (self, age);
      double x = 2 + step * (CB_SPARKLINE_N_SAMPLES - 1 - age);
      double y;

      if (isnan (v))
        {
          if (drawing)
            cairo_stroke (cr);
          drawing = FALSE;
          continue;
        }

      y = 2 + (height - 4) * (1.0 - (v - lo) / (hi - lo));
      if (drawing)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      drawing = TRUE;

      if (age == 0)
        {
          cairo_stroke (cr);
          cairo_arc (cr, x, y, 2.5, 0, 2 * G_PI);
          cairo_fill (cr);
          drawing = FALSE;
        }
    }
  if (drawing)
    cairo_stroke (cr);

  cairo_destroy (cr);
}

static void
cb_sparkline_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 40;
      *natural = 60;
    }
  else
    {
      *minimum = 16;
      *natural = 24;
    }
}

static void
cb_sparkline_class_init (CbSparklineClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = cb_sparkline_snapshot;
  widget_class->measure = cb_sparkline_measure;

  gtk_widget_class_set_css_name (widget_class, "sparkline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cb_sparkline_init (CbSparkline *self)
{
  for (guint i = 0; i < CB_SPARKLINE_N_SAMPLES; i++)
    self->samples[i] = NAN;
}

GtkWidget *
cb_sparkline_new (void)
{
  return g_object_new (CB_TYPE_SPARKLINE, NULL);
}

/**
 * cb_sparkline_push:
 * @value: the newest sample, or NAN for "no data"
 *
 * Adds a sample, dropping the oldest once the line is full.
 */
void
cb_sparkline_push (CbSparkline *self,
                   double       value)
{
  g_return_if_fail (CB_IS_SPARKLINE (self));

  self->samples[self->head] = value;
  self->head = (self->head + 1) % CB_SPARKLINE_N_SAMPLES;
  self->n_samples = MIN (self->n_samples + 1, CB_SPARKLINE_N_SAMPLES);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * cb_sparkline_set_samples:
 * @samples: (array length=n_samples): oldest first; NAN for "no data"
 *
 * Replaces the line, keeping at most the newest CB_SPARKLINE_N_SAMPLES.
 */
void
cb_sparkline_set_samples (CbSparkline  *self,
                          const double *samples,
                          guint         n_samples)
{
  g_return_if_fail (CB_IS_SPARKLINE (self));
  g_return_if_fail (samples != NULL || n_samples == 0);

  self->head = 0;
  self->n_samples = 0;
  for (guint i = 0; i < CB_SPARKLINE_N_SAMPLES; i++)
    self->samples[i] = NAN;

  for (guint i = n_samples > CB_SPARKLINE_N_SAMPLES ? n_samples - CB_SPARKLINE_N_SAMPLES : 0;
       i < n_samples; i++)
    {
      self->samples[self->head] = samples[i];
      self->head = (self->head + 1) % CB_SPARKLINE_N_SAMPLES;
      self->n_samples++;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
cb_sparkline_get_n_samples (CbSparkline *self)
{
  g_return_val_if_fail (CB_IS_SPARKLINE (self), 0);
  return self->n_samples;
}

/**
 * cb_sparkline_get_sample:
 * @age: 0 for the newest sample
 *
 * Returns: the sample, or NAN when there is none that old
 */
double
cb_sparkline_get_sample (CbSparkline *self,
                         guint        age)
{
  g_return_val_if_fail (CB_IS_SPARKLINE (self), NAN);

  if (age >= self->n_samples)
    return NAN;
  return sample_at (self, age);
}

/**
 * cb_sparkline_set_range:
 *
 * Always shows at least [@min, @max] (0–100 for a percentage), so a line
 * at 99 % does not fill the height as if it swung wildly.
 */
void
cb_sparkline_set_range (CbSparkline *self,
                        double       min,
                        double       max)
{
  g_return_if_fail (CB_IS_SPARKLINE (self));

  self->fixed_min = min;
  self->fixed_max = max;
  self->has_range = max > min;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
