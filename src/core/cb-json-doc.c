/* cb-json-doc.c — an immutable JSON document in one block of memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the console holds of every entity, and reads for every event. A
 * json-glib tree costs a few dozen allocations per entity (a node per
 * value, a hash table and a list per object, a copy of every name) and as
 * many frees when the entity's next state replaces it: inside the store,
 * allocating and freeing those trees took more time than reading the text.
 * A document is one allocation instead (cb-json-reader.c writes it):
 *
 *   [root][key][value][key][value: array][element][element]…  [strings]
 *
 * Values are 16 bytes, in the order of the text; an array or object counts
 * the values inside it (its span), so a reader steps over a member it does
 * not want in one addition. A string knows the distance from itself to its
 * nul-terminated text, so a value needs no pointer to its document.
 *
 * Objects are small (an agent has about fifteen members), so looking a
 * member up is a scan of the names — by length first. The text may repeat
 * a member (JSON allows it); as in json-glib, the last one counts.
 */
#define G_LOG_DOMAIN "cb-json-doc"

#include "config.h"

#include <string.h>

#include "cb-json-doc.h"
#include "cb-json-reader.h"
#include "cb-message.h"
#include "cb-message-private.h"

static inline const CbJsonValue *
skip (const CbJsonValue *value)
{
  if (value->kind == CB_JSON_ARRAY || value->kind == CB_JSON_OBJECT)
    return value + value->u.span;
  return value + 1;
}

static inline const char *
text_of (const CbJsonValue *value)
{
  return (const char *) value + value->u.text;
}

/* An absent value (%NULL, as cb_json_value_get_member() gives) is null. */
CbJsonKind
cb_json_value_get_kind (const CbJsonValue *value)
{
  if (value == NULL)
    return CB_JSON_NULL;
  return (CbJsonKind) value->kind;
}

/* Returns: (nullable): the string, or %NULL if @value is not one */
const char *
cb_json_value_get_string (const CbJsonValue *value)
{
  if (value == NULL || value->kind != CB_JSON_STRING)
    return NULL;
  return text_of (value);
}

gboolean
cb_json_value_get_boolean (const CbJsonValue *value)
{
  return value != NULL && value->kind == CB_JSON_BOOLEAN && value->u.i != 0;
}

/* An integer, or a double truncated; 0 for anything else. */
gint64
cb_json_value_get_int (const CbJsonValue *value)
{
  if (value == NULL)
    return 0;
  if (value->kind == CB_JSON_INT)
    return value->u.i;
  if (value->kind == CB_JSON_DOUBLE)
    return (gint64) value->u.d;
  return 0;
}

double
cb_json_value_get_double (const CbJsonValue *value)
{
  if (value == NULL)
    return 0;
  if (value->kind == CB_JSON_DOUBLE)
    return value->u.d;
  if (value->kind == CB_JSON_INT)
    return (double) value->u.i;
  return 0;
}

/* The elements of an array, the members of an object, or 0. */
guint
cb_json_value_get_length (const CbJsonValue *value)
{
  if (value == NULL || (value->kind != CB_JSON_ARRAY && value->kind != CB_JSON_OBJECT))
    return 0;
  return value->size;
}

/**
 * cb_json_value_get_member:
 * @object: (nullable): a value
 *
 * Returns: (nullable): the value of the last member @name of @object, or
 *   %NULL if @object is not an object or has no such member
 */
const CbJsonValue *
cb_json_value_get_member (const CbJsonValue *object,
                          const char        *name)
{
  const CbJsonValue *key, *found = NULL;
  gsize length;

  g_return_val_if_fail (name != NULL, NULL);

  if (object == NULL || object->kind != CB_JSON_OBJECT)
    return NULL;

  length = strlen (name);
  key = object + 1;
  for (guint i = 0; i < object->size; i++)
    {
      const CbJsonValue *value = key + 1;

      if (key->size == length && memcmp (text_of (key), name, length) == 0)
        found = value;
      key = skip (value);
    }
  return found;
}

/* Returns: (nullable): element @index of @array, or %NULL */
const CbJsonValue *
cb_json_value_get_element (const CbJsonValue *array,
                           guint              index)
{
  const CbJsonValue *element;

  if (array == NULL || array->kind != CB_JSON_ARRAY || index >= array->size)
    return NULL;
  element = array + 1;
  for (guint i = 0; i < index; i++)
    element = skip (element);
  return element;
}

/**
 * cb_json_iter_init:
 * @container: (nullable): an array or an object; anything else has nothing
 *   to iterate
 *
 * Iterates over the elements of an array or the members of an object, in
 * the order of the text (an object's repeated member comes more than once).
 */
