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
 *
 * With a sorter (cb_frame_list_model_set_sorter ()) the list also keeps
 * the items in the sorter's order, and that is what makes it cheap: a
 * GtkSortListModel above would have to take every item out and put it
 * back at each flush — items changed in place are not where their new
 * value belongs, so it cannot be told of them one by one. Here the flush
 * knows which items changed: it takes out only those not still in order
 * between their unchanged neighbours and puts each back by binary search,
 * announcing every move as its own small change. For 80 updates a frame
 * over 2,000 agents that is some 900 comparisons instead of 22,000, and
 * the filter and the list view above see 80 rows change, not 2,000.
 *
 * With an update filter (cb_frame_list_model_set_update_filter ()) even
 * those go: an item updated in place is announced only when the filter's
 * verdict on it changed — what a GtkFilterListModel above needs to know —
 * for a view whose rows update their cells themselves (the agent board).
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
  GtkSorter  *sorter;
  GHashTable *members;     /* with a sorter: the items, which are not in the source's order */
  GHashTable *unsorted;    /* updated and announced in place, not yet moved where they belong */
  guint       reorder_ms;  /* moves at most this often; 0 at every flush */
  gint64      reordered_us;

  GtkFilter  *update_filter;
  GHashTable *verdicts;    /* with an update filter: item → its verdict as last announced (1 no, 2 yes) */

  gulong      handler;
  gulong      sorter_handler;
  gulong      filter_handler;
  gboolean    structural;  /* items came or went since the last flush */
  gboolean    resort;      /* the sorter changed */
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
      if (self->structural)
        continue;
      if (self->sorter != NULL ? !g_hash_table_contains (self->members, item)
                               : i >= self->items->len || item != g_ptr_array_index (self->items, i))
        self->structural = TRUE;
    }
}

static void
cb_frame_list_model_dispose (GObject *object)
{
  CbFrameListModel *self = CB_FRAME_LIST_MODEL (object);

  if (self->source != NULL)
    g_clear_signal_handler (&self->handler, self->source);
  if (self->sorter != NULL)
    g_clear_signal_handler (&self->sorter_handler, self->sorter);
  if (self->update_filter != NULL)
    g_clear_signal_handler (&self->filter_handler, self->update_filter);
  g_clear_object (&self->source);
  g_clear_object (&self->sorter);
  g_clear_object (&self->update_filter);
  g_hash_table_remove_all (self->verdicts);
  g_hash_table_remove_all (self->changed);
  g_hash_table_remove_all (self->members);
  g_hash_table_remove_all (self->unsorted);
  g_ptr_array_set_size (self->items, 0);

  G_OBJECT_CLASS (cb_frame_list_model_parent_class)->dispose (object);
}

static void
cb_frame_list_model_finalize (GObject *object)
{
  CbFrameListModel *self = CB_FRAME_LIST_MODEL (object);

  g_clear_pointer (&self->changed, g_hash_table_unref);
  g_clear_pointer (&self->members, g_hash_table_unref);
  g_clear_pointer (&self->unsorted, g_hash_table_unref);
  g_clear_pointer (&self->verdicts, g_hash_table_unref);
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
  self->members = g_hash_table_new (NULL, NULL);
  self->unsorted = g_hash_table_new (NULL, NULL);
  self->verdicts = g_hash_table_new (NULL, NULL);
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
  return self->structural || self->resort || g_hash_table_size (self->changed) > 0
         || g_hash_table_size (self->unsorted) > 0;
}

/**
 * cb_frame_list_model_set_reorder_interval:
 * @interval_ms: the least time between two reorderings, 0 for every flush
 *
 * With a sorter, rows that changed are announced where they are at every
 * flush, and moved to where their new values belong at most this often: a
 * table that reshuffles sixty times a second cannot be read, and moving
 * rows is what costs the list view above. Until then
 * cb_frame_list_model_is_pending () stays TRUE.
 */
void
cb_frame_list_model_set_reorder_interval (CbFrameListModel *self,
                                          guint             interval_ms)
{
  g_return_if_fail (CB_IS_FRAME_LIST_MODEL (self));
  self->reorder_ms = interval_ms;
}

static gboolean
is_sorted (CbFrameListModel *self)
{
  return self->sorter != NULL && gtk_sorter_get_order (self->sorter) != GTK_SORTER_ORDER_NONE;
}

