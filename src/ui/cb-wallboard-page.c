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
 * What shows, in what order and size, is a board (CbBoard, docs/wallboards.md):
 * its tiles are laid out left to right on a grid of CB_BOARD_COLUMNS
 * columns, each spanning as many as its size, wrapping to a new row when a
 * tile does not fit; the agent board, when the board has one, takes the
 * lower pane. Each tile computes for its own filters (CbMetricScope) and
 * colours by its own thresholds where it has some. Given settings (the main
 * window's page), the page shows the active one of the saved boards and
 * offers, in its bar, to switch, build, rename, delete, export and import
 * them — files are read and written asynchronously, never on the main
 * thread's time.
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
#include "cb-board-editor.h"
#include "cb-board-group.h"
#include "cb-campaign-tile.h"
#include "cb-interval-chart.h"
#include "cb-queue-tile.h"
#include "cb-wallboard-page.h"
#include "cb-ui-types.h"

enum {
  PROP_0,
  PROP_STORE,
  PROP_SL_VARIANT,
  PROP_ACTIVE_BOARD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What a refresh does once a second besides the live figures: each in a
 * frame of its own, so the second does not cost one frame all of it. */
enum {
  PART_DAY,        /* the floor strip's and the big figures' day figures */
  PART_CAMPAIGNS,
  PART_CHART,
  N_PARTS
};

struct _CbWallboardPage
{
  GtkWidget parent_instance;

  /* template widgets */
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkWidget       *board;
  GtkWidget       *stale_bar;
  GtkLabel        *stale_label;
  GtkWidget       *cache_bar;
  GtkLabel        *cache_label;
  GtkWidget       *board_bar;
  GtkMenuButton   *board_button;
  GtkLabel        *board_label;
  GtkPaned        *split;
  GtkScrolledWindow *scroller;
  GtkGrid         *content;
  GtkWidget       *floor_strip;
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
  GtkWidget       *chart_section;
  GtkLabel        *chart_heading;
  CbIntervalChart *chart;
  GtkLabel        *chart_note;
  GtkBox          *agent_board_slot;

  /* borrowed references */
  CbMetrics       *metrics;        /* the store's, or the one set */
  CbBoardTile     *floor_tile;     /* of board, or NULL when it has none */
  CbBoardTile     *chart_tile;
  CbBoardTile     *agents_tile;
  GPtrArray       *groups;         /* CbBoardGroup, children of content */
  GPtrArray       *kpis;           /* CbMetricItem, children of content */

  /* owned references */
  CbStore         *store;
  GSignalGroup    *store_signals;
  GSignalGroup    *queue_signals;
  GSignalGroup    *campaign_signals;
  CbBoard         *shown;          /* the board shown */
  GSettings       *settings;       /* with them, the saved boards and the switcher */
  GPtrArray       *boards;         /* CbBoard: the saved ones */
  GMenu           *boards_menu;
  GCancellable    *cancellable;    /* file operations */
  GtkWindow       *editor;         /* weak */

  CbMetricParams   params;
  guint            tick_id;
  guint            second_id;
  gint64           fixed_now;
  gint64           as_of;
  guint            n_calls;        /* the engine's, at the last refresh */
  gint64           last_part_us[N_PARTS]; /* monotonic time each part was last done */
  guint            tiles_in_view;  /* queue tiles in view at the last refresh */
  guint            n_refreshes;
  gboolean         dirty;
  gboolean         stale;
  gboolean         saving;         /* writing the settings */
  int              split_auto;     /* the pane's position as the page set it, -1 none */
  char            *stale_message;
};

G_DEFINE_FINAL_TYPE (CbWallboardPage, cb_wallboard_page, GTK_TYPE_WIDGET)

static GQuark shown_quark;   /* a tile has been updated in full once */
static GQuark full_quark;    /* when, in monotonic ms (+1), a tile was last updated in full */

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

  /* A board without an agent board leaves the tiles the whole page. */
  if (self->agents_tile == NULL)
    board = NULL;
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

      gtk_widget_measure (GTK_WIDGET (self->content), GTK_ORIENTATION_VERTICAL, width,
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

/* Refills every queue tile's lines from the engine at the next update. */
static void
reset_trends (CbWallboardPage *self)
{
  for (guint g = 0; g < self->groups->len; g++)
    {
      CbBoardGroup *group = g_ptr_array_index (self->groups, g);
      GHashTableIter iter;
      gpointer tile;

      if (cb_board_group_get_tile (group)->kind != CB_BOARD_TILE_QUEUES)
        continue;
      g_hash_table_iter_init (&iter, cb_board_group_get_tiles (group));
      while (g_hash_table_iter_next (&iter, NULL, &tile))
        cb_queue_tile_reset_trends (tile);
    }
}

static void
on_history_loaded (CbWallboardPage *self)
{
  /* The engine now knows the day: refill the lines from it. */
  reset_trends (self);
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

  if (page <= 0 || !gtk_widget_compute_bounds (tile, GTK_WIDGET (self->content), &bounds))
    return TRUE;
  return bounds.origin.y + bounds.size.height >= top - 100
         && bounds.origin.y <= top + page + 100;
}

/* Only the tiles in view are drawn. GTK 4.8's cairo renderer, the one a
 * machine without a GPU uses, draws the whole tree of the window whenever
 * any of it changed, clipped: 200 queue tiles cost it 10 ms a frame, the
 * eight one sees 1 ms. A tile out of view is unmapped (it keeps its place
 * in the layout); coming back into view, it is updated in full at once.
 * Returns whether @tile is in view. */
static gboolean
cull (CbWallboardPage *self,
      GtkWidget       *tile)
{
  gboolean in_view = tile_in_view (self, tile);

  if (gtk_widget_get_child_visible (tile) == in_view)
    return in_view;
  cb_widget_set_drawn (tile, in_view);
  if (in_view)
    g_object_set_qdata (G_OBJECT (tile), shown_quark, NULL);
  return in_view;
}

/* Whether a queue counts for @tile's filters (its ids, its teams). */
static gboolean
queue_passes (const CbBoardTile *tile,
              CbEntity          *queue)
{
  gboolean team;

  if (tile == NULL)
    return TRUE;
  if (tile->queue_ids[0] != NULL
      && !g_strv_contains ((const char * const *) tile->queue_ids, cb_entity_get_id (queue)))
    return FALSE;
  team = tile->team_ids[0] == NULL;
  for (guint i = 0; !team && tile->team_ids[i] != NULL; i++)
    team = cb_entity_has_in_array (queue, "team_ids", tile->team_ids[i]);
  return team;
}

static void
show_floor (CbWallboardPage *self,
            CbMetricItem    *item,
            CbMetricWindowKind kind,
            gint64           now_ms,
            CbMetricValue   *out)
{
  CbMetricWindow window = { kind, 0, 0 };
  CbMetricScope scope = { NULL, NULL, NULL };
  CbMetricId metric = cb_metric_item_get_metric (item);

  if (self->floor_tile != NULL)
    cb_board_tile_get_scope (self->floor_tile, &scope);
  *out = (CbMetricValue) { 0 };
  cb_metrics_compute (self->metrics, metric, &scope, &window, &self->params, now_ms, out);
  cb_metric_item_show_value (item, out, &self->params);
  if (self->floor_tile != NULL && cb_board_tile_get_threshold (self->floor_tile, metric) != NULL)
    cb_metric_item_set_level (item, cb_board_tile_level (self->floor_tile, metric, out));
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
  CbMetricScope scope = { NULL, NULL, NULL };
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
  if (self->floor_tile != NULL)
    cb_board_tile_get_scope (self->floor_tile, &scope);
  cb_metrics_compute (self->metrics, CB_METRIC_OFFERED, &scope, &today, &self->params, now_ms,
                      &offered);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CbEntity) queue = g_list_model_get_item (queues, i);
      CbQueueCounters counters;

      if (queue_passes (self->floor_tile, queue) && cb_queue_counters_read (queue, &counters))
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
          CbMetricId metric = cb_metric_item_get_metric (day[i]);

          cb_queue_counters_value (&sum, metric, &self->params, offered.from_ms, offered.to_ms, &v);
          cb_metric_item_show_value (day[i], &v, &self->params);
          if (self->floor_tile != NULL && cb_board_tile_get_threshold (self->floor_tile, metric) != NULL)
            cb_metric_item_set_level (day[i], cb_board_tile_level (self->floor_tile, metric, &v));
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

      if (message != NULL)
        /* Translators: the empty wallboard while the backend cannot be reached; %s is the reason */
        text = g_strdup_printf (_("Not connected: %s Calls waiting, service level and agents by "
                                  "state appear here once the backend answers."), message);
      else
        /* Translators: the empty wallboard while the backend cannot be reached */
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
  if (self->metrics == metrics)
    return;
  self->metrics = metrics;
  self->n_calls = 0;
  reset_trends (self);
  mark_dirty (self);
}

static gboolean
is_state_metric (CbMetricId metric)
{
  return metric == CB_METRIC_CALLS_WAITING || metric == CB_METRIC_LONGEST_WAIT
         || (metric >= CB_METRIC_AGENTS_LOGGED_IN && metric <= CB_METRIC_AGENTS_PAUSED)
         || metric == CB_METRIC_LEADS_DIALABLE;
}

/* Single figures: state figures and live windows every frame, the others
 * with the full refreshes. */
static void
refresh_kpis (CbWallboardPage *self,
              gboolean         full,
              gint64           now_ms)
{
  for (guint i = 0; i < self->kpis->len; i++)
    {
      CbMetricItem *item = g_ptr_array_index (self->kpis, i);
      const CbBoardTile *tile = g_object_get_data (G_OBJECT (item), "board-tile");
      CbMetricWindow window = { tile->window, 0, 0 };
      CbMetricScope scope;
      CbMetricValue v = { 0 };

      if (!full && tile->window != CB_METRIC_WINDOW_LIVE && !is_state_metric (tile->metric))
        continue;
      cb_board_tile_get_scope (tile, &scope);
      cb_metrics_compute (self->metrics, tile->metric, &scope, &window, &self->params, now_ms, &v);
      cb_metric_item_show_value (item, &v, &self->params);
      if (tile->metric == CB_METRIC_LONGEST_WAIT && !v.has_value)
        {
          CbMetricValue waiting = { 0 };

          /* Nobody waits: a real zero, as on the queue tiles. */
          cb_metrics_compute (self->metrics, CB_METRIC_CALLS_WAITING, &scope, &window, &self->params,
                              now_ms, &waiting);
          if (waiting.has_value)
            {
              g_autofree char *zero = cb_format_duration (0);

              cb_metric_item_show_text (item, zero, NULL);
            }
        }
      if (cb_board_tile_get_threshold (tile, tile->metric) != NULL)
        cb_metric_item_set_level (item, cb_board_tile_level (tile, tile->metric, &v));
      if (full)
        cb_metric_item_show_text (item, NULL, cb_board_window_get_label (tile->window));
    }
}

/* Every frame with changes: what describes now (agents by state, calls
 * waiting, longest waits). At most once a second, or when tiles come and
 * go: the day's figures too — a day's service level does not move within a
 * second, and recomputing it over every call 60 times a second would cost
 * the frames their budget on a large backend. Those once-a-second parts
 * are spread over frames, so no frame carries the whole second: one part
 * a frame (PART_DAY, the campaigns, the chart), and of the queue tiles in
 * view those last updated in full a second ago or more, about a sixth of
 * them a frame. @full (or tiles coming and going) does everything now. */
static void
refresh (CbWallboardPage *self,
         gboolean         full)
{
  GListModel *queues = NULL, *campaigns = NULL;
  g_autofree CbMetricInterval *intervals = NULL;
  CbMetricScope chart_scope = { NULL, NULL, NULL };
  GHashTableIter iter;
  gpointer key, tile;
  gboolean changed = FALSE, due[N_PARTS], busy = FALSE, more = FALSE;
  gint64 now_ms, now_us = g_get_monotonic_time ();
  guint n = 0, in_view = 0;

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
  for (guint g = 0; g < self->groups->len; g++)
    {
      CbBoardGroup *group = g_ptr_array_index (self->groups, g);
      gboolean of_queues = cb_board_group_get_tile (group)->kind == CB_BOARD_TILE_QUEUES;

      if (cb_board_group_reconcile (group, of_queues ? queues : campaigns))
        changed = TRUE;
    }
  if (changed)
    full = TRUE;
  for (guint p = 0; p < N_PARTS; p++)
    {
      gboolean late = now_us - self->last_part_us[p] >= G_USEC_PER_SEC;

      due[p] = full || (!busy && late);
      if (due[p])
        {
          self->last_part_us[p] = now_us;
          busy = TRUE;
        }
      else if (late)
        more = TRUE;
    }
  refresh_floor (self, queues, due[PART_DAY], now_ms);

  /* Many calls at once (a snapshot bringing the day's calls): the lines
   * are refilled from the engine rather than left with the gaps of before. */
  {
    guint n_calls = cb_metrics_get_n_calls (self->metrics);

    if (n_calls > self->n_calls + MAX (50, self->n_calls / 10))
      reset_trends (self);
    self->n_calls = n_calls;
  }

  for (guint g = 0; g < self->groups->len; g++)
    {
      CbBoardGroup *group = g_ptr_array_index (self->groups, g);
      guint budget;

      if (cb_board_group_get_tile (group)->kind != CB_BOARD_TILE_QUEUES)
        continue;
      budget = full ? G_MAXUINT : 2 + self->tiles_in_view / 6;
      g_hash_table_iter_init (&iter, cb_board_group_get_tiles (group));
      while (g_hash_table_iter_next (&iter, &key, &tile))
        {
          /* A tile never shown in full is, in view or not yet laid out:
           * it would say only its queue's id until its turn came. */
          gboolean shown = g_object_get_qdata (tile, shown_quark) != NULL;
          gsize last_ms = GPOINTER_TO_SIZE (g_object_get_qdata (tile, full_quark));
          gboolean late = (gsize) (now_us / 1000) + 1 - last_ms >= 1000;

          if (!cull (self, tile))
            continue;
          shown = g_object_get_qdata (tile, shown_quark) != NULL;
          in_view++;
          if (!shown || full || (late && budget > 0))
            {
              cb_queue_tile_update (tile, self->metrics,
                                    cb_entity_model_lookup (CB_ENTITY_MODEL (queues), key),
                                    &self->params, now_ms);
              g_object_set_qdata (tile, shown_quark, GINT_TO_POINTER (TRUE));
              g_object_set_qdata (tile, full_quark, GSIZE_TO_POINTER ((gsize) (now_us / 1000) + 1));
              if (budget > 0 && budget != G_MAXUINT)
                budget--;
              continue;
            }
          if (late)
            more = TRUE;
          cb_queue_tile_update_now (tile, self->metrics, &self->params, now_ms);
        }
    }
  self->tiles_in_view = in_view;
  /* What is due and waits for its frame: the next one, events or not. */
  if (more)
    mark_dirty (self);

  refresh_kpis (self, due[PART_DAY], now_ms);

  for (guint g = 0; g < self->groups->len; g++)
    {
      CbBoardGroup *group = g_ptr_array_index (self->groups, g);
      gboolean of_campaigns = cb_board_group_get_tile (group)->kind == CB_BOARD_TILE_CAMPAIGNS;

      /* No campaigns (an inbound-only backend): no campaign section. */
      if (due[PART_CAMPAIGNS]
          && gtk_widget_get_visible (GTK_WIDGET (group))
             != (cb_board_group_get_n_tiles (group) > 0 || cb_board_group_get_missing_text (group) != NULL
                 || !of_campaigns))
        gtk_widget_set_visible (GTK_WIDGET (group), !gtk_widget_get_visible (GTK_WIDGET (group)));
      if (!of_campaigns)
        continue;
      /* Once a second, and at once when a tile comes into view. */
      g_hash_table_iter_init (&iter, cb_board_group_get_tiles (group));
      while (g_hash_table_iter_next (&iter, &key, &tile))
        if (cull (self, tile) && (due[PART_CAMPAIGNS] || g_object_get_qdata (tile, shown_quark) == NULL))
          {
            cb_campaign_tile_update (tile, self->metrics,
                                     cb_entity_model_lookup (CB_ENTITY_MODEL (campaigns), key), now_ms);
            g_object_set_qdata (tile, shown_quark, GINT_TO_POINTER (TRUE));
          }
    }

  if (self->chart_tile == NULL || !due[PART_CHART])
    return;
  cb_board_tile_get_scope (self->chart_tile, &chart_scope);
  intervals = cb_metrics_get_intervals_today (self->metrics, &chart_scope, &self->params, now_ms, &n);
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

        if (queue_passes (self->chart_tile, queue) && cb_queue_counters_read (queue, &counters))
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


/* ---- the board ----------------------------------------------------------- */

static void
place (CbWallboardPage *self,
       GtkWidget       *widget,
       int              column,
       int              row,
       int              span)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self->content));
  GtkGridLayoutChild *child;

  if (gtk_widget_get_parent (widget) == NULL)
    {
      gtk_grid_attach (self->content, widget, column, row, span, 1);
      return;
    }
  child = GTK_GRID_LAYOUT_CHILD (gtk_layout_manager_get_layout_child (layout, widget));
  gtk_grid_layout_child_set_column (child, column);
  gtk_grid_layout_child_set_row (child, row);
  gtk_grid_layout_child_set_column_span (child, span);
}

