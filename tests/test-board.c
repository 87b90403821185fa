/* test-board.c — wallboards people build: the model and its JSON document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Round trips, the strict reading (each broken document is refused with a
 * message naming where), forward compatibility ("x-" members kept, newer
 * versions refused whole), names made unique on import, and thresholds
 * that override the catalog's.
 */
#include "config.h"

#include <string.h>

#include "cb-board.h"

static CbBoard *
sample_board (void)
{
  CbBoard *board = cb_board_new ("b-sales", "Sales floor");
  CbBoardTile *tile;
  const char *queues[] = { "q-sales", "q-gone-elsewhere", NULL };
  const char *teams[] = { "t-north", NULL };
  const char *campaigns[] = { "cmp-winter", NULL };

  board->sl_variant = CB_SL_OF_OFFERED;
  cb_board_add_tile (board, cb_board_tile_new (CB_BOARD_TILE_FLOOR));

  tile = cb_board_tile_new (CB_BOARD_TILE_QUEUES);
  tile->size = CB_BOARD_SIZE_LARGE;
  cb_board_tile_set_ids (tile, CB_BOARD_FILTER_QUEUES, queues);
  cb_board_tile_set_threshold (tile, CB_METRIC_SERVICE_LEVEL, 90, 85);
  cb_board_tile_set_threshold (tile, CB_METRIC_LONGEST_WAIT, 45000, 90000);
  cb_board_add_tile (board, tile);

  tile = cb_board_tile_new (CB_BOARD_TILE_KPI);
  tile->metric = CB_METRIC_ASA;
  tile->window = CB_METRIC_WINDOW_LAST_30;
  tile->title = g_strdup ("ASA, north team");
  cb_board_tile_set_ids (tile, CB_BOARD_FILTER_TEAMS, teams);
  cb_board_add_tile (board, tile);

  tile = cb_board_tile_new (CB_BOARD_TILE_CAMPAIGNS);
  cb_board_tile_set_ids (tile, CB_BOARD_FILTER_CAMPAIGNS, campaigns);
  cb_board_add_tile (board, tile);

  tile = cb_board_tile_new (CB_BOARD_TILE_AGENTS);
  cb_board_tile_set_ids (tile, CB_BOARD_FILTER_TEAMS, teams);
  cb_board_add_tile (board, tile);
  return board;
}

static GPtrArray *
boards_of (CbBoard *first,
           ...)
{
  GPtrArray *boards = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_board_unref);
  va_list args;

  va_start (args, first);
  for (CbBoard *b = first; b != NULL; b = va_arg (args, CbBoard *))
    g_ptr_array_add (boards, b);
  va_end (args);
  return boards;
}

