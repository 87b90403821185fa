/* cb-alert-rule-editor.c — a dialog to add or edit an alert rule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What to watch (a KPI per queue, per campaign or on the floor, or how long
 * agents stay in a state, optionally paused for one reason), the
 * comparison and threshold in the KPI's unit, where (chosen queues,
 * campaigns, teams), the hold time, severity, sound and name. The KPIs
 * offered for a target and the thresholds' ranges are the engine's
 * (cb_alert_metric_applies_to (), cb_alert_rule_get_threshold_range ()).
 * What is wrong is said under the fields and Save stays disabled until the
 * rule is valid. Saving reads the `alert-rules` setting, replaces or
 * appends the rule, and writes it back with cb_alert_rules_to_json (): the
 * running engine reloads on the setting's change. Scope ids the store does
 * not know (offline, a queue deleted since) are listed and kept.
 */
#define G_LOG_DOMAIN "cb-alert-rule-editor"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "cb-alert-rule-editor.h"
#include "cb-alert-rule-row.h"

/* The states of the state row, in its order */
static const char * const agent_states[] = {
  "paused", "wrap_up", "on_hold", "on_call", "ringing", "available",
};

/* The windows of the window row, in its order */
static const CbMetricWindowKind windows[] = {
  CB_METRIC_WINDOW_LIVE, CB_METRIC_WINDOW_LAST_15, CB_METRIC_WINDOW_LAST_30,
  CB_METRIC_WINDOW_LAST_60, CB_METRIC_WINDOW_TODAY, CB_METRIC_WINDOW_RULE_PERIOD,
};

struct _CbAlertRuleEditor
{
  AdwWindow parent_instance;

  /* template widgets */
  AdwWindowTitle *window_title;
  GtkWidget      *save_button;
  AdwComboRow    *kind_row;
  AdwComboRow    *target_row;
  AdwComboRow    *metric_row;
  GtkStringList  *metric_list;
  AdwComboRow    *state_row;
  GtkStringList  *state_list;
  AdwComboRow    *reason_row;
  GtkStringList  *reason_list;
  AdwComboRow    *comparison_row;
  GtkStringList  *comparison_list;
  AdwEntryRow    *threshold_row;
  GtkLabel       *unit_label;
  AdwComboRow    *window_row;
  GtkLabel       *threshold_error;
  AdwExpanderRow *scope_row;
  GtkLabel       *scope_error;
  AdwEntryRow    *name_row;
  AdwComboRow    *severity_row;
  GtkSpinButton  *hold_spin;
  GtkSwitch      *sound_switch;
  GtkSwitch      *enabled_switch;

  /* owned references */
  GSettings      *settings;
  CbStore        *store;        /* NULL: no names, nothing to choose from */
  CbAlertRule    *original;     /* NULL when adding */
  GArray         *metric_ids;   /* CbMetricId of each metric_list item */
  GPtrArray      *state_ids;    /* char *, of each state_list item */
  GPtrArray      *reason_ids;   /* char * or NULL (any), of each reason_list item */
  GPtrArray      *scope_checks; /* GtkCheckButton in scope_row, with "cb-id" */
  GPtrArray      *scope_rows;   /* the rows of scope_row */
  GHashTable     *checked;      /* scope ids chosen */
  gboolean        syncing;
  gboolean        threshold_edited;
  gboolean        valid;
};

G_DEFINE_FINAL_TYPE (CbAlertRuleEditor, cb_alert_rule_editor, ADW_TYPE_WINDOW)

static void validate (CbAlertRuleEditor *self);

static CbAlertKind
selected_kind (CbAlertRuleEditor *self)
{
  return adw_combo_row_get_selected (self->kind_row) == 1 ? CB_ALERT_KIND_AGENT_STATE
                                                          : CB_ALERT_KIND_METRIC;
}

static CbAlertTarget
selected_target (CbAlertRuleEditor *self)
{
  guint i = adw_combo_row_get_selected (self->target_row);

  return i <= CB_ALERT_TARGET_ALL ? (CbAlertTarget) i : CB_ALERT_TARGET_QUEUE;
}

static CbMetricId
selected_metric (CbAlertRuleEditor *self)
{
  guint i = adw_combo_row_get_selected (self->metric_row);

  return i < self->metric_ids->len ? g_array_index (self->metric_ids, CbMetricId, i)
                                   : CB_METRIC_LONGEST_WAIT;
}

