/* cb-sim-engine.h — the simulation engine of the reference backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A discrete-event simulation of a contact center: agents, skill-based
 * inbound queues, outbound campaigns with a predictive dialer. It is driven
 * by simulated time (cb_sim_engine_advance_to()), is deterministic under a
 * seed, and reports every change of every entity to its listeners. The model
 * is described at the top of cb-sim-engine.c.
 *
 * Entities are plain structs owned by the engine. Their fields are public and
 * read-only: read them from a listener or between two calls of
 * cb_sim_engine_advance_to(). Agents, queues, campaigns, teams and leads live
 * as long as the engine; a call lives until its DELETE (or, in the history,
 * until it is pushed out of the bounded history ring) unless the caller takes
 * a reference with cb_sim_call_ref().
 */
#pragma once

#include <glib-object.h>

#include "cb-sim-random.h"

G_BEGIN_DECLS

#define CB_SIM_ID_SIZE           24
#define CB_SIM_NUMBER_SIZE       20
#define CB_SIM_PROFILE_SLOTS     96     /* 15-minute slots of a local day */
#define CB_SIM_MAX_HOLDS         4
#define CB_SIM_MAX_PAUSE_REASONS 12
#define CB_SIM_MAX_LEAD_ZONES    8

/* Enumerations ------------------------------------------------------------ */

typedef enum
{
  CB_SIM_ENTITY_AGENT,
  CB_SIM_ENTITY_QUEUE,
  CB_SIM_ENTITY_CALL,
  CB_SIM_ENTITY_CAMPAIGN,
  CB_SIM_ENTITY_LEAD,
} CbSimEntityType;

typedef enum
{
  CB_SIM_CHANGE_UPSERT,
  CB_SIM_CHANGE_DELETE,
} CbSimChangeKind;

/**
 * CbSimResult:
 * @CB_SIM_OK: done (or accepted as pending, see the command)
 * @CB_SIM_ERROR_NOT_FOUND: no entity with that id
 * @CB_SIM_ERROR_INVALID_STATE: not allowed in the entity's current state
 * @CB_SIM_ERROR_INVALID_ARGUMENT: an unknown reason code, a value out of range
 *
 * What a command returns. The names follow the protocol's error codes
 * (`not_found`, `invalid_state`, `bad_request`).
 */
typedef enum
{
  CB_SIM_OK,
  CB_SIM_ERROR_NOT_FOUND,
  CB_SIM_ERROR_INVALID_STATE,
  CB_SIM_ERROR_INVALID_ARGUMENT,
} CbSimResult;

typedef enum
{
  CB_SIM_AGENT_LOGGED_OUT,
  CB_SIM_AGENT_AVAILABLE,
  CB_SIM_AGENT_RINGING,
  CB_SIM_AGENT_ON_CALL,
  CB_SIM_AGENT_ON_HOLD,
  CB_SIM_AGENT_WRAP_UP,
  CB_SIM_AGENT_PAUSED,
  CB_SIM_AGENT_N_STATES,
} CbSimAgentState;

typedef enum
{
  CB_SIM_CALL_QUEUED,      /* inbound: waiting in a queue; outbound: answered, no agent yet */
  CB_SIM_CALL_RINGING,     /* inbound: offered to an agent; outbound: ringing at the customer */
  CB_SIM_CALL_CONNECTED,
  CB_SIM_CALL_ON_HOLD,
  CB_SIM_CALL_WRAP_UP,     /* the customer is gone; the agent does after-call work */
  CB_SIM_CALL_ENDED,
} CbSimCallState;

typedef enum
{
  CB_SIM_DIRECTION_INBOUND,
  CB_SIM_DIRECTION_OUTBOUND,
} CbSimDirection;

