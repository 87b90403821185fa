/* cb-sim-names.h — plausible names and numbers for the simulated contact center
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-sim-random.h"

G_BEGIN_DECLS

typedef enum
{
  CB_SIM_COUNTRY_EE,   /* Estonia */
  CB_SIM_COUNTRY_SK,   /* Slovakia */
  CB_SIM_COUNTRY_HR,   /* Croatia */
  CB_SIM_COUNTRY_BA,   /* Bosnia and Herzegovina */
  CB_SIM_COUNTRY_UA,   /* Ukraine */
  CB_SIM_COUNTRY_PL,   /* Poland */
  CB_SIM_N_COUNTRIES,
} CbSimCountry;

CbSimCountry  cb_sim_names_pick_country     (CbSimRandom  *rng);
const char   *cb_sim_country_code           (CbSimCountry  country);
int           cb_sim_country_utc_offset_min (CbSimCountry  country);
char         *cb_sim_names_person           (CbSimRandom  *rng,
                                             CbSimCountry  country);
void          cb_sim_names_phone            (CbSimRandom  *rng,
                                             CbSimCountry  country,
                                             char         *buf,
                                             gsize         size);
void          cb_sim_names_lead             (CbSimRandom  *rng,
                                             char         *phone,
                                             gsize         size,
                                             const char  **country,
                                             const char  **time_zone,
                                             int          *utc_offset_min);
char         *cb_sim_names_queue            (guint         index);
char         *cb_sim_names_campaign         (guint         index);
char         *cb_sim_names_team             (guint         index);

G_END_DECLS
