/* test-metrics.c — the KPI engine against hand-computed scenarios
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every expected value is worked out by hand in the comments from the
 * small calls and agents each test feeds, following the formulas of
 * docs/metrics.md. Times are local (Europe/Tallinn) on Monday 2026-11-23
 * unless said otherwise: AT (10, 15, 0) is 10:15:00 EET (08:15 UTC).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "cb-metrics.h"

/* 2026-11-23 00:00 EET (UTC+2) = 2026-11-22T22:00:00Z */
#define DAY          G_GINT64_CONSTANT (1795384800000)
#define SEC          G_GINT64_CONSTANT (1000)
#define MINS          (60 * SEC)
#define HOUR         (60 * MINS)
#define DAYS         (24 * HOUR)
#define AT(h, m, s)  (DAY + (h) * HOUR + (m) * MINS + (s) * SEC)

/* A call as the tests write it: 0 is "null" for instants. */
typedef struct
{
  const char *id;
  const char *direction;     /* NULL: "in" */
  const char *state;         /* NULL: "ended" */
  const char *queue;
  const char *agent;
  const char *campaign;
  const char *lead;
  const char *number;
  gint64      created;       /* 0: queued, or answered */
  gint64      queued;
  gint64      answered;
  gint64      ended;
  gint64      wrapped;
  gint64      hold_ms;
  gboolean    abandoned;
  gboolean    dropped;
  const char *end_reason;
  const char *disposition;
  guint       transfers;
  double      survey;        /* 0: none */
} TestCall;

static void
set_time (JsonObject *o,
          const char *member,
          gint64      t)
{
  if (t != 0)
    json_object_set_int_member (o, member, t);
  else
    json_object_set_null_member (o, member);
}

static void
set_string (JsonObject *o,
            const char *member,
            const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, member, value);
  else
    json_object_set_null_member (o, member);
}

static gint64
call_latest (const TestCall *c)
{
  return MAX (MAX (c->queued, c->answered), MAX (MAX (c->ended, c->wrapped), c->created));
}

/* Applies the call as one upsert at its latest instant. */
static void
put_call_at (CbMetrics      *metrics,
             gint64          ts,
             const TestCall *c)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonArray *transfers = json_array_new ();
  gint64 created = c->created != 0 ? c->created : c->queued != 0 ? c->queued : c->answered;

  set_string (o, "id", c->id);
  set_string (o, "direction", c->direction != NULL ? c->direction : "in");
  set_string (o, "channel", "voice");
  set_string (o, "state", c->state != NULL ? c->state : "ended");
  set_string (o, "queue_id", c->queue);
  set_string (o, "agent_id", c->agent);
  set_string (o, "campaign_id", c->campaign);
  set_string (o, "lead_id", c->lead);
  set_string (o, "customer_number", c->number);
  set_time (o, "created_at", created);
  set_time (o, "queued_at", c->queued);
  set_time (o, "answered_at", c->answered);
  set_time (o, "ended_at", c->ended);
  set_time (o, "wrap_up_ended_at", c->wrapped);
  json_object_set_int_member (o, "hold_ms", c->hold_ms);
  json_object_set_boolean_member (o, "abandoned", c->abandoned);
  json_object_set_boolean_member (o, "dropped", c->dropped);
  set_string (o, "end_reason", c->end_reason);
  set_string (o, "disposition", c->disposition);
  for (guint i = 0; i < c->transfers; i++)
    {
      JsonObject *t = json_object_new ();

      json_object_set_int_member (t, "at", c->answered + 1000);
      json_object_set_string_member (t, "type", "blind");
      json_array_add_object_element (transfers, t);
    }
  json_object_set_array_member (o, "transfers", transfers);
  if (c->survey > 0 && c->survey == floor (c->survey))
    json_object_set_int_member (o, "survey_score", (gint64) c->survey);  /* as the sim sends it */
  else if (c->survey > 0)
    json_object_set_double_member (o, "survey_score", c->survey);
  else
    json_object_set_null_member (o, "survey_score");

  cb_metrics_apply_object (metrics, ts, "call", c->id, o);
}

static void
put_call (CbMetrics      *metrics,
          const TestCall *c)
{
  put_call_at (metrics, call_latest (c), c);
}

static void
put_queue (CbMetrics  *metrics,
           gint64      ts,
           const char *id,
           int         threshold_s,
           double      target_pct,
           const char *team)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonArray *teams = json_array_new ();

  if (team != NULL)
    json_array_add_string_element (teams, team);
  json_object_set_string_member (o, "id", id);
  json_object_set_int_member (o, "sl_threshold_s", threshold_s);
  json_object_set_double_member (o, "sl_target_pct", target_pct);
  json_object_set_array_member (o, "team_ids", teams);
  cb_metrics_apply_object (metrics, ts, "queue", id, o);
}

static void
put_agent (CbMetrics  *metrics,
           const char *id,
           const char *state,
           gint64      since,
           const char *team,
           const char *queue)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonArray *teams = json_array_new ();
  JsonArray *queues = json_array_new ();

  if (team != NULL)
    json_array_add_string_element (teams, team);
  if (queue != NULL)
    json_array_add_string_element (queues, queue);
  json_object_set_string_member (o, "id", id);
  json_object_set_string_member (o, "state", state);
  json_object_set_int_member (o, "state_since", since);
  json_object_set_array_member (o, "team_ids", teams);
  json_object_set_array_member (o, "queue_ids", queues);
  cb_metrics_apply_object (metrics, since, "agent", id, o);
}

static void
put_disposition (CbMetrics  *metrics,
                 const char *code,
                 const char *category)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_string_member (o, "id", code);
  json_object_set_string_member (o, "category", category);
  cb_metrics_apply_object (metrics, DAY, "disposition", code, o);
}

static void
put_campaign (CbMetrics  *metrics,
              gint64      ts,
              const char *id,
              gboolean    amd,
              const char *rule_set,
              gint64      dialable)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonObject *stats = json_object_new ();

  json_object_set_string_member (o, "id", id);
  json_object_set_boolean_member (o, "amd", amd);
  set_string (o, "rule_set_id", rule_set);
  json_object_set_array_member (o, "team_ids", json_array_new ());
  json_object_set_int_member (stats, "leads_dialable", dialable);
  json_object_set_object_member (o, "stats", stats);
  cb_metrics_apply_object (metrics, ts, "campaign", id, o);
}

static void
put_rule_set (CbMetrics  *metrics,
              gint64      ts,
              const char *id,
              const char *method,
              double      cap)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonObject *drop = json_object_new ();

  json_object_set_string_member (drop, "method", method);
  json_object_set_double_member (drop, "cap_pct", cap);
  json_object_set_object_member (o, "drop_rate", drop);
  cb_metrics_apply_object (metrics, ts, "rule_set", id, o);
}

static CbMetrics *
new_metrics (void)
{
  CbMetrics *metrics = cb_metrics_new ();

  cb_metrics_set_time_zone (metrics, "Europe/Tallinn");
  return metrics;
}

static CbMetricValue
compute (CbMetrics            *metrics,
         CbMetricId            id,
         const CbMetricScope  *scope,
         const CbMetricWindow *window,
         const CbMetricParams *params,
         gint64                now)
{
  CbMetricValue v;

  g_assert_true (cb_metrics_compute (metrics, id, scope, window, params, now, &v));
  g_assert_cmpint (v.unit, ==, cb_metric_get_info (id)->unit);
  return v;
}

#define assert_value(v, expected, epsilon) G_STMT_START { \
    CbMetricValue v_ = (v); \
    g_assert_true (v_.has_value); \
    g_assert_cmpfloat_with_epsilon (v_.value, (expected), (epsilon) + 1e-9); \
  } G_STMT_END

#define assert_no_data(v) g_assert_false ((v).has_value)

static const CbMetricWindow today = { CB_METRIC_WINDOW_TODAY, 0, 0 };

static CbMetricWindow
custom (gint64 from,
        gint64 to)
{
  CbMetricWindow w = { CB_METRIC_WINDOW_CUSTOM, from, to };

  return w;
}

/* ---------------------------------------------------------------------- */

/* Queue q1, threshold 20 s. Now 10:10:00.
 *
 *   call  queued    outcome                      wait      within 20 s
 *   c1    10:00:00  answered 10:00:10            10 s      yes
 *   c2    10:01:00  answered 10:01:20            20 s      yes (≤ T)
 *   c3    10:02:00  answered 10:02:20.001        20.001 s  no
 *   c4    10:03:00  answered 10:03:45            45 s      no
 *   c5    10:04:00  abandoned 10:04:05           5 s       yes (abandoned)
 *   c6    10:05:00  abandoned 10:05:40           40 s      no
 *   c7    10:06:00  still waiting                 —
 *
 * offered 7, answered 4 (2 within T), abandoned 2 (1 within T).
 */
static void
feed_service_level (CbMetrics *metrics)
{
  put_queue (metrics, AT (9, 0, 0), "q1", 20, 80, NULL);
  put_call (metrics, &(TestCall) { .id = "c1", .queue = "q1", .agent = "a1", .queued = AT (10, 0, 0),
                                   .answered = AT (10, 0, 10), .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "c2", .queue = "q1", .agent = "a2", .queued = AT (10, 1, 0),
                                   .answered = AT (10, 1, 20), .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "c3", .queue = "q1", .agent = "a3", .queued = AT (10, 2, 0),
                                   .answered = AT (10, 2, 20) + 1, .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "c4", .queue = "q1", .agent = "a4", .queued = AT (10, 3, 0),
                                   .answered = AT (10, 3, 45), .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "c5", .queue = "q1", .queued = AT (10, 4, 0),
                                   .ended = AT (10, 4, 5), .abandoned = TRUE,
                                   .end_reason = "abandoned" });
  put_call (metrics, &(TestCall) { .id = "c6", .queue = "q1", .queued = AT (10, 5, 0),
                                   .ended = AT (10, 5, 40), .abandoned = TRUE,
                                   .end_reason = "abandoned" });
  put_call (metrics, &(TestCall) { .id = "c7", .queue = "q1", .queued = AT (10, 6, 0),
                                   .state = "queued" });
}

