/* cb-sim-audio.h — the sound of a simulated call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CB_SIM_AUDIO_CUSTOMER 0   /* channel 0 = left (docs/protocol.md §12.2) */
#define CB_SIM_AUDIO_AGENT    1

typedef struct _CbSimConversation CbSimConversation;

/**
 * CbSimAudioSpan:
 *
 * A stretch of a call's audio timeline (ms from its start) during which
 * the customer waits on hold: hold music on the customer's channel, the
 * conversation paused.
 */
typedef struct
{
  gint64 start_ms;
  gint64 end_ms;
} CbSimAudioSpan;

CbSimConversation *cb_sim_conversation_new    (guint64             seed,
                                               const char         *call_id,
                                               gboolean            agent_first);
void               cb_sim_conversation_free   (CbSimConversation  *conversation);
void               cb_sim_conversation_render (CbSimConversation  *conversation,
                                               guint               rate,
                                               gint64              position,
                                               guint               n_frames,
                                               float              *out);
void               cb_sim_audio_render_hold   (guint64             seed,
                                               guint               rate,
                                               gint64              position,
                                               guint               n_frames,
                                               float              *out);
void               cb_sim_audio_render_timeline (CbSimConversation    *conversation,
                                                 guint64               seed,
                                                 const CbSimAudioSpan *holds,
                                                 guint                 n_holds,
                                                 guint                 rate,
                                                 gint64                position,
                                                 guint                 n_frames,
                                                 float                *out);

gint16             cb_sim_audio_to_s16        (float               sample);
guint8             cb_sim_audio_ulaw_encode   (gint16              sample);
gint16             cb_sim_audio_ulaw_decode   (guint8              code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSimConversation, cb_sim_conversation_free)

G_END_DECLS
