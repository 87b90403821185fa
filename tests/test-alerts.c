/* test-alerts.c — alert rules: hold time, hysteresis, acknowledge, snooze, history, JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A CbMetrics fed call events as the store would, and CbEntityModels of
 * queues and agents filled from event frames; the engine evaluated at
 * chosen instants, second by second as the UI does.
 */
#include "config.h"

#include <string.h>

#include "cb-alerts.h"
#include "cb-entity-model.h"
#include "cb-message.h"

#define T0   G_GINT64_CONSTANT (1795420800000)   /* 2026-11-23 12:00 EET */
#define SEC  G_GINT64_CONSTANT (1000)
#define MINS (60 * SEC)

typedef struct
{
  CbMetrics     *metrics;
  CbEntityModel *queues;
  CbEntityModel *campaigns;
  CbEntityModel *agents;
  CbAlertEngine *engine;
  GPtrArray     *raised;     /* CbAlert, in order */
  GArray        *silenced;   /* gboolean per raise */
  GPtrArray     *cleared;
  guint          changed;
  gint64         rev;
} Fixture;

static void
on_raised (CbAlertEngine *engine,
           CbAlert       *alert,
           gboolean       silenced,
           Fixture       *f)
{
  g_ptr_array_add (f->raised, cb_alert_ref (alert));
  g_array_append_val (f->silenced, silenced);
}

static void
on_cleared (CbAlertEngine *engine,
            CbAlert       *alert,
            Fixture       *f)
{
  g_ptr_array_add (f->cleared, cb_alert_ref (alert));
}

static void
on_changed (CbAlertEngine *engine,
            Fixture       *f)
{
  f->changed++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->metrics = cb_metrics_new ();
  cb_metrics_set_time_zone (f->metrics, "Europe/Tallinn");
  f->queues = cb_entity_model_new ("queue");
  f->campaigns = cb_entity_model_new ("campaign");
  f->agents = cb_entity_model_new ("agent");
  f->engine = cb_alert_engine_new ();
  f->raised = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_alert_unref);
  f->silenced = g_array_new (FALSE, FALSE, sizeof (gboolean));
  f->cleared = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_alert_unref);
  g_signal_connect (f->engine, "raised", G_CALLBACK (on_raised), f);
  g_signal_connect (f->engine, "cleared", G_CALLBACK (on_cleared), f);
  g_signal_connect (f->engine, "changed", G_CALLBACK (on_changed), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_finalize_object (f->engine);
  g_ptr_array_unref (f->raised);
  g_array_unref (f->silenced);
  g_ptr_array_unref (f->cleared);
  g_assert_finalize_object (f->queues);
  g_assert_finalize_object (f->campaigns);
  g_assert_finalize_object (f->agents);
  cb_metrics_free (f->metrics);
}

/* An entity as an event frame carries it, into a model. @data is the JSON
 * object of its data without the braces, id and rev. */
static void
put_entity (Fixture       *f,
            CbEntityModel *model,
            const char    *type,
            const char    *topic,
            const char    *id,
            const char    *data)
{
  gint64 rev = ++f->rev;
  g_autofree char *text = g_strdup_printf ("{\"type\":\"event\",\"seq\":%" G_GINT64_FORMAT ",\"ts\":1,"
                                           "\"topic\":\"%s\",\"kind\":\"upsert\",\"entity\":{\"type\":"
                                           "\"%s\",\"id\":\"%s\",\"rev\":%" G_GINT64_FORMAT "},"
                                           "\"data\":{\"id\":\"%s\",\"rev\":%" G_GINT64_FORMAT ",%s}}",
                                           rev, topic, type, id, rev, id, rev, data);
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) m = cb_message_decode (text, strlen (text), 0, &error);

  g_assert_no_error (error);
  cb_entity_model_upsert (model, id, topic, rev, m, NULL);
}

static void
put_queue (Fixture    *f,
           const char *id,
           const char *name)
{
  g_autofree char *data = g_strdup_printf ("\"name\":\"%s\",\"sl_threshold_s\":20,"
                                           "\"sl_target_pct\":80,\"team_ids\":[]", name);
  g_autoptr(JsonObject) o = json_object_new ();

  put_entity (f, f->queues, "queue", "queues", id, data);
  json_object_set_string_member (o, "id", id);
  json_object_set_string_member (o, "name", name);
  json_object_set_int_member (o, "sl_threshold_s", 20);
  json_object_set_double_member (o, "sl_target_pct", 80);
  json_object_set_array_member (o, "team_ids", json_array_new ());
  cb_metrics_apply_object (f->metrics, T0 - 3600 * SEC, "queue", id, o);
}

static void
put_agent (Fixture    *f,
           const char *id,
           const char *name,
           const char *state,
           gint64      since)
{
  g_autofree char *data = g_strdup_printf ("\"name\":\"%s\",\"state\":\"%s\",\"state_since\":%"
                                           G_GINT64_FORMAT ",\"team_ids\":[\"t1\"],"
                                           "\"queue_ids\":[\"q1\"]", name, state, since);

  put_entity (f, f->agents, "agent", "agents", id, data);
}

