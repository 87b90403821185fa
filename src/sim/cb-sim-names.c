/* cb-sim-names.c — plausible names and numbers for the simulated contact center
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Agents get first names and surnames of the countries our users work in
 * (Estonian, Slovak, Croatian, Bosnian, Ukrainian, Polish), with the female
 * surname forms where the language has them (Nováková, Kowalska). Phone
 * numbers are E.164 mobile numbers of the same countries. Everything is
 * drawn from the caller's CbSimRandom, so a seed always gives the same names.
 */
#define G_LOG_DOMAIN "cb-sim"

#include "config.h"

#include "cb-sim-names.h"

typedef struct
{
  const char         *code;
  int                 utc_offset_min;   /* winter time; leads use fixed offsets */
  double              weight;           /* share of callers and agents */
  const char * const *male;
  const char * const *female;
  const char * const *surname_male;
  const char * const *surname_female;   /* NULL: same as male */
  const char         *phone_prefix;
  guint               phone_digits;     /* digits after the prefix */
} Country;

static const char * const ee_male[] = {
  "Jaan", "Mart", "Toomas", "Andres", "Rein", "Priit", "Margus", "Tarmo", "Kristjan", "Siim",
  "Rasmus", "Karl", "Martin", "Marko", "Indrek", "Ott", "Tanel", "Raivo", "Urmas", "Kaspar", NULL
};
static const char * const ee_female[] = {
  "Mari", "Kadri", "Liis", "Kristiina", "Triin", "Piret", "Maarja", "Anu", "Kati", "Helen",
  "Kersti", "Eve", "Merike", "Liina", "Grete", "Kaisa", "Signe", "Tiina", "Ülle", "Epp", NULL
};
static const char * const ee_surname[] = {
  "Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Pärn", "Koppel",
  "Lepik", "Kuusk", "Oja", "Kallas", "Luik", "Raud", "Vaher", "Lill", "Põder", "Kivi", NULL
};

static const char * const sk_male[] = {
  "Peter", "Ján", "Martin", "Tomáš", "Michal", "Jozef", "Marek", "Lukáš", "Juraj", "Milan",
  "Miroslav", "Pavol", "Matej", "Dušan", "Róbert", "Štefan", "Ľubomír", "Igor", NULL
};
static const char * const sk_female[] = {
  "Mária", "Jana", "Zuzana", "Katarína", "Lucia", "Eva", "Monika", "Martina", "Veronika",
  "Andrea", "Ivana", "Simona", "Petra", "Barbora", "Dominika", "Lenka", "Ľudmila", "Soňa", NULL
};
static const char * const sk_surname_m[] = {
  "Horváth", "Kováč", "Varga", "Tóth", "Nagy", "Baláž", "Molnár", "Novák", "Lukáč", "Gajdoš",
  "Hudák", "Oravec", "Kollár", "Polák", "Ševčík", "Krajčí", "Bartoš", "Kučera", NULL
};
static const char * const sk_surname_f[] = {
  "Horváthová", "Kováčová", "Vargová", "Tóthová", "Nagyová", "Balážová", "Molnárová", "Nováková",
  "Lukáčová", "Gajdošová", "Hudáková", "Oravcová", "Kollárová", "Poláková", "Ševčíková",
  "Krajčíová", "Bartošová", "Kučerová", NULL
};

static const char * const hr_male[] = {
  "Ivan", "Marko", "Josip", "Luka", "Ante", "Tomislav", "Stjepan", "Mario", "Nikola", "Dario",
  "Hrvoje", "Krešimir", "Filip", "Matej", "Domagoj", "Zvonimir", "Goran", "Damir", NULL
};
static const char * const hr_female[] = {
  "Ana", "Marija", "Ivana", "Petra", "Maja", "Katarina", "Lucija", "Martina", "Nikolina",
  "Sanja", "Mirela", "Ivona", "Tena", "Lana", "Dora", "Matea", "Snježana", "Vesna", NULL
};
static const char * const hr_surname[] = {
  "Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Kovačić", "Knežević", "Vuković",
  "Marković", "Petrović", "Matić", "Tomić", "Pavlović", "Božić", "Blažević", "Grgić", "Perić", NULL
};

