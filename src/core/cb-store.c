/* cb-store.c — the console's synchronized view of one backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store is the client half of docs/protocol.md on top of CbConnection,
 * and what every page of the console reads. Its design is drawn in
 * docs/architecture.md ("From the socket to a pixel"):
 *
 * - One worker thread owns the connection (socket, decode, seq checks), the
 *   SQLite cache (CbCache) and the sync rules: subscriptions, snapshot
 *   parts and the events buffered while a snapshot streams (§5.3), the rev
 *   guard (§4.3), resets (§7.3) and the cursor, written in the same
 *   transaction as the changes it describes (§4.2).
 * - Events are applied in batches: everything that arrived since the last
 *   batch, at most BATCH_MAX events or BATCH_MAX_US of them, in one
 *   transaction that also appends them to the journal.
 * - Each batch's net changes (the last state of each entity it touched)
 *   are posted to the main context in one invocation, where the models
 *   (CbEntityModel, one per entity type) apply them with precise
 *   items-changed. The main thread never parses JSON in bulk nor touches
 *   SQLite.
 * - On open the worker reads the cache and posts it the same way, so the
 *   console shows the last known state at once, stamped with its age,
 *   before the socket opens.
 * - Configuration edits go through the outbox: stored first, sent when
 *   connected, replayed in order with their if_rev and idempotency key
 *   after a reconnect or a restart; a conflict keeps the edit and reports
 *   both versions (CbPendingEdit). Live commands are refused offline.
 *
 * Nothing crosses between the threads but strings, decoded messages
 * (immutable, with an atomic reference count) and plain structs.
 */
#define G_LOG_DOMAIN "cb-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cb-cache.h"
#include "cb-digest.h"
#include "cb-metrics.h"
#include "cb-store.h"

/* Everything the worker posts to the main thread, and the tasks it
 * completes there, run at this one priority, so they arrive in the order
 * posted — and below the frame clock's, so a flood of changes never holds
 * back a frame: the models catch up between frames. */
#define POST_PRIORITY          G_PRIORITY_DEFAULT_IDLE

#define BATCH_MAX              4096
/* Back-pressure: past these, the worker waits (and stops reading the
 * socket, which slows the backend through TCP) instead of queueing memory
 * without bound when the main thread or the disk cannot keep up. */
#define MAX_PENDING_CHANGES    16384
#define MAX_PENDING_WRITES     16
#define BATCH_MAX_US           8000          /* half a frame */
#define REQUEST_TIMEOUT_MS     30000         /* §8.6 */
#define LIVE_RETRY_WINDOW_US   (30 * G_USEC_PER_SEC)
#define DEFAULT_JOURNAL_DAYS   8
#define TRIM_EVERY_S           3600

/* Topics of §5.1 with the permission and feature each needs. */
static const struct {
  const char *topic;
  const char *permission;
  const char *feature;
  const char *types[5];
} topics[] = {
  { "agents",     "agents.read",     NULL,             { "agent", NULL } },
  { "queues",     "queues.read",     NULL,             { "queue", NULL } },
  { "calls",      "calls.read",      NULL,             { "call", NULL } },
  { "catalogs",   "catalogs.read",   NULL,             { "disposition", "pause_reason", "team", "skill", NULL } },
  { "campaigns",  "campaigns.read",  "campaigns",      { "campaign", NULL } },
  { "lead_lists", "leads.read",      "campaigns",      { "lead_list", NULL } },
  { "rule_sets",  "compliance.read", "campaigns",      { "rule_set", NULL } },
  { "dnc_lists",  "compliance.read", "dnc",            { "dnc_list", NULL } },
  { "qa_forms",   "qa.read",         "qa",             { "qa_form", NULL } },
  { "monitors",   "monitors.read",   "monitor.listen", { "monitor", NULL } },
  { "alerts",     "alerts.read",     "alerts",         { "alert", NULL } },
  { "users",      "users.read",      NULL,             { "user", NULL } },
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_PHASE,
  PROP_STATUS_MESSAGE,
  PROP_CACHE_MESSAGE,
  PROP_AS_OF,
  PROP_PENDING_EDITS,
  PROP_BACKEND_STATUS,
  PROP_HISTORY_LOADED,
  N_PROPS
};

enum {
  CONFLICT,
  EVENT,
  TOKEN_EXPIRING,
  BATCH_APPLIED,
  N_SIGNALS
};

/* What both threads share: the main side clears @store when it goes away,
 * and what the worker posts afterwards is dropped. */
typedef struct
{
  gatomicrefcount  ref_count;
  CbStore         *store;        /* main thread only */
  GMainContext    *main_context;
  gint             pending;      /* atomic: changes posted, not yet applied */
  gint             quitting;     /* atomic: the store is shutting down */
} Shared;

typedef struct _Worker Worker;

struct _CbStore
{
  GObject              parent_instance;

  /* owned references */
  Shared              *shared;
  Worker              *worker;
  GHashTable          *models;        /* interned type → CbEntityModel */
  GListStore          *outbox;        /* CbPendingEdit */
  CbMessage           *welcome;
  char                *cache_path;
  char                *status_message;
  char                *cache_message;
  char                *backend_status;
  char                *session;
  GTask               *open_task;
  CbMetrics           *metrics;
  GHashTable          *metrics_revs;  /* "type\tid" → rev fed to the metrics */
  GArray              *metrics_backlog; /* Change, while the history loads */
  GArray              *latencies;     /* gint64 µs from a batch's first event to the models */
  guint64              batches;

  CbConnectionState    state;
  CbConnectionPhase    phase;
  CbConnectionFailure  failure;
  gint64               as_of;
  gint64               skew_ms;
  gint64               last_seq;
  guint64              events_applied;
  guint                resets;
  guint                opened : 1;
  guint                syncing : 1;
  guint                has_data : 1;
  guint                shut_down : 1;
  guint                history_loaded : 1;
  guint                coverage_set : 1;   /* the metrics were told since when they know every call */
  guint                backfill_done : 1;  /* the day's history from the backend has arrived whole */
};

G_DEFINE_FINAL_TYPE (CbStore, cb_store, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ */
/* What the worker posts to the main thread                            */

typedef struct
{
  const char *type;      /* interned */
  const char *topic;     /* interned */
  char       *id;
  gint64      rev;
  gint64      ts;        /* when it changed, on the server's clock */
  CbMessage  *holder;    /* NULL: deleted */
} Change;

static void
change_clear (Change *change)
{
  g_free (change->id);
  g_clear_pointer (&change->holder, cb_message_unref);
}

typedef struct
{
  Shared   *shared;
  GArray   *changes;     /* Change */
  GPtrArray *events;     /* CbMessage, when forwarding events */
  gint64    last_seq;
  gint64    as_of;
  guint     n_events;
  gboolean  has_data;
  gboolean  history;     /* the journal's past, for the metrics only */
  gboolean  history_final; /* its last piece */
  gboolean  backfill;    /* ended calls from history.query, for the metrics only */
  gboolean  backfill_final; /* the last page of them */
  gint64    started_us;  /* when its first event arrived (monotonic) */
} ChangeSet;

typedef struct
{
  Shared              *shared;
  CbConnectionPhase    phase;
  CbConnectionFailure  failure;
  gboolean             syncing;
  gint64               skew_ms;
  gint64               last_seq;
  gint64               as_of;
  guint                resets;
  char                *session;
  CbMessage           *welcome;       /* new welcome, or NULL */
  char                *cache_message; /* set once, after open */
  char                *backend_status;
  gboolean             opened;
  gboolean             has_data;
  char                *open_error;
} Status;

typedef struct
{
  Shared    *shared;
  GPtrArray *items;      /* CbOutboxItem, the whole outbox */
  gint64     done_id;    /* an edit that completed, or 0 */
  CbMessage *response;   /* its response */
  gint64     conflict_id;
  gboolean   queued;     /* done_id was kept for later */
  GError    *error;      /* done_id failed */
} OutboxUpdate;

typedef struct
{
  Shared     *shared;
  char       *name;
  gint64      expires_at;
} SignalPost;

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (Shared *shared)
{
  if (g_atomic_ref_count_dec (&shared->ref_count))
    {
      g_main_context_unref (shared->main_context);
      g_free (shared);
    }
}

/* ------------------------------------------------------------------ */
/* The worker                                                          */

typedef struct
{
  gint64      rev;
  const char *topic;     /* interned */
} Held;

typedef struct
{
  char      *snapshot_id;
  gint64     parts;
  gint64     next_part;
  gint64     count;
  GPtrArray *parts_got;  /* CbMessage */
  GPtrArray *buffered;   /* CbMessage events of the topic */
} Snapshot;

typedef struct
{
  char       *op;
  char       *data;          /* JSON text */
  char       *idem;
  CbRequestKind kind;
  GTask      *task;          /* created on the main thread */
  gint64      deadline_us;   /* live commands: give up retrying after */
} WorkerRequest;

struct _Worker
{
  Shared          *shared;
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;

  /* set before the thread starts, then worker-only */
  char            *cache_path;
  char            *url;
  char            *token;
  GTlsCertificate *trusted;
  GStrv            wanted;           /* NULL: every topic the user may read */
  guint            backoff_initial_ms;
  guint            backoff_max_ms;
  guint            journal_days;
  gboolean         forward_events;

  CbCache         *cache;
  CbConnection    *connection;
  GHashTable      *held;             /* "type\tid" → Held */
  GHashTable      *snapshots;        /* topic → Snapshot (expected or streaming) */
  GHashTable      *complete;         /* topics complete in this session */
  GHashTable      *subscribed;       /* topics the server confirmed */
  GPtrArray       *batch;            /* CbMessage events to apply */
  GPtrArray       *waiting_live;     /* WorkerRequest: outcome lost, to resend */
  gint64           batch_started_us;
  guint            flush_source;
  guint            trim_source;
  guint            resets;
  gint64           last_as_of;
  gboolean         outbox_busy;
  gint             cache_broken;     /* atomic: set by the writer */
  gint             writes_pending;   /* atomic: batches handed to the writer, not yet written */
  char            *backend_status;
  GHashTable      *edit_tasks;       /* outbox id → GTask waiting for the backend */
  guint            generation;       /* welcomes so far: tells stale callbacks apart */
  guint            outbox_retry_source;
  gint64           outbox_inflight_id;

  /* The cache writer: batches go to it in order; anything else that
   * touches the cache takes cache_lock (the writer holds it per batch). */
  GThread         *writer;
  GAsyncQueue     *writes;           /* DbBatch */
  GAsyncQueue     *garbage;          /* GPtrArray of CbMessage the models let go of */
  GRecMutex        cache_lock;
  struct _DbBatch *db;               /* the batch being built */
  char            *cursor_epoch;     /* of the last batch handed to the writer */
};

static void worker_post_status (Worker *w, CbMessage *welcome);
static void worker_release_connection (Worker *w);
static void worker_post_history (Worker *w);
static gboolean on_status_post (gpointer user_data);
static gboolean on_outbox_post (gpointer user_data);
static gboolean on_signal_post (gpointer user_data);
static void worker_run_outbox (Worker *w);
static void worker_post_outbox (Worker *w, gint64 done_id, CbMessage *response, GError *error,
                                gboolean queued, gint64 conflict_id);

static guint
worker_add_source (Worker      *w,
                   GSource     *source,
                   GSourceFunc  func)
{
  guint id;

  g_source_set_callback (source, func, w, NULL);
  id = g_source_attach (source, w->context);
  g_source_unref (source);
  return id;
}

static void
worker_remove_source (Worker *w,
                      guint  *id)
{
  if (*id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (w->context, *id);

      if (source != NULL)
        g_source_destroy (source);
      *id = 0;
    }
}

static void
cb_message_unref_nullable (CbMessage *m)
{
  if (m != NULL)
    cb_message_unref (m);
}

static void
held_free (Held *held)
{
  g_free (held);
}

static void
snapshot_free (Snapshot *snapshot)
{
  g_free (snapshot->snapshot_id);
  g_ptr_array_unref (snapshot->parts_got);
  g_ptr_array_unref (snapshot->buffered);
  g_free (snapshot);
}

static Snapshot *
snapshot_new (void)
{
  Snapshot *snapshot = g_new0 (Snapshot, 1);

  snapshot->parts_got = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  snapshot->buffered = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  return snapshot;
}

static void
worker_request_free (WorkerRequest *request)
{
  g_free (request->op);
  g_free (request->data);
  g_free (request->idem);
  g_clear_object (&request->task);
  g_free (request);
}

static char *
key_of (const char *type,
        const char *id)
{
  return g_strconcat (type, "\t", id, NULL);
}

static gint64
local_ms (void)
{
  return g_get_real_time () / 1000;
}

static gint64
worker_server_now (Worker *w)
{
  return local_ms () + (w->connection ? cb_connection_get_skew_ms (w->connection) : 0);
}

static gboolean
topic_is_syncing (Worker *w)
{
  return g_hash_table_size (w->snapshots) > 0;
}

/* Cache writes that fail (a full disk) do not stop live data: the models
 * still get every change; the user is told the cache is not being kept. */
static void
worker_cache_failed (Worker *w,
                     GError *error)
{
  if (g_atomic_int_compare_and_exchange (&w->cache_broken, FALSE, TRUE))
    g_message ("the cache cannot be written: %s", error ? error->message : "unknown error");
}

static ChangeSet *
change_set_new (Worker *w)
{
  ChangeSet *set = g_new0 (ChangeSet, 1);

  set->shared = shared_ref (w->shared);
  set->changes = g_array_new (FALSE, TRUE, sizeof (Change));
  g_array_set_clear_func (set->changes, (GDestroyNotify) change_clear);
  if (w->forward_events)
    set->events = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  return set;
}

static void
change_set_free (ChangeSet *set)
{
  g_array_unref (set->changes);
  g_clear_pointer (&set->events, g_ptr_array_unref);
  shared_unref (set->shared);
  g_free (set);
}

static gboolean
on_change_set (gpointer user_data);

/* Waits while the main thread has too many changes to apply. */
static void
worker_wait_for_main (Worker *w)
{
  while (g_atomic_int_get (&w->shared->pending) >= MAX_PENDING_CHANGES
         && !g_atomic_int_get (&w->shared->quitting))
    g_usleep (250);
}

static void
worker_post_changes (Worker    *w,
                     ChangeSet *set)
{
  set->last_seq = w->connection ? cb_connection_get_last_seq (w->connection) : 0;
  set->as_of = w->last_as_of;
  worker_wait_for_main (w);
  g_atomic_int_add (&w->shared->pending, (gint) set->changes->len);
  g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_change_set, set,
                              (GDestroyNotify) change_set_free);
}

/* Records the change of one entity in @set and @index (key → position in
 * set), keeping only the last change of each entity. */
static void
change_set_add (ChangeSet  *set,
                GHashTable *index,
                const char *key,
                const char *type,
                const char *id,
                const char *topic,
                gint64      rev,
                gint64      ts,
                CbMessage  *holder)
{
  gpointer pos;
  Change change = {
    .type = g_intern_string (type),
    .topic = g_intern_string (topic),
    .id = g_strdup (id),
    .rev = rev,
    .ts = ts,
    .holder = holder ? cb_message_ref (holder) : NULL,
  };

  if (index != NULL && g_hash_table_lookup_extended (index, key, NULL, &pos))
    {
      Change *old = &g_array_index (set->changes, Change, GPOINTER_TO_UINT (pos));

      change_clear (old);
      *old = change;
      return;
    }
  if (index != NULL)
    g_hash_table_insert (index, g_strdup (key), GUINT_TO_POINTER (set->changes->len));
  g_array_append_val (set->changes, change);
}

/* ------------------------------------------------------------------ */
/* The cache writer thread                                             */

typedef enum
{
  OP_JOURNAL,
  OP_PUT_JOURNALED,     /* the entity's body is the last journal row's */
  OP_PUT_BODY,
  OP_REMOVE,
  OP_PART,
  OP_ITEM,              /* item of the last part */
  OP_TOPIC,
  OP_DROP_PARTS,
} DbOpKind;

