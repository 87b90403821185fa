/* cb-sim-server.h — the reference backend's protocol server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "cb-message.h"
#include "cb-sim-state.h"
#include "cb-sim-users.h"

G_BEGIN_DECLS

#define CB_TYPE_SIM_SERVER (cb_sim_server_get_type ())
G_DECLARE_FINAL_TYPE (CbSimServer, cb_sim_server, CB, SIM_SERVER, GObject)

/**
 * CbSimFaults:
 *
 * Faults the server injects on purpose, so that clients and the
 * conformance tool can be tested against a misbehaving backend.
 */
typedef struct
{
  guint drop_every_s;        /* cut every connection (no close frame) every N s */
  guint skip_seq_every;      /* skip a seq every N events */
  guint duplicate_every;     /* send an event twice every N events */
  guint reorder_every;       /* swap two events every N events */
  guint oversize_every;      /* send a message over the client's limit every N events */
  guint stall_after_s;       /* stop sending anything N s after welcome */
  guint expire_token_after_s;/* close with 4401 N s after welcome */
  guint new_epoch_every_s;   /* restart the event log every N s */
  guint media_skip_seq_every;/* media sockets: skip a frame's seq every N frames */
  guint drift_every;         /* every N upserts, data unlike the entity at that rev */
  guint no_coalesce_hz;      /* re-publish every queue's stats N times a second */
  gboolean resume_too_old;   /* resume a cursor older than the buffer, replaying what is left */
} CbSimFaults;

/**
 * CbSimOpFunc:
 * @data: the request's data object (never %NULL)
 * @result: (out): the result object on success
 *
 * Carries out one op for @user. Returns %TRUE with @result set, or %FALSE
 * with @error in the CB_REQUEST_ERROR domain (the code is a CbErrorCode).
 * Changes to the state made here are sent before the response.
 */
typedef gboolean (*CbSimOpFunc) (CbSimServer      *server,
                                 const CbSimUser  *user,
                                 JsonObject       *data,
                                 JsonNode        **result,
                                 GError          **error,
                                 gpointer          user_data);

/**
 * CbSimClockFunc:
 * @run: whether simulated time should advance
 *
 * Called by POST /admin/clock, so that tests can freeze the contact center
 * and compare a console's view with the truth at one instant.
 */
typedef void (*CbSimClockFunc) (gboolean run,
                                gpointer user_data);

CbSimServer *cb_sim_server_new               (CbSimState        *state,
                                              CbSimUsers        *users,
                                              const char        *backend_name,
                                              const char        *time_zone);
void         cb_sim_server_set_heartbeat     (CbSimServer       *self,
                                              guint              heartbeat_ms);
void         cb_sim_server_set_replay        (CbSimServer       *self,
                                              guint              events,
                                              guint              seconds);
void         cb_sim_server_set_faults        (CbSimServer       *self,
                                              const CbSimFaults *faults);
void         cb_sim_server_set_time_zone     (CbSimServer       *self,
                                              const char        *time_zone);
void         cb_sim_server_set_details       (CbSimServer       *self,
                                              const char        *details);
void         cb_sim_server_set_clock_func    (CbSimServer       *self,
                                              CbSimClockFunc     func,
                                              gpointer           user_data);
void         cb_sim_server_add_op            (CbSimServer       *self,
                                              const char        *op,
                                              const char        *permission,
                                              gboolean           live,
                                              CbSimOpFunc        func,
                                              gpointer           user_data);
void         cb_sim_server_add_feature       (CbSimServer       *self,
                                              const char        *feature);
gint64       cb_sim_server_get_request_if_rev (CbSimServer      *self);
void         cb_sim_server_set_error_extra   (CbSimServer       *self,
                                              JsonNode          *details,
                                              JsonNode          *current);
gboolean     cb_sim_server_fail_op           (CbSimServer       *self,
                                              GError           **error,
                                              CbErrorCode        code,
                                              const char        *key,
                                              const char        *value,
                                              const char        *message);
gboolean     cb_sim_server_listen            (CbSimServer       *self,
                                              const char        *host,
                                              guint              port,
                                              GTlsCertificate   *certificate,
                                              GError           **error);
char        *cb_sim_server_get_url           (CbSimServer       *self);
char        *cb_sim_server_get_admin_url     (CbSimServer       *self);
const char  *cb_sim_server_get_epoch         (CbSimServer       *self);
void         cb_sim_server_new_epoch         (CbSimServer       *self);
guint        cb_sim_server_get_n_sessions    (CbSimServer       *self);
void         cb_sim_server_shutdown          (CbSimServer       *self);
void         cb_sim_server_add_http_handler  (CbSimServer       *self,
                                              const char        *path,
                                              SoupServerCallback callback,
                                              gpointer           user_data);
void         cb_sim_server_add_websocket_handler (CbSimServer *self,
                                              const char        *path,
                                              const char        *protocol,
                                              SoupServerCallback early,
                                              SoupServerWebsocketCallback callback,
                                              gpointer           user_data);
CbSimUsers  *cb_sim_server_get_users         (CbSimServer       *self);
const CbSimFaults *cb_sim_server_get_faults  (CbSimServer       *self);
char        *cb_sim_server_get_base_url      (CbSimServer       *self,
                                              const char        *scheme);

G_END_DECLS
