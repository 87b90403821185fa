/* cb-cache.c — the local SQLite cache of one backend profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One database per profile holds what the console last knew: every entity
 * it holds (as the JSON text it arrived in), the sync cursor and the topics
 * whose snapshot is complete in that session — written in the same
 * transaction as the changes they describe, so after a crash the cursor and
 * the data agree — the event journal that metrics recompute windows from,
 * and the offline outbox.
 *
 * A CbCache is used by one thread at a time (the store's worker). It knows
 * nothing of the protocol's rules; the store decides what to write.
 *
 * Bodies are stored as received — an event frame or a snapshot item, both
 * with the entity under "data" — so the hot path never serializes JSON.
 *
 * Opening never fails because of the file's contents: a file that is not a
 * database, is damaged, or was written by a newer schema is moved aside
 * (the caller is told, so the user can be) and a new cache is created; the
 * backend then fills it again.
 */
#define G_LOG_DOMAIN "cb-cache"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cb-cache.h"

enum {
  STMT_PUT,
  STMT_PUT_JOURNALED,
  STMT_PUT_ITEM,
  STMT_PUT_PART,
  STMT_REMOVE,
  STMT_JOURNAL,
  STMT_META_SET,
  STMT_META_GET,
  STMT_TOPIC_SET,
  N_STMTS
};

struct _CbCache
{
  sqlite3      *db;
  char         *path;
  sqlite3_stmt *stmts[N_STMTS];
  gboolean      in_transaction;
};

