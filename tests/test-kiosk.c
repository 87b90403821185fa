/* test-kiosk.c — kiosk mode: the wallboard full screen, cycling, for a TV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>

#include "cb-agent-board.h"
#include "cb-application.h"
#include "cb-board.h"
#include "cb-board-group.h"
#include "cb-interval-chart.h"
#include "cb-kiosk-window.h"
#include "cb-queue-tile.h"
#include "cb-test-view.h"
#include "cb-ui-types.h"
#include "cb-wallboard-page.h"
#include "cb-window.h"

static CbApplication *app;

static void
spin (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the main context for @ms milliseconds. */
static void
spin_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_descendant (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static CbKioskWindow *
find_kiosk (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (CB_IS_KIOSK_WINDOW (l->data))
      return l->data;
  return NULL;
}

static guint
count_kiosks (void)
{
  guint n = 0;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (CB_IS_KIOSK_WINDOW (l->data))
      n++;
  return n;
}

/* Runs the window's own binding for @keyval, as a key press would. */
static gboolean
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger)
              && gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval
              && gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0)
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                                 gtk_shortcut_get_arguments (shortcut));
        }
    }

  return FALSE;
}

static void
test_open_and_leave (void)
{
  CbWindow *window = cb_window_new (app);
  CbKioskWindow *kiosk, *second;

  cb_window_set_remember_state (window, FALSE);
  gtk_window_present (GTK_WINDOW (window));
  spin ();

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.kiosk", NULL));
  spin ();
  kiosk = find_kiosk ();
  g_assert_nonnull (kiosk);
  g_object_add_weak_pointer (G_OBJECT (kiosk), (gpointer *) &kiosk);

  /* Full screen, no decorations, the application's one store. */
  g_assert_true (cb_kiosk_window_get_fullscreen_requested (kiosk));
  g_assert_false (gtk_window_get_decorated (GTK_WINDOW (kiosk)));
  g_assert_true (cb_kiosk_window_get_store (kiosk) == cb_application_get_store (app));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (kiosk), "kiosk"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (kiosk), "kiosk-dark"));

  /* A TV has no use for the agent board's search, filters and actions;
   * the main window's board keeps them. */
  {
    GtkWidget *kiosk_board = find_descendant (GTK_WIDGET (kiosk), CB_TYPE_AGENT_BOARD);
    GtkWidget *main_board = find_descendant (GTK_WIDGET (window), CB_TYPE_AGENT_BOARD);
    GtkWidget *search;

    g_assert_nonnull (main_board);
    g_assert_true (cb_agent_board_get_controls_visible (CB_AGENT_BOARD (main_board)));

    g_assert_nonnull (kiosk_board);
    g_assert_false (cb_agent_board_get_controls_visible (CB_AGENT_BOARD (kiosk_board)));
    search = find_descendant (kiosk_board, GTK_TYPE_SEARCH_ENTRY);
    g_assert_nonnull (search);
    g_assert_false (gtk_widget_is_visible (search));
    cb_agent_board_set_controls_visible (CB_AGENT_BOARD (kiosk_board), TRUE);
    g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (search)));
    cb_agent_board_set_controls_visible (CB_AGENT_BOARD (kiosk_board), FALSE);
    g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (search)));
  }

  /* Another one, on another monitor, shares the same store. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.kiosk", NULL));
  spin ();
  g_assert_cmpuint (count_kiosks (), ==, 2);
  second = NULL;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (CB_IS_KIOSK_WINDOW (l->data) && l->data != (gpointer) kiosk)
      second = l->data;
  g_assert_nonnull (second);
  g_assert_true (cb_kiosk_window_get_store (second) == cb_kiosk_window_get_store (kiosk));
  gtk_window_destroy (GTK_WINDOW (second));
  spin ();

  /* Escape leaves kiosk mode; the main window stays. */
  g_assert_true (press_key (GTK_WIDGET (kiosk), GDK_KEY_Escape));
  spin ();
  g_assert_null (kiosk);
  g_assert_cmpuint (count_kiosks (), ==, 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* The application opens one on a monitor chosen by number. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "kiosk-on-monitor", g_variant_new_int32 (0));
  spin ();
  g_assert_cmpuint (count_kiosks (), ==, 1);
  kiosk = find_kiosk ();
  g_assert_true (cb_kiosk_window_get_store (kiosk) == cb_application_get_store (app));
  gtk_window_destroy (GTK_WINDOW (kiosk));
  spin ();

  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

