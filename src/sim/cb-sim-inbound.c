/* cb-sim-inbound.c — inbound queues of the simulator: arrivals, patience, skills-based routing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each queue keeps its waiting calls in arrival order (a call whose agent
 * missed it goes back to the front) and its available agents in an indexed
 * binary heap ordered by skill level (highest first), then by the time they
 * became available (longest idle first), then by agent number. An agent
 * with several skills sits in several heaps and knows its position in each,
 * so it leaves all of them in O(skills × log n) when it becomes busy.
 * See cb-sim-engine.c for the model.
 */
#define G_LOG_DOMAIN "cb-sim"

#include "config.h"

#include <math.h>

#include "cb-sim-engine-private.h"

#define HOUR_MS (G_GINT64_CONSTANT (3600) * 1000)
#define SLOT_MS (G_GINT64_CONSTANT (15) * 60 * 1000)

/* Agent heaps --------------------------------------------------------------- */

static inline gboolean
slot_before (const CbSimSkillSlot *a,
             const CbSimSkillSlot *b)
{
  if (a->level != b->level)
    return a->level > b->level;
  if (a->agent->available_since_ms != b->agent->available_since_ms)
    return a->agent->available_since_ms < b->agent->available_since_ms;
  return a->agent->index < b->agent->index;
}

static inline void
heap_put (GPtrArray      *heap,
          guint           i,
          CbSimSkillSlot *slot)
{
  heap->pdata[i] = slot;
  slot->heap_pos = (int) i;
}

static void
heap_sift_up (GPtrArray *heap,
              guint      i)
{
  CbSimSkillSlot *slot = heap->pdata[i];

  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (!slot_before (slot, heap->pdata[parent]))
        break;
      heap_put (heap, i, heap->pdata[parent]);
      i = parent;
    }
  heap_put (heap, i, slot);
}

static void
heap_sift_down (GPtrArray *heap,
                guint      i)
{
  CbSimSkillSlot *slot = heap->pdata[i];
  guint len = heap->len;

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= len)
        break;
      if (child + 1 < len && slot_before (heap->pdata[child + 1], heap->pdata[child]))
        child++;
      if (!slot_before (heap->pdata[child], slot))
        break;
      heap_put (heap, i, heap->pdata[child]);
      i = child;
    }
  heap_put (heap, i, slot);
}

void
_cb_sim_queue_heap_insert (CbSimQueuePriv *queue,
                           CbSimSkillSlot *slot)
{
  g_assert (slot->heap_pos < 0);

  g_ptr_array_add (queue->heap, slot);
  heap_sift_up (queue->heap, queue->heap->len - 1);
}

void
_cb_sim_queue_heap_remove (CbSimQueuePriv *queue,
                           CbSimSkillSlot *slot)
{
  GPtrArray *heap = queue->heap;
  guint i = (guint) slot->heap_pos;
  CbSimSkillSlot *last;

  g_assert (slot->heap_pos >= 0 && i < heap->len && heap->pdata[i] == slot);

  last = g_ptr_array_steal_index (heap, heap->len - 1);
  slot->heap_pos = -1;
  if (last == slot)
    return;

  heap_put (heap, i, last);
  if (i > 0 && slot_before (last, heap->pdata[(i - 1) / 2]))
    heap_sift_up (heap, i);
  else
    heap_sift_down (heap, i);
}

/* Queues -------------------------------------------------------------------- */

void
_cb_sim_queue_reset_day (CbSimQueuePriv *queue)
{
  CbSimQueueStats *s = &queue->pub.stats;

  s->offered = 0;
  s->answered = 0;
  s->abandoned = 0;
  s->answered_in_sl = 0;
  s->abandoned_in_sl = 0;
  s->transferred_out = 0;
  s->answer_wait_ms = 0;
  s->abandon_wait_ms = 0;
  s->talk_ms = 0;
  s->hold_ms = 0;
  s->wrap_ms = 0;
}

