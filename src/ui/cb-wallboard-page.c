/* cb-wallboard-page.c — the wallboard: the floor, the queues, the campaigns, the day
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a supervisor reads from across the room: a floor strip (agents by
 * state, calls waiting, longest wait, service level and abandonment today),
 * a tile per queue (CbQueueTile) and per campaign (CbCampaignTile), and
 * today's calls by quarter hour (CbIntervalChart). Below them, in the
 * lower pane of a split the user can drag, a box is left for the agent
 * board (cb_wallboard_page_get_agent_board_slot ()): a list with its own
 * scrolling, never inside the tiles' scrolled window, where it would lose
 * its recycling. The pane shows once something is put in the box.
 *
 * Every figure is computed by the store's CbMetrics (docs/metrics.md) —
 * never from the backend's own counters, which appear only beside them for
 * comparison — for the backend's now (cb_store_get_server_now ()).
 *
 * Updates are coalesced to the frame clock: a batch of changes, a model
 * change or the one-second tick only mark the page dirty and ask for one
 * tick callback; the recomputation happens there, at most once a frame, and
 * not at all while the page is not mapped.
 *
 * Stale honesty: whenever the store is not live, the board gets the
 * `stale` style class (every number is dimmed), durations stop at the time
 * the data is current as of, and a bar says "As of HH:MM:SS" with the
 * store's reason.
 */
#define G_LOG_DOMAIN "cb-wallboard-page"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-agent-board.h"
#include "cb-campaign-tile.h"
#include "cb-interval-chart.h"
#include "cb-queue-tile.h"
#include "cb-wallboard-page.h"

enum {
  PROP_0,
  PROP_STORE,
  PROP_SL_VARIANT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _CbWallboardPage
{
  GtkWidget parent_instance;

  /* template widgets */
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkWidget       *board;
  GtkWidget       *stale_bar;
  GtkLabel        *stale_label;
  GtkWidget       *cache_bar;
  GtkLabel        *cache_label;
  GtkPaned        *split;
  GtkScrolledWindow *scroller;
  GtkWidget       *content;
  CbMetricItem    *logged_in_item;
  CbMetricItem    *available_item;
  CbMetricItem    *on_call_item;
  CbMetricItem    *wrap_up_item;
  CbMetricItem    *paused_item;
  CbMetricItem    *ringing_item;
  CbMetricItem    *waiting_item;
  CbMetricItem    *longest_item;
  CbMetricItem    *sl_item;
  CbMetricItem    *abandon_item;
  GtkFlowBox      *queue_box;
  GtkWidget       *campaign_section;
  GtkFlowBox      *campaign_box;
  CbIntervalChart *chart;
  GtkLabel        *chart_note;
  GtkBox          *agent_board_slot;

  /* borrowed references */
  CbMetrics       *metrics;        /* the store's, or the one set */

  /* owned references */
  CbStore         *store;
  GSignalGroup    *store_signals;
  GSignalGroup    *queue_signals;
  GSignalGroup    *campaign_signals;
  GHashTable      *queue_tiles;    /* id → CbQueueTile, owned by queue_box */
  GHashTable      *campaign_tiles; /* id → CbCampaignTile */

  CbMetricParams   params;
  guint            tick_id;
  guint            second_id;
  gint64           fixed_now;
  gint64           as_of;
  guint            n_calls;        /* the engine's, at the last refresh */
  gint64           last_full_us;   /* monotonic time of the last full refresh */
  guint            n_refreshes;
  gboolean         dirty;
  gboolean         stale;
  int              split_auto;     /* the pane's position as the page set it, -1 none */
  char            *stale_message;
};

G_DEFINE_FINAL_TYPE (CbWallboardPage, cb_wallboard_page, GTK_TYPE_WIDGET)

static void refresh (CbWallboardPage *self,
                     gboolean         full);

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);

  self->tick_id = 0;
  refresh (self, FALSE);
  return G_SOURCE_REMOVE;
}