static const char *
selected_state (CbAlertRuleEditor *self)
{
  guint i = adw_combo_row_get_selected (self->state_row);

  return i < self->state_ids->len ? g_ptr_array_index (self->state_ids, i) : agent_states[0];
}

static const char *
unit_text (CbAlertKind kind,
           CbMetricId  metric)
{
  if (kind == CB_ALERT_KIND_AGENT_STATE)
    return C_("threshold unit", "min");
  switch (cb_metric_get_info (metric)->unit)
    {
    case CB_METRIC_UNIT_MS:
      return C_("threshold unit", "s");
    case CB_METRIC_UNIT_PERCENT:
      return C_("threshold unit", "%");
    case CB_METRIC_UNIT_PER_HOUR:
      return C_("threshold unit", "per hour");
    case CB_METRIC_UNIT_AGENTS:
      return C_("threshold unit", "agents");
    case CB_METRIC_UNIT_COUNT:
    case CB_METRIC_UNIT_SCORE:
    default:
      return "";
    }
}

static void
set_threshold_text (CbAlertRuleEditor *self,
                    double             value)
{
  g_autofree char *text = g_strdup_printf ("%g", value);

  self->syncing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->threshold_row), text);
  self->syncing = FALSE;
}

/* A number as the user's locale writes it ("2,5" in Estonian), or as C does. */
static gboolean
parse_threshold (const char *text,
                 double     *out)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  char *end = NULL;
  double value;

  if (*stripped == '\0')
    return FALSE;
  value = g_strtod (stripped, &end);
  if (end == NULL || *end != '\0' || !isfinite (value))
    return FALSE;
  *out = value;
  return TRUE;
}

static void
fill_comparisons (CbAlertRuleEditor *self)
{
  const char *metric_items[] = {
    C_("alert comparison", "Above"), C_("alert comparison", "At or above"),
    C_("alert comparison", "Below"), C_("alert comparison", "At or below"), NULL,
  };
  const char *agent_items[] = {
    C_("alert comparison", "Longer than"), C_("alert comparison", "At least"),
    C_("alert comparison", "Shorter than"), C_("alert comparison", "At most"), NULL,
  };
  guint selected = adw_combo_row_get_selected (self->comparison_row);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->comparison_list));

  self->syncing = TRUE;
  gtk_string_list_splice (self->comparison_list, 0, n,
                          selected_kind (self) == CB_ALERT_KIND_METRIC ? metric_items : agent_items);
  adw_combo_row_set_selected (self->comparison_row, selected < 4 ? selected : 0);
  self->syncing = FALSE;
}

/* The KPIs that go with the target, selecting @keep when it is one of
 * them; with @always, also when it is not (a rule written by hand). */
static void
fill_metrics (CbAlertRuleEditor *self,
              CbMetricId         keep,
              gboolean           always)
{
  CbAlertTarget target = selected_target (self);
  guint n_metrics = 0;
  const CbMetricInfo *catalog = cb_metric_get_catalog (&n_metrics);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->metric_list));
  guint selected = 0;

  self->syncing = TRUE;
  gtk_string_list_splice (self->metric_list, 0, n, NULL);
  g_array_set_size (self->metric_ids, 0);
  for (guint i = 0; i < n_metrics; i++)
    {
      if (!cb_alert_metric_applies_to (catalog[i].id, target) && !(always && catalog[i].id == keep))
        continue;
      if (catalog[i].id == keep)
        selected = self->metric_ids->len;
      g_array_append_val (self->metric_ids, catalog[i].id);
      gtk_string_list_append (self->metric_list, cb_metric_get_name (catalog[i].id));
    }
  adw_combo_row_set_selected (self->metric_row, selected);
  self->syncing = FALSE;
}

/* A new rule starts from the catalog's critical threshold of the KPI and
 * the comparison its direction calls for, until the user types one. */
