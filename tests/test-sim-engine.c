/* test-sim-engine.c — the simulation engine against queueing theory and its own rules
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Statistical tests, deterministic by seed: each compares what the engine
 * did with what the model says it should do (Poisson counts, exponential
 * patience, Erlang-A, Little's law), or checks every event against a rule
 * (agent and call transitions, retry delays, calling windows). Bounds are
 * several standard errors wide, so they hold for any seed yet fail when
 * the model is wrong (a rate off by a few percent, patience not honoured).
 */
#include "config.h"

#include <math.h>

#include "cb-sim-engine.h"

#define MINUTE_MS (G_GINT64_CONSTANT (60) * 1000)
#define HOUR_MS   (60 * MINUTE_MS)
#define DAY_MS    (24 * HOUR_MS)

/* A center without the noise: one flat-rate queue, agents around the clock,
 * no pauses, transfers, repeats or missed rings, no campaigns. */
static void
quiet_config (CbSimConfig *config)
{
  cb_sim_config_init_default (config);
  config->time_zone = "Europe/Tallinn";
  config->n_queues = 1;
  config->n_campaigns = 0;
  config->n_teams = 1;
  config->queue_variation = 0.0;
  config->shift_length_ms = 0;
  config->n_pause_reasons = 0;
  config->miss_probability = 0.0;
  config->transfer_probability = 0.0;
  config->repeat_probability = 0.0;
  config->abandon_retry_probability = 0.0;
  for (guint i = 0; i < CB_SIM_PROFILE_SLOTS; i++)
    config->profile[i] = 1.0;
}

static void
default_config (CbSimConfig *config)
{
  cb_sim_config_init_default (config);
  config->time_zone = "Europe/Tallinn";
}

static gint64
start_of (CbSimEngine *engine)
{
  return cb_sim_engine_get_config (engine)->start_ms;
}

/* Determinism --------------------------------------------------------------- */

typedef struct
{
  guint64 hash;
  guint64 n;
} StreamHash;

static void
hash_bytes (guint64    *hash,
            const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      *hash ^= *p;
      *hash *= G_GUINT64_CONSTANT (0x100000001b3);
    }
}

static void
on_change_hash (CbSimEngine     *engine,
                CbSimChangeKind  kind,
                CbSimEntityType  type,
                const char      *id,
                gpointer         user_data)
{
  StreamHash *h = user_data;
  char line[256];
  guint64 rev = 0;
  int state = -1;

  switch (type)
    {
    case CB_SIM_ENTITY_AGENT:
      {
        const CbSimAgent *agent = cb_sim_engine_get_agent (engine, id);

        rev = agent->rev;
        state = agent->state;
      }
      break;

    case CB_SIM_ENTITY_QUEUE:
      {
        const CbSimQueue *queue = cb_sim_engine_get_queue (engine, id);

        rev = queue->rev;
        state = (int) queue->stats.waiting;
      }
      break;

    case CB_SIM_ENTITY_CALL:
      {
        const CbSimCall *call = cb_sim_engine_get_call (engine, id);

        if (call == NULL)
          call = cb_sim_engine_get_history_call (engine, id);
        g_assert_nonnull (call);
        rev = call->rev;
        state = call->state;
      }
      break;

    case CB_SIM_ENTITY_CAMPAIGN:
      {
        const CbSimCampaign *campaign = cb_sim_engine_get_campaign (engine, id);

        rev = campaign->rev;
        state = (int) campaign->stats.dials;
      }
      break;

    case CB_SIM_ENTITY_LEAD:
      {
        const CbSimLead *lead = cb_sim_engine_get_lead (engine, id);

        rev = lead->rev;
        state = lead->status;
      }
      break;

    default:
      g_assert_not_reached ();
    }

  g_snprintf (line, sizeof line, "%d|%d|%s|%" G_GUINT64_FORMAT "|%" G_GINT64_FORMAT "|%d",
              kind, type, id, rev, cb_sim_engine_get_now (engine), state);
  hash_bytes (&h->hash, line);
  h->n++;
}

static StreamHash
run_and_hash (guint64 seed,
              gint64  duration_ms)
{
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  StreamHash h = { G_GUINT64_CONSTANT (0xcbf29ce484222325), 0 };

  default_config (&config);
  config.seed = seed;
  engine = cb_sim_engine_new (&config);

  /* The initial state counts too: names, skills and shifts come from the seed. */
  for (guint i = 0; i < cb_sim_engine_get_n_agents (engine); i++)
    {
      const CbSimAgent *agent = cb_sim_engine_get_agent_nth (engine, i);
      g_autofree char *line = g_strdup_printf ("%s|%s|%u|%d|%" G_GINT64_FORMAT,
                                               agent->id, agent->name, agent->n_skills,
                                               agent->state, agent->shift_start_ms);

      hash_bytes (&h.hash, line);
    }

  cb_sim_engine_add_listener (engine, on_change_hash, &h, NULL);
  cb_sim_engine_advance_to (engine, start_of (engine) + duration_ms);
  return h;
}

static void
test_determinism (void)
{
  gint64 t0 = g_get_monotonic_time ();
  StreamHash a = run_and_hash (7, 4 * HOUR_MS);
  gint64 t1 = g_get_monotonic_time ();
  StreamHash b = run_and_hash (7, 4 * HOUR_MS);
  StreamHash c = run_and_hash (8, 4 * HOUR_MS);

  g_test_message ("seed 7: %" G_GUINT64_FORMAT " changes in 4 simulated hours (%.0f ms), "
                  "hash %016" G_GINT64_MODIFIER "x; seed 8: %" G_GUINT64_FORMAT " changes, "
                  "hash %016" G_GINT64_MODIFIER "x", a.n, (t1 - t0) / 1000.0, a.hash, c.n, c.hash);

  g_assert_cmpuint (a.n, >, 10000);
  g_assert_cmpuint (a.n, ==, b.n);
  g_assert_cmpuint (a.hash, ==, b.hash);
  g_assert_cmpuint (a.hash, !=, c.hash);
}

/* Arrivals ------------------------------------------------------------------ */

typedef struct
{
  gint64  start;
  gint64  bin_ms;
  guint  *bins;
  guint   n_bins;
  guint   total;
} ArrivalCount;

static void
on_change_count_arrivals (CbSimEngine     *engine,
                          CbSimChangeKind  kind,
                          CbSimEntityType  type,
                          const char      *id,
                          gpointer         user_data)
{
  ArrivalCount *count = user_data;
  const CbSimCall *call;
  gint64 bin;

  if (type != CB_SIM_ENTITY_CALL || kind != CB_SIM_CHANGE_UPSERT)
    return;
  call = cb_sim_engine_get_call (engine, id);
  if (call->rev != 1)
    return;

  count->total++;
  bin = (call->created_ms - count->start) / count->bin_ms;
  g_assert_cmpint (bin, >=, 0);
  if (bin < count->n_bins)
    count->bins[bin]++;
}

static void
test_arrival_rate (void)
{
  const double rate = 120.0;
  const guint hours = 100;
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  g_autofree guint *bins = g_new0 (guint, hours);
  ArrivalCount count = { 0, HOUR_MS, bins, hours, 0 };
  double expected = rate * hours;
  double sigma = sqrt (expected);
  double chi2 = 0.0;
  double mean;

  quiet_config (&config);
  config.seed = 11;
  config.n_agents = 0;
  config.calls_per_hour = rate;
  engine = cb_sim_engine_new (&config);
  count.start = start_of (engine);
  cb_sim_engine_add_listener (engine, on_change_count_arrivals, &count, NULL);
  cb_sim_engine_advance_to (engine, count.start + hours * HOUR_MS);

  /* The count is Poisson: within 4σ of λT. */
  g_test_message ("flat %.0f/h over %u h: %u arrivals, expected %.0f ± %.1f (%.2fσ)",
                  rate, hours, count.total, expected, sigma, (count.total - expected) / sigma);
  g_assert_cmpfloat (fabs (count.total - expected), <, 4.0 * sigma);

  /* Hourly counts are Poisson too: the dispersion index Σ(x − x̄)²/x̄ is
   * χ² with n − 1 degrees of freedom (mean 99, σ 14). Regular or clumped
   * arrivals would fall outside. */
  mean = (double) count.total / hours;
  for (guint h = 0; h < hours; h++)
    chi2 += (bins[h] - mean) * (bins[h] - mean) / mean;
  g_test_message ("dispersion χ² = %.1f for %u degrees of freedom", chi2, hours - 1);
  g_assert_cmpfloat (fabs (chi2 - (hours - 1)), <, 4.0 * sqrt (2.0 * (hours - 1)));
}

/* The weekday profile: the calls of each hour follow rate × profile. */
static void
test_arrival_profile (void)
{
  const double rate = 100.0;
  const guint days = 10;
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  g_autofree guint *bins = g_new0 (guint, 24);
  ArrivalCount count = { 0, HOUR_MS, NULL, 0, 0 };
  double expected_hour[24] = { 0.0, };
  double expected_total = 0.0;
  guint worst_hour = 0;
  double worst_z = 0.0;

  cb_sim_config_init_default (&config);
  config.time_zone = "Europe/Tallinn";
  config.n_queues = 1;
  config.n_campaigns = 0;
  config.n_agents = 0;
  config.queue_variation = 0.0;
  config.repeat_probability = 0.0;
  config.abandon_retry_probability = 0.0;
  config.calls_per_hour = rate;
  config.seed = 12;
  config.start_ms = cb_sim_local_time_ms ("Europe/Tallinn", 2026, 11, 23, 0, 0);
  engine = cb_sim_engine_new (&config);

  /* Count by local hour of day: the run starts at midnight, and late
   * November has no DST change. */
  count.start = start_of (engine);
  count.bin_ms = HOUR_MS;
  count.n_bins = 24 * days;
  count.bins = g_new0 (guint, count.n_bins);
  cb_sim_engine_add_listener (engine, on_change_count_arrivals, &count, NULL);
  cb_sim_engine_advance_to (engine, count.start + days * DAY_MS);

  for (guint s = 0; s < CB_SIM_PROFILE_SLOTS; s++)
    expected_hour[s / 4] += rate * config.profile[s] / 4.0 * days;
  for (guint h = 0; h < 24 * days; h++)
    bins[h % 24] += count.bins[h];
  for (guint h = 0; h < 24; h++)
    {
      double z = bins[h];

      if (expected_hour[h] > 0.0)
        z = (bins[h] - expected_hour[h]) / sqrt (expected_hour[h]);

      expected_total += expected_hour[h];
      if (fabs (z) > fabs (worst_z))
        {
          worst_z = z;
          worst_hour = h;
        }
      if (expected_hour[h] == 0.0)
        g_assert_cmpuint (bins[h], ==, 0);
    }
  g_free (count.bins);

  g_test_message ("profile over %u days: %u calls, expected %.0f; 10:00–11:00 %u (expected %.0f), "
                  "20:00–21:00 %u (expected %.0f); worst hour %02u:00 at %.2fσ",
                  days, count.total, expected_total, bins[10], expected_hour[10],
                  bins[20], expected_hour[20], worst_hour, worst_z);
  g_assert_cmpfloat (fabs (count.total - expected_total), <, 4.0 * sqrt (expected_total));
  /* 24 hours, each within 4σ (a 1 in 500 chance for one of them under H0). */
  g_assert_cmpfloat (fabs (worst_z), <, 4.0);
  /* The morning peak is much busier than the evening. */
  g_assert_cmpuint (bins[10], >, 4 * bins[20]);
}