typedef struct
{
  DbOpKind    kind;
  const char *type;     /* interned */
  const char *topic;    /* interned */
  char       *id;
  char       *text;
  gsize       length;
  char       *session;
  gint64      rev;
  gint64      seq;
  gint64      ts;
  int         event_kind;
  int         item;
  gboolean    complete;
} DbOp;

typedef struct _DbBatch
{
  GArray   *ops;        /* DbOp */
  char     *session;    /* the cursor written with the batch, if any */
  char     *epoch;
  gint64    last_seq;
  gint64    synced_at;
  gboolean  quit;
} DbBatch;

static void
db_op_clear (DbOp *op)
{
  g_free (op->id);
  g_free (op->text);
  g_free (op->session);
}

static void
db_batch_free (DbBatch *batch)
{
  g_clear_pointer (&batch->ops, g_array_unref);
  g_free (batch->session);
  g_free (batch->epoch);
  g_free (batch);
}

static DbBatch *
db_batch_new (void)
{
  DbBatch *batch = g_new0 (DbBatch, 1);

  /* an event makes two ops, its journal row and the entity's pointer: room
   * for a typical batch without regrowing */
  batch->ops = g_array_sized_new (FALSE, TRUE, sizeof (DbOp), 512);
  g_array_set_clear_func (batch->ops, (GDestroyNotify) db_op_clear);
  return batch;
}

static gboolean
db_run_op (CbCache  *cache,
           DbOp     *op,
           gint64   *row,
           gint64   *part,
           GError  **error)
{
  switch (op->kind)
    {
    case OP_JOURNAL:
      return cb_cache_journal (cache, op->seq, op->ts, op->topic, op->event_kind, op->type, op->id, op->rev,
                               op->text, op->length, row, error);
    case OP_PUT_JOURNALED:
      return cb_cache_put_journaled (cache, op->type, op->id, op->topic, op->rev, *row, error);
    case OP_PUT_BODY:
      return cb_cache_put (cache, op->type, op->id, op->topic, op->rev, op->text, op->length, error);
    case OP_REMOVE:
      return cb_cache_remove (cache, op->type, op->id, error);
    case OP_PART:
      *part = cb_cache_put_part (cache, op->text, op->length, error);
      return *part != 0;
    case OP_ITEM:
      return *part == 0
             || cb_cache_put_item (cache, op->type, op->id, op->topic, op->rev, *part, op->item, error);
    case OP_TOPIC:
      return cb_cache_set_topic_complete (cache, op->topic, op->session, op->complete, error);
    case OP_DROP_PARTS:
      return cb_cache_drop_unused_parts (cache, error);
    default:
      g_assert_not_reached ();
    }
}

/* Writes one batch in one transaction: its rows and the cursor they bring
 * the cache to, so after a crash the cursor and the data agree (§4.2). */
static void
db_run (Worker  *w,
        DbBatch *batch)
{
  g_autoptr(GError) error = NULL;
  gint64 row = 0, part = 0;
  gboolean ok;

  if (w->cache == NULL || g_atomic_int_get (&w->cache_broken))
    return;

  g_rec_mutex_lock (&w->cache_lock);
  ok = cb_cache_begin (w->cache, &error);
  for (guint i = 0; ok && i < batch->ops->len; i++)
    ok = db_run_op (w->cache, &g_array_index (batch->ops, DbOp, i), &row, &part, &error);
  if (ok && batch->session != NULL)
    ok = cb_cache_set_cursor (w->cache, batch->session, batch->epoch, batch->last_seq, &error)
         && cb_cache_set_synced_at (w->cache, batch->synced_at, &error);
  if (ok)
    ok = cb_cache_commit (w->cache, &error);
  else
    cb_cache_rollback (w->cache);
  g_rec_mutex_unlock (&w->cache_lock);

  if (!ok)
    worker_cache_failed (w, error);
}

static gpointer
writer_main (gpointer user_data)
{
  Worker *w = user_data;

  for (;;)
    {
      DbBatch *batch = g_async_queue_pop (w->writes);
      gboolean quit = batch->quit;

      if (!quit)
        db_run (w, batch);
      db_batch_free (batch);
      if (quit)
        break;
      g_atomic_int_add (&w->writes_pending, -1);
    }
  return NULL;
}

static DbOp *
db_add (Worker     *w,
        DbOpKind    kind,
        const char *type,
        const char *id,
        const char *topic,
        gint64      rev)
{
  DbOp op = {
    .kind = kind,
    .type = type ? g_intern_string (type) : NULL,
    .topic = topic ? g_intern_string (topic) : NULL,
    .id = g_strdup (id),
    .rev = rev,
  };

  g_array_append_val (w->db->ops, op);
  return &g_array_index (w->db->ops, DbOp, w->db->ops->len - 1);
}

/* Applies one event to the rev table and the cache (§4.3). */
static void
worker_apply_event (Worker     *w,
                    CbMessage  *m,
                    ChangeSet  *set,
                    GHashTable *index)
{
  g_autofree char *key = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  Held *held;

  if (m->kind == CB_EVENT_SIGNAL)
    return;

  key = key_of (m->entity_type, m->entity_id);
  held = g_hash_table_lookup (w->held, key);
  if (m->text != NULL)
    {
      text = g_steal_pointer (&m->text);
      length = m->text_length;
    }
  else
    text = cb_message_encode (m->root, &length);

  if (w->db != NULL)
    {
      DbOp *op = db_add (w, OP_JOURNAL, m->entity_type, m->entity_id, m->topic, m->rev);

      op->seq = m->seq;
      op->ts = m->ts;
      op->event_kind = m->kind;
      op->text = g_steal_pointer (&text);
      op->length = length;
    }

  if (m->kind == CB_EVENT_UPSERT)
    {
      if (held != NULL && m->rev <= held->rev)
        return;
      if (m->state == NULL)
        return;
      if (held == NULL)
        {
          held = g_new0 (Held, 1);
          g_hash_table_insert (w->held, g_strdup (key), held);
        }
      held->rev = m->rev;
      held->topic = g_intern_string (m->topic);
      if (w->db != NULL)
        db_add (w, OP_PUT_JOURNALED, m->entity_type, m->entity_id, m->topic, m->rev);
      change_set_add (set, index, key, m->entity_type, m->entity_id, m->topic, m->rev, m->ts, m);
    }
  else if (m->kind == CB_EVENT_DELETE)
    {
      if (held == NULL || m->rev < held->rev)
        return;
      g_hash_table_remove (w->held, key);
      if (w->db != NULL)
        db_add (w, OP_REMOVE, m->entity_type, m->entity_id, NULL, 0);
      change_set_add (set, index, key, m->entity_type, m->entity_id, m->topic, m->rev, m->ts, NULL);
    }
}

/* Starts a batch of cache writes; FALSE when nothing is being cached. */
static gboolean
worker_begin (Worker *w)
{
  g_assert (w->db == NULL);

  if (w->cache == NULL || g_atomic_int_get (&w->cache_broken))
    return FALSE;
  w->db = db_batch_new ();
  return TRUE;
}

/* Hands the batch, with the cursor it brings the cache to, to the writer. */
static void
worker_commit (Worker   *w,
               gboolean  began)
{
  DbBatch *batch = g_steal_pointer (&w->db);

  if (!began || batch == NULL)
    return;
  if (w->connection != NULL && cb_connection_get_session (w->connection) != NULL)
    {
      batch->session = g_strdup (cb_connection_get_session (w->connection));
      batch->epoch = g_strdup (cb_connection_get_epoch (w->connection));
      batch->last_seq = cb_connection_get_last_seq (w->connection);
      batch->synced_at = w->last_as_of;
      g_free (w->cursor_epoch);
      w->cursor_epoch = g_strdup (batch->epoch);
    }
  while (w->writer != NULL && g_async_queue_length (w->writes) >= MAX_PENDING_WRITES
         && !g_atomic_int_get (&w->shared->quitting))
    g_usleep (250);
  g_atomic_int_inc (&w->writes_pending);
  g_async_queue_push (w->writes, batch);
}

static void worker_drain_garbage (Worker *w);

static void
worker_flush (Worker *w)
{
  g_autoptr(GHashTable) index = NULL;
  ChangeSet *set;
  gboolean began;

  worker_remove_source (w, &w->flush_source);
  worker_drain_garbage (w);
  if (w->batch->len == 0)
    return;

  index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  set = change_set_new (w);
  began = worker_begin (w);
  for (guint i = 0; i < w->batch->len; i++)
    {
      CbMessage *m = g_ptr_array_index (w->batch, i);

      worker_apply_event (w, m, set, index);
      if (set->events != NULL)
        g_ptr_array_add (set->events, cb_message_ref (m));
    }
  set->n_events = w->batch->len;
  set->started_us = w->batch_started_us;
  w->last_as_of = MAX (w->last_as_of, worker_server_now (w));
  worker_commit (w, began);
  g_ptr_array_set_size (w->batch, 0);
  worker_post_changes (w, set);
}

/* Frees the states the models let go of. Here, on the thread that parsed
 * them, and not on the writer: freeing a tree costs about what parsing it
 * does, and GLib's slice allocator serves a thread fastest with the chunks
 * that thread freed — freed elsewhere, every allocation of the next parse
 * goes the slow way through its depot. */
static void
worker_drain_garbage (Worker *w)
{
  GPtrArray *released;

  while ((released = g_async_queue_try_pop (w->garbage)) != NULL)
    g_ptr_array_unref (released);
}

static gboolean
on_garbage (gpointer user_data)
{
  worker_drain_garbage (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_flush_idle (gpointer user_data)
{
  Worker *w = user_data;

  w->flush_source = 0;
  worker_flush (w);
  return G_SOURCE_REMOVE;
}

static void
worker_queue_event (Worker    *w,
                    CbMessage *m)
{
  gint64 now = g_get_monotonic_time ();

  if (w->batch->len == 0)
    w->batch_started_us = now;
  g_ptr_array_add (w->batch, cb_message_ref (m));

  if (w->batch->len >= BATCH_MAX || now - w->batch_started_us >= BATCH_MAX_US)
    worker_flush (w);
  else if (w->flush_source == 0)
    {
      /* Below the socket's priority: runs once what has arrived is read. */
      GSource *idle = g_idle_source_new ();

      g_source_set_priority (idle, G_PRIORITY_LOW);
      w->flush_source = worker_add_source (w, idle, on_flush_idle);
    }
}

/* Removes every entity of @topic that @keep does not hold (§5.3 rule 2,
 * and a revoked subscription with @keep NULL). */
static void
worker_sweep_topic (Worker     *w,
                    const char *topic,
                    GHashTable *keep,
                    ChangeSet  *set,
                    GHashTable *index)
{
  GHashTableIter iter;
  const char *key;
  Held *held;
  const char *interned = g_intern_string (topic);

  g_hash_table_iter_init (&iter, w->held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &held))
    {
      const char *tab;
      g_autofree char *type = NULL;

      if (held->topic != interned || (keep != NULL && g_hash_table_contains (keep, key)))
        continue;
      tab = strchr (key, '\t');
      type = g_strndup (key, tab - key);
      if (w->db != NULL)
        {
          /* Journaled too, so the history knows it ended here: a call that
           * vanished while the console was away must not wait forever in
           * the metrics of a later start. */
          DbOp *op = db_add (w, OP_JOURNAL, type, tab + 1, topic, held->rev);
          g_autoptr(JsonBuilder) b = json_builder_new ();
          g_autoptr(JsonNode) frame = NULL;

          op->ts = worker_server_now (w);
          op->seq = MAX (1, w->connection ? cb_connection_get_last_seq (w->connection) : 1);
          op->event_kind = CB_EVENT_DELETE;
          /* Written as the delete event the backend did not send. */
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, "event");
          json_builder_set_member_name (b, "seq");
          json_builder_add_int_value (b, op->seq);
          json_builder_set_member_name (b, "ts");
          json_builder_add_int_value (b, op->ts);
          json_builder_set_member_name (b, "topic");
          json_builder_add_string_value (b, topic);
          json_builder_set_member_name (b, "kind");
          json_builder_add_string_value (b, "delete");
          json_builder_set_member_name (b, "entity");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, type);
          json_builder_set_member_name (b, "id");
          json_builder_add_string_value (b, tab + 1);
          json_builder_set_member_name (b, "rev");
          json_builder_add_int_value (b, MAX (held->rev, 0));
          json_builder_end_object (b);
          json_builder_end_object (b);
          frame = json_builder_get_root (b);
          op->text = json_to_string (frame, FALSE);
          op->length = strlen (op->text);
          db_add (w, OP_REMOVE, type, tab + 1, NULL, 0);
        }
      change_set_add (set, index, key, type, tab + 1, topic, held->rev, worker_server_now (w), NULL);
      g_hash_table_iter_remove (&iter);
    }
}

static gboolean
read_item (const CbJsonValue  *item,
           const char        **type,
           const char        **id,
           gint64             *rev,
           const CbJsonValue **data)
{
  const CbJsonValue *entity;

  return cb_json_value_get_kind (item) == CB_JSON_OBJECT
         && cb_json_value_read_object (item, "entity", TRUE, &entity, NULL)
         && cb_json_value_read_object (item, "data", TRUE, data, NULL)
         && cb_json_value_read_string (entity, "type", TRUE, type, NULL)
         && cb_json_value_read_string (entity, "id", TRUE, id, NULL)
         && cb_json_value_read_int (entity, "rev", TRUE, 0, rev, NULL);
}

static void
worker_complete_snapshot (Worker     *w,
                          const char *topic,
                          Snapshot   *snapshot)
{
  g_autoptr(GHashTable) keep = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  const char *interned = g_intern_string (topic);
  gint64 now = worker_server_now (w);
  ChangeSet *set;
  gboolean began;

  /* What arrived before belongs before. */
  worker_flush (w);

  set = change_set_new (w);
  began = worker_begin (w);

  for (guint p = 0; p < snapshot->parts_got->len; p++)
    {
      CbMessage *part = g_ptr_array_index (snapshot->parts_got, p);
      const CbJsonValue *items = NULL, *node;
      CbJsonIter iter;
      gboolean stored;

      if (!cb_json_value_read_array (part->body, "items", TRUE, &items, NULL))
        continue;

      /* The part is kept as it came; its entities point into it. */
      if (w->db != NULL && part->text != NULL)
        {
          DbOp *op = db_add (w, OP_PART, NULL, NULL, NULL, 0);

          op->text = g_steal_pointer (&part->text);
          op->length = part->text_length;
          stored = TRUE;
        }
      else
        stored = FALSE;

      cb_json_iter_init (&iter, items);
      for (guint i = 0; cb_json_iter_next (&iter, NULL, &node); i++)
        {
          const char *type, *id;
          const CbJsonValue *data;
          gint64 rev;
          g_autofree char *key = NULL;
          g_autoptr(CbMessage) holder = NULL;
          Held *held;

          if (!read_item (node, &type, &id, &rev, &data))
            {
              g_debug ("skipping a malformed item of a %s snapshot", topic);
              continue;
            }

          key = key_of (type, id);
          held = g_hash_table_lookup (w->held, key);
          if (held == NULL)
            {
              held = g_new0 (Held, 1);
              g_hash_table_insert (w->held, g_strdup (key), held);
            }
          held->rev = rev;
          held->topic = interned;
          holder = cb_message_new_part (part, data);

          if (stored)
            db_add (w, OP_ITEM, type, id, topic, rev)->item = (int) i;
          change_set_add (set, index, key, type, id, topic, rev, now, holder);
          g_hash_table_add (keep, g_steal_pointer (&key));
        }
    }

  worker_sweep_topic (w, topic, keep, set, index);

  for (guint i = 0; i < snapshot->buffered->len; i++)
    {
      CbMessage *m = g_ptr_array_index (snapshot->buffered, i);

      worker_apply_event (w, m, set, index);
      if (set->events != NULL)
        g_ptr_array_add (set->events, cb_message_ref (m));
    }
  set->n_events = snapshot->buffered->len;

  if (began)
    {
      DbOp *op = db_add (w, OP_TOPIC, NULL, NULL, topic, 0);

      op->session = g_strdup (cb_connection_get_session (w->connection));
      op->complete = TRUE;
      db_add (w, OP_DROP_PARTS, NULL, NULL, NULL, 0);
    }
  w->last_as_of = MAX (w->last_as_of, worker_server_now (w));
  worker_commit (w, began);

  g_hash_table_add (w->complete, (gpointer) interned);
  g_hash_table_remove (w->snapshots, topic);
  set->has_data = TRUE;
  worker_post_changes (w, set);
  worker_post_status (w, NULL);
}

