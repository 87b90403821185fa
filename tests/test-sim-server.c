/* test-sim-server.c — the reference backend's protocol server, end to end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A CbSimServer on loopback serves a CbSimState the test changes; the real
 * client (CbConnection) talks to it. A small applier keeps what a console
 * would hold (id → rev per topic, by the rules of docs/protocol.md §5.3 and
 * §4.3) and every convergence test ends by comparing its digest with the
 * server's.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>

#include "cb-connection.h"
#include "cb-sim-server.h"
#include "cb-test-view.h"

#define SUPERVISOR_TOKEN "supervisor-token-0123456789"
#define QA_TOKEN         "qa-token-0123456789abcdef"
#define ADMIN_TOKEN      "admin-token-0123456789abcd"

typedef struct
{
  CbSimState   *state;
  CbSimUsers   *users;
  CbSimServer  *server;
  char         *url;
  CbConnection *client;
  CbTestView   *view;      /* what the client holds */
  guint         gaps;
} Fixture;

static void
put_agent (Fixture    *f,
           const char *id,
           const char *state,
           const char *team)
{
  JsonObject *data = json_object_new ();
  JsonArray *teams = json_array_new ();

  json_array_add_string_element (teams, team);
  json_object_set_string_member (data, "name", id);
  json_object_set_string_member (data, "state", state);
  json_object_set_array_member (data, "team_ids", teams);
  json_object_set_array_member (data, "queue_ids", json_array_new ());
  cb_sim_state_upsert (f->state, "agents", "agent", id, data, g_get_real_time () / 1000);
  json_object_unref (data);
}

static void
on_message (CbConnection *client,
            CbMessage    *m,
            Fixture      *f)
{
  cb_test_view_handle (f->view, m);
}

static void
on_gap (CbConnection *client,
        gint64        expected,
        gint64        seen,
        Fixture      *f)
{
  f->gaps++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->state = cb_sim_state_new ();
  f->users = cb_sim_users_new ();
  cb_sim_users_add (f->users, "maris", "Maris Tamm", "supervisor", SUPERVISOR_TOKEN);
  cb_sim_users_add (f->users, "olena", "Olena Koval", "qa", QA_TOKEN);
  cb_sim_users_add (f->users, "root", "Admin", "admin", ADMIN_TOKEN);
  cb_sim_users_add (f->users, "nobody", "No Role", "janitor", "nobody-token-0123456789");

  f->server = cb_sim_server_new (f->state, f->users, "callboard-sim", "Europe/Tallinn");
  cb_sim_server_set_heartbeat (f->server, 1000);
  g_assert_true (cb_sim_server_listen (f->server, "127.0.0.1", 0, NULL, &error));
  g_assert_no_error (error);
  f->url = cb_sim_server_get_url (f->server);

  f->view = cb_test_view_new ();
}

static void
new_client (Fixture    *f,
            const char *token)
{
  if (f->client != NULL)
    {
      cb_connection_stop (f->client);
      g_clear_object (&f->client);
    }
  f->client = cb_connection_new (f->url, token);
  cb_connection_set_backoff (f->client, 20, 200);
  g_signal_connect (f->client, "message", G_CALLBACK (on_message), f);
  g_signal_connect (f->client, "gap", G_CALLBACK (on_gap), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->client != NULL)
    cb_test_release_connection (f->client);
  g_assert_finalize_object (f->server);
  cb_sim_state_free (f->state);
  cb_sim_users_free (f->users);
  cb_test_view_free (f->view);
  g_free (f->url);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

typedef gboolean (*Condition) (Fixture *f);

static void
wait_until (Fixture   *f,
            Condition  condition,
            guint      timeout_ms)
{
  cb_test_wait ((CbTestCondition) condition, f, timeout_ms);
}

#define spin_for cb_test_spin

static gboolean is_ready (Fixture *f) { return cb_connection_get_phase (f->client) == CB_PHASE_READY; }
static gboolean is_failed (Fixture *f) { return cb_connection_get_phase (f->client) == CB_PHASE_FAILED; }
static gboolean synced (Fixture *f) { return cb_test_view_is_synced (f->view); }

/* Sends a message with an id (subscribe, unsubscribe, req) and waits for
 * its res. */
static CbMessage *
call (Fixture    *f,
      const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  CbTestReply r = { 0 };

  g_assert_nonnull (node);
  cb_connection_call_async (f->client, json_node_get_object (node), 5000, NULL, cb_test_reply_done, &r);
  cb_test_reply_wait (&r);
  g_assert_no_error (r.error);
  return r.response;
}

static CbMessage *
subscribe (Fixture    *f,
           const char *topic,
           const char *filter_json)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"subscribe\",\"topic\":\"%s\",\"filter\":%s}",
                                           topic, filter_json ? filter_json : "{}");
  CbMessage *res;

  cb_test_view_expect_snapshot (f->view, topic);
  res = call (f, text);
  if (!res->ok)
    g_hash_table_remove (f->view->snapshots, topic);
  return res;
}

static CbMessage *
request (Fixture    *f,
         const char *op,
         const char *data_json,
         const char *idem)
{
  g_autoptr(JsonNode) data = data_json ? json_from_string (data_json, NULL) : NULL;
  CbTestReply r = { 0 };

  cb_connection_request_async (f->client, op, data, -1, idem, 5000, NULL, cb_test_reply_done, &r);
  cb_test_reply_wait (&r);
  g_assert_no_error (r.error);
  return r.response;
}

static void
assert_converged (Fixture *f)
{
  g_autofree char *server = cb_sim_state_digest (f->state, "agents");
  g_autofree char *client = cb_test_view_digest (f->view, "agent");

  g_assert_cmpstr (client, ==, server);
}

static void
connect_as (Fixture    *f,
            const char *token)
{
  new_client (f, token);
  cb_connection_start (f->client);
  wait_until (f, is_ready, 5000);
}


/* ---- a raw client, for what CbConnection would never send ---------------- */

typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GError                  *error;
  gboolean                 done;
  gboolean                 closed;
  gushort                  close_code;
  GPtrArray               *texts;     /* JsonObject, every text message received */
} Raw;

static void
on_raw_message (SoupWebsocketConnection *ws,
                gint                     type,
                GBytes                  *bytes,
                Raw                     *r)
{
  gsize length;
  const char *text = g_bytes_get_data (bytes, &length);
  g_autoptr(JsonNode) node = NULL;

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  node = json_from_string (text, NULL);
  g_assert_nonnull (node);
  g_ptr_array_add (r->texts, json_object_ref (json_node_get_object (node)));
}