static GtkWidget *
kpi_new (const CbBoardTile *tile)
{
  GtkWidget *item = g_object_new (CB_TYPE_METRIC_ITEM,
                                  "metric-key", cb_metric_get_info (tile->metric)->key,
                                  "caption", tile->title != NULL ? tile->title
                                                                 : cb_metric_get_name (tile->metric),
                                  "hexpand", TRUE,
                                  "valign", GTK_ALIGN_START,
                                  NULL);

  gtk_widget_add_css_class (item, "card");
  gtk_widget_add_css_class (item, "wallboard-tile");
  gtk_widget_add_css_class (item, "kpi-floor");
  gtk_widget_add_css_class (item, "board-kpi");
  {
    g_autofree char *size = g_strdup_printf ("board-size-%s", cb_board_tile_size_to_string (tile->size));

    gtk_widget_add_css_class (item, size);
  }
  g_object_set_data_full (G_OBJECT (item), "board-tile", cb_board_tile_copy (tile),
                          (GDestroyNotify) cb_board_tile_free);
  return item;
}

/* Lays the board's tiles out on the grid, in order, each spanning its
 * size, a new row when one does not fit. */
static void
apply_board (CbWallboardPage *self)
{
  GtkWidget *slot_child;
  int column = 0, row = 0;

  for (guint i = 0; i < self->groups->len; i++)
    gtk_grid_remove (self->content, g_ptr_array_index (self->groups, i));
  for (guint i = 0; i < self->kpis->len; i++)
    gtk_grid_remove (self->content, g_ptr_array_index (self->kpis, i));
  g_ptr_array_set_size (self->groups, 0);
  g_ptr_array_set_size (self->kpis, 0);
  self->floor_tile = self->chart_tile = self->agents_tile = NULL;

  for (guint i = 0; i < self->shown->tiles->len; i++)
    {
      CbBoardTile *tile = g_ptr_array_index (self->shown->tiles, i);
      GtkWidget *widget = NULL;
      int span = CLAMP ((int) tile->size, 1, CB_BOARD_COLUMNS);

      switch (tile->kind)
        {
        case CB_BOARD_TILE_FLOOR:
          self->floor_tile = tile;
          widget = self->floor_strip;
          break;
        case CB_BOARD_TILE_CHART:
          self->chart_tile = tile;
          widget = self->chart_section;
          gtk_label_set_label (self->chart_heading, tile->title != NULL
                                                    ? tile->title
                                                    : C_("wallboard", "Today by quarter hour"));
          break;
        case CB_BOARD_TILE_QUEUES:
        case CB_BOARD_TILE_CAMPAIGNS:
          widget = cb_board_group_new (tile);
          gtk_widget_set_valign (widget, GTK_ALIGN_START);
          g_ptr_array_add (self->groups, widget);
          break;
        case CB_BOARD_TILE_KPI:
          widget = kpi_new (tile);
          g_ptr_array_add (self->kpis, widget);
          break;
        case CB_BOARD_TILE_AGENTS:
          self->agents_tile = tile;
          break;
        case CB_BOARD_TILE_N_KINDS:
        default:
          g_assert_not_reached ();
        }
      if (widget == NULL)
        continue;

      if (column + span > CB_BOARD_COLUMNS)
        {
          row++;
          column = 0;
        }
      place (self, widget, column, row, span);
      column += span;
    }

  /* What the board does not have stays out of sight, below the rest. */
  gtk_widget_set_visible (self->floor_strip, self->floor_tile != NULL);
  gtk_widget_set_visible (self->chart_section, self->chart_tile != NULL);
  if (self->floor_tile == NULL)
    place (self, self->floor_strip, 0, row + 1, CB_BOARD_COLUMNS);
  if (self->chart_tile == NULL)
    place (self, self->chart_section, 0, row + 2, CB_BOARD_COLUMNS);

  /* The agent board takes the board's filters: one team, one queue. */
  slot_child = gtk_widget_get_first_child (GTK_WIDGET (self->agent_board_slot));
  if (self->agents_tile != NULL && CB_IS_AGENT_BOARD (slot_child))
    {
      cb_agent_board_set_team_filter (CB_AGENT_BOARD (slot_child), self->agents_tile->team_ids[0]);
      cb_agent_board_set_queue_filter (CB_AGENT_BOARD (slot_child), self->agents_tile->queue_ids[0]);
    }

  if (self->params.sl_variant != self->shown->sl_variant)
    {
      self->params.sl_variant = self->shown->sl_variant;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SL_VARIANT]);
    }
  gtk_label_set_label (self->board_label, self->shown->name);
  self->split_auto = -1;
  memset (self->last_part_us, 0, sizeof self->last_part_us);
  mark_dirty (self);
}

