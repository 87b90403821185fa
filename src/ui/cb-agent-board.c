/* cb-agent-board.c — every agent, their state and how long they have been in it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkColumnView over the store's agent model, declared in
 * cb-agent-board.ui: agents → GtkFilterListModel (team, queue, state,
 * search on name and extension) → GtkSortListModel (its sorter bound to the
 * column view's) → GtkSingleSelection. Cells are plain labels recycled by
 * one GtkSignalListItemFactory per column; the board keeps the set of bound
 * cells, which is what is on screen (plus GTK's small margin), and only
 * those are ever updated.
 *
 * Updates are coalesced to the frame clock: a change of any model behind
 * the board (agents, teams, queues, campaigns, pause reasons, calls) only
 * marks it dirty and asks for one tick callback. There the agents reach the
 * filter and sort models (through a CbFrameListModel: each agent that
 * changed once, however often it did), then the bound cells, the count and
 * the actions are brought up to date. One one-second timer for the whole
 * board asks for that tick while it is mapped, so the durations (time in
 * state, current call) tick; nothing is done while it is not mapped. Durations are the backend's now (cb_store_get_server_now ()) minus
 * the entity's instants, never the local clock alone; when the store is not
 * live they stop at the instant the data is current as of and the board is
 * dimmed (style class `stale`).
 *
 * The time in state climbs a colour ladder per state: amber, then red, past
 * the thresholds of the `agent-state-thresholds` setting. For a pause whose
 * reason has a `max_duration_s` (docs/protocol.md §10.13) red starts at that
 * limit and amber as long before it as the setting's amber is before its red.
 *
 * Supervisor actions on the selected agent (`agent.pause`, `agent.resume`,
 * `agent.log-out`, §9.2) are widget actions enabled from
 * cb_agent_board_actions_update () by the agent's state and the
 * `agents.control` permission; each ends in a toast saying what happened:
 * done, done after the call's wrap-up (`pending`), or why it was refused;
 * the latest outcome replaces the toast shown.
 *
 * The wallboard page holds one (its `store` bound to the page's); a
 * template that names CbAgentBoard needs g_type_ensure (CB_TYPE_AGENT_BOARD)
 * in its class_init, since the type is in a static library.
 */
#define G_LOG_DOMAIN "cb-agent-board"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-agent-board.h"
#include "cb-frame-list-model.h"
#include "cb-slot-list-model.h"
#include "cb-ui-types.h"

enum {
  PROP_0,
  PROP_STORE,
  PROP_CONTROLS_VISIBLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The least time between two reorderings of the rows. */
#define REORDER_MS 1000

typedef enum
{
  COL_NAME,
  COL_TEAM,
  COL_STATE,
  COL_REASON,
  COL_TIME,
  COL_WORK,
  COL_CALL,
  N_COLS
} Column;

/* In the order of the template, and of cb_agent_board_sort_by (). */
static const char * const column_ids[N_COLS] = {
  "name", "team", "state", "reason", "time", "work", "call",
};

typedef struct
{
  const char *id;
  const char *label;   /* context "agent state" */
  const char *css;
} StateInfo;

/* In the order a supervisor reads the floor; sorting by state follows it. */
static const StateInfo states[] = {
  { "available",  NC_("agent state", "Available"),  "state-available" },
  { "ringing",    NC_("agent state", "Ringing"),    "state-ringing" },
  { "on_call",    NC_("agent state", "On call"),    "state-on-call" },
  { "on_hold",    NC_("agent state", "On hold"),    "state-on-hold" },
  { "wrap_up",    NC_("agent state", "Wrap-up"),    "state-wrap-up" },
  { "paused",     NC_("agent state", "Paused"),     "state-paused" },
  { "logged_out", NC_("agent state", "Logged out"), "state-logged-out" },
};
#define N_STATES G_N_ELEMENTS (states)

/* The state dropdown: "All states", "Logged in", then every state. */
#define STATE_FILTER_ALL       0
#define STATE_FILTER_LOGGED_IN 1
#define STATE_FILTER_FIRST     2

struct _CbAgentBoard
{
  GtkWidget parent_instance;

  /* template widgets */
  AdwToastOverlay     *toast_overlay;
  GtkWidget           *box;
  GtkLabel            *count_label;
  GtkLabel            *empty_label;
  GtkSearchEntry      *search_entry;
  GtkDropDown         *team_dropdown;
  GtkDropDown         *queue_dropdown;
  GtkDropDown         *state_dropdown;
  GtkWidget           *action_box;
  GtkStringList       *team_names;
  GtkStringList       *queue_names;
  GtkStringList       *state_names;
  GtkMenuButton       *pause_button;
  GtkColumnView       *column_view;
  GtkSingleSelection  *selection;
  GtkFilterListModel  *filter_model;
  GtkCustomFilter     *filter;
  GMenu               *pause_menu;
  GtkColumnViewColumn *columns[N_COLS];

  /* owned references */
  CbStore             *store;
  CbFrameListModel    *rows;           /* the agents, as of the last frame */
  CbSlotListModel     *slots;          /* the view's rows, which stay while agents move */
  CbEntity            *selected;       /* the agent selected, whose slot the selection follows */
  CbEntityModel       *agents;
  CbEntityModel       *teams;
  CbEntityModel       *queues;
  CbEntityModel       *campaigns;
  CbEntityModel       *reasons;
  CbEntityModel       *calls;
  GSignalGroup        *store_signals;
  GSignalGroup        *agent_signals;
  GSignalGroup        *team_signals;
  GSignalGroup        *queue_signals;
  GSignalGroup        *campaign_signals;
  GSignalGroup        *reason_signals;
  GSignalGroup        *call_signals;
  GSettings           *settings;
  GCancellable        *cancellable;
  GHashTable          *bound;          /* GtkListItem → CellFlags: the cells bound to an agent */
  GHashTable          *collate_keys;   /* text → its collation key */
  GHashTable          *sort_keys;      /* CbEntity → SortKey, until the agent changes */
  guint                filter_serial;  /* counts the filters set: a SortKey's verdict is for one */
  GPtrArray           *team_ids;       /* by dropdown position; [0] NULL = all */
  GPtrArray           *queue_ids;

  /* filters */
  char                *team_filter;
  char                *queue_filter;
  char                *state_filter;   /* a state, "logged_in", or NULL */
  char                *search_folded;

