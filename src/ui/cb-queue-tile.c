/* cb-queue-tile.c — one inbound queue on the wallboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The queue's name and service-level target, then its figures: calls
 * waiting, longest wait and service level large; ASA, abandonment and AHT
 * with an hour's sparkline each; offered and answered today; and the
 * Erlang C estimate of the agents needed at the last hour's traffic against
 * the agents staffed now. Every figure comes from CbMetrics, the same
 * engine and formulas as docs/metrics.md, for this queue only.
 *
 * When the console has not seen the whole day (it connected after the
 * backend's day began, and the calls that ended before are not in its
 * journal), its own count of the day is short: the day's figures then come
 * from the backend's counters (`stats`, the normative protocol formulas),
 * and the popover says so. The state figures and the lines stay the
 * console's own.
 *
 * The sparklines hold one sample a minute: for the period figures the
 * rolling 15 minutes ending at that minute (seeded from the engine's
 * history when the tile first sees data, so the line is full at once),
 * for the state figures (waiting, longest wait) the value at that minute,
 * which can only be sampled as it happens.
 */
#define G_LOG_DOMAIN "cb-queue-tile"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "cb-queue-tile.h"

#define MINUTE_MS G_GINT64_CONSTANT (60000)

struct _CbQueueTile
{
  GtkWidget parent_instance;

  /* template widgets */
  GtkWidget    *box;
  GtkLabel     *name_label;
  GtkLabel     *target_label;
  CbMetricItem *waiting_item;
  CbMetricItem *longest_item;
  CbMetricItem *sl_item;
  CbMetricItem *asa_item;
  CbMetricItem *abandon_item;
  CbMetricItem *aht_item;
  CbMetricItem *volume_item;
  CbMetricItem *erlang_item;

  /* owned */
  char         *queue_id;
  CbBoardTile  *board_tile;    /* the board's thresholds, or NULL */
  gint64        last_minute;   /* the minute of the newest sparkline sample */
  const char   *level;
};

G_DEFINE_FINAL_TYPE (CbQueueTile, cb_queue_tile, GTK_TYPE_WIDGET)

/* The period figures with a sparkline, over the rolling 15 minutes. */
static const CbMetricId trend_metrics[] = {
  CB_METRIC_SERVICE_LEVEL, CB_METRIC_ASA, CB_METRIC_ABANDON_RATE, CB_METRIC_AHT,
};

/**
 * cb_service_level_variant_describe:
 *
 * Returns: the variant as the tile names it, translated
 */
const char *
cb_service_level_variant_describe (CbServiceLevelVariant variant)
{
  switch (variant)
    {
    case CB_SL_OF_ANSWERED:
      /* Translators: a service-level variant shown on a queue tile: answered within T ÷ answered.
         Keep these short */
      return C_("sl variant", "of answered");
    case CB_SL_OF_OFFERED:
      /* Translators: a service-level variant: answered within T ÷ offered */
      return C_("sl variant", "of offered");
    case CB_SL_ABANDON_NEUTRAL:
      /* Translators: a service-level variant: early abandons count as in service level */
      return C_("sl variant", "abandons neutral");
    case CB_SL_PROTOCOL:
    default:
      /* Translators: a service-level variant, under SL on a queue tile: answered within T ÷
         (answered + abandoned), so abandons count against it. Keep it short */
      return C_("sl variant", "incl. abandons");
    }
}

/* The board's own thresholds, where it has some, over the catalog's. */
static void
show_value (CbQueueTile          *self,
            CbMetricItem         *item,
            const CbMetricValue  *value,
            const CbMetricParams *params)
{
  cb_metric_item_show_value (item, value, params);
  if (self->board_tile != NULL
      && cb_board_tile_get_threshold (self->board_tile, cb_metric_item_get_metric (item)) != NULL)
    cb_metric_item_set_level (item, cb_board_tile_level (self->board_tile,
                                                         cb_metric_item_get_metric (item), value));
}

