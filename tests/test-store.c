/* test-store.c — the core's store against callboard-sim and its faults
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each case starts the real callboard-sim over loopback, accelerated and
 * with heartbeats of one second, lets a CbStore (worker thread, SQLite
 * cache, models) follow it through a fault, then freezes simulated time and
 * ends by comparing the digest of what the store's models hold with the
 * sim's admin digest, topic by topic: equal, or the test fails.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>

#include "cb-cache.h"
#include "cb-store.h"
#include "cb-test-view.h"

static const char * const live_topics[] = { "agents", "queues", "calls", NULL };

typedef struct
{
  char *dir;
  char *cache;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("cb-store-XXXXXX", NULL);
  f->cache = g_build_filename (f->dir, "cache.sqlite", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->cache);
  g_free (f->dir);
}

static void
on_opened (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cb_store_open_finish (CB_STORE (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

static CbStore *
store_new (const char         *cache,
           CbTestSim          *sim,
           const char         *token,
           const char * const *topics)
{
  CbStore *store = cb_store_new (cache);
  gboolean opened = FALSE;

  if (sim != NULL)
    cb_store_set_backend (store, sim->url, token ? token : CB_TEST_ADMIN_TOKEN, NULL);
  cb_store_set_topics (store, topics);
  cb_store_set_backoff (store, 20, 200);
  cb_store_open_async (store, NULL, on_opened, &opened);
  cb_test_wait (flag_is_set, &opened, 10000);
  return store;
}

static gboolean
store_is_live (gpointer data)
{
  return cb_store_get_state (data) == CB_CONNECTION_LIVE;
}

static void
wait_live (CbStore *store)
{
  cb_test_wait (store_is_live, store, 15000);
}

static void
release_store (CbStore *store)
{
  cb_store_shutdown (store);
  /* What the worker posted before it stopped is dropped harmlessly. */
  cb_test_spin (20);
  g_assert_finalize_object (store);
}

/* Whether every topic's digest in @store equals the sim's; logs the
 * first difference when @report is set. */
static gboolean
digests_match (CbStore            *store,
               JsonObject         *truth,
               const char * const *topics,
               gboolean            report)
{
  for (guint i = 0; topics[i] != NULL; i++)
    {
      g_autofree char *mine = cb_store_digest (store, topics[i]);
      gint64 count = 0;
      const char *digest = cb_test_sim_topic_digest (truth, topics[i], &count);

      if (report)
        g_test_message ("%s: %" G_GINT64_FORMAT " entities", topics[i], count);
      if (g_strcmp0 (mine, digest) != 0)
        {
          if (report)
            g_assert_cmpstr (mine, ==, digest);
          return FALSE;
        }
    }
  return TRUE;
}

/* Freezes the sim, lets in-flight events land, and compares digests.  A
 * slow build (ASan) may need more than a second for the last events of
 * a busy sim to land, so it waits up to 15 s for the digests to agree
 * and fails with the first one that still differs. */
static void
assert_converged (CbStore            *store,
                  CbTestSim          *sim,
                  const char * const *topics)
{
  g_autoptr(JsonObject) truth = NULL;
  gint64 start, deadline;

  cb_test_sim_clock (sim, FALSE);
  cb_test_spin (300);
  truth = cb_test_sim_digest (sim);
  start = g_get_monotonic_time ();
  deadline = start + 15 * G_USEC_PER_SEC;
  do
    {
      cb_test_spin (100);
      wait_live (store);
    }
  while (!digests_match (store, truth, topics, FALSE) && g_get_monotonic_time () < deadline);
  g_test_message ("converged after %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  digests_match (store, truth, topics, TRUE);
  cb_test_sim_clock (sim, TRUE);
}

static guint
n_items (CbStore    *store,
         const char *type)
{
  return g_list_model_get_n_items (G_LIST_MODEL (cb_store_get_model (store, type)));
}

/* A cut mid-call: events of the outage are replayed on resume. */
static void
test_resume_after_cut (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=60", "--agents=60", "--seed=3", "--heartbeat-ms=1000", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);
  guint64 before;

  cb_store_connect (store);
  wait_live (store);
  g_assert_cmpuint (n_items (store, "agent"), ==, 60);
  g_assert_cmpuint (n_items (store, "queue"), >, 0);
  cb_test_spin (800);

  before = cb_store_get_events_applied (store);
  cb_store_drop_connection (store, CB_CLOSE_SERVER_ERROR);
  cb_test_spin (300);
  wait_live (store);
  cb_test_spin (800);
  g_assert_cmpuint (cb_store_get_events_applied (store), >, before);
  g_assert_cmpuint (cb_store_get_resets (store), ==, 0);

  assert_converged (store, sim, live_topics);
  release_store (store);
}

/* Events that change entities while their snapshot streams in many parts. */
static void
test_changes_during_snapshot (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=40", "--agents=3000", "--queues=30", "--seed=5",
                                                "--heartbeat-ms=1000", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);

  cb_store_connect (store);
  wait_live (store);
  g_assert_cmpuint (n_items (store, "agent"), ==, 3000);
  cb_test_spin (1000);
  assert_converged (store, sim, live_topics);
  release_store (store);
}