  guint                thresholds[N_STATES][2];  /* amber, red (s); 0 = none */
  char                *count_text;
  guint                tick_id;
  guint                second_id;
  guint                reorder_id;     /* the rows move between frames: on_reorder () */
  GdkFrameClock       *clock;          /* while mapped: its layout phase shows what came into view */
  gulong               layout_id;
  gboolean             all_cells;    /* every column of every row, at the next refresh */
  GHashTable          *campaign_names; /* id → name, as the rows last showed them */
  GHashTable          *changed;      /* agents changed since the last refresh (pointers only) */
  gint64               fixed_now;
  int                  can_control;    /* -1: ask the store */
  gboolean             dirty;
  gboolean             following;      /* the slots change under the selection */
  gboolean             stale;
  gboolean             syncing_dropdowns;
};

G_DEFINE_FINAL_TYPE (CbAgentBoard, cb_agent_board, GTK_TYPE_WIDGET)

/* A bound cell's state (the values of self->bound). */
typedef enum
{
  CELL_CURRENT = 1,   /* shows its agent as of the last update */
  CELL_STALE,         /* out of view when its agent changed, or just bound */
} CellFlags;

/* What the board knows of a bound cell, so that the look at every cell in
 * each frame asks GTK nothing. */
typedef struct
{
  CellFlags flags;
  guint     column;     /* a Column */
  guint     position;   /* its slot's, which it keeps while bound */
  gboolean  drawn;      /* as last set by cb_widget_set_drawn () */
  gint64    next;       /* a duration: the server ms its text next changes */
} Cell;

static GQuark column_quark;
static GQuark class_quark;
static GQuark level_quark;
static GQuark item_quark;    /* a time cell's label → its GtkListItem */
static GQuark markup_quark;  /* a name cell → the markup it was given */

static void refresh (CbAgentBoard *self,
                     gboolean      in_frame);

/* The agent whose row @item is in: a row is a slot, which shows the agent
 * at its position (cb-slot-list-model.c). */
static CbEntity *
cell_agent (CbAgentBoard *self,
            GtkListItem  *item)
{
  CbSlot *slot = gtk_list_item_get_item (item);

  if (slot == NULL || self->slots == NULL)
    return NULL;
  return cb_slot_list_model_get_source_item (self->slots, cb_slot_get_position (slot));
}

/* ---- helpers ---------------------------------------------------------- */

static int
state_index (const char *state)
{
  if (state == NULL)
    return -1;
  for (guint i = 0; i < N_STATES; i++)
    if (g_str_equal (states[i].id, state))
      return (int) i;
  return -1;
}

/* The length, in characters, of the longest state's name as translated. */
static int
longest_state_label (void)
{
  static int longest;

  if (longest == 0)
    for (guint i = 0; i < N_STATES; i++)
      longest = MAX (longest, (int) g_utf8_strlen (g_dpgettext2 (GETTEXT_PACKAGE, "agent state",
                                                                  states[i].label), -1));
  return longest;
}

static const char *
state_label (const char *state)
{
  int i = state_index (state);

  if (i < 0)
    return state != NULL ? state : "—";
  return g_dpgettext2 (GETTEXT_PACKAGE, "agent state", states[i].label);
}

static gboolean
is_in_call (const char *state)
{
  return g_strcmp0 (state, "ringing") == 0 || g_strcmp0 (state, "on_call") == 0
         || g_strcmp0 (state, "on_hold") == 0 || g_strcmp0 (state, "wrap_up") == 0;
}

/* Durations as m:ss, or h:mm:ss from an hour on. */
static char *
format_duration (gint64 ms)
{
  gint64 s = MAX (ms, 0) / 1000;

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60),
                            (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

static gint64
current_now (CbAgentBoard *self)
{
  if (self->fixed_now > 0)
    return self->fixed_now;
  if (self->store != NULL)
    {
      gint64 as_of = cb_store_get_as_of (self->store);

      /* Stale data is described as of when it was current. */
      if (self->stale && as_of > 0)
        return as_of;
      return cb_store_get_server_now (self->store);
    }
  return g_get_real_time () / 1000;
}

static CbEntity *
lookup (CbEntityModel *model,
        const char    *id)
{
  if (model == NULL || id == NULL)
    return NULL;
  return cb_entity_model_lookup (model, id);
}

static const char *
entity_name (CbEntityModel *model,
             const char    *id,
             const char    *member)
{
  CbEntity *entity = lookup (model, id);
  const char *name = entity != NULL ? cb_entity_get_string (entity, member) : NULL;

  return name != NULL ? name : id;
}

/* Every team of the agent by name, "North, South". */
static char *
describe_teams (CbAgentBoard *self,
                CbEntity     *agent)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const CbJsonValue *element;
  CbJsonIter iter;

  cb_json_iter_init (&iter, cb_entity_get_array (agent, "team_ids"));
  while (cb_json_iter_next (&iter, NULL, &element))
    {
      const char *id = cb_json_value_get_string (element);

      if (id == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, entity_name (self->teams, id, "name"));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The campaign the agent works, else the queues they serve. */
static char *
describe_work (CbAgentBoard *self,
               CbEntity     *agent)
{
  const char *campaign_id = cb_entity_get_string (agent, "campaign_id");
  g_autoptr(GString) text = NULL;
  const CbJsonValue *element;
  CbJsonIter iter;

  if (campaign_id != NULL)
    return g_strdup (entity_name (self->campaigns, campaign_id, "name"));

  text = g_string_new (NULL);
  cb_json_iter_init (&iter, cb_entity_get_array (agent, "queue_ids"));
  while (cb_json_iter_next (&iter, NULL, &element))
    {
      const char *id = cb_json_value_get_string (element);

      if (id == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, entity_name (self->queues, id, "name"));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static const char *
reason_label (CbAgentBoard *self,
              const char   *code)
{
  return code != NULL ? entity_name (self->reasons, code, "label") : NULL;
}

/* The reason column: why the agent is paused, or what they will do once the
 * call's wrap-up ends. */
static char *
describe_reason (CbAgentBoard *self,
                 CbEntity     *agent)
{
  const CbJsonValue *pending = cb_entity_get_object (agent, "pending");

  if (pending != NULL)
    {
      const char *state = cb_json_value_lookup_string (pending, "state");
      const char *code = cb_json_value_lookup_string (pending, "reason_code");

      if (g_strcmp0 (state, "paused") == 0)
        /* Translators: the agent board's reason column; a pause requested during a call,
         * effective after its wrap-up; %s is the pause reason, such as "Lunch" */
        return g_strdup_printf (_("Pausing after the call: %s"),
                                code != NULL ? reason_label (self, code) : "—");
      if (g_strcmp0 (state, "logged_out") == 0)
        /* Translators: the agent board's reason column; a log-out requested during a call */
        return g_strdup (_("Logging out after the call"));
    }

  if (g_strcmp0 (cb_entity_get_string (agent, "state"), "paused") == 0)
    return g_strdup (reason_label (self, cb_entity_get_string (agent, "pause_reason")));
  return NULL;
}

/* The current call: since it was answered, up to its end while the agent
 * wraps it up; -1 when there is none or it is not answered yet. */
static gint64
call_duration (CbAgentBoard *self,
               CbEntity     *agent,
               gint64        now,
               gboolean     *running)
{
  CbEntity *call;
  gint64 answered, ended;

  *running = FALSE;
  if (!is_in_call (cb_entity_get_string (agent, "state")))
    return -1;
  call = lookup (self->calls, cb_entity_get_string (agent, "call_id"));
  if (call == NULL)
    return -1;
  answered = cb_entity_get_int (call, "answered_at", 0);
  if (answered <= 0)
    return -1;
  ended = cb_entity_get_int (call, "ended_at", 0);
  *running = ended <= 0;
  return MAX ((ended > 0 ? ended : now) - answered, 0);
}

static gint64
call_answered_at (CbAgentBoard *self,
                  CbEntity     *agent)
{
  CbEntity *call;

  if (!is_in_call (cb_entity_get_string (agent, "state")))
    return 0;
  call = lookup (self->calls, cb_entity_get_string (agent, "call_id"));
  return call != NULL ? cb_entity_get_int (call, "answered_at", 0) : 0;
}

/* @threshold_s: (out) (optional): the threshold passed, in seconds */
static CbAgentLevel
level_at (CbAgentBoard *self,
          CbEntity     *agent,
          gint64        now,
          gint64       *threshold_s)
{
  const char *state = cb_entity_get_string (agent, "state");
  gint64 since = cb_entity_get_int (agent, "state_since", 0);
  int i = state_index (state);
  gint64 amber, red, elapsed_s;

  if (threshold_s != NULL)
    *threshold_s = 0;
  if (i < 0 || since <= 0)
    return CB_AGENT_LEVEL_NONE;

  amber = self->thresholds[i][0];
  red = self->thresholds[i][1];
  if (g_str_equal (state, "paused"))
    {
      CbEntity *reason = lookup (self->reasons, cb_entity_get_string (agent, "pause_reason"));
      gint64 max = reason != NULL ? cb_entity_get_int (reason, "max_duration_s", 0) : 0;

      if (max > 0)
        {
          gint64 gap = red > amber && amber > 0 ? red - amber : max / 3;

          red = max;
          amber = max > gap ? max - gap : max * 2 / 3;
        }
    }

  elapsed_s = (now - since) / 1000;
  if (red > 0 && elapsed_s >= red)
    {
      if (threshold_s != NULL)
        *threshold_s = red;
      return CB_AGENT_LEVEL_CRITICAL;
    }
  if (amber > 0 && elapsed_s >= amber)
    {
      if (threshold_s != NULL)
        *threshold_s = amber;
      return CB_AGENT_LEVEL_WARNING;
    }
  return CB_AGENT_LEVEL_NONE;
}

/* Keeps one style class from a family on @widget (the family's slot is @quark). */
static void
set_class (GtkWidget  *widget,
           GQuark      quark,
           const char *css)
{
  const char *old = g_object_get_qdata (G_OBJECT (widget), quark);

  css = css != NULL ? g_intern_string (css) : NULL;
  if (old == css)
    return;
  if (old != NULL)
    gtk_widget_remove_css_class (widget, old);
  if (css != NULL)
    gtk_widget_add_css_class (widget, css);
  g_object_set_qdata (G_OBJECT (widget), quark, (gpointer) css);
}

static void
set_text (GtkLabel   *label,
          const char *text)
{
  if (g_strcmp0 (gtk_label_get_label (label), text != NULL ? text : "") != 0)
    gtk_label_set_label (label, text != NULL ? text : "");
}

/* A cell's text. The cells are inscriptions, whose size does not depend
 * on their text: a new text only redraws them, where a label's would make
 * GTK measure the whole window again. */
static void
set_cell_text (GtkWidget  *cell,
               const char *text)
{
  if (g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (cell)), text) != 0)
    gtk_inscription_set_text (GTK_INSCRIPTION (cell), text);
}

static Column
item_column (GtkListItem *item)
{
  return GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (item), column_quark)) - 1;
}

static void
update_cell (CbAgentBoard *self,
             GtkListItem  *item,
             Cell         *info,
             gint64        now)
{
  CbEntity *agent = cb_slot_list_model_get_source_item (self->slots, info->position);
  GtkWidget *cell = gtk_list_item_get_child (item);
  g_autofree char *text = NULL;
  gint64 next = 0;

  if (agent == NULL || cell == NULL)
    return;

  switch ((Column) info->column)
    {
    case COL_NAME:
      {
        const char *name = cb_entity_get_string (agent, "name");
        const char *extension = cb_entity_get_string (agent, "extension");

        if (extension != NULL)
          text = g_markup_printf_escaped ("%s  <span alpha=\"55%%\" font_features=\"tnum\">%s"
                                          "</span>",
                                          name != NULL ? name : cb_entity_get_id (agent),
                                          extension);
        else
          text = g_markup_escape_text (name != NULL ? name : cb_entity_get_id (agent), -1);
        /* The markup last set: an inscription keeps only its text. */
        if (g_strcmp0 (g_object_get_qdata (G_OBJECT (cell), markup_quark), text) != 0)
          {
            gtk_inscription_set_markup (GTK_INSCRIPTION (cell), text);
            g_object_set_qdata_full (G_OBJECT (cell), markup_quark, g_steal_pointer (&text), g_free);
          }
        return;
      }

    case COL_TEAM:
      text = describe_teams (self, agent);
      break;

    case COL_STATE:
      {
        const char *state = cb_entity_get_string (agent, "state");
        int i = state_index (state);

        set_cell_text (cell, state_label (state));
        set_class (cell, class_quark, i >= 0 ? states[i].css : NULL);
        return;
      }

    case COL_REASON:
      text = describe_reason (self, agent);
      break;

    case COL_TIME:
      {
        gint64 since = cb_entity_get_int (agent, "state_since", 0);
        static const char * const levels[] = { NULL, "level-warning", "level-critical" };
        CbAgentLevel level = level_at (self, agent, now, NULL);

        text = since > 0 ? format_duration (now - since) : g_strdup ("—");
        /* The text and the level (thresholds are whole seconds) change
         * next when the next whole second in the state is reached. */
        next = since > 0 ? since + (MAX (now - since, 0) / 1000 + 1) * 1000 : G_MAXINT64;
        /* Its tooltip, which threshold was passed, is made when asked for
         * (on_time_query_tooltip ()): setting a tooltip makes GTK ask the X
         * server where the pointer is, a round trip per changed row. */
        set_class (cell, level_quark, levels[level]);
      }
      break;

    case COL_WORK:
      text = describe_work (self, agent);
      break;

    case COL_CALL:
      {
        gboolean running;
        gint64 duration = call_duration (self, agent, now, &running);

        text = duration >= 0 ? format_duration (duration) : NULL;
        /* A call not (yet) found or answered is looked at every frame. */
        if (duration < 0)
          next = is_in_call (cb_entity_get_string (agent, "state")) ? 0 : G_MAXINT64;
        else
          next = running ? now + 1000 - duration % 1000 : G_MAXINT64;
      }
      break;

    case N_COLS:
    default:
      g_assert_not_reached ();
    }

  info->next = MAX (next, 0);
  set_cell_text (cell, text);
}

/* Whether a duration cell shows another second at @now: its next second
 * has come, or the clock went back before the one it shows (the server's
 * clock corrected). */
static gboolean
duration_due (const Cell *info,
              gint64      now)
{
  return now >= info->next || (info->next != G_MAXINT64 && now < info->next - 1000);
}

/* The positions of the rows in view, [*first, *last]: rows are as tall as
 * each other, and the adjustment is the height of them all. Before the
 * column view is laid out, all of them. */
static void
rows_in_view (CbAgentBoard *self,
              guint        *first,
              guint        *last)
{
  GtkAdjustment *vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->column_view));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  double upper = gtk_adjustment_get_upper (vadj), page = gtk_adjustment_get_page_size (vadj);
  double row, value = gtk_adjustment_get_value (vadj);

  *first = 0;
  *last = G_MAXUINT;
  if (n == 0 || upper <= 0 || page <= 0)
    return;
  row = upper / n;
  *first = (guint) MAX (0, floor (value / row));
  *last = (guint) MAX (0, floor ((value + page - 1) / row));
}