/* Whether @stats has the number @member (see cb_json_value_lookup_number ()). */
static gboolean
stats_int (const CbJsonValue *stats,
           const char        *member,
           gint64            *out)
{
  double value;

  if (!cb_json_value_lookup_number (stats, member, &value))
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

/**
 * cb_queue_counters_read:
 * @queue: (nullable): a queue entity
 *
 * Returns: whether @queue has the day's counters
 */
gboolean
cb_queue_counters_read (CbEntity        *queue,
                        CbQueueCounters *out)
{
  const CbJsonValue *stats = queue != NULL ? cb_entity_get_object (queue, "stats") : NULL;
  gint64 asa = 0, aht = 0;

  g_return_val_if_fail (out != NULL, FALSE);

  *out = (CbQueueCounters) { 0 };
  if (!stats_int (stats, "offered_today", &out->offered)
      || !stats_int (stats, "answered_today", &out->answered)
      || !stats_int (stats, "abandoned_today", &out->abandoned)
      || !stats_int (stats, "answered_in_sl_today", &out->answered_in_sl))
    return FALSE;
  if (stats_int (stats, "avg_answer_ms_today", &asa))
    {
      out->asa_answered = out->answered;
      out->asa_sum_ms = (double) asa * out->answered;
    }
  if (stats_int (stats, "avg_handle_ms_today", &aht))
    {
      out->aht_answered = out->answered;
      out->aht_sum_ms = (double) aht * out->answered;
    }
  out->known = TRUE;
  return TRUE;
}

void
cb_queue_counters_add (CbQueueCounters       *sum,
                       const CbQueueCounters *counters)
{
  g_return_if_fail (sum != NULL && counters != NULL);

  if (!counters->known)
    return;
  sum->known = TRUE;
  sum->offered += counters->offered;
  sum->answered += counters->answered;
  sum->abandoned += counters->abandoned;
  sum->answered_in_sl += counters->answered_in_sl;
  sum->asa_answered += counters->asa_answered;
  sum->asa_sum_ms += counters->asa_sum_ms;
  sum->aht_answered += counters->aht_answered;
  sum->aht_sum_ms += counters->aht_sum_ms;
}

static void
set_ratio (CbMetricValue *out,
           double         numerator,
           double         denominator,
           double         scale)
{
  out->numerator = numerator;
  out->denominator = denominator;
  out->has_value = denominator > 0;
  out->value = denominator > 0 ? scale * numerator / denominator : 0;
}

/**
 * cb_queue_counters_value:
 *
 * The figure @id of today from the backend's counters, by the catalog's
 * formula. A variant the counters cannot give (abandons within the
 * threshold, another threshold, short abandons) is no data.
 *
 * Returns: whether @id is one the counters give
 */
gboolean
cb_queue_counters_value (const CbQueueCounters *c,
                         CbMetricId             id,
                         const CbMetricParams  *params,
                         gint64                 from_ms,
                         gint64                 to_ms,
                         CbMetricValue         *out)
{
  const CbMetricInfo *info = cb_metric_get_info (id);
  gboolean custom = params != NULL && (params->sl_threshold_ms > 0 || params->short_abandon_ms > 0);

  g_return_val_if_fail (c != NULL && out != NULL && info != NULL, FALSE);

  *out = (CbMetricValue) { 0 };
  out->unit = info->unit;
  out->from_ms = from_ms;
  out->to_ms = to_ms;
  if (!c->known)
    return FALSE;

  switch (id)
    {
    case CB_METRIC_SERVICE_LEVEL:
      if (custom)
        break;
      switch (params != NULL ? params->sl_variant : CB_SL_PROTOCOL)
        {
        case CB_SL_OF_ANSWERED:
          set_ratio (out, c->answered_in_sl, c->answered, 100);
          break;
        case CB_SL_OF_OFFERED:
          set_ratio (out, c->answered_in_sl, c->offered, 100);
          break;
        case CB_SL_ABANDON_NEUTRAL:
          break;  /* the counters do not say who abandoned within T */
        case CB_SL_PROTOCOL:
        default:
          set_ratio (out, c->answered_in_sl, c->answered + c->abandoned, 100);
          break;
        }
      break;
    case CB_METRIC_ASA:
      set_ratio (out, c->asa_sum_ms, c->asa_answered, 1);
      break;
    case CB_METRIC_AHT:
      set_ratio (out, c->aht_sum_ms, c->aht_answered, 1);
      break;
    case CB_METRIC_ABANDON_RATE:
      if (!custom)
        set_ratio (out, c->abandoned, c->offered, 100);
      break;
    case CB_METRIC_OFFERED:
      set_ratio (out, c->offered, 1, 1);
      break;
    case CB_METRIC_ANSWERED:
      set_ratio (out, c->answered, 1, 1);
      break;
    case CB_METRIC_ABANDONED:
      set_ratio (out, c->abandoned, 1, 1);
      break;
    default:
      return FALSE;
    }
  return TRUE;
}

static CbMetricItem *
item_for (CbQueueTile *self,
          CbMetricId   id)
{
  switch (id)
    {
    case CB_METRIC_CALLS_WAITING:        return self->waiting_item;
    case CB_METRIC_LONGEST_WAIT:         return self->longest_item;
    case CB_METRIC_SERVICE_LEVEL:        return self->sl_item;
    case CB_METRIC_ASA:                  return self->asa_item;
    case CB_METRIC_ABANDON_RATE:         return self->abandon_item;
    case CB_METRIC_AHT:                  return self->aht_item;
    case CB_METRIC_OFFERED:              return self->volume_item;
    case CB_METRIC_ERLANG_AGENTS_NEEDED: return self->erlang_item;
    default:                             return NULL;
    }
}

static double
sample_value (CbMetrics            *metrics,
              CbMetricId            id,
              const CbMetricScope  *scope,
              const CbMetricParams *params,
              gint64                at_ms)
{
  CbMetricWindow window = { CB_METRIC_WINDOW_LAST_15, 0, 0 };
  CbMetricValue v = { 0 };

  if (!cb_metrics_compute (metrics, id, scope, &window, params, at_ms, &v) || !v.has_value)
    return NAN;
  return v.value;
}

/* Keeps one sample a minute; a first look (or a gap of over an hour)
 * refills the period lines from the engine's history. */
static void
update_sparklines (CbQueueTile          *self,
                   CbMetrics            *metrics,
                   const CbMetricScope  *scope,
                   const CbMetricParams *params,
                   gint64                now_ms,
                   const CbMetricValue  *waiting,
                   const CbMetricValue  *longest)
{
  gint64 minute = now_ms / MINUTE_MS;

  if (minute == self->last_minute)
    return;

  if (self->last_minute == 0 || minute - self->last_minute >= CB_SPARKLINE_N_SAMPLES
      || minute < self->last_minute)
    {
      for (guint m = 0; m < G_N_ELEMENTS (trend_metrics); m++)
        {
          CbMetricItem *item = item_for (self, trend_metrics[m]);
          double samples[CB_SPARKLINE_N_SAMPLES];

          for (guint i = 0; i < CB_SPARKLINE_N_SAMPLES; i++)
            {
              gint64 at = (minute - (CB_SPARKLINE_N_SAMPLES - 1 - i)) * MINUTE_MS;

              samples[i] = sample_value (metrics, trend_metrics[m], scope, params,
                                         i == CB_SPARKLINE_N_SAMPLES - 1 ? now_ms : at);
            }
          cb_sparkline_set_samples (cb_metric_item_get_sparkline (item), samples,
                                    CB_SPARKLINE_N_SAMPLES);
        }
      cb_sparkline_set_samples (cb_metric_item_get_sparkline (self->waiting_item), NULL, 0);
      cb_sparkline_set_samples (cb_metric_item_get_sparkline (self->longest_item), NULL, 0);
    }
  else
    {
      for (gint64 m = self->last_minute + 1; m <= minute; m++)
        {
          gint64 at = m == minute ? now_ms : m * MINUTE_MS;

          for (guint i = 0; i < G_N_ELEMENTS (trend_metrics); i++)
            cb_sparkline_push (cb_metric_item_get_sparkline (item_for (self, trend_metrics[i])),
                               sample_value (metrics, trend_metrics[i], scope, params, at));
          /* State figures: only now is known; earlier missed minutes stay gaps. */
          cb_sparkline_push (cb_metric_item_get_sparkline (self->waiting_item),
                             m == minute && waiting->has_value ? waiting->value : NAN);
          cb_sparkline_push (cb_metric_item_get_sparkline (self->longest_item),
                             m == minute ? (longest->has_value ? longest->value : 0) : NAN);
        }
    }
  self->last_minute = minute;
}

static void
set_tile_level (CbQueueTile *self,
                const char  *level)
{
  static const char * const classes[] = { "kpi-ok", "kpi-warning", "kpi-critical" };

  self->level = level;
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    {
      if (g_strcmp0 (classes[i], level) == 0)
        gtk_widget_add_css_class (self->box, classes[i]);
      else
        gtk_widget_remove_css_class (self->box, classes[i]);
    }
}

static int
level_rank (const char *level)
{
  if (g_strcmp0 (level, "kpi-critical") == 0)
    return 2;
  if (g_strcmp0 (level, "kpi-warning") == 0)
    return 1;
  return 0;
}

static void
cb_queue_tile_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CB_TYPE_QUEUE_TILE);

  G_OBJECT_CLASS (cb_queue_tile_parent_class)->dispose (object);
}

