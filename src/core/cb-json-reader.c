/* cb-json-reader.c — JSON text to a document, strictly and fast
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every frame from a backend, every snapshot part and every cached entity
 * is parsed, so parsing is most of what the console's core costs. This
 * reader makes a CbJsonValue document (cb-json-doc.c: one allocation) in
 * one pass over the text, into buffers each thread keeps; cb_json_read()
 * turns that into the same JsonNode tree JsonParser makes, for messages
 * read as json-glib objects. Without JsonParser's GScanner, its per-token
 * signals and its second copy of every string, even that is about twice as
 * fast on the protocol's frames (bench/bench-store prints the rates).
 *
 * It is stricter than JsonParser, as a reader of untrusted input should be
 * (RFC 8259): one value, nothing but white space after it; no comments,
 * single quotes, trailing commas, leading zeros or bare words; strings
 * without control characters, \u escapes with paired surrogates and no
 * NUL; numbers that fit a double (1e400 is refused, not made infinite, so
 * a tree never holds a number that cannot be written back as JSON).
 * Integers without a fraction or exponent are integers when they fit
 * (G_TYPE_INT64 nodes, as with JsonParser); of a repeated member the last
 * counts. Nesting is limited by @max_depth, checked before recursing, and the
 * text must be valid UTF-8.
 */
#define G_LOG_DOMAIN "cb-json-reader"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cb-json-reader.h"

G_DEFINE_QUARK (cb-json-reader-error-quark, cb_json_reader_error)

/* What a thread reads into: the values and the strings of the document,
 * copied into one block at the end. */
typedef struct
{
  CbJsonValue *values;
  gsize        n_values;
  gsize        size;
  GString     *strings;
} Scratch;

