/* cb-kiosk-window.c — the wallboard full screen, dark and in large type, for a TV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Kiosk mode: an undecorated window, full screen on the monitor it is given,
 * without header bar or sidebar, that shows the application's store (the
 * one connection every window shares; several kiosk windows, one per
 * monitor, cost no more backend traffic than one). It cycles every
 * `kiosk-cycle-seconds` between the boards named in `kiosk-boards` — pages
 * of a GtkStack, crossfaded unless animations are off: the id of one of
 * the wallboards the user built (`wallboards`, docs/wallboards.md), shown
 * as it was built; "wallboard" (the active wallboard, agent board in its
 * lower pane), "queues" (the active wallboard without its agent board, the
 * tiles given the whole screen) and "agents" (the agent board alone). A
 * page is made for each saved board named, and follows its changes. The
 * cursor hides after a few seconds without motion; Escape or a
 * double-click closes it.
 *
 * Nobody scrolls a TV: a board taller than the screen is shown a screenful
 * at a time, each cycle the next one, before the next board. Screenfuls
 * end at the fold: above the first tile the bottom of the screen would cut
 * (with the heading just above it). Tiles cut by the screen's edges are
 * hidden until the screenful that shows them whole, so the wall never
 * shows half a tile (update_fold ()). The agent board alone pages the same
 * way by its rows: each screenful starts with a whole row, and a row the
 * bottom edge cuts waits for the next one.
 *
 * Dark: AdwStyleManager's colour scheme is application-wide, so forcing it
 * would turn a supervisor's normal windows dark too (and whatever we set
 * back when the kiosk closes could fight the user's own choice). In
 * libadwaita 1.2 the named colours are global @define-color values that
 * cannot be scoped to a widget, so the kiosk window carries a `kiosk-dark`
 * class whose rules (data/style.css, the kiosk section) paint its own
 * surfaces, cards and text dark, whatever the rest of the application uses.
 * The `kiosk` class scales the page's type up for reading across a room;
 * on a screen less than KIOSK_COMPACT_HEIGHT pixels high, `kiosk-compact`
 * sets it three quarters the size, so the first screenful holds the floor
 * and a line of tiles rather than the floor alone.
 */
#define G_LOG_DOMAIN "cb-kiosk-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-agent-board.h"
#include "cb-kiosk-window.h"
#include "cb-wallboard-page.h"

/* Seconds without motion before the cursor hides. */
#define CURSOR_HIDE_SECONDS 3

/* How often the tiles cut by the screen's edges are looked for again, as
 * tiles come, go and grow (and at once at each turn of a page). */
#define FOLD_INTERVAL_MS 500

/* A heading belongs to the tiles this close under it: a screenful never
 * ends between them. */
#define HEADING_REACH 48

/* What a screenful shows above its first tile. */
#define PAGE_MARGIN 12

/* Screens less high than this get the smaller kiosk type. */
#define KIOSK_COMPACT_HEIGHT 1000

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _CbKioskWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  GtkStack        *stack;
  CbWallboardPage *wallboard;
  CbWallboardPage *queues;
  CbAgentBoard    *agent_board;

  /* Owned references */
  CbStore         *store;
  GSettings       *settings;
  char           **boards;
  GPtrArray       *saved_pages;   /* CbWallboardPage of saved boards, in the stack */

  guint            cycle_source;
  guint            cursor_source;
  guint            fold_source;
  GdkFrameClock   *fold_clock;    /* weak: whose layout ends with a fold */
  gboolean         fold_pending;
  guint            compact_source;
  gboolean         compact;
  double           last_x;
  double           last_y;
  gboolean         fullscreen_requested;
};

G_DEFINE_FINAL_TYPE (CbKioskWindow, cb_kiosk_window, ADW_TYPE_APPLICATION_WINDOW)

/* No chrome: the boards' scrolled windows keep scrolling, without bars. */
static void
hide_scrollbars (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget))
    gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (widget),
                                    GTK_POLICY_EXTERNAL, GTK_POLICY_EXTERNAL);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    hide_scrollbars (child);
}

/* The scrolling of a board: its first scrolled window (the tiles', or the
 * agent list's). */
