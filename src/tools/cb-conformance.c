/* cb-conformance.c — callboard-conformance: check a backend against protocol v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the checks of docs/protocol.md §17 against any backend and prints one
 * line per check: PASS, FAIL with the evidence, or SKIP with the reason. It
 * is what an adapter author runs first. Each check opens its own raw
 * websocket (a "probe") so that it controls exactly what is sent: wrong
 * subprotocols, no hello, malformed frames, a silent client, resumes with
 * forged cursors.
 */
#define G_LOG_DOMAIN "callboard-conformance"

#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>

#include "cb-message.h"

typedef enum { RESULT_PASS, RESULT_FAIL, RESULT_SKIP } Result;

static char *opt_url = NULL;
static char *opt_token = NULL;
static int opt_duration = 60;
static gboolean opt_allow_writes = FALSE;
static char *opt_only = NULL;
static guint n_pass, n_fail, n_skip;
static GPtrArray *errors_seen;   /* JsonNode of every error object, for C16 */

/* ---- probes ------------------------------------------------------------- */

typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GQueue                   inbox;        /* CbMessage */
  GPtrArray               *log;          /* CbMessage, everything received */
  guint                    http_status;
  gushort                  close_code;
  gboolean                 closed;
  gboolean                 done;
  GError                  *error;
  gint64                   closed_at_us;
  guint                    bad_frames;
  guint                    heartbeat_source;
  gint64                   last_seq;
  guint                    before_res;     /* of the inbox, how many came before the last res */
} Probe;

static void
probe_free (Probe *p)
{
  g_clear_handle_id (&p->heartbeat_source, g_source_remove);
  if (p->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (p->ws, p);
      if (soup_websocket_connection_get_state (p->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (p->ws, 1000, NULL);
      g_clear_object (&p->ws);
    }
  g_queue_clear_full (&p->inbox, (GDestroyNotify) cb_message_unref);
  g_ptr_array_unref (p->log);
  g_clear_object (&p->session);
  g_clear_error (&p->error);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Probe, probe_free)

static void
on_probe_message (SoupWebsocketConnection *ws,
                  gint                     type,
                  GBytes                  *bytes,
                  Probe                   *p)
{
  gsize length;
  const char *text = g_bytes_get_data (bytes, &length);
  g_autoptr(GError) error = NULL;
  CbMessage *m = cb_message_decode_full (text, length, 64 * 1024 * 1024, &error);

  if (m == NULL)
    {
      p->bad_frames++;
      return;
    }
  if (m->type == CB_MESSAGE_RESPONSE && !m->ok)
    g_ptr_array_add (errors_seen, json_node_ref (json_object_get_member (m->object, "error")));
  if (m->type == CB_MESSAGE_EVENT)
    p->last_seq = m->seq;
  g_ptr_array_add (p->log, cb_message_ref (m));
  g_queue_push_tail (&p->inbox, m);
}

static void
on_probe_closed (SoupWebsocketConnection *ws,
                 Probe                   *p)
{
  p->closed = TRUE;
  p->close_code = soup_websocket_connection_get_close_code (ws);
  p->closed_at_us = g_get_monotonic_time ();
}

static void
on_probe_connected (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Probe *p = user_data;
  SoupMessage *msg = g_object_get_data (object, "msg");

  p->ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &p->error);
  p->http_status = msg ? soup_message_get_status (msg) : 0;
  if (p->ws != NULL)
    {
      soup_websocket_connection_set_max_incoming_payload_size (p->ws, 64 * 1024 * 1024);
      soup_websocket_connection_set_keepalive_interval (p->ws, 0);
      g_signal_connect (p->ws, "message", G_CALLBACK (on_probe_message), p);
      g_signal_connect (p->ws, "closed", G_CALLBACK (on_probe_closed), p);
    }
  p->done = TRUE;
}

static void
iterate (void)
{
  g_main_context_iteration (NULL, FALSE);
  g_usleep (300);
}

/* Opens a websocket offering @protocols (NULL: none) with @token. */
static Probe *
probe_open (const char  *token,
            const char **protocols)
{
  Probe *p = g_new0 (Probe, 1);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", opt_url);
  g_autofree char *authorization = g_strdup_printf ("Bearer %s", token);

  p->log = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  p->session = soup_session_new ();
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  g_object_set_data_full (G_OBJECT (p->session), "msg", g_object_ref (msg), g_object_unref);
  soup_session_websocket_connect_async (p->session, msg, NULL, (char **) protocols, G_PRIORITY_DEFAULT,
                                        NULL, on_probe_connected, p);
  while (!p->done)
    iterate ();
  g_object_set_data (G_OBJECT (p->session), "msg", NULL);
  return p;
}

static void
probe_send (Probe      *p,
            const char *text)
{
  if (p->ws != NULL && soup_websocket_connection_get_state (p->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (p->ws, text);
}

/* The next message, or NULL after @timeout_ms or when closed. */
static CbMessage *
probe_next (Probe *p,
            guint  timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_queue_is_empty (&p->inbox) && !p->closed && g_get_monotonic_time () < deadline)
    iterate ();
  return g_queue_pop_head (&p->inbox);
}

static gboolean
probe_wait_closed (Probe *p,
                   guint  timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!p->closed && g_get_monotonic_time () < deadline)
    iterate ();
  return p->closed;
}

static void
probe_drain (Probe *p,
             guint  ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    iterate ();
}

static const char *protocols_v1[] = { CB_PROTOCOL_SUBPROTOCOL, NULL };

static char *
hello_text (const char *session,
            const char *epoch,
            gint64      last_seq)
{
  if (session == NULL)
    return g_strdup ("{\"type\":\"hello\",\"client\":{\"name\":\"callboard-conformance\",\"version\":\""
                     PACKAGE_VERSION "\"},\"features\":[],\"max_message_bytes\":67108864}");
  return g_strdup_printf ("{\"type\":\"hello\",\"client\":{\"name\":\"callboard-conformance\",\"version\":\""
                          PACKAGE_VERSION "\"},\"features\":[],\"max_message_bytes\":67108864,"
                          "\"resume\":{\"session\":\"%s\",\"epoch\":\"%s\",\"last_seq\":%" G_GINT64_FORMAT "}}",
                          session, epoch, last_seq);
}

static void probe_send (Probe *p, const char *text);

/* A well-behaved client sends heartbeats (§6.2), or the server may take it
 * for dead. */
static gboolean
on_probe_heartbeat (gpointer user_data)
{
  Probe *p = user_data;
  g_autofree char *text = g_strdup_printf ("{\"type\":\"heartbeat\",\"seq\":%" G_GINT64_FORMAT
                                           ",\"client_time\":%" G_GINT64_FORMAT "}",
                                           p->last_seq, g_get_real_time () / 1000);

  probe_send (p, text);
  return G_SOURCE_CONTINUE;
}

/* Opens, says hello, and returns the welcome (NULL when none came). A
 * @silent probe sends no heartbeats afterwards. */
static CbMessage *
probe_hello_full (Probe      *p,
                  const char *session,
                  const char *epoch,
                  gint64      last_seq,
                  gboolean    silent)
{
  g_autofree char *hello = hello_text (session, epoch, last_seq);
  CbMessage *m;
  gint64 heartbeat_ms = 15000;

  if (p->ws == NULL)
    return NULL;
  probe_send (p, hello);
  m = probe_next (p, 5000);
  if (m != NULL && m->type != CB_MESSAGE_WELCOME)
    {
      cb_message_unref (m);
      return NULL;
    }
  if (m != NULL)
    {
      cb_json_get_int (m->object, "seq", FALSE, 0, &p->last_seq, NULL);
      if (!silent)
        {
          cb_json_get_int (m->object, "heartbeat_ms", FALSE, 100, &heartbeat_ms, NULL);
          p->heartbeat_source = g_timeout_add ((guint) MAX (heartbeat_ms / 2, 100), on_probe_heartbeat, p);
        }
    }
  return m;
}

static CbMessage *
probe_hello (Probe      *p,
             const char *session,
             const char *epoch,
             gint64      last_seq)
{
  return probe_hello_full (p, session, epoch, last_seq, FALSE);
}

static guint request_counter;

/* Sends a message with a fresh id; waits for its res, keeping the rest. */
static CbMessage *
probe_call (Probe      *p,
            const char *json_without_id)
{
  g_autoptr(JsonNode) node = json_from_string (json_without_id, NULL);
  g_autofree char *id = g_strdup_printf ("cbconf-%u", ++request_counter);
  g_autofree char *text = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GQueue kept = G_QUEUE_INIT;
  CbMessage *res = NULL;

  json_object_set_string_member (json_node_get_object (node), "id", id);
  text = cb_message_encode (node, NULL);
  probe_send (p, text);

  while (res == NULL && !p->closed && g_get_monotonic_time () < deadline)
    {
      CbMessage *m = probe_next (p, 100);

      if (m == NULL)
        continue;
      if (m->type == CB_MESSAGE_RESPONSE && g_strcmp0 (m->id, id) == 0)
        res = m;
      else
        g_queue_push_tail (&kept, m);
    }

  /* What came meanwhile stays in the inbox, in order. */
  p->before_res = kept.length;
  while (!g_queue_is_empty (&kept))
    g_queue_push_head (&p->inbox, g_queue_pop_tail (&kept));
  return res;
}

/* ---- reporting ------------------------------------------------------------ */

static gboolean
selected (const char *id)
{
  g_auto(GStrv) only = NULL;

  if (opt_only == NULL)
    return TRUE;
  only = g_strsplit (opt_only, ",", -1);
  return g_strv_contains ((const char * const *) only, id);
}

static void
report (const char *id,
        const char *title,
        Result      result,
        const char *format,
        ...) G_GNUC_PRINTF (4, 5);

static void
report (const char *id,
        const char *title,
        Result      result,
        const char *format,
        ...)
{
  static const char * const words[] = { "PASS", "FAIL", "SKIP" };
  g_autofree char *detail = NULL;
  va_list ap;

  if (format != NULL)
    {
      va_start (ap, format);
      detail = g_strdup_vprintf (format, ap);
      va_end (ap);
    }

  g_print ("%s  %s  %s%s%s\n", words[result], id, title, detail ? ": " : "", detail ? detail : "");
  fflush (stdout);
  if (result == RESULT_PASS)
    n_pass++;
  else if (result == RESULT_FAIL)
    n_fail++;
  else
    n_skip++;
}

#define CHECK(id, title, cond, ...) \
  report (id, title, (cond) ? RESULT_PASS : RESULT_FAIL, __VA_ARGS__)

/* ---- what the backend said in its first welcome ---------------------------- */

static struct {
  char       *session;
  char       *epoch;
  gint64      heartbeat_ms;
  gint64      max_message_bytes;
  gint64      burst;
  gint64      per_second;
  gint64      replay_events;
  char      **permissions;
  char      **features;
  JsonNode   *user;
} backend;

static const struct {
  const char *topic;
  const char *permission;
  const char *feature;
} topics[] = {
  { "users", "users.read", NULL },
  { "agents", "agents.read", NULL },
  { "queues", "queues.read", NULL },
  { "calls", "calls.read", NULL },
  { "campaigns", "campaigns.read", "campaigns" },
  { "lead_lists", "leads.read", "campaigns" },
  { "dnc_lists", "compliance.read", "dnc" },
  { "rule_sets", "compliance.read", "campaigns" },
  { "catalogs", "catalogs.read", NULL },
  { "qa_forms", "qa.read", "qa" },
  { "monitors", "monitors.read", "monitor.listen" },
  { "alerts", "alerts.read", "alerts" },
};

static char **
string_array (JsonArray *array)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *n = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        g_strv_builder_add (b, json_node_get_string (n));
    }
  return g_strv_builder_end (b);
}

static gboolean
has (char **list,
     const char *item)
{
  return item == NULL || (list != NULL && g_strv_contains ((const char * const *) list, item));
}

static gboolean
topic_readable (guint i)
{
  return has (backend.permissions, topics[i].permission) && has (backend.features, topics[i].feature);
}

/* ---- handshake ------------------------------------------------------------- */

