/* cb-sim-dialer.c — outbound campaigns of the simulator: leads, dial modes, the predictive pacer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Leads are grouped by lead list ("sets": the campaign's generated leads
 * are the list "ll-<id>", others are added by command), and within a list by
 * UTC offset ("zones"), because a zone's leads share a calling window. Each
 * zone holds its fresh leads in list order and a min-heap of leads due for a
 * retry or a callback, so choosing the next lead costs O(lists × zones +
 * log n): due leads of open zones of the lists the campaign dials first
 * (earliest first), then fresh leads of the list of the highest priority
 * (equal priorities in turn), its open zones in turn. A lead whose window is
 * closed is never chosen, and the window is checked again at the instant of
 * the dial. Then compliance: the dial check (DNC lists, asked of the config
 * store) and the attempt limits, from the attempt instants kept per lead and
 * per number; a lead over a limit goes back into its heap, due when the
 * limit allows it. The campaign's schedule gates the whole campaign.
 * See cb-sim-engine.c for the model and the pacer.
 */
#define G_LOG_DOMAIN "cb-sim"

#include "config.h"

#include <math.h>

#include "cb-sim-engine-private.h"

#define MINUTE_MS (G_GINT64_CONSTANT (60) * 1000)

#define CALLBACK_MAX_ATTEMPTS  6      /* no callback is scheduled past this many attempts */
#define LEVEL_HISTORY_MAX      4096
#define PACER_SETPOINT         0.75   /* aim the day's drop rate at this share of the target */
#define PACER_GAIN             0.1    /* dial level per drop of budget */
#define PACER_PRIOR_HUMANS     100.0  /* allowance at midnight, in persons reached */
#define PACER_WINDOW_MIN       30     /* persons in the window before its rate counts */
#define PACER_SLEW_UP          0.02   /* per tick */
#define PACER_SLEW_DOWN        0.1
#define PACER_IDLE_MIN         0.05

/* Leads --------------------------------------------------------------------- */

static inline gboolean
due_before (const CbSimDueLead *a,
            const CbSimDueLead *b)
{
  return a->at_ms < b->at_ms || (a->at_ms == b->at_ms && a->lead < b->lead);
}

static void
due_push (GArray  *heap,
          gint64   at_ms,
          guint32  lead)
{
  CbSimDueLead item = { at_ms, lead };
  CbSimDueLead *data;
  guint i;

  g_array_append_val (heap, item);
  data = (CbSimDueLead *) (gpointer) heap->data;
  i = heap->len - 1;
  while (i > 0 && due_before (&item, &data[(i - 1) / 2]))
    {
      data[i] = data[(i - 1) / 2];
      i = (i - 1) / 2;
    }
  data[i] = item;
}

static guint32
due_pop (GArray *heap)
{
  CbSimDueLead *data = (CbSimDueLead *) (gpointer) heap->data;
  guint32 top = data[0].lead;
  CbSimDueLead last = data[heap->len - 1];
  guint len = heap->len - 1;
  guint i = 0;

  g_array_set_size (heap, len);
  if (len == 0)
    return top;

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= len)
        break;
      if (child + 1 < len && due_before (&data[child + 1], &data[child]))
        child++;
      if (!due_before (&data[child], &last))
        break;
      data[i] = data[child];
      i = child;
    }
  data[i] = last;
  return top;
}

static gboolean
status_dialable (CbSimLeadStatus status)
{
  return status == CB_SIM_LEAD_NEW || status == CB_SIM_LEAD_RETRY || status == CB_SIM_LEAD_CALLBACK;
}

static gboolean
status_done (CbSimLeadStatus status)
{
  return status == CB_SIM_LEAD_DONE || status == CB_SIM_LEAD_DNC;
}

static inline CbSimLeadPriv *
lead_at (CbSimCampaignPriv *campaign,
         guint              index)
{
  return g_ptr_array_index (campaign->all_leads, index);
}

static inline CbSimLeadZone *
lead_zone (CbSimLeadPriv *lead)
{
  return &g_array_index (lead->set->zones, CbSimLeadZone, lead->zone);
}

/* Counts a lead in (@add) or out of its list's figures, and of the
 * campaign's when the campaign dials that list. */
static void
count_lead (CbSimCampaignPriv *campaign,
            CbSimLeadPriv     *lead,
            gboolean           add)
{
  CbSimCampaignStats *stats = &campaign->pub.stats;
  CbSimLeadSet *set = lead->set;
  gboolean dialed = set->priority > 0;
  guint dialable = status_dialable (lead->pub.status) ? 1 : 0;
  guint done = status_done (lead->pub.status) ? 1 : 0;

  if (lead->removed)
    return;
  if (add)
    {
      set->dialable += dialable;
      set->done += done;
      if (dialed)
        {
          stats->leads_dialable += dialable;
          stats->leads_done += done;
        }
    }
  else
    {
      set->dialable -= dialable;
      set->done -= done;
      if (dialed)
        {
          stats->leads_dialable -= dialable;
          stats->leads_done -= done;
        }
    }
}

static void
lead_set_status (CbSimCampaignPriv *campaign,
                 CbSimLeadPriv     *lead,
                 CbSimLeadStatus    status)
{
  count_lead (campaign, lead, FALSE);
  lead->pub.status = status;
  count_lead (campaign, lead, TRUE);
}

/* The campaign's lead figures: the sums over the lists it dials. */
static void
recount (CbSimCampaignPriv *campaign)
{
  CbSimCampaignStats *stats = &campaign->pub.stats;

  stats->leads_total = stats->leads_dialable = stats->leads_done = 0;
  for (guint i = 0; i < campaign->sets->len; i++)
    {
      const CbSimLeadSet *set = g_ptr_array_index (campaign->sets, i);

      if (set->priority == 0)
        continue;
      stats->leads_total += set->total;
      stats->leads_dialable += set->dialable;
      stats->leads_done += set->done;
    }
}

static CbSimLeadSet *
find_set (CbSimCampaignPriv *campaign,
          const char        *list_id,
          gboolean           create)
{
  CbSimLeadSet *set;

  for (guint i = 0; i < campaign->sets->len; i++)
    {
      set = g_ptr_array_index (campaign->sets, i);
      if (g_str_equal (set->id, list_id))
        return set;
    }
  if (!create)
    return NULL;

  set = g_new0 (CbSimLeadSet, 1);
  set->id = g_strdup (list_id);
  set->zones = g_array_new (FALSE, FALSE, sizeof (CbSimLeadZone));
  g_ptr_array_add (campaign->sets, set);
  return set;
}

static void
set_free (CbSimLeadSet *set)
{
  for (guint z = 0; z < set->zones->len; z++)
    {
      CbSimLeadZone *zone = &g_array_index (set->zones, CbSimLeadZone, z);

      g_clear_pointer (&zone->fresh, g_array_unref);
      g_clear_pointer (&zone->due, g_array_unref);
    }
  g_array_unref (set->zones);
  g_free (set->id);
  g_free (set);
}

static guint
zone_for_offset (CbSimLeadSet *set,
                 int           offset_min)
{
  CbSimLeadZone zone = {
    .offset_min = offset_min,
    .fresh = NULL,
    .fresh_next = 0,
    .due = NULL,
  };

  for (guint z = 0; z < set->zones->len; z++)
    if (g_array_index (set->zones, CbSimLeadZone, z).offset_min == offset_min)
      return z;

  zone.fresh = g_array_new (FALSE, FALSE, sizeof (guint32));
  zone.due = g_array_new (FALSE, FALSE, sizeof (CbSimDueLead));
  g_array_append_val (set->zones, zone);
  return set->zones->len - 1;
}

/* Puts a new lead (status new, in the campaign's all_leads) into its list. */
static void
lead_place (CbSimEngine       *self,
            CbSimCampaignPriv *campaign,
            CbSimLeadPriv     *lead,
            CbSimLeadSet      *set)
{
  CbSimLeadZone *zone;
  guint32 index;

  lead->campaign = campaign;
  lead->set = set;
  lead->index = campaign->all_leads->len;
  lead->pub.campaign_id = campaign->pub.id;
  lead->pub.list_id = set->id;
  lead->pub.status = CB_SIM_LEAD_NEW;
  g_ptr_array_add (campaign->all_leads, lead);
  lead->zone = zone_for_offset (set, lead->pub.utc_offset_min);
  zone = lead_zone (lead);
  index = lead->index;
  g_array_append_val (zone->fresh, index);
  set->total++;
  if (set->priority > 0)
    campaign->pub.stats.leads_total++;
  count_lead (campaign, lead, TRUE);
  g_hash_table_insert (self->lead_by_id, lead->pub.id, lead);
}