static GtkScrolledWindow *
find_scroller (GtkWidget *widget)
{
  /* Only what shows: not a stack's other pages. */
  if (!gtk_widget_get_visible (widget) || !gtk_widget_get_child_visible (widget))
    return NULL;
  /* A board waiting for data says so; it is not paged through. */
  if (ADW_IS_STATUS_PAGE (widget))
    return NULL;
  if (GTK_IS_SCROLLED_WINDOW (widget))
    return GTK_SCROLLED_WINDOW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkScrolledWindow *scroller = find_scroller (child);

      if (scroller != NULL)
        return scroller;
    }

  return NULL;
}

/* ---- the fold ------------------------------------------------------------ */

typedef struct
{
  GtkWidget       *widget;
  graphene_rect_t  bounds;    /* in the scrolled content's coordinates */
  gboolean         heading;
  gboolean         row;       /* a row of the agent list */
} Block;

/* The tiles (cards) and headings under @widget, where they are in @content.
 * A card's insides are the card's. */
static void
collect_blocks (GtkWidget *widget,
                GtkWidget *content,
                GArray    *blocks)
{
  gboolean card = gtk_widget_has_css_class (widget, "card");
  gboolean heading = gtk_widget_has_css_class (widget, "wallboard-heading");

  /* Tiles out of view are not drawn (not child-visible; cb-wallboard-page.c)
   * but keep their place. */
  if (!gtk_widget_get_visible (widget))
    return;
  if (card || heading)
    {
      Block block = { .widget = widget, .heading = heading };

      if (gtk_widget_compute_bounds (widget, content, &block.bounds))
        g_array_append_val (blocks, block);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_blocks (child, content, blocks);
}

static double
block_top (const Block *block)
{
  return block->bounds.origin.y;
}

static double
block_bottom (const Block *block)
{
  return block->bounds.origin.y + block->bounds.size.height;
}

static gboolean
overlaps_across (const Block *a,
                 const Block *b)
{
  return a->bounds.origin.x < b->bounds.origin.x + b->bounds.size.width
         && b->bounds.origin.x < a->bounds.origin.x + a->bounds.size.width;
}

/* The heading just above @card, if any. */
static const Block *
heading_of (GArray      *blocks,
            const Block *card)
{
  for (guint i = 0; i < blocks->len; i++)
    {
      const Block *heading = &g_array_index (blocks, Block, i);

      if (heading->heading && block_bottom (heading) <= block_top (card) + 0.5
          && block_bottom (heading) > block_top (card) - HEADING_REACH && overlaps_across (heading, card))
        return heading;
    }
  return NULL;
}

/* Whether @block is not whole on the screenful [top, bottom) but would be
 * on another: cut by an edge, no taller than a screen. */
static gboolean
is_cut (const Block *block,
        double       top,
        double       bottom)
{
  return block->bounds.size.height <= bottom - top
         && (block_top (block) < top - 0.5 || block_bottom (block) > bottom + 0.5);
}

/* The rows a list (the agent board's column view) holds, where they are
 * in the list as it scrolls: a list places its rows in view, so a row's
 * place in the list is its place on screen plus @scrolled. */
static void
collect_rows (GtkWidget *list,
              double     scrolled,
              GArray    *blocks)
{
  GtkWidget *view = list;

  /* A column view's rows are its list view's; the titles stay on top. */
  if (GTK_IS_COLUMN_VIEW (list))
    for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL; child = gtk_widget_get_next_sibling (child))
      if (GTK_IS_LIST_VIEW (child))
        view = child;

  for (GtkWidget *row = gtk_widget_get_first_child (view); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      Block block = { .widget = row, .row = TRUE };

      if (!gtk_widget_get_visible (row) || g_strcmp0 (gtk_widget_get_css_name (row), "row") != 0
          || !gtk_widget_compute_bounds (row, view, &block.bounds))
        continue;
      block.bounds.origin.y += scrolled;
      g_array_append_val (blocks, block);
    }
}