static void
test_cycle (void)
{
  GSettings *settings = cb_application_get_settings (app);
  const char *boards[] = { "agents", "nonsense", "wallboard", NULL };
  CbKioskWindow *kiosk;

  g_settings_set_strv (settings, "kiosk-boards", boards);
  g_settings_set_uint (settings, "kiosk-cycle-seconds", 1);

  kiosk = cb_kiosk_window_new (app, NULL);
  gtk_window_present (GTK_WINDOW (kiosk));
  spin ();

  /* The first board the settings name, then the next known one after the
   * interval, then round again. */
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "agents");
  spin_for (1300);
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "wallboard");
  spin_for (1000);
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "agents");

  /* 0 stops the cycling. */
  g_settings_set_uint (settings, "kiosk-cycle-seconds", 0);
  spin ();
  spin_for (1300);
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "agents");

  /* An empty list shows the wallboard. */
  g_settings_set_strv (settings, "kiosk-boards", NULL);
  spin ();
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "wallboard");

  gtk_window_destroy (GTK_WINDOW (kiosk));
  spin ();
  g_settings_reset (settings, "kiosk-boards");
  g_settings_reset (settings, "kiosk-cycle-seconds");
}

/* Two boards the user built: the sales queues, and two big figures. */
static void
save_two_boards (GSettings *settings)
{
  g_autoptr(GPtrArray) boards = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_board_unref);
  CbBoard *one = cb_board_new ("b-sales", "Sales floor");
  CbBoard *two = cb_board_new ("b-big", "Big numbers");
  CbBoardTile *tile = cb_board_tile_new (CB_BOARD_TILE_QUEUES);
  const char *queues[] = { "q-sales", NULL };
  g_autofree char *data = NULL;

  cb_board_tile_set_ids (tile, CB_BOARD_FILTER_QUEUES, queues);
  cb_board_add_tile (one, cb_board_tile_new (CB_BOARD_TILE_FLOOR));
  cb_board_add_tile (one, tile);
  cb_board_add_tile (one, cb_board_tile_new (CB_BOARD_TILE_AGENTS));
  tile = cb_board_tile_new (CB_BOARD_TILE_KPI);
  tile->metric = CB_METRIC_LONGEST_WAIT;
  cb_board_add_tile (two, tile);
  tile = cb_board_tile_new (CB_BOARD_TILE_KPI);
  tile->metric = CB_METRIC_SERVICE_LEVEL;
  cb_board_add_tile (two, tile);
  g_ptr_array_add (boards, cb_board_new_default ());
  g_ptr_array_add (boards, one);
  g_ptr_array_add (boards, two);
  data = cb_boards_to_data (boards, NULL);
  g_settings_set_string (settings, "wallboards", data);
  g_settings_set_string (settings, "active-wallboard", "b-sales");
}

static CbWallboardPage *
visible_page (CbKioskWindow *kiosk)
{
  GtkWidget *stack = find_descendant (GTK_WIDGET (kiosk), GTK_TYPE_STACK);
  GtkWidget *child = gtk_stack_get_visible_child (GTK_STACK (stack));

  return CB_IS_WALLBOARD_PAGE (child) ? CB_WALLBOARD_PAGE (child) : NULL;
}

/* The kiosk cycles through the boards the user built and chose, by id,
 * and the built-in agent board; ids of boards not saved are skipped. */
