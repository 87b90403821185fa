/* test-wallboard.c — the wallboard page and its tiles show what the metrics say
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds a CbMetrics (no store) with a few calls worked out by hand and
 * checks the text the tiles show, their threshold colours and the inputs
 * behind them; that the page dims every figure and says "As of" when not
 * live; that a burst of changes costs one recomputation per frame; and,
 * against the demo contact center, that the floor strip agrees with the
 * store's own agents. Times are in Europe/Tallinn (the suite's TZ) on
 * Monday 2026-11-23.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb-agent-board.h"
#include "cb-board.h"
#include "cb-board-editor.h"
#include "cb-board-group.h"
#include "cb-campaign-tile.h"
#include "cb-entity.h"
#include "cb-interval-chart.h"
#include "cb-metric-item.h"
#include "cb-queue-tile.h"
#include "cb-sparkline.h"
#include "cb-test-view.h"
#include "cb-ui-types.h"
#include "cb-wallboard-page.h"

/* 2026-11-23 00:00 EET (UTC+2) */
#define DAY          G_GINT64_CONSTANT (1795384800000)
#define SEC          G_GINT64_CONSTANT (1000)
#define MINS         (60 * SEC)
#define HOUR         (60 * MINS)
#define AT(h, m, s)  (DAY + (h) * HOUR + (m) * MINS + (s) * SEC)

static void
spin (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* An inbound call of queue q-sales: queued at @queued, answered @wait_s
 * later by an agent, talked 120 s, 30 s wrap-up; or abandoned. */
static void
put_call (CbMetrics  *metrics,
          const char *id,
          const char *queue,
          gint64      queued,
          gint64      wait_s,
          gboolean    abandoned)
{
  g_autoptr(JsonObject) o = json_object_new ();
  gint64 answered = queued + wait_s * SEC;
  gint64 ended = abandoned ? answered : answered + 120 * SEC;

  json_object_set_string_member (o, "id", id);
  json_object_set_string_member (o, "direction", "in");
  json_object_set_string_member (o, "channel", "voice");
  json_object_set_string_member (o, "state", "ended");
  json_object_set_string_member (o, "queue_id", queue);
  if (abandoned)
    json_object_set_null_member (o, "agent_id");
  else
    json_object_set_string_member (o, "agent_id", "ag-1");
  json_object_set_null_member (o, "campaign_id");
  json_object_set_null_member (o, "lead_id");
  json_object_set_null_member (o, "customer_number");
  json_object_set_int_member (o, "created_at", queued - 5 * SEC);
  json_object_set_int_member (o, "queued_at", queued);
  if (abandoned)
    json_object_set_null_member (o, "answered_at");
  else
    json_object_set_int_member (o, "answered_at", answered);
  json_object_set_int_member (o, "ended_at", ended);
  if (abandoned)
    json_object_set_null_member (o, "wrap_up_ended_at");
  else
    json_object_set_int_member (o, "wrap_up_ended_at", ended + 30 * SEC);
  json_object_set_int_member (o, "hold_ms", 0);
  json_object_set_boolean_member (o, "abandoned", abandoned);
  json_object_set_boolean_member (o, "dropped", FALSE);
  json_object_set_string_member (o, "end_reason", abandoned ? "abandoned" : "customer_hangup");
  json_object_set_null_member (o, "disposition");
  json_object_set_array_member (o, "transfers", json_array_new ());
  json_object_set_null_member (o, "survey_score");
  cb_metrics_apply_object (metrics, ended + 30 * SEC, "call", id, o);
}

static void
put_queue (CbMetrics  *metrics,
           const char *id)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_string_member (o, "id", id);
  json_object_set_string_member (o, "name", "Sales");
  json_object_set_int_member (o, "sl_threshold_s", 20);
  json_object_set_double_member (o, "sl_target_pct", 80);
  json_object_set_array_member (o, "team_ids", json_array_new ());
  cb_metrics_apply_object (metrics, AT (8, 0, 0), "queue", id, o);
}

static void
put_agent (CbMetrics  *metrics,
           const char *id,
           const char *state,
           gint64      since)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonArray *queues = json_array_new ();

  json_array_add_string_element (queues, "q-sales");
  json_object_set_string_member (o, "id", id);
  json_object_set_string_member (o, "name", id);
  json_object_set_string_member (o, "state", state);
  json_object_set_int_member (o, "state_since", since);
  json_object_set_array_member (o, "team_ids", json_array_new ());
  json_object_set_array_member (o, "queue_ids", queues);
  json_object_set_null_member (o, "campaign_id");
  cb_metrics_apply_object (metrics, since, "agent", id, o);
}

/* Three answered within 20 s and one at 30 s: SL 3 ÷ (4 + 0) = 75 %,
 * ASA (5 + 10 + 15 + 30) ÷ 4 = 15 s, AHT 120 + 30 = 150 s = 2:30. */
static CbMetrics *
metrics_with_four_calls (void)
{
  CbMetrics *metrics = cb_metrics_new ();

  cb_metrics_set_time_zone (metrics, "Europe/Tallinn");
  put_queue (metrics, "q-sales");
  put_call (metrics, "c1", "q-sales", AT (10, 0, 0), 5, FALSE);
  put_call (metrics, "c2", "q-sales", AT (10, 1, 0), 10, FALSE);
  put_call (metrics, "c3", "q-sales", AT (10, 2, 0), 15, FALSE);
  put_call (metrics, "c4", "q-sales", AT (10, 3, 0), 30, FALSE);
  return metrics;
}

static void
test_create (void)
{
  GType types[] = {
    CB_TYPE_SPARKLINE, CB_TYPE_METRIC_ITEM, CB_TYPE_INTERVAL_CHART, CB_TYPE_WALLBOARD_PAGE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      GtkWidget *widget = g_object_new (types[i], NULL);

      g_object_ref_sink (widget);
      g_assert_finalize_object (widget);
    }

  /* The board's groups and its editor, from their templates. */
  {
    g_autoptr(CbBoardTile) tile = cb_board_tile_new (CB_BOARD_TILE_QUEUES);
    g_autoptr(CbBoard) board = cb_board_new_default ();
    GtkWidget *group = cb_board_group_new (tile);
    GtkWidget *editor = cb_board_editor_new (NULL, board, NULL);

    g_object_ref_sink (group);
    g_assert_finalize_object (group);
    g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
    gtk_window_destroy (GTK_WINDOW (editor));
    spin ();
    g_assert_null (editor);
  }
}

static void
test_queue_tile (void)
{
  g_autoptr(CbMetrics) metrics = metrics_with_four_calls ();
  GtkWidget *tile = cb_queue_tile_new ("q-sales");
  CbQueueTile *qt = CB_QUEUE_TILE (tile);
  CbMetricItem *sl, *asa, *aht, *volume, *waiting;

  g_object_ref_sink (tile);
  cb_queue_tile_update (qt, metrics, NULL, NULL, AT (11, 0, 0));

  sl = cb_queue_tile_get_item (qt, CB_METRIC_SERVICE_LEVEL);
  g_assert_cmpstr (cb_metric_item_get_text (sl), ==, "75 %");
  /* Below the 80 % warning, above the 70 % critical line. */
  g_assert_cmpstr (cb_metric_item_get_level (sl), ==, "kpi-warning");
  /* Hover and click: the formula, the window in local time, the inputs. */
  g_assert_nonnull (strstr (cb_metric_item_get_details (sl), "Service level"));
  g_assert_nonnull (strstr (cb_metric_item_get_details (sl),
                            cb_metric_get_formula (CB_METRIC_SERVICE_LEVEL, NULL)));
  g_assert_nonnull (strstr (cb_metric_item_get_details (sl), "From 00:00:00 to 11:00:00"));
  g_assert_nonnull (strstr (cb_metric_item_get_details (sl), "Inputs: 3 ÷ 4"));

  asa = cb_queue_tile_get_item (qt, CB_METRIC_ASA);
  g_assert_cmpstr (cb_metric_item_get_text (asa), ==, "0:15");
  g_assert_cmpstr (cb_metric_item_get_level (asa), ==, "kpi-ok");
  aht = cb_queue_tile_get_item (qt, CB_METRIC_AHT);
  g_assert_cmpstr (cb_metric_item_get_text (aht), ==, "2:30");
  volume = cb_queue_tile_get_item (qt, CB_METRIC_OFFERED);
  g_assert_cmpstr (cb_metric_item_get_text (volume), ==, "4 / 4");

  /* Nobody waits: a real zero for calls waiting. */
  waiting = cb_queue_tile_get_item (qt, CB_METRIC_CALLS_WAITING);
  g_assert_cmpstr (cb_metric_item_get_text (waiting), ==, "0");

  /* The sparklines were seeded from the engine: the last 15 minutes at
   * each minute of the hour; at 10:10 all four calls were in it. */
  g_assert_cmpuint (cb_sparkline_get_n_samples (cb_metric_item_get_sparkline (sl)), ==,
                    CB_SPARKLINE_N_SAMPLES);
  g_assert_cmpfloat_with_epsilon (cb_sparkline_get_sample (cb_metric_item_get_sparkline (sl), 50),
                                  75.0, 1e-9);

  /* One abandon after 40 s: SL 3 ÷ (4 + 1) = 60 %, critical, and the tile says so. */
  put_call (metrics, "c5", "q-sales", AT (10, 30, 0), 40, TRUE);
  cb_queue_tile_update (qt, metrics, NULL, NULL, AT (11, 0, 30));
  g_assert_cmpstr (cb_metric_item_get_text (sl), ==, "60 %");
  g_assert_cmpstr (cb_metric_item_get_level (sl), ==, "kpi-critical");
  g_assert_cmpstr (cb_queue_tile_get_level (qt), ==, "kpi-critical");
  g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (qt, CB_METRIC_ABANDON_RATE)),
                   ==, "20 %");

  g_assert_finalize_object (tile);
}

/* A queue entity whose backend counted 40 calls today: 30 answered, 24 of
 * them within 20 s, 10 abandoned. */