/* A call waiting in @queue since @queued, or, with @answered, answered then. */
static void
put_call (Fixture    *f,
          const char *id,
          const char *queue,
          gint64      queued,
          gint64      answered)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_string_member (o, "id", id);
  json_object_set_string_member (o, "direction", "in");
  json_object_set_string_member (o, "channel", "voice");
  json_object_set_string_member (o, "state", answered != 0 ? "on_call" : "queued");
  json_object_set_string_member (o, "queue_id", queue);
  if (answered != 0)
    json_object_set_string_member (o, "agent_id", "a1");
  else
    json_object_set_null_member (o, "agent_id");
  json_object_set_null_member (o, "campaign_id");
  json_object_set_int_member (o, "created_at", queued);
  json_object_set_int_member (o, "queued_at", queued);
  if (answered != 0)
    json_object_set_int_member (o, "answered_at", answered);
  else
    json_object_set_null_member (o, "answered_at");
  json_object_set_null_member (o, "ended_at");
  json_object_set_null_member (o, "wrap_up_ended_at");
  json_object_set_int_member (o, "hold_ms", 0);
  json_object_set_boolean_member (o, "abandoned", FALSE);
  json_object_set_boolean_member (o, "dropped", FALSE);
  json_object_set_array_member (o, "transfers", json_array_new ());
  cb_metrics_apply_object (f->metrics, answered != 0 ? answered : queued, "call", id, o);
}

static void
set_rules (Fixture    *f,
           const char *rules)
{
  g_autofree char *json = g_strdup_printf ("{\"version\":1,\"rules\":[%s]}", rules);
  g_autoptr(GError) error = NULL;

  g_assert_true (cb_alert_engine_set_rules_from_json (f->engine, json, &error));
  g_assert_no_error (error);
}

static void
evaluate (Fixture *f,
          gint64   now_ms)
{
  CbAlertInputs inputs = {
    f->metrics, G_LIST_MODEL (f->agents), G_LIST_MODEL (f->queues), G_LIST_MODEL (f->campaigns),
  };

  cb_alert_engine_evaluate (f->engine, &inputs, now_ms);
}

/* Evaluates once a second over [from, to]. */
static void
evaluate_range (Fixture *f,
                gint64   from,
                gint64   to)
{
  for (gint64 t = from; t <= to; t += SEC)
    evaluate (f, t);
}

#define WAIT_RULE "{\"id\":\"wait\",\"kind\":\"metric\",\"metric\":\"longest-wait\"," \
                  "\"target\":\"queue\",\"comparison\":\">\",\"threshold\":60,\"hold_s\":5," \
                  "\"severity\":\"critical\",\"sound\":true}"
#define WAITING_RULE "{\"id\":\"waiting\",\"kind\":\"metric\",\"metric\":\"calls-waiting\"," \
                     "\"target\":\"queue\",\"comparison\":\">\",\"threshold\":0}"

/* A call waits in q2 from T0: longest wait passes 60 s at T0 + 61 s
 * (60 is not above 60), holds from then, raises 5 s later at T0 + 66 s —
 * for q2 only, once. */
