/* cb-sim-server.c — the reference backend's protocol server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Implements the server side of docs/protocol.md over a CbSimState:
 *
 * - the upgrade: subprotocol (4406), bearer token (4401/4403), hello within
 *   the timeout (4408), a valid hello (4000);
 * - sessions: a new one per hello without resume; resume checked in the
 *   order of §7.2, with replay from the session's buffer or exactly one
 *   reset; takeover (4409) only when a resume names an attached session;
 *   detached sessions keep numbering and buffering for the replay window;
 * - subscriptions with filters (§5.4), snapshots captured atomically with
 *   the subscription and sent in parts of at most 256 KiB, interleaved
 *   with live events; an entity that stops matching gets a delete;
 * - requests: the rate limit (token bucket, then 4429), unknown ops,
 *   permissions, idempotency keys per user, and the ops registered by the
 *   simulation; changes an op makes are sent before its response;
 * - heartbeats and dead connections (4408);
 * - faults injected on purpose (CbSimFaults);
 * - GET /admin/digest for an admin token: per-topic counts and digests;
 *   POST /admin/clock?run=0|1 freezes and resumes simulated time.
 */
#define G_LOG_DOMAIN "cb-sim-server"

#include "config.h"

#include <math.h>

#include "cb-sim-server.h"

#define MAX_PART_BYTES          (256 * 1024)
#define SERVER_MAX_MESSAGE      (1024 * 1024)
/* What libsoup reads whole before we refuse it: up to this a message too
 * big gets a real 1009; beyond it libsoup cuts the connection without a
 * close frame (its own limit). */
#define WIRE_MAX_MESSAGE        (4 * SERVER_MAX_MESSAGE)
#define SHUTDOWN_FLUSH_MS       1000
#define HELLO_TIMEOUT_MS        10000
#define RATE_PER_SECOND         20
#define RATE_BURST              40
#define LIMITED_WINDOW_US       (10 * G_USEC_PER_SEC)
#define MAX_SUBSCRIPTIONS       16
#define IDEMPOTENCY_TTL_S       86400
#define CALL_LINGER_S           60

typedef struct _Session    Session;
typedef struct _Connection Connection;

typedef struct
{
  char       *topic;
  JsonNode   *filter;     /* object */
  GHashTable *visible;    /* ids the session holds */
} Subscription;

typedef struct
{
  gint64  seq;
  char   *text;
} Buffered;

struct _Session
{
  CbSimServer     *server;
  char            *id;
  const CbSimUser *user;
  gint64           seq;
  GHashTable      *subscriptions;   /* topic → Subscription */
  GQueue           buffer;          /* Buffered, oldest first */
  Connection      *connection;      /* NULL while detached */
  gint64           detached_at_us;
};

typedef struct
{
  char      *topic;
  char      *snapshot_id;
  GPtrArray *parts;                 /* char * */
  guint      next;
} SnapshotJob;

struct _Connection
{
  CbSimServer             *server;
  SoupWebsocketConnection *ws;
  const CbSimUser         *user;
  Session                 *session;
  GQueue                   snapshots;   /* SnapshotJob */
  GQueue                   limited;     /* gint64 µs of rate-limited answers */
  char                    *held;        /* reorder fault: an event waiting */
  CbSilence                silence;
  gint64                   bucket_at_us;
  double                   bucket;
  gsize                    client_max;
  guint                    hello_source;
  guint                    heartbeat_source;
  guint                    snapshot_source;
  guint                    fault_source;
  guint                    fault_counter;
  gboolean                 welcomed;
  gboolean                 stalled;
  gboolean                 closing;     /* refused, or its session let go: ignore what comes */
};

typedef struct
{
  char        *op;
  char        *permission;
  gboolean     live;
  CbSimOpFunc  func;
  gpointer     user_data;
} Op;

typedef struct
{
  char     *op;
  char     *data;
  JsonNode *response;    /* the res object, without id */
  gint64    at_us;
} Stored;

struct _CbSimServer
{
  GObject parent_instance;

  SoupServer  *soup;
  CbSimState  *state;       /* borrowed */
  CbSimUsers  *users;       /* borrowed */
  char        *backend_name;
  char        *time_zone;
  char        *details;
  char        *epoch;
  GHashTable  *sessions;    /* id → Session */
  GPtrArray   *connections; /* Connection */
  GHashTable  *ops;         /* op → Op */
  GHashTable  *idempotency; /* user id → (idem → Stored) */
  CbSimFaults  faults;
  guint        heartbeat_ms;
  guint        replay_events;
  guint        replay_seconds;
  guint        epoch_counter;
  guint        snapshot_counter;
  guint        session_counter;
  guint        sweep_source;
  guint        drop_source;
  guint        epoch_source;
  guint        coalesce_source;
  guint        drift_counter;
  guint        port;
  gboolean     tls;
  CbSimClockFunc clock_func;
  gpointer     clock_data;
  GPtrArray   *handlers;    /* Handler: paths the simulation's modules serve */
  GPtrArray   *features;    /* char *, NULL-terminated: welcome.features */
  gint64       request_if_rev;       /* of the request being carried out; -1: none */
  JsonNode    *error_details;        /* set by an op that fails (cb_sim_server_set_error_extra) */
  JsonNode    *error_current;
};

G_DEFINE_FINAL_TYPE (CbSimServer, cb_sim_server, G_TYPE_OBJECT)

/* A path that a module of the simulation serves (media, recordings). */
typedef struct
{
  char                        *path;
  char                        *protocol;      /* websocket handlers: the subprotocol */
  SoupServerCallback           callback;      /* early handler (websocket) or handler (HTTP) */
  SoupServerWebsocketCallback  ws_callback;
  gpointer                     user_data;
} Handler;

/* docs/protocol.md §5.1 */
static const struct {
  const char *topic;
  const char *permission;
  const char *feature;
  const char *filter_keys[7];
} topics[] = {
  { "users", "users.read", NULL, { "ids" } },
  { "agents", "agents.read", NULL, { "ids", "team_ids", "queue_ids" } },
  { "queues", "queues.read", NULL, { "ids", "channels" } },
  { "calls", "calls.read", NULL, { "queue_ids", "team_ids", "agent_ids", "campaign_ids", "directions", "channels" } },
  { "campaigns", "campaigns.read", "campaigns", { "ids", "statuses" } },
  { "lead_lists", "leads.read", "campaigns", { "ids" } },
  { "dnc_lists", "compliance.read", "dnc", { "ids" } },
  { "rule_sets", "compliance.read", "campaigns", { "ids" } },
  { "catalogs", "catalogs.read", NULL, { NULL } },
  { "qa_forms", "qa.read", "qa", { "ids" } },
  { "monitors", "monitors.read", "monitor.listen", { "call_ids", "user_ids" } },
  { "alerts", "alerts.read", "alerts", { "severities" } },
};

/* Which entity fields a filter key matches (§5.4), in order of preference. */
static const struct {
  const char *key;
  const char *fields[2];
} filter_fields[] = {
  { "ids", { "id" } },
  { "team_ids", { "team_ids" } },
  { "queue_ids", { "queue_ids", "queue_id" } },
  { "channels", { "channel" } },
  { "agent_ids", { "agent_id" } },
  { "campaign_ids", { "campaign_id" } },
  { "directions", { "direction" } },
  { "statuses", { "status" } },
  { "call_ids", { "call_id" } },
  { "user_ids", { "user_id" } },
  { "severities", { "severity" } },
};

static void connection_close (Connection *c, gushort code, const char *reason);
static void session_send (Session *session, const char *text);

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static int
topic_index (const char *topic)
{
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    if (g_strcmp0 (topics[i].topic, topic) == 0)
      return (int) i;
  return -1;
}

/* ---- JSON helpers ---------------------------------------------------- */

static char *
node_to_text (JsonNode *node)
{
  return cb_message_encode (node, NULL);
}

static char *
build_error_res_full (const char  *id,
                      CbErrorCode  code,
                      const char  *message,
                      gint64       retry_after_ms,
                      JsonNode    *details,
                      JsonNode    *current)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "res");
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, cb_error_code_to_string (code));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_set_member_name (b, "retryable");
  json_builder_add_boolean_value (b, code == CB_ERROR_RATE_LIMITED || code == CB_ERROR_TIMEOUT
                                     || code == CB_ERROR_BACKEND_UNAVAILABLE);
  json_builder_set_member_name (b, "retry_after_ms");
  json_builder_add_int_value (b, retry_after_ms);
  json_builder_set_member_name (b, "current");
  if (current)
    json_builder_add_value (b, json_node_copy (current));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "details");
  if (details)
    json_builder_add_value (b, json_node_copy (details));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return node_to_text (root);
}

static char *
build_error_res (const char  *id,
                 CbErrorCode  code,
                 const char  *message,
                 gint64       retry_after_ms,
                 JsonNode    *details)
{
  return build_error_res_full (id, code, message, retry_after_ms, details, NULL);
}