static void
on_raw_closed (SoupWebsocketConnection *ws,
               Raw                     *r)
{
  r->closed = TRUE;
  r->close_code = soup_websocket_connection_get_close_code (ws);
}

static void
on_raw_connected (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Raw *r = user_data;

  r->ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &r->error);
  if (r->ws != NULL)
    {
      soup_websocket_connection_set_keepalive_interval (r->ws, 0);
      /* libsoup checks what it sends against its incoming limit too. */
      soup_websocket_connection_set_max_incoming_payload_size (r->ws, 0);
      g_signal_connect (r->ws, "message", G_CALLBACK (on_raw_message), r);
      g_signal_connect (r->ws, "closed", G_CALLBACK (on_raw_closed), r);
    }
  r->done = TRUE;
}

static gboolean raw_done (gpointer r) { return ((Raw *) r)->done; }
static gboolean raw_closed (gpointer r) { return ((Raw *) r)->closed; }

static void
raw_free (Raw *r)
{
  if (r->ws != NULL)
    {
      if (soup_websocket_connection_get_state (r->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          soup_websocket_connection_close (r->ws, 1000, NULL);
          cb_test_wait (raw_closed, r, 5000);
        }
      g_signal_handlers_disconnect_by_data (r->ws, r);
      g_clear_object (&r->ws);
    }
  g_ptr_array_unref (r->texts);
  g_clear_object (&r->session);
  g_clear_error (&r->error);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Raw, raw_free)

static gboolean
raw_has_texts (gpointer data)
{
  Raw *r = ((gpointer *) data)[0];

  return r->texts->len >= GPOINTER_TO_UINT (((gpointer *) data)[1]) || r->closed;
}

static void
raw_wait_texts (Raw   *r,
                guint  n)
{
  gpointer data[2] = { r, GUINT_TO_POINTER (n) };

  cb_test_wait (raw_has_texts, data, 5000);
}

/* Connected to @url with @token and, when @hello, welcomed. */
static Raw *
raw_open (const char *url,
          const char *token,
          gboolean    hello)
{
  Raw *r = g_new0 (Raw, 1);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *authorization = g_strdup_printf ("Bearer %s", token);
  char *protocols[] = { (char *) "callboard.v1", NULL };

  r->texts = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  r->session = soup_session_new ();
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  soup_session_websocket_connect_async (r->session, msg, NULL, protocols, G_PRIORITY_DEFAULT, NULL,
                                        on_raw_connected, r);
  cb_test_wait (raw_done, r, 5000);
  g_assert_no_error (r->error);
  if (hello)
    {
      soup_websocket_connection_send_text (r->ws, "{\"type\":\"hello\",\"client\":{\"name\":\"raw\",\"version\":\"1\"},"
                                                  "\"features\":[],\"max_message_bytes\":4194304}");
      raw_wait_texts (r, 1);
      g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (r->texts, 0), "type"), ==, "welcome");
    }
  return r;
}

/* The res to request @id, waiting for it (NULL if the socket closed first). */
static JsonObject *
raw_res (Raw        *r,
         const char *id)
{
  for (guint n = 1;; n++)
    {
      for (guint i = 0; i < r->texts->len; i++)
        {
          JsonObject *o = g_ptr_array_index (r->texts, i);

          if (g_strcmp0 (json_object_get_string_member_with_default (o, "type", ""), "res") == 0
              && g_strcmp0 (json_object_get_string_member_with_default (o, "id", ""), id) == 0)
            return o;
        }
      if (r->closed)
        return NULL;
      raw_wait_texts (r, r->texts->len + 1);
    }
}

static const char *
raw_error_code (JsonObject *res)
{
  g_assert_nonnull (res);
  if (json_object_get_boolean_member (res, "ok"))
    return "ok";
  return json_object_get_string_member (json_object_get_object_member (res, "error"), "code");
}

static void
raw_expect_close (Raw    *r,
                  gushort code)
{
  cb_test_wait (raw_closed, r, 5000);
  g_assert_cmpuint (r->close_code, ==, code);
}

/* ---- tests ---- */

