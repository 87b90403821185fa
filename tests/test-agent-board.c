/* test-agent-board.c — the agent board: filters, sorting, the colour ladder, actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The board is fed CbEntityModels filled with decoded event frames, as the
 * store fills them, and a fixed clock. With CB_AGENT_BOARD_SCREENSHOT=FILE
 * the screenshot case also writes what a busy floor looks like to FILE.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "cb-agent-board.h"
#include "cb-test-view.h"

#define NOW G_GINT64_CONSTANT (1795421000000)
#define MINUTE G_GINT64_CONSTANT (60000)

typedef struct
{
  CbEntityModel *agents;
  CbEntityModel *teams;
  CbEntityModel *queues;
  CbEntityModel *campaigns;
  CbEntityModel *reasons;
  CbEntityModel *calls;
  gint64         rev;
} Floor;

static void
spin (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets frames pass for @ms, so the column view binds its rows. */
static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
put (Floor         *floor_,
     CbEntityModel *model,
     const char    *topic,
     const char    *type,
     const char    *id,
     const char    *fields)
{
  gint64 rev = ++floor_->rev;
  g_autofree char *text = g_strdup_printf ("{\"type\":\"event\",\"seq\":%" G_GINT64_FORMAT ",\"ts\":1,"
                                           "\"topic\":\"%s\",\"kind\":\"upsert\",\"entity\":{\"type\":\"%s\","
                                           "\"id\":\"%s\",\"rev\":%" G_GINT64_FORMAT "},\"data\":{\"id\":\"%s\","
                                           "\"rev\":%" G_GINT64_FORMAT ",%s}}",
                                           rev, topic, type, id, rev, id, rev, fields);
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) message = cb_message_decode (text, strlen (text), 0, &error);

  g_assert_no_error (error);
  cb_entity_model_upsert (model, id, topic, rev, message, NULL);
}

static void
put_agent (Floor      *floor_,
           const char *id,
           const char *name,
           const char *extension,
           const char *team,
           const char *queue,
           const char *state,
           gint64      since,
           const char *extra)
{
  g_autofree char *fields = g_strdup_printf ("\"name\":\"%s\",\"extension\":\"%s\",\"team_ids\":[\"%s\"],"
                                             "\"queue_ids\":[\"%s\"],\"state\":\"%s\",\"state_since\":%"
                                             G_GINT64_FORMAT ",\"campaign_id\":null%s%s",
                                             name, extension, team, queue, state, since,
                                             extra != NULL ? "," : "", extra != NULL ? extra : "");

  put (floor_, floor_->agents, "agents", "agent", id, fields);
}

static void
floor_init (Floor *floor_)
{
  *floor_ = (Floor) {
    cb_entity_model_new ("agent"), cb_entity_model_new ("team"), cb_entity_model_new ("queue"),
    cb_entity_model_new ("campaign"), cb_entity_model_new ("pause_reason"), cb_entity_model_new ("call"),
    0,
  };

  put (floor_, floor_->teams, "catalogs", "team", "t-north", "\"name\":\"North\",\"supervisor_user_ids\":[]");
  put (floor_, floor_->teams, "catalogs", "team", "t-south", "\"name\":\"South\",\"supervisor_user_ids\":[]");
  put (floor_, floor_->queues, "queues", "queue", "q-sales", "\"name\":\"Sales\"");
  put (floor_, floor_->queues, "queues", "queue", "q-support", "\"name\":\"Support\"");
  put (floor_, floor_->reasons, "catalogs", "pause_reason", "BREAK",
       "\"label\":\"Break\",\"paid\":true,\"max_duration_s\":null,\"active\":true,\"sort_order\":1");
  put (floor_, floor_->reasons, "catalogs", "pause_reason", "LUNCH",
       "\"label\":\"Lunch\",\"paid\":false,\"max_duration_s\":2700,\"active\":true,\"sort_order\":2");
  put (floor_, floor_->reasons, "catalogs", "pause_reason", "OLD",
       "\"label\":\"Retired\",\"paid\":false,\"max_duration_s\":null,\"active\":false,\"sort_order\":3");
  put (floor_, floor_->calls, "calls", "call", "c-1",
       "\"state\":\"connected\",\"answered_at\":1795420820000,\"ended_at\":null");

  put_agent (floor_, "ag-1", "Maris Tamm", "1041", "t-north", "q-sales", "available", NOW - 2 * MINUTE, NULL);
  put_agent (floor_, "ag-2", "Jaan Kask", "1042", "t-north", "q-sales", "paused", NOW - 11 * MINUTE,
             "\"pause_reason\":\"BREAK\"");
  put_agent (floor_, "ag-3", "Olena Koval", "1043", "t-north", "q-support", "on_call", NOW - 3 * MINUTE,
             "\"call_id\":\"c-1\"");
  put_agent (floor_, "ag-4", "Katarzyna Nowak", "2001", "t-south", "q-support", "wrap_up", NOW - 6 * MINUTE,
             NULL);
  put_agent (floor_, "ag-5", "Ivana Horvat", "2002", "t-south", "q-sales", "paused", NOW - 16 * MINUTE,
             "\"pause_reason\":\"LUNCH\"");
  put_agent (floor_, "ag-6", "Emir Hadžić", "2003", "t-south", "q-sales", "logged_out", NOW - 90 * MINUTE,
             NULL);
}

static void
floor_clear (Floor *floor_)
{
  g_clear_object (&floor_->agents);
  g_clear_object (&floor_->teams);
  g_clear_object (&floor_->queues);
  g_clear_object (&floor_->campaigns);
  g_clear_object (&floor_->reasons);
  g_clear_object (&floor_->calls);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Floor, floor_clear)

static CbAgentBoard *
board_new (Floor *floor_)
{
  CbAgentBoard *board = CB_AGENT_BOARD (cb_agent_board_new ());

  g_object_ref_sink (board);
  cb_agent_board_set_fixed_now (board, NOW);
  cb_agent_board_set_models (board, floor_->agents, floor_->teams, floor_->queues, floor_->campaigns,
                             floor_->reasons, floor_->calls);
  return board;
}

/* @board in a window of 1400×600, its rows bound. */
static GtkWidget *
show_board (CbAgentBoard *board)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 600);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (board));
  gtk_window_present (GTK_WINDOW (window));
  run_for (300);
  return window;
}

static const char *
row_id (CbAgentBoard *board,
        guint         position)
{
  g_autoptr(CbEntity) agent = g_list_model_get_item (cb_agent_board_get_rows (board), position);

  g_assert_nonnull (agent);
  return cb_entity_get_id (agent);
}

