/* test-sim-media.c — live monitoring and recordings of the reference backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An in-process callboard-sim (server, world, media, recordings) on
 * loopback. Simulated time is moved by hand and then held still, so the
 * calls a test monitors stay connected while real audio flows; the control
 * socket is the real client (CbConnection), the media socket and the HTTP
 * requests are libsoup's. What is checked is what a console would see:
 * the bytes of docs/protocol.md §12.3, the pacing of frames, the shape of
 * the sound, close codes, ranges of §13.3.
 */
#include "config.h"

#include <math.h>
#include <sys/socket.h>

#include "cb-connection.h"
#include "cb-sim-audio.h"
#include "cb-sim-world.h"
#include "cb-test-view.h"

#define SUPERVISOR_TOKEN "supervisor-token-0123456789"
#define QA_TOKEN         "qa-token-0123456789abcdef"
#define MANAGER_TOKEN    "manager-token-0123456789ab"

#define FLAG_DISCONTINUITY 0x0001
#define FLAG_CH0_SYNTH     0x0002
#define FLAG_LAST          0x0008

typedef struct
{
  CbSimState   *state;
  CbSimUsers   *users;
  CbSimServer  *server;
  CbSimWorld   *world;
  CbSimEngine  *engine;
  GHashTable   *clients;   /* token → CbConnection */
  guint         idem;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CbSimWorldConfig config;

  f->state = cb_sim_state_new ();
  f->users = cb_sim_users_new ();
  cb_sim_users_add (f->users, "maris", "Maris Tamm", "supervisor", SUPERVISOR_TOKEN);
  cb_sim_users_add (f->users, "olena", "Olena Koval", "qa", QA_TOKEN);
  cb_sim_users_add (f->users, "kasia", "Katarzyna Nowak", "campaign_manager", MANAGER_TOKEN);
  f->server = cb_sim_server_new (f->state, f->users, "callboard-sim", "Europe/Tallinn");
  cb_sim_server_set_heartbeat (f->server, 1000);

  cb_sim_world_config_init (&config);
  config.seed = 11;
  config.n_agents = 30;
  config.n_queues = 2;
  config.n_campaigns = 0;
  f->world = cb_sim_world_new (&config, f->state, f->server);
  f->engine = cb_sim_world_get_engine (f->world);
  g_assert_true (cb_sim_server_listen (f->server, "127.0.0.1", 0, NULL, &error));
  g_assert_no_error (error);

  /* Forty busy minutes, then time stands still: enough ended calls for
   * two pages of recordings whatever the hour in the sim's zone. */
  cb_sim_world_advance (f->world, cb_sim_engine_get_now (f->engine) + 40 * 60 * 1000);
  f->clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, cb_test_release_connection);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_hash_table_unref (f->clients);
  cb_sim_world_free (f->world);
  g_assert_finalize_object (f->server);
  cb_sim_state_free (f->state);
  cb_sim_users_free (f->users);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
is_ready (gpointer client)
{
  return cb_connection_get_phase (client) == CB_PHASE_READY;
}

static CbConnection *
client_for (Fixture    *f,
            const char *token)
{
  CbConnection *client = g_hash_table_lookup (f->clients, token);
  g_autofree char *url = NULL;

  if (client != NULL)
    return client;
  url = cb_sim_server_get_url (f->server);
  client = cb_connection_new (url, token);
  g_hash_table_insert (f->clients, (gpointer) token, client);
  cb_connection_start (client);
  cb_test_wait (is_ready, client, 5000);
  return client;
}

/* Sends op with @data_json as @token (live ops get a fresh idem). */
static CbMessage *
request (Fixture    *f,
         const char *token,
         const char *op,
         const char *data_json)
{
  g_autoptr(JsonNode) data = json_from_string (data_json, NULL);
  g_autofree char *idem = g_strdup_printf ("t-%u", ++f->idem);
  CbTestReply r = { 0 };

  g_assert_nonnull (data);
  cb_connection_request_async (client_for (f, token), op, data, -1, idem, 5000, NULL, cb_test_reply_done, &r);
  cb_test_reply_wait (&r);
  g_assert_no_error (r.error);
  return r.response;
}

static const char *
error_code (CbMessage *res)
{
  return res->ok ? "ok" : json_object_get_string_member (res->error, "code");
}

/* ---- calls --------------------------------------------------------------- */

typedef struct
{
  CbSimCallState  state;
  const CbSimCall *found;
} CallSearch;

static void
find_call (gpointer data,
           gpointer user_data)
{
  const CbSimCall *call = data;
  CallSearch *search = user_data;

  if (search->found == NULL && call->state == search->state && call->agent_id != NULL)
    search->found = call;
}

static const char *
call_in_state (Fixture        *f,
               CbSimCallState  state)
{
  for (guint i = 0; i < 240; i++)
    {
      CallSearch search = { state, NULL };

      cb_sim_engine_foreach_call (f->engine, find_call, &search);
      if (search.found != NULL)
        return search.found->id;
      cb_sim_world_advance (f->world, cb_sim_engine_get_now (f->engine) + 5000);
    }
  g_error ("no call in state %s", cb_sim_call_state_to_string (state));
}

typedef struct
{
  char  *monitor_id;
  char  *url;
} Started;

static void
started_clear (Started *s)
{
  g_free (s->monitor_id);
  g_free (s->url);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Started, started_clear)

static CbMessage *
try_start (Fixture    *f,
           const char *token,
           const char *call_id,
           const char *mode,
           const char *codecs,
           Started    *out)
{
  g_autofree char *data = g_strdup_printf ("{\"call_id\":\"%s\",\"mode\":\"%s\",\"codecs\":%s}", call_id, mode, codecs);
  CbMessage *res = request (f, token, "monitor.start", data);

  if (res->ok && out != NULL)
    {
      JsonObject *monitor = json_object_get_object_member (res->data, "monitor");

      out->monitor_id = g_strdup (json_object_get_string_member (monitor, "id"));
      out->url = g_strdup (json_object_get_string_member (res->data, "media_url"));
    }
  return res;
}

static void
start (Fixture    *f,
       const char *token,
       const char *call_id,
       const char *mode,
       const char *codecs,
       Started    *out)
{
  g_autoptr(CbMessage) res = try_start (f, token, call_id, mode, codecs, out);

  g_assert_cmpstr (error_code (res), ==, "ok");
}

/* ---- a media socket ------------------------------------------------------------ */

typedef struct
{
  gboolean  text;
  GBytes   *bytes;
  JsonNode *json;
  gint64    at_us;
} Item;

typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GError                  *error;
  gboolean                 done;
  gboolean                 closed;
  gushort                  close_code;
  GPtrArray               *items;     /* Item */
  guint                    n_frames;
} Media;

static void
item_free (Item *item)
{
  g_clear_pointer (&item->bytes, g_bytes_unref);
  g_clear_pointer (&item->json, json_node_unref);
  g_free (item);
}

static void
on_media_message (SoupWebsocketConnection *ws,
                  gint                     type,
                  GBytes                  *bytes,
                  Media                   *m)
{
  Item *item = g_new0 (Item, 1);

  item->at_us = g_get_monotonic_time ();
  item->text = type == SOUP_WEBSOCKET_DATA_TEXT;
  if (item->text)
    {
      gsize length;
      const char *text = g_bytes_get_data (bytes, &length);

      item->json = json_from_string (text, NULL);
      g_assert_nonnull (item->json);
    }
  else
    {
      item->bytes = g_bytes_ref (bytes);
      m->n_frames++;
    }
  g_ptr_array_add (m->items, item);
}

static void
on_media_closed (SoupWebsocketConnection *ws,
                 Media                   *m)
{
  m->closed = TRUE;
  m->close_code = soup_websocket_connection_get_close_code (ws);
}

static void
on_media_connected (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Media *m = user_data;

  m->ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &m->error);
  if (m->ws != NULL)
    {
      soup_websocket_connection_set_keepalive_interval (m->ws, 0);
      g_signal_connect (m->ws, "message", G_CALLBACK (on_media_message), m);
      g_signal_connect (m->ws, "closed", G_CALLBACK (on_media_closed), m);
    }
  m->done = TRUE;
}

static gboolean media_done (gpointer m) { return ((Media *) m)->done; }
static gboolean media_closed (gpointer m) { return ((Media *) m)->closed; }

static Media *
media_open (const char *url,
            const char *token,
            const char *protocol)
{
  Media *m = g_new0 (Media, 1);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *authorization = g_strdup_printf ("Bearer %s", token);
  char *protocols[] = { (char *) protocol, NULL };

  m->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  m->session = soup_session_new ();
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  soup_session_websocket_connect_async (m->session, msg, NULL, protocols, G_PRIORITY_DEFAULT, NULL,
                                        on_media_connected, m);
  cb_test_wait (media_done, m, 5000);
  g_assert_no_error (m->error);
  return m;
}

static void
media_free (Media *m)
{
  if (m->ws != NULL)
    {
      if (soup_websocket_connection_get_state (m->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          soup_websocket_connection_close (m->ws, 1000, NULL);
          cb_test_wait (media_closed, m, 5000);
        }
      g_signal_handlers_disconnect_by_data (m->ws, m);
      g_clear_object (&m->ws);
    }
  g_ptr_array_unref (m->items);
  g_clear_object (&m->session);
  g_clear_error (&m->error);
  g_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Media, media_free)

typedef struct
{
  Media *m;
  guint  n;
} FrameWait;

static gboolean
has_frames (gpointer data)
{
  FrameWait *w = data;

  return w->m->n_frames >= w->n || w->m->closed;
}

static void
wait_frames (Media *m,
             guint  n)
{
  FrameWait w = { m, n };

  cb_test_wait (has_frames, &w, 2000 + n * 40);
}

/* The @n-th binary frame (0-based). */
static const guint8 *
frame_nth (Media *m,
           guint  n,
           gsize *length)
{
  for (guint i = 0; i < m->items->len; i++)
    {
      Item *item = g_ptr_array_index (m->items, i);

      if (!item->text && n-- == 0)
        return g_bytes_get_data (item->bytes, length);
    }
  g_assert_not_reached ();
}

static JsonObject *
text_nth (Media *m,
          guint  n)
{
  for (guint i = 0; i < m->items->len; i++)
    {
      Item *item = g_ptr_array_index (m->items, i);

      if (item->text && n-- == 0)
        return json_node_get_object (item->json);
    }
  return NULL;
}

static guint
be16 (const guint8 *p)
{
  return (p[0] << 8) | p[1];
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return ((guint64) be32 (p) << 32) | be32 (p + 4);
}

/* RMS of one channel of L16 frames [first, last), per 100 ms (5 frames). */
static GArray *
rms_windows (Media *m,
             guint  first,
             guint  last,
             guint  channel)
{
  GArray *windows = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint w = first; w + 5 <= last; w += 5)
    {
      double sum = 0;
      guint n = 0;

      for (guint k = w; k < w + 5; k++)
        {
          gsize length;
          const guint8 *frame = frame_nth (m, k, &length);

          if (frame[2] != 1)
            continue;
          for (gsize i = 24 + 2 * channel; i + 1 < length; i += 4)
            {
              double v = (gint16) be16 (frame + i) / 32768.0;

              sum += v * v;
              n++;
            }
        }
      sum = n ? sqrt (sum / n) : 0;
      g_array_append_val (windows, sum);
    }
  return windows;
}