static void
queue_update_longest (CbSimQueuePriv *queue)
{
  CbSimCallPriv *head = queue->waiting.head != NULL ? queue->waiting.head->data : NULL;

  queue->pub.stats.waiting = queue->waiting.length;
  queue->pub.stats.longest_waiting_since_ms = head != NULL ? head->pub.queue_entered_ms : 0;
}

static void
queue_remove_waiting (CbSimQueuePriv *queue,
                      CbSimCallPriv  *call)
{
  g_queue_unlink (&queue->waiting, &call->queue_link);
  queue_update_longest (queue);
}

/* Ring @agent with @call, which is waiting in its queue. */
static void
offer (CbSimEngine    *self,
       CbSimCallPriv  *call,
       CbSimAgentPriv *agent)
{
  const CbSimConfig *config = &self->config;
  CbSimQueuePriv *queue = call->queue;

  queue_remove_waiting (queue, call);

  call->agent = agent;
  call->pub.agent_id = agent->pub.id;
  call->pub.offered_ms = self->now;
  _cb_sim_agent_set_call (self, agent, call);
  _cb_sim_agent_set_state (self, agent, CB_SIM_AGENT_RINGING, CB_SIM_NO_REASON);
  _cb_sim_call_set_state (self, call, CB_SIM_CALL_RINGING);
  _cb_sim_touch_queue (self, queue);

  if (cb_sim_random_chance (&self->rng, config->miss_probability))
    {
      _cb_sim_schedule_call (self, self->now + config->ring_timeout_ms, CB_SIM_EV_RING_TIMEOUT,
                             call, call->token);
    }
  else
    {
      gint64 ring = cb_sim_dist_sample_ms (&config->ring, &self->rng);

      ring = MIN (ring, MAX (config->ring_timeout_ms - 1, 0));
      _cb_sim_schedule_call (self, self->now + ring, CB_SIM_EV_RING_ANSWER, call, call->token);
    }
}

/* Put @call in @queue and ring an agent if one is free. @entering: the call
 * is new to this queue (offered, patience drawn); otherwise it comes back
 * after a missed ring and goes to the front. */
static void
enqueue (CbSimEngine    *self,
         CbSimQueuePriv *queue,
         CbSimCallPriv  *call,
         gboolean        entering)
{
  if (entering)
    {
      gint64 patience = cb_sim_dist_sample_ms (&self->config.patience, &self->rng);

      call->queue = queue;
      call->handling = &queue->handling;
      call->pub.queue_id = queue->pub.id;
      call->pub.queue_entered_ms = self->now;
      call->pub.queue_answered_ms = 0;
      if (call->pub.queued_ms == 0)
        call->pub.queued_ms = self->now;
      queue->pub.stats.offered++;

      call->patience_token++;
      _cb_sim_schedule_call (self, self->now + patience, CB_SIM_EV_ABANDON, call,
                             call->patience_token);
    }

  call->queue_link.data = call;
  if (entering)
    g_queue_push_tail_link (&queue->waiting, &call->queue_link);
  else
    g_queue_push_head_link (&queue->waiting, &call->queue_link);
  queue_update_longest (queue);

  _cb_sim_call_set_state (self, call, CB_SIM_CALL_QUEUED);
  _cb_sim_touch_queue (self, queue);

  if (queue->heap->len > 0)
    {
      CbSimSkillSlot *top = queue->heap->pdata[0];

      offer (self, call, top->agent);
    }
}

static void
new_call (CbSimEngine    *self,
          CbSimQueuePriv *queue,
          const char     *number,
          const char     *previous)
{
  CbSimCallPriv *call = _cb_sim_call_new (self, CB_SIM_DIRECTION_INBOUND);

  if (number != NULL)
    g_strlcpy (call->pub.customer_number, number, sizeof call->pub.customer_number);
  else
    cb_sim_names_phone (&self->rng, cb_sim_names_pick_country (&self->rng),
                        call->pub.customer_number, sizeof call->pub.customer_number);
  if (previous != NULL)
    g_strlcpy (call->pub.repeat_of, previous, sizeof call->pub.repeat_of);
  call->pub.service_number = queue->service_number;

  enqueue (self, queue, call, TRUE);
}

