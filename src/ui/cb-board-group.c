/* cb-board-group.c — a wallboard's queue or campaign tiles, filtered
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One "queues" or "campaigns" tile of a board (CbBoardTile): a heading and
 * a CbQueueTile or CbCampaignTile per entity that passes the tile's filters
 * (the ids listed, and the teams that serve them), in the model's order.
 * Existing tiles (and their sparklines) are kept across updates. Ids the
 * filters list that the backend does not have are kept in the board and
 * named under the tiles: the board may come from another backend.
 *
 * The group only keeps the tiles in step with the model; the page
 * computes their figures, once a frame (CbWallboardPage).
 */
#define G_LOG_DOMAIN "cb-board-group"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-board-group.h"
#include "cb-campaign-tile.h"
#include "cb-entity.h"
#include "cb-entity-model.h"
#include "cb-queue-tile.h"

struct _CbBoardGroup
{
  GtkWidget parent_instance;

  /* template widgets */
  GtkWidget  *box;
  GtkLabel   *heading;
  GtkFlowBox *flow_box;
  GtkLabel   *missing_label;

  /* owned */
  CbBoardTile *tile;
  GHashTable  *tiles;     /* id → CbQueueTile or CbCampaignTile, owned by flow_box */
  char        *missing;
  guint        last_n;     /* the model's size when the missing ids were listed */
};

G_DEFINE_FINAL_TYPE (CbBoardGroup, cb_board_group, GTK_TYPE_WIDGET)

static gboolean
passes (CbBoardGroup *self,
        CbEntity     *entity)
{
  char **ids = self->tile->kind == CB_BOARD_TILE_QUEUES ? self->tile->queue_ids
                                                        : self->tile->campaign_ids;
  gboolean team = self->tile->team_ids[0] == NULL;

  if (ids[0] != NULL && !g_strv_contains ((const char * const *) ids, cb_entity_get_id (entity)))
    return FALSE;
  for (guint i = 0; !team && self->tile->team_ids[i] != NULL; i++)
    team = cb_entity_has_in_array (entity, "team_ids", self->tile->team_ids[i]);
  return team;
}

static void
update_missing (CbBoardGroup *self,
                GListModel   *model)
{
  char **ids = self->tile->kind == CB_BOARD_TILE_QUEUES ? self->tile->queue_ids
                                                        : self->tile->campaign_ids;
  g_autoptr(GString) list = g_string_new (NULL);
  g_autofree char *text = NULL;
  guint n = 0;

  /* An empty model is a backend not heard from yet, not one without them. */
  if (model != NULL && g_list_model_get_n_items (model) > 0)
    for (guint i = 0; ids[i] != NULL; i++)
      if (cb_entity_model_lookup (CB_ENTITY_MODEL (model), ids[i]) == NULL)
        {
          if (list->len > 0)
            g_string_append (list, ", ");
          g_string_append (list, ids[i]);
          n++;
        }

  if (n > 0)
    text = g_strdup_printf (self->tile->kind == CB_BOARD_TILE_QUEUES
                            /* Translators: under a board's queue tiles; %s lists queue ids */
                            ? ngettext ("Missing on this backend: queue %s",
                                        "Missing on this backend: queues %s", n)
                            /* Translators: under a board's campaign tiles; %s lists campaign ids */
                            : ngettext ("Missing on this backend: campaign %s",
                                        "Missing on this backend: campaigns %s", n),
                            list->str);
  if (g_strcmp0 (text, self->missing) != 0)
    {
      g_free (self->missing);
      self->missing = g_steal_pointer (&text);
      gtk_label_set_label (self->missing_label, self->missing ? self->missing : "");
      gtk_widget_set_visible (GTK_WIDGET (self->missing_label), self->missing != NULL);
    }
}

static void
cb_board_group_dispose (GObject *object)
{
  CbBoardGroup *self = CB_BOARD_GROUP (object);

  if (self->tiles != NULL)
    g_hash_table_remove_all (self->tiles);
  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_BOARD_GROUP);

  G_OBJECT_CLASS (cb_board_group_parent_class)->dispose (object);
}

static void
cb_board_group_finalize (GObject *object)
{
  CbBoardGroup *self = CB_BOARD_GROUP (object);

  g_clear_pointer (&self->tiles, g_hash_table_unref);
  g_clear_pointer (&self->tile, cb_board_tile_free);
  g_clear_pointer (&self->missing, g_free);

  G_OBJECT_CLASS (cb_board_group_parent_class)->finalize (object);
}

