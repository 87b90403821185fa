/* test-message.c — the protocol codec against good and hostile frames
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cb-message.h"
#include "cb-test-view.h"

#define EVENT "{\"type\":\"event\",\"seq\":42,\"ts\":1795420800000,\"topic\":\"agents\"," \
              "\"kind\":\"upsert\",\"entity\":{\"type\":\"agent\",\"id\":\"agent-0007\",\"rev\":3}," \
              "\"data\":{\"id\":\"agent-0007\",\"state\":\"on_call\",\"x-vendor\":[1,2]}}"

static CbMessage *
decode (const char *text,
        GError    **error)
{
  return cb_message_decode (text, strlen (text), 0, error);
}

static void
test_event (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) message = decode (EVENT, &error);

  g_assert_no_error (error);
  g_assert_cmpint (message->type, ==, CB_MESSAGE_EVENT);
  g_assert_cmpint (message->seq, ==, 42);
  g_assert_cmpint (message->ts, ==, G_GINT64_CONSTANT (1795420800000));
  g_assert_cmpstr (message->topic, ==, "agents");
  g_assert_cmpint (message->kind, ==, CB_EVENT_UPSERT);
  g_assert_cmpstr (message->entity_type, ==, "agent");
  g_assert_cmpstr (message->entity_id, ==, "agent-0007");
  g_assert_cmpint (message->rev, ==, 3);
  g_assert_cmpstr (cb_json_value_lookup_string (message->state, "state"), ==, "on_call");
  /* An event is read as a document only. */
  g_assert_null (message->object);
  g_assert_null (message->data);
}

static void
test_delete_without_data (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) message =
    decode ("{\"type\":\"event\",\"seq\":1,\"ts\":0,\"topic\":\"calls\",\"kind\":\"delete\","
            "\"entity\":{\"type\":\"call\",\"id\":\"c1\",\"rev\":9}}", &error);

  g_assert_no_error (error);
  g_assert_cmpint (message->kind, ==, CB_EVENT_DELETE);
  g_assert_null (message->state);
}

static void
test_response (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) ok = decode ("{\"type\":\"res\",\"id\":\"r1\",\"ok\":true,\"data\":{\"n\":1}}", &error);
  g_autoptr(CbMessage) failed = NULL;

  g_assert_no_error (error);
  g_assert_true (ok->ok);
  g_assert_cmpint (json_object_get_int_member (ok->data, "n"), ==, 1);

  failed = decode ("{\"type\":\"res\",\"id\":\"r2\",\"ok\":false,\"error\":{\"code\":\"conflict\","
                   "\"message\":\"changed\",\"retryable\":false,\"current\":{\"rev\":8}}}", &error);
  g_assert_no_error (error);
  g_assert_false (failed->ok);
  g_assert_cmpint (failed->error_code, ==, CB_ERROR_CONFLICT);

  g_clear_pointer (&failed, cb_message_unref);
  failed = decode ("{\"type\":\"res\",\"id\":\"r3\",\"ok\":false,\"error\":{\"code\":\"from_the_future\"}}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (failed->error_code, ==, CB_ERROR_UNKNOWN);
}

static void
test_unknown_type_is_kept (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) message = decode ("{\"type\":\"x-telemetry\",\"whatever\":[{}]}", &error);

  g_assert_no_error (error);
  g_assert_cmpint (message->type, ==, CB_MESSAGE_UNKNOWN);
  g_assert_cmpstr (message->type_name, ==, "x-telemetry");
}

static void
test_error_codes_round_trip (void)
{
  for (CbErrorCode code = CB_ERROR_BAD_REQUEST; code < CB_ERROR_UNKNOWN; code++)
    g_assert_cmpint (cb_error_code_from_string (cb_error_code_to_string (code)), ==, code);
  g_assert_cmpint (cb_error_code_from_string (NULL), ==, CB_ERROR_UNKNOWN);
}