static void
test_service_level_variants (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricParams params = CB_METRIC_PARAMS_INIT;
  gint64 now = AT (10, 10, 0);
  CbMetricValue v;

  feed_service_level (metrics);

  /* §10.5: within T ÷ (answered + abandoned) = 2 / 6 */
  v = compute (metrics, CB_METRIC_SERVICE_LEVEL, NULL, &today, NULL, now);
  assert_value (v, 100.0 * 2 / 6, 1e-9);
  g_assert_cmpfloat (v.numerator, ==, 2);
  g_assert_cmpfloat (v.denominator, ==, 6);
  g_assert_cmpint (v.from_ms, ==, DAY);
  g_assert_cmpint (v.to_ms, ==, now + 1);

  params.sl_variant = CB_SL_OF_ANSWERED;     /* 2 / 4 */
  assert_value (compute (metrics, CB_METRIC_SERVICE_LEVEL, NULL, &today, &params, now), 50.0, 1e-9);
  params.sl_variant = CB_SL_OF_OFFERED;      /* 2 / 7 */
  assert_value (compute (metrics, CB_METRIC_SERVICE_LEVEL, NULL, &today, &params, now),
                100.0 * 2 / 7, 1e-9);
  params.sl_variant = CB_SL_ABANDON_NEUTRAL; /* (2 + 1) / 7 */
  assert_value (compute (metrics, CB_METRIC_SERVICE_LEVEL, NULL, &today, &params, now),
                100.0 * 3 / 7, 1e-9);

  /* A 30 s threshold takes c3 in: 3 / 6 (c6 waited 40 s, still out). */
  params.sl_variant = CB_SL_PROTOCOL;
  params.sl_threshold_ms = 30 * SEC;
  assert_value (compute (metrics, CB_METRIC_SERVICE_LEVEL, NULL, &today, &params, now), 50.0, 1e-9);

  /* ASA = (10 + 20 + 20.001 + 45) s / 4 = 23 750.25 ms */
  v = compute (metrics, CB_METRIC_ASA, NULL, &today, NULL, now);
  assert_value (v, 23750.25, 1e-9);
  g_assert_cmpfloat (v.numerator, ==, 95001);
  g_assert_cmpfloat (v.denominator, ==, 4);

  /* Time in queue: the 4 answered and 2 abandoned left; (95 001 + 5 000 + 40 000) / 6 */
  assert_value (compute (metrics, CB_METRIC_AVG_TIME_IN_QUEUE, NULL, &today, NULL, now),
                140001.0 / 6, 1e-9);

  /* Counts */
  assert_value (compute (metrics, CB_METRIC_OFFERED, NULL, &today, NULL, now), 7, 0);
  assert_value (compute (metrics, CB_METRIC_ANSWERED, NULL, &today, NULL, now), 4, 0);
  assert_value (compute (metrics, CB_METRIC_ABANDONED, NULL, &today, NULL, now), 2, 0);

  /* Waiting now: c7, since 10:06:00 → 4 min. */
  assert_value (compute (metrics, CB_METRIC_CALLS_WAITING, NULL, &today, NULL, now), 1, 0);
  assert_value (compute (metrics, CB_METRIC_LONGEST_WAIT, NULL, &today, NULL, now), 240000, 0);
}

static void
test_abandonment_short_abandon (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricParams params = CB_METRIC_PARAMS_INIT;
  gint64 now = AT (10, 10, 0);

  feed_service_level (metrics);

  /* 2 abandoned / 7 offered */
  assert_value (compute (metrics, CB_METRIC_ABANDON_RATE, NULL, &today, NULL, now),
                100.0 * 2 / 7, 1e-9);

  /* Short abandons under 10 s (c5, 5 s) are neither offered nor abandoned: 1 / 6. */
  params.short_abandon_ms = 10 * SEC;
  assert_value (compute (metrics, CB_METRIC_ABANDON_RATE, NULL, &today, &params, now),
                100.0 / 6, 1e-9);
  assert_value (compute (metrics, CB_METRIC_OFFERED, NULL, &today, &params, now), 6, 0);
  /* and the service level loses c5 from the denominator: 2 / (4 + 1) */
  assert_value (compute (metrics, CB_METRIC_SERVICE_LEVEL, NULL, &today, &params, now), 40.0, 1e-9);

  /* Exactly at the threshold is not short: a 5 s threshold keeps c5 (5 s ≥ 5 s). */
  params.short_abandon_ms = 5 * SEC;
  assert_value (compute (metrics, CB_METRIC_ABANDON_RATE, NULL, &today, &params, now),
                100.0 * 2 / 7, 1e-9);
}

/* c1 is answered at 10:14:59.999 and c2 at 10:15:00.000: windows are
 * [from, to), so each falls on its own side of 10:15. */
static void
test_window_edges (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricWindow first = custom (AT (10, 0, 0), AT (10, 15, 0));
  CbMetricWindow second = custom (AT (10, 15, 0), AT (10, 30, 0));
  CbMetricWindow last15 = { CB_METRIC_WINDOW_LAST_15, 0, 0 };
  gint64 now = AT (10, 40, 0);
  CbMetricValue v;

  put_queue (metrics, AT (9, 0, 0), "q1", 20, 80, NULL);
  put_call (metrics, &(TestCall) { .id = "c1", .queue = "q1", .agent = "a1", .queued = AT (10, 14, 50),
                                   .answered = AT (10, 15, 0) - 1, .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "c2", .queue = "q1", .agent = "a2", .queued = AT (10, 14, 55),
                                   .answered = AT (10, 15, 0), .state = "connected" });

  assert_value (compute (metrics, CB_METRIC_ANSWERED, NULL, &first, NULL, now), 1, 0);
  assert_value (compute (metrics, CB_METRIC_ANSWERED, NULL, &second, NULL, now), 1, 0);
  /* Both were offered (queued) before 10:15. */
  assert_value (compute (metrics, CB_METRIC_OFFERED, NULL, &first, NULL, now), 2, 0);
  assert_value (compute (metrics, CB_METRIC_OFFERED, NULL, &second, NULL, now), 0, 0);
  /* ASA of the second quarter: c2 waited 5 s. */
  assert_value (compute (metrics, CB_METRIC_ASA, NULL, &second, NULL, now), 5000, 0);

  /* Rolling: at 10:29:59.999 the last 15 minutes are (10:14:59.999, 10:29:59.999]. */
  v = compute (metrics, CB_METRIC_ANSWERED, NULL, &last15, NULL, AT (10, 30, 0) - 1);
  assert_value (v, 1, 0);
  g_assert_cmpint (v.from_ms, ==, AT (10, 15, 0));
  g_assert_cmpint (v.to_ms, ==, AT (10, 30, 0));
  /* and one millisecond earlier c1 is still inside */
  assert_value (compute (metrics, CB_METRIC_ANSWERED, NULL, &last15, NULL, AT (10, 30, 0) - 2), 2, 0);

  /* A custom window is cut at now: [10:00, 11:00) at 10:15:00.000 holds c1 only. */
  first = custom (AT (10, 0, 0), AT (11, 0, 0));
  v = compute (metrics, CB_METRIC_ANSWERED, NULL, &first, NULL, AT (10, 15, 0) - 1);
  assert_value (v, 1, 0);
  g_assert_cmpint (v.to_ms, ==, AT (10, 15, 0));
}

/*   call  answered  hold  ended     wrap-up ended  talk   handle  transfers
 *   h1    10:00:00  30 s  10:05:00  10:06:00       270 s  360 s   0
 *   h2    10:10:00   0    10:12:00  10:12:30       120 s  150 s   1
 *   h3    10:20:00   0    10:23:00  — (no wrap-up, ended)  180 s  180 s   0
 *   h4    10:30:00  connected: in progress, not counted
 *   h5    10:31:00  ended 10:35:00, in wrap-up: not counted
 *
 * handled 3: talk 570 s, hold 30 s, wrap-up 90 s → averages 190 s, 10 s,
 * 30 s; AHT 690 s / 3 = 230 s = 190 + 10 + 30. Transfer rate 1 / 3.
 */
