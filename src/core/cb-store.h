/* cb-store.h — the console's synchronized view of one backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cb-connection.h"
#include "cb-core-types.h"
#include "cb-entity-model.h"
#include "cb-metrics.h"
#include "cb-pending-edit.h"

G_BEGIN_DECLS

/**
 * CbRequestKind:
 * @CB_REQUEST_READ: a read (ping, *.query, *.get): sent only when connected
 * @CB_REQUEST_LIVE: a live command (agent.set_state, monitor.*, campaign.start):
 *   carries an idempotency key, is refused while offline, and is sent again
 *   with the same key after a reconnect if its outcome was lost
 */
typedef enum
{
  CB_REQUEST_READ,
  CB_REQUEST_LIVE,
} CbRequestKind;

typedef enum
{
  CB_RESOLVE_KEEP_MINE,    /* send my edit again, over the backend's current rev */
  CB_RESOLVE_TAKE_THEIRS,  /* drop my edit */
  CB_RESOLVE_MERGE,        /* send the merged fields given, over the current rev */
} CbResolution;

typedef struct
{
  guint64 events;
  guint64 batches;
  gint64  latency_p50_us;
  gint64  latency_p99_us;
  gint64  latency_max_us;
  guint   writes_pending;   /* batches the cache has still to write */
} CbStoreStats;

#define CB_TYPE_STORE (cb_store_get_type ())
G_DECLARE_FINAL_TYPE (CbStore, cb_store, CB, STORE, GObject)

CbStore           *cb_store_new                 (const char          *cache_path);
char              *cb_store_default_cache_path  (const char          *profile_id);
void               cb_store_set_backend         (CbStore             *self,
                                                 const char          *url,
                                                 const char          *token,
                                                 GTlsCertificate     *trusted);
void               cb_store_set_topics          (CbStore             *self,
                                                 const char * const  *topics);
void               cb_store_set_backoff         (CbStore             *self,
                                                 guint                initial_ms,
                                                 guint                max_ms);
void               cb_store_set_journal_days    (CbStore             *self,
                                                 guint                days);
void               cb_store_set_forward_events  (CbStore             *self,
                                                 gboolean             forward);
void               cb_store_open_async          (CbStore             *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean           cb_store_open_finish         (CbStore             *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
void               cb_store_connect             (CbStore             *self);
void               cb_store_disconnect          (CbStore             *self);
void               cb_store_reconnect           (CbStore             *self);
void               cb_store_drop_connection     (CbStore             *self,
                                                 gushort              code);
void               cb_store_shutdown            (CbStore             *self);

CbEntityModel     *cb_store_get_model           (CbStore             *self,
                                                 const char          *entity_type);
GListModel        *cb_store_get_outbox          (CbStore             *self);
CbMetrics         *cb_store_get_metrics         (CbStore             *self);
gboolean           cb_store_is_history_loaded   (CbStore             *self);
CbEntity          *cb_store_lookup              (CbStore             *self,
                                                 const char          *entity_type,
                                                 const char          *id);

gboolean           cb_store_is_opened           (CbStore             *self);
CbConnectionState  cb_store_get_state           (CbStore             *self);
CbConnectionPhase  cb_store_get_phase           (CbStore             *self);
CbConnectionFailure cb_store_get_failure        (CbStore             *self);
const char        *cb_store_get_status_message  (CbStore             *self);
const char        *cb_store_get_cache_message   (CbStore             *self);
gint64             cb_store_get_as_of           (CbStore             *self);
gint64             cb_store_get_server_now      (CbStore             *self);
gint64             cb_store_get_skew_ms         (CbStore             *self);
gint64             cb_store_get_last_seq        (CbStore             *self);
const char        *cb_store_get_session         (CbStore             *self);
guint              cb_store_get_resets          (CbStore             *self);
guint64            cb_store_get_events_applied  (CbStore             *self);
guint              cb_store_get_pending_edits   (CbStore             *self);
JsonObject        *cb_store_get_user            (CbStore             *self);
JsonObject        *cb_store_get_backend         (CbStore             *self);
gboolean           cb_store_has_feature         (CbStore             *self,
                                                 const char          *feature);
gboolean           cb_store_has_permission      (CbStore             *self,
                                                 const char          *permission);
const char        *cb_store_get_backend_status  (CbStore             *self);
char              *cb_store_digest              (CbStore             *self,
                                                 const char          *topic);
const char * const *cb_store_topic_types        (const char          *topic);

void               cb_store_request_async       (CbStore             *self,
                                                 const char          *op,
                                                 JsonObject          *data,
                                                 CbRequestKind        kind,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
CbMessage         *cb_store_request_finish      (CbStore             *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
void               cb_store_edit_async          (CbStore             *self,
                                                 const char          *op,
                                                 const char          *entity_type,
                                                 const char          *entity_id,
                                                 JsonObject          *data,
                                                 gint64               if_rev,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
CbMessage         *cb_store_edit_finish         (CbStore             *self,
                                                 GAsyncResult        *result,
                                                 gboolean            *queued,
                                                 GError             **error);
void               cb_store_resolve_edit        (CbStore             *self,
                                                 CbPendingEdit       *edit,
                                                 CbResolution         resolution,
                                                 JsonObject          *merged);

void               cb_store_read_journal_async  (CbStore             *self,
                                                 gint64               from_ts,
                                                 gint64               to_ts,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GPtrArray         *cb_store_read_journal_finish (CbStore             *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

void               cb_store_get_stats           (CbStore             *self,
                                                 CbStoreStats        *stats);
void               cb_store_reset_stats         (CbStore             *self);
void               cb_store_inject_frames       (CbStore             *self,
                                                 GPtrArray           *frames);

char              *cb_describe_request_error    (const GError        *error);

G_END_DECLS
