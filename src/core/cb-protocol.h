/* cb-protocol.h — constants of the Callboard protocol v1 (docs/protocol.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CB_PROTOCOL_SUBPROTOCOL       "callboard.v1"
#define CB_PROTOCOL_MEDIA_SUBPROTOCOL "callboard.media.v1"

/* The largest frame a peer accepts before `welcome` raises it. */
#define CB_PROTOCOL_DEFAULT_MAX_MESSAGE (1024 * 1024)
/* A peer that sends nothing for this many heartbeat intervals is dead (§6.3). */
#define CB_PROTOCOL_DEAD_FACTOR         2.5
/* Snapshot parts are at most this large. */
#define CB_PROTOCOL_MAX_SNAPSHOT_PART   (256 * 1024)
/* Deeper JSON than this is refused before it is parsed. */
#define CB_PROTOCOL_MAX_DEPTH           32

/**
 * CbCloseCode:
 *
 * WebSocket close codes of the protocol; see docs/protocol.md for the
 * client's reaction to each.
 */
typedef enum
{
  CB_CLOSE_NORMAL           = 1000,
  CB_CLOSE_GOING_AWAY_WS    = 1001,
  CB_CLOSE_TOO_BIG          = 1009,
  CB_CLOSE_PROTOCOL_ERROR   = 4000,
  CB_CLOSE_TOKEN_INVALID    = 4401,
  CB_CLOSE_FORBIDDEN        = 4403,
  CB_CLOSE_VERSION          = 4406,
  CB_CLOSE_HELLO_TIMEOUT    = 4408,
  CB_CLOSE_SESSION_TAKEN    = 4409,
  CB_CLOSE_RATE_LIMITED     = 4429,
  CB_CLOSE_SERVER_ERROR     = 4500,
  CB_CLOSE_GOING_AWAY       = 4503,
} CbCloseCode;

/**
 * CbErrorCode:
 *
 * The `error.code` of a failed request.
 */
typedef enum
{
  CB_ERROR_BAD_REQUEST,
  CB_ERROR_UNAUTHENTICATED,
  CB_ERROR_FORBIDDEN,
  CB_ERROR_NOT_FOUND,
  CB_ERROR_CONFLICT,
  CB_ERROR_INVALID_STATE,
  CB_ERROR_COMPLIANCE_BLOCKED,
  CB_ERROR_RATE_LIMITED,
  CB_ERROR_UNSUPPORTED,
  CB_ERROR_BACKEND_UNAVAILABLE,
  CB_ERROR_TIMEOUT,
  CB_ERROR_INTERNAL,
  CB_ERROR_UNKNOWN,      /* a code this console does not know */
} CbErrorCode;

const char  *cb_error_code_to_string   (CbErrorCode  code);
CbErrorCode  cb_error_code_from_string (const char  *string);

/**
 * CbSilence:
 * @last_rx_us: when anything last arrived from the peer (monotonic)
 * @last_check_us: when the dead-peer check last ran
 *
 * How long a peer has been silent (§6.3), reckoned on our own running
 * time. When our main loop was itself stalled — a busy machine, a slow
 * build — whatever the peer sent may be waiting unread in the socket, so
 * a check that runs late does not count its lateness against the peer.
 */
typedef struct
{
  gint64 last_rx_us;
  gint64 last_check_us;
} CbSilence;

static inline void
cb_silence_heard (CbSilence *silence,
                  gint64     now_us)
{
  silence->last_rx_us = now_us;
}

/* Returns how long the peer has been silent, for a check meant to run
 * every @interval_us, not counting the time the check ran late. */
static inline gint64
cb_silence_check (CbSilence *silence,
                  gint64     interval_us,
                  gint64     now_us)
{
  gint64 late_us = now_us - MAX (silence->last_check_us, silence->last_rx_us) - interval_us;

  if (late_us > interval_us / 2)
    silence->last_rx_us = MIN (silence->last_rx_us + late_us, now_us);
  silence->last_check_us = now_us;
  return now_us - silence->last_rx_us;
}

G_END_DECLS