static void
test_raise_after_hold (Fixture       *f,
                       gconstpointer  data)
{
  CbAlert *alert;
  const CbAlertEvent *event;

  put_queue (f, "q1", "Sales");
  put_queue (f, "q2", "Support");
  put_call (f, "c1", "q2", T0, 0);
  set_rules (f, WAIT_RULE);

  evaluate_range (f, T0, T0 + 65 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 0);
  g_assert_cmpuint (cb_alert_engine_get_n_active (f->engine, FALSE), ==, 0);
  g_assert_cmpuint (cb_alert_engine_get_n_history (f->engine), ==, 0);

  evaluate (f, T0 + 66 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);
  g_assert_false (g_array_index (f->silenced, gboolean, 0));
  alert = g_ptr_array_index (f->raised, 0);
  g_assert_cmpstr (cb_alert_get_id (alert), ==, "wait/q2");
  g_assert_cmpstr (cb_alert_get_subject_id (alert), ==, "q2");
  g_assert_cmpstr (cb_alert_get_subject_name (alert), ==, "Support");
  g_assert_cmpfloat_with_epsilon (cb_alert_get_value (alert), 66.0, 1e-9);
  g_assert_cmpint (cb_alert_get_raised_at (alert), ==, T0 + 66 * SEC);
  g_assert_true (cb_alert_is_active (alert));
  g_assert_true (cb_alert_get_rule (alert)->sound);
  g_assert_true (cb_alert_engine_lookup (f->engine, "wait/q2") == alert);
  g_assert_null (cb_alert_engine_lookup (f->engine, "wait/q1"));

  evaluate_range (f, T0 + 67 * SEC, T0 + 300 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);
  g_assert_cmpuint (cb_alert_engine_get_n_active (f->engine, TRUE), ==, 1);
  g_assert_cmpfloat_with_epsilon (cb_alert_get_value (alert), 300.0, 1e-9);

  g_assert_cmpuint (cb_alert_engine_get_n_history (f->engine), ==, 1);
  event = cb_alert_engine_get_history (f->engine, 0);
  g_assert_cmpint (event->kind, ==, CB_ALERT_EVENT_RAISED);
  g_assert_cmpint (event->time_ms, ==, T0 + 66 * SEC);
  g_assert_cmpstr (event->rule_id, ==, "wait");
  g_assert_cmpstr (event->subject_id, ==, "q2");
  g_assert_cmpstr (event->subject_name, ==, "Support");
  g_assert_cmpint (event->severity, ==, CB_ALERT_SEVERITY_CRITICAL);
  g_assert_cmpfloat_with_epsilon (event->value, 66.0, 1e-9);

  /* Answered at T0 + 301 s: false from then, cleared 5 s later. */
  put_call (f, "c1", "q2", T0, T0 + 301 * SEC);
  evaluate_range (f, T0 + 301 * SEC, T0 + 305 * SEC);
  g_assert_cmpuint (f->cleared->len, ==, 0);
  g_assert_nonnull (cb_alert_engine_lookup (f->engine, "wait/q2"));
  evaluate (f, T0 + 306 * SEC);
  g_assert_cmpuint (f->cleared->len, ==, 1);
  g_assert_true (g_ptr_array_index (f->cleared, 0) == alert);
  g_assert_null (cb_alert_engine_lookup (f->engine, "wait/q2"));
  g_assert_cmpuint (cb_alert_engine_get_n_active (f->engine, FALSE), ==, 0);
  event = cb_alert_engine_get_history (f->engine, 0);
  g_assert_cmpint (event->kind, ==, CB_ALERT_EVENT_CLEARED);
  g_assert_cmpint (event->time_ms, ==, T0 + 306 * SEC);
}

/* Calls waiting > 0, toggled: true at 0–2, false at 3, true from 4, raise at
 * 9; then flickering false at 10–11 and 13 does not clear, and a false run
 * from 20 clears at 25. One raise, one clear. */
static void
test_no_flapping (Fixture       *f,
                  gconstpointer  data)
{
  put_queue (f, "q1", "Sales");
  set_rules (f, WAITING_RULE);

  put_call (f, "c1", "q1", T0, 0);
  evaluate_range (f, T0, T0 + 2 * SEC);
  put_call (f, "c1", "q1", T0, T0 + 3 * SEC);
  evaluate (f, T0 + 3 * SEC);
  put_call (f, "c2", "q1", T0 + 4 * SEC, 0);
  evaluate_range (f, T0 + 4 * SEC, T0 + 8 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 0);
  evaluate (f, T0 + 9 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);

  put_call (f, "c2", "q1", T0 + 4 * SEC, T0 + 10 * SEC);
  evaluate_range (f, T0 + 10 * SEC, T0 + 11 * SEC);
  put_call (f, "c3", "q1", T0 + 12 * SEC, 0);
  evaluate (f, T0 + 12 * SEC);
  put_call (f, "c3", "q1", T0 + 12 * SEC, T0 + 13 * SEC);
  evaluate (f, T0 + 13 * SEC);
  put_call (f, "c4", "q1", T0 + 14 * SEC, 0);
  evaluate_range (f, T0 + 14 * SEC, T0 + 19 * SEC);
  put_call (f, "c4", "q1", T0 + 14 * SEC, T0 + 20 * SEC);
  evaluate_range (f, T0 + 20 * SEC, T0 + 24 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);
  g_assert_cmpuint (f->cleared->len, ==, 0);
  evaluate (f, T0 + 25 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);
  g_assert_cmpuint (f->cleared->len, ==, 1);
  g_assert_cmpuint (cb_alert_engine_get_n_history (f->engine), ==, 2);
}