/* The cells in view, and only those, are drawn and kept up to date. GTK
 * 4.8's column view keeps some 200 rows bound, whatever it shows, and its
 * cairo renderer draws all of them every frame anything changes: the 30
 * rows one sees are a seventh of that. A cell out of view is unmapped and
 * marked stale when its agent changes; it is brought up to date when it
 * comes into view: at the update after a reorder or a scroll, or at the
 * latest after GTK laid the rows out, before it is drawn (on_layout ()).
 *
 * Updated: every cell (@all), or those stale, those of the agents that
 * changed (self->changed), and the durations whose shown second has
 * passed (Cell.next): most frames, a handful. */
static void
update_cells (CbAgentBoard *self,
              gboolean      all)
{
  gint64 now = current_now (self);
  GHashTableIter iter;
  gpointer item, value;
  guint first, last;

  /* By position: a row bound anew knows where it goes before GTK lays it
   * out there. */
  rows_in_view (self, &first, &last);
  g_hash_table_iter_init (&iter, self->bound);
  while (g_hash_table_iter_next (&iter, &item, &value))
    {
      Cell *info = value;
      gpointer agent = cb_slot_list_model_get_source_item (self->slots, info->position);
      gboolean due, in_view;

      if (agent == NULL)
        continue;
      due = all || info->flags == CELL_STALE || g_hash_table_contains (self->changed, agent)
            || ((info->column == COL_TIME || info->column == COL_CALL) && duration_due (info, now));
      in_view = info->position >= first && info->position <= last;
      if (info->drawn != in_view)
        {
          GtkWidget *cell = gtk_list_item_get_child (item);

          if (cell == NULL)
            continue;
          cb_widget_set_drawn (cell, in_view);
          info->drawn = in_view;
        }
      if (!due)
        continue;
      if (in_view)
        update_cell (self, item, info, now);
      info->flags = in_view ? CELL_CURRENT : CELL_STALE;
    }
}

/* The cells due: every one (all_cells), or those of the agents that
 * changed, the stale ones and the durations due. */
static void
update_changed_cells (CbAgentBoard *self)
{
  update_cells (self, self->all_cells);
  self->all_cells = FALSE;
  g_hash_table_remove_all (self->changed);
}

/* After GTK laid the rows out, before they are drawn: the cells that came
 * into view in between (a kinetic scroll moves in its own tick) show what
 * is current. */
static void
on_layout (GdkFrameClock *clock,
           CbAgentBoard  *self)
{
  update_changed_cells (self);
}

static void
update_count (CbAgentBoard *self)
{
  guint total = self->agents != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->agents)) : 0;
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  g_autofree char *text = NULL;

  if (shown == total)
    /* Translators: the agent board's count when no filter hides anyone */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u agent", "%u agents", total), total);
  else
    /* Translators: the agent board's count, "42 of 120 agents": shown of all */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u agent", "%u of %u agents",
                                         total),
                            shown, total);

  if (g_strcmp0 (text, self->count_text) != 0)
    {
      g_free (self->count_text);
      self->count_text = g_steal_pointer (&text);
      gtk_label_set_label (self->count_label, self->count_text);
    }

  /* An empty table says why it is empty. */
  if (total == 0)
    set_text (self->empty_label, _("No agents yet"));
  else if (shown == 0)
    set_text (self->empty_label, _("No agent matches the filters"));
  if (gtk_widget_get_visible (GTK_WIDGET (self->empty_label)) != (shown == 0))
    gtk_widget_set_visible (GTK_WIDGET (self->empty_label), shown == 0);
}

static void
update_stale (CbAgentBoard *self)
{
  gboolean stale = self->store != NULL && cb_store_get_state (self->store) != CB_CONNECTION_LIVE;

  /* The durations' clock changes (to as of when the data is current). */
  if (stale != self->stale)
    self->all_cells = TRUE;
  self->stale = stale;
  if (stale)
    gtk_widget_add_css_class (GTK_WIDGET (self), "stale");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "stale");
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  CbAgentBoard *self = CB_AGENT_BOARD (widget);

  self->tick_id = 0;
  refresh (self, TRUE);
  return G_SOURCE_REMOVE;
}

/* Many events, one update: the next frame does it. */
static void
mark_dirty (CbAgentBoard *self)
{
  self->dirty = TRUE;
  if (self->tick_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

static gboolean
on_second (gpointer user_data)
{
  CbAgentBoard *self = user_data;

  /* Stale durations stand still at the time the data is current as of.
   * Widgets change only from the frame clock: this just asks for a frame,
   * in which the durations whose second has passed tick. Every cell is
   * looked at again when a team, queue, campaign or reason is renamed. */
  if (!self->stale)
    mark_dirty (self);
  return G_SOURCE_CONTINUE;
}

/* ---- thresholds -------------------------------------------------------- */

static void
load_thresholds (CbAgentBoard *self)
{
  g_autoptr(GVariant) value = g_settings_get_value (self->settings, "agent-state-thresholds");
  GVariantIter iter;
  const char *state;
  guint amber, red;

  memset (self->thresholds, 0, sizeof self->thresholds);
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "{&s(uu)}", &state, &amber, &red))
    {
      int i = state_index (state);

      if (i < 0)
        continue;
      self->thresholds[i][0] = amber;
      self->thresholds[i][1] = red;
    }
}

static void
on_thresholds_changed (CbAgentBoard *self)
{
  load_thresholds (self);
  /* Every cell: the durations' levels change now, not at their next second. */
  update_cells (self, TRUE);
}

/* ---- filters and sorters ----------------------------------------------- */

static gboolean
contains_folded (const char *haystack,
                 const char *needle_folded)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle_folded) != NULL;
}

static gboolean filter_agent (gpointer item,
                              gpointer user_data);

static gboolean
match_agent (CbAgentBoard *self,
             CbEntity     *agent)
{
  if (self->team_filter != NULL && !cb_entity_has_in_array (agent, "team_ids", self->team_filter))
    return FALSE;
  if (self->queue_filter != NULL
      && !cb_entity_has_in_array (agent, "queue_ids", self->queue_filter))
    return FALSE;
  if (self->state_filter != NULL)
    {
      const char *state = cb_entity_get_string (agent, "state");

      if (g_str_equal (self->state_filter, "logged_in"))
        {
          if (state == NULL || g_str_equal (state, "logged_out"))
            return FALSE;
        }
      else if (g_strcmp0 (state, self->state_filter) != 0)
        return FALSE;
    }
  if (self->search_folded != NULL
      && !contains_folded (cb_entity_get_string (agent, "name"), self->search_folded)
      && !contains_folded (cb_entity_get_string (agent, "extension"), self->search_folded))
    return FALSE;
  return TRUE;
}

/* With no filter set the custom filter has no function, so it matches
 * everything and the filter model passes changes through instead of
 * looking at every row of each. */
static void
filter_changed (CbAgentBoard *self)
{
  gboolean any = self->team_filter != NULL || self->queue_filter != NULL || self->state_filter != NULL
                 || self->search_folded != NULL;

  /* The verdicts kept are for the filters before. */
  self->filter_serial++;
  if (any)
    gtk_custom_filter_set_filter_func (self->filter, filter_agent, self, NULL);
  else
    gtk_custom_filter_set_filter_func (self->filter, NULL, NULL, NULL);
  mark_dirty (self);
}