void
cb_json_iter_init (CbJsonIter        *iter,
                   const CbJsonValue *container)
{
  g_return_if_fail (iter != NULL);

  iter->left = cb_json_value_get_length (container);
  iter->next = iter->left > 0 ? container + 1 : NULL;
  iter->object = container != NULL && container->kind == CB_JSON_OBJECT;
}

/**
 * cb_json_iter_next:
 * @name: (out) (optional): the member's name (objects); %NULL for arrays
 *
 * Returns: whether there was one more
 */
gboolean
cb_json_iter_next (CbJsonIter         *iter,
                   const char        **name,
                   const CbJsonValue **value)
{
  const CbJsonValue *v;

  g_return_val_if_fail (iter != NULL && value != NULL, FALSE);

  if (iter->left == 0)
    return FALSE;
  v = iter->next;
  if (iter->object)
    {
      if (name != NULL)
        *name = text_of (v);
      v++;
    }
  else if (name != NULL)
    *name = NULL;
  *value = v;
  iter->next = skip (v);
  iter->left--;
  return TRUE;
}

/* Returns: (nullable): the string member, or %NULL if absent or not a string */
const char *
cb_json_value_lookup_string (const CbJsonValue *object,
                             const char        *member)
{
  return cb_json_value_get_string (cb_json_value_get_member (object, member));
}

gint64
cb_json_value_lookup_int (const CbJsonValue *object,
                          const char        *member,
                          gint64             fallback)
{
  const CbJsonValue *value = cb_json_value_get_member (object, member);

  if (value == NULL || (value->kind != CB_JSON_INT && value->kind != CB_JSON_DOUBLE))
    return fallback;
  return cb_json_value_get_int (value);
}

double
cb_json_value_lookup_double (const CbJsonValue *object,
                             const char        *member,
                             double             fallback)
{
  double out;

  return cb_json_value_lookup_number (object, member, &out) ? out : fallback;
}

/**
 * cb_json_value_lookup_number:
 * @out: (out): the number, an integer or not
 *
 * Returns: whether @object has the number @member; absent, null or
 *   another kind counts as unknown
 */
gboolean
cb_json_value_lookup_number (const CbJsonValue *object,
                             const char        *member,
                             double            *out)
{
  const CbJsonValue *value = cb_json_value_get_member (object, member);

  if (value == NULL || (value->kind != CB_JSON_INT && value->kind != CB_JSON_DOUBLE))
    return FALSE;
  *out = cb_json_value_get_double (value);
  return TRUE;
}

gboolean
cb_json_value_lookup_boolean (const CbJsonValue *object,
                              const char        *member)
{
  return cb_json_value_get_boolean (cb_json_value_get_member (object, member));
}

/* Returns: (nullable): the object member, or %NULL if absent or not an object */
const CbJsonValue *
cb_json_value_lookup_object (const CbJsonValue *object,
                             const char        *member)
{
  const CbJsonValue *value = cb_json_value_get_member (object, member);

  return value != NULL && value->kind == CB_JSON_OBJECT ? value : NULL;
}

/* Returns: (nullable): the array member, or %NULL if absent or not an array */
const CbJsonValue *
cb_json_value_lookup_array (const CbJsonValue *object,
                            const char        *member)
{
  const CbJsonValue *value = cb_json_value_get_member (object, member);

  return value != NULL && value->kind == CB_JSON_ARRAY ? value : NULL;
}

/* Whether the array of strings @array (team_ids, queue_ids, …) holds @value. */
gboolean
cb_json_value_has_string (const CbJsonValue *array,
                          const char        *value)
{
  CbJsonIter iter;
  const CbJsonValue *element;

  g_return_val_if_fail (value != NULL, FALSE);

  cb_json_iter_init (&iter, array != NULL && array->kind == CB_JSON_ARRAY ? array : NULL);
  while (cb_json_iter_next (&iter, NULL, &element))
    if (element->kind == CB_JSON_STRING && strcmp (text_of (element), value) == 0)
      return TRUE;
  return FALSE;
}

/* Finds @member for the strict readers: FALSE with @error set if it is
 * required and absent (or null), or present with another kind. */
static gboolean
find (const CbJsonValue  *object,
      const char         *member,
      gboolean            required,
      CbJsonKind          kind,
      const char         *what,
      const CbJsonValue **out,
      GError            **error)
{
  const CbJsonValue *value = cb_json_value_get_member (object, member);

  *out = NULL;
  if (value == NULL || value->kind == CB_JSON_NULL)
    return required ? _cb_json_member_error (error, CB_MESSAGE_ERROR_MISSING, member, "is missing") : TRUE;
  if (value->kind != kind)
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_WRONG_TYPE, member, what);
  *out = value;
  return TRUE;
}

