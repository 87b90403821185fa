/* bench-store.c — the core's figures: snapshot, ingest, cold open, memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs a CbStore (worker thread, SQLite cache in a temporary folder, list
 * models on the main thread) against a minimal protocol peer in this
 * process, and prints:
 *
 * - snapshot: 10,000 agents, 1,000 queues and 5,000 live calls streamed in
 *   parts of at most 256 KiB, from connect until every model holds them
 *   (the store is live and they can be looked up);
 * - ingest: events per second through decode → cache (batched transactions,
 *   journal) → models, with the frames handed to the connection as if they
 *   had come off the socket; and, measured in the same run on the same
 *   frames, json-glib's raw parse rate — the floor of this stack — with the
 *   ratio between the two; and the batch latency (first event of a batch
 *   to the models), p50/p99/max;
 * - cold open: a new store on that cache until its models are filled;
 * - peak RSS.
 *
 * Goals (issue #4): ingest ≥ 80 % of the raw parse rate with p99 batch
 * latency < 16 ms; snapshot ≤ 300 ms; cold open ≤ 150 ms.
 *
 * Usage: bench-store [--events=N] [--agents=N] [--queues=N] [--calls=N]
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <sys/resource.h>

#include "cb-store.h"

static int opt_events = 200000;
static int opt_agents = 10000;
static int opt_queues = 1000;
static int opt_calls = 5000;

/* ---- the peer --------------------------------------------------------- */

typedef struct
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
} Peer;

static char *
agent_json (guint  i,
            gint64 rev,
            const char *state)
{
  return g_strdup_printf ("{\"id\":\"ag-%05u\",\"rev\":%" G_GINT64_FORMAT ",\"name\":\"Agent Number %u\","
                          "\"extension\":\"%u\",\"user_id\":null,\"team_ids\":[\"t-%u\"],"
                          "\"skills\":[{\"skill_id\":\"sk-billing\",\"level\":8},{\"skill_id\":\"sk-sales\",\"level\":5}],"
                          "\"state\":\"%s\",\"state_since\":1795421012340,\"pause_reason\":null,\"pending\":null,"
                          "\"call_id\":null,\"queue_ids\":[\"q-%04u\",\"q-%04u\"],\"campaign_id\":null,"
                          "\"login_at\":1795406400000,\"stats_today\":{\"calls_handled\":31,\"talk_ms\":5012000,"
                          "\"hold_ms\":240000,\"wrap_up_ms\":610000,\"paused_ms\":900000,\"available_ms\":3120000,"
                          "\"logged_in_ms\":10800000}}",
                          i, rev, i, 2000 + i, i % 20, state, i % 1000, (i + 7) % 1000);
}

static char *
queue_json (guint  i,
            gint64 rev)
{
  return g_strdup_printf ("{\"id\":\"q-%04u\",\"rev\":%" G_GINT64_FORMAT ",\"name\":\"Queue %u\",\"channel\":\"voice\","
                          "\"strategy\":\"longest_idle\",\"sl_threshold_s\":20,\"sl_target_pct\":80,"
                          "\"skill_ids\":[\"sk-billing\"],\"team_ids\":[\"t-%u\"],"
                          "\"stats\":{\"waiting\":3,\"longest_waiting_since\":1795420979000,\"agents_logged_in\":12,"
                          "\"agents_available\":1,\"agents_on_call\":9,\"agents_wrap_up\":1,\"agents_paused\":1,"
                          "\"offered_today\":412,\"answered_today\":389,\"abandoned_today\":19,"
                          "\"answered_in_sl_today\":331,\"sl_pct_today\":81.1,\"avg_answer_ms_today\":14200,"
                          "\"avg_handle_ms_today\":251000,\"stats_at\":1795421010000}}", i, rev, i, i % 20);
}

static char *
call_json (guint  i,
           gint64 rev,
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
                          "\"survey_score\":null}", i, rev, state, i % 1000, i % 10000, i % 1000, i);
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

static Peer *
peer_start (void)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(GPtrArray) agents = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) queues = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < opt_agents; i++)
    g_ptr_array_add (agents, agent_json (i, 1, i % 3 ? "on_call" : "available"));
  for (int i = 0; i < opt_queues; i++)
    g_ptr_array_add (queues, queue_json (i, 1));
  for (int i = 0; i < opt_calls; i++)
    g_ptr_array_add (calls, call_json (i, 1, "connected"));

  peer->snapshots = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_hash_table_insert (peer->snapshots, "agents", make_parts ("agents", "agent", agents));
  g_hash_table_insert (peer->snapshots, "queues", make_parts ("queues", "queue", queues));
  g_hash_table_insert (peer->snapshots, "calls", make_parts ("calls", "call", calls));
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

