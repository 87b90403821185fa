/* cb-board-editor.c — the window where a wallboard is built
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A preferences window over a copy of one board (CbBoard): its name and
 * service-level variant, then a row per tile, in order, that opens on the
 * tile's size, heading, figure and window (single figures), its filters —
 * the store's queues, teams and campaigns to tick, with the ids the board
 * names that this backend lacks kept and marked missing — and its own
 * amber and red thresholds for the figures it shows. Tiles move up and
 * down, go, and come from the add button.
 *
 * A filter list longer than a screenful (200 queues) opens on a search
 * entry: typing hides the rows whose name and id lack what was typed,
 * and only hides them — what is ticked stays ticked, shown or not. What
 * was typed outlives the rebuilds that every tick causes.
 *
 * No Apply button: every change is checked (cb_board_validate ()) and
 * emitted as #CbBoardEditor::changed, and the page saves and shows it at
 * once, so the board on screen is the preview.
 */
#define G_LOG_DOMAIN "cb-board-editor"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "cb-board-editor.h"
#include "cb-entity-model.h"
#include "cb-ui-types.h"

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _CbBoardEditor
{
  AdwPreferencesWindow parent_instance;

  /* template widgets */
  AdwEntryRow          *name_row;
  AdwComboRow          *sl_row;
  AdwPreferencesGroup  *tiles_group;
  GtkMenuButton        *add_button;

  /* owned */
  CbBoard              *board;
  CbStore              *store;
  GPtrArray            *rows;        /* AdwExpanderRow in tiles_group, one per tile */
  GHashTable           *queries;     /* query_key () → what a filter's search entry holds */
  guint                 expanded;    /* the tile whose row stays open across rebuilds */
  gboolean              building;
};

G_DEFINE_FINAL_TYPE (CbBoardEditor, cb_board_editor, ADW_TYPE_PREFERENCES_WINDOW)

/* The figures whose thresholds a kind of tile can override. */
static const CbMetricId floor_metrics[] = {
  CB_METRIC_SERVICE_LEVEL, CB_METRIC_ABANDON_RATE, CB_METRIC_LONGEST_WAIT, CB_METRIC_CALLS_WAITING,
};
static const CbMetricId queue_metrics[] = {
  CB_METRIC_SERVICE_LEVEL, CB_METRIC_LONGEST_WAIT, CB_METRIC_CALLS_WAITING, CB_METRIC_ASA,
  CB_METRIC_ABANDON_RATE, CB_METRIC_AHT,
};
static const CbMetricId campaign_metrics[] = {
  CB_METRIC_DROP_RATE, CB_METRIC_ASR, CB_METRIC_CONVERSION_RATE,
};

/* A filter list with more rows than this opens on a search entry. */
#define SEARCH_FROM 8

static void build_rows (CbBoardEditor *self);

static CbBoardTile *
tile_at (CbBoardEditor *self,
         guint          index)
{
  g_return_val_if_fail (index < self->board->tiles->len, NULL);
  return g_ptr_array_index (self->board->tiles, index);
}

static void
emit_changed (CbBoardEditor *self)
{
  g_autoptr(GError) error = NULL;

  if (self->building)
    return;
  if (!cb_board_validate (self->board, &error))
    {
      AdwToast *toast = cb_toast_new_text (error->message);

      g_message ("Board not saved: %s", error->message);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
      return;
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

static const char *
tile_title (const CbBoardTile *tile)
{
  if (tile->title != NULL)
    return tile->title;
  if (tile->kind == CB_BOARD_TILE_KPI)
    return cb_metric_get_name (tile->metric);
  return cb_board_tile_kind_get_label (tile->kind);
}

/* "queue q-sales" or "3 queues" */
static void
describe_ids (GStrvBuilder   *parts,
              char          **ids,
              CbBoardFilters  filter)
{
  guint n = g_strv_length (ids);
  g_autofree char *text = NULL;

  if (n == 0)
    return;
  switch (filter)
    {
    case CB_BOARD_FILTER_QUEUES:
      /* Translators: a tile's filter in the editor: one queue by id, or a count */
      text = n == 1 ? g_strdup_printf (_("queue %s"), ids[0])
                    : g_strdup_printf (ngettext ("%u queue", "%u queues", n), n);
      break;
    case CB_BOARD_FILTER_TEAMS:
      text = n == 1 ? g_strdup_printf (_("team %s"), ids[0])
                    : g_strdup_printf (ngettext ("%u team", "%u teams", n), n);
      break;
    case CB_BOARD_FILTER_CAMPAIGNS:
    default:
      text = n == 1 ? g_strdup_printf (_("campaign %s"), ids[0])
                    : g_strdup_printf (ngettext ("%u campaign", "%u campaigns", n), n);
      break;
    }
  g_strv_builder_add (parts, text);
}

static char *
tile_subtitle (const CbBoardTile *tile)
{
  g_autoptr(GStrvBuilder) parts = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  if (tile->kind != CB_BOARD_TILE_AGENTS)
    g_strv_builder_add (parts, cb_board_tile_size_get_label (tile->size));
  if (tile->kind == CB_BOARD_TILE_KPI)
    g_strv_builder_add (parts, cb_board_window_get_label (tile->window));
  describe_ids (parts, tile->queue_ids, CB_BOARD_FILTER_QUEUES);
  describe_ids (parts, tile->team_ids, CB_BOARD_FILTER_TEAMS);
  describe_ids (parts, tile->campaign_ids, CB_BOARD_FILTER_CAMPAIGNS);
  if (tile->thresholds->len > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u own threshold", "%u own thresholds",
                                                         tile->thresholds->len),
                                               tile->thresholds->len);

      g_strv_builder_add (parts, text);
    }
  list = g_strv_builder_end (parts);
  return g_strjoinv (" · ", list);
}

