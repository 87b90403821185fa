/* cb-sim-engine-private.h — what the engine's files share: entity records and helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each public entity struct is the first member of a private record that
 * holds the bookkeeping (indexes, timers, links). Agents, queues, campaigns
 * and leads are arrays allocated once; calls are reference-counted boxes
 * (g_rc_box) shared by the live table, the history ring, agents and pending
 * events.
 */
#pragma once

#include "cb-sim-engine.h"
#include "cb-sim-names.h"

G_BEGIN_DECLS

typedef struct _CbSimAgentPriv    CbSimAgentPriv;
typedef struct _CbSimQueuePriv    CbSimQueuePriv;
typedef struct _CbSimCallPriv     CbSimCallPriv;
typedef struct _CbSimCampaignPriv CbSimCampaignPriv;
typedef struct _CbSimLeadPriv     CbSimLeadPriv;

#define CB_SIM_NO_REASON G_MAXUINT

/* How calls of a queue or a campaign are handled once an agent is on them. */
typedef struct
{
  CbSimDist talk;
  double    hold_probability;
  double    second_hold_probability;
  CbSimDist hold;
  CbSimDist wrap_up;
} CbSimHandling;

/* One skill of an agent, and its place in the queue's heap of available agents. */
typedef struct
{
  CbSimAgentPriv *agent;
  CbSimQueuePriv *queue;
  guint           level;
  int             heap_pos;     /* -1: not in the heap */
} CbSimSkillSlot;

struct _CbSimAgentPriv
{
  CbSimAgent          pub;
  guint               index;
  char               *name;
  CbSimSkill         *skills;
  CbSimSkillSlot     *slots;
  CbSimCampaignPriv  *campaign;     /* outbound agents */
  CbSimCallPriv      *call;         /* owned reference */
  CbSimQueuePriv     *leg_queue;    /* queue of the call leg being handled */
  CbSimLeadPriv      *preview_lead;
  gint64              shift_offset_ms;
  gint64              available_since_ms;
  guint32             session;      /* changes at every login and logout */
  guint32             token;        /* changes at every state change */
  guint               pause_reason;
  guint               pending_reason;
  gboolean            reserved;     /* outbound: previewing or assigned to a dial */
  gboolean            in_ready;
  GList               ready_link;   /* in the campaign's ready queue */
};

struct _CbSimQueuePriv
{
  CbSimQueue     pub;
  guint          index;
  char          *name;
  char           skill_id[CB_SIM_ID_SIZE];
  char           service_number[CB_SIM_NUMBER_SIZE];
  GQueue         waiting;           /* CbSimCallPriv, links embedded in the calls */
  GPtrArray     *heap;              /* CbSimSkillSlot of available agents; top = next to ring */
  CbSimHandling  handling;
  double         arrival_clock;     /* ms, exact time of the last arrival or boundary */
};

struct _CbSimCallPriv
{
  CbSimCall             pub;
  CbSimQueuePriv       *queue;
  CbSimAgentPriv       *agent;
  CbSimCampaignPriv    *campaign;
  CbSimLeadPriv        *lead;
  const CbSimHandling  *handling;
  guint32               token;            /* changes at every state change */
  guint32               patience_token;   /* changes when the abandon timer is cancelled */
  gint64                talk_remaining_ms;
  guint                 holds_remaining;
  gint64                leg_talk_base;
  gint64                leg_hold_base;
  CbSimDisposition      outcome;          /* outbound: what the dial will meet */
  gint64                amd_ms;
  gboolean              transferred;
  gboolean              live;
  GList                 queue_link;       /* in a queue's or a campaign's waiting list */
  GList                 live_link;
};

typedef struct _CbSimLeadSet CbSimLeadSet;

