/* cb-message.c — decoding and encoding protocol messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every frame from a peer passes through cb_message_decode(), which never
 * trusts it: the size is checked against the agreed maximum, the nesting
 * depth is checked before json-glib sees the text (json-glib recurses and
 * has no limit of its own), and every member the message's type requires is
 * checked for presence, JSON type and range. Unknown types and unknown
 * members are allowed (the protocol's extensibility rule); the caller
 * ignores them.
 */
#define G_LOG_DOMAIN "cb-message"

#include "config.h"

#include "cb-json-reader.h"
#include "cb-message.h"
#include "cb-message-private.h"

G_DEFINE_QUARK (cb-message-error-quark, cb_message_error)
G_DEFINE_QUARK (cb-request-error-quark, cb_request_error)
G_DEFINE_BOXED_TYPE (CbMessage, cb_message, cb_message_ref, cb_message_unref)

static const struct {
  const char    *name;
  CbMessageType  type;
} message_types[] = {
  { "event",       CB_MESSAGE_EVENT },
  { "heartbeat",   CB_MESSAGE_HEARTBEAT },
  { "res",         CB_MESSAGE_RESPONSE },
  { "req",         CB_MESSAGE_REQUEST },
  { "snapshot",    CB_MESSAGE_SNAPSHOT },
  { "hello",       CB_MESSAGE_HELLO },
  { "welcome",     CB_MESSAGE_WELCOME },
  { "subscribe",   CB_MESSAGE_SUBSCRIBE },
  { "unsubscribe", CB_MESSAGE_UNSUBSCRIBE },
  { "reset",       CB_MESSAGE_RESET },
};

static const char * const error_codes[] = {
  [CB_ERROR_BAD_REQUEST]         = "bad_request",
  [CB_ERROR_UNAUTHENTICATED]     = "unauthenticated",
  [CB_ERROR_FORBIDDEN]           = "forbidden",
  [CB_ERROR_NOT_FOUND]           = "not_found",
  [CB_ERROR_CONFLICT]            = "conflict",
  [CB_ERROR_INVALID_STATE]       = "invalid_state",
  [CB_ERROR_COMPLIANCE_BLOCKED]  = "compliance_blocked",
  [CB_ERROR_RATE_LIMITED]        = "rate_limited",
  [CB_ERROR_UNSUPPORTED]         = "unsupported",
  [CB_ERROR_BACKEND_UNAVAILABLE] = "backend_unavailable",
  [CB_ERROR_TIMEOUT]             = "timeout",
  [CB_ERROR_INTERNAL]            = "internal",
};

const char *
cb_error_code_to_string (CbErrorCode code)
{
  if ((guint) code < G_N_ELEMENTS (error_codes))
    return error_codes[code];
  return "internal";
}

CbErrorCode
cb_error_code_from_string (const char *string)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_codes); i++)
    if (g_strcmp0 (string, error_codes[i]) == 0)
      return (CbErrorCode) i;
  return CB_ERROR_UNKNOWN;
}

/**
 * cb_json_depth_ok:
 *
 * Whether the JSON text nests objects and arrays at most @max_depth deep.
 * Brackets inside strings do not count. Linear, and reads no further than
 * the first violation.
 */
gboolean
cb_json_depth_ok (const char *text,
                  gsize       length,
                  guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '{':
        case '[':
          if (++depth > max_depth)
            return FALSE;
          break;
        case '}':
        case ']':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }

  return TRUE;
}

/* What every strict reader says of a member it refuses, json-glib's
 * (below) and the document's (cb-json-doc.c). Returns: FALSE */
gboolean
_cb_json_member_error (GError     **error,
                       int          code,
                       const char  *member,
                       const char  *what)
{
  g_set_error (error, CB_MESSAGE_ERROR, code, "member “%s” %s", member, what);
  return FALSE;
}

gboolean
cb_json_get_string (JsonObject   *object,
                    const char   *member,
                    gboolean      required,
                    const char  **out,
                    GError      **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? _cb_json_member_error (error, CB_MESSAGE_ERROR_MISSING, member, "is missing") : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_WRONG_TYPE, member, "must be a string");

  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