/* ---- media tests --------------------------------------------------------------- */

static void
test_header (Fixture       *f,
             gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  JsonObject *start_msg, *uplink;
  const guint8 *frame;
  gsize length;
  /* docs/protocol.md §12.3: the 101st stereo L16 frame of 20 ms at 16 kHz. */
  static const guint8 example[24] = {
    0x01, 0x18, 0x01, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x01, 0x40,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7d, 0x00,
  };

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"opus\",\"l16\",\"pcmu\"]", &s);
  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  g_assert_cmpstr (soup_websocket_connection_get_protocol (m->ws), ==, "callboard.media.v1");
  wait_frames (m, 102);

  /* start comes first, with every member of §12.2. */
  g_assert_true (((Item *) g_ptr_array_index (m->items, 0))->text);
  start_msg = text_nth (m, 0);
  g_assert_cmpstr (json_object_get_string_member (start_msg, "type"), ==, "start");
  g_assert_cmpstr (json_object_get_string_member (start_msg, "monitor_id"), ==, s.monitor_id);
  g_assert_cmpstr (json_object_get_string_member (start_msg, "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (start_msg, "mode"), ==, "listen");
  g_assert_cmpstr (json_object_get_string_member (start_msg, "codec"), ==, "l16");
  g_assert_cmpint (json_object_get_int_member (start_msg, "sample_rate"), ==, 16000);
  g_assert_cmpint (json_object_get_int_member (start_msg, "channels"), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (start_msg, "channel_map"), 0), ==,
                   "customer");
  g_assert_cmpint (json_object_get_int_member (start_msg, "frame_ms"), ==, 20);
  g_assert_cmpint (json_object_get_int_member (start_msg, "max_queue_ms"), ==, 1000);
  g_assert_cmpint (ABS (json_object_get_int_member (start_msg, "start_at") - g_get_real_time () / 1000), <, 10000);
  uplink = json_object_get_object_member (start_msg, "uplink");
  g_assert_cmpstr (json_object_get_string_member (uplink, "codec"), ==, "l16");
  g_assert_cmpint (json_object_get_int_member (uplink, "channels"), ==, 1);

  /* The first frame: version, header_len, audio, L16, stereo, DISCONTINUITY. */
  frame = frame_nth (m, 0, &length);
  g_assert_cmpuint (length, ==, 24 + 320 * 2 * 2);
  g_assert_cmpuint (frame[0], ==, 1);
  g_assert_cmpuint (frame[1], ==, 24);
  g_assert_cmpuint (frame[2], ==, 1);
  g_assert_cmpuint (frame[3], ==, 2);
  g_assert_cmpuint (frame[4], ==, 2);
  g_assert_cmpuint (frame[5], ==, 0);
  g_assert_cmpuint (be16 (frame + 6), ==, FLAG_DISCONTINUITY);
  g_assert_cmpuint (be32 (frame + 8), ==, 0);
  g_assert_cmpuint (be32 (frame + 12), ==, 320);
  g_assert_cmpuint (be64 (frame + 16), ==, 0);

  /* The 101st is byte for byte the example of the spec. */
  frame = frame_nth (m, 100, &length);
  g_assert_cmpuint (length, ==, 24 + 1280);
  g_assert_cmpmem (frame, 24, example, 24);
}

static void
test_pcmu (Fixture       *f,
           gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  g_autoptr(CbMessage) opus = NULL;
  const guint8 *frame;
  gsize length;
  double peak = 0;

  /* Only Opus offered: the sim cannot, and says so. */
  opus = try_start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"opus\"]", NULL);
  g_assert_cmpstr (error_code (opus), ==, "unsupported");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (
                     json_object_get_object_member (opus->error, "details"), "codecs"), 0), ==, "l16");

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"pcmu\",\"l16\"]", &s);
  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  /* Three seconds: a pause between turns lasts up to one, and words have
   * pauses of their own, so 1.2 s could be silence. */
  wait_frames (m, 150);
  g_assert_cmpstr (json_object_get_string_member (text_nth (m, 0), "codec"), ==, "pcmu");
  g_assert_cmpint (json_object_get_int_member (text_nth (m, 0), "sample_rate"), ==, 8000);
  for (guint i = 0; i < 150; i++)
    {
      frame = frame_nth (m, i, &length);
      g_assert_cmpuint (frame[3], ==, 1);
      g_assert_cmpuint (be32 (frame + 12), ==, 160);
      g_assert_cmpuint (be64 (frame + 16), ==, 160 * i);
      g_assert_cmpuint (length, ==, 24 + 160 * 2);
      for (gsize k = 24; k < length; k++)
        peak = MAX (peak, ABS (cb_sim_audio_ulaw_decode (frame[k])) / 32768.0);
    }
  g_assert_cmpfloat (peak, >, 0.02);

  /* µ-law round trip, G.711's own figures. */
  g_assert_cmpuint (cb_sim_audio_ulaw_encode (0), ==, 0xff);
  g_assert_cmpuint (cb_sim_audio_ulaw_encode (-1), ==, 0x7f);
  g_assert_cmpint (cb_sim_audio_ulaw_decode (0x80), ==, 32124);
  g_assert_cmpint (cb_sim_audio_ulaw_decode (0x00), ==, -32124);
  for (int v = -32000; v <= 32000; v += 250)
    g_assert_cmpint (ABS (cb_sim_audio_ulaw_decode (cb_sim_audio_ulaw_encode ((gint16) v)) - v), <=,
                     MAX (8, ABS (v) / 16));
}

static void
test_pacing (Fixture       *f,
             gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  g_autoptr(GArray) left = NULL;
  g_autoptr(GArray) right = NULL;
  gint64 first_us = 0, last_us = 0;
  guint n = 0;
  double rate, loudest = 0;

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);
  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (m, 151);

  /* seq +1 per frame, the timeline tiled exactly. */
  for (guint i = 0; i < m->items->len; i++)
    {
      Item *item = g_ptr_array_index (m->items, i);
      const guint8 *frame;
      gsize length;

      if (item->text)
        continue;
      frame = g_bytes_get_data (item->bytes, &length);
      g_assert_cmpuint (be32 (frame + 8), ==, n);
      g_assert_cmpuint (be64 (frame + 16), ==, (guint64) n * 320);
      g_assert_cmpuint (be32 (frame + 12), ==, 320);
      if (n == 1)
        first_us = item->at_us;
      if (n == 150)
        last_us = item->at_us;
      n++;
    }

  /* ~50 frames a second of wall time (the first one comes at once). */
  g_assert_cmpuint (n, >=, 151);
  rate = 149.0 / ((last_us - first_us) / 1e6);
  g_test_message ("%.2f frames/s", rate);
  g_assert_cmpfloat (rate, >, 47.5);
  g_assert_cmpfloat (rate, <, 52.5);

  /* Someone speaks within three seconds, and not at a constant level. */
  left = rms_windows (m, 0, 150, 0);
  right = rms_windows (m, 0, 150, 1);
  for (guint i = 0; i < left->len; i++)
    loudest = MAX (loudest, MAX (g_array_index (left, double, i), g_array_index (right, double, i)));
  g_assert_cmpfloat (loudest, >, 0.03);
}

/* The conversation's structure, over a minute of the synthesizer's output. */
static void
test_conversation (Fixture       *f,
                   gconstpointer  data)
{
  const guint rate = 8000, window = rate / 10, n_windows = 600;
  g_autoptr(CbSimConversation) conversation = cb_sim_conversation_new (11, "call-000042", TRUE);
  g_autoptr(CbSimConversation) again = cb_sim_conversation_new (11, "call-000042", TRUE);
  g_autofree float *samples = g_new (float, 2 * window);
  g_autofree float *other = g_new (float, 2 * window);
  guint loud[2] = { 0, 0 }, quiet[2] = { 0, 0 }, both = 0, silent = 0, changes = 0;
  gboolean was_loud[2] = { FALSE, FALSE };
  double max_rms[2] = { 0, 0 };

  for (guint w = 0; w < n_windows; w++)
    {
      double rms[2] = { 0, 0 };
      gboolean now_loud[2];

      cb_sim_conversation_render (conversation, rate, (gint64) w * window, window, samples);
      for (guint i = 0; i < window; i++)
        for (guint c = 0; c < 2; c++)
          rms[c] += samples[2 * i + c] * samples[2 * i + c];
      for (guint c = 0; c < 2; c++)
        {
          rms[c] = sqrt (rms[c] / window);
          max_rms[c] = MAX (max_rms[c], rms[c]);
          now_loud[c] = rms[c] > 0.02;
          loud[c] += now_loud[c];
          quiet[c] += rms[c] < 0.005;
          changes += now_loud[c] != was_loud[c];
          was_loud[c] = now_loud[c];
        }
      both += now_loud[0] && now_loud[1];
      silent += !now_loud[0] && !now_loud[1];
    }

  g_test_message ("loud windows: customer %u, agent %u, both %u, neither %u; level changes %u",
                  loud[0], loud[1], both, silent, changes);
  /* Both parties speak, in turns, with pauses, rarely at once. */
  g_assert_cmpuint (loud[0], >, n_windows / 8);
  g_assert_cmpuint (loud[1], >, n_windows / 8);
  g_assert_cmpuint (quiet[0], >, n_windows / 5);
  g_assert_cmpuint (quiet[1], >, n_windows / 5);
  g_assert_cmpuint (both, <, n_windows / 10);
  g_assert_cmpuint (silent, >, n_windows / 20);
  g_assert_cmpuint (changes, >, 40);
  g_assert_cmpfloat (max_rms[0], <, 0.5);

  /* Deterministic and random-access: a stretch rendered on its own is the
   * same as in sequence. */
  cb_sim_conversation_render (conversation, rate, 123457, window, samples);
  cb_sim_conversation_render (again, rate, 123457, window, other);
  g_assert_cmpmem (samples, 2 * window * sizeof (float), other, 2 * window * sizeof (float));
}

static void
test_hold_music (Fixture       *f,
                 gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_ON_HOLD);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  g_autoptr(GArray) customer = NULL;
  g_autoptr(GArray) agent = NULL;

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);
  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (m, 50);

  for (guint i = 0; i < 50; i++)
    {
      gsize length;
      const guint8 *frame = frame_nth (m, i, &length);

      g_assert_cmpuint (frame[2], ==, 1);
      g_assert_cmpuint (be16 (frame + 6) & FLAG_CH0_SYNTH, ==, FLAG_CH0_SYNTH);
    }
  customer = rms_windows (m, 0, 50, 0);
  agent = rms_windows (m, 0, 50, 1);
  for (guint i = 0; i < customer->len; i++)
    {
      g_assert_cmpfloat (g_array_index (customer, double, i), >, 0.02);   /* music, without pause */
      g_assert_cmpfloat (g_array_index (agent, double, i), <, 0.005);     /* the agent is off the line */
    }
}

