/* cb-message.h — decoding and encoding protocol messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cb-json-doc.h"
#include "cb-protocol.h"

G_BEGIN_DECLS

#define CB_MESSAGE_ERROR (cb_message_error_quark ())

/* Errors of requests: the code is a CbErrorCode. */
#define CB_REQUEST_ERROR (cb_request_error_quark ())

typedef enum
{
  CB_MESSAGE_ERROR_TOO_LARGE,    /* over the agreed maximum size */
  CB_MESSAGE_ERROR_TOO_DEEP,     /* nested deeper than CB_PROTOCOL_MAX_DEPTH */
  CB_MESSAGE_ERROR_MALFORMED,    /* not JSON, or not UTF-8 */
  CB_MESSAGE_ERROR_NOT_OBJECT,   /* valid JSON, but not an object */
  CB_MESSAGE_ERROR_MISSING,      /* a required member is absent */
  CB_MESSAGE_ERROR_WRONG_TYPE,   /* a member has the wrong JSON type */
  CB_MESSAGE_ERROR_BAD_VALUE,    /* a member's value is out of range */
} CbMessageError;

typedef enum
{
  CB_MESSAGE_UNKNOWN,            /* a type this console does not know: ignored */
  CB_MESSAGE_HELLO,
  CB_MESSAGE_WELCOME,
  CB_MESSAGE_SUBSCRIBE,
  CB_MESSAGE_UNSUBSCRIBE,
  CB_MESSAGE_SNAPSHOT,
  CB_MESSAGE_EVENT,
  CB_MESSAGE_HEARTBEAT,
  CB_MESSAGE_RESET,
  CB_MESSAGE_REQUEST,
  CB_MESSAGE_RESPONSE,
} CbMessageType;

typedef enum
{
  CB_EVENT_UPSERT,
  CB_EVENT_DELETE,
  CB_EVENT_SIGNAL,
} CbEventKind;

/**
 * CbMessage:
 *
 * One decoded message. Strings and objects are borrowed from its document
 * (@body) or its json-glib tree (@root) and live as long as the message.
 * Which fields are set depends on @type; the decoder has checked that those
 * required for the type are present and of the right JSON type.
 *
 * Every message has its document. Events and snapshots, the messages that
 * carry entities, have only that (@root, @object and @data are %NULL):
 * what the console holds of an entity is @state, a CbJsonValue object.
 * The others also come as a json-glib tree.
 */
typedef struct
{
  /*< public >*/
  CbMessageType  type;
  const char    *type_name;   /* as received */
  const CbJsonValue *body;    /* the whole message, as a document */
  const CbJsonValue *state;   /* event data: the entity; a snapshot's or
                               * history reply's item; a cached body's data */
  JsonNode      *root;
  JsonObject    *object;      /* the whole message (not events, snapshots) */

  /* event, heartbeat, snapshot (as_of), welcome */
  gint64         seq;
  gint64         ts;

  /* event */
  const char    *topic;
  CbEventKind    kind;
  const char    *entity_type;
  const char    *entity_id;
  gint64         rev;
  JsonObject    *data;        /* request and response data; event data
                               * (cb_message_decode_full () only) */

  /* request, response */
  const char    *id;
  const char    *op;
  gboolean       ok;
  JsonObject    *error;       /* response error */
  CbErrorCode    error_code;

  /* the frame as received (cb_message_decode() only), for the cache */
  char          *text;
  gsize          text_length;

  /*< private >*/
  gatomicrefcount ref_count;
  gpointer        parent;     /* CbMessage whose document this one borrows */
  CbJsonValue    *doc;        /* owned, unless @parent is set */
} CbMessage;

GQuark      cb_message_error_quark   (void);
GQuark      cb_request_error_quark   (void);
#define CB_TYPE_MESSAGE (cb_message_get_type ())
GType       cb_message_get_type      (void) G_GNUC_CONST;
CbMessage  *cb_message_decode        (const char   *text,
                                      gsize         length,
                                      gsize         max_size,
                                      GError      **error);
CbMessage  *cb_message_decode_full   (const char   *text,
                                      gsize         length,
                                      gsize         max_size,
                                      GError      **error);
CbMessage  *cb_message_decode_cached (const char   *text,
                                      gsize         length,
                                      GError      **error);
CbMessage  *cb_message_decode_body   (const char   *text,
                                      gsize         length,
                                      GError      **error);
CbMessage  *cb_message_new_part      (CbMessage    *parent,
                                      const CbJsonValue *state);
CbMessage  *cb_message_ref           (CbMessage    *message);
void        cb_message_unref         (CbMessage    *message);
gboolean    cb_json_depth_ok         (const char   *text,
                                      gsize         length,
                                      guint         max_depth);
char       *cb_message_encode        (JsonNode     *root,
                                      gsize        *length);

/* Typed access to the members of a decoded object, with the protocol's
 * rules: a missing optional member gives the default, a member of the wrong
 * type is an error. */
gboolean    cb_json_get_string       (JsonObject   *object,
                                      const char   *member,
                                      gboolean      required,
                                      const char  **out,
                                      GError      **error);
gboolean    cb_json_get_int          (JsonObject   *object,
                                      const char   *member,
                                      gboolean      required,
                                      gint64        minimum,
                                      gint64       *out,
                                      GError      **error);
gboolean    cb_json_get_bool         (JsonObject   *object,
                                      const char   *member,
                                      gboolean      required,
                                      gboolean     *out,
                                      GError      **error);
gboolean    cb_json_get_object       (JsonObject   *object,
                                      const char   *member,
                                      gboolean      required,
                                      JsonObject  **out,
                                      GError      **error);
gboolean    cb_json_get_array        (JsonObject   *object,
                                      const char   *member,
                                      gboolean      required,
                                      JsonArray   **out,
                                      GError      **error);

void        cb_json_builder_add_strv (JsonBuilder        *builder,
                                      const char         *member,
                                      const char * const *values);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CbMessage, cb_message_unref)

G_END_DECLS
