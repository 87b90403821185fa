/* cb-metric-item.c — one figure on the wallboard, with its formula on demand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A caption, a large value, an optional detail line and an optional
 * sparkline. The value is coloured by the catalog's thresholds (CSS classes
 * kpi-ok, kpi-warning, kpi-critical) in the catalog's direction. Hovering
 * shows, and clicking opens in a popover, what is behind the number: the
 * metric's name, its formula (cb_metric_get_formula ()), the window it was
 * computed over in the user's time zone, and its inputs. "No data" is a
 * dash, never a zero.
 */
#define G_LOG_DOMAIN "cb-metric-item"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "cb-metric-item.h"

enum {
  PROP_0,
  PROP_METRIC_KEY,
  PROP_CAPTION,
  PROP_DIGITS,
  PROP_SHOW_SPARKLINE,
  PROP_COMPACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _CbMetricItem
{
  GtkWidget parent_instance;

  /* template widgets */
  GtkWidget   *button;
  GtkPopover  *popover;
  GtkLabel    *name_label;
  GtkLabel    *formula_label;
  GtkLabel    *window_label;
  GtkLabel    *inputs_label;
  GtkLabel    *note_label;
  GtkLabel    *caption_label;
  GtkLabel    *value_label;
  GtkLabel    *detail_label;
  CbSparkline *sparkline;

  /* owned */
  char        *key;
  char        *caption;
  char        *formula;
  char        *window_text;
  char        *inputs_text;
  char        *note;
  char        *details;
  char        *a11y_label;
  CbMetricValue shown;   /* the value last shown, if shown_any */
  gboolean     shown_any;
  CbMetricId   metric;
  guint        digits;
  gboolean     compact;
  const char  *level;    /* static string or NULL */
};

G_DEFINE_FINAL_TYPE (CbMetricItem, cb_metric_item, GTK_TYPE_WIDGET)

static const char * const level_classes[] = { "kpi-ok", "kpi-warning", "kpi-critical" };

/**
 * cb_format_duration:
 *
 * A duration as a wallboard shows it: "0:42", "12:05", "1:02:09".
 *
 * Returns: (transfer full): the text
 */
char *
cb_format_duration (gint64 ms)
{
  gint64 s = MAX (ms, 0) / 1000;

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60),
                            (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

/**
 * cb_format_metric:
 * @digits: decimals for percentages and rates
 *
 * Formats a value in its unit with the user's locale: grouping, decimal
 * separator, percent spacing.
 *
 * Returns: (transfer full): the text
 */
char *
cb_format_metric (CbMetricUnit unit,
                  double       value,
                  guint        digits)
{
  switch (unit)
    {
    case CB_METRIC_UNIT_MS:
      return cb_format_duration ((gint64) llround (value));

    case CB_METRIC_UNIT_PERCENT:
      /* Translators: a percentage on the wallboard, such as "75 %"; %.*f is the
         number. Use your language's spacing and sign position; keep %% for the sign */
      return g_strdup_printf (C_("wallboard", "%.*f %%"), (int) digits, value);

    case CB_METRIC_UNIT_SCORE:
      return g_strdup_printf ("%.1f", value);

    case CB_METRIC_UNIT_PER_HOUR:
      return g_strdup_printf ("%'.*f", (int) digits, value);

    case CB_METRIC_UNIT_COUNT:
    case CB_METRIC_UNIT_AGENTS:
    default:
      return g_strdup_printf ("%'.0f", value);
    }
}

/**
 * cb_metric_level:
 *
 * Returns: (nullable): "kpi-ok", "kpi-warning" or "kpi-critical" by the
 *   catalog's thresholds and direction; NULL for a metric without
 *   thresholds or without a value
 */
const char *
cb_metric_level (CbMetricId           id,
                 const CbMetricValue *value)
{
  const CbMetricInfo *info = cb_metric_get_info (id);

  g_return_val_if_fail (value != NULL, NULL);

  if (info == NULL || !info->has_thresholds || !value->has_value)
    return NULL;

  if (info->direction == CB_METRIC_DIRECTION_HIGHER_IS_BETTER)
    {
      if (value->value < info->critical)
        return "kpi-critical";
      if (value->value < info->warning)
        return "kpi-warning";
    }
  else if (info->direction == CB_METRIC_DIRECTION_LOWER_IS_BETTER)
    {
      if (value->value >= info->critical)
        return "kpi-critical";
      if (value->value >= info->warning)
        return "kpi-warning";
    }
  return "kpi-ok";
}

static char *
format_instant (gint64   ms,
                gboolean with_date)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (ms / 1000);

  if (dt == NULL)
    return g_strdup ("—");
  /* Translators: a date and time in a metric's window, see strftime(3) */
  return g_date_time_format (dt, with_date ? C_("wallboard", "%x %H:%M") : "%H:%M:%S");
}

static char *
describe_window (const CbMetricValue *value)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  gboolean long_window;