static int
cmp_int (gint64 a,
         gint64 b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

/* Collation keys by string, so sorting 2,000 agents a frame compares bytes,
 * not normalized copies. Few distinct strings: names, teams, queues, reasons.
 * Numbers go by their value, as people read them: "Agent 2", "Agent 10". */
static const char *
collate_key (CbAgentBoard *self,
             const char   *text)
{
  const char *key = g_hash_table_lookup (self->collate_keys, text);

  if (key == NULL)
    {
      key = g_utf8_collate_key_for_filename (text, -1);
      g_hash_table_insert (self->collate_keys, g_strdup (text), (gpointer) key);
    }
  return key;
}

/* What every sort compares, and the filter's verdict, read once per agent
 * and kept until it changes (on_agent_model_changed ()): a reorder of a
 * busy floor puts nearly every agent back by binary search, some 20
 * comparisons each, and the filter model above looks at each again. */
typedef struct _SortKey
{
  int         state;      /* index in states[], N_STATES if unknown */
  gint64      since;
  const char *name_key;   /* in collate_keys; NULL for no name */
  guint       verdict_serial;  /* the filters (filter_serial) the verdict is for; 0 for none */
  gboolean    verdict;
} SortKey;

static SortKey *
sort_key (CbAgentBoard *self,
          CbEntity     *agent)
{
  SortKey *key = g_hash_table_lookup (self->sort_keys, agent);

  if (key == NULL)
    {
      /* The three members in one pass over the agent; the last of a name
       * counts, as cb_json_value_get_member () has it. */
      const CbJsonValue *state_value = NULL, *name_value = NULL, *since_value = NULL;
      const char *member, *name;
      const CbJsonValue *value;
      CbJsonIter iter;
      int state;

      cb_json_iter_init (&iter, cb_entity_get_state (agent));
      while (cb_json_iter_next (&iter, &member, &value))
        if (g_str_equal (member, "state"))
          state_value = value;
        else if (g_str_equal (member, "name"))
          name_value = value;
        else if (g_str_equal (member, "state_since"))
          since_value = value;
      state = state_index (cb_json_value_get_string (state_value));
      name = cb_json_value_get_string (name_value);

      key = g_new0 (SortKey, 1);
      key->state = state < 0 ? (int) N_STATES : state;
      key->since = cb_json_value_get_int (since_value);
      key->name_key = name != NULL && *name != '\0' ? collate_key (self, name) : NULL;
      g_hash_table_insert (self->sort_keys, agent, key);
    }
  return key;
}

/* The filter, whose verdict is kept with the sort key until the agent or
 * the filters change. */
static gboolean
filter_agent (gpointer item,
              gpointer user_data)
{
  CbAgentBoard *self = user_data;
  SortKey *key = sort_key (self, item);

  if (key->verdict_serial != self->filter_serial)
    {
      key->verdict = match_agent (self, item);
      key->verdict_serial = self->filter_serial;
    }
  return key->verdict;
}

/* Between sorts: the caches do not grow without end. The sort keys point
 * into the collation keys, so they go together. */
static void
trim_sort_caches (CbAgentBoard *self)
{
  if (g_hash_table_size (self->collate_keys) <= 20000)
    return;
  g_hash_table_remove_all (self->sort_keys);
  g_hash_table_remove_all (self->collate_keys);
}

static int
cmp_text (CbAgentBoard *self,
          const char   *a,
          const char   *b)
{
  /* Empty sorts last, whichever way. */
  if (a == NULL || *a == '\0')
    return (b == NULL || *b == '\0') ? 0 : 1;
  if (b == NULL || *b == '\0')
    return -1;
  return strcmp (collate_key (self, a), collate_key (self, b));
}

/* Ties go by name, then id, so rows never swap places at random. */
static int
cmp_tie (CbAgentBoard *self,
         CbEntity     *a,
         CbEntity     *b)
{
  const char *ka = sort_key (self, a)->name_key, *kb = sort_key (self, b)->name_key;
  int r;

  /* Without a name last, whichever way; as cmp_text (). */
  if (ka == NULL || kb == NULL)
    r = ka == kb ? 0 : ka == NULL ? 1 : -1;
  else
    r = strcmp (ka, kb);
  return r != 0 ? r : g_strcmp0 (cb_entity_get_id (a), cb_entity_get_id (b));
}

static int
sort_by_name (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  return cmp_tie (user_data, (CbEntity *) a, (CbEntity *) b);
}

/* By the first team's name: what the column starts with. */
static int
sort_by_team (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  CbAgentBoard *self = user_data;
  const char *ia = cb_json_value_get_string (cb_json_value_get_element (cb_entity_get_array ((CbEntity *) a, "team_ids"), 0));
  const char *ib = cb_json_value_get_string (cb_json_value_get_element (cb_entity_get_array ((CbEntity *) b, "team_ids"), 0));
  int r = cmp_text (self, ia != NULL ? entity_name (self->teams, ia, "name") : NULL,
                    ib != NULL ? entity_name (self->teams, ib, "name") : NULL);

  return r != 0 ? r : cmp_tie (self, (CbEntity *) a, (CbEntity *) b);
}

static int
sort_by_state (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const SortKey *ka = sort_key (user_data, (CbEntity *) a);
  const SortKey *kb = sort_key (user_data, (CbEntity *) b);
  /* Within a state, the longest in it first. */
  int r = ka->state != kb->state ? cmp_int (ka->state, kb->state) : cmp_int (ka->since, kb->since);

  return r != 0 ? r : cmp_tie (user_data, (CbEntity *) a, (CbEntity *) b);
}

/* The reason shown: the pause's, or the one it will have after the call. */
static const char *
reason_key (CbAgentBoard *self,
            CbEntity     *agent)
{
  const CbJsonValue *pending = cb_entity_get_object (agent, "pending");
  const char *code = NULL;

  if (pending != NULL)
    code = cb_json_value_lookup_string (pending, "reason_code");
  else if (g_strcmp0 (cb_entity_get_string (agent, "state"), "paused") == 0)
    code = cb_entity_get_string (agent, "pause_reason");
  return reason_label (self, code);
}

static int
sort_by_reason (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  CbAgentBoard *self = user_data;
  int r = cmp_text (self, reason_key (self, (CbEntity *) a), reason_key (self, (CbEntity *) b));

  return r != 0 ? r : cmp_tie (self, (CbEntity *) a, (CbEntity *) b);
}

/* Ascending is the shortest time in state first: the latest state_since. */
static int
sort_by_time (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  int r = cmp_int (sort_key (user_data, (CbEntity *) b)->since, sort_key (user_data, (CbEntity *) a)->since);

  return r != 0 ? r : cmp_tie (user_data, (CbEntity *) a, (CbEntity *) b);
}

/* The campaign, else the first queue: what the column starts with. */
static const char *
work_key (CbAgentBoard *self,
          CbEntity     *agent)
{
  const char *campaign_id = cb_entity_get_string (agent, "campaign_id");
  const char *queue_id;

  if (campaign_id != NULL)
    return entity_name (self->campaigns, campaign_id, "name");
  queue_id = cb_json_value_get_string (cb_json_value_get_element (cb_entity_get_array (agent, "queue_ids"), 0));
  if (queue_id == NULL)
    return NULL;
  return entity_name (self->queues, queue_id, "name");
}

static int
sort_by_work (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  CbAgentBoard *self = user_data;
  int r = cmp_text (self, work_key (self, (CbEntity *) a), work_key (self, (CbEntity *) b));

  return r != 0 ? r : cmp_tie (self, (CbEntity *) a, (CbEntity *) b);
}

/* Ascending is the shortest call first; agents without a call last. */
static int
sort_by_call (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  CbAgentBoard *self = user_data;
  gint64 aa = call_answered_at (self, (CbEntity *) a);
  gint64 ab = call_answered_at (self, (CbEntity *) b);
  int r;

  if (aa <= 0 || ab <= 0)
    r = aa <= 0 && ab <= 0 ? 0 : aa <= 0 ? 1 : -1;
  else
    r = cmp_int (ab, aa);
  return r != 0 ? r : cmp_tie (self, (CbEntity *) a, (CbEntity *) b);
}

static const GCompareDataFunc sort_funcs[N_COLS] = {
  sort_by_name, sort_by_team, sort_by_state, sort_by_reason,
  sort_by_time, sort_by_work, sort_by_call,
};

static void
sorters_changed (CbAgentBoard *self,
                 Column        column)
{
  GtkSorter *sorter = gtk_column_view_column_get_sorter (self->columns[column]);

  if (sorter != NULL)
    gtk_sorter_changed (sorter, GTK_SORTER_CHANGE_DIFFERENT);
}

/* ---- dropdowns --------------------------------------------------------- */

typedef struct
{
  const char *id;
  const char *name;
} Choice;

/* In the order of the board's sort, by its collation keys: "Queue 2"
 * before "Queue 10". */
static int
compare_choices (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  CbAgentBoard *self = user_data;
  const Choice *ca = a, *cb = b;

  return strcmp (collate_key (self, ca->name), collate_key (self, cb->name));
}

/* Mirrors @model into @names as "All …" then the names in order, keeping
 * the chosen entity chosen across changes. */
/* Returns whether the choices changed. */
static gboolean
sync_choices (CbAgentBoard  *self,
              GtkDropDown   *dropdown,
              GtkStringList *names,
              GPtrArray     *ids,
              CbEntityModel *model,
              const char    *all_label,
              char         **filter)
{
  guint n = model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (model)) : 0;
  g_autoptr(GArray) choices = g_array_sized_new (FALSE, FALSE, sizeof (Choice), n);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_null_terminated (n + 1, NULL, TRUE);
  guint old_n = g_list_model_get_n_items (G_LIST_MODEL (names));
  guint selected = 0;

  for (guint i = 0; i < n; i++)
    {
      CbEntity *entity = cb_entity_model_get (model, i);
      Choice choice = { cb_entity_get_id (entity), cb_entity_get_string (entity, "name") };

      if (choice.name == NULL)
        choice.name = choice.id;
      g_array_append_val (choices, choice);
    }
  g_array_sort_with_data (choices, compare_choices, self);

  g_ptr_array_set_size (ids, 0);
  g_ptr_array_add (ids, NULL);
  g_ptr_array_add (strings, (gpointer) all_label);
  for (guint i = 0; i < choices->len; i++)
    {
      Choice *choice = &g_array_index (choices, Choice, i);

      if (g_strcmp0 (choice->id, *filter) == 0)
        selected = i + 1;
      g_ptr_array_add (ids, g_strdup (choice->id));
      g_ptr_array_add (strings, (gpointer) choice->name);
    }

  /* The chosen one is gone: show everyone again. */
  if (selected == 0 && *filter != NULL)
    {
      g_clear_pointer (filter, g_free);
      filter_changed (self);
    }

  /* A queue's statistics change every second, its name hardly ever: leave
   * the dropdown alone unless its choices changed. */
  if (old_n == strings->len && selected == gtk_drop_down_get_selected (dropdown))
    {
      gboolean same = TRUE;

      for (guint i = 0; same && i < strings->len; i++)
        same = g_strcmp0 (gtk_string_list_get_string (names, i), g_ptr_array_index (strings, i)) == 0;
      if (same)
        return FALSE;
    }

  self->syncing_dropdowns = TRUE;
  gtk_string_list_splice (names, 0, old_n, (const char * const *) strings->pdata);
  gtk_drop_down_set_selected (dropdown, selected);
  self->syncing_dropdowns = FALSE;

  /* One team or queue is no choice at all. */
  gtk_widget_set_visible (GTK_WIDGET (dropdown), choices->len > 1);
  return TRUE;
}

static gboolean
sync_teams (CbAgentBoard *self)
{
  return sync_choices (self, self->team_dropdown, self->team_names, self->team_ids, self->teams,
                _("All teams"), &self->team_filter);
}

static gboolean
sync_queues (CbAgentBoard *self)
{
  return sync_choices (self, self->queue_dropdown, self->queue_names, self->queue_ids, self->queues,
                _("All queues"), &self->queue_filter);
}

static int
compare_reasons (gconstpointer a,
                 gconstpointer b)
{
  CbEntity *ra = *(CbEntity **) a, *rb = *(CbEntity **) b;
  int r = cmp_int (cb_entity_get_int (ra, "sort_order", 0),
                   cb_entity_get_int (rb, "sort_order", 0));

  if (r == 0)
    r = g_strcmp0 (cb_entity_get_string (ra, "label"), cb_entity_get_string (rb, "label"));
  return r;
}

