/* cb-connection.c — one websocket session with a backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Speaks the transport half of docs/protocol.md: the upgrade with the
 * bearer token and the callboard.v1 subprotocol, hello/welcome with an
 * optional resume cursor, application heartbeats both ways, dead-peer
 * detection (no data for 2.5 × the heartbeat interval), seq continuity
 * (a duplicate is dropped, a gap or a heartbeat ahead of us reconnects with
 * the cursor so the backend replays), requests matched to responses by id
 * with a timeout, and the close-code policy: codes that retrying cannot fix
 * (4401, 4403, 4406, 4409, repeated 1009) stop in CB_PHASE_FAILED with a
 * reason; everything else reconnects with exponential backoff and jitter.
 *
 * What the messages mean (snapshots, events, resets) is the sync layer's
 * business: it receives them through the "message" signal in seq order.
 */
#define G_LOG_DOMAIN "cb-connection"

#include "config.h"

#include <libsoup/soup.h>

#include "cb-connection.h"

#define CLIENT_MAX_MESSAGE     (16 * 1024 * 1024)
#define HANDSHAKE_TIMEOUT_MS   15000     /* §2.7 */
#define DEFAULT_HEARTBEAT_MS   15000
#define STABLE_AFTER_MS        60000     /* §14.4: n resets after 60 s up */
#define RATE_LIMIT_MIN_MS      30000     /* §14.3, 4429 */
#define GOING_AWAY_SPREAD_MS   3000      /* §14.3, 4503 */
#define PROTOCOL_ERROR_LIMIT   3         /* 4000 closes … */
#define PROTOCOL_ERROR_WINDOW  (5 * 60 * G_USEC_PER_SEC)   /* … within 5 minutes */
#define TOO_BIG_WINDOW         (60 * G_USEC_PER_SEC)       /* two 1009 within 60 s */

enum {
  PROP_0,
  PROP_PHASE,
  PROP_FAILURE,
  N_PROPS
};

enum {
  MESSAGE,
  WELCOME,
  GAP,
  CLOSED,
  N_SIGNALS
};

struct _CbConnection
{
  GObject parent_instance;

  /* owned references */
  char                    *url;
  char                    *token;
  char                    *client_name;
  char                    *client_version;
  GTlsCertificate         *trusted;
  SoupSession             *soup;
  SoupWebsocketConnection *socket;
  GCancellable            *cancellable;
  CbMessage               *welcome;
  GHashTable              *pending;          /* request id → GTask */
  GRand                   *rand;
  GMainContext            *context;          /* where the connection lives */

  char                    *session;
  char                    *epoch;
  gint64                   last_seq;
  gint64                   max_seq_this_connection;
  gint64                   protocol_errors[PROTOCOL_ERROR_LIMIT];   /* monotonic µs */
  gint64                   last_too_big_us;

  guint                    backoff_initial_ms;
  guint                    backoff_max_ms;
  guint                    attempts;
  guint                    request_counter;
  guint                    heartbeat_ms;
  gsize                    max_message;
  CbSilence                silence;
  gint64                   ready_since_us;
  gint64                   skew_ms;           /* server clock − local clock */
  gushort                  local_close_code;  /* why libsoup closed the socket itself */

  guint                    retry_source;
  guint                    heartbeat_source;
  guint                    liveness_source;
  guint                    handshake_source;

  CbConnectionPhase        phase;
  CbConnectionFailure      failure;
  guint                    stopping : 1;
  guint                    got_reset : 1;
  guint                    fresh_session : 1;   /* next hello without resume (after 1009) */
};

G_DEFINE_FINAL_TYPE (CbConnection, cb_connection, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Timers run in the context the connection was made in (a store's worker
 * thread, or the main context), never implicitly in the global default. */
static guint
add_timeout (CbConnection *self,
             guint         ms,
             GSourceFunc   func)
{
  g_autoptr(GSource) source = g_timeout_source_new (ms);
  guint id;

  g_source_set_callback (source, func, self, NULL);
  id = g_source_attach (source, self->context);
  return id;
}

static void
remove_source (CbConnection *self,
               guint        *id)
{
  if (*id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, *id);

      if (source != NULL)
        g_source_destroy (source);
      *id = 0;
    }
}

/* What a pending request's task carries. */
typedef struct
{
  char    *id;
  GSource *timeout;
} Request;

static void
request_free (Request *request)
{
  if (request->timeout != NULL)
    {
      g_source_destroy (request->timeout);
      g_source_unref (request->timeout);
    }
  g_free (request->id);
  g_free (request);
}

