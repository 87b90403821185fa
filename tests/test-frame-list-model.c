/* test-frame-list-model.c — a list that follows another one once a frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cb-frame-list-model.h"
#include "cb-slot-list-model.h"

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

/* ---- in a sorter's order ---------------------------------------------- */

static GQuark value_quark;

static int
value_of (gconstpointer item)
{
  return GPOINTER_TO_INT (g_object_get_qdata ((GObject *) item, value_quark));
}

static int
by_value (gconstpointer a,
          gconstpointer b,
          gpointer      user_data)
{
  int d = value_of (a) - value_of (b);

  return GPOINTER_TO_INT (user_data) * (d < 0 ? -1 : d > 0);
}

/* Replays every change on a plain array, reading the items as each change
 * is announced: what a list view above sees. */
static void
on_mirror_changed (GListModel *model,
                   guint       position,
                   guint       removed,
                   guint       added,
                   GPtrArray  *mirror)
{
  g_assert_cmpuint (position + removed, <=, mirror->len);
  g_ptr_array_remove_range (mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (mirror, (gint) (position + i), g_list_model_get_item (model, position + i));
  *(guint *) g_object_get_data (G_OBJECT (model), "announced") += added;
  *(guint *) g_object_get_data (G_OBJECT (model), "emissions") += 1;
  if (removed != added && g_object_get_data (G_OBJECT (model), "unbalanced") != NULL)
    *(guint *) g_object_get_data (G_OBJECT (model), "unbalanced") += 1;
}

static void
assert_sorted_view (CbFrameListModel *model,
                    GListStore       *store,
                    GPtrArray        *mirror,
                    int               direction)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_autoptr(GHashTable) members = g_hash_table_new (NULL, NULL);

  g_assert_cmpuint (n, ==, g_list_model_get_n_items (G_LIST_MODEL (store)));
  g_assert_cmpuint (mirror->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_autoptr(GObject) source_item = g_list_model_get_item (G_LIST_MODEL (store), i);

      g_assert_true (g_ptr_array_index (mirror, i) == item);
      g_hash_table_add (members, source_item);
      if (i > 0)
        {
          g_autoptr(GObject) previous = g_list_model_get_item (G_LIST_MODEL (model), i - 1);

          g_assert_cmpint (by_value (previous, item, GINT_TO_POINTER (direction)), <=, 0);
        }
    }
  /* The same items as the source, each once. */
  for (guint i = 0; i < n; i++)
    g_assert_true (g_hash_table_remove (members, g_ptr_array_index (mirror, i)));
  g_assert_cmpuint (g_hash_table_size (members), ==, 0);
}