static GtkWidget *
find_widget (GtkWidget  *widget,
             gboolean  (*match) (GtkWidget *widget, gconstpointer data),
             gconstpointer data)
{
  if (match (widget, data))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A cell's text: the board's cells are inscriptions; the rest, labels. */
static const char *
text_of (GtkWidget *widget)
{
  return GTK_IS_LABEL (widget) ? gtk_label_get_label (GTK_LABEL (widget))
         : GTK_IS_INSCRIPTION (widget) ? gtk_inscription_get_text (GTK_INSCRIPTION (widget))
                                       : NULL;
}

static gboolean
is_label_with_class (GtkWidget     *widget,
                     gconstpointer  css)
{
  return text_of (widget) != NULL && gtk_widget_has_css_class (widget, css);
}

static gboolean
is_label_containing (GtkWidget     *widget,
                     gconstpointer  text)
{
  return text_of (widget) != NULL && strstr (text_of (widget), text) != NULL;
}

static gboolean
is_actionable (GtkWidget     *widget,
               gconstpointer  action)
{
  return GTK_IS_ACTIONABLE (widget)
         && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

static gboolean
is_menu_button (GtkWidget     *widget,
                gconstpointer  unused)
{
  return GTK_IS_MENU_BUTTON (widget);
}

static gboolean
action_enabled (CbAgentBoard *board,
                const char   *action)
{
  GtkWidget *button = find_widget (GTK_WIDGET (board), is_actionable, action);

  g_assert_nonnull (button);
  return gtk_widget_get_sensitive (button);
}

static void
test_filters (void)
{
  g_auto(Floor) floor_ = { 0 };
  CbAgentBoard *board;

  floor_init (&floor_);
  board = board_new (&floor_);

  /* Who is on the floor, at first. */
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "5 of 6 agents");
  cb_agent_board_set_state_filter (board, NULL);
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "6 agents");

  cb_agent_board_set_team_filter (board, "t-north");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "3 of 6 agents");

  cb_agent_board_set_state_filter (board, "paused");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "1 of 6 agents");
  g_assert_cmpstr (row_id (board, 0), ==, "ag-2");

  cb_agent_board_set_team_filter (board, NULL);
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "2 of 6 agents");

  /* Everyone but the logged out. */
  cb_agent_board_set_state_filter (board, "logged_in");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "5 of 6 agents");

  cb_agent_board_set_state_filter (board, NULL);
  cb_agent_board_set_queue_filter (board, "q-support");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "2 of 6 agents");
  cb_agent_board_set_queue_filter (board, NULL);

  /* Search: name, any case, or extension. */
  cb_agent_board_set_search (board, "KASK");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "1 of 6 agents");
  g_assert_cmpstr (row_id (board, 0), ==, "ag-2");
  cb_agent_board_set_search (board, "200");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "3 of 6 agents");
  cb_agent_board_set_search (board, "hadžić");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "1 of 6 agents");
  cb_agent_board_set_search (board, "");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "6 agents");

  /* A live change is filtered as it arrives: Maris pauses. */
  cb_agent_board_set_state_filter (board, "paused");
  put_agent (&floor_, "ag-1", "Maris Tamm", "1041", "t-north", "q-sales", "paused", NOW,
             "\"pause_reason\":\"BREAK\"");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "3 of 6 agents");
  /* …and leaves it as it arrives: the verdict kept for her is not. */
  put_agent (&floor_, "ag-1", "Maris Tamm", "1041", "t-north", "q-sales", "available", NOW, NULL);
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "2 of 6 agents");
  /* The same agents under another filter: their verdicts are new. */
  cb_agent_board_set_state_filter (board, "available");
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "1 of 6 agents");

  /* A new agent counts at once. */
  cb_agent_board_set_state_filter (board, NULL);
  put_agent (&floor_, "ag-7", "Piret Mets", "1050", "t-north", "q-sales", "available", NOW, NULL);
  cb_agent_board_refresh (board);
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, "7 agents");

  g_assert_finalize_object (board);
}

static void
test_sort (void)
{
  g_auto(Floor) floor_ = { 0 };
  CbAgentBoard *board;
  static const char * const longest_first[] = { "ag-6", "ag-5", "ag-2", "ag-4", "ag-3", "ag-1" };
  guint n;

  floor_init (&floor_);
  board = board_new (&floor_);
  cb_agent_board_set_state_filter (board, NULL);

  g_assert_true (cb_agent_board_sort_by (board, "time", GTK_SORT_DESCENDING));
  n = g_list_model_get_n_items (cb_agent_board_get_rows (board));
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (longest_first));
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (row_id (board, i), ==, longest_first[i]);

  g_assert_true (cb_agent_board_sort_by (board, "time", GTK_SORT_ASCENDING));
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (row_id (board, i), ==, longest_first[n - 1 - i]);

  /* A state change moves the row: Katarzyna's wrap-up ends, she is the
   * newest. The next frame shows the change where her row is; the row
   * moves within a second, so the table never reshuffles faster than it
   * can be read. */
  put_agent (&floor_, "ag-4", "Katarzyna Nowak", "2001", "t-south", "q-support", "available", NOW, NULL);
  g_assert_cmpstr (row_id (board, 0), !=, "ag-4");   /* until the next frame */
  cb_agent_board_refresh (board);
  g_usleep (1050 * 1000);
  cb_agent_board_refresh (board);
  g_assert_cmpstr (row_id (board, 0), ==, "ag-4");

  g_assert_true (cb_agent_board_sort_by (board, "name", GTK_SORT_ASCENDING));
  g_assert_cmpstr (row_id (board, 0), ==, "ag-6");   /* Emir */
  g_assert_cmpstr (row_id (board, n - 1), ==, "ag-3");   /* Olena */

  /* By state in the floor's order, the longest in it first. */
  g_assert_true (cb_agent_board_sort_by (board, "state", GTK_SORT_ASCENDING));
  g_assert_cmpstr (row_id (board, 0), ==, "ag-1");   /* available, 2 min */
  g_assert_cmpstr (row_id (board, 1), ==, "ag-4");   /* available, now */
  g_assert_cmpstr (row_id (board, 3), ==, "ag-5");   /* paused, 16 min */
  g_assert_cmpstr (row_id (board, n - 1), ==, "ag-6");

  g_assert_true (cb_agent_board_sort_by (board, "team", GTK_SORT_ASCENDING));
  g_assert_true (cb_agent_board_sort_by (board, "reason", GTK_SORT_ASCENDING));
  g_assert_cmpstr (row_id (board, 0), ==, "ag-2");   /* Break */
  g_assert_true (cb_agent_board_sort_by (board, "call", GTK_SORT_ASCENDING));
  g_assert_cmpstr (row_id (board, 0), ==, "ag-3");   /* the only call */
  g_assert_true (cb_agent_board_sort_by (board, "work", GTK_SORT_ASCENDING));
  g_assert_false (cb_agent_board_sort_by (board, "nonsense", GTK_SORT_ASCENDING));

  /* Numbers in names go by their value: "Agent 2" before "Agent 10". */
  put_agent (&floor_, "ag-10", "Agent 10", "3010", "t-south", "q-sales", "available", NOW, NULL);
  put_agent (&floor_, "ag-9", "Agent 9", "3009", "t-south", "q-sales", "available", NOW, NULL);
  put_agent (&floor_, "ag-2b", "Agent 2", "3002", "t-south", "q-sales", "available", NOW, NULL);
  cb_agent_board_refresh (board);
  g_assert_true (cb_agent_board_sort_by (board, "name", GTK_SORT_ASCENDING));
  g_assert_cmpuint (g_list_model_get_n_items (cb_agent_board_get_rows (board)), ==, n + 3);
  g_assert_cmpstr (row_id (board, 0), ==, "ag-2b");
  g_assert_cmpstr (row_id (board, 1), ==, "ag-9");
  g_assert_cmpstr (row_id (board, 2), ==, "ag-10");
  g_assert_cmpstr (row_id (board, 3), ==, "ag-6");   /* Emir */

  g_assert_finalize_object (board);
}

