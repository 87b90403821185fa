/* cb-sim-db.c — the reference backend's SQLite file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where callboard-sim keeps its configuration state (campaigns, lead lists
 * and leads, DNC lists and entries, rule sets, catalogs, QA forms with every
 * revision, evaluations), so that it survives a restart with --db. Live
 * state (calls, agents) is never written here. Configuration entities are
 * stored whole, as the JSON the protocol publishes, with their rev; bulk
 * records have the columns their queries filter and sort on beside their
 * JSON. Statements are prepared once and cached by their text.
 *
 * The sim is single-threaded: one connection, used from the main context.
 */
#define G_LOG_DOMAIN "cb-sim-db"

#include "config.h"

#include "cb-sim-db.h"

#define SCHEMA_VERSION 1

struct _CbSimDb
{
  sqlite3    *handle;
  GHashTable *statements;   /* SQL text → sqlite3_stmt */
  guint       depth;        /* nested begin () */
  gboolean    failed;       /* a statement failed inside the transaction */
};

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS entities (type TEXT NOT NULL, id TEXT NOT NULL, rev INTEGER NOT NULL,"
  "  json TEXT NOT NULL, PRIMARY KEY (type, id));"
  "CREATE TABLE IF NOT EXISTS leads (id TEXT PRIMARY KEY, list_id TEXT NOT NULL, status TEXT NOT NULL,"
  "  next_attempt_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, phones TEXT NOT NULL,"
  "  name TEXT NOT NULL, json TEXT NOT NULL);"
  "CREATE INDEX IF NOT EXISTS leads_list ON leads (list_id, id);"
  "CREATE INDEX IF NOT EXISTS leads_next ON leads (list_id, next_attempt_at, id);"
  "CREATE INDEX IF NOT EXISTS leads_updated ON leads (list_id, updated_at, id);"
  "CREATE TABLE IF NOT EXISTS dnc_entries (id TEXT PRIMARY KEY, list_id TEXT NOT NULL,"
  "  number TEXT NOT NULL, added_at INTEGER NOT NULL, json TEXT NOT NULL, UNIQUE (list_id, number));"
  "CREATE INDEX IF NOT EXISTS dnc_number ON dnc_entries (number);"
  "CREATE INDEX IF NOT EXISTS dnc_added ON dnc_entries (list_id, added_at, id);"
  "CREATE TABLE IF NOT EXISTS qa_form_revs (id TEXT NOT NULL, rev INTEGER NOT NULL, json TEXT NOT NULL,"
  "  PRIMARY KEY (id, rev));"
  "CREATE TABLE IF NOT EXISTS evaluations (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL,"
  "  score REAL NOT NULL, json TEXT NOT NULL);";

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

CbSimDb *
cb_sim_db_open (const char  *path,
                GError     **error)
{
  g_autoptr(CbSimDb) db = g_new0 (CbSimDb, 1);
  gint64 version;

  db->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
  if (sqlite3_open_v2 (path && *path ? path : ":memory:", &db->handle,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open %s: %s", path,
                   db->handle ? sqlite3_errmsg (db->handle) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (db->handle, 2000);

  if (!cb_sim_db_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;",
                       error)
      || !cb_sim_db_exec (db, schema, error))
    return NULL;

  version = cb_sim_db_get_meta_int (db, "schema_version", 0);
  if (version == 0)
    cb_sim_db_set_meta_int (db, "schema_version", SCHEMA_VERSION);
  else if (version != SCHEMA_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s has schema version %" G_GINT64_FORMAT "; this sim writes %d", path, version,
                   SCHEMA_VERSION);
      return NULL;
    }

  return g_steal_pointer (&db);
}

void
cb_sim_db_free (CbSimDb *db)
{
  if (db == NULL)
    return;
  g_clear_pointer (&db->statements, g_hash_table_unref);
  if (db->handle != NULL)
    sqlite3_close (db->handle);
  g_free (db);
}

sqlite3 *
cb_sim_db_get_handle (CbSimDb *db)
{
  return db->handle;
}

gboolean
cb_sim_db_exec (CbSimDb     *db,
                const char  *sql,
                GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (db->handle, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "SQLite: %s", message ? message : "error");
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

/* A cached statement, reset and with its bindings cleared. */
sqlite3_stmt *
cb_sim_db_prepare (CbSimDb    *db,
                   const char *sql)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (db->statements, sql);

  if (stmt == NULL)
    {
      if (sqlite3_prepare_v2 (db->handle, sql, -1, &stmt, NULL) != SQLITE_OK)
        g_error ("cannot prepare “%s”: %s", sql, sqlite3_errmsg (db->handle));
      g_hash_table_insert (db->statements, g_strdup (sql), stmt);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

/* Steps a statement that returns no rows; a failure is remembered, so the
 * transaction it belongs to is rolled back rather than committed. */
gboolean
cb_sim_db_step_done (CbSimDb      *db,
                     sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_warning ("SQLite: %s", sqlite3_errmsg (db->handle));
      db->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

void
cb_sim_db_begin (CbSimDb *db)
{
  if (db->depth++ == 0)
    {
      db->failed = FALSE;
      cb_sim_db_exec (db, "BEGIN IMMEDIATE", NULL);
    }
}

void
cb_sim_db_commit (CbSimDb *db)
{
  g_assert (db->depth > 0);
  if (--db->depth == 0)
    cb_sim_db_exec (db, db->failed ? "ROLLBACK" : "COMMIT", NULL);
}

void
cb_sim_db_rollback (CbSimDb *db)
{
  g_assert (db->depth > 0);
  db->failed = TRUE;
  cb_sim_db_commit (db);
}

gint64
cb_sim_db_get_meta_int (CbSimDb    *db,
                        const char *key,
                        gint64      fallback)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (db, "SELECT value FROM meta WHERE key = ?");
  gint64 value = fallback;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

void
cb_sim_db_set_meta_int (CbSimDb    *db,
                        const char *key,
                        gint64      value)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, value);
  cb_sim_db_step_done (db, stmt);
}

/* Returns: (transfer full): "ok", or what PRAGMA integrity_check found */
char *
cb_sim_db_integrity_check (CbSimDb *db)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (db, "PRAGMA integrity_check");
  GString *out = g_string_new (NULL);

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, (const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  return g_string_free (out, FALSE);
}

void
cb_sim_db_bind_json (sqlite3_stmt *stmt,
                     int           column,
                     JsonObject   *object)
{
  g_autoptr(JsonNode) node = json_node_alloc ();
  char *text;

  json_node_init_object (node, object);
  text = json_to_string (node, FALSE);
  sqlite3_bind_text (stmt, column, text, -1, g_free);
}

/* Returns: (transfer full) (nullable): the column's JSON object */
JsonObject *
cb_sim_db_column_json (sqlite3_stmt *stmt,
                       int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  g_autoptr(JsonNode) node = text ? json_from_string (text, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

void
cb_sim_db_put_entity (CbSimDb    *db,
                      const char *type,
                      const char *id,
                      gint64      rev,
                      JsonObject *object)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (db, "INSERT OR REPLACE INTO entities (type, id, rev, json) "
                                              "VALUES (?, ?, ?, ?)");

  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, rev);
  cb_sim_db_bind_json (stmt, 4, object);
  cb_sim_db_step_done (db, stmt);
}

void
cb_sim_db_delete_entity (CbSimDb    *db,
                         const char *type,
                         const char *id)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (db, "DELETE FROM entities WHERE type = ? AND id = ?");

  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  cb_sim_db_step_done (db, stmt);
}
