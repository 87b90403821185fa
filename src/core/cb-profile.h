/* cb-profile.h — one backend a console can connect to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-core-types.h"

G_BEGIN_DECLS

#define CB_PROFILE_DEMO_ID "demo"

#define CB_TYPE_PROFILE (cb_profile_get_type ())
G_DECLARE_FINAL_TYPE (CbProfile, cb_profile, CB, PROFILE, GObject)

CbProfile  *cb_profile_new          (const char *id,
                                     const char *name,
                                     const char *url);
const char *cb_profile_get_id       (CbProfile  *self);
const char *cb_profile_get_name     (CbProfile  *self);
void        cb_profile_set_name     (CbProfile  *self,
                                     const char *name);
const char *cb_profile_get_url      (CbProfile  *self);
void        cb_profile_set_url      (CbProfile  *self,
                                     const char *url);
gboolean    cb_profile_is_builtin   (CbProfile  *self);
gboolean    cb_profile_url_is_valid (const char *url);

G_END_DECLS