static void
worker_handle_snapshot (Worker    *w,
                        CbMessage *m)
{
  const char *topic = NULL, *snapshot_id = NULL;
  gint64 part = 0, parts = 0;
  const CbJsonValue *items = NULL;
  g_autoptr(GError) error = NULL;
  Snapshot *snapshot;

  if (!cb_json_value_read_string (m->body, "topic", TRUE, &topic, &error)
      || !cb_json_value_read_string (m->body, "snapshot_id", TRUE, &snapshot_id, &error)
      || !cb_json_value_read_int (m->body, "part", TRUE, 1, &part, &error)
      || !cb_json_value_read_int (m->body, "parts", TRUE, 1, &parts, &error)
      || !cb_json_value_read_array (m->body, "items", TRUE, &items, &error)
      || part > parts)
    {
      cb_connection_drop (w->connection, CB_CLOSE_PROTOCOL_ERROR, "malformed snapshot");
      return;
    }

  snapshot = g_hash_table_lookup (w->snapshots, topic);
  if (snapshot == NULL)
    {
      g_debug ("ignoring a part of a %s snapshot nobody waits for", topic);
      return;
    }

  if (part == 1)
    {
      /* The first part, or a new snapshot superseding one (§5.2). */
      g_free (snapshot->snapshot_id);
      snapshot->snapshot_id = g_strdup (snapshot_id);
      snapshot->parts = parts;
      snapshot->next_part = 1;
      g_ptr_array_set_size (snapshot->parts_got, 0);
    }
  if (g_strcmp0 (snapshot->snapshot_id, snapshot_id) != 0 || part != snapshot->next_part
      || parts != snapshot->parts)
    {
      g_debug ("ignoring a stale part %" G_GINT64_FORMAT " of snapshot %s", part, snapshot_id);
      return;
    }

  g_ptr_array_add (snapshot->parts_got, cb_message_ref (m));
  snapshot->next_part++;
  if (part == parts)
    worker_complete_snapshot (w, topic, snapshot);
}

static void
worker_handle_signal (Worker    *w,
                      CbMessage *m)
{
  const char *signal = NULL;

  if (m->state == NULL || !cb_json_value_read_string (m->state, "signal", TRUE, &signal, NULL))
    return;

  if (g_str_equal (signal, "backend_status"))
    {
      const char *status = NULL;

      cb_json_value_read_string (m->state, "status", FALSE, &status, NULL);
      g_free (w->backend_status);
      w->backend_status = g_strdup (status);
      worker_post_status (w, NULL);
    }
  else if (g_str_equal (signal, "token_expiring"))
    {
      SignalPost *post = g_new0 (SignalPost, 1);

      post->name = g_strdup (signal);
      cb_json_value_read_int (m->state, "expires_at", FALSE, 0, &post->expires_at, NULL);
      post->shared = shared_ref (w->shared);
      g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_signal_post, post, NULL);
    }
  else if (g_str_equal (signal, "subscription_revoked"))
    {
      const char *topic = NULL;

      if (cb_json_value_read_string (m->state, "topic", TRUE, &topic, NULL))
        {
          g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_autoptr(GError) error = NULL;
          ChangeSet *set;
          gboolean began;

          worker_flush (w);
          set = change_set_new (w);
          began = worker_begin (w);
          worker_sweep_topic (w, topic, NULL, set, index);
          if (began)
            db_add (w, OP_TOPIC, NULL, NULL, topic, 0)->complete = FALSE;
          worker_commit (w, began);
          g_hash_table_remove (w->complete, g_intern_string (topic));
          g_hash_table_remove (w->snapshots, topic);
          g_hash_table_remove (w->subscribed, g_intern_string (topic));
          worker_post_changes (w, set);
          worker_post_status (w, NULL);
        }
    }
}

static void
on_worker_message (CbConnection *connection,
                   CbMessage    *m,
                   Worker       *w)
{
  Snapshot *snapshot;

  switch (m->type)
    {
    case CB_MESSAGE_EVENT:
      if (m->kind == CB_EVENT_SIGNAL)
        {
          worker_handle_signal (w, m);
          break;
        }
      snapshot = g_hash_table_lookup (w->snapshots, m->topic);
      if (snapshot != NULL)
        g_ptr_array_add (snapshot->buffered, cb_message_ref (m));
      else
        worker_queue_event (w, m);
      break;

    case CB_MESSAGE_SNAPSHOT:
      worker_handle_snapshot (w, m);
      break;

    case CB_MESSAGE_RESET:
      /* welcome (resumed: false) has already started the new session. */
      w->resets++;
      worker_post_status (w, NULL);
      break;

    default:
      break;
    }
}

typedef struct
{
  Worker *w;
  char   *topic;
  guint   generation;
} Subscription;

static void worker_subscribe (Worker *w, const char *topic);

static gboolean
on_resubscribe (gpointer user_data)
{
  Subscription *sub = user_data;

  if (sub->generation == sub->w->generation && sub->w->connection != NULL
      && cb_connection_get_phase (sub->w->connection) == CB_PHASE_READY)
    worker_subscribe (sub->w, sub->topic);
  return G_SOURCE_REMOVE;
}

static void
subscription_free (Subscription *sub)
{
  g_free (sub->topic);
  g_free (sub);
}

static void
on_subscribed (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Subscription *sub = user_data;
  Worker *w = sub->w;
  g_autoptr(CbMessage) response = NULL;
  g_autoptr(GError) error = NULL;

  response = cb_connection_call_finish (CB_CONNECTION (object), result, &error);
  if (sub->generation != w->generation)
    {
      subscription_free (sub);
      return;
    }

  if (response != NULL && response->ok)
    {
      g_hash_table_add (w->subscribed, (gpointer) g_intern_string (sub->topic));
      subscription_free (sub);
      return;
    }

  if (response != NULL && response->error_code == CB_ERROR_RATE_LIMITED)
    {
      gint64 after = 1000;

      cb_json_get_int (response->error, "retry_after_ms", FALSE, 1, &after, NULL);
      {
        GSource *source = g_timeout_source_new ((guint) CLAMP (after, 1, 60000));

        g_source_set_callback (source, on_resubscribe, sub, (GDestroyNotify) subscription_free);
        g_source_attach (source, w->context);
        g_source_unref (source);
      }
      return;
    }

  /* Refused (forbidden, unsupported) or lost with the connection: no
   * snapshot follows. A lost one is subscribed again after the resume. */
  if (response != NULL)
    g_message ("subscribing to %s was refused: %s", sub->topic, cb_error_code_to_string (response->error_code));
  g_hash_table_remove (w->snapshots, sub->topic);
  worker_post_status (w, NULL);
  subscription_free (sub);
}

static void
worker_subscribe (Worker     *w,
                  const char *topic)
{
  g_autoptr(JsonObject) message = json_object_new ();
  Subscription *sub = g_new0 (Subscription, 1);

  sub->w = w;
  sub->topic = g_strdup (topic);
  sub->generation = w->generation;

  g_hash_table_replace (w->snapshots, g_strdup (topic), snapshot_new ());
  json_object_set_string_member (message, "type", "subscribe");
  json_object_set_string_member (message, "topic", topic);
  json_object_set_object_member (message, "filter", json_object_new ());
  cb_connection_call_async (w->connection, message, REQUEST_TIMEOUT_MS, NULL, on_subscribed, sub);
}

static void
worker_unsubscribe (Worker     *w,
                    const char *topic)
{
  g_autoptr(JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "unsubscribe");
  json_object_set_string_member (message, "topic", topic);
  cb_connection_call_async (w->connection, message, REQUEST_TIMEOUT_MS, NULL, NULL, NULL);
}

static gboolean
strv_node_contains (JsonObject *object,
                    const char *member,
                    const char *value)
{
  JsonArray *array = NULL;

  if (object == NULL || !cb_json_get_array (object, member, FALSE, &array, NULL) || array == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_TYPE (node) == JSON_NODE_VALUE && json_node_get_value_type (node) == G_TYPE_STRING
          && g_str_equal (json_node_get_string (node), value))
        return TRUE;
    }
  return FALSE;
}

/* The topics to hold: those asked for (all by default) that the user may
 * read and the backend serves. */
static gboolean
worker_wants (Worker     *w,
              CbMessage  *welcome,
              guint       i)
{
  JsonObject *user = NULL;

  cb_json_get_object (welcome->object, "user", FALSE, &user, NULL);
  if (w->wanted != NULL && !g_strv_contains ((const char * const *) w->wanted, topics[i].topic))
    return FALSE;
  if (!strv_node_contains (user, "permissions", topics[i].permission))
    return FALSE;
  if (topics[i].feature != NULL && !strv_node_contains (welcome->object, "features", topics[i].feature))
    return FALSE;
  return TRUE;
}

static void
worker_retry_live (Worker *w);
typedef struct
{
  Worker *w;
  guint   generation;
  guint   pages;
  gint64  from, to;
} Backfill;

static void worker_backfill_page (Backfill *backfill, const char *cursor);

static void
on_backfill_page (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Backfill *backfill = user_data;
  Worker *w = backfill->w;
  g_autoptr(CbMessage) response = cb_connection_request_finish (CB_CONNECTION (object), result, NULL);
  const CbJsonValue *data = NULL, *items = NULL, *call;
  const char *cursor = NULL;
  CbJsonIter iter;
  ChangeSet *set;

  /* The calls are read from the reply's document: they become entities. */
  if (backfill->generation != w->generation || response == NULL || !response->ok
      || !cb_json_value_read_object (response->body, "data", TRUE, &data, NULL)
      || !cb_json_value_read_array (data, "items", TRUE, &items, NULL))
    {
      if (response != NULL && !response->ok)
        g_debug ("history.query refused: %s", cb_error_code_to_string (response->error_code));
      g_free (backfill);
      return;
    }

  set = change_set_new (w);
  set->backfill = TRUE;
  cb_json_iter_init (&iter, items);
  while (cb_json_iter_next (&iter, NULL, &call))
    {
      const char *id = NULL;
      gint64 rev = 0, ended = 0;
      g_autoptr(CbMessage) holder = NULL;

      if (cb_json_value_get_kind (call) != CB_JSON_OBJECT
          || !cb_json_value_read_string (call, "id", TRUE, &id, NULL)
          || !cb_json_value_read_int (call, "rev", TRUE, 0, &rev, NULL))
        continue;
      cb_json_value_read_int (call, "wrap_up_ended_at", FALSE, 0, &ended, NULL);
      if (ended <= 0)
        cb_json_value_read_int (call, "ended_at", FALSE, 0, &ended, NULL);
      holder = cb_message_new_part (response, call);
      change_set_add (set, NULL, NULL, "call", id, "calls", rev, ended > 0 ? ended : worker_server_now (w), holder);
    }
  worker_wait_for_main (w);
  g_atomic_int_add (&w->shared->pending, (gint) set->changes->len);

  cb_json_value_read_string (data, "next_cursor", FALSE, &cursor, NULL);
  set->backfill_final = cursor == NULL;
  g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_change_set, set,
                              (GDestroyNotify) change_set_free);
  if (cursor != NULL && ++backfill->pages < 500)
    worker_backfill_page (backfill, cursor);
  else
    g_free (backfill);
}

static void
worker_backfill_page (Backfill   *backfill,
                      const char *cursor)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) data = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "filter");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "from");
  json_builder_add_int_value (b, backfill->from);
  json_builder_set_member_name (b, "to");
  json_builder_add_int_value (b, backfill->to);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "sort");
  json_builder_add_string_value (b, "created_at");
  json_builder_set_member_name (b, "limit");
  json_builder_add_int_value (b, 1000);
  if (cursor != NULL)
    {
      json_builder_set_member_name (b, "cursor");
      json_builder_add_string_value (b, cursor);
    }
  json_builder_end_object (b);
  data = json_builder_get_root (b);
  cb_connection_request_async (backfill->w->connection, "history.query", data, -1, NULL, REQUEST_TIMEOUT_MS,
                               NULL, on_backfill_page, backfill);
}

/* The day's ended calls from the backend's history (§9.12), for the
 * metrics: a console opened at 15:00 computes today from the whole day, not
 * from what it has seen since. */
static void
worker_backfill_history (Worker    *w,
                         CbMessage *welcome)
{
  JsonObject *user = NULL;
  Backfill *backfill;
  gint64 now = worker_server_now (w);

  cb_json_get_object (welcome->object, "user", FALSE, &user, NULL);
  if (!strv_node_contains (welcome->object, "features", "history")
      || !strv_node_contains (user, "permissions", "history.read"))
    return;

  backfill = g_new0 (Backfill, 1);
  backfill->w = w;
  backfill->generation = w->generation;
  /* Long enough to hold "today" wherever the backend is. */
  backfill->from = now - 26 * 3600 * 1000;
  backfill->to = now + 60 * 1000;
  worker_backfill_page (backfill, NULL);
}


static void
on_worker_welcome (CbConnection *connection,
                   CbMessage    *welcome,
                   Worker       *w)
{
  gboolean resumed = FALSE;
  JsonArray *restored = NULL;
  g_autoptr(GHashTable) restored_topics = g_hash_table_new (g_str_hash, g_str_equal);

  w->generation++;
  cb_json_get_bool (welcome->object, "resumed", FALSE, &resumed, NULL);
  cb_json_get_array (welcome->object, "subscriptions", FALSE, &restored, NULL);
  for (guint i = 0; restored != NULL && i < json_array_get_length (restored); i++)
    {
      JsonNode *node = json_array_get_element (restored, i);
      const char *topic = NULL;

      if (JSON_NODE_HOLDS_OBJECT (node)
          && cb_json_get_string (json_node_get_object (node), "topic", TRUE, &topic, NULL))
        g_hash_table_add (restored_topics, (gpointer) topic);
    }

  if (!resumed)
    {
      /* A new session: nothing is complete in it yet (§7.3); the cache
       * keeps which topics were complete per session, so nothing to undo. */
      if (w->cursor_epoch != NULL && g_strcmp0 (w->cursor_epoch, cb_connection_get_epoch (connection)) != 0)
        {
          GHashTableIter iter;
          Held *held;

          /* Revs of another epoch mean nothing (§4.4). */
          g_hash_table_iter_init (&iter, w->held);
          while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &held))
            held->rev = -1;
        }
      g_hash_table_remove_all (w->complete);
      g_hash_table_remove_all (w->subscribed);
    }
  else
    {
      GHashTableIter iter;
      const char *topic;

      g_hash_table_iter_init (&iter, restored_topics);
      while (g_hash_table_iter_next (&iter, (gpointer *) &topic, NULL))
        g_hash_table_add (w->subscribed, (gpointer) g_intern_string (topic));
    }

  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      const char *topic = g_intern_string (topics[i].topic);
      gboolean wanted = worker_wants (w, welcome, i);
      gboolean held = resumed && g_hash_table_contains (restored_topics, topic)
                      && g_hash_table_contains (w->complete, topic);

      g_debug ("topic %s: wanted %d, held %d", topic, wanted, held);
      if (wanted && !held)
        worker_subscribe (w, topic);
      else if (!wanted && g_hash_table_contains (restored_topics, topic))
        {
          worker_unsubscribe (w, topic);
          g_hash_table_remove (w->subscribed, topic);
        }
    }

  worker_post_status (w, welcome);
  worker_retry_live (w);
  worker_run_outbox (w);
  if (!resumed)
    worker_backfill_history (w, welcome);
}

