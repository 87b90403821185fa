/* cb-ctl.c — callboard-ctl: the console's core on the command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For backend integrators and scripts. It runs the same CbStore as the
 * console — worker thread, cache, resume, outbox — and prints what it holds:
 *
 *   status             who am I, roles, backend, clock skew, round trip, lag
 *   snapshot           agents by state and queues, once synchronized
 *   watch              every applied event as one JSON line
 *   digest             per-topic digests, comparable with callboard-sim's
 *                      GET /admin/digest
 *   request OP [JSON]  one request; prints the response's data
 *
 * The token is read from standard input with --token-stdin (so it never
 * appears in a process list), or from $CALLBOARD_TOKEN.
 */
#define G_LOG_DOMAIN "callboard-ctl"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "cb-json-reader.h"
#include "cb-process.h"
#include "cb-store.h"

static char *opt_url;
static char *opt_cache;
static char *opt_topics;
static gboolean opt_token_stdin;
static gboolean opt_live;
static int opt_timeout = 15;

static GMainLoop *loop;
static int exit_status = 0;

static const GOptionEntry entries[] = {
  { "url", 'u', 0, G_OPTION_ARG_STRING, &opt_url, "The backend's websocket URL (ws:// or wss://)", "URL" },
  { "token-stdin", 0, 0, G_OPTION_ARG_NONE, &opt_token_stdin, "Read the token from standard input", NULL },
  { "cache", 'c', 0, G_OPTION_ARG_FILENAME, &opt_cache, "Keep a cache in FILE and resume from it", "FILE" },
  { "topics", 't', 0, G_OPTION_ARG_STRING, &opt_topics, "Topics to hold, comma-separated (default: all readable)", "LIST" },
  { "live", 0, 0, G_OPTION_ARG_NONE, &opt_live, "request: send as a live command, with an idempotency key", NULL },
  { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout, "Give up after S seconds without synchronizing (default 15)", "S" },
  { NULL }
};

static void
print_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);

  printf ("%s\n", text);
  fflush (stdout);
}

static gboolean
on_timeout (gpointer user_data)
{
  CbStore *store = user_data;

  g_printerr ("callboard-ctl: not synchronized after %d s: %s\n", opt_timeout,
              cb_store_get_status_message (store) ? cb_store_get_status_message (store) : "no answer");
  exit_status = 2;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Waits until the store is live (every topic complete), or fails. */
static gboolean
wait_live (CbStore *store)
{
  guint timeout = g_timeout_add_seconds (opt_timeout, on_timeout, store);

  while (cb_store_get_state (store) != CB_CONNECTION_LIVE && exit_status == 0)
    {
      if (cb_store_get_phase (store) == CB_PHASE_FAILED)
        {
          g_printerr ("callboard-ctl: %s\n", cb_store_get_status_message (store));
          exit_status = 2;
          break;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_clear_handle_id (&timeout, g_source_remove);
  return exit_status == 0;
}

static void
on_ping (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  gint64 *rtt = user_data;
  g_autoptr(CbMessage) response = cb_store_request_finish (CB_STORE (object), result, NULL);
  gint64 client_time = 0;

  if (response != NULL && response->data != NULL
      && cb_json_get_int (response->data, "client_time", FALSE, 0, &client_time, NULL))
    *rtt = g_get_real_time () / 1000 - client_time;
  else
    *rtt = -2;
}

static void
command_status (CbStore *store)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonObject) ping = json_object_new ();
  JsonObject *user = cb_store_get_user (store);
  JsonObject *backend = cb_store_get_backend (store);
  g_autoptr(JsonNode) root = NULL;
  gint64 rtt = -1;

  json_object_set_int_member (ping, "client_time", g_get_real_time () / 1000);
  cb_store_request_async (store, "ping", ping, CB_REQUEST_READ, NULL, on_ping, &rtt);
  while (rtt == -1)
    g_main_context_iteration (NULL, TRUE);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "user");
  json_builder_add_value (b, user ? json_node_init_object (json_node_alloc (), user) : json_node_new (JSON_NODE_NULL));
  json_builder_set_member_name (b, "backend");
  json_builder_add_value (b, backend ? json_node_init_object (json_node_alloc (), backend)
                                     : json_node_new (JSON_NODE_NULL));
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, cb_store_get_session (store));
  json_builder_set_member_name (b, "last_seq");
  json_builder_add_int_value (b, cb_store_get_last_seq (store));
  json_builder_set_member_name (b, "skew_ms");
  json_builder_add_int_value (b, cb_store_get_skew_ms (store));
  json_builder_set_member_name (b, "rtt_ms");
  json_builder_add_int_value (b, rtt);
  /* Lag: how old the newest applied data is on the server's clock. */
  json_builder_set_member_name (b, "lag_ms");
  json_builder_add_int_value (b, MAX (0, cb_store_get_server_now (store) - cb_store_get_as_of (store)));
  json_builder_set_member_name (b, "pending_edits");
  json_builder_add_int_value (b, cb_store_get_pending_edits (store));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  print_json (json_node_get_object (root));
}