static void
cb_queue_tile_finalize (GObject *object)
{
  CbQueueTile *self = CB_QUEUE_TILE (object);

  g_clear_pointer (&self->queue_id, g_free);
  g_clear_pointer (&self->board_tile, cb_board_tile_free);

  G_OBJECT_CLASS (cb_queue_tile_parent_class)->finalize (object);
}

static void
cb_queue_tile_class_init (CbQueueTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cb_queue_tile_dispose;
  object_class->finalize = cb_queue_tile_finalize;

  g_type_ensure (CB_TYPE_METRIC_ITEM);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/cb-queue-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, box);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, name_label);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, target_label);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, waiting_item);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, longest_item);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, sl_item);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, asa_item);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, abandon_item);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, aht_item);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, volume_item);
  gtk_widget_class_bind_template_child (widget_class, CbQueueTile, erlang_item);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "queuetile");
}

static void
cb_queue_tile_init (CbQueueTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  cb_sparkline_set_range (cb_metric_item_get_sparkline (self->sl_item), 0, 100);
  cb_metric_item_set_note (self->longest_item,
                           _("The line: the longest wait at each minute of the last hour."));
  cb_metric_item_set_note (self->waiting_item,
                           _("The line: calls waiting at each minute of the last hour."));
  for (guint i = 0; i < G_N_ELEMENTS (trend_metrics); i++)
    cb_metric_item_set_note (item_for (self, trend_metrics[i]),
                             _("The line: the last 15 minutes at each minute of the last hour."));
}

