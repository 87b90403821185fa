/* cb-board.c — a wallboard as a user builds it: tiles, order, size, filters, thresholds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model behind the board switcher, the editor, the settings and the
 * files shared between supervisors (docs/wallboards.md). Reading is strict
 * and bounded: every member is checked for its type and range, the first
 * problem is reported with its path ("boards[0].tiles[2].size") in the
 * user's language, and nothing a hostile file holds can crash or grow
 * without bound. Ids of queues, teams and campaigns are kept as they are,
 * known or not: a board made against one backend still means something on
 * another. Thresholds of time figures are seconds in the document and
 * milliseconds here, as in the metric catalog.
 */
#define G_LOG_DOMAIN "cb-board"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "cb-board.h"

G_DEFINE_QUARK (cb-board-error-quark, cb_board_error)
G_DEFINE_BOXED_TYPE (CbBoard, cb_board, cb_board_ref, cb_board_unref)
G_DEFINE_BOXED_TYPE (CbBoardTile, cb_board_tile, cb_board_tile_copy, cb_board_tile_free)

static const char * const kind_names[] = {
  "floor", "queues", "campaigns", "chart", "agents", "kpi",
};
G_STATIC_ASSERT (G_N_ELEMENTS (kind_names) == CB_BOARD_TILE_N_KINDS);

static const char * const size_names[] = { NULL, "small", "medium", "large", "full" };

static const struct
{
  CbMetricWindowKind kind;
  const char        *name;
} windows[] = {
  { CB_METRIC_WINDOW_LIVE, "live" },
  { CB_METRIC_WINDOW_LAST_15, "last-15" },
  { CB_METRIC_WINDOW_LAST_30, "last-30" },
  { CB_METRIC_WINDOW_LAST_60, "last-60" },
  { CB_METRIC_WINDOW_TODAY, "today" },
};

static const char * const sl_names[] = { "incl-abandons", "of-answered", "of-offered", "abandons-neutral" };

/* ---- names and labels ---------------------------------------------------- */

const char *
cb_board_tile_kind_to_string (CbBoardTileKind kind)
{
  g_return_val_if_fail (kind < CB_BOARD_TILE_N_KINDS, NULL);
  return kind_names[kind];
}

gboolean
cb_board_tile_kind_from_string (const char      *name,
                                CbBoardTileKind *out)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (kind_names); i++)
    if (strcmp (name, kind_names[i]) == 0)
      {
        if (out != NULL)
          *out = i;
        return TRUE;
      }
  return FALSE;
}

const char *
cb_board_tile_kind_get_label (CbBoardTileKind kind)
{
  switch (kind)
    {
    case CB_BOARD_TILE_FLOOR:
      /* Translators: a kind of wallboard tile: agents by state, calls waiting, SL today */
      return C_("tile kind", "Floor");
    case CB_BOARD_TILE_QUEUES:
      return C_("tile kind", "Queues");
    case CB_BOARD_TILE_CAMPAIGNS:
      return C_("tile kind", "Campaigns");
    case CB_BOARD_TILE_CHART:
      /* Translators: a kind of wallboard tile: offered, answered, abandoned per 15 minutes */
      return C_("tile kind", "Today by quarter hour");
    case CB_BOARD_TILE_AGENTS:
      return C_("tile kind", "Agent board");
    case CB_BOARD_TILE_KPI:
      /* Translators: a kind of wallboard tile: one figure, shown large */
      return C_("tile kind", "Single figure");
    case CB_BOARD_TILE_N_KINDS:
    default:
      return NULL;
    }
}

CbBoardFilters
cb_board_tile_kind_get_filters (CbBoardTileKind kind)
{
  switch (kind)
    {
    case CB_BOARD_TILE_FLOOR:
    case CB_BOARD_TILE_CHART:
    case CB_BOARD_TILE_QUEUES:
    case CB_BOARD_TILE_AGENTS:
      return CB_BOARD_FILTER_QUEUES | CB_BOARD_FILTER_TEAMS;
    case CB_BOARD_TILE_CAMPAIGNS:
      return CB_BOARD_FILTER_CAMPAIGNS | CB_BOARD_FILTER_TEAMS;
    case CB_BOARD_TILE_KPI:
      return CB_BOARD_FILTER_QUEUES | CB_BOARD_FILTER_TEAMS | CB_BOARD_FILTER_CAMPAIGNS;
    case CB_BOARD_TILE_N_KINDS:
    default:
      return 0;
    }
}

CbBoardTileSize
cb_board_tile_kind_get_default_size (CbBoardTileKind kind)
{
  switch (kind)
    {
    case CB_BOARD_TILE_CAMPAIGNS:
    case CB_BOARD_TILE_CHART:
      return CB_BOARD_SIZE_MEDIUM;
    case CB_BOARD_TILE_KPI:
      return CB_BOARD_SIZE_SMALL;
    case CB_BOARD_TILE_FLOOR:
    case CB_BOARD_TILE_QUEUES:
    case CB_BOARD_TILE_AGENTS:
    case CB_BOARD_TILE_N_KINDS:
    default:
      return CB_BOARD_SIZE_FULL;
    }
}

const char *
cb_board_tile_size_to_string (CbBoardTileSize size)
{
  g_return_val_if_fail (size >= CB_BOARD_SIZE_SMALL && size <= CB_BOARD_SIZE_FULL, NULL);
  return size_names[size];
}