static void
test_ticket (Fixture       *f,
             gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) wrong = NULL;
  g_autoptr(Media) first = NULL;
  g_autoptr(Media) second = NULL;
  g_autoptr(Media) late = NULL;
  g_autoptr(Media) stranger = NULL;
  g_autoptr(CbMessage) res = NULL;
  g_autofree char *data_json = NULL;
  g_autofree char *fresh = NULL;

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);

  /* The wrong subprotocol: 4406, and the ticket is not spent. */
  wrong = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v0");
  cb_test_wait (media_closed, wrong, 5000);
  g_assert_cmpuint (wrong->close_code, ==, 4406);
  g_assert_cmpuint (wrong->n_frames, ==, 0);

  /* Another user's token with the ticket: 4401. */
  stranger = media_open (s.url, QA_TOKEN, "callboard.media.v1");
  cb_test_wait (media_closed, stranger, 5000);
  g_assert_cmpuint (stranger->close_code, ==, 4401);

  first = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (first, 2);
  g_assert_false (first->closed);

  /* Single use: 4401. */
  second = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  cb_test_wait (media_closed, second, 5000);
  g_assert_cmpuint (second->close_code, ==, 4401);
  g_assert_cmpuint (second->n_frames, ==, 0);
  g_assert_false (first->closed);

  /* An expired ticket: 4401; a fresh URL then works. */
  cb_sim_media_set_timeouts (cb_sim_world_get_media (f->world), 100, 200);
  data_json = g_strdup_printf ("{\"monitor_id\":\"%s\"}", s.monitor_id);
  res = request (f, SUPERVISOR_TOKEN, "monitor.get_media_url", data_json);
  g_assert_cmpstr (error_code (res), ==, "ok");
  fresh = g_strdup (json_object_get_string_member (res->data, "media_url"));
  cb_test_spin (300);
  late = media_open (fresh, SUPERVISOR_TOKEN, "callboard.media.v1");
  cb_test_wait (media_closed, late, 5000);
  g_assert_cmpuint (late->close_code, ==, 4401);

  /* A monitor that does not exist: 4404. */
  {
    g_autofree char *bogus = g_strdup (s.url);
    g_autoptr(Media) gone = NULL;
    char *at = strstr (bogus, "/media/mon-");

    g_assert_nonnull (at);
    memcpy (at + strlen ("/media/mon-"), "9", 1);
    gone = media_open (bogus, SUPERVISOR_TOKEN, "callboard.media.v1");
    cb_test_wait (media_closed, gone, 5000);
    g_assert_true (gone->close_code == 4404 || gone->close_code == 4401);
  }
}

static void
test_permissions (Fixture       *f,
                  gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) qa = { 0 };
  g_auto(Started) sup = { 0 };
  g_autoptr(CbMessage) manager = NULL;
  g_autoptr(CbMessage) whisper = NULL;
  g_autoptr(CbMessage) again = NULL;
  g_autoptr(CbMessage) barge = NULL;
  g_autoptr(CbMessage) stop_other = NULL;
  g_autoptr(CbMessage) preempt = NULL;
  g_autoptr(Media) m = NULL;
  g_autofree char *qa_data = NULL;
  JsonObject *details;
  JsonObject *stop_msg = NULL;

  /* A campaign manager may not listen; QA may listen but not whisper. */
  manager = try_start (f, MANAGER_TOKEN, call_id, "listen", "[\"l16\"]", NULL);
  g_assert_cmpstr (error_code (manager), ==, "forbidden");
  whisper = try_start (f, QA_TOKEN, call_id, "whisper", "[\"l16\"]", NULL);
  g_assert_cmpstr (error_code (whisper), ==, "forbidden");
  start (f, QA_TOKEN, call_id, "listen", "[\"l16\"]", &qa);

  /* One monitor per user and call. */
  again = try_start (f, QA_TOKEN, call_id, "listen", "[\"l16\"]", NULL);
  g_assert_cmpstr (error_code (again), ==, "invalid_state");
  details = json_object_get_object_member (again->error, "details");
  g_assert_cmpstr (json_object_get_string_member (details, "monitor_id"), ==, qa.monitor_id);

  qa_data = g_strdup_printf ("{\"monitor_id\":\"%s\",\"mode\":\"barge\"}", qa.monitor_id);
  barge = request (f, QA_TOKEN, "monitor.set_mode", qa_data);
  g_assert_cmpstr (error_code (barge), ==, "forbidden");

  /* QA cannot stop the supervisor's monitor; the supervisor (barge) can stop QA's. */
  start (f, SUPERVISOR_TOKEN, call_id, "barge", "[\"l16\"]", &sup);
  {
    g_autofree char *sup_data = g_strdup_printf ("{\"monitor_id\":\"%s\"}", sup.monitor_id);
    g_autofree char *qa_stop = g_strdup_printf ("{\"monitor_id\":\"%s\"}", qa.monitor_id);

    stop_other = request (f, QA_TOKEN, "monitor.stop", sup_data);
    g_assert_cmpstr (error_code (stop_other), ==, "forbidden");

    m = media_open (qa.url, QA_TOKEN, "callboard.media.v1");
    wait_frames (m, 3);
    preempt = request (f, SUPERVISOR_TOKEN, "monitor.stop", qa_stop);
    g_assert_cmpstr (error_code (preempt), ==, "ok");
  }
  cb_test_wait (media_closed, m, 5000);
  g_assert_cmpuint (m->close_code, ==, 1000);
  for (guint i = 0; (stop_msg == NULL || g_strcmp0 (json_object_get_string_member (stop_msg, "type"), "stop") != 0)
                    && text_nth (m, i) != NULL; i++)
    stop_msg = text_nth (m, i);
  g_assert_cmpstr (json_object_get_string_member (stop_msg, "type"), ==, "stop");
  g_assert_cmpstr (json_object_get_string_member (stop_msg, "reason"), ==, "preempted");
}

static void
test_whisper (Fixture       *f,
              gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  g_autoptr(CbMessage) res = NULL;
  g_autofree char *data_json = NULL;
  guint8 uplink[24 + 320 * 2] = { 0 };
  guint before = 0;
  JsonObject *mode_msg;
  gboolean discontinuity = FALSE;

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);
  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (m, 5);

  data_json = g_strdup_printf ("{\"monitor_id\":\"%s\",\"mode\":\"whisper\"}", s.monitor_id);
  res = request (f, SUPERVISOR_TOKEN, "monitor.set_mode", data_json);
  g_assert_cmpstr (error_code (res), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (res->data, "monitor"), "mode"), ==,
                   "whisper");
  before = m->n_frames;
  wait_frames (m, before + 3);

  /* A mode message, and the next audio frame marks a discontinuity. */
  mode_msg = text_nth (m, 1);
  g_assert_nonnull (mode_msg);
  g_assert_cmpstr (json_object_get_string_member (mode_msg, "type"), ==, "mode");
  g_assert_cmpstr (json_object_get_string_member (mode_msg, "mode"), ==, "whisper");
  for (guint i = 0, n = 0; i < m->items->len; i++)
    {
      Item *item = g_ptr_array_index (m->items, i);

      if (item->text && g_strcmp0 (json_object_get_string_member (json_node_get_object (item->json), "type"), "mode") == 0)
        {
          for (guint j = i + 1; j < m->items->len; j++)
            if (!((Item *) g_ptr_array_index (m->items, j))->text)
              {
                const guint8 *frame = g_bytes_get_data (((Item *) g_ptr_array_index (m->items, j))->bytes, NULL);

                discontinuity = (be16 (frame + 6) & FLAG_DISCONTINUITY) != 0;
                break;
              }
          break;
        }
      n += !item->text;
    }
  g_assert_true (discontinuity);

  /* Uplink frames, mono L16 at 16 kHz, are accepted and counted. */
  uplink[0] = 1;
  uplink[1] = 24;
  uplink[2] = 3;
  uplink[3] = 2;
  uplink[4] = 1;
  uplink[14] = 0x01;
  uplink[15] = 0x40;
  for (guint i = 0; i < 25; i++)
    {
      uplink[11] = (guint8) i;
      uplink[22] = (guint8) ((i * 320) >> 8);
      uplink[23] = (guint8) (i * 320);
      soup_websocket_connection_send_binary (m->ws, uplink, sizeof uplink);
      cb_test_spin (20);
    }
  cb_test_spin (100);
  g_assert_false (m->closed);
  g_assert_cmpuint (cb_sim_media_get_uplink_frames (cb_sim_world_get_media (f->world), s.monitor_id), ==, 25);
  cb_test_spin (1100);
  g_assert_cmpint (json_object_get_int_member (cb_sim_state_lookup (f->state, "monitor", s.monitor_id)->data,
                                               "x_callboard_sim_uplink_frames"), ==, 25);

  /* A frame that contradicts start.uplink is a protocol error. */
  uplink[4] = 2;
  soup_websocket_connection_send_binary (m->ws, uplink, sizeof uplink);
  cb_test_wait (media_closed, m, 5000);
  g_assert_cmpuint (m->close_code, ==, 4000);
}

