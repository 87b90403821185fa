/* cb-interval-chart.c — today's calls per quarter hour, with the service level
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three bars a quarter hour — offered, answered, abandoned, counted at the
 * instants of docs/metrics.md §10 — on the left axis, and the quarter's
 * service level as a line on the right axis (0–100 %), with the target as a
 * dashed line. It shows the day from the first hour with calls (08:00 at
 * the latest) to the end of the current hour, so a morning's bars are not
 * squeezed into a 24-hour axis. Colours are libadwaita's named colours;
 * hovering a quarter shows its figures, and the day's are the accessible
 * description.
 */
#define G_LOG_DOMAIN "cb-interval-chart"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "cb-interval-chart.h"

#define QUARTER_MS G_GINT64_CONSTANT (900000)

/* The plot's margins, for the axes' labels and the legend. */
#define LEFT   48.0
#define RIGHT  52.0
#define TOP    30.0
#define BOTTOM 26.0

struct _CbIntervalChart
{
  GtkWidget         parent_instance;

  CbMetricInterval *intervals;
  guint             n_intervals;
  guint             first;      /* the shown range of intervals */
  guint             last;       /* exclusive */
  double            target;
  gint64            now_ms;
};

G_DEFINE_FINAL_TYPE (CbIntervalChart, cb_interval_chart, GTK_TYPE_WIDGET)

static GdkRGBA
named_color (GtkWidget  *widget,
             const char *name,
             double      alpha)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  GdkRGBA color;

  if (!gtk_style_context_lookup_color (context, name, &color))
    gtk_style_context_get_color (context, &color);
  color.alpha *= alpha;
  return color;
}

static void
draw_text (cairo_t     *cr,
           GtkWidget   *widget,
           const char  *text,
           double       x,
           double       y,
           double       xalign,
           const GdkRGBA *color)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, x - w * xalign, y - h / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static double
nice_max (guint max)
{
  static const double steps[] = { 1, 2, 5 };
  double scale = 1;

  if (max < 4)
    return 4;
  for (;;)
    for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
      if (steps[i] * scale * 4 >= max)
        return steps[i] * scale * 4;
      else if (i == G_N_ELEMENTS (steps) - 1)
        scale *= 10;
}