static GtkWindow *
get_window (CbWallboardPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
show_toast (CbWallboardPage *self,
            const char      *text)
{
  AdwToast *toast = cb_toast_new_text (text);

  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
show_error (CbWallboardPage *self,
            const char      *heading,
            const char      *body)
{
  GtkWidget *dialog = adw_message_dialog_new (get_window (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
update_actions (CbWallboardPage *self)
{
  gboolean saved = self->settings != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wallboard.new", saved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wallboard.duplicate", saved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wallboard.rename", saved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wallboard.edit", saved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wallboard.delete", saved && self->boards->len > 1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wallboard.export", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wallboard.import", saved);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wallboard.next", saved && self->boards->len > 1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wallboard.previous", saved && self->boards->len > 1);
  gtk_widget_set_visible (self->board_bar, saved);
}

static void
rebuild_menu (CbWallboardPage *self)
{
  g_autoptr(GMenu) boards = g_menu_new ();
  g_autoptr(GMenu) manage = g_menu_new ();
  g_autoptr(GMenu) share = g_menu_new ();

  g_menu_remove_all (self->boards_menu);
  for (guint i = 0; i < self->boards->len; i++)
    {
      CbBoard *board = g_ptr_array_index (self->boards, i);
      g_autoptr(GMenuItem) item = g_menu_item_new (board->name, NULL);

      g_menu_item_set_action_and_target_value (item, "wallboard.board", g_variant_new_string (board->id));
      g_menu_append_item (boards, item);
    }
  g_menu_append (manage, _("_New Wallboard"), "wallboard.new");
  g_menu_append (manage, _("_Duplicate"), "wallboard.duplicate");
  g_menu_append (manage, _("_Rename…"), "wallboard.rename");
  g_menu_append (manage, _("_Edit…"), "wallboard.edit");
  g_menu_append (manage, _("De_lete"), "wallboard.delete");
  g_menu_append (share, _("_Import…"), "wallboard.import");
  g_menu_append (share, _("E_xport…"), "wallboard.export");
  g_menu_append_section (self->boards_menu, NULL, G_MENU_MODEL (boards));
  g_menu_append_section (self->boards_menu, NULL, G_MENU_MODEL (manage));
  g_menu_append_section (self->boards_menu, NULL, G_MENU_MODEL (share));
  update_actions (self);
}

/* Shows @board (a copy is kept); nothing happens if it is the one shown. */
static void
show_board (CbWallboardPage *self,
            const CbBoard   *board)
{
  gboolean same_id = self->shown != NULL && g_strcmp0 (self->shown->id, board->id) == 0;

  if (self->shown != NULL && cb_board_equal (self->shown, board))
    return;
  g_clear_pointer (&self->shown, cb_board_unref);
  self->shown = cb_board_copy (board, NULL);
  apply_board (self);
  if (!same_id)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_BOARD]);
}

static void
save_boards (CbWallboardPage *self)
{
  g_autofree char *data = NULL;

  if (self->settings == NULL)
    return;
  data = cb_boards_to_data (self->boards, NULL);
  /* What the page writes, it has: only others' changes are read back. */
  self->saving = TRUE;
  g_settings_set_string (self->settings, "wallboards", data);
  g_settings_set_string (self->settings, "active-wallboard", self->shown->id);
  self->saving = FALSE;
}

/* The saved boards, or the built-in one; boards that cannot be read are
 * said so, and left in the settings until the user changes a board. */
static void
load_boards (CbWallboardPage *self)
{
  g_autofree char *data = g_settings_get_string (self->settings, "wallboards");
  g_autofree char *active = g_settings_get_string (self->settings, "active-wallboard");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) boards = NULL;
  CbBoard *board;

  if (data != NULL && *data != '\0')
    boards = cb_boards_from_data (data, -1, &error);
  if (boards == NULL)
    {
      boards = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_board_unref);
      g_ptr_array_add (boards, cb_board_new_default ());
    }
  if (error != NULL)
    {
      /* Translators: %s says what is wrong in the saved wallboards */
      g_autofree char *text = g_strdup_printf (_("The saved wallboards cannot be read (%s). The "
                                                 "built-in one is shown."), error->message);

      g_message ("Saved wallboards: %s", error->message);
      show_toast (self, text);
    }

  g_clear_pointer (&self->boards, g_ptr_array_unref);
  self->boards = g_steal_pointer (&boards);
  board = cb_boards_lookup (self->boards, active);
  show_board (self, board != NULL ? board : g_ptr_array_index (self->boards, 0));
  rebuild_menu (self);
}

static void
on_settings_changed (CbWallboardPage *self,
                     const char      *key,
                     GSettings       *settings)
{
  if (!self->saving)
    load_boards (self);
}

/* Puts @board (taken) after the one shown, shows it and saves. */
static void
add_board (CbWallboardPage *self,
           CbBoard         *board)
{
  guint index = self->boards->len;

  for (guint i = 0; i < self->boards->len; i++)
    if (g_strcmp0 (((CbBoard *) g_ptr_array_index (self->boards, i))->id, self->shown->id) == 0)
      index = i + 1;
  g_ptr_array_insert (self->boards, index, board);
  show_board (self, board);
  save_boards (self);
  rebuild_menu (self);
}

/* Replaces the saved board of @board's id, shows it and saves. */
static void
replace_board (CbWallboardPage *self,
               const CbBoard   *board)
{
  for (guint i = 0; i < self->boards->len; i++)
    if (g_strcmp0 (((CbBoard *) g_ptr_array_index (self->boards, i))->id, board->id) == 0)
      {
        CbBoard *old = g_ptr_array_index (self->boards, i);

        g_ptr_array_index (self->boards, i) = cb_board_copy (board, NULL);
        cb_board_unref (old);
        break;
      }
  show_board (self, board);
  save_boards (self);
  rebuild_menu (self);
}

static void
on_editor_changed (CbWallboardPage *self,
                   CbBoardEditor   *editor)
{
  const CbBoard *board = cb_board_editor_get_board (editor);

  /* Deleted meanwhile (in another window): nothing to save it over. */
  if (cb_boards_lookup (self->boards, board->id) == NULL)
    return;
  replace_board (self, board);
}

static void
edit_board (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);
  GtkWidget *editor;

  if (self->editor != NULL)
    {
      gtk_window_present (self->editor);
      return;
    }
  editor = cb_board_editor_new (get_window (self), self->shown, self->store);
  g_signal_connect_object (editor, "changed", G_CALLBACK (on_editor_changed), self, G_CONNECT_SWAPPED);
  self->editor = GTK_WINDOW (editor);
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &self->editor);
  gtk_window_present (GTK_WINDOW (editor));
}

