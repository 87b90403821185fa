/* cb-metrics.h — the KPI engine of the wallboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Headless (GLib + json-glib). Fed entity changes in time order — as the
 * cache replays them from its journal, then live — it keeps the facts of
 * each call's life and each agent's state history, compactly, and computes
 * every KPI of docs/metrics.md over a window on demand. The formulas, the
 * instant that counts a call in a window and the variants are documented
 * there and in the catalog (cb_metric_get_info ()).
 *
 * Usage:
 *
 *   g_autoptr(CbMetrics) metrics = cb_metrics_new ();
 *   cb_metrics_set_time_zone (metrics, welcome_backend_time_zone);
 *   for each change: cb_metrics_apply (metrics, ts_ms, "call", id, data);
 *   CbMetricValue v;
 *   CbMetricWindow w = { CB_METRIC_WINDOW_TODAY };
 *   if (cb_metrics_compute (metrics, CB_METRIC_SERVICE_LEVEL, NULL, &w, NULL, now_ms, &v)
 *       && v.has_value)
 *     show v.value with cb_metric_get_formula (CB_METRIC_SERVICE_LEVEL, NULL);
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cb-json-doc.h"

G_BEGIN_DECLS

typedef struct _CbMetrics CbMetrics;

/**
 * CbMetricId:
 *
 * Every KPI of the catalog. The comment is the formula in short; see
 * docs/metrics.md for the instants, variants and caveats.
 */
typedef enum
{
  /* Inbound queues */
  CB_METRIC_CALLS_WAITING,         /* calls in state queued now */
  CB_METRIC_LONGEST_WAIT,          /* now − earliest queued_at of those */
  CB_METRIC_SERVICE_LEVEL,         /* variant: CbServiceLevelVariant */
  CB_METRIC_ASA,                   /* Σ(answered_at − queued_at) / answered */
  CB_METRIC_AVG_TIME_IN_QUEUE,     /* Σ(exit − queued_at) / calls that left the queue */
  CB_METRIC_AHT,                   /* Σ(talk + hold + wrap-up) / handled */
  CB_METRIC_AVG_TALK,              /* Σ talk / handled */
  CB_METRIC_AVG_HOLD,              /* Σ hold / handled */
  CB_METRIC_AVG_WRAP_UP,           /* Σ wrap-up / handled */
  CB_METRIC_ABANDON_RATE,          /* abandoned / offered (minus short abandons) */
  CB_METRIC_TRANSFER_RATE,         /* handled with ≥ 1 transfer / handled */
  CB_METRIC_FCR,                   /* handled with no repeat in N days / handled */
  CB_METRIC_CSAT,                  /* surveys scoring 4–5 / surveys */
  CB_METRIC_CSAT_MEAN,             /* Σ score / surveys */
  CB_METRIC_OFFERED,               /* calls queued in the window */
  CB_METRIC_ANSWERED,              /* calls answered in the window */
  CB_METRIC_ABANDONED,             /* calls abandoned in the window */
  /* Agents */
  CB_METRIC_OCCUPANCY,             /* busy / (busy + available) agent time */
  CB_METRIC_CALLS_PER_AGENT,       /* answered / agents logged in during the window */
  CB_METRIC_CALLS_PER_AGENT_HOUR,  /* answered / logged-in agent hours */
  CB_METRIC_AGENTS_LOGGED_IN,      /* agents not logged_out now */
  CB_METRIC_AGENTS_AVAILABLE,
  CB_METRIC_AGENTS_RINGING,
  CB_METRIC_AGENTS_ON_CALL,        /* on_call and on_hold */
  CB_METRIC_AGENTS_WRAP_UP,
  CB_METRIC_AGENTS_PAUSED,
  /* Outbound campaigns */
  CB_METRIC_DIALS,                 /* outbound calls created in the window */
  CB_METRIC_DIALS_PER_HOUR,        /* dials / hours of the window */
  CB_METRIC_ASR,                   /* dials answered by a person / dials */
  CB_METRIC_AVG_CALL_DURATION,     /* Σ(ended_at − answered_at) / connected calls */
  CB_METRIC_CONVERSION_RATE,       /* contacts with a `success` disposition / contacts */
  CB_METRIC_FIRST_CALL_CLOSE,      /* successes on the lead's first contact / successes */
  CB_METRIC_DROP_RATE,             /* variant: CbDropRateMethod */
  CB_METRIC_LEADS_DIALABLE,        /* Σ campaign.stats.leads_dialable */
  /* Staffing */
  CB_METRIC_ERLANG_AGENTS_NEEDED,  /* smallest N with Erlang C SL(N) ≥ target */
  CB_METRIC_ERLANG_SL_STAFFED,     /* Erlang C SL at the agents staffed now */
  CB_METRIC_N_METRICS
} CbMetricId;