/* Abandonment ------------------------------------------------------------------ */

static void
test_abandon_without_agents (void)
{
  const double patience = 90.0;
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  double sum = 0.0;
  guint n = 0;
  guint longer = 0;
  guint short_abandons = 0;
  const CbSimQueue *queue;
  double mean, p_longer, se_p;

  quiet_config (&config);
  config.seed = 21;
  config.n_agents = 0;
  config.calls_per_hour = 600.0;
  config.patience = CB_SIM_DIST_INIT_EXP (patience);
  config.start_ms = cb_sim_local_time_ms ("Europe/Tallinn", 2026, 11, 23, 0, 0);
  engine = cb_sim_engine_new (&config);
  cb_sim_engine_advance_to (engine, start_of (engine) + 20 * HOUR_MS);

  for (guint i = 0; i < cb_sim_engine_get_history_length (engine); i++)
    {
      const CbSimCall *call = cb_sim_engine_get_history_nth (engine, i);
      gint64 wait = call->ended_ms - call->queue_entered_ms;

      g_assert_true (call->abandoned);
      g_assert_cmpint (call->end_reason, ==, CB_SIM_END_ABANDONED);
      g_assert_cmpint (call->answered_ms, ==, 0);
      g_assert_cmpint (call->queued_total_ms, ==, wait);
      sum += wait / 1000.0;
      longer += wait > patience * 1000.0;
      short_abandons += wait < 20 * 1000;
      n++;
    }

  /* Same day: the queue's counters cover every call. */
  queue = cb_sim_engine_get_queue_nth (engine, 0);
  g_assert_cmpuint (queue->stats.abandoned, ==, n);
  g_assert_cmpuint (queue->stats.abandoned_in_sl, ==, short_abandons);
  g_assert_cmpuint (queue->stats.answered, ==, 0);

  /* Every wait is a patience: mean 90 s (σ/√n), and P(wait > mean) = 1/e. */
  mean = sum / n;
  p_longer = (double) longer / n;
  se_p = sqrt (G_E - 1.0) / G_E / sqrt (n);
  g_test_message ("%u callers, all abandoned: mean wait %.2f s (patience %.0f s, ±%.2f), "
                  "P(wait > mean) = %.4f (1/e = %.4f)", n, mean, patience, patience / sqrt (n),
                  p_longer, 1.0 / G_E);
  g_assert_cmpuint (n, >, 10000);
  g_assert_cmpfloat (fabs (mean - patience), <, 4.0 * patience / sqrt (n));
  g_assert_cmpfloat (fabs (p_longer - 1.0 / G_E), <, 4.0 * se_p);
}

/* All agents paused by command: nobody answers, everybody abandons. */
static void
test_abandon_all_paused (void)
{
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  const CbSimQueue *queue;
  guint n = 0;

  quiet_config (&config);
  config.seed = 22;
  config.n_agents = 5;
  config.calls_per_hour = 120.0;
  config.pause_reasons[0] = (CbSimPauseReasonConfig) { "OFFLINE", CB_SIM_PAUSE_ON_REQUEST, 0.0,
                                                        CB_SIM_DIST_INIT_FIXED (0.0) };
  config.n_pause_reasons = 1;
  engine = cb_sim_engine_new (&config);

  for (guint i = 0; i < 5; i++)
    {
      const CbSimAgent *agent = cb_sim_engine_get_agent_nth (engine, i);
      gboolean pending = TRUE;

      g_assert_cmpint (agent->state, ==, CB_SIM_AGENT_AVAILABLE);
      g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_PAUSED,
                                                      "OFFLINE", &pending),
                       ==, CB_SIM_OK);
      g_assert_false (pending);
      g_assert_cmpint (agent->state, ==, CB_SIM_AGENT_PAUSED);
    }

  cb_sim_engine_advance_to (engine, start_of (engine) + 8 * HOUR_MS);
  queue = cb_sim_engine_get_queue_nth (engine, 0);
  for (guint i = 0; i < cb_sim_engine_get_history_length (engine); i++, n++)
    g_assert_true (cb_sim_engine_get_history_nth (engine, i)->abandoned);
  g_assert_cmpuint (n, >, 800);
  g_assert_cmpuint (queue->stats.answered, ==, 0);
  g_assert_cmpuint (queue->stats.agents_paused, ==, 5);
  g_assert_cmpuint (queue->stats.agents_available, ==, 0);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpstr (cb_sim_engine_get_agent_nth (engine, i)->pause_reason, ==, "OFFLINE");
}

/* P(abandon) of M/M/c+M (Erlang-A), from the birth–death chain: birth λ,
 * death min(n, c)·μ + max(n − c, 0)·θ. */
static double
erlang_a_abandon (double lambda,
                  double mu,
                  double theta,
                  guint  c)
{
  const guint n_max = c + 2000;
  double p = 1.0;
  double total = 0.0;
  double lost = 0.0;

  for (guint n = 0; n <= n_max; n++)
    {
      if (n > 0)
        p *= lambda / (MIN (n, c) * mu + (n > c ? (n - c) * theta : 0.0));
      total += p;
      lost += p * (n > c ? (n - c) * theta : 0.0);
    }
  return lost / total / lambda;
}

typedef struct
{
  gint64 start;
  gint64 batch_ms;
  guint  n_batches;
  guint *answered;
  guint *abandoned;
} BatchCount;

static void
on_change_count_outcomes (CbSimEngine     *engine,
                          CbSimChangeKind  kind,
                          CbSimEntityType  type,
                          const char      *id,
                          gpointer         user_data)
{
  BatchCount *count = user_data;
  const CbSimCall *call;
  gint64 batch;

  if (type != CB_SIM_ENTITY_CALL || kind != CB_SIM_CHANGE_UPSERT)
    return;
  call = cb_sim_engine_get_call (engine, id);
  if (call->state != CB_SIM_CALL_ENDED)
    return;

  /* By arrival time: a call belongs to the batch it arrived in. */
  batch = (call->created_ms - count->start) / count->batch_ms;
  if (batch >= count->n_batches)
    return;
  if (call->abandoned)
    count->abandoned[batch]++;
  else
    count->answered[batch]++;
}

static void
test_erlang_a (void)
{
  const guint agents = 10;
  const double rate = 200.0;           /* calls/h */
  const double talk = 180.0;           /* s: offered load = 10 Erlang, as many as agents */
  const double patience = 120.0;       /* s */
  const guint batches = 50;
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  guint answered[50] = { 0, };
  guint abandoned[50] = { 0, };
  BatchCount count = { 0, 20 * HOUR_MS, batches, answered, abandoned };
  double theory, impatient, overall, mean_b = 0.0, var_b = 0.0, se, tolerance;
  guint total_ab = 0, total = 0;

  quiet_config (&config);
  config.seed = 31;
  config.n_agents = agents;
  config.max_skills = 1;
  config.calls_per_hour = rate;
  config.patience = CB_SIM_DIST_INIT_EXP (patience);
  config.talk = CB_SIM_DIST_INIT_EXP (talk);
  config.ring = CB_SIM_DIST_INIT_FIXED (0.0);
  config.wrap_up = CB_SIM_DIST_INIT_FIXED (0.0);
  config.hold_probability = 0.0;
  config.resolve_probability = 1.0;
  config.history_capacity = 1000;
  engine = cb_sim_engine_new (&config);
  count.start = start_of (engine);
  cb_sim_engine_add_listener (engine, on_change_count_outcomes, &count, NULL);
  /* The last hour lets the calls of the last batch end. */
  cb_sim_engine_advance_to (engine, count.start + batches * count.batch_ms + HOUR_MS);

  /* Batch means: successive calls are correlated (they share the queue),
   * 20-hour batches are not. */
  for (guint b = 0; b < batches; b++)
    {
      mean_b += (double) abandoned[b] / (answered[b] + abandoned[b]) / batches;
      total_ab += abandoned[b];
      total += answered[b] + abandoned[b];
    }
  for (guint b = 0; b < batches; b++)
    {
      double p = (double) abandoned[b] / (answered[b] + abandoned[b]);

      var_b += (p - mean_b) * (p - mean_b) / (batches - 1);
    }
  se = sqrt (var_b / batches);
  overall = (double) total_ab / total;
  theory = erlang_a_abandon (rate / 3600.0, 1.0 / talk, 1.0 / patience, agents);
  impatient = erlang_a_abandon (rate / 3600.0, 1.0 / talk, 2.0 / patience, agents);
  tolerance = 4.0 * se + 0.002;

  g_test_message ("M/M/%u+M, λ=%.0f/h, 1/μ=%.0f s, 1/θ=%.0f s: %u calls, "
                  "P(abandon) = %.4f (batch means ±%.4f), Erlang-A %.4f (%.2f SE); "
                  "with half the patience it would be %.4f", agents, rate, talk, patience,
                  total, overall, se, theory, (overall - theory) / se, impatient);
  g_assert_cmpuint (total, >, 190000);
  g_assert_cmpfloat (fabs (overall - theory), <, tolerance);
  /* Not vacuous: the band excludes a patience off by a factor of two. */
  g_assert_cmpfloat (fabs (impatient - overall), >, tolerance);
}

/* Little's law --------------------------------------------------------------- */

typedef struct
{
  gint64 last_ms;
  guint  waiting;
  double area;           /* Σ waiting × dt, in call·ms */
} WaitingArea;

static void
on_change_area (CbSimEngine     *engine,
                CbSimChangeKind  kind,
                CbSimEntityType  type,
                const char      *id,
                gpointer         user_data)
{
  WaitingArea *area = user_data;
  gint64 now = cb_sim_engine_get_now (engine);
  guint waiting = 0;

  if (type != CB_SIM_ENTITY_QUEUE)
    return;

  area->area += (double) area->waiting * (now - area->last_ms);
  area->last_ms = now;
  for (guint q = 0; q < cb_sim_engine_get_n_queues (engine); q++)
    waiting += cb_sim_engine_get_queue_nth (engine, q)->stats.waiting;
  area->waiting = waiting;
}

typedef struct
{
  const char *queue_id;
  guint       queued;
} QueuedCount;

static void
count_queued (gpointer data,
              gpointer user_data)
{
  const CbSimCall *call = data;
  QueuedCount *count = user_data;

  if (call->direction == CB_SIM_DIRECTION_INBOUND && call->state == CB_SIM_CALL_QUEUED &&
      g_strcmp0 (call->queue_id, count->queue_id) == 0)
    count->queued++;
}