/* Row titles and subtitles are markup in libadwaita 1.2, whatever
 * use-markup says for some of them: names from the backend or the user
 * ("Billing & Co <EE>") are escaped, so they show as they are. */
static void
set_title_text (AdwPreferencesRow *row,
                const char        *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);

  adw_preferences_row_set_title (row, escaped);
}

static void
set_subtitle_text (GtkWidget  *row,
                   const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);

  if (ADW_IS_EXPANDER_ROW (row))
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), escaped);
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
}

static void
update_row (CbBoardEditor *self,
            guint          index)
{
  CbBoardTile *tile = tile_at (self, index);
  AdwPreferencesRow *row = g_ptr_array_index (self->rows, index);
  g_autofree char *subtitle = tile_subtitle (tile);

  set_title_text (row, tile_title (tile));
  set_subtitle_text (GTK_WIDGET (row), subtitle);
}

static guint
row_index (GtkWidget *widget)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (widget), "tile-index"));
}

static void
tag (gpointer object,
     guint    index)
{
  g_object_set_data (G_OBJECT (object), "tile-index", GUINT_TO_POINTER (index));
}

/* What a filter's search entry holds is kept by tile, which a move does
 * not change, and by filter. */
static char *
query_key (const CbBoardTile *tile,
           CbBoardFilters     filter)
{
  return g_strdup_printf ("%p/%u", tile, filter);
}

static void
forget_queries (CbBoardEditor     *self,
                const CbBoardTile *tile)
{
  static const CbBoardFilters filters[] = {
    CB_BOARD_FILTER_QUEUES, CB_BOARD_FILTER_TEAMS, CB_BOARD_FILTER_CAMPAIGNS,
  };

  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      g_autofree char *key = query_key (tile, filters[i]);

      g_hash_table_remove (self->queries, key);
    }
}

/* Case and composition do not count; accents do. */
static char *
search_fold (const char *text)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);

  return g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);
}

static const char *
search_placeholder (CbBoardFilters filter)
{
  switch (filter)
    {
    case CB_BOARD_FILTER_QUEUES:
      /* Translators: the search entry over a tile's queues in the wallboard editor */
      return _("Search queues");
    case CB_BOARD_FILTER_TEAMS:
      /* Translators: the search entry over a tile's teams in the wallboard editor */
      return _("Search teams");
    case CB_BOARD_FILTER_CAMPAIGNS:
    default:
      /* Translators: the search entry over a tile's campaigns in the wallboard editor */
      return _("Search campaigns");
    }
}

static char *
search_no_match (CbBoardFilters  filter,
                 const char     *query)
{
  switch (filter)
    {
    case CB_BOARD_FILTER_QUEUES:
      /* Translators: in a tile's filters, when no queue's name or id has what
       * was typed; %s is what was typed */
      return g_strdup_printf (_("No queue matches “%s”"), query);
    case CB_BOARD_FILTER_TEAMS:
      /* Translators: in a tile's filters, when no team's name or id has what
       * was typed; %s is what was typed */
      return g_strdup_printf (_("No team matches “%s”"), query);
    case CB_BOARD_FILTER_CAMPAIGNS:
    default:
      /* Translators: in a tile's filters, when no campaign's name or id has
       * what was typed; %s is what was typed */
      return g_strdup_printf (_("No campaign matches “%s”"), query);
    }
}

/* Shows the rows of @entry's list that have what it holds, and the
 * no-match row when none has; hides, never unticks. The ticked rows stay
 * in sight whatever was typed: what the tile already holds is what one
 * searches beside. */
static void
filter_id_rows (CbBoardEditor  *self,
                GtkSearchEntry *entry)
{
  GPtrArray *checks = g_object_get_data (G_OBJECT (entry), "rows");
  GtkWidget *empty = g_object_get_data (G_OBJECT (entry), "empty");
  CbBoardFilters filter = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (entry), "filter"));
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
  g_autofree char *query = search_fold (text);
  guint shown = 0;

  for (guint i = 0; i < checks->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (checks, i);
      const char *key = g_object_get_data (G_OBJECT (row), "search-key");
      GtkWidget *check = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));
      gboolean match = *query == '\0' || strstr (key, query) != NULL;

      gtk_widget_set_visible (row, match || gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
      shown += match;
    }
  if (*query != '\0' && shown == 0)
    {
      g_autofree char *title = search_no_match (filter, text);

      set_title_text (ADW_PREFERENCES_ROW (empty), title);
    }
  gtk_widget_set_visible (empty, *query != '\0' && shown == 0);
}

/* Kept as typed, before the search delay, so a tick right after typing
 * (which rebuilds the rows) keeps it too. */