static CbEntity *
queue_entity (void)
{
  const char *text =
    "{\"type\":\"event\",\"seq\":1,\"ts\":1,\"topic\":\"queues\",\"kind\":\"upsert\","
    "\"entity\":{\"type\":\"queue\",\"id\":\"q-sales\",\"rev\":3},"
    "\"data\":{\"id\":\"q-sales\",\"rev\":3,\"name\":\"Sales\",\"sl_threshold_s\":20,"
    "\"sl_target_pct\":80,\"team_ids\":[],\"stats\":{\"waiting\":0,\"longest_waiting_since\":null,"
    "\"offered_today\":40,\"answered_today\":30,\"abandoned_today\":10,\"answered_in_sl_today\":24,"
    "\"sl_pct_today\":60.0,\"avg_answer_ms_today\":12000,\"avg_handle_ms_today\":300000}}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) m = cb_message_decode (text, strlen (text), 0, &error);

  g_assert_no_error (error);
  return cb_entity_new ("queue", "q-sales", "queues", 3, m);
}

/* The console connected late and saw 4 of the day's 40 calls: the day's
 * figures are the backend's, and the popover says so. */
static void
test_partial_day (void)
{
  g_autoptr(CbMetrics) metrics = metrics_with_four_calls ();
  g_autoptr(CbEntity) queue = queue_entity ();
  GtkWidget *tile = cb_queue_tile_new ("q-sales");
  CbQueueTile *qt = CB_QUEUE_TILE (tile);
  CbMetricItem *sl;

  g_object_ref_sink (tile);
  cb_queue_tile_update (qt, metrics, queue, NULL, AT (11, 0, 0));
  sl = cb_queue_tile_get_item (qt, CB_METRIC_SERVICE_LEVEL);
  /* 24 ÷ (30 + 10) = 60 %, critical */
  g_assert_cmpstr (cb_metric_item_get_text (sl), ==, "60 %");
  g_assert_cmpstr (cb_metric_item_get_level (sl), ==, "kpi-critical");
  g_assert_nonnull (strstr (cb_metric_item_get_details (sl), "Inputs: 24 ÷ 40"));
  g_assert_nonnull (strstr (cb_metric_item_get_details (sl), "has seen 4 of the 40 calls"));
  g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (qt, CB_METRIC_ABANDON_RATE)), ==, "25 %");
  g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (qt, CB_METRIC_ASA)), ==, "0:12");
  g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (qt, CB_METRIC_AHT)), ==, "5:00");
  g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (qt, CB_METRIC_OFFERED)), ==, "40 / 30");
  g_assert_finalize_object (tile);
}

/* No data is a dash, never a zero. */
static void
test_no_data (void)
{
  g_autoptr(CbMetrics) metrics = cb_metrics_new ();
  GtkWidget *tile = cb_queue_tile_new ("q-empty");

  g_object_ref_sink (tile);
  cb_metrics_set_time_zone (metrics, "Europe/Tallinn");
  cb_queue_tile_update (CB_QUEUE_TILE (tile), metrics, NULL, NULL, AT (11, 0, 0));
  g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (CB_QUEUE_TILE (tile),
                                                                    CB_METRIC_SERVICE_LEVEL)), ==, "—");
  g_assert_null (cb_metric_item_get_level (cb_queue_tile_get_item (CB_QUEUE_TILE (tile),
                                                                   CB_METRIC_SERVICE_LEVEL)));
  g_assert_finalize_object (tile);
}

static void
test_format (void)
{
  g_autofree char *a = cb_format_duration (42 * SEC);
  g_autofree char *b = cb_format_duration (12 * MINS + 5 * SEC);
  g_autofree char *c = cb_format_duration (HOUR + 2 * MINS + 9 * SEC);
  g_autofree char *d = cb_format_metric (CB_METRIC_UNIT_PERCENT, 1.64, 1);
  g_autofree char *e = cb_format_metric (CB_METRIC_UNIT_COUNT, 12, 0);

  g_assert_cmpstr (a, ==, "0:42");
  g_assert_cmpstr (b, ==, "12:05");
  g_assert_cmpstr (c, ==, "1:02:09");
  g_assert_cmpstr (d, ==, "1.6 %");
  g_assert_cmpstr (e, ==, "12");
}

/* The floor strip counts the engine's agents and calls. */
static void
test_floor_and_stale (void)
{
  g_autoptr(CbMetrics) metrics = metrics_with_four_calls ();
  GtkWidget *page = cb_wallboard_page_new ();
  CbWallboardPage *wp = CB_WALLBOARD_PAGE (page);
  const char *text;

  g_object_ref_sink (page);
  put_agent (metrics, "ag-1", "available", AT (10, 50, 0));
  put_agent (metrics, "ag-2", "on_call", AT (10, 55, 0));
  put_agent (metrics, "ag-3", "paused", AT (10, 40, 0));
  put_agent (metrics, "ag-4", "logged_out", AT (9, 0, 0));

  cb_wallboard_page_set_metrics (wp, metrics);
  cb_wallboard_page_set_fixed_now (wp, AT (11, 0, 0));
  cb_wallboard_page_refresh (wp);

  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_floor_item (wp, CB_METRIC_AGENTS_LOGGED_IN)),
                   ==, "3");
  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_floor_item (wp, CB_METRIC_AGENTS_AVAILABLE)),
                   ==, "1");
  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_floor_item (wp, CB_METRIC_AGENTS_ON_CALL)),
                   ==, "1");
  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_floor_item (wp, CB_METRIC_AGENTS_PAUSED)),
                   ==, "1");
  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_floor_item (wp, CB_METRIC_SERVICE_LEVEL)),
                   ==, "75 %");
  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_floor_item (wp, CB_METRIC_ABANDON_RATE)),
                   ==, "0 %");
  g_assert_false (cb_wallboard_page_get_stale (wp));
  g_assert_null (cb_wallboard_page_get_stale_text (wp));

  /* Another variant, named under the figure: one of 4 answered late, no
   * abandons, so "of answered" is 3 ÷ 4 as well. */
  cb_wallboard_page_set_sl_variant (wp, CB_SL_OF_ANSWERED);
  cb_wallboard_page_refresh (wp);
  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_floor_item (wp, CB_METRIC_SERVICE_LEVEL)),
                   ==, "75 %");
  g_assert_nonnull (strstr (cb_metric_item_get_details (cb_wallboard_page_get_floor_item (wp, CB_METRIC_SERVICE_LEVEL)),
                            cb_metric_get_formula (CB_METRIC_SERVICE_LEVEL,
                                                   cb_wallboard_page_get_params (wp))));
  cb_wallboard_page_set_sl_variant (wp, CB_SL_PROTOCOL);
  g_assert_nonnull (cb_wallboard_page_get_agent_board_slot (wp));

  /* Not live: every figure dimmed, and since when, in local time. */
  cb_wallboard_page_set_stale (wp, TRUE, AT (10, 58, 7), "Reconnecting in 4 seconds.");
  cb_wallboard_page_refresh (wp);
  g_assert_true (cb_wallboard_page_get_stale (wp));
  text = cb_wallboard_page_get_stale_text (wp);
  g_assert_nonnull (text);
  g_assert_true (g_str_has_prefix (text, "As of 10:58:07"));
  g_assert_nonnull (strstr (text, "Reconnecting in 4 seconds."));

  cb_wallboard_page_set_stale (wp, FALSE, 0, NULL);
  cb_wallboard_page_refresh (wp);
  g_assert_false (cb_wallboard_page_get_stale (wp));

  cb_wallboard_page_set_metrics (wp, NULL);
  g_assert_finalize_object (page);
}