/* The pause menu: the active pause reasons in their order. */
static void
sync_pause_menu (CbAgentBoard *self)
{
  guint n = self->reasons != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->reasons)) : 0;
  g_autoptr(GPtrArray) active = g_ptr_array_sized_new (n);
  g_autoptr(GMenu) section = g_menu_new ();

  for (guint i = 0; i < n; i++)
    {
      CbEntity *reason = cb_entity_model_get (self->reasons, i);

      if (cb_entity_get_bool (reason, "active"))
        g_ptr_array_add (active, reason);
    }
  g_ptr_array_sort (active, compare_reasons);

  for (guint i = 0; i < active->len; i++)
    {
      CbEntity *reason = g_ptr_array_index (active, i);
      const char *id = cb_entity_get_id (reason);
      const char *label = cb_entity_get_string (reason, "label");
      g_autoptr(GMenuItem) item = g_menu_item_new (label != NULL ? label : id, NULL);

      g_menu_item_set_action_and_target_value (item, "agent.pause", g_variant_new_string (id));
      g_menu_append_item (section, item);
    }

  g_menu_remove_all (self->pause_menu);
  if (active->len > 0)
    /* Translators: the heading of the agent board's pause menu */
    g_menu_append_section (self->pause_menu, _("Pause Reason"), G_MENU_MODEL (section));
}

static void
on_dropdown_changed (CbAgentBoard *self)
{
  guint team, queue, state;
  const char *team_id, *queue_id, *state_id = NULL;

  if (self->syncing_dropdowns)
    return;

  team = gtk_drop_down_get_selected (self->team_dropdown);
  queue = gtk_drop_down_get_selected (self->queue_dropdown);
  state = gtk_drop_down_get_selected (self->state_dropdown);
  team_id = team < self->team_ids->len ? g_ptr_array_index (self->team_ids, team) : NULL;
  queue_id = queue < self->queue_ids->len ? g_ptr_array_index (self->queue_ids, queue) : NULL;
  if (state == STATE_FILTER_LOGGED_IN)
    state_id = "logged_in";
  else if (state != GTK_INVALID_LIST_POSITION && state >= STATE_FILTER_FIRST
           && state - STATE_FILTER_FIRST < N_STATES)
    state_id = states[state - STATE_FILTER_FIRST].id;

  if (g_strcmp0 (team_id, self->team_filter) == 0 && g_strcmp0 (queue_id, self->queue_filter) == 0
      && g_strcmp0 (state_id, self->state_filter) == 0)
    return;

  g_free (self->team_filter);
  self->team_filter = g_strdup (team_id);
  g_free (self->queue_filter);
  self->queue_filter = g_strdup (queue_id);
  g_free (self->state_filter);
  self->state_filter = g_strdup (state_id);
  filter_changed (self);
}

static void
on_search_changed (CbAgentBoard *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  char *folded = *stripped != '\0' ? g_utf8_casefold (stripped, -1) : NULL;

  if (g_strcmp0 (folded, self->search_folded) == 0)
    {
      g_free (folded);
      return;
    }
  g_free (self->search_folded);
  self->search_folded = folded;
  filter_changed (self);
}

/* ---- cells ------------------------------------------------------------- */

/* What the time in state's tooltip says: the threshold it passed, if any. */
static char *
time_tooltip (CbAgentBoard *self,
              CbEntity     *agent)
{
  g_autofree char *limit = NULL;
  gint64 threshold_s;

  if (agent == NULL || level_at (self, agent, current_now (self), &threshold_s) == CB_AGENT_LEVEL_NONE)
    return NULL;
  limit = format_duration (threshold_s * 1000);
  /* Translators: the tooltip of an amber or red time in state;
   * %s is the threshold passed, such as 10:00 */
  return g_strdup_printf (_("Longer than %s in this state"), limit);
}

static gboolean
on_time_query_tooltip (GtkWidget    *label,
                       int           x,
                       int           y,
                       gboolean      keyboard,
                       GtkTooltip   *tooltip,
                       CbAgentBoard *self)
{
  g_autofree char *text = cb_agent_board_get_cell_tooltip (self, label);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
on_cell_setup (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               CbAgentBoard             *self)
{
  Column column = GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (factory), column_quark)) - 1;
  GtkWidget *cell;

  g_object_set_qdata (G_OBJECT (item), column_quark, GUINT_TO_POINTER (column + 1));

  cell = gtk_inscription_new (NULL);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (cell), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_xalign (GTK_INSCRIPTION (cell), 0);
  gtk_widget_add_css_class (cell, "agent-cell");

  switch (column)
    {
    case COL_NAME:
      gtk_widget_add_css_class (cell, "agent-name");
      break;
    case COL_STATE:
      /* Chips of one width, the longest state's: a column of them reads
       * at a glance, and a new state does not change the row's size. */
      gtk_inscription_set_min_chars (GTK_INSCRIPTION (cell), longest_state_label ());
      gtk_inscription_set_nat_chars (GTK_INSCRIPTION (cell), longest_state_label ());
      gtk_inscription_set_xalign (GTK_INSCRIPTION (cell), 0.5);
      gtk_widget_set_halign (cell, GTK_ALIGN_START);
      gtk_widget_add_css_class (cell, "agent-state");
      break;
    case COL_TIME:
      g_object_set_qdata (G_OBJECT (cell), item_quark, item);
      gtk_widget_set_has_tooltip (cell, TRUE);
      g_signal_connect (cell, "query-tooltip", G_CALLBACK (on_time_query_tooltip), self);
      /* Room for 10:00:00, the chip as wide whatever it says. */
      gtk_inscription_set_min_chars (GTK_INSCRIPTION (cell), 8);
      gtk_inscription_set_nat_chars (GTK_INSCRIPTION (cell), 8);
      gtk_widget_set_halign (cell, GTK_ALIGN_END);
      G_GNUC_FALLTHROUGH;
    case COL_CALL:
      gtk_inscription_set_xalign (GTK_INSCRIPTION (cell), 1);
      gtk_widget_add_css_class (cell, "numeric");
      gtk_widget_add_css_class (cell, "agent-duration");
      break;
    case COL_TEAM:
    case COL_REASON:
    case COL_WORK:
      break;
    case N_COLS:
    default:
      g_assert_not_reached ();
    }

  gtk_list_item_set_child (item, cell);
}

static void
on_cell_bind (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CbAgentBoard             *self)
{
  Cell *info = g_new0 (Cell, 1);
  GtkWidget *child = gtk_list_item_get_child (item);

  info->column = item_column (item);
  info->position = cb_slot_get_position (gtk_list_item_get_item (item));
  info->drawn = child != NULL && gtk_widget_get_child_visible (child);
  g_hash_table_insert (self->bound, item, info);
  /* Mapped, it is shown at the next update of the cells if in view then;
   * not, now (nothing else would). */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      info->flags = CELL_STALE;
      return;
    }
  info->flags = CELL_CURRENT;
  update_cell (self, item, info, current_now (self));
}

static void
on_cell_unbind (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                CbAgentBoard             *self)
{
  g_hash_table_remove (self->bound, item);
}

static void
on_cell_teardown (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  CbAgentBoard             *self)
{
  g_hash_table_remove (self->bound, item);
}

/* ---- actions ----------------------------------------------------------- */

static CbEntity *
selected_agent (CbAgentBoard *self)
{
  guint position = gtk_single_selection_get_selected (self->selection);

  return self->slots != NULL ? cb_slot_list_model_get_source_item (self->slots, position) : NULL;
}

static gboolean
can_control (CbAgentBoard *self)
{
  if (self->can_control >= 0)
    return self->can_control;
  return self->store != NULL && cb_store_has_permission (self->store, "agents.control");
}

typedef struct
{
  CbAgentBoard *board;   /* owned */
  char         *name;
  char         *state;
} SetState;

static void
set_state_free (SetState *request)
{
  g_clear_object (&request->board);
  g_free (request->name);
  g_free (request->state);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SetState, set_state_free)

static void
toast (CbAgentBoard *self,
       const char   *title,
       guint         timeout)
{
  AdwToast *toast = cb_toast_new_text (title);

  /* The latest outcome matters: it replaces the one shown. */
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (toast, timeout);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_set_state_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SetState) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) response = cb_store_request_finish (CB_STORE (source), result, &error);
  g_autofree char *text = NULL;
  gboolean pending;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (error != NULL)
    {
      g_autofree char *why = cb_describe_request_error (error);

      if (g_str_equal (request->state, "paused"))
        /* Translators: a refused agent action; the first %s is the agent's name, the second why */
        text = g_strdup_printf (_("Could not pause %s: %s"), request->name, why);
      else if (g_str_equal (request->state, "available"))
        /* Translators: a refused agent action; the first %s is the agent's name, the second why */
        text = g_strdup_printf (_("Could not resume %s: %s"), request->name, why);
      else
        /* Translators: a refused agent action; the first %s is the agent's name, the second why */
        text = g_strdup_printf (_("Could not log out %s: %s"), request->name, why);
      toast (request->board, text, 8);
      return;
    }

  pending = response != NULL && response->data != NULL
            && json_object_get_boolean_member_with_default (response->data, "pending", FALSE);

  if (g_str_equal (request->state, "paused"))
    text = pending
           /* Translators: the agent is on a call; %s is the agent's name */
           ? g_strdup_printf (_("%s will pause after wrap-up"), request->name)
           /* Translators: %s is the agent's name */
           : g_strdup_printf (_("%s is paused"), request->name);
  else if (g_str_equal (request->state, "available"))
    /* Translators: %s is the agent's name */
    text = g_strdup_printf (_("%s is available"), request->name);
  else
    text = pending
           /* Translators: the agent is on a call; %s is the agent's name */
           ? g_strdup_printf (_("%s will log out after wrap-up"), request->name)
           /* Translators: %s is the agent's name */
           : g_strdup_printf (_("%s is logged out"), request->name);
  toast (request->board, text, 4);
  mark_dirty (request->board);
}

static void
request_state (CbAgentBoard *self,
               CbEntity     *agent,
               const char   *state,
               const char   *reason_code)
{
  g_autoptr(JsonObject) data = json_object_new ();
  SetState *request;
  const char *name;

  if (self->store == NULL)
    {
      toast (self, _("The console is not connected to a backend."), 5);
      return;
    }

  name = cb_entity_get_string (agent, "name");
  request = g_new0 (SetState, 1);
  request->board = g_object_ref (self);
  request->name = g_strdup (name != NULL ? name : cb_entity_get_id (agent));
  request->state = g_strdup (state);

  json_object_set_string_member (data, "agent_id", cb_entity_get_id (agent));
  json_object_set_string_member (data, "state", state);
  if (reason_code != NULL)
    json_object_set_string_member (data, "reason_code", reason_code);

  cb_store_request_async (self->store, "agent.set_state", data, CB_REQUEST_LIVE, self->cancellable,
                          on_set_state_done, request);
}

static void
agent_pause (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CbAgentBoard *self = CB_AGENT_BOARD (widget);
  CbEntity *agent = selected_agent (self);

  if (agent != NULL)
    request_state (self, agent, "paused", g_variant_get_string (parameter, NULL));
}