  if (value->to_ms <= value->from_ms)
    return g_strdup (_("Now"));

  long_window = value->to_ms - value->from_ms > 24 * 3600 * 1000;
  from = format_instant (value->from_ms, long_window);
  to = format_instant (value->to_ms, long_window);
  /* Translators: the window a figure was computed over, e.g. "From 00:00:00 to 14:05:12" */
  return g_strdup_printf (_("From %s to %s"), from, to);
}

static char *
describe_number (double v)
{
  if (fabs (v - round (v)) < 1e-9)
    return g_strdup_printf ("%'.0f", v);
  return g_strdup_printf ("%'.2f", v);
}

static char *
describe_inputs (CbMetricId           id,
                 const CbMetricValue *value)
{
  const CbMetricInfo *info = cb_metric_get_info (id);
  g_autofree char *num = NULL;
  g_autofree char *den = NULL;

  switch (id)
    {
    case CB_METRIC_ERLANG_AGENTS_NEEDED:
      /* Translators: the inputs of the Erlang C estimate; the first %s is traffic in
         erlangs (a number such as 4.25), the second the agents staffed now */
      return g_strdup_printf (_("Traffic %s erlangs; %s agents staffed now"),
                              num = g_strdup_printf ("%.2f", value->numerator),
                              den = describe_number (value->denominator));
    case CB_METRIC_ERLANG_SL_STAFFED:
      return g_strdup_printf (_("Traffic %s erlangs; %s agents staffed now"),
                              num = g_strdup_printf ("%.2f", value->denominator),
                              den = describe_number (value->numerator));
    case CB_METRIC_LONGEST_WAIT:
    case CB_METRIC_CALLS_WAITING:
      return NULL;
    default:
      break;
    }

  switch (info->unit)
    {
    case CB_METRIC_UNIT_PERCENT:
    case CB_METRIC_UNIT_PER_HOUR:
    case CB_METRIC_UNIT_SCORE:
      num = describe_number (value->numerator);
      den = describe_number (value->denominator);
      break;
    case CB_METRIC_UNIT_MS:
      num = cb_format_duration ((gint64) llround (value->numerator));
      den = describe_number (value->denominator);
      break;
    case CB_METRIC_UNIT_COUNT:
    case CB_METRIC_UNIT_AGENTS:
    default:
      return NULL;
    }

  /* Translators: the inputs of a ratio shown under its formula, e.g. "Inputs: 3 ÷ 4" */
  return g_strdup_printf (_("Inputs: %s ÷ %s"), num, den);
}

/* A screen reader reads "SL 75 %", then the formula and inputs. */
static void
update_accessible (CbMetricItem *self)
{
  g_autofree char *label = g_strdup_printf ("%s %s", gtk_label_get_label (self->caption_label),
                                            gtk_label_get_label (self->value_label));

  if (g_strcmp0 (label, self->a11y_label) == 0)
    return;
  g_free (self->a11y_label);
  self->a11y_label = g_steal_pointer (&label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->a11y_label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->details ? self->details : "",
                                  -1);
}

static gboolean
same_value (const CbMetricValue *a,
            const CbMetricValue *b)
{
  return a->has_value == b->has_value && a->value == b->value && a->numerator == b->numerator
         && a->denominator == b->denominator && a->unit == b->unit && a->from_ms == b->from_ms
         && a->to_ms == b->to_ms;
}

