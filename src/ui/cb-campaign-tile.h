/* cb-campaign-tile.h — one outbound campaign on the wallboard
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

#define CB_TYPE_CAMPAIGN_TILE (cb_campaign_tile_get_type ())
G_DECLARE_FINAL_TYPE (CbCampaignTile, cb_campaign_tile, CB, CAMPAIGN_TILE, GtkWidget)

GtkWidget    *cb_campaign_tile_new             (const char     *campaign_id);
const char   *cb_campaign_tile_get_campaign_id (CbCampaignTile *self);
void          cb_campaign_tile_set_board_tile  (CbCampaignTile    *self,
                                                const CbBoardTile *tile);
void          cb_campaign_tile_update          (CbCampaignTile *self,
                                                CbMetrics      *metrics,
                                                CbEntity       *campaign,
                                                gint64          now_ms);
CbMetricItem *cb_campaign_tile_get_item        (CbCampaignTile *self,
                                                CbMetricId      metric);
CbMetricItem *cb_campaign_tile_get_mode_item   (CbCampaignTile *self);

G_END_DECLS