static void
test_handle_times (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricWindow before_h2 = custom (AT (10, 0, 0), AT (10, 12, 30));
  gint64 now = AT (10, 40, 0);
  CbMetricValue v;

  put_call (metrics, &(TestCall) { .id = "h1", .queue = "q1", .agent = "a1", .queued = AT (9, 59, 50),
                                   .answered = AT (10, 0, 0), .hold_ms = 30 * SEC,
                                   .ended = AT (10, 5, 0), .wrapped = AT (10, 6, 0) });
  put_call (metrics, &(TestCall) { .id = "h2", .queue = "q1", .agent = "a2", .queued = AT (10, 9, 50),
                                   .answered = AT (10, 10, 0), .ended = AT (10, 12, 0),
                                   .wrapped = AT (10, 12, 30), .transfers = 1,
                                   .end_reason = "transferred" });
  put_call (metrics, &(TestCall) { .id = "h3", .queue = "q1", .agent = "a3", .queued = AT (10, 19, 50),
                                   .answered = AT (10, 20, 0), .ended = AT (10, 23, 0) });
  put_call (metrics, &(TestCall) { .id = "h4", .queue = "q1", .agent = "a4", .queued = AT (10, 29, 50),
                                   .answered = AT (10, 30, 0), .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "h5", .queue = "q1", .agent = "a5", .queued = AT (10, 30, 50),
                                   .answered = AT (10, 31, 0), .ended = AT (10, 35, 0),
                                   .state = "wrap_up" });

  v = compute (metrics, CB_METRIC_AHT, NULL, &today, NULL, now);
  assert_value (v, 230000, 1e-9);
  g_assert_cmpfloat (v.numerator, ==, 690000);
  g_assert_cmpfloat (v.denominator, ==, 3);
  assert_value (compute (metrics, CB_METRIC_AVG_TALK, NULL, &today, NULL, now), 190000, 1e-9);
  assert_value (compute (metrics, CB_METRIC_AVG_HOLD, NULL, &today, NULL, now), 10000, 1e-9);
  assert_value (compute (metrics, CB_METRIC_AVG_WRAP_UP, NULL, &today, NULL, now), 30000, 1e-9);
  assert_value (compute (metrics, CB_METRIC_TRANSFER_RATE, NULL, &today, NULL, now),
                100.0 / 3, 1e-9);

  /* Handle time counts at the end of wrap-up: h2 ends at 10:12:30, outside
   * [10:00, 10:12:30); only h1 is left. */
  assert_value (compute (metrics, CB_METRIC_AHT, NULL, &before_h2, NULL, now), 360000, 1e-9);

  /* h5's wrap-up ends at 10:36:00: now four calls, (690 + 300) s / 4. */
  put_call (metrics, &(TestCall) { .id = "h5", .queue = "q1", .agent = "a5", .queued = AT (10, 30, 50),
                                   .answered = AT (10, 31, 0), .ended = AT (10, 35, 0),
                                   .wrapped = AT (10, 36, 0) });
  assert_value (compute (metrics, CB_METRIC_AHT, NULL, &today, NULL, now), 990000.0 / 4, 1e-9);
}

/* FCR with N = 3 days, over the handled calls of Friday 2026-11-20
 * (custom window). Days are 24 h apart (no clock change in November).
 *
 *   A1  Fri 10:00, +372 1000   A2 Sun 09:00 (47 h later)       → repeat: not resolved
 *   B1  Fri 11:00, +372 2000   B2 Fri 11:00 + 72 h + 1 ms      → resolved
 *   D1  Fri 12:00, +372 4000   D2 Fri 12:00 + 72 h exactly     → repeat: not resolved
 *   E1  Fri 13:00, +372 5000   no other call                   → resolved
 *   C1  Fri 14:00, masked +372****3000, C2 Sat                → not judged
 *   F1, F2  both Fri 15:00:00.000, +372 6000; F3 Sat 15:00        → neither resolved
 *           (F1 and F2 are not each other's repeat: not later)
 *
 * FCR(3 days) = 2 / 6 (B1, E1). With the default 7 days B2 is a repeat
 * too: 1 / 6.
 */
static void
test_fcr_across_days (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricParams params = CB_METRIC_PARAMS_INIT;
  gint64 fri = DAY - 3 * DAYS;
  CbMetricWindow friday = custom (fri, fri + DAYS);
  gint64 now = AT (16, 0, 0);
  CbMetricValue v;

#define HANDLED(ID, NUM, T) (&(TestCall) { .id = ID, .queue = "q1", .agent = "a1", .number = NUM, \
                                           .queued = (T), .answered = (T) + 5 * SEC,               \
                                           .ended = (T) + 65 * SEC, .wrapped = (T) + 95 * SEC })
  put_call (metrics, HANDLED ("A1", "+3721000", fri + 10 * HOUR));
  put_call (metrics, HANDLED ("B1", "+3722000", fri + 11 * HOUR));
  put_call (metrics, HANDLED ("D1", "+3724000", fri + 12 * HOUR));
  put_call (metrics, HANDLED ("E1", "+3725000", fri + 13 * HOUR));
  put_call (metrics, HANDLED ("C1", "+372****3000", fri + 14 * HOUR));
  put_call (metrics, HANDLED ("F1", "+3726000", fri + 15 * HOUR));
  put_call (metrics, HANDLED ("F2", "+3726000", fri + 15 * HOUR));
  put_call (metrics, HANDLED ("C2", "+372****3000", fri + DAYS + 10 * HOUR));
  put_call (metrics, HANDLED ("F3", "+3726000", fri + DAYS + 15 * HOUR));
  put_call (metrics, HANDLED ("A2", "+3721000", fri + 2 * DAYS + 9 * HOUR));
  /* D2 and B2: the repeats' created_at (here their queuing) against D1 / B1's */
  put_call (metrics, HANDLED ("D2", "+3724000", fri + 12 * HOUR + 3 * DAYS));
  put_call (metrics, HANDLED ("B2", "+3722000", fri + 11 * HOUR + 3 * DAYS + 1));
#undef HANDLED

  params.fcr_days = 3;
  v = compute (metrics, CB_METRIC_FCR, NULL, &friday, &params, now);
  assert_value (v, 100.0 * 2 / 6, 1e-9);
  g_assert_cmpfloat (v.numerator, ==, 2);
  g_assert_cmpfloat (v.denominator, ==, 6);

  assert_value (compute (metrics, CB_METRIC_FCR, NULL, &friday, NULL, now), 100.0 / 6, 1e-9);
}

/* Surveys of four handled calls: 5, 4.5, 3, 1 (and one call without a
 * survey). CSAT = 2 of 4 score 4 or more = 50 %; mean = 13.5 / 4 = 3.375. */
static void
test_csat (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  static const double scores[] = { 5, 4.5, 3, 1, 0 };
  gint64 now = AT (12, 0, 0);
  CbMetricValue v;

  for (guint i = 0; i < G_N_ELEMENTS (scores); i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);
      gint64 t = AT (10, 0, 0) + i * 10 * MINS;

      put_call (metrics, &(TestCall) { .id = id, .queue = "q1", .agent = "a1", .queued = t,
                                       .answered = t + SEC, .ended = t + MINS, .wrapped = t + 2 * MINS,
                                       .survey = scores[i] });
    }

  v = compute (metrics, CB_METRIC_CSAT, NULL, &today, NULL, now);
  assert_value (v, 50.0, 1e-9);
  g_assert_cmpfloat (v.denominator, ==, 4);
  v = compute (metrics, CB_METRIC_CSAT_MEAN, NULL, &today, NULL, now);
  assert_value (v, 3.375, 1e-9);
  g_assert_cmpint (v.unit, ==, CB_METRIC_UNIT_SCORE);
}

/* Agents over [10:00, 11:00), now 11:00:
 *
 *   a1 (team t1, queue q1): available 10:00, on_call 10:10, on_hold 10:20,
 *      on_call 10:25, wrap_up 10:30, available 10:35, paused 10:50
 *      → available 10 + 15 = 25 min; on call 10 + 5; on hold 5; wrap-up 5;
 *        busy 25 min; paused 10 min; logged in 60 min
 *   a2 (team t2, queue q2): logged_out until 10:30, available 10:30
 *      → available 30 min; logged in 30 min
 *
 * Occupancy = 25 / (25 + 55) = 31.25 %; team t1 alone: 25 / 50 = 50 %.
 * a1 answered one call (10:10): calls per agent = 1 / 2 agents = 0.5;
 * per agent hour = 1 / 1.5 h.
 */