static const char * const ba_male[] = {
  "Amir", "Adnan", "Emir", "Haris", "Kenan", "Mirza", "Tarik", "Edin", "Nedim", "Almir",
  "Senad", "Jasmin", "Armin", "Dino", "Faruk", "Elvir", "Samir", "Nermin", NULL
};
static const char * const ba_female[] = {
  "Amra", "Lejla", "Amela", "Selma", "Emina", "Ajla", "Merima", "Alma", "Azra", "Dženana",
  "Naida", "Sanela", "Medina", "Adna", "Belma", "Aida", "Šejla", "Elma", NULL
};
static const char * const ba_surname[] = {
  "Hodžić", "Hadžić", "Begić", "Delić", "Mehmedović", "Hasanović", "Husić", "Omerović",
  "Salihović", "Ibrahimović", "Mujić", "Halilović", "Karić", "Softić", "Čolić", "Alić",
  "Suljić", "Imamović", NULL
};

static const char * const ua_male[] = {
  "Oleksandr", "Andriy", "Serhiy", "Dmytro", "Volodymyr", "Mykola", "Taras", "Bohdan", "Ivan",
  "Yuriy", "Oleh", "Vasyl", "Maksym", "Artem", "Roman", "Yaroslav", "Petro", "Ihor", NULL
};
static const char * const ua_female[] = {
  "Olena", "Oksana", "Iryna", "Nataliia", "Tetiana", "Yulia", "Kateryna", "Svitlana", "Mariia",
  "Halyna", "Anastasiia", "Viktoriia", "Daryna", "Sofiia", "Khrystyna", "Larysa", "Lesia", NULL
};
static const char * const ua_surname[] = {
  "Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Boyko",
  "Kovalchuk", "Oliynyk", "Lysenko", "Marchenko", "Savchenko", "Rudenko", "Moroz",
  "Polishchuk", "Tkachuk", "Kravets", "Hnatyuk", "Ponomarenko", NULL
};

static const char * const pl_male[] = {
  "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Jakub", "Łukasz",
  "Kamil", "Grzegorz", "Mateusz", "Wojciech", "Adam", "Marek", "Rafał", "Szymon", NULL
};
static const char * const pl_female[] = {
  "Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Magdalena", "Joanna",
  "Aleksandra", "Monika", "Zofia", "Natalia", "Karolina", "Dorota", "Justyna", "Paulina",
  "Elżbieta", NULL
};
static const char * const pl_surname_m[] = {
  "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
  "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
  "Krawczyk", "Piotrowski", "Grabowski", "Pawłowski", NULL
};
static const char * const pl_surname_f[] = {
  "Nowak", "Kowalska", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowska",
  "Zielińska", "Szymańska", "Woźniak", "Dąbrowska", "Kozłowska", "Jankowska", "Mazur",
  "Krawczyk", "Piotrowska", "Grabowska", "Pawłowska", NULL
};

static const Country countries[CB_SIM_N_COUNTRIES] = {
  [CB_SIM_COUNTRY_EE] = { "EE", 120, 0.30, ee_male, ee_female, ee_surname, NULL, "+3725", 7 },
  [CB_SIM_COUNTRY_SK] = { "SK", 60, 0.15, sk_male, sk_female, sk_surname_m, sk_surname_f,
                          "+4219", 8 },
  [CB_SIM_COUNTRY_HR] = { "HR", 60, 0.15, hr_male, hr_female, hr_surname, NULL, "+3859", 8 },
  [CB_SIM_COUNTRY_BA] = { "BA", 60, 0.10, ba_male, ba_female, ba_surname, NULL, "+3876", 7 },
  [CB_SIM_COUNTRY_UA] = { "UA", 120, 0.15, ua_male, ua_female, ua_surname, NULL, "+380", 9 },
  [CB_SIM_COUNTRY_PL] = { "PL", 60, 0.15, pl_male, pl_female, pl_surname_m, pl_surname_f,
                          "+48", 9 },
};

static const char * const queue_names[] = {
  "Sales", "Support", "Billing", "Technical Support", "Retention", "Collections", "Orders",
  "Returns", "Claims", "Onboarding", "VIP", "Payments", "Delivery", "Complaints", "Renewals",
  "Loans", "Cards", "Roaming", "Internet", "Mobile", "TV", "Business", "Insurance", "Moving",
};