/* Many events, one recomputation: the next frame does it. */
static void
mark_dirty (CbWallboardPage *self)
{
  self->dirty = TRUE;
  if (self->tick_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

static gboolean
on_second (gpointer user_data)
{
  CbWallboardPage *self = user_data;

  /* Durations tick: the longest wait grows while nothing happens. */
  if (!self->stale)
    mark_dirty (self);
  return G_SOURCE_CONTINUE;
}

static gint64
current_now (CbWallboardPage *self)
{
  if (self->fixed_now > 0)
    return self->fixed_now;
  /* Stale data is described as of when it was current, not as if time
   * stood still for the callers who waited then. */
  if (self->stale && self->as_of > 0)
    return self->as_of;
  if (self->store != NULL)
    return cb_store_get_server_now (self->store);
  return g_get_real_time () / 1000;
}

/* Widgets change only from the frame clock: this just remembers. */
static void
update_stale (CbWallboardPage *self,
              gboolean         stale,
              gint64           as_of,
              const char      *message)
{
  self->stale = stale;
  self->as_of = as_of;
  if (g_strcmp0 (self->stale_message, message) != 0)
    {
      g_free (self->stale_message);
      self->stale_message = g_strdup (message);
    }
  mark_dirty (self);
}

static void
show_stale (CbWallboardPage *self)
{
  if (self->stale)
    {
      g_autoptr(GDateTime) when = NULL;
      g_autofree char *time = NULL;
      const char *message = self->stale_message;
      g_autofree char *text = NULL;

      if (self->as_of > 0)
        when = g_date_time_new_from_unix_local (self->as_of / 1000);
      if (when != NULL)
        time = g_date_time_format (when, "%H:%M:%S");

      if (time != NULL && message != NULL && *message != '\0')
        /* Translators: the wallboard's stale bar; %s is a time such as 14:05:09, then the reason */
        text = g_strdup_printf (_("As of %s — %s"), time, message);
      else if (time != NULL)
        /* Translators: the wallboard's stale bar; %s is a time such as 14:05:09 */
        text = g_strdup_printf (_("As of %s — not live"), time);
      else if (message != NULL && *message != '\0')
        text = g_strdup (message);
      else
        text = g_strdup (_("No live data yet"));
      gtk_label_set_label (self->stale_label, text);
      gtk_widget_add_css_class (self->board, "stale");
    }
  else
    gtk_widget_remove_css_class (self->board, "stale");

  if (gtk_widget_get_visible (self->stale_bar) != self->stale)
    gtk_widget_set_visible (self->stale_bar, self->stale);
}

/* The lower pane shows once the agent board is put in it; the tiles then
 * keep their natural height, up to three fifths of the page, and the
 * board fills the rest — until the user drags the handle. */
static void
update_split (CbWallboardPage *self,
              gboolean         full)
{
  GtkWidget *slot = GTK_WIDGET (self->agent_board_slot);
  GtkWidget *board = gtk_widget_get_first_child (slot);
  int height = gtk_widget_get_height (GTK_WIDGET (self->split));

  if (gtk_widget_get_visible (slot) != (board != NULL))
    {
      gtk_widget_set_visible (slot, board != NULL);
      self->split_auto = -1;
      if (board != NULL)
        gtk_widget_set_vexpand (board, TRUE);
      full = TRUE;
    }

  /* Until the page has been laid out once with the board, every refresh
   * tries (the first ones come before any allocation). */
  if (board != NULL && (full || self->split_auto < 0) && height > 0
      && (self->split_auto < 0 || gtk_paned_get_position (self->split) == self->split_auto))
    {
      int natural = 0, want;
      int width = gtk_widget_get_width (GTK_WIDGET (self->split));

      gtk_widget_measure (self->content, GTK_ORIENTATION_VERTICAL, width,
                          NULL, &natural, NULL, NULL);
      want = MIN (natural, height * 3 / 5);
      if (want != gtk_paned_get_position (self->split))
        gtk_paned_set_position (self->split, want);
      self->split_auto = want;
    }
}

/* What happened to the local cache (set aside as damaged, not writable):
 * said once, until dismissed. */
static void
on_cache_message_changed (CbWallboardPage *self)
{
  const char *message = self->store ? cb_store_get_cache_message (self->store) : NULL;

  gtk_label_set_label (self->cache_label, message ? message : "");
  gtk_widget_set_visible (self->cache_bar, message != NULL);
}

static void
on_cache_bar_closed (CbWallboardPage *self,
                     GtkButton       *button)
{
  gtk_widget_set_visible (self->cache_bar, FALSE);
}

static void
on_store_state_changed (CbWallboardPage *self)
{
  CbConnectionState state;

  if (self->store == NULL)
    return;

  state = cb_store_get_state (self->store);
  update_stale (self, state != CB_CONNECTION_LIVE, cb_store_get_as_of (self->store),
                cb_store_get_status_message (self->store));
}

static void
on_batch_applied (CbWallboardPage *self)
{
  mark_dirty (self);
}

static void
on_history_loaded (CbWallboardPage *self)
{
  GHashTableIter iter;
  gpointer tile;

  /* The engine now knows the day: refill the lines from it. */
  g_hash_table_iter_init (&iter, self->queue_tiles);
  while (g_hash_table_iter_next (&iter, NULL, &tile))
    cb_queue_tile_reset_trends (tile);
  mark_dirty (self);
}

static void
on_model_changed (CbWallboardPage *self)
{
  mark_dirty (self);
}

/* Whether @tile is (nearly) in what the scrolled window shows: a
 * backend with 200 queues recomputes the dozen tiles one can see, not all
 * of them, every frame. A tile not yet laid out counts as visible. */
static gboolean
tile_in_view (CbWallboardPage *self,
              GtkWidget       *tile)
{
  GtkAdjustment *vadj = gtk_scrolled_window_get_vadjustment (self->scroller);
  double top = gtk_adjustment_get_value (vadj);
  double page = gtk_adjustment_get_page_size (vadj);
  graphene_rect_t bounds;

  if (page <= 0 || !gtk_widget_compute_bounds (tile, self->content, &bounds))
    return TRUE;
  return bounds.origin.y + bounds.size.height >= top - 100
         && bounds.origin.y <= top + page + 100;
}

typedef GtkWidget *(*TileNew) (const char *id);

/* Keeps one tile per entity of @model, in the model's order, keeping
 * existing tiles (and their sparklines) across updates. */
static gboolean
reconcile (GtkFlowBox *box,
           GHashTable *tiles,
           GListModel *model,
           TileNew     tile_new)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = model != NULL ? g_list_model_get_n_items (model) : 0;
  GHashTableIter iter;
  gpointer key, tile;
  gboolean changed = FALSE;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CbEntity) entity = g_list_model_get_item (model, i);
      const char *id = cb_entity_get_id (entity);

      g_hash_table_add (seen, (gpointer) id);
      if (g_hash_table_contains (tiles, id))
        continue;

      tile = tile_new (id);
      gtk_flow_box_insert (box, tile, (int) i);
      g_hash_table_insert (tiles, g_strdup (id), tile);
      changed = TRUE;
    }

  g_hash_table_iter_init (&iter, tiles);
  while (g_hash_table_iter_next (&iter, &key, &tile))
    {
      if (g_hash_table_contains (seen, key))
        continue;
      gtk_flow_box_remove (box, tile);
      g_hash_table_iter_remove (&iter);
      changed = TRUE;
    }
  return changed;
}

