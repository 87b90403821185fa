/* cb-sim-recordings.c — call recordings of the simulated contact center
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every call that reached an agent leaves a stereo recording when its
 * customer leg ends (docs/protocol.md §10.14): customer on the left, agent
 * on the right, from the answer to the hang-up, with hold music where the
 * customer waited. Only the metadata is kept, in memory, for the last
 * `capacity` recordings; the audio is rendered on demand from the seed and
 * the call's timeline (cb-sim-audio.c), so any byte range of any recording
 * costs only the samples it covers and the same bytes come every time.
 *
 * The one thing that cannot be rendered again is a supervisor's voice
 * (whisper, barge: cb-sim-media.c hands it over with
 * cb_sim_recordings_add_voice() while the call goes on). It is kept as
 * 16-bit stereo at the recording's rate, in chunks of a second that exist
 * only where someone spoke, and mixed into the rendered audio: a whisper on
 * the agent's channel, a barge on both (docs/protocol.md §13.2). All voices
 * together hold at most VOICE_BUDGET_BYTES; a voice beyond that is left out
 * and its recording says `redacted` (the span is silence). A call's voice
 * is final once its recording exists, so its bytes never change.
 *
 * Ops: `recording.query` (paged, §11.1) and `recording.get_url`; the files
 * are served at /callboard/recordings/<id>.wav?exp=…&u=…&sig=… with GET and
 * HEAD and single byte ranges (§13.3). The signature is an HMAC-SHA256, under
 * a key made at start, of the recording, format, user and expiry.
 */
#define G_LOG_DOMAIN "cb-sim-recordings"

#include "config.h"

#include "cb-sim-recordings.h"

#include <math.h>

#include "cb-sim-audio.h"

#define DEFAULT_CAPACITY   10000
#define URL_LIFETIME_S     120
#define WAV_HEADER_BYTES   44
#define RENDER_CHUNK       4096
#define RECORDINGS_PATH    "/callboard/recordings"
#define VOICE_CHUNK        CB_SIM_RECORDING_RATE                 /* frames: a second */
#define VOICE_BUDGET_BYTES (64 * 1024 * 1024)

/* Supervisors' voices in one call, on its recording's timeline. */
typedef struct
{
  GHashTable *chunks;      /* second (gint64 *) → gint16[2 × VOICE_CHUNK], customer, agent */
  gboolean    truncated;   /* some voice did not fit in the budget */
} Voice;

typedef struct
{
  char           id[CB_SIM_ID_SIZE + 8];
  char           call_id[CB_SIM_ID_SIZE];
  char           agent_id[CB_SIM_ID_SIZE];
  char           queue_id[CB_SIM_ID_SIZE];
  char           campaign_id[CB_SIM_ID_SIZE];
  char           customer_number[CB_SIM_NUMBER_SIZE];
  CbSimDirection direction;
  gint64         started_at;
  gint64         duration_ms;
  CbSimAudioSpan holds[CB_SIM_MAX_HOLDS + 2];
  guint          n_holds;
  Voice         *voice;    /* owned; NULL when no supervisor spoke */
} Recording;

struct _CbSimRecordings
{
  CbSimEngine *engine;     /* borrowed */
  CbSimServer *server;     /* borrowed */
  guint64      seed;
  GQueue       order;      /* Recording, oldest first */
  GHashTable  *by_id;      /* id → Recording */
  GHashTable  *by_call;    /* call id → Recording */
  GHashTable  *voices;     /* call id → Voice, of calls still without a recording */
  gsize        voice_bytes;
  gsize        voice_budget;
  guint        capacity;
  guint8       key[32];
};

static const char * const filter_keys[] = {
  "ids", "call_id", "agent_ids", "queue_ids", "campaign_ids", "from", "to", "customer_number",
  "min_duration_ms", NULL
};

static Voice *
voice_new (void)
{
  Voice *v = g_new0 (Voice, 1);

  v->chunks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  return v;
}

static void
voice_free (CbSimRecordings *self,
            Voice           *v)
{
  if (v == NULL)
    return;
  self->voice_bytes -= g_hash_table_size (v->chunks) * (sizeof (gint16) * 2 * VOICE_CHUNK);
  g_hash_table_unref (v->chunks);
  g_free (v);
}

