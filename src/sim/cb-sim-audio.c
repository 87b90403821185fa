/* cb-sim-audio.c — the sound of a simulated call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Synthesizes what a call sounds like, without GStreamer: a conversation
 * between a customer (channel 0) and an agent (channel 1), and the hold
 * music a waiting customer hears. Everything is a function of the seed, the
 * call id and the sample position, so a recording can be rendered from any
 * byte offset (range requests) and a live stream and a recording of the same
 * call say the same thing.
 *
 * The conversation is a list of turns: one party speaks for one to nine
 * seconds while the other is silent (now and then the listener says a short
 * "mm-hm"), a pause of a quarter to one second, then usually the other party.
 * A turn is a string of syllables with pauses between words. A syllable is
 * a voiced sound: a harmonic series on a pitch contour (the speaker's pitch,
 * falling over the turn, with an accent and a glide per syllable) shaped by
 * two vowel formants, often led by a short burst of hiss (a consonant), with
 * an attack and a release. Each syllable's waveform is one period in a
 * band-limited wavetable, so a sample costs one table lookup. Hold music is
 * a plucked pentatonic tune over a bass line.
 */
#define G_LOG_DOMAIN "cb-sim-audio"

#include "config.h"

#include "cb-sim-audio.h"

#include <math.h>
#include <string.h>

#define TABLE_SIZE   512
#define N_TABLES     6
#define MAX_TURN_S   9.0
#define NOISE_FLOOR  0.0012
#define SPEECH_LEVEL 0.30

typedef struct
{
  double  start;          /* conversation time, s */
  double  end;
  guint64 seed;
  guint8  speaker;        /* CB_SIM_AUDIO_CUSTOMER or CB_SIM_AUDIO_AGENT */
  guint8  backchannel;    /* a short "mm-hm" while the other one speaks */
} Turn;

typedef struct
{
  double start;           /* conversation time, s */
  double end;
  double f0;              /* Hz at the start */
  double slope;           /* Hz per second */
  double f1, f2;          /* vowel formants, Hz */
  double amp;
  double noise_s;         /* length of the consonant's hiss at the start */
} Syllable;

typedef struct
{
  guint64 key;
  float   table[TABLE_SIZE + 1];
} Table;

struct _CbSimConversation
{
  guint64  seed;
  double   f0[2];
  double   formant_scale[2];
  GArray  *turns;          /* Turn, by start */
  guint64  rng;            /* draws the turns, in order */
  double   cursor;         /* where the next main turn may start */
  guint8   next_speaker;
  Table    tables[N_TABLES];
  guint    next_table;
};

/* ---- randomness ----------------------------------------------------------- */