/* Is it inside the calling window in the lead's local time? */
static gboolean
window_open (CbSimEngine       *self,
             CbSimCampaignPriv *campaign,
             int                offset_min)
{
  /* Floor division: the clock may be before 1970 in a test. */
  gint64 utc_minute = self->now >= 0 ? self->now / MINUTE_MS
                                     : (self->now - MINUTE_MS + 1) / MINUTE_MS;
  gint64 minute = utc_minute + offset_min;
  guint local = (guint) (((minute % 1440) + 1440) % 1440);
  guint start = campaign->pub.window_start_min;
  guint end = campaign->pub.window_end_min;

  if (campaign->exclude_days->len > 0)
    {
      gint64 day = minute >= 0 ? minute / 1440 : (minute - 1439) / 1440;

      for (guint i = 0; i < campaign->exclude_days->len; i++)
        if (g_array_index (campaign->exclude_days, gint64, i) == day)
          return FALSE;
    }

  if (campaign->by_day)
    {
      gint64 day = minute >= 0 ? minute / 1440 : (minute - 1439) / 1440;
      /* 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday. */
      guint weekday = (guint) (((day + 3) % 7 + 7) % 7);

      start = campaign->day_start_min[weekday];
      end = campaign->day_end_min[weekday];
      if (start == end)
        return FALSE;
    }

  if (start <= end)
    return local >= start && local < end;
  return local >= start || local < end;
}

/* Is the campaign's schedule open now? Computed once a simulated minute. */
static gboolean
schedule_compute (CbSimCampaignPriv *campaign,
                  gint64             minute)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (minute * 60);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, campaign->schedule_tz) : NULL;
  guint date, weekday, previous, now_min;

  if (local == NULL)
    return FALSE;
  date = (guint) (g_date_time_get_year (local) * 10000 + g_date_time_get_month (local) * 100
                  + g_date_time_get_day_of_month (local));
  weekday = (guint) g_date_time_get_day_of_week (local) - 1;
  previous = (weekday + 6) % 7;
  now_min = (guint) (g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local));

  if (campaign->schedule_start_date != 0 && date < campaign->schedule_start_date)
    return FALSE;
  if (campaign->schedule_end_date != 0 && date > campaign->schedule_end_date)
    return FALSE;
  for (guint i = 0; i < campaign->schedule_exclude->len; i++)
    if (g_array_index (campaign->schedule_exclude, guint, i) == date)
      return FALSE;

  for (guint i = 0; i < campaign->schedule_windows->len; i++)
    {
      const CbSimScheduleWindow *w = &g_array_index (campaign->schedule_windows, CbSimScheduleWindow, i);

      if (w->start_min < w->end_min)
        {
          if ((w->days & (1u << weekday)) && now_min >= w->start_min && now_min < w->end_min)
            return TRUE;
        }
      else if (w->start_min > w->end_min)
        {
          /* Past midnight: the evening of its day, the early hours of the next. */
          if ((w->days & (1u << weekday)) && now_min >= w->start_min)
            return TRUE;
          if ((w->days & (1u << previous)) && now_min < w->end_min)
            return TRUE;
        }
    }
  return FALSE;
}

static gboolean
schedule_open (CbSimEngine       *self,
               CbSimCampaignPriv *campaign)
{
  gint64 minute;

  if (campaign->schedule_tz == NULL)
    return TRUE;
  minute = self->now >= 0 ? self->now / MINUTE_MS : (self->now - MINUTE_MS + 1) / MINUTE_MS;
  if (minute != campaign->schedule_minute)
    {
      campaign->schedule_minute = minute;
      campaign->schedule_open = schedule_compute (campaign, minute);
      campaign->pub.in_schedule = campaign->schedule_open;
    }
  return campaign->schedule_open;
}

/* Attempt limits ------------------------------------------------------------- */

#define ATTEMPTS_KEPT_MAX 1024

static gint64
longest_limit (CbSimCampaignPriv *campaign)
{
  gint64 longest = 7 * 24 * 60 * MINUTE_MS;

  for (guint i = 0; i < campaign->n_limits; i++)
    longest = MAX (longest, campaign->limits[i].window_ms);
  return longest;
}

static void
record_attempt (GArray *times,
                gint64  at_ms,
                gint64  keep_ms)
{
  guint old = 0;

  while (old < times->len && (g_array_index (times, gint64, old) <= at_ms - keep_ms
                              || times->len - old >= ATTEMPTS_KEPT_MAX))
    old++;
  if (old > 0)
    g_array_remove_range (times, 0, old);
  g_array_append_val (times, at_ms);
}

static GArray *
number_times (CbSimEngine *self,
              const char  *number,
              gboolean     create)
{
  GArray *times = g_hash_table_lookup (self->number_attempts, number);

  if (times == NULL && create)
    {
      times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->number_attempts, g_strdup (number), times);
    }
  return times;
}

static void
lead_record_attempt (CbSimEngine       *self,
                     CbSimCampaignPriv *campaign,
                     CbSimLeadPriv     *lead,
                     gint64             at_ms)
{
  gint64 keep = longest_limit (campaign);

  if (lead->attempt_times == NULL)
    lead->attempt_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  record_attempt (lead->attempt_times, at_ms, keep);
  record_attempt (number_times (self, lead->pub.phone, TRUE), at_ms, keep);
}

/* When @limit allows one more attempt, given the attempts in @times. */
static gint64
limit_allows_at (const GArray            *times,
                 gint64                   now,
                 const CbSimAttemptLimit *limit)
{
  guint n = times != NULL ? times->len : 0;
  guint first = n;

  while (first > 0 && g_array_index (times, gint64, first - 1) > now - limit->window_ms)
    first--;
  if (n - first < limit->max)
    return now;
  /* The oldest attempt that must leave the window for one more to fit. */
  return g_array_index (times, gint64, first + (n - first) - limit->max) + limit->window_ms;
}

/* The earliest instant the rule set's attempt limits allow the next dial of
 * @lead: now or later. */
static gint64
attempts_allow_at (CbSimEngine       *self,
                   CbSimCampaignPriv *campaign,
                   CbSimLeadPriv     *lead)
{
  gint64 at = self->now;

  for (guint i = 0; i < campaign->n_limits; i++)
    {
      const CbSimAttemptLimit *limit = &campaign->limits[i];
      const GArray *times = limit->per_number ? number_times (self, lead->pub.phone, FALSE)
                                              : lead->attempt_times;

      if (limit->max > 0)
        at = MAX (at, limit_allows_at (times, self->now, limit));
    }
  return at;
}

/* Choosing the next lead ------------------------------------------------------ */

static gboolean
set_has_fresh (CbSimEngine       *self,
               CbSimCampaignPriv *campaign,
               CbSimLeadSet      *set)
{
  for (guint z = 0; z < set->zones->len; z++)
    {
      CbSimLeadZone *zone = &g_array_index (set->zones, CbSimLeadZone, z);

      if (zone->fresh_next < zone->fresh->len && window_open (self, campaign, zone->offset_min))
        return TRUE;
    }
  return FALSE;
}

static CbSimLeadPriv *
set_take_fresh (CbSimEngine       *self,
                CbSimCampaignPriv *campaign,
                CbSimLeadSet      *set)
{
  for (guint k = 0; k < set->zones->len; k++)
    {
      guint z = (set->zone_rotor + k) % set->zones->len;
      CbSimLeadZone *zone = &g_array_index (set->zones, CbSimLeadZone, z);

      if (zone->fresh_next >= zone->fresh->len || !window_open (self, campaign, zone->offset_min))
        continue;
      set->zone_rotor = z + 1;
      return lead_at (campaign, g_array_index (zone->fresh, guint32, zone->fresh_next++));
    }
  return NULL;
}

/* The next lead the lists allow now, before compliance: due retries and
 * callbacks of every list the campaign dials first, earliest first; then
 * fresh leads of the list with the highest priority, lists of equal
 * priority in turn. Entries that cb_sim_engine_set_lead() made stale (a
 * lead no longer new, or due at another time) or of removed leads are
 * dropped on the way. */
