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
    g_hash_table_add (v->agent_states, g_strdup (cb_json_value_lookup_string (m->state, "state")));
  cb_test_view_handle (v->view, m);
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
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=60", "--agents=60", "--queues=4", "--seed=7",
                                                "--heartbeat-ms=1000", NULL);
  g_autoptr(CbConnection) client = NULL;
  g_autoptr(JsonObject) truth = NULL;
  const char *topics[] = { "agents", "queues", "calls" };
  const char *types[] = { "agent", "queue", "call" };
  View v = { 0 };

  v.view = cb_test_view_new ();
  v.agent_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  client = cb_connection_new (sim->url, CB_TEST_ADMIN_TOKEN);
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
  cb_test_sim_clock (sim, FALSE);
  cb_test_spin (500);
  truth = cb_test_sim_digest (sim);

  g_test_message ("%u events, %u of calls; agent states seen: %u; held %u entities",
                  v.view->events, v.calls_seen, g_hash_table_size (v.agent_states),
                  g_hash_table_size (v.view->held));
  g_assert_cmpuint (v.view->events, >, 100);
  g_assert_cmpuint (v.calls_seen, >, 20);
  g_assert_cmpuint (g_hash_table_size (v.agent_states), >=, 3);
  g_assert_true (cb_test_view_is_synced (v.view));

  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autofree char *mine = cb_test_view_digest (v.view, types[i]);
      gint64 count = 0;
      const char *digest = cb_test_sim_topic_digest (truth, topics[i], &count);

      g_test_message ("%s: %" G_GINT64_FORMAT " entities", topics[i], count);
      g_assert_cmpstr (mine, ==, digest);
    }

  cb_connection_stop (client);

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
