/* cb-sim-random.h — the simulator's seeded random numbers and distributions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CbSimRandom:
 *
 * A xoshiro256** generator. Plain data: copy it to fork a stream, seed it
 * with cb_sim_random_init(). The same seed gives the same sequence on every
 * machine.
 */
typedef struct
{
  guint64 s[4];
} CbSimRandom;

/**
 * CbSimDistKind:
 * @CB_SIM_DIST_FIXED: always @mean_s
 * @CB_SIM_DIST_EXPONENTIAL: exponential with mean @mean_s
 * @CB_SIM_DIST_LOGNORMAL: log-normal with mean @mean_s and coefficient of variation @cv
 * @CB_SIM_DIST_UNIFORM: uniform between @min_s and @max_s (@mean_s is ignored)
 *
 * The shape of a duration.
 */
typedef enum
{
  CB_SIM_DIST_FIXED,
  CB_SIM_DIST_EXPONENTIAL,
  CB_SIM_DIST_LOGNORMAL,
  CB_SIM_DIST_UNIFORM,
} CbSimDistKind;

/**
 * CbSimDist:
 * @kind: the shape
 * @mean_s: mean in seconds (before clamping)
 * @cv: coefficient of variation, for %CB_SIM_DIST_LOGNORMAL
 * @min_s: samples below are raised to this
 * @max_s: samples above are lowered to this; 0 means no upper bound
 *
 * A distribution of durations, sampled in milliseconds.
 */
typedef struct
{
  CbSimDistKind kind;
  double        mean_s;
  double        cv;
  double        min_s;
  double        max_s;
} CbSimDist;

#define CB_SIM_DIST_INIT_FIXED(s) \
  ((CbSimDist) { CB_SIM_DIST_FIXED, (s), 0.0, 0.0, 0.0 })
#define CB_SIM_DIST_INIT_EXP(s) \
  ((CbSimDist) { CB_SIM_DIST_EXPONENTIAL, (s), 1.0, 0.0, 0.0 })
#define CB_SIM_DIST_INIT_LOGNORMAL(s, c) \
  ((CbSimDist) { CB_SIM_DIST_LOGNORMAL, (s), (c), 0.0, 0.0 })
#define CB_SIM_DIST_INIT_UNIFORM(lo, hi) \
  ((CbSimDist) { CB_SIM_DIST_UNIFORM, ((lo) + (hi)) / 2.0, 0.0, (lo), (hi) })

guint64  cb_sim_splitmix64           (guint64           *state);
void     cb_sim_random_init          (CbSimRandom       *rng,
                                      guint64            seed);
guint64  cb_sim_random_next          (CbSimRandom       *rng);
double   cb_sim_random_double        (CbSimRandom       *rng);
guint32  cb_sim_random_below         (CbSimRandom       *rng,
                                      guint32            n);
gboolean cb_sim_random_chance        (CbSimRandom       *rng,
                                      double             p);
double   cb_sim_random_uniform       (CbSimRandom       *rng,
                                      double             lo,
                                      double             hi);
double   cb_sim_random_exponential   (CbSimRandom       *rng,
                                      double             mean);
double   cb_sim_random_normal        (CbSimRandom       *rng);
double   cb_sim_random_lognormal     (CbSimRandom       *rng,
                                      double             mean,
                                      double             cv);
guint    cb_sim_random_weighted      (CbSimRandom       *rng,
                                      const double      *weights,
                                      guint              n);

gint64   cb_sim_dist_sample_ms       (const CbSimDist   *dist,
                                      CbSimRandom       *rng);
double   cb_sim_dist_mean_s          (const CbSimDist   *dist);

G_END_DECLS
