/* cb-sim-users.h — the reference backend's users, tokens and permissions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _CbSimUsers CbSimUsers;

typedef struct
{
  char  *id;
  char  *login;
  char  *name;
  char  *email;
  char **roles;
  char **permissions;   /* effective, sorted */
  char **team_ids;
  char  *token;
  gint64 token_expires_at;  /* ms since the epoch; 0: never */
  gint64 rev;
} CbSimUser;

CbSimUsers      *cb_sim_users_new                (void);
void             cb_sim_users_free               (CbSimUsers   *users);
gboolean         cb_sim_users_load               (CbSimUsers   *users,
                                                  const char   *data,
                                                  gsize         length,
                                                  GError      **error);
CbSimUser       *cb_sim_users_add                (CbSimUsers   *users,
                                                  const char   *login,
                                                  const char   *name,
                                                  const char   *role,
                                                  const char   *token);
const CbSimUser *cb_sim_users_authenticate       (CbSimUsers   *users,
                                                  const char   *authorization_header,
                                                  gint64        now_ms,
                                                  gboolean     *expired);
const CbSimUser *cb_sim_users_lookup_login       (CbSimUsers   *users,
                                                  const char   *login);
GPtrArray       *cb_sim_users_list               (CbSimUsers   *users);
gboolean         cb_sim_user_can                 (const CbSimUser *user,
                                                  const char   *permission);
JsonNode        *cb_sim_user_to_json             (const CbSimUser *user);
char           **cb_sim_role_permissions         (const char   *role);
char            *cb_sim_new_token                (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbSimUsers, cb_sim_users_free)

G_END_DECLS