static void
test_stop (Fixture       *f,
           gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  g_autoptr(CbMessage) res = NULL;
  g_autoptr(CbMessage) again = NULL;
  g_autofree char *data_json = NULL;
  const CbSimEntity *monitor, *call;
  JsonArray *ids;
  Item *last_frame = NULL, *stop_item = NULL;

  cb_sim_media_set_timeouts (cb_sim_world_get_media (f->world), 30000, 200);
  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);

  /* While it lives, the call lists it. */
  call = cb_sim_state_lookup (f->state, "call", call_id);
  ids = json_object_get_array_member (call->data, "monitor_ids");
  g_assert_cmpuint (json_array_get_length (ids), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (ids, 0), ==, s.monitor_id);
  monitor = cb_sim_state_lookup (f->state, "monitor", s.monitor_id);
  g_assert_cmpstr (json_object_get_string_member (monitor->data, "state"), ==, "connecting");

  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (m, 5);
  monitor = cb_sim_state_lookup (f->state, "monitor", s.monitor_id);
  g_assert_cmpstr (json_object_get_string_member (monitor->data, "state"), ==, "active");

  data_json = g_strdup_printf ("{\"monitor_id\":\"%s\"}", s.monitor_id);
  res = request (f, SUPERVISOR_TOKEN, "monitor.stop", data_json);
  g_assert_cmpstr (error_code (res), ==, "ok");
  g_assert_true (json_object_get_boolean_member (res->data, "stopped"));

  /* stop, after a frame flagged LAST, then close 1000. */
  cb_test_wait (media_closed, m, 5000);
  g_assert_cmpuint (m->close_code, ==, 1000);
  for (guint i = 0; i < m->items->len; i++)
    {
      Item *item = g_ptr_array_index (m->items, i);

      if (item->text && g_strcmp0 (json_object_get_string_member (json_node_get_object (item->json), "type"),
                                   "stop") == 0)
        stop_item = item;
      else if (!item->text)
        {
          g_assert_null (stop_item);   /* nothing after stop */
          last_frame = item;
        }
    }
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (stop_item->json), "type"), ==, "stop");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (stop_item->json), "reason"), ==,
                   "monitor_stopped");
  g_assert_cmpuint (be16 ((const guint8 *) g_bytes_get_data (last_frame->bytes, NULL) + 6) & FLAG_LAST, ==, FLAG_LAST);

  /* The entity ends, the call no longer lists it, then it is deleted. */
  monitor = cb_sim_state_lookup (f->state, "monitor", s.monitor_id);
  g_assert_cmpstr (json_object_get_string_member (monitor->data, "state"), ==, "ended");
  g_assert_true (json_object_get_int_member (monitor->data, "ended_at") > 0);
  call = cb_sim_state_lookup (f->state, "call", call_id);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (call->data, "monitor_ids")), ==, 0);
  cb_test_spin (400);
  g_assert_null (cb_sim_state_lookup (f->state, "monitor", s.monitor_id));

  again = request (f, SUPERVISOR_TOKEN, "monitor.stop", data_json);
  g_assert_cmpstr (error_code (again), ==, "not_found");
}

/* A client that stops reading (§12.5): the server queues at most
 * max_queue_ms, drops the rest and says so with one congestion gap; the
 * timeline still tiles. The client is a raw socket with a tiny receive
 * buffer, so that not reading is felt at once. */
static void
test_congestion (Fixture       *f,
                 gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GByteArray) in = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *request_text = NULL;
  const guint8 *p, *end;
  guint frames = 0, audio = 0, congestion = 0;
  guint64 expected_pos = 0;
  guint32 expected_seq = 0;
  gboolean after_gap = FALSE;
  int small = 2048;

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);
  uri = g_uri_parse (s.url, G_URI_FLAGS_ENCODED, &error);
  g_assert_no_error (error);

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_cmpint (setsockopt (g_socket_get_fd (sock), SOL_SOCKET, SO_RCVBUF, &small, sizeof small), ==, 0);
  address = g_inet_socket_address_new (loopback, (guint16) g_uri_get_port (uri));
  g_assert_true (g_socket_connect (sock, address, NULL, &error));
  request_text = g_strdup_printf ("GET %s?%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: callboard.media.v1\r\n"
                                  "Authorization: Bearer " SUPERVISOR_TOKEN "\r\n\r\n",
                                  g_uri_get_path (uri), g_uri_get_query (uri), g_uri_get_port (uri));
  g_assert_cmpint (g_socket_send (sock, request_text, strlen (request_text), NULL, &error), ==,
                   (gssize) strlen (request_text));

  /* Four seconds without reading, then read everything for two. */
  cb_test_spin (4000);
  g_socket_set_blocking (sock, FALSE);
  for (gint64 until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC; g_get_monotonic_time () < until;)
    {
      guint8 buffer[65536];
      gssize n = g_socket_receive (sock, (char *) buffer, sizeof buffer, NULL, NULL);

      if (n > 0)
        g_byte_array_append (in, buffer, (guint) n);
      g_main_context_iteration (NULL, FALSE);
    }

  /* The upgrade, then websocket frames (unmasked from a server). */
  p = (const guint8 *) g_strstr_len ((const char *) in->data, MIN (in->len, 4096), "\r\n\r\n");
  g_assert_nonnull (p);
  g_assert_true (g_str_has_prefix ((const char *) in->data, "HTTP/1.1 101"));
  p += 4;
  end = in->data + in->len;
  while (end - p >= 2)
    {
      guint opcode = p[0] & 0x0f;
      guint64 length = p[1] & 0x7f;
      const guint8 *payload = p + 2;

      if (length == 126)
        {
          length = be16 (p + 2);
          payload = p + 4;
        }
      else if (length == 127)
        {
          length = be64 (p + 2);
          payload = p + 10;
        }
      if (payload + length > end)
        break;
      if (opcode == 2)
        {
          guint kind = payload[2];

          g_assert_cmpuint (be32 (payload + 8), ==, expected_seq);
          g_assert_cmpuint (be64 (payload + 16), ==, expected_pos);
          if (after_gap)
            g_assert_cmpuint (be16 (payload + 6) & FLAG_DISCONTINUITY, ==, FLAG_DISCONTINUITY);
          after_gap = kind == 2;
          if (kind == 2)
            {
              g_assert_cmpuint (length, ==, 28);
              g_assert_cmpuint (be32 (payload + 12), <=, 16000);
              congestion += payload[24] == 3;
            }
          else
            audio++;
          expected_seq++;
          expected_pos += be32 (payload + 12);
          frames++;
        }
      p = payload + length;
    }

  g_test_message ("%u frames: %u audio, %u congestion gaps, %.1f s of timeline", frames, audio, congestion,
                  expected_pos / 16000.0);
  g_assert_cmpuint (congestion, >=, 1);
  g_assert_cmpfloat (expected_pos / 16000.0, >, 4.5);      /* the timeline went on */
  g_assert_cmpuint (audio, <, expected_pos / 320 - 25);   /* and audio was dropped */
  g_socket_close (sock, NULL);
  cb_test_spin (100);
}

/* pause: only paused gaps, one a second; resume: audio again, marked. */
static void
test_pause (Fixture       *f,
            gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  guint before, gaps = 0, audio_in_pause = 0;
  guint64 expected_pos = 0;
  gboolean resumed_marked = FALSE;

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);
  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (m, 5);
  soup_websocket_connection_send_text (m->ws, "{\"type\":\"pause\"}");
  cb_test_spin (100);
  before = m->n_frames;
  cb_test_spin (2500);
  soup_websocket_connection_send_text (m->ws, "{\"type\":\"resume\"}");
  wait_frames (m, m->n_frames + 5);

  for (guint i = 0; i < m->n_frames; i++)
    {
      gsize length;
      const guint8 *frame = frame_nth (m, i, &length);

      g_assert_cmpuint (be64 (frame + 16), ==, expected_pos);
      expected_pos += be32 (frame + 12);
      if (i < before)
        continue;
      if (frame[2] == 2)
        {
          g_assert_cmpuint (frame[24], ==, 4);   /* paused */
          g_assert_cmpuint (be32 (frame + 12), <=, 16000);
          gaps++;
        }
      else if (gaps > 0 && !resumed_marked)
        {
          resumed_marked = (be16 (frame + 6) & FLAG_DISCONTINUITY) != 0;
          g_assert_true (resumed_marked);
        }
      else if (gaps == 0)
        audio_in_pause++;
    }
  g_test_message ("%u paused gaps", gaps);
  g_assert_cmpuint (audio_in_pause, <=, 5);
  g_assert_cmpuint (gaps, >=, 2);
  g_assert_cmpuint (gaps, <=, 4);
  g_assert_true (resumed_marked);
}

/* The sim itself stalls (its main loop is blocked for 2.5 s): it catches up
 * by at most max_queue_ms and covers the rest with a gap. */
static void
test_stall (Fixture       *f,
            gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  guint64 expected_pos = 0, gap_samples = 0;
  guint before;

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);
  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (m, 10);
  g_usleep (2500 * 1000);
  before = m->n_frames;
  wait_frames (m, before + 60);

  for (guint i = 0; i < m->n_frames; i++)
    {
      gsize length;
      const guint8 *frame = frame_nth (m, i, &length);

      g_assert_cmpuint (be32 (frame + 8), ==, i);
      g_assert_cmpuint (be64 (frame + 16), ==, expected_pos);
      expected_pos += be32 (frame + 12);
      if (frame[2] == 2)
        {
          g_assert_cmpuint (frame[24], ==, 0);
          gap_samples += be32 (frame + 12);
        }
    }
  g_test_message ("a gap of %.2f s", gap_samples / 16000.0);
  g_assert_cmpfloat (gap_samples / 16000.0, >, 1.0);
  g_assert_cmpfloat (gap_samples / 16000.0, <, 2.0);
}

