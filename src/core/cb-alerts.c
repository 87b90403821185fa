/* cb-alerts.c — alert rules, their instances per subject, and the history
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * See cb-alerts.h. An alert is keyed "rule-id/subject-id" ("rule-id/-" for
 * the floor). It is pending while its condition has held for less than the
 * rule's hold time, active once raised, and clearing while the condition
 * has been false for less than the hold time; a pending alert that goes
 * false is forgotten without a trace. Snoozes live beside the alerts, by
 * key, so a snoozed alert that clears and raises again stays quiet.
 */
#define G_LOG_DOMAIN "Callboard"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cb-alerts.h"
#include "cb-entity.h"

enum
{
  RAISED,
  CLEARED,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum
{
  ALERT_PENDING,
  ALERT_ACTIVE,
} AlertState;

struct _CbAlert
{
  gatomicrefcount  ref_count;
  char            *id;
  CbAlertRule     *rule;           /* a copy: rules may be replaced under it */
  char            *subject_id;
  char            *subject_name;
  AlertState       state;
  double           value;
  gint64           true_since_ms;  /* the condition started holding */
  gint64           false_since_ms; /* 0: the condition holds */
  gint64           raised_ms;
  gboolean         acknowledged;
  gint64           snoozed_until_ms;
  gboolean         seen;           /* evaluated this round */
};

struct _CbAlertEngine
{
  GObject     parent_instance;