/* Acknowledged: still listed, silent; cleared and raised again: loud. */
static void
test_acknowledge (Fixture       *f,
                  gconstpointer  data)
{
  CbAlert *alert;
  const CbAlertEvent *event;
  g_autoptr(GPtrArray) active = NULL;

  put_queue (f, "q1", "Sales");
  set_rules (f, WAITING_RULE);
  put_call (f, "c1", "q1", T0, 0);
  evaluate_range (f, T0, T0 + 5 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);
  alert = g_ptr_array_index (f->raised, 0);
  g_assert_false (cb_alert_is_silenced (alert, T0 + 5 * SEC));

  g_assert_true (cb_alert_engine_acknowledge (f->engine, "waiting/q1", T0 + 6 * SEC));
  g_assert_false (cb_alert_engine_acknowledge (f->engine, "waiting/q1", T0 + 7 * SEC));
  g_assert_false (cb_alert_engine_acknowledge (f->engine, "waiting/nope", T0 + 7 * SEC));
  g_assert_true (cb_alert_is_acknowledged (alert));
  g_assert_true (cb_alert_is_silenced (alert, T0 + 6 * SEC));
  g_assert_cmpuint (cb_alert_engine_get_n_active (f->engine, FALSE), ==, 1);
  g_assert_cmpuint (cb_alert_engine_get_n_active (f->engine, TRUE), ==, 0);
  active = cb_alert_engine_dup_active (f->engine);
  g_assert_cmpuint (active->len, ==, 1);
  g_assert_true (g_ptr_array_index (active, 0) == alert);
  event = cb_alert_engine_get_history (f->engine, 0);
  g_assert_cmpint (event->kind, ==, CB_ALERT_EVENT_ACKNOWLEDGED);
  g_assert_cmpint (event->time_ms, ==, T0 + 6 * SEC);

  evaluate_range (f, T0 + 6 * SEC, T0 + 60 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);

  put_call (f, "c1", "q1", T0, T0 + 61 * SEC);
  evaluate_range (f, T0 + 61 * SEC, T0 + 66 * SEC);
  g_assert_cmpuint (f->cleared->len, ==, 1);
  put_call (f, "c2", "q1", T0 + 70 * SEC, 0);
  evaluate_range (f, T0 + 70 * SEC, T0 + 75 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 2);
  alert = g_ptr_array_index (f->raised, 1);
  g_assert_false (g_array_index (f->silenced, gboolean, 1));
  g_assert_false (cb_alert_is_acknowledged (alert));
  g_assert_cmpuint (cb_alert_engine_get_n_active (f->engine, TRUE), ==, 1);
}

/* Snoozed 15 min at T0 + 10 s: a re-raise meanwhile is silenced; at
 * T0 + 15 min 10 s the snooze ends on the raised alert, which is announced
 * again. */
static void
test_snooze (Fixture       *f,
             gconstpointer  data)
{
  CbAlert *alert;
  gint64 end = T0 + 10 * SEC + 15 * MINS;

  put_queue (f, "q1", "Sales");
  set_rules (f, WAITING_RULE);
  put_call (f, "c1", "q1", T0, 0);
  evaluate_range (f, T0, T0 + 10 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);
  g_assert_false (cb_alert_engine_snooze (f->engine, "waiting/q9", 15, T0 + 10 * SEC));
  g_assert_true (cb_alert_engine_snooze (f->engine, "waiting/q1", 15, T0 + 10 * SEC));
  alert = g_ptr_array_index (f->raised, 0);
  g_assert_true (cb_alert_is_silenced (alert, T0 + 10 * SEC));
  g_assert_false (cb_alert_is_acknowledged (alert));
  g_assert_cmpint (cb_alert_engine_get_history (f->engine, 0)->kind, ==, CB_ALERT_EVENT_SNOOZED);

  /* Clears at 25 s, raises again at 35 s: silenced. */
  put_call (f, "c1", "q1", T0, T0 + 20 * SEC);
  evaluate_range (f, T0 + 20 * SEC, T0 + 29 * SEC);
  g_assert_cmpuint (f->cleared->len, ==, 1);
  put_call (f, "c2", "q1", T0 + 30 * SEC, 0);
  evaluate_range (f, T0 + 30 * SEC, T0 + 35 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 2);
  g_assert_true (g_array_index (f->silenced, gboolean, 1));
  alert = g_ptr_array_index (f->raised, 1);
  g_assert_true (cb_alert_is_silenced (alert, T0 + 35 * SEC));

  /* Once a second (every 10 s here) until just before the end: quiet. */
  for (gint64 t = T0 + 40 * SEC; t < end; t += 10 * SEC)
    evaluate (f, t);
  g_assert_cmpuint (f->raised->len, ==, 2);
  evaluate (f, end);
  g_assert_cmpuint (f->raised->len, ==, 3);
  g_assert_true (g_ptr_array_index (f->raised, 2) == alert);
  g_assert_false (g_array_index (f->silenced, gboolean, 2));
  g_assert_false (cb_alert_is_silenced (alert, end));
  evaluate_range (f, end + SEC, end + 10 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 3);
}

/* Paused > 15 min, per agent: a1 paused at T0 passes 15 min at
 * T0 + 15:01, raises at 15:06; a2 paused at T0 + 10 min raises at 25:06;
 * a3 on a call for an hour never does. */