/* The client's `buffer` report, as the console sends it every second. */
static gboolean
send_buffer (gpointer data)
{
  Media *m = data;

  if (m->ws != NULL && soup_websocket_connection_get_state (m->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (m->ws, "{\"type\":\"buffer\",\"level_ms\":80,"
                                                "\"underruns\":0,\"late_frames\":0}");
  return G_SOURCE_CONTINUE;
}

/* The loop the sim and its client share stalls for longer than the
 * client may be silent: its reports wait unread in the socket, so that is
 * not silence (§6.3), and the socket plays on. A client that then really
 * says nothing is closed 4408. */
static void
test_stall_is_not_silence (Fixture       *f,
                           gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  guint reports, before;
  gint64 quiet_since;

  cb_sim_media_set_client_silence (cb_sim_world_get_media (f->world), 1500);
  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);
  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (m, 5);
  reports = g_timeout_add (300, send_buffer, m);
  cb_test_spin (1200);

  g_usleep (3200 * 1000);
  before = m->n_frames;
  wait_frames (m, before + 100);   /* two more seconds of audio */
  g_assert_false (m->closed);

  g_source_remove (reports);
  quiet_since = g_get_monotonic_time ();
  cb_test_wait (media_closed, m, 5000);
  g_assert_cmpuint (m->close_code, ==, CB_CLOSE_HELLO_TIMEOUT);
  g_test_message ("closed %.1f s after the client went quiet", (g_get_monotonic_time () - quiet_since) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - quiet_since, >=, 1500 * 1000);
}

/* The call ends: stop with call_ended, then close 1000. */
static void
test_call_ended (Fixture       *f,
                 gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  g_autoptr(Media) m = NULL;
  JsonObject *stop_msg = NULL;

  start (f, SUPERVISOR_TOKEN, call_id, "listen", "[\"l16\"]", &s);
  m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (m, 3);

  for (guint i = 0; i < 2000 && !m->closed; i++)
    {
      const CbSimCall *call = cb_sim_engine_get_call (f->engine, call_id);

      if (call != NULL && (call->state == CB_SIM_CALL_CONNECTED || call->state == CB_SIM_CALL_ON_HOLD))
        cb_sim_world_advance (f->world, cb_sim_engine_get_now (f->engine) + 10000);
      cb_test_spin (10);
    }
  cb_test_wait (media_closed, m, 5000);
  g_assert_cmpuint (m->close_code, ==, 1000);
  for (guint i = 0; text_nth (m, i) != NULL; i++)
    stop_msg = text_nth (m, i);
  g_assert_cmpstr (json_object_get_string_member (stop_msg, "type"), ==, "stop");
  g_assert_cmpstr (json_object_get_string_member (stop_msg, "reason"), ==, "call_ended");
  cb_test_spin (200);
}


static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* ---- uplink: whisper and barge -------------------------------------------------- */

#define TONE_HZ     1000.0
#define TONE_LEVEL  0.5
#define TONE_FOUND  0.25     /* Goertzel amplitude that counts as the tone */

/* Amplitude of @freq in @n samples of @x (every @stride-th value). */
static double
goertzel (const float *x,
          guint        n,
          guint        stride,
          double       freq,
          double       rate)
{
  double coeff = 2 * cos (2 * G_PI * freq / rate);
  double s1 = 0, s2 = 0;

  for (guint i = 0; i < n; i++)
    {
      double v = x[i * stride] + coeff * s1 - s2;

      s2 = s1;
      s1 = v;
    }
  return 2 * sqrt (MAX (0, s1 * s1 + s2 * s2 - coeff * s1 * s2)) / n;
}

typedef struct
{
  guint  frames;            /* audio frames looked at */
  guint  tone[2];           /* of them with the tone, per channel */
  guint  longest_gap[2];    /* the longest run without it between the first and last with it */
  double median[2];         /* the tone's amplitude, median over the frames with it */
  gint64 first[2];          /* the first frame with it */
} ToneCount;

/* The tone in a monitor's L16 stream, frame by frame, from frame @first. */
static void
count_tone_l16 (Media     *m,
                guint      first,
                ToneCount *out)
{
  g_autoptr(GArray) amps0 = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) amps1 = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *amps[2] = { amps0, amps1 };
  gint64 last_seen[2] = { -1, -1 };

  memset (out, 0, sizeof *out);
  for (guint k = first; k < m->n_frames; k++)
    {
      gsize length;
      const guint8 *frame = frame_nth (m, k, &length);
      guint n = be32 (frame + 12);
      g_autofree float *x = NULL;

      if (frame[2] != 1)
        continue;
      x = g_new (float, 2 * n);
      for (guint i = 0; i < 2 * n; i++)
        x[i] = (gint16) be16 (frame + 24 + 2 * i) / 32768.0f;
      for (guint c = 0; c < 2; c++)
        {
          double a = goertzel (x + c, n, 2, TONE_HZ, 16000);

          if (a > TONE_FOUND)
            {
              if (last_seen[c] >= 0)
                out->longest_gap[c] = MAX (out->longest_gap[c], (guint) (k - last_seen[c] - 1));
              last_seen[c] = k;
              out->tone[c]++;
              g_array_append_val (amps[c], a);
            }
        }
      out->frames++;
    }
  for (guint c = 0; c < 2; c++)
    if (amps[c]->len > 0)
      {
        g_array_sort (amps[c], compare_doubles);
        out->median[c] = g_array_index (amps[c], double, amps[c]->len / 2);
      }
}

/* An uplink frame of the tone: frame @index of @n samples at @rate. */
static GBytes *
tone_frame (gboolean pcmu,
            guint    rate,
            guint    index,
            guint32  seq)
{
  guint n = rate / 50;
  guint bytes = pcmu ? 1 : 2;
  guint8 *frame = g_malloc0 (24 + n * bytes);
  guint64 pos = (guint64) index * n;

  frame[0] = 1;
  frame[1] = 24;
  frame[2] = 3;
  frame[3] = pcmu ? 1 : 2;
  frame[4] = 1;
  for (guint b = 0; b < 4; b++)
    {
      frame[8 + b] = (guint8) (seq >> (24 - 8 * b));
      frame[12 + b] = (guint8) (n >> (24 - 8 * b));
    }
  for (guint b = 0; b < 8; b++)
    frame[16 + b] = (guint8) (pos >> (56 - 8 * b));
  for (guint i = 0; i < n; i++)
    {
      gint16 v = (gint16) lrint (TONE_LEVEL * 32767 * sin (2 * G_PI * TONE_HZ * (pos + i) / rate));

      if (pcmu)
        frame[24 + i] = cb_sim_audio_ulaw_encode (v);
      else
        {
          frame[24 + 2 * i] = (guint8) ((guint16) v >> 8);
          frame[24 + 2 * i + 1] = (guint8) v;
        }
    }
  return g_bytes_new_take (frame, 24 + n * bytes);
}

/* Sends uplink frames in real time: slot j (every 20 ms) sends the frames
 * plan[j] lists (-1 ends a slot's list), by their index on the timeline. */
typedef struct
{
  gint frames[3];
} Slot;