const char *
cb_board_tile_size_get_label (CbBoardTileSize size)
{
  switch (size)
    {
    case CB_BOARD_SIZE_SMALL:
      /* Translators: a tile size: a quarter of the board's width */
      return C_("tile size", "Small — a quarter");
    case CB_BOARD_SIZE_MEDIUM:
      return C_("tile size", "Medium — half");
    case CB_BOARD_SIZE_LARGE:
      return C_("tile size", "Large — three quarters");
    case CB_BOARD_SIZE_FULL:
    default:
      return C_("tile size", "Full width");
    }
}

const char *
cb_board_window_to_string (CbMetricWindowKind window)
{
  for (guint i = 0; i < G_N_ELEMENTS (windows); i++)
    if (windows[i].kind == window)
      return windows[i].name;
  return NULL;
}

const char *
cb_board_window_get_label (CbMetricWindowKind window)
{
  switch (window)
    {
    case CB_METRIC_WINDOW_LIVE:
      /* Translators: a figure's window: now for states, the last 15 minutes for rates */
      return C_("metric window", "Live");
    case CB_METRIC_WINDOW_LAST_15:
      return C_("metric window", "Last 15 minutes");
    case CB_METRIC_WINDOW_LAST_30:
      return C_("metric window", "Last 30 minutes");
    case CB_METRIC_WINDOW_LAST_60:
      return C_("metric window", "Last hour");
    case CB_METRIC_WINDOW_TODAY:
    case CB_METRIC_WINDOW_CUSTOM:
    case CB_METRIC_WINDOW_RULE_PERIOD:
    default:
      return C_("metric window", "Today");
    }
}

/**
 * cb_board_metric_from_key:
 *
 * Returns: the catalog's metric of @key ("service-level"), or
 *   CB_METRIC_N_METRICS when there is none
 */
CbMetricId
cb_board_metric_from_key (const char *key)
{
  guint n = 0;
  const CbMetricInfo *catalog = cb_metric_get_catalog (&n);

  for (guint i = 0; key != NULL && i < n; i++)
    if (strcmp (catalog[i].key, key) == 0)
      return catalog[i].id;
  return CB_METRIC_N_METRICS;
}

/* Time figures: seconds in the document, ms in the catalog. */
static double
unit_scale (CbMetricId metric)
{
  return cb_metric_get_info (metric)->unit == CB_METRIC_UNIT_MS ? 1000.0 : 1.0;
}

/* ---- tiles --------------------------------------------------------------- */

static char **
empty_strv (void)
{
  return g_new0 (char *, 1);
}

CbBoardTile *
cb_board_tile_new (CbBoardTileKind kind)
{
  CbBoardTile *tile;

  g_return_val_if_fail (kind < CB_BOARD_TILE_N_KINDS, NULL);

  tile = g_new0 (CbBoardTile, 1);
  tile->kind = kind;
  tile->size = cb_board_tile_kind_get_default_size (kind);
  tile->queue_ids = empty_strv ();
  tile->team_ids = empty_strv ();
  tile->campaign_ids = empty_strv ();
  tile->metric = CB_METRIC_SERVICE_LEVEL;
  tile->window = CB_METRIC_WINDOW_TODAY;
  tile->thresholds = g_array_new (FALSE, FALSE, sizeof (CbBoardThreshold));
  return tile;
}

CbBoardTile *
cb_board_tile_copy (const CbBoardTile *tile)
{
  CbBoardTile *copy;

  g_return_val_if_fail (tile != NULL, NULL);

  copy = g_new0 (CbBoardTile, 1);
  *copy = *tile;
  copy->queue_ids = g_strdupv (tile->queue_ids);
  copy->team_ids = g_strdupv (tile->team_ids);
  copy->campaign_ids = g_strdupv (tile->campaign_ids);
  copy->title = g_strdup (tile->title);
  copy->thresholds = g_array_copy (tile->thresholds);
  copy->extra = tile->extra != NULL ? json_object_ref (tile->extra) : NULL;
  return copy;
}

void
cb_board_tile_free (CbBoardTile *tile)
{
  if (tile == NULL)
    return;
  g_strfreev (tile->queue_ids);
  g_strfreev (tile->team_ids);
  g_strfreev (tile->campaign_ids);
  g_free (tile->title);
  g_array_unref (tile->thresholds);
  g_clear_pointer (&tile->extra, json_object_unref);
  g_free (tile);
}

static gboolean
strv_equal0 (char **a,
             char **b)
{
  return g_strv_equal ((const char * const *) a, (const char * const *) b);
}

static gboolean
extra_equal (JsonObject *a,
             JsonObject *b)
{
  g_autoptr(JsonNode) na = NULL, nb = NULL;

  if (a == NULL || b == NULL)
    return (a == NULL || json_object_get_size (a) == 0) && (b == NULL || json_object_get_size (b) == 0);
  na = json_node_init_object (json_node_alloc (), a);
  nb = json_node_init_object (json_node_alloc (), b);
  return json_node_equal (na, nb);
}

gboolean
cb_board_tile_equal (const CbBoardTile *a,
                     const CbBoardTile *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->kind != b->kind || a->size != b->size || g_strcmp0 (a->title, b->title) != 0
      || !strv_equal0 (a->queue_ids, b->queue_ids) || !strv_equal0 (a->team_ids, b->team_ids)
      || !strv_equal0 (a->campaign_ids, b->campaign_ids)
      || a->thresholds->len != b->thresholds->len || !extra_equal (a->extra, b->extra))
    return FALSE;
  if (a->kind == CB_BOARD_TILE_KPI && (a->metric != b->metric || a->window != b->window))
    return FALSE;
  for (guint i = 0; i < a->thresholds->len; i++)
    {
      const CbBoardThreshold *t = &g_array_index (a->thresholds, CbBoardThreshold, i);
      const CbBoardThreshold *u = cb_board_tile_get_threshold (b, t->metric);

      if (u == NULL || t->warning != u->warning || t->critical != u->critical)
        return FALSE;
    }
  return TRUE;
}

