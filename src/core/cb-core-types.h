/* cb-core-types.h — forward declarations and shared enums of the core layer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The core layer (src/core) holds everything that runs headless: the protocol
 * codec, the connection, the cache, the models and the metrics. It never
 * includes GTK or GStreamer.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _CbProfile      CbProfile;
typedef struct _CbProfileStore CbProfileStore;

/**
 * CbConnectionState:
 * @CB_CONNECTION_OFFLINE: not connected and no cached data to show
 * @CB_CONNECTION_CONNECTING: a connection attempt is under way
 * @CB_CONNECTION_LIVE: connected and in sync with the backend
 * @CB_CONNECTION_CACHED: not connected; showing the cached state of a given time
 *
 * What the console can say about the data it shows.
 */
typedef enum
{
  CB_CONNECTION_OFFLINE,
  CB_CONNECTION_CONNECTING,
  CB_CONNECTION_LIVE,
  CB_CONNECTION_CACHED,
} CbConnectionState;

G_END_DECLS
