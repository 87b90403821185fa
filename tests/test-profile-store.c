/* test-profile-store.c — backend profiles and their tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "cb-profile-store.h"

static GSettings *
new_settings (void)
{
  GSettings *settings = g_settings_new ("io.github.callboard.Callboard");

  g_settings_reset (settings, "profiles");
  g_settings_reset (settings, "active-profile");
  g_settings_reset (settings, "profile-certificates");
  return settings;
}

static void
wait_for_probe (CbProfileStore *store)
{
  /* The store probes the secret service on construction and holds a
   * reference until the probe answers (or times out after 5 s). */
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (G_OBJECT (store)->ref_count > 1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
test_demo_first (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  CbProfileStore *store = cb_profile_store_new (settings);
  g_autoptr(CbProfile) first = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == CB_TYPE_PROFILE);
  g_assert_cmpstr (cb_profile_get_id (first), ==, CB_PROFILE_DEMO_ID);
  g_assert_true (cb_profile_is_builtin (first));
  g_assert_cmpstr (cb_profile_get_name (first), !=, "");
  g_assert_true (cb_profile_store_get_active (store) == first);

  g_assert_false (cb_profile_store_remove (store, CB_PROFILE_DEMO_ID, &error));
  g_assert_error (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_BUILTIN);
  g_clear_error (&error);
  g_assert_false (cb_profile_store_update (store, CB_PROFILE_DEMO_ID, "x", "ws://h", &error));
  g_assert_error (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_BUILTIN);

  wait_for_probe (store);
  g_assert_finalize_object (store);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *log)
{
  log[0] = position;
  log[1] = removed;
  log[2] = added;
}