static const char * const statements[N_STMTS] = {
  [STMT_PUT] = "INSERT INTO entity (type, id, topic, rev, body, part, item, jrow) "
               "VALUES (?1, ?2, ?3, ?4, ?5, NULL, NULL, NULL) "
               "ON CONFLICT (type, id) DO UPDATE SET topic = ?3, rev = ?4, body = ?5, part = NULL, item = NULL, "
               "jrow = NULL",
  [STMT_PUT_JOURNALED] = "INSERT INTO entity (type, id, topic, rev, body, part, item, jrow) "
                         "VALUES (?1, ?2, ?3, ?4, NULL, NULL, NULL, ?5) "
                         "ON CONFLICT (type, id) DO UPDATE SET topic = ?3, rev = ?4, body = NULL, part = NULL, "
                         "item = NULL, jrow = ?5",
  [STMT_PUT_ITEM] = "INSERT INTO entity (type, id, topic, rev, body, part, item, jrow) "
                    "VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, NULL) "
                    "ON CONFLICT (type, id) DO UPDATE SET topic = ?3, rev = ?4, body = NULL, part = ?5, item = ?6, "
                    "jrow = NULL",
  [STMT_PUT_PART] = "INSERT INTO part (body) VALUES (?1)",
  [STMT_REMOVE] = "DELETE FROM entity WHERE type = ?1 AND id = ?2",
  [STMT_JOURNAL] = "INSERT INTO journal (seq, ts, topic, kind, type, id, rev, body) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
  [STMT_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                    "ON CONFLICT (key) DO UPDATE SET value = ?2",
  [STMT_META_GET] = "SELECT value FROM meta WHERE key = ?1",
  [STMT_TOPIC_SET] = "INSERT INTO topic (topic, session, complete) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (topic) DO UPDATE SET session = ?2, complete = ?3",
};

/* Migrations: migrations[i] takes the schema from version i to i + 1. */
static const char * const migrations[] = {
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
  "CREATE TABLE entity (type TEXT NOT NULL, id TEXT NOT NULL, topic TEXT NOT NULL,"
  "                     rev INTEGER NOT NULL, body TEXT, part INTEGER, item INTEGER, jrow INTEGER,"
  "                     CHECK (body IS NOT NULL OR part IS NOT NULL OR jrow IS NOT NULL),"
  "                     PRIMARY KEY (type, id)) WITHOUT ROWID;"
  "CREATE INDEX entity_part ON entity (part) WHERE part IS NOT NULL;"
  "CREATE INDEX entity_jrow ON entity (jrow) WHERE jrow IS NOT NULL;"
  "CREATE TABLE part (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
  "CREATE TABLE topic (topic TEXT PRIMARY KEY, session TEXT, complete INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE journal (seq INTEGER NOT NULL, ts INTEGER NOT NULL, topic TEXT NOT NULL,"
  "                      kind INTEGER NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,"
  "                      rev INTEGER NOT NULL, body TEXT);"
  "CREATE INDEX journal_ts ON journal (ts);"
  "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, data TEXT NOT NULL,"
  "                     if_rev INTEGER NOT NULL, entity_type TEXT, entity_id TEXT,"
  "                     idem TEXT NOT NULL, created_at INTEGER NOT NULL,"
  "                     state INTEGER NOT NULL, error TEXT, current TEXT, base TEXT);",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CB_CACHE_SCHEMA_VERSION);

G_DEFINE_QUARK (cb-cache-error-quark, cb_cache_error)

static gboolean
set_error (CbCache     *self,
           int          rc,
           const char  *what,
           GError     **error)
{
  g_set_error (error, CB_CACHE_ERROR, CB_CACHE_ERROR_IO, "%s: %s",
               what, self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

static int
exec (sqlite3    *db,
      const char *sql)
{
  return sqlite3_exec (db, sql, NULL, NULL, NULL);
}

static gboolean
is_damage (int rc)
{
  rc &= 0xff;
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_FORMAT;
}

static void
close_db (CbCache *self)
{
  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
}

/* Opens the file and brings its schema up to date. Returns an SQLite code;
 * *newer is set when the file has a schema this build does not know. */
static int
open_db (CbCache  *self,
         gboolean *newer)
{
  sqlite3_stmt *stmt = NULL;
  int version = 0;
  int rc;

  *newer = FALSE;
  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    return rc;

  sqlite3_busy_timeout (self->db, 2000);
  sqlite3_extended_result_codes (self->db, 1);

  /* The first read of the header: a file that is not a database fails here. */
  rc = sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          version = sqlite3_column_int (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return rc;

  if (version > CB_CACHE_SCHEMA_VERSION)
    {
      *newer = TRUE;
      return SQLITE_OK;
    }

  if ((rc = exec (self->db, "PRAGMA journal_mode = WAL")) != SQLITE_OK
      || (rc = exec (self->db, "PRAGMA synchronous = NORMAL")) != SQLITE_OK
      || (rc = exec (self->db, "PRAGMA wal_autocheckpoint = 4000")) != SQLITE_OK
      || (rc = exec (self->db, "PRAGMA journal_size_limit = 67108864")) != SQLITE_OK
      || (rc = exec (self->db, "PRAGMA foreign_keys = OFF")) != SQLITE_OK)
    return rc;

  if (version < CB_CACHE_SCHEMA_VERSION)
    {
      if ((rc = exec (self->db, "BEGIN IMMEDIATE")) != SQLITE_OK)
        return rc;
      for (int v = version; v < CB_CACHE_SCHEMA_VERSION; v++)
        {
          g_debug ("migrating %s from schema %d to %d", self->path, v, v + 1);
          if ((rc = exec (self->db, migrations[v])) != SQLITE_OK)
            {
              exec (self->db, "ROLLBACK");
              return rc;
            }
        }
      {
        g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", CB_CACHE_SCHEMA_VERSION);

        if ((rc = exec (self->db, sql)) != SQLITE_OK || (rc = exec (self->db, "COMMIT")) != SQLITE_OK)
          {
            exec (self->db, "ROLLBACK");
            return rc;
          }
      }
    }

  for (guint i = 0; i < N_STMTS; i++)
    if ((rc = sqlite3_prepare_v3 (self->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT,
                                  &self->stmts[i], NULL)) != SQLITE_OK)
      return rc;

  /* A quick look at the pages the console reads first: damage in the
   * index of entities would otherwise only show on the first read. */
  rc = sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM entity", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode (self->db);
  sqlite3_finalize (stmt);
  return rc;
}

/* Moves the cache file and its WAL aside, as "<path>.broken-<time>". */
static char *
move_aside (const char *path)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  char *target = g_strdup_printf ("%s.broken-%s", path, stamp);
  const char *suffixes[] = { "-wal", "-shm" };

  if (g_rename (path, target) != 0)
    g_message ("could not move the damaged cache %s aside: %s", path, g_strerror (errno));
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (target, suffixes[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS))
        g_rename (from, to);
    }
  return target;
}

/**
 * cb_cache_open:
 * @path: the database file, or ":memory:"
 * @recovery: (out) (optional): whether the file had to be replaced
 * @moved_to: (out) (optional): where a replaced file was moved
 *
 * Opens the cache at @path, creating it (and its folder) if needed.
 *
 * Returns: (transfer full) (nullable): the cache, or %NULL if no cache can
 *   be created at @path at all
 */
CbCache *
cb_cache_open (const char       *path,
               CbCacheRecovery  *recovery,
               char            **moved_to,
               GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  CbCache *self;
  gboolean newer = FALSE;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  if (recovery)
    *recovery = CB_CACHE_OK;
  if (moved_to)
    *moved_to = NULL;

  if (!g_str_equal (path, ":memory:"))
    {
      g_autofree char *dir = g_path_get_dirname (path);

      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          g_set_error (error, CB_CACHE_ERROR, CB_CACHE_ERROR_OPEN, "%s: %s", dir, g_strerror (errno));
          return NULL;
        }
    }

  self = g_new0 (CbCache, 1);
  self->path = g_strdup (path);

  rc = open_db (self, &newer);
  if (rc != SQLITE_OK || newer)
    {
      close_db (self);

      if (!newer && !is_damage (rc))
        {
          g_set_error (error, CB_CACHE_ERROR, CB_CACHE_ERROR_OPEN, "%s: %s", path, sqlite3_errstr (rc));
          cb_cache_close (self);
          return NULL;
        }

      g_message ("the cache %s is %s; starting a new one", path,
                 newer ? "from a newer Callboard" : "damaged");
      {
        char *target = move_aside (path);

        if (moved_to)
          *moved_to = target;
        else
          g_free (target);
      }
      if (recovery)
        *recovery = newer ? CB_CACHE_RECOVERED_NEWER : CB_CACHE_RECOVERED_CORRUPT;

      rc = open_db (self, &newer);
      if (rc != SQLITE_OK || newer)
        {
          g_set_error (error, CB_CACHE_ERROR, CB_CACHE_ERROR_OPEN, "%s: %s", path, sqlite3_errstr (rc));
          cb_cache_close (self);
          return NULL;
        }
    }

  return self;
}

void
cb_cache_close (CbCache *self)
{
  if (self == NULL)
    return;

  if (self->in_transaction)
    cb_cache_rollback (self);
  close_db (self);
  g_free (self->path);
  g_free (self);
}

const char *
cb_cache_get_path (CbCache *self)
{
  return self->path;
}

char *
cb_cache_get_meta (CbCache    *self,
                   const char *key)
{
  sqlite3_stmt *stmt = self->stmts[STMT_META_GET];
  char *value = NULL;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return value;
}

gboolean
cb_cache_set_meta (CbCache     *self,
                   const char  *key,
                   const char  *value,
                   GError     **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_META_SET];
  int rc;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (value)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 2);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "meta", error);
}

