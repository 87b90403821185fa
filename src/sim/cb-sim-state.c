/* cb-sim-state.c — the entities the reference backend publishes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A store of whole entities by type and id, each in one topic. Every change
 * takes the next value of one counter as the entity's rev, so revs only
 * grow, also across a delete and a re-creation. The listener (the server)
 * turns each change into events for the sessions that subscribe to the
 * topic.
 *
 * The digest of a topic (cb-digest.c) is what a client holding the same
 * state computes too.
 */
#define G_LOG_DOMAIN "cb-sim-state"

#include "config.h"

#include "cb-digest.h"
#include "cb-sim-state.h"

typedef struct
{
  CbSimEntity  public;
  char        *topic;
  char        *type;
  char        *id;
  JsonNode    *node;
} Entity;

struct _CbSimState
{
  GHashTable         *entities;   /* "type\x1fid" → Entity */
  gint64              rev_counter;
  CbSimStateListener  listener;
  gpointer            listener_data;
};

static void
entity_free (Entity *entity)
{
  g_free (entity->topic);
  g_free (entity->type);
  g_free (entity->id);
  g_clear_pointer (&entity->node, json_node_unref);
  g_free (entity);
}

static char *
make_key (const char *type,
          const char *id)
{
  return g_strconcat (type, "\x1f", id, NULL);
}

CbSimState *
cb_sim_state_new (void)
{
  CbSimState *state = g_new0 (CbSimState, 1);

  state->entities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) entity_free);
  return state;
}

void
cb_sim_state_free (CbSimState *state)
{
  if (state == NULL)
    return;
  g_hash_table_unref (state->entities);
  g_free (state);
}

void
cb_sim_state_set_listener (CbSimState         *state,
                           CbSimStateListener  listener,
                           gpointer            user_data)
{
  state->listener = listener;
  state->listener_data = user_data;
}

/**
 * cb_sim_state_upsert:
 * @data: the entity's fields; "id" and "rev" are set here
 *
 * Returns: the entity's new rev
 */
gint64
cb_sim_state_upsert (CbSimState *state,
                     const char *topic,
                     const char *type,
                     const char *id,
                     JsonObject *data,
                     gint64      ts)
{
  g_autofree char *key = make_key (type, id);
  Entity *entity = g_hash_table_lookup (state->entities, key);
  JsonNode *node = json_node_alloc ();

  json_node_init_object (node, data);
  json_object_set_string_member (data, "id", id);
  json_object_set_int_member (data, "rev", ++state->rev_counter);

  if (entity == NULL)
    {
      entity = g_new0 (Entity, 1);
      entity->topic = g_strdup (topic);
      entity->type = g_strdup (type);
      entity->id = g_strdup (id);
      g_hash_table_insert (state->entities, g_steal_pointer (&key), entity);
    }

  g_clear_pointer (&entity->node, json_node_unref);
  entity->node = node;
  entity->public.topic = entity->topic;
  entity->public.type = entity->type;
  entity->public.id = entity->id;
  entity->public.rev = state->rev_counter;
  entity->public.ts = ts;
  entity->public.data = json_node_get_object (node);

  if (state->listener)
    state->listener (state, CB_SIM_STATE_UPSERT, &entity->public, state->listener_data);

  return state->rev_counter;
}

/**
 * cb_sim_state_upsert_at_rev:
 * @rev: the rev to give the entity, when it is above every rev so far
 *
 * Like cb_sim_state_upsert(), for entities restored from a database with
 * their revs: the counter jumps to @rev, so revs still only grow. A @rev
 * not above the counter takes the next value as usual.
 *
 * Returns: the entity's new rev
 */
gint64
cb_sim_state_upsert_at_rev (CbSimState *state,
                            const char *topic,
                            const char *type,
                            const char *id,
                            JsonObject *data,
                            gint64      ts,
                            gint64      rev)
{
  if (rev - 1 > state->rev_counter)
    state->rev_counter = rev - 1;
  return cb_sim_state_upsert (state, topic, type, id, data, ts);
}

gboolean
cb_sim_state_delete (CbSimState *state,
                     const char *type,
                     const char *id,
                     gint64      ts)
{
  g_autofree char *key = make_key (type, id);
  Entity *entity = g_hash_table_lookup (state->entities, key);

  if (entity == NULL)
    return FALSE;

  /* The delete carries a rev of its own, newer than the last upsert. */
  entity->public.rev = ++state->rev_counter;
  entity->public.ts = ts;
  entity->public.data = NULL;
  if (state->listener)
    state->listener (state, CB_SIM_STATE_DELETE, &entity->public, state->listener_data);

  g_hash_table_remove (state->entities, key);
  return TRUE;
}

const CbSimEntity *
cb_sim_state_lookup (CbSimState *state,
                     const char *type,
                     const char *id)
{
  g_autofree char *key = make_key (type, id);
  Entity *entity = g_hash_table_lookup (state->entities, key);

  return entity ? &entity->public : NULL;
}

static int
compare_entities (gconstpointer a,
                  gconstpointer b)
{
  const CbSimEntity *ea = *(const CbSimEntity * const *) a;
  const CbSimEntity *eb = *(const CbSimEntity * const *) b;
  int c = strcmp (ea->type, eb->type);

  return c != 0 ? c : strcmp (ea->id, eb->id);
}

/**
 * cb_sim_state_list:
 *
 * Returns: (transfer container) (element-type CbSimEntity): the entities of
 *   @topic, sorted by type and id; valid until the next change
 */
GPtrArray *
cb_sim_state_list (CbSimState *state,
                   const char *topic)
{
  GPtrArray *list = g_ptr_array_new ();
  GHashTableIter iter;
  Entity *entity;

  g_hash_table_iter_init (&iter, state->entities);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entity))
    if (g_str_equal (entity->topic, topic))
      g_ptr_array_add (list, &entity->public);

  g_ptr_array_sort (list, compare_entities);
  return list;
}

guint
cb_sim_state_count (CbSimState *state,
                    const char *topic)
{
  GHashTableIter iter;
  Entity *entity;
  guint n = 0;

  g_hash_table_iter_init (&iter, state->entities);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entity))
    n += g_str_equal (entity->topic, topic);
  return n;
}

/**
 * cb_sim_state_digest:
 *
 * Returns: (transfer full): the topic's digest, 64 hex digits
 */
char *
cb_sim_state_digest (CbSimState *state,
                     const char *topic)
{
  g_autoptr(GPtrArray) list = cb_sim_state_list (state, topic);
  CbDigest *digest = cb_digest_new ();

  for (guint i = 0; i < list->len; i++)
    {
      const CbSimEntity *entity = g_ptr_array_index (list, i);

      cb_digest_add (digest, entity->type, entity->id, entity->rev);
    }

  return cb_digest_end (digest);
}

/* Forgets everything, without events: for a new epoch. */
void
cb_sim_state_clear (CbSimState *state)
{
  g_hash_table_remove_all (state->entities);
}