static void
test_agents (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricWindow hour = custom (AT (10, 0, 0), AT (11, 0, 0));
  CbMetricWindow last15 = { CB_METRIC_WINDOW_LAST_15, 0, 0 };
  const char * const t1[] = { "t1", NULL };
  const char * const q2[] = { "q2", NULL };
  CbMetricScope team_scope = { NULL, NULL, t1 };
  CbMetricScope queue_scope = { q2, NULL, NULL };
  gint64 now = AT (11, 0, 0);
  CbMetricValue v;

  put_agent (metrics, "a2", "logged_out", AT (8, 0, 0), "t2", "q2");
  put_agent (metrics, "a1", "available", AT (10, 0, 0), "t1", "q1");
  put_agent (metrics, "a1", "on_call", AT (10, 10, 0), "t1", "q1");
  put_call (metrics, &(TestCall) { .id = "x1", .queue = "q1", .agent = "a1", .queued = AT (10, 9, 50),
                                   .answered = AT (10, 10, 0), .ended = AT (10, 30, 0),
                                   .wrapped = AT (10, 35, 0), .hold_ms = 5 * MINS });
  put_agent (metrics, "a1", "on_hold", AT (10, 20, 0), "t1", "q1");
  put_agent (metrics, "a1", "on_call", AT (10, 25, 0), "t1", "q1");
  put_agent (metrics, "a1", "wrap_up", AT (10, 30, 0), "t1", "q1");
  put_agent (metrics, "a2", "available", AT (10, 30, 0), "t2", "q2");
  put_agent (metrics, "a1", "available", AT (10, 35, 0), "t1", "q1");
  put_agent (metrics, "a1", "paused", AT (10, 50, 0), "t1", "q1");

  v = compute (metrics, CB_METRIC_OCCUPANCY, NULL, &hour, NULL, now);
  assert_value (v, 31.25, 1e-9);
  g_assert_cmpfloat (v.numerator, ==, 25 * MINS);
  g_assert_cmpfloat (v.denominator, ==, 80 * MINS);
  assert_value (compute (metrics, CB_METRIC_OCCUPANCY, &team_scope, &hour, NULL, now), 50.0, 1e-9);

  assert_value (compute (metrics, CB_METRIC_CALLS_PER_AGENT, NULL, &hour, NULL, now), 0.5, 1e-9);
  v = compute (metrics, CB_METRIC_CALLS_PER_AGENT_HOUR, NULL, &hour, NULL, now);
  assert_value (v, 1 / 1.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (v.denominator, 1.5, 1e-9);

  /* Last 15 minutes at 11:00 are (10:45, 11:00], i.e. [10:45:00.001,
   * 11:00:00.001): a1 available 5 min − 1 ms, a2 15 min; nobody busy. A
   * true 0 %, not "no data": there was available time. */
  v = compute (metrics, CB_METRIC_OCCUPANCY, NULL, &last15, NULL, now);
  assert_value (v, 0.0, 0);
  g_assert_cmpfloat (v.denominator, ==, (5 * MINS - 1) + 15 * MINS);

  /* States now: a1 paused, a2 available. */
  assert_value (compute (metrics, CB_METRIC_AGENTS_LOGGED_IN, NULL, NULL, NULL, now), 2, 0);
  assert_value (compute (metrics, CB_METRIC_AGENTS_AVAILABLE, NULL, NULL, NULL, now), 1, 0);
  assert_value (compute (metrics, CB_METRIC_AGENTS_PAUSED, NULL, NULL, NULL, now), 1, 0);
  assert_value (compute (metrics, CB_METRIC_AGENTS_ON_CALL, NULL, NULL, NULL, now), 0, 0);
  assert_value (compute (metrics, CB_METRIC_AGENTS_AVAILABLE, &team_scope, NULL, NULL, now), 0, 0);
  assert_value (compute (metrics, CB_METRIC_AGENTS_AVAILABLE, &queue_scope, NULL, NULL, now), 1, 0);

  /* Deleted: a2 leaves the floor. */
  cb_metrics_apply_object (metrics, AT (11, 0, 0), "agent", "a2", NULL);
  assert_value (compute (metrics, CB_METRIC_AGENTS_LOGGED_IN, NULL, NULL, NULL, now), 1, 0);
  assert_value (compute (metrics, CB_METRIC_AGENTS_AVAILABLE, NULL, NULL, NULL, now), 0, 0);
}

/* Campaign k2 (US rule set, no AMD), today; dispositions SALE (success),
 * NOTINT (contact), AM (no_contact):
 *
 *   dial  created   outcome                                         lead
 *   o1    10:00:00  person 10:00:10, agent, ended 10:05:10, SALE    L1
 *   o2    10:01:00  person 10:01:08, agent, ended 10:03:08, NOTINT  L2
 *   o3    10:02:00  person 10:02:05, dropped 10:02:07               L3
 *   o4    10:03:00  machine 10:03:04 (AMD), ended 10:03:06          L4
 *   o5    10:04:00  no answer, ended 10:04:25                       L5
 *   o6    10:05:00  person 10:05:09, agent, ended 10:09:09, SALE    L2 (2nd contact)
 *   o7    10:06:00  person 10:06:07, agent, ended 10:06:37, AM      L6
 *
 * dials 7; answered by a person o1 o2 o3 o6 o7 = 5 → ASR 5 / 7.
 * Connected to an agent, not dropped: 300 + 120 + 240 + 30 s → 172.5 s.
 * Contacts 5, successes o1 o6 → conversion 40 %; first-call close: o1
 * (L1's first contact) yes, o6 (L2 spoken to at 10:01) no → 50 %.
 * US drop rate: drops 1 ÷ (5 answered by a person − 1 machine the agent
 * found) = 25 %.
 */
static void
test_outbound (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricWindow last60 = { CB_METRIC_WINDOW_LAST_60, 0, 0 };
  CbMetricWindow period = { CB_METRIC_WINDOW_RULE_PERIOD, 0, 0 };
  const char * const k2[] = { "k2", NULL };
  CbMetricScope scope = { NULL, k2, NULL };
  gint64 now = AT (11, 0, 0) - 1;
  CbMetricValue v;
  double cap = 0;
  CbDropRateMethod method = CB_DROP_RATE_RULE_SET;

  put_disposition (metrics, "SALE", "success");
  put_disposition (metrics, "NOTINT", "contact");
  put_disposition (metrics, "AM", "no_contact");
  put_rule_set (metrics, AT (9, 0, 0), "rs-us", "us", 3.0);
  put_campaign (metrics, AT (9, 0, 0), "k2", FALSE, "rs-us", 6120);
  put_campaign (metrics, AT (9, 0, 0), "k9", FALSE, NULL, 80);

#define DIAL(...) (&(TestCall) { .direction = "out", .campaign = "k2", __VA_ARGS__ })
  put_call (metrics, DIAL (.id = "o1", .lead = "L1", .agent = "ag1", .created = AT (10, 0, 0),
                           .answered = AT (10, 0, 10), .ended = AT (10, 5, 10),
                           .wrapped = AT (10, 6, 0), .disposition = "SALE"));
  put_call (metrics, DIAL (.id = "o2", .lead = "L2", .agent = "ag2", .created = AT (10, 1, 0),
                           .answered = AT (10, 1, 8), .ended = AT (10, 3, 8),
                           .wrapped = AT (10, 3, 30), .disposition = "NOTINT"));
  put_call (metrics, DIAL (.id = "o3", .lead = "L3", .created = AT (10, 2, 0),
                           .answered = AT (10, 2, 5), .ended = AT (10, 2, 7), .dropped = TRUE,
                           .end_reason = "dropped"));
  put_call (metrics, DIAL (.id = "o4", .lead = "L4", .created = AT (10, 3, 0),
                           .answered = AT (10, 3, 4), .ended = AT (10, 3, 6),
                           .end_reason = "machine"));
  put_call (metrics, DIAL (.id = "o5", .lead = "L5", .created = AT (10, 4, 0),
                           .ended = AT (10, 4, 25), .end_reason = "no_answer"));
  put_call (metrics, DIAL (.id = "o6", .lead = "L2", .agent = "ag1", .created = AT (10, 5, 0),
                           .answered = AT (10, 5, 9), .ended = AT (10, 9, 9),
                           .wrapped = AT (10, 10, 0), .disposition = "SALE"));
  put_call (metrics, DIAL (.id = "o7", .lead = "L6", .agent = "ag2", .created = AT (10, 6, 0),
                           .answered = AT (10, 6, 7), .ended = AT (10, 6, 37),
                           .wrapped = AT (10, 7, 0), .disposition = "AM"));
#undef DIAL

  assert_value (compute (metrics, CB_METRIC_DIALS, &scope, &today, NULL, now), 7, 0);
  /* The last 60 minutes at 10:59:59.999 are [10:00:00.000, 11:00): 7 per hour. */
  v = compute (metrics, CB_METRIC_DIALS_PER_HOUR, &scope, &last60, NULL, now);
  assert_value (v, 7, 1e-9);
  g_assert_cmpfloat_with_epsilon (v.denominator, 1.0, 1e-12);
  assert_value (compute (metrics, CB_METRIC_ASR, &scope, &today, NULL, now), 100.0 * 5 / 7, 1e-9);
  assert_value (compute (metrics, CB_METRIC_AVG_CALL_DURATION, &scope, &today, NULL, now),
                172500, 1e-9);
  assert_value (compute (metrics, CB_METRIC_CONVERSION_RATE, &scope, &today, NULL, now), 40, 1e-9);
  assert_value (compute (metrics, CB_METRIC_FIRST_CALL_CLOSE, &scope, &today, NULL, now), 50, 1e-9);

  v = compute (metrics, CB_METRIC_DROP_RATE, &scope, &period, NULL, now);
  assert_value (v, 25.0, 1e-9);
  g_assert_cmpfloat (v.numerator, ==, 1);
  g_assert_cmpfloat (v.denominator, ==, 4);
  /* The same over an ordinary window, from the calls themselves */
  assert_value (compute (metrics, CB_METRIC_DROP_RATE, &scope, &today, NULL, now), 25.0, 1e-9);

  g_assert_true (cb_metrics_get_drop_rate_cap (metrics, "k2", &cap, &method));
  g_assert_cmpfloat (cap, ==, 3.0);
  g_assert_cmpint (method, ==, CB_DROP_RATE_US);
  g_assert_false (cb_metrics_get_drop_rate_cap (metrics, "k9", &cap, &method));

  /* Leads dialable from the campaigns' stats: k2 alone, then both. */
  assert_value (compute (metrics, CB_METRIC_LEADS_DIALABLE, &scope, NULL, NULL, now), 6120, 0);
  assert_value (compute (metrics, CB_METRIC_LEADS_DIALABLE, NULL, NULL, NULL, now), 6200, 0);
}

/* Feeds @n calls of campaign @campaign at @t: @live connected to an agent
 * and talking to a person, @agent_machines connected to an agent who found
 * a machine (disposition AM), @drops dropped, @machines hung up by AMD. */
static void
feed_campaign_day (CbMetrics  *metrics,
                   const char *campaign,
                   gint64      t,
                   guint       live,
                   guint       agent_machines,
                   guint       drops,
                   guint       machines)
{
  guint n = 0;

  for (guint kind = 0; kind < 4; kind++)
    {
      guint count = (guint[]) { live, agent_machines, drops, machines }[kind];

      for (guint i = 0; i < count; i++, n++)
        {
          g_autofree char *id = g_strdup_printf ("%s-%u", campaign, n);
          gint64 at = t + n * SEC;
          TestCall c = { .id = id, .direction = "out", .campaign = campaign, .created = at,
                         .answered = at + 5 * SEC, .ended = at + 30 * SEC };

          if (kind <= 1)
            {
              c.agent = "ag1";
              c.wrapped = at + 40 * SEC;
              c.disposition = kind == 0 ? "NOTINT" : "AM";
            }
          else if (kind == 2)
            {
              c.dropped = TRUE;
              c.ended = at + 7 * SEC;
              c.end_reason = "dropped";
            }
          else
            c.end_reason = "machine";
          put_call (metrics, &c);
        }
    }
}

/* UK (Ofcom), worked by hand:
 *
 * k1, with AMD; AMD false-positive estimate 1 % of the 200 machines = 2.
 *   97 live calls connected, 3 drops, 200 AMD machines:
 *   (3 + 2) ÷ (97 + 3 + 2) = 5 / 102 = 4.9020 %
 *   (US for the same day: 3 ÷ 100 = 3 %)
 * k3, without AMD: 100 calls reached agents, who found 20 machines; 5 drops.
 *   live L = 80; drops estimated live = 5 × 80 / (80 + 20) = 4
 *   4 ÷ (80 + 4) = 4.7619 %   (US: 5 ÷ (105 − 20) = 5.8824 %)
 * Both campaigns together (UK): (5 + 4) ÷ (102 + 84) = 9 / 186 = 4.8387 %.
 * The UK period is the calendar day: yesterday's drops on k3 do not count.
 */
static void
test_drop_rate_uk (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricWindow period = { CB_METRIC_WINDOW_RULE_PERIOD, 0, 0 };
  CbMetricParams us = CB_METRIC_PARAMS_INIT;
  const char * const k1[] = { "k1", NULL };
  const char * const k3[] = { "k3", NULL };
  const char * const both[] = { "k1", "k3", NULL };
  CbMetricScope s1 = { NULL, k1, NULL }, s3 = { NULL, k3, NULL }, s13 = { NULL, both, NULL };
  gint64 now = AT (18, 0, 0);
  CbMetricValue v;

  us.drop_method = CB_DROP_RATE_US;
  put_disposition (metrics, "NOTINT", "contact");
  put_disposition (metrics, "AM", "no_contact");
  put_rule_set (metrics, DAY - DAYS, "rs-uk", "uk", 3.0);
  put_campaign (metrics, DAY - DAYS, "k1", TRUE, "rs-uk", 0);
  put_campaign (metrics, DAY - DAYS, "k3", FALSE, "rs-uk", 0);
  cb_metrics_set_amd_false_positive_rate (metrics, 0.01);

  /* Yesterday: 10 calls on k3, all dropped, outside today's period */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *id = g_strdup_printf ("k3-yesterday-%u", i);
      gint64 at = DAY - 12 * HOUR + i * MINS;

      put_call (metrics, &(TestCall) { .id = id, .direction = "out", .campaign = "k3",
                                       .created = at, .answered = at + 5 * SEC,
                                       .ended = at + 7 * SEC, .dropped = TRUE,
                                       .end_reason = "dropped" });
    }

  feed_campaign_day (metrics, "k1", AT (9, 0, 0), 97, 0, 3, 200);
  feed_campaign_day (metrics, "k3", AT (12, 0, 0), 80, 20, 5, 0);

  v = compute (metrics, CB_METRIC_DROP_RATE, &s1, &period, NULL, now);
  assert_value (v, 100.0 * 5 / 102, 1e-9);
  g_assert_cmpfloat_with_epsilon (v.numerator, 5, 1e-9);
  g_assert_cmpfloat_with_epsilon (v.denominator, 102, 1e-9);
  g_assert_cmpint (v.from_ms, ==, DAY);
  assert_value (compute (metrics, CB_METRIC_DROP_RATE, &s1, &period, &us, now), 3.0, 1e-9);

  assert_value (compute (metrics, CB_METRIC_DROP_RATE, &s3, &period, NULL, now), 100.0 * 4 / 84,
                1e-9);
  assert_value (compute (metrics, CB_METRIC_DROP_RATE, &s13, &period, NULL, now),
                100.0 * 9 / 186, 1e-9);

  /* US over its 30 days includes yesterday's 10 drops on k3:
   * (5 + 10) ÷ (105 + 10 − 20) = 15 / 95 */
  assert_value (compute (metrics, CB_METRIC_DROP_RATE, &s3, &period, &us, now), 100.0 * 15 / 95,
                1e-9);

  /* Without an estimate, k1's UK rate is 3 ÷ 100. */
  cb_metrics_set_amd_false_positive_rate (metrics, 0);
  assert_value (compute (metrics, CB_METRIC_DROP_RATE, &s1, &period, NULL, now), 3.0, 1e-9);
}

