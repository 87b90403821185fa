/* cb-campaign-tile.c — one outbound campaign on the wallboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The campaign's name and status; its dial mode with the configured and
 * the current dial level (the backend's `stats.dial_level_current`); dials
 * per hour over the last hour, answer success rate and conversion today; the drop rate over
 * its rule set's regulatory period (US: 30 days, UK: the day), against the
 * rule set's cap, coloured as it nears it; and the leads dialable now.
 * Computed figures come from CbMetrics for this campaign only; the
 * backend's own drop rate is in the drop rate's popover for comparison.
 * When the console has not seen the whole day (fewer dials than the
 * backend's `stats.dials_today`), the day's ratios and the drop rate are
 * the backend's counters, and their popovers say so.
 */
#define G_LOG_DOMAIN "cb-campaign-tile"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-campaign-tile.h"

struct _CbCampaignTile
{
  GtkWidget parent_instance;

  /* template widgets */
  GtkWidget    *box;
  GtkLabel     *name_label;
  GtkLabel     *status_label;
  CbMetricItem *mode_item;
  CbMetricItem *dials_item;
  CbMetricItem *drop_item;
  CbMetricItem *asr_item;
  CbMetricItem *conversion_item;
  CbMetricItem *leads_item;

  /* owned */
  char         *campaign_id;
  CbBoardTile  *board_tile;    /* the board's thresholds, or NULL */
  char         *status;
};

G_DEFINE_FINAL_TYPE (CbCampaignTile, cb_campaign_tile, GTK_TYPE_WIDGET)

static const char *
describe_mode (const char *mode)
{
  /* The dial modes of a campaign (docs/protocol.md §10.7) */
  if (g_strcmp0 (mode, "preview") == 0)
    /* Translators: a campaign's dial mode: the agent sees the lead first, then dials */
    return C_("dial mode", "Preview");
  if (g_strcmp0 (mode, "progressive") == 0)
    /* Translators: a campaign's dial mode: the dialer calls when an agent is free, one line per
     * agent */
    return C_("dial mode", "Progressive");
  if (g_strcmp0 (mode, "power") == 0)
    /* Translators: a campaign's dial mode: the dialer calls a fixed number of lines per free
     * agent */
    return C_("dial mode", "Power");
  if (g_strcmp0 (mode, "predictive") == 0)
    /* Translators: a campaign's dial mode: the dialer adjusts the lines per agent to keep the
     * drop rate under a target */
    return C_("dial mode", "Predictive");
  return mode != NULL ? mode : "—";
}

static const char *
describe_status (const char *status)
{
  if (g_strcmp0 (status, "draft") == 0)
    /* Translators: the status of a campaign: created, not started yet */
    return C_("campaign status", "Draft");
  if (g_strcmp0 (status, "running") == 0)
    /* Translators: the status of a campaign: started, dials within its schedule */
    return C_("campaign status", "Running");
  if (g_strcmp0 (status, "paused") == 0)
    /* Translators: the status of a campaign: no new dials, agents finish their calls */
    return C_("campaign status", "Paused");
  if (g_strcmp0 (status, "stopped") == 0)
    /* Translators: the status of a campaign: no new dials, agents detached; it can be
     * started again */
    return C_("campaign status", "Stopped");
  if (g_strcmp0 (status, "completed") == 0)
    /* Translators: the status of a campaign: finished, no dialable leads remain */
    return C_("campaign status", "Completed");
  return status != NULL ? status : "";
}

static void
set_status (CbCampaignTile *self,
            const char     *status)
{
  g_autofree char *old_class = NULL;
  g_autofree char *new_class = NULL;

  if (g_strcmp0 (self->status, status) == 0)
    return;

  if (self->status != NULL)
    {
      old_class = g_strconcat ("status-", self->status, NULL);
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), old_class);
    }
  g_free (self->status);
  self->status = g_strdup (status);
  if (status != NULL && g_regex_match_simple ("^[a-z_]+$", status, 0, 0))
    {
      new_class = g_strconcat ("status-", status, NULL);
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), new_class);
    }
  gtk_label_set_label (self->status_label, describe_status (status));
}

static void
apply_board_level (CbCampaignTile      *self,
                   CbMetricItem        *item,
                   const CbMetricValue *value)
{
  CbMetricId metric = cb_metric_item_get_metric (item);

  if (self->board_tile != NULL && cb_board_tile_get_threshold (self->board_tile, metric) != NULL)
    cb_metric_item_set_level (item, cb_board_tile_level (self->board_tile, metric, value));
}