static guint
parts_of (Peer       *peer,
          const char *topic)
{
  return ((GPtrArray *) g_hash_table_lookup (peer->snapshots, topic))->len;
}

/* ---- the console ------------------------------------------------------ */

static void
on_opened (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  cb_store_open_finish (CB_STORE (object), result, NULL);
  *(gint64 *) user_data = g_get_monotonic_time ();
}

static CbStore *
open_store (const char *path,
            Peer       *peer,
            gint64     *opened_us)
{
  static const char * const topics[] = { "agents", "queues", "calls", NULL };
  CbStore *store = cb_store_new (path);

  *opened_us = 0;
  cb_store_set_backend (store, peer->url, "bench-token-0123456789", NULL);
  cb_store_set_topics (store, topics);
  cb_store_open_async (store, NULL, on_opened, opened_us);
  while (*opened_us == 0)
    g_main_context_iteration (NULL, TRUE);
  return store;
}

static guint
count (CbStore    *store,
       const char *type)
{
  return g_list_model_get_n_items (G_LIST_MODEL (cb_store_get_model (store, type)));
}

/* Frames as a busy center sends them: agent transitions and call updates. */
static GPtrArray *
make_events (int n)
{
  static const char * const agent_states[] = { "available", "ringing", "on_call", "wrap_up", "paused" };
  static const char * const call_states[] = { "queued", "ringing", "connected", "on_hold", "wrap_up" };
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (int i = 0; i < n; i++)
    {
      gboolean agent = i % 5 < 3;
      guint which = agent ? (guint) (i * 7919) % (guint) opt_agents : (guint) (i * 104729) % (guint) opt_calls;
      gint64 rev = 2 + i;
      g_autofree char *data = agent ? agent_json (which, rev, agent_states[i % 5])
                                    : call_json (which, rev, call_states[i % 5]);
      char *frame = g_strdup_printf ("{\"type\":\"event\",\"seq\":%d,\"ts\":%" G_GINT64_FORMAT ",\"topic\":\"%s\","
                                     "\"kind\":\"upsert\",\"entity\":{\"type\":\"%s\",\"id\":\"%s%0*u\",\"rev\":%"
                                     G_GINT64_FORMAT "},\"data\":%s}",
                                     i + 1, (gint64) 1795421012345 + i, agent ? "agents" : "calls",
                                     agent ? "agent" : "call", agent ? "ag-" : "c-", agent ? 5 : 6, which, rev, data);

      g_ptr_array_add (frames, g_bytes_new_take (frame, strlen (frame)));
    }
  return frames;
}

static double
raw_parse_rate (GPtrArray *frames,
                gboolean   immutable)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < frames->len; i++)
    {
      g_autoptr(JsonParser) parser = immutable ? json_parser_new_immutable () : json_parser_new ();
      gsize length;
      const char *text = g_bytes_get_data (g_ptr_array_index (frames, i), &length);

      if (!json_parser_load_from_data (parser, text, length, NULL))
        g_error ("a benchmark frame does not parse");
    }
  return frames->len / ((g_get_monotonic_time () - start) / 1e6);
}

