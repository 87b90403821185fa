/* cb-alerts.h — alert rules over the wallboard's KPIs and the agents' states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Headless (GLib + json-glib). A CbAlertRule says when something is wrong:
 * a KPI of a queue, a campaign or the whole floor passing a threshold
 * (longest wait > 60 s, service level < 80 %, drop rate > 2.5 %), or an agent
 * staying in a state too long (paused > 15 min). A CbAlertEngine evaluates
 * its rules against a CbMetrics and the agent, queue and campaign models at
 * an instant — the UI calls cb_alert_engine_evaluate () once a second — and
 * keeps one CbAlert per rule and subject (rule × queue, rule × agent …).
 *
 * Hysteresis: a condition must hold for the rule's hold time (5 s by
 * default) before the alert raises, and must be false as long before it
 * clears, so a value hovering at the threshold raises once. Acknowledging
 * keeps an alert listed but silent until it clears and raises again;
 * snoozing silences a rule × subject for some minutes, across re-raises.
 * Every raise, acknowledgement, snooze and clear goes to a bounded history
 * (the last 500). Rules are stored as JSON text (docs/metrics.md, "Alert
 * rules"); thresholds of time KPIs are in seconds, agent-state durations in
 * minutes, rates in percent.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cb-metrics.h"

G_BEGIN_DECLS

#define CB_ALERT_HISTORY_MAX 500

#define CB_ALERT_ERROR (cb_alert_error_quark ())

typedef enum
{
  CB_ALERT_ERROR_INVALID,
} CbAlertError;

typedef enum
{
  CB_ALERT_KIND_METRIC,          /* a KPI against a threshold */
  CB_ALERT_KIND_AGENT_STATE,     /* an agent in a state longer than N minutes */
} CbAlertKind;

typedef enum
{
  CB_ALERT_TARGET_QUEUE,         /* one alert per queue */
  CB_ALERT_TARGET_CAMPAIGN,      /* one alert per campaign */
  CB_ALERT_TARGET_ALL,           /* one alert for the whole floor */
} CbAlertTarget;

typedef enum
{
  CB_ALERT_ABOVE,                /* value > threshold */
  CB_ALERT_AT_LEAST,             /* value ≥ threshold */
  CB_ALERT_BELOW,                /* value < threshold */
  CB_ALERT_AT_MOST,              /* value ≤ threshold */
} CbAlertComparison;

typedef enum
{
  CB_ALERT_SEVERITY_WARNING,
  CB_ALERT_SEVERITY_CRITICAL,
} CbAlertSeverity;

/**
 * CbAlertRule:
 * @id: stable, unique among the rules
 * @name: what the user called it; NULL: made from the metric or state
 * @metric: the KPI (metric rules)
 * @target: per queue, per campaign or the floor (metric rules)
 * @window: the KPI's window (metric rules)
 * @agent_state: "paused", "wrap_up", "on_hold"… (agent-state rules)
 * @reason: a pause reason id the agent must be paused with (agent-state
 *   rules on "paused"); NULL: any reason
 * @scope_ids: NULL-terminated queue or campaign ids the rule is limited
 *   to (agent rules: agents serving one of those queues or in those
 *   teams); NULL: all
 * @threshold: in the KPI's unit, except time KPIs in seconds; agent-state
 *   rules: minutes
 * @hold_s: seconds the condition must hold before raising, and be false
 *   before clearing
 */
typedef struct
{
  char              *id;
  char              *name;
  CbAlertKind        kind;
  CbMetricId         metric;
  CbAlertTarget      target;
  CbMetricWindow     window;
  char              *agent_state;
  char             **scope_ids;
  CbAlertComparison  comparison;
  double             threshold;
  guint              hold_s;
  CbAlertSeverity    severity;
  gboolean           enabled;
  gboolean           sound;
  char              *reason;
} CbAlertRule;

typedef enum
{
  CB_ALERT_EVENT_RAISED,
  CB_ALERT_EVENT_ACKNOWLEDGED,
  CB_ALERT_EVENT_SNOOZED,
  CB_ALERT_EVENT_CLEARED,
} CbAlertEventKind;

/**
 * CbAlertEvent:
 *
 * One line of the history. @value is the rule's input at the instant, in
 * the unit of the threshold.
 */
typedef struct
{
  CbAlertEventKind  kind;
  gint64            time_ms;
  char             *alert_id;
  char             *rule_id;
  char             *subject_id;     /* NULL for the floor */
  char             *subject_name;
  CbAlertSeverity   severity;
  double            value;
} CbAlertEvent;