  /* owned references */
  GPtrArray  *rules;               /* CbAlertRule */
  GHashTable *alerts;              /* id → CbAlert */
  GHashTable *snoozes;             /* id → gint64 * (until) */
  GQueue     *history;             /* CbAlertEvent, newest first */
};

G_DEFINE_FINAL_TYPE (CbAlertEngine, cb_alert_engine, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (CbAlert, cb_alert, cb_alert_ref, cb_alert_unref)
G_DEFINE_QUARK (cb-alert-error-quark, cb_alert_error)

/* The four examples of the wallboard issue. */
static const char default_rules_json[] =
  "{\"version\":1,\"rules\":["
  "{\"id\":\"longest-wait\",\"kind\":\"metric\",\"metric\":\"longest-wait\",\"target\":\"queue\","
  "\"comparison\":\">\",\"threshold\":60,\"severity\":\"critical\",\"sound\":true},"
  "{\"id\":\"service-level\",\"kind\":\"metric\",\"metric\":\"service-level\",\"target\":\"queue\","
  "\"window\":\"today\",\"comparison\":\"<\",\"threshold\":80,\"severity\":\"warning\"},"
  "{\"id\":\"drop-rate\",\"kind\":\"metric\",\"metric\":\"drop-rate\",\"target\":\"campaign\","
  "\"window\":\"rule-period\",\"comparison\":\">\",\"threshold\":2.5,\"severity\":\"critical\","
  "\"sound\":true},"
  "{\"id\":\"agent-paused\",\"kind\":\"agent-state\",\"state\":\"paused\",\"comparison\":\">\","
  "\"threshold\":15,\"severity\":\"warning\"}"
  "]}";

static const char * const kind_names[] = { "metric", "agent-state" };
static const char * const target_names[] = { "queue", "campaign", "all" };
static const char * const comparison_names[] = { ">", ">=", "<", "<=" };
static const char * const severity_names[] = { "warning", "critical" };
static const char * const window_names[] = {
  "live", "last-15", "last-30", "last-60", "today", "custom", "rule-period",
};

static int
name_index (const char * const *names,
            guint               n_names,
            const char         *name)
{
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return (int) i;
  return -1;
}

static void
alert_event_free (CbAlertEvent *event)
{
  g_free (event->alert_id);
  g_free (event->rule_id);
  g_free (event->subject_id);
  g_free (event->subject_name);
  g_free (event);
}

static void
add_history (CbAlertEngine    *self,
             CbAlertEventKind  kind,
             CbAlert          *alert,
             gint64            now_ms)
{
  CbAlertEvent *event = g_new0 (CbAlertEvent, 1);

  event->kind = kind;
  event->time_ms = now_ms;
  event->alert_id = g_strdup (alert->id);
  event->rule_id = g_strdup (alert->rule->id);
  event->subject_id = g_strdup (alert->subject_id);
  event->subject_name = g_strdup (alert->subject_name);
  event->severity = alert->rule->severity;
  event->value = alert->value;
  g_queue_push_head (self->history, event);
  while (self->history->length > CB_ALERT_HISTORY_MAX)
    alert_event_free (g_queue_pop_tail (self->history));
}

static gboolean
compare (CbAlertComparison comparison,
         double            value,
         double            threshold)
{
  switch (comparison)
    {
    case CB_ALERT_ABOVE:
      return value > threshold;
    case CB_ALERT_AT_LEAST:
      return value >= threshold;
    case CB_ALERT_BELOW:
      return value < threshold;
    case CB_ALERT_AT_MOST:
      return value <= threshold;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
in_scope (const CbAlertRule *rule,
          const char        *id)
{
  return rule->scope_ids == NULL || rule->scope_ids[0] == NULL
         || g_strv_contains ((const char * const *) rule->scope_ids, id);
}

static CbAlert *
alert_new (const CbAlertRule *rule,
           const char        *key,
           const char        *subject_id,
           const char        *subject_name)
{
  CbAlert *alert = g_new0 (CbAlert, 1);

  g_atomic_ref_count_init (&alert->ref_count);
  alert->id = g_strdup (key);
  alert->rule = cb_alert_rule_copy (rule);
  alert->subject_id = g_strdup (subject_id);
  alert->subject_name = g_strdup (subject_name);
  alert->state = ALERT_PENDING;
  return alert;
}

static gint64
snoozed_until (CbAlertEngine *self,
               const char    *key)
{
  gint64 *until = g_hash_table_lookup (self->snoozes, key);

  return until != NULL ? *until : 0;
}

/* One subject's condition at now: moves its alert through the states. */
static void
observe (CbAlertEngine     *self,
         const CbAlertRule *rule,
         const char        *subject_id,
         const char        *subject_name,
         gboolean           condition,
         double             value,
         gint64             now_ms)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", rule->id, subject_id != NULL ? subject_id : "-");
  CbAlert *alert = g_hash_table_lookup (self->alerts, key);
  gint64 hold_ms = (gint64) rule->hold_s * 1000;

  if (alert == NULL)
    {
      if (!condition)
        return;
      alert = alert_new (rule, key, subject_id, subject_name);
      alert->true_since_ms = now_ms;
      g_hash_table_insert (self->alerts, alert->id, alert);
    }

  alert->seen = TRUE;
  if (subject_name != NULL && g_strcmp0 (alert->subject_name, subject_name) != 0)
    {
      g_free (alert->subject_name);
      alert->subject_name = g_strdup (subject_name);
    }

  if (alert->state == ALERT_PENDING)
    {
      if (!condition)
        {
          g_hash_table_remove (self->alerts, key);
          return;
        }
      alert->value = value;
      if (now_ms - alert->true_since_ms >= hold_ms)
        {
          alert->state = ALERT_ACTIVE;
          alert->raised_ms = now_ms;
          alert->acknowledged = FALSE;
          alert->false_since_ms = 0;
          alert->snoozed_until_ms = snoozed_until (self, key);
          add_history (self, CB_ALERT_EVENT_RAISED, alert, now_ms);
          g_signal_emit (self, signals[RAISED], 0, alert, cb_alert_is_silenced (alert, now_ms));
          g_signal_emit (self, signals[CHANGED], 0);
        }
      return;
    }

  /* Active */
  if (condition)
    {
      alert->value = value;
      alert->false_since_ms = 0;
      return;
    }
  if (alert->false_since_ms == 0)
    alert->false_since_ms = now_ms;
  if (now_ms - alert->false_since_ms >= hold_ms)
    {
      g_autoptr(CbAlert) ref = cb_alert_ref (alert);

      alert->state = ALERT_PENDING;
      g_hash_table_remove (self->alerts, key);
      add_history (self, CB_ALERT_EVENT_CLEARED, ref, now_ms);
      g_signal_emit (self, signals[CLEARED], 0, ref);
      g_signal_emit (self, signals[CHANGED], 0);
    }
}

static const char *
entity_name (CbEntity *entity)
{
  const char *name = cb_entity_get_string (entity, "name");

  return name != NULL ? name : cb_entity_get_id (entity);
}

static void
evaluate_metric_rule (CbAlertEngine       *self,
                      const CbAlertRule   *rule,
                      const CbAlertInputs *inputs,
                      gint64               now_ms)
{
  CbMetricParams params = CB_METRIC_PARAMS_INIT;
  const CbMetricInfo *info = cb_metric_get_info (rule->metric);
  double scale = info->unit == CB_METRIC_UNIT_MS ? 1000.0 : 1.0;
  GListModel *subjects = NULL;
  guint n;

  if (inputs->metrics == NULL)
    return;

  if (rule->target == CB_ALERT_TARGET_QUEUE)
    subjects = inputs->queues;
  else if (rule->target == CB_ALERT_TARGET_CAMPAIGN)
    subjects = inputs->campaigns;

  if (rule->target == CB_ALERT_TARGET_ALL)
    {
      CbMetricValue v = { 0, };
      const char * const *ids = (const char * const *) rule->scope_ids;
      CbMetricScope scope = { NULL, NULL, NULL };
      gboolean condition;

      if (ids != NULL && ids[0] != NULL)
        scope.queue_ids = ids;
      cb_metrics_compute (inputs->metrics, rule->metric, &scope, &rule->window, &params, now_ms, &v);
      condition = v.has_value && compare (rule->comparison, v.value / scale, rule->threshold);
      observe (self, rule, NULL, NULL, condition, v.value / scale, now_ms);
      return;
    }

  if (subjects == NULL)
    return;

  n = g_list_model_get_n_items (subjects);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CbEntity) entity = g_list_model_get_item (subjects, i);
      const char *id = cb_entity_get_id (entity);
      const char *ids[2] = { id, NULL };
      CbMetricScope scope = { NULL, NULL, NULL };
      CbMetricValue v = { 0, };
      gboolean condition;

      if (!in_scope (rule, id))
        continue;
      if (rule->target == CB_ALERT_TARGET_QUEUE)
        scope.queue_ids = ids;
      else
        scope.campaign_ids = ids;
      cb_metrics_compute (inputs->metrics, rule->metric, &scope, &rule->window, &params, now_ms, &v);
      condition = v.has_value && compare (rule->comparison, v.value / scale, rule->threshold);
      observe (self, rule, id, entity_name (entity), condition, v.value / scale, now_ms);
    }
}

static gboolean
agent_in_scope (const CbAlertRule *rule,
                CbEntity          *agent)
{
  if (rule->scope_ids == NULL || rule->scope_ids[0] == NULL)
    return TRUE;
  for (guint i = 0; rule->scope_ids[i] != NULL; i++)
    if (cb_entity_has_in_array (agent, "queue_ids", rule->scope_ids[i])
        || cb_entity_has_in_array (agent, "team_ids", rule->scope_ids[i])
        || g_strcmp0 (cb_entity_get_string (agent, "campaign_id"), rule->scope_ids[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
evaluate_agent_rule (CbAlertEngine       *self,
                     const CbAlertRule   *rule,
                     const CbAlertInputs *inputs,
                     gint64               now_ms)
{
  guint n;

  if (inputs->agents == NULL)
    return;

  n = g_list_model_get_n_items (inputs->agents);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CbEntity) agent = g_list_model_get_item (inputs->agents, i);
      const char *id = cb_entity_get_id (agent);
      const char *state = cb_entity_get_string (agent, "state");
      gint64 since = cb_entity_get_int (agent, "state_since", 0);
      double minutes = 0;
      gboolean condition = FALSE;

      if (g_strcmp0 (state, rule->agent_state) == 0 && since > 0 && agent_in_scope (rule, agent)
          && (rule->reason == NULL
              || g_strcmp0 (cb_entity_get_string (agent, "pause_reason"), rule->reason) == 0))
        {
          minutes = (double) MAX (now_ms - since, 0) / 60000.0;
          condition = compare (rule->comparison, minutes, rule->threshold);
        }
      /* Agents that match no longer are observed too, so their alerts clear. */
      observe (self, rule, id, entity_name (agent), condition, minutes, now_ms);
    }
}

static void
cb_alert_engine_finalize (GObject *object)
{
  CbAlertEngine *self = CB_ALERT_ENGINE (object);

  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_clear_pointer (&self->alerts, g_hash_table_unref);
  g_clear_pointer (&self->snoozes, g_hash_table_unref);
  g_queue_free_full (g_steal_pointer (&self->history), (GDestroyNotify) alert_event_free);

  G_OBJECT_CLASS (cb_alert_engine_parent_class)->finalize (object);
}

static void
cb_alert_engine_class_init (CbAlertEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cb_alert_engine_finalize;

  /**
   * CbAlertEngine::raised:
   * @alert: the alert
   * @silenced: TRUE when it is snoozed: list it, do not announce it
   *
   * An alert's condition held for its hold time. Also emitted, unsilenced,
   * when a snooze ends on an active alert not acknowledged: announce it
   * again.
   */
  signals[RAISED] = g_signal_new ("raised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                  CB_TYPE_ALERT | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_BOOLEAN);
  /**
   * CbAlertEngine::cleared:
   * @alert: the alert, no longer listed
   */
  signals[CLEARED] = g_signal_new ("cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                   CB_TYPE_ALERT | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * CbAlertEngine::changed:
   *
   * The active alerts, their acknowledgements or snoozes, or the history
   * changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cb_alert_engine_init (CbAlertEngine *self)
{
  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_alert_rule_free);
  self->alerts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) cb_alert_unref);
  self->snoozes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->history = g_queue_new ();
}

/* Rules */

CbAlertRule *
cb_alert_rule_new (void)
{
  CbAlertRule *rule = g_new0 (CbAlertRule, 1);

  rule->kind = CB_ALERT_KIND_METRIC;
  rule->metric = CB_METRIC_LONGEST_WAIT;
  rule->target = CB_ALERT_TARGET_QUEUE;
  rule->window.kind = CB_METRIC_WINDOW_TODAY;
  rule->comparison = CB_ALERT_ABOVE;
  rule->hold_s = 5;
  rule->severity = CB_ALERT_SEVERITY_WARNING;
  rule->enabled = TRUE;
  return rule;
}

CbAlertRule *
cb_alert_rule_copy (const CbAlertRule *rule)
{
  CbAlertRule *copy;

  g_return_val_if_fail (rule != NULL, NULL);

  copy = g_memdup2 (rule, sizeof *rule);
  copy->id = g_strdup (rule->id);
  copy->name = g_strdup (rule->name);
  copy->agent_state = g_strdup (rule->agent_state);
  copy->scope_ids = g_strdupv (rule->scope_ids);
  copy->reason = g_strdup (rule->reason);
  return copy;
}

void
cb_alert_rule_free (CbAlertRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->id);
  g_free (rule->name);
  g_free (rule->agent_state);
  g_strfreev (rule->scope_ids);
  g_free (rule->reason);
  g_free (rule);
}

static gboolean
invalid (GError    **error,
         guint       index,
         const char *what)
{
  g_set_error (error, CB_ALERT_ERROR, CB_ALERT_ERROR_INVALID, "Alert rule %u: %s", index + 1, what);
  return FALSE;
}

static const char *
get_string (JsonObject *o,
            const char *member)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
parse_rule (JsonNode     *node,
            guint         index,
            CbAlertRule **out,
            GError      **error)
{
  g_autoptr(CbAlertRule) rule = cb_alert_rule_new ();
  JsonObject *o;
  JsonNode *member;
  const char *s;
  int i;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, index, "not an object");
  o = json_node_get_object (node);

  s = get_string (o, "id");
  if (s == NULL || *s == '\0')
    return invalid (error, index, "no id");
  rule->id = g_strdup (s);
  rule->name = g_strdup (get_string (o, "name"));

  i = name_index (kind_names, G_N_ELEMENTS (kind_names), get_string (o, "kind"));
  if (i < 0)
    return invalid (error, index, "unknown kind");
  rule->kind = i;

  if (rule->kind == CB_ALERT_KIND_METRIC)
    {
      guint n_metrics = 0;
      const CbMetricInfo *catalog = cb_metric_get_catalog (&n_metrics);

      s = get_string (o, "metric");
      rule->metric = CB_METRIC_N_METRICS;
      for (guint m = 0; s != NULL && m < n_metrics; m++)
        if (g_strcmp0 (catalog[m].key, s) == 0)
          rule->metric = catalog[m].id;
      if (rule->metric == CB_METRIC_N_METRICS)
        return invalid (error, index, "unknown metric");

      s = get_string (o, "target");
      i = s != NULL ? name_index (target_names, G_N_ELEMENTS (target_names), s) : 0;
      if (i < 0)
        return invalid (error, index, "unknown target");
      rule->target = i;

      s = get_string (o, "window");
      if (s == NULL)
        rule->window.kind = rule->metric == CB_METRIC_DROP_RATE ? CB_METRIC_WINDOW_RULE_PERIOD
                                                                 : CB_METRIC_WINDOW_TODAY;
      else if ((i = name_index (window_names, G_N_ELEMENTS (window_names), s)) < 0
               || i == CB_METRIC_WINDOW_CUSTOM)
        return invalid (error, index, "unknown window");
      else
        rule->window.kind = i;
    }
  else
    {
      s = get_string (o, "state");
      if (s == NULL || *s == '\0')
        return invalid (error, index, "no agent state");
      rule->agent_state = g_strdup (s);

      member = json_object_get_member (o, "reason");
      if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
        {
          s = get_string (o, "reason");
          if (s == NULL || *s == '\0')
            return invalid (error, index, "reason not a string");
          if (g_strcmp0 (rule->agent_state, "paused") != 0)
            return invalid (error, index, "a reason without the paused state");
          rule->reason = g_strdup (s);
        }
    }

  s = get_string (o, "comparison");
  i = s != NULL ? name_index (comparison_names, G_N_ELEMENTS (comparison_names), s) : 0;
  if (i < 0)
    return invalid (error, index, "unknown comparison");
  rule->comparison = i;

  member = json_object_get_member (o, "threshold");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member)
      || (json_node_get_value_type (member) != G_TYPE_INT64
          && json_node_get_value_type (member) != G_TYPE_DOUBLE))
    return invalid (error, index, "no numeric threshold");
  rule->threshold = json_node_get_double (member);
  if (!isfinite (rule->threshold))
    return invalid (error, index, "threshold not finite");

  member = json_object_get_member (o, "hold_s");
  if (member != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64
          || json_node_get_int (member) < 0 || json_node_get_int (member) > 3600)
        return invalid (error, index, "hold_s not 0–3600");
      rule->hold_s = (guint) json_node_get_int (member);
    }

  s = get_string (o, "severity");
  i = s != NULL ? name_index (severity_names, G_N_ELEMENTS (severity_names), s) : 0;
  if (i < 0)
    return invalid (error, index, "unknown severity");
  rule->severity = i;

  member = json_object_get_member (o, "enabled");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member)
      && json_node_get_value_type (member) == G_TYPE_BOOLEAN)
    rule->enabled = json_node_get_boolean (member);
  member = json_object_get_member (o, "sound");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member)
      && json_node_get_value_type (member) == G_TYPE_BOOLEAN)
    rule->sound = json_node_get_boolean (member);

  member = json_object_get_member (o, "scope");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      JsonArray *array;
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      if (!JSON_NODE_HOLDS_ARRAY (member))
        return invalid (error, index, "scope not an array");
      array = json_node_get_array (member);
      for (guint k = 0; k < json_array_get_length (array); k++)
        {
          JsonNode *e = json_array_get_element (array, k);

          if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
            return invalid (error, index, "scope not strings");
          g_strv_builder_add (builder, json_node_get_string (e));
        }
      rule->scope_ids = g_strv_builder_end (builder);
    }

  *out = g_steal_pointer (&rule);
  return TRUE;
}