static void
agent_choose_pause_reason (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  CbAgentBoard *self = CB_AGENT_BOARD (widget);

  gtk_menu_button_popup (self->pause_button);
}

static void
agent_resume (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CbAgentBoard *self = CB_AGENT_BOARD (widget);
  CbEntity *agent = selected_agent (self);

  if (agent != NULL)
    request_state (self, agent, "available", NULL);
}

static void
on_log_out_response (AdwMessageDialog *dialog,
                     const char       *response,
                     CbAgentBoard     *self)
{
  const char *agent_id = g_object_get_data (G_OBJECT (dialog), "agent-id");
  CbEntity *agent = lookup (self->agents, agent_id);

  if (g_str_equal (response, "log-out") && agent != NULL)
    request_state (self, agent, "logged_out", NULL);
}

static void
agent_log_out (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CbAgentBoard *self = CB_AGENT_BOARD (widget);
  CbEntity *agent = selected_agent (self);
  GtkRoot *root = gtk_widget_get_root (widget);
  const char *name;
  GtkWidget *dialog;

  if (agent == NULL)
    return;
  if (!GTK_IS_WINDOW (root))
    {
      request_state (self, agent, "logged_out", NULL);
      return;
    }

  /* Logging in again needs the agent's phone (§9.2): ask first. */
  name = cb_entity_get_string (agent, "name");
  dialog = adw_message_dialog_new (GTK_WINDOW (root), NULL, NULL);
  /* Translators: a question before logging an agent out; %s is the agent's name */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Log Out %s?"),
                                     name != NULL ? name : cb_entity_get_id (agent));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Only the agent can log in again, from their phone. "
                                 "A call in progress is finished and wrapped up first."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "log-out", _("_Log Out"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "log-out",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "agent-id", g_strdup (cb_entity_get_id (agent)),
                          g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_log_out_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
agent_search (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CbAgentBoard *self = CB_AGENT_BOARD (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
on_selection_changed (CbAgentBoard *self)
{
  /* While the rows change under it, the selection is put back on its
   * agent afterwards (on_rows_changed ()). */
  if (self->following)
    return;
  g_set_object (&self->selected, selected_agent (self));
  cb_agent_board_actions_update (self);
}

/* The agents shown changed (moved, came, went): the rows from @position
 * show other agents, their cells are stale, and the selection goes where
 * its agent went — or nowhere when it is no longer shown. */
static void
on_rows_changed (CbAgentBoard *self,
                 guint         position,
                 guint         removed,
                 guint         added,
                 GListModel   *model)
{
  g_autoptr(CbEntity) kept = self->selected != NULL ? g_object_ref (self->selected) : NULL;
  GHashTableIter iter;
  gpointer value;
  guint end, now_at;

  mark_dirty (self);
  if (self->slots == NULL)
    return;

  self->following = TRUE;
  cb_slot_list_model_splice (self->slots, position, removed, added, &end);
  g_hash_table_iter_init (&iter, self->bound);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Cell *info = value;

      if (info->position >= position && info->position < end)
        info->flags = CELL_STALE;
    }

  now_at = cb_slot_list_model_find (self->slots, kept);
  if (now_at != gtk_single_selection_get_selected (self->selection))
    gtk_single_selection_set_selected (self->selection, now_at);
  self->following = FALSE;
  if (now_at == GTK_INVALID_LIST_POSITION)
    g_clear_object (&self->selected);
  if (kept != NULL && self->selected == NULL)
    cb_agent_board_actions_update (self);
}

/* ---- models ------------------------------------------------------------ */

static void
on_agents_changed (CbAgentBoard *self)
{
  mark_dirty (self);
}

/* The agents that changed: their rows, if shown, look again at every cell
 * in the next frame — however the row model announces it. */
static void
on_agent_model_changed (CbAgentBoard *self,
                        guint         position,
                        guint         removed,
                        guint         added,
                        GListModel   *model)
{
  /* Agents gone: their pointers may come back as other agents. */
  if (removed != added)
    g_hash_table_remove_all (self->sort_keys);
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GObject) agent = g_list_model_get_item (model, i);

      /* Only compared, never followed: a pointer is enough. */
      g_hash_table_add (self->changed, agent);
      g_hash_table_remove (self->sort_keys, agent);
    }
  mark_dirty (self);
}

/* Whether entities updated in place at @position (an items-changed with as
 * many added as removed) still have the names the dropdown shows. */
static gboolean
names_unchanged (GPtrArray     *ids,
                 GtkStringList *names,
                 GListModel    *model,
                 guint          position,
                 guint          removed,
                 guint          added)
{
  if (removed != added)
    return FALSE;
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(CbEntity) entity = g_list_model_get_item (model, i);
      const char *name = cb_entity_get_string (entity, "name");
      gboolean found = FALSE;

      for (guint k = 1; k < ids->len && !found; k++)
        if (g_strcmp0 (g_ptr_array_index (ids, k), cb_entity_get_id (entity)) == 0)
          {
            if (g_strcmp0 (gtk_string_list_get_string (names, k), name ? name : cb_entity_get_id (entity)) != 0)
              return FALSE;
            found = TRUE;
          }
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static void
on_teams_changed (CbAgentBoard *self,
                  guint         position,
                  guint         removed,
                  guint         added,
                  GListModel   *model)
{
  if (names_unchanged (self->team_ids, self->team_names, model, position, removed, added))
    return;
  self->all_cells = TRUE;
  mark_dirty (self);
  /* Rows and sorting show teams by name: only a change of names matters. */
  if (sync_teams (self))
    {
      sorters_changed (self, COL_TEAM);
      mark_dirty (self);
    }
}

static void
on_queues_changed (CbAgentBoard *self,
                   guint         position,
                   guint         removed,
                   guint         added,
                   GListModel   *model)
{
  if (names_unchanged (self->queue_ids, self->queue_names, model, position, removed, added))
    return;
  self->all_cells = TRUE;
  mark_dirty (self);
  if (sync_queues (self))
    {
      sorters_changed (self, COL_WORK);
      mark_dirty (self);
    }
}

/* A campaign's statistics change every second, its name hardly ever: the
 * rows look again (all their cells) only when a name did. */
static void
on_campaigns_changed (CbAgentBoard *self,
                      guint         position,
                      guint         removed,
                      guint         added,
                      GListModel   *model)
{
  gboolean renamed = removed != added;

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(CbEntity) campaign = g_list_model_get_item (model, i);
      const char *name = cb_entity_get_string (campaign, "name");

      if (g_strcmp0 (g_hash_table_lookup (self->campaign_names, cb_entity_get_id (campaign)), name) != 0)
        {
          g_hash_table_replace (self->campaign_names, g_strdup (cb_entity_get_id (campaign)), g_strdup (name));
          renamed = TRUE;
        }
    }
  if (!renamed)
    return;
  self->all_cells = TRUE;
  sorters_changed (self, COL_WORK);
  mark_dirty (self);
}

static void
on_reasons_changed (CbAgentBoard *self)
{
  self->all_cells = TRUE;
  sync_pause_menu (self);
  sorters_changed (self, COL_REASON);
  mark_dirty (self);
}

static void
on_store_state_changed (CbAgentBoard *self)
{
  update_stale (self);
  mark_dirty (self);
}

static void
set_model (CbEntityModel **slot,
           CbEntityModel  *model,
           GSignalGroup   *signals)
{
  if (g_set_object (slot, model))
    g_signal_group_set_target (signals, model);
}

static void
apply_models (CbAgentBoard  *self,
              CbEntityModel *agents,
              CbEntityModel *teams,
              CbEntityModel *queues,
              CbEntityModel *campaigns,
              CbEntityModel *reasons,
              CbEntityModel *calls)
{
  /* Other agents: none of the sort keys holds. */
  g_hash_table_remove_all (self->sort_keys);
  set_model (&self->agents, agents, self->agent_signals);
  set_model (&self->teams, teams, self->team_signals);
  set_model (&self->queues, queues, self->queue_signals);
  set_model (&self->campaigns, campaigns, self->campaign_signals);
  set_model (&self->reasons, reasons, self->reason_signals);
  set_model (&self->calls, calls, self->call_signals);

  cb_frame_list_model_set_model (self->rows, G_LIST_MODEL (agents));
  sync_teams (self);
  sync_queues (self);
  sync_pause_menu (self);
  for (guint i = 0; i < N_COLS; i++)
    sorters_changed (self, i);
  update_stale (self);
  mark_dirty (self);
  cb_agent_board_refresh (self);
}

/* ---- GObject ----------------------------------------------------------- */

static void
cb_agent_board_map (GtkWidget *widget)
{
  CbAgentBoard *self = CB_AGENT_BOARD (widget);

  GTK_WIDGET_CLASS (cb_agent_board_parent_class)->map (widget);

  if (self->second_id == 0)
    self->second_id = g_timeout_add_seconds (1, on_second, self);
  /* Connected after GTK's own handler (the surface's, from when it was
   * made): the rows are laid out when it runs. */
  self->clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  self->layout_id = g_signal_connect (self->clock, "layout", G_CALLBACK (on_layout), self);
  mark_dirty (self);
}

static void
cb_agent_board_unmap (GtkWidget *widget)
{
  CbAgentBoard *self = CB_AGENT_BOARD (widget);

  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (widget, self->tick_id);
  self->tick_id = 0;
  g_clear_handle_id (&self->second_id, g_source_remove);
  g_clear_handle_id (&self->reorder_id, g_source_remove);
  g_clear_signal_handler (&self->layout_id, self->clock);
  g_clear_object (&self->clock);

  GTK_WIDGET_CLASS (cb_agent_board_parent_class)->unmap (widget);
}