static void
test_agent_paused (Fixture       *f,
                   gconstpointer  data)
{
  CbAlert *alert;

  set_rules (f, "{\"id\":\"paused\",\"kind\":\"agent-state\",\"state\":\"paused\","
                "\"comparison\":\">\",\"threshold\":15}");
  put_agent (f, "a1", "Kadri Kask", "paused", T0);
  put_agent (f, "a2", "Mart Tamm", "paused", T0 + 10 * MINS);
  put_agent (f, "a3", "Liis Lepp", "on_call", T0 - 60 * MINS);

  for (gint64 t = T0; t < T0 + 15 * MINS; t += 10 * SEC)
    evaluate (f, t);
  evaluate_range (f, T0 + 15 * MINS, T0 + 15 * MINS + 5 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 0);
  evaluate (f, T0 + 15 * MINS + 6 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);
  alert = g_ptr_array_index (f->raised, 0);
  g_assert_cmpstr (cb_alert_get_id (alert), ==, "paused/a1");
  g_assert_cmpstr (cb_alert_get_subject_name (alert), ==, "Kadri Kask");
  g_assert_cmpfloat_with_epsilon (cb_alert_get_value (alert), 15.1, 1e-9);

  /* a1 resumes at 20:00: cleared at 20:05. */
  evaluate_range (f, T0 + 15 * MINS + 7 * SEC, T0 + 19 * MINS);
  put_agent (f, "a1", "Kadri Kask", "available", T0 + 20 * MINS);
  evaluate_range (f, T0 + 20 * MINS, T0 + 20 * MINS + 5 * SEC);
  g_assert_cmpuint (f->cleared->len, ==, 1);
  g_assert_cmpstr (cb_alert_get_id (g_ptr_array_index (f->cleared, 0)), ==, "paused/a1");

  for (gint64 t = T0 + 21 * MINS; t < T0 + 25 * MINS; t += 10 * SEC)
    evaluate (f, t);
  evaluate_range (f, T0 + 25 * MINS, T0 + 25 * MINS + 6 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 2);
  g_assert_cmpstr (cb_alert_get_id (g_ptr_array_index (f->raised, 1)), ==, "paused/a2");
  g_assert_cmpuint (cb_alert_engine_get_n_active (f->engine, FALSE), ==, 1);

  /* An agent who goes away clears too. */
  g_assert_true (cb_entity_model_remove (f->agents, "a2"));
  evaluate_range (f, T0 + 26 * MINS, T0 + 26 * MINS + 5 * SEC);
  g_assert_cmpuint (f->cleared->len, ==, 2);
  g_assert_cmpuint (cb_alert_engine_get_n_active (f->engine, FALSE), ==, 0);
}

/* A rule on one pause reason sees only the agents paused with it. */
static void
test_agent_pause_reason (Fixture       *f,
                         gconstpointer  data)
{
  set_rules (f, "{\"id\":\"lunch\",\"kind\":\"agent-state\",\"state\":\"paused\",\"reason\":\"LUNCH\","
                "\"comparison\":\">\",\"threshold\":30,\"hold_s\":0}");
  put_entity (f, f->agents, "agent", "agents", "a1",
              "\"name\":\"Kadri Kask\",\"state\":\"paused\",\"pause_reason\":\"LUNCH\",\"state_since\":"
              G_STRINGIFY (1795420800000) ",\"team_ids\":[],\"queue_ids\":[]");
  put_entity (f, f->agents, "agent", "agents", "a2",
              "\"name\":\"Mart Tamm\",\"state\":\"paused\",\"pause_reason\":\"COACHING\",\"state_since\":"
              G_STRINGIFY (1795420800000) ",\"team_ids\":[],\"queue_ids\":[]");

  evaluate (f, T0 + 30 * MINS);
  g_assert_cmpuint (f->raised->len, ==, 0);
  evaluate (f, T0 + 31 * MINS);
  g_assert_cmpuint (f->raised->len, ==, 1);
  g_assert_cmpstr (cb_alert_get_id (g_ptr_array_index (f->raised, 0)), ==, "lunch/a1");
  g_assert_cmpstr (cb_alert_get_rule (g_ptr_array_index (f->raised, 0))->reason, ==, "LUNCH");
  evaluate (f, T0 + 60 * MINS);
  g_assert_cmpuint (f->raised->len, ==, 1);
}

/* 600 raise + clear cycles with no hold: the last 500 events are kept. */
static void
test_history_bounded (Fixture       *f,
                      gconstpointer  data)
{
  const CbAlertEvent *event;
  gint64 t = T0;

  put_queue (f, "q1", "Sales");
  set_rules (f, "{\"id\":\"waiting\",\"kind\":\"metric\",\"metric\":\"calls-waiting\","
                "\"comparison\":\">=\",\"threshold\":1,\"hold_s\":0}");
  for (guint i = 0; i < 600; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);

      put_call (f, id, "q1", t, 0);
      evaluate (f, t);
      t += SEC;
      put_call (f, id, "q1", t - SEC, t);
      evaluate (f, t);
      t += SEC;
    }
  g_assert_cmpuint (f->raised->len, ==, 600);
  g_assert_cmpuint (f->cleared->len, ==, 600);
  g_assert_cmpuint (cb_alert_engine_get_n_history (f->engine), ==, CB_ALERT_HISTORY_MAX);
  event = cb_alert_engine_get_history (f->engine, 0);
  g_assert_cmpint (event->kind, ==, CB_ALERT_EVENT_CLEARED);
  g_assert_cmpint (event->time_ms, ==, t - SEC);
  event = cb_alert_engine_get_history (f->engine, CB_ALERT_HISTORY_MAX - 1);
  g_assert_cmpint (event->kind, ==, CB_ALERT_EVENT_RAISED);
  g_assert_cmpint (event->time_ms, ==, T0 + 700 * SEC);
}