static void
command_snapshot (CbStore *store)
{
  CbEntityModel *agents = cb_store_get_model (store, "agent");
  CbEntityModel *queues = cb_store_get_model (store, "queue");
  CbEntityModel *calls = cb_store_get_model (store, "call");
  g_autoptr(GHashTable) states = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GList) keys = NULL;
  gint64 now = cb_store_get_server_now (store);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (agents)); i++)
    {
      const char *state = cb_entity_get_string (cb_entity_model_get (agents, i), "state");
      gpointer n = g_hash_table_lookup (states, state ? state : "unknown");

      g_hash_table_insert (states, (gpointer) (state ? state : "unknown"), GUINT_TO_POINTER (GPOINTER_TO_UINT (n) + 1));
    }

  printf ("agents: %u\n", g_list_model_get_n_items (G_LIST_MODEL (agents)));
  keys = g_list_sort (g_hash_table_get_keys (states), (GCompareFunc) g_strcmp0);
  for (GList *l = keys; l != NULL; l = l->next)
    printf ("  %-12s %u\n", (const char *) l->data, GPOINTER_TO_UINT (g_hash_table_lookup (states, l->data)));
  printf ("live calls: %u\n", g_list_model_get_n_items (G_LIST_MODEL (calls)));
  printf ("queues: %u\n", g_list_model_get_n_items (G_LIST_MODEL (queues)));
  printf ("  %-24s %7s %9s %8s %8s\n", "queue", "waiting", "longest", "offered", "SL%");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (queues)); i++)
    {
      CbEntity *queue = cb_entity_model_get (queues, i);
      const CbJsonValue *stats = cb_entity_get_object (queue, "stats");
      gint64 waiting = 0, since = 0, offered = 0;
      double sl = 0;
      gboolean has_sl = cb_json_value_lookup_number (stats, "sl_pct_today", &sl);
      g_autofree char *longest = NULL;
      g_autofree char *level = NULL;

      if (stats != NULL)
        {
          cb_json_value_read_int (stats, "waiting", FALSE, 0, &waiting, NULL);
          cb_json_value_read_int (stats, "longest_waiting_since", FALSE, 0, &since, NULL);
          cb_json_value_read_int (stats, "offered_today", FALSE, 0, &offered, NULL);
        }
      level = has_sl ? g_strdup_printf ("%.1f", sl) : g_strdup ("—");
      longest = since > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT " s", (now - since) / 1000) : g_strdup ("—");
      printf ("  %-24s %7" G_GINT64_FORMAT " %9s %8" G_GINT64_FORMAT " %8s\n",
              cb_entity_get_string (queue, "name") ?: cb_entity_get_id (queue), waiting, longest, offered, level);
    }
}

static void
command_digest (CbStore *store)
{
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonObject) topics = json_object_new ();
  const char *names[] = { "agents", "queues", "calls", "catalogs", "campaigns", "lead_lists", "rule_sets",
                          "dnc_lists", "qa_forms", "monitors", "alerts", "users" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char * const *types = cb_store_topic_types (names[i]);
      JsonObject *entry = json_object_new ();
      guint count = 0;

      for (guint t = 0; types[t] != NULL; t++)
        count += g_list_model_get_n_items (G_LIST_MODEL (cb_store_get_model (store, types[t])));
      if (count == 0)
        {
          json_object_unref (entry);
          continue;
        }
      json_object_set_int_member (entry, "count", count);
      {
        g_autofree char *digest = cb_store_digest (store, names[i]);

        json_object_set_string_member (entry, "digest", digest);
      }
      json_object_set_object_member (topics, names[i], entry);
    }
  json_object_set_string_member (out, "session", cb_store_get_session (store));
  json_object_set_int_member (out, "last_seq", cb_store_get_last_seq (store));
  json_object_set_object_member (out, "topics", g_steal_pointer (&topics));
  print_json (out);
}

static void
on_event (CbStore   *store,
          CbMessage *message)
{
  g_autoptr(JsonNode) node = cb_json_value_to_node (message->body);

  print_json (json_node_get_object (node));
}

typedef struct
{
  CbMessage *response;
  GError    *error;
  gboolean   done;
} Reply;