static void
send_plan (Media      *m,
           gboolean    pcmu,
           guint       rate,
           const Slot *plan,
           guint       n_slots)
{
  gint64 t0 = g_get_monotonic_time ();
  guint32 seq = 0;

  for (guint j = 0; j < n_slots; j++)
    {
      while (g_get_monotonic_time () < t0 + (gint64) j * 20000)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (500);
        }
      for (guint i = 0; i < G_N_ELEMENTS (plan[j].frames) && plan[j].frames[i] >= 0; i++)
        {
          g_autoptr(GBytes) frame = tone_frame (pcmu, rate, (guint) plan[j].frames[i], seq++);

          if (soup_websocket_connection_get_state (m->ws) == SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_send_binary (m->ws, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
        }
    }
}

/* @n frames of tone, one each 20 ms, in order. */
static Slot *
plain_plan (guint n)
{
  Slot *plan = g_new (Slot, n);

  for (guint j = 0; j < n; j++)
    {
      plan[j].frames[0] = (gint) j;
      plan[j].frames[1] = -1;
    }
  return plan;
}

typedef struct
{
  char    *recording_id;
  GBytes  *pcm;          /* some of the WAV's data, 16-bit stereo at 8 kHz */
  gint64   from_ms;      /* where it starts in the recording */
  gint64   duration_ms;  /* of the whole recording */
} Recorded;

static void
recorded_clear (Recorded *r)
{
  g_free (r->recording_id);
  g_clear_pointer (&r->pcm, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Recorded, recorded_clear)

/* The call goes on to its end; then its recording's audio. */
static void
fetch_recording (Fixture    *f,
                 const char *call_id,
                 gint64      from_ms,
                 gint64      to_ms,
                 Recorded   *out);

/* The tone in a recording, per 20 ms window. */
static void
count_tone_wav (GBytes    *pcm,
                ToneCount *out)
{
  gsize length;
  const guint8 *p = g_bytes_get_data (pcm, &length);
  g_autofree float *x = g_new (float, 2 * 160);
  gint64 last_seen[2] = { -1, -1 };

  memset (out, 0, sizeof *out);
  for (gsize w = 0; w + 160 * 4 <= length; w += 160 * 4)
    {
      for (guint i = 0; i < 2 * 160; i++)
        x[i] = (gint16) (p[w + 2 * i] | (p[w + 2 * i + 1] << 8)) / 32768.0f;
      for (guint c = 0; c < 2; c++)
        {
          double a = goertzel (x + c, 160, 2, TONE_HZ, 8000);

          if (a > TONE_FOUND)
            {
              gint64 k = (gint64) (w / (160 * 4));

              if (last_seen[c] >= 0)
                out->longest_gap[c] = MAX (out->longest_gap[c], (guint) (k - last_seen[c] - 1));
              else
                out->first[c] = k;
              last_seen[c] = k;
              out->tone[c]++;
              out->median[c] = MAX (out->median[c], a);   /* the loudest, for a recording */
            }
        }
      out->frames++;
    }
}

/* Supervisor maris monitors a call in @mode and says a tone for two
 * seconds; QA olena listens to the same call. Returns what olena heard,
 * what maris heard, the recording, and the monitor's entity. */
typedef struct
{
  ToneCount heard;        /* by the other listener */
  ToneCount own;          /* by the speaker: never an echo */
  ToneCount recorded;
  gint64    uplink_frames;
  gint64    uplink_dropped;
  gint64    joined_ms;    /* where on the call's timeline the speaker joined */
  char      call_id[32];
} Whispered;

static void
speak_in (Fixture        *f,
          CbSimCallState  state,
          const char     *mode,
          gboolean        pcmu,
          const Slot     *plan,
          guint           n_slots,
          gboolean        record,
          Whispered      *out);

static void
speak_in (Fixture        *f,
          CbSimCallState  state,
          const char     *mode,
          gboolean        pcmu,
          const Slot     *plan,
          guint           n_slots,
          gboolean        record,
          Whispered      *out)
{
  static guint attempts = 0;
  const char *call_id = call_in_state (f, state);

  g_strlcpy (out->call_id, call_id, sizeof out->call_id);
  g_auto(Started) speaker = { 0 };
  g_auto(Started) listener = { 0 };
  g_autoptr(Media) a = NULL;
  g_autoptr(Media) b = NULL;
  g_auto(Recorded) rec = { 0 };
  const CbSimEntity *entity;
  guint a_first, b_first;

  out->joined_ms = cb_sim_engine_get_now (f->engine) - cb_sim_engine_get_call (f->engine, call_id)->answered_ms;
  start (f, SUPERVISOR_TOKEN, call_id, mode, pcmu ? "[\"pcmu\"]" : "[\"l16\"]", &speaker);
  start (f, QA_TOKEN, call_id, "listen", "[\"l16\"]", &listener);
  a = media_open (speaker.url, SUPERVISOR_TOKEN, "callboard.media.v1");
  b = media_open (listener.url, QA_TOKEN, "callboard.media.v1");
  wait_frames (a, 5);
  wait_frames (b, 5);
  a_first = a->n_frames;
  b_first = b->n_frames;

  send_plan (a, pcmu, pcmu ? 8000 : 16000, plan, n_slots);
  cb_test_spin (400);
  g_assert_false (a->closed);
  g_assert_false (b->closed);

  count_tone_l16 (b, b_first, &out->heard);
  if (!pcmu)
    count_tone_l16 (a, a_first, &out->own);
  cb_test_spin (1100);
  entity = cb_sim_state_lookup (f->state, "monitor", speaker.monitor_id);
  out->uplink_frames = json_object_get_int_member (entity->data, "x_callboard_sim_uplink_frames");
  out->uplink_dropped = json_object_get_int_member (entity->data, "x_callboard_sim_uplink_dropped");
  g_test_message ("%s%s: the listener heard the tone in %u of %u frames (customer) and %u (agent), "
                  "median %.3f / %.3f, longest gap %u; the speaker %u / %u; uplink %" G_GINT64_FORMAT
                  " frames, %" G_GINT64_FORMAT " dropped",
                  mode, pcmu ? " in PCMU" : "", out->heard.tone[0], out->heard.frames, out->heard.tone[1],
                  out->heard.median[0], out->heard.median[1], out->heard.longest_gap[1],
                  out->own.tone[0], out->own.tone[1], out->uplink_frames, out->uplink_dropped);

  if (record)
    {
      /* From two seconds before the supervisor joined to six after. */
      fetch_recording (f, call_id, MAX (0, out->joined_ms - 2000), out->joined_ms + 6000, &rec);

      /* Simulated time stood still while the supervisor spoke: a call whose
       * customer hung up within seconds of it in simulated time could not
       * hold it all. Rare; then another call. */
      if (rec.duration_ms < out->joined_ms + n_slots * 20 + 1000 && attempts++ < 3)
        {
          g_test_message ("%s ended %.1f s after the supervisor joined; again on another call", call_id,
                          (rec.duration_ms - out->joined_ms) / 1000.0);
          memset (out, 0, sizeof *out);
          speak_in (f, state, mode, pcmu, plan, n_slots, record, out);
          attempts = 0;
          return;
        }
      attempts = 0;
      count_tone_wav (rec.pcm, &out->recorded);
      out->recorded.first[1] += rec.from_ms / 20;
      g_test_message ("%s: the recording has the tone in %u of %u windows (customer) and %u (agent), "
                      "loudest %.3f / %.3f, from %.2f s (the speaker joined at %.2f s)", rec.recording_id,
                      out->recorded.tone[0], out->recorded.frames, out->recorded.tone[1], out->recorded.median[0],
                      out->recorded.median[1], out->recorded.first[1] * 0.02, out->joined_ms / 1000.0);
      /* Where the supervisor spoke: soon after joining, on the call's timeline. */
      if (out->recorded.tone[1] > 0)
        {
          g_assert_cmpint (out->recorded.first[1] * 20, >=, out->joined_ms);
          g_assert_cmpint (out->recorded.first[1] * 20, <=, out->joined_ms + 2000);
        }
    }
}

static void
speak (Fixture    *f,
       const char *mode,
       gboolean    pcmu,
       const Slot *plan,
       guint       n_slots,
       gboolean    record,
       Whispered  *out)
{
  speak_in (f, CB_SIM_CALL_CONNECTED, mode, pcmu, plan, n_slots, record, out);
}

static void
test_uplink_whisper (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree Slot *plan = plain_plan (100);
  Whispered w = { 0 };

  speak (f, "whisper", FALSE, plan, 100, TRUE, &w);

  /* The agent hears the supervisor, the customer does not. */
  g_assert_cmpuint (w.heard.tone[1], >=, 95);
  g_assert_cmpuint (w.heard.tone[1], <=, 102);
  g_assert_cmpfloat (w.heard.median[1], >, 0.45);
  g_assert_cmpfloat (w.heard.median[1], <, 0.6);
  g_assert_cmpuint (w.heard.longest_gap[1], <=, 2);   /* none, but for a frame a loaded machine made late */
  g_assert_cmpuint (w.heard.tone[0], <=, 2);
  /* No echo to the speaker. */
  g_assert_cmpuint (w.own.tone[0] + w.own.tone[1], <=, 2);
  /* Every frame counted, taken or (on a loaded machine, a frame delayed
   * beyond the jitter delay) dropped as late. */
  g_assert_cmpint (w.uplink_frames + w.uplink_dropped, ==, 100);
  g_assert_cmpint (w.uplink_frames, >=, 95);
  /* The recording: the agent's channel, two seconds of it. */
  g_assert_cmpuint (w.recorded.tone[1], >=, 95);
  g_assert_cmpuint (w.recorded.tone[1], <=, 102);
  g_assert_cmpuint (w.recorded.tone[0], <=, 2);
}

static void
test_uplink_barge (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree Slot *plan = plain_plan (100);
  Whispered w = { 0 };

  speak (f, "barge", FALSE, plan, 100, TRUE, &w);

  /* Both parties hear the supervisor: on both channels. */
  for (guint c = 0; c < 2; c++)
    {
      g_assert_cmpuint (w.heard.tone[c], >=, 95);
      g_assert_cmpuint (w.heard.tone[c], <=, 102);
      g_assert_cmpfloat (w.heard.median[c], >, 0.45);
      g_assert_cmpfloat (w.heard.median[c], <, 0.6);
      g_assert_cmpuint (w.recorded.tone[c], >=, 95);
      g_assert_cmpuint (w.recorded.tone[c], <=, 102);
    }
  g_assert_cmpuint (w.own.tone[0] + w.own.tone[1], <=, 2);
}

/* Beyond the voice budget the recording leaves the rest out, and says so. */
static void
test_uplink_budget (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree Slot *plan = plain_plan (150);
  g_autoptr(CbMessage) page = NULL;
  g_autofree char *query = NULL;
  JsonObject *recording;
  Whispered w = { 0 };

  /* Two one-second chunks of 8 kHz stereo for three seconds of voice: it
   * spans three or four chunks, wherever it starts in the first, so some
   * is always left out; and the second chunk is voice throughout, so at
   * least one second is always kept. */
  cb_sim_recordings_set_voice_budget (cb_sim_world_get_recordings (f->world), 2 * 8000 * 2 * sizeof (gint16));
  speak (f, "whisper", FALSE, plan, 150, TRUE, &w);
  g_assert_cmpuint (w.heard.tone[1], >=, 142);         /* heard live in full */
  g_assert_cmpuint (w.recorded.tone[1], >=, 45);       /* one second at least… */
  g_assert_cmpuint (w.recorded.tone[1], <=, 101);      /* …two at most kept */

  query = g_strdup_printf ("{\"filter\":{\"call_id\":\"%s\"}}", w.call_id);
  page = request (f, QA_TOKEN, "recording.query", query);
  g_assert_cmpstr (error_code (page), ==, "ok");
  recording = json_array_get_object_element (json_object_get_array_member (page->data, "items"), 0);
  g_assert_true (json_object_get_boolean_member (recording, "redacted"));
}

/* A barge while the customer is on hold: the customer hears the music, only
 * the agent hears the supervisor. */
static void
test_uplink_barge_on_hold (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree Slot *plan = plain_plan (50);
  Whispered w = { 0 };

  speak_in (f, CB_SIM_CALL_ON_HOLD, "barge", FALSE, plan, 50, FALSE, &w);
  g_assert_cmpuint (w.heard.tone[1], >=, 45);
  g_assert_cmpuint (w.heard.tone[1], <=, 52);
  g_assert_cmpuint (w.heard.tone[0], <=, 2);
}

/* µ-law at 8 kHz from the speaker, heard by a listener at 16 kHz L16. */
static void
test_uplink_pcmu (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree Slot *plan = plain_plan (100);
  Whispered w = { 0 };

  speak (f, "whisper", TRUE, plan, 100, FALSE, &w);
  g_assert_cmpuint (w.heard.tone[1], >=, 95);
  g_assert_cmpuint (w.heard.tone[1], <=, 102);
  g_assert_cmpfloat (w.heard.median[1], >, 0.4);
  g_assert_cmpfloat (w.heard.median[1], <, 0.6);
  g_assert_cmpuint (w.heard.tone[0], <=, 2);
  g_assert_cmpint (w.uplink_frames + w.uplink_dropped, ==, 100);
  g_assert_cmpint (w.uplink_frames, >=, 95);
}

/* In listen mode the uplink is discarded: nobody hears it, nothing is recorded. */
static void
test_uplink_listen (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree Slot *plan = plain_plan (100);
  Whispered w = { 0 };

  speak (f, "listen", FALSE, plan, 100, TRUE, &w);
  g_assert_cmpuint (w.heard.tone[0] + w.heard.tone[1], <=, 2);
  g_assert_cmpuint (w.recorded.tone[0] + w.recorded.tone[1], <=, 2);
  g_assert_cmpint (w.uplink_frames, ==, 0);
}

/* A muted half second (a hole in sample_pos), pairs sent in reverse order,
 * a duplicate and a frame long past its time. */
static void
test_uplink_gaps (Fixture       *f,
                  gconstpointer  data)
{
  Slot plan[130];
  Whispered w = { 0 };

  for (guint j = 0; j < G_N_ELEMENTS (plan); j++)
    {
      plan[j].frames[0] = j < 50 || j >= 75 ? (gint) j : -1;   /* 50…74: muted */
      plan[j].frames[1] = -1;
    }
  /* Reordered: 81 before 80, 91 before 90 (within the jitter delay). */
  plan[80].frames[0] = 81;
  plan[80].frames[1] = 80;
  plan[80].frames[2] = -1;
  plan[81].frames[0] = -1;
  plan[90].frames[0] = 91;
  plan[90].frames[1] = 90;
  plan[90].frames[2] = -1;
  plan[91].frames[0] = -1;
  /* A duplicate, and a frame a second and a half late. */
  plan[100].frames[1] = 100;
  plan[100].frames[2] = -1;
  plan[120].frames[1] = 40;
  plan[120].frames[2] = -1;

  speak (f, "whisper", FALSE, plan, G_N_ELEMENTS (plan), TRUE, &w);

  /* 105 frames of tone, the mute a hole of 25 frames; the duplicate is not
   * louder, the late one nowhere. */
  g_assert_cmpuint (w.heard.tone[1], >=, 100);
  g_assert_cmpuint (w.heard.tone[1], <=, 107);
  g_assert_cmpuint (w.heard.longest_gap[1], >=, 23);
  g_assert_cmpuint (w.heard.longest_gap[1], <=, 27);
  g_assert_cmpfloat (w.heard.median[1], <, 0.6);
  g_assert_cmpuint (w.heard.tone[0], <=, 2);
  /* 107 frames sent: 105 taken, the duplicate and the late one dropped
   * (and, on a loaded machine, a frame or two delayed too long). */
  g_assert_cmpint (w.uplink_frames + w.uplink_dropped, ==, 107);
  g_assert_cmpint (w.uplink_dropped, >=, 2);
  g_assert_cmpint (w.uplink_frames, >=, 100);
  g_assert_cmpuint (w.recorded.tone[1], >=, 100);
  g_assert_cmpuint (w.recorded.tone[1], <=, 107);
  g_assert_cmpuint (w.recorded.longest_gap[1], >=, 23);
  g_assert_cmpuint (w.recorded.longest_gap[1], <=, 27);
  g_assert_cmpuint (w.recorded.tone[0], <=, 2);
}


/* A fresh media socket for @monitor_id. */
static Media *
media_reopen (Fixture    *f,
              const char *monitor_id)
{
  g_autofree char *data_json = g_strdup_printf ("{\"monitor_id\":\"%s\"}", monitor_id);
  g_autoptr(CbMessage) res = request (f, SUPERVISOR_TOKEN, "monitor.get_media_url", data_json);
  Media *m;

  g_assert_cmpstr (error_code (res), ==, "ok");
  m = media_open (json_object_get_string_member (res->data, "media_url"), SUPERVISOR_TOKEN, "callboard.media.v1");
  wait_frames (m, 2);
  g_assert_false (m->closed);
  return m;
}

static void
expect_close (Media  *m,
              gushort code)
{
  cb_test_wait (media_closed, m, 5000);
  g_assert_cmpuint (m->close_code, ==, code);
}

/* Hostile uplink: garbage, a lying header, a frame too long, a huge
 * message, a flood of frames or of text. Each gets its close; the monitor
 * survives and the next socket plays again. */
static void
test_uplink_limits (Fixture       *f,
                    gconstpointer  data)
{
  const char *call_id = call_in_state (f, CB_SIM_CALL_CONNECTED);
  g_auto(Started) s = { 0 };
  static const guint8 garbage[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02 };
  g_autofree guint8 *huge = g_malloc0 (200000);
  const CbSimEntity *monitor;

  start (f, SUPERVISOR_TOKEN, call_id, "whisper", "[\"l16\"]", &s);

  /* Too short for a header: 4000. */
  {
    g_autoptr(Media) m = media_open (s.url, SUPERVISOR_TOKEN, "callboard.media.v1");

    wait_frames (m, 2);
    soup_websocket_connection_send_binary (m->ws, garbage, sizeof garbage);
    expect_close (m, 4000);
  }

  /* header_len below 24; version 2; a frame of 1 000 samples (62.5 ms, more
   * than the longest frame_ms); a payload shorter than sample_count says. */
  for (guint variant = 0; variant < 4; variant++)
    {
      g_autoptr(Media) m = media_reopen (f, s.monitor_id);
      g_autoptr(GBytes) good = tone_frame (FALSE, 16000, 0, 0);
      gsize length = variant == 2 ? 24 + 1000 * 2 : g_bytes_get_size (good) - (variant == 3 ? 2 : 0);
      g_autofree guint8 *frame = g_malloc0 (length);

      memcpy (frame, g_bytes_get_data (good, NULL), MIN (length, g_bytes_get_size (good)));
      if (variant == 0)
        frame[1] = 20;
      else if (variant == 1)
        frame[0] = 2;
      else if (variant == 2)
        {
          frame[14] = 1000 >> 8;
          frame[15] = 1000 & 0xff;
        }
      soup_websocket_connection_send_binary (m->ws, frame, length);
      expect_close (m, 4000);
    }

  /* A sample_pos a few hours on is a jump (the stream re-anchors, the frame
   * is taken); one beyond any call's length is a protocol error. */
  {
    g_autoptr(Media) m = media_reopen (f, s.monitor_id);
    g_autoptr(GBytes) first = tone_frame (FALSE, 16000, 0, 0);
    g_autoptr(GBytes) jump = tone_frame (FALSE, 16000, 1000000, 1);
    g_autofree guint8 *absurd = g_memdup2 (g_bytes_get_data (first, NULL), g_bytes_get_size (first));
    guint64 before = cb_sim_media_get_uplink_frames (cb_sim_world_get_media (f->world), s.monitor_id);

    soup_websocket_connection_send_binary (m->ws, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
    soup_websocket_connection_send_binary (m->ws, g_bytes_get_data (jump, NULL), g_bytes_get_size (jump));
    cb_test_spin (200);
    g_assert_false (m->closed);
    g_assert_cmpuint (cb_sim_media_get_uplink_frames (cb_sim_world_get_media (f->world), s.monitor_id), ==,
                      before + 2);
    memset (absurd + 16, 0xff, 8);
    soup_websocket_connection_send_binary (m->ws, absurd, g_bytes_get_size (first));
    expect_close (m, 4000);
  }

  /* Text that is not a JSON object with a type, or nests too deep: 4000. */
  for (guint variant = 0; variant < 4; variant++)
    {
      g_autoptr(Media) m = media_reopen (f, s.monitor_id);
      g_autofree char *deep = NULL;

      if (variant == 0)
        soup_websocket_connection_send_text (m->ws, "not json");
      else if (variant == 1)
        soup_websocket_connection_send_text (m->ws, "[\"stop\"]");
      else if (variant == 2)
        soup_websocket_connection_send_text (m->ws, "{\"type\":5}");
      else
        {
          deep = g_strnfill (60000, '[');
          soup_websocket_connection_send_text (m->ws, deep);
        }
      expect_close (m, 4000);
    }

  /* A binary message beyond the media socket's limit: 1009. */
  {
    g_autoptr(Media) m = media_reopen (f, s.monitor_id);

    huge[0] = 1;
    huge[1] = 24;
    huge[2] = 3;
    /* (libsoup checks what it sends against its own incoming limit.) */
    soup_websocket_connection_set_max_incoming_payload_size (m->ws, 0);
    soup_websocket_connection_send_binary (m->ws, huge, 200000);
    expect_close (m, 1009);
  }

  /* Four seconds of uplink at once, far faster than real time: 4429. */
  {
    g_autoptr(Media) m = media_reopen (f, s.monitor_id);
    guint sent = 0;

    for (guint i = 0; i < 200 && !m->closed; i++, sent++)
      {
        g_autoptr(GBytes) frame = tone_frame (FALSE, 16000, i, i);

        soup_websocket_connection_send_binary (m->ws, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
      }
    expect_close (m, 4429);
    g_test_message ("closed after a flood of %u uplink frames", sent);
  }

  /* A storm of text messages: 4429 too. */
  {
    g_autoptr(Media) m = media_reopen (f, s.monitor_id);

    for (guint i = 0; i < 100; i++)
      soup_websocket_connection_send_text (m->ws, "{\"type\":\"buffer\",\"level_ms\":80,\"underruns\":0,\"late_frames\":0}");
    expect_close (m, 4429);
  }

  /* The monitor waits for its next socket, which plays and takes uplink in
   * real time as before. */
  cb_test_spin (50);
  monitor = cb_sim_state_lookup (f->state, "monitor", s.monitor_id);
  g_assert_cmpstr (json_object_get_string_member (monitor->data, "state"), ==, "connecting");
  {
    g_autoptr(Media) m = media_reopen (f, s.monitor_id);
    g_autofree Slot *plan = plain_plan (25);

    send_plan (m, FALSE, 16000, plan, 25);
    wait_frames (m, m->n_frames + 10);
    g_assert_false (m->closed);
  }
}

/* ---- recordings ------------------------------------------------------------------ */

typedef struct
{
  SoupMessage *msg;
  GBytes      *body;
  GError      *error;
  gboolean     done;
} Http;

static void
on_http_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Http *h = user_data;

  h->body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &h->error);
  h->done = TRUE;
}

static gboolean http_done (gpointer h) { return ((Http *) h)->done; }

static void
http_clear (Http *h)
{
  g_clear_object (&h->msg);
  g_clear_pointer (&h->body, g_bytes_unref);
  g_clear_error (&h->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Http, http_clear)

static void
http (const char *method,
      const char *url,
      const char *range,
      Http       *h)
{
  g_autoptr(SoupSession) session = soup_session_new ();

  h->msg = soup_message_new (method, url);
  g_assert_nonnull (h->msg);
  if (range != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (h->msg), "Range", range);
  soup_session_send_and_read_async (session, h->msg, G_PRIORITY_DEFAULT, NULL, on_http_done, h);
  cb_test_wait (http_done, h, 10000);
  g_assert_no_error (h->error);
}

static const char *
header (Http       *h,
        const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (h->msg), name);
}

static guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static void
fetch_recording (Fixture    *f,
                 const char *call_id,
                 gint64      from_ms,
                 gint64      to_ms,
                 Recorded   *out)
{
  g_autoptr(CbMessage) res = NULL;
  g_autofree char *data_json = NULL;
  g_autofree char *range = NULL;
  g_auto(Http) body = { 0 };
  gint64 sim_before = cb_sim_engine_get_now (f->engine);

  for (guint i = 0; i < 2000; i++)
    {
      const CbSimCall *call = cb_sim_engine_get_call (f->engine, call_id);

      /* Its customer leg ends (a transfer requeues it first, now and then). */
      if (call == NULL || call->ended_ms > 0)
        break;
      cb_sim_world_advance (f->world, cb_sim_engine_get_now (f->engine) + 1000);
      cb_test_spin (1);
    }
  cb_test_spin (100);
  g_test_message ("the call ended %.1f s of simulated time later",
                  (cb_sim_engine_get_now (f->engine) - sim_before) / 1000.0);

  out->recording_id = g_strdup_printf ("rec-%s", call_id);
  data_json = g_strdup_printf ("{\"recording_id\":\"%s\",\"format\":\"wav\"}", out->recording_id);
  res = request (f, QA_TOKEN, "recording.get_url", data_json);
  g_assert_cmpstr (error_code (res), ==, "ok");
  /* (Only the stretch asked for: a whole recording can be many megabytes.) */
  from_ms -= from_ms % 20;
  range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT, 44 + from_ms * 8 * 4,
                           44 + to_ms * 8 * 4 - 1);
  http ("GET", json_object_get_string_member (res->data, "url"), range, &body);
  g_assert_cmpuint (soup_message_get_status (body.msg), ==, 206);
  out->pcm = g_bytes_ref (body.body);
  out->from_ms = from_ms;
  out->duration_ms = (g_ascii_strtoll (strrchr (header (&body, "Content-Range"), '/') + 1, NULL, 10) - 44) / 32;
}

static void
test_recording_ranges (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CbMessage) page = request (f, QA_TOKEN, "recording.query", "{\"limit\":1}");
  g_autoptr(CbMessage) url_res = NULL;
  g_autoptr(CbMessage) opus = NULL;
  g_autofree char *data_json = NULL;
  g_autofree char *size_text = NULL;
  g_autofree char *range_text = NULL;
  g_autofree char *beyond = NULL;
  g_autofree char *tampered = NULL;
  g_auto(Http) head = { 0 };
  g_auto(Http) first = { 0 };
  g_auto(Http) middle = { 0 };
  g_auto(Http) overlap = { 0 };
  g_auto(Http) tail = { 0 };
  g_auto(Http) past = { 0 };
  g_auto(Http) forged = { 0 };
  JsonObject *recording;
  const char *url;
  const guint8 *h, *a, *b;
  gint64 size, duration;
  gsize length;

  g_assert_cmpstr (error_code (page), ==, "ok");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (page->data, "items")), ==, 1);
  recording = json_array_get_object_element (json_object_get_array_member (page->data, "items"), 0);
  g_assert_cmpint (json_object_get_int_member (recording, "channels"), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (recording, "formats"), 0), ==, "wav");
  size = json_object_get_int_member (recording, "size_bytes");
  duration = json_object_get_int_member (recording, "duration_ms");

  data_json = g_strdup_printf ("{\"recording_id\":\"%s\",\"format\":\"ogg_opus\"}",
                               json_object_get_string_member (recording, "id"));
  opus = request (f, QA_TOKEN, "recording.get_url", data_json);
  g_assert_cmpstr (error_code (opus), ==, "unsupported");
  g_free (data_json);
  data_json = g_strdup_printf ("{\"recording_id\":\"%s\",\"format\":\"wav\"}",
                               json_object_get_string_member (recording, "id"));
  url_res = request (f, QA_TOKEN, "recording.get_url", data_json);
  g_assert_cmpstr (error_code (url_res), ==, "ok");
  url = json_object_get_string_member (url_res->data, "url");
  g_assert_cmpint (json_object_get_int_member (url_res->data, "size_bytes"), ==, size);
  g_assert_cmpint (json_object_get_int_member (url_res->data, "duration_ms"), ==, duration);
  g_assert_cmpstr (json_object_get_string_member (url_res->data, "content_type"), ==, "audio/wav");
  g_assert_null (strstr (url, QA_TOKEN));

  /* HEAD: the whole length, ranges accepted. */
  http ("HEAD", url, NULL, &head);
  size_text = g_strdup_printf ("%" G_GINT64_FORMAT, size);
  g_assert_cmpuint (soup_message_get_status (head.msg), ==, 200);
  g_assert_cmpstr (header (&head, "Accept-Ranges"), ==, "bytes");
  g_assert_cmpstr (header (&head, "Content-Length"), ==, size_text);
  g_assert_cmpstr (header (&head, "Content-Type"), ==, "audio/wav");
  g_assert_nonnull (header (&head, "ETag"));
  g_assert_true (g_str_has_prefix (header (&head, "Cache-Control"), "private, max-age="));

  /* The first 44 bytes: a WAV header for the duration. */
  http ("GET", url, "bytes=0-43", &first);
  g_assert_cmpuint (soup_message_get_status (first.msg), ==, 206);
  range_text = g_strdup_printf ("bytes 0-43/%" G_GINT64_FORMAT, size);
  g_assert_cmpstr (header (&first, "Content-Range"), ==, range_text);
  h = g_bytes_get_data (first.body, &length);
  g_assert_cmpuint (length, ==, 44);
  g_assert_cmpmem (h, 4, "RIFF", 4);
  g_assert_cmpmem (h + 8, 8, "WAVEfmt ", 8);
  g_assert_cmpuint (le32 (h + 4), ==, size - 8);
  g_assert_cmpuint (h[20] | (h[21] << 8), ==, 1);
  g_assert_cmpuint (h[22] | (h[23] << 8), ==, 2);
  g_assert_cmpuint (le32 (h + 24), ==, 8000);
  g_assert_cmpuint (le32 (h + 28), ==, 8000 * 4);
  g_assert_cmpuint (h[34] | (h[35] << 8), ==, 16);
  g_assert_cmpmem (h + 36, 4, "data", 4);
  g_assert_cmpuint (le32 (h + 40), ==, duration * 8 * 4);
  g_assert_cmpuint (le32 (h + 40), ==, size - 44);

  /* A range in the middle; an overlapping one agrees byte for byte. */
  http ("GET", url, "bytes=20000-29999", &middle);
  http ("GET", url, "bytes=25000-34999", &overlap);
  g_assert_cmpuint (soup_message_get_status (middle.msg), ==, 206);
  a = g_bytes_get_data (middle.body, &length);
  g_assert_cmpuint (length, ==, 10000);
  b = g_bytes_get_data (overlap.body, &length);
  g_assert_cmpmem (a + 5000, 5000, b, 5000);

  /* A suffix range. */
  http ("GET", url, "bytes=-100", &tail);
  g_assert_cmpuint (soup_message_get_status (tail.msg), ==, 206);
  g_assert_cmpuint (g_bytes_get_size (tail.body), ==, 100);

  /* Beyond the end: 416 with the size. */
  beyond = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", size);
  http ("GET", url, beyond, &past);
  g_assert_cmpuint (soup_message_get_status (past.msg), ==, 416);
  g_free (range_text);
  range_text = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, size);
  g_assert_cmpstr (header (&past, "Content-Range"), ==, range_text);

  /* A tampered signature: 403. */
  tampered = g_strdup (url);
  tampered[strlen (tampered) - 1] = tampered[strlen (tampered) - 1] == '0' ? '1' : '0';
  http ("GET", tampered, "bytes=0-99", &forged);
  g_assert_cmpuint (soup_message_get_status (forged.msg), ==, 403);
}