static void
test_saved_boards (void)
{
  GSettings *settings = cb_application_get_settings (app);
  const char *boards[] = { "b-big", "agents", "b-gone", "b-sales", "queues", NULL };
  CbKioskWindow *kiosk;
  CbWallboardPage *page;
  GtkWidget *board;

  save_two_boards (settings);
  g_settings_set_strv (settings, "kiosk-boards", boards);
  g_settings_set_uint (settings, "kiosk-cycle-seconds", 0);

  kiosk = cb_kiosk_window_new (app, NULL);
  gtk_window_present (GTK_WINDOW (kiosk));
  spin_for (300);

  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "b-big");
  page = visible_page (kiosk);
  g_assert_nonnull (page);
  g_assert_cmpstr (cb_wallboard_page_get_board (page)->name, ==, "Big numbers");
  g_assert_cmpuint (cb_wallboard_page_get_kpi_items (page)->len, ==, 2);
  g_assert_cmpuint (cb_wallboard_page_get_groups (page)->len, ==, 0);

  cb_kiosk_window_cycle (kiosk);
  spin_for (100);
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "agents");
  cb_kiosk_window_cycle (kiosk);
  spin_for (100);
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "b-sales");
  page = visible_page (kiosk);
  g_assert_cmpuint (cb_wallboard_page_get_kpi_items (page)->len, ==, 0);
  g_assert_cmpuint (cb_wallboard_page_get_groups (page)->len, ==, 1);
  g_assert_cmpstr (cb_board_group_get_tile (g_ptr_array_index (cb_wallboard_page_get_groups (page), 0))->queue_ids[0],
                   ==, "q-sales");
  /* The TV's agent board: no search, filters or actions. */
  board = find_descendant (GTK_WIDGET (page), CB_TYPE_AGENT_BOARD);
  g_assert_nonnull (board);
  g_assert_false (cb_agent_board_get_controls_visible (CB_AGENT_BOARD (board)));
  g_assert_true (cb_kiosk_window_get_store (kiosk) == cb_wallboard_page_get_store (page));

  /* The old name "queues" shows the active board, without its agent board. */
  cb_kiosk_window_cycle (kiosk);
  spin_for (100);
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "queues");
  g_assert_cmpstr (cb_wallboard_page_get_board (visible_page (kiosk))->id, ==, "b-sales");
  cb_kiosk_window_cycle (kiosk);
  spin_for (100);
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "b-big");

  /* A board renamed and changed elsewhere follows; one deleted goes. */
  {
    g_autofree char *data = g_settings_get_string (settings, "wallboards");
    g_autoptr(GPtrArray) saved = cb_boards_from_data (data, -1, NULL);
    g_autofree char *changed = NULL;

    g_assert_nonnull (saved);
    g_ptr_array_remove_index (saved, 2);     /* b-big */
    g_free (((CbBoard *) saved->pdata[1])->name);
    ((CbBoard *) saved->pdata[1])->name = g_strdup ("Sales, afternoon");
    changed = cb_boards_to_data (saved, NULL);
    g_settings_set_string (settings, "wallboards", changed);
    spin_for (100);
  }
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "agents");
  cb_kiosk_window_cycle (kiosk);
  spin_for (100);
  g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "b-sales");
  g_assert_cmpstr (cb_wallboard_page_get_board (visible_page (kiosk))->name, ==, "Sales, afternoon");

  gtk_window_destroy (GTK_WINDOW (kiosk));
  spin ();
  g_settings_reset (settings, "kiosk-boards");
  g_settings_reset (settings, "kiosk-cycle-seconds");
  g_settings_reset (settings, "wallboards");
  g_settings_reset (settings, "active-wallboard");
}