/* Adds the voice's frames [frame, frame + n) to @samples (stereo, [-1, 1]). */
static void
voice_mix (const Voice *v,
           gint64       frame,
           guint        n,
           float       *samples)
{
  const gint16 *chunk = NULL;
  gint64 chunk_index = -1;

  for (guint i = 0; i < n; i++)
    {
      gint64 f = frame + i;

      if (f / VOICE_CHUNK != chunk_index)
        {
          chunk_index = f / VOICE_CHUNK;
          chunk = g_hash_table_lookup (v->chunks, &chunk_index);
        }
      if (chunk == NULL)
        continue;
      samples[2 * i] += chunk[2 * (f % VOICE_CHUNK)] / 32768.0f;
      samples[2 * i + 1] += chunk[2 * (f % VOICE_CHUNK) + 1] / 32768.0f;
    }
}

static gint64
recording_frames (const Recording *r)
{
  return r->duration_ms * CB_SIM_RECORDING_RATE / 1000;
}

static gint64
recording_size (const Recording *r)
{
  return WAV_HEADER_BYTES + recording_frames (r) * 4;
}

static void
set_nullable (JsonObject *o,
              const char *member,
              const char *value)
{
  if (value != NULL && *value != '\0')
    json_object_set_string_member (o, member, value);
  else
    json_object_set_null_member (o, member);
}

static JsonNode *
recording_to_json (const Recording *r)
{
  JsonObject *o = json_object_new ();
  JsonArray *map = json_array_new ();
  JsonArray *formats = json_array_new ();
  JsonNode *node = json_node_alloc ();

  json_object_set_string_member (o, "id", r->id);
  json_object_set_int_member (o, "rev", 1);
  json_object_set_string_member (o, "call_id", r->call_id);
  set_nullable (o, "agent_id", r->agent_id);
  set_nullable (o, "queue_id", r->queue_id);
  set_nullable (o, "campaign_id", r->campaign_id);
  json_object_set_string_member (o, "direction", r->direction == CB_SIM_DIRECTION_INBOUND ? "in" : "out");
  set_nullable (o, "customer_number", r->customer_number);
  json_object_set_int_member (o, "started_at", r->started_at);
  json_object_set_int_member (o, "duration_ms", r->duration_ms);
  json_object_set_int_member (o, "channels", 2);
  json_array_add_string_element (map, "customer");
  json_array_add_string_element (map, "agent");
  json_object_set_array_member (o, "channel_map", map);
  json_object_set_string_member (o, "codec", "pcm_s16le");
  json_object_set_int_member (o, "sample_rate", CB_SIM_RECORDING_RATE);
  json_object_set_int_member (o, "size_bytes", recording_size (r));
  json_array_add_string_element (formats, "wav");
  json_object_set_array_member (o, "formats", formats);
  json_object_set_boolean_member (o, "redacted", r->voice != NULL && r->voice->truncated);
  json_object_set_null_member (o, "expires_at");

  json_node_take_object (node, o);
  return node;
}

/* ---- the audio ----------------------------------------------------------- */

static void
write_le16 (guint8 *p,
            guint   v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

static void
write_le32 (guint8  *p,
            guint32  v)
{
  write_le16 (p, v & 0xffff);
  write_le16 (p + 2, v >> 16);
}

static void
wav_header (const Recording *r,
            guint8          *h)
{
  guint32 data_bytes = (guint32) (recording_frames (r) * 4);

  memcpy (h, "RIFF", 4);
  write_le32 (h + 4, 36 + data_bytes);
  memcpy (h + 8, "WAVEfmt ", 8);
  write_le32 (h + 16, 16);
  write_le16 (h + 20, 1);                            /* PCM */
  write_le16 (h + 22, 2);                            /* customer, agent */
  write_le32 (h + 24, CB_SIM_RECORDING_RATE);
  write_le32 (h + 28, CB_SIM_RECORDING_RATE * 4);    /* bytes per second */
  write_le16 (h + 32, 4);                            /* bytes per frame */
  write_le16 (h + 34, 16);
  memcpy (h + 36, "data", 4);
  write_le32 (h + 40, data_bytes);
}

/* The bytes [offset, offset + length) of the recording's WAV file. */
static guint8 *
render_bytes (CbSimRecordings *self,
              const Recording *r,
              gint64           offset,
              gint64           length)
{
  guint8 *out = g_malloc (MAX (length, 1));
  gint64 end = offset + length;
  guint8 header[WAV_HEADER_BYTES];

  wav_header (r, header);
  if (offset < WAV_HEADER_BYTES)
    memcpy (out, header + offset, MIN (end, WAV_HEADER_BYTES) - offset);

  if (end > WAV_HEADER_BYTES)
    {
      gint64 d0 = MAX (offset, WAV_HEADER_BYTES) - WAV_HEADER_BYTES;
      gint64 d1 = end - WAV_HEADER_BYTES;
      gint64 frame = d0 / 4;
      gint64 last = (d1 + 3) / 4;
      g_autoptr(CbSimConversation) conversation =
        cb_sim_conversation_new (self->seed, r->call_id, r->direction == CB_SIM_DIRECTION_INBOUND);
      g_autofree float *samples = g_new (float, 2 * RENDER_CHUNK);
      guint8 bytes[4 * RENDER_CHUNK];

      while (frame < last)
        {
          guint n = (guint) MIN (RENDER_CHUNK, last - frame);
          gint64 chunk_start = frame * 4;
          gint64 from, to;

          cb_sim_audio_render_timeline (conversation, self->seed, r->holds, r->n_holds,
                                        CB_SIM_RECORDING_RATE, frame, n, samples);
          if (r->voice != NULL)
            voice_mix (r->voice, frame, n, samples);
          for (guint i = 0; i < 2 * n; i++)
            write_le16 (bytes + 2 * i, (guint16) cb_sim_audio_to_s16 (samples[i]));

          from = MAX (chunk_start, d0);
          to = MIN (chunk_start + 4 * n, d1);
          memcpy (out + (from + WAV_HEADER_BYTES - offset), bytes + (from - chunk_start), to - from);
          frame += n;
        }
    }

  return out;
}

/* ---- signed URLs ------------------------------------------------------------- */

static char *
sign (CbSimRecordings *self,
      const char      *id,
      const char      *format,
      const char      *user_id,
      gint64           expires_s)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, self->key, sizeof self->key);
  g_autofree char *text = g_strdup_printf ("%s\n%s\n%s\n%" G_GINT64_FORMAT, id, format, user_id, expires_s);

  g_hmac_update (hmac, (const guchar *) text, -1);
  return g_strndup (g_hmac_get_string (hmac), 32);   /* 128 bits */
}

