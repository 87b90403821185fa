/* cb-pending-edit.h — a configuration edit waiting in the offline outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cb-cache.h"

G_BEGIN_DECLS

/**
 * CbFieldDifference:
 * @field: the top-level field of the entity
 * @mine: (nullable): JSON text of the value the user set
 * @theirs: (nullable): JSON text of the backend's current value
 * @base: (nullable): JSON text of the value the user started from
 * @conflicting: both sides changed the field, to different values
 */
typedef struct
{
  char     *field;
  char     *mine;
  char     *theirs;
  char     *base;
  gboolean  conflicting;
} CbFieldDifference;

void cb_field_difference_free (CbFieldDifference *difference);

#define CB_TYPE_PENDING_EDIT (cb_pending_edit_get_type ())
G_DECLARE_FINAL_TYPE (CbPendingEdit, cb_pending_edit, CB, PENDING_EDIT, GObject)

CbPendingEdit      *cb_pending_edit_new           (const CbOutboxItem *item);
void                cb_pending_edit_set_item      (CbPendingEdit      *self,
                                                   const CbOutboxItem *item);
gint64              cb_pending_edit_get_id        (CbPendingEdit      *self);
const char         *cb_pending_edit_get_op        (CbPendingEdit      *self);
const char         *cb_pending_edit_get_entity_type (CbPendingEdit    *self);
const char         *cb_pending_edit_get_entity_id (CbPendingEdit      *self);
CbOutboxState       cb_pending_edit_get_state     (CbPendingEdit      *self);
const char         *cb_pending_edit_get_error     (CbPendingEdit      *self);
gint64              cb_pending_edit_get_created_at (CbPendingEdit     *self);
const char         *cb_pending_edit_get_data      (CbPendingEdit      *self);
const char         *cb_pending_edit_get_current   (CbPendingEdit      *self);
gint64              cb_pending_edit_get_current_rev (CbPendingEdit    *self);
GPtrArray          *cb_pending_edit_get_differences (CbPendingEdit    *self);

GPtrArray          *cb_compare_edit               (JsonObject         *set,
                                                   JsonObject         *base,
                                                   JsonObject         *theirs);

G_END_DECLS
