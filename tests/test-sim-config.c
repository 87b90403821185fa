/* test-sim-config.c — the reference backend's configuration state and its ops
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A CbSimServer on loopback with a CbSimConfigStore over a SQLite file in a
 * temporary directory (and, for the dialer tests, a simulation engine);
 * real clients (CbConnection), one per role, send the ops of
 * docs/protocol.md §9.4–§9.12 and check results, errors, permissions,
 * conflicts, idempotency, paging, uploads, persistence across a restart,
 * and that hostile input changes nothing.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>

#include "cb-connection.h"
#include "cb-sim-config.h"
#include "cb-sim-server.h"
#include "cb-test-view.h"

#define SUPERVISOR_TOKEN "supervisor-token-0123456789"
#define MANAGER_TOKEN    "manager-token-0123456789ab"
#define QA_TOKEN         "qa-token-0123456789abcdef"
#define QA2_TOKEN        "qa2-token-0123456789abcdef"
#define ADMIN_TOKEN      "admin-token-0123456789abcd"

#define HOUR_MS (G_GINT64_CONSTANT (3600) * 1000)

typedef struct
{
  char             *dir;
  char             *db_path;
  CbSimState       *state;
  CbSimUsers       *users;
  CbSimServer      *server;
  CbSimDb          *db;
  CbSimEngine      *engine;
  CbSimConfigStore *store;
  char             *url;
  GPtrArray        *clients;    /* CbConnection */
  CbTestView       *view;       /* what the first client holds */
  CbConnection     *viewer;
} Fixture;

static void
on_message (CbConnection *client,
            CbMessage    *m,
            Fixture      *f)
{
  if (client == f->viewer)
    cb_test_view_handle (f->view, m);
}

static void
start_backend (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->state = cb_sim_state_new ();
  f->server = cb_sim_server_new (f->state, f->users, "callboard-sim", "Europe/Tallinn");
  cb_sim_server_set_heartbeat (f->server, 5000);
  f->db = cb_sim_db_open (f->db_path, &error);
  g_assert_no_error (error);
  f->store = cb_sim_config_store_new (f->state, f->server, f->db, f->engine, 1);
  g_assert_true (cb_sim_server_listen (f->server, "127.0.0.1", 0, NULL, &error));
  g_assert_no_error (error);
  g_free (f->url);
  f->url = cb_sim_server_get_url (f->server);
}

static void
stop_backend (Fixture *f)
{
  while (f->clients->len > 0)
    cb_test_release_connection (g_ptr_array_steal_index (f->clients, f->clients->len - 1));
  f->viewer = NULL;
  cb_sim_config_store_free (f->store);
  f->store = NULL;
  g_assert_finalize_object (f->server);
  f->server = NULL;
  cb_sim_db_free (f->db);
  f->db = NULL;
  cb_sim_state_free (f->state);
  f->state = NULL;
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cb-sim-config-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "sim.db", NULL);
  f->users = cb_sim_users_new ();
  cb_sim_users_add (f->users, "maris", "Maris Tamm", "supervisor", SUPERVISOR_TOKEN);
  cb_sim_users_add (f->users, "katarzyna", "Katarzyna Nowak", "campaign_manager", MANAGER_TOKEN);
  cb_sim_users_add (f->users, "olena", "Olena Koval", "qa", QA_TOKEN);
  cb_sim_users_add (f->users, "ivan", "Ivan Horvat", "qa", QA2_TOKEN);
  cb_sim_users_add (f->users, "root", "Admin", "admin", ADMIN_TOKEN);
  f->clients = g_ptr_array_new ();
  f->view = cb_test_view_new ();
  if (data == NULL)
    start_backend (f);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->server != NULL)
    stop_backend (f);
  g_clear_object (&f->engine);
  g_ptr_array_unref (f->clients);
  cb_sim_users_free (f->users);
  cb_test_view_free (f->view);
  remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->db_path);
  g_free (f->url);
}

static gboolean
is_ready (gpointer client)
{
  return cb_connection_get_phase (client) == CB_PHASE_READY;
}

static CbConnection *
connect_as (Fixture    *f,
            const char *token)
{
  CbConnection *client = cb_connection_new (f->url, token);

  cb_connection_set_backoff (client, 20, 200);
  g_signal_connect (client, "message", G_CALLBACK (on_message), f);
  cb_connection_start (client);
  cb_test_wait (is_ready, client, 5000);
  g_ptr_array_add (f->clients, client);
  if (f->viewer == NULL)
    f->viewer = client;
  return client;
}

static CbMessage *
request (CbConnection *client,
         const char   *op,
         const char   *data_json,
         gint64        if_rev,
         const char   *idem)
{
  g_autoptr(JsonNode) data = data_json ? json_from_string (data_json, NULL) : NULL;

  g_assert_true (data_json == NULL || data != NULL);
  for (;;)
    {
      CbTestReply r = { 0 };

      cb_connection_request_async (client, op, data, if_rev, idem, 10000, NULL, cb_test_reply_done, &r);
      cb_test_reply_wait (&r);
      g_assert_no_error (r.error);
      /* The tests page fast: wait as the server says (§14.5). */
      if (r.response->ok || g_strcmp0 (json_object_get_string_member (r.response->error, "code"), "rate_limited") != 0)
        return r.response;
      cb_test_spin (json_object_get_int_member (r.response->error, "retry_after_ms") + 50);
      cb_message_unref (r.response);
    }
}

static char *
new_idem (void)
{
  return g_uuid_string_random ();
}

/* A live command: with a fresh idempotency key. */
static CbMessage *
command (CbConnection *client,
         const char   *op,
         const char   *data_json)
{
  g_autofree char *idem = new_idem ();

  return request (client, op, data_json, -1, idem);
}

static CbMessage *
subscribe (Fixture      *f,
           CbConnection *client,
           const char   *topic)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"subscribe\",\"topic\":\"%s\",\"filter\":{}}", topic);
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  CbTestReply r = { 0 };

  if (client == f->viewer)
    cb_test_view_expect_snapshot (f->view, topic);
  cb_connection_call_async (client, json_node_get_object (node), 5000, NULL, cb_test_reply_done, &r);
  cb_test_reply_wait (&r);
  g_assert_no_error (r.error);
  return r.response;
}

static gboolean
view_synced (gpointer data)
{
  return cb_test_view_is_synced (((Fixture *) data)->view);
}

static void
assert_ok (CbMessage *res)
{
  if (!res->ok)
    {
      g_autoptr(JsonNode) node = json_node_alloc ();
      g_autofree char *text = NULL;

      json_node_init_object (node, res->object);
      text = json_to_string (node, FALSE);
      g_error ("expected ok, got %s", text);
    }
}

static void
assert_error (CbMessage  *res,
              const char *code)
{
  g_assert_false (res->ok);
  g_assert_cmpstr (json_object_get_string_member (res->error, "code"), ==, code);
  g_assert_true (json_object_has_member (res->error, "retryable"));
  g_assert_true (json_object_has_member (res->error, "retry_after_ms"));
}

static const char *
error_detail (CbMessage  *res,
              const char *key)
{
  JsonNode *details = json_object_get_member (res->error, "details");

  if (details == NULL || !JSON_NODE_HOLDS_OBJECT (details))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (details), key, NULL);
}

static JsonObject *
result_object (CbMessage  *res,
               const char *member)
{
  assert_ok (res);
  return json_object_get_object_member (res->data, member);
}

static const char *
welcome_features_has (CbConnection *client,
                      const char   *feature)
{
  JsonArray *features = json_object_get_array_member (cb_connection_get_welcome (client)->object, "features");

  for (guint i = 0; i < json_array_get_length (features); i++)
    if (g_str_equal (json_array_get_string_element (features, i), feature))
      return feature;
  return NULL;
}

#define CAMPAIGN_JSON(name) \
  "{\"name\":\"" name "\",\"caller_id\":\"+15125550100\",\"dial_mode\":\"progressive\"}"

static char *
create_campaign (CbConnection *client,
                 const char   *name,
                 gint64       *rev)
{
  g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\",\"caller_id\":\"+15125550100\"}", name);
  g_autoptr(CbMessage) res = request (client, "campaign.create", json, -1, NULL);
  JsonObject *c = result_object (res, "campaign");

  if (rev)
    *rev = json_object_get_int_member (c, "rev");
  return g_strdup (json_object_get_string_member (c, "id"));
}

/* The entity has exactly the fields of its table in §10. */
static void
assert_fields (JsonObject         *o,
               const char * const *fields)
{
  for (guint i = 0; fields[i]; i++)
    if (!json_object_has_member (o, fields[i]))
      g_error ("no member %s", fields[i]);
  g_assert_cmpuint (json_object_get_size (o), ==, g_strv_length ((char **) fields));
}

/* ---- tests ----------------------------------------------------------------- */

/* The demo is seeded and published: every topic of the features has entities. */
static void
test_seed (Fixture       *f,
           gconstpointer  data)
{
  CbConnection *admin = connect_as (f, ADMIN_TOKEN);
  static const char * const features[] = { "campaigns", "dnc", "imports", "qa", "history" };
  static const struct { const char *topic; guint min; } topics[] = {
    { "campaigns", 2 }, { "lead_lists", 3 }, { "rule_sets", 2 }, { "dnc_lists", 2 }, { "qa_forms", 1 },
    { "catalogs", 8 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (features); i++)
    g_assert_nonnull (welcome_features_has (admin, features[i]));
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autoptr(CbMessage) res = subscribe (f, admin, topics[i].topic);

      assert_ok (res);
      g_assert_cmpint (json_object_get_int_member (res->data, "count"), >=, topics[i].min);
    }
  cb_test_wait (view_synced, f, 5000);
  g_assert_cmpuint (cb_test_view_count (f->view, "campaign"), ==, 2);
  g_assert_cmpuint (cb_test_view_count (f->view, "disposition"), ==, 8);
  g_assert_true (cb_test_view_holds (f->view, "rule_set", "rs-us-tsr"));
  g_assert_true (cb_test_view_holds (f->view, "rule_set", "rs-eu"));
  g_assert_true (cb_test_view_holds (f->view, "dnc_list", "dnc-national-us"));
  g_assert_true (cb_test_view_holds (f->view, "qa_form", "qaf-call-quality"));

  {
    const CbSimEntity *list = cb_sim_state_lookup (f->state, "lead_list", "ll-cmp-01");
    const CbSimEntity *dnc = cb_sim_state_lookup (f->state, "dnc_list", "dnc-national-us");
    const CbSimEntity *campaign = cb_sim_state_lookup (f->state, "campaign", "cmp-01");
    static const char * const campaign_fields[] = {
      "id", "rev", "name", "description", "status", "dial_mode", "dial_level", "max_abandon_pct",
      "ring_timeout_s", "amd", "lead_lists", "team_ids", "queue_id", "schedule", "retry_rules",
      "default_retry", "caller_id", "caller_id_name", "rule_set_id", "disposition_ids", "stats",
      "created_at", "updated_at", "started_at", NULL };

    g_assert_cmpint (json_object_get_int_member (list->data, "lead_count"), ==, 2000);
    g_assert_cmpint (json_object_get_int_member (list->data, "dialable_count"), ==, 2000);
    g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (list->data, "campaign_ids"), 0), ==,
                     "cmp-01");
    g_assert_true (json_object_get_boolean_member (dnc->data, "read_only"));
    g_assert_cmpint (json_object_get_int_member (dnc->data, "entry_count"), ==, 400);
    for (guint i = 0; campaign_fields[i]; i++)
      g_assert_true (json_object_has_member (campaign->data, campaign_fields[i]));
    g_assert_cmpuint (json_object_get_size (campaign->data), ==, g_strv_length ((char **) campaign_fields));
    g_assert_cmpstr (json_object_get_string_member (campaign->data, "status"), ==, "running");

    assert_fields (list->data, (const char * const []) {
      "id", "rev", "name", "description", "default_time_zone", "country", "custom_fields", "active", "lead_count",
      "dialable_count", "campaign_ids", "created_at", "updated_at", NULL });
    assert_fields (dnc->data, (const char * const []) {
      "id", "rev", "name", "description", "kind", "read_only", "entry_count", "updated_at", NULL });
    assert_fields (cb_sim_state_lookup (f->state, "rule_set", "rs-eu")->data, (const char * const []) {
      "id", "rev", "name", "description", "calling_windows", "exclude_dates", "unknown_time_zone", "max_attempts",
      "dnc_list_ids", "drop_rate", "max_connect_delay_s", "abandon_message", "min_ring_s", "recording_consent",
      "created_at", "updated_at", NULL });
    assert_fields (cb_sim_state_lookup (f->state, "disposition", "SALE")->data, (const char * const []) {
      "id", "rev", "label", "category", "final", "campaign_ids", "active", "sort_order", NULL });
    assert_fields (cb_sim_state_lookup (f->state, "pause_reason", "LUNCH")->data, (const char * const []) {
      "id", "rev", "label", "paid", "max_duration_s", "active", "sort_order", NULL });
    assert_fields (cb_sim_state_lookup (f->state, "qa_form", "qaf-call-quality")->data, (const char * const []) {
      "id", "rev", "name", "description", "active", "passing_score_pct", "sections", "created_at", "updated_at", NULL });
  }
  {
    g_autoptr(CbMessage) leads = request (admin, "lead.query", "{\"filter\":{\"list_id\":\"ll-cmp-02\"},\"limit\":1}", -1, NULL);
    g_autoptr(CbMessage) dnc = request (admin, "dnc.query", "{\"filter\":{\"list_id\":\"dnc-internal\"},\"limit\":1}", -1, NULL);

    assert_fields (json_array_get_object_element (json_object_get_array_member (leads->data, "items"), 0),
                   (const char * const []) {
      "id", "rev", "list_id", "phone_numbers", "first_name", "last_name", "time_zone", "country", "custom", "status",
      "attempts", "last_attempt_at", "last_disposition", "next_attempt_at", "callback", "created_at", "updated_at", NULL });
    assert_fields (json_array_get_object_element (json_object_get_array_member (dnc->data, "items"), 0),
                   (const char * const []) {
      "id", "rev", "list_id", "number", "added_at", "added_by", "source", "expires_at", "note", NULL });
  }
}

