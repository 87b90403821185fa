/* cb-json-reader.c — JSON text to a json-glib tree, strictly and fast
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every frame from a backend, every snapshot part and every cached entity
 * is parsed, so parsing is most of what the console's core costs. This
 * reader builds the same JsonNode tree JsonParser does, in one pass over
 * the text, without JsonParser's GScanner, its per-token signals and its
 * second copy of every string: about twice as fast on the protocol's
 * frames (bench/bench-store prints both rates).
 *
 * It is stricter than JsonParser, as a reader of untrusted input should be
 * (RFC 8259): one value, nothing but white space after it; no comments,
 * single quotes, trailing commas, leading zeros or bare words; strings
 * without control characters, \u escapes with paired surrogates and no
 * NUL; numbers that fit a double (1e400 is refused, not made infinite, so
 * a tree never holds a number that cannot be written back as JSON).
 * Integers without a fraction or exponent become G_TYPE_INT64 nodes when
 * they fit, as with JsonParser; a duplicate member replaces the earlier
 * one. Nesting is limited by @max_depth, checked before recursing, and the
 * text must be valid UTF-8.
 */
#define G_LOG_DOMAIN "cb-json-reader"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cb-json-reader.h"

G_DEFINE_QUARK (cb-json-reader-error-quark, cb_json_reader_error)

typedef struct
{
  const char *p;
  const char *end;
  const char *start;
  guint       max_depth;
  GString    *buffer;      /* the string being unescaped, reused */
  GError    **error;
} Reader;

static gboolean
fail_with (Reader            *r,
           CbJsonReaderError  code,
           const char        *what)
{
  if (r->error != NULL && *r->error == NULL)
    g_set_error (r->error, CB_JSON_READER_ERROR, code,
                 "%s at byte %" G_GSIZE_FORMAT, what, (gsize) (r->p - r->start));
  return FALSE;
}

static gboolean
fail (Reader     *r,
      const char *what)
{
  return fail_with (r, CB_JSON_READER_ERROR_SYNTAX, what);
}