static void
check_handshake (void)
{
  if (selected ("C01"))
    {
      g_autoptr(Probe) p = probe_open (opt_token, protocols_v1);
      const char *chosen = p->ws ? soup_websocket_connection_get_protocol (p->ws) : NULL;

      CHECK ("C01", "connect with callboard.v1", g_strcmp0 (chosen, CB_PROTOCOL_SUBPROTOCOL) == 0,
             "%s", p->ws ? (chosen ? chosen : "101 without Sec-WebSocket-Protocol")
                         : (p->error ? p->error->message : "no connection"));
    }

  if (selected ("C02"))
    {
      const char *v0[] = { "callboard.v0", NULL };
      g_autoptr(Probe) p = probe_open (opt_token, v0);

      if (p->ws == NULL && (p->http_status == 400 || p->http_status == 426))
        report ("C02", "subprotocol refusal", RESULT_PASS, "HTTP %u (warning: 4406 after the upgrade is preferred)",
                p->http_status);
      else
        {
          probe_wait_closed (p, 5000);
          CHECK ("C02", "subprotocol refusal", p->closed && p->close_code == CB_CLOSE_VERSION,
                 "close %u", p->close_code);
        }
    }

  if (selected ("C03"))
    {
      g_autoptr(Probe) p = probe_open (opt_token, NULL);

      probe_wait_closed (p, 5000);
      CHECK ("C03", "no subprotocol offered", p->closed && p->close_code == CB_CLOSE_VERSION,
             "%s close %u", p->ws ? "upgraded," : "not upgraded,", p->close_code);
    }

  if (selected ("C04"))
    {
      g_autoptr(Probe) p = probe_open ("cbconf-not-a-token-0000000000000000", protocols_v1);
      g_autoptr(CbMessage) welcome = NULL;

      if (p->ws == NULL)
        CHECK ("C04", "bad token refused", p->http_status == 401, "HTTP %u", p->http_status);
      else
        {
          welcome = probe_hello (p, NULL, NULL, 0);
          probe_wait_closed (p, 5000);
          CHECK ("C04", "bad token refused", welcome == NULL && p->close_code == CB_CLOSE_TOKEN_INVALID,
                 "%s, close %u", welcome ? "a welcome came" : "no welcome", p->close_code);
        }
    }

  if (selected ("C05"))
    {
      g_autoptr(Probe) p = probe_open (opt_token, protocols_v1);
      gint64 start = g_get_monotonic_time ();
      double seconds;

      probe_wait_closed (p, 33000);
      seconds = (p->closed_at_us - start) / 1e6;
      CHECK ("C05", "hello timeout", p->closed && p->close_code == CB_CLOSE_HELLO_TIMEOUT && seconds >= 5 && seconds <= 32,
             "close %u after %.1f s", p->close_code, p->closed ? seconds : 0.0);
    }

  if (selected ("C06"))
    {
      g_autoptr(Probe) p = probe_open (opt_token, protocols_v1);

      probe_send (p, "{\"type\":\"req\",\"id\":\"r-1\",\"op\":\"ping\"}");
      probe_wait_closed (p, 5000);
      CHECK ("C06", "first message not hello", p->close_code == CB_CLOSE_PROTOCOL_ERROR, "close %u", p->close_code);
    }

  /* C07: the welcome, and what the rest of the run relies on. */
  {
    g_autoptr(Probe) p = probe_open (opt_token, protocols_v1);
    g_autoptr(CbMessage) w = probe_hello (p, NULL, NULL, 0);
    JsonObject *limits = NULL, *replay = NULL, *user = NULL, *backend_obj = NULL, *rate = NULL;
    JsonArray *permissions = NULL, *features = NULL, *subscriptions = NULL;
    const char *protocol = NULL, *epoch = NULL;
    gint64 seq = -1, heartbeat = 0, server_time = 0, max_bytes = 0, replay_events = 0, replay_seconds = 0;
    gboolean resumed = TRUE;
    g_autoptr(GError) error = NULL;
    gboolean ok;

    ok = w != NULL
      && cb_json_get_string (w->object, "protocol", TRUE, &protocol, &error)
      && cb_json_get_bool (w->object, "resumed", TRUE, &resumed, &error)
      && cb_json_get_string (w->object, "epoch", TRUE, &epoch, &error)
      && cb_json_get_int (w->object, "seq", TRUE, 0, &seq, &error)
      && cb_json_get_int (w->object, "heartbeat_ms", TRUE, 0, &heartbeat, &error)
      && cb_json_get_object (w->object, "replay", TRUE, &replay, &error)
      && cb_json_get_int (replay, "events", TRUE, 0, &replay_events, &error)
      && cb_json_get_int (replay, "seconds", TRUE, 0, &replay_seconds, &error)
      && cb_json_get_object (w->object, "limits", TRUE, &limits, &error)
      && cb_json_get_int (limits, "max_message_bytes", TRUE, 0, &max_bytes, &error)
      && cb_json_get_object (limits, "request_rate", TRUE, &rate, &error)
      && cb_json_get_int (rate, "burst", TRUE, 1, &backend.burst, &error)
      && cb_json_get_int (rate, "per_second", TRUE, 1, &backend.per_second, &error)
      && cb_json_get_object (w->object, "user", TRUE, &user, &error)
      && cb_json_get_array (user, "permissions", TRUE, &permissions, &error)
      && cb_json_get_object (w->object, "backend", TRUE, &backend_obj, &error)
      && cb_json_get_array (w->object, "features", TRUE, &features, &error)
      && cb_json_get_int (w->object, "server_time", TRUE, 0, &server_time, &error)
      && cb_json_get_array (w->object, "subscriptions", TRUE, &subscriptions, &error);

    if (!ok)
      {
        report ("C07", "welcome", RESULT_FAIL, "%s", w ? error->message : "no welcome within 5 s");
        g_print ("\nThe handshake failed; the remaining checks need a welcome.\n");
        return;
      }

    backend.session = g_strdup (w->id);
    backend.epoch = g_strdup (epoch);
    backend.heartbeat_ms = heartbeat;
    backend.max_message_bytes = max_bytes;
    backend.replay_events = replay_events;
    backend.permissions = string_array (permissions);
    backend.features = string_array (features);
    backend.user = json_node_copy (json_object_get_member (w->object, "user"));

    if (selected ("C07"))
      {
        gint64 skew = server_time - g_get_real_time () / 1000;

        CHECK ("C07", "welcome",
               g_str_equal (protocol, CB_PROTOCOL_SUBPROTOCOL) && !resumed && heartbeat >= 1000 && heartbeat <= 60000
               && replay_events >= 1000 && replay_seconds >= 60 && max_bytes >= 1024 * 1024
               && ABS (skew) < 24 * 3600 * 1000,
               "heartbeat %" G_GINT64_FORMAT " ms, replay %" G_GINT64_FORMAT " events / %" G_GINT64_FORMAT
               " s, max %" G_GINT64_FORMAT " bytes, clock skew %" G_GINT64_FORMAT " ms%s",
               heartbeat, replay_events, replay_seconds, max_bytes, skew,
               heartbeat < 5000 ? " (heartbeat below the 5000 ms production minimum)" : "");
      }

    if (selected ("C08"))
      {
        probe_send (p, "{\"type\":\"req\",\"id\":");
        probe_wait_closed (p, 5000);
        CHECK ("C08", "malformed JSON after welcome", p->close_code == CB_CLOSE_PROTOCOL_ERROR,
               "close %u", p->close_code);
      }
  }

  if (selected ("C09"))
    {
      g_autoptr(Probe) p = probe_open (opt_token, protocols_v1);
      g_autoptr(CbMessage) w = probe_hello (p, NULL, NULL, 0);
      g_autoptr(CbMessage) res = NULL;

      probe_send (p, "{\"type\":\"x_conformance\",\"foo\":1}");
      res = probe_call (p, "{\"type\":\"req\",\"op\":\"ping\",\"x_conformance\":true,\"data\":{}}");
      CHECK ("C09", "unknown type and members ignored", res != NULL && res->ok && !p->closed,
             "%s", p->closed ? "the server closed" : res ? "ping answered" : "no answer");
    }
}

/* ---- requests and errors ------------------------------------------------------ */

static Probe *
session_probe (CbMessage **welcome)
{
  Probe *p = probe_open (opt_token, protocols_v1);

  *welcome = probe_hello (p, NULL, NULL, 0);
  return p;
}

static const char *
error_code (CbMessage *res)
{
  if (res == NULL)
    return "no response";
  if (res->ok)
    return "ok";
  return json_object_get_string_member_with_default (res->error, "code", "?");
}

static void
check_requests (void)
{
  g_autoptr(CbMessage) w = NULL;
  g_autoptr(Probe) p = session_probe (&w);

  if (w == NULL)
    return;

  if (selected ("C10"))
    {
      gint64 sent = g_get_real_time () / 1000;
      g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"op\":\"ping\",\"data\":{\"client_time\":%" G_GINT64_FORMAT "}}", sent);
      g_autoptr(CbMessage) res = probe_call (p, text);
      gint64 now = g_get_real_time () / 1000;
      gint64 echoed = -1, server_time = -1;

      if (res != NULL && res->ok && res->data != NULL)
        {
          cb_json_get_int (res->data, "client_time", FALSE, 0, &echoed, NULL);
          cb_json_get_int (res->data, "server_time", FALSE, 0, &server_time, NULL);
        }
      CHECK ("C10", "ping", echoed == sent && server_time > 0,
             "rtt %" G_GINT64_FORMAT " ms, skew %" G_GINT64_FORMAT " ms", now - sent,
             server_time + (now - sent) / 2 - now);
    }

  if (selected ("C11"))
    {
      g_autoptr(CbMessage) res = probe_call (p, "{\"type\":\"req\",\"op\":\"user.me\",\"data\":{}}");
      JsonObject *me = res && res->ok && res->data ? json_object_get_object_member (res->data, "user") : NULL;
      JsonObject *hello_user = json_node_get_object (backend.user);
      gboolean same = me != NULL
        && g_strcmp0 (json_object_get_string_member (me, "id"), json_object_get_string_member (hello_user, "id")) == 0
        && json_array_get_length (json_object_get_array_member (me, "permissions"))
           == json_array_get_length (json_object_get_array_member (hello_user, "permissions"));

      CHECK ("C11", "user.me equals welcome.user", same, "%s", same ? "same user" : error_code (res));
    }

  if (selected ("C12"))
    {
      g_autoptr(CbMessage) res = probe_call (p, "{\"type\":\"req\",\"op\":\"x_conformance.nothing\",\"data\":{}}");

      CHECK ("C12", "unknown op", g_strcmp0 (error_code (res), "unsupported") == 0 && !p->closed, "%s", error_code (res));
    }

  if (selected ("C13"))
    {
      g_autoptr(CbMessage) res = probe_call (p, "{\"type\":\"req\",\"op\":\"ping\",\"data\":{\"client_time\":\"soon\"}}");
      gboolean retryable = TRUE;
      gint64 after = -1;

      if (res != NULL && !res->ok)
        {
          cb_json_get_bool (res->error, "retryable", FALSE, &retryable, NULL);
          cb_json_get_int (res->error, "retry_after_ms", FALSE, 0, &after, NULL);
        }
      CHECK ("C13", "malformed data", g_strcmp0 (error_code (res), "bad_request") == 0 && !retryable && after >= 0,
             "%s", error_code (res));
    }

  if (selected ("C14"))
    {
      if (!has (backend.permissions, "agents.control") || !has (backend.features, "agent_control"))
        report ("C14", "unknown id", RESULT_SKIP, "needs agents.control and the agent_control feature");
      else
        {
          g_autoptr(CbMessage) res =
            probe_call (p, "{\"type\":\"req\",\"op\":\"agent.set_state\",\"idem\":\"cbconf-missing-1\","
                           "\"data\":{\"agent_id\":\"cbconf-missing\",\"state\":\"available\"}}");

          CHECK ("C14", "unknown id", g_strcmp0 (error_code (res), "not_found") == 0, "agent.set_state: %s",
                 error_code (res));
        }
    }

  if (selected ("C15"))
    {
      guint forbidden_ok = 0, forbidden_bad = 0, tried = 0;
      GString *evidence = g_string_new (NULL);

      for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
        {
          g_autofree char *text = NULL;
          g_autoptr(CbMessage) res = NULL;
          gboolean may = has (backend.permissions, topics[i].permission);

          if (!has (backend.features, topics[i].feature))
            continue;
          text = g_strdup_printf ("{\"type\":\"subscribe\",\"topic\":\"%s\"}", topics[i].topic);
          res = probe_call (p, text);
          tried++;
          if (!may && g_strcmp0 (error_code (res), "forbidden") == 0)
            forbidden_ok++;
          else if (!may || g_strcmp0 (error_code (res), "forbidden") == 0)
            {
              forbidden_bad++;
              g_string_append_printf (evidence, " %s→%s", topics[i].topic, error_code (res));
            }
          if (res != NULL && res->ok)
            {
              g_autofree char *unsub = g_strdup_printf ("{\"type\":\"unsubscribe\",\"topic\":\"%s\"}", topics[i].topic);
              g_autoptr(CbMessage) un = probe_call (p, unsub);
            }
        }

      if (forbidden_ok == 0 && forbidden_bad == 0)
        report ("C15", "permissions", RESULT_SKIP, "the token may read every topic the backend offers (%u)", tried);
      else
        CHECK ("C15", "permissions", forbidden_bad == 0, "%u topics refused as they should be%s%s", forbidden_ok,
               forbidden_bad ? "; wrong:" : "", evidence->str);
      g_string_free (evidence, TRUE);
    }

  if (selected ("C20"))
    {
      if (!opt_allow_writes)
        report ("C20", "rate limit", RESULT_SKIP, "floods the server; run with --allow-writes");
      else
        {
          guint n = (guint) backend.burst + 10, limited = 0, ok = 0;
          gboolean hint = TRUE;

          for (guint i = 0; i < n; i++)
            {
              g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"id\":\"cbconf-flood-%u\",\"op\":\"ping\",\"data\":{}}", i);
              probe_send (p, text);
            }
          for (guint got = 0; got < n; )
            {
              g_autoptr(CbMessage) m = probe_next (p, 5000);

              if (m == NULL)
                break;
              if (m->type != CB_MESSAGE_RESPONSE || !g_str_has_prefix (m->id, "cbconf-flood-"))
                continue;
              got++;
              if (m->ok)
                ok++;
              else if (g_strcmp0 (error_code (m), "rate_limited") == 0)
                {
                  gint64 after = 0;

                  cb_json_get_int (m->error, "retry_after_ms", FALSE, 0, &after, NULL);
                  hint &= after >= 1;
                  limited++;
                }
            }
          CHECK ("C20", "rate limit", limited > 0 && ok > 0 && hint && !p->closed,
                 "%u answered, %u rate limited, of %u", ok, limited, n);
        }
    }

  if (selected ("C21"))
    {
      g_autoptr(CbMessage) w2 = NULL;
      g_autoptr(Probe) big = session_probe (&w2);
      gsize size = (gsize) backend.max_message_bytes + 1024;
      g_autofree char *text = g_malloc (size + 128);
      int head = g_snprintf (text, 128, "{\"type\":\"req\",\"id\":\"cbconf-big\",\"op\":\"ping\",\"data\":{\"pad\":\"");

      memset (text + head, 'x', size);
      strcpy (text + head + size, "\"}}");
      probe_send (big, text);
      probe_wait_closed (big, 10000);
      /* A server that refuses at the frame header closes while the client
       * is still writing; the reset often destroys its 1009 close frame. */
      if (big->closed && big->close_code == CB_CLOSE_TOO_BIG)
        report ("C21", "message too big", RESULT_PASS, "close 1009");
      else if (big->closed && (big->close_code == 0 || big->close_code == 1006))
        report ("C21", "message too big", RESULT_PASS,
                "connection cut (warning: the 1009 close frame was not seen; it may have been lost to the reset)");
      else
        report ("C21", "message too big", RESULT_FAIL, "%s",
                big->closed ? "closed with another code" : "the server accepted the message");
    }
}

/* ---- subscriptions, events, heartbeats ---------------------------------------- */

/* What a console holds after applying snapshots and events by the rules of
 * §4.3 and §5.3 (C29). */
typedef struct
{
  GHashTable *data;          /* "type\tid" → JsonNode: the entity's data, with its rev */
  GHashTable *deleted;       /* "type\tid" of the entities deleted on this connection */
  const char *buffering;     /* the topic whose snapshot is coming: its events wait */
  GPtrArray  *buffered;      /* CbMessage */
} Holding;

static void
holding_init (Holding *h)
{
  h->data = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);
  h->deleted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  h->buffered = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
}

static void
holding_clear (Holding *h)
{
  g_clear_pointer (&h->data, g_hash_table_unref);
  g_clear_pointer (&h->deleted, g_hash_table_unref);
  g_clear_pointer (&h->buffered, g_ptr_array_unref);
}

static gint64
held_rev (Holding    *h,
          const char *key)
{
  JsonNode *node = g_hash_table_lookup (h->data, key);

  return node ? json_object_get_int_member_with_default (json_node_get_object (node), "rev", 0) : -1;
}

/* A snapshot item is stored as given (§5.3 client rule 2). */
static void
hold_item (Holding    *h,
           const char *key,
           JsonObject *data)
{
  JsonNode *node = json_node_alloc ();

  json_node_init_object (node, data);
  g_hash_table_replace (h->data, g_strdup (key), node);
}

/* An event, by the rev rule (§4.3); one of the topic being snapshotted
 * waits for the last part. */
static void
hold_event (Holding   *h,
            CbMessage *m)
{
  g_autofree char *key = NULL;
  gint64 held;

  if (m->type != CB_MESSAGE_EVENT || m->entity_type == NULL || m->entity_id == NULL)
    return;
  if (h->buffering != NULL && g_strcmp0 (m->topic, h->buffering) == 0)
    {
      g_ptr_array_add (h->buffered, cb_message_ref (m));
      return;
    }
  key = g_strdup_printf ("%s\t%s", m->entity_type, m->entity_id);
  held = held_rev (h, key);
  if (m->kind == CB_EVENT_UPSERT && m->data != NULL && m->rev > held)
    hold_item (h, key, m->data);
  else if (m->kind == CB_EVENT_DELETE && held >= 0 && m->rev >= held)
    {
      g_hash_table_remove (h->data, key);
      g_hash_table_add (h->deleted, g_steal_pointer (&key));
    }
}

