/* cb-alerts-button.c — the header-bar button of the alerts, with its popover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the CbAlertEngine of the window's store: evaluates it once a second
 * at the server's clock while the store is live, with the rules of the
 * `alert-rules` setting (the defaults of cb-alerts.c when empty or invalid).
 * A raised alert shows a toast with "Acknowledge" in the window's toast
 * overlay, a desktop notification with `alert-notifications` on (withdrawn
 * when it clears or is acknowledged) and, for rules that ask for it with `alert-sound` on, the
 * error bell. The badge counts the alerts not acknowledged; the popover
 * lists the raised alerts, to acknowledge or snooze for 15 minutes, the
 * recent history, and opens the rules in Preferences
 * (app.preferences-page "alerts").
 */
#define G_LOG_DOMAIN "Callboard"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-alert-rule-row.h"
#include "cb-alerts-button.h"
#include "cb-ui-types.h"

#define SNOOZE_MINUTES 15
#define HISTORY_SHOWN  50

enum
{
  PROP_0,
  PROP_STORE,
  PROP_SETTINGS,
  PROP_TOAST_OVERLAY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _CbAlertsButton
{
  GtkWidget        parent_instance;

  /* template widgets */
  GtkMenuButton   *button;
  GtkLabel        *badge;
  GtkPopover      *popover;
  GtkListBox      *active_list;
  GtkListBox      *history_list;
  GtkWidget       *manage_button;

  /* borrowed references */
  AdwToastOverlay *toast_overlay;

  /* owned references */
  CbStore         *store;
  GSettings       *settings;
  CbAlertEngine   *engine;
  GHashTable      *toasts;         /* alert id → AdwToast shown, until dismissed */
  guint            tick_id;
  gint64           evaluated_us;   /* monotonic, of the last evaluation */
};

G_DEFINE_FINAL_TYPE (CbAlertsButton, cb_alerts_button, GTK_TYPE_WIDGET)

static char *
format_value (const CbAlertRule *rule,
              double             value)
{
  if (rule->kind == CB_ALERT_KIND_AGENT_STATE)
    /* Translators: a duration in minutes, in an alert */
    return g_strdup_printf (_("%.0f min"), value);

  switch (cb_metric_get_info (rule->metric)->unit)
    {
    case CB_METRIC_UNIT_MS:
      /* Translators: a duration in seconds, in an alert */
      return g_strdup_printf (_("%.0f s"), value);
    case CB_METRIC_UNIT_PERCENT:
      /* Translators: a percentage, in an alert */
      return g_strdup_printf (_("%.1f %%"), value);
    default:
      return g_strdup_printf ("%.4g", value);
    }
}

static char *
describe (const CbAlertRule *rule,
          const char        *subject_name,
          double             value)
{
  g_autofree char *shown = format_value (rule, value);

  if (rule->kind == CB_ALERT_KIND_AGENT_STATE)
    {
      /* One whole sentence per state, so that translations can inflect the
       * state with the agent's name, as the rules do (cb-alert-rule-row.c). */
      if (g_strcmp0 (rule->agent_state, "paused") == 0)
        /* Translators: a raised alert: an agent has been paused (on a break, in a meeting…) for
         * a while; %1$s is the agent's name ("Kadri Kask"), %2$s the duration ("16 min") */
        return g_strdup_printf (_("%1$s paused for %2$s"), subject_name, shown);
      if (g_strcmp0 (rule->agent_state, "wrap_up") == 0)
        /* Translators: a raised alert: an agent has been in wrap-up (after-call work) for a
         * while; %1$s is the agent's name ("Kadri Kask"), %2$s the duration ("16 min") */
        return g_strdup_printf (_("%1$s in wrap-up for %2$s"), subject_name, shown);
      if (g_strcmp0 (rule->agent_state, "on_hold") == 0)
        /* Translators: a raised alert: an agent has been on a call with the caller on hold for a
         * while; %1$s is the agent's name ("Kadri Kask"), %2$s the duration ("16 min") */
        return g_strdup_printf (_("%1$s on hold for %2$s"), subject_name, shown);
      if (g_strcmp0 (rule->agent_state, "on_call") == 0)
        /* Translators: a raised alert: an agent has been on a call (talking to a customer) for a
         * while; %1$s is the agent's name ("Kadri Kask"), %2$s the duration ("16 min") */
        return g_strdup_printf (_("%1$s on a call for %2$s"), subject_name, shown);
      if (g_strcmp0 (rule->agent_state, "ringing") == 0)
        /* Translators: a raised alert: an agent has been ringing (offered a call, not
         * answered yet) for a while; %1$s is the agent's name ("Kadri Kask"), %2$s the duration
         * ("16 min") */
        return g_strdup_printf (_("%1$s ringing for %2$s"), subject_name, shown);
      if (g_strcmp0 (rule->agent_state, "available") == 0)
        /* Translators: a raised alert: an agent has been available (idle, ready for a call) for
         * a while; %1$s is the agent's name ("Kadri Kask"), %2$s the duration ("16 min") */
        return g_strdup_printf (_("%1$s available for %2$s"), subject_name, shown);
      /* Translators: a raised alert: an agent has been in a state the console has no name for;
       * %1$s is the agent's name ("Kadri Kask"), %2$s the state as the backend calls it
       * ("after_call_survey"), %3$s the duration ("16 min") */
      return g_strdup_printf (_("%1$s in state “%2$s” for %3$s"), subject_name, rule->agent_state,
                              shown);
    }
  if (subject_name != NULL)
    /* Translators: an alert; %1$s is a KPI ("Longest wait"), %2$s a queue or campaign,
     * %3$s the value ("75 s") */
    return g_strdup_printf (_("%1$s in %2$s: %3$s"), cb_metric_get_name (rule->metric),
                            subject_name, shown);
  /* Translators: an alert on the whole floor; %1$s is a KPI ("Service level"), %2$s its value */
  return g_strdup_printf (_("%1$s: %2$s"), cb_metric_get_name (rule->metric), shown);
}

static char *
format_time (gint64 time_ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (time_ms / 1000);

  return dt != NULL ? g_date_time_format (dt, "%X") : g_strdup ("");
}

static char *
notification_id (CbAlert *alert)
{
  return g_strconcat ("alert-", cb_alert_get_id (alert), NULL);
}

static void
withdraw (CbAlertsButton *self,
          const char     *alert_id)
{
  GApplication *app = g_application_get_default ();
  g_autofree char *id = g_strconcat ("alert-", alert_id, NULL);
  AdwToast *toast;

  if (app != NULL && g_application_get_is_registered (app))
    g_application_withdraw_notification (app, id);
  toast = g_hash_table_lookup (self->toasts, alert_id);
  if (toast != NULL)
    adw_toast_dismiss (toast);
}

static gint64
now_ms (CbAlertsButton *self)
{
  return self->store != NULL ? cb_store_get_server_now (self->store) : g_get_real_time () / 1000;
}

static void
acknowledge (CbAlertsButton *self,
             const char     *alert_id)
{
  if (cb_alert_engine_acknowledge (self->engine, alert_id, now_ms (self)))
    withdraw (self, alert_id);
}

static void
on_toast_button_clicked (AdwToast       *toast,
                         CbAlertsButton *self)
{
  const char *alert_id = g_object_get_data (G_OBJECT (toast), "cb-alert-id");

  if (alert_id != NULL)
    acknowledge (self, alert_id);
}

static void
on_toast_dismissed (AdwToast       *toast,
                    CbAlertsButton *self)
{
  const char *alert_id = g_object_get_data (G_OBJECT (toast), "cb-alert-id");

  if (alert_id != NULL && g_hash_table_lookup (self->toasts, alert_id) == toast)
    g_hash_table_remove (self->toasts, alert_id);
}

static void
on_raised (CbAlertsButton *self,
           CbAlert        *alert,
           gboolean        silenced,
           CbAlertEngine  *engine)
{
  const CbAlertRule *rule = cb_alert_get_rule (alert);
  g_autofree char *text = NULL;
  GApplication *app;
  GtkRoot *root;

  if (silenced)
    return;

  text = describe (rule, cb_alert_get_subject_name (alert), cb_alert_get_value (alert));

  if (self->toast_overlay != NULL && !g_hash_table_contains (self->toasts, cb_alert_get_id (alert)))
    {
      AdwToast *toast = cb_toast_new_text (text);

      adw_toast_set_button_label (toast, _("Acknowledge"));
      adw_toast_set_priority (toast, rule->severity == CB_ALERT_SEVERITY_CRITICAL
                                     ? ADW_TOAST_PRIORITY_HIGH : ADW_TOAST_PRIORITY_NORMAL);
      adw_toast_set_timeout (toast, 10);
      g_object_set_data_full (G_OBJECT (toast), "cb-alert-id", g_strdup (cb_alert_get_id (alert)),
                              g_free);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_toast_button_clicked), self, 0);
      g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_toast_dismissed), self, 0);
      g_hash_table_insert (self->toasts, g_strdup (cb_alert_get_id (alert)), g_object_ref (toast));
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
    }

  /* The toast tells whoever looks at the window; the desktop tells the others. */
  root = gtk_widget_get_root (GTK_WIDGET (self));
  app = g_application_get_default ();
  if (app != NULL && g_application_get_is_registered (app)
      && (self->settings == NULL || g_settings_get_boolean (self->settings, "alert-notifications"))
      && !(GTK_IS_WINDOW (root) && gtk_window_is_active (GTK_WINDOW (root))))
    {
      g_autoptr(GNotification) notification = NULL;
      g_autofree char *id = notification_id (alert);

      notification = g_notification_new (rule->severity == CB_ALERT_SEVERITY_CRITICAL
                                         ? _("Critical alert") : _("Alert"));
      g_notification_set_body (notification, text);
      g_notification_set_priority (notification, rule->severity == CB_ALERT_SEVERITY_CRITICAL
                                                 ? G_NOTIFICATION_PRIORITY_HIGH
                                                 : G_NOTIFICATION_PRIORITY_NORMAL);
      g_application_send_notification (app, id, notification);
    }

  if (rule->sound && self->settings != NULL && g_settings_get_boolean (self->settings, "alert-sound"))
    gtk_widget_error_bell (GTK_WIDGET (self));
}

