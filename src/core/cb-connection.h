/* cb-connection.h — one websocket session with a backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cb-message.h"

G_BEGIN_DECLS

/**
 * CbConnectionPhase:
 * @CB_PHASE_IDLE: not started, or stopped
 * @CB_PHASE_CONNECTING: opening the socket
 * @CB_PHASE_HANDSHAKE: sent hello, waiting for welcome
 * @CB_PHASE_READY: welcomed; messages flow
 * @CB_PHASE_BACKOFF: lost; waiting before the next attempt
 * @CB_PHASE_FAILED: stopped for a reason retrying cannot fix (token,
 *   version, permission, session taken over); see #CbConnection:failure
 */
typedef enum
{
  CB_PHASE_IDLE,
  CB_PHASE_CONNECTING,
  CB_PHASE_HANDSHAKE,
  CB_PHASE_READY,
  CB_PHASE_BACKOFF,
  CB_PHASE_FAILED,
} CbConnectionPhase;

/**
 * CbConnectionFailure:
 *
 * Why a connection gave up (phase %CB_PHASE_FAILED), so the UI can say
 * what to do: ask for a new token, explain the version mismatch, …
 */
typedef enum
{
  CB_FAILURE_NONE,
  CB_FAILURE_TOKEN,          /* 4401 or HTTP 401: the token is wrong or expired */
  CB_FAILURE_FORBIDDEN,      /* 4403: this user may not use this console */
  CB_FAILURE_VERSION,        /* 4406 or no common subprotocol */
  CB_FAILURE_TAKEN_OVER,     /* 4409: another console resumed this session */
  CB_FAILURE_TOO_BIG,        /* two 1009 closes within 60 s */
  CB_FAILURE_PROTOCOL,       /* three 4000 closes within 5 minutes: a bug on one side */
  CB_FAILURE_BAD_URL,
  CB_FAILURE_CERTIFICATE,    /* the TLS certificate is not trusted */
} CbConnectionFailure;

#define CB_TYPE_CONNECTION (cb_connection_get_type ())
G_DECLARE_FINAL_TYPE (CbConnection, cb_connection, CB, CONNECTION, GObject)

CbConnection       *cb_connection_new               (const char           *url,
                                                     const char           *token);
void                cb_connection_set_client        (CbConnection         *self,
                                                     const char           *name,
                                                     const char           *version);
void                cb_connection_set_trusted_certificate (CbConnection   *self,
                                                     GTlsCertificate      *certificate);
void                cb_connection_set_resume        (CbConnection         *self,
                                                     const char           *session,
                                                     const char           *epoch,
                                                     gint64                last_seq);
void                cb_connection_set_backoff       (CbConnection         *self,
                                                     guint                 initial_ms,
                                                     guint                 max_ms);
void                cb_connection_start             (CbConnection         *self);
void                cb_connection_stop              (CbConnection         *self);
void                cb_connection_drop              (CbConnection         *self,
                                                     gushort               code,
                                                     const char           *reason);
CbConnectionPhase   cb_connection_get_phase         (CbConnection         *self);
CbConnectionFailure cb_connection_get_failure       (CbConnection         *self);
CbMessage          *cb_connection_get_welcome       (CbConnection         *self);
const char         *cb_connection_get_session       (CbConnection         *self);
const char         *cb_connection_get_epoch         (CbConnection         *self);
gint64              cb_connection_get_last_seq      (CbConnection         *self);
guint               cb_connection_get_attempts      (CbConnection         *self);
gint64              cb_connection_get_skew_ms       (CbConnection         *self);
void                cb_connection_receive_text      (CbConnection         *self,
                                                     const char           *text,
                                                     gsize                 length);
gboolean            cb_connection_send              (CbConnection         *self,
                                                     JsonNode             *message,
                                                     GError              **error);
char               *cb_connection_new_request_id    (CbConnection         *self);
void                cb_connection_call_async        (CbConnection         *self,
                                                     JsonObject           *message,
                                                     guint                 timeout_ms,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
CbMessage          *cb_connection_call_finish       (CbConnection         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void                cb_connection_request_async     (CbConnection         *self,
                                                     const char           *op,
                                                     JsonNode             *data,
                                                     gint64                if_rev,
                                                     const char           *idem,
                                                     guint                 timeout_ms,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
CbMessage          *cb_connection_request_finish    (CbConnection         *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
