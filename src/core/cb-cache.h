/* cb-cache.h — the local SQLite cache of one backend profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CB_CACHE_ERROR (cb_cache_error_quark ())

typedef enum
{
  CB_CACHE_ERROR_OPEN,       /* the file cannot be opened or created at all */
  CB_CACHE_ERROR_IO,         /* a read or write failed (disk full, …) */
} CbCacheError;

/* The schema this build writes (PRAGMA user_version). */
#define CB_CACHE_SCHEMA_VERSION 1

/**
 * CbCacheRecovery:
 * @CB_CACHE_OK: the cache was opened as it was (or created new)
 * @CB_CACHE_RECOVERED_CORRUPT: the file was damaged; it was moved aside and
 *   a new, empty cache created
 * @CB_CACHE_RECOVERED_NEWER: the file was written by a newer Callboard; it
 *   was moved aside and a new cache created
 */
typedef enum
{
  CB_CACHE_OK,
  CB_CACHE_RECOVERED_CORRUPT,
  CB_CACHE_RECOVERED_NEWER,
} CbCacheRecovery;

typedef enum
{
  CB_OUTBOX_PENDING,         /* waiting to be sent */
  CB_OUTBOX_CONFLICT,        /* the backend's entity changed meanwhile: the user decides */
  CB_OUTBOX_FAILED,          /* refused for a reason retrying cannot fix */
} CbOutboxState;

typedef struct _CbCache CbCache;

/* An entity's @body is the frame it came in, or NULL when it came in a
 * snapshot: then it is item @item of snapshot part @part. */
typedef void (*CbCacheEntityFunc)  (const char *type,
                                    const char *id,
                                    const char *topic,
                                    gint64      rev,
                                    const char *body,
                                    gsize       length,
                                    gint64      part,
                                    int         item,
                                    gpointer    user_data);

typedef void (*CbCacheJournalFunc) (gint64      seq,
                                    gint64      ts,
                                    const char *topic,
                                    int         kind,
                                    const char *type,
                                    const char *id,
                                    gint64      rev,
                                    const char *body,
                                    gsize       length,
                                    gpointer    user_data);

typedef struct
{
  gint64         id;
  char          *op;
  char          *data;       /* JSON text of the request's data */
  gint64         if_rev;     /* 0: none */
  char          *entity_type;
  char          *entity_id;
  char          *idem;
  gint64         created_at; /* local ms */
  CbOutboxState  state;
  char          *error;      /* the backend's message, when not pending */
  char          *current;    /* JSON text of the backend's entity, on conflict */
  char          *base;       /* JSON text of the entity as the user saw it when editing */
} CbOutboxItem;

GQuark           cb_cache_error_quark        (void);
CbCache         *cb_cache_open               (const char         *path,
                                              CbCacheRecovery    *recovery,
                                              char              **moved_to,
                                              GError            **error);
void             cb_cache_close              (CbCache            *self);
const char      *cb_cache_get_path           (CbCache            *self);

/* Sync state: the cursor of docs/protocol.md §4.2 and the topics whose
 * snapshot is complete in that session (§5.3, client rule 1). */
gboolean         cb_cache_get_cursor         (CbCache            *self,
                                              char              **session,
                                              char              **epoch,
                                              gint64             *last_seq);
gint64           cb_cache_get_synced_at      (CbCache            *self);
GStrv            cb_cache_get_complete_topics (CbCache           *self,
                                              const char         *session);
char            *cb_cache_get_meta           (CbCache            *self,
                                              const char         *key);

gboolean         cb_cache_foreach_entity     (CbCache            *self,
                                              CbCacheEntityFunc   func,
                                              gpointer            user_data,
                                              GError            **error);
gboolean         cb_cache_foreach_journal    (CbCache            *self,
                                              gint64              from_ts,
                                              gint64              to_ts,
                                              CbCacheJournalFunc  func,
                                              gpointer            user_data,
                                              GError            **error);