static void
test_round_trip (void)
{
  g_autoptr(GPtrArray) boards = boards_of (cb_board_new_default (), sample_board (), NULL);
  g_autoptr(GPtrArray) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL, *again = NULL;
  CbBoard *sales;
  CbBoardTile *tile;
  gsize length = 0;

  data = cb_boards_to_data (boards, &length);
  g_assert_cmpuint (length, ==, strlen (data));
  g_test_message ("%s", data);
  back = cb_boards_from_data (data, length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_true (cb_board_equal (g_ptr_array_index (boards, i), g_ptr_array_index (back, i)));

  /* Written again, byte for byte the same document. */
  again = cb_boards_to_data (back, NULL);
  g_assert_cmpstr (again, ==, data);

  /* What was read: the default board is today's page. */
  g_assert_cmpstr (((CbBoard *) back->pdata[0])->id, ==, CB_BOARD_DEFAULT_ID);
  g_assert_cmpuint (((CbBoard *) back->pdata[0])->tiles->len, ==, 5);
  g_assert_true (cb_board_has_kind (back->pdata[0], CB_BOARD_TILE_AGENTS));

  sales = cb_boards_lookup (back, "b-sales");
  g_assert_nonnull (sales);
  g_assert_cmpint (sales->sl_variant, ==, CB_SL_OF_OFFERED);
  tile = g_ptr_array_index (sales->tiles, 1);
  g_assert_cmpint (tile->kind, ==, CB_BOARD_TILE_QUEUES);
  g_assert_cmpint (tile->size, ==, CB_BOARD_SIZE_LARGE);
  /* A queue this backend may not have is kept, in order. */
  g_assert_cmpstr (tile->queue_ids[1], ==, "q-gone-elsewhere");
  g_assert_null (tile->queue_ids[2]);
  /* Times are seconds in the file, ms in the model. */
  g_assert_nonnull (strstr (data, "\"longest-wait\" : {\n"));
  g_assert_cmpfloat (cb_board_tile_get_threshold (tile, CB_METRIC_LONGEST_WAIT)->warning, ==, 45000);
  g_assert_cmpfloat (cb_board_tile_get_threshold (tile, CB_METRIC_LONGEST_WAIT)->critical, ==, 90000);
  tile = g_ptr_array_index (sales->tiles, 2);
  g_assert_cmpint (tile->metric, ==, CB_METRIC_ASA);
  g_assert_cmpint (tile->window, ==, CB_METRIC_WINDOW_LAST_30);
  g_assert_cmpstr (tile->title, ==, "ASA, north team");

  /* A change is a difference. */
  tile->size = CB_BOARD_SIZE_MEDIUM;
  g_assert_false (cb_board_equal (g_ptr_array_index (boards, 1), sales));
  g_assert_true (cb_board_validate (sales, NULL));
}

static void
expect_invalid (const char *document,
                const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) boards = cb_boards_from_data (document, -1, &error);

  g_assert_null (boards);
  g_assert_error (error, CB_BOARD_ERROR, CB_BOARD_ERROR_INVALID);
  g_test_message ("%s", error->message);
  if (!g_str_has_prefix (error->message, path))
    g_error ("“%s” does not name “%s”", error->message, path);
}

#define HEAD "{\"format\":\"callboard-wallboards\",\"version\":1,\"boards\":"
#define BOARD(tiles) HEAD "[{\"id\":\"b1\",\"name\":\"One\",\"tiles\":[" tiles "]}]}"