static void
test_littles_law (void)
{
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  WaitingArea area = { 0, 0, 0.0 };
  double sum_queued_ms = 0.0;
  guint entries = 0, transfers = 0;
  double lambda, w, l, t;
  gint64 start, end;

  /* Three queues open 08:00–18:00 at a load near capacity, with rings,
   * missed rings (back to the front), transfers and holds; then drained. */
  quiet_config (&config);
  config.seed = 41;
  config.n_queues = 3;
  config.n_agents = 24;
  config.max_skills = 2;
  config.calls_per_hour = 110.0;
  config.miss_probability = 0.05;
  config.transfer_probability = 0.1;
  for (guint s = 0; s < CB_SIM_PROFILE_SLOTS; s++)
    config.profile[s] = s >= 32 && s < 72 ? 1.0 : 0.0;
  engine = cb_sim_engine_new (&config);
  start = area.last_ms = start_of (engine);
  cb_sim_engine_add_listener (engine, on_change_area, &area, NULL);

  /* On the way, each queue's waiting count is the number of its queued calls. */
  for (guint hour = 1; hour <= 15; hour++)
    {
      cb_sim_engine_advance_to (engine, start + hour * HOUR_MS);
      for (guint q = 0; q < 3; q++)
        {
          const CbSimQueue *queue = cb_sim_engine_get_queue_nth (engine, q);
          QueuedCount count = { queue->id, 0 };

          cb_sim_engine_foreach_call (engine, count_queued, &count);
          g_assert_cmpuint (queue->stats.waiting, ==, count.queued);
        }
    }
  end = cb_sim_engine_get_now (engine);
  g_assert_cmpuint (area.waiting, ==, 0);

  for (guint i = 0; i < cb_sim_engine_get_history_length (engine); i++)
    {
      const CbSimCall *call = cb_sim_engine_get_history_nth (engine, i);

      entries += 1 + (call->transfer_from_queue_id != NULL);
      transfers += call->transfer_from_queue_id != NULL;
      sum_queued_ms += call->queued_total_ms;
    }
  for (guint q = 0; q < 3; q++)
    g_assert_cmpuint (cb_sim_engine_get_queue_nth (engine, q)->stats.waiting, ==, 0);

  /* L (time average of the queue length, from the queue events) = λ × W
   * (entries per unit time × mean time queued, from the call records). */
  t = end - start;
  l = area.area / t;
  lambda = entries / t;
  w = sum_queued_ms / entries;
  g_test_message ("%u queue entries (%u by transfer) in %.0f h: L = %.4f, λ = %.2f/h, "
                  "W = %.2f s, λW = %.4f (%.3f %%)", entries, transfers, t / HOUR_MS, l,
                  lambda * HOUR_MS, w / 1000.0, lambda * w,
                  100.0 * (l - lambda * w) / (lambda * w));
  g_assert_cmpuint (entries, >, 3000);
  g_assert_cmpuint (transfers, >, 100);
  g_assert_cmpfloat (l, >, 0.1);
  g_assert_cmpfloat (fabs (l - lambda * w), <, 0.001 * lambda * w);
}

/* Service level ------------------------------------------------------------- */

typedef struct
{
  guint  offered, answered, abandoned, answered_in_sl, abandoned_in_sl;
  gint64 answer_wait_ms, abandon_wait_ms;
} QueueTally;

static void
tally_call (gpointer data,
            gpointer user_data)
{
  const CbSimCall *call = data;
  GHashTable *tallies = user_data;
  QueueTally *t;
  gint64 threshold = 20 * 1000;

  if (call->direction != CB_SIM_DIRECTION_INBOUND)
    return;

  t = g_hash_table_lookup (tallies, call->queue_id);
  if (t == NULL)
    {
      t = g_new0 (QueueTally, 1);
      g_hash_table_insert (tallies, (gpointer) call->queue_id, t);
    }

  t->offered++;
  if (call->queue_answered_ms != 0)
    {
      gint64 wait = call->queue_answered_ms - call->queue_entered_ms;

      t->answered++;
      t->answer_wait_ms += wait;
      t->answered_in_sl += wait <= threshold;
    }
  else if (call->abandoned)
    {
      gint64 wait = call->ended_ms - call->queue_entered_ms;

      t->abandoned++;
      t->abandon_wait_ms += wait;
      t->abandoned_in_sl += wait < threshold;
    }
}

static void
tally_live_call (gpointer data,
                 gpointer user_data)
{
  const CbSimCall *call = data;

  if (call->state != CB_SIM_CALL_ENDED)
    tally_call (data, user_data);
}

static void
test_service_level (void)
{
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  g_autoptr(GHashTable) tallies = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  guint answered = 0, in_sl = 0, abandoned = 0;

  /* The default center without transfers, so that every call has one queue. */
  default_config (&config);
  config.seed = 51;
  config.transfer_probability = 0.0;
  engine = cb_sim_engine_new (&config);
  cb_sim_engine_advance_to (engine, cb_sim_local_time_ms ("Europe/Tallinn", 2026, 11, 23, 23, 59));

  /* Ended calls are in the history (and, for a minute, still live too). */
  for (guint i = 0; i < cb_sim_engine_get_history_length (engine); i++)
    tally_call ((gpointer) cb_sim_engine_get_history_nth (engine, i), tallies);
  cb_sim_engine_foreach_call (engine, tally_live_call, tallies);

  for (guint q = 0; q < cb_sim_engine_get_n_queues (engine); q++)
    {
      const CbSimQueue *queue = cb_sim_engine_get_queue_nth (engine, q);
      const CbSimQueueStats *s = &queue->stats;
      QueueTally *t = g_hash_table_lookup (tallies, queue->id);

      g_assert_nonnull (t);
      g_assert_cmpuint (s->offered, ==, t->offered);
      g_assert_cmpuint (s->answered, ==, t->answered);
      g_assert_cmpuint (s->abandoned, ==, t->abandoned);
      g_assert_cmpuint (s->answered_in_sl, ==, t->answered_in_sl);
      g_assert_cmpuint (s->abandoned_in_sl, ==, t->abandoned_in_sl);
      g_assert_cmpint (s->answer_wait_ms, ==, t->answer_wait_ms);
      g_assert_cmpint (s->abandon_wait_ms, ==, t->abandon_wait_ms);
      g_assert_cmpuint (s->answered_in_sl, <=, s->answered);
      g_assert_cmpuint (s->answered + s->abandoned + s->waiting, <=, s->offered);
      answered += s->answered;
      in_sl += s->answered_in_sl;
      abandoned += s->abandoned;
    }

  g_test_message ("default center, one day: %u answered, %u abandoned; SL %.1f %% "
                  "(answered in 20 s ÷ answered + abandoned)", answered, abandoned,
                  100.0 * in_sl / (answered + abandoned));
  g_assert_cmpuint (answered, >, 5000);
  /* Sized for 85 % occupancy: a realistic service level, not an empty or a drowning center. */
  g_assert_cmpfloat (100.0 * in_sl / (answered + abandoned), >, 60.0);
  g_assert_cmpfloat (100.0 * abandoned / (answered + abandoned), <, 20.0);
}

/* The dialer ------------------------------------------------------------------ */

typedef struct
{
  double drop_pct;
  double occupancy;
  guint  humans;
  guint  dropped;
  double level_min;
  double level_max;
  guint  level_changes;
} DialerRun;

static DialerRun
run_dialer (CbSimDialMode mode,
            double        level,
            double        max_abandon_pct,
            guint64       seed)
{
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  const CbSimCampaign *campaign;
  const CbSimLevelPoint *points;
  DialerRun run = { 0, };
  double busy = 0.0, active = 0.0;

  /* One campaign of 40 outbound agents on the default shifts and pauses,
   * realistic odds (30 % persons), from 08:00 to 22:00. */
  default_config (&config);
  config.seed = seed;
  config.n_agents = 40;
  config.n_queues = 0;
  config.n_campaigns = 1;
  config.outbound_share = 1.0;
  config.campaign.mixed_modes = FALSE;
  config.campaign.dial_mode = mode;
  config.campaign.dial_level = level;
  config.campaign.max_abandon_pct = max_abandon_pct;
  config.campaign.n_leads = 30000;
  engine = cb_sim_engine_new (&config);
  cb_sim_engine_advance_to (engine, start_of (engine) + 14 * HOUR_MS);

  campaign = cb_sim_engine_get_campaign_nth (engine, 0);
  for (guint i = 0; i < campaign->n_agents; i++)
    {
      const CbSimAgent *agent = cb_sim_engine_get_campaign_agent (engine, campaign, i);
      double b = cb_sim_engine_agent_state_ms (engine, agent, CB_SIM_AGENT_ON_CALL)
                 + cb_sim_engine_agent_state_ms (engine, agent, CB_SIM_AGENT_ON_HOLD)
                 + cb_sim_engine_agent_state_ms (engine, agent, CB_SIM_AGENT_WRAP_UP);

      busy += b;
      active += b + cb_sim_engine_agent_state_ms (engine, agent, CB_SIM_AGENT_AVAILABLE);
    }

  run.humans = campaign->stats.humans;
  run.dropped = campaign->stats.dropped;
  run.drop_pct = 100.0 * run.dropped / MAX (run.humans, 1);
  run.occupancy = 100.0 * busy / active;
  g_assert_cmpfloat (fabs (run.drop_pct - campaign->stats.drop_rate_pct), <, 1e-9);
  g_assert_cmpuint (campaign->stats.humans, ==,
                    campaign->stats.connected + campaign->stats.dropped);
  g_assert_cmpuint (campaign->stats.dials, ==, campaign->stats.humans + campaign->stats.machines +
                    campaign->stats.busy + campaign->stats.no_answer + campaign->stats.invalid);

  points = cb_sim_engine_get_level_history (engine, campaign, &run.level_changes);
  run.level_min = G_MAXDOUBLE;
  run.level_max = 0.0;
  for (guint i = 0; i < run.level_changes; i++)
    {
      run.level_min = MIN (run.level_min, points[i].level);
      run.level_max = MAX (run.level_max, points[i].level);
    }
  return run;
}