/* Returns: whether the next flush moves rows or takes everything again,
 * the expensive kind, rather than telling of updates where they are */
gboolean
cb_frame_list_model_is_reorder_due (CbFrameListModel *self)
{
  g_return_val_if_fail (CB_IS_FRAME_LIST_MODEL (self), FALSE);

  if (self->sorter == NULL || self->structural || self->resort)
    return self->structural || self->resort;
  if (!is_sorted (self) || (g_hash_table_size (self->changed) == 0 && g_hash_table_size (self->unsorted) == 0))
    return FALSE;
  return self->reorder_ms == 0
         || g_get_monotonic_time () - self->reordered_us >= (gint64) self->reorder_ms * 1000;
}


/* The update filter's verdict on the items in [first, end), as the model
 * above now sees them. */
static void
remember_verdicts (CbFrameListModel *self,
                   guint             first,
                   guint             end)
{
  if (self->update_filter == NULL)
    return;
  for (guint i = first; i < end && i < self->items->len; i++)
    {
      gpointer item = g_ptr_array_index (self->items, i);

      g_hash_table_insert (self->verdicts, item, GINT_TO_POINTER (gtk_filter_match (self->update_filter, item) ? 2 : 1));
    }
}

/* Whether an update in place of @item must be announced: always, or with
 * an update filter only when its verdict changed (remembered as announced). */
static gboolean
must_announce (CbFrameListModel *self,
               gpointer          item)
{
  int verdict;

  if (self->update_filter == NULL)
    return TRUE;
  verdict = gtk_filter_match (self->update_filter, item) ? 2 : 1;
  if (GPOINTER_TO_INT (g_hash_table_lookup (self->verdicts, item)) == verdict)
    return FALSE;
  g_hash_table_insert (self->verdicts, item, GINT_TO_POINTER (verdict));
  return TRUE;
}

static int
compare_items (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  CbFrameListModel *self = user_data;

  return gtk_sorter_compare (self->sorter, *(gpointer *) a, *(gpointer *) b);
}

static void
on_sorter_changed (GtkSorter        *sorter,
                   GtkSorterChange   change,
                   CbFrameListModel *self)
{
  /* A new order shows at once: it is the user's click. */
  self->resort = TRUE;
  cb_frame_list_model_flush (self);
}

/* Returns: (transfer none) (nullable): the sorter the items are kept in order by */
GtkSorter *
cb_frame_list_model_get_sorter (CbFrameListModel *self)
{
  g_return_val_if_fail (CB_IS_FRAME_LIST_MODEL (self), NULL);
  return self->sorter;
}

/**
 * cb_frame_list_model_set_sorter:
 * @sorter: (nullable): the order to keep the items in; %NULL for the
 *   source's
 */
void
cb_frame_list_model_set_sorter (CbFrameListModel *self,
                                GtkSorter        *sorter)
{
  g_return_if_fail (CB_IS_FRAME_LIST_MODEL (self));
  g_return_if_fail (sorter == NULL || GTK_IS_SORTER (sorter));

  if (self->sorter == sorter)
    return;
  if (self->sorter != NULL)
    g_clear_signal_handler (&self->sorter_handler, self->sorter);
  g_set_object (&self->sorter, sorter);
  if (sorter != NULL)
    self->sorter_handler = g_signal_connect (sorter, "changed", G_CALLBACK (on_sorter_changed), self);
  else
    g_hash_table_remove_all (self->members);
  self->resort = TRUE;
  self->structural = TRUE;
  cb_frame_list_model_flush (self);
}

/* Above this many changed rows in one flush, one range says it all: each
 * announcement costs the filter, the selection and the list view above
 * some 70 µs, so a burst of 300 would take 20 ms one by one. */
#define MAX_SINGLE_CHANGES 24

/* Updates in place, in sorted order: the changed items still in order
 * between their unchanged neighbours stay where they are; the others are
 * taken out, then put back where they now belong. A few updates in place
 * are announced one by one; moves, and a burst, as one range from the
 * first row that changed to the last: a move told as a removal and an
 * insertion would change the number of rows in between, which a view over
 * slots (cb-slot-list-model.c) takes for rows going and coming. */