cb_json_get_int (JsonObject  *object,
                 const char  *member,
                 gboolean     required,
                 gint64       minimum,
                 gint64      *out,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? _cb_json_member_error (error, CB_MESSAGE_ERROR_MISSING, member, "is missing") : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_WRONG_TYPE, member, "must be an integer");

  *out = json_node_get_int (node);
  if (*out < minimum)
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_BAD_VALUE, member, "is out of range");
  return TRUE;
}

gboolean
cb_json_get_bool (JsonObject  *object,
                  const char  *member,
                  gboolean     required,
                  gboolean    *out,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? _cb_json_member_error (error, CB_MESSAGE_ERROR_MISSING, member, "is missing") : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_WRONG_TYPE, member, "must be true or false");

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
cb_json_get_object (JsonObject   *object,
                    const char   *member,
                    gboolean      required,
                    JsonObject  **out,
                    GError      **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? _cb_json_member_error (error, CB_MESSAGE_ERROR_MISSING, member, "is missing") : TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_WRONG_TYPE, member, "must be an object");

  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
cb_json_get_array (JsonObject  *object,
                   const char  *member,
                   gboolean     required,
                   JsonArray  **out,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? _cb_json_member_error (error, CB_MESSAGE_ERROR_MISSING, member, "is missing") : TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_WRONG_TYPE, member, "must be an array");

  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
decode_event (CbMessage  *message,
              GError    **error)
{
  const CbJsonValue *body = message->body, *entity = NULL;
  const char *kind = NULL;

  if (!cb_json_value_read_int (body, "seq", TRUE, 1, &message->seq, error)
      || !cb_json_value_read_int (body, "ts", TRUE, 0, &message->ts, error)
      || !cb_json_value_read_string (body, "topic", TRUE, &message->topic, error)
      || !cb_json_value_read_string (body, "kind", TRUE, &kind, error)
      || !cb_json_value_read_object (body, "entity", TRUE, &entity, error)
      || !cb_json_value_read_string (entity, "type", TRUE, &message->entity_type, error)
      || !cb_json_value_read_string (entity, "id", TRUE, &message->entity_id, error)
      || !cb_json_value_read_int (entity, "rev", TRUE, 0, &message->rev, error))
    return FALSE;

  if (g_str_equal (kind, "upsert"))
    message->kind = CB_EVENT_UPSERT;
  else if (g_str_equal (kind, "delete"))
    message->kind = CB_EVENT_DELETE;
  else if (g_str_equal (kind, "signal"))
    message->kind = CB_EVENT_SIGNAL;
  else
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_BAD_VALUE, "kind",
                                  "must be upsert, delete or signal");

  if (*message->entity_id == '\0')
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_BAD_VALUE, "entity.id", "is empty");

  /* An upsert carries the whole entity; a delete may carry nothing. */
  return cb_json_value_read_object (body, "data", message->kind == CB_EVENT_UPSERT,
                                    &message->state, error);
}

static gboolean
decode_response (CbMessage  *message,
                 GError    **error)
{
  if (!cb_json_get_string (message->object, "id", TRUE, &message->id, error)
      || !cb_json_get_bool (message->object, "ok", TRUE, &message->ok, error))
    return FALSE;

  if (message->ok)
    return cb_json_get_object (message->object, "data", FALSE, &message->data, error);

  {
    const char *code = NULL;

    if (!cb_json_get_object (message->object, "error", TRUE, &message->error, error)
        || !cb_json_get_string (message->error, "code", TRUE, &code, error))
      return FALSE;
    message->error_code = cb_error_code_from_string (code);
  }

  return TRUE;
}

static gboolean
decode_request (CbMessage  *message,
                GError    **error)
{
  if (!cb_json_get_string (message->object, "id", TRUE, &message->id, error)
      || !cb_json_get_string (message->object, "op", TRUE, &message->op, error)
      || !cb_json_get_object (message->object, "data", FALSE, &message->data, error))
    return FALSE;

  if (*message->id == '\0')
    return _cb_json_member_error (error, CB_MESSAGE_ERROR_BAD_VALUE, "id", "is empty");
  return TRUE;
}