static void
show_floor (CbWallboardPage *self,
            CbMetricItem    *item,
            CbMetricWindowKind kind,
            gint64           now_ms,
            CbMetricValue   *out)
{
  CbMetricWindow window = { kind, 0, 0 };

  *out = (CbMetricValue) { 0 };
  cb_metrics_compute (self->metrics, cb_metric_item_get_metric (item), NULL, &window, &self->params,
                      now_ms, out);
  cb_metric_item_show_value (item, out, &self->params);
}

static void
refresh_floor (CbWallboardPage *self,
               GListModel      *queues,
               gboolean         full,
               gint64           now_ms)
{
  CbMetricItem *live[] = {
    self->logged_in_item, self->available_item, self->on_call_item, self->wrap_up_item,
    self->paused_item, self->ringing_item,
  };
  CbMetricItem *day[] = { self->sl_item, self->abandon_item };
  CbMetricWindow today = { CB_METRIC_WINDOW_TODAY, 0, 0 };
  CbQueueCounters sum = { 0 };
  CbMetricValue v, waiting, offered = { 0 };
  g_autofree char *partial_note = NULL;
  guint n = queues != NULL ? g_list_model_get_n_items (queues) : 0;

  for (guint i = 0; i < G_N_ELEMENTS (live); i++)
    show_floor (self, live[i], CB_METRIC_WINDOW_LIVE, now_ms, &v);

  show_floor (self, self->waiting_item, CB_METRIC_WINDOW_LIVE, now_ms, &waiting);
  show_floor (self, self->longest_item, CB_METRIC_WINDOW_LIVE, now_ms, &v);
  if (!v.has_value && waiting.has_value)
    {
      g_autofree char *zero = cb_format_duration (0);

      cb_metric_item_show_text (self->longest_item, zero, NULL);
    }

  if (!full)
    return;

  /* The day: the console's count, or the backend's summed over the queues
   * when the console has not seen the whole day (see CbQueueTile). */
  cb_metrics_compute (self->metrics, CB_METRIC_OFFERED, NULL, &today, &self->params, now_ms,
                      &offered);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CbEntity) queue = g_list_model_get_item (queues, i);
      CbQueueCounters counters;

      if (cb_queue_counters_read (queue, &counters))
        cb_queue_counters_add (&sum, &counters);
    }
  if (sum.known && sum.offered > (gint64) offered.value)
    {
      g_autofree char *mine = g_strdup_printf ("%'.0f", offered.value);
      g_autofree char *theirs = g_strdup_printf ("%'" G_GINT64_FORMAT, sum.offered);

      /* Translators: in the popover of a figure of the day; both %s are counts */
      partial_note = g_strdup_printf (_("Counted by the backend: the console has seen %s of the "
                                        "%s calls offered today, having connected after the day "
                                        "began."), mine, theirs);
    }

  for (guint i = 0; i < G_N_ELEMENTS (day); i++)
    {
      if (partial_note != NULL)
        {
          cb_queue_counters_value (&sum, cb_metric_item_get_metric (day[i]), &self->params,
                                   offered.from_ms, offered.to_ms, &v);
          cb_metric_item_show_value (day[i], &v, &self->params);
        }
      else
        show_floor (self, day[i], CB_METRIC_WINDOW_TODAY, now_ms, &v);
      cb_metric_item_set_note (day[i], partial_note);
    }
  cb_metric_item_show_text (self->sl_item, NULL,
                            cb_service_level_variant_describe (self->params.sl_variant));
}