static GtkWidget *
find_child_of_type (GtkWidget *widget,
                    GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_mapped (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child_of_type (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
put_agent (CbEntityModel *agents,
           guint          i)
{
  g_autofree char *id = g_strdup_printf ("ag-%03u", i);
  g_autofree char *text = g_strdup_printf ("{\"type\":\"event\",\"seq\":%u,\"ts\":1,\"topic\":\"agents\","
                                           "\"kind\":\"upsert\",\"entity\":{\"type\":\"agent\","
                                           "\"id\":\"%s\",\"rev\":1},\"data\":{\"id\":\"%s\",\"rev\":1,"
                                           "\"name\":\"Agent %u\",\"extension\":\"%u\",\"team_ids\":[],"
                                           "\"queue_ids\":[],\"state\":\"available\","
                                           "\"state_since\":1795420800000,\"campaign_id\":null}}",
                                           i + 1, id, id, i, 1000 + i);
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) message = cb_message_decode (text, strlen (text), 0, &error);

  g_assert_no_error (error);
  cb_entity_model_upsert (agents, id, "agents", 1, message, NULL);
}

/* The agent list's rows in view, in the list's coordinates (top of the
 * screenful = 0): whether each is shown (opacity 1) and whole. */
typedef struct
{
  double   top;
  double   bottom;
  gboolean shown;
} RowSeen;

static GArray *
rows_in_view (GtkWidget *board,
              double     page)
{
  GtkWidget *columns = find_child_of_type (board, GTK_TYPE_COLUMN_VIEW);
  GtkWidget *list = find_child_of_type (columns, GTK_TYPE_LIST_VIEW);
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (RowSeen));

  g_assert_nonnull (list);
  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      graphene_rect_t rect;
      RowSeen seen;

      if (g_strcmp0 (gtk_widget_get_css_name (row), "row") != 0 || !gtk_widget_get_child_visible (row)
          || !gtk_widget_compute_bounds (row, list, &rect))
        continue;
      seen = (RowSeen) { rect.origin.y, rect.origin.y + rect.size.height, gtk_widget_get_opacity (row) > 0.5 };
      if (seen.bottom > 0.5 && seen.top < page - 0.5)
        g_array_append_val (rows, seen);
    }
  return rows;
}

/* A board taller than the screen shows its next screenful before the next
 * board, then starts again from the top. The agent board alone pages by
 * its rows: each screenful starts with the row the last one cut, and a row
 * an edge cuts is not shown. */