static void
on_cleared (CbAlertsButton *self,
            CbAlert        *alert,
            CbAlertEngine  *engine)
{
  withdraw (self, cb_alert_get_id (alert));
}

static GtkWidget *
make_action_button (const char *icon_name,
                    const char *tooltip,
                    const char *action_name,
                    const char *alert_id)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", alert_id);
  return button;
}

static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  /* Row by row: the placeholder is a child too, and must stay. */
  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static const char *
event_label (CbAlertEventKind kind)
{
  switch (kind)
    {
    case CB_ALERT_EVENT_RAISED:
      return C_("alert history", "Raised");
    case CB_ALERT_EVENT_ACKNOWLEDGED:
      return C_("alert history", "Acknowledged");
    case CB_ALERT_EVENT_SNOOZED:
      return C_("alert history", "Snoozed");
    case CB_ALERT_EVENT_CLEARED:
      return C_("alert history", "Cleared");
    default:
      g_assert_not_reached ();
    }
}

/* The rows are small and few (the raised alerts, the last 50 events); the
 * lists are rebuilt when they change and the popover is open. */
static void
update_lists (CbAlertsButton *self)
{
  g_autoptr(GPtrArray) active = cb_alert_engine_dup_active (self->engine);
  GPtrArray *rules = cb_alert_engine_get_rules (self->engine);
  gint64 now = now_ms (self);
  guint n_history = cb_alert_engine_get_n_history (self->engine);

  clear_list (self->active_list);
  for (guint i = 0; i < active->len; i++)
    {
      CbAlert *alert = g_ptr_array_index (active, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = describe (cb_alert_get_rule (alert), cb_alert_get_subject_name (alert),
                                         cb_alert_get_value (alert));
      g_autofree char *time = format_time (cb_alert_get_raised_at (alert));
      g_autofree char *subtitle = NULL;

      if (cb_alert_is_acknowledged (alert))
        /* Translators: %s is a time of day */
        subtitle = g_strdup_printf (_("Since %s · acknowledged"), time);
      else if (cb_alert_is_silenced (alert, now))
        /* Translators: %s is a time of day */
        subtitle = g_strdup_printf (_("Since %s · snoozed"), time);
      else
        /* Translators: %s is a time of day */
        subtitle = g_strdup_printf (_("Since %s"), time);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name (cb_alert_get_rule (alert)->severity
                                                               == CB_ALERT_SEVERITY_CRITICAL
                                                               ? "dialog-error-symbolic"
                                                               : "dialog-warning-symbolic"));
      if (!cb_alert_is_acknowledged (alert))
        {
          adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                     make_action_button ("alarm-symbolic", _("Snooze for 15 Minutes"),
                                                         "alerts.snooze", cb_alert_get_id (alert)));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                     make_action_button ("object-select-symbolic", _("Acknowledge"),
                                                         "alerts.acknowledge",
                                                         cb_alert_get_id (alert)));
        }
      gtk_list_box_append (self->active_list, row);
    }

  clear_list (self->history_list);
  for (guint i = 0; i < MIN (n_history, HISTORY_SHOWN); i++)
    {
      const CbAlertEvent *event = cb_alert_engine_get_history (self->engine, i);
      const CbAlertRule *rule = NULL;
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *time = format_time (event->time_ms);
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;

      for (guint r = 0; r < rules->len && rule == NULL; r++)
        if (g_strcmp0 (((CbAlertRule *) g_ptr_array_index (rules, r))->id, event->rule_id) == 0)
          rule = g_ptr_array_index (rules, r);

      title = rule != NULL ? describe (rule, event->subject_name, event->value)
                           : g_strdup (event->subject_name != NULL ? event->subject_name
                                                                   : event->rule_id);
      /* Translators: an alert history line; %1$s is a time of day, %2$s "Raised", "Cleared"… */
      subtitle = g_strdup_printf (_("%1$s · %2$s"), time, event_label (event->kind));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_append (self->history_list, row);
    }
}