static double
first_target (CbWallboardPage *self,
              GListModel      *queues)
{
  g_autoptr(CbEntity) queue = NULL;

  if (queues == NULL || g_list_model_get_n_items (queues) == 0)
    return 80;
  queue = g_list_model_get_item (queues, 0);
  return cb_entity_get_double (queue, "sl_target_pct", 80);
}

static void
update_page (CbWallboardPage *self)
{
  const char *page = "empty";

  if (self->metrics != NULL)
    {
      if (self->store == NULL)
        page = "board";
      else
        {
          GListModel *queues = G_LIST_MODEL (cb_store_get_model (self->store, "queue"));
          GListModel *agents = G_LIST_MODEL (cb_store_get_model (self->store, "agent"));

          if (g_list_model_get_n_items (queues) > 0 || g_list_model_get_n_items (agents) > 0)
            page = "board";
        }
    }

  if (self->store == NULL && self->metrics == NULL)
    adw_status_page_set_description (self->empty_page,
                                     _("Calls waiting, service level, abandonment and agents by "
                                       "state for every queue and campaign appear here once a "
                                       "backend is connected."));
  else if (self->store != NULL && cb_store_get_state (self->store) == CB_CONNECTION_OFFLINE)
    {
      const char *message = cb_store_get_status_message (self->store);
      g_autofree char *text = NULL;

      /* Translators: the empty wallboard while the backend cannot be reached; %s is the reason */
      if (message != NULL)
        text = g_strdup_printf (_("Not connected: %s Calls waiting, service level and agents by "
                                  "state appear here once the backend answers."), message);
      else
        text = g_strdup (_("Not connected. Calls waiting, service level and agents by state "
                           "appear here once the backend answers."));
      adw_status_page_set_description (self->empty_page, text);
    }
  else
    adw_status_page_set_description (self->empty_page,
                                     _("Calls waiting, service level, abandonment and agents by "
                                       "state for every queue and campaign appear here as soon as "
                                       "the backend’s data arrives."));

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), page) != 0)
    gtk_stack_set_visible_child_name (self->stack, page);
}