/* The content that scrolls in @scroller, and the blocks in it. */
static GtkWidget *
scroller_blocks (GtkScrolledWindow *scroller,
                 GArray            *blocks)
{
  GtkWidget *content = gtk_scrolled_window_get_child (scroller);

  if (GTK_IS_VIEWPORT (content) && gtk_viewport_get_child (GTK_VIEWPORT (content)) != NULL)
    content = gtk_viewport_get_child (GTK_VIEWPORT (content));
  if (GTK_IS_COLUMN_VIEW (content) || GTK_IS_LIST_VIEW (content))
    collect_rows (content, gtk_adjustment_get_value (gtk_scrolled_window_get_vadjustment (scroller)), blocks);
  else if (content != NULL)
    collect_blocks (content, content, blocks);
  return content;
}

/* Where the screenful after the one at @value starts: at the first tile
 * the bottom of the screen cuts, or its heading, or at the first row it
 * cuts, or else a screen lower. */
static double
next_page_top (GtkScrolledWindow *scroller)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scroller);
  double value = gtk_adjustment_get_value (adjustment);
  double page = gtk_adjustment_get_page_size (adjustment);
  double upper = gtk_adjustment_get_upper (adjustment);
  double next = value + page;
  g_autoptr(GArray) blocks = g_array_new (FALSE, FALSE, sizeof (Block));

  scroller_blocks (scroller, blocks);
  for (guint i = 0; i < blocks->len; i++)
    {
      const Block *block = &g_array_index (blocks, Block, i);
      const Block *heading;
      double top;

      if (block->heading || block_bottom (block) <= value + page + 0.5 || block_top (block) <= value + 0.5)
        continue;
      heading = heading_of (blocks, block);
      top = heading != NULL && block_top (heading) > value + 0.5 ? block_top (heading) : block_top (block);
      next = MIN (next, MAX (top - (block->row ? 0 : PAGE_MARGIN), value + 1));
    }
  return MIN (next, upper - page);
}

/* Hides the tiles the screen's edges cut on the visible board (and the
 * headings of tiles all hidden), and shows the others. */
static void
update_fold (CbKioskWindow *self)
{
  GtkWidget *visible = gtk_stack_get_visible_child (self->stack);
  GtkScrolledWindow *scroller = visible != NULL ? find_scroller (visible) : NULL;
  g_autoptr(GArray) blocks = g_array_new (FALSE, FALSE, sizeof (Block));
  g_autoptr(GArray) hide = g_array_new (FALSE, TRUE, sizeof (gboolean));
  GtkAdjustment *adjustment;
  double top, bottom;

  if (scroller == NULL || scroller_blocks (scroller, blocks) == NULL)
    return;
  adjustment = gtk_scrolled_window_get_vadjustment (scroller);
  top = gtk_adjustment_get_value (adjustment);
  bottom = top + gtk_adjustment_get_page_size (adjustment);
  g_array_set_size (hide, blocks->len);

  /* Tiles, and headings cut themselves… */
  for (guint i = 0; i < blocks->len; i++)
    g_array_index (hide, gboolean, i) = bottom > top && is_cut (&g_array_index (blocks, Block, i), top, bottom);
  /* …and headings over nothing but hidden tiles: each tile says, once,
   * whether its heading has a tile in sight (bit 1: a tile under it, bit 2:
   * one shown). */
  {
    g_autoptr(GArray) under = g_array_new (FALSE, TRUE, sizeof (guint8));

    g_array_set_size (under, blocks->len);
    for (guint k = 0; k < blocks->len; k++)
      {
        const Block *block = &g_array_index (blocks, Block, k);
        const Block *heading = block->heading ? NULL : heading_of (blocks, block);

        if (heading != NULL)
          g_array_index (under, guint8, heading - (const Block *) blocks->data)
            |= 1 | (g_array_index (hide, gboolean, k) ? 0 : 2);
      }
    for (guint i = 0; i < blocks->len; i++)
      if (g_array_index (under, guint8, i) == 1)
        g_array_index (hide, gboolean, i) = TRUE;
  }

  for (guint i = 0; i < blocks->len; i++)
    {
      GtkWidget *widget = g_array_index (blocks, Block, i).widget;
      double opacity = g_array_index (hide, gboolean, i) ? 0 : 1;

      if (gtk_widget_get_opacity (widget) != opacity)
        gtk_widget_set_opacity (widget, opacity);
    }
}

