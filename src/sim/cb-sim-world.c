/* cb-sim-world.c — the simulated contact center, published as entities
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Turns the simulation (CbSimEngine) into the entities of
 * docs/protocol.md §10 in a CbSimState, which the server publishes, and
 * carries the ops that change the simulation (agent.set_state) into it.
 * Simulated time advances with the wall clock times --speed. Agents and
 * calls are published as they change; queue statistics at most once a
 * second.
 */
#define G_LOG_DOMAIN "cb-sim-world"

#include "config.h"

#include "cb-sim-world.h"

#include <math.h>

#include "cb-sim-engine.h"
#include "cb-sim-media.h"
#include "cb-sim-recordings.h"

#define TICK_MS          100
#define STATS_PERIOD_MS  1000   /* queue statistics: at most one update a second (§4.5) */

struct _CbSimWorld
{
  CbSimWorldConfig config;
  CbSimState      *state;    /* borrowed */
  CbSimServer     *server;   /* borrowed */
  CbSimEngine     *engine;
  GHashTable      *dirty_queues;   /* queue ids whose stats changed */
  guint            listener;
  guint            tick_source;
  gint64           started_real_us;
  gint64           sim_start_ms;
  gint64           last_stats_real_us;
  const char      *time_zone;
  CbSimRecordings *recordings;
  CbSimMedia      *media;
  CbSimEndedCallFunc ended_call_func;
  gpointer         ended_call_data;
};

/* Labels of the engine's pause reasons (§10.13). */
static const struct {
  const char *code;
  const char *label;
  gboolean    paid;
  int         max_minutes;
} pause_labels[] = {
  { "BREAK", "Break", TRUE, 15 },
  { "LUNCH", "Lunch", FALSE, 45 },
  { "TRAINING", "Training", TRUE, 120 },
  { "MEETING", "Meeting", TRUE, 60 },
  { "COACHING", "Coaching", TRUE, 30 },
  { "ACW", "After-call work", TRUE, 10 },
  { "MISSED", "Missed call", TRUE, 5 },
};

static void
set_nullable_string (JsonObject *o,
                     const char *member,
                     const char *value)
{
  if (value != NULL && *value != '\0')
    json_object_set_string_member (o, member, value);
  else
    json_object_set_null_member (o, member);
}

static void
set_nullable_time (JsonObject *o,
                   const char *member,
                   gint64      ms)
{
  if (ms > 0)
    json_object_set_int_member (o, member, ms);
  else
    json_object_set_null_member (o, member);
}

static const char *
skill_of_queue (CbSimWorld *world,
                const char *queue_id)
{
  const CbSimQueue *queue = cb_sim_engine_get_queue (world->engine, queue_id);

  return queue ? queue->skill_id : queue_id;
}

