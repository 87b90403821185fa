/* cb-slot-list-model.h — rows that stay where they are while their items move
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CB_TYPE_SLOT (cb_slot_get_type ())
G_DECLARE_FINAL_TYPE (CbSlot, cb_slot, CB, SLOT, GObject)

guint            cb_slot_get_position            (CbSlot          *slot);

#define CB_TYPE_SLOT_LIST_MODEL (cb_slot_list_model_get_type ())
G_DECLARE_FINAL_TYPE (CbSlotListModel, cb_slot_list_model, CB, SLOT_LIST_MODEL, GObject)

CbSlotListModel *cb_slot_list_model_new          (GListModel      *source);
void             cb_slot_list_model_splice       (CbSlotListModel *self,
                                                  guint            position,
                                                  guint            removed,
                                                  guint            added,
                                                  guint           *changed_end);
gpointer         cb_slot_list_model_get_source_item (CbSlotListModel *self,
                                                  guint            position);
guint            cb_slot_list_model_find         (CbSlotListModel *self,
                                                  gpointer         item);

G_END_DECLS