static CbSimLeadPriv *
pick_lead (CbSimEngine       *self,
           CbSimCampaignPriv *campaign)
{
  for (;;)
    {
      CbSimLeadZone *best = NULL;
      CbSimLeadPriv *lead = NULL;
      guint top_priority = 0;

      for (guint s = 0; s < campaign->sets->len; s++)
        {
          CbSimLeadSet *set = g_ptr_array_index (campaign->sets, s);

          if (set->priority == 0)
            continue;
          for (guint z = 0; z < set->zones->len; z++)
            {
              CbSimLeadZone *zone = &g_array_index (set->zones, CbSimLeadZone, z);
              const CbSimDueLead *top;

              if (zone->due->len == 0)
                continue;
              top = &g_array_index (zone->due, CbSimDueLead, 0);
              if (top->at_ms > self->now || !window_open (self, campaign, zone->offset_min))
                continue;
              if (best == NULL || due_before (top, &g_array_index (best->due, CbSimDueLead, 0)))
                best = zone;
            }
        }

      if (best != NULL)
        {
          gint64 at_ms = g_array_index (best->due, CbSimDueLead, 0).at_ms;

          lead = lead_at (campaign, due_pop (best->due));
          if (lead->removed || !status_dialable (lead->pub.status) || lead->pub.next_attempt_ms != at_ms)
            continue;
          return lead;
        }

      for (guint s = 0; s < campaign->sets->len; s++)
        {
          CbSimLeadSet *set = g_ptr_array_index (campaign->sets, s);

          if (set->priority > top_priority && set_has_fresh (self, campaign, set))
            top_priority = set->priority;
        }
      if (top_priority == 0)
        return NULL;

      for (guint k = 0; k < campaign->sets->len && lead == NULL; k++)
        {
          guint s = (campaign->set_rotor + k) % campaign->sets->len;
          CbSimLeadSet *set = g_ptr_array_index (campaign->sets, s);

          if (set->priority != top_priority || !set_has_fresh (self, campaign, set))
            continue;
          lead = set_take_fresh (self, campaign, set);
          campaign->set_rotor = s + 1;
        }
      if (lead == NULL)
        return NULL;
      if (lead->removed || lead->pub.status != CB_SIM_LEAD_NEW)
        continue;
      return lead;
    }
}

static gboolean
dial_allowed (CbSimEngine       *self,
              CbSimCampaignPriv *campaign,
              CbSimLeadPriv     *lead)
{
  return self->dial_check == NULL
         || self->dial_check (self, campaign->pub.id, &lead->pub, self->dial_check_data);
}

/* A lead with a number on a DNC list: never dialed, without an attempt. */
static void
lead_skip_dnc (CbSimEngine       *self,
               CbSimCampaignPriv *campaign,
               CbSimLeadPriv     *lead)
{
  lead_set_status (campaign, lead, CB_SIM_LEAD_DNC);
  lead->pub.next_attempt_ms = 0;
  campaign->pub.stats.leads_skipped_dnc++;
  _cb_sim_touch_lead (self, lead);
}

/* The next lead to dial now, marked dialing; or NULL. A lead on a DNC list
 * becomes dnc; one over an attempt limit waits (retry, or callback) until
 * the limit allows it. */
static CbSimLeadPriv *
next_lead (CbSimEngine       *self,
           CbSimCampaignPriv *campaign)
{
  CbSimLeadPriv *lead;

  while ((lead = pick_lead (self, campaign)) != NULL)
    {
      gint64 allowed;

      if (!dial_allowed (self, campaign, lead))
        {
          lead_skip_dnc (self, campaign, lead);
          continue;
        }
      allowed = attempts_allow_at (self, campaign, lead);
      if (allowed > self->now)
        {
          if (lead->pub.status == CB_SIM_LEAD_NEW)
            lead_set_status (campaign, lead, CB_SIM_LEAD_RETRY);
          lead->pub.next_attempt_ms = allowed;
          due_push (lead_zone (lead)->due, allowed, lead->index);
          campaign->pub.stats.leads_deferred++;
          _cb_sim_touch_lead (self, lead);
          continue;
        }
      lead->status_before = lead->pub.status;
      lead_set_status (campaign, lead, CB_SIM_LEAD_DIALING);
      _cb_sim_touch_lead (self, lead);
      return lead;
    }
  return NULL;
}

/* A preview ended without a dial: the lead goes back, due now. */
static void
lead_release (CbSimEngine       *self,
              CbSimCampaignPriv *campaign,
              CbSimLeadPriv     *lead)
{
  lead_set_status (campaign, lead, lead->status_before);
  if (!lead->removed)
    due_push (lead_zone (lead)->due, MAX (self->now, lead->pub.next_attempt_ms), lead->index);
  _cb_sim_touch_lead (self, lead);
}

/* After an attempt that ended with @disposition: an agent's (a sale, not
 * interested, a callback, do not call) or an outcome without an agent,
 * which the retry rules decide. A retry waits for the attempt limits too. */
static void
lead_outcome (CbSimEngine       *self,
              CbSimCampaignPriv *campaign,
              CbSimLeadPriv     *lead,
              CbSimDisposition   disposition)
{
  const CbSimCampaignConfig *config = &self->config.campaign;
  CbSimLeadStatus status = CB_SIM_LEAD_DONE;
  gint64 delay = 0;

  lead->pub.last_disposition = disposition;
  if (lead->removed)
    {
      lead->pub.status = CB_SIM_LEAD_DONE;
      return;
    }

  switch (disposition)
    {
    case CB_SIM_DISPOSITION_DNC:
      status = CB_SIM_LEAD_DNC;
      break;
    case CB_SIM_DISPOSITION_CALLBACK:
      status = CB_SIM_LEAD_CALLBACK;
      delay = config->callback_delay_ms;
      break;
    case CB_SIM_DISPOSITION_HUMAN:
    case CB_SIM_DISPOSITION_SALE:
    case CB_SIM_DISPOSITION_NOT_INTERESTED:
    case CB_SIM_DISPOSITION_RESOLVED:
    case CB_SIM_DISPOSITION_UNRESOLVED:
      break;
    case CB_SIM_DISPOSITION_NONE:
    case CB_SIM_DISPOSITION_MACHINE:
    case CB_SIM_DISPOSITION_BUSY:
    case CB_SIM_DISPOSITION_NO_ANSWER:
    case CB_SIM_DISPOSITION_INVALID:
    case CB_SIM_DISPOSITION_DROPPED:
    case CB_SIM_N_DISPOSITIONS:
    default:
      if (disposition < CB_SIM_N_DISPOSITIONS
          && lead->pub.attempts < campaign->retry[disposition].max_attempts)
        {
          status = CB_SIM_LEAD_RETRY;
          delay = campaign->retry[disposition].delay_ms;
        }
      break;
    }

  lead_set_status (campaign, lead, status);
  if (status_dialable (status))
    {
      lead->pub.next_attempt_ms = MAX (self->now + delay, attempts_allow_at (self, campaign, lead));
      due_push (lead_zone (lead)->due, lead->pub.next_attempt_ms, lead->index);
    }
  else
    {
      lead->pub.next_attempt_ms = 0;
    }
  _cb_sim_touch_lead (self, lead);
}

/* The drop-rate window ------------------------------------------------------- */

static CbSimDropBucket *
bucket_now (CbSimEngine       *self,
            CbSimCampaignPriv *campaign)
{
  gint64 minute = self->now / MINUTE_MS;
  CbSimDropBucket *bucket = &campaign->buckets[minute % campaign->n_buckets];

  if (bucket->minute != minute)
    *bucket = (CbSimDropBucket) { minute, 0, 0 };
  return bucket;
}

static void
window_sums (CbSimEngine       *self,
             CbSimCampaignPriv *campaign,
             guint             *humans,
             guint             *drops)
{
  gint64 minute = self->now / MINUTE_MS;

  *humans = 0;
  *drops = 0;
  for (guint i = 0; i < campaign->n_buckets; i++)
    {
      const CbSimDropBucket *bucket = &campaign->buckets[i];

      if (bucket->minute > minute - (gint64) campaign->n_buckets && bucket->minute <= minute)
        {
          *humans += bucket->humans;
          *drops += bucket->drops;
        }
    }
}

static void
update_drop_rates (CbSimEngine       *self,
                   CbSimCampaignPriv *campaign)
{
  CbSimCampaignStats *stats = &campaign->pub.stats;
  guint humans, drops;

  window_sums (self, campaign, &humans, &drops);
  stats->drop_rate_pct = stats->humans > 0 ? 100.0 * stats->dropped / stats->humans : 0.0;
  stats->window_drop_rate_pct = humans > 0 ? 100.0 * drops / humans : 0.0;
}

/* Dialing ------------------------------------------------------------------- */