/* A cursor older than the replay window: exactly one reset, then a full
 * resync — and what no longer exists is gone from the models. */
static void
test_cursor_too_old (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=200", "--agents=200", "--seed=11", "--heartbeat-ms=1000",
                                                "--replay-events=1000", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);
  gint64 seen = 0, now = 0;

  cb_store_connect (store);
  wait_live (store);
  cb_store_disconnect (store);
  cb_test_spin (100);
  g_assert_cmpint (cb_store_get_state (store), ==, CB_CONNECTION_CACHED);

  /* Far more than 1000 events happen meanwhile. */
  seen = cb_store_get_last_seq (store);
  cb_test_spin (4000);

  cb_store_connect (store);
  wait_live (store);
  now = cb_store_get_last_seq (store);
  g_test_message ("seq before %" G_GINT64_FORMAT ", after %" G_GINT64_FORMAT, seen, now);
  g_assert_cmpuint (cb_store_get_resets (store), ==, 1);
  cb_test_spin (500);
  g_assert_cmpuint (cb_store_get_resets (store), ==, 1);
  assert_converged (store, sim, live_topics);
  release_store (store);
}

/* Follows @sim live for @ms, then compares digests. */
static void
follow_and_converge (Fixture   *f,
                     CbTestSim *sim,
                     guint      ms)
{
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);

  cb_store_connect (store);
  wait_live (store);
  cb_test_spin (ms);
  assert_converged (store, sim, live_topics);
  release_store (store);
}

/* The sim leaves out a seq every 50 events and never announces it. */
static void
test_skipped_seq (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=60", "--agents=60", "--seed=13", "--heartbeat-ms=1000",
                                                "--fault-skip-seq=50", NULL);

  /* Each skip is a gap: the store resumed (or resynced) rather than apply past it. */
  follow_and_converge (f, sim, 2500);
}

/* Duplicated and reordered events: duplicates dropped, a reorder is a gap. */
static void
test_duplicates_and_reorder (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=60", "--agents=60", "--seed=17", "--heartbeat-ms=1000",
                                                "--fault-duplicate=7", "--fault-reorder=40", NULL);

  follow_and_converge (f, sim, 2500);
}

static gboolean
store_is_not_ready (gpointer data)
{
  return cb_store_get_phase (data) != CB_PHASE_READY;
}

/* A half-open socket: the sim stops sending 2 s after welcome. */
static void
test_half_open_socket (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=30", "--agents=40", "--seed=19", "--heartbeat-ms=1000",
                                                "--fault-stall-after=2", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);
  gint64 live_at, lost_at;

  cb_store_connect (store);
  wait_live (store);
  live_at = g_get_monotonic_time ();
  cb_test_wait (store_is_not_ready, store, 10000);
  lost_at = g_get_monotonic_time ();
  g_test_message ("stalled 2 s after welcome, detected %.2f s after it",
                  (lost_at - live_at) / 1e6);
  /* 2 s of traffic, then 2.5 heartbeats (2.5 s) of silence, checked every
   * quarter heartbeat, plus slack for a loaded machine. */
  g_assert_cmpint (lost_at - live_at, <, (2000 + 2500 + 250 + 800) * 1000);
  g_assert_cmpint (lost_at - live_at, >, 2000 * 1000);

  /* The stall recurs on every connection; compare right after a resume. */
  cb_test_sim_clock (sim, FALSE);
  wait_live (store);
  cb_test_spin (300);
  {
    g_autoptr(JsonObject) truth = cb_test_sim_digest (sim);

    for (guint i = 0; live_topics[i] != NULL; i++)
      {
        g_autofree char *mine = cb_store_digest (store, live_topics[i]);

        g_assert_cmpstr (mine, ==, cb_test_sim_topic_digest (truth, live_topics[i], NULL));
      }
  }
  release_store (store);
}

/* The main thread stalls for 2 s during a burst: the worker keeps reading;
 * the models catch up in a few batches, not one per event. */