GtkWidget *
cb_queue_tile_new (const char *queue_id)
{
  CbQueueTile *self;

  g_return_val_if_fail (queue_id != NULL, NULL);

  self = g_object_new (CB_TYPE_QUEUE_TILE, NULL);
  self->queue_id = g_strdup (queue_id);
  gtk_label_set_label (self->name_label, queue_id);
  return GTK_WIDGET (self);
}

const char *
cb_queue_tile_get_queue_id (CbQueueTile *self)
{
  g_return_val_if_fail (CB_IS_QUEUE_TILE (self), NULL);
  return self->queue_id;
}

/**
 * cb_queue_tile_set_board_tile:
 * @tile: (nullable): the board's tile the queue is shown for, for its
 *   thresholds; copied
 */
void
cb_queue_tile_set_board_tile (CbQueueTile       *self,
                              const CbBoardTile *tile)
{
  g_return_if_fail (CB_IS_QUEUE_TILE (self));

  g_clear_pointer (&self->board_tile, cb_board_tile_free);
  if (tile != NULL)
    self->board_tile = cb_board_tile_copy (tile);
}

static void
update_level (CbQueueTile *self)
{
  int worst = 0;

  for (CbMetricId id = 0; id < CB_METRIC_N_METRICS; id++)
    {
      CbMetricItem *item = item_for (self, id);

      if (item != NULL && id != CB_METRIC_ERLANG_AGENTS_NEEDED)
        worst = MAX (worst, level_rank (cb_metric_item_get_level (item)));
    }
  set_tile_level (self, worst == 2 ? "kpi-critical" : worst == 1 ? "kpi-warning" : NULL);
}