gboolean
cb_json_value_read_string (const CbJsonValue  *object,
                           const char         *member,
                           gboolean            required,
                           const char        **out,
                           GError            **error)
{
  const CbJsonValue *value;

  *out = NULL;
  if (!find (object, member, required, CB_JSON_STRING, "must be a string", &value, error))
    return FALSE;
  if (value != NULL)
    *out = text_of (value);
  return TRUE;
}

/* Leaves *@out as it was if the optional member is absent. */
gboolean
cb_json_value_read_int (const CbJsonValue  *object,
                        const char         *member,
                        gboolean            required,
                        gint64              minimum,
                        gint64             *out,
                        GError            **error)
{
  const CbJsonValue *value;

  if (!find (object, member, required, CB_JSON_INT, "must be an integer", &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (value->u.i < minimum)
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_BAD_VALUE, member, "is out of range");
  *out = value->u.i;
  return TRUE;
}

/* Leaves *@out as it was if the optional member is absent. */
gboolean
cb_json_value_read_bool (const CbJsonValue  *object,
                         const char         *member,
                         gboolean            required,
                         gboolean           *out,
                         GError            **error)
{
  const CbJsonValue *value;

  if (!find (object, member, required, CB_JSON_BOOLEAN, "must be true or false", &value, error))
    return FALSE;
  if (value != NULL)
    *out = value->u.i != 0;
  return TRUE;
}

gboolean
cb_json_value_read_object (const CbJsonValue  *object,
                           const char         *member,
                           gboolean            required,
                           const CbJsonValue **out,
                           GError            **error)
{
  return find (object, member, required, CB_JSON_OBJECT, "must be an object", out, error);
}

gboolean
cb_json_value_read_array (const CbJsonValue  *object,
                          const char         *member,
                          gboolean            required,
                          const CbJsonValue **out,
                          GError            **error)
{
  return find (object, member, required, CB_JSON_ARRAY, "must be an array", out, error);
}

/**
 * cb_json_value_to_node:
 *
 * Builds the json-glib tree of @value, for the places that hand JSON on
 * (requests, the outbox, `callboard-ctl`); a repeated member is set once,
 * to its last value.
 *
 * Returns: (transfer full): a new tree
 */
JsonNode *
cb_json_value_to_node (const CbJsonValue *value)
{
  g_return_val_if_fail (value != NULL, NULL);

  switch ((CbJsonKind) value->kind)
    {
    case CB_JSON_BOOLEAN:
      return json_node_init_boolean (json_node_alloc (), value->u.i != 0);
    case CB_JSON_INT:
      return json_node_init_int (json_node_alloc (), value->u.i);
    case CB_JSON_DOUBLE:
      return json_node_init_double (json_node_alloc (), value->u.d);
    case CB_JSON_STRING:
      return json_node_init_string (json_node_alloc (), text_of (value));
    case CB_JSON_ARRAY:
      {
        JsonArray *array = json_array_sized_new (value->size);
        CbJsonIter iter;
        const CbJsonValue *element;

        cb_json_iter_init (&iter, value);
        while (cb_json_iter_next (&iter, NULL, &element))
          json_array_add_element (array, cb_json_value_to_node (element));
        return json_node_init_array (json_node_alloc (), g_steal_pointer (&array));
      }
    case CB_JSON_OBJECT:
      {
        JsonNode *node = json_node_init_object (json_node_alloc (), NULL);
        JsonObject *object = json_object_new ();
        CbJsonIter iter;
        const CbJsonValue *member;
        const char *name;

        cb_json_iter_init (&iter, value);
        while (cb_json_iter_next (&iter, &name, &member))
          json_object_set_member (object, name, cb_json_value_to_node (member));
        json_node_take_object (node, object);
        return node;
      }
    case CB_JSON_NULL:
    case CB_JSON_KEY:
    default:
      return json_node_init_null (json_node_alloc ());
    }
}

/* Returns: (transfer full): compact JSON text of @value */
char *
cb_json_value_to_string (const CbJsonValue *value)
{
  g_autoptr(JsonNode) node = cb_json_value_to_node (value);

  return json_to_string (node, FALSE);
}

/**
 * cb_json_doc_new_from_node:
 *
 * The document of a json-glib tree, for entities that arrive inside other
 * messages (history replies).
 *
 * Returns: (transfer full): a document, freed with g_free()
 */
CbJsonValue *
cb_json_doc_new_from_node (JsonNode *node)
{
  g_autofree char *text = NULL;
  CbJsonValue *doc;

  g_return_val_if_fail (node != NULL, NULL);

  /* Only a tree that holds a number JSON cannot write (an infinity) fails
   * to read back; it becomes null. */
  text = json_to_string (node, FALSE);
  doc = cb_json_read_doc (text, strlen (text), G_MAXUINT, NULL);
  if (doc == NULL)
    doc = cb_json_read_doc ("null", 4, 0, NULL);
  return doc;
}
