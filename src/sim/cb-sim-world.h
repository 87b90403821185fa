/* cb-sim-world.h — the simulated contact center, published as entities
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-sim-engine.h"
#include "cb-sim-media.h"
#include "cb-sim-recordings.h"
#include "cb-sim-server.h"
#include "cb-sim-state.h"

G_BEGIN_DECLS

typedef struct _CbSimWorld CbSimWorld;

typedef struct
{
  guint64 seed;
  double  speed;
  guint   n_agents;
  guint   n_queues;
  guint   n_campaigns;
  const char *time_zone;   /* NULL: a zone where it is business hours now */
  gboolean    warm_up;     /* start the day at local midnight; see cb_sim_world_warm_up() */
} CbSimWorldConfig;

void        cb_sim_world_config_init (CbSimWorldConfig       *config);
CbSimWorld *cb_sim_world_new         (const CbSimWorldConfig *config,
                                      CbSimState             *state,
                                      CbSimServer            *server);
void        cb_sim_world_warm_up     (CbSimWorld             *world);
void        cb_sim_world_start       (CbSimWorld             *world);
void        cb_sim_world_stop        (CbSimWorld             *world);
void        cb_sim_world_advance     (CbSimWorld             *world,
                                      gint64                  sim_ms);
void        cb_sim_world_free        (CbSimWorld             *world);
const char *cb_sim_world_get_time_zone (CbSimWorld           *world);
const char *cb_sim_pick_daytime_zone (gint64                  now_ms);
CbSimEngine *cb_sim_world_get_engine  (CbSimWorld             *world);

/* Called with every call that reaches `ended` (the whole entity), for the
 * call history. */
typedef void (*CbSimEndedCallFunc) (JsonObject *call,
                                    gpointer    user_data);

void        cb_sim_world_set_ended_call_func (CbSimWorld         *world,
                                              CbSimEndedCallFunc  func,
                                              gpointer            user_data);
CbSimMedia  *cb_sim_world_get_media   (CbSimWorld             *world);
CbSimRecordings *cb_sim_world_get_recordings (CbSimWorld       *world);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSimWorld, cb_sim_world_free)

G_END_DECLS