/**
 * cb_board_tile_set_ids:
 * @filter: one of the filters
 * @ids: (nullable): the ids to keep, NULL or empty for "all"
 */
void
cb_board_tile_set_ids (CbBoardTile        *tile,
                       CbBoardFilters      filter,
                       const char * const *ids)
{
  char ***field;

  g_return_if_fail (tile != NULL);

  switch (filter)
    {
    case CB_BOARD_FILTER_QUEUES:    field = &tile->queue_ids; break;
    case CB_BOARD_FILTER_TEAMS:     field = &tile->team_ids; break;
    case CB_BOARD_FILTER_CAMPAIGNS: field = &tile->campaign_ids; break;
    default:
      g_return_if_reached ();
    }
  g_strfreev (*field);
  *field = ids != NULL ? g_strdupv ((char **) ids) : empty_strv ();
}

const CbBoardThreshold *
cb_board_tile_get_threshold (const CbBoardTile *tile,
                             CbMetricId         metric)
{
  g_return_val_if_fail (tile != NULL, NULL);

  for (guint i = 0; i < tile->thresholds->len; i++)
    if (g_array_index (tile->thresholds, CbBoardThreshold, i).metric == metric)
      return &g_array_index (tile->thresholds, CbBoardThreshold, i);
  return NULL;
}

/* In the metric's unit (ms for times). */
void
cb_board_tile_set_threshold (CbBoardTile *tile,
                             CbMetricId   metric,
                             double       warning,
                             double       critical)
{
  CbBoardThreshold t = { metric, warning, critical };

  g_return_if_fail (tile != NULL);
  g_return_if_fail (metric < CB_METRIC_N_METRICS);

  cb_board_tile_clear_threshold (tile, metric);
  g_array_append_val (tile->thresholds, t);
}

void
cb_board_tile_clear_threshold (CbBoardTile *tile,
                               CbMetricId   metric)
{
  g_return_if_fail (tile != NULL);

  for (guint i = 0; i < tile->thresholds->len; i++)
    if (g_array_index (tile->thresholds, CbBoardThreshold, i).metric == metric)
      {
        g_array_remove_index (tile->thresholds, i);
        return;
      }
}

/**
 * cb_board_tile_level:
 *
 * Returns: (nullable): "kpi-ok", "kpi-warning" or "kpi-critical" by the
 *   tile's own thresholds for @metric, or NULL when the tile has none for it
 *   (the catalog's then apply) or @value has no data
 */
const char *
cb_board_tile_level (const CbBoardTile   *tile,
                     CbMetricId           metric,
                     const CbMetricValue *value)
{
  const CbBoardThreshold *t;
  const CbMetricInfo *info;

  g_return_val_if_fail (tile != NULL && value != NULL, NULL);

  t = cb_board_tile_get_threshold (tile, metric);
  info = cb_metric_get_info (metric);
  if (t == NULL || info == NULL || !value->has_value)
    return NULL;
  if (info->direction == CB_METRIC_DIRECTION_HIGHER_IS_BETTER)
    return value->value < t->critical ? "kpi-critical"
         : value->value < t->warning ? "kpi-warning" : "kpi-ok";
  return value->value >= t->critical ? "kpi-critical"
       : value->value >= t->warning ? "kpi-warning" : "kpi-ok";
}

/**
 * cb_board_tile_get_scope:
 *
 * Fills @scope with the tile's filters; it borrows the tile's lists.
 */
void
cb_board_tile_get_scope (const CbBoardTile *tile,
                         CbMetricScope     *scope)
{
  g_return_if_fail (tile != NULL && scope != NULL);

  scope->queue_ids = tile->queue_ids[0] != NULL ? (const char * const *) tile->queue_ids : NULL;
  scope->team_ids = tile->team_ids[0] != NULL ? (const char * const *) tile->team_ids : NULL;
  scope->campaign_ids = tile->campaign_ids[0] != NULL ? (const char * const *) tile->campaign_ids : NULL;
}

/* ---- boards -------------------------------------------------------------- */

CbBoard *
cb_board_new (const char *id,
              const char *name)
{
  CbBoard *board;

  g_return_val_if_fail (id != NULL && name != NULL, NULL);

  board = g_new0 (CbBoard, 1);
  g_atomic_ref_count_init (&board->ref_count);
  board->id = g_strdup (id);
  board->name = g_strdup (name);
  board->tiles = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_board_tile_free);
  board->sl_variant = CB_SL_PROTOCOL;
  return board;
}

/**
 * cb_board_new_default:
 *
 * The board everyone has before they build their own, as the wallboard
 * was before boards could be built: the floor, a tile per queue, the
 * campaigns beside today's chart, and the agent board under them.
 */
CbBoard *
cb_board_new_default (void)
{
  /* Translators: the name of the built-in wallboard */
  CbBoard *board = cb_board_new (CB_BOARD_DEFAULT_ID, _("Wallboard"));

  cb_board_add_tile (board, cb_board_tile_new (CB_BOARD_TILE_FLOOR));
  cb_board_add_tile (board, cb_board_tile_new (CB_BOARD_TILE_QUEUES));
  cb_board_add_tile (board, cb_board_tile_new (CB_BOARD_TILE_CAMPAIGNS));
  cb_board_add_tile (board, cb_board_tile_new (CB_BOARD_TILE_CHART));
  cb_board_add_tile (board, cb_board_tile_new (CB_BOARD_TILE_AGENTS));
  return board;
}