static void
cb_agent_board_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CbAgentBoard *self = CB_AGENT_BOARD (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_CONTROLS_VISIBLE:
      g_value_set_boolean (value, cb_agent_board_get_controls_visible (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_agent_board_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CbAgentBoard *self = CB_AGENT_BOARD (object);

  switch (prop_id)
    {
    case PROP_STORE:
      cb_agent_board_set_store (self, g_value_get_object (value));
      break;
    case PROP_CONTROLS_VISIBLE:
      cb_agent_board_set_controls_visible (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_agent_board_dispose (GObject *object)
{
  CbAgentBoard *self = CB_AGENT_BOARD (object);
  GSignalGroup **groups[] = {
    &self->store_signals, &self->agent_signals, &self->team_signals, &self->queue_signals,
    &self->campaign_signals, &self->reason_signals, &self->call_signals,
  };

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->second_id, g_source_remove);
  g_clear_handle_id (&self->reorder_id, g_source_remove);
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      if (*groups[i] != NULL)
        g_signal_group_set_target (*groups[i], NULL);
      g_clear_object (groups[i]);
    }
  if (self->filter_model != NULL)
    gtk_filter_list_model_set_model (self->filter_model, NULL);
  if (self->rows != NULL)
    cb_frame_list_model_set_model (self->rows, NULL);
  if (self->bound != NULL)
    g_hash_table_remove_all (self->bound);

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_AGENT_BOARD);

  g_clear_object (&self->store);
  g_clear_object (&self->selected);
  g_clear_object (&self->slots);
  g_clear_object (&self->rows);
  g_clear_object (&self->agents);
  g_clear_object (&self->teams);
  g_clear_object (&self->queues);
  g_clear_object (&self->campaigns);
  g_clear_object (&self->reasons);
  g_clear_object (&self->calls);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (cb_agent_board_parent_class)->dispose (object);
}

static void
cb_agent_board_finalize (GObject *object)
{
  CbAgentBoard *self = CB_AGENT_BOARD (object);

  g_clear_pointer (&self->bound, g_hash_table_unref);
  g_clear_pointer (&self->changed, g_hash_table_unref);
  g_clear_pointer (&self->campaign_names, g_hash_table_unref);
  g_clear_pointer (&self->sort_keys, g_hash_table_unref);
  g_clear_pointer (&self->collate_keys, g_hash_table_unref);
  g_clear_pointer (&self->team_ids, g_ptr_array_unref);
  g_clear_pointer (&self->queue_ids, g_ptr_array_unref);
  g_clear_pointer (&self->team_filter, g_free);
  g_clear_pointer (&self->queue_filter, g_free);
  g_clear_pointer (&self->state_filter, g_free);
  g_clear_pointer (&self->search_folded, g_free);
  g_clear_pointer (&self->count_text, g_free);

  G_OBJECT_CLASS (cb_agent_board_parent_class)->finalize (object);
}

static void
cb_agent_board_class_init (CbAgentBoardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const char * const column_names[N_COLS] = {
    "name_column", "team_column", "state_column", "reason_column", "time_column", "work_column",
    "call_column",
  };

  object_class->get_property = cb_agent_board_get_property;
  object_class->set_property = cb_agent_board_set_property;
  object_class->dispose = cb_agent_board_dispose;
  object_class->finalize = cb_agent_board_finalize;

  widget_class->map = cb_agent_board_map;
  widget_class->unmap = cb_agent_board_unmap;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, CB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Off on a kiosk: the heading and the count stay, the search, the
   * filters and the actions go. */
  properties[PROP_CONTROLS_VISIBLE] =
    g_param_spec_boolean ("controls-visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  column_quark = g_quark_from_static_string ("cb-agent-board-column");
  class_quark = g_quark_from_static_string ("cb-agent-board-state-class");
  level_quark = g_quark_from_static_string ("cb-agent-board-level-class");
  item_quark = g_quark_from_static_string ("cb-agent-board-list-item");
  markup_quark = g_quark_from_static_string ("cb-agent-board-markup");

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/cb-agent-board.ui");
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, box);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, count_label);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, empty_label);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, team_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, queue_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, state_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, action_box);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, team_names);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, queue_names);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, state_names);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, pause_button);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, column_view);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, selection);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, filter_model);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, filter);
  gtk_widget_class_bind_template_child (widget_class, CbAgentBoard, pause_menu);
  for (guint i = 0; i < N_COLS; i++)
    gtk_widget_class_bind_template_child_full (widget_class, column_names[i], FALSE,
                                               G_STRUCT_OFFSET (CbAgentBoard, columns)
                                               + i * sizeof (gpointer));
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_dropdown_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_rows_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_cell_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_cell_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_cell_unbind);
  gtk_widget_class_bind_template_callback (widget_class, on_cell_teardown);

  gtk_widget_class_install_action (widget_class, "agent.pause", "s", agent_pause);
  gtk_widget_class_install_action (widget_class, "agent.choose-pause-reason", NULL,
                                   agent_choose_pause_reason);
  gtk_widget_class_install_action (widget_class, "agent.resume", NULL, agent_resume);
  gtk_widget_class_install_action (widget_class, "agent.log-out", NULL, agent_log_out);
  gtk_widget_class_install_action (widget_class, "agent.search", NULL, agent_search);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "agent.choose-pause-reason", NULL);
  /* Ctrl+R is the application's Reconnect. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_R, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "agent.resume", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_L, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "agent.log-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "agent.search", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "agentboard");
}

static void
cb_agent_board_init (CbAgentBoard *self)
{
  g_autoptr(GPtrArray) state_strings = g_ptr_array_new_null_terminated (N_STATES + 2, NULL, TRUE);
  struct {
    GSignalGroup **group;
    GCallback      callback;
  } models[] = {
    { &self->agent_signals, G_CALLBACK (on_agent_model_changed) },
    { &self->team_signals, G_CALLBACK (on_teams_changed) },
    { &self->queue_signals, G_CALLBACK (on_queues_changed) },
    { &self->campaign_signals, G_CALLBACK (on_campaigns_changed) },
    { &self->reason_signals, G_CALLBACK (on_reasons_changed) },
    { &self->call_signals, G_CALLBACK (on_agents_changed) },
  };

  self->can_control = -1;
  self->bound = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->changed = g_hash_table_new (NULL, NULL);
  self->campaign_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->all_cells = TRUE;
  self->collate_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->sort_keys = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->filter_serial = 1;
  self->team_ids = g_ptr_array_new_with_free_func (g_free);
  self->queue_ids = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The rows keep the column view's order themselves, once a frame, moving
   * only the agents that changed (see cb-frame-list-model.c). */
  self->rows = cb_frame_list_model_new (NULL);
  cb_frame_list_model_set_sorter (self->rows, gtk_column_view_get_sorter (self->column_view));
  /* What an agent's row says changes at the next frame; the row moves to
   * its new place in the order at most once a second, between frames
   * (on_reorder ()): a table that reshuffles faster cannot be read, and
   * a reorder of 2,000 agents re-sorts hundreds of them. */
  cb_frame_list_model_set_reorder_interval (self->rows, REORDER_MS);
  /* The cells of an agent's row are updated here (the changed set); the
   * filter model hears of an update only when it changes a row's place in
   * the filter (see cb_frame_list_model_set_update_filter ()). */
  cb_frame_list_model_set_update_filter (self->rows, GTK_FILTER (self->filter));
  gtk_filter_list_model_set_model (self->filter_model, G_LIST_MODEL (self->rows));
  /* The view's rows are slots over the agents shown, which keep the
   * filter model alive once the selection is theirs: a reorder changes
   * what some rows show, not the rows (see cb-slot-list-model.c). */
  self->slots = cb_slot_list_model_new (G_LIST_MODEL (self->filter_model));
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->slots));

  for (guint i = 0; i < N_COLS; i++)
    {
      GtkListItemFactory *factory = gtk_column_view_column_get_factory (self->columns[i]);
      GtkSorter *sorter = gtk_column_view_column_get_sorter (self->columns[i]);

      g_object_set_qdata (G_OBJECT (factory), column_quark, GUINT_TO_POINTER (i + 1));
      gtk_custom_sorter_set_sort_func (GTK_CUSTOM_SORTER (sorter), sort_funcs[i], self, NULL);
    }
  /* The floor's order by default: available first, logged out last. */
  gtk_column_view_sort_by_column (self->column_view, self->columns[COL_STATE], GTK_SORT_ASCENDING);

  /* Translators: the agent board's state filter */
  g_ptr_array_add (state_strings, (gpointer) _("All states"));
  /* Translators: the agent board's state filter: every state but logged out */
  g_ptr_array_add (state_strings, (gpointer) C_("agent state filter", "Logged in"));
  for (guint i = 0; i < N_STATES; i++)
    g_ptr_array_add (state_strings, (gpointer) state_label (states[i].id));
  gtk_string_list_splice (self->state_names, 0, 0, (const char * const *) state_strings->pdata);
  /* Who is on the floor: the logged out are one choice away. */
  gtk_drop_down_set_selected (self->state_dropdown, STATE_FILTER_LOGGED_IN);

  self->settings = g_settings_new ("io.github.callboard.Callboard");
  g_signal_connect_object (self->settings, "changed::agent-state-thresholds",
                           G_CALLBACK (on_thresholds_changed), self, G_CONNECT_SWAPPED);
  load_thresholds (self);

  self->store_signals = g_signal_group_new (CB_TYPE_STORE);
  g_signal_group_connect_swapped (self->store_signals, "batch-applied",
                                  G_CALLBACK (on_agents_changed), self);
  g_signal_group_connect_swapped (self->store_signals, "notify::state",
                                  G_CALLBACK (on_store_state_changed), self);
  g_signal_group_connect_swapped (self->store_signals, "notify::as-of",
                                  G_CALLBACK (on_store_state_changed), self);
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      *models[i].group = g_signal_group_new (CB_TYPE_ENTITY_MODEL);
      g_signal_group_connect_swapped (*models[i].group, "items-changed", models[i].callback, self);
    }

  sync_teams (self);
  sync_queues (self);
  sync_pause_menu (self);
  cb_agent_board_refresh (self);
}

GtkWidget *
cb_agent_board_new (void)
{
  return g_object_new (CB_TYPE_AGENT_BOARD, NULL);
}

/* ---- public API -------------------------------------------------------- */

CbStore *
cb_agent_board_get_store (CbAgentBoard *self)
{
  g_return_val_if_fail (CB_IS_AGENT_BOARD (self), NULL);
  return self->store;
}

/**
 * cb_agent_board_set_store:
 * @store: (nullable): the store whose agents to show
 *
 * Shows the store's agents, teams, queues, campaigns, pause reasons and
 * calls, and sends the supervisor's actions to it.
 */