static void
update_details (CbMetricItem *self)
{
  GString *s = g_string_new (NULL);
  const char *name = self->key != NULL ? cb_metric_get_name (self->metric) : self->caption;

  if (name != NULL)
    g_string_append (s, name);
  if (self->formula != NULL)
    g_string_append_printf (s, "\n%s", self->formula);
  if (self->window_text != NULL)
    g_string_append_printf (s, "\n%s", self->window_text);
  if (self->inputs_text != NULL)
    g_string_append_printf (s, "\n%s", self->inputs_text);
  if (self->note != NULL)
    g_string_append_printf (s, "\n%s", self->note);

  if (g_strcmp0 (self->details, s->str) == 0)
    {
      g_string_free (s, TRUE);
      return;
    }
  g_free (self->details);
  self->details = g_string_free (s, FALSE);
  /* The tooltip reads the details when it is asked for (on_query_tooltip ()):
   * setting it makes GTK ask the X server where the pointer is, and the
   * inputs change every second on every item of every tile. */
  g_clear_pointer (&self->a11y_label, g_free);
  update_accessible (self);
}

static gboolean
on_query_tooltip (CbMetricItem *self,
                  int           x,
                  int           y,
                  gboolean      keyboard,
                  GtkTooltip   *tooltip,
                  GtkWidget    *button)
{
  if (self->details == NULL || self->details[0] == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, self->details);
  return TRUE;
}

static void
on_button_clicked (CbMetricItem *self,
                   GtkButton    *button)
{
  const char *name = self->key != NULL ? cb_metric_get_name (self->metric) : self->caption;

  gtk_label_set_label (self->name_label, name ? name : "");
  gtk_label_set_label (self->formula_label, self->formula ? self->formula : "");
  gtk_widget_set_visible (GTK_WIDGET (self->formula_label), self->formula != NULL);
  gtk_label_set_label (self->window_label, self->window_text ? self->window_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->window_label), self->window_text != NULL);
  gtk_label_set_label (self->inputs_label, self->inputs_text ? self->inputs_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->inputs_label), self->inputs_text != NULL);
  gtk_label_set_label (self->note_label, self->note ? self->note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), self->note != NULL);
  gtk_popover_popup (self->popover);
}

static void
cb_metric_item_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  CbMetricItem *self = CB_METRIC_ITEM (widget);

  gtk_widget_measure (self->button, orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
}

static void
cb_metric_item_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  CbMetricItem *self = CB_METRIC_ITEM (widget);

  gtk_widget_allocate (self->button, width, height, baseline, NULL);
  gtk_popover_present (self->popover);
}

static void
replace (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

static void
take (char **field,
      char  *value)
{
  g_free (*field);
  *field = value;
}

static void
cb_metric_item_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CbMetricItem *self = CB_METRIC_ITEM (object);

  switch (prop_id)
    {
    case PROP_METRIC_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_CAPTION:
      g_value_set_string (value, gtk_label_get_label (self->caption_label));
      break;
    case PROP_DIGITS:
      g_value_set_uint (value, self->digits);
      break;
    case PROP_SHOW_SPARKLINE:
      g_value_set_boolean (value, gtk_widget_get_visible (GTK_WIDGET (self->sparkline)));
      break;
    case PROP_COMPACT:
      g_value_set_boolean (value, self->compact);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_metric_item_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CbMetricItem *self = CB_METRIC_ITEM (object);

  switch (prop_id)
    {
    case PROP_METRIC_KEY:
      cb_metric_item_set_metric_key (self, g_value_get_string (value));
      break;
    case PROP_CAPTION:
      cb_metric_item_set_caption (self, g_value_get_string (value));
      break;
    case PROP_DIGITS:
      if (self->digits != g_value_get_uint (value))
        {
          self->digits = g_value_get_uint (value);
          self->shown_any = FALSE;
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_SHOW_SPARKLINE:
      if (gtk_widget_get_visible (GTK_WIDGET (self->sparkline)) != g_value_get_boolean (value))
        {
          gtk_widget_set_visible (GTK_WIDGET (self->sparkline), g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_COMPACT:
      if (self->compact != g_value_get_boolean (value))
        {
          self->compact = g_value_get_boolean (value);
          /* In a tile's narrow columns captions give way to the numbers. */
          gtk_label_set_max_width_chars (self->caption_label, self->compact ? 10 : -1);
          gtk_label_set_max_width_chars (self->detail_label, self->compact ? 16 : -1);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_metric_item_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CB_TYPE_METRIC_ITEM);

  G_OBJECT_CLASS (cb_metric_item_parent_class)->dispose (object);
}

static void
cb_metric_item_finalize (GObject *object)
{
  CbMetricItem *self = CB_METRIC_ITEM (object);

  g_clear_pointer (&self->key, g_free);
  g_clear_pointer (&self->caption, g_free);
  g_clear_pointer (&self->formula, g_free);
  g_clear_pointer (&self->window_text, g_free);
  g_clear_pointer (&self->inputs_text, g_free);
  g_clear_pointer (&self->note, g_free);
  g_clear_pointer (&self->details, g_free);
  g_clear_pointer (&self->a11y_label, g_free);

  G_OBJECT_CLASS (cb_metric_item_parent_class)->finalize (object);
}

static void
cb_metric_item_class_init (CbMetricItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cb_metric_item_get_property;
  object_class->set_property = cb_metric_item_set_property;
  object_class->dispose = cb_metric_item_dispose;
  object_class->finalize = cb_metric_item_finalize;

  properties[PROP_METRIC_KEY] =
    g_param_spec_string ("metric-key", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAPTION] =
    g_param_spec_string ("caption", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIGITS] =
    g_param_spec_uint ("digits", NULL, NULL, 0, 3, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_SPARKLINE] =
    g_param_spec_boolean ("show-sparkline", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPACT] =
    g_param_spec_boolean ("compact", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CB_TYPE_SPARKLINE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/cb-metric-item.ui");
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, button);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, popover);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, name_label);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, formula_label);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, window_label);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, inputs_label);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, note_label);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, caption_label);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, value_label);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, detail_label);
  gtk_widget_class_bind_template_child (widget_class, CbMetricItem, sparkline);
  gtk_widget_class_bind_template_callback (widget_class, on_button_clicked);

  widget_class->measure = cb_metric_item_measure;
  widget_class->size_allocate = cb_metric_item_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "metricitem");
}

