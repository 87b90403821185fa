/* test-window.c — the main window, its sections, states and shortcuts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cb-application.h"
#include "cb-profile-editor.h"
#include "cb-window.h"

static const char * const sections[] = {
  "wallboard", "live-calls", "campaigns", "lead-lists", "compliance", "quality",
};

static CbApplication *app;

static void
spin (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
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
test_sections (void)
{
  CbWindow *window = cb_window_new (app);

  cb_window_set_remember_state (window, FALSE);
  gtk_window_present (GTK_WINDOW (window));
  spin ();

  g_assert_false (cb_window_section_is_valid ("nonsense"));
  g_assert_false (cb_window_section_is_valid (NULL));

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      AdwStatusPage *status;
      GtkWidget *title;

      g_assert_true (cb_window_section_is_valid (sections[i]));
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-section", "s",
                                                 sections[i]));
      spin ();
      g_assert_cmpstr (cb_window_get_section (window), ==, sections[i]);

      /* The page says what the section holds, and invents no data. */
      status = ADW_STATUS_PAGE (find_child_of_type (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE));
      g_assert_nonnull (status);
      g_assert_cmpstr (adw_status_page_get_title (status), !=, "");
      g_assert_cmpuint (strlen (adw_status_page_get_description (status)), >, 40);

      /* The header names the section and the active profile. */
      title = find_child_of_type (GTK_WIDGET (window), ADW_TYPE_WINDOW_TITLE);
      g_assert_nonnull (title);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

static void
test_header_titles (void)
{
  CbWindow *window = cb_window_new (app);
  CbProfileStore *store = cb_application_get_profile_store (app);
  CbProfile *demo = cb_profile_store_get_active (store);
  gboolean found_section = FALSE, found_profile = FALSE;
  GtkWidget *widget;

  cb_window_set_remember_state (window, FALSE);
  gtk_window_present (GTK_WINDOW (window));
  cb_window_show_section (window, "compliance");
  spin ();

  /* Among the mapped window titles, one names the section and the profile. */
  widget = GTK_WIDGET (window);
  for (GtkWidget *w = widget; w != NULL; )
    {
      if (ADW_IS_WINDOW_TITLE (w) && gtk_widget_get_mapped (w))
        {
          const char *t = adw_window_title_get_title (ADW_WINDOW_TITLE (w));
          const char *s = adw_window_title_get_subtitle (ADW_WINDOW_TITLE (w));

          if (g_strcmp0 (t, "Compliance") == 0)
            found_section = TRUE;
          if (g_strcmp0 (s, cb_profile_get_name (demo)) == 0)
            found_profile = TRUE;
        }

      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && w != widget && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = (w == NULL || w == widget) ? NULL : gtk_widget_get_next_sibling (w);
        }
    }

  g_assert_true (found_section);
  g_assert_true (found_profile);

  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