/* A floor-wide rule: one alert, keyed "-". */
static void
test_floor (Fixture       *f,
            gconstpointer  data)
{
  put_queue (f, "q1", "Sales");
  put_queue (f, "q2", "Support");
  put_call (f, "c1", "q1", T0, 0);
  put_call (f, "c2", "q2", T0, 0);
  set_rules (f, "{\"id\":\"floor\",\"kind\":\"metric\",\"metric\":\"calls-waiting\","
                "\"target\":\"all\",\"comparison\":\">=\",\"threshold\":2}");
  evaluate_range (f, T0, T0 + 5 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);
  g_assert_cmpstr (cb_alert_get_id (g_ptr_array_index (f->raised, 0)), ==, "floor/-");
  g_assert_null (cb_alert_get_subject_id (g_ptr_array_index (f->raised, 0)));
  g_assert_cmpfloat_with_epsilon (cb_alert_get_value (g_ptr_array_index (f->raised, 0)), 2, 1e-9);

  /* Disabling the rule forgets its alert. */
  set_rules (f, "{\"id\":\"floor\",\"kind\":\"metric\",\"metric\":\"calls-waiting\","
                "\"target\":\"all\",\"comparison\":\">=\",\"threshold\":2,\"enabled\":false}");
  g_assert_cmpuint (cb_alert_engine_get_n_active (f->engine, FALSE), ==, 0);
  evaluate_range (f, T0 + 6 * SEC, T0 + 20 * SEC);
  g_assert_cmpuint (f->raised->len, ==, 1);
}

static void
assert_rules_equal (GPtrArray *a,
                    GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const CbAlertRule *x = g_ptr_array_index (a, i);
      const CbAlertRule *y = g_ptr_array_index (b, i);

      g_assert_cmpstr (x->id, ==, y->id);
      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpint (x->kind, ==, y->kind);
      g_assert_cmpint (x->metric, ==, y->metric);
      g_assert_cmpint (x->target, ==, y->target);
      g_assert_cmpint (x->window.kind, ==, y->window.kind);
      g_assert_cmpstr (x->agent_state, ==, y->agent_state);
      g_assert_cmpstr (x->reason, ==, y->reason);
      g_assert_cmpint (x->comparison, ==, y->comparison);
      g_assert_cmpfloat (x->threshold, ==, y->threshold);
      g_assert_cmpuint (x->hold_s, ==, y->hold_s);
      g_assert_cmpint (x->severity, ==, y->severity);
      g_assert_cmpint (x->enabled, ==, y->enabled);
      g_assert_cmpint (x->sound, ==, y->sound);
      g_assert_cmpint (x->scope_ids == NULL, ==, y->scope_ids == NULL);
      if (x->scope_ids != NULL)
        g_assert_true (g_strv_equal ((const char * const *) x->scope_ids,
                                     (const char * const *) y->scope_ids));
    }
}