/* US, rolling 30 days (720 h) ending with the current quarter hour.
 * Now is 10:07 EET on 11-23 (08:07 UTC); its quarter starts 08:00 UTC, so
 * the period starts 2 879 quarters earlier: 2026-10-24 08:15 UTC.
 *
 *   x1  person, dropped, at 10-24 08:14:59.999 UTC   before the period
 *   x2  person, dropped, at 10-24 08:15:00.000 UTC   in
 *   x3, x4  persons connected, 11-10                 in
 *   x5  person connected, today 10:00                in
 *
 * 1 drop ÷ 4 persons = 25 %. The calls of October and 11-10 are older than
 * the retention (8 days) and forgotten, but their drop counts are kept.
 */
static void
test_drop_rate_us_rolling (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricWindow period = { CB_METRIC_WINDOW_RULE_PERIOD, 0, 0 };
  const char * const k2[] = { "k2", NULL };
  CbMetricScope scope = { NULL, k2, NULL };
  gint64 start = G_GINT64_CONSTANT (1792829700000);  /* 2026-10-24T08:15:00Z */
  gint64 nov10 = DAY - 13 * DAYS + 12 * HOUR;
  gint64 now = AT (10, 7, 0);
  CbMetricValue v;

  put_rule_set (metrics, start - DAYS, "rs-us", "us", 3.0);
  put_campaign (metrics, start - DAYS, "k2", FALSE, "rs-us", 0);

#define PERSON(ID, T, DROP) (&(TestCall) { .id = ID, .direction = "out", .campaign = "k2",       \
                                           .created = (T) - 5 * SEC, .answered = (T),             \
                                           .ended = (T) + ((DROP) ? 2 * SEC : 60 * SEC),          \
                                           .agent = (DROP) ? NULL : "ag1", .dropped = (DROP),     \
                                           .wrapped = (DROP) ? 0 : (T) + 70 * SEC })
  put_call (metrics, PERSON ("x1", start - 1, TRUE));
  put_call (metrics, PERSON ("x2", start, TRUE));
  put_call (metrics, PERSON ("x3", nov10, FALSE));
  put_call (metrics, PERSON ("x4", nov10 + HOUR, FALSE));
  put_call (metrics, PERSON ("x5", AT (10, 0, 0), FALSE));
#undef PERSON

  v = compute (metrics, CB_METRIC_DROP_RATE, &scope, &period, NULL, now);
  assert_value (v, 25.0, 1e-9);
  g_assert_cmpfloat (v.numerator, ==, 1);
  g_assert_cmpfloat (v.denominator, ==, 4);
  g_assert_cmpint (v.from_ms, ==, start);
  g_assert_cmpint (v.to_ms, ==, now + 1);

  /* Only x5 is still held as a call. */
  g_assert_cmpuint (cb_metrics_get_n_calls (metrics), ==, 1);
}

/* Erlang C against Call Centre Helper, "Erlang C Formula – Made Simple With
 * an Easy Worked Example" (callcentrehelper.com): 100 calls in 30 minutes,
 * AHT 180 s, 80 % in 20 s. Traffic A = 200 calls/h × 180 s / 3600 = 10
 * erlangs. Their table: 11 agents wait probability 68.21 %; 13 agents
 * SL 79.56 %; 14 agents SL 88.84 % — so 14 agents are needed. (Checked by
 * a separate calculation: B(N) by the recursion, C = N·B / (N − A(1 − B)),
 * SL = 1 − C·e^(−(N − A)·T / AHT).)
 * And the Erlang B table: 5 erlangs on 10 trunks block 1.84 %, so
 * C = 10 × 0.018385 / (10 − 5 × 0.981615) = 3.61 %.
 */