static void
history_add_level (CbSimEngine       *self,
                   CbSimCampaignPriv *campaign)
{
  CbSimLevelPoint point = { self->now, campaign->pub.dial_level_current };

  if (campaign->level_history->len >= LEVEL_HISTORY_MAX)
    g_array_remove_range (campaign->level_history, 0, LEVEL_HISTORY_MAX / 2);
  g_array_append_val (campaign->level_history, point);
}

static void
dial (CbSimEngine       *self,
      CbSimCampaignPriv *campaign,
      CbSimLeadPriv     *lead,
      CbSimAgentPriv    *agent)
{
  const CbSimCampaignConfig *config = &self->config.campaign;
  CbSimCallPriv *call = _cb_sim_call_new (self, CB_SIM_DIRECTION_OUTBOUND);
  CbSimDisposition outcome;
  gint64 delay;

  call->campaign = campaign;
  call->lead = lead;
  call->handling = &campaign->handling;
  call->pub.campaign_id = campaign->pub.id;
  call->pub.lead_id = lead->pub.id;
  call->pub.service_number = campaign->caller_id;
  g_strlcpy (call->pub.customer_number, lead->pub.phone, sizeof call->pub.customer_number);

  lead->pub.attempts++;
  lead->pub.last_attempt_ms = self->now;
  lead_record_attempt (self, campaign, lead, self->now);
  _cb_sim_touch_lead (self, lead);

  campaign->pub.stats.dials++;
  campaign->pub.stats.lines_dialing++;
  campaign->dials_since_tick++;

  outcome = (CbSimDisposition) cb_sim_random_weighted (&self->rng, config->odds,
                                                       CB_SIM_DISPOSITION_INVALID + 1);
  switch (outcome)
    {
    case CB_SIM_DISPOSITION_HUMAN:
      delay = cb_sim_dist_sample_ms (&config->time_to_answer, &self->rng);
      delay = MIN (delay, MAX (config->ring_timeout_ms - 500, 0));
      break;

    case CB_SIM_DISPOSITION_MACHINE:
      delay = cb_sim_dist_sample_ms (&config->time_to_answer, &self->rng);
      delay = MIN (delay, MAX (config->ring_timeout_ms - 500, 0));
      call->amd_ms = cb_sim_dist_sample_ms (&config->amd_time, &self->rng);
      delay += call->amd_ms;
      break;

    case CB_SIM_DISPOSITION_BUSY:
      delay = cb_sim_dist_sample_ms (&config->busy_time, &self->rng);
      break;

    case CB_SIM_DISPOSITION_INVALID:
      delay = cb_sim_dist_sample_ms (&config->invalid_time, &self->rng);
      break;

    case CB_SIM_DISPOSITION_NO_ANSWER:
    case CB_SIM_DISPOSITION_NONE:
    case CB_SIM_DISPOSITION_DROPPED:
    case CB_SIM_DISPOSITION_RESOLVED:
    case CB_SIM_DISPOSITION_UNRESOLVED:
    case CB_SIM_N_DISPOSITIONS:
    default:
      outcome = CB_SIM_DISPOSITION_NO_ANSWER;
      delay = config->ring_timeout_ms;
      break;
    }
  call->outcome = outcome;

  if (agent != NULL)
    {
      /* Preview: the reserved agent listens to the call being placed. */
      call->agent = agent;
      call->pub.agent_id = agent->pub.id;
      _cb_sim_agent_set_call (self, agent, call);
      _cb_sim_touch_agent (self, agent);
    }

  _cb_sim_call_set_state (self, call, CB_SIM_CALL_RINGING);
  _cb_sim_schedule_call (self, self->now + delay, CB_SIM_EV_DIAL_RESULT, call, call->token);
  _cb_sim_touch_campaign (self, campaign);
}

/* How many lines the campaign should have in flight now: a number of lines
 * per free agent. Agents about to finish are not anticipated; the pacer
 * makes up for the wait with the level. */
static guint
lines_wanted (CbSimCampaignPriv *campaign)
{
  double ready = campaign->ready.length;

  switch (campaign->pub.dial_mode)
    {
    case CB_SIM_DIAL_PROGRESSIVE:
      return (guint) ready;

    case CB_SIM_DIAL_POWER:
    case CB_SIM_DIAL_PREDICTIVE:
      return (guint) floor (campaign->pub.dial_level_current * ready + 0.5);

    case CB_SIM_DIAL_PREVIEW:
    default:
      return 0;
    }
}

void
_cb_sim_dialer_pace (CbSimEngine       *self,
                     CbSimCampaignPriv *campaign)
{
  guint in_flight, wanted;

  if (campaign->pub.status != CB_SIM_CAMPAIGN_RUNNING || campaign->agents->len == 0
      || !schedule_open (self, campaign))
    return;

  if (campaign->pub.dial_mode == CB_SIM_DIAL_PREVIEW)
    {
      while (campaign->ready.head != NULL)
        {
          CbSimAgentPriv *agent;
          CbSimLeadPriv *lead = next_lead (self, campaign);

          if (lead == NULL)
            {
              campaign->starved = TRUE;
              break;
            }

          agent = campaign->ready.head->data;
          g_queue_unlink (&campaign->ready, &agent->ready_link);
          agent->in_ready = FALSE;
          agent->reserved = TRUE;
          agent->preview_lead = lead;
          _cb_sim_schedule (self,
                            self->now + cb_sim_dist_sample_ms (&self->config.campaign.preview,
                                                               &self->rng),
                            CB_SIM_EV_PREVIEW_END, agent->index, agent->token, NULL, 0);
        }
      return;
    }

  in_flight = campaign->pub.stats.lines_dialing + campaign->pub.stats.lines_waiting;
  wanted = lines_wanted (campaign);
  while (in_flight < wanted)
    {
      CbSimLeadPriv *lead = next_lead (self, campaign);

      if (lead == NULL)
        {
          campaign->starved = TRUE;
          break;
        }
      dial (self, campaign, lead, NULL);
      in_flight++;
    }
}

static void
connect_person (CbSimEngine       *self,
                CbSimCampaignPriv *campaign,
                CbSimCallPriv     *call,
                CbSimAgentPriv    *agent)
{
  campaign->pub.stats.connected++;
  _cb_sim_call_connect (self, call, agent);
}

static void
dial_result (CbSimEngine   *self,
             CbSimCallPriv *call)
{
  CbSimCampaignPriv *campaign = call->campaign;
  CbSimCampaignStats *stats = &campaign->pub.stats;
  CbSimAgentPriv *agent = call->agent;
  CbSimDisposition outcome = call->outcome;

  stats->lines_dialing--;

  if (outcome == CB_SIM_DISPOSITION_HUMAN)
    {
      call->pub.answered_ms = self->now;
      stats->humans++;
      bucket_now (self, campaign)->humans++;

      if (agent == NULL && campaign->ready.head != NULL)
        agent = campaign->ready.head->data;

      if (agent != NULL)
        {
          connect_person (self, campaign, call, agent);
        }
      else
        {
          /* Nobody free: the person hears silence for up to max_connect_delay. */
          call->queue_link.data = call;
          g_queue_push_tail_link (&campaign->waiting, &call->queue_link);
          stats->lines_waiting++;
          _cb_sim_call_set_state (self, call, CB_SIM_CALL_QUEUED);
          _cb_sim_schedule_call (self, self->now + self->config.campaign.max_connect_delay_ms,
                                 CB_SIM_EV_CONNECT_TIMEOUT, call, call->token);
        }
      update_drop_rates (self, campaign);
      _cb_sim_touch_campaign (self, campaign);
      _cb_sim_dialer_pace (self, campaign);
      return;
    }

  switch (outcome)
    {
    case CB_SIM_DISPOSITION_MACHINE:
      call->pub.answered_ms = self->now - call->amd_ms;
      call->pub.end_reason = CB_SIM_END_MACHINE;
      stats->machines++;
      break;

    case CB_SIM_DISPOSITION_BUSY:
      call->pub.end_reason = CB_SIM_END_BUSY;
      stats->busy++;
      break;

    case CB_SIM_DISPOSITION_INVALID:
      call->pub.end_reason = CB_SIM_END_FAILED;
      stats->invalid++;
      break;

    case CB_SIM_DISPOSITION_NO_ANSWER:
    case CB_SIM_DISPOSITION_NONE:
    case CB_SIM_DISPOSITION_HUMAN:
    case CB_SIM_DISPOSITION_DROPPED:
    case CB_SIM_DISPOSITION_RESOLVED:
    case CB_SIM_DISPOSITION_UNRESOLVED:
    case CB_SIM_N_DISPOSITIONS:
    default:
      call->pub.end_reason = CB_SIM_END_NO_ANSWER;
      stats->no_answer++;
      break;
    }

  call->pub.disposition = outcome;
  call->pub.ended_ms = self->now;
  _cb_sim_call_finish (self, call);
  lead_outcome (self, campaign, call->lead, outcome);

  if (agent != NULL)
    {
      call->agent = NULL;
      _cb_sim_agent_set_call (self, agent, NULL);
      _cb_sim_agent_free (self, agent, FALSE);
    }

  _cb_sim_touch_campaign (self, campaign);
  _cb_sim_dialer_pace (self, campaign);
}