/* The last part came: the buffered events now apply. */
static void
hold_snapshot_done (Holding *h)
{
  g_autoptr(GPtrArray) buffered = g_steal_pointer (&h->buffered);

  h->buffering = NULL;
  h->buffered = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  for (guint i = 0; i < buffered->len; i++)
    hold_event (h, g_ptr_array_index (buffered, i));
}

/* Whether @a and @b have the same members with equal values, @except aside. */
static gboolean
same_data_except (JsonObject         *a,
                  JsonObject         *b,
                  const char * const *except,
                  const char        **differs)
{
  g_autoptr(GList) names = json_object_get_members (a);
  guint n_a = 0, n_b = 0;

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *other = json_object_get_member (b, l->data);

      if (except != NULL && g_strv_contains (except, l->data))
        continue;
      n_a++;
      if (other == NULL || !json_node_equal (json_object_get_member (a, l->data), other))
        {
          if (differs != NULL)
            *differs = l->data;
          return FALSE;
        }
    }
  g_clear_pointer (&names, g_list_free);
  names = json_object_get_members (b);
  for (GList *l = names; l != NULL; l = l->next)
    if (except == NULL || !g_strv_contains (except, l->data))
      {
        n_b++;
        if (differs != NULL && !json_object_has_member (a, l->data))
          *differs = l->data;
      }
  return n_a == n_b;
}

typedef struct
{
  GHashTable *revs;          /* "type\tid" → last rev */
  gint64      last_seq;
  guint       events;
  guint       heartbeats;
  guint       seq_errors;
  guint       rev_errors;
  guint       kind_errors;
  gint64      last_heartbeat_us;
  gint64      heartbeat_min_us;
  gint64      heartbeat_max_us;
  guint       heartbeat_seq_errors;
  GString    *evidence;
  Holding     hold;
  gboolean    timing;        /* during the observation: note stats-only upserts (C30) */
  GHashTable *stats_only;    /* "type\tid" of queues and campaigns → GArray of gint64 µs */
} Observer;

/* C30: an upsert of a queue or campaign that changes nothing but stats. */
static void
note_stats_only (Observer  *o,
                 CbMessage *m,
                 const char *key)
{
  static const char * const except[] = { "rev", "stats", NULL };
  JsonNode *held = g_hash_table_lookup (o->hold.data, key);
  GArray *times;
  gint64 now = g_get_monotonic_time ();

  if (!o->timing || m->kind != CB_EVENT_UPSERT || m->data == NULL || held == NULL
      || (g_strcmp0 (m->entity_type, "queue") != 0 && g_strcmp0 (m->entity_type, "campaign") != 0)
      || m->rev <= held_rev (&o->hold, key)
      || !same_data_except (json_node_get_object (held), m->data, except, NULL))
    return;
  times = g_hash_table_lookup (o->stats_only, key);
  if (times == NULL)
    {
      times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (o->stats_only, g_strdup (key), times);
    }
  g_array_append_val (times, now);
}

static void
observe (Observer  *o,
         CbMessage *m)
{
  if (m->type == CB_MESSAGE_EVENT)
    {
      g_autofree char *key = g_strdup_printf ("%s\t%s", m->entity_type, m->entity_id);
      gpointer old;

      o->events++;
      if (m->seq != o->last_seq + 1)
        {
          if (o->seq_errors++ == 0)
            g_string_append_printf (o->evidence, " seq %" G_GINT64_FORMAT " after %" G_GINT64_FORMAT ";",
                                    m->seq, o->last_seq);
        }
      o->last_seq = m->seq;

      if (g_hash_table_lookup_extended (o->revs, key, NULL, &old))
        {
          gint64 held = (gint64) GPOINTER_TO_SIZE (old);

          if ((m->kind == CB_EVENT_UPSERT && m->rev < held) || (m->kind == CB_EVENT_DELETE && m->rev < held))
            if (o->rev_errors++ == 0)
              g_string_append_printf (o->evidence, " %s rev %" G_GINT64_FORMAT " after %" G_GINT64_FORMAT ";",
                                      key, m->rev, held);
        }
      if (m->kind == CB_EVENT_UPSERT
          && (json_object_get_int_member_with_default (m->data, "rev", -1) != m->rev
              || g_strcmp0 (json_object_get_string_member_with_default (m->data, "id", NULL), m->entity_id) != 0))
        o->kind_errors++;
      note_stats_only (o, m, key);
      hold_event (&o->hold, m);
      g_hash_table_replace (o->revs, g_steal_pointer (&key), GSIZE_TO_POINTER (m->rev));
    }
  else if (m->type == CB_MESSAGE_HEARTBEAT)
    {
      gint64 now = g_get_monotonic_time ();

      if (o->last_heartbeat_us != 0)
        {
          gint64 gap = now - o->last_heartbeat_us;

          o->heartbeat_min_us = o->heartbeat_min_us ? MIN (o->heartbeat_min_us, gap) : gap;
          o->heartbeat_max_us = MAX (o->heartbeat_max_us, gap);
        }
      o->last_heartbeat_us = now;
      o->heartbeats++;
      if (m->seq != o->last_seq)
        o->heartbeat_seq_errors++;
    }
}

/* C30: per queue and campaign, stats-only upserts within any window of
 * W seconds (5, or the whole observation when shorter) are at most
 * 1.1 × W + 1: once a second with 10 % tolerance, one more for where the
 * window falls. */
static void
check_coalescing (Observer *o)
{
  gint64 window_us = (gint64) CLAMP (opt_duration, 1, 5) * G_USEC_PER_SEC;
  guint allowed = (guint) (1.1 * (window_us / G_USEC_PER_SEC)) + 1;
  guint total = 0, worst = 0;
  const char *worst_key = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, o->stats_only);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *times = value;

      total += times->len;
      for (guint i = 0, j = 0; i < times->len; i++)
        {
          while (j < times->len && g_array_index (times, gint64, j) - g_array_index (times, gint64, i) < window_us)
            j++;
          if (j - i > worst)
            {
              worst = j - i;
              worst_key = key;
            }
        }
    }

  if (total == 0)
    report ("C30", "coalescing of statistics", RESULT_SKIP, "no stats-only upsert of a queue or campaign in %d s",
            opt_duration);
  else
    {
      g_autofree char *who = g_strdup (worst_key);

      *strchr (who, '\t') = ' ';
      CHECK ("C30", "coalescing of statistics", worst <= allowed,
             "%u stats-only upserts of %u queues and campaigns over %d s; at most %u of one entity (%s) within %"
             G_GINT64_FORMAT " s, allowed %u", total, g_hash_table_size (o->stats_only), opt_duration, worst, who,
             window_us / G_USEC_PER_SEC, allowed);
    }
}

/* Pops what @p received so far into @o (or only into @h). */
static void
take_inbox (Probe    *p,
            Observer *o,
            Holding  *h)
{
  CbMessage *m;

  while ((m = g_queue_pop_head (&p->inbox)) != NULL)
    {
      if (o != NULL)
        observe (o, m);
      else
        hold_event (h, m);
      cb_message_unref (m);
    }
}

static CbMessage *next_of_type (Probe *p, CbMessageType type, guint timeout_ms);

/* C29: a second connection's snapshots against what the first holds. Both
 * are brought to a common point: the first's ping is answered after the
 * second's last part, the second's after the first's ping. */
static void
check_convergence (Probe    *p,
                   Observer *o)
{
  g_autoptr(CbMessage) w = NULL;
  g_autoptr(Probe) q = session_probe (&w);
  g_autoptr(CbMessage) ping_p = NULL;
  g_autoptr(CbMessage) ping_q = NULL;
  Holding h;
  guint topics_done = 0, compared = 0, differ = 0, missing = 0, failed = 0;
  GString *evidence = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;

  if (w == NULL)
    {
      report ("C29", "convergence across connections", RESULT_FAIL, "the second connection got no welcome");
      g_string_free (evidence, TRUE);
      return;
    }
  holding_init (&h);
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(CbMessage) res = NULL;
      gint64 parts = 0;

      if (!topic_readable (i))
        continue;
      text = g_strdup_printf ("{\"type\":\"subscribe\",\"topic\":\"%s\"}", topics[i].topic);
      res = probe_call (q, text);
      if (res == NULL || !res->ok || !cb_json_get_int (res->data, "parts", TRUE, 1, &parts, NULL))
        {
          failed++;
          continue;
        }
      h.buffering = topics[i].topic;
      for (gint64 got = 0; got < parts; )
        {
          g_autoptr(CbMessage) m = probe_next (q, 10000);
          JsonArray *items;

          if (m == NULL)
            {
              failed++;
              break;
            }
          if (m->type != CB_MESSAGE_SNAPSHOT)
            {
              hold_event (&h, m);
              continue;
            }
          got++;
          items = json_object_get_array_member (m->object, "items");
          for (guint j = 0; items != NULL && j < json_array_get_length (items); j++)
            {
              JsonObject *item = json_array_get_object_element (items, j);
              JsonObject *entity = item ? json_object_get_object_member (item, "entity") : NULL;
              JsonObject *data = item ? json_object_get_object_member (item, "data") : NULL;
              g_autofree char *item_key = NULL;

              if (entity == NULL || data == NULL)
                continue;
              item_key = g_strdup_printf ("%s\t%s", json_object_get_string_member_with_default (entity, "type", ""),
                                          json_object_get_string_member_with_default (entity, "id", ""));
              hold_item (&h, item_key, data);
            }
        }
      hold_snapshot_done (&h);
      topics_done++;
    }

  ping_p = probe_call (p, "{\"type\":\"req\",\"op\":\"ping\",\"data\":{}}");
  take_inbox (p, o, NULL);
  ping_q = probe_call (q, "{\"type\":\"req\",\"op\":\"ping\",\"data\":{}}");
  take_inbox (q, NULL, &h);

  /* Same rev, same data. */
  g_hash_table_iter_init (&iter, h.data);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonNode *mine = g_hash_table_lookup (o->hold.data, key);
      const char *differs = NULL;

      if (mine == NULL || held_rev (&o->hold, key) != held_rev (&h, key))
        continue;
      compared++;
      if (!same_data_except (json_node_get_object (mine), json_node_get_object (value), NULL, &differs))
        if (differ++ < 3)
          g_string_append_printf (evidence, "; %s rev %" G_GINT64_FORMAT ": data differs in %s", (char *) key,
                                  held_rev (&h, key), differs ? differs : "its members");
    }
  /* Nothing the first holds is unknown to the second, unless deleted since. */
  g_hash_table_iter_init (&iter, o->hold.data);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (h.data, key) && !g_hash_table_contains (h.deleted, key))
      if (missing++ < 3)
        g_string_append_printf (evidence, "; %s rev %" G_GINT64_FORMAT
                                " held by the first, not in the second's snapshot",
                                (char *) key, held_rev (&o->hold, key));

  for (char *t = evidence->str; (t = strchr (t, '\t')) != NULL; )
    *t = ' ';
  CHECK ("C29", "convergence across connections",
         topics_done > 0 && failed == 0 && differ == 0 && missing == 0 && ping_p != NULL && ping_q != NULL,
         "%u topics, %u entities held by the second, %u at the same rev compared, %u differ, %u missing%s%s%s",
         topics_done, g_hash_table_size (h.data), compared, differ, missing,
         failed ? "; a subscription or snapshot of the second failed" : "",
         ping_p == NULL || ping_q == NULL ? "; a ping went unanswered" : "", evidence->str);
  holding_clear (&h);
  g_string_free (evidence, TRUE);
}

/* C40: the observed session, once it has more than replay.events events
 * (waiting up to --duration more for them), resumed from last_seq 0. */
static void
check_too_old (Probe     *p,
               CbMessage *w,
               Observer  *o)
{
  gint64 until = g_get_monotonic_time () + (gint64) opt_duration * G_USEC_PER_SEC;
  g_autoptr(Probe) r = NULL;
  g_autoptr(CbMessage) w2 = NULL;
  g_autoptr(CbMessage) next = NULL;
  gint64 produced;

  while (p->last_seq <= backend.replay_events && g_get_monotonic_time () < until && !p->closed)
    {
      g_autoptr(CbMessage) m = probe_next (p, 200);

      if (m != NULL)
        observe (o, m);
    }
  produced = p->last_seq;
  if (produced <= backend.replay_events)
    {
      report ("C40", "reset cursor_too_old", RESULT_SKIP,
              "the session had only %" G_GINT64_FORMAT " events, replay.events is %" G_GINT64_FORMAT
              "; a longer --duration or a busier backend would give more", produced, backend.replay_events);
      return;
    }

  r = probe_open (opt_token, protocols_v1);
  w2 = probe_hello (r, w->id, backend.epoch, 0);
  next = w2 ? probe_next (r, 3000) : NULL;
  if (w2 != NULL && json_object_get_boolean_member_with_default (w2->object, "resumed", FALSE))
    {
      /* The server kept more than it promised: the replay must be whole. */
      gint64 end = json_object_get_int_member_with_default (w2->object, "seq", 0);
      gint64 first = -1, last = 0;
      guint gaps = 0;

      if (next != NULL && next->type != CB_MESSAGE_EVENT)
        g_clear_pointer (&next, cb_message_unref);
      if (next == NULL)
        next = next_of_type (r, CB_MESSAGE_EVENT, 3000);
      if (next != NULL)
        first = last = next->seq;
      while (next != NULL && last < end)
        {
          g_autoptr(CbMessage) m = next_of_type (r, CB_MESSAGE_EVENT, 3000);

          if (m == NULL)
            break;
          gaps += m->seq != last + 1;
          last = m->seq;
        }
      CHECK ("C40", "reset cursor_too_old", first == 1 && gaps == 0 && last >= end,
             "resumed from last_seq 0 after %" G_GINT64_FORMAT " events (replay.events %" G_GINT64_FORMAT
             "); the replay began at seq %" G_GINT64_FORMAT " and reached %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
             " with %u gaps%s", produced, backend.replay_events, first, last, end, gaps,
             first == 1 && gaps == 0 && last >= end ? " (the server kept more than it promised)" : "");
      return;
    }
  CHECK ("C40", "reset cursor_too_old",
         w2 != NULL && next != NULL && next->type == CB_MESSAGE_RESET
         && g_strcmp0 (json_object_get_string_member_with_default (next->object, "reason", ""), "cursor_too_old") == 0,
         "last_seq 0 after %" G_GINT64_FORMAT " events (replay.events %" G_GINT64_FORMAT "): %s%s%s%s", produced,
         backend.replay_events, w2 ? "new session, then " : "no welcome", next ? next->type_name : "nothing",
         next && next->type == CB_MESSAGE_RESET ? " " : "",
         next && next->type == CB_MESSAGE_RESET
           ? json_object_get_string_member_with_default (next->object, "reason", "?") : "");
}

