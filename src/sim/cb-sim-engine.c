/* cb-sim-engine.c — the simulation engine of the reference backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What is simulated
 * =================
 * A contact center of voice agents serving skill-based inbound queues and
 * outbound campaigns, as a discrete-event simulation: a binary min-heap of
 * timed events, ordered by (time, insertion sequence), so that events at the
 * same millisecond run in the order they were scheduled and a seed always
 * gives the same run. Time is simulated, in ms since the Unix epoch;
 * cb_sim_engine_advance_to() runs every event up to a given instant, as fast
 * as the CPU allows (a day of the default 200-agent center takes about
 * 0.1 s). Days, arrival profiles and shifts follow the configured time zone
 * (GTimeZone); local midnight resets the "today" counters. Timers that lose
 * their purpose (a caller's patience once answered) are not removed from
 * the heap: each carries a token that no longer matches, and is dropped.
 *
 * Randomness: xoshiro256** streams from the seed, one for the setup (names,
 * skills, shifts, leads) and one for everything that happens.
 *
 * Inbound (cb-sim-inbound.c)
 *   Arrivals per queue are a non-homogeneous Poisson process: the rate is
 *   rate(queue) × profile[15-minute slot of the local day]; inter-arrival
 *   times are exponential and restart at slot boundaries (exact, because the
 *   exponential is memoryless). The default profile is a weekday curve with
 *   a morning peak (10:30) and a smaller afternoon one (14:30), open
 *   07:00–21:00. Queues differ in traffic (log-normal weights) and a little
 *   in handle time. With calls_per_hour = 0 the rate is sized from the
 *   staff present at the peak and the mean handle time, for the target
 *   occupancy (85 %).
 *   A caller draws a patience at arrival (exponential, mean 150 s, by
 *   default) and abandons when it runs out while queued or while the call
 *   rings an agent. Routing is skills based: an arriving call rings the
 *   available agent with the highest skill level for the queue, ties to the
 *   longest idle (each queue keeps an indexed binary heap of its available
 *   agents: O(log n) per event, whatever the number of agents); an agent who
 *   becomes available takes the head call of the queue where the agent's
 *   level is highest, ties to the longest waiting. The agent picks up after
 *   a ring time (log-normal, 4 s); with a small probability (1 %) the agent
 *   misses it: after the ring timeout (15 s) the call goes back to the front
 *   of its queue and the agent to paused (MISSED) for a minute or two.
 *   Talk time is log-normal (mean 240 s, cv 0.9) with the queue's mean; a
 *   call may be put on hold once or twice (log-normal holds placed inside
 *   the talk), or blind transferred once to another queue (the agent wraps
 *   up, the call queues again with a new patience). Then wrap-up
 *   (log-normal, 35 s). Each answered call is resolved with the first-call
 *   resolution probability; an unresolved caller may call the same number
 *   again within N days, an abandoned one may retry within minutes (always
 *   in opening hours; repeat_of links the calls). A share of callers
 *   answers a post-call survey (1–5; resolved calls score higher).
 *
 * Agents (this file)
 *   States: logged_out, available, ringing, on_call, on_hold, wrap_up,
 *   paused. Shifts have a fixed length and start in fixed steps between a
 *   first and a last start time; inbound agents' starts are planned greedily
 *   against the arrival profile (each agent goes where the staffing ratio is
 *   worst), outbound agents' are random. Agents on shift at the start are
 *   logged in. Pauses: Poisson per logged-in hour (break, training,
 *   meeting), once near the middle of a shift (lunch), with a probability
 *   after a call (after-call work), after a missed call, or by command; each
 *   has a duration distribution, after which the agent resumes by itself. A
 *   pause or a log-out (end of shift, or a command) that comes during a call
 *   is pending and applies when the wrap-up ends, as the protocol says
 *   (§9.2); "available" during a call is refused (invalid state).
 *
 * Outbound (cb-sim-dialer.c)
 *   Campaigns own outbound agents (no blending) and in-memory lead lists:
 *   their own generated leads and leads added by command, dialed by list
 *   priority, inside the campaign's schedule, after a dial check (DNC) and
 *   within the attempt limits per lead and per number.
 *   A dial meets a person, a machine, busy, no answer or an invalid number
 *   with the campaign's odds (30/20/8/35/7 %), after a time to answer
 *   (log-normal, 9 s) or the ring timeout (25 s); machines are detected
 *   (AMD, 2.5 s) and hung up. A person who answers is connected to the
 *   longest-idle free agent of the campaign; if none is free within
 *   max_connect_delay (2 s) the call is dropped. Leads are dialed only
 *   inside the calling window in the lead's own local time (fixed UTC
 *   offsets, checked at the instant of the dial), retried by the rule of
 *   the last outcome (delay and maximum attempts), and due callbacks and
 *   retries go before fresh leads. An agent who talked to the person
 *   records a sale (12 %), do not call, a callback or not interested. Dial
 *   modes: preview (an agent is
 *   reserved, reads the lead for 5–15 s, then the dialer calls for that
 *   agent: no drops), progressive (one line per free agent), power
 *   (dial_level lines per free agent) and predictive (dial_level_current
 *   lines per free agent, set by the pacer, with dial_level as its ceiling).
 *
 *   The predictive pacer runs every pacer_interval (5 s) and is an integral
 *   controller on the day's drop rate (drops ÷ persons reached, as the US
 *   rule counts it). The campaign may drop 75 % of its target of the persons
 *   it reached (plus a small allowance at midnight); what is left of that
 *   allowance is a budget B, in drops, and the wanted level is 1 + 0.1 × B.
 *   So the level climbs while persons are reached without drops, each drop
 *   takes 0.1 off it, and it settles where drops come at 75 % of the target.
 *   The level follows the wish by at most +0.02 or −0.1 per tick; it does
 *   not rise without free agents (an average of over 5 % of the time) and
 *   leads to dial, and it falls whenever the drop rate over the sliding
 *   window (30 min, per-minute buckets) exceeds the target. With 40 agents
 *   and the default odds it holds about 2 % drops at 85 % occupancy (one
 *   line per agent: 76 %; a fixed 3.5 lines: 10 % drops).
 *
 * Records
 *   Every change emits UPSERT (rev + 1) to the listeners, synchronously and
 *   in order; a call that ended stays live for ended_linger_ms (60 s), then
 *   DELETE. Ended calls go into a ring of history_capacity records,
 *   readable by index or id.
 */
#define G_LOG_DOMAIN "cb-sim"

#include "config.h"

#include <math.h>

#include "cb-sim-engine-private.h"

G_DEFINE_FINAL_TYPE (CbSimEngine, cb_sim_engine, G_TYPE_OBJECT)

#define MINUTE_MS (G_GINT64_CONSTANT (60) * 1000)
#define HOUR_MS   (60 * MINUTE_MS)
#define DAY_MS    (24 * HOUR_MS)

/* Names ------------------------------------------------------------------- */

static const char * const entity_type_names[] = {
  [CB_SIM_ENTITY_AGENT] = "agent",
  [CB_SIM_ENTITY_QUEUE] = "queue",
  [CB_SIM_ENTITY_CALL] = "call",
  [CB_SIM_ENTITY_CAMPAIGN] = "campaign",
  [CB_SIM_ENTITY_LEAD] = "lead",
};

static const char * const agent_state_names[] = {
  [CB_SIM_AGENT_LOGGED_OUT] = "logged_out",
  [CB_SIM_AGENT_AVAILABLE] = "available",
  [CB_SIM_AGENT_RINGING] = "ringing",
  [CB_SIM_AGENT_ON_CALL] = "on_call",
  [CB_SIM_AGENT_ON_HOLD] = "on_hold",
  [CB_SIM_AGENT_WRAP_UP] = "wrap_up",
  [CB_SIM_AGENT_PAUSED] = "paused",
};

static const char * const call_state_names[] = {
  [CB_SIM_CALL_QUEUED] = "queued",
  [CB_SIM_CALL_RINGING] = "ringing",
  [CB_SIM_CALL_CONNECTED] = "connected",
  [CB_SIM_CALL_ON_HOLD] = "on_hold",
  [CB_SIM_CALL_WRAP_UP] = "wrap_up",
  [CB_SIM_CALL_ENDED] = "ended",
};

static const char * const disposition_names[] = {
  [CB_SIM_DISPOSITION_NONE] = NULL,
  [CB_SIM_DISPOSITION_HUMAN] = "human",
  [CB_SIM_DISPOSITION_MACHINE] = "machine",
  [CB_SIM_DISPOSITION_BUSY] = "busy",
  [CB_SIM_DISPOSITION_NO_ANSWER] = "no_answer",
  [CB_SIM_DISPOSITION_INVALID] = "invalid",
  [CB_SIM_DISPOSITION_DROPPED] = "dropped",
  [CB_SIM_DISPOSITION_RESOLVED] = "resolved",
  [CB_SIM_DISPOSITION_UNRESOLVED] = "unresolved",
  [CB_SIM_DISPOSITION_SALE] = "SALE",
  [CB_SIM_DISPOSITION_NOT_INTERESTED] = "NOT_INTERESTED",
  [CB_SIM_DISPOSITION_CALLBACK] = "CALLBACK",
  [CB_SIM_DISPOSITION_DNC] = "DNC",
};

/* The codes of the sim's disposition catalog (§10.12) that an agent sets;
 * outcomes without an agent have none. */
static const char * const disposition_codes[] = {
  [CB_SIM_DISPOSITION_RESOLVED] = "RESOLVED",
  [CB_SIM_DISPOSITION_UNRESOLVED] = "UNRESOLVED",
  [CB_SIM_DISPOSITION_SALE] = "SALE",
  [CB_SIM_DISPOSITION_NOT_INTERESTED] = "NOT_INTERESTED",
  [CB_SIM_DISPOSITION_CALLBACK] = "CALLBACK",
  [CB_SIM_DISPOSITION_DNC] = "DNC",
};

static const char * const end_reason_names[] = {
  [CB_SIM_END_NONE] = NULL,
  [CB_SIM_END_CUSTOMER_HANGUP] = "customer_hangup",
  [CB_SIM_END_ABANDONED] = "abandoned",
  [CB_SIM_END_NO_ANSWER] = "no_answer",
  [CB_SIM_END_BUSY] = "busy",
  [CB_SIM_END_FAILED] = "failed",
  [CB_SIM_END_MACHINE] = "machine",
  [CB_SIM_END_DROPPED] = "dropped",
};

static const char * const dial_mode_names[] = {
  [CB_SIM_DIAL_PREVIEW] = "preview",
  [CB_SIM_DIAL_PROGRESSIVE] = "progressive",
  [CB_SIM_DIAL_POWER] = "power",
  [CB_SIM_DIAL_PREDICTIVE] = "predictive",
};