static void
test_thresholds (void)
{
  g_auto(Floor) floor_ = { 0 };
  g_autoptr(GSettings) settings = g_settings_new ("io.github.callboard.Callboard");
  CbAgentBoard *board;
  GtkWidget *window;
  GtkWidget *label;

  floor_init (&floor_);
  board = board_new (&floor_);

  /* Paused 11 min on a break: past 10 min, amber. */
  g_assert_cmpint (cb_agent_board_get_level (board, cb_entity_model_lookup (floor_.agents, "ag-2")), ==,
                   CB_AGENT_LEVEL_WARNING);
  /* Wrap-up 6 min: past 5 min, red. */
  g_assert_cmpint (cb_agent_board_get_level (board, cb_entity_model_lookup (floor_.agents, "ag-4")), ==,
                   CB_AGENT_LEVEL_CRITICAL);
  /* Lunch 16 min of its 45: fine, though past the generic 15. */
  g_assert_cmpint (cb_agent_board_get_level (board, cb_entity_model_lookup (floor_.agents, "ag-5")), ==,
                   CB_AGENT_LEVEL_NONE);
  g_assert_cmpint (cb_agent_board_get_level (board, cb_entity_model_lookup (floor_.agents, "ag-1")), ==,
                   CB_AGENT_LEVEL_NONE);

  /* Lunch turns amber 5 min before its limit and red at it. */
  cb_agent_board_set_fixed_now (board, NOW - 16 * MINUTE + 41 * MINUTE);
  g_assert_cmpint (cb_agent_board_get_level (board, cb_entity_model_lookup (floor_.agents, "ag-5")), ==,
                   CB_AGENT_LEVEL_WARNING);
  cb_agent_board_set_fixed_now (board, NOW - 16 * MINUTE + 45 * MINUTE);
  g_assert_cmpint (cb_agent_board_get_level (board, cb_entity_model_lookup (floor_.agents, "ag-5")), ==,
                   CB_AGENT_LEVEL_CRITICAL);
  cb_agent_board_set_fixed_now (board, NOW);

  /* On screen: the cell carries the class. */
  window = show_board (board);
  cb_agent_board_refresh (board);

  label = find_widget (window, is_label_with_class, "level-critical");
  g_assert_nonnull (label);
  g_assert_cmpstr (text_of (label), ==, "6:00");
  label = find_widget (window, is_label_with_class, "level-warning");
  g_assert_nonnull (label);
  g_assert_cmpstr (text_of (label), ==, "11:00");
  /* The tooltip, made when GTK asks for it, names the threshold passed. */
  g_assert_true (gtk_widget_get_has_tooltip (label));
  {
    g_autofree char *tip = cb_agent_board_get_cell_tooltip (board, label);

    g_assert_cmpstr (tip, ==, "Longer than 10:00 in this state");
  }
  g_assert_nonnull (find_widget (window, is_label_with_class, "state-paused"));
  g_assert_nonnull (find_widget (window, is_label_containing, "Break"));
  g_assert_nonnull (find_widget (window, is_label_containing, "North"));
  g_assert_nonnull (find_widget (window, is_label_containing, "Support"));
  /* Olena's call was answered 3 min before now. */
  g_assert_nonnull (find_widget (window, is_label_containing, "3:00"));

  /* A duration ticks when its second has passed, not before. */
  cb_agent_board_set_fixed_now (board, NOW + 999);
  cb_agent_board_refresh (board);
  g_assert_cmpstr (text_of (find_widget (window, is_label_with_class, "level-critical")),
                   ==, "6:00");
  g_assert_nonnull (find_widget (window, is_label_containing, "3:00"));
  cb_agent_board_set_fixed_now (board, NOW + 1000);
  cb_agent_board_refresh (board);
  g_assert_cmpstr (text_of (find_widget (window, is_label_with_class, "level-critical")),
                   ==, "6:01");
  g_assert_nonnull (find_widget (window, is_label_containing, "3:01"));
  cb_agent_board_set_fixed_now (board, NOW);
  cb_agent_board_refresh (board);
  g_assert_nonnull (find_widget (window, is_label_containing, "3:00"));

  /* An agent changed in place shows it at the next frame, every column,
   * without waiting for the once-a-second look at every cell. */
  put_agent (&floor_, "ag-3", "Olena Kovalenko", "1043", "t-north", "q-support", "on_call", NOW - 3 * MINUTE,
             "\"call_id\":\"c-1\"");
  cb_agent_board_refresh (board);
  g_assert_nonnull (find_widget (window, is_label_containing, "Kovalenko"));

  /* The thresholds are a setting: wrap-up red only after 10 min now. */
  g_settings_set_value (settings, "agent-state-thresholds",
                        g_variant_new_parsed ("{'wrap_up': (@u 300, @u 600)}"));
  g_assert_cmpint (cb_agent_board_get_level (board, cb_entity_model_lookup (floor_.agents, "ag-4")), ==,
                   CB_AGENT_LEVEL_WARNING);
  g_assert_cmpint (cb_agent_board_get_level (board, cb_entity_model_lookup (floor_.agents, "ag-2")), ==,
                   CB_AGENT_LEVEL_NONE);
  g_assert_null (find_widget (window, is_label_with_class, "level-critical"));
  g_settings_reset (settings, "agent-state-thresholds");

  gtk_window_set_child (GTK_WINDOW (window), NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
  g_assert_finalize_object (board);
}

static void
test_actions (void)
{
  g_auto(Floor) floor_ = { 0 };
  CbAgentBoard *board;
  GtkWidget *pause;
  GtkWidget *window;
  GMenuModel *menu;
  g_autoptr(GMenuModel) section = NULL;
  g_autoptr(GVariant) label = NULL;
  g_autoptr(GVariant) target = NULL;

  floor_init (&floor_);
  board = board_new (&floor_);
  cb_agent_board_set_state_filter (board, NULL);
  pause = find_widget (GTK_WIDGET (board), is_menu_button, NULL);
  g_assert_nonnull (pause);
  window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (board));
  gtk_window_present (GTK_WINDOW (window));
  spin ();

  /* The pause menu lists the active reasons, in their order. */
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (pause));
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 1);
  section = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
  g_assert_cmpint (g_menu_model_get_n_items (section), ==, 2);
  label = g_menu_model_get_item_attribute_value (section, 0, G_MENU_ATTRIBUTE_LABEL, G_VARIANT_TYPE_STRING);
  g_assert_cmpstr (g_variant_get_string (label, NULL), ==, "Break");
  target = g_menu_model_get_item_attribute_value (section, 1, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_STRING);
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "LUNCH");

  /* Nobody selected. */
  cb_agent_board_set_can_control (board, TRUE);
  g_assert_false (action_enabled (board, "agent.resume"));
  g_assert_false (action_enabled (board, "agent.log-out"));
  g_assert_false (gtk_widget_get_sensitive (pause));

  /* Available: pause and log out. */
  g_assert_true (cb_agent_board_select (board, "ag-1"));
  g_assert_true (gtk_widget_get_sensitive (pause));
  g_assert_false (action_enabled (board, "agent.resume"));
  g_assert_true (action_enabled (board, "agent.log-out"));

  /* Paused: resume and log out. */
  g_assert_true (cb_agent_board_select (board, "ag-2"));
  g_assert_false (gtk_widget_get_sensitive (pause));
  g_assert_true (action_enabled (board, "agent.resume"));
  g_assert_true (action_enabled (board, "agent.log-out"));

  /* On a call: pause and log out take effect after wrap-up. */
  g_assert_true (cb_agent_board_select (board, "ag-3"));
  g_assert_true (gtk_widget_get_sensitive (pause));
  g_assert_false (action_enabled (board, "agent.resume"));

  /* Logged out: nothing. */
  g_assert_true (cb_agent_board_select (board, "ag-6"));
  g_assert_false (gtk_widget_get_sensitive (pause));
  g_assert_false (action_enabled (board, "agent.resume"));
  g_assert_false (action_enabled (board, "agent.log-out"));

  /* The agent's state changes under the selection: the actions follow. */
  g_assert_true (cb_agent_board_select (board, "ag-2"));
  put_agent (&floor_, "ag-2", "Jaan Kask", "1042", "t-north", "q-sales", "available", NOW, NULL);
  cb_agent_board_refresh (board);
  g_assert_false (action_enabled (board, "agent.resume"));
  g_assert_true (gtk_widget_get_sensitive (pause));

  /* Without agents.control, nothing at all. */
  cb_agent_board_set_can_control (board, FALSE);
  g_assert_false (gtk_widget_get_sensitive (pause));
  g_assert_false (action_enabled (board, "agent.resume"));
  g_assert_false (action_enabled (board, "agent.log-out"));

  gtk_window_set_child (GTK_WINDOW (window), NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
  g_assert_finalize_object (board);
}