/* Now: calls waiting and the longest wait, which change by the second. */
static void
update_now (CbQueueTile          *self,
            CbMetrics            *metrics,
            const CbMetricParams *params,
            gint64                now_ms,
            CbMetricValue        *waiting,
            CbMetricValue        *longest)
{
  const char *queue_ids[] = { self->queue_id, NULL };
  CbMetricScope scope = { queue_ids, NULL, NULL };
  CbMetricWindow live = { CB_METRIC_WINDOW_LIVE, 0, 0 };

  cb_metrics_compute (metrics, CB_METRIC_CALLS_WAITING, &scope, &live, params, now_ms, waiting);
  show_value (self, self->waiting_item, waiting, params);
  cb_metrics_compute (metrics, CB_METRIC_LONGEST_WAIT, &scope, &live, params, now_ms, longest);
  show_value (self, self->longest_item, longest, params);
  if (!longest->has_value && waiting->has_value)
    {
      g_autofree char *zero = cb_format_duration (0);

      /* Nobody waits: a real zero, not a missing figure. */
      cb_metric_item_show_text (self->longest_item, zero, NULL);
    }
}

/**
 * cb_queue_tile_update_now:
 * @params: (nullable): the service-level variant and thresholds
 * @now_ms: the backend's now
 *
 * Recomputes only what describes now — calls waiting, the longest wait —
 * and the lines at a new minute: for the frames between two full updates.
 */
void
cb_queue_tile_update_now (CbQueueTile          *self,
                          CbMetrics            *metrics,
                          const CbMetricParams *params,
                          gint64                now_ms)
{
  static const CbMetricParams default_params = CB_METRIC_PARAMS_INIT;
  const char *queue_ids[] = { self->queue_id, NULL };
  CbMetricScope scope = { queue_ids, NULL, NULL };
  CbMetricValue waiting = { 0 }, longest = { 0 };

  g_return_if_fail (CB_IS_QUEUE_TILE (self));
  g_return_if_fail (metrics != NULL);

  if (params == NULL)
    params = &default_params;
  update_now (self, metrics, params, now_ms, &waiting, &longest);
  update_sparklines (self, metrics, &scope, params, now_ms, &waiting, &longest);
  update_level (self);
}

/**
 * cb_queue_tile_update:
 * @queue: (nullable): the queue entity, for its name and target
 * @params: (nullable): the service-level variant and thresholds
 * @now_ms: the backend's now
 *
 * Recomputes every figure of the tile. Call it at most once a frame.
 */