static void
test_malformed (void)
{
  static const struct { const char *document; const char *path; } cases[] = {
    { "", "$" },
    { "{", "$" },
    { "[]", "$" },
    { "\"boards\"", "$" },
    { "{\"version\":1,\"boards\":[]}", "format" },
    { "{\"format\":\"something-else\",\"version\":1,\"boards\":[]}", "format" },
    { "{\"format\":\"callboard-wallboards\",\"boards\":[]}", "version" },
    { "{\"format\":\"callboard-wallboards\",\"version\":\"1\",\"boards\":[]}", "version" },
    { "{\"format\":\"callboard-wallboards\",\"version\":1.5,\"boards\":[]}", "version" },
    { "{\"format\":\"callboard-wallboards\",\"version\":0,\"boards\":[]}", "version" },
    { "{\"format\":\"callboard-wallboards\",\"version\":1}", "boards" },
    { HEAD "{}}", "boards" },
    { HEAD "[]}", "boards" },
    { HEAD "[], \"colour\": \"red\"}", "colour" },
    { HEAD "[42]}", "boards[0]" },
    { HEAD "[{\"name\":\"One\",\"tiles\":[]}]}", "boards[0]" },
    { HEAD "[{\"id\":\"b1\",\"tiles\":[]}]}", "boards[0]" },
    { HEAD "[{\"id\":\"b1\",\"name\":\"One\"}]}", "boards[0]" },
    { HEAD "[{\"id\":\"has space\",\"name\":\"One\",\"tiles\":[]}]}", "boards[0].id" },
    { HEAD "[{\"id\":7,\"name\":\"One\",\"tiles\":[]}]}", "boards[0].id" },
    { HEAD "[{\"id\":\"b1\",\"name\":\"   \",\"tiles\":[]}]}", "boards[0].name" },
    { HEAD "[{\"id\":\"b1\",\"name\":\"One\",\"tiles\":{}}]}", "boards[0].tiles" },
    { HEAD "[{\"id\":\"b1\",\"name\":\"One\",\"tiles\":[],\"owner\":\"me\"}]}", "boards[0].owner" },
    { HEAD "[{\"id\":\"b1\",\"name\":\"One\",\"tiles\":[],\"service_level\":\"best\"}]}",
      "boards[0].service_level" },
    { HEAD "[{\"id\":\"b1\",\"name\":\"One\",\"tiles\":[]},{\"id\":\"b1\",\"name\":\"Two\",\"tiles\":[]}]}",
      "boards[1].id" },
    { BOARD ("null"), "boards[0].tiles[0]" },
    { BOARD ("{}"), "boards[0].tiles[0]" },
    { BOARD ("{\"kind\":\"pie-chart\"}"), "boards[0].tiles[0].kind" },
    { BOARD ("{\"kind\":3}"), "boards[0].tiles[0].kind" },
    { BOARD ("{\"kind\":\"floor\",\"size\":\"huge\"}"), "boards[0].tiles[0].size" },
    { BOARD ("{\"kind\":\"floor\",\"colour\":\"red\"}"), "boards[0].tiles[0].colour" },
    { BOARD ("{\"kind\":\"floor\"},{\"kind\":\"floor\"}"), "boards[0].tiles[1]" },
    { BOARD ("{\"kind\":\"queues\",\"queues\":\"q-sales\"}"), "boards[0].tiles[0].queues" },
    { BOARD ("{\"kind\":\"queues\",\"queues\":[\"q-sales\",7]}"), "boards[0].tiles[0].queues[1]" },
    { BOARD ("{\"kind\":\"queues\",\"queues\":[\"\"]}"), "boards[0].tiles[0].queues[0]" },
    { BOARD ("{\"kind\":\"queues\",\"queues\":[\"q\",\"q\"]}"), "boards[0].tiles[0].queues[1]" },
    { BOARD ("{\"kind\":\"queues\",\"campaigns\":[\"c\"]}"), "boards[0].tiles[0].campaigns" },
    { BOARD ("{\"kind\":\"kpi\"}"), "boards[0].tiles[0]" },
    { BOARD ("{\"kind\":\"kpi\",\"metric\":\"happiness\"}"), "boards[0].tiles[0].metric" },
    { BOARD ("{\"kind\":\"kpi\",\"metric\":\"asa\",\"window\":\"yesterday\"}"),
      "boards[0].tiles[0].window" },
    { BOARD ("{\"kind\":\"floor\",\"metric\":\"asa\"}"), "boards[0].tiles[0].metric" },
    { BOARD ("{\"kind\":\"queues\",\"thresholds\":[]}"), "boards[0].tiles[0].thresholds" },
    { BOARD ("{\"kind\":\"queues\",\"thresholds\":{\"joy\":{\"warning\":1,\"critical\":2}}}"),
      "boards[0].tiles[0].thresholds.joy" },
    { BOARD ("{\"kind\":\"queues\",\"thresholds\":{\"offered\":{\"warning\":1,\"critical\":2}}}"),
      "boards[0].tiles[0].thresholds.offered" },
    { BOARD ("{\"kind\":\"queues\",\"thresholds\":{\"asa\":{\"warning\":20}}}"),
      "boards[0].tiles[0].thresholds.asa" },
    { BOARD ("{\"kind\":\"queues\",\"thresholds\":{\"asa\":{\"warning\":\"20\",\"critical\":40}}}"),
      "boards[0].tiles[0].thresholds.asa" },
    { BOARD ("{\"kind\":\"queues\",\"thresholds\":{\"asa\":{\"warning\":-1,\"critical\":40}}}"),
      "boards[0].tiles[0].thresholds.asa" },
    { BOARD ("{\"kind\":\"queues\",\"thresholds\":{\"asa\":{\"warning\":40,\"critical\":20}}}"),
      "boards[0].tiles[0].thresholds.asa" },
    { BOARD ("{\"kind\":\"queues\",\"thresholds\":{\"service-level\":{\"warning\":70,\"critical\":80}}}"),
      "boards[0].tiles[0].thresholds.service-level" },
    { BOARD ("{\"kind\":\"queues\",\"thresholds\":{\"asa\":{\"warning\":1e300,\"critical\":1e301}}}"),
      "boards[0].tiles[0].thresholds.asa" },
    { BOARD ("{\"kind\":\"agents\",\"teams\":[\"t1\",\"t2\"]}"), "boards[0].tiles[0]" },
    { BOARD ("{\"kind\":\"floor\",\"title\":true}"), "boards[0].tiles[0].title" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    expect_invalid (cases[i].document, cases[i].path);
  g_test_message ("%u broken documents refused", (guint) G_N_ELEMENTS (cases));
  g_assert_cmpuint (G_N_ELEMENTS (cases), >=, 20);
}

/* What a hostile file can hold: nothing crashes, nothing grows unbounded. */
static void
test_hostile (void)
{
  g_autoptr(GString) deep = g_string_new (HEAD);
  g_autoptr(GString) many = g_string_new (BOARD (""));
  g_autoptr(GString) ids = g_string_new (NULL);
  g_autofree char *big = NULL;
  g_autofree char *long_name = NULL;
  g_autofree char *doc = NULL;
  const char bad_utf8[] = HEAD "[{\"id\":\"b1\",\"name\":\"\xff\xfe\",\"tiles\":[]}]}";

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  expect_invalid (deep->str, "$");
  expect_invalid (bad_utf8, "$");

  big = g_malloc0 (5 * 1024 * 1024);
  memset (big, ' ', 5 * 1024 * 1024 - 1);
  expect_invalid (big, "$");

  /* 65 tiles */
  g_string_truncate (many, strlen (HEAD "[{\"id\":\"b1\",\"name\":\"One\",\"tiles\":["));
  for (guint i = 0; i < 65; i++)
    g_string_append_printf (many, "%s{\"kind\":\"queues\"}", i ? "," : "");
  g_string_append (many, "]}]}");
  expect_invalid (many->str, "boards[0].tiles");

  /* 501 queue ids */
  for (guint i = 0; i < 501; i++)
    g_string_append_printf (ids, "%s\"q%u\"", i ? "," : "", i);
  doc = g_strdup_printf (HEAD "[{\"id\":\"b1\",\"name\":\"One\",\"tiles\":[{\"kind\":\"queues\","
                         "\"queues\":[%s]}]}]}", ids->str);
  expect_invalid (doc, "boards[0].tiles[0].queues");
  g_free (doc);

  long_name = g_strnfill (101, 'a');
  doc = g_strdup_printf (HEAD "[{\"id\":\"b1\",\"name\":\"%s\",\"tiles\":[]}]}", long_name);
  expect_invalid (doc, "boards[0].name");
}

/* Messages are for people: they say what is wrong in words. */
static void
test_messages (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) boards = cb_boards_from_data (BOARD ("{\"kind\":\"pie-chart\"}"), -1, &error);

  g_assert_null (boards);
  g_assert_cmpstr (error->message, ==,
                   "boards[0].tiles[0].kind: unknown tile kind “pie-chart” (known: floor, queues, "
                   "campaigns, chart, agents, kpi)");
}

static void
test_forward_compat (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) boards = NULL;
  g_autofree char *data = NULL;
  CbBoard *board;
  CbBoardTile *tile;

  /* A newer format is refused whole, saying why: never read in part. */
  boards = cb_boards_from_data ("{\"format\":\"callboard-wallboards\",\"version\":2,\"boards\":"
                                "[{\"id\":\"b1\",\"name\":\"One\",\"tiles\":[],\"layers\":3}]}", -1, &error);
  g_assert_null (boards);
  g_assert_error (error, CB_BOARD_ERROR, CB_BOARD_ERROR_NEWER);
  g_assert_nonnull (strstr (error->message, "newer Callboard"));
  g_clear_error (&error);

  /* "x-" members are another tool's: kept as they are and written back. */
  boards = cb_boards_from_data (HEAD "[{\"id\":\"b1\",\"name\":\"One\",\"x-vendor\":{\"rev\":4},"
                                "\"tiles\":[{\"kind\":\"queues\",\"x-colour\":\"teal\","
                                "\"queues\":[\"q-not-here\"]}]}], \"x-exported-by\":\"someone\"}",
                                -1, &error);
  g_assert_no_error (error);
  board = g_ptr_array_index (boards, 0);
  tile = g_ptr_array_index (board->tiles, 0);
  g_assert_cmpstr (json_object_get_string_member (tile->extra, "x-colour"), ==, "teal");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (board->extra, "x-vendor"),
                                               "rev"), ==, 4);
  g_assert_cmpstr (tile->queue_ids[0], ==, "q-not-here");
  data = cb_boards_to_data (boards, NULL);
  g_assert_nonnull (strstr (data, "\"x-colour\" : \"teal\""));
  g_assert_nonnull (strstr (data, "\"x-vendor\""));
  g_assert_nonnull (strstr (data, "\"q-not-here\""));

  /* Sizes are optional: each kind has its own. */
  g_clear_pointer (&boards, g_ptr_array_unref);
  boards = cb_boards_from_data (BOARD ("{\"kind\":\"chart\"},{\"kind\":\"kpi\",\"metric\":\"calls-waiting\"}"),
                                -1, &error);
  g_assert_no_error (error);
  board = g_ptr_array_index (boards, 0);
  g_assert_cmpint (((CbBoardTile *) board->tiles->pdata[0])->size, ==, CB_BOARD_SIZE_MEDIUM);
  g_assert_cmpint (((CbBoardTile *) board->tiles->pdata[1])->size, ==, CB_BOARD_SIZE_SMALL);
  g_assert_cmpint (((CbBoardTile *) board->tiles->pdata[1])->window, ==, CB_METRIC_WINDOW_TODAY);
}