static void
flush_sorted_updates (CbFrameListModel *self)
{
  g_autoptr(GArray) moving = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) staying = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) taken = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree gpointer *before = NULL;
  guint n = self->items->len;
  guint i = 0;
  gboolean one_range;

  /* Runs of changed items between unchanged ones (or the ends): a run
   * stays if it is in order and between its neighbours, else it moves. */
  while (i < n)
    {
      guint start = i, end;
      gboolean stays = TRUE;

      if (!g_hash_table_contains (self->changed, g_ptr_array_index (self->items, i)))
        {
          i++;
          continue;
        }
      while (i < n && g_hash_table_contains (self->changed, g_ptr_array_index (self->items, i)))
        i++;
      end = i;   /* changed: [start, end) */

      if (start > 0)
        stays = compare_items (&self->items->pdata[start - 1], &self->items->pdata[start], self) <= 0;
      for (guint k = start + 1; stays && k < end; k++)
        stays = compare_items (&self->items->pdata[k - 1], &self->items->pdata[k], self) <= 0;
      if (stays && end < n)
        stays = compare_items (&self->items->pdata[end - 1], &self->items->pdata[end], self) <= 0;

      for (guint k = start; k < end; k++)
        g_array_append_val (stays ? staying : moving, k);
    }

  /* With an update filter, the items that stay and keep its verdict are
   * not announced at all. */
  if (self->update_filter != NULL)
    {
      guint kept = 0;

      for (guint k = 0; k < staying->len; k++)
        if (must_announce (self, g_ptr_array_index (self->items, g_array_index (staying, guint, k))))
          g_array_index (staying, guint, kept++) = g_array_index (staying, guint, k);
      g_array_set_size (staying, kept);
    }

  one_range = moving->len > 0 || staying->len > MAX_SINGLE_CHANGES;
  if (one_range)
    before = g_memdup2 (self->items->pdata, n * sizeof (gpointer));
  else
    for (guint k = 0; k < staying->len; k++)
      g_list_model_items_changed (G_LIST_MODEL (self), g_array_index (staying, guint, k), 1, 1);

  /* Out, from the last so the earlier positions hold… */
  for (guint k = moving->len; k-- > 0;)
    {
      guint position = g_array_index (moving, guint, k);

      g_ptr_array_add (taken, g_ptr_array_steal_index (self->items, position));
      if (!one_range)
        g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
    }

  /* …and back in, each after the last item that sorts before or with it. */
  for (guint k = 0; k < taken->len; k++)
    {
      gpointer item = g_ptr_array_index (taken, k);
      guint lo = 0, hi = self->items->len;

      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;

          if (compare_items (&self->items->pdata[mid], &item, self) <= 0)
            lo = mid + 1;
          else
            hi = mid;
        }
      g_ptr_array_insert (self->items, (gint) lo, g_object_ref (item));
      if (!one_range)
        g_list_model_items_changed (G_LIST_MODEL (self), lo, 0, 1);
    }

  if (one_range)
    {
      guint first = 0, last = n;

      /* From the first row that is another item or a changed one… */
      while (first < n && before[first] == self->items->pdata[first]
             && !g_hash_table_contains (self->changed, before[first]))
        first++;
      /* …to the last. */
      while (last > first && before[last - 1] == self->items->pdata[last - 1]
             && !g_hash_table_contains (self->changed, before[last - 1]))
        last--;
      g_hash_table_remove_all (self->changed);
      remember_verdicts (self, first, last);
      if (last > first)
        g_list_model_items_changed (G_LIST_MODEL (self), first, last - first, last - first);
      return;
    }
  /* Moved: the model above looked at them again where they went. */
  for (guint k = 0; k < taken->len; k++)
    must_announce (self, g_ptr_array_index (taken, k));
  g_hash_table_remove_all (self->changed);
}

/* Updates announced where the items are, without moving them: one by one,
 * or a burst as one range. */
static void
announce_in_place (CbFrameListModel *self)
{
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < self->items->len; i++)
    if (g_hash_table_contains (self->changed, g_ptr_array_index (self->items, i))
        && must_announce (self, g_ptr_array_index (self->items, i)))
      g_array_append_val (positions, i);
  g_hash_table_remove_all (self->changed);
  if (positions->len == 0)
    return;
  if (positions->len <= MAX_SINGLE_CHANGES)
    {
      for (guint k = 0; k < positions->len; k++)
        g_list_model_items_changed (G_LIST_MODEL (self), g_array_index (positions, guint, k), 1, 1);
      return;
    }
  {
    guint first = g_array_index (positions, guint, 0);
    guint span = g_array_index (positions, guint, positions->len - 1) - first + 1;

    g_list_model_items_changed (G_LIST_MODEL (self), first, span, span);
  }
}

