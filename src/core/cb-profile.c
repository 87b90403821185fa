/* cb-profile.c — one backend a console can connect to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A profile names a backend: its id (stable, used as the key of its token in
 * the secret store and of its cache file), a name for people and a websocket
 * URL. The token itself never lives here; CbProfileStore keeps it in the
 * secret service. The built-in "demo" profile has no URL of its own: the
 * console starts the reference backend and connects to wherever it listens.
 */
#define G_LOG_DOMAIN "cb-profile"

#include "config.h"

#include "cb-profile.h"

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_URL,
  PROP_BUILTIN,
  N_PROPS
};

struct _CbProfile
{
  GObject parent_instance;

  char *id;
  char *name;
  char *url;
};

G_DEFINE_FINAL_TYPE (CbProfile, cb_profile, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

/* Replaces *@ptr by a copy of @value; TRUE when it changed. */
static gboolean
set_string (char       **ptr,
            const char  *value)
{
  if (g_strcmp0 (*ptr, value) == 0)
    return FALSE;

  g_free (*ptr);
  *ptr = g_strdup (value);
  return TRUE;
}

static void
cb_profile_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CbProfile *self = CB_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_BUILTIN:
      g_value_set_boolean (value, cb_profile_is_builtin (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_profile_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  CbProfile *self = CB_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_NAME:
      cb_profile_set_name (self, g_value_get_string (value));
      break;
    case PROP_URL:
      cb_profile_set_url (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_profile_finalize (GObject *object)
{
  CbProfile *self = CB_PROFILE (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->url, g_free);

  G_OBJECT_CLASS (cb_profile_parent_class)->finalize (object);
}

static void
cb_profile_class_init (CbProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cb_profile_get_property;
  object_class->set_property = cb_profile_set_property;
  object_class->finalize = cb_profile_finalize;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUILTIN] =
    g_param_spec_boolean ("builtin", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cb_profile_init (CbProfile *self)
{
  self->name = g_strdup ("");
  self->url = g_strdup ("");
}

CbProfile *
cb_profile_new (const char *id,
                const char *name,
                const char *url)
{
  g_return_val_if_fail (id != NULL && *id != '\0', NULL);

  return g_object_new (CB_TYPE_PROFILE,
                       "id", id,
                       "name", name ? name : "",
                       "url", url ? url : "",
                       NULL);
}

const char *
cb_profile_get_id (CbProfile *self)
{
  g_return_val_if_fail (CB_IS_PROFILE (self), NULL);
  return self->id;
}

const char *
cb_profile_get_name (CbProfile *self)
{
  g_return_val_if_fail (CB_IS_PROFILE (self), NULL);
  return self->name;
}

void
cb_profile_set_name (CbProfile  *self,
                     const char *name)
{
  g_return_if_fail (CB_IS_PROFILE (self));

  if (set_string (&self->name, name ? name : ""))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const char *
cb_profile_get_url (CbProfile *self)
{
  g_return_val_if_fail (CB_IS_PROFILE (self), NULL);
  return self->url;
}

void
cb_profile_set_url (CbProfile  *self,
                    const char *url)
{
  g_return_if_fail (CB_IS_PROFILE (self));

  if (set_string (&self->url, url ? url : ""))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
}

gboolean
cb_profile_is_builtin (CbProfile *self)
{
  g_return_val_if_fail (CB_IS_PROFILE (self), FALSE);
  return g_strcmp0 (self->id, CB_PROFILE_DEMO_ID) == 0;
}

/**
 * cb_profile_url_is_valid:
 * @url: a string typed by the user
 *
 * Whether @url is an absolute ws:// or wss:// URL with a host.
 */
gboolean
cb_profile_url_is_valid (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL || *url == '\0')
    return FALSE;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "ws") != 0 && g_ascii_strcasecmp (scheme, "wss") != 0)
    return FALSE;

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    return FALSE;

  /* GUri leaves the host's characters alone; a host name is letters, digits,
   * dots and hyphens (IDN in punycode), or an IP literal. */
  if (g_hostname_is_ip_address (host))
    return TRUE;
  for (const char *c = host; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '.' && *c != '-' && *c != '_')
      return FALSE;

  return TRUE;
}
