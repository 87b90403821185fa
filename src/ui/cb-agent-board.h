/* cb-agent-board.h — every agent, their state and how long they have been in it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cb-entity-model.h"
#include "cb-store.h"

G_BEGIN_DECLS

/**
 * CbAgentLevel:
 * @CB_AGENT_LEVEL_NONE: within the thresholds of the agent's state
 * @CB_AGENT_LEVEL_WARNING: past the amber threshold
 * @CB_AGENT_LEVEL_CRITICAL: past the red threshold
 */
typedef enum
{
  CB_AGENT_LEVEL_NONE,
  CB_AGENT_LEVEL_WARNING,
  CB_AGENT_LEVEL_CRITICAL,
} CbAgentLevel;

#define CB_TYPE_AGENT_BOARD (cb_agent_board_get_type ())
G_DECLARE_FINAL_TYPE (CbAgentBoard, cb_agent_board, CB, AGENT_BOARD, GtkWidget)

GtkWidget    *cb_agent_board_new                (void);
CbStore      *cb_agent_board_get_store          (CbAgentBoard   *self);
void          cb_agent_board_set_store          (CbAgentBoard   *self,
                                                 CbStore        *store);
gboolean      cb_agent_board_get_controls_visible (CbAgentBoard *self);
void          cb_agent_board_set_controls_visible (CbAgentBoard *self,
                                                   gboolean      visible);
void          cb_agent_board_actions_update     (CbAgentBoard   *self);
void          cb_agent_board_refresh            (CbAgentBoard   *self);

/* What the header says: "42 of 120 agents". */
const char   *cb_agent_board_get_count_text     (CbAgentBoard   *self);
guint         cb_agent_board_get_n_shown        (CbAgentBoard   *self);
GListModel   *cb_agent_board_get_rows           (CbAgentBoard   *self);

/* Filters, as the dropdowns and the search entry set them; NULL is "all". */
void          cb_agent_board_set_team_filter    (CbAgentBoard   *self,
                                                 const char     *team_id);
void          cb_agent_board_set_queue_filter   (CbAgentBoard   *self,
                                                 const char     *queue_id);
void          cb_agent_board_set_state_filter   (CbAgentBoard   *self,
                                                 const char     *state);
void          cb_agent_board_set_search         (CbAgentBoard   *self,
                                                 const char     *text);
gboolean      cb_agent_board_sort_by            (CbAgentBoard   *self,
                                                 const char     *column,
                                                 GtkSortType     direction);
gboolean      cb_agent_board_select             (CbAgentBoard   *self,
                                                 const char     *agent_id);

/* For tests and screenshots: models without a store, a fixed clock, the
 * permission the store would give. */
void          cb_agent_board_set_models         (CbAgentBoard   *self,
                                                 CbEntityModel  *agents,
                                                 CbEntityModel  *teams,
                                                 CbEntityModel  *queues,
                                                 CbEntityModel  *campaigns,
                                                 CbEntityModel  *pause_reasons,
                                                 CbEntityModel  *calls);
void          cb_agent_board_set_fixed_now      (CbAgentBoard   *self,
                                                 gint64          now_ms);
void          cb_agent_board_set_can_control    (CbAgentBoard   *self,
                                                 gboolean        can_control);
CbAgentLevel  cb_agent_board_get_level          (CbAgentBoard   *self,
                                                 CbEntity       *agent);
char         *cb_agent_board_get_cell_tooltip   (CbAgentBoard   *self,
                                                 GtkWidget      *cell);

G_END_DECLS