CbBoard *
cb_board_ref (CbBoard *board)
{
  g_return_val_if_fail (board != NULL, NULL);
  g_atomic_ref_count_inc (&board->ref_count);
  return board;
}

void
cb_board_unref (CbBoard *board)
{
  g_return_if_fail (board != NULL);

  if (!g_atomic_ref_count_dec (&board->ref_count))
    return;
  g_free (board->id);
  g_free (board->name);
  g_ptr_array_unref (board->tiles);
  g_clear_pointer (&board->extra, json_object_unref);
  g_free (board);
}

/**
 * cb_board_copy:
 * @new_id: (nullable): the copy's id, or NULL to keep @board's
 *
 * Returns: (transfer full): a deep copy, to edit
 */
CbBoard *
cb_board_copy (const CbBoard *board,
               const char    *new_id)
{
  CbBoard *copy;

  g_return_val_if_fail (board != NULL, NULL);

  copy = cb_board_new (new_id != NULL ? new_id : board->id, board->name);
  copy->sl_variant = board->sl_variant;
  copy->extra = board->extra != NULL ? json_object_ref (board->extra) : NULL;
  for (guint i = 0; i < board->tiles->len; i++)
    g_ptr_array_add (copy->tiles, cb_board_tile_copy (g_ptr_array_index (board->tiles, i)));
  return copy;
}

gboolean
cb_board_equal (const CbBoard *a,
                const CbBoard *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (g_strcmp0 (a->id, b->id) != 0 || g_strcmp0 (a->name, b->name) != 0
      || a->sl_variant != b->sl_variant || a->tiles->len != b->tiles->len
      || !extra_equal (a->extra, b->extra))
    return FALSE;
  for (guint i = 0; i < a->tiles->len; i++)
    if (!cb_board_tile_equal (g_ptr_array_index (a->tiles, i), g_ptr_array_index (b->tiles, i)))
      return FALSE;
  return TRUE;
}

/* Takes @tile. */
void
cb_board_add_tile (CbBoard     *board,
                   CbBoardTile *tile)
{
  g_return_if_fail (board != NULL && tile != NULL);
  g_ptr_array_add (board->tiles, tile);
}

gboolean
cb_board_has_kind (const CbBoard   *board,
                   CbBoardTileKind  kind)
{
  g_return_val_if_fail (board != NULL, FALSE);

  for (guint i = 0; i < board->tiles->len; i++)
    if (((CbBoardTile *) g_ptr_array_index (board->tiles, i))->kind == kind)
      return TRUE;
  return FALSE;
}

/**
 * cb_board_validate:
 *
 * Whether @board could be read back from its document: what the editor
 * checks before it saves.
 */
gboolean
cb_board_validate (const CbBoard  *board,
                   GError        **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CbBoard) back = NULL;

  g_return_val_if_fail (board != NULL, FALSE);

  node = cb_board_to_json (board);
  back = cb_board_from_json (node, "board", error);
  return back != NULL;
}

/* "b-" and 12 hex digits: never one of the kiosk's built-in names. */
char *
cb_board_make_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  GString *id = g_string_new ("b-");

  for (const char *p = uuid; *p != '\0' && id->len < 14; p++)
    if (*p != '-')
      g_string_append_c (id, *p);
  return g_string_free (id, FALSE);
}

/* ---- writing ------------------------------------------------------------- */

static void
add_ids (JsonBuilder *builder,
         const char  *member,
         char       **ids)
{
  if (ids == NULL || ids[0] == NULL)
    return;
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; ids[i] != NULL; i++)
    json_builder_add_string_value (builder, ids[i]);
  json_builder_end_array (builder);
}

static void
add_extra (JsonBuilder *builder,
           JsonObject  *extra)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (extra == NULL)
    return;
  json_object_iter_init (&iter, extra);
  while (json_object_iter_next (&iter, &name, &value))
    {
      json_builder_set_member_name (builder, name);
      json_builder_add_value (builder, json_node_copy (value));
    }
}

static void
add_tile (JsonBuilder       *builder,
          const CbBoardTile *tile)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, kind_names[tile->kind]);
  json_builder_set_member_name (builder, "size");
  json_builder_add_string_value (builder, size_names[tile->size]);
  if (tile->title != NULL)
    {
      json_builder_set_member_name (builder, "title");
      json_builder_add_string_value (builder, tile->title);
    }
  if (tile->kind == CB_BOARD_TILE_KPI)
    {
      json_builder_set_member_name (builder, "metric");
      json_builder_add_string_value (builder, cb_metric_get_info (tile->metric)->key);
      json_builder_set_member_name (builder, "window");
      json_builder_add_string_value (builder, cb_board_window_to_string (tile->window));
    }
  add_ids (builder, "queues", tile->queue_ids);
  add_ids (builder, "teams", tile->team_ids);
  add_ids (builder, "campaigns", tile->campaign_ids);
  if (tile->thresholds->len > 0)
    {
      json_builder_set_member_name (builder, "thresholds");
      json_builder_begin_object (builder);
      for (guint i = 0; i < tile->thresholds->len; i++)
        {
          const CbBoardThreshold *t = &g_array_index (tile->thresholds, CbBoardThreshold, i);
          double scale = unit_scale (t->metric);

          json_builder_set_member_name (builder, cb_metric_get_info (t->metric)->key);
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "warning");
          json_builder_add_double_value (builder, t->warning / scale);
          json_builder_set_member_name (builder, "critical");
          json_builder_add_double_value (builder, t->critical / scale);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);
    }
  add_extra (builder, tile->extra);
  json_builder_end_object (builder);
}