static void
check_subscriptions (void)
{
  g_autoptr(CbMessage) w = NULL;
  g_autoptr(Probe) p = session_probe (&w);
  Observer o = { 0 };
  guint snapshot_errors = 0, parts_total = 0, items_total = 0, subscribed = 0;
  gsize largest = 0;
  GString *snap_evidence = g_string_new (NULL);
  gint64 until;
  const char *one_agent = NULL;
  g_autofree char *one_agent_copy = NULL;

  if (w == NULL)
    return;

  o.revs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  o.evidence = g_string_new (NULL);
  o.stats_only = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  holding_init (&o.hold);
  o.last_seq = json_object_get_int_member (w->object, "seq");

  /* C24: every readable topic, snapshot by snapshot. */
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(CbMessage) res = NULL;
      gint64 parts = 0, count = 0, as_of = -1, got_items = 0;
      const char *snapshot_id = NULL;

      if (!topic_readable (i))
        continue;
      text = g_strdup_printf ("{\"type\":\"subscribe\",\"topic\":\"%s\"}", topics[i].topic);
      res = probe_call (p, text);
      subscribed++;
      if (res == NULL || !res->ok
          || !cb_json_get_int (res->data, "parts", TRUE, 1, &parts, NULL)
          || !cb_json_get_int (res->data, "count", TRUE, 0, &count, NULL)
          || !cb_json_get_int (res->data, "as_of", TRUE, 0, &as_of, NULL)
          || !cb_json_get_string (res->data, "snapshot_id", TRUE, &snapshot_id, NULL))
        {
          snapshot_errors++;
          g_string_append_printf (snap_evidence, " %s: %s;", topics[i].topic, error_code (res));
          continue;
        }

      o.hold.buffering = topics[i].topic;
      for (gint64 part = 1; part <= parts; )
        {
          g_autoptr(CbMessage) m = probe_next (p, 10000);
          gsize length = 0;
          g_autofree char *again = NULL;
          JsonArray *items;

          if (m == NULL)
            {
              snapshot_errors++;
              g_string_append_printf (snap_evidence, " %s: part %" G_GINT64_FORMAT " never came;", topics[i].topic, part);
              break;
            }
          if (m->type != CB_MESSAGE_SNAPSHOT)
            {
              observe (&o, m);
              continue;
            }
          again = cb_message_encode (m->root, &length);
          largest = MAX (largest, length);
          items = json_object_get_array_member (m->object, "items");
          if (json_object_get_int_member (m->object, "part") != part
              || json_object_get_int_member (m->object, "as_of") != as_of
              || g_strcmp0 (json_object_get_string_member (m->object, "snapshot_id"), snapshot_id) != 0
              || length > 262144 || items == NULL)
            {
              snapshot_errors++;
              g_string_append_printf (snap_evidence, " %s: part %" G_GINT64_FORMAT " malformed;", topics[i].topic, part);
            }
          for (guint j = 0; items && j < json_array_get_length (items); j++)
            {
              JsonObject *item = json_array_get_object_element (items, j);
              JsonObject *entity = json_object_get_object_member (item, "entity");
              JsonObject *data = json_object_get_object_member (item, "data");
              g_autofree char *key = g_strdup_printf ("%s\t%s", json_object_get_string_member (entity, "type"),
                                                      json_object_get_string_member (entity, "id"));

              if (g_strcmp0 (json_object_get_string_member (data, "id"), json_object_get_string_member (entity, "id")) != 0
                  || json_object_get_int_member (data, "rev") != json_object_get_int_member (entity, "rev"))
                snapshot_errors++;
              if (one_agent == NULL && g_str_equal (topics[i].topic, "agents"))
                one_agent = one_agent_copy = g_strdup (json_object_get_string_member (entity, "id"));
              if (data != NULL)
                hold_item (&o.hold, key, data);
              g_hash_table_replace (o.revs, g_steal_pointer (&key),
                                    GSIZE_TO_POINTER (json_object_get_int_member (entity, "rev")));
              got_items++;
            }
          parts_total++;
          part++;
        }
      hold_snapshot_done (&o.hold);

      items_total += got_items;
      if (got_items != count)
        {
          snapshot_errors++;
          g_string_append_printf (snap_evidence, " %s: %" G_GINT64_FORMAT " items for count %" G_GINT64_FORMAT ";",
                                  topics[i].topic, got_items, count);
        }
    }

  if (selected ("C24"))
    CHECK ("C24", "snapshots of every readable topic", subscribed > 0 && snapshot_errors == 0,
           "%u topics, %u parts, %u items, largest part %" G_GSIZE_FORMAT " bytes%s", subscribed, parts_total,
           items_total, largest, snap_evidence->str);

  if (selected ("C25"))
    {
      g_autoptr(CbMessage) unknown = probe_call (p, "{\"type\":\"subscribe\",\"topic\":\"x_conformance\"}");
      g_autoptr(CbMessage) bad_key = probe_call (p, "{\"type\":\"subscribe\",\"topic\":\"catalogs\",\"filter\":{\"x_colour\":[\"red\"]}}");

      CHECK ("C25", "unknown topic and filter key",
             g_strcmp0 (error_code (unknown), "unsupported") == 0 && g_strcmp0 (error_code (bad_key), "bad_request") == 0,
             "%s; %s", error_code (unknown), error_code (bad_key));
    }

  /* Live traffic, with heartbeats. */
  until = g_get_monotonic_time () + (gint64) opt_duration * G_USEC_PER_SEC;
  o.timing = TRUE;
  while (g_get_monotonic_time () < until && !p->closed)
    {
      g_autoptr(CbMessage) m = probe_next (p, 200);

      if (m != NULL)
        observe (&o, m);
    }
  o.timing = FALSE;

  if (selected ("C27"))
    {
      if (p->closed)
        g_string_append_printf (o.evidence, " the server closed the connection (%u) during the observation;",
                                p->close_code);
      if (p->bad_frames > 0)
        g_string_append_printf (o.evidence, " %u frames were not valid messages;", p->bad_frames);
      CHECK ("C27", "seq continuity", o.seq_errors == 0 && !p->closed && p->bad_frames == 0,
             "%u events over %d s%s", o.events, opt_duration, o.evidence->str);
    }
  if (selected ("C28"))
    CHECK ("C28", "rev monotonic, data matches entity", o.rev_errors == 0 && o.kind_errors == 0,
           "%u entities tracked, %u upserts with id or rev unlike their entity", g_hash_table_size (o.revs),
           o.kind_errors);

  if (selected ("C32"))
    {
      double hb = (double) backend.heartbeat_ms;
      gint64 silence_us = o.last_heartbeat_us ? g_get_monotonic_time () - o.last_heartbeat_us : 0;
      double lo, hi;

      /* Heartbeats that stop are a gap as long as the silence since. */
      if (!p->closed)
        o.heartbeat_max_us = MAX (o.heartbeat_max_us, silence_us);
      lo = o.heartbeat_min_us / 1000.0;
      hi = o.heartbeat_max_us / 1000.0;

      if (o.heartbeats < 3 && hi <= 1.1 * hb + 50)
        report ("C32", "server heartbeats", RESULT_SKIP, "only %u heartbeats in %d s; use a longer --duration",
                o.heartbeats, opt_duration);
      else
        CHECK ("C32", "server heartbeats", lo >= 0.9 * hb - 50 && hi <= 1.1 * hb + 50 && o.heartbeat_seq_errors == 0,
               "%u heartbeats, every %.0f–%.0f ms for %" G_GINT64_FORMAT " ms; %u with a seq unlike the last event's",
               o.heartbeats, lo, hi, backend.heartbeat_ms, o.heartbeat_seq_errors);
    }

  if (selected ("C30"))
    check_coalescing (&o);
  if (selected ("C29"))
    check_convergence (p, &o);

  if (selected ("C26"))
    {
      if (one_agent == NULL)
        report ("C26", "filter honoured", RESULT_SKIP, "no agent to filter on");
      else
        {
          g_autoptr(CbMessage) w2 = NULL;
          g_autoptr(Probe) q = session_probe (&w2);
          g_autofree char *text = g_strdup_printf ("{\"type\":\"subscribe\",\"topic\":\"agents\",\"filter\":{\"ids\":[\"%s\"]}}", one_agent);
          g_autoptr(CbMessage) res = probe_call (q, text);
          guint strangers = 0, seen = 0;
          gint64 end = g_get_monotonic_time () + MIN (opt_duration, 10) * G_USEC_PER_SEC;

          while (g_get_monotonic_time () < end && !q->closed)
            {
              g_autoptr(CbMessage) m = probe_next (q, 200);
              JsonArray *items;

              if (m == NULL)
                continue;
              if (m->type == CB_MESSAGE_EVENT)
                {
                  seen++;
                  strangers += g_strcmp0 (m->entity_id, one_agent) != 0;
                }
              else if (m->type == CB_MESSAGE_SNAPSHOT && (items = json_object_get_array_member (m->object, "items")))
                for (guint j = 0; j < json_array_get_length (items); j++)
                  {
                    JsonObject *entity = json_object_get_object_member (json_array_get_object_element (items, j), "entity");

                    seen++;
                    strangers += g_strcmp0 (json_object_get_string_member (entity, "id"), one_agent) != 0;
                  }
            }
          CHECK ("C26", "filter honoured", res && res->ok && strangers == 0 && seen > 0,
                 "%u items and events, %u for other agents", seen, strangers);
        }
    }

  if (selected ("C31"))
    {
      g_autoptr(CbMessage) res = NULL;
      guint after = 0;
      gint64 end;

      if (!topic_readable (1))
        report ("C31", "unsubscribe", RESULT_SKIP, "the token cannot read agents");
      else
        {
          res = probe_call (p, "{\"type\":\"unsubscribe\",\"topic\":\"agents\"}");
          /* Events sent before the res still count for seq; only later ones are wrong. */
          for (guint i = 0; i < p->before_res; i++)
            cb_message_unref (g_queue_pop_head (&p->inbox));
          end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
          while (g_get_monotonic_time () < end && !p->closed)
            {
              g_autoptr(CbMessage) m = probe_next (p, 200);

              if (m != NULL && m->type == CB_MESSAGE_EVENT && g_str_equal (m->topic, "agents"))
                after++;
            }
          CHECK ("C31", "unsubscribe", res && res->ok && after == 0, "%s, %u agent events after it",
                 error_code (res), after);
        }
    }

  if (selected ("C40"))
    check_too_old (p, w, &o);

  g_hash_table_unref (o.revs);
  g_hash_table_unref (o.stats_only);
  holding_clear (&o.hold);
  g_string_free (o.evidence, TRUE);
  g_string_free (snap_evidence, TRUE);
}

/* ---- liveness, resume and reset ------------------------------------------------ */

static void
check_dead_client (void)
{
  g_autoptr(CbMessage) w = NULL;
  g_autoptr(Probe) p = NULL;
  gint64 start;
  double factor;

  if (!selected ("C33"))
    return;
  if (backend.heartbeat_ms > 15000 && opt_duration < 60)
    {
      report ("C33", "server detects a dead client", RESULT_SKIP, "would take over a minute at heartbeat %" G_GINT64_FORMAT " ms",
              backend.heartbeat_ms);
      return;
    }

  /* Say nothing after hello: no heartbeats, no pongs. */
  p = probe_open (opt_token, protocols_v1);
  w = probe_hello_full (p, NULL, NULL, 0, TRUE);
  start = g_get_monotonic_time ();
  probe_wait_closed (p, (guint) (5 * backend.heartbeat_ms));
  factor = p->closed ? (p->closed_at_us - start) / 1000.0 / backend.heartbeat_ms : 0;
  CHECK ("C33", "server detects a dead client", p->closed && factor >= 2.4 && factor <= 4.1,
         "%s after %.2f × heartbeat", p->closed ? "closed" : "still open", factor);
}

static CbMessage *
next_of_type (Probe         *p,
              CbMessageType  type,
              guint          timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      CbMessage *m = probe_next (p, 100);

      if (m == NULL)
        {
          if (p->closed)
            return NULL;
          continue;
        }
      if (m->type == type)
        return m;
      cb_message_unref (m);
    }
  return NULL;
}

static void
check_reset (const char *id,
             const char *title,
             const char *session,
             const char *epoch,
             gint64      last_seq,
             const char *reason)
{
  g_autoptr(Probe) p = probe_open (opt_token, protocols_v1);
  g_autoptr(CbMessage) w = probe_hello (p, session, epoch, last_seq);
  g_autoptr(CbMessage) next = w ? probe_next (p, 3000) : NULL;
  guint more = 0;

  if (!selected (id))
    return;

  probe_drain (p, 500);
  for (GList *l = p->inbox.head; l != NULL; l = l->next)
    more += ((CbMessage *) l->data)->type == CB_MESSAGE_RESET;

  CHECK (id, title,
         w != NULL && !json_object_get_boolean_member (w->object, "resumed")
         && g_strcmp0 (w->id, session) != 0
         && next != NULL && next->type == CB_MESSAGE_RESET
         && g_strcmp0 (json_object_get_string_member_with_default (next->object, "reason", ""), reason) == 0
         && more == 0,
         "%s%s%s%s, %u further resets", w ? "new session, then " : "no welcome",
         next ? next->type_name : "nothing", next && next->type == CB_MESSAGE_RESET ? " " : "",
         next && next->type == CB_MESSAGE_RESET
           ? json_object_get_string_member_with_default (next->object, "reason", "?") : "", more);
}

static void
check_resume (void)
{
  g_autoptr(CbMessage) w = NULL;
  g_autoptr(Probe) a = session_probe (&w);
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  g_autofree char *session = NULL;
  g_autofree char *topic_sub = NULL;
  gint64 end;
  int topic = -1;

  if (w == NULL)
    return;
  session = g_strdup (w->id);

  /* Subscribe to the busiest readable topic and collect some events. */
  for (guint i = 0; i < G_N_ELEMENTS (topics) && topic < 0; i++)
    if (topic_readable (i) && (g_str_equal (topics[i].topic, "agents") || g_str_equal (topics[i].topic, "calls")))
      topic = (int) i;
  if (topic < 0)
    {
      report ("C34", "resume replays", RESULT_SKIP, "no agents or calls topic to observe");
      return;
    }
  topic_sub = g_strdup_printf ("{\"type\":\"subscribe\",\"topic\":\"%s\"}", topics[topic].topic);
  {
    g_autoptr(CbMessage) res = probe_call (a, topic_sub);
  }

  end = g_get_monotonic_time () + (gint64) MAX (opt_duration, 10) * G_USEC_PER_SEC;
  while (before->len < 8 && g_get_monotonic_time () < end && !a->closed)
    {
      CbMessage *m = probe_next (a, 200);

      if (m != NULL && m->type == CB_MESSAGE_EVENT)
        g_ptr_array_add (before, m);
      else if (m != NULL)
        cb_message_unref (m);
    }

  if (before->len < 8)
    {
      report ("C34", "resume replays", RESULT_SKIP, "only %u events in the time given", before->len);
      return;
    }

  /* C34: drop without a close frame; resume 5 events back. */
  if (selected ("C34"))
    {
      gint64 from = ((CbMessage *) g_ptr_array_index (before, 2))->seq;
      g_autoptr(Probe) b = NULL;
      g_autoptr(CbMessage) w2 = NULL;
      guint identical = 0, compared = 0, gaps = 0;
      gint64 last = from;

      g_io_stream_close (soup_websocket_connection_get_io_stream (a->ws), NULL, NULL);
      b = probe_open (opt_token, protocols_v1);
      w2 = probe_hello (b, session, backend.epoch, from);
      for (guint i = 3; w2 != NULL && i < before->len; i++)
        {
          g_autoptr(CbMessage) m = next_of_type (b, CB_MESSAGE_EVENT, 3000);
          CbMessage *old = g_ptr_array_index (before, i);
          g_autofree char *t1 = NULL;
          g_autofree char *t2 = NULL;

          if (m == NULL)
            break;
          compared++;
          t1 = cb_message_encode (m->root, NULL);
          t2 = cb_message_encode (old->root, NULL);
          identical += g_str_equal (t1, t2);
          gaps += m->seq != last + 1;
          last = m->seq;
        }
      CHECK ("C34", "resume replays", w2 != NULL && json_object_get_boolean_member (w2->object, "resumed")
             && g_strcmp0 (w2->id, session) == 0 && compared == before->len - 3 && identical == compared && gaps == 0,
             "%s; %u of %u replayed events identical", w2 ? (json_object_get_boolean_member (w2->object, "resumed")
                                                               ? "resumed" : "not resumed") : "no welcome",
             identical, before->len - 3);

      /* C35: a third connection resumes it while b holds it. */
      if (selected ("C35") && w2 != NULL)
        {
          g_autoptr(Probe) c = probe_open (opt_token, protocols_v1);
          g_autoptr(CbMessage) w3 = probe_hello (c, session, backend.epoch, last);

          probe_wait_closed (b, 5000);
          CHECK ("C35", "takeover by resume", b->close_code == CB_CLOSE_SESSION_TAKEN && w3 != NULL
                 && json_object_get_boolean_member (w3->object, "resumed"),
                 "the first connection closed %u", b->close_code);
        }
    }

  if (selected ("C36"))
    {
      g_autoptr(CbMessage) wa = NULL;
      g_autoptr(Probe) pa = session_probe (&wa);
      g_autoptr(CbMessage) wb = NULL;
      g_autoptr(Probe) pb = session_probe (&wb);
      g_autoptr(CbMessage) ping = NULL;

      probe_drain (pa, 500);
      ping = probe_call (pa, "{\"type\":\"req\",\"op\":\"ping\",\"data\":{}}");
      CHECK ("C36", "no stealing", wa && wb && g_strcmp0 (wa->id, wb->id) != 0 && !pa->closed && ping && ping->ok,
             "%s", wa && wb && g_strcmp0 (wa->id, wb->id) != 0 ? "two sessions, the first still answers" : "same session");
    }

  check_reset ("C37", "reset session_unknown", "cbconf-no-such-session", backend.epoch, 0, "session_unknown");
  check_reset ("C38", "reset epoch_changed", session, "cbconf-other-epoch", 0, "epoch_changed");
  check_reset ("C39", "reset cursor_invalid", session, backend.epoch, G_MAXINT32, "cursor_invalid");
}

