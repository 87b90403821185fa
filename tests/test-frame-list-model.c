/* test-frame-list-model.c — a list that follows another one once a frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cb-frame-list-model.h"

typedef struct
{
  guint position, removed, added;
} Change;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *log)
{
  Change change = { position, removed, added };

  g_array_append_val (log, change);
}

static void
assert_change (GArray *log,
               guint   index,
               guint   position,
               guint   removed,
               guint   added)
{
  Change *c;

  g_assert_cmpuint (index, <, log->len);
  c = &g_array_index (log, Change, index);
  g_assert_cmpuint (c->position, ==, position);
  g_assert_cmpuint (c->removed, ==, removed);
  g_assert_cmpuint (c->added, ==, added);
}

static void
assert_same (GListModel *a,
             GListModel *b)
{
  guint n = g_list_model_get_n_items (a);

  g_assert_cmpuint (g_list_model_get_n_items (b), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) x = g_list_model_get_item (a, i);
      g_autoptr(GObject) y = g_list_model_get_item (b, i);

      g_assert_true (x == y);
    }
}

/* What the entity model does: the same object, announced in place. */
static void
touch (GListStore *store,
       guint       position)
{
  g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (store), position);

  g_list_store_splice (store, position, 1, (gpointer *) &item, 1);
}

static void
test_follow (void)
{
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(CbFrameListModel) model = NULL;
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GObject) extra = g_object_new (G_TYPE_OBJECT, NULL);

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);

      g_list_store_append (store, item);
    }

  model = cb_frame_list_model_new (G_LIST_MODEL (store));
  g_assert_true (cb_frame_list_model_get_model (model) == G_LIST_MODEL (store));
  assert_same (G_LIST_MODEL (store), G_LIST_MODEL (model));
  g_assert_false (cb_frame_list_model_is_pending (model));
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), log);

  /* Updates in place wait for the flush, and come once. */
  touch (store, 3);
  touch (store, 3);
  touch (store, 6);
  g_assert_cmpuint (log->len, ==, 0);
  g_assert_true (cb_frame_list_model_is_pending (model));
  cb_frame_list_model_flush (model);
  g_assert_cmpuint (log->len, ==, 1);
  assert_change (log, 0, 3, 4, 4);
  g_assert_false (cb_frame_list_model_is_pending (model));

  /* Nothing changed: nothing said. */
  cb_frame_list_model_flush (model);
  g_assert_cmpuint (log->len, ==, 1);

  /* An insertion is exact. */
  g_list_store_insert (store, 5, extra);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 10);
  cb_frame_list_model_flush (model);
  assert_change (log, 1, 5, 0, 1);
  assert_same (G_LIST_MODEL (store), G_LIST_MODEL (model));

  /* A removal and an update elsewhere: one range over both. */
  g_list_store_remove (store, 2);
  touch (store, 8);
  cb_frame_list_model_flush (model);
  g_assert_cmpuint (log->len, ==, 3);
  assert_change (log, 2, 2, 8, 7);
  assert_same (G_LIST_MODEL (store), G_LIST_MODEL (model));

  /* An update near the end and one at the start. */
  touch (store, 0);
  touch (store, 9);
  cb_frame_list_model_flush (model);
  assert_change (log, 3, 0, 10, 10);

  /* Another source: all at once. */
  cb_frame_list_model_set_model (model, NULL);
  assert_change (log, 4, 0, 10, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  touch (store, 1);
  cb_frame_list_model_flush (model);
  g_assert_cmpuint (log->len, ==, 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/callboard/frame-list-model/follow", test_follow);

  return g_test_run ();
}