static gboolean
on_frame_counted (GtkWidget     *widget,
                  GdkFrameClock *clock,
                  gpointer       user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

/* A burst of changes is one recomputation on the next frame. */
static void
test_coalesced (void)
{
  g_autoptr(CbMetrics) metrics = metrics_with_four_calls ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = cb_wallboard_page_new ();
  CbWallboardPage *wp = CB_WALLBOARD_PAGE (page);
  guint frames = 0, before;
  gint64 deadline;

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  cb_wallboard_page_set_metrics (wp, metrics);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_add_tick_callback (window, on_frame_counted, &frames, NULL);

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (frames < 3 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (frames, >=, 3);
  spin ();

  before = cb_wallboard_page_get_n_refreshes (wp);
  for (guint i = 0; i < 1000; i++)
    cb_wallboard_page_set_fixed_now (wp, AT (11, 0, 0) + i);
  g_assert_cmpuint (cb_wallboard_page_get_n_refreshes (wp), ==, before);

  frames = 0;
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (frames < 2 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  /* One for the burst; perhaps one more for the second timer. */
  g_assert_cmpuint (cb_wallboard_page_get_n_refreshes (wp), >=, before + 1);
  g_assert_cmpuint (cb_wallboard_page_get_n_refreshes (wp), <=, before + 2);

  /* Clicking a figure opens its popover: the formula, the window, the inputs. */
  {
    CbMetricItem *sl = cb_wallboard_page_get_floor_item (wp, CB_METRIC_SERVICE_LEVEL);
    GtkWidget *button = gtk_widget_get_first_child (GTK_WIDGET (sl));
    GtkWidget *popover = gtk_widget_get_last_child (GTK_WIDGET (sl));

    g_assert_true (GTK_IS_BUTTON (button));
    g_assert_true (GTK_IS_POPOVER (popover));
    g_signal_emit_by_name (button, "clicked");
    frames = 0;
    deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (frames < 2 && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (gtk_widget_get_visible (popover));
    gtk_popover_popdown (GTK_POPOVER (popover));
    spin ();
  }

  cb_wallboard_page_set_metrics (wp, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

static void
put_campaign (CbMetrics *metrics)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonObject *stats = json_object_new ();

  json_object_set_string_member (o, "id", "cmp-winter");
  json_object_set_boolean_member (o, "amd", TRUE);
  json_object_set_null_member (o, "rule_set_id");
  json_object_set_null_member (o, "queue_id");
  json_object_set_array_member (o, "team_ids", json_array_new ());
  json_object_set_int_member (stats, "leads_dialable", 6120);
  json_object_set_object_member (o, "stats", stats);
  cb_metrics_apply_object (metrics, AT (8, 0, 0), "campaign", "cmp-winter", o);
}

/* Four dials, two answered by a person: ASR 50 %. */
static void
put_dial (CbMetrics  *metrics,
          const char *id,
          gint64      created,
          gboolean    person)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_string_member (o, "id", id);
  json_object_set_string_member (o, "direction", "out");
  json_object_set_string_member (o, "channel", "voice");
  json_object_set_string_member (o, "state", "ended");
  json_object_set_null_member (o, "queue_id");
  json_object_set_string_member (o, "campaign_id", "cmp-winter");
  json_object_set_string_member (o, "lead_id", id);
  json_object_set_int_member (o, "created_at", created);
  json_object_set_null_member (o, "queued_at");
  if (person)
    {
      json_object_set_string_member (o, "agent_id", "ag-1");
      json_object_set_int_member (o, "answered_at", created + 10 * SEC);
      json_object_set_int_member (o, "ended_at", created + 100 * SEC);
      json_object_set_string_member (o, "end_reason", "customer_hangup");
    }
  else
    {
      json_object_set_null_member (o, "agent_id");
      json_object_set_null_member (o, "answered_at");
      json_object_set_int_member (o, "ended_at", created + 25 * SEC);
      json_object_set_string_member (o, "end_reason", "no_answer");
    }
  json_object_set_null_member (o, "wrap_up_ended_at");
  json_object_set_int_member (o, "hold_ms", 0);
  json_object_set_boolean_member (o, "abandoned", FALSE);
  json_object_set_boolean_member (o, "dropped", FALSE);
  json_object_set_null_member (o, "disposition");
  json_object_set_array_member (o, "transfers", json_array_new ());
  cb_metrics_apply_object (metrics, created + 100 * SEC, "call", id, o);
}

static void
test_campaign_tile (void)
{
  g_autoptr(CbMetrics) metrics = cb_metrics_new ();
  GtkWidget *tile = cb_campaign_tile_new ("cmp-winter");
  CbCampaignTile *ct = CB_CAMPAIGN_TILE (tile);

  g_object_ref_sink (tile);
  cb_metrics_set_time_zone (metrics, "Europe/Tallinn");
  put_campaign (metrics);
  put_dial (metrics, "d1", AT (9, 0, 0), TRUE);
  put_dial (metrics, "d2", AT (9, 1, 0), FALSE);
  put_dial (metrics, "d3", AT (9, 2, 0), TRUE);
  put_dial (metrics, "d4", AT (9, 3, 0), FALSE);

  /* 10:00: 4 dials in 10 hours since midnight = 0.4 an hour. */
  cb_campaign_tile_update (ct, metrics, NULL, AT (10, 0, 0));
  g_assert_cmpstr (cb_metric_item_get_text (cb_campaign_tile_get_item (ct, CB_METRIC_ASR)), ==, "50 %");
  g_assert_cmpstr (cb_metric_item_get_text (cb_campaign_tile_get_item (ct, CB_METRIC_LEADS_DIALABLE)),
                   ==, "6120");  /* the suite runs in C.UTF-8: no grouping */
  g_assert_nonnull (strstr (cb_metric_item_get_details (cb_campaign_tile_get_item (ct, CB_METRIC_ASR)),
                            "Inputs: 2 ÷ 4"));

  /* The backend dialed 100 times today, 40 contacts, 10 successes: the
   * console, which saw 4 dials, shows the backend's ratios, and says so. */
  {
    const char *text =
      "{\"type\":\"event\",\"seq\":1,\"ts\":1,\"topic\":\"campaigns\",\"kind\":\"upsert\","
      "\"entity\":{\"type\":\"campaign\",\"id\":\"cmp-winter\",\"rev\":2},"
      "\"data\":{\"id\":\"cmp-winter\",\"rev\":2,\"name\":\"Winter renewals\",\"status\":\"running\","
      "\"dial_mode\":\"predictive\",\"dial_level\":2.5,\"stats\":{\"leads_total\":18000,"
      "\"leads_dialable\":6120,\"dials_today\":100,\"contacts_today\":40,\"successes_today\":10,"
      "\"drops_today\":1,\"drop_rate_pct\":1.6,\"drop_rate_window_h\":720,\"dial_level_current\":1.9}}}";
    g_autoptr(GError) error = NULL;
    g_autoptr(CbMessage) m = cb_message_decode (text, strlen (text), 0, &error);
    g_autoptr(CbEntity) campaign = NULL;

    g_assert_no_error (error);
    campaign = cb_entity_new ("campaign", "cmp-winter", "campaigns", 2, m);
    cb_campaign_tile_update (ct, metrics, campaign, AT (10, 0, 0));
    g_assert_cmpstr (cb_metric_item_get_text (cb_campaign_tile_get_mode_item (ct)), ==, "Predictive");
    g_assert_cmpstr (cb_metric_item_get_text (cb_campaign_tile_get_item (ct, CB_METRIC_ASR)), ==, "40 %");
    g_assert_cmpstr (cb_metric_item_get_text (cb_campaign_tile_get_item (ct, CB_METRIC_CONVERSION_RATE)),
                     ==, "25 %");
    g_assert_cmpstr (cb_metric_item_get_text (cb_campaign_tile_get_item (ct, CB_METRIC_DROP_RATE)), ==, "1.6 %");
    g_assert_nonnull (strstr (cb_metric_item_get_details (cb_campaign_tile_get_item (ct, CB_METRIC_ASR)),
                              "has seen 4 of the 100 dials"));
  }
  g_assert_finalize_object (tile);
}

static void
test_interval_chart (void)
{
  g_autoptr(CbMetrics) metrics = metrics_with_four_calls ();
  GtkWidget *chart = cb_interval_chart_new ();
  g_autofree CbMetricInterval *intervals = NULL;
  guint n = 0, offered = 0;

  g_object_ref_sink (chart);
  intervals = cb_metrics_get_intervals_today (metrics, NULL, NULL, AT (11, 20, 0), &n);
  g_assert_cmpuint (n, ==, 96);
  for (guint i = 0; i < n; i++)
    offered += intervals[i].offered;
  g_assert_cmpuint (offered, ==, 4);
  cb_interval_chart_set_intervals (CB_INTERVAL_CHART (chart), intervals, n, 80, AT (11, 20, 0));
  /* 08:00 (no calls before 10:00) to the end of the 11 o'clock hour. */
  g_assert_cmpuint (cb_interval_chart_get_n_shown (CB_INTERVAL_CHART (chart)), ==, 16);
  /* 10:00–10:15 (quarter 40): the four calls, 3 of 4 within 20 s. */
  {
    g_autofree char *text = cb_interval_chart_describe (CB_INTERVAL_CHART (chart), 40);

    g_assert_cmpstr (text, ==, "10:00–10:15: 4 offered, 4 answered, 0 abandoned; service level 75 %");
    g_assert_null (cb_interval_chart_describe (CB_INTERVAL_CHART (chart), 90));  /* still to come */
  }
  g_assert_finalize_object (chart);
}

static gboolean
store_ready (gpointer data)
{
  CbStore *store = data;

  return cb_store_get_state (store) == CB_CONNECTION_LIVE && cb_store_is_history_loaded (store)
         && g_list_model_get_n_items (G_LIST_MODEL (cb_store_get_model (store, "queue"))) > 0;
}

static void
on_opened (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cb_store_open_finish (CB_STORE (object), result, &error));
  *(gboolean *) user_data = TRUE;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Against the demo contact center: a tile per queue, and the floor strip
 * agrees with the agents the store holds. */
/* The start of a test of a page against the sim: @store follows it, its
 * cache open; @wp shows it in @window, presented at @width × @height. */
static void
open_page (CbTestSim       *sim,
           CbWallboardPage *wp,
           GtkWidget       *window,
           CbStore         *store,
           int              width,
           int              height)
{
  gboolean opened = FALSE;

  cb_store_set_backend (store, sim->url, CB_TEST_ADMIN_TOKEN, NULL);
  cb_store_set_backoff (store, 20, 200);
  cb_store_open_async (store, NULL, on_opened, &opened);
  cb_test_wait (flag_is_set, &opened, 10000);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (wp));
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  cb_wallboard_page_set_store (wp, store);
  gtk_window_present (GTK_WINDOW (window));
}

/* The end of a test of a page against the sim: the clock runs again, the
 * page lets go of the store, which is shut down and finalized, and its
 * cache goes. */
static void
close_page (CbTestSim       *sim,
            CbWallboardPage *wp,
            GtkWidget       *window,
            CbStore         *store,
            const char      *dir)
{
  cb_test_sim_clock (sim, TRUE);
  cb_wallboard_page_set_store (wp, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  cb_store_shutdown (store);
  cb_test_spin (20);
  g_assert_finalize_object (store);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *child = g_build_filename (dir, name, NULL);

        g_remove (child);
      }
    g_rmdir (dir);
  }
}

static void
test_against_sim (void)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=60", "--agents=40", "--seed=7",
                                                "--heartbeat-ms=1000", NULL);
  g_autofree char *dir = g_dir_make_tmp ("cb-wallboard-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache.sqlite", NULL);
  CbStore *store = cb_store_new (cache);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = cb_wallboard_page_new ();
  CbWallboardPage *wp = CB_WALLBOARD_PAGE (page);
  CbEntityModel *agents;
  guint logged_in = 0, on_call = 0;
  g_autofree char *expected = NULL, *expected_on_call = NULL;

  /* The sim waits until the console holds the day from its first call:
   * calls that ended a minute before it subscribed would be history the
   * console never saw, and the backend's counters would rightly differ. */
  cb_test_sim_clock (sim, FALSE);
  open_page (sim, wp, window, store, 1600, 1000);
  g_assert_true (cb_wallboard_page_get_stale (wp) || cb_wallboard_page_get_n_refreshes (wp) == 0);

  cb_store_connect (store);
  cb_test_wait (store_ready, store, 20000);
  cb_test_sim_clock (sim, TRUE);
  cb_test_spin (3000);

  /* Freeze the sim so the store and the page see the same moment. */
  cb_test_sim_clock (sim, FALSE);
  cb_test_spin (600);
  cb_wallboard_page_refresh (wp);
  g_assert_false (cb_wallboard_page_get_stale (wp));

  agents = cb_store_get_model (store, "agent");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (agents)); i++)
    {
      CbEntity *agent = cb_entity_model_get (agents, i);
      const char *state = cb_entity_get_string (agent, "state");

      logged_in += g_strcmp0 (state, "logged_out") != 0;
      on_call += g_strcmp0 (state, "on_call") == 0 || g_strcmp0 (state, "on_hold") == 0;
    }
  expected = g_strdup_printf ("%u", logged_in);
  expected_on_call = g_strdup_printf ("%u", on_call);
  g_test_message ("%u agents logged in, %u on a call", logged_in, on_call);
  g_assert_cmpuint (logged_in, >, 0);
  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_floor_item (wp, CB_METRIC_AGENTS_LOGGED_IN)),
                   ==, expected);
  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_floor_item (wp, CB_METRIC_AGENTS_ON_CALL)),
                   ==, expected_on_call);

  /* Each queue tile agrees with the backend's own counters of the day
   * (docs/protocol.md §10.5), which the page shows only for comparison. */
  {
    CbEntityModel *queues = cb_store_get_model (store, "queue");
    GtkWidget *queue_box = NULL;
    guint checked = 0;
    gint64 stats_at = 0;

    /* The sim runs 60 times faster than the clock: count up to the
     * instant its statistics were computed, as the backend did. */
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queues)); i++)
      stats_at = MAX (stats_at, cb_json_value_lookup_int (cb_entity_get_object (cb_entity_model_get (queues, i),
                                                                                  "stats"), "stats_at", 0));
    cb_wallboard_page_set_fixed_now (wp, stats_at);
    cb_wallboard_page_refresh (wp);

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queues)); i++)
      {
        CbEntity *queue = cb_entity_model_get (queues, i);
        const CbJsonValue *stats = cb_entity_get_object (queue, "stats");
        g_autofree char *want = NULL;
        GtkWidget *tile = NULL;

        g_assert_nonnull (stats);
        want = g_strdup_printf ("%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT,
                                cb_json_value_lookup_int (stats, "offered_today", -1),
                                cb_json_value_lookup_int (stats, "answered_today", -1));
        for (GtkWidget *w = page; w != NULL; )
          {
            if (CB_IS_QUEUE_TILE (w)
                && g_strcmp0 (cb_queue_tile_get_queue_id (CB_QUEUE_TILE (w)), cb_entity_get_id (queue)) == 0)
              {
                tile = w;
                break;
              }
            if (gtk_widget_get_first_child (w) != NULL)
              w = gtk_widget_get_first_child (w);
            else
              {
                while (w != NULL && w != page && gtk_widget_get_next_sibling (w) == NULL)
                  w = gtk_widget_get_parent (w);
                w = (w == NULL || w == page) ? NULL : gtk_widget_get_next_sibling (w);
              }
          }
        g_assert_nonnull (tile);
        queue_box = gtk_widget_get_parent (gtk_widget_get_parent (tile));
        g_test_message ("%s: backend %s, tile %s", cb_entity_get_id (queue), want,
                        cb_metric_item_get_text (cb_queue_tile_get_item (CB_QUEUE_TILE (tile),
                                                                         CB_METRIC_OFFERED)));
        g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (CB_QUEUE_TILE (tile),
                                                                          CB_METRIC_OFFERED)), ==, want);
        if (cb_json_value_get_kind (cb_json_value_get_member (stats, "sl_pct_today")) != CB_JSON_NULL)
          {
            g_autofree char *sl = cb_format_metric (CB_METRIC_UNIT_PERCENT,
                                                    cb_json_value_lookup_double (stats, "sl_pct_today", -1), 0);

            g_test_message ("%s: backend SL %s", cb_entity_get_id (queue), sl);
            g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (CB_QUEUE_TILE (tile),
                                                                              CB_METRIC_SERVICE_LEVEL)), ==, sl);
          }
        checked++;
      }
    g_assert_cmpuint (checked, >, 0);
    g_assert_true (GTK_IS_FLOW_BOX (queue_box));
  }

  close_page (sim, wp, window, store, dir);
}

