/* cb-sim-media.c — live monitoring of the simulated calls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Implements docs/protocol.md §9.3, §10.17 and §12: the ops monitor.start,
 * monitor.set_mode, monitor.get_media_url and monitor.stop on the control
 * socket, the `monitor` entities of topic `monitors` (and each call's
 * `monitor_ids`), and the media socket (subprotocol callboard.media.v1) at
 * /callboard/media/<monitor id>?ticket=….
 *
 * A media socket receives `start`, then one binary frame every 20 ms of wall
 * time whatever the simulation's speed: the call's conversation
 * (cb-sim-audio.c) in L16 at 16 kHz or PCMU at 8 kHz, customer left and
 * agent right; while the call is on hold, hold music on the customer's
 * channel (flagged CH0_SYNTH). Frames are due by the monotonic clock since
 * `start`, so their average rate is exact however the main loop jitters.
 *
 * Flow control (§12.5): the kernel buffer of a media socket is kept small,
 * and a frame sent while the socket is not writable counts as queued; once
 * more than max_queue_ms would be queued, frames are dropped before they are
 * queued and one gap (reason congestion) covers them when the socket drains.
 * (The newest audio is dropped rather than the oldest: libsoup keeps its
 * queue to itself. The client sees the same thing, a congestion gap.)
 * `pause` turns audio into gap frames (reason paused), one a second.
 *
 * Uplink (§12.6). The supervisor's microphone (PCMU or L16 at the stream's
 * rate, mono) is decoded into a ring of two seconds per media socket and
 * played out on the monotonic clock: the first frame anchors sample_pos 0 at
 * its arrival plus UPLINK_DELAY_MS, the jitter it absorbs, and every later
 * frame plays at anchor + sample_pos / rate. Holes in sample_pos are silence;
 * a frame that comes after its samples may have been mixed (late), or whose
 * samples are already held (duplicate), is dropped; frames are placed by
 * sample_pos, so reordering within the delay does no harm. A frame more than
 * max_queue_ms early, a frame with DISCONTINUITY that is late, or a fifth
 * late frame in a row re-anchors the stream (a client's clock drifts). The
 * voice is mixed as a switch would: whisper into what the agent hears,
 * barge into what both hear (not into the customer's while on hold). Every
 * other monitor of the call hears it where the party who hears it speaks —
 * a whisper on the agent's channel, a barge on both (§12.6) — and so does
 * the recording (cb_sim_recordings_add_voice(), a little behind, once no
 * late frame can change it); the supervisor's own stream never carries it.
 * An uplink faster than real time beyond max_queue_ms, or more than a few
 * text messages a second, is a flood: close 4429; a message beyond 64 KiB
 * gets 1009, one that breaks §12.3 or is not a JSON object 4000. None of
 * them ends the monitor.
 *
 * Tickets are single-use and expire after 30 s; a monitor without a media
 * socket for 30 s ends.
 */
#define G_LOG_DOMAIN "cb-sim-media"

#include "config.h"

#include "cb-sim-media.h"

#include <sys/socket.h>

#include "cb-sim-audio.h"

#define FRAME_MS            20
#define TICK_MS             5
#define MAX_QUEUE_MS        1000
#define TICKET_MS           30000
#define DETACHED_MS         30000
#define ENDED_LINGER_MS     30000
#define CLIENT_SILENCE_MS   10000
/* How often a socket's silence is looked at (§6.3's reckoning: a look that
 * comes late, the sim's loop stalled, does not count against the client). */
#define SILENCE_CHECK_MS    1000
#define SEND_BUFFER_BYTES   16384
#define HEADER_LEN          24
#define MAX_TEXT_BYTES      65536   /* the largest message, text or binary: beyond it 1009 */
#define WIRE_LIMIT_BYTES    (1024 * 1024)   /* read and refused with 1009 up to this; cut beyond */
#define CLOSE_GONE          4404
#define UPLINK_DELAY_MS     80      /* playout delay of the uplink, for the jitter */
#define UPLINK_RING_MS      2000
#define UPLINK_MAX_FRAME_MS 60      /* the longest frame_ms of §12.2 */
#define UPLINK_LATE_RUN     5       /* late frames in a row that re-anchor the uplink */
#define UPLINK_SLACK        1.05    /* uplink may run this much faster than real time */
#define COMMIT_LAG_FRAMES   5       /* the voice goes to the recording 100 ms behind */
#define TEXT_PER_SECOND     10
#define TEXT_BURST          20

#define FLAG_DISCONTINUITY  0x0001
#define FLAG_CH0_SYNTH      0x0002
#define FLAG_CH1_SYNTH      0x0004
#define FLAG_LAST           0x0008

enum { KIND_AUDIO = 1, KIND_GAP = 2, KIND_UPLINK = 3 };
enum { CODEC_PCMU = 1, CODEC_L16 = 2 };
enum { GAP_UNKNOWN = 0, GAP_CONGESTION = 3, GAP_PAUSED = 4 };

typedef enum { MODE_LISTEN, MODE_WHISPER, MODE_BARGE } Mode;
typedef enum { STATE_CONNECTING, STATE_ACTIVE, STATE_ENDED } MonitorState;

static const char * const mode_names[] = { "listen", "whisper", "barge" };
static const char * const mode_permissions[] = { "calls.listen", "calls.whisper", "calls.barge" };
static const char * const state_names[] = { "connecting", "active", "ended" };

typedef struct _Monitor Monitor;

/* The supervisor's voice from one media socket, on the monotonic clock. */
typedef struct
{
  guint    rate;
  gboolean anchored;
  gint64   anchor_us;       /* when sample_pos 0 plays */
  float   *ring;            /* UPLINK_RING_MS of samples, by sample_pos modulo ring_size */
  guint8  *have;
  guint    ring_size;
  guint64  ring_lo;         /* positions below it were recycled */
  guint    late_run;
  double   tokens;          /* samples the client may still send ahead of real time */
  gint64   tokens_us;
  guint64  accepted;
  guint64  dropped;         /* late or duplicate */
} Uplink;

typedef struct
{
  CbSimMedia              *media;
  Monitor                 *monitor;         /* NULL once retired: closing */
  SoupWebsocketConnection *ws;
  GSocket                 *socket;
  gint64                   start_us;        /* monotonic instant of sample_pos 0 */
  guint64                  frames;          /* frames of the timeline sent or covered by gaps */
  guint32                  seq;
  guint32                  uplink_seq;
  CbSilence                silence;         /* since the client's last message */
  guint                    queued;          /* frames sent while the socket was full */
  guint64                  dropped_from;    /* first frame of a congestion gap, when dropping */
  gboolean                 dropping;
  gboolean                 paused;
  guint64                  paused_from;     /* first frame not yet covered by a paused gap */
  gboolean                 discontinuity;
  gboolean                 closed;          /* the websocket has closed */
  gint64                   timeline_base;   /* the call's timeline at frame 0, frames at the rate */
  guint64                  committed;       /* frames whose voice went to the recording */
  Uplink                   uplink;
  double                   text_tokens;
  gint64                   text_tokens_us;
} MediaSocket;