struct _CbSimLeadPriv
{
  CbSimLead          pub;
  CbSimCampaignPriv *campaign;
  CbSimLeadSet      *set;             /* its lead list */
  guint              index;           /* in the campaign's all_leads */
  guint              zone;            /* in its set's zones */
  CbSimLeadStatus    status_before;   /* before a preview reserved it */
  gboolean           removed;         /* deleted: never dialed again, not counted */
  GArray            *attempt_times;   /* gint64, oldest first, within the longest limit window */
};

typedef struct
{
  gint64  at_ms;
  guint32 lead;
} CbSimDueLead;

/* Leads of one UTC offset: they share a calling window. */
typedef struct
{
  int     offset_min;
  GArray *fresh;       /* guint32 lead indexes never dialed, in list order */
  guint   fresh_next;
  GArray *due;         /* CbSimDueLead min-heap: retries and callbacks */
} CbSimLeadZone;

/* One lead list of a campaign: dialed while its priority is above 0. */
struct _CbSimLeadSet
{
  char   *id;
  guint   priority;    /* 1–10 while the campaign dials it; 0: not dialed */
  GArray *zones;       /* CbSimLeadZone */
  guint   zone_rotor;
  guint   total;       /* leads not removed */
  guint   dialable;
  guint   done;
};

typedef struct
{
  gint64 minute;
  guint  humans;
  guint  drops;
} CbSimDropBucket;

#define CB_SIM_MAX_DROP_BUCKETS 240

struct _CbSimCampaignPriv
{
  CbSimCampaign        pub;
  guint                index;
  /* Calling windows per weekday (0 = Monday) in the lead's local time,
   * from the campaign's rule set; when unset, pub.window_*_min daily. */
  gboolean             by_day;
  guint                day_start_min[7];
  guint                day_end_min[7];
  GArray              *exclude_days;     /* gint64 local days since 1970-01-01: the rule set's exclude_dates */
  char                *name;
  char                 caller_id[CB_SIM_NUMBER_SIZE];
  CbSimHandling        handling;
  GPtrArray           *agents;           /* CbSimAgentPriv, borrowed */
  GQueue               ready;            /* available, unreserved agents; head: longest idle */
  GQueue               waiting;          /* persons who answered, waiting for an agent */
  CbSimLeadPriv       *leads;            /* its generated leads (pub.n_leads) */
  GPtrArray           *all_leads;        /* CbSimLeadPriv, borrowed: generated, then added ones */
  GPtrArray           *added_leads;      /* CbSimLeadPriv added by command, owned */
  GPtrArray           *sets;             /* CbSimLeadSet, owned; [0] holds the generated leads */
  guint                set_rotor;        /* sets of equal priority take turns */
  CbSimAttemptLimit    limits[CB_SIM_MAX_ATTEMPT_LIMITS];
  guint                n_limits;
  /* The campaign's schedule, in its own zone; no zone: always open. */
  GTimeZone           *schedule_tz;
  GArray              *schedule_windows; /* CbSimScheduleWindow */
  guint                schedule_start_date;
  guint                schedule_end_date;
  GArray              *schedule_exclude; /* guint YYYYMMDD */
  gint64               schedule_minute;  /* the minute schedule_open was computed for */
  gboolean             schedule_open;
  CbSimDropBucket      buckets[CB_SIM_MAX_DROP_BUCKETS];
  guint                n_buckets;
  double               idle_ema;
  guint                dials_since_tick;
  gboolean             starved;          /* wanted a line since the last tick, had no lead */
  GArray              *level_history;    /* CbSimLevelPoint */
  CbSimRetryRule       retry[CB_SIM_N_DISPOSITIONS];   /* from the config; changed by command */
};