gboolean
cb_cache_get_cursor (CbCache  *self,
                     char    **session,
                     char    **epoch,
                     gint64   *last_seq)
{
  g_autofree char *s = cb_cache_get_meta (self, "session");
  g_autofree char *e = cb_cache_get_meta (self, "epoch");
  g_autofree char *seq = cb_cache_get_meta (self, "last_seq");

  *session = NULL;
  *epoch = NULL;
  *last_seq = 0;
  if (s == NULL || e == NULL || seq == NULL)
    return FALSE;

  *session = g_steal_pointer (&s);
  *epoch = g_steal_pointer (&e);
  *last_seq = g_ascii_strtoll (seq, NULL, 10);
  return TRUE;
}

gboolean
cb_cache_set_cursor (CbCache     *self,
                     const char  *session,
                     const char  *epoch,
                     gint64       last_seq,
                     GError     **error)
{
  char seq[32];

  g_snprintf (seq, sizeof seq, "%" G_GINT64_FORMAT, last_seq);
  return cb_cache_set_meta (self, "session", session, error)
         && cb_cache_set_meta (self, "epoch", epoch, error)
         && cb_cache_set_meta (self, "last_seq", seq, error);
}

gint64
cb_cache_get_synced_at (CbCache *self)
{
  g_autofree char *value = cb_cache_get_meta (self, "synced_at");

  return value ? g_ascii_strtoll (value, NULL, 10) : 0;
}

