/* main.c — starts Callboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>

#include "cb-application-private.h"
#include "cb-process.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CbApplication) app = NULL;
  int status;

  cb_process_use_system_malloc (argv);
  cb_application_choose_renderer ();

  /* A backend or a child that goes away is an error to report, not a
   * reason to die on a write to its socket or pipe. */
  signal (SIGPIPE, SIG_IGN);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Callboard"));

  app = cb_application_new ();
  status = g_application_run (G_APPLICATION (app), argc, argv);
  if (status == 0)
    status = _cb_application_get_exit_status (app);

  return status;
}