static const char * const campaign_status_names[] = {
  [CB_SIM_CAMPAIGN_RUNNING] = "running",
  [CB_SIM_CAMPAIGN_PAUSED] = "paused",
  [CB_SIM_CAMPAIGN_STOPPED] = "stopped",
};

static const char * const lead_status_names[] = {
  [CB_SIM_LEAD_NEW] = "new",
  [CB_SIM_LEAD_DIALING] = "dialing",
  [CB_SIM_LEAD_RETRY] = "retry",
  [CB_SIM_LEAD_CALLBACK] = "callback",
  [CB_SIM_LEAD_DONE] = "done",
  [CB_SIM_LEAD_DNC] = "dnc",
};

static const char * const result_names[] = {
  [CB_SIM_OK] = "ok",
  [CB_SIM_ERROR_NOT_FOUND] = "not_found",
  [CB_SIM_ERROR_INVALID_STATE] = "invalid_state",
  [CB_SIM_ERROR_INVALID_ARGUMENT] = "bad_request",
};

#define NAME_OF(table, value) \
  ((guint) (value) < G_N_ELEMENTS (table) ? (table)[(value)] : NULL)

const char *
cb_sim_entity_type_to_string (CbSimEntityType type)
{
  return NAME_OF (entity_type_names, type);
}

const char *
cb_sim_agent_state_to_string (CbSimAgentState state)
{
  return NAME_OF (agent_state_names, state);
}

gboolean
cb_sim_agent_state_from_string (const char      *str,
                                CbSimAgentState *state)
{
  g_return_val_if_fail (state != NULL, FALSE);

  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (agent_state_names); i++)
    if (g_str_equal (str, agent_state_names[i]))
      {
        *state = (CbSimAgentState) i;
        return TRUE;
      }
  return FALSE;
}

const char *
cb_sim_call_state_to_string (CbSimCallState state)
{
  return NAME_OF (call_state_names, state);
}

const char *
cb_sim_direction_to_string (CbSimDirection direction)
{
  return direction == CB_SIM_DIRECTION_OUTBOUND ? "out" : "in";
}

const char *
cb_sim_disposition_to_string (CbSimDisposition disposition)
{
  return NAME_OF (disposition_names, disposition);
}

/* The catalog code of an agent's disposition ("SALE", "RESOLVED", …), or
 * %NULL for an outcome without an agent (busy, no answer, a machine, …). */
const char *
cb_sim_disposition_to_code (CbSimDisposition disposition)
{
  return NAME_OF (disposition_codes, disposition);
}

const char *
cb_sim_end_reason_to_string (CbSimEndReason reason)
{
  return NAME_OF (end_reason_names, reason);
}

const char *
cb_sim_dial_mode_to_string (CbSimDialMode mode)
{
  return NAME_OF (dial_mode_names, mode);
}

gboolean
cb_sim_dial_mode_from_string (const char    *str,
                              CbSimDialMode *mode)
{
  g_return_val_if_fail (mode != NULL, FALSE);

  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (dial_mode_names); i++)
    if (g_str_equal (str, dial_mode_names[i]))
      {
        *mode = (CbSimDialMode) i;
        return TRUE;
      }
  return FALSE;
}

const char *
cb_sim_campaign_status_to_string (CbSimCampaignStatus status)
{
  return NAME_OF (campaign_status_names, status);
}

const char *
cb_sim_lead_status_to_string (CbSimLeadStatus status)
{
  return NAME_OF (lead_status_names, status);
}

const char *
cb_sim_result_to_string (CbSimResult result)
{
  return NAME_OF (result_names, result);
}

/* Configuration ------------------------------------------------------------- */

/* Relative call volume of a weekday at hour h (local), peak about 1.0. */
static double
weekday_curve (double h)
{
  double morning = exp (-(h - 10.5) * (h - 10.5) / (2.0 * 1.3 * 1.3));
  double afternoon = exp (-(h - 14.5) * (h - 14.5) / (2.0 * 1.6 * 1.6));
  double ramp;

  if (h < 7.0 || h >= 21.0)
    return 0.0;

  /* Open at 07:00, close at 21:00, with an hour's ramp at each end. */
  ramp = MIN (1.0, MIN (h - 7.0, 21.0 - h));
  return ramp * (0.12 + 0.9 * morning + 0.72 * afternoon);
}

gint64
cb_sim_local_time_ms (const char *time_zone,
                      int         year,
                      int         month,
                      int         day,
                      int         hour,
                      int         minute)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) dt = NULL;

  if (time_zone != NULL)
    tz = g_time_zone_new_identifier (time_zone);
  if (tz == NULL)
    tz = g_time_zone_new_local ();

  dt = g_date_time_new (tz, year, month, day, hour, minute, 0);
  g_return_val_if_fail (dt != NULL, 0);

  return g_date_time_to_unix (dt) * 1000;
}

void
cb_sim_config_init_default (CbSimConfig *config)
{
  CbSimCampaignConfig *c;
  double peak = 0.0;
  guint n = 0;

  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);

  config->seed = 1;
  config->start_ms = 0;
  config->time_zone = NULL;
  config->n_agents = 200;
  config->n_queues = 20;
  config->n_campaigns = 3;
  config->n_teams = 8;
  config->outbound_share = 0.2;
  config->max_skills = 3;

  config->calls_per_hour = 0.0;
  config->target_occupancy = 0.85;
  for (guint i = 0; i < CB_SIM_PROFILE_SLOTS; i++)
    {
      config->profile[i] = weekday_curve ((i + 0.5) / 4.0);
      peak = MAX (peak, config->profile[i]);
    }
  for (guint i = 0; i < CB_SIM_PROFILE_SLOTS; i++)
    config->profile[i] /= peak;
  config->queue_variation = 0.5;

  config->patience = CB_SIM_DIST_INIT_EXP (150.0);
  config->ring = CB_SIM_DIST_INIT_LOGNORMAL (4.0, 0.5);
  config->ring.min_s = 1.0;
  config->ring.max_s = 14.0;
  config->miss_probability = 0.01;
  config->ring_timeout_ms = 15 * 1000;
  config->talk = CB_SIM_DIST_INIT_LOGNORMAL (240.0, 0.9);
  config->talk.min_s = 10.0;
  config->hold_probability = 0.2;
  config->second_hold_probability = 0.25;
  config->hold = CB_SIM_DIST_INIT_LOGNORMAL (45.0, 0.8);
  config->hold.min_s = 5.0;
  config->hold.max_s = 600.0;
  config->transfer_probability = 0.05;
  config->wrap_up = CB_SIM_DIST_INIT_LOGNORMAL (35.0, 0.6);
  config->wrap_up.min_s = 3.0;
  config->wrap_up.max_s = 300.0;
  config->sl_threshold_s = 20;
  config->sl_target_pct = 80.0;
  config->resolve_probability = 0.75;
  config->repeat_probability = 0.6;
  config->repeat_delay = CB_SIM_DIST_INIT_LOGNORMAL (86400.0, 1.0);
  config->repeat_delay.min_s = 600.0;
  config->repeat_window_days = 7;
  config->abandon_retry_probability = 0.4;
  config->abandon_retry_delay = CB_SIM_DIST_INIT_LOGNORMAL (300.0, 0.7);
  config->abandon_retry_delay.min_s = 30.0;
  config->abandon_retry_delay.max_s = 7200.0;
  config->survey_probability = 0.25;
  memcpy (config->survey_weights_resolved, (double[5]) { 0.03, 0.05, 0.12, 0.35, 0.45 },
          sizeof config->survey_weights_resolved);
  memcpy (config->survey_weights_unresolved, (double[5]) { 0.30, 0.25, 0.25, 0.12, 0.08 },
          sizeof config->survey_weights_unresolved);

  config->shift_length_ms = 8 * HOUR_MS + 30 * MINUTE_MS;
  config->shift_first_start_ms = 7 * HOUR_MS;
  config->shift_last_start_ms = 12 * HOUR_MS + 30 * MINUTE_MS;
  config->shift_start_step_ms = 30 * MINUTE_MS;

  config->pause_reasons[n++] = (CbSimPauseReasonConfig) {
    "BREAK", CB_SIM_PAUSE_BY_RATE, 0.25, { CB_SIM_DIST_LOGNORMAL, 720.0, 0.3, 300.0, 1800.0 } };
  config->pause_reasons[n++] = (CbSimPauseReasonConfig) {
    "LUNCH", CB_SIM_PAUSE_MID_SHIFT, 1.0, { CB_SIM_DIST_LOGNORMAL, 1800.0, 0.15, 1200.0, 2700.0 } };
  config->pause_reasons[n++] = (CbSimPauseReasonConfig) {
    "TRAINING", CB_SIM_PAUSE_BY_RATE, 0.02, { CB_SIM_DIST_LOGNORMAL, 2700.0, 0.3, 900.0, 5400.0 } };
  config->pause_reasons[n++] = (CbSimPauseReasonConfig) {
    "MEETING", CB_SIM_PAUSE_BY_RATE, 0.03, { CB_SIM_DIST_LOGNORMAL, 1500.0, 0.4, 600.0, 3600.0 } };
  config->pause_reasons[n++] = (CbSimPauseReasonConfig) {
    "ACW", CB_SIM_PAUSE_AFTER_CALL, 0.05, { CB_SIM_DIST_LOGNORMAL, 90.0, 0.5, 20.0, 600.0 } };
  config->pause_reasons[n++] = (CbSimPauseReasonConfig) {
    "MISSED", CB_SIM_PAUSE_ON_MISSED, 0.0, { CB_SIM_DIST_UNIFORM, 70.0, 0.0, 20.0, 120.0 } };
  config->pause_reasons[n++] = (CbSimPauseReasonConfig) {
    "COACHING", CB_SIM_PAUSE_ON_REQUEST, 0.0,
    { CB_SIM_DIST_LOGNORMAL, 900.0, 0.3, 300.0, 2700.0 } };
  config->n_pause_reasons = n;

  c = &config->campaign;
  c->mixed_modes = TRUE;
  c->dial_mode = CB_SIM_DIAL_PREDICTIVE;
  c->dial_level = 3.0;
  c->max_abandon_pct = 3.0;
  c->n_leads = 5000;
  c->odds[CB_SIM_DISPOSITION_HUMAN] = 0.30;
  c->odds[CB_SIM_DISPOSITION_MACHINE] = 0.20;
  c->odds[CB_SIM_DISPOSITION_BUSY] = 0.08;
  c->odds[CB_SIM_DISPOSITION_NO_ANSWER] = 0.35;
  c->odds[CB_SIM_DISPOSITION_INVALID] = 0.07;
  c->time_to_answer = (CbSimDist) { CB_SIM_DIST_LOGNORMAL, 9.0, 0.5, 2.0, 24.0 };
  c->ring_timeout_ms = 25 * 1000;
  c->busy_time = CB_SIM_DIST_INIT_UNIFORM (2.0, 5.0);
  c->invalid_time = CB_SIM_DIST_INIT_UNIFORM (1.0, 3.0);
  c->amd_time = (CbSimDist) { CB_SIM_DIST_LOGNORMAL, 2.5, 0.3, 1.0, 4.0 };
  c->max_connect_delay_ms = 2000;
  c->preview = CB_SIM_DIST_INIT_UNIFORM (5.0, 15.0);
  c->talk = (CbSimDist) { CB_SIM_DIST_LOGNORMAL, 150.0, 0.8, 15.0, 0.0 };
  c->hold_probability = 0.1;
  c->hold = (CbSimDist) { CB_SIM_DIST_LOGNORMAL, 30.0, 0.6, 5.0, 300.0 };
  c->wrap_up = (CbSimDist) { CB_SIM_DIST_LOGNORMAL, 30.0, 0.5, 5.0, 180.0 };
  c->conversion_probability = 0.12;
  c->callback_probability = 0.08;
  c->callback_delay_ms = 2 * HOUR_MS;
  c->dnc_probability = 0.02;
  c->retry[CB_SIM_DISPOSITION_BUSY] = (CbSimRetryRule) { 10 * MINUTE_MS, 5 };
  c->retry[CB_SIM_DISPOSITION_NO_ANSWER] = (CbSimRetryRule) { 60 * MINUTE_MS, 3 };
  c->retry[CB_SIM_DISPOSITION_MACHINE] = (CbSimRetryRule) { 4 * HOUR_MS, 2 };
  c->retry[CB_SIM_DISPOSITION_DROPPED] = (CbSimRetryRule) { 30 * MINUTE_MS, 4 };
  c->retry[CB_SIM_DISPOSITION_HUMAN] = (CbSimRetryRule) { 0, 0 };
  c->retry[CB_SIM_DISPOSITION_INVALID] = (CbSimRetryRule) { 0, 0 };
  c->window_start_min = 9 * 60;
  c->window_end_min = 20 * 60;
  c->n_lead_zones = 0;

  config->pacer_interval_ms = 5 * 1000;
  config->pacer_window_ms = 30 * MINUTE_MS;

  config->ended_linger_ms = 60 * 1000;
  config->history_capacity = 200000;
}

