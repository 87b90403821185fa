/* cb-sim-state.h — the entities the reference backend publishes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _CbSimState CbSimState;

typedef enum
{
  CB_SIM_STATE_UPSERT,
  CB_SIM_STATE_DELETE,
} CbSimStateChange;

typedef struct
{
  const char *topic;
  const char *type;
  const char *id;
  gint64      rev;
  gint64      ts;
  JsonObject *data;     /* the whole entity, with id and rev; NULL once deleted */
} CbSimEntity;

typedef void (*CbSimStateListener) (CbSimState        *state,
                                    CbSimStateChange        change,
                                    const CbSimEntity *entity,
                                    gpointer           user_data);

CbSimState        *cb_sim_state_new           (void);
void               cb_sim_state_free          (CbSimState         *state);
void               cb_sim_state_set_listener  (CbSimState         *state,
                                               CbSimStateListener  listener,
                                               gpointer            user_data);
gint64             cb_sim_state_upsert        (CbSimState         *state,
                                               const char         *topic,
                                               const char         *type,
                                               const char         *id,
                                               JsonObject         *data,
                                               gint64              ts);
gint64             cb_sim_state_upsert_at_rev (CbSimState       *state,
                                               const char         *topic,
                                               const char         *type,
                                               const char         *id,
                                               JsonObject         *data,
                                               gint64              ts,
                                               gint64              rev);
gboolean           cb_sim_state_delete        (CbSimState         *state,
                                               const char         *type,
                                               const char         *id,
                                               gint64              ts);
const CbSimEntity *cb_sim_state_lookup        (CbSimState         *state,
                                               const char         *type,
                                               const char         *id);
GPtrArray         *cb_sim_state_list          (CbSimState         *state,
                                               const char         *topic);
guint              cb_sim_state_count         (CbSimState         *state,
                                               const char         *topic);
char              *cb_sim_state_digest        (CbSimState         *state,
                                               const char         *topic);
void               cb_sim_state_clear         (CbSimState         *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSimState, cb_sim_state_free)

G_END_DECLS
