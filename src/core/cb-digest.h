/* cb-digest.h — a digest of held entities, comparable across peers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CbDigest CbDigest;

CbDigest *cb_digest_new (void);
void      cb_digest_add (CbDigest   *self,
                         const char *type,
                         const char *id,
                         gint64      rev);
char     *cb_digest_end (CbDigest   *self);

G_END_DECLS