static void
test_connection_states (void)
{
  CbWindow *window = cb_window_new (app);
  g_autoptr(GDateTime) when = g_date_time_new_local (2026, 11, 23, 14, 5, 30);

  cb_window_set_remember_state (window, FALSE);
  g_assert_cmpstr (cb_window_get_connection_label (window), ==, "Offline");

  cb_window_set_connection_state (window, CB_CONNECTION_CONNECTING, NULL);
  g_assert_cmpstr (cb_window_get_connection_label (window), ==, "Connecting…");

  cb_window_set_connection_state (window, CB_CONNECTION_LIVE, NULL);
  g_assert_cmpstr (cb_window_get_connection_label (window), ==, "Live");

  cb_window_set_connection_state (window, CB_CONNECTION_CACHED, when);
  g_assert_cmpstr (cb_window_get_connection_label (window), ==, "Cached data from 14:05");

  cb_window_set_connection_state (window, CB_CONNECTION_OFFLINE, NULL);
  g_assert_cmpstr (cb_window_get_connection_label (window), ==, "Offline");

  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

static void
collect_overlay_accels (GtkWidget  *widget,
                        GHashTable *accels)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accel = NULL;

      g_object_get (widget, "accelerator", &accel, NULL);
      if (accel != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (accel, " ", -1);

          for (guint i = 0; parts[i] != NULL; i++)
            {
              guint key;
              GdkModifierType mods;

              g_assert_true (gtk_accelerator_parse (parts[i], &key, &mods));
              g_hash_table_add (accels, gtk_accelerator_name (key, mods));
            }
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_overlay_accels (child, accels);
}

static void
assert_listed (GHashTable *listed,
               const char *accel,
               const char *what)
{
  guint key;
  GdkModifierType mods;
  g_autofree char *name = NULL;

  g_assert_true (gtk_accelerator_parse (accel, &key, &mods));
  name = gtk_accelerator_name (key, mods);
  if (!g_hash_table_contains (listed, name))
    g_error ("%s (%s) is not listed in the keyboard shortcuts window", name, what);
}

static void
test_shortcuts_window_complete (void)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource (RESOURCE_PATH "/gtk/help-overlay.ui");
  GtkWidget *overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  CbWindow *window = cb_window_new (app);
  g_autoptr(GListModel) controllers = NULL;
  guint n_class_shortcuts = 0;

  g_assert_nonnull (overlay);
  collect_overlay_accels (overlay, listed);
  g_assert_cmpuint (g_hash_table_size (listed), >, 5);

  /* Every application accelerator… */
  for (guint i = 0; actions[i] != NULL; i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                   actions[i]);
      for (guint j = 0; accels[j] != NULL; j++)
        assert_listed (listed, accels[j], actions[i]);
    }

  /* …and every key binding of the window. */
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          g_autofree char *accel = NULL;
          g_autofree char *what = NULL;

          if (!GTK_IS_NAMED_ACTION (action) || !GTK_IS_KEYVAL_TRIGGER (trigger))
            continue;
          if (!g_str_has_prefix (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), "win."))
            continue;

          accel = gtk_accelerator_name (gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)),
                                        gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)));
          what = g_strdup (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)));
          assert_listed (listed, accel, what);
          n_class_shortcuts++;
        }
    }
  g_assert_cmpuint (n_class_shortcuts, >=, 8);

  gtk_window_destroy (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (overlay));
  spin ();
}

static void
test_profile_editor_validates (void)
{
  CbProfileStore *store = cb_application_get_profile_store (app);
  guint before = g_list_model_get_n_items (G_LIST_MODEL (store));
  CbProfileEditor *editor = cb_profile_editor_new (store, NULL);
  GtkWidget *entry;

  gtk_window_present (GTK_WINDOW (editor));
  spin ();

  /* Empty fields: refused, nothing added, the dialog stays. */
  g_assert_false (cb_profile_editor_save (editor));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, before);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (editor)));

  /* Fill name and URL through the entry rows, in template order. */
  entry = find_child_of_type (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW);
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "Bratislava");
  g_assert_false (cb_profile_editor_save (editor));
  g_assert_true (gtk_widget_has_css_class (gtk_widget_get_next_sibling (entry), "error"));
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_next_sibling (entry)),
                         "wss://ba.example.sk/callboard");
  g_assert_true (cb_profile_editor_save (editor));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, before + 1);
  spin ();
}

static void
test_state_restored (void)
{
  GSettings *settings = cb_application_get_settings (app);
  CbWindow *window;
  int width, height;

  g_settings_set_int (settings, "window-width", 1024);
  g_settings_set_int (settings, "window-height", 700);
  g_settings_set_string (settings, "last-section", "quality");

  window = cb_window_new (app);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 1024);
  g_assert_cmpint (height, ==, 700);
  g_assert_cmpstr (cb_window_get_section (window), ==, "quality");

  /* Moving to another section and closing saves both. */
  gtk_window_present (GTK_WINDOW (window));
  spin ();
  cb_window_show_section (window, "campaigns");
  gtk_window_set_default_size (GTK_WINDOW (window), 1111, 777);
  spin ();
  gtk_window_close (GTK_WINDOW (window));
  spin ();

  {
    g_autofree char *section = g_settings_get_string (settings, "last-section");

    g_assert_cmpstr (section, ==, "campaigns");
    g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1111);
    g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 777);
  }

  g_settings_reset (settings, "last-section");
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
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

  g_test_add_func ("/callboard/window/sections", test_sections);
  g_test_add_func ("/callboard/window/header-titles", test_header_titles);
  g_test_add_func ("/callboard/window/connection-states", test_connection_states);
  g_test_add_func ("/callboard/window/shortcuts-window-complete", test_shortcuts_window_complete);
  g_test_add_func ("/callboard/window/profile-editor-validates", test_profile_editor_validates);
  g_test_add_func ("/callboard/window/state-restored", test_state_restored);

  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