struct _Monitor
{
  CbSimMedia        *media;
  char               id[32];
  char               call_id[CB_SIM_ID_SIZE];
  char               agent_id[CB_SIM_ID_SIZE];
  const CbSimUser   *user;
  Mode               mode;
  guint              codec;
  guint              rate;
  MonitorState       state;
  gint64             started_at;
  gint64             ended_at;
  char              *ticket;
  gint64             ticket_expires_us;
  gint64             detached_since_us;
  MediaSocket       *socket;
  CbSimConversation *conversation;
  gint64             conversation_pos;     /* frames at rate */
  gint64             hold_pos;
  gint64             timeline_pos;         /* frames at rate from the answer: the recording's timeline */
  guint64            uplink_frames;
  guint64            uplink_dropped;
  guint64            published_uplink;     /* as the entity says */
  gint64             published_us;
  guint              delete_source;
};

struct _CbSimMedia
{
  CbSimEngine *engine;     /* borrowed */
  CbSimRecordings *recordings;   /* borrowed, may be NULL */
  CbSimState  *state;      /* borrowed */
  CbSimServer *server;     /* borrowed */
  guint64      seed;
  GHashTable  *monitors;   /* id → Monitor */
  GPtrArray   *closing;    /* MediaSocket: retired, kept until closed, then reaped */
  guint        reap_source;
  guint        counter;
  guint        tick_source;
  guint        ticket_ms;
  guint        ended_linger_ms;
  guint        client_silence_ms;
};

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static guint
frame_samples (const Monitor *m)
{
  return m->rate * FRAME_MS / 1000;
}

static guint
bytes_per_sample (const Monitor *m)
{
  return m->codec == CODEC_L16 ? 2 : 1;
}

static const char *
codec_name (guint codec)
{
  return codec == CODEC_L16 ? "l16" : "pcmu";
}

/* ---- entities -------------------------------------------------------------- */

static const CbSimEntity *
publish_monitor (Monitor *m)
{
  g_autoptr(JsonObject) o = json_object_new ();

  json_object_set_string_member (o, "call_id", m->call_id);
  if (m->agent_id[0] != '\0')
    json_object_set_string_member (o, "agent_id", m->agent_id);
  else
    json_object_set_null_member (o, "agent_id");
  json_object_set_string_member (o, "user_id", m->user->id);
  json_object_set_string_member (o, "mode", mode_names[m->mode]);
  json_object_set_string_member (o, "state", state_names[m->state]);
  json_object_set_string_member (o, "codec", codec_name (m->codec));
  json_object_set_int_member (o, "started_at", m->started_at);
  if (m->ended_at > 0)
    json_object_set_int_member (o, "ended_at", m->ended_at);
  else
    json_object_set_null_member (o, "ended_at");
  json_object_set_int_member (o, "x_callboard_sim_uplink_frames", (gint64) m->uplink_frames);
  json_object_set_int_member (o, "x_callboard_sim_uplink_dropped", (gint64) m->uplink_dropped);
  m->published_uplink = m->uplink_frames + m->uplink_dropped;
  m->published_us = g_get_monotonic_time ();

  cb_sim_state_upsert (m->media->state, "monitors", "monitor", m->id, o, now_ms ());
  return cb_sim_state_lookup (m->media->state, "monitor", m->id);
}

/* The call's entity again, with its monitor_ids as they are now. */
static void
republish_call (CbSimMedia *self,
                const char *call_id)
{
  const CbSimEntity *entity = cb_sim_state_lookup (self->state, "call", call_id);
  g_autoptr(JsonObject) copy = NULL;
  g_autoptr(GList) members = NULL;

  if (entity == NULL || entity->data == NULL)
    return;

  copy = json_object_new ();
  members = json_object_get_members (entity->data);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "monitor_ids"))
      json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (entity->data, l->data)));
  json_object_set_array_member (copy, "monitor_ids", cb_sim_media_monitor_ids_for_call (self, call_id));
  cb_sim_state_upsert (self->state, entity->topic, "call", call_id, copy, now_ms ());
}

static JsonNode *
entity_node (const CbSimEntity *entity)
{
  JsonNode *node = json_node_alloc ();

  json_node_init_object (node, entity->data);
  return node;
}

/* ---- frames ------------------------------------------------------------------ */

static void
put_be16 (guint8 *p,
          guint   v)
{
  p[0] = (v >> 8) & 0xff;
  p[1] = v & 0xff;
}

static void
put_be32 (guint8  *p,
          guint32  v)
{
  put_be16 (p, v >> 16);
  put_be16 (p + 2, v & 0xffff);
}

static void
put_header (guint8  *h,
            guint    kind,
            guint    codec,
            guint    channels,
            guint    flags,
            guint32  seq,
            guint32  sample_count,
            guint64  sample_pos)
{
  h[0] = 1;
  h[1] = HEADER_LEN;
  h[2] = (guint8) kind;
  h[3] = (guint8) codec;
  h[4] = (guint8) channels;
  h[5] = 0;
  put_be16 (h + 6, flags);
  put_be32 (h + 8, seq);
  put_be32 (h + 12, sample_count);
  put_be32 (h + 16, (guint32) (sample_pos >> 32));
  put_be32 (h + 20, (guint32) sample_pos);
}