static void
collect_queue_tiles (GtkWidget *widget,
                     GPtrArray *tiles)
{
  if (CB_IS_QUEUE_TILE (widget))
    g_ptr_array_add (tiles, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_queue_tiles (c, tiles);
}

/* Whether @tile is in what @scroller shows. */
static gboolean
tile_seen (GtkWidget *tile,
           GtkWidget *scroller)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (tile, scroller, &bounds));
  return bounds.origin.y + bounds.size.height > 0 && bounds.origin.y < gtk_widget_get_height (scroller);
}

/* How many colours the window shows in @widget's area, as drawn now: one
 * for an empty card or a blank hole, dozens for a tile with its figures. */
static guint
colours_drawn (GtkWidget *window,
               GtkWidget *widget)
{
  g_autoptr(GdkTexture) texture = cb_widget_render_texture (window);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autofree guchar *pixels = NULL;
  int width = gtk_widget_get_width (window), height = gtk_widget_get_height (window);
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, window, &bounds));
  g_assert_nonnull (texture);
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (int y = MAX (0, (int) bounds.origin.y); y < MIN (height, (int) (bounds.origin.y + bounds.size.height)); y++)
    for (int x = MAX (0, (int) bounds.origin.x); x < MIN (width, (int) (bounds.origin.x + bounds.size.width)); x++)
      g_hash_table_add (seen, GUINT_TO_POINTER (((guint32 *) pixels)[(gsize) y * width + x]));
  return g_hash_table_size (seen);
}

/* 24 queues in a window that shows a few: only the tiles in view are
 * drawn (mapped); scrolled into view, a tile is drawn with the figures of
 * now, the same as the backend's. */
static void
test_out_of_view (void)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=60", "--agents=40", "--queues=24", "--seed=5",
                                                "--heartbeat-ms=1000", NULL);
  g_autofree char *dir = g_dir_make_tmp ("cb-wallboard-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache.sqlite", NULL);
  g_autoptr(GPtrArray) tiles = g_ptr_array_new ();
  CbStore *store = cb_store_new (cache);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = cb_wallboard_page_new ();
  CbWallboardPage *wp = CB_WALLBOARD_PAGE (page);
  CbEntityModel *queues;
  GtkWidget *scroller, *last = NULL;
  GtkAdjustment *vadj;
  guint mapped = 0;
  gint64 stats_at = 0;
  g_autofree char *want = NULL;
  const CbJsonValue *stats;

  open_page (sim, wp, window, store, 1280, 720);
  cb_store_connect (store);
  cb_test_wait (store_ready, store, 20000);
  cb_test_spin (2000);

  /* Frozen: the page and the backend's counters are of one moment. */
  cb_test_sim_clock (sim, FALSE);
  cb_test_spin (600);
  queues = cb_store_get_model (store, "queue");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (queues)), ==, 24);
  for (guint i = 0; i < 24; i++)
    stats_at = MAX (stats_at, cb_json_value_lookup_int (cb_entity_get_object (cb_entity_model_get (queues, i),
                                                                                "stats"), "stats_at", 0));
  cb_wallboard_page_set_fixed_now (wp, stats_at);
  cb_test_spin (300);

  collect_queue_tiles (page, tiles);
  g_assert_cmpuint (tiles->len, ==, 24);
  scroller = gtk_widget_get_ancestor (g_ptr_array_index (tiles, 0), GTK_TYPE_SCROLLED_WINDOW);
  g_assert_nonnull (scroller);
  for (guint i = 0; i < tiles->len; i++)
    {
      GtkWidget *tile = g_ptr_array_index (tiles, i);
      graphene_rect_t bounds, lowest;

      /* In view: drawn. Far out of it (the page keeps a margin): not. */
      if (tile_seen (tile, scroller))
        g_assert_true (gtk_widget_get_mapped (tile));
      mapped += gtk_widget_get_mapped (tile);
      g_assert_true (gtk_widget_compute_bounds (tile, scroller, &bounds));
      if (bounds.origin.y > gtk_widget_get_height (scroller) + 150)
        g_assert_false (gtk_widget_get_mapped (tile));
      if (last == NULL || (gtk_widget_compute_bounds (last, scroller, &lowest) && bounds.origin.y > lowest.origin.y))
        last = tile;
    }
  g_test_message ("%u of %u queue tiles drawn", mapped, tiles->len);
  g_assert_cmpuint (mapped, >, 0);
  g_assert_cmpuint (mapped, <, tiles->len);
  g_assert_false (gtk_widget_get_mapped (last));

  /* The last one, scrolled to: drawn, and up to date at once. */
  vadj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  gtk_adjustment_set_value (vadj, gtk_adjustment_get_upper (vadj) - gtk_adjustment_get_page_size (vadj));
  cb_test_spin (300);
  g_assert_true (tile_seen (last, scroller));
  g_assert_true (gtk_widget_get_mapped (last));
  g_test_message ("the last tile, in view: %u colours", colours_drawn (window, last));
  g_assert_cmpuint (colours_drawn (window, last), >, 8);
  stats = cb_entity_get_object (cb_entity_model_lookup (queues, cb_queue_tile_get_queue_id (CB_QUEUE_TILE (last))),
                                "stats");
  want = g_strdup_printf ("%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT,
                          cb_json_value_lookup_int (stats, "offered_today", -1),
                          cb_json_value_lookup_int (stats, "answered_today", -1));
  g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (CB_QUEUE_TILE (last), CB_METRIC_OFFERED)), ==,
                   want);
  /* And the first, scrolled away from, is no longer drawn. */
  g_assert_false (gtk_widget_get_mapped (g_ptr_array_index (tiles, 0)));

  close_page (sim, wp, window, store, dir);
}