static void
check_error_shapes (void)
{
  guint bad = 0;

  if (!selected ("C16"))
    return;
  for (guint i = 0; i < errors_seen->len; i++)
    {
      JsonObject *e = json_node_get_object (g_ptr_array_index (errors_seen, i));
      const char *code, *message;
      gboolean retryable;
      gint64 after;

      if (!cb_json_get_string (e, "code", TRUE, &code, NULL) || !cb_json_get_string (e, "message", TRUE, &message, NULL)
          || !cb_json_get_bool (e, "retryable", TRUE, &retryable, NULL)
          || !cb_json_get_int (e, "retry_after_ms", TRUE, 0, &after, NULL))
        bad++;
    }
  if (errors_seen->len == 0)
    report ("C16", "error object shape", RESULT_SKIP, "no error was answered");
  else
    CHECK ("C16", "error object shape", bad == 0, "%u errors seen, %u malformed", errors_seen->len, bad);
}

/* ---- media and recordings (§12, §13) ------------------------------------------ */

typedef struct
{
  gboolean  text;
  GBytes   *bytes;
  JsonNode *json;
  gint64    at_us;
} MediaItem;

typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GPtrArray               *items;        /* MediaItem */
  GError                  *error;
  guint                    http_status;
  gushort                  close_code;
  gboolean                 closed;
  gboolean                 done;
  guint                    buffer_source;
} MediaProbe;

static void
media_item_free (MediaItem *item)
{
  g_clear_pointer (&item->bytes, g_bytes_unref);
  g_clear_pointer (&item->json, json_node_unref);
  g_free (item);
}