/* Everything again: the source's items, in the sorter's order. */
static void
flush_all_sorted (CbFrameListModel *self)
{
  guint old_n = self->items->len;
  guint n = self->source != NULL ? g_list_model_get_n_items (self->source) : 0;
  GPtrArray *items = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (self->source, i));
  if (is_sorted (self))
    g_ptr_array_sort_with_data (items, compare_items, self);
  g_ptr_array_unref (self->items);
  self->items = items;
  g_hash_table_remove_all (self->members);
  for (guint i = 0; i < n; i++)
    g_hash_table_add (self->members, g_ptr_array_index (items, i));
  g_hash_table_remove_all (self->changed);
  g_hash_table_remove_all (self->unsorted);
  g_hash_table_remove_all (self->verdicts);
  remember_verdicts (self, 0, n);
  self->reordered_us = g_get_monotonic_time ();
  self->structural = FALSE;
  self->resort = FALSE;
  if (old_n > 0 || n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, n);
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

  if (self->sorter != NULL)
    {
      /* In the sorter's order: items that came or went, or a new order,
       * take everything again (rare); updates move one by one. */
      if (self->structural || self->resort)
        flush_all_sorted (self);
      else if (!is_sorted (self))
        announce_in_place (self);
      else if (g_hash_table_size (self->changed) > 0 || g_hash_table_size (self->unsorted) > 0)
        {
          gint64 now = g_get_monotonic_time ();

          if (self->reorder_ms > 0 && now - self->reordered_us < (gint64) self->reorder_ms * 1000)
            {
              /* Not yet time to move rows: say what changed, where it is. */
              GHashTableIter iter;
              gpointer item;

              g_hash_table_iter_init (&iter, self->changed);
              while (g_hash_table_iter_next (&iter, &item, NULL))
                g_hash_table_add (self->unsorted, item);
              announce_in_place (self);
              return;
            }
          /* Everything changed since the last move is placed now (and
           * announced again where it ends up). */
          {
            GHashTableIter iter;
            gpointer item;

            g_hash_table_iter_init (&iter, self->unsorted);
            while (g_hash_table_iter_next (&iter, &item, NULL))
              g_hash_table_add (self->changed, item);
            g_hash_table_remove_all (self->unsorted);
          }
          self->reordered_us = now;
          flush_sorted_updates (self);
        }
      return;
    }
  self->resort = FALSE;

  if (!self->structural && g_hash_table_size (self->changed) == 0)
    return;
  /* Updates only, told one by one, to whom the update filter says. */
  if (!self->structural && self->update_filter != NULL)
    {
      announce_in_place (self);
      return;
    }

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

  if (structural)
    g_hash_table_remove_all (self->verdicts);
  remember_verdicts (self, structural ? 0 : prefix, structural ? n : n - suffix);
  g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_n - prefix - suffix,
                              n - prefix - suffix);
}

static void
on_update_filter_changed (GtkFilter        *filter,
                          GtkFilterChange   change,
                          CbFrameListModel *self)
{
  /* The model above looks at every item again. */
  g_hash_table_remove_all (self->verdicts);
  remember_verdicts (self, 0, self->items->len);
}

/**
 * cb_frame_list_model_set_update_filter:
 * @filter: (nullable): the filter of the GtkFilterListModel above
 *
 * Announces an item updated in place only when @filter's verdict on it
 * changed, so that the filter model above adds or drops its row; other
 * updates are not announced (the view above updates its rows itself).
 * Moves, insertions and removals are announced as ever.
 */
void
cb_frame_list_model_set_update_filter (CbFrameListModel *self,
                                       GtkFilter        *filter)
{
  g_return_if_fail (CB_IS_FRAME_LIST_MODEL (self));
  g_return_if_fail (filter == NULL || GTK_IS_FILTER (filter));

  if (self->update_filter == filter)
    return;
  if (self->update_filter != NULL)
    g_clear_signal_handler (&self->filter_handler, self->update_filter);
  g_set_object (&self->update_filter, filter);
  if (filter != NULL)
    self->filter_handler = g_signal_connect (filter, "changed", G_CALLBACK (on_update_filter_changed), self);
  g_hash_table_remove_all (self->verdicts);
  remember_verdicts (self, 0, self->items->len);
}