static void
publish_agent (CbSimWorld       *world,
               const CbSimAgent *agent)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonArray *teams = json_array_new ();
  JsonArray *skills = json_array_new ();
  JsonArray *queues = json_array_new ();
  JsonObject *stats = json_object_new ();
  gint64 logged_in_ms = 0;

  json_object_set_string_member (o, "name", agent->name);
  json_object_set_string_member (o, "extension", agent->id + strlen (agent->id) - MIN (strlen (agent->id), 4));
  json_object_set_null_member (o, "user_id");
  if (agent->team_id)
    json_array_add_string_element (teams, agent->team_id);
  json_object_set_array_member (o, "team_ids", teams);
  for (guint i = 0; i < agent->n_skills; i++)
    {
      JsonObject *skill = json_object_new ();

      json_object_set_string_member (skill, "skill_id", skill_of_queue (world, agent->skills[i].queue_id));
      json_object_set_int_member (skill, "level", agent->skills[i].level);
      json_array_add_object_element (skills, skill);
      json_array_add_string_element (queues, agent->skills[i].queue_id);
    }
  json_object_set_array_member (o, "skills", skills);
  json_object_set_string_member (o, "state", cb_sim_agent_state_to_string (agent->state));
  json_object_set_int_member (o, "state_since", agent->state_since_ms);
  set_nullable_string (o, "pause_reason", agent->state == CB_SIM_AGENT_PAUSED ? agent->pause_reason : NULL);
  if (agent->has_pending)
    {
      JsonObject *pending = json_object_new ();

      json_object_set_string_member (pending, "state", cb_sim_agent_state_to_string (agent->pending_state));
      set_nullable_string (pending, "reason_code", agent->pending_reason);
      json_object_set_int_member (pending, "requested_at", agent->pending_since_ms);
      json_object_set_null_member (pending, "requested_by");
      json_object_set_object_member (o, "pending", pending);
    }
  else
    json_object_set_null_member (o, "pending");
  set_nullable_string (o, "call_id", agent->call_id);
  json_object_set_array_member (o, "queue_ids", queues);
  set_nullable_string (o, "campaign_id", agent->campaign_id);
  set_nullable_time (o, "login_at", agent->login_ms);

  for (int st = CB_SIM_AGENT_AVAILABLE; st < CB_SIM_AGENT_N_STATES; st++)
    logged_in_ms += agent->state_ms_today[st];
  json_object_set_int_member (stats, "calls_handled", agent->calls_handled_today);
  json_object_set_int_member (stats, "talk_ms", agent->state_ms_today[CB_SIM_AGENT_ON_CALL]);
  json_object_set_int_member (stats, "hold_ms", agent->state_ms_today[CB_SIM_AGENT_ON_HOLD]);
  json_object_set_int_member (stats, "wrap_up_ms", agent->state_ms_today[CB_SIM_AGENT_WRAP_UP]);
  json_object_set_int_member (stats, "paused_ms", agent->state_ms_today[CB_SIM_AGENT_PAUSED]);
  json_object_set_int_member (stats, "available_ms", agent->state_ms_today[CB_SIM_AGENT_AVAILABLE]);
  json_object_set_int_member (stats, "logged_in_ms", logged_in_ms);
  json_object_set_object_member (o, "stats_today", stats);

  cb_sim_state_upsert (world->state, "agents", "agent", agent->id, o, cb_sim_engine_get_now (world->engine));
}

static void
publish_queue (CbSimWorld       *world,
               const CbSimQueue *queue)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonArray *skills = json_array_new ();
  JsonObject *stats = json_object_new ();
  const CbSimQueueStats *st = &queue->stats;
  guint denominator = st->answered + st->abandoned;

  json_object_set_string_member (o, "name", queue->name);
  json_object_set_string_member (o, "channel", "voice");
  json_object_set_string_member (o, "strategy", queue->strategy);
  json_object_set_int_member (o, "sl_threshold_s", queue->sl_threshold_s);
  json_object_set_double_member (o, "sl_target_pct", queue->sl_target_pct);
  json_array_add_string_element (skills, queue->skill_id);
  json_object_set_array_member (o, "skill_ids", skills);
  json_object_set_array_member (o, "team_ids", json_array_new ());

  json_object_set_int_member (stats, "waiting", st->waiting);
  set_nullable_time (stats, "longest_waiting_since", st->longest_waiting_since_ms);
  json_object_set_int_member (stats, "agents_logged_in", st->agents_logged_in);
  json_object_set_int_member (stats, "agents_available", st->agents_available);
  json_object_set_int_member (stats, "agents_on_call", st->agents_on_call);
  json_object_set_int_member (stats, "agents_wrap_up", st->agents_wrap_up);
  json_object_set_int_member (stats, "agents_paused", st->agents_paused);
  json_object_set_int_member (stats, "offered_today", st->offered);
  json_object_set_int_member (stats, "answered_today", st->answered);
  json_object_set_int_member (stats, "abandoned_today", st->abandoned);
  json_object_set_int_member (stats, "answered_in_sl_today", st->answered_in_sl);
  if (denominator > 0)
    json_object_set_double_member (stats, "sl_pct_today", 100.0 * st->answered_in_sl / denominator);
  else
    json_object_set_null_member (stats, "sl_pct_today");
  if (st->answered > 0)
    {
      json_object_set_int_member (stats, "avg_answer_ms_today", st->answer_wait_ms / st->answered);
      json_object_set_int_member (stats, "avg_handle_ms_today",
                                  (st->talk_ms + st->hold_ms + st->wrap_ms) / st->answered);
    }
  else
    {
      json_object_set_null_member (stats, "avg_answer_ms_today");
      json_object_set_null_member (stats, "avg_handle_ms_today");
    }
  json_object_set_int_member (stats, "stats_at", cb_sim_engine_get_now (world->engine));
  json_object_set_object_member (o, "stats", stats);

  cb_sim_state_upsert (world->state, "queues", "queue", queue->id, o, cb_sim_engine_get_now (world->engine));
}

