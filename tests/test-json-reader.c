/* test-json-reader.c — our JSON reader: JsonParser's trees, stricter; and
 * the documents it reads into (cb-json-doc.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cb-json-reader.h"
#include "cb-message.h"
#include "cb-test-view.h"

static JsonNode *
read_text (const char *text,
           GError    **error)
{
  return cb_json_read (text, strlen (text), 64, error);
}

static JsonNode *
parse_reference (const char *text,
                 gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, length, NULL) || (root = json_parser_get_root (parser)) == NULL)
    return NULL;
  return json_node_ref (root);
}

static void
test_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = read_text (" {\"s\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\","
                                        "\"i\":-42,\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                                        "\"big\":9223372036854775808,\"d\":1.5,\"e\":-2E+3,\"z\":-0,"
                                        "\"t\":true,\"f\":false,\"n\":null,\"a\":[1,[],{}],\"o\":{},"
                                        "\"dup\":1,\"dup\":2}\n\t", &error);
  JsonObject *o;

  g_assert_no_error (error);
  g_assert_nonnull (node);
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "s"), ==, "café 😀 \"q\" \\ / \b\f\n\r\t");
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (o, "i")), ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (o, "i"), ==, -42);
  g_assert_cmpint (json_object_get_int_member (o, "max"), ==, G_MAXINT64);
  g_assert_cmpint (json_object_get_int_member (o, "min"), ==, G_MININT64);
  /* Past int64: a double, as JsonParser would not hold it either. */
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (o, "big")), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (o, "big"), ==, 9223372036854775808.0);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (o, "d")), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (o, "d"), ==, 1.5);
  g_assert_cmpfloat (json_object_get_double_member (o, "e"), ==, -2000.0);
  g_assert_cmpint (json_object_get_int_member (o, "z"), ==, 0);
  g_assert_true (json_object_get_boolean_member (o, "t"));
  g_assert_false (json_object_get_boolean_member (o, "f"));
  g_assert_true (json_object_get_null_member (o, "n"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "a")), ==, 3);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (o, "o")), ==, 0);
  /* A repeated member replaces the first, as with JsonParser. */
  g_assert_cmpint (json_object_get_int_member (o, "dup"), ==, 2);
  g_assert_cmpuint (json_object_get_size (o), ==, 14);

  /* Scalars and empty containers at the top. */
  for (guint i = 0; i < 6; i++)
    {
      const char *texts[] = { "0", "\"\"", "[]", "{}", "null", " true " };
      g_autoptr(JsonNode) scalar = read_text (texts[i], &error);

      g_assert_no_error (error);
      g_assert_nonnull (scalar);
    }
}