static gboolean
on_fold_timeout (gpointer user_data)
{
  update_fold (CB_KIOSK_WINDOW (user_data));
  return G_SOURCE_CONTINUE;
}

/* After the frame's layout, before its paint: a list places its rows for
 * a new scroll position only when laid out. */
static void
on_layout (CbKioskWindow *self)
{
  if (!self->fold_pending || self->stack == NULL)
    return;
  self->fold_pending = FALSE;
  update_fold (self);
}

/* The fold once the next frame has been laid out: a new screenful's rows
 * are only where they show then. */
static void
fold_after_layout (CbKioskWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (clock == NULL)
    return;
  if (clock != self->fold_clock)
    {
      /* The root connects its own layout while one is due; ours runs after. */
      g_signal_connect_object (clock, "layout", G_CALLBACK (on_layout), self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
      g_set_weak_pointer (&self->fold_clock, clock);
    }
  self->fold_pending = TRUE;
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_LAYOUT);
}

static void
prepare_page (CbKioskWindow   *self,
              CbWallboardPage *page)
{
  GtkBox *slot = cb_wallboard_page_get_agent_board_slot (page);

  /* No board on a TV shows its search, filters and actions. */
  for (GtkWidget *board = gtk_widget_get_first_child (GTK_WIDGET (slot)); board;
       board = gtk_widget_get_next_sibling (board))
    if (CB_IS_AGENT_BOARD (board))
      cb_agent_board_set_controls_visible (CB_AGENT_BOARD (board), FALSE);
  hide_scrollbars (GTK_WIDGET (page));
}

static gboolean
is_builtin (const char *name)
{
  return g_strcmp0 (name, "wallboard") == 0 || g_strcmp0 (name, "queues") == 0
         || g_strcmp0 (name, "agents") == 0;
}

/* A page for each saved board the settings name, as it is saved; the
 * built-in "wallboard" and "queues" show the active one. Saved boards that
 * cannot be read leave the built-in board. */
static void
load_saved_boards (CbKioskWindow *self)
{
  g_autofree char *data = g_settings_get_string (self->settings, "wallboards");
  g_autofree char *active_id = g_settings_get_string (self->settings, "active-wallboard");
  g_auto(GStrv) names = g_settings_get_strv (self->settings, "kiosk-boards");
  g_autoptr(GPtrArray) saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbBoard) fallback = cb_board_new_default ();
  CbBoard *active;

  if (data != NULL && *data != '\0')
    saved = cb_boards_from_data (data, -1, &error);
  if (error != NULL)
    g_message ("Saved wallboards: %s", error->message);
  if (saved == NULL)
    saved = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_board_unref);

  active = cb_boards_lookup (saved, active_id);
  if (active == NULL)
    active = saved->len > 0 ? g_ptr_array_index (saved, 0) : fallback;
  cb_wallboard_page_set_board (self->wallboard, active);
  cb_wallboard_page_set_board (self->queues, active);

  /* Pages of boards no longer named, or no longer saved, go. */
  for (guint i = self->saved_pages->len; i > 0; i--)
    {
      GtkWidget *page = g_ptr_array_index (self->saved_pages, i - 1);
      const char *id = cb_wallboard_page_get_board (CB_WALLBOARD_PAGE (page))->id;

      if (!g_strv_contains ((const char * const *) names, id) || cb_boards_lookup (saved, id) == NULL)
        {
          cb_wallboard_page_set_store (CB_WALLBOARD_PAGE (page), NULL);
          gtk_stack_remove (self->stack, page);
          g_ptr_array_remove_index (self->saved_pages, i - 1);
        }
    }

  for (guint i = 0; names[i] != NULL; i++)
    {
      CbBoard *board = is_builtin (names[i]) ? NULL : cb_boards_lookup (saved, names[i]);
      GtkWidget *page;
      GtkStackPage *stack_page;

      if (board == NULL)
        continue;
      page = gtk_stack_get_child_by_name (self->stack, board->id);
      if (page == NULL)
        {
          page = cb_wallboard_page_new ();
          cb_wallboard_page_set_board (CB_WALLBOARD_PAGE (page), board);
          prepare_page (self, CB_WALLBOARD_PAGE (page));
          cb_wallboard_page_set_store (CB_WALLBOARD_PAGE (page), self->store);
          gtk_stack_add_named (self->stack, page, board->id);
          g_ptr_array_add (self->saved_pages, page);
        }
      else
        cb_wallboard_page_set_board (CB_WALLBOARD_PAGE (page), board);
      stack_page = gtk_stack_get_page (self->stack, page);
      gtk_stack_page_set_title (stack_page, board->name);
    }
}