/**
 * cb_alert_rules_from_json:
 * @json: `{"version": 1, "rules": [...]}`
 * @error: an error, when the text is not JSON or a rule is invalid
 *
 * Returns: (transfer full): the rules, or NULL and @error set; nothing is
 *   half-loaded
 */
GPtrArray *
cb_alert_rules_from_json (const char  *json,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *root;
  JsonNode *list;
  JsonArray *array;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!json_parser_load_from_data (parser, json, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CB_ALERT_ERROR, CB_ALERT_ERROR_INVALID, "Alert rules: not an object");
      return NULL;
    }
  list = json_object_get_member (json_node_get_object (root), "rules");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error_literal (error, CB_ALERT_ERROR, CB_ALERT_ERROR_INVALID, "Alert rules: no rules array");
      return NULL;
    }
  array = json_node_get_array (list);
  rules = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_alert_rule_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      CbAlertRule *rule = NULL;

      if (!parse_rule (json_array_get_element (array, i), i, &rule, error))
        return NULL;
      g_ptr_array_add (rules, rule);
      if (!g_hash_table_add (ids, rule->id))
        {
          invalid (error, i, "duplicate id");
          return NULL;
        }
    }
  return g_steal_pointer (&rules);
}

char *
cb_alert_rules_to_json (GPtrArray *rules)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (rules != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "rules");
  json_builder_begin_array (builder);
  for (guint i = 0; i < rules->len; i++)
    {
      const CbAlertRule *rule = g_ptr_array_index (rules, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, rule->id);
      if (rule->name != NULL)
        {
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, rule->name);
        }
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, kind_names[rule->kind]);
      if (rule->kind == CB_ALERT_KIND_METRIC)
        {
          json_builder_set_member_name (builder, "metric");
          json_builder_add_string_value (builder, cb_metric_get_info (rule->metric)->key);
          json_builder_set_member_name (builder, "target");
          json_builder_add_string_value (builder, target_names[rule->target]);
          json_builder_set_member_name (builder, "window");
          json_builder_add_string_value (builder, window_names[rule->window.kind]);
        }
      else
        {
          json_builder_set_member_name (builder, "state");
          json_builder_add_string_value (builder, rule->agent_state);
          if (rule->reason != NULL)
            {
              json_builder_set_member_name (builder, "reason");
              json_builder_add_string_value (builder, rule->reason);
            }
        }
      json_builder_set_member_name (builder, "comparison");
      json_builder_add_string_value (builder, comparison_names[rule->comparison]);
      json_builder_set_member_name (builder, "threshold");
      json_builder_add_double_value (builder, rule->threshold);
      json_builder_set_member_name (builder, "hold_s");
      json_builder_add_int_value (builder, rule->hold_s);
      json_builder_set_member_name (builder, "severity");
      json_builder_add_string_value (builder, severity_names[rule->severity]);
      json_builder_set_member_name (builder, "enabled");
      json_builder_add_boolean_value (builder, rule->enabled);
      json_builder_set_member_name (builder, "sound");
      json_builder_add_boolean_value (builder, rule->sound);
      if (rule->scope_ids != NULL)
        {
          json_builder_set_member_name (builder, "scope");
          json_builder_begin_array (builder);
          for (guint k = 0; rule->scope_ids[k] != NULL; k++)
            json_builder_add_string_value (builder, rule->scope_ids[k]);
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

const char *
cb_alert_rules_get_default_json (void)
{
  return default_rules_json;
}

/**
 * cb_alert_rules_find:
 * @rules: (element-type CbAlertRule): rules
 *
 * Returns: the index of the rule of that id, or -1
 */
int
cb_alert_rules_find (GPtrArray  *rules,
                     const char *id)
{
  g_return_val_if_fail (rules != NULL, -1);

  for (guint i = 0; i < rules->len; i++)
    if (g_strcmp0 (((CbAlertRule *) g_ptr_array_index (rules, i))->id, id) == 0)
      return (int) i;
  return -1;
}

/**
 * cb_alert_rules_make_id:
 * @rules: (element-type CbAlertRule): the rules the id must not clash with
 * @base: what the id should read like ("longest-wait"); NULL or empty: "rule"
 *
 * Returns: (transfer full): @base when free, else @base-2, @base-3…
 */
char *
cb_alert_rules_make_id (GPtrArray  *rules,
                        const char *base)
{
  g_return_val_if_fail (rules != NULL, NULL);

  if (base == NULL || *base == '\0')
    base = "rule";
  if (cb_alert_rules_find (rules, base) < 0)
    return g_strdup (base);
  for (guint n = 2; ; n++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", base, n);

      if (cb_alert_rules_find (rules, id) < 0)
        return g_steal_pointer (&id);
    }
}

/**
 * cb_alert_metric_applies_to:
 *
 * Whether a rule on @metric makes sense per @target: inbound KPIs per queue,
 * outbound ones per campaign, the agents' KPIs on either, all on the floor.
 * The engine evaluates any pair; this is what the rule editor offers.
 */
gboolean
cb_alert_metric_applies_to (CbMetricId    metric,
                            CbAlertTarget target)
{
  gboolean inbound, outbound;

  g_return_val_if_fail (metric < CB_METRIC_N_METRICS, FALSE);

  inbound = metric <= CB_METRIC_ABANDONED || metric == CB_METRIC_ERLANG_AGENTS_NEEDED
            || metric == CB_METRIC_ERLANG_SL_STAFFED;
  outbound = metric >= CB_METRIC_DIALS && metric <= CB_METRIC_LEADS_DIALABLE;

  switch (target)
    {
    case CB_ALERT_TARGET_QUEUE:
      return !outbound;
    case CB_ALERT_TARGET_CAMPAIGN:
      return !inbound;
    case CB_ALERT_TARGET_ALL:
      return TRUE;
    default:
      return FALSE;
    }
}

/**
 * cb_alert_metric_has_window:
 *
 * Returns: FALSE for the state KPIs (calls waiting, longest wait, agents by
 *   state, leads dialable), which describe now whatever the window
 */
gboolean
cb_alert_metric_has_window (CbMetricId metric)
{
  g_return_val_if_fail (metric < CB_METRIC_N_METRICS, FALSE);

  return !(metric == CB_METRIC_CALLS_WAITING || metric == CB_METRIC_LONGEST_WAIT
           || (metric >= CB_METRIC_AGENTS_LOGGED_IN && metric <= CB_METRIC_AGENTS_PAUSED)
           || metric == CB_METRIC_LEADS_DIALABLE);
}

/**
 * cb_alert_rule_get_threshold_range:
 * @min: (out): the smallest sensible threshold
 * @max: (out): the largest
 *
 * In the rule's unit: agent states 0–1440 minutes, time KPIs 0–86400
 * seconds, rates 0–100 %, survey scores 0–5, counts 0–1 000 000. The
 * parser accepts any finite threshold; the editor keeps to these.
 */
void
cb_alert_rule_get_threshold_range (const CbAlertRule *rule,
                                   double            *min,
                                   double            *max)
{
  double hi = 1000000;

  g_return_if_fail (rule != NULL);
  g_return_if_fail (min != NULL && max != NULL);

  if (rule->kind == CB_ALERT_KIND_AGENT_STATE)
    hi = 24 * 60;
  else if (rule->metric < CB_METRIC_N_METRICS)
    switch (cb_metric_get_info (rule->metric)->unit)
      {
      case CB_METRIC_UNIT_MS:
        hi = 24 * 60 * 60;
        break;
      case CB_METRIC_UNIT_PERCENT:
        hi = 100;
        break;
      case CB_METRIC_UNIT_SCORE:
        hi = 5;
        break;
      default:
        break;
      }
  *min = 0;
  *max = hi;
}

/* Alerts */

CbAlert *
cb_alert_ref (CbAlert *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
cb_alert_unref (CbAlert *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->id);
  cb_alert_rule_free (self->rule);
  g_free (self->subject_id);
  g_free (self->subject_name);
  g_free (self);
}

const char *
cb_alert_get_id (CbAlert *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const CbAlertRule *
cb_alert_get_rule (CbAlert *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->rule;
}

const char *
cb_alert_get_subject_id (CbAlert *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->subject_id;
}

const char *
cb_alert_get_subject_name (CbAlert *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->subject_name;
}

double
cb_alert_get_value (CbAlert *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->value;
}

gint64
cb_alert_get_raised_at (CbAlert *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->raised_ms;
}

gboolean
cb_alert_is_active (CbAlert *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->state == ALERT_ACTIVE;
}

gboolean
cb_alert_is_acknowledged (CbAlert *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->acknowledged;
}

/**
 * cb_alert_is_silenced:
 *
 * Returns: whether the alert should make no sound or notification at
 *   @now_ms: acknowledged, or snoozed
 */
gboolean
cb_alert_is_silenced (CbAlert *self,
                      gint64   now_ms)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->acknowledged || now_ms < self->snoozed_until_ms;
}

/* The engine */

CbAlertEngine *
cb_alert_engine_new (void)
{
  return g_object_new (CB_TYPE_ALERT_ENGINE, NULL);
}

/**
 * cb_alert_engine_set_rules_from_json:
 *
 * Replaces the rules. Alerts of rules that are gone, changed or disabled
 * are forgotten (without a "cleared" entry: nothing cleared). On error the
 * rules stay as they were.
 */
gboolean
cb_alert_engine_set_rules_from_json (CbAlertEngine  *self,
                                     const char     *json,
                                     GError        **error)
{
  g_autoptr(GPtrArray) rules = NULL;
  GHashTableIter iter;
  CbAlert *alert;
  gboolean changed = FALSE;

  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  rules = cb_alert_rules_from_json (json, error);
  if (rules == NULL)
    return FALSE;

  g_hash_table_iter_init (&iter, self->alerts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &alert))
    {
      gboolean keep = FALSE;

      for (guint i = 0; i < rules->len; i++)
        {
          const CbAlertRule *r = g_ptr_array_index (rules, i);
          const CbAlertRule *o = alert->rule;

          if (g_strcmp0 (r->id, o->id) == 0 && r->enabled && r->kind == o->kind
              && r->metric == o->metric && r->target == o->target && r->comparison == o->comparison
              && r->threshold == o->threshold && g_strcmp0 (r->agent_state, o->agent_state) == 0
              && g_strcmp0 (r->reason, o->reason) == 0)
            {
              cb_alert_rule_free (alert->rule);
              alert->rule = cb_alert_rule_copy (r);
              keep = TRUE;
            }
        }
      if (!keep)
        {
          changed |= alert->state == ALERT_ACTIVE;
          g_hash_table_iter_remove (&iter);
        }
    }

  g_ptr_array_unref (self->rules);
  self->rules = g_steal_pointer (&rules);
  if (changed)
    g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

char *
cb_alert_engine_dup_rules_json (CbAlertEngine *self)
{
  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), NULL);
  return cb_alert_rules_to_json (self->rules);
}