static JsonNode *
build_ok_res (const char *id,
              JsonNode   *data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "res");
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "data");
  if (data)
    json_builder_add_value (b, json_node_copy (data));
  else
    {
      json_builder_begin_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

static JsonNode *
details_node (const char *key,
              const char *value)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- filters ------------------------------------------------------------ */

static gboolean
member_matches (JsonNode  *member,
                JsonArray *wanted)
{
  guint n = json_array_get_length (wanted);

  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    return FALSE;

  if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING)
    {
      const char *value = json_node_get_string (member);

      for (guint i = 0; i < n; i++)
        if (g_strcmp0 (json_array_get_string_element (wanted, i), value) == 0)
          return TRUE;
      return FALSE;
    }

  if (JSON_NODE_HOLDS_ARRAY (member))
    {
      JsonArray *values = json_node_get_array (member);

      for (guint j = 0; j < json_array_get_length (values); j++)
        {
          JsonNode *v = json_array_get_element (values, j);

          if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
            for (guint i = 0; i < n; i++)
              if (g_strcmp0 (json_array_get_string_element (wanted, i), json_node_get_string (v)) == 0)
                return TRUE;
        }
    }

  return FALSE;
}

static gboolean
entity_matches (CbSimServer       *self,
                const CbSimEntity *entity,
                JsonNode          *filter)
{
  JsonObject *f = json_node_get_object (filter);
  g_autoptr(GList) keys = json_object_get_members (f);

  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonArray *wanted = json_object_get_array_member (f, key);
      JsonNode *member = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (filter_fields) && member == NULL; i++)
        if (g_str_equal (filter_fields[i].key, key))
          for (guint j = 0; j < 2 && member == NULL && filter_fields[i].fields[j]; j++)
            member = json_object_get_member (entity->data, filter_fields[i].fields[j]);

      /* A call's teams are its agent's teams (§5.4). */
      if (member == NULL && g_str_equal (key, "team_ids") && g_str_equal (entity->type, "call"))
        {
          const char *agent_id = json_object_get_string_member_with_default (entity->data, "agent_id", NULL);
          const CbSimEntity *agent = agent_id ? cb_sim_state_lookup (self->state, "agent", agent_id) : NULL;

          if (agent != NULL)
            member = json_object_get_member (agent->data, "team_ids");
        }

      if (!member_matches (member, wanted))
        return FALSE;
    }

  return TRUE;
}

/* Checks a subscribe filter's shape and keys; an empty object is fine. */
static gboolean
validate_filter (int          topic,
                 JsonObject  *filter,
                 char       **bad_field)
{
  g_autoptr(GList) keys = json_object_get_members (filter);

  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *value = json_object_get_member (filter, key);
      gboolean known = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (topics[topic].filter_keys) && topics[topic].filter_keys[i]; i++)
        known |= g_str_equal (topics[topic].filter_keys[i], key);

      if (!known || !JSON_NODE_HOLDS_ARRAY (value))
        {
          *bad_field = g_strdup_printf ("filter.%s", key);
          return FALSE;
        }

      for (guint i = 0; i < json_array_get_length (json_node_get_array (value)); i++)
        {
          JsonNode *element = json_array_get_element (json_node_get_array (value), i);

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
            {
              *bad_field = g_strdup_printf ("filter.%s[%u]", key, i);
              return FALSE;
            }
        }
    }

  return TRUE;
}

/* ---- sessions ----------------------------------------------------------- */

static void
subscription_free (Subscription *sub)
{
  g_free (sub->topic);
  g_clear_pointer (&sub->filter, json_node_unref);
  g_clear_pointer (&sub->visible, g_hash_table_unref);
  g_free (sub);
}

static void
buffered_free (Buffered *buffered)
{
  g_free (buffered->text);
  g_free (buffered);
}

static void
session_free (Session *session)
{
  g_free (session->id);
  g_hash_table_unref (session->subscriptions);
  g_queue_clear_full (&session->buffer, (GDestroyNotify) buffered_free);
  g_free (session);
}

static Session *
session_new (CbSimServer     *self,
             const CbSimUser *user)
{
  Session *session = g_new0 (Session, 1);

  session->server = self;
  session->user = user;
  session->id = g_strdup_printf ("s-%s-%u", self->epoch + 2, ++self->session_counter);
  session->subscriptions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                  (GDestroyNotify) subscription_free);
  g_queue_init (&session->buffer);
  g_hash_table_insert (self->sessions, session->id, session);
  return session;
}

/* The entity reference of events and snapshot items: {type, id, rev}. */
static void
add_entity_ref (JsonBuilder       *b,
                const CbSimEntity *entity)
{
  json_builder_set_member_name (b, "entity");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, entity->type);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, entity->id);
  json_builder_set_member_name (b, "rev");
  json_builder_add_int_value (b, entity->rev);
  json_builder_end_object (b);
}

static void
add_entity_data (JsonBuilder       *b,
                 const CbSimEntity *entity)
{
  JsonNode *data = json_node_alloc ();

  json_node_init_object (data, entity->data);
  json_builder_set_member_name (b, "data");
  json_builder_add_value (b, data);
}

/* Everything of an event after its seq, from ",\"ts\":" to the closing
 * brace. It is the same for every session, so a change is serialized once
 * however many sessions receive it; only the seq differs. */
static char *
render_event_tail (const CbSimEntity *entity,
                   gboolean           as_delete)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ts");
  json_builder_add_int_value (b, entity->ts);
  json_builder_set_member_name (b, "topic");
  json_builder_add_string_value (b, entity->topic);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, as_delete ? "delete" : "upsert");
  add_entity_ref (b, entity);
  if (as_delete)
    {
      json_builder_set_member_name (b, "data");
      json_builder_add_null_value (b);
    }
  else
    add_entity_data (b, entity);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  text = node_to_text (root);
  text[0] = ',';
  return text;
}

static void
session_trim (Session *session)
{
  while (session->buffer.length > session->server->replay_events)
    buffered_free (g_queue_pop_head (&session->buffer));
}

/* A copy of @o whose members are copies of @o's (not of what they hold). */
static JsonObject *
object_copy_shallow (JsonObject *o)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, o);
  while (json_object_iter_next (&iter, &name, &node))
    json_object_set_member (copy, name, json_node_copy (node));
  return copy;
}

/* Fault: an upsert whose data is not the entity at that rev (its first
 * string member but the id is changed) while snapshots stay right, as a
 * backend that renders events and snapshots from different sources. */
static char *
render_drifted_tail (const CbSimEntity *entity)
{
  g_autoptr(JsonObject) data = object_copy_shallow (entity->data);
  g_autoptr(GList) names = json_object_get_members (data);
  CbSimEntity drifted = *entity;

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (data, l->data);

      if (!g_str_equal (l->data, "id") && JSON_NODE_HOLDS_VALUE (node)
          && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autofree char *value = g_strconcat (json_node_get_string (node), " (drift)", NULL);

          json_object_set_string_member (data, l->data, value);
          break;
        }
    }
  drifted.data = data;
  return render_event_tail (&drifted, FALSE);
}

/* Numbers an event for @session, keeps it for replay and sends it. */
static void
session_emit (Session    *session,
              const char *tail)
{
  CbSimServer *self = session->server;
  Buffered *buffered;
  Connection *c = session->connection;

  /* Fault: a seq that is never sent (a backend bug the client must catch). */
  if (c != NULL && self->faults.skip_seq_every > 0
      && ++c->fault_counter % self->faults.skip_seq_every == 0)
    session->seq++;

  buffered = g_new0 (Buffered, 1);
  buffered->seq = ++session->seq;
  buffered->text = g_strdup_printf ("{\"type\":\"event\",\"seq\":%" G_GINT64_FORMAT "%s", buffered->seq, tail);
  g_queue_push_tail (&session->buffer, buffered);
  session_trim (session);

  session_send (session, buffered->text);
}

static void
send_text (Connection *c,
           const char *text)
{
  if (c->ws != NULL && !c->stalled
      && soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (c->ws, text);
}

/* Sends an event to the session's connection, through the faults. */
static void
session_send (Session    *session,
              const char *text)
{
  CbSimServer *self = session->server;
  Connection *c = session->connection;
  guint n;

  if (c == NULL || !c->welcomed)
    return;

  n = ++c->fault_counter;

  if (self->faults.reorder_every > 0 && n % self->faults.reorder_every == 0 && c->held == NULL)
    {
      c->held = g_strdup (text);
      return;
    }

  send_text (c, text);
  if (c->held != NULL)
    {
      g_autofree char *held = g_steal_pointer (&c->held);

      send_text (c, held);
    }

  if (self->faults.duplicate_every > 0 && n % self->faults.duplicate_every == 0)
    send_text (c, text);

  if (self->faults.oversize_every > 0 && n % self->faults.oversize_every == 0)
    {
      gsize size = c->client_max + 1024;
      g_autofree char *big = g_malloc (size + 64);
      int head = g_snprintf (big, 64, "{\"type\":\"x-oversize\",\"pad\":\"");

      memset (big + head, 'x', size);
      strcpy (big + head + size, "\"}");
      send_text (c, big);
    }
}

/* Routes a state change to every session subscribed to its topic. */
static void
on_state_changed (CbSimState        *state,
                  CbSimStateChange        change,
                  const CbSimEntity *entity,
                  gpointer           user_data)
{
  CbSimServer *self = user_data;
  g_autofree char *upsert_tail = NULL;
  g_autofree char *delete_tail = NULL;
  GHashTableIter iter;
  Session *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      Subscription *sub = g_hash_table_lookup (session->subscriptions, entity->topic);
      gboolean was, now;

      if (sub == NULL)
        continue;

      was = g_hash_table_contains (sub->visible, entity->id);
      now = change == CB_SIM_STATE_UPSERT && entity_matches (self, entity, sub->filter);

      if (now)
        {
          if (!was)
            g_hash_table_add (sub->visible, g_strdup (entity->id));
          if (upsert_tail == NULL)
            upsert_tail = self->faults.drift_every > 0 && ++self->drift_counter % self->faults.drift_every == 0
                          ? render_drifted_tail (entity) : render_event_tail (entity, FALSE);
          session_emit (session, upsert_tail);
        }
      else if (was)
        {
          /* Deleted, or no longer matching the filter: the client drops it. */
          g_hash_table_remove (sub->visible, entity->id);
          if (delete_tail == NULL)
            delete_tail = render_event_tail (entity, TRUE);
          session_emit (session, delete_tail);
        }
    }
}