static void
test_pages (void)
{
  GSettings *settings = cb_application_get_settings (app);
  const char *boards[] = { "agents", NULL };
  g_autoptr(CbEntityModel) agents = cb_entity_model_new ("agent");
  g_autoptr(CbEntityModel) teams = cb_entity_model_new ("team");
  g_autoptr(CbEntityModel) queues = cb_entity_model_new ("queue");
  g_autoptr(CbEntityModel) campaigns = cb_entity_model_new ("campaign");
  g_autoptr(CbEntityModel) reasons = cb_entity_model_new ("pause_reason");
  g_autoptr(CbEntityModel) calls = cb_entity_model_new ("call");
  CbKioskWindow *kiosk;
  GtkWidget *board;
  GtkAdjustment *adjustment;
  GtkWidget *scroller;
  double next_top = 0;
  guint pages = 0, cut = 0;

  g_settings_set_strv (settings, "kiosk-boards", boards);
  g_settings_set_uint (settings, "kiosk-cycle-seconds", 0);

  kiosk = cb_kiosk_window_new (app, NULL);
  gtk_window_unfullscreen (GTK_WINDOW (kiosk));
  gtk_window_set_default_size (GTK_WINDOW (kiosk), 1000, 500);
  gtk_window_present (GTK_WINDOW (kiosk));
  spin ();

  board = find_child_of_type (GTK_WIDGET (kiosk), CB_TYPE_AGENT_BOARD);
  g_assert_nonnull (board);
  for (guint i = 0; i < 200; i++)
    put_agent (agents, i);
  cb_agent_board_set_models (CB_AGENT_BOARD (board), agents, teams, queues, campaigns, reasons, calls);
  /* The fold is looked for twice a second as rows come. */
  spin_for (700);

  scroller = find_child_of_type (board, GTK_TYPE_SCROLLED_WINDOW);
  g_assert_nonnull (scroller);
  /* No chrome: scrolling stays, the bars go. */
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >, 2 * gtk_adjustment_get_page_size (adjustment));
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 0);

  /* Screenful by screenful to the end, then round to the top. */
  for (;;)
    {
      double value = gtk_adjustment_get_value (adjustment);
      double page = gtk_adjustment_get_page_size (adjustment);
      gboolean last = value + page >= gtk_adjustment_get_upper (adjustment) - 1;
      g_autoptr(GArray) rows = rows_in_view (board, page);
      double first_top = G_MAXDOUBLE;

      g_assert_cmpstr (cb_kiosk_window_get_board (kiosk), ==, "agents");
      g_assert_cmpuint (rows->len, >, 5);
      for (guint i = 0; i < rows->len; i++)
        {
          const RowSeen *row = &g_array_index (rows, RowSeen, i);
          gboolean whole = row->top >= -0.5 && row->bottom <= page + 0.5;

          /* Shown if and only if whole. */
          if (row->shown != whole)
            g_error ("screenful %u at %.0f: a row at %.1f–%.1f of %.0f is %s", pages + 1, value, row->top,
                     row->bottom, page, row->shown ? "shown cut" : "hidden whole");
          if (!whole)
            cut++;
          if (row->shown)
            first_top = MIN (first_top, row->top);
        }
      /* Each screenful but the last starts with a whole row, the one the
       * screenful before cut (nothing is skipped). */
      if (!last)
        {
          g_assert_cmpfloat_with_epsilon (first_top, 0, 0.5);
          g_assert_cmpfloat_with_epsilon (value, next_top, 0.5);
        }
      next_top = value + page;
      for (guint i = 0; i < rows->len; i++)
        if (!g_array_index (rows, RowSeen, i).shown && g_array_index (rows, RowSeen, i).bottom > page)
          next_top = value + g_array_index (rows, RowSeen, i).top;

      /* CB_KIOSK_SHOT=PREFIX saves the first screenfuls, to look at. */
      if (g_getenv ("CB_KIOSK_SHOT") != NULL && pages < 3)
        {
          g_autoptr(GdkTexture) texture = cb_widget_render_texture (GTK_WIDGET (kiosk));
          g_autofree char *path = g_strdup_printf ("%s-agents-%u.png", g_getenv ("CB_KIOSK_SHOT"), pages + 1);

          g_assert_true (texture != NULL && gdk_texture_save_to_png (texture, path));
        }
      pages++;
      g_assert_cmpuint (pages, <, 100);

      cb_kiosk_window_cycle (kiosk);
      spin_for (50);
      if (last)
        break;
      g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), >, value);
    }
  g_assert_cmpuint (pages, >, 2);
  /* The window is not a whole number of rows high: edges did cut rows. */
  g_assert_cmpuint (cut, >, 0);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 0);

  gtk_window_destroy (GTK_WINDOW (kiosk));
  spin ();
  g_settings_reset (settings, "kiosk-boards");
  g_settings_reset (settings, "kiosk-cycle-seconds");
}

