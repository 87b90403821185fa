/* cb-frame-list-model.h — a list that follows another one when told, once a frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CB_TYPE_FRAME_LIST_MODEL (cb_frame_list_model_get_type ())
G_DECLARE_FINAL_TYPE (CbFrameListModel, cb_frame_list_model, CB, FRAME_LIST_MODEL, GObject)

CbFrameListModel *cb_frame_list_model_new         (GListModel       *source);
GListModel       *cb_frame_list_model_get_model   (CbFrameListModel *self);
void              cb_frame_list_model_set_model   (CbFrameListModel *self,
                                                   GListModel       *source);
GtkSorter        *cb_frame_list_model_get_sorter  (CbFrameListModel *self);
void              cb_frame_list_model_set_sorter  (CbFrameListModel *self,
                                                   GtkSorter        *sorter);
void              cb_frame_list_model_set_update_filter (CbFrameListModel *self,
                                                         GtkFilter        *filter);
void              cb_frame_list_model_set_reorder_interval (CbFrameListModel *self,
                                                            guint             interval_ms);
gboolean          cb_frame_list_model_is_pending  (CbFrameListModel *self);
gboolean          cb_frame_list_model_is_reorder_due (CbFrameListModel *self);
void              cb_frame_list_model_flush       (CbFrameListModel *self);

G_END_DECLS