static void
add_board (JsonBuilder   *builder,
           const CbBoard *board)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, board->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, board->name);
  json_builder_set_member_name (builder, "service_level");
  json_builder_add_string_value (builder, sl_names[board->sl_variant]);
  json_builder_set_member_name (builder, "tiles");
  json_builder_begin_array (builder);
  for (guint i = 0; i < board->tiles->len; i++)
    add_tile (builder, g_ptr_array_index (board->tiles, i));
  json_builder_end_array (builder);
  add_extra (builder, board->extra);
  json_builder_end_object (builder);
}

JsonNode *
cb_board_to_json (const CbBoard *board)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  g_return_val_if_fail (board != NULL, NULL);

  add_board (builder, board);
  return json_builder_get_root (builder);
}

/**
 * cb_boards_to_data:
 * @boards: (element-type CbBoard): the boards, in order
 *
 * Returns: (transfer full): the document, pretty-printed, as a file holds it
 */
char *
cb_boards_to_data (GPtrArray *boards,
                   gsize     *length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (boards != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, CB_BOARD_FORMAT);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, CB_BOARD_FORMAT_VERSION);
  json_builder_set_member_name (builder, "boards");
  json_builder_begin_array (builder);
  for (guint i = 0; i < boards->len; i++)
    add_board (builder, g_ptr_array_index (boards, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  return json_generator_to_data (generator, length);
}

/* ---- reading ------------------------------------------------------------- */

G_GNUC_PRINTF (3, 4)
static gboolean
fail (GError     **error,
      const char  *path,
      const char  *format,
      ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  /* Translators: a problem in a wallboard file: "boards[0].tiles[2].size: …" */
  g_set_error (error, CB_BOARD_ERROR, CB_BOARD_ERROR_INVALID, _("%s: %s"), path, what);
  return FALSE;
}

static const char *
type_name (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return C_("json type", "an object");
  if (JSON_NODE_HOLDS_ARRAY (node))
    return C_("json type", "an array");
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return C_("json type", "a string");
    case G_TYPE_BOOLEAN:
      return C_("json type", "true or false");
    default:
      return C_("json type", "a number");
    }
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
is_number (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static gboolean
read_string (JsonNode    *node,
             const char  *path,
             gsize        max,
             const char **out,
             GError     **error)
{
  const char *s;

  if (!is_string (node))
    /* Translators: %s is a JSON type such as "a number" */
    return fail (error, path, _("expected a string, found %s"), type_name (node));
  s = json_node_get_string (node);
  if (!g_utf8_validate (s, -1, NULL))
    return fail (error, path, _("not valid UTF-8"));
  if (g_utf8_strlen (s, -1) > (glong) max)
    return fail (error, path, _("longer than %u characters"), (guint) max);
  *out = s;
  return TRUE;
}

/* Ids of queues, teams, campaigns: kept whether this backend has them or not. */
static gboolean
read_ids (JsonNode    *node,
          const char  *path,
          char      ***out,
          GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, path, _("expected an array of ids, found %s"), type_name (node));
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n > CB_BOARD_MAX_IDS)
    return fail (error, path, _("more than %u ids"), CB_BOARD_MAX_IDS);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item = g_strdup_printf ("%s[%u]", path, i);
      const char *id;

      if (!read_string (json_array_get_element (array, i), item, 200, &id, error))
        return FALSE;
      if (*id == '\0')
        return fail (error, item, _("an empty id"));
      if (g_hash_table_contains (seen, id))
        return fail (error, item, _("“%s” is listed twice"), id);
      g_hash_table_add (seen, (gpointer) id);
      g_strv_builder_add (builder, id);
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
keep_extra (JsonObject **extra,
            const char  *name,
            JsonNode    *value)
{
  if (!g_str_has_prefix (name, "x-"))
    return FALSE;
  if (*extra == NULL)
    *extra = json_object_new ();
  json_object_set_member (*extra, name, json_node_copy (value));
  return TRUE;
}

static gboolean
read_thresholds (JsonNode    *node,
                 const char  *path,
                 CbBoardTile *tile,
                 GError     **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, _("expected an object, found %s"), type_name (node));
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value))
    {
      g_autofree char *here = g_strdup_printf ("%s.%s", path, key);
      CbMetricId metric = cb_board_metric_from_key (key);
      const CbMetricInfo *info;
      JsonObject *o;
      double warning, critical, scale;

      if (metric == CB_METRIC_N_METRICS)
        return fail (error, here, _("no metric is called “%s”"), key);
      info = cb_metric_get_info (metric);
      if (info->direction == CB_METRIC_DIRECTION_NONE)
        return fail (error, here, _("a count has no better or worse, so no thresholds"));
      if (!JSON_NODE_HOLDS_OBJECT (value))
        return fail (error, here, _("expected an object, found %s"), type_name (value));
      o = json_node_get_object (value);
      if (json_object_get_size (o) != 2 || !json_object_has_member (o, "warning")
          || !json_object_has_member (o, "critical"))
        return fail (error, here, _("expected exactly “warning” and “critical”"));
      if (!is_number (json_object_get_member (o, "warning"))
          || !is_number (json_object_get_member (o, "critical")))
        return fail (error, here, _("“warning” and “critical” must be numbers"));
      warning = json_object_get_double_member (o, "warning");
      critical = json_object_get_double_member (o, "critical");
      if (!isfinite (warning) || !isfinite (critical) || warning < 0 || critical < 0
          || warning > 1e9 || critical > 1e9)
        return fail (error, here, _("thresholds must be between 0 and 1000000000"));
      if (info->direction == CB_METRIC_DIRECTION_HIGHER_IS_BETTER ? critical > warning
                                                                  : critical < warning)
        return fail (error, here,
                     info->direction == CB_METRIC_DIRECTION_HIGHER_IS_BETTER
                     ? _("higher is better here: “critical” cannot be above “warning”")
                     : _("lower is better here: “critical” cannot be below “warning”"));
      if (cb_board_tile_get_threshold (tile, metric) != NULL)
        return fail (error, here, _("given twice"));
      scale = unit_scale (metric);
      cb_board_tile_set_threshold (tile, metric, warning * scale, critical * scale);
    }
  return TRUE;
}