void
cb_agent_board_set_store (CbAgentBoard *self,
                          CbStore      *store)
{
  g_return_if_fail (CB_IS_AGENT_BOARD (self));
  g_return_if_fail (store == NULL || CB_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;

  g_signal_group_set_target (self->store_signals, store);
  if (store != NULL)
    apply_models (self,
                  cb_store_get_model (store, "agent"),
                  cb_store_get_model (store, "team"),
                  cb_store_get_model (store, "queue"),
                  cb_store_get_model (store, "campaign"),
                  cb_store_get_model (store, "pause_reason"),
                  cb_store_get_model (store, "call"));
  else
    apply_models (self, NULL, NULL, NULL, NULL, NULL, NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

/**
 * cb_agent_board_set_models:
 *
 * Shows these models instead of a store's (tests and screenshots); the
 * actions then have no store to send to.
 */
void
cb_agent_board_set_models (CbAgentBoard  *self,
                           CbEntityModel *agents,
                           CbEntityModel *teams,
                           CbEntityModel *queues,
                           CbEntityModel *campaigns,
                           CbEntityModel *pause_reasons,
                           CbEntityModel *calls)
{
  g_return_if_fail (CB_IS_AGENT_BOARD (self));

  if (self->store != NULL)
    {
      g_signal_group_set_target (self->store_signals, NULL);
      g_clear_object (&self->store);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
    }
  apply_models (self, agents, teams, queues, campaigns, pause_reasons, calls);
}

/* For tests and screenshots: durations as of @now_ms (0: the backend's now). */
void
cb_agent_board_set_fixed_now (CbAgentBoard *self,
                              gint64        now_ms)
{
  g_return_if_fail (CB_IS_AGENT_BOARD (self));
  self->fixed_now = now_ms;
  mark_dirty (self);
  cb_agent_board_refresh (self);
}

/* For tests: whether the user holds `agents.control`, as the store would say. */
void
cb_agent_board_set_can_control (CbAgentBoard *self,
                                gboolean      can_control)
{
  g_return_if_fail (CB_IS_AGENT_BOARD (self));
  self->can_control = can_control ? 1 : 0;
  cb_agent_board_actions_update (self);
}

/**
 * cb_agent_board_actions_update:
 *
 * Enables the agent actions the selected agent's state and the user's
 * permissions allow: pause unless paused or logged out, resume when paused,
 * log out unless logged out. While offline they stay enabled, so the store's
 * refusal says why nothing happened.
 */
void
cb_agent_board_actions_update (CbAgentBoard *self)
{
  CbEntity *agent;
  const char *state = NULL;
  gboolean allowed, can_pause, can_resume, can_log_out;

  g_return_if_fail (CB_IS_AGENT_BOARD (self));

  agent = selected_agent (self);
  allowed = agent != NULL && can_control (self);
  if (agent != NULL)
    state = cb_entity_get_string (agent, "state");

  can_pause = allowed && state != NULL && !g_str_equal (state, "paused")
              && !g_str_equal (state, "logged_out")
              && g_menu_model_get_n_items (G_MENU_MODEL (self->pause_menu)) > 0;
  can_resume = allowed && g_strcmp0 (state, "paused") == 0;
  can_log_out = allowed && state != NULL && !g_str_equal (state, "logged_out");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "agent.pause", can_pause);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "agent.choose-pause-reason", can_pause);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "agent.resume", can_resume);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "agent.log-out", can_log_out);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pause_button), can_pause);
}

/**
 * cb_agent_board_refresh:
 *
 * Brings the rows on screen, the count and the actions up to date now
 * (the frame clock does it after changes; tests call it directly).
 */
/* Moves the rows between frames: a reorder binds hundreds of cells again,
 * which would take most of a frame's time. Run after a frame was drawn,
 * it uses the time the frame left; the next frame lays the rows out. */
static gboolean
on_reorder (gpointer user_data)
{
  CbAgentBoard *self = user_data;

  self->reorder_id = 0;
  refresh (self, FALSE);
  return G_SOURCE_REMOVE;
}

/* @in_frame: called from the frame clock, which a reorder is kept out of
 * (on_reorder ()) */
static void
refresh (CbAgentBoard *self,
         gboolean      in_frame)
{
  self->dirty = FALSE;
  trim_sort_caches (self);
  if (in_frame && cb_frame_list_model_is_reorder_due (self->rows))
    {
      if (self->reorder_id == 0)
        self->reorder_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, on_reorder, self, NULL);
    }
  else
    /* The rows in the sorter's order and the filter's. GTK sees no move:
     * its rows are slots, so its view stays on the same rows and binds
     * nothing again; the selection follows its agent (on_rows_changed ()). */
    cb_frame_list_model_flush (self->rows);
  update_changed_cells (self);
  update_count (self);
  cb_agent_board_actions_update (self);
  /* Rows still to be moved: another frame will. */
  if (cb_frame_list_model_is_pending (self->rows))
    mark_dirty (self);
}

void
cb_agent_board_refresh (CbAgentBoard *self)
{
  g_return_if_fail (CB_IS_AGENT_BOARD (self));

  refresh (self, FALSE);
}

const char *
cb_agent_board_get_count_text (CbAgentBoard *self)
{
  g_return_val_if_fail (CB_IS_AGENT_BOARD (self), NULL);
  return self->count_text;
}

guint
cb_agent_board_get_n_shown (CbAgentBoard *self)
{
  g_return_val_if_fail (CB_IS_AGENT_BOARD (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
}

/* Returns: (transfer none): the rows as shown, filtered and sorted */
GListModel *
cb_agent_board_get_rows (CbAgentBoard *self)
{
  g_return_val_if_fail (CB_IS_AGENT_BOARD (self), NULL);
  return G_LIST_MODEL (self->filter_model);
}

static void
select_choice (GtkDropDown *dropdown,
               GPtrArray   *ids,
               const char  *id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (ids, i), id) == 0)
      {
        gtk_drop_down_set_selected (dropdown, i);
        return;
      }
  gtk_drop_down_set_selected (dropdown, 0);
}

void
cb_agent_board_set_team_filter (CbAgentBoard *self,
                                const char   *team_id)
{
  g_return_if_fail (CB_IS_AGENT_BOARD (self));
  select_choice (self->team_dropdown, self->team_ids, team_id);
}

void
cb_agent_board_set_queue_filter (CbAgentBoard *self,
                                 const char   *queue_id)
{
  g_return_if_fail (CB_IS_AGENT_BOARD (self));
  select_choice (self->queue_dropdown, self->queue_ids, queue_id);
}

/* @state: an agent state, "logged_in" (every state but logged out) or NULL */
void
cb_agent_board_set_state_filter (CbAgentBoard *self,
                                 const char   *state)
{
  guint position = STATE_FILTER_ALL;

  g_return_if_fail (CB_IS_AGENT_BOARD (self));

  if (g_strcmp0 (state, "logged_in") == 0)
    position = STATE_FILTER_LOGGED_IN;
  else if (state_index (state) >= 0)
    position = STATE_FILTER_FIRST + state_index (state);
  gtk_drop_down_set_selected (self->state_dropdown, position);
}

void
cb_agent_board_set_search (CbAgentBoard *self,
                           const char   *text)
{
  g_return_if_fail (CB_IS_AGENT_BOARD (self));
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  /* The entry waits a moment before it says; the caller wants it now. */
  on_search_changed (self);
}

/**
 * cb_agent_board_sort_by:
 * @column: "name", "team", "state", "reason", "time", "work" or "call"
 *
 * Returns: whether @column names a column
 */
gboolean
cb_agent_board_sort_by (CbAgentBoard *self,
                        const char   *column,
                        GtkSortType   direction)
{
  g_return_val_if_fail (CB_IS_AGENT_BOARD (self), FALSE);

  for (guint i = 0; i < N_COLS; i++)
    if (g_strcmp0 (column_ids[i], column) == 0)
      {
        gtk_column_view_sort_by_column (self->column_view, self->columns[i], direction);
        return TRUE;
      }
  return FALSE;
}

/* Returns: whether the agent is shown, and now selected */
gboolean
cb_agent_board_select (CbAgentBoard *self,
                       const char   *agent_id)
{
  GListModel *rows;
  guint n;

  g_return_val_if_fail (CB_IS_AGENT_BOARD (self), FALSE);

  rows = G_LIST_MODEL (self->filter_model);
  n = g_list_model_get_n_items (rows);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CbEntity) agent = g_list_model_get_item (rows, i);

      if (g_strcmp0 (cb_entity_get_id (agent), agent_id) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          cb_agent_board_actions_update (self);
          return TRUE;
        }
    }
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  cb_agent_board_actions_update (self);
  return FALSE;
}

/* The colour ladder's step for @agent now. */
CbAgentLevel
cb_agent_board_get_level (CbAgentBoard *self,
                          CbEntity     *agent)
{
  g_return_val_if_fail (CB_IS_AGENT_BOARD (self), CB_AGENT_LEVEL_NONE);
  g_return_val_if_fail (CB_IS_ENTITY (agent), CB_AGENT_LEVEL_NONE);
  return level_at (self, agent, current_now (self), NULL);
}

/* The controls are the toolbar's children after the heading; each sits in
 * a GtkFlowBoxChild, which is what must be hidden for the flow box to skip
 * it. */
static GtkWidget *
control_cell (GtkWidget *control)
{
  GtkWidget *parent = gtk_widget_get_parent (control);

  return GTK_IS_FLOW_BOX_CHILD (parent) ? parent : control;
}

gboolean
cb_agent_board_get_controls_visible (CbAgentBoard *self)
{
  g_return_val_if_fail (CB_IS_AGENT_BOARD (self), TRUE);

  return gtk_widget_get_visible (control_cell (GTK_WIDGET (self->search_entry)));
}

void
cb_agent_board_set_controls_visible (CbAgentBoard *self,
                                     gboolean      visible)
{
  GtkWidget *controls[] = {
    GTK_WIDGET (self->search_entry), GTK_WIDGET (self->team_dropdown),
    GTK_WIDGET (self->queue_dropdown), GTK_WIDGET (self->state_dropdown),
    GTK_WIDGET (self->action_box),
  };

  g_return_if_fail (CB_IS_AGENT_BOARD (self));

  visible = !!visible;
  if (visible == cb_agent_board_get_controls_visible (self))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    gtk_widget_set_visible (control_cell (controls[i]), visible);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTROLS_VISIBLE]);
}

/**
 * cb_agent_board_get_cell_tooltip:
 * @cell: a cell's label
 *
 * Returns: (transfer full) (nullable): the tooltip @cell shows when asked,
 *   such as "Longer than 10:00 in this state" on a time in state past a
 *   threshold
 */
char *
cb_agent_board_get_cell_tooltip (CbAgentBoard *self,
                                 GtkWidget    *cell)
{
  GtkListItem *item;

  g_return_val_if_fail (CB_IS_AGENT_BOARD (self), NULL);
  g_return_val_if_fail (GTK_IS_WIDGET (cell), NULL);

  item = g_object_get_qdata (G_OBJECT (cell), item_quark);
  return item != NULL ? time_tooltip (self, cell_agent (self, item)) : NULL;
}
