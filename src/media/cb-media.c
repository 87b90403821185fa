/* cb-media.c — GStreamer set-up shared by playback and live monitoring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The media layer plays recordings and live monitor streams. It is the only
 * place besides the UI that may use GStreamer; the core never does. Here we
 * initialise GStreamer once and can tell which of the elements the console
 * relies on are missing, so the UI can say so instead of failing silently.
 */
#define G_LOG_DOMAIN "cb-media"

#include "config.h"

#include <gst/gst.h>

#include "cb-media.h"

/* Elements recordings and monitor streams pass through. */
static const char * const required_elements[] = {
  "appsrc", "audioconvert", "audioresample", "volume", "level",
  "oggdemux", "opusdec", "wavparse", "mulawdec", "autoaudiosink",
  NULL
};

void
cb_media_init (void)
{
  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
}

/**
 * cb_media_describe:
 *
 * Returns: (transfer full): a line for the About window's debug information
 */
char *
cb_media_describe (void)
{
  g_autofree char *version = NULL;
  g_auto(GStrv) missing = NULL;
  g_autofree char *joined = NULL;

  cb_media_init ();
  version = gst_version_string ();
  missing = cb_media_find_missing_elements ();
  if (missing[0] == NULL)
    return g_strdup_printf ("%s, all elements present", version);

  joined = g_strjoinv (", ", missing);
  return g_strdup_printf ("%s, missing elements: %s", version, joined);
}

/**
 * cb_media_find_missing_elements:
 *
 * Returns: (transfer full): the names of required GStreamer elements that no
 *   installed plugin provides; an empty vector when all are there
 */
char **
cb_media_find_missing_elements (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  cb_media_init ();
  for (guint i = 0; required_elements[i] != NULL; i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (required_elements[i]);

      if (factory == NULL)
        g_strv_builder_add (builder, required_elements[i]);
    }

  return g_strv_builder_end (builder);
}