/* A ratio of the backend's counters, shown as the metric @item shows. */
static void
show_counters (CbCampaignTile      *self,
               CbMetricItem        *item,
               double               numerator,
               double               denominator,
               const CbMetricValue *window,
               const char          *note)
{
  CbMetricValue v = { 0 };

  v.unit = CB_METRIC_UNIT_PERCENT;
  v.from_ms = window->from_ms;
  v.to_ms = window->to_ms;
  v.numerator = numerator;
  v.denominator = denominator;
  v.has_value = denominator > 0;
  v.value = denominator > 0 ? 100.0 * numerator / denominator : 0;
  cb_metric_item_show_value (item, &v, NULL);
  apply_board_level (self, item, &v);
  cb_metric_item_set_note (item, note);
}



static void
cb_campaign_tile_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CB_TYPE_CAMPAIGN_TILE);

  G_OBJECT_CLASS (cb_campaign_tile_parent_class)->dispose (object);
}

static void
cb_campaign_tile_finalize (GObject *object)
{
  CbCampaignTile *self = CB_CAMPAIGN_TILE (object);

  g_clear_pointer (&self->campaign_id, g_free);
  g_clear_pointer (&self->board_tile, cb_board_tile_free);
  g_clear_pointer (&self->status, g_free);

  G_OBJECT_CLASS (cb_campaign_tile_parent_class)->finalize (object);
}

static void
cb_campaign_tile_class_init (CbCampaignTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cb_campaign_tile_dispose;
  object_class->finalize = cb_campaign_tile_finalize;

  g_type_ensure (CB_TYPE_METRIC_ITEM);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/cb-campaign-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, CbCampaignTile, box);
  gtk_widget_class_bind_template_child (widget_class, CbCampaignTile, name_label);
  gtk_widget_class_bind_template_child (widget_class, CbCampaignTile, status_label);
  gtk_widget_class_bind_template_child (widget_class, CbCampaignTile, mode_item);
  gtk_widget_class_bind_template_child (widget_class, CbCampaignTile, dials_item);
  gtk_widget_class_bind_template_child (widget_class, CbCampaignTile, drop_item);
  gtk_widget_class_bind_template_child (widget_class, CbCampaignTile, asr_item);
  gtk_widget_class_bind_template_child (widget_class, CbCampaignTile, conversion_item);
  gtk_widget_class_bind_template_child (widget_class, CbCampaignTile, leads_item);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "campaigntile");
}

static void
cb_campaign_tile_init (CbCampaignTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  cb_metric_item_set_note (self->mode_item,
                           _("Lines dialed per available agent: as configured, and as the "
                             "dialer paces now."));
}

GtkWidget *
cb_campaign_tile_new (const char *campaign_id)
{
  CbCampaignTile *self;

  g_return_val_if_fail (campaign_id != NULL, NULL);

  self = g_object_new (CB_TYPE_CAMPAIGN_TILE, NULL);
  self->campaign_id = g_strdup (campaign_id);
  gtk_label_set_label (self->name_label, campaign_id);
  return GTK_WIDGET (self);
}

/**
 * cb_campaign_tile_set_board_tile:
 * @tile: (nullable): the board's tile the campaign is shown for, for its
 *   thresholds; copied
 */
void
cb_campaign_tile_set_board_tile (CbCampaignTile    *self,
                                 const CbBoardTile *tile)
{
  g_return_if_fail (CB_IS_CAMPAIGN_TILE (self));

  g_clear_pointer (&self->board_tile, cb_board_tile_free);
  if (tile != NULL)
    self->board_tile = cb_board_tile_copy (tile);
}

const char *
cb_campaign_tile_get_campaign_id (CbCampaignTile *self)
{
  g_return_val_if_fail (CB_IS_CAMPAIGN_TILE (self), NULL);
  return self->campaign_id;
}

static void
show_metric (CbCampaignTile       *self,
             CbMetricItem         *item,
             CbMetrics            *metrics,
             const CbMetricScope  *scope,
             CbMetricWindowKind    kind,
             const CbMetricParams *params,
             gint64                now_ms,
             CbMetricValue        *out)
{
  CbMetricWindow window = { kind, 0, 0 };

  *out = (CbMetricValue) { 0 };
  cb_metrics_compute (metrics, cb_metric_item_get_metric (item), scope, &window, params, now_ms,
                      out);
  cb_metric_item_show_value (item, out, params);
  apply_board_level (self, item, out);
}