/**
 * cb_sim_config_init_demo:
 *
 * The demo's contact center (callboard-sim): the defaults, with leads
 * spread over time zones around the world, as a list bought for a
 * campaign would be, so that a demo started at any hour of the day has
 * leads inside their calling window, and a warm-up has dialed some.
 */
void
cb_sim_config_init_demo (CbSimConfig *config)
{
  cb_sim_config_init_default (config);
  config->campaign.worldwide_leads = TRUE;
}

/* Time ---------------------------------------------------------------------- */

/* Local midnight of the day holding @t_ms, moved by @day_delta calendar days. */
gint64
_cb_sim_local_midnight (CbSimEngine *self,
                        gint64       t_ms,
                        int          day_delta)
{
  gint64 seconds = t_ms >= 0 ? t_ms / 1000 : (t_ms - 999) / 1000;
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (seconds);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, self->tz);
  g_autoptr(GDateTime) midnight = g_date_time_new (self->tz,
                                                   g_date_time_get_year (local),
                                                   g_date_time_get_month (local),
                                                   g_date_time_get_day_of_month (local),
                                                   0, 0, 0);
  g_autoptr(GDateTime) moved = g_date_time_add_days (midnight, day_delta);

  return g_date_time_to_unix (moved) * 1000;
}

/* Events -------------------------------------------------------------------- */

static inline gboolean
event_before (const CbSimEvent *a,
              const CbSimEvent *b)
{
  return a->at_ms < b->at_ms || (a->at_ms == b->at_ms && a->seq < b->seq);
}

void
_cb_sim_schedule (CbSimEngine    *self,
                  gint64          at_ms,
                  CbSimEventKind  kind,
                  guint32         index,
                  guint32         token,
                  gpointer        ptr,
                  guint16         aux)
{
  CbSimEvent event = {
    .at_ms = MAX (at_ms, self->now),
    .seq = self->event_seq++,
    .kind = kind,
    .aux = aux,
    .index = index,
    .token = token,
    .ptr = ptr,
  };
  CbSimEvent *heap;
  guint i;

  g_array_append_val (self->events, event);
  heap = (CbSimEvent *) (gpointer) self->events->data;
  i = self->events->len - 1;
  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (!event_before (&event, &heap[parent]))
        break;
      heap[i] = heap[parent];
      i = parent;
    }
  heap[i] = event;
}

void
_cb_sim_schedule_call (CbSimEngine    *self,
                       gint64          at_ms,
                       CbSimEventKind  kind,
                       CbSimCallPriv  *call,
                       guint32         token)
{
  _cb_sim_schedule (self, at_ms, kind, 0, token, _cb_sim_call_ref (call), 0);
}

static void
events_pop (CbSimEngine *self,
            CbSimEvent  *out)
{
  CbSimEvent *heap = (CbSimEvent *) (gpointer) self->events->data;
  guint len = self->events->len;
  CbSimEvent last;
  guint i = 0;

  *out = heap[0];
  last = heap[len - 1];
  len--;
  g_array_set_size (self->events, len);
  if (len == 0)
    return;

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= len)
        break;
      if (child + 1 < len && event_before (&heap[child + 1], &heap[child]))
        child++;
      if (!event_before (&heap[child], &last))
        break;
      heap[i] = heap[child];
      i = child;
    }
  heap[i] = last;
}

static gboolean
event_holds_call (const CbSimEvent *event)
{
  switch ((CbSimEventKind) event->kind)
    {
    case CB_SIM_EV_ABANDON:
    case CB_SIM_EV_RING_ANSWER:
    case CB_SIM_EV_RING_TIMEOUT:
    case CB_SIM_EV_HOLD_START:
    case CB_SIM_EV_HOLD_END:
    case CB_SIM_EV_TALK_END:
    case CB_SIM_EV_LINGER_END:
    case CB_SIM_EV_DIAL_RESULT:
    case CB_SIM_EV_CONNECT_TIMEOUT:
      return TRUE;

    case CB_SIM_EV_DAY_ROLLOVER:
    case CB_SIM_EV_ARRIVAL:
    case CB_SIM_EV_REPEAT_ARRIVAL:
    case CB_SIM_EV_WRAP_END:
    case CB_SIM_EV_PAUSE_END:
    case CB_SIM_EV_PREVIEW_END:
    case CB_SIM_EV_SHIFT_START:
    case CB_SIM_EV_SHIFT_END:
    case CB_SIM_EV_PAUSE_TRIGGER:
    case CB_SIM_EV_PACER:
    default:
      return FALSE;
    }
}

static void
event_release (const CbSimEvent *event)
{
  if (event_holds_call (event))
    _cb_sim_call_unref (event->ptr);
  else if (event->kind == CB_SIM_EV_REPEAT_ARRIVAL)
    g_free (event->ptr);
}

/* Listeners ----------------------------------------------------------------- */

static void
emit (CbSimEngine     *self,
      CbSimChangeKind  kind,
      CbSimEntityType  type,
      const char      *id)
{
  guint n = self->listeners->len;

  self->emitting++;
  for (guint i = 0; i < n; i++)
    {
      CbSimListener *l = &g_array_index (self->listeners, CbSimListener, i);

      if (l->func != NULL)
        l->func (self, kind, type, id, l->user_data);
    }
  self->emitting--;

  if (self->emitting == 0 && self->listeners_dirty)
    {
      for (guint i = self->listeners->len; i > 0; i--)
        if (g_array_index (self->listeners, CbSimListener, i - 1).func == NULL)
          g_array_remove_index (self->listeners, i - 1);
      self->listeners_dirty = FALSE;
    }
}

void
_cb_sim_touch_agent (CbSimEngine    *self,
                     CbSimAgentPriv *agent)
{
  agent->pub.rev++;
  emit (self, CB_SIM_CHANGE_UPSERT, CB_SIM_ENTITY_AGENT, agent->pub.id);
}

void
_cb_sim_touch_queue (CbSimEngine    *self,
                     CbSimQueuePriv *queue)
{
  queue->pub.rev++;
  emit (self, CB_SIM_CHANGE_UPSERT, CB_SIM_ENTITY_QUEUE, queue->pub.id);
}

void
_cb_sim_touch_call (CbSimEngine   *self,
                    CbSimCallPriv *call)
{
  call->pub.rev++;
  emit (self, CB_SIM_CHANGE_UPSERT, CB_SIM_ENTITY_CALL, call->pub.id);
}

void
_cb_sim_touch_campaign (CbSimEngine       *self,
                        CbSimCampaignPriv *campaign)
{
  campaign->pub.rev++;
  emit (self, CB_SIM_CHANGE_UPSERT, CB_SIM_ENTITY_CAMPAIGN, campaign->pub.id);
}

void
_cb_sim_touch_lead (CbSimEngine   *self,
                    CbSimLeadPriv *lead)
{
  lead->pub.rev++;
  emit (self, CB_SIM_CHANGE_UPSERT, CB_SIM_ENTITY_LEAD, lead->pub.id);
}

/* Calls --------------------------------------------------------------------- */

CbSimCallPriv *
_cb_sim_call_ref (CbSimCallPriv *call)
{
  return g_rc_box_acquire (call);
}

void
_cb_sim_call_unref (CbSimCallPriv *call)
{
  g_rc_box_release (call);
}

CbSimCall *
cb_sim_call_ref (const CbSimCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);

  return g_rc_box_acquire ((CbSimCall *) call);
}

void
cb_sim_call_unref (CbSimCall *call)
{
  g_return_if_fail (call != NULL);

  g_rc_box_release (call);
}

CbSimCallPriv *
_cb_sim_call_new (CbSimEngine    *self,
                  CbSimDirection  direction)
{
  CbSimCallPriv *call = g_rc_box_new0 (CbSimCallPriv);

  self->call_serial++;
  g_snprintf (call->pub.id, sizeof call->pub.id, "call-%06" G_GUINT64_FORMAT, self->call_serial);
  call->pub.direction = direction;
  call->pub.channel = "voice";
  call->pub.state = CB_SIM_CALL_QUEUED;
  call->pub.state_since_ms = self->now;
  call->pub.created_ms = self->now;

  call->live = TRUE;
  call->live_link.data = call;
  g_queue_push_tail_link (&self->live, &call->live_link);
  g_hash_table_insert (self->live_calls, call->pub.id, call);

  return call;
}