typedef struct _CbAlert CbAlert;

GQuark              cb_alert_error_quark        (void);

/* Rules */
CbAlertRule        *cb_alert_rule_new           (void);
CbAlertRule        *cb_alert_rule_copy          (const CbAlertRule *rule);
void                cb_alert_rule_free          (CbAlertRule       *rule);
GPtrArray          *cb_alert_rules_from_json    (const char        *json,
                                                 GError           **error);
char               *cb_alert_rules_to_json      (GPtrArray         *rules);
const char         *cb_alert_rules_get_default_json (void);
int                 cb_alert_rules_find         (GPtrArray         *rules,
                                                 const char        *id);
char               *cb_alert_rules_make_id      (GPtrArray         *rules,
                                                 const char        *base);

/* What the editor offers */
gboolean            cb_alert_metric_applies_to  (CbMetricId         metric,
                                                 CbAlertTarget      target);
gboolean            cb_alert_metric_has_window  (CbMetricId         metric);
void                cb_alert_rule_get_threshold_range (const CbAlertRule *rule,
                                                       double            *min,
                                                       double            *max);

/* One alert: a rule × subject whose condition held */
#define CB_TYPE_ALERT (cb_alert_get_type ())
GType               cb_alert_get_type           (void) G_GNUC_CONST;
CbAlert            *cb_alert_ref                (CbAlert *self);
void                cb_alert_unref              (CbAlert *self);
const char         *cb_alert_get_id             (CbAlert *self);
const CbAlertRule  *cb_alert_get_rule           (CbAlert *self);
const char         *cb_alert_get_subject_id     (CbAlert *self);
const char         *cb_alert_get_subject_name   (CbAlert *self);
double              cb_alert_get_value          (CbAlert *self);
gint64              cb_alert_get_raised_at      (CbAlert *self);
gboolean            cb_alert_is_active          (CbAlert *self);
gboolean            cb_alert_is_acknowledged    (CbAlert *self);
gboolean            cb_alert_is_silenced        (CbAlert *self,
                                                 gint64   now_ms);

/* The engine */
#define CB_TYPE_ALERT_ENGINE (cb_alert_engine_get_type ())
G_DECLARE_FINAL_TYPE (CbAlertEngine, cb_alert_engine, CB, ALERT_ENGINE, GObject)

/**
 * CbAlertInputs:
 * @metrics: the KPIs; NULL skips metric rules
 * @agents: CbEntity of type agent; NULL skips agent rules
 * @queues: CbEntity of type queue: the subjects of per-queue rules
 * @campaigns: CbEntity of type campaign: those of per-campaign rules
 */
typedef struct
{
  CbMetrics  *metrics;
  GListModel *agents;
  GListModel *queues;
  GListModel *campaigns;
} CbAlertInputs;

CbAlertEngine      *cb_alert_engine_new         (void);
gboolean            cb_alert_engine_set_rules_from_json (CbAlertEngine *self,
                                                         const char    *json,
                                                         GError       **error);
char               *cb_alert_engine_dup_rules_json (CbAlertEngine *self);
GPtrArray          *cb_alert_engine_get_rules   (CbAlertEngine       *self);
void                cb_alert_engine_evaluate    (CbAlertEngine       *self,
                                                 const CbAlertInputs *inputs,
                                                 gint64               now_ms);
GPtrArray          *cb_alert_engine_dup_active  (CbAlertEngine       *self);
guint               cb_alert_engine_get_n_active (CbAlertEngine      *self,
                                                  gboolean            unacknowledged_only);
CbAlert            *cb_alert_engine_lookup      (CbAlertEngine       *self,
                                                 const char          *alert_id);
gboolean            cb_alert_engine_acknowledge (CbAlertEngine       *self,
                                                 const char          *alert_id,
                                                 gint64               now_ms);
gboolean            cb_alert_engine_snooze      (CbAlertEngine       *self,
                                                 const char          *alert_id,
                                                 guint                minutes,
                                                 gint64               now_ms);
guint               cb_alert_engine_get_n_history (CbAlertEngine     *self);
const CbAlertEvent *cb_alert_engine_get_history (CbAlertEngine       *self,
                                                 guint                index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbAlertRule, cb_alert_rule_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbAlert, cb_alert_unref)

G_END_DECLS