/* The first six are also the dialer's outcomes and index the retry rules. */
typedef enum
{
  CB_SIM_DISPOSITION_NONE,
  CB_SIM_DISPOSITION_HUMAN,
  CB_SIM_DISPOSITION_MACHINE,
  CB_SIM_DISPOSITION_BUSY,
  CB_SIM_DISPOSITION_NO_ANSWER,
  CB_SIM_DISPOSITION_INVALID,
  CB_SIM_DISPOSITION_DROPPED,
  CB_SIM_DISPOSITION_RESOLVED,
  CB_SIM_DISPOSITION_UNRESOLVED,
  /* What an outbound agent records after talking to the person: the codes
   * of the sim's disposition catalog. */
  CB_SIM_DISPOSITION_SALE,
  CB_SIM_DISPOSITION_NOT_INTERESTED,
  CB_SIM_DISPOSITION_CALLBACK,
  CB_SIM_DISPOSITION_DNC,
  CB_SIM_N_DISPOSITIONS,
} CbSimDisposition;

typedef enum
{
  CB_SIM_END_NONE,
  CB_SIM_END_CUSTOMER_HANGUP,
  CB_SIM_END_ABANDONED,
  CB_SIM_END_NO_ANSWER,
  CB_SIM_END_BUSY,
  CB_SIM_END_FAILED,
  CB_SIM_END_MACHINE,
  CB_SIM_END_DROPPED,
} CbSimEndReason;

typedef enum
{
  CB_SIM_DIAL_PREVIEW,
  CB_SIM_DIAL_PROGRESSIVE,
  CB_SIM_DIAL_POWER,
  CB_SIM_DIAL_PREDICTIVE,
} CbSimDialMode;

typedef enum
{
  CB_SIM_CAMPAIGN_RUNNING,
  CB_SIM_CAMPAIGN_PAUSED,
  CB_SIM_CAMPAIGN_STOPPED,
} CbSimCampaignStatus;

typedef enum
{
  CB_SIM_LEAD_NEW,
  CB_SIM_LEAD_DIALING,      /* reserved for a preview, or a call is in progress */
  CB_SIM_LEAD_RETRY,        /* waiting for next_attempt_ms after a failed attempt */
  CB_SIM_LEAD_CALLBACK,     /* the customer asked to be called back at next_attempt_ms */
  CB_SIM_LEAD_DONE,         /* contacted, invalid number, or attempts exhausted */
  CB_SIM_LEAD_DNC,          /* asked not to be called again, or a number is on a DNC list */
} CbSimLeadStatus;

typedef enum
{
  CB_SIM_PAUSE_BY_RATE,        /* Poisson, @rate per logged-in hour */
  CB_SIM_PAUSE_MID_SHIFT,      /* once per shift of 5 h or more, near its middle (lunch) */
  CB_SIM_PAUSE_AFTER_CALL,     /* probability @rate after a wrap-up (more after-call work) */
  CB_SIM_PAUSE_ON_MISSED,      /* after a ring-no-answer; @rate is ignored */
  CB_SIM_PAUSE_ON_REQUEST,     /* only by command */
} CbSimPauseTrigger;

/* Configuration ----------------------------------------------------------- */

#define CB_SIM_MAX_ATTEMPT_LIMITS 16

/* At most @max dial attempts per lead (or per phone number) within any
 * @window_ms. */
typedef struct
{
  gint64   window_ms;
  guint    max;
  gboolean per_number;
} CbSimAttemptLimit;

/* When a campaign may dial, in its own time zone: on the days of @days
 * (bit 0 = Monday … bit 6 = Sunday), from @start_min to @end_min minutes of
 * the local day (end ≤ 1440; a window whose end is before its start runs
 * past midnight). */
typedef struct
{
  guint days;
  guint start_min;
  guint end_min;
} CbSimScheduleWindow;

/* Dates are YYYYMMDD numbers of the local calendar; 0: no bound. */
typedef struct
{
  const char                *time_zone;      /* IANA id; NULL: UTC */
  const CbSimScheduleWindow *windows;
  guint                      n_windows;
  guint                      start_date;
  guint                      end_date;
  const guint               *exclude_dates;
  guint                      n_exclude_dates;
} CbSimSchedule;