static void
send_binary (MediaSocket  *s,
             const guint8 *data,
             gsize         length)
{
  if (soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_binary (s->ws, data, length);
}

static void
send_text (MediaSocket *s,
           const char  *text)
{
  if (soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (s->ws, text);
}

/* Gap frames over the frames [from, to) of the timeline, at most a second each. */
static void
send_gaps (MediaSocket *s,
           guint64      from,
           guint64      to,
           guint        reason)
{
  Monitor *m = s->monitor;
  guint per_second = 1000 / FRAME_MS;
  guint64 first = from;

  while (from < to)
    {
      guint n = (guint) MIN (to - from, per_second);
      guint8 frame[HEADER_LEN + 4];

      put_header (frame, KIND_GAP, m->codec, 2, s->discontinuity || from > first ? FLAG_DISCONTINUITY : 0, s->seq++,
                  n * frame_samples (m), from * frame_samples (m));
      frame[HEADER_LEN] = (guint8) reason;
      frame[HEADER_LEN + 1] = 0x03;
      frame[HEADER_LEN + 2] = 0;
      frame[HEADER_LEN + 3] = 0;
      send_binary (s, frame, sizeof frame);
      from += n;
    }
  s->discontinuity = TRUE;   /* the frame after a gap (and each gap frame of a run) */
}

static gboolean
call_on_hold (Monitor *m)
{
  const CbSimCall *call = cb_sim_engine_get_call (m->media->engine, m->call_id);

  return call != NULL && call->state == CB_SIM_CALL_ON_HOLD;
}

/* ---- the uplink ---------------------------------------------------------------- */

static gint64
floor_div (gint64 a,
           gint64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static float
uplink_sample (const Uplink *u,
               gint64        pos)
{
  if (pos < 0 || (guint64) pos < u->ring_lo || (guint64) pos >= u->ring_lo + u->ring_size
      || !u->have[pos % u->ring_size])
    return 0.0f;
  return u->ring[pos % u->ring_size];
}

/* The voice that plays during the @n frames at @rate from @t0_us, resampled
 * from the uplink's rate (8 or 16 kHz). Returns FALSE when it is silent. */
static gboolean
uplink_read (const Uplink *u,
             gint64        t0_us,
             guint         rate,
             guint         n,
             float        *out)
{
  gint64 q0;
  gboolean any = FALSE;

  if (!u->anchored || u->ring == NULL)
    return FALSE;
  q0 = floor_div ((t0_us - u->anchor_us) * (gint64) rate, G_USEC_PER_SEC);
  for (guint i = 0; i < n; i++)
    {
      gint64 q = q0 + i;
      float v;

      if (u->rate == rate)
        v = uplink_sample (u, q);
      else if (u->rate == 2 * rate)
        v = 0.5f * (uplink_sample (u, 2 * q) + uplink_sample (u, 2 * q + 1));
      else if (q % 2 == 0)
        v = uplink_sample (u, floor_div (q, 2));
      else
        v = 0.5f * (uplink_sample (u, floor_div (q, 2)) + uplink_sample (u, floor_div (q, 2) + 1));
      out[i] = v;
      any |= v != 0.0f;
    }
  return any;
}

static void
uplink_anchor (Uplink  *u,
               guint64  pos,
               gint64   now)
{
  u->anchored = TRUE;
  u->anchor_us = now + UPLINK_DELAY_MS * 1000 - (gint64) (pos * G_USEC_PER_SEC / u->rate);
  u->ring_lo = pos;
  memset (u->have, 0, u->ring_size);
  u->late_run = 0;
}

/* Places a decoded frame [pos, pos + n) on the uplink's timeline. Returns
 * FALSE when it is dropped (late or duplicate). */
static gboolean
uplink_put (Uplink       *u,
            guint64       pos,
            guint         n,
            guint         flags,
            const float  *samples)
{
  gint64 now = g_get_monotonic_time ();
  gint64 plays_at;

  if (u->ring == NULL)
    {
      u->ring_size = u->rate * UPLINK_RING_MS / 1000;
      u->ring = g_new0 (float, u->ring_size);
      u->have = g_new0 (guint8, u->ring_size);
    }
  if (!u->anchored)
    uplink_anchor (u, pos, now);

  /* Late: a consumer renders up to a frame ahead, so what plays before
   * now + FRAME_MS may have been mixed already. */
  plays_at = u->anchor_us + (gint64) (pos * G_USEC_PER_SEC / u->rate);
  if (pos < u->ring_lo || plays_at < now + (FRAME_MS + TICK_MS) * 1000)
    {
      if ((flags & FLAG_DISCONTINUITY) == 0 && ++u->late_run < UPLINK_LATE_RUN)
        return FALSE;
      uplink_anchor (u, pos, now);
    }
  else if (plays_at > now + (gint64) MAX_QUEUE_MS * 1000)
    uplink_anchor (u, pos, now);   /* a client whose clock runs ahead */
  else if (u->have[pos % u->ring_size] && pos + n <= u->ring_lo + u->ring_size)
    return FALSE;                  /* a duplicate */
  u->late_run = 0;

  /* Recycle what is more than the ring's length behind. */
  if (pos + n > u->ring_lo + u->ring_size)
    {
      guint64 lo = pos + n - u->ring_size;

      if (lo - u->ring_lo >= u->ring_size)
        memset (u->have, 0, u->ring_size);
      else
        for (guint64 p = u->ring_lo; p < lo; p++)
          u->have[p % u->ring_size] = 0;
      u->ring_lo = lo;
    }
  for (guint i = 0; i < n; i++)
    {
      u->ring[(pos + i) % u->ring_size] = samples[i];
      u->have[(pos + i) % u->ring_size] = 1;
    }
  return TRUE;
}

static void
uplink_clear (Uplink *u)
{
  g_clear_pointer (&u->ring, g_free);
  g_clear_pointer (&u->have, g_free);
}

/* The monotonic instant that frame @k of @s stands for. */
static gint64
frame_time (MediaSocket *s,
            guint64      k)
{
  return s->start_us + (gint64) k * FRAME_MS * 1000;
}

/* Mixes the other supervisors' voices into frame @k of @s, as each party
 * heard them: the agent's channel for whisper and barge, the customer's
 * for barge unless the customer is on hold. */
static void
mix_voices (MediaSocket *s,
            guint64      k,
            float       *samples)
{
  Monitor *m = s->monitor;
  guint n = frame_samples (m);
  gboolean held = call_on_hold (m);
  g_autofree float *voice = g_new (float, n);
  GHashTableIter iter;
  Monitor *other;

  g_hash_table_iter_init (&iter, m->media->monitors);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    {
      if (other == m || other->socket == NULL || other->mode == MODE_LISTEN || other->state == STATE_ENDED
          || !g_str_equal (other->call_id, m->call_id)
          || !uplink_read (&other->socket->uplink, frame_time (s, k), m->rate, n, voice))
        continue;
      for (guint i = 0; i < n; i++)
        {
          samples[2 * i + CB_SIM_AUDIO_AGENT] += voice[i];
          if (other->mode == MODE_BARGE && !held)
            samples[2 * i + CB_SIM_AUDIO_CUSTOMER] += voice[i];
        }
    }
}

/* Hands the supervisor's voice of frames [s->committed, upto) to the
 * recording, at the call's timeline. */
static void
commit_voice (MediaSocket *s,
              guint64      upto)
{
  Monitor *m = s->monitor;
  guint n = frame_samples (m);
  g_autofree float *voice = NULL;

  if (m->media->recordings == NULL || m->mode == MODE_LISTEN || !s->uplink.anchored)
    {
      s->committed = MAX (s->committed, upto);
      return;
    }
  voice = g_new (float, n);
  for (; s->committed < upto; s->committed++)
    if (uplink_read (&s->uplink, frame_time (s, s->committed), m->rate, n, voice))
      cb_sim_recordings_add_voice (m->media->recordings, m->call_id,
                                   s->timeline_base + (gint64) s->committed * n, m->rate, voice, n,
                                   m->mode == MODE_BARGE && !call_on_hold (m), TRUE);
}

/* Renders the next frame of the call (it advances the conversation). */
static void
render_frame (Monitor *m,
              float   *samples,
              guint   *flags)
{
  guint n = frame_samples (m);

  if (call_on_hold (m))
    {
      cb_sim_audio_render_hold (m->media->seed, m->rate, m->hold_pos, n, samples);
      m->hold_pos += n;
      *flags |= FLAG_CH0_SYNTH;
    }
  else
    {
      cb_sim_conversation_render (m->conversation, m->rate, m->conversation_pos, n, samples);
      m->conversation_pos += n;
    }
  m->timeline_pos += n;
}

static void
send_audio (MediaSocket *s,
            guint        extra_flags)
{
  Monitor *m = s->monitor;
  guint n = frame_samples (m);
  gsize payload = (gsize) n * 2 * bytes_per_sample (m);
  g_autofree guint8 *frame = g_malloc (HEADER_LEN + payload);
  g_autofree float *samples = g_new (float, 2 * n);
  guint flags = extra_flags | (s->discontinuity ? FLAG_DISCONTINUITY : 0);

  render_frame (m, samples, &flags);
  mix_voices (s, s->frames, samples);
  for (guint i = 0; i < 2 * n; i++)
    {
      gint16 v = cb_sim_audio_to_s16 (samples[i]);

      if (m->codec == CODEC_L16)
        put_be16 (frame + HEADER_LEN + 2 * i, (guint16) v);
      else
        frame[HEADER_LEN + i] = cb_sim_audio_ulaw_encode (v);
    }
  put_header (frame, KIND_AUDIO, m->codec, 2, flags, s->seq++, n, s->frames * n);

  /* Fault: a seq that is never sent (a backend bug the client must catch). */
  if (cb_sim_server_get_faults (m->media->server)->media_skip_seq_every > 0
      && (s->frames + 1) % cb_sim_server_get_faults (m->media->server)->media_skip_seq_every == 0)
    s->seq++;
  send_binary (s, frame, HEADER_LEN + payload);
  s->discontinuity = FALSE;
  s->frames++;
}

static gboolean
socket_writable (MediaSocket *s)
{
  return s->socket == NULL || (g_socket_condition_check (s->socket, G_IO_OUT) & G_IO_OUT) != 0;
}

/* Sends what is due on @s by the clock: audio, or gaps while paused or
 * while the client cannot keep up. */
static void
pump (MediaSocket *s)
{
  Monitor *m = s->monitor;
  guint64 due = (guint64) ((g_get_monotonic_time () - s->start_us) / (FRAME_MS * 1000)) + 1;
  guint max_queued = MAX_QUEUE_MS / FRAME_MS;

  /* After a stall of the sim itself, catch up by at most max_queue_ms; what
   * is older is a gap (§12.3: never more than max_queue_ms ahead). */
  if (!s->paused && !s->dropping && due > s->frames + max_queued)
    {
      guint64 skip = due - max_queued - s->frames;

      if (call_on_hold (m))
        m->hold_pos += (gint64) skip * frame_samples (m);
      else
        m->conversation_pos += (gint64) skip * frame_samples (m);
      m->timeline_pos += (gint64) skip * frame_samples (m);
      send_gaps (s, s->frames, s->frames + skip, GAP_UNKNOWN);
      s->frames += skip;
    }

  while (s->frames < due)
    {
      if (s->paused)
        {
          /* The call goes on; the client hears a gap a second. */
          float scratch[2 * 320];
          guint flags = 0;

          if (frame_samples (m) <= 320)
            render_frame (m, scratch, &flags);
          s->frames++;
          if (s->frames - s->paused_from >= 1000 / FRAME_MS)
            {
              send_gaps (s, s->paused_from, s->frames, GAP_PAUSED);
              s->paused_from = s->frames;
            }
          continue;
        }

      if (socket_writable (s))
        {
          s->queued = 0;
          if (s->dropping)
            {
              send_gaps (s, s->dropped_from, s->frames, GAP_CONGESTION);
              s->dropping = FALSE;
            }
        }
      else if (!s->dropping && ++s->queued > max_queued)
        {
          s->dropping = TRUE;
          s->dropped_from = s->frames;
        }

      if (s->dropping)
        {
          float scratch[2 * 320];
          guint flags = 0;

          if (frame_samples (m) <= 320)
            render_frame (m, scratch, &flags);
          s->frames++;
          continue;
        }

      send_audio (s, 0);
    }

  if (s->frames > COMMIT_LAG_FRAMES)
    commit_voice (s, s->frames - COMMIT_LAG_FRAMES);
}

/* ---- monitors -------------------------------------------------------------- */

static void
media_socket_free (MediaSocket *s)
{
  if (s == NULL)
    return;
  g_signal_handlers_disconnect_by_data (s->ws, s);
  if (soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (s->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&s->ws);
  g_clear_object (&s->socket);
  uplink_clear (&s->uplink);
  g_free (s);
}

static void
monitor_free (Monitor *m)
{
  g_clear_handle_id (&m->delete_source, g_source_remove);
  g_clear_pointer (&m->socket, media_socket_free);
  g_clear_pointer (&m->conversation, cb_sim_conversation_free);
  g_free (m->ticket);
  g_free (m);
}

static void
stop_socket (MediaSocket *s,
             const char  *reason,
             gushort      code)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"stop\",\"reason\":\"%s\"}", reason);

  if (soup_websocket_connection_get_state (s->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (code == SOUP_WEBSOCKET_CLOSE_NORMAL && !s->paused && !s->dropping)
    send_audio (s, FLAG_LAST);
  send_text (s, text);
  soup_websocket_connection_close (s->ws, code, reason);
}

/* Ends @s: `stop` with @reason (if any), then the close. The connection is
 * kept until it has closed, so that what was sent reaches the client. */
static void
retire_socket (MediaSocket *s,
               const char  *reason,
               gushort      code)
{
  Monitor *m = s->monitor;

  if (m != NULL)
    commit_voice (s, s->frames);   /* what the supervisor said up to the end */
  if (reason != NULL)
    stop_socket (s, reason, code);
  else if (soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (s->ws, code, NULL);
  if (m != NULL && m->socket == s)
    m->socket = NULL;
  s->monitor = NULL;
  if (!g_ptr_array_find (s->media->closing, s, NULL))
    g_ptr_array_add (s->media->closing, s);
}

/* Frees the retired sockets that have closed: never from their own signals. */
static gboolean
on_reap (gpointer user_data)
{
  CbSimMedia *self = user_data;

  self->reap_source = 0;
  for (guint i = self->closing->len; i > 0; i--)
    {
      MediaSocket *s = g_ptr_array_index (self->closing, i - 1);

      if (s->closed)
        g_ptr_array_remove_index_fast (self->closing, i - 1);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_delete_monitor (gpointer user_data)
{
  Monitor *m = user_data;
  CbSimMedia *self = m->media;

  m->delete_source = 0;
  cb_sim_state_delete (self->state, "monitor", m->id, now_ms ());
  g_hash_table_remove (self->monitors, m->id);
  return G_SOURCE_REMOVE;
}

static void
end_monitor (Monitor    *m,
             const char *reason)
{
  CbSimMedia *self = m->media;

  if (m->state == STATE_ENDED)
    return;

  if (m->socket != NULL)
    retire_socket (m->socket, reason, SOUP_WEBSOCKET_CLOSE_NORMAL);
  g_clear_pointer (&m->ticket, g_free);
  m->state = STATE_ENDED;
  m->ended_at = now_ms ();
  publish_monitor (m);
  republish_call (self, m->call_id);
  m->delete_source = g_timeout_add (self->ended_linger_ms, on_delete_monitor, m);
}

/* The monitors, in a list that stays valid while they end. */
static GPtrArray *
monitor_list (CbSimMedia *self)
{
  GPtrArray *list = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer m;

  g_hash_table_iter_init (&iter, self->monitors);
  while (g_hash_table_iter_next (&iter, NULL, &m))
    g_ptr_array_add (list, m);
  return list;
}

static gboolean
on_tick (gpointer user_data)
{
  CbSimMedia *self = user_data;
  g_autoptr(GPtrArray) list = monitor_list (self);
  gint64 now = g_get_monotonic_time ();
  gboolean live = FALSE;

  for (guint i = 0; i < list->len; i++)
    {
      Monitor *m = g_ptr_array_index (list, i);
      const CbSimCall *call;

      if (m->state == STATE_ENDED)
        continue;

      call = cb_sim_engine_get_call (self->engine, m->call_id);
      if (call == NULL || (call->state != CB_SIM_CALL_CONNECTED && call->state != CB_SIM_CALL_ON_HOLD))
        {
          end_monitor (m, "call_ended");
          continue;
        }

      if (m->socket == NULL)
        {
          if (now - m->detached_since_us > (gint64) DETACHED_MS * 1000)
            end_monitor (m, "timeout");
          else
            live = TRUE;
          continue;
        }

      if (now - m->socket->silence.last_check_us >= (gint64) SILENCE_CHECK_MS * 1000
          && cb_silence_check (&m->socket->silence, (gint64) SILENCE_CHECK_MS * 1000, now)
             > (gint64) self->client_silence_ms * 1000)
        {
          retire_socket (m->socket, "timeout", CB_CLOSE_HELLO_TIMEOUT);
          m->state = STATE_CONNECTING;
          m->detached_since_us = now;
          publish_monitor (m);
          live = TRUE;
          continue;
        }

      pump (m->socket);
      live = TRUE;

      /* The uplink count, at most once a second. */
      if (m->uplink_frames + m->uplink_dropped != m->published_uplink
          && now - m->published_us >= G_USEC_PER_SEC)
        publish_monitor (m);
    }

  if (!live)
    {
      self->tick_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
ensure_tick (CbSimMedia *self)
{
  if (self->tick_source == 0)
    self->tick_source = g_timeout_add (TICK_MS, on_tick, self);
}

static char *
media_url (Monitor *m,
           gint64  *expires_at)
{
  CbSimMedia *self = m->media;
  g_autofree char *base = cb_sim_server_get_base_url (self->server, "ws");

  g_free (m->ticket);
  m->ticket = cb_sim_new_token ();
  m->ticket_expires_us = g_get_monotonic_time () + (gint64) self->ticket_ms * 1000;
  *expires_at = now_ms () + self->ticket_ms;
  return g_strdup_printf ("%s/callboard/media/%s?ticket=%s", base, m->id, m->ticket);
}

/* ---- ops ---------------------------------------------------------------------- */

static gboolean
fail (CbSimMedia  *self,
      GError     **error,
      CbErrorCode  code,
      const char  *key,
      const char  *value,
      const char  *message)
{
  return cb_sim_server_fail_op (self->server, error, code, key, value, message);
}

static gboolean
parse_mode (JsonObject  *data,
            Mode        *mode)
{
  const char *name = NULL;

  if (!cb_json_get_string (data, "mode", TRUE, &name, NULL))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (mode_names); i++)
    if (g_str_equal (name, mode_names[i]))
      {
        *mode = (Mode) i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
check_mode_permission (CbSimMedia       *self,
                       const CbSimUser  *user,
                       Mode              mode,
                       GError          **error)
{
  if (cb_sim_user_can (user, mode_permissions[mode]))
    return TRUE;
  return fail (self, error, CB_ERROR_FORBIDDEN, "permission", mode_permissions[mode],
               "you may not monitor calls in this mode");
}

/* The user's own monitor @id that has not ended. */
static Monitor *
lookup_monitor (CbSimMedia       *self,
                JsonObject       *data,
                const CbSimUser  *user,
                gboolean          own,
                GError          **error)
{
  const char *id = NULL;
  Monitor *m;

  if (!cb_json_get_string (data, "monitor_id", TRUE, &id, NULL))
    {
      fail (self, error, CB_ERROR_BAD_REQUEST, "field", "monitor_id", "monitor_id is needed");
      return NULL;
    }
  m = g_hash_table_lookup (self->monitors, id);
  if (m == NULL || (own && m->user != user))
    {
      fail (self, error, CB_ERROR_NOT_FOUND, "monitor_id", id, "no such monitor");
      return NULL;
    }
  return m;
}

static gboolean
op_monitor_start (CbSimServer      *server,
                  const CbSimUser  *user,
                  JsonObject       *data,
                  JsonNode        **result,
                  GError          **error,
                  gpointer          user_data)
{
  CbSimMedia *self = user_data;
  const char *call_id = NULL;
  JsonArray *codecs = NULL;
  const CbSimCall *call;
  GHashTableIter iter;
  Monitor *m, *other;
  Mode mode;
  guint codec = 0;
  gint64 expires_at = 0, talked_ms;
  g_autofree char *url = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (!cb_json_get_string (data, "call_id", TRUE, &call_id, NULL))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "call_id", "call_id is needed");
  if (!parse_mode (data, &mode))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "mode", "mode is listen, whisper or barge");
  if (!cb_json_get_array (data, "codecs", TRUE, &codecs, NULL))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "codecs", "codecs is a list of codec names");
  if (!check_mode_permission (self, user, mode, error))
    return FALSE;

  call = cb_sim_engine_get_call (self->engine, call_id);
  if (call == NULL)
    return fail (self, error, CB_ERROR_NOT_FOUND, "call_id", call_id, "no such call");
  if (call->state != CB_SIM_CALL_CONNECTED && call->state != CB_SIM_CALL_ON_HOLD)
    return fail (self, error, CB_ERROR_INVALID_STATE, "call_id", call_id, "the call is not connected");

  g_hash_table_iter_init (&iter, self->monitors);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other->user == user && other->state != STATE_ENDED && g_str_equal (other->call_id, call_id))
      return fail (self, error, CB_ERROR_INVALID_STATE, "monitor_id", other->id,
                   "you already monitor this call");

  /* The first of the client's codecs that the sim produces. */
  for (guint i = 0; i < json_array_get_length (codecs) && codec == 0; i++)
    {
      JsonNode *n = json_array_get_element (codecs, i);
      const char *name = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                         ? json_node_get_string (n) : "";

      if (g_str_equal (name, "l16"))
        codec = CODEC_L16;
      else if (g_str_equal (name, "pcmu"))
        codec = CODEC_PCMU;
    }
  if (codec == 0)
    {
      g_autoptr(JsonBuilder) details = json_builder_new ();
      static const char * const supported[] = { "l16", "pcmu", NULL };

      /* §9.3: unsupported, and what this backend can send instead. */
      json_builder_begin_object (details);
      cb_json_builder_add_strv (details, "codecs", supported);
      json_builder_end_object (details);
      cb_sim_server_set_error_extra (self->server, json_builder_get_root (details), NULL);
      return fail (self, error, CB_ERROR_UNSUPPORTED, NULL, NULL,
                   "this backend sends l16 or pcmu; opus is not available");
    }

  m = g_new0 (Monitor, 1);
  m->media = self;
  g_snprintf (m->id, sizeof m->id, "mon-%u", ++self->counter);
  g_strlcpy (m->call_id, call_id, sizeof m->call_id);
  g_strlcpy (m->agent_id, call->agent_id ? call->agent_id : "", sizeof m->agent_id);
  m->user = user;
  m->mode = mode;
  m->codec = codec;
  m->rate = codec == CODEC_L16 ? 16000 : 8000;
  m->state = STATE_CONNECTING;
  m->started_at = now_ms ();
  m->detached_since_us = g_get_monotonic_time ();
  m->conversation = cb_sim_conversation_new (self->seed, call_id, call->direction == CB_SIM_DIRECTION_INBOUND);

  /* Join the conversation where the call is: its talk time so far. */
  talked_ms = cb_sim_engine_get_now (self->engine) - call->answered_ms - call->hold_ms;
  if (call->state == CB_SIM_CALL_ON_HOLD && call->hold_count > 0)
    talked_ms -= cb_sim_engine_get_now (self->engine) - call->holds[MIN (call->hold_count, CB_SIM_MAX_HOLDS) - 1].start_ms;
  m->conversation_pos = MAX (0, talked_ms) * m->rate / 1000;
  m->timeline_pos = MAX (0, cb_sim_engine_get_now (self->engine) - call->answered_ms) * m->rate / 1000;
  g_hash_table_insert (self->monitors, m->id, m);

  url = media_url (m, &expires_at);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "monitor");
  json_builder_add_value (b, entity_node (publish_monitor (m)));
  json_builder_set_member_name (b, "media_url");
  json_builder_add_string_value (b, url);
  json_builder_set_member_name (b, "media_url_expires_at");
  json_builder_add_int_value (b, expires_at);
  json_builder_end_object (b);
  republish_call (self, call_id);
  ensure_tick (self);

  g_message ("audit: %s starts monitor %s of %s in mode %s", user->login, m->id, call_id, mode_names[mode]);
  *result = json_builder_get_root (b);
  return TRUE;
}

static gboolean
op_monitor_set_mode (CbSimServer      *server,
                     const CbSimUser  *user,
                     JsonObject       *data,
                     JsonNode        **result,
                     GError          **error,
                     gpointer          user_data)
{
  CbSimMedia *self = user_data;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  Monitor *m;
  Mode mode;

  if ((m = lookup_monitor (self, data, user, TRUE, error)) == NULL)
    return FALSE;
  if (!parse_mode (data, &mode))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "mode", "mode is listen, whisper or barge");
  if (!check_mode_permission (self, user, mode, error))
    return FALSE;
  if (m->state == STATE_ENDED)
    return fail (self, error, CB_ERROR_INVALID_STATE, "monitor_id", m->id, "the monitor has ended");

  if (m->mode != mode)
    {
      if (m->socket != NULL)
        commit_voice (m->socket, m->socket->frames);   /* said in the old mode */
      m->mode = mode;
      if (m->socket != NULL)
        {
          g_autofree char *text = g_strdup_printf ("{\"type\":\"mode\",\"mode\":\"%s\"}", mode_names[mode]);

          send_text (m->socket, text);
          m->socket->discontinuity = TRUE;
        }
      g_message ("audit: %s sets monitor %s to mode %s", user->login, m->id, mode_names[mode]);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "monitor");
  json_builder_add_value (b, entity_node (publish_monitor (m)));
  json_builder_end_object (b);
  *result = json_builder_get_root (b);
  return TRUE;
}

static gboolean
op_monitor_get_media_url (CbSimServer      *server,
                          const CbSimUser  *user,
                          JsonObject       *data,
                          JsonNode        **result,
                          GError          **error,
                          gpointer          user_data)
{
  CbSimMedia *self = user_data;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *url = NULL;
  gint64 expires_at = 0;
  Monitor *m;

  if ((m = lookup_monitor (self, data, user, TRUE, error)) == NULL)
    return FALSE;
  if (!check_mode_permission (self, user, m->mode, error))
    return FALSE;
  if (m->state == STATE_ENDED)
    return fail (self, error, CB_ERROR_INVALID_STATE, "monitor_id", m->id, "the monitor has ended");

  url = media_url (m, &expires_at);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "media_url");
  json_builder_add_string_value (b, url);
  json_builder_set_member_name (b, "media_url_expires_at");
  json_builder_add_int_value (b, expires_at);
  json_builder_end_object (b);
  *result = json_builder_get_root (b);
  return TRUE;
}

static gboolean
op_monitor_stop (CbSimServer      *server,
                 const CbSimUser  *user,
                 JsonObject       *data,
                 JsonNode        **result,
                 GError          **error,
                 gpointer          user_data)
{
  CbSimMedia *self = user_data;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  Monitor *m;

  if ((m = lookup_monitor (self, data, user, FALSE, error)) == NULL)
    return FALSE;
  if (m->user != user && !cb_sim_user_can (user, "calls.barge"))
    return fail (self, error, CB_ERROR_FORBIDDEN, "permission", "calls.barge",
                 "stopping another user's monitor needs calls.barge");

  g_message ("audit: %s stops monitor %s", user->login, m->id);
  end_monitor (m, m->user == user ? "monitor_stopped" : "preempted");

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "monitor_id");
  json_builder_add_string_value (b, m->id);
  json_builder_set_member_name (b, "stopped");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  *result = json_builder_get_root (b);
  return TRUE;
}

/* ---- the media socket ------------------------------------------------------------ */

static void
protocol_error (MediaSocket *s,
                const char  *reason)
{
  if (soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (s->ws, CB_CLOSE_PROTOCOL_ERROR, reason);
}

static guint32
get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint
get_be16 (const guint8 *p)
{
  return ((guint) p[0] << 8) | p[1];
}

/* A token bucket: FALSE when @cost does not fit (a flood). */
static gboolean
take_tokens (double *tokens,
             gint64 *since_us,
             double  per_second,
             double  burst,
             double  cost)
{
  gint64 now = g_get_monotonic_time ();

  *tokens = MIN (burst, *tokens + (now - *since_us) * per_second / G_USEC_PER_SEC);
  *since_us = now;
  if (*tokens < cost)
    return FALSE;
  *tokens -= cost;
  return TRUE;
}

static void
flood (MediaSocket *s,
       const char  *reason)
{
  g_message ("monitor %s: %s; closing its media socket", s->monitor->id, reason);
  if (soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (s->ws, CB_CLOSE_RATE_LIMITED, reason);
}

static void
handle_uplink (MediaSocket  *s,
               const guint8 *data,
               gsize         length)
{
  Monitor *m = s->monitor;
  Uplink *u = &s->uplink;
  guint32 count;
  guint64 pos;
  guint flags;
  g_autofree float *samples = NULL;
  const guint8 *payload;

  if (length < HEADER_LEN || data[0] != 1 || data[1] < HEADER_LEN || data[1] > length)
    {
      protocol_error (s, "a binary frame needs a header of 24 bytes or more");
      return;
    }
  count = get_be32 (data + 12);
  if (data[2] != KIND_UPLINK || data[3] != m->codec || data[4] != 1 || count == 0
      || count > m->rate * UPLINK_MAX_FRAME_MS / 1000
      || length - data[1] != (gsize) count * bytes_per_sample (m))
    {
      protocol_error (s, "an uplink frame that does not match start.uplink");
      return;
    }

  /* In real time, or at most max_queue_ms ahead of it (§12.5). */
  if (!take_tokens (&u->tokens, &u->tokens_us, m->rate * UPLINK_SLACK,
                    m->rate * (MAX_QUEUE_MS + UPLINK_MAX_FRAME_MS) / 1000.0, count))
    {
      flood (s, "uplink faster than real time");
      return;
    }

  s->uplink_seq = get_be32 (data + 8) + 1;
  flags = get_be16 (data + 6);
  pos = ((guint64) get_be32 (data + 16) << 32) | get_be32 (data + 20);

  /* In listen mode the server discards uplink frames (§12.6). */
  if (m->mode == MODE_LISTEN)
    return;
  if (pos > G_MAXUINT64 / G_USEC_PER_SEC - count)
    {
      protocol_error (s, "an uplink sample_pos out of range");
      return;
    }

  payload = data + data[1];
  samples = g_new (float, count);
  for (guint i = 0; i < count; i++)
    samples[i] = m->codec == CODEC_L16 ? (gint16) get_be16 (payload + 2 * i) / 32768.0f
                                       : cb_sim_audio_ulaw_decode (payload[i]) / 32768.0f;
  if (uplink_put (u, pos, count, flags, samples))
    m->uplink_frames++;
  else
    m->uplink_dropped++;
}

static void
handle_text (MediaSocket  *s,
             const char   *text,
             gsize         length)
{
  Monitor *m = s->monitor;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  const char *type = NULL;

  if (!take_tokens (&s->text_tokens, &s->text_tokens_us, TEXT_PER_SECOND, TEXT_BURST, 1))
    {
      flood (s, "too many text messages");
      return;
    }
  if (length > MAX_TEXT_BYTES || !cb_json_depth_ok (text, length, CB_PROTOCOL_MAX_DEPTH)
      || !json_parser_load_from_data (parser, text, (gssize) length, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || !cb_json_get_string (json_node_get_object (root), "type", TRUE, &type, NULL))
    {
      protocol_error (s, "a text frame must be a JSON object with a type");
      return;
    }

  if (g_str_equal (type, "stop"))
    {
      g_message ("audit: %s stops monitor %s from its media socket", m->user->login, m->id);
      end_monitor (m, "client_closed");
    }
  else if (g_str_equal (type, "pause") && !s->paused)
    {
      s->paused = TRUE;
      s->paused_from = s->frames;
    }
  else if (g_str_equal (type, "resume") && s->paused)
    {
      s->paused = FALSE;
      send_gaps (s, s->paused_from, s->frames, GAP_PAUSED);
    }
  /* buffer: for diagnostics only; unknown types are ignored. */
}

static void
on_media_message (SoupWebsocketConnection *ws,
                  gint                     type,
                  GBytes                  *bytes,
                  MediaSocket             *s)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  /* Closing (a protocol error, a flood): what else comes is not acted on. */
  if (s->monitor == NULL || soup_websocket_connection_get_state (ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  cb_silence_heard (&s->silence, g_get_monotonic_time ());
  if (length > MAX_TEXT_BYTES)
    {
      if (soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (s->ws, CB_CLOSE_TOO_BIG, "message too big");
      return;
    }
  if (type == SOUP_WEBSOCKET_DATA_BINARY)
    handle_uplink (s, data, length);
  else
    handle_text (s, (const char *) data, length);
}

static void
on_media_closed (SoupWebsocketConnection *ws,
                 MediaSocket             *s)
{
  Monitor *m = s->monitor;
  CbSimMedia *self = s->media;

  s->closed = TRUE;
  if (m != NULL)
    {
      retire_socket (s, NULL, SOUP_WEBSOCKET_CLOSE_NORMAL);
      if (m->state == STATE_ACTIVE)
        {
          m->state = STATE_CONNECTING;
          m->detached_since_us = g_get_monotonic_time ();
          publish_monitor (m);
        }
    }
  if (self->reap_source == 0)
    self->reap_source = g_idle_add (on_reap, self);
}

static void
refuse (SoupWebsocketConnection *ws,
        gushort                  code,
        const char              *reason)
{
  soup_websocket_connection_close (ws, code, reason);
}

static char *
start_message (Monitor     *m,
               MediaSocket *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "start");
  json_builder_set_member_name (b, "monitor_id");
  json_builder_add_string_value (b, m->id);
  json_builder_set_member_name (b, "call_id");
  json_builder_add_string_value (b, m->call_id);
  json_builder_set_member_name (b, "mode");
  json_builder_add_string_value (b, mode_names[m->mode]);
  json_builder_set_member_name (b, "codec");
  json_builder_add_string_value (b, codec_name (m->codec));
  json_builder_set_member_name (b, "sample_rate");
  json_builder_add_int_value (b, m->rate);
  json_builder_set_member_name (b, "channels");
  json_builder_add_int_value (b, 2);
  json_builder_set_member_name (b, "channel_map");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "customer");
  json_builder_add_string_value (b, "agent");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "frame_ms");
  json_builder_add_int_value (b, FRAME_MS);
  json_builder_set_member_name (b, "start_at");
  json_builder_add_int_value (b, now_ms ());
  json_builder_set_member_name (b, "uplink");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "codec");
  json_builder_add_string_value (b, codec_name (m->codec));
  json_builder_set_member_name (b, "sample_rate");
  json_builder_add_int_value (b, m->rate);
  json_builder_set_member_name (b, "channels");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "frame_ms");
  json_builder_add_int_value (b, FRAME_MS);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "max_queue_ms");
  json_builder_add_int_value (b, MAX_QUEUE_MS);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return cb_message_encode (root, NULL);
}

/* Before the upgrade is checked: an offer without our subprotocol is let
 * through without any, so that it can be refused with 4406 (§12.1) rather
 * than with HTTP 400. */
static void
on_media_early (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *offered = soup_message_headers_get_one (headers, "Sec-WebSocket-Protocol");

  if (offered != NULL && !soup_header_contains (offered, CB_SIM_MEDIA_SUBPROTOCOL))
    soup_message_headers_remove (headers, "Sec-WebSocket-Protocol");
}

static void
on_media_socket (SoupServer              *server,
                 SoupServerMessage       *msg,
                 const char              *path,
                 SoupWebsocketConnection *ws,
                 gpointer                 user_data)
{
  CbSimMedia *self = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  g_autoptr(GHashTable) params = query ? g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;
  const char *ticket = params ? g_hash_table_lookup (params, "ticket") : NULL;
  const char *id = strrchr (path, '/');
  const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                            "Authorization");
  gboolean expired = FALSE;
  const CbSimUser *user;
  g_autofree char *start = NULL;
  MediaSocket *s;
  Monitor *m;
  int buffer = SEND_BUFFER_BYTES;

  if (g_strcmp0 (soup_websocket_connection_get_protocol (ws), CB_SIM_MEDIA_SUBPROTOCOL) != 0)
    {
      refuse (ws, CB_CLOSE_VERSION, "unsupported subprotocol; this server speaks callboard.media.v1");
      return;
    }

  user = cb_sim_users_authenticate (cb_sim_server_get_users (self->server), authorization, now_ms (), &expired);
  if (user == NULL)
    {
      refuse (ws, CB_CLOSE_TOKEN_INVALID, expired ? "token expired" : "token refused");
      return;
    }

  m = id ? g_hash_table_lookup (self->monitors, id + 1) : NULL;
  if (m == NULL || m->state == STATE_ENDED)
    {
      refuse (ws, CLOSE_GONE, "no such monitor, or it has ended");
      return;
    }

  if (ticket == NULL || m->ticket == NULL || m->user != user || !g_str_equal (ticket, m->ticket)
      || g_get_monotonic_time () > m->ticket_expires_us)
    {
      refuse (ws, CB_CLOSE_TOKEN_INVALID, "ticket invalid, used or expired");
      return;
    }

  if (!cb_sim_user_can (user, mode_permissions[m->mode]))
    {
      refuse (ws, CB_CLOSE_FORBIDDEN, "permission lost");
      return;
    }

  /* Used. */
  g_clear_pointer (&m->ticket, g_free);
  if (m->socket != NULL)
    retire_socket (m->socket, NULL, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);

  s = g_new0 (MediaSocket, 1);
  s->media = self;
  s->monitor = m;
  s->ws = g_object_ref (ws);
  s->socket = soup_server_message_get_socket (msg) ? g_object_ref (soup_server_message_get_socket (msg)) : NULL;
  cb_silence_heard (&s->silence, g_get_monotonic_time ());
  s->silence.last_check_us = s->silence.last_rx_us;
  s->discontinuity = TRUE;
  s->timeline_base = m->timeline_pos;
  s->uplink.rate = m->rate;
  s->uplink.tokens = m->rate * (MAX_QUEUE_MS + UPLINK_MAX_FRAME_MS) / 1000.0;
  s->uplink.tokens_us = s->silence.last_rx_us;
  s->text_tokens = TEXT_BURST;
  s->text_tokens_us = s->silence.last_rx_us;
  if (s->socket != NULL)
    setsockopt (g_socket_get_fd (s->socket), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  soup_websocket_connection_set_max_incoming_payload_size (ws, WIRE_LIMIT_BYTES);
  g_signal_connect (ws, "message", G_CALLBACK (on_media_message), s);
  g_signal_connect (ws, "closed", G_CALLBACK (on_media_closed), s);
  m->socket = s;
  m->state = STATE_ACTIVE;
  publish_monitor (m);

  start = start_message (m, s);
  send_text (s, start);
  s->start_us = g_get_monotonic_time ();
  pump (s);
  ensure_tick (self);
}

/* ---- public -------------------------------------------------------------------- */

CbSimMedia *
cb_sim_media_new (CbSimEngine *engine,
                  CbSimState  *state,
                  CbSimServer *server,
                  guint64      seed)
{
  CbSimMedia *self = g_new0 (CbSimMedia, 1);

  self->engine = engine;
  self->state = state;
  self->server = server;
  self->seed = seed;
  self->ticket_ms = TICKET_MS;
  self->ended_linger_ms = ENDED_LINGER_MS;
  self->client_silence_ms = CLIENT_SILENCE_MS;
  self->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) monitor_free);
  self->closing = g_ptr_array_new_with_free_func ((GDestroyNotify) media_socket_free);

  cb_sim_server_add_op (server, "monitor.start", NULL, TRUE, op_monitor_start, self);
  cb_sim_server_add_op (server, "monitor.set_mode", NULL, TRUE, op_monitor_set_mode, self);
  cb_sim_server_add_op (server, "monitor.get_media_url", NULL, FALSE, op_monitor_get_media_url, self);
  cb_sim_server_add_op (server, "monitor.stop", NULL, TRUE, op_monitor_stop, self);
  cb_sim_server_add_websocket_handler (server, "/callboard/media", CB_SIM_MEDIA_SUBPROTOCOL,
                                       on_media_early, on_media_socket, self);
  cb_sim_server_add_feature (server, "monitor.listen");
  cb_sim_server_add_feature (server, "monitor.whisper");
  cb_sim_server_add_feature (server, "monitor.barge");
  return self;
}