/**
 * cb_alert_engine_get_rules:
 *
 * Returns: (transfer none) (element-type CbAlertRule): the rules
 */
GPtrArray *
cb_alert_engine_get_rules (CbAlertEngine *self)
{
  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), NULL);
  return self->rules;
}

/**
 * cb_alert_engine_evaluate:
 * @inputs: what the rules look at
 * @now_ms: the instant (the server's clock)
 *
 * Evaluates every enabled rule for every subject, raising and clearing
 * alerts (with the signals) and ending snoozes that have run out.
 */
void
cb_alert_engine_evaluate (CbAlertEngine       *self,
                          const CbAlertInputs *inputs,
                          gint64               now_ms)
{
  g_autoptr(GPtrArray) unseen = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_alert_unref);
  g_autoptr(GPtrArray) woken = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_alert_unref);
  GHashTableIter iter;
  CbAlert *alert;
  gint64 *until;
  const char *key;

  g_return_if_fail (CB_IS_ALERT_ENGINE (self));
  g_return_if_fail (inputs != NULL);

  g_hash_table_iter_init (&iter, self->alerts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &alert))
    alert->seen = FALSE;

  for (guint i = 0; i < self->rules->len; i++)
    {
      const CbAlertRule *rule = g_ptr_array_index (self->rules, i);

      if (!rule->enabled)
        continue;
      if (rule->kind == CB_ALERT_KIND_METRIC)
        evaluate_metric_rule (self, rule, inputs, now_ms);
      else
        evaluate_agent_rule (self, rule, inputs, now_ms);
    }

  /* Subjects that went away (a deleted queue, a removed agent): false. */
  g_hash_table_iter_init (&iter, self->alerts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &alert))
    if (!alert->seen)
      g_ptr_array_add (unseen, cb_alert_ref (alert));
  for (guint i = 0; i < unseen->len; i++)
    {
      CbAlert *a = g_ptr_array_index (unseen, i);

      if (g_hash_table_lookup (self->alerts, a->id) == a)
        observe (self, a->rule, a->subject_id, a->subject_name, FALSE, a->value, now_ms);
    }

  /* Snoozes that ran out */
  g_hash_table_iter_init (&iter, self->snoozes);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &until))
    {
      if (now_ms < *until)
        continue;
      alert = g_hash_table_lookup (self->alerts, key);
      if (alert != NULL && alert->state == ALERT_ACTIVE && !alert->acknowledged)
        g_ptr_array_add (woken, cb_alert_ref (alert));
      g_hash_table_iter_remove (&iter);
    }
  for (guint i = 0; i < woken->len; i++)
    {
      CbAlert *a = g_ptr_array_index (woken, i);

      a->snoozed_until_ms = 0;
      g_signal_emit (self, signals[RAISED], 0, a, FALSE);
    }
  if (woken->len > 0)
    g_signal_emit (self, signals[CHANGED], 0);
}