static void
remember_query (CbBoardEditor  *self,
                GtkSearchEntry *entry)
{
  CbBoardFilters filter = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (entry), "filter"));
  guint index = row_index (GTK_WIDGET (entry));
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  char *key;

  if (index >= self->board->tiles->len)
    return;
  key = query_key (tile_at (self, index), filter);
  if (*text != '\0')
    g_hash_table_replace (self->queries, key, g_strdup (text));
  else
    {
      g_hash_table_remove (self->queries, key);
      g_free (key);
    }
}

/* ---- what the rows do ----------------------------------------------------- */

static void
on_move_up (GtkButton     *button,
            CbBoardEditor *self)
{
  cb_board_editor_move_tile (self, row_index (GTK_WIDGET (button)), -1);
}

static void
on_move_down (GtkButton     *button,
              CbBoardEditor *self)
{
  cb_board_editor_move_tile (self, row_index (GTK_WIDGET (button)), 1);
}

static void
on_remove (GtkButton     *button,
           CbBoardEditor *self)
{
  cb_board_editor_remove_tile (self, row_index (GTK_WIDGET (button)));
}

static void
on_size_selected (AdwComboRow   *row,
                  GParamSpec    *pspec,
                  CbBoardEditor *self)
{
  if (!self->building)
    cb_board_editor_set_tile_size (self, row_index (GTK_WIDGET (row)),
                                   adw_combo_row_get_selected (row) + CB_BOARD_SIZE_SMALL);
}

static void
on_metric_selected (AdwComboRow   *row,
                    GParamSpec    *pspec,
                    CbBoardEditor *self)
{
  guint index = row_index (GTK_WIDGET (row));
  CbBoardTile *tile;

  if (self->building)
    return;
  tile = tile_at (self, index);
  tile->metric = adw_combo_row_get_selected (row);
  /* Another figure: the thresholds of the one before go. */
  g_array_set_size (tile->thresholds, 0);
  self->expanded = index;
  build_rows (self);
  emit_changed (self);
}

static void
on_window_selected (AdwComboRow   *row,
                    GParamSpec    *pspec,
                    CbBoardEditor *self)
{
  static const CbMetricWindowKind kinds[] = {
    CB_METRIC_WINDOW_LIVE, CB_METRIC_WINDOW_LAST_15, CB_METRIC_WINDOW_LAST_30,
    CB_METRIC_WINDOW_LAST_60, CB_METRIC_WINDOW_TODAY,
  };
  guint index = row_index (GTK_WIDGET (row));
  guint selected = adw_combo_row_get_selected (row);

  if (self->building || selected >= G_N_ELEMENTS (kinds))
    return;
  tile_at (self, index)->window = kinds[selected];
  update_row (self, index);
  emit_changed (self);
}

static void
on_heading_applied (AdwEntryRow   *row,
                    CbBoardEditor *self)
{
  guint index = row_index (GTK_WIDGET (row));
  CbBoardTile *tile = tile_at (self, index);
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  g_clear_pointer (&tile->title, g_free);
  if (*text != '\0')
    tile->title = g_utf8_substring (text, 0, CB_BOARD_MAX_NAME);
  update_row (self, index);
  emit_changed (self);
}

static void
on_id_toggled (GtkCheckButton *check,
               CbBoardEditor  *self)
{
  if (self->building)
    return;
  cb_board_editor_toggle_id (self, row_index (GTK_WIDGET (check)),
                             GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (check), "filter")),
                             g_object_get_data (G_OBJECT (check), "id"));
}

static void
on_id_search_changed (GtkSearchEntry *entry,
                      CbBoardEditor  *self)
{
  filter_id_rows (self, entry);
}

static void
on_id_search_edited (GtkSearchEntry *entry,
                     CbBoardEditor  *self)
{
  remember_query (self, entry);
}

/* Escape empties the entry first. */
static void
on_id_search_stopped (GtkSearchEntry *entry,
                      CbBoardEditor  *self)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
threshold_spins (GtkWidget      *widget,
                 GtkSpinButton **warning,
                 GtkSpinButton **critical)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_ACTION_ROW);

  *warning = g_object_get_data (G_OBJECT (row), "warning");
  *critical = g_object_get_data (G_OBJECT (row), "critical");
}

static void
on_threshold_changed (GtkSpinButton *spin,
                      CbBoardEditor *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (spin), ADW_TYPE_ACTION_ROW);
  CbMetricId metric = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "metric"));
  const CbMetricInfo *info = cb_metric_get_info (metric);
  double scale = info->unit == CB_METRIC_UNIT_MS ? 1000 : 1;
  GtkSpinButton *warning, *critical;
  double w, c;
  guint index = row_index (row);

  if (self->building)
    return;
  threshold_spins (row, &warning, &critical);
  w = gtk_spin_button_get_value (warning);
  c = gtk_spin_button_get_value (critical);
  /* Keep the two in order: red is past amber. */
  self->building = TRUE;
  if (info->direction == CB_METRIC_DIRECTION_HIGHER_IS_BETTER && c > w)
    gtk_spin_button_set_value (spin == warning ? critical : warning, spin == warning ? (c = w) : (w = c));
  else if (info->direction == CB_METRIC_DIRECTION_LOWER_IS_BETTER && c < w)
    gtk_spin_button_set_value (spin == warning ? critical : warning, spin == warning ? (c = w) : (w = c));
  self->building = FALSE;

  cb_board_tile_set_threshold (tile_at (self, index), metric, w * scale, c * scale);
  gtk_widget_set_sensitive (g_object_get_data (G_OBJECT (row), "reset"), TRUE);
  update_row (self, index);
  emit_changed (self);
}

