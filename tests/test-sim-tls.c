/* test-sim-tls.c — the real callboard-sim over wss://, with the real client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Makes a throwaway self-signed certificate with openssl(1) at test time,
 * starts callboard-sim with it (--tls-cert, --tls-key) and connects a
 * CbConnection: one that trusts the certificate (a pinned lab server,
 * cb_connection_set_trusted_certificate) gets a welcome; one that does not
 * fails the TLS handshake, never sends hello, and stops with the reason
 * (retrying cannot make a certificate trusted) instead of looping.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>

#include "cb-connection.h"
#include "cb-test-view.h"

static char *tmp_dir;
static char *cert_file;
static char *key_file;

/* A certificate for 127.0.0.1, valid one day, never written outside the
 * test's own temporary directory. */
static gboolean
make_certificate (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  const char *argv[] = {
    openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", key_file, "-out", cert_file, NULL
  };

  if (openssl == NULL)
    return FALSE;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl req failed: %s\n%s", error->message, err);
  return TRUE;
}

static CbTestSim *
start_tls_sim (void)
{
  g_autofree char *cert = g_strdup_printf ("--tls-cert=%s", cert_file);
  g_autofree char *key = g_strdup_printf ("--tls-key=%s", key_file);
  CbTestSim *sim = cb_test_sim_start (cert, key, "--heartbeat-ms=1000", NULL);

  g_assert_true (g_str_has_prefix (sim->url, "wss://127.0.0.1:"));
  return sim;
}

typedef struct
{
  gboolean handshake;        /* a hello went out: TLS was accepted */
  gboolean ready;
  guint    backoffs;
} Phases;

static void
on_phase (CbConnection *c,
          GParamSpec   *pspec,
          Phases       *phases)
{
  switch (cb_connection_get_phase (c))
    {
    case CB_PHASE_HANDSHAKE:
      phases->handshake = TRUE;
      break;
    case CB_PHASE_READY:
      phases->ready = TRUE;
      break;
    case CB_PHASE_BACKOFF:
      phases->backoffs++;
      break;
    case CB_PHASE_IDLE:
    case CB_PHASE_CONNECTING:
    case CB_PHASE_FAILED:
    default:
      break;
    }
}

static gboolean
is_ready (gpointer data)
{
  return ((Phases *) data)->ready;
}

static void
test_trusted_certificate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) pinned = NULL;
  g_autoptr(CbConnection) client = NULL;
  CbMessage *welcome;
  CbTestSim *sim;
  Phases phases = { 0 };

  if (cert_file == NULL)
    {
      g_test_skip ("openssl is not installed");
      return;
    }
  sim = start_tls_sim ();
  /* The certificate alone, from its PEM, as a profile would pin it. */
  pinned = g_tls_certificate_new_from_file (cert_file, &error);
  g_assert_no_error (error);

  client = cb_connection_new (sim->url, CB_TEST_ADMIN_TOKEN);
  cb_connection_set_trusted_certificate (client, pinned);
  g_signal_connect (client, "notify::phase", G_CALLBACK (on_phase), &phases);
  cb_connection_start (client);
  cb_test_wait (is_ready, &phases, 10000);

  welcome = cb_connection_get_welcome (client);
  g_assert_nonnull (welcome);
  g_assert_cmpint (welcome->type, ==, CB_MESSAGE_WELCOME);
  g_assert_cmpstr (json_object_get_string_member (welcome->object, "protocol"), ==, CB_PROTOCOL_SUBPROTOCOL);
  g_assert_cmpuint (phases.backoffs, ==, 0);
  g_assert_cmpint (cb_connection_get_failure (client), ==, CB_FAILURE_NONE);

  cb_connection_stop (client);
  g_signal_handlers_disconnect_by_data (client, &phases);
  cb_test_release_connection (g_steal_pointer (&client));
  cb_test_sim_stop (sim);
}

static void
test_untrusted_certificate (void)
{
  g_autoptr(CbConnection) client = NULL;
  CbTestSim *sim;
  Phases phases = { 0 };
  guint attempts;

  if (cert_file == NULL)
    {
      g_test_skip ("openssl is not installed");
      return;
    }
  sim = start_tls_sim ();

  client = cb_connection_new (sim->url, CB_TEST_ADMIN_TOKEN);
  g_signal_connect (client, "notify::phase", G_CALLBACK (on_phase), &phases);
  cb_connection_start (client);
  cb_test_spin (3500);

  /* The handshake failed: no hello was sent, no welcome came. */
  g_assert_false (phases.handshake);
  g_assert_false (phases.ready);
  g_assert_null (cb_connection_get_welcome (client));
  /* Stopped with the reason, after one attempt: no backoff loop. */
  attempts = cb_connection_get_attempts (client);
  g_test_message ("%u attempts, %u backoffs in 3.5 s", attempts, phases.backoffs);
  g_assert_cmpuint (attempts, <=, 1);
  g_assert_cmpuint (phases.backoffs, ==, 0);
  g_assert_cmpint (cb_connection_get_phase (client), ==, CB_PHASE_FAILED);
  g_assert_cmpint (cb_connection_get_failure (client), ==, CB_FAILURE_CERTIFICATE);

  cb_connection_stop (client);
  g_signal_handlers_disconnect_by_data (client, &phases);
  cb_test_release_connection (g_steal_pointer (&client));
  cb_test_sim_stop (sim);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  g_assert_nonnull (g_getenv ("CALLBOARD_SIM"));
  /* For the sims only (this process has read its options): once a sim has
   * served a TLS handshake, LeakSanitizer's tracer crashes at its exit
   * scanning the thread-local storage of the GnuTLS module glib-networking
   * loads, and without that scan it reports GLib's thread-local caches. */
  g_setenv ("ASAN_OPTIONS", "detect_leaks=0", TRUE);

  tmp_dir = g_dir_make_tmp ("callboard-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert_file = g_build_filename (tmp_dir, "cert.pem", NULL);
  key_file = g_build_filename (tmp_dir, "key.pem", NULL);
  if (!make_certificate ())
    g_clear_pointer (&cert_file, g_free);

  g_test_add_func ("/callboard/sim-tls/trusted-certificate-gets-welcome", test_trusted_certificate);
  g_test_add_func ("/callboard/sim-tls/untrusted-certificate-stops", test_untrusted_certificate);
  status = g_test_run ();

  if (cert_file != NULL)
    g_unlink (cert_file);
  g_unlink (key_file);
  g_rmdir (tmp_dir);
  g_free (cert_file);
  g_free (key_file);
  g_free (tmp_dir);
  return status;
}
