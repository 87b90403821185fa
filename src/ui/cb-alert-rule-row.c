/* cb-alert-rule-row.c — one alert rule in the preferences, in words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Says what the rule watches ("Longest wait above 60 s"), where ("Sales,
 * Support") and how soon ("after 10 s"), with its severity, a switch that
 * activates the preferences' rules.set-enabled action and buttons for
 * rules.edit and rules.remove. The words are shared with the rule editor.
 * Names of queues, campaigns, teams and pause reasons come from the store
 * when it knows them, else the ids are shown as they are.
 */
#define G_LOG_DOMAIN "cb-alert-rule-row"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-alert-rule-row.h"

#define NAMES_SHOWN 3

struct _CbAlertRuleRow
{
  AdwActionRow parent_instance;

  /* template widgets */
  GtkImage  *severity_icon;
  GtkWidget *sound_icon;
  GtkSwitch *enabled_switch;
  GtkWidget *edit_button;
  GtkWidget *remove_button;

  /* owned references */
  char      *rule_id;
  gboolean   syncing;
};

G_DEFINE_FINAL_TYPE (CbAlertRuleRow, cb_alert_rule_row, ADW_TYPE_ACTION_ROW)

static const char *
window_phrase (CbMetricWindowKind kind)
{
  switch (kind)
    {
    case CB_METRIC_WINDOW_LIVE:
      return C_("alert window", "live");
    case CB_METRIC_WINDOW_LAST_15:
      return C_("alert window", "over the last 15 minutes");
    case CB_METRIC_WINDOW_LAST_30:
      return C_("alert window", "over the last 30 minutes");
    case CB_METRIC_WINDOW_LAST_60:
      return C_("alert window", "over the last 60 minutes");
    case CB_METRIC_WINDOW_RULE_PERIOD:
      return C_("alert window", "over the regulatory period");
    case CB_METRIC_WINDOW_TODAY:
    case CB_METRIC_WINDOW_CUSTOM:
    default:
      return C_("alert window", "today");
    }
}

/* The entity's name when the store holds it, else its id. */
static char *
lookup_name (CbStore    *store,
             const char *id,
             const char *type_a,
             const char *type_b,
             const char *type_c)
{
  const char *types[] = { type_a, type_b, type_c };

  for (guint i = 0; store != NULL && i < G_N_ELEMENTS (types); i++)
    {
      CbEntity *entity;
      const char *name;

      if (types[i] == NULL)
        continue;
      entity = cb_entity_model_lookup (cb_store_get_model (store, types[i]), id);
      if (entity == NULL)
        continue;
      /* Pause reasons have a label (docs/protocol.md §10.13), the others a name */
      name = cb_entity_get_string (entity, "name");
      if (name == NULL || *name == '\0')
        name = cb_entity_get_string (entity, "label");
      if (name != NULL && *name != '\0')
        return g_strdup (name);
    }
  return g_strdup (id);
}

/**
 * cb_alert_rule_format_threshold:
 * @value: in the rule's unit (seconds, minutes, percent…)
 *
 * Returns: (transfer full): "60 s", "2.5 %", "15 min", "4"
 */
char *
cb_alert_rule_format_threshold (const CbAlertRule *rule,
                                double             value)
{
  g_autofree char *number = g_strdup_printf ("%g", value);

  g_return_val_if_fail (rule != NULL, NULL);

  if (rule->kind == CB_ALERT_KIND_AGENT_STATE)
    /* Translators: a threshold in minutes, in an alert rule; %s is a number */
    return g_strdup_printf (_("%s min"), number);

  switch (cb_metric_get_info (rule->metric)->unit)
    {
    case CB_METRIC_UNIT_MS:
      /* Translators: a threshold in seconds, in an alert rule; %s is a number */
      return g_strdup_printf (_("%s s"), number);
    case CB_METRIC_UNIT_PERCENT:
      /* Translators: a threshold in percent, in an alert rule; %s is a number */
      return g_strdup_printf (_("%s %%"), number);
    case CB_METRIC_UNIT_PER_HOUR:
      /* Translators: a threshold per hour, in an alert rule; %s is a number */
      return g_strdup_printf (_("%s per hour"), number);
    case CB_METRIC_UNIT_COUNT:
    case CB_METRIC_UNIT_AGENTS:
    case CB_METRIC_UNIT_SCORE:
    default:
      return g_steal_pointer (&number);
    }
}

/**
 * cb_alert_rule_describe_condition:
 * @store: (nullable): for the name of a pause reason
 *
 * Returns: (transfer full): "Longest wait above 60 s", "Agent paused for
 *   more than 15 min"
 */