gboolean
cb_cache_set_synced_at (CbCache     *self,
                        gint64       server_ms,
                        GError     **error)
{
  char value[32];

  g_snprintf (value, sizeof value, "%" G_GINT64_FORMAT, server_ms);
  return cb_cache_set_meta (self, "synced_at", value, error);
}

GStrv
cb_cache_get_complete_topics (CbCache    *self,
                              const char *session)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT topic FROM topic WHERE complete AND session = ?1 ORDER BY topic",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, session ? session : "", -1, SQLITE_STATIC);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);
  return g_strv_builder_end (builder);
}

gboolean
cb_cache_set_topic_complete (CbCache     *self,
                             const char  *topic,
                             const char  *session,
                             gboolean     complete,
                             GError     **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_TOPIC_SET];
  int rc;

  sqlite3_bind_text (stmt, 1, topic, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, session ? session : "", -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, complete ? 1 : 0);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "topic", error);
}

gboolean
cb_cache_foreach_entity (CbCache            *self,
                         CbCacheEntityFunc   func,
                         gpointer            user_data,
                         GError            **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, "SELECT e.type, e.id, e.topic, e.rev, coalesce (e.body, j.body), e.part, e.item "
                           "FROM entity e LEFT JOIN journal j ON e.jrow IS NOT NULL AND j.rowid = e.jrow", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return set_error (self, rc, "entities", error);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    func ((const char *) sqlite3_column_text (stmt, 0),
          (const char *) sqlite3_column_text (stmt, 1),
          (const char *) sqlite3_column_text (stmt, 2),
          sqlite3_column_int64 (stmt, 3),
          (const char *) sqlite3_column_text (stmt, 4),
          (gsize) sqlite3_column_bytes (stmt, 4),
          sqlite3_column_int64 (stmt, 5),
          sqlite3_column_int (stmt, 6),
          user_data);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "entities", error);
}

/* Steps a journal query (seq, ts, topic, kind, type, id, rev, body) and
 * calls @func for each row; finalizes @stmt. */
static gboolean
each_journal_row (CbCache             *self,
                  sqlite3_stmt        *stmt,
                  CbCacheJournalFunc   func,
                  gpointer             user_data,
                  GError             **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    func (sqlite3_column_int64 (stmt, 0),
          sqlite3_column_int64 (stmt, 1),
          (const char *) sqlite3_column_text (stmt, 2),
          sqlite3_column_int (stmt, 3),
          (const char *) sqlite3_column_text (stmt, 4),
          (const char *) sqlite3_column_text (stmt, 5),
          sqlite3_column_int64 (stmt, 6),
          (const char *) sqlite3_column_text (stmt, 7),
          (gsize) sqlite3_column_bytes (stmt, 7),
          user_data);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "journal", error);
}

gboolean
cb_cache_foreach_journal (CbCache             *self,
                          gint64               from_ts,
                          gint64               to_ts,
                          CbCacheJournalFunc   func,
                          gpointer             user_data,
                          GError             **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT seq, ts, topic, kind, type, id, rev, body FROM journal "
                           "WHERE ts >= ?1 AND ts < ?2 ORDER BY ts, rowid", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return set_error (self, rc, "journal", error);

  sqlite3_bind_int64 (stmt, 1, from_ts);
  sqlite3_bind_int64 (stmt, 2, to_ts);
  return each_journal_row (self, stmt, func, user_data, error);
}

