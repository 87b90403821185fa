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

typedef struct _CbSimConfigStore CbSimConfigStore;

CbSimConfigStore *cb_sim_config_store_new      (CbSimState   *state,
                                     CbSimServer  *server,
                                     CbSimDb      *db,
                                     CbSimEngine  *engine,
                                     guint64       seed);
void         cb_sim_config_store_free     (CbSimConfigStore  *config);
void         cb_sim_config_store_flush    (CbSimConfigStore  *config);
void         cb_sim_config_store_add_call (CbSimConfigStore  *config,
                                     JsonObject   *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSimConfigStore, cb_sim_config_store_free)

G_END_DECLS