static gboolean
equal_in_constant_time (const char *a,
                        const char *b)
{
  gsize n = strlen (a);
  guint8 diff = 0;

  if (n != strlen (b))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    diff |= (guint8) (a[i] ^ b[i]);
  return diff == 0;
}

/* ---- HTTP (§13.3) -------------------------------------------------------------- */

/* A single range of "bytes=a-b", "bytes=a-" or "bytes=-n" (the first of
 * several). Returns FALSE when there is none to honour; *unsatisfiable when
 * it starts beyond the end. */
static gboolean
parse_range (const char *header,
             gint64      size,
             gint64     *start,
             gint64     *end,
             gboolean   *unsatisfiable)
{
  g_autofree char *first = NULL;
  char *dash;
  guint64 a = 0, b = 0;
  gboolean has_a, has_b;

  *unsatisfiable = FALSE;
  if (header == NULL || !g_str_has_prefix (header, "bytes="))
    return FALSE;
  first = g_strndup (header + 6, strcspn (header + 6, ","));
  g_strstrip (first);
  dash = strchr (first, '-');
  if (dash == NULL)
    return FALSE;
  *dash = '\0';
  has_a = *first != '\0';
  has_b = dash[1] != '\0';
  if ((has_a && !g_ascii_string_to_unsigned (first, 10, 0, G_MAXINT64, &a, NULL))
      || (has_b && !g_ascii_string_to_unsigned (dash + 1, 10, 0, G_MAXINT64, &b, NULL))
      || (!has_a && !has_b))
    return FALSE;

  if (!has_a)
    {
      if (b == 0)
        {
          *unsatisfiable = TRUE;
          return FALSE;
        }
      *start = MAX (0, size - (gint64) b);
      *end = size - 1;
      return TRUE;
    }
  if (has_b && b < a)
    return FALSE;
  if ((gint64) a >= size)
    {
      *unsatisfiable = TRUE;
      return FALSE;
    }
  *start = (gint64) a;
  *end = has_b ? MIN ((gint64) b, size - 1) : size - 1;
  return TRUE;
}

