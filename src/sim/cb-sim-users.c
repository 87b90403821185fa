/* cb-sim-users.c — the reference backend's users, tokens and permissions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Users come from a key file (see docs/sim.md):
 *
 *   [user maris]
 *   name=Maris Tamm
 *   roles=supervisor
 *   token=…
 *   teams=t-north
 *
 * The standard roles grant the permissions of docs/protocol.md §10.1.
 * Tokens are compared in constant time and never logged.
 */
#define G_LOG_DOMAIN "cb-sim-users"

#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "cb-message.h"
#include "cb-sim-users.h"

struct _CbSimUsers
{
  GPtrArray *users;   /* CbSimUser */
};

/* docs/protocol.md §10.1, column by column. */
static const struct {
  const char *permission;
  const char *roles;   /* s: supervisor, c: campaign_manager, q: qa, a: admin */
} grants[] = {
  { "catalogs.read", "scqa" },
  { "catalogs.write", "ca" },
  { "users.read", "a" },
  { "agents.read", "scqa" },
  { "agents.control", "sa" },
  { "queues.read", "sca" },
  { "calls.read", "sca" },
  { "calls.listen", "sqa" },
  { "calls.whisper", "sa" },
  { "calls.barge", "sa" },
  { "monitors.read", "sa" },
  { "alerts.read", "sca" },
  { "alerts.ack", "sa" },
  { "campaigns.read", "sca" },
  { "campaigns.write", "ca" },
  { "campaigns.control", "sca" },
  { "leads.read", "sca" },
  { "leads.write", "ca" },
  { "compliance.read", "scqa" },
  { "compliance.write", "ca" },
  { "dnc.write", "sca" },
  { "recordings.read", "sqa" },
  { "history.read", "scqa" },
  { "qa.read", "sqa" },
  { "qa.forms.write", "qa" },
  { "qa.evaluate", "qa" },
};

static char
role_letter (const char *role)
{
  if (g_strcmp0 (role, "supervisor") == 0)
    return 's';
  if (g_strcmp0 (role, "campaign_manager") == 0)
    return 'c';
  if (g_strcmp0 (role, "qa") == 0)
    return 'q';
  if (g_strcmp0 (role, "admin") == 0)
    return 'a';
  return 0;
}

/**
 * cb_sim_role_permissions:
 *
 * Returns: (transfer full): the permissions @role grants, or %NULL for a
 *   role that is not one of the standard four
 */
char **
cb_sim_role_permissions (const char *role)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  char letter = role_letter (role);

  if (letter == 0)
    return NULL;

  builder = g_strv_builder_new ();
  for (guint i = 0; i < G_N_ELEMENTS (grants); i++)
    if (strchr (grants[i].roles, letter) != NULL)
      g_strv_builder_add (builder, grants[i].permission);

  return g_strv_builder_end (builder);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static char **
effective_permissions (char **roles)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; roles != NULL && roles[i] != NULL; i++)
    {
      g_auto(GStrv) granted = cb_sim_role_permissions (roles[i]);

      for (guint j = 0; granted != NULL && granted[j] != NULL; j++)
        {
          gboolean seen = FALSE;

          for (guint k = 0; k < all->len && !seen; k++)
            seen = g_str_equal (g_ptr_array_index (all, k), granted[j]);
          if (!seen)
            g_ptr_array_add (all, g_strdup (granted[j]));
        }
    }

  g_ptr_array_sort (all, compare_strings);
  g_ptr_array_add (all, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&all), FALSE);
}

static void
user_free (CbSimUser *user)
{
  g_free (user->id);
  g_free (user->login);
  g_free (user->name);
  g_free (user->email);
  g_strfreev (user->roles);
  g_strfreev (user->permissions);
  g_strfreev (user->team_ids);
  if (user->token != NULL)
    explicit_bzero (user->token, strlen (user->token));
  g_free (user->token);
  g_free (user);
}

CbSimUsers *
cb_sim_users_new (void)
{
  CbSimUsers *users = g_new0 (CbSimUsers, 1);

  users->users = g_ptr_array_new_with_free_func ((GDestroyNotify) user_free);
  return users;
}

void
cb_sim_users_free (CbSimUsers *users)
{
  if (users == NULL)
    return;
  g_ptr_array_unref (users->users);
  g_free (users);
}

/**
 * cb_sim_new_token:
 *
 * Returns: (transfer full): 32 random bytes as 64 hex digits
 */
char *
cb_sim_new_token (void)
{
  GString *token = g_string_sized_new (64);
  g_autoptr(GRand) rand = NULL;
  guint32 seed[8];
  int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);

  if (fd < 0 || read (fd, seed, sizeof seed) != sizeof seed)
    g_error ("Cannot read /dev/urandom to make a token");
  close (fd);

  for (guint i = 0; i < G_N_ELEMENTS (seed); i++)
    g_string_append_printf (token, "%08x", seed[i]);
  explicit_bzero (seed, sizeof seed);

  return g_string_free (token, FALSE);
}