/* The tiles and headings of a board, in the scrolled content's coordinates. */
static void
collect_cards (GtkWidget *widget,
               GtkWidget *content,
               GPtrArray *cards,
               GArray    *bounds)
{
  /* Tiles out of view are not drawn (not child-visible), but have their place. */
  if (!gtk_widget_get_visible (widget))
    return;
  if (gtk_widget_has_css_class (widget, "card") || gtk_widget_has_css_class (widget, "wallboard-heading"))
    {
      graphene_rect_t rect;

      g_assert_true (gtk_widget_compute_bounds (widget, content, &rect));
      g_ptr_array_add (cards, widget);
      g_array_append_val (bounds, rect);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_cards (c, content, cards, bounds);
}

static void
on_opened (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_assert_true (cb_store_open_finish (CB_STORE (object), result, NULL));
  *(gboolean *) user_data = TRUE;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

typedef struct
{
  CbWallboardPage *page;
  guint            n;
} TilesWanted;

static gboolean
has_queue_tiles (gpointer data)
{
  const TilesWanted *wanted = data;
  GPtrArray *groups = cb_wallboard_page_get_groups (wanted->page);

  for (guint i = 0; i < groups->len; i++)
    if (cb_board_group_get_tile (g_ptr_array_index (groups, i))->kind == CB_BOARD_TILE_QUEUES
        && cb_board_group_get_n_tiles (g_ptr_array_index (groups, i)) >= wanted->n)
      return TRUE;
  return FALSE;
}

/* A kiosk showing the "queues" board of a sim with @queues queues, in a
 * window of @width × @height, once the tiles are laid out and the fold
 * found (twice a second). */
typedef struct
{
  CbTestSim       *sim;
  char            *dir;
  char            *cache;
  CbStore         *store;
  CbKioskWindow   *kiosk;
  CbWallboardPage *page;
  GtkWidget       *scroller;
  GtkWidget       *content;   /* what scrolls */
} KioskOnSim;

static void
kiosk_on_sim_open (KioskOnSim *self,
                   guint       queues,
                   int         width,
                   int         height)
{
  g_autofree char *queues_arg = g_strdup_printf ("--queues=%u", queues);
  GSettings *settings = cb_application_get_settings (app);
  const char *boards[] = { "queues", NULL };
  gboolean opened = FALSE;

  self->sim = cb_test_sim_start ("--speed=20", "--agents=40", queues_arg, "--seed=3", "--heartbeat-ms=1000", NULL);
  self->dir = g_dir_make_tmp ("cb-kiosk-XXXXXX", NULL);
  self->cache = g_build_filename (self->dir, "cache.sqlite", NULL);
  self->store = cb_store_new (self->cache);
  g_settings_set_strv (settings, "kiosk-boards", boards);
  g_settings_set_uint (settings, "kiosk-cycle-seconds", 0);
  cb_store_set_backend (self->store, self->sim->url, CB_TEST_ADMIN_TOKEN, NULL);
  cb_store_open_async (self->store, NULL, on_opened, &opened);
  cb_test_wait (flag_is_set, &opened, 10000);

  self->kiosk = cb_kiosk_window_new (app, NULL);
  cb_kiosk_window_set_store (self->kiosk, self->store);
  gtk_window_unfullscreen (GTK_WINDOW (self->kiosk));
  gtk_window_set_default_size (GTK_WINDOW (self->kiosk), width, height);
  gtk_window_present (GTK_WINDOW (self->kiosk));
  cb_store_connect (self->store);
  self->page = visible_page (self->kiosk);
  g_assert_nonnull (self->page);
  cb_test_wait (has_queue_tiles, &(TilesWanted) { self->page, queues }, 20000);
  cb_test_spin (1200);

  self->scroller = gtk_widget_get_ancestor (g_ptr_array_index (cb_wallboard_page_get_groups (self->page), 0),
                                            GTK_TYPE_SCROLLED_WINDOW);
  g_assert_nonnull (self->scroller);
  self->content = gtk_viewport_get_child (GTK_VIEWPORT (gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (self->scroller))));
}

static void
kiosk_on_sim_close (KioskOnSim *self)
{
  GSettings *settings = cb_application_get_settings (app);

  gtk_window_destroy (GTK_WINDOW (self->kiosk));
  cb_test_spin (50);
  cb_store_shutdown (self->store);
  cb_test_spin (20);
  g_assert_finalize_object (self->store);
  g_remove (self->cache);
  g_rmdir (self->dir);
  g_clear_pointer (&self->cache, g_free);
  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->sim, cb_test_sim_stop);
  g_settings_reset (settings, "kiosk-boards");
  g_settings_reset (settings, "kiosk-cycle-seconds");
}

/* Ten queues on a screen that holds a few rows of tiles: each screenful
 * starts at a tile or its heading, tiles the screen's edges cut are hidden
 * until a screenful shows them whole, and every tile is shown whole on one
 * of them. */