static void
test_add_update_remove (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  CbProfileStore *store = cb_profile_store_new (settings);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stored = NULL;
  guint log[3] = { 99, 99, 99 };
  CbProfile *profile;
  g_autofree char *id = NULL;

  g_signal_connect (store, "items-changed", G_CALLBACK (on_items_changed), log);

  /* invalid input is refused, nothing is added */
  g_assert_null (cb_profile_store_add (store, "   ", "wss://pbx.example.com/cb", &error));
  g_assert_error (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_INVALID_NAME);
  g_clear_error (&error);
  g_assert_null (cb_profile_store_add (store, "Tallinn", "https://pbx.example.com", &error));
  g_assert_error (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_INVALID_URL);
  g_clear_error (&error);
  g_assert_null (cb_profile_store_add (store, "Tallinn", "wss://", &error));
  g_assert_error (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_INVALID_URL);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_cmpuint (log[0], ==, 99);

  profile = cb_profile_store_add (store, "  Tallinn floor ", "wss://pbx.example.com:8443/cb", &error);
  g_assert_no_error (error);
  g_assert_nonnull (profile);
  id = g_strdup (cb_profile_get_id (profile));
  g_assert_cmpstr (cb_profile_get_name (profile), ==, "Tallinn floor");
  g_assert_false (cb_profile_is_builtin (profile));
  g_assert_cmpuint (log[0], ==, 1);
  g_assert_cmpuint (log[1], ==, 0);
  g_assert_cmpuint (log[2], ==, 1);

  stored = g_settings_get_value (settings, "profiles");
  g_assert_cmpuint (g_variant_n_children (stored), ==, 1);
  g_clear_pointer (&stored, g_variant_unref);

  g_assert_true (cb_profile_store_update (store, id, "Kraków", "ws://10.0.0.5/cb", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cb_profile_get_url (profile), ==, "ws://10.0.0.5/cb");
  g_assert_false (cb_profile_store_update (store, id, "Kraków", "ftp://x", &error));
  g_assert_error (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_INVALID_URL);
  g_clear_error (&error);
  g_assert_cmpstr (cb_profile_get_url (profile), ==, "ws://10.0.0.5/cb");

  cb_profile_store_set_active (store, profile);
  g_assert_true (cb_profile_store_get_active (store) == profile);
  {
    g_autofree char *active = g_settings_get_string (settings, "active-profile");
    g_assert_cmpstr (active, ==, id);
  }

  /* A second store on the same settings sees the same profiles. */
  {
    CbProfileStore *other = cb_profile_store_new (settings);
    CbProfile *same = cb_profile_store_lookup (other, id);

    g_assert_nonnull (same);
    g_assert_cmpstr (cb_profile_get_name (same), ==, "Kraków");
    g_assert_true (cb_profile_store_get_active (other) == same);
    wait_for_probe (other);
    g_assert_finalize_object (other);
  }

  g_assert_true (cb_profile_store_remove (store, id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (log[0], ==, 1);
  g_assert_cmpuint (log[1], ==, 1);
  g_assert_cmpuint (log[2], ==, 0);
  g_assert_null (cb_profile_store_lookup (store, id));
  g_assert_cmpstr (cb_profile_get_id (cb_profile_store_get_active (store)), ==, CB_PROFILE_DEMO_ID);
  g_assert_false (cb_profile_store_remove (store, id, &error));
  g_assert_error (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_NOT_FOUND);

  wait_for_probe (store);
  g_assert_finalize_object (store);
}

static void
test_corrupt_settings (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  CbProfileStore *store;

  /* duplicates, an empty id and one that claims to be the demo are dropped */
  g_settings_set_value (settings, "profiles",
                        g_variant_new_parsed ("[('a', 'A', 'ws://a'), ('a', 'A2', 'ws://a2'), "
                                              "('', 'E', 'ws://e'), ('demo', 'D', 'ws://d')]"));
  g_settings_set_string (settings, "active-profile", "no-such-profile");

  g_test_expect_message ("cb-profile-store", G_LOG_LEVEL_WARNING, "*duplicate or empty id*");
  g_test_expect_message ("cb-profile-store", G_LOG_LEVEL_WARNING, "*duplicate or empty id*");
  g_test_expect_message ("cb-profile-store", G_LOG_LEVEL_WARNING, "*duplicate or empty id*");
  store = cb_profile_store_new (settings);
  g_test_assert_expected_messages ();

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_assert_cmpstr (cb_profile_get_name (cb_profile_store_lookup (store, "a")), ==, "A");
  g_assert_cmpstr (cb_profile_get_id (cb_profile_store_get_active (store)), ==, CB_PROFILE_DEMO_ID);
  g_assert_true (cb_profile_is_builtin (cb_profile_store_lookup (store, "demo")));

  wait_for_probe (store);
  g_assert_finalize_object (store);
}

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;

  while (*slot == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  return *slot;
}

static void
test_tokens (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  CbProfileStore *store = cb_profile_store_new (settings);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) stored = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *token = NULL;
  const char *secret = "s3cr3t-Bearer-Token-ÄÖ";
  CbProfile *profile;

  profile = cb_profile_store_add (store, "Vilnius", "wss://cc.example.org/cb", &error);
  g_assert_no_error (error);

  cb_profile_store_store_token_async (store, cb_profile_get_id (profile), secret, NULL,
                                      on_done, &result);
  g_assert_true (cb_profile_store_store_token_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  cb_profile_store_lookup_token_async (store, cb_profile_get_id (profile), NULL, on_done, &result);
  token = cb_profile_store_lookup_token_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, secret);
  g_clear_object (&result);

  /* The token is never written to the settings. */
  stored = g_settings_get_value (settings, "profiles");
  printed = g_variant_print (stored, FALSE);
  g_assert_null (strstr (printed, secret));

  if (g_getenv ("CALLBOARD_TEST_NO_SECRET_SERVICE") != NULL)
    g_assert_false (cb_profile_store_get_tokens_persistent (store));

  /* An unknown profile gets an error, not a crash. */
  cb_profile_store_store_token_async (store, "nope", "x", NULL, on_done, &result);
  g_assert_false (cb_profile_store_store_token_finish (store, wait_result (&result), &error));
  g_assert_error (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_NOT_FOUND);
  g_clear_object (&result);
  g_clear_error (&error);

  /* An empty token forgets it. */
  cb_profile_store_store_token_async (store, cb_profile_get_id (profile), "", NULL, on_done, &result);
  g_assert_true (cb_profile_store_store_token_finish (store, wait_result (&result), &error));
  g_clear_object (&result);
  g_clear_pointer (&token, g_free);
  cb_profile_store_lookup_token_async (store, cb_profile_get_id (profile), NULL, on_done, &result);
  token = cb_profile_store_lookup_token_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_null (token);
  g_clear_object (&result);

  cb_profile_store_remove (store, cb_profile_get_id (profile), NULL);
  wait_for_probe (store);
  g_assert_finalize_object (store);
}

static void
test_url_validation (void)
{
  g_assert_true (cb_profile_url_is_valid ("ws://127.0.0.1:8088/callboard"));
  g_assert_true (cb_profile_url_is_valid ("wss://pbx.example.com/cb"));
  g_assert_true (cb_profile_url_is_valid ("WSS://[::1]:9000/"));
  g_assert_false (cb_profile_url_is_valid (NULL));
  g_assert_false (cb_profile_url_is_valid (""));
  g_assert_false (cb_profile_url_is_valid ("pbx.example.com"));
  g_assert_false (cb_profile_url_is_valid ("http://pbx.example.com"));
  g_assert_false (cb_profile_url_is_valid ("wss:///path"));
  g_assert_false (cb_profile_url_is_valid ("ws://exa mple.com"));
}

/* A lab server's certificate, trusted for its profile only, kept across
 * restarts, refused when it is not a certificate, gone with the profile. */
static void
test_certificates (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  CbProfileStore *store = cb_profile_store_new (settings);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *dir = g_dir_make_tmp ("cb-cert-XXXXXX", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *pem = NULL, *stored = NULL;
  g_autoptr(GError) error = NULL;
  CbProfile *lab;
  int status = 0;

  if (openssl == NULL)
    {
      wait_for_probe (store);
      g_assert_finalize_object (store);
      g_test_skip ("openssl is not installed");
      return;
    }
  {
    const char *argv[] = { openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                           "-subj", "/CN=lab.example", "-keyout", key, "-out", cert, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  g_assert_true (g_file_get_contents (cert, &pem, NULL, NULL));

  lab = cb_profile_store_add (store, "Lab", "wss://lab.example/callboard", &error);
  g_assert_no_error (error);
  g_assert_null (cb_profile_store_get_certificate (store, cb_profile_get_id (lab)));
  g_assert_false (cb_profile_store_set_certificate (store, cb_profile_get_id (lab), "not a certificate", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_true (cb_profile_store_set_certificate (store, cb_profile_get_id (lab), pem, &error));
  stored = cb_profile_store_get_certificate (store, cb_profile_get_id (lab));
  g_assert_cmpstr (stored, ==, pem);
  g_assert_null (cb_profile_store_get_certificate (store, CB_PROFILE_DEMO_ID));

  g_assert_true (cb_profile_store_remove (store, cb_profile_get_id (lab), &error));
  g_assert_cmpuint (g_variant_n_children (g_settings_get_value (settings, "profile-certificates")), ==, 0);

  g_remove (cert);
  g_remove (key);
  g_rmdir (dir);
  wait_for_probe (store);
  g_assert_finalize_object (store);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/callboard/profile-store/demo-first", test_demo_first);
  g_test_add_func ("/callboard/profile-store/add-update-remove", test_add_update_remove);
  g_test_add_func ("/callboard/profile-store/corrupt-settings", test_corrupt_settings);
  g_test_add_func ("/callboard/profile-store/tokens", test_tokens);
  g_test_add_func ("/callboard/profile-store/url-validation", test_url_validation);
  g_test_add_func ("/callboard/profile-store/certificates", test_certificates);

  return g_test_run ();
}