static guint profile_slot (CbSimEngine *self,
                           gint64       t,
                           gint64      *slot_end);

/* @t, or if the lines are closed then (profile 0), a moment in the first
 * open quarter-hour after it: callers call back when someone answers. */
static gint64
next_open (CbSimEngine *self,
           gint64       t)
{
  for (guint i = 0; i < 2 * CB_SIM_PROFILE_SLOTS; i++)
    {
      gint64 slot_end;
      guint slot = profile_slot (self, t, &slot_end);

      if (self->config.profile[slot] > 0.0)
        return i == 0 ? t : t + (gint64) cb_sim_random_uniform (&self->rng, 0.0,
                                                                (double) (slot_end - t));
      t = slot_end;
    }
  return t;
}

/* The same caller will call again after @delay (in opening hours). */
static void
schedule_repeat (CbSimEngine   *self,
                 CbSimCallPriv *call,
                 gint64         delay)
{
  CbSimRepeat *repeat = g_new0 (CbSimRepeat, 1);

  g_strlcpy (repeat->number, call->pub.customer_number, sizeof repeat->number);
  g_strlcpy (repeat->previous, call->pub.id, sizeof repeat->previous);
  repeat->queue = call->queue->index;
  _cb_sim_schedule (self, next_open (self, self->now + delay), CB_SIM_EV_REPEAT_ARRIVAL, 0, 0,
                    repeat, 0);
}

/* An agent became available: take the waiting call of the queue where the
 * agent is most skilled (ties: the call that waited longest). */
void
_cb_sim_inbound_agent_available (CbSimEngine    *self,
                                 CbSimAgentPriv *agent)
{
  CbSimCallPriv *best = NULL;
  guint best_level = 0;

  for (guint i = 0; i < agent->pub.n_skills; i++)
    {
      CbSimSkillSlot *slot = &agent->slots[i];
      CbSimCallPriv *head;

      if (slot->queue->waiting.head == NULL)
        continue;
      head = slot->queue->waiting.head->data;
      if (best == NULL || slot->level > best_level ||
          (slot->level == best_level && head->pub.queue_entered_ms < best->pub.queue_entered_ms))
        {
          best = head;
          best_level = slot->level;
        }
    }

  if (best != NULL)
    offer (self, best, agent);
}

static void
abandon (CbSimEngine   *self,
         CbSimCallPriv *call)
{
  CbSimQueuePriv *queue = call->queue;
  CbSimAgentPriv *agent = NULL;
  gint64 wait = self->now - call->pub.queue_entered_ms;

  if (call->pub.state == CB_SIM_CALL_QUEUED)
    {
      queue_remove_waiting (queue, call);
    }
  else if (call->pub.state == CB_SIM_CALL_RINGING)
    {
      /* The caller hangs up while the agent's phone rings. */
      agent = call->agent;
      call->agent = NULL;
      call->pub.agent_id = NULL;
    }
  else
    {
      return;
    }

  call->patience_token++;
  queue->pub.stats.abandoned++;
  queue->pub.stats.abandon_wait_ms += wait;
  if (wait < (gint64) self->config.sl_threshold_s * 1000)
    queue->pub.stats.abandoned_in_sl++;

  call->pub.abandoned = TRUE;
  call->pub.end_reason = CB_SIM_END_ABANDONED;
  call->pub.ended_ms = self->now;
  _cb_sim_call_finish (self, call);
  _cb_sim_touch_queue (self, queue);

  if (agent != NULL)
    {
      _cb_sim_agent_set_call (self, agent, NULL);
      _cb_sim_agent_free (self, agent, FALSE);
    }

  if (cb_sim_random_chance (&self->rng, self->config.abandon_retry_probability))
    schedule_repeat (self, call, cb_sim_dist_sample_ms (&self->config.abandon_retry_delay,
                                                        &self->rng));
}