static void
test_stalled_reader (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=300", "--agents=300", "--seed=23", "--heartbeat-ms=1000",
                                                NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);
  guint batches = 0;
  guint64 before;
  gulong handler;

  cb_store_connect (store);
  wait_live (store);
  before = cb_store_get_events_applied (store);
  g_usleep (2 * G_USEC_PER_SEC);
  handler = g_signal_connect_swapped (store, "batch-applied", G_CALLBACK (g_atomic_int_inc), &batches);
  cb_test_spin (100);
  g_test_message ("%" G_GUINT64_FORMAT " events in %u batches after the stall",
                  cb_store_get_events_applied (store) - before, batches);
  g_assert_cmpuint (cb_store_get_events_applied (store) - before, >, 100);
  g_assert_cmpuint (batches, <, cb_store_get_events_applied (store) - before);
  g_assert_cmpint (cb_store_get_phase (store), ==, CB_PHASE_READY);
  g_signal_handler_disconnect (store, handler);
  assert_converged (store, sim, live_topics);
  release_store (store);
}

static gboolean
store_failed (gpointer data)
{
  return cb_store_get_phase (data) == CB_PHASE_FAILED;
}

/* The token expires mid-session: the store stops, says why, keeps the data. */
static void
test_token_expires (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=30", "--agents=40", "--seed=29", "--heartbeat-ms=1000",
                                                "--fault-expire-token-after=1", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);
  guint agents;

  cb_store_connect (store);
  wait_live (store);
  agents = n_items (store, "agent");
  cb_test_wait (store_failed, store, 10000);
  g_assert_cmpint (cb_store_get_failure (store), ==, CB_FAILURE_TOKEN);
  g_assert_cmpint (cb_store_get_state (store), ==, CB_CONNECTION_CACHED);
  g_assert_nonnull (cb_store_get_status_message (store));
  g_assert_nonnull (strstr (cb_store_get_status_message (store), "token"));
  /* No reconnect loop: it stays failed. */
  cb_test_spin (1500);
  g_assert_cmpint (cb_store_get_phase (store), ==, CB_PHASE_FAILED);
  g_assert_cmpuint (n_items (store, "agent"), ==, agents);
  release_store (store);
}

/* Oversized messages: at most one retry, then a reason instead of a loop. */
static void
test_oversized_message (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=60", "--agents=60", "--seed=31", "--heartbeat-ms=1000",
                                                "--fault-oversize=30", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);

  cb_store_connect (store);
  cb_test_wait (store_failed, store, 15000);
  g_assert_cmpint (cb_store_get_failure (store), ==, CB_FAILURE_TOO_BIG);
  cb_test_spin (1000);
  g_assert_cmpint (cb_store_get_phase (store), ==, CB_PHASE_FAILED);
  g_assert_nonnull (cb_store_get_status_message (store));
  release_store (store);
}

/* Two consoles signed in as the same user each keep their own session. */
static void
test_second_console_does_not_steal (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=60", "--agents=60", "--seed=37", "--heartbeat-ms=1000", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other.sqlite", NULL);
  CbStore *first = store_new (f->cache, sim, NULL, live_topics);
  CbStore *second = store_new (other, sim, NULL, live_topics);
  g_autofree char *first_session = NULL;

  cb_store_connect (first);
  wait_live (first);
  first_session = g_strdup (cb_store_get_session (first));
  cb_store_connect (second);
  wait_live (second);
  cb_test_spin (1000);

  g_assert_cmpstr (cb_store_get_session (first), ==, first_session);
  g_assert_cmpstr (cb_store_get_session (second), !=, first_session);
  g_assert_cmpint (cb_store_get_state (first), ==, CB_CONNECTION_LIVE);
  assert_converged (first, sim, live_topics);
  assert_converged (second, sim, live_topics);
  release_store (second);
  release_store (first);
}

static void
on_journal_read (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CbTestReply *reply = user_data;

  reply->response = (CbMessage *) cb_store_read_journal_finish (CB_STORE (object), result, &reply->error);
  g_assert_no_error (reply->error);
  reply->done = TRUE;
}

static gboolean
history_loaded (gpointer data)
{
  return cb_store_is_history_loaded (data);
}

/* Restarting the console opens the cache at once, stamped with its age,
 * and resumes the session it left — no reset, no new snapshot needed. */