static void
update_badge (CbAlertsButton *self)
{
  guint n = cb_alert_engine_get_n_active (self->engine, TRUE);
  guint all = cb_alert_engine_get_n_active (self->engine, FALSE);
  g_autofree char *count = g_strdup_printf ("%u", n);
  g_autofree char *tooltip = NULL;

  gtk_label_set_label (self->badge, count);
  gtk_widget_set_visible (GTK_WIDGET (self->badge), n > 0);
  if (n > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->badge), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->badge), "error");

  if (all == 0)
    tooltip = g_strdup (_("Alerts"));
  else
    /* Translators: the tooltip of the alerts button; %u is a number of alerts */
    tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Alerts: %u raised", "Alerts: %u raised",
                                            all), all);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), tooltip);
}

static void
on_engine_changed (CbAlertsButton *self,
                   CbAlertEngine  *engine)
{
  update_badge (self);
  if (gtk_widget_get_visible (GTK_WIDGET (self->popover)))
    update_lists (self);
}

static void
on_popover_show (CbAlertsButton *self,
                 GtkPopover     *popover)
{
  update_lists (self);
}

static void
on_manage_clicked (CbAlertsButton *self,
                   GtkButton      *button)
{
  gtk_popover_popdown (self->popover);
  if (!gtk_widget_activate_action (GTK_WIDGET (self), "app.preferences-page", "s", "alerts"))
    g_debug ("No app.preferences-page action to show the alert rules");
}