void
_cb_sim_call_set_state (CbSimEngine    *self,
                        CbSimCallPriv  *call,
                        CbSimCallState  state)
{
  gint64 spent = self->now - call->pub.state_since_ms;

  switch (call->pub.state)
    {
    case CB_SIM_CALL_QUEUED:
      call->pub.queued_total_ms += spent;
      break;

    case CB_SIM_CALL_CONNECTED:
      call->pub.talk_ms += spent;
      break;

    case CB_SIM_CALL_ON_HOLD:
      call->pub.hold_ms += spent;
      call->pub.holds[call->pub.hold_count - 1].end_ms = self->now;
      break;

    case CB_SIM_CALL_RINGING:
    case CB_SIM_CALL_WRAP_UP:
    case CB_SIM_CALL_ENDED:
    default:
      break;
    }

  if (state == CB_SIM_CALL_ON_HOLD)
    {
      g_assert (call->pub.hold_count < CB_SIM_MAX_HOLDS);
      call->pub.holds[call->pub.hold_count++] = (CbSimHold) { self->now, 0 };
    }

  call->pub.state = state;
  call->pub.state_since_ms = self->now;
  call->token++;
  _cb_sim_touch_call (self, call);
}

static void
call_schedule_talk_step (CbSimEngine   *self,
                         CbSimCallPriv *call)
{
  if (call->holds_remaining > 0 && call->pub.hold_count < CB_SIM_MAX_HOLDS)
    {
      double share = cb_sim_random_uniform (&self->rng, 0.15, 0.6);
      gint64 before = (gint64) (call->talk_remaining_ms * share);

      call->talk_remaining_ms -= before;
      _cb_sim_schedule_call (self, self->now + before, CB_SIM_EV_HOLD_START, call, call->token);
    }
  else
    {
      _cb_sim_schedule_call (self, self->now + call->talk_remaining_ms, CB_SIM_EV_TALK_END,
                             call, call->token);
    }
}

/* The agent and the customer are connected: plan the talk and its holds. */
void
_cb_sim_call_connect (CbSimEngine    *self,
                      CbSimCallPriv  *call,
                      CbSimAgentPriv *agent)
{
  const CbSimHandling *h = call->handling;

  call->agent = agent;
  call->pub.agent_id = agent->pub.id;
  call->pub.connected_ms = self->now;
  call->leg_talk_base = call->pub.talk_ms;
  call->leg_hold_base = call->pub.hold_ms;
  agent->reserved = FALSE;
  agent->leg_queue = call->queue;
  _cb_sim_agent_set_call (self, agent, call);

  _cb_sim_agent_set_state (self, agent, CB_SIM_AGENT_ON_CALL, CB_SIM_NO_REASON);
  _cb_sim_call_set_state (self, call, CB_SIM_CALL_CONNECTED);

  call->talk_remaining_ms = cb_sim_dist_sample_ms (&h->talk, &self->rng);
  call->holds_remaining = 0;
  if (cb_sim_random_chance (&self->rng, h->hold_probability))
    call->holds_remaining = cb_sim_random_chance (&self->rng, h->second_hold_probability) ? 2 : 1;
  call_schedule_talk_step (self, call);
}

/* The agent's part of the call is over (hang-up or transfer): count it. */
void
_cb_sim_call_leg_done (CbSimEngine   *self,
                       CbSimCallPriv *call)
{
  CbSimAgentPriv *agent = call->agent;
  gint64 talk = call->pub.talk_ms;
  gint64 hold = call->pub.hold_ms;

  if (call->pub.state == CB_SIM_CALL_CONNECTED)
    talk += self->now - call->pub.state_since_ms;
  else if (call->pub.state == CB_SIM_CALL_ON_HOLD)
    hold += self->now - call->pub.state_since_ms;

  if (agent != NULL)
    agent->pub.calls_handled_today++;

  if (agent != NULL && agent->leg_queue != NULL)
    {
      agent->leg_queue->pub.stats.talk_ms += talk - call->leg_talk_base;
      agent->leg_queue->pub.stats.hold_ms += hold - call->leg_hold_base;
    }
}

/* The customer hangs up after talking: the agent wraps up. */
void
_cb_sim_call_hangup (CbSimEngine   *self,
                     CbSimCallPriv *call)
{
  CbSimAgentPriv *agent = call->agent;

  g_assert (agent != NULL);

  _cb_sim_call_leg_done (self, call);
  call->pub.ended_ms = self->now;
  call->pub.end_reason = CB_SIM_END_CUSTOMER_HANGUP;

  _cb_sim_agent_set_state (self, agent, CB_SIM_AGENT_WRAP_UP, CB_SIM_NO_REASON);
  _cb_sim_call_set_state (self, call, CB_SIM_CALL_WRAP_UP);
  _cb_sim_schedule (self, self->now + cb_sim_dist_sample_ms (&call->handling->wrap_up, &self->rng),
                    CB_SIM_EV_WRAP_END, agent->index, agent->token, NULL, 0);
  if (agent->leg_queue != NULL)
    _cb_sim_touch_queue (self, agent->leg_queue);
}

static void
history_push (CbSimEngine   *self,
              CbSimCallPriv *call)
{
  guint capacity = self->config.history_capacity;
  guint slot;

  if (capacity == 0)
    return;

  if (self->history_len == capacity)
    {
      CbSimCallPriv *oldest = self->history[self->history_head];

      g_hash_table_remove (self->history_by_id, oldest->pub.id);
      _cb_sim_call_unref (oldest);
      self->history_head = (self->history_head + 1) % capacity;
      self->history_len--;
    }

  slot = (self->history_head + self->history_len) % capacity;
  self->history[slot] = _cb_sim_call_ref (call);
  self->history_len++;
  g_hash_table_insert (self->history_by_id, call->pub.id, call);
}

/* The call is over for everyone: it becomes history and leaves the live set later. */
void
_cb_sim_call_finish (CbSimEngine   *self,
                     CbSimCallPriv *call)
{
  if (call->pub.ended_ms == 0)
    call->pub.ended_ms = self->now;

  _cb_sim_call_set_state (self, call, CB_SIM_CALL_ENDED);
  self->history_total++;
  history_push (self, call);
  _cb_sim_schedule_call (self, self->now + self->config.ended_linger_ms, CB_SIM_EV_LINGER_END,
                         call, call->token);
}

static void
call_linger_end (CbSimEngine   *self,
                 CbSimCallPriv *call)
{
  if (!call->live)
    return;

  call->live = FALSE;
  g_queue_unlink (&self->live, &call->live_link);
  g_hash_table_remove (self->live_calls, call->pub.id);
  call->pub.rev++;
  emit (self, CB_SIM_CHANGE_DELETE, CB_SIM_ENTITY_CALL, call->pub.id);
  _cb_sim_call_unref (call);
}