/**
 * cb_cache_foreach_history:
 *
 * Calls @func, in time order, for the last journaled event of every call
 * since @calls_since, and every event of another type since @others_since.
 */
gboolean
cb_cache_foreach_history (CbCache             *self,
                          gint64               calls_since,
                          gint64               others_since,
                          CbCacheJournalFunc   func,
                          gpointer             user_data,
                          GError             **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT seq, ts, topic, kind, type, id, rev, body FROM journal WHERE rowid IN "
                           "  (SELECT max(rowid) FROM journal WHERE type = 'call' AND ts >= ?1 GROUP BY id) "
                           "OR (type != 'call' AND ts >= ?2) ORDER BY ts, rowid", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return set_error (self, rc, "journal", error);

  sqlite3_bind_int64 (stmt, 1, calls_since);
  sqlite3_bind_int64 (stmt, 2, others_since);
  return each_journal_row (self, stmt, func, user_data, error);
}

gint64
cb_cache_count_journal (CbCache *self)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM journal", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

gboolean
cb_cache_begin (CbCache  *self,
                GError  **error)
{
  int rc;

  g_return_val_if_fail (!self->in_transaction, FALSE);
  rc = exec (self->db, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK)
    return set_error (self, rc, "begin", error);
  self->in_transaction = TRUE;
  return TRUE;
}

gboolean
cb_cache_commit (CbCache  *self,
                 GError  **error)
{
  int rc;

  g_return_val_if_fail (self->in_transaction, FALSE);
  rc = exec (self->db, "COMMIT");
  if (rc != SQLITE_OK)
    {
      set_error (self, rc, "commit", error);
      cb_cache_rollback (self);
      return FALSE;
    }
  self->in_transaction = FALSE;
  return TRUE;
}

void
cb_cache_rollback (CbCache *self)
{
  if (self->in_transaction)
    exec (self->db, "ROLLBACK");
  self->in_transaction = FALSE;
}

gboolean
cb_cache_put (CbCache     *self,
              const char  *type,
              const char  *id,
              const char  *topic,
              gint64       rev,
              const char  *body,
              gsize        length,
              GError     **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_PUT];
  int rc;

  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, topic, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, rev);
  sqlite3_bind_text (stmt, 5, body, (int) length, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "put", error);
}

/* Stores an entity whose body is that of journal row @row: the frame is
 * written once, for both. */
gboolean
cb_cache_put_journaled (CbCache     *self,
                        const char  *type,
                        const char  *id,
                        const char  *topic,
                        gint64       rev,
                        gint64       row,
                        GError     **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_PUT_JOURNALED];
  int rc;

  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, topic, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, rev);
  sqlite3_bind_int64 (stmt, 5, row);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "put", error);
}

/* Stores a snapshot part as received; its items are then put with
 * cb_cache_put_item(), so a snapshot is never serialized again. */
gint64
cb_cache_put_part (CbCache     *self,
                   const char  *body,
                   gsize        length,
                   GError     **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_PUT_PART];
  int rc;

  sqlite3_bind_text (stmt, 1, body, (int) length, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, "part", error);
      return 0;
    }
  return sqlite3_last_insert_rowid (self->db);
}

gboolean
cb_cache_put_item (CbCache     *self,
                   const char  *type,
                   const char  *id,
                   const char  *topic,
                   gint64       rev,
                   gint64       part,
                   int          item,
                   GError     **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_PUT_ITEM];
  int rc;

  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, topic, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, rev);
  sqlite3_bind_int64 (stmt, 5, part);
  sqlite3_bind_int (stmt, 6, item);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "put", error);
}

