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

G_END_DECLS
