/* cb-sim-random.c — the simulator's seeded random numbers and distributions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * xoshiro256** (Blackman and Vigna), seeded through splitmix64, so that one
 * 64-bit seed gives a well-mixed state and the same stream everywhere. GLib's
 * GRand is not used: its sequence is not promised to stay the same between
 * GLib versions, and the simulator's tests compare runs bit for bit.
 */
#define G_LOG_DOMAIN "cb-sim"

#include "config.h"

#include <math.h>

#include "cb-sim-random.h"

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
cb_sim_splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
cb_sim_random_init (CbSimRandom *rng,
                    guint64      seed)
{
  guint64 state = seed;

  g_return_if_fail (rng != NULL);

  for (guint i = 0; i < 4; i++)
    rng->s[i] = cb_sim_splitmix64 (&state);
}

guint64
cb_sim_random_next (CbSimRandom *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);

  return result;
}

/* In [0, 1), 53 random bits. */
double
cb_sim_random_double (CbSimRandom *rng)
{
  return (cb_sim_random_next (rng) >> 11) * 0x1.0p-53;
}

/* In [0, n), without modulo bias (Lemire's method). */
guint32
cb_sim_random_below (CbSimRandom *rng,
                     guint32      n)
{
  guint64 m;
  guint32 low;

  if (n <= 1)
    return 0;

  m = (cb_sim_random_next (rng) >> 32) * (guint64) n;
  low = (guint32) m;
  if (low < n)
    {
      guint32 threshold = -n % n;

      while (low < threshold)
        {
          m = (cb_sim_random_next (rng) >> 32) * (guint64) n;
          low = (guint32) m;
        }
    }

  return (guint32) (m >> 32);
}

gboolean
cb_sim_random_chance (CbSimRandom *rng,
                      double       p)
{
  if (p <= 0.0)
    return FALSE;
  if (p >= 1.0)
    return TRUE;
  return cb_sim_random_double (rng) < p;
}

double
cb_sim_random_uniform (CbSimRandom *rng,
                       double       lo,
                       double       hi)
{
  return lo + (hi - lo) * cb_sim_random_double (rng);
}

double
cb_sim_random_exponential (CbSimRandom *rng,
                           double       mean)
{
  /* 1 - u is in (0, 1], so the logarithm is finite. */
  return -mean * log (1.0 - cb_sim_random_double (rng));
}

/* Standard normal, Box–Muller; the second value is dropped so that every
 * draw consumes the same amount of the stream. */
double
cb_sim_random_normal (CbSimRandom *rng)
{
  double u1 = 1.0 - cb_sim_random_double (rng);
  double u2 = cb_sim_random_double (rng);

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

/* Log-normal with the given mean and coefficient of variation:
 * σ² = ln(1 + cv²), μ = ln(mean) − σ²/2. */
double
cb_sim_random_lognormal (CbSimRandom *rng,
                         double       mean,
                         double       cv)
{
  double sigma2, mu;

  if (mean <= 0.0)
    return 0.0;
  if (cv <= 0.0)
    return mean;

  sigma2 = log1p (cv * cv);
  mu = log (mean) - sigma2 / 2.0;
  return exp (mu + sqrt (sigma2) * cb_sim_random_normal (rng));
}

/* An index in [0, n) with probability proportional to @weights. */
guint
cb_sim_random_weighted (CbSimRandom  *rng,
                        const double *weights,
                        guint         n)
{
  double total = 0.0;
  double x;

  for (guint i = 0; i < n; i++)
    total += MAX (weights[i], 0.0);

  if (n == 0 || total <= 0.0)
    return 0;

  x = cb_sim_random_double (rng) * total;
  for (guint i = 0; i < n; i++)
    {
      double w = MAX (weights[i], 0.0);

      if (x < w)
        return i;
      x -= w;
    }

  /* Rounding: the last index with a positive weight. */
  for (guint i = n; i > 0; i--)
    if (weights[i - 1] > 0.0)
      return i - 1;

  return 0;
}

gint64
cb_sim_dist_sample_ms (const CbSimDist *dist,
                       CbSimRandom     *rng)
{
  double s;

  g_return_val_if_fail (dist != NULL, 0);

  switch (dist->kind)
    {
    case CB_SIM_DIST_EXPONENTIAL:
      s = cb_sim_random_exponential (rng, dist->mean_s);
      break;

    case CB_SIM_DIST_LOGNORMAL:
      s = cb_sim_random_lognormal (rng, dist->mean_s, dist->cv);
      break;

    case CB_SIM_DIST_UNIFORM:
      s = cb_sim_random_uniform (rng, dist->min_s, dist->max_s);
      break;

    case CB_SIM_DIST_FIXED:
    default:
      s = dist->mean_s;
      break;
    }

  if (s < dist->min_s)
    s = dist->min_s;
  if (dist->max_s > 0.0 && s > dist->max_s)
    s = dist->max_s;
  if (s < 0.0)
    s = 0.0;

  return (gint64) llround (s * 1000.0);
}

/* The mean before clamping: what a dialer or a staffing rule "knows". */
double
cb_sim_dist_mean_s (const CbSimDist *dist)
{
  g_return_val_if_fail (dist != NULL, 0.0);

  if (dist->kind == CB_SIM_DIST_UNIFORM)
    return (dist->min_s + dist->max_s) / 2.0;
  return MAX (dist->mean_s, dist->min_s);
}
