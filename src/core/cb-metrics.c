/* cb-metrics.c — the KPI engine of the wallboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What it keeps (docs/metrics.md, "How it is computed"):
 *
 * - Calls: one fixed-size record per call (its instants, hold, transfer
 *   count, flags, interned queue/agent/campaign/disposition), in a slab
 *   indexed by slot. Each call is filed in 15-minute buckets by created_at,
 *   three times: in the bucket list of all calls, of its queue and of its
 *   campaign; a bucket is an array of slots and each call remembers its
 *   positions, so filing, moving and forgetting are O(1). Every instant of
 *   a call lies in [created_at, created_at + max_span], max_span being the
 *   longest span seen, so a window [from, to) only visits the buckets from
 *   (from − max_span) to to, and only those of the scope's queues or
 *   campaigns when it names some. A KPI is then one pass over those calls,
 *   testing each instant exactly: no per-window aggregate can go stale, and
 *   a window may end at any millisecond.
 * - Repeat indexes: inbound calls by customer number, outbound contacts by
 *   lead, as sorted arrays of created_at, for FCR and first-call close.
 * - Agents: the history of (state, start) segments; time in a state within
 *   a window is a binary search and a walk over the window's segments.
 * - Campaigns: 15-minute drop-rate counters kept 31 days, so the US 30-day
 *   period survives the call retention (default 8 days); a call's share is
 *   taken out and put back on every change, so it is never counted twice.
 *
 * Calls older than the retention (by created_at, against the latest event
 * applied) are forgotten when a new bucket starts: amortised O(1).
 */
#define G_LOG_DOMAIN "cb-metrics"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "cb-metrics.h"

#define NO_TIME             G_MININT64
#define MINUTE_MS           G_GINT64_CONSTANT (60000)
#define HOUR_MS             G_GINT64_CONSTANT (3600000)
#define DAY_MS              G_GINT64_CONSTANT (86400000)
#define BUCKET_MS           (15 * MINUTE_MS)
#define DEFAULT_RETENTION   (8 * DAY_MS)
#define DROP_HISTORY_MS     (31 * DAY_MS)
#define US_PERIOD_BUCKETS   (720 * 4)
#define DEFAULT_SL_MS       G_GINT64_CONSTANT (20000)
#define DEFAULT_SL_TARGET   80.0
#define DEFAULT_FCR_DAYS    7

typedef enum
{
  AGENT_LOGGED_OUT,
  AGENT_AVAILABLE,
  AGENT_RINGING,
  AGENT_ON_CALL,
  AGENT_ON_HOLD,
  AGENT_WRAP_UP,
  AGENT_PAUSED,
  N_AGENT_STATES
} AgentState;

static const char * const agent_state_names[N_AGENT_STATES] = {
  "logged_out", "available", "ringing", "on_call", "on_hold", "wrap_up", "paused",
};

typedef enum
{
  CALL_UNKNOWN,
  CALL_IVR,
  CALL_QUEUED,
  CALL_RINGING,
  CALL_CONNECTED,
  CALL_ON_HOLD,
  CALL_WRAP_UP,
  CALL_ENDED,
} CallState;

typedef enum
{
  CATEGORY_UNKNOWN,
  CATEGORY_SUCCESS,
  CATEGORY_CONTACT,
  CATEGORY_NO_CONTACT,
  CATEGORY_DNC,
  CATEGORY_CALLBACK,
} Category;

enum
{
  F_USED             = 1 << 0,
  F_OUT              = 1 << 1,
  F_ABANDONED        = 1 << 2,
  F_DROPPED          = 1 << 3,
  F_MACHINE          = 1 << 4,  /* end_reason "machine": AMD hung up on a machine */
  F_IN_NUMBER_INDEX  = 1 << 5,
  F_IN_LEAD_INDEX    = 1 << 6,
  F_WAITING          = 1 << 7,
};

typedef struct
{
  char    *id;            /* the key of calls_by_id */
  char    *number;        /* unmasked customer number of an inbound call, or NULL */
  char    *lead_key;      /* "l:<lead id>" or "n:<number>" of an outbound call, or NULL */
  gint64   created_at;
  gint64   queued_at;
  gint64   answered_at;
  gint64   ended_at;
  gint64   wrap_up_ended_at;
  gint64   hold_ms;
  gint64   bucket;        /* the created_at bucket it is filed in */
  gint64   prev_same;     /* created_at of the previous / next call of the same number or */
  gint64   next_same;     /* lead in the repeat index; NO_TIME: none */
  float    survey;        /* < 0: none */
  guint32  queue;         /* atoms; 0: none */
  guint32  agent;
  guint32  campaign;
  guint32  disposition;
  guint32  pos_all;       /* positions in the three bucket arrays */
  guint32  pos_queue;
  guint32  pos_campaign;
  guint16  transfers;
  guint8   state;
  guint8   flags;
  guint8   drop_share;    /* DropShare bits it added to its campaign's counters */
} Call;

typedef struct
{
  gint64     base;        /* bucket number of buckets[0] */
  GPtrArray *buckets;     /* GArray of guint32 slots, or NULL */
} Group;

typedef struct
{
  gint32 person;          /* answered by a person (including drops) */
  gint32 drops;
  gint32 machines;        /* classified as a machine by AMD and hung up */
  gint32 agent_machines;  /* reached an agent who found no person (category no_contact) */
} DropCounts;

enum
{
  SHARE_PERSON         = 1 << 0,
  SHARE_DROP           = 1 << 1,
  SHARE_MACHINE        = 1 << 2,
  SHARE_AGENT_MACHINE  = 1 << 3,
};

typedef struct
{
  gint64 start;
  gint64 state;           /* AgentState; gint64 keeps the struct free of padding */
} Segment;

typedef struct
{
  guint32  atom;
  guint8   state;
  gboolean deleted;
  gboolean seen;
  gint64   state_since;
  GArray  *segments;      /* Segment, by start */
  GArray  *teams;         /* guint32 atoms */
  GArray  *queues;
  guint32  campaign;
} Agent;

typedef struct
{
  guint32  atom;
  gboolean known;
  gint64   sl_threshold_ms;  /* 0: unknown */
  double   sl_target_pct;    /* 0: unknown */
  GArray  *teams;
} Queue;

typedef struct
{
  guint32  atom;
  gboolean known;
  gboolean deleted;
  gboolean amd;
  guint32  rule_set;
  guint32  queue;
  gint64   leads_dialable;   /* < 0: unknown */
  GArray  *teams;
  gint64   drop_base;        /* bucket number of drops[0] */
  GArray  *drops;            /* DropCounts per 15 minutes */
} Campaign;

typedef struct
{
  CbDropRateMethod method;   /* US or UK */
  double           cap_pct;
  gboolean         has_cap;
} RuleSet;

struct _CbMetrics
{
  GTimeZone  *tz;
  gint64      retention_ms;
  gint64      complete_since;   /* every call since then is known; 0: all */
  double      amd_false_positive_rate;

  gint64      latest_ts;        /* latest event applied; NO_TIME before the first */
  gint64      pruned_bucket;    /* buckets below it have been forgotten */
  gint64      max_span;         /* longest (latest instant − created_at) of any call */
  gboolean    seen_agents;

  /* atoms: small ids of queues, agents, campaigns, teams, dispositions, rule sets */
  GHashTable *atoms;            /* char* → index */
  GPtrArray  *atom_names;

  GArray     *calls;            /* Call, by slot */
  GArray     *free_slots;       /* guint32 */
  GHashTable *calls_by_id;      /* char* (the call's id) → slot + 1 */
  guint       n_calls;
  GHashTable *waiting;          /* slot + 1: calls queued now */

  Group       all;
  GHashTable *by_queue;         /* atom → Group* */
  GHashTable *by_campaign;

  GHashTable *number_index;     /* number → GArray gint64 created_at of inbound calls */
  GHashTable *lead_index;       /* lead key → GArray gint64 created_at of outbound contacts */

  GPtrArray  *agents;           /* owns Agent */
  GPtrArray  *agents_by_atom;
  GPtrArray  *queues_by_atom;   /* owns Queue */
  GPtrArray  *campaigns_by_atom;/* owns Campaign */
  GPtrArray  *rule_sets_by_atom;/* owns RuleSet */
  GByteArray *categories;       /* Category by disposition atom */
};

/* ---------------------------------------------------------------------- */
/* The catalog                                                             */

#define SHORT_CONTEXT "metric short name"