static void
media_probe_free (MediaProbe *m)
{
  g_clear_handle_id (&m->buffer_source, g_source_remove);
  if (m->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (m->ws, m);
      if (soup_websocket_connection_get_state (m->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (m->ws, 1000, NULL);
      g_clear_object (&m->ws);
    }
  g_ptr_array_unref (m->items);
  g_clear_object (&m->session);
  g_clear_error (&m->error);
  g_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MediaProbe, media_probe_free)

static void
on_media_probe_message (SoupWebsocketConnection *ws,
                        gint                     type,
                        GBytes                  *bytes,
                        MediaProbe              *m)
{
  MediaItem *item = g_new0 (MediaItem, 1);

  item->at_us = g_get_monotonic_time ();
  item->text = type == SOUP_WEBSOCKET_DATA_TEXT;
  if (item->text)
    {
      gsize length;
      const char *text = g_bytes_get_data (bytes, &length);
      JsonNode *node = length < 65536 ? json_from_string (text, NULL) : NULL;

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        item->json = node;
      else
        g_clear_pointer (&node, json_node_unref);
    }
  else
    item->bytes = g_bytes_ref (bytes);
  g_ptr_array_add (m->items, item);
}

static void
on_media_probe_closed (SoupWebsocketConnection *ws,
                       MediaProbe              *m)
{
  m->closed = TRUE;
  m->close_code = soup_websocket_connection_get_close_code (ws);
}

/* §12.2: the client reports its buffer every second, which keeps the socket alive. */
static gboolean
on_media_probe_buffer (gpointer user_data)
{
  MediaProbe *m = user_data;

  if (m->ws != NULL && soup_websocket_connection_get_state (m->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (m->ws, "{\"type\":\"buffer\",\"level_ms\":80,\"underruns\":0,\"late_frames\":0}");
  return G_SOURCE_CONTINUE;
}

static void
on_media_probe_connected (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  MediaProbe *m = user_data;
  SoupMessage *msg = g_object_get_data (object, "msg");

  m->ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &m->error);
  m->http_status = msg ? soup_message_get_status (msg) : 0;
  if (m->ws != NULL)
    {
      soup_websocket_connection_set_max_incoming_payload_size (m->ws, 4 * 1024 * 1024);
      soup_websocket_connection_set_keepalive_interval (m->ws, 0);
      g_signal_connect (m->ws, "message", G_CALLBACK (on_media_probe_message), m);
      g_signal_connect (m->ws, "closed", G_CALLBACK (on_media_probe_closed), m);
      m->buffer_source = g_timeout_add (1000, on_media_probe_buffer, m);
    }
  m->done = TRUE;
}

static MediaProbe *
media_probe_open (const char *url,
                  const char *protocol)
{
  MediaProbe *m = g_new0 (MediaProbe, 1);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *authorization = g_strdup_printf ("Bearer %s", opt_token);
  char *protocols[] = { (char *) protocol, NULL };

  m->items = g_ptr_array_new_with_free_func ((GDestroyNotify) media_item_free);
  m->session = soup_session_new ();
  if (msg == NULL)
    {
      m->done = TRUE;
      return m;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  g_object_set_data_full (G_OBJECT (m->session), "msg", g_object_ref (msg), g_object_unref);
  soup_session_websocket_connect_async (m->session, msg, NULL, protocols, G_PRIORITY_DEFAULT, NULL,
                                        on_media_probe_connected, m);
  while (!m->done)
    iterate ();
  g_object_set_data (G_OBJECT (m->session), "msg", NULL);
  return m;
}

static gboolean
media_probe_wait_closed (MediaProbe *m,
                         guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (m->ws != NULL && !m->closed && g_get_monotonic_time () < deadline)
    iterate ();
  return m->closed;
}

static const char *
media_item_type (MediaItem *item)
{
  return item->text && item->json
         ? json_object_get_string_member_with_default (json_node_get_object (item->json), "type", "")
         : NULL;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint idem_counter;

static char *
next_idem (void)
{
  return g_strdup_printf ("cbconf-idem-%u-%" G_GINT64_FORMAT, ++idem_counter, g_get_real_time ());
}

/* The calls the control probe sees in state connected, most recent first. */
static GPtrArray *
connected_calls (Probe *p,
                 guint  wait_ms)
{
  g_autoptr(GHashTable) since = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  gint64 until = g_get_monotonic_time () + (gint64) wait_ms * 1000;
  GHashTableIter iter;
  gpointer key, value;

  while (g_get_monotonic_time () < until)
    {
      g_autoptr(CbMessage) m = probe_next (p, 50);
      JsonArray *items = NULL;

      if (m == NULL)
        continue;
      if (m->type == CB_MESSAGE_SNAPSHOT
          && g_strcmp0 (json_object_get_string_member_with_default (m->object, "topic", ""), "calls") == 0
          && cb_json_get_array (m->object, "items", TRUE, &items, NULL))
        for (guint i = 0; i < json_array_get_length (items); i++)
          {
            JsonObject *item = json_array_get_object_element (items, i);
            JsonObject *data = item ? json_object_get_object_member (item, "data") : NULL;
            const char *id = data ? json_object_get_string_member_with_default (data, "id", NULL) : NULL;

            if (id == NULL)
              continue;
            if (g_strcmp0 (json_object_get_string_member_with_default (data, "state", ""), "connected") == 0)
              g_hash_table_replace (since, g_strdup (id),
                                    GSIZE_TO_POINTER (json_object_get_int_member_with_default (data, "state_since", 0)));
            else
              g_hash_table_remove (since, id);
          }
      else if (m->type == CB_MESSAGE_EVENT && g_strcmp0 (m->entity_type, "call") == 0)
        {
          if (m->kind == CB_EVENT_UPSERT && m->data != NULL
              && g_strcmp0 (json_object_get_string_member_with_default (m->data, "state", ""), "connected") == 0)
            g_hash_table_replace (since, g_strdup (m->entity_id),
                                  GSIZE_TO_POINTER (json_object_get_int_member_with_default (m->data, "state_since", 0)));
          else
            g_hash_table_remove (since, m->entity_id);
        }
    }

  /* Most recently connected first: the likeliest to last. */
  for (guint n = g_hash_table_size (since); n > 0; n--)
    {
      const char *best = NULL;
      gsize best_since = 0;

      g_hash_table_iter_init (&iter, since);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (best == NULL || GPOINTER_TO_SIZE (value) > best_since)
          {
            best = key;
            best_since = GPOINTER_TO_SIZE (value);
          }
      g_ptr_array_add (ids, g_strdup (best));
      g_hash_table_remove (since, best);
    }
  return ids;
}

typedef struct
{
  char       *monitor_id;
  char       *media_url;
  gint64      expires_at;
  CbMessage  *res;
} Monitor;

static void
monitor_clear (Monitor *mon)
{
  g_clear_pointer (&mon->monitor_id, g_free);
  g_clear_pointer (&mon->media_url, g_free);
  g_clear_pointer (&mon->res, cb_message_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Monitor, monitor_clear)

/* monitor.start in listen mode on one of @calls (the first that works). */
static gboolean
start_monitor (Probe     *p,
               GPtrArray *calls,
               Monitor   *mon)
{
  for (guint i = 0; i < calls->len && i < 5; i++)
    {
      g_autofree char *idem = next_idem ();
      g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"op\":\"monitor.start\",\"idem\":\"%s\",\"data\":"
                                               "{\"call_id\":\"%s\",\"mode\":\"listen\","
                                               "\"codecs\":[\"opus\",\"l16\",\"pcmu\"]}}",
                                               idem, (const char *) g_ptr_array_index (calls, i));
      CbMessage *res = probe_call (p, text);
      JsonObject *monitor = NULL;
      const char *url = NULL;

      monitor_clear (mon);
      mon->res = res;
      if (res == NULL || !res->ok || res->data == NULL)
        continue;
      if (cb_json_get_object (res->data, "monitor", TRUE, &monitor, NULL)
          && cb_json_get_string (res->data, "media_url", TRUE, &url, NULL)
          && cb_json_get_int (res->data, "media_url_expires_at", TRUE, 0, &mon->expires_at, NULL))
        {
          mon->monitor_id = g_strdup (json_object_get_string_member_with_default (monitor, "id", ""));
          mon->media_url = g_strdup (url);
        }
      return TRUE;
    }
  return FALSE;
}

static char *
fresh_media_url (Probe      *p,
                 const char *monitor_id)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"op\":\"monitor.get_media_url\",\"data\":"
                                           "{\"monitor_id\":\"%s\"}}", monitor_id);
  g_autoptr(CbMessage) res = probe_call (p, text);
  const char *url = NULL;

  if (res == NULL || !res->ok || res->data == NULL || !cb_json_get_string (res->data, "media_url", TRUE, &url, NULL))
    return NULL;
  return g_strdup (url);
}

/* C43: what came on a media socket, against §12.2–12.4. */
typedef struct
{
  guint   frames;
  guint   errors;
  gint64  covered;           /* samples from the first frame's end to the last's */
  double  seconds;           /* wall time between them */
  double  longest_silence_s;
  gint64  rate;
  guint   codec;
  guint   channels;
  gboolean stopped;
  GString *evidence;
} MediaReport;

static void
media_fault (MediaReport *r,
             const char  *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
media_fault (MediaReport *r,
             const char  *format,
             ...)
{
  va_list ap;

  if (r->errors++ < 3)
    {
      va_start (ap, format);
      g_string_append_vprintf (r->evidence, format, ap);
      g_string_append (r->evidence, "; ");
      va_end (ap);
    }
}

static void
inspect_media (MediaProbe  *m,
               MediaReport *r)
{
  static const char * const members[] = { "monitor_id", "call_id", "mode", "codec", "channel_map", "uplink", NULL };
  JsonObject *start = NULL;
  const char *codec = NULL;
  gint64 channels = 0, frame_ms = 0, start_at = 0, max_queue = 0;
  guint32 expected_seq = 0;
  guint64 expected_pos = 0;
  gint64 first_end = -1, first_us = 0, last_us = 0, previous_us = 0;

  for (guint i = 0; i < m->items->len; i++)
    {
      MediaItem *item = g_ptr_array_index (m->items, i);
      const guint8 *f;
      gsize length;
      guint32 seq, count;
      guint64 pos;

      if (item->text)
        {
          const char *type = media_item_type (item);

          if (type == NULL)
            media_fault (r, "a text frame that is not a JSON object with a type");
          else if (start == NULL && !g_str_equal (type, "start"))
            media_fault (r, "\"%s\" before start", type);
          else if (start == NULL)
            {
              JsonObject *uplink = NULL;
              JsonArray *map = NULL;

              start = json_node_get_object (item->json);
              for (guint k = 0; members[k] != NULL; k++)
                if (!json_object_has_member (start, members[k]))
                  media_fault (r, "start without %s", members[k]);
              if (!cb_json_get_string (start, "codec", TRUE, &codec, NULL)
                  || !cb_json_get_int (start, "sample_rate", TRUE, 1, &r->rate, NULL)
                  || !cb_json_get_int (start, "channels", TRUE, 1, &channels, NULL)
                  || !cb_json_get_int (start, "frame_ms", TRUE, 1, &frame_ms, NULL)
                  || !cb_json_get_int (start, "start_at", TRUE, 0, &start_at, NULL)
                  || !cb_json_get_int (start, "max_queue_ms", TRUE, 0, &max_queue, NULL)
                  || !cb_json_get_object (start, "uplink", TRUE, &uplink, NULL)
                  || !cb_json_get_array (start, "channel_map", TRUE, &map, NULL)
                  || (channels != 1 && channels != 2))
                media_fault (r, "start has a member missing or of the wrong type");
              r->codec = g_strcmp0 (codec, "pcmu") == 0 ? 1 : g_strcmp0 (codec, "l16") == 0 ? 2
                         : g_strcmp0 (codec, "opus") == 0 ? 3 : 0;
              r->channels = (guint) channels;
              if (r->codec == 0)
                media_fault (r, "unknown codec %s", codec ? codec : "(none)");
            }
          else if (g_str_equal (type, "stop"))
            r->stopped = TRUE;
          continue;
        }

      f = g_bytes_get_data (item->bytes, &length);
      if (start == NULL)
        {
          media_fault (r, "a binary frame before start");
          continue;
        }
      if (length < 24 || f[0] != 1 || f[1] < 24 || f[1] > length)
        {
          media_fault (r, "frame %u: bad version or header_len", r->frames);
          continue;
        }
      seq = read_be32 (f + 8);
      count = read_be32 (f + 12);
      pos = ((guint64) read_be32 (f + 16) << 32) | read_be32 (f + 20);
      if (f[2] != 1 && f[2] != 2)
        media_fault (r, "frame %u: kind %u", r->frames, f[2]);
      if (f[3] != r->codec || f[4] != r->channels)
        media_fault (r, "frame %u: codec %u channels %u, start says %u and %u", r->frames, f[3], f[4], r->codec,
                     r->channels);
      if (seq != expected_seq)
        media_fault (r, "frame %u: seq %u, expected %u", r->frames, seq, expected_seq);
      if (pos != expected_pos)
        media_fault (r, "frame %u: sample_pos %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, r->frames, pos,
                     expected_pos);
      if (f[2] == 1 && r->codec != 3 && length - f[1] != (gsize) count * r->channels * (r->codec == 2 ? 2 : 1))
        media_fault (r, "frame %u: payload of %" G_GSIZE_FORMAT " bytes for %u samples", r->frames, length - f[1],
                     count);
      if (f[2] == 2 && (length - f[1] != 4 || f[f[1]] > 5))
        media_fault (r, "frame %u: a gap payload must be 4 bytes with a known reason", r->frames);

      expected_seq = seq + 1;
      expected_pos = pos + count;
      if (first_end < 0)
        {
          first_end = (gint64) (pos + count);
          first_us = item->at_us;
        }
      else
        r->longest_silence_s = MAX (r->longest_silence_s, (item->at_us - previous_us) / 1e6);
      previous_us = last_us = item->at_us;
      r->covered = (gint64) (pos + count) - first_end;
      r->frames++;
    }

  if (start == NULL)
    media_fault (r, "no start");
  r->seconds = (last_us - first_us) / 1e6;
}

static gboolean
wait_media_text (MediaProbe *m,
                 const char *type,
                 guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      for (guint i = 0; i < m->items->len; i++)
        if (g_strcmp0 (media_item_type (g_ptr_array_index (m->items, i)), type) == 0)
          return TRUE;
      if (m->closed || g_get_monotonic_time () > deadline)
        return FALSE;
      iterate ();
    }
}

static const char *
media_stop_reason (MediaProbe *m)
{
  const char *reason = NULL;

  for (guint i = 0; i < m->items->len; i++)
    {
      MediaItem *item = g_ptr_array_index (m->items, i);

      if (g_strcmp0 (media_item_type (item), "stop") == 0)
        reason = json_object_get_string_member_with_default (json_node_get_object (item->json), "reason", "");
    }
  return reason;
}

/* Makes sure @media is an open media socket of a live monitor @mon. */
static gboolean
live_monitor (Probe       *p,
              GPtrArray  **calls,
              Monitor     *mon,
              MediaProbe **media)
{
  if (*media != NULL && (*media)->ws != NULL && !(*media)->closed)
    return TRUE;
  g_clear_pointer (media, media_probe_free);
  g_ptr_array_unref (*calls);
  *calls = connected_calls (p, 1000);
  if (!start_monitor (p, *calls, mon) || mon->media_url == NULL)
    return FALSE;
  *media = media_probe_open (mon->media_url, "callboard.media.v1");
  return (*media)->ws != NULL && wait_media_text (*media, "start", 3000);
}

static CbMessage *
set_whisper (Probe   *p,
             Monitor *mon)
{
  g_autofree char *idem = next_idem ();
  g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"op\":\"monitor.set_mode\",\"idem\":\"%s\","
                                           "\"data\":{\"monitor_id\":\"%s\",\"mode\":\"whisper\"}}",
                                           idem, mon->monitor_id);

  return probe_call (p, text);
}

/* A second of silence from the "microphone", in start.uplink's format (not
 * for Opus: the tool has no encoder). Returns the frames sent. */
static guint
send_uplink (MediaProbe *media)
{
  JsonObject *start = NULL, *uplink = NULL;
  const char *codec = NULL;
  gint64 rate = 0, frame_ms = 20;
  g_autofree guint8 *frame = NULL;
  guint n, bytes, sent;

  for (guint i = 0; i < media->items->len && start == NULL; i++)
    if (g_strcmp0 (media_item_type (g_ptr_array_index (media->items, i)), "start") == 0)
      start = json_node_get_object (((MediaItem *) g_ptr_array_index (media->items, i))->json);
  if (start == NULL || !cb_json_get_object (start, "uplink", TRUE, &uplink, NULL) || uplink == NULL)
    return 0;
  cb_json_get_string (uplink, "codec", TRUE, &codec, NULL);
  cb_json_get_int (uplink, "sample_rate", TRUE, 1, &rate, NULL);
  cb_json_get_int (uplink, "frame_ms", TRUE, 1, &frame_ms, NULL);
  if ((g_strcmp0 (codec, "l16") != 0 && g_strcmp0 (codec, "pcmu") != 0) || rate <= 0 || frame_ms <= 0)
    return 0;

  n = (guint) (rate * frame_ms / 1000);
  bytes = g_str_equal (codec, "l16") ? 2 : 1;
  frame = g_malloc0 (24 + n * bytes);
  if (bytes == 1)
    memset (frame + 24, 0xff, n);   /* µ-law silence */
  frame[0] = 1;
  frame[1] = 24;
  frame[2] = 3;
  frame[3] = bytes == 2 ? 2 : 1;
  frame[4] = 1;
  for (sent = 0; sent < 1000 / frame_ms
                 && soup_websocket_connection_get_state (media->ws) == SOUP_WEBSOCKET_STATE_OPEN; sent++)
    {
      guint64 pos = (guint64) sent * n;
      gint64 next = g_get_monotonic_time () + frame_ms * 1000;

      for (guint b = 0; b < 4; b++)
        {
          frame[8 + b] = (guint8) (sent >> (24 - 8 * b));
          frame[12 + b] = (guint8) (n >> (24 - 8 * b));
        }
      for (guint b = 0; b < 8; b++)
        frame[16 + b] = (guint8) (pos >> (56 - 8 * b));
      soup_websocket_connection_send_binary (media->ws, frame, 24 + n * bytes);
      while (g_get_monotonic_time () < next)
        iterate ();
    }
  return sent;
}

static void
check_recordings (Probe *p);

static void
check_media (void)
{
  g_autoptr(CbMessage) w = NULL;
  g_autoptr(Probe) p = session_probe (&w);
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(MediaProbe) media = NULL;
  g_autoptr(MediaProbe) again = NULL;
  g_auto(Monitor) mon = { 0 };
  g_autofree char *used_url = NULL;
  gboolean can = has (backend.features, "monitor.listen") && has (backend.permissions, "calls.listen")
                 && has (backend.permissions, "calls.read");
  const char *why = !has (backend.features, "monitor.listen") ? "the backend does not advertise monitor.listen"
                    : "the token lacks calls.listen or calls.read";

  if (w == NULL)
    return;
  /* Listening takes ten seconds: only when asked. */
  if (!selected ("C41") && !selected ("C42") && !selected ("C43") && !selected ("C44") && !selected ("C45")
      && !selected ("C46") && !selected ("C47"))
    return;

  if (can)
    {
      g_autoptr(CbMessage) res = probe_call (p, "{\"type\":\"subscribe\",\"topic\":\"calls\"}");

      calls = connected_calls (p, 1500);
      if (calls->len == 0)
        {
          g_ptr_array_unref (calls);
          calls = connected_calls (p, 8000);
        }
      if (calls->len == 0)
        {
          can = FALSE;
          why = "no connected call to monitor";
        }
    }

  if (!can)
    {
      static const char * const ids[] = { "C41", "C42", "C43", "C44", "C45", "C46" };
      static const char * const titles[] = { "monitor.start", "media subprotocol refusal", "media framing",
                                             "media ticket single-use", "monitor mode change", "monitor stop" };

      for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
        if (selected (ids[i]))
          report (ids[i], titles[i], RESULT_SKIP, "%s", why);
      check_recordings (p);
      return;
    }

  /* C41 */
  start_monitor (p, calls, &mon);
  if (selected ("C41"))
    CHECK ("C41", "monitor.start", mon.media_url != NULL && mon.expires_at > g_get_real_time () / 1000,
           "%s%s", mon.res == NULL ? "no answer" : error_code (mon.res),
           mon.media_url != NULL && mon.expires_at <= g_get_real_time () / 1000 ? ", media_url_expires_at in the past" : "");
  if (mon.media_url == NULL)
    {
      check_recordings (p);
      return;
    }

  /* C42: the wrong media subprotocol. */
  if (selected ("C42"))
    {
      g_autoptr(MediaProbe) wrong = media_probe_open (mon.media_url, "callboard.media.v0");

      if (wrong->ws == NULL && (wrong->http_status == 400 || wrong->http_status == 426))
        report ("C42", "media subprotocol refusal", RESULT_PASS, "HTTP %u (warning: 4406 after the upgrade is preferred)",
                wrong->http_status);
      else
        {
          media_probe_wait_closed (wrong, 5000);
          CHECK ("C42", "media subprotocol refusal", wrong->closed && wrong->close_code == CB_CLOSE_VERSION,
                 "%s close %u", wrong->ws ? "upgraded," : "not upgraded,", wrong->close_code);
        }
    }

  /* C43: open it properly and listen for 10 s in all; a call that ends on
   * its own is followed by another, and the figures add up. */
  {
    guint frames = 0, errors = 0, sockets = 0, ended = 0;
    double seconds = 0, audio_s = 0, longest = 0, speed;
    GString *evidence = g_string_new (NULL);
    gboolean opened = TRUE;

    for (guint attempt = 0; attempt < 6 && seconds < 9.5; attempt++)
      {
        MediaReport r = { 0 };
        gint64 until;

        g_clear_pointer (&used_url, g_free);
        if (attempt == 0)
          used_url = fresh_media_url (p, mon.monitor_id);
        else
          {
            g_ptr_array_unref (calls);
            calls = connected_calls (p, 1000);
            if (!start_monitor (p, calls, &mon) || mon.media_url == NULL)
              break;
          }
        if (used_url == NULL)
          used_url = g_strdup (mon.media_url);

        g_clear_pointer (&media, media_probe_free);
        media = media_probe_open (used_url, "callboard.media.v1");
        if (media->ws == NULL)
          {
            g_string_append_printf (evidence, "%s; ", media->error ? media->error->message : "no connection");
            opened = FALSE;
            break;
          }

        /* C44, while the monitor lives: the same URL once more. */
        if (again == NULL)
          {
            again = media_probe_open (used_url, "callboard.media.v1");
            media_probe_wait_closed (again, 5000);
          }

        until = g_get_monotonic_time () + (gint64) ((10 - seconds) * G_USEC_PER_SEC);
        while (!media->closed && g_get_monotonic_time () < until)
          iterate ();

        r.evidence = evidence;
        inspect_media (media, &r);
        frames += r.frames;
        errors += r.errors;
        seconds += r.seconds;
        audio_s += r.rate > 0 ? r.covered / (double) r.rate : 0;
        longest = MAX (longest, r.longest_silence_s);
        sockets++;
        ended += r.stopped;
        if (!r.stopped || r.errors > 0)
          break;
      }

    speed = seconds > 0 ? audio_s / seconds : 0;
    if (selected ("C43"))
      CHECK ("C43", "media framing",
             opened && errors == 0 && frames > 0 && longest <= 1.1 && speed > 0.95 && speed < 1.05,
             "%u frames over %.1f s on %u socket%s (%.3fx real time, longest silence %.2f s)%s%s%s", frames, seconds,
             sockets, sockets == 1 ? "" : "s", speed, longest, ended ? "; calls ended on their own" : "",
             evidence->len ? "; " : "", evidence->str);
    g_string_free (evidence, TRUE);
  }

  if (selected ("C44") && again != NULL)
    {
      if (again->ws == NULL)
        CHECK ("C44", "media ticket single-use", again->http_status == 401 || again->http_status == 403,
               "HTTP %u", again->http_status);
      else
        {
          CHECK ("C44", "media ticket single-use", again->closed && again->close_code == CB_CLOSE_TOKEN_INVALID,
                 "close %u", again->close_code);
        }
    }

  /* C45: whisper, with a second of uplink; another call if this one ends. */
  if (selected ("C45"))
    {
      if (!has (backend.features, "monitor.whisper") || !has (backend.permissions, "calls.whisper"))
        report ("C45", "monitor mode change", RESULT_SKIP, "needs the monitor.whisper feature and calls.whisper");
      else
        for (guint attempt = 0; attempt < 3; attempt++)
          {
            g_autoptr(CbMessage) res = NULL;
            gboolean mode_seen;
            guint sent;

            if (!live_monitor (p, &calls, &mon, &media))
              {
                report ("C45", "monitor mode change", RESULT_SKIP, "no live monitor");
                break;
              }
            res = set_whisper (p, &mon);
            mode_seen = res != NULL && res->ok && wait_media_text (media, "mode", 3000);
            sent = mode_seen ? send_uplink (media) : 0;
            if (mode_seen)
              probe_drain (p, 500);
            if (media->closed && g_strcmp0 (media_stop_reason (media), "call_ended") == 0 && attempt < 2)
              continue;
            CHECK ("C45", "monitor mode change", res != NULL && res->ok && mode_seen && !media->closed,
                   "set_mode %s, %s, %u uplink frames sent%s", res ? error_code (res) : "unanswered",
                   mode_seen ? "mode message came" : "no mode message", sent,
                   media->closed ? ", then the media socket closed" : "");
            break;
          }
    }

  /* C46: stop; another call if this one ends first. */
  if (selected ("C46"))
    for (guint attempt = 0; attempt < 3; attempt++)
      {
        gboolean watch = has (backend.permissions, "monitors.read");
        g_autoptr(CbMessage) sub = NULL;
        g_autoptr(CbMessage) res = NULL;
        g_autofree char *idem = next_idem ();
        g_autofree char *text = NULL;
        gboolean stop_seen, closed, ended = !watch;
        gint64 until;

        if (!live_monitor (p, &calls, &mon, &media))
          {
            report ("C46", "monitor stop", RESULT_SKIP, "no live monitor");
            break;
          }
        sub = watch ? probe_call (p, "{\"type\":\"subscribe\",\"topic\":\"monitors\"}") : NULL;
        text = g_strdup_printf ("{\"type\":\"req\",\"op\":\"monitor.stop\",\"idem\":\"%s\","
                                "\"data\":{\"monitor_id\":\"%s\"}}", idem, mon.monitor_id);
        res = probe_call (p, text);
        stop_seen = wait_media_text (media, "stop", 5000);
        closed = media_probe_wait_closed (media, 5000);
        until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
        while (watch && !ended && g_get_monotonic_time () < until)
          {
            g_autoptr(CbMessage) m = probe_next (p, 100);

            if (m != NULL && m->type == CB_MESSAGE_EVENT && g_strcmp0 (m->entity_id, mon.monitor_id) == 0)
              ended = m->kind == CB_EVENT_DELETE
                      || g_strcmp0 (json_object_get_string_member_with_default (m->data, "state", ""), "ended") == 0;
            else if (m != NULL && m->type == CB_MESSAGE_SNAPSHOT)
              {
                JsonArray *items = json_object_get_array_member (m->object, "items");

                for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
                  {
                    JsonObject *data = json_object_get_object_member (json_array_get_object_element (items, i), "data");

                    if (g_strcmp0 (json_object_get_string_member_with_default (data, "id", ""), mon.monitor_id) == 0
                        && g_strcmp0 (json_object_get_string_member_with_default (data, "state", ""), "ended") == 0)
                      ended = TRUE;
                  }
              }
          }
        if (g_strcmp0 (media_stop_reason (media), "call_ended") == 0 && attempt < 2)
          continue;
        CHECK ("C46", "monitor stop", res != NULL && res->ok && stop_seen && closed && media->close_code == 1000 && ended,
               "%s, %s, close %u%s", res ? error_code (res) : "unanswered",
               stop_seen ? "stop came" : "no stop", media->close_code,
               !watch ? " (monitors not readable: entity not checked)"
                      : ended ? ", the monitor ended" : ", the monitor did not end");
        break;
      }
  check_recordings (p);
}

/* C47, with plain blocking HTTP: the server is another process. */
typedef struct
{
  guint    status;
  GBytes  *body;
  char    *content_length;
  char    *content_range;
  char    *accept_ranges;
} Fetched;

static void
fetched_clear (Fetched *f)
{
  g_clear_pointer (&f->body, g_bytes_unref);
  g_clear_pointer (&f->content_length, g_free);
  g_clear_pointer (&f->content_range, g_free);
  g_clear_pointer (&f->accept_ranges, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Fetched, fetched_clear)

static void
fetch (SoupSession *session,
       const char  *method,
       const char  *url,
       const char  *range,
       Fetched     *out)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *h;

  if (msg == NULL)
    return;
  if (range != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);
  out->body = soup_session_send_and_read (session, msg, NULL, NULL);
  out->status = soup_message_get_status (msg);
  h = soup_message_get_response_headers (msg);
  out->content_length = g_strdup (soup_message_headers_get_one (h, "Content-Length"));
  out->content_range = g_strdup (soup_message_headers_get_one (h, "Content-Range"));
  out->accept_ranges = g_strdup (soup_message_headers_get_one (h, "Accept-Ranges"));
}

/* The URL with the last character of its signature changed. */
static char *
tamper (const char *url)
{
  char *copy = g_strdup (url);
  char *sig = strstr (copy, "sig=");
  char *end;

  if (sig == NULL)
    sig = strchr (copy, '?');
  if (sig == NULL)
    sig = copy;
  end = sig + strcspn (sig, "&");
  if (end > sig)
    end[-1] = end[-1] == '0' ? '1' : '0';
  return copy;
}

static void
check_recordings (Probe *p)
{
  g_autoptr(CbMessage) page = NULL;
  g_autoptr(SoupSession) session = NULL;
  GString *evidence;
  JsonArray *items = NULL, *formats = NULL;
  JsonObject *rec;
  gint64 size = 0, channels = 0;
  guint bad = 0;

  if (!selected ("C47"))
    return;
  if (!has (backend.features, "recordings") || !has (backend.permissions, "recordings.read"))
    {
      report ("C47", "recordings over HTTP", RESULT_SKIP, "needs the recordings feature and recordings.read");
      return;
    }

  page = probe_call (p, "{\"type\":\"req\",\"op\":\"recording.query\",\"data\":{\"limit\":1}}");
  if (page == NULL || !page->ok || page->data == NULL
      || !cb_json_get_array (page->data, "items", TRUE, &items, NULL) || json_array_get_length (items) == 0)
    {
      if (page != NULL && !page->ok)
        report ("C47", "recordings over HTTP", RESULT_FAIL, "recording.query: %s", error_code (page));
      else
        report ("C47", "recordings over HTTP", RESULT_SKIP, "no recording");
      return;
    }

  rec = json_array_get_object_element (items, 0);
  if (rec == NULL || !cb_json_get_array (rec, "formats", TRUE, &formats, NULL)
      || !cb_json_get_int (rec, "size_bytes", TRUE, 0, &size, NULL)
      || !cb_json_get_int (rec, "channels", TRUE, 1, &channels, NULL))
    {
      report ("C47", "recordings over HTTP", RESULT_FAIL, "the recording lacks formats, size_bytes or channels");
      return;
    }

#define MISS(...) G_STMT_START { g_string_append_printf (evidence, __VA_ARGS__); bad++; } G_STMT_END
  session = soup_session_new ();
  evidence = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (formats); i++)
    {
      const char *format = json_array_get_string_element (formats, i);
      g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"op\":\"recording.get_url\",\"data\":"
                                               "{\"recording_id\":\"%s\",\"format\":\"%s\"}}",
                                               json_object_get_string_member_with_default (rec, "id", ""), format);
      g_autoptr(CbMessage) res = probe_call (p, text);
      g_auto(Fetched) head = { 0 };
      g_auto(Fetched) first = { 0 };
      g_auto(Fetched) past = { 0 };
      g_auto(Fetched) forged = { 0 };
      g_autofree char *want_length = NULL;
      g_autofree char *want_range = NULL;
      g_autofree char *beyond = NULL;
      g_autofree char *tampered = NULL;
      const char *url = NULL;
      gint64 url_size = 0;
      const guint8 *b;
      gsize n = 0;

      if (res == NULL || !res->ok || res->data == NULL || !cb_json_get_string (res->data, "url", TRUE, &url, NULL)
          || !cb_json_get_int (res->data, "size_bytes", TRUE, 0, &url_size, NULL))
        {
          g_string_append_printf (evidence, "%s: get_url %s; ", format, res ? error_code (res) : "unanswered");
          bad++;
          continue;
        }
      size = url_size;
      want_length = g_strdup_printf ("%" G_GINT64_FORMAT, size);
      want_range = g_strdup_printf ("bytes 0-99/%" G_GINT64_FORMAT, size);
      beyond = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", size + 10);
      tampered = tamper (url);

      fetch (session, "HEAD", url, NULL, &head);
      fetch (session, "GET", url, "bytes=0-99", &first);
      fetch (session, "GET", url, beyond, &past);
      fetch (session, "GET", tampered, "bytes=0-99", &forged);
      b = first.body ? g_bytes_get_data (first.body, &n) : NULL;

      if (head.status != 200 || g_strcmp0 (head.accept_ranges, "bytes") != 0
          || g_strcmp0 (head.content_length, want_length) != 0)
        MISS ("%s: HEAD %u, Accept-Ranges %s, Content-Length %s (size_bytes %s); ", format,
                                head.status, head.accept_ranges ? head.accept_ranges : "-",
                                head.content_length ? head.content_length : "-", want_length);
      if (first.status != 206 || g_strcmp0 (first.content_range, want_range) != 0 || n != 100)
        MISS ("%s: bytes=0-99 gave %u, %s, %" G_GSIZE_FORMAT " bytes; ", format,
                                first.status, first.content_range ? first.content_range : "no Content-Range", n);
      else if (g_str_equal (format, "wav")
               && (memcmp (b, "RIFF", 4) != 0 || memcmp (b + 8, "WAVE", 4) != 0 || (b[22] | (b[23] << 8)) != channels))
        MISS ("wav: not RIFF/WAVE with %" G_GINT64_FORMAT " channels; ", channels);
      else if (g_str_equal (format, "ogg_opus")
               && (memcmp (b, "OggS", 4) != 0 || memcmp (b + 28, "OpusHead", 8) != 0 || b[37] != channels))
        MISS ("ogg_opus: not OggS/OpusHead with %" G_GINT64_FORMAT " channels; ",
                                channels);
      if (past.status != 416)
        MISS ("%s: a range beyond the end gave %u; ", format, past.status);
      if (forged.status != 403)
        MISS ("%s: a tampered signature gave %u; ", format, forged.status);
    }

#undef MISS
  CHECK ("C47", "recordings over HTTP", bad == 0 && json_array_get_length (formats) > 0,
         "%u formats of %" G_GINT64_FORMAT " bytes%s%s", json_array_get_length (formats), size,
         evidence->len ? ": " : "", evidence->str);
  g_string_free (evidence, TRUE);
}