/* Ctrl+Page Down / Up: the next or the previous saved board, round. */
static void
step_board (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);
  int delta = g_strcmp0 (action_name, "wallboard.previous") == 0 ? -1 : 1;
  guint n = self->boards->len;

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (((CbBoard *) g_ptr_array_index (self->boards, i))->id, self->shown->id) == 0)
      {
        CbBoard *next = g_ptr_array_index (self->boards, (i + n + delta) % n);

        cb_wallboard_page_set_active_board (self, next->id);
        return;
      }
}

static void
new_board (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);
  g_autofree char *id = cb_board_make_id ();
  /* Translators: the name of a wallboard the user has just created */
  g_autofree char *name = cb_boards_unique_name (self->boards, _("New Wallboard"));
  CbBoard *board = cb_board_new (id, name);

  board->sl_variant = self->shown->sl_variant;
  cb_board_add_tile (board, cb_board_tile_new (CB_BOARD_TILE_FLOOR));
  cb_board_add_tile (board, cb_board_tile_new (CB_BOARD_TILE_QUEUES));
  add_board (self, board);
  edit_board (widget, NULL, NULL);
}

static void
duplicate_board (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);
  g_autofree char *id = cb_board_make_id ();
  CbBoard *copy = cb_board_copy (self->shown, id);

  g_free (copy->name);
  copy->name = cb_boards_unique_name (self->boards, self->shown->name);
  add_board (self, copy);
}