/* A lead list a campaign dials: higher priorities first (1–10). */
typedef struct
{
  const char *list_id;
  guint       priority;
} CbSimListRef;

typedef struct
{
  const char        *code;       /* e.g. "LUNCH"; a static string */
  CbSimPauseTrigger  trigger;
  double             rate;
  CbSimDist          duration;   /* then the agent resumes by itself */
} CbSimPauseReasonConfig;

typedef struct
{
  gint64 delay_ms;               /* retry no sooner than this after the attempt */
  guint  max_attempts;           /* 0: the lead is done after this outcome */
} CbSimRetryRule;

/**
 * CbSimCampaignConfig:
 *
 * The template for every campaign. Campaign i gets the name and the dial
 * mode of its index (see @mixed_modes); everything else is shared.
 */
typedef struct
{
  gboolean       mixed_modes;      /* campaigns cycle predictive, progressive, power, preview */
  CbSimDialMode  dial_mode;        /* when not mixed */
  double         dial_level;       /* power: lines per free agent; predictive: the ceiling */
  double         max_abandon_pct;  /* drop rate target, % of calls answered by a person */
  guint          n_leads;
  double         odds[CB_SIM_DISPOSITION_INVALID + 1];   /* HUMAN … INVALID; NONE unused */
  CbSimDist      time_to_answer;   /* a person or a machine picks up */
  gint64         ring_timeout_ms;  /* then the attempt is no_answer */
  CbSimDist      busy_time;        /* until the busy tone is detected */
  CbSimDist      invalid_time;     /* until the network reports an invalid number */
  CbSimDist      amd_time;         /* answering-machine detection after a machine picks up */
  gint64         max_connect_delay_ms;   /* a person waiting longer is dropped (US/UK: 2 s) */
  CbSimDist      preview;          /* preview mode: the agent reads the lead */
  CbSimDist      talk;
  double         hold_probability;
  CbSimDist      hold;
  CbSimDist      wrap_up;
  double         conversion_probability;   /* of calls connected to an agent */
  double         callback_probability;     /* the person asks to be called back */
  gint64         callback_delay_ms;
  double         dnc_probability;          /* the person asks never to be called again */
  CbSimRetryRule retry[CB_SIM_N_DISPOSITIONS];
  guint          window_start_min;         /* calling window in the lead's local time, minutes */
  guint          window_end_min;
  int            lead_zones_min[CB_SIM_MAX_LEAD_ZONES];   /* leads' UTC offsets; none: by country */
  double         lead_zone_weights[CB_SIM_MAX_LEAD_ZONES];
  guint          n_lead_zones;
  gboolean       worldwide_leads;   /* without lead zones: leads in the home countries and
                                     * abroad (the demo's), else in the home countries */
} CbSimCampaignConfig;

/**
 * CbSimConfig:
 *
 * Everything the simulation is made of. Start from
 * cb_sim_config_init_default() and change what you need; the engine copies
 * the struct, but not the strings it points to (time zone, pause reason
 * codes): they must be static or outlive the engine.
 * Inbound parameters are per queue; with @queue_variation > 0 each queue
 * gets its own rate and handle time around them.
 */