static const struct {
  const char *text;
  int         code;
} bad_frames[] = {
  { "", CB_MESSAGE_ERROR_MALFORMED },
  { "{", CB_MESSAGE_ERROR_MALFORMED },
  { "{\"type\":\"event\",\"seq\":4", CB_MESSAGE_ERROR_MALFORMED },
  { "nul\x01l", CB_MESSAGE_ERROR_MALFORMED },
  { "[1,2,3]", CB_MESSAGE_ERROR_NOT_OBJECT },
  { "\"event\"", CB_MESSAGE_ERROR_NOT_OBJECT },
  { "42", CB_MESSAGE_ERROR_NOT_OBJECT },
  { "null", CB_MESSAGE_ERROR_NOT_OBJECT },
  { "{}", CB_MESSAGE_ERROR_MISSING },
  { "{\"type\":7}", CB_MESSAGE_ERROR_WRONG_TYPE },
  { "{\"type\":null}", CB_MESSAGE_ERROR_MISSING },
  /* events: every required member, wrong types, bad values */
  { "{\"type\":\"event\",\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1},\"data\":{}}", CB_MESSAGE_ERROR_MISSING },
  { "{\"type\":\"event\",\"seq\":\"1\",\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1},\"data\":{}}", CB_MESSAGE_ERROR_WRONG_TYPE },
  { "{\"type\":\"event\",\"seq\":1.5,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1},\"data\":{}}", CB_MESSAGE_ERROR_WRONG_TYPE },
  { "{\"type\":\"event\",\"seq\":1e400,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1},\"data\":{}}", CB_MESSAGE_ERROR_MALFORMED },
  /* A number no double holds, anywhere in the frame: refused, never made infinite. */
  { "{\"type\":\"event\",\"seq\":1,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1},\"data\":{\"x\":-1e999}}", CB_MESSAGE_ERROR_MALFORMED },
  { "{\"type\":\"event\",\"seq\":1} trailing", CB_MESSAGE_ERROR_MALFORMED },
  { "{\"type\":\"event\",\"seq\":0,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1},\"data\":{}}", CB_MESSAGE_ERROR_BAD_VALUE },
  { "{\"type\":\"event\",\"seq\":-3,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1},\"data\":{}}", CB_MESSAGE_ERROR_BAD_VALUE },
  { "{\"type\":\"event\",\"seq\":1,\"ts\":0,\"topic\":\"a\",\"kind\":\"merge\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1},\"data\":{}}", CB_MESSAGE_ERROR_BAD_VALUE },
  { "{\"type\":\"event\",\"seq\":1,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":[\"a\",\"1\"],\"data\":{}}", CB_MESSAGE_ERROR_WRONG_TYPE },
  { "{\"type\":\"event\",\"seq\":1,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"\",\"rev\":1},\"data\":{}}", CB_MESSAGE_ERROR_BAD_VALUE },
  { "{\"type\":\"event\",\"seq\":1,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":7,\"rev\":1},\"data\":{}}", CB_MESSAGE_ERROR_WRONG_TYPE },
  { "{\"type\":\"event\",\"seq\":1,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\"},\"data\":{}}", CB_MESSAGE_ERROR_MISSING },
  { "{\"type\":\"event\",\"seq\":1,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1}}", CB_MESSAGE_ERROR_MISSING },
  { "{\"type\":\"event\",\"seq\":1,\"ts\":0,\"topic\":\"a\",\"kind\":\"upsert\",\"entity\":{\"type\":\"a\",\"id\":\"1\",\"rev\":1},\"data\":\"x\"}", CB_MESSAGE_ERROR_WRONG_TYPE },
  { "{\"type\":\"heartbeat\"}", CB_MESSAGE_ERROR_MISSING },
  { "{\"type\":\"heartbeat\",\"seq\":true}", CB_MESSAGE_ERROR_WRONG_TYPE },
  { "{\"type\":\"res\",\"id\":\"1\"}", CB_MESSAGE_ERROR_MISSING },
  { "{\"type\":\"res\",\"id\":\"1\",\"ok\":\"yes\"}", CB_MESSAGE_ERROR_WRONG_TYPE },
  { "{\"type\":\"res\",\"id\":\"1\",\"ok\":false}", CB_MESSAGE_ERROR_MISSING },
  { "{\"type\":\"res\",\"id\":\"1\",\"ok\":false,\"error\":{\"message\":\"no code\"}}", CB_MESSAGE_ERROR_MISSING },
  { "{\"type\":\"req\",\"op\":\"ping\"}", CB_MESSAGE_ERROR_MISSING },
  { "{\"type\":\"req\",\"id\":\"\",\"op\":\"ping\"}", CB_MESSAGE_ERROR_BAD_VALUE },
  { "{\"type\":\"req\",\"id\":\"1\",\"op\":\"ping\",\"data\":[]}", CB_MESSAGE_ERROR_WRONG_TYPE },
  { "{\"type\":\"snapshot\",\"as_of\":-1}", CB_MESSAGE_ERROR_BAD_VALUE },
  { "{\"type\":\"welcome\"}", CB_MESSAGE_ERROR_MISSING },
};

static void
test_bad_frames (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_frames); i++)
    {
      g_autoptr(GError) error = NULL;
      CbMessage *message = cb_message_decode (bad_frames[i].text, strlen (bad_frames[i].text), 0, &error);

      if (message != NULL || !g_error_matches (error, CB_MESSAGE_ERROR, bad_frames[i].code))
        g_error ("frame %u (%s): expected error %d, got %s", i, bad_frames[i].text,
                 bad_frames[i].code, error ? error->message : "a message");
    }
}