static const char *
call_state_name (CbSimCallState state)
{
  return cb_sim_call_state_to_string (state);
}

static void
publish_call (CbSimWorld      *world,
              const CbSimCall *call)
{
  g_autoptr(JsonObject) o = json_object_new ();
  JsonArray *holds = json_array_new ();
  JsonArray *transfers = json_array_new ();

  json_object_set_string_member (o, "direction", call->direction == CB_SIM_DIRECTION_INBOUND ? "in" : "out");
  json_object_set_string_member (o, "channel", call->channel ? call->channel : "voice");
  json_object_set_string_member (o, "state", call_state_name (call->state));
  json_object_set_int_member (o, "state_since", call->state_since_ms);
  set_nullable_string (o, "queue_id", call->queue_id);
  set_nullable_string (o, "agent_id", call->agent_id);
  set_nullable_string (o, "campaign_id", call->campaign_id);
  set_nullable_string (o, "lead_id", call->lead_id);
  set_nullable_string (o, "customer_number", call->customer_number);
  json_object_set_null_member (o, "customer_name");
  set_nullable_string (o, "service_number", call->service_number);
  json_object_set_int_member (o, "created_at", call->created_ms);
  set_nullable_time (o, "queued_at", call->queued_ms);
  set_nullable_time (o, "answered_at", call->answered_ms);
  for (guint i = 0; i < call->hold_count && i < CB_SIM_MAX_HOLDS; i++)
    {
      JsonObject *hold = json_object_new ();

      json_object_set_int_member (hold, "start_at", call->holds[i].start_ms);
      set_nullable_time (hold, "end_at", call->holds[i].end_ms);
      json_array_add_object_element (holds, hold);
    }
  json_object_set_array_member (o, "hold_segments", holds);
  json_object_set_int_member (o, "hold_count", call->hold_count);
  json_object_set_int_member (o, "hold_ms", call->hold_ms);
  set_nullable_time (o, "ended_at", call->ended_ms);
  set_nullable_time (o, "wrap_up_ended_at", call->wrap_up_ended_ms);
  set_nullable_string (o, "end_reason", call->end_reason != CB_SIM_END_NONE
                                        ? cb_sim_end_reason_to_string (call->end_reason) : NULL);
  json_object_set_boolean_member (o, "abandoned", call->abandoned);
  json_object_set_boolean_member (o, "dropped", call->dropped);
  /* The agent's disposition, a code of the catalog (§10.12); none for an
   * outcome without an agent (busy, no answer, a machine, a drop). */
  set_nullable_string (o, "disposition", cb_sim_disposition_to_code (call->disposition));
  if (call->transfer_ms > 0)
    {
      JsonObject *t = json_object_new ();

      json_object_set_int_member (t, "at", call->transfer_ms);
      json_object_set_string_member (t, "type", "blind");
      set_nullable_string (t, "from_agent_id", call->transfer_from_agent_id);
      json_object_set_null_member (t, "to_agent_id");
      set_nullable_string (t, "to_queue_id", call->queue_id);
      json_object_set_null_member (t, "to_number");
      json_array_add_object_element (transfers, t);
    }
  json_object_set_array_member (o, "transfers", transfers);
  json_object_set_array_member (o, "recording_ids", cb_sim_recordings_ids_for_call (world->recordings, call->id));
  json_object_set_array_member (o, "monitor_ids", cb_sim_media_monitor_ids_for_call (world->media, call->id));
  if (call->survey_score > 0)
    json_object_set_int_member (o, "survey_score", call->survey_score);
  else
    json_object_set_null_member (o, "survey_score");

  cb_sim_state_upsert (world->state, "calls", "call", call->id, o, cb_sim_engine_get_now (world->engine));
  if (call->state == CB_SIM_CALL_ENDED && world->ended_call_func != NULL)
    world->ended_call_func (o, world->ended_call_data);
}