void
cb_sim_media_free (CbSimMedia *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_handle_id (&self->reap_source, g_source_remove);
  g_hash_table_unref (self->monitors);
  g_ptr_array_unref (self->closing);
  g_free (self);
}

/* Returns: (transfer full): the monitors of @call_id that have not ended */
JsonArray *
cb_sim_media_monitor_ids_for_call (CbSimMedia *self,
                                   const char *call_id)
{
  JsonArray *ids = json_array_new ();
  g_autoptr(GPtrArray) list = NULL;

  if (self == NULL)
    return ids;
  list = monitor_list (self);
  for (guint i = 0; i < list->len; i++)
    {
      Monitor *m = g_ptr_array_index (list, i);

      if (m->state != STATE_ENDED && g_str_equal (m->call_id, call_id))
        json_array_add_string_element (ids, m->id);
    }
  return ids;
}

/* Where the supervisors' voices go: the recordings of the calls. */
void
cb_sim_media_set_recordings (CbSimMedia      *self,
                             CbSimRecordings *recordings)
{
  g_return_if_fail (self != NULL);
  self->recordings = recordings;
}

/* For tests: how long tickets live, and ended monitors stay in the topic. */
void
cb_sim_media_set_timeouts (CbSimMedia *self,
                           guint       ticket_ms,
                           guint       ended_linger_ms)
{
  self->ticket_ms = ticket_ms;
  self->ended_linger_ms = ended_linger_ms;
}

/* For tests: how long a media socket may be silent (10 s). */
void
cb_sim_media_set_client_silence (CbSimMedia *self,
                                 guint       silence_ms)
{
  g_return_if_fail (self != NULL);
  self->client_silence_ms = silence_ms;
}

guint64
cb_sim_media_get_uplink_frames (CbSimMedia *self,
                                const char *monitor_id)
{
  Monitor *m = g_hash_table_lookup (self->monitors, monitor_id);

  return m ? m->uplink_frames : 0;
}