static gboolean
decode_body (CbMessage  *message,
             GError    **error)
{
  switch (message->type)
    {
    case CB_MESSAGE_EVENT:
      return decode_event (message, error);

    case CB_MESSAGE_HEARTBEAT:
      return cb_json_get_int (message->object, "seq", TRUE, 0, &message->seq, error)
          && cb_json_get_int (message->object, "server_time", FALSE, 0, &message->ts, error);

    case CB_MESSAGE_RESPONSE:
      return decode_response (message, error);

    case CB_MESSAGE_REQUEST:
      return decode_request (message, error);

    case CB_MESSAGE_SNAPSHOT:
      return cb_json_value_read_int (message->body, "as_of", TRUE, 0, &message->seq, error);

    case CB_MESSAGE_WELCOME:
      return cb_json_get_string (message->object, "session", TRUE, &message->id, error);

    case CB_MESSAGE_HELLO:
    case CB_MESSAGE_SUBSCRIBE:
    case CB_MESSAGE_UNSUBSCRIBE:
    case CB_MESSAGE_RESET:
    case CB_MESSAGE_UNKNOWN:
    default:
      return TRUE;
    }
}

/* Decodes @text; with @keep_text the message keeps a copy of it, for the
 * journal; with @tree, every type also comes as a json-glib tree. */
static CbMessage *
decode (const char  *text,
        gsize        length,
        gsize        max_size,
        gboolean     keep_text,
        gboolean     tree,
        GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(CbMessage) message = NULL;
  CbJsonValue *doc;
  const char *type_name = NULL;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  if (max_size == 0)
    max_size = CB_PROTOCOL_DEFAULT_MAX_MESSAGE;
  if (length > max_size)
    {
      g_set_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_TOO_LARGE,
                   "message of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT,
                   length, max_size);
      return NULL;
    }

  /* Our own reader, not JsonParser: much faster, and stricter (see
   * cb-json-reader.c); it also checks the encoding and the depth. */
  doc = cb_json_read_doc (text, length, CB_PROTOCOL_MAX_DEPTH, &local_error);
  if (doc == NULL)
    {
      if (g_error_matches (local_error, CB_JSON_READER_ERROR, CB_JSON_READER_ERROR_ENCODING))
        g_set_error_literal (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_MALFORMED,
                             "message is not valid UTF-8");
      else if (g_error_matches (local_error, CB_JSON_READER_ERROR, CB_JSON_READER_ERROR_DEPTH))
        g_set_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_TOO_DEEP,
                     "message nests deeper than %d levels", CB_PROTOCOL_MAX_DEPTH);
      else
        g_set_error (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_MALFORMED,
                     "message is not JSON: %s", local_error->message);
      return NULL;
    }
  if (cb_json_value_get_kind (doc) != CB_JSON_OBJECT)
    {
      g_free (doc);
      g_set_error_literal (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_NOT_OBJECT,
                           "message is not a JSON object");
      return NULL;
    }

  message = g_new0 (CbMessage, 1);
  g_atomic_ref_count_init (&message->ref_count);
  message->doc = doc;
  message->body = doc;
  if (keep_text)
    {
      message->text = g_strndup (text, length);
      message->text_length = length;
    }

  if (!cb_json_value_read_string (doc, "type", TRUE, &type_name, error))
    return NULL;

  message->type_name = type_name;
  message->type = CB_MESSAGE_UNKNOWN;
  for (guint i = 0; i < G_N_ELEMENTS (message_types); i++)
    if (g_str_equal (type_name, message_types[i].name))
      {
        message->type = message_types[i].type;
        break;
      }

  /* The messages that carry entities are read from the document only;
   * the others, rare and read in many places, as json-glib objects too. */
  if (tree || (message->type != CB_MESSAGE_EVENT && message->type != CB_MESSAGE_SNAPSHOT))
    {
      message->root = cb_json_value_to_node (doc);
      message->object = json_node_get_object (message->root);
    }

  if (!decode_body (message, error))
    return NULL;
  if (message->root != NULL && message->type == CB_MESSAGE_EVENT)
    cb_json_get_object (message->object, "data", FALSE, &message->data, NULL);

  return g_steal_pointer (&message);
}

/**
 * cb_message_decode:
 * @text: the frame's payload, not necessarily nul-terminated
 * @max_size: the largest frame accepted, 0 for CB_PROTOCOL_DEFAULT_MAX_MESSAGE
 *
 * Returns: (transfer full): the message, or %NULL with @error set in the
 *   #CB_MESSAGE_ERROR domain
 */