typedef struct
{
  guint64       seed;
  gint64        start_ms;          /* 0: 2026-11-23 08:00 in @time_zone */
  const char   *time_zone;         /* IANA id for days and profiles; NULL: the local zone */
  guint         n_agents;
  guint         n_queues;
  guint         n_campaigns;
  guint         n_teams;
  double        outbound_share;    /* fraction of agents working campaigns (if any) */
  guint         max_skills;        /* queues per inbound agent, 1 … this */

  /* Inbound arrivals: calls/hour of queue q in slot s = rate(q) × profile[s]. */
  double        calls_per_hour;    /* at profile 1.0; 0: sized to the staff (@target_occupancy) */
  double        target_occupancy;
  double        profile[CB_SIM_PROFILE_SLOTS];
  double        queue_variation;   /* 0: identical queues */

  /* Inbound calls */
  CbSimDist     patience;          /* sampled at arrival; the caller abandons when it runs out */
  CbSimDist     ring;              /* the agent picks up after this */
  double        miss_probability;  /* the agent does not pick up within @ring_timeout_ms */
  gint64        ring_timeout_ms;
  CbSimDist     talk;              /* talk time, holds excluded (AHT without wrap-up) */
  double        hold_probability;
  double        second_hold_probability;
  CbSimDist     hold;
  double        transfer_probability;   /* blind transfer to another queue (once per call) */
  CbSimDist     wrap_up;
  guint         sl_threshold_s;
  double        sl_target_pct;
  double        resolve_probability;    /* first-call resolution */
  double        repeat_probability;     /* an unresolved caller calls the same number again … */
  CbSimDist     repeat_delay;           /* … after this … */
  guint         repeat_window_days;     /* … if within this many days */
  double        abandon_retry_probability;
  CbSimDist     abandon_retry_delay;
  double        survey_probability;
  double        survey_weights_resolved[5];     /* scores 1–5 */
  double        survey_weights_unresolved[5];

  /* Agents */
  gint64        shift_length_ms;        /* 0: logged in around the clock */
  gint64        shift_first_start_ms;   /* after local midnight */
  gint64        shift_last_start_ms;
  gint64        shift_start_step_ms;
  CbSimPauseReasonConfig pause_reasons[CB_SIM_MAX_PAUSE_REASONS];
  guint         n_pause_reasons;

  /* Outbound */
  CbSimCampaignConfig campaign;
  gint64        pacer_interval_ms;
  gint64        pacer_window_ms;        /* sliding window of the drop rate */

  /* Records */
  gint64        ended_linger_ms;        /* ended calls stay live this long, then DELETE */
  guint         history_capacity;       /* ended calls kept for paging */
} CbSimConfig;

/* Entities ------------------------------------------------------------------ */

typedef struct
{
  const char *queue_id;
  guint       level;                    /* 1–10 */
} CbSimSkill;

typedef struct
{
  char        id[CB_SIM_ID_SIZE];       /* "team-02" */
  const char *name;
} CbSimTeam;

typedef struct
{
  char             id[CB_SIM_ID_SIZE];  /* "agent-0007" */
  guint64          rev;
  const char      *name;
  const char      *team_id;
  const CbSimSkill *skills;             /* inbound agents; sorted by queue */
  guint            n_skills;
  const char      *campaign_id;         /* outbound agents; NULL for inbound ones */
  CbSimAgentState  state;
  gint64           state_since_ms;
  const char      *pause_reason;        /* when paused */
  const char      *call_id;             /* ringing, on a call, in its wrap-up; a preview dial */
  gboolean         has_pending;         /* a pause or log-out waits for the call to end */
  CbSimAgentState  pending_state;
  const char      *pending_reason;
  gint64           pending_since_ms;
  gint64           login_ms;            /* 0 when logged out */
  gint64           shift_start_ms;      /* the current or next shift */
  gint64           shift_end_ms;
  guint            calls_handled_today;
  /* Milliseconds in each state since local midnight, up to state_since_ms (or
   * midnight); see cb_sim_engine_agent_state_ms() for "up to now". */
  gint64           state_ms_today[CB_SIM_AGENT_N_STATES];
} CbSimAgent;

typedef struct
{
  guint  waiting;
  gint64 longest_waiting_since_ms;      /* 0 when nobody waits */
  guint  offered;                       /* entered the queue (transfers in included) */
  guint  answered;
  guint  abandoned;
  guint  answered_in_sl;                /* wait ≤ sl_threshold_s */
  guint  abandoned_in_sl;               /* short abandons: wait < sl_threshold_s */
  guint  transferred_out;
  gint64 answer_wait_ms;                /* sums: wait of answered calls, of abandoned ones */
  gint64 abandon_wait_ms;
  gint64 talk_ms;                       /* of legs answered in this queue */
  gint64 hold_ms;
  gint64 wrap_ms;
  guint  agents_logged_in;              /* agents with the skill, by state */
  guint  agents_available;
  guint  agents_on_call;                /* ringing, on call and on hold */
  guint  agents_wrap_up;
  guint  agents_paused;
} CbSimQueueStats;