static guint64
splitmix (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static double
uniform (guint64 *state)
{
  return (splitmix (state) >> 11) * (1.0 / 9007199254740992.0);
}

static double
between (guint64 *state,
         double   lo,
         double   hi)
{
  return lo + (hi - lo) * uniform (state);
}

static guint64
hash2 (guint64 a,
       guint64 b)
{
  guint64 s = a ^ (b * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  return splitmix (&s);
}

static guint64
hash_string (const char *s)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (; s != NULL && *s != '\0'; s++)
    h = (h ^ (guchar) *s) * G_GUINT64_CONSTANT (0x100000001b3);
  return h;
}

/* White noise in [-1, 1], a function of the position alone. */
static double
white (guint64 seed,
       gint64  position)
{
  return (hash2 (seed, (guint64) position) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* ---- turns ------------------------------------------------------------------ */

static void
add_turn (CbSimConversation *self)
{
  guint64 *r = &self->rng;
  Turn turn = { 0 };
  double duration = between (r, 0.7, 1.5) - log (1.0 - uniform (r)) * 2.2;

  turn.start = self->cursor;
  turn.end = turn.start + MIN (duration, MAX_TURN_S - 0.2);
  turn.seed = splitmix (r);
  turn.speaker = self->next_speaker;
  g_array_append_val (self->turns, turn);

  /* The listener acknowledges a long turn, briefly and quietly. */
  if (turn.end - turn.start > 3.0 && uniform (r) < 0.6)
    {
      Turn back = { 0 };

      back.start = between (r, turn.start + 1.2, turn.end - 1.0);
      back.end = back.start + between (r, 0.25, 0.45);
      back.seed = splitmix (r);
      back.speaker = !turn.speaker;
      back.backchannel = TRUE;
      g_array_append_val (self->turns, back);
    }

  self->cursor = turn.end + (uniform (r) < 0.15 ? between (r, 1.0, 1.8) : between (r, 0.25, 0.9));
  if (uniform (r) < 0.85)
    self->next_speaker = !self->next_speaker;
}

static void
extend_turns (CbSimConversation *self,
              double             until)
{
  while (self->cursor < until + MAX_TURN_S)
    add_turn (self);
}

/* ---- syllables -------------------------------------------------------------- */

/* Calls @func for each syllable of @turn that overlaps [t0, t1). */
typedef void (*SyllableFunc) (CbSimConversation *self,
                              const Turn        *turn,
                              guint              turn_index,
                              guint              index,
                              const Syllable    *syllable,
                              gpointer           data);

static void
foreach_syllable (CbSimConversation *self,
                  const Turn        *turn,
                  guint              turn_index,
                  double             t0,
                  double             t1,
                  SyllableFunc       func,
                  gpointer           data)
{
  guint64 r = turn->seed;
  double t = turn->start;
  double span = turn->end - turn->start;
  guint speaker = turn->speaker;

  for (guint i = 0; t < turn->end && t < t1; i++)
    {
      Syllable s = { 0 };
      double duration = turn->backchannel ? span / 2 - 0.01 : between (&r, 0.09, 0.26);
      double f0 = self->f0[speaker] * (1.08 - 0.18 * (t - turn->start) / MAX (span, 0.1));

      s.start = t;
      s.end = MIN (t + duration, turn->end);
      s.f0 = f0 * between (&r, 0.9, 1.18);
      s.slope = s.f0 * between (&r, -0.6, 0.5);
      if (turn->backchannel)
        {
          s.f1 = 260 * self->formant_scale[speaker];
          s.f2 = 1000 * self->formant_scale[speaker];
          s.amp = 0.35;
          s.noise_s = 0;
          s.slope = s.f0 * (i == 0 ? -0.3 : 0.6);
        }
      else
        {
          s.f1 = between (&r, 300, 750) * self->formant_scale[speaker];
          s.f2 = between (&r, 900, 2200) * self->formant_scale[speaker];
          s.amp = between (&r, 0.55, 1.0);
          s.noise_s = uniform (&r) < 0.45 ? between (&r, 0.03, 0.07) : 0.0;
        }

      if (s.end > t0 && s.end - s.start > 0.02)
        func (self, turn, turn_index, i, &s, data);

      t = s.end + (turn->backchannel ? 0.02 : between (&r, 0.02, 0.07));
      if (!turn->backchannel && uniform (&r) < 0.12)
        t += between (&r, 0.15, 0.35);
    }
}

/* One period of the syllable's voice, band-limited for @rate. */
static const float *
syllable_table (CbSimConversation *self,
                guint              turn_index,
                guint              index,
                const Syllable    *s,
                guint              rate)
{
  guint64 key = hash2 (hash2 (turn_index, index), rate);
  Table *t;
  double f_mean = s->f0 + s->slope * (s->end - s->start) / 2;
  double f_max = MAX (s->f0, s->f0 + s->slope * (s->end - s->start));
  double top = MIN (3600.0, rate * 0.45);
  guint n_harmonics = (guint) MAX (1.0, floor (top / MAX (f_max, 40.0)));
  double peak = 0;

  for (guint i = 0; i < N_TABLES; i++)
    if (self->tables[i].key == key)
      return self->tables[i].table;

  t = &self->tables[self->next_table];
  self->next_table = (self->next_table + 1) % N_TABLES;
  t->key = key;
  memset (t->table, 0, sizeof t->table);

  for (guint k = 1; k <= n_harmonics; k++)
    {
      double f = k * f_mean;
      double a = (exp (-pow ((f - s->f1) / (s->f1 * 0.35 + 60), 2))
                  + 0.7 * exp (-pow ((f - s->f2) / (s->f2 * 0.18 + 80), 2))
                  + 0.15 * exp (-pow ((f - 2800) / 400, 2))
                  + 0.08) / sqrt (k);

      for (guint i = 0; i < TABLE_SIZE; i++)
        t->table[i] += (float) (a * sin (2 * G_PI * k * i / TABLE_SIZE));
    }

  for (guint i = 0; i < TABLE_SIZE; i++)
    peak = MAX (peak, fabs (t->table[i]));
  for (guint i = 0; i < TABLE_SIZE; i++)
    t->table[i] = (float) (t->table[i] / MAX (peak, 1e-6));
  t->table[TABLE_SIZE] = t->table[0];
  return t->table;
}

static double
ramp (double x)
{
  return x <= 0 ? 0 : x >= 1 ? 1 : 0.5 - 0.5 * cos (G_PI * x);
}

typedef struct
{
  guint   rate;
  gint64  position;
  guint   n_frames;
  float  *out;
} RenderJob;

static void
render_syllable (CbSimConversation *self,
                 const Turn        *turn,
                 guint              turn_index,
                 guint              index,
                 const Syllable    *s,
                 gpointer           data)
{
  RenderJob *job = data;
  const float *table = syllable_table (self, turn_index, index, s, job->rate);
  gint64 first = MAX (job->position, (gint64) ceil (s->start * job->rate));
  gint64 last = MIN (job->position + job->n_frames, (gint64) ceil (s->end * job->rate));
  double duration = s->end - s->start;
  double voiced_start = s->noise_s * 0.7;
  guint64 noise_seed = hash2 (turn->seed, index);

  for (gint64 p = first; p < last; p++)
    {
      double tau = (double) p / job->rate - s->start;
      double value = 0;

      if (tau >= voiced_start)
        {
          double v = tau - voiced_start;
          double phase = s->f0 * v + 0.5 * s->slope * v * v;
          double x = (phase - floor (phase)) * TABLE_SIZE;
          guint i = (guint) x;
          double frac = x - i;
          double env = ramp (v / 0.015) * ramp ((duration - tau) / 0.04) * (1.0 - 0.3 * tau / duration);

          if (i >= TABLE_SIZE)
            i = TABLE_SIZE - 1;
          value += env * (table[i] + frac * (table[i + 1] - table[i]));
        }

      if (s->noise_s > 0 && tau < s->noise_s)
        value += 0.5 * sin (G_PI * tau / s->noise_s) * 0.5 * (white (noise_seed, p) - white (noise_seed, p - 1));

      job->out[2 * (p - job->position) + turn->speaker] += (float) (SPEECH_LEVEL * s->amp * value);
    }
}

/* ---- public ------------------------------------------------------------------ */

/**
 * cb_sim_conversation_new:
 * @agent_first: who speaks first (the agent greets an inbound caller; an
 *   outbound customer says "hello?")
 *
 * Returns: the conversation of call @call_id under @seed
 */
CbSimConversation *
cb_sim_conversation_new (guint64     seed,
                         const char *call_id,
                         gboolean    agent_first)
{
  CbSimConversation *self = g_new0 (CbSimConversation, 1);
  guint64 r = hash2 (seed, hash_string (call_id));

  self->seed = r;
  for (guint i = 0; i < 2; i++)
    {
      gboolean low = uniform (&r) < 0.5;

      self->f0[i] = low ? between (&r, 95, 140) : between (&r, 175, 235);
      self->formant_scale[i] = low ? between (&r, 0.9, 1.0) : between (&r, 1.05, 1.18);
    }
  self->rng = splitmix (&r);
  self->turns = g_array_new (FALSE, FALSE, sizeof (Turn));
  self->cursor = 0.3;
  self->next_speaker = agent_first ? CB_SIM_AUDIO_AGENT : CB_SIM_AUDIO_CUSTOMER;
  for (guint i = 0; i < N_TABLES; i++)
    self->tables[i].key = G_MAXUINT64;
  return self;
}

void
cb_sim_conversation_free (CbSimConversation *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->turns);
  g_free (self);
}

/**
 * cb_sim_conversation_render:
 * @position: the first frame, in frames at @rate from the conversation's start
 * @out: (out caller-allocates): 2 × @n_frames samples, customer then agent
 *
 * Writes the conversation's audio in [-1, 1].
 */
void
cb_sim_conversation_render (CbSimConversation *self,
                            guint              rate,
                            gint64             position,
                            guint              n_frames,
                            float             *out)
{
  double t0 = (double) position / rate;
  double t1 = (double) (position + n_frames) / rate;
  RenderJob job = { rate, position, n_frames, out };
  guint lo = 0, hi;

  g_return_if_fail (self != NULL && rate > 0 && position >= 0);

  for (guint i = 0; i < n_frames; i++)
    {
      out[2 * i] = (float) (NOISE_FLOOR * white (self->seed, 2 * (position + i)));
      out[2 * i + 1] = (float) (NOISE_FLOOR * white (self->seed, 2 * (position + i) + 1));
    }

  extend_turns (self, t1);

  /* The first turn that may reach t0: none lasts longer than MAX_TURN_S. */
  hi = self->turns->len;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (g_array_index (self->turns, Turn, mid).start < t0 - MAX_TURN_S)
        lo = mid + 1;
      else
        hi = mid;
    }

  for (guint i = lo; i < self->turns->len; i++)
    {
      const Turn *turn = &g_array_index (self->turns, Turn, i);

      if (turn->start >= t1)
        break;
      if (turn->end > t0)
        foreach_syllable (self, turn, i, t0, t1, render_syllable, &job);
    }
}

/**
 * cb_sim_audio_render_hold:
 * @position: frames at @rate from the start of the hold
 * @out: (out caller-allocates): 2 × @n_frames samples
 *
 * Writes hold music on the customer's channel and line noise on the agent's.
 */
void
cb_sim_audio_render_hold (guint64 seed,
                          guint   rate,
                          gint64  position,
                          guint   n_frames,
                          float  *out)
{
  static const int scale[] = { 0, 2, 4, 7, 9, 12, 14, 16 };
  static const int chords[] = { 0, 5, 7, 3 };
  const double note_s = 0.28;

  for (guint i = 0; i < n_frames; i++)
    {
      double t = (double) (position + i) / rate;
      gint64 note = (gint64) floor (t / note_s);
      gint64 bar = note / 4;
      double tau = t - note * note_s;
      double tau_bar = t - bar * 4 * note_s;
      double f = 262.0 * pow (2.0, scale[hash2 (seed, (guint64) (note % 16)) % G_N_ELEMENTS (scale)] / 12.0);
      double fb = 131.0 * pow (2.0, chords[bar % 4] / 12.0);
      double env = exp (-3.5 * tau) * MIN (1.0, tau / 0.01);
      double v = 0.16 * env * (sin (2 * G_PI * f * tau) + 0.35 * sin (4 * G_PI * f * tau)
                               + 0.12 * sin (6 * G_PI * f * tau));

      v += 0.07 * sin (2 * G_PI * fb * tau_bar) * (1.0 - 0.5 * tau_bar / (4 * note_s));
      out[2 * i] = (float) v;
      out[2 * i + 1] = (float) (NOISE_FLOOR * white (seed ^ 1, position + i));
    }
}

/**
 * cb_sim_audio_render_timeline:
 * @holds: the call's holds, in order, in ms from the timeline's start
 * @position: frames at @rate from the timeline's start
 *
 * Writes a stretch of a whole call: the conversation, paused during each
 * hold while the customer hears hold music. A recording is this timeline.
 */
void
cb_sim_audio_render_timeline (CbSimConversation    *conversation,
                              guint64               seed,
                              const CbSimAudioSpan *holds,
                              guint                 n_holds,
                              guint                 rate,
                              gint64                position,
                              guint                 n_frames,
                              float                *out)
{
  gint64 p = position;
  gint64 end = position + n_frames;

  while (p < end)
    {
      gint64 held_before = 0;
      gint64 piece_end = end;
      gint64 hold_start = -1;

      for (guint i = 0; i < n_holds; i++)
        {
          gint64 hs = holds[i].start_ms * rate / 1000;
          gint64 he = holds[i].end_ms * rate / 1000;

          if (he <= p)
            held_before += he - hs;
          else if (hs <= p)
            {
              hold_start = hs;
              piece_end = MIN (piece_end, he);
              break;
            }
          else
            {
              piece_end = MIN (piece_end, hs);
              break;
            }
        }

      if (hold_start >= 0)
        cb_sim_audio_render_hold (seed, rate, p - hold_start, (guint) (piece_end - p),
                                  out + 2 * (p - position));
      else
        cb_sim_conversation_render (conversation, rate, p - held_before, (guint) (piece_end - p),
                                    out + 2 * (p - position));
      p = piece_end;
    }
}

gint16
cb_sim_audio_to_s16 (float sample)
{
  double v = round (sample * 32767.0);

  return (gint16) CLAMP (v, -32768.0, 32767.0);
}

/* G.711 µ-law (ITU-T G.711, with the usual bias of 0x84 and clip). */
guint8
cb_sim_audio_ulaw_encode (gint16 sample)
{
  int v = sample;
  int sign = 0;
  int exponent = 7;

  if (v < 0)
    {
      v = -v;
      sign = 0x80;
    }
  v = MIN (v, 32635) + 0x84;
  while (exponent > 0 && (v & (0x4000 >> (7 - exponent))) == 0)
    exponent--;
  return (guint8) ~(sign | (exponent << 4) | ((v >> (exponent + 3)) & 0x0F));
}

gint16
cb_sim_audio_ulaw_decode (guint8 code)
{
  int u = ~code & 0xFF;
  int exponent = (u >> 4) & 0x07;
  int v = (((u & 0x0F) << 3) + 0x84) << exponent;

  return (gint16) ((u & 0x80) ? 0x84 - v : v - 0x84);
}
