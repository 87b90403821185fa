/* test-screenshot.c — `callboard --screenshot` writes a PNG of the asked size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real program, as a user or the AppStream pipeline would.
 */
#include "config.h"

#include <gio/gio.h>

static char *tmpdir;

static int
run (char **out_stderr,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, (char *) g_getenv ("CALLBOARD_BIN"));
  va_start (ap, out_stderr);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  process = g_subprocess_newv ((const char * const *) args->pdata,
                               G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);

  if (out_stderr)
    *out_stderr = g_steal_pointer (&err);

  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

/* Reads width and height from a PNG's IHDR chunk. */
static void
png_size (const char *path,
          guint      *width,
          guint      *height)
{
  static const guchar signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autofree guchar *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, (char **) &data, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 1000);
  g_assert_cmpmem (data, 8, signature, 8);
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);

  *width = (data[16] << 24) | (data[17] << 16) | (data[18] << 8) | data[19];
  *height = (data[20] << 24) | (data[21] << 16) | (data[22] << 8) | data[23];
}

static void
test_size (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "campaigns.png", NULL);
  g_autofree char *err = NULL;
  guint width, height;

  g_assert_cmpint (run (&err, "--screenshot", path, "--section=campaigns", "--size=900x640", NULL), ==, 0);
  png_size (path, &width, &height);
  g_assert_cmpuint (width, ==, 900);
  g_assert_cmpuint (height, ==, 640);
}

static void
test_sections_differ (void)
{
  g_autofree char *a = g_build_filename (tmpdir, "wallboard.png", NULL);
  g_autofree char *b = g_build_filename (tmpdir, "quality.png", NULL);
  g_autofree char *da = NULL, *db = NULL;
  gsize la, lb;
  guint width, height;

  g_assert_cmpint (run (NULL, "--screenshot", a, "--section", "wallboard", "--size", "800x600", NULL), ==, 0);
  g_assert_cmpint (run (NULL, "--screenshot", b, "--section", "quality", "--size", "800x600", NULL), ==, 0);
  png_size (a, &width, &height);
  g_assert_cmpuint (width, ==, 800);
  g_assert_cmpuint (height, ==, 600);

  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
  g_assert_false (la == lb && memcmp (da, db, la) == 0);
}

static void
test_narrow_folds (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "narrow.png", NULL);
  guint width, height;

  g_assert_cmpint (run (NULL, "--screenshot", path, "--section=lead-lists", "--size=400x700", NULL), ==, 0);
  png_size (path, &width, &height);
  g_assert_cmpuint (width, ==, 400);
  g_assert_cmpuint (height, ==, 700);
}

static void
test_bad_arguments (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "never.png", NULL);
  g_autofree char *err = NULL;

  g_assert_cmpint (run (&err, "--screenshot", path, "--section=bogus", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "bogus"));
  g_assert_nonnull (strstr (err, "live-calls"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (&err, "--screenshot", path, "--size=huge", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "huge"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (&err, "--size=800x600", NULL), ==, 2);
  g_clear_pointer (&err, g_free);

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* An unwritable path fails with a message, not a crash. */
  g_assert_cmpint (run (&err, "--screenshot", "/nonexistent-dir/x.png", "--size=800x600", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent-dir/x.png"));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (g_getenv ("CALLBOARD_BIN"));
  tmpdir = g_dir_make_tmp ("callboard-screenshot-XXXXXX", NULL);

  g_test_add_func ("/callboard/screenshot/size", test_size);
  g_test_add_func ("/callboard/screenshot/sections-differ", test_sections_differ);
  g_test_add_func ("/callboard/screenshot/narrow-folds", test_narrow_folds);
  g_test_add_func ("/callboard/screenshot/bad-arguments", test_bad_arguments);

  ret = g_test_run ();

  {
    g_autoptr(GFile) dir = g_file_new_for_path (tmpdir);
    g_autoptr(GFileEnumerator) e = g_file_enumerate_children (dir, "standard::name", 0, NULL, NULL);
    GFileInfo *info;

    while (e && (info = g_file_enumerator_next_file (e, NULL, NULL)))
      {
        g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));
        g_file_delete (child, NULL, NULL);
        g_object_unref (info);
      }
    g_file_delete (dir, NULL, NULL);
  }
  g_free (tmpdir);
  return ret;
}