/* Completes @task (a pending request) and releases its timeout. */
static void
request_complete (GTask     *task,
                  CbMessage *response,
                  GError    *error)
{
  Request *request = g_task_get_task_data (task);

  if (request->timeout != NULL)
    {
      g_source_destroy (request->timeout);
      g_clear_pointer (&request->timeout, g_source_unref);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, cb_message_ref (response), (GDestroyNotify) cb_message_unref);
  g_object_unref (task);
}

static void connect_now (CbConnection *self);

static void
set_phase (CbConnection      *self,
           CbConnectionPhase  phase)
{
  if (self->phase == phase)
    return;

  g_debug ("phase %d → %d", self->phase, phase);
  self->phase = phase;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
}

static void
fail (CbConnection        *self,
      CbConnectionFailure  failure)
{
  self->failure = failure;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILURE]);
  set_phase (self, CB_PHASE_FAILED);
}

static void
fail_pending_requests (CbConnection *self,
                       const char   *why)
{
  g_autoptr(GList) tasks = g_hash_table_get_values (self->pending);

  g_hash_table_steal_all (self->pending);
  for (GList *l = tasks; l != NULL; l = l->next)
    {
      request_complete (l->data, NULL,
                        g_error_new (CB_REQUEST_ERROR, CB_ERROR_BACKEND_UNAVAILABLE, "%s", why));
    }
}

static void
clear_socket (CbConnection *self)
{
  remove_source (self, &self->heartbeat_source);
  remove_source (self, &self->liveness_source);
  remove_source (self, &self->handshake_source);

  if (self->socket != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->socket, self);
      if (soup_websocket_connection_get_state (self->socket) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->socket);
    }
}

static gboolean
on_retry (gpointer user_data)
{
  CbConnection *self = CB_CONNECTION (user_data);

  self->retry_source = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* §14.4: delay(n) = min(cap, base × 2^n) × (0.5 + random[0, 0.5)), so a
 * floor of consoles that lost the same backend do not come back in step.
 * @immediate makes the first attempt after a dead socket or a gap at once. */
static void
schedule_retry_full (CbConnection *self,
                     guint         minimum_ms,
                     gboolean      immediate)
{
  guint64 delay = self->backoff_initial_ms;
  guint64 jittered;

  if (self->stopping || self->phase == CB_PHASE_FAILED)
    return;

  for (guint i = 0; i < self->attempts && delay < self->backoff_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->backoff_max_ms);
  jittered = (guint64) (delay * (0.5 + g_rand_double_range (self->rand, 0.0, 0.5)));
  if (immediate && self->attempts == 0)
    jittered = 0;
  jittered = MAX (jittered, minimum_ms);

  self->attempts++;
  g_debug ("retry %u in %" G_GUINT64_FORMAT " ms", self->attempts, jittered);
  set_phase (self, CB_PHASE_BACKOFF);
  remove_source (self, &self->retry_source);
  self->retry_source = add_timeout (self, (guint) jittered, on_retry);
}

static void
schedule_retry (CbConnection *self,
                guint         minimum_ms)
{
  schedule_retry_full (self, minimum_ms, FALSE);
}

/* Closes the socket with @code (when it can still send) and resumes at
 * once: the cursor makes the backend replay what was missed. */
static void
reconnect_now (CbConnection *self,
               gushort       code,
               const char   *why)
{
  g_debug ("reconnecting: %s", why);
  if (self->socket != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->socket, self);
      if (soup_websocket_connection_get_state (self->socket) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->socket, code, why);
    }
  clear_socket (self);
  fail_pending_requests (self, why);
  schedule_retry_full (self, 0, TRUE);
}

/* Parses "retry_after=<seconds>" from a close reason (§14.3). */
static guint
retry_after_ms (const char *reason)
{
  const char *found = reason ? strstr (reason, "retry_after=") : NULL;
  guint64 seconds;

  if (found == NULL)
    return 0;
  seconds = g_ascii_strtoull (found + strlen ("retry_after="), NULL, 10);
  return (guint) MIN (seconds, 3600) * 1000;
}

static gboolean
too_many_protocol_errors (CbConnection *self)
{
  gint64 now = g_get_monotonic_time ();

  memmove (self->protocol_errors, self->protocol_errors + 1,
           sizeof self->protocol_errors[0] * (PROTOCOL_ERROR_LIMIT - 1));
  self->protocol_errors[PROTOCOL_ERROR_LIMIT - 1] = now;

  return self->protocol_errors[0] != 0 && now - self->protocol_errors[0] <= PROTOCOL_ERROR_WINDOW;
}

/* Closes with 4000; a protocol error is a bug on one side (§14.3). */
static void
protocol_error (CbConnection *self,
                const char   *why)
{
  g_message ("Protocol error: %s", why);
  if (self->socket != NULL)
    soup_websocket_connection_close (self->socket, CB_CLOSE_PROTOCOL_ERROR, why);
}

