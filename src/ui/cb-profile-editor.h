/* cb-profile-editor.h — a dialog to add or edit a backend profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-ui-types.h"
#include "cb-profile-store.h"

G_BEGIN_DECLS

#define CB_TYPE_PROFILE_EDITOR (cb_profile_editor_get_type ())
G_DECLARE_FINAL_TYPE (CbProfileEditor, cb_profile_editor, CB, PROFILE_EDITOR, AdwWindow)

CbProfileEditor *cb_profile_editor_new   (CbProfileStore  *store,
                                          CbProfile       *profile);
gboolean         cb_profile_editor_save  (CbProfileEditor *self);

G_END_DECLS