static void
on_rename_response (AdwMessageDialog *dialog,
                    const char       *response,
                    CbWallboardPage  *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_strcmp0 (response, "rename") != 0 || *name == '\0' || g_strcmp0 (name, self->shown->name) == 0)
    return;
  cb_wallboard_page_rename_board (self, self->shown->id, name);
}

static void
rename_board (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);
  GtkWidget *dialog = adw_message_dialog_new (get_window (self), _("Rename Wallboard"), NULL);
  GtkWidget *entry = gtk_entry_new ();

  gtk_editable_set_text (GTK_EDITABLE (entry), self->shown->name);
  gtk_entry_set_max_length (GTK_ENTRY (entry), CB_BOARD_MAX_NAME);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "rename", _("_Rename"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_rename_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_delete_response (AdwMessageDialog *dialog,
                    const char       *response,
                    CbWallboardPage  *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "board-id");

  if (g_strcmp0 (response, "delete") == 0)
    cb_wallboard_page_delete_board (self, id);
}

static void
delete_board (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);
  /* Translators: %s is a wallboard's name */
  g_autofree char *heading = g_strdup_printf (_("Delete “%s”?"), self->shown->name);
  GtkWidget *dialog = adw_message_dialog_new (get_window (self), heading,
                                              _("The wallboard is removed from this computer. "
                                                "Copies exported to files are kept."));

  g_object_set_data_full (G_OBJECT (dialog), "board-id", g_strdup (self->shown->id), g_free);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- export and import --------------------------------------------------- */

