/* cb-test-view.c — what a console holds, for tests against a backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rules of docs/protocol.md a console applies, kept as small as
 * possible so tests can compare the result with the backend's truth: a
 * complete snapshot replaces its topic (§5.3), events of a topic whose
 * snapshot is in progress wait for it, an upsert applies if newer and a
 * delete if not older (§4.3).
 */
#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>
#include <sys/prctl.h>

#include "cb-connection.h"
#include "cb-digest.h"
#include "cb-test-view.h"

typedef struct
{
  char   *topic;
  gint64  rev;
} Held;

static void
held_free (Held *held)
{
  g_free (held->topic);
  g_free (held);
}

CbTestView *
cb_test_view_new (void)
{
  CbTestView *view = g_new0 (CbTestView, 1);

  view->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) held_free);
  view->snapshots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  view->buffered = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  return view;
}

void
cb_test_view_free (CbTestView *view)
{
  g_hash_table_unref (view->held);
  g_hash_table_unref (view->snapshots);
  g_ptr_array_unref (view->buffered);
  g_free (view);
}

/* Call before sending subscribe: the topic is incomplete until its last part. */
void
cb_test_view_expect_snapshot (CbTestView *view,
                              const char *topic)
{
  g_hash_table_replace (view->snapshots, g_strdup (topic), NULL);
}

static char *
key_of (const char *type,
        const char *id)
{
  return g_strdup_printf ("%s\t%s", type, id);
}

static void
apply_event (CbTestView *view,
             CbMessage  *m)
{
  g_autofree char *key = key_of (m->entity_type, m->entity_id);
  Held *held = g_hash_table_lookup (view->held, key);
  gint64 rev = held ? held->rev : -1;

  if (m->kind == CB_EVENT_UPSERT && m->rev > rev)
    {
      Held *fresh = g_new0 (Held, 1);

      fresh->topic = g_strdup (m->topic);
      fresh->rev = m->rev;
      g_hash_table_replace (view->held, g_steal_pointer (&key), fresh);
    }
  else if (m->kind == CB_EVENT_DELETE && m->rev >= rev)
    g_hash_table_remove (view->held, key);
}

static void
apply_snapshot (CbTestView *view,
                CbMessage  *m)
{
  const char *topic = cb_json_value_lookup_string (m->body, "topic");
  const char *id = cb_json_value_lookup_string (m->body, "snapshot_id");
  gint64 part = cb_json_value_lookup_int (m->body, "part", 0);
  const CbJsonValue *item;
  CbJsonIter items;

  view->snapshot_parts++;
  view->largest_part = MAX (view->largest_part, m->text_length);

  if (part == 1)
    {
      GHashTableIter iter;
      Held *held;

      g_hash_table_replace (view->snapshots, g_strdup (topic), g_strdup (id));
      g_hash_table_iter_init (&iter, view->held);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &held))
        if (g_str_equal (held->topic, topic))
          g_hash_table_iter_remove (&iter);
    }
  else
    g_assert_cmpstr (g_hash_table_lookup (view->snapshots, topic), ==, id);

  cb_json_iter_init (&items, cb_json_value_lookup_array (m->body, "items"));
  while (cb_json_iter_next (&items, NULL, &item))
    {
      const CbJsonValue *entity = cb_json_value_lookup_object (item, "entity");
      Held *held = g_new0 (Held, 1);

      held->topic = g_strdup (topic);
      held->rev = cb_json_value_lookup_int (entity, "rev", 0);
      g_hash_table_replace (view->held, key_of (cb_json_value_lookup_string (entity, "type"),
                                                cb_json_value_lookup_string (entity, "id")), held);
    }

  if (part == cb_json_value_lookup_int (m->body, "parts", 0))
    {
      g_hash_table_remove (view->snapshots, topic);
      for (guint i = 0; i < view->buffered->len; )
        {
          CbMessage *event = g_ptr_array_index (view->buffered, i);

          if (g_str_equal (event->topic, topic))
            {
              apply_event (view, event);
              g_ptr_array_remove_index (view->buffered, i);
            }
          else
            i++;
        }
    }
}

