/* test-process.c — a Callboard program starts itself again on the system malloc
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "cb-process.h"

static char *self_path;

/* Runs this program as a child that calls cb_process_use_system_malloc()
 * and prints what it then sees. */
static char *
run_child (const char *g_slice)
{
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { self_path, "--child", "an argument kept", NULL };
  int status = 0;

  env = g_slice != NULL ? g_environ_setenv (g_steal_pointer (&env), "G_SLICE", g_slice, TRUE)
                        : g_environ_unsetenv (g_steal_pointer (&env), "G_SLICE");
  g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                               &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_strstrip (g_steal_pointer (&out));
}

static void
test_system_malloc (void)
{
  g_autofree char *unset = run_child (NULL);
  g_autofree char *chosen = run_child ("debug-blocks");

  if (glib_check_version (2, 76, 0) == NULL)
    {
      /* A GLib without the slice allocator: nothing to do. */
      g_assert_cmpstr (unset, ==, "G_SLICE=(unset) argv[2]=an argument kept comm=test-process");
      return;
    }
  /* Started again with the setting, its arguments and its name kept… */
  g_assert_cmpstr (unset, ==, "G_SLICE=always-malloc argv[2]=an argument kept comm=test-process");
  /* …unless the user chose a setting. */
  g_assert_cmpstr (chosen, ==, "G_SLICE=debug-blocks argv[2]=an argument kept comm=test-process");
}

int
main (int   argc,
      char *argv[])
{
  if (argc > 1 && g_str_equal (argv[1], "--child"))
    {
      g_autofree char *comm = NULL;

      cb_process_use_system_malloc (argv);
      g_file_get_contents ("/proc/self/comm", &comm, NULL, NULL);
      printf ("G_SLICE=%s argv[2]=%s comm=%s\n", g_getenv ("G_SLICE") ? g_getenv ("G_SLICE") : "(unset)",
              argc > 2 ? argv[2] : "", comm != NULL ? g_strstrip (comm) : "?");
      return 0;
    }

  g_test_init (&argc, &argv, NULL);
  self_path = g_canonicalize_filename (argv[0], NULL);

  g_test_add_func ("/callboard/process/system-malloc", test_system_malloc);

  return g_test_run ();
}