typedef struct
{
  char            id[CB_SIM_ID_SIZE];   /* "queue-03" */
  guint64         rev;
  const char     *name;
  const char     *skill_id;             /* "skill-03": the skill the queue requires */
  const char     *strategy;             /* "skills_based": highest level, then longest idle */
  const char     *service_number;
  guint           sl_threshold_s;
  double          sl_target_pct;
  double          calls_per_hour;       /* at profile 1.0 */
  CbSimQueueStats stats;                /* since local midnight */
} CbSimQueue;

typedef struct
{
  gint64 start_ms;
  gint64 end_ms;                        /* 0 while on hold */
} CbSimHold;

typedef struct
{
  char             id[CB_SIM_ID_SIZE];  /* "call-000123" */
  guint64          rev;
  CbSimDirection   direction;
  const char      *channel;             /* "voice" */
  CbSimCallState   state;
  gint64           state_since_ms;
  const char      *queue_id;            /* the current (last) queue */
  const char      *agent_id;            /* the current (last) agent */
  const char      *campaign_id;
  const char      *lead_id;
  char             customer_number[CB_SIM_NUMBER_SIZE];
  const char      *service_number;      /* dialed (inbound) or presented (outbound) */
  char             repeat_of[CB_SIM_ID_SIZE];   /* previous call of this number, or "" */
  gint64           created_ms;
  gint64           queued_ms;           /* first entered a queue (0: never) */
  gint64           queue_entered_ms;    /* entered the current queue */
  gint64           offered_ms;          /* last offered to an agent */
  gint64           answered_ms;         /* first agent answer (in) / customer answer (out) */
  gint64           queue_answered_ms;   /* answered in the current queue */
  gint64           connected_ms;        /* the last agent joined */
  CbSimHold        holds[CB_SIM_MAX_HOLDS];
  guint            hold_count;
  gint64           hold_ms;             /* completed holds */
  gint64           talk_ms;             /* connected, holds excluded, all legs */
  gint64           queued_total_ms;     /* time in state queued, all queues */
  gint64           ended_ms;            /* the customer leg ended */
  gint64           wrap_up_ended_ms;
  gboolean         abandoned;
  gboolean         dropped;
  gboolean         converted;           /* outbound sale */
  CbSimEndReason   end_reason;
  CbSimDisposition disposition;
  guint            survey_score;        /* 1–5; 0: no survey */
  const char      *transfer_from_queue_id;
  const char      *transfer_from_agent_id;
  gint64           transfer_ms;
} CbSimCall;

typedef struct
{
  guint  dials;
  guint  humans;                        /* answered by a person, drops included */
  guint  machines;
  guint  busy;
  guint  no_answer;
  guint  invalid;
  guint  dropped;
  guint  connected;                     /* humans connected to an agent */
  guint  conversions;
  guint  lines_dialing;                 /* now: ringing at a customer */
  guint  lines_waiting;                 /* now: a person waits for an agent */
  guint  agents_logged_in;
  guint  agents_available;
  guint  agents_busy;                   /* on a call or in wrap-up */
  guint  leads_total;                   /* in the lead lists the campaign dials */
  guint  leads_dialable;                /* new, retry or callback */
  guint  leads_done;                    /* done or dnc */
  guint  leads_skipped_dnc;             /* since local midnight: not dialed, on a DNC list */
  guint  leads_deferred;                /* since local midnight: put off by an attempt limit */
  double drop_rate_pct;                 /* today: dropped ÷ humans */
  double window_drop_rate_pct;          /* over the pacer's sliding window */
} CbSimCampaignStats;