void
cb_test_view_handle (CbTestView *view,
                     CbMessage  *m)
{
  switch (m->type)
    {
    case CB_MESSAGE_EVENT:
      view->events++;
      if (g_hash_table_contains (view->snapshots, m->topic))
        g_ptr_array_add (view->buffered, cb_message_ref (m));
      else
        apply_event (view, m);
      break;
    case CB_MESSAGE_SNAPSHOT:
      apply_snapshot (view, m);
      break;
    case CB_MESSAGE_RESET:
      view->resets++;
      break;
    default:
      break;
    }
}

gboolean
cb_test_view_is_synced (CbTestView *view)
{
  return g_hash_table_size (view->snapshots) == 0;
}

guint
cb_test_view_count (CbTestView *view,
                    const char *type)
{
  g_autofree char *prefix = g_strdup_printf ("%s\t", type);
  GHashTableIter iter;
  const char *key;
  guint n = 0;

  g_hash_table_iter_init (&iter, view->held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    n += g_str_has_prefix (key, prefix);
  return n;
}

gboolean
cb_test_view_holds (CbTestView *view,
                    const char *type,
                    const char *id)
{
  g_autofree char *key = key_of (type, id);

  return g_hash_table_contains (view->held, key);
}

char *
cb_test_view_digest (CbTestView *view,
                     const char *type)
{
  CbDigest *digest = cb_digest_new ();
  GHashTableIter iter;
  const char *key;
  Held *held;

  g_hash_table_iter_init (&iter, view->held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &held))
    {
      const char *tab = strchr (key, '\t');

      if (strncmp (key, type, tab - key) == 0 && type[tab - key] == '\0')
        {
          g_autofree char *entity_type = g_strndup (key, tab - key);

          cb_digest_add (digest, entity_type, tab + 1, held->rev);
        }
    }

  return cb_digest_end (digest);
}

void
cb_test_spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

void
cb_test_wait (CbTestCondition condition,
              gpointer        data,
              guint           timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %u ms", timeout_ms);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

/* A GAsyncReadyCallback for cb_connection_call_async() and friends. */
void
cb_test_reply_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      reply)
{
  CbTestReply *r = reply;

  r->response = cb_connection_call_finish (CB_CONNECTION (object), result, &r->error);
  r->done = TRUE;
}

void
cb_test_reply_wait (CbTestReply *reply)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!reply->done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/**
 * cb_test_release_connection:
 * @connection: (transfer full): a CbConnection
 *
 * Stops @connection, lets a cancelled connect return the reference its
 * callback holds, and asserts the connection is then finalized.
 */
void
cb_test_release_connection (gpointer connection)
{
  cb_connection_stop (CB_CONNECTION (connection));
  for (guint i = 0; i < 1000 && G_OBJECT (connection)->ref_count > 1; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_finalize_object (connection);
}

/* A sim outlives nothing: if the test dies, so does its sim. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/**
 * cb_test_sim_start:
 * @first_option: options of callboard-sim, %NULL-terminated
 *
 * Starts the callboard-sim program ($CALLBOARD_SIM) on a free port with
 * one admin user (CB_TEST_ADMIN_TOKEN) and waits until it listens.
 */
CbTestSim *
cb_test_sim_start (const char *first_option,
                   ...)
{
  const char *users = "[user admin]\nroles=admin\ntoken=" CB_TEST_ADMIN_TOKEN "\n";
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) ready = NULL;
  CbTestSim *sim = g_new0 (CbTestSim, 1);
  JsonObject *object;
  va_list args;

  g_assert_nonnull (g_getenv ("CALLBOARD_SIM"));
  g_ptr_array_add (argv, (gpointer) g_getenv ("CALLBOARD_SIM"));
  g_ptr_array_add (argv, "--port=0");
  g_ptr_array_add (argv, "--users=-");
  g_ptr_array_add (argv, "--print-ready");
  va_start (args, first_option);
  for (const char *option = first_option; option != NULL; option = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) option);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  sim->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (sim->process), users, strlen (users), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (g_subprocess_get_stdin_pipe (sim->process), NULL, NULL);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  ready = json_from_string (line, &error);
  g_assert_no_error (error);

  object = json_node_get_object (ready);
  sim->url = g_strdup (json_object_get_string_member (object, "url"));
  sim->admin_url = g_strdup (json_object_get_string_member (object, "admin_url"));
  sim->epoch = g_strdup (json_object_get_string_member (object, "epoch"));
  return sim;
}

