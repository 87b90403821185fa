/* cb-frame-list-model.c — a list that follows another one when told, once a frame
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Live models change whenever a batch of events arrives; a list view bound
 * to them re-filters, re-sorts and queues a relayout each time, between
 * frames. CbFrameListModel holds the items of its source as of the last
 * cb_frame_list_model_flush () — which a widget calls from its frame-clock
 * tick — and then tells, in one go, what changed since: each item updated
 * in place once, however often it changed (an items-changed (pos, 1, 1) per
 * item), and insertions or removals as one range between the common
 * beginning and end. So a list over 2,000 agents receiving thousands of
 * updates a second does the work of the agents that changed, once a frame,
 * and none at all while the widget is not mapped and does not flush.
 *
 * The items are the source's objects; an entity updated in place shows its
 * new fields at once, only the notification waits for the flush.
 */
#define G_LOG_DOMAIN "cb-frame-list-model"

#include "config.h"

#include "cb-frame-list-model.h"

struct _CbFrameListModel
{
  GObject     parent_instance;

  /* owned references */
  GListModel *source;
  GPtrArray  *items;       /* the source's items as of the last flush */
  GHashTable *changed;     /* items updated in place since (pointers only) */

  gulong      handler;
  gboolean    structural;  /* items came or went since the last flush */
};

static void cb_frame_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CbFrameListModel, cb_frame_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      cb_frame_list_model_iface_init))

static GType
cb_frame_list_model_get_item_type (GListModel *model)
{
  CbFrameListModel *self = CB_FRAME_LIST_MODEL (model);

  return self->source != NULL ? g_list_model_get_item_type (self->source) : G_TYPE_OBJECT;
}

static guint
cb_frame_list_model_get_n_items (GListModel *model)
{
  return CB_FRAME_LIST_MODEL (model)->items->len;
}

static gpointer
cb_frame_list_model_get_item (GListModel *model,
                              guint       position)
{
  CbFrameListModel *self = CB_FRAME_LIST_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
cb_frame_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = cb_frame_list_model_get_item_type;
  iface->get_n_items = cb_frame_list_model_get_n_items;
  iface->get_item = cb_frame_list_model_get_item;
}

/* Only remembers: which items were updated in place, and whether items
 * came or went. The set holds pointers only, compared with the items held
 * at the flush, never dereferenced. */
static void
on_source_items_changed (GListModel       *source,
                         guint             position,
                         guint             removed,
                         guint             added,
                         CbFrameListModel *self)
{
  if (removed != added)
    {
      self->structural = TRUE;
      return;
    }

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (source, i);

      g_hash_table_add (self->changed, item);
      if (!self->structural && (i >= self->items->len || item != g_ptr_array_index (self->items, i)))
        self->structural = TRUE;
    }
}

static void
cb_frame_list_model_dispose (GObject *object)
{
  CbFrameListModel *self = CB_FRAME_LIST_MODEL (object);

  if (self->source != NULL)
    g_clear_signal_handler (&self->handler, self->source);
  g_clear_object (&self->source);
  g_hash_table_remove_all (self->changed);
  g_ptr_array_set_size (self->items, 0);

  G_OBJECT_CLASS (cb_frame_list_model_parent_class)->dispose (object);
}

