/* test-entity-model.c — a live list with precise items-changed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cb-entity-model.h"

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

static CbMessage *
agent (const char *id,
       gint64      rev,
       const char *state)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"event\",\"seq\":1,\"ts\":1,\"topic\":\"agents\","
                                           "\"kind\":\"upsert\",\"entity\":{\"type\":\"agent\",\"id\":\"%s\","
                                           "\"rev\":%" G_GINT64_FORMAT "},\"data\":{\"id\":\"%s\",\"rev\":%"
                                           G_GINT64_FORMAT ",\"state\":\"%s\",\"team_ids\":[\"t-a\"]}}",
                                           id, rev, id, rev, state);
  g_autoptr(GError) error = NULL;
  CbMessage *m = cb_message_decode (text, strlen (text), 0, &error);

  g_assert_no_error (error);
  return m;
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
test_positions (void)
{
  g_autoptr(CbEntityModel) model = cb_entity_model_new ("agent");
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(CbMessage) b = agent ("b", 1, "available");
  g_autoptr(CbMessage) d = agent ("d", 1, "available");
  g_autoptr(CbMessage) a = agent ("a", 1, "paused");
  g_autoptr(CbMessage) c = agent ("c", 1, "on_call");
  g_autoptr(CbMessage) b2 = agent ("b", 2, "on_call");
  CbEntity *entity;
  guint pos = 0;

  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), log);

  cb_entity_model_upsert (model, "b", "agents", 1, b, NULL);
  cb_entity_model_upsert (model, "d", "agents", 1, d, NULL);
  cb_entity_model_upsert (model, "a", "agents", 1, a, NULL);
  cb_entity_model_upsert (model, "c", "agents", 1, c, NULL);
  assert_change (log, 0, 0, 0, 1);   /* [b] */
  assert_change (log, 1, 1, 0, 1);   /* [b d] */
  assert_change (log, 2, 0, 0, 1);   /* [a b d] */
  assert_change (log, 3, 2, 0, 1);   /* [a b c d] */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 4);
  g_assert_cmpstr (cb_entity_get_id (cb_entity_model_get (model, 2)), ==, "c");

  /* An update keeps the object, changes it in place, and says where. */
  entity = cb_entity_model_lookup (model, "b");
  cb_entity_model_upsert (model, "b", "agents", 2, b2, NULL);
  assert_change (log, 4, 1, 1, 1);
  g_assert_true (cb_entity_model_lookup (model, "b") == entity);
  g_assert_cmpstr (cb_entity_get_string (entity, "state"), ==, "on_call");
  g_assert_cmpint (cb_entity_get_rev (entity), ==, 2);
  g_assert_true (cb_entity_has_in_array (entity, "team_ids", "t-a"));
  g_assert_false (cb_entity_has_in_array (entity, "team_ids", "t-b"));
  g_assert_cmpint (cb_entity_get_int (entity, "missing", -7), ==, -7);
  g_assert_null (cb_entity_get_string (entity, "rev"));

  g_assert_true (cb_entity_model_find (model, "d", &pos));
  g_assert_cmpuint (pos, ==, 3);
  g_assert_true (cb_entity_model_remove (model, "a"));
  assert_change (log, 5, 0, 1, 0);
  g_assert_false (cb_entity_model_remove (model, "a"));
  g_assert_cmpuint (log->len, ==, 6);
  g_assert_true (cb_entity_model_find (model, "d", &pos));
  g_assert_cmpuint (pos, ==, 2);
  g_assert_null (cb_entity_model_lookup (model, "a"));

  /* Never a reset per event: the log has exactly one entry per change. */
  cb_entity_model_clear (model);
  assert_change (log, 6, 0, 3, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
}

static void
test_many (void)
{
  g_autoptr(CbEntityModel) model = cb_entity_model_new ("agent");
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GHashTable) truth = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *id = g_strdup_printf ("ag-%04u", g_rand_int_range (rand, 0, 1000));

      if (g_rand_int_range (rand, 0, 4) == 0)
        {
          cb_entity_model_remove (model, id);
          g_hash_table_remove (truth, id);
        }
      else
        {
          g_autoptr(CbMessage) m = agent (id, i + 1, "available");

          cb_entity_model_upsert (model, id, "agents", i + 1, m, NULL);
          g_hash_table_add (truth, g_strdup (id));
        }
    }

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, g_hash_table_size (truth));
  for (guint i = 1; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    g_assert_cmpstr (cb_entity_get_id (cb_entity_model_get (model, i - 1)), <,
                     cb_entity_get_id (cb_entity_model_get (model, i)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/callboard/entity-model/positions", test_positions);
  g_test_add_func ("/callboard/entity-model/many", test_many);

  return g_test_run ();
}