typedef enum
{
  CB_SIM_EV_DAY_ROLLOVER,
  CB_SIM_EV_ARRIVAL,            /* index: queue */
  CB_SIM_EV_REPEAT_ARRIVAL,     /* ptr: CbSimRepeat, owned */
  CB_SIM_EV_ABANDON,            /* ptr: call; token: patience token */
  CB_SIM_EV_RING_ANSWER,        /* ptr: call; token: call token */
  CB_SIM_EV_RING_TIMEOUT,
  CB_SIM_EV_HOLD_START,
  CB_SIM_EV_HOLD_END,
  CB_SIM_EV_TALK_END,
  CB_SIM_EV_LINGER_END,         /* ptr: call */
  CB_SIM_EV_WRAP_END,           /* index: agent; token: agent token */
  CB_SIM_EV_PAUSE_END,
  CB_SIM_EV_PREVIEW_END,
  CB_SIM_EV_SHIFT_START,        /* index: agent */
  CB_SIM_EV_SHIFT_END,          /* index: agent; token: session */
  CB_SIM_EV_PAUSE_TRIGGER,      /* index: agent; token: session; aux: reason */
  CB_SIM_EV_PACER,              /* index: campaign */
  CB_SIM_EV_DIAL_RESULT,        /* ptr: call; token: call token */
  CB_SIM_EV_CONNECT_TIMEOUT,
} CbSimEventKind;

typedef struct
{
  gint64   at_ms;
  guint64  seq;
  guint16  kind;
  guint16  aux;
  guint32  index;
  guint32  token;
  gpointer ptr;
} CbSimEvent;

typedef struct
{
  char   number[CB_SIM_NUMBER_SIZE];
  char   previous[CB_SIM_ID_SIZE];
  guint  queue;
} CbSimRepeat;

typedef struct
{
  guint           id;
  CbSimChangeFunc func;
  gpointer        user_data;
  GDestroyNotify  destroy;
} CbSimListener;

struct _CbSimEngine
{
  GObject             parent_instance;

  CbSimConfig         config;
  GTimeZone          *tz;
  CbSimRandom         rng;             /* everything that happens */
  CbSimRandom         setup_rng;       /* names, skills, shifts, leads */

  gint64              now;
  gint64              day_start;
  gint64              day_end;
  gboolean            advancing;
  guint               emitting;

  GArray             *events;          /* CbSimEvent binary min-heap */
  guint64             event_seq;
  guint64             n_events;

  CbSimAgentPriv     *agents;
  guint               n_agents;
  CbSimQueuePriv     *queues;
  guint               n_queues;
  CbSimCampaignPriv  *campaigns;
  guint               n_campaigns;
  CbSimTeam          *teams;
  char              **team_names;
  guint               n_teams;
  guint               reason_missed;
  guint               reason_after_call;

  GHashTable         *agent_by_id;
  GHashTable         *queue_by_id;
  GHashTable         *campaign_by_id;
  GHashTable         *lead_by_id;
  GHashTable         *live_calls;      /* id → CbSimCallPriv, borrowed from live */
  GQueue              live;            /* live calls in creation order; owns a reference each */
  CbSimCallPriv     **history;         /* ring of ended calls; owns a reference each */
  guint               history_head;
  guint               history_len;
  guint64             history_total;
  GHashTable         *history_by_id;
  guint64             call_serial;

  GArray             *listeners;
  guint               next_listener_id;
  gboolean            listeners_dirty;

  GHashTable         *number_attempts; /* phone number → GArray gint64 of dial instants */
  CbSimDialCheckFunc  dial_check;
  gpointer            dial_check_data;
};

/* cb-sim-engine.c */
void            _cb_sim_schedule           (CbSimEngine       *self,
                                            gint64             at_ms,
                                            CbSimEventKind     kind,
                                            guint32            index,
                                            guint32            token,
                                            gpointer           ptr,
                                            guint16            aux);
void            _cb_sim_schedule_call      (CbSimEngine       *self,
                                            gint64             at_ms,
                                            CbSimEventKind     kind,
                                            CbSimCallPriv     *call,
                                            guint32            token);
void            _cb_sim_touch_agent        (CbSimEngine       *self,
                                            CbSimAgentPriv    *agent);