static void
connect_timeout (CbSimEngine   *self,
                 CbSimCallPriv *call)
{
  CbSimCampaignPriv *campaign = call->campaign;
  CbSimCampaignStats *stats = &campaign->pub.stats;

  g_queue_unlink (&campaign->waiting, &call->queue_link);
  stats->lines_waiting--;
  stats->dropped++;
  bucket_now (self, campaign)->drops++;
  update_drop_rates (self, campaign);

  call->pub.dropped = TRUE;
  call->pub.end_reason = CB_SIM_END_DROPPED;
  call->pub.disposition = CB_SIM_DISPOSITION_DROPPED;
  call->pub.ended_ms = self->now;
  _cb_sim_call_finish (self, call);
  lead_outcome (self, campaign, call->lead, CB_SIM_DISPOSITION_DROPPED);

  _cb_sim_touch_campaign (self, campaign);
  _cb_sim_dialer_pace (self, campaign);
}

void
_cb_sim_dialer_talk_end (CbSimEngine   *self,
                         CbSimCallPriv *call)
{
  const CbSimCampaignConfig *config = &self->config.campaign;
  CbSimCampaignPriv *campaign = call->campaign;
  CbSimDisposition disposition = CB_SIM_DISPOSITION_NOT_INTERESTED;

  /* The agent's disposition, from the sim's catalog: a sale, else the
   * person may ask never to be called again or to be called back. */
  call->pub.converted = cb_sim_random_chance (&self->rng, config->conversion_probability);
  if (call->pub.converted)
    {
      disposition = CB_SIM_DISPOSITION_SALE;
      campaign->pub.stats.conversions++;
    }
  else if (cb_sim_random_chance (&self->rng, config->dnc_probability))
    disposition = CB_SIM_DISPOSITION_DNC;
  else if (call->lead->pub.attempts < CALLBACK_MAX_ATTEMPTS &&
           cb_sim_random_chance (&self->rng, config->callback_probability))
    disposition = CB_SIM_DISPOSITION_CALLBACK;
  call->pub.disposition = disposition;

  _cb_sim_call_hangup (self, call);
  lead_outcome (self, campaign, call->lead, disposition);
  _cb_sim_touch_campaign (self, campaign);
}

/* An agent of the campaign became available: a waiting person first. */
void
_cb_sim_dialer_agent_ready (CbSimEngine    *self,
                            CbSimAgentPriv *agent)
{
  CbSimCampaignPriv *campaign = agent->campaign;

  if (campaign->waiting.head != NULL && !agent->reserved)
    {
      GList *link = g_queue_pop_head_link (&campaign->waiting);

      campaign->pub.stats.lines_waiting--;
      connect_person (self, campaign, link->data, agent);
      _cb_sim_touch_campaign (self, campaign);
      return;
    }

  _cb_sim_dialer_pace (self, campaign);
}

static void
preview_end (CbSimEngine    *self,
             CbSimAgentPriv *agent)
{
  CbSimCampaignPriv *campaign = agent->campaign;
  CbSimLeadPriv *lead = agent->preview_lead;

  agent->preview_lead = NULL;
  if (campaign->pub.status == CB_SIM_CAMPAIGN_RUNNING && !lead->removed
      && lead->set->priority > 0 && schedule_open (self, campaign)
      && window_open (self, campaign, lead_zone (lead)->offset_min))
    {
      /* A number put on a DNC list while the agent read the lead. */
      if (dial_allowed (self, campaign, lead))
        {
          dial (self, campaign, lead, agent);
          return;
        }
      lead_set_status (campaign, lead, lead->status_before);
      lead_skip_dnc (self, campaign, lead);
    }
  else
    {
      lead_release (self, campaign, lead);
    }
  _cb_sim_agent_free (self, agent, FALSE);
}

/* The predictive pacer ------------------------------------------------------- */

/* Integral control on the day's drop rate. The campaign may drop
 * PACER_SETPOINT × target of the persons it reached (plus a small allowance
 * at midnight); what is left of that allowance is a budget B, counted in
 * drops, and the level the pacer wants is 1 + PACER_GAIN × B. So the level
 * rises while persons are reached without drops, every drop takes 0.1 off
 * it, and it settles where drops come at the setpoint rate. It follows
 * that wish by at most +0.02 or −0.1 per tick; it does not rise without
 * free agents (over 5 % of the time) and leads to dial, and it falls
 * whenever the sliding window's rate is over the target. */
static void
pacer_adjust (CbSimEngine       *self,
              CbSimCampaignPriv *campaign)
{
  const CbSimCampaignStats *stats = &campaign->pub.stats;
  double target = campaign->pub.max_abandon_pct / 100.0;
  double budget = PACER_SETPOINT * target * (stats->humans + PACER_PRIOR_HUMANS) - stats->dropped;
  double level = campaign->pub.dial_level_current;
  double wanted = 1.0 + PACER_GAIN * MAX (budget, 0.0);
  guint humans, drops;

  window_sums (self, campaign, &humans, &drops);
  if (humans >= PACER_WINDOW_MIN && drops > target * humans)
    wanted = MIN (wanted, level - PACER_SLEW_DOWN);
  if (wanted > level &&
      (campaign->idle_ema <= PACER_IDLE_MIN || campaign->dials_since_tick == 0 ||
       campaign->starved))
    wanted = level;

  level += CLAMP (wanted - level, -PACER_SLEW_DOWN, PACER_SLEW_UP);
  level = CLAMP (level, 1.0, MAX (campaign->pub.dial_level, 1.0));
  if (fabs (level - campaign->pub.dial_level_current) > 1e-9)
    {
      campaign->pub.dial_level_current = level;
      history_add_level (self, campaign);
    }
}

static void
pacer_tick (CbSimEngine       *self,
            CbSimCampaignPriv *campaign)
{
  const CbSimCampaignStats *stats = &campaign->pub.stats;
  guint active = stats->agents_available + stats->agents_busy;
  double idle = active > 0 ? (double) campaign->ready.length / active : 0.0;

  _cb_sim_schedule (self, self->now + self->config.pacer_interval_ms, CB_SIM_EV_PACER,
                    campaign->index, 0, NULL, 0);

  if (campaign->agents->len == 0)
    return;

  campaign->idle_ema = 0.7 * campaign->idle_ema + 0.3 * idle;
  update_drop_rates (self, campaign);
  if (campaign->pub.dial_mode == CB_SIM_DIAL_PREDICTIVE &&
      campaign->pub.status == CB_SIM_CAMPAIGN_RUNNING)
    pacer_adjust (self, campaign);

  campaign->dials_since_tick = 0;
  campaign->starved = FALSE;
  _cb_sim_touch_campaign (self, campaign);
  _cb_sim_dialer_pace (self, campaign);
}