static void
test_names (void)
{
  g_autoptr(GPtrArray) boards = boards_of (cb_board_new_default (), sample_board (), NULL);
  g_autoptr(GPtrArray) imported = boards_of (sample_board (), cb_board_new ("wallboard", "Night shift"),
                                             NULL);
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  CbBoard *added;

  a = cb_boards_unique_name (boards, "Night shift");
  g_assert_cmpstr (a, ==, "Night shift");
  b = cb_boards_unique_name (boards, "Sales floor");
  g_assert_cmpstr (b, ==, "Sales floor (2)");

  /* Imported twice: "(2)", then "(3)", each with an id of its own. */
  g_assert_cmpuint (cb_boards_merge (boards, imported), ==, 2);
  g_assert_cmpuint (boards->len, ==, 4);
  added = g_ptr_array_index (boards, 2);
  g_assert_cmpstr (added->name, ==, "Sales floor (2)");
  g_assert_cmpstr (added->id, !=, "b-sales");
  g_assert_true (g_str_has_prefix (added->id, "b-"));
  /* A built-in kiosk name is no board's id. */
  added = g_ptr_array_index (boards, 3);
  g_assert_cmpstr (added->name, ==, "Night shift");
  g_assert_cmpstr (added->id, !=, "wallboard");

  c = cb_boards_unique_name (boards, "Sales floor (2)");
  g_assert_cmpstr (c, ==, "Sales floor (3)");

  /* The import did not touch what was there. */
  g_assert_cmpstr (((CbBoard *) boards->pdata[1])->name, ==, "Sales floor");
  g_assert_cmpstr (((CbBoard *) boards->pdata[1])->id, ==, "b-sales");
}