static void
test_welcome (Fixture       *f,
              gconstpointer  data)
{
  CbMessage *welcome;
  JsonObject *user, *limits, *replay;
  JsonArray *permissions;

  connect_as (f, SUPERVISOR_TOKEN);
  welcome = cb_connection_get_welcome (f->client);

  g_assert_cmpstr (json_object_get_string_member (welcome->object, "protocol"), ==, "callboard.v1");
  g_assert_false (json_object_get_boolean_member (welcome->object, "resumed"));
  g_assert_cmpint (json_object_get_int_member (welcome->object, "seq"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (welcome->object, "epoch"), ==,
                   cb_sim_server_get_epoch (f->server));
  replay = json_object_get_object_member (welcome->object, "replay");
  g_assert_cmpint (json_object_get_int_member (replay, "events"), >=, 1000);
  g_assert_cmpint (json_object_get_int_member (replay, "seconds"), >=, 60);
  limits = json_object_get_object_member (welcome->object, "limits");
  g_assert_cmpint (json_object_get_int_member (limits, "max_message_bytes"), >=, 1024 * 1024);

  user = json_object_get_object_member (welcome->object, "user");
  g_assert_cmpstr (json_object_get_string_member (user, "login"), ==, "maris");
  permissions = json_object_get_array_member (user, "permissions");
  for (guint i = 0; i < json_array_get_length (permissions); i++)
    g_assert_false (g_str_equal (json_array_get_string_element (permissions, i), "users.read"));
  g_assert_cmpuint (json_array_get_length (permissions), ==, 19);
}

static void
count_phase_change (CbConnection *client,
                    GParamSpec   *pspec,
                    guint        *changes)
{
  (*changes)++;
}

static gboolean
is_positive (gpointer data)
{
  return *(guint *) data > 0;
}

/* A stalled main loop — a busy machine, a slow build — is not a dead
 * peer: what the other side sent meanwhile waits unread in the socket.
 * Server and client share this loop, so both checks run 3 s late; neither
 * may close (§6.3). A server that then really goes quiet is still caught
 * within 2.5 heartbeat intervals. */
static void
test_stall_is_not_silence (Fixture       *f,
                           gconstpointer  data)
{
  CbSimFaults faults = { .stall_after_s = 6 };
  guint changes = 0;
  gint64 welcome, quiet;

  cb_sim_server_set_faults (f->server, &faults);
  connect_as (f, SUPERVISOR_TOKEN);
  welcome = g_get_monotonic_time ();
  spin_for (1300);   /* heartbeats both ways */
  g_signal_connect (f->client, "notify::phase", G_CALLBACK (count_phase_change), &changes);

  g_usleep (3200 * 1000);
  spin_for (1000);
  g_assert_cmpuint (changes, ==, 0);
  g_assert_true (is_ready (f));
  g_assert_cmpuint (cb_sim_server_get_n_sessions (f->server), ==, 1);

  cb_test_wait (is_positive, &changes, 8000);
  quiet = (g_get_monotonic_time () - welcome) / 1000 - 6000;
  g_test_message ("a quiet server found after %" G_GINT64_FORMAT " ms", quiet);
  g_assert_cmpint (quiet, <=, 2500 + 250 + 500);
  g_signal_handlers_disconnect_by_func (f->client, count_phase_change, &changes);
}

static void
check_refused (Fixture             *f,
               const char          *token,
               CbConnectionFailure  failure)
{
  new_client (f, token);
  cb_connection_start (f->client);
  wait_until (f, is_failed, 5000);
  g_assert_cmpint (cb_connection_get_failure (f->client), ==, failure);
}

static void
test_bad_token (Fixture *f, gconstpointer data)
{
  check_refused (f, "not-a-token-of-anybody-at-all", CB_FAILURE_TOKEN);
}

static void
test_no_role (Fixture *f, gconstpointer data)
{
  check_refused (f, "nobody-token-0123456789", CB_FAILURE_FORBIDDEN);
}

static void
test_snapshot_in_parts (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(CbMessage) res = NULL;
  guint n = 4000;

  /* Enough agents that one snapshot part cannot hold them. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("ag-%05u", i);

      put_agent (f, id, i % 3 ? "available" : "on_call", i % 2 ? "t-north" : "t-south");
    }

  connect_as (f, SUPERVISOR_TOKEN);
  res = subscribe (f, "agents", NULL);
  g_assert_true (res->ok);
  g_assert_cmpint (json_object_get_int_member (res->data, "count"), ==, n);
  g_assert_cmpint (json_object_get_int_member (res->data, "as_of"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (res->data, "parts"), >, 1);

  wait_until (f, synced, 10000);
  g_test_message ("%u agents in %u parts, the largest %" G_GSIZE_FORMAT " bytes",
                  n, f->view->snapshot_parts, f->view->largest_part);
  g_assert_cmpuint (f->view->snapshot_parts, ==, json_object_get_int_member (res->data, "parts"));
  g_assert_cmpuint (f->view->largest_part, <=, 256 * 1024);
  g_assert_cmpuint (cb_test_view_count (f->view, "agent"), ==, n);
  assert_converged (f);
}

typedef struct
{
  Fixture *f;
  guint    turn;
} Churn;

/* A backend that always has an event to send: one agent changes state on
 * every turn of the main loop. */
static gboolean
churn_agents (gpointer data)
{
  Churn *churn = data;
  g_autofree char *id = g_strdup_printf ("ag-%05u", churn->turn % 4000);

  put_agent (churn->f, id, churn->turn++ % 2 ? "paused" : "available", "t-north");
  g_usleep (200);
  return G_SOURCE_CONTINUE;
}

/* The parts of a snapshot still go out while events never stop: at idle
 * priority they did not, and the console waited forever. */
static void
test_snapshot_on_a_busy_server (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(CbMessage) res = NULL;
  Churn churn = { f, 0 };
  guint source;

  for (guint i = 0; i < 4000; i++)
    {
      g_autofree char *id = g_strdup_printf ("ag-%05u", i);

      put_agent (f, id, "available", "t-north");
    }
  connect_as (f, SUPERVISOR_TOKEN);
  source = g_idle_add_full (G_PRIORITY_DEFAULT, churn_agents, &churn, NULL);
  res = subscribe (f, "agents", NULL);
  g_assert_true (res->ok);
  g_assert_cmpint (json_object_get_int_member (res->data, "parts"), >, 1);

  wait_until (f, synced, 10000);
  g_test_message ("%u parts while %u agents changed", f->view->snapshot_parts, churn.turn);
  g_source_remove (source);
  spin_for (300);
  g_assert_cmpuint (churn.turn, >, 0);
  assert_converged (f);
}

static gboolean got_two_events (Fixture *f) { return f->view->events >= 2; }

static void
test_events_and_filters (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(CbMessage) res = NULL;

  put_agent (f, "ag-1", "available", "t-north");
  put_agent (f, "ag-2", "available", "t-south");
  connect_as (f, SUPERVISOR_TOKEN);

  res = subscribe (f, "agents", "{\"team_ids\":[\"t-north\"]}");
  g_assert_true (res->ok);
  g_assert_cmpint (json_object_get_int_member (res->data, "count"), ==, 1);
  wait_until (f, synced, 5000);
  g_assert_cmpuint (cb_test_view_count (f->view, "agent"), ==, 1);

  /* ag-1 leaves the filter (a delete), ag-2 enters it (an upsert). */
  put_agent (f, "ag-1", "paused", "t-south");
  put_agent (f, "ag-2", "on_call", "t-north");
  wait_until (f, got_two_events, 5000);
  spin_for (50);
  g_assert_cmpuint (f->view->events, ==, 2);
  g_assert_cmpuint (cb_test_view_count (f->view, "agent"), ==, 1);
  g_assert_true (cb_test_view_holds (f->view, "agent", "ag-2"));

  /* A change outside the filter sends nothing. */
  put_agent (f, "ag-1", "available", "t-south");
  spin_for (100);
  g_assert_cmpuint (f->view->events, ==, 2);
}

static void
test_subscribe_errors (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CbMessage) unknown = NULL;
  g_autoptr(CbMessage) bad_key = NULL;
  g_autoptr(CbMessage) bad_value = NULL;
  g_autoptr(CbMessage) forbidden = NULL;
  g_autoptr(CbMessage) feature = NULL;

  connect_as (f, QA_TOKEN);
  unknown = subscribe (f, "weather", NULL);
  g_assert_cmpint (unknown->error_code, ==, CB_ERROR_UNSUPPORTED);
  bad_key = subscribe (f, "agents", "{\"colour\":[\"red\"]}");
  g_assert_cmpint (bad_key->error_code, ==, CB_ERROR_BAD_REQUEST);
  bad_value = subscribe (f, "agents", "{\"ids\":\"ag-1\"}");
  g_assert_cmpint (bad_value->error_code, ==, CB_ERROR_BAD_REQUEST);
  /* QA analysts do not see live calls (§10.1) */
  forbidden = subscribe (f, "calls", NULL);
  g_assert_cmpint (forbidden->error_code, ==, CB_ERROR_FORBIDDEN);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (forbidden->error, "details"),
                                                  "permission"), ==, "calls.read");
  /* a topic of a feature the sim does not advertise yet */
  feature = subscribe (f, "campaigns", NULL);
  g_assert_cmpint (feature->error_code, ==, CB_ERROR_UNSUPPORTED);
}