static const char * const markets[] = {
  "EE", "SK", "HR", "BA", "UA", "PL", "LV", "LT", "CZ", "SI", "RS", "HU",
};

static const char * const campaign_names[] = {
  "Winter renewals", "Broadband upsell", "Lapsed customers", "Satisfaction follow-up",
  "Fibre launch", "Payment reminders", "Loyalty offer", "Win-back", "Contract expiry",
  "New year promotion", "Roaming bundle", "Business leads",
};

static const char * const team_names[] = {
  "Tallinn", "Tartu", "Bratislava", "Košice", "Zagreb", "Split", "Sarajevo", "Mostar",
  "Kyiv", "Lviv", "Kraków", "Gdańsk", "Pärnu", "Žilina", "Rijeka", "Tuzla", "Odesa", "Wrocław",
};

static guint
strv_length (const char * const *strv)
{
  guint n = 0;

  while (strv[n] != NULL)
    n++;
  return n;
}

static const char *
pick (CbSimRandom        *rng,
      const char * const *strv)
{
  return strv[cb_sim_random_below (rng, strv_length (strv))];
}

CbSimCountry
cb_sim_names_pick_country (CbSimRandom *rng)
{
  double weights[CB_SIM_N_COUNTRIES];

  for (guint i = 0; i < CB_SIM_N_COUNTRIES; i++)
    weights[i] = countries[i].weight;

  return (CbSimCountry) cb_sim_random_weighted (rng, weights, CB_SIM_N_COUNTRIES);
}

const char *
cb_sim_country_code (CbSimCountry country)
{
  g_return_val_if_fail (country < CB_SIM_N_COUNTRIES, NULL);

  return countries[country].code;
}

int
cb_sim_country_utc_offset_min (CbSimCountry country)
{
  g_return_val_if_fail (country < CB_SIM_N_COUNTRIES, 0);

  return countries[country].utc_offset_min;
}

char *
cb_sim_names_person (CbSimRandom  *rng,
                     CbSimCountry  country)
{
  const Country *c;
  const char *first;
  gboolean female;
  guint n;
  guint i;

  g_return_val_if_fail (country < CB_SIM_N_COUNTRIES, NULL);

  /* One draw per statement: the order of evaluation of arguments is unspecified. */
  c = &countries[country];
  female = cb_sim_random_chance (rng, 0.6);   /* contact centers employ more women */
  first = pick (rng, female ? c->female : c->male);

  /* Female surname forms are listed in the same order as the male ones. */
  n = strv_length (c->surname_male);
  i = cb_sim_random_below (rng, n);
  if (female && c->surname_female != NULL)
    return g_strdup_printf ("%s %s", first, c->surname_female[i]);
  return g_strdup_printf ("%s %s", first, c->surname_male[i]);
}

void
cb_sim_names_phone (CbSimRandom  *rng,
                    CbSimCountry  country,
                    char         *buf,
                    gsize         size)
{
  const Country *c;
  gsize len;

  g_return_if_fail (country < CB_SIM_N_COUNTRIES);
  g_return_if_fail (buf != NULL && size > 0);

  c = &countries[country];
  len = g_strlcpy (buf, c->phone_prefix, size);
  for (guint i = 0; i < c->phone_digits && len + 1 < size; i++)
    {
      /* No leading zero after the prefix. */
      guint digit = i == 0 ? 1 + cb_sim_random_below (rng, 9) : cb_sim_random_below (rng, 10);

      buf[len++] = (char) ('0' + digit);
    }
  buf[len] = '\0';
}

/* Where the demo's leads are: the home countries (as many as the callers, by
 * their weights), and customers in the US, Brazil, India, Japan and
 * Australia, so that a list has leads inside a daytime calling window at
 * every hour of the UTC day. Fixed winter offsets, as for the countries. */
typedef struct
{
  const char *code;
  const char *time_zone;
  int         utc_offset_min;
  double      weight;
  const char *phone_prefix;         /* NULL: the home country's numbers */
  guint       phone_digits;
  CbSimCountry home;
} LeadMarket;