static void
test_cold_open_and_resume (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=60", "--agents=80", "--seed=41", "--heartbeat-ms=1000", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);
  g_autofree char *session = NULL;
  gint64 as_of;
  guint agents;

  cb_store_connect (store);
  wait_live (store);
  cb_test_spin (500);
  session = g_strdup (cb_store_get_session (store));
  agents = n_items (store, "agent");
  release_store (store);

  store = store_new (f->cache, sim, NULL, live_topics);
  /* Before any connection: the cached state, marked as such, and the
   * metrics start from the journal's history. */
  cb_test_wait (history_loaded, store, 10000);
  g_assert_cmpuint (cb_metrics_get_n_calls (cb_store_get_metrics (store)), >, 0);
  /* The journal can be read back for any window. */
  {
    g_autoptr(GPtrArray) events = NULL;
    g_autoptr(GError) error = NULL;
    CbTestReply done = { 0 };

    cb_store_read_journal_async (store, 0, G_MAXINT64, NULL, on_journal_read, &done);
    cb_test_reply_wait (&done);
    events = (GPtrArray *) done.response;
    g_assert_nonnull (events);
    g_assert_cmpuint (events->len, >, 10);
    g_assert_cmpint (((CbMessage *) g_ptr_array_index (events, 0))->type, ==, CB_MESSAGE_EVENT);
    for (guint i = 1; i < events->len; i++)
      g_assert_cmpint (((CbMessage *) g_ptr_array_index (events, i - 1))->ts, <=,
                       ((CbMessage *) g_ptr_array_index (events, i))->ts);
  }
  g_assert_cmpuint (n_items (store, "agent"), ==, agents);
  g_assert_cmpint (cb_store_get_state (store), ==, CB_CONNECTION_CACHED);
  as_of = cb_store_get_as_of (store);
  g_assert_cmpint (as_of, >, 0);
  g_assert_cmpint (as_of, <=, g_get_real_time () / 1000 + 5000);

  cb_store_connect (store);
  wait_live (store);
  g_assert_cmpstr (cb_store_get_session (store), ==, session);
  g_assert_cmpuint (cb_store_get_resets (store), ==, 0);
  assert_converged (store, sim, live_topics);
  release_store (store);
}

/* A cache that is not a database: set aside, the user told, rebuilt. */
static void
test_corrupt_cache (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=30", "--agents=40", "--seed=43", "--heartbeat-ms=1000", NULL);
  CbStore *store;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gboolean set_aside = FALSE;

  g_assert_true (g_file_set_contents (f->cache, "this is not an SQLite database, but a damaged file. "
                                      "It is long enough to have a header of sorts......", -1, NULL));
  store = store_new (f->cache, sim, NULL, live_topics);
  g_assert_nonnull (cb_store_get_cache_message (store));
  g_assert_nonnull (strstr (cb_store_get_cache_message (store), "damaged"));

  dir = g_dir_open (f->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    set_aside |= strstr (name, ".broken-") != NULL;
  g_assert_true (set_aside);

  cb_store_connect (store);
  wait_live (store);
  assert_converged (store, sim, live_topics);
  release_store (store);
}

static void
on_request_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CbTestReply *reply = user_data;

  reply->response = cb_store_request_finish (CB_STORE (object), result, &reply->error);
  reply->done = TRUE;
}

/* Live commands are refused offline with a reason, and work when live. */
static void
test_live_commands (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=1", "--agents=20", "--seed=47", "--heartbeat-ms=1000", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);
  g_autoptr(JsonObject) request = json_object_new ();
  CbTestReply offline = { 0 }, online = { 0 };
  CbEntityModel *agents;
  CbEntity *agent = NULL;

  json_object_set_string_member (request, "agent_id", "ag-0001");
  json_object_set_string_member (request, "state", "available");
  cb_store_request_async (store, "agent.set_state", request, CB_REQUEST_LIVE, NULL, on_request_done, &offline);
  cb_test_reply_wait (&offline);
  g_assert_error (offline.error, CB_REQUEST_ERROR, CB_ERROR_BACKEND_UNAVAILABLE);
  g_assert_nonnull (strstr (offline.error->message, "not connected"));
  g_clear_error (&offline.error);

  cb_store_connect (store);
  wait_live (store);
  agents = cb_store_get_model (store, "agent");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (agents)) && agent == NULL; i++)
    {
      CbEntity *candidate = cb_entity_model_get (agents, i);

      if (g_strcmp0 (cb_entity_get_string (candidate, "state"), "available") == 0)
        agent = candidate;
    }
  g_assert_nonnull (agent);

  json_object_set_string_member (request, "agent_id", cb_entity_get_id (agent));
  json_object_set_string_member (request, "state", "paused");
  json_object_set_string_member (request, "reason_code", cb_entity_get_string (agent, "pause_reason") ?: "BREAK");
  cb_store_request_async (store, "agent.set_state", request, CB_REQUEST_LIVE, NULL, on_request_done, &online);
  cb_test_reply_wait (&online);
  if (online.error != NULL)
    g_test_message ("agent.set_state: %s", online.error->message);
  g_assert_no_error (online.error);
  g_assert_true (online.response->ok);
  /* Read your writes: the model already shows it. */
  g_assert_cmpstr (cb_entity_get_string (agent, "state"), ==, "paused");
  cb_message_unref (online.response);
  release_store (store);
}

