/* cb-sim-config.h — the reference backend's configuration state and its ops
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-sim-db.h"
#include "cb-sim-engine.h"
#include "cb-sim-server.h"
#include "cb-sim-state.h"

G_BEGIN_DECLS

/* Campaigns, lead lists and leads, DNC lists and entries, rule sets,
 * dispositions, pause reasons, QA forms and evaluations: in the sim's
 * SQLite file, published into a CbSimState, edited by the ops of
 * docs/protocol.md §9.4–§9.12. */
typedef struct _CbSimConfigStore CbSimConfigStore;

CbSimConfigStore *cb_sim_config_store_new      (CbSimState       *state,
                                               CbSimServer      *server,
                                               CbSimDb          *db,
                                               CbSimEngine      *engine,
                                               guint64           seed);
void              cb_sim_config_store_free     (CbSimConfigStore *store);
void              cb_sim_config_store_flush    (CbSimConfigStore *store);
void              cb_sim_config_store_add_call (CbSimConfigStore *store,
                                               JsonObject       *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSimConfigStore, cb_sim_config_store_free)

G_END_DECLS
