/* test-connection.c — CbConnection against a scripted peer on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The peer is a libsoup server in this process whose behaviour each test
 * sets: what it answers to hello, which events it sends, when it falls
 * silent, which close code it uses. The full reference backend is tested
 * against the connection elsewhere; here every edge can be forced.
 */
#include "config.h"

#include <libsoup/soup.h>

#include "cb-connection.h"
#include "cb-test-view.h"

typedef struct
{
  SoupServer              *server;
  char                    *url;
  SoupWebsocketConnection *peer;          /* the server side of the current socket */
  GPtrArray               *hellos;        /* CbMessage, every hello received */
  GPtrArray               *received;      /* CbMessage, everything else received */
  guint                    connections;
  gushort                  close_on_hello; /* 0: answer with welcome */
  gboolean                 silent;         /* answer nothing at all */
  guint                    heartbeat_ms;
  gboolean                 answer_requests;
  gint64                   welcome_seq;
  guint                    resets_after_welcome;

  CbConnection            *connection;
  GPtrArray               *messages;      /* CbMessage the client emitted */
  guint                    gaps;
} Fixture;

static void
send_json (Fixture    *f,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
send_json (Fixture    *f,
           const char *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_assert_nonnull (f->peer);
  soup_websocket_connection_send_text (f->peer, text);
}

static void
send_event (Fixture *f,
            gint64   seq,
            gint64   rev)
{
  send_json (f, "{\"type\":\"event\",\"seq\":%" G_GINT64_FORMAT ",\"ts\":1,\"topic\":\"agents\","
             "\"kind\":\"upsert\",\"entity\":{\"type\":\"agent\",\"id\":\"a1\",\"rev\":%" G_GINT64_FORMAT "},"
             "\"data\":{\"id\":\"a1\"}}", seq, rev);
}

static void
on_peer_message (SoupWebsocketConnection *socket,
                 gint                     type,
                 GBytes                  *bytes,
                 Fixture                 *f)
{
  gsize length;
  const char *text = g_bytes_get_data (bytes, &length);
  g_autoptr(GError) error = NULL;
  CbMessage *message = cb_message_decode (text, length, 0, &error);

  g_assert_no_error (error);

  if (message->type == CB_MESSAGE_HELLO)
    {
      g_ptr_array_add (f->hellos, message);
      if (f->silent)
        return;
      if (f->close_on_hello != 0)
        {
          soup_websocket_connection_close (socket, f->close_on_hello, "scripted");
          return;
        }
      send_json (f, "{\"type\":\"welcome\",\"protocol\":\"callboard.v1\",\"session\":\"s1\","
                 "\"epoch\":\"e-7\",\"seq\":%" G_GINT64_FORMAT ",\"resumed\":%s,\"heartbeat_ms\":%u,"
                 "\"limits\":{\"max_message_bytes\":1048576}}",
                 f->welcome_seq, f->hellos->len > 1 ? "true" : "false", f->heartbeat_ms);
      if (f->resets_after_welcome > 0)
        for (guint i = 0; i < f->resets_after_welcome; i++)
          send_json (f, "{\"type\":\"reset\",\"reason\":\"cursor_too_old\",\"message\":\"x\","
                     "\"session\":\"s1\",\"epoch\":\"e-7\"}");
      return;
    }

  g_ptr_array_add (f->received, message);
  if (message->type == CB_MESSAGE_REQUEST && f->answer_requests)
    send_json (f, "{\"type\":\"res\",\"id\":\"%s\",\"ok\":true,\"data\":{\"op\":\"%s\"}}",
               message->id, message->op);
}

static void
on_peer_closed (SoupWebsocketConnection *socket,
                Fixture                 *f)
{
  if (f->peer == socket)
    g_clear_object (&f->peer);
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  Fixture *f = user_data;
  const char *authorization =
    soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");

  g_assert_cmpstr (authorization, ==, "Bearer t0ken");
  f->connections++;
  g_clear_object (&f->peer);
  f->peer = g_object_ref (connection);
  g_signal_connect (connection, "message", G_CALLBACK (on_peer_message), f);
  g_signal_connect (connection, "closed", G_CALLBACK (on_peer_closed), f);
}

static void
on_client_message (CbConnection *connection,
                   CbMessage    *message,
                   Fixture      *f)
{
  g_ptr_array_add (f->messages, cb_message_ref (message));
}

static void
on_client_gap (CbConnection *connection,
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
  /* data "none": a server that accepts the upgrade without choosing a
   * subprotocol, as an older backend would */
  const char *protocols[] = { CB_PROTOCOL_SUBPROTOCOL, NULL };
  gboolean any_protocol = g_strcmp0 (data, "none") == 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (f->server, "/cb", NULL, any_protocol ? NULL : (char **) protocols,
                                     on_websocket, f, NULL);
  g_assert_true (soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->url = g_strdup_printf ("ws://127.0.0.1:%d/cb", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  f->hellos = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  f->received = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  f->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  f->heartbeat_ms = 5000;
  f->answer_requests = TRUE;

  f->connection = cb_connection_new (f->url, "t0ken");
  cb_connection_set_backoff (f->connection, 20, 100);
  g_signal_connect (f->connection, "message", G_CALLBACK (on_client_message), f);
  g_signal_connect (f->connection, "gap", G_CALLBACK (on_client_gap), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  cb_test_release_connection (f->connection);
  g_clear_object (&f->peer);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_ptr_array_unref (f->hellos);
  g_ptr_array_unref (f->received);
  g_ptr_array_unref (f->messages);
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

static gboolean is_ready (Fixture *f) { return cb_connection_get_phase (f->connection) == CB_PHASE_READY && f->peer; }
static gboolean is_failed (Fixture *f) { return cb_connection_get_phase (f->connection) == CB_PHASE_FAILED; }
static gboolean has_two_hellos (Fixture *f) { return f->hellos->len >= 2 && is_ready (f); }
static gboolean has_three_messages (Fixture *f) { return f->messages->len >= 3; }

static void
test_handshake (Fixture       *f,
                gconstpointer  data)
{
  CbMessage *hello;
  JsonObject *client;

  cb_connection_start (f->connection);
  wait_until (f, is_ready, 5000);

  hello = g_ptr_array_index (f->hellos, 0);
  g_assert_true (cb_json_get_object (hello->object, "client", TRUE, &client, NULL));
  g_assert_cmpstr (json_object_get_string_member (client, "name"), ==, "callboard");
  g_assert_false (json_object_has_member (hello->object, "resume"));
  g_assert_cmpint (json_object_get_int_member (hello->object, "max_message_bytes"), >=, 1024 * 1024);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (hello->object, "features")), ==, 0);

  g_assert_cmpstr (cb_connection_get_session (f->connection), ==, "s1");
  g_assert_cmpstr (cb_connection_get_epoch (f->connection), ==, "e-7");
  g_assert_nonnull (cb_connection_get_welcome (f->connection));
}

static void
test_events_in_order_duplicates_dropped (Fixture       *f,
                                         gconstpointer  data)
{
  cb_connection_start (f->connection);
  wait_until (f, is_ready, 5000);

  send_event (f, 1, 1);
  send_event (f, 2, 2);
  send_event (f, 2, 2);   /* duplicate */
  send_event (f, 1, 1);   /* stale duplicate */
  send_event (f, 3, 3);
  wait_until (f, has_three_messages, 5000);
  spin_for (50);

  g_assert_cmpuint (f->messages->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (((CbMessage *) g_ptr_array_index (f->messages, i))->seq, ==, i + 1);
  g_assert_cmpint (cb_connection_get_last_seq (f->connection), ==, 3);
  g_assert_cmpuint (f->gaps, ==, 0);
  g_assert_cmpuint (f->connections, ==, 1);
}

static void
assert_resumed_after (Fixture *f,
                      gint64   last_seq)
{
  CbMessage *hello = g_ptr_array_index (f->hellos, f->hellos->len - 1);
  JsonObject *resume = NULL;

  g_assert_true (cb_json_get_object (hello->object, "resume", TRUE, &resume, NULL));
  g_assert_cmpstr (json_object_get_string_member (resume, "session"), ==, "s1");
  g_assert_cmpstr (json_object_get_string_member (resume, "epoch"), ==, "e-7");
  g_assert_cmpint (json_object_get_int_member (resume, "last_seq"), ==, last_seq);
}

static void
test_gap_resumes_with_cursor (Fixture       *f,
                              gconstpointer  data)
{
  cb_connection_start (f->connection);
  wait_until (f, is_ready, 5000);

  send_event (f, 1, 1);
  send_event (f, 2, 1);
  send_event (f, 4, 1);   /* 3 never came */
  wait_until (f, has_two_hellos, 5000);

  g_assert_cmpuint (f->gaps, ==, 1);
  g_assert_cmpuint (f->messages->len, ==, 2);
  g_assert_cmpuint (f->connections, ==, 2);
  assert_resumed_after (f, 2);
  g_assert_cmpint (cb_connection_get_last_seq (f->connection), ==, 2);

  /* The replay continues the sequence. */
  send_event (f, 3, 2);
  wait_until (f, has_three_messages, 5000);
  g_assert_cmpint (cb_connection_get_last_seq (f->connection), ==, 3);
}

static void
test_heartbeat_ahead_is_a_gap (Fixture       *f,
                               gconstpointer  data)
{
  cb_connection_start (f->connection);
  wait_until (f, is_ready, 5000);

  send_event (f, 1, 1);
  send_json (f, "{\"type\":\"heartbeat\",\"seq\":1,\"server_time\":5}");
  spin_for (50);
  g_assert_cmpuint (f->gaps, ==, 0);

  /* A skipped seq that is never announced by an event. */
  send_json (f, "{\"type\":\"heartbeat\",\"seq\":2,\"server_time\":6}");
  wait_until (f, has_two_hellos, 5000);
  g_assert_cmpuint (f->gaps, ==, 1);
  assert_resumed_after (f, 1);
}

static gboolean has_client_heartbeat (Fixture *f)
{
  for (guint i = 0; i < f->received->len; i++)
    if (((CbMessage *) g_ptr_array_index (f->received, i))->type == CB_MESSAGE_HEARTBEAT)
      return TRUE;
  return FALSE;
}

static void
test_dead_peer_detected (Fixture       *f,
                         gconstpointer  data)
{
  gint64 start;
  double elapsed_ms;

  f->heartbeat_ms = 1000;
  cb_connection_start (f->connection);
  wait_until (f, is_ready, 5000);
  send_event (f, 1, 1);

  /* The client sends its own heartbeats… */
  wait_until (f, has_client_heartbeat, 3000);

  /* …and when the peer says nothing at all (a black-holed socket), it
   * gives up on the socket within 2.5 heartbeat intervals and resumes. */
  start = g_get_monotonic_time ();
  wait_until (f, has_two_hellos, 6000);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_test_message ("silent peer detected after %.0f ms (heartbeat 1000 ms)", elapsed_ms);
  g_assert_cmpfloat (elapsed_ms, <=, 2500 + 1000 + 200);
  assert_resumed_after (f, 1);
}

static void
check_fatal_close (Fixture             *f,
                   gushort              code,
                   CbConnectionFailure  failure)
{
  f->close_on_hello = code;
  cb_connection_start (f->connection);
  wait_until (f, is_failed, 5000);
  spin_for (300);   /* many backoff periods: no reconnect loop */

  g_assert_cmpint (cb_connection_get_failure (f->connection), ==, failure);
  g_assert_cmpuint (f->connections, ==, 1);
}

static void
test_token_invalid_stops (Fixture *f, gconstpointer data)
{
  check_fatal_close (f, CB_CLOSE_TOKEN_INVALID, CB_FAILURE_TOKEN);
}

static void
test_version_stops (Fixture *f, gconstpointer data)
{
  check_fatal_close (f, CB_CLOSE_VERSION, CB_FAILURE_VERSION);
}

static void
test_forbidden_stops (Fixture *f, gconstpointer data)
{
  check_fatal_close (f, CB_CLOSE_FORBIDDEN, CB_FAILURE_FORBIDDEN);
}

static void
test_taken_over_stops (Fixture *f, gconstpointer data)
{
  check_fatal_close (f, CB_CLOSE_SESSION_TAKEN, CB_FAILURE_TAKEN_OVER);
}

static gboolean has_three_connections (Fixture *f) { return f->connections >= 3; }

static void
test_server_error_retries (Fixture       *f,
                           gconstpointer  data)
{
  f->close_on_hello = CB_CLOSE_SERVER_ERROR;
  cb_connection_start (f->connection);
  wait_until (f, has_three_connections, 5000);
  g_assert_cmpint (cb_connection_get_phase (f->connection), !=, CB_PHASE_FAILED);
  g_assert_cmpuint (cb_connection_get_attempts (f->connection), >=, 2);
}

static void
test_too_big_twice_stops (Fixture       *f,
                          gconstpointer  data)
{
  f->close_on_hello = CB_CLOSE_TOO_BIG;
  cb_connection_start (f->connection);
  wait_until (f, is_failed, 5000);
  spin_for (300);
  g_assert_cmpint (cb_connection_get_failure (f->connection), ==, CB_FAILURE_TOO_BIG);
  g_assert_cmpuint (f->connections, ==, 2);
}

static void
test_too_big_then_fresh_session (Fixture       *f,
                                 gconstpointer  data)
{
  CbMessage *second;

  cb_connection_start (f->connection);
  wait_until (f, is_ready, 5000);
  send_event (f, 1, 1);
  soup_websocket_connection_close (f->peer, CB_CLOSE_TOO_BIG, "too big");
  wait_until (f, has_two_hellos, 5000);

  /* A resume would replay the same oversized message: start afresh. */
  second = g_ptr_array_index (f->hellos, 1);
  g_assert_false (json_object_has_member (second->object, "resume"));
}

static void
test_protocol_errors_limit (Fixture       *f,
                            gconstpointer  data)
{
  f->close_on_hello = CB_CLOSE_PROTOCOL_ERROR;
  cb_connection_start (f->connection);
  wait_until (f, is_failed, 10000);
  spin_for (300);
  g_assert_cmpint (cb_connection_get_failure (f->connection), ==, CB_FAILURE_PROTOCOL);
  g_assert_cmpuint (f->connections, ==, 3);
}

static gboolean has_two_connections (Fixture *f) { return f->connections >= 2; }

static void
test_second_reset_is_protocol_error (Fixture       *f,
                                     gconstpointer  data)
{
  f->resets_after_welcome = 2;
  cb_connection_start (f->connection);
  wait_until (f, has_two_connections, 5000);

  /* The first reset reaches the sync layer; the second one is refused. */
  g_assert_cmpuint (f->messages->len, >=, 1);
  g_assert_cmpint (((CbMessage *) g_ptr_array_index (f->messages, 0))->type, ==, CB_MESSAGE_RESET);
  for (guint i = 1; i < f->messages->len; i++)
    g_assert_cmpint (((CbMessage *) g_ptr_array_index (f->messages, i))->type, !=, CB_MESSAGE_RESET);
}

static void
test_welcome_seq_starts_sequence (Fixture       *f,
                                  gconstpointer  data)
{
  f->welcome_seq = 41;
  cb_connection_start (f->connection);
  wait_until (f, is_ready, 5000);
  g_assert_cmpint (cb_connection_get_last_seq (f->connection), ==, 41);
  send_event (f, 42, 1);
  send_event (f, 43, 2);
  send_event (f, 44, 3);
  wait_until (f, has_three_messages, 5000);
  g_assert_cmpuint (f->gaps, ==, 0);
}

static void
test_no_common_subprotocol (Fixture       *f,
                            gconstpointer  data)
{
  cb_connection_start (f->connection);
  wait_until (f, is_failed, 5000);
  spin_for (300);
  g_assert_cmpint (cb_connection_get_failure (f->connection), ==, CB_FAILURE_VERSION);
}

static void
test_malformed_frame_reconnects (Fixture       *f,
                                 gconstpointer  data)
{
  cb_connection_start (f->connection);
  wait_until (f, is_ready, 5000);
  send_event (f, 1, 1);
  send_json (f, "{\"type\":\"event\",\"seq\":\"two\"}");
  wait_until (f, has_two_hellos, 5000);
  assert_resumed_after (f, 1);
}

static void
test_requests (Fixture       *f,
               gconstpointer  data)
{
  CbTestReply ok = { 0 }, offline = { 0 }, timeout = { 0 };
  g_autoptr(JsonNode) payload = json_from_string ("{\"agent\":\"a1\",\"state\":\"paused\"}", NULL);
  CbMessage *sent;

  /* Offline: refused at once, not queued. */
  cb_connection_request_async (f->connection, "ping", NULL, -1, NULL, 1000, NULL, cb_test_reply_done, &offline);
  cb_test_reply_wait (&offline);
  g_assert_error (offline.error, CB_REQUEST_ERROR, CB_ERROR_BACKEND_UNAVAILABLE);
  g_clear_error (&offline.error);

  cb_connection_start (f->connection);
  wait_until (f, is_ready, 5000);

  cb_connection_request_async (f->connection, "agent.set_state", payload, 12, "k-42", 2000, NULL,
                               cb_test_reply_done, &ok);
  cb_test_reply_wait (&ok);
  g_assert_no_error (ok.error);
  g_assert_true (ok.response->ok);
  g_assert_cmpstr (json_object_get_string_member (ok.response->data, "op"), ==, "agent.set_state");

  sent = g_ptr_array_index (f->received, f->received->len - 1);
  g_assert_cmpint (sent->type, ==, CB_MESSAGE_REQUEST);
  g_assert_cmpint (json_object_get_int_member (sent->object, "if_rev"), ==, 12);
  g_assert_cmpstr (json_object_get_string_member (sent->object, "idem"), ==, "k-42");
  g_assert_cmpstr (json_object_get_string_member (sent->data, "state"), ==, "paused");
  g_clear_pointer (&ok.response, cb_message_unref);

  f->answer_requests = FALSE;
  cb_connection_request_async (f->connection, "ping", NULL, -1, NULL, 150, NULL, cb_test_reply_done, &timeout);
  cb_test_reply_wait (&timeout);
  g_assert_error (timeout.error, CB_REQUEST_ERROR, CB_ERROR_TIMEOUT);
  g_clear_error (&timeout.error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/callboard/connection/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("handshake", test_handshake, NULL);
  ADD ("events-in-order-duplicates-dropped", test_events_in_order_duplicates_dropped, NULL);
  ADD ("gap-resumes-with-cursor", test_gap_resumes_with_cursor, NULL);
  ADD ("heartbeat-ahead-is-a-gap", test_heartbeat_ahead_is_a_gap, NULL);
  ADD ("dead-peer-detected", test_dead_peer_detected, NULL);
  ADD ("token-invalid-stops", test_token_invalid_stops, NULL);
  ADD ("version-stops", test_version_stops, NULL);
  ADD ("forbidden-stops", test_forbidden_stops, NULL);
  ADD ("taken-over-stops", test_taken_over_stops, NULL);
  ADD ("server-error-retries", test_server_error_retries, NULL);
  ADD ("too-big-twice-stops", test_too_big_twice_stops, NULL);
  ADD ("too-big-then-fresh-session", test_too_big_then_fresh_session, NULL);
  ADD ("protocol-errors-limit", test_protocol_errors_limit, NULL);
  ADD ("second-reset-is-protocol-error", test_second_reset_is_protocol_error, NULL);
  ADD ("welcome-seq-starts-sequence", test_welcome_seq_starts_sequence, NULL);
  ADD ("no-common-subprotocol", test_no_common_subprotocol, "none");
  ADD ("malformed-frame-reconnects", test_malformed_frame_reconnects, NULL);
  ADD ("requests", test_requests, NULL);

  return g_test_run ();
}