static const char * const config_topics[] = { "agents", "queues", "calls", "campaigns", NULL };

typedef struct
{
  CbMessage *response;
  GError    *error;
  gboolean   queued;
  gboolean   done;
} EditReply;

static void
on_edit_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  EditReply *reply = user_data;

  reply->response = cb_store_edit_finish (CB_STORE (object), result, &reply->queued, &reply->error);
  reply->done = TRUE;
}

static gboolean
edit_done (gpointer data)
{
  return ((EditReply *) data)->done;
}

static void
edit_description (CbStore     *store,
                  CbEntity    *campaign,
                  gint64       if_rev,
                  const char  *description,
                  EditReply   *reply)
{
  g_autoptr(JsonObject) data = json_object_new ();
  JsonObject *set = json_object_new ();

  json_object_set_string_member (data, "id", cb_entity_get_id (campaign));
  json_object_set_string_member (set, "description", description);
  json_object_set_object_member (data, "set", set);
  cb_store_edit_async (store, "campaign.update", "campaign", cb_entity_get_id (campaign), data, if_rev,
                       NULL, on_edit_done, reply);
  cb_test_wait (edit_done, reply, 15000);
}

static gboolean
outbox_empty (gpointer data)
{
  return cb_store_get_pending_edits (data) == 0;
}

/* An edit made offline is kept, shown as pending, and replayed on reconnect. */
static void
test_offline_edit_replayed (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=10", "--agents=20", "--seed=59", "--heartbeat-ms=1000", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, config_topics);
  EditReply reply = { 0 }, second = { 0 };
  CbEntity *campaign;
  gint64 rev;

  cb_store_connect (store);
  wait_live (store);
  g_assert_cmpuint (n_items (store, "campaign"), >, 0);
  campaign = cb_entity_model_get (cb_store_get_model (store, "campaign"), 0);
  rev = cb_entity_get_rev (campaign);

  cb_store_disconnect (store);
  cb_test_spin (100);
  edit_description (store, campaign, rev, "Edited offline", &reply);
  g_assert_no_error (reply.error);
  g_assert_true (reply.queued);
  g_assert_null (reply.response);
  /* A second offline edit of the same campaign folds into the first. */
  edit_description (store, campaign, rev, "Edited offline, twice", &second);
  g_assert_true (second.queued);
  cb_test_spin (50);
  g_assert_cmpuint (cb_store_get_pending_edits (store), ==, 1);
  g_assert_cmpstr (cb_entity_get_string (campaign, "description"), !=, "Edited offline, twice");

  /* The console closes and opens again: the edit is still there, pending. */
  {
    g_autofree char *id = g_strdup (cb_entity_get_id (campaign));

    release_store (store);
    store = store_new (f->cache, sim, NULL, config_topics);
    cb_test_spin (100);
    g_assert_cmpuint (cb_store_get_pending_edits (store), ==, 1);
    campaign = cb_store_lookup (store, "campaign", id);
    g_assert_nonnull (campaign);
  }

  cb_store_connect (store);
  wait_live (store);
  cb_test_wait (outbox_empty, store, 10000);
  cb_test_spin (200);
  g_assert_cmpstr (cb_entity_get_string (cb_store_lookup (store, "campaign", cb_entity_get_id (campaign)),
                                         "description"), ==, "Edited offline, twice");
  assert_converged (store, sim, config_topics);
  release_store (store);
}

static void
on_conflict (CbStore       *store,
             CbPendingEdit *edit,
             gpointer       user_data)
{
  *(CbPendingEdit **) user_data = g_object_ref (edit);
}

/* Two consoles edit one campaign: the second gets a conflict, its edit is
 * kept with both versions, and "keep mine" then applies it. */
