/* cb-profile-store.c — the backends a console knows, and their tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel of CbProfile. The built-in demo profile always comes first and
 * cannot be edited or removed; the others are kept in the "profiles" key of
 * the GSettings object the store is given, and the active one in
 * "active-profile".
 *
 * Tokens never touch GSettings, a file or a log. They go to the secret
 * service through libsecret. Where no secret service answers (a bare session,
 * a kiosk), the store keeps tokens in memory for this session only, flips
 * "tokens-persistent" to FALSE, and the UI tells the user so.
 */
#define G_LOG_DOMAIN "cb-profile-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "cb-profile-store.h"

/* How long a secret-service call may take before we give up on it and keep
 * the token for the session instead (a locked keyring that prompts nobody). */
#define SECRET_TIMEOUT_SECONDS 5

enum {
  PROP_0,
  PROP_ACTIVE,
  PROP_TOKENS_PERSISTENT,
  N_PROPS
};

struct _CbProfileStore
{
  GObject parent_instance;

  /* owned references */
  GSettings  *settings;
  GPtrArray  *profiles;        /* CbProfile, demo first */
  GHashTable *session_tokens;  /* id → token, when the secret service is absent */
  CbProfile  *active;

  guint tokens_persistent : 1;
  guint saving : 1;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CbProfileStore, cb_profile_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GParamSpec *properties[N_PROPS];

G_DEFINE_QUARK (cb-profile-store-error-quark, cb_profile_store_error)

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "io.github.callboard.Callboard.Token", SECRET_SCHEMA_NONE,
    {
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };

  return &schema;
}

static void
free_token (gpointer data)
{
  char *token = data;

  if (token != NULL)
    {
      explicit_bzero (token, strlen (token));
      g_free (token);
    }
}

static void
set_tokens_persistent (CbProfileStore *self,
                       gboolean        persistent)
{
  if (self->tokens_persistent == !!persistent)
    return;

  self->tokens_persistent = !!persistent;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKENS_PERSISTENT]);
}

static void
save (CbProfileStore *self)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sss)"));
  for (guint i = 0; i < self->profiles->len; i++)
    {
      CbProfile *profile = g_ptr_array_index (self->profiles, i);

      if (cb_profile_is_builtin (profile))
        continue;

      g_variant_builder_add (&builder, "(sss)",
                             cb_profile_get_id (profile),
                             cb_profile_get_name (profile),
                             cb_profile_get_url (profile));
    }

  self->saving = TRUE;
  g_settings_set_value (self->settings, "profiles", g_variant_builder_end (&builder));
  g_settings_set_string (self->settings, "active-profile",
                         self->active ? cb_profile_get_id (self->active) : CB_PROFILE_DEMO_ID);
  self->saving = FALSE;
}

static CbProfile *
find (CbProfileStore *self,
      const char     *id,
      guint          *position)
{
  for (guint i = 0; i < self->profiles->len; i++)
    {
      CbProfile *profile = g_ptr_array_index (self->profiles, i);

      if (g_strcmp0 (cb_profile_get_id (profile), id) == 0)
        {
          if (position)
            *position = i;
          return profile;
        }
    }

  return NULL;
}

static void
load (CbProfileStore *self)
{
  g_autoptr(GVariant) value = g_settings_get_value (self->settings, "profiles");
  g_autofree char *active_id = g_settings_get_string (self->settings, "active-profile");
  GVariantIter iter;
  const char *id, *name, *url;
  guint old_len = self->profiles->len;
  CbProfile *active;

  g_ptr_array_set_size (self->profiles, 0);
  /* Translators: the name of the built-in backend profile, a simulated contact
   * center that ships with the console */
  g_ptr_array_add (self->profiles, cb_profile_new (CB_PROFILE_DEMO_ID, _("Demo contact center"), NULL));

  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "(&s&s&s)", &id, &name, &url))
    {
      if (*id == '\0' || g_strcmp0 (id, CB_PROFILE_DEMO_ID) == 0 || find (self, id, NULL) != NULL)
        {
          g_warning ("Ignoring a stored backend profile with a duplicate or empty id");
          continue;
        }
      g_ptr_array_add (self->profiles, cb_profile_new (id, name, url));
    }

  active = find (self, active_id, NULL);
  if (active == NULL)
    active = g_ptr_array_index (self->profiles, 0);
  g_set_object (&self->active, active);

  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, self->profiles->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

static void
on_settings_changed (CbProfileStore *self,
                     const char     *key,
                     GSettings      *settings)
{
  if (!self->saving)
    load (self);
}