static void
prefill (CbAlertRuleEditor *self)
{
  if (self->original != NULL || self->threshold_edited)
    return;

  self->syncing = TRUE;
  if (selected_kind (self) == CB_ALERT_KIND_AGENT_STATE)
    {
      adw_combo_row_set_selected (self->comparison_row, CB_ALERT_ABOVE);
      self->syncing = FALSE;
      set_threshold_text (self, 15);
      return;
    }
  else
    {
      const CbMetricInfo *info = cb_metric_get_info (selected_metric (self));
      double value = info->has_thresholds ? info->critical : 0;

      if (info->unit == CB_METRIC_UNIT_MS)
        value /= 1000.0;
      adw_combo_row_set_selected (self->comparison_row,
                                  info->direction == CB_METRIC_DIRECTION_HIGHER_IS_BETTER
                                  ? CB_ALERT_BELOW : CB_ALERT_ABOVE);
      adw_combo_row_set_selected (self->window_row, info->id == CB_METRIC_DROP_RATE
                                                    ? G_N_ELEMENTS (windows) - 1 : 4);
      self->syncing = FALSE;
      set_threshold_text (self, value);
    }
}

static void
on_scope_toggled (CbAlertRuleEditor *self,
                  GtkCheckButton    *check)
{
  const char *id = g_object_get_data (G_OBJECT (check), "cb-id");

  if (gtk_check_button_get_active (check))
    g_hash_table_add (self->checked, g_strdup (id));
  else
    g_hash_table_remove (self->checked, id);
  validate (self);
}

static void
add_scope_row (CbAlertRuleEditor *self,
               const char        *id,
               const char        *title,
               const char        *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), g_hash_table_contains (self->checked, id));
  g_object_set_data_full (G_OBJECT (check), "cb-id", g_strdup (id), g_free);
  g_signal_connect_object (check, "toggled", G_CALLBACK (on_scope_toggled), self, G_CONNECT_SWAPPED);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  adw_expander_row_add_row (self->scope_row, row);
  g_ptr_array_add (self->scope_rows, row);
  g_ptr_array_add (self->scope_checks, check);
}

/* A row per queue, campaign or team the rule can be limited to, and per
 * chosen id that is none of those: one the store does not know (offline, or
 * deleted since) or, in a rule written by hand, of another kind. They are
 * shown so that they are neither lost nor kept unseen. With @prune (the
 * user changed what the rule watches), chosen ids the store knows as
 * another kind of thing are dropped: queues mean nothing to a campaign rule. */
static void
fill_scope (CbAlertRuleEditor *self,
            gboolean           prune)
{
  static const char * const all_types[] = { "queue", "campaign", "team" };
  CbAlertKind kind = selected_kind (self);
  CbAlertTarget target = selected_target (self);
  const char *types[3] = { NULL, NULL, NULL };
  const char *type_labels[3] = { NULL, NULL, NULL };
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GList) chosen = NULL;

  for (guint i = 0; i < self->scope_rows->len; i++)
    adw_expander_row_remove (self->scope_row, g_ptr_array_index (self->scope_rows, i));
  g_ptr_array_set_size (self->scope_rows, 0);
  g_ptr_array_set_size (self->scope_checks, 0);

  if (kind == CB_ALERT_KIND_AGENT_STATE)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->scope_row),
                                     _("Only Agents of Some Teams, Queues or Campaigns"));
      types[0] = "team";
      types[1] = "queue";
      types[2] = "campaign";
      type_labels[0] = C_("alert scope", "Team");
      type_labels[1] = C_("alert scope", "Queue");
      type_labels[2] = C_("alert scope", "Campaign");
    }
  else if (target == CB_ALERT_TARGET_CAMPAIGN)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->scope_row), _("Only Some Campaigns"));
      types[0] = "campaign";
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->scope_row),
                                     target == CB_ALERT_TARGET_ALL
                                     ? _("Only the Total of Some Queues") : _("Only Some Queues"));
      types[0] = "queue";
    }

  for (guint t = 0; t < G_N_ELEMENTS (types) && self->store != NULL; t++)
    {
      GListModel *model;
      guint n;

      if (types[t] == NULL)
        continue;
      model = G_LIST_MODEL (cb_store_get_model (self->store, types[t]));
      n = g_list_model_get_n_items (model);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(CbEntity) entity = g_list_model_get_item (model, i);
          const char *id = cb_entity_get_id (entity);
          const char *name = cb_entity_get_string (entity, "name");

          if (!g_hash_table_add (listed, (gpointer) id))
            continue;
          add_scope_row (self, id, name != NULL && *name != '\0' ? name : id, type_labels[t]);
        }
    }

  chosen = g_hash_table_get_keys (self->checked);
  chosen = g_list_sort (chosen, (GCompareFunc) g_strcmp0);
  for (GList *l = chosen; l != NULL; l = l->next)
    {
      const char *id = l->data;
      CbEntity *other = NULL;

      if (g_hash_table_contains (listed, id))
        continue;
      for (guint t = 0; self->store != NULL && other == NULL && t < G_N_ELEMENTS (all_types); t++)
        other = cb_entity_model_lookup (cb_store_get_model (self->store, all_types[t]), id);
      if (other != NULL && prune)
        g_hash_table_remove (self->checked, id);
      else if (other != NULL)
        {
          const char *name = cb_entity_get_string (other, "name");

          add_scope_row (self, id, name != NULL && *name != '\0' ? name : id,
                         _("Not something this rule watches"));
        }
      else
        add_scope_row (self, id, id, _("Not in the current data"));
    }
}