static void
on_worker_phase (CbConnection *connection,
                 GParamSpec   *pspec,
                 Worker       *w)
{
  if (cb_connection_get_phase (connection) != CB_PHASE_READY)
    {
      /* What arrived is applied; snapshots in flight are void (§5.3 rule 3).
       * The data was current until now: that is its age from here on. */
      worker_flush (w);
      if (w->generation > 0 && g_hash_table_size (w->subscribed) > 0)
        {
          w->last_as_of = MAX (w->last_as_of, worker_server_now (w));
          worker_commit (w, worker_begin (w));
        }
      g_hash_table_remove_all (w->snapshots);
      g_hash_table_remove_all (w->subscribed);
      worker_post_status (w, NULL);
    }
  /* Ready is posted by the welcome handler, with the subscriptions it
   * made: until their snapshots are complete the store is not live. */
}

static void
worker_post_status (Worker    *w,
                    CbMessage *welcome)
{
  Status *status = g_new0 (Status, 1);

  status->shared = shared_ref (w->shared);
  status->phase = w->connection ? cb_connection_get_phase (w->connection) : CB_PHASE_IDLE;
  status->failure = w->connection ? cb_connection_get_failure (w->connection) : CB_FAILURE_NONE;
  status->syncing = topic_is_syncing (w);
  status->skew_ms = w->connection ? cb_connection_get_skew_ms (w->connection) : 0;
  status->last_seq = w->connection ? cb_connection_get_last_seq (w->connection) : 0;
  status->session = w->connection ? g_strdup (cb_connection_get_session (w->connection)) : NULL;
  status->as_of = w->last_as_of;
  status->resets = w->resets;
  status->welcome = welcome ? cb_message_ref (welcome) : NULL;
  status->backend_status = g_strdup (w->backend_status);
  if (g_atomic_int_get (&w->cache_broken))
    status->cache_message = g_strdup (_("The local cache cannot be written, so what you see now will not be kept for the next start."));
  g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_status_post, status, NULL);
}

/* ------------------------------------------------------------------ */
/* Requests and live commands                                          */

static GError *
error_from_response (CbMessage *response)
{
  const char *message = NULL;

  if (response->error != NULL)
    cb_json_get_string (response->error, "message", FALSE, &message, NULL);
  return g_error_new (CB_REQUEST_ERROR, response->error_code, "%s",
                      message ? message : cb_error_code_to_string (response->error_code));
}

static void worker_send_request (Worker *w, WorkerRequest *request);

static void
on_worker_request_done (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  WorkerRequest *request = user_data;
  Worker *w = g_task_get_task_data (request->task);
  g_autoptr(CbMessage) response = NULL;
  g_autoptr(GError) error = NULL;

  response = cb_connection_request_finish (CB_CONNECTION (object), result, &error);
  /* Read your writes (§8.6): the events the op caused came before its
   * response; they reach the models before the caller hears of it. */
  worker_flush (w);
  if (response == NULL)
    {
      /* The outcome is unknown (§8.6): a live command is sent again with
       * the same key once the connection is back, while the user waits. */
      if (request->kind == CB_REQUEST_LIVE && g_get_monotonic_time () < request->deadline_us
          && g_error_matches (error, CB_REQUEST_ERROR, CB_ERROR_BACKEND_UNAVAILABLE))
        {
          g_ptr_array_add (w->waiting_live, request);
          return;
        }
      g_task_return_error (request->task, g_steal_pointer (&error));
    }
  else if (response->ok)
    g_task_return_pointer (request->task, g_steal_pointer (&response), (GDestroyNotify) cb_message_unref);
  else
    g_task_return_error (request->task, error_from_response (response));
  worker_request_free (request);
}

static void
worker_send_request (Worker        *w,
                     WorkerRequest *request)
{
  g_autoptr(JsonNode) data = NULL;

  if (w->connection == NULL || cb_connection_get_phase (w->connection) != CB_PHASE_READY)
    {
      if (request->kind == CB_REQUEST_LIVE)
        g_task_return_new_error (request->task, CB_REQUEST_ERROR, CB_ERROR_BACKEND_UNAVAILABLE, "%s",
                                 _("The console is not connected to the backend. Live commands are not "
                                   "kept for later, so nothing was done; try again once the console is live."));
      else
        g_task_return_new_error (request->task, CB_REQUEST_ERROR, CB_ERROR_BACKEND_UNAVAILABLE, "%s",
                                 _("The console is not connected to the backend."));
      worker_request_free (request);
      return;
    }

  data = request->data ? json_from_string (request->data, NULL) : NULL;
  cb_connection_request_async (w->connection, request->op, data, -1, request->idem, REQUEST_TIMEOUT_MS,
                               NULL, on_worker_request_done, request);
}

static void
worker_retry_live (Worker *w)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&w->waiting_live);

  w->waiting_live = g_ptr_array_new ();
  for (guint i = 0; i < waiting->len; i++)
    {
      WorkerRequest *request = g_ptr_array_index (waiting, i);

      if (g_get_monotonic_time () < request->deadline_us)
        worker_send_request (w, request);
      else
        {
          g_task_return_new_error (request->task, CB_REQUEST_ERROR, CB_ERROR_TIMEOUT, "%s",
                                   _("The connection was lost before the backend confirmed the command; "
                                     "check the live view to see whether it took effect."));
          worker_request_free (request);
        }
    }
}

/* ------------------------------------------------------------------ */
/* The outbox                                                          */

typedef struct
{
  char   *op;
  char   *entity_type;
  char   *entity_id;
  char   *data;
  char   *base;
  gint64  if_rev;
  gint64  id;               /* resolve: the edit */
  CbResolution resolution;
  char   *merged;
  GTask  *task;
} EditRequest;

typedef struct
{
  CbMessage *response;
  gboolean   queued;
} EditResult;

static void
edit_result_free (EditResult *result)
{
  g_clear_pointer (&result->response, cb_message_unref);
  g_free (result);
}

static void
edit_request_free (EditRequest *request)
{
  g_free (request->op);
  g_free (request->entity_type);
  g_free (request->entity_id);
  g_free (request->data);
  g_free (request->base);
  g_free (request->merged);
  g_clear_object (&request->task);
  g_free (request);
}

static void
worker_finish_edit (Worker     *w,
                    GHashTable *tasks,
                    gint64      id,
                    CbMessage  *response,
                    GError     *error,
                    gboolean    queued)
{
  GTask *task = g_hash_table_lookup (tasks, &id);

  if (task == NULL)
    return;
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    {
      EditResult *result = g_new0 (EditResult, 1);

      result->response = response ? cb_message_ref (response) : NULL;
      result->queued = queued;
      g_task_return_pointer (task, result, (GDestroyNotify) edit_result_free);
    }
  g_hash_table_remove (tasks, &id);
}

static CbOutboxItem *
find_item (GPtrArray *items,
           gint64     id)
{
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      CbOutboxItem *item = g_ptr_array_index (items, i);

      if (item->id == id)
        return item;
    }
  return NULL;
}

static gboolean
on_outbox_retry (gpointer user_data)
{
  Worker *w = user_data;

  w->outbox_retry_source = 0;
  worker_run_outbox (w);
  return G_SOURCE_REMOVE;
}

static void
on_outbox_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Worker *w = user_data;
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&w->cache_lock);
  GHashTable *tasks = w->edit_tasks;
  g_autoptr(CbMessage) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cache_error = NULL;
  gint64 id = w->outbox_inflight_id;

  w->outbox_busy = FALSE;
  w->outbox_inflight_id = 0;
  response = cb_connection_request_finish (CB_CONNECTION (object), result, &error);
  if (w->cache == NULL)
    return;
  worker_flush (w);

  if (response == NULL)
    {
      /* Lost or timed out: the edit stays pending and goes again with the
       * same key, after the resume or a moment from now. */
      if (w->connection != NULL && cb_connection_get_phase (w->connection) == CB_PHASE_READY)
        w->outbox_retry_source = worker_add_source (w, g_timeout_source_new (2000), on_outbox_retry);
      return;
    }

  if (response->ok)
    {
      if (!cb_cache_outbox_remove (w->cache, id, &cache_error))
        worker_cache_failed (w, cache_error);
      worker_finish_edit (w, tasks, id, response, NULL, FALSE);
      worker_post_outbox (w, id, response, NULL, FALSE, 0);
    }
  else if (response->error_code == CB_ERROR_RATE_LIMITED || response->error_code == CB_ERROR_BACKEND_UNAVAILABLE
           || response->error_code == CB_ERROR_TIMEOUT)
    {
      gint64 after = 1000;

      cb_json_get_int (response->error, "retry_after_ms", FALSE, 0, &after, NULL);
      w->outbox_retry_source = worker_add_source (w, g_timeout_source_new ((guint) CLAMP (after, 1000, 60000)),
                                               on_outbox_retry);
      return;
    }
  else
    {
      g_autoptr(GError) refused = error_from_response (response);
      JsonObject *current = NULL;
      g_autofree char *current_text = NULL;
      CbOutboxState state = CB_OUTBOX_FAILED;

      if (response->error_code == CB_ERROR_CONFLICT
          && cb_json_get_object (response->error, "current", FALSE, &current, NULL) && current != NULL)
        {
          g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), current);

          current_text = json_to_string (node, FALSE);
          state = CB_OUTBOX_CONFLICT;
        }
      if (!cb_cache_outbox_update (w->cache, id, state, refused->message, current_text, &cache_error))
        worker_cache_failed (w, cache_error);
      worker_finish_edit (w, tasks, id, NULL, refused, FALSE);
      worker_post_outbox (w, 0, NULL, NULL, FALSE, state == CB_OUTBOX_CONFLICT ? id : 0);
    }

  worker_run_outbox (w);
}

/* Sends the oldest pending edit; one at a time, in order. */
static void
worker_run_outbox (Worker *w)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&w->cache_lock);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(JsonNode) data = NULL;
  CbOutboxItem *next = NULL;

  if (w->outbox_busy || w->cache == NULL || w->connection == NULL
      || cb_connection_get_phase (w->connection) != CB_PHASE_READY)
    return;
  worker_remove_source (w, &w->outbox_retry_source);

  items = cb_cache_outbox_list (w->cache, NULL);
  for (guint i = 0; items != NULL && i < items->len && next == NULL; i++)
    if (((CbOutboxItem *) g_ptr_array_index (items, i))->state == CB_OUTBOX_PENDING)
      next = g_ptr_array_index (items, i);
  if (next == NULL)
    return;

  data = json_from_string (next->data, NULL);
  if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
    {
      cb_cache_outbox_update (w->cache, next->id, CB_OUTBOX_FAILED, "unreadable edit", NULL, NULL);
      worker_post_outbox (w, 0, NULL, NULL, FALSE, 0);
      worker_run_outbox (w);
      return;
    }

  w->outbox_busy = TRUE;
  w->outbox_inflight_id = next->id;
  cb_connection_request_async (w->connection, next->op, data, next->if_rev > 0 ? next->if_rev : -1,
                               next->idem, REQUEST_TIMEOUT_MS, NULL, on_outbox_done, w);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = text ? json_from_string (text, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static char *
object_to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/* An update of an entity that already waits with an unsent update is
 * folded into it, so two offline edits of one campaign make one request
 * (with the rev the user started from) instead of a conflict with itself. */
static gboolean
worker_fold_edit (Worker      *w,
                  GPtrArray   *items,
                  EditRequest *request)
{
  g_autoptr(JsonObject) incoming = NULL;

  if (request->entity_id == NULL || !g_str_has_suffix (request->op, ".update"))
    return FALSE;
  incoming = parse_object (request->data);
  if (incoming == NULL || !json_object_has_member (incoming, "set"))
    return FALSE;

  for (guint i = items->len; i > 0; i--)
    {
      CbOutboxItem *item = g_ptr_array_index (items, i - 1);
      g_autoptr(JsonObject) data = NULL;
      g_autoptr(GList) members = NULL;
      g_autofree char *text = NULL;
      g_autofree char *idem = g_uuid_string_random ();
      JsonObject *set, *more;

      if (item->state != CB_OUTBOX_PENDING || item->id == w->outbox_inflight_id
          || g_strcmp0 (item->op, request->op) != 0 || g_strcmp0 (item->entity_id, request->entity_id) != 0
          || g_strcmp0 (item->entity_type, request->entity_type) != 0)
        continue;
      data = parse_object (item->data);
      if (data == NULL || !json_object_has_member (data, "set"))
        return FALSE;
      set = json_object_get_object_member (data, "set");
      more = json_object_get_object_member (incoming, "set");
      members = json_object_get_members (more);
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (set, l->data, json_node_copy (json_object_get_member (more, l->data)));
      text = object_to_text (data);
      /* A new key: if the first was sent and its outcome lost, the same key
       * with other data would be refused as reused. */
      if (!cb_cache_outbox_set_data (w->cache, item->id, text, item->if_rev, idem, NULL))
        return FALSE;
      request->id = item->id;
      return TRUE;
    }
  return FALSE;
}

static void
worker_edit (Worker      *w,
             EditRequest *request)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&w->cache_lock);
  GHashTable *tasks = w->edit_tasks;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  gboolean online = w->connection != NULL && cb_connection_get_phase (w->connection) == CB_PHASE_READY;

  if (w->cache == NULL)
    {
      g_task_return_new_error (request->task, CB_REQUEST_ERROR, CB_ERROR_INTERNAL, "%s",
                               _("The local cache is not open."));
      return;
    }

  items = cb_cache_outbox_list (w->cache, &error);
  if (items != NULL && worker_fold_edit (w, items, request))
    {
      EditResult *result = g_new0 (EditResult, 1);

      result->queued = TRUE;
      g_task_return_pointer (request->task, result, (GDestroyNotify) edit_result_free);
      worker_post_outbox (w, 0, NULL, NULL, FALSE, 0);
      return;
    }

  {
    g_autofree char *idem = g_uuid_string_random ();
    CbOutboxItem item = {
      .op = request->op,
      .data = request->data,
      .if_rev = request->if_rev,
      .entity_type = request->entity_type,
      .entity_id = request->entity_id,
      .idem = idem,
      .created_at = local_ms (),
      .state = CB_OUTBOX_PENDING,
      .base = request->base,
    };

    request->id = cb_cache_outbox_add (w->cache, &item, &error);
  }
  if (request->id == 0)
    {
      g_task_return_new_error (request->task, CB_REQUEST_ERROR, CB_ERROR_INTERNAL,
                               _("The edit could not be saved in the local cache: %s"), error->message);
      return;
    }

  if (online)
    {
      gint64 *key = g_new (gint64, 1);

      *key = request->id;
      g_hash_table_insert (tasks, key, g_object_ref (request->task));
    }
  else
    {
      EditResult *result = g_new0 (EditResult, 1);

      result->queued = TRUE;
      g_task_return_pointer (request->task, result, (GDestroyNotify) edit_result_free);
    }
  worker_post_outbox (w, 0, NULL, NULL, FALSE, 0);
  worker_run_outbox (w);
}

