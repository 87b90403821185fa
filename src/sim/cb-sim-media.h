/* cb-sim-media.h — live monitoring of the simulated calls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-sim-engine.h"
#include "cb-sim-recordings.h"
#include "cb-sim-server.h"
#include "cb-sim-state.h"

G_BEGIN_DECLS

#define CB_SIM_MEDIA_SUBPROTOCOL "callboard.media.v1"

typedef struct _CbSimMedia CbSimMedia;

CbSimMedia *cb_sim_media_new                  (CbSimEngine *engine,
                                               CbSimState  *state,
                                               CbSimServer *server,
                                               guint64      seed);
void        cb_sim_media_free                 (CbSimMedia  *self);
void        cb_sim_media_set_recordings       (CbSimMedia      *self,
                                               CbSimRecordings *recordings);
JsonArray  *cb_sim_media_monitor_ids_for_call (CbSimMedia  *self,
                                               const char  *call_id);
void        cb_sim_media_set_timeouts         (CbSimMedia  *self,
                                               guint        ticket_ms,
                                               guint        ended_linger_ms);
void        cb_sim_media_set_client_silence   (CbSimMedia  *self,
                                               guint        silence_ms);
guint64     cb_sim_media_get_uplink_frames    (CbSimMedia  *self,
                                               const char  *monitor_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSimMedia, cb_sim_media_free)

G_END_DECLS
