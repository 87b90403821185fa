/* cb-entity-model.h — a live list of the entities of one type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cb-entity.h"

G_BEGIN_DECLS

#define CB_TYPE_ENTITY_MODEL (cb_entity_model_get_type ())
G_DECLARE_FINAL_TYPE (CbEntityModel, cb_entity_model, CB, ENTITY_MODEL, GObject)

CbEntityModel *cb_entity_model_new          (const char    *entity_type);
const char    *cb_entity_model_get_entity_type (CbEntityModel *self);
CbEntity      *cb_entity_model_lookup       (CbEntityModel *self,
                                             const char    *id);
gboolean       cb_entity_model_find         (CbEntityModel *self,
                                             const char    *id,
                                             guint         *position);
CbEntity      *cb_entity_model_get          (CbEntityModel *self,
                                             guint          position);

/* For the store: apply one change, with the precise items-changed. */
void           cb_entity_model_upsert       (CbEntityModel *self,
                                             const char    *id,
                                             const char    *topic,
                                             gint64         rev,
                                             CbMessage     *holder,
                                             GPtrArray     *released);
gboolean       cb_entity_model_remove       (CbEntityModel *self,
                                             const char    *id);
void           cb_entity_model_clear        (CbEntityModel *self);

G_END_DECLS