static void
worker_resolve (Worker      *w,
                EditRequest *request)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&w->cache_lock);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(JsonObject) current = NULL;
  g_autofree char *idem = g_uuid_string_random ();
  CbOutboxItem *item;
  gint64 current_rev = 0;

  if (w->cache == NULL)
    return;
  items = cb_cache_outbox_list (w->cache, NULL);
  item = find_item (items, request->id);
  if (item == NULL)
    return;

  current = parse_object (item->current);
  if (current != NULL && json_object_has_member (current, "rev"))
    current_rev = json_object_get_int_member (current, "rev");

  switch (request->resolution)
    {
    case CB_RESOLVE_TAKE_THEIRS:
      cb_cache_outbox_remove (w->cache, item->id, NULL);
      break;

    case CB_RESOLVE_KEEP_MINE:
      /* A new request over the current rev: a new key, or the backend
       * would answer with the conflict it stored for the old one. */
      cb_cache_outbox_set_data (w->cache, item->id, item->data, current_rev ? current_rev : item->if_rev,
                                idem, NULL);
      break;

    case CB_RESOLVE_MERGE:
      {
        g_autoptr(JsonObject) data = parse_object (item->data);
        g_autoptr(JsonObject) merged = parse_object (request->merged);
        g_autofree char *text = NULL;

        if (data == NULL || merged == NULL)
          return;
        json_object_set_object_member (data, "set", g_steal_pointer (&merged));
        text = object_to_text (data);
        cb_cache_outbox_set_data (w->cache, item->id, text, current_rev ? current_rev : item->if_rev, idem, NULL);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  worker_post_outbox (w, 0, NULL, NULL, FALSE, 0);
  worker_run_outbox (w);
}

static void
worker_post_outbox (Worker    *w,
                    gint64     done_id,
                    CbMessage *response,
                    GError    *error,
                    gboolean   queued,
                    gint64     conflict_id)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&w->cache_lock);
  OutboxUpdate *update = g_new0 (OutboxUpdate, 1);

  update->shared = shared_ref (w->shared);
  update->items = w->cache ? cb_cache_outbox_list (w->cache, NULL) : NULL;
  if (update->items == NULL)
    update->items = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_outbox_item_free);
  update->done_id = done_id;
  update->conflict_id = conflict_id;
  update->response = response ? cb_message_ref (response) : NULL;
  update->error = error ? g_error_copy (error) : NULL;
  update->queued = queued;
  g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_outbox_post, update, NULL);
}

/* ------------------------------------------------------------------ */
/* The worker thread                                                   */

/* A cold open reads every cached row, decodes the rows' bodies and the
 * snapshot parts on two threads (decoding is nearly all of the work), then
 * applies them in the order read. */
typedef struct
{
  char       *type;
  char       *id;
  char       *topic;
  gint64      rev;
  char       *body;      /* NULL: item @item of snapshot part @part */
  gsize       length;
  gint64      part;
  int         item;
  CbMessage  *holder;
} ColdRow;

typedef struct
{
  GArray     *rows;      /* ColdRow */
  GArray     *part_ids;  /* gint64, distinct */
  GPtrArray  *parts;     /* CbMessage or NULL, beside part_ids */
  GPtrArray  *items;     /* a part's items (see part_items ()) or NULL, beside parts */
  GHashTable *seen;      /* part id → index in part_ids */
  CbCache    *cache;
  gint        next;      /* atomic: the next piece of work to decode */
} ColdOpen;

static void
cold_row_clear (ColdRow *row)
{
  g_free (row->type);
  g_free (row->id);
  g_free (row->topic);
  g_free (row->body);
  g_clear_pointer (&row->holder, cb_message_unref);
}

static void
on_cached_entity (const char *type,
                  const char *id,
                  const char *topic,
                  gint64      rev,
                  const char *body,
                  gsize       length,
                  gint64      part,
                  int         item,
                  gpointer    user_data)
{
  ColdOpen *open = user_data;
  ColdRow row = {
    .type = g_strdup (type),
    .id = g_strdup (id),
    .topic = g_strdup (topic),
    .rev = rev,
    .body = body ? g_strndup (body, length) : NULL,
    .length = length,
    .part = part,
    .item = item,
  };

  if (body == NULL && !g_hash_table_contains (open->seen, &row.part))
    {
      g_hash_table_insert (open->seen, g_memdup2 (&row.part, sizeof row.part),
                           GUINT_TO_POINTER (open->part_ids->len));
      g_array_append_val (open->part_ids, row.part);
    }
  g_array_append_val (open->rows, row);
}

static void
ptr_array_unref_nullable (GPtrArray *array)
{
  if (array != NULL)
    g_ptr_array_unref (array);
}

/* The items of a snapshot part, by index (the cache row of an entity
 * names its item by index). */
static GPtrArray *
part_items (CbMessage *part)
{
  const CbJsonValue *items = cb_json_value_lookup_array (part->body, "items"), *item;
  GPtrArray *index = g_ptr_array_sized_new (cb_json_value_get_length (items));
  CbJsonIter iter;

  cb_json_iter_init (&iter, items);
  while (cb_json_iter_next (&iter, NULL, &item))
    g_ptr_array_add (index, (gpointer) item);
  return index;
}

/* Rows are decoded in chunks of this many, parts one by one: the work
 * items the decoding threads take turns on. */
#define COLD_ROWS_PER_ITEM 64

/* Decodes the parts, then the rows, taking the next piece of work as it
 * goes (open->next): the parts differ in size, so a fixed share would
 * leave one thread waiting for the other. */
static gpointer
cold_decode (gpointer user_data)
{
  ColdOpen *open = user_data;
  guint n_parts = open->part_ids->len;
  guint n_items = n_parts + (open->rows->len + COLD_ROWS_PER_ITEM - 1) / COLD_ROWS_PER_ITEM;

  for (;;)
    {
      guint item = (guint) g_atomic_int_add (&open->next, 1);

      if (item >= n_items)
        break;
      if (item < n_parts)
        {
          g_autofree char *text = g_ptr_array_index (open->parts, item);

          open->parts->pdata[item] = text != NULL ? cb_message_decode_cached (text, strlen (text), NULL) : NULL;
          continue;
        }
      for (guint i = (item - n_parts) * COLD_ROWS_PER_ITEM;
           i < MIN (open->rows->len, (item - n_parts + 1) * COLD_ROWS_PER_ITEM); i++)
        {
          ColdRow *row = &g_array_index (open->rows, ColdRow, i);

          if (row->body == NULL)
            continue;
          row->holder = cb_message_decode_body (row->body, row->length, NULL);
          g_clear_pointer (&row->body, g_free);
        }
    }
  return NULL;
}

/* Reads the cache into @set. Returns FALSE when the rows cannot be read. */
static gboolean
worker_read_cache (Worker     *w,
                   ChangeSet  *set,
                   GError    **error)
{
  ColdOpen open = { 0 };
  GThread *helper;
  gboolean ok;

  open.rows = g_array_new (FALSE, TRUE, sizeof (ColdRow));
  g_array_set_clear_func (open.rows, (GDestroyNotify) cold_row_clear);
  open.part_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  open.seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  open.cache = w->cache;

  ok = cb_cache_foreach_entity (w->cache, on_cached_entity, &open, error);
  if (ok)
    {
      /* The parts' texts are read here (SQLite stays on this thread)… */
      open.parts = g_ptr_array_new_full (open.part_ids->len, (GDestroyNotify) cb_message_unref_nullable);
      for (guint i = 0; i < open.part_ids->len; i++)
        {
          gsize length = 0;

          g_ptr_array_add (open.parts, cb_cache_get_part (w->cache, g_array_index (open.part_ids, gint64, i),
                                                          &length));
        }
      open.items = g_ptr_array_new_full (open.part_ids->len, (GDestroyNotify) ptr_array_unref_nullable);
      g_ptr_array_set_size (open.items, open.part_ids->len);
      /* …and decoded, as the rows are, on two threads. */
      helper = g_thread_new ("cb-store-open", cold_decode, &open);
      cold_decode (&open);
      g_thread_join (helper);

      for (guint i = 0; i < open.rows->len; i++)
        {
          ColdRow *row = &g_array_index (open.rows, ColdRow, i);
          g_autoptr(CbMessage) holder = g_steal_pointer (&row->holder);
          Held *held;

          if (holder == NULL && row->body == NULL)
            {
              gpointer index = g_hash_table_lookup (open.seen, &row->part);
              CbMessage *m = g_ptr_array_index (open.parts, GPOINTER_TO_UINT (index));
              GPtrArray *items = g_ptr_array_index (open.items, GPOINTER_TO_UINT (index));
              const char *item_type, *item_id;
              const CbJsonValue *data;
              gint64 item_rev;

              if (items == NULL && m != NULL)
                open.items->pdata[GPOINTER_TO_UINT (index)] = items = part_items (m);
              if (items != NULL && row->item >= 0 && (guint) row->item < items->len
                  && read_item (g_ptr_array_index (items, row->item), &item_type, &item_id, &item_rev, &data)
                  && g_str_equal (item_id, row->id))
                holder = cb_message_new_part (m, data);
            }
          if (holder == NULL)
            {
              /* One unreadable row: leave it out; the next snapshot replaces it. */
              g_debug ("cached %s %s is unreadable", row->type, row->id);
              continue;
            }

          held = g_new0 (Held, 1);
          held->rev = row->rev;
          held->topic = g_intern_string (row->topic);
          g_hash_table_insert (w->held, key_of (row->type, row->id), held);
          change_set_add (set, NULL, NULL, row->type, row->id, row->topic, row->rev, w->last_as_of, holder);
        }
    }

  g_array_unref (open.rows);
  g_array_unref (open.part_ids);
  g_clear_pointer (&open.parts, g_ptr_array_unref);
  g_clear_pointer (&open.items, g_ptr_array_unref);
  g_hash_table_unref (open.seen);
  return ok;
}

static void
worker_trim_journal (Worker *w)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&w->cache_lock);
  g_autoptr(GError) error = NULL;
  gint64 before = local_ms () - (gint64) w->journal_days * 24 * 3600 * 1000;

  if (w->cache != NULL && !g_atomic_int_get (&w->cache_broken) && cb_cache_trim_journal (w->cache, before, &error) < 0)
    g_message ("could not trim the journal: %s", error->message);
}

static gboolean
on_trim (gpointer user_data)
{
  worker_trim_journal (user_data);
  return G_SOURCE_CONTINUE;
}

static void
worker_open (Worker *w)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *moved_to = NULL;
  g_autofree char *session = NULL, *epoch = NULL;
  CbCacheRecovery recovery = CB_CACHE_OK;
  gint64 last_seq = 0;
  Status *status;
  ChangeSet *set;
  gboolean ok;

  status = g_new0 (Status, 1);
  status->shared = shared_ref (w->shared);
  status->opened = TRUE;

  w->cache = cb_cache_open (w->cache_path, &recovery, &moved_to, &error);
  if (w->cache == NULL)
    {
      status->open_error = g_strdup (error->message);
      status->cache_message = g_strdup_printf (_("The local cache cannot be opened (%s). The console works, "
                                                 "but keeps nothing for the next start."), error->message);
      g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_status_post, status, NULL);
      return;
    }

  if (recovery == CB_CACHE_RECOVERED_CORRUPT)
    status->cache_message = g_strdup_printf (_("The local cache was damaged. It was set aside as %s and is "
                                               "being rebuilt from the backend."), moved_to);
  else if (recovery == CB_CACHE_RECOVERED_NEWER)
    status->cache_message = g_strdup_printf (_("The local cache was written by a newer version of Callboard. "
                                               "It was set aside as %s and is being rebuilt from the backend."),
                                             moved_to);

  w->last_as_of = cb_cache_get_synced_at (w->cache);
  set = change_set_new (w);
  ok = worker_read_cache (w, set, &error);
  if (!ok)
    {
      /* Damage past the first pages: start over, as for a damaged file. */
      g_autofree char *path = g_strdup (cb_cache_get_path (w->cache));
      g_autoptr(GError) again = NULL;

      g_message ("reading the cache failed: %s", error->message);
      cb_cache_close (w->cache);
      g_hash_table_remove_all (w->held);
      g_array_set_size (set->changes, 0);
      {
        g_autofree char *target = g_strconcat (path, ".unreadable", NULL);

        g_rename (path, target);
        g_free (status->cache_message);
        status->cache_message = g_strdup_printf (_("The local cache was damaged. It was set aside as %s and is "
                                                   "being rebuilt from the backend."), target);
      }
      w->cache = cb_cache_open (path, NULL, NULL, &again);
    }

  if (w->cache != NULL && cb_cache_get_cursor (w->cache, &session, &epoch, &last_seq))
    {
      g_auto(GStrv) complete = cb_cache_get_complete_topics (w->cache, session);

      w->cursor_epoch = g_strdup (epoch);

      /* What was complete in the session we resume stays so (§5.3 rule 1). */
      for (guint i = 0; complete[i] != NULL; i++)
        g_hash_table_add (w->complete, (gpointer) g_intern_string (complete[i]));
    }

  set->has_data = set->changes->len > 0;
  status->has_data = set->has_data;
  status->as_of = w->last_as_of;
  set->as_of = w->last_as_of;
  g_atomic_int_add (&w->shared->pending, (gint) set->changes->len);
  g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_change_set, set,
                              (GDestroyNotify) change_set_free);
  g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_status_post, status, NULL);

  /* Edits kept from an earlier run show as pending until they are sent. */
  if (w->cache != NULL)
    worker_post_outbox (w, 0, NULL, NULL, FALSE, 0);
  worker_trim_journal (w);
  worker_post_history (w);
  if (w->cache != NULL)
    g_atomic_pointer_set (&w->writer, g_thread_new ("cb-store-writer", writer_main, w));
  w->trim_source = worker_add_source (w, g_timeout_source_new_seconds (TRIM_EVERY_S), on_trim);
}

static void
on_history_row (gint64      seq,
                gint64      ts,
                const char *topic,
                int         kind,
                const char *type,
                const char *id,
                gint64      rev,
                const char *body,
                gsize       length,
                gpointer    user_data)
{
  gpointer *closure = user_data;
  Worker *w = closure[0];
  ChangeSet *set = closure[1];
  g_autoptr(CbMessage) m = NULL;

  /* Closing while the history loads: nobody will read the rest. */
  if (g_atomic_int_get (&w->shared->quitting))
    return;

  if (kind == CB_EVENT_UPSERT)
    {
      m = body ? cb_message_decode_cached (body, length, NULL) : NULL;
      if (m == NULL || m->type != CB_MESSAGE_EVENT || m->state == NULL)
        return;

      /* A call whose last word is that it was in progress, and that the
       * cache no longer holds, vanished unseen: not a call still waiting. */
      if (g_str_equal (type, "call"))
        {
          const char *state = NULL;
          g_autofree char *key = key_of (type, id);

          cb_json_value_read_string (m->state, "state", FALSE, &state, NULL);
          if (g_strcmp0 (state, "ended") != 0 && !g_hash_table_contains (w->held, key))
            return;
        }
    }
  change_set_add (set, NULL, NULL, type, id, topic, rev, ts, m);

  /* A busy day holds a million transitions: hand them over in pieces, so
   * memory stays bounded (the worker waits while the main thread is behind). */
  if (set->changes->len >= BATCH_MAX)
    {
      worker_wait_for_main (w);
      g_atomic_int_add (&w->shared->pending, (gint) set->changes->len);
      g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_change_set, set,
                                  (GDestroyNotify) change_set_free);
      set = change_set_new (w);
      set->history = TRUE;
      closure[1] = set;
    }
}

/* What the journal remembers, for the metrics to start from: the last
 * state of every call of the journal's period (a call's last state holds
 * every instant of its life) and every agent, queue and campaign change of
 * the last day (time in state needs the transitions). */
static void
worker_post_history (Worker *w)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&w->cache_lock);
  g_autoptr(GError) error = NULL;
  gint64 since_day = local_ms () - 26 * 3600 * 1000;
  gint64 since_calls = local_ms () - (gint64) w->journal_days * 24 * 3600 * 1000;
  ChangeSet *set = change_set_new (w);
  gpointer closure[2] = { w, set };

  set->history = TRUE;
  if (w->cache != NULL
      && !cb_cache_foreach_history (w->cache, since_calls, since_day, on_history_row, closure, &error))
    g_message ("could not read the journal: %s", error->message);
  set = closure[1];
  set->history_final = TRUE;
  g_atomic_int_add (&w->shared->pending, (gint) set->changes->len);
  g_main_context_invoke_full (w->shared->main_context, POST_PRIORITY, on_change_set, set,
                              (GDestroyNotify) change_set_free);
}