static gboolean has_two_hellos_worth (Fixture *f) { return is_ready (f) && cb_connection_get_attempts (f->client) > 0; }

static void
test_resume_replays (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(CbMessage) res = NULL;
  g_autofree char *session = NULL;
  CbMessage *welcome;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *id = g_strdup_printf ("ag-%02u", i);
      put_agent (f, id, "available", "t-north");
    }
  connect_as (f, SUPERVISOR_TOKEN);
  res = subscribe (f, "agents", NULL);
  wait_until (f, synced, 5000);
  session = g_strdup (cb_connection_get_session (f->client));

  /* Cut the connection mid-stream; changes keep coming while it is gone. */
  cb_connection_drop (f->client, 4500, "test");
  for (guint i = 0; i < 20; i += 2)
    {
      g_autofree char *id = g_strdup_printf ("ag-%02u", i);
      put_agent (f, id, "on_call", "t-north");
    }
  cb_sim_state_delete (f->state, "agent", "ag-19", 1);

  wait_until (f, has_two_hellos_worth, 5000);
  welcome = cb_connection_get_welcome (f->client);
  g_assert_true (json_object_get_boolean_member (welcome->object, "resumed"));
  g_assert_cmpstr (cb_connection_get_session (f->client), ==, session);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (welcome->object, "subscriptions")), ==, 1);
  spin_for (100);
  g_assert_cmpuint (f->view->resets, ==, 0);
  g_assert_cmpuint (f->gaps, ==, 0);
  assert_converged (f);
}

static void
test_resume_old_epoch_resets_once (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(CbMessage) res = NULL;
  g_autoptr(CbMessage) again = NULL;

  put_agent (f, "ag-1", "available", "t-north");
  connect_as (f, SUPERVISOR_TOKEN);
  res = subscribe (f, "agents", NULL);
  wait_until (f, synced, 5000);

  /* The backend's event log restarts: cursors are void. */
  cb_sim_server_new_epoch (f->server);
  put_agent (f, "ag-2", "available", "t-north");
  wait_until (f, has_two_hellos_worth, 8000);
  spin_for (100);

  g_assert_cmpuint (f->view->resets, ==, 1);
  g_assert_false (json_object_get_boolean_member (cb_connection_get_welcome (f->client)->object, "resumed"));

  /* The console resubscribes on the new session and converges. */
  again = subscribe (f, "agents", NULL);
  g_assert_true (again->ok);
  wait_until (f, synced, 5000);
  assert_converged (f);
  spin_for (200);
  g_assert_cmpuint (f->view->resets, ==, 1);
}

static void
test_second_console_keeps_session (Fixture       *f,
                                   gconstpointer  data)
{
  CbConnection *first;
  g_autofree char *first_session = NULL;

  connect_as (f, SUPERVISOR_TOKEN);
  first = g_object_ref (f->client);
  first_session = g_strdup (cb_connection_get_session (first));

  /* The same user on a second console: a new session, the first one stays. */
  new_client (f, SUPERVISOR_TOKEN);
  g_object_unref (first);   /* new_client stopped it; start it again */
  connect_as (f, SUPERVISOR_TOKEN);
  g_assert_cmpstr (cb_connection_get_session (f->client), !=, first_session);
  g_assert_cmpuint (cb_sim_server_get_n_sessions (f->server), >=, 2);
}

static void
test_takeover_by_resume (Fixture       *f,
                         gconstpointer  data)
{
  CbConnection *second;

  connect_as (f, SUPERVISOR_TOKEN);

  /* Another console restores the same cursor: the first one is taken over
   * (4409) and does not fight back. */
  second = cb_connection_new (f->url, SUPERVISOR_TOKEN);
  cb_connection_set_resume (second, cb_connection_get_session (f->client),
                            cb_connection_get_epoch (f->client), cb_connection_get_last_seq (f->client));
  cb_connection_start (second);
  wait_until (f, is_failed, 5000);
  g_assert_cmpint (cb_connection_get_failure (f->client), ==, CB_FAILURE_TAKEN_OVER);
  g_assert_cmpint (cb_connection_get_phase (second), ==, CB_PHASE_READY);
  g_assert_true (json_object_get_boolean_member (cb_connection_get_welcome (second)->object, "resumed"));

  cb_test_release_connection (second);
}

static void
test_messages_after_detach (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(JsonNode) late = json_from_string ("{\"type\":\"subscribe\",\"id\":\"late\",\"topic\":\"agents\"}", NULL);

  put_agent (f, "ag-1", "available", "t-north");
  connect_as (f, SUPERVISOR_TOKEN);

  /* The server lets go of the session (a restart here; a takeover or a
   * heartbeat timeout do the same) while the client, not yet told, still
   * sends: the late subscribe must be ignored, not crash the server. */
  cb_sim_server_new_epoch (f->server);
  g_assert_true (cb_connection_send (f->client, late, NULL));
  spin_for (300);

  /* The server is still serving: the client resumes onto a new session. */
  wait_until (f, is_ready, 5000);
  g_assert_cmpuint (f->view->resets, ==, 1);
}

static gboolean
set_agent_state (CbSimServer      *server,
                 const CbSimUser  *user,
                 JsonObject       *data,
                 JsonNode        **result,
                 GError          **error,
                 gpointer          user_data)
{
  Fixture *f = user_data;
  const char *agent = json_object_get_string_member_with_default (data, "agent_id", "");
  const CbSimEntity *entity = cb_sim_state_lookup (f->state, "agent", agent);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (entity == NULL)
    {
      g_set_error (error, CB_REQUEST_ERROR, CB_ERROR_NOT_FOUND, "no agent %s", agent);
      return FALSE;
    }

  put_agent (f, agent, json_object_get_string_member (data, "state"), "t-north");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "pending");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "changes");
  json_builder_add_int_value (b, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (server), "changes")) + 1);
  json_builder_end_object (b);
  g_object_set_data (G_OBJECT (server), "changes",
                     GINT_TO_POINTER (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (server), "changes")) + 1));
  *result = json_builder_get_root (b);
  return TRUE;
}