/* Returns: (transfer full) (nullable): the text of snapshot part @part */
char *
cb_cache_get_part (CbCache *self,
                   gint64   part,
                   gsize   *length)
{
  sqlite3_stmt *stmt = NULL;
  char *body = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT body FROM part WHERE id = ?1", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, part);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          *length = (gsize) sqlite3_column_bytes (stmt, 0);
          body = g_strndup ((const char *) sqlite3_column_text (stmt, 0), *length);
        }
    }
  sqlite3_finalize (stmt);
  return body;
}

/* Removes the snapshot parts no entity refers to any more. */
gboolean
cb_cache_drop_unused_parts (CbCache  *self,
                            GError  **error)
{
  int rc = exec (self->db, "DELETE FROM part WHERE id NOT IN "
                           "(SELECT DISTINCT part FROM entity WHERE part IS NOT NULL)");

  return rc == SQLITE_OK || set_error (self, rc, "parts", error);
}

gboolean
cb_cache_remove (CbCache     *self,
                 const char  *type,
                 const char  *id,
                 GError     **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_REMOVE];
  int rc;

  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "remove", error);
}

gboolean
cb_cache_journal (CbCache     *self,
                  gint64       seq,
                  gint64       ts,
                  const char  *topic,
                  int          kind,
                  const char  *type,
                  const char  *id,
                  gint64       rev,
                  const char  *body,
                  gsize        length,
                  gint64      *row,
                  GError     **error)
{
  sqlite3_stmt *stmt = self->stmts[STMT_JOURNAL];
  int rc;

  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int64 (stmt, 2, ts);
  sqlite3_bind_text (stmt, 3, topic, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, kind);
  sqlite3_bind_text (stmt, 5, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, rev);
  if (body)
    sqlite3_bind_text (stmt, 8, body, (int) length, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 8);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (row != NULL)
    *row = rc == SQLITE_DONE ? sqlite3_last_insert_rowid (self->db) : 0;
  return rc == SQLITE_DONE || set_error (self, rc, "journal", error);
}

/* Returns the number of journal entries removed, or -1. */
gint64
cb_cache_trim_journal (CbCache  *self,
                       gint64    before_ts,
                       GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  gint64 removed = 0;
  gboolean own = !self->in_transaction;

  /* Entities whose body is in a row about to go keep a copy of it. */
  if (own && (rc = exec (self->db, "BEGIN IMMEDIATE")) != SQLITE_OK)
    {
      set_error (self, rc, "trim", error);
      return -1;
    }
  rc = sqlite3_prepare_v2 (self->db,
                           "UPDATE entity SET body = (SELECT body FROM journal WHERE rowid = entity.jrow), "
                           "jrow = NULL WHERE jrow IN (SELECT rowid FROM journal WHERE ts < ?1)", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, before_ts);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (rc == SQLITE_DONE)
    {
      rc = sqlite3_prepare_v2 (self->db, "DELETE FROM journal WHERE ts < ?1", -1, &stmt, NULL);
      if (rc == SQLITE_OK)
        {
          sqlite3_bind_int64 (stmt, 1, before_ts);
          rc = sqlite3_step (stmt);
        }
      sqlite3_finalize (stmt);
      removed = sqlite3_changes64 (self->db);
    }
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, "trim", error);
      if (own)
        exec (self->db, "ROLLBACK");
      return -1;
    }
  if (own && (rc = exec (self->db, "COMMIT")) != SQLITE_OK)
    {
      set_error (self, rc, "trim", error);
      exec (self->db, "ROLLBACK");
      return -1;
    }
  return removed;
}

gboolean
cb_cache_integrity_ok (CbCache *self)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    ok = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "ok") == 0;
  sqlite3_finalize (stmt);
  return ok;
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           column,
                   const char   *text)
{
  if (text)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, column);
}