/* Offline, the store refuses a live command at once, and the board says so. */
static void
test_offline_refusal (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cb-agent-board-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache.db", NULL);
  CbStore *store = cb_store_new (cache);
  g_auto(Floor) floor_ = { 0 };
  CbAgentBoard *board = CB_AGENT_BOARD (cb_agent_board_new ());
  GtkWidget *window = gtk_window_new ();
  GListModel *toplevels;
  AdwMessageDialog *dialog = NULL;
  gint64 deadline;

  floor_init (&floor_);
  g_object_unref (floor_.agents);
  floor_.agents = g_object_ref (cb_store_get_model (store, "agent"));
  put_agent (&floor_, "ag-2", "Jaan Kask", "1042", "t-north", "q-sales", "paused", NOW - 11 * MINUTE,
             "\"pause_reason\":\"BREAK\"");

  g_object_ref_sink (board);
  cb_agent_board_set_store (board, store);
  g_assert_true (cb_agent_board_get_store (board) == store);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (board), "stale"));
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (board));
  gtk_window_present (GTK_WINDOW (window));

  cb_agent_board_set_can_control (board, TRUE);
  g_assert_true (cb_agent_board_select (board, "ag-2"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (board), "agent.resume", NULL));

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (find_widget (window, is_label_containing, "Could not resume Jaan Kask") == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }

  /* Logging out asks first: logging in again needs the agent's phone. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (board), "agent.log-out", NULL));
  spin ();
  toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && dialog == NULL; i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel))
        dialog = ADW_MESSAGE_DIALOG (toplevel);
    }
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Log Out Jaan Kask?");
  adw_message_dialog_response (dialog, "log-out");
  while (find_widget (window, is_label_containing, "Could not log out Jaan Kask") == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }

  gtk_window_set_child (GTK_WINDOW (window), NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
  g_assert_finalize_object (board);
  cb_store_shutdown (store);
  g_object_unref (store);
  g_rmdir (dir);
}

/* Thousands of updates, a frame every hundred: the rows stay in order, the
 * count stays right, and a frame's work is what changed. */
static gboolean
is_mapped_cell_containing (GtkWidget     *widget,
                           gconstpointer  text)
{
  return gtk_widget_get_mapped (widget) && is_label_containing (widget, text);
}

static gboolean
is_name_cell (GtkWidget     *widget,
              gconstpointer  unused)
{
  return gtk_widget_has_css_class (widget, "agent-name");
}

static void
collect (GtkWidget *widget,
         gboolean  (*match) (GtkWidget *widget, gconstpointer data),
         GPtrArray *found)
{
  if (match (widget, NULL))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, match, found);
}

/* 300 agents in a window that shows a few dozen rows: only the cells in
 * view are drawn (mapped) and kept current; an agent that changed out of
 * view shows the change when scrolled to. */