static void
on_http (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  CbSimRecordings *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *exp_text = query ? g_hash_table_lookup (query, "exp") : NULL;
  const char *user_id = query ? g_hash_table_lookup (query, "u") : NULL;
  const char *sig = query ? g_hash_table_lookup (query, "sig") : NULL;
  const char *name = strrchr (path, '/');
  g_autofree char *id = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *cache = NULL;
  const char *if_range, *range;
  const Recording *r;
  gint64 expires_s = 0, now_s = g_get_real_time () / G_USEC_PER_SEC;
  gint64 size, start = 0, end = 0;
  gboolean partial, unsatisfiable;

  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0)
    {
      soup_message_headers_replace (response, "Allow", "GET, HEAD");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  if (name == NULL || !g_str_has_suffix (name, ".wav"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  id = g_strndup (name + 1, strlen (name + 1) - 4);

  /* Authorization on this URL is ignored: the signature is the credential. */
  if (exp_text == NULL || user_id == NULL || sig == NULL
      || !g_ascii_string_to_signed (exp_text, 10, 0, G_MAXINT64, &expires_s, NULL)
      || expires_s < now_s)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      return;
    }
  expected = sign (self, id, "wav", user_id, expires_s);
  if (!equal_in_constant_time (expected, sig))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      return;
    }

  r = g_hash_table_lookup (self->by_id, id);
  if (r == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  size = recording_size (r);
  etag = g_strdup_printf ("\"%s-wav-%" G_GINT64_FORMAT "\"", r->id, size);
  cache = g_strdup_printf ("private, max-age=%" G_GINT64_FORMAT, expires_s - now_s);
  soup_message_headers_replace (response, "Accept-Ranges", "bytes");
  soup_message_headers_replace (response, "ETag", etag);
  soup_message_headers_replace (response, "Cache-Control", cache);

  range = soup_message_headers_get_one (request, "Range");
  if_range = soup_message_headers_get_one (request, "If-Range");
  if (if_range != NULL && g_strcmp0 (if_range, etag) != 0)
    range = NULL;

  partial = parse_range (range, size, &start, &end, &unsatisfiable);
  if (unsatisfiable)
    {
      g_autofree char *content_range = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, size);

      soup_message_headers_replace (response, "Content-Range", content_range);
      soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL);
      return;
    }
  if (!partial)
    {
      start = 0;
      end = size - 1;
    }
  else
    {
      g_autofree char *content_range = g_strdup_printf ("bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%"
                                                        G_GINT64_FORMAT, start, end, size);

      soup_message_headers_replace (response, "Content-Range", content_range);
    }

  soup_server_message_set_status (msg, partial ? SOUP_STATUS_PARTIAL_CONTENT : SOUP_STATUS_OK, NULL);
  if (g_str_equal (method, "HEAD"))
    {
      soup_message_headers_replace (response, "Content-Type", "audio/wav");
      soup_message_headers_set_content_length (response, end - start + 1);
      return;
    }

  soup_server_message_set_response (msg, "audio/wav", SOUP_MEMORY_TAKE,
                                    (const char *) render_bytes (self, r, start, end - start + 1),
                                    (gsize) (end - start + 1));
}

/* ---- ops ---------------------------------------------------------------------- */

static gboolean
fail (CbSimRecordings  *self,
      GError          **error,
      CbErrorCode       code,
      const char       *key,
      const char       *value,
      const char       *message)
{
  return cb_sim_server_fail_op (self->server, error, code, key, value, message);
}

static gboolean
strings_of (JsonObject  *filter,
            const char  *key,
            GStrv       *out)
{
  JsonArray *array = NULL;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  *out = NULL;
  if (!cb_json_get_array (filter, key, FALSE, &array, NULL))
    return FALSE;
  if (array == NULL)
    return TRUE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *n = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        return FALSE;
      g_strv_builder_add (b, json_node_get_string (n));
    }
  *out = g_strv_builder_end (b);
  return TRUE;
}

typedef struct
{
  GStrv        ids, agent_ids, queue_ids, campaign_ids;
  const char  *call_id;
  const char  *customer_number;
  gint64       from, to, min_duration_ms;
} Filter;

static void
filter_clear (Filter *f)
{
  g_strfreev (f->ids);
  g_strfreev (f->agent_ids);
  g_strfreev (f->queue_ids);
  g_strfreev (f->campaign_ids);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Filter, filter_clear)

static gboolean
in_list (GStrv       list,
         const char *value)
{
  return list == NULL || g_strv_contains ((const char * const *) list, value);
}

static gboolean
filter_matches (const Filter    *f,
                const Recording *r)
{
  return in_list (f->ids, r->id) && in_list (f->agent_ids, r->agent_id) && in_list (f->queue_ids, r->queue_id)
         && in_list (f->campaign_ids, r->campaign_id)
         && (f->call_id == NULL || g_str_equal (f->call_id, r->call_id))
         && (f->customer_number == NULL || g_str_has_prefix (r->customer_number, f->customer_number))
         && r->started_at >= f->from && r->started_at <= f->to && r->duration_ms >= f->min_duration_ms;
}