gint64
cb_cache_outbox_add (CbCache             *self,
                     const CbOutboxItem  *item,
                     GError             **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db,
                           "INSERT INTO outbox (op, data, if_rev, entity_type, entity_id, idem, created_at, state, base) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      bind_text_or_null (stmt, 1, item->op);
      bind_text_or_null (stmt, 2, item->data);
      sqlite3_bind_int64 (stmt, 3, item->if_rev);
      bind_text_or_null (stmt, 4, item->entity_type);
      bind_text_or_null (stmt, 5, item->entity_id);
      bind_text_or_null (stmt, 6, item->idem);
      sqlite3_bind_int64 (stmt, 7, item->created_at);
      sqlite3_bind_int (stmt, 8, item->state);
      bind_text_or_null (stmt, 9, item->base);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, "outbox", error);
      return 0;
    }
  return sqlite3_last_insert_rowid (self->db);
}

gboolean
cb_cache_outbox_update (CbCache        *self,
                        gint64          id,
                        CbOutboxState   state,
                        const char     *error_text,
                        const char     *current,
                        GError        **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, "UPDATE outbox SET state = ?2, error = ?3, current = ?4 WHERE id = ?1",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int (stmt, 2, state);
      bind_text_or_null (stmt, 3, error_text);
      bind_text_or_null (stmt, 4, current);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "outbox", error);
}

/* Makes @id pending again with @data and @if_rev; a new @idem (a new
 * request, after a conflict) or %NULL to keep its key (the same request). */
gboolean
cb_cache_outbox_set_data (CbCache     *self,
                          gint64       id,
                          const char  *data,
                          gint64       if_rev,
                          const char  *idem,
                          GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db,
                           "UPDATE outbox SET data = ?2, if_rev = ?3, idem = coalesce (?4, idem), state = 0, "
                           "error = NULL, current = NULL WHERE id = ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      bind_text_or_null (stmt, 2, data);
      sqlite3_bind_int64 (stmt, 3, if_rev);
      bind_text_or_null (stmt, 4, idem);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "outbox", error);
}

gboolean
cb_cache_outbox_remove (CbCache  *self,
                        gint64    id,
                        GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, "DELETE FROM outbox WHERE id = ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE || set_error (self, rc, "outbox", error);
}

static char *
column_strdup (sqlite3_stmt *stmt,
               int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Returns: (transfer full) (element-type CbOutboxItem): every item, oldest first */
GPtrArray *
cb_cache_outbox_list (CbCache  *self,
                      GError  **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_outbox_item_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT id, op, data, if_rev, entity_type, entity_id, idem, created_at, state, "
                           "error, current, base FROM outbox ORDER BY id", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_error (self, rc, "outbox", error);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CbOutboxItem *item = g_new0 (CbOutboxItem, 1);

      item->id = sqlite3_column_int64 (stmt, 0);
      item->op = column_strdup (stmt, 1);
      item->data = column_strdup (stmt, 2);
      item->if_rev = sqlite3_column_int64 (stmt, 3);
      item->entity_type = column_strdup (stmt, 4);
      item->entity_id = column_strdup (stmt, 5);
      item->idem = column_strdup (stmt, 6);
      item->created_at = sqlite3_column_int64 (stmt, 7);
      item->state = sqlite3_column_int (stmt, 8);
      item->error = column_strdup (stmt, 9);
      item->current = column_strdup (stmt, 10);
      item->base = column_strdup (stmt, 11);
      g_ptr_array_add (items, item);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, "outbox", error);
      return NULL;
    }
  return g_steal_pointer (&items);
}

CbOutboxItem *
cb_outbox_item_copy (const CbOutboxItem *item)
{
  CbOutboxItem *copy = g_new0 (CbOutboxItem, 1);

  *copy = *item;
  copy->op = g_strdup (item->op);
  copy->data = g_strdup (item->data);
  copy->entity_type = g_strdup (item->entity_type);
  copy->entity_id = g_strdup (item->entity_id);
  copy->idem = g_strdup (item->idem);
  copy->error = g_strdup (item->error);
  copy->current = g_strdup (item->current);
  copy->base = g_strdup (item->base);
  return copy;
}

void
cb_outbox_item_free (CbOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->op);
  g_free (item->data);
  g_free (item->entity_type);
  g_free (item->entity_id);
  g_free (item->idem);
  g_free (item->error);
  g_free (item->current);
  g_free (item->base);
  g_free (item);
}