static CbBoardTile *
read_tile (JsonNode   *node,
           const char *path,
           GError    **error)
{
  g_autoptr(CbBoardTile) tile = NULL;
  JsonObject *o;
  JsonObjectIter iter;
  const char *name, *s;
  JsonNode *value;
  CbBoardTileKind kind;
  CbBoardFilters filters;
  g_autofree char *kind_path = g_strdup_printf ("%s.kind", path);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, _("expected a tile (an object), found %s"), type_name (node)), NULL;
  o = json_node_get_object (node);
  if (!json_object_has_member (o, "kind"))
    return fail (error, path, _("a tile needs a “kind”")), NULL;
  if (!read_string (json_object_get_member (o, "kind"), kind_path, 40, &s, error))
    return NULL;
  if (!cb_board_tile_kind_from_string (s, &kind))
    return fail (error, kind_path, _("unknown tile kind “%s” (known: floor, queues, campaigns, "
                                     "chart, agents, kpi)"), s), NULL;

  tile = cb_board_tile_new (kind);
  filters = cb_board_tile_kind_get_filters (kind);
  if (kind == CB_BOARD_TILE_KPI && !json_object_has_member (o, "metric"))
    return fail (error, path, _("a single-figure tile needs a “metric”")), NULL;

  json_object_iter_init (&iter, o);
  while (json_object_iter_next (&iter, &name, &value))
    {
      g_autofree char *here = g_strdup_printf ("%s.%s", path, name);

      if (strcmp (name, "kind") == 0)
        continue;
      else if (strcmp (name, "size") == 0)
        {
          guint i;

          if (!read_string (value, here, 40, &s, error))
            return NULL;
          for (i = CB_BOARD_SIZE_SMALL; i <= CB_BOARD_SIZE_FULL; i++)
            if (strcmp (s, size_names[i]) == 0)
              break;
          if (i > CB_BOARD_SIZE_FULL)
            return fail (error, here, _("unknown size “%s” (known: small, medium, large, full)"),
                         s), NULL;
          tile->size = i;
        }
      else if (strcmp (name, "title") == 0)
        {
          if (!read_string (value, here, CB_BOARD_MAX_NAME, &s, error))
            return NULL;
          g_free (tile->title);
          tile->title = *s != '\0' ? g_strdup (s) : NULL;
        }
      else if (strcmp (name, "metric") == 0 && kind == CB_BOARD_TILE_KPI)
        {
          if (!read_string (value, here, 60, &s, error))
            return NULL;
          tile->metric = cb_board_metric_from_key (s);
          if (tile->metric == CB_METRIC_N_METRICS)
            return fail (error, here, _("no metric is called “%s”"), s), NULL;
        }
      else if (strcmp (name, "window") == 0 && kind == CB_BOARD_TILE_KPI)
        {
          guint i;

          if (!read_string (value, here, 40, &s, error))
            return NULL;
          for (i = 0; i < G_N_ELEMENTS (windows); i++)
            if (strcmp (s, windows[i].name) == 0)
              break;
          if (i == G_N_ELEMENTS (windows))
            return fail (error, here, _("unknown window “%s” (known: live, last-15, last-30, "
                                        "last-60, today)"), s), NULL;
          tile->window = windows[i].kind;
        }
      else if (strcmp (name, "queues") == 0 && (filters & CB_BOARD_FILTER_QUEUES))
        {
          if (!read_ids (value, here, &tile->queue_ids, error))
            return NULL;
        }
      else if (strcmp (name, "teams") == 0 && (filters & CB_BOARD_FILTER_TEAMS))
        {
          if (!read_ids (value, here, &tile->team_ids, error))
            return NULL;
        }
      else if (strcmp (name, "campaigns") == 0 && (filters & CB_BOARD_FILTER_CAMPAIGNS))
        {
          if (!read_ids (value, here, &tile->campaign_ids, error))
            return NULL;
        }
      else if (strcmp (name, "thresholds") == 0)
        {
          if (!read_thresholds (value, here, tile, error))
            return NULL;
        }
      else if (!keep_extra (&tile->extra, name, value))
        /* Translators: an error in a wallboard file; %1$s is the tile's kind ("queues",
         * "chart"), %2$s the unknown member's name, both as written in the file */
        return fail (error, here, _("a “%1$s” tile has no member “%2$s”"), kind_names[kind], name), NULL;
    }

  /* The agent board filters by one team and one queue. */
  if (kind == CB_BOARD_TILE_AGENTS
      && (g_strv_length (tile->team_ids) > 1 || g_strv_length (tile->queue_ids) > 1))
    return fail (error, path, _("the agent board shows one team and one queue at most")), NULL;

  return g_steal_pointer (&tile);
}

/* The parser recurses: a file of a million "[" is refused before it. */
static gboolean
too_deep (const char *data,
          gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > 32)
            return TRUE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return FALSE;
}