static void
test_screenfuls (void)
{
  KioskOnSim on = { 0 };
  g_autoptr(GHashTable) seen_whole = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) cards = NULL;
  CbKioskWindow *kiosk;
  GtkWidget *content;
  GtkAdjustment *adjustment;
  guint pages = 0, hidden_first = 0;
  double last_value = -1;

  kiosk_on_sim_open (&on, 10, 1600, 900);
  kiosk = on.kiosk;
  content = on.content;
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (on.scroller));
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >, 1.5 * gtk_adjustment_get_page_size (adjustment));
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 0);

  for (;;)
    {
      g_autoptr(GArray) bounds = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
      double value = gtk_adjustment_get_value (adjustment);
      double bottom = value + gtk_adjustment_get_page_size (adjustment);
      /* The first screenful, and the last, which ends where the board does. */
      gboolean aligned = value == 0 || fabs (bottom - gtk_adjustment_get_upper (adjustment)) < 0.5;

      g_clear_pointer (&cards, g_ptr_array_unref);
      cards = g_ptr_array_new ();
      collect_cards (content, content, cards, bounds);
      g_assert_cmpuint (cards->len, >=, 12);   /* the floor, the heading, ten tiles, … */
      for (guint i = 0; i < cards->len; i++)
        {
          GtkWidget *card = g_ptr_array_index (cards, i);
          const graphene_rect_t *r = &g_array_index (bounds, graphene_rect_t, i);
          gboolean whole = r->origin.y >= value - 0.5 && r->origin.y + r->size.height <= bottom + 0.5;

          gboolean heading = gtk_widget_has_css_class (card, "wallboard-heading");
          gboolean shown = gtk_widget_get_opacity (card) == 1;

          /* Shown if and only if whole on this screenful; but a heading
           * whose tiles are all hidden is hidden too. */
          if (heading && whole && !shown)
            for (guint k = 0; k < cards->len; k++)
              {
                const graphene_rect_t *under = &g_array_index (bounds, graphene_rect_t, k);

                if (k != i && gtk_widget_get_opacity (g_ptr_array_index (cards, k)) == 1
                    && under->origin.y >= r->origin.y + r->size.height - 0.5
                    && under->origin.y < r->origin.y + r->size.height + 48
                    && under->origin.x < r->origin.x + r->size.width && r->origin.x < under->origin.x + under->size.width)
                  g_error ("screenful %u: a heading at %.0f is hidden over a tile shown at %.0f", pages + 1,
                           r->origin.y, under->origin.y);
              }
          else if (shown != whole)
            g_error ("screenful %u at %.0f–%.0f: %s at %.0f–%.0f is %s", pages + 1, value, bottom,
                     heading ? "a heading" : "a tile", r->origin.y, r->origin.y + r->size.height,
                     whole ? "whole but hidden" : "cut but shown");
          if (whole)
            g_hash_table_add (seen_whole, card);
          else if (pages == 0)
            hidden_first++;
          /* A screenful starts at a tile or heading, a margin above it. */
          if (fabs (r->origin.y - 12 - value) < 0.5)
            aligned = TRUE;
        }
      if (!aligned)
        g_test_message ("screenful %u at %.0f–%.0f of %.0f", pages, value, bottom, gtk_adjustment_get_upper (adjustment));
      g_assert_true (aligned);
      /* CB_KIOSK_SHOT=PREFIX saves each screenful, to look at. */
      if (g_getenv ("CB_KIOSK_SHOT") != NULL)
        {
          g_autoptr(GdkTexture) texture = cb_widget_render_texture (GTK_WIDGET (kiosk));
          g_autofree char *path = g_strdup_printf ("%s-%u.png", g_getenv ("CB_KIOSK_SHOT"), pages + 1);

          g_assert_true (texture != NULL && gdk_texture_save_to_png (texture, path));
        }
      pages++;
      g_assert_cmpuint (pages, <, 20);

      last_value = value;
      cb_kiosk_window_cycle (kiosk);
      cb_test_spin (100);
      if (gtk_adjustment_get_value (adjustment) <= last_value)
        break;
    }
  /* The first screenful hid the tiles it cut; all came round whole. */
  g_assert_cmpuint (pages, >=, 2);
  g_assert_cmpuint (hidden_first, >, 0);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 0);
  for (guint i = 0; i < cards->len; i++)
    g_assert_true (g_hash_table_contains (seen_whole, g_ptr_array_index (cards, i)));

  kiosk_on_sim_close (&on);
}

