/* cb-wallboard-page.h — the wallboard: the floor, the queues, the campaigns, the day
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cb-board.h"
#include "cb-metric-item.h"
#include "cb-metrics.h"
#include "cb-store.h"

G_BEGIN_DECLS

#define CB_TYPE_WALLBOARD_PAGE (cb_wallboard_page_get_type ())
G_DECLARE_FINAL_TYPE (CbWallboardPage, cb_wallboard_page, CB, WALLBOARD_PAGE, GtkWidget)

GtkWidget    *cb_wallboard_page_new                (void);
CbStore      *cb_wallboard_page_get_store          (CbWallboardPage      *self);
void          cb_wallboard_page_set_store          (CbWallboardPage      *self,
                                                    CbStore              *store);
void          cb_wallboard_page_set_metrics        (CbWallboardPage      *self,
                                                    CbMetrics            *metrics);
void          cb_wallboard_page_set_fixed_now      (CbWallboardPage      *self,
                                                    gint64                now_ms);
void          cb_wallboard_page_set_stale          (CbWallboardPage      *self,
                                                    gboolean              stale,
                                                    gint64                as_of_ms,
                                                    const char           *message);
gboolean      cb_wallboard_page_get_stale          (CbWallboardPage      *self);
const char   *cb_wallboard_page_get_stale_text     (CbWallboardPage      *self);
void          cb_wallboard_page_refresh            (CbWallboardPage      *self);
guint         cb_wallboard_page_get_n_refreshes    (CbWallboardPage      *self);
CbMetricItem *cb_wallboard_page_get_floor_item     (CbWallboardPage      *self,
                                                    CbMetricId            metric);
GtkBox       *cb_wallboard_page_get_agent_board_slot (CbWallboardPage    *self);
void          cb_wallboard_page_set_sl_variant     (CbWallboardPage      *self,
                                                    CbServiceLevelVariant variant);
const CbMetricParams *cb_wallboard_page_get_params (CbWallboardPage      *self);

/* Boards */
void          cb_wallboard_page_set_board          (CbWallboardPage      *self,
                                                    const CbBoard        *board);
const CbBoard *cb_wallboard_page_get_board         (CbWallboardPage      *self);
void          cb_wallboard_page_set_settings       (CbWallboardPage      *self,
                                                    GSettings            *settings);
GPtrArray    *cb_wallboard_page_get_boards         (CbWallboardPage      *self);
void          cb_wallboard_page_set_active_board   (CbWallboardPage      *self,
                                                    const char           *id);
const char   *cb_wallboard_page_get_active_board   (CbWallboardPage      *self);
void          cb_wallboard_page_save_board         (CbWallboardPage      *self,
                                                    const CbBoard        *board);
void          cb_wallboard_page_rename_board       (CbWallboardPage      *self,
                                                    const char           *id,
                                                    const char           *name);
void          cb_wallboard_page_delete_board       (CbWallboardPage      *self,
                                                    const char           *id);
void          cb_wallboard_page_export_async       (CbWallboardPage      *self,
                                                    GFile                *file,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean      cb_wallboard_page_export_finish      (CbWallboardPage      *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void          cb_wallboard_page_import_async       (CbWallboardPage      *self,
                                                    GFile                *file,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
guint         cb_wallboard_page_import_finish      (CbWallboardPage      *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void          cb_wallboard_page_import_file        (CbWallboardPage      *self,
                                                    GFile                *file);
GPtrArray    *cb_wallboard_page_get_groups         (CbWallboardPage      *self);
GPtrArray    *cb_wallboard_page_get_kpi_items      (CbWallboardPage      *self);
GtkWindow    *cb_wallboard_page_get_editor         (CbWallboardPage      *self);

G_END_DECLS