static void
test_erlang_reference (void)
{
  double sl;
  guint needed;

  g_assert_cmpfloat_with_epsilon (cb_erlang_c_wait_probability (10, 11), 0.6821, 5e-5);
  g_assert_cmpfloat_with_epsilon (cb_erlang_c_service_level (10, 13, 180, 20), 0.7956, 5e-5);
  g_assert_cmpfloat_with_epsilon (cb_erlang_c_service_level (10, 14, 180, 20), 0.8884, 5e-5);
  g_assert_cmpuint (cb_erlang_c_agents_needed (10, 180, 20, 80), ==, 14);
  g_assert_cmpfloat_with_epsilon (cb_erlang_c_wait_probability (5, 10), 0.0361, 5e-5);

  /* Not enough agents: everyone waits, nobody is served in time. */
  g_assert_cmpfloat (cb_erlang_c_wait_probability (10, 10), ==, 1.0);
  g_assert_cmpfloat (cb_erlang_c_service_level (10, 9, 180, 20), ==, 0.0);
  g_assert_cmpuint (cb_erlang_c_agents_needed (0, 180, 20, 80), ==, 0);
  g_assert_cmpuint (cb_erlang_c_agents_needed (10, 180, 20, 100), ==, G_MAXUINT);

  /* Large traffic, where A^N / N! overflows a double (170! already does):
   * 5 000 erlangs. The answer is finite, just above A, and minimal. */
  needed = cb_erlang_c_agents_needed (5000, 180, 20, 80);
  g_assert_cmpuint (needed, >, 5000);
  g_assert_cmpuint (needed, <, 5100);
  sl = cb_erlang_c_service_level (5000, needed, 180, 20);
  g_assert_true (isfinite (sl));
  g_assert_cmpfloat (sl, >=, 0.80);
  g_assert_cmpfloat (cb_erlang_c_service_level (5000, needed - 1, 180, 20), <, 0.80);
  g_assert_cmpfloat (cb_erlang_c_wait_probability (5000, needed), >, 0);
  g_assert_cmpfloat (cb_erlang_c_wait_probability (5000, needed), <, 1);
}

/* The same example through the engine: queue qe (20 s, 80 %), 200 calls
 * queued in the last hour, each 180 s of handling (150 s talk + 30 s
 * wrap-up) finished in the hour; 13 agents staffed (one paused, not
 * counted). Needed: 14; predicted SL with 13: 79.56 %. */
static void
test_erlang_engine (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  CbMetricWindow last60 = { CB_METRIC_WINDOW_LAST_60, 0, 0 };
  const char * const qe[] = { "qe", NULL };
  CbMetricScope scope = { qe, NULL, NULL };
  gint64 now = AT (11, 0, 0);
  gint64 start = now - HOUR + SEC;
  CbMetricValue v;

  put_queue (metrics, start - HOUR, "qe", 20, 80, NULL);
  for (guint i = 0; i < 14; i++)
    {
      g_autofree char *id = g_strdup_printf ("e%02u", i);

      put_agent (metrics, id, i == 13 ? "paused" : "available", start - HOUR, NULL, "qe");
    }

  /* No calls yet: no AHT, no estimate. */
  assert_no_data (compute (metrics, CB_METRIC_ERLANG_AGENTS_NEEDED, &scope, &last60, NULL, now));

  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *id = g_strdup_printf ("qe-%03u", i);
      gint64 t = start + i * 15 * SEC;

      put_call (metrics, &(TestCall) { .id = id, .queue = "qe", .agent = "e00", .queued = t,
                                       .answered = t + 5 * SEC, .ended = t + 155 * SEC,
                                       .wrapped = t + 185 * SEC });
    }

  v = compute (metrics, CB_METRIC_ERLANG_AGENTS_NEEDED, &scope, &last60, NULL, now);
  assert_value (v, 14, 0);
  g_assert_cmpfloat_with_epsilon (v.numerator, 10.0, 1e-9);  /* erlangs */
  g_assert_cmpfloat (v.denominator, ==, 13);                  /* staffed */
  v = compute (metrics, CB_METRIC_ERLANG_SL_STAFFED, &scope, &last60, NULL, now);
  assert_value (v, 79.56, 5e-3);

  /* A console that has seen every call only since 10:30 takes the rate
   * over those 30 minutes: the calls offered from 10:30 to 10:50 (one
   * every 15 s: 80, the last at 10:49:46) make 160 an hour, 8 erlangs at
   * 3 min of handle time — not the 4 of spreading them over the hour. */
  cb_metrics_set_complete_since (metrics, now - 30 * MINS);
  g_assert_cmpint (cb_metrics_get_complete_since (metrics), ==, now - 30 * MINS);
  v = compute (metrics, CB_METRIC_ERLANG_AGENTS_NEEDED, &scope, &last60, NULL, now);
  g_assert_true (v.has_value);
  g_assert_cmpfloat_with_epsilon (v.numerator, 80 * 2.0 * 180.0 / 3600.0, 1e-4);
  g_assert_cmpfloat (v.denominator, ==, 13);

  /* Under 10 minutes seen: too little to staff by. */
  cb_metrics_set_complete_since (metrics, now - 5 * MINS);
  assert_no_data (compute (metrics, CB_METRIC_ERLANG_AGENTS_NEEDED, &scope, &last60, NULL, now));
  cb_metrics_set_complete_since (metrics, 0);
}

/* Intervals of today: 96 quarters; bucket edges at the quarter. */
static void
test_intervals (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  g_autofree CbMetricInterval *iv = NULL;
  CbMetricParams params = CB_METRIC_PARAMS_INIT;
  guint n = 0;

  put_queue (metrics, AT (9, 0, 0), "q1", 20, 80, NULL);
  /* i1: queued 10:14:50, answered 10:14:59.999 (9.999 s) → interval 40 (10:00–10:15)
   * i2: queued 10:14:55, answered 10:15:00.000 (5 s)     → offered in 40, answered in 41
   * i3: queued 10:15:00, abandoned 10:15:30 (30 s)       → interval 41
   * i4: queued 10:16:00, answered 10:16:25 (25 s)        → interval 41, not in SL */
  put_call (metrics, &(TestCall) { .id = "i1", .queue = "q1", .agent = "a", .queued = AT (10, 14, 50),
                                   .answered = AT (10, 15, 0) - 1, .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "i2", .queue = "q1", .agent = "a", .queued = AT (10, 14, 55),
                                   .answered = AT (10, 15, 0), .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "i3", .queue = "q1", .queued = AT (10, 15, 0),
                                   .ended = AT (10, 15, 30), .abandoned = TRUE });
  put_call (metrics, &(TestCall) { .id = "i4", .queue = "q1", .agent = "a", .queued = AT (10, 16, 0),
                                   .answered = AT (10, 16, 25), .state = "connected" });

  iv = cb_metrics_get_intervals_today (metrics, NULL, NULL, AT (10, 30, 0), &n);
  g_assert_cmpuint (n, ==, 96);
  g_assert_cmpint (iv[0].start_ms, ==, DAY);
  g_assert_cmpint (iv[95].end_ms, ==, DAY + DAYS);
  g_assert_cmpint (iv[40].start_ms, ==, AT (10, 0, 0));

  g_assert_cmpuint (iv[40].offered, ==, 2);
  g_assert_cmpuint (iv[40].answered, ==, 1);
  g_assert_cmpuint (iv[40].abandoned, ==, 0);
  assert_value (iv[40].service_level, 100, 0);       /* 1 / (1 + 0) */

  g_assert_cmpuint (iv[41].offered, ==, 2);
  g_assert_cmpuint (iv[41].answered, ==, 2);
  g_assert_cmpuint (iv[41].abandoned, ==, 1);
  assert_value (iv[41].service_level, 100.0 / 3, 1e-9);  /* i2 in, i4 out, i3 abandoned: 1 / 3 */

  assert_no_data (iv[39].service_level);
  assert_no_data (iv[42].service_level);
  g_assert_cmpuint (iv[42].offered, ==, 0);

  /* Per variant: answered within T ÷ offered for 41: 1 / 2 */
  g_clear_pointer (&iv, g_free);
  params.sl_variant = CB_SL_OF_OFFERED;
  iv = cb_metrics_get_intervals_today (metrics, NULL, &params, AT (10, 30, 0), &n);
  assert_value (iv[41].service_level, 50, 1e-9);
}

/* Europe/Tallinn moves to summer time on Sunday 2026-03-29 at 03:00 EET
 * (01:00 UTC) and back on Sunday 2026-10-25 at 04:00 EEST (01:00 UTC).
 *
 * 03-29 runs from 03-28 22:00 UTC (00:00 EET) to 03-29 21:00 UTC (00:00
 * EEST): 23 hours, 92 quarters. 10-25 runs from 10-24 21:00 UTC to
 * 10-25 22:00 UTC: 25 hours, 100 quarters.
 */