static void
test_invalid_utf8 (void)
{
  static const char text[] = "{\"type\":\"event\",\"topic\":\"\xff\xfe\"}";
  g_autoptr(GError) error = NULL;

  g_assert_null (cb_message_decode (text, sizeof text - 1, 0, &error));
  g_assert_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_MALFORMED);
}

static void
test_truncated_everywhere (void)
{
  gsize length = strlen (EVENT);

  /* Every proper prefix of a valid frame is refused, none crashes. */
  for (gsize i = 0; i < length; i++)
    {
      g_autoptr(GError) error = NULL;
      CbMessage *message = cb_message_decode (EVENT, i, 0, &error);

      g_assert_null (message);
      g_assert_nonnull (error);
    }
}

static void
test_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new ("{\"type\":\"event\",\"pad\":\"");

  for (guint i = 0; i < 2000; i++)
    g_string_append (big, "0123456789");
  g_string_append (big, "\"}");

  g_assert_null (cb_message_decode (big->str, big->len, 1024, &error));
  g_assert_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_TOO_LARGE);
}

static void
test_too_deep (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) deep = g_string_new ("{\"type\":\"x\",\"a\":");
  g_autoptr(GString) strings = g_string_new ("{\"type\":\"x\",\"a\":\"");
  g_autoptr(CbMessage) ok = NULL;

  /* 100,000 nested arrays would overflow json-glib's recursion. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');

  g_assert_null (cb_message_decode (deep->str, deep->len, deep->len, &error));
  g_assert_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_TOO_DEEP);

  /* Brackets inside strings, with escaped quotes, do not count. */
  for (guint i = 0; i < 100; i++)
    g_string_append (strings, "[{\\\"");
  g_string_append (strings, "\"}");
  ok = cb_message_decode (strings->str, strings->len, 0, &error);
  g_clear_error (&error);
  g_assert_nonnull (ok);

  g_assert_true (cb_json_depth_ok ("[[[]]]", 6, 3));
  g_assert_false (cb_json_depth_ok ("[[[[]]]]", 8, 3));
}

static void
test_mutations_never_crash (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261123);
  guint decoded = 0, refused = 0;

  /* Seeded random corruption of a valid frame: flips, insertions of
   * structural characters, deletions. Each result is decoded or refused
   * with an error; under ASan any overread shows up here. */
  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CbMessage) message = NULL;
      gsize n;
      g_autofree char *copy = cb_test_mutate (rand, EVENT, 1 + g_rand_int_range (rand, 0, 4), NULL,
                                              "{}[]\",:\\0-e.tn", &n);

      message = cb_message_decode (copy, n, 0, &error);
      g_assert_true ((message == NULL) != (error == NULL));
      if (message != NULL)
        decoded++;
      else
        refused++;
    }

  g_test_message ("decoded %u, refused %u mutated frames", decoded, refused);
  g_assert_cmpuint (refused, >, 1000);
}

static void
test_encode_round_trip (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) message = NULL;
  g_autofree char *text = NULL;
  gsize length;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "req");
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, "r-1");
  json_builder_set_member_name (builder, "op");
  json_builder_add_string_value (builder, "agent.set_state");
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "reason");
  json_builder_add_string_value (builder, "přestávka \"oběd\"");
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  text = cb_message_encode (root, &length);
  g_assert_cmpuint (length, ==, strlen (text));
  message = cb_message_decode (text, length, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->type, ==, CB_MESSAGE_REQUEST);
  g_assert_cmpstr (message->op, ==, "agent.set_state");
  g_assert_cmpstr (json_object_get_string_member (message->data, "reason"), ==, "přestávka \"oběd\"");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/callboard/message/event", test_event);
  g_test_add_func ("/callboard/message/delete-without-data", test_delete_without_data);
  g_test_add_func ("/callboard/message/response", test_response);
  g_test_add_func ("/callboard/message/unknown-type-is-kept", test_unknown_type_is_kept);
  g_test_add_func ("/callboard/message/error-codes-round-trip", test_error_codes_round_trip);
  g_test_add_func ("/callboard/message/bad-frames", test_bad_frames);
  g_test_add_func ("/callboard/message/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/callboard/message/truncated-everywhere", test_truncated_everywhere);
  g_test_add_func ("/callboard/message/too-large", test_too_large);
  g_test_add_func ("/callboard/message/too-deep", test_too_deep);
  g_test_add_func ("/callboard/message/mutations-never-crash", test_mutations_never_crash);
  g_test_add_func ("/callboard/message/encode-round-trip", test_encode_round_trip);

  return g_test_run ();
}
