/* cb-sim-db.h — the reference backend's SQLite file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _CbSimDb CbSimDb;

CbSimDb      *cb_sim_db_open            (const char  *path,
                                         GError     **error);
void          cb_sim_db_free            (CbSimDb     *db);
sqlite3      *cb_sim_db_get_handle      (CbSimDb     *db);
gboolean      cb_sim_db_exec            (CbSimDb     *db,
                                         const char  *sql,
                                         GError     **error);
sqlite3_stmt *cb_sim_db_prepare         (CbSimDb     *db,
                                         const char  *sql);
gboolean      cb_sim_db_step_done       (CbSimDb     *db,
                                         sqlite3_stmt *stmt);
void          cb_sim_db_begin           (CbSimDb     *db);
void          cb_sim_db_commit          (CbSimDb     *db);
void          cb_sim_db_rollback        (CbSimDb     *db);
gint64        cb_sim_db_get_meta_int    (CbSimDb     *db,
                                         const char  *key,
                                         gint64       fallback);
void          cb_sim_db_set_meta_int    (CbSimDb     *db,
                                         const char  *key,
                                         gint64       value);
char         *cb_sim_db_integrity_check (CbSimDb     *db);

/* JSON in and out of columns. */
void          cb_sim_db_bind_json       (sqlite3_stmt *stmt,
                                         int           column,
                                         JsonObject   *object);
JsonObject   *cb_sim_db_column_json     (sqlite3_stmt *stmt,
                                         int           column);

/* Configuration entities: whole objects with their rev. */
void          cb_sim_db_put_entity      (CbSimDb     *db,
                                         const char  *type,
                                         const char  *id,
                                         gint64       rev,
                                         JsonObject  *object);
void          cb_sim_db_delete_entity   (CbSimDb     *db,
                                         const char  *type,
                                         const char  *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSimDb, cb_sim_db_free)

G_END_DECLS