gboolean         cb_cache_foreach_history    (CbCache            *self,
                                              gint64              calls_since,
                                              gint64              others_since,
                                              CbCacheJournalFunc  func,
                                              gpointer            user_data,
                                              GError            **error);
gint64           cb_cache_count_journal      (CbCache            *self);

/* One batch: everything between begin and commit is one transaction. */
gboolean         cb_cache_begin              (CbCache            *self,
                                              GError            **error);
gboolean         cb_cache_commit             (CbCache            *self,
                                              GError            **error);
void             cb_cache_rollback           (CbCache            *self);
gboolean         cb_cache_put                (CbCache            *self,
                                              const char         *type,
                                              const char         *id,
                                              const char         *topic,
                                              gint64              rev,
                                              const char         *body,
                                              gsize               length,
                                              GError            **error);
gint64           cb_cache_put_part           (CbCache            *self,
                                              const char         *body,
                                              gsize               length,
                                              GError            **error);
gboolean         cb_cache_put_item           (CbCache            *self,
                                              const char         *type,
                                              const char         *id,
                                              const char         *topic,
                                              gint64              rev,
                                              gint64              part,
                                              int                 item,
                                              GError            **error);
char            *cb_cache_get_part           (CbCache            *self,
                                              gint64              part,
                                              gsize              *length);
gboolean         cb_cache_drop_unused_parts  (CbCache            *self,
                                              GError            **error);
gboolean         cb_cache_remove             (CbCache            *self,
                                              const char         *type,
                                              const char         *id,
                                              GError            **error);
gboolean         cb_cache_journal            (CbCache            *self,
                                              gint64              seq,
                                              gint64              ts,
                                              const char         *topic,
                                              int                 kind,
                                              const char         *type,
                                              const char         *id,
                                              gint64              rev,
                                              const char         *body,
                                              gsize               length,
                                              gint64             *row,
                                              GError            **error);
gboolean         cb_cache_put_journaled      (CbCache            *self,
                                              const char         *type,
                                              const char         *id,
                                              const char         *topic,
                                              gint64              rev,
                                              gint64              row,
                                              GError            **error);
gboolean         cb_cache_set_cursor         (CbCache            *self,
                                              const char         *session,
                                              const char         *epoch,
                                              gint64              last_seq,
                                              GError            **error);
gboolean         cb_cache_set_synced_at      (CbCache            *self,
                                              gint64              server_ms,
                                              GError            **error);
gboolean         cb_cache_set_topic_complete (CbCache            *self,
                                              const char         *topic,
                                              const char         *session,
                                              gboolean            complete,
                                              GError            **error);
gboolean         cb_cache_set_meta           (CbCache            *self,
                                              const char         *key,
                                              const char         *value,
                                              GError            **error);
gint64           cb_cache_trim_journal       (CbCache            *self,
                                              gint64              before_ts,
                                              GError            **error);
gboolean         cb_cache_integrity_ok       (CbCache            *self);

/* The offline outbox (each call is its own transaction). */
gint64           cb_cache_outbox_add         (CbCache            *self,
                                              const CbOutboxItem *item,
                                              GError            **error);
gboolean         cb_cache_outbox_update      (CbCache            *self,
                                              gint64              id,
                                              CbOutboxState       state,
                                              const char         *error_text,
                                              const char         *current,
                                              GError            **error);
gboolean         cb_cache_outbox_set_data    (CbCache            *self,
                                              gint64              id,
                                              const char         *data,
                                              gint64              if_rev,
                                              const char         *idem,
                                              GError            **error);
gboolean         cb_cache_outbox_remove      (CbCache            *self,
                                              gint64              id,
                                              GError            **error);
GPtrArray       *cb_cache_outbox_list        (CbCache            *self,
                                              GError            **error);

CbOutboxItem    *cb_outbox_item_copy         (const CbOutboxItem *item);
void             cb_outbox_item_free         (CbOutboxItem       *item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbOutboxItem, cb_outbox_item_free)

G_END_DECLS
