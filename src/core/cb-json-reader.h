/* cb-json-reader.h — JSON text to a document or a json-glib tree, strictly and fast
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cb-json-doc.h"

G_BEGIN_DECLS

#define CB_JSON_READER_ERROR (cb_json_reader_error_quark ())

typedef enum
{
  CB_JSON_READER_ERROR_SYNTAX,
  CB_JSON_READER_ERROR_ENCODING,
  CB_JSON_READER_ERROR_DEPTH,
} CbJsonReaderError;

GQuark     cb_json_reader_error_quark (void);
CbJsonValue *cb_json_read_doc         (const char  *text,
                                       gsize        length,
                                       guint        max_depth,
                                       GError     **error);
JsonNode  *cb_json_read               (const char  *text,
                                       gsize        length,
                                       guint        max_depth,
                                       GError     **error);

G_END_DECLS
