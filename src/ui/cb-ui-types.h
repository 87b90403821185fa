/* cb-ui-types.h — forward declarations of the UI layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef struct _CbApplication       CbApplication;
typedef struct _CbWindow            CbWindow;
typedef struct _CbPreferencesWindow CbPreferencesWindow;
typedef struct _CbProfileRow        CbProfileRow;
typedef struct _CbProfileEditor     CbProfileEditor;

/* A toast showing @text as it is. A toast's title is markup in libadwaita
 * 1.2, and the texts of toasts carry names from the backend and the user
 * ("Billing & Co <EE>") and error messages. */
static inline AdwToast *
cb_toast_new_text (const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);

  return adw_toast_new (escaped);
}

G_END_DECLS