typedef enum
{
  CB_METRIC_UNIT_COUNT,
  CB_METRIC_UNIT_MS,
  CB_METRIC_UNIT_PERCENT,          /* 0–100 */
  CB_METRIC_UNIT_PER_HOUR,
  CB_METRIC_UNIT_AGENTS,
  CB_METRIC_UNIT_SCORE,            /* survey score 1–5 */
} CbMetricUnit;

typedef enum
{
  CB_METRIC_DIRECTION_NONE,        /* a count: no better or worse */
  CB_METRIC_DIRECTION_HIGHER_IS_BETTER,
  CB_METRIC_DIRECTION_LOWER_IS_BETTER,
} CbMetricDirection;

/**
 * CbServiceLevelVariant:
 * @CB_SL_PROTOCOL: answered within T / (answered + abandoned) — the
 *   normative `sl_pct_today` of docs/protocol.md §10.5; the default
 * @CB_SL_OF_ANSWERED: answered within T / answered
 * @CB_SL_OF_OFFERED: answered within T / offered
 * @CB_SL_ABANDON_NEUTRAL: (answered within T + abandoned within T) / offered
 */
typedef enum
{
  CB_SL_PROTOCOL,
  CB_SL_OF_ANSWERED,
  CB_SL_OF_OFFERED,
  CB_SL_ABANDON_NEUTRAL,
} CbServiceLevelVariant;

/**
 * CbDropRateMethod:
 * @CB_DROP_RATE_RULE_SET: the method of the campaign's rule set (§10.10);
 *   US when a campaign has none. Campaigns of different methods in one
 *   scope give no data.
 * @CB_DROP_RATE_US: FTC TSR: drops / calls answered by a person
 * @CB_DROP_RATE_UK: Ofcom: (drops + AMD false positives) / (live calls + those)
 */
typedef enum
{
  CB_DROP_RATE_RULE_SET,
  CB_DROP_RATE_US,
  CB_DROP_RATE_UK,
} CbDropRateMethod;

/**
 * CbMetricWindowKind:
 * @CB_METRIC_WINDOW_LIVE: state KPIs: now; period KPIs: the last 15 minutes
 * @CB_METRIC_WINDOW_LAST_15: (now − 15 min, now]
 * @CB_METRIC_WINDOW_LAST_30: (now − 30 min, now]
 * @CB_METRIC_WINDOW_LAST_60: (now − 60 min, now]
 * @CB_METRIC_WINDOW_TODAY: [local midnight in the time zone, now]
 * @CB_METRIC_WINDOW_CUSTOM: [from_ms, to_ms), cut at now
 * @CB_METRIC_WINDOW_RULE_PERIOD: the drop rate's regulatory period (US: the
 *   720 hours up to now; UK: today); other KPIs: as TODAY
 *
 * State KPIs (calls waiting, longest wait, agents by state, leads dialable)
 * are always "now" whatever the window.
 */
typedef enum
{
  CB_METRIC_WINDOW_LIVE,
  CB_METRIC_WINDOW_LAST_15,
  CB_METRIC_WINDOW_LAST_30,
  CB_METRIC_WINDOW_LAST_60,
  CB_METRIC_WINDOW_TODAY,
  CB_METRIC_WINDOW_CUSTOM,
  CB_METRIC_WINDOW_RULE_PERIOD,
} CbMetricWindowKind;

typedef struct
{
  CbMetricWindowKind kind;
  gint64             from_ms;      /* CUSTOM only */
  gint64             to_ms;        /* CUSTOM only, exclusive */
} CbMetricWindow;

/**
 * CbMetricScope:
 *
 * Which calls and agents count. Each list is NULL-terminated; NULL or
 * empty means "no restriction". Several lists intersect. A call is in a
 * team when its agent is (or, without an agent, when its queue or campaign
 * is served by the team); an agent is in a queue or campaign it serves now.
 * A NULL scope is "everything".
 */
typedef struct
{
  const char * const *queue_ids;
  const char * const *campaign_ids;
  const char * const *team_ids;
} CbMetricScope;

/**
 * CbMetricParams:
 *
 * Variants and parameters. A NULL params, or zero fields, mean the
 * defaults given here. Initialise with CB_METRIC_PARAMS_INIT or zeroes.
 */
typedef struct
{
  CbServiceLevelVariant sl_variant;       /* default CB_SL_PROTOCOL */
  gint64                sl_threshold_ms;  /* 0: each call's queue's sl_threshold_s (20 s if unknown) */
  double                sl_target_pct;    /* Erlang C target; 0: the queue's sl_target_pct (80 if unknown) */
  gint64                short_abandon_ms; /* abandons that waited less are not offered; 0: none */
  guint                 fcr_days;         /* FCR and first-call-close horizon; 0: 7 days */
  CbDropRateMethod      drop_method;      /* default CB_DROP_RATE_RULE_SET */
} CbMetricParams;