/* Full HD, the TV of most walls, with the demo's four queues: they are
 * four to a line, whatever their names' length, each name whole; and the
 * first screenful holds today's chart as well. */
static void
test_four_across (void)
{
  KioskOnSim on = { 0 };
  g_autoptr(GPtrArray) cards = g_ptr_array_new ();
  g_autoptr(GArray) bounds = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  double line_top = -1;
  guint queues = 0;
  gboolean long_name = FALSE, chart_shown = FALSE;

  kiosk_on_sim_open (&on, 4, 1920, 1080);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (on.kiosk), "kiosk-compact"));
  collect_cards (on.content, on.content, cards, bounds);
  for (guint i = 0; i < cards->len; i++)
    {
      GtkWidget *card = g_ptr_array_index (cards, i);
      GtkWidget *tile = gtk_widget_get_parent (card);
      GtkWidget *name;

      if (find_descendant (card, CB_TYPE_INTERVAL_CHART) != NULL)
        chart_shown = gtk_widget_get_opacity (card) > 0.5;
      if (!CB_IS_QUEUE_TILE (tile))
        continue;
      g_assert_cmpfloat (gtk_widget_get_opacity (card), ==, 1);
      /* All on one line. */
      if (line_top < 0)
        line_top = g_array_index (bounds, graphene_rect_t, i).origin.y;
      g_assert_cmpfloat_with_epsilon (g_array_index (bounds, graphene_rect_t, i).origin.y, line_top, 0.5);
      /* The name whole. */
      name = find_descendant (card, GTK_TYPE_LABEL);
      g_assert_true (gtk_widget_has_css_class (name, "tile-title"));
      g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (name))));
      if (strlen (gtk_label_get_label (GTK_LABEL (name))) > 12)
        long_name = TRUE;
      queues++;
    }
  g_assert_cmpuint (queues, ==, 4);
  g_assert_true (long_name);   /* "Technical Support" */
  /* Below them, today's chart (and a campaign tile beside it). */
  g_assert_true (chart_shown);

  kiosk_on_sim_close (&on);
}

/* A screen of 1366 × 768 gets the smaller kiosk type: its first screenful
 * holds the floor and a line of queue tiles, not the floor alone. */
static void
test_compact (void)
{
  KioskOnSim on = { 0 };
  g_autoptr(GPtrArray) cards = g_ptr_array_new ();
  g_autoptr(GArray) bounds = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  guint shown = 0;

  kiosk_on_sim_open (&on, 4, 1366, 768);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (on.kiosk), "kiosk-compact"));
  collect_cards (on.content, on.content, cards, bounds);
  for (guint i = 0; i < cards->len; i++)
    if (CB_IS_QUEUE_TILE (gtk_widget_get_parent (g_ptr_array_index (cards, i)))
        && gtk_widget_get_opacity (g_ptr_array_index (cards, i)) == 1)
      shown++;
  g_assert_cmpuint (shown, >=, 3);

  /* On a bigger screen, the kiosk's own type again. */
  gtk_window_set_default_size (GTK_WINDOW (on.kiosk), 1920, 1080);
  cb_test_spin (300);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (on.kiosk), "kiosk-compact"));

  kiosk_on_sim_close (&on);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  gtk_test_init (&argc, &argv, NULL);

  app = cb_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  /* Crossfades off: the visible board is the one asked for at once. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/callboard/kiosk/open-and-leave", test_open_and_leave);
  g_test_add_func ("/callboard/kiosk/cycle", test_cycle);
  g_test_add_func ("/callboard/kiosk/pages", test_pages);
  g_test_add_func ("/callboard/kiosk/screenfuls", test_screenfuls);
  g_test_add_func ("/callboard/kiosk/four-across", test_four_across);
  g_test_add_func ("/callboard/kiosk/compact", test_compact);
  g_test_add_func ("/callboard/kiosk/saved-boards", test_saved_boards);

  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