static void
call_dispatch (CbSimEngine      *self,
               const CbSimEvent *event)
{
  CbSimCallPriv *call = event->ptr;

  switch ((CbSimEventKind) event->kind)
    {
    case CB_SIM_EV_HOLD_START:
      if (call->token != event->token || call->pub.state != CB_SIM_CALL_CONNECTED)
        return;
      _cb_sim_call_set_state (self, call, CB_SIM_CALL_ON_HOLD);
      _cb_sim_agent_set_state (self, call->agent, CB_SIM_AGENT_ON_HOLD, CB_SIM_NO_REASON);
      _cb_sim_schedule_call (self, self->now + cb_sim_dist_sample_ms (&call->handling->hold,
                                                                      &self->rng),
                             CB_SIM_EV_HOLD_END, call, call->token);
      break;

    case CB_SIM_EV_HOLD_END:
      if (call->token != event->token || call->pub.state != CB_SIM_CALL_ON_HOLD)
        return;
      call->holds_remaining--;
      _cb_sim_agent_set_state (self, call->agent, CB_SIM_AGENT_ON_CALL, CB_SIM_NO_REASON);
      _cb_sim_call_set_state (self, call, CB_SIM_CALL_CONNECTED);
      call_schedule_talk_step (self, call);
      break;

    case CB_SIM_EV_TALK_END:
      if (call->token != event->token || call->pub.state != CB_SIM_CALL_CONNECTED)
        return;
      if (call->pub.direction == CB_SIM_DIRECTION_INBOUND)
        _cb_sim_inbound_talk_end (self, call);
      else
        _cb_sim_dialer_talk_end (self, call);
      break;

    case CB_SIM_EV_LINGER_END:
      call_linger_end (self, call);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Agents -------------------------------------------------------------------- */

/* Which protocol counter an agent state counts in: -1 none (logged out),
 * 0 available, 1 on a call (ringing, on call, on hold), 2 wrap-up, 3 paused. */
static int
agent_bucket (CbSimAgentState state)
{
  switch (state)
    {
    case CB_SIM_AGENT_AVAILABLE:
      return 0;
    case CB_SIM_AGENT_RINGING:
    case CB_SIM_AGENT_ON_CALL:
    case CB_SIM_AGENT_ON_HOLD:
      return 1;
    case CB_SIM_AGENT_WRAP_UP:
      return 2;
    case CB_SIM_AGENT_PAUSED:
      return 3;
    case CB_SIM_AGENT_LOGGED_OUT:
    case CB_SIM_AGENT_N_STATES:
    default:
      return -1;
    }
}

static void
queue_count_agent (CbSimQueueStats *stats,
                   int              bucket,
                   int              delta)
{
  if (bucket < 0)
    return;

  stats->agents_logged_in += delta;
  switch (bucket)
    {
    case 0:
      stats->agents_available += delta;
      break;
    case 1:
      stats->agents_on_call += delta;
      break;
    case 2:
      stats->agents_wrap_up += delta;
      break;
    case 3:
    default:
      stats->agents_paused += delta;
      break;
    }
}

static void
campaign_count_agent (CbSimCampaignPriv *campaign,
                      CbSimAgentState    state,
                      int                delta)
{
  CbSimCampaignStats *stats = &campaign->pub.stats;

  if (state == CB_SIM_AGENT_LOGGED_OUT)
    return;

  stats->agents_logged_in += delta;
  if (state == CB_SIM_AGENT_AVAILABLE)
    stats->agents_available += delta;
  else if (state != CB_SIM_AGENT_PAUSED)
    stats->agents_busy += delta;
}

static void
agent_leave_available (CbSimAgentPriv *agent)
{
  if (agent->campaign != NULL)
    {
      if (agent->in_ready)
        {
          g_queue_unlink (&agent->campaign->ready, &agent->ready_link);
          agent->in_ready = FALSE;
        }
      return;
    }

  for (guint i = 0; i < agent->pub.n_skills; i++)
    if (agent->slots[i].heap_pos >= 0)
      _cb_sim_queue_heap_remove (agent->slots[i].queue, &agent->slots[i]);
}

static void
agent_enter_available (CbSimEngine    *self,
                       CbSimAgentPriv *agent)
{
  agent->available_since_ms = self->now;

  if (agent->campaign != NULL)
    {
      if (!agent->in_ready && !agent->reserved)
        {
          g_queue_push_tail_link (&agent->campaign->ready, &agent->ready_link);
          agent->in_ready = TRUE;
        }
      return;
    }

  for (guint i = 0; i < agent->pub.n_skills; i++)
    if (agent->slots[i].heap_pos < 0)
      _cb_sim_queue_heap_insert (agent->slots[i].queue, &agent->slots[i]);
}

void
_cb_sim_agent_set_call (CbSimEngine    *self,
                        CbSimAgentPriv *agent,
                        CbSimCallPriv  *call)
{
  if (agent->call == call)
    return;

  if (call != NULL)
    _cb_sim_call_ref (call);
  if (agent->call != NULL)
    _cb_sim_call_unref (agent->call);
  agent->call = call;
  agent->pub.call_id = call != NULL ? call->pub.id : NULL;
}

/* Every state change of an agent goes through here: time accounting, the
 * routing indexes, the per-queue and per-campaign counters, and the events. */
void
_cb_sim_agent_set_state (CbSimEngine     *self,
                         CbSimAgentPriv  *agent,
                         CbSimAgentState  state,
                         guint            reason)
{
  CbSimAgentState old = agent->pub.state;
  gint64 since = MAX (agent->pub.state_since_ms, self->day_start);
  int old_bucket = agent_bucket (old);
  int new_bucket = agent_bucket (state);

  if (self->now > since)
    agent->pub.state_ms_today[old] += self->now - since;

  if (old == CB_SIM_AGENT_AVAILABLE && state != CB_SIM_AGENT_AVAILABLE)
    agent_leave_available (agent);

  if (agent->campaign != NULL)
    {
      campaign_count_agent (agent->campaign, old, -1);
      campaign_count_agent (agent->campaign, state, +1);
    }
  if (old_bucket != new_bucket)
    for (guint i = 0; i < agent->pub.n_skills; i++)
      {
        queue_count_agent (&agent->slots[i].queue->pub.stats, old_bucket, -1);
        queue_count_agent (&agent->slots[i].queue->pub.stats, new_bucket, +1);
      }

  agent->pub.state = state;
  agent->pub.state_since_ms = self->now;
  agent->pause_reason = state == CB_SIM_AGENT_PAUSED ? reason : CB_SIM_NO_REASON;
  agent->pub.pause_reason = state == CB_SIM_AGENT_PAUSED && reason != CB_SIM_NO_REASON
                            ? self->config.pause_reasons[reason].code : NULL;
  agent->token++;

  if (state == CB_SIM_AGENT_AVAILABLE && old != CB_SIM_AGENT_AVAILABLE)
    agent_enter_available (self, agent);

  _cb_sim_touch_agent (self, agent);

  if (old_bucket != new_bucket)
    for (guint i = 0; i < agent->pub.n_skills; i++)
      _cb_sim_touch_queue (self, agent->slots[i].queue);
  if (agent->campaign != NULL)
    _cb_sim_touch_campaign (self, agent->campaign);
}

static gboolean
agent_is_engaged (CbSimAgentPriv *agent)
{
  switch (agent->pub.state)
    {
    case CB_SIM_AGENT_RINGING:
    case CB_SIM_AGENT_ON_CALL:
    case CB_SIM_AGENT_ON_HOLD:
    case CB_SIM_AGENT_WRAP_UP:
      return TRUE;
    case CB_SIM_AGENT_AVAILABLE:
      return agent->reserved;
    case CB_SIM_AGENT_LOGGED_OUT:
    case CB_SIM_AGENT_PAUSED:
    case CB_SIM_AGENT_N_STATES:
    default:
      return FALSE;
    }
}

static void
agent_clear_pending (CbSimAgentPriv *agent)
{
  agent->pub.has_pending = FALSE;
  agent->pub.pending_state = CB_SIM_AGENT_LOGGED_OUT;
  agent->pub.pending_reason = NULL;
  agent->pub.pending_since_ms = 0;
  agent->pending_reason = CB_SIM_NO_REASON;
}

static void
agent_set_pending (CbSimEngine     *self,
                   CbSimAgentPriv  *agent,
                   CbSimAgentState  state,
                   guint            reason)
{
  agent->pub.has_pending = TRUE;
  agent->pub.pending_state = state;
  agent->pending_reason = reason;
  agent->pub.pending_reason = reason != CB_SIM_NO_REASON
                              ? self->config.pause_reasons[reason].code : NULL;
  agent->pub.pending_since_ms = self->now;
  _cb_sim_touch_agent (self, agent);
}

void
_cb_sim_agent_pause (CbSimEngine    *self,
                     CbSimAgentPriv *agent,
                     guint           reason)
{
  gint64 duration = cb_sim_dist_sample_ms (&self->config.pause_reasons[reason].duration,
                                           &self->rng);

  _cb_sim_agent_set_state (self, agent, CB_SIM_AGENT_PAUSED, reason);
  if (duration > 0)
    _cb_sim_schedule (self, self->now + duration, CB_SIM_EV_PAUSE_END, agent->index, agent->token,
                      NULL, 0);
}

/* The first shift occurrence that ends after @t_ms. */
static void
agent_shift_after (CbSimEngine    *self,
                   CbSimAgentPriv *agent,
                   gint64          t_ms,
                   gint64         *start,
                   gint64         *end)
{
  for (int d = -1; d <= 2; d++)
    {
      *start = _cb_sim_local_midnight (self, t_ms, d) + agent->shift_offset_ms;
      *end = *start + self->config.shift_length_ms;
      if (*end > t_ms)
        return;
    }
}

static void
agent_schedule_next_shift (CbSimEngine    *self,
                           CbSimAgentPriv *agent)
{
  gint64 start, end;

  if (self->config.shift_length_ms <= 0)
    return;

  agent_shift_after (self, agent, self->now, &start, &end);
  if (start <= self->now)
    agent_shift_after (self, agent, end, &start, &end);
  agent->pub.shift_start_ms = start;
  agent->pub.shift_end_ms = end;
  _cb_sim_schedule (self, start, CB_SIM_EV_SHIFT_START, agent->index, 0, NULL, 0);
}

static void
agent_make_available (CbSimEngine    *self,
                      CbSimAgentPriv *agent,
                      gboolean        route)
{
  if (agent->pub.state != CB_SIM_AGENT_AVAILABLE)
    {
      _cb_sim_agent_set_state (self, agent, CB_SIM_AGENT_AVAILABLE, CB_SIM_NO_REASON);
    }
  else
    {
      /* Back from a reservation: the call or the lead it had is gone. */
      agent_enter_available (self, agent);
      _cb_sim_touch_agent (self, agent);
    }

  if (!route)
    return;

  if (agent->campaign != NULL)
    _cb_sim_dialer_agent_ready (self, agent);
  else
    _cb_sim_inbound_agent_available (self, agent);
}

/* The next pause of a Poisson pause reason, in this login session. */
static void
schedule_pause_trigger (CbSimEngine    *self,
                        CbSimAgentPriv *agent,
                        guint           reason)
{
  double mean_ms = HOUR_MS / self->config.pause_reasons[reason].rate;
  gint64 gap = (gint64) cb_sim_random_exponential (&self->rng, mean_ms);

  _cb_sim_schedule (self, self->now + gap, CB_SIM_EV_PAUSE_TRIGGER,
                    agent->index, agent->session, NULL, reason);
}

static void
agent_login (CbSimEngine    *self,
             CbSimAgentPriv *agent,
             gboolean        route)
{
  const CbSimConfig *config = &self->config;

  agent->session++;
  agent->pub.login_ms = self->now;
  agent_clear_pending (agent);

  if (config->shift_length_ms > 0)
    {
      gint64 start, end;

      agent_shift_after (self, agent, self->now, &start, &end);
      agent->pub.shift_start_ms = start;
      agent->pub.shift_end_ms = end;
      _cb_sim_schedule (self, end, CB_SIM_EV_SHIFT_END, agent->index, agent->session, NULL, 0);

      for (guint r = 0; r < config->n_pause_reasons; r++)
        {
          const CbSimPauseReasonConfig *reason = &config->pause_reasons[r];
          gint64 at;

          if (reason->trigger != CB_SIM_PAUSE_MID_SHIFT || config->shift_length_ms < 5 * HOUR_MS)
            continue;
          at = start + config->shift_length_ms / 2
               + (gint64) cb_sim_random_uniform (&self->rng, -45.0 * MINUTE_MS, 45.0 * MINUTE_MS);
          if (at > self->now)
            _cb_sim_schedule (self, at, CB_SIM_EV_PAUSE_TRIGGER, agent->index, agent->session,
                              NULL, r);
        }
    }

  for (guint r = 0; r < config->n_pause_reasons; r++)
    {
      const CbSimPauseReasonConfig *reason = &config->pause_reasons[r];

      if (reason->trigger == CB_SIM_PAUSE_BY_RATE && reason->rate > 0.0)
        schedule_pause_trigger (self, agent, r);
    }

  agent_make_available (self, agent, route);
}

static void
agent_logout (CbSimEngine    *self,
              CbSimAgentPriv *agent)
{
  agent_clear_pending (agent);
  agent->pub.login_ms = 0;
  agent->session++;
  agent_schedule_next_shift (self, agent);
  _cb_sim_agent_set_state (self, agent, CB_SIM_AGENT_LOGGED_OUT, CB_SIM_NO_REASON);
}

/* The agent has no call (or reservation) any more: apply what is pending,
 * take a pause for after-call work, or become available. */
void
_cb_sim_agent_free (CbSimEngine    *self,
                    CbSimAgentPriv *agent,
                    gboolean        after_call)
{
  agent->reserved = FALSE;
  agent->preview_lead = NULL;

  if (agent->pub.has_pending)
    {
      CbSimAgentState state = agent->pub.pending_state;
      guint reason = agent->pending_reason;

      agent_clear_pending (agent);
      if (state == CB_SIM_AGENT_LOGGED_OUT)
        agent_logout (self, agent);
      else
        _cb_sim_agent_pause (self, agent, reason);
      return;
    }

  if (after_call && self->reason_after_call != CB_SIM_NO_REASON &&
      cb_sim_random_chance (&self->rng, self->config.pause_reasons[self->reason_after_call].rate))
    {
      _cb_sim_agent_pause (self, agent, self->reason_after_call);
      return;
    }

  agent_make_available (self, agent, TRUE);
}

/* A pause or log-out the simulation itself wants (shift end, a break). */
static void
agent_request (CbSimEngine     *self,
               CbSimAgentPriv  *agent,
               CbSimAgentState  state,
               guint            reason)
{
  if (agent->pub.state == CB_SIM_AGENT_LOGGED_OUT)
    return;

  if (agent_is_engaged (agent))
    {
      /* A log-out replaces a pending pause; a pause does not replace anything. */
      if (!agent->pub.has_pending || state == CB_SIM_AGENT_LOGGED_OUT)
        agent_set_pending (self, agent, state, reason);
      return;
    }

  if (state == CB_SIM_AGENT_LOGGED_OUT)
    agent_logout (self, agent);
  else if (agent->pub.state == CB_SIM_AGENT_AVAILABLE)
    _cb_sim_agent_pause (self, agent, reason);
}

static void
agent_dispatch (CbSimEngine      *self,
                const CbSimEvent *event)
{
  CbSimAgentPriv *agent = &self->agents[event->index];

  switch ((CbSimEventKind) event->kind)
    {
    case CB_SIM_EV_WRAP_END:
      {
        CbSimCallPriv *call = agent->call;

        if (agent->token != event->token || agent->pub.state != CB_SIM_AGENT_WRAP_UP)
          return;

        if (agent->leg_queue != NULL)
          {
            agent->leg_queue->pub.stats.wrap_ms += self->now - agent->pub.state_since_ms;
            _cb_sim_touch_queue (self, agent->leg_queue);
          }
        agent->leg_queue = NULL;

        if (call != NULL && call->agent == agent && call->pub.state == CB_SIM_CALL_WRAP_UP)
          {
            call->pub.wrap_up_ended_ms = self->now;
            _cb_sim_call_finish (self, call);
          }
        _cb_sim_agent_set_call (self, agent, NULL);
        _cb_sim_agent_free (self, agent, TRUE);
      }
      break;

    case CB_SIM_EV_PAUSE_END:
      if (agent->token != event->token || agent->pub.state != CB_SIM_AGENT_PAUSED)
        return;
      agent_make_available (self, agent, TRUE);
      break;

    case CB_SIM_EV_SHIFT_START:
      if (agent->pub.state == CB_SIM_AGENT_LOGGED_OUT)
        agent_login (self, agent, TRUE);
      break;

    case CB_SIM_EV_SHIFT_END:
      if (agent->session != event->token)
        return;
      agent_request (self, agent, CB_SIM_AGENT_LOGGED_OUT, CB_SIM_NO_REASON);
      break;

    case CB_SIM_EV_PAUSE_TRIGGER:
      {
        const CbSimPauseReasonConfig *reason = &self->config.pause_reasons[event->aux];

        if (agent->session != event->token)
          return;
        if (reason->trigger == CB_SIM_PAUSE_BY_RATE)
          schedule_pause_trigger (self, agent, event->aux);
        /* Somebody already paused does not stack pauses. */
        if (agent->pub.state != CB_SIM_AGENT_PAUSED)
          agent_request (self, agent, CB_SIM_AGENT_PAUSED, event->aux);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The day ---------------------------------------------------------------- */

static void
day_rollover (CbSimEngine *self)
{
  self->day_start = self->day_end;
  self->day_end = _cb_sim_local_midnight (self, self->day_start + HOUR_MS, 1);
  _cb_sim_schedule (self, self->day_end, CB_SIM_EV_DAY_ROLLOVER, 0, 0, NULL, 0);

  for (guint i = 0; i < self->n_agents; i++)
    {
      CbSimAgentPriv *agent = &self->agents[i];

      memset (agent->pub.state_ms_today, 0, sizeof agent->pub.state_ms_today);
      agent->pub.calls_handled_today = 0;
      _cb_sim_touch_agent (self, agent);
    }
  for (guint i = 0; i < self->n_queues; i++)
    {
      _cb_sim_queue_reset_day (&self->queues[i]);
      _cb_sim_touch_queue (self, &self->queues[i]);
    }
  for (guint i = 0; i < self->n_campaigns; i++)
    {
      _cb_sim_dialer_reset_day (&self->campaigns[i]);
      _cb_sim_touch_campaign (self, &self->campaigns[i]);
    }
}

static void
dispatch (CbSimEngine      *self,
          const CbSimEvent *event)
{
  switch ((CbSimEventKind) event->kind)
    {
    case CB_SIM_EV_DAY_ROLLOVER:
      day_rollover (self);
      break;

    case CB_SIM_EV_ARRIVAL:
    case CB_SIM_EV_REPEAT_ARRIVAL:
    case CB_SIM_EV_ABANDON:
    case CB_SIM_EV_RING_ANSWER:
    case CB_SIM_EV_RING_TIMEOUT:
      _cb_sim_inbound_dispatch (self, event);
      break;

    case CB_SIM_EV_HOLD_START:
    case CB_SIM_EV_HOLD_END:
    case CB_SIM_EV_TALK_END:
    case CB_SIM_EV_LINGER_END:
      call_dispatch (self, event);
      break;

    case CB_SIM_EV_WRAP_END:
    case CB_SIM_EV_PAUSE_END:
    case CB_SIM_EV_SHIFT_START:
    case CB_SIM_EV_SHIFT_END:
    case CB_SIM_EV_PAUSE_TRIGGER:
      agent_dispatch (self, event);
      break;

    case CB_SIM_EV_PREVIEW_END:
    case CB_SIM_EV_PACER:
    case CB_SIM_EV_DIAL_RESULT:
    case CB_SIM_EV_CONNECT_TIMEOUT:
      _cb_sim_dialer_dispatch (self, event);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Setup --------------------------------------------------------------------- */

static int
compare_skills (gconstpointer a,
                gconstpointer b)
{
  const CbSimSkillSlot *sa = a;
  const CbSimSkillSlot *sb = b;

  return (int) sa->queue->index - (int) sb->queue->index;
}

/* Workforce planning, greedily: each inbound agent in turn gets the shift
 * start that helps the most understaffed hours, against the arrival profile
 * scaled so that the whole staff covers the whole demand. An hour's need
 * for one more agent is exp(−3 × staff / required): it compares staffing
 * ratios, so that the quiet evening is staffed in proportion like the peak
 * (a shortfall hurts a small team as much as a large one). Outbound agents
 * keep their random starts. */
static void
staff_to_profile (CbSimEngine *self,
                  guint        n_in,
                  guint        n_starts)
{
  const CbSimConfig *config = &self->config;
  const gint64 slot_ms = G_GINT64_CONSTANT (15) * 60 * 1000;
  guint shift_slots = (guint) (config->shift_length_ms / slot_ms);
  double demand = 0.0;
  double staff[CB_SIM_PROFILE_SLOTS] = { 0.0, };
  double scale;

  if (config->shift_length_ms <= 0 || n_in == 0 || shift_slots == 0)
    return;

  for (guint t = 0; t < CB_SIM_PROFILE_SLOTS; t++)
    demand += MAX (config->profile[t], 0.0);
  if (demand <= 0.0)
    return;
  scale = (double) n_in * shift_slots / demand;

  for (guint i = 0; i < n_in; i++)
    {
      CbSimAgentPriv *agent = &self->agents[i];
      double best_gain = -G_MAXDOUBLE;
      guint best = 0;

      for (guint k = 0; k < n_starts; k++)
        {
          gint64 start = config->shift_first_start_ms + k * config->shift_start_step_ms;
          guint first = (guint) (start / slot_ms);
          double gain = 0.0;

          for (guint t = first; t < first + shift_slots; t++)
            {
              double required = scale * config->profile[t % CB_SIM_PROFILE_SLOTS];

              if (required > 0.0)
                gain += exp (-3.0 * staff[t % CB_SIM_PROFILE_SLOTS] / required);
            }
          if (gain > best_gain)
            {
              best_gain = gain;
              best = k;
            }
        }

      agent->shift_offset_ms = config->shift_first_start_ms + best * config->shift_start_step_ms;
      for (guint t = 0; t < shift_slots; t++)
        staff[(agent->shift_offset_ms / slot_ms + t) % CB_SIM_PROFILE_SLOTS] += 1.0;
    }
}

static void
setup_agents (CbSimEngine *self)
{
  const CbSimConfig *config = &self->config;
  guint n_out = 0;
  guint n_in;
  double *cumulative = NULL;
  double total = 0.0;
  guint n_slots = 1;

  if (self->n_campaigns > 0)
    n_out = (guint) round (self->n_agents * CLAMP (config->outbound_share, 0.0, 1.0));
  if (self->n_queues == 0 && self->n_campaigns > 0)
    n_out = self->n_agents;
  n_in = self->n_agents - n_out;

  /* Primary skills are spread over the queues in proportion to their traffic. */
  if (self->n_queues > 0)
    {
      cumulative = g_new (double, self->n_queues);
      for (guint q = 0; q < self->n_queues; q++)
        {
          total += self->queues[q].pub.calls_per_hour;
          cumulative[q] = total;
        }
    }

  if (config->shift_length_ms > 0 && config->shift_start_step_ms > 0 &&
      config->shift_last_start_ms > config->shift_first_start_ms)
    n_slots = 1 + (guint) ((config->shift_last_start_ms - config->shift_first_start_ms)
                           / config->shift_start_step_ms);

  for (guint i = 0; i < self->n_agents; i++)
    {
      CbSimAgentPriv *agent = &self->agents[i];
      CbSimCountry country = cb_sim_names_pick_country (&self->setup_rng);

      agent->index = i;
      g_snprintf (agent->pub.id, sizeof agent->pub.id, "agent-%04u", i + 1);
      agent->name = cb_sim_names_person (&self->setup_rng, country);
      agent->pub.name = agent->name;
      agent->pub.state = CB_SIM_AGENT_LOGGED_OUT;
      agent->pub.state_since_ms = self->now;
      agent->pause_reason = CB_SIM_NO_REASON;
      agent->pending_reason = CB_SIM_NO_REASON;
      agent->ready_link.data = agent;
      if (self->n_teams > 0)
        agent->pub.team_id = self->teams[i % self->n_teams].id;
      agent->shift_offset_ms = config->shift_first_start_ms
                               + cb_sim_random_below (&self->setup_rng,
                                                      n_slots) * config->shift_start_step_ms;

      if (i >= n_in)
        {
          CbSimCampaignPriv *campaign = &self->campaigns[(i - n_in) % self->n_campaigns];

          agent->campaign = campaign;
          agent->pub.campaign_id = campaign->pub.id;
          g_ptr_array_add (campaign->agents, agent);
          continue;
        }

      if (self->n_queues > 0)
        {
          guint max_skills = CLAMP (config->max_skills, 1, self->n_queues);
          guint n_skills = 1 + cb_sim_random_below (&self->setup_rng, max_skills);
          double position = (i + 0.5) / n_in * total;
          guint primary = 0;

          while (primary + 1 < self->n_queues && cumulative[primary] <= position)
            primary++;

          agent->slots = g_new0 (CbSimSkillSlot, n_skills);
          agent->skills = g_new0 (CbSimSkill, n_skills);
          agent->slots[0] = (CbSimSkillSlot) { agent, &self->queues[primary],
                                               5 + cb_sim_random_below (&self->setup_rng, 6), -1 };
          agent->pub.n_skills = 1;
          for (guint attempt = 0;
               agent->pub.n_skills < n_skills && attempt < 4 * n_skills;
               attempt++)
            {
              guint q = cb_sim_random_below (&self->setup_rng, self->n_queues);
              gboolean known = FALSE;

              for (guint s = 0; s < agent->pub.n_skills; s++)
                known |= agent->slots[s].queue->index == q;
              if (known)
                continue;
              agent->slots[agent->pub.n_skills++] = (CbSimSkillSlot) {
                agent, &self->queues[q], 1 + cb_sim_random_below (&self->setup_rng, 7), -1 };
            }

          qsort (agent->slots, agent->pub.n_skills, sizeof (CbSimSkillSlot), compare_skills);
          for (guint s = 0; s < agent->pub.n_skills; s++)
            agent->skills[s] = (CbSimSkill) { agent->slots[s].queue->pub.id,
                                              agent->slots[s].level };
          agent->pub.skills = agent->skills;
        }
    }

  g_free (cumulative);

  staff_to_profile (self, n_in, n_slots);
}

/* Log in whoever is on shift at the start; the rest get their shift start. */
static void
start_agents (CbSimEngine *self)
{
  for (guint i = 0; i < self->n_agents; i++)
    {
      CbSimAgentPriv *agent = &self->agents[i];
      gint64 start, end;

      if (self->config.shift_length_ms <= 0)
        {
          agent_login (self, agent, FALSE);
          continue;
        }

      agent_shift_after (self, agent, self->now, &start, &end);
      if (start <= self->now)
        agent_login (self, agent, FALSE);
      else
        agent_schedule_next_shift (self, agent);
    }
}

static void
setup (CbSimEngine *self)
{
  const CbSimConfig *config = &self->config;

  if (config->time_zone != NULL)
    self->tz = g_time_zone_new_identifier (config->time_zone);
  if (self->tz == NULL)
    self->tz = g_time_zone_new_local ();

  if (config->start_ms == 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new (self->tz, 2026, 11, 23, 8, 0, 0);

      self->config.start_ms = g_date_time_to_unix (dt) * 1000;
    }
  self->now = self->config.start_ms;
  self->day_start = _cb_sim_local_midnight (self, self->now, 0);
  self->day_end = _cb_sim_local_midnight (self, self->now, 1);

  cb_sim_random_init (&self->rng, config->seed);
  cb_sim_random_init (&self->setup_rng, config->seed ^ G_GUINT64_CONSTANT (0x5eed5e7a9c0ffee1));

  self->reason_missed = CB_SIM_NO_REASON;
  self->reason_after_call = CB_SIM_NO_REASON;
  for (guint r = 0; r < config->n_pause_reasons; r++)
    {
      CbSimPauseTrigger trigger = config->pause_reasons[r].trigger;

      if (trigger == CB_SIM_PAUSE_ON_MISSED && self->reason_missed == CB_SIM_NO_REASON)
        self->reason_missed = r;
      if (trigger == CB_SIM_PAUSE_AFTER_CALL && self->reason_after_call == CB_SIM_NO_REASON)
        self->reason_after_call = r;
    }

  self->n_teams = config->n_teams;
  self->teams = g_new0 (CbSimTeam, MAX (self->n_teams, 1));
  self->team_names = g_new0 (char *, self->n_teams + 1);
  for (guint i = 0; i < self->n_teams; i++)
    {
      g_snprintf (self->teams[i].id, sizeof self->teams[i].id, "team-%02u", i + 1);
      self->team_names[i] = cb_sim_names_team (i);
      self->teams[i].name = self->team_names[i];
    }

  self->n_agents = config->n_agents;
  self->agents = g_new0 (CbSimAgentPriv, MAX (self->n_agents, 1));

  _cb_sim_inbound_setup (self);
  _cb_sim_dialer_setup (self);
  setup_agents (self);

  for (guint i = 0; i < self->n_agents; i++)
    g_hash_table_insert (self->agent_by_id, self->agents[i].pub.id, &self->agents[i]);

  self->history = g_new0 (CbSimCallPriv *, MAX (config->history_capacity, 1));

  /* Nobody listens yet: this only builds the initial state. */
  start_agents (self);
  _cb_sim_inbound_start (self);
  _cb_sim_dialer_start (self);
  _cb_sim_schedule (self, self->day_end, CB_SIM_EV_DAY_ROLLOVER, 0, 0, NULL, 0);
}

/* GObject ------------------------------------------------------------------- */

static void
cb_sim_engine_finalize (GObject *object)
{
  CbSimEngine *self = (CbSimEngine *) object;
  GList *link;

  for (guint i = 0; i < self->events->len; i++)
    event_release (&g_array_index (self->events, CbSimEvent, i));
  g_clear_pointer (&self->events, g_array_unref);

  for (guint i = 0; i < self->n_agents; i++)
    {
      CbSimAgentPriv *agent = &self->agents[i];

      _cb_sim_agent_set_call (self, agent, NULL);
      g_free (agent->name);
      g_free (agent->slots);
      g_free (agent->skills);
    }
  g_clear_pointer (&self->agents, g_free);

  for (guint i = 0; i < self->n_queues; i++)
    {
      g_free (self->queues[i].name);
      g_clear_pointer (&self->queues[i].heap, g_ptr_array_unref);
    }
  g_clear_pointer (&self->queues, g_free);

  _cb_sim_dialer_finalize (self);

  while ((link = g_queue_pop_head_link (&self->live)) != NULL)
    _cb_sim_call_unref (link->data);
  for (guint i = 0; i < self->history_len; i++)
    _cb_sim_call_unref (self->history[(self->history_head + i)
                                      % MAX (self->config.history_capacity, 1)]);
  g_clear_pointer (&self->history, g_free);

  g_clear_pointer (&self->teams, g_free);
  g_clear_pointer (&self->team_names, g_strfreev);

  g_clear_pointer (&self->agent_by_id, g_hash_table_unref);
  g_clear_pointer (&self->queue_by_id, g_hash_table_unref);
  g_clear_pointer (&self->campaign_by_id, g_hash_table_unref);
  g_clear_pointer (&self->lead_by_id, g_hash_table_unref);
  g_clear_pointer (&self->number_attempts, g_hash_table_unref);
  g_clear_pointer (&self->live_calls, g_hash_table_unref);
  g_clear_pointer (&self->history_by_id, g_hash_table_unref);

  for (guint i = 0; i < self->listeners->len; i++)
    {
      CbSimListener *l = &g_array_index (self->listeners, CbSimListener, i);

      if (l->func != NULL && l->destroy != NULL)
        l->destroy (l->user_data);
    }
  g_clear_pointer (&self->listeners, g_array_unref);
  g_clear_pointer (&self->tz, g_time_zone_unref);

  G_OBJECT_CLASS (cb_sim_engine_parent_class)->finalize (object);
}

static void
cb_sim_engine_class_init (CbSimEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cb_sim_engine_finalize;
}

static void
cb_sim_engine_init (CbSimEngine *self)
{
  self->events = g_array_sized_new (FALSE, FALSE, sizeof (CbSimEvent), 1024);
  self->listeners = g_array_new (FALSE, TRUE, sizeof (CbSimListener));
  self->next_listener_id = 1;
  g_queue_init (&self->live);
  self->agent_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->queue_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->campaign_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->lead_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->number_attempts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                 (GDestroyNotify) g_array_unref);
  self->live_calls = g_hash_table_new (g_str_hash, g_str_equal);
  self->history_by_id = g_hash_table_new (g_str_hash, g_str_equal);
}

/**
 * cb_sim_engine_new:
 * @config: (nullable): the configuration, or %NULL for the defaults
 *
 * Builds the contact center at the configured start time: agents on shift
 * are logged in and available, queues are empty, campaigns are running.
 * Nothing is emitted until the first cb_sim_engine_advance_to().
 */
CbSimEngine *
cb_sim_engine_new (const CbSimConfig *config)
{
  CbSimEngine *self;

  g_return_val_if_fail (config == NULL || config->n_pause_reasons <= CB_SIM_MAX_PAUSE_REASONS, NULL);
  g_return_val_if_fail (config == NULL || config->campaign.n_lead_zones <= CB_SIM_MAX_LEAD_ZONES, NULL);
  g_return_val_if_fail (config == NULL || config->pacer_interval_ms > 0, NULL);

  self = g_object_new (CB_TYPE_SIM_ENGINE, NULL);
  if (config != NULL)
    self->config = *config;
  else
    cb_sim_config_init_default (&self->config);

  setup (self);
  return self;
}

/* Public API ---------------------------------------------------------------- */

const CbSimConfig *
cb_sim_engine_get_config (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);

  return &self->config;
}

gint64
cb_sim_engine_get_now (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->now;
}

/* Local midnight that began the current day (the "today" of the counters). */
gint64
cb_sim_engine_get_day_start (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->day_start;
}

/* When the next event happens, or G_MAXINT64 if nothing is scheduled. */
gint64
cb_sim_engine_get_next_event_time (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), G_MAXINT64);

  if (self->events->len == 0)
    return G_MAXINT64;
  return g_array_index (self->events, CbSimEvent, 0).at_ms;
}

/* How many events have been processed since creation. */
guint64
cb_sim_engine_get_n_events (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->n_events;
}

/**
 * cb_sim_engine_advance_to:
 * @t_ms: the instant to advance to
 *
 * Processes every event scheduled at or before @t_ms, in time order (ties
 * in the order they were scheduled), emitting the changes, then sets the
 * clock to @t_ms. An instant in the past does nothing.
 */
void
cb_sim_engine_advance_to (CbSimEngine *self,
                          gint64       t_ms)
{
  g_return_if_fail (CB_IS_SIM_ENGINE (self));
  g_return_if_fail (!self->advancing && self->emitting == 0);

  if (t_ms < self->now)
    return;

  self->advancing = TRUE;
  while (self->events->len > 0 && g_array_index (self->events, CbSimEvent, 0).at_ms <= t_ms)
    {
      CbSimEvent event;

      events_pop (self, &event);
      self->now = event.at_ms;
      self->n_events++;
      dispatch (self, &event);
      event_release (&event);
    }
  self->now = t_ms;
  self->advancing = FALSE;
}

/**
 * cb_sim_engine_add_listener:
 * @func: called for every change
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data when the listener is removed
 *
 * Returns: an id for cb_sim_engine_remove_listener()
 */
guint
cb_sim_engine_add_listener (CbSimEngine     *self,
                            CbSimChangeFunc  func,
                            gpointer         user_data,
                            GDestroyNotify   destroy)
{
  CbSimListener listener = { self->next_listener_id++, func, user_data, destroy };

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);
  g_return_val_if_fail (func != NULL, 0);

  g_array_append_val (self->listeners, listener);
  return listener.id;
}

void
cb_sim_engine_remove_listener (CbSimEngine *self,
                               guint        listener_id)
{
  g_return_if_fail (CB_IS_SIM_ENGINE (self));

  for (guint i = 0; i < self->listeners->len; i++)
    {
      CbSimListener *l = &g_array_index (self->listeners, CbSimListener, i);

      if (l->id != listener_id || l->func == NULL)
        continue;

      if (l->destroy != NULL)
        l->destroy (l->user_data);
      l->func = NULL;
      l->destroy = NULL;
      if (self->emitting > 0)
        self->listeners_dirty = TRUE;
      else
        g_array_remove_index (self->listeners, i);
      return;
    }

  g_critical ("%s: no listener %u", G_STRFUNC, listener_id);
}

guint
cb_sim_engine_get_n_agents (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->n_agents;
}

const CbSimAgent *
cb_sim_engine_get_agent_nth (CbSimEngine *self,
                             guint        index)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (index < self->n_agents, NULL);

  return &self->agents[index].pub;
}

const CbSimAgent *
cb_sim_engine_get_agent (CbSimEngine *self,
                         const char  *id)
{
  CbSimAgentPriv *agent;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  agent = g_hash_table_lookup (self->agent_by_id, id);
  return agent != NULL ? &agent->pub : NULL;
}

/**
 * cb_sim_engine_agent_state_ms:
 *
 * Milliseconds @agent spent in @state since local midnight, including the
 * current state up to now.
 */
gint64
cb_sim_engine_agent_state_ms (CbSimEngine      *self,
                              const CbSimAgent *agent,
                              CbSimAgentState   state)
{
  gint64 ms;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);
  g_return_val_if_fail (agent != NULL, 0);
  g_return_val_if_fail (state < CB_SIM_AGENT_N_STATES, 0);

  ms = agent->state_ms_today[state];
  if (agent->state == state)
    ms += self->now - MAX (agent->state_since_ms, self->day_start);
  return ms;
}