static gboolean
worker_do_connect (gpointer user_data)
{
  Worker *w = user_data;
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&w->cache_lock);
  g_autofree char *session = NULL, *epoch = NULL;
  gint64 last_seq = 0;

  if (w->url == NULL)
    return G_SOURCE_REMOVE;

  if (w->connection == NULL)
    {
      w->connection = cb_connection_new (w->url, w->token);
      cb_connection_set_client (w->connection, "callboard", PACKAGE_VERSION);
      if (w->trusted != NULL)
        cb_connection_set_trusted_certificate (w->connection, w->trusted);
      if (w->backoff_initial_ms > 0)
        cb_connection_set_backoff (w->connection, w->backoff_initial_ms, w->backoff_max_ms);
      if (w->cache != NULL && cb_cache_get_cursor (w->cache, &session, &epoch, &last_seq))
        cb_connection_set_resume (w->connection, session, epoch, last_seq);
      g_signal_connect (w->connection, "message", G_CALLBACK (on_worker_message), w);
      g_signal_connect (w->connection, "welcome", G_CALLBACK (on_worker_welcome), w);
      g_signal_connect (w->connection, "notify::phase", G_CALLBACK (on_worker_phase), w);
    }
  cb_connection_start (w->connection);
  worker_post_status (w, NULL);
  return G_SOURCE_REMOVE;
}

static void
worker_release_connection (Worker *w)
{
  if (w->connection == NULL)
    return;

  g_signal_handlers_disconnect_by_data (w->connection, w);
  cb_connection_stop (w->connection);
  worker_flush (w);
  /* A cancelled connect returns the reference its callback holds. */
  for (guint i = 0; i < 200 && G_OBJECT (w->connection)->ref_count > 1; i++)
    {
      while (g_main_context_iteration (w->context, FALSE))
        ;
      if (G_OBJECT (w->connection)->ref_count > 1)
        g_usleep (1000);
    }
  g_clear_object (&w->connection);
}

static gboolean
worker_do_disconnect (gpointer user_data)
{
  Worker *w = user_data;

  worker_release_connection (w);
  g_hash_table_remove_all (w->snapshots);
  worker_post_status (w, NULL);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_main (gpointer user_data)
{
  Worker *w = user_data;

  g_main_context_push_thread_default (w->context);
  worker_open (w);
  g_main_loop_run (w->loop);

  /* Shut down: nothing more is posted to the main thread. */
  worker_release_connection (w);
  worker_retry_live (w);
  worker_remove_source (w, &w->flush_source);
  worker_remove_source (w, &w->trim_source);
  worker_remove_source (w, &w->outbox_retry_source);
  {
    GHashTableIter iter;
    GTask *task;

    /* The edits stay in the outbox for the next start. */
    g_hash_table_iter_init (&iter, w->edit_tasks);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &task))
      {
        EditResult *result = g_new0 (EditResult, 1);

        result->queued = TRUE;
        g_task_return_pointer (task, result, (GDestroyNotify) edit_result_free);
      }
    g_hash_table_remove_all (w->edit_tasks);
  }
  if (w->writer != NULL)
    {
      DbBatch *quit = db_batch_new ();

      quit->quit = TRUE;
      g_async_queue_push (w->writes, quit);
      g_thread_join (w->writer);
      w->writer = NULL;
    }
  g_clear_pointer (&w->cache, cb_cache_close);
  while (g_main_context_iteration (w->context, FALSE))
    ;
  g_main_context_pop_thread_default (w->context);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* The main thread's side                                              */

static const char *
describe_failure (CbConnectionFailure failure)
{
  switch (failure)
    {
    case CB_FAILURE_TOKEN:
      return _("The backend did not accept the token. Enter a new one in Preferences → Backends.");
    case CB_FAILURE_FORBIDDEN:
      return _("This user may not use a console on this backend. Ask an administrator for a supervisor, "
               "campaign manager or QA role.");
    case CB_FAILURE_VERSION:
      return _("The backend speaks another version of the Callboard protocol. Update Callboard or the "
               "backend's adapter.");
    case CB_FAILURE_TAKEN_OVER:
      return _("This session was taken over by another console signed in as the same user.");
    case CB_FAILURE_TOO_BIG:
      return _("The backend keeps sending messages larger than the console accepts.");
    case CB_FAILURE_PROTOCOL:
      return _("The backend repeatedly broke the protocol; the console stopped reconnecting. "
               "Report this to the backend's vendor.");
    case CB_FAILURE_BAD_URL:
      return _("The backend's address is not valid.");
    case CB_FAILURE_CERTIFICATE:
      return _("The backend's certificate is not trusted, so the console did not connect. Check the "
               "address, or ask the backend's administrator for a certificate this computer trusts.");
    case CB_FAILURE_NONE:
    default:
      return NULL;
    }
}

static void
set_string (char       **field,
            const char  *value,
            CbStore     *self,
            guint        prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
update_state (CbStore *self)
{
  CbConnectionState state;
  g_autofree char *message = NULL;

  switch (self->phase)
    {
    case CB_PHASE_READY:
      state = self->syncing ? (self->has_data ? CB_CONNECTION_CACHED : CB_CONNECTION_CONNECTING)
                            : CB_CONNECTION_LIVE;
      if (self->syncing)
        message = g_strdup (_("Connected; loading the current state…"));
      break;
    case CB_PHASE_CONNECTING:
    case CB_PHASE_HANDSHAKE:
      state = self->has_data ? CB_CONNECTION_CACHED : CB_CONNECTION_CONNECTING;
      message = g_strdup (_("Connecting to the backend…"));
      break;
    case CB_PHASE_BACKOFF:
      state = self->has_data ? CB_CONNECTION_CACHED : CB_CONNECTION_CONNECTING;
      message = g_strdup (_("The connection was lost; reconnecting…"));
      break;
    case CB_PHASE_FAILED:
      state = self->has_data ? CB_CONNECTION_CACHED : CB_CONNECTION_OFFLINE;
      message = g_strdup (describe_failure (self->failure));
      break;
    case CB_PHASE_IDLE:
    default:
      state = self->has_data ? CB_CONNECTION_CACHED : CB_CONNECTION_OFFLINE;
      break;
    }

  set_string (&self->status_message, message, self, PROP_STATUS_MESSAGE);
  /* Live for the first time: the metrics know every call from now on, and
   * before only what the journal kept, until the backend's history of the
   * day arrives (on_change_set ()). */
  if (state == CB_CONNECTION_LIVE && !self->coverage_set)
    {
      self->coverage_set = TRUE;
      if (!self->backfill_done)
        cb_metrics_set_complete_since (self->metrics, cb_store_get_server_now (self));
    }
  if (state != self->state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

static CbEntityModel *
ensure_model (CbStore    *self,
              const char *type)
{
  const char *interned = g_intern_string (type);
  CbEntityModel *model = g_hash_table_lookup (self->models, interned);

  if (model == NULL)
    {
      model = cb_entity_model_new (interned);
      g_hash_table_insert (self->models, (gpointer) interned, model);
    }
  return model;
}

/* Feeds one change to the metrics, once per rev and in rev order. */
static void
feed_metrics (CbStore *self,
              Change  *change)
{
  g_autofree char *key = g_strconcat (change->type, "\t", change->id, NULL);
  gpointer seen;

  if (g_hash_table_lookup_extended (self->metrics_revs, key, NULL, &seen))
    {
      gint64 rev = GPOINTER_TO_SIZE (seen);

      /* A deletion always applies: after an epoch change its rev (-1) says
       * nothing, and a later state would come with its own upsert. */
      if (change->holder != NULL && change->rev <= rev)
        return;
    }
  if (change->holder != NULL)
    g_hash_table_insert (self->metrics_revs, g_steal_pointer (&key), GSIZE_TO_POINTER ((gsize) change->rev));
  else
    g_hash_table_remove (self->metrics_revs, key);
  cb_metrics_apply (self->metrics, change->ts, change->type, change->id,
                    change->holder ? change->holder->state : NULL);
}

static void
keep_for_metrics (CbStore *self,
                  Change  *change)
{
  Change copy = *change;

  copy.id = g_strdup (change->id);
  copy.holder = change->holder ? cb_message_ref (change->holder) : NULL;
  g_array_append_val (self->metrics_backlog, copy);
}

static gboolean
on_change_set (gpointer user_data)
{
  ChangeSet *set = user_data;
  CbStore *self = set->shared->store;
  GPtrArray *released = NULL;

  g_atomic_int_add (&set->shared->pending, -(gint) set->changes->len);
  if (self == NULL)
    return G_SOURCE_REMOVE;

  if (set->backfill)
    {
      for (guint i = 0; i < set->changes->len; i++)
        {
          Change *change = &g_array_index (set->changes, Change, i);

          if (self->history_loaded)
            cb_metrics_apply (self->metrics, change->ts, change->type, change->id, change->holder->state);
          else
            keep_for_metrics (self, change);
        }
      /* The day's calls are all known now: every window is whole again. */
      if (set->backfill_final)
        {
          self->backfill_done = TRUE;
          cb_metrics_set_complete_since (self->metrics, 0);
        }
      g_signal_emit (self, signals[BATCH_APPLIED], 0, 0);
      return G_SOURCE_REMOVE;
    }

  if (set->history)
    {
      /* The past first, then what arrived while it was read. */
      for (guint i = 0; i < set->changes->len; i++)
        feed_metrics (self, &g_array_index (set->changes, Change, i));
      if (!set->history_final)
        return G_SOURCE_REMOVE;
      for (guint i = 0; i < self->metrics_backlog->len; i++)
        feed_metrics (self, &g_array_index (self->metrics_backlog, Change, i));
      g_array_set_size (self->metrics_backlog, 0);
      /* From here on the worker's rev guard orders what comes. */
      g_hash_table_remove_all (self->metrics_revs);
      self->history_loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY_LOADED]);
      g_signal_emit (self, signals[BATCH_APPLIED], 0, 0);
      return G_SOURCE_REMOVE;
    }

  released = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  for (guint i = 0; i < set->changes->len; i++)
    {
      Change *change = &g_array_index (set->changes, Change, i);
      CbEntityModel *model = ensure_model (self, change->type);

      if (change->holder != NULL)
        cb_entity_model_upsert (model, change->id, change->topic, change->rev, change->holder, released);
      else
        cb_entity_model_remove (model, change->id);

      if (self->history_loaded)
        cb_metrics_apply (self->metrics, change->ts, change->type, change->id,
                          change->holder ? change->holder->state : NULL);
      else
        keep_for_metrics (self, change);
    }

  /* The previous states, and the change set's own references, are let go
   * on the worker (worker_drain_garbage ()), at its next batch or when it
   * is idle. */
  if (!self->shut_down)
    {
      for (guint i = 0; i < set->changes->len; i++)
        {
          Change *change = &g_array_index (set->changes, Change, i);

          if (change->holder != NULL)
            g_ptr_array_add (released, g_steal_pointer (&change->holder));
        }
      g_async_queue_lock (self->worker->garbage);
      if (g_async_queue_length_unlocked (self->worker->garbage) == 0)
        g_main_context_invoke_full (self->worker->context, G_PRIORITY_LOW, on_garbage, self->worker, NULL);
      g_async_queue_push_unlocked (self->worker->garbage, g_steal_pointer (&released));
      g_async_queue_unlock (self->worker->garbage);
    }
  g_clear_pointer (&released, g_ptr_array_unref);

  self->events_applied += set->n_events;
  if (set->started_us > 0)
    {
      gint64 latency = g_get_monotonic_time () - set->started_us;

      if (self->latencies->len >= 65536)
        g_array_remove_range (self->latencies, 0, 32768);
      g_array_append_val (self->latencies, latency);
    }
  self->batches++;
  for (guint i = 0; set->events != NULL && i < set->events->len; i++)
    g_signal_emit (self, signals[EVENT], 0, g_ptr_array_index (set->events, i));
  if (set->last_seq > 0)
    self->last_seq = set->last_seq;
  if (set->has_data && !self->has_data)
    {
      self->has_data = TRUE;
      update_state (self);
    }
  if (set->as_of > self->as_of)
    {
      self->as_of = set->as_of;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AS_OF]);
    }
  g_signal_emit (self, signals[BATCH_APPLIED], 0, set->changes->len);
  return G_SOURCE_REMOVE;
}

static void
status_free (Status *status)
{
  g_free (status->session);
  g_free (status->cache_message);
  g_free (status->backend_status);
  g_free (status->open_error);
  g_clear_pointer (&status->welcome, cb_message_unref);
  shared_unref (status->shared);
  g_free (status);
}

static gboolean
on_status_post (gpointer user_data)
{
  Status *status = user_data;
  CbStore *self = status->shared->store;

  if (self == NULL)
    {
      status_free (status);
      return G_SOURCE_REMOVE;
    }

  if (status->opened)
    {
      self->opened = TRUE;
      self->has_data = self->has_data || status->has_data;
      if (status->as_of > self->as_of)
        self->as_of = status->as_of;
      if (self->open_task != NULL)
        {
          g_task_return_boolean (self->open_task, TRUE);
          g_clear_object (&self->open_task);
        }
    }
  else
    {
      self->phase = status->phase;
      self->failure = status->failure;
      self->syncing = status->syncing;
      self->skew_ms = status->skew_ms;
      self->resets = status->resets;
      if (status->last_seq > 0)
        self->last_seq = status->last_seq;
      g_free (self->session);
      self->session = g_strdup (status->session);
      if (status->welcome != NULL)
        {
          JsonObject *backend = NULL;
          const char *zone = NULL;

          g_clear_pointer (&self->welcome, cb_message_unref);
          self->welcome = cb_message_ref (status->welcome);
          /* "Today" in the statistics is the backend's day. */
          if (cb_json_get_object (self->welcome->object, "backend", FALSE, &backend, NULL) && backend != NULL
              && cb_json_get_string (backend, "time_zone", FALSE, &zone, NULL) && zone != NULL)
            cb_metrics_set_time_zone (self->metrics, zone);
        }
      set_string (&self->backend_status, status->backend_status, self, PROP_BACKEND_STATUS);
      if (status->as_of > self->as_of)
        {
          self->as_of = status->as_of;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AS_OF]);
        }
    }
  if (status->cache_message != NULL)
    set_string (&self->cache_message, status->cache_message, self, PROP_CACHE_MESSAGE);

  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
  status_free (status);
  return G_SOURCE_REMOVE;
}