static void
test_sorted (void)
{
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(GtkCustomSorter) sorter = gtk_custom_sorter_new (by_value, GINT_TO_POINTER (1), NULL);
  g_autoptr(CbFrameListModel) model = NULL;
  g_autoptr(GPtrArray) mirror = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261201);
  guint announced = 0, emissions = 0, unbalanced = 0, touched_total = 0, bursts = 0;
  const guint n = 500;

  value_quark = g_quark_from_static_string ("test-value");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);

      g_object_set_qdata (item, value_quark, GINT_TO_POINTER (g_rand_int_range (rand, 0, 100)));
      g_list_store_append (store, item);
    }

  model = cb_frame_list_model_new (G_LIST_MODEL (store));
  cb_frame_list_model_set_sorter (model, GTK_SORTER (sorter));
  g_assert_true (cb_frame_list_model_get_sorter (model) == GTK_SORTER (sorter));
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (mirror, g_list_model_get_item (G_LIST_MODEL (model), i));
  g_object_set_data (G_OBJECT (model), "announced", &announced);
  g_object_set_data (G_OBJECT (model), "emissions", &emissions);
  g_object_set_data (G_OBJECT (model), "unbalanced", &unbalanced);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_mirror_changed), mirror);
  assert_sorted_view (model, store, mirror, 1);

  /* Rounds of updates in place, as a frame's worth of events makes them:
   * after each flush the list is in order, and only about the changed
   * items was anything said. */
  for (guint round = 0; round < 300; round++)
    {
      guint touched = 1 + g_rand_int_range (rand, 0, round % 10 == 0 ? 120 : 20);
      g_autoptr(GHashTable) distinct = g_hash_table_new (NULL, NULL);

      for (guint k = 0; k < touched; k++)
        {
          guint position = g_rand_int_range (rand, 0, n);
          g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (store), position);
          int value = value_of (item);

          /* Mostly small moves (a time in state), sometimes far (a new state). */
          value = g_rand_boolean (rand) ? value + g_rand_int_range (rand, -3, 4) : g_rand_int_range (rand, 0, 100);
          g_object_set_qdata (item, value_quark, GINT_TO_POINTER (value));
          touch (store, position);
          g_hash_table_add (distinct, item);
        }
      announced = 0;
      emissions = 0;
      cb_frame_list_model_flush (model);
      assert_sorted_view (model, store, mirror, 1);
      /* Updates only: no announcement changes the number of rows, not
       * even for a move (a view over slots would take it for rows going
       * and coming). A few updates in place one by one, each row once;
       * moves and a burst in one range. */
      g_assert_cmpuint (unbalanced, ==, 0);
      if (g_hash_table_size (distinct) <= 24)
        g_assert_true (emissions == 1 || announced <= g_hash_table_size (distinct));
      else
        {
          g_assert_cmpuint (emissions, ==, 1);
          bursts++;
        }
      touched_total += g_hash_table_size (distinct);
    }
  g_test_message ("%u updates in place kept in order, %u bursts", touched_total, bursts);
  g_assert_cmpuint (bursts, >, 10);

  /* Another order: everything again, at once. */
  gtk_custom_sorter_set_sort_func (sorter, by_value, GINT_TO_POINTER (-1), NULL);
  g_assert_false (cb_frame_list_model_is_pending (model));
  assert_sorted_view (model, store, mirror, -1);

  /* Items that come in are placed too. */
  for (guint k = 0; k < 5; k++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);

      g_object_set_qdata (item, value_quark, GINT_TO_POINTER (g_rand_int_range (rand, 0, 100)));
      g_list_store_insert (store, g_rand_int_range (rand, 0, n), item);
    }
  cb_frame_list_model_flush (model);
  assert_sorted_view (model, store, mirror, -1);

  /* No order (a sorter that sorts nothing): the source's, and an update
   * is said where it is. */
  gtk_custom_sorter_set_sort_func (sorter, NULL, NULL, NULL);
  assert_same (G_LIST_MODEL (store), G_LIST_MODEL (model));
  announced = 0;
  touch (store, 7);
  cb_frame_list_model_flush (model);
  g_assert_cmpuint (announced, ==, 1);
  assert_same (G_LIST_MODEL (store), G_LIST_MODEL (model));

  /* Rows that may move at most every 100 ms: updates are announced where
   * the items are, and the items are placed when the time comes. */
  gtk_custom_sorter_set_sort_func (sorter, by_value, GINT_TO_POINTER (1), NULL);
  cb_frame_list_model_set_reorder_interval (model, 100);
  {
    g_autoptr(GObject) first = g_list_model_get_item (G_LIST_MODEL (model), 0);
    guint position;

    /* The smallest becomes the largest, in place… */
    g_object_set_qdata (first, value_quark, GINT_TO_POINTER (1000));
    g_assert_true (g_list_store_find (store, first, &position));
    touch (store, position);
    announced = 0;
    cb_frame_list_model_flush (model);
    g_assert_cmpuint (announced, ==, 1);
    {
      g_autoptr(GObject) still_first = g_list_model_get_item (G_LIST_MODEL (model), 0);

      g_assert_true (still_first == first);
    }
    g_assert_true (cb_frame_list_model_is_pending (model));

    /* …then where it belongs, last. */
    g_usleep (120 * 1000);
    cb_frame_list_model_flush (model);
    g_assert_false (cb_frame_list_model_is_pending (model));
    assert_sorted_view (model, store, mirror, 1);
    {
      g_autoptr(GObject) last = g_list_model_get_item (G_LIST_MODEL (model), n + 4);

      g_assert_true (last == first);
    }
  }
  cb_frame_list_model_set_reorder_interval (model, 0);

  /* Without a sorter the model follows as before. */
  cb_frame_list_model_set_sorter (model, NULL);
  assert_same (G_LIST_MODEL (store), G_LIST_MODEL (model));
}

