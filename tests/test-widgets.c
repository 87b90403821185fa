/* test-widgets.c — every widget class can be created and destroyed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Catches leaks, and any template that names a widget GTK 4.8 or
 * libadwaita 1.2 lacks: such a template only fails when instantiated.
 */
#include "config.h"

#include <string.h>

#include "cb-agent-board.h"
#include "cb-alerts-button.h"
#include "cb-application.h"
#include "cb-campaign-tile.h"
#include "cb-entity-model.h"
#include "cb-interval-chart.h"
#include "cb-metric-item.h"
#include "cb-preferences-window.h"
#include "cb-profile-editor.h"
#include "cb-profile-row.h"
#include "cb-queue-tile.h"
#include "cb-sparkline.h"
#include "cb-kiosk-window.h"
#include "cb-wallboard-page.h"
#include "cb-window.h"

static GSettings *settings;
static CbProfileStore *store;

static void
test_window (void)
{
  GtkWidget *window = GTK_WIDGET (g_object_new (CB_TYPE_WINDOW, NULL));

  g_object_ref_sink (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
test_kiosk_window (void)
{
  GtkWidget *window = GTK_WIDGET (g_object_new (CB_TYPE_KIOSK_WINDOW, NULL));

  g_object_ref_sink (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
test_preferences_window (void)
{
  GtkWidget *window = GTK_WIDGET (cb_preferences_window_new (settings, store));

  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
test_profile_editor (void)
{
  CbProfile *demo = cb_profile_store_lookup (store, CB_PROFILE_DEMO_ID);
  GtkWidget *editor = GTK_WIDGET (cb_profile_editor_new (store, NULL));

  g_object_ref_sink (editor);
  gtk_window_destroy (GTK_WINDOW (editor));
  g_assert_finalize_object (editor);

  editor = GTK_WIDGET (cb_profile_editor_new (store, demo));
  g_object_ref_sink (editor);
  gtk_window_destroy (GTK_WINDOW (editor));
  g_assert_finalize_object (editor);
}

static void
test_profile_row (void)
{
  g_autoptr(CbProfile) profile = cb_profile_new ("x", "Riga", "wss://riga.example.com/cb");
  GtkWidget *row = cb_profile_row_new (profile);

  g_object_ref_sink (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Riga");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "wss://riga.example.com/cb");
  cb_profile_set_name (profile, "Rīga");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Rīga");
  g_assert_finalize_object (row);
}

/* The wallboard's widgets, each alone (their templates name only 4.8/1.2 widgets). */
static void
test_wallboard_widgets (void)
{
  GtkWidget *widgets[] = {
    cb_sparkline_new (),
    cb_metric_item_new (),
    cb_interval_chart_new (),
    cb_queue_tile_new ("q-sales"),
    cb_campaign_tile_new ("cmp-winter"),
    cb_wallboard_page_new (),
    cb_alerts_button_new (),
  };

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    {
      g_object_ref_sink (widgets[i]);
      g_assert_finalize_object (widgets[i]);
    }
}

/* A metric item shown the same value again keeps what it says; a text in
 * between is replaced by the value when it comes back. */
static void
test_metric_item (void)
{
  GtkWidget *item = cb_metric_item_new ();
  CbMetricValue waiting = { TRUE, 3, 3, 1, CB_METRIC_UNIT_COUNT, 0, 0 };
  CbMetricValue none = { FALSE, 0, 0, 0, CB_METRIC_UNIT_COUNT, 0, 0 };
  g_autofree char *details = NULL;

  g_object_ref_sink (item);
  cb_metric_item_set_metric_key (CB_METRIC_ITEM (item), "calls-waiting");
  cb_metric_item_show_value (CB_METRIC_ITEM (item), &waiting, NULL);
  g_assert_cmpstr (cb_metric_item_get_text (CB_METRIC_ITEM (item)), ==, "3");
  details = g_strdup (cb_metric_item_get_details (CB_METRIC_ITEM (item)));
  g_assert_nonnull (details);
  cb_metric_item_show_value (CB_METRIC_ITEM (item), &waiting, NULL);
  g_assert_cmpstr (cb_metric_item_get_text (CB_METRIC_ITEM (item)), ==, "3");
  g_assert_cmpstr (cb_metric_item_get_details (CB_METRIC_ITEM (item)), ==, details);

  cb_metric_item_show_value (CB_METRIC_ITEM (item), &none, NULL);
  g_assert_cmpstr (cb_metric_item_get_text (CB_METRIC_ITEM (item)), ==, "—");
  cb_metric_item_show_text (CB_METRIC_ITEM (item), "0:00", NULL);
  g_assert_cmpstr (cb_metric_item_get_text (CB_METRIC_ITEM (item)), ==, "0:00");
  cb_metric_item_show_value (CB_METRIC_ITEM (item), &none, NULL);
  g_assert_cmpstr (cb_metric_item_get_text (CB_METRIC_ITEM (item)), ==, "—");
  waiting.value = waiting.numerator = 4;
  cb_metric_item_show_value (CB_METRIC_ITEM (item), &waiting, NULL);
  g_assert_cmpstr (cb_metric_item_get_text (CB_METRIC_ITEM (item)), ==, "4");
  g_assert_finalize_object (item);
}

static void
test_agent_board (void)
{
  GtkWidget *board = cb_agent_board_new ();
  int min_width = 0;

  g_object_ref_sink (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (CB_AGENT_BOARD (board)), ==, "0 agents");
  /* It fits a folded window (400 pixels), like the page that holds it. */
  gtk_widget_measure (board, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  g_assert_cmpint (min_width, <=, 360);
  g_assert_finalize_object (board);
}

/* An alert raised in the button: its popover lists it, acknowledging it
 * from the popover's action empties the badge. */
static void
test_alerts_button (void)
{
  static const char event[] =
    "{\"type\":\"event\",\"seq\":1,\"ts\":1,\"topic\":\"agents\",\"kind\":\"upsert\","
    "\"entity\":{\"type\":\"agent\",\"id\":\"a1\",\"rev\":1},\"data\":{\"id\":\"a1\",\"rev\":1,"
    "\"name\":\"Kadri Kask\",\"state\":\"paused\",\"state_since\":1000}}";
  g_autoptr(CbEntityModel) agents = cb_entity_model_new ("agent");
  g_autoptr(CbMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *button = cb_alerts_button_new ();
  CbAlertEngine *engine = cb_alerts_button_get_engine (CB_ALERTS_BUTTON (button));
  CbAlertInputs inputs = { NULL, G_LIST_MODEL (agents), NULL, NULL };
  GtkPopover *popover;

  message = cb_message_decode (event, strlen (event), 0, &error);
  g_assert_no_error (error);
  cb_entity_model_upsert (agents, "a1", "agents", 1, message, NULL);
  g_assert_true (cb_alert_engine_set_rules_from_json (engine,
                   "{\"rules\":[{\"id\":\"p\",\"kind\":\"agent-state\",\"state\":\"paused\","
                   "\"threshold\":15,\"hold_s\":0}]}", &error));
  g_assert_no_error (error);

  gtk_window_set_child (GTK_WINDOW (window), button);
  gtk_window_present (GTK_WINDOW (window));
  cb_alert_engine_evaluate (engine, &inputs, 1000 + 16 * 60 * 1000);
  g_assert_cmpuint (cb_alert_engine_get_n_active (engine, TRUE), ==, 1);

  popover = GTK_POPOVER (gtk_widget_get_last_child (gtk_widget_get_first_child (button)));
  g_assert_true (GTK_IS_POPOVER (popover));
  gtk_popover_popup (popover);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (gtk_widget_activate_action (button, "alerts.acknowledge", "s", "p/a1"));
  g_assert_cmpuint (cb_alert_engine_get_n_active (engine, TRUE), ==, 0);
  g_assert_cmpuint (cb_alert_engine_get_n_history (engine), ==, 2);
  gtk_popover_popdown (popover);

  gtk_window_destroy (GTK_WINDOW (window));
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_application (void)
{
  CbApplication *app = cb_application_new ();

  g_assert_finalize_object (app);
}

/* No GPU: GTK's cairo renderer; a GPU, or the user's choice: left alone. */
static void
test_renderer (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("GSK_RENDERER"));
  gboolean gpu = FALSE;
  g_autoptr(GDir) dri = g_dir_open ("/dev/dri", 0, NULL);
  const char *name;

  while (dri != NULL && (name = g_dir_read_name (dri)) != NULL)
    gpu = gpu || g_str_has_prefix (name, "renderD");

  g_setenv ("GSK_RENDERER", "ngl", TRUE);
  cb_application_choose_renderer ();
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "ngl");

  g_unsetenv ("GSK_RENDERER");
  cb_application_choose_renderer ();
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, gpu ? NULL : "cairo");

  if (saved != NULL)
    g_setenv ("GSK_RENDERER", saved, TRUE);
  else
    g_unsetenv ("GSK_RENDERER");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  settings = g_settings_new ("io.github.callboard.Callboard");
  store = cb_profile_store_new (settings);

  g_test_add_func ("/callboard/widgets/renderer", test_renderer);
  g_test_add_func ("/callboard/widgets/window", test_window);
  g_test_add_func ("/callboard/widgets/kiosk-window", test_kiosk_window);
  g_test_add_func ("/callboard/widgets/preferences-window", test_preferences_window);
  g_test_add_func ("/callboard/widgets/profile-editor", test_profile_editor);
  g_test_add_func ("/callboard/widgets/profile-row", test_profile_row);
  g_test_add_func ("/callboard/widgets/wallboard", test_wallboard_widgets);
  g_test_add_func ("/callboard/widgets/metric-item", test_metric_item);
  g_test_add_func ("/callboard/widgets/agent-board", test_agent_board);
  g_test_add_func ("/callboard/widgets/alerts-button", test_alerts_button);
  g_test_add_func ("/callboard/widgets/application", test_application);

  ret = g_test_run ();

  g_clear_object (&store);
  g_clear_object (&settings);
  return ret;
}
