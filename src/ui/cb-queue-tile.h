/* cb-queue-tile.h — one inbound queue on the wallboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cb-entity.h"
#include "cb-metric-item.h"
#include "cb-metrics.h"

G_BEGIN_DECLS

#define CB_TYPE_QUEUE_TILE (cb_queue_tile_get_type ())
G_DECLARE_FINAL_TYPE (CbQueueTile, cb_queue_tile, CB, QUEUE_TILE, GtkWidget)

GtkWidget    *cb_queue_tile_new          (const char           *queue_id);
const char   *cb_queue_tile_get_queue_id (CbQueueTile          *self);
void          cb_queue_tile_update       (CbQueueTile          *self,
                                          CbMetrics            *metrics,
                                          CbEntity             *queue,
                                          const CbMetricParams *params,
                                          gint64                now_ms);
CbMetricItem *cb_queue_tile_get_item     (CbQueueTile          *self,
                                          CbMetricId            metric);
const char   *cb_queue_tile_get_level    (CbQueueTile          *self);
void          cb_queue_tile_reset_trends (CbQueueTile          *self);

const char   *cb_service_level_variant_describe (CbServiceLevelVariant variant);

G_END_DECLS
