/* cb-test-view.h — what a console holds, for tests against a backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-message.h"

G_BEGIN_DECLS

typedef struct
{
  GHashTable *held;          /* "type\tid" → Held */
  GHashTable *snapshots;     /* topic → snapshot id in progress */
  GPtrArray  *buffered;      /* events of topics whose snapshot is in progress */
  guint       events;
  guint       resets;
  guint       snapshot_parts;
  gsize       largest_part;
} CbTestView;

CbTestView *cb_test_view_new             (void);
void        cb_test_view_free            (CbTestView *view);
void        cb_test_view_expect_snapshot (CbTestView *view,
                                          const char *topic);
void        cb_test_view_handle          (CbTestView *view,
                                          CbMessage  *message);
gboolean    cb_test_view_is_synced       (CbTestView *view);
guint       cb_test_view_count           (CbTestView *view,
                                          const char *type);
gboolean    cb_test_view_holds           (CbTestView *view,
                                          const char *type,
                                          const char *id);
char       *cb_test_view_digest          (CbTestView *view,
                                          const char *type);

/* The outcome of a request to a backend, for tests that wait for it. */
typedef struct
{
  CbMessage *response;
  GError    *error;
  gboolean   done;
} CbTestReply;

void        cb_test_reply_done           (GObject      *object,
                                          GAsyncResult *result,
                                          gpointer      reply);
void        cb_test_reply_wait           (CbTestReply  *reply);

void        cb_test_release_connection   (gpointer      connection);

/* A callboard-sim program started for a test, with an admin user. */
#define CB_TEST_ADMIN_TOKEN "test-admin-token-0123456789abcdef"

typedef struct
{
  GSubprocess *process;
  char        *url;
  char        *admin_url;
  char        *epoch;
} CbTestSim;

CbTestSim  *cb_test_sim_start            (const char   *first_option,
                                          ...) G_GNUC_NULL_TERMINATED;
void        cb_test_sim_clock            (CbTestSim    *sim,
                                          gboolean      run);
JsonObject *cb_test_sim_digest           (CbTestSim    *sim);
const char *cb_test_sim_topic_digest     (JsonObject   *digest,
                                          const char   *topic,
                                          gint64       *count);
void        cb_test_sim_stop             (CbTestSim    *sim);

typedef gboolean (*CbTestCondition) (gpointer data);

void        cb_test_spin                 (guint            ms);
void        cb_test_wait                 (CbTestCondition  condition,
                                          gpointer         data,
                                          guint            timeout_ms);

char       *cb_test_mutate               (GRand           *rand,
                                          const char      *text,
                                          guint            edits,
                                          const char      *overwrite_with,
                                          const char      *insert,
                                          gsize           *length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbTestView, cb_test_view_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbTestSim, cb_test_sim_stop)

G_END_DECLS
