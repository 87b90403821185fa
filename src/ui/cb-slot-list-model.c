/* cb-slot-list-model.c — rows that stay where they are while their items move
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8's list views bind every row again — each cell of it, in a
 * column view — from the first position an items-changed names to the
 * last row they hold, some 200 rows: a reorder of the agent board, which
 * moves a handful of agents, made GTK unbind and bind about 4,000 cells
 * and re-anchor its view on the agent at the top wherever it went.
 *
 * CbSlotListModel stands between the sorted, filtered agents (its source)
 * and the view: its items are slots, one per row, that never move. The
 * row at position 7 is always slot 7, and shows whatever item the source
 * has at position 7; what changed there is told to the owner (the return
 * of cb_slot_list_model_splice ()), which updates those rows' cells
 * itself. Only a change in the number of items reaches the view, as slots
 * added or removed at the end.
 *
 * The owner tells it of the source's changes (cb_slot_list_model_splice ()),
 * so that it can keep what it must around them: the selection, which is on
 * a slot, follows its item by hand.
 */
#define G_LOG_DOMAIN "cb-slot-list-model"

#include "config.h"

#include "cb-slot-list-model.h"

struct _CbSlot
{
  GObject parent_instance;
  guint   position;
};

G_DEFINE_FINAL_TYPE (CbSlot, cb_slot, G_TYPE_OBJECT)

static void
cb_slot_class_init (CbSlotClass *klass)
{
}

static void
cb_slot_init (CbSlot *self)
{
}

/* Returns: the row the slot is, which it stays */
guint
cb_slot_get_position (CbSlot *slot)
{
  g_return_val_if_fail (CB_IS_SLOT (slot), 0);
  return slot->position;
}

struct _CbSlotListModel
{
  GObject     parent_instance;

  GListModel *source;
  GPtrArray  *items;   /* the source's items, by position */
  GPtrArray  *slots;   /* CbSlot, as many as items */
};

static void cb_slot_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CbSlotListModel, cb_slot_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      cb_slot_list_model_iface_init))

static GType
cb_slot_list_model_get_item_type (GListModel *model)
{
  return CB_TYPE_SLOT;
}

static guint
cb_slot_list_model_get_n_items (GListModel *model)
{
  return CB_SLOT_LIST_MODEL (model)->slots->len;
}

static gpointer
cb_slot_list_model_get_item (GListModel *model,
                             guint       position)
{
  CbSlotListModel *self = CB_SLOT_LIST_MODEL (model);

  if (position >= self->slots->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->slots, position));
}

static void
cb_slot_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = cb_slot_list_model_get_item_type;
  iface->get_n_items = cb_slot_list_model_get_n_items;
  iface->get_item = cb_slot_list_model_get_item;
}

static void
cb_slot_list_model_finalize (GObject *object)
{
  CbSlotListModel *self = CB_SLOT_LIST_MODEL (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  g_clear_object (&self->source);

  G_OBJECT_CLASS (cb_slot_list_model_parent_class)->finalize (object);
}

static void
cb_slot_list_model_class_init (CbSlotListModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cb_slot_list_model_finalize;
}

static void
cb_slot_list_model_init (CbSlotListModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->slots = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Adds or removes slots at the end, and says so, until there are as many
 * as items. */
static void
resize (CbSlotListModel *self)
{
  guint old_n = self->slots->len, n = self->items->len;

  if (n > old_n)
    {
      for (guint i = old_n; i < n; i++)
        {
          CbSlot *slot = g_object_new (CB_TYPE_SLOT, NULL);

          slot->position = i;
          g_ptr_array_add (self->slots, slot);
        }
      g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, n - old_n);
    }
  else if (n < old_n)
    {
      g_ptr_array_set_size (self->slots, n);
      g_list_model_items_changed (G_LIST_MODEL (self), n, old_n - n, 0);
    }
}

/**
 * cb_slot_list_model_new:
 * @source: the model whose items the slots show
 */
CbSlotListModel *
cb_slot_list_model_new (GListModel *source)
{
  CbSlotListModel *self;
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (source), NULL);

  self = g_object_new (CB_TYPE_SLOT_LIST_MODEL, NULL);
  self->source = g_object_ref (source);
  n = g_list_model_get_n_items (source);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->items, g_list_model_get_item (source, i));
  resize (self);
  return self;
}

/**
 * cb_slot_list_model_splice:
 * @position, @removed, @added: what the source's items-changed said
 * @changed_end: (out): the end of the slots that show another item or a
 *   changed one: [@position, *@changed_end)
 *
 * Follows an items-changed of the source: the slots from @position show
 * the items now there, and only the slots added or removed at the end are
 * announced.
 */
void
cb_slot_list_model_splice (CbSlotListModel *self,
                           guint            position,
                           guint            removed,
                           guint            added,
                           guint           *changed_end)
{
  *changed_end = position;
  g_return_if_fail (CB_IS_SLOT_LIST_MODEL (self));
  g_return_if_fail (position + removed <= self->items->len);

  if (removed == added)
    {
      for (guint i = position; i < position + added; i++)
        {
          g_object_unref (g_ptr_array_index (self->items, i));
          g_ptr_array_index (self->items, i) = g_list_model_get_item (self->source, i);
        }
    }
  else
    {
      guint old_n = self->items->len;
      GPtrArray *items = g_ptr_array_new_full (old_n - removed + added, g_object_unref);

      for (guint i = 0; i < position; i++)
        g_ptr_array_add (items, g_object_ref (g_ptr_array_index (self->items, i)));
      for (guint i = 0; i < added; i++)
        g_ptr_array_add (items, g_list_model_get_item (self->source, position + i));
      for (guint i = position + removed; i < old_n; i++)
        g_ptr_array_add (items, g_object_ref (g_ptr_array_index (self->items, i)));
      g_ptr_array_unref (self->items);
      self->items = items;
    }
  /* The same number of items: only those named changed; else every one
   * after them moved too. */
  *changed_end = removed == added ? position + added : self->items->len;
  resize (self);
}

/* Returns: (transfer none) (nullable): the source's item that the slot at
 * @position shows */
gpointer
cb_slot_list_model_get_source_item (CbSlotListModel *self,
                                    guint            position)
{
  g_return_val_if_fail (CB_IS_SLOT_LIST_MODEL (self), NULL);

  return position < self->items->len ? g_ptr_array_index (self->items, position) : NULL;
}

/* Returns: the slot that shows @item, or G_MAXUINT (GTK_INVALID_LIST_POSITION) */
guint
cb_slot_list_model_find (CbSlotListModel *self,
                         gpointer         item)
{
  guint position;

  g_return_val_if_fail (CB_IS_SLOT_LIST_MODEL (self), G_MAXUINT);

  if (item != NULL && g_ptr_array_find (self->items, item, &position))
    return position;
  return G_MAXUINT;
}