static gboolean
valid_id (const char *id)
{
  if (*id == '\0' || strlen (id) > 64)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

/**
 * cb_board_from_json:
 * @path: how messages name @node ("boards[2]")
 *
 * Returns: (transfer full) (nullable): the board, or NULL with @error
 *   saying what is wrong and where
 */
CbBoard *
cb_board_from_json (JsonNode    *node,
                    const char  *path,
                    GError     **error)
{
  g_autoptr(CbBoard) board = NULL;
  JsonObject *o;
  JsonObjectIter iter;
  const char *name, *id, *title;
  JsonNode *value;
  JsonArray *tiles;
  guint n;
  guint count[CB_BOARD_TILE_N_KINDS] = { 0 };
  g_autofree char *id_path = g_strdup_printf ("%s.id", path);
  g_autofree char *name_path = g_strdup_printf ("%s.name", path);
  g_autofree char *tiles_path = g_strdup_printf ("%s.tiles", path);

  g_return_val_if_fail (path != NULL, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, _("expected a board (an object), found %s"), type_name (node)), NULL;
  o = json_node_get_object (node);
  if (!json_object_has_member (o, "id"))
    return fail (error, path, _("a board needs an “id”")), NULL;
  if (!json_object_has_member (o, "name"))
    return fail (error, path, _("a board needs a “name”")), NULL;
  if (!json_object_has_member (o, "tiles"))
    return fail (error, path, _("a board needs “tiles”")), NULL;
  if (!read_string (json_object_get_member (o, "id"), id_path, 64, &id, error))
    return NULL;
  if (!valid_id (id))
    return fail (error, id_path, _("an id is 1 to 64 letters, digits, “-”, “_” or “.”")), NULL;
  if (!read_string (json_object_get_member (o, "name"), name_path, CB_BOARD_MAX_NAME, &title, error))
    return NULL;
  {
    g_autofree char *stripped = g_strstrip (g_strdup (title));

    if (*stripped == '\0')
      return fail (error, name_path, _("a board needs a name")), NULL;
    board = cb_board_new (id, stripped);
  }

  json_object_iter_init (&iter, o);
  while (json_object_iter_next (&iter, &name, &value))
    {
      g_autofree char *here = g_strdup_printf ("%s.%s", path, name);

      if (strcmp (name, "id") == 0 || strcmp (name, "name") == 0 || strcmp (name, "tiles") == 0)
        continue;
      if (strcmp (name, "service_level") == 0)
        {
          const char *s;
          guint i;

          if (!read_string (value, here, 40, &s, error))
            return NULL;
          for (i = 0; i < G_N_ELEMENTS (sl_names); i++)
            if (strcmp (s, sl_names[i]) == 0)
              break;
          if (i == G_N_ELEMENTS (sl_names))
            return fail (error, here, _("unknown service level “%s” (known: incl-abandons, "
                                        "of-answered, of-offered, abandons-neutral)"), s), NULL;
          board->sl_variant = i;
        }
      else if (!keep_extra (&board->extra, name, value))
        return fail (error, here, _("a board has no member “%s”"), name), NULL;
    }

  value = json_object_get_member (o, "tiles");
  if (!JSON_NODE_HOLDS_ARRAY (value))
    return fail (error, tiles_path, _("expected an array of tiles, found %s"), type_name (value)), NULL;
  tiles = json_node_get_array (value);
  n = json_array_get_length (tiles);
  if (n > CB_BOARD_MAX_TILES)
    return fail (error, tiles_path, _("more than %u tiles"), CB_BOARD_MAX_TILES), NULL;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *here = g_strdup_printf ("%s[%u]", tiles_path, i);
      CbBoardTile *tile = read_tile (json_array_get_element (tiles, i), here, error);

      if (tile == NULL)
        return NULL;
      if (++count[tile->kind] > 1
          && (tile->kind == CB_BOARD_TILE_FLOOR || tile->kind == CB_BOARD_TILE_CHART
              || tile->kind == CB_BOARD_TILE_AGENTS))
        {
          /* Translators: %s is a tile kind such as "Floor" */
          fail (error, here, _("a board has one “%s” tile at most"),
                cb_board_tile_kind_get_label (tile->kind));
          cb_board_tile_free (tile);
          return NULL;
        }
      cb_board_add_tile (board, tile);
    }

  return g_steal_pointer (&board);
}

/**
 * cb_boards_from_data:
 *
 * Reads a document of boards, as cb_boards_to_data () writes it. A
 * document of a newer version is refused with CB_BOARD_ERROR_NEWER rather
 * than read in part.
 *
 * Returns: (transfer container) (element-type CbBoard) (nullable): the
 *   boards, at least one, or NULL with @error
 */