static int
compare_raised (gconstpointer a,
                gconstpointer b)
{
  const CbAlert *x = *(CbAlert * const *) a;
  const CbAlert *y = *(CbAlert * const *) b;

  if (x->rule->severity != y->rule->severity)
    return x->rule->severity > y->rule->severity ? -1 : 1;
  if (x->raised_ms != y->raised_ms)
    return x->raised_ms < y->raised_ms ? 1 : -1;
  return strcmp (x->id, y->id);
}

/**
 * cb_alert_engine_dup_active:
 *
 * Returns: (transfer full) (element-type CbAlert): the raised alerts,
 *   critical first, newest first within a severity
 */
GPtrArray *
cb_alert_engine_dup_active (CbAlertEngine *self)
{
  GPtrArray *active;
  GHashTableIter iter;
  CbAlert *alert;

  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), NULL);

  active = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_alert_unref);
  g_hash_table_iter_init (&iter, self->alerts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &alert))
    if (alert->state == ALERT_ACTIVE)
      g_ptr_array_add (active, cb_alert_ref (alert));
  g_ptr_array_sort (active, compare_raised);
  return active;
}

guint
cb_alert_engine_get_n_active (CbAlertEngine *self,
                              gboolean       unacknowledged_only)
{
  GHashTableIter iter;
  CbAlert *alert;
  guint n = 0;

  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), 0);

  g_hash_table_iter_init (&iter, self->alerts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &alert))
    if (alert->state == ALERT_ACTIVE && !(unacknowledged_only && alert->acknowledged))
      n++;
  return n;
}