static void
test_json_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) defaults = cb_alert_rules_from_json (cb_alert_rules_get_default_json (), &error);
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) custom = NULL;
  g_autoptr(GPtrArray) custom_again = NULL;
  g_autoptr(CbAlertEngine) engine = cb_alert_engine_new ();
  g_autofree char *json = NULL;
  g_autofree char *custom_json = NULL;
  g_autofree char *engine_json = NULL;
  const CbAlertRule *r;

  g_assert_no_error (error);
  g_assert_cmpuint (defaults->len, ==, 4);
  r = g_ptr_array_index (defaults, 0);
  g_assert_cmpint (r->metric, ==, CB_METRIC_LONGEST_WAIT);
  g_assert_cmpint (r->comparison, ==, CB_ALERT_ABOVE);
  g_assert_cmpfloat (r->threshold, ==, 60);
  g_assert_cmpuint (r->hold_s, ==, 5);
  g_assert_true (r->enabled);
  r = g_ptr_array_index (defaults, 1);
  g_assert_cmpint (r->metric, ==, CB_METRIC_SERVICE_LEVEL);
  g_assert_cmpint (r->comparison, ==, CB_ALERT_BELOW);
  g_assert_cmpfloat (r->threshold, ==, 80);
  r = g_ptr_array_index (defaults, 2);
  g_assert_cmpint (r->metric, ==, CB_METRIC_DROP_RATE);
  g_assert_cmpint (r->target, ==, CB_ALERT_TARGET_CAMPAIGN);
  g_assert_cmpint (r->window.kind, ==, CB_METRIC_WINDOW_RULE_PERIOD);
  g_assert_cmpfloat (r->threshold, ==, 2.5);
  r = g_ptr_array_index (defaults, 3);
  g_assert_cmpint (r->kind, ==, CB_ALERT_KIND_AGENT_STATE);
  g_assert_cmpstr (r->agent_state, ==, "paused");
  g_assert_cmpfloat (r->threshold, ==, 15);

  json = cb_alert_rules_to_json (defaults);
  again = cb_alert_rules_from_json (json, &error);
  g_assert_no_error (error);
  assert_rules_equal (defaults, again);

  custom = cb_alert_rules_from_json ("{\"version\":1,\"rules\":[{\"id\":\"x\",\"name\":\"Ünicode “q”\","
                                     "\"kind\":\"metric\",\"metric\":\"abandon-rate\",\"target\":\"all\","
                                     "\"window\":\"last-30\",\"comparison\":\"<=\",\"threshold\":0.125,"
                                     "\"hold_s\":0,\"severity\":\"critical\",\"enabled\":false,"
                                     "\"sound\":true,\"scope\":[\"q1\",\"q2\"]},"
                                     "{\"id\":\"y\",\"kind\":\"agent-state\",\"state\":\"wrap_up\","
                                     "\"comparison\":\">=\",\"threshold\":3,\"scope\":[]},"
                                     "{\"id\":\"z\",\"kind\":\"agent-state\",\"state\":\"paused\","
                                     "\"reason\":\"LUNCH\",\"threshold\":45,\"scope\":[\"t-north\"]}]}",
                                     &error);
  g_assert_no_error (error);
  custom_json = cb_alert_rules_to_json (custom);
  custom_again = cb_alert_rules_from_json (custom_json, &error);
  g_assert_no_error (error);
  assert_rules_equal (custom, custom_again);
  r = g_ptr_array_index (custom_again, 0);
  g_assert_cmpstr (r->name, ==, "Ünicode “q”");
  g_assert_cmpint (r->window.kind, ==, CB_METRIC_WINDOW_LAST_30);
  g_assert_cmpstr (r->scope_ids[1], ==, "q2");
  g_assert_null (r->reason);
  r = g_ptr_array_index (custom_again, 2);
  g_assert_cmpstr (r->reason, ==, "LUNCH");
  g_assert_cmpstr (r->scope_ids[0], ==, "t-north");
  g_assert_null (strstr (custom_json, "\"reason\":null"));

  g_assert_true (cb_alert_engine_set_rules_from_json (engine, cb_alert_rules_get_default_json (), &error));
  g_assert_no_error (error);
  engine_json = cb_alert_engine_dup_rules_json (engine);
  g_assert_cmpstr (engine_json, ==, json);
  g_assert_cmpuint (cb_alert_engine_get_rules (engine)->len, ==, 4);
}