/* ---- connections -------------------------------------------------------- */

static void
snapshot_job_free (SnapshotJob *job)
{
  g_free (job->topic);
  g_free (job->snapshot_id);
  g_ptr_array_unref (job->parts);
  g_free (job);
}

static void
connection_detach (Connection *c)
{
  c->closing = TRUE;
  if (c->session != NULL)
    {
      c->session->connection = NULL;
      c->session->detached_at_us = g_get_monotonic_time ();
      c->session = NULL;
    }
}

static void
connection_free (Connection *c)
{
  connection_detach (c);
  g_clear_handle_id (&c->hello_source, g_source_remove);
  g_clear_handle_id (&c->heartbeat_source, g_source_remove);
  g_clear_handle_id (&c->snapshot_source, g_source_remove);
  g_clear_handle_id (&c->fault_source, g_source_remove);
  g_queue_clear_full (&c->snapshots, (GDestroyNotify) snapshot_job_free);
  g_queue_clear_full (&c->limited, g_free);
  g_clear_pointer (&c->held, g_free);
  if (c->ws != NULL)
    g_signal_handlers_disconnect_by_data (c->ws, c);
  g_clear_object (&c->ws);
  g_free (c);
}

static void
connection_close (Connection *c,
                  gushort     code,
                  const char *reason)
{
  if (c->ws != NULL && soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (c->ws, code, reason);
}

static void
connection_abort (Connection *c)
{
  /* Gone without a close frame, as when a cable is pulled. */
  if (c->ws != NULL)
    g_io_stream_close (soup_websocket_connection_get_io_stream (c->ws), NULL, NULL);
}

static void
on_ws_closed (SoupWebsocketConnection *ws,
              Connection              *c)
{
  CbSimServer *self = c->server;

  g_debug ("connection closed (%u)", soup_websocket_connection_get_close_code (ws));
  g_ptr_array_remove_fast (self->connections, c);
}

static gboolean
on_heartbeat (gpointer user_data)
{
  Connection *c = user_data;
  CbSimServer *self = c->server;
  g_autofree char *text = NULL;

  if (cb_silence_check (&c->silence, (gint64) self->heartbeat_ms * 1000, g_get_monotonic_time ())
      > (gint64) (CB_PROTOCOL_DEAD_FACTOR * self->heartbeat_ms * 1000))
    {
      c->heartbeat_source = 0;
      connection_close (c, CB_CLOSE_HELLO_TIMEOUT, "heartbeat timeout");
      connection_detach (c);
      return G_SOURCE_REMOVE;
    }

  if (c->session == NULL)
    return G_SOURCE_CONTINUE;

  text = g_strdup_printf ("{\"type\":\"heartbeat\",\"seq\":%" G_GINT64_FORMAT ",\"server_time\":%" G_GINT64_FORMAT "}",
                          c->session->seq, now_ms ());
  send_text (c, text);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_hello_timeout (gpointer user_data)
{
  Connection *c = user_data;

  c->hello_source = 0;
  connection_close (c, CB_CLOSE_HELLO_TIMEOUT, "no hello in time");
  return G_SOURCE_REMOVE;
}

static gboolean
on_stall (gpointer user_data)
{
  Connection *c = user_data;

  c->fault_source = 0;
  c->stalled = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_token_expired (gpointer user_data)
{
  Connection *c = user_data;

  c->fault_source = 0;
  connection_close (c, CB_CLOSE_TOKEN_INVALID, "token expired");
  return G_SOURCE_REMOVE;
}

static const char * const *
server_features (CbSimServer *self)
{
  return (const char * const *) self->features->pdata;
}

static char *
build_welcome (CbSimServer *self,
               Session     *session,
               gboolean     resumed)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  GHashTableIter iter;
  Subscription *sub;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "welcome");
  json_builder_set_member_name (b, "protocol");
  json_builder_add_string_value (b, CB_PROTOCOL_SUBPROTOCOL);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, session->id);
  json_builder_set_member_name (b, "resumed");
  json_builder_add_boolean_value (b, resumed);
  json_builder_set_member_name (b, "epoch");
  json_builder_add_string_value (b, self->epoch);
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, session->seq);
  json_builder_set_member_name (b, "heartbeat_ms");
  json_builder_add_int_value (b, self->heartbeat_ms);
  json_builder_set_member_name (b, "replay");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "events");
  json_builder_add_int_value (b, self->replay_events);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_int_value (b, self->replay_seconds);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "limits");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "max_message_bytes");
  json_builder_add_int_value (b, SERVER_MAX_MESSAGE);
  json_builder_set_member_name (b, "max_subscriptions");
  json_builder_add_int_value (b, MAX_SUBSCRIPTIONS);
  json_builder_set_member_name (b, "request_rate");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "per_second");
  json_builder_add_int_value (b, RATE_PER_SECOND);
  json_builder_set_member_name (b, "burst");
  json_builder_add_int_value (b, RATE_BURST);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "max_inflight");
  json_builder_add_int_value (b, 32);
  json_builder_set_member_name (b, "max_page_size");
  json_builder_add_int_value (b, 1000);
  json_builder_set_member_name (b, "max_upload_rows");
  json_builder_add_int_value (b, 1000);
  json_builder_set_member_name (b, "idempotency_ttl_s");
  json_builder_add_int_value (b, IDEMPOTENCY_TTL_S);
  json_builder_set_member_name (b, "hello_timeout_ms");
  json_builder_add_int_value (b, HELLO_TIMEOUT_MS);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "user");
  json_builder_add_value (b, cb_sim_user_to_json (session->user));
  json_builder_set_member_name (b, "backend");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, self->backend_name);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, PACKAGE_VERSION);
  json_builder_set_member_name (b, "time_zone");
  json_builder_add_string_value (b, self->time_zone);
  json_builder_set_member_name (b, "details");
  if (self->details)
    json_builder_add_string_value (b, self->details);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  cb_json_builder_add_strv (b, "features", server_features (self));
  json_builder_set_member_name (b, "server_time");
  json_builder_add_int_value (b, now_ms ());
  json_builder_set_member_name (b, "subscriptions");
  json_builder_begin_array (b);
  if (resumed)
    {
      g_hash_table_iter_init (&iter, session->subscriptions);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sub))
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "topic");
          json_builder_add_string_value (b, sub->topic);
          json_builder_set_member_name (b, "filter");
          json_builder_add_value (b, json_node_copy (sub->filter));
          json_builder_end_object (b);
        }
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return node_to_text (root);
}

static char *
build_reset (CbSimServer *self,
             Session     *session,
             const char  *reason,
             const char  *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "reset");
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, session->id);
  json_builder_set_member_name (b, "epoch");
  json_builder_add_string_value (b, self->epoch);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return node_to_text (root);
}

static void
attach (Connection *c,
        Session    *session)
{
  CbSimServer *self = c->server;

  c->session = session;
  session->connection = c;
  session->detached_at_us = 0;
  c->welcomed = TRUE;

  c->heartbeat_source = g_timeout_add (self->heartbeat_ms, on_heartbeat, c);
  if (self->faults.stall_after_s > 0)
    c->fault_source = g_timeout_add_seconds (self->faults.stall_after_s, on_stall, c);
  else if (self->faults.expire_token_after_s > 0)
    c->fault_source = g_timeout_add_seconds (self->faults.expire_token_after_s, on_token_expired, c);
}

