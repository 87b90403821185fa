/* cb-bench-peer.c — a minimal backend in the benchmark's process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the benchmarks run the store against: it speaks just enough of
 * docs/protocol.md — welcome, and snapshots in parts of at most 256 KiB —
 * so everything measured is the console's own work.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cb-bench-peer.h"


struct _CbBenchPeer
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *url;
  GMutex        lock;
  GCond         ready;
  GHashTable   *snapshots;   /* topic → GPtrArray of part texts */
  GPtrArray    *sockets;
};

typedef CbBenchPeer Peer;

static guint n_queues_for_json = 1000;

char *
cb_bench_agent_json (guint       i,
                     gint64      rev,
                     const char *state,
                     gint64      since)
{
  return g_strdup_printf ("{\"id\":\"ag-%05u\",\"rev\":%" G_GINT64_FORMAT ",\"name\":\"Agent Number %u\","
                          "\"extension\":\"%u\",\"user_id\":null,\"team_ids\":[\"t-%u\"],"
                          "\"skills\":[{\"skill_id\":\"sk-billing\",\"level\":8},{\"skill_id\":\"sk-sales\",\"level\":5}],"
                          "\"state\":\"%s\",\"state_since\":%" G_GINT64_FORMAT ",\"pause_reason\":null,\"pending\":null,"
                          "\"call_id\":null,\"queue_ids\":[\"q-%04u\",\"q-%04u\"],\"campaign_id\":null,"
                          "\"login_at\":1795406400000,\"stats_today\":{\"calls_handled\":31,\"talk_ms\":5012000,"
                          "\"hold_ms\":240000,\"wrap_up_ms\":610000,\"paused_ms\":900000,\"available_ms\":3120000,"
                          "\"logged_in_ms\":10800000}}",
                          i, rev, i, 2000 + i, i % 20, state, since, i % n_queues_for_json,
                          (i + 7) % n_queues_for_json);
}

char *
cb_bench_queue_json (guint  i,
                     gint64 rev,
                     guint  waiting)
{
  return g_strdup_printf ("{\"id\":\"q-%04u\",\"rev\":%" G_GINT64_FORMAT ",\"name\":\"Queue %u\",\"channel\":\"voice\","
                          "\"strategy\":\"longest_idle\",\"sl_threshold_s\":20,\"sl_target_pct\":80,"
                          "\"skill_ids\":[\"sk-billing\"],\"team_ids\":[\"t-%u\"],"
                          "\"stats\":{\"waiting\":%u,\"longest_waiting_since\":1795420979000,\"agents_logged_in\":12,"
                          "\"agents_available\":1,\"agents_on_call\":9,\"agents_wrap_up\":1,\"agents_paused\":1,"
                          "\"offered_today\":412,\"answered_today\":389,\"abandoned_today\":19,"
                          "\"answered_in_sl_today\":331,\"sl_pct_today\":81.1,\"avg_answer_ms_today\":14200,"
                          "\"avg_handle_ms_today\":251000,\"stats_at\":1795421010000}}", i, rev, i, i % 20, waiting);
}

char *
cb_bench_call_json (guint       i,
                    gint64      rev,
                    const char *state)
{
  return g_strdup_printf ("{\"id\":\"c-%06u\",\"rev\":%" G_GINT64_FORMAT ",\"direction\":\"in\",\"channel\":\"voice\","
                          "\"state\":\"%s\",\"state_since\":1795421001000,\"queue_id\":\"q-%04u\","
                          "\"agent_id\":\"ag-%05u\",\"campaign_id\":null,\"lead_id\":null,"
                          "\"customer_number\":\"+3725551%03u\",\"customer_name\":\"Jaan Tamm\","
                          "\"service_number\":\"+3726001000\",\"created_at\":1795420850000,"
                          "\"queued_at\":1795420871000,\"answered_at\":1795420885000,\"hold_segments\":[],"
                          "\"hold_count\":0,\"hold_ms\":0,\"ended_at\":null,\"wrap_up_ended_at\":null,"
                          "\"end_reason\":null,\"abandoned\":false,\"dropped\":false,\"disposition\":null,"
                          "\"transfers\":[],\"recording_ids\":[\"rec-%06u-1\"],\"monitor_ids\":[],"
                          "\"survey_score\":null}", i, rev, state, i % n_queues_for_json, i % 10000, i % 1000, i);
}