static gboolean
board_is_known (CbKioskWindow *self,
                const char    *name)
{
  return name != NULL && gtk_stack_get_child_by_name (self->stack, name) != NULL;
}

/* The boards to cycle through, as the settings name them, without the
 * names no page answers to. The board on screen stays if it is still one
 * of them and @keep_current; otherwise the first one shows. */
static void
load_boards (CbKioskWindow *self,
             gboolean       keep_current)
{
  g_auto(GStrv) names = g_settings_get_strv (self->settings, "kiosk-boards");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *current = gtk_stack_get_visible_child_name (self->stack);
  gboolean any = FALSE;
  gboolean current_kept = FALSE;

  for (guint i = 0; names[i] != NULL; i++)
    if (board_is_known (self, names[i]))
      {
        g_strv_builder_add (builder, names[i]);
        any = TRUE;
        if (g_strcmp0 (names[i], current) == 0)
          current_kept = TRUE;
      }
  if (!any)
    g_strv_builder_add (builder, "wallboard");

  g_strfreev (self->boards);
  self->boards = g_strv_builder_end (builder);

  if (!current_kept || !keep_current)
    {
      gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_NONE);
      gtk_stack_set_visible_child_name (self->stack, self->boards[0]);
    }
}

static gboolean
on_cycle (gpointer user_data)
{
  cb_kiosk_window_cycle (CB_KIOSK_WINDOW (user_data));
  return G_SOURCE_CONTINUE;
}

static void
restart_cycle (CbKioskWindow *self)
{
  guint seconds = g_settings_get_uint (self->settings, "kiosk-cycle-seconds");

  g_clear_handle_id (&self->cycle_source, g_source_remove);
  if (seconds > 0)
    self->cycle_source = g_timeout_add (seconds * 1000, on_cycle, self);
}

static void
on_settings_changed (CbKioskWindow *self,
                     const char    *key,
                     GSettings     *settings)
{
  load_saved_boards (self);
  load_boards (self, TRUE);
  restart_cycle (self);
}

static gboolean
on_cursor_timeout (gpointer user_data)
{
  CbKioskWindow *self = CB_KIOSK_WINDOW (user_data);

  self->cursor_source = 0;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "none");
  return G_SOURCE_REMOVE;
}

static void
show_cursor (CbKioskWindow *self)
{
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
  g_clear_handle_id (&self->cursor_source, g_source_remove);
  self->cursor_source = g_timeout_add_seconds (CURSOR_HIDE_SECONDS, on_cursor_timeout, self);
}

static void
on_motion (CbKioskWindow *self,
           double         x,
           double         y)
{
  /* Changing the cursor can replay the pointer's position: only a move
   * counts as motion. */
  if (x == self->last_x && y == self->last_y)
    return;
  self->last_x = x;
  self->last_y = y;
  show_cursor (self);
}

static void
on_pressed (CbKioskWindow *self,
            int            n_press,
            double         x,
            double         y)
{
  if (n_press == 2)
    gtk_window_close (GTK_WINDOW (self));
}

static void
leave_kiosk (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  gtk_window_close (GTK_WINDOW (widget));
}

static void
next_board (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CbKioskWindow *self = CB_KIOSK_WINDOW (widget);

  cb_kiosk_window_cycle (self);
  restart_cycle (self);
}

static void
cb_kiosk_window_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CbKioskWindow *self = CB_KIOSK_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_kiosk_window_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CbKioskWindow *self = CB_KIOSK_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      cb_kiosk_window_set_store (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The type follows the screen's height (KIOSK_COMPACT_HEIGHT): set after
 * the allocation that found it, since a change of style lays out again. */
static void
apply_compact (gpointer user_data)
{
  CbKioskWindow *self = user_data;

  self->compact_source = 0;
  if (self->compact)
    gtk_widget_add_css_class (GTK_WIDGET (self), "kiosk-compact");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "kiosk-compact");
}