void            _cb_sim_touch_queue        (CbSimEngine       *self,
                                            CbSimQueuePriv    *queue);
void            _cb_sim_touch_call         (CbSimEngine       *self,
                                            CbSimCallPriv     *call);
void            _cb_sim_touch_campaign     (CbSimEngine       *self,
                                            CbSimCampaignPriv *campaign);
void            _cb_sim_touch_lead         (CbSimEngine       *self,
                                            CbSimLeadPriv     *lead);
gint64          _cb_sim_local_midnight     (CbSimEngine       *self,
                                            gint64             t_ms,
                                            int                day_delta);
void            _cb_sim_agent_set_state    (CbSimEngine       *self,
                                            CbSimAgentPriv    *agent,
                                            CbSimAgentState    state,
                                            guint              reason);
void            _cb_sim_agent_set_call     (CbSimEngine       *self,
                                            CbSimAgentPriv    *agent,
                                            CbSimCallPriv     *call);
void            _cb_sim_agent_free         (CbSimEngine       *self,
                                            CbSimAgentPriv    *agent,
                                            gboolean           after_call);
void            _cb_sim_agent_pause        (CbSimEngine       *self,
                                            CbSimAgentPriv    *agent,
                                            guint              reason);
CbSimCallPriv  *_cb_sim_call_new           (CbSimEngine       *self,
                                            CbSimDirection     direction);
void            _cb_sim_call_set_state     (CbSimEngine       *self,
                                            CbSimCallPriv     *call,
                                            CbSimCallState     state);
void            _cb_sim_call_connect       (CbSimEngine       *self,
                                            CbSimCallPriv     *call,
                                            CbSimAgentPriv    *agent);
void            _cb_sim_call_leg_done      (CbSimEngine       *self,
                                            CbSimCallPriv     *call);
void            _cb_sim_call_hangup        (CbSimEngine       *self,
                                            CbSimCallPriv     *call);
void            _cb_sim_call_finish        (CbSimEngine       *self,
                                            CbSimCallPriv     *call);
CbSimCallPriv  *_cb_sim_call_ref           (CbSimCallPriv     *call);
void            _cb_sim_call_unref         (CbSimCallPriv     *call);

/* cb-sim-inbound.c */
void            _cb_sim_inbound_setup      (CbSimEngine       *self);
void            _cb_sim_inbound_start      (CbSimEngine       *self);
void            _cb_sim_inbound_dispatch   (CbSimEngine       *self,
                                            const CbSimEvent  *event);
void            _cb_sim_inbound_talk_end   (CbSimEngine       *self,
                                            CbSimCallPriv     *call);
void            _cb_sim_inbound_agent_available (CbSimEngine  *self,
                                                 CbSimAgentPriv *agent);
void            _cb_sim_queue_heap_insert  (CbSimQueuePriv    *queue,
                                            CbSimSkillSlot    *slot);
void            _cb_sim_queue_heap_remove  (CbSimQueuePriv    *queue,
                                            CbSimSkillSlot    *slot);
void            _cb_sim_queue_reset_day    (CbSimQueuePriv    *queue);

/* cb-sim-dialer.c */
void            _cb_sim_dialer_setup       (CbSimEngine       *self);
void            _cb_sim_dialer_start       (CbSimEngine       *self);
void            _cb_sim_dialer_finalize    (CbSimEngine       *self);
void            _cb_sim_dialer_dispatch    (CbSimEngine       *self,
                                            const CbSimEvent  *event);
void            _cb_sim_dialer_talk_end    (CbSimEngine       *self,
                                            CbSimCallPriv     *call);
void            _cb_sim_dialer_agent_ready (CbSimEngine       *self,
                                            CbSimAgentPriv    *agent);
void            _cb_sim_dialer_reset_day   (CbSimCampaignPriv *campaign);
void            _cb_sim_dialer_pace        (CbSimEngine       *self,
                                            CbSimCampaignPriv *campaign);

G_END_DECLS