/* Snapshot parts of at most 256 KiB (docs/protocol.md §5.3). */
static void
string_free (GString *string)
{
  g_string_free (string, TRUE);
}

static GPtrArray *
make_parts (const char *topic,
            const char *type,
            GPtrArray  *entities)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) string_free);
  GString *items = NULL;
  g_autofree char *snapshot_id = g_strdup_printf ("snap-%s", topic);

  for (guint i = 0; i < entities->len; i++)
    {
      const char *data = g_ptr_array_index (entities, i);
      g_autoptr(JsonNode) node = json_from_string (data, NULL);
      JsonObject *object = json_node_get_object (node);
      g_autofree char *item = g_strdup_printf ("{\"entity\":{\"type\":\"%s\",\"id\":\"%s\",\"rev\":%" G_GINT64_FORMAT
                                               "},\"data\":%s}", type,
                                               json_object_get_string_member (object, "id"),
                                               json_object_get_int_member (object, "rev"), data);

      if (items == NULL || items->len + strlen (item) > 250 * 1024)
        {
          items = g_string_new (NULL);
          g_ptr_array_add (bodies, items);
        }
      if (items->len > 0)
        g_string_append_c (items, ',');
      g_string_append (items, item);
    }
  if (bodies->len == 0)
    g_ptr_array_add (bodies, g_string_new (NULL));

  for (guint p = 0; p < bodies->len; p++)
    g_ptr_array_add (parts, g_strdup_printf ("{\"type\":\"snapshot\",\"topic\":\"%s\",\"snapshot_id\":\"%s\","
                                             "\"as_of\":0,\"part\":%u,\"parts\":%u,\"items\":[%s]}",
                                             topic, snapshot_id, p + 1, bodies->len,
                                             ((GString *) g_ptr_array_index (bodies, p))->str));
  return parts;
}

static void
on_peer_message (SoupWebsocketConnection *ws,
                 gint                     type,
                 GBytes                  *bytes,
                 Peer                    *peer)
{
  g_autoptr(JsonNode) node = json_from_string (g_bytes_get_data (bytes, NULL), NULL);
  JsonObject *message = node ? json_node_get_object (node) : NULL;
  const char *kind = message ? json_object_get_string_member_with_default (message, "type", "") : "";

  if (g_str_equal (kind, "hello"))
    {
      g_autofree char *welcome = g_strdup_printf (
        "{\"type\":\"welcome\",\"protocol\":\"callboard.v1\",\"session\":\"s-bench\",\"resumed\":false,"
        "\"epoch\":\"e-bench\",\"seq\":0,\"heartbeat_ms\":60000,\"replay\":{\"events\":10000,\"seconds\":300},"
        "\"limits\":{\"max_message_bytes\":16777216,\"max_subscriptions\":16,"
        "\"request_rate\":{\"per_second\":20,\"burst\":40},\"max_inflight\":32,\"max_page_size\":1000,"
        "\"max_upload_rows\":1000,\"idempotency_ttl_s\":86400,\"hello_timeout_ms\":10000},"
        "\"user\":{\"id\":\"u-bench\",\"rev\":1,\"login\":\"bench\",\"name\":\"Bench\",\"email\":null,"
        "\"roles\":[\"supervisor\"],\"permissions\":[\"agents.read\",\"queues.read\",\"calls.read\"],"
        "\"team_ids\":[],\"agent_id\":null},"
        "\"backend\":{\"name\":\"bench\",\"version\":\"1\",\"time_zone\":\"UTC\",\"details\":null},"
        "\"features\":[],\"server_time\":%" G_GINT64_FORMAT ",\"subscriptions\":[]}",
        g_get_real_time () / 1000);

      soup_websocket_connection_send_text (ws, welcome);
    }
  else if (g_str_equal (kind, "subscribe"))
    {
      const char *topic = json_object_get_string_member (message, "topic");
      GPtrArray *parts = g_hash_table_lookup (peer->snapshots, topic);
      g_autofree char *res = g_strdup_printf ("{\"type\":\"res\",\"id\":\"%s\",\"ok\":true,\"data\":{\"topic\":\"%s\","
                                              "\"snapshot_id\":\"snap-%s\",\"as_of\":0,\"parts\":%u,\"count\":0}}",
                                              json_object_get_string_member (message, "id"), topic, topic,
                                              parts ? parts->len : 1);

      soup_websocket_connection_send_text (ws, res);
      for (guint i = 0; parts != NULL && i < parts->len; i++)
        soup_websocket_connection_send_text (ws, g_ptr_array_index (parts, i));
    }
}