/* §7.2: the checks in order; NULL reason means resumed. */
static const char *
check_resume (CbSimServer      *self,
              const CbSimUser  *user,
              JsonObject       *resume,
              Session         **out_session,
              gint64           *out_last_seq,
              char            **message)
{
  const char *session_id = NULL, *epoch = NULL;
  gint64 last_seq = 0;
  Session *session;
  Buffered *oldest;

  cb_json_get_string (resume, "session", TRUE, &session_id, NULL);
  cb_json_get_string (resume, "epoch", TRUE, &epoch, NULL);
  cb_json_get_int (resume, "last_seq", TRUE, 0, &last_seq, NULL);

  if (g_strcmp0 (epoch, self->epoch) != 0)
    {
      *message = g_strdup_printf ("the event log restarted; the epoch is now %s", self->epoch);
      return "epoch_changed";
    }

  session = g_hash_table_lookup (self->sessions, session_id);
  if (session == NULL || session->user != user)
    {
      *message = g_strdup ("no such session");
      return "session_unknown";
    }

  if (last_seq > session->seq)
    {
      *message = g_strdup_printf ("last_seq %" G_GINT64_FORMAT " is ahead of the session's %" G_GINT64_FORMAT,
                                  last_seq, session->seq);
      return "cursor_invalid";
    }

  oldest = g_queue_peek_head (&session->buffer);
  if ((last_seq < session->seq && (oldest == NULL || oldest->seq > last_seq + 1) && !self->faults.resume_too_old)
      || (session->detached_at_us != 0
          && g_get_monotonic_time () - session->detached_at_us > (gint64) self->replay_seconds * G_USEC_PER_SEC))
    {
      *message = g_strdup_printf ("events after %" G_GINT64_FORMAT " are no longer kept", last_seq);
      return "cursor_too_old";
    }

  /* Every seq after last_seq must be in the buffer (a skipped seq is not). */
  for (GList *l = session->buffer.head; l != NULL && !self->faults.resume_too_old; l = l->next)
    {
      Buffered *buffered = l->data;
      GList *next = l->next;

      if (buffered->seq > last_seq && next != NULL && ((Buffered *) next->data)->seq != buffered->seq + 1)
        {
          *message = g_strdup ("the session's events after the cursor are incomplete");
          return "cursor_too_old";
        }
    }

  *out_session = session;
  *out_last_seq = last_seq;
  return NULL;
}

static void
handle_hello (Connection *c,
              CbMessage  *message)
{
  CbSimServer *self = c->server;
  g_autoptr(GError) error = NULL;
  JsonObject *client = NULL, *resume = NULL;
  const char *name = NULL, *version = NULL;
  gint64 max_bytes = 0;
  g_autofree char *welcome = NULL;
  Session *session = NULL;

  if (message->type != CB_MESSAGE_HELLO
      || !cb_json_get_object (message->object, "client", TRUE, &client, &error)
      || !cb_json_get_string (client, "name", TRUE, &name, &error)
      || !cb_json_get_string (client, "version", TRUE, &version, &error)
      || !cb_json_get_int (message->object, "max_message_bytes", TRUE, 1024 * 1024, &max_bytes, &error)
      || !cb_json_get_object (message->object, "resume", FALSE, &resume, &error))
    {
      connection_close (c, CB_CLOSE_PROTOCOL_ERROR, error ? error->message : "expected hello");
      return;
    }

  if (resume != NULL)
    {
      const char *s = NULL, *e = NULL;
      gint64 n = 0;

      if (!cb_json_get_string (resume, "session", TRUE, &s, &error)
          || !cb_json_get_string (resume, "epoch", TRUE, &e, &error)
          || !cb_json_get_int (resume, "last_seq", TRUE, 0, &n, &error))
        {
          connection_close (c, CB_CLOSE_PROTOCOL_ERROR, error->message);
          return;
        }
    }

  g_clear_handle_id (&c->hello_source, g_source_remove);
  c->client_max = (gsize) max_bytes;

  if (resume != NULL)
    {
      g_autofree char *why = NULL;
      gint64 last_seq = 0;
      const char *reason = check_resume (self, c->user, resume, &session, &last_seq, &why);

      if (reason == NULL)
        {
          if (session->connection != NULL && session->connection != c)
            {
              Connection *old = session->connection;

              connection_detach (old);
              connection_close (old, CB_CLOSE_SESSION_TAKEN, "session resumed elsewhere");
            }

          attach (c, session);
          welcome = build_welcome (self, session, TRUE);
          send_text (c, welcome);
          for (GList *l = session->buffer.head; l != NULL; l = l->next)
            {
              Buffered *buffered = l->data;

              if (buffered->seq > last_seq)
                send_text (c, buffered->text);
            }
          return;
        }
      else
        {
          g_autofree char *reset = NULL;

          session = session_new (self, c->user);
          attach (c, session);
          welcome = build_welcome (self, session, FALSE);
          reset = build_reset (self, session, reason, why);
          send_text (c, welcome);
          send_text (c, reset);
          return;
        }
    }

  session = session_new (self, c->user);
  attach (c, session);
  welcome = build_welcome (self, session, FALSE);
  send_text (c, welcome);
}

/* ---- subscriptions ------------------------------------------------------ */

static gboolean
on_snapshot_part (gpointer user_data)
{
  Connection *c = user_data;
  SnapshotJob *job = g_queue_peek_head (&c->snapshots);

  if (job == NULL)
    {
      c->snapshot_source = 0;
      return G_SOURCE_REMOVE;
    }

  send_text (c, g_ptr_array_index (job->parts, job->next));
  if (++job->next >= job->parts->len)
    snapshot_job_free (g_queue_pop_head (&c->snapshots));

  if (g_queue_is_empty (&c->snapshots))
    {
      c->snapshot_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static char *
render_item (const CbSimEntity *entity)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  add_entity_ref (b, entity);
  add_entity_data (b, entity);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return node_to_text (root);
}

/* Captures the snapshot of @topic for @sub and queues its parts. */
static void
start_snapshot (Connection   *c,
                const char   *request_id,
                Subscription *sub)
{
  CbSimServer *self = c->server;
  g_autoptr(GPtrArray) entities = cb_sim_state_list (self->state, sub->topic);
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *group = NULL;
  gsize group_bytes = 0;
  SnapshotJob *job;
  g_autoptr(JsonNode) res = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) data = NULL;
  g_autofree char *res_text = NULL;
  guint count = 0;
  gint64 as_of = c->session->seq;

  job = g_new0 (SnapshotJob, 1);
  job->topic = g_strdup (sub->topic);
  job->snapshot_id = g_strdup_printf ("snap-%u", ++self->snapshot_counter);
  job->parts = g_ptr_array_new_with_free_func (g_free);

  /* Abandon the unsent parts of an earlier snapshot of the same topic. */
  for (GList *l = c->snapshots.head; l != NULL; )
    {
      GList *next = l->next;
      SnapshotJob *old = l->data;

      if (g_str_equal (old->topic, sub->topic) && l != c->snapshots.head)
        {
          snapshot_job_free (old);
          g_queue_delete_link (&c->snapshots, l);
        }
      l = next;
    }

  g_hash_table_remove_all (sub->visible);
  for (guint i = 0; i < entities->len; i++)
    {
      const CbSimEntity *entity = g_ptr_array_index (entities, i);
      char *item;
      gsize len;

      if (!entity_matches (self, entity, sub->filter))
        continue;

      g_hash_table_add (sub->visible, g_strdup (entity->id));
      item = render_item (entity);
      len = strlen (item);
      if (group == NULL || group_bytes + len + 1 > MAX_PART_BYTES - 512)
        {
          group = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (groups, group);
          group_bytes = 0;
        }
      g_ptr_array_add (group, item);
      group_bytes += len + 1;
      count++;
    }

  if (groups->len == 0)
    g_ptr_array_add (groups, g_ptr_array_new_with_free_func (g_free));

  for (guint i = 0; i < groups->len; i++)
    {
      GPtrArray *items = g_ptr_array_index (groups, i);
      GString *part = g_string_new (NULL);

      g_string_append_printf (part, "{\"type\":\"snapshot\",\"topic\":\"%s\",\"snapshot_id\":\"%s\","
                              "\"as_of\":%" G_GINT64_FORMAT ",\"part\":%u,\"parts\":%u,\"items\":[",
                              sub->topic, job->snapshot_id, as_of, i + 1, groups->len);
      for (guint j = 0; j < items->len; j++)
        {
          if (j > 0)
            g_string_append_c (part, ',');
          g_string_append (part, g_ptr_array_index (items, j));
        }
      g_string_append (part, "]}");
      g_ptr_array_add (job->parts, g_string_free (part, FALSE));
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "topic");
  json_builder_add_string_value (b, sub->topic);
  json_builder_set_member_name (b, "snapshot_id");
  json_builder_add_string_value (b, job->snapshot_id);
  json_builder_set_member_name (b, "as_of");
  json_builder_add_int_value (b, as_of);
  json_builder_set_member_name (b, "parts");
  json_builder_add_int_value (b, job->parts->len);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, count);
  json_builder_end_object (b);
  data = json_builder_get_root (b);
  res = build_ok_res (request_id, data);
  res_text = node_to_text (res);
  send_text (c, res_text);

  g_queue_push_tail (&c->snapshots, job);
  /* At the priority of the events, one part per turn of the main loop:
   * at idle priority a busy sim, always with an event to send, never
   * sent a part, and the client waited for its snapshot forever. */
  if (c->snapshot_source == 0)
    c->snapshot_source = g_idle_add_full (G_PRIORITY_DEFAULT, on_snapshot_part, c, NULL);
}