/* ---- with a filter above ---------------------------------------------- */

static int threshold;

static gboolean
at_least_threshold (gpointer item,
                    gpointer user_data)
{
  return value_of (item) >= threshold;
}

/* The filter model shows exactly the frame model's items that pass, in its order. */
static void
assert_filtered (GListModel *frame,
                 GListModel *filtered)
{
  guint k = 0;

  for (guint i = 0; i < g_list_model_get_n_items (frame); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (frame, i);

      if (value_of (item) >= threshold)
        {
          g_autoptr(GObject) shown = g_list_model_get_item (filtered, k++);

          g_assert_true (shown == item);
        }
    }
  g_assert_cmpuint (g_list_model_get_n_items (filtered), ==, k);
}

static void
set_value (GListStore *store,
           guint       position,
           int         value)
{
  g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (store), position);

  g_object_set_qdata (item, value_quark, GINT_TO_POINTER (value));
  touch (store, position);
}

/* Updates in place reach the filter model only when they move an item
 * in or out of it; moves as ever. */
static void
test_update_filter (void)
{
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(CbFrameListModel) model = NULL;
  g_autoptr(GtkFilterListModel) filtered = NULL;
  GtkCustomSorter *sorter = gtk_custom_sorter_new (NULL, NULL, NULL);
  GtkCustomFilter *filter = gtk_custom_filter_new (at_least_threshold, NULL, NULL);
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  value_quark = g_quark_from_static_string ("test-value");
  threshold = 50;
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);

      g_object_set_qdata (item, value_quark, GINT_TO_POINTER (i * 100 / 40));
      g_list_store_append (store, item);
    }
  model = cb_frame_list_model_new (G_LIST_MODEL (store));
  cb_frame_list_model_set_sorter (model, GTK_SORTER (sorter));
  cb_frame_list_model_set_update_filter (model, GTK_FILTER (filter));
  filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (model)), g_object_ref (GTK_FILTER (filter)));
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), log);
  assert_filtered (G_LIST_MODEL (model), G_LIST_MODEL (filtered));

  /* In and staying in (60 → 70), out and staying out (10 → 20): not a word. */
  set_value (store, 24, 70);
  set_value (store, 4, 20);
  cb_frame_list_model_flush (model);
  g_assert_cmpuint (log->len, ==, 0);
  g_assert_false (cb_frame_list_model_is_pending (model));
  assert_filtered (G_LIST_MODEL (model), G_LIST_MODEL (filtered));

  /* Out of it, and into it: each said where it is. */
  set_value (store, 24, 10);
  set_value (store, 4, 90);
  cb_frame_list_model_flush (model);
  g_assert_cmpuint (log->len, ==, 2);
  assert_change (log, 0, 4, 1, 1);
  assert_change (log, 1, 24, 1, 1);
  assert_filtered (G_LIST_MODEL (model), G_LIST_MODEL (filtered));

  /* Another filter: the verdicts as the filter model now sees them. */
  threshold = 80;
  gtk_filter_changed (GTK_FILTER (filter), GTK_FILTER_CHANGE_MORE_STRICT);
  assert_filtered (G_LIST_MODEL (model), G_LIST_MODEL (filtered));
  g_array_set_size (log, 0);
  set_value (store, 4, 95);    /* 90 → 95: still in */
  set_value (store, 30, 70);   /* 75 → 70: still out */
  cb_frame_list_model_flush (model);
  g_assert_cmpuint (log->len, ==, 0);
  set_value (store, 4, 75);    /* out */
  cb_frame_list_model_flush (model);
  g_assert_cmpuint (log->len, ==, 1);
  assert_filtered (G_LIST_MODEL (model), G_LIST_MODEL (filtered));

  /* Sorted, and moving: a hundred rounds of random updates, the filter
   * model always right, fewer announcements than updates. */
  gtk_custom_sorter_set_sort_func (sorter, by_value, GINT_TO_POINTER (1), NULL);
  assert_filtered (G_LIST_MODEL (model), G_LIST_MODEL (filtered));
  {
    guint updates = 0;

    g_array_set_size (log, 0);
    for (guint round = 0; round < 100; round++)
      {
        guint n = (guint) g_rand_int_range (rand, 1, 40);

        for (guint k = 0; k < n; k++)
          {
            guint position = (guint) g_rand_int_range (rand, 0, 40);
            g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (store), position);
            /* Mostly small steps: most updates keep their place and verdict. */
            int value = CLAMP (value_of (item) + g_rand_int_range (rand, -3, 4), 0, 100);

            set_value (store, position, value);
            updates++;
          }
        cb_frame_list_model_flush (model);
        assert_filtered (G_LIST_MODEL (model), G_LIST_MODEL (filtered));
      }
    g_test_message ("%u updates, %u announcements", updates, log->len);
    g_assert_cmpuint (log->len, <, updates);
  }

  cb_frame_list_model_set_update_filter (model, NULL);
  g_object_unref (sorter);
  g_object_unref (filter);
}