static void
on_peer_websocket (SoupServer              *server,
                   SoupServerMessage       *msg,
                   const char              *path,
                   SoupWebsocketConnection *ws,
                   gpointer                 user_data)
{
  Peer *peer = user_data;

  soup_websocket_connection_set_max_incoming_payload_size (ws, 16 * 1024 * 1024);
  g_ptr_array_add (peer->sockets, g_object_ref (ws));
  g_signal_connect (ws, "message", G_CALLBACK (on_peer_message), peer);
}

static gpointer
peer_main (gpointer user_data)
{
  Peer *peer = user_data;
  const char *protocols[] = { "callboard.v1", NULL };
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (peer->context);
  peer->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (peer->server, "/callboard", NULL, (char **) protocols,
                                     on_peer_websocket, peer, NULL);
  if (!soup_server_listen_local (peer->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("peer: %s", error->message);
  uris = soup_server_get_uris (peer->server);

  g_mutex_lock (&peer->lock);
  peer->url = g_strdup_printf ("ws://127.0.0.1:%d/callboard", g_uri_get_port (uris->data));
  g_cond_signal (&peer->ready);
  g_mutex_unlock (&peer->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (peer->loop);
  g_ptr_array_unref (peer->sockets);
  g_clear_object (&peer->server);
  g_main_context_pop_thread_default (peer->context);
  return NULL;
}

/**
 * cb_bench_peer_start:
 *
 * Starts, on a thread of its own, a minimal backend: it answers hello,
 * and a subscribe with a snapshot of @agents agents, @queues queues and
 * @calls live calls in parts of at most 256 KiB. Nothing else: events are
 * handed to the store with cb_store_inject_frames().
 */
CbBenchPeer *
cb_bench_peer_start (guint agents,
                     guint queues,
                     guint calls)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(GPtrArray) agent_list = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) queue_list = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) call_list = g_ptr_array_new_with_free_func (g_free);

  gint64 now = g_get_real_time () / 1000;

  n_queues_for_json = MAX (queues, 1);
  for (guint i = 0; i < agents; i++)
    g_ptr_array_add (agent_list, cb_bench_agent_json (i, 1, i % 3 ? "on_call" : "available", now - (i % 600) * 1000));
  for (guint i = 0; i < queues; i++)
    g_ptr_array_add (queue_list, cb_bench_queue_json (i, 1, i % 4));
  for (guint i = 0; i < calls; i++)
    g_ptr_array_add (call_list, cb_bench_call_json (i, 1, "connected"));

  peer->snapshots = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_hash_table_insert (peer->snapshots, "agents", make_parts ("agents", "agent", agent_list));
  g_hash_table_insert (peer->snapshots, "queues", make_parts ("queues", "queue", queue_list));
  g_hash_table_insert (peer->snapshots, "calls", make_parts ("calls", "call", call_list));
  peer->sockets = g_ptr_array_new_with_free_func (g_object_unref);

  g_mutex_init (&peer->lock);
  g_cond_init (&peer->ready);
  peer->context = g_main_context_new ();
  peer->loop = g_main_loop_new (peer->context, FALSE);
  g_mutex_lock (&peer->lock);
  peer->thread = g_thread_new ("bench-peer", peer_main, peer);
  while (peer->url == NULL)
    g_cond_wait (&peer->ready, &peer->lock);
  g_mutex_unlock (&peer->lock);
  return peer;
}