static const LeadMarket lead_markets[] = {
  { "EE", "Europe/Tallinn", 120, 0.30 * 0.55, NULL, 0, CB_SIM_COUNTRY_EE },
  { "SK", "Europe/Bratislava", 60, 0.15 * 0.55, NULL, 0, CB_SIM_COUNTRY_SK },
  { "HR", "Europe/Zagreb", 60, 0.15 * 0.55, NULL, 0, CB_SIM_COUNTRY_HR },
  { "BA", "Europe/Sarajevo", 60, 0.10 * 0.55, NULL, 0, CB_SIM_COUNTRY_BA },
  { "UA", "Europe/Kyiv", 120, 0.15 * 0.55, NULL, 0, CB_SIM_COUNTRY_UA },
  { "PL", "Europe/Warsaw", 60, 0.15 * 0.55, NULL, 0, CB_SIM_COUNTRY_PL },
  { "US", "America/New_York", -300, 0.09, "+1212", 7, 0 },
  { "US", "America/Chicago", -360, 0.07, "+1312", 7, 0 },
  { "US", "America/Denver", -420, 0.03, "+1303", 7, 0 },
  { "US", "America/Los_Angeles", -480, 0.06, "+1213", 7, 0 },
  { "BR", "America/Sao_Paulo", -180, 0.04, "+55119", 8, 0 },
  { "IN", "Asia/Kolkata", 330, 0.05, "+919", 9, 0 },
  { "JP", "Asia/Tokyo", 540, 0.06, "+8190", 8, 0 },
  { "AU", "Australia/Brisbane", 600, 0.05, "+614", 8, 0 },
};

/* A lead of the demo: its number, country and zone. */
void
cb_sim_names_lead (CbSimRandom  *rng,
                   char         *phone,
                   gsize         size,
                   const char  **country,
                   const char  **time_zone,
                   int          *utc_offset_min)
{
  double weights[G_N_ELEMENTS (lead_markets)];
  const LeadMarket *m;
  gsize len;

  g_return_if_fail (phone != NULL && size > 0);

  for (guint i = 0; i < G_N_ELEMENTS (lead_markets); i++)
    weights[i] = lead_markets[i].weight;
  m = &lead_markets[cb_sim_random_weighted (rng, weights, G_N_ELEMENTS (lead_markets))];
  *country = m->code;
  *time_zone = m->time_zone;
  *utc_offset_min = m->utc_offset_min;
  if (m->phone_prefix == NULL)
    {
      cb_sim_names_phone (rng, m->home, phone, size);
      return;
    }

  len = g_strlcpy (phone, m->phone_prefix, size);
  for (guint i = 0; i < m->phone_digits && len + 1 < size; i++)
    {
      /* No leading zero or one after the prefix (US exchanges start 2–9). */
      guint digit = i == 0 ? 2 + cb_sim_random_below (rng, 8) : cb_sim_random_below (rng, 10);

      phone[len++] = (char) ('0' + digit);
    }
  phone[len] = '\0';
}

/* "Sales", …, then "Sales EE", "Support EE", …, then numbered. Unique for any index. */
char *
cb_sim_names_queue (guint index)
{
  guint n_names = G_N_ELEMENTS (queue_names);
  guint n_markets = G_N_ELEMENTS (markets);
  guint round = index / n_names;

  if (round == 0)
    return g_strdup (queue_names[index]);
  if (round <= n_markets)
    return g_strdup_printf ("%s %s", queue_names[index % n_names], markets[round - 1]);
  return g_strdup_printf ("%s %u", queue_names[index % n_names], round - n_markets + 1);
}

char *
cb_sim_names_campaign (guint index)
{
  guint n = G_N_ELEMENTS (campaign_names);

  if (index < n)
    return g_strdup (campaign_names[index]);
  return g_strdup_printf ("%s %u", campaign_names[index % n], index / n + 1);
}

char *
cb_sim_names_team (guint index)
{
  guint n = G_N_ELEMENTS (team_names);

  if (index < n)
    return g_strdup (team_names[index]);
  return g_strdup_printf ("%s %u", team_names[index % n], index / n + 1);
}
