/* cb-entity.c — one entity the console holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An agent, queue, call, campaign, … as the backend last described it: its
 * type, id, rev and the whole entity object (docs/protocol.md §10). The
 * object — a CbJsonValue — is immutable and owned by the decoded message
 * it arrived in (@holder), which the entity keeps alive; an update swaps
 * the holder, so the entity object itself — what list rows are bound to —
 * stays the same.
 *
 * The typed getters follow the protocol's rules for a reader: a missing
 * member or one of another type gives the fallback (clients must tolerate
 * unknown and absent fields), never a warning.
 */
#define G_LOG_DOMAIN "cb-entity"

#include "config.h"

#include "cb-entity.h"

enum {
  PROP_0,
  PROP_ID,
  PROP_REV,
  N_PROPS
};

struct _CbEntity
{
  GObject     parent_instance;

  /* borrowed references */
  const char *type;       /* interned */
  const char *topic;      /* interned */
  const CbJsonValue *state; /* owned by holder */

  /* owned references */
  char       *id;
  CbMessage  *holder;

  gint64      rev;
};

G_DEFINE_FINAL_TYPE (CbEntity, cb_entity, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
cb_entity_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  CbEntity *self = CB_ENTITY (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_REV:
      g_value_set_int64 (value, self->rev);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_entity_finalize (GObject *object)
{
  CbEntity *self = CB_ENTITY (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->holder, cb_message_unref);

  G_OBJECT_CLASS (cb_entity_parent_class)->finalize (object);
}

static void
cb_entity_class_init (CbEntityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cb_entity_get_property;
  object_class->finalize = cb_entity_finalize;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* Notified on every update: rows bound to an entity refresh on it. */
  properties[PROP_REV] =
    g_param_spec_int64 ("rev", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cb_entity_init (CbEntity *self)
{
}

/**
 * cb_entity_new:
 * @holder: the decoded message whose `data` is this entity
 */
CbEntity *
cb_entity_new (const char *type,
               const char *id,
               const char *topic,
               gint64      rev,
               CbMessage  *holder)
{
  CbEntity *self;

  g_return_val_if_fail (type != NULL && id != NULL && holder != NULL && holder->state != NULL, NULL);

  self = g_object_new (CB_TYPE_ENTITY, NULL);
  self->type = g_intern_string (type);
  self->topic = g_intern_string (topic);
  self->id = g_strdup (id);
  self->rev = rev;
  self->holder = cb_message_ref (holder);
  self->state = holder->state;
  return self;
}

const char *
cb_entity_get_entity_type (CbEntity *self)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), NULL);
  return self->type;
}

const char *
cb_entity_get_id (CbEntity *self)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), NULL);
  return self->id;
}

const char *
cb_entity_get_topic (CbEntity *self)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), NULL);
  return self->topic;
}

gint64
cb_entity_get_rev (CbEntity *self)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), 0);
  return self->rev;
}

/**
 * cb_entity_get_state:
 *
 * Returns: (transfer none): the entity object; immutable, valid until the
 *   next update of @self
 */
const CbJsonValue *
cb_entity_get_state (CbEntity *self)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), NULL);
  return self->state;
}

/**
 * cb_entity_update:
 * @released: (nullable): where to put the previous holder instead of
 *   releasing it here (freeing a JSON tree costs about what parsing it
 *   does, so the store releases them off the main thread)
 */
void
cb_entity_update (CbEntity  *self,
                  gint64     rev,
                  CbMessage *holder,
                  GPtrArray *released)
{
  CbMessage *old;

  g_return_if_fail (CB_IS_ENTITY (self));
  g_return_if_fail (holder != NULL && holder->state != NULL);

  old = g_steal_pointer (&self->holder);
  self->holder = cb_message_ref (holder);
  self->state = holder->state;
  self->rev = rev;
  if (released != NULL)
    g_ptr_array_add (released, old);
  else
    cb_message_unref (old);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REV]);
}

/* Returns: (nullable): the string member, or %NULL if absent, null or not a string */
const char *
cb_entity_get_string (CbEntity   *self,
                      const char *name)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), NULL);
  return cb_json_value_lookup_string (self->state, name);
}

gint64
cb_entity_get_int (CbEntity   *self,
                   const char *name,
                   gint64      fallback)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), fallback);
  return cb_json_value_lookup_int (self->state, name, fallback);
}

double
cb_entity_get_double (CbEntity   *self,
                      const char *name,
                      double      fallback)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), fallback);
  return cb_json_value_lookup_double (self->state, name, fallback);
}

gboolean
cb_entity_get_bool (CbEntity   *self,
                    const char *name)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), FALSE);
  return cb_json_value_lookup_boolean (self->state, name);
}

/* Returns: (transfer none) (nullable): */
const CbJsonValue *
cb_entity_get_object (CbEntity   *self,
                      const char *name)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), NULL);
  return cb_json_value_lookup_object (self->state, name);
}

/* Returns: (transfer none) (nullable): */
const CbJsonValue *
cb_entity_get_array (CbEntity   *self,
                     const char *name)
{
  g_return_val_if_fail (CB_IS_ENTITY (self), NULL);
  return cb_json_value_lookup_array (self->state, name);
}

/* Whether the array of strings @name holds @value (team_ids, queue_ids, …). */
gboolean
cb_entity_has_in_array (CbEntity   *self,
                        const char *name,
                        const char *value)
{
  return cb_json_value_has_string (cb_entity_get_array (self, name), value);
}