typedef struct
{
  gint64 at_ms;
  double level;
} CbSimLevelPoint;

typedef struct
{
  char                 id[CB_SIM_ID_SIZE];   /* "campaign-02" */
  guint64              rev;
  const char          *name;
  CbSimDialMode        dial_mode;
  CbSimCampaignStatus  status;
  double               dial_level;           /* configured: power ratio, predictive ceiling */
  double               dial_level_current;   /* what the dialer uses now */
  double               max_abandon_pct;
  const char          *caller_id;
  guint                window_start_min;
  guint                window_end_min;
  guint                n_agents;             /* cb_sim_engine_get_campaign_agent() */
  guint                n_leads;              /* its own generated leads: cb_sim_engine_get_campaign_lead() */
  gboolean             in_schedule;          /* the schedule allows dialing now (as of the last pace) */
  CbSimCampaignStats   stats;                /* since local midnight */
} CbSimCampaign;

typedef struct
{
  char             id[CB_SIM_ID_SIZE];  /* "lead-02-000123" */
  guint64          rev;
  const char      *campaign_id;
  const char      *list_id;             /* generated leads: "ll-<campaign id>" */
  char             phone[CB_SIM_NUMBER_SIZE];
  const char      *country;             /* "EE" */
  int              utc_offset_min;      /* the lead's local time is UTC + this */
  const char      *time_zone;           /* where it is, when known: "America/Chicago" */
  CbSimLeadStatus  status;
  guint            attempts;
  gint64           last_attempt_ms;
  gint64           next_attempt_ms;
  CbSimDisposition last_disposition;
} CbSimLead;

/* The engine ---------------------------------------------------------------- */

#define CB_TYPE_SIM_ENGINE (cb_sim_engine_get_type ())
G_DECLARE_FINAL_TYPE (CbSimEngine, cb_sim_engine, CB, SIM_ENGINE, GObject)

/**
 * CbSimChangeFunc:
 *
 * Called synchronously for every change: an entity was created or changed
 * (UPSERT; its rev grew by one) or is gone (DELETE; only calls). Every state
 * transition is reported, in order, so an agent may be seen `available` and
 * then `ringing` at the same instant. Read the entity with the getters; other
 * entities may be half-way through the same event. Do not call commands or
 * cb_sim_engine_advance_to() from here.
 */
typedef void (*CbSimChangeFunc) (CbSimEngine     *engine,
                                 CbSimChangeKind  kind,
                                 CbSimEntityType  type,
                                 const char      *id,
                                 gpointer         user_data);

/**
 * CbSimDialCheckFunc:
 *
 * Asked just before the dialer dials @lead for @campaign_id: %FALSE when
 * the lead must not be dialed because a number of it is on a do-not-call
 * list (the lead becomes %CB_SIM_LEAD_DNC, without an attempt). Called
 * from within cb_sim_engine_advance_to() or a command; it may only read.
 */
typedef gboolean (*CbSimDialCheckFunc) (CbSimEngine     *engine,
                                        const char      *campaign_id,
                                        const CbSimLead *lead,
                                        gpointer         user_data);

void                 cb_sim_config_init_default        (CbSimConfig       *config);
void                 cb_sim_config_init_demo           (CbSimConfig       *config);
gint64               cb_sim_local_time_ms              (const char        *time_zone,
                                                        int                year,
                                                        int                month,
                                                        int                day,
                                                        int                hour,
                                                        int                minute);

CbSimEngine         *cb_sim_engine_new                 (const CbSimConfig *config);
const CbSimConfig   *cb_sim_engine_get_config          (CbSimEngine       *self);
gint64               cb_sim_engine_get_now             (CbSimEngine       *self);
gint64               cb_sim_engine_get_day_start       (CbSimEngine       *self);
gint64               cb_sim_engine_get_next_event_time (CbSimEngine       *self);
guint64              cb_sim_engine_get_n_events        (CbSimEngine       *self);
void                 cb_sim_engine_advance_to          (CbSimEngine       *self,
                                                        gint64             t_ms);