static void
test_two_consoles_conflict (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=10", "--agents=20", "--seed=61", "--heartbeat-ms=1000", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other.sqlite", NULL);
  CbStore *first = store_new (f->cache, sim, NULL, config_topics);
  CbStore *second = store_new (other, sim, NULL, config_topics);
  EditReply mine = { 0 }, theirs = { 0 };
  g_autoptr(CbPendingEdit) conflict = NULL;
  g_autoptr(GPtrArray) differences = NULL;
  CbEntity *campaign_first, *campaign_second;
  const char *id;
  gint64 rev;

  cb_store_connect (first);
  cb_store_connect (second);
  wait_live (first);
  wait_live (second);
  campaign_first = cb_entity_model_get (cb_store_get_model (first, "campaign"), 0);
  id = cb_entity_get_id (campaign_first);
  campaign_second = cb_store_lookup (second, "campaign", id);
  g_assert_nonnull (campaign_second);
  rev = cb_entity_get_rev (campaign_first);
  g_assert_cmpint (cb_entity_get_rev (campaign_second), ==, rev);
  g_signal_connect (second, "conflict", G_CALLBACK (on_conflict), &conflict);

  edit_description (first, campaign_first, rev, "From the first console", &theirs);
  g_assert_no_error (theirs.error);
  g_assert_false (theirs.queued);
  g_assert_nonnull (theirs.response);
  g_clear_pointer (&theirs.response, cb_message_unref);

  /* The second console still edits from the rev it showed. */
  edit_description (second, campaign_second, rev, "From the second console", &mine);
  g_assert_error (mine.error, CB_REQUEST_ERROR, CB_ERROR_CONFLICT);
  g_clear_error (&mine.error);
  cb_test_spin (100);
  g_assert_nonnull (conflict);
  g_assert_cmpint (cb_pending_edit_get_state (conflict), ==, CB_OUTBOX_CONFLICT);
  g_assert_cmpuint (cb_store_get_pending_edits (second), ==, 1);
  g_assert_cmpint (cb_pending_edit_get_current_rev (conflict), >, rev);

  differences = cb_pending_edit_get_differences (conflict);
  {
    gboolean found = FALSE;

    for (guint i = 0; i < differences->len; i++)
      {
        CbFieldDifference *d = g_ptr_array_index (differences, i);

        if (g_str_equal (d->field, "description"))
          {
            found = TRUE;
            g_assert_cmpstr (d->mine, ==, "\"From the second console\"");
            g_assert_cmpstr (d->theirs, ==, "\"From the first console\"");
            g_assert_true (d->conflicting);
          }
      }
    g_assert_true (found);
  }

  cb_store_resolve_edit (second, conflict, CB_RESOLVE_KEEP_MINE, NULL);
  cb_test_wait (outbox_empty, second, 10000);
  cb_test_spin (300);
  g_assert_cmpstr (cb_entity_get_string (cb_store_lookup (first, "campaign", id), "description"), ==,
                   "From the second console");
  assert_converged (first, sim, config_topics);
  assert_converged (second, sim, config_topics);
  release_store (second);
  release_store (first);
}

/* A console opened mid-afternoon computes today from the whole day: the
 * backend's history of ended calls fills the metrics, so calls offered
 * today match the backend's own count. */
static gboolean
metrics_whole (gpointer data)
{
  return cb_metrics_get_complete_since (cb_store_get_metrics (data)) == 0;
}

static void
test_metrics_backfilled (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=1", "--agents=40", "--seed=67", "--heartbeat-ms=1000",
                                                "--warm-up", "--time-zone=UTC", NULL);
  CbStore *store = store_new (f->cache, sim, NULL, live_topics);
  CbMetricWindow today = { CB_METRIC_WINDOW_TODAY, 0, 0 };
  CbMetricValue offered = { 0 };
  CbEntityModel *queues;
  gint64 backend_offered = 0;
  gint64 hour;

  cb_store_connect (store);
  wait_live (store);
  /* Live: the metrics know every call from about now, until the day's
   * history has come from the backend; then every window is whole. */
  {
    gint64 since = cb_metrics_get_complete_since (cb_store_get_metrics (store));

    g_assert_true (since == 0 || ABS (since - cb_store_get_server_now (store)) < 10000);
  }
  cb_test_wait (history_loaded, store, 10000);
  cb_test_wait (metrics_whole, store, 10000);
  cb_test_spin (1500);
  cb_test_sim_clock (sim, FALSE);
  cb_test_spin (1200);

  queues = cb_store_get_model (store, "queue");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queues)); i++)
    {
      const CbJsonValue *stats = cb_entity_get_object (cb_entity_model_get (queues, i), "stats");

      backend_offered += cb_json_value_lookup_int (stats, "offered_today", 0);
    }
  g_assert_true (cb_metrics_compute (cb_store_get_metrics (store), CB_METRIC_OFFERED, NULL, &today, NULL,
                                     cb_store_get_server_now (store), &offered));
  hour = (g_get_real_time () / 1000 / 3600000) % 24;
  g_test_message ("UTC hour %" G_GINT64_FORMAT ": offered today %.0f in the console, %" G_GINT64_FORMAT
                  " by the backend", hour, offered.value, backend_offered);
  if (backend_offered < 20)
    {
      g_test_skip ("the simulated center is closed at this hour of the day");
      release_store (store);
      return;
    }
  g_assert_true (offered.has_value);
  /* The backend counts a transferred call again in each queue it enters;
   * the console counts each call once, by the instant it was queued
   * (docs/metrics.md), so it may be lower by the share of transfers. Without
   * the backfill it would be only what arrived since connecting. */
  g_assert_cmpfloat (offered.value, >=, backend_offered * 0.88);
  g_assert_cmpfloat (offered.value, <=, backend_offered * 1.02 + 2);
  release_store (store);
}