/* Stale data raises nothing: a wait seems to grow while disconnected. */
static void
evaluate (CbAlertsButton *self)
{
  CbAlertInputs inputs = { NULL, };

  if (self->store == NULL || cb_store_get_state (self->store) != CB_CONNECTION_LIVE)
    return;

  inputs.metrics = cb_store_get_metrics (self->store);
  inputs.agents = G_LIST_MODEL (cb_store_get_model (self->store, "agent"));
  inputs.queues = G_LIST_MODEL (cb_store_get_model (self->store, "queue"));
  inputs.campaigns = G_LIST_MODEL (cb_store_get_model (self->store, "campaign"));
  cb_alert_engine_evaluate (self->engine, &inputs, cb_store_get_server_now (self->store));
  self->evaluated_us = g_get_monotonic_time ();
}

static gboolean
on_tick (gpointer user_data)
{
  evaluate (CB_ALERTS_BUTTON (user_data));
  return G_SOURCE_CONTINUE;
}

/* The first batch after connecting is evaluated at once, then at most once
 * a second, the timer covering quiet periods. */
static void
on_batch_applied (CbAlertsButton *self,
                  guint           changes,
                  CbStore        *store)
{
  if (g_get_monotonic_time () - self->evaluated_us >= G_USEC_PER_SEC)
    evaluate (self);
}