/* Slots over a list: items that move change what slots show, never the
 * slots; only a change in number is announced, at the end. */
static void
test_slots (void)
{
  g_autoptr(GtkStringList) source = gtk_string_list_new ((const char *[]) { "a", "b", "c", "d", NULL });
  g_autoptr(CbSlotListModel) slots = cb_slot_list_model_new (G_LIST_MODEL (source));
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(CbSlot) third = NULL;
  guint end;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 4);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (slots)) == CB_TYPE_SLOT);
  third = g_list_model_get_item (G_LIST_MODEL (slots), 2);
  g_assert_cmpuint (cb_slot_get_position (third), ==, 2);
  g_signal_connect (slots, "items-changed", G_CALLBACK (on_items_changed), log);

  /* "b" and "c" swap: the source says (1, 2, 2); the slots say nothing,
   * and slots 1 and 2 show the other item. */
  gtk_string_list_splice (source, 1, 2, (const char *[]) { "c", "b", NULL });
  cb_slot_list_model_splice (slots, 1, 2, 2, &end);
  g_assert_cmpuint (log->len, ==, 0);
  g_assert_cmpuint (end, ==, 3);
  g_assert_cmpstr (gtk_string_object_get_string (cb_slot_list_model_get_source_item (slots, 1)), ==, "c");
  g_assert_cmpstr (gtk_string_object_get_string (cb_slot_list_model_get_source_item (slots, 2)), ==, "b");
  g_assert_true (g_list_model_get_item (G_LIST_MODEL (slots), 2) == (gpointer) third);
  g_object_unref (third);

  /* One more at the front: every slot from there shows another item, and
   * one slot is added at the end. */
  gtk_string_list_splice (source, 0, 0, (const char *[]) { "z", NULL });
  cb_slot_list_model_splice (slots, 0, 0, 1, &end);
  g_assert_cmpuint (end, ==, 5);
  assert_change (log, 0, 4, 0, 1);
  g_assert_cmpstr (gtk_string_object_get_string (cb_slot_list_model_get_source_item (slots, 0)), ==, "z");
  g_assert_cmpstr (gtk_string_object_get_string (cb_slot_list_model_get_source_item (slots, 4)), ==, "d");
  g_assert_cmpuint (cb_slot_list_model_find (slots, cb_slot_list_model_get_source_item (slots, 3)), ==, 3);

  /* Two go: the last two slots go. */
  gtk_string_list_splice (source, 1, 2, NULL);
  cb_slot_list_model_splice (slots, 1, 2, 0, &end);
  g_assert_cmpuint (end, ==, 3);
  assert_change (log, 1, 3, 2, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 3);
  g_assert_null (cb_slot_list_model_get_source_item (slots, 3));
  g_assert_cmpuint (cb_slot_list_model_find (slots, NULL), ==, GTK_INVALID_LIST_POSITION);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GtkStringObject) want = g_list_model_get_item (G_LIST_MODEL (source), i);

      g_assert_cmpstr (gtk_string_object_get_string (cb_slot_list_model_get_source_item (slots, i)), ==,
                       gtk_string_object_get_string (want));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/callboard/frame-list-model/follow", test_follow);
  g_test_add_func ("/callboard/frame-list-model/sorted", test_sorted);
  g_test_add_func ("/callboard/frame-list-model/update-filter", test_update_filter);
  g_test_add_func ("/callboard/frame-list-model/slots", test_slots);

  return g_test_run ();
}