char *
cb_alert_rule_describe_condition (const CbAlertRule *rule,
                                  CbStore           *store)
{
  g_autofree char *threshold = NULL;

  g_return_val_if_fail (rule != NULL, NULL);

  threshold = cb_alert_rule_format_threshold (rule, rule->threshold);

  if (rule->kind == CB_ALERT_KIND_METRIC)
    {
      const char *metric = cb_metric_get_name (rule->metric);

      switch (rule->comparison)
        {
        case CB_ALERT_ABOVE:
          /* Translators: an alert rule; %1$s is a KPI ("Longest wait"), %2$s a threshold ("60 s") */
          return g_strdup_printf (_("%1$s above %2$s"), metric, threshold);
        case CB_ALERT_AT_LEAST:
          /* Translators: an alert rule; %1$s is a KPI ("Longest wait"), %2$s a threshold ("60 s") */
          return g_strdup_printf (_("%1$s at least %2$s"), metric, threshold);
        case CB_ALERT_BELOW:
          /* Translators: an alert rule; %1$s is a KPI ("Service level"), %2$s a threshold ("80 %") */
          return g_strdup_printf (_("%1$s below %2$s"), metric, threshold);
        case CB_ALERT_AT_MOST:
        default:
          /* Translators: an alert rule; %1$s is a KPI ("Service level"), %2$s a threshold ("80 %") */
          return g_strdup_printf (_("%1$s at most %2$s"), metric, threshold);
        }
    }

  if (rule->reason != NULL)
    {
      g_autofree char *reason = lookup_name (store, rule->reason, "pause_reason", NULL, NULL);

      switch (rule->comparison)
        {
        case CB_ALERT_ABOVE:
          /* Translators: an alert rule: an agent has been paused for one reason for more than a
           * duration; %1$s is the pause reason ("Lunch"), %2$s the duration ("15 min") */
          return g_strdup_printf (_("Agent paused (%1$s) for more than %2$s"), reason, threshold);
        case CB_ALERT_AT_LEAST:
          /* Translators: an alert rule: an agent has been paused for one reason for at least a
           * duration; %1$s is the pause reason ("Lunch"), %2$s the duration ("15 min") */
          return g_strdup_printf (_("Agent paused (%1$s) for at least %2$s"), reason, threshold);
        case CB_ALERT_BELOW:
          /* Translators: an alert rule: an agent has been paused for one reason for less than a
           * duration; %1$s is the pause reason ("Lunch"), %2$s the duration ("15 min") */
          return g_strdup_printf (_("Agent paused (%1$s) for less than %2$s"), reason, threshold);
        case CB_ALERT_AT_MOST:
        default:
          /* Translators: an alert rule: an agent has been paused for one reason for at most a
           * duration; %1$s is the pause reason ("Lunch"), %2$s the duration ("15 min") */
          return g_strdup_printf (_("Agent paused (%1$s) for at most %2$s"), reason, threshold);
        }
    }

  /* One whole sentence per state, so that translations can inflect "agent"
   * and the state together. */
  if (g_strcmp0 (rule->agent_state, "paused") == 0)
    {
      switch (rule->comparison)
        {
        case CB_ALERT_ABOVE:
          /* Translators: an alert rule: an agent has been paused (on a break, in a meeting…) for
           * more than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent paused for more than %s"), threshold);
        case CB_ALERT_AT_LEAST:
          /* Translators: an alert rule: an agent has been paused (on a break, in a meeting…) for
           * at least a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent paused for at least %s"), threshold);
        case CB_ALERT_BELOW:
          /* Translators: an alert rule: an agent has been paused (on a break, in a meeting…) for
           * less than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent paused for less than %s"), threshold);
        case CB_ALERT_AT_MOST:
        default:
          /* Translators: an alert rule: an agent has been paused (on a break, in a meeting…) for
           * at most a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent paused for at most %s"), threshold);
        }
    }

  if (g_strcmp0 (rule->agent_state, "wrap_up") == 0)
    {
      switch (rule->comparison)
        {
        case CB_ALERT_ABOVE:
          /* Translators: an alert rule: an agent has been in wrap-up (after-call work) for more
           * than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent in wrap-up for more than %s"), threshold);
        case CB_ALERT_AT_LEAST:
          /* Translators: an alert rule: an agent has been in wrap-up (after-call work) for at
           * least a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent in wrap-up for at least %s"), threshold);
        case CB_ALERT_BELOW:
          /* Translators: an alert rule: an agent has been in wrap-up (after-call work) for less
           * than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent in wrap-up for less than %s"), threshold);
        case CB_ALERT_AT_MOST:
        default:
          /* Translators: an alert rule: an agent has been in wrap-up (after-call work) for at most
           * a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent in wrap-up for at most %s"), threshold);
        }
    }

  if (g_strcmp0 (rule->agent_state, "on_hold") == 0)
    {
      switch (rule->comparison)
        {
        case CB_ALERT_ABOVE:
          /* Translators: an alert rule: an agent has been on a call with the caller on hold for
           * more than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent on hold for more than %s"), threshold);
        case CB_ALERT_AT_LEAST:
          /* Translators: an alert rule: an agent has been on a call with the caller on hold for at
           * least a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent on hold for at least %s"), threshold);
        case CB_ALERT_BELOW:
          /* Translators: an alert rule: an agent has been on a call with the caller on hold for
           * less than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent on hold for less than %s"), threshold);
        case CB_ALERT_AT_MOST:
        default:
          /* Translators: an alert rule: an agent has been on a call with the caller on hold for at
           * most a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent on hold for at most %s"), threshold);
        }
    }

  if (g_strcmp0 (rule->agent_state, "on_call") == 0)
    {
      switch (rule->comparison)
        {
        case CB_ALERT_ABOVE:
          /* Translators: an alert rule: an agent has been on a call (talking to a customer) for
           * more than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent on a call for more than %s"), threshold);
        case CB_ALERT_AT_LEAST:
          /* Translators: an alert rule: an agent has been on a call (talking to a customer) for at
           * least a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent on a call for at least %s"), threshold);
        case CB_ALERT_BELOW:
          /* Translators: an alert rule: an agent has been on a call (talking to a customer) for
           * less than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent on a call for less than %s"), threshold);
        case CB_ALERT_AT_MOST:
        default:
          /* Translators: an alert rule: an agent has been on a call (talking to a customer) for at
           * most a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent on a call for at most %s"), threshold);
        }
    }

  if (g_strcmp0 (rule->agent_state, "ringing") == 0)
    {
      switch (rule->comparison)
        {
        case CB_ALERT_ABOVE:
          /* Translators: an alert rule: an agent has been ringing (offered a call, not answered
           * yet) for more than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent ringing for more than %s"), threshold);
        case CB_ALERT_AT_LEAST:
          /* Translators: an alert rule: an agent has been ringing (offered a call, not answered
           * yet) for at least a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent ringing for at least %s"), threshold);
        case CB_ALERT_BELOW:
          /* Translators: an alert rule: an agent has been ringing (offered a call, not answered
           * yet) for less than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent ringing for less than %s"), threshold);
        case CB_ALERT_AT_MOST:
        default:
          /* Translators: an alert rule: an agent has been ringing (offered a call, not answered
           * yet) for at most a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent ringing for at most %s"), threshold);
        }
    }

  if (g_strcmp0 (rule->agent_state, "available") == 0)
    {
      switch (rule->comparison)
        {
        case CB_ALERT_ABOVE:
          /* Translators: an alert rule: an agent has been available (idle, ready for a call) for
           * more than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent available for more than %s"), threshold);
        case CB_ALERT_AT_LEAST:
          /* Translators: an alert rule: an agent has been available (idle, ready for a call) for
           * at least a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent available for at least %s"), threshold);
        case CB_ALERT_BELOW:
          /* Translators: an alert rule: an agent has been available (idle, ready for a call) for
           * less than a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent available for less than %s"), threshold);
        case CB_ALERT_AT_MOST:
        default:
          /* Translators: an alert rule: an agent has been available (idle, ready for a call) for
           * at most a duration; %s is the duration ("15 min") */
          return g_strdup_printf (_("Agent available for at most %s"), threshold);
        }
    }

  /* A state of the backend's we have no words for: its id as it is */
  switch (rule->comparison)
    {
    case CB_ALERT_ABOVE:
      /* Translators: an alert rule: an agent has been in a state the console has no name for, for
       * more than a duration; %1$s is the state as the backend calls it ("after_call_survey"),
       * %2$s the duration ("15 min") */
      return g_strdup_printf (_("Agent in state “%1$s” for more than %2$s"),
                              rule->agent_state, threshold);
    case CB_ALERT_AT_LEAST:
      /* Translators: an alert rule: an agent has been in a state the console has no name for, for
       * at least a duration; %1$s is the state as the backend calls it ("after_call_survey"), %2$s
       * the duration ("15 min") */
      return g_strdup_printf (_("Agent in state “%1$s” for at least %2$s"),
                              rule->agent_state, threshold);
    case CB_ALERT_BELOW:
      /* Translators: an alert rule: an agent has been in a state the console has no name for, for
       * less than a duration; %1$s is the state as the backend calls it ("after_call_survey"),
       * %2$s the duration ("15 min") */
      return g_strdup_printf (_("Agent in state “%1$s” for less than %2$s"),
                              rule->agent_state, threshold);
    case CB_ALERT_AT_MOST:
    default:
      /* Translators: an alert rule: an agent has been in a state the console has no name for, for
       * at most a duration; %1$s is the state as the backend calls it ("after_call_survey"), %2$s
       * the duration ("15 min") */
      return g_strdup_printf (_("Agent in state “%1$s” for at most %2$s"),
                              rule->agent_state, threshold);
    }
}