static void
load_rules (CbAlertsButton *self)
{
  g_autofree char *json = self->settings != NULL ? g_settings_get_string (self->settings, "alert-rules")
                                                 : NULL;
  g_autoptr(GError) error = NULL;

  if (json != NULL && *json != '\0'
      && cb_alert_engine_set_rules_from_json (self->engine, json, &error))
    return;
  if (error != NULL)
    g_message ("Ignoring the alert-rules setting: %s", error->message);
  cb_alert_engine_set_rules_from_json (self->engine, cb_alert_rules_get_default_json (), NULL);
}

static void
on_rules_changed (CbAlertsButton *self,
                  const char     *key,
                  GSettings      *settings)
{
  load_rules (self);
  update_badge (self);
}

static void
alerts_acknowledge (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  acknowledge (CB_ALERTS_BUTTON (widget), g_variant_get_string (parameter, NULL));
}

static void
alerts_snooze (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CbAlertsButton *self = CB_ALERTS_BUTTON (widget);
  const char *alert_id = g_variant_get_string (parameter, NULL);

  if (cb_alert_engine_snooze (self->engine, alert_id, SNOOZE_MINUTES, now_ms (self)))
    withdraw (self, alert_id);
}

static void
cb_alerts_button_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CbAlertsButton *self = CB_ALERTS_BUTTON (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_TOAST_OVERLAY:
      g_value_set_object (value, self->toast_overlay);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_alerts_button_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CbAlertsButton *self = CB_ALERTS_BUTTON (object);

  switch (prop_id)
    {
    case PROP_STORE:
      cb_alerts_button_set_store (self, g_value_get_object (value));
      break;
    case PROP_SETTINGS:
      cb_alerts_button_set_settings (self, g_value_get_object (value));
      break;
    case PROP_TOAST_OVERLAY:
      cb_alerts_button_set_toast_overlay (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_alerts_button_dispose (GObject *object)
{
  CbAlertsButton *self = CB_ALERTS_BUTTON (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->toasts != NULL)
    g_hash_table_remove_all (self->toasts);
  if (self->toast_overlay != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->toast_overlay), (gpointer *) &self->toast_overlay);
  self->toast_overlay = NULL;
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_ALERTS_BUTTON);

  G_OBJECT_CLASS (cb_alerts_button_parent_class)->dispose (object);
}

static void
cb_alerts_button_finalize (GObject *object)
{
  CbAlertsButton *self = CB_ALERTS_BUTTON (object);

  g_clear_pointer (&self->toasts, g_hash_table_unref);

  G_OBJECT_CLASS (cb_alerts_button_parent_class)->finalize (object);
}

static void
cb_alerts_button_class_init (CbAlertsButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cb_alerts_button_get_property;
  object_class->set_property = cb_alerts_button_set_property;
  object_class->dispose = cb_alerts_button_dispose;
  object_class->finalize = cb_alerts_button_finalize;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, CB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOAST_OVERLAY] =
    g_param_spec_object ("toast-overlay", NULL, NULL, ADW_TYPE_TOAST_OVERLAY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/callboard/Callboard/ui/cb-alerts-button.ui");
  gtk_widget_class_bind_template_child (widget_class, CbAlertsButton, button);
  gtk_widget_class_bind_template_child (widget_class, CbAlertsButton, badge);
  gtk_widget_class_bind_template_child (widget_class, CbAlertsButton, popover);
  gtk_widget_class_bind_template_child (widget_class, CbAlertsButton, active_list);
  gtk_widget_class_bind_template_child (widget_class, CbAlertsButton, history_list);
  gtk_widget_class_bind_template_child (widget_class, CbAlertsButton, manage_button);
  gtk_widget_class_bind_template_callback (widget_class, on_popover_show);
  gtk_widget_class_bind_template_callback (widget_class, on_manage_clicked);

  gtk_widget_class_install_action (widget_class, "alerts.acknowledge", "s", alerts_acknowledge);
  gtk_widget_class_install_action (widget_class, "alerts.snooze", "s", alerts_snooze);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
cb_alerts_button_init (CbAlertsButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->toasts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->engine = cb_alert_engine_new ();
  g_signal_connect_swapped (self->engine, "raised", G_CALLBACK (on_raised), self);
  g_signal_connect_swapped (self->engine, "cleared", G_CALLBACK (on_cleared), self);
  g_signal_connect_swapped (self->engine, "changed", G_CALLBACK (on_engine_changed), self);
  load_rules (self);
  update_badge (self);
}

GtkWidget *
cb_alerts_button_new (void)
{
  return g_object_new (CB_TYPE_ALERTS_BUTTON, NULL);
}

CbStore *
cb_alerts_button_get_store (CbAlertsButton *self)
{
  g_return_val_if_fail (CB_IS_ALERTS_BUTTON (self), NULL);
  return self->store;
}

/**
 * cb_alerts_button_set_store:
 *
 * A new store starts a new engine state: its alerts and history belong to
 * another backend.
 */
void
cb_alerts_button_set_store (CbAlertsButton *self,
                            CbStore        *store)
{
  g_return_if_fail (CB_IS_ALERTS_BUTTON (self));
  g_return_if_fail (store == NULL || CB_IS_STORE (store));

  if (self->store == store)
    return;

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_set_object (&self->store, store);
  self->evaluated_us = 0;

  g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  self->engine = cb_alert_engine_new ();
  g_signal_connect_swapped (self->engine, "raised", G_CALLBACK (on_raised), self);
  g_signal_connect_swapped (self->engine, "cleared", G_CALLBACK (on_cleared), self);
  g_signal_connect_swapped (self->engine, "changed", G_CALLBACK (on_engine_changed), self);
  load_rules (self);
  update_badge (self);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (store != NULL)
    {
      g_signal_connect_swapped (store, "batch-applied", G_CALLBACK (on_batch_applied), self);
      self->tick_id = g_timeout_add_seconds (1, on_tick, self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

GSettings *
cb_alerts_button_get_settings (CbAlertsButton *self)
{
  g_return_val_if_fail (CB_IS_ALERTS_BUTTON (self), NULL);
  return self->settings;
}

void
cb_alerts_button_set_settings (CbAlertsButton *self,
                               GSettings      *settings)
{
  g_return_if_fail (CB_IS_ALERTS_BUTTON (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  if (self->settings == settings)
    return;

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    g_signal_connect_swapped (settings, "changed::alert-rules", G_CALLBACK (on_rules_changed), self);
  load_rules (self);
  update_badge (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SETTINGS]);
}

AdwToastOverlay *
cb_alerts_button_get_toast_overlay (CbAlertsButton *self)
{
  g_return_val_if_fail (CB_IS_ALERTS_BUTTON (self), NULL);
  return self->toast_overlay;
}

void
cb_alerts_button_set_toast_overlay (CbAlertsButton  *self,
                                    AdwToastOverlay *overlay)
{
  g_return_if_fail (CB_IS_ALERTS_BUTTON (self));
  g_return_if_fail (overlay == NULL || ADW_IS_TOAST_OVERLAY (overlay));

  if (self->toast_overlay == overlay)
    return;

  if (self->toast_overlay != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->toast_overlay), (gpointer *) &self->toast_overlay);
  self->toast_overlay = overlay;
  if (overlay != NULL)
    g_object_add_weak_pointer (G_OBJECT (overlay), (gpointer *) &self->toast_overlay);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOAST_OVERLAY]);
}

/**
 * cb_alerts_button_get_engine:
 *
 * Returns: (transfer none): the engine of the current store
 */
CbAlertEngine *
cb_alerts_button_get_engine (CbAlertsButton *self)
{
  g_return_val_if_fail (CB_IS_ALERTS_BUTTON (self), NULL);
  return self->engine;
}