/* By started_at, then id (a total order, §11.1); @descending: newest first. */
static int
compare_recordings (gconstpointer a,
                    gconstpointer b,
                    gpointer      descending)
{
  const Recording *x = *(const Recording **) a;
  const Recording *y = *(const Recording **) b;
  int c = x->started_at < y->started_at ? -1 : x->started_at > y->started_at ? 1 : strcmp (x->id, y->id);

  return GPOINTER_TO_INT (descending) ? -c : c;
}

static gboolean
op_recording_query (CbSimServer      *server,
                    const CbSimUser  *user,
                    JsonObject       *data,
                    JsonNode        **result,
                    GError          **error,
                    gpointer          user_data)
{
  CbSimRecordings *self = user_data;
  JsonObject *filter_object = NULL;
  const char *sort = NULL, *cursor = NULL;
  gint64 limit = 100, after_started = 0;
  g_autofree char *after_id = NULL;
  g_autofree char *filter_text = NULL;
  g_autofree char *filter_hash = NULL;
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  g_auto(Filter) f = { NULL, NULL, NULL, NULL, NULL, NULL, G_MININT64, G_MAXINT64, 0 };
  g_autoptr(JsonBuilder) b = json_builder_new ();
  guint first = 0, n;

  if (!cb_json_get_object (data, "filter", FALSE, &filter_object, NULL))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "filter", "filter must be an object");
  if (filter_object != NULL)
    {
      g_autoptr(GList) keys = json_object_get_members (filter_object);

      for (GList *l = keys; l != NULL; l = l->next)
        if (!g_strv_contains (filter_keys, l->data))
          {
            g_autofree char *field = g_strdup_printf ("filter.%s", (const char *) l->data);

            return fail (self, error, CB_ERROR_BAD_REQUEST, "field", field, "recording.query has no such filter");
          }

      if (!strings_of (filter_object, "ids", &f.ids) || !strings_of (filter_object, "agent_ids", &f.agent_ids)
          || !strings_of (filter_object, "queue_ids", &f.queue_ids)
          || !strings_of (filter_object, "campaign_ids", &f.campaign_ids)
          || !cb_json_get_string (filter_object, "call_id", FALSE, &f.call_id, NULL)
          || !cb_json_get_string (filter_object, "customer_number", FALSE, &f.customer_number, NULL)
          || !cb_json_get_int (filter_object, "from", FALSE, 0, &f.from, NULL)
          || !cb_json_get_int (filter_object, "to", FALSE, 0, &f.to, NULL)
          || !cb_json_get_int (filter_object, "min_duration_ms", FALSE, 0, &f.min_duration_ms, NULL))
        return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "filter", "a filter value has the wrong type");

      {
        g_autoptr(JsonNode) node = json_node_alloc ();

        json_node_init_object (node, filter_object);
        filter_text = cb_message_encode (node, NULL);
      }
    }

  if (!cb_json_get_string (data, "sort", FALSE, &sort, NULL)
      || (sort != NULL && !g_str_equal (sort, "-started_at") && !g_str_equal (sort, "started_at")))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "sort", "sort is \"-started_at\" or \"started_at\"");
  if (sort == NULL)
    sort = "-started_at";
  if (!cb_json_get_int (data, "limit", FALSE, 1, &limit, NULL))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "limit", "limit is an integer ≥ 1");
  limit = MIN (limit, 1000);

  filter_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, filter_text ? filter_text : "{}", -1);
  filter_hash[16] = '\0';

  if (!cb_json_get_string (data, "cursor", FALSE, &cursor, NULL))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "cursor", "cursor is a string or null");
  if (cursor != NULL)
    {
      gsize length = 0;
      g_autofree char *decoded = strlen (cursor) <= 1024 ? (char *) g_base64_decode (cursor, &length) : NULL;
      g_autofree char *text = decoded ? g_strndup (decoded, length) : NULL;
      g_auto(GStrv) parts = text ? g_strsplit (text, "|", 5) : NULL;

      if (parts == NULL || g_strv_length (parts) != 5 || !g_str_equal (parts[0], "r1")
          || !g_str_equal (parts[1], sort) || !g_str_equal (parts[4], filter_hash)
          || !g_ascii_string_to_signed (parts[2], 10, G_MININT64, G_MAXINT64, &after_started, NULL))
        return fail (self, error, CB_ERROR_INVALID_STATE, "reason", "cursor_expired",
                     "this cursor does not belong to this query");
      after_id = g_strdup (parts[3]);
    }

  for (GList *l = self->order.head; l != NULL; l = l->next)
    if (filter_matches (&f, l->data))
      g_ptr_array_add (matches, l->data);
  g_ptr_array_sort_with_data (matches, compare_recordings, GINT_TO_POINTER (sort[0] == '-'));

  if (after_id != NULL)
    {
      Recording key = { 0 };
      Recording *keyp = &key;

      key.started_at = after_started;
      g_strlcpy (key.id, after_id, sizeof key.id);
      while (first < matches->len
             && compare_recordings (&matches->pdata[first], &keyp, GINT_TO_POINTER (sort[0] == '-')) <= 0)
        first++;
    }
  n = (guint) MIN ((gint64) (matches->len - first), limit);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "items");
  json_builder_begin_array (b);
  for (guint i = first; i < first + n; i++)
    json_builder_add_value (b, recording_to_json (g_ptr_array_index (matches, i)));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "next_cursor");
  if (first + n < matches->len)
    {
      const Recording *last = g_ptr_array_index (matches, first + n - 1);
      g_autofree char *text = g_strdup_printf ("r1|%s|%" G_GINT64_FORMAT "|%s|%s", sort, last->started_at,
                                               last->id, filter_hash);
      g_autofree char *encoded = g_base64_encode ((const guchar *) text, strlen (text));

      json_builder_add_string_value (b, encoded);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "total_estimate");
  json_builder_add_int_value (b, matches->len);
  json_builder_end_object (b);
  *result = json_builder_get_root (b);
  return TRUE;
}