static void
test_thresholds (void)
{
  g_autoptr(CbBoard) board = sample_board ();
  CbBoardTile *queues = g_ptr_array_index (board->tiles, 1);
  CbBoardTile *floor = g_ptr_array_index (board->tiles, 0);
  CbMetricValue v = { TRUE, 87, 87, 100, CB_METRIC_UNIT_PERCENT, 0, 0 };
  CbMetricValue wait = { TRUE, 50000, 50000, 1, CB_METRIC_UNIT_MS, 0, 0 };
  CbMetricValue none = { 0 };
  CbMetricScope scope;

  /* 87 %: fine by the catalog (80 / 70), a warning on this board (90 / 85). */
  g_assert_cmpstr (cb_board_tile_level (queues, CB_METRIC_SERVICE_LEVEL, &v), ==, "kpi-warning");
  v.value = 84;
  g_assert_cmpstr (cb_board_tile_level (queues, CB_METRIC_SERVICE_LEVEL, &v), ==, "kpi-critical");
  v.value = 95;
  g_assert_cmpstr (cb_board_tile_level (queues, CB_METRIC_SERVICE_LEVEL, &v), ==, "kpi-ok");
  /* A 50 s wait: past the board's 45 s. */
  g_assert_cmpstr (cb_board_tile_level (queues, CB_METRIC_LONGEST_WAIT, &wait), ==, "kpi-warning");
  g_assert_null (cb_board_tile_level (queues, CB_METRIC_SERVICE_LEVEL, &none));
  /* No override: the catalog decides (NULL). */
  g_assert_null (cb_board_tile_level (floor, CB_METRIC_SERVICE_LEVEL, &v));
  g_assert_null (cb_board_tile_level (queues, CB_METRIC_ASA, &wait));

  cb_board_tile_clear_threshold (queues, CB_METRIC_SERVICE_LEVEL);
  g_assert_null (cb_board_tile_get_threshold (queues, CB_METRIC_SERVICE_LEVEL));

  cb_board_tile_get_scope (queues, &scope);
  g_assert_cmpstr (scope.queue_ids[0], ==, "q-sales");
  g_assert_null (scope.team_ids);
  g_assert_null (scope.campaign_ids);
}

