/* cb-pending-edit.c — a configuration edit waiting in the offline outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the store's outbox model holds: one edit of a campaign, list, rule
 * set, … that the backend has not confirmed yet — made offline, or refused
 * with a conflict because someone else changed the entity meanwhile. On a
 * conflict the edit carries the backend's current entity, and
 * cb_pending_edit_get_differences() says field by field what the user set,
 * what the backend now has and what the user started from, so the UI can
 * offer keep mine / take theirs / merge (cb_store_resolve_edit()).
 */
#define G_LOG_DOMAIN "cb-pending-edit"

#include "config.h"

#include "cb-pending-edit.h"

enum {
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  N_PROPS
};

struct _CbPendingEdit
{
  GObject       parent_instance;

  /* owned references */
  CbOutboxItem *item;
};

G_DEFINE_FINAL_TYPE (CbPendingEdit, cb_pending_edit, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

void
cb_field_difference_free (CbFieldDifference *difference)
{
  g_free (difference->field);
  g_free (difference->mine);
  g_free (difference->theirs);
  g_free (difference->base);
  g_free (difference);
}

static void
cb_pending_edit_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CbPendingEdit *self = CB_PENDING_EDIT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->item->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->item->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_pending_edit_finalize (GObject *object)
{
  CbPendingEdit *self = CB_PENDING_EDIT (object);

  g_clear_pointer (&self->item, cb_outbox_item_free);

  G_OBJECT_CLASS (cb_pending_edit_parent_class)->finalize (object);
}

static void
cb_pending_edit_class_init (CbPendingEditClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cb_pending_edit_get_property;
  object_class->finalize = cb_pending_edit_finalize;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, CB_OUTBOX_PENDING, CB_OUTBOX_FAILED, CB_OUTBOX_PENDING,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cb_pending_edit_init (CbPendingEdit *self)
{
}

CbPendingEdit *
cb_pending_edit_new (const CbOutboxItem *item)
{
  CbPendingEdit *self;

  g_return_val_if_fail (item != NULL, NULL);

  self = g_object_new (CB_TYPE_PENDING_EDIT, NULL);
  self->item = cb_outbox_item_copy (item);
  return self;
}

void
cb_pending_edit_set_item (CbPendingEdit      *self,
                          const CbOutboxItem *item)
{
  gboolean state_changed, error_changed;

  g_return_if_fail (CB_IS_PENDING_EDIT (self));
  g_return_if_fail (item != NULL && item->id == self->item->id);

  state_changed = item->state != self->item->state;
  error_changed = g_strcmp0 (item->error, self->item->error) != 0;
  cb_outbox_item_free (self->item);
  self->item = cb_outbox_item_copy (item);
  if (state_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (error_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

gint64
cb_pending_edit_get_id (CbPendingEdit *self)
{
  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), 0);
  return self->item->id;
}

const char *
cb_pending_edit_get_op (CbPendingEdit *self)
{
  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), NULL);
  return self->item->op;
}

const char *
cb_pending_edit_get_entity_type (CbPendingEdit *self)
{
  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), NULL);
  return self->item->entity_type;
}

const char *
cb_pending_edit_get_entity_id (CbPendingEdit *self)
{
  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), NULL);
  return self->item->entity_id;
}

CbOutboxState
cb_pending_edit_get_state (CbPendingEdit *self)
{
  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), CB_OUTBOX_PENDING);
  return self->item->state;
}

const char *
cb_pending_edit_get_error (CbPendingEdit *self)
{
  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), NULL);
  return self->item->error;
}

gint64
cb_pending_edit_get_created_at (CbPendingEdit *self)
{
  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), 0);
  return self->item->created_at;
}

/* Returns: JSON text of the request's data */
const char *
cb_pending_edit_get_data (CbPendingEdit *self)
{
  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), NULL);
  return self->item->data;
}

/* Returns: (nullable): JSON text of the backend's entity, after a conflict */
const char *
cb_pending_edit_get_current (CbPendingEdit *self)
{
  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), NULL);
  return self->item->current;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL)
    return NULL;
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

gint64
cb_pending_edit_get_current_rev (CbPendingEdit *self)
{
  g_autoptr(JsonObject) current = NULL;

  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), 0);

  current = parse_object (self->item->current);
  if (current == NULL || !json_object_has_member (current, "rev"))
    return 0;
  return json_object_get_int_member (current, "rev");
}

static char *
member_text (JsonObject *object,
             const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node ? json_to_string (node, FALSE) : NULL;
}

/**
 * cb_compare_edit:
 * @set: the fields the user set (the `set` of an update)
 * @base: (nullable): the entity the user started from
 * @theirs: (nullable): the backend's current entity
 *
 * Compares an edit with the entity it was made on and the entity as it is
 * now. Lists every field of @set, and every field the backend changed since
 * @base; a field is conflicting when both sides changed it to different
 * values.
 *
 * Returns: (transfer full) (element-type CbFieldDifference):
 */
GPtrArray *
cb_compare_edit (JsonObject *set,
                 JsonObject *base,
                 JsonObject *theirs)
{
  GPtrArray *differences = g_ptr_array_new_with_free_func ((GDestroyNotify) cb_field_difference_free);
  g_autoptr(GHashTable) fields = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GList) names = NULL;
  g_autoptr(GList) theirs_names = NULL;

  if (set != NULL)
    names = json_object_get_members (set);
  if (theirs != NULL && base != NULL)
    theirs_names = json_object_get_members (theirs);

  for (GList *l = names; l != NULL; l = l->next)
    g_hash_table_add (fields, l->data);
  for (GList *l = theirs_names; l != NULL; l = l->next)
    {
      g_autofree char *now = member_text (theirs, l->data);
      g_autofree char *was = member_text (base, l->data);

      if (g_str_equal (l->data, "rev") || g_str_equal (l->data, "updated_at"))
        continue;
      if (g_strcmp0 (now, was) != 0)
        g_hash_table_add (fields, l->data);
    }

  {
    g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (fields), (GCompareFunc) g_strcmp0);

    for (GList *l = keys; l != NULL; l = l->next)
      {
        CbFieldDifference *d = g_new0 (CbFieldDifference, 1);
        gboolean mine_changed, theirs_changed;

        d->field = g_strdup (l->data);
        d->mine = set && json_object_has_member (set, l->data) ? member_text (set, l->data) : NULL;
        d->theirs = member_text (theirs, l->data);
        d->base = member_text (base, l->data);
        mine_changed = d->mine != NULL && (base == NULL || g_strcmp0 (d->mine, d->base) != 0);
        theirs_changed = base != NULL ? g_strcmp0 (d->theirs, d->base) != 0 : TRUE;
        d->conflicting = mine_changed && theirs_changed && g_strcmp0 (d->mine, d->theirs) != 0;
        g_ptr_array_add (differences, d);
      }
  }

  return differences;
}

/**
 * cb_pending_edit_get_differences:
 *
 * Returns: (transfer full) (element-type CbFieldDifference): the field-level
 *   differences between this edit and the backend's current entity
 */
GPtrArray *
cb_pending_edit_get_differences (CbPendingEdit *self)
{
  g_autoptr(JsonObject) data = NULL;
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(JsonObject) current = NULL;
  JsonObject *set = NULL;

  g_return_val_if_fail (CB_IS_PENDING_EDIT (self), NULL);

  data = parse_object (self->item->data);
  base = parse_object (self->item->base);
  current = parse_object (self->item->current);
  if (data != NULL && json_object_has_member (data, "set")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (data, "set")))
    set = json_object_get_object_member (data, "set");
  else
    set = data;

  return cb_compare_edit (set, base, current);
}
