/* cb-board.h — a wallboard as a user builds it: tiles, order, size, filters, thresholds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Headless (GLib + json-glib). A CbBoard is a named, ordered list of
 * tiles; the UI lays them out on a grid of CB_BOARD_COLUMNS columns, each
 * tile spanning as many as its size says. Boards are kept as a JSON
 * document (docs/wallboards.md) — in the settings and in the files people
 * export and import — read strictly: anything not understood is an error
 * naming where it is, never silently dropped. Members whose names begin
 * with "x-" are the exception: they are kept as they are and written back.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cb-metrics.h"

G_BEGIN_DECLS

#define CB_BOARD_FORMAT          "callboard-wallboards"
#define CB_BOARD_FORMAT_VERSION  1
#define CB_BOARD_COLUMNS         4
#define CB_BOARD_MAX_BOARDS      100
#define CB_BOARD_MAX_TILES       64
#define CB_BOARD_MAX_IDS         500
#define CB_BOARD_MAX_NAME        100
#define CB_BOARD_DEFAULT_ID      "default"

#define CB_BOARD_ERROR (cb_board_error_quark ())

typedef enum
{
  CB_BOARD_ERROR_INVALID,   /* not a wallboard document, or a wrong member */
  CB_BOARD_ERROR_NEWER,     /* written by a newer Callboard */
} CbBoardError;

/**
 * CbBoardTileKind:
 * @CB_BOARD_TILE_FLOOR: the floor strip (agents by state, calls waiting, SL today)
 * @CB_BOARD_TILE_QUEUES: a tile per queue (all, or those filtered)
 * @CB_BOARD_TILE_CAMPAIGNS: a tile per campaign
 * @CB_BOARD_TILE_CHART: today by quarter hour
 * @CB_BOARD_TILE_AGENTS: the agent board, under the others
 * @CB_BOARD_TILE_KPI: one figure, large, for a chosen metric and scope
 *
 * The floor, the chart and the agent board appear at most once a board.
 */
typedef enum
{
  CB_BOARD_TILE_FLOOR,
  CB_BOARD_TILE_QUEUES,
  CB_BOARD_TILE_CAMPAIGNS,
  CB_BOARD_TILE_CHART,
  CB_BOARD_TILE_AGENTS,
  CB_BOARD_TILE_KPI,
  CB_BOARD_TILE_N_KINDS
} CbBoardTileKind;

/* Columns of the board's grid a tile spans. */
typedef enum
{
  CB_BOARD_SIZE_SMALL  = 1,
  CB_BOARD_SIZE_MEDIUM = 2,
  CB_BOARD_SIZE_LARGE  = 3,
  CB_BOARD_SIZE_FULL   = 4,
} CbBoardTileSize;

/* The filters a kind takes. */
typedef enum
{
  CB_BOARD_FILTER_QUEUES    = 1 << 0,
  CB_BOARD_FILTER_TEAMS     = 1 << 1,
  CB_BOARD_FILTER_CAMPAIGNS = 1 << 2,
} CbBoardFilters;

typedef struct
{
  CbMetricId metric;
  double     warning;
  double     critical;
} CbBoardThreshold;

/**
 * CbBoardTile:
 * @queue_ids: (array zero-terminated=1): never NULL; empty is "all"
 * @metric: KPI tiles: the figure shown
 * @window: KPI tiles: live, last 15/30/60 minutes or today
 * @title: (nullable): a heading instead of the kind's or the metric's name
 * @thresholds: CbBoardThreshold, overriding the catalog's for this tile
 * @extra: (nullable): "x-" members, kept verbatim
 */
typedef struct
{
  CbBoardTileKind    kind;
  CbBoardTileSize    size;
  char             **queue_ids;
  char             **team_ids;
  char             **campaign_ids;
  CbMetricId         metric;
  CbMetricWindowKind window;
  char              *title;
  GArray            *thresholds;
  JsonObject        *extra;
} CbBoardTile;

/**
 * CbBoard:
 * @tiles: (element-type CbBoardTile): in order
 * @sl_variant: the service level every tile of the board shows
 */