/* create, update with if_rev, conflict with current, bad values, delete (§8.4). */
static void
test_campaign_edit (Fixture       *f,
                    gconstpointer  data)
{
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  gint64 rev, rev2;
  g_autofree char *id = create_campaign (m, "Spring", &rev);
  g_autofree char *update = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"description\":\"new\",\"dial_level\":2.5}}", id);
  g_autofree char *bad_window = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"schedule\":{\"time_zone\":\"UTC\","
                                                 "\"windows\":[{\"days\":[\"mon\"],\"start\":\"10:00\",\"end\":\"09:00\"}],"
                                                 "\"start_date\":null,\"end_date\":null,\"exclude_dates\":[]}}}", id);
  g_autofree char *ro = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"status\":\"running\"}}", id);
  g_autofree char *dup = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"name\":\"Winter\"}}", id);
  g_autofree char *del = g_strdup_printf ("{\"id\":\"%s\"}", id);
  g_autoptr(CbMessage) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL, r7 = NULL;
  g_autoptr(CbMessage) r8 = NULL, r9 = NULL, r10 = NULL, r11 = NULL, r12 = NULL;
  JsonObject *c;

  g_assert_cmpint (rev, >=, 1);
  c = json_object_get_object_member (cb_sim_state_lookup (f->state, "campaign", id)->data, "schedule");
  g_assert_cmpstr (json_object_get_string_member (c, "time_zone"), ==, "UTC");

  r1 = request (m, "campaign.update", update, rev, NULL);
  c = result_object (r1, "campaign");
  rev2 = json_object_get_int_member (c, "rev");
  g_assert_cmpint (rev2, >, rev);
  g_assert_cmpstr (json_object_get_string_member (c, "description"), ==, "new");
  g_assert_cmpfloat (json_object_get_double_member (c, "dial_level"), ==, 2.5);
  g_assert_cmpstr (json_object_get_string_member (c, "status"), ==, "draft");

  /* The same edit based on the old rev: conflict, with the current entity. */
  r2 = request (m, "campaign.update", update, rev, NULL);
  assert_error (r2, "conflict");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (r2->error, "current"), "rev"), ==, rev2);
  r3 = request (m, "campaign.update", update, -1, NULL);
  assert_error (r3, "bad_request");
  g_assert_cmpstr (error_detail (r3, "field"), ==, "if_rev");
  r4 = request (m, "campaign.update", bad_window, rev2, NULL);
  assert_error (r4, "bad_request");
  g_assert_cmpstr (error_detail (r4, "field"), ==, "set.schedule.windows[0].end");
  r5 = request (m, "campaign.update", ro, rev2, NULL);
  assert_error (r5, "bad_request");
  g_assert_cmpstr (error_detail (r5, "field"), ==, "set.status");
  g_free (create_campaign (m, "Winter", NULL));
  r6 = request (m, "campaign.update", dup, rev2, NULL);
  assert_error (r6, "conflict");
  g_assert_cmpstr (error_detail (r6, "field"), ==, "name");
  r7 = request (m, "campaign.create", "{\"name\":\"Spring\",\"caller_id\":\"+15125550100\"}", -1, NULL);
  assert_error (r7, "conflict");
  r8 = request (m, "campaign.create", "{\"name\":\"X\",\"caller_id\":\"555\"}", -1, NULL);
  assert_error (r8, "bad_request");
  g_assert_cmpstr (error_detail (r8, "field"), ==, "caller_id");
  r9 = request (m, "campaign.create", "{\"name\":\"Y\",\"caller_id\":\"+15125550100\",\"dial_level\":11}", -1, NULL);
  assert_error (r9, "bad_request");
  g_assert_cmpstr (error_detail (r9, "field"), ==, "dial_level");
  r10 = request (m, "campaign.update", "{\"id\":\"cmp-nothing\",\"set\":{}}", 1, NULL);
  assert_error (r10, "not_found");
  /* The rule set's cap: a target above it is refused. */
  r11 = request (m, "campaign.create", "{\"name\":\"Z\",\"caller_id\":\"+15125550100\",\"rule_set_id\":\"rs-us-tsr\","
                 "\"max_abandon_pct\":5}", -1, NULL);
  assert_error (r11, "compliance_blocked");
  g_assert_cmpstr (error_detail (r11, "rule"), ==, "drop_rate");

  r12 = request (m, "campaign.delete", del, rev2, NULL);
  assert_ok (r12);
  g_assert_true (json_object_get_boolean_member (r12->data, "deleted"));
  g_assert_null (cb_sim_state_lookup (f->state, "campaign", id));
}

static void
test_campaign_control (Fixture       *f,
                       gconstpointer  data)
{
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  gint64 rev;
  g_autofree char *id = create_campaign (m, "Autumn", &rev);
  g_autofree char *by_id = g_strdup_printf ("{\"id\":\"%s\"}", id);
  g_autofree char *lists = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"lead_lists\":[{\"list_id\":\"ll-web-leads\",\"priority\":5}]}}", id);
  g_autofree char *rule = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"rule_set_id\":\"rs-eu\"}}", id);
  g_autoptr(CbMessage) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL, r7 = NULL, r8 = NULL;
  g_autoptr(CbMessage) r9 = NULL, r10 = NULL, r11 = NULL, r12 = NULL;
  const CbSimEntity *list;

  r1 = command (m, "campaign.start", by_id);
  assert_error (r1, "invalid_state");
  g_assert_cmpstr (error_detail (r1, "reason"), ==, "no_lead_lists");
  r2 = request (m, "campaign.update", lists, rev, NULL);
  rev = json_object_get_int_member (result_object (r2, "campaign"), "rev");
  list = cb_sim_state_lookup (f->state, "lead_list", "ll-web-leads");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (list->data, "campaign_ids"), 0), ==, id);
  r3 = command (m, "campaign.start", by_id);
  assert_error (r3, "compliance_blocked");
  g_assert_cmpstr (error_detail (r3, "rule"), ==, "rule_set_required");
  r4 = request (m, "campaign.update", rule, rev, NULL);
  assert_ok (r4);
  /* Live commands need an idempotency key. */
  r5 = request (m, "campaign.start", by_id, -1, NULL);
  assert_error (r5, "bad_request");
  r6 = command (m, "campaign.start", by_id);
  g_assert_cmpstr (json_object_get_string_member (result_object (r6, "campaign"), "status"), ==, "running");
  g_assert_true (json_object_get_int_member (result_object (r6, "campaign"), "started_at") > 0);
  r7 = request (m, "campaign.delete", by_id, json_object_get_int_member (result_object (r6, "campaign"), "rev"), NULL);
  assert_error (r7, "invalid_state");
  r8 = command (m, "campaign.pause", by_id);
  g_assert_cmpstr (json_object_get_string_member (result_object (r8, "campaign"), "status"), ==, "paused");
  r9 = command (m, "campaign.stop", by_id);
  g_assert_cmpstr (json_object_get_string_member (result_object (r9, "campaign"), "status"), ==, "stopped");
  r10 = command (m, "campaign.pause", by_id);
  assert_error (r10, "invalid_state");
  r11 = command (m, "campaign.stop", "{\"id\":\"cbconf-missing\"}");
  assert_error (r11, "not_found");
  /* A list of a running campaign cannot be deleted. */
  r12 = request (m, "lead_list.delete", "{\"id\":\"ll-cmp-01\"}", cb_sim_state_lookup (f->state, "lead_list", "ll-cmp-01")->rev, NULL);
  assert_error (r12, "invalid_state");
}

/* §10.1 per role; forbidden comes before bad_request (§8.3). */
static void
test_permissions (Fixture       *f,
                  gconstpointer  data)
{
  static const struct { const char *token; const char *op; const char *data; gboolean allowed; } cases[] = {
    { SUPERVISOR_TOKEN, "campaign.create", "{}", FALSE },
    { SUPERVISOR_TOKEN, "campaign.pause", "{\"id\":\"cmp-missing\"}", TRUE },
    { SUPERVISOR_TOKEN, "dnc.add", "{}", TRUE },
    { SUPERVISOR_TOKEN, "dnc_list.create", "{}", FALSE },
    { SUPERVISOR_TOKEN, "qa_form.create", "{}", FALSE },
    { SUPERVISOR_TOKEN, "lead.query", "{}", TRUE },
    { SUPERVISOR_TOKEN, "lead.upload", "{}", FALSE },
    { MANAGER_TOKEN, "campaign.create", "{}", TRUE },
    { MANAGER_TOKEN, "rule_set.create", "{}", TRUE },
    { MANAGER_TOKEN, "disposition.create", "{}", TRUE },
    { MANAGER_TOKEN, "qa_form.get", "{}", FALSE },
    { MANAGER_TOKEN, "evaluation.create", "{}", FALSE },
    { QA_TOKEN, "campaign.pause", "{}", FALSE },
    { QA_TOKEN, "lead.query", "{}", FALSE },
    { QA_TOKEN, "dnc.check", "{}", TRUE },
    { QA_TOKEN, "dnc.add", "{}", FALSE },
    { QA_TOKEN, "qa_form.create", "{}", TRUE },
    { QA_TOKEN, "evaluation.create", "{}", TRUE },
    { QA_TOKEN, "pause_reason.create", "{}", FALSE },
    { QA_TOKEN, "history.query", "{}", TRUE },
    { ADMIN_TOKEN, "qa_form.create", "{}", TRUE },
    { ADMIN_TOKEN, "campaign.create", "{}", TRUE },
  };
  g_autoptr(GHashTable) clients = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CbConnection *c = g_hash_table_lookup (clients, cases[i].token);
      g_autofree char *idem = new_idem ();
      g_autoptr(CbMessage) res = NULL;

      if (c == NULL)
        g_hash_table_insert (clients, (gpointer) cases[i].token, c = connect_as (f, cases[i].token));
      res = request (c, cases[i].op, cases[i].data, -1, idem);
      g_assert_false (res->ok);
      if (cases[i].allowed)
        g_assert_cmpstr (json_object_get_string_member (res->error, "code"), !=, "forbidden");
      else
        {
          assert_error (res, "forbidden");
          g_assert_nonnull (error_detail (res, "permission"));
        }
    }

  {
    CbConnection *qa = g_hash_table_lookup (clients, QA_TOKEN);
    g_autoptr(CbMessage) sub = subscribe (f, qa, "campaigns");
    g_autoptr(CbMessage) sub2 = subscribe (f, qa, "qa_forms");

    assert_error (sub, "forbidden");
    assert_ok (sub2);
  }
}

/* §8.5: a retried create creates one campaign; other data under the key is refused. */
static void
test_idempotency (Fixture       *f,
                  gconstpointer  data)
{
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  g_autoptr(CbMessage) r1 = request (m, "campaign.create", CAMPAIGN_JSON ("Idem"), -1, "idem-key-0001");
  g_autoptr(CbMessage) r2 = request (m, "campaign.create", CAMPAIGN_JSON ("Idem"), -1, "idem-key-0001");
  g_autoptr(CbMessage) r3 = request (m, "campaign.create", CAMPAIGN_JSON ("Other"), -1, "idem-key-0001");
  g_autoptr(GPtrArray) all = cb_sim_state_list (f->state, "campaigns");
  guint named = 0;

  assert_ok (r1);
  assert_ok (r2);
  g_assert_true (json_object_get_boolean_member_with_default (r2->object, "idem_replayed", FALSE));
  g_assert_cmpstr (json_object_get_string_member (result_object (r1, "campaign"), "id"), ==,
                   json_object_get_string_member (result_object (r2, "campaign"), "id"));
  assert_error (r3, "bad_request");
  g_assert_cmpstr (error_detail (r3, "reason"), ==, "idem_reused");
  for (guint i = 0; i < all->len; i++)
    named += g_strcmp0 (json_object_get_string_member (((CbSimEntity *) g_ptr_array_index (all, i))->data, "name"),
                        "Idem") == 0;
  g_assert_cmpuint (named, ==, 1);
}

/* §8.6: the upsert arrives before the response. */
static void
test_read_your_writes (Fixture       *f,
                       gconstpointer  data)
{
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  g_autoptr(CbMessage) sub = subscribe (f, m, "campaigns");
  g_autoptr(CbMessage) sub2 = subscribe (f, m, "lead_lists");
  const CbSimEntity *c;
  gint64 rev;

  assert_ok (sub);
  assert_ok (sub2);
  cb_test_wait (view_synced, f, 5000);
  c = cb_sim_state_lookup (f->state, "campaign", "cmp-02");
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\":\"cmp-02\",\"set\":{\"description\":\"edit %u\"}}", i);
      g_autoptr(CbMessage) res = request (m, "campaign.update", json, c->rev, NULL);
      g_autofree char *digest = NULL;
      g_autofree char *server_digest = NULL;

      rev = json_object_get_int_member (result_object (res, "campaign"), "rev");
      /* By the time the response is here, the view holds the new rev. */
      g_assert_true (cb_test_view_holds (f->view, "campaign", "cmp-02"));
      digest = cb_test_view_digest (f->view, "campaign");
      server_digest = cb_sim_state_digest (f->state, "campaigns");
      g_assert_cmpstr (digest, ==, server_digest);
      c = cb_sim_state_lookup (f->state, "campaign", "cmp-02");
      g_assert_cmpint (c->rev, ==, rev);
    }
}

typedef struct
{
  guint   pages;
  guint   items;
  gint64  total;
} Walk;

/* Pages through a query; asserts no id twice and the order. */
static Walk
walk (CbConnection *client,
      const char   *op,
      const char   *filter_json,
      const char   *sort,
      guint         limit,
      const char   *key)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  Walk w = { 0, };
  double last_key = -INFINITY;

  for (;;)
    {
      g_autofree char *data = g_strdup_printf ("{\"filter\":%s,\"sort\":\"%s\",\"limit\":%u,\"cursor\":%s%s%s}",
                                               filter_json, sort, limit, cursor ? "\"" : "",
                                               cursor ? cursor : "null", cursor ? "\"" : "");
      g_autoptr(CbMessage) res = request (client, op, data, -1, NULL);
      JsonArray *items;
      JsonNode *next;

      assert_ok (res);
      items = json_object_get_array_member (res->data, "items");
      g_assert_cmpuint (json_array_get_length (items), <=, limit);
      w.total = json_object_get_int_member (res->data, "total_estimate");
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_array_get_object_element (items, i);
          const char *id = json_object_get_string_member (item, "id");

          g_assert_false (g_hash_table_contains (seen, id));
          g_hash_table_add (seen, g_strdup (id));
          if (key != NULL)
            {
              JsonNode *k = json_object_get_member (item, key);
              double v = k && !JSON_NODE_HOLDS_NULL (k) ? json_node_get_double (k) : INFINITY;

              g_assert_cmpfloat (sort[0] == '-' ? -v : v, >=, last_key);
              last_key = sort[0] == '-' ? -v : v;
            }
          w.items++;
        }
      w.pages++;
      next = json_object_get_member (res->data, "next_cursor");
      g_free (cursor);
      cursor = NULL;
      if (JSON_NODE_HOLDS_NULL (next))
        break;
      g_assert_cmpuint (json_array_get_length (items), ==, limit);
      cursor = g_strdup (json_node_get_string (next));
      g_assert_cmpuint (w.pages, <, 10000);
    }
  return w;
}

