/* test-demo-backend.c — the built-in demo starts callboard-sim and connects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include "cb-connection.h"
#include "cb-demo-backend.h"

static void
on_started (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GError **error = user_data;

  if (!cb_demo_backend_start_finish (CB_DEMO_BACKEND (object), result, error) && *error == NULL)
    g_assert_not_reached ();
  g_object_set_data (object, "done", GINT_TO_POINTER (1));
}

static void
wait_for (GObject    *object,
          const char *key)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (g_object_get_data (object, key) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
test_starts_and_connects (void)
{
  g_autoptr(CbDemoBackend) demo = cb_demo_backend_new ();
  g_autoptr(CbConnection) connection = NULL;
  GError *error = NULL;
  gint64 deadline;
  CbMessage *welcome;

  cb_demo_backend_start_async (demo, NULL, on_started, &error);
  wait_for (G_OBJECT (demo), "done");
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (cb_demo_backend_get_url (demo), "ws://127.0.0.1:"));
  g_assert_cmpuint (strlen (cb_demo_backend_get_token (demo)), ==, 64);

  /* The fresh token is the one the demo user has. */
  connection = cb_connection_new (cb_demo_backend_get_url (demo), cb_demo_backend_get_token (demo));
  cb_connection_start (connection);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (cb_connection_get_phase (connection) != CB_PHASE_READY)
    {
      g_assert_cmpint (cb_connection_get_phase (connection), !=, CB_PHASE_FAILED);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  welcome = cb_connection_get_welcome (connection);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (welcome->object, "user"), "login"),
                   ==, "demo");

  cb_connection_stop (connection);

  /* Stopping the demo ends the process: the port no longer answers. */
  cb_demo_backend_stop (demo);
  g_usleep (300 * 1000);
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GUri) uri = g_uri_parse (cb_demo_backend_get_url (demo), G_URI_FLAGS_NONE, NULL);
    g_autoptr(GSocketConnection) socket = NULL;
    g_autoptr(GError) connect_error = NULL;

    socket = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri), NULL, &connect_error);
    g_assert_null (socket);
  }
}

static void
test_missing_program_is_reported (void)
{
  g_autoptr(CbDemoBackend) demo = cb_demo_backend_new ();
  GError *error = NULL;
  g_autofree char *saved = g_strdup (g_getenv ("CALLBOARD_SIM"));

  /* A program that exits at once, without the ready line. */
  g_setenv ("CALLBOARD_SIM", "/bin/false", TRUE);
  cb_demo_backend_start_async (demo, NULL, on_started, &error);
  wait_for (G_OBJECT (demo), "done");
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "demo contact center"));
  g_clear_error (&error);
  g_setenv ("CALLBOARD_SIM", saved, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (g_getenv ("CALLBOARD_SIM"));
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/callboard/demo-backend/starts-and-connects", test_starts_and_connects);
  g_test_add_func ("/callboard/demo-backend/missing-program-is-reported", test_missing_program_is_reported);

  return g_test_run ();
}