static JsonNode *
build_hello (CbConnection *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "hello");
  json_builder_set_member_name (b, "client");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, self->client_name);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, self->client_version);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "features");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "max_message_bytes");
  json_builder_add_int_value (b, CLIENT_MAX_MESSAGE);
  if (self->session != NULL && self->epoch != NULL && !self->fresh_session)
    {
      json_builder_set_member_name (b, "resume");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "session");
      json_builder_add_string_value (b, self->session);
      json_builder_set_member_name (b, "epoch");
      json_builder_add_string_value (b, self->epoch);
      json_builder_set_member_name (b, "last_seq");
      json_builder_add_int_value (b, self->last_seq);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

static gboolean
on_heartbeat (gpointer user_data)
{
  CbConnection *self = CB_CONNECTION (user_data);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (self->ready_since_us != 0
      && g_get_monotonic_time () - self->ready_since_us > STABLE_AFTER_MS * 1000)
    self->attempts = 0;

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "heartbeat");
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, self->last_seq);
  json_builder_set_member_name (b, "client_time");
  json_builder_add_int_value (b, g_get_real_time () / 1000);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  cb_connection_send (self, node, NULL);

  return G_SOURCE_CONTINUE;
}

/* §6.4: the first estimate from welcome, then every heartbeat. */
static void
update_skew (CbConnection *self,
             CbMessage    *message)
{
  gint64 server_time = 0;

  if (cb_json_get_int (message->object, "server_time", FALSE, 0, &server_time, NULL) && server_time > 0)
    self->skew_ms = server_time - g_get_real_time () / 1000;
}

/* Checked four times per heartbeat interval, so a dead peer is found
 * within 2.5 intervals (§6.3), not up to a whole interval later. */
static guint
liveness_ms (CbConnection *self)
{
  return MAX (self->heartbeat_ms / 4, 100);
}