static void
test_json_bad (void)
{
  static const char * const bad[] = {
    "",
    "not json",
    "{\"rules\":",
    "[]",
    "{}",
    "{\"rules\":{}}",
    "{\"rules\":[1]}",
    "{\"rules\":[{}]}",
    "{\"rules\":[{\"id\":\"\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":1}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"nope\",\"threshold\":1}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"nope\",\"threshold\":1}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\"}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":\"1\"}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":1,\"target\":\"x\"}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":1,\"window\":\"custom\"}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":1,\"comparison\":\"!\"}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":1,\"hold_s\":-1}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":1,\"hold_s\":1.5}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":1,\"severity\":\"x\"}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":1,\"scope\":\"q1\"}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":1,\"scope\":[1]}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"agent-state\",\"threshold\":1}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"agent-state\",\"state\":\"paused\",\"reason\":1,\"threshold\":1}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"agent-state\",\"state\":\"paused\",\"reason\":\"\",\"threshold\":1}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"agent-state\",\"state\":\"wrap_up\",\"reason\":\"LUNCH\","
    "\"threshold\":1}]}",
    "{\"rules\":[{\"id\":\"a\",\"kind\":\"agent-state\",\"state\":\"paused\",\"threshold\":1},"
    "{\"id\":\"a\",\"kind\":\"agent-state\",\"state\":\"paused\",\"threshold\":2}]}",
  };
  g_autoptr(CbAlertEngine) engine = cb_alert_engine_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (cb_alert_engine_set_rules_from_json (engine, cb_alert_rules_get_default_json (), &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GPtrArray) rules = cb_alert_rules_from_json (bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (rules);
      g_assert_nonnull (error);
      g_assert_true (error->domain == CB_ALERT_ERROR || error->domain == JSON_PARSER_ERROR);
      g_clear_error (&error);

      g_assert_false (cb_alert_engine_set_rules_from_json (engine, bad[i], &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      g_assert_cmpuint (cb_alert_engine_get_rules (engine)->len, ==, 4);
    }
}

/* The helpers of the rule editor: ids, which KPI goes with which target,
 * windows and threshold ranges. */
static void
test_editor_helpers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rules = cb_alert_rules_from_json (cb_alert_rules_get_default_json (), &error);
  g_autofree char *fresh = NULL, *taken = NULL, *empty = NULL;
  g_autoptr(CbAlertRule) rule = cb_alert_rule_new ();
  double min = -1, max = -1;

  g_assert_no_error (error);
  g_assert_cmpint (cb_alert_rules_find (rules, "drop-rate"), ==, 2);
  g_assert_cmpint (cb_alert_rules_find (rules, "nope"), ==, -1);
  fresh = cb_alert_rules_make_id (rules, "asa");
  g_assert_cmpstr (fresh, ==, "asa");
  taken = cb_alert_rules_make_id (rules, "longest-wait");
  g_assert_cmpstr (taken, ==, "longest-wait-2");
  g_ptr_array_add (rules, cb_alert_rule_copy (g_ptr_array_index (rules, 0)));
  g_free (((CbAlertRule *) g_ptr_array_index (rules, 4))->id);
  ((CbAlertRule *) g_ptr_array_index (rules, 4))->id = g_steal_pointer (&taken);
  taken = cb_alert_rules_make_id (rules, "longest-wait");
  g_assert_cmpstr (taken, ==, "longest-wait-3");
  empty = cb_alert_rules_make_id (rules, "");
  g_assert_cmpstr (empty, ==, "rule");

  g_assert_true (cb_alert_metric_applies_to (CB_METRIC_LONGEST_WAIT, CB_ALERT_TARGET_QUEUE));
  g_assert_false (cb_alert_metric_applies_to (CB_METRIC_LONGEST_WAIT, CB_ALERT_TARGET_CAMPAIGN));
  g_assert_true (cb_alert_metric_applies_to (CB_METRIC_DROP_RATE, CB_ALERT_TARGET_CAMPAIGN));
  g_assert_false (cb_alert_metric_applies_to (CB_METRIC_DROP_RATE, CB_ALERT_TARGET_QUEUE));
  g_assert_true (cb_alert_metric_applies_to (CB_METRIC_OCCUPANCY, CB_ALERT_TARGET_QUEUE));
  g_assert_true (cb_alert_metric_applies_to (CB_METRIC_OCCUPANCY, CB_ALERT_TARGET_CAMPAIGN));
  g_assert_true (cb_alert_metric_applies_to (CB_METRIC_ERLANG_AGENTS_NEEDED, CB_ALERT_TARGET_QUEUE));
  g_assert_false (cb_alert_metric_applies_to (CB_METRIC_ERLANG_AGENTS_NEEDED, CB_ALERT_TARGET_CAMPAIGN));
  for (CbMetricId m = 0; m < CB_METRIC_N_METRICS; m++)
    g_assert_true (cb_alert_metric_applies_to (m, CB_ALERT_TARGET_ALL));

  g_assert_false (cb_alert_metric_has_window (CB_METRIC_LONGEST_WAIT));
  g_assert_false (cb_alert_metric_has_window (CB_METRIC_AGENTS_PAUSED));
  g_assert_false (cb_alert_metric_has_window (CB_METRIC_LEADS_DIALABLE));
  g_assert_true (cb_alert_metric_has_window (CB_METRIC_SERVICE_LEVEL));
  g_assert_true (cb_alert_metric_has_window (CB_METRIC_DROP_RATE));

  rule->metric = CB_METRIC_SERVICE_LEVEL;
  cb_alert_rule_get_threshold_range (rule, &min, &max);
  g_assert_cmpfloat (min, ==, 0);
  g_assert_cmpfloat (max, ==, 100);
  rule->metric = CB_METRIC_LONGEST_WAIT;
  cb_alert_rule_get_threshold_range (rule, &min, &max);
  g_assert_cmpfloat (max, ==, 86400);
  rule->metric = CB_METRIC_CSAT_MEAN;
  cb_alert_rule_get_threshold_range (rule, &min, &max);
  g_assert_cmpfloat (max, ==, 5);
  rule->metric = CB_METRIC_CALLS_WAITING;
  cb_alert_rule_get_threshold_range (rule, &min, &max);
  g_assert_cmpfloat (max, ==, 1000000);
  rule->kind = CB_ALERT_KIND_AGENT_STATE;
  cb_alert_rule_get_threshold_range (rule, &min, &max);
  g_assert_cmpfloat (max, ==, 1440);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/callboard/alerts/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("raise-after-hold", test_raise_after_hold);
  ADD ("no-flapping", test_no_flapping);
  ADD ("acknowledge", test_acknowledge);
  ADD ("snooze", test_snooze);
  ADD ("agent-paused", test_agent_paused);
  ADD ("agent-pause-reason", test_agent_pause_reason);
  ADD ("history-bounded", test_history_bounded);
  ADD ("floor", test_floor);
#undef ADD
  g_test_add_func ("/callboard/alerts/json-round-trip", test_json_round_trip);
  g_test_add_func ("/callboard/alerts/json-bad", test_json_bad);
  g_test_add_func ("/callboard/alerts/editor-helpers", test_editor_helpers);

  return g_test_run ();
}