/* ---- writes and bulk data (C17–C19, C22, C23) ------------------------------------ */

/* A req with if_rev and idem (when ≥ 0 / non-NULL), paced under the
 * request rate (these checks send hundreds); waits out rate_limited. */
static CbMessage *
probe_req (Probe      *p,
           const char *op,
           const char *data_json,
           gint64      if_rev,
           const char *idem)
{
  /* A copy of the server's token bucket (§14.5), a little slower. */
  static double tokens = -1;
  static gint64 last_us;
  double rate = MAX (backend.per_second, 1) * 0.9;

  for (guint attempt = 0; attempt < 20; attempt++)
    {
      g_autofree char *rev = if_rev >= 0 ? g_strdup_printf (",\"if_rev\":%" G_GINT64_FORMAT, if_rev) : g_strdup ("");
      g_autofree char *key = idem ? g_strdup_printf (",\"idem\":\"%s\"", idem) : g_strdup ("");
      g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"op\":\"%s\",\"data\":%s%s%s}", op, data_json, rev, key);
      CbMessage *res;
      gint64 after = 0, now = g_get_monotonic_time ();

      if (tokens < 0)
        tokens = MAX (backend.burst, 1) - 1;
      tokens = MIN (MAX (backend.burst, 1) - 1, tokens + (now - last_us) / 1e6 * rate);
      last_us = now;
      if (tokens < 1)
        {
          probe_drain (p, (guint) ((1 - tokens) / rate * 1000) + 1);
          tokens = 1;
          last_us = g_get_monotonic_time ();
        }
      tokens -= 1;
      res = probe_call (p, text);
      if (res == NULL || res->ok || g_strcmp0 (error_code (res), "rate_limited") != 0)
        return res;
      cb_json_get_int (res->error, "retry_after_ms", FALSE, 0, &after, NULL);
      cb_message_unref (res);
      probe_drain (p, (guint) CLAMP (after, 1, 5000) + 20);
    }
  return NULL;
}

static JsonObject *
res_object (CbMessage  *res,
            const char *member)
{
  JsonNode *node = res && res->ok && res->data ? json_object_get_member (res->data, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gint64
res_rev (CbMessage  *res,
         const char *member)
{
  JsonObject *o = res_object (res, member);
  gint64 rev = -1;

  if (o != NULL)
    cb_json_get_int (o, "rev", FALSE, 0, &rev, NULL);
  return rev;
}

static const char *
res_id (CbMessage  *res,
        const char *member)
{
  JsonObject *o = res_object (res, member);

  return o ? json_object_get_string_member_with_default (o, "id", NULL) : NULL;
}

/* Deletes a cbconf-* entity, following a conflict to the current rev. */
static void
cleanup_delete (Probe      *p,
                const char *op,
                const char *id,
                gint64      rev)
{
  g_autofree char *data = g_strdup_printf ("{\"id\":\"%s\"}", id);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(CbMessage) res = probe_req (p, op, data, rev, NULL);
      JsonNode *current;

      if (res == NULL || res->ok || g_strcmp0 (error_code (res), "conflict") != 0)
        return;
      current = json_object_get_member (res->error, "current");
      if (current == NULL || !JSON_NODE_HOLDS_OBJECT (current))
        return;
      cb_json_get_int (json_node_get_object (current), "rev", FALSE, 0, &rev, NULL);
    }
}

static gboolean
json_objects_equal (JsonObject *a,
                    JsonObject *b)
{
  g_autoptr(JsonNode) x = json_node_alloc ();
  g_autoptr(JsonNode) y = json_node_alloc ();

  if (a == NULL || b == NULL)
    return FALSE;
  json_node_init_object (x, a);
  json_node_init_object (y, b);
  return json_node_equal (x, y);
}

/* The first id of a topic's snapshot (for a list to page or upload into). */
static char *
first_of_topic (Probe      *p,
                const char *topic)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"subscribe\",\"topic\":\"%s\"}", topic);
  g_autoptr(CbMessage) res = probe_call (p, text);
  char *id = NULL;
  gint64 parts = 0;

  if (res == NULL || !res->ok)
    return NULL;
  cb_json_get_int (res->data, "parts", FALSE, 1, &parts, NULL);
  for (gint64 got = 0; got < parts; )
    {
      g_autoptr(CbMessage) m = probe_next (p, 5000);
      JsonArray *items;

      if (m == NULL)
        break;
      if (m->type != CB_MESSAGE_SNAPSHOT)
        continue;
      got++;
      items = json_object_get_array_member (m->object, "items");
      if (id == NULL && items != NULL && json_array_get_length (items) > 0)
        id = g_strdup (json_object_get_string_member (json_object_get_object_member (
               json_array_get_object_element (items, 0), "entity"), "id"));
    }
  {
    g_autofree char *unsub = g_strdup_printf ("{\"type\":\"unsubscribe\",\"topic\":\"%s\"}", topic);
    g_autoptr(CbMessage) un = probe_call (p, unsub);
  }
  return id;
}