static void
on_reply (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Reply *reply = user_data;

  reply->response = cb_store_request_finish (CB_STORE (object), result, &reply->error);
  reply->done = TRUE;
}

static void
command_request (CbStore    *store,
                 const char *op,
                 const char *json)
{
  g_autoptr(JsonNode) data = NULL;
  g_autoptr(GError) error = NULL;
  Reply reply = { 0 };

  /* Our reader: it refuses what JsonParser lets through and the request
   * could not carry (1e400 would be sent as "inf"). */
  json = json ? json : "{}";
  data = cb_json_read (json, strlen (json), CB_PROTOCOL_MAX_DEPTH, &error);
  if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
    {
      g_printerr ("callboard-ctl: the request data is not a JSON object%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      exit_status = 1;
      return;
    }
  cb_store_request_async (store, op, json_node_get_object (data), opt_live ? CB_REQUEST_LIVE : CB_REQUEST_READ,
                          NULL, on_reply, &reply);
  while (!reply.done)
    g_main_context_iteration (NULL, TRUE);
  if (reply.error != NULL)
    {
      g_autofree char *why = cb_describe_request_error (reply.error);

      g_printerr ("callboard-ctl: %s: %s (%s)\n", op, why,
                  reply.error->domain == CB_REQUEST_ERROR ? cb_error_code_to_string (reply.error->code) : "error");
      g_clear_error (&reply.error);
      exit_status = 3;
      return;
    }
  print_json (reply.response->data ? reply.response->data : reply.response->object);
  cb_message_unref (reply.response);
}

static char *
read_token (void)
{
  char line[1024];

  if (opt_token_stdin)
    {
      if (fgets (line, sizeof line, stdin) == NULL)
        return NULL;
      return g_strstrip (g_strdup (line));
    }
  return g_strdup (g_getenv ("CALLBOARD_TOKEN"));
}

static void
on_opened (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cb_store_open_finish (CB_STORE (object), result, &error))
    g_printerr ("callboard-ctl: %s\n", error->message);
  *(gboolean *) user_data = TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbStore) store = NULL;
  g_autofree char *token = NULL;
  g_auto(GStrv) topics = NULL;
  const char *command;
  gboolean opened = FALSE;

  cb_process_use_system_malloc (argv);
  setlocale (LC_ALL, "");
  context = g_option_context_new ("status|snapshot|watch|digest|request OP [JSON]");
  g_option_context_set_summary (context, "A command-line client of a Callboard backend, on the console's core.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("callboard-ctl: %s\n", error->message);
      return 1;
    }
  if (argc < 2 || opt_url == NULL)
    {
      g_printerr ("callboard-ctl: give --url and a command; see --help\n");
      return 1;
    }
  command = argv[1];
  if (!g_str_equal (command, "status") && !g_str_equal (command, "snapshot") && !g_str_equal (command, "watch")
      && !g_str_equal (command, "digest") && !(g_str_equal (command, "request") && argc >= 3))
    {
      g_printerr ("callboard-ctl: unknown command “%s”; see --help\n", command);
      return 1;
    }

  token = read_token ();
  if (token == NULL || *token == '\0')
    {
      g_printerr ("callboard-ctl: no token: use --token-stdin or set CALLBOARD_TOKEN\n");
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  store = cb_store_new (opt_cache ? opt_cache : ":memory:");
  cb_store_set_backend (store, opt_url, token, NULL);
  explicit_bzero (token, strlen (token));
  if (opt_topics != NULL)
    {
      topics = g_strsplit (opt_topics, ",", -1);
      cb_store_set_topics (store, (const char * const *) topics);
    }
  cb_store_set_forward_events (store, g_str_equal (command, "watch"));
  if (g_str_equal (command, "watch"))
    g_signal_connect (store, "event", G_CALLBACK (on_event), NULL);
  cb_store_open_async (store, NULL, on_opened, &opened);
  while (!opened)
    g_main_context_iteration (NULL, TRUE);
  if (cb_store_get_cache_message (store) != NULL)
    g_printerr ("callboard-ctl: %s\n", cb_store_get_cache_message (store));
  cb_store_connect (store);

  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);

  if (wait_live (store))
    {
      if (g_str_equal (command, "status"))
        command_status (store);
      else if (g_str_equal (command, "snapshot"))
        command_snapshot (store);
      else if (g_str_equal (command, "digest"))
        command_digest (store);
      else if (g_str_equal (command, "request"))
        command_request (store, argv[2], argc > 3 ? argv[3] : NULL);
      else
        g_main_loop_run (loop);
    }

  cb_store_shutdown (store);
  g_main_loop_unref (loop);
  return exit_status;
}