static void
set_spins (GtkWidget         *row,
           const CbBoardTile *tile,
           CbMetricId         metric)
{
  const CbMetricInfo *info = cb_metric_get_info (metric);
  const CbBoardThreshold *t = cb_board_tile_get_threshold (tile, metric);
  double scale = info->unit == CB_METRIC_UNIT_MS ? 1000 : 1;
  GtkSpinButton *warning = g_object_get_data (G_OBJECT (row), "warning");
  GtkSpinButton *critical = g_object_get_data (G_OBJECT (row), "critical");

  gtk_spin_button_set_value (warning, (t != NULL ? t->warning : info->warning) / scale);
  gtk_spin_button_set_value (critical, (t != NULL ? t->critical : info->critical) / scale);
  gtk_widget_set_sensitive (g_object_get_data (G_OBJECT (row), "reset"), t != NULL);
}

static void
on_threshold_reset (GtkButton     *button,
                    CbBoardEditor *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ACTION_ROW);
  CbMetricId metric = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "metric"));
  guint index = row_index (row);
  CbBoardTile *tile = tile_at (self, index);

  cb_board_tile_clear_threshold (tile, metric);
  self->building = TRUE;
  set_spins (row, tile, metric);
  self->building = FALSE;
  update_row (self, index);
  emit_changed (self);
}

/* ---- the rows ------------------------------------------------------------- */

/* Names come from the backend and the file: never markup. */
static GtkWidget *
icon_button (const char *icon,
             const char *tooltip,
             guint       index,
             GCallback   callback,
             gpointer    self)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  tag (button, index);
  g_signal_connect_object (button, "clicked", callback, self, 0);
  return button;
}

static GtkWidget *
combo_row (const char  *title,
           const char **labels,
           guint        n,
           guint        selected,
           guint        index,
           GCallback    callback,
           gpointer     self)
{
  GtkWidget *row = (adw_combo_row_new ());
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (list, labels[i]);
  set_title_text (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (list));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  tag (row, index);
  g_signal_connect_object (row, "notify::selected", callback, self, 0);
  return row;
}

static void
add_id_rows (CbBoardEditor  *self,
             AdwExpanderRow *expander,
             guint           index,
             CbBoardFilters  filter)
{
  CbBoardTile *tile = tile_at (self, index);
  const char *type = filter == CB_BOARD_FILTER_QUEUES ? "queue"
                   : filter == CB_BOARD_FILTER_TEAMS ? "team" : "campaign";
  char **ids = filter == CB_BOARD_FILTER_QUEUES ? tile->queue_ids
             : filter == CB_BOARD_FILTER_TEAMS ? tile->team_ids : tile->campaign_ids;
  /* Translators: the kinds of filters of a tile, above their check boxes */
  const char *what = filter == CB_BOARD_FILTER_QUEUES ? _("Queue")
                   : filter == CB_BOARD_FILTER_TEAMS ? _("Team") : _("Campaign");
  CbEntityModel *model = self->store != NULL ? cb_store_get_model (self->store, type) : NULL;
  guint n = model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (model)) : 0;
  g_autoptr(GPtrArray) listed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) checks = NULL;
  GtkWidget *entry = NULL;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (listed, g_strdup (cb_entity_get_id (cb_entity_model_get (model, i))));
  /* What the board names and this backend lacks: kept, and said so. */
  for (guint i = 0; ids[i] != NULL; i++)
    if (model == NULL || cb_entity_model_lookup (model, ids[i]) == NULL)
      g_ptr_array_add (listed, g_strdup (ids[i]));

  if (listed->len > SEARCH_FROM)
    {
      GtkWidget *row = (adw_preferences_row_new ());
      const char *placeholder = search_placeholder (filter);

      entry = gtk_search_entry_new ();
      g_object_set (entry, "placeholder-text", placeholder, NULL);
      gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, placeholder,
                                      -1);
      gtk_widget_set_hexpand (entry, TRUE);
      gtk_widget_set_margin_top (entry, 6);
      gtk_widget_set_margin_bottom (entry, 6);
      gtk_widget_set_margin_start (entry, 6);
      gtk_widget_set_margin_end (entry, 6);
      set_title_text (ADW_PREFERENCES_ROW (row), placeholder);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), entry);
      adw_expander_row_add_row (expander, row);
      checks = g_ptr_array_new_with_free_func (g_object_unref);
    }

  for (guint i = 0; i < listed->len; i++)
    {
      const char *id = g_ptr_array_index (listed, i);
      CbEntity *entity = model != NULL ? cb_entity_model_lookup (model, id) : NULL;
      const char *name = entity != NULL ? cb_entity_get_string (entity, "name") : NULL;
      GtkWidget *row = (adw_action_row_new ());
      GtkWidget *check = gtk_check_button_new ();
      g_autofree char *subtitle = NULL;

      if (entity == NULL)
        /* Translators: under an id in a tile's filters: %s is "Queue", "Team" or "Campaign" */
        subtitle = g_strdup_printf (_("%s · missing on this backend"), what);
      else
        subtitle = g_strdup_printf ("%s · %s", what, id);
      set_title_text (ADW_PREFERENCES_ROW (row), name != NULL ? name : id);
      set_subtitle_text (GTK_WIDGET (row), subtitle);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   g_strv_contains ((const char * const *) ids, id));
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      tag (check, index);
      g_object_set_data (G_OBJECT (check), "filter", GUINT_TO_POINTER (filter));
      g_object_set_data_full (G_OBJECT (check), "id", g_strdup (id), g_free);
      g_signal_connect_object (check, "toggled", G_CALLBACK (on_id_toggled), self, 0);
      adw_expander_row_add_row (expander, row);
      if (checks != NULL)
        {
          g_autofree char *key = g_strdup_printf ("%s\n%s", name != NULL ? name : "", id);

          g_object_set_data_full (G_OBJECT (row), "search-key", search_fold (key), g_free);
          g_ptr_array_add (checks, g_object_ref (row));
        }
    }
  if (entry != NULL)
    {
      GtkWidget *empty = (adw_action_row_new ());
      g_autofree char *key = query_key (tile, filter);
      const char *query = g_hash_table_lookup (self->queries, key);

      gtk_widget_add_css_class (empty, "dim-label");
      gtk_widget_set_visible (empty, FALSE);
      adw_expander_row_add_row (expander, empty);
      tag (entry, index);
      g_object_set_data (G_OBJECT (entry), "filter", GUINT_TO_POINTER (filter));
      g_object_set_data (G_OBJECT (entry), "empty", empty);
      g_object_set_data_full (G_OBJECT (entry), "rows", g_steal_pointer (&checks),
                              (GDestroyNotify) g_ptr_array_unref);
      /* What was typed before the rows were rebuilt, still applied. */
      if (query != NULL)
        {
          gtk_editable_set_text (GTK_EDITABLE (entry), query);
          filter_id_rows (self, GTK_SEARCH_ENTRY (entry));
        }
      g_signal_connect_object (entry, "changed", G_CALLBACK (on_id_search_edited), self, 0);
      g_signal_connect_object (entry, "search-changed", G_CALLBACK (on_id_search_changed), self, 0);
      g_signal_connect_object (entry, "stop-search", G_CALLBACK (on_id_search_stopped), self, 0);
    }
  if (listed->len == 0)
    {
      GtkWidget *row = (adw_action_row_new ());

      set_title_text (ADW_PREFERENCES_ROW (row), what);
      /* Translators: in a tile's filters, before the backend has sent its queues, teams or campaigns */
      set_subtitle_text (GTK_WIDGET (row), _("None known yet: all are shown"));
      adw_expander_row_add_row (expander, row);
    }
}