static void
update_visibility (CbAlertRuleEditor *self)
{
  gboolean metric = selected_kind (self) == CB_ALERT_KIND_METRIC;
  CbMetricId id = selected_metric (self);
  const char *unit = unit_text (selected_kind (self), id);

  gtk_widget_set_visible (GTK_WIDGET (self->target_row), metric);
  gtk_widget_set_visible (GTK_WIDGET (self->metric_row), metric);
  gtk_widget_set_visible (GTK_WIDGET (self->window_row), metric && cb_alert_metric_has_window (id));
  gtk_widget_set_visible (GTK_WIDGET (self->state_row), !metric);
  gtk_widget_set_visible (GTK_WIDGET (self->reason_row),
                          !metric && g_strcmp0 (selected_state (self), "paused") == 0);
  gtk_label_set_label (self->unit_label, unit);
  gtk_widget_set_visible (GTK_WIDGET (self->unit_label), *unit != '\0');
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->threshold_row),
                                 metric ? _("Threshold") : _("Duration"));
}

/* The rule the fields say, whether valid or not. */
static CbAlertRule *
read_rule (CbAlertRuleEditor *self)
{
  CbAlertRule *rule = self->original != NULL ? cb_alert_rule_copy (self->original) : cb_alert_rule_new ();
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  g_autoptr(GStrvBuilder) scope = g_strv_builder_new ();
  gboolean any = FALSE;
  guint reason;
  double threshold = 0;

  rule->kind = selected_kind (self);
  g_clear_pointer (&rule->agent_state, g_free);
  g_clear_pointer (&rule->reason, g_free);
  if (rule->kind == CB_ALERT_KIND_METRIC)
    {
      guint w = adw_combo_row_get_selected (self->window_row);

      rule->metric = selected_metric (self);
      rule->target = selected_target (self);
      rule->window.kind = cb_alert_metric_has_window (rule->metric) && w < G_N_ELEMENTS (windows)
                          ? windows[w] : CB_METRIC_WINDOW_TODAY;
    }
  else
    {
      rule->agent_state = g_strdup (selected_state (self));
      reason = adw_combo_row_get_selected (self->reason_row);
      if (g_strcmp0 (rule->agent_state, "paused") == 0 && reason < self->reason_ids->len)
        rule->reason = g_strdup (g_ptr_array_index (self->reason_ids, reason));
    }

  rule->comparison = MIN (adw_combo_row_get_selected (self->comparison_row), CB_ALERT_AT_MOST);
  if (parse_threshold (gtk_editable_get_text (GTK_EDITABLE (self->threshold_row)), &threshold))
    rule->threshold = threshold;
  else
    rule->threshold = NAN;
  rule->hold_s = (guint) gtk_spin_button_get_value_as_int (self->hold_spin);
  rule->severity = adw_combo_row_get_selected (self->severity_row) == 1 ? CB_ALERT_SEVERITY_CRITICAL
                                                                        : CB_ALERT_SEVERITY_WARNING;
  rule->sound = gtk_switch_get_active (self->sound_switch);
  rule->enabled = gtk_switch_get_active (self->enabled_switch);

  g_clear_pointer (&rule->name, g_free);
  if (*name != '\0')
    rule->name = g_steal_pointer (&name);

  g_clear_pointer (&rule->scope_ids, g_strfreev);
  if (adw_expander_row_get_enable_expansion (self->scope_row))
    for (guint i = 0; i < self->scope_checks->len; i++)
      {
        GtkCheckButton *check = g_ptr_array_index (self->scope_checks, i);

        if (gtk_check_button_get_active (check))
          {
            g_strv_builder_add (scope, g_object_get_data (G_OBJECT (check), "cb-id"));
            any = TRUE;
          }
      }
  if (any)
    rule->scope_ids = g_strv_builder_end (scope);
  return rule;
}