static gboolean
op_recording_get_url (CbSimServer      *server,
                      const CbSimUser  *user,
                      JsonObject       *data,
                      JsonNode        **result,
                      GError          **error,
                      gpointer          user_data)
{
  CbSimRecordings *self = user_data;
  const char *id = NULL, *format = NULL;
  const Recording *r;
  gint64 expires_s = g_get_real_time () / G_USEC_PER_SEC + URL_LIFETIME_S;
  g_autofree char *signature = NULL;
  g_autofree char *base = NULL;
  g_autofree char *escaped_id = NULL;
  g_autofree char *escaped_user = NULL;
  g_autofree char *url = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (!cb_json_get_string (data, "recording_id", TRUE, &id, NULL))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "recording_id", "recording_id is needed");
  if (!cb_json_get_string (data, "format", TRUE, &format, NULL))
    return fail (self, error, CB_ERROR_BAD_REQUEST, "field", "format", "format is needed");

  r = g_hash_table_lookup (self->by_id, id);
  if (r == NULL)
    return fail (self, error, CB_ERROR_NOT_FOUND, "recording_id", id, "no such recording");
  if (!g_str_equal (format, "wav"))
    return fail (self, error, CB_ERROR_UNSUPPORTED, "format", format, "this backend serves recordings as wav only");

  signature = sign (self, r->id, "wav", user->id, expires_s);
  base = cb_sim_server_get_base_url (self->server, "http");
  escaped_id = g_uri_escape_string (r->id, NULL, FALSE);
  escaped_user = g_uri_escape_string (user->id, NULL, FALSE);
  url = g_strdup_printf ("%s" RECORDINGS_PATH "/%s.wav?exp=%" G_GINT64_FORMAT "&u=%s&sig=%s",
                         base, escaped_id, expires_s, escaped_user, signature);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, url);
  json_builder_set_member_name (b, "expires_at");
  json_builder_add_int_value (b, expires_s * 1000);
  json_builder_set_member_name (b, "content_type");
  json_builder_add_string_value (b, "audio/wav");
  json_builder_set_member_name (b, "size_bytes");
  json_builder_add_int_value (b, recording_size (r));
  json_builder_set_member_name (b, "duration_ms");
  json_builder_add_int_value (b, r->duration_ms);
  json_builder_end_object (b);
  *result = json_builder_get_root (b);
  return TRUE;
}

/* ---- public ------------------------------------------------------------------- */

CbSimRecordings *
cb_sim_recordings_new (CbSimEngine *engine,
                       CbSimServer *server,
                       guint64      seed)
{
  CbSimRecordings *self = g_new0 (CbSimRecordings, 1);

  self->engine = engine;
  self->server = server;
  self->seed = seed;
  self->capacity = DEFAULT_CAPACITY;
  self->voice_budget = VOICE_BUDGET_BYTES;
  g_queue_init (&self->order);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->by_call = g_hash_table_new (g_str_hash, g_str_equal);
  self->voices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < sizeof self->key; i += 4)
    {
      guint32 word = g_random_int ();

      memcpy (self->key + i, &word, 4);
    }

  cb_sim_server_add_op (server, "recording.query", "recordings.read", FALSE, op_recording_query, self);
  cb_sim_server_add_op (server, "recording.get_url", "recordings.read", FALSE, op_recording_get_url, self);
  cb_sim_server_add_http_handler (server, RECORDINGS_PATH, on_http, self);
  cb_sim_server_add_feature (server, "recordings");
  return self;
}