CbSimUser *
cb_sim_users_add (CbSimUsers *users,
                  const char *login,
                  const char *name,
                  const char *role,
                  const char *token)
{
  CbSimUser *user = g_new0 (CbSimUser, 1);
  char *roles[] = { (char *) role, NULL };

  user->login = g_strdup (login);
  user->id = g_strdup_printf ("u-%s", login);
  user->name = g_strdup (name ? name : login);
  user->roles = g_strdupv (roles);
  user->permissions = effective_permissions (user->roles);
  user->team_ids = g_new0 (char *, 1);
  user->token = g_strdup (token);
  user->rev = 1;
  g_ptr_array_add (users->users, user);

  return user;
}

gboolean
cb_sim_users_load (CbSimUsers  *users,
                   const char  *data,
                   gsize        length,
                   GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, error))
    return FALSE;

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *token = NULL;
      g_auto(GStrv) roles = NULL;
      CbSimUser *user;

      if (!g_str_has_prefix (groups[i], "user "))
        continue;

      token = g_key_file_get_string (file, groups[i], "token", NULL);
      roles = g_key_file_get_string_list (file, groups[i], "roles", NULL, NULL);
      if (token == NULL || strlen (token) < 16)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[%s] needs a token of at least 16 characters", groups[i]);
          return FALSE;
        }

      user = g_new0 (CbSimUser, 1);
      user->login = g_strdup (groups[i] + strlen ("user "));
      user->id = g_strdup_printf ("u-%s", user->login);
      user->name = g_key_file_get_string (file, groups[i], "name", NULL);
      if (user->name == NULL)
        user->name = g_strdup (user->login);
      user->email = g_key_file_get_string (file, groups[i], "email", NULL);
      user->roles = roles ? g_steal_pointer (&roles) : g_new0 (char *, 1);
      user->permissions = effective_permissions (user->roles);
      user->team_ids = g_key_file_get_string_list (file, groups[i], "teams", NULL, NULL);
      if (user->team_ids == NULL)
        user->team_ids = g_new0 (char *, 1);
      user->token = g_steal_pointer (&token);
      user->token_expires_at = g_key_file_get_int64 (file, groups[i], "expires_at", NULL);
      user->rev = 1;
      g_ptr_array_add (users->users, user);
    }

  return TRUE;
}

static gboolean
constant_time_equal (const char *a,
                     const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guchar diff = la != lb;

  for (gsize i = 0; i < la; i++)
    diff |= (guchar) a[i] ^ (guchar) b[i % MAX (lb, 1)];

  return diff == 0;
}

/**
 * cb_sim_users_authenticate:
 * @authorization_header: (nullable): the upgrade's Authorization header
 * @expired: (out): whether the token matched a user but has expired
 *
 * Returns: (nullable): the user the bearer token belongs to
 */
const CbSimUser *
cb_sim_users_authenticate (CbSimUsers *users,
                           const char *authorization_header,
                           gint64      now_ms,
                           gboolean   *expired)
{
  const char *token;

  *expired = FALSE;
  if (authorization_header == NULL
      || g_ascii_strncasecmp (authorization_header, "Bearer ", 7) != 0)
    return NULL;

  token = authorization_header + 7;
  for (guint i = 0; i < users->users->len; i++)
    {
      CbSimUser *user = g_ptr_array_index (users->users, i);

      if (constant_time_equal (token, user->token))
        {
          if (user->token_expires_at != 0 && now_ms >= user->token_expires_at)
            {
              *expired = TRUE;
              return NULL;
            }
          return user;
        }
    }

  return NULL;
}

const CbSimUser *
cb_sim_users_lookup_login (CbSimUsers *users,
                           const char *login)
{
  for (guint i = 0; i < users->users->len; i++)
    {
      CbSimUser *user = g_ptr_array_index (users->users, i);

      if (g_strcmp0 (user->login, login) == 0)
        return user;
    }
  return NULL;
}

/**
 * cb_sim_users_list:
 *
 * Returns: (transfer container) (element-type CbSimUser): every user
 */
GPtrArray *
cb_sim_users_list (CbSimUsers *users)
{
  return g_ptr_array_ref (users->users);
}

gboolean
cb_sim_user_can (const CbSimUser *user,
                 const char      *permission)
{
  return permission == NULL || g_strv_contains ((const char * const *) user->permissions, permission);
}

/**
 * cb_sim_user_to_json:
 *
 * Returns: (transfer full): the `me` entity of docs/protocol.md §10.2
 */
JsonNode *
cb_sim_user_to_json (const CbSimUser *user)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, user->id);
  json_builder_set_member_name (b, "rev");
  json_builder_add_int_value (b, user->rev);
  json_builder_set_member_name (b, "login");
  json_builder_add_string_value (b, user->login);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, user->name);
  json_builder_set_member_name (b, "email");
  if (user->email)
    json_builder_add_string_value (b, user->email);
  else
    json_builder_add_null_value (b);
  cb_json_builder_add_strv (b, "roles", (const char * const *) user->roles);
  cb_json_builder_add_strv (b, "permissions", (const char * const *) user->permissions);
  cb_json_builder_add_strv (b, "team_ids", (const char * const *) user->team_ids);
  json_builder_set_member_name (b, "agent_id");
  json_builder_add_null_value (b);
  json_builder_end_object (b);

  return json_builder_get_root (b);
}