/**
 * cb_alert_engine_lookup:
 *
 * Returns: (transfer none) (nullable): the raised alert of that id
 */
CbAlert *
cb_alert_engine_lookup (CbAlertEngine *self,
                        const char    *alert_id)
{
  CbAlert *alert;

  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), NULL);
  g_return_val_if_fail (alert_id != NULL, NULL);

  alert = g_hash_table_lookup (self->alerts, alert_id);
  return alert != NULL && alert->state == ALERT_ACTIVE ? alert : NULL;
}

/**
 * cb_alert_engine_acknowledge:
 *
 * Keeps the alert listed, silent until it clears and raises again.
 *
 * Returns: FALSE when no such alert is raised, or it was acknowledged
 */
gboolean
cb_alert_engine_acknowledge (CbAlertEngine *self,
                             const char    *alert_id,
                             gint64         now_ms)
{
  CbAlert *alert;

  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), FALSE);
  g_return_val_if_fail (alert_id != NULL, FALSE);

  alert = cb_alert_engine_lookup (self, alert_id);
  if (alert == NULL || alert->acknowledged)
    return FALSE;
  alert->acknowledged = TRUE;
  add_history (self, CB_ALERT_EVENT_ACKNOWLEDGED, alert, now_ms);
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

/**
 * cb_alert_engine_snooze:
 * @minutes: how long, from @now_ms
 *
 * Silences the alert's rule × subject for @minutes, also should it clear
 * and raise again meanwhile. When the snooze ends on the alert still
 * raised and not acknowledged, #CbAlertEngine::raised announces it again.
 *
 * Returns: FALSE when no such alert is raised
 */