static void
test_dst_today (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  g_autofree CbMetricInterval *iv = NULL;
  gint64 mar29 = G_GINT64_CONSTANT (1774735200000);  /* 2026-03-28T22:00:00Z */
  gint64 mar30 = G_GINT64_CONSTANT (1774818000000);  /* 2026-03-29T21:00:00Z */
  gint64 oct25 = G_GINT64_CONSTANT (1792875600000);  /* 2026-10-24T21:00:00Z */
  gint64 oct26 = G_GINT64_CONSTANT (1792965600000);  /* 2026-10-25T22:00:00Z */
  guint n = 0;
  CbMetricValue v;

  g_assert_cmpint (mar30 - mar29, ==, 23 * HOUR);
  g_assert_cmpint (oct26 - oct25, ==, 25 * HOUR);

  put_call (metrics, &(TestCall) { .id = "m0", .queue = "q1", .queued = mar29 - 1,
                                   .ended = mar29 + 10 * SEC, .abandoned = TRUE });
  put_call (metrics, &(TestCall) { .id = "m1", .queue = "q1", .queued = mar29,
                                   .ended = mar29 + 10 * SEC, .abandoned = TRUE });
  put_call (metrics, &(TestCall) { .id = "m2", .queue = "q1", .queued = mar30 - 1,
                                   .ended = mar30 + 10 * SEC, .abandoned = TRUE });
  put_call (metrics, &(TestCall) { .id = "m3", .queue = "q1", .queued = mar30,
                                   .ended = mar30 + 10 * SEC, .abandoned = TRUE });

  /* 23:59:59.999 EEST on the 29th: m1 and m2 were offered today. */
  v = compute (metrics, CB_METRIC_OFFERED, NULL, &today, NULL, mar30 - 1);
  assert_value (v, 2, 0);
  g_assert_cmpint (v.from_ms, ==, mar29);
  /* 00:30 on the 30th: only m3. */
  v = compute (metrics, CB_METRIC_OFFERED, NULL, &today, NULL, mar30 + 30 * MINS);
  assert_value (v, 1, 0);
  g_assert_cmpint (v.from_ms, ==, mar30);

  iv = cb_metrics_get_intervals_today (metrics, NULL, NULL, mar30 - 1, &n);
  g_assert_cmpuint (n, ==, 92);
  g_assert_cmpint (iv[0].start_ms, ==, mar29);
  g_assert_cmpint (iv[91].end_ms, ==, mar30);
  g_assert_cmpuint (iv[0].offered, ==, 1);   /* m1 */
  g_assert_cmpuint (iv[91].offered, ==, 1);  /* m2 */
  g_clear_pointer (&iv, g_free);

  iv = cb_metrics_get_intervals_today (metrics, NULL, NULL, oct25 + 12 * HOUR, &n);
  g_assert_cmpuint (n, ==, 100);
  g_assert_cmpint (iv[0].start_ms, ==, oct25);
  g_assert_cmpint (iv[99].end_ms, ==, oct26);
}

/* Retention 1 day: a call of Friday is forgotten once events reach
 * Saturday's end, and a window over Friday is then "no data". */
static void
test_retention (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  gint64 fri = DAY - 3 * DAYS;
  CbMetricWindow friday = custom (fri, fri + DAYS);
  CbMetricParams params = CB_METRIC_PARAMS_INIT;
  CbMetricValue v;

  cb_metrics_set_retention (metrics, DAYS);
  put_call (metrics, &(TestCall) { .id = "r1", .queue = "q1", .agent = "a", .number = "+3721",
                                   .queued = fri + 10 * HOUR, .answered = fri + 10 * HOUR + SEC,
                                   .ended = fri + 10 * HOUR + MINS, .wrapped = fri + 10 * HOUR + 2 * MINS });
  g_assert_cmpuint (cb_metrics_get_n_calls (metrics), ==, 1);
  assert_value (compute (metrics, CB_METRIC_ANSWERED, NULL, &friday, NULL, fri + 20 * HOUR), 1, 0);

  /* 24 h + a quarter later the call is gone. */
  put_queue (metrics, fri + 10 * HOUR + DAYS + 16 * MINS, "q1", 20, 80, NULL);
  g_assert_cmpuint (cb_metrics_get_n_calls (metrics), ==, 0);
  v = compute (metrics, CB_METRIC_ANSWERED, NULL, &friday, NULL, fri + DAYS + 11 * HOUR);
  assert_no_data (v);

  /* Saturday's call from the same number, not followed by another: resolved. */
  params.fcr_days = 7;
  put_call (metrics, &(TestCall) { .id = "r2", .queue = "q1", .agent = "a", .number = "+3721",
                                   .queued = fri + DAYS + 12 * HOUR,
                                   .answered = fri + DAYS + 12 * HOUR + SEC,
                                   .ended = fri + DAYS + 12 * HOUR + MINS,
                                   .wrapped = fri + DAYS + 12 * HOUR + 2 * MINS });
  friday = custom (fri + DAYS, fri + 2 * DAYS);
  assert_value (compute (metrics, CB_METRIC_FCR, NULL, &friday, &params, fri + DAYS + 13 * HOUR),
                100, 0);

  /* A call older than the retention is not taken in at all. */
  put_call_at (metrics, fri + DAYS + 13 * HOUR,
               &(TestCall) { .id = "old", .queue = "q1", .queued = fri, .ended = fri + MINS,
                             .abandoned = TRUE });
  g_assert_cmpuint (cb_metrics_get_n_calls (metrics), ==, 1);
}

/* Deletes: an ended call leaves the live topic a minute later, and its
 * facts stay; a call deleted before it ends is withdrawn. */
static void
test_deletes (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  gint64 now = AT (10, 10, 0);

  feed_service_level (metrics);

  cb_metrics_apply_object (metrics, AT (10, 6, 40), "call", "c6", NULL);  /* ended: kept */
  assert_value (compute (metrics, CB_METRIC_ABANDONED, NULL, &today, NULL, now), 2, 0);
  assert_value (compute (metrics, CB_METRIC_OFFERED, NULL, &today, NULL, now), 7, 0);

  cb_metrics_apply_object (metrics, AT (10, 7, 0), "call", "c7", NULL);   /* waiting: withdrawn */
  assert_value (compute (metrics, CB_METRIC_OFFERED, NULL, &today, NULL, now), 6, 0);
  assert_value (compute (metrics, CB_METRIC_CALLS_WAITING, NULL, &today, NULL, now), 0, 0);
  assert_no_data (compute (metrics, CB_METRIC_LONGEST_WAIT, NULL, &today, NULL, now));

  cb_metrics_apply_object (metrics, AT (10, 7, 0), "call", "c1", NULL);   /* connected: withdrawn */
  assert_value (compute (metrics, CB_METRIC_ANSWERED, NULL, &today, NULL, now), 3, 0);
  g_assert_cmpuint (cb_metrics_get_n_calls (metrics), ==, 5);

  /* An ended call seen again (e.g. from history) updates, not duplicates. */
  put_call (metrics, &(TestCall) { .id = "c6", .queue = "q1", .queued = AT (10, 5, 0),
                                   .ended = AT (10, 5, 40), .abandoned = TRUE });
  assert_value (compute (metrics, CB_METRIC_ABANDONED, NULL, &today, NULL, now), 2, 0);

  /* Unknown entity types are ignored. */
  cb_metrics_apply_object (metrics, AT (10, 8, 0), "lead", "L1", NULL);
}

/* No data is not zero. */
static void
test_no_data (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  const char * const nowhere[] = { "no-such-queue", NULL };
  CbMetricScope scope = { nowhere, NULL, NULL };
  gint64 now = AT (10, 0, 0);
  CbMetricWindow half_hour = custom (AT (9, 30, 0), AT (10, 0, 0));
  CbMetricWindow empty = custom (now, now);

  /* Nothing applied at all */
  for (CbMetricId id = 0; id < CB_METRIC_N_METRICS; id++)
    assert_no_data (compute (metrics, id, NULL, &today, NULL, now));

  /* Calls in progress only: counts are real zeros, averages have no data. */
  put_call (metrics, &(TestCall) { .id = "p1", .queue = "q1", .agent = "a1", .queued = AT (9, 0, 0),
                                   .answered = AT (9, 0, 30), .state = "connected" });
  assert_value (compute (metrics, CB_METRIC_ABANDONED, NULL, &today, NULL, now), 0, 0);
  assert_no_data (compute (metrics, CB_METRIC_AHT, NULL, &today, NULL, now));
  assert_no_data (compute (metrics, CB_METRIC_ABANDON_RATE, NULL, &half_hour, NULL, now));
  assert_no_data (compute (metrics, CB_METRIC_CSAT, NULL, &today, NULL, now));
  assert_no_data (compute (metrics, CB_METRIC_DROP_RATE, NULL, &today, NULL, now));
  assert_no_data (compute (metrics, CB_METRIC_LONGEST_WAIT, NULL, &today, NULL, now));
  assert_value (compute (metrics, CB_METRIC_CALLS_WAITING, NULL, &today, NULL, now), 0, 0);

  /* A scope naming nothing known matches nothing. */
  assert_no_data (compute (metrics, CB_METRIC_ASA, &scope, &today, NULL, now));
  assert_value (compute (metrics, CB_METRIC_ASA, NULL, &today, NULL, now), 30000, 0);

  /* An empty window */
  assert_no_data (compute (metrics, CB_METRIC_ANSWERED, NULL, &empty, NULL, now));
}

/* Scopes: queues, teams (by the agent, or the queue without an agent), and
 * their intersection. */