static void
test_refused (void)
{
  /* Everything here is refused with an error and no tree; JsonParser lets
   * several of them through (comments, 1e400 as infinity, lone
   * surrogates, trailing text). */
  static const struct {
    const char *text;
    int         code;
  } bad[] = {
    { "", CB_JSON_READER_ERROR_SYNTAX },
    { "   ", CB_JSON_READER_ERROR_SYNTAX },
    { "{", CB_JSON_READER_ERROR_SYNTAX },
    { "{\"a\"", CB_JSON_READER_ERROR_SYNTAX },
    { "{\"a\":", CB_JSON_READER_ERROR_SYNTAX },
    { "{\"a\":1", CB_JSON_READER_ERROR_SYNTAX },
    { "{\"a\":1,}", CB_JSON_READER_ERROR_SYNTAX },
    { "[1,]", CB_JSON_READER_ERROR_SYNTAX },
    { "[1 2]", CB_JSON_READER_ERROR_SYNTAX },
    { "{a:1}", CB_JSON_READER_ERROR_SYNTAX },
    { "{'a':1}", CB_JSON_READER_ERROR_SYNTAX },
    { "{\"a\" 1}", CB_JSON_READER_ERROR_SYNTAX },
    { "// comment\n{}", CB_JSON_READER_ERROR_SYNTAX },
    { "/* comment */ {}", CB_JSON_READER_ERROR_SYNTAX },
    { "{} x", CB_JSON_READER_ERROR_SYNTAX },
    { "{}{}", CB_JSON_READER_ERROR_SYNTAX },
    { "tru", CB_JSON_READER_ERROR_SYNTAX },
    { "nul", CB_JSON_READER_ERROR_SYNTAX },
    { "True", CB_JSON_READER_ERROR_SYNTAX },
    { "NaN", CB_JSON_READER_ERROR_SYNTAX },
    { "Infinity", CB_JSON_READER_ERROR_SYNTAX },
    { "01", CB_JSON_READER_ERROR_SYNTAX },
    { "-01", CB_JSON_READER_ERROR_SYNTAX },
    { "1.", CB_JSON_READER_ERROR_SYNTAX },
    { ".5", CB_JSON_READER_ERROR_SYNTAX },
    { "+1", CB_JSON_READER_ERROR_SYNTAX },
    { "-", CB_JSON_READER_ERROR_SYNTAX },
    { "1e", CB_JSON_READER_ERROR_SYNTAX },
    { "1e+", CB_JSON_READER_ERROR_SYNTAX },
    { "0x10", CB_JSON_READER_ERROR_SYNTAX },
    { "1e400", CB_JSON_READER_ERROR_SYNTAX },
    { "[-1e400]", CB_JSON_READER_ERROR_SYNTAX },
    { "\"abc", CB_JSON_READER_ERROR_SYNTAX },
    { "\"a\\x\"", CB_JSON_READER_ERROR_SYNTAX },
    { "\"a\\u12\"", CB_JSON_READER_ERROR_SYNTAX },
    { "\"a\\u12g4\"", CB_JSON_READER_ERROR_SYNTAX },
    { "\"\\ud800\"", CB_JSON_READER_ERROR_SYNTAX },
    { "\"\\ud800\\u0041\"", CB_JSON_READER_ERROR_SYNTAX },
    { "\"\\udc00\"", CB_JSON_READER_ERROR_SYNTAX },
    { "\"a\\u0000b\"", CB_JSON_READER_ERROR_SYNTAX },
    { "\"tab\there\"", CB_JSON_READER_ERROR_SYNTAX },
    { "\"line\nbreak\"", CB_JSON_READER_ERROR_SYNTAX },
    { "\"\\", CB_JSON_READER_ERROR_SYNTAX },
    { "\"caf\xc3\"", CB_JSON_READER_ERROR_ENCODING },
    { "\"\xff\"", CB_JSON_READER_ERROR_ENCODING },
    { "\"\xed\xa0\x80\"", CB_JSON_READER_ERROR_ENCODING },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = read_text (bad[i].text, &error);

      if (node != NULL || !g_error_matches (error, CB_JSON_READER_ERROR, bad[i].code))
        g_error ("%s: expected error %d, got %s", bad[i].text, bad[i].code, error ? error->message : "a tree");
    }

  /* A nul byte inside the given length is refused, not taken for the end
   * of the text. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = cb_json_read ("{}\0{}", 5, 64, &error);

    g_assert_null (node);
    g_assert_error (error, CB_JSON_READER_ERROR, CB_JSON_READER_ERROR_ENCODING);
  }
}

static void
test_depth (void)
{
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(GString) deep = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) too_deep = NULL;

  for (guint i = 0; i < 64; i++)
    g_string_append (ok, i % 2 ? "[" : "{\"k\":");
  g_string_append (ok, "1");
  for (guint i = 64; i-- > 0;)
    g_string_append (ok, i % 2 ? "]" : "}");
  node = cb_json_read (ok->str, ok->len, 64, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  /* 100,000 levels: refused at level 65, long before the stack is in
   * danger. */
  deep = g_string_new (NULL);
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  too_deep = cb_json_read (deep->str, deep->len, 64, &error);
  g_assert_null (too_deep);
  g_assert_error (error, CB_JSON_READER_ERROR, CB_JSON_READER_ERROR_DEPTH);
}

/* Whatever the reader accepts, JsonParser accepts too and builds the same
 * tree; over protocol-like frames and 30,000 seeded corruptions of them. */