#define CB_METRIC_PARAMS_INIT { CB_SL_PROTOCOL, 0, 0.0, 0, 0, CB_DROP_RATE_RULE_SET }

/**
 * CbMetricValue:
 * @has_value: FALSE means "no data" (nothing to divide by, nothing known):
 *   show a dash, never @value
 * @value: the KPI in @unit (percentages 0–100)
 * @numerator: the input above the line (a count, or a sum in ms); for
 *   counts and state KPIs the value itself
 * @denominator: the input below the line (1 for counts); for Erlang C see
 *   docs/metrics.md
 * @unit: the unit of @value
 * @from_ms: start of the window actually used (inclusive)
 * @to_ms: end of the window actually used (exclusive)
 */
typedef struct
{
  gboolean     has_value;
  double       value;
  double       numerator;
  double       denominator;
  CbMetricUnit unit;
  gint64       from_ms;
  gint64       to_ms;
} CbMetricValue;

/**
 * CbMetricInfo:
 *
 * One row of the catalog. @name, @short_name, @formula and @variants are
 * untranslated message ids; use cb_metric_get_name () and friends for the
 * translated text.
 */
typedef struct
{
  CbMetricId        id;
  const char       *key;           /* stable, untranslated: "service-level" */
  const char       *name;          /* "Service level" */
  const char       *short_name;    /* "SL" (context "metric short name") */
  CbMetricUnit      unit;
  const char       *formula;
  const char       *variants;      /* NULL when the KPI has none */
  CbMetricDirection direction;
  gboolean          has_thresholds;
  double            warning;       /* in @unit */
  double            critical;
} CbMetricInfo;

/**
 * CbMetricInterval:
 *
 * One 15-minute interval of today, for the interval chart. Offered,
 * answered and abandoned count by the same instants as the KPIs of the
 * same names; @service_level uses the params' variant.
 */
typedef struct
{
  gint64        start_ms;
  gint64        end_ms;            /* exclusive */
  guint         offered;
  guint         answered;
  guint         abandoned;
  CbMetricValue service_level;
} CbMetricInterval;

/* The catalog */
const CbMetricInfo *cb_metric_get_info        (CbMetricId id);
const CbMetricInfo *cb_metric_get_catalog     (guint     *n_metrics);
const char         *cb_metric_get_name        (CbMetricId id);
const char         *cb_metric_get_short_name  (CbMetricId id);
const char         *cb_metric_get_formula     (CbMetricId            id,
                                               const CbMetricParams *params);

/* Erlang C, for the staffing KPIs and for anyone planning */
double              cb_erlang_c_wait_probability (double traffic_erlangs,
                                                  guint  agents);
double              cb_erlang_c_service_level    (double traffic_erlangs,
                                                  guint  agents,
                                                  double aht_s,
                                                  double threshold_s);
guint               cb_erlang_c_agents_needed    (double traffic_erlangs,
                                                  double aht_s,
                                                  double threshold_s,
                                                  double target_pct);

/* The engine */
CbMetrics          *cb_metrics_new            (void);
void                cb_metrics_free           (CbMetrics  *self);
void                cb_metrics_set_time_zone  (CbMetrics  *self,
                                               const char *identifier);
void                cb_metrics_set_retention  (CbMetrics  *self,
                                               gint64      retention_ms);
void                cb_metrics_set_amd_false_positive_rate (CbMetrics *self,
                                                            double     rate);
void                cb_metrics_set_complete_since (CbMetrics *self,
                                                   gint64     since_ms);
gint64              cb_metrics_get_complete_since (CbMetrics *self);
void                cb_metrics_apply          (CbMetrics  *self,
                                               gint64      ts_ms,
                                               const char *entity_type,
                                               const char *id,
                                               const CbJsonValue *data);
void                cb_metrics_apply_object   (CbMetrics  *self,
                                               gint64      ts_ms,
                                               const char *entity_type,
                                               const char *id,
                                               JsonObject *data);
gboolean            cb_metrics_compute        (CbMetrics            *self,
                                               CbMetricId            id,
                                               const CbMetricScope  *scope,
                                               const CbMetricWindow *window,
                                               const CbMetricParams *params,
                                               gint64                now_ms,
                                               CbMetricValue        *out);
CbMetricInterval   *cb_metrics_get_intervals_today (CbMetrics            *self,
                                                    const CbMetricScope  *scope,
                                                    const CbMetricParams *params,
                                                    gint64                now_ms,
                                                    guint                *n_intervals);
gboolean            cb_metrics_get_drop_rate_cap (CbMetrics        *self,
                                                  const char       *campaign_id,
                                                  double           *cap_pct,
                                                  CbDropRateMethod *method);
guint               cb_metrics_get_n_calls    (CbMetrics  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbMetrics, cb_metrics_free)

G_END_DECLS