static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  Walk w;
  g_autoptr(CbMessage) big = NULL, bad = NULL, other = NULL, unknown = NULL, first = NULL, missing = NULL;
  g_autofree char *mismatch = NULL;

  w = walk (m, "lead.query", "{\"list_id\":\"ll-cmp-01\"}", "id", 333, NULL);
  g_assert_cmpuint (w.items, ==, 2000);
  g_assert_cmpuint (w.pages, ==, 7);
  g_assert_cmpint (w.total, ==, 2000);
  w = walk (m, "lead.query", "{\"list_id\":\"ll-web-leads\"}", "-id", 7, NULL);
  g_assert_cmpuint (w.items, ==, 300);
  w = walk (m, "lead.query", "{\"list_id\":\"ll-web-leads\"}", "next_attempt_at", 50, "next_attempt_at");
  g_assert_cmpuint (w.items, ==, 300);
  w = walk (m, "lead.query", "{\"list_id\":\"ll-cmp-01\",\"phone\":\"+1512555000\"}", "id", 3, NULL);
  g_assert_cmpuint (w.items, ==, 10);
  w = walk (m, "lead.query", "{\"list_id\":\"ll-cmp-01\",\"name\":\"dAnA\"}", "updated_at", 100, "updated_at");
  g_assert_cmpuint (w.items, >, 50);
  w = walk (m, "lead.query", "{\"list_id\":\"ll-cmp-01\",\"statuses\":[]}", "id", 10, NULL);
  g_assert_cmpuint (w.items, ==, 0);
  w = walk (m, "dnc.query", "{\"list_id\":\"dnc-national-us\"}", "number", 64, NULL);
  g_assert_cmpuint (w.items, ==, 400);
  w = walk (m, "dnc.query", "{\"list_id\":\"dnc-national-us\"}", "added_at", 64, "added_at");
  g_assert_cmpuint (w.items, ==, 400);

  /* Filters: ids, statuses, next_attempt_before, updated_since; DNC prefix and dates. */
  w = walk (m, "lead.query", "{\"list_id\":\"ll-cmp-01\",\"ids\":[\"ld-cmp-01-000001\",\"ld-cmp-01-000002\",\"nope\"]}",
            "id", 10, NULL);
  g_assert_cmpuint (w.items, ==, 2);
  w = walk (m, "lead.query", "{\"list_id\":\"ll-cmp-01\",\"statuses\":[\"new\"]}", "id", 1000, NULL);
  g_assert_cmpuint (w.items, ==, 2000);
  w = walk (m, "lead.query", "{\"list_id\":\"ll-cmp-01\",\"next_attempt_before\":9007199254740000}", "id", 1000, NULL);
  g_assert_cmpuint (w.items, ==, 0);
  w = walk (m, "lead.query", "{\"list_id\":\"ll-cmp-01\",\"updated_since\":9007199254740000}", "id", 1000, NULL);
  g_assert_cmpuint (w.items, ==, 0);
  w = walk (m, "dnc.query", "{\"list_id\":\"dnc-internal\",\"number\":\"+1512\"}", "number", 100, NULL);
  g_assert_cmpuint (w.items, ==, 21);
  w = walk (m, "dnc.query", "{\"list_id\":\"dnc-internal\",\"added_to\":1}", "number", 100, NULL);
  g_assert_cmpuint (w.items, ==, 0);

  /* A limit above max_page_size is clamped, not refused. */
  big = request (m, "lead.query", "{\"filter\":{\"list_id\":\"ll-cmp-01\"},\"limit\":5000}", -1, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (big->data, "items")), ==, 1000);
  bad = request (m, "lead.query", "{\"filter\":{\"list_id\":\"ll-cmp-01\"},\"cursor\":\"garbage!!\"}", -1, NULL);
  assert_error (bad, "invalid_state");
  g_assert_cmpstr (error_detail (bad, "reason"), ==, "cursor_expired");
  /* A cursor is only good for the same query. */
  first = request (m, "lead.query", "{\"filter\":{\"list_id\":\"ll-cmp-01\"},\"limit\":2}", -1, NULL);
  mismatch = g_strdup_printf ("{\"filter\":{\"list_id\":\"ll-cmp-02\"},\"limit\":2,\"cursor\":\"%s\"}",
                              json_object_get_string_member (first->data, "next_cursor"));
  other = request (m, "lead.query", mismatch, -1, NULL);
  assert_error (other, "invalid_state");
  unknown = request (m, "lead.query", "{\"filter\":{\"list_id\":\"ll-cmp-01\",\"colour\":[\"red\"]}}", -1, NULL);
  assert_error (unknown, "bad_request");
  g_assert_cmpstr (error_detail (unknown, "field"), ==, "filter.colour");
  missing = request (m, "lead.query", "{\"filter\":{}}", -1, NULL);
  assert_error (missing, "bad_request");
}

static const char *
first_lead (Fixture    *f,
            CbConnection *client,
            const char *list_id,
            gint64     *rev,
            CbMessage **keep)
{
  g_autofree char *q = g_strdup_printf ("{\"filter\":{\"list_id\":\"%s\"},\"limit\":1}", list_id);
  CbMessage *res = request (client, "lead.query", q, -1, NULL);
  JsonObject *lead = json_array_get_object_element (json_object_get_array_member (res->data, "items"), 0);

  *rev = json_object_get_int_member (lead, "rev");
  *keep = res;
  return json_object_get_string_member (lead, "id");
}

static void
test_leads (Fixture       *f,
            gconstpointer  data)
{
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  g_autoptr(CbMessage) q = NULL, r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL, r7 = NULL;
  gint64 rev;
  const char *id = first_lead (f, m, "ll-cmp-01", &rev, &q);
  g_autofree char *set_name = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"first_name\":\"Zed\",\"custom\":{\"balance\":12.5}}}", id);
  g_autofree char *set_bad = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"phone_numbers\":[{\"number\":\"12\",\"type\":\"mobile\"}]}}", id);
  g_autofree char *set_custom = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"custom\":{\"shoe_size\":44}}}", id);
  g_autofree char *del = g_strdup_printf ("{\"id\":\"%s\"}", id);
  /* Lead 14 of each seeded list (index 13) is on the internal DNC list. */
  g_autofree char *dnc_set = g_strdup ("{\"id\":\"ld-cmp-01-000014\",\"set\":{\"status\":\"new\"}}");
  gint64 count_before = json_object_get_int_member (cb_sim_state_lookup (f->state, "lead_list", "ll-cmp-01")->data, "lead_count");

  r1 = request (m, "lead.update", set_name, rev, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_object (r1, "lead"), "first_name"), ==, "Zed");
  g_assert_cmpint (json_object_get_int_member (result_object (r1, "lead"), "rev"), ==, rev + 1);
  r2 = request (m, "lead.update", set_name, rev, NULL);
  assert_error (r2, "conflict");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (r2->error, "current"), "rev"), ==, rev + 1);
  r3 = request (m, "lead.update", set_bad, rev + 1, NULL);
  assert_error (r3, "bad_request");
  g_assert_cmpstr (error_detail (r3, "field"), ==, "set.phone_numbers[0].number");
  r4 = request (m, "lead.update", set_custom, rev + 1, NULL);
  assert_error (r4, "bad_request");
  r5 = request (m, "lead.update", dnc_set, 1, NULL);
  assert_error (r5, "compliance_blocked");
  g_assert_cmpstr (error_detail (r5, "rule"), ==, "dnc");
  r6 = request (m, "lead.delete", del, rev + 1, NULL);
  assert_ok (r6);
  r7 = request (m, "lead.delete", del, rev + 1, NULL);
  assert_error (r7, "not_found");
  g_assert_cmpint (json_object_get_int_member (cb_sim_state_lookup (f->state, "lead_list", "ll-cmp-01")->data, "lead_count"),
                   ==, count_before - 1);
}

static void
test_lead_upload (Fixture       *f,
                  gconstpointer  data)
{
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  g_autoptr(CbMessage) l = request (m, "lead_list.create", "{\"name\":\"Imported\"}", -1, NULL);
  const char *list_id = json_object_get_string_member (result_object (l, "lead_list"), "id");
  g_autofree char *chunk1 = g_strdup_printf (
    "{\"upload_id\":\"up-1\",\"list_id\":\"%s\",\"chunk\":1,\"last\":false,\"options\":{\"duplicates\":\"reject\"},"
    "\"rows\":[{\"row\":2,\"phone_numbers\":[{\"number\":\"+15125550190\",\"type\":\"mobile\"}],\"first_name\":\"Ana\"},"
    "{\"row\":3,\"phone_numbers\":[{\"number\":\"555-01\",\"type\":\"mobile\"}],\"first_name\":\"Bo\"},"
    "{\"row\":4,\"phone_numbers\":[{\"number\":\"+15125550191\",\"type\":\"work\"}],\"time_zone\":\"Mars/Olympus\"},"
    "{\"row\":5,\"first_name\":\"No phone\"}]}", list_id);
  g_autofree char *chunk2 = g_strdup_printf (
    "{\"upload_id\":\"up-1\",\"list_id\":\"%s\",\"chunk\":2,\"last\":true,"
    "\"rows\":[{\"row\":6,\"phone_numbers\":[{\"number\":\"+15125550190\",\"type\":\"home\"}]},"
    "{\"row\":7,\"phone_numbers\":[{\"number\":\"+15125550192\",\"type\":\"home\"}],\"x_colour\":\"red\"},"
    "{\"row\":8,\"phone_numbers\":[{\"number\":\"+15125550193\",\"type\":\"home\"}],\"status\":\"retry\","
    "\"next_attempt_at\":1795435200000}]}", list_id);
  g_autofree char *chunk5 = g_strdup_printf ("{\"upload_id\":\"up-2\",\"list_id\":\"%s\",\"chunk\":5,\"last\":true,\"rows\":[]}", list_id);
  g_autofree char *chunk1b = g_strdup_printf ("{\"upload_id\":\"up-3\",\"list_id\":\"%s\",\"chunk\":1,\"last\":false,"
                                              "\"rows\":[{\"row\":1,\"phone_numbers\":[{\"number\":\"+15125550177\",\"type\":\"home\"}]}]}",
                                              list_id);
  g_autofree char *chunk3b = g_strdup_printf ("{\"upload_id\":\"up-3\",\"list_id\":\"%s\",\"chunk\":3,\"last\":true,\"rows\":[]}", list_id);
  g_autofree char *abort2b = g_strdup_printf ("{\"upload_id\":\"up-3\",\"list_id\":\"%s\",\"chunk\":2,\"last\":true,"
                                              "\"abort\":true,\"rows\":[]}", list_id);
  g_autofree char *query = g_strdup_printf ("{\"filter\":{\"list_id\":\"%s\"}}", list_id);
  g_autoptr(CbMessage) r1 = NULL, r1again = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL, r7 = NULL, leads = NULL;
  JsonArray *rejected;
  JsonObject *totals;
  g_autoptr(JsonNode) a = NULL, b = NULL;

  r1 = request (m, "lead.upload", chunk1, -1, NULL);
  assert_ok (r1);
  g_assert_cmpint (json_object_get_int_member (r1->data, "accepted"), ==, 1);
  rejected = json_object_get_array_member (r1->data, "rejected");
  g_assert_cmpuint (json_array_get_length (rejected), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (rejected, 0), "row"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rejected, 0), "reason"), ==, "invalid_phone");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rejected, 0), "field"), ==,
                   "phone_numbers[0].number");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rejected, 1), "reason"), ==, "invalid_time_zone");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rejected, 2), "reason"), ==, "missing_field");
  g_assert_false (json_object_get_boolean_member (r1->data, "committed"));
  /* Nothing is visible before the commit. */
  g_assert_cmpint (json_object_get_int_member (cb_sim_state_lookup (f->state, "lead_list", list_id)->data, "lead_count"), ==, 0);

  /* A repeated chunk gives its stored result. */
  r1again = request (m, "lead.upload", chunk1, -1, NULL);
  a = json_node_alloc ();
  b = json_node_alloc ();
  json_node_init_object (a, r1->data);
  json_node_init_object (b, r1again->data);
  g_assert_true (json_node_equal (a, b));

  r2 = request (m, "lead.upload", chunk2, -1, NULL);
  assert_ok (r2);
  rejected = json_object_get_array_member (r2->data, "rejected");
  g_assert_cmpuint (json_array_get_length (rejected), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rejected, 0), "reason"), ==, "duplicate");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rejected, 1), "reason"), ==, "unknown_field");
  g_assert_true (json_object_get_boolean_member (r2->data, "committed"));
  totals = json_object_get_object_member (r2->data, "totals");
  g_assert_cmpint (json_object_get_int_member (totals, "rows"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (totals, "accepted"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (totals, "rejected"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (totals, "created"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (cb_sim_state_lookup (f->state, "lead_list", list_id)->data, "lead_count"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (cb_sim_state_lookup (f->state, "lead_list", list_id)->data, "dialable_count"), ==, 2);
  leads = request (m, "lead.query", query, -1, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (leads->data, "items")), ==, 2);

  r3 = request (m, "lead.upload", chunk5, -1, NULL);
  assert_error (r3, "not_found");
  r4 = request (m, "lead.upload", chunk1b, -1, NULL);
  assert_ok (r4);
  r5 = request (m, "lead.upload", chunk3b, -1, NULL);
  assert_error (r5, "invalid_state");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (r5->error, "details"), "expected_chunk"), ==, 2);
  r6 = request (m, "lead.upload", abort2b, -1, NULL);
  assert_ok (r6);
  g_assert_false (json_object_get_boolean_member (r6->data, "committed"));
  g_assert_cmpint (json_object_get_int_member (cb_sim_state_lookup (f->state, "lead_list", list_id)->data, "lead_count"), ==, 2);
  r7 = request (m, "lead.upload", "{\"upload_id\":\"up-9\",\"list_id\":\"ll-web-leads\",\"chunk\":1,\"last\":true,\"rows\":[7]}", -1, NULL);
  assert_error (r7, "bad_request");

  /* At most 8 imports open at once per user. */
  for (guint i = 0; i <= 8; i++)
    {
      g_autofree char *open = g_strdup_printf ("{\"upload_id\":\"open-%u\",\"list_id\":\"%s\",\"chunk\":1,"
                                               "\"last\":false,\"rows\":[]}", i, list_id);
      g_autoptr(CbMessage) r = request (m, "lead.upload", open, -1, NULL);

      if (i < 8)
        assert_ok (r);
      else
        {
          assert_error (r, "invalid_state");
          g_assert_cmpstr (error_detail (r, "reason"), ==, "too_many_uploads");
        }
    }
}

static void
test_dnc (Fixture       *f,
          gconstpointer  data)
{
  CbConnection *s = connect_as (f, SUPERVISOR_TOKEN);
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  g_autoptr(CbMessage) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL, r7 = NULL, r8 = NULL;
  g_autoptr(CbMessage) r9 = NULL, r10 = NULL, r11 = NULL, r12 = NULL, r13 = NULL;
  gint64 count = json_object_get_int_member (cb_sim_state_lookup (f->state, "dnc_list", "dnc-internal")->data, "entry_count");
  const char *list_id;

  r1 = command (s, "dnc.add", "{\"list_id\":\"dnc-internal\",\"number\":\"+15125559999\",\"expires_at\":null,\"note\":\"asked twice\"}");
  g_assert_true (json_object_get_boolean_member (r1->data, "created"));
  g_assert_cmpstr (json_object_get_string_member (result_object (r1, "entry"), "source"), ==, "manual");
  g_assert_cmpstr (json_object_get_string_member (result_object (r1, "entry"), "added_by"), ==, "u-maris");
  r2 = command (s, "dnc.add", "{\"list_id\":\"dnc-internal\",\"number\":\"+15125559999\",\"expires_at\":null,\"note\":null}");
  g_assert_false (json_object_get_boolean_member (r2->data, "created"));
  g_assert_cmpint (json_object_get_int_member (cb_sim_state_lookup (f->state, "dnc_list", "dnc-internal")->data, "entry_count"),
                   ==, count + 1);
  r3 = request (s, "dnc.check", "{\"number\":\"+15125559999\"}", -1, NULL);
  g_assert_true (json_object_get_boolean_member (r3->data, "listed"));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (r3->data, "list_ids"), 0), ==, "dnc-internal");
  r4 = request (s, "dnc.check", "{\"number\":\"+15125559999\",\"list_ids\":[\"dnc-national-us\"]}", -1, NULL);
  g_assert_false (json_object_get_boolean_member (r4->data, "listed"));
  r5 = command (s, "dnc.add", "{\"list_id\":\"dnc-national-us\",\"number\":\"+15125559998\",\"expires_at\":null,\"note\":null}");
  assert_error (r5, "invalid_state");
  r6 = command (s, "dnc.add", "{\"list_id\":\"dnc-internal\",\"number\":\"call me maybe\",\"expires_at\":null,\"note\":null}");
  assert_error (r6, "bad_request");
  r7 = command (s, "dnc.remove", "{\"list_id\":\"dnc-internal\",\"number\":\"+15125559999\"}");
  g_assert_true (json_object_get_boolean_member (r7->data, "removed"));
  r8 = command (s, "dnc.remove", "{\"list_id\":\"dnc-internal\",\"number\":\"+15125559999\"}");
  g_assert_false (json_object_get_boolean_member (r8->data, "removed"));

  /* dnc.upload, with a broken row. */
  r9 = request (s, "dnc.upload", "{\"upload_id\":\"d-1\",\"list_id\":\"dnc-internal\",\"chunk\":1,\"last\":true,"
                "\"rows\":[{\"row\":1,\"number\":\"+15125558001\",\"expires_at\":null,\"note\":null},"
                "{\"row\":2,\"number\":\"oops\"},{\"row\":3,\"number\":\"+15125558002\",\"note\":\"x\"}]}", -1, NULL);
  assert_ok (r9);
  g_assert_cmpint (json_object_get_int_member (r9->data, "accepted"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (json_object_get_array_member (r9->data, "rejected"), 0), "row"), ==, 2);
  g_assert_true (json_object_get_boolean_member (r9->data, "committed"));
  g_assert_cmpint (json_object_get_int_member (cb_sim_state_lookup (f->state, "dnc_list", "dnc-internal")->data, "entry_count"),
                   ==, count + 2);
  r10 = request (s, "dnc.upload", "{\"upload_id\":\"d-2\",\"list_id\":\"dnc-national-us\",\"chunk\":1,\"last\":true,\"rows\":[]}", -1, NULL);
  assert_error (r10, "invalid_state");

  /* A DNC list a rule set checks cannot be deleted; a new one can. */
  r11 = request (m, "dnc_list.delete", "{\"id\":\"dnc-internal\"}",
                 cb_sim_state_lookup (f->state, "dnc_list", "dnc-internal")->rev, NULL);
  assert_error (r11, "invalid_state");
  r12 = request (m, "dnc_list.create", "{\"name\":\"Vendor list\",\"kind\":\"vendor\"}", -1, NULL);
  list_id = json_object_get_string_member (result_object (r12, "dnc_list"), "id");
  g_assert_false (json_object_get_boolean_member (result_object (r12, "dnc_list"), "read_only"));
  {
    g_autofree char *del = g_strdup_printf ("{\"id\":\"%s\"}", list_id);

    r13 = request (m, "dnc_list.delete", del, json_object_get_int_member (result_object (r12, "dnc_list"), "rev"), NULL);
    assert_ok (r13);
  }
}