static void
publish_catalogs (CbSimWorld *world)
{
  gint64 ts = cb_sim_engine_get_now (world->engine);
  const CbSimConfig *config = cb_sim_engine_get_config (world->engine);

  for (guint i = 0; i < cb_sim_engine_get_n_teams (world->engine); i++)
    {
      const CbSimTeam *team = cb_sim_engine_get_team_nth (world->engine, i);
      g_autoptr(JsonObject) data = json_object_new ();

      json_object_set_string_member (data, "name", team->name);
      json_object_set_array_member (data, "supervisor_user_ids", json_array_new ());
      cb_sim_state_upsert (world->state, "catalogs", "team", team->id, data, ts);
    }

  for (guint i = 0; i < cb_sim_engine_get_n_queues (world->engine); i++)
    {
      const CbSimQueue *queue = cb_sim_engine_get_queue_nth (world->engine, i);
      g_autoptr(JsonObject) data = json_object_new ();

      json_object_set_string_member (data, "name", queue->name);
      cb_sim_state_upsert (world->state, "catalogs", "skill", queue->skill_id, data, ts);
    }

  for (guint i = 0; i < config->n_pause_reasons; i++)
    {
      const char *code = config->pause_reasons[i].code;
      g_autoptr(JsonObject) data = json_object_new ();
      const char *label = code;
      gboolean paid = TRUE;
      int max_minutes = 0;

      for (guint j = 0; j < G_N_ELEMENTS (pause_labels); j++)
        if (g_strcmp0 (pause_labels[j].code, code) == 0)
          {
            label = pause_labels[j].label;
            paid = pause_labels[j].paid;
            max_minutes = pause_labels[j].max_minutes;
          }

      json_object_set_string_member (data, "code", code);
      json_object_set_string_member (data, "label", label);
      json_object_set_boolean_member (data, "paid", paid);
      if (max_minutes > 0)
        json_object_set_int_member (data, "max_duration_s", max_minutes * 60);
      else
        json_object_set_null_member (data, "max_duration_s");
      json_object_set_boolean_member (data, "active", TRUE);
      cb_sim_state_upsert (world->state, "catalogs", "pause_reason", code, data, ts);
    }
}

static void
flush_queue_stats (CbSimWorld *world)
{
  GHashTableIter iter;
  const char *id;

  g_hash_table_iter_init (&iter, world->dirty_queues);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    {
      const CbSimQueue *queue = cb_sim_engine_get_queue (world->engine, id);

      if (queue != NULL)
        publish_queue (world, queue);
    }
  g_hash_table_remove_all (world->dirty_queues);
  world->last_stats_real_us = g_get_monotonic_time ();
}

/* Agents and calls are published at once: they are never coalesced (§4.5). */
static void
on_engine_change (CbSimEngine     *engine,
                  CbSimChangeKind  kind,
                  CbSimEntityType  type,
                  const char      *id,
                  gpointer         user_data)
{
  CbSimWorld *world = user_data;

  switch (type)
    {
    case CB_SIM_ENTITY_AGENT:
      publish_agent (world, cb_sim_engine_get_agent (engine, id));
      break;

    case CB_SIM_ENTITY_CALL:
      if (kind == CB_SIM_CHANGE_DELETE)
        cb_sim_state_delete (world->state, "call", id, cb_sim_engine_get_now (engine));
      else
        {
          const CbSimCall *call = cb_sim_engine_get_call (engine, id);

          if (call != NULL)
            {
              cb_sim_recordings_note_call (world->recordings, call);
              publish_call (world, call);
            }
        }
      break;

    case CB_SIM_ENTITY_QUEUE:
      g_hash_table_add (world->dirty_queues, g_strdup (id));
      break;

    case CB_SIM_ENTITY_CAMPAIGN:
    case CB_SIM_ENTITY_LEAD:
    default:
      /* Campaigns are published once the sim serves the whole "campaigns"
       * feature (lead lists, rule sets and their edits). */
      break;
    }
}