void
cb_sim_recordings_free (CbSimRecordings *self)
{
  GHashTableIter iter;
  gpointer voice;

  if (self == NULL)
    return;
  g_hash_table_iter_init (&iter, self->voices);
  while (g_hash_table_iter_next (&iter, NULL, &voice))
    voice_free (self, voice);
  g_hash_table_unref (self->voices);
  for (GList *l = self->order.head; l != NULL; l = l->next)
    voice_free (self, ((Recording *) l->data)->voice);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_call);
  g_queue_clear_full (&self->order, g_free);
  g_free (self);
}

static void
forget_oldest (CbSimRecordings *self)
{
  Recording *r = g_queue_pop_head (&self->order);

  g_hash_table_remove (self->by_id, r->id);
  g_hash_table_remove (self->by_call, r->call_id);
  voice_free (self, r->voice);
  g_free (r);
}

/* Keeps the metadata of the last @capacity recordings. */
void
cb_sim_recordings_set_capacity (CbSimRecordings *self,
                                guint            capacity)
{
  self->capacity = MAX (capacity, 1);
  while (self->order.length > self->capacity)
    forget_oldest (self);
}

/* For tests: how many bytes of supervisors' voice all recordings may hold. */
void
cb_sim_recordings_set_voice_budget (CbSimRecordings *self,
                                    gsize            bytes)
{
  self->voice_budget = bytes;
}

static int
compare_spans (gconstpointer a,
               gconstpointer b)
{
  const CbSimAudioSpan *x = a, *y = b;

  return x->start_ms < y->start_ms ? -1 : x->start_ms > y->start_ms;
}

static void
add_span (Recording *r,
          gint64     start,
          gint64     end)
{
  start = CLAMP (start, 0, r->duration_ms);
  end = CLAMP (end, 0, r->duration_ms);
  if (end > start && r->n_holds < G_N_ELEMENTS (r->holds))
    {
      r->holds[r->n_holds].start_ms = start;
      r->holds[r->n_holds].end_ms = end;
      r->n_holds++;
    }
}

/**
 * cb_sim_recordings_note_call:
 *
 * Called for every change of a call, before it is published: a voice call
 * whose customer leg has ended after reaching an agent gets its recording.
 */
void
cb_sim_recordings_note_call (CbSimRecordings *self,
                             const CbSimCall *call)
{
  Recording *r;
  guint merged = 0;
  gint64 start = call->answered_ms;
  Voice *voice = NULL;

  if (self == NULL || call->ended_ms <= 0 || g_hash_table_contains (self->by_call, call->id))
    return;

  /* The customer leg has ended: the supervisors' voice is final. */
  {
    g_autofree char *key = NULL;

    g_hash_table_steal_extended (self->voices, call->id, (gpointer *) &key, (gpointer *) &voice);
  }

  if (call->answered_ms <= 0 || call->connected_ms <= 0 || call->agent_id == NULL || call->ended_ms <= start
      || (call->channel != NULL && !g_str_equal (call->channel, "voice")))
    {
      voice_free (self, voice);
      return;
    }

  r = g_new0 (Recording, 1);
  g_snprintf (r->id, sizeof r->id, "rec-%s", call->id);
  g_strlcpy (r->call_id, call->id, sizeof r->call_id);
  g_strlcpy (r->agent_id, call->agent_id, sizeof r->agent_id);
  g_strlcpy (r->queue_id, call->queue_id ? call->queue_id : "", sizeof r->queue_id);
  g_strlcpy (r->campaign_id, call->campaign_id ? call->campaign_id : "", sizeof r->campaign_id);
  g_strlcpy (r->customer_number, call->customer_number, sizeof r->customer_number);
  r->direction = call->direction;
  r->started_at = start;
  r->duration_ms = call->ended_ms - start;
  r->voice = voice;

  /* Where the customer waited without an agent: holds, a transfer's
   * requeue, an outbound customer waiting to be connected. */
  for (guint i = 0; i < call->hold_count && i < CB_SIM_MAX_HOLDS; i++)
    add_span (r, call->holds[i].start_ms - start,
              (call->holds[i].end_ms > 0 ? call->holds[i].end_ms : call->ended_ms) - start);
  if (call->transfer_ms > 0 && call->connected_ms > call->transfer_ms)
    add_span (r, call->transfer_ms - start, call->connected_ms - start);
  else if (call->transfer_ms <= 0 && call->connected_ms > start)
    add_span (r, 0, call->connected_ms - start);
  qsort (r->holds, r->n_holds, sizeof r->holds[0], compare_spans);
  for (guint i = 0; i < r->n_holds; i++)
    {
      if (merged > 0 && r->holds[i].start_ms <= r->holds[merged - 1].end_ms)
        r->holds[merged - 1].end_ms = MAX (r->holds[merged - 1].end_ms, r->holds[i].end_ms);
      else
        r->holds[merged++] = r->holds[i];
    }
  r->n_holds = merged;

  g_queue_push_tail (&self->order, r);
  g_hash_table_insert (self->by_id, r->id, r);
  g_hash_table_insert (self->by_call, r->call_id, r);
  while (self->order.length > self->capacity)
    forget_oldest (self);
}