static GBytes *
admin_call (CbTestSim  *sim,
            const char *method,
            const char *url,
            guint       expected_status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  GBytes *body;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Bearer " CB_TEST_ADMIN_TOKEN);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, expected_status);
  return body;
}

/* Freezes (@run FALSE) or restarts simulated time, through POST /admin/clock. */
void
cb_test_sim_clock (CbTestSim *sim,
                   gboolean   run)
{
  g_autofree char *url = g_strdup_printf ("%.*s/clock?run=%d",
                                          (int) (strlen (sim->admin_url) - strlen ("/digest")),
                                          sim->admin_url, run);
  g_autoptr(GBytes) body = admin_call (sim, "POST", url, 204);
}

/* Returns: (transfer full): the sim's admin digest */
JsonObject *
cb_test_sim_digest (CbTestSim *sim)
{
  g_autoptr(GBytes) body = admin_call (sim, "GET", sim->admin_url, 200);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (g_bytes_get_data (body, NULL), &error);

  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

const char *
cb_test_sim_topic_digest (JsonObject *digest,
                          const char *topic,
                          gint64     *count)
{
  JsonObject *topics = json_object_get_object_member (digest, "topics");
  JsonObject *entry = json_object_get_object_member (topics, topic);

  g_assert_nonnull (entry);
  if (count)
    *count = json_object_get_int_member (entry, "count");
  return json_object_get_string_member (entry, "digest");
}

void
cb_test_sim_stop (CbTestSim *sim)
{
  if (sim == NULL)
    return;
  g_subprocess_send_signal (sim->process, SIGTERM);
  g_subprocess_wait (sim->process, NULL, NULL);
  g_object_unref (sim->process);
  g_free (sim->url);
  g_free (sim->admin_url);
  g_free (sim->epoch);
  g_free (sim);
}

/**
 * cb_test_mutate:
 * @edits: how many edits to make
 * @overwrite_with: (nullable): the characters to overwrite bytes with;
 *   %NULL for any byte
 * @insert: the characters to insert
 * @length: (out): the result's length
 *
 * Seeded random corruption of @text, as a fuzzer would make it: bytes
 * overwritten, characters inserted (up to 8 in all), bytes deleted.
 *
 * Returns: (transfer full): the corrupted copy, not nul-terminated
 */
char *
cb_test_mutate (GRand      *rand,
                const char *text,
                guint       edits,
                const char *overwrite_with,
                const char *insert,
                gsize      *length)
{
  gsize original = strlen (text), n = original;
  char *copy = g_malloc (original + 8);

  memcpy (copy, text, original);
  for (guint e = 0; e < edits && n > 1; e++)
    {
      gsize at = g_rand_int_range (rand, 0, n);

      switch (g_rand_int_range (rand, 0, 3))
        {
        case 0:
          copy[at] = overwrite_with != NULL
                     ? overwrite_with[g_rand_int_range (rand, 0, strlen (overwrite_with))]
                     : (char) g_rand_int_range (rand, 0, 256);
          break;
        case 1:
          if (n < original + 8)
            {
              memmove (copy + at + 1, copy + at, n - at);
              copy[at] = insert[g_rand_int_range (rand, 0, strlen (insert))];
              n++;
            }
          break;
        default:
          memmove (copy + at, copy + at + 1, n - at - 1);
          n--;
          break;
        }
    }
  *length = n;
  return copy;
}