static GtkFileFilter *
json_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  /* Translators: a file type in the file chooser */
  gtk_file_filter_set_name (filter, _("Wallboards (JSON)"));
  gtk_file_filter_add_mime_type (filter, "application/json");
  gtk_file_filter_add_suffix (filter, "json");
  return filter;
}

static void
on_replaced (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_exported (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (object);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);

  if (!cb_wallboard_page_export_finish (self, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Translators: %s is a file name */
          g_autofree char *heading = g_strdup_printf (_("Could Not Export to “%s”"), name);

          show_error (self, heading, error->message);
        }
      return;
    }
  {
    /* Translators: a toast; %s is a file name */
    g_autofree char *text = g_strdup_printf (_("Exported to “%s”"), name);

    show_toast (self, text);
  }
}

static void
on_export_chosen (GtkNativeDialog *native,
                  int              response,
                  CbWallboardPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      if (file != NULL)
        cb_wallboard_page_export_async (self, file, self->cancellable, on_exported,
                                        g_object_ref (file));
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
export_board (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) filter = json_filter ();
  g_autofree char *name = g_strdup_printf ("%s.json", self->shown->name);

  g_strdelimit (name, "/\\", '-');
  native = gtk_file_chooser_native_new (_("Export Wallboard"), get_window (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  g_signal_connect_object (native, "response", G_CALLBACK (on_export_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
on_imported (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (object);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  guint n = cb_wallboard_page_import_finish (self, result, &error);

  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Translators: %s is a file name */
          g_autofree char *heading = g_strdup_printf (_("Could Not Import “%s”"), name);
          g_autofree char *body = NULL;

          /* Translators: %s says what is wrong in the file, and where */
          body = g_strdup_printf (_("%s\n\nYour wallboards are unchanged."), error->message);
          g_message ("Import of %s: %s", name, error->message);
          show_error (self, heading, body);
        }
      return;
    }
  {
    g_autofree char *text = NULL;

    if (n == 1)
      /* Translators: a toast; %s is the name of the wallboard imported, now shown */
      text = g_strdup_printf (_("Imported “%s”"), self->shown->name);
    else
      /* Translators: a toast; %u is a count (more than one), %s the name of the wallboard shown */
      text = g_strdup_printf (ngettext ("Imported %u wallboard; showing “%s”",
                                        "Imported %u wallboards; showing “%s”", n),
                              n, self->shown->name);

    show_toast (self, text);
  }
}

static void
on_import_chosen (GtkNativeDialog *native,
                  int              response,
                  CbWallboardPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      if (file != NULL)
        cb_wallboard_page_import_file (self, file);
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
import_board (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (widget);
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) filter = json_filter ();

  native = gtk_file_chooser_native_new (_("Import Wallboards"), get_window (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  g_signal_connect_object (native, "response", G_CALLBACK (on_import_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
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
    case PROP_ACTIVE_BOARD:
      g_value_set_string (value, self->shown->id);
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
    case PROP_ACTIVE_BOARD:
      cb_wallboard_page_set_active_board (self, g_value_get_string (value));
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
  g_cancellable_cancel (self->cancellable);
  if (self->editor != NULL)
    gtk_window_destroy (self->editor);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
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
  if (self->groups != NULL)
    g_ptr_array_set_size (self->groups, 0);
  if (self->kpis != NULL)
    g_ptr_array_set_size (self->kpis, 0);
  self->floor_tile = self->chart_tile = self->agents_tile = NULL;

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_WALLBOARD_PAGE);

  G_OBJECT_CLASS (cb_wallboard_page_parent_class)->dispose (object);
}

static void
cb_wallboard_page_finalize (GObject *object)
{
  CbWallboardPage *self = CB_WALLBOARD_PAGE (object);

  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->kpis, g_ptr_array_unref);
  g_clear_pointer (&self->shown, cb_board_unref);
  g_clear_pointer (&self->boards, g_ptr_array_unref);
  g_clear_object (&self->boards_menu);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->stale_message, g_free);

  G_OBJECT_CLASS (cb_wallboard_page_parent_class)->finalize (object);
}

static void
cb_wallboard_page_class_init (CbWallboardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  shown_quark = g_quark_from_static_string ("cb-wallboard-tile-shown");
  full_quark = g_quark_from_static_string ("cb-wallboard-tile-full");

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
  /**
   * CbWallboardPage:active-board:
   *
   * The id of the board shown; with settings, of one of the saved boards.
   */
  properties[PROP_ACTIVE_BOARD] =
    g_param_spec_string ("active-board", NULL, NULL, CB_BOARD_DEFAULT_ID,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_property_action (widget_class, "wallboard.board", "active-board");
  gtk_widget_class_install_action (widget_class, "wallboard.new", NULL, new_board);
  gtk_widget_class_install_action (widget_class, "wallboard.duplicate", NULL, duplicate_board);
  gtk_widget_class_install_action (widget_class, "wallboard.rename", NULL, rename_board);
  gtk_widget_class_install_action (widget_class, "wallboard.edit", NULL, edit_board);
  gtk_widget_class_install_action (widget_class, "wallboard.delete", NULL, delete_board);
  gtk_widget_class_install_action (widget_class, "wallboard.export", NULL, export_board);
  gtk_widget_class_install_action (widget_class, "wallboard.import", NULL, import_board);
  gtk_widget_class_install_action (widget_class, "wallboard.next", NULL, step_board);
  gtk_widget_class_install_action (widget_class, "wallboard.previous", NULL, step_board);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, GDK_CONTROL_MASK,
                                       "wallboard.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, GDK_CONTROL_MASK,
                                       "wallboard.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "wallboard.edit", NULL);

  g_type_ensure (CB_TYPE_METRIC_ITEM);
  g_type_ensure (CB_TYPE_INTERVAL_CHART);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/cb-wallboard-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, stack);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, board);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, stale_bar);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, stale_label);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, cache_bar);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, cache_label);
  gtk_widget_class_bind_template_callback (widget_class, on_cache_bar_closed);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, board_bar);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, board_button);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, board_label);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, split);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, content);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, floor_strip);
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
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, chart_section);
  gtk_widget_class_bind_template_child (widget_class, CbWallboardPage, chart_heading);
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
  self->groups = g_ptr_array_new ();
  self->kpis = g_ptr_array_new ();
  self->boards = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_board_unref);
  self->boards_menu = g_menu_new ();
  self->cancellable = g_cancellable_new ();
  gtk_menu_button_set_menu_model (self->board_button, G_MENU_MODEL (self->boards_menu));

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

  /* Tiles scrolled into view are brought up to date at once; so are
   * those a new size brings into view. */
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                           G_CALLBACK (on_model_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->scroller), "changed",
                           G_CALLBACK (on_model_changed), self, G_CONNECT_SWAPPED);

  /* Until told otherwise, the board everyone had before boards were built. */
  g_ptr_array_add (self->boards, cb_board_new_default ());
  show_board (self, g_ptr_array_index (self->boards, 0));
  rebuild_menu (self);
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
  for (guint i = 0; i < self->groups->len; i++)
    cb_board_group_reconcile (g_ptr_array_index (self->groups, i), NULL);

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
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (variant <= CB_SL_ABANDON_NEUTRAL);

  if (self->params.sl_variant == variant)
    return;

  self->params.sl_variant = variant;
  reset_trends (self);
  mark_dirty (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SL_VARIANT]);
}