static gboolean
op_agent_set_state (CbSimServer      *server,
                    const CbSimUser  *user,
                    JsonObject       *data,
                    JsonNode        **result,
                    GError          **error,
                    gpointer          user_data)
{
  CbSimWorld *world = user_data;
  const char *agent_id = NULL, *state_name = NULL, *reason = NULL;
  CbSimAgentState state;
  gboolean pending = FALSE;
  CbSimResult r;
  g_autoptr(JsonBuilder) b = NULL;
  const CbSimEntity *entity;

  if (!cb_json_get_string (data, "agent_id", TRUE, &agent_id, NULL)
      || !cb_json_get_string (data, "state", TRUE, &state_name, NULL)
      || !cb_json_get_string (data, "reason_code", FALSE, &reason, NULL)
      || !cb_sim_agent_state_from_string (state_name, &state)
      || (state != CB_SIM_AGENT_AVAILABLE && state != CB_SIM_AGENT_PAUSED && state != CB_SIM_AGENT_LOGGED_OUT)
      || (state == CB_SIM_AGENT_PAUSED && reason == NULL))
    {
      g_set_error_literal (error, CB_REQUEST_ERROR, CB_ERROR_BAD_REQUEST,
                           "agent_id and state (available, paused with a reason_code, logged_out) are needed");
      return FALSE;
    }

  /* §9.2: logging in needs the agent's phone; a logged-out agent cannot be
   * made available or paused from a console. */
  {
    const CbSimAgent *agent = cb_sim_engine_get_agent (world->engine, agent_id);

    if (agent != NULL && agent->state == CB_SIM_AGENT_LOGGED_OUT && state != CB_SIM_AGENT_LOGGED_OUT)
      {
        g_set_error (error, CB_REQUEST_ERROR, CB_ERROR_INVALID_STATE,
                     "agent %s is logged out; logging in needs the agent's phone", agent_id);
        return FALSE;
      }
  }

  r = cb_sim_engine_set_agent_state (world->engine, agent_id, state, reason, &pending);
  switch (r)
    {
    case CB_SIM_OK:
      break;
    case CB_SIM_ERROR_NOT_FOUND:
      g_set_error (error, CB_REQUEST_ERROR, CB_ERROR_NOT_FOUND, "no agent %s", agent_id);
      return FALSE;
    case CB_SIM_ERROR_INVALID_STATE:
      g_set_error (error, CB_REQUEST_ERROR, CB_ERROR_INVALID_STATE,
                   "agent %s cannot go to %s now", agent_id, state_name);
      return FALSE;
    case CB_SIM_ERROR_INVALID_ARGUMENT:
    default:
      g_set_error (error, CB_REQUEST_ERROR, CB_ERROR_BAD_REQUEST, "unknown reason_code %s",
                   reason ? reason : "");
      return FALSE;
    }

  /* Read your writes: the agent's upsert has gone out with the command. */
  entity = cb_sim_state_lookup (world->state, "agent", agent_id);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "agent");
  if (entity != NULL)
    {
      JsonNode *node = json_node_alloc ();

      json_node_init_object (node, entity->data);
      json_builder_add_value (b, node);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "pending");
  json_builder_add_boolean_value (b, pending);
  json_builder_end_object (b);
  *result = json_builder_get_root (b);
  return TRUE;
}

/* One zone per offset, west to east: the demo is "located" where it is
 * late morning now, so whoever opens it sees a contact center at work. */