static inline void
skip_space (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
    r->p++;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (Reader   *r,
           gunichar *out)
{
  gunichar value = 0;

  if (r->end - r->p < 4)
    return fail (r, "truncated \\u escape");
  for (int i = 0; i < 4; i++)
    {
      int d = hex_digit (r->p[i]);

      if (d < 0)
        return fail (r, "bad \\u escape");
      value = value << 4 | (gunichar) d;
    }
  r->p += 4;
  *out = value;
  return TRUE;
}

/* Reads a string, the opening quote already consumed, into r->buffer
 * (nul-terminated). The text is known to be valid UTF-8. */
static gboolean
read_string (Reader *r)
{
  const char *run = r->p;

  g_string_truncate (r->buffer, 0);
  for (;;)
    {
      const char *p = run;

      while (p < r->end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
        p++;
      g_string_append_len (r->buffer, run, p - run);
      r->p = p;
      if (p >= r->end)
        return fail (r, "unterminated string");
      if (*p == '"')
        {
          r->p = p + 1;
          return TRUE;
        }
      if ((guchar) *p < 0x20)
        return fail (r, "control character in a string");

      /* an escape */
      r->p = p + 1;
      if (r->p >= r->end)
        return fail (r, "unterminated string");
      switch (*r->p++)
        {
        case '"':  g_string_append_c (r->buffer, '"'); break;
        case '\\': g_string_append_c (r->buffer, '\\'); break;
        case '/':  g_string_append_c (r->buffer, '/'); break;
        case 'b':  g_string_append_c (r->buffer, '\b'); break;
        case 'f':  g_string_append_c (r->buffer, '\f'); break;
        case 'n':  g_string_append_c (r->buffer, '\n'); break;
        case 'r':  g_string_append_c (r->buffer, '\r'); break;
        case 't':  g_string_append_c (r->buffer, '\t'); break;
        case 'u':
          {
            gunichar c, low;

            if (!read_hex4 (r, &c))
              return FALSE;
            if (c >= 0xDC00 && c <= 0xDFFF)
              return fail (r, "unpaired surrogate in a \\u escape");
            if (c >= 0xD800 && c <= 0xDBFF)
              {
                if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
                  return fail (r, "unpaired surrogate in a \\u escape");
                r->p += 2;
                if (!read_hex4 (r, &low))
                  return FALSE;
                if (low < 0xDC00 || low > 0xDFFF)
                  return fail (r, "unpaired surrogate in a \\u escape");
                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
              }
            if (c == 0)
              return fail (r, "NUL in a string");
            g_string_append_unichar (r->buffer, c);
          }
          break;
        default:
          r->p--;
          return fail (r, "bad escape in a string");
        }
      run = r->p;
    }
}

static gboolean
read_number (Reader   *r,
             JsonNode *node)
{
  const char *start = r->p, *p = r->p;
  gboolean negative = FALSE, integral = TRUE, overflow = FALSE;
  guint64 magnitude = 0;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  if (p >= r->end || *p < '0' || *p > '9')
    return (r->p = p), fail (r, "bad number");
  if (*p == '0')
    {
      p++;
      if (p < r->end && *p >= '0' && *p <= '9')
        return (r->p = p), fail (r, "leading zero in a number");
    }
  else
    while (p < r->end && *p >= '0' && *p <= '9')
      {
        guint digit = (guint) (*p - '0');

        if (magnitude > (G_MAXUINT64 - digit) / 10)
          overflow = TRUE;
        else
          magnitude = magnitude * 10 + digit;
        p++;
      }
  if (p < r->end && *p == '.')
    {
      integral = FALSE;
      p++;
      if (p >= r->end || *p < '0' || *p > '9')
        return (r->p = p), fail (r, "bad fraction in a number");
      while (p < r->end && *p >= '0' && *p <= '9')
        p++;
    }
  if (p < r->end && (*p == 'e' || *p == 'E'))
    {
      integral = FALSE;
      p++;
      if (p < r->end && (*p == '+' || *p == '-'))
        p++;
      if (p >= r->end || *p < '0' || *p > '9')
        return (r->p = p), fail (r, "bad exponent in a number");
      while (p < r->end && *p >= '0' && *p <= '9')
        p++;
    }
  r->p = p;

  if (integral && !overflow)
    {
      if (!negative && magnitude <= (guint64) G_MAXINT64)
        {
          json_node_init_int (node, (gint64) magnitude);
          return TRUE;
        }
      if (negative && magnitude <= (guint64) G_MAXINT64 + 1)
        {
          json_node_init_int (node, magnitude == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) magnitude);
          return TRUE;
        }
    }

  /* A double; the digits are copied so strtod stops where the number does,
   * the text not being nul-terminated. */
  {
    char small[64];
    g_autofree char *large = NULL;
    gsize length = (gsize) (p - start);
    char *copy = length < sizeof small ? small : (large = g_malloc (length + 1));
    double value;

    memcpy (copy, start, length);
    copy[length] = '\0';
    value = g_ascii_strtod (copy, NULL);
    if (!isfinite (value))
      return (r->p = start), fail (r, "number out of range");
    json_node_init_double (node, value);
  }
  return TRUE;
}

static gboolean
match (Reader     *r,
       const char *word,
       gsize       length)
{
  if ((gsize) (r->end - r->p) < length || memcmp (r->p, word, length) != 0)
    return fail (r, "unexpected character");
  r->p += length;
  return TRUE;
}

static gboolean read_value (Reader *r, JsonNode *node, guint depth);

static gboolean
read_object (Reader   *r,
             JsonNode *node,
             guint     depth)
{
  JsonObject *object = json_object_new ();

  json_node_init (node, JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  skip_space (r);
  if (r->p < r->end && *r->p == '}')
    {
      r->p++;
      return TRUE;
    }
  for (;;)
    {
      g_autofree char *name = NULL;
      JsonNode *member;

      skip_space (r);
      if (r->p >= r->end || *r->p != '"')
        return fail (r, "expected a member name");
      r->p++;
      if (!read_string (r))
        return FALSE;
      name = g_strndup (r->buffer->str, r->buffer->len);
      skip_space (r);
      if (r->p >= r->end || *r->p != ':')
        return fail (r, "expected ':'");
      r->p++;
      member = json_node_alloc ();
      if (!read_value (r, member, depth))
        {
          json_node_unref (member);
          return FALSE;
        }
      json_object_set_member (object, name, member);
      skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == '}')
        {
          r->p++;
          return TRUE;
        }
      return fail (r, "expected ',' or '}'");
    }
}

static gboolean
read_array (Reader   *r,
            JsonNode *node,
            guint     depth)
{
  JsonArray *array = json_array_new ();

  json_node_init (node, JSON_NODE_ARRAY);
  json_node_take_array (node, array);
  skip_space (r);
  if (r->p < r->end && *r->p == ']')
    {
      r->p++;
      return TRUE;
    }
  for (;;)
    {
      JsonNode *element = json_node_alloc ();

      if (!read_value (r, element, depth))
        {
          json_node_unref (element);
          return FALSE;
        }
      json_array_add_element (array, element);
      skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == ']')
        {
          r->p++;
          return TRUE;
        }
      return fail (r, "expected ',' or ']'");
    }
}