static gboolean
on_outbox_post (gpointer user_data)
{
  OutboxUpdate *update = user_data;
  CbStore *self = update->shared->store;

  if (self != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->outbox));
      g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
      CbPendingEdit *conflict = NULL;

      /* Keep the objects of edits still there, so views bound to them stay. */
      for (guint i = 0; i < update->items->len; i++)
        {
          CbOutboxItem *item = g_ptr_array_index (update->items, i);
          CbPendingEdit *edit = NULL;

          for (guint j = 0; j < n && edit == NULL; j++)
            {
              g_autoptr(CbPendingEdit) old = g_list_model_get_item (G_LIST_MODEL (self->outbox), j);

              if (cb_pending_edit_get_id (old) == item->id)
                edit = g_object_ref (old);
            }
          if (edit != NULL)
            cb_pending_edit_set_item (edit, item);
          else
            edit = cb_pending_edit_new (item);
          if (item->id == update->conflict_id)
            conflict = edit;
          g_ptr_array_add (fresh, edit);
        }
      g_list_store_splice (self->outbox, 0, n, fresh->pdata, fresh->len);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_EDITS]);
      if (conflict != NULL)
        g_signal_emit (self, signals[CONFLICT], 0, conflict);
    }

  g_ptr_array_unref (update->items);
  g_clear_pointer (&update->response, cb_message_unref);
  g_clear_error (&update->error);
  shared_unref (update->shared);
  g_free (update);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal_post (gpointer user_data)
{
  SignalPost *post = user_data;
  CbStore *self = post->shared->store;

  if (self != NULL && g_str_equal (post->name, "token_expiring"))
    g_signal_emit (self, signals[TOKEN_EXPIRING], 0, post->expires_at);

  g_free (post->name);
  shared_unref (post->shared);
  g_free (post);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
cb_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  CbStore *self = CB_STORE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_PHASE:
      g_value_set_int (value, self->phase);
      break;
    case PROP_STATUS_MESSAGE:
      g_value_set_string (value, self->status_message);
      break;
    case PROP_CACHE_MESSAGE:
      g_value_set_string (value, self->cache_message);
      break;
    case PROP_AS_OF:
      g_value_set_int64 (value, self->as_of);
      break;
    case PROP_PENDING_EDITS:
      g_value_set_uint (value, cb_store_get_pending_edits (self));
      break;
    case PROP_BACKEND_STATUS:
      g_value_set_string (value, self->backend_status);
      break;
    case PROP_HISTORY_LOADED:
      g_value_set_boolean (value, self->history_loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
worker_free (Worker *w)
{
  g_clear_pointer (&w->loop, g_main_loop_unref);
  g_clear_pointer (&w->context, g_main_context_unref);
  g_clear_pointer (&w->held, g_hash_table_unref);
  g_clear_pointer (&w->snapshots, g_hash_table_unref);
  g_clear_pointer (&w->complete, g_hash_table_unref);
  g_clear_pointer (&w->subscribed, g_hash_table_unref);
  g_clear_pointer (&w->batch, g_ptr_array_unref);
  g_clear_pointer (&w->waiting_live, g_ptr_array_unref);
  g_clear_pointer (&w->edit_tasks, g_hash_table_unref);
  g_clear_pointer (&w->writes, g_async_queue_unref);
  g_clear_pointer (&w->garbage, g_async_queue_unref);
  g_clear_pointer (&w->cursor_epoch, g_free);
  g_rec_mutex_clear (&w->cache_lock);
  g_clear_pointer (&w->wanted, g_strfreev);
  g_clear_pointer (&w->cache_path, g_free);
  g_clear_pointer (&w->url, g_free);
  if (w->token != NULL)
    explicit_bzero (w->token, strlen (w->token));
  g_clear_pointer (&w->token, g_free);
  g_clear_pointer (&w->backend_status, g_free);
  g_clear_object (&w->trusted);
  shared_unref (w->shared);
  g_free (w);
}

static gboolean
worker_do_quit (gpointer user_data)
{
  Worker *w = user_data;

  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

/**
 * cb_store_shutdown:
 *
 * Stops the connection and the worker and closes the cache. Requests in
 * flight fail. The models keep what they hold. Called by dispose, and by
 * the application before it quits.
 */
void
cb_store_shutdown (CbStore *self)
{
  g_return_if_fail (CB_IS_STORE (self));

  if (self->shut_down)
    return;
  self->shut_down = TRUE;

  g_atomic_int_set (&self->shared->quitting, TRUE);
  if (self->worker != NULL && self->worker->thread != NULL)
    {
      g_main_context_invoke (self->worker->context, worker_do_quit, self->worker);
      g_thread_join (self->worker->thread);
      self->worker->thread = NULL;
    }
  if (self->open_task != NULL)
    {
      g_task_return_new_error (self->open_task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "shut down");
      g_clear_object (&self->open_task);
    }
}

static void
cb_store_dispose (GObject *object)
{
  CbStore *self = CB_STORE (object);

  cb_store_shutdown (self);
  if (self->shared != NULL)
    self->shared->store = NULL;

  G_OBJECT_CLASS (cb_store_parent_class)->dispose (object);
}

static void
cb_store_finalize (GObject *object)
{
  CbStore *self = CB_STORE (object);

  g_clear_pointer (&self->worker, worker_free);
  g_clear_pointer (&self->shared, shared_unref);
  g_clear_pointer (&self->models, g_hash_table_unref);
  g_clear_pointer (&self->metrics, cb_metrics_free);
  g_clear_pointer (&self->metrics_revs, g_hash_table_unref);
  g_clear_pointer (&self->metrics_backlog, g_array_unref);
  g_clear_pointer (&self->latencies, g_array_unref);
  g_clear_object (&self->outbox);
  g_clear_pointer (&self->welcome, cb_message_unref);
  g_clear_pointer (&self->cache_path, g_free);
  g_clear_pointer (&self->status_message, g_free);
  g_clear_pointer (&self->cache_message, g_free);
  g_clear_pointer (&self->backend_status, g_free);
  g_clear_pointer (&self->session, g_free);

  G_OBJECT_CLASS (cb_store_parent_class)->finalize (object);
}

static void
cb_store_class_init (CbStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cb_store_get_property;
  object_class->dispose = cb_store_dispose;
  object_class->finalize = cb_store_finalize;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, CB_CONNECTION_OFFLINE, CB_CONNECTION_CACHED, CB_CONNECTION_OFFLINE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PHASE] =
    g_param_spec_int ("phase", NULL, NULL, CB_PHASE_IDLE, CB_PHASE_FAILED, CB_PHASE_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS_MESSAGE] =
    g_param_spec_string ("status-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CACHE_MESSAGE] =
    g_param_spec_string ("cache-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AS_OF] =
    g_param_spec_int64 ("as-of", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING_EDITS] =
    g_param_spec_uint ("pending-edits", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BACKEND_STATUS] =
    g_param_spec_string ("backend-status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether the metrics hold the journal's history (they are fed live either way). */
  properties[PROP_HISTORY_LOADED] =
    g_param_spec_boolean ("history-loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CbStore::conflict:
   * @edit: the edit the backend refused because the entity changed
   */
  signals[CONFLICT] =
    g_signal_new ("conflict", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CB_TYPE_PENDING_EDIT);
  /**
   * CbStore::event:
   * @message: an event, after it was applied (only with
   *   cb_store_set_forward_events())
   */
  signals[EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CB_TYPE_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * CbStore::token-expiring:
   * @expires_at: when the token stops working (server ms)
   */
  signals[TOKEN_EXPIRING] =
    g_signal_new ("token-expiring", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * CbStore::batch-applied:
   * @changes: how many entities the batch changed
   *
   * After each batch has reached the models: one emission however many
   * events it held, so views can mark themselves dirty once.
   */
  signals[BATCH_APPLIED] =
    g_signal_new ("batch-applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
cb_store_init (CbStore *self)
{
  self->models = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  self->outbox = g_list_store_new (CB_TYPE_PENDING_EDIT);
  self->metrics = cb_metrics_new ();
  self->metrics_revs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->metrics_backlog = g_array_new (FALSE, TRUE, sizeof (Change));
  g_array_set_clear_func (self->metrics_backlog, (GDestroyNotify) change_clear);
  self->shared = g_new0 (Shared, 1);
  g_atomic_ref_count_init (&self->shared->ref_count);
  self->shared->store = self;
  self->shared->main_context = g_main_context_ref_thread_default ();
}

/**
 * cb_store_new:
 * @cache_path: the cache database, or ":memory:"
 */
CbStore *
cb_store_new (const char *cache_path)
{
  CbStore *self;
  Worker *w;

  g_return_val_if_fail (cache_path != NULL, NULL);

  self = g_object_new (CB_TYPE_STORE, NULL);
  self->cache_path = g_strdup (cache_path);

  w = g_new0 (Worker, 1);
  w->shared = shared_ref (self->shared);
  w->context = g_main_context_new ();
  w->loop = g_main_loop_new (w->context, FALSE);
  w->cache_path = g_strdup (cache_path);
  w->journal_days = DEFAULT_JOURNAL_DAYS;
  w->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) held_free);
  w->snapshots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) snapshot_free);
  w->complete = g_hash_table_new (g_direct_hash, g_direct_equal);
  w->subscribed = g_hash_table_new (g_direct_hash, g_direct_equal);
  w->batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  w->waiting_live = g_ptr_array_new ();
  w->edit_tasks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  w->writes = g_async_queue_new_full ((GDestroyNotify) db_batch_free);
  w->garbage = g_async_queue_new_full ((GDestroyNotify) g_ptr_array_unref);
  g_rec_mutex_init (&w->cache_lock);
  self->worker = w;

  return self;
}

/**
 * cb_store_default_cache_path:
 *
 * Returns: (transfer full): where the cache of @profile_id lives, under the
 *   user data directory
 */
char *
cb_store_default_cache_path (const char *profile_id)
{
  g_autofree char *file = g_strdup_printf ("%s.sqlite", profile_id);

  return g_build_filename (g_get_user_data_dir (), "callboard", "cache", file, NULL);
}

typedef struct
{
  Worker          *w;
  char            *url;
  char            *token;
  GTlsCertificate *trusted;
} Backend;

static void
backend_free (Backend *backend)
{
  g_free (backend->url);
  if (backend->token != NULL)
    explicit_bzero (backend->token, strlen (backend->token));
  g_free (backend->token);
  g_clear_object (&backend->trusted);
  g_free (backend);
}

static void
worker_set_backend (Worker  *w,
                    Backend *backend)
{
  g_free (w->url);
  w->url = g_steal_pointer (&backend->url);
  if (w->token != NULL)
    explicit_bzero (w->token, strlen (w->token));
  g_free (w->token);
  w->token = g_steal_pointer (&backend->token);
  g_set_object (&w->trusted, backend->trusted);
}

static gboolean
worker_do_set_backend (gpointer user_data)
{
  Backend *backend = user_data;
  Worker *w = backend->w;

  /* Another address or token: the next connect makes a new connection. */
  worker_release_connection (w);
  g_hash_table_remove_all (w->snapshots);
  worker_set_backend (w, backend);
  worker_post_status (w, NULL);
  backend_free (backend);
  return G_SOURCE_REMOVE;
}

/**
 * cb_store_set_backend:
 * @trusted: (nullable): a certificate to trust for this backend (lab servers)
 *
 * Sets where the store connects. Before the store is opened, or at any
 * time after: then the current connection, if any, is closed, and
 * cb_store_connect() opens the new one.
 */
void
cb_store_set_backend (CbStore         *self,
                      const char      *url,
                      const char      *token,
                      GTlsCertificate *trusted)
{
  Backend *backend;

  g_return_if_fail (CB_IS_STORE (self));

  backend = g_new0 (Backend, 1);
  backend->w = self->worker;
  backend->url = g_strdup (url);
  backend->token = g_strdup (token);
  g_set_object (&backend->trusted, trusted);

  if (self->worker->thread == NULL)
    {
      worker_set_backend (self->worker, backend);
      backend_free (backend);
    }
  else
    g_main_context_invoke (self->worker->context, worker_do_set_backend, backend);
}

/**
 * cb_store_set_topics:
 * @topics: (nullable): the topics to hold; %NULL for every topic the user
 *   may read
 */
void
cb_store_set_topics (CbStore            *self,
                     const char * const *topics_)
{
  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (self->worker->thread == NULL);

  g_strfreev (self->worker->wanted);
  self->worker->wanted = g_strdupv ((char **) topics_);
}

void
cb_store_set_backoff (CbStore *self,
                      guint    initial_ms,
                      guint    max_ms)
{
  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (self->worker->thread == NULL);

  self->worker->backoff_initial_ms = initial_ms;
  self->worker->backoff_max_ms = max_ms;
}

/* Emit #CbStore::event for every event applied (callboard-ctl watch). */
void
cb_store_set_forward_events (CbStore  *self,
                             gboolean  forward)
{
  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (self->worker->thread == NULL);

  self->worker->forward_events = forward;
}

void
cb_store_set_journal_days (CbStore *self,
                           guint    days)
{
  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (self->worker->thread == NULL);
  g_return_if_fail (days > 0);

  self->worker->journal_days = days;
}

/**
 * cb_store_open_async:
 *
 * Starts the worker, which opens the cache and fills the models with what
 * it holds. Completes once they are filled.
 */
void
cb_store_open_async (CbStore             *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CB_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cb_store_open_async);
  g_task_set_priority (task, POST_PRIORITY);

  if (self->worker->thread != NULL || self->shut_down)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS, "already opened");
      return;
    }

  self->open_task = g_steal_pointer (&task);
  self->worker->thread = g_thread_new ("cb-store", worker_main, self->worker);
}

gboolean
cb_store_open_finish (CbStore       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cb_store_connect (CbStore *self)
{
  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (self->worker->thread != NULL);

  g_main_context_invoke (self->worker->context, worker_do_connect, self->worker);
}

void
cb_store_disconnect (CbStore *self)
{
  g_return_if_fail (CB_IS_STORE (self));

  if (self->worker->thread != NULL)
    g_main_context_invoke (self->worker->context, worker_do_disconnect, self->worker);
}

static gboolean
worker_do_reconnect (gpointer user_data)
{
  Worker *w = user_data;

  if (w->connection != NULL && cb_connection_get_phase (w->connection) == CB_PHASE_FAILED)
    cb_connection_start (w->connection);
  else if (w->connection != NULL)
    cb_connection_drop (w->connection, CB_CLOSE_NORMAL, "reconnect asked by the user");
  else
    worker_do_connect (w);
  return G_SOURCE_REMOVE;
}

void
cb_store_reconnect (CbStore *self)
{
  g_return_if_fail (CB_IS_STORE (self));

  if (self->worker->thread != NULL)
    g_main_context_invoke (self->worker->context, worker_do_reconnect, self->worker);
}

typedef struct
{
  Worker  *w;
  gushort  code;
} Drop;

static gboolean
worker_do_drop (gpointer user_data)
{
  Drop *drop = user_data;

  if (drop->w->connection != NULL)
    cb_connection_drop (drop->w->connection, drop->code, "dropped");
  g_free (drop);
  return G_SOURCE_REMOVE;
}

/* For tests: close the socket with @code; the store resumes after backoff. */
void
cb_store_drop_connection (CbStore *self,
                          gushort  code)
{
  Drop *drop;

  g_return_if_fail (CB_IS_STORE (self));

  drop = g_new0 (Drop, 1);
  drop->w = self->worker;
  drop->code = code;
  g_main_context_invoke (self->worker->context, worker_do_drop, drop);
}

/**
 * cb_store_get_model:
 * @entity_type: "agent", "queue", "call", "campaign", …
 *
 * Returns: (transfer none): the live list of @entity_type, empty until the
 *   backend or the cache has some
 */
CbEntityModel *
cb_store_get_model (CbStore    *self,
                    const char *entity_type)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return ensure_model (self, entity_type);
}

/**
 * cb_store_get_metrics:
 *
 * Returns: (transfer none): the KPI engine, fed with the journal's history
 *   (see #CbStore:history-loaded) and then every change, in the backend's
 *   time zone
 */
CbMetrics *
cb_store_get_metrics (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return self->metrics;
}

gboolean
cb_store_is_history_loaded (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), FALSE);
  return self->history_loaded;
}

/* Returns: (transfer none): the edits the backend has not confirmed (CbPendingEdit) */
GListModel *
cb_store_get_outbox (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return G_LIST_MODEL (self->outbox);
}

/* Returns: (transfer none) (nullable): */
CbEntity *
cb_store_lookup (CbStore    *self,
                 const char *entity_type,
                 const char *id)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return cb_entity_model_lookup (ensure_model (self, entity_type), id);
}

gboolean
cb_store_is_opened (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), FALSE);
  return self->opened;
}

CbConnectionState
cb_store_get_state (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), CB_CONNECTION_OFFLINE);
  return self->state;
}

CbConnectionPhase
cb_store_get_phase (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), CB_PHASE_IDLE);
  return self->phase;
}

CbConnectionFailure
cb_store_get_failure (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), CB_FAILURE_NONE);
  return self->failure;
}

/* Returns: (nullable): what the user should know about the connection, translated */
const char *
cb_store_get_status_message (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return self->status_message;
}

/* Returns: (nullable): what happened to the local cache (moved aside, not writable), translated */
const char *
cb_store_get_cache_message (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return self->cache_message;
}

/* The server instant the data shown is current as of (ms; 0: unknown). */
gint64
cb_store_get_as_of (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), 0);
  if (self->state == CB_CONNECTION_LIVE)
    return cb_store_get_server_now (self);
  return self->as_of;
}

/* Now on the server's clock (§6.4): what durations are measured against. */
gint64
cb_store_get_server_now (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), 0);
  return local_ms () + self->skew_ms;
}