static void
test_same_trees_as_json_parser (void)
{
  static const char *seeds[] = {
    "{\"type\":\"event\",\"seq\":42,\"ts\":1795420800000,\"topic\":\"agents\",\"kind\":\"upsert\","
    "\"entity\":{\"type\":\"agent\",\"id\":\"ag-7\",\"rev\":3},\"data\":{\"id\":\"ag-7\",\"name\":\"Mari Tamm\","
    "\"state\":\"on_call\",\"skills\":[{\"skill_id\":\"sk-1\",\"level\":8}],\"pause_reason\":null,"
    "\"stats\":{\"asa\":12.75,\"sl\":0.913,\"neg\":-3,\"big\":1e21},\"ok\":true}}",
    "[\"\\u00e9\\n\\\"\",0,-0.5e-3,{\"\":[]},false]",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261201);
  guint accepted = 0, refused = 0;

  for (guint i = 0; i < 30000; i++)
    {
      const char *seed = seeds[i % G_N_ELEMENTS (seeds)];
      static const char structural[] = "{}[]\",:\\0123-+eE.tfn u";
      guint edits = i < G_N_ELEMENTS (seeds) ? 0 : 1 + g_rand_int_range (rand, 0, 3);
      gsize n;
      g_autofree char *copy = cb_test_mutate (rand, seed, edits, structural, structural, &n);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) ours = NULL;
      g_autoptr(JsonNode) theirs = NULL;

      ours = cb_json_read (copy, n, 64, &error);
      g_assert_true ((ours == NULL) != (error == NULL));
      if (ours == NULL)
        {
          refused++;
          continue;
        }
      accepted++;
      theirs = parse_reference (copy, n);
      if (theirs == NULL || !json_node_equal (ours, theirs))
        g_error ("the reader and JsonParser disagree on %.*s", (int) n, copy);
      {
        g_autofree char *a = json_to_string (ours, FALSE);
        g_autofree char *b = json_to_string (theirs, FALSE);

        g_assert_cmpstr (a, ==, b);
      }
    }
  g_test_message ("accepted %u, refused %u", accepted, refused);
  g_assert_cmpuint (accepted, >, 1000);
  g_assert_cmpuint (refused, >, 1000);
}

static CbJsonValue *
read_doc (const char *text)
{
  g_autoptr(GError) error = NULL;
  CbJsonValue *doc = cb_json_read_doc (text, strlen (text), 64, &error);

  g_assert_no_error (error);
  g_assert_nonnull (doc);
  return doc;
}