static void
test_rule_sets_and_catalogs (Fixture       *f,
                             gconstpointer  data)
{
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  g_autoptr(CbMessage) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL, r7 = NULL, r8 = NULL;
  g_autoptr(CbMessage) r9 = NULL, r10 = NULL, r11 = NULL;
  JsonObject *rs;
  g_autofree char *del = NULL;

  r1 = request (m, "rule_set.create", "{\"name\":\"UK Ofcom\",\"drop_rate\":{\"cap_pct\":3,\"method\":\"uk\"},"
                "\"dnc_list_ids\":[\"dnc-internal\"],\"max_attempts\":[{\"window_h\":24,\"max\":2,\"scope\":\"number\"}]}", -1, NULL);
  rs = result_object (r1, "rule_set");
  g_assert_cmpstr (json_object_get_string_member (rs, "unknown_time_zone"), ==, "block");
  g_assert_cmpint (json_object_get_int_member (rs, "min_ring_s"), ==, 15);
  r2 = request (m, "rule_set.create", "{\"name\":\"Bad\",\"dnc_list_ids\":[\"dnc-nowhere\"]}", -1, NULL);
  assert_error (r2, "bad_request");
  g_assert_cmpstr (error_detail (r2, "field"), ==, "dnc_list_ids[0]");
  r3 = request (m, "rule_set.create", "{\"name\":\"Bad\",\"calling_windows\":[{\"days\":[\"someday\"],\"start\":\"09:00\",\"end\":\"10:00\"}]}", -1, NULL);
  assert_error (r3, "bad_request");
  g_assert_cmpstr (error_detail (r3, "field"), ==, "calling_windows[0].days[0]");
  r4 = request (m, "rule_set.delete", "{\"id\":\"rs-us-tsr\"}", cb_sim_state_lookup (f->state, "rule_set", "rs-us-tsr")->rev, NULL);
  assert_error (r4, "invalid_state");
  del = g_strdup_printf ("{\"id\":\"%s\"}", json_object_get_string_member (rs, "id"));
  r5 = request (m, "rule_set.delete", del, json_object_get_int_member (rs, "rev"), NULL);
  assert_ok (r5);

  r6 = request (m, "disposition.create", "{\"id\":\"PROMISE_TO_PAY\",\"label\":\"Promise to pay\",\"category\":\"success\","
                "\"final\":true}", -1, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_object (r6, "disposition"), "id"), ==, "PROMISE_TO_PAY");
  r7 = request (m, "disposition.create", "{\"id\":\"PROMISE_TO_PAY\",\"label\":\"Again\",\"category\":\"success\"}", -1, NULL);
  assert_error (r7, "conflict");
  r8 = request (m, "disposition.create", "{\"id\":\"lower case\",\"label\":\"x\",\"category\":\"success\"}", -1, NULL);
  assert_error (r8, "bad_request");
  r9 = request (m, "disposition.update", "{\"id\":\"PROMISE_TO_PAY\",\"set\":{\"active\":false}}",
                json_object_get_int_member (result_object (r6, "disposition"), "rev"), NULL);
  g_assert_false (json_object_get_boolean_member (result_object (r9, "disposition"), "active"));
  r10 = request (m, "pause_reason.create", "{\"id\":\"FIRE_DRILL\",\"label\":\"Fire drill\",\"paid\":true,\"max_duration_s\":1200}", -1, NULL);
  assert_ok (r10);
  r11 = request (m, "pause_reason.delete", "{\"id\":\"FIRE_DRILL\"}",
                 json_object_get_int_member (result_object (r10, "pause_reason"), "rev"), NULL);
  assert_ok (r11);
  g_assert_null (cb_sim_state_lookup (f->state, "pause_reason", "FIRE_DRILL"));
  g_assert_nonnull (cb_sim_state_lookup (f->state, "disposition", "PROMISE_TO_PAY"));
}

static void
put_call (Fixture    *f,
          const char *id,
          const char *agent_id,
          gint64      created_at)
{
  JsonObject *call = json_object_new ();

  json_object_set_string_member (call, "direction", "in");
  json_object_set_string_member (call, "channel", "voice");
  json_object_set_string_member (call, "state", "ended");
  json_object_set_string_member (call, "agent_id", agent_id);
  json_object_set_string_member (call, "queue_id", "q-billing");
  json_object_set_null_member (call, "campaign_id");
  json_object_set_string_member (call, "customer_number", "+3725551234");
  json_object_set_int_member (call, "created_at", created_at);
  json_object_set_boolean_member (call, "abandoned", FALSE);
  json_object_set_string_member (call, "id", id);
  cb_sim_config_store_add_call (f->store, call);
  json_object_unref (call);
}

#define ANSWERS(yes, recording, empathy, resolution) \
  "[{\"question_id\":\"q-name\",\"value\":" yes ",\"na\":false,\"comment\":null,\"position_ms\":null}," \
  "{\"question_id\":\"q-recording\",\"value\":" recording ",\"na\":false,\"comment\":null,\"position_ms\":1200}," \
  "{\"question_id\":\"q-empathy\",\"value\":" empathy ",\"na\":false,\"comment\":null,\"position_ms\":null}," \
  "{\"question_id\":\"q-resolution\",\"value\":" resolution ",\"na\":false,\"comment\":\"ok\",\"position_ms\":null}]"

static void
test_qa (Fixture       *f,
         gconstpointer  data)
{
  CbConnection *qa = connect_as (f, QA_TOKEN);
  CbConnection *qa2 = connect_as (f, QA2_TOKEN);
  const CbSimEntity *form = cb_sim_state_lookup (f->state, "qa_form", "qaf-call-quality");
  gint64 rev1 = form->rev, rev2;
  g_autoptr(CbMessage) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL, r7 = NULL, r8 = NULL;
  g_autoptr(CbMessage) r9 = NULL, r10 = NULL, r11 = NULL, r12 = NULL;
  g_autofree char *old = NULL;
  JsonObject *e;
  const char *eid;
  g_autofree char *submit = NULL;
  g_autofree char *back = NULL;
  gint64 now = g_get_real_time () / 1000;
  Walk w;

  put_call (f, "c-1", "agent-0007", now - 3600000);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *id = g_strdup_printf ("c-h-%02u", i);

      put_call (f, id, i % 2 ? "agent-0001" : "agent-0002", now - 7200000 + i * 1000);
    }

  /* A new revision of the form; the old one stays readable. */
  r1 = request (qa, "qa_form.update", "{\"id\":\"qaf-call-quality\",\"set\":{\"passing_score_pct\":75}}", rev1, NULL);
  rev2 = json_object_get_int_member (result_object (r1, "qa_form"), "rev");
  g_assert_cmpint (rev2, >, rev1);
  old = g_strdup_printf ("{\"id\":\"qaf-call-quality\",\"rev\":%" G_GINT64_FORMAT "}", rev1);
  r2 = request (qa, "qa_form.get", old, -1, NULL);
  g_assert_cmpfloat (json_object_get_double_member (result_object (r2, "qa_form"), "passing_score_pct"), ==, 80);
  r3 = request (qa, "qa_form.get", "{\"id\":\"qaf-call-quality\",\"rev\":999999}", -1, NULL);
  assert_error (r3, "not_found");

  /* 2/2 + 1/1 (weight 1) and 4/5 + 2/4 (weight 2): (100 + 2 × 66.67) / 3. */
  r4 = request (qa, "evaluation.create", "{\"form_id\":\"qaf-call-quality\",\"call_id\":\"c-1\",\"recording_id\":null,"
                "\"answers\":" ANSWERS ("true", "true", "4", "\"partial\"") ",\"comment\":null,\"status\":\"draft\"}", -1, NULL);
  e = result_object (r4, "evaluation");
  eid = json_object_get_string_member (e, "id");
  g_assert_cmpfloat (fabs (json_object_get_double_member (e, "score_pct") - 77.78), <, 0.01);
  g_assert_cmpint (json_object_get_int_member (e, "form_rev"), ==, rev2);
  g_assert_cmpstr (json_object_get_string_member (e, "agent_id"), ==, "agent-0007");
  g_assert_cmpstr (json_object_get_string_member (e, "evaluator_id"), ==, "u-olena");
  /* A failed auto_fail question: 0; a failed critical one: its section 0. */
  r5 = request (qa, "evaluation.create", "{\"form_id\":\"qaf-call-quality\",\"call_id\":\"c-1\",\"recording_id\":null,"
                "\"answers\":" ANSWERS ("true", "false", "5", "\"full\"") ",\"comment\":null,\"status\":\"submitted\"}", -1, NULL);
  g_assert_cmpfloat (json_object_get_double_member (result_object (r5, "evaluation"), "score_pct"), ==, 0);
  g_assert_true (json_object_get_boolean_member (result_object (r5, "evaluation"), "auto_failed"));
  r6 = request (qa, "evaluation.create", "{\"form_id\":\"qaf-call-quality\",\"call_id\":\"c-1\",\"recording_id\":null,"
                "\"answers\":" ANSWERS ("true", "true", "5", "\"none\"") ",\"comment\":null,\"status\":\"draft\"}", -1, NULL);
  g_assert_cmpfloat (fabs (json_object_get_double_member (result_object (r6, "evaluation"), "score_pct") - 33.33), <, 0.01);
  r7 = request (qa, "evaluation.create", "{\"form_id\":\"qaf-call-quality\",\"call_id\":\"c-1\",\"recording_id\":null,"
                "\"answers\":[{\"question_id\":\"q-empathy\",\"value\":9,\"na\":false,\"comment\":null,\"position_ms\":null}],"
                "\"comment\":null,\"status\":\"draft\"}", -1, NULL);
  assert_error (r7, "bad_request");
  r8 = request (qa, "evaluation.create", "{\"form_id\":\"qaf-call-quality\",\"call_id\":\"c-none\",\"recording_id\":null,"
                "\"answers\":[],\"comment\":null,\"status\":\"draft\"}", -1, NULL);
  assert_error (r8, "not_found");

  submit = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"status\":\"submitted\"}}", eid);
  /* Another analyst may: the qa role holds qa.forms.write (§10.1). */
  r9 = request (qa2, "evaluation.update", "{\"id\":\"ev-nothing\",\"set\":{}}", 1, NULL);
  assert_error (r9, "not_found");
  r10 = request (qa2, "evaluation.update", submit, 1, NULL);
  g_assert_cmpstr (json_object_get_string_member (result_object (r10, "evaluation"), "status"), ==, "submitted");
  g_assert_true (json_object_get_int_member (result_object (r10, "evaluation"), "submitted_at") > 0);
  back = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"status\":\"draft\"}}", eid);
  r11 = request (qa, "evaluation.update", back, 2, NULL);
  assert_error (r11, "invalid_state");
  r12 = request (qa, "evaluation.update", back, 1, NULL);
  assert_error (r12, "conflict");

  /* An entity never grows past what an event may carry (§4.1). */
  {
    g_autofree char *text = g_strnfill (120000, 'a');
    g_autofree char *big = g_strdup_printf (
      "{\"name\":\"Huge\",\"sections\":[{\"id\":\"s\",\"title\":\"S\",\"weight\":1,\"questions\":["
      "{\"id\":\"a\",\"text\":\"%s\",\"kind\":\"text\",\"options\":[],\"scale_max\":null,\"max_points\":0,"
      "\"critical\":false,\"auto_fail\":false,\"na_allowed\":true},"
      "{\"id\":\"b\",\"text\":\"%s\",\"kind\":\"text\",\"options\":[],\"scale_max\":null,\"max_points\":0,"
      "\"critical\":false,\"auto_fail\":false,\"na_allowed\":true}]}]}", text, text);
    g_autoptr(CbMessage) huge = request (qa, "qa_form.create", big, -1, NULL);

    assert_error (huge, "bad_request");
    g_assert_cmpstr (error_detail (huge, "reason"), ==, "too_large");
  }

  w = walk (qa, "evaluation.query", "{}", "-created_at", 2, NULL);
  g_assert_cmpuint (w.items, ==, 3);
  w = walk (qa, "evaluation.query", "{\"statuses\":[\"draft\"]}", "-score_pct", 1, "score_pct");
  g_assert_cmpuint (w.items, ==, 1);
  {
    g_autofree char *range = g_strdup_printf ("{\"from\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT "}",
                                              now - 86400000, now);
    g_autofree char *agent = g_strdup_printf ("{\"from\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT ",\"agent_ids\":[\"agent-0001\"]}",
                                              now - 86400000, now);
    g_autoptr(CbMessage) missing = request (qa, "history.query", "{\"filter\":{}}", -1, NULL);

    w = walk (qa, "history.query", range, "-created_at", 4, "created_at");
    g_assert_cmpuint (w.items, ==, 31);
    w = walk (qa, "history.query", agent, "created_at", 4, "created_at");
    g_assert_cmpuint (w.items, ==, 15);
    assert_error (missing, "bad_request");
  }
}

/* Stop, start again on the same file: the state and its revs are back. */
static void
test_persistence (Fixture       *f,
                  gconstpointer  data)
{
  static const char * const topics[] = { "campaigns", "lead_lists", "rule_sets", "dnc_lists", "qa_forms", "catalogs" };
  CbConnection *m = connect_as (f, MANAGER_TOKEN);
  gint64 rev;
  g_autofree char *id = create_campaign (m, "Kept", &rev);
  g_autofree char *set = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"description\":\"after a restart\"}}", id);
  g_autoptr(CbMessage) r1 = request (m, "campaign.update", set, rev, NULL);
  g_autoptr(CbMessage) r2 = request (m, "lead.upload", "{\"upload_id\":\"p-1\",\"list_id\":\"ll-web-leads\",\"chunk\":1,"
                                     "\"last\":true,\"rows\":[{\"row\":1,\"phone_numbers\":[{\"number\":\"+15125557001\","
                                     "\"type\":\"home\"}]}]}", -1, NULL);
  g_autoptr(CbMessage) r3 = NULL, r4 = NULL, r5 = NULL;
  char *digests[G_N_ELEMENTS (topics)];
  gint64 rev_after = json_object_get_int_member (result_object (r1, "campaign"), "rev");
  gint64 next_id;

  assert_ok (r2);
  cb_sim_config_store_flush (f->store);
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    digests[i] = cb_sim_state_digest (f->state, topics[i]);
  next_id = cb_sim_db_get_meta_int (f->db, "next_id", 0);

  stop_backend (f);
  start_backend (f);

  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autofree char *digest = cb_sim_state_digest (f->state, topics[i]);

      g_assert_cmpstr (digest, ==, digests[i]);
      g_free (digests[i]);
    }
  g_assert_cmpint (cb_sim_state_lookup (f->state, "campaign", id)->rev, ==, rev_after);
  g_assert_cmpstr (json_object_get_string_member (cb_sim_state_lookup (f->state, "campaign", id)->data, "description"), ==,
                   "after a restart");
  g_assert_cmpint (cb_sim_db_get_meta_int (f->db, "next_id", 0), ==, next_id);

  /* The old rev still conflicts, the new one applies, and ids do not repeat. */
  m = connect_as (f, MANAGER_TOKEN);
  r3 = request (m, "campaign.update", set, rev, NULL);
  assert_error (r3, "conflict");
  r4 = request (m, "campaign.update", set, rev_after, NULL);
  assert_ok (r4);
  r5 = request (m, "lead.query", "{\"filter\":{\"list_id\":\"ll-web-leads\",\"phone\":\"+15125557001\"}}", -1, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r5->data, "items")), ==, 1);
  {
    g_autofree char *id2 = create_campaign (m, "Kept too", NULL);

    g_assert_cmpstr (id2, !=, id);
  }
}