static void
set_metrics (CbWallboardPage *self,
             CbMetrics       *metrics)
{
  GHashTableIter iter;
  gpointer tile;

  if (self->metrics == metrics)
    return;
  self->metrics = metrics;
  self->n_calls = 0;
  g_hash_table_iter_init (&iter, self->queue_tiles);
  while (g_hash_table_iter_next (&iter, NULL, &tile))
    cb_queue_tile_reset_trends (tile);
  mark_dirty (self);
}

/* Every frame with changes: what describes now (agents by state, calls
 * waiting, longest waits). At most once a second, or when tiles come and
 * go: the day's figures too — a day's service level does not move within a
 * second, and recomputing it over every call 60 times a second would cost
 * the frames their budget on a large backend. */
static void
refresh (CbWallboardPage *self,
         gboolean         full)
{
  GListModel *queues = NULL, *campaigns = NULL;
  g_autofree CbMetricInterval *intervals = NULL;
  GHashTableIter iter;
  gpointer key, tile;
  gint64 now_ms;
  guint n = 0;

  self->dirty = FALSE;
  self->n_refreshes++;
  update_page (self);
  show_stale (self);
  update_split (self, full);
  if (self->metrics == NULL)
    return;

  now_ms = current_now (self);
  if (self->store != NULL)
    {
      queues = G_LIST_MODEL (cb_store_get_model (self->store, "queue"));
      campaigns = G_LIST_MODEL (cb_store_get_model (self->store, "campaign"));
    }
  if (full || g_get_monotonic_time () - self->last_full_us >= G_USEC_PER_SEC)
    full = TRUE;
  if (reconcile (self->queue_box, self->queue_tiles, queues, cb_queue_tile_new)
      | reconcile (self->campaign_box, self->campaign_tiles, campaigns, cb_campaign_tile_new))
    full = TRUE;
  if (full)
    self->last_full_us = g_get_monotonic_time ();
  refresh_floor (self, queues, full, now_ms);

  /* Many calls at once (a snapshot bringing the day's calls): the lines
   * are refilled from the engine rather than left with the gaps of before. */
  {
    guint n_calls = cb_metrics_get_n_calls (self->metrics);

    if (n_calls > self->n_calls + MAX (50, self->n_calls / 10))
      {
        g_hash_table_iter_init (&iter, self->queue_tiles);
        while (g_hash_table_iter_next (&iter, NULL, &tile))
          cb_queue_tile_reset_trends (tile);
      }
    self->n_calls = n_calls;
  }

  g_hash_table_iter_init (&iter, self->queue_tiles);
  while (g_hash_table_iter_next (&iter, &key, &tile))
    {
      if (!tile_in_view (self, tile))
        continue;
      if (full)
        cb_queue_tile_update (tile, self->metrics,
                              cb_entity_model_lookup (CB_ENTITY_MODEL (queues), key),
                              &self->params, now_ms);
      else
        cb_queue_tile_update_now (tile, self->metrics, &self->params, now_ms);
    }

  if (!full)
    return;

  g_hash_table_iter_init (&iter, self->campaign_tiles);
  while (g_hash_table_iter_next (&iter, &key, &tile))
    cb_campaign_tile_update (tile, self->metrics,
                             cb_entity_model_lookup (CB_ENTITY_MODEL (campaigns), key), now_ms);
  /* No campaigns (an inbound-only backend): no campaign section. */
  gtk_widget_set_visible (self->campaign_section, g_hash_table_size (self->campaign_tiles) > 0);

  intervals = cb_metrics_get_intervals_today (self->metrics, NULL, &self->params, now_ms, &n);
  cb_interval_chart_set_intervals (self->chart, intervals, n, first_target (self, queues), now_ms);

  /* The bars are the console's own: say so when it has not seen the whole day. */
  {
    CbQueueCounters sum = { 0 };
    guint seen = 0;

    for (guint i = 0; i < n; i++)
      seen += intervals[i].offered;
    for (guint i = 0; queues != NULL && i < g_list_model_get_n_items (queues); i++)
      {
        g_autoptr(CbEntity) queue = g_list_model_get_item (queues, i);
        CbQueueCounters counters;

        if (cb_queue_counters_read (queue, &counters))
          cb_queue_counters_add (&sum, &counters);
      }
    if (sum.known && sum.offered > seen)
      {
        g_autofree char *mine = g_strdup_printf ("%'u", seen);
        g_autofree char *theirs = g_strdup_printf ("%'" G_GINT64_FORMAT, sum.offered);
        g_autofree char *note = NULL;

        /* Translators: under the interval chart; both %s are counts of calls */
        note = g_strdup_printf (_("The console has seen %s of the %s calls offered today: "
                                  "quarters before it connected are incomplete."), mine, theirs);
        gtk_label_set_label (self->chart_note, note);
      }
    if (gtk_widget_get_visible (GTK_WIDGET (self->chart_note)) != (sum.known && sum.offered > seen))
      gtk_widget_set_visible (GTK_WIDGET (self->chart_note), sum.known && sum.offered > seen);
  }
}