static gboolean
on_liveness (gpointer user_data)
{
  CbConnection *self = CB_CONNECTION (user_data);
  gint64 silent_us = cb_silence_check (&self->silence, (gint64) liveness_ms (self) * 1000,
                                       g_get_monotonic_time ());

  if (silent_us > (gint64) (CB_PROTOCOL_DEAD_FACTOR * self->heartbeat_ms * 1000))
    {
      /* Half-open: nothing arrives, and a close handshake would never be
       * answered. Drop the stream and resume elsewhere in time. */
      self->liveness_source = 0;
      reconnect_now (self, CB_CLOSE_HELLO_TIMEOUT, "heartbeat timeout");
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
handle_welcome (CbConnection *self,
                CbMessage    *message)
{
  gint64 seq = 0, heartbeat_ms = DEFAULT_HEARTBEAT_MS, max_message = 0;
  const char *epoch = NULL;
  JsonObject *limits = NULL;
  gboolean resumed = FALSE;
  g_autoptr(GError) error = NULL;

  if (!cb_json_get_string (message->object, "epoch", TRUE, &epoch, &error)
      || !cb_json_get_int (message->object, "seq", TRUE, 0, &seq, &error)
      || !cb_json_get_int (message->object, "heartbeat_ms", FALSE, 1000, &heartbeat_ms, &error)
      || !cb_json_get_bool (message->object, "resumed", FALSE, &resumed, &error)
      || !cb_json_get_object (message->object, "limits", FALSE, &limits, &error)
      || (limits != NULL
          && !cb_json_get_int (limits, "max_message_bytes", FALSE, 1024, &max_message, &error)))
    {
      protocol_error (self, error->message);
      return;
    }

  remove_source (self, &self->handshake_source);
  update_skew (self, message);
  g_clear_pointer (&self->welcome, cb_message_unref);
  self->welcome = cb_message_ref (message);

  if (!resumed || g_strcmp0 (self->session, message->id) != 0 || g_strcmp0 (epoch, self->epoch) != 0)
    {
      /* A new session: its seq starts where welcome says. */
      g_free (self->session);
      g_free (self->epoch);
      self->session = g_strdup (message->id);
      self->epoch = g_strdup (epoch);
      self->last_seq = seq;
    }
  self->fresh_session = FALSE;
  self->got_reset = FALSE;
  self->max_seq_this_connection = 0;

  self->heartbeat_ms = (guint) CLAMP (heartbeat_ms, 1000, 600000);
  self->max_message = max_message > 0 ? (gsize) max_message : CB_PROTOCOL_DEFAULT_MAX_MESSAGE;
  self->ready_since_us = g_get_monotonic_time ();

  remove_source (self, &self->heartbeat_source);
  self->heartbeat_source = add_timeout (self, self->heartbeat_ms, on_heartbeat);
  remove_source (self, &self->liveness_source);
  self->liveness_source = add_timeout (self, liveness_ms (self), on_liveness);

  set_phase (self, CB_PHASE_READY);
  g_signal_emit (self, signals[WELCOME], 0, message);
}

static void
handle_response (CbConnection *self,
                 CbMessage    *message)
{
  GTask *task = NULL;

  if (!g_hash_table_steal_extended (self->pending, message->id, NULL, (gpointer *) &task))
    {
      g_debug ("response to unknown request %s (timed out?)", message->id);
      return;
    }

  request_complete (task, message, NULL);
}

static void handle_text (CbConnection *self, const char *text, gsize length);

static void
on_socket_message (SoupWebsocketConnection *socket,
                   gint                     type,
                   GBytes                  *bytes,
                   gpointer                 user_data)
{
  CbConnection *self = CB_CONNECTION (user_data);
  gsize length;
  const char *text = g_bytes_get_data (bytes, &length);

  cb_silence_heard (&self->silence, g_get_monotonic_time ());

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      protocol_error (self, "binary frame on the control socket");
      return;
    }

  handle_text (self, text, length);
}

/* Decodes one text frame and acts on it: the whole receiving side. */
static void
handle_text (CbConnection *self,
             const char   *text,
             gsize         length)
{
  g_autoptr(CbMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  message = cb_message_decode (text, length, self->max_message ? self->max_message : CLIENT_MAX_MESSAGE, &error);
  if (message == NULL)
    {
      protocol_error (self, error->message);
      return;
    }

  if (self->phase == CB_PHASE_HANDSHAKE)
    {
      if (message->type == CB_MESSAGE_WELCOME)
        handle_welcome (self, message);
      else
        protocol_error (self, "expected welcome");
      return;
    }

  switch (message->type)
    {
    case CB_MESSAGE_EVENT:
      if (message->seq <= self->last_seq)
        {
          g_debug ("dropping duplicate event seq %" G_GINT64_FORMAT, message->seq);
          return;
        }
      if (message->seq != self->last_seq + 1)
        {
          g_signal_emit (self, signals[GAP], 0, self->last_seq + 1, message->seq);
          reconnect_now (self, CB_CLOSE_NORMAL, "a seq was skipped");
          return;
        }
      self->last_seq = message->seq;
      self->max_seq_this_connection = message->seq;
      g_signal_emit (self, signals[MESSAGE], 0, message);
      break;

    case CB_MESSAGE_HEARTBEAT:
      update_skew (self, message);
      if (message->seq < self->max_seq_this_connection)
        protocol_error (self, "heartbeat seq went backwards");
      else if (message->seq > self->last_seq)
        {
          /* The backend has sent events we never saw. */
          g_signal_emit (self, signals[GAP], 0, self->last_seq + 1, message->seq);
          reconnect_now (self, CB_CLOSE_NORMAL, "heartbeat is ahead of the last event");
        }
      break;

    case CB_MESSAGE_RESPONSE:
      handle_response (self, message);
      break;

    case CB_MESSAGE_RESET:
      /* The cursor is void; the new session from welcome stands and the
       * sync layer resubscribes. Exactly one per connection (§7.3). */
      if (self->got_reset)
        {
          protocol_error (self, "a second reset on one connection");
          return;
        }
      self->got_reset = TRUE;
      g_signal_emit (self, signals[MESSAGE], 0, message);
      break;

    case CB_MESSAGE_UNKNOWN:
      g_debug ("ignoring message of unknown type “%s”", message->type_name);
      break;

    case CB_MESSAGE_WELCOME:
    case CB_MESSAGE_SNAPSHOT:
    case CB_MESSAGE_HELLO:
    case CB_MESSAGE_SUBSCRIBE:
    case CB_MESSAGE_UNSUBSCRIBE:
    case CB_MESSAGE_REQUEST:
    default:
      g_signal_emit (self, signals[MESSAGE], 0, message);
      break;
    }
}

static void
on_socket_error (SoupWebsocketConnection *socket,
                 GError                  *error,
                 gpointer                 user_data)
{
  CbConnection *self = CB_CONNECTION (user_data);

  g_debug ("socket error: %s", error->message);
  if (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG))
    self->local_close_code = CB_CLOSE_TOO_BIG;
}

static void
on_socket_closed (SoupWebsocketConnection *socket,
                  gpointer                 user_data)
{
  CbConnection *self = CB_CONNECTION (user_data);
  gushort code = soup_websocket_connection_get_close_code (socket);
  const char *reason = soup_websocket_connection_get_close_data (socket);
  g_autofree char *why = NULL;

  /* A frame over our limit: libsoup closes with 1009 itself, and the code
   * it reports is the peer's (none). Treat it as the 1009 it is. */
  if (code == 0 && self->local_close_code != 0)
    code = self->local_close_code;
  self->local_close_code = 0;
  why = g_strdup_printf ("closed with %u %s", code, reason ? reason : "");

  g_debug ("%s", why);
  g_signal_emit (self, signals[CLOSED], 0, (guint) code, reason);

  clear_socket (self);
  fail_pending_requests (self, why);

  if (self->stopping)
    return;

  switch (code)
    {
    case CB_CLOSE_TOKEN_INVALID:
      fail (self, CB_FAILURE_TOKEN);
      break;
    case CB_CLOSE_FORBIDDEN:
      fail (self, CB_FAILURE_FORBIDDEN);
      break;
    case CB_CLOSE_VERSION:
      fail (self, CB_FAILURE_VERSION);
      break;
    case CB_CLOSE_SESSION_TAKEN:
      fail (self, CB_FAILURE_TAKEN_OVER);
      break;
    case CB_CLOSE_PROTOCOL_ERROR:
      if (too_many_protocol_errors (self))
        fail (self, CB_FAILURE_PROTOCOL);
      else
        schedule_retry (self, 0);
      break;
    case CB_CLOSE_TOO_BIG:
      {
        gint64 now = g_get_monotonic_time ();

        /* Once may be one odd message; twice within 60 s, reconnecting
         * cannot help. The next session is fresh: a resume would replay
         * the same message. */
        if (self->last_too_big_us != 0 && now - self->last_too_big_us <= TOO_BIG_WINDOW)
          fail (self, CB_FAILURE_TOO_BIG);
        else
          {
            self->last_too_big_us = now;
            self->fresh_session = TRUE;
            schedule_retry (self, 0);
          }
      }
      break;
    case CB_CLOSE_RATE_LIMITED:
      schedule_retry (self, MAX (RATE_LIMIT_MIN_MS, retry_after_ms (reason)));
      break;
    case CB_CLOSE_GOING_AWAY:
    case CB_CLOSE_GOING_AWAY_WS:
      schedule_retry (self, MAX (retry_after_ms (reason),
                                 (guint) g_rand_int_range (self->rand, 0, GOING_AWAY_SPREAD_MS)));
      break;
    default:
      /* 1000, 1006, 4408, 4500, and unknown codes (§14.3: as 4500 or 1006) */
      schedule_retry (self, 0);
      break;
    }
}

static gboolean
on_handshake_timeout (gpointer user_data)
{
  CbConnection *self = CB_CONNECTION (user_data);

  self->handshake_source = 0;
  clear_socket (self);
  fail_pending_requests (self, "no welcome in time");
  schedule_retry (self, 0);
  return G_SOURCE_REMOVE;
}

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  CbConnection *self = CB_CONNECTION (user_data);

  /* Only the certificate the user pinned for this profile is accepted in
   * place of a verified one. */
  return self->trusted != NULL && g_tls_certificate_is_same (certificate, self->trusted);
}