/* Hundreds of broken requests: errors, never a crash, nothing changed. */
static void
test_hostile_input (Fixture       *f,
                    gconstpointer  data)
{
  static const char * const topics[] = { "campaigns", "lead_lists", "rule_sets", "dnc_lists", "qa_forms", "catalogs" };
  static const char * const ops[] = {
    "campaign.create", "campaign.update", "campaign.delete", "campaign.start", "lead_list.create", "lead_list.update",
    "lead.query", "lead.update", "lead.delete", "lead.upload", "rule_set.create", "rule_set.update", "dnc_list.create",
    "dnc.query", "dnc.check", "dnc.add", "dnc.remove", "dnc.upload", "disposition.create", "disposition.update",
    "pause_reason.create", "qa_form.create", "qa_form.update", "qa_form.get", "evaluation.create", "evaluation.update",
    "evaluation.query", "history.query", "x.nothing",
  };
  static const char * const values[] = {
    "null", "1", "-1", "1.5", "1e300", "\"\"", "\"x\"", "true", "[]", "{}", "[null]", "[{}]", "\"+1\"",
    "{\"a\":{\"b\":[1,2,{\"c\":null}]}}", "\"\\u0000\"", "9007199254740993", "\"2026-13-45\"", "\"25:00\"",
  };
  static const char * const members[] = {
    "id", "set", "name", "caller_id", "dial_level", "lead_lists", "schedule", "retry_rules", "filter", "cursor",
    "limit", "sort", "upload_id", "list_id", "chunk", "rows", "number", "answers", "form_id", "call_id", "status",
    "sections", "calling_windows", "drop_rate", "phone_numbers", "custom", "label", "category",
  };
  CbConnection *admin = connect_as (f, ADMIN_TOKEN);
  char *digests[G_N_ELEMENTS (topics)];
  g_autofree char *check = NULL;
  GRand *rand = g_rand_new_with_seed (42);
  guint n_requests = 0, n_ok = 0;
  gint64 leads_before, leads_after;

  cb_sim_config_store_flush (f->store);
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    digests[i] = cb_sim_state_digest (f->state, topics[i]);
  leads_before = cb_sim_db_get_meta_int (f->db, "next_id", 0);

  for (guint i = 0; i < 600; i++)
    {
      GString *json = g_string_new ("{");
      const char *op = ops[g_rand_int_range (rand, 0, G_N_ELEMENTS (ops))];
      guint n = g_rand_int_range (rand, 0, 4);
      g_autoptr(CbMessage) res = NULL;
      g_autofree char *idem = new_idem ();
      g_autoptr(JsonNode) parsed = NULL;

      for (guint k = 0; k < n; k++)
        g_string_append_printf (json, "%s\"%s\":%s", k ? "," : "", members[g_rand_int_range (rand, 0, G_N_ELEMENTS (members))],
                                values[g_rand_int_range (rand, 0, G_N_ELEMENTS (values))]);
      g_string_append_c (json, '}');
      parsed = json_from_string (json->str, NULL);
      if (parsed == NULL || !JSON_NODE_HOLDS_OBJECT (parsed))
        {
          g_string_free (json, TRUE);
          continue;
        }
      /* Pace under the rate limit: 20 a second. */
      if (i % 15 == 14)
        cb_test_spin (800);
      res = request (admin, op, json->str, g_rand_boolean (rand) ? g_rand_int_range (rand, 1, 100000) : -1, idem);
      n_requests++;
      if (res->ok)
        {
          /* Only reads may succeed on such data. */
          n_ok++;
          g_assert_true (g_str_has_suffix (op, ".query") || g_str_equal (op, "dnc.check") || g_str_equal (op, "qa_form.get"));
        }
      else
        g_assert_cmpstr (json_object_get_string_member (res->error, "code"), !=, "internal");
      g_string_free (json, TRUE);
    }
  g_rand_free (rand);
  g_test_message ("%u broken requests, %u reads answered", n_requests, n_ok);
  g_assert_cmpuint (n_requests, >, 400);

  cb_sim_config_store_flush (f->store);
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autofree char *digest = cb_sim_state_digest (f->state, topics[i]);

      g_assert_cmpstr (digest, ==, digests[i]);
      g_free (digests[i]);
    }
  leads_after = cb_sim_db_get_meta_int (f->db, "next_id", 0);
  g_assert_cmpint (leads_after, ==, leads_before);
  check = cb_sim_db_integrity_check (f->db);
  g_assert_cmpstr (check, ==, "ok");
}

/* Raw frames: malformed JSON closes with 4000, a huge frame with 1009, and
 * the server goes on serving. */
typedef struct
{
  SoupWebsocketConnection *ws;
  gushort                  code;
  gboolean                 closed;
  GPtrArray               *texts;
} Raw;

static void
on_raw_closed (SoupWebsocketConnection *ws,
               Raw                     *raw)
{
  raw->code = soup_websocket_connection_get_close_code (ws);
  raw->closed = TRUE;
}

static void
on_raw_message (SoupWebsocketConnection *ws,
                gint                     type,
                GBytes                  *bytes,
                Raw                     *raw)
{
  g_ptr_array_add (raw->texts, g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)));
}

static void
on_raw_connected (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  Raw *raw = data;

  raw->ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, NULL);
  g_assert_nonnull (raw->ws);
  soup_websocket_connection_set_max_incoming_payload_size (raw->ws, 8 * 1024 * 1024);
  g_signal_connect (raw->ws, "closed", G_CALLBACK (on_raw_closed), raw);
  g_signal_connect (raw->ws, "message", G_CALLBACK (on_raw_message), raw);
}

static gboolean raw_open (gpointer data) { return ((Raw *) data)->ws != NULL; }
static gboolean raw_closed (gpointer data) { return ((Raw *) data)->closed; }
static gboolean raw_welcomed (gpointer data) { return ((Raw *) data)->texts->len > 0; }

static void
raw_send_after_hello (Fixture    *f,
                      const char *text,
                      gushort     expected)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", f->url);
  const char *protocols[] = { "callboard.v1", NULL };
  Raw raw = { 0 };

  raw.texts = g_ptr_array_new_with_free_func (g_free);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " ADMIN_TOKEN);
  soup_session_websocket_connect_async (session, msg, NULL, (char **) protocols, G_PRIORITY_DEFAULT, NULL,
                                        on_raw_connected, &raw);
  cb_test_wait (raw_open, &raw, 5000);
  soup_websocket_connection_send_text (raw.ws, "{\"type\":\"hello\",\"client\":{\"name\":\"t\",\"version\":\"1\"},"
                                               "\"features\":[],\"max_message_bytes\":4194304,\"resume\":null}");
  cb_test_wait (raw_welcomed, &raw, 5000);
  soup_websocket_connection_send_text (raw.ws, text);
  cb_test_wait (raw_closed, &raw, 5000);
  /* A server that refuses a frame at its header closes while the client is
   * still writing; the reset often loses the 1009 close frame (as C21 says). */
  if (expected == 1009 && (raw.code == 0 || raw.code == 1006))
    raw.code = 1009;
  g_assert_cmpuint (raw.code, ==, expected);
  g_signal_handlers_disconnect_by_data (raw.ws, &raw);
  g_clear_object (&raw.ws);
  g_ptr_array_unref (raw.texts);
}

static void
test_hostile_frames (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *huge = NULL;
  g_autofree char *deep = NULL;
  gsize n = 1024 * 1024 + 4096;
  CbConnection *m;
  g_autoptr(CbMessage) res = NULL;
  g_autofree char *check = NULL;

  raw_send_after_hello (f, "{\"type\":\"req\",\"id\":\"r-1\",\"op\":\"campaign.create\",\"data\":{\"name\":", 4000);
  raw_send_after_hello (f, "[1,2,3]", 4000);
  raw_send_after_hello (f, "{\"type\":\"req\",\"op\":\"campaign.create\"}", 4000);
  deep = g_strnfill (200, '[');
  raw_send_after_hello (f, deep, 4000);
  huge = g_malloc (n + 64);
  memset (huge, ' ', n);
  {
    const char *head = "{\"type\":\"req\",\"id\":\"r-2\",\"op\":\"ping\",\"x\":\"";

    memcpy (huge, head, strlen (head));
  }
  memcpy (huge + n - 2, "\"}", 3);
  raw_send_after_hello (f, huge, 1009);

  /* A flood: 200 creates at once. The bucket lets `burst` through, the
   * rest are rate_limited, and a client that goes on is closed with 4429. */
  {
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", f->url);
    const char *protocols[] = { "callboard.v1", NULL };
    guint before = cb_sim_state_count (f->state, "campaigns"), created, limited = 0;
    Raw raw = { 0 };

    raw.texts = g_ptr_array_new_with_free_func (g_free);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer " ADMIN_TOKEN);
    soup_session_websocket_connect_async (session, msg, NULL, (char **) protocols, G_PRIORITY_DEFAULT, NULL,
                                          on_raw_connected, &raw);
    cb_test_wait (raw_open, &raw, 5000);
    soup_websocket_connection_send_text (raw.ws, "{\"type\":\"hello\",\"client\":{\"name\":\"t\",\"version\":\"1\"},"
                                                 "\"features\":[],\"max_message_bytes\":4194304,\"resume\":null}");
    cb_test_wait (raw_welcomed, &raw, 5000);
    for (guint i = 0; i < 200; i++)
      {
        g_autofree char *text = g_strdup_printf ("{\"type\":\"req\",\"id\":\"f-%u\",\"op\":\"campaign.create\","
                                                 "\"data\":{\"name\":\"Flood %u\",\"caller_id\":\"+15125550100\"}}", i, i);

        soup_websocket_connection_send_text (raw.ws, text);
      }
    cb_test_wait (raw_closed, &raw, 10000);
    g_assert_cmpuint (raw.code, ==, 4429);
    for (guint i = 0; i < raw.texts->len; i++)
      limited += strstr (g_ptr_array_index (raw.texts, i), "\"rate_limited\"") != NULL;
    created = cb_sim_state_count (f->state, "campaigns") - before;
    g_test_message ("flood: %u created, %u rate limited, then 4429", created, limited);
    g_assert_cmpuint (created, <=, 45);
    g_assert_cmpuint (limited, >, 0);
    g_signal_handlers_disconnect_by_data (raw.ws, &raw);
    g_clear_object (&raw.ws);
    g_ptr_array_unref (raw.texts);
  }

  m = connect_as (f, MANAGER_TOKEN);
  res = request (m, "campaign.create", CAMPAIGN_JSON ("After the storm"), -1, NULL);
  assert_ok (res);
  check = cb_sim_db_integrity_check (f->db);
  g_assert_cmpstr (check, ==, "ok");
}

/* ---- the dialer ----------------------------------------------------------- */

static CbSimEngine *
make_engine_with (guint    n_leads,
                  gboolean no_answer_only,
                  guint    n_campaigns)
{
  CbSimConfig config;

  cb_sim_config_init_default (&config);
  config.seed = 7;
  config.time_zone = "Europe/Tallinn";
  config.n_agents = 30;
  config.n_queues = 0;
  config.n_campaigns = n_campaigns;
  config.outbound_share = 1.0;
  config.shift_length_ms = 0;
  config.campaign.mixed_modes = FALSE;
  config.campaign.dial_mode = CB_SIM_DIAL_PREDICTIVE;
  config.campaign.max_abandon_pct = 3.0;
  config.campaign.n_leads = n_leads;
  config.campaign.window_start_min = 0;
  config.campaign.window_end_min = 24 * 60;
  config.campaign.n_lead_zones = 1;
  config.campaign.lead_zones_min[0] = 120;
  config.campaign.lead_zone_weights[0] = 1.0;
  if (no_answer_only)
    {
      memset (config.campaign.odds, 0, sizeof config.campaign.odds);
      config.campaign.odds[CB_SIM_DISPOSITION_NO_ANSWER] = 1.0;
    }
  return cb_sim_engine_new (&config);
}

static CbSimEngine *
make_engine (guint    n_leads,
             gboolean no_answer_only)
{
  return make_engine_with (n_leads, no_answer_only, 1);
}

static void
start_with_engine (Fixture   *f,
                   guint      n_leads,
                   gboolean   no_answer_only)
{
  f->engine = make_engine (n_leads, no_answer_only);
  start_backend (f);
}

static JsonArray *
all_leads (CbConnection *client,
           const char   *list_id,
           CbMessage   **keep)
{
  g_autofree char *q = g_strdup_printf ("{\"filter\":{\"list_id\":\"%s\"},\"limit\":1000}", list_id);

  *keep = request (client, "lead.query", q, -1, NULL);
  assert_ok (*keep);
  return json_object_get_array_member ((*keep)->data, "items");
}

/* A lead without an answer is retried after delay_s, and no more than
 * max_attempts times: then it is exhausted. Changed over the protocol. */