/**
 * cb_campaign_tile_update:
 * @campaign: (nullable): the campaign entity, for its name, mode and stats
 * @now_ms: the backend's now
 *
 * Recomputes every figure of the tile. Call it at most once a frame.
 */
void
cb_campaign_tile_update (CbCampaignTile *self,
                         CbMetrics      *metrics,
                         CbEntity       *campaign,
                         gint64          now_ms)
{
  CbMetricParams params = CB_METRIC_PARAMS_INIT;
  const char *campaign_ids[] = { self->campaign_id, NULL };
  CbMetricScope scope = { NULL, campaign_ids, NULL };
  const CbJsonValue *stats = campaign != NULL ? cb_entity_get_object (campaign, "stats") : NULL;
  CbMetricValue v = { 0 };
  CbDropRateMethod method = CB_DROP_RATE_US;
  double cap = 0, theirs_pct = 0, number = 0;
  gboolean has_cap;
  g_autofree char *partial_note = NULL;

  g_return_if_fail (CB_IS_CAMPAIGN_TILE (self));
  g_return_if_fail (metrics != NULL);

  if (campaign != NULL)
    {
      const char *name = cb_entity_get_string (campaign, "name");
      double level = cb_entity_get_double (campaign, "dial_level", 1.0);
      const char *mode;
      g_autofree char *detail = NULL;

      gtk_label_set_label (self->name_label, name != NULL ? name : self->campaign_id);
      set_status (self, cb_entity_get_string (campaign, "status"));

      if (cb_json_value_lookup_number (stats, "dial_level_current", &number))
        /* Translators: under the dial mode: the configured dial level and the current one,
           lines per available agent, e.g. "Level 2.5, now 1.9" */
        detail = g_strdup_printf (_("Level %.1f, now %.1f"), level, number);
      else
        /* Translators: under the dial mode: the configured dial level, e.g. "Level 2.5" */
        detail = g_strdup_printf (_("Level %.1f"), level);
      mode = describe_mode (cb_entity_get_string (campaign, "dial_mode"));
      cb_metric_item_show_text (self->mode_item, mode, detail);
    }

  /* The pace now: the last hour, not diluted by the hours before the first dial. */
  show_metric (self, self->dials_item, metrics, &scope, CB_METRIC_WINDOW_LAST_60, &params, now_ms,
               &v);
  show_metric (self, self->asr_item, metrics, &scope, CB_METRIC_WINDOW_TODAY, &params, now_ms, &v);
  show_metric (self, self->conversion_item, metrics, &scope, CB_METRIC_WINDOW_TODAY, &params,
               now_ms, &v);
  {
    CbMetricWindow today = { CB_METRIC_WINDOW_TODAY, 0, 0 };
    CbMetricValue dials = { 0 }, conversion = { 0 };
    double their_dials = 0, contacts = 0, successes = 0;

    /* Fewer dials, or fewer successes, than the backend counted: the
     * console has missed part of the day (or cannot tell a success, when
     * the calls' codes are not in the disposition catalog). */
    cb_metrics_compute (metrics, CB_METRIC_DIALS, &scope, &today, &params, now_ms, &dials);
    cb_metrics_compute (metrics, CB_METRIC_CONVERSION_RATE, &scope, &today, &params, now_ms,
                        &conversion);
    if (cb_json_value_lookup_number (stats, "dials_today", &their_dials)
        && cb_json_value_lookup_number (stats, "contacts_today", &contacts)
        && cb_json_value_lookup_number (stats, "successes_today", &successes)
        && (their_dials > dials.value || successes > conversion.numerator))
      {
        g_autofree char *mine = NULL, *theirs = NULL;

        if (their_dials > dials.value)
          {
            mine = g_strdup_printf ("%'.0f", dials.value);
            theirs = g_strdup_printf ("%'.0f", their_dials);
            /* Translators: in the popover of a campaign's figure of the day; both %s are counts */
            partial_note = g_strdup_printf (_("Counted by the backend: the console has seen "
                                              "%s of the %s dials made today, having connected "
                                              "after the day began."), mine, theirs);
          }
        else
          {
            mine = g_strdup_printf ("%'.0f", conversion.numerator);
            theirs = g_strdup_printf ("%'.0f", successes);
            /* Translators: in the popover of a campaign's figure of the day; both %s are counts.
               A success is a call whose disposition is of the category "success" */
            partial_note = g_strdup_printf (_("Counted by the backend: it counts %s successes "
                                              "today, the console %s; the calls’ dispositions are "
                                              "not all in the disposition catalog."),
                                            theirs, mine);
          }
        show_counters (self, self->asr_item, contacts, their_dials, &dials, partial_note);
        show_counters (self, self->conversion_item, successes, contacts, &dials, partial_note);
      }
    else
      {
        cb_metric_item_set_note (self->asr_item, NULL);
        cb_metric_item_set_note (self->conversion_item, NULL);
      }
  }

  show_metric (self, self->leads_item, metrics, &scope, CB_METRIC_WINDOW_LIVE, &params, now_ms, &v);
  if (cb_json_value_lookup_number (stats, "leads_total", &number))
    {
      g_autofree char *total = g_strdup_printf ("%'" G_GINT64_FORMAT, (gint64) number);
      /* Translators: under the leads dialable: %s is the campaign's total of leads */
      g_autofree char *detail = g_strdup_printf (_("of %s leads"), total);

      cb_metric_item_show_text (self->leads_item, NULL, detail);
    }

  /* The drop rate over its regulatory period, against its own cap. */
  show_metric (self, self->drop_item, metrics, &scope, CB_METRIC_WINDOW_RULE_PERIOD, &params,
               now_ms, &v);
  has_cap = cb_metrics_get_drop_rate_cap (metrics, self->campaign_id, &cap, &method);
  {
    g_autofree char *cap_text = has_cap ? cb_format_metric (CB_METRIC_UNIT_PERCENT, cap, 1) : NULL;
    g_autofree char *detail = NULL;
    g_autofree char *note = NULL;
    /* Translators: the period a drop rate is measured over, US rule: the last 30 days */
    const char *period = method == CB_DROP_RATE_UK ? C_("drop rate period", "today (UK)")
                                                   : C_("drop rate period", "30 days (US)");

    if (has_cap)
      /* Translators: under the drop rate: "Cap 3.0 % · 30 days (US)" */
      detail = g_strdup_printf (_("Cap %s · %s"), cap_text, period);
    else
      detail = g_strdup (period);
    cb_metric_item_show_text (self->drop_item, NULL, detail);

    if (partial_note != NULL && cb_json_value_lookup_number (stats, "drop_rate_pct", &theirs_pct))
      {
        /* The console's own count misses the dials before it connected. */
        v.has_value = TRUE;
        v.value = theirs_pct;
        {
          g_autofree char *text = cb_format_metric (CB_METRIC_UNIT_PERCENT, theirs_pct, 1);

          cb_metric_item_show_text (self->drop_item, text, detail);
        }
        note = g_strdup (partial_note);
      }

    if (has_cap && v.has_value)
      cb_metric_item_set_level (self->drop_item,
                                v.value >= cap ? "kpi-critical"
                                : v.value >= 0.8 * cap ? "kpi-warning" : "kpi-ok");
    apply_board_level (self, self->drop_item, &v);

    if (note == NULL && cb_json_value_lookup_number (stats, "drop_rate_pct", &number))
      {
        double pct = number;
        g_autofree char *theirs = cb_format_metric (CB_METRIC_UNIT_PERCENT, pct, 1);

        /* Translators: %s is a percentage: the dialer's own drop rate, for comparison */
        note = g_strdup_printf (_("The backend’s own figure: %s."), theirs);
      }
    cb_metric_item_set_note (self->drop_item, note);
  }
}

/**
 * cb_campaign_tile_get_item:
 *
 * Returns: (transfer none) (nullable): the item showing @metric
 */
CbMetricItem *
cb_campaign_tile_get_item (CbCampaignTile *self,
                           CbMetricId      metric)
{
  CbMetricItem *items[] = {
    self->dials_item, self->drop_item, self->asr_item, self->conversion_item, self->leads_item,
  };

  g_return_val_if_fail (CB_IS_CAMPAIGN_TILE (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    if (cb_metric_item_get_metric (items[i]) == metric)
      return items[i];
  return NULL;
}

CbMetricItem *
cb_campaign_tile_get_mode_item (CbCampaignTile *self)
{
  g_return_val_if_fail (CB_IS_CAMPAIGN_TILE (self), NULL);
  return self->mode_item;
}