/* Every kind of value, found by name and by position. */
static void
test_doc_values (void)
{
  g_autofree CbJsonValue *doc = read_doc (" {\"s\":\"caf\\u00e9 \\\"q\\\"\",\"i\":-42,\"d\":1.5,\"t\":true,"
                                          "\"f\":false,\"n\":null,\"a\":[1,[2,{\"x\":[3]}],{},\"four\"],"
                                          "\"o\":{\"deep\":{\"er\":\"yes\"}},\"after\":\"end\","
                                          "\"dup\":1,\"dup\":2,\"du\":3,\"dupe\":4,\"\":\"empty\"} ");
  const CbJsonValue *a, *v;
  CbJsonIter iter;
  const char *name;
  guint n = 0;

  g_assert_cmpint (cb_json_value_get_kind (doc), ==, CB_JSON_OBJECT);
  g_assert_cmpuint (cb_json_value_get_length (doc), ==, 14);
  g_assert_cmpstr (cb_json_value_lookup_string (doc, "s"), ==, "café \"q\"");
  g_assert_cmpint (cb_json_value_lookup_int (doc, "i", 0), ==, -42);
  g_assert_cmpint (cb_json_value_get_kind (cb_json_value_get_member (doc, "i")), ==, CB_JSON_INT);
  g_assert_cmpfloat (cb_json_value_lookup_double (doc, "d", 0), ==, 1.5);
  g_assert_cmpint (cb_json_value_lookup_int (doc, "d", 0), ==, 1);
  g_assert_cmpfloat (cb_json_value_lookup_double (doc, "i", 0), ==, -42.0);
  g_assert_true (cb_json_value_lookup_boolean (doc, "t"));
  g_assert_false (cb_json_value_lookup_boolean (doc, "f"));
  g_assert_nonnull (cb_json_value_get_member (doc, "n"));
  g_assert_cmpint (cb_json_value_get_kind (cb_json_value_get_member (doc, "n")), ==, CB_JSON_NULL);
  g_assert_null (cb_json_value_get_member (doc, "missing"));
  /* Members after arrays and objects: stepping over what they hold. */
  g_assert_cmpstr (cb_json_value_lookup_string (doc, "after"), ==, "end");
  g_assert_cmpstr (cb_json_value_lookup_string (cb_json_value_lookup_object (cb_json_value_lookup_object (doc, "o"),
                                                                              "deep"), "er"), ==, "yes");
  /* Of a repeated member the last counts; names of other lengths are others. */
  g_assert_cmpint (cb_json_value_lookup_int (doc, "dup", 0), ==, 2);
  g_assert_cmpint (cb_json_value_lookup_int (doc, "du", 0), ==, 3);
  g_assert_cmpint (cb_json_value_lookup_int (doc, "dupe", 0), ==, 4);
  g_assert_cmpstr (cb_json_value_lookup_string (doc, ""), ==, "empty");

  /* The wrong kind gives the fallback, never a warning. */
  g_assert_null (cb_json_value_lookup_string (doc, "i"));
  g_assert_cmpint (cb_json_value_lookup_int (doc, "s", 7), ==, 7);
  g_assert_null (cb_json_value_lookup_object (doc, "a"));
  g_assert_null (cb_json_value_lookup_array (doc, "o"));
  g_assert_null (cb_json_value_get_member (cb_json_value_get_member (doc, "s"), "x"));
  g_assert_null (cb_json_value_get_member (NULL, "x"));
  g_assert_cmpuint (cb_json_value_get_length (cb_json_value_get_member (doc, "s")), ==, 0);

  a = cb_json_value_lookup_array (doc, "a");
  g_assert_cmpuint (cb_json_value_get_length (a), ==, 4);
  g_assert_cmpint (cb_json_value_get_int (cb_json_value_get_element (a, 0)), ==, 1);
  v = cb_json_value_get_element (a, 1);
  g_assert_cmpint (cb_json_value_get_int (cb_json_value_get_element (cb_json_value_lookup_array (
                     cb_json_value_get_element (v, 1), "x"), 0)), ==, 3);
  g_assert_cmpuint (cb_json_value_get_length (cb_json_value_get_element (a, 2)), ==, 0);
  g_assert_cmpstr (cb_json_value_get_string (cb_json_value_get_element (a, 3)), ==, "four");
  g_assert_null (cb_json_value_get_element (a, 4));
  g_assert_true (cb_json_value_has_string (a, "four"));
  g_assert_false (cb_json_value_has_string (a, "fou"));

  /* Members in the order of the text, repeats included. */
  cb_json_iter_init (&iter, doc);
  while (cb_json_iter_next (&iter, &name, &v))
    {
      static const char * const names[] = { "s", "i", "d", "t", "f", "n", "a", "o", "after",
                                             "dup", "dup", "du", "dupe", "" };

      if (n < G_N_ELEMENTS (names))
        g_assert_cmpstr (name, ==, names[n]);
      n++;
    }
  g_assert_cmpuint (n, ==, 14);
  cb_json_iter_init (&iter, cb_json_value_get_member (doc, "i"));
  g_assert_false (cb_json_iter_next (&iter, NULL, &v));
}

/* Large documents: the reader's buffers grow many times over, and every
 * value still reads back (an array of 20,000 values of every kind). */
static void
test_doc_large (void)
{
  g_autoptr(GString) text = g_string_new ("{\"items\":[");
  g_autofree CbJsonValue *doc = NULL;
  const CbJsonValue *items, *item;
  CbJsonIter iter;
  guint i = 0;

  for (guint k = 0; k < 4000; k++)
    g_string_append_printf (text, "%s{\"n\":%u,\"s\":\"text %u\",\"b\":%s,\"d\":%u.5,\"z\":null}",
                            k > 0 ? "," : "", k, k, k % 2 ? "true" : "false", k);
  g_string_append (text, "],\"tail\":\"here\"}");
  doc = read_doc (text->str);

  g_assert_cmpstr (cb_json_value_lookup_string (doc, "tail"), ==, "here");
  items = cb_json_value_lookup_array (doc, "items");
  g_assert_cmpuint (cb_json_value_get_length (items), ==, 4000);
  cb_json_iter_init (&iter, items);
  while (cb_json_iter_next (&iter, NULL, &item))
    {
      g_autofree char *want = g_strdup_printf ("text %u", i);

      g_assert_cmpint (cb_json_value_lookup_int (item, "n", -1), ==, i);
      g_assert_cmpstr (cb_json_value_lookup_string (item, "s"), ==, want);
      g_assert_true (cb_json_value_lookup_boolean (item, "b") == (i % 2 == 1));
      g_assert_cmpfloat (cb_json_value_lookup_double (item, "d", 0), ==, i + 0.5);
      i++;
    }
  g_assert_cmpuint (i, ==, 4000);
  g_assert_cmpint (cb_json_value_lookup_int (cb_json_value_get_element (items, 3999), "n", -1), ==, 3999);

  /* A small document after the large one: the buffers were let go or reused. */
  {
    g_autofree CbJsonValue *small = read_doc ("[true]");

    g_assert_true (cb_json_value_get_boolean (cb_json_value_get_element (small, 0)));
  }
}