static void
test_predictive_pacer (void)
{
  DialerRun predictive = run_dialer (CB_SIM_DIAL_PREDICTIVE, 5.0, 3.0, 61);
  DialerRun strict = run_dialer (CB_SIM_DIAL_PREDICTIVE, 5.0, 1.5, 61);
  DialerRun progressive = run_dialer (CB_SIM_DIAL_PROGRESSIVE, 1.0, 3.0, 61);
  DialerRun power = run_dialer (CB_SIM_DIAL_POWER, 3.5, 3.0, 61);

  g_test_message ("predictive (target 3 %%): drops %.2f %% (%u of %u persons), "
                  "occupancy %.1f %%, level %.2f–%.2f in %u changes",
                  predictive.drop_pct, predictive.dropped, predictive.humans, predictive.occupancy,
                  predictive.level_min, predictive.level_max, predictive.level_changes);
  g_test_message ("predictive (target 1.5 %%): drops %.2f %%, occupancy %.1f %%, level %.2f–%.2f",
                  strict.drop_pct, strict.occupancy, strict.level_min, strict.level_max);
  g_test_message ("progressive: drops %.2f %%, occupancy %.1f %%; "
                  "power 3.5: drops %.2f %%, occupancy %.1f %%",
                  progressive.drop_pct, progressive.occupancy, power.drop_pct, power.occupancy);

  /* The pacer holds the day's drop rate under the target … */
  g_assert_cmpuint (predictive.humans, >, 3000);
  g_assert_cmpfloat (predictive.drop_pct, <, 3.0);
  g_assert_cmpfloat (strict.drop_pct, <, 1.5);
  /* … by moving the level … */
  g_assert_cmpuint (predictive.level_changes, >, 100);
  g_assert_cmpfloat (predictive.level_max - predictive.level_min, >, 0.5);
  g_assert_cmpfloat (strict.level_max, <, predictive.level_max);
  /* … while keeping agents busy, more than one line per agent would. */
  g_assert_cmpfloat (predictive.occupancy, >, 80.0);
  g_assert_cmpfloat (predictive.occupancy, >, progressive.occupancy + 3.0);
  g_assert_cmpfloat (progressive.drop_pct, <, 0.5);
  /* A fixed level that is too high drops far more than the target. */
  g_assert_cmpfloat (power.drop_pct, >, 2.0 * 3.0);
}

/* Every dial of an outbound call, from the change stream. */
typedef struct
{
  GHashTable *dials;     /* lead id → GArray of call ids (char *), in order */
  guint       n_dials;
  guint       outside_window;
  guint       window_start_min;
  guint       window_end_min;
} DialLog;

static void
on_change_dials (CbSimEngine     *engine,
                 CbSimChangeKind  kind,
                 CbSimEntityType  type,
                 const char      *id,
                 gpointer         user_data)
{
  DialLog *log = user_data;
  const CbSimCall *call;
  const CbSimLead *lead;
  GPtrArray *calls;
  gint64 local_ms;

  if (type != CB_SIM_ENTITY_CALL || kind != CB_SIM_CHANGE_UPSERT)
    return;
  call = cb_sim_engine_get_call (engine, id);
  if (call->direction != CB_SIM_DIRECTION_OUTBOUND || call->rev != 1)
    return;

  g_assert_cmpint (call->state, ==, CB_SIM_CALL_RINGING);
  g_assert_cmpint (call->created_ms, ==, cb_sim_engine_get_now (engine));
  lead = cb_sim_engine_get_lead (engine, call->lead_id);
  g_assert_nonnull (lead);
  g_assert_cmpstr (call->customer_number, ==, lead->phone);
  g_assert_cmpint (lead->status, ==, CB_SIM_LEAD_DIALING);

  /* The lead's local time of day at the instant of the dial. */
  local_ms = ((call->created_ms + lead->utc_offset_min * MINUTE_MS) % DAY_MS + DAY_MS) % DAY_MS;
  if (local_ms < log->window_start_min * MINUTE_MS || local_ms >= log->window_end_min * MINUTE_MS)
    log->outside_window++;

  calls = g_hash_table_lookup (log->dials, lead->id);
  if (calls == NULL)
    {
      calls = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (log->dials, (gpointer) lead->id, calls);
    }
  g_ptr_array_add (calls, g_strdup (call->id));
  log->n_dials++;
}

/* Lead time zones for the dialer tests: UTC−5, UTC, UTC+2, UTC+9. */
static const int zones[] = { -300, 0, 120, 540 };

static CbSimEngine *
run_retry_campaign (guint64     seed,
                    gboolean    always_busy,
                    DialLog    *log)
{
  CbSimConfig config;
  CbSimEngine *engine;

  /* Leads on four continents, so that windows open and close all day. */
  default_config (&config);
  config.seed = seed;
  config.n_agents = 20;
  config.n_queues = 0;
  config.n_campaigns = 1;
  config.outbound_share = 1.0;
  config.campaign.mixed_modes = FALSE;
  config.campaign.dial_mode = CB_SIM_DIAL_PREDICTIVE;
  config.campaign.n_leads = always_busy ? 300 : 3000;
  config.campaign.n_lead_zones = G_N_ELEMENTS (zones);
  for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
    {
      config.campaign.lead_zones_min[z] = zones[z];
      config.campaign.lead_zone_weights[z] = 1.0;
    }
  if (always_busy)
    {
      memset (config.campaign.odds, 0, sizeof config.campaign.odds);
      config.campaign.odds[CB_SIM_DISPOSITION_BUSY] = 1.0;
    }

  engine = cb_sim_engine_new (&config);
  log->dials = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) g_ptr_array_unref);
  log->window_start_min = config.campaign.window_start_min;
  log->window_end_min = config.campaign.window_end_min;
  cb_sim_engine_add_listener (engine, on_change_dials, log, NULL);
  cb_sim_engine_advance_to (engine, start_of (engine) + 3 * DAY_MS);
  return engine;
}

/* A lead that is always busy is retried after 10 minutes, 5 attempts at most. */
static void
test_retry_busy (void)
{
  g_autoptr(CbSimEngine) engine = NULL;
  DialLog log = { 0, };
  const CbSimCampaign *campaign;
  const CbSimRetryRule *rule;
  GHashTableIter iter;
  gpointer key, value;
  guint exhausted = 0;
  gint64 min_gap = G_MAXINT64;

  engine = run_retry_campaign (71, TRUE, &log);
  campaign = cb_sim_engine_get_campaign_nth (engine, 0);
  rule = &cb_sim_engine_get_config (engine)->campaign.retry[CB_SIM_DISPOSITION_BUSY];

  g_hash_table_iter_init (&iter, log.dials);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *calls = value;
      const CbSimLead *lead = cb_sim_engine_get_lead (engine, key);
      gint64 previous = 0;

      g_assert_cmpuint (calls->len, <=, rule->max_attempts);
      g_assert_cmpuint (calls->len, ==, lead->attempts);
      for (guint i = 0; i < calls->len; i++)
        {
          const CbSimCall *call = cb_sim_engine_get_history_call (engine, calls->pdata[i]);

          g_assert_nonnull (call);
          g_assert_cmpint (call->disposition, ==, CB_SIM_DISPOSITION_BUSY);
          if (i > 0)
            {
              /* The delay runs from the end of the attempt (busy tone detected). */
              g_assert_cmpint (call->created_ms - previous, >=, rule->delay_ms);
              min_gap = MIN (min_gap, call->created_ms - previous);
            }
          previous = call->ended_ms;
        }
      if (calls->len == rule->max_attempts)
        {
          exhausted++;
          g_assert_cmpint (lead->status, ==, CB_SIM_LEAD_DONE);
        }
    }

  g_test_message ("always busy: %u dials to %u leads, %u with all %u attempts; "
                  "shortest retry gap %.1f min (rule: %.0f min); dials outside the window: %u",
                  log.n_dials, g_hash_table_size (log.dials), exhausted, rule->max_attempts,
                  min_gap / 60000.0, rule->delay_ms / 60000.0, log.outside_window);
  g_assert_cmpuint (log.outside_window, ==, 0);
  g_assert_cmpuint (g_hash_table_size (log.dials), ==, campaign->n_leads);
  /* The retries happened: nearly every lead used all its attempts. */
  g_assert_cmpuint (exhausted, >, 0.95 * campaign->n_leads);
  g_assert_cmpint (min_gap, <, rule->delay_ms + 5 * MINUTE_MS);
  g_hash_table_unref (log.dials);
}

/* Mixed outcomes: every retry honours the rule of the previous attempt's
 * outcome, and no lead is ever dialed outside 09:00–20:00 of its own time. */
static void
test_retry_rules_and_windows (void)
{
  g_autoptr(CbSimEngine) engine = NULL;
  DialLog log = { 0, };
  const CbSimCampaignConfig *config;
  GHashTableIter iter;
  gpointer key, value;
  guint retried[CB_SIM_N_DISPOSITIONS] = { 0, };
  guint by_zone[4] = { 0, };

  engine = run_retry_campaign (72, FALSE, &log);
  config = &cb_sim_engine_get_config (engine)->campaign;

  g_hash_table_iter_init (&iter, log.dials);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *calls = value;
      const CbSimLead *lead = cb_sim_engine_get_lead (engine, key);

      g_assert_cmpuint (calls->len, ==, lead->attempts);
      for (guint i = 0; i + 1 < calls->len; i++)
        {
          const CbSimCall *call = cb_sim_engine_get_history_call (engine, calls->pdata[i]);
          const CbSimCall *next = cb_sim_engine_get_history_call (engine, calls->pdata[i + 1]);
          gint64 delay;
          guint max_attempts;

          if (next == NULL)
            next = cb_sim_engine_get_call (engine, calls->pdata[i + 1]);
          g_assert_nonnull (call);
          g_assert_nonnull (next);

          /* A person is retried only for a callback they asked for. */
          g_assert_cmpint (call->disposition, !=, CB_SIM_DISPOSITION_SALE);
          g_assert_cmpint (call->disposition, !=, CB_SIM_DISPOSITION_NOT_INTERESTED);
          g_assert_cmpint (call->disposition, !=, CB_SIM_DISPOSITION_DNC);
          g_assert_cmpint (call->disposition, !=, CB_SIM_DISPOSITION_HUMAN);
          if (call->disposition == CB_SIM_DISPOSITION_CALLBACK)
            {
              delay = config->callback_delay_ms;
              max_attempts = 6;
            }
          else
            {
              delay = config->retry[call->disposition].delay_ms;
              max_attempts = config->retry[call->disposition].max_attempts;
            }
          /* The attempt that ended with this outcome was attempt i + 1. */
          g_assert_cmpuint (i + 1, <, max_attempts);
          g_assert_cmpint (next->created_ms - call->ended_ms, >=, delay);
          retried[call->disposition]++;
        }
      for (guint z = 0; z < 4; z++)
        by_zone[z] += lead->utc_offset_min == zones[z];
    }

  g_test_message ("%u dials over 3 days, %u outside the calling window; retries after "
                  "busy %u, no answer %u, machine %u, dropped %u, callbacks %u; "
                  "leads dialed by zone (UTC−5, 0, +2, +9): %u %u %u %u",
                  log.n_dials, log.outside_window, retried[CB_SIM_DISPOSITION_BUSY],
                  retried[CB_SIM_DISPOSITION_NO_ANSWER], retried[CB_SIM_DISPOSITION_MACHINE],
                  retried[CB_SIM_DISPOSITION_DROPPED], retried[CB_SIM_DISPOSITION_CALLBACK],
                  by_zone[0], by_zone[1], by_zone[2], by_zone[3]);
  g_assert_cmpuint (log.outside_window, ==, 0);
  g_assert_cmpuint (log.n_dials, >, 5000);
  g_assert_cmpuint (retried[CB_SIM_DISPOSITION_BUSY], >, 0);
  g_assert_cmpuint (retried[CB_SIM_DISPOSITION_NO_ANSWER], >, 0);
  g_assert_cmpuint (retried[CB_SIM_DISPOSITION_MACHINE], >, 0);
  g_assert_cmpuint (retried[CB_SIM_DISPOSITION_INVALID], ==, 0);
  for (guint z = 0; z < 4; z++)
    g_assert_cmpuint (by_zone[z], >, 100);
  g_hash_table_unref (log.dials);
}