static void
cb_board_group_class_init (CbBoardGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cb_board_group_dispose;
  object_class->finalize = cb_board_group_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/cb-board-group.ui");
  gtk_widget_class_bind_template_child (widget_class, CbBoardGroup, box);
  gtk_widget_class_bind_template_child (widget_class, CbBoardGroup, heading);
  gtk_widget_class_bind_template_child (widget_class, CbBoardGroup, flow_box);
  gtk_widget_class_bind_template_child (widget_class, CbBoardGroup, missing_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "boardgroup");
}

static void
cb_board_group_init (CbBoardGroup *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->tiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * cb_board_group_new:
 * @tile: a "queues" or "campaigns" tile of a board, copied
 */
GtkWidget *
cb_board_group_new (const CbBoardTile *tile)
{
  CbBoardGroup *self;

  g_return_val_if_fail (tile != NULL, NULL);
  g_return_val_if_fail (tile->kind == CB_BOARD_TILE_QUEUES || tile->kind == CB_BOARD_TILE_CAMPAIGNS, NULL);

  self = g_object_new (CB_TYPE_BOARD_GROUP, NULL);
  self->tile = cb_board_tile_copy (tile);
  gtk_label_set_label (self->heading, tile->title != NULL ? tile->title
                                                          : tile->kind == CB_BOARD_TILE_QUEUES
                                                          ? C_("wallboard", "Queues")
                                                          : C_("wallboard", "Campaigns"));
  /* The wider the group, the more tiles a line: a tile keeps its width. */
  gtk_flow_box_set_max_children_per_line (self->flow_box,
                                          tile->kind == CB_BOARD_TILE_QUEUES ? tile->size
                                                                             : MAX (1, tile->size));
  return GTK_WIDGET (self);
}

const CbBoardTile *
cb_board_group_get_tile (CbBoardGroup *self)
{
  g_return_val_if_fail (CB_IS_BOARD_GROUP (self), NULL);
  return self->tile;
}

/**
 * cb_board_group_reconcile:
 * @model: (nullable): the store's queues or campaigns (a CbEntityModel)
 *
 * Keeps one tile per entity of @model that passes the filters.
 *
 * Returns: whether tiles came or went
 */
gboolean
cb_board_group_reconcile (CbBoardGroup *self,
                          GListModel   *model)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n, position = 0;
  GHashTableIter iter;
  gpointer key, tile;
  gboolean changed = FALSE;

  g_return_val_if_fail (CB_IS_BOARD_GROUP (self), FALSE);
  g_return_val_if_fail (model == NULL || CB_IS_ENTITY_MODEL (model), FALSE);

  n = model != NULL ? g_list_model_get_n_items (model) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CbEntity) entity = g_list_model_get_item (model, i);
      const char *id = cb_entity_get_id (entity);

      if (!passes (self, entity))
        continue;
      g_hash_table_add (seen, (gpointer) id);
      if (!g_hash_table_contains (self->tiles, id))
        {
          if (self->tile->kind == CB_BOARD_TILE_QUEUES)
            {
              tile = cb_queue_tile_new (id);
              cb_queue_tile_set_board_tile (tile, self->tile);
            }
          else
            {
              tile = cb_campaign_tile_new (id);
              cb_campaign_tile_set_board_tile (tile, self->tile);
            }
          gtk_flow_box_insert (self->flow_box, tile, (int) position);
          g_hash_table_insert (self->tiles, g_strdup (id), tile);
          changed = TRUE;
        }
      position++;
    }

  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, &key, &tile))
    {
      if (g_hash_table_contains (seen, key))
        continue;
      gtk_flow_box_remove (self->flow_box, tile);
      g_hash_table_iter_remove (&iter);
      changed = TRUE;
    }

  if (changed || n != self->last_n)
    update_missing (self, model);
  self->last_n = n;
  return changed;
}

/**
 * cb_board_group_get_tiles:
 *
 * Returns: (transfer none) (element-type utf8 GtkWidget): id → tile
 */
GHashTable *
cb_board_group_get_tiles (CbBoardGroup *self)
{
  g_return_val_if_fail (CB_IS_BOARD_GROUP (self), NULL);
  return self->tiles;
}

guint
cb_board_group_get_n_tiles (CbBoardGroup *self)
{
  g_return_val_if_fail (CB_IS_BOARD_GROUP (self), 0);
  return g_hash_table_size (self->tiles);
}

/**
 * cb_board_group_get_missing_text:
 *
 * Returns: (nullable): what the group says of the ids the backend lacks
 */
const char *
cb_board_group_get_missing_text (CbBoardGroup *self)
{
  g_return_val_if_fail (CB_IS_BOARD_GROUP (self), NULL);
  return self->missing;
}