static void
show_error (GtkLabel   *label,
            GtkWidget  *row,
            const char *message)
{
  gtk_label_set_label (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
}

static void
validate (CbAlertRuleEditor *self)
{
  g_autoptr(CbAlertRule) rule = read_rule (self);
  g_autofree char *threshold_message = NULL;
  const char *scope_message = NULL;
  double min, max;

  cb_alert_rule_get_threshold_range (rule, &min, &max);
  if (!isfinite (rule->threshold) || rule->threshold < min || rule->threshold > max)
    {
      g_autofree char *low = cb_alert_rule_format_threshold (rule, min);
      g_autofree char *high = cb_alert_rule_format_threshold (rule, max);

      if (rule->kind == CB_ALERT_KIND_AGENT_STATE)
        /* Translators: under the duration of an alert rule; %1$s and %2$s are "0 min", "1440 min" */
        threshold_message = g_strdup_printf (_("Enter a number of minutes from %1$s to %2$s."), low, high);
      else
        /* Translators: under the threshold of an alert rule; %1$s and %2$s are "0 %", "100 %" */
        threshold_message = g_strdup_printf (_("Enter a number from %1$s to %2$s."), low, high);
    }

  if (adw_expander_row_get_enable_expansion (self->scope_row) && rule->scope_ids == NULL)
    {
      if (rule->kind == CB_ALERT_KIND_AGENT_STATE)
        scope_message = _("Choose at least one team, queue or campaign, or watch all agents.");
      else if (rule->target == CB_ALERT_TARGET_CAMPAIGN)
        scope_message = _("Choose at least one campaign, or watch them all.");
      else
        scope_message = _("Choose at least one queue, or watch them all.");
    }

  show_error (self->threshold_error, GTK_WIDGET (self->threshold_row), threshold_message);
  show_error (self->scope_error, GTK_WIDGET (self->scope_row), scope_message);

  self->valid = threshold_message == NULL && scope_message == NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rule.save", self->valid);
}

static void
on_kind_changed (CbAlertRuleEditor *self)
{
  if (self->syncing)
    return;
  fill_comparisons (self);
  fill_scope (self, TRUE);
  update_visibility (self);
  prefill (self);
  validate (self);
}

static void
on_target_changed (CbAlertRuleEditor *self)
{
  if (self->syncing)
    return;
  fill_metrics (self, selected_metric (self), FALSE);
  fill_scope (self, TRUE);
  update_visibility (self);
  prefill (self);
  validate (self);
}

static void
on_metric_changed (CbAlertRuleEditor *self)
{
  if (self->syncing)
    return;
  update_visibility (self);
  prefill (self);
  validate (self);
}

static void
on_state_changed (CbAlertRuleEditor *self)
{
  if (self->syncing)
    return;
  update_visibility (self);
  validate (self);
}

static void
on_threshold_changed (CbAlertRuleEditor *self)
{
  if (self->syncing)
    return;
  self->threshold_edited = TRUE;
  validate (self);
}

static void
on_changed (CbAlertRuleEditor *self)
{
  if (self->syncing)
    return;
  validate (self);
}

static char *
base_id (const CbAlertRule *rule)
{
  g_autofree char *state = NULL;

  if (rule->kind == CB_ALERT_KIND_METRIC)
    return g_strdup (cb_metric_get_info (rule->metric)->key);
  state = g_strdelimit (g_strdup (rule->agent_state), "_", '-');
  return g_strconcat ("agent-", state, NULL);
}

/* Replaces the rule in the setting (or appends it), with the one serializer. */
static void
rule_save (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  CbAlertRuleEditor *self = CB_ALERT_RULE_EDITOR (widget);
  g_autoptr(CbAlertRule) rule = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GPtrArray) check = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *current = g_settings_get_string (self->settings, "alert-rules");
  g_autofree char *json = NULL;
  int index = -1;

  validate (self);
  if (!self->valid)
    return;
  rule = read_rule (self);

  if (*current != '\0')
    rules = cb_alert_rules_from_json (current, &error);
  if (rules == NULL)
    {
      if (error != NULL)
        g_message ("Replacing alert rules that did not parse: %s", error->message);
      g_clear_error (&error);
      rules = cb_alert_rules_from_json (cb_alert_rules_get_default_json (), NULL);
    }

  if (self->original != NULL)
    index = cb_alert_rules_find (rules, self->original->id);
  if (index >= 0)
    {
      cb_alert_rule_free (g_ptr_array_index (rules, index));
      g_ptr_array_index (rules, index) = g_steal_pointer (&rule);
    }
  else
    {
      /* New, or deleted meanwhile: kept, under an id of its own. */
      if (rule->id == NULL || cb_alert_rules_find (rules, rule->id) >= 0)
        {
          g_autofree char *base = base_id (rule);

          g_free (rule->id);
          rule->id = cb_alert_rules_make_id (rules, base);
        }
      g_ptr_array_add (rules, g_steal_pointer (&rule));
    }

  json = cb_alert_rules_to_json (rules);
  check = cb_alert_rules_from_json (json, &error);
  if (check == NULL)
    {
      /* Not expected: the fields were validated. Say so, keep the dialog. */
      show_error (self->threshold_error, GTK_WIDGET (self->threshold_row), error->message);
      return;
    }
  g_settings_set_string (self->settings, "alert-rules", json);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
load (CbAlertRuleEditor *self)
{
  const CbAlertRule *rule = self->original;
  g_autoptr(CbAlertRule) fresh = NULL;
  guint state = 0, reason = 0, window = 4;

  if (rule == NULL)
    rule = fresh = cb_alert_rule_new ();

  /* Pause reasons of the catalog, and the rule's if the catalog lacks it */
  g_ptr_array_add (self->reason_ids, NULL);
  gtk_string_list_append (self->reason_list, _("Any reason"));
  if (self->store != NULL)
    {
      GListModel *model = G_LIST_MODEL (cb_store_get_model (self->store, "pause_reason"));

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(CbEntity) entity = g_list_model_get_item (model, i);
          const char *name = cb_entity_get_string (entity, "label");

          if (g_strcmp0 (cb_entity_get_id (entity), rule->reason) == 0)
            reason = self->reason_ids->len;
          g_ptr_array_add (self->reason_ids, g_strdup (cb_entity_get_id (entity)));
          gtk_string_list_append (self->reason_list,
                                  name != NULL && *name != '\0' ? name : cb_entity_get_id (entity));
        }
    }
  if (rule->reason != NULL && reason == 0)
    {
      reason = self->reason_ids->len;
      g_ptr_array_add (self->reason_ids, g_strdup (rule->reason));
      gtk_string_list_append (self->reason_list, rule->reason);
    }

  for (guint i = 0; i < G_N_ELEMENTS (agent_states); i++)
    g_ptr_array_add (self->state_ids, g_strdup (agent_states[i]));
  if (rule->agent_state != NULL)
    {
      for (state = 0; state < self->state_ids->len; state++)
        if (g_strcmp0 (g_ptr_array_index (self->state_ids, state), rule->agent_state) == 0)
          break;
      if (state == self->state_ids->len)
        {
          /* A state of the backend's we have no words for: as it is */
          g_ptr_array_add (self->state_ids, g_strdup (rule->agent_state));
          gtk_string_list_append (self->state_list, rule->agent_state);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (windows); i++)
    if (windows[i] == rule->window.kind)
      window = i;

  for (guint i = 0; rule->scope_ids != NULL && rule->scope_ids[i] != NULL; i++)
    g_hash_table_add (self->checked, g_strdup (rule->scope_ids[i]));

  self->syncing = TRUE;
  adw_combo_row_set_selected (self->kind_row, rule->kind == CB_ALERT_KIND_AGENT_STATE ? 1 : 0);
  adw_combo_row_set_selected (self->target_row, rule->target);
  adw_combo_row_set_selected (self->state_row, state);
  adw_combo_row_set_selected (self->reason_row, reason);
  adw_combo_row_set_selected (self->window_row, window);
  adw_combo_row_set_selected (self->severity_row, rule->severity == CB_ALERT_SEVERITY_CRITICAL);
  gtk_spin_button_set_value (self->hold_spin, rule->hold_s);
  gtk_switch_set_active (self->sound_switch, rule->sound);
  gtk_switch_set_active (self->enabled_switch, rule->enabled);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), rule->name != NULL ? rule->name : "");
  adw_expander_row_set_enable_expansion (self->scope_row, g_hash_table_size (self->checked) > 0);
  self->syncing = FALSE;

  fill_comparisons (self);
  self->syncing = TRUE;
  adw_combo_row_set_selected (self->comparison_row, rule->comparison);
  self->syncing = FALSE;
  fill_metrics (self, rule->metric, TRUE);
  fill_scope (self, FALSE);
  update_visibility (self);
  if (self->original != NULL)
    set_threshold_text (self, rule->threshold);
  else
    prefill (self);
  validate (self);

  adw_window_title_set_title (self->window_title, self->original != NULL ? _("Edit Alert Rule")
                                                                         : _("New Alert Rule"));
}