const char *
cb_bench_peer_get_url (CbBenchPeer *peer)
{
  return peer->url;
}

void
cb_bench_peer_stop (CbBenchPeer *peer)
{
  g_main_loop_quit (peer->loop);
  g_thread_join (peer->thread);
  g_hash_table_unref (peer->snapshots);
  g_main_loop_unref (peer->loop);
  g_main_context_unref (peer->context);
  g_free (peer->url);
  g_free (peer);
}

guint
cb_bench_peer_get_parts (CbBenchPeer *peer,
                         const char  *topic)
{
  return ((GPtrArray *) g_hash_table_lookup (peer->snapshots, topic))->len;
}

/**
 * cb_bench_make_events:
 *
 * Event frames as a busy center sends them, seq @first_seq on: three in
 * five agent transitions (of any agent, into any state), the rest call
 * updates, and every tenth a queue's statistics; stamped now.
 */
GPtrArray *
cb_bench_make_events (guint first_seq,
                      guint n,
                      guint agents,
                      guint queues,
                      guint calls)
{
  return cb_bench_make_events_at (first_seq, n, agents, queues, calls, g_get_real_time () / 1000);
}

/* As cb_bench_make_events (), stamped @now (ms since the epoch): frames
 * made ahead of when they are sent. */
GPtrArray *
cb_bench_make_events_at (guint  first_seq,
                         guint  n,
                         guint  agents,
                         guint  queues,
                         guint  calls,
                         gint64 now)
{
  static const char * const agent_states[] = { "available", "ringing", "on_call", "wrap_up", "paused" };
  static const char * const call_states[] = { "queued", "ringing", "connected", "on_hold", "wrap_up" };
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint k = 0; k < n; k++)
    {
      guint i = first_seq - 1 + k;
      gboolean queue = i % 10 == 9;
      gboolean agent = !queue && i % 5 < 3;
      /* Agents and their next states are picked by a multiplicative hash:
       * every agent changes, into every state, as on a real floor. */
      guint32 hash = (guint32) i * 2654435761u;
      guint which = queue ? i % MAX (queues, 1) : agent ? hash % MAX (agents, 1) : (i * 104729) % MAX (calls, 1);
      gint64 rev = 2 + i;
      g_autofree char *data = queue ? cb_bench_queue_json (which, rev, i % 7)
                              : agent ? cb_bench_agent_json (which, rev, agent_states[(hash >> 16) % 5], now)
                                      : cb_bench_call_json (which, rev, call_states[i % 5]);
      const char *topic = queue ? "queues" : agent ? "agents" : "calls";
      const char *type = queue ? "queue" : agent ? "agent" : "call";
      const char *prefix = queue ? "q-" : agent ? "ag-" : "c-";
      char *frame = g_strdup_printf ("{\"type\":\"event\",\"seq\":%u,\"ts\":%" G_GINT64_FORMAT ",\"topic\":\"%s\","
                                     "\"kind\":\"upsert\",\"entity\":{\"type\":\"%s\",\"id\":\"%s%0*u\",\"rev\":%"
                                     G_GINT64_FORMAT "},\"data\":%s}",
                                     i + 1, now, topic, type, prefix, queue ? 4 : agent ? 5 : 6, which, rev, data);

      g_ptr_array_add (frames, g_bytes_new_take (frame, strlen (frame)));
    }
  return frames;
}