/* "Sales, Support, Billing and 2 more" */
static char *
describe_names (const CbAlertRule *rule,
                CbStore           *store,
                const char        *type_a,
                const char        *type_b,
                const char        *type_c)
{
  g_autoptr(GString) names = g_string_new (NULL);
  guint n = g_strv_length (rule->scope_ids);

  for (guint i = 0; i < MIN (n, NAMES_SHOWN); i++)
    {
      g_autofree char *name = lookup_name (store, rule->scope_ids[i], type_a, type_b, type_c);

      if (i > 0)
        /* Translators: the separator of a list of names */
        g_string_append (names, C_("list separator", ", "));
      g_string_append (names, name);
    }
  if (n > NAMES_SHOWN)
    /* Translators: a shortened list; %s is the first names ("Sales, Support, Billing"),
     * %u how many more there are */
    return g_strdup_printf (ngettext ("%s and %u more", "%s and %u more", n - NAMES_SHOWN),
                            names->str, n - NAMES_SHOWN);
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/**
 * cb_alert_rule_describe_scope:
 * @store: (nullable): for the names of queues, campaigns and teams
 *
 * Returns: (transfer full): "Each queue", "Sales, Support", "All agents"…
 */
char *
cb_alert_rule_describe_scope (const CbAlertRule *rule,
                              CbStore           *store)
{
  gboolean limited;

  g_return_val_if_fail (rule != NULL, NULL);

  limited = rule->scope_ids != NULL && rule->scope_ids[0] != NULL;

  if (rule->kind == CB_ALERT_KIND_AGENT_STATE)
    {
      g_autofree char *names = NULL;

      if (!limited)
        return g_strdup (_("All agents"));
      names = describe_names (rule, store, "team", "queue", "campaign");
      /* Translators: the agents an alert rule on agent states watches; %s is a list of
       * names of teams, queues or campaigns, possibly mixed ("North, Sales and 2 more") */
      return g_strdup_printf (_("Agents of %s"), names);
    }

  switch (rule->target)
    {
    case CB_ALERT_TARGET_QUEUE:
      return limited ? describe_names (rule, store, "queue", NULL, NULL) : g_strdup (_("Each queue"));
    case CB_ALERT_TARGET_CAMPAIGN:
      return limited ? describe_names (rule, store, "campaign", NULL, NULL)
                     : g_strdup (_("Each campaign"));
    case CB_ALERT_TARGET_ALL:
    default:
      if (limited)
        {
          g_autofree char *names = describe_names (rule, store, "queue", NULL, NULL);

          /* Translators: an alert rule on the floor's total of some queues; %s lists them */
          return g_strdup_printf (_("Together: %s"), names);
        }
      return g_strdup (_("Whole floor"));
    }
}

static char *
describe_hold (const CbAlertRule *rule)
{
  if (rule->hold_s == 0)
    return g_strdup (_("at once"));
  if (rule->hold_s % 60 == 0)
    /* Translators: how long an alert's condition must hold before it raises; %u is minutes */
    return g_strdup_printf (_("after %u min"), rule->hold_s / 60);
  /* Translators: how long an alert's condition must hold before it raises; %u is seconds */
  return g_strdup_printf (_("after %u s"), rule->hold_s);
}

static char *
join_parts (const char *condition,
            const char *window,
            const char *scope,
            const char *hold)
{
  g_autoptr(GString) s = g_string_new (NULL);
  const char *parts[] = { condition, window, scope, hold };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      if (parts[i] == NULL)
        continue;
      if (s->len > 0)
        /* Translators: the separator of the parts of an alert rule in words */
        g_string_append (s, C_("alert rule separator", " · "));
      g_string_append (s, parts[i]);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Everything but the condition: "Each queue · today · after 5 s" */
static char *
describe_rest (const CbAlertRule *rule,
               CbStore           *store)
{
  g_autofree char *scope = cb_alert_rule_describe_scope (rule, store);
  g_autofree char *hold = describe_hold (rule);
  const char *window = NULL;

  if (rule->kind == CB_ALERT_KIND_METRIC && cb_alert_metric_has_window (rule->metric))
    window = window_phrase (rule->window.kind);
  return join_parts (NULL, scope, window, hold);
}

/**
 * cb_alert_rule_describe:
 * @store: (nullable): for names
 *
 * Returns: (transfer full): the whole rule in words, "Longest wait above
 *   60 s · Sales, Support · after 10 s"
 */
char *
cb_alert_rule_describe (const CbAlertRule *rule,
                        CbStore           *store)
{
  g_autofree char *condition = NULL, *rest = NULL;

  g_return_val_if_fail (rule != NULL, NULL);

  condition = cb_alert_rule_describe_condition (rule, store);
  rest = describe_rest (rule, store);
  return join_parts (condition, rest, NULL, NULL);
}

static void
on_enabled_changed (CbAlertRuleRow *self,
                    GParamSpec     *pspec,
                    GtkSwitch      *button)
{
  if (self->syncing || self->rule_id == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "rules.set-enabled", "(sb)", self->rule_id,
                              gtk_switch_get_active (button));
}

static void
cb_alert_rule_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CB_TYPE_ALERT_RULE_ROW);

  G_OBJECT_CLASS (cb_alert_rule_row_parent_class)->dispose (object);
}