/* Lead lists, DNC and attempt limits ------------------------------------------------ */

typedef struct
{
  GPtrArray *lists;     /* char *: the list of each dial, in order */
  GPtrArray *numbers;   /* char * */
  GArray    *attempts;  /* guint: the lead's attempt number */
  GArray    *times;     /* gint64 */
} ListLog;

static void
on_change_lists (CbSimEngine     *engine,
                 CbSimChangeKind  kind,
                 CbSimEntityType  type,
                 const char      *id,
                 gpointer         user_data)
{
  ListLog *log = user_data;
  const CbSimCall *call;
  const CbSimLead *lead;

  if (type != CB_SIM_ENTITY_CALL || kind != CB_SIM_CHANGE_UPSERT)
    return;
  call = cb_sim_engine_get_call (engine, id);
  if (call->direction != CB_SIM_DIRECTION_OUTBOUND || call->rev != 1)
    return;
  lead = cb_sim_engine_get_lead (engine, call->lead_id);
  g_assert_nonnull (lead);
  g_ptr_array_add (log->lists, g_strdup (lead->list_id));
  g_ptr_array_add (log->numbers, g_strdup (lead->phone));
  g_array_append_val (log->attempts, lead->attempts);
  g_array_append_val (log->times, call->created_ms);
}

static void
list_log_clear (ListLog *log)
{
  g_ptr_array_unref (log->lists);
  g_ptr_array_unref (log->numbers);
  g_array_unref (log->attempts);
  g_array_unref (log->times);
}

/* One campaign, every dial unanswered and retried after 5 minutes, open
 * around the clock, with @n_leads of its own. */
static CbSimEngine *
unanswered_campaign (guint    n_leads,
                     ListLog *log)
{
  CbSimConfig config;
  CbSimEngine *engine;

  default_config (&config);
  config.seed = 5;
  config.n_agents = 10;
  config.n_queues = 0;
  config.n_campaigns = 1;
  config.outbound_share = 1.0;
  config.shift_length_ms = 0;
  config.campaign.mixed_modes = FALSE;
  config.campaign.dial_mode = CB_SIM_DIAL_PROGRESSIVE;
  config.campaign.n_leads = n_leads;
  config.campaign.window_start_min = 0;
  config.campaign.window_end_min = 24 * 60;
  config.campaign.n_lead_zones = 1;
  config.campaign.lead_zones_min[0] = 120;
  config.campaign.lead_zone_weights[0] = 1.0;
  memset (config.campaign.odds, 0, sizeof config.campaign.odds);
  config.campaign.odds[CB_SIM_DISPOSITION_NO_ANSWER] = 1.0;
  config.campaign.retry[CB_SIM_DISPOSITION_NO_ANSWER] = (CbSimRetryRule) { 5 * MINUTE_MS, 20 };
  engine = cb_sim_engine_new (&config);

  log->lists = g_ptr_array_new_with_free_func (g_free);
  log->numbers = g_ptr_array_new_with_free_func (g_free);
  log->attempts = g_array_new (FALSE, FALSE, sizeof (guint));
  log->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  cb_sim_engine_add_listener (engine, on_change_lists, log, NULL);
  return engine;
}

static void
add_leads (CbSimEngine *engine,
           const char  *list_id,
           guint        n,
           guint        first_number)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%03u", list_id, i);
      g_autofree char *number = g_strdup_printf ("+3725%07u", first_number + i);

      g_assert_cmpint (cb_sim_engine_add_lead (engine, "campaign-01", list_id, id, number, 120), ==, CB_SIM_OK);
    }
}

/* Fresh leads of the list with the highest priority go first; lists of
 * equal priority take turns; a list left out is not dialed; a removed lead
 * is never dialed. */