static const CbMetricInfo catalog[CB_METRIC_N_METRICS] = {
  { CB_METRIC_CALLS_WAITING, "calls-waiting",
    N_("Calls waiting"),
    NC_("metric short name", "Waiting"),
    CB_METRIC_UNIT_COUNT,
    N_("Calls in a queue now, not yet answered or abandoned"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 5, 10 },
  { CB_METRIC_LONGEST_WAIT, "longest-wait",
    N_("Longest wait"),
    NC_("metric short name", "Longest"),
    CB_METRIC_UNIT_MS,
    N_("Now minus the queuing time of the call that has waited longest"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 60000, 120000 },
  { CB_METRIC_SERVICE_LEVEL, "service-level",
    N_("Service level"),
    /* Translators: SL is the usual abbreviation of "service level", the share
       of calls answered within a threshold such as 20 seconds */
    NC_("metric short name", "SL"),
    CB_METRIC_UNIT_PERCENT,
    N_("Calls answered within the threshold ÷ (calls answered + calls abandoned)"),
    /* Translators: the variants of the service-level formula; T is the threshold */
    N_("Answered within T ÷ (answered + abandoned); answered within T ÷ answered; "
       "answered within T ÷ offered; (answered within T + abandoned within T) ÷ offered"),
    CB_METRIC_DIRECTION_HIGHER_IS_BETTER, TRUE, 80, 70 },
  { CB_METRIC_ASA, "asa",
    N_("Average speed of answer"),
    /* Translators: ASA is the usual abbreviation of "average speed of answer",
       how long answered callers waited in the queue on average */
    NC_("metric short name", "ASA"),
    CB_METRIC_UNIT_MS,
    N_("Total wait of the calls answered ÷ calls answered"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 20000, 40000 },
  { CB_METRIC_AVG_TIME_IN_QUEUE, "avg-time-in-queue",
    N_("Average time in queue"),
    NC_("metric short name", "In queue"),
    CB_METRIC_UNIT_MS,
    N_("Total wait of the calls that left the queue, answered or not ÷ those calls"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 30000, 60000 },
  { CB_METRIC_AHT, "aht",
    N_("Average handle time"),
    /* Translators: AHT is the usual abbreviation of "average handle time",
       talk plus hold plus after-call work per call */
    NC_("metric short name", "AHT"),
    CB_METRIC_UNIT_MS,
    N_("Total talk + hold + wrap-up time of the calls handled ÷ calls handled"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 360000, 480000 },
  { CB_METRIC_AVG_TALK, "avg-talk",
    N_("Average talk time"),
    NC_("metric short name", "Talk"),
    CB_METRIC_UNIT_MS,
    N_("Total talk time (connected, not on hold) of the calls handled ÷ calls handled"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 300000, 420000 },
  { CB_METRIC_AVG_HOLD, "avg-hold",
    N_("Average hold time"),
    NC_("metric short name", "Hold"),
    CB_METRIC_UNIT_MS,
    N_("Total hold time of the calls handled ÷ calls handled"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 30000, 60000 },
  { CB_METRIC_AVG_WRAP_UP, "avg-wrap-up",
    N_("Average wrap-up time"),
    NC_("metric short name", "Wrap-up"),
    CB_METRIC_UNIT_MS,
    N_("Total after-call work time of the calls handled ÷ calls handled"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 60000, 120000 },
  { CB_METRIC_ABANDON_RATE, "abandon-rate",
    N_("Abandonment rate"),
    NC_("metric short name", "Abandoned"),
    CB_METRIC_UNIT_PERCENT,
    N_("Calls abandoned ÷ calls offered; abandons shorter than the short-abandon "
       "threshold count in neither"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 5, 10 },
  { CB_METRIC_TRANSFER_RATE, "transfer-rate",
    N_("Transfer rate"),
    NC_("metric short name", "Transfers"),
    CB_METRIC_UNIT_PERCENT,
    N_("Calls handled with at least one transfer ÷ calls handled"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 10, 20 },
  { CB_METRIC_FCR, "fcr",
    N_("First-call resolution"),
    /* Translators: FCR is the usual abbreviation of "first-call resolution",
       the share of callers who did not need to call again */
    NC_("metric short name", "FCR"),
    CB_METRIC_UNIT_PERCENT,
    N_("Inbound calls handled with no further call from the same number within N days "
       "÷ inbound calls handled with a known number"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, TRUE, 70, 60 },
  { CB_METRIC_CSAT, "csat",
    N_("Customer satisfaction"),
    /* Translators: CSAT is the usual abbreviation of "customer satisfaction",
       from post-call surveys scored 1 to 5 */
    NC_("metric short name", "CSAT"),
    CB_METRIC_UNIT_PERCENT,
    N_("Surveys scoring 4 or 5 ÷ surveys answered"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, TRUE, 80, 70 },
  { CB_METRIC_CSAT_MEAN, "csat-mean",
    N_("Average survey score"),
    NC_("metric short name", "Score"),
    CB_METRIC_UNIT_SCORE,
    N_("Sum of the survey scores (1–5) ÷ surveys answered"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, TRUE, 4.0, 3.5 },
  { CB_METRIC_OFFERED, "offered",
    N_("Calls offered"),
    NC_("metric short name", "Offered"),
    CB_METRIC_UNIT_COUNT,
    N_("Calls that entered the queue"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_ANSWERED, "answered",
    N_("Calls answered"),
    NC_("metric short name", "Answered"),
    CB_METRIC_UNIT_COUNT,
    N_("Calls from the queue answered by an agent"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_ABANDONED, "abandoned",
    N_("Calls abandoned"),
    NC_("metric short name", "Abandons"),
    CB_METRIC_UNIT_COUNT,
    N_("Callers who hung up while waiting in the queue"),
    NULL, CB_METRIC_DIRECTION_LOWER_IS_BETTER, FALSE, 0, 0 },
  { CB_METRIC_OCCUPANCY, "occupancy",
    N_("Occupancy"),
    NC_("metric short name", "Occupancy"),
    CB_METRIC_UNIT_PERCENT,
    N_("Agent time on calls, on hold and in wrap-up ÷ (that time + time available)"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, TRUE, 70, 60 },
  { CB_METRIC_CALLS_PER_AGENT, "calls-per-agent",
    N_("Calls per agent"),
    NC_("metric short name", "Per agent"),
    CB_METRIC_UNIT_COUNT,
    N_("Calls answered by agents ÷ agents logged in during the window"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, FALSE, 0, 0 },
  { CB_METRIC_CALLS_PER_AGENT_HOUR, "calls-per-agent-hour",
    N_("Calls per agent hour"),
    NC_("metric short name", "Per hour"),
    CB_METRIC_UNIT_PER_HOUR,
    N_("Calls answered by agents ÷ hours agents were logged in"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, FALSE, 0, 0 },
  { CB_METRIC_AGENTS_LOGGED_IN, "agents-logged-in",
    N_("Agents logged in"),
    NC_("metric short name", "Logged in"),
    CB_METRIC_UNIT_AGENTS,
    N_("Agents in any state but logged out now"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_AGENTS_AVAILABLE, "agents-available",
    N_("Agents available"),
    NC_("metric short name", "Available"),
    CB_METRIC_UNIT_AGENTS,
    N_("Agents waiting for a call now"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_AGENTS_RINGING, "agents-ringing",
    N_("Agents ringing"),
    NC_("metric short name", "Ringing"),
    CB_METRIC_UNIT_AGENTS,
    N_("Agents being offered a call now"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_AGENTS_ON_CALL, "agents-on-call",
    N_("Agents on a call"),
    NC_("metric short name", "On call"),
    CB_METRIC_UNIT_AGENTS,
    N_("Agents talking or with a call on hold now"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_AGENTS_WRAP_UP, "agents-wrap-up",
    N_("Agents in wrap-up"),
    NC_("metric short name", "Wrap-up"),
    CB_METRIC_UNIT_AGENTS,
    N_("Agents doing after-call work now"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_AGENTS_PAUSED, "agents-paused",
    N_("Agents paused"),
    NC_("metric short name", "Paused"),
    CB_METRIC_UNIT_AGENTS,
    N_("Agents paused now"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_DIALS, "dials",
    N_("Dials"),
    NC_("metric short name", "Dials"),
    CB_METRIC_UNIT_COUNT,
    N_("Outbound calls placed"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_DIALS_PER_HOUR, "dials-per-hour",
    N_("Dials per hour"),
    NC_("metric short name", "Dials/h"),
    CB_METRIC_UNIT_PER_HOUR,
    N_("Outbound calls placed ÷ hours of the window"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_ASR, "asr",
    N_("Answer success rate"),
    /* Translators: ASR is the usual abbreviation of "answer success rate",
       the share of dialed calls answered by a person (not a machine) */
    NC_("metric short name", "ASR"),
    CB_METRIC_UNIT_PERCENT,
    N_("Dials answered by a person ÷ dials"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, FALSE, 0, 0 },
  { CB_METRIC_AVG_CALL_DURATION, "avg-call-duration",
    N_("Average call duration"),
    NC_("metric short name", "Duration"),
    CB_METRIC_UNIT_MS,
    N_("Total time from answer to hang-up of outbound calls connected to an agent ÷ those calls"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_CONVERSION_RATE, "conversion-rate",
    N_("Conversion rate"),
    NC_("metric short name", "Conversion"),
    CB_METRIC_UNIT_PERCENT,
    N_("Contacts with a success disposition ÷ contacts (calls answered by a person)"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, FALSE, 0, 0 },
  { CB_METRIC_FIRST_CALL_CLOSE, "first-call-close",
    N_("First-call close"),
    NC_("metric short name", "First close"),
    CB_METRIC_UNIT_PERCENT,
    N_("Successes on the lead's first contact in N days ÷ successes"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, FALSE, 0, 0 },
  { CB_METRIC_DROP_RATE, "drop-rate",
    N_("Drop rate"),
    NC_("metric short name", "Drops"),
    CB_METRIC_UNIT_PERCENT,
    N_("By the rule set's method: US drops ÷ calls answered by a person over 30 days, "
       "or UK Ofcom (drops + AMD false positives) ÷ (live calls + those) over the day"),
    /* Translators: AMD is "answering machine detection" */
    N_("US (FTC): drops ÷ calls answered by a person, per campaign, the last 30 days; "
       "UK (Ofcom): (drops + estimated AMD false positives) ÷ (live calls + drops + "
       "estimated AMD false positives), per campaign, the calendar day"),
    CB_METRIC_DIRECTION_LOWER_IS_BETTER, TRUE, 2.5, 3.0 },
  { CB_METRIC_LEADS_DIALABLE, "leads-dialable",
    N_("Leads dialable"),
    NC_("metric short name", "Dialable"),
    CB_METRIC_UNIT_COUNT,
    N_("Leads the campaigns could dial now, as the backend reports them"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_ERLANG_AGENTS_NEEDED, "erlang-agents-needed",
    N_("Agents needed (Erlang C)"),
    NC_("metric short name", "Needed"),
    CB_METRIC_UNIT_AGENTS,
    N_("Fewest agents whose Erlang C service level meets the queue's target, "
       "at the window's calls per hour and average handle time"),
    NULL, CB_METRIC_DIRECTION_NONE, FALSE, 0, 0 },
  { CB_METRIC_ERLANG_SL_STAFFED, "erlang-sl-staffed",
    N_("Predicted service level (Erlang C)"),
    NC_("metric short name", "Predicted SL"),
    CB_METRIC_UNIT_PERCENT,
    N_("Erlang C service level with the agents staffed now, at the window's calls per "
       "hour and average handle time"),
    NULL, CB_METRIC_DIRECTION_HIGHER_IS_BETTER, TRUE, 80, 70 },
};

const CbMetricInfo *
cb_metric_get_info (CbMetricId id)
{
  g_return_val_if_fail (id < CB_METRIC_N_METRICS, NULL);
  g_assert (catalog[id].id == id);
  return &catalog[id];
}

const CbMetricInfo *
cb_metric_get_catalog (guint *n_metrics)
{
  if (n_metrics != NULL)
    *n_metrics = CB_METRIC_N_METRICS;
  return catalog;
}

const char *
cb_metric_get_name (CbMetricId id)
{
  g_return_val_if_fail (id < CB_METRIC_N_METRICS, NULL);
  return _(catalog[id].name);
}

const char *
cb_metric_get_short_name (CbMetricId id)
{
  g_return_val_if_fail (id < CB_METRIC_N_METRICS, NULL);
  return g_dpgettext2 (GETTEXT_PACKAGE, SHORT_CONTEXT, catalog[id].short_name);
}

/**
 * cb_metric_get_formula:
 *
 * Returns: the translated formula of @id as computed with @params (the
 * service-level variant and drop-rate method named), for display.
 */
const char *
cb_metric_get_formula (CbMetricId            id,
                       const CbMetricParams *params)
{
  g_return_val_if_fail (id < CB_METRIC_N_METRICS, NULL);

  if (id == CB_METRIC_SERVICE_LEVEL && params != NULL)
    {
      switch (params->sl_variant)
        {
        case CB_SL_OF_ANSWERED:
          return _("Calls answered within the threshold ÷ calls answered");
        case CB_SL_OF_OFFERED:
          return _("Calls answered within the threshold ÷ calls offered");
        case CB_SL_ABANDON_NEUTRAL:
          return _("(Calls answered within the threshold + calls abandoned within the "
                   "threshold) ÷ calls offered");
        case CB_SL_PROTOCOL:
        default:
          break;
        }
    }

  if (id == CB_METRIC_DROP_RATE && params != NULL)
    {
      switch (params->drop_method)
        {
        case CB_DROP_RATE_US:
          return _("Drops ÷ calls answered by a person, per campaign, over the last 30 days "
                   "(US FTC Telemarketing Sales Rule)");
        case CB_DROP_RATE_UK:
          /* Translators: AMD is "answering machine detection"; a false positive is a
             person the dialer took for a machine and hung up on */
          return _("(Drops + estimated AMD false positives) ÷ (live calls + drops + estimated "
                   "AMD false positives), per campaign, over the calendar day (UK Ofcom)");
        case CB_DROP_RATE_RULE_SET:
        default:
          break;
        }
    }

  return _(catalog[id].formula);
}

/* ---------------------------------------------------------------------- */
/* Erlang C                                                                */

/* Erlang B by the recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)):
 * every step stays in [0, 1], so it neither overflows nor loses precision
 * for thousands of agents, unlike A^N / N!. */
static double
erlang_b (double traffic,
          guint  agents)
{
  double b = 1.0;

  for (guint n = 1; n <= agents; n++)
    b = traffic * b / (n + traffic * b);
  return b;
}

static double
erlang_c_from_b (double traffic,
                 guint  agents,
                 double b)
{
  if (agents == 0 || traffic >= agents)
    return 1.0;
  return agents * b / (agents - traffic * (1.0 - b));
}

/**
 * cb_erlang_c_wait_probability:
 *
 * Returns: the Erlang C probability that a call waits, with
 * @traffic_erlangs offered to @agents (1 when agents ≤ traffic: the queue
 * grows without bound)
 */
double
cb_erlang_c_wait_probability (double traffic_erlangs,
                              guint  agents)
{
  if (traffic_erlangs <= 0)
    return 0.0;
  return erlang_c_from_b (traffic_erlangs, agents, erlang_b (traffic_erlangs, agents));
}

static double
service_level_from_c (double traffic,
                      guint  agents,
                      double c,
                      double aht_s,
                      double threshold_s)
{
  if (traffic <= 0)
    return 1.0;
  if (agents == 0 || traffic >= agents || aht_s <= 0)
    return 0.0;
  return 1.0 - c * exp (-(agents - traffic) * threshold_s / aht_s);
}

/**
 * cb_erlang_c_service_level:
 *
 * Returns: the share (0–1) of calls answered within @threshold_s:
 * 1 − C(A, N) · e^(−(N − A) · T / AHT)
 */
double
cb_erlang_c_service_level (double traffic_erlangs,
                           guint  agents,
                           double aht_s,
                           double threshold_s)
{
  double c = cb_erlang_c_wait_probability (traffic_erlangs, agents);

  return service_level_from_c (traffic_erlangs, agents, c, aht_s, threshold_s);
}

/**
 * cb_erlang_c_agents_needed:
 *
 * Returns: the fewest agents whose service level reaches @target_pct;
 * 0 for no traffic; G_MAXUINT when no count reaches it (a target of 100 %)
 */
guint
cb_erlang_c_agents_needed (double traffic_erlangs,
                           double aht_s,
                           double threshold_s,
                           double target_pct)
{
  double target = target_pct / 100.0;
  double limit;
  double b;
  guint n;

  if (traffic_erlangs <= 0)
    return 0;
  if (target >= 1.0 || aht_s <= 0)
    return G_MAXUINT;

  /* Start at the first count above the traffic, carrying B along. */
  n = (guint) floor (traffic_erlangs) + 1;
  b = erlang_b (traffic_erlangs, n);
  limit = traffic_erlangs + 100 + 50 * sqrt (traffic_erlangs);

  for (; n <= limit; n++)
    {
      double c;

      if (n > (guint) floor (traffic_erlangs) + 1)
        b = traffic_erlangs * b / (n + traffic_erlangs * b);
      c = erlang_c_from_b (traffic_erlangs, n, b);
      if (service_level_from_c (traffic_erlangs, n, c, aht_s, threshold_s) >= target)
        return n;
    }

  return G_MAXUINT;
}

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

static inline gint64
floor_div (gint64 a,
           gint64 b)
{
  gint64 q = a / b;

  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

static inline gboolean
in_window (gint64 t,
           gint64 from,
           gint64 to)
{
  return t != NO_TIME && t >= from && t < to;
}

/* The earliest instant whose calls are still kept. */
static gint64
horizon (CbMetrics *self)
{
  if (self->latest_ts == NO_TIME)
    return G_MININT64;
  return self->latest_ts - self->retention_ms;
}

static const CbJsonValue *
get_value_node (const CbJsonValue *o,
                const char        *member)
{
  const CbJsonValue *value = cb_json_value_get_member (o, member);
  CbJsonKind kind = value != NULL ? cb_json_value_get_kind (value) : CB_JSON_NULL;

  if (kind == CB_JSON_NULL || kind == CB_JSON_ARRAY || kind == CB_JSON_OBJECT)
    return NULL;
  return value;
}

static gint64
get_time (const CbJsonValue *o,
          const char        *member)
{
  return cb_json_value_lookup_int (o, member, NO_TIME);
}

static guint
get_array_length (const CbJsonValue *o,
                  const char        *member)
{
  return cb_json_value_get_length (cb_json_value_lookup_array (o, member));
}

static guint32
atom_lookup (CbMetrics  *self,
             const char *name)
{
  gpointer value;

  if (name == NULL || *name == '\0')
    return 0;
  if (!g_hash_table_lookup_extended (self->atoms, name, NULL, &value))
    return 0;
  return GPOINTER_TO_UINT (value);
}

static guint32
atom_intern (CbMetrics  *self,
             const char *name)
{
  guint32 atom = atom_lookup (self, name);
  char *copy;

  if (atom != 0 || name == NULL || *name == '\0')
    return atom;

  copy = g_strdup (name);
  atom = self->atom_names->len;
  g_ptr_array_add (self->atom_names, copy);
  g_hash_table_insert (self->atoms, copy, GUINT_TO_POINTER (atom));
  return atom;
}

static gpointer
atom_get (GPtrArray *array,
          guint32    atom)
{
  if (atom == 0 || atom >= array->len)
    return NULL;
  return g_ptr_array_index (array, atom);
}

static void
atom_set (GPtrArray *array,
          guint32    atom,
          gpointer   value)
{
  if (atom >= array->len)
    g_ptr_array_set_size (array, atom + 1);
  g_ptr_array_index (array, atom) = value;
}

/* Replaces @atoms with the interned strings of the array member @member. */
static void
read_atom_array (CbMetrics         *self,
                 const CbJsonValue *o,
                 const char        *member,
                 GArray            *atoms)
{
  const CbJsonValue *element;
  CbJsonIter iter;

  g_array_set_size (atoms, 0);
  cb_json_iter_init (&iter, cb_json_value_lookup_array (o, member));
  while (cb_json_iter_next (&iter, NULL, &element))
    {
      guint32 atom = atom_intern (self, cb_json_value_get_string (element));

      if (atom != 0)
        g_array_append_val (atoms, atom);
    }
}

static gboolean
atoms_contain_any (GArray        *atoms,
                   const guint8  *set,
                   guint          set_size)
{
  if (atoms == NULL)
    return FALSE;
  for (guint i = 0; i < atoms->len; i++)
    {
      guint32 atom = g_array_index (atoms, guint32, i);

      if (atom < set_size && set[atom])
        return TRUE;
    }
  return FALSE;
}

static void
free_bucket (gpointer data)
{
  if (data != NULL)
    g_array_unref (data);
}

static Group *
group_new (void)
{
  Group *group = g_new0 (Group, 1);

  group->buckets = g_ptr_array_new_with_free_func (free_bucket);
  return group;
}

static void
group_clear (Group *group)
{
  g_clear_pointer (&group->buckets, g_ptr_array_unref);
}

static void
group_free (gpointer data)
{
  Group *group = data;

  group_clear (group);
  g_free (group);
}

static inline Call *
call_at (CbMetrics *self,
         guint32    slot)
{
  return &g_array_index (self->calls, Call, slot);
}

typedef enum
{
  POS_ALL,
  POS_QUEUE,
  POS_CAMPAIGN,
} PosKind;

static guint32 *
call_pos (Call    *call,
          PosKind  kind)
{
  switch (kind)
    {
    case POS_QUEUE:
      return &call->pos_queue;
    case POS_CAMPAIGN:
      return &call->pos_campaign;
    case POS_ALL:
    default:
      return &call->pos_all;
    }
}

static void
group_add (CbMetrics *self,
           Group     *group,
           gint64     bucket,
           guint32    slot,
           PosKind    kind)
{
  GArray *array;
  gint64 index;

  if (group->buckets->len == 0)
    group->base = bucket;
  if (bucket < group->base)
    {
      /* An older call than any filed: open buckets in front. */
      guint n = (guint) (group->base - bucket);

      for (guint i = 0; i < n; i++)
        g_ptr_array_insert (group->buckets, 0, NULL);
      group->base = bucket;
    }
  index = bucket - group->base;
  if (index >= group->buckets->len)
    g_ptr_array_set_size (group->buckets, (guint) index + 1);

  array = g_ptr_array_index (group->buckets, index);
  if (array == NULL)
    {
      array = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_ptr_array_index (group->buckets, index) = array;
    }
  *call_pos (call_at (self, slot), kind) = array->len;
  g_array_append_val (array, slot);
}

static void
group_remove (CbMetrics *self,
              Group     *group,
              gint64     bucket,
              guint32    slot,
              PosKind    kind)
{
  GArray *array;
  guint32 pos = *call_pos (call_at (self, slot), kind);
  guint32 last;

  g_assert (bucket >= group->base && bucket - group->base < group->buckets->len);
  array = g_ptr_array_index (group->buckets, bucket - group->base);
  g_assert (array != NULL && pos < array->len && g_array_index (array, guint32, pos) == slot);

  last = g_array_index (array, guint32, array->len - 1);
  g_array_index (array, guint32, pos) = last;
  *call_pos (call_at (self, last), kind) = pos;
  g_array_set_size (array, array->len - 1);
}

static Group *
group_for (GHashTable *groups,
           guint32     atom,
           gboolean    create)
{
  Group *group = g_hash_table_lookup (groups, GUINT_TO_POINTER (atom));

  if (group == NULL && create)
    {
      group = group_new ();
      g_hash_table_insert (groups, GUINT_TO_POINTER (atom), group);
    }
  return group;
}

/* The repeat indexes: under a string key (a number, a lead), the calls
 * sorted by created_at. Each call also holds the created_at of its two
 * neighbours (prev_same, next_same), kept up to date here, so that FCR and
 * first-call close read them without a lookup. */
typedef struct
{
  gint64  t;
  guint32 slot;
  guint32 unused;
} IndexEntry;

static void
time_index_add (CbMetrics  *self,
                GHashTable *index,
                const char *key,
                gint64      t,
                guint32     slot)
{
  GArray *entries = g_hash_table_lookup (index, key);
  IndexEntry entry = { t, slot, 0 };
  Call *call = call_at (self, slot);
  guint lo = 0, hi;

  if (entries == NULL)
    {
      entries = g_array_new (FALSE, FALSE, sizeof (IndexEntry));
      g_hash_table_insert (index, g_strdup (key), entries);
    }
  hi = entries->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (entries, IndexEntry, mid).t <= t)
        lo = mid + 1;
      else
        hi = mid;
    }
  g_array_insert_val (entries, lo, entry);

  call->prev_same = NO_TIME;
  call->next_same = NO_TIME;
  if (lo > 0)
    {
      IndexEntry *prev = &g_array_index (entries, IndexEntry, lo - 1);

      call->prev_same = prev->t;
      call_at (self, prev->slot)->next_same = t;
    }
  if (lo + 1 < entries->len)
    {
      IndexEntry *next = &g_array_index (entries, IndexEntry, lo + 1);

      call->next_same = next->t;
      call_at (self, next->slot)->prev_same = t;
    }
}

static void
time_index_remove (CbMetrics  *self,
                   GHashTable *index,
                   const char *key,
                   guint32     slot)
{
  GArray *entries = g_hash_table_lookup (index, key);

  if (entries == NULL)
    return;
  for (guint i = 0; i < entries->len; i++)
    if (g_array_index (entries, IndexEntry, i).slot == slot)
      {
        IndexEntry *prev = i > 0 ? &g_array_index (entries, IndexEntry, i - 1) : NULL;
        IndexEntry *next = i + 1 < entries->len ? &g_array_index (entries, IndexEntry, i + 1) : NULL;

        if (prev != NULL)
          call_at (self, prev->slot)->next_same = next != NULL ? next->t : NO_TIME;
        if (next != NULL)
          call_at (self, next->slot)->prev_same = prev != NULL ? prev->t : NO_TIME;
        g_array_remove_index (entries, i);
        break;
      }
  if (entries->len == 0)
    g_hash_table_remove (index, key);
}

/* Whether any call of @key was created in [lo, hi). */
static gboolean
time_index_any_in (GHashTable *index,
                   const char *key,
                   gint64      lo,
                   gint64      hi)
{
  GArray *entries = g_hash_table_lookup (index, key);
  guint a = 0, b;

  if (entries == NULL)
    return FALSE;
  b = entries->len;
  while (a < b)
    {
      guint mid = (a + b) / 2;

      if (g_array_index (entries, IndexEntry, mid).t < lo)
        a = mid + 1;
      else
        b = mid;
    }
  return a < entries->len && g_array_index (entries, IndexEntry, a).t < hi;
}

/* A repeat within @horizon_ms after @call: its next neighbour, unless that
 * was created in the same millisecond (then look further). */
static gboolean
call_has_repeat (CbMetrics  *self,
                 const Call *call,
                 gint64      horizon_ms)
{
  if (call->next_same == NO_TIME)
    return FALSE;
  if (call->next_same > call->created_at)
    return call->next_same <= call->created_at + horizon_ms;
  return time_index_any_in (self->number_index, call->number, call->created_at + 1,
                            call->created_at + horizon_ms + 1);
}

/* An earlier contact within @horizon_ms before @call. */
static gboolean
call_has_earlier (CbMetrics  *self,
                  const Call *call,
                  gint64      horizon_ms)
{
  if (call->prev_same == NO_TIME)
    return FALSE;
  if (call->prev_same < call->created_at)
    return call->prev_same >= call->created_at - horizon_ms;
  return time_index_any_in (self->lead_index, call->lead_key, call->created_at - horizon_ms,
                            call->created_at);
}

/* ---------------------------------------------------------------------- */
/* Entities                                                                */

static Queue *
queue_ensure (CbMetrics *self,
              guint32    atom)
{
  Queue *queue = atom_get (self->queues_by_atom, atom);

  if (queue == NULL && atom != 0)
    {
      queue = g_new0 (Queue, 1);
      queue->atom = atom;
      queue->teams = g_array_new (FALSE, FALSE, sizeof (guint32));
      atom_set (self->queues_by_atom, atom, queue);
    }
  return queue;
}

static void
queue_free (gpointer data)
{
  Queue *queue = data;

  if (queue == NULL)
    return;
  g_array_unref (queue->teams);
  g_free (queue);
}

static Campaign *
campaign_ensure (CbMetrics *self,
                 guint32    atom)
{
  Campaign *campaign = atom_get (self->campaigns_by_atom, atom);

  if (campaign == NULL && atom != 0)
    {
      campaign = g_new0 (Campaign, 1);
      campaign->atom = atom;
      campaign->leads_dialable = -1;
      campaign->teams = g_array_new (FALSE, FALSE, sizeof (guint32));
      campaign->drops = g_array_new (FALSE, TRUE, sizeof (DropCounts));
      atom_set (self->campaigns_by_atom, atom, campaign);
    }
  return campaign;
}

static void
campaign_free (gpointer data)
{
  Campaign *campaign = data;

  if (campaign == NULL)
    return;
  g_array_unref (campaign->teams);
  g_array_unref (campaign->drops);
  g_free (campaign);
}

static void
agent_free (gpointer data)
{
  Agent *agent = data;

  g_array_unref (agent->segments);
  g_array_unref (agent->teams);
  g_array_unref (agent->queues);
  g_free (agent);
}

static Category
call_category (CbMetrics  *self,
               const Call *call)
{
  if (call->disposition == 0 || call->disposition >= self->categories->len)
    return CATEGORY_UNKNOWN;
  return self->categories->data[call->disposition];
}

static inline gboolean
call_person (const Call *call)
{
  return (call->flags & F_OUT) && call->answered_at != NO_TIME && !(call->flags & F_MACHINE);
}

/* The instant a call's handling is over: the end of wrap-up, or the end of
 * a call that is final without wrap-up. NO_TIME while in progress. */
static inline gint64
call_handle_end (const Call *call)
{
  if (call->wrap_up_ended_at != NO_TIME)
    return call->wrap_up_ended_at;
  if (call->state == CALL_ENDED)
    return call->ended_at;
  return NO_TIME;
}

static gint64
call_sl_threshold (CbMetrics            *self,
                   const Call           *call,
                   const CbMetricParams *params)
{
  Queue *queue;

  if (params->sl_threshold_ms > 0)
    return params->sl_threshold_ms;
  queue = atom_get (self->queues_by_atom, call->queue);
  if (queue != NULL && queue->sl_threshold_ms > 0)
    return queue->sl_threshold_ms;
  return DEFAULT_SL_MS;
}

/* The share of a call in its campaign's drop-rate counters, at the instant
 * a person (or machine) answered. */
static gboolean
call_drop_share (CbMetrics  *self,
                 const Call *call,
                 gint64     *instant,
                 DropCounts *counts)
{
  memset (counts, 0, sizeof *counts);
  if (!(call->flags & F_OUT) || call->campaign == 0)
    return FALSE;
  *instant = call->answered_at != NO_TIME ? call->answered_at : call->ended_at;
  if (*instant == NO_TIME)
    return FALSE;

  if (call->flags & F_MACHINE)
    counts->machines = 1;
  else if (call->answered_at != NO_TIME)
    {
      counts->person = 1;
      if (call->flags & F_DROPPED)
        counts->drops = 1;
      else if (call->agent != 0 && call_category (self, call) == CATEGORY_NO_CONTACT)
        counts->agent_machines = 1;
    }
  else if (call->flags & F_DROPPED)
    {
      counts->person = 1;
      counts->drops = 1;
    }
  return counts->person || counts->machines;
}

static void
campaign_add_drops (CbMetrics        *self,
                    Campaign         *campaign,
                    gint64            instant,
                    const DropCounts *counts,
                    int               sign)
{
  gint64 bucket = floor_div (instant, BUCKET_MS);
  DropCounts *slot;
  gint64 index;

  if (self->latest_ts != NO_TIME && instant < self->latest_ts - DROP_HISTORY_MS)
    return;
  if (campaign->drops->len == 0)
    campaign->drop_base = bucket;
  if (bucket < campaign->drop_base)
    {
      guint n = (guint) (campaign->drop_base - bucket);
      DropCounts zero = { 0, };

      for (guint i = 0; i < n; i++)
        g_array_prepend_val (campaign->drops, zero);
      campaign->drop_base = bucket;
    }
  index = bucket - campaign->drop_base;
  if (index >= campaign->drops->len)
    g_array_set_size (campaign->drops, (guint) index + 1);

  slot = &g_array_index (campaign->drops, DropCounts, index);
  slot->person += sign * counts->person;
  slot->drops += sign * counts->drops;
  slot->machines += sign * counts->machines;
  slot->agent_machines += sign * counts->agent_machines;
}

/* A call's share is computed when it is added and remembered, so that what
 * is taken out is exactly what was put in, even if its disposition's
 * category changed in between. */
static void
call_add_drops (CbMetrics *self,
                Call      *call)
{
  DropCounts counts;
  gint64 instant;

  call->drop_share = 0;
  if (!call_drop_share (self, call, &instant, &counts))
    return;
  call->drop_share = (counts.person ? SHARE_PERSON : 0) | (counts.drops ? SHARE_DROP : 0)
                     | (counts.machines ? SHARE_MACHINE : 0)
                     | (counts.agent_machines ? SHARE_AGENT_MACHINE : 0);
  campaign_add_drops (self, campaign_ensure (self, call->campaign), instant, &counts, +1);
}

static void
call_remove_drops (CbMetrics *self,
                   Call      *call)
{
  DropCounts counts;
  gint64 instant = call->answered_at != NO_TIME ? call->answered_at : call->ended_at;

  if (call->drop_share == 0)
    return;
  counts.person = (call->drop_share & SHARE_PERSON) != 0;
  counts.drops = (call->drop_share & SHARE_DROP) != 0;
  counts.machines = (call->drop_share & SHARE_MACHINE) != 0;
  counts.agent_machines = (call->drop_share & SHARE_AGENT_MACHINE) != 0;
  campaign_add_drops (self, campaign_ensure (self, call->campaign), instant, &counts, -1);
  call->drop_share = 0;
}

static void
call_file (CbMetrics *self,
           guint32    slot)
{
  Call *call = call_at (self, slot);
  gint64 bucket = call->bucket;
  guint32 queue = call->queue, campaign = call->campaign;

  group_add (self, &self->all, bucket, slot, POS_ALL);
  if (queue != 0)
    group_add (self, group_for (self->by_queue, queue, TRUE), bucket, slot, POS_QUEUE);
  if (campaign != 0)
    group_add (self, group_for (self->by_campaign, campaign, TRUE), bucket, slot, POS_CAMPAIGN);
}

static void
call_unfile (CbMetrics *self,
             guint32    slot)
{
  Call *call = call_at (self, slot);

  group_remove (self, &self->all, call->bucket, slot, POS_ALL);
  if (call->queue != 0)
    group_remove (self, group_for (self->by_queue, call->queue, FALSE), call->bucket, slot,
                  POS_QUEUE);
  if (call->campaign != 0)
    group_remove (self, group_for (self->by_campaign, call->campaign, FALSE), call->bucket, slot,
                  POS_CAMPAIGN);
}

static void
call_index (CbMetrics *self,
            Call      *call)
{
  if (call->number != NULL && !(call->flags & F_OUT))
    {
      time_index_add (self, self->number_index, call->number, call->created_at,
                      (guint32) (call - call_at (self, 0)));
      call->flags |= F_IN_NUMBER_INDEX;
    }
  if (call->lead_key != NULL && call_person (call))
    {
      time_index_add (self, self->lead_index, call->lead_key, call->created_at,
                      (guint32) (call - call_at (self, 0)));
      call->flags |= F_IN_LEAD_INDEX;
    }
}

static void
call_unindex (CbMetrics *self,
              Call      *call)
{
  if (call->flags & F_IN_NUMBER_INDEX)
    time_index_remove (self, self->number_index, call->number,
                       (guint32) (call - call_at (self, 0)));
  if (call->flags & F_IN_LEAD_INDEX)
    time_index_remove (self, self->lead_index, call->lead_key,
                       (guint32) (call - call_at (self, 0)));
  call->flags &= ~(F_IN_NUMBER_INDEX | F_IN_LEAD_INDEX);
}

static void
call_forget (CbMetrics *self,
             guint32    slot,
             gboolean   keep_drops)
{
  Call *call = call_at (self, slot);

  if (!keep_drops)
    call_remove_drops (self, call);
  call_unindex (self, call);
  call_unfile (self, slot);
  if (call->flags & F_WAITING)
    g_hash_table_remove (self->waiting, GUINT_TO_POINTER (slot + 1));

  g_hash_table_remove (self->calls_by_id, call->id);  /* frees call->id */
  g_free (call->number);
  g_free (call->lead_key);
  memset (call, 0, sizeof *call);
  g_array_append_val (self->free_slots, slot);
  self->n_calls--;
}

static CallState
parse_call_state (const char *state)
{
  static const char * const names[] = {
    "", "ivr", "queued", "ringing", "connected", "on_hold", "wrap_up", "ended",
  };

  if (state == NULL)
    return CALL_UNKNOWN;
  for (guint i = 1; i < G_N_ELEMENTS (names); i++)
    if (strcmp (state, names[i]) == 0)
      return i;
  return CALL_UNKNOWN;
}

static void
prune (CbMetrics *self);

static void
apply_call (CbMetrics  *self,
            gint64      ts,
            const char *id,
            const CbJsonValue *data)
{
  gpointer value;
  guint32 slot = 0;
  gboolean exists;
  Call *call;
  Call old;
  const char *number, *lead_id, *end_reason, *direction;
  gint64 created_at, bucket, latest;
  guint32 queue, campaign;
  double survey;

  exists = g_hash_table_lookup_extended (self->calls_by_id, id, NULL, &value);
  if (exists)
    slot = GPOINTER_TO_UINT (value) - 1;

  if (data == NULL)
    {
      /* An ended call leaves the live topic a minute after it ends (§5.1):
       * its facts stay. Any other delete withdraws the call. */
      if (exists && call_at (self, slot)->state != CALL_ENDED)
        call_forget (self, slot, FALSE);
      return;
    }

  created_at = get_time (data, "created_at");
  if (created_at == NO_TIME)
    created_at = exists ? call_at (self, slot)->created_at : ts;
  if (!exists && created_at < horizon (self))
    return;  /* already older than what is kept */

  if (!exists)
    {
      if (self->free_slots->len > 0)
        {
          slot = g_array_index (self->free_slots, guint32, self->free_slots->len - 1);
          g_array_set_size (self->free_slots, self->free_slots->len - 1);
        }
      else
        {
          slot = self->calls->len;
          g_array_set_size (self->calls, self->calls->len + 1);
        }
      call = call_at (self, slot);
      memset (call, 0, sizeof *call);
      call->id = g_strdup (id);
      call->flags = F_USED;
      g_hash_table_insert (self->calls_by_id, call->id, GUINT_TO_POINTER (slot + 1));
      self->n_calls++;
    }
  else
    {
      call = call_at (self, slot);
      call_remove_drops (self, call);
      call_unindex (self, call);
    }
  old = *call;

  queue = atom_intern (self, cb_json_value_lookup_string (data, "queue_id"));
  campaign = atom_intern (self, cb_json_value_lookup_string (data, "campaign_id"));
  bucket = floor_div (created_at, BUCKET_MS);
  if (exists && (queue != old.queue || campaign != old.campaign || bucket != old.bucket))
    call_unfile (self, slot);

  call->created_at = created_at;
  call->bucket = bucket;
  call->queued_at = get_time (data, "queued_at");
  call->answered_at = get_time (data, "answered_at");
  call->ended_at = get_time (data, "ended_at");
  call->wrap_up_ended_at = get_time (data, "wrap_up_ended_at");
  call->hold_ms = MAX (0, get_time (data, "hold_ms"));
  call->queue = queue;
  call->campaign = campaign;
  call->agent = atom_intern (self, cb_json_value_lookup_string (data, "agent_id"));
  call->disposition = atom_intern (self, cb_json_value_lookup_string (data, "disposition"));
  call->transfers = (guint16) MIN (get_array_length (data, "transfers"), G_MAXUINT16);
  call->state = parse_call_state (cb_json_value_lookup_string (data, "state"));
  survey = cb_json_value_lookup_double (data, "survey_score", -1.0);
  call->survey = survey >= 1.0 && survey <= 5.0 ? (float) survey : -1.0f;

  direction = cb_json_value_lookup_string (data, "direction");
  end_reason = cb_json_value_lookup_string (data, "end_reason");
  call->flags &= F_USED | F_WAITING;  /* the index flags were cleared above */
  if (g_strcmp0 (direction, "out") == 0)
    call->flags |= F_OUT;
  if (cb_json_value_lookup_boolean (data, "abandoned"))
    call->flags |= F_ABANDONED;
  if (cb_json_value_lookup_boolean (data, "dropped"))
    call->flags |= F_DROPPED;
  if (g_strcmp0 (end_reason, "machine") == 0)
    call->flags |= F_MACHINE;

  /* Repeat keys: masked numbers (digits replaced by '*') cannot be compared. */
  number = cb_json_value_lookup_string (data, "customer_number");
  if (number != NULL && (*number == '\0' || strchr (number, '*') != NULL))
    number = NULL;
  lead_id = cb_json_value_lookup_string (data, "lead_id");
  g_free (call->number);
  call->number = (number != NULL && !(call->flags & F_OUT)) ? g_strdup (number) : NULL;
  g_free (call->lead_key);
  if (!(call->flags & F_OUT))
    call->lead_key = NULL;
  else if (lead_id != NULL && *lead_id != '\0')
    call->lead_key = g_strconcat ("l:", lead_id, NULL);
  else if (number != NULL)
    call->lead_key = g_strconcat ("n:", number, NULL);
  else
    call->lead_key = NULL;

  if (!exists || queue != old.queue || campaign != old.campaign || bucket != old.bucket)
    call_file (self, slot);
  call = call_at (self, slot);  /* group_add does not move the slab, but be plain */
  call_index (self, call);
  call_add_drops (self, call);

  if (!(call->flags & F_OUT) && call->state == CALL_QUEUED && call->queued_at != NO_TIME)
    {
      if (!(call->flags & F_WAITING))
        g_hash_table_add (self->waiting, GUINT_TO_POINTER (slot + 1));
      call->flags |= F_WAITING;
    }
  else if (call->flags & F_WAITING)
    {
      g_hash_table_remove (self->waiting, GUINT_TO_POINTER (slot + 1));
      call->flags &= ~F_WAITING;
    }

  latest = MAX (MAX (call->queued_at, call->answered_at), MAX (call->ended_at, call->wrap_up_ended_at));
  if (latest != NO_TIME && latest - created_at > self->max_span)
    self->max_span = latest - created_at;
}

static AgentState
parse_agent_state (const char *state)
{
  if (state == NULL)
    return AGENT_LOGGED_OUT;
  for (guint i = 0; i < N_AGENT_STATES; i++)
    if (strcmp (state, agent_state_names[i]) == 0)
      return i;
  return AGENT_LOGGED_OUT;
}

static void
agent_push_state (Agent      *agent,
                  gint64      start,
                  AgentState  state)
{
  Segment segment = { start, state };

  if (agent->segments->len > 0)
    {
      Segment *last = &g_array_index (agent->segments, Segment, agent->segments->len - 1);

      if (last->state == state)
        return;
      if (start <= last->start)
        {
          /* Out of order or at the same instant: the newer state wins. */
          last->state = state;
          return;
        }
    }
  g_array_append_val (agent->segments, segment);
}

static void
apply_agent (CbMetrics  *self,
             gint64      ts,
             const char *id,
             const CbJsonValue *data)
{
  guint32 atom = atom_intern (self, id);
  Agent *agent = atom_get (self->agents_by_atom, atom);
  AgentState state;
  gint64 since;

  self->seen_agents = TRUE;

  if (data == NULL)
    {
      if (agent != NULL)
        {
          agent_push_state (agent, ts, AGENT_LOGGED_OUT);
          agent->state = AGENT_LOGGED_OUT;
          agent->deleted = TRUE;
        }
      return;
    }

  if (agent == NULL)
    {
      agent = g_new0 (Agent, 1);
      agent->atom = atom;
      agent->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
      agent->teams = g_array_new (FALSE, FALSE, sizeof (guint32));
      agent->queues = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_ptr_array_add (self->agents, agent);
      atom_set (self->agents_by_atom, atom, agent);
    }

  state = parse_agent_state (cb_json_value_lookup_string (data, "state"));
  since = get_time (data, "state_since");
  if (since == NO_TIME)
    since = ts;
  agent_push_state (agent, since, state);
  agent->state = state;
  agent->state_since = since;
  agent->deleted = FALSE;
  agent->seen = TRUE;
  read_atom_array (self, data, "team_ids", agent->teams);
  read_atom_array (self, data, "queue_ids", agent->queues);
  agent->campaign = atom_intern (self, cb_json_value_lookup_string (data, "campaign_id"));
}

static void
apply_queue (CbMetrics  *self,
             const char *id,
             const CbJsonValue *data)
{
  Queue *queue = queue_ensure (self, atom_intern (self, id));
  gint64 threshold_s;

  if (queue == NULL || data == NULL)
    return;  /* a deleted queue's settings still describe its calls */
  queue->known = TRUE;
  threshold_s = get_time (data, "sl_threshold_s");
  if (threshold_s != NO_TIME && threshold_s > 0)
    queue->sl_threshold_ms = threshold_s * 1000;
  queue->sl_target_pct = cb_json_value_lookup_double (data, "sl_target_pct", queue->sl_target_pct);
  read_atom_array (self, data, "team_ids", queue->teams);
}

static void
apply_campaign (CbMetrics  *self,
                const char *id,
                const CbJsonValue *data)
{
  Campaign *campaign = campaign_ensure (self, atom_intern (self, id));
  const CbJsonValue *stats;

  if (campaign == NULL)
    return;
  if (data == NULL)
    {
      campaign->deleted = TRUE;
      return;
    }
  campaign->known = TRUE;
  campaign->deleted = FALSE;
  campaign->amd = cb_json_value_lookup_boolean (data, "amd");
  campaign->rule_set = atom_intern (self, cb_json_value_lookup_string (data, "rule_set_id"));
  campaign->queue = atom_intern (self, cb_json_value_lookup_string (data, "queue_id"));
  read_atom_array (self, data, "team_ids", campaign->teams);

  stats = cb_json_value_lookup_object (data, "stats");
  if (stats != NULL)
    {
      gint64 dialable = get_time (stats, "leads_dialable");

      campaign->leads_dialable = dialable != NO_TIME ? dialable : -1;
    }
}

static void
apply_disposition (CbMetrics  *self,
                   const char *id,
                   const CbJsonValue *data)
{
  static const char * const names[] = {
    "", "success", "contact", "no_contact", "dnc", "callback",
  };
  guint32 atom = atom_intern (self, id);
  const char *category;
  guint8 value = CATEGORY_UNKNOWN;

  if (data == NULL || atom == 0)
    return;  /* deleting a code does not change history (§9.8) */
  category = cb_json_value_lookup_string (data, "category");
  for (guint i = 1; category != NULL && i < G_N_ELEMENTS (names); i++)
    if (strcmp (category, names[i]) == 0)
      value = i;
  if (atom >= self->categories->len)
    {
      guint old = self->categories->len;

      g_byte_array_set_size (self->categories, atom + 1);
      memset (self->categories->data + old, 0, atom + 1 - old);
    }
  self->categories->data[atom] = value;
}

static void
apply_rule_set (CbMetrics  *self,
                const char *id,
                const CbJsonValue *data)
{
  guint32 atom = atom_intern (self, id);
  RuleSet *rule_set = atom_get (self->rule_sets_by_atom, atom);
  const CbJsonValue *o;

  if (data == NULL || atom == 0)
    return;
  if (rule_set == NULL)
    {
      rule_set = g_new0 (RuleSet, 1);
      atom_set (self->rule_sets_by_atom, atom, rule_set);
    }
  rule_set->method = CB_DROP_RATE_US;
  rule_set->has_cap = FALSE;
  o = cb_json_value_lookup_object (data, "drop_rate");
  if (o != NULL)
    {
      if (g_strcmp0 (cb_json_value_lookup_string (o, "method"), "uk") == 0)
        rule_set->method = CB_DROP_RATE_UK;
      rule_set->cap_pct = cb_json_value_lookup_double (o, "cap_pct", 0);
      rule_set->has_cap = get_value_node (o, "cap_pct") != NULL;
    }
}

/* Forgets the calls, agent segments and drop counters older than what is kept. */
static void
prune (CbMetrics *self)
{
  gint64 cutoff, cut_bucket, drop_bucket;
  GHashTableIter iter;
  gpointer value;

  if (self->latest_ts == NO_TIME)
    return;
  cutoff = self->latest_ts - self->retention_ms;
  cut_bucket = floor_div (cutoff, BUCKET_MS);
  drop_bucket = floor_div (self->latest_ts - DROP_HISTORY_MS, BUCKET_MS);
  if (cut_bucket <= self->pruned_bucket)
    return;
  self->pruned_bucket = cut_bucket;

  /* Calls of the buckets wholly before the cutoff bucket's start. */
  if (self->all.buckets->len > 0 && self->all.base < cut_bucket)
    {
      guint n = (guint) MIN (cut_bucket - self->all.base, (gint64) self->all.buckets->len);

      for (guint i = 0; i < n; i++)
        {
          GArray *array = g_ptr_array_index (self->all.buckets, i);

          while (array != NULL && array->len > 0)
            call_forget (self, g_array_index (array, guint32, array->len - 1), TRUE);
        }
      g_ptr_array_remove_range (self->all.buckets, 0, n);
      self->all.base += n;
    }

  for (int pass = 0; pass < 2; pass++)
    {
      g_hash_table_iter_init (&iter, pass == 0 ? self->by_queue : self->by_campaign);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Group *group = value;
          guint n;

          if (group->buckets->len == 0 || group->base >= cut_bucket)
            continue;
          n = (guint) MIN (cut_bucket - group->base, (gint64) group->buckets->len);
          g_ptr_array_remove_range (group->buckets, 0, n);
          group->base += n;
        }
    }

  /* Agents: keep the segment that covers the cutoff. */
  for (guint i = 0; i < self->agents->len; i++)
    {
      Agent *agent = g_ptr_array_index (self->agents, i);
      guint n = 0;

      while (n + 1 < agent->segments->len
             && g_array_index (agent->segments, Segment, n + 1).start <= cutoff)
        n++;
      if (n > 0)
        g_array_remove_range (agent->segments, 0, n);
    }

  for (guint i = 0; i < self->campaigns_by_atom->len; i++)
    {
      Campaign *campaign = g_ptr_array_index (self->campaigns_by_atom, i);
      guint n;

      if (campaign == NULL || campaign->drops->len == 0 || campaign->drop_base >= drop_bucket)
        continue;
      n = (guint) MIN (drop_bucket - campaign->drop_base, (gint64) campaign->drops->len);
      g_array_remove_range (campaign->drops, 0, n);
      campaign->drop_base += n;
    }
}

/* ---------------------------------------------------------------------- */
/* Public API: the engine                                                  */

static void
rule_set_free (gpointer data)
{
  g_free (data);
}

CbMetrics *
cb_metrics_new (void)
{
  CbMetrics *self = g_new0 (CbMetrics, 1);

  self->tz = g_time_zone_new_utc ();
  self->retention_ms = DEFAULT_RETENTION;
  self->latest_ts = NO_TIME;
  self->pruned_bucket = G_MININT64;
  self->atoms = g_hash_table_new (g_str_hash, g_str_equal);
  self->atom_names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->atom_names, NULL);  /* atom 0: none */
  self->calls = g_array_new (FALSE, TRUE, sizeof (Call));
  self->free_slots = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->calls_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->waiting = g_hash_table_new (NULL, NULL);
  self->all.buckets = g_ptr_array_new_with_free_func (free_bucket);
  self->by_queue = g_hash_table_new_full (NULL, NULL, NULL, group_free);
  self->by_campaign = g_hash_table_new_full (NULL, NULL, NULL, group_free);
  self->number_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_array_unref);
  self->lead_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_array_unref);
  self->agents = g_ptr_array_new_with_free_func (agent_free);
  self->agents_by_atom = g_ptr_array_new ();
  self->queues_by_atom = g_ptr_array_new_with_free_func (queue_free);
  self->campaigns_by_atom = g_ptr_array_new_with_free_func (campaign_free);
  self->rule_sets_by_atom = g_ptr_array_new_with_free_func (rule_set_free);
  self->categories = g_byte_array_new ();
  return self;
}

void
cb_metrics_free (CbMetrics *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < self->calls->len; i++)
    {
      Call *call = call_at (self, i);

      g_free (call->number);
      g_free (call->lead_key);
    }
  g_array_unref (self->calls);
  g_array_unref (self->free_slots);
  g_hash_table_unref (self->calls_by_id);
  g_hash_table_unref (self->waiting);
  group_clear (&self->all);
  g_hash_table_unref (self->by_queue);
  g_hash_table_unref (self->by_campaign);
  g_hash_table_unref (self->number_index);
  g_hash_table_unref (self->lead_index);
  g_ptr_array_unref (self->agents);
  g_ptr_array_unref (self->agents_by_atom);
  g_ptr_array_unref (self->queues_by_atom);
  g_ptr_array_unref (self->campaigns_by_atom);
  g_ptr_array_unref (self->rule_sets_by_atom);
  g_byte_array_unref (self->categories);
  g_hash_table_unref (self->atoms);
  g_ptr_array_unref (self->atom_names);
  g_time_zone_unref (self->tz);
  g_free (self);
}

/**
 * cb_metrics_set_time_zone:
 * @identifier: an IANA name (`welcome.backend.time_zone`), or NULL for UTC
 *
 * Sets the zone whose local midnight starts "today". An unknown name
 * falls back to UTC.
 */
void
cb_metrics_set_time_zone (CbMetrics  *self,
                          const char *identifier)
{
  GTimeZone *tz = NULL;

  g_return_if_fail (self != NULL);

  if (identifier != NULL)
    tz = g_time_zone_new_identifier (identifier);
  if (tz == NULL)
    {
      if (identifier != NULL)
        g_debug ("Unknown time zone “%s”; “today” is the UTC day", identifier);
      tz = g_time_zone_new_utc ();
    }
  g_time_zone_unref (self->tz);
  self->tz = tz;
}

/**
 * cb_metrics_set_retention:
 *
 * How long calls (by created_at) and agent history are kept, counted back
 * from the latest event applied; default 8 days. FCR and first-call close
 * see repeats only within it.
 */
void
cb_metrics_set_retention (CbMetrics *self,
                          gint64     retention_ms)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (retention_ms >= BUCKET_MS);

  self->retention_ms = retention_ms;
  self->pruned_bucket = G_MININT64;
  prune (self);
}

/**
 * cb_metrics_set_complete_since:
 * @since_ms: the instant since which the engine has been told of every
 *   call, or 0 when it has been told of all of them
 *
 * A console that connected at 10:40 and has not yet had the morning's
 * calls from the backend knows the last hour only from 10:40: rates over
 * a window (the Erlang C traffic) are then taken over the part of the
 * window it has seen, not the whole, which would make 20 minutes of calls
 * look like a quiet hour. Set by the store; 0 by default.
 */
void
cb_metrics_set_complete_since (CbMetrics *self,
                               gint64     since_ms)
{
  g_return_if_fail (self != NULL);
  self->complete_since = MAX (since_ms, 0);
}

gint64
cb_metrics_get_complete_since (CbMetrics *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->complete_since;
}

/**
 * cb_metrics_set_amd_false_positive_rate:
 * @rate: the share (0–1) of the calls AMD classified as machines that were
 *   in fact people — the "reasoned estimate" Ofcom asks for, from listening
 *   to a sample; default 0
 *
 * Used by the UK drop rate of campaigns with AMD.
 */
void
cb_metrics_set_amd_false_positive_rate (CbMetrics *self,
                                        double     rate)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (rate >= 0 && rate <= 1);

  self->amd_false_positive_rate = rate;
}

/**
 * cb_metrics_apply:
 * @ts_ms: the event's time (its envelope `ts`); events come in time order
 * @entity_type: "call", "agent", "queue", "campaign", "disposition" or
 *   "rule_set"; other types are ignored
 * @data: (nullable): the entity's new value; NULL for a delete
 *
 * Applies one entity change. O(1) amortised.
 */
void
cb_metrics_apply (CbMetrics  *self,
                  gint64      ts_ms,
                  const char *entity_type,
                  const char *id,
                  const CbJsonValue *data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (entity_type != NULL);
  g_return_if_fail (id != NULL);

  if (self->latest_ts == NO_TIME || ts_ms > self->latest_ts)
    {
      self->latest_ts = ts_ms;
      prune (self);
    }

  if (strcmp (entity_type, "call") == 0)
    apply_call (self, ts_ms, id, data);
  else if (strcmp (entity_type, "agent") == 0)
    apply_agent (self, ts_ms, id, data);
  else if (strcmp (entity_type, "queue") == 0)
    apply_queue (self, id, data);
  else if (strcmp (entity_type, "campaign") == 0)
    apply_campaign (self, id, data);
  else if (strcmp (entity_type, "disposition") == 0)
    apply_disposition (self, id, data);
  else if (strcmp (entity_type, "rule_set") == 0)
    apply_rule_set (self, id, data);
}

/**
 * cb_metrics_apply_object:
 * @data: (nullable): the entity as a json-glib object; NULL for a delete
 *
 * cb_metrics_apply() for callers that build entities as json-glib objects
 * (tests, benchmarks).
 */
void
cb_metrics_apply_object (CbMetrics  *self,
                         gint64      ts_ms,
                         const char *entity_type,
                         const char *id,
                         JsonObject *data)
{
  g_autofree CbJsonValue *doc = NULL;

  if (data != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), data);

      doc = cb_json_doc_new_from_node (node);
    }
  cb_metrics_apply (self, ts_ms, entity_type, id, doc);
}

guint
cb_metrics_get_n_calls (CbMetrics *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_calls;
}

/* ---------------------------------------------------------------------- */
/* Windows and scopes                                                      */

/* [local midnight, next local midnight) of the day of @now in the zone. */
static void
local_day (CbMetrics *self,
           gint64     now,
           gint64    *start,
           gint64    *end)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (floor_div (now, 1000));
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, self->tz);
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(GDateTime) noon = NULL;
  g_autoptr(GDateTime) next_noon = NULL;
  g_autoptr(GDateTime) next_midnight = NULL;
  int y, m, d;

  g_date_time_get_ymd (local, &y, &m, &d);
  midnight = g_date_time_new (self->tz, y, m, d, 0, 0, 0);
  noon = g_date_time_new (self->tz, y, m, d, 12, 0, 0);
  next_noon = g_date_time_add_days (noon, 1);
  g_date_time_get_ymd (next_noon, &y, &m, &d);
  next_midnight = g_date_time_new (self->tz, y, m, d, 0, 0, 0);

  *start = g_date_time_to_unix (midnight) * 1000;
  *end = g_date_time_to_unix (next_midnight) * 1000;
}

static gboolean
resolve_window (CbMetrics            *self,
                const CbMetricWindow *window,
                gint64                now,
                gint64               *from,
                gint64               *to)
{
  gint64 day_end;
  CbMetricWindowKind kind = window != NULL ? window->kind : CB_METRIC_WINDOW_TODAY;

  *to = now + 1;
  switch (kind)
    {
    case CB_METRIC_WINDOW_LIVE:
    case CB_METRIC_WINDOW_LAST_15:
      *from = now + 1 - 15 * MINUTE_MS;
      break;
    case CB_METRIC_WINDOW_LAST_30:
      *from = now + 1 - 30 * MINUTE_MS;
      break;
    case CB_METRIC_WINDOW_LAST_60:
      *from = now + 1 - 60 * MINUTE_MS;
      break;
    case CB_METRIC_WINDOW_CUSTOM:
      *from = window->from_ms;
      *to = MIN (window->to_ms, now + 1);
      break;
    case CB_METRIC_WINDOW_TODAY:
    case CB_METRIC_WINDOW_RULE_PERIOD:
    default:
      local_day (self, now, from, &day_end);
      break;
    }
  return *from < *to;
}

typedef struct
{
  gboolean has_queues;
  gboolean has_campaigns;
  gboolean has_teams;
  GArray  *queues;        /* guint32 atoms, distinct */
  GArray  *campaigns;
  guint    set_size;
  guint8  *queue_set;
  guint8  *campaign_set;
  guint8  *team_set;
} Scope;

static void
scope_read_list (CbMetrics          *self,
                 const char * const *ids,
                 gboolean           *has,
                 GArray             *atoms,
                 guint8             *set)
{
  *has = ids != NULL && ids[0] != NULL;
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      guint32 atom = atom_lookup (self, ids[i]);

      if (atom == 0 || set[atom])
        continue;
      set[atom] = 1;
      if (atoms != NULL)
        g_array_append_val (atoms, atom);
    }
}

static void
scope_init (CbMetrics           *self,
            Scope               *sc,
            const CbMetricScope *scope)
{
  memset (sc, 0, sizeof *sc);
  sc->set_size = self->atom_names->len;
  sc->queue_set = g_new0 (guint8, sc->set_size);
  sc->campaign_set = g_new0 (guint8, sc->set_size);
  sc->team_set = g_new0 (guint8, sc->set_size);
  sc->queues = g_array_new (FALSE, FALSE, sizeof (guint32));
  sc->campaigns = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (scope == NULL)
    return;
  scope_read_list (self, scope->queue_ids, &sc->has_queues, sc->queues, sc->queue_set);
  scope_read_list (self, scope->campaign_ids, &sc->has_campaigns, sc->campaigns, sc->campaign_set);
  scope_read_list (self, scope->team_ids, &sc->has_teams, NULL, sc->team_set);
}

static void
scope_clear (Scope *sc)
{
  g_free (sc->queue_set);
  g_free (sc->campaign_set);
  g_free (sc->team_set);
  g_array_unref (sc->queues);
  g_array_unref (sc->campaigns);
}

static inline gboolean
in_set (const Scope  *sc,
        const guint8 *set,
        guint32       atom)
{
  return atom != 0 && atom < sc->set_size && set[atom];
}

static gboolean
call_in_teams (CbMetrics   *self,
               const Scope *sc,
               const Call  *call)
{
  if (call->agent != 0)
    {
      Agent *agent = atom_get (self->agents_by_atom, call->agent);

      return agent != NULL && atoms_contain_any (agent->teams, sc->team_set, sc->set_size);
    }
  if (call->queue != 0)
    {
      Queue *queue = atom_get (self->queues_by_atom, call->queue);

      return queue != NULL && atoms_contain_any (queue->teams, sc->team_set, sc->set_size);
    }
  if (call->campaign != 0)
    {
      Campaign *campaign = atom_get (self->campaigns_by_atom, call->campaign);

      return campaign != NULL && atoms_contain_any (campaign->teams, sc->team_set, sc->set_size);
    }
  return FALSE;
}

static inline gboolean
call_in_scope (CbMetrics   *self,
               const Scope *sc,
               const Call  *call)
{
  if (sc->has_queues && !in_set (sc, sc->queue_set, call->queue))
    return FALSE;
  if (sc->has_campaigns && !in_set (sc, sc->campaign_set, call->campaign))
    return FALSE;
  if (sc->has_teams && !call_in_teams (self, sc, call))
    return FALSE;
  return TRUE;
}

static gboolean
agent_in_scope (const Scope *sc,
                const Agent *agent)
{
  if (sc->has_queues && !atoms_contain_any (agent->queues, sc->queue_set, sc->set_size))
    return FALSE;
  if (sc->has_campaigns && !in_set (sc, sc->campaign_set, agent->campaign))
    return FALSE;
  if (sc->has_teams && !atoms_contain_any (agent->teams, sc->team_set, sc->set_size))
    return FALSE;
  return TRUE;
}

static gboolean
campaign_in_scope (const Scope    *sc,
                   const Campaign *campaign)
{
  if (sc->has_campaigns && !in_set (sc, sc->campaign_set, campaign->atom))
    return FALSE;
  if (sc->has_queues && !in_set (sc, sc->queue_set, campaign->queue))
    return FALSE;
  if (sc->has_teams && !atoms_contain_any (campaign->teams, sc->team_set, sc->set_size))
    return FALSE;
  return TRUE;
}

typedef void (*CallVisitor) (CbMetrics  *self,
                             const Call *call,
                             gpointer    data);

static void
visit_group (CbMetrics   *self,
             const Scope *sc,
             Group       *group,
             gint64       first,
             gint64       last,
             CallVisitor  visit,
             gpointer     data)
{
  gint64 lo, hi;

  if (group == NULL || group->buckets->len == 0)
    return;
  lo = MAX (first, group->base);
  hi = MIN (last, group->base + (gint64) group->buckets->len - 1);
  for (gint64 b = lo; b <= hi; b++)
    {
      GArray *array = g_ptr_array_index (group->buckets, b - group->base);

      if (array == NULL)
        continue;
      for (guint i = 0; i < array->len; i++)
        {
          const Call *call = call_at (self, g_array_index (array, guint32, i));

          if (call_in_scope (self, sc, call))
            visit (self, call, data);
        }
    }
}

/* Visits every call of the scope that may have an instant in [from, to). */
static void
visit_calls (CbMetrics   *self,
             const Scope *sc,
             gint64       from,
             gint64       to,
             CallVisitor  visit,
             gpointer     data)
{
  gint64 first = floor_div (from - self->max_span, BUCKET_MS);
  gint64 last = floor_div (to - 1, BUCKET_MS);

  if (sc->has_queues)
    {
      for (guint i = 0; i < sc->queues->len; i++)
        visit_group (self, sc, group_for (self->by_queue, g_array_index (sc->queues, guint32, i),
                                          FALSE),
                     first, last, visit, data);
    }
  else if (sc->has_campaigns)
    {
      for (guint i = 0; i < sc->campaigns->len; i++)
        visit_group (self, sc,
                     group_for (self->by_campaign, g_array_index (sc->campaigns, guint32, i),
                                FALSE),
                     first, last, visit, data);
    }
  else
    visit_group (self, sc, &self->all, first, last, visit, data);
}

/* ---------------------------------------------------------------------- */
/* One pass over the calls of a window                                     */

typedef struct
{
  const CbMetricParams *params;
  gint64 from;
  gint64 to;
  gint64 fcr_ms;
  gboolean want_fcr;           /* the repeat lookups cost a hash each: only when asked */
  gboolean want_first_close;

  /* queue */
  guint  offered;
  guint  answered;
  guint  abandoned;
  guint  answered_in_sl;
  guint  abandoned_in_sl;
  double wait_answered_ms;
  guint  exits;
  double exit_wait_ms;
  /* handling */
  guint  handled;
  double talk_ms;
  double hold_ms;
  double wrap_ms;
  guint  transferred;
  guint  fcr_calls;
  guint  fcr_resolved;
  guint  surveys;
  guint  surveys_top;
  double survey_sum;
  guint  agent_answered;
  /* outbound */
  guint  dials;
  guint  dials_person;
  guint  connected;
  double connected_ms;
  guint  contacts;
  guint  successes;
  guint  first_closes;
} Tally;

static void
tally_call (CbMetrics  *self,
            const Call *call,
            gpointer    data)
{
  Tally *t = data;
  gint64 from = t->from, to = t->to;
  gint64 handle_end;

  /* Inbound queue calls */
  if (!(call->flags & F_OUT) && call->queued_at != NO_TIME)
    {
      gint64 threshold = call_sl_threshold (self, call, t->params);
      gint64 exit_at = NO_TIME;
      gboolean short_abandon = FALSE;

      if (call->answered_at != NO_TIME)
        {
          gint64 wait = call->answered_at - call->queued_at;

          exit_at = call->answered_at;
          if (in_window (call->answered_at, from, to))
            {
              t->answered++;
              t->wait_answered_ms += wait;
              if (wait <= threshold)
                t->answered_in_sl++;
            }
        }
      else if (call->ended_at != NO_TIME)
        {
          gint64 wait = call->ended_at - call->queued_at;

          exit_at = call->ended_at;
          if (call->flags & F_ABANDONED)
            {
              short_abandon = t->params->short_abandon_ms > 0 && wait < t->params->short_abandon_ms;
              if (!short_abandon && in_window (call->ended_at, from, to))
                {
                  t->abandoned++;
                  if (wait <= threshold)
                    t->abandoned_in_sl++;
                }
            }
        }

      if (!short_abandon)
        {
          if (in_window (call->queued_at, from, to))
            t->offered++;
          if (in_window (exit_at, from, to))
            {
              t->exits++;
              t->exit_wait_ms += exit_at - call->queued_at;
            }
        }
    }

  /* Calls an agent handled, in or out */
  if (call->agent != 0 && call->answered_at != NO_TIME && !(call->flags & F_MACHINE))
    {
      if (in_window (call->answered_at, from, to))
        t->agent_answered++;

      handle_end = call_handle_end (call);
      if (in_window (handle_end, from, to) && !(call->flags & F_DROPPED))
        {
          gint64 ended = call->ended_at != NO_TIME ? call->ended_at : handle_end;

          t->handled++;
          t->talk_ms += MAX (0, ended - call->answered_at - call->hold_ms);
          t->hold_ms += call->hold_ms;
          t->wrap_ms += MAX (0, handle_end - ended);
          if (call->transfers > 0)
            t->transferred++;
          if (call->survey >= 0)
            {
              t->surveys++;
              t->survey_sum += call->survey;
              if (call->survey >= 4.0f)
                t->surveys_top++;
            }
          if (t->want_fcr && (call->flags & F_IN_NUMBER_INDEX))
            {
              t->fcr_calls++;
              if (!call_has_repeat (self, call, t->fcr_ms))
                t->fcr_resolved++;
            }
        }
    }

  /* Outbound */
  if (call->flags & F_OUT)
    {
      gboolean person = call_person (call);

      if (in_window (call->created_at, from, to))
        {
          t->dials++;
          if (person)
            t->dials_person++;
        }
      if (person && call->agent != 0 && !(call->flags & F_DROPPED) && call->ended_at != NO_TIME
          && in_window (call->ended_at, from, to))
        {
          t->connected++;
          t->connected_ms += call->ended_at - call->answered_at;
        }
      handle_end = call_handle_end (call);
      if (person && in_window (handle_end, from, to))
        {
          t->contacts++;
          if (call_category (self, call) == CATEGORY_SUCCESS)
            {
              t->successes++;
              if (!t->want_first_close)
                ;
              else if (!(call->flags & F_IN_LEAD_INDEX) || !call_has_earlier (self, call, t->fcr_ms))
                t->first_closes++;
            }
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Agents                                                                  */

static void
agent_time_in_window (const Agent *agent,
                      gint64       from,
                      gint64       to,
                      gint64       now,
                      gint64       ms[N_AGENT_STATES])
{
  GArray *segments = agent->segments;
  guint lo = 0, hi = segments->len;
  gint64 end = MIN (to, now + 1);

  /* The last segment that starts at or before from. */
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (segments, Segment, mid).start <= from)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint i = lo > 0 ? lo - 1 : 0; i < segments->len; i++)
    {
      const Segment *segment = &g_array_index (segments, Segment, i);
      gint64 s, e;

      if (segment->start >= end)
        break;
      s = MAX (segment->start, from);
      e = i + 1 < segments->len ? g_array_index (segments, Segment, i + 1).start : end;
      e = MIN (e, end);
      if (e > s)
        ms[segment->state] += e - s;
    }
}

typedef struct
{
  guint  agents_logged_in;   /* with logged-in time in the window */
  double busy_ms;
  double available_ms;
  double logged_in_ms;
} AgentTally;

static void
tally_agents (CbMetrics   *self,
              const Scope *sc,
              gint64       from,
              gint64       to,
              gint64       now,
              AgentTally  *t)
{
  memset (t, 0, sizeof *t);
  for (guint i = 0; i < self->agents->len; i++)
    {
      Agent *agent = g_ptr_array_index (self->agents, i);
      gint64 ms[N_AGENT_STATES] = { 0, };
      gint64 logged_in = 0;

      if (!agent_in_scope (sc, agent))
        continue;
      agent_time_in_window (agent, from, to, now, ms);
      for (guint s = AGENT_AVAILABLE; s < N_AGENT_STATES; s++)
        logged_in += ms[s];
      if (logged_in > 0)
        t->agents_logged_in++;
      t->logged_in_ms += logged_in;
      t->busy_ms += ms[AGENT_ON_CALL] + ms[AGENT_ON_HOLD] + ms[AGENT_WRAP_UP];
      t->available_ms += ms[AGENT_AVAILABLE] + ms[AGENT_RINGING];
    }
}

static guint
count_agents_in_state (CbMetrics   *self,
                       const Scope *sc,
                       CbMetricId   id)
{
  guint n = 0;

  for (guint i = 0; i < self->agents->len; i++)
    {
      Agent *agent = g_ptr_array_index (self->agents, i);
      gboolean match;

      if (agent->deleted || !agent_in_scope (sc, agent))
        continue;
      switch (id)
        {
        case CB_METRIC_AGENTS_LOGGED_IN:
          match = agent->state != AGENT_LOGGED_OUT;
          break;
        case CB_METRIC_AGENTS_AVAILABLE:
          match = agent->state == AGENT_AVAILABLE;
          break;
        case CB_METRIC_AGENTS_RINGING:
          match = agent->state == AGENT_RINGING;
          break;
        case CB_METRIC_AGENTS_ON_CALL:
          match = agent->state == AGENT_ON_CALL || agent->state == AGENT_ON_HOLD;
          break;
        case CB_METRIC_AGENTS_WRAP_UP:
          match = agent->state == AGENT_WRAP_UP;
          break;
        case CB_METRIC_AGENTS_PAUSED:
          match = agent->state == AGENT_PAUSED;
          break;
        case CB_METRIC_ERLANG_AGENTS_NEEDED:
        case CB_METRIC_ERLANG_SL_STAFFED:
          /* staffed: logged in and not paused */
          match = agent->state != AGENT_LOGGED_OUT && agent->state != AGENT_PAUSED;
          break;
        default:
          match = FALSE;
          break;
        }
      if (match)
        n++;
    }
  return n;
}

/* ---------------------------------------------------------------------- */
/* Drop rate                                                               */

static CbDropRateMethod
campaign_method (CbMetrics      *self,
                 const Campaign *campaign)
{
  RuleSet *rule_set = atom_get (self->rule_sets_by_atom, campaign->rule_set);

  return rule_set != NULL ? rule_set->method : CB_DROP_RATE_US;
}

/* Adds one campaign's counts, by @method, to the rate's two sides. */
static void
drop_rate_sides (CbMetrics        *self,
                 const Campaign   *campaign,
                 CbDropRateMethod  method,
                 const DropCounts *c,
                 double           *numerator,
                 double           *denominator)
{
  double live = c->person - c->drops - c->agent_machines;

  if (method == CB_DROP_RATE_US)
    {
      /* FTC TSR 16 CFR 310.4(b)(4)(i): abandoned ÷ answered by a person. */
      *numerator += c->drops;
      *denominator += c->person - c->agent_machines;
    }
  else if (campaign->amd)
    {
      /* Ofcom: the reasoned estimate of AMD false positives (people the
       * dialer hung up on as machines) are abandoned live calls. */
      double fp = self->amd_false_positive_rate * c->machines;

      *numerator += c->drops + fp;
      *denominator += live + c->drops + fp;
    }
  else
    {
      /* Ofcom, without AMD: take out of the drops the share of machines
       * the agents found among connected calls. */
      double drops_live = live + c->agent_machines > 0
                          ? c->drops * live / (live + c->agent_machines) : c->drops;

      *numerator += drops_live;
      *denominator += live + drops_live;
    }
}

typedef struct
{
  GHashTable *counts;  /* campaign atom → DropCounts* */
  gint64      from;
  gint64      to;
} DropTally;

static void
tally_drops (CbMetrics  *self,
             const Call *call,
             gpointer    data)
{
  DropTally *t = data;
  DropCounts counts, *sum;
  gint64 instant;

  if (!call_drop_share (self, call, &instant, &counts) || !in_window (instant, t->from, t->to))
    return;
  sum = g_hash_table_lookup (t->counts, GUINT_TO_POINTER (call->campaign));
  if (sum == NULL)
    {
      sum = g_new0 (DropCounts, 1);
      g_hash_table_insert (t->counts, GUINT_TO_POINTER (call->campaign), sum);
    }
  sum->person += counts.person;
  sum->drops += counts.drops;
  sum->machines += counts.machines;
  sum->agent_machines += counts.agent_machines;
}

static void
campaign_sum_drops (const Campaign *campaign,
                    gint64          first,
                    gint64          last,
                    DropCounts     *sum)
{
  gint64 lo = MAX (first, campaign->drop_base);
  gint64 hi = MIN (last, campaign->drop_base + (gint64) campaign->drops->len - 1);

  memset (sum, 0, sizeof *sum);
  for (gint64 b = lo; b <= hi; b++)
    {
      const DropCounts *c = &g_array_index (campaign->drops, DropCounts, b - campaign->drop_base);

      sum->person += c->person;
      sum->drops += c->drops;
      sum->machines += c->machines;
      sum->agent_machines += c->agent_machines;
    }
}

static gboolean
compute_drop_rate (CbMetrics            *self,
                   const Scope          *sc,
                   const CbMetricWindow *window,
                   const CbMetricParams *params,
                   gint64                now,
                   CbMetricValue        *out)
{
  CbDropRateMethod method = params->drop_method;
  double numerator = 0, denominator = 0;
  gboolean rule_period = window != NULL && window->kind == CB_METRIC_WINDOW_RULE_PERIOD;
  gboolean any = FALSE;
  DropTally tally = { NULL, };

  /* The method: one for the whole scope. */
  if (method == CB_DROP_RATE_RULE_SET)
    {
      for (guint i = 0; i < self->campaigns_by_atom->len; i++)
        {
          Campaign *campaign = g_ptr_array_index (self->campaigns_by_atom, i);
          CbDropRateMethod m;

          if (campaign == NULL || !campaign_in_scope (sc, campaign))
            continue;
          m = campaign_method (self, campaign);
          if (method != CB_DROP_RATE_RULE_SET && m != method)
            return TRUE;  /* mixed methods: no data */
          method = m;
        }
      if (method == CB_DROP_RATE_RULE_SET)
        method = CB_DROP_RATE_US;
    }

  if (rule_period)
    {
      gint64 now_bucket = floor_div (now, BUCKET_MS);
      gint64 first;

      if (method == CB_DROP_RATE_US)
        {
          first = now_bucket - (US_PERIOD_BUCKETS - 1);
          out->from_ms = first * BUCKET_MS;
        }
      else
        {
          gint64 day_end;

          local_day (self, now, &out->from_ms, &day_end);
          first = floor_div (out->from_ms, BUCKET_MS);
        }
      out->to_ms = now + 1;

      for (guint i = 0; i < self->campaigns_by_atom->len; i++)
        {
          Campaign *campaign = g_ptr_array_index (self->campaigns_by_atom, i);
          DropCounts sum;

          if (campaign == NULL || !campaign_in_scope (sc, campaign))
            continue;
          campaign_sum_drops (campaign, first, now_bucket, &sum);
          drop_rate_sides (self, campaign, method, &sum, &numerator, &denominator);
          any = TRUE;
        }
    }
  else
    {
      GHashTableIter iter;
      gpointer key, value;

      if (!resolve_window (self, window, now, &out->from_ms, &out->to_ms)
          || out->from_ms < horizon (self))
        return TRUE;
      tally.counts = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      tally.from = out->from_ms;
      tally.to = out->to_ms;
      visit_calls (self, sc, out->from_ms, out->to_ms, tally_drops, &tally);
      g_hash_table_iter_init (&iter, tally.counts);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          Campaign *campaign = campaign_ensure (self, GPOINTER_TO_UINT (key));

          if (!campaign_in_scope (sc, campaign))
            continue;
          drop_rate_sides (self, campaign, method, value, &numerator, &denominator);
          any = TRUE;
        }
      g_hash_table_unref (tally.counts);
    }

  out->numerator = numerator;
  out->denominator = denominator;
  if (any && denominator > 0)
    {
      out->has_value = TRUE;
      out->value = 100.0 * numerator / denominator;
    }
  return TRUE;
}

/**
 * cb_metrics_get_drop_rate_cap:
 *
 * Returns: whether the campaign's rule set has a drop-rate cap; then
 * @cap_pct and @method are set
 */
gboolean
cb_metrics_get_drop_rate_cap (CbMetrics        *self,
                              const char       *campaign_id,
                              double           *cap_pct,
                              CbDropRateMethod *method)
{
  Campaign *campaign;
  RuleSet *rule_set;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (campaign_id != NULL, FALSE);

  campaign = atom_get (self->campaigns_by_atom, atom_lookup (self, campaign_id));
  if (campaign == NULL)
    return FALSE;
  rule_set = atom_get (self->rule_sets_by_atom, campaign->rule_set);
  if (rule_set == NULL || !rule_set->has_cap)
    return FALSE;
  if (cap_pct != NULL)
    *cap_pct = rule_set->cap_pct;
  if (method != NULL)
    *method = rule_set->method;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Compute                                                                 */

static void
set_ratio (CbMetricValue *out,
           double         numerator,
           double         denominator,
           double         scale)
{
  out->numerator = numerator;
  out->denominator = denominator;
  if (denominator > 0)
    {
      out->has_value = TRUE;
      out->value = scale * numerator / denominator;
    }
}

static void
set_count (CbMetricValue *out,
           double         count)
{
  out->has_value = TRUE;
  out->value = count;
  out->numerator = count;
  out->denominator = 1;
}

/* The queue whose service-level settings apply to the scope: the first
 * of the scope's queues that is known. */
static Queue *
scope_queue (CbMetrics   *self,
             const Scope *sc)
{
  for (guint i = 0; i < sc->queues->len; i++)
    {
      Queue *queue = atom_get (self->queues_by_atom, g_array_index (sc->queues, guint32, i));

      if (queue != NULL && queue->known)
        return queue;
    }
  return NULL;
}

#define ERLANG_MIN_SEEN_MS (10 * 60 * 1000)

static void
compute_erlang (CbMetrics            *self,
                const Scope          *sc,
                CbMetricId            id,
                const CbMetricParams *params,
                const Tally          *t,
                CbMetricValue        *out)
{
  Queue *queue = scope_queue (self, sc);
  /* @t covers the part of the window the engine has seen whole (see
   * cb_metrics_compute ()); under 10 minutes of it is too little to staff
   * by. */
  double hours = (t->to - t->from) / (double) HOUR_MS;
  double target = params->sl_target_pct > 0 ? params->sl_target_pct
                  : queue != NULL && queue->sl_target_pct > 0 ? queue->sl_target_pct
                  : DEFAULT_SL_TARGET;
  double threshold_s = (params->sl_threshold_ms > 0 ? params->sl_threshold_ms
                        : queue != NULL && queue->sl_threshold_ms > 0 ? queue->sl_threshold_ms
                        : DEFAULT_SL_MS) / 1000.0;
  guint staffed = count_agents_in_state (self, sc, id);
  double aht_s, traffic;

  if (t->handled == 0 || t->to - t->from < ERLANG_MIN_SEEN_MS)
    return;  /* no handle time known, or too short a span: no estimate */
  aht_s = (t->talk_ms + t->hold_ms + t->wrap_ms) / t->handled / 1000.0;
  traffic = t->offered / hours * aht_s / 3600.0;

  if (id == CB_METRIC_ERLANG_AGENTS_NEEDED)
    {
      guint needed = cb_erlang_c_agents_needed (traffic, aht_s, threshold_s, target);

      out->numerator = traffic;
      out->denominator = staffed;
      if (needed != G_MAXUINT)
        {
          out->has_value = TRUE;
          out->value = needed;
        }
    }
  else
    {
      out->numerator = staffed;
      out->denominator = traffic;
      if (staffed > 0)
        {
          out->has_value = TRUE;
          out->value = 100.0 * cb_erlang_c_service_level (traffic, staffed, aht_s, threshold_s);
        }
    }
}

/**
 * cb_metrics_compute:
 * @scope: (nullable): which calls and agents; NULL for all
 * @window: (nullable): the window; NULL for today
 * @params: (nullable): variants; NULL for the defaults
 * @now_ms: the present instant (windows end here)
 * @out: the result; @out->has_value is FALSE for "no data"
 *
 * Returns: FALSE if @id is not a metric
 */
gboolean
cb_metrics_compute (CbMetrics            *self,
                    CbMetricId            id,
                    const CbMetricScope  *scope,
                    const CbMetricWindow *window,
                    const CbMetricParams *params,
                    gint64                now_ms,
                    CbMetricValue        *out)
{
  static const CbMetricParams default_params = CB_METRIC_PARAMS_INIT;
  Scope sc;
  Tally t = { NULL, };
  AgentTally at;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (id < CB_METRIC_N_METRICS, FALSE);

  memset (out, 0, sizeof *out);
  out->unit = catalog[id].unit;
  if (params == NULL)
    params = &default_params;
  scope_init (self, &sc, scope);

  switch (id)
    {
    /* State KPIs: now */
    case CB_METRIC_CALLS_WAITING:
    case CB_METRIC_LONGEST_WAIT:
      {
        GHashTableIter iter;
        gpointer key;
        guint waiting = 0;
        gint64 earliest = G_MAXINT64;

        out->from_ms = now_ms;
        out->to_ms = now_ms + 1;
        if (self->latest_ts == NO_TIME)
          break;
        g_hash_table_iter_init (&iter, self->waiting);
        while (g_hash_table_iter_next (&iter, &key, NULL))
          {
            const Call *call = call_at (self, GPOINTER_TO_UINT (key) - 1);

            if (!call_in_scope (self, &sc, call))
              continue;
            waiting++;
            earliest = MIN (earliest, call->queued_at);
          }
        if (id == CB_METRIC_CALLS_WAITING)
          set_count (out, waiting);
        else if (waiting > 0)
          set_count (out, MAX (0, now_ms - earliest));
        else
          out->has_value = FALSE;  /* nobody waits: no wait to show */
      }
      break;

    case CB_METRIC_AGENTS_LOGGED_IN:
    case CB_METRIC_AGENTS_AVAILABLE:
    case CB_METRIC_AGENTS_RINGING:
    case CB_METRIC_AGENTS_ON_CALL:
    case CB_METRIC_AGENTS_WRAP_UP:
    case CB_METRIC_AGENTS_PAUSED:
      out->from_ms = now_ms;
      out->to_ms = now_ms + 1;
      if (self->seen_agents)
        set_count (out, count_agents_in_state (self, &sc, id));
      break;

    case CB_METRIC_LEADS_DIALABLE:
      {
        gint64 sum = 0;
        gboolean any = FALSE;

        out->from_ms = now_ms;
        out->to_ms = now_ms + 1;
        for (guint i = 0; i < self->campaigns_by_atom->len; i++)
          {
            Campaign *campaign = g_ptr_array_index (self->campaigns_by_atom, i);

            if (campaign == NULL || campaign->deleted || campaign->leads_dialable < 0
                || !campaign_in_scope (&sc, campaign))
              continue;
            sum += campaign->leads_dialable;
            any = TRUE;
          }
        if (any)
          set_count (out, sum);
      }
      break;

    case CB_METRIC_DROP_RATE:
      compute_drop_rate (self, &sc, window, params, now_ms, out);
      break;

    /* Agent time */
    case CB_METRIC_OCCUPANCY:
    case CB_METRIC_CALLS_PER_AGENT:
    case CB_METRIC_CALLS_PER_AGENT_HOUR:
      if (!resolve_window (self, window, now_ms, &out->from_ms, &out->to_ms)
          || out->from_ms < horizon (self))
        break;
      tally_agents (self, &sc, out->from_ms, out->to_ms, now_ms, &at);
      if (id == CB_METRIC_OCCUPANCY)
        {
          set_ratio (out, at.busy_ms, at.busy_ms + at.available_ms, 100.0);
          break;
        }
      t.params = params;
      t.from = out->from_ms;
      t.to = out->to_ms;
      visit_calls (self, &sc, t.from, t.to, tally_call, &t);
      if (id == CB_METRIC_CALLS_PER_AGENT)
        set_ratio (out, t.agent_answered, at.agents_logged_in, 1.0);
      else
        set_ratio (out, t.agent_answered, at.logged_in_ms / HOUR_MS, 1.0);
      break;

    /* Calls over a window */
    default:
      if (self->latest_ts == NO_TIME
          || !resolve_window (self, window, now_ms, &out->from_ms, &out->to_ms)
          || out->from_ms < horizon (self))
        break;
      t.params = params;
      t.from = out->from_ms;
      t.to = out->to_ms;
      /* The Erlang C traffic is a rate: taken over the part of the window
       * the engine has seen whole (cb_metrics_set_complete_since ()). */
      if (id == CB_METRIC_ERLANG_AGENTS_NEEDED || id == CB_METRIC_ERLANG_SL_STAFFED)
        t.from = MAX (t.from, MIN (self->complete_since, t.to));
      t.fcr_ms = (params->fcr_days > 0 ? params->fcr_days : DEFAULT_FCR_DAYS) * DAY_MS;
      t.want_fcr = id == CB_METRIC_FCR;
      t.want_first_close = id == CB_METRIC_FIRST_CALL_CLOSE;
      visit_calls (self, &sc, t.from, t.to, tally_call, &t);

      switch (id)
        {
        case CB_METRIC_SERVICE_LEVEL:
          switch (params->sl_variant)
            {
            case CB_SL_OF_ANSWERED:
              set_ratio (out, t.answered_in_sl, t.answered, 100.0);
              break;
            case CB_SL_OF_OFFERED:
              set_ratio (out, t.answered_in_sl, t.offered, 100.0);
              break;
            case CB_SL_ABANDON_NEUTRAL:
              set_ratio (out, t.answered_in_sl + t.abandoned_in_sl, t.offered, 100.0);
              break;
            case CB_SL_PROTOCOL:
            default:
              set_ratio (out, t.answered_in_sl, t.answered + t.abandoned, 100.0);
              break;
            }
          break;
        case CB_METRIC_ASA:
          set_ratio (out, t.wait_answered_ms, t.answered, 1.0);
          break;
        case CB_METRIC_AVG_TIME_IN_QUEUE:
          set_ratio (out, t.exit_wait_ms, t.exits, 1.0);
          break;
        case CB_METRIC_AHT:
          set_ratio (out, t.talk_ms + t.hold_ms + t.wrap_ms, t.handled, 1.0);
          break;
        case CB_METRIC_AVG_TALK:
          set_ratio (out, t.talk_ms, t.handled, 1.0);
          break;
        case CB_METRIC_AVG_HOLD:
          set_ratio (out, t.hold_ms, t.handled, 1.0);
          break;
        case CB_METRIC_AVG_WRAP_UP:
          set_ratio (out, t.wrap_ms, t.handled, 1.0);
          break;
        case CB_METRIC_ABANDON_RATE:
          set_ratio (out, t.abandoned, t.offered, 100.0);
          break;
        case CB_METRIC_TRANSFER_RATE:
          set_ratio (out, t.transferred, t.handled, 100.0);
          break;
        case CB_METRIC_FCR:
          set_ratio (out, t.fcr_resolved, t.fcr_calls, 100.0);
          break;
        case CB_METRIC_CSAT:
          set_ratio (out, t.surveys_top, t.surveys, 100.0);
          break;
        case CB_METRIC_CSAT_MEAN:
          set_ratio (out, t.survey_sum, t.surveys, 1.0);
          break;
        case CB_METRIC_OFFERED:
          set_count (out, t.offered);
          break;
        case CB_METRIC_ANSWERED:
          set_count (out, t.answered);
          break;
        case CB_METRIC_ABANDONED:
          set_count (out, t.abandoned);
          break;
        case CB_METRIC_DIALS:
          set_count (out, t.dials);
          break;
        case CB_METRIC_DIALS_PER_HOUR:
          set_ratio (out, t.dials, (out->to_ms - out->from_ms) / (double) HOUR_MS, 1.0);
          break;
        case CB_METRIC_ASR:
          set_ratio (out, t.dials_person, t.dials, 100.0);
          break;
        case CB_METRIC_AVG_CALL_DURATION:
          set_ratio (out, t.connected_ms, t.connected, 1.0);
          break;
        case CB_METRIC_CONVERSION_RATE:
          set_ratio (out, t.successes, t.contacts, 100.0);
          break;
        case CB_METRIC_FIRST_CALL_CLOSE:
          set_ratio (out, t.first_closes, t.successes, 100.0);
          break;
        case CB_METRIC_ERLANG_AGENTS_NEEDED:
        case CB_METRIC_ERLANG_SL_STAFFED:
          compute_erlang (self, &sc, id, params, &t, out);
          break;
        default:
          break;
        }
      break;
    }

  scope_clear (&sc);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The interval chart                                                      */

typedef struct
{
  const CbMetricParams *params;
  gint64                start;
  guint                 n;
  CbMetricInterval     *intervals;
  guint                *answered_in_sl;
  guint                *abandoned_in_sl;
  gint64                to;
} IntervalTally;

static gint
interval_index (const IntervalTally *t,
                gint64               instant)
{
  gint64 i;

  if (instant == NO_TIME || instant < t->start || instant >= t->to)
    return -1;
  i = (instant - t->start) / BUCKET_MS;
  return i < t->n ? (gint) i : -1;
}

static void
tally_interval_call (CbMetrics  *self,
                     const Call *call,
                     gpointer    data)
{
  IntervalTally *t = data;
  gint64 threshold;
  gint i;

  if ((call->flags & F_OUT) || call->queued_at == NO_TIME)
    return;
  threshold = call_sl_threshold (self, call, t->params);

  if (call->answered_at != NO_TIME)
    {
      if ((i = interval_index (t, call->answered_at)) >= 0)
        {
          t->intervals[i].answered++;
          if (call->answered_at - call->queued_at <= threshold)
            t->answered_in_sl[i]++;
        }
    }
  else if ((call->flags & F_ABANDONED) && call->ended_at != NO_TIME)
    {
      gint64 wait = call->ended_at - call->queued_at;

      if (t->params->short_abandon_ms > 0 && wait < t->params->short_abandon_ms)
        return;  /* neither offered nor abandoned */
      if ((i = interval_index (t, call->ended_at)) >= 0)
        {
          t->intervals[i].abandoned++;
          if (wait <= threshold)
            t->abandoned_in_sl[i]++;
        }
    }

  if ((i = interval_index (t, call->queued_at)) >= 0)
    t->intervals[i].offered++;
}

/**
 * cb_metrics_get_intervals_today:
 * @n_intervals: (out): the number of intervals: 96, or 92 / 100 on the days
 *   the clocks change
 *
 * The 15-minute intervals of today in the time zone, from local midnight to
 * the next (the last one may be shorter where a zone's day is not a whole
 * number of quarter hours). Intervals after @now_ms are empty.
 *
 * Returns: (transfer full): the intervals; free with g_free ()
 */
CbMetricInterval *
cb_metrics_get_intervals_today (CbMetrics            *self,
                                const CbMetricScope  *scope,
                                const CbMetricParams *params,
                                gint64                now_ms,
                                guint                *n_intervals)
{
  static const CbMetricParams default_params = CB_METRIC_PARAMS_INIT;
  IntervalTally t;
  gint64 day_end;
  Scope sc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_intervals != NULL, NULL);

  if (params == NULL)
    params = &default_params;
  t.params = params;
  local_day (self, now_ms, &t.start, &day_end);
  t.n = (guint) ((day_end - t.start + BUCKET_MS - 1) / BUCKET_MS);
  t.to = MIN (now_ms + 1, day_end);
  t.intervals = g_new0 (CbMetricInterval, t.n);
  t.answered_in_sl = g_new0 (guint, t.n);
  t.abandoned_in_sl = g_new0 (guint, t.n);
  for (guint i = 0; i < t.n; i++)
    {
      t.intervals[i].start_ms = t.start + i * BUCKET_MS;
      t.intervals[i].end_ms = MIN (t.start + (i + 1) * BUCKET_MS, day_end);
      t.intervals[i].service_level.unit = CB_METRIC_UNIT_PERCENT;
      t.intervals[i].service_level.from_ms = t.intervals[i].start_ms;
      t.intervals[i].service_level.to_ms = t.intervals[i].end_ms;
    }

  scope_init (self, &sc, scope);
  if (self->latest_ts != NO_TIME && t.start < t.to)
    visit_calls (self, &sc, t.start, t.to, tally_interval_call, &t);
  scope_clear (&sc);

  for (guint i = 0; i < t.n; i++)
    {
      CbMetricInterval *iv = &t.intervals[i];
      CbMetricValue *sl = &iv->service_level;

      switch (params->sl_variant)
        {
        case CB_SL_OF_ANSWERED:
          set_ratio (sl, t.answered_in_sl[i], iv->answered, 100.0);
          break;
        case CB_SL_OF_OFFERED:
          set_ratio (sl, t.answered_in_sl[i], iv->offered, 100.0);
          break;
        case CB_SL_ABANDON_NEUTRAL:
          set_ratio (sl, t.answered_in_sl[i] + t.abandoned_in_sl[i], iv->offered, 100.0);
          break;
        case CB_SL_PROTOCOL:
        default:
          set_ratio (sl, t.answered_in_sl[i], iv->answered + iv->abandoned, 100.0);
          break;
        }
    }

  g_free (t.answered_in_sl);
  g_free (t.abandoned_in_sl);
  *n_intervals = t.n;
  return t.intervals;
}