static GtkWidget *
spin_new (const CbMetricInfo *info,
          const char         *tooltip)
{
  GtkWidget *spin;

  if (info->unit == CB_METRIC_UNIT_PERCENT)
    spin = gtk_spin_button_new_with_range (0, 100, 0.5);
  else
    spin = gtk_spin_button_new_with_range (0, 100000, 1);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), info->unit == CB_METRIC_UNIT_PERCENT ? 1 : 0);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (spin, tooltip);
  return spin;
}

static void
add_threshold_rows (CbBoardEditor  *self,
                    AdwExpanderRow *expander,
                    guint           index)
{
  CbBoardTile *tile = tile_at (self, index);
  const CbMetricId *metrics = NULL;
  guint n = 0;

  switch (tile->kind)
    {
    case CB_BOARD_TILE_FLOOR:
      metrics = floor_metrics;
      n = G_N_ELEMENTS (floor_metrics);
      break;
    case CB_BOARD_TILE_QUEUES:
      metrics = queue_metrics;
      n = G_N_ELEMENTS (queue_metrics);
      break;
    case CB_BOARD_TILE_CAMPAIGNS:
      metrics = campaign_metrics;
      n = G_N_ELEMENTS (campaign_metrics);
      break;
    case CB_BOARD_TILE_KPI:
      metrics = &tile->metric;
      n = cb_metric_get_info (tile->metric)->direction != CB_METRIC_DIRECTION_NONE;
      break;
    case CB_BOARD_TILE_CHART:
    case CB_BOARD_TILE_AGENTS:
    case CB_BOARD_TILE_N_KINDS:
    default:
      break;
    }

  for (guint i = 0; i < n; i++)
    {
      const CbMetricInfo *info = cb_metric_get_info (metrics[i]);
      GtkWidget *row = (adw_action_row_new ());
      /* Translators: tooltips of a threshold's two fields in the wallboard editor */
      GtkWidget *warning = spin_new (info, _("Amber from"));
      GtkWidget *critical = spin_new (info, _("Red from"));
      GtkWidget *reset = gtk_button_new_from_icon_name ("edit-undo-symbolic");
      const char *unit = info->unit == CB_METRIC_UNIT_MS ? _("seconds")
                       : info->unit == CB_METRIC_UNIT_PERCENT ? "%" : "";
      g_autofree char *subtitle = NULL;

      if (info->direction == CB_METRIC_DIRECTION_HIGHER_IS_BETTER)
        {
          if (*unit != '\0')
            /* Translators: under a threshold in the editor, for a metric where higher is
             * better; %s is its unit ("seconds", "%") */
            subtitle = g_strdup_printf (_("Amber, then red, below (%s)"), unit);
          else
            /* Translators: under a threshold in the editor, for a metric where higher is
             * better and that is a plain count (no unit) */
            subtitle = g_strdup (_("Amber, then red, below"));
        }
      else
        {
          if (*unit != '\0')
            /* Translators: under a threshold in the editor, for a metric where lower is
             * better; %s is its unit ("seconds", "%") */
            subtitle = g_strdup_printf (_("Amber, then red, from (%s)"), unit);
          else
            /* Translators: under a threshold in the editor, for a metric where lower is
             * better and that is a plain count (no unit) */
            subtitle = g_strdup (_("Amber, then red, from"));
        }
      {
        g_autofree char *title = NULL;

        /* Translators: a threshold's row in the editor; %s is a metric ("Thresholds: Service level") */
        title = g_strdup_printf (_("Thresholds: %s"), cb_metric_get_name (metrics[i]));

        set_title_text (ADW_PREFERENCES_ROW (row), title);
      }
      set_subtitle_text (GTK_WIDGET (row), subtitle);
      gtk_widget_set_tooltip_text (reset, _("Back to the catalog’s thresholds"));
      gtk_widget_set_valign (reset, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (reset, "flat");
      gtk_widget_add_css_class (warning, "threshold-warning");
      gtk_widget_add_css_class (critical, "threshold-critical");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), warning);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), critical);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), reset);
      tag (row, index);
      g_object_set_data (G_OBJECT (row), "metric", GUINT_TO_POINTER (metrics[i]));
      g_object_set_data (G_OBJECT (row), "warning", warning);
      g_object_set_data (G_OBJECT (row), "critical", critical);
      g_object_set_data (G_OBJECT (row), "reset", reset);
      set_spins (row, tile, metrics[i]);
      g_signal_connect_object (warning, "value-changed", G_CALLBACK (on_threshold_changed), self, 0);
      g_signal_connect_object (critical, "value-changed", G_CALLBACK (on_threshold_changed), self, 0);
      g_signal_connect_object (reset, "clicked", G_CALLBACK (on_threshold_reset), self, 0);
      adw_expander_row_add_row (expander, row);
    }
}

