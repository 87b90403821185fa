/* cb-entity.h — one entity the console holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cb-message.h"

G_BEGIN_DECLS

#define CB_TYPE_ENTITY (cb_entity_get_type ())
G_DECLARE_FINAL_TYPE (CbEntity, cb_entity, CB, ENTITY, GObject)

CbEntity    *cb_entity_new          (const char  *type,
                                     const char  *id,
                                     const char  *topic,
                                     gint64       rev,
                                     CbMessage   *holder);
const char  *cb_entity_get_entity_type (CbEntity *self);
const char  *cb_entity_get_id       (CbEntity    *self);
const char  *cb_entity_get_topic    (CbEntity    *self);
gint64       cb_entity_get_rev      (CbEntity    *self);
const CbJsonValue *cb_entity_get_state (CbEntity *self);
void         cb_entity_update       (CbEntity    *self,
                                     gint64       rev,
                                     CbMessage   *holder,
                                     GPtrArray   *released);

const char  *cb_entity_get_string   (CbEntity    *self,
                                     const char  *member);
gint64       cb_entity_get_int      (CbEntity    *self,
                                     const char  *member,
                                     gint64       fallback);
double       cb_entity_get_double   (CbEntity    *self,
                                     const char  *member,
                                     double       fallback);
gboolean     cb_entity_get_bool     (CbEntity    *self,
                                     const char  *member);
const CbJsonValue *cb_entity_get_object (CbEntity   *self,
                                         const char *member);
const CbJsonValue *cb_entity_get_array  (CbEntity   *self,
                                         const char *member);
gboolean     cb_entity_has_in_array (CbEntity    *self,
                                     const char  *member,
                                     const char  *value);

G_END_DECLS