static void
test_recording_duration (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(CbMessage) page1 = request (f, QA_TOKEN, "recording.query", "{\"limit\":50,\"sort\":\"started_at\"}");
  g_autoptr(CbMessage) page2 = NULL;
  g_autoptr(CbMessage) bad = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *next = NULL;
  JsonArray *items = json_object_get_array_member (page1->data, "items");
  guint checked = 0, with_hold = 0;
  gint64 previous = 0;

  g_assert_cmpstr (error_code (page1), ==, "ok");
  g_assert_cmpuint (json_array_get_length (items), ==, 50);
  g_assert_cmpuint (cb_sim_recordings_get_count (cb_sim_world_get_recordings (f->world)), >, 50);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *r = json_array_get_object_element (items, i);
      const char *call_id = json_object_get_string_member (r, "call_id");
      const CbSimCall *call = cb_sim_engine_get_call (f->engine, call_id);

      g_hash_table_add (seen, (gpointer) json_object_get_string_member (r, "id"));
      g_assert_cmpint (json_object_get_int_member (r, "started_at"), >=, previous);
      previous = json_object_get_int_member (r, "started_at");
      if (call == NULL)
        call = cb_sim_engine_get_history_call (f->engine, call_id);
      if (call == NULL || call->transfer_ms > 0 || call->direction != CB_SIM_DIRECTION_INBOUND)
        continue;
      /* The recording runs from the answer to the hang-up: talk and hold. */
      g_assert_cmpint (json_object_get_int_member (r, "duration_ms"), ==, call->talk_ms + call->hold_ms);
      g_assert_cmpint (json_object_get_int_member (r, "started_at"), ==, call->answered_ms);
      checked++;
      with_hold += call->hold_count > 0;
    }
  g_test_message ("%u recordings checked against their calls, %u with holds", checked, with_hold);
  g_assert_cmpuint (checked, >, 10);

  /* The next page continues without repeating. */
  next = g_strdup_printf ("{\"limit\":50,\"sort\":\"started_at\",\"cursor\":\"%s\"}",
                          json_object_get_string_member (page1->data, "next_cursor"));
  page2 = request (f, QA_TOKEN, "recording.query", next);
  g_assert_cmpstr (error_code (page2), ==, "ok");
  items = json_object_get_array_member (page2->data, "items");
  g_assert_cmpuint (json_array_get_length (items), >, 0);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *r = json_array_get_object_element (items, i);

      g_assert_false (g_hash_table_contains (seen, json_object_get_string_member (r, "id")));
      g_assert_cmpint (json_object_get_int_member (r, "started_at"), >=, previous);
    }

  /* A cursor of another sort does not fit. */
  g_free (next);
  next = g_strdup_printf ("{\"limit\":5,\"cursor\":\"%s\"}", json_object_get_string_member (page1->data, "next_cursor"));
  bad = request (f, QA_TOKEN, "recording.query", next);
  g_assert_cmpstr (error_code (bad), ==, "invalid_state");
}