static GtkWidget *
tile_row_new (CbBoardEditor *self,
              guint          index)
{
  CbBoardTile *tile = tile_at (self, index);
  GtkWidget *row = (adw_expander_row_new ());
  AdwExpanderRow *expander = ADW_EXPANDER_ROW (row);
  CbBoardFilters filters = cb_board_tile_kind_get_filters (tile->kind);
  GtkWidget *up, *down;

  tag (row, index);
  up = icon_button ("go-up-symbolic", _("Move Up"), index, G_CALLBACK (on_move_up), self);
  down = icon_button ("go-down-symbolic", _("Move Down"), index, G_CALLBACK (on_move_down), self);
  gtk_widget_set_sensitive (up, index > 0);
  gtk_widget_set_sensitive (down, index + 1 < self->board->tiles->len);
  /* Each action goes before the ones added already. */
  adw_expander_row_add_action (expander,
                               icon_button ("user-trash-symbolic", _("Remove"), index,
                                            G_CALLBACK (on_remove), self));
  adw_expander_row_add_action (expander, down);
  adw_expander_row_add_action (expander, up);

  if (tile->kind != CB_BOARD_TILE_AGENTS)
    {
      const char *sizes[4];

      for (guint i = 0; i < 4; i++)
        sizes[i] = cb_board_tile_size_get_label (CB_BOARD_SIZE_SMALL + i);
      adw_expander_row_add_row (expander, combo_row (_("Size"), sizes, 4, tile->size - 1, index,
                                                     G_CALLBACK (on_size_selected), self));
    }
  if (tile->kind == CB_BOARD_TILE_KPI)
    {
      const char *names[CB_METRIC_N_METRICS];
      const char *windows[5];
      static const CbMetricWindowKind kinds[] = {
        CB_METRIC_WINDOW_LIVE, CB_METRIC_WINDOW_LAST_15, CB_METRIC_WINDOW_LAST_30,
        CB_METRIC_WINDOW_LAST_60, CB_METRIC_WINDOW_TODAY,
      };
      guint window = 4;

      for (guint i = 0; i < CB_METRIC_N_METRICS; i++)
        names[i] = cb_metric_get_name (i);
      for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
        {
          windows[i] = cb_board_window_get_label (kinds[i]);
          if (kinds[i] == tile->window)
            window = i;
        }
      adw_expander_row_add_row (expander, combo_row (_("Figure"), names, CB_METRIC_N_METRICS,
                                                     tile->metric, index,
                                                     G_CALLBACK (on_metric_selected), self));
      adw_expander_row_add_row (expander, combo_row (_("Window"), windows, G_N_ELEMENTS (kinds),
                                                     window, index,
                                                     G_CALLBACK (on_window_selected), self));
    }
  if (tile->kind != CB_BOARD_TILE_AGENTS && tile->kind != CB_BOARD_TILE_FLOOR)
    {
      GtkWidget *heading = (adw_entry_row_new ());

      set_title_text (ADW_PREFERENCES_ROW (heading), _("Heading"));
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (heading), TRUE);
      gtk_editable_set_text (GTK_EDITABLE (heading), tile->title != NULL ? tile->title : "");
      tag (heading, index);
      g_signal_connect_object (heading, "apply", G_CALLBACK (on_heading_applied), self, 0);
      adw_expander_row_add_row (expander, heading);
    }
  if (filters & CB_BOARD_FILTER_QUEUES)
    add_id_rows (self, expander, index, CB_BOARD_FILTER_QUEUES);
  if (filters & CB_BOARD_FILTER_TEAMS)
    add_id_rows (self, expander, index, CB_BOARD_FILTER_TEAMS);
  if (filters & CB_BOARD_FILTER_CAMPAIGNS)
    add_id_rows (self, expander, index, CB_BOARD_FILTER_CAMPAIGNS);
  add_threshold_rows (self, expander, index);

  adw_expander_row_set_expanded (expander, index == self->expanded);
  return row;
}