static void
test_in_view (void)
{
  g_auto(Floor) floor_ = { 0 };
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  CbAgentBoard *board;
  GtkWidget *window, *scroller, *cell, *row;
  GtkAdjustment *vadj;
  guint mapped = 0;

  floor_init (&floor_);
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *id = g_strdup_printf ("iv-%03u", i);
      g_autofree char *name = g_strdup_printf ("Agent %03u", i);

      put_agent (&floor_, id, name, "1", "t-north", "q-sales", "available", NOW - MINUTE, NULL);
    }
  board = board_new (&floor_);
  g_assert_true (cb_agent_board_sort_by (board, "name", GTK_SORT_ASCENDING));
  window = show_board (board);
  cb_agent_board_refresh (board);

  scroller = gtk_widget_get_ancestor (find_widget (GTK_WIDGET (board), is_name_cell, NULL), GTK_TYPE_SCROLLED_WINDOW);
  g_assert_nonnull (scroller);
  vadj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  gtk_adjustment_set_value (vadj, 0);
  run_for (300);
  g_assert_nonnull (find_widget (window, is_mapped_cell_containing, "Agent 000"));
  collect (window, is_name_cell, names);
  for (guint i = 0; i < names->len; i++)
    {
      GtkWidget *name = g_ptr_array_index (names, i);
      GtkWidget *its_row = gtk_widget_get_parent (gtk_widget_get_parent (name));
      GtkWidget *list = gtk_widget_get_parent (its_row);
      graphene_rect_t bounds;

      /* GTK keeps spare rows it does not show. */
      if (!gtk_widget_get_mapped (gtk_widget_get_parent (name)))
        continue;
      /* Drawn exactly when its row is in the list's view. */
      g_assert_true (gtk_widget_compute_bounds (its_row, list, &bounds));
      g_assert_cmpint (gtk_widget_get_mapped (name), ==,
                       bounds.origin.y + bounds.size.height > 0
                       && bounds.origin.y < gtk_widget_get_height (list));
      mapped += gtk_widget_get_mapped (name);
    }
  g_test_message ("%u of %u bound rows drawn", mapped, names->len);
  g_assert_cmpuint (mapped, >, 10);
  g_assert_cmpuint (mapped, <, 60);
  g_assert_null (find_widget (window, is_mapped_cell_containing, "Agent 290"));

  /* Out of view, Agent 290 goes on a break. */
  put_agent (&floor_, "iv-290", "Agent 290", "1", "t-north", "q-sales", "paused", NOW - MINUTE,
             "\"pause_reason\":\"BREAK\"");
  cb_agent_board_refresh (board);
  run_for (100);

  /* Scrolled to the end: the row says so. */
  gtk_adjustment_set_value (vadj, gtk_adjustment_get_upper (vadj) - gtk_adjustment_get_page_size (vadj));
  run_for (300);
  cell = find_widget (window, is_mapped_cell_containing, "Agent 290");
  g_assert_nonnull (cell);
  row = gtk_widget_get_parent (gtk_widget_get_parent (cell));
  g_assert_nonnull (find_widget (row, is_mapped_cell_containing, "Paused"));
  g_assert_nonnull (find_widget (row, is_mapped_cell_containing, "Break"));
  g_assert_null (find_widget (window, is_mapped_cell_containing, "Agent 000"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (board);
}

typedef struct
{
  GdkFrameClock *clock;
  gboolean       in_frame;
  guint          moves_in_frame;
  guint          reorders;       /* between frames: how many gaps between two frames had moves */
  gint64         last_gap;       /* the frame counter of the last gap with moves */
} FrameWatch;

static void
on_frame_begins (GdkFrameClock *clock,
                 FrameWatch    *watch)
{
  watch->in_frame = TRUE;
}

static void
on_frame_ends (GdkFrameClock *clock,
               FrameWatch    *watch)
{
  watch->in_frame = FALSE;
}

static void
on_rows_moved (GListModel *rows,
               guint       position,
               guint       removed,
               guint       added,
               FrameWatch *watch)
{
  gint64 gap = gdk_frame_clock_get_frame_counter (watch->clock);

  if (removed == 0)
    return;
  if (watch->in_frame)
    watch->moves_in_frame++;
  else if (gap != watch->last_gap)
    {
      /* One reorder may tell of its moves one by one. */
      watch->reorders++;
      watch->last_gap = gap;
    }
}

static gboolean
is_column_view (GtkWidget     *widget,
                gconstpointer  unused)
{
  return GTK_IS_COLUMN_VIEW (widget);
}

static void
count_view_changes (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    guint      *changes)
{
  (*changes)++;
}

/* A busy floor on screen: the rows move between frames, not in them, at
 * most once a second, and end up in order. The view's own rows never
 * move (GTK would bind hundreds of cells again at each reorder), and the
 * selection stays on its agent wherever the agent goes. */
static void
test_reorder_between_frames (void)
{
  GListModel *view_rows;
  guint view_changes = 0;
  g_autoptr(CbEntity) chosen = NULL;
  g_auto(Floor) floor_ = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  FrameWatch watch = { 0 };
  CbAgentBoard *board;
  GtkWidget *window;
  GdkFrameClock *clock;
  GtkAdjustment *vadj;
  GListModel *rows;
  gint64 until;

  floor_init (&floor_);
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *id = g_strdup_printf ("rb-%03u", i);
      g_autofree char *name = g_strdup_printf ("Agent %03u", i);

      put_agent (&floor_, id, name, "1", "t-north", "q-sales", i % 2 ? "available" : "on_call",
                 NOW - g_rand_int_range (rand, 0, 3600) * 1000, NULL);
    }
  board = board_new (&floor_);
  g_assert_true (cb_agent_board_sort_by (board, "state", GTK_SORT_ASCENDING));
  window = show_board (board);

  /* At its top, as a supervisor opens it. */
  vadj = gtk_scrolled_window_get_vadjustment (
    GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (find_widget (GTK_WIDGET (board), is_name_cell, NULL),
                                                  GTK_TYPE_SCROLLED_WINDOW)));
  gtk_adjustment_set_value (vadj, 0);
  run_for (100);
  clock = gtk_widget_get_frame_clock (window);
  watch.clock = clock;
  watch.last_gap = -1;
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_frame_begins), &watch);
  g_signal_connect_after (clock, "after-paint", G_CALLBACK (on_frame_ends), &watch);
  rows = cb_agent_board_get_rows (board);
  g_signal_connect (rows, "items-changed", G_CALLBACK (on_rows_moved), &watch);
  view_rows = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (find_widget (GTK_WIDGET (board),
                                                                                     is_column_view, NULL))));
  g_signal_connect (view_rows, "items-changed", G_CALLBACK (count_view_changes), &view_changes);
  /* An agent the churn below moves about. */
  chosen = g_list_model_get_item (rows, 10);
  g_assert_true (cb_agent_board_select (board, cb_entity_get_id (chosen)));

  /* 2.5 s of agents changing state, a few every 20 ms. */
  until = g_get_monotonic_time () + 2500 * 1000;
  while (g_get_monotonic_time () < until)
    {
      for (guint k = 0; k < 5; k++)
        {
          guint i = g_rand_int_range (rand, 0, 300);
          g_autofree char *id = g_strdup_printf ("rb-%03u", i);
          g_autofree char *name = g_strdup_printf ("Agent %03u", i);

          put_agent (&floor_, id, name, "1", "t-north", "q-sales", g_rand_boolean (rand) ? "available" : "on_call",
                     NOW - g_rand_int_range (rand, 0, 3600) * 1000, NULL);
        }
      run_for (20);
    }
  run_for (1300);
  g_signal_handlers_disconnect_by_data (rows, &watch);
  g_signal_handlers_disconnect_by_data (clock, &watch);
  g_signal_handlers_disconnect_by_data (view_rows, &view_changes);
  g_assert_cmpuint (view_changes, ==, 0);
  {
    guint selected = gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (view_rows));
    g_autoptr(CbEntity) shown = g_list_model_get_item (rows, selected);

    g_test_message ("the selected agent went from row 10 to row %u", selected);
    g_assert_true (shown == chosen);
  }

  g_test_message ("reorders between frames: %u; row moves in frames: %u", watch.reorders, watch.moves_in_frame);
  g_assert_cmpuint (watch.moves_in_frame, ==, 0);
  /* Once a second or so over these 3.8 s: not at every one of the 125 bursts. */
  g_assert_cmpuint (watch.reorders, >=, 2);
  g_assert_cmpuint (watch.reorders, <=, 5);
  /* In order: the floor's order of states, each state's longest in it first. */
  for (guint i = 1; i < g_list_model_get_n_items (rows); i++)
    {
      static const char * const order[] = { "available", "ringing", "on_call", "on_hold", "wrap_up", "paused",
                                            "logged_out", NULL };
      g_autoptr(CbEntity) a = g_list_model_get_item (rows, i - 1);
      g_autoptr(CbEntity) b = g_list_model_get_item (rows, i);
      guint ra = 0, rb = 0;

      while (order[ra] != NULL && g_strcmp0 (order[ra], cb_entity_get_string (a, "state")) != 0)
        ra++;
      while (order[rb] != NULL && g_strcmp0 (order[rb], cb_entity_get_string (b, "state")) != 0)
        rb++;
      g_assert_cmpuint (ra, <=, rb);
      if (ra == rb)
        g_assert_cmpint (cb_entity_get_int (a, "state_since", 0), <=, cb_entity_get_int (b, "state_since", 0));
    }

  /* The view stayed at the top, which shows the first agent: GTK alone
   * would have followed the agent at the top wherever its row went. */
  g_assert_cmpfloat (gtk_adjustment_get_value (vadj), ==, 0);
  {
    g_autoptr(CbEntity) first = g_list_model_get_item (rows, 0);

    g_assert_nonnull (find_widget (window, is_mapped_cell_containing, cb_entity_get_string (first, "name")));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (board);
}