static gboolean
window_drawn (gpointer data)
{
  return GPOINTER_TO_UINT (g_object_get_data (data, "frames")) > 3;
}

static gboolean
on_frame (GtkWidget     *widget,
          GdkFrameClock *clock,
          gpointer       user_data)
{
  guint n = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (widget), "frames"));

  g_object_set_data (G_OBJECT (widget), "frames", GUINT_TO_POINTER (n + 1));
  return G_SOURCE_CONTINUE;
}

/* Not a check: with CB_WALLBOARD_SHOT=FILE.png, a busy afternoon of the demo
 * (60 times real speed for CB_WALLBOARD_SECONDS, default 20) drawn to FILE,
 * to look at the page under load. CB_WALLBOARD_STALE=1 cuts the link first. */
static void
test_busy_afternoon (void)
{
  const char *path = g_getenv ("CB_WALLBOARD_SHOT");
  const char *seconds = g_getenv ("CB_WALLBOARD_SECONDS");
  g_autoptr(CbTestSim) sim = NULL;
  g_autofree char *dir = NULL, *cache = NULL;
  CbStore *store;
  GtkWidget *window, *page;
  gboolean opened = FALSE;

  if (path == NULL)
    {
      g_test_skip ("set CB_WALLBOARD_SHOT=FILE.png to draw the page under load");
      return;
    }

  {
    g_autofree char *queues = g_strdup_printf ("--queues=%s", g_getenv ("CB_WALLBOARD_QUEUES") ?: "5");
    g_autofree char *agents = g_strdup_printf ("--agents=%s", g_getenv ("CB_WALLBOARD_AGENTS") ?: "90");

    sim = cb_test_sim_start ("--speed=60", agents, queues, "--seed=11", "--heartbeat-ms=1000", NULL);
  }
  dir = g_dir_make_tmp ("cb-wallboard-XXXXXX", NULL);
  cache = g_build_filename (dir, "cache.sqlite", NULL);
  store = cb_store_new (cache);
  cb_store_set_backend (store, sim->url, CB_TEST_ADMIN_TOKEN, NULL);
  cb_store_open_async (store, NULL, on_opened, &opened);
  cb_test_wait (flag_is_set, &opened, 10000);

  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, RESOURCE_PATH "/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  window = gtk_window_new ();
  page = cb_wallboard_page_new ();
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_set_default_size (GTK_WINDOW (window), 1680, 1030);
  cb_wallboard_page_set_store (CB_WALLBOARD_PAGE (page), store);
  /* CB_WALLBOARD_BOARD=FILE.json: the first board of a wallboard file. */
  if (g_getenv ("CB_WALLBOARD_BOARD") != NULL)
    {
      g_autofree char *data = NULL;
      g_autoptr(GPtrArray) boards = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (g_file_get_contents (g_getenv ("CB_WALLBOARD_BOARD"), &data, NULL, NULL));
      boards = cb_boards_from_data (data, -1, &error);
      g_assert_no_error (error);
      cb_wallboard_page_set_board (CB_WALLBOARD_PAGE (page), boards->pdata[0]);
    }
  if (g_getenv ("CB_WALLBOARD_AGENT_BOARD") != NULL)
    {
      GtkWidget *board = cb_agent_board_new ();

      cb_agent_board_set_store (CB_AGENT_BOARD (board), store);
      gtk_box_append (cb_wallboard_page_get_agent_board_slot (CB_WALLBOARD_PAGE (page)), board);
    }
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_add_tick_callback (window, on_frame, NULL, NULL);

  cb_store_connect (store);
  cb_test_wait (store_ready, store, 20000);
  cb_test_spin ((seconds ? atoi (seconds) : 20) * 1000);
  if (g_getenv ("CB_WALLBOARD_STALE"))
    {
      cb_store_disconnect (store);
      cb_test_spin (1500);
    }
  else
    cb_test_sim_clock (sim, FALSE);
  cb_test_spin (1200);
  {
    /* The sim's clock runs ahead of ours: show its now. */
    CbEntityModel *queues = cb_store_get_model (store, "queue");
    gint64 stats_at = 0;

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queues)); i++)
      stats_at = MAX (stats_at, cb_json_value_lookup_int (cb_entity_get_object (cb_entity_model_get (queues, i),
                                                                                  "stats"), "stats_at", 0));
    cb_wallboard_page_set_fixed_now (CB_WALLBOARD_PAGE (page), stats_at);
  }
  cb_test_spin (200);
  {
    gint64 t0 = g_get_monotonic_time ();

    cb_wallboard_page_refresh (CB_WALLBOARD_PAGE (page));
    g_test_message ("one refresh: %.2f ms", (g_get_monotonic_time () - t0) / 1000.0);
  }
  g_object_set_data (G_OBJECT (window), "frames", NULL);
  cb_test_wait (window_drawn, window, 5000);

  {
    g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
    g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
    g_autoptr(GskRenderNode) node = NULL;
    g_autoptr(GdkTexture) texture = NULL;
    int width = gtk_widget_get_width (window), height = gtk_widget_get_height (window);

    gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
    node = gtk_snapshot_to_node (snapshot);
    g_assert_nonnull (node);
    texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                           &GRAPHENE_RECT_INIT (0, 0, width, height));
    g_assert_true (gdk_texture_save_to_png (texture, path));
  }

  /* CB_WALLBOARD_POPOVER=FILE.png: the service level's popover, opened. */
  if (g_getenv ("CB_WALLBOARD_POPOVER") != NULL)
    {
      CbMetricItem *sl = cb_wallboard_page_get_floor_item (CB_WALLBOARD_PAGE (page), CB_METRIC_SERVICE_LEVEL);
      GtkWidget *popover = gtk_widget_get_last_child (GTK_WIDGET (sl));
      g_autoptr(GdkPaintable) paintable = NULL;
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      int width, height;

      g_signal_emit_by_name (gtk_widget_get_first_child (GTK_WIDGET (sl)), "clicked");
      g_object_set_data (G_OBJECT (window), "frames", NULL);
      cb_test_wait (window_drawn, window, 5000);
      cb_test_spin (300);
      width = gtk_widget_get_width (popover);
      height = gtk_widget_get_height (popover);
      paintable = gtk_widget_paintable_new (popover);
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_to_node (snapshot);
      g_assert_nonnull (node);
      texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (popover)), node,
                                             &GRAPHENE_RECT_INIT (0, 0, width, height));
      g_assert_true (gdk_texture_save_to_png (texture, g_getenv ("CB_WALLBOARD_POPOVER")));
      gtk_popover_popdown (GTK_POPOVER (popover));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (cb_wallboard_page_get_agent_board_slot (CB_WALLBOARD_PAGE (page))));
       child != NULL; child = gtk_widget_get_first_child (GTK_WIDGET (cb_wallboard_page_get_agent_board_slot (CB_WALLBOARD_PAGE (page)))))
    {
      cb_agent_board_set_store (CB_AGENT_BOARD (child), NULL);
      gtk_box_remove (cb_wallboard_page_get_agent_board_slot (CB_WALLBOARD_PAGE (page)), child);
    }
  cb_wallboard_page_set_store (CB_WALLBOARD_PAGE (page), NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  cb_store_shutdown (store);
  cb_test_spin (20);
  g_assert_finalize_object (store);
}

/* ---- boards people build ---------------------------------------------------- */

static void
put_queue_entity (CbEntityModel *queues,
                  const char    *id,
                  const char    *name,
                  const char    *team)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"event\",\"seq\":1,\"ts\":1,\"topic\":\"queues\","
                                           "\"kind\":\"upsert\",\"entity\":{\"type\":\"queue\",\"id\":\"%s\","
                                           "\"rev\":1},\"data\":{\"id\":\"%s\",\"rev\":1,\"name\":\"%s\","
                                           "\"sl_threshold_s\":20,\"sl_target_pct\":80,\"team_ids\":[\"%s\"]}}",
                                           id, id, name, team);
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) m = cb_message_decode (text, strlen (text), 0, &error);

  g_assert_no_error (error);
  cb_entity_model_upsert (queues, id, "queues", 1, m, NULL);
}

/* Three boards: the built-in one, the sales queues (one of them on another
 * backend) with their own thresholds and a big figure, the north team's. */
static char *
three_boards (void)
{
  g_autoptr(GPtrArray) boards = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_board_unref);
  CbBoard *sales = cb_board_new ("b-sales", "Sales floor");
  CbBoard *north = cb_board_new ("b-north", "North team");
  CbBoardTile *tile;
  const char *sales_queues[] = { "q-sales", "q-elsewhere", NULL };
  const char *teams[] = { "t-north", NULL };

  tile = cb_board_tile_new (CB_BOARD_TILE_QUEUES);
  tile->size = CB_BOARD_SIZE_MEDIUM;
  cb_board_tile_set_ids (tile, CB_BOARD_FILTER_QUEUES, sales_queues);
  /* 75 % is amber by the catalog (80 / 70), fine by this board (70 / 60). */
  cb_board_tile_set_threshold (tile, CB_METRIC_SERVICE_LEVEL, 70, 60);
  cb_board_add_tile (sales, tile);
  tile = cb_board_tile_new (CB_BOARD_TILE_KPI);
  tile->metric = CB_METRIC_ASA;
  cb_board_add_tile (sales, tile);

  cb_board_add_tile (north, cb_board_tile_new (CB_BOARD_TILE_FLOOR));
  tile = cb_board_tile_new (CB_BOARD_TILE_QUEUES);
  cb_board_tile_set_ids (tile, CB_BOARD_FILTER_TEAMS, teams);
  cb_board_add_tile (north, tile);

  g_ptr_array_add (boards, cb_board_new_default ());
  g_ptr_array_add (boards, sales);
  g_ptr_array_add (boards, north);
  return cb_boards_to_data (boards, NULL);
}