static void
test_lead_list_priorities (void)
{
  g_autoptr(CbSimEngine) engine = NULL;
  ListLog log;
  const CbSimCampaign *campaign;
  const CbSimListRef lists[] = {
    { "ll-campaign-01", 1 }, { "ll-a", 5 }, { "ll-b", 5 }, { "ll-c", 3 },
  };
  guint fresh = 0, a = 0, b = 0, worst_gap = 0, c_first = G_MAXUINT, own_first = G_MAXUINT, c_last = 0;
  guint hidden = 0;

  engine = unanswered_campaign (50, &log);
  campaign = cb_sim_engine_get_campaign (engine, "campaign-01");
  g_assert_cmpint (cb_sim_engine_set_campaign_lists (engine, "campaign-01", NULL, 0), ==, CB_SIM_OK);
  g_assert_cmpuint (campaign->stats.leads_total, ==, 0);
  add_leads (engine, "ll-a", 20, 1000);
  add_leads (engine, "ll-b", 20, 2000);
  add_leads (engine, "ll-c", 20, 3000);
  add_leads (engine, "ll-hidden", 20, 4000);
  g_assert_cmpint (cb_sim_engine_add_lead (engine, "campaign-01", "ll-a", "ll-a-000", "+3725000", 120), ==,
                   CB_SIM_ERROR_INVALID_STATE);
  g_assert_cmpint (cb_sim_engine_add_lead (engine, "campaign-01", "ll-a", "an-id-longer-than-the-engine-keeps",
                                           "+3725000", 120), ==, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (cb_sim_engine_remove_lead (engine, "ll-c-007"), ==, CB_SIM_OK);
  g_assert_cmpint (cb_sim_engine_remove_lead (engine, "ll-c-007"), ==, CB_SIM_ERROR_NOT_FOUND);
  g_assert_cmpint (cb_sim_engine_set_campaign_lists (engine, "campaign-01", lists, G_N_ELEMENTS (lists)), ==,
                   CB_SIM_OK);
  g_assert_cmpuint (campaign->stats.leads_total, ==, 50 + 20 + 20 + 19);
  g_assert_cmpuint (campaign->stats.leads_dialable + campaign->stats.lines_dialing, ==, 50 + 20 + 20 + 19);

  cb_sim_engine_advance_to (engine, start_of (engine) + 2 * HOUR_MS);
  for (guint i = 0; i < log.lists->len; i++)
    {
      const char *list = g_ptr_array_index (log.lists, i);

      hidden += g_str_equal (list, "ll-hidden");
      g_assert_cmpstr (g_ptr_array_index (log.numbers, i), !=, "+37250003007");
      if (g_array_index (log.attempts, guint, i) != 1)
        continue;
      fresh++;
      if (g_str_equal (list, "ll-a") || g_str_equal (list, "ll-b"))
        {
          /* Both lists of priority 5 first, in turn. */
          g_assert_cmpuint (fresh, <=, 40);
          a += g_str_equal (list, "ll-a");
          b += g_str_equal (list, "ll-b");
          worst_gap = MAX (worst_gap, (guint) ABS ((int) a - (int) b));
        }
      else if (g_str_equal (list, "ll-c"))
        {
          c_first = MIN (c_first, fresh);
          c_last = fresh;
        }
      else
        own_first = MIN (own_first, fresh);
    }
  g_test_message ("%u fresh dials: ll-a %u, ll-b %u (at most %u apart), ll-c from %u to %u, "
                  "its own list from %u; %u of a list left out",
                  fresh, a, b, worst_gap, c_first, c_last, own_first, hidden);
  g_assert_cmpuint (a, ==, 20);
  g_assert_cmpuint (b, ==, 20);
  g_assert_cmpuint (worst_gap, <=, 1);
  g_assert_cmpuint (c_first, ==, 41);
  g_assert_cmpuint (c_last, ==, 59);
  g_assert_cmpuint (own_first, ==, 60);
  g_assert_cmpuint (hidden, ==, 0);
  list_log_clear (&log);
}

static gboolean
reject_number (CbSimEngine     *engine,
               const char      *campaign_id,
               const CbSimLead *lead,
               gpointer         user_data)
{
  return !g_str_equal (lead->phone, user_data);
}

/* Limits per number count the dials of every lead with that number; a
 * lead the dial check refuses is never dialed and becomes dnc. */
static void
test_attempt_limits_and_dial_check (void)
{
  g_autoptr(CbSimEngine) engine = NULL;
  ListLog log;
  const CbSimCampaign *campaign;
  const CbSimListRef lists[] = { { "ll-shared", 1 } };
  const CbSimAttemptLimit limits[] = {
    { 24 * HOUR_MS, 3, TRUE },       /* per number: 3 a day */
    { HOUR_MS, 2, FALSE },           /* per lead: 2 an hour */
  };
  const CbSimAttemptLimit bad[] = { { HOUR_MS, 0, FALSE } };
  const CbSimLead *refused;
  guint shared = 0, single = 0, refused_dials = 0;
  gint64 single_first = 0, single_last = 0;

  engine = unanswered_campaign (0, &log);
  campaign = cb_sim_engine_get_campaign (engine, "campaign-01");
  /* Three leads share one number; one lead has a number of its own. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("shared-%u", i);

      g_assert_cmpint (cb_sim_engine_add_lead (engine, "campaign-01", "ll-shared", id, "+3725999000", 120), ==,
                       CB_SIM_OK);
    }
  g_assert_cmpint (cb_sim_engine_add_lead (engine, "campaign-01", "ll-shared", "single", "+3725999001", 120), ==,
                   CB_SIM_OK);
  g_assert_cmpint (cb_sim_engine_add_lead (engine, "campaign-01", "ll-shared", "refused", "+3725999002", 120), ==,
                   CB_SIM_OK);
  g_assert_cmpint (cb_sim_engine_set_campaign_attempt_limits (engine, "campaign-01", bad, 1), ==,
                   CB_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (cb_sim_engine_set_campaign_attempt_limits (engine, "campaign-01", limits, G_N_ELEMENTS (limits)),
                   ==, CB_SIM_OK);
  cb_sim_engine_set_dial_check (engine, reject_number, (gpointer) "+3725999002");
  g_assert_cmpint (cb_sim_engine_set_campaign_lists (engine, "campaign-01", lists, 1), ==, CB_SIM_OK);

  cb_sim_engine_advance_to (engine, start_of (engine) + HOUR_MS);
  /* Counted today (until local midnight). */
  g_assert_cmpuint (campaign->stats.leads_skipped_dnc, ==, 1);
  cb_sim_engine_advance_to (engine, start_of (engine) + 20 * HOUR_MS);
  for (guint i = 0; i < log.numbers->len; i++)
    {
      const char *number = g_ptr_array_index (log.numbers, i);

      shared += g_str_equal (number, "+3725999000");
      if (g_str_equal (number, "+3725999001"))
        {
          single_last = g_array_index (log.times, gint64, i);
          single_first = single++ == 0 ? single_last : single_first;
        }
      refused_dials += g_str_equal (number, "+3725999002");
    }
  refused = cb_sim_engine_get_lead (engine, "refused");
  g_test_message ("20 h: the shared number dialed %u times, the single lead %u times (the last %.0f min "
                  "after the first), the refused one %u", shared, single, (single_last - single_first) / 60000.0,
                  refused_dials);
  /* 3 a day per number, whichever lead has it; 2 an hour per lead. */
  g_assert_cmpuint (shared, ==, 3);
  g_assert_cmpuint (single, ==, 3);
  g_assert_cmpint (single_last - single_first, >=, HOUR_MS);
  g_assert_cmpuint (refused_dials, ==, 0);
  g_assert_cmpint (refused->status, ==, CB_SIM_LEAD_DNC);
  g_assert_cmpuint (refused->attempts, ==, 0);
  /* The shared leads wait for the number's day to pass. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("shared-%u", i);
      const CbSimLead *lead = cb_sim_engine_get_lead (engine, id);

      if (lead->status == CB_SIM_LEAD_RETRY)
        g_assert_cmpint (lead->next_attempt_ms, >=, start_of (engine) + 24 * HOUR_MS);
    }
  list_log_clear (&log);
}

/* Agents -------------------------------------------------------------------- */

static const CbSimAgentState legal_agent[][2] = {
  { CB_SIM_AGENT_LOGGED_OUT, CB_SIM_AGENT_AVAILABLE },
  { CB_SIM_AGENT_AVAILABLE, CB_SIM_AGENT_RINGING },
  { CB_SIM_AGENT_AVAILABLE, CB_SIM_AGENT_ON_CALL },      /* outbound: the person answered */
  { CB_SIM_AGENT_AVAILABLE, CB_SIM_AGENT_PAUSED },
  { CB_SIM_AGENT_AVAILABLE, CB_SIM_AGENT_LOGGED_OUT },
  { CB_SIM_AGENT_RINGING, CB_SIM_AGENT_ON_CALL },
  { CB_SIM_AGENT_RINGING, CB_SIM_AGENT_AVAILABLE },      /* the caller hung up while it rang */
  { CB_SIM_AGENT_RINGING, CB_SIM_AGENT_PAUSED },         /* missed: ring no answer */
  { CB_SIM_AGENT_RINGING, CB_SIM_AGENT_LOGGED_OUT },     /* missed with a log-out pending */
  { CB_SIM_AGENT_ON_CALL, CB_SIM_AGENT_ON_HOLD },
  { CB_SIM_AGENT_ON_HOLD, CB_SIM_AGENT_ON_CALL },
  { CB_SIM_AGENT_ON_CALL, CB_SIM_AGENT_WRAP_UP },
  { CB_SIM_AGENT_WRAP_UP, CB_SIM_AGENT_AVAILABLE },
  { CB_SIM_AGENT_WRAP_UP, CB_SIM_AGENT_PAUSED },
  { CB_SIM_AGENT_WRAP_UP, CB_SIM_AGENT_LOGGED_OUT },
  { CB_SIM_AGENT_PAUSED, CB_SIM_AGENT_AVAILABLE },
  { CB_SIM_AGENT_PAUSED, CB_SIM_AGENT_PAUSED },          /* another reason */
  { CB_SIM_AGENT_PAUSED, CB_SIM_AGENT_LOGGED_OUT },
};

static const CbSimCallState legal_call[][2] = {
  { CB_SIM_CALL_QUEUED, CB_SIM_CALL_QUEUED },            /* created */
  { CB_SIM_CALL_QUEUED, CB_SIM_CALL_RINGING },           /* offered; or an outbound dial created */
  { CB_SIM_CALL_QUEUED, CB_SIM_CALL_ENDED },             /* abandoned, dropped */
  { CB_SIM_CALL_QUEUED, CB_SIM_CALL_CONNECTED },         /* outbound: an agent came within 2 s */
  { CB_SIM_CALL_RINGING, CB_SIM_CALL_CONNECTED },
  { CB_SIM_CALL_RINGING, CB_SIM_CALL_QUEUED },           /* missed ring; outbound person waiting */
  { CB_SIM_CALL_RINGING, CB_SIM_CALL_ENDED },            /* abandoned while ringing; dial failed */
  { CB_SIM_CALL_CONNECTED, CB_SIM_CALL_ON_HOLD },
  { CB_SIM_CALL_ON_HOLD, CB_SIM_CALL_CONNECTED },
  { CB_SIM_CALL_CONNECTED, CB_SIM_CALL_WRAP_UP },
  { CB_SIM_CALL_CONNECTED, CB_SIM_CALL_QUEUED },         /* blind transfer */
  { CB_SIM_CALL_WRAP_UP, CB_SIM_CALL_ENDED },
};

typedef struct
{
  GHashTable *agent_state;     /* id → state + 1 */
  GHashTable *call_state;
  GHashTable *ended_at;        /* id → ended instant */
  guint       agent_seen[CB_SIM_AGENT_N_STATES][CB_SIM_AGENT_N_STATES];
  guint       call_seen[CB_SIM_CALL_ENDED + 1][CB_SIM_CALL_ENDED + 1];
  guint       bad_agent;
  guint       bad_call;
  guint       deletes;
  guint       bad_deletes;
  gint64      linger_ms;
} Transitions;

static gboolean
agent_transition_legal (CbSimAgentState from,
                        CbSimAgentState to)
{
  for (guint i = 0; i < G_N_ELEMENTS (legal_agent); i++)
    if (legal_agent[i][0] == from && legal_agent[i][1] == to)
      return TRUE;
  return FALSE;
}

static gboolean
call_transition_legal (CbSimCallState from,
                       CbSimCallState to)
{
  for (guint i = 0; i < G_N_ELEMENTS (legal_call); i++)
    if (legal_call[i][0] == from && legal_call[i][1] == to)
      return TRUE;
  return FALSE;
}

static void
on_change_transitions (CbSimEngine     *engine,
                       CbSimChangeKind  kind,
                       CbSimEntityType  type,
                       const char      *id,
                       gpointer         user_data)
{
  Transitions *t = user_data;

  if (type == CB_SIM_ENTITY_AGENT)
    {
      const CbSimAgent *agent = cb_sim_engine_get_agent (engine, id);
      gpointer old = g_hash_table_lookup (t->agent_state, id);
      gboolean engaged = agent->state == CB_SIM_AGENT_RINGING ||
                         agent->state == CB_SIM_AGENT_ON_CALL ||
                         agent->state == CB_SIM_AGENT_ON_HOLD ||
                         agent->state == CB_SIM_AGENT_WRAP_UP;

      /* An agent handling a call says which. */
      g_assert_true (!engaged || agent->call_id != NULL);
      g_assert_true (agent->state == CB_SIM_AGENT_PAUSED || agent->pause_reason == NULL);
      g_assert_true (agent->state != CB_SIM_AGENT_PAUSED || agent->pause_reason != NULL);
      g_assert_cmpint (agent->state_since_ms, <=, cb_sim_engine_get_now (engine));

      /* An upsert in the same state is another change (counters, a pending
       * request, a new pause reason), not a transition. */
      if (old != NULL && GPOINTER_TO_INT (old) - 1 != (int) agent->state)
        {
          CbSimAgentState from = GPOINTER_TO_INT (old) - 1;

          g_assert_cmpint (agent->state_since_ms, ==, cb_sim_engine_get_now (engine));
          t->agent_seen[from][agent->state]++;
          if (!agent_transition_legal (from, agent->state))
            {
              g_test_message ("illegal agent transition %s: %s → %s", id,
                              cb_sim_agent_state_to_string (from),
                              cb_sim_agent_state_to_string (agent->state));
              t->bad_agent++;
            }
        }
      g_hash_table_insert (t->agent_state, (gpointer) agent->id,
                           GINT_TO_POINTER (agent->state + 1));
    }
  else if (type == CB_SIM_ENTITY_CALL && kind == CB_SIM_CHANGE_UPSERT)
    {
      const CbSimCall *call = cb_sim_engine_get_call (engine, id);
      gpointer old = g_hash_table_lookup (t->call_state, id);
      CbSimCallState from = old != NULL ? GPOINTER_TO_INT (old) - 1 : CB_SIM_CALL_QUEUED;

      if (from != call->state || old == NULL)
        {
          t->call_seen[from][call->state]++;
          if (!call_transition_legal (from, call->state))
            {
              g_test_message ("illegal call transition %s: %s → %s", id,
                              cb_sim_call_state_to_string (from),
                              cb_sim_call_state_to_string (call->state));
              t->bad_call++;
            }
        }
      g_hash_table_insert (t->call_state, (gpointer) call->id, GINT_TO_POINTER (call->state + 1));
      if (call->state == CB_SIM_CALL_ENDED)
        g_hash_table_insert (t->ended_at, g_strdup (call->id), g_memdup2 (&call->state_since_ms,
                                                                          sizeof (gint64)));
    }
  else if (type == CB_SIM_ENTITY_CALL)
    {
      gint64 *ended = g_hash_table_lookup (t->ended_at, id);

      /* Ended calls stay readable for the linger time, then go. */
      t->deletes++;
      if (ended == NULL || cb_sim_engine_get_now (engine) - *ended != t->linger_ms ||
          cb_sim_engine_get_call (engine, id) != NULL)
        t->bad_deletes++;
      g_hash_table_remove (t->call_state, id);
      g_hash_table_remove (t->ended_at, id);
    }
}

static void
test_agent_states (void)
{
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  Transitions t = { 0, };
  gint64 agent_talk = 0, agent_hold = 0, call_talk = 0, call_hold = 0;
  gint64 queue_talk = 0, inbound_talk = 0;
  guint handled = 0, legs = 0;
  guint transitions = 0;

  default_config (&config);
  config.seed = 81;
  engine = cb_sim_engine_new (&config);
  t.agent_state = g_hash_table_new (g_str_hash, g_str_equal);
  t.call_state = g_hash_table_new (g_str_hash, g_str_equal);
  t.ended_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  t.linger_ms = config.ended_linger_ms;
  for (guint i = 0; i < cb_sim_engine_get_n_agents (engine); i++)
    {
      const CbSimAgent *agent = cb_sim_engine_get_agent_nth (engine, i);

      g_hash_table_insert (t.agent_state, (gpointer) agent->id, GINT_TO_POINTER (agent->state + 1));
    }
  cb_sim_engine_add_listener (engine, on_change_transitions, &t, NULL);

  /* 08:00 to 23:30: every shift is over, every call ended. */
  cb_sim_engine_advance_to (engine, start_of (engine) + 15 * HOUR_MS + 30 * MINUTE_MS);

  for (guint from = 0; from < CB_SIM_AGENT_N_STATES; from++)
    for (guint to = 0; to < CB_SIM_AGENT_N_STATES; to++)
      transitions += t.agent_seen[from][to];
  g_test_message ("%u agent transitions (%u illegal), %u call deletes (%u early or late); "
                  "available→ringing %u, ringing→on_call %u, on_call→on_hold %u, "
                  "wrap_up→paused %u, ringing→paused (missed) %u, "
                  "ringing→available (caller gone) %u, available→on_call (outbound) %u",
                  transitions, t.bad_agent, t.deletes, t.bad_deletes,
                  t.agent_seen[CB_SIM_AGENT_AVAILABLE][CB_SIM_AGENT_RINGING],
                  t.agent_seen[CB_SIM_AGENT_RINGING][CB_SIM_AGENT_ON_CALL],
                  t.agent_seen[CB_SIM_AGENT_ON_CALL][CB_SIM_AGENT_ON_HOLD],
                  t.agent_seen[CB_SIM_AGENT_WRAP_UP][CB_SIM_AGENT_PAUSED],
                  t.agent_seen[CB_SIM_AGENT_RINGING][CB_SIM_AGENT_PAUSED],
                  t.agent_seen[CB_SIM_AGENT_RINGING][CB_SIM_AGENT_AVAILABLE],
                  t.agent_seen[CB_SIM_AGENT_AVAILABLE][CB_SIM_AGENT_ON_CALL]);

  g_assert_cmpuint (t.bad_agent, ==, 0);
  g_assert_cmpuint (t.bad_call, ==, 0);
  g_assert_cmpuint (t.bad_deletes, ==, 0);
  g_assert_cmpuint (t.deletes, >, 10000);
  /* The whole machine was exercised. */
  for (guint i = 0; i < G_N_ELEMENTS (legal_agent); i++)
    {
      CbSimAgentState from = legal_agent[i][0];
      CbSimAgentState to = legal_agent[i][1];

      /* Rare by design: a missed ring while a log-out is pending. */
      if (from == to || (from == CB_SIM_AGENT_RINGING && to == CB_SIM_AGENT_LOGGED_OUT))
        continue;
      if (t.agent_seen[from][to] == 0)
        g_test_message ("never seen: %s → %s", cb_sim_agent_state_to_string (from),
                        cb_sim_agent_state_to_string (to));
      g_assert_cmpuint (t.agent_seen[from][to], >, 0);
    }

  /* Counters add up: the agents' time on call and on hold is the calls'. */
  for (guint i = 0; i < cb_sim_engine_get_n_agents (engine); i++)
    {
      const CbSimAgent *agent = cb_sim_engine_get_agent_nth (engine, i);

      g_assert_cmpint (agent->state, ==, CB_SIM_AGENT_LOGGED_OUT);
      g_assert_null (agent->call_id);
      g_assert_false (agent->has_pending);
      agent_talk += agent->state_ms_today[CB_SIM_AGENT_ON_CALL];
      agent_hold += agent->state_ms_today[CB_SIM_AGENT_ON_HOLD];
      handled += agent->calls_handled_today;
    }
  g_assert_cmpuint (cb_sim_engine_get_n_live_calls (engine), ==, 0);
  for (guint i = 0; i < cb_sim_engine_get_history_length (engine); i++)
    {
      const CbSimCall *call = cb_sim_engine_get_history_nth (engine, i);

      call_talk += call->talk_ms;
      call_hold += call->hold_ms;
      if (call->direction == CB_SIM_DIRECTION_INBOUND)
        {
          inbound_talk += call->talk_ms;
          legs += (call->transfer_from_agent_id != NULL) + (call->queue_answered_ms != 0);
        }
      else
        {
          legs += call->connected_ms != 0;
        }
      for (guint h = 0; h < call->hold_count; h++)
        g_assert_cmpint (call->holds[h].end_ms, >, call->holds[h].start_ms);
    }
  for (guint q = 0; q < cb_sim_engine_get_n_queues (engine); q++)
    queue_talk += cb_sim_engine_get_queue_nth (engine, q)->stats.talk_ms;

  g_test_message ("talk: agents %.1f h, calls %.1f h; hold: agents %.1f h, calls %.1f h; "
                  "%u legs handled", agent_talk / 3.6e6, call_talk / 3.6e6,
                  agent_hold / 3.6e6, call_hold / 3.6e6, handled);
  g_assert_cmpint (agent_talk, ==, call_talk);
  g_assert_cmpint (agent_hold, ==, call_hold);
  g_assert_cmpint (queue_talk, ==, inbound_talk);
  g_assert_cmpuint (handled, ==, legs);

  g_hash_table_unref (t.agent_state);
  g_hash_table_unref (t.call_state);
  g_hash_table_unref (t.ended_at);
}

static const CbSimAgent *
find_agent (CbSimEngine     *engine,
            CbSimAgentState  state,
            gboolean         inbound)
{
  for (guint i = 0; i < cb_sim_engine_get_n_agents (engine); i++)
    {
      const CbSimAgent *agent = cb_sim_engine_get_agent_nth (engine, i);

      if (agent->state == state && (agent->campaign_id == NULL) == inbound && !agent->has_pending)
        return agent;
    }
  return NULL;
}

/* Advance in small steps until @agent leaves its call (wrap-up included). */
static void
advance_until_free (CbSimEngine      *engine,
                    const CbSimAgent *agent)
{
  gint64 limit = cb_sim_engine_get_now (engine) + 2 * HOUR_MS;

  while (agent->call_id != NULL && cb_sim_engine_get_now (engine) < limit)
    cb_sim_engine_advance_to (engine, cb_sim_engine_get_now (engine) + 1000);
}

static void
test_agent_commands (void)
{
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  const CbSimAgent *agent;
  gboolean pending = FALSE;
  guint64 rev;

  default_config (&config);
  config.seed = 82;
  engine = cb_sim_engine_new (&config);
  cb_sim_engine_advance_to (engine, start_of (engine) + 2 * HOUR_MS);

  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, "agent-9999", CB_SIM_AGENT_PAUSED,
                                                  "LUNCH", NULL),
                   ==, CB_SIM_ERROR_NOT_FOUND);

  /* Available: pause, change the reason, resume, log out, log in. */
  agent = find_agent (engine, CB_SIM_AGENT_AVAILABLE, TRUE);
  g_assert_nonnull (agent);
  rev = agent->rev;
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_PAUSED, "NAP",
                                                  NULL),
                   ==, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_PAUSED, NULL,
                                                  NULL),
                   ==, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_ON_CALL, NULL,
                                                  NULL),
                   ==, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (agent->rev, ==, rev);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_PAUSED, "LUNCH",
                                                  &pending),
                   ==, CB_SIM_OK);
  g_assert_false (pending);
  g_assert_cmpint (agent->state, ==, CB_SIM_AGENT_PAUSED);
  g_assert_cmpstr (agent->pause_reason, ==, "LUNCH");
  g_assert_cmpint (agent->state_since_ms, ==, cb_sim_engine_get_now (engine));
  g_assert_cmpuint (agent->rev, >, rev);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_PAUSED,
                                                  "COACHING", NULL),
                   ==, CB_SIM_OK);
  g_assert_cmpstr (agent->pause_reason, ==, "COACHING");
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_AVAILABLE, NULL,
                                                  NULL),
                   ==, CB_SIM_OK);
  /* Resumed; it may have taken a waiting call at once. */
  g_assert_true (agent->state == CB_SIM_AGENT_AVAILABLE || agent->state == CB_SIM_AGENT_RINGING);

  /* Paused, then logged out (at once), then logged in again. */
  agent = find_agent (engine, CB_SIM_AGENT_AVAILABLE, TRUE);
  g_assert_nonnull (agent);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_PAUSED,
                                                  "COACHING", NULL),
                   ==, CB_SIM_OK);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_LOGGED_OUT,
                                                  "LUNCH", NULL),
                   ==, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_LOGGED_OUT, NULL,
                                                  &pending),
                   ==, CB_SIM_OK);
  g_assert_false (pending);
  g_assert_cmpint (agent->state, ==, CB_SIM_AGENT_LOGGED_OUT);
  g_assert_cmpint (agent->login_ms, ==, 0);
  g_assert_null (agent->pause_reason);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_LOGGED_OUT, NULL,
                                                  NULL),
                   ==, CB_SIM_OK);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_PAUSED, "LUNCH",
                                                  NULL),
                   ==, CB_SIM_ERROR_INVALID_STATE);
  cb_sim_engine_advance_to (engine, cb_sim_engine_get_now (engine) + 10 * MINUTE_MS);
  g_assert_cmpint (agent->state, ==, CB_SIM_AGENT_LOGGED_OUT);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_AVAILABLE, NULL,
                                                  NULL),
                   ==, CB_SIM_OK);
  g_assert_cmpint (agent->login_ms, ==, cb_sim_engine_get_now (engine));
  g_assert_true (agent->state == CB_SIM_AGENT_AVAILABLE || agent->state == CB_SIM_AGENT_RINGING);

  /* On a call: "available" is refused; a pause waits for the wrap-up to end. */
  agent = find_agent (engine, CB_SIM_AGENT_ON_CALL, TRUE);
  g_assert_nonnull (agent);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_AVAILABLE, NULL,
                                                  NULL),
                   ==, CB_SIM_ERROR_INVALID_STATE);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_PAUSED, "BREAK",
                                                  &pending),
                   ==, CB_SIM_OK);
  g_assert_true (pending);
  g_assert_cmpint (agent->state, ==, CB_SIM_AGENT_ON_CALL);
  g_assert_true (agent->has_pending);
  g_assert_cmpint (agent->pending_state, ==, CB_SIM_AGENT_PAUSED);
  g_assert_cmpstr (agent->pending_reason, ==, "BREAK");
  advance_until_free (engine, agent);
  g_assert_cmpint (agent->state, ==, CB_SIM_AGENT_PAUSED);
  g_assert_cmpstr (agent->pause_reason, ==, "BREAK");
  g_assert_false (agent->has_pending);

  /* A log-out during a call is pending too, and applied after the wrap-up. */
  agent = find_agent (engine, CB_SIM_AGENT_ON_CALL, TRUE);
  g_assert_nonnull (agent);
  g_assert_cmpint (cb_sim_engine_set_agent_state (engine, agent->id, CB_SIM_AGENT_LOGGED_OUT, NULL,
                                                  &pending),
                   ==, CB_SIM_OK);
  g_assert_true (pending);
  advance_until_free (engine, agent);
  g_assert_cmpint (agent->state, ==, CB_SIM_AGENT_LOGGED_OUT);
  g_assert_false (agent->has_pending);
}