static const char * const daytime_zones[] = {
  "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
  "America/Chicago", "America/New_York", "America/Halifax", "America/Sao_Paulo",
  "Atlantic/South_Georgia", "Atlantic/Azores", "Europe/London", "Europe/Warsaw",
  "Europe/Tallinn", "Europe/Istanbul", "Asia/Dubai", "Asia/Karachi", "Asia/Dhaka",
  "Asia/Bangkok", "Asia/Singapore", "Asia/Tokyo", "Australia/Brisbane", "Pacific/Noumea",
  "Pacific/Auckland",
};

/**
 * cb_sim_pick_daytime_zone:
 *
 * Returns: the zone of the list whose local time at @now_ms is nearest 11:00
 */
const char *
cb_sim_pick_daytime_zone (gint64 now_ms)
{
  const char *best = "Europe/Tallinn";
  double best_distance = G_MAXDOUBLE;

  for (guint i = 0; i < G_N_ELEMENTS (daytime_zones); i++)
    {
      g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (daytime_zones[i]);
      g_autoptr(GDateTime) utc = NULL;
      g_autoptr(GDateTime) local = NULL;
      double hour, distance;

      if (zone == NULL)
        continue;
      utc = g_date_time_new_from_unix_utc (now_ms / 1000);
      local = g_date_time_to_timezone (utc, zone);
      hour = g_date_time_get_hour (local) + g_date_time_get_minute (local) / 60.0;
      distance = fabs (hour - 11.0);
      if (distance < best_distance)
        {
          best_distance = distance;
          best = daytime_zones[i];
        }
    }

  return best;
}

void
cb_sim_world_config_init (CbSimWorldConfig *config)
{
  memset (config, 0, sizeof *config);
  config->seed = 1;
  config->speed = 1.0;
  config->n_agents = 40;
  config->n_queues = 4;
  config->n_campaigns = 2;
}

static gboolean
on_tick (gpointer user_data)
{
  CbSimWorld *world = user_data;
  gint64 real_elapsed_ms = (g_get_monotonic_time () - world->started_real_us) / 1000;

  cb_sim_world_advance (world, world->sim_start_ms + (gint64) (real_elapsed_ms * world->config.speed));
  return G_SOURCE_CONTINUE;
}

/* Lives the day from its start up to now at full speed, publishing as it
 * goes, so a demo opened at 15:00 has calls in progress, agents mid-shift
 * and the day's statistics. */
void
cb_sim_world_warm_up (CbSimWorld *world)
{
  gint64 now = g_get_real_time () / 1000;

  if (cb_sim_engine_get_now (world->engine) < now)
    cb_sim_world_advance (world, now);
  if (g_hash_table_size (world->dirty_queues) > 0)
    flush_queue_stats (world);
  world->sim_start_ms = cb_sim_engine_get_now (world->engine);
}

/* Starts (or resumes) simulated time from where it stands. */
void
cb_sim_world_start (CbSimWorld *world)
{
  world->sim_start_ms = cb_sim_engine_get_now (world->engine);
  world->started_real_us = g_get_monotonic_time ();
  if (world->tick_source == 0)
    world->tick_source = g_timeout_add (TICK_MS, on_tick, world);
}

static void
on_clock (gboolean run,
          gpointer user_data)
{
  CbSimWorld *world = user_data;

  if (run)
    cb_sim_world_start (world);
  else
    {
      cb_sim_world_stop (world);
      if (g_hash_table_size (world->dirty_queues) > 0)
        flush_queue_stats (world);
    }
}