static void
cb_frame_list_model_finalize (GObject *object)
{
  CbFrameListModel *self = CB_FRAME_LIST_MODEL (object);

  g_clear_pointer (&self->changed, g_hash_table_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (cb_frame_list_model_parent_class)->finalize (object);
}

static void
cb_frame_list_model_class_init (CbFrameListModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cb_frame_list_model_dispose;
  object_class->finalize = cb_frame_list_model_finalize;
}

static void
cb_frame_list_model_init (CbFrameListModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->changed = g_hash_table_new (NULL, NULL);
}

/**
 * cb_frame_list_model_new:
 * @source: (nullable): the model to follow
 */
CbFrameListModel *
cb_frame_list_model_new (GListModel *source)
{
  CbFrameListModel *self = g_object_new (CB_TYPE_FRAME_LIST_MODEL, NULL);

  cb_frame_list_model_set_model (self, source);
  return self;
}

/* Returns: (transfer none) (nullable): the model followed */
GListModel *
cb_frame_list_model_get_model (CbFrameListModel *self)
{
  g_return_val_if_fail (CB_IS_FRAME_LIST_MODEL (self), NULL);
  return self->source;
}

/**
 * cb_frame_list_model_set_model:
 * @source: (nullable): the model to follow
 *
 * Follows @source, whose items are taken at once.
 */
void
cb_frame_list_model_set_model (CbFrameListModel *self,
                               GListModel       *source)
{
  g_return_if_fail (CB_IS_FRAME_LIST_MODEL (self));
  g_return_if_fail (source == NULL || G_IS_LIST_MODEL (source));

  if (self->source == source)
    return;

  if (self->source != NULL)
    g_clear_signal_handler (&self->handler, self->source);
  g_set_object (&self->source, source);
  if (source != NULL)
    self->handler = g_signal_connect (source, "items-changed", G_CALLBACK (on_source_items_changed),
                                      self);
  self->structural = TRUE;
  cb_frame_list_model_flush (self);
}

/* Returns: whether the source changed since the last flush */
gboolean
cb_frame_list_model_is_pending (CbFrameListModel *self)
{
  g_return_val_if_fail (CB_IS_FRAME_LIST_MODEL (self), FALSE);
  return self->structural || g_hash_table_size (self->changed) > 0;
}

/**
 * cb_frame_list_model_flush:
 *
 * Takes the source's items as they are now and says what changed since
 * the last flush, as one range: from the first item that changed to the
 * last. One range, not one change per item, because a sort model keeps its
 * order only if every item it compares against is where its current value
 * belongs: items updated in place but not yet announced are not, so they
 * are all taken out and put back at once.
 */
void
cb_frame_list_model_flush (CbFrameListModel *self)
{
  guint old_n, n, prefix, suffix;
  gboolean structural = self->structural;

  g_return_if_fail (CB_IS_FRAME_LIST_MODEL (self));

  if (!self->structural && g_hash_table_size (self->changed) == 0)
    return;

  old_n = self->items->len;
  n = self->source != NULL ? g_list_model_get_n_items (self->source) : 0;
  prefix = 0;
  suffix = 0;

  if (structural)
    {
      /* What stayed the same at the beginning and at the end. */
      while (prefix < old_n && prefix < n)
        {
          g_autoptr(GObject) item = g_list_model_get_item (self->source, prefix);

          if (item != g_ptr_array_index (self->items, prefix))
            break;
          prefix++;
        }
      while (suffix < old_n - prefix && suffix < n - prefix)
        {
          g_autoptr(GObject) item = g_list_model_get_item (self->source, n - 1 - suffix);

          if (item != g_ptr_array_index (self->items, old_n - 1 - suffix))
            break;
          suffix++;
        }
    }
  else
    prefix = old_n;   /* same items: only updates */

  /* Updated in place: within the range too. */
  for (guint i = 0; i < prefix; i++)
    if (g_hash_table_contains (self->changed, g_ptr_array_index (self->items, i)))
      {
        prefix = i;
        break;
      }
  for (guint i = 0; i < suffix; i++)
    if (g_hash_table_contains (self->changed, g_ptr_array_index (self->items, old_n - 1 - i)))
      {
        suffix = i;
        break;
      }
  if (!structural)
    {
      guint last = prefix;

      if (prefix >= old_n)
        {
          g_hash_table_remove_all (self->changed);
          return;
        }

      for (guint i = prefix; i < old_n; i++)
        if (g_hash_table_contains (self->changed, g_ptr_array_index (self->items, i)))
          last = i;
      suffix = old_n - 1 - last;
    }
  g_hash_table_remove_all (self->changed);
  self->structural = FALSE;

  if (old_n - prefix - suffix == 0 && n - prefix - suffix == 0)
    return;

  if (structural)
    {
      GPtrArray *items = g_ptr_array_new_full (n, g_object_unref);

      for (guint i = 0; i < prefix; i++)
        g_ptr_array_add (items, g_object_ref (g_ptr_array_index (self->items, i)));
      for (guint i = prefix; i < n - suffix; i++)
        g_ptr_array_add (items, g_list_model_get_item (self->source, i));
      for (guint i = old_n - suffix; i < old_n; i++)
        g_ptr_array_add (items, g_object_ref (g_ptr_array_index (self->items, i)));
      g_ptr_array_unref (self->items);
      self->items = items;
    }

  g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_n - prefix - suffix,
                              n - prefix - suffix);
}