static void
check_paging (Probe     *p,
              CbMessage *welcome)
{
  struct { const char *op; const char *feature; const char *permission; const char *topic; const char *key; } queries[] = {
    { "lead.query", "campaigns", "leads.read", "lead_lists", "list_id" },
    { "dnc.query", "dnc", "compliance.read", "dnc_lists", "list_id" },
    { "evaluation.query", "qa", "qa.read", NULL, NULL },
    { "history.query", "history", "history.read", NULL, NULL },
    { "recording.query", "recordings", "recordings.read", NULL, NULL },
  };
  JsonObject *limits = json_object_get_object_member (welcome->object, "limits");
  gint64 max_page = limits ? json_object_get_int_member_with_default (limits, "max_page_size", 100) : 100;
  GString *evidence = g_string_new (NULL);
  guint tried = 0, bad = 0;
  gint64 now = g_get_real_time () / 1000;

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autofree char *filter = NULL;
      g_autofree char *cursor = NULL;
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      guint pages = 0, items_total = 0;
      gboolean ended = FALSE, dup = FALSE, oversized = FALSE;

      if (!has (backend.features, queries[q].feature) || !has (backend.permissions, queries[q].permission))
        continue;
      if (queries[q].topic != NULL)
        {
          g_autofree char *list = first_of_topic (p, queries[q].topic);

          if (list == NULL)
            continue;
          filter = g_strdup_printf ("{\"%s\":\"%s\"}", queries[q].key, list);
        }
      else if (g_str_equal (queries[q].op, "history.query"))
        filter = g_strdup_printf ("{\"from\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT "}", now - 86400000, now + 60000);
      else
        filter = g_strdup ("{}");
      tried++;

      for (pages = 0; pages < 50 && !ended; pages++)
        {
          g_autofree char *data = g_strdup_printf ("{\"filter\":%s,\"limit\":2%s%s%s}", filter,
                                                   cursor ? ",\"cursor\":\"" : "", cursor ? cursor : "", cursor ? "\"" : "");
          g_autoptr(CbMessage) res = probe_req (p, queries[q].op, data, -1, NULL);
          JsonArray *items = res && res->ok ? json_object_get_array_member (res->data, "items") : NULL;
          JsonNode *next = res && res->ok ? json_object_get_member (res->data, "next_cursor") : NULL;

          if (items == NULL || next == NULL)
            {
              g_string_append_printf (evidence, " %s page %u: %s;", queries[q].op, pages + 1, error_code (res));
              bad++;
              ended = TRUE;
              break;
            }
          oversized |= json_array_get_length (items) > 2;
          for (guint i = 0; i < json_array_get_length (items); i++)
            {
              const char *id = json_object_get_string_member_with_default (json_array_get_object_element (items, i), "id", "");

              dup |= g_hash_table_contains (seen, id);
              g_hash_table_add (seen, g_strdup (id));
              items_total++;
            }
          g_clear_pointer (&cursor, g_free);
          if (JSON_NODE_HOLDS_NULL (next))
            ended = TRUE;
          else
            cursor = g_strdup (json_node_get_string (next));
        }
      if (dup || oversized)
        {
          bad++;
          g_string_append_printf (evidence, " %s:%s%s;", queries[q].op, dup ? " an id twice" : "",
                                  oversized ? " a page over the limit" : "");
        }

      {
        g_autofree char *data = g_strdup_printf ("{\"filter\":%s,\"limit\":%" G_GINT64_FORMAT "}", filter, max_page + 1);
        g_autoptr(CbMessage) res = probe_req (p, queries[q].op, data, -1, NULL);
        JsonArray *items = res && res->ok ? json_object_get_array_member (res->data, "items") : NULL;

        if (items == NULL || json_array_get_length (items) > (guint) max_page)
          {
            bad++;
            g_string_append_printf (evidence, " %s limit %" G_GINT64_FORMAT ": %s;", queries[q].op, max_page + 1,
                                    items ? "more than max_page_size" : error_code (res));
          }
      }
      {
        g_autofree char *data = g_strdup_printf ("{\"filter\":%s,\"limit\":2,\"cursor\":\"cbconf-garbage\"}", filter);
        g_autoptr(CbMessage) res = probe_req (p, queries[q].op, data, -1, NULL);
        const char *code = error_code (res);

        if (g_strcmp0 (code, "invalid_state") != 0 && g_strcmp0 (code, "bad_request") != 0)
          {
            bad++;
            g_string_append_printf (evidence, " %s garbage cursor: %s;", queries[q].op, code);
          }
      }
      g_string_append_printf (evidence, " %s: %u items in %u pages%s;", queries[q].op, items_total, pages,
                              ended ? "" : " (stopped at 50)");
    }

  if (tried == 0)
    report ("C22", "paging", RESULT_SKIP, "no paged query is available to this token");
  else
    CHECK ("C22", "paging", bad == 0, "%u queries;%s", tried, evidence->str);
  g_string_free (evidence, TRUE);
}

static void
check_writes (void)
{
  g_autoptr(CbMessage) w = NULL;
  g_autoptr(Probe) p = session_probe (&w);
  g_autofree char *tag = g_strdup_printf ("%08x", g_random_int ());
  gboolean campaigns = has (backend.features, "campaigns");
  gboolean may_write = has (backend.permissions, "campaigns.write");

  if (w == NULL)
    return;

  if (selected ("C22"))
    check_paging (p, w);

  if (selected ("C17"))
    {
      if (!opt_allow_writes || !campaigns || !may_write)
        report ("C17", "if_rev conflict", RESULT_SKIP, "%s", !opt_allow_writes ? "creates objects; run with --allow-writes"
                : !campaigns ? "the backend does not advertise campaigns" : "needs campaigns.write");
      else
        {
          g_autofree char *data = g_strdup_printf ("{\"name\":\"cbconf-campaign-%s\",\"caller_id\":\"+15125550100\"}", tag);
          g_autoptr(CbMessage) created = probe_req (p, "campaign.create", data, -1, NULL);
          const char *id = res_id (created, "campaign");
          gint64 rev = res_rev (created, "campaign");
          g_autofree char *set = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"description\":\"cbconf\"}}", id ? id : "");
          g_autoptr(CbMessage) first = id ? probe_req (p, "campaign.update", set, rev, NULL) : NULL;
          g_autoptr(CbMessage) second = id ? probe_req (p, "campaign.update", set, rev, NULL) : NULL;
          g_autoptr(CbMessage) missing = id ? probe_req (p, "campaign.update", set, -1, NULL) : NULL;
          gint64 new_rev = res_rev (first, "campaign"), current_rev = -1;
          JsonNode *current = second && !second->ok ? json_object_get_member (second->error, "current") : NULL;

          if (current != NULL && JSON_NODE_HOLDS_OBJECT (current))
            cb_json_get_int (json_node_get_object (current), "rev", FALSE, 0, &current_rev, NULL);
          CHECK ("C17", "if_rev conflict",
                 id && new_rev > rev && g_strcmp0 (error_code (second), "conflict") == 0 && current_rev == new_rev
                 && g_strcmp0 (error_code (missing), "bad_request") == 0,
                 "create %s, update %s (rev %" G_GINT64_FORMAT "), stale update %s (current.rev %" G_GINT64_FORMAT
                 "), no if_rev %s", error_code (created), error_code (first), new_rev, error_code (second), current_rev,
                 error_code (missing));
          if (id)
            cleanup_delete (p, "campaign.delete", id, new_rev > 0 ? new_rev : rev);
        }
    }

  if (selected ("C18"))
    {
      if (!opt_allow_writes || !campaigns || !may_write)
        report ("C18", "idempotency of creates", RESULT_SKIP, "%s", !opt_allow_writes ? "creates objects; run with --allow-writes"
                : !campaigns ? "the backend does not advertise campaigns" : "needs campaigns.write");
      else
        {
          g_autofree char *idem = g_strdup_printf ("cbconf-idem-%s", tag);
          g_autofree char *data = g_strdup_printf ("{\"name\":\"cbconf-idem-%s\",\"caller_id\":\"+15125550100\"}", tag);
          g_autofree char *other = g_strdup_printf ("{\"name\":\"cbconf-other-%s\",\"caller_id\":\"+15125550100\"}", tag);
          g_autoptr(CbMessage) r1 = probe_req (p, "campaign.create", data, -1, idem);
          g_autoptr(CbMessage) r2 = probe_req (p, "campaign.create", data, -1, idem);
          g_autoptr(CbMessage) r3 = probe_req (p, "campaign.create", other, -1, idem);
          gboolean replayed = FALSE;

          if (r2 != NULL)
            cb_json_get_bool (r2->object, "idem_replayed", FALSE, &replayed, NULL);
          CHECK ("C18", "idempotency of creates",
                 r1 && r1->ok && r2 && r2->ok && replayed && g_strcmp0 (res_id (r1, "campaign"), res_id (r2, "campaign")) == 0
                 && json_objects_equal (res_object (r1, "campaign"), res_object (r2, "campaign"))
                 && g_strcmp0 (error_code (r3), "bad_request") == 0,
                 "first %s, retry %s (idem_replayed %s, %s), other data %s", error_code (r1), error_code (r2),
                 replayed ? "true" : "false",
                 g_strcmp0 (res_id (r1, "campaign"), res_id (r2, "campaign")) == 0 ? "same campaign" : "another campaign",
                 error_code (r3));
          if (res_id (r1, "campaign"))
            cleanup_delete (p, "campaign.delete", res_id (r1, "campaign"), res_rev (r1, "campaign"));
          if (r3 && r3->ok && res_id (r3, "campaign"))
            cleanup_delete (p, "campaign.delete", res_id (r3, "campaign"), res_rev (r3, "campaign"));
        }
    }

  if (selected ("C19"))
    {
      if (!opt_allow_writes || !campaigns || !may_write || !has (backend.permissions, "campaigns.read"))
        report ("C19", "read your writes", RESULT_SKIP, "%s", !opt_allow_writes ? "creates objects; run with --allow-writes"
                : !campaigns ? "the backend does not advertise campaigns" : "needs campaigns.read and campaigns.write");
      else
        {
          g_autofree char *data = g_strdup_printf ("{\"name\":\"cbconf-ryw-%s\",\"caller_id\":\"+15125550100\"}", tag);
          g_autoptr(CbMessage) created = probe_req (p, "campaign.create", data, -1, NULL);
          g_autoptr(CbMessage) sub = probe_call (p, "{\"type\":\"subscribe\",\"topic\":\"campaigns\"}");
          const char *id = res_id (created, "campaign");
          g_autofree char *set = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"description\":\"cbconf ryw\"}}", id ? id : "");
          g_autoptr(CbMessage) update = NULL;
          gint64 rev = -1;
          gboolean before = FALSE;
          guint n_before;

          /* Let the snapshot arrive, then forget what came so far. */
          probe_drain (p, 1000);
          while (!g_queue_is_empty (&p->inbox))
            cb_message_unref (g_queue_pop_head (&p->inbox));
          update = id ? probe_req (p, "campaign.update", set, res_rev (created, "campaign"), NULL) : NULL;
          rev = res_rev (update, "campaign");
          n_before = p->before_res;
          for (GList *l = p->inbox.head; l != NULL && n_before > 0; l = l->next, n_before--)
            {
              CbMessage *m = l->data;

              if (m->type == CB_MESSAGE_EVENT && m->kind == CB_EVENT_UPSERT && g_strcmp0 (m->entity_id, id) == 0
                  && m->rev == rev)
                before = TRUE;
            }
          CHECK ("C19", "read your writes", sub && sub->ok && update && update->ok && before,
                 "subscribe %s, update %s; the upsert of rev %" G_GINT64_FORMAT " %s the res", error_code (sub),
                 error_code (update), rev, before ? "came before" : "did not come before");
          if (id)
            cleanup_delete (p, "campaign.delete", id, rev > 0 ? rev : res_rev (created, "campaign"));
        }
    }

  if (selected ("C23"))
    {
      if (!opt_allow_writes || !has (backend.features, "imports") || !campaigns || !has (backend.permissions, "leads.write"))
        report ("C23", "upload", RESULT_SKIP, "%s", !opt_allow_writes ? "creates objects; run with --allow-writes"
                : !has (backend.features, "imports") ? "the backend does not advertise imports" : "needs leads.write");
      else
        {
          static const char * const reasons[] = { "invalid_phone", "missing_field", "invalid_field", "invalid_time_zone",
                                                  "duplicate", "dnc_listed", "too_long", "unknown_field", NULL };
          g_autofree char *list_data = g_strdup_printf ("{\"name\":\"cbconf-list-%s\"}", tag);
          g_autoptr(CbMessage) list = probe_req (p, "lead_list.create", list_data, -1, NULL);
          const char *list_id = res_id (list, "lead_list");
          g_autofree char *chunk = g_strdup_printf (
            "{\"upload_id\":\"cbconf-up-%s\",\"list_id\":\"%s\",\"chunk\":1,\"last\":true,\"options\":{\"duplicates\":\"reject\"},"
            "\"rows\":[{\"row\":2,\"phone_numbers\":[{\"number\":\"+15125550190\",\"type\":\"mobile\"}],\"first_name\":\"Ana\"},"
            "{\"row\":3,\"phone_numbers\":[{\"number\":\"555-01\",\"type\":\"mobile\"}],\"first_name\":\"Bo\"},"
            "{\"row\":4,\"phone_numbers\":[{\"number\":\"+15125550191\",\"type\":\"home\"}],\"first_name\":\"Cy\"}]}",
            tag, list_id ? list_id : "");
          g_autoptr(CbMessage) r1 = list_id ? probe_req (p, "lead.upload", chunk, -1, NULL) : NULL;
          g_autoptr(CbMessage) r2 = list_id ? probe_req (p, "lead.upload", chunk, -1, NULL) : NULL;
          JsonArray *rejected = r1 && r1->ok ? json_object_get_array_member (r1->data, "rejected") : NULL;
          JsonObject *totals = res_object (r1, "totals");
          JsonObject *rejection = rejected && json_array_get_length (rejected) == 1 ? json_array_get_object_element (rejected, 0) : NULL;
          gint64 row = -1, accepted = -1;

          if (rejection)
            cb_json_get_int (rejection, "row", FALSE, 0, &row, NULL);
          if (totals)
            cb_json_get_int (totals, "accepted", FALSE, 0, &accepted, NULL);
          CHECK ("C23", "upload",
                 row == 3 && g_strv_contains (reasons, json_object_get_string_member_with_default (rejection, "reason", ""))
                 && accepted == 2 && r2 && r2->ok && json_objects_equal (r1->data, r2->data),
                 "list %s, upload %s: rejected row %" G_GINT64_FORMAT " (%s), accepted %" G_GINT64_FORMAT
                 " on commit, the repeated chunk %s", error_code (list), error_code (r1), row,
                 rejection ? json_object_get_string_member_with_default (rejection, "reason", "?") : "none", accepted,
                 r2 && r2->ok && json_objects_equal (r1->data, r2->data) ? "gave the same result" : error_code (r2));
          if (list_id)
            cleanup_delete (p, "lead_list.delete", list_id, res_rev (list, "lead_list"));
        }
    }
}

static const GOptionEntry entries[] = {
  { "token", 0, 0, G_OPTION_ARG_STRING, &opt_token, "Bearer token of a user of the backend", "TOKEN" },
  { "duration", 0, 0, G_OPTION_ARG_INT, &opt_duration, "Seconds to observe live traffic (default 60)", "S" },
  { "allow-writes", 0, 0, G_OPTION_ARG_NONE, &opt_allow_writes, "Run the checks that change the backend or flood it", NULL },
  { "only", 0, 0, G_OPTION_ARG_STRING, &opt_only, "Run only these checks, e.g. C01,C07", "LIST" },
  { NULL }
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("URL");
  g_autoptr(GError) error = NULL;

  signal (SIGPIPE, SIG_IGN);
  g_option_context_set_summary (context, "Checks a backend against the Callboard protocol v1 (docs/protocol.md §17).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || opt_token == NULL)
    {
      g_printerr ("usage: callboard-conformance URL --token TOKEN [--duration S] [--allow-writes] [--only LIST]\n");
      return 2;
    }
  opt_url = argv[1];
  errors_seen = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_print ("callboard-conformance %s against %s\n\n", PACKAGE_VERSION, opt_url);
  check_handshake ();
  if (backend.session != NULL)
    {
      check_requests ();
      check_writes ();
      check_subscriptions ();
      check_dead_client ();
      check_resume ();
      check_media ();
      check_error_shapes ();
    }

  g_print ("\n%u passed, %u failed, %u skipped\n", n_pass, n_fail, n_skip);
  return n_fail > 0 || backend.session == NULL ? 1 : 0;
}