static void
handle_subscribe (Connection *c,
                  CbMessage  *message)
{
  const char *id = NULL, *topic = NULL;
  JsonObject *filter = NULL;
  g_autofree char *bad_field = NULL;
  g_autofree char *error = NULL;
  Subscription *sub;
  int t;

  if (!cb_json_get_string (message->object, "id", TRUE, &id, NULL))
    {
      connection_close (c, CB_CLOSE_PROTOCOL_ERROR, "subscribe without an id");
      return;
    }

  if (!cb_json_get_string (message->object, "topic", TRUE, &topic, NULL))
    {
      g_autoptr(JsonNode) details = details_node ("field", "topic");

      error = build_error_res (id, CB_ERROR_BAD_REQUEST, "topic must be a string", 0, details);
      send_text (c, error);
      return;
    }

  t = topic_index (topic);
  if (t < 0 || (topics[t].feature != NULL && !g_strv_contains (server_features (c->server), topics[t].feature)))
    {
      error = build_error_res (id, CB_ERROR_UNSUPPORTED, "this backend has no such topic", 0, NULL);
      send_text (c, error);
      return;
    }

  if (!cb_sim_user_can (c->user, topics[t].permission))
    {
      g_autoptr(JsonNode) details = details_node ("permission", topics[t].permission);

      error = build_error_res (id, CB_ERROR_FORBIDDEN, "you may not read this topic", 0, details);
      send_text (c, error);
      return;
    }

  if (!cb_json_get_object (message->object, "filter", FALSE, &filter, NULL)
      || (filter != NULL && !validate_filter (t, filter, &bad_field)))
    {
      g_autoptr(JsonNode) details = details_node ("field", bad_field ? bad_field : "filter");

      error = build_error_res (id, CB_ERROR_BAD_REQUEST,
                               "the filter has a key this topic does not know, or a value that is not a list of strings",
                               0, details);
      send_text (c, error);
      return;
    }

  if (!g_hash_table_contains (c->session->subscriptions, topic)
      && g_hash_table_size (c->session->subscriptions) >= MAX_SUBSCRIPTIONS)
    {
      error = build_error_res (id, CB_ERROR_BAD_REQUEST, "too many subscriptions", 0, NULL);
      send_text (c, error);
      return;
    }

  sub = g_new0 (Subscription, 1);
  sub->topic = g_strdup (topic);
  sub->filter = json_node_alloc ();
  if (filter != NULL)
    json_node_init_object (sub->filter, filter);
  else
    json_node_take_object (sub->filter, json_object_new ());
  sub->visible = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_replace (c->session->subscriptions, sub->topic, sub);

  start_snapshot (c, id, sub);
}

static void
handle_unsubscribe (Connection *c,
                    CbMessage  *message)
{
  const char *id = NULL, *topic = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) data = NULL;
  g_autoptr(JsonNode) res = NULL;
  g_autofree char *text = NULL;

  if (!cb_json_get_string (message->object, "id", TRUE, &id, NULL))
    {
      connection_close (c, CB_CLOSE_PROTOCOL_ERROR, "unsubscribe without an id");
      return;
    }

  if (!cb_json_get_string (message->object, "topic", TRUE, &topic, NULL) || g_strcmp0 (topic, "session") == 0)
    {
      text = build_error_res (id, CB_ERROR_BAD_REQUEST, "this topic cannot be unsubscribed", 0, NULL);
      send_text (c, text);
      return;
    }

  g_hash_table_remove (c->session->subscriptions, topic);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "topic");
  json_builder_add_string_value (b, topic);
  json_builder_end_object (b);
  data = json_builder_get_root (b);
  res = build_ok_res (id, data);
  text = node_to_text (res);
  send_text (c, text);
}

/* ---- requests ----------------------------------------------------------- */

/* §14.5: the token bucket; returns 0 or the ms until a token is there. */
static gint64
take_token (Connection *c)
{
  gint64 now = g_get_monotonic_time ();

  c->bucket = MIN (RATE_BURST, c->bucket + (now - c->bucket_at_us) / 1e6 * RATE_PER_SECOND);
  c->bucket_at_us = now;

  if (c->bucket >= 1.0)
    {
      c->bucket -= 1.0;
      return 0;
    }

  return MAX (1, (gint64) ceil ((1.0 - c->bucket) / RATE_PER_SECOND * 1000));
}

static gboolean
rate_limited (Connection *c,
              const char *id)
{
  gint64 wait_ms = take_token (c);
  gint64 now = g_get_monotonic_time ();
  g_autofree char *text = NULL;

  if (wait_ms == 0)
    return FALSE;

  g_queue_push_tail (&c->limited, g_memdup2 (&now, sizeof now));
  while (!g_queue_is_empty (&c->limited) && now - *(gint64 *) g_queue_peek_head (&c->limited) > LIMITED_WINDOW_US)
    g_free (g_queue_pop_head (&c->limited));

  if (c->limited.length > RATE_BURST)
    {
      connection_close (c, CB_CLOSE_RATE_LIMITED, "rate limited; retry_after=30");
      return TRUE;
    }

  text = build_error_res (id, CB_ERROR_RATE_LIMITED, "too many requests", wait_ms, NULL);
  send_text (c, text);
  return TRUE;
}

static GHashTable *
idempotency_for (CbSimServer     *self,
                 const CbSimUser *user)
{
  GHashTable *table = g_hash_table_lookup (self->idempotency, user->id);

  if (table == NULL)
    {
      table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (self->idempotency, g_strdup (user->id), table);
    }
  return table;
}

static void
stored_free (Stored *stored)
{
  g_free (stored->op);
  g_free (stored->data);
  g_clear_pointer (&stored->response, json_node_unref);
  g_free (stored);
}

static gboolean
builtin_ping (CbSimServer      *self,
              const CbSimUser  *user,
              JsonObject       *data,
              JsonNode        **result,
              GError          **error,
              gpointer          user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gint64 client_time = -1;

  if (!cb_json_get_int (data, "client_time", FALSE, 0, &client_time, NULL))
    {
      g_set_error_literal (error, CB_REQUEST_ERROR, CB_ERROR_BAD_REQUEST, "client_time must be an integer");
      return FALSE;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "client_time");
  if (client_time >= 0)
    json_builder_add_int_value (b, client_time);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "server_time");
  json_builder_add_int_value (b, now_ms ());
  json_builder_end_object (b);
  *result = json_builder_get_root (b);
  return TRUE;
}

static gboolean
builtin_user_me (CbSimServer      *self,
                 const CbSimUser  *user,
                 JsonObject       *data,
                 JsonNode        **result,
                 GError          **error,
                 gpointer          user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "user");
  json_builder_add_value (b, cb_sim_user_to_json (user));
  json_builder_end_object (b);
  *result = json_builder_get_root (b);
  return TRUE;
}

static void
handle_request (Connection *c,
                CbMessage  *message)
{
  CbSimServer *self = c->server;
  Op *op;
  g_autoptr(JsonObject) empty = json_object_new ();
  JsonObject *data = message->data ? message->data : empty;
  const char *idem = NULL;
  g_autofree char *text = NULL;
  g_autofree char *data_text = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) res = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *keys = NULL;

  if (rate_limited (c, message->id))
    return;

  op = g_hash_table_lookup (self->ops, message->op);
  if (op == NULL)
    {
      g_autoptr(JsonNode) details = details_node ("op", message->op);

      text = build_error_res (message->id, CB_ERROR_UNSUPPORTED, "this backend does not know this op", 0, details);
      send_text (c, text);
      return;
    }

  if (!cb_sim_user_can (c->user, op->permission))
    {
      g_autoptr(JsonNode) details = details_node ("permission", op->permission);

      text = build_error_res (message->id, CB_ERROR_FORBIDDEN, "you may not do this", 0, details);
      send_text (c, text);
      return;
    }

  if (!cb_json_get_string (message->object, "idem", FALSE, &idem, NULL)
      || (op->live && (idem == NULL || *idem == '\0' || strlen (idem) > 64)))
    {
      g_autoptr(JsonNode) details = details_node ("field", "idem");

      text = build_error_res (message->id, CB_ERROR_BAD_REQUEST,
                              "live commands need an idempotency key of at most 64 characters", 0, details);
      send_text (c, text);
      return;
    }

  self->request_if_rev = -1;
  if (json_object_has_member (message->object, "if_rev")
      && !cb_json_get_int (message->object, "if_rev", FALSE, 1, &self->request_if_rev, NULL))
    {
      g_autoptr(JsonNode) details = details_node ("field", "if_rev");

      text = build_error_res (message->id, CB_ERROR_BAD_REQUEST, "if_rev must be an integer ≥ 1", 0, details);
      send_text (c, text);
      return;
    }

  if (idem != NULL)
    {
      g_autoptr(JsonNode) data_node = json_node_alloc ();
      Stored *stored;

      json_node_init_object (data_node, data);
      data_text = node_to_text (data_node);
      keys = idempotency_for (self, c->user);
      stored = g_hash_table_lookup (keys, idem);
      if (stored != NULL && g_get_monotonic_time () - stored->at_us > (gint64) IDEMPOTENCY_TTL_S * G_USEC_PER_SEC)
        {
          g_hash_table_remove (keys, idem);
          stored_free (stored);
          stored = NULL;
        }

      if (stored != NULL)
        {
          g_autoptr(JsonNode) replay = NULL;

          if (g_strcmp0 (stored->op, message->op) != 0 || g_strcmp0 (stored->data, data_text) != 0)
            {
              g_autoptr(JsonNode) details = details_node ("reason", "idem_reused");

              text = build_error_res (message->id, CB_ERROR_BAD_REQUEST,
                                      "this idempotency key was used for another request", 0, details);
              send_text (c, text);
              return;
            }

          replay = json_node_copy (stored->response);
          json_object_set_string_member (json_node_get_object (replay), "id", message->id);
          json_object_set_boolean_member (json_node_get_object (replay), "idem_replayed", TRUE);
          text = node_to_text (replay);
          send_text (c, text);
          return;
        }
    }

  g_clear_pointer (&self->error_details, json_node_unref);
  g_clear_pointer (&self->error_current, json_node_unref);
  if (op->func (self, c->user, data, &result, &error, op->user_data))
    res = build_ok_res (message->id, result);
  else
    {
      g_autofree char *error_text = build_error_res_full (message->id,
                                                          error->domain == CB_REQUEST_ERROR ? (CbErrorCode) error->code
                                                                                            : CB_ERROR_INTERNAL,
                                                          error->message, 0, self->error_details,
                                                          self->error_current);

      res = json_from_string (error_text, NULL);
    }
  g_clear_pointer (&self->error_details, json_node_unref);
  g_clear_pointer (&self->error_current, json_node_unref);
  self->request_if_rev = -1;

  if (keys != NULL)
    {
      Stored *stored = g_new0 (Stored, 1);

      stored->op = g_strdup (message->op);
      stored->data = g_steal_pointer (&data_text);
      stored->response = json_node_copy (res);
      stored->at_us = g_get_monotonic_time ();
      g_hash_table_replace (keys, g_strdup (idem), stored);
    }

  text = node_to_text (res);
  send_text (c, text);
}