static void
build_rows (CbBoardEditor *self)
{
  self->building = TRUE;
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->tiles_group, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  for (guint i = 0; i < self->board->tiles->len; i++)
    {
      GtkWidget *row = tile_row_new (self, i);

      g_ptr_array_add (self->rows, row);
      adw_preferences_group_add (self->tiles_group, row);
      update_row (self, i);
    }
  self->building = FALSE;
}

/* ---- the window ----------------------------------------------------------- */

static void
on_name_applied (CbBoardEditor *self,
                 AdwEntryRow   *row)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (*name == '\0' || g_strcmp0 (name, self->board->name) == 0)
    return;
  g_free (self->board->name);
  self->board->name = g_utf8_substring (name, 0, CB_BOARD_MAX_NAME);
  emit_changed (self);
}

static void
on_sl_selected (CbBoardEditor *self,
                GParamSpec    *pspec,
                AdwComboRow   *row)
{
  guint selected = adw_combo_row_get_selected (row);

  if (self->building || selected > CB_SL_ABANDON_NEUTRAL || selected == self->board->sl_variant)
    return;
  self->board->sl_variant = selected;
  emit_changed (self);
}

static void
add_tile_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CbBoardTileKind kind;

  if (cb_board_tile_kind_from_string (g_variant_get_string (parameter, NULL), &kind))
    cb_board_editor_add_tile (CB_BOARD_EDITOR (widget), kind);
}

static void
cb_board_editor_dispose (GObject *object)
{
  CbBoardEditor *self = CB_BOARD_EDITOR (object);

  g_clear_object (&self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_BOARD_EDITOR);

  G_OBJECT_CLASS (cb_board_editor_parent_class)->dispose (object);
}

static void
cb_board_editor_finalize (GObject *object)
{
  CbBoardEditor *self = CB_BOARD_EDITOR (object);

  g_clear_pointer (&self->board, cb_board_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->queries, g_hash_table_unref);

  G_OBJECT_CLASS (cb_board_editor_parent_class)->finalize (object);
}

static void
cb_board_editor_class_init (CbBoardEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cb_board_editor_dispose;
  object_class->finalize = cb_board_editor_finalize;

  /**
   * CbBoardEditor::changed:
   *
   * The board changed, and is valid: cb_board_editor_get_board ().
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "editor.add-tile", "s", add_tile_action);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/cb-board-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, CbBoardEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, CbBoardEditor, sl_row);
  gtk_widget_class_bind_template_child (widget_class, CbBoardEditor, tiles_group);
  gtk_widget_class_bind_template_child (widget_class, CbBoardEditor, add_button);
  gtk_widget_class_bind_template_callback (widget_class, on_name_applied);
  gtk_widget_class_bind_template_callback (widget_class, on_sl_selected);
}

static void
cb_board_editor_init (CbBoardEditor *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GtkStringList) variants = gtk_string_list_new (NULL);

  self->building = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_ptr_array_new ();
  self->queries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->expanded = G_MAXUINT;

  for (CbServiceLevelVariant v = CB_SL_PROTOCOL; v <= CB_SL_ABANDON_NEUTRAL; v++)
    {
      static const char * const formulas[] = {
        /* Translators: the service-level variants in the wallboard editor; T is the threshold */
        N_("Answered within T ÷ (answered + abandoned)"),
        N_("Answered within T ÷ answered"),
        N_("Answered within T ÷ offered"),
        N_("(Answered + abandoned within T) ÷ offered"),
      };

      gtk_string_list_append (variants, _(formulas[v]));
    }
  adw_combo_row_set_model (self->sl_row, G_LIST_MODEL (variants));

  for (CbBoardTileKind kind = 0; kind < CB_BOARD_TILE_N_KINDS; kind++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (cb_board_tile_kind_get_label (kind), NULL);

      g_menu_item_set_action_and_target_value (item, "editor.add-tile",
                                               g_variant_new_string (cb_board_tile_kind_to_string (kind)));
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (self->add_button, G_MENU_MODEL (menu));
  self->building = FALSE;
}

/**
 * cb_board_editor_new:
 * @parent: (nullable): the window it belongs to
 * @board: the board to edit, copied
 * @store: (nullable): for the queues, teams and campaigns to filter by
 */
GtkWidget *
cb_board_editor_new (GtkWindow     *parent,
                     const CbBoard *board,
                     CbStore       *store)
{
  CbBoardEditor *self;

  g_return_val_if_fail (board != NULL, NULL);
  g_return_val_if_fail (store == NULL || CB_IS_STORE (store), NULL);

  self = g_object_new (CB_TYPE_BOARD_EDITOR, "transient-for", parent, NULL);
  self->board = cb_board_copy (board, NULL);
  g_set_object (&self->store, store);

  self->building = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), board->name);
  adw_combo_row_set_selected (self->sl_row, board->sl_variant);
  self->building = FALSE;
  build_rows (self);
  return GTK_WIDGET (self);
}