/* Returns: (transfer full): the ids of @call_id's recordings, for call.recording_ids */
JsonArray *
cb_sim_recordings_ids_for_call (CbSimRecordings *self,
                                const char      *call_id)
{
  JsonArray *ids = json_array_new ();
  const Recording *r = self ? g_hash_table_lookup (self->by_call, call_id) : NULL;

  if (r != NULL)
    json_array_add_string_element (ids, r->id);
  return ids;
}

/**
 * cb_sim_recordings_add_voice:
 * @position: the first frame, at @rate, from the call's answer (the
 *   recording's timeline)
 * @samples: @n mono samples in [-1, 1] at @rate (8 000 or 16 000 Hz)
 * @customer: the customer heard it (barge): mix it into channel 0
 * @agent: the agent heard it (whisper, barge): mix it into channel 1
 *
 * Adds a supervisor's voice to the recording that call @call_id will leave.
 * Ignored once the call has ended (its recording is final) or when the call
 * is not live; beyond the budget the voice is left out and the recording
 * marked `redacted`.
 */
void
cb_sim_recordings_add_voice (CbSimRecordings *self,
                             const char      *call_id,
                             gint64           position,
                             guint            rate,
                             const float     *samples,
                             guint            n,
                             gboolean         customer,
                             gboolean         agent)
{
  const CbSimCall *call;
  Voice *v;
  guint step;
  gint64 first, last;
  g_autofree float *resampled = NULL;

  g_return_if_fail (self != NULL && call_id != NULL);
  g_return_if_fail (rate == CB_SIM_RECORDING_RATE || rate == 2 * CB_SIM_RECORDING_RATE);

  call = cb_sim_engine_get_call (self->engine, call_id);
  if (n == 0 || position < 0 || (!customer && !agent) || call == NULL || call->ended_ms > 0
      || g_hash_table_contains (self->by_call, call_id))
    return;

  /* At the recording's rate: each output frame the mean of its inputs. */
  step = rate / CB_SIM_RECORDING_RATE;
  first = position / step;
  last = (position + n + step - 1) / step;
  resampled = g_new0 (float, last - first);
  for (guint i = 0; i < n; i++)
    resampled[(position + i) / step - first] += samples[i] / step;

  v = g_hash_table_lookup (self->voices, call_id);
  if (v == NULL)
    {
      v = voice_new ();
      g_hash_table_insert (self->voices, g_strdup (call_id), v);
    }

  for (gint64 f = first; f < last; f++)
    {
      gint64 index = f / VOICE_CHUNK;
      gint16 *chunk;
      float value = resampled[f - first];

      if (value == 0.0f)
        continue;
      chunk = g_hash_table_lookup (v->chunks, &index);
      if (chunk == NULL)
        {
          gsize bytes = sizeof (gint16) * 2 * VOICE_CHUNK;

          if (self->voice_bytes + bytes > self->voice_budget)
            {
              if (!v->truncated)
                g_message ("the supervisors' voice in the recordings reached %" G_GSIZE_FORMAT
                           " KiB: some of call %s's is left out", self->voice_budget / 1024, call_id);
              v->truncated = TRUE;
              continue;
            }
          chunk = g_malloc0 (bytes);
          g_hash_table_insert (v->chunks, g_memdup2 (&index, sizeof index), chunk);
          self->voice_bytes += bytes;
        }
      for (guint c = 0; c < 2; c++)
        if (c == CB_SIM_AUDIO_CUSTOMER ? customer : agent)
          {
            gint16 *p = &chunk[2 * (f % VOICE_CHUNK) + c];

            *p = (gint16) CLAMP (*p + (int) lrintf (value * 32767.0f), -32768, 32767);
          }
    }
}

guint
cb_sim_recordings_get_count (CbSimRecordings *self)
{
  return self->order.length;
}