/* ---- the socket --------------------------------------------------------- */

/* A `req` the codec refused, that still has a string id and op: §8.1 wants
 * an error response for it (only a req without them is a protocol error).
 * Returns TRUE when it was answered. */
static gboolean
answer_malformed_request (Connection *c,
                          const char *text,
                          gsize       length,
                          GError     *why)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonNode) details = NULL;
  g_autofree char *res = NULL;
  JsonObject *o;
  JsonNode *root, *data;
  const char *type = NULL, *id = NULL, *op = NULL;
  Op *known;

  if (!c->welcomed || !g_utf8_validate_len (text, length, NULL)
      || !cb_json_depth_ok (text, length, CB_PROTOCOL_MAX_DEPTH))
    return FALSE;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, (gssize) length, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  o = json_node_get_object (root);
  if (!cb_json_get_string (o, "type", TRUE, &type, NULL) || !g_str_equal (type, "req")
      || !cb_json_get_string (o, "id", TRUE, &id, NULL) || !cb_json_get_string (o, "op", TRUE, &op, NULL))
    return FALSE;

  /* In the order of §8.3: rate_limited, unsupported, forbidden, bad_request. */
  if (rate_limited (c, id))
    return TRUE;
  known = g_hash_table_lookup (c->server->ops, op);
  if (known == NULL)
    {
      details = details_node ("op", op);
      res = build_error_res (id, CB_ERROR_UNSUPPORTED, "this backend does not know this op", 0, details);
    }
  else if (!cb_sim_user_can (c->user, known->permission))
    {
      details = details_node ("permission", known->permission);
      res = build_error_res (id, CB_ERROR_FORBIDDEN, "you may not do this", 0, details);
    }
  else
    {
      g_autofree char *message = g_strdup_printf ("malformed request: %s", why->message);

      data = json_object_get_member (o, "data");
      if (data != NULL && !JSON_NODE_HOLDS_OBJECT (data) && !JSON_NODE_HOLDS_NULL (data))
        details = details_node ("field", "data");
      res = build_error_res (id, CB_ERROR_BAD_REQUEST, message, 0, details);
    }
  send_text (c, res);
  return TRUE;
}

static void
on_ws_message (SoupWebsocketConnection *ws,
               gint                     type,
               GBytes                  *bytes,
               Connection              *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) message = NULL;
  gsize length;
  const char *text = g_bytes_get_data (bytes, &length);

  cb_silence_heard (&c->silence, g_get_monotonic_time ());

  /* A refused connection (version, token, role), or one whose session was
   * let go (takeover, restart, heartbeat timeout), is closing: whatever the
   * client sent before it heard so is not for us to act on. Nor is what
   * comes after we closed (4000, 4429, 1009): libsoup still delivers it,
   * and a request done then could never be answered. */
  if (c->user == NULL || c->closing || soup_websocket_connection_get_state (ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      connection_close (c, CB_CLOSE_PROTOCOL_ERROR, "binary frame on the control socket");
      return;
    }

  message = cb_message_decode (text, length, SERVER_MAX_MESSAGE, &error);
  if (message == NULL && !g_error_matches (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_TOO_LARGE)
      && answer_malformed_request (c, text, length, error))
    return;
  if (message == NULL)
    {
      connection_close (c, g_error_matches (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_TOO_LARGE)
                             ? CB_CLOSE_TOO_BIG : CB_CLOSE_PROTOCOL_ERROR,
                        error->message);
      return;
    }

  if (!c->welcomed)
    {
      handle_hello (c, message);
      return;
    }

  switch (message->type)
    {
    case CB_MESSAGE_HEARTBEAT:
      break;
    case CB_MESSAGE_SUBSCRIBE:
      {
        const char *id = NULL;

        if (cb_json_get_string (message->object, "id", TRUE, &id, NULL) && rate_limited (c, id))
          return;
        handle_subscribe (c, message);
      }
      break;
    case CB_MESSAGE_UNSUBSCRIBE:
      {
        const char *id = NULL;

        if (cb_json_get_string (message->object, "id", TRUE, &id, NULL) && rate_limited (c, id))
          return;
        handle_unsubscribe (c, message);
      }
      break;
    case CB_MESSAGE_REQUEST:
      handle_request (c, message);
      break;
    case CB_MESSAGE_HELLO:
      connection_close (c, CB_CLOSE_PROTOCOL_ERROR, "a second hello");
      break;
    case CB_MESSAGE_UNKNOWN:
      /* §16: unknown message types are ignored */
      break;
    case CB_MESSAGE_WELCOME:
    case CB_MESSAGE_SNAPSHOT:
    case CB_MESSAGE_EVENT:
    case CB_MESSAGE_RESET:
    case CB_MESSAGE_RESPONSE:
    default:
      connection_close (c, CB_CLOSE_PROTOCOL_ERROR, "a message only the server sends");
      break;
    }
}

/* Before the upgrade is checked: an offer without callboard.v1 is let
 * through without any subprotocol, so that on_websocket() refuses it with
 * 4406 (§2.3) rather than libsoup with HTTP 400. */
static void
on_control_early (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *offered = soup_message_headers_get_one (headers, "Sec-WebSocket-Protocol");

  if (offered != NULL && !soup_header_contains (offered, CB_PROTOCOL_SUBPROTOCOL))
    soup_message_headers_remove (headers, "Sec-WebSocket-Protocol");
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  CbSimServer *self = CB_SIM_SERVER (user_data);
  Connection *c = g_new0 (Connection, 1);
  const char *authorization;
  gboolean expired = FALSE;

  c->server = self;
  c->ws = g_object_ref (ws);
  cb_silence_heard (&c->silence, g_get_monotonic_time ());
  c->bucket = RATE_BURST;
  c->bucket_at_us = c->silence.last_rx_us;
  c->client_max = CB_PROTOCOL_DEFAULT_MAX_MESSAGE;
  g_queue_init (&c->snapshots);
  g_queue_init (&c->limited);
  g_ptr_array_add (self->connections, c);

  soup_websocket_connection_set_max_incoming_payload_size (ws, WIRE_MAX_MESSAGE);
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), c);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), c);

  /* §2.3 before §2.4: the version first, then the token. */
  if (g_strcmp0 (soup_websocket_connection_get_protocol (ws), CB_PROTOCOL_SUBPROTOCOL) != 0)
    {
      connection_close (c, CB_CLOSE_VERSION, "unsupported subprotocol; this server speaks callboard.v1");
      return;
    }

  authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Authorization");
  c->user = cb_sim_users_authenticate (self->users, authorization, now_ms (), &expired);
  if (c->user == NULL)
    {
      connection_close (c, CB_CLOSE_TOKEN_INVALID, expired ? "token expired" : "token refused");
      return;
    }
  if (c->user->roles == NULL || c->user->roles[0] == NULL
      || c->user->permissions == NULL || c->user->permissions[0] == NULL)
    {
      c->closing = TRUE;
      connection_close (c, CB_CLOSE_FORBIDDEN, "this account has no role");
      return;
    }

  c->hello_source = g_timeout_add (HELLO_TIMEOUT_MS, on_hello_timeout, c);
}