/* A recording has the structure of a conversation too, and hold music in
 * its holds. */
static void
test_recording_sound (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(CbMessage) page = request (f, QA_TOKEN, "recording.query", "{\"limit\":200,\"filter\":{\"min_duration_ms\":40000}}");
  JsonArray *items = json_object_get_array_member (page->data, "items");
  g_autoptr(CbMessage) url_res = NULL;
  g_autofree char *data_json = NULL;
  g_auto(Http) body = { 0 };
  const guint8 *bytes;
  gsize length;
  guint loud[2] = { 0, 0 }, both = 0, windows = 0;
  const char *id = NULL;

  g_assert_cmpstr (error_code (page), ==, "ok");
  for (guint i = 0; i < json_array_get_length (items) && id == NULL; i++)
    {
      JsonObject *r = json_array_get_object_element (items, i);
      const CbSimCall *call = cb_sim_engine_get_history_call (f->engine, json_object_get_string_member (r, "call_id"));

      if (call == NULL)
        call = cb_sim_engine_get_call (f->engine, json_object_get_string_member (r, "call_id"));
      /* No hold in the first 30 s. */
      if (call != NULL && call->transfer_ms == 0
          && (call->hold_count == 0 || call->holds[0].start_ms - call->answered_ms > 31000))
        id = json_object_get_string_member (r, "id");
    }
  g_assert_nonnull (id);

  data_json = g_strdup_printf ("{\"recording_id\":\"%s\",\"format\":\"wav\"}", id);
  url_res = request (f, QA_TOKEN, "recording.get_url", data_json);
  http ("GET", json_object_get_string_member (url_res->data, "url"), "bytes=44-960043", &body);
  bytes = g_bytes_get_data (body.body, &length);
  g_assert_cmpuint (length, ==, 960000);

  for (gsize w = 0; w + 3200 <= length; w += 3200)   /* 100 ms */
    {
      double rms[2] = { 0, 0 };

      for (gsize i = w; i < w + 3200; i += 4)
        for (guint c = 0; c < 2; c++)
          {
            double v = (gint16) (bytes[i + 2 * c] | (bytes[i + 2 * c + 1] << 8)) / 32768.0;

            rms[c] += v * v;
          }
      for (guint c = 0; c < 2; c++)
        loud[c] += sqrt (rms[c] / 800) > 0.02;
      both += sqrt (rms[0] / 800) > 0.02 && sqrt (rms[1] / 800) > 0.02;
      windows++;
    }
  g_test_message ("30 s of %s: customer loud in %u windows, agent %u, both %u of %u", id, loud[0], loud[1], both, windows);
  g_assert_cmpuint (loud[0], >, windows / 10);
  g_assert_cmpuint (loud[1], >, windows / 10);
  g_assert_cmpuint (both, <, windows / 8);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/callboard/sim-media/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("header", test_header);
  ADD ("pcmu", test_pcmu);
  ADD ("pacing", test_pacing);
  ADD ("conversation", test_conversation);
  ADD ("hold-music", test_hold_music);
  ADD ("ticket", test_ticket);
  ADD ("permissions", test_permissions);
  ADD ("whisper", test_whisper);
  ADD ("stop", test_stop);
  ADD ("call-ended", test_call_ended);
  ADD ("congestion", test_congestion);
  ADD ("pause", test_pause);
  ADD ("stall", test_stall);
  ADD ("stall-is-not-silence", test_stall_is_not_silence);
  ADD ("recording-ranges", test_recording_ranges);
  ADD ("recording-duration", test_recording_duration);
  ADD ("recording-sound", test_recording_sound);
  ADD ("uplink-whisper", test_uplink_whisper);
  ADD ("uplink-barge", test_uplink_barge);
  ADD ("uplink-barge-on-hold", test_uplink_barge_on_hold);
  ADD ("uplink-budget", test_uplink_budget);
  ADD ("uplink-pcmu", test_uplink_pcmu);
  ADD ("uplink-listen", test_uplink_listen);
  ADD ("uplink-gaps", test_uplink_gaps);
  ADD ("uplink-limits", test_uplink_limits);

  return g_test_run ();
}