static void
test_flood (void)
{
  static const char * const flood_states[] = {
    "available", "ringing", "on_call", "on_hold", "wrap_up", "paused", "logged_out",
  };
  g_auto(Floor) floor_ = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  CbAgentBoard *board;
  GListModel *rows;
  gint64 started, worst = 0;
  guint logged_in = 0, frames = 0;
  g_autofree char *expected = NULL;

  floor_init (&floor_);
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *id = g_strdup_printf ("fl-%04u", i);
      g_autofree char *name = g_strdup_printf ("Agent %04u", i);

      put_agent (&floor_, id, name, "1", i % 2 ? "t-north" : "t-south", "q-sales", "available",
                 NOW - g_rand_int_range (rand, 0, 3600) * 1000, NULL);
    }
  board = board_new (&floor_);
  g_assert_true (cb_agent_board_sort_by (board, "time", GTK_SORT_DESCENDING));

  started = g_get_monotonic_time ();
  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *id = g_strdup_printf ("fl-%04u", g_rand_int_range (rand, 0, 2000));
      const char *state = flood_states[g_rand_int_range (rand, 0, G_N_ELEMENTS (flood_states))];

      put_agent (&floor_, id, "Agent", "1", "t-north", "q-sales", state,
                 NOW - g_rand_int_range (rand, 0, 3600) * 1000,
                 g_str_equal (state, "paused") ? "\"pause_reason\":\"BREAK\"" : NULL);
      if (i % 100 == 99)
        {
          gint64 frame = g_get_monotonic_time ();

          cb_agent_board_refresh (board);
          worst = MAX (worst, g_get_monotonic_time () - frame);
          frames++;
        }
    }
  g_test_message ("5000 updates of 2000 agents in %u frames: %.1f ms in all, worst frame %.2f ms",
                  frames, (g_get_monotonic_time () - started) / 1000.0, worst / 1000.0);

  /* The rows are where they belong once their second is over. */
  g_usleep (1050 * 1000);
  cb_agent_board_refresh (board);

  rows = cb_agent_board_get_rows (board);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (floor_.agents)); i++)
    if (g_strcmp0 (cb_entity_get_string (cb_entity_model_get (floor_.agents, i), "state"), "logged_out") != 0)
      logged_in++;
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, logged_in);
  expected = g_strdup_printf ("%u of %u agents", logged_in,
                              g_list_model_get_n_items (G_LIST_MODEL (floor_.agents)));
  g_assert_cmpstr (cb_agent_board_get_count_text (board), ==, expected);
  for (guint i = 1; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(CbEntity) a = g_list_model_get_item (rows, i - 1);
      g_autoptr(CbEntity) b = g_list_model_get_item (rows, i);

      g_assert_cmpint (cb_entity_get_int (a, "state_since", 0), <=, cb_entity_get_int (b, "state_since", 0));
    }

  g_assert_finalize_object (board);
}