static long
peak_rss_mib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "events", 0, 0, G_OPTION_ARG_INT, &opt_events, "Events to ingest", "N" },
    { "agents", 0, 0, G_OPTION_ARG_INT, &opt_agents, "Agents in the snapshot", "N" },
    { "queues", 0, 0, G_OPTION_ARG_INT, &opt_queues, "Queues in the snapshot", "N" },
    { "calls", 0, 0, G_OPTION_ARG_INT, &opt_calls, "Live calls in the snapshot", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  CbStore *store;
  CbStoreStats stats;
  Peer *peer;
  gint64 opened_us, start, live_us, done_us;
  double raw, raw_immutable, reference, rate;
  guint64 base;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  dir = g_dir_make_tmp ("cb-bench-store-XXXXXX", NULL);
  path = g_build_filename (dir, "cache.sqlite", NULL);
  peer = peer_start ();
  printf ("bench-store: %d agents, %d queues, %d live calls; %d events\n",
          opt_agents, opt_queues, opt_calls, opt_events);

  /* Snapshot */
  store = open_store (path, peer, &opened_us);
  start = g_get_monotonic_time ();
  cb_store_connect (store);
  while (cb_store_get_state (store) != CB_CONNECTION_LIVE)
    g_main_context_iteration (NULL, TRUE);
  live_us = g_get_monotonic_time ();
  if (count (store, "agent") != (guint) opt_agents || count (store, "queue") != (guint) opt_queues
      || count (store, "call") != (guint) opt_calls || cb_store_lookup (store, "agent", "ag-00042") == NULL)
    g_error ("the snapshot did not arrive whole");
  printf ("snapshot: %u + %u + %u parts applied and queryable in %.1f ms (goal ≤ 300 ms)\n",
          parts_of (peer, "agents"), parts_of (peer, "queues"), parts_of (peer, "calls"),
          (live_us - start) / 1000.0);

  /* Ingest */
  frames = make_events (opt_events);
  raw = raw_parse_rate (frames, FALSE);
  raw_immutable = raw_parse_rate (frames, TRUE);
  reference = MAX (raw, raw_immutable);

  base = cb_store_get_events_applied (store);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < frames->len; i += 256)
    {
      g_autoptr(GPtrArray) chunk = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

      for (guint j = i; j < MIN (frames->len, i + 256); j++)
        g_ptr_array_add (chunk, g_bytes_ref (g_ptr_array_index (frames, j)));
      cb_store_inject_frames (store, chunk);
    }
  while (cb_store_get_events_applied (store) - base < frames->len)
    g_main_context_iteration (NULL, TRUE);
  done_us = g_get_monotonic_time ();
  rate = frames->len / ((done_us - start) / 1e6);
  cb_store_get_stats (store, &stats);
  printf ("raw json-glib parse: %.0f frames/s (mutable %.0f, immutable %.0f)\n", reference, raw, raw_immutable);
  printf ("ingest: %.0f events/s through decode → cache → models = %.0f %% of the raw parse rate (goal ≥ 80 %%)\n",
          rate, 100.0 * rate / reference);
  printf ("flat out: %" G_GUINT64_FORMAT " batches, latency p50 %.2f ms, p99 %.2f ms, max %.2f ms (goal p99 < 16 ms)\n",
          stats.batches, stats.latency_p50_us / 1000.0, stats.latency_p99_us / 1000.0,
          stats.latency_max_us / 1000.0);

  /* Latency at a sustained rate a busy floor produces (5,000 events/s):
   * 50 events every 10 ms, seq continuing. */
  {
    g_autoptr(GPtrArray) paced = make_events (opt_events + 20000);
    CbStore *sink = store;
    gint64 next;
    guint sent = opt_events;

    g_ptr_array_remove_range (paced, 0, opt_events);
    /* A fresh latency window: only batches of the paced phase count. */
    cb_store_get_stats (sink, &stats);
    base = cb_store_get_events_applied (sink);
    next = g_get_monotonic_time ();
    cb_store_reset_stats (sink);
    for (guint i = 0; i < paced->len; i += 50)
      {
        g_autoptr(GPtrArray) chunk = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

        for (guint j = i; j < MIN (paced->len, i + 50); j++)
          g_ptr_array_add (chunk, g_bytes_ref (g_ptr_array_index (paced, j)));
        cb_store_inject_frames (sink, chunk);
        next += 10000;
        while (g_get_monotonic_time () < next)
          g_main_context_iteration (NULL, FALSE) || (g_usleep (200), TRUE);
      }
    while (cb_store_get_events_applied (sink) - base < paced->len)
      g_main_context_iteration (NULL, TRUE);
    cb_store_get_stats (sink, &stats);
    sent += paced->len;
    printf ("paced at 5,000 events/s: %" G_GUINT64_FORMAT " batches, latency p50 %.2f ms, p99 %.2f ms, "
            "max %.2f ms (goal p99 < 16 ms)\n", stats.batches, stats.latency_p50_us / 1000.0,
            stats.latency_p99_us / 1000.0, stats.latency_max_us / 1000.0);
  }

  cb_store_shutdown (store);
  g_object_unref (store);
  g_clear_pointer (&frames, g_ptr_array_unref);

  /* Cold open */
  start = g_get_monotonic_time ();
  store = open_store (path, peer, &opened_us);
  printf ("cold open: %u agents, %u queues, %u calls in the models %.1f ms after open (goal ≤ 150 ms)\n",
          count (store, "agent"), count (store, "queue"), count (store, "call"), (opened_us - start) / 1000.0);
  cb_store_shutdown (store);
  g_object_unref (store);

  printf ("peak RSS: %ld MiB\n", peak_rss_mib ());

  g_main_loop_quit (peer->loop);
  g_thread_join (peer->thread);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *child = g_build_filename (dir, name, NULL);

        g_remove (child);
      }
    g_rmdir (dir);
  }
  return 0;
}