typedef struct
{
  const char *p;
  const char *end;
  const char *start;
  guint       max_depth;
  Scratch    *scratch;
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

/* Reads a string, the opening quote already consumed, and appends it to
 * the document's strings (not nul-terminated). The text is known to be
 * valid UTF-8. */
static gboolean
read_string (Reader *r)
{
  const char *run = r->p;

  for (;;)
    {
      const char *p = run;

      while (p < r->end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
        p++;
      g_string_append_len (r->scratch->strings, run, p - run);
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
        case '"':  g_string_append_c (r->scratch->strings, '"'); break;
        case '\\': g_string_append_c (r->scratch->strings, '\\'); break;
        case '/':  g_string_append_c (r->scratch->strings, '/'); break;
        case 'b':  g_string_append_c (r->scratch->strings, '\b'); break;
        case 'f':  g_string_append_c (r->scratch->strings, '\f'); break;
        case 'n':  g_string_append_c (r->scratch->strings, '\n'); break;
        case 'r':  g_string_append_c (r->scratch->strings, '\r'); break;
        case 't':  g_string_append_c (r->scratch->strings, '\t'); break;
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
            g_string_append_unichar (r->scratch->strings, c);
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
read_number (Reader      *r,
             CbJsonValue *value)
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
          value->kind = CB_JSON_INT;
          value->u.i = (gint64) magnitude;
          return TRUE;
        }
      if (negative && magnitude <= (guint64) G_MAXINT64 + 1)
        {
          value->kind = CB_JSON_INT;
          value->u.i = magnitude == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) magnitude;
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
    double d;

    memcpy (copy, start, length);
    copy[length] = '\0';
    d = g_ascii_strtod (copy, NULL);
    if (!isfinite (d))
      return (r->p = start), fail (r, "number out of range");
    value->kind = CB_JSON_DOUBLE;
    value->u.d = d;
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

/* Appends a value to the document being read; returns its index. */
static inline gsize
push (Reader     *r,
      CbJsonKind  kind)
{
  Scratch *s = r->scratch;
  CbJsonValue *value;

  if (G_UNLIKELY (s->n_values == s->size))
    {
      s->size = MAX (64, s->size * 2);
      s->values = g_renew (CbJsonValue, s->values, s->size);
    }
  value = &s->values[s->n_values];
  value->kind = kind;
  value->size = 0;
  value->u.i = 0;
  return s->n_values++;
}

/* Reads a string, the opening quote already consumed, as value @index. */
static gboolean
read_string_value (Reader *r,
                   gsize   index)
{
  gsize offset = r->scratch->strings->len;

  if (!read_string (r))
    return FALSE;
  r->scratch->values[index].size = (guint32) (r->scratch->strings->len - offset);
  r->scratch->values[index].u.text = offset;
  g_string_append_c (r->scratch->strings, '\0');
  return TRUE;
}

static gboolean read_value (Reader *r, guint depth);

static gboolean
read_object (Reader *r,
             guint   depth)
{
  gsize index = push (r, CB_JSON_OBJECT);
  guint32 members = 0;

  skip_space (r);
  if (r->p < r->end && *r->p == '}')
    {
      r->p++;
      r->scratch->values[index].u.span = 1;
      return TRUE;
    }
  for (;;)
    {
      skip_space (r);
      if (r->p >= r->end || *r->p != '"')
        return fail (r, "expected a member name");
      r->p++;
      if (!read_string_value (r, push (r, CB_JSON_KEY)))
        return FALSE;
      skip_space (r);
      if (r->p >= r->end || *r->p != ':')
        return fail (r, "expected ':'");
      r->p++;
      if (!read_value (r, depth))
        return FALSE;
      members++;
      skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == '}')
        {
          r->p++;
          r->scratch->values[index].size = members;
          r->scratch->values[index].u.span = r->scratch->n_values - index;
          return TRUE;
        }
      return fail (r, "expected ',' or '}'");
    }
}

static gboolean
read_array (Reader *r,
            guint   depth)
{
  gsize index = push (r, CB_JSON_ARRAY);
  guint32 elements = 0;

  skip_space (r);
  if (r->p < r->end && *r->p == ']')
    {
      r->p++;
      r->scratch->values[index].u.span = 1;
      return TRUE;
    }
  for (;;)
    {
      if (!read_value (r, depth))
        return FALSE;
      elements++;
      skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == ']')
        {
          r->p++;
          r->scratch->values[index].size = elements;
          r->scratch->values[index].u.span = r->scratch->n_values - index;
          return TRUE;
        }
      return fail (r, "expected ',' or ']'");
    }
}

/* Reads one value and appends it (and what it holds) to the document. */
static gboolean
read_value (Reader *r,
            guint   depth)
{
  gsize index;

  skip_space (r);
  if (r->p >= r->end)
    return fail (r, "unexpected end of text");
  if (G_UNLIKELY (r->scratch->n_values >= G_MAXUINT32 / 2))
    return fail (r, "too many values");
  switch (*r->p)
    {
    case '{':
    case '[':
      if (depth >= r->max_depth)
        return fail_with (r, CB_JSON_READER_ERROR_DEPTH, "nested too deep");
      if (*r->p++ == '{')
        return read_object (r, depth + 1);
      return read_array (r, depth + 1);
    case '"':
      r->p++;
      return read_string_value (r, push (r, CB_JSON_STRING));
    case 't':
      index = push (r, CB_JSON_BOOLEAN);
      r->scratch->values[index].u.i = 1;
      return match (r, "true", 4);
    case 'f':
      push (r, CB_JSON_BOOLEAN);
      return match (r, "false", 5);
    case 'n':
      push (r, CB_JSON_NULL);
      return match (r, "null", 4);
    default:
      if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
        {
          index = push (r, CB_JSON_NULL);
          return read_number (r, &r->scratch->values[index]);
        }
      return fail (r, "unexpected character");
    }
}

static void
scratch_free (gpointer data)
{
  Scratch *s = data;

  g_free (s->values);
  g_string_free (s->strings, TRUE);
  g_free (s);
}

/* Each thread reads into its own buffers, kept between documents (and let
 * go when a huge one made them large). */
static GPrivate scratch_key = G_PRIVATE_INIT (scratch_free);

static Scratch *
scratch_get (void)
{
  Scratch *s = g_private_get (&scratch_key);

  if (s == NULL)
    {
      s = g_new0 (Scratch, 1);
      s->strings = g_string_sized_new (1024);
      g_private_set (&scratch_key, s);
    }
  s->n_values = 0;
  g_string_truncate (s->strings, 0);
  return s;
}

static void
scratch_release (Scratch *s)
{
  if (s->size > 65536)
    {
      g_clear_pointer (&s->values, g_free);
      s->size = 0;
    }
  if (s->strings->allocated_len > 1024 * 1024)
    {
      g_string_free (s->strings, TRUE);
      s->strings = g_string_sized_new (1024);
    }
}

/**
 * cb_json_read_doc:
 * @text: JSON text, not necessarily nul-terminated
 * @length: its length in bytes
 * @max_depth: the deepest nesting of objects and arrays accepted
 *
 * Reads @text into a document (see cb-json-doc.c): one allocation, its
 * root value first.
 *
 * Returns: (transfer full): the root value, freed with g_free(), or %NULL
 *   with @error set in the #CB_JSON_READER_ERROR domain
 */
CbJsonValue *
cb_json_read_doc (const char  *text,
                  gsize        length,
                  guint        max_depth,
                  GError     **error)
{
  Scratch *s;
  CbJsonValue *doc = NULL;
  Reader r = {
    .p = text,
    .end = text + length,
    .start = text,
    .max_depth = max_depth,
    .error = error,
  };

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  if (!g_utf8_validate_len (text, length, NULL))
    {
      g_set_error_literal (error, CB_JSON_READER_ERROR, CB_JSON_READER_ERROR_ENCODING,
                           "the text is not valid UTF-8");
      return NULL;
    }

  s = r.scratch = scratch_get ();
  if (read_value (&r, 0))
    {
      skip_space (&r);
      if (r.p != r.end)
        fail (&r, "text after the value");
      else
        {
          gsize values = s->n_values * sizeof (CbJsonValue);

          doc = g_malloc (values + s->strings->len);
          memcpy (doc, s->values, values);
          memcpy ((char *) doc + values, s->strings->str, s->strings->len);
          for (gsize i = 0; i < s->n_values; i++)
            if (doc[i].kind == CB_JSON_STRING || doc[i].kind == CB_JSON_KEY)
              doc[i].u.text += values - i * sizeof (CbJsonValue);
        }
    }
  scratch_release (s);
  return doc;
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
  g_autofree CbJsonValue *doc = cb_json_read_doc (text, length, max_depth, error);

  if (doc == NULL)
    return NULL;
  return cb_json_value_to_node (doc);
}