static void
on_connected (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CbConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) hello = NULL;
  SoupMessage *msg = g_object_get_data (G_OBJECT (object), "cb-upgrade");
  SoupWebsocketConnection *socket;

  socket = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &error);
  if (socket == NULL)
    {
      guint status = msg ? soup_message_get_status (msg) : 0;

      g_object_set_data (object, "cb-upgrade", NULL);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->stopping)
        return;

      g_debug ("connect failed (HTTP %u): %s", status, error->message);
      /* §2.3, §2.4: HTTP refusals mean what the close codes mean. */
      if (status == SOUP_STATUS_UNAUTHORIZED)
        fail (self, CB_FAILURE_TOKEN);
      else if (status == SOUP_STATUS_FORBIDDEN)
        fail (self, CB_FAILURE_FORBIDDEN);
      else if (status == SOUP_STATUS_BAD_REQUEST || status == 426)
        fail (self, CB_FAILURE_VERSION);
      else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)
               || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_CERTIFICATE_REQUIRED))
        /* Trying again cannot make a certificate trusted; the user must. */
        fail (self, CB_FAILURE_CERTIFICATE);
      else
        schedule_retry (self, 0);
      return;
    }
  g_object_set_data (object, "cb-upgrade", NULL);

  self->socket = socket;
  if (g_strcmp0 (soup_websocket_connection_get_protocol (socket), CB_PROTOCOL_SUBPROTOCOL) != 0)
    {
      g_signal_handlers_disconnect_by_data (socket, self);
      soup_websocket_connection_close (socket, CB_CLOSE_VERSION, "no common protocol version");
      g_clear_object (&self->socket);
      fail (self, CB_FAILURE_VERSION);
      return;
    }

  soup_websocket_connection_set_max_incoming_payload_size (socket, CLIENT_MAX_MESSAGE);
  soup_websocket_connection_set_keepalive_interval (socket, 0);
  g_signal_connect (socket, "message", G_CALLBACK (on_socket_message), self);
  g_signal_connect (socket, "closed", G_CALLBACK (on_socket_closed), self);
  g_signal_connect (socket, "error", G_CALLBACK (on_socket_error), self);

  cb_silence_heard (&self->silence, g_get_monotonic_time ());
  set_phase (self, CB_PHASE_HANDSHAKE);
  self->handshake_source = add_timeout (self, HANDSHAKE_TIMEOUT_MS, on_handshake_timeout);

  hello = build_hello (self);
  cb_connection_send (self, hello, NULL);
}