static void
cb_alert_rule_editor_dispose (GObject *object)
{
  CbAlertRuleEditor *self = CB_ALERT_RULE_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_ALERT_RULE_EDITOR);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (cb_alert_rule_editor_parent_class)->dispose (object);
}

static void
cb_alert_rule_editor_finalize (GObject *object)
{
  CbAlertRuleEditor *self = CB_ALERT_RULE_EDITOR (object);

  g_clear_pointer (&self->original, cb_alert_rule_free);
  g_clear_pointer (&self->metric_ids, g_array_unref);
  g_clear_pointer (&self->state_ids, g_ptr_array_unref);
  g_clear_pointer (&self->reason_ids, g_ptr_array_unref);
  g_clear_pointer (&self->scope_checks, g_ptr_array_unref);
  g_clear_pointer (&self->scope_rows, g_ptr_array_unref);
  g_clear_pointer (&self->checked, g_hash_table_unref);

  G_OBJECT_CLASS (cb_alert_rule_editor_parent_class)->finalize (object);
}

static void
cb_alert_rule_editor_class_init (CbAlertRuleEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cb_alert_rule_editor_dispose;
  object_class->finalize = cb_alert_rule_editor_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/cb-alert-rule-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, kind_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, target_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, metric_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, metric_list);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, state_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, state_list);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, reason_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, reason_list);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, comparison_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, comparison_list);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, threshold_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, unit_label);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, window_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, threshold_error);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, scope_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, scope_error);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, severity_row);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, hold_spin);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, sound_switch);
  gtk_widget_class_bind_template_child (widget_class, CbAlertRuleEditor, enabled_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_target_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_metric_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_state_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_threshold_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);

  gtk_widget_class_install_action (widget_class, "rule.save", NULL, rule_save);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cb_alert_rule_editor_init (CbAlertRuleEditor *self)
{
  self->metric_ids = g_array_new (FALSE, FALSE, sizeof (CbMetricId));
  self->state_ids = g_ptr_array_new_with_free_func (g_free);
  self->reason_ids = g_ptr_array_new_with_free_func (g_free);
  self->scope_checks = g_ptr_array_new ();
  self->scope_rows = g_ptr_array_new ();
  self->checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->syncing = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->syncing = FALSE;
}