void
cb_queue_tile_update (CbQueueTile          *self,
                      CbMetrics            *metrics,
                      CbEntity             *queue,
                      const CbMetricParams *params,
                      gint64                now_ms)
{
  static const CbMetricParams default_params = CB_METRIC_PARAMS_INIT;
  const char *queue_ids[] = { self->queue_id, NULL };
  CbMetricScope scope = { queue_ids, NULL, NULL };
  CbMetricWindow today = { CB_METRIC_WINDOW_TODAY, 0, 0 };
  CbMetricWindow hour = { CB_METRIC_WINDOW_LAST_60, 0, 0 };
  CbMetricValue waiting = { 0 }, longest = { 0 }, v = { 0 };
  CbMetricValue offered = { 0 }, answered = { 0 }, abandoned = { 0 };
  static const CbMetricId day_metrics[] = {
    CB_METRIC_SERVICE_LEVEL, CB_METRIC_ASA, CB_METRIC_ABANDON_RATE, CB_METRIC_AHT,
  };
  const char *trend_note = _("The line: the last 15 minutes at each minute of the last hour.");
  CbQueueCounters counters;
  gboolean partial;
  g_autofree char *partial_note = NULL;
  g_autofree char *sl_note = NULL;
  g_autofree char *text = NULL;
  g_autofree char *detail = NULL;

  g_return_if_fail (CB_IS_QUEUE_TILE (self));
  g_return_if_fail (metrics != NULL);

  if (params == NULL)
    params = &default_params;

  if (queue != NULL)
    {
      const char *name = cb_entity_get_string (queue, "name");
      gint64 threshold_s = cb_entity_get_int (queue, "sl_threshold_s", 20);
      double target = cb_entity_get_double (queue, "sl_target_pct", 80);
      const CbJsonValue *stats = cb_entity_get_object (queue, "stats");
      double theirs = 0;
      g_autofree char *target_text = NULL;

      gtk_label_set_label (self->name_label, name != NULL ? name : self->queue_id);
      if (params->sl_threshold_ms > 0)
        threshold_s = params->sl_threshold_ms / 1000;
      /* Translators: a queue's service-level target on its tile, e.g. "Target 80 % in 20 s" */
      target_text = g_strdup_printf (_("Target %.0f %% in %d s"), target, (int) threshold_s);
      gtk_label_set_label (self->target_label, target_text);

      if (cb_json_value_lookup_number (stats, "sl_pct_today", &theirs))
        {
          g_autofree char *pct = cb_format_metric (CB_METRIC_UNIT_PERCENT, theirs, 0);

          /* Translators: %s is a percentage; the backend's own service level, for comparison */
          sl_note = g_strdup_printf (_("The backend’s own figure for today: %s. The line: the "
                                       "last 15 minutes at each minute of the last hour."), pct);
        }
    }

  /* Large: now and today */
  update_now (self, metrics, params, now_ms, &waiting, &longest);

  /* Today: the console's own count, or the backend's when the console
   * has not seen the whole day. */
  cb_metrics_compute (metrics, CB_METRIC_OFFERED, &scope, &today, params, now_ms, &offered);
  partial = cb_queue_counters_read (queue, &counters) && counters.offered > (gint64) offered.value;
  if (partial)
    {
      g_autofree char *mine = g_strdup_printf ("%'.0f", offered.value);
      g_autofree char *theirs = g_strdup_printf ("%'" G_GINT64_FORMAT, counters.offered);

      /* Translators: in the popover of a queue's figure of the day; both %s are counts */
      partial_note = g_strdup_printf (_("Counted by the backend: the console has seen %s of the "
                                        "%s calls offered today, having connected after the day "
                                        "began."), mine, theirs);
    }

  for (guint i = 0; i < G_N_ELEMENTS (day_metrics); i++)
    {
      CbMetricItem *item = item_for (self, day_metrics[i]);

      if (partial)
        cb_queue_counters_value (&counters, day_metrics[i], params, offered.from_ms, offered.to_ms,
                                 &v);
      else
        cb_metrics_compute (metrics, day_metrics[i], &scope, &today, params, now_ms, &v);
      show_value (self, item, &v, params);
      if (day_metrics[i] == CB_METRIC_SERVICE_LEVEL)
        cb_metric_item_set_note (item, partial ? partial_note : sl_note);
      else
        cb_metric_item_set_note (item, partial ? partial_note : trend_note);
    }
  cb_metric_item_show_text (self->sl_item, NULL,
                            cb_service_level_variant_describe (params->sl_variant));

  if (partial)
    {
      cb_queue_counters_value (&counters, CB_METRIC_OFFERED, params, offered.from_ms,
                               offered.to_ms, &offered);
      cb_queue_counters_value (&counters, CB_METRIC_ANSWERED, params, offered.from_ms,
                               offered.to_ms, &answered);
      cb_queue_counters_value (&counters, CB_METRIC_ABANDONED, params, offered.from_ms,
                               offered.to_ms, &abandoned);
    }
  else
    {
      cb_metrics_compute (metrics, CB_METRIC_ANSWERED, &scope, &today, params, now_ms, &answered);
      cb_metrics_compute (metrics, CB_METRIC_ABANDONED, &scope, &today, params, now_ms, &abandoned);
    }
  cb_metric_item_show_value (self->volume_item, &offered, params);
  cb_metric_item_set_note (self->volume_item, partial ? partial_note : NULL);
  if (offered.has_value && answered.has_value)
    {
      g_autofree char *count = abandoned.has_value ? g_strdup_printf ("%'.0f", abandoned.value)
                                                   : g_strdup ("—");

      text = g_strdup_printf ("%'.0f / %'.0f", offered.value, answered.value);
      /* Translators: under "Offered / answered" on a queue tile; %s is a count */
      detail = g_strdup_printf (_("%s abandoned today"), count);
      cb_metric_item_show_text (self->volume_item, text, detail);
    }

  cb_metrics_compute (metrics, CB_METRIC_ERLANG_AGENTS_NEEDED, &scope, &hour, params, now_ms, &v);
  cb_metric_item_show_value (self->erlang_item, &v, params);
  if (partial)
    cb_metric_item_set_note (self->erlang_item,
                             _("From the calls the console has seen in the last hour."));
  else
    cb_metric_item_set_note (self->erlang_item, NULL);
  if (v.has_value)
    {
      g_free (text);
      text = g_strdup_printf ("%'.0f / %'.0f", v.value, v.denominator);
      /* Translators: under the Erlang C staffing figure "12 / 10" on a queue tile */
      cb_metric_item_show_text (self->erlang_item, text, _("needed / staffed"));
      cb_metric_item_set_level (self->erlang_item,
                                v.denominator >= v.value ? "kpi-ok" : "kpi-warning");
    }

  update_sparklines (self, metrics, &scope, params, now_ms, &waiting, &longest);
  update_level (self);
}

/**
 * cb_queue_tile_get_item:
 *
 * Returns: (transfer none) (nullable): the item showing @metric
 */
CbMetricItem *
cb_queue_tile_get_item (CbQueueTile *self,
                        CbMetricId   metric)
{
  g_return_val_if_fail (CB_IS_QUEUE_TILE (self), NULL);
  return item_for (self, metric);
}

/**
 * cb_queue_tile_get_level:
 *
 * Returns: (nullable): the worst threshold level of the tile's figures
 */
const char *
cb_queue_tile_get_level (CbQueueTile *self)
{
  g_return_val_if_fail (CB_IS_QUEUE_TILE (self), NULL);
  return self->level;
}

/**
 * cb_queue_tile_reset_trends:
 *
 * Refills the sparklines from the engine at the next update: for when the
 * engine has learnt history it did not have (the journal was read).
 */
void
cb_queue_tile_reset_trends (CbQueueTile *self)
{
  g_return_if_fail (CB_IS_QUEUE_TILE (self));
  self->last_minute = 0;
}