CbSimWorld *
cb_sim_world_new (const CbSimWorldConfig *config,
                  CbSimState             *state,
                  CbSimServer            *server)
{
  CbSimWorld *world = g_new0 (CbSimWorld, 1);
  CbSimConfig engine_config;
  g_autofree char *details = NULL;

  world->config = *config;
  world->state = state;
  world->server = server;
  world->dirty_queues = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  cb_sim_config_init_demo (&engine_config);
  engine_config.seed = config->seed;
  engine_config.n_agents = config->n_agents;
  engine_config.n_queues = config->n_queues;
  engine_config.n_campaigns = config->n_campaigns;
  engine_config.time_zone = config->time_zone ? config->time_zone
                                              : cb_sim_pick_daytime_zone (g_get_real_time () / 1000);
  world->time_zone = engine_config.time_zone;
  /* The demo runs on today's clock, so "now" in the console means now;
   * warmed up, its day began at local midnight and is lived up to now
   * before anyone connects (cb_sim_world_warm_up()). */
  engine_config.start_ms = g_get_real_time () / 1000;
  if (config->warm_up)
    {
      GTimeZone *found = g_time_zone_new_identifier (engine_config.time_zone);
      g_autoptr(GTimeZone) zone = found ? found : g_time_zone_new_utc ();
      g_autoptr(GDateTime) now = g_date_time_new_now (zone);
      g_autoptr(GDateTime) midnight = g_date_time_new (zone, g_date_time_get_year (now), g_date_time_get_month (now),
                                                       g_date_time_get_day_of_month (now), 0, 0, 0);

      if (midnight != NULL)
        engine_config.start_ms = g_date_time_to_unix (midnight) * 1000;
    }
  world->engine = cb_sim_engine_new (&engine_config);
  world->recordings = cb_sim_recordings_new (world->engine, server, config->seed);
  world->media = cb_sim_media_new (world->engine, state, server, config->seed);
  cb_sim_media_set_recordings (world->media, world->recordings);
  world->sim_start_ms = cb_sim_engine_get_now (world->engine);

  publish_catalogs (world);
  for (guint i = 0; i < cb_sim_engine_get_n_queues (world->engine); i++)
    publish_queue (world, cb_sim_engine_get_queue_nth (world->engine, i));
  for (guint i = 0; i < cb_sim_engine_get_n_agents (world->engine); i++)
    publish_agent (world, cb_sim_engine_get_agent_nth (world->engine, i));
  world->listener = cb_sim_engine_add_listener (world->engine, on_engine_change, world, NULL);

  cb_sim_server_add_op (server, "agent.set_state", "agents.control", TRUE, op_agent_set_state, world);
  cb_sim_server_set_clock_func (server, on_clock, world);
  details = g_strdup_printf ("simulated contact center, %u agents, %u queues, in %s",
                             config->n_agents, config->n_queues, world->time_zone);
  cb_sim_server_set_details (server, details);

  return world;
}

/* Moves simulated time to @sim_ms and publishes what changed. */
void
cb_sim_world_advance (CbSimWorld *world,
                      gint64      sim_ms)
{
  cb_sim_engine_advance_to (world->engine, sim_ms);

  if (g_hash_table_size (world->dirty_queues) > 0
      && g_get_monotonic_time () - world->last_stats_real_us >= STATS_PERIOD_MS * 1000)
    flush_queue_stats (world);
}

void
cb_sim_world_stop (CbSimWorld *world)
{
  g_clear_handle_id (&world->tick_source, g_source_remove);
}

void
cb_sim_world_free (CbSimWorld *world)
{
  if (world == NULL)
    return;
  cb_sim_world_stop (world);
  if (world->listener != 0)
    cb_sim_engine_remove_listener (world->engine, world->listener);
  g_clear_pointer (&world->media, cb_sim_media_free);
  g_clear_pointer (&world->recordings, cb_sim_recordings_free);
  g_clear_object (&world->engine);
  g_clear_pointer (&world->dirty_queues, g_hash_table_unref);
  g_free (world);
}

const char *
cb_sim_world_get_time_zone (CbSimWorld *world)
{
  return world->time_zone;
}

/* For tests: the simulation, its live monitoring and its recordings. */
CbSimEngine *
cb_sim_world_get_engine (CbSimWorld *world)
{
  return world->engine;
}

void
cb_sim_world_set_ended_call_func (CbSimWorld         *world,
                                  CbSimEndedCallFunc  func,
                                  gpointer            user_data)
{
  world->ended_call_func = func;
  world->ended_call_data = user_data;
}

CbSimMedia *
cb_sim_world_get_media (CbSimWorld *world)
{
  return world->media;
}

CbSimRecordings *
cb_sim_world_get_recordings (CbSimWorld *world)
{
  return world->recordings;
}
