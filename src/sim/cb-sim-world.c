/* cb-sim-world.c — the simulated contact center, published as entities
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Turns the simulation into the entities of docs/protocol.md §10 in a
 * CbSimState, which the server publishes, and carries the ops that change
 * the simulation (agent.set_state, …) into it. Simulated time advances
 * with the wall clock times --speed.
 */
#define G_LOG_DOMAIN "cb-sim-world"

#include "config.h"

#include "cb-sim-world.h"

#define TICK_MS 100

struct _CbSimWorld
{
  CbSimWorldConfig config;
  CbSimState      *state;    /* borrowed */
  CbSimServer     *server;   /* borrowed */
  guint            tick_source;
  gint64           started_real_us;
  gint64           sim_start_ms;
  gint64           sim_now_ms;
};

/* Teams, skills and pause reasons: the catalogs (§10.3, §10.13). */
static const struct {
  const char *id;
  const char *name;
} teams[] = {
  { "t-north", "North" },
  { "t-south", "South" },
  { "t-east", "East" },
};

static const struct {
  const char *id;
  const char *label;
  gboolean    paid;
  int         max_minutes;
} pause_reasons[] = {
  { "BREAK", "Break", TRUE, 15 },
  { "LUNCH", "Lunch", FALSE, 45 },
  { "TRAINING", "Training", TRUE, 120 },
  { "MEETING", "Meeting", TRUE, 60 },
  { "COACHING", "Coaching", TRUE, 30 },
  { "ACW", "After-call work", TRUE, 10 },
  { "MISSED", "Missed call", TRUE, 5 },
};

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

static void
publish_catalogs (CbSimWorld *world)
{
  gint64 ts = world->sim_now_ms;

  for (guint i = 0; i < G_N_ELEMENTS (teams); i++)
    {
      g_autoptr(JsonObject) data = json_object_new ();

      json_object_set_string_member (data, "name", teams[i].name);
      json_object_set_array_member (data, "supervisor_user_ids", json_array_new ());
      cb_sim_state_upsert (world->state, "catalogs", "team", teams[i].id, data, ts);
    }

  for (guint i = 0; i < G_N_ELEMENTS (pause_reasons); i++)
    {
      g_autoptr(JsonObject) data = json_object_new ();

      json_object_set_string_member (data, "code", pause_reasons[i].id);
      json_object_set_string_member (data, "label", pause_reasons[i].label);
      json_object_set_boolean_member (data, "paid", pause_reasons[i].paid);
      json_object_set_int_member (data, "max_duration_s", pause_reasons[i].max_minutes * 60);
      json_object_set_boolean_member (data, "active", TRUE);
      cb_sim_state_upsert (world->state, "catalogs", "pause_reason", pause_reasons[i].id, data, ts);
    }
}

CbSimWorld *
cb_sim_world_new (const CbSimWorldConfig *config,
                  CbSimState             *state,
                  CbSimServer            *server)
{
  CbSimWorld *world = g_new0 (CbSimWorld, 1);

  world->config = *config;
  world->state = state;
  world->server = server;
  world->sim_start_ms = g_get_real_time () / 1000;
  world->sim_now_ms = world->sim_start_ms;

  publish_catalogs (world);
  return world;
}

/* Moves simulated time to @sim_ms and publishes what changed. */
void
cb_sim_world_advance (CbSimWorld *world,
                      gint64      sim_ms)
{
  if (sim_ms <= world->sim_now_ms)
    return;
  world->sim_now_ms = sim_ms;
}

static gboolean
on_tick (gpointer user_data)
{
  CbSimWorld *world = user_data;
  gint64 real_elapsed_ms = (g_get_monotonic_time () - world->started_real_us) / 1000;

  cb_sim_world_advance (world, world->sim_start_ms + (gint64) (real_elapsed_ms * world->config.speed));
  return G_SOURCE_CONTINUE;
}

void
cb_sim_world_start (CbSimWorld *world)
{
  world->started_real_us = g_get_monotonic_time ();
  if (world->tick_source == 0)
    world->tick_source = g_timeout_add (TICK_MS, on_tick, world);
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
  g_free (world);
}