/* The strict readers: the protocol's rules for required and optional members. */
static void
test_doc_strict (void)
{
  g_autofree CbJsonValue *doc = read_doc ("{\"s\":\"x\",\"i\":5,\"b\":true,\"o\":{},\"a\":[],\"n\":null}");
  g_autoptr(GError) error = NULL;
  const CbJsonValue *v = NULL;
  const char *s = NULL;
  gint64 i = -1;
  gboolean b = FALSE;

  g_assert_true (cb_json_value_read_string (doc, "s", TRUE, &s, &error));
  g_assert_cmpstr (s, ==, "x");
  g_assert_true (cb_json_value_read_int (doc, "i", TRUE, 0, &i, &error));
  g_assert_cmpint (i, ==, 5);
  g_assert_true (cb_json_value_read_bool (doc, "b", TRUE, &b, &error));
  g_assert_true (b);
  g_assert_true (cb_json_value_read_object (doc, "o", TRUE, &v, &error));
  g_assert_nonnull (v);
  g_assert_true (cb_json_value_read_array (doc, "a", TRUE, &v, &error));
  g_assert_nonnull (v);
  g_assert_no_error (error);

  /* Absent or null and optional: the default stays. */
  i = 9;
  g_assert_true (cb_json_value_read_int (doc, "n", FALSE, 0, &i, &error));
  g_assert_true (cb_json_value_read_int (doc, "missing", FALSE, 0, &i, &error));
  g_assert_cmpint (i, ==, 9);
  g_assert_true (cb_json_value_read_string (doc, "missing", FALSE, &s, &error));
  g_assert_null (s);
  g_assert_no_error (error);

  g_assert_false (cb_json_value_read_string (doc, "n", TRUE, &s, &error));
  g_assert_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_MISSING);
  g_clear_error (&error);
  g_assert_false (cb_json_value_read_int (doc, "s", TRUE, 0, &i, &error));
  g_assert_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_WRONG_TYPE);
  g_clear_error (&error);
  g_assert_false (cb_json_value_read_int (doc, "i", TRUE, 6, &i, &error));
  g_assert_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_BAD_VALUE);
  g_clear_error (&error);
  g_assert_false (cb_json_value_read_object (doc, "a", FALSE, &v, &error));
  g_assert_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_WRONG_TYPE);
  g_clear_error (&error);
  g_assert_false (cb_json_value_read_bool (doc, "i", FALSE, &b, &error));
  g_assert_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_WRONG_TYPE);
}

/* A document and a json-glib tree say the same: both ways round. */
static void
test_doc_to_node (void)
{
  const char *text = "{\"a\":[1,2.5,\"x\",null,true,{\"b\":{}}],\"c\":\"\\u00e9\",\"dup\":1,\"dup\":2}";
  g_autofree CbJsonValue *doc = read_doc (text);
  g_autoptr(JsonNode) node = cb_json_value_to_node (doc);
  g_autoptr(JsonNode) reference = parse_reference (text, strlen (text));
  g_autofree CbJsonValue *back = cb_json_doc_new_from_node (node);
  g_autofree char *a = cb_json_value_to_string (doc);
  g_autofree char *b = cb_json_value_to_string (back);

  g_assert_true (json_node_equal (node, reference));
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpint (cb_json_value_lookup_int (back, "dup", 0), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/callboard/json-reader/values", test_values);
  g_test_add_func ("/callboard/json-reader/refused", test_refused);
  g_test_add_func ("/callboard/json-reader/depth", test_depth);
  g_test_add_func ("/callboard/json-reader/same-trees-as-json-parser", test_same_trees_as_json_parser);
  g_test_add_func ("/callboard/json-reader/doc/values", test_doc_values);
  g_test_add_func ("/callboard/json-reader/doc/large", test_doc_large);
  g_test_add_func ("/callboard/json-reader/doc/strict", test_doc_strict);
  g_test_add_func ("/callboard/json-reader/doc/to-node", test_doc_to_node);

  return g_test_run ();
}
