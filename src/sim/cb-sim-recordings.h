/* cb-sim-recordings.h — call recordings of the simulated contact center
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-sim-engine.h"
#include "cb-sim-server.h"

G_BEGIN_DECLS

#define CB_SIM_RECORDING_RATE 8000   /* Hz of the WAV files */

typedef struct _CbSimRecordings CbSimRecordings;

CbSimRecordings *cb_sim_recordings_new          (CbSimEngine     *engine,
                                                 CbSimServer     *server,
                                                 guint64          seed);
void             cb_sim_recordings_free         (CbSimRecordings *self);
void             cb_sim_recordings_set_capacity (CbSimRecordings *self,
                                                 guint            capacity);
void             cb_sim_recordings_set_voice_budget (CbSimRecordings *self,
                                                     gsize            bytes);
void             cb_sim_recordings_note_call    (CbSimRecordings *self,
                                                 const CbSimCall *call);
JsonArray       *cb_sim_recordings_ids_for_call (CbSimRecordings *self,
                                                 const char      *call_id);
void             cb_sim_recordings_add_voice    (CbSimRecordings *self,
                                                 const char      *call_id,
                                                 gint64           position,
                                                 guint            rate,
                                                 const float     *samples,
                                                 guint            n,
                                                 gboolean         customer,
                                                 gboolean         agent);
guint            cb_sim_recordings_get_count    (CbSimRecordings *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSimRecordings, cb_sim_recordings_free)

G_END_DECLS
