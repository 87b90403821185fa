/* test-kiosk.c — kiosk mode: the wallboard full screen, cycling, for a TV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cb-application.h"
#include "cb-kiosk-window.h"
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

  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
