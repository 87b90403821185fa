/* cb-json-doc.h — an immutable JSON document in one block of memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  CB_JSON_NULL,
  CB_JSON_BOOLEAN,
  CB_JSON_INT,
  CB_JSON_DOUBLE,
  CB_JSON_STRING,
  CB_JSON_ARRAY,
  CB_JSON_OBJECT,
  /*< private >*/
  CB_JSON_KEY,     /* a member's name, followed by its value */
} CbJsonKind;

/**
 * CbJsonValue:
 *
 * One value of a document read by cb_json_read_doc(). A document is one
 * block of memory, freed with g_free(): its root value first, then every
 * value in the order of the text, then the strings. Nothing in it changes
 * after reading, so it may be read from any thread. Values are only ever
 * used through pointers into their document.
 */
typedef struct _CbJsonValue CbJsonValue;

struct _CbJsonValue
{
  /*< private >*/
  guint32 kind;
  guint32 size;        /* string, key: bytes; array: elements; object: members */
  union {
    gint64  i;         /* int; boolean */
    double  d;
    guint64 text;      /* string, key: bytes from this value to its text */
    guint64 span;      /* array, object: values in it, itself included */
  } u;
};

typedef struct
{
  /*< private >*/
  const CbJsonValue *next;
  guint              left;
  gboolean           object;
} CbJsonIter;

CbJsonKind         cb_json_value_get_kind    (const CbJsonValue *value);
const char        *cb_json_value_get_string  (const CbJsonValue *value);
gboolean           cb_json_value_get_boolean (const CbJsonValue *value);
gint64             cb_json_value_get_int     (const CbJsonValue *value);
double             cb_json_value_get_double  (const CbJsonValue *value);
guint              cb_json_value_get_length  (const CbJsonValue *value);
const CbJsonValue *cb_json_value_get_member  (const CbJsonValue *object,
                                              const char        *name);
const CbJsonValue *cb_json_value_get_element (const CbJsonValue *array,
                                              guint              index);
void               cb_json_iter_init         (CbJsonIter        *iter,
                                              const CbJsonValue *container);
gboolean           cb_json_iter_next         (CbJsonIter        *iter,
                                              const char       **name,
                                              const CbJsonValue **value);

/* Lenient reading, for the console's views: a member that is absent or of
 * another type gives the fallback. Integers and doubles read as each other. */
const char        *cb_json_value_lookup_string  (const CbJsonValue *object,
                                                 const char        *member);
gint64             cb_json_value_lookup_int     (const CbJsonValue *object,
                                                 const char        *member,
                                                 gint64             fallback);
double             cb_json_value_lookup_double  (const CbJsonValue *object,
                                                 const char        *member,
                                                 double             fallback);
gboolean           cb_json_value_lookup_number  (const CbJsonValue *object,
                                                 const char        *member,
                                                 double            *out);
gboolean           cb_json_value_lookup_boolean (const CbJsonValue *object,
                                                 const char        *member);
const CbJsonValue *cb_json_value_lookup_object  (const CbJsonValue *object,
                                                 const char        *member);
const CbJsonValue *cb_json_value_lookup_array   (const CbJsonValue *object,
                                                 const char        *member);
gboolean           cb_json_value_has_string     (const CbJsonValue *array,
                                                 const char        *value);

/* Strict reading, with the protocol's rules (as cb_json_get_string() and
 * the others for json-glib objects): a missing or null optional member
 * gives the default, a member of the wrong type is an error in the
 * CB_MESSAGE_ERROR domain. */
gboolean           cb_json_value_read_string (const CbJsonValue  *object,
                                              const char         *member,
                                              gboolean            required,
                                              const char        **out,
                                              GError            **error);
gboolean           cb_json_value_read_int    (const CbJsonValue  *object,
                                              const char         *member,
                                              gboolean            required,
                                              gint64              minimum,
                                              gint64             *out,
                                              GError            **error);
gboolean           cb_json_value_read_bool   (const CbJsonValue  *object,
                                              const char         *member,
                                              gboolean            required,
                                              gboolean           *out,
                                              GError            **error);
gboolean           cb_json_value_read_object (const CbJsonValue  *object,
                                              const char         *member,
                                              gboolean            required,
                                              const CbJsonValue **out,
                                              GError            **error);
gboolean           cb_json_value_read_array  (const CbJsonValue  *object,
                                              const char         *member,
                                              gboolean            required,
                                              const CbJsonValue **out,
                                              GError            **error);

JsonNode          *cb_json_value_to_node     (const CbJsonValue *value);
char              *cb_json_value_to_string   (const CbJsonValue *value);
CbJsonValue       *cb_json_doc_new_from_node (JsonNode          *node);

G_END_DECLS