const CbMetricParams *
cb_wallboard_page_get_params (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return &self->params;
}


/* ---- boards -------------------------------------------------------------- */

/**
 * cb_wallboard_page_set_board:
 * @board: the board to show, copied
 *
 * Shows @board, laid out as it says. With settings, use
 * cb_wallboard_page_set_active_board () for one of the saved boards.
 */
void
cb_wallboard_page_set_board (CbWallboardPage *self,
                             const CbBoard   *board)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (board != NULL);

  show_board (self, board);
}

/**
 * cb_wallboard_page_get_board:
 *
 * Returns: (transfer none): the board shown
 */
const CbBoard *
cb_wallboard_page_get_board (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return self->shown;
}

/**
 * cb_wallboard_page_set_settings:
 * @settings: (nullable): the application's settings
 *
 * With settings, the page shows the active one of the boards saved in
 * them (`wallboards`, `active-wallboard`), follows their changes, and its
 * bar offers to switch, build, export and import boards.
 */
void
cb_wallboard_page_set_settings (CbWallboardPage *self,
                                GSettings       *settings)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  if (self->settings == settings)
    return;
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    {
      g_signal_connect_swapped (settings, "changed::wallboards", G_CALLBACK (on_settings_changed), self);
      g_signal_connect_swapped (settings, "changed::active-wallboard",
                                G_CALLBACK (on_settings_changed), self);
      load_boards (self);
    }
  update_actions (self);
}

/**
 * cb_wallboard_page_get_boards:
 *
 * Returns: (transfer none) (element-type CbBoard): the saved boards
 */
GPtrArray *
cb_wallboard_page_get_boards (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return self->boards;
}

/**
 * cb_wallboard_page_set_active_board:
 * @id: the id of one of the saved boards
 *
 * Shows it, and remembers it in the settings.
 */