gboolean
cb_alert_engine_snooze (CbAlertEngine *self,
                        const char    *alert_id,
                        guint          minutes,
                        gint64         now_ms)
{
  CbAlert *alert;
  gint64 *until;

  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), FALSE);
  g_return_val_if_fail (alert_id != NULL, FALSE);
  g_return_val_if_fail (minutes > 0, FALSE);

  alert = cb_alert_engine_lookup (self, alert_id);
  if (alert == NULL)
    return FALSE;
  until = g_new (gint64, 1);
  *until = now_ms + (gint64) minutes * 60000;
  g_hash_table_replace (self->snoozes, g_strdup (alert_id), until);
  alert->snoozed_until_ms = *until;
  add_history (self, CB_ALERT_EVENT_SNOOZED, alert, now_ms);
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

guint
cb_alert_engine_get_n_history (CbAlertEngine *self)
{
  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), 0);
  return self->history->length;
}

/**
 * cb_alert_engine_get_history:
 * @index: 0 is the newest
 *
 * Returns: (transfer none): the event, valid until the next change
 */
const CbAlertEvent *
cb_alert_engine_get_history (CbAlertEngine *self,
                             guint          index)
{
  g_return_val_if_fail (CB_IS_ALERT_ENGINE (self), NULL);
  g_return_val_if_fail (index < self->history->length, NULL);
  return g_queue_peek_nth (self->history, index);
}
