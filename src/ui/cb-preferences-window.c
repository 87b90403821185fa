/* cb-preferences-window.c — appearance and backend profiles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The style (follow the system, light, dark) and the list of backends: add,
 * edit, remove, and which one to connect to. When no secret service runs, a
 * row says that tokens last only for this session.
 */
#define G_LOG_DOMAIN "cb-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-preferences-window.h"
#include "cb-profile-editor.h"
#include "cb-profile-row.h"

static const char * const color_schemes[] = { "system", "light", "dark" };

struct _CbPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* template widgets */
  AdwComboRow *style_row;
  AdwComboRow *active_row;
  GtkListBox  *profiles_list;
  GtkWidget   *session_only_row;

  /* owned references */
  GSettings      *settings;
  CbProfileStore *profiles;
};

G_DEFINE_FINAL_TYPE (CbPreferencesWindow, cb_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
style_get_mapping (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  const char *scheme = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (color_schemes); i++)
    if (g_strcmp0 (scheme, color_schemes[i]) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
style_set_mapping (const GValue       *value,
                   const GVariantType *expected_type,
                   gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (color_schemes))
    selected = 0;

  return g_variant_new_string (color_schemes[selected]);
}

static GtkWidget *
create_profile_row (gpointer item,
                    gpointer user_data)
{
  return cb_profile_row_new (CB_PROFILE (item));
}

static void
update_session_only (CbPreferencesWindow *self)
{
  gtk_widget_set_visible (self->session_only_row,
                          !cb_profile_store_get_tokens_persistent (self->profiles));
}

static void
sync_active_row (CbPreferencesWindow *self)
{
  CbProfile *active = cb_profile_store_get_active (self->profiles);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->profiles));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CbProfile) profile = g_list_model_get_item (G_LIST_MODEL (self->profiles), i);

      if (profile == active)
        {
          if (adw_combo_row_get_selected (self->active_row) != i)
            adw_combo_row_set_selected (self->active_row, i);
          return;
        }
    }
}

static void
on_active_row_selected (CbPreferencesWindow *self,
                        GParamSpec          *pspec,
                        AdwComboRow         *row)
{
  CbProfile *profile = adw_combo_row_get_selected_item (row);

  if (profile != NULL && self->profiles != NULL
      && profile != cb_profile_store_get_active (self->profiles))
    cb_profile_store_set_active (self->profiles, profile);
}

static void
open_editor (CbPreferencesWindow *self,
             CbProfile           *profile)
{
  CbProfileEditor *editor = cb_profile_editor_new (self->profiles, profile);

  gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (editor));
}

static void
add_profile (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  open_editor (CB_PREFERENCES_WINDOW (widget), NULL);
}

static void
edit_profile (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (widget);
  CbProfile *profile = cb_profile_store_lookup (self->profiles, g_variant_get_string (parameter, NULL));

  if (profile != NULL && !cb_profile_is_builtin (profile))
    open_editor (self, profile);
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (user_data);
  const char *id = g_object_get_data (G_OBJECT (dialog), "profile-id");
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "remove") != 0)
    return;

  if (!cb_profile_store_remove (self->profiles, id, &error))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                      adw_toast_new (error->message));
}

static void
remove_profile (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  CbProfile *profile = cb_profile_store_lookup (self->profiles, id);
  GtkWidget *dialog;

  if (profile == NULL || cb_profile_is_builtin (profile))
    return;

  /* Translators: %s is the name of a backend profile */
  dialog = adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove “%s”?"),
                                     cb_profile_get_name (profile));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Its stored token is forgotten as well. "
                                 "The backend itself is not affected."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "profile-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
cb_preferences_window_dispose (GObject *object)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_PREFERENCES_WINDOW);

  g_clear_object (&self->settings);
  g_clear_object (&self->profiles);

  G_OBJECT_CLASS (cb_preferences_window_parent_class)->dispose (object);
}

static void
cb_preferences_window_class_init (CbPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cb_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/cb-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, active_row);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, profiles_list);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, session_only_row);
  gtk_widget_class_bind_template_callback (widget_class, on_active_row_selected);

  gtk_widget_class_install_action (widget_class, "profile.add", NULL, add_profile);
  gtk_widget_class_install_action (widget_class, "profile.edit", "s", edit_profile);
  gtk_widget_class_install_action (widget_class, "profile.remove", "s", remove_profile);
}

static void
cb_preferences_window_init (CbPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CbPreferencesWindow *
cb_preferences_window_new (GSettings      *settings,
                           CbProfileStore *profiles)
{
  CbPreferencesWindow *self;
  g_autoptr(GtkExpression) name = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (CB_IS_PROFILE_STORE (profiles), NULL);

  self = g_object_new (CB_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);
  self->profiles = g_object_ref (profiles);

  g_settings_bind_with_mapping (settings, "color-scheme", self->style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, style_get_mapping, style_set_mapping,
                                NULL, NULL);

  gtk_list_box_bind_model (self->profiles_list, G_LIST_MODEL (profiles),
                           create_profile_row, NULL, NULL);

  name = gtk_property_expression_new (CB_TYPE_PROFILE, NULL, "name");
  adw_combo_row_set_expression (self->active_row, name);
  adw_combo_row_set_model (self->active_row, G_LIST_MODEL (profiles));
  sync_active_row (self);
  g_signal_connect_object (profiles, "notify::active", G_CALLBACK (sync_active_row), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (profiles, "items-changed", G_CALLBACK (sync_active_row), self,
                           G_CONNECT_SWAPPED);

  g_signal_connect_object (profiles, "notify::tokens-persistent",
                           G_CALLBACK (update_session_only), self, G_CONNECT_SWAPPED);
  update_session_only (self);

  return self;
}