static void
test_scope (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  const char * const q1[] = { "q1", NULL };
  const char * const q12[] = { "q1", "q2", "q1", NULL };
  const char * const north[] = { "north", NULL };
  CbMetricScope s_q1 = { q1, NULL, NULL }, s_q12 = { q12, NULL, NULL };
  CbMetricScope s_north = { NULL, NULL, north }, s_q1_north = { q1, NULL, north };
  gint64 now = AT (11, 0, 0);

  put_queue (metrics, AT (9, 0, 0), "q1", 20, 80, "north");
  put_queue (metrics, AT (9, 0, 0), "q2", 20, 80, "south");
  put_agent (metrics, "an", "available", AT (9, 0, 0), "north", "q1");
  put_agent (metrics, "as", "available", AT (9, 0, 0), "south", "q2");

  /* q1: answered by an (north), answered by as (south), abandoned (north by queue)
   * q2: answered by an (north) */
  put_call (metrics, &(TestCall) { .id = "s1", .queue = "q1", .agent = "an", .queued = AT (10, 0, 0),
                                   .answered = AT (10, 0, 10), .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "s2", .queue = "q1", .agent = "as", .queued = AT (10, 1, 0),
                                   .answered = AT (10, 1, 10), .state = "connected" });
  put_call (metrics, &(TestCall) { .id = "s3", .queue = "q1", .queued = AT (10, 2, 0),
                                   .ended = AT (10, 2, 30), .abandoned = TRUE });
  put_call (metrics, &(TestCall) { .id = "s4", .queue = "q2", .agent = "an", .queued = AT (10, 3, 0),
                                   .answered = AT (10, 3, 10), .state = "connected" });

  assert_value (compute (metrics, CB_METRIC_OFFERED, &s_q1, &today, NULL, now), 3, 0);
  assert_value (compute (metrics, CB_METRIC_OFFERED, &s_q12, &today, NULL, now), 4, 0);  /* q1 once */
  assert_value (compute (metrics, CB_METRIC_OFFERED, &s_north, &today, NULL, now), 3, 0); /* s1 s3 s4 */
  assert_value (compute (metrics, CB_METRIC_OFFERED, &s_q1_north, &today, NULL, now), 2, 0);

  /* A call moving to another queue moves with it. */
  put_call (metrics, &(TestCall) { .id = "s2", .queue = "q2", .agent = "as", .queued = AT (10, 1, 0),
                                   .answered = AT (10, 1, 10), .state = "connected" });
  assert_value (compute (metrics, CB_METRIC_OFFERED, &s_q1, &today, NULL, now), 2, 0);
  assert_value (compute (metrics, CB_METRIC_OFFERED, NULL, &today, NULL, now), 4, 0);
}

/* Many calls over three days with a one-day retention, moving between
 * queues and some withdrawn, against a brute-force count of the test's own
 * model: what the buckets, moves and forgetting keep must be exactly the
 * calls a direct count finds. */
typedef struct
{
  gint64   ts;
  guint    call;
  int      step;    /* 0 queued, 1 answered (or withdrawn), 2 ended */
} ModelEvent;

static int
compare_model_events (gconstpointer a,
                      gconstpointer b)
{
  const ModelEvent *x = a, *y = b;

  if (x->ts != y->ts)
    return x->ts < y->ts ? -1 : 1;
  return x->step - y->step;
}

static void
test_model (void)
{
  g_autoptr(CbMetrics) metrics = new_metrics ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261123);
  g_autoptr(GArray) events = g_array_new (FALSE, FALSE, sizeof (ModelEvent));
  enum { N = 3000, QUEUES = 5 };
  static gint64 queued[N], answered[N], ended[N];
  static guint first_queue[N], last_queue[N];
  static gboolean withdrawn[N];
  gint64 start = DAY - 2 * DAYS, latest = 0, cut;
  guint kept = 0;

  cb_metrics_set_retention (metrics, DAYS);
  for (guint i = 0; i < N; i++)
    {
      ModelEvent e = { 0, i, 0 };

      queued[i] = start + (gint64) g_rand_int_range (rand, 0, 3 * 24 * 3600) * SEC;
      answered[i] = queued[i] + g_rand_int_range (rand, 1, 120) * SEC;
      ended[i] = answered[i] + g_rand_int_range (rand, 10, 900) * SEC;
      first_queue[i] = g_rand_int_range (rand, 0, QUEUES);
      last_queue[i] = g_rand_int_range (rand, 0, 5) == 0 ? (guint) g_rand_int_range (rand, 0, QUEUES)
                                                         : first_queue[i];
      withdrawn[i] = g_rand_int_range (rand, 0, 20) == 0;
      e.ts = queued[i];
      g_array_append_val (events, e);
      e.ts = answered[i];
      e.step = 1;
      g_array_append_val (events, e);
      if (!withdrawn[i])
        {
          e.ts = ended[i];
          e.step = 2;
          g_array_append_val (events, e);
        }
    }
  g_array_sort (events, compare_model_events);

  for (guint k = 0; k < events->len; k++)
    {
      const ModelEvent *e = &g_array_index (events, ModelEvent, k);
      guint i = e->call;
      g_autofree char *id = g_strdup_printf ("m%04u", i);
      g_autofree char *queue = g_strdup_printf ("q%u", e->step == 0 ? first_queue[i]
                                                                    : last_queue[i]);

      latest = MAX (latest, e->ts);
      if (e->step == 1 && withdrawn[i])
        {
          cb_metrics_apply_object (metrics, e->ts, "call", id, NULL);
          continue;
        }
      put_call_at (metrics, e->ts,
                   &(TestCall) { .id = id, .queue = queue, .agent = e->step ? "a" : NULL,
                                 .queued = queued[i], .answered = e->step ? answered[i] : 0,
                                 .ended = e->step == 2 ? ended[i] : 0,
                                 .state = e->step == 0 ? "queued" : e->step == 1 ? "connected"
                                                                               : "ended" });
    }

  /* Kept: the calls not withdrawn whose quarter (by created_at, here
   * queued_at) starts at or after the quarter of (latest − 1 day). */
  cut = (latest - DAYS) / (15 * MINS);
  for (guint i = 0; i < N; i++)
    if (!withdrawn[i] && queued[i] / (15 * MINS) >= cut)
      kept++;
  g_assert_cmpuint (cb_metrics_get_n_calls (metrics), ==, kept);

  /* Answered per queue in the last 20 hours (all inside the retention). */
  for (guint q = 0; q < QUEUES; q++)
    {
      g_autofree char *queue = g_strdup_printf ("q%u", q);
      const char * const ids[] = { queue, NULL };
      CbMetricScope scope = { ids, NULL, NULL };
      CbMetricWindow window = custom (latest - 20 * HOUR, latest + 1);
      guint expected = 0;

      for (guint i = 0; i < N; i++)
        if (!withdrawn[i] && last_queue[i] == q && answered[i] >= latest - 20 * HOUR
            && answered[i] <= latest)
          expected++;
      assert_value (compute (metrics, CB_METRIC_ANSWERED, &scope, &window, NULL, latest),
                    expected, 0);
    }
}

/* The catalog: every KPI described, keys unique, formulas for the variants. */
static void
test_catalog (void)
{
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  CbMetricParams params = CB_METRIC_PARAMS_INIT;
  const CbMetricInfo *catalog;
  guint n = 0;

  catalog = cb_metric_get_catalog (&n);
  g_assert_cmpuint (n, ==, CB_METRIC_N_METRICS);
  for (guint i = 0; i < n; i++)
    {
      const CbMetricInfo *info = cb_metric_get_info (i);

      g_assert_true (info == &catalog[i]);
      g_assert_cmpint (info->id, ==, i);
      g_assert_true (g_hash_table_add (keys, (gpointer) info->key));
      g_assert_cmpstr (cb_metric_get_name (i), !=, "");
      g_assert_cmpstr (cb_metric_get_short_name (i), !=, "");
      g_assert_cmpstr (cb_metric_get_formula (i, NULL), !=, "");
      if (info->has_thresholds && info->direction == CB_METRIC_DIRECTION_HIGHER_IS_BETTER)
        g_assert_cmpfloat (info->critical, <, info->warning);
      if (info->has_thresholds && info->direction == CB_METRIC_DIRECTION_LOWER_IS_BETTER)
        g_assert_cmpfloat (info->critical, >, info->warning);
    }

  g_assert_cmpstr (cb_metric_get_short_name (CB_METRIC_SERVICE_LEVEL), ==, "SL");
  g_assert_nonnull (cb_metric_get_info (CB_METRIC_SERVICE_LEVEL)->variants);
  params.sl_variant = CB_SL_OF_OFFERED;
  g_assert_cmpstr (cb_metric_get_formula (CB_METRIC_SERVICE_LEVEL, &params), !=,
                   cb_metric_get_formula (CB_METRIC_SERVICE_LEVEL, NULL));
  params.drop_method = CB_DROP_RATE_UK;
  g_assert_nonnull (strstr (cb_metric_get_formula (CB_METRIC_DROP_RATE, &params), "Ofcom"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/callboard/metrics/service-level-variants", test_service_level_variants);
  g_test_add_func ("/callboard/metrics/abandonment-short-abandon", test_abandonment_short_abandon);
  g_test_add_func ("/callboard/metrics/window-edges", test_window_edges);
  g_test_add_func ("/callboard/metrics/handle-times", test_handle_times);
  g_test_add_func ("/callboard/metrics/fcr-across-days", test_fcr_across_days);
  g_test_add_func ("/callboard/metrics/csat", test_csat);
  g_test_add_func ("/callboard/metrics/agents", test_agents);
  g_test_add_func ("/callboard/metrics/outbound", test_outbound);
  g_test_add_func ("/callboard/metrics/drop-rate-uk", test_drop_rate_uk);
  g_test_add_func ("/callboard/metrics/drop-rate-us-rolling", test_drop_rate_us_rolling);
  g_test_add_func ("/callboard/metrics/erlang-reference", test_erlang_reference);
  g_test_add_func ("/callboard/metrics/erlang-engine", test_erlang_engine);
  g_test_add_func ("/callboard/metrics/intervals", test_intervals);
  g_test_add_func ("/callboard/metrics/dst-today", test_dst_today);
  g_test_add_func ("/callboard/metrics/retention", test_retention);
  g_test_add_func ("/callboard/metrics/deletes", test_deletes);
  g_test_add_func ("/callboard/metrics/no-data", test_no_data);
  g_test_add_func ("/callboard/metrics/scope", test_scope);
  g_test_add_func ("/callboard/metrics/model", test_model);
  g_test_add_func ("/callboard/metrics/catalog", test_catalog);

  return g_test_run ();
}