/* A warmed-up demo has dialed all morning: the first snapshot of a running
 * campaign shows the morning's dials and the leads they used, not the
 * figures of midnight until the next second's update. */
static void
test_warm_up_campaign_figures (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=1", "--agents=40", "--seed=67", "--heartbeat-ms=1000",
                                                "--warm-up", NULL);
  CbStore *store;
  CbEntityModel *campaigns;
  guint running = 0;

  /* Frozen: nothing the sim does after its snapshot can mend it. */
  cb_test_sim_clock (sim, FALSE);
  store = store_new (f->cache, sim, NULL, config_topics);
  cb_store_connect (store);
  wait_live (store);

  campaigns = cb_store_get_model (store, "campaign");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (campaigns)), >, 0);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (campaigns)); i++)
    {
      CbEntity *campaign = cb_entity_model_get (campaigns, i);
      const CbJsonValue *stats = cb_entity_get_object (campaign, "stats");
      gint64 dials = cb_json_value_lookup_int (stats, "dials_today", -1);
      gint64 dialable = cb_json_value_lookup_int (stats, "leads_dialable", -1);
      gint64 total = cb_json_value_lookup_int (stats, "leads_total", -1);

      g_test_message ("%s (%s): %" G_GINT64_FORMAT " dials, %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                      " leads dialable", cb_entity_get_id (campaign), cb_entity_get_string (campaign, "status"),
                      dials, dialable, total);
      if (g_strcmp0 (cb_entity_get_string (campaign, "status"), "running") != 0)
        continue;
      running++;
      g_assert_cmpint (dials, >, 0);
      g_assert_cmpint (dialable, <, total);
    }
  g_assert_cmpuint (running, >, 0);
  release_store (store);
}

static guint
queued_calls (CbStore *store)
{
  CbEntityModel *calls = cb_store_get_model (store, "call");
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (calls)); i++)
    n += g_strcmp0 (cb_entity_get_string (cb_entity_model_get (calls, i), "state"), "queued") == 0;
  return n;
}

static double
calls_waiting (CbStore *store)
{
  CbMetricWindow live = { CB_METRIC_WINDOW_LIVE, 0, 0 };
  CbMetricValue value = { 0 };

  g_assert_true (cb_metrics_compute (cb_store_get_metrics (store), CB_METRIC_CALLS_WAITING, NULL, &live, NULL,
                                     cb_store_get_server_now (store), &value));
  return value.has_value ? value.value : 0;
}

/* The backend restarts (a new epoch) while the console is away: calls it
 * held then are gone, and must not wait forever in the metrics — neither
 * once resynchronized, nor after the console starts again from its cache. */