static void
ring_answer (CbSimEngine   *self,
             CbSimCallPriv *call)
{
  CbSimQueuePriv *queue = call->queue;
  gint64 wait = self->now - call->pub.queue_entered_ms;

  call->patience_token++;
  queue->pub.stats.answered++;
  queue->pub.stats.answer_wait_ms += wait;
  if (wait <= (gint64) self->config.sl_threshold_s * 1000)
    queue->pub.stats.answered_in_sl++;
  call->pub.queue_answered_ms = self->now;
  if (call->pub.answered_ms == 0)
    call->pub.answered_ms = self->now;

  _cb_sim_call_connect (self, call, call->agent);
  _cb_sim_touch_queue (self, queue);
}

/* The agent did not pick up: the call goes back to the front of the queue,
 * the agent is paused (MISSED) until it resumes. */
static void
ring_timeout (CbSimEngine   *self,
              CbSimCallPriv *call)
{
  CbSimAgentPriv *agent = call->agent;

  call->agent = NULL;
  call->pub.agent_id = NULL;
  _cb_sim_agent_set_call (self, agent, NULL);
  if (self->reason_missed != CB_SIM_NO_REASON && !agent->pub.has_pending)
    _cb_sim_agent_pause (self, agent, self->reason_missed);
  else
    _cb_sim_agent_free (self, agent, FALSE);

  enqueue (self, call->queue, call, FALSE);
}

void
_cb_sim_inbound_talk_end (CbSimEngine   *self,
                          CbSimCallPriv *call)
{
  const CbSimConfig *config = &self->config;
  CbSimAgentPriv *agent = call->agent;
  const double *weights;

  if (!call->transferred && self->n_queues > 1 &&
      cb_sim_random_chance (&self->rng, config->transfer_probability))
    {
      CbSimQueuePriv *from = call->queue;
      guint target = cb_sim_random_below (&self->rng, self->n_queues - 1);

      if (target >= from->index)
        target++;

      /* Blind transfer: the agent wraps up, the caller waits in the other queue. */
      _cb_sim_call_leg_done (self, call);
      call->transferred = TRUE;
      call->pub.transfer_from_queue_id = from->pub.id;
      call->pub.transfer_from_agent_id = agent->pub.id;
      call->pub.transfer_ms = self->now;
      from->pub.stats.transferred_out++;
      call->agent = NULL;

      _cb_sim_agent_set_state (self, agent, CB_SIM_AGENT_WRAP_UP, CB_SIM_NO_REASON);
      _cb_sim_schedule (self, self->now + cb_sim_dist_sample_ms (&call->handling->wrap_up,
                                                                 &self->rng),
                        CB_SIM_EV_WRAP_END, agent->index, agent->token, NULL, 0);
      _cb_sim_touch_queue (self, from);

      enqueue (self, &self->queues[target], call, TRUE);
      return;
    }

  if (cb_sim_random_chance (&self->rng, config->resolve_probability))
    {
      call->pub.disposition = CB_SIM_DISPOSITION_RESOLVED;
      weights = config->survey_weights_resolved;
    }
  else
    {
      call->pub.disposition = CB_SIM_DISPOSITION_UNRESOLVED;
      weights = config->survey_weights_unresolved;
    }
  if (cb_sim_random_chance (&self->rng, config->survey_probability))
    call->pub.survey_score = 1 + cb_sim_random_weighted (&self->rng, weights, 5);

  _cb_sim_call_hangup (self, call);

  if (call->pub.disposition == CB_SIM_DISPOSITION_UNRESOLVED &&
      cb_sim_random_chance (&self->rng, config->repeat_probability))
    {
      gint64 delay = cb_sim_dist_sample_ms (&config->repeat_delay, &self->rng);

      if (delay <= (gint64) config->repeat_window_days * 24 * HOUR_MS)
        schedule_repeat (self, call, delay);
    }
}

/* Arrivals ------------------------------------------------------------------ */

