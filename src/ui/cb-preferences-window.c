/* cb-preferences-window.c — appearance, backend profiles and alerts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The style (follow the system, light, dark) and the list of backends: add,
 * edit, remove, and which one to connect to. When no secret service runs, a
 * row says that tokens last only for this session.
 *
 * The Alerts page: the sound and desktop notifications, and the alert
 * rules of the `alert-rules` setting in words, each with a switch, edit
 * (CbAlertRuleEditor) and delete; deleting and restoring the built-in rules
 * can be undone from a toast. The list follows the setting, whoever
 * changes it; every change here writes it with cb_alert_rules_to_json ().
 * A setting that does not parse is shown as the built-in rules the engine
 * then uses, with a warning, and is only replaced when a rule is changed.
 */
#define G_LOG_DOMAIN "cb-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-preferences-window.h"
#include "cb-alert-rule-editor.h"
#include "cb-alert-rule-row.h"
#include "cb-profile-editor.h"
#include "cb-profile-row.h"
#include "cb-ui-types.h"

static const char * const color_schemes[] = { "system", "light", "dark" };

enum
{
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _CbPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* template widgets */
  AdwComboRow *style_row;
  AdwComboRow *active_row;
  GtkListBox  *profiles_list;
  GtkWidget   *session_only_row;
  GtkSwitch   *sound_switch;
  GtkSwitch   *notifications_switch;
  GtkWidget   *unreadable_group;
  GtkListBox  *rules_list;
  GtkWidget   *restore_button;

  /* owned references */
  GSettings      *settings;
  CbProfileStore *profiles;
  CbStore        *store;        /* names of queues, teams…; may be NULL */
  GPtrArray      *rules;        /* CbAlertRule, as shown */
  guint           relabel_id;   /* the store's names changed: relabel once */
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
                                      cb_toast_new_text (error->message));
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

/* Alert rules */

/* Row by row: the placeholder is a child too, and must stay. */
static void
clear_rules_list (CbPreferencesWindow *self)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (self->rules_list, 0)) != NULL)
    gtk_list_box_remove (self->rules_list, GTK_WIDGET (row));
}

static void
load_rules (CbPreferencesWindow *self)
{
  g_autofree char *json = g_settings_get_string (self->settings, "alert-rules");
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GError) error = NULL;
  gboolean same_ids;
  GtkWidget *child;
  guint i = 0;

  if (*json != '\0')
    rules = cb_alert_rules_from_json (json, &error);
  if (error != NULL)
    g_message ("The alert-rules setting does not parse: %s", error->message);
  gtk_widget_set_visible (self->unreadable_group, rules == NULL && *json != '\0');
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rules.restore", *json != '\0');
  gtk_widget_set_visible (self->restore_button, *json != '\0');
  if (rules == NULL)
    rules = cb_alert_rules_from_json (cb_alert_rules_get_default_json (), NULL);

  /* The same rules in the same order are relabelled in place: a switch
   * that was just flipped keeps its row, and the focus. */
  same_ids = TRUE;
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->rules_list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!CB_IS_ALERT_RULE_ROW (child))
        continue;
      if (i >= rules->len
          || g_strcmp0 (cb_alert_rule_row_get_rule_id (CB_ALERT_RULE_ROW (child)),
                        ((CbAlertRule *) g_ptr_array_index (rules, i))->id) != 0)
        same_ids = FALSE;
      i++;
    }
  same_ids = same_ids && i == rules->len;

  if (same_ids)
    {
      i = 0;
      for (child = gtk_widget_get_first_child (GTK_WIDGET (self->rules_list)); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        if (CB_IS_ALERT_RULE_ROW (child))
          cb_alert_rule_row_set_rule (CB_ALERT_RULE_ROW (child), g_ptr_array_index (rules, i++),
                                      self->store);
    }
  else
    {
      clear_rules_list (self);
      for (i = 0; i < rules->len; i++)
        gtk_list_box_append (self->rules_list,
                             cb_alert_rule_row_new (g_ptr_array_index (rules, i), self->store));
    }

  g_clear_pointer (&self->rules, g_ptr_array_unref);
  self->rules = g_steal_pointer (&rules);
}

static gboolean
on_relabel_timeout (gpointer user_data)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (user_data);

  self->relabel_id = 0;
  load_rules (self);
  return G_SOURCE_REMOVE;
}

/* Queues, teams… arrive or are renamed: the rows say their names, at most
 * once a second however busy the floor. */
static void
on_names_changed (CbPreferencesWindow *self)
{
  if (self->relabel_id == 0)
    self->relabel_id = g_timeout_add_seconds (1, on_relabel_timeout, self);
}

/* The toast's Undo: the setting's text before the change, exactly. */
static void
rules_undo (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (widget);

  g_settings_set_string (self->settings, "alert-rules", g_variant_get_string (parameter, NULL));
}

/* Writes the rules; with @toast_title, offers to undo. */
static void
write_rules (CbPreferencesWindow *self,
             GPtrArray           *rules,
             const char          *toast_title)
{
  g_autofree char *previous = g_settings_get_string (self->settings, "alert-rules");
  g_autofree char *json = rules != NULL ? cb_alert_rules_to_json (rules) : g_strdup ("");

  g_settings_set_string (self->settings, "alert-rules", json);

  if (toast_title != NULL)
    {
      AdwToast *toast = cb_toast_new_text (toast_title);

      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_set_action_name (toast, "rules.undo");
      adw_toast_set_action_target_value (toast, g_variant_new_string (previous));
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
    }
}

static void
open_rule_editor (CbPreferencesWindow *self,
                  const CbAlertRule   *rule)
{
  CbAlertRuleEditor *editor = cb_alert_rule_editor_new (self->settings, self->store, rule);

  gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (editor));
}