static gboolean
validate (const char  *name,
          const char  *url,
          GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (name ? name : ""));

  if (*stripped == '\0')
    {
      g_set_error_literal (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_INVALID_NAME,
                           _("A backend needs a name."));
      return FALSE;
    }

  if (!cb_profile_url_is_valid (url))
    {
      g_set_error_literal (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_INVALID_URL,
                           /* Translators: ws:// and wss:// are URL schemes; keep them as they are */
                           _("The address must be a ws:// or wss:// URL with a host name."));
      return FALSE;
    }

  return TRUE;
}

static GType
list_model_get_item_type (GListModel *model)
{
  return CB_TYPE_PROFILE;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return CB_PROFILE_STORE (model)->profiles->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  CbProfileStore *self = CB_PROFILE_STORE (model);

  if (position >= self->profiles->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->profiles, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

static gboolean
cancel_on_timeout (gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
  return G_SOURCE_REMOVE;
}

/* A cancellable that fires after SECRET_TIMEOUT_SECONDS or with @cancellable. */
static GCancellable *
with_timeout (GCancellable *cancellable)
{
  GCancellable *timed = g_cancellable_new ();
  g_autoptr(GSource) source = g_timeout_source_new_seconds (SECRET_TIMEOUT_SECONDS);

  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (g_cancellable_cancel),
                           g_object_ref (timed), g_object_unref);
  g_source_set_callback (source, cancel_on_timeout, g_object_ref (timed), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());

  return timed;
}

static void
on_probe_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CbProfileStore) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_debug ("No secret service, tokens are kept for this session: %s", error->message);
      set_tokens_persistent (self, FALSE);
    }
}

