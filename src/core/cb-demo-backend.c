/* cb-demo-backend.c — the built-in demo contact center, as a child process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "Demo contact center" profile runs callboard-sim on a free loopback
 * port with a token made for this run: the token goes to the sim on its
 * standard input (never on a command line, where other users could read
 * it), and the sim answers with one JSON line saying where it listens. The
 * child dies with us: it is stopped on dispose, and asked to stop with
 * SIGTERM so it closes its sockets with 4503. Programs using this ignore
 * SIGPIPE, so a child that died early is an error here, not our death.
 */
#define G_LOG_DOMAIN "cb-demo-backend"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "cb-demo-backend.h"

#define READY_TIMEOUT_SECONDS 15

struct _CbDemoBackend
{
  GObject parent_instance;

  GSubprocess *process;
  char        *url;
  char        *token;
};

G_DEFINE_FINAL_TYPE (CbDemoBackend, cb_demo_backend, G_TYPE_OBJECT)

static void
cb_demo_backend_dispose (GObject *object)
{
  CbDemoBackend *self = CB_DEMO_BACKEND (object);

  cb_demo_backend_stop (self);

  G_OBJECT_CLASS (cb_demo_backend_parent_class)->dispose (object);
}

static void
cb_demo_backend_finalize (GObject *object)
{
  CbDemoBackend *self = CB_DEMO_BACKEND (object);

  g_clear_pointer (&self->url, g_free);
  if (self->token != NULL)
    explicit_bzero (self->token, strlen (self->token));
  g_clear_pointer (&self->token, g_free);

  G_OBJECT_CLASS (cb_demo_backend_parent_class)->finalize (object);
}

static void
cb_demo_backend_class_init (CbDemoBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cb_demo_backend_dispose;
  object_class->finalize = cb_demo_backend_finalize;
}

static void
cb_demo_backend_init (CbDemoBackend *self)
{
}

CbDemoBackend *
cb_demo_backend_new (void)
{
  return g_object_new (CB_TYPE_DEMO_BACKEND, NULL);
}

/**
 * cb_demo_backend_find_program:
 *
 * Returns: (transfer full) (nullable): the callboard-sim to run: $CALLBOARD_SIM
 *   (set when running from the build tree), the installed one, or one on $PATH
 */
char *
cb_demo_backend_find_program (void)
{
  const char *env = g_getenv ("CALLBOARD_SIM");
  g_autofree char *installed = g_build_filename (BINDIR, "callboard-sim", NULL);

  if (env != NULL && g_file_test (env, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (env);
  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);
  return g_find_program_in_path ("callboard-sim");
}

static char *
random_token (void)
{
  GString *token = g_string_new (NULL);

  for (guint i = 0; i < 8; i++)
    g_string_append_printf (token, "%08x", g_random_int ());
  return g_string_free (token, FALSE);
}

typedef struct
{
  GDataInputStream *out;
  GSource          *timeout;
} StartData;

static void
start_data_free (StartData *data)
{
  g_clear_object (&data->out);
  if (data->timeout != NULL)
    {
      g_source_destroy (data->timeout);
      g_source_unref (data->timeout);
    }
  g_free (data);
}

static gboolean
on_ready_timeout (gpointer user_data)
{
  GTask *task = user_data;
  CbDemoBackend *self = g_task_get_source_object (task);
  StartData *data = g_task_get_task_data (task);

  g_clear_pointer (&data->timeout, g_source_unref);
  cb_demo_backend_stop (self);
  return G_SOURCE_REMOVE;
}

static void
on_ready_line (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CbDemoBackend *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object),
                                                                     result, NULL, &error);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *ready;

  if (line == NULL)
    {
      cb_demo_backend_stop (self);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The demo contact center did not start: %s"),
                               error ? error->message : _("it exited at once"));
      return;
    }

  node = json_from_string (line, NULL);
  ready = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  if (ready == NULL || json_object_get_string_member_with_default (ready, "url", NULL) == NULL)
    {
      cb_demo_backend_stop (self);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("The demo contact center did not say where it listens."));
      return;
    }

  g_free (self->url);
  self->url = g_strdup (json_object_get_string_member (ready, "url"));
  g_task_return_boolean (task, TRUE);
}

/**
 * cb_demo_backend_start_async:
 *
 * Starts callboard-sim and completes once it listens.
 */
void
cb_demo_backend_start_async (CbDemoBackend       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *program = NULL;
  g_autofree char *users = NULL;
  GOutputStream *in;
  StartData *data;

  g_return_if_fail (CB_IS_DEMO_BACKEND (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cb_demo_backend_start_async);

  program = cb_demo_backend_find_program ();
  if (program == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The demo contact center (callboard-sim) is not installed."));
      return;
    }

  cb_demo_backend_stop (self);
  g_free (self->token);
  self->token = random_token ();

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  self->process = g_subprocess_launcher_spawn (launcher, &error, program,
                                               "--port=0", "--users=-", "--print-ready", "--warm-up", NULL);
  if (self->process == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The demo contact center did not start: %s"), error->message);
      return;
    }

  /* The demo user may do everything, so every section has something to show. */
  users = g_strdup_printf ("[user demo]\nname=%s\nroles=admin;supervisor;campaign_manager;qa\ntoken=%s\n",
                           _("Demo supervisor"), self->token);
  in = g_subprocess_get_stdin_pipe (self->process);
  if (!g_output_stream_write_all (in, users, strlen (users), NULL, NULL, &error)
      || !g_output_stream_close (in, NULL, &error))
    {
      explicit_bzero (users, strlen (users));
      cb_demo_backend_stop (self);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The demo contact center did not start: %s"), error->message);
      return;
    }
  explicit_bzero (users, strlen (users));

  data = g_new0 (StartData, 1);
  data->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  data->timeout = g_timeout_source_new_seconds (READY_TIMEOUT_SECONDS);
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);
  g_task_attach_source (task, data->timeout, on_ready_timeout);

  g_data_input_stream_read_line_async (data->out, G_PRIORITY_DEFAULT, cancellable,
                                       on_ready_line, g_steal_pointer (&task));
}

gboolean
cb_demo_backend_start_finish (CbDemoBackend  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
cb_demo_backend_get_url (CbDemoBackend *self)
{
  g_return_val_if_fail (CB_IS_DEMO_BACKEND (self), NULL);
  return self->url;
}

const char *
cb_demo_backend_get_token (CbDemoBackend *self)
{
  g_return_val_if_fail (CB_IS_DEMO_BACKEND (self), NULL);
  return self->token;
}

void
cb_demo_backend_stop (CbDemoBackend *self)
{
  g_return_if_fail (CB_IS_DEMO_BACKEND (self));

  if (self->process != NULL)
    {
      g_subprocess_send_signal (self->process, SIGTERM);
      g_clear_object (&self->process);
    }
}
