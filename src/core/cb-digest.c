/* cb-digest.c — a digest of held entities, comparable across peers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The digest of docs/sim.md: SHA-256, in hex, of the lines
 * "type\tid\trev\n" of a set of entities sorted by type, then id. The sim
 * computes it over the truth, a console over its cache; equal digests mean
 * the console converged.
 */
#define G_LOG_DOMAIN "cb-digest"

#include "config.h"

#include "cb-digest.h"

struct _CbDigest
{
  GPtrArray *lines;
};

CbDigest *
cb_digest_new (void)
{
  CbDigest *self = g_new0 (CbDigest, 1);

  self->lines = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
cb_digest_add (CbDigest   *self,
               const char *type,
               const char *id,
               gint64      rev)
{
  g_return_if_fail (self != NULL);
  g_ptr_array_add (self->lines, g_strdup_printf ("%s\t%s\t%" G_GINT64_FORMAT "\n", type, id, rev));
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * cb_digest_end:
 *
 * Frees @self.
 *
 * Returns: (transfer full): the digest, 64 hex digits
 */
char *
cb_digest_end (CbDigest *self)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  char *result;

  g_return_val_if_fail (self != NULL, NULL);

  /* Sorting whole lines sorts by type, then id: the tab sorts before any
   * character an id or type may hold. */
  g_ptr_array_sort (self->lines, compare_lines);
  for (guint i = 0; i < self->lines->len; i++)
    g_checksum_update (checksum, g_ptr_array_index (self->lines, i), -1);

  result = g_strdup (g_checksum_get_string (checksum));
  g_ptr_array_unref (self->lines);
  g_free (self);
  return result;
}