static void
cb_alert_rule_row_finalize (GObject *object)
{
  CbAlertRuleRow *self = CB_ALERT_RULE_ROW (object);

  g_clear_pointer (&self->rule_id, g_free);

  G_OBJECT_CLASS (cb_alert_rule_row_parent_class)->finalize (object);
}

static void
cb_alert_rule_row_class_init (CbAlertRuleRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cb_alert_rule_row_dispose;
  object_class->finalize = cb_alert_rule_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/cb-alert-rule-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleRow, severity_icon);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleRow, sound_icon);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleRow, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleRow, edit_button);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleRow, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, on_enabled_changed);
}

static void
cb_alert_rule_row_init (CbAlertRuleRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
cb_alert_rule_row_new (const CbAlertRule *rule,
                       CbStore           *store)
{
  CbAlertRuleRow *self;

  g_return_val_if_fail (rule != NULL, NULL);
  g_return_val_if_fail (store == NULL || CB_IS_STORE (store), NULL);

  self = g_object_new (CB_TYPE_ALERT_RULE_ROW, NULL);
  cb_alert_rule_row_set_rule (self, rule, store);
  return GTK_WIDGET (self);
}

/**
 * cb_alert_rule_row_set_rule:
 *
 * Shows @rule, which may be another version of the rule shown (its id
 * decides which rule the actions act on).
 */
void
cb_alert_rule_row_set_rule (CbAlertRuleRow    *self,
                            const CbAlertRule *rule,
                            CbStore           *store)
{
  gboolean critical;
  GVariant *target;

  g_return_if_fail (CB_IS_ALERT_RULE_ROW (self));
  g_return_if_fail (rule != NULL);

  g_free (self->rule_id);
  self->rule_id = g_strdup (rule->id);

  /* A named rule says its condition under the name; else the condition is
   * the title and the subtitle says the rest. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self), FALSE);
  if (rule->name != NULL && *rule->name != '\0')
    {
      g_autofree char *description = cb_alert_rule_describe (rule, store);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), rule->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self), description);
    }
  else
    {
      g_autofree char *condition = cb_alert_rule_describe_condition (rule, store);
      g_autofree char *rest = describe_rest (rule, store);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), condition);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self), rest);
    }

  critical = rule->severity == CB_ALERT_SEVERITY_CRITICAL;
  gtk_image_set_from_icon_name (self->severity_icon,
                                critical ? "dialog-error-symbolic" : "dialog-warning-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->severity_icon),
                               critical ? C_("alert severity", "Critical")
                                        : C_("alert severity", "Warning"));
  gtk_widget_remove_css_class (GTK_WIDGET (self->severity_icon), critical ? "warning" : "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->severity_icon), critical ? "error" : "warning");
  gtk_widget_set_visible (self->sound_icon, rule->sound);

  self->syncing = TRUE;
  gtk_switch_set_active (self->enabled_switch, rule->enabled);
  self->syncing = FALSE;

  target = g_variant_ref_sink (g_variant_new_string (rule->id));
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->edit_button), target);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->remove_button), target);
  g_variant_unref (target);
}

const char *
cb_alert_rule_row_get_rule_id (CbAlertRuleRow *self)
{
  g_return_val_if_fail (CB_IS_ALERT_RULE_ROW (self), NULL);
  return self->rule_id;
}