static void
test_requests (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(CbMessage) ping = NULL, me = NULL, unknown = NULL, no_idem = NULL;
  g_autoptr(CbMessage) first = NULL, replay = NULL, reused = NULL, missing = NULL, sub = NULL;
  g_autoptr(CbMessage) qa = NULL;

  cb_sim_server_add_op (f->server, "agent.set_state", "agents.control", TRUE, set_agent_state, f);
  put_agent (f, "ag-7", "available", "t-north");
  connect_as (f, SUPERVISOR_TOKEN);
  sub = subscribe (f, "agents", NULL);
  wait_until (f, synced, 5000);

  ping = request (f, "ping", "{\"client_time\":1234}", NULL);
  g_assert_true (ping->ok);
  g_assert_cmpint (json_object_get_int_member (ping->data, "client_time"), ==, 1234);
  g_assert_cmpint (json_object_get_int_member (ping->data, "server_time"), >, 0);

  me = request (f, "user.me", NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (me->data, "user"), "id"),
                   ==, "u-maris");

  unknown = request (f, "teleport", NULL, NULL);
  g_assert_cmpint (unknown->error_code, ==, CB_ERROR_UNSUPPORTED);

  no_idem = request (f, "agent.set_state", "{\"agent_id\":\"ag-7\",\"state\":\"paused\"}", NULL);
  g_assert_cmpint (no_idem->error_code, ==, CB_ERROR_BAD_REQUEST);

  /* Read your writes: the agent's event comes before the response. */
  first = request (f, "agent.set_state", "{\"agent_id\":\"ag-7\",\"state\":\"paused\"}", "k-1");
  g_assert_true (first->ok);
  g_assert_cmpuint (f->view->events, ==, 1);
  assert_converged (f);

  /* The same key again: not executed twice, the same answer. */
  replay = request (f, "agent.set_state", "{\"agent_id\":\"ag-7\",\"state\":\"paused\"}", "k-1");
  g_assert_true (replay->ok);
  g_assert_true (json_object_get_boolean_member (replay->object, "idem_replayed"));
  g_assert_cmpint (json_object_get_int_member (replay->data, "changes"), ==, 1);
  g_assert_cmpuint (f->view->events, ==, 1);

  reused = request (f, "agent.set_state", "{\"agent_id\":\"ag-7\",\"state\":\"available\"}", "k-1");
  g_assert_cmpint (reused->error_code, ==, CB_ERROR_BAD_REQUEST);

  missing = request (f, "agent.set_state", "{\"agent_id\":\"ag-404\",\"state\":\"paused\"}", "k-2");
  g_assert_cmpint (missing->error_code, ==, CB_ERROR_NOT_FOUND);

  /* Permissions are enforced by the server, not by a hidden button. */
  connect_as (f, QA_TOKEN);
  qa = request (f, "agent.set_state", "{\"agent_id\":\"ag-7\",\"state\":\"available\"}", "k-3");
  g_assert_cmpint (qa->error_code, ==, CB_ERROR_FORBIDDEN);
}

static void
test_rate_limit (Fixture       *f,
                 gconstpointer  data)
{
  CbTestReply results[60] = { 0 };
  guint limited = 0, ok = 0;

  connect_as (f, SUPERVISOR_TOKEN);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    cb_connection_request_async (f->client, "ping", NULL, -1, NULL, 5000, NULL, cb_test_reply_done, &results[i]);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      cb_test_reply_wait (&results[i]);
      g_assert_no_error (results[i].error);
      if (results[i].response->ok)
        ok++;
      else
        {
          g_assert_cmpint (results[i].response->error_code, ==, CB_ERROR_RATE_LIMITED);
          g_assert_cmpint (json_object_get_int_member (results[i].response->error, "retry_after_ms"), >=, 1);
          limited++;
        }
      cb_message_unref (results[i].response);
    }

  g_test_message ("%u answered, %u rate limited", ok, limited);
  g_assert_cmpuint (ok, >=, 40);
  g_assert_cmpuint (limited, >=, 10);
}

static void
test_skipped_seq_is_caught (Fixture       *f,
                            gconstpointer  data)
{
  CbSimFaults faults = { .skip_seq_every = 5 };
  g_autoptr(CbMessage) res = NULL;

  put_agent (f, "ag-1", "available", "t-north");
  connect_as (f, SUPERVISOR_TOKEN);
  res = subscribe (f, "agents", NULL);
  wait_until (f, synced, 5000);

  cb_sim_server_set_faults (f->server, &faults);
  for (guint i = 0; i < 12; i++)
    put_agent (f, "ag-1", i % 2 ? "on_call" : "available", "t-north");
  spin_for (300);

  /* The client saw the hole, resumed; the hole cannot be replayed, so the
   * server answered with one reset. */
  g_assert_cmpuint (f->gaps, >=, 1);
  g_assert_cmpuint (f->view->resets, >=, 1);
}


/* A fresh console still gets served: welcome, a snapshot, a ping. */
static void
assert_serves (Fixture *f)
{
  g_autoptr(CbMessage) ping = NULL;
  g_autoptr(CbMessage) sub = NULL;

  cb_test_view_free (f->view);
  f->view = cb_test_view_new ();
  connect_as (f, SUPERVISOR_TOKEN);
  sub = subscribe (f, "agents", NULL);
  g_assert_true (sub->ok);
  wait_until (f, synced, 5000);
  assert_converged (f);
  ping = request (f, "ping", "{\"client_time\":1}", NULL);
  g_assert_true (ping->ok);
}

/* Wrong types in every member of a request envelope, and in subscribe:
 * answered with an error (§8.1), the connection stays open. */