/* The 15-minute slot of the local day holding @t, and when it ends. */
static guint
profile_slot (CbSimEngine *self,
              gint64       t,
              gint64      *slot_end)
{
  gint64 day_start, day_end;
  guint slot;

  if (t >= self->day_start && t < self->day_end)
    {
      day_start = self->day_start;
      day_end = self->day_end;
    }
  else
    {
      day_start = _cb_sim_local_midnight (self, t, 0);
      day_end = _cb_sim_local_midnight (self, t, 1);
    }

  slot = (guint) MIN ((t - day_start) / SLOT_MS, CB_SIM_PROFILE_SLOTS - 1);
  if (slot == CB_SIM_PROFILE_SLOTS - 1)
    *slot_end = day_end;
  else
    *slot_end = MIN (day_start + (slot + 1) * SLOT_MS, day_end);
  return slot;
}

/* Non-homogeneous Poisson arrivals with a piecewise-constant rate: draw an
 * exponential gap at the current slot's rate; if it crosses the slot's end,
 * start again from the boundary at the next rate (the exponential is
 * memoryless, so this is exact). The clock is kept in double milliseconds
 * so that rounding never biases the rate. */
static void
schedule_arrival (CbSimEngine    *self,
                  CbSimQueuePriv *queue)
{
  double t = queue->arrival_clock;

  if (queue->pub.calls_per_hour <= 0.0)
    return;

  /* At most a few days of closed slots are skipped in one go. */
  for (guint i = 0; i < 4 * CB_SIM_PROFILE_SLOTS; i++)
    {
      gint64 slot_end;
      guint slot = profile_slot (self, (gint64) floor (t), &slot_end);
      double rate = queue->pub.calls_per_hour * self->config.profile[slot];

      if (rate > 0.0)
        {
          double gap = cb_sim_random_exponential (&self->rng, (double) HOUR_MS / rate);

          if (t + gap < (double) slot_end)
            {
              queue->arrival_clock = t + gap;
              _cb_sim_schedule (self, (gint64) floor (t + gap), CB_SIM_EV_ARRIVAL, queue->index, 1,
                                NULL, 0);
              return;
            }
        }
      t = (double) slot_end;
    }

  /* Still closed: look again from there. */
  queue->arrival_clock = t;
  _cb_sim_schedule (self, (gint64) floor (t), CB_SIM_EV_ARRIVAL, queue->index, 0, NULL, 0);
}