static void
cb_metric_item_init (CbMetricItem *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->metric = CB_METRIC_N_METRICS;
  gtk_widget_set_has_tooltip (self->button, TRUE);
  g_signal_connect_object (self->button, "query-tooltip", G_CALLBACK (on_query_tooltip), self,
                           G_CONNECT_SWAPPED);
}

GtkWidget *
cb_metric_item_new (void)
{
  return g_object_new (CB_TYPE_METRIC_ITEM, NULL);
}

/**
 * cb_metric_item_set_metric_key:
 * @key: (nullable): a catalog key such as "service-level"
 *
 * Which metric the item shows; its short name becomes the caption unless
 * a caption was set.
 */
void
cb_metric_item_set_metric_key (CbMetricItem *self,
                               const char   *key)
{
  guint n = 0;
  const CbMetricInfo *catalog;

  g_return_if_fail (CB_IS_METRIC_ITEM (self));

  if (g_strcmp0 (self->key, key) == 0)
    return;

  replace (&self->key, key);
  self->metric = CB_METRIC_N_METRICS;
  self->shown_any = FALSE;
  catalog = cb_metric_get_catalog (&n);
  for (guint i = 0; key != NULL && i < n; i++)
    if (g_strcmp0 (catalog[i].key, key) == 0)
      self->metric = catalog[i].id;

  if (key != NULL && self->metric == CB_METRIC_N_METRICS)
    g_critical ("No metric has the key “%s”", key);

  if (self->caption == NULL && self->metric < CB_METRIC_N_METRICS)
    gtk_label_set_label (self->caption_label, cb_metric_get_short_name (self->metric));
  if (self->metric < CB_METRIC_N_METRICS)
    replace (&self->formula, cb_metric_get_formula (self->metric, NULL));

  update_details (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METRIC_KEY]);
}

CbMetricId
cb_metric_item_get_metric (CbMetricItem *self)
{
  g_return_val_if_fail (CB_IS_METRIC_ITEM (self), CB_METRIC_N_METRICS);
  return self->metric;
}

void
cb_metric_item_set_caption (CbMetricItem *self,
                            const char   *caption)
{
  g_return_if_fail (CB_IS_METRIC_ITEM (self));

  if (g_strcmp0 (self->caption, caption) == 0)
    return;

  replace (&self->caption, caption);
  if (caption != NULL)
    gtk_label_set_label (self->caption_label, caption);
  else if (self->metric < CB_METRIC_N_METRICS)
    gtk_label_set_label (self->caption_label, cb_metric_get_short_name (self->metric));
  update_details (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTION]);
}