static void
test_malformed_requests (Fixture       *f,
                         gconstpointer  data)
{
  static const struct {
    const char *text;
    const char *id;
    const char *code;
    const char *field;      /* details.field, or NULL */
  } cases[] = {
    { "{\"type\":\"req\",\"id\":\"m1\",\"op\":\"ping\",\"data\":\"x\"}", "m1", "bad_request", "data" },
    { "{\"type\":\"req\",\"id\":\"m2\",\"op\":\"ping\",\"data\":[1,2]}", "m2", "bad_request", "data" },
    { "{\"type\":\"req\",\"id\":\"m3\",\"op\":\"ping\",\"data\":7}", "m3", "bad_request", "data" },
    { "{\"type\":\"req\",\"id\":\"m4\",\"op\":\"teleport\",\"data\":\"x\"}", "m4", "unsupported", NULL },
    { "{\"type\":\"req\",\"id\":\"m5\",\"op\":\"agent.set_state\",\"idem\":5,"
      "\"data\":{\"agent_id\":\"ag-7\",\"state\":\"paused\"}}", "m5", "bad_request", "idem" },
    { "{\"type\":\"req\",\"id\":\"m6\",\"op\":\"agent.set_state\",\"idem\":[],"
      "\"data\":{\"agent_id\":\"ag-7\",\"state\":\"paused\"}}", "m6", "bad_request", "idem" },
    { "{\"type\":\"req\",\"id\":\"m7\",\"op\":\"ping\",\"if_rev\":\"3\"}", "m7", "bad_request", "if_rev" },
    { "{\"type\":\"req\",\"id\":\"m8\",\"op\":\"ping\",\"if_rev\":1.5}", "m8", "bad_request", "if_rev" },
    { "{\"type\":\"req\",\"id\":\"m9\",\"op\":\"ping\",\"if_rev\":0}", "m9", "bad_request", "if_rev" },
    { "{\"type\":\"req\",\"id\":\"m10\",\"op\":\"ping\",\"data\":{\"client_time\":1e3}}", "m10", "bad_request", NULL },
    { "{\"type\":\"req\",\"id\":\"m11\",\"op\":\"ping\",\"data\":{\"client_time\":\"soon\"}}", "m11", "bad_request", NULL },
    { "{\"type\":\"req\",\"id\":\"m12\",\"op\":\"\"}", "m12", "unsupported", NULL },
    { "{\"type\":\"subscribe\",\"id\":\"m13\",\"topic\":5}", "m13", "bad_request", "topic" },
    { "{\"type\":\"subscribe\",\"id\":\"m14\",\"topic\":\"agents\",\"filter\":\"x\"}", "m14", "bad_request", "filter" },
    { "{\"type\":\"subscribe\",\"id\":\"m15\",\"topic\":\"agents\",\"filter\":{\"ids\":[1]}}", "m15", "bad_request", "filter.ids[0]" },
    { "{\"type\":\"subscribe\",\"id\":\"m16\",\"topic\":\"no_such_topic\"}", "m16", "unsupported", NULL },
    { "{\"type\":\"unsubscribe\",\"id\":\"m17\",\"topic\":[]}", "m17", "bad_request", NULL },
  };
  g_autoptr(Raw) r = NULL;

  cb_sim_server_add_op (f->server, "agent.set_state", "agents.control", TRUE, set_agent_state, f);
  put_agent (f, "ag-7", "available", "t-north");
  r = raw_open (f->url, SUPERVISOR_TOKEN, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      JsonObject *res, *details;

      soup_websocket_connection_send_text (r->ws, cases[i].text);
      res = raw_res (r, cases[i].id);
      g_assert_nonnull (res);
      g_assert_cmpstr (raw_error_code (res), ==, cases[i].code);
      details = json_object_get_object_member (json_object_get_object_member (res, "error"), "details");
      if (cases[i].field != NULL)
        g_assert_cmpstr (json_object_get_string_member (details, "field"), ==, cases[i].field);
      /* Spaced out, so that the rate limit is not what answers. */
      spin_for (60);
    }

  /* Unknown types and members are ignored; the connection still answers,
   * and nothing changed. */
  soup_websocket_connection_send_text (r->ws, "{\"type\":\"x_unknown\",\"foo\":{\"bar\":[1]}}");
  soup_websocket_connection_send_text (r->ws, "{\"type\":\"req\",\"id\":\"last\",\"op\":\"ping\",\"x_extra\":[],"
                                              "\"data\":{\"client_time\":5}}");
  g_assert_cmpstr (raw_error_code (raw_res (r, "last")), ==, "ok");
  g_assert_false (r->closed);
  g_assert_cmpint (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (f->server), "changes")), ==, 0);
  assert_serves (f);
}

/* What cannot be answered closes the connection with the protocol's code;
 * the server goes on serving. */
static void
test_protocol_errors (Fixture       *f,
                      gconstpointer  data)
{
  static const char * const broken[] = {
    "{\"type\":\"req\",",                                   /* not JSON */
    "[1,2,3]",                                             /* not an object */
    "\"req\"",
    "{\"type\":7}",                                        /* type not a string */
    "{\"op\":\"ping\",\"id\":\"p1\"}",                     /* no type */
    "{\"type\":\"req\",\"id\":5,\"op\":\"ping\"}",         /* id not a string */
    "{\"type\":\"req\",\"op\":\"ping\"}",                  /* no id */
    "{\"type\":\"req\",\"id\":\"p2\",\"op\":7}",           /* op not a string */
    "{\"type\":\"req\",\"id\":\"p3\"}",                    /* no op */
    "{\"type\":\"hello\",\"client\":{\"name\":\"a\",\"version\":\"1\"},\"max_message_bytes\":4194304}",
    "{\"type\":\"res\",\"id\":\"p4\",\"ok\":true}",          /* only the server sends res */
  };
  g_autoptr(GString) deep = g_string_new ("{\"type\":\"req\",\"id\":\"deep\",\"op\":\"ping\",\"data\":{\"x\":");

  for (guint i = 0; i < 40; i++)
    g_string_append (deep, "[");
  for (guint i = 0; i < 40; i++)
    g_string_append (deep, "]");
  g_string_append (deep, "}}");

  for (guint i = 0; i <= G_N_ELEMENTS (broken) + 1; i++)
    {
      g_autoptr(Raw) r = raw_open (f->url, SUPERVISOR_TOKEN, TRUE);

      if (i < G_N_ELEMENTS (broken))
        soup_websocket_connection_send_text (r->ws, broken[i]);
      else if (i == G_N_ELEMENTS (broken))
        soup_websocket_connection_send_text (r->ws, deep->str);   /* deeper than 32 */
      else
        soup_websocket_connection_send_binary (r->ws, "\x01\x18\x03\x02", 4);   /* binary on the control socket */
      raw_expect_close (r, 4000);
    }

  /* Before welcome: anything but a valid hello is a protocol error too
   * (§2.5), and no welcome comes. */
  {
    static const char * const early[] = {
      "{\"type\":\"req\",\"id\":\"early\",\"op\":\"ping\"}",
      "{\"type\":\"hello\",\"client\":5,\"max_message_bytes\":4194304}",
      "{\"type\":\"hello\",\"client\":{\"name\":\"a\"},\"max_message_bytes\":4194304}",
      "{\"type\":\"hello\",\"client\":{\"name\":\"a\",\"version\":1},\"max_message_bytes\":4194304}",
      "{\"type\":\"hello\",\"client\":{\"name\":\"a\",\"version\":\"1\"},\"max_message_bytes\":\"big\"}",
      "{\"type\":\"hello\",\"client\":{\"name\":\"a\",\"version\":\"1\"},\"max_message_bytes\":1000}",
      "{\"type\":\"hello\",\"client\":{\"name\":\"a\",\"version\":\"1\"},\"max_message_bytes\":4194304,"
      "\"resume\":\"s-1\"}",
      "{\"type\":\"hello\",\"client\":{\"name\":\"a\",\"version\":\"1\"},\"max_message_bytes\":4194304,"
      "\"resume\":{\"session\":5,\"epoch\":\"e\",\"last_seq\":1}}",
      "{\"type\":\"hello\",\"client\":{\"name\":\"a\",\"version\":\"1\"},\"max_message_bytes\":4194304,"
      "\"resume\":{\"session\":\"s-1\",\"epoch\":\"e\",\"last_seq\":-4}}",
      "hello",
    };

    for (guint i = 0; i < G_N_ELEMENTS (early); i++)
      {
        g_autoptr(Raw) r = raw_open (f->url, SUPERVISOR_TOKEN, FALSE);

        soup_websocket_connection_send_text (r->ws, early[i]);
        raw_expect_close (r, 4000);
        g_assert_cmpuint (r->texts->len, ==, 0);
      }
  }
  assert_serves (f);
}