static void
rules_add (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  open_rule_editor (CB_PREFERENCES_WINDOW (widget), NULL);
}

static void
rules_edit (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (widget);
  int i = cb_alert_rules_find (self->rules, g_variant_get_string (parameter, NULL));

  if (i >= 0)
    open_rule_editor (self, g_ptr_array_index (self->rules, i));
}

static void
rules_remove (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (widget);
  g_autoptr(GPtrArray) rules = g_ptr_array_ref (self->rules);
  int i = cb_alert_rules_find (rules, g_variant_get_string (parameter, NULL));
  const CbAlertRule *rule;
  g_autofree char *what = NULL;
  g_autofree char *title = NULL;
  g_autoptr(CbAlertRule) removed = NULL;

  if (i < 0)
    return;
  rule = g_ptr_array_index (rules, i);
  what = rule->name != NULL ? g_strdup (rule->name) : cb_alert_rule_describe_condition (rule, self->store);
  /* Translators: a toast; %s is an alert rule's name or condition ("Longest wait above 60 s") */
  title = g_strdup_printf (_("Deleted “%s”"), what);
  removed = g_ptr_array_steal_index (rules, i);
  write_rules (self, rules, title);
}

static void
rules_set_enabled (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (widget);
  g_autoptr(GPtrArray) rules = g_ptr_array_ref (self->rules);
  const char *id = NULL;
  gboolean enabled = FALSE;
  CbAlertRule *rule;
  int i;

  g_variant_get (parameter, "(&sb)", &id, &enabled);
  i = cb_alert_rules_find (rules, id);
  if (i < 0)
    return;
  rule = g_ptr_array_index (rules, i);
  if (rule->enabled == enabled)
    return;
  rule->enabled = enabled;
  write_rules (self, rules, NULL);
}

static void
rules_restore (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  write_rules (CB_PREFERENCES_WINDOW (widget), NULL, _("Restored the built-in rules"));
}

static void
cb_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      cb_preferences_window_set_store (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_preferences_window_dispose (GObject *object)
{
  CbPreferencesWindow *self = CB_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_PREFERENCES_WINDOW);

  g_clear_handle_id (&self->relabel_id, g_source_remove);
  g_clear_object (&self->settings);
  g_clear_object (&self->profiles);
  g_clear_object (&self->store);
  g_clear_pointer (&self->rules, g_ptr_array_unref);

  G_OBJECT_CLASS (cb_preferences_window_parent_class)->dispose (object);
}

static void
cb_preferences_window_class_init (CbPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cb_preferences_window_get_property;
  object_class->set_property = cb_preferences_window_set_property;
  object_class->dispose = cb_preferences_window_dispose;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, CB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/cb-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, active_row);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, profiles_list);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, session_only_row);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, sound_switch);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, unreadable_group);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, rules_list);
  gtk_widget_class_bind_template_child (widget_class, CbPreferencesWindow, restore_button);
  gtk_widget_class_bind_template_callback (widget_class, on_active_row_selected);

  gtk_widget_class_install_action (widget_class, "profile.add", NULL, add_profile);
  gtk_widget_class_install_action (widget_class, "profile.edit", "s", edit_profile);
  gtk_widget_class_install_action (widget_class, "profile.remove", "s", remove_profile);
  gtk_widget_class_install_action (widget_class, "rules.add", NULL, rules_add);
  gtk_widget_class_install_action (widget_class, "rules.edit", "s", rules_edit);
  gtk_widget_class_install_action (widget_class, "rules.remove", "s", rules_remove);
  gtk_widget_class_install_action (widget_class, "rules.set-enabled", "(sb)", rules_set_enabled);
  gtk_widget_class_install_action (widget_class, "rules.restore", NULL, rules_restore);
  gtk_widget_class_install_action (widget_class, "rules.undo", "s", rules_undo);
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

  g_settings_bind (settings, "alert-sound", self->sound_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "alert-notifications", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (settings, "changed::alert-rules", G_CALLBACK (load_rules), self,
                           G_CONNECT_SWAPPED);
  load_rules (self);

  return self;
}

CbStore *
cb_preferences_window_get_store (CbPreferencesWindow *self)
{
  g_return_val_if_fail (CB_IS_PREFERENCES_WINDOW (self), NULL);
  return self->store;
}

/**
 * cb_preferences_window_set_store:
 * @store: (nullable): where the names of queues, campaigns, teams and
 *   pause reasons come from, for the alert rules
 */
void
cb_preferences_window_set_store (CbPreferencesWindow *self,
                                 CbStore             *store)
{
  g_return_if_fail (CB_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (store == NULL || CB_IS_STORE (store));

  if (self->store == store)
    return;
  if (self->store != NULL)
    {
      static const char * const types[] = { "queue", "campaign", "team", "pause_reason" };

      for (guint i = 0; i < G_N_ELEMENTS (types); i++)
        g_signal_handlers_disconnect_by_func (cb_store_get_model (self->store, types[i]),
                                              on_names_changed, self);
    }
  g_set_object (&self->store, store);
  if (store != NULL)
    {
      static const char * const types[] = { "queue", "campaign", "team", "pause_reason" };

      for (guint i = 0; i < G_N_ELEMENTS (types); i++)
        g_signal_connect_object (cb_store_get_model (store, types[i]), "items-changed",
                                 G_CALLBACK (on_names_changed), self, G_CONNECT_SWAPPED);
    }
  if (self->settings != NULL)
    {
      /* Relabel: the names are the new store's. */
      clear_rules_list (self);
      load_rules (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}