static gboolean
store_ready (gpointer data)
{
  CbStore *store = data;

  return cb_store_get_state (store) == CB_CONNECTION_LIVE
         && g_list_model_get_n_items (G_LIST_MODEL (cb_store_get_model (store, "agent"))) > 0
         && g_list_model_get_n_items (G_LIST_MODEL (cb_store_get_model (store, "pause_reason"))) > 0;
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

typedef struct
{
  GtkWidget  *window;
  const char *text;
} Toast;

static gboolean
toast_shown (gpointer data)
{
  Toast *toast = data;

  return find_widget (toast->window, is_label_containing, toast->text) != NULL;
}

typedef struct
{
  CbEntity   *agent;
  const char *state;
} Wanted;

static gboolean
agent_is_or_will_be (gpointer data)
{
  Wanted *wanted = data;
  const CbJsonValue *pending = cb_entity_get_object (wanted->agent, "pending");

  return g_strcmp0 (cb_entity_get_string (wanted->agent, "state"), wanted->state) == 0
         || (pending != NULL && g_strcmp0 (cb_json_value_lookup_string (pending, "state"), wanted->state) == 0);
}

/* Against the demo contact center: pause an agent with a reason and resume
 * them, and the board says what happened. */
static void
test_against_sim (void)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=10", "--agents=20", "--seed=3",
                                                "--heartbeat-ms=1000", NULL);
  g_autofree char *dir = g_dir_make_tmp ("cb-agent-board-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache.sqlite", NULL);
  CbStore *store = cb_store_new (cache);
  CbAgentBoard *board = CB_AGENT_BOARD (cb_agent_board_new ());
  GtkWidget *window = gtk_window_new ();
  CbEntityModel *agents;
  CbEntity *agent = NULL;
  g_autofree char *paused = NULL, *will_pause = NULL, *available = NULL;
  gboolean opened = FALSE;
  Toast toast = { window, NULL };
  Wanted wanted = { NULL, "paused" };

  cb_store_set_backend (store, sim->url, CB_TEST_ADMIN_TOKEN, NULL);
  cb_store_set_backoff (store, 20, 200);
  cb_store_open_async (store, NULL, on_opened, &opened);
  cb_test_wait (flag_is_set, &opened, 10000);

  g_object_ref_sink (board);
  cb_agent_board_set_store (board, store);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (board));
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 700);
  gtk_window_present (GTK_WINDOW (window));

  cb_store_connect (store);
  cb_test_wait (store_ready, store, 20000);
  cb_test_spin (300);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (board), "stale"));
  g_assert_true (cb_store_has_permission (store, "agents.control"));

  /* Someone free to pause. */
  agents = cb_store_get_model (store, "agent");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (agents)) && agent == NULL; i++)
    if (g_strcmp0 (cb_entity_get_string (cb_entity_model_get (agents, i), "state"), "available") == 0)
      agent = cb_entity_model_get (agents, i);
  g_assert_nonnull (agent);
  g_assert_true (cb_agent_board_select (board, cb_entity_get_id (agent)));

  paused = g_strdup_printf ("%s is paused", cb_entity_get_string (agent, "name"));
  will_pause = g_strdup_printf ("%s will pause after wrap-up", cb_entity_get_string (agent, "name"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (board), "agent.pause", "s", "BREAK"));
  wanted.agent = agent;
  cb_test_wait (agent_is_or_will_be, &wanted, 10000);
  toast.text = paused;
  if (!toast_shown (&toast))
    toast.text = will_pause;   /* a call came first */
  cb_test_wait (toast_shown, &toast, 5000);

  /* Paused: resume makes them available again. */
  if (g_strcmp0 (cb_entity_get_string (agent, "state"), "paused") == 0)
    {
      cb_agent_board_refresh (board);
      g_assert_true (cb_agent_board_select (board, cb_entity_get_id (agent)));
      available = g_strdup_printf ("%s is available", cb_entity_get_string (agent, "name"));
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (board), "agent.resume", NULL));
      toast.text = available;
      cb_test_wait (toast_shown, &toast, 10000);
    }

  gtk_window_set_child (GTK_WINDOW (window), NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  cb_test_spin (50);
  g_assert_finalize_object (board);
  cb_store_shutdown (store);
  g_object_unref (store);
}