guint
cb_sim_engine_get_n_teams (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->n_teams;
}

const CbSimTeam *
cb_sim_engine_get_team_nth (CbSimEngine *self,
                            guint        index)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (index < self->n_teams, NULL);

  return &self->teams[index];
}

guint
cb_sim_engine_get_n_queues (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->n_queues;
}

const CbSimQueue *
cb_sim_engine_get_queue_nth (CbSimEngine *self,
                             guint        index)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (index < self->n_queues, NULL);

  return &self->queues[index].pub;
}

const CbSimQueue *
cb_sim_engine_get_queue (CbSimEngine *self,
                         const char  *id)
{
  CbSimQueuePriv *queue;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  queue = g_hash_table_lookup (self->queue_by_id, id);
  return queue != NULL ? &queue->pub : NULL;
}

guint
cb_sim_engine_get_n_campaigns (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->n_campaigns;
}

const CbSimCampaign *
cb_sim_engine_get_campaign_nth (CbSimEngine *self,
                                guint        index)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (index < self->n_campaigns, NULL);

  return &self->campaigns[index].pub;
}

const CbSimCampaign *
cb_sim_engine_get_campaign (CbSimEngine *self,
                            const char  *id)
{
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  campaign = g_hash_table_lookup (self->campaign_by_id, id);
  return campaign != NULL ? &campaign->pub : NULL;
}

