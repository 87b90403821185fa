/* cb-bench-peer.h — a minimal backend in the benchmark's process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CbBenchPeer CbBenchPeer;

CbBenchPeer *cb_bench_peer_start     (guint        agents,
                                      guint        queues,
                                      guint        calls);
const char  *cb_bench_peer_get_url   (CbBenchPeer *peer);
guint        cb_bench_peer_get_parts (CbBenchPeer *peer,
                                      const char  *topic);
void         cb_bench_peer_stop      (CbBenchPeer *peer);

char        *cb_bench_agent_json     (guint        i,
                                      gint64       rev,
                                      const char  *state,
                                      gint64       since);
char        *cb_bench_queue_json     (guint        i,
                                      gint64       rev,
                                      guint        waiting);
char        *cb_bench_call_json      (guint        i,
                                      gint64       rev,
                                      const char  *state);
GPtrArray   *cb_bench_make_events    (guint        first_seq,
                                      guint        n,
                                      guint        agents,
                                      guint        queues,
                                      guint        calls);
GPtrArray   *cb_bench_make_events_at (guint        first_seq,
                                      guint        n,
                                      guint        agents,
                                      guint        queues,
                                      guint        calls,
                                      gint64       now);

G_END_DECLS