static guint
count_type (GtkWidget *widget,
            GType      type)
{
  guint n = G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_visible (widget);

  if (!gtk_widget_get_visible (widget))
    return 0;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    n += count_type (c, type);
  return n;
}

static CbQueueTile *
find_queue_tile (GtkWidget  *widget,
                 const char *id)
{
  if (CB_IS_QUEUE_TILE (widget) && g_strcmp0 (cb_queue_tile_get_queue_id (CB_QUEUE_TILE (widget)), id) == 0)
    return CB_QUEUE_TILE (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      CbQueueTile *found = find_queue_tile (c, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

static gboolean
no_dialog (gpointer data)
{
  return find_dialog () == NULL;
}

typedef struct
{
  gboolean done;
  guint    n;
  GError  *error;
} Result;

static void
on_exported (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Result *r = user_data;

  g_assert_true (cb_wallboard_page_export_finish (CB_WALLBOARD_PAGE (object), result, &r->error));
  r->done = TRUE;
}

static void
on_imported (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Result *r = user_data;

  r->n = cb_wallboard_page_import_finish (CB_WALLBOARD_PAGE (object), result, &r->error);
  r->done = TRUE;
}

static gboolean
result_done (gpointer data)
{
  return ((Result *) data)->done;
}

static void
test_boards (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.callboard.Callboard");
  g_autofree char *dir = g_dir_make_tmp ("cb-boards-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache.sqlite", NULL);
  g_autofree char *export_path = g_build_filename (dir, "Sales floor.json", NULL);
  g_autofree char *broken_path = g_build_filename (dir, "broken.json", NULL);
  g_autofree char *document = three_boards ();
  g_autofree char *before = NULL, *after = NULL;
  CbStore *store = cb_store_new (cache);
  CbEntityModel *queues = cb_store_get_model (store, "queue");
  CbMetrics *metrics = cb_store_get_metrics (store);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = cb_wallboard_page_new ();
  CbWallboardPage *wp = CB_WALLBOARD_PAGE (page);
  GPtrArray *groups;
  CbQueueTile *tile;
  Result r = { 0 };

  put_queue_entity (queues, "q-sales", "Sales", "t-north");
  put_queue_entity (queues, "q-support", "Support", "t-south");
  put_queue_entity (queues, "q-billing", "Billing & Co <EE>", "t-north");
  cb_metrics_set_time_zone (metrics, "Europe/Tallinn");
  put_call (metrics, "c1", "q-sales", AT (10, 0, 0), 5, FALSE);
  put_call (metrics, "c2", "q-sales", AT (10, 1, 0), 10, FALSE);
  put_call (metrics, "c3", "q-sales", AT (10, 2, 0), 15, FALSE);
  put_call (metrics, "c4", "q-sales", AT (10, 3, 0), 30, FALSE);

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_set_default_size (GTK_WINDOW (window), 1600, 1000);
  cb_wallboard_page_set_store (wp, store);
  cb_wallboard_page_set_fixed_now (wp, AT (11, 0, 0));
  gtk_window_present (GTK_WINDOW (window));

  /* Saved boards that cannot be read: the built-in board shows, and what
   * was saved stays as it was until the user changes a board. */
  g_settings_set_string (settings, "wallboards", "{\"format\":\"callboard-wallboards\",\"version\":1,"
                                                 "\"boards\":[{\"id\":\"b1\"");
  cb_wallboard_page_set_settings (wp, settings);
  g_assert_cmpstr (cb_wallboard_page_get_active_board (wp), ==, CB_BOARD_DEFAULT_ID);
  {
    g_autofree char *kept = g_settings_get_string (settings, "wallboards");

    g_assert_true (g_str_has_suffix (kept, "\"b1\""));
  }
  cb_wallboard_page_set_settings (wp, NULL);
  g_settings_reset (settings, "wallboards");

  /* No saved boards: the built-in one, as the page always was. */
  cb_wallboard_page_set_settings (wp, settings);
  cb_wallboard_page_refresh (wp);
  g_assert_cmpstr (cb_wallboard_page_get_active_board (wp), ==, CB_BOARD_DEFAULT_ID);
  g_assert_cmpuint (count_type (page, CB_TYPE_QUEUE_TILE), ==, 3);
  g_assert_cmpuint (count_type (page, CB_TYPE_AGENT_BOARD), ==, 1);
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (cb_wallboard_page_get_floor_item (wp, CB_METRIC_SERVICE_LEVEL))));
  tile = find_queue_tile (page, "q-sales");
  g_assert_cmpstr (cb_metric_item_get_level (cb_queue_tile_get_item (tile, CB_METRIC_SERVICE_LEVEL)), ==,
                   "kpi-warning");

  /* Saved boards, the sales one active: its queue only, its thresholds,
   * the queue of another backend named as missing, no floor, no agents. */
  g_settings_set_string (settings, "wallboards", document);
  g_settings_set_string (settings, "active-wallboard", "b-sales");
  cb_wallboard_page_refresh (wp);
  g_assert_cmpuint (cb_wallboard_page_get_boards (wp)->len, ==, 3);
  g_assert_cmpstr (cb_wallboard_page_get_board (wp)->name, ==, "Sales floor");
  g_assert_cmpuint (count_type (page, CB_TYPE_QUEUE_TILE), ==, 1);
  tile = find_queue_tile (page, "q-sales");
  g_assert_nonnull (tile);
  g_assert_cmpstr (cb_metric_item_get_text (cb_queue_tile_get_item (tile, CB_METRIC_SERVICE_LEVEL)), ==, "75 %");
  g_assert_cmpstr (cb_metric_item_get_level (cb_queue_tile_get_item (tile, CB_METRIC_SERVICE_LEVEL)), ==, "kpi-ok");
  groups = cb_wallboard_page_get_groups (wp);
  g_assert_cmpuint (groups->len, ==, 1);
  g_assert_nonnull (strstr (cb_board_group_get_missing_text (groups->pdata[0]), "q-elsewhere"));
  g_assert_cmpuint (count_type (page, CB_TYPE_AGENT_BOARD), ==, 0);
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (cb_wallboard_page_get_floor_item (wp, CB_METRIC_SERVICE_LEVEL))));
  /* ASA of the four calls, (5 + 10 + 15 + 30) ÷ 4 = 15 s, as a big figure. */
  g_assert_cmpuint (cb_wallboard_page_get_kpi_items (wp)->len, ==, 1);
  g_assert_cmpstr (cb_metric_item_get_text (cb_wallboard_page_get_kpi_items (wp)->pdata[0]), ==, "0:15");

  /* Switch from the menu's action: the north team's queues only, and the
   * choice is remembered. */
  g_assert_true (gtk_widget_activate_action (page, "wallboard.board", "s", "b-north"));
  cb_wallboard_page_refresh (wp);
  g_assert_cmpstr (cb_wallboard_page_get_active_board (wp), ==, "b-north");
  {
    g_autofree char *active = g_settings_get_string (settings, "active-wallboard");

    g_assert_cmpstr (active, ==, "b-north");
  }
  g_assert_cmpuint (count_type (page, CB_TYPE_QUEUE_TILE), ==, 2);
  g_assert_nonnull (find_queue_tile (page, "q-sales"));
  g_assert_nonnull (find_queue_tile (page, "q-billing"));
  g_assert_null (find_queue_tile (page, "q-support"));
  /* No thresholds of its own: the catalog's amber. */
  g_assert_cmpstr (cb_metric_item_get_level (cb_queue_tile_get_item (find_queue_tile (page, "q-sales"),
                                                                     CB_METRIC_SERVICE_LEVEL)), ==, "kpi-warning");

  /* Ctrl+Page Down and Up step through the boards, round. */
  g_assert_true (gtk_widget_activate_action (page, "wallboard.next", NULL));
  g_assert_cmpstr (cb_wallboard_page_get_active_board (wp), ==, CB_BOARD_DEFAULT_ID);
  g_assert_true (gtk_widget_activate_action (page, "wallboard.previous", NULL));
  g_assert_cmpstr (cb_wallboard_page_get_active_board (wp), ==, "b-north");

  /* Duplicate, rename, delete (after asking). */
  g_assert_true (gtk_widget_activate_action (page, "wallboard.duplicate", NULL));
  g_assert_cmpuint (cb_wallboard_page_get_boards (wp)->len, ==, 4);
  g_assert_cmpstr (cb_wallboard_page_get_board (wp)->name, ==, "North team (2)");
  g_assert_cmpstr (cb_wallboard_page_get_active_board (wp), !=, "b-north");
  cb_wallboard_page_rename_board (wp, cb_wallboard_page_get_active_board (wp), "  Night shift ");
  g_assert_cmpstr (cb_wallboard_page_get_board (wp)->name, ==, "Night shift");
  {
    g_autofree char *saved = g_settings_get_string (settings, "wallboards");

    g_assert_nonnull (strstr (saved, "\"Night shift\""));
  }
  g_assert_true (gtk_widget_activate_action (page, "wallboard.delete", NULL));
  cb_test_wait (dialog_shown, NULL, 5000);
  {
    AdwMessageDialog *dialog = find_dialog ();

    /* As its button does: the response, then the dialog closes. */
    adw_message_dialog_response (dialog, "delete");
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  cb_test_wait (no_dialog, NULL, 5000);
  g_assert_cmpuint (cb_wallboard_page_get_boards (wp)->len, ==, 3);
  g_assert_null (cb_boards_lookup (cb_wallboard_page_get_boards (wp), "Night shift"));

  /* Export the sales board and import it back: the same definition, under
   * a name of its own. */
  cb_wallboard_page_set_active_board (wp, "b-sales");
  {
    g_autoptr(GFile) file = g_file_new_for_path (export_path);
    g_autofree char *data = NULL;
    g_autoptr(GPtrArray) read = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(CbBoard) imported = NULL;

    cb_wallboard_page_export_async (wp, file, NULL, on_exported, &r);
    cb_test_wait (result_done, &r, 5000);
    g_assert_no_error (r.error);
    g_assert_true (g_file_get_contents (export_path, &data, NULL, NULL));
    read = cb_boards_from_data (data, -1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (read->len, ==, 1);
    g_assert_true (cb_board_equal (read->pdata[0], cb_wallboard_page_get_board (wp)));

    r = (Result) { 0 };
    cb_wallboard_page_import_async (wp, file, NULL, on_imported, &r);
    cb_test_wait (result_done, &r, 5000);
    g_assert_no_error (r.error);
    g_assert_cmpuint (r.n, ==, 1);
    g_assert_cmpuint (cb_wallboard_page_get_boards (wp)->len, ==, 4);
    g_assert_cmpstr (cb_wallboard_page_get_board (wp)->name, ==, "Sales floor (2)");
    g_assert_cmpstr (cb_wallboard_page_get_active_board (wp), !=, "b-sales");
    imported = cb_board_copy (cb_wallboard_page_get_board (wp), "b-sales");
    g_free (imported->name);
    imported->name = g_strdup ("Sales floor");
    g_assert_true (cb_board_equal (imported, read->pdata[0]));
    cb_wallboard_page_refresh (wp);
    g_assert_cmpuint (count_type (page, CB_TYPE_QUEUE_TILE), ==, 1);
  }

  /* A broken file: a dialog says what is wrong and where; nothing changes. */
  before = g_settings_get_string (settings, "wallboards");
  {
    g_autoptr(GFile) file = g_file_new_for_path (broken_path);
    AdwMessageDialog *dialog;
    const char *active = cb_wallboard_page_get_active_board (wp);
    g_autofree char *was_active = g_strdup (active);

    g_assert_true (g_file_set_contents (broken_path,
                                        "{\"format\":\"callboard-wallboards\",\"version\":1,\"boards\":"
                                        "[{\"id\":\"b1\",\"name\":\"One\",\"tiles\":[{\"kind\":\"pie\"}]}]}",
                                        -1, NULL));
    cb_wallboard_page_import_file (wp, file);
    cb_test_wait (dialog_shown, NULL, 5000);
    dialog = find_dialog ();
    g_test_message ("%s: %s", adw_message_dialog_get_heading (dialog), adw_message_dialog_get_body (dialog));
    g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "broken.json"));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "boards[0].tiles[0].kind"));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "“pie”"));
    adw_message_dialog_response (dialog, "close");
    gtk_window_destroy (GTK_WINDOW (dialog));
    cb_test_wait (no_dialog, NULL, 5000);
    g_assert_cmpuint (cb_wallboard_page_get_boards (wp)->len, ==, 4);
    g_assert_cmpstr (cb_wallboard_page_get_active_board (wp), ==, was_active);
  }
  after = g_settings_get_string (settings, "wallboards");
  g_assert_cmpstr (after, ==, before);

  /* The editor: a tile added there shows on the page at once, and is saved. */
  g_assert_true (gtk_widget_activate_action (page, "wallboard.edit", NULL));
  g_assert_nonnull (cb_wallboard_page_get_editor (wp));
  cb_board_editor_add_tile (CB_BOARD_EDITOR (cb_wallboard_page_get_editor (wp)), CB_BOARD_TILE_FLOOR);
  cb_board_editor_toggle_id (CB_BOARD_EDITOR (cb_wallboard_page_get_editor (wp)), 0, CB_BOARD_FILTER_QUEUES,
                             "q-support");
  cb_wallboard_page_refresh (wp);
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (cb_wallboard_page_get_floor_item (wp, CB_METRIC_SERVICE_LEVEL))));
  g_assert_cmpuint (count_type (page, CB_TYPE_QUEUE_TILE), ==, 2);
  g_assert_nonnull (find_queue_tile (page, "q-support"));
  /* Adding a second floor is refused. */
  cb_board_editor_add_tile (CB_BOARD_EDITOR (cb_wallboard_page_get_editor (wp)), CB_BOARD_TILE_FLOOR);
  g_assert_cmpuint (cb_wallboard_page_get_board (wp)->tiles->len, ==, 3);
  /* The floor to the top, full width; the big figure goes. */
  {
    CbBoardEditor *editor = CB_BOARD_EDITOR (cb_wallboard_page_get_editor (wp));
    const CbBoard *shown;

    cb_board_editor_move_tile (editor, 2, -1);
    cb_board_editor_move_tile (editor, 1, -1);
    cb_board_editor_move_tile (editor, 0, -1);   /* already first: nothing */
    cb_board_editor_set_tile_size (editor, 1, CB_BOARD_SIZE_FULL);
    cb_board_editor_remove_tile (editor, 2);
    shown = cb_wallboard_page_get_board (wp);
    g_assert_cmpuint (shown->tiles->len, ==, 2);
    g_assert_cmpint (((CbBoardTile *) shown->tiles->pdata[0])->kind, ==, CB_BOARD_TILE_FLOOR);
    g_assert_cmpint (((CbBoardTile *) shown->tiles->pdata[1])->kind, ==, CB_BOARD_TILE_QUEUES);
    g_assert_cmpint (((CbBoardTile *) shown->tiles->pdata[1])->size, ==, CB_BOARD_SIZE_FULL);
    g_assert_cmpuint (cb_wallboard_page_get_kpi_items (wp)->len, ==, 0);
  }
  {
    g_autofree char *saved = g_settings_get_string (settings, "wallboards");
    g_autoptr(GPtrArray) read = cb_boards_from_data (saved, -1, NULL);

    g_assert_true (cb_board_equal (cb_boards_lookup (read, cb_wallboard_page_get_active_board (wp)),
                                   cb_wallboard_page_get_board (wp)));
  }

  /* CB_BOARD_MENU_SHOT=FILE.png: the switcher's menu, open, drawn. */
  if (g_getenv ("CB_BOARD_MENU_SHOT") != NULL)
    {
      GtkWidget *button = NULL;
      GtkPopover *popover;
      g_autoptr(GdkPaintable) paintable = NULL;
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      int width, height;

      for (GtkWidget *w = page; w != NULL && button == NULL; )
        {
          if (GTK_IS_MENU_BUTTON (w) && gtk_widget_has_css_class (w, "board-switcher"))
            button = w;
          else if (gtk_widget_get_first_child (w) != NULL)
            w = gtk_widget_get_first_child (w);
          else
            {
              while (w != NULL && w != page && gtk_widget_get_next_sibling (w) == NULL)
                w = gtk_widget_get_parent (w);
              w = (w == NULL || w == page) ? NULL : gtk_widget_get_next_sibling (w);
            }
        }
      g_assert_nonnull (button);
      gtk_menu_button_popup (GTK_MENU_BUTTON (button));
      popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (button));
      cb_test_spin (800);
      width = gtk_widget_get_width (GTK_WIDGET (popover));
      height = gtk_widget_get_height (GTK_WIDGET (popover));
      paintable = gtk_widget_paintable_new (GTK_WIDGET (popover));
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_to_node (snapshot);
      texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (popover)), node,
                                             &GRAPHENE_RECT_INIT (0, 0, width, height));
      g_assert_true (gdk_texture_save_to_png (texture, g_getenv ("CB_BOARD_MENU_SHOT")));
      gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
    }

  /* CB_BOARD_EDITOR_SHOT=FILE.png: the editor drawn, to look at it. */
  if (g_getenv ("CB_BOARD_EDITOR_SHOT") != NULL)
    {
      GtkWidget *editor = GTK_WIDGET (cb_wallboard_page_get_editor (wp));
      g_autoptr(GdkTexture) texture = NULL;

      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (cb_board_editor_get_tile_row (CB_BOARD_EDITOR (editor), 0)),
                                     TRUE);
      cb_test_spin (800);
      texture = cb_widget_render_texture (editor);
      g_assert_true (texture != NULL && gdk_texture_save_to_png (texture, g_getenv ("CB_BOARD_EDITOR_SHOT")));
    }

  cb_wallboard_page_set_store (wp, NULL);
  cb_wallboard_page_set_settings (wp, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
  cb_store_shutdown (store);
  cb_test_spin (20);
  g_assert_finalize_object (store);
  g_settings_reset (settings, "wallboards");
  g_settings_reset (settings, "active-wallboard");
  g_remove (export_path);
  g_remove (broken_path);
  g_remove (cache);
  g_rmdir (dir);
}