/**
 * cb_board_editor_get_board:
 *
 * Returns: (transfer none): the board as edited
 */
const CbBoard *
cb_board_editor_get_board (CbBoardEditor *self)
{
  g_return_val_if_fail (CB_IS_BOARD_EDITOR (self), NULL);
  return self->board;
}

/* A floor, a chart or an agent board once a board at most. */
void
cb_board_editor_add_tile (CbBoardEditor   *self,
                          CbBoardTileKind  kind)
{
  g_return_if_fail (CB_IS_BOARD_EDITOR (self));
  g_return_if_fail (kind < CB_BOARD_TILE_N_KINDS);

  if ((kind == CB_BOARD_TILE_FLOOR || kind == CB_BOARD_TILE_CHART || kind == CB_BOARD_TILE_AGENTS)
      && cb_board_has_kind (self->board, kind))
    {
      /* Translators: a toast in the wallboard editor; %s is a tile kind such as "Floor" */
      g_autofree char *text = g_strdup_printf (_("This wallboard has its “%s” tile already"),
                                               cb_board_tile_kind_get_label (kind));

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), cb_toast_new_text (text));
      return;
    }
  if (self->board->tiles->len >= CB_BOARD_MAX_TILES)
    return;
  cb_board_add_tile (self->board, cb_board_tile_new (kind));
  self->expanded = self->board->tiles->len - 1;
  build_rows (self);
  emit_changed (self);
}

void
cb_board_editor_move_tile (CbBoardEditor *self,
                           guint          index,
                           int            delta)
{
  gpointer tile;
  gint64 to;

  g_return_if_fail (CB_IS_BOARD_EDITOR (self));

  to = (gint64) index + delta;
  if (index >= self->board->tiles->len || to < 0 || to >= self->board->tiles->len)
    return;
  tile = g_ptr_array_steal_index (self->board->tiles, index);
  g_ptr_array_insert (self->board->tiles, (int) to, tile);
  self->expanded = self->expanded == index ? (guint) to : self->expanded;
  build_rows (self);
  emit_changed (self);
}

void
cb_board_editor_remove_tile (CbBoardEditor *self,
                             guint          index)
{
  g_return_if_fail (CB_IS_BOARD_EDITOR (self));

  if (index >= self->board->tiles->len)
    return;
  forget_queries (self, tile_at (self, index));
  g_ptr_array_remove_index (self->board->tiles, index);
  self->expanded = G_MAXUINT;
  build_rows (self);
  emit_changed (self);
}

void
cb_board_editor_set_tile_size (CbBoardEditor   *self,
                               guint            index,
                               CbBoardTileSize  size)
{
  g_return_if_fail (CB_IS_BOARD_EDITOR (self));

  if (index >= self->board->tiles->len || size < CB_BOARD_SIZE_SMALL || size > CB_BOARD_SIZE_FULL
      || tile_at (self, index)->size == size)
    return;
  tile_at (self, index)->size = size;
  update_row (self, index);
  emit_changed (self);
}

/* Ticks or unticks @id in the tile's filter: none ticked is "all". */
void
cb_board_editor_toggle_id (CbBoardEditor  *self,
                           guint           index,
                           CbBoardFilters  filter,
                           const char     *id)
{
  CbBoardTile *tile;
  char **ids;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;
  gboolean found = FALSE;

  g_return_if_fail (CB_IS_BOARD_EDITOR (self));
  g_return_if_fail (id != NULL);

  if (index >= self->board->tiles->len)
    return;
  tile = tile_at (self, index);
  if (!(cb_board_tile_kind_get_filters (tile->kind) & filter))
    return;
  ids = filter == CB_BOARD_FILTER_QUEUES ? tile->queue_ids
      : filter == CB_BOARD_FILTER_TEAMS ? tile->team_ids : tile->campaign_ids;
  for (guint i = 0; ids[i] != NULL; i++)
    {
      if (g_strcmp0 (ids[i], id) == 0)
        found = TRUE;
      else
        g_strv_builder_add (builder, ids[i]);
    }
  if (!found)
    {
      /* The agent board follows one team and one queue. */
      if (tile->kind == CB_BOARD_TILE_AGENTS)
        {
          g_strv_builder_unref (g_steal_pointer (&builder));
          builder = g_strv_builder_new ();
        }
      g_strv_builder_add (builder, id);
    }
  result = g_strv_builder_end (builder);
  cb_board_tile_set_ids (tile, filter, (const char * const *) result);
  /* The boxes say what the filter holds, however it changed. */
  self->expanded = index;
  build_rows (self);
  emit_changed (self);
}

/**
 * cb_board_editor_get_tile_row:
 *
 * Returns: (transfer none) (nullable): the row of the tile at @index
 */
GtkWidget *
cb_board_editor_get_tile_row (CbBoardEditor *self,
                              guint          index)
{
  g_return_val_if_fail (CB_IS_BOARD_EDITOR (self), NULL);
  return index < self->rows->len ? g_ptr_array_index (self->rows, index) : NULL;
}
