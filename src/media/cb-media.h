/* cb-media.h — GStreamer set-up shared by playback and live monitoring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void    cb_media_init                 (void);
char   *cb_media_describe             (void);
char  **cb_media_find_missing_elements (void);

G_END_DECLS