void
_cb_sim_dialer_dispatch (CbSimEngine      *self,
                         const CbSimEvent *event)
{
  switch ((CbSimEventKind) event->kind)
    {
    case CB_SIM_EV_PACER:
      pacer_tick (self, &self->campaigns[event->index]);
      break;

    case CB_SIM_EV_PREVIEW_END:
      {
        CbSimAgentPriv *agent = &self->agents[event->index];

        if (agent->token == event->token && agent->reserved && agent->preview_lead != NULL)
          preview_end (self, agent);
      }
      break;

    case CB_SIM_EV_DIAL_RESULT:
      {
        CbSimCallPriv *call = event->ptr;

        if (call->token == event->token && call->pub.state == CB_SIM_CALL_RINGING)
          dial_result (self, call);
      }
      break;

    case CB_SIM_EV_CONNECT_TIMEOUT:
      {
        CbSimCallPriv *call = event->ptr;

        if (call->token == event->token && call->pub.state == CB_SIM_CALL_QUEUED)
          connect_timeout (self, call);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Setup --------------------------------------------------------------------- */

static double
initial_level (const CbSimCampaignPriv *campaign)
{
  switch (campaign->pub.dial_mode)
    {
    case CB_SIM_DIAL_POWER:
      return campaign->pub.dial_level;
    case CB_SIM_DIAL_PREVIEW:
    case CB_SIM_DIAL_PROGRESSIVE:
    case CB_SIM_DIAL_PREDICTIVE:
    default:
      return 1.0;
    }
}

void
_cb_sim_dialer_setup (CbSimEngine *self)
{
  const CbSimCampaignConfig *config = &self->config.campaign;
  static const CbSimDialMode cycle[] = {
    CB_SIM_DIAL_PREDICTIVE, CB_SIM_DIAL_PROGRESSIVE, CB_SIM_DIAL_POWER, CB_SIM_DIAL_PREVIEW,
  };

  self->n_campaigns = self->config.n_campaigns;
  self->campaigns = g_new0 (CbSimCampaignPriv, MAX (self->n_campaigns, 1));

  for (guint i = 0; i < self->n_campaigns; i++)
    {
      CbSimCampaignPriv *campaign = &self->campaigns[i];
      guint n_zones = MIN (config->n_lead_zones, CB_SIM_MAX_LEAD_ZONES);
      g_autofree char *own_list = NULL;
      CbSimLeadSet *own;

      campaign->index = i;
      g_snprintf (campaign->pub.id, sizeof campaign->pub.id, "campaign-%02u", i + 1);
      g_snprintf (campaign->caller_id, sizeof campaign->caller_id, "+3726%03u%03u", 900 + i / 1000,
                  i % 1000);
      campaign->name = cb_sim_names_campaign (i);
      campaign->pub.name = campaign->name;
      campaign->pub.caller_id = campaign->caller_id;
      campaign->pub.dial_mode = config->mixed_modes ? cycle[i % G_N_ELEMENTS (cycle)]
                                                    : config->dial_mode;
      campaign->pub.status = CB_SIM_CAMPAIGN_RUNNING;
      campaign->pub.dial_level = CLAMP (config->dial_level, 1.0, 10.0);
      campaign->pub.dial_level_current = initial_level (campaign);
      campaign->pub.max_abandon_pct = config->max_abandon_pct;
      campaign->pub.window_start_min = config->window_start_min;
      campaign->pub.window_end_min = config->window_end_min;
      memcpy (campaign->retry, config->retry, sizeof campaign->retry);

      campaign->handling.talk = config->talk;
      campaign->handling.hold_probability = config->hold_probability;
      campaign->handling.second_hold_probability = 0.0;
      campaign->handling.hold = config->hold;
      campaign->handling.wrap_up = config->wrap_up;

      campaign->agents = g_ptr_array_new ();
      g_queue_init (&campaign->ready);
      g_queue_init (&campaign->waiting);
      campaign->n_buckets = (guint) CLAMP (self->config.pacer_window_ms / MINUTE_MS, 1,
                                           CB_SIM_MAX_DROP_BUCKETS);
      for (guint b = 0; b < CB_SIM_MAX_DROP_BUCKETS; b++)
        campaign->buckets[b].minute = G_MININT64;
      campaign->level_history = g_array_new (FALSE, FALSE, sizeof (CbSimLevelPoint));
      history_add_level (self, campaign);
      campaign->sets = g_ptr_array_new_with_free_func ((GDestroyNotify) set_free);
      campaign->all_leads = g_ptr_array_sized_new (config->n_leads);
      campaign->added_leads = g_ptr_array_new ();
      campaign->schedule_windows = g_array_new (FALSE, FALSE, sizeof (CbSimScheduleWindow));
      campaign->schedule_exclude = g_array_new (FALSE, FALSE, sizeof (guint));
      campaign->exclude_days = g_array_new (FALSE, FALSE, sizeof (gint64));
      campaign->schedule_minute = G_MININT64;
      campaign->pub.in_schedule = TRUE;

      /* Its own leads are the list "ll-<id>", dialed until told otherwise. */
      own_list = g_strdup_printf ("ll-%s", campaign->pub.id);
      own = find_set (campaign, own_list, TRUE);
      own->priority = 1;

      campaign->pub.n_leads = config->n_leads;
      campaign->leads = g_new0 (CbSimLeadPriv, MAX (config->n_leads, 1));
      for (guint l = 0; l < config->n_leads; l++)
        {
          CbSimLeadPriv *lead = &campaign->leads[l];
          CbSimCountry country;
          int offset;

          g_snprintf (lead->pub.id, sizeof lead->pub.id, "lead-%02u-%06u", i + 1, l + 1);
          if (n_zones == 0 && config->worldwide_leads)
            {
              /* The demo's: each lead in its own market's zone. */
              cb_sim_names_lead (&self->setup_rng, lead->pub.phone, sizeof lead->pub.phone,
                                 &lead->pub.country, &lead->pub.time_zone, &lead->pub.utc_offset_min);
              lead_place (self, campaign, lead, own);
              continue;
            }

          country = cb_sim_names_pick_country (&self->setup_rng);
          if (n_zones > 0)
            {
              guint z = cb_sim_random_weighted (&self->setup_rng, config->lead_zone_weights,
                                                n_zones);

              offset = config->lead_zones_min[z];
            }
          else
            {
              offset = cb_sim_country_utc_offset_min (country);
            }

          cb_sim_names_phone (&self->setup_rng, country, lead->pub.phone, sizeof lead->pub.phone);
          lead->pub.country = cb_sim_country_code (country);
          lead->pub.utc_offset_min = offset;
          lead_place (self, campaign, lead, own);
        }

      g_hash_table_insert (self->campaign_by_id, campaign->pub.id, campaign);
    }
}

void
_cb_sim_dialer_start (CbSimEngine *self)
{
  for (guint i = 0; i < self->n_campaigns; i++)
    {
      CbSimCampaignPriv *campaign = &self->campaigns[i];

      campaign->pub.n_agents = campaign->agents->len;
      /* Spread the campaigns' ticks over the interval. */
      _cb_sim_schedule (self, self->now + (i * 997) % MAX (self->config.pacer_interval_ms, 1),
                        CB_SIM_EV_PACER, i, 0, NULL, 0);
    }
}

void
_cb_sim_dialer_reset_day (CbSimCampaignPriv *campaign)
{
  CbSimCampaignStats *s = &campaign->pub.stats;

  s->dials = 0;
  s->humans = 0;
  s->machines = 0;
  s->busy = 0;
  s->no_answer = 0;
  s->invalid = 0;
  s->dropped = 0;
  s->connected = 0;
  s->conversions = 0;
  s->leads_skipped_dnc = 0;
  s->leads_deferred = 0;
  s->drop_rate_pct = 0.0;
}

void
_cb_sim_dialer_finalize (CbSimEngine *self)
{
  for (guint i = 0; i < self->n_campaigns; i++)
    {
      CbSimCampaignPriv *campaign = &self->campaigns[i];

      for (guint l = 0; l < campaign->all_leads->len; l++)
        g_clear_pointer (&lead_at (campaign, l)->attempt_times, g_array_unref);
      for (guint l = 0; l < campaign->added_leads->len; l++)
        g_free (g_ptr_array_index (campaign->added_leads, l));
      g_clear_pointer (&campaign->added_leads, g_ptr_array_unref);
      g_clear_pointer (&campaign->all_leads, g_ptr_array_unref);
      g_clear_pointer (&campaign->sets, g_ptr_array_unref);
      g_clear_pointer (&campaign->leads, g_free);
      g_clear_pointer (&campaign->schedule_tz, g_time_zone_unref);
      g_clear_pointer (&campaign->schedule_windows, g_array_unref);
      g_clear_pointer (&campaign->schedule_exclude, g_array_unref);
      g_clear_pointer (&campaign->exclude_days, g_array_unref);
      g_clear_pointer (&campaign->agents, g_ptr_array_unref);
      g_clear_pointer (&campaign->level_history, g_array_unref);
      g_free (campaign->name);
    }
  g_clear_pointer (&self->campaigns, g_free);
}

/* Commands ------------------------------------------------------------------ */

static CbSimCampaignPriv *
lookup_campaign (CbSimEngine *self,
                 const char  *id)
{
  return g_hash_table_lookup (self->campaign_by_id, id);
}

static CbSimResult
set_status (CbSimEngine         *self,
            const char          *campaign_id,
            CbSimCampaignStatus  status)
{
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  if (campaign->pub.status == status)
    return CB_SIM_OK;
  if (status == CB_SIM_CAMPAIGN_PAUSED && campaign->pub.status == CB_SIM_CAMPAIGN_STOPPED)
    return CB_SIM_ERROR_INVALID_STATE;

  campaign->pub.status = status;
  _cb_sim_touch_campaign (self, campaign);
  _cb_sim_dialer_pace (self, campaign);
  return CB_SIM_OK;
}

/* Running: dials. Allowed from paused and stopped; running already is fine. */
CbSimResult
cb_sim_engine_start_campaign (CbSimEngine *self,
                              const char  *campaign_id)
{
  return set_status (self, campaign_id, CB_SIM_CAMPAIGN_RUNNING);
}

/* Paused: no new dials; calls in progress go on. A stopped campaign cannot
 * be paused (invalid state). */
CbSimResult
cb_sim_engine_pause_campaign (CbSimEngine *self,
                              const char  *campaign_id)
{
  return set_status (self, campaign_id, CB_SIM_CAMPAIGN_PAUSED);
}

/* Stopped: no new dials; calls in progress go on. */
CbSimResult
cb_sim_engine_stop_campaign (CbSimEngine *self,
                             const char  *campaign_id)
{
  return set_status (self, campaign_id, CB_SIM_CAMPAIGN_STOPPED);
}

/* A new mode starts at its own level: 1 for preview, progressive and
 * predictive (the pacer raises it), dial_level for power. */
/**
 * cb_sim_engine_set_campaign_windows:
 * @start_min: (nullable): per weekday (0 = Monday), the window's start in
 *   minutes of the lead's local day; %NULL: back to the daily default
 * @end_min: the ends; a day whose start equals its end is closed
 *
 * The calling windows of the campaign's rule set: leads are dialed only
 * inside them, in their own time zone.
 */
CbSimResult
cb_sim_engine_set_campaign_windows (CbSimEngine *self,
                                    const char  *campaign_id,
                                    const guint *start_min,
                                    const guint *end_min)
{
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  campaign->by_day = start_min != NULL;
  for (guint d = 0; d < 7 && start_min != NULL; d++)
    {
      campaign->day_start_min[d] = MIN (start_min[d], 1440);
      campaign->day_end_min[d] = MIN (end_min[d], 1440);
    }
  _cb_sim_dialer_pace (self, campaign);
  return CB_SIM_OK;
}

CbSimResult
cb_sim_engine_set_campaign_dial_mode (CbSimEngine   *self,
                                      const char    *campaign_id,
                                      CbSimDialMode  mode)
{
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  if (mode > CB_SIM_DIAL_PREDICTIVE)
    return CB_SIM_ERROR_INVALID_ARGUMENT;
  if (campaign->pub.dial_mode == mode)
    return CB_SIM_OK;

  campaign->pub.dial_mode = mode;
  campaign->pub.dial_level_current = initial_level (campaign);
  history_add_level (self, campaign);
  _cb_sim_touch_campaign (self, campaign);
  _cb_sim_dialer_pace (self, campaign);
  return CB_SIM_OK;
}

/* 1.0–10.0: the fixed ratio in power mode, the ceiling in predictive mode. */
CbSimResult
cb_sim_engine_set_campaign_dial_level (CbSimEngine *self,
                                       const char  *campaign_id,
                                       double       level)
{
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  if (!(level >= 1.0 && level <= 10.0))
    return CB_SIM_ERROR_INVALID_ARGUMENT;

  campaign->pub.dial_level = level;
  if (campaign->pub.dial_mode == CB_SIM_DIAL_POWER)
    campaign->pub.dial_level_current = level;
  else if (campaign->pub.dial_mode == CB_SIM_DIAL_PREDICTIVE)
    campaign->pub.dial_level_current = MIN (campaign->pub.dial_level_current, level);
  history_add_level (self, campaign);
  _cb_sim_touch_campaign (self, campaign);
  _cb_sim_dialer_pace (self, campaign);
  return CB_SIM_OK;
}

/* The drop-rate target of the pacer, in percent: (0, 100]. */
CbSimResult
cb_sim_engine_set_campaign_max_abandon (CbSimEngine *self,
                                        const char  *campaign_id,
                                        double       pct)
{
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  if (!(pct > 0.0 && pct <= 100.0))
    return CB_SIM_ERROR_INVALID_ARGUMENT;

  campaign->pub.max_abandon_pct = pct;
  _cb_sim_touch_campaign (self, campaign);
  return CB_SIM_OK;
}

/* How a campaign retries after an outcome without an agent (busy, no
 * answer, machine, dropped, invalid): from then on, for its next attempts. */
CbSimResult
cb_sim_engine_set_campaign_retry (CbSimEngine      *self,
                                  const char       *campaign_id,
                                  CbSimDisposition  disposition,
                                  gint64            delay_ms,
                                  guint             max_attempts)
{
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  if (disposition == CB_SIM_DISPOSITION_NONE || disposition >= CB_SIM_N_DISPOSITIONS || delay_ms < 0)
    return CB_SIM_ERROR_INVALID_ARGUMENT;

  campaign->retry[disposition] = (CbSimRetryRule) { delay_ms, max_attempts };
  return CB_SIM_OK;
}

/* Sets a lead's dialing state from outside: a restored database, or an
 * edit. A lead being dialed cannot be changed (invalid state), nor can a
 * lead be set to dialing. A dialable lead is due at @next_attempt_ms (now
 * if 0 or past); a new lead with attempts is treated as a retry. */
CbSimResult
cb_sim_engine_set_lead (CbSimEngine     *self,
                        const char      *lead_id,
                        CbSimLeadStatus  status,
                        guint            attempts,
                        gint64           last_attempt_ms,
                        gint64           next_attempt_ms)
{
  CbSimLeadPriv *lead;
  CbSimCampaignPriv *campaign;
  gboolean was_new;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (lead_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  lead = g_hash_table_lookup (self->lead_by_id, lead_id);
  if (lead == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  if (status == CB_SIM_LEAD_DIALING || status > CB_SIM_LEAD_DNC)
    return CB_SIM_ERROR_INVALID_ARGUMENT;
  if (lead->pub.status == CB_SIM_LEAD_DIALING)
    return CB_SIM_ERROR_INVALID_STATE;

  campaign = lead->campaign;
  if (status == CB_SIM_LEAD_NEW && attempts > 0)
    status = CB_SIM_LEAD_RETRY;
  was_new = lead->pub.status == CB_SIM_LEAD_NEW;

  lead->pub.attempts = attempts;
  lead->pub.last_attempt_ms = last_attempt_ms;
  /* A restored lead: its last attempt counts toward the attempt limits. */
  if (attempts > 0 && last_attempt_ms > 0 && lead->attempt_times == NULL)
    lead_record_attempt (self, campaign, lead, last_attempt_ms);
  lead_set_status (campaign, lead, status);
  if (status == CB_SIM_LEAD_RETRY || status == CB_SIM_LEAD_CALLBACK)
    {
      lead->pub.next_attempt_ms = MAX (next_attempt_ms, 0);
      due_push (lead_zone (lead)->due, lead->pub.next_attempt_ms, lead->index);
    }
  else
    {
      lead->pub.next_attempt_ms = 0;
      /* A new lead that was dialed before goes back to the end of its zone. */
      if (status == CB_SIM_LEAD_NEW && !was_new)
        due_push (lead_zone (lead)->due, 0, lead->index);
    }
  _cb_sim_touch_lead (self, lead);
  return CB_SIM_OK;
}

/**
 * cb_sim_engine_set_campaign_attempt_limits:
 * @limits: (array length=n_limits): at most %CB_SIM_MAX_ATTEMPT_LIMITS
 *
 * The rule set's attempt limits: no lead (or phone number) is dialed more
 * than max times within any window. A lead over a limit waits (status
 * retry, or callback) until the oldest attempt in the way leaves the
 * window.
 */
CbSimResult
cb_sim_engine_set_campaign_attempt_limits (CbSimEngine             *self,
                                           const char              *campaign_id,
                                           const CbSimAttemptLimit *limits,
                                           guint                    n_limits)
{
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (limits != NULL || n_limits == 0, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  if (n_limits > CB_SIM_MAX_ATTEMPT_LIMITS)
    return CB_SIM_ERROR_INVALID_ARGUMENT;
  for (guint i = 0; i < n_limits; i++)
    if (limits[i].window_ms <= 0 || limits[i].max == 0)
      return CB_SIM_ERROR_INVALID_ARGUMENT;

  if (n_limits > 0)
    memcpy (campaign->limits, limits, n_limits * sizeof *limits);
  campaign->n_limits = n_limits;
  return CB_SIM_OK;
}

/**
 * cb_sim_engine_set_campaign_schedule:
 * @schedule: (nullable): when the campaign may dial; %NULL: at any time
 *
 * A running campaign dials only inside its schedule (in the schedule's
 * time zone); the rule set's calling windows apply in addition.
 */
CbSimResult
cb_sim_engine_set_campaign_schedule (CbSimEngine         *self,
                                     const char          *campaign_id,
                                     const CbSimSchedule *schedule)
{
  CbSimCampaignPriv *campaign;
  GTimeZone *tz = NULL;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (schedule == NULL || schedule->windows != NULL || schedule->n_windows == 0,
                        CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (schedule == NULL || schedule->exclude_dates != NULL || schedule->n_exclude_dates == 0,
                        CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  if (schedule != NULL)
    {
      tz = schedule->time_zone != NULL ? g_time_zone_new_identifier (schedule->time_zone)
                                       : g_time_zone_new_utc ();
      if (tz == NULL)
        return CB_SIM_ERROR_INVALID_ARGUMENT;
      for (guint i = 0; i < schedule->n_windows; i++)
        if (schedule->windows[i].start_min > 1440 || schedule->windows[i].end_min > 1440)
          {
            g_time_zone_unref (tz);
            return CB_SIM_ERROR_INVALID_ARGUMENT;
          }
    }

  g_clear_pointer (&campaign->schedule_tz, g_time_zone_unref);
  campaign->schedule_tz = tz;
  g_array_set_size (campaign->schedule_windows, 0);
  g_array_set_size (campaign->schedule_exclude, 0);
  campaign->schedule_start_date = campaign->schedule_end_date = 0;
  if (schedule != NULL)
    {
      g_array_append_vals (campaign->schedule_windows, schedule->windows, schedule->n_windows);
      g_array_append_vals (campaign->schedule_exclude, schedule->exclude_dates, schedule->n_exclude_dates);
      campaign->schedule_start_date = schedule->start_date;
      campaign->schedule_end_date = schedule->end_date;
    }
  campaign->schedule_minute = G_MININT64;
  campaign->pub.in_schedule = schedule_open (self, campaign);
  _cb_sim_touch_campaign (self, campaign);
  _cb_sim_dialer_pace (self, campaign);
  return CB_SIM_OK;
}

/**
 * cb_sim_engine_set_campaign_lists:
 * @lists: (array length=n_lists): the lead lists to dial, with their
 *   priorities (1–10)
 *
 * The campaign dials the leads of these lists only, higher priorities
 * first; lists of equal priority take turns. A list it does not know yet
 * starts empty (see cb_sim_engine_add_lead()); the leads of lists left out
 * stay, but are neither dialed nor counted.
 */
CbSimResult
cb_sim_engine_set_campaign_lists (CbSimEngine        *self,
                                  const char         *campaign_id,
                                  const CbSimListRef *lists,
                                  guint               n_lists)
{
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (lists != NULL || n_lists == 0, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  for (guint i = 0; i < n_lists; i++)
    if (lists[i].list_id == NULL || lists[i].priority < 1 || lists[i].priority > 10)
      return CB_SIM_ERROR_INVALID_ARGUMENT;

  for (guint i = 0; i < campaign->sets->len; i++)
    ((CbSimLeadSet *) g_ptr_array_index (campaign->sets, i))->priority = 0;
  for (guint i = 0; i < n_lists; i++)
    {
      CbSimLeadSet *set = find_set (campaign, lists[i].list_id, TRUE);

      set->priority = MAX (set->priority, lists[i].priority);
    }
  recount (campaign);
  _cb_sim_touch_campaign (self, campaign);
  _cb_sim_dialer_pace (self, campaign);
  return CB_SIM_OK;
}

/**
 * cb_sim_engine_add_lead:
 * @list_id: its lead list in the campaign
 * @phone: the E.164 number to dial
 * @utc_offset_min: the lead's local time is UTC + this
 *
 * A new lead (status new) of a lead list of the campaign: a lead uploaded
 * or created while the sim runs. Ids are unique over the engine
 * (invalid state when taken); an id or number too long is invalid.
 */
CbSimResult
cb_sim_engine_add_lead (CbSimEngine *self,
                        const char  *campaign_id,
                        const char  *list_id,
                        const char  *lead_id,
                        const char  *phone,
                        int          utc_offset_min)
{
  CbSimCampaignPriv *campaign;
  CbSimLeadPriv *lead;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL && list_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (lead_id != NULL && phone != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  if (strlen (lead_id) >= CB_SIM_ID_SIZE || strlen (phone) >= CB_SIM_NUMBER_SIZE
      || utc_offset_min < -24 * 60 || utc_offset_min > 24 * 60)
    return CB_SIM_ERROR_INVALID_ARGUMENT;
  if (g_hash_table_contains (self->lead_by_id, lead_id))
    return CB_SIM_ERROR_INVALID_STATE;

  lead = g_new0 (CbSimLeadPriv, 1);
  g_strlcpy (lead->pub.id, lead_id, sizeof lead->pub.id);
  g_strlcpy (lead->pub.phone, phone, sizeof lead->pub.phone);
  lead->pub.country = NULL;
  lead->pub.utc_offset_min = utc_offset_min;
  g_ptr_array_add (campaign->added_leads, lead);
  lead_place (self, campaign, lead, find_set (campaign, list_id, TRUE));
  _cb_sim_touch_lead (self, lead);
  return CB_SIM_OK;
}

/**
 * cb_sim_engine_remove_lead:
 *
 * The lead leaves the dialer (it was deleted): it is never dialed again
 * and no longer counted; a dial in progress finishes. Its id is free
 * again.
 */
CbSimResult
cb_sim_engine_remove_lead (CbSimEngine *self,
                           const char  *lead_id)
{
  CbSimLeadPriv *lead;
  CbSimCampaignPriv *campaign;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (lead_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  lead = g_hash_table_lookup (self->lead_by_id, lead_id);
  if (lead == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  campaign = lead->campaign;
  count_lead (campaign, lead, FALSE);
  lead->set->total--;
  if (lead->set->priority > 0)
    campaign->pub.stats.leads_total--;
  lead->removed = TRUE;
  g_hash_table_remove (self->lead_by_id, lead_id);
  _cb_sim_touch_campaign (self, campaign);
  return CB_SIM_OK;
}

/**
 * cb_sim_engine_set_dial_check:
 * @func: (nullable): asked before every dial whether the lead may be
 *   dialed (its numbers are on no DNC list the campaign checks)
 */
void
cb_sim_engine_set_dial_check (CbSimEngine        *self,
                              CbSimDialCheckFunc  func,
                              gpointer            user_data)
{
  g_return_if_fail (CB_IS_SIM_ENGINE (self));

  self->dial_check = func;
  self->dial_check_data = user_data;
}

/**
 * cb_sim_engine_set_campaign_exclude_dates:
 * @dates: (array length=n_dates): YYYYMMDD dates
 *
 * The rule set's exclude_dates: no lead is dialed on these dates of its own
 * local calendar.
 */
CbSimResult
cb_sim_engine_set_campaign_exclude_dates (CbSimEngine *self,
                                          const char  *campaign_id,
                                          const guint *dates,
                                          guint        n_dates)
{
  CbSimCampaignPriv *campaign;
  g_autoptr(GArray) days = g_array_new (FALSE, FALSE, sizeof (gint64));
  GDate epoch;

  g_return_val_if_fail (CB_IS_SIM_ENGINE (self), CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (campaign_id != NULL, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (dates != NULL || n_dates == 0, CB_SIM_ERROR_INVALID_ARGUMENT);
  g_return_val_if_fail (!self->advancing && self->emitting == 0, CB_SIM_ERROR_INVALID_STATE);

  campaign = lookup_campaign (self, campaign_id);
  if (campaign == NULL)
    return CB_SIM_ERROR_NOT_FOUND;
  g_date_clear (&epoch, 1);
  g_date_set_dmy (&epoch, 1, G_DATE_JANUARY, 1970);
  for (guint i = 0; i < n_dates; i++)
    {
      GDate date;
      gint64 day;

      if (!g_date_valid_dmy (dates[i] % 100, (dates[i] / 100) % 100, dates[i] / 10000))
        return CB_SIM_ERROR_INVALID_ARGUMENT;
      g_date_clear (&date, 1);
      g_date_set_dmy (&date, dates[i] % 100, (dates[i] / 100) % 100, dates[i] / 10000);
      day = (gint64) g_date_get_julian (&date) - (gint64) g_date_get_julian (&epoch);
      g_array_append_val (days, day);
    }
  g_array_set_size (campaign->exclude_days, 0);
  g_array_append_vals (campaign->exclude_days, days->data, days->len);
  _cb_sim_dialer_pace (self, campaign);
  return CB_SIM_OK;
}
