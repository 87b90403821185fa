/* cb-entity-model.c — a live list of the entities of one type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel of CbEntity, ordered by id so that positions are stable and
 * found by binary search, with a hash table beside the array for lookups
 * by id. Every change emits items-changed for exactly the position it
 * touches: an insert (pos, 0, 1), a removal (pos, 1, 0), an update
 * (pos, 1, 1) of the same object — so filter and sort models above it
 * re-evaluate that one item, and rows bound to it refresh on notify::rev.
 * The model is never reset wholesale.
 *
 * The store applies each batch of changes on the main thread; views and
 * metrics only read.
 */
#define G_LOG_DOMAIN "cb-entity-model"

#include "config.h"

#include "cb-entity-model.h"

struct _CbEntityModel
{
  GObject     parent_instance;

  /* owned references */
  GPtrArray  *items;       /* CbEntity, sorted by id */
  GHashTable *by_id;       /* id (borrowed from the entity) → CbEntity (borrowed) */

  const char *entity_type; /* interned */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CbEntityModel, cb_entity_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return CB_TYPE_ENTITY;
}

static guint
get_n_items (GListModel *model)
{
  return CB_ENTITY_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  CbEntityModel *self = CB_ENTITY_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* The position of @id, or where it would be inserted. */
static guint
bisect (CbEntityModel *self,
        const char    *id,
        gboolean      *found)
{
  guint lo = 0, hi = self->items->len;

  *found = FALSE;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      int cmp = strcmp (cb_entity_get_id (g_ptr_array_index (self->items, mid)), id);

      if (cmp == 0)
        {
          *found = TRUE;
          return mid;
        }
      if (cmp < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
cb_entity_model_finalize (GObject *object)
{
  CbEntityModel *self = CB_ENTITY_MODEL (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (cb_entity_model_parent_class)->finalize (object);
}

static void
cb_entity_model_class_init (CbEntityModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cb_entity_model_finalize;
}

static void
cb_entity_model_init (CbEntityModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
}

CbEntityModel *
cb_entity_model_new (const char *entity_type)
{
  CbEntityModel *self;

  g_return_val_if_fail (entity_type != NULL, NULL);

  self = g_object_new (CB_TYPE_ENTITY_MODEL, NULL);
  self->entity_type = g_intern_string (entity_type);
  return self;
}

const char *
cb_entity_model_get_entity_type (CbEntityModel *self)
{
  g_return_val_if_fail (CB_IS_ENTITY_MODEL (self), NULL);
  return self->entity_type;
}

/**
 * cb_entity_model_lookup:
 *
 * Returns: (transfer none) (nullable): the entity with @id
 */
CbEntity *
cb_entity_model_lookup (CbEntityModel *self,
                        const char    *id)
{
  g_return_val_if_fail (CB_IS_ENTITY_MODEL (self), NULL);
  return g_hash_table_lookup (self->by_id, id);
}

gboolean
cb_entity_model_find (CbEntityModel *self,
                      const char    *id,
                      guint         *position)
{
  gboolean found;
  guint pos;

  g_return_val_if_fail (CB_IS_ENTITY_MODEL (self), FALSE);

  if (!g_hash_table_contains (self->by_id, id))
    return FALSE;
  pos = bisect (self, id, &found);
  if (position)
    *position = pos;
  return found;
}

/* Returns: (transfer none): the entity at @position */
CbEntity *
cb_entity_model_get (CbEntityModel *self,
                     guint          position)
{
  g_return_val_if_fail (CB_IS_ENTITY_MODEL (self), NULL);
  g_return_val_if_fail (position < self->items->len, NULL);
  return g_ptr_array_index (self->items, position);
}

/**
 * cb_entity_model_upsert:
 * @released: (nullable): see cb_entity_update()
 */
void
cb_entity_model_upsert (CbEntityModel *self,
                        const char    *id,
                        const char    *topic,
                        gint64         rev,
                        CbMessage     *holder,
                        GPtrArray     *released)
{
  CbEntity *entity;
  gboolean found;
  guint pos;

  g_return_if_fail (CB_IS_ENTITY_MODEL (self));

  entity = g_hash_table_lookup (self->by_id, id);
  if (entity != NULL)
    {
      cb_entity_update (entity, rev, holder, released);
      pos = bisect (self, id, &found);
      g_assert (found);
      g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 1);
      return;
    }

  entity = cb_entity_new (self->entity_type, id, topic, rev, holder);
  pos = bisect (self, id, &found);
  g_assert (!found);
  g_ptr_array_insert (self->items, (int) pos, entity);
  g_hash_table_insert (self->by_id, (gpointer) cb_entity_get_id (entity), entity);
  g_list_model_items_changed (G_LIST_MODEL (self), pos, 0, 1);
}

gboolean
cb_entity_model_remove (CbEntityModel *self,
                        const char    *id)
{
  gboolean found;
  guint pos;

  g_return_val_if_fail (CB_IS_ENTITY_MODEL (self), FALSE);

  if (!g_hash_table_contains (self->by_id, id))
    return FALSE;
  pos = bisect (self, id, &found);
  g_assert (found);
  g_hash_table_remove (self->by_id, id);
  g_ptr_array_remove_index (self->items, pos);
  g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 0);
  return TRUE;
}

/* Removes everything (a profile switch), as one items-changed. */
void
cb_entity_model_clear (CbEntityModel *self)
{
  guint n;

  g_return_if_fail (CB_IS_ENTITY_MODEL (self));

  n = self->items->len;
  if (n == 0)
    return;
  g_hash_table_remove_all (self->by_id);
  g_ptr_array_set_size (self->items, 0);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}
