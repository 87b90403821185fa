/* test-cache.c — the SQLite cache: schema, sync state, journal, outbox, damage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cb-cache.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("cb-cache-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "sub", "cache.sqlite", NULL);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *sub = g_build_filename (f->dir, "sub", NULL);
  g_autoptr(GDir) dir = g_dir_open (sub, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (sub, name, NULL);

      g_remove (child);
    }
  g_rmdir (sub);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static CbCache *
open_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  CbCacheRecovery recovery = -1;
  CbCache *cache = cb_cache_open (path, &recovery, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cache);
  g_assert_cmpint (recovery, ==, CB_CACHE_OK);
  return cache;
}

static void
count_entity (const char *type,
              const char *id,
              const char *topic,
              gint64      rev,
              const char *body,
              gsize       length,
              gint64      part,
              int         item,
              gpointer    user_data)
{
  GString *seen = user_data;

  if (body != NULL)
    g_string_append_printf (seen, "%s/%s/%s/%" G_GINT64_FORMAT "/%.*s;", type, id, topic, rev, (int) length, body);
  else
    g_string_append_printf (seen, "%s/%s/%s/%" G_GINT64_FORMAT "/part %" G_GINT64_FORMAT " item %d;",
                            type, id, topic, rev, part, item);
}

static void
test_persists (Fixture       *f,
               gconstpointer  data)
{
  CbCache *cache = open_ok (f->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autofree char *session = NULL, *epoch = NULL;
  g_auto(GStrv) complete = NULL;
  gint64 seq = 0;

  g_assert_false (cb_cache_get_cursor (cache, &session, &epoch, &seq));
  g_assert_true (cb_cache_begin (cache, &error));
  g_assert_true (cb_cache_put (cache, "agent", "a1", "agents", 3, "{\"x\":1}", 7, &error));
  g_assert_true (cb_cache_put (cache, "agent", "a2", "agents", 1, "{}", 2, &error));
  g_assert_true (cb_cache_put (cache, "agent", "a1", "agents", 4, "{\"x\":2}", 7, &error));
  g_assert_true (cb_cache_remove (cache, "agent", "a2", &error));
  g_assert_true (cb_cache_journal (cache, 10, 1000, "agents", 0, "agent", "a1", 4, "{}", 2, NULL, &error));
  g_assert_true (cb_cache_set_cursor (cache, "s-1", "e-1", 10, &error));
  g_assert_true (cb_cache_set_topic_complete (cache, "agents", "s-1", TRUE, &error));
  g_assert_true (cb_cache_set_topic_complete (cache, "calls", "s-1", FALSE, &error));
  g_assert_true (cb_cache_commit (cache, &error));

  /* A rolled-back batch leaves nothing behind. */
  g_assert_true (cb_cache_begin (cache, &error));
  g_assert_true (cb_cache_put (cache, "agent", "a3", "agents", 1, "{}", 2, &error));
  g_assert_true (cb_cache_set_cursor (cache, "s-1", "e-1", 99, &error));
  cb_cache_rollback (cache);
  cb_cache_close (cache);

  cache = open_ok (f->path);
  g_assert_true (cb_cache_foreach_entity (cache, count_entity, seen, &error));
  g_assert_cmpstr (seen->str, ==, "agent/a1/agents/4/{\"x\":2};");
  g_assert_true (cb_cache_get_cursor (cache, &session, &epoch, &seq));
  g_assert_cmpstr (session, ==, "s-1");
  g_assert_cmpstr (epoch, ==, "e-1");
  g_assert_cmpint (seq, ==, 10);
  complete = cb_cache_get_complete_topics (cache, "s-1");
  g_assert_cmpuint (g_strv_length (complete), ==, 1);
  g_assert_cmpstr (complete[0], ==, "agents");
  g_clear_pointer (&complete, g_strfreev);
  complete = cb_cache_get_complete_topics (cache, "s-other");
  g_assert_cmpuint (g_strv_length (complete), ==, 0);
  g_assert_cmpint (cb_cache_count_journal (cache), ==, 1);
  g_assert_true (cb_cache_integrity_ok (cache));
  cb_cache_close (cache);
}

/* Entities of a snapshot refer to the part they came in; a later event
 * replaces the reference with its own body; unused parts go. */
