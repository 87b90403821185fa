/* bench-metrics.c — how fast the KPI engine applies events and computes KPIs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds 100,000 inbound calls over one day across 200 queues (each call
 * four events: queued, answered, ended, wrap-up ended; 3 % abandon), and
 * 2,000 agents changing state with them, in time order as the cache
 * replays its journal, then times KPIs over today and the last 15 minutes
 * for all queues and for one queue. Prints the apply rate and the compute
 * times. Usage: bench-metrics [N_CALLS] [N_QUEUES]
 */
#include "config.h"

#include <stdlib.h>

#include "cb-metrics.h"

#define DAY_START G_GINT64_CONSTANT (1795384800000)  /* 2026-11-23 00:00 Europe/Tallinn (22:00 UTC) */

typedef struct
{
  gint64      ts;
  int         kind;       /* 0 queued, 1 answered, 2 ended, 3 wrap-up ended */
  guint       call;
} Event;

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  const Event *x = a, *y = b;

  return x->ts < y->ts ? -1 : x->ts > y->ts ? 1 : x->kind - y->kind;
}

static guint32
next_random (guint32 *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

static CbJsonValue *
to_doc (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return cb_json_doc_new_from_node (node);
}

int
main (int    argc,
      char **argv)
{
  guint n_calls = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  guint n_queues = argc > 2 ? (guint) atoi (argv[2]) : 200;
  guint n_agents = 2000;
  g_autoptr(CbMetrics) metrics = cb_metrics_new ();
  g_autoptr(GArray) events = g_array_new (FALSE, FALSE, sizeof (Event));
  gint64 *queued = g_new (gint64, n_calls);
  gint64 *answered = g_new (gint64, n_calls);
  gint64 *ended = g_new (gint64, n_calls);
  gint64 *wrapped = g_new (gint64, n_calls);
  gboolean *abandoned = g_new (gboolean, n_calls);
  guint32 *number = g_new (guint32, n_calls);
  guint32 seed = 12345;
  gint64 t0, apply_us = 0, now;
  guint n_applied = 0;

  cb_metrics_set_time_zone (metrics, "Europe/Tallinn");

  for (guint q = 0; q < n_queues; q++)
    {
      g_autoptr(JsonObject) o = json_object_new ();
      g_autofree char *id = g_strdup_printf ("q-%03u", q);

      json_object_set_int_member (o, "sl_threshold_s", 20);
      json_object_set_double_member (o, "sl_target_pct", 80);
      cb_metrics_apply_object (metrics, DAY_START, "queue", id, o);
    }

  for (guint i = 0; i < n_calls; i++)
    {
      Event e = { 0, };

      queued[i] = DAY_START + (gint64) ((double) i / n_calls * 82800000.0);  /* 00:00–23:00 */
      abandoned[i] = next_random (&seed) % 100 < 3;
      answered[i] = queued[i] + 1000 + next_random (&seed) % 30000;
      number[i] = next_random (&seed) % (3 * n_calls);
      ended[i] = abandoned[i] ? answered[i] : answered[i] + 30000 + next_random (&seed) % 400000;
      wrapped[i] = abandoned[i] ? -1 : ended[i] + next_random (&seed) % 60000;
      e.call = i;
      e.ts = queued[i];
      e.kind = 0;
      g_array_append_val (events, e);
      if (!abandoned[i])
        {
          e.ts = answered[i];
          e.kind = 1;
          g_array_append_val (events, e);
        }
      e.ts = ended[i];
      e.kind = 2;
      g_array_append_val (events, e);
      if (!abandoned[i])
        {
          e.ts = wrapped[i];
          e.kind = 3;
          g_array_append_val (events, e);
        }
    }
  g_array_sort (events, compare_events);

  for (guint k = 0; k < events->len; k++)
    {
      const Event *e = &g_array_index (events, Event, k);
      guint i = e->call;
      g_autoptr(JsonObject) o = json_object_new ();
      g_autoptr(JsonObject) a = NULL;
      g_autofree CbJsonValue *call_doc = NULL;
      g_autofree CbJsonValue *agent_doc = NULL;
      char id[32], queue[16], agent[16], customer[24];
      static const char * const states[] = { "queued", "connected", "wrap_up", "ended" };
      gint64 start;

      g_snprintf (id, sizeof id, "c-%07u", i);
      g_snprintf (queue, sizeof queue, "q-%03u", i % n_queues);
      g_snprintf (agent, sizeof agent, "ag-%04u", i % n_agents);
      json_object_set_string_member (o, "direction", "in");
      json_object_set_string_member (o, "state", abandoned[i] && e->kind == 2 ? "ended"
                                                  : states[e->kind]);
      json_object_set_string_member (o, "queue_id", queue);
      json_object_set_int_member (o, "created_at", queued[i] - 5000);
      json_object_set_int_member (o, "queued_at", queued[i]);
      if (e->kind >= 1 && !abandoned[i])
        {
          json_object_set_int_member (o, "answered_at", answered[i]);
          json_object_set_string_member (o, "agent_id", agent);
        }
      if (e->kind >= 2)
        json_object_set_int_member (o, "ended_at", ended[i]);
      if (e->kind >= 3)
        json_object_set_int_member (o, "wrap_up_ended_at", wrapped[i]);
      json_object_set_boolean_member (o, "abandoned", abandoned[i] && e->kind >= 2);
      g_snprintf (customer, sizeof customer, "+3725%07u", number[i]);
      json_object_set_string_member (o, "customer_number", customer);
      if (abandoned[i] && e->kind == 2)
        json_object_set_string_member (o, "end_reason", "abandoned");

      /* The agent's state change that goes with the event */
      if (!abandoned[i] && e->kind >= 1)
        {
          static const char * const agent_states[] = { "", "on_call", "wrap_up", "available" };
          JsonArray *queues = json_array_new ();

          a = json_object_new ();
          json_array_add_string_element (queues, queue);
          json_object_set_string_member (a, "state", agent_states[e->kind == 1 ? 1 : e->kind]);
          json_object_set_int_member (a, "state_since", e->ts);
          json_object_set_array_member (a, "queue_ids", queues);
        }

      /* As the store hands them over: documents, made before the clock starts. */
      call_doc = to_doc (o);
      agent_doc = a != NULL ? to_doc (a) : NULL;
      start = g_get_monotonic_time ();
      cb_metrics_apply (metrics, e->ts, "call", id, call_doc);
      if (agent_doc != NULL)
        {
          cb_metrics_apply (metrics, e->ts, "agent", agent, agent_doc);
          n_applied++;
        }
      apply_us += g_get_monotonic_time () - start;
      n_applied++;
    }

  now = DAY_START + 84600000;  /* 23:30 */
  g_print ("calls: %u in %u queues, %u agents; events applied: %u\n",
           cb_metrics_get_n_calls (metrics), n_queues, n_agents, n_applied);
  g_print ("apply: %.0f events/s (%.2f us per event, JSON building not counted)\n",
           n_applied / (apply_us / 1e6), (double) apply_us / n_applied);

  {
    static const struct { CbMetricId id; const char *name; } kpis[] = {
      { CB_METRIC_SERVICE_LEVEL, "service level" },
      { CB_METRIC_AHT, "AHT" },
      { CB_METRIC_FCR, "FCR" },
      { CB_METRIC_OCCUPANCY, "occupancy" },
      { CB_METRIC_ERLANG_AGENTS_NEEDED, "Erlang C needed" },
      { CB_METRIC_CALLS_WAITING, "calls waiting" },
    };
    const char * const one_queue[] = { "q-007", NULL };
    CbMetricScope queue_scope = { one_queue, NULL, NULL };
    CbMetricWindow today = { CB_METRIC_WINDOW_TODAY, 0, 0 };
    CbMetricWindow last15 = { CB_METRIC_WINDOW_LAST_15, 0, 0 };
    int rounds = 20;

    for (guint k = 0; k < G_N_ELEMENTS (kpis); k++)
      for (int s = 0; s < 2; s++)
        for (int w = 0; w < 2; w++)
          {
            CbMetricValue v;
            gint64 start = g_get_monotonic_time ();

            for (int r = 0; r < rounds; r++)
              cb_metrics_compute (metrics, kpis[k].id, s ? &queue_scope : NULL,
                                  w ? &last15 : &today, NULL, now, &v);
            g_print ("compute %-16s %-9s %-8s %8.3f ms  (value %s%.2f, %.0f / %.0f)\n",
                     kpis[k].name, s ? "one queue" : "all", w ? "last 15" : "today",
                     (g_get_monotonic_time () - start) / 1000.0 / rounds,
                     v.has_value ? "" : "no data ", v.value, v.numerator, v.denominator);
          }

    {
      guint n;
      gint64 start = g_get_monotonic_time ();
      g_autofree CbMetricInterval *intervals =
        cb_metrics_get_intervals_today (metrics, NULL, NULL, now, &n);

      g_print ("interval series (all queues, %u intervals): %.3f ms\n", n,
               (g_get_monotonic_time () - start) / 1000.0);
    }
  }

  t0 = g_get_monotonic_time ();
  g_clear_pointer (&metrics, cb_metrics_free);
  g_print ("free: %.1f ms\n", (g_get_monotonic_time () - t0) / 1000.0);

  g_free (queued);
  g_free (answered);
  g_free (ended);
  g_free (wrapped);
  g_free (abandoned);
  g_free (number);
  return 0;
}