CbMessage *
cb_message_decode (const char  *text,
                   gsize        length,
                   gsize        max_size,
                   GError     **error)
{
  return decode (text, length, max_size, TRUE, FALSE, error);
}

/**
 * cb_message_decode_full:
 *
 * As cb_message_decode(), but every message also comes as a json-glib
 * tree, events (with @data) and snapshots included: for tools that look at
 * every member of what a backend sends.
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 */
CbMessage *
cb_message_decode_full (const char  *text,
                        gsize        length,
                        gsize        max_size,
                        GError     **error)
{
  return decode (text, length, max_size, TRUE, TRUE, error);
}

CbMessage *
cb_message_ref (CbMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  g_atomic_ref_count_inc (&message->ref_count);
  return message;
}

void
cb_message_unref (CbMessage *message)
{
  g_return_if_fail (message != NULL);

  if (g_atomic_ref_count_dec (&message->ref_count))
    {
      if (message->parent != NULL)
        g_clear_pointer (&message->parent, cb_message_unref);
      g_clear_pointer (&message->root, json_node_unref);
      g_free (message->doc);
      g_free (message->text);
      g_free (message);
    }
}

/**
 * cb_message_new_part:
 * @parent: a decoded message
 * @state: an object inside @parent's document
 *
 * Makes a message that holds one object of @parent — an entity of a
 * snapshot part — and keeps @parent alive for it. The document is never
 * changed, so the two may be released on different threads.
 *
 * Returns: (transfer full): the message, of type %CB_MESSAGE_UNKNOWN
 */
CbMessage *
cb_message_new_part (CbMessage         *parent,
                     const CbJsonValue *state)
{
  CbMessage *message;

  g_return_val_if_fail (parent != NULL && state != NULL, NULL);
  g_return_val_if_fail (cb_json_value_get_kind (state) == CB_JSON_OBJECT, NULL);

  message = g_new0 (CbMessage, 1);
  g_atomic_ref_count_init (&message->ref_count);
  message->parent = cb_message_ref (parent);
  message->body = state;
  message->state = state;
  message->type = CB_MESSAGE_UNKNOWN;
  message->type_name = "item";
  return message;
}

/**
 * cb_message_decode_cached:
 * @text: a message the cache stored, such as a snapshot part
 *
 * Decodes it with the checks of cb_message_decode(), but keeps no copy of
 * @text: the cache has it.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
CbMessage *
cb_message_decode_cached (const char  *text,
                          gsize        length,
                          GError     **error)
{
  return decode (text, length, G_MAXSIZE, FALSE, FALSE, error);
}

/**
 * cb_message_decode_body:
 * @text: a cached entity's body: a message whose `data` member is the entity
 *
 * Decodes what the cache stored, with the checks of cb_message_decode(),
 * and points @state of the result at the entity. The result keeps no copy
 * of @text: the cache has it.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
CbMessage *
cb_message_decode_body (const char  *text,
                        gsize        length,
                        GError     **error)
{
  g_autoptr(CbMessage) message = cb_message_decode_cached (text, length, error);
  const CbJsonValue *data;

  if (message == NULL)
    return NULL;

  data = cb_json_value_lookup_object (message->body, "data");
  if (data == NULL)
    {
      g_set_error_literal (error, CB_MESSAGE_ERROR, CB_MESSAGE_ERROR_MISSING,
                           "a cached entity has no data");
      return NULL;
    }
  message->state = data;
  return g_steal_pointer (&message);
}

/**
 * cb_message_encode:
 * @root: a JSON object node
 * @length: (out) (optional): the length of the result
 *
 * Returns: (transfer full): compact JSON text
 */
char *
cb_message_encode (JsonNode *root,
                   gsize    *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  g_return_val_if_fail (root != NULL, NULL);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, length);
}

/**
 * cb_json_builder_add_strv:
 * @values: (nullable): a %NULL-terminated array, or %NULL for an empty one
 *
 * Adds @member as an array of strings to the object being built.
 */
void
cb_json_builder_add_strv (JsonBuilder        *builder,
                          const char         *member,
                          const char * const *values)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}
