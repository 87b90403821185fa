/* cb-profile-row.h — one backend profile in the preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-ui-types.h"
#include "cb-profile.h"

G_BEGIN_DECLS

#define CB_TYPE_PROFILE_ROW (cb_profile_row_get_type ())
G_DECLARE_FINAL_TYPE (CbProfileRow, cb_profile_row, CB, PROFILE_ROW, AdwActionRow)

GtkWidget *cb_profile_row_new         (CbProfile    *profile);
CbProfile *cb_profile_row_get_profile (CbProfileRow *self);

G_END_DECLS