guint                cb_sim_engine_add_listener        (CbSimEngine       *self,
                                                        CbSimChangeFunc    func,
                                                        gpointer           user_data,
                                                        GDestroyNotify     destroy);
void                 cb_sim_engine_remove_listener     (CbSimEngine       *self,
                                                        guint              listener_id);

/* Reading */
guint                cb_sim_engine_get_n_agents        (CbSimEngine       *self);
const CbSimAgent    *cb_sim_engine_get_agent_nth       (CbSimEngine       *self,
                                                        guint              index);
const CbSimAgent    *cb_sim_engine_get_agent           (CbSimEngine       *self,
                                                        const char        *id);
gint64               cb_sim_engine_agent_state_ms      (CbSimEngine       *self,
                                                        const CbSimAgent  *agent,
                                                        CbSimAgentState    state);
guint                cb_sim_engine_get_n_teams         (CbSimEngine       *self);
const CbSimTeam     *cb_sim_engine_get_team_nth        (CbSimEngine       *self,
                                                        guint              index);
guint                cb_sim_engine_get_n_queues        (CbSimEngine       *self);
const CbSimQueue    *cb_sim_engine_get_queue_nth       (CbSimEngine       *self,
                                                        guint              index);
const CbSimQueue    *cb_sim_engine_get_queue           (CbSimEngine       *self,
                                                        const char        *id);
guint                cb_sim_engine_get_n_campaigns     (CbSimEngine       *self);
const CbSimCampaign *cb_sim_engine_get_campaign_nth    (CbSimEngine       *self,
                                                        guint              index);
const CbSimCampaign *cb_sim_engine_get_campaign        (CbSimEngine       *self,
                                                        const char        *id);
const CbSimAgent    *cb_sim_engine_get_campaign_agent  (CbSimEngine       *self,
                                                        const CbSimCampaign *campaign,
                                                        guint              index);
const CbSimLead     *cb_sim_engine_get_campaign_lead   (CbSimEngine       *self,
                                                        const CbSimCampaign *campaign,
                                                        guint              index);
const CbSimLead     *cb_sim_engine_get_lead            (CbSimEngine       *self,
                                                        const char        *id);
const CbSimLevelPoint *cb_sim_engine_get_level_history (CbSimEngine       *self,
                                                        const CbSimCampaign *campaign,
                                                        guint             *n_points);
const CbSimCall     *cb_sim_engine_get_call            (CbSimEngine       *self,
                                                        const char        *id);
void                 cb_sim_engine_foreach_call        (CbSimEngine       *self,
                                                        GFunc              func,
                                                        gpointer           user_data);
guint                cb_sim_engine_get_n_live_calls    (CbSimEngine       *self);
guint                cb_sim_engine_get_history_length  (CbSimEngine       *self);
const CbSimCall     *cb_sim_engine_get_history_nth     (CbSimEngine       *self,
                                                        guint              index);
const CbSimCall     *cb_sim_engine_get_history_call    (CbSimEngine       *self,
                                                        const char        *id);
guint64              cb_sim_engine_get_history_total   (CbSimEngine       *self);
CbSimCall           *cb_sim_call_ref                   (const CbSimCall   *call);
void                 cb_sim_call_unref                 (CbSimCall         *call);

/* Commands */
CbSimResult          cb_sim_engine_set_agent_state     (CbSimEngine       *self,
                                                        const char        *agent_id,
                                                        CbSimAgentState    state,
                                                        const char        *reason_code,
                                                        gboolean          *pending);
CbSimResult          cb_sim_engine_start_campaign      (CbSimEngine       *self,
                                                        const char        *campaign_id);
CbSimResult          cb_sim_engine_pause_campaign      (CbSimEngine       *self,
                                                        const char        *campaign_id);