static void
test_retry_rules (Fixture       *f,
                  gconstpointer  data)
{
  CbConnection *m;
  const CbSimEntity *c;
  g_autofree char *set = NULL;
  g_autoptr(CbMessage) r1 = NULL, r2 = NULL, leads_res = NULL;
  JsonArray *leads;
  guint exhausted = 0, retrying = 0, max_seen = 0, dnc = 0;
  gint64 t0;

  start_with_engine (f, 40, TRUE);
  m = connect_as (f, MANAGER_TOKEN);
  c = cb_sim_state_lookup (f->state, "campaign", "campaign-01");
  g_assert_nonnull (c);
  g_assert_cmpstr (json_object_get_string_member (c->data, "status"), ==, "running");
  set = g_strdup ("{\"id\":\"campaign-01\",\"set\":{\"retry_rules\":[{\"disposition\":\"no_answer\",\"delay_s\":1200,"
                  "\"max_attempts\":3}],\"default_retry\":{\"delay_s\":86400,\"max_attempts\":1}}}");
  r1 = request (m, "campaign.update", set, c->rev, NULL);
  assert_ok (r1);

  t0 = cb_sim_engine_get_now (f->engine);
  cb_sim_engine_advance_to (f->engine, t0 + 30 * 60 * 1000);
  cb_sim_config_store_flush (f->store);
  leads = all_leads (m, "ll-campaign-01", &leads_res);
  g_assert_cmpuint (json_array_get_length (leads), ==, 40);
  for (guint i = 0; i < json_array_get_length (leads); i++)
    {
      JsonObject *lead = json_array_get_object_element (leads, i);
      const char *status = json_object_get_string_member (lead, "status");

      if (g_str_equal (status, "retry"))
        {
          /* Due delay_s after the attempt ended: it rang for the ring timeout. */
          gint64 gap = json_object_get_int_member (lead, "next_attempt_at")
                       - json_object_get_int_member (lead, "last_attempt_at");

          g_assert_cmpint (gap, >=, 1200 * 1000);
          g_assert_cmpint (gap, <=, (1200 + 120) * 1000);
          g_assert_cmpstr (json_object_get_string_member (lead, "last_disposition"), ==, "no_answer");
          retrying++;
        }
    }
  g_assert_cmpuint (retrying, >, 0);

  cb_sim_engine_advance_to (f->engine, t0 + 6 * HOUR_MS);
  cb_sim_config_store_flush (f->store);
  g_clear_pointer (&leads_res, cb_message_unref);
  leads = all_leads (m, "ll-campaign-01", &leads_res);
  for (guint i = 0; i < json_array_get_length (leads); i++)
    {
      JsonObject *lead = json_array_get_object_element (leads, i);
      guint attempts = json_object_get_int_member (lead, "attempts");

      max_seen = MAX (max_seen, attempts);
      g_assert_cmpuint (attempts, <=, 3);
      if (g_str_equal (json_object_get_string_member (lead, "status"), "exhausted"))
        {
          g_assert_cmpuint (attempts, ==, 3);
          g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (lead, "next_attempt_at")));
          exhausted++;
        }
      else if (g_str_equal (json_object_get_string_member (lead, "status"), "dnc"))
        {
          /* The seed put this one's number on the internal DNC list: never dialed. */
          g_assert_cmpuint (attempts, ==, 0);
          dnc++;
        }
    }
  g_test_message ("%u of 40 leads exhausted after 3 attempts, %u skipped as DNC", exhausted, dnc);
  g_assert_cmpuint (max_seen, ==, 3);
  g_assert_cmpuint (dnc, ==, 1);
  g_assert_cmpuint (exhausted, ==, 39);
  g_assert_cmpint (json_object_get_int_member (cb_sim_state_lookup (f->state, "lead_list", "ll-campaign-01")->data,
                                               "dialable_count"), ==, 0);
  /* No dialable leads left: the server completes the campaign. */
  c = cb_sim_state_lookup (f->state, "campaign", "campaign-01");
  g_assert_cmpstr (json_object_get_string_member (c->data, "status"), ==, "completed");
  r2 = command (m, "campaign.start", "{\"id\":\"campaign-01\"}");
  assert_error (r2, "invalid_state");
}

/* The predictive campaign's drop rate stays under its cap, and pausing it
 * stops the dials. */
static void
test_predictive (Fixture       *f,
                 gconstpointer  data)
{
  CbConnection *s;
  const CbSimEntity *c;
  JsonObject *stats;
  g_autoptr(CbMessage) r1 = NULL;
  gint64 t0, dials;
  guint n_dialing_before;

  start_with_engine (f, 20000, FALSE);
  s = connect_as (f, SUPERVISOR_TOKEN);
  t0 = cb_sim_engine_get_now (f->engine);
  cb_sim_engine_advance_to (f->engine, t0 + 8 * HOUR_MS);
  cb_sim_config_store_flush (f->store);
  c = cb_sim_state_lookup (f->state, "campaign", "campaign-01");
  stats = json_object_get_object_member (c->data, "stats");
  g_test_message ("8 h: %" G_GINT64_FORMAT " dials, %" G_GINT64_FORMAT " persons, drop rate %.2f %%",
                  json_object_get_int_member (stats, "dials_today"), json_object_get_int_member (stats, "contacts_today"),
                  json_object_get_double_member (stats, "drop_rate_pct"));
  g_assert_cmpint (json_object_get_int_member (stats, "contacts_today"), >, 500);
  g_assert_cmpfloat (json_object_get_double_member (stats, "drop_rate_pct"), <, 3.0);
  g_assert_cmpint (json_object_get_int_member (stats, "leads_total"), ==, 20000);
  /* Persons who asked not to be called again are on the internal list; so
   * are the numbers the seed listed, which were never dialed. */
  {
    g_autoptr(CbMessage) dnc = request (s, "lead.query", "{\"filter\":{\"list_id\":\"ll-campaign-01\","
                                        "\"statuses\":[\"dnc\"]},\"limit\":1000}", -1, NULL);
    JsonArray *items = json_object_get_array_member (dnc->data, "items");
    guint asked = 0, skipped = 0;

    g_assert_cmpuint (json_array_get_length (items), >, 0);
    for (guint i = 0; i < json_array_get_length (items); i++)
      {
        JsonObject *lead = json_array_get_object_element (items, i);
        const char *number = json_object_get_string_member (json_array_get_object_element (
                               json_object_get_array_member (lead, "phone_numbers"), 0), "number");
        sqlite3_stmt *stmt = cb_sim_db_prepare (f->db, "SELECT count(*) FROM dnc_entries "
                                                "WHERE list_id = 'dnc-internal' AND number = ?");

        sqlite3_bind_text (stmt, 1, number, -1, SQLITE_TRANSIENT);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
        g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
        sqlite3_reset (stmt);
        if (json_object_get_int_member (lead, "attempts") == 0)
          {
            g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (lead, "last_disposition")));
            skipped++;
          }
        else
          {
            g_assert_cmpstr (json_object_get_string_member (lead, "last_disposition"), ==, "DNC");
            asked++;
          }
      }
    g_test_message ("dnc: %u asked not to be called, %u skipped on a DNC list", asked, skipped);
    g_assert_cmpuint (asked, >, 0);
    g_assert_cmpuint (skipped, >, 0);
  }

  r1 = command (s, "campaign.pause", "{\"id\":\"campaign-01\"}");
  g_assert_cmpstr (json_object_get_string_member (result_object (r1, "campaign"), "status"), ==, "paused");
  g_assert_cmpint (cb_sim_engine_get_campaign (f->engine, "campaign-01")->status, ==, CB_SIM_CAMPAIGN_PAUSED);
  /* Calls in progress finish; no new dials. */
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 5 * 60 * 1000);
  dials = cb_sim_engine_get_campaign (f->engine, "campaign-01")->stats.dials;
  n_dialing_before = cb_sim_engine_get_campaign (f->engine, "campaign-01")->stats.lines_dialing;
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + HOUR_MS);
  g_assert_cmpint (cb_sim_engine_get_campaign (f->engine, "campaign-01")->stats.dials, ==, dials);
  g_assert_cmpuint (n_dialing_before, ==, 0);

  /* Started again it dials; with another list instead of its own, it
   * dials that list's leads and no more of its own. */
  {
    g_autoptr(CbMessage) r2 = command (s, "campaign.start", "{\"id\":\"campaign-01\"}");
    CbConnection *m = connect_as (f, MANAGER_TOKEN);
    g_autoptr(CbMessage) r3 = NULL, web_res = NULL;
    const CbSimCampaign *ec = cb_sim_engine_get_campaign (f->engine, "campaign-01");
    guint64 own_attempts = 0, own_after = 0;
    guint web_dialed = 0;
    JsonArray *web;

    assert_ok (r2);
    g_assert_cmpint (ec->status, ==, CB_SIM_CAMPAIGN_RUNNING);
    c = cb_sim_state_lookup (f->state, "campaign", "campaign-01");
    r3 = request (m, "campaign.update", "{\"id\":\"campaign-01\",\"set\":{\"lead_lists\":[{\"list_id\":\"ll-web-leads\","
                  "\"priority\":1}]}}", c->rev, NULL);
    assert_ok (r3);
    g_assert_cmpstr (json_object_get_string_member (result_object (r3, "campaign"), "status"), ==, "running");
    g_assert_cmpint (ec->status, ==, CB_SIM_CAMPAIGN_RUNNING);
    g_assert_cmpuint (ec->stats.leads_total, ==, 300);
    for (guint i = 0; i < ec->n_leads; i++)
      own_attempts += cb_sim_engine_get_campaign_lead (f->engine, ec, i)->attempts;
    cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + HOUR_MS);
    cb_sim_config_store_flush (f->store);
    for (guint i = 0; i < ec->n_leads; i++)
      own_after += cb_sim_engine_get_campaign_lead (f->engine, ec, i)->attempts;
    web = all_leads (m, "ll-web-leads", &web_res);
    for (guint i = 0; i < json_array_get_length (web); i++)
      web_dialed += json_object_get_int_member (json_array_get_object_element (web, i), "attempts") > 0;
    g_test_message ("an hour on ll-web-leads: %u of 300 web leads dialed, %" G_GUINT64_FORMAT " new attempts on its own list",
                    web_dialed, own_after - own_attempts);
    g_assert_cmpuint (own_after, ==, own_attempts);
    g_assert_cmpuint (web_dialed, >, 100);
  }
}

static void
set_windows (Fixture      *f,
             CbConnection *client,
             const char   *rule_set_id,
             const char   *windows)
{
  const CbSimEntity *rs = cb_sim_state_lookup (f->state, "rule_set", rule_set_id);
  g_autofree char *data = g_strdup_printf ("{\"id\":\"%s\",\"set\":{\"calling_windows\":%s}}", rule_set_id, windows);
  g_autoptr(CbMessage) r = request (client, "rule_set.update", data, rs->rev, NULL);

  assert_ok (r);
}

/* The rule set's calling windows, in the lead's local time, decide when the
 * dialer may dial: closed, it stops; open again, it dials. */
static void
test_calling_windows (Fixture       *f,
                      gconstpointer  data)
{
  CbConnection *admin;
  const CbSimEntity *c;
  g_autofree char *rule_set = NULL;
  guint64 before, during, after;

  start_with_engine (f, 5000, FALSE);
  admin = connect_as (f, ADMIN_TOKEN);
  c = cb_sim_state_lookup (f->state, "campaign", "campaign-01");
  rule_set = g_strdup (json_object_get_string_member (c->data, "rule_set_id"));
  g_assert_nonnull (rule_set);

  /* Open every day from 06:00 to 23:00: the campaign dials. */
  set_windows (f, admin, rule_set, "[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"],"
               "\"start\":\"06:00\",\"end\":\"23:00\"}]");
  before = cb_sim_engine_get_campaign (f->engine, "campaign-01")->stats.dials;
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + HOUR_MS);
  during = cb_sim_engine_get_campaign (f->engine, "campaign-01")->stats.dials;
  g_assert_cmpuint (during, >, before + 50);

  /* Only a minute after midnight on Sundays: closed now, whatever the
   * leads' zones. Calls already ringing finish; nothing new is dialed. */
  set_windows (f, admin, rule_set, "[{\"days\":[\"sun\"],\"start\":\"00:00\",\"end\":\"00:01\"}]");
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 5 * 60 * 1000);
  during = cb_sim_engine_get_campaign (f->engine, "campaign-01")->stats.dials;
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + HOUR_MS);
  after = cb_sim_engine_get_campaign (f->engine, "campaign-01")->stats.dials;
  g_test_message ("dials: %" G_GUINT64_FORMAT " with the window open, then %" G_GUINT64_FORMAT " in an hour closed",
                  during - before, after - during);
  g_assert_cmpuint (after, ==, during);

  /* Open again: it dials again. */
  set_windows (f, admin, rule_set, "[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"],"
               "\"start\":\"00:00\",\"end\":\"23:59\"}]");
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + HOUR_MS);
  g_assert_cmpuint (cb_sim_engine_get_campaign (f->engine, "campaign-01")->stats.dials, >, after + 50);
}

/* The dialer's work survives a restart: a new engine (its leads all new)
 * gets each lead's attempts and state back from the database, and goes on
 * from there. */
static void
test_dialer_restart (Fixture       *f,
                     gconstpointer  data)
{
  CbConnection *m;
  const CbSimEntity *c;
  g_autoptr(CbMessage) r1 = NULL, res = NULL;
  JsonArray *leads;
  guint restored = 0, total_attempts = 0;

  start_with_engine (f, 40, TRUE);
  m = connect_as (f, MANAGER_TOKEN);
  c = cb_sim_state_lookup (f->state, "campaign", "campaign-01");
  r1 = request (m, "campaign.update", "{\"id\":\"campaign-01\",\"set\":{\"retry_rules\":[{\"disposition\":"
                "\"no_answer\",\"delay_s\":1200,\"max_attempts\":3}]}}", c->rev, NULL);
  assert_ok (r1);
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 40 * 60 * 1000);
  cb_sim_config_store_flush (f->store);

  stop_backend (f);
  g_clear_object (&f->engine);
  f->engine = make_engine (40, TRUE);
  start_backend (f);

  m = connect_as (f, MANAGER_TOKEN);
  leads = all_leads (m, "ll-campaign-01", &res);
  for (guint i = 0; i < json_array_get_length (leads); i++)
    {
      JsonObject *lead = json_array_get_object_element (leads, i);
      const CbSimLead *el = cb_sim_engine_get_lead (f->engine, json_object_get_string_member (lead, "id"));
      guint attempts = json_object_get_int_member (lead, "attempts");

      g_assert_nonnull (el);
      g_assert_cmpuint (el->attempts, ==, attempts);
      total_attempts += attempts;
      if (attempts > 0)
        {
          g_assert_cmpint (el->status, !=, CB_SIM_LEAD_NEW);
          restored++;
        }
    }
  g_test_message ("%u leads with %u attempts restored into a fresh dialer", restored, total_attempts);
  g_assert_cmpuint (restored, >, 0);
  /* The retry rules came back too: still no lead past 3 attempts. */
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 6 * HOUR_MS);
  cb_sim_config_store_flush (f->store);
  for (guint i = 0; i < 40; i++)
    g_assert_cmpuint (cb_sim_engine_get_campaign_lead (f->engine, cb_sim_engine_get_campaign_nth (f->engine, 0), i)->attempts,
                      <=, 3);
}

/* ---- the dialer honours the campaign's configuration ------------------------- */

typedef struct
{
  CbSimEngine *engine;
  gint64       since_ms;  /* calls dialed from then on */
  GHashTable  *seen;      /* call ids */
  GPtrArray   *dials;     /* Dial */
} DialRecorder;

typedef struct
{
  char   *lead_id;
  char   *campaign_id;
  char   *list_id;
  char   *number;
  guint   attempt;
  gint64  at_ms;
} Dial;

static void
dial_free (Dial *d)
{
  g_free (d->lead_id);
  g_free (d->campaign_id);
  g_free (d->list_id);
  g_free (d->number);
  g_free (d);
}

/* Every outbound call, once, as it is dialed. */
static void
on_call_change (CbSimEngine     *engine,
                CbSimChangeKind  kind,
                CbSimEntityType  type,
                const char      *id,
                gpointer         user_data)
{
  DialRecorder *rec = user_data;
  const CbSimCall *call;
  const CbSimLead *lead;
  Dial *d;

  if (type != CB_SIM_ENTITY_CALL || kind != CB_SIM_CHANGE_UPSERT || g_hash_table_contains (rec->seen, id))
    return;
  call = cb_sim_engine_get_call (engine, id);
  if (call == NULL || call->direction != CB_SIM_DIRECTION_OUTBOUND || call->lead_id == NULL
      || call->created_ms < rec->since_ms)
    return;
  g_hash_table_add (rec->seen, g_strdup (id));
  lead = cb_sim_engine_get_lead (engine, call->lead_id);
  d = g_new0 (Dial, 1);
  d->lead_id = g_strdup (call->lead_id);
  d->campaign_id = g_strdup (call->campaign_id);
  d->list_id = g_strdup (lead ? lead->list_id : "");
  d->number = g_strdup (call->customer_number);
  d->attempt = lead ? lead->attempts : 0;
  d->at_ms = call->created_ms;
  g_ptr_array_add (rec->dials, d);
}

/* Records the calls dialed from @since_ms on. */
static DialRecorder *
recorder_new (CbSimEngine *engine,
              gint64       since_ms)
{
  DialRecorder *rec = g_new0 (DialRecorder, 1);

  rec->engine = engine;
  rec->since_ms = since_ms;
  rec->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  rec->dials = g_ptr_array_new_with_free_func ((GDestroyNotify) dial_free);
  cb_sim_engine_add_listener (engine, on_call_change, rec, NULL);
  return rec;
}