void
cb_wallboard_page_set_active_board (CbWallboardPage *self,
                                    const char      *id)
{
  CbBoard *board;

  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));

  board = cb_boards_lookup (self->boards, id);
  if (board == NULL || g_strcmp0 (self->shown->id, id) == 0)
    return;
  show_board (self, board);
  if (self->settings != NULL)
    {
      self->saving = TRUE;
      g_settings_set_string (self->settings, "active-wallboard", id);
      self->saving = FALSE;
    }
  if (self->editor != NULL)
    gtk_window_destroy (self->editor);
}

const char *
cb_wallboard_page_get_active_board (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return self->shown->id;
}

/**
 * cb_wallboard_page_save_board:
 * @board: a saved board, changed (as the editor changes it)
 *
 * Replaces the saved board of the same id, shows it and saves.
 */
void
cb_wallboard_page_save_board (CbWallboardPage *self,
                              const CbBoard   *board)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (board != NULL);
  g_return_if_fail (cb_boards_lookup (self->boards, board->id) != NULL);

  replace_board (self, board);
}

void
cb_wallboard_page_rename_board (CbWallboardPage *self,
                                const char      *id,
                                const char      *name)
{
  CbBoard *board;
  g_autoptr(CbBoard) copy = NULL;
  g_autofree char *stripped = NULL;

  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (name != NULL);

  board = cb_boards_lookup (self->boards, id);
  stripped = g_strstrip (g_strdup (name));
  if (board == NULL || *stripped == '\0' || g_strcmp0 (board->name, stripped) == 0)
    return;
  copy = cb_board_copy (board, NULL);
  g_free (copy->name);
  copy->name = cb_boards_unique_name (self->boards, stripped);
  if (g_utf8_strlen (copy->name, -1) > CB_BOARD_MAX_NAME)
    return;
  replace_board (self, copy);
}

/**
 * cb_wallboard_page_delete_board:
 *
 * Deletes a saved board, unless it is the last one; the next one shows.
 */
void
cb_wallboard_page_delete_board (CbWallboardPage *self,
                                const char      *id)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));

  if (self->boards->len <= 1)
    return;
  for (guint i = 0; i < self->boards->len; i++)
    if (g_strcmp0 (((CbBoard *) g_ptr_array_index (self->boards, i))->id, id) == 0)
      {
        g_ptr_array_remove_index (self->boards, i);
        if (g_strcmp0 (self->shown->id, id) == 0)
          show_board (self, g_ptr_array_index (self->boards, MIN (i, self->boards->len - 1)));
        save_boards (self);
        rebuild_menu (self);
        return;
      }
}

/**
 * cb_wallboard_page_export_async:
 * @file: where to write the board shown, as a document of one board
 */
void
cb_wallboard_page_export_async (CbWallboardPage     *self,
                                GFile               *file,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  gsize length = 0;
  char *data;

  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cb_wallboard_page_export_async);
  g_ptr_array_add (one, self->shown);
  data = cb_boards_to_data (one, &length);
  bytes = g_bytes_new_take (data, length);
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       cancellable, on_replaced, g_steal_pointer (&task));
}

gboolean
cb_wallboard_page_export_finish (CbWallboardPage  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_loaded (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CbWallboardPage *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) imported = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  guint first;

  if (!g_file_load_contents_finish (G_FILE (object), result, &data, &length, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  imported = cb_boards_from_data (data, length, &error);
  if (imported == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->boards->len + imported->len > CB_BOARD_MAX_BOARDS)
    {
      g_task_return_new_error (task, CB_BOARD_ERROR, CB_BOARD_ERROR_INVALID,
                               /* Translators: %u is the most wallboards one can keep */
                               _("Too many wallboards: one can keep %u."), CB_BOARD_MAX_BOARDS);
      return;
    }

  first = self->boards->len;
  cb_boards_merge (self->boards, imported);
  show_board (self, g_ptr_array_index (self->boards, first));
  save_boards (self);
  rebuild_menu (self);
  g_task_return_int (task, imported->len);
}

/**
 * cb_wallboard_page_import_async:
 * @file: a wallboard file
 *
 * Reads @file and adds its boards to the saved ones, renaming those whose
 * name is taken; the first of them shows. A file that cannot be read, or
 * is not a valid wallboard file, changes nothing.
 */
void
cb_wallboard_page_import_async (CbWallboardPage     *self,
                                GFile               *file,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cb_wallboard_page_import_async);
  g_file_load_contents_async (file, cancellable, on_loaded, task);
}

/**
 * cb_wallboard_page_import_finish:
 *
 * Returns: how many boards were added, 0 with @error set on failure
 */
guint
cb_wallboard_page_import_finish (CbWallboardPage  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  n = g_task_propagate_int (G_TASK (result), error);
  return n > 0 ? (guint) n : 0;
}

/**
 * cb_wallboard_page_import_file:
 *
 * Imports @file as the Import… menu item does, and says how it went: a
 * toast, or a dialog with what is wrong in the file.
 */
void
cb_wallboard_page_import_file (CbWallboardPage *self,
                               GFile           *file)
{
  g_return_if_fail (CB_IS_WALLBOARD_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  cb_wallboard_page_import_async (self, file, self->cancellable, on_imported, g_object_ref (file));
}

/**
 * cb_wallboard_page_get_groups:
 *
 * Returns: (transfer none) (element-type CbBoardGroup): the board's queue
 *   and campaign tiles, in order
 */
GPtrArray *
cb_wallboard_page_get_groups (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return self->groups;
}

/**
 * cb_wallboard_page_get_kpi_items:
 *
 * Returns: (transfer none) (element-type CbMetricItem): the board's
 *   single figures, in order
 */
GPtrArray *
cb_wallboard_page_get_kpi_items (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return self->kpis;
}

/**
 * cb_wallboard_page_get_editor:
 *
 * Returns: (transfer none) (nullable): the board editor, while open
 */
GtkWindow *
cb_wallboard_page_get_editor (CbWallboardPage *self)
{
  g_return_val_if_fail (CB_IS_WALLBOARD_PAGE (self), NULL);
  return self->editor;
}