void
_cb_sim_inbound_dispatch (CbSimEngine      *self,
                          const CbSimEvent *event)
{
  switch ((CbSimEventKind) event->kind)
    {
    case CB_SIM_EV_ARRIVAL:
      {
        CbSimQueuePriv *queue = &self->queues[event->index];

        if (event->token == 1)
          new_call (self, queue, NULL, NULL);
        schedule_arrival (self, queue);
      }
      break;

    case CB_SIM_EV_REPEAT_ARRIVAL:
      {
        const CbSimRepeat *repeat = event->ptr;

        new_call (self, &self->queues[repeat->queue], repeat->number, repeat->previous);
      }
      break;

    case CB_SIM_EV_ABANDON:
      {
        CbSimCallPriv *call = event->ptr;

        if (call->patience_token == event->token)
          abandon (self, call);
      }
      break;

    case CB_SIM_EV_RING_ANSWER:
      {
        CbSimCallPriv *call = event->ptr;

        if (call->token == event->token && call->pub.state == CB_SIM_CALL_RINGING)
          ring_answer (self, call);
      }
      break;

    case CB_SIM_EV_RING_TIMEOUT:
      {
        CbSimCallPriv *call = event->ptr;

        if (call->token == event->token && call->pub.state == CB_SIM_CALL_RINGING)
          ring_timeout (self, call);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Setup --------------------------------------------------------------------- */

void
_cb_sim_inbound_setup (CbSimEngine *self)
{
  const CbSimConfig *config = &self->config;
  double total = 0.0;

  self->n_queues = config->n_queues;
  self->queues = g_new0 (CbSimQueuePriv, MAX (self->n_queues, 1));

  for (guint q = 0; q < self->n_queues; q++)
    {
      CbSimQueuePriv *queue = &self->queues[q];
      double weight = 1.0;
      double handle_scale = 1.0;

      queue->index = q;
      g_snprintf (queue->pub.id, sizeof queue->pub.id, "queue-%02u", q + 1);
      g_snprintf (queue->skill_id, sizeof queue->skill_id, "skill-%02u", q + 1);
      g_snprintf (queue->service_number, sizeof queue->service_number, "+3726%03u%03u",
                  100 + q / 1000, q % 1000);
      queue->name = cb_sim_names_queue (q);
      queue->pub.name = queue->name;
      queue->pub.skill_id = queue->skill_id;
      queue->pub.strategy = "skills_based";
      queue->pub.service_number = queue->service_number;
      queue->pub.sl_threshold_s = config->sl_threshold_s;
      queue->pub.sl_target_pct = config->sl_target_pct;
      g_queue_init (&queue->waiting);
      queue->heap = g_ptr_array_new ();

      /* Queues differ in traffic (a lot) and in handle time (a little). */
      if (config->queue_variation > 0.0)
        {
          weight = cb_sim_random_lognormal (&self->setup_rng, 1.0, config->queue_variation);
          handle_scale = cb_sim_random_lognormal (&self->setup_rng, 1.0,
                                                  config->queue_variation / 3.0);
        }
      queue->pub.calls_per_hour = weight;
      total += weight;

      queue->handling.talk = config->talk;
      queue->handling.talk.mean_s *= handle_scale;
      queue->handling.hold_probability = config->hold_probability;
      queue->handling.second_hold_probability = config->second_hold_probability;
      queue->handling.hold = config->hold;
      queue->handling.wrap_up = config->wrap_up;

      g_hash_table_insert (self->queue_by_id, queue->pub.id, queue);
    }

  /* Weights with a mean of 1; the rates are set in _cb_sim_inbound_start(). */
  for (guint q = 0; q < self->n_queues; q++)
    self->queues[q].pub.calls_per_hour *= self->n_queues / total;
}

/* Offered load per queue: given, or sized to the inbound agents present at
 * the busiest slot of the profile so that occupancy is near the target. */
static double
base_rate (CbSimEngine *self)
{
  const CbSimConfig *config = &self->config;
  guint peak_slot = 0;
  gint64 peak_ms;
  double present = 0.0;
  double pause_share = 0.0;
  double handle_s;

  if (config->calls_per_hour > 0.0)
    return config->calls_per_hour;
  if (self->n_queues == 0)
    return 0.0;

  for (guint s = 1; s < CB_SIM_PROFILE_SLOTS; s++)
    if (config->profile[s] > config->profile[peak_slot])
      peak_slot = s;
  peak_ms = peak_slot * (G_GINT64_CONSTANT (15) * 60 * 1000) + 7 * 60 * 1000;

  for (guint i = 0; i < self->n_agents; i++)
    {
      const CbSimAgentPriv *agent = &self->agents[i];

      if (agent->campaign != NULL)
        continue;
      if (config->shift_length_ms <= 0 ||
          (agent->shift_offset_ms <= peak_ms &&
           agent->shift_offset_ms + config->shift_length_ms > peak_ms))
        present += 1.0;
    }

  for (guint r = 0; r < config->n_pause_reasons; r++)
    {
      const CbSimPauseReasonConfig *reason = &config->pause_reasons[r];

      if (reason->trigger == CB_SIM_PAUSE_BY_RATE)
        pause_share += reason->rate * cb_sim_dist_mean_s (&reason->duration) / 3600.0;
    }

  handle_s = cb_sim_dist_mean_s (&config->talk)
             + cb_sim_dist_mean_s (&config->ring)
             + cb_sim_dist_mean_s (&config->wrap_up)
             + config->hold_probability * (1.0 + config->second_hold_probability)
               * cb_sim_dist_mean_s (&config->hold);

  return config->target_occupancy * present * MAX (0.0, 1.0 - pause_share) * 3600.0
         / MAX (handle_s, 1.0) / self->n_queues;
}

void
_cb_sim_inbound_start (CbSimEngine *self)
{
  double rate = base_rate (self);

  for (guint q = 0; q < self->n_queues; q++)
    {
      CbSimQueuePriv *queue = &self->queues[q];

      queue->pub.calls_per_hour *= rate;
      queue->arrival_clock = (double) self->now;
      schedule_arrival (self, queue);
    }
}