/* The filter lists of the editor, with more queues than fit: a search
 * entry over them hides the rows whose name and id lack what was typed
 * (case aside) unless they are ticked, says when none has it, and never
 * changes what is ticked;
 * a tick while searching edits the tile, and the search survives the
 * rebuild that follows. The teams, none known, keep the plain look. */
static void
test_board_editor_search (void)
{
  static const char * const queues[][2] = {
    { "q-sales-ee", "Sales EE" }, { "q-sales-lv", "Sales LV" }, { "q-sales-fi", "Sales FI" },
    { "q-support", "Support" }, { "q-billing", "Billing & Co <EE>" }, { "q-0042", "Night shift" },
    { "q-ueber", "Überweisungen" }, { "q-retention", "Retention" }, { "q-vip", "VIP line" },
    { "q-collections", "Collections" },
  };
  static const struct
  {
    const char *query;          /* typed; NULL: as the step before left it */
    const char *shown[4];       /* the rows that match, by title; all when none and !none (the
                                 * ticked ones show too) */
    gboolean    none;           /* "No queue matches …" */
    const char *tick;           /* the row then clicked */
    const char *ids;            /* the tile's queues after the step */
  } steps[] = {
    { "sales", { "Sales EE", "Sales LV", "Sales FI" }, FALSE, NULL, "q-sales-ee q-elsewhere" },
    { "LV", { "Sales LV" }, FALSE, NULL, "q-sales-ee q-elsewhere" },
    { "0042", { "Night shift" }, FALSE, NULL, "q-sales-ee q-elsewhere" },
    { "co <ee", { "Billing & Co <EE>" }, FALSE, NULL, "q-sales-ee q-elsewhere" },
    { "ÜBER", { "Überweisungen" }, FALSE, NULL, "q-sales-ee q-elsewhere" },
    { "elsewhere", { "q-elsewhere" }, FALSE, NULL, "q-sales-ee q-elsewhere" },
    { "zzz", { NULL }, TRUE, NULL, "q-sales-ee q-elsewhere" },
    { "", { NULL }, FALSE, NULL, "q-sales-ee q-elsewhere" },
    { "sales", { "Sales EE", "Sales LV", "Sales FI" }, FALSE, "Sales LV",
      "q-sales-ee q-elsewhere q-sales-lv" },
    { NULL, { "Sales EE", "Sales LV", "Sales FI" }, FALSE, NULL, "q-sales-ee q-elsewhere q-sales-lv" },
    { "support", { "Support" }, FALSE, NULL, "q-sales-ee q-elsewhere q-sales-lv" },
    { "", { NULL }, FALSE, NULL, "q-sales-ee q-elsewhere q-sales-lv" },
  };
  g_autofree char *dir = g_dir_make_tmp ("cb-editor-search-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache.sqlite", NULL);
  CbStore *store = cb_store_new (cache);
  g_autoptr(CbBoard) board = cb_board_new ("b-search", "Two hundred queues");
  CbBoardTile *tile = cb_board_tile_new (CB_BOARD_TILE_QUEUES);
  const char *ticked[] = { "q-sales-ee", "q-elsewhere", NULL };
  const char *typed = "";
  GtkWidget *editor;

  for (guint i = 0; i < G_N_ELEMENTS (queues); i++)
    put_queue_entity (cb_store_get_model (store, "queue"), queues[i][0], queues[i][1], "t-north");
  cb_board_tile_set_ids (tile, CB_BOARD_FILTER_QUEUES, ticked);
  cb_board_add_tile (board, tile);
  editor = cb_board_editor_new (NULL, board, store);
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  gtk_window_set_default_size (GTK_WINDOW (editor), 720, 1000);
  gtk_window_present (GTK_WINDOW (editor));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (cb_board_editor_get_tile_row (CB_BOARD_EDITOR (editor), 0)),
                                 TRUE);

  for (guint s = 0; s < G_N_ELEMENTS (steps); s++)
    {
      /* The tile's widgets as they are now: a tick rebuilds them. */
      g_autoptr(GPtrArray) all = g_ptr_array_new ();
      g_autoptr(GPtrArray) checks = g_ptr_array_new ();
      g_autofree char *no_match = NULL;
      g_autofree char *placeholder = NULL;
      g_auto(GStrv) held = g_strsplit (s > 0 ? steps[s - 1].ids : "q-sales-ee q-elsewhere", " ", -1);
      g_auto(GStrv) ids = g_strsplit (steps[s].ids, " ", -1);
      const CbBoardTile *edited;
      GtkWidget *entry = NULL;
      GtkWidget *tick = NULL;
      guint n_entries = 0, n_shown = 0, n_no_match = 0;

      g_test_message ("step %u: “%s”", s, steps[s].query != NULL ? steps[s].query : "(as it was)");
      g_ptr_array_add (all, cb_board_editor_get_tile_row (CB_BOARD_EDITOR (editor), 0));
      for (guint i = 0; i < all->len; i++)
        for (GtkWidget *c = gtk_widget_get_first_child (all->pdata[i]); c != NULL;
             c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (all, c);
      for (guint i = 0; i < all->len; i++)
        {
          GtkWidget *w = all->pdata[i];

          if (GTK_IS_SEARCH_ENTRY (w))
            {
              entry = w;
              n_entries++;
            }
          else if (ADW_IS_ACTION_ROW (w)
                   && GTK_IS_CHECK_BUTTON (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (w))))
            g_ptr_array_add (checks, w);
        }
      /* One search, the queues'; the teams (none known) have none. */
      g_assert_cmpuint (n_entries, ==, 1);
      g_assert_cmpuint (checks->len, ==, G_N_ELEMENTS (queues) + 1);
      g_object_get (entry, "placeholder-text", &placeholder, NULL);
      g_assert_cmpstr (placeholder, ==, "Search queues");

      if (steps[s].query != NULL)
        {
          /* As typed: the rows follow once the entry says the search
           * changed, after its delay — at once when emptied. */
          gpointer pending = *steps[s].query != '\0' ? entry : NULL;
          gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

          gtk_editable_set_text (GTK_EDITABLE (entry), steps[s].query);
          g_signal_connect_swapped (entry, "search-changed", G_CALLBACK (g_nullify_pointer), &pending);
          while (pending != NULL)
            {
              g_assert_cmpint (g_get_monotonic_time (), <, deadline);
              g_main_context_iteration (NULL, FALSE);
              g_usleep (500);
            }
          g_signal_handlers_disconnect_by_func (entry, g_nullify_pointer, &pending);
          typed = steps[s].query;
        }
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, typed);

      for (guint i = 0; i < checks->len; i++)
        {
          AdwActionRow *row = checks->pdata[i];
          GtkCheckButton *check = GTK_CHECK_BUTTON (adw_action_row_get_activatable_widget (row));
          const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
          const char *id = NULL;
          gboolean expected = steps[s].shown[0] == NULL && !steps[s].none;
          gboolean matched = expected;

          for (guint q = 0; q < G_N_ELEMENTS (queues) && id == NULL; q++)
            {
              g_autofree char *escaped = g_markup_escape_text (queues[q][1], -1);

              if (g_strcmp0 (escaped, title) == 0)
                id = queues[q][0];
            }
          if (id == NULL)
            id = title;   /* the one missing on this backend, by its id */
          for (guint k = 0; k < G_N_ELEMENTS (steps[s].shown) && steps[s].shown[k] != NULL; k++)
            {
              g_autofree char *escaped = g_markup_escape_text (steps[s].shown[k], -1);

              matched |= g_strcmp0 (escaped, title) == 0;
            }
          /* What the tile holds stays in sight. */
          expected = matched || g_strv_contains ((const char * const *) held, id);
          g_assert_cmpint (gtk_widget_get_visible (GTK_WIDGET (row)), ==, expected);
          n_shown += matched;
          /* Shown or hidden, a box says what the tile holds. */
          g_assert_cmpint (gtk_check_button_get_active (check), ==,
                           g_strv_contains ((const char * const *) held, id));
          if (steps[s].tick != NULL && g_strcmp0 (steps[s].tick, title) == 0)
            tick = GTK_WIDGET (row);
        }
      g_assert_cmpuint (n_shown, ==, steps[s].none ? 0 : steps[s].shown[0] == NULL ? checks->len
                                                       : g_strv_length ((char **) steps[s].shown));

      no_match = g_strdup_printf ("No queue matches “%s”", typed);
      for (guint i = 0; i < all->len; i++)
        if (ADW_IS_PREFERENCES_ROW (all->pdata[i]) && gtk_widget_get_visible (all->pdata[i])
            && g_str_has_prefix (adw_preferences_row_get_title (all->pdata[i]), "No queue matches"))
          {
            g_autofree char *escaped = g_markup_escape_text (no_match, -1);

            g_assert_cmpstr (adw_preferences_row_get_title (all->pdata[i]), ==, escaped);
            n_no_match++;
          }
      g_assert_cmpuint (n_no_match, ==, steps[s].none ? 1 : 0);

      /* CB_BOARD_EDITOR_SEARCH_SHOT=PREFIX: the editor drawn after each
       * step, PREFIX-<step>.png, to look at it. */
      if (g_getenv ("CB_BOARD_EDITOR_SEARCH_SHOT") != NULL)
        {
          g_autofree char *path = g_strdup_printf ("%s-%u.png", g_getenv ("CB_BOARD_EDITOR_SEARCH_SHOT"),
                                                   s);
          g_autoptr(GdkTexture) texture = NULL;

          cb_test_spin (400);
          texture = cb_widget_render_texture (editor);
          g_assert_true (texture != NULL && gdk_texture_save_to_png (texture, path));
        }

      /* A click on a row that the search left: the tile has the queue. */
      if (steps[s].tick != NULL)
        {
          g_assert_nonnull (tick);
          g_assert_true (gtk_widget_get_visible (tick));
          adw_action_row_activate (ADW_ACTION_ROW (tick));
          spin ();
        }
      edited = cb_board_editor_get_board (CB_BOARD_EDITOR (editor))->tiles->pdata[0];
      g_assert_true (g_strv_equal ((const char * const *) edited->queue_ids, (const char * const *) ids));
    }

  gtk_window_destroy (GTK_WINDOW (editor));
  spin ();
  g_assert_null (editor);
  cb_store_shutdown (store);
  cb_test_spin (20);
  g_assert_finalize_object (store);
  g_remove (cache);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/callboard/wallboard/create", test_create);
  g_test_add_func ("/callboard/wallboard/format", test_format);
  g_test_add_func ("/callboard/wallboard/queue-tile", test_queue_tile);
  g_test_add_func ("/callboard/wallboard/no-data", test_no_data);
  g_test_add_func ("/callboard/wallboard/partial-day", test_partial_day);
  g_test_add_func ("/callboard/wallboard/campaign-tile", test_campaign_tile);
  g_test_add_func ("/callboard/wallboard/interval-chart", test_interval_chart);
  g_test_add_func ("/callboard/wallboard/floor-and-stale", test_floor_and_stale);
  g_test_add_func ("/callboard/wallboard/coalesced", test_coalesced);
  g_test_add_func ("/callboard/wallboard/boards", test_boards);
  g_test_add_func ("/callboard/wallboard/board-editor-search", test_board_editor_search);
  g_test_add_func ("/callboard/wallboard/against-sim", test_against_sim);
  g_test_add_func ("/callboard/wallboard/out-of-view", test_out_of_view);
  g_test_add_func ("/callboard/wallboard/busy-afternoon", test_busy_afternoon);

  return g_test_run ();
}