/* A message beyond max_message_bytes: 1009, with a close frame (up to four
 * times the limit, which libsoup reads whole). */
static void
test_huge_message (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Raw) r = raw_open (f->url, SUPERVISOR_TOKEN, TRUE);
  g_autoptr(GString) big = g_string_new ("{\"type\":\"req\",\"id\":\"big\",\"op\":\"ping\",\"data\":{\"pad\":\"");

  while (big->len < 3 * 1024 * 1024 / 2)
    g_string_append (big, "0123456789abcdef");
  g_string_append (big, "\"}}");
  soup_websocket_connection_send_text (r->ws, big->str);
  raw_expect_close (r, 1009);
  g_assert_null (raw_res (r, "big"));
  assert_serves (f);
}

/* A client that goes on sending while limited: rate_limited, then 4429. */
static void
test_flood (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(Raw) r = raw_open (f->url, SUPERVISOR_TOKEN, TRUE);
  guint ok = 0, limited = 0;

  for (guint i = 0; i < 400; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"id\":\"f%u\",\"op\":\"ping\"}", i);

      soup_websocket_connection_send_text (r->ws, text);
    }
  raw_expect_close (r, 4429);
  for (guint i = 0; i < r->texts->len; i++)
    {
      JsonObject *o = g_ptr_array_index (r->texts, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (o, "type", ""), "res") != 0)
        continue;
      if (json_object_get_boolean_member (o, "ok"))
        ok++;
      else
        {
          g_assert_cmpstr (raw_error_code (o), ==, "rate_limited");
          g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "error"), "retry_after_ms"),
                           >=, 1);
          limited++;
        }
    }
  g_test_message ("%u answered, %u rate limited, then 4429", ok, limited);
  g_assert_cmpuint (ok, >=, 20);
  g_assert_cmpuint (ok, <=, 45);
  g_assert_cmpuint (limited, >, 0);
  assert_serves (f);
}