static void
test_snapshot_parts (Fixture       *f,
                     gconstpointer  data)
{
  CbCache *cache = open_ok (f->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autofree char *text = NULL;
  gsize length = 0;
  gint64 part;

  g_assert_true (cb_cache_begin (cache, &error));
  part = cb_cache_put_part (cache, "{\"items\":[1,2]}", 15, &error);
  g_assert_cmpint (part, >, 0);
  g_assert_true (cb_cache_put_item (cache, "queue", "q1", "queues", 5, part, 0, &error));
  g_assert_true (cb_cache_put_item (cache, "queue", "q2", "queues", 6, part, 1, &error));
  g_assert_true (cb_cache_commit (cache, &error));

  g_assert_true (cb_cache_foreach_entity (cache, count_entity, seen, &error));
  g_assert_nonnull (strstr (seen->str, "queue/q1/queues/5/part"));
  text = cb_cache_get_part (cache, part, &length);
  g_assert_cmpstr (text, ==, "{\"items\":[1,2]}");

  g_assert_true (cb_cache_begin (cache, &error));
  g_assert_true (cb_cache_put (cache, "queue", "q1", "queues", 7, "{}", 2, &error));
  g_assert_true (cb_cache_remove (cache, "queue", "q2", &error));
  g_assert_true (cb_cache_drop_unused_parts (cache, &error));
  g_assert_true (cb_cache_commit (cache, &error));
  g_clear_pointer (&text, g_free);
  text = cb_cache_get_part (cache, part, &length);
  g_assert_null (text);
  g_string_truncate (seen, 0);
  g_assert_true (cb_cache_foreach_entity (cache, count_entity, seen, &error));
  g_assert_cmpstr (seen->str, ==, "queue/q1/queues/7/{};");
  cb_cache_close (cache);
}

static void
count_row (gint64      seq,
           gint64      ts,
           const char *topic,
           int         kind,
           const char *type,
           const char *id,
           gint64      rev,
           const char *body,
           gsize       length,
           gpointer    user_data)
{
  GArray *seqs = user_data;

  g_array_append_val (seqs, seq);
}

static void
test_journal (Fixture       *f,
              gconstpointer  data)
{
  CbCache *cache = open_ok (f->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_autoptr(GString) seen = g_string_new (NULL);
  gint64 row = 0;

  g_assert_true (cb_cache_begin (cache, &error));
  for (gint64 i = 1; i <= 100; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"n\":%" G_GINT64_FORMAT "}", i);

      g_assert_true (cb_cache_journal (cache, i, i * 1000, "calls", 0, "call", "c", i, body, strlen (body),
                                       &row, &error));
      /* The entity's body is the journal's row: written once. */
      if (i == 5)
        g_assert_true (cb_cache_put_journaled (cache, "call", "c", "calls", i, row, &error));
    }
  g_assert_true (cb_cache_commit (cache, &error));
  g_assert_true (cb_cache_foreach_entity (cache, count_entity, seen, &error));
  g_assert_cmpstr (seen->str, ==, "call/c/calls/5/{\"n\":5};");

  /* [from, to): the window's own edges. */
  g_assert_true (cb_cache_foreach_journal (cache, 10000, 20000, count_row, seqs, &error));
  g_assert_cmpuint (seqs->len, ==, 10);
  g_assert_cmpint (g_array_index (seqs, gint64, 0), ==, 10);
  g_assert_cmpint (g_array_index (seqs, gint64, 9), ==, 19);

  g_assert_cmpint (cb_cache_trim_journal (cache, 50000, &error), ==, 49);
  g_assert_cmpint (cb_cache_count_journal (cache), ==, 51);
  /* Its row is gone; the entity kept the body. */
  g_string_truncate (seen, 0);
  g_assert_true (cb_cache_foreach_entity (cache, count_entity, seen, &error));
  g_assert_cmpstr (seen->str, ==, "call/c/calls/5/{\"n\":5};");
  g_assert_cmpint (cb_cache_trim_journal (cache, 50000, &error), ==, 0);
  cb_cache_close (cache);
}

static void
test_outbox (Fixture       *f,
             gconstpointer  data)
{
  CbCache *cache = open_ok (f->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  CbOutboxItem item = {
    .op = "campaign.update", .data = "{\"id\":\"c1\",\"set\":{\"dial_level\":2}}", .if_rev = 7,
    .entity_type = "campaign", .entity_id = "c1", .idem = "k-1", .created_at = 5, .state = CB_OUTBOX_PENDING,
    .base = "{\"id\":\"c1\",\"rev\":7,\"dial_level\":1}",
  };
  gint64 first, second;

  first = cb_cache_outbox_add (cache, &item, &error);
  g_assert_no_error (error);
  item.op = "rule_set.create";
  item.entity_id = NULL;
  second = cb_cache_outbox_add (cache, &item, &error);
  g_assert_cmpint (second, >, first);
  g_assert_true (cb_cache_outbox_update (cache, first, CB_OUTBOX_CONFLICT, "changed", "{\"rev\":8}", &error));
  cb_cache_close (cache);

  cache = open_ok (f->path);
  items = cb_cache_outbox_list (cache, &error);
  g_assert_cmpuint (items->len, ==, 2);
  {
    CbOutboxItem *a = g_ptr_array_index (items, 0), *b = g_ptr_array_index (items, 1);

    g_assert_cmpint (a->id, ==, first);
    g_assert_cmpstr (a->op, ==, "campaign.update");
    g_assert_cmpint (a->state, ==, CB_OUTBOX_CONFLICT);
    g_assert_cmpstr (a->current, ==, "{\"rev\":8}");
    g_assert_cmpstr (a->base, ==, item.base);
    g_assert_cmpint (a->if_rev, ==, 7);
    g_assert_cmpstr (b->op, ==, "rule_set.create");
    g_assert_null (b->entity_id);
    g_assert_cmpint (b->state, ==, CB_OUTBOX_PENDING);
  }
  g_clear_pointer (&items, g_ptr_array_unref);

  g_assert_true (cb_cache_outbox_set_data (cache, first, "{\"id\":\"c1\",\"set\":{}}", 8, "k-2", &error));
  g_assert_true (cb_cache_outbox_remove (cache, second, &error));
  items = cb_cache_outbox_list (cache, &error);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpint (((CbOutboxItem *) g_ptr_array_index (items, 0))->state, ==, CB_OUTBOX_PENDING);
  g_assert_cmpint (((CbOutboxItem *) g_ptr_array_index (items, 0))->if_rev, ==, 8);
  g_assert_cmpstr (((CbOutboxItem *) g_ptr_array_index (items, 0))->idem, ==, "k-2");
  cb_cache_close (cache);
}

static gboolean
file_with_part (const char *dir,
                const char *part)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    if (strstr (name, part) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_garbage_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *sub = g_path_get_dirname (f->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *moved = NULL;
  CbCacheRecovery recovery = CB_CACHE_OK;
  CbCache *cache;

  g_mkdir_with_parents (sub, 0700);
  g_assert_true (g_file_set_contents (f->path, "garbage garbage garbage garbage garbage garbage garbage "
                                      "garbage garbage garbage garbage garbage garbage garbage", -1, NULL));
  cache = cb_cache_open (f->path, &recovery, &moved, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cache);
  g_assert_cmpint (recovery, ==, CB_CACHE_RECOVERED_CORRUPT);
  g_assert_nonnull (moved);
  g_assert_true (g_file_test (moved, G_FILE_TEST_EXISTS));
  g_assert_true (file_with_part (sub, ".broken-"));
  /* The new cache works. */
  g_assert_true (cb_cache_begin (cache, &error));
  g_assert_true (cb_cache_put (cache, "queue", "q", "queues", 1, "{}", 2, &error));
  g_assert_true (cb_cache_commit (cache, &error));
  cb_cache_close (cache);
}

static void
test_damaged_pages (Fixture       *f,
                    gconstpointer  data)
{
  CbCache *cache = open_ok (f->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *bytes = NULL;
  g_autofree char *blob = g_strnfill (3000, 'x');
  CbCacheRecovery recovery = CB_CACHE_OK;
  gsize length = 0;

  g_assert_true (cb_cache_begin (cache, &error));
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *id = g_strdup_printf ("a%04u", i);

      g_assert_true (cb_cache_put (cache, "agent", id, "agents", 1, blob, strlen (blob), &error));
    }
  g_assert_true (cb_cache_commit (cache, &error));
  cb_cache_close (cache);

  /* Overwrite the middle of the file (the WAL was checkpointed on close). */
  g_assert_true (g_file_get_contents (f->path, &bytes, &length, NULL));
  g_assert_cmpuint (length, >, 100000);
  memset (bytes + 4096, 0xA5, length / 2);
  g_assert_true (g_file_set_contents (f->path, bytes, length, NULL));

  cache = cb_cache_open (f->path, &recovery, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cache);
  /* Either caught on open, or — if the header survived — integrity says so. */
  if (recovery == CB_CACHE_OK)
    g_assert_false (cb_cache_integrity_ok (cache));
  else
    g_assert_cmpint (recovery, ==, CB_CACHE_RECOVERED_CORRUPT);
  cb_cache_close (cache);
}

static void
test_newer_schema (Fixture       *f,
                   gconstpointer  data)
{
  CbCache *cache = open_ok (f->path);
  sqlite3 *db = NULL;
  CbCacheRecovery recovery = CB_CACHE_OK;
  g_autoptr(GError) error = NULL;

  cb_cache_close (cache);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  cache = cb_cache_open (f->path, &recovery, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (recovery, ==, CB_CACHE_RECOVERED_NEWER);
  cb_cache_close (cache);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/callboard/cache/" path, Fixture, NULL, set_up, func, tear_down)
  ADD ("persists", test_persists);
  ADD ("journal", test_journal);
  ADD ("snapshot-parts", test_snapshot_parts);
  ADD ("outbox", test_outbox);
  ADD ("garbage-file", test_garbage_file);
  ADD ("damaged-pages", test_damaged_pages);
  ADD ("newer-schema", test_newer_schema);
#undef ADD

  return g_test_run ();
}