static void
test_vanished_calls_leave_the_metrics (Fixture       *f,
                                       gconstpointer  data)
{
  /* Few agents for a morning's calls: callers wait in the queue. */
  CbTestSim *first = cb_test_sim_start ("--speed=1", "--agents=6", "--queues=2", "--seed=71", "--warm-up",
                                        "--heartbeat-ms=1000", NULL);
  g_autoptr(CbTestSim) second = NULL;
  CbStore *store = store_new (f->cache, first, NULL, live_topics);

  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  CbEntityModel *calls;

  cb_store_connect (store);
  wait_live (store);
  cb_test_spin (500);
  calls = cb_store_get_model (store, "call");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (calls)); i++)
    g_ptr_array_add (ids, g_strdup (cb_entity_get_id (cb_entity_model_get (calls, i))));
  g_test_message ("first backend: %u live calls, %u queued", ids->len, queued_calls (store));
  g_assert_cmpuint (ids->len, >, 0);
  release_store (store);
  cb_test_sim_stop (first);

  /* Another contact center answers at that address now: nothing in common. */
  second = cb_test_sim_start ("--speed=1", "--agents=40", "--queues=2", "--seed=73", "--heartbeat-ms=1000", NULL);
  store = store_new (f->cache, second, NULL, live_topics);
  cb_store_connect (store);
  wait_live (store);
  cb_test_wait (history_loaded, store, 10000);
  cb_test_sim_clock (second, FALSE);
  cb_test_spin (600);
  g_assert_cmpfloat (calls_waiting (store), ==, queued_calls (store));
  /* The calls the new snapshot did not hold end in the journal too. */
  {
    g_autoptr(GHashTable) last = g_hash_table_new (g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) events = NULL;
    CbTestReply done = { 0 };

    cb_store_read_journal_async (store, 0, G_MAXINT64, NULL, on_journal_read, &done);
    cb_test_reply_wait (&done);
    events = (GPtrArray *) done.response;
    for (guint i = 0; i < events->len; i++)
      {
        CbMessage *m = g_ptr_array_index (events, i);

        g_hash_table_insert (last, (gpointer) m->entity_id, m);
      }
    for (guint i = 0; i < ids->len; i++)
      {
        CbMessage *m = g_hash_table_lookup (last, g_ptr_array_index (ids, i));

        if (cb_store_lookup (store, "call", g_ptr_array_index (ids, i)) != NULL)
          continue;
        g_assert_nonnull (m);
        g_assert_cmpint (m->kind, ==, CB_EVENT_DELETE);
      }
  }
  release_store (store);

  /* And from the cache alone, after a restart. */
  store = store_new (f->cache, second, NULL, live_topics);
  cb_test_wait (history_loaded, store, 10000);
  cb_test_spin (100);
  g_test_message ("after a restart: %u calls queued in the cache, %.0f waiting in the metrics",
                  queued_calls (store), calls_waiting (store));
  g_assert_cmpfloat (calls_waiting (store), ==, queued_calls (store));
  release_store (store);
}

/* kill -9 of a console mid-sync: the cache is intact and resumes. */
static void
test_killed_mid_sync (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(CbTestSim) sim = cb_test_sim_start ("--speed=300", "--agents=500", "--seed=53", "--heartbeat-ms=1000", NULL);
  const char *ctl = g_getenv ("CALLBOARD_CTL");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cache_arg = g_strdup_printf ("--cache=%s", f->cache);
  g_autofree char *url_arg = g_strdup_printf ("--url=%s", sim->url);
  CbCacheRecovery recovery;
  CbCache *cache;
  CbStore *store;

  g_assert_nonnull (ctl);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                              ctl, url_arg, "--token-stdin", cache_arg, "watch", NULL);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), CB_TEST_ADMIN_TOKEN "\n",
                             strlen (CB_TEST_ADMIN_TOKEN) + 1, NULL, NULL, &error);
  g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, NULL);
  cb_test_spin (1500);
  g_subprocess_send_signal (process, SIGKILL);
  g_subprocess_wait (process, NULL, NULL);

  cache = cb_cache_open (f->cache, &recovery, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (recovery, ==, CB_CACHE_OK);
  g_assert_true (cb_cache_integrity_ok (cache));
  g_assert_cmpint (cb_cache_count_journal (cache), >, 0);
  cb_cache_close (cache);

  store = store_new (f->cache, sim, NULL, NULL);
  g_assert_cmpuint (n_items (store, "agent"), >, 0);
  cb_store_connect (store);
  wait_live (store);
  assert_converged (store, sim, live_topics);
  release_store (store);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);

#define ADD(path, func) \
  g_test_add ("/callboard/store/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("resume-after-cut", test_resume_after_cut);
  ADD ("changes-during-snapshot", test_changes_during_snapshot);
  ADD ("cursor-too-old", test_cursor_too_old);
  ADD ("skipped-seq", test_skipped_seq);
  ADD ("duplicates-and-reorder", test_duplicates_and_reorder);
  ADD ("half-open-socket", test_half_open_socket);
  ADD ("stalled-reader", test_stalled_reader);
  ADD ("token-expires", test_token_expires);
  ADD ("oversized-message", test_oversized_message);
  ADD ("second-console-does-not-steal", test_second_console_does_not_steal);
  ADD ("cold-open-and-resume", test_cold_open_and_resume);
  ADD ("corrupt-cache", test_corrupt_cache);
  ADD ("live-commands", test_live_commands);
  ADD ("killed-mid-sync", test_killed_mid_sync);
  ADD ("offline-edit-replayed", test_offline_edit_replayed);
  ADD ("two-consoles-conflict", test_two_consoles_conflict);
  ADD ("metrics-backfilled", test_metrics_backfilled);
  ADD ("warm-up-campaign-figures", test_warm_up_campaign_figures);
  ADD ("vanished-calls-leave-the-metrics", test_vanished_calls_leave_the_metrics);
#undef ADD

  return g_test_run ();
}
