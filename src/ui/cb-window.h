/* cb-window.h — the main window: a sidebar of sections and their pages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-ui-types.h"
#include "cb-core-types.h"

G_BEGIN_DECLS

#define CB_TYPE_WINDOW (cb_window_get_type ())
G_DECLARE_FINAL_TYPE (CbWindow, cb_window, CB, WINDOW, AdwApplicationWindow)

CbWindow   *cb_window_new                  (CbApplication     *application);
gboolean    cb_window_section_is_valid     (const char        *section);
char       *cb_window_list_sections        (void);
const char *cb_window_get_section          (CbWindow          *self);
void        cb_window_show_section         (CbWindow          *self,
                                            const char        *section);
void        cb_window_set_remember_state   (CbWindow          *self,
                                            gboolean           remember);
void        cb_window_set_connection_state (CbWindow          *self,
                                            CbConnectionState  state,
                                            GDateTime         *cached_since);
const char *cb_window_get_connection_label (CbWindow          *self);

G_END_DECLS
