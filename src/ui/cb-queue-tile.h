/* cb-queue-tile.h — one inbound queue on the wallboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cb-board.h"
#include "cb-entity.h"
#include "cb-metric-item.h"
#include "cb-metrics.h"

G_BEGIN_DECLS

/**
 * CbQueueCounters:
 *
 * A queue's own counters of the day as the backend reports them
 * (docs/protocol.md §10.5 `stats`), or their sum over queues. The page
 * falls back on them when the console has not seen the whole day.
 */
typedef struct
{
  gboolean known;
  gint64   offered;
  gint64   answered;
  gint64   abandoned;
  gint64   answered_in_sl;
  gint64   asa_answered;   /* answered calls behind asa_sum_ms */
  double   asa_sum_ms;
  gint64   aht_answered;
  double   aht_sum_ms;
} CbQueueCounters;

gboolean      cb_queue_counters_read     (CbEntity              *queue,
                                          CbQueueCounters       *out);
void          cb_queue_counters_add      (CbQueueCounters       *sum,
                                          const CbQueueCounters *counters);
gboolean      cb_queue_counters_value    (const CbQueueCounters *counters,
                                          CbMetricId             id,
                                          const CbMetricParams  *params,
                                          gint64                 from_ms,
                                          gint64                 to_ms,
                                          CbMetricValue         *out);

#define CB_TYPE_QUEUE_TILE (cb_queue_tile_get_type ())
G_DECLARE_FINAL_TYPE (CbQueueTile, cb_queue_tile, CB, QUEUE_TILE, GtkWidget)

GtkWidget    *cb_queue_tile_new          (const char           *queue_id);
const char   *cb_queue_tile_get_queue_id (CbQueueTile          *self);
void          cb_queue_tile_set_board_tile (CbQueueTile        *self,
                                            const CbBoardTile  *tile);
void          cb_queue_tile_update       (CbQueueTile          *self,
                                          CbMetrics            *metrics,
                                          CbEntity             *queue,
                                          const CbMetricParams *params,
                                          gint64                now_ms);
void          cb_queue_tile_update_now   (CbQueueTile          *self,
                                          CbMetrics            *metrics,
                                          const CbMetricParams *params,
                                          gint64                now_ms);
CbMetricItem *cb_queue_tile_get_item     (CbQueueTile          *self,
                                          CbMetricId            metric);
const char   *cb_queue_tile_get_level    (CbQueueTile          *self);
void          cb_queue_tile_reset_trends (CbQueueTile          *self);

const char   *cb_service_level_variant_describe (CbServiceLevelVariant variant);

G_END_DECLS