static guint
dials_in (CbSimEngine         *engine,
          const CbSimCampaign *campaign,
          gint64               duration_ms)
{
  guint before = campaign->stats.dials;

  cb_sim_engine_advance_to (engine, cb_sim_engine_get_now (engine) + duration_ms);
  return campaign->stats.dials - before;
}

static void
test_campaign_commands (void)
{
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  const CbSimCampaign *campaign;
  guint n_points;

  default_config (&config);
  config.seed = 91;
  config.n_campaigns = 4;
  engine = cb_sim_engine_new (&config);
  cb_sim_engine_advance_to (engine, start_of (engine) + 3 * HOUR_MS);

  campaign = cb_sim_engine_get_campaign (engine, "campaign-03");
  g_assert_nonnull (campaign);
  g_assert_cmpint (campaign->dial_mode, ==, CB_SIM_DIAL_POWER);
  g_assert_cmpint (campaign->status, ==, CB_SIM_CAMPAIGN_RUNNING);
  g_assert_cmpuint (dials_in (engine, campaign, 10 * MINUTE_MS), >, 0);

  g_assert_cmpint (cb_sim_engine_pause_campaign (engine, "campaign-99"), ==,
                   CB_SIM_ERROR_NOT_FOUND);
  g_assert_cmpint (cb_sim_engine_pause_campaign (engine, campaign->id), ==, CB_SIM_OK);
  g_assert_cmpint (campaign->status, ==, CB_SIM_CAMPAIGN_PAUSED);
  g_assert_cmpuint (dials_in (engine, campaign, 10 * MINUTE_MS), ==, 0);
  g_assert_cmpint (cb_sim_engine_start_campaign (engine, campaign->id), ==, CB_SIM_OK);
  g_assert_cmpuint (dials_in (engine, campaign, 10 * MINUTE_MS), >, 0);
  g_assert_cmpint (cb_sim_engine_stop_campaign (engine, campaign->id), ==, CB_SIM_OK);
  g_assert_cmpint (cb_sim_engine_pause_campaign (engine, campaign->id), ==,
                   CB_SIM_ERROR_INVALID_STATE);
  g_assert_cmpuint (dials_in (engine, campaign, 10 * MINUTE_MS), ==, 0);
  g_assert_cmpint (cb_sim_engine_start_campaign (engine, campaign->id), ==, CB_SIM_OK);
  g_assert_cmpint (cb_sim_engine_start_campaign (engine, campaign->id), ==, CB_SIM_OK);

  g_assert_cmpint (cb_sim_engine_set_campaign_dial_level (engine, campaign->id, 0.5), ==,
                   CB_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (cb_sim_engine_set_campaign_dial_level (engine, campaign->id, 11.0), ==,
                   CB_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (cb_sim_engine_set_campaign_dial_level (engine, campaign->id, 2.0), ==,
                   CB_SIM_OK);
  g_assert_cmpfloat (campaign->dial_level_current, ==, 2.0);
  g_assert_cmpint (cb_sim_engine_set_campaign_dial_mode (engine, campaign->id,
                                                         CB_SIM_DIAL_PREDICTIVE), ==, CB_SIM_OK);
  g_assert_cmpfloat (campaign->dial_level_current, ==, 1.0);
  g_assert_cmpint (cb_sim_engine_set_campaign_max_abandon (engine, campaign->id, 150.0), ==,
                   CB_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (cb_sim_engine_set_campaign_max_abandon (engine, campaign->id, 2.0), ==,
                   CB_SIM_OK);
  g_assert_cmpfloat (campaign->max_abandon_pct, ==, 2.0);
  g_assert_cmpint (cb_sim_engine_set_campaign_dial_mode (engine, campaign->id,
                                                         CB_SIM_DIAL_PREVIEW), ==, CB_SIM_OK);
  g_assert_cmpuint (dials_in (engine, campaign, 20 * MINUTE_MS), >, 0);
  cb_sim_engine_get_level_history (engine, campaign, &n_points);
  g_assert_cmpuint (n_points, >=, 4);
}

/* Scale ---------------------------------------------------------------------- */

static void
test_scale (void)
{
  CbSimConfig config;
  g_autoptr(CbSimEngine) engine = NULL;
  gint64 t0, t1, t2, t3;
  guint logged_in = 0;
  guint64 events;

  default_config (&config);
  config.seed = 101;
  config.n_agents = 10000;
  config.n_queues = 1000;
  config.n_campaigns = 50;
  config.n_teams = 40;
  config.start_ms = cb_sim_local_time_ms ("Europe/Tallinn", 2026, 11, 23, 10, 30);

  t0 = g_get_monotonic_time ();
  engine = cb_sim_engine_new (&config);
  t1 = g_get_monotonic_time ();
  cb_sim_engine_advance_to (engine, config.start_ms + MINUTE_MS);
  t2 = g_get_monotonic_time ();
  events = cb_sim_engine_get_n_events (engine);
  cb_sim_engine_advance_to (engine, config.start_ms + 10 * MINUTE_MS);
  t3 = g_get_monotonic_time ();

  for (guint i = 0; i < cb_sim_engine_get_n_agents (engine); i++)
    logged_in += cb_sim_engine_get_agent_nth (engine, i)->state != CB_SIM_AGENT_LOGGED_OUT;

  g_test_message ("10,000 agents, 1,000 queues, 50 campaigns (250,000 leads): built in %.0f ms; "
                  "first simulated minute %.0f ms (%" G_GUINT64_FORMAT " events); "
                  "minutes 2–10 %.0f ms (%" G_GUINT64_FORMAT " events); "
                  "%u agents logged in, %u live calls",
                  (t1 - t0) / 1000.0, (t2 - t1) / 1000.0, events, (t3 - t2) / 1000.0,
                  cb_sim_engine_get_n_events (engine) - events, logged_in,
                  cb_sim_engine_get_n_live_calls (engine));
  g_assert_cmpuint (events, >, 1000);
  g_assert_cmpuint (logged_in, >, 5000);
  g_assert_cmpuint (cb_sim_engine_get_n_live_calls (engine), >, 1000);
}

/* The demo's day (callboard-sim --warm-up): the center where it is late
 * morning, its day lived from local midnight up to now, campaign-01 on the
 * demo's US rule set (08:00–21:00 in the lead's time, every day) with a
 * schedule open all day in Chicago. Its agents come on shift from 07:00 in
 * the center, so a list whose leads are all in one region has its window
 * closed all through the warm-up at some hours of the day: the leads are
 * spread over time zones, and the dialer dials all through the warm-up
 * and after, never outside a lead's window. */
static void
test_demo_day_dials (void)
{
  static const guint start_min[7] = { 480, 480, 480, 480, 480, 480, 480 };
  static const guint end_min[7] = { 1260, 1260, 1260, 1260, 1260, 1260, 1260 };
  static const CbSimAttemptLimit limits[] = {
    { .window_ms = 24 * HOUR_MS, .max = 3, .per_number = FALSE },
    { .window_ms = 168 * HOUR_MS, .max = 7, .per_number = TRUE },
  };
  static const CbSimScheduleWindow all_day = { 0x7f, 0, 1440 };
  static const guint exclude[] = { 20261225, 20270101 };

  /* Started at a quarter past every hour of a December day (UTC), with the
   * center where it is then about 11:00, as callboard-sim picks it. */
  for (int hour = 0; hour < 24; hour++)
    {
      g_autoptr(CbSimEngine) engine = NULL;
      g_autoptr(GHashTable) dials = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) g_ptr_array_unref);
      DialLog log = { dials, 0, 0, 8 * 60, 21 * 60 };
      CbSimSchedule schedule = { "America/Chicago", &all_day, 1, 0, 0, NULL, 0 };
      const CbSimCampaign *campaign;
      CbSimConfig config;
      gint64 now = cb_sim_local_time_ms ("UTC", 2026, 12, 2, hour, 15);
      int offset_h = (11 - hour + 36) % 24 - 12;   /* −12 … +11 */
      g_autofree char *center = g_strdup_printf ("Etc/GMT%+d", -offset_h);
      gint64 local = now + offset_h * HOUR_MS;
      guint warm_dials;

      /* As the world makes it. */
      cb_sim_config_init_demo (&config);
      config.seed = 1;
      config.n_agents = 40;
      config.n_queues = 4;
      config.n_campaigns = 2;
      config.time_zone = center;
      config.start_ms = local - local % DAY_MS - offset_h * HOUR_MS;
      engine = cb_sim_engine_new (&config);

      /* As the demo's configuration sets it up. */
      g_assert_cmpint (cb_sim_engine_set_campaign_windows (engine, "campaign-01", start_min, end_min), ==, CB_SIM_OK);
      g_assert_cmpint (cb_sim_engine_set_campaign_attempt_limits (engine, "campaign-01", limits, G_N_ELEMENTS (limits)),
                       ==, CB_SIM_OK);
      g_assert_cmpint (cb_sim_engine_set_campaign_exclude_dates (engine, "campaign-01", exclude, G_N_ELEMENTS (exclude)),
                       ==, CB_SIM_OK);
      g_assert_cmpint (cb_sim_engine_set_campaign_schedule (engine, "campaign-01", &schedule), ==, CB_SIM_OK);
      g_assert_cmpint (cb_sim_engine_pause_campaign (engine, "campaign-02"), ==, CB_SIM_OK);
      cb_sim_engine_add_listener (engine, on_change_dials, &log, NULL);

      /* The warm-up, then ten minutes of the live demo. */
      cb_sim_engine_advance_to (engine, now);
      campaign = cb_sim_engine_get_campaign (engine, "campaign-01");
      g_assert_nonnull (campaign);
      g_assert_cmpint (campaign->status, ==, CB_SIM_CAMPAIGN_RUNNING);
      g_assert_true (campaign->in_schedule);
      warm_dials = campaign->stats.dials;
      g_test_message ("%02d:15 UTC, center in %s: %u dials, %u persons, %u conversions in the warm-up",
                      hour, center, warm_dials, campaign->stats.humans, campaign->stats.conversions);
      g_assert_cmpuint (warm_dials, >, 0);
      g_assert_cmpuint (campaign->stats.humans, >, 0);

      cb_sim_engine_advance_to (engine, now + 10 * MINUTE_MS);
      g_assert_cmpuint (campaign->stats.dials, >, warm_dials);
      g_assert_cmpuint (log.n_dials, ==, campaign->stats.dials);
      g_assert_cmpuint (log.outside_window, ==, 0);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/callboard/sim-engine/determinism", test_determinism);
  g_test_add_func ("/callboard/sim-engine/arrival-rate", test_arrival_rate);
  g_test_add_func ("/callboard/sim-engine/arrival-profile", test_arrival_profile);
  g_test_add_func ("/callboard/sim-engine/abandon-without-agents", test_abandon_without_agents);
  g_test_add_func ("/callboard/sim-engine/abandon-all-paused", test_abandon_all_paused);
  g_test_add_func ("/callboard/sim-engine/erlang-a", test_erlang_a);
  g_test_add_func ("/callboard/sim-engine/littles-law", test_littles_law);
  g_test_add_func ("/callboard/sim-engine/service-level", test_service_level);
  g_test_add_func ("/callboard/sim-engine/predictive-pacer", test_predictive_pacer);
  g_test_add_func ("/callboard/sim-engine/retry-busy", test_retry_busy);
  g_test_add_func ("/callboard/sim-engine/retry-rules-and-windows", test_retry_rules_and_windows);
  g_test_add_func ("/callboard/sim-engine/lead-list-priorities", test_lead_list_priorities);
  g_test_add_func ("/callboard/sim-engine/attempt-limits-and-dial-check", test_attempt_limits_and_dial_check);
  g_test_add_func ("/callboard/sim-engine/agent-states", test_agent_states);
  g_test_add_func ("/callboard/sim-engine/agent-commands", test_agent_commands);
  g_test_add_func ("/callboard/sim-engine/campaign-commands", test_campaign_commands);
  g_test_add_func ("/callboard/sim-engine/demo-day-dials", test_demo_day_dials);
  g_test_add_func ("/callboard/sim-engine/scale", test_scale);

  return g_test_run ();
}
