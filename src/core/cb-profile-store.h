/* cb-profile-store.h — the backends a console knows, and their tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cb-profile.h"

G_BEGIN_DECLS

#define CB_PROFILE_STORE_ERROR (cb_profile_store_error_quark ())

typedef enum
{
  CB_PROFILE_STORE_ERROR_INVALID_NAME,
  CB_PROFILE_STORE_ERROR_INVALID_URL,
  CB_PROFILE_STORE_ERROR_NOT_FOUND,
  CB_PROFILE_STORE_ERROR_BUILTIN,
} CbProfileStoreError;

#define CB_TYPE_PROFILE_STORE (cb_profile_store_get_type ())
G_DECLARE_FINAL_TYPE (CbProfileStore, cb_profile_store, CB, PROFILE_STORE, GObject)

GQuark          cb_profile_store_error_quark          (void);
CbProfileStore *cb_profile_store_new                  (GSettings            *settings);
CbProfile      *cb_profile_store_lookup               (CbProfileStore       *self,
                                                       const char           *id);
CbProfile      *cb_profile_store_add                  (CbProfileStore       *self,
                                                       const char           *name,
                                                       const char           *url,
                                                       GError              **error);
gboolean        cb_profile_store_update               (CbProfileStore       *self,
                                                       const char           *id,
                                                       const char           *name,
                                                       const char           *url,
                                                       GError              **error);
gboolean        cb_profile_store_remove               (CbProfileStore       *self,
                                                       const char           *id,
                                                       GError              **error);
CbProfile      *cb_profile_store_get_active           (CbProfileStore       *self);
void            cb_profile_store_set_active           (CbProfileStore       *self,
                                                       CbProfile            *profile);
gboolean        cb_profile_store_get_tokens_persistent (CbProfileStore      *self);
void            cb_profile_store_store_token_async    (CbProfileStore       *self,
                                                       const char           *id,
                                                       const char           *token,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean        cb_profile_store_store_token_finish   (CbProfileStore       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
void            cb_profile_store_lookup_token_async   (CbProfileStore       *self,
                                                       const char           *id,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
char           *cb_profile_store_lookup_token_finish  (CbProfileStore       *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

char           *cb_profile_store_get_certificate (CbProfileStore  *self,
                                                 const char      *id);
gboolean        cb_profile_store_set_certificate (CbProfileStore  *self,
                                                 const char      *id,
                                                 const char      *pem,
                                                 GError         **error);

G_END_DECLS