static const CbSimUser *
admin_user (CbSimServer       *self,
            SoupServerMessage *msg)
{
  const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                            "Authorization");
  gboolean expired;
  const CbSimUser *user = cb_sim_users_authenticate (self->users, authorization, now_ms (), &expired);

  if (user == NULL || !g_strv_contains ((const char * const *) user->roles, "admin"))
    {
      soup_server_message_set_status (msg, user ? SOUP_STATUS_FORBIDDEN : SOUP_STATUS_UNAUTHORIZED, NULL);
      return NULL;
    }
  return user;
}

static void
on_admin_digest (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  CbSimServer *self = CB_SIM_SERVER (user_data);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) root = NULL;
  char *text;
  gsize length;

  if (admin_user (self, msg) == NULL)
    return;

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "epoch");
  json_builder_add_string_value (b, self->epoch);
  json_builder_set_member_name (b, "topics");
  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autofree char *digest = cb_sim_state_digest (self->state, topics[i].topic);

      json_builder_set_member_name (b, topics[i].topic);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, cb_sim_state_count (self->state, topics[i].topic));
      json_builder_set_member_name (b, "digest");
      json_builder_add_string_value (b, digest);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "sessions");
  json_builder_add_int_value (b, g_hash_table_size (self->sessions));
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  text = cb_message_encode (root, &length);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
}

/* POST /admin/clock?run=0 freezes simulated time, run=1 lets it go on. */
static void
on_admin_clock (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  CbSimServer *self = CB_SIM_SERVER (user_data);
  const char *run = query ? g_hash_table_lookup (query, "run") : NULL;

  if (admin_user (self, msg) == NULL)
    return;

  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0
      || (g_strcmp0 (run, "0") != 0 && g_strcmp0 (run, "1") != 0) || self->clock_func == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  self->clock_func (g_str_equal (run, "1"), self->clock_data);
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static gboolean
on_sweep (gpointer user_data)
{
  CbSimServer *self = CB_SIM_SERVER (user_data);
  GHashTableIter iter;
  Session *session;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    if (session->connection == NULL && session->detached_at_us != 0
        && now - session->detached_at_us > (gint64) self->replay_seconds * G_USEC_PER_SEC)
      g_hash_table_iter_remove (&iter);

  return G_SOURCE_CONTINUE;
}

static gboolean
on_drop_fault (gpointer user_data)
{
  CbSimServer *self = CB_SIM_SERVER (user_data);

  for (guint i = 0; i < self->connections->len; i++)
    connection_abort (g_ptr_array_index (self->connections, i));
  return G_SOURCE_CONTINUE;
}

static gboolean
on_epoch_fault (gpointer user_data)
{
  cb_sim_server_new_epoch (CB_SIM_SERVER (user_data));
  return G_SOURCE_CONTINUE;
}

/* Fault: every queue's statistics again, a stats-only change each time
 * (stats_at moves on a millisecond), as a backend that does not coalesce. */
static gboolean
on_no_coalesce_fault (gpointer user_data)
{
  CbSimServer *self = CB_SIM_SERVER (user_data);
  g_autoptr(GPtrArray) queues = cb_sim_state_list (self->state, "queues");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < queues->len; i++)
    g_ptr_array_add (ids, g_strdup (((const CbSimEntity *) g_ptr_array_index (queues, i))->id));
  for (guint i = 0; i < ids->len; i++)
    {
      const CbSimEntity *queue = cb_sim_state_lookup (self->state, "queue", g_ptr_array_index (ids, i));
      JsonObject *stats = queue ? json_object_get_object_member (queue->data, "stats") : NULL;
      g_autoptr(JsonObject) data = NULL;
      JsonObject *moved;

      if (stats == NULL)
        continue;
      data = object_copy_shallow (queue->data);
      moved = object_copy_shallow (stats);
      json_object_set_int_member (moved, "stats_at",
                                  json_object_get_int_member_with_default (stats, "stats_at", 0) + 1);
      json_object_set_object_member (data, "stats", moved);
      cb_sim_state_upsert (self->state, "queues", "queue", queue->id, data, queue->ts);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- GObject -------------------------------------------------------------- */

static void
cb_sim_server_dispose (GObject *object)
{
  CbSimServer *self = CB_SIM_SERVER (object);

  cb_sim_server_shutdown (self);
  if (self->state != NULL)
    cb_sim_state_set_listener (self->state, NULL, NULL);
  self->state = NULL;
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (cb_sim_server_parent_class)->dispose (object);
}

static void
cb_sim_server_finalize (GObject *object)
{
  CbSimServer *self = CB_SIM_SERVER (object);

  g_clear_pointer (&self->connections, g_ptr_array_unref);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->ops, g_hash_table_unref);
  g_clear_pointer (&self->idempotency, g_hash_table_unref);
  g_clear_pointer (&self->handlers, g_ptr_array_unref);
  g_clear_pointer (&self->features, g_ptr_array_unref);
  g_clear_pointer (&self->error_details, json_node_unref);
  g_clear_pointer (&self->error_current, json_node_unref);
  g_free (self->backend_name);
  g_free (self->time_zone);
  g_free (self->details);
  g_free (self->epoch);

  G_OBJECT_CLASS (cb_sim_server_parent_class)->finalize (object);
}

static void
cb_sim_server_class_init (CbSimServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cb_sim_server_dispose;
  object_class->finalize = cb_sim_server_finalize;
}

static void
op_free (Op *op)
{
  g_free (op->op);
  g_free (op->permission);
  g_free (op);
}

static void
free_user_keys (GHashTable *keys)
{
  GHashTableIter iter;
  Stored *stored;

  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &stored))
    stored_free (stored);
  g_hash_table_unref (keys);
}

static void
handler_free (Handler *h)
{
  g_free (h->path);
  g_free (h->protocol);
  g_free (h);
}

static void
cb_sim_server_init (CbSimServer *self)
{
  self->handlers = g_ptr_array_new_with_free_func ((GDestroyNotify) handler_free);
  self->connections = g_ptr_array_new_with_free_func ((GDestroyNotify) connection_free);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) session_free);
  self->ops = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) op_free);
  self->idempotency = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) free_user_keys);
  self->features = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->features, g_strdup ("agent_control"));
  g_ptr_array_add (self->features, NULL);
  self->request_if_rev = -1;
  self->heartbeat_ms = 15000;
  self->replay_events = 10000;
  self->replay_seconds = 300;
  self->epoch = g_strdup_printf ("e-%" G_GINT64_FORMAT "-%u", now_ms (), ++self->epoch_counter);
}

CbSimServer *
cb_sim_server_new (CbSimState *state,
                   CbSimUsers *users,
                   const char *backend_name,
                   const char *time_zone)
{
  CbSimServer *self = g_object_new (CB_TYPE_SIM_SERVER, NULL);

  self->state = state;
  self->users = users;
  self->backend_name = g_strdup (backend_name);
  self->time_zone = g_strdup (time_zone);
  cb_sim_state_set_listener (state, on_state_changed, self);

  cb_sim_server_add_op (self, "ping", NULL, FALSE, builtin_ping, NULL);
  cb_sim_server_add_op (self, "user.me", NULL, FALSE, builtin_user_me, NULL);
  self->sweep_source = g_timeout_add_seconds (5, on_sweep, self);

  return self;
}

void
cb_sim_server_set_heartbeat (CbSimServer *self,
                             guint        heartbeat_ms)
{
  self->heartbeat_ms = heartbeat_ms;
}

void
cb_sim_server_set_replay (CbSimServer *self,
                          guint        events,
                          guint        seconds)
{
  self->replay_events = MAX (events, 1);
  self->replay_seconds = seconds;
}

void
cb_sim_server_set_faults (CbSimServer       *self,
                          const CbSimFaults *faults)
{
  self->faults = *faults;
  g_clear_handle_id (&self->drop_source, g_source_remove);
  g_clear_handle_id (&self->epoch_source, g_source_remove);
  g_clear_handle_id (&self->coalesce_source, g_source_remove);
  if (faults->drop_every_s > 0)
    self->drop_source = g_timeout_add_seconds (faults->drop_every_s, on_drop_fault, self);
  if (faults->new_epoch_every_s > 0)
    self->epoch_source = g_timeout_add_seconds (faults->new_epoch_every_s, on_epoch_fault, self);
  if (faults->no_coalesce_hz > 0)
    self->coalesce_source = g_timeout_add (1000 / MIN (faults->no_coalesce_hz, 1000), on_no_coalesce_fault, self);
}

void
cb_sim_server_set_time_zone (CbSimServer *self,
                             const char  *time_zone)
{
  g_free (self->time_zone);
  self->time_zone = g_strdup (time_zone);
}

void
cb_sim_server_set_details (CbSimServer *self,
                           const char  *details)
{
  g_free (self->details);
  self->details = g_strdup (details);
}

void
cb_sim_server_set_clock_func (CbSimServer    *self,
                              CbSimClockFunc  func,
                              gpointer        user_data)
{
  self->clock_func = func;
  self->clock_data = user_data;
}