static void
cb_kiosk_window_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  CbKioskWindow *self = CB_KIOSK_WINDOW (widget);
  gboolean compact = height > 0 && height < KIOSK_COMPACT_HEIGHT;

  GTK_WIDGET_CLASS (cb_kiosk_window_parent_class)->size_allocate (widget, width, height, baseline);

  if (compact != self->compact)
    {
      self->compact = compact;
      if (self->compact_source == 0)
        self->compact_source = g_idle_add_once (apply_compact, self);
    }
}

static void
cb_kiosk_window_dispose (GObject *object)
{
  CbKioskWindow *self = CB_KIOSK_WINDOW (object);

  g_clear_handle_id (&self->cycle_source, g_source_remove);
  g_clear_handle_id (&self->cursor_source, g_source_remove);
  g_clear_handle_id (&self->fold_source, g_source_remove);
  g_clear_handle_id (&self->compact_source, g_source_remove);
  g_clear_weak_pointer (&self->fold_clock);
  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_KIOSK_WINDOW);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cb_kiosk_window_parent_class)->dispose (object);
}

static void
cb_kiosk_window_finalize (GObject *object)
{
  CbKioskWindow *self = CB_KIOSK_WINDOW (object);

  g_clear_pointer (&self->boards, g_strfreev);
  g_clear_pointer (&self->saved_pages, g_ptr_array_unref);

  G_OBJECT_CLASS (cb_kiosk_window_parent_class)->finalize (object);
}

static void
cb_kiosk_window_class_init (CbKioskWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cb_kiosk_window_get_property;
  object_class->set_property = cb_kiosk_window_set_property;
  object_class->dispose = cb_kiosk_window_dispose;
  object_class->finalize = cb_kiosk_window_finalize;
  widget_class->size_allocate = cb_kiosk_window_size_allocate;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, CB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CB_TYPE_WALLBOARD_PAGE);
  g_type_ensure (CB_TYPE_AGENT_BOARD);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/callboard/Callboard/ui/cb-kiosk-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CbKioskWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CbKioskWindow, wallboard);
  gtk_widget_class_bind_template_child (widget_class, CbKioskWindow, queues);
  gtk_widget_class_bind_template_child (widget_class, CbKioskWindow, agent_board);
  gtk_widget_class_bind_template_callback (widget_class, on_motion);
  gtk_widget_class_bind_template_callback (widget_class, on_pressed);

  gtk_widget_class_install_action (widget_class, "kiosk.leave", NULL, leave_kiosk);
  gtk_widget_class_install_action (widget_class, "kiosk.next", NULL, next_board);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "kiosk.leave", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "kiosk.next", NULL);
}