CbSimResult          cb_sim_engine_stop_campaign       (CbSimEngine       *self,
                                                        const char        *campaign_id);
CbSimResult          cb_sim_engine_set_campaign_dial_mode  (CbSimEngine   *self,
                                                            const char    *campaign_id,
                                                            CbSimDialMode  mode);
CbSimResult          cb_sim_engine_set_campaign_windows (CbSimEngine    *self,
                                                    const char     *campaign_id,
                                                    const guint    *start_min,
                                                    const guint    *end_min);
CbSimResult          cb_sim_engine_set_campaign_dial_level (CbSimEngine   *self,
                                                            const char    *campaign_id,
                                                            double         level);
CbSimResult          cb_sim_engine_set_campaign_max_abandon (CbSimEngine  *self,
                                                             const char   *campaign_id,
                                                             double        pct);
CbSimResult          cb_sim_engine_set_campaign_retry  (CbSimEngine       *self,
                                                        const char        *campaign_id,
                                                        CbSimDisposition   disposition,
                                                        gint64             delay_ms,
                                                        guint              max_attempts);
CbSimResult          cb_sim_engine_set_campaign_exclude_dates (CbSimEngine *self,
                                                               const char  *campaign_id,
                                                               const guint *dates,
                                                               guint        n_dates);
CbSimResult          cb_sim_engine_set_campaign_attempt_limits (CbSimEngine             *self,
                                                                const char              *campaign_id,
                                                                const CbSimAttemptLimit *limits,
                                                                guint                    n_limits);
CbSimResult          cb_sim_engine_set_campaign_schedule (CbSimEngine         *self,
                                                          const char          *campaign_id,
                                                          const CbSimSchedule *schedule);
CbSimResult          cb_sim_engine_set_campaign_lists  (CbSimEngine        *self,
                                                        const char         *campaign_id,
                                                        const CbSimListRef *lists,
                                                        guint               n_lists);
CbSimResult          cb_sim_engine_add_lead            (CbSimEngine       *self,
                                                        const char        *campaign_id,
                                                        const char        *list_id,
                                                        const char        *lead_id,
                                                        const char        *phone,
                                                        int                utc_offset_min);
CbSimResult          cb_sim_engine_remove_lead         (CbSimEngine       *self,
                                                        const char        *lead_id);
void                 cb_sim_engine_set_dial_check      (CbSimEngine        *self,
                                                        CbSimDialCheckFunc  func,
                                                        gpointer            user_data);
CbSimResult          cb_sim_engine_set_lead            (CbSimEngine       *self,
                                                        const char        *lead_id,
                                                        CbSimLeadStatus    status,
                                                        guint              attempts,
                                                        gint64             last_attempt_ms,
                                                        gint64             next_attempt_ms);

/* Names of enumeration values, as the protocol spells them */
const char          *cb_sim_entity_type_to_string      (CbSimEntityType      type);
const char          *cb_sim_agent_state_to_string      (CbSimAgentState      state);
gboolean             cb_sim_agent_state_from_string    (const char          *str,
                                                        CbSimAgentState     *state);
const char          *cb_sim_call_state_to_string       (CbSimCallState       state);
const char          *cb_sim_direction_to_string        (CbSimDirection       direction);
const char          *cb_sim_disposition_to_string      (CbSimDisposition     disposition);
const char          *cb_sim_disposition_to_code        (CbSimDisposition     disposition);
const char          *cb_sim_end_reason_to_string       (CbSimEndReason       reason);
const char          *cb_sim_dial_mode_to_string        (CbSimDialMode        mode);
gboolean             cb_sim_dial_mode_from_string      (const char          *str,
                                                        CbSimDialMode       *mode);
const char          *cb_sim_campaign_status_to_string  (CbSimCampaignStatus  status);
const char          *cb_sim_lead_status_to_string      (CbSimLeadStatus      status);
const char          *cb_sim_result_to_string           (CbSimResult          result);

G_END_DECLS