gint64
cb_store_get_skew_ms (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), 0);
  return self->skew_ms;
}

gint64
cb_store_get_last_seq (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), 0);
  return self->last_seq;
}

const char *
cb_store_get_session (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return self->session;
}

guint
cb_store_get_resets (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), 0);
  return self->resets;
}

guint64
cb_store_get_events_applied (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), 0);
  return self->events_applied;
}

guint
cb_store_get_pending_edits (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->outbox));
}

static JsonObject *
welcome_object (CbStore    *self,
                const char *member)
{
  JsonObject *object = NULL;

  if (self->welcome == NULL)
    return NULL;
  cb_json_get_object (self->welcome->object, member, FALSE, &object, NULL);
  return object;
}

/* Returns: (transfer none) (nullable): the signed-in user (`me`, §10.2) */
JsonObject *
cb_store_get_user (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return welcome_object (self, "user");
}

/* Returns: (transfer none) (nullable): welcome.backend: name, version, time_zone, details */
JsonObject *
cb_store_get_backend (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return welcome_object (self, "backend");
}

gboolean
cb_store_has_feature (CbStore    *self,
                      const char *feature)
{
  g_return_val_if_fail (CB_IS_STORE (self), FALSE);
  return self->welcome != NULL && strv_node_contains (self->welcome->object, "features", feature);
}

gboolean
cb_store_has_permission (CbStore    *self,
                         const char *permission)
{
  g_return_val_if_fail (CB_IS_STORE (self), FALSE);
  return strv_node_contains (cb_store_get_user (self), "permissions", permission);
}

/* Returns: (nullable): the last backend_status signal's status ("ok", "degraded", "unavailable") */
const char *
cb_store_get_backend_status (CbStore *self)
{
  g_return_val_if_fail (CB_IS_STORE (self), NULL);
  return self->backend_status;
}

/**
 * cb_store_topic_types:
 *
 * Returns: (transfer none) (nullable): the entity types of @topic (§5.1)
 */
const char * const *
cb_store_topic_types (const char *topic)
{
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    if (g_str_equal (topics[i].topic, topic))
      return topics[i].types;
  return NULL;
}

/**
 * cb_store_digest:
 *
 * Returns: (transfer full): the digest of docs/sim.md over the entities of
 *   @topic the models hold, comparable with the backend's admin digest
 */
char *
cb_store_digest (CbStore    *self,
                 const char *topic)
{
  const char * const *types = cb_store_topic_types (topic);
  CbDigest *digest = cb_digest_new ();

  g_return_val_if_fail (CB_IS_STORE (self), NULL);

  for (guint t = 0; types != NULL && types[t] != NULL; t++)
    {
      CbEntityModel *model = ensure_model (self, types[t]);
      guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

      for (guint i = 0; i < n; i++)
        {
          CbEntity *entity = cb_entity_model_get (model, i);

          cb_digest_add (digest, types[t], cb_entity_get_id (entity), cb_entity_get_rev (entity));
        }
    }
  return cb_digest_end (digest);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/**
 * cb_store_get_stats:
 *
 * What the store has done, for benchmarks and diagnostics: events and
 * batches applied, and how long a batch took from its first event's arrival
 * to the models (percentiles over the last batches).
 */
void
cb_store_get_stats (CbStore      *self,
                    CbStoreStats *stats)
{
  g_autoptr(GArray) sorted = NULL;

  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (stats != NULL);

  memset (stats, 0, sizeof *stats);
  stats->events = self->events_applied;
  stats->batches = self->batches;
  stats->writes_pending = (guint) MAX (0, g_atomic_int_get (&self->worker->writes_pending));
  if (self->latencies->len == 0)
    return;
  sorted = g_array_copy (self->latencies);
  g_array_sort (sorted, compare_int64);
  stats->latency_p50_us = g_array_index (sorted, gint64, sorted->len / 2);
  stats->latency_p99_us = g_array_index (sorted, gint64, MIN (sorted->len - 1, sorted->len * 99 / 100));
  stats->latency_max_us = g_array_index (sorted, gint64, sorted->len - 1);
}

/* Starts the latency percentiles and batch count afresh. */
void
cb_store_reset_stats (CbStore *self)
{
  g_return_if_fail (CB_IS_STORE (self));

  g_array_set_size (self->latencies, 0);
  self->batches = 0;
}

typedef struct
{
  Worker    *w;
  GPtrArray *frames;
} Injection;

static gboolean
worker_do_inject (gpointer user_data)
{
  Injection *injection = user_data;
  Worker *w = injection->w;
  for (guint i = 0; i < injection->frames->len; i++)
    {
      GBytes *frame = g_ptr_array_index (injection->frames, i);
      gsize length;
      const char *text = g_bytes_get_data (frame, &length);

      if (w->connection == NULL || cb_connection_get_phase (w->connection) != CB_PHASE_READY)
        break;
      cb_connection_receive_text (w->connection, text, length);
    }
  g_ptr_array_unref (injection->frames);
  g_free (injection);
  return G_SOURCE_REMOVE;
}

/**
 * cb_store_inject_frames:
 * @frames: (element-type GBytes): text frames, as a backend would send them
 *
 * Hands @frames to the connection on the worker as if they had arrived on
 * its socket. For benchmarks of everything after the socket; the store must
 * be connected.
 */
void
cb_store_inject_frames (CbStore   *self,
                        GPtrArray *frames)
{
  Injection *injection;

  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (frames != NULL);

  injection = g_new0 (Injection, 1);
  injection->w = self->worker;
  injection->frames = g_ptr_array_ref (frames);
  g_main_context_invoke (self->worker->context, worker_do_inject, injection);
}

static gboolean
worker_do_request (gpointer user_data)
{
  WorkerRequest *request = user_data;

  worker_send_request (g_task_get_task_data (request->task), request);
  return G_SOURCE_REMOVE;
}

/**
 * cb_store_request_async:
 * @data: (nullable): the request's data
 *
 * Sends a request (§8) on the worker. Completes with the response when it
 * is `ok`; a refusal is a #CB_REQUEST_ERROR with the backend's code.
 * Configuration edits go through cb_store_edit_async() instead.
 */
void
cb_store_request_async (CbStore             *self,
                        const char          *op,
                        JsonObject          *data,
                        CbRequestKind        kind,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  WorkerRequest *request;

  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (op != NULL);

  request = g_new0 (WorkerRequest, 1);
  request->op = g_strdup (op);
  request->data = data ? object_to_text (data) : NULL;
  request->kind = kind;
  if (kind == CB_REQUEST_LIVE)
    request->idem = g_uuid_string_random ();
  request->deadline_us = g_get_monotonic_time () + LIVE_RETRY_WINDOW_US;
  request->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (request->task, cb_store_request_async);
  g_task_set_priority (request->task, POST_PRIORITY);
  g_task_set_task_data (request->task, self->worker, NULL);

  if (self->worker->thread == NULL || self->shut_down)
    {
      g_task_return_new_error (request->task, CB_REQUEST_ERROR, CB_ERROR_BACKEND_UNAVAILABLE, "%s",
                               _("The console is not connected to the backend."));
      worker_request_free (request);
      return;
    }
  g_main_context_invoke (self->worker->context, worker_do_request, request);
}

/* Returns: (transfer full): the response */
CbMessage *
cb_store_request_finish (CbStore       *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
worker_do_edit (gpointer user_data)
{
  EditRequest *request = user_data;

  worker_edit (g_task_get_task_data (request->task), request);
  edit_request_free (request);
  return G_SOURCE_REMOVE;
}

/**
 * cb_store_edit_async:
 * @op: a configuration op (`campaign.update`, `rule_set.create`, …)
 * @entity_type: (nullable): the type of the entity edited
 * @entity_id: (nullable): its id (%NULL for a create)
 * @data: the request's data (`{id, set}` for an update)
 * @if_rev: the rev the user edited, or 0 for a create
 *
 * Keeps the edit in the outbox, and sends it at once when connected.
 * Completes with the backend's response, or — offline — as soon as the
 * edit is safely stored (`queued`); it is then sent in order on the next
 * connection. A conflict completes with %CB_ERROR_CONFLICT and the edit
 * stays in the outbox with both versions (#CbStore::conflict).
 */
void
cb_store_edit_async (CbStore             *self,
                     const char          *op,
                     const char          *entity_type,
                     const char          *entity_id,
                     JsonObject          *data,
                     gint64               if_rev,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  EditRequest *request;
  CbEntity *base = NULL;

  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (op != NULL && data != NULL);

  request = g_new0 (EditRequest, 1);
  request->op = g_strdup (op);
  request->entity_type = g_strdup (entity_type);
  request->entity_id = g_strdup (entity_id);
  request->data = object_to_text (data);
  request->if_rev = if_rev;
  /* What the user started from, if the model still shows that rev. */
  if (entity_type != NULL && entity_id != NULL)
    base = cb_store_lookup (self, entity_type, entity_id);
  if (base != NULL && cb_entity_get_rev (base) == if_rev)
    request->base = cb_json_value_to_string (cb_entity_get_state (base));
  request->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (request->task, cb_store_edit_async);
  g_task_set_priority (request->task, POST_PRIORITY);
  g_task_set_task_data (request->task, self->worker, NULL);

  if (self->worker->thread == NULL || self->shut_down)
    {
      g_task_return_new_error (request->task, CB_REQUEST_ERROR, CB_ERROR_INTERNAL, "%s",
                               _("The local cache is not open."));
      edit_request_free (request);
      return;
    }
  g_main_context_invoke (self->worker->context, worker_do_edit, request);
}

/**
 * cb_store_edit_finish:
 * @queued: (out) (optional): whether the edit was kept for later
 *
 * Returns: (transfer full) (nullable): the response, or %NULL without an
 *   error when the edit was queued
 */
CbMessage *
cb_store_edit_finish (CbStore       *self,
                      GAsyncResult  *result,
                      gboolean      *queued,
                      GError       **error)
{
  EditResult *outcome;
  CbMessage *response;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (queued)
    *queued = FALSE;
  outcome = g_task_propagate_pointer (G_TASK (result), error);
  if (outcome == NULL)
    return NULL;
  if (queued)
    *queued = outcome->queued;
  response = g_steal_pointer (&outcome->response);
  edit_result_free (outcome);
  return response;
}

static gboolean
worker_do_resolve (gpointer user_data)
{
  EditRequest *request = user_data;

  worker_resolve (g_task_get_task_data (request->task), request);
  edit_request_free (request);
  return G_SOURCE_REMOVE;
}

/**
 * cb_store_resolve_edit:
 * @merged: (nullable): for %CB_RESOLVE_MERGE, the fields to set
 *
 * Settles a conflicting (or failed) edit as the user chose.
 */
void
cb_store_resolve_edit (CbStore       *self,
                       CbPendingEdit *edit,
                       CbResolution   resolution,
                       JsonObject    *merged)
{
  EditRequest *request;

  g_return_if_fail (CB_IS_STORE (self));
  g_return_if_fail (CB_IS_PENDING_EDIT (edit));
  g_return_if_fail (resolution != CB_RESOLVE_MERGE || merged != NULL);

  if (self->worker->thread == NULL || self->shut_down)
    return;

  request = g_new0 (EditRequest, 1);
  request->id = cb_pending_edit_get_id (edit);
  request->resolution = resolution;
  request->merged = merged ? object_to_text (merged) : NULL;
  request->task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_task_data (request->task, self->worker, NULL);
  g_task_return_boolean (request->task, TRUE);
  g_main_context_invoke (self->worker->context, worker_do_resolve, request);
}

typedef struct
{
  gint64  from, to;
  GTask  *task;
} JournalRead;

static void
on_journal_row (gint64      seq,
                gint64      ts,
                const char *topic,
                int         kind,
                const char *type,
                const char *id,
                gint64      rev,
                const char *body,
                gsize       length,
                gpointer    user_data)
{
  GPtrArray *events = user_data;
  CbMessage *m = body ? cb_message_decode (body, length, G_MAXSIZE, NULL) : NULL;

  if (m != NULL && m->type == CB_MESSAGE_EVENT)
    g_ptr_array_add (events, m);
  else if (m != NULL)
    cb_message_unref (m);
}

static gboolean
worker_do_read_journal (gpointer user_data)
{
  JournalRead *read = user_data;
  Worker *w = g_task_get_task_data (read->task);
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&w->cache_lock);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_message_unref);
  g_autoptr(GError) error = NULL;

  if (w->cache == NULL)
    g_task_return_new_error (read->task, CB_CACHE_ERROR, CB_CACHE_ERROR_OPEN, "%s",
                             _("The local cache is not open."));
  else if (!cb_cache_foreach_journal (w->cache, read->from, read->to, on_journal_row, events, &error))
    g_task_return_error (read->task, g_steal_pointer (&error));
  else
    g_task_return_pointer (read->task, g_steal_pointer (&events), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (read->task);
  g_free (read);
  return G_SOURCE_REMOVE;
}

/**
 * cb_store_read_journal_async:
 *
 * Reads the events journaled with `ts` in [@from_ts, @to_ts), in order, on
 * the worker — what metrics recompute a window from.
 */
void
cb_store_read_journal_async (CbStore             *self,
                             gint64               from_ts,
                             gint64               to_ts,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  JournalRead *read;

  g_return_if_fail (CB_IS_STORE (self));

  read = g_new0 (JournalRead, 1);
  read->from = from_ts;
  read->to = to_ts;
  read->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (read->task, cb_store_read_journal_async);
  g_task_set_priority (read->task, POST_PRIORITY);
  g_task_set_task_data (read->task, self->worker, NULL);
  if (self->worker->thread == NULL || self->shut_down)
    {
      g_task_return_new_error (read->task, CB_CACHE_ERROR, CB_CACHE_ERROR_OPEN, "%s",
                               _("The local cache is not open."));
      g_object_unref (read->task);
      g_free (read);
      return;
    }
  g_main_context_invoke (self->worker->context, worker_do_read_journal, read);
}

/* Returns: (transfer full) (element-type CbMessage): the events */
GPtrArray *
cb_store_read_journal_finish (CbStore       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * cb_describe_request_error:
 *
 * Returns: (transfer full): a sentence for the user about a refused or
 *   failed request, translated by code (§8.3), with the backend's words
 */
char *
cb_describe_request_error (const GError *error)
{
  const char *what;

  if (error->domain != CB_REQUEST_ERROR)
    return g_strdup (error->message);

  switch ((CbErrorCode) error->code)
    {
    case CB_ERROR_BAD_REQUEST:
      what = _("The backend did not accept the request.");
      break;
    case CB_ERROR_UNAUTHENTICATED:
      what = _("The token is no longer valid.");
      break;
    case CB_ERROR_FORBIDDEN:
      what = _("You do not have permission to do this.");
      break;
    case CB_ERROR_NOT_FOUND:
      what = _("It no longer exists on the backend.");
      break;
    case CB_ERROR_CONFLICT:
      what = _("Someone else changed it meanwhile; your edit was kept so you can compare.");
      break;
    case CB_ERROR_INVALID_STATE:
      what = _("It is not possible in the current state.");
      break;
    case CB_ERROR_COMPLIANCE_BLOCKED:
      what = _("A compliance rule does not allow it.");
      break;
    case CB_ERROR_RATE_LIMITED:
      what = _("Too many requests; try again in a moment.");
      break;
    case CB_ERROR_UNSUPPORTED:
      what = _("This backend does not support it.");
      break;
    case CB_ERROR_BACKEND_UNAVAILABLE:
      return g_strdup (error->message);
    case CB_ERROR_TIMEOUT:
      what = _("The backend did not answer in time; the outcome is unknown.");
      break;
    case CB_ERROR_INTERNAL:
    case CB_ERROR_UNKNOWN:
    default:
      what = _("The backend failed to carry it out.");
      break;
    }
  /* Translators: a sentence saying what went wrong, then the backend's own words */
  return g_strdup_printf (_("%s (%s)"), what, error->message);
}