static void
cb_kiosk_window_init (CbKioskWindow *self)
{
  GtkBox *slot;
  GtkWidget *board;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The queues board is the wallboard without its agent board, which has
   * a board of its own: the tiles then get the whole screen. */
  slot = cb_wallboard_page_get_agent_board_slot (self->queues);
  while ((board = gtk_widget_get_first_child (GTK_WIDGET (slot))) != NULL)
    gtk_box_remove (slot, board);
  prepare_page (self, self->wallboard);
  hide_scrollbars (GTK_WIDGET (self->stack));
  self->saved_pages = g_ptr_array_new ();

  self->last_x = -1;
  self->last_y = -1;
  self->settings = g_settings_new ("io.github.callboard.Callboard");
  g_signal_connect_object (self->settings, "changed::kiosk-boards",
                           G_CALLBACK (on_settings_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::kiosk-cycle-seconds",
                           G_CALLBACK (on_settings_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::wallboards",
                           G_CALLBACK (on_settings_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::active-wallboard",
                           G_CALLBACK (on_settings_changed), self, G_CONNECT_SWAPPED);
  load_saved_boards (self);
  load_boards (self, FALSE);
  restart_cycle (self);
  show_cursor (self);
  self->fold_source = g_timeout_add (FOLD_INTERVAL_MS, on_fold_timeout, self);
}

/**
 * cb_kiosk_window_new:
 * @app: the application, whose store the window shows
 * @monitor: (nullable): the monitor to fill, or %NULL for the one the
 *   window system picks
 *
 * Returns: (transfer none): a kiosk window, full screen once presented
 */
CbKioskWindow *
cb_kiosk_window_new (CbApplication *app,
                     GdkMonitor    *monitor)
{
  CbKioskWindow *self;

  g_return_val_if_fail (CB_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (monitor == NULL || GDK_IS_MONITOR (monitor), NULL);

  self = g_object_new (CB_TYPE_KIOSK_WINDOW, "application", app, NULL);
  g_object_bind_property (app, "store", self, "store", G_BINDING_SYNC_CREATE);

  if (monitor != NULL)
    gtk_window_fullscreen_on_monitor (GTK_WINDOW (self), monitor);
  else
    gtk_window_fullscreen (GTK_WINDOW (self));
  self->fullscreen_requested = TRUE;

  return self;
}

CbStore *
cb_kiosk_window_get_store (CbKioskWindow *self)
{
  g_return_val_if_fail (CB_IS_KIOSK_WINDOW (self), NULL);
  return self->store;
}

void
cb_kiosk_window_set_store (CbKioskWindow *self,
                           CbStore       *store)
{
  g_return_if_fail (CB_IS_KIOSK_WINDOW (self));
  g_return_if_fail (store == NULL || CB_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;

  cb_wallboard_page_set_store (self->wallboard, store);
  cb_wallboard_page_set_store (self->queues, store);
  for (guint i = 0; i < self->saved_pages->len; i++)
    cb_wallboard_page_set_store (g_ptr_array_index (self->saved_pages, i), store);
  cb_agent_board_set_store (self->agent_board, store);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

/* The name of the board on screen ("wallboard", "agents", a saved board's id). */
const char *
cb_kiosk_window_get_board (CbKioskWindow *self)
{
  g_return_val_if_fail (CB_IS_KIOSK_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
cb_kiosk_window_get_fullscreen_requested (CbKioskWindow *self)
{
  g_return_val_if_fail (CB_IS_KIOSK_WINDOW (self), FALSE);
  return self->fullscreen_requested;
}

/**
 * cb_kiosk_window_cycle:
 * @self: a kiosk window
 *
 * Shows the next of the chosen boards, crossfading unless animations are
 * off. A board taller than the screen (more tiles, more agents than fit)
 * first shows its next screenful, from the first tile the last one cut:
 * nobody scrolls a TV.
 */
void
cb_kiosk_window_cycle (CbKioskWindow *self)
{
  const char *current;
  guint n, next = 0;
  gboolean animate = TRUE;
  GtkScrolledWindow *scroller;

  g_return_if_fail (CB_IS_KIOSK_WINDOW (self));

  scroller = find_scroller (gtk_stack_get_visible_child (self->stack));
  if (scroller != NULL)
    {
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scroller);
      double value = gtk_adjustment_get_value (adjustment);
      double page = gtk_adjustment_get_page_size (adjustment);
      double upper = gtk_adjustment_get_upper (adjustment);

      if (page > 0 && value + page < upper - 1)
        {
          gtk_adjustment_set_value (adjustment, next_page_top (scroller));
          update_fold (self);
          fold_after_layout (self);
          return;
        }
    }

  n = g_strv_length (self->boards);
  current = gtk_stack_get_visible_child_name (self->stack);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (self->boards[i], current) == 0)
      next = (i + 1) % n;

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-enable-animations", &animate, NULL);
  gtk_stack_set_transition_type (self->stack, animate ? GTK_STACK_TRANSITION_TYPE_CROSSFADE
                                                      : GTK_STACK_TRANSITION_TYPE_NONE);
  gtk_stack_set_visible_child_name (self->stack, self->boards[next]);

  scroller = find_scroller (gtk_stack_get_visible_child (self->stack));
  if (scroller != NULL)
    {
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scroller);

      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
    }
  update_fold (self);
  fold_after_layout (self);
}