static void
connect_now (CbConnection *self)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *authorization = NULL;
  const char *protocols[] = { CB_PROTOCOL_SUBPROTOCOL, NULL };

  msg = soup_message_new ("GET", self->url);
  if (msg == NULL)
    {
      fail (self, CB_FAILURE_BAD_URL);
      return;
    }

  authorization = g_strdup_printf ("Bearer %s", self->token ? self->token : "");
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  g_signal_connect_object (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), self, 0);

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_phase (self, CB_PHASE_CONNECTING);

  g_object_set_data_full (G_OBJECT (self->soup), "cb-upgrade", g_object_ref (msg), g_object_unref);
  soup_session_websocket_connect_async (self->soup, msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, self->cancellable,
                                        on_connected, g_object_ref (self));
}

static void
cb_connection_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CbConnection *self = CB_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_PHASE:
      g_value_set_int (value, self->phase);
      break;
    case PROP_FAILURE:
      g_value_set_int (value, self->failure);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_connection_dispose (GObject *object)
{
  CbConnection *self = CB_CONNECTION (object);

  self->stopping = TRUE;
  g_cancellable_cancel (self->cancellable);
  remove_source (self, &self->retry_source);
  clear_socket (self);
  if (self->pending != NULL)
    fail_pending_requests (self, "connection closed");
  g_clear_object (&self->cancellable);
  g_clear_object (&self->soup);
  g_clear_object (&self->trusted);
  g_clear_pointer (&self->welcome, cb_message_unref);

  G_OBJECT_CLASS (cb_connection_parent_class)->dispose (object);
}

static void
cb_connection_finalize (GObject *object)
{
  CbConnection *self = CB_CONNECTION (object);

  if (self->token != NULL)
    explicit_bzero (self->token, strlen (self->token));
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->client_name, g_free);
  g_clear_pointer (&self->client_version, g_free);
  g_clear_pointer (&self->session, g_free);
  g_clear_pointer (&self->epoch, g_free);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (cb_connection_parent_class)->finalize (object);
}