static void
cb_profile_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CbProfileStore *self = CB_PROFILE_STORE (object);

  switch (prop_id)
    {
    case PROP_ACTIVE:
      g_value_set_object (value, self->active);
      break;
    case PROP_TOKENS_PERSISTENT:
      g_value_set_boolean (value, self->tokens_persistent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_profile_store_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CbProfileStore *self = CB_PROFILE_STORE (object);

  switch (prop_id)
    {
    case PROP_ACTIVE:
      cb_profile_store_set_active (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_profile_store_dispose (GObject *object)
{
  CbProfileStore *self = CB_PROFILE_STORE (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_func (self->settings, on_settings_changed, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->active);
  if (self->profiles != NULL)
    g_ptr_array_set_size (self->profiles, 0);

  G_OBJECT_CLASS (cb_profile_store_parent_class)->dispose (object);
}

static void
cb_profile_store_finalize (GObject *object)
{
  CbProfileStore *self = CB_PROFILE_STORE (object);

  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  g_clear_pointer (&self->session_tokens, g_hash_table_unref);

  G_OBJECT_CLASS (cb_profile_store_parent_class)->finalize (object);
}

static void
cb_profile_store_class_init (CbProfileStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cb_profile_store_get_property;
  object_class->set_property = cb_profile_store_set_property;
  object_class->dispose = cb_profile_store_dispose;
  object_class->finalize = cb_profile_store_finalize;

  properties[PROP_ACTIVE] =
    g_param_spec_object ("active", NULL, NULL, CB_TYPE_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKENS_PERSISTENT] =
    g_param_spec_boolean ("tokens-persistent", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cb_profile_store_init (CbProfileStore *self)
{
  self->profiles = g_ptr_array_new_with_free_func (g_object_unref);
  self->session_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_token);
  self->tokens_persistent = TRUE;
}

/**
 * cb_profile_store_new:
 * @settings: a #GSettings with the "profiles" and "active-profile" keys
 *
 * Loads the profiles and starts probing for a secret service.
 */
CbProfileStore *
cb_profile_store_new (GSettings *settings)
{
  CbProfileStore *self;
  g_autoptr(GCancellable) timed = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (CB_TYPE_PROFILE_STORE, NULL);
  self->settings = g_object_ref (settings);
  load (self);
  g_signal_connect_swapped (settings, "changed::profiles", G_CALLBACK (on_settings_changed), self);
  g_signal_connect_swapped (settings, "changed::active-profile", G_CALLBACK (on_settings_changed), self);

  /* A lookup tells us whether a secret service answers at all; a missing
   * item is not an error, a missing service is. */
  timed = with_timeout (NULL);
  secret_password_lookup (token_schema (), timed, on_probe_done, g_object_ref (self),
                          "profile", CB_PROFILE_DEMO_ID, NULL);

  return self;
}

CbProfile *
cb_profile_store_lookup (CbProfileStore *self,
                         const char     *id)
{
  g_return_val_if_fail (CB_IS_PROFILE_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return find (self, id, NULL);
}

/**
 * cb_profile_store_get_certificate:
 *
 * Returns: (transfer full) (nullable): the PEM certificate trusted for the
 *   backend of @id, beside the system's trust (a lab server), or %NULL
 */
char *
cb_profile_store_get_certificate (CbProfileStore *self,
                                  const char     *id)
{
  g_autoptr(GVariant) all = NULL;
  char *pem = NULL;

  g_return_val_if_fail (CB_IS_PROFILE_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  all = g_settings_get_value (self->settings, "profile-certificates");
  if (!g_variant_lookup (all, id, "s", &pem))
    return NULL;
  return pem;
}

/**
 * cb_profile_store_set_certificate:
 * @pem: (nullable): a PEM certificate, or %NULL to trust the system's only
 *
 * Returns: %FALSE with @error when @pem is not a certificate
 */
gboolean
cb_profile_store_set_certificate (CbProfileStore  *self,
                                  const char      *id,
                                  const char      *pem,
                                  GError         **error)
{
  g_autoptr(GVariant) all = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key, *value;

  g_return_val_if_fail (CB_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (pem != NULL)
    {
      g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_pem (pem, -1, NULL);

      if (certificate == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("This file does not hold a certificate in PEM form."));
          return FALSE;
        }
    }

  all = g_settings_get_value (self->settings, "profile-certificates");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_iter_init (&iter, all);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    if (!g_str_equal (key, id))
      g_variant_builder_add (&builder, "{ss}", key, value);
  if (pem != NULL)
    g_variant_builder_add (&builder, "{ss}", id, pem);
  g_settings_set_value (self->settings, "profile-certificates", g_variant_builder_end (&builder));
  return TRUE;
}

/**
 * cb_profile_store_add:
 *
 * Returns: (transfer none): the new profile, or %NULL with @error set
 */
CbProfile *
cb_profile_store_add (CbProfileStore  *self,
                      const char      *name,
                      const char      *url,
                      GError         **error)
{
  g_autofree char *id = NULL;
  g_autofree char *stripped = NULL;
  CbProfile *profile;

  g_return_val_if_fail (CB_IS_PROFILE_STORE (self), NULL);

  if (!validate (name, url, error))
    return NULL;

  id = g_uuid_string_random ();
  stripped = g_strstrip (g_strdup (name));
  profile = cb_profile_new (id, stripped, url);
  g_ptr_array_add (self->profiles, profile);
  save (self);
  g_list_model_items_changed (G_LIST_MODEL (self), self->profiles->len - 1, 0, 1);

  return profile;
}

gboolean
cb_profile_store_update (CbProfileStore  *self,
                         const char      *id,
                         const char      *name,
                         const char      *url,
                         GError         **error)
{
  g_autofree char *stripped = NULL;
  CbProfile *profile;

  g_return_val_if_fail (CB_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  profile = find (self, id, NULL);
  if (profile == NULL)
    {
      g_set_error_literal (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_NOT_FOUND,
                           _("This backend no longer exists."));
      return FALSE;
    }
  if (cb_profile_is_builtin (profile))
    {
      g_set_error_literal (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_BUILTIN,
                           _("The demo contact center cannot be changed."));
      return FALSE;
    }
  if (!validate (name, url, error))
    return FALSE;

  stripped = g_strstrip (g_strdup (name));
  cb_profile_set_name (profile, stripped);
  cb_profile_set_url (profile, url);
  save (self);

  return TRUE;
}

gboolean
cb_profile_store_remove (CbProfileStore  *self,
                         const char      *id,
                         GError         **error)
{
  CbProfile *profile;
  guint position;

  g_return_val_if_fail (CB_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  profile = find (self, id, &position);
  if (profile == NULL)
    {
      g_set_error_literal (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_NOT_FOUND,
                           _("This backend no longer exists."));
      return FALSE;
    }
  if (cb_profile_is_builtin (profile))
    {
      g_set_error_literal (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_BUILTIN,
                           _("The demo contact center cannot be removed."));
      return FALSE;
    }

  g_hash_table_remove (self->session_tokens, id);
  if (self->tokens_persistent)
    secret_password_clear (token_schema (), NULL, NULL, NULL, "profile", id, NULL);

  if (self->active == profile)
    {
      g_set_object (&self->active, g_ptr_array_index (self->profiles, 0));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
    }

  /* Before the profile goes: @id may be its own string. */
  cb_profile_store_set_certificate (self, id, NULL, NULL);
  g_ptr_array_remove_index (self->profiles, position);
  save (self);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  return TRUE;
}

/**
 * cb_profile_store_get_active:
 *
 * Returns: (transfer none): the profile the console connects to
 */
CbProfile *
cb_profile_store_get_active (CbProfileStore *self)
{
  g_return_val_if_fail (CB_IS_PROFILE_STORE (self), NULL);
  return self->active;
}

void
cb_profile_store_set_active (CbProfileStore *self,
                             CbProfile      *profile)
{
  g_return_if_fail (CB_IS_PROFILE_STORE (self));
  g_return_if_fail (CB_IS_PROFILE (profile));
  g_return_if_fail (find (self, cb_profile_get_id (profile), NULL) == profile);

  if (g_set_object (&self->active, profile))
    {
      save (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
    }
}

/**
 * cb_profile_store_get_tokens_persistent:
 *
 * Whether tokens outlive this session. FALSE once the secret service turned
 * out to be missing; tokens are then held in memory only.
 */
gboolean
cb_profile_store_get_tokens_persistent (CbProfileStore *self)
{
  g_return_val_if_fail (CB_IS_PROFILE_STORE (self), FALSE);
  return self->tokens_persistent;
}

typedef struct
{
  char *id;
  char *token;
} TokenOp;

static void
token_op_free (TokenOp *op)
{
  g_free (op->id);
  free_token (op->token);
  g_free (op);
}

static void
on_token_stored (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CbProfileStore *self = g_task_get_source_object (task);
  TokenOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!secret_password_store_finish (result, &error))
    {
      g_debug ("Secret service refused the token, keeping it for this session: %s",
               error->message);
      set_tokens_persistent (self, FALSE);
      g_hash_table_replace (self->session_tokens, g_strdup (op->id), g_steal_pointer (&op->token));
    }
  else
    {
      g_hash_table_remove (self->session_tokens, op->id);
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * cb_profile_store_store_token_async:
 *
 * Keeps @token for the profile @id: in the secret service when there is one,
 * otherwise for this session only (see #CbProfileStore:tokens-persistent).
 * An empty @token forgets the stored one.
 */
void
cb_profile_store_store_token_async (CbProfileStore      *self,
                                    const char          *id,
                                    const char          *token,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GCancellable) timed = NULL;
  g_autofree char *label = NULL;
  CbProfile *profile;
  TokenOp *op;

  g_return_if_fail (CB_IS_PROFILE_STORE (self));
  g_return_if_fail (id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cb_profile_store_store_token_async);

  op = g_new0 (TokenOp, 1);
  op->id = g_strdup (id);
  op->token = g_strdup (token ? token : "");
  g_task_set_task_data (task, op, (GDestroyNotify) token_op_free);

  profile = find (self, id, NULL);
  if (profile == NULL)
    {
      g_task_return_new_error (task, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_NOT_FOUND,
                               _("This backend no longer exists."));
      return;
    }

  if (*op->token == '\0')
    {
      g_hash_table_remove (self->session_tokens, id);
      if (self->tokens_persistent)
        secret_password_clear (token_schema (), NULL, NULL, NULL, "profile", id, NULL);
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (!self->tokens_persistent)
    {
      g_hash_table_replace (self->session_tokens, g_strdup (id), g_steal_pointer (&op->token));
      g_task_return_boolean (task, TRUE);
      return;
    }

  timed = with_timeout (cancellable);
  /* Translators: the label of a token in the keyring (Passwords and Keys);
   * %s is the name of a backend profile */
  label = g_strdup_printf (_("Callboard token for “%s”"), cb_profile_get_name (profile));
  secret_password_store (token_schema (), SECRET_COLLECTION_DEFAULT, label, op->token,
                         timed, on_token_stored, g_steal_pointer (&task),
                         "profile", id, NULL);
}

gboolean
cb_profile_store_store_token_finish (CbProfileStore  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_token_looked_up (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CbProfileStore *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      if (g_task_return_error_if_cancelled (task))
        return;
      set_tokens_persistent (self, FALSE);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  g_task_return_pointer (task, g_strdup (secret), free_token);
  secret_password_free (secret);
}

void
cb_profile_store_lookup_token_async (CbProfileStore      *self,
                                     const char          *id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GCancellable) timed = NULL;
  const char *session_token;

  g_return_if_fail (CB_IS_PROFILE_STORE (self));
  g_return_if_fail (id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cb_profile_store_lookup_token_async);

  session_token = g_hash_table_lookup (self->session_tokens, id);
  if (session_token != NULL || !self->tokens_persistent)
    {
      g_task_return_pointer (task, g_strdup (session_token), free_token);
      return;
    }

  timed = with_timeout (cancellable);
  secret_password_lookup (token_schema (), timed, on_token_looked_up, g_steal_pointer (&task),
                          "profile", id, NULL);
}

/**
 * cb_profile_store_lookup_token_finish:
 *
 * Returns: (transfer full) (nullable): the token, or %NULL when none is kept
 */
char *
cb_profile_store_lookup_token_finish (CbProfileStore  *self,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