typedef struct
{
  char                 *id;
  char                 *name;
  GPtrArray            *tiles;
  CbServiceLevelVariant sl_variant;
  JsonObject           *extra;
  /*< private >*/
  gatomicrefcount       ref_count;
} CbBoard;

GQuark            cb_board_error_quark        (void);

/* Kinds, sizes, windows: their stable names in the JSON and translated labels */
const char       *cb_board_tile_kind_to_string (CbBoardTileKind  kind);
gboolean          cb_board_tile_kind_from_string (const char     *name,
                                                  CbBoardTileKind *out);
const char       *cb_board_tile_kind_get_label (CbBoardTileKind  kind);
CbBoardFilters    cb_board_tile_kind_get_filters (CbBoardTileKind kind);
CbBoardTileSize   cb_board_tile_kind_get_default_size (CbBoardTileKind kind);
const char       *cb_board_tile_size_to_string (CbBoardTileSize  size);
const char       *cb_board_tile_size_get_label (CbBoardTileSize  size);
const char       *cb_board_window_to_string    (CbMetricWindowKind window);
const char       *cb_board_window_get_label    (CbMetricWindowKind window);
CbMetricId        cb_board_metric_from_key     (const char      *key);

/* Tiles */
GType             cb_board_tile_get_type      (void) G_GNUC_CONST;
CbBoardTile      *cb_board_tile_new           (CbBoardTileKind  kind);
CbBoardTile      *cb_board_tile_copy          (const CbBoardTile *tile);
void              cb_board_tile_free          (CbBoardTile     *tile);
gboolean          cb_board_tile_equal         (const CbBoardTile *a,
                                               const CbBoardTile *b);
void              cb_board_tile_set_ids       (CbBoardTile     *tile,
                                               CbBoardFilters   filter,
                                               const char * const *ids);
const CbBoardThreshold *cb_board_tile_get_threshold (const CbBoardTile *tile,
                                                     CbMetricId         metric);
void              cb_board_tile_set_threshold (CbBoardTile     *tile,
                                               CbMetricId       metric,
                                               double           warning,
                                               double           critical);
void              cb_board_tile_clear_threshold (CbBoardTile   *tile,
                                                 CbMetricId     metric);
const char       *cb_board_tile_level         (const CbBoardTile   *tile,
                                               CbMetricId           metric,
                                               const CbMetricValue *value);
void              cb_board_tile_get_scope     (const CbBoardTile *tile,
                                               CbMetricScope     *scope);

/* Boards */
GType             cb_board_get_type           (void) G_GNUC_CONST;
CbBoard          *cb_board_new                (const char      *id,
                                               const char      *name);
CbBoard          *cb_board_new_default       (void);
CbBoard          *cb_board_ref                (CbBoard         *board);
void              cb_board_unref              (CbBoard         *board);
CbBoard          *cb_board_copy               (const CbBoard   *board,
                                               const char      *new_id);
gboolean          cb_board_equal              (const CbBoard   *a,
                                               const CbBoard   *b);
void              cb_board_add_tile           (CbBoard         *board,
                                               CbBoardTile     *tile);
gboolean          cb_board_has_kind           (const CbBoard   *board,
                                               CbBoardTileKind  kind);
gboolean          cb_board_validate           (const CbBoard   *board,
                                               GError         **error);
char             *cb_board_make_id            (void);

/* Documents: one or several boards */
JsonNode         *cb_board_to_json            (const CbBoard   *board);
CbBoard          *cb_board_from_json          (JsonNode        *node,
                                               const char      *path,
                                               GError         **error);
char             *cb_boards_to_data           (GPtrArray       *boards,
                                               gsize           *length);
GPtrArray        *cb_boards_from_data         (const char      *data,
                                               gssize           length,
                                               GError         **error);

/* Lists of boards (GPtrArray of CbBoard) */
CbBoard          *cb_boards_lookup            (GPtrArray       *boards,
                                               const char      *id);
char             *cb_boards_unique_name       (GPtrArray       *boards,
                                               const char      *name);
guint             cb_boards_merge             (GPtrArray       *boards,
                                               GPtrArray       *imported);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbBoard, cb_board_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbBoardTile, cb_board_tile_free)

G_END_DECLS
