/* test-sim-e2e.c — the real callboard-sim, a console's view and the truth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Starts the callboard-sim program accelerated, subscribes to agents,
 * queues and calls with the real client, lets the simulated contact center
 * run (calls arrive, queue, are answered and end; agents change state),
 * cuts the connection once mid-stream, and ends by comparing the digest of
 * what the client holds with the sim's admin digest, topic by topic.
 */
#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>

#include "cb-connection.h"
#include "cb-test-view.h"

#define ADMIN_TOKEN "e2e-admin-token-0123456789abcdef"

typedef struct
{
  CbTestView *view;
  guint       calls_seen;
  GHashTable *agent_states;
} View;

static void
on_message (CbConnection *c,
            CbMessage    *m,
            View         *v)
{
  if (m->type == CB_MESSAGE_EVENT && g_str_equal (m->entity_type, "call"))
    v->calls_seen++;
  if (m->type == CB_MESSAGE_EVENT && m->kind == CB_EVENT_UPSERT && g_str_equal (m->entity_type, "agent"))
    g_hash_table_add (v->agent_states, g_strdup (json_object_get_string_member (m->data, "state")));
  cb_test_view_handle (v->view, m);
}

static void
admin_clock (const char *admin_url,
             gboolean    run)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%.*s/clock?run=%d", (int) (strlen (admin_url) - strlen ("/digest")),
                                          admin_url, run);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Bearer " ADMIN_TOKEN);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 204);
}

static JsonObject *
admin_digest (const char *admin_url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", admin_url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Bearer " ADMIN_TOKEN);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  node = json_from_string (g_bytes_get_data (body, NULL), &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

static void
subscribe (CbConnection *c,
           View         *v,
           const char   *topic)
{
  g_autoptr(JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "subscribe");
  json_object_set_string_member (message, "topic", topic);
  cb_test_view_expect_snapshot (v->view, topic);
  cb_connection_call_async (c, message, 5000, NULL, NULL, NULL);
}

static void
wait_ready (CbConnection *c)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (cb_connection_get_phase (c) != CB_PHASE_READY)
    {
      g_assert_cmpint (cb_connection_get_phase (c), !=, CB_PHASE_FAILED);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

static void
test_console_converges_on_the_sim (void)
{
  const char *sim = g_getenv ("CALLBOARD_SIM");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) ready = NULL;
  g_autoptr(CbConnection) client = NULL;
  g_autoptr(JsonObject) truth = NULL;
  const char *users = "[user admin]\nroles=admin\ntoken=" ADMIN_TOKEN "\n";
  const char *topics[] = { "agents", "queues", "calls" };
  const char *types[] = { "agent", "queue", "call" };
  View v = { 0 };

  process = g_subprocess_launcher_spawn (launcher, &error, sim, "--port=0", "--users=-", "--print-ready",
                                         "--speed=60", "--agents=60", "--queues=4", "--seed=7",
                                         "--heartbeat-ms=1000", NULL);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), users, strlen (users), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, NULL);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  ready = json_from_string (line, &error);
  g_assert_no_error (error);

  v.view = cb_test_view_new ();
  v.agent_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  client = cb_connection_new (json_object_get_string_member (json_node_get_object (ready), "url"), ADMIN_TOKEN);
  cb_connection_set_backoff (client, 20, 200);
  g_signal_connect (client, "message", G_CALLBACK (on_message), &v);
  cb_connection_start (client);
  wait_ready (client);
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    subscribe (client, &v, topics[i]);

  /* A minute of the contact center in a second… */
  cb_test_spin (1000);
  /* …a cut mid-stream, resumed with the cursor… */
  cb_connection_drop (client, CB_CLOSE_SERVER_ERROR, "test");
  cb_test_spin (100);
  wait_ready (client);
  /* …and two more minutes. */
  cb_test_spin (2000);

  /* Freeze simulated time; what the sim sent arrives; then ask the truth. */
  admin_clock (json_object_get_string_member (json_node_get_object (ready), "admin_url"), FALSE);
  cb_test_spin (500);
  truth = admin_digest (json_object_get_string_member (json_node_get_object (ready), "admin_url"));

  g_test_message ("%u events, %u of calls; agent states seen: %u; held %u entities",
                  v.view->events, v.calls_seen, g_hash_table_size (v.agent_states),
                  g_hash_table_size (v.view->held));
  g_assert_cmpuint (v.view->events, >, 100);
  g_assert_cmpuint (v.calls_seen, >, 20);
  g_assert_cmpuint (g_hash_table_size (v.agent_states), >=, 3);
  g_assert_true (cb_test_view_is_synced (v.view));

  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      JsonObject *topic = json_object_get_object_member (json_object_get_object_member (truth, "topics"), topics[i]);
      g_autofree char *mine = cb_test_view_digest (v.view, types[i]);

      g_test_message ("%s: %" G_GINT64_FORMAT " entities", topics[i], json_object_get_int_member (topic, "count"));
      g_assert_cmpstr (mine, ==, json_object_get_string_member (topic, "digest"));
    }

  cb_connection_stop (client);
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);

  cb_test_view_free (v.view);
  g_hash_table_unref (v.agent_states);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  g_assert_nonnull (g_getenv ("CALLBOARD_SIM"));

  g_test_add_func ("/callboard/sim-e2e/console-converges-on-the-sim", test_console_converges_on_the_sim);

  return g_test_run ();
}