static void
cb_connection_class_init (CbConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cb_connection_get_property;
  object_class->dispose = cb_connection_dispose;
  object_class->finalize = cb_connection_finalize;

  properties[PROP_PHASE] =
    g_param_spec_int ("phase", NULL, NULL, CB_PHASE_IDLE, CB_PHASE_FAILED, CB_PHASE_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FAILURE] =
    g_param_spec_int ("failure", NULL, NULL, CB_FAILURE_NONE, CB_FAILURE_BAD_URL, CB_FAILURE_NONE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CbConnection::message:
   *
   * A message for the sync layer, in the order received; events arrive
   * here only in seq order, without duplicates.
   */
  signals[MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                   CB_TYPE_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[WELCOME] = g_signal_new ("welcome", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                   CB_TYPE_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * CbConnection::gap:
   * @expected: the seq that should have come
   * @seen: the seq that came (or that a heartbeat announced)
   *
   * Emitted before the connection resumes to fill the gap.
   */
  signals[GAP] = g_signal_new ("gap", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                               0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
}

static void
cb_connection_init (CbConnection *self)
{
  /* Keys are borrowed from each task's Request, which outlives its entry. */
  self->pending = g_hash_table_new (g_str_hash, g_str_equal);
  self->rand = g_rand_new ();
  self->backoff_initial_ms = 1000;
  self->backoff_max_ms = 30000;
  self->heartbeat_ms = DEFAULT_HEARTBEAT_MS;
  self->client_name = g_strdup ("callboard");
  self->client_version = g_strdup (PACKAGE_VERSION);
  self->soup = soup_session_new_with_options ("timeout", 30, "idle-timeout", 0, NULL);
  self->context = g_main_context_ref_thread_default ();
}

CbConnection *
cb_connection_new (const char *url,
                   const char *token)
{
  CbConnection *self;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (CB_TYPE_CONNECTION, NULL);
  self->url = g_strdup (url);
  self->token = g_strdup (token);
  return self;
}

void
cb_connection_set_client (CbConnection *self,
                          const char   *name,
                          const char   *version)
{
  g_return_if_fail (CB_IS_CONNECTION (self));

  g_free (self->client_name);
  g_free (self->client_version);
  self->client_name = g_strdup (name);
  self->client_version = g_strdup (version);
}

/**
 * cb_connection_set_trusted_certificate:
 * @certificate: (nullable): a certificate to accept although it does not
 *   verify, as for a lab server the user pinned; %NULL to verify all
 */
void
cb_connection_set_trusted_certificate (CbConnection    *self,
                                       GTlsCertificate *certificate)
{
  g_return_if_fail (CB_IS_CONNECTION (self));
  g_set_object (&self->trusted, certificate);
}

/**
 * cb_connection_set_resume:
 *
 * The cursor the cache stored: the next hello asks the backend to resume
 * after @last_seq of @session.
 */
void
cb_connection_set_resume (CbConnection *self,
                          const char   *session,
                          const char   *epoch,
                          gint64        last_seq)
{
  g_return_if_fail (CB_IS_CONNECTION (self));

  g_free (self->session);
  g_free (self->epoch);
  self->session = g_strdup (session);
  self->epoch = g_strdup (epoch);
  self->last_seq = last_seq;
}

void
cb_connection_set_backoff (CbConnection *self,
                           guint         initial_ms,
                           guint         max_ms)
{
  g_return_if_fail (CB_IS_CONNECTION (self));
  g_return_if_fail (initial_ms > 0 && max_ms >= initial_ms);

  self->backoff_initial_ms = initial_ms;
  self->backoff_max_ms = max_ms;
}

void
cb_connection_start (CbConnection *self)
{
  g_return_if_fail (CB_IS_CONNECTION (self));

  if (self->phase != CB_PHASE_IDLE && self->phase != CB_PHASE_FAILED)
    return;

  self->stopping = FALSE;
  self->failure = CB_FAILURE_NONE;
  self->attempts = 0;
  connect_now (self);
}

void
cb_connection_stop (CbConnection *self)
{
  g_return_if_fail (CB_IS_CONNECTION (self));

  self->stopping = TRUE;
  g_cancellable_cancel (self->cancellable);
  remove_source (self, &self->retry_source);
  clear_socket (self);
  fail_pending_requests (self, "connection stopped");
  set_phase (self, CB_PHASE_IDLE);
}

/**
 * cb_connection_drop:
 *
 * Closes the socket with @code and reconnects (with resume) after backoff.
 */
void
cb_connection_drop (CbConnection *self,
                    gushort       code,
                    const char   *reason)
{
  g_return_if_fail (CB_IS_CONNECTION (self));

  if (self->socket != NULL)
    soup_websocket_connection_close (self->socket, code, reason);
}

CbConnectionPhase
cb_connection_get_phase (CbConnection *self)
{
  g_return_val_if_fail (CB_IS_CONNECTION (self), CB_PHASE_IDLE);
  return self->phase;
}

CbConnectionFailure
cb_connection_get_failure (CbConnection *self)
{
  g_return_val_if_fail (CB_IS_CONNECTION (self), CB_FAILURE_NONE);
  return self->failure;
}

/**
 * cb_connection_get_welcome:
 *
 * Returns: (transfer none) (nullable): the last welcome
 */
CbMessage *
cb_connection_get_welcome (CbConnection *self)
{
  g_return_val_if_fail (CB_IS_CONNECTION (self), NULL);
  return self->welcome;
}

const char *
cb_connection_get_session (CbConnection *self)
{
  g_return_val_if_fail (CB_IS_CONNECTION (self), NULL);
  return self->session;
}

const char *
cb_connection_get_epoch (CbConnection *self)
{
  g_return_val_if_fail (CB_IS_CONNECTION (self), NULL);
  return self->epoch;
}

gint64
cb_connection_get_last_seq (CbConnection *self)
{
  g_return_val_if_fail (CB_IS_CONNECTION (self), 0);
  return self->last_seq;
}

/**
 * cb_connection_receive_text:
 *
 * Handles @text as if it had arrived on the socket. For benchmarks that
 * measure what happens after the socket; the connection must be ready.
 */
void
cb_connection_receive_text (CbConnection *self,
                            const char   *text,
                            gsize         length)
{
  g_return_if_fail (CB_IS_CONNECTION (self));
  g_return_if_fail (self->phase == CB_PHASE_READY);

  cb_silence_heard (&self->silence, g_get_monotonic_time ());
  handle_text (self, text, length);
}

/* The server's clock minus ours, in ms (§6.4). */
gint64
cb_connection_get_skew_ms (CbConnection *self)
{
  g_return_val_if_fail (CB_IS_CONNECTION (self), 0);
  return self->skew_ms;
}

guint
cb_connection_get_attempts (CbConnection *self)
{
  g_return_val_if_fail (CB_IS_CONNECTION (self), 0);
  return self->attempts;
}

gboolean
cb_connection_send (CbConnection  *self,
                    JsonNode      *message,
                    GError       **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (CB_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  if (self->socket == NULL
      || soup_websocket_connection_get_state (self->socket) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, CB_REQUEST_ERROR, CB_ERROR_BACKEND_UNAVAILABLE,
                           "not connected");
      return FALSE;
    }

  text = cb_message_encode (message, NULL);
  soup_websocket_connection_send_text (self->socket, text);
  return TRUE;
}

char *
cb_connection_new_request_id (CbConnection *self)
{
  g_return_val_if_fail (CB_IS_CONNECTION (self), NULL);
  return g_strdup_printf ("r%u", ++self->request_counter);
}

static gboolean
on_request_timeout (gpointer user_data)
{
  GTask *task = user_data;
  CbConnection *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);

  /* This source is being dispatched; it goes away by itself. */
  g_clear_pointer (&request->timeout, g_source_unref);
  if (g_hash_table_steal (self->pending, request->id))
    request_complete (task, NULL, g_error_new (CB_REQUEST_ERROR, CB_ERROR_TIMEOUT,
                                               "no answer to request %s in time", request->id));

  return G_SOURCE_REMOVE;
}

/**
 * cb_connection_call_async:
 * @message: a message object without "id" (a req, subscribe or unsubscribe);
 *   an "id" is added to it
 * @timeout_ms: how long to wait for the response
 *
 * Sends @message and completes with the `res` that carries its id. The
 * result is the response message, ok or not, as the backend said; only
 * transport failures (not connected, timeout, lost connection) are errors
 * in the #CB_REQUEST_ERROR domain.
 */
void
cb_connection_call_async (CbConnection        *self,
                          JsonObject          *message,
                          guint                timeout_ms,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  Request *request;
  const char *id;

  g_return_if_fail (CB_IS_CONNECTION (self));
  g_return_if_fail (message != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cb_connection_call_async);

  if (self->phase != CB_PHASE_READY)
    {
      g_task_return_new_error (task, CB_REQUEST_ERROR, CB_ERROR_BACKEND_UNAVAILABLE,
                               "not connected to the backend");
      return;
    }

  request = g_new0 (Request, 1);
  request->id = cb_connection_new_request_id (self);
  id = request->id;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  json_object_set_string_member (message, "id", id);
  node = json_node_alloc ();
  json_node_init_object (node, message);

  if (!cb_connection_send (self, node, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  request->timeout = g_timeout_source_new (timeout_ms);
  g_task_attach_source (task, request->timeout, on_request_timeout);
  g_hash_table_insert (self->pending, (gpointer) id, g_steal_pointer (&task));
}

/**
 * cb_connection_call_finish:
 *
 * Returns: (transfer full): the response message
 */
CbMessage *
cb_connection_call_finish (CbConnection  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * cb_connection_request_async:
 * @data: (nullable): the request's data object
 * @if_rev: the entity revision the edit is based on, or -1
 * @idem: (nullable): an idempotency key for live commands
 *
 * Sends a `req` for @op; see cb_connection_call_async().
 */
void
cb_connection_request_async (CbConnection        *self,
                             const char          *op,
                             JsonNode            *data,
                             gint64               if_rev,
                             const char          *idem,
                             guint                timeout_ms,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(JsonObject) message = json_object_new ();

  g_return_if_fail (CB_IS_CONNECTION (self));
  g_return_if_fail (op != NULL);
  g_return_if_fail (data == NULL || JSON_NODE_HOLDS_OBJECT (data));

  json_object_set_string_member (message, "type", "req");
  json_object_set_string_member (message, "op", op);
  if (data != NULL)
    json_object_set_member (message, "data", json_node_copy (data));
  if (if_rev >= 0)
    json_object_set_int_member (message, "if_rev", if_rev);
  if (idem != NULL)
    json_object_set_string_member (message, "idem", idem);

  cb_connection_call_async (self, message, timeout_ms, cancellable, callback, user_data);
}

/**
 * cb_connection_request_finish:
 *
 * Returns: (transfer full): the response message
 */
CbMessage *
cb_connection_request_finish (CbConnection  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return cb_connection_call_finish (self, result, error);
}