static void
cb_wallboard_page_map (GtkWidget *widget)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);

  GTK_WIDGET_CLASS (cb_wallboard_page_parent_class)->map (widget);

  if (self->second_id == 0)
    self->second_id = g_timeout_add_seconds (1, on_second, self);
  mark_dirty (self);
}

static void
cb_wallboard_page_unmap (GtkWidget *widget)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);

  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (widget, self->tick_id);
  self->tick_id = 0;
  g_clear_handle_id (&self->second_id, g_source_remove);

  GTK_WIDGET_CLASS (cb_wallboard_page_parent_class)->unmap (widget);
}

static void
cb_wallboard_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_SL_VARIANT:
      g_value_set_int (value, self->params.sl_variant);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_wallboard_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      cb_wallboard_page_set_store (self, g_value_get_object (value));
      break;
    case PROP_SL_VARIANT:
      cb_wallboard_page_set_sl_variant (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_wallboard_page_dispose (GObject *object)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (object);

  g_clear_handle_id (&self->second_id, g_source_remove);
  if (self->store_signals != NULL)
    g_signal_group_set_target (self->store_signals, NULL);
  if (self->queue_signals != NULL)
    g_signal_group_set_target (self->queue_signals, NULL);
  if (self->campaign_signals != NULL)
    g_signal_group_set_target (self->campaign_signals, NULL);
  g_clear_object (&self->store_signals);
  g_clear_object (&self->queue_signals);
  g_clear_object (&self->campaign_signals);
  g_clear_object (&self->store);
  self->metrics = NULL;
  if (self->queue_tiles != NULL)
    g_hash_table_remove_all (self->queue_tiles);
  if (self->campaign_tiles != NULL)
    g_hash_table_remove_all (self->campaign_tiles);

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_WALLBOARD_PAGE);

  G_OBJECT_CLASS (cb_wallboard_page_parent_class)->dispose (object);
}

static void
cb_wallboard_page_finalize (GObject *object)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (object);

  g_clear_pointer (&self->queue_tiles, g_hash_table_unref);
  g_clear_pointer (&self->campaign_tiles, g_hash_table_unref);
  g_clear_pointer (&self->stale_message, g_free);

  G_OBJECT_CLASS (cb_wallboard_page_parent_class)->finalize (object);
}