void
cb_sim_server_add_op (CbSimServer *self,
                      const char  *op,
                      const char  *permission,
                      gboolean     live,
                      CbSimOpFunc  func,
                      gpointer     user_data)
{
  Op *entry = g_new0 (Op, 1);

  entry->op = g_strdup (op);
  entry->permission = g_strdup (permission);
  entry->live = live;
  entry->func = func;
  entry->user_data = user_data;
  g_hash_table_replace (self->ops, entry->op, entry);
}

/**
 * cb_sim_server_add_feature:
 *
 * Advertises @feature in welcome (§16.2) and opens the topics that need
 * it. Add a feature only once every op of it works.
 */
void
cb_sim_server_add_feature (CbSimServer *self,
                           const char  *feature)
{
  g_return_if_fail (CB_IS_SIM_SERVER (self));

  if (g_strv_contains (server_features (self), feature))
    return;
  g_ptr_array_insert (self->features, self->features->len - 1, g_strdup (feature));
}

/* The if_rev of the request an op is carrying out, or -1 when it has none. */
gint64
cb_sim_server_get_request_if_rev (CbSimServer *self)
{
  return self->request_if_rev;
}

/**
 * cb_sim_server_set_error_extra:
 * @details: (transfer full) (nullable): the error's `details`
 * @current: (transfer full) (nullable): the error's `current` (a conflict)
 *
 * Called by an op that is about to fail, for the error object of its
 * response.
 */
void
cb_sim_server_set_error_extra (CbSimServer *self,
                               JsonNode    *details,
                               JsonNode    *current)
{
  g_clear_pointer (&self->error_details, json_node_unref);
  g_clear_pointer (&self->error_current, json_node_unref);
  self->error_details = details;
  self->error_current = current;
}

/**
 * cb_sim_server_fail_op:
 * @key: (nullable): a member of the error's `details`, with @value
 *
 * Fails an op with @code and @message, and `details: {key: value}` when
 * @key is given (`{"field": "dial_level"}`, `{"reason": "cursor_expired"}`).
 *
 * Returns: %FALSE, for `return cb_sim_server_fail_op (…);`
 */
gboolean
cb_sim_server_fail_op (CbSimServer  *self,
                       GError      **error,
                       CbErrorCode   code,
                       const char   *key,
                       const char   *value,
                       const char   *message)
{
  g_return_val_if_fail (CB_IS_SIM_SERVER (self), FALSE);

  if (key != NULL)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, key);
      json_builder_add_string_value (b, value);
      json_builder_end_object (b);
      cb_sim_server_set_error_extra (self, json_builder_get_root (b), NULL);
    }
  g_set_error_literal (error, CB_REQUEST_ERROR, code, message);
  return FALSE;
}

gboolean
cb_sim_server_listen (CbSimServer      *self,
                      const char       *host,
                      guint             port,
                      GTlsCertificate  *certificate,
                      GError          **error)
{
  const char *protocols[] = { CB_PROTOCOL_SUBPROTOCOL, NULL };
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host ? host : "127.0.0.1");
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSList) uris = NULL;

  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” is not an IP address", host);
      return FALSE;
    }

  self->soup = soup_server_new ("server-header", "callboard-sim", "tls-certificate", certificate, NULL);
  self->tls = certificate != NULL;
  soup_server_add_websocket_handler (self->soup, "/callboard", NULL, (char **) protocols,
                                     on_websocket, self, NULL);
  soup_server_add_early_handler (self->soup, "/callboard", on_control_early, self, NULL);
  soup_server_add_handler (self->soup, "/admin/digest", on_admin_digest, self, NULL);
  soup_server_add_handler (self->soup, "/admin/clock", on_admin_clock, self, NULL);
  for (guint i = 0; i < self->handlers->len; i++)
    {
      Handler *h = g_ptr_array_index (self->handlers, i);
      char *ws_protocols[] = { h->protocol, NULL };

      if (h->ws_callback != NULL)
        {
          soup_server_add_websocket_handler (self->soup, h->path, NULL, ws_protocols, h->ws_callback,
                                             h->user_data, NULL);
          if (h->callback != NULL)
            soup_server_add_early_handler (self->soup, h->path, h->callback, h->user_data, NULL);
        }
      else
        soup_server_add_handler (self->soup, h->path, h->callback, h->user_data, NULL);
    }

  socket_address = g_inet_socket_address_new (address, port);
  if (!soup_server_listen (self->soup, socket_address, self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;

  uris = soup_server_get_uris (self->soup);
  self->port = uris ? (guint) g_uri_get_port (uris->data) : port;
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return TRUE;
}

static char *
base_url (CbSimServer *self,
          const char  *scheme)
{
  return g_strdup_printf ("%s%s://127.0.0.1:%u", scheme, self->tls ? "s" : "", self->port);
}

char *
cb_sim_server_get_url (CbSimServer *self)
{
  g_autofree char *base = base_url (self, "ws");

  return g_strconcat (base, "/callboard", NULL);
}

char *
cb_sim_server_get_admin_url (CbSimServer *self)
{
  g_autofree char *base = base_url (self, "http");

  return g_strconcat (base, "/admin/digest", NULL);
}

const char *
cb_sim_server_get_epoch (CbSimServer *self)
{
  return self->epoch;
}

/**
 * cb_sim_server_new_epoch:
 *
 * Restarts the event log: every cursor becomes void. Connections are
 * closed with 4503 as a restarting server would.
 */
void
cb_sim_server_new_epoch (CbSimServer *self)
{
  g_free (self->epoch);
  self->epoch = g_strdup_printf ("e-%" G_GINT64_FORMAT "-%u", now_ms (), ++self->epoch_counter);

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *c = g_ptr_array_index (self->connections, i);

      connection_detach (c);
      connection_close (c, CB_CLOSE_GOING_AWAY, "restarting; retry_after=1");
    }
  g_hash_table_remove_all (self->sessions);
}

guint
cb_sim_server_get_n_sessions (CbSimServer *self)
{
  return g_hash_table_size (self->sessions);
}

void
cb_sim_server_shutdown (CbSimServer *self)
{
  g_clear_handle_id (&self->sweep_source, g_source_remove);
  g_clear_handle_id (&self->drop_source, g_source_remove);
  g_clear_handle_id (&self->epoch_source, g_source_remove);
  g_clear_handle_id (&self->coalesce_source, g_source_remove);

  if (self->connections != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + SHUTDOWN_FLUSH_MS * 1000;

      for (guint i = 0; i < self->connections->len; i++)
        {
          Connection *c = g_ptr_array_index (self->connections, i);

          connection_detach (c);
          connection_close (c, CB_CLOSE_GOING_AWAY, "shutting down");
        }

      /* Let the close frames go out, and the clients answer them, before
       * the sockets go: else a console sees a cut (1006), not 4503. A
       * request that arrives meanwhile is not acted on (detached). */
      while (self->connections->len > 0 && g_get_monotonic_time () < deadline)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (1000);
      g_ptr_array_set_size (self->connections, 0);
    }

  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
}

/**
 * cb_sim_server_add_http_handler:
 *
 * Serves @path (and below) with @callback once listening; for the modules
 * of the simulation (recordings). Call before cb_sim_server_listen().
 */
void
cb_sim_server_add_http_handler (CbSimServer        *self,
                                const char         *path,
                                SoupServerCallback  callback,
                                gpointer            user_data)
{
  Handler *h = g_new0 (Handler, 1);

  g_return_if_fail (CB_IS_SIM_SERVER (self));
  g_return_if_fail (self->soup == NULL);

  h->path = g_strdup (path);
  h->callback = callback;
  h->user_data = user_data;
  g_ptr_array_add (self->handlers, h);
}

/**
 * cb_sim_server_add_websocket_handler:
 * @early: (nullable): an early handler for the same path, called when the
 *   request's headers are in, before the upgrade is checked
 *
 * Serves websockets of subprotocol @protocol at @path once listening; for
 * the media socket. Call before cb_sim_server_listen().
 */
void
cb_sim_server_add_websocket_handler (CbSimServer                 *self,
                                     const char                  *path,
                                     const char                  *protocol,
                                     SoupServerCallback           early,
                                     SoupServerWebsocketCallback  callback,
                                     gpointer                     user_data)
{
  Handler *h = g_new0 (Handler, 1);

  g_return_if_fail (CB_IS_SIM_SERVER (self));
  g_return_if_fail (self->soup == NULL);

  h->path = g_strdup (path);
  h->protocol = g_strdup (protocol);
  h->callback = early;
  h->ws_callback = callback;
  h->user_data = user_data;
  g_ptr_array_add (self->handlers, h);
}

CbSimUsers *
cb_sim_server_get_users (CbSimServer *self)
{
  g_return_val_if_fail (CB_IS_SIM_SERVER (self), NULL);

  return self->users;
}

/* "ws://127.0.0.1:PORT" (or wss, http, https): where clients reach us. */
char *
cb_sim_server_get_base_url (CbSimServer *self,
                            const char  *scheme)
{
  g_return_val_if_fail (CB_IS_SIM_SERVER (self), NULL);

  return base_url (self, scheme);
}

const CbSimFaults *
cb_sim_server_get_faults (CbSimServer *self)
{
  g_return_val_if_fail (CB_IS_SIM_SERVER (self), NULL);

  return &self->faults;
}