static void
save_png (GtkWidget  *widget,
          const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* A busy afternoon: 60 agents in every state, some past their thresholds. */
static void
test_screenshot (void)
{
  static const char * const first[] = {
    "Maris", "Jaan", "Olena", "Katarzyna", "Ivana", "Emir", "Piret", "Tomasz", "Lejla", "Andrii",
    "Marta", "Kristjan", "Zuzana", "Dario", "Oksana", "Peeter", "Agnieszka", "Marek", "Amra", "Sofiia",
  };
  static const char * const last[] = {
    "Tamm", "Kask", "Koval", "Nowak", "Horvat", "Hadžić", "Mets", "Wiśniewski", "Begić", "Shevchenko",
    "Kováčová", "Saar", "Novák", "Babić", "Bondarenko",
  };
  static const char * const agent_states[] = {
    "on_call", "available", "on_call", "wrap_up", "on_call", "paused", "ringing", "on_call", "on_hold",
    "available", "on_call", "logged_out",
  };
  const char *path = g_getenv ("CB_AGENT_BOARD_SCREENSHOT");
  g_auto(Floor) floor_ = { 0 };
  CbAgentBoard *board;
  GtkWidget *window;
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autoptr(GtkCssProvider) css = NULL;

  if (path == NULL)
    {
      g_test_skip ("set CB_AGENT_BOARD_SCREENSHOT=FILE to write one");
      return;
    }

  /* The application's style, as AdwApplication loads it. */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, RESOURCE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  floor_init (&floor_);
  put (&floor_, floor_.teams, "catalogs", "team", "t-east", "\"name\":\"East\",\"supervisor_user_ids\":[]");
  put (&floor_, floor_.queues, "queues", "queue", "q-billing", "\"name\":\"Billing\"");
  put (&floor_, floor_.campaigns, "campaigns", "campaign", "cmp-renew", "\"name\":\"Renewals Q4\"");
  put (&floor_, floor_.reasons, "catalogs", "pause_reason", "TRAINING",
       "\"label\":\"Training\",\"paid\":true,\"max_duration_s\":3600,\"active\":true,\"sort_order\":3");
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *id = g_strdup_printf ("ag-%03u", i + 10);
      g_autofree char *call = g_strdup_printf ("c-%03u", i);
      g_autofree char *name = g_strdup_printf ("%s %s", first[i % G_N_ELEMENTS (first)],
                                               last[(i * 7) % G_N_ELEMENTS (last)]);
      g_autofree char *ext = g_strdup_printf ("%u", 1100 + i);
      const char *state = agent_states[g_rand_int_range (rand, 0, G_N_ELEMENTS (agent_states))];
      const char *team = i % 3 == 0 ? "t-north" : i % 3 == 1 ? "t-south" : "t-east";
      const char *queue = i % 4 == 0 ? "q-sales" : i % 4 == 1 ? "q-support" : "q-billing";
      gint64 since = NOW - g_rand_int_range (rand, 5, 900) * 1000;
      g_autofree char *extra = NULL;

      if (g_str_equal (state, "paused"))
        {
          static const char * const codes[] = { "BREAK", "LUNCH", "TRAINING" };

          since = NOW - g_rand_int_range (rand, 60, 1500) * 1000;
          extra = g_strdup_printf ("\"pause_reason\":\"%s\"", codes[g_rand_int_range (rand, 0, 3)]);
          if (i % 9 == 0)
            {
              g_free (extra);
              extra = g_strdup ("\"pause_reason\":null");
            }
        }
      else if (!g_str_equal (state, "available") && !g_str_equal (state, "logged_out"))
        {
          g_autofree char *fields = g_strdup_printf ("\"state\":\"connected\",\"answered_at\":%" G_GINT64_FORMAT
                                                     ",\"ended_at\":%s", since - 60000 * (i % 5),
                                                     g_str_equal (state, "wrap_up") ? "1795420990000" : "null");

          if (g_str_equal (state, "ringing"))
            since = NOW - g_rand_int_range (rand, 2, 40) * 1000;
          put (&floor_, floor_.calls, "calls", "call", call, fields);
          extra = g_strdup_printf ("\"call_id\":\"%s\"%s", call,
                                   i % 5 == 0 ? ",\"pending\":{\"state\":\"paused\",\"reason_code\":\"LUNCH\"}" : "");
        }
      else if (g_str_equal (state, "logged_out"))
        since = NOW - g_rand_int_range (rand, 600, 20000) * 1000;

      if (i % 6 == 5 && !g_str_equal (state, "logged_out"))
        {
          g_autofree char *with_campaign = g_strdup_printf ("%s%s\"campaign_id\":\"cmp-renew\"",
                                                            extra != NULL ? extra : "",
                                                            extra != NULL ? "," : "");
          g_free (extra);
          extra = g_steal_pointer (&with_campaign);
        }
      put_agent (&floor_, id, name, ext, team, queue, state, since, extra);
    }

  board = board_new (&floor_);
  cb_agent_board_set_can_control (board, TRUE);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window),
                               g_getenv ("CB_AGENT_BOARD_WIDTH") != NULL
                               ? atoi (g_getenv ("CB_AGENT_BOARD_WIDTH")) : 1600, 760);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (board));
  gtk_window_present (GTK_WINDOW (window));
  run_for (300);
  /* The default order is the floor's: by state, the longest in it first. */
  cb_agent_board_select (board, row_id (board, 3));
  if (g_getenv ("CB_AGENT_BOARD_TOAST") != NULL)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (board), "agent.pause", "s", "BREAK"));
  if (g_getenv ("CB_AGENT_BOARD_STALE") != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (board), "stale");
  if (g_getenv ("CB_AGENT_BOARD_DARK") != NULL)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  run_for (500);
  cb_agent_board_refresh (board);
  run_for (100);
  save_png (window, path);
  gtk_style_context_remove_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css));

  gtk_window_set_child (GTK_WINDOW (window), NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
  g_assert_finalize_object (board);
}


/* Counts the border nodes under @node, and those whose sides differ in
 * colour: GTK 4.8's cairo renderer draws each of those as a mesh. */
static void
count_borders (GskRenderNode *node,
               guint         *borders,
               guint         *mixed)
{
  switch (gsk_render_node_get_node_type (node))
    {
    case GSK_CONTAINER_NODE:
      for (guint i = 0; i < gsk_container_node_get_n_children (node); i++)
        count_borders (gsk_container_node_get_child (node, i), borders, mixed);
      break;
    case GSK_TRANSFORM_NODE:
      count_borders (gsk_transform_node_get_child (node), borders, mixed);
      break;
    case GSK_CLIP_NODE:
      count_borders (gsk_clip_node_get_child (node), borders, mixed);
      break;
    case GSK_ROUNDED_CLIP_NODE:
      count_borders (gsk_rounded_clip_node_get_child (node), borders, mixed);
      break;
    case GSK_OPACITY_NODE:
      count_borders (gsk_opacity_node_get_child (node), borders, mixed);
      break;
    case GSK_COLOR_MATRIX_NODE:
      count_borders (gsk_color_matrix_node_get_child (node), borders, mixed);
      break;
    case GSK_SHADOW_NODE:
      count_borders (gsk_shadow_node_get_child (node), borders, mixed);
      break;
    case GSK_BORDER_NODE:
      {
        const GdkRGBA *colors = gsk_border_node_get_colors (node);

        (*borders)++;
        for (guint i = 1; i < 4; i++)
          if (!gdk_rgba_equal (&colors[0], &colors[i]))
            {
              (*mixed)++;
              break;
            }
      }
      break;
    default:
      break;
    }
}

/* The rows are redrawn whenever they reorder; with libadwaita's column
 * view borders as they are, each cell drew an invisible border as a mesh. */
static void
test_plain_borders (void)
{
  g_auto(Floor) floor_ = { 0 };
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  CbAgentBoard *board;
  GtkWidget *window;
  guint borders = 0, mixed = 0;

  gtk_css_provider_load_from_resource (css, RESOURCE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  floor_init (&floor_);
  board = board_new (&floor_);
  cb_agent_board_set_state_filter (board, NULL);
  window = show_board (board);

  paintable = gtk_widget_paintable_new (GTK_WIDGET (board));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (GTK_WIDGET (board)),
                          gtk_widget_get_height (GTK_WIDGET (board)));
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  count_borders (node, &borders, &mixed);
  /* The rows' separators are drawn, each in one colour. */
  g_assert_cmpuint (borders, >=, 6);
  g_assert_cmpuint (mixed, ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  gtk_style_context_remove_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css));
  g_assert_finalize_object (board);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/callboard/agent-board/filters", test_filters);
  g_test_add_func ("/callboard/agent-board/sort", test_sort);
  g_test_add_func ("/callboard/agent-board/thresholds", test_thresholds);
  g_test_add_func ("/callboard/agent-board/actions", test_actions);
  g_test_add_func ("/callboard/agent-board/offline-refusal", test_offline_refusal);
  g_test_add_func ("/callboard/agent-board/flood", test_flood);
  g_test_add_func ("/callboard/agent-board/in-view", test_in_view);
  g_test_add_func ("/callboard/agent-board/reorder-between-frames", test_reorder_between_frames);
  g_test_add_func ("/callboard/agent-board/against-sim", test_against_sim);
  g_test_add_func ("/callboard/agent-board/screenshot", test_screenshot);
  g_test_add_func ("/callboard/agent-board/plain-borders", test_plain_borders);

  return g_test_run ();
}