static void
cb_wallboard_page_class_init (CbWallboardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cb_wallboard_page_get_property;
  object_class->set_property = cb_wallboard_page_set_property;
  object_class->dispose = cb_wallboard_page_dispose;
  object_class->finalize = cb_wallboard_page_finalize;

  widget_class->map = cb_wallboard_page_map;
  widget_class->unmap = cb_wallboard_page_unmap;

  g_type_ensure (CB_TYPE_AGENT_BOARD);

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, CB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * CbWallboardPage:sl-variant:
   *
   * The service-level variant every figure uses (#CbServiceLevelVariant),
   * named under each service level shown. Bind it to a setting.
   */
  properties[PROP_SL_VARIANT] =
    g_param_spec_int ("sl-variant", NULL, NULL,
                      CB_SL_PROTOCOL, CB_SL_ABANDON_NEUTRAL, CB_SL_PROTOCOL,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CB_TYPE_METRIC_ITEM);
  g_type_ensure (CB_TYPE_INTERVAL_CHART);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/cb-wallboard-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, stack);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, board);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, stale_bar);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, stale_label);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, cache_bar);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, cache_label);
  gtk_widget_class_bind_template_callback (widget_class, on_cache_bar_closed);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, split);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, content);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, logged_in_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, available_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, on_call_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, wrap_up_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, paused_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, ringing_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, waiting_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, longest_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, sl_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, abandon_item);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, queue_box);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, campaign_section);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, campaign_box);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, chart);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, chart_note);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, agent_board_slot);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "wallboardpage");
}

static void
cb_wallboard_page_init (CbWallboardPage *self)
{
  static const CbMetricParams defaults = CB_METRIC_PARAMS_INIT;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->params = defaults;
  self->split_auto = -1;
  self->queue_tiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->campaign_tiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->store_signals = g_signal_group_new (CB_TYPE_STORE);
  g_signal_group_connect_swapped (self->store_signals, "batch-applied",
                                  G_CALLBACK (on_batch_applied), self);
  g_signal_group_connect_swapped (self->store_signals, "notify::state",
                                  G_CALLBACK (on_store_state_changed), self);
  g_signal_group_connect_swapped (self->store_signals, "notify::status-message",
                                  G_CALLBACK (on_store_state_changed), self);
  g_signal_group_connect_swapped (self->store_signals, "notify::as-of",
                                  G_CALLBACK (on_store_state_changed), self);
  g_signal_group_connect_swapped (self->store_signals, "notify::history-loaded",
                                  G_CALLBACK (on_history_loaded), self);
  g_signal_group_connect_swapped (self->store_signals, "notify::cache-message",
                                  G_CALLBACK (on_cache_message_changed), self);

  self->queue_signals = g_signal_group_new (CB_TYPE_ENTITY_MODEL);
  g_signal_group_connect_swapped (self->queue_signals, "items-changed",
                                  G_CALLBACK (on_model_changed), self);
  self->campaign_signals = g_signal_group_new (CB_TYPE_ENTITY_MODEL);
  g_signal_group_connect_swapped (self->campaign_signals, "items-changed",
                                  G_CALLBACK (on_model_changed), self);

  /* Tiles scrolled into view are brought up to date at once. */
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                           G_CALLBACK (on_model_changed), self, G_CONNECT_SWAPPED);

  update_page (self);
}

GtkWidget *
cb_wallboard_page_new (void)
{
  return g_object_new (CB_TYPE_WALLBOARD_PAGE, NULL);
}

CbStore *
cb_wallboard_page_get_store (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return self->store;
}

/**
 * cb_wallboard_page_set_store:
 * @store: (nullable): the store to show
 *
 * Shows @store's figures from its metrics; a new store (another profile)
 * starts the tiles afresh.
 */
void
cb_wallboard_page_set_store (CbWallboardPage *self,
                             CbStore         *store)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (store == NULL || CB_IS_STORE (store));

  if (self->store == store)
    return;

  g_set_object (&self->store, store);
  g_signal_group_set_target (self->store_signals, store);
  g_signal_group_set_target (self->queue_signals,
                             store ? cb_store_get_model (store, "queue") : NULL);
  g_signal_group_set_target (self->campaign_signals,
                             store ? cb_store_get_model (store, "campaign") : NULL);

  /* Another backend: its queues are not these. */
  reconcile (self->queue_box, self->queue_tiles, NULL, cb_queue_tile_new);
  reconcile (self->campaign_box, self->campaign_tiles, NULL, cb_campaign_tile_new);

  self->metrics = NULL;
  set_metrics (self, store ? cb_store_get_metrics (store) : NULL);
  if (store != NULL)
    on_store_state_changed (self);
  else
    update_stale (self, FALSE, 0, NULL);
  on_cache_message_changed (self);

  update_page (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

/**
 * cb_wallboard_page_set_metrics:
 * @metrics: (nullable): an engine to show, without a store (tests, previews)
 *
 * With a store the page uses the store's own metrics; this is for a page
 * without one. The engine must outlive the page or be unset.
 */
void
cb_wallboard_page_set_metrics (CbWallboardPage *self,
                               CbMetrics       *metrics)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (self->store == NULL);

  set_metrics (self, metrics);
  update_page (self);
}