GPtrArray *
cb_boards_from_data (const char  *data,
                     gssize       length,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) boards = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_board_unref);
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) local = NULL;
  JsonObject *o;
  JsonObjectIter iter;
  const char *name;
  JsonNode *root, *value;
  JsonArray *array;
  gint64 version;
  guint n;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length < 0)
    length = strlen (data);
  if (length > 4 * 1024 * 1024)
    return fail (error, "$", _("larger than 4 MB: not a wallboard file")), NULL;
  if (!g_utf8_validate (data, length, NULL))
    return fail (error, "$", _("not a text file (not valid UTF-8)")), NULL;
  if (too_deep (data, length))
    return fail (error, "$", _("nested too deeply: not a wallboard file")), NULL;
  if (!json_parser_load_from_data (parser, data, length, &local))
    return fail (error, "$", _("not valid JSON (%s)"), local->message), NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, "$", _("not a Callboard wallboard file: expected an object, found %s"),
                 type_name (root)), NULL;
  o = json_node_get_object (root);
  value = json_object_get_member (o, "format");
  if (value == NULL || !is_string (value) || g_strcmp0 (json_node_get_string (value), CB_BOARD_FORMAT) != 0)
    return fail (error, "format", _("not a Callboard wallboard file (“format” is not “%s”)"),
                 CB_BOARD_FORMAT), NULL;
  value = json_object_get_member (o, "version");
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64)
    return fail (error, "version", _("expected a whole number")), NULL;
  version = json_node_get_int (value);
  if (version > CB_BOARD_FORMAT_VERSION)
    {
      g_set_error (error, CB_BOARD_ERROR, CB_BOARD_ERROR_NEWER,
                   /* Translators: the first %d is the version of the wallboard file format the
                    * file was written in, the second %d the one this Callboard reads */
                   _("version: written by a newer Callboard (format %d); this one reads format %d. "
                     "Update Callboard to use these boards."),
                   (int) MIN (version, G_MAXINT), CB_BOARD_FORMAT_VERSION);
      return NULL;
    }
  if (version < 1)
    return fail (error, "version", _("no format %d exists"), (int) MAX (version, G_MININT)), NULL;

  json_object_iter_init (&iter, o);
  while (json_object_iter_next (&iter, &name, &value))
    if (strcmp (name, "format") != 0 && strcmp (name, "version") != 0 && strcmp (name, "boards") != 0
        && !g_str_has_prefix (name, "x-"))
      return fail (error, name, _("a wallboard file has no member “%s”"), name), NULL;

  value = json_object_get_member (o, "boards");
  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    return fail (error, "boards", _("expected an array of boards, found %s"), type_name (value)), NULL;
  array = json_node_get_array (value);
  n = json_array_get_length (array);
  if (n == 0)
    return fail (error, "boards", _("the file holds no board")), NULL;
  if (n > CB_BOARD_MAX_BOARDS)
    return fail (error, "boards", _("more than %u boards"), CB_BOARD_MAX_BOARDS), NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *here = g_strdup_printf ("boards[%u]", i);
      CbBoard *board = cb_board_from_json (json_array_get_element (array, i), here, error);

      if (board == NULL)
        return NULL;
      g_ptr_array_add (boards, board);
      if (!g_hash_table_add (ids, board->id))
        {
          g_autofree char *id_path = g_strdup_printf ("%s.id", here);

          return fail (error, id_path, _("another board has the id “%s”"), board->id), NULL;
        }
    }

  return g_steal_pointer (&boards);
}

/* ---- lists --------------------------------------------------------------- */

/**
 * cb_boards_lookup:
 *
 * Returns: (transfer none) (nullable): the board of @id in @boards
 */
CbBoard *
cb_boards_lookup (GPtrArray  *boards,
                  const char *id)
{
  g_return_val_if_fail (boards != NULL, NULL);

  for (guint i = 0; id != NULL && i < boards->len; i++)
    if (strcmp (((CbBoard *) g_ptr_array_index (boards, i))->id, id) == 0)
      return g_ptr_array_index (boards, i);
  return NULL;
}

static gboolean
name_taken (GPtrArray  *boards,
            const char *name)
{
  for (guint i = 0; i < boards->len; i++)
    if (g_strcmp0 (((CbBoard *) g_ptr_array_index (boards, i))->name, name) == 0)
      return TRUE;
  return FALSE;
}

/**
 * cb_boards_unique_name:
 *
 * Returns: (transfer full): @name if no board of @boards has it, else
 *   "@name (2)", "@name (3)" …, counting on from a number @name ends with
 */
char *
cb_boards_unique_name (GPtrArray  *boards,
                       const char *name)
{
  g_autofree char *base = NULL;
  const char *open;
  guint n = 2;

  g_return_val_if_fail (boards != NULL && name != NULL, NULL);

  if (!name_taken (boards, name))
    return g_strdup (name);

  /* "Sales (2)" again is "Sales (3)", not "Sales (2) (2)". */
  open = strrchr (name, '(');
  if (open != NULL && open > name && open[-1] == ' ' && g_str_has_suffix (open, ")"))
    {
      guint64 k = 0;
      g_autofree char *digits = g_strndup (open + 1, strlen (open) - 2);

      if (g_ascii_string_to_unsigned (digits, 10, 2, 10000, &k, NULL))
        {
          base = g_strndup (name, open - name - 1);
          n = (guint) k + 1;
        }
    }
  if (base == NULL)
    base = g_strdup (name);

  for (;; n++)
    {
      /* Translators: a copy's name when the name is taken: "Sales floor (2)" */
      g_autofree char *candidate = g_strdup_printf (C_("board name", "%s (%u)"), base, n);

      if (!name_taken (boards, candidate))
        return g_steal_pointer (&candidate);
    }
}

/**
 * cb_boards_merge:
 * @boards: (element-type CbBoard): the boards one has
 * @imported: (element-type CbBoard): boards read from a file
 *
 * Appends copies of @imported to @boards, renaming those whose name is
 * taken ("Sales floor (2)") and giving a new id to those whose id is.
 *
 * Returns: how many were added
 */
guint
cb_boards_merge (GPtrArray *boards,
                 GPtrArray *imported)
{
  g_return_val_if_fail (boards != NULL && imported != NULL, 0);

  for (guint i = 0; i < imported->len; i++)
    {
      CbBoard *board = g_ptr_array_index (imported, i);
      g_autofree char *id = NULL;
      CbBoard *copy;

      if (cb_boards_lookup (boards, board->id) != NULL || strcmp (board->id, "wallboard") == 0
          || strcmp (board->id, "queues") == 0 || strcmp (board->id, "agents") == 0)
        id = cb_board_make_id ();
      copy = cb_board_copy (board, id);
      g_free (copy->name);
      copy->name = cb_boards_unique_name (boards, board->name);
      g_ptr_array_add (boards, copy);
    }
  return imported->len;
}
