/* cb-board-editor.h — the window where a wallboard is built
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cb-board.h"
#include "cb-store.h"

G_BEGIN_DECLS

#define CB_TYPE_BOARD_EDITOR (cb_board_editor_get_type ())
G_DECLARE_FINAL_TYPE (CbBoardEditor, cb_board_editor, CB, BOARD_EDITOR, AdwPreferencesWindow)

GtkWidget     *cb_board_editor_new          (GtkWindow       *parent,
                                             const CbBoard   *board,
                                             CbStore         *store);
const CbBoard *cb_board_editor_get_board    (CbBoardEditor   *self);
void           cb_board_editor_add_tile     (CbBoardEditor   *self,
                                             CbBoardTileKind  kind);
void           cb_board_editor_move_tile    (CbBoardEditor   *self,
                                             guint            index,
                                             int              delta);
void           cb_board_editor_remove_tile  (CbBoardEditor   *self,
                                             guint            index);
void           cb_board_editor_set_tile_size (CbBoardEditor  *self,
                                              guint           index,
                                              CbBoardTileSize size);
void           cb_board_editor_toggle_id    (CbBoardEditor   *self,
                                             guint            index,
                                             CbBoardFilters   filter,
                                             const char      *id);
GtkWidget     *cb_board_editor_get_tile_row (CbBoardEditor   *self,
                                             guint            index);

G_END_DECLS