static void
test_copy (void)
{
  g_autoptr(CbBoard) board = sample_board ();
  g_autoptr(CbBoard) copy = cb_board_copy (board, NULL);
  g_autoptr(CbBoard) other = cb_board_copy (board, "b-other");
  CbBoardTile *tile;

  g_assert_true (cb_board_equal (board, copy));
  g_assert_false (cb_board_equal (board, other));
  g_assert_cmpstr (other->id, ==, "b-other");

  /* Deep: editing the copy leaves the original. */
  tile = g_ptr_array_index (copy->tiles, 1);
  cb_board_tile_set_ids (tile, CB_BOARD_FILTER_QUEUES, NULL);
  g_assert_null (tile->queue_ids[0]);
  g_assert_cmpstr (((CbBoardTile *) board->tiles->pdata[1])->queue_ids[0], ==, "q-sales");
  g_assert_false (cb_board_equal (board, copy));

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *id = cb_board_make_id ();

      g_assert_cmpuint (strlen (id), ==, 14);
      g_assert_true (g_str_has_prefix (id, "b-"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/callboard/board/round-trip", test_round_trip);
  g_test_add_func ("/callboard/board/malformed", test_malformed);
  g_test_add_func ("/callboard/board/hostile", test_hostile);
  g_test_add_func ("/callboard/board/messages", test_messages);
  g_test_add_func ("/callboard/board/forward-compat", test_forward_compat);
  g_test_add_func ("/callboard/board/names", test_names);
  g_test_add_func ("/callboard/board/thresholds", test_thresholds);
  g_test_add_func ("/callboard/board/copy", test_copy);

  return g_test_run ();
}