/**
 * cb_alert_rule_editor_new:
 * @settings: where `alert-rules` is kept
 * @store: (nullable): the queues, campaigns, teams and pause reasons to
 *   choose from
 * @rule: (nullable): the rule to edit; NULL adds one
 */
CbAlertRuleEditor *
cb_alert_rule_editor_new (GSettings         *settings,
                          CbStore           *store,
                          const CbAlertRule *rule)
{
  CbAlertRuleEditor *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (store == NULL || CB_IS_STORE (store), NULL);

  self = g_object_new (CB_TYPE_ALERT_RULE_EDITOR, NULL);
  self->settings = g_object_ref (settings);
  self->store = store != NULL ? g_object_ref (store) : NULL;
  self->original = rule != NULL ? cb_alert_rule_copy (rule) : NULL;
  load (self);
  return self;
}

gboolean
cb_alert_rule_editor_is_valid (CbAlertRuleEditor *self)
{
  g_return_val_if_fail (CB_IS_ALERT_RULE_EDITOR (self), FALSE);
  return self->valid;
}

/**
 * cb_alert_rule_editor_dup_rule:
 *
 * Returns: (transfer full): the rule as the fields say, valid or not (an
 *   unreadable threshold is NAN)
 */
CbAlertRule *
cb_alert_rule_editor_dup_rule (CbAlertRuleEditor *self)
{
  g_return_val_if_fail (CB_IS_ALERT_RULE_EDITOR (self), NULL);
  return read_rule (self);
}