/**
 * cb_metric_item_set_level:
 * @level: (nullable): "kpi-ok", "kpi-warning", "kpi-critical" or NULL
 */
void
cb_metric_item_set_level (CbMetricItem *self,
                          const char   *level)
{
  g_return_if_fail (CB_IS_METRIC_ITEM (self));

  self->level = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (level_classes); i++)
    {
      if (g_strcmp0 (level, level_classes[i]) == 0)
        {
          self->level = level_classes[i];
          gtk_widget_add_css_class (GTK_WIDGET (self), level_classes[i]);
        }
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self), level_classes[i]);
    }
}

/**
 * cb_metric_item_show_value:
 * @params: (nullable): the variant the value was computed with, for its formula
 *
 * Shows a computed value, its threshold colour and what is behind it.
 */
void
cb_metric_item_show_value (CbMetricItem         *self,
                           const CbMetricValue  *value,
                           const CbMetricParams *params)
{
  g_autofree char *text = NULL;

  g_return_if_fail (CB_IS_METRIC_ITEM (self));
  g_return_if_fail (value != NULL);
  g_return_if_fail (self->metric < CB_METRIC_N_METRICS);

  /* The same figure over the same window, with the same formula (the live
   * ones, most frames): nothing to say again. */
  if (self->shown_any && same_value (&self->shown, value)
      && g_strcmp0 (self->formula, cb_metric_get_formula (self->metric, params)) == 0)
    return;
  self->shown = *value;
  self->shown_any = TRUE;

  text = value->has_value ? cb_format_metric (value->unit, value->value, self->digits)
                          : g_strdup ("—");
  gtk_label_set_label (self->value_label, text);
  cb_metric_item_set_level (self, cb_metric_level (self->metric, value));

  replace (&self->formula, cb_metric_get_formula (self->metric, params));
  take (&self->window_text, describe_window (value));
  take (&self->inputs_text, value->has_value || value->denominator > 0
                            ? describe_inputs (self->metric, value)
                            : g_strdup (_("No data: nothing to divide by yet")));
  update_details (self);
  update_accessible (self);
}

/**
 * cb_metric_item_show_text:
 * @detail: (nullable): the smaller line under the value
 *
 * Shows a figure that is not a computed metric (a backend's own counter,
 * a mode) or the detail line of one.
 */
void
cb_metric_item_show_text (CbMetricItem *self,
                          const char   *text,
                          const char   *detail)
{
  g_return_if_fail (CB_IS_METRIC_ITEM (self));

  if (text != NULL)
    {
      gtk_label_set_label (self->value_label, text);
      /* The label no longer shows the value: the next one is shown anew. */
      self->shown_any = FALSE;
    }
  gtk_label_set_label (self->detail_label, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), detail != NULL && *detail != '\0');
  update_accessible (self);
}

/**
 * cb_metric_item_set_note:
 * @note: (nullable): a sentence added to the formula in the popover
 */
void
cb_metric_item_set_note (CbMetricItem *self,
                         const char   *note)
{
  g_return_if_fail (CB_IS_METRIC_ITEM (self));

  if (g_strcmp0 (self->note, note) == 0)
    return;
  replace (&self->note, note);
  update_details (self);
}

const char *
cb_metric_item_get_text (CbMetricItem *self)
{
  g_return_val_if_fail (CB_IS_METRIC_ITEM (self), NULL);
  return gtk_label_get_label (self->value_label);
}

const char *
cb_metric_item_get_level (CbMetricItem *self)
{
  g_return_val_if_fail (CB_IS_METRIC_ITEM (self), NULL);
  return self->level;
}

/**
 * cb_metric_item_get_details:
 *
 * Returns: the name, formula, window and inputs, one a line, as the
 *   tooltip and the popover show them
 */
const char *
cb_metric_item_get_details (CbMetricItem *self)
{
  g_return_val_if_fail (CB_IS_METRIC_ITEM (self), NULL);
  return self->details;
}

CbSparkline *
cb_metric_item_get_sparkline (CbMetricItem *self)
{
  g_return_val_if_fail (CB_IS_METRIC_ITEM (self), NULL);
  return self->sparkline;
}