static void
recorder_free (DialRecorder *rec)
{
  g_hash_table_unref (rec->seen);
  g_ptr_array_unref (rec->dials);
  g_free (rec);
}

static guint
dials_to (DialRecorder *rec,
          const char   *number,
          gint64        since_ms)
{
  guint n = 0;

  for (guint i = 0; i < rec->dials->len; i++)
    {
      const Dial *d = g_ptr_array_index (rec->dials, i);

      n += d->at_ms >= since_ms && g_str_equal (d->number, number);
    }
  return n;
}

static JsonObject *
lead_by_id (CbConnection *client,
            const char   *list_id,
            const char   *lead_id,
            CbMessage   **keep)
{
  g_autofree char *q = g_strdup_printf ("{\"filter\":{\"list_id\":\"%s\",\"ids\":[\"%s\"]}}", list_id, lead_id);
  JsonArray *items;

  *keep = request (client, "lead.query", q, -1, NULL);
  assert_ok (*keep);
  items = json_object_get_array_member ((*keep)->data, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  return json_array_get_object_element (items, 0);
}

static void
update_entity (Fixture      *f,
               CbConnection *client,
               const char   *op,
               const char   *type,
               const char   *id,
               const char   *set)
{
  g_autofree char *data = g_strdup_printf ("{\"id\":\"%s\",\"set\":%s}", id, set);
  g_autoptr(CbMessage) r = request (client, op, data, cb_sim_state_lookup (f->state, type, id)->rev, NULL);

  assert_ok (r);
}

/* A number on a DNC list of the campaign's rule set is never dialed, on
 * the internal list or on one added to the rule set; a list the rule set
 * does not check does not stop a dial. */
static void
test_dialer_dnc (Fixture       *f,
                 gconstpointer  data)
{
  const CbSimCampaign *ec;
  CbConnection *m, *s;
  DialRecorder *rec;
  g_autoptr(CbMessage) r1 = NULL, r2 = NULL, r3 = NULL, q1 = NULL, q2 = NULL, q3 = NULL;
  const char *vendor, *other;
  const CbSimLead *internal_lead, *vendor_lead, *unchecked_lead;
  JsonObject *lead;
  guint dialed = 0;
  gint64 t0;

  start_with_engine (f, 400, FALSE);
  m = connect_as (f, MANAGER_TOKEN);
  s = connect_as (f, SUPERVISOR_TOKEN);
  rec = recorder_new (f->engine, cb_sim_engine_get_now (f->engine) + 1);
  ec = cb_sim_engine_get_campaign (f->engine, "campaign-01");
  internal_lead = cb_sim_engine_get_campaign_lead (f->engine, ec, 200);
  vendor_lead = cb_sim_engine_get_campaign_lead (f->engine, ec, 201);
  unchecked_lead = cb_sim_engine_get_campaign_lead (f->engine, ec, 202);
  g_assert_cmpint (internal_lead->attempts, ==, 0);

  r1 = request (m, "dnc_list.create", "{\"name\":\"Vendor suppression\",\"kind\":\"vendor\"}", -1, NULL);
  vendor = json_object_get_string_member (result_object (r1, "dnc_list"), "id");
  r2 = request (m, "dnc_list.create", "{\"name\":\"Not checked\",\"kind\":\"vendor\"}", -1, NULL);
  other = json_object_get_string_member (result_object (r2, "dnc_list"), "id");
  {
    g_autofree char *set = g_strdup_printf ("{\"dnc_list_ids\":[\"dnc-internal\",\"dnc-national-us\",\"%s\"]}", vendor);

    update_entity (f, m, "rule_set.update", "rule_set", "rs-us-tsr", set);
  }
  {
    g_autofree char *a = g_strdup_printf ("{\"list_id\":\"dnc-internal\",\"number\":\"%s\",\"expires_at\":null,\"note\":null}",
                                          internal_lead->phone);
    g_autofree char *b = g_strdup_printf ("{\"list_id\":\"%s\",\"number\":\"%s\",\"expires_at\":null,\"note\":null}",
                                          vendor, vendor_lead->phone);
    g_autofree char *c = g_strdup_printf ("{\"list_id\":\"%s\",\"number\":\"%s\",\"expires_at\":null,\"note\":null}",
                                          other, unchecked_lead->phone);
    g_autoptr(CbMessage) ra = command (s, "dnc.add", a);
    g_autoptr(CbMessage) rb = command (s, "dnc.add", b);
    g_autoptr(CbMessage) rc = command (s, "dnc.add", c);

    assert_ok (ra);
    assert_ok (rb);
    assert_ok (rc);
  }

  t0 = cb_sim_engine_get_now (f->engine);
  cb_sim_engine_advance_to (f->engine, t0 + 6 * HOUR_MS);
  cb_sim_config_store_flush (f->store);
  for (guint i = 0; i < ec->n_leads; i++)
    dialed += cb_sim_engine_get_campaign_lead (f->engine, ec, i)->attempts > 0;
  g_test_message ("6 h: %u dials, %u of %u leads dialed; DNC'd numbers dialed %u and %u times, "
                  "the unchecked list's %u times; %u leads skipped as DNC",
                  rec->dials->len, dialed, ec->n_leads, dials_to (rec, internal_lead->phone, t0),
                  dials_to (rec, vendor_lead->phone, t0), dials_to (rec, unchecked_lead->phone, t0),
                  ec->stats.leads_skipped_dnc);
  g_assert_cmpuint (dialed, >, 300);
  g_assert_cmpuint (dials_to (rec, internal_lead->phone, t0), ==, 0);
  g_assert_cmpuint (dials_to (rec, vendor_lead->phone, t0), ==, 0);
  g_assert_cmpuint (dials_to (rec, unchecked_lead->phone, t0), >, 0);
  /* The seed's internal entries (one lead in 97) were skipped too. */
  for (guint i = 0; i < rec->dials->len; i++)
    {
      const Dial *d = g_ptr_array_index (rec->dials, i);

      g_assert_false (g_str_has_suffix (d->lead_id, "-000014"));
      g_assert_false (g_str_has_suffix (d->lead_id, "-000111"));
    }

  /* lead.query says so: status dnc, no attempt. */
  lead = lead_by_id (m, "ll-campaign-01", internal_lead->id, &q1);
  g_assert_cmpstr (json_object_get_string_member (lead, "status"), ==, "dnc");
  g_assert_cmpint (json_object_get_int_member (lead, "attempts"), ==, 0);
  lead = lead_by_id (m, "ll-campaign-01", vendor_lead->id, &q2);
  g_assert_cmpstr (json_object_get_string_member (lead, "status"), ==, "dnc");
  lead = lead_by_id (m, "ll-campaign-01", unchecked_lead->id, &q3);
  g_assert_cmpint (json_object_get_int_member (lead, "attempts"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (lead, "status"), !=, "dnc");
  /* A skipped lead is not one an agent put on the internal list. */
  {
    g_autofree char *check = g_strdup_printf ("{\"number\":\"%s\",\"list_ids\":[\"dnc-internal\"]}",
                                              vendor_lead->phone);

    r3 = request (s, "dnc.check", check, -1, NULL);
    assert_ok (r3);
    g_assert_false (json_object_get_boolean_member (r3->data, "listed"));
  }
  recorder_free (rec);
}

/* A DNC entry added while the campaign runs stops the next dial of that
 * number; the campaign's other leads go on. */
static void
test_dialer_dnc_mid_run (Fixture       *f,
                         gconstpointer  data)
{
  const CbSimCampaign *ec;
  CbConnection *m, *s;
  DialRecorder *rec;
  g_autoptr(CbMessage) q = NULL;
  const CbSimLead *target = NULL;
  JsonObject *lead;
  guint others = 0;
  gint64 t1;

  start_with_engine (f, 40, TRUE);
  m = connect_as (f, MANAGER_TOKEN);
  s = connect_as (f, SUPERVISOR_TOKEN);
  rec = recorder_new (f->engine, cb_sim_engine_get_now (f->engine) + 1);
  update_entity (f, m, "campaign.update", "campaign", "campaign-01",
                 "{\"retry_rules\":[{\"disposition\":\"no_answer\",\"delay_s\":1200,\"max_attempts\":3}]}");
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 10 * 60 * 1000);
  ec = cb_sim_engine_get_campaign (f->engine, "campaign-01");
  for (guint i = 0; i < ec->n_leads && target == NULL; i++)
    {
      const CbSimLead *l = cb_sim_engine_get_campaign_lead (f->engine, ec, i);

      if (l->status == CB_SIM_LEAD_RETRY && l->attempts == 1)
        target = l;
    }
  g_assert_nonnull (target);
  {
    g_autofree char *add = g_strdup_printf ("{\"list_id\":\"dnc-internal\",\"number\":\"%s\",\"expires_at\":null,"
                                            "\"note\":\"asked by letter\"}", target->phone);
    g_autoptr(CbMessage) r = command (s, "dnc.add", add);

    assert_ok (r);
  }
  t1 = cb_sim_engine_get_now (f->engine);
  cb_sim_engine_advance_to (f->engine, t1 + 6 * HOUR_MS);
  cb_sim_config_store_flush (f->store);
  for (guint i = 0; i < rec->dials->len; i++)
    {
      const Dial *d = g_ptr_array_index (rec->dials, i);

      others += d->at_ms >= t1 && !g_str_equal (d->number, target->phone);
    }
  g_test_message ("after the entry: %u dials to it, %u to the others", dials_to (rec, target->phone, t1), others);
  g_assert_cmpuint (dials_to (rec, target->phone, t1), ==, 0);
  g_assert_cmpuint (others, >, 30);
  g_assert_cmpuint (target->attempts, ==, 1);
  lead = lead_by_id (m, "ll-campaign-01", target->id, &q);
  g_assert_cmpstr (json_object_get_string_member (lead, "status"), ==, "dnc");
  g_assert_cmpint (json_object_get_int_member (lead, "attempts"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (lead, "last_disposition"), ==, "no_answer");
  recorder_free (rec);
}

/* The rule set's max_attempts: never more than 2 dials of a lead within 24
 * hours, however often the retry rules would retry; a lead over the limit
 * waits for the window and is dialed again after it. */
static void
test_dialer_attempt_limits (Fixture       *f,
                            gconstpointer  data)
{
  CbConnection *m;
  DialRecorder *rec;
  g_autoptr(GHashTable) times = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_array_unref);
  g_autoptr(CbMessage) res = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint worst = 0, past_window = 0, waiting = 0;
  JsonArray *leads;
  gint64 t0;

  start_with_engine (f, 40, TRUE);
  m = connect_as (f, MANAGER_TOKEN);
  update_entity (f, m, "rule_set.update", "rule_set", "rs-us-tsr",
                 "{\"max_attempts\":[{\"window_h\":24,\"max\":2,\"scope\":\"lead\"}],"
                 "\"calling_windows\":[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"],"
                 "\"start\":\"00:00\",\"end\":\"24:00\"}]}");
  update_entity (f, m, "campaign.update", "campaign", "campaign-01",
                 "{\"retry_rules\":[{\"disposition\":\"no_answer\",\"delay_s\":600,\"max_attempts\":10}]}");
  rec = recorder_new (f->engine, cb_sim_engine_get_now (f->engine) + 1);
  t0 = cb_sim_engine_get_now (f->engine);

  cb_sim_engine_advance_to (f->engine, t0 + 6 * HOUR_MS);
  cb_sim_config_store_flush (f->store);
  /* Two attempts each, then waiting a day from the first: status retry. */
  leads = all_leads (m, "ll-campaign-01", &res);
  for (guint i = 0; i < json_array_get_length (leads); i++)
    {
      JsonObject *lead = json_array_get_object_element (leads, i);

      if (json_object_get_int_member (lead, "attempts") == 2
          && g_str_equal (json_object_get_string_member (lead, "status"), "retry"))
        {
          g_assert_cmpint (json_object_get_int_member (lead, "next_attempt_at"), >=,
                           t0 + 24 * HOUR_MS - 10 * 60 * 1000);
          waiting++;
        }
    }
  g_assert_cmpuint (waiting, >, 30);

  cb_sim_engine_advance_to (f->engine, t0 + 60 * HOUR_MS);
  for (guint i = 0; i < rec->dials->len; i++)
    {
      const Dial *d = g_ptr_array_index (rec->dials, i);
      GArray *a = g_hash_table_lookup (times, d->lead_id);

      if (a == NULL)
        {
          a = g_array_new (FALSE, FALSE, sizeof (gint64));
          g_hash_table_insert (times, d->lead_id, a);
        }
      g_array_append_val (a, d->at_ms);
    }
  g_hash_table_iter_init (&iter, times);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *a = value;

      for (guint i = 0; i < a->len; i++)
        {
          guint in_window = 0;

          for (guint j = i; j < a->len; j++)
            in_window += g_array_index (a, gint64, j) < g_array_index (a, gint64, i) + 24 * HOUR_MS;
          worst = MAX (worst, in_window);
        }
      past_window += a->len > 2;
    }
  g_test_message ("60 h: %u dials to %u leads; at most %u in any 24 h; %u leads dialed again after the window; "
                  "%u waiting after 6 h", rec->dials->len, g_hash_table_size (times), worst, past_window, waiting);
  g_assert_cmpuint (worst, ==, 2);
  g_assert_cmpuint (past_window, >, 30);
  recorder_free (rec);
}

/* The campaign's schedule: dials only inside its windows, in its zone,
 * and not on an excluded date. */
static void
test_dialer_schedule (Fixture       *f,
                      gconstpointer  data)
{
  CbConnection *m;
  DialRecorder *rec;
  const CbSimCampaign *ec;
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Europe/Tallinn");
  guint per_day[3] = { 0 }, outside = 0;
  gint64 t0, quiet;
  guint64 dials;

  start_with_engine (f, 5000, FALSE);
  m = connect_as (f, MANAGER_TOKEN);
  ec = cb_sim_engine_get_campaign (f->engine, "campaign-01");
  update_entity (f, m, "rule_set.update", "rule_set", "rs-us-tsr",
                 "{\"calling_windows\":[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"],"
                 "\"start\":\"00:00\",\"end\":\"24:00\"}]}");
  /* Monday 2026-11-23 08:00 in Tallinn: the engine's start. */
  update_entity (f, m, "campaign.update", "campaign", "campaign-01",
                 "{\"schedule\":{\"time_zone\":\"Europe/Tallinn\",\"windows\":[{\"days\":[\"mon\",\"tue\",\"wed\"],"
                 "\"start\":\"10:00\",\"end\":\"11:00\"}],\"start_date\":null,\"end_date\":null,"
                 "\"exclude_dates\":[\"2026-11-24\"]}}");
  g_assert_false (ec->in_schedule);
  rec = recorder_new (f->engine, cb_sim_engine_get_now (f->engine) + 1);
  t0 = cb_sim_engine_get_now (f->engine);
  dials = ec->stats.dials;
  quiet = cb_sim_local_time_ms ("Europe/Tallinn", 2026, 11, 23, 10, 0);
  cb_sim_engine_advance_to (f->engine, quiet - 1);
  g_assert_cmpuint (ec->stats.dials, ==, dials);
  g_assert_cmpstr (json_object_get_string_member (cb_sim_state_lookup (f->state, "campaign", "campaign-01")->data,
                                                  "status"), ==, "running");

  cb_sim_engine_advance_to (f->engine, cb_sim_local_time_ms ("Europe/Tallinn", 2026, 11, 25, 18, 0));
  for (guint i = 0; i < rec->dials->len; i++)
    {
      const Dial *d = g_ptr_array_index (rec->dials, i);
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (d->at_ms / 1000);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, tz);
      int day = g_date_time_get_day_of_month (local);

      if (g_date_time_get_hour (local) != 10 || day < 23 || day > 25)
        outside++;
      else
        per_day[day - 23]++;
    }
  g_test_message ("%u dials since %" G_GINT64_FORMAT ": Mon 10–11 %u, Tue (excluded) %u, Wed 10–11 %u, outside %u",
                  rec->dials->len, t0, per_day[0], per_day[1], per_day[2], outside);
  g_assert_cmpuint (outside, ==, 0);
  g_assert_cmpuint (per_day[0], >, 50);
  g_assert_cmpuint (per_day[1], ==, 0);
  g_assert_cmpuint (per_day[2], >, 50);
  recorder_free (rec);
}