const CbSimAgent *
cb_sim_engine_get_campaign_agent (CbSimEngine         *self,
                                  const CbSimCampaign *campaign,
                                  guint                index)
{
  const CbSimCampaignPriv *priv = (const CbSimCampaignPriv *) campaign;
  const CbSimAgentPriv *agent;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (campaign != NULL, NULL);
  g_return_val_if_fail (index < priv->agents->len, NULL);

  agent = g_ptr_array_index (priv->agents, index);
  return &agent->pub;
}

const CbSimLead *
cb_sim_engine_get_campaign_lead (CbSimEngine         *self,
                                 const CbSimCampaign *campaign,
                                 guint                index)
{
  const CbSimCampaignPriv *priv = (const CbSimCampaignPriv *) campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (campaign != NULL, NULL);
  g_return_val_if_fail (index < campaign->n_leads, NULL);

  return &priv->leads[index].pub;
}

const CbSimLead *
cb_sim_engine_get_lead (CbSimEngine *self,
                        const char  *id)
{
  CbSimLeadPriv *lead;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  lead = g_hash_table_lookup (self->lead_by_id, id);
  return lead != NULL ? &lead->pub : NULL;
}

/**
 * cb_sim_engine_get_level_history:
 * @n_points: (out): the number of points
 *
 * The dial levels the campaign used, each with the instant it was set, oldest
 * first (a bounded window of the most recent changes). Valid until the next
 * cb_sim_engine_advance_to() or command.
 */