/* Requests in flight when the server shuts down: 4503, then nothing. */
static void
test_request_during_shutdown (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(Raw) r = raw_open (f->url, SUPERVISOR_TOKEN, TRUE);

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"id\":\"s%u\",\"op\":\"ping\"}", i);

      soup_websocket_connection_send_text (r->ws, text);
    }
  cb_sim_server_shutdown (f->server);
  if (soup_websocket_connection_get_state (r->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (r->ws, "{\"type\":\"req\",\"id\":\"after\",\"op\":\"ping\"}");
  raw_expect_close (r, 4503);
  spin_for (100);
  cb_sim_server_shutdown (f->server);   /* twice is harmless */
}


/* The SQLite file of a stopped sim: PRAGMA integrity_check. */
static void
assert_db_intact (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static gint64
campaign_count (CbTestSim *sim)
{
  g_autoptr(JsonObject) digest = cb_test_sim_digest (sim);
  gint64 count = -1;

  cb_test_sim_topic_digest (digest, "campaigns", &count);
  return count;
}

/* The real program with a database: broken configuration edits, a flood of
 * good ones, and a shutdown in the middle of writes. Every edit that was
 * answered ok is in the file, nothing else is, and the file is intact; the
 * sim restarts on it and serves a fresh console. */
static void
test_hostile_db (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("cb-sim-db-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sim.db", NULL);
  g_autofree char *db_option = g_strdup_printf ("--db=%s", path);
  g_autofree char *huge_name = g_strnfill (300000, 'n');
  g_autoptr(GString) nested = g_string_new ("{\"name\":\"nested\",\"caller_id\":\"+15125550100\",\"schedule\":");
  static const char * const broken[] = {
    "{\"name\":5,\"caller_id\":\"+15125550100\"}",
    "{\"name\":\"b1\",\"caller_id\":[]}",
    "{\"name\":\"b2\",\"caller_id\":\"555\"}",
    "{\"name\":\"b3\",\"caller_id\":\"+15125550100\",\"dial_mode\":\"warp\"}",
    "{\"name\":\"b4\",\"caller_id\":\"+15125550100\",\"dial_level\":\"x\"}",
    "{\"name\":\"b5\",\"caller_id\":\"+15125550100\",\"dial_level\":-3}",
    "{\"name\":\"b6\",\"caller_id\":\"+15125550100\",\"retry_rules\":{\"a\":1}}",
    "{\"name\":\"b7\",\"caller_id\":\"+15125550100\",\"schedule\":{\"windows\":[{\"start\":25}]}}",
    "{\"name\":\"b8\",\"caller_id\":\"+15125550100\",\"id\":\"mine\"}",
    "{\"name\":\"b9\",\"caller_id\":\"+15125550100\",\"x_unknown\":true}",
    "{}",
  };
  CbTestSim *sim;
  g_autoptr(Raw) r = NULL;
  guint created = 0, refused = 0, limited = 0;
  gint64 before;

  for (guint i = 0; i < 28; i++)
    g_string_append (nested, "{\"a\":");
  g_string_append (nested, "1");
  for (guint i = 0; i < 28; i++)
    g_string_append (nested, "}");
  g_string_append (nested, "}");

  sim = cb_test_sim_start (db_option, "--seed=3", "--agents=10", "--heartbeat-ms=1000", NULL);
  before = campaign_count (sim);
  r = raw_open (sim->url, CB_TEST_ADMIN_TOKEN, TRUE);

  /* Broken edits: each an error, none a close, nothing written. */
  for (guint i = 0; i < G_N_ELEMENTS (broken) + 2; i++)
    {
      g_autofree char *id = g_strdup_printf ("b%u", i);
      g_autofree char *text = NULL;
      JsonObject *res;

      if (i < G_N_ELEMENTS (broken))
        text = g_strdup_printf ("{\"type\":\"req\",\"id\":\"%s\",\"op\":\"campaign.create\",\"data\":%s}", id, broken[i]);
      else if (i == G_N_ELEMENTS (broken))
        text = g_strdup_printf ("{\"type\":\"req\",\"id\":\"%s\",\"op\":\"campaign.create\",\"data\":"
                                "{\"name\":\"%s\",\"caller_id\":\"+15125550100\"}}", id, huge_name);
      else
        text = g_strdup_printf ("{\"type\":\"req\",\"id\":\"%s\",\"op\":\"campaign.create\",\"data\":%s}", id, nested->str);
      soup_websocket_connection_send_text (r->ws, text);
      res = raw_res (r, id);
      g_assert_nonnull (res);
      g_assert_false (json_object_get_boolean_member (res, "ok"));
      g_test_message ("broken edit %u: %s", i, raw_error_code (res));
      spin_for (120);
    }
  g_assert_cmpint (campaign_count (sim), ==, before);

  /* A flood of good edits at once: some ok, the rest rate_limited, then 4429. */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"id\":\"g%u\",\"op\":\"campaign.create\","
                                               "\"idem\":\"g%u\",\"data\":{\"name\":\"flood %u\","
                                               "\"caller_id\":\"+15125550100\"}}", i, i, i);

      soup_websocket_connection_send_text (r->ws, text);
    }
  raw_expect_close (r, 4429);
  for (guint i = 0; i < r->texts->len; i++)
    {
      JsonObject *o = g_ptr_array_index (r->texts, i);
      const char *id = json_object_get_string_member_with_default (o, "id", "");

      if (id[0] != 'g')
        continue;
      if (json_object_get_boolean_member (o, "ok"))
        created++;
      else if (g_str_equal (raw_error_code (o), "rate_limited"))
        limited++;
      else
        refused++;
    }
  g_test_message ("flood: %u created, %u rate limited, %u refused", created, limited, refused);
  g_assert_cmpuint (created, >, 0);
  g_assert_cmpuint (limited, >, 0);
  g_assert_cmpuint (refused, ==, 0);
  g_assert_cmpint (campaign_count (sim), ==, before + created);

  /* Writes in flight when the sim is told to stop: it says 4503 and exits. */
  g_clear_pointer (&r, raw_free);
  r = raw_open (sim->url, CB_TEST_ADMIN_TOKEN, TRUE);
  for (guint i = 0; i < 15; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"id\":\"s%u\",\"op\":\"campaign.create\","
                                               "\"data\":{\"name\":\"stop %u\",\"caller_id\":\"+15125550100\"}}", i, i);

      soup_websocket_connection_send_text (r->ws, text);
    }
  g_subprocess_send_signal (sim->process, SIGTERM);
  raw_expect_close (r, 4503);
  g_assert_true (g_subprocess_wait (sim->process, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (sim->process));
  g_assert_cmpint (g_subprocess_get_exit_status (sim->process), ==, 0);
  for (guint i = 0; i < r->texts->len; i++)
    {
      JsonObject *o = g_ptr_array_index (r->texts, i);

      if (json_object_get_string_member_with_default (o, "id", "")[0] == 's' && json_object_get_boolean_member (o, "ok"))
        created++;
    }
  cb_test_sim_stop (sim);
  assert_db_intact (path);

  /* Again on the same file: every answered edit is there, nothing else. */
  sim = cb_test_sim_start (db_option, "--seed=3", "--agents=10", "--heartbeat-ms=1000", NULL);
  g_assert_cmpint (campaign_count (sim), ==, before + created);
  g_free (f->url);
  f->url = g_strdup (sim->url);
  new_client (f, CB_TEST_ADMIN_TOKEN);
  cb_connection_start (f->client);
  wait_until (f, is_ready, 5000);
  {
    g_autoptr(CbMessage) ping = request (f, "ping", "{\"client_time\":1}", NULL);

    g_assert_true (ping->ok);
  }
  cb_test_release_connection (g_steal_pointer (&f->client));
  cb_test_sim_stop (sim);
  assert_db_intact (path);

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/callboard/sim-server/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("welcome", test_welcome);
  ADD ("stall-is-not-silence", test_stall_is_not_silence);
  ADD ("bad-token", test_bad_token);
  ADD ("no-role", test_no_role);
  ADD ("snapshot-in-parts", test_snapshot_in_parts);
  ADD ("snapshot-on-a-busy-server", test_snapshot_on_a_busy_server);
  ADD ("events-and-filters", test_events_and_filters);
  ADD ("subscribe-errors", test_subscribe_errors);
  ADD ("resume-replays", test_resume_replays);
  ADD ("resume-old-epoch-resets-once", test_resume_old_epoch_resets_once);
  ADD ("second-console-keeps-session", test_second_console_keeps_session);
  ADD ("takeover-by-resume", test_takeover_by_resume);
  ADD ("messages-after-detach", test_messages_after_detach);
  ADD ("requests", test_requests);
  ADD ("rate-limit", test_rate_limit);
  ADD ("skipped-seq-is-caught", test_skipped_seq_is_caught);
  ADD ("malformed-requests", test_malformed_requests);
  ADD ("protocol-errors", test_protocol_errors);
  ADD ("huge-message", test_huge_message);
  ADD ("flood", test_flood);
  ADD ("request-during-shutdown", test_request_during_shutdown);
  ADD ("hostile-db", test_hostile_db);

  return g_test_run ();
}