static void
cb_interval_chart_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  CbIntervalChart *self = CB_INTERVAL_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  const double left = LEFT, right = RIGHT, top = TOP, bottom = BOTTOM;
  double plot_w = width - left - right, plot_h = height - top - bottom;
  GdkRGBA fg, grid, offered_c, answered_c, abandoned_c, sl_c, target_c;
  guint max_count = 0, n;
  double ymax, slot, bar;
  cairo_t *cr;
  gboolean drawing = FALSE;

  if (self->last <= self->first || plot_w < 50 || plot_h < 40)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  grid = fg;
  grid.alpha *= 0.12;
  offered_c = fg;
  offered_c.alpha *= 0.35;
  answered_c = named_color (widget, "accent_color", 1.0);
  abandoned_c = named_color (widget, "error_color", 1.0);
  sl_c = named_color (widget, "success_color", 1.0);
  target_c = named_color (widget, "warning_color", 1.0);

  n = self->last - self->first;
  for (guint i = self->first; i < self->last; i++)
    max_count = MAX (max_count, MAX (self->intervals[i].offered,
                                     MAX (self->intervals[i].answered,
                                          self->intervals[i].abandoned)));
  ymax = nice_max (max_count);
  slot = plot_w / n;
  bar = MAX (1.0, (slot - 2) / 3.0);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  /* The grid and both axes' labels. */
  cairo_set_line_width (cr, 1);
  for (guint k = 0; k <= 4; k++)
    {
      double y = top + plot_h * (1.0 - k / 4.0);
      g_autofree char *count = g_strdup_printf ("%'.0f", ymax * k / 4.0);
      g_autofree char *pct = g_strdup_printf (C_("wallboard", "%.*f %%"), 0, 100.0 * k / 4.0);

      gdk_cairo_set_source_rgba (cr, &grid);
      cairo_move_to (cr, left, floor (y) + 0.5);
      cairo_line_to (cr, left + plot_w, floor (y) + 0.5);
      cairo_stroke (cr);
      draw_text (cr, widget, count, left - 6, y, 1.0, &offered_c);
      draw_text (cr, widget, pct, left + plot_w + 6, y, 0.0, &sl_c);
    }

  for (guint i = self->first; i < self->last; i++)
    {
      const CbMetricInterval *iv = &self->intervals[i];
      double x = left + slot * (i - self->first) + 1;
      g_autoptr(GDateTime) start = g_date_time_new_from_unix_local (iv->start_ms / 1000);

      if (start != NULL && g_date_time_get_minute (start) == 0
          && (n <= 48 || g_date_time_get_hour (start) % 2 == 0))
        {
          g_autofree char *hour = g_date_time_format (start, "%H:%M");

          draw_text (cr, widget, hour, x, top + plot_h + bottom / 2.0 + 2, 0.0, &offered_c);
          gdk_cairo_set_source_rgba (cr, &grid);
          cairo_move_to (cr, floor (x) + 0.5, top);
          cairo_line_to (cr, floor (x) + 0.5, top + plot_h);
          cairo_stroke (cr);
        }

      if (iv->start_ms > self->now_ms)
        continue;

      gdk_cairo_set_source_rgba (cr, &offered_c);
      cairo_rectangle (cr, x, top + plot_h * (1 - iv->offered / ymax), bar,
                       plot_h * iv->offered / ymax);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &answered_c);
      cairo_rectangle (cr, x + bar, top + plot_h * (1 - iv->answered / ymax), bar,
                       plot_h * iv->answered / ymax);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &abandoned_c);
      cairo_rectangle (cr, x + 2 * bar, top + plot_h * (1 - iv->abandoned / ymax), bar,
                       plot_h * iv->abandoned / ymax);
      cairo_fill (cr);
    }

  /* The target, dashed, and the service level per quarter. */
  if (self->target > 0)
    {
      double y = top + plot_h * (1 - self->target / 100.0);
      const double dash[] = { 6, 4 };

      cairo_save (cr);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_set_line_width (cr, 1.5);
      gdk_cairo_set_source_rgba (cr, &target_c);
      cairo_move_to (cr, left, y);
      cairo_line_to (cr, left + plot_w, y);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  cairo_set_line_width (cr, 2.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  gdk_cairo_set_source_rgba (cr, &sl_c);
  for (guint i = self->first; i < self->last; i++)
    {
      const CbMetricInterval *iv = &self->intervals[i];
      double x = left + slot * (i - self->first + 0.5);
      double y;

      if (!iv->service_level.has_value || iv->start_ms > self->now_ms)
        {
          if (drawing)
            cairo_stroke (cr);
          drawing = FALSE;
          continue;
        }
      y = top + plot_h * (1 - CLAMP (iv->service_level.value, 0, 100) / 100.0);
      if (drawing)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      drawing = TRUE;
    }
  if (drawing)
    cairo_stroke (cr);

  /* The legend */
  {
    struct { const char *label; const GdkRGBA *color; } legend[] = {
      /* Translators: legend of the interval chart */
      { C_("interval chart", "Offered"), &offered_c },
      { C_("interval chart", "Answered"), &answered_c },
      { C_("interval chart", "Abandoned"), &abandoned_c },
      /* Translators: legend of the interval chart: the service level line */
      { C_("interval chart", "Service level"), &sl_c },
      { C_("interval chart", "Target"), &target_c },
    };
    double x = left;

    for (guint i = 0; i < G_N_ELEMENTS (legend); i++)
      {
        PangoLayout *layout = gtk_widget_create_pango_layout (widget, legend[i].label);
        int w, h;

        pango_layout_get_pixel_size (layout, &w, &h);
        gdk_cairo_set_source_rgba (cr, legend[i].color);
        cairo_rectangle (cr, x, top / 2.0 - 5, 10, 10);
        cairo_fill (cr);
        gdk_cairo_set_source_rgba (cr, &fg);
        cairo_move_to (cr, x + 16, top / 2.0 - h / 2.0);
        pango_cairo_show_layout (cr, layout);
        x += 16 + w + 20;
        g_object_unref (layout);
      }
  }

  cairo_destroy (cr);
}

/* Hovering a quarter names it and its figures. */
static gboolean
cb_interval_chart_query_tooltip (GtkWidget  *widget,
                                 int         x,
                                 int         y,
                                 gboolean    keyboard,
                                 GtkTooltip *tooltip)
{
  CbIntervalChart *self = CB_INTERVAL_CHART (widget);
  double plot_w = gtk_widget_get_width (widget) - LEFT - RIGHT;
  guint n = self->last - self->first;
  g_autofree char *text = NULL;

  if (keyboard || n == 0 || plot_w <= 0 || x < LEFT || x >= LEFT + plot_w)
    return FALSE;

  text = cb_interval_chart_describe (self, self->first + (guint) ((x - LEFT) / (plot_w / n)));
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
cb_interval_chart_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 140;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 400 : 220;
}

static void
cb_interval_chart_finalize (GObject *object)
{
  CbIntervalChart *self = CB_INTERVAL_CHART (object);

  g_clear_pointer (&self->intervals, g_free);

  G_OBJECT_CLASS (cb_interval_chart_parent_class)->finalize (object);
}

static void
cb_interval_chart_class_init (CbIntervalChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = cb_interval_chart_finalize;
  widget_class->snapshot = cb_interval_chart_snapshot;
  widget_class->measure = cb_interval_chart_measure;
  widget_class->query_tooltip = cb_interval_chart_query_tooltip;

  gtk_widget_class_set_css_name (widget_class, "intervalchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
cb_interval_chart_init (CbIntervalChart *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
}

GtkWidget *
cb_interval_chart_new (void)
{
  return g_object_new (CB_TYPE_INTERVAL_CHART, NULL);
}

/**
 * cb_interval_chart_set_intervals:
 * @intervals: (array length=n_intervals): today's quarters, as
 *   cb_metrics_get_intervals_today () returns them; copied
 * @sl_target_pct: the target line, or 0 for none
 * @now_ms: quarters after it are not drawn
 */
void
cb_interval_chart_set_intervals (CbIntervalChart        *self,
                                 const CbMetricInterval *intervals,
                                 guint                   n_intervals,
                                 double                  sl_target_pct,
                                 gint64                  now_ms)
{
  guint first_data = G_MAXUINT, now_index = 0, first, last;
  guint total_offered = 0, total_answered = 0, total_abandoned = 0;
  g_autofree char *summary = NULL;

  g_return_if_fail (CB_IS_INTERVAL_CHART (self));
  g_return_if_fail (intervals != NULL || n_intervals == 0);

  /* Redraw only for new figures or a new quarter, not for every "now". */
  if (n_intervals == self->n_intervals && sl_target_pct == self->target
      && now_ms / QUARTER_MS == self->now_ms / QUARTER_MS
      && (n_intervals == 0 || memcmp (intervals, self->intervals,
                                      n_intervals * sizeof *intervals) == 0))
    {
      self->now_ms = now_ms;
      return;
    }

  g_free (self->intervals);
  self->intervals = n_intervals > 0 ? g_memdup2 (intervals, n_intervals * sizeof *intervals) : NULL;
  self->n_intervals = n_intervals;
  self->target = sl_target_pct;
  self->now_ms = now_ms;

  for (guint i = 0; i < n_intervals; i++)
    {
      if (first_data == G_MAXUINT && (intervals[i].offered || intervals[i].answered
                                      || intervals[i].abandoned))
        first_data = i;
      if (intervals[i].start_ms <= now_ms)
        now_index = i;
      total_offered += intervals[i].offered;
      total_answered += intervals[i].answered;
      total_abandoned += intervals[i].abandoned;
    }

  /* From the first hour with calls, 08:00 at the latest, to the end of
   * the hour now is in. Quarters are 4 an hour except on DST days, where
   * rounding to 4 is still within the hour of the change. */
  first = MIN (first_data, 32u);
  first -= first % 4;
  last = MIN (n_intervals, now_index + 4 - now_index % 4);
  if (last <= first)
    last = MIN (n_intervals, first + 4);
  self->first = n_intervals > 0 ? first : 0;
  self->last = n_intervals > 0 ? last : 0;

  /* Translators: the interval chart's accessible summary; each %u is a count */
  summary = g_strdup_printf (_("Today: %u offered, %u answered, %u abandoned"),
                             total_offered, total_answered, total_abandoned);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  summary, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
cb_interval_chart_get_n_shown (CbIntervalChart *self)
{
  g_return_val_if_fail (CB_IS_INTERVAL_CHART (self), 0);
  return self->last - self->first;
}

/**
 * cb_interval_chart_describe:
 * @index: a quarter of the day, 0 for the one from midnight
 *
 * Returns: (transfer full) (nullable): the quarter and its figures, as its
 *   tooltip says them; NULL for a quarter not shown or still to come
 */
char *
cb_interval_chart_describe (CbIntervalChart *self,
                            guint            index)
{
  const CbMetricInterval *iv;
  g_autoptr(GDateTime) start = NULL, end = NULL;
  g_autofree char *from = NULL, *to = NULL, *sl = NULL;

  g_return_val_if_fail (CB_IS_INTERVAL_CHART (self), NULL);

  if (index < self->first || index >= self->last || self->intervals[index].start_ms > self->now_ms)
    return NULL;

  iv = &self->intervals[index];
  start = g_date_time_new_from_unix_local (iv->start_ms / 1000);
  end = g_date_time_new_from_unix_local (iv->end_ms / 1000);
  from = g_date_time_format (start, "%H:%M");
  to = g_date_time_format (end, "%H:%M");
  sl = iv->service_level.has_value
       ? g_strdup_printf (C_("wallboard", "%.*f %%"), 0, iv->service_level.value)
       : g_strdup ("—");
  /* Translators: the tooltip of a quarter hour on the interval chart; the first two
     %s are times (10:00, 10:15), the %u counts of calls, the last %s a service level */
  return g_strdup_printf (_("%s–%s: %u offered, %u answered, %u abandoned; service level %s"),
                          from, to, iv->offered, iv->answered, iv->abandoned, sl);
}