/**
 * cb_wallboard_page_set_fixed_now:
 * @now_ms: the instant to compute for, or 0 for the backend's now
 */
void
cb_wallboard_page_set_fixed_now (CbWallboardPage *self,
                                 gint64           now_ms)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));

  self->fixed_now = now_ms;
  mark_dirty (self);
}

/**
 * cb_wallboard_page_set_stale:
 * @as_of_ms: when the data was last current, or 0 if unknown
 * @message: (nullable): why it is not live, translated
 *
 * For a page without a store; with one, the store's state decides.
 */
void
cb_wallboard_page_set_stale (CbWallboardPage *self,
                             gboolean         stale,
                             gint64           as_of_ms,
                             const char      *message)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (self->store == NULL);

  update_stale (self, !!stale, as_of_ms, message);
}

gboolean
cb_wallboard_page_get_stale (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), FALSE);
  return gtk_widget_has_css_class (self->board, "stale");
}

/**
 * cb_wallboard_page_get_stale_text:
 *
 * Returns: (nullable): the stale bar's text while it shows, else NULL
 */
const char *
cb_wallboard_page_get_stale_text (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return gtk_widget_get_visible (self->stale_bar) ? gtk_label_get_label (self->stale_label) : NULL;
}

/**
 * cb_wallboard_page_refresh:
 *
 * Recomputes every figure now. The page does it from the frame clock
 * when something changed; tests call it directly.
 */
void
cb_wallboard_page_refresh (CbWallboardPage *self)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  refresh (self, TRUE);
}

guint
cb_wallboard_page_get_n_refreshes (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), 0);
  return self->n_refreshes;
}

/**
 * cb_wallboard_page_get_floor_item:
 *
 * Returns: (transfer none) (nullable): the floor strip's item for @metric
 */
CbMetricItem *
cb_wallboard_page_get_floor_item (CbWallboardPage *self,
                                  CbMetricId       metric)
{
  CbMetricItem *items[] = {
    self->logged_in_item, self->available_item, self->on_call_item, self->wrap_up_item,
    self->paused_item, self->ringing_item, self->waiting_item, self->longest_item,
    self->sl_item, self->abandon_item,
  };

  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    if (cb_metric_item_get_metric (items[i]) == metric)
      return items[i];
  return NULL;
}

/**
 * cb_wallboard_page_get_agent_board_slot:
 *
 * Returns: (transfer none): the box in the lower pane, under the tiles and
 *   the chart, where the agent board goes; it shows once it has a child
 */
GtkBox *
cb_wallboard_page_get_agent_board_slot (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return self->agent_board_slot;
}

/**
 * cb_wallboard_page_set_sl_variant:
 *
 * Which service level the page shows; the lines are refilled in it.
 */
void
cb_wallboard_page_set_sl_variant (CbWallboardPage       *self,
                                  CbServiceLevelVariant  variant)
{
  GHashTableIter iter;
  gpointer tile;

  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (variant <= CB_SL_ABANDON_NEUTRAL);

  if (self->params.sl_variant == variant)
    return;

  self->params.sl_variant = variant;
  g_hash_table_iter_init (&iter, self->queue_tiles);
  while (g_hash_table_iter_next (&iter, NULL, &tile))
    cb_queue_tile_reset_trends (tile);
  mark_dirty (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SL_VARIANT]);
}

const CbMetricParams *
cb_wallboard_page_get_params (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return &self->params;
}
