/* cb-board-group.h — a wallboard's queue or campaign tiles, filtered
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cb-board.h"

G_BEGIN_DECLS

#define CB_TYPE_BOARD_GROUP (cb_board_group_get_type ())
G_DECLARE_FINAL_TYPE (CbBoardGroup, cb_board_group, CB, BOARD_GROUP, GtkWidget)

GtkWidget         *cb_board_group_new             (const CbBoardTile *tile);
const CbBoardTile *cb_board_group_get_tile        (CbBoardGroup      *self);
gboolean           cb_board_group_reconcile       (CbBoardGroup      *self,
                                                   GListModel        *model);
GHashTable        *cb_board_group_get_tiles       (CbBoardGroup      *self);
guint              cb_board_group_get_n_tiles     (CbBoardGroup      *self);
const char        *cb_board_group_get_missing_text (CbBoardGroup     *self);

G_END_DECLS