/* Reads one value into @node, which json_node_alloc() made; on failure
 * @node is still safe to unref. */
static gboolean
read_value (Reader   *r,
            JsonNode *node,
            guint     depth)
{
  skip_space (r);
  if (r->p >= r->end)
    {
      json_node_init_null (node);
      return fail (r, "unexpected end of text");
    }
  switch (*r->p)
    {
    case '{':
    case '[':
      if (depth >= r->max_depth)
        {
          json_node_init_null (node);
          return fail_with (r, CB_JSON_READER_ERROR_DEPTH, "nested too deep");
        }
      if (*r->p++ == '{')
        return read_object (r, node, depth + 1);
      return read_array (r, node, depth + 1);
    case '"':
      r->p++;
      if (!read_string (r))
        {
          json_node_init_null (node);
          return FALSE;
        }
      json_node_init_string (node, r->buffer->str);
      return TRUE;
    case 't':
      json_node_init_boolean (node, TRUE);
      return match (r, "true", 4);
    case 'f':
      json_node_init_boolean (node, FALSE);
      return match (r, "false", 5);
    case 'n':
      json_node_init_null (node);
      return match (r, "null", 4);
    default:
      if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
        {
          if (!read_number (r, node))
            {
              json_node_init_null (node);
              return FALSE;
            }
          return TRUE;
        }
      json_node_init_null (node);
      return fail (r, "unexpected character");
    }
}

/**
 * cb_json_read:
 * @text: JSON text, not necessarily nul-terminated
 * @length: its length in bytes
 * @max_depth: the deepest nesting of objects and arrays accepted
 *
 * Returns: (transfer full): the tree, or %NULL with @error set in the
 *   #CB_JSON_READER_ERROR domain
 */
JsonNode *
cb_json_read (const char  *text,
              gsize        length,
              guint        max_depth,
              GError     **error)
{
  g_autoptr(GString) buffer = g_string_sized_new (64);
  JsonNode *root;
  Reader r = {
    .p = text,
    .end = text + length,
    .start = text,
    .max_depth = max_depth,
    .buffer = buffer,
    .error = error,
  };

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  if (!g_utf8_validate_len (text, length, NULL))
    {
      g_set_error_literal (error, CB_JSON_READER_ERROR, CB_JSON_READER_ERROR_ENCODING,
                           "the text is not valid UTF-8");
      return NULL;
    }
  root = json_node_alloc ();
  if (!read_value (&r, root, 0))
    {
      json_node_unref (root);
      return NULL;
    }
  skip_space (&r);
  if (r.p != r.end)
    {
      fail (&r, "text after the value");
      json_node_unref (root);
      return NULL;
    }
  return root;
}