/* The rule set's exclude_dates: no dial on such a date of the lead's own
 * calendar (the leads are at UTC+2 here). */
static void
test_dialer_exclude_dates (Fixture       *f,
                           gconstpointer  data)
{
  CbConnection *m;
  DialRecorder *rec;
  guint on_23 = 0, on_24 = 0;

  start_with_engine (f, 5000, FALSE);
  m = connect_as (f, MANAGER_TOKEN);
  update_entity (f, m, "rule_set.update", "rule_set", "rs-us-tsr",
                 "{\"calling_windows\":[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"],"
                 "\"start\":\"00:00\",\"end\":\"24:00\"}],\"exclude_dates\":[\"2026-11-23\"]}");
  rec = recorder_new (f->engine, cb_sim_engine_get_now (f->engine) + 1);
  cb_sim_engine_advance_to (f->engine, cb_sim_local_time_ms ("Europe/Tallinn", 2026, 11, 24, 12, 0));
  for (guint i = 0; i < rec->dials->len; i++)
    {
      const Dial *d = g_ptr_array_index (rec->dials, i);
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (d->at_ms / 1000);
      g_autoptr(GDateTime) local = g_date_time_add_minutes (utc, 120);

      on_23 += g_date_time_get_day_of_month (local) == 23;
      on_24 += g_date_time_get_day_of_month (local) == 24;
    }
  g_test_message ("dials on the excluded 23rd: %u, on the 24th: %u", on_23, on_24);
  g_assert_cmpuint (on_23, ==, 0);
  g_assert_cmpuint (on_24, >, 100);
  recorder_free (rec);
}

/* Leads of every list the campaign has: a list created and uploaded while
 * it runs is dialed, before a list of lower priority; an inactive list is
 * not dialed; leads uploaded later join. */
static void
test_dialer_lead_lists (Fixture       *f,
                        gconstpointer  data)
{
  CbConnection *m;
  DialRecorder *rec;
  const CbSimCampaign *ec;
  g_autoptr(CbMessage) l = NULL, up = NULL, up2 = NULL, res = NULL;
  g_autoptr(GString) rows = g_string_new (NULL);
  g_autofree char *list_id = NULL;
  g_autofree char *lists = NULL;
  guint last_hot = 0, first_own_fresh = G_MAXUINT, hot_dialed = 0, late_dialed = 0;
  guint own_before, own_after = 0;
  JsonArray *leads;
  gint64 t1;

  start_with_engine (f, 2000, FALSE);
  m = connect_as (f, MANAGER_TOKEN);
  ec = cb_sim_engine_get_campaign (f->engine, "campaign-01");
  /* Not the calls of the first instant, before the lists changed. */
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 1000);
  rec = recorder_new (f->engine, cb_sim_engine_get_now (f->engine));

  l = request (m, "lead_list.create", "{\"name\":\"Hot leads\",\"default_time_zone\":\"Europe/Tallinn\"}", -1, NULL);
  assert_ok (l);
  list_id = g_strdup (json_object_get_string_member (result_object (l, "lead_list"), "id"));
  for (guint i = 0; i < 60; i++)
    g_string_append_printf (rows, "%s{\"row\":%u,\"phone_numbers\":[{\"number\":\"+3725%07u\",\"type\":\"mobile\"}],"
                            "\"first_name\":\"Hot %u\"}", i ? "," : "", i + 1, 1000000 + i, i + 1);
  {
    g_autofree char *chunk = g_strdup_printf ("{\"upload_id\":\"hot-1\",\"list_id\":\"%s\",\"chunk\":1,\"last\":true,"
                                              "\"rows\":[%s]}", list_id, rows->str);

    up = request (m, "lead.upload", chunk, -1, NULL);
    assert_ok (up);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (up->data, "totals"), "created"), ==, 60);
  }
  lists = g_strdup_printf ("{\"lead_lists\":[{\"list_id\":\"ll-campaign-01\",\"priority\":1},"
                           "{\"list_id\":\"%s\",\"priority\":10}]}", list_id);
  update_entity (f, m, "campaign.update", "campaign", "campaign-01", lists);
  g_assert_cmpuint (ec->stats.leads_total, ==, 2060);
  t1 = cb_sim_engine_get_now (f->engine);
  cb_sim_engine_advance_to (f->engine, t1 + 30 * 60 * 1000);

  for (guint i = 0; i < rec->dials->len; i++)
    {
      const Dial *d = g_ptr_array_index (rec->dials, i);

      if (g_str_equal (d->list_id, list_id) && d->attempt == 1)
        {
          last_hot = i;
          hot_dialed++;
        }
      else if (d->attempt == 1 && first_own_fresh == G_MAXUINT)
        first_own_fresh = i;
    }
  g_test_message ("30 min: %u dials; the 60 hot leads first dialed by dial %u, the first fresh lead of the "
                  "lower list at dial %u", rec->dials->len, last_hot, first_own_fresh);
  g_assert_cmpuint (hot_dialed, ==, 60);
  g_assert_cmpuint (first_own_fresh, !=, G_MAXUINT);
  g_assert_cmpuint (first_own_fresh, >, last_hot);

  /* The own list made inactive: not dialed any more; the hot list is. */
  update_entity (f, m, "lead_list.update", "lead_list", "ll-campaign-01", "{\"active\":false}");
  g_assert_cmpuint (ec->stats.leads_total, ==, 60);
  /* Dials already ringing finish; then nothing more of it. */
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 60 * 1000);
  own_before = rec->dials->len;
  g_string_truncate (rows, 0);
  for (guint i = 0; i < 20; i++)
    g_string_append_printf (rows, "%s{\"row\":%u,\"phone_numbers\":[{\"number\":\"+3725%07u\",\"type\":\"mobile\"}]}",
                            i ? "," : "", i + 1, 2000000 + i);
  {
    g_autofree char *chunk = g_strdup_printf ("{\"upload_id\":\"hot-2\",\"list_id\":\"%s\",\"chunk\":1,\"last\":true,"
                                              "\"rows\":[%s]}", list_id, rows->str);

    up2 = request (m, "lead.upload", chunk, -1, NULL);
    assert_ok (up2);
  }
  g_assert_cmpuint (ec->stats.leads_total, ==, 80);
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 30 * 60 * 1000);
  cb_sim_config_store_flush (f->store);
  for (guint i = own_before; i < rec->dials->len; i++)
    own_after += !g_str_equal (((const Dial *) g_ptr_array_index (rec->dials, i))->list_id, list_id);
  leads = all_leads (m, list_id, &res);
  for (guint i = 0; i < json_array_get_length (leads); i++)
    {
      JsonObject *lead = json_array_get_object_element (leads, i);

      if (g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (
            json_object_get_array_member (lead, "phone_numbers"), 0), "number"), "+37252"))
        late_dialed += json_object_get_int_member (lead, "attempts") > 0;
    }
  g_test_message ("inactive own list: %u dials to it; %u of the 20 leads uploaded later dialed",
                  own_after, late_dialed);
  g_assert_cmpuint (own_after, ==, 0);
  g_assert_cmpuint (late_dialed, ==, 20);
  recorder_free (rec);
}

/* A list two simulated campaigns have is dialed by the first; when that
 * one lets it go, the other dials it. */
static void
test_dialer_list_hand_over (Fixture       *f,
                            gconstpointer  data)
{
  CbConnection *m;
  DialRecorder *rec;
  guint first_before = 0, second_before = 0, first_after = 0, second_after = 0;
  g_autoptr(CbMessage) r = NULL;
  gint64 t1;

  f->engine = make_engine_with (200, FALSE, 2);
  start_backend (f);
  m = connect_as (f, MANAGER_TOKEN);
  update_entity (f, m, "campaign.update", "campaign", "campaign-01",
                 "{\"lead_lists\":[{\"list_id\":\"ll-campaign-01\",\"priority\":1},"
                 "{\"list_id\":\"ll-web-leads\",\"priority\":5}]}");
  update_entity (f, m, "campaign.update", "campaign", "campaign-02",
                 "{\"lead_lists\":[{\"list_id\":\"ll-campaign-02\",\"priority\":1},"
                 "{\"list_id\":\"ll-web-leads\",\"priority\":5}]}");
  r = command (m, "campaign.start", "{\"id\":\"campaign-02\"}");
  assert_ok (r);
  rec = recorder_new (f->engine, cb_sim_engine_get_now (f->engine) + 1);
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 10 * HOUR_MS);
  for (guint i = 0; i < rec->dials->len; i++)
    {
      const Dial *d = g_ptr_array_index (rec->dials, i);

      if (g_str_equal (d->list_id, "ll-web-leads"))
        {
          first_before += g_str_equal (d->campaign_id, "campaign-01");
          second_before += g_str_equal (d->campaign_id, "campaign-02");
        }
    }

  /* campaign-01 lets it go. */
  update_entity (f, m, "campaign.update", "campaign", "campaign-01",
                 "{\"lead_lists\":[{\"list_id\":\"ll-campaign-01\",\"priority\":1}]}");
  t1 = cb_sim_engine_get_now (f->engine);
  cb_sim_engine_advance_to (f->engine, t1 + 3 * HOUR_MS);
  for (guint i = 0; i < rec->dials->len; i++)
    {
      const Dial *d = g_ptr_array_index (rec->dials, i);

      if (d->at_ms > t1 && g_str_equal (d->list_id, "ll-web-leads"))
        {
          first_after += g_str_equal (d->campaign_id, "campaign-01");
          second_after += g_str_equal (d->campaign_id, "campaign-02");
        }
    }
  g_test_message ("web leads dialed by campaign-01 / campaign-02: %u / %u, then %u / %u",
                  first_before, second_before, first_after, second_after);
  g_assert_cmpuint (first_before, >, 0);
  g_assert_cmpuint (second_before, ==, 0);
  g_assert_cmpuint (first_after, ==, 0);
  g_assert_cmpuint (second_after, >, 0);
  g_assert_cmpuint (cb_sim_engine_get_campaign (f->engine, "campaign-01")->stats.leads_total, ==, 200);
  recorder_free (rec);
}

/* Agents record the catalog's dispositions: sales are successes, so the
 * console can compute a conversion rate (metrics.md §7). */
static void
test_dialer_dispositions (Fixture       *f,
                          gconstpointer  data)
{
  guint contacts = 0, sales = 0, n = 0;
  double rate;

  start_with_engine (f, 20000, FALSE);
  cb_sim_engine_advance_to (f->engine, cb_sim_engine_get_now (f->engine) + 4 * HOUR_MS);
  n = cb_sim_engine_get_history_length (f->engine);
  for (guint i = 0; i < n; i++)
    {
      const CbSimCall *call = cb_sim_engine_get_history_nth (f->engine, i);
      const char *code = cb_sim_disposition_to_code (call->disposition);
      const CbSimEntity *d;

      if (call->direction != CB_SIM_DIRECTION_OUTBOUND)
        continue;
      if (call->answered_ms > 0 && call->end_reason != CB_SIM_END_MACHINE)
        contacts++;
      if (code == NULL)
        {
          /* No agent, no disposition. */
          g_assert_true (call->connected_ms == 0);
          continue;
        }
      d = cb_sim_state_lookup (f->state, "disposition", code);
      g_assert_nonnull (d);
      if (g_str_equal (json_object_get_string_member (d->data, "category"), "success"))
        {
          g_assert_cmpstr (code, ==, "SALE");
          g_assert_true (call->converted);
          sales++;
        }
    }
  rate = contacts > 0 ? 100.0 * sales / contacts : 0.0;
  g_test_message ("4 h: %u contacts, %u sales: conversion %.1f %%", contacts, sales, rate);
  g_assert_cmpuint (sales, >, 0);
  g_assert_cmpfloat (rate, >, 3.0);
  g_assert_cmpfloat (rate, <, 20.0);
}

/* The seed data depends on the seed only. */
static char *
seed_checksum (Fixture *f,
               guint64  seed,
               const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  CbSimState *state = cb_sim_state_new ();
  CbSimServer *server = cb_sim_server_new (state, f->users, "callboard-sim", "Europe/Tallinn");
  CbSimDb *db = cb_sim_db_open (path, &error);
  CbSimConfigStore *store;
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  sqlite3_stmt *stmt;
  char *result;

  g_assert_no_error (error);
  store = cb_sim_config_store_new (state, server, db, NULL, seed);
  stmt = cb_sim_db_prepare (db, "SELECT id, list_id, phones, name, json_extract (json, '$.custom') FROM leads ORDER BY id");
  while (sqlite3_step (stmt) == SQLITE_ROW)
    for (int c = 0; c < 5; c++)
      g_checksum_update (sum, sqlite3_column_text (stmt, c), -1);
  sqlite3_reset (stmt);
  stmt = cb_sim_db_prepare (db, "SELECT id, number FROM dnc_entries ORDER BY id");
  while (sqlite3_step (stmt) == SQLITE_ROW)
    for (int c = 0; c < 2; c++)
      g_checksum_update (sum, sqlite3_column_text (stmt, c), -1);
  sqlite3_reset (stmt);
  result = g_strdup (g_checksum_get_string (sum));

  g_checksum_free (sum);
  cb_sim_config_store_free (store);
  g_assert_finalize_object (server);
  cb_sim_db_free (db);
  cb_sim_state_free (state);
  return result;
}

static void
test_seed_deterministic (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *a = seed_checksum (f, 5, "a.db");
  g_autofree char *b = seed_checksum (f, 5, "b.db");
  g_autofree char *c = seed_checksum (f, 6, "c.db");

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/callboard/sim-config/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_ENGINE(path, func) g_test_add ("/callboard/sim-config/" path, Fixture, "engine", fixture_set_up, func, fixture_tear_down)
  ADD ("seed", test_seed);
  ADD_ENGINE ("seed-deterministic", test_seed_deterministic);
  ADD ("campaign-edit", test_campaign_edit);
  ADD ("campaign-control", test_campaign_control);
  ADD ("permissions", test_permissions);
  ADD ("idempotency", test_idempotency);
  ADD ("read-your-writes", test_read_your_writes);
  ADD ("paging", test_paging);
  ADD ("leads", test_leads);
  ADD ("lead-upload", test_lead_upload);
  ADD ("dnc", test_dnc);
  ADD ("rule-sets-and-catalogs", test_rule_sets_and_catalogs);
  ADD ("qa-and-history", test_qa);
  ADD ("persistence", test_persistence);
  ADD ("hostile-input", test_hostile_input);
  ADD ("hostile-frames", test_hostile_frames);
  ADD_ENGINE ("retry-rules", test_retry_rules);
  ADD_ENGINE ("predictive", test_predictive);
  ADD_ENGINE ("calling-windows", test_calling_windows);
  ADD_ENGINE ("dialer-restart", test_dialer_restart);
  ADD_ENGINE ("dialer-dnc", test_dialer_dnc);
  ADD_ENGINE ("dialer-dnc-mid-run", test_dialer_dnc_mid_run);
  ADD_ENGINE ("dialer-attempt-limits", test_dialer_attempt_limits);
  ADD_ENGINE ("dialer-schedule", test_dialer_schedule);
  ADD_ENGINE ("dialer-exclude-dates", test_dialer_exclude_dates);
  ADD_ENGINE ("dialer-lead-lists", test_dialer_lead_lists);
  ADD_ENGINE ("dialer-list-hand-over", test_dialer_list_hand_over);
  ADD_ENGINE ("dialer-dispositions", test_dialer_dispositions);

  return g_test_run ();
}