const CbSimLevelPoint *
cb_sim_engine_get_level_history (CbSimEngine         *self,
                                 const CbSimCampaign *campaign,
                                 guint               *n_points)
{
  const CbSimCampaignPriv *priv = (const CbSimCampaignPriv *) campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (campaign != NULL, NULL);
  g_return_val_if_fail (n_points != NULL, NULL);

  *n_points = priv->level_history->len;
  return (const CbSimLevelPoint *) (gconstpointer) priv->level_history->data;
}

/* A live call (not yet deleted), or NULL. */
const CbSimCall *
cb_sim_engine_get_call (CbSimEngine *self,
                        const char  *id)
{
  CbSimCallPriv *call;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  call = g_hash_table_lookup (self->live_calls, id);
  return call != NULL ? &call->pub : NULL;
}

/* Calls @func (const CbSimCall *, @user_data) for every live call, oldest first. */
void
cb_sim_engine_foreach_call (CbSimEngine *self,
                            GFunc        func,
                            gpointer     user_data)
{
  g_return_if_fail (CB_IS_SIM_ENGINE (self));
  g_return_if_fail (func != NULL);

  for (GList *l = self->live.head; l != NULL; l = l->next)
    func (&((CbSimCallPriv *) l->data)->pub, user_data);
}

guint
cb_sim_engine_get_n_live_calls (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->live.length;
}

/* Ended calls kept in the history ring. */
guint
cb_sim_engine_get_history_length (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->history_len;
}

/* The @index-th ended call still in the history, 0 being the oldest. */
const CbSimCall *
cb_sim_engine_get_history_nth (CbSimEngine *self,
                               guint        index)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (index < self->history_len, NULL);

  return &self->history[(self->history_head + index) % self->config.history_capacity]->pub;
}

const CbSimCall *
cb_sim_engine_get_history_call (CbSimEngine *self,
                                const char  *id)
{
  CbSimCallPriv *call;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  call = g_hash_table_lookup (self->history_by_id, id);
  return call != NULL ? &call->pub : NULL;
}

/* Calls that ever ended, including those pushed out of the history ring. */
guint64
cb_sim_engine_get_history_total (CbSimEngine *self)
{
  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), 0);

  return self->history_total;
}

static guint
find_pause_reason (CbSimEngine *self,
                   const char  *code)
{
  for (guint r = 0; code != NULL && r < self->config.n_pause_reasons; r++)
    if (g_strcmp0 (self->config.pause_reasons[r].code, code) == 0)
      return r;
  return CB_SIM_NO_REASON;
}

/**
 * cb_sim_engine_set_agent_state:
 * @agent_id: the agent
 * @state: %CB_SIM_AGENT_AVAILABLE, %CB_SIM_AGENT_PAUSED or %CB_SIM_AGENT_LOGGED_OUT
 * @reason_code: (nullable): a configured pause reason; required for paused
 * @pending: (out) (optional): set to %TRUE when the change waits for the call to end
 *
 * Changes an agent's state as a supervisor or the agent's phone would:
 *
 * - available: resumes a paused agent, or logs in a logged-out one (the
 *   agent then stays until the end of the current or next shift). During a
 *   call (ringing, on call, on hold, wrap-up, or reserved for an outbound
 *   dial) it is refused with %CB_SIM_ERROR_INVALID_STATE; for an available
 *   agent it cancels a pending change.
 * - paused: pauses an available agent, or changes a paused agent's reason.
 *   A commanded pause ends by itself after the reason's duration, like any
 *   other. During a call it becomes pending (@pending = %TRUE) and applies
 *   when the wrap-up ends. A logged-out agent: %CB_SIM_ERROR_INVALID_STATE.
 * - logged_out: logs out an available or paused agent at once, or is
 *   pending during a call. The agent logs in again at the next shift start.
 *
 * Returns: %CB_SIM_OK, %CB_SIM_ERROR_NOT_FOUND, %CB_SIM_ERROR_INVALID_STATE,
 *   or %CB_SIM_ERROR_INVALID_ARGUMENT (another state, an unknown reason)
 */
CbSimResult
cb_sim_engine_set_agent_state (CbSimEngine     *self,
                               const char      *agent_id,
                               CbSimAgentState  state,
                               const char      *reason_code,
                               gboolean        *pending)
{
  CbSimAgentPriv *agent;
  guint reason = CB_SIM_NO_REASON;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (agent_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  if (pending != NULL)
    *pending = FALSE;

  agent = g_hash_table_lookup (self->agent_by_id, agent_id);
  if (agent == NULL)
    return CB_SIM_ERROR_NOT_FOUND;

  switch (state)
    {
    case CB_SIM_AGENT_AVAILABLE:
      if (agent_is_engaged (agent))
        return CB_SIM_ERROR_INVALID_STATE;
      if (agent->pub.state == CB_SIM_AGENT_LOGGED_OUT)
        agent_login (self, agent, TRUE);
      else if (agent->pub.state == CB_SIM_AGENT_PAUSED)
        agent_make_available (self, agent, TRUE);
      else if (agent->pub.has_pending)
        {
          agent_clear_pending (agent);
          _cb_sim_touch_agent (self, agent);
        }
      return CB_SIM_OK;

    case CB_SIM_AGENT_PAUSED:
      reason = find_pause_reason (self, reason_code);
      if (reason == CB_SIM_NO_REASON)
        return CB_SIM_ERROR_INVALID_ARGUMENT;
      if (agent->pub.state == CB_SIM_AGENT_LOGGED_OUT)
        return CB_SIM_ERROR_INVALID_STATE;
      if (agent_is_engaged (agent))
        {
          agent_set_pending (self, agent, CB_SIM_AGENT_PAUSED, reason);
          if (pending != NULL)
            *pending = TRUE;
          return CB_SIM_OK;
        }
      _cb_sim_agent_pause (self, agent, reason);
      return CB_SIM_OK;

    case CB_SIM_AGENT_LOGGED_OUT:
      if (reason_code != NULL)
        return CB_SIM_ERROR_INVALID_ARGUMENT;
      if (agent->pub.state == CB_SIM_AGENT_LOGGED_OUT)
        return CB_SIM_OK;
      if (agent_is_engaged (agent))
        {
          agent_set_pending (self, agent, CB_SIM_AGENT_LOGGED_OUT, CB_SIM_NO_REASON);
          if (pending != NULL)
            *pending = TRUE;
          return CB_SIM_OK;
        }
      agent_logout (self, agent);
      return CB_SIM_OK;

    case CB_SIM_AGENT_RINGING:
    case CB_SIM_AGENT_ON_CALL:
    case CB_SIM_AGENT_ON_HOLD:
    case CB_SIM_AGENT_WRAP_UP:
    case CB_SIM_AGENT_N_STATES:
    default:
      return CB_SIM_ERROR_INVALID_ARGUMENT;
    }
}
