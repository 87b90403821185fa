/* cb-sim-config.c — the reference backend's configuration state and its ops
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Campaigns, lead lists and leads, DNC lists and entries, compliance rule
 * sets, dispositions, pause reasons, QA forms (every revision kept) and
 * evaluations, as docs/protocol.md §9.4–§9.12 and §10 define them. They live
 * in the sim's SQLite file (cb-sim-db.c), so they survive a restart with
 * --db, and are published into the CbSimState: topics campaigns,
 * lead_lists, rule_sets, dnc_lists, qa_forms, and dispositions and pause
 * reasons in catalogs. Bulk records (leads, DNC entries, evaluations, call
 * history) are read with keyset-paged queries (§11.1) and imported with
 * chunked uploads (§11.2).
 *
 * Every edit is validated field by field against the tables of §10 before
 * anything is written, and written in one transaction, so bad input is
 * answered with the protocol's error and never reaches the database.
 *
 * Campaigns seeded from the simulation engine keep its campaign ids and
 * their lead lists hold the engine's leads: starting, pausing and stopping
 * such a campaign, or changing its dial mode, level, drop-rate target or
 * retry rules, changes what the dialer does, and the dialer's attempts come
 * back as the leads' status, attempts and next_attempt_at. Statistics are
 * coalesced to one upsert per second per campaign (§4.5).
 *
 * if_rev (§8.4): campaign statistics and list counts move an entity's rev
 * by themselves, so a conflict is a configuration change since the
 * client's rev: if_rev must be at least the rev of the last configuration
 * change and at most the current rev.
 */
#define G_LOG_DOMAIN "cb-sim-config"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cb-sim-config.h"
#include "cb-sim-names.h"
#include "cb-sim-random.h"

#define FLUSH_PERIOD_MS     1000
#define MAX_PAGE            1000
#define DEFAULT_PAGE        100
#define MAX_UPLOAD_ROWS     1000
#define UPLOAD_TTL_US       (600 * G_USEC_PER_SEC)
#define UPLOAD_MAX_ROWS     100000   /* rows of one import, over all its chunks */
#define UPLOADS_PER_USER    8        /* imports open at once */
#define CURSOR_TTL_MS       (15 * 60 * 1000)
#define HISTORY_MAX         20000
#define MAX_HISTORY_SPAN_MS (G_GINT64_CONSTANT (31) * 24 * 3600 * 1000)
#define INT_MAX_JSON        G_GINT64_CONSTANT (9007199254740991)
#define MAX_ENTITY_BYTES    (192 * 1024)    /* §4.1: an entity fits in any event */
#define MAX_PAGE_BYTES      (768 * 1024)    /* a page fits in any client's 1 MiB */

typedef struct _TypeInfo TypeInfo;

struct _CbSimConfigStore
{
  CbSimState  *state;     /* borrowed */
  CbSimServer *server;    /* borrowed */
  CbSimDb     *db;        /* borrowed */
  CbSimEngine *engine;    /* owned reference, or NULL */
  guint        engine_listener;
  GHashTable  *config_revs;      /* "type\x1fid" → gint64 *: rev of the last configuration change */
  GHashTable  *uploads;          /* "user\x1fupload_id" → Upload */
  GHashTable  *dirty_leads;      /* engine lead ids */
  GHashTable  *dirty_campaigns;  /* campaign ids whose stats changed */
  GHashTable  *list_owners;      /* lead list id → id of the simulated campaign that dials it */
  GPtrArray   *history;          /* JsonObject: ended calls, oldest first */
  GPtrArray   *bindings;         /* OpBinding */
  guint        flush_source;
  guint64      seed;
};

/* ---- errors ----------------------------------------------------------------- */

static gboolean G_GNUC_PRINTF (6, 7)
fail (CbSimConfigStore *cfg,
      GError          **error,
      CbErrorCode       code,
      const char       *key,
      const char       *value,
      const char       *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return cb_sim_server_fail_op (cfg->server, error, code, key, value, message);
}

#define bad_field(cfg, error, field, ...) \
  fail (cfg, error, CB_ERROR_BAD_REQUEST, "field", field, __VA_ARGS__)

static gint64
wall_ms (void)
{
  return g_get_real_time () / 1000;
}

/* Instants in entities are on the simulation's clock when there is one
 * (it runs --speed times faster than the wall clock), like the world's. */
static gint64
clock_ms (CbSimConfigStore *cfg)
{
  return cfg->engine ? cb_sim_engine_get_now (cfg->engine) : wall_ms ();
}

static char *
make_key (const char *a,
          const char *b)
{
  return g_strconcat (a, "\x1f", b, NULL);
}

/* json_node_copy() shares objects and arrays; entities are edited as
 * copies, so these copy all the way down. */
static JsonNode *
deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      JsonObject *c = json_object_new ();
      g_autoptr(GList) names = json_object_get_members (o);

      for (GList *l = names; l; l = l->next)
        json_object_set_member (c, l->data, deep_copy (json_object_get_member (o, l->data)));
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, c);
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      JsonArray *c = json_array_sized_new (json_array_get_length (a));

      for (guint i = 0; i < json_array_get_length (a); i++)
        json_array_add_element (c, deep_copy (json_array_get_element (a, i)));
      copy = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (copy, c);
      return copy;
    }
  return json_node_copy (node);
}

static JsonObject *
object_copy (JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_alloc ();
  g_autoptr(JsonNode) copy = NULL;

  json_node_init_object (node, o);
  copy = deep_copy (node);
  return json_object_ref (json_node_get_object (copy));
}

static JsonNode *
object_node (JsonObject *o)
{
  JsonNode *node = json_node_alloc ();

  json_node_init_object (node, o);
  return node;
}

static gboolean
is_int_node (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
is_number_node (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && (json_node_get_value_type (node) == G_TYPE_INT64 || json_node_get_value_type (node) == G_TYPE_DOUBLE);
}

static gboolean
is_string_node (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
is_bool_node (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

static double
number_of (JsonNode *node)
{
  return json_node_get_value_type (node) == G_TYPE_INT64 ? (double) json_node_get_int (node)
                                                         : json_node_get_double (node);
}

static const char *
str_member (JsonObject *o,
            const char *member)
{
  JsonNode *node = json_object_get_member (o, member);

  return is_string_node (node) ? json_node_get_string (node) : NULL;
}

static gint64
int_member (JsonObject *o,
            const char *member,
            gint64      fallback)
{
  JsonNode *node = json_object_get_member (o, member);

  return is_int_node (node) ? json_node_get_int (node) : fallback;
}

static double
num_member (JsonObject *o,
            const char *member,
            double      fallback)
{
  JsonNode *node = json_object_get_member (o, member);

  return is_number_node (node) ? number_of (node) : fallback;
}

static JsonArray *
array_member (JsonObject *o,
              const char *member)
{
  JsonNode *node = json_object_get_member (o, member);

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
strv_node_contains (JsonArray  *array,
                    const char *value)
{
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

/* ---- value checks ------------------------------------------------------------ */

static gboolean
valid_e164 (const char *s)
{
  gsize n;

  if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
    return FALSE;
  for (n = 1; s[n]; n++)
    if (!g_ascii_isdigit (s[n]))
      return FALSE;
  return n >= 8 && n <= 16;
}

static gboolean
valid_code (const char *s)
{
  gsize n;

  if (s == NULL)
    return FALSE;
  for (n = 0; s[n]; n++)
    if (!(g_ascii_isupper (s[n]) || g_ascii_isdigit (s[n]) || s[n] == '_'))
      return FALSE;
  return n >= 1 && n <= 32;
}

static gboolean
valid_key (const char *s)
{
  gsize n;

  if (s == NULL)
    return FALSE;
  for (n = 0; s[n]; n++)
    if (!(g_ascii_islower (s[n]) || g_ascii_isdigit (s[n]) || s[n] == '_'))
      return FALSE;
  return n >= 1 && n <= 32;
}

static gboolean
valid_time_zone (const char *s)
{
  g_autoptr(GTimeZone) zone = NULL;

  if (s == NULL || *s == '\0' || strlen (s) > 64 || strchr (s, '/') == NULL)
    return g_strcmp0 (s, "UTC") == 0;
  zone = g_time_zone_new_identifier (s);
  return zone != NULL;
}

static gboolean
valid_country (const char *s)
{
  return s != NULL && strlen (s) == 2 && g_ascii_isupper (s[0]) && g_ascii_isupper (s[1]);
}

static gboolean
valid_hhmm (const char *s,
            gboolean    end,
            int        *minutes)
{
  int h, m;

  if (s == NULL || strlen (s) != 5 || s[2] != ':' || !g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1])
      || !g_ascii_isdigit (s[3]) || !g_ascii_isdigit (s[4]))
    return FALSE;
  h = (s[0] - '0') * 10 + (s[1] - '0');
  m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
    return FALSE;
  *minutes = h * 60 + m;
  return TRUE;
}

static gboolean
valid_date (const char *s)
{
  g_autoptr(GDateTime) dt = NULL;
  int y, mo, d;

  if (s == NULL || strlen (s) != 10 || s[4] != '-' || s[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (s[i]))
      return FALSE;
  y = atoi (s);
  mo = atoi (s + 5);
  d = atoi (s + 8);
  dt = g_date_time_new_utc (y, mo, d, 0, 0, 0);
  return dt != NULL && y >= 1970;
}

static const char * const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL };

static gboolean
in_list (const char * const *list,
         const char          *value)
{
  return value != NULL && g_strv_contains (list, value);
}

/* A check of a structured field: %FALSE with *where (a suffix of the field
 * name, e.g. "[0].end") and *why set. */
typedef gboolean (*CheckFunc) (CbSimConfigStore *cfg,
                               JsonNode    *value,
                               char       **where,
                               char       **why);

static gboolean
check_windows (CbSimConfigStore *cfg,
               JsonNode         *value,
               char            **where,
               char            **why)
{
  JsonArray *a;

  if (!JSON_NODE_HOLDS_ARRAY (value))
    return (*why = g_strdup ("must be an array of windows")), FALSE;
  a = json_node_get_array (value);
  if (json_array_get_length (a) > 32)
    return (*why = g_strdup ("at most 32 windows")), FALSE;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *w = json_array_get_element (a, i);
      JsonObject *o;
      JsonArray *d;
      int start, end;

      if (!JSON_NODE_HOLDS_OBJECT (w))
        return (*where = g_strdup_printf ("[%u]", i)), (*why = g_strdup ("must be an object")), FALSE;
      o = json_node_get_object (w);
      d = array_member (o, "days");
      if (d == NULL || json_array_get_length (d) == 0 || json_array_get_length (d) > 7)
        return (*where = g_strdup_printf ("[%u].days", i)), (*why = g_strdup ("1–7 days")), FALSE;
      for (guint j = 0; j < json_array_get_length (d); j++)
        if (!is_string_node (json_array_get_element (d, j))
            || !in_list (days, json_array_get_string_element (d, j)))
          return (*where = g_strdup_printf ("[%u].days[%u]", i, j)), (*why = g_strdup ("not a day")), FALSE;
      if (!valid_hhmm (str_member (o, "start"), FALSE, &start))
        return (*where = g_strdup_printf ("[%u].start", i)), (*why = g_strdup ("must be HH:MM")), FALSE;
      if (!valid_hhmm (str_member (o, "end"), TRUE, &end) || end <= start)
        return (*where = g_strdup_printf ("[%u].end", i)), (*why = g_strdup ("must be HH:MM after start")), FALSE;
      if (json_object_get_size (o) != 3)
        return (*where = g_strdup_printf ("[%u]", i)), (*why = g_strdup ("has members other than days, start, end")), FALSE;
    }
  return TRUE;
}

static gboolean
check_dates (CbSimConfigStore *cfg,
             JsonNode         *value,
             char            **where,
             char            **why)
{
  JsonArray *a;

  if (!JSON_NODE_HOLDS_ARRAY (value) || json_array_get_length (json_node_get_array (value)) > 366)
    return (*why = g_strdup ("must be an array of at most 366 dates")), FALSE;
  a = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (!is_string_node (json_array_get_element (a, i)) || !valid_date (json_array_get_string_element (a, i)))
      return (*where = g_strdup_printf ("[%u]", i)), (*why = g_strdup ("must be YYYY-MM-DD")), FALSE;
  return TRUE;
}

static gboolean
check_schedule (CbSimConfigStore *cfg,
                JsonNode         *value,
                char            **where,
                char            **why)
{
  JsonObject *o;
  JsonNode *n;
  g_autofree char *sub = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (value))
    return (*why = g_strdup ("must be an object")), FALSE;
  o = json_node_get_object (value);
  if (!valid_time_zone (str_member (o, "time_zone")))
    return (*where = g_strdup (".time_zone")), (*why = g_strdup ("must be an IANA time zone")), FALSE;
  n = json_object_get_member (o, "windows");
  if (n == NULL || !check_windows (cfg, n, &sub, why))
    return (*where = g_strconcat (".windows", sub, NULL)), (*why = *why ? *why : g_strdup ("required")), FALSE;
  for (guint k = 0; k < 2; k++)
    {
      const char *m = k == 0 ? "start_date" : "end_date";

      n = json_object_get_member (o, m);
      if (n == NULL || (!JSON_NODE_HOLDS_NULL (n) && !(is_string_node (n) && valid_date (json_node_get_string (n)))))
        return (*where = g_strconcat (".", m, NULL)), (*why = g_strdup ("must be a date or null")), FALSE;
    }
  n = json_object_get_member (o, "exclude_dates");
  if (n == NULL || !check_dates (cfg, n, &sub, why))
    return (*where = g_strconcat (".exclude_dates", sub, NULL)), (*why = *why ? *why : g_strdup ("required")), FALSE;
  if (json_object_get_size (o) != 5)
    return (*why = g_strdup ("has unknown members")), FALSE;
  return TRUE;
}

static gboolean
check_lead_lists (CbSimConfigStore *cfg,
                  JsonNode         *value,
                  char            **where,
                  char            **why)
{
  JsonArray *a;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (!JSON_NODE_HOLDS_ARRAY (value) || json_array_get_length (json_node_get_array (value)) > 100)
    return (*why = g_strdup ("must be an array of at most 100 lists")), FALSE;
  a = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      const char *list_id = o ? str_member (o, "list_id") : NULL;
      gint64 priority = o ? int_member (o, "priority", 0) : 0;

      if (list_id == NULL || cb_sim_state_lookup (cfg->state, "lead_list", list_id) == NULL
          || g_hash_table_contains (seen, list_id))
        return (*where = g_strdup_printf ("[%u].list_id", i)), (*why = g_strdup ("not a lead list, or twice")), FALSE;
      g_hash_table_add (seen, (gpointer) list_id);
      if (priority < 1 || priority > 10 || json_object_get_size (o) != 2)
        return (*where = g_strdup_printf ("[%u].priority", i)), (*why = g_strdup ("must be 1–10")), FALSE;
    }
  return TRUE;
}

static const char * const retry_pseudo[] = { "no_answer", "busy", "machine", "dropped", "failed", NULL };

static gboolean
check_retry (JsonObject  *o,
             gboolean     with_disposition,
             char       **where,
             char       **why)
{
  gint64 delay = int_member (o, "delay_s", -1), max = int_member (o, "max_attempts", -1);

  if (with_disposition)
    {
      const char *d = str_member (o, "disposition");

      if (d == NULL || (!in_list (retry_pseudo, d) && !valid_code (d)))
        return (*where = g_strdup (".disposition")), (*why = g_strdup ("a disposition code or no_answer, busy, machine, dropped, failed")), FALSE;
    }
  if (delay < 0 || delay > 90 * 86400)
    return (*where = g_strdup (".delay_s")), (*why = g_strdup ("must be 0–7776000")), FALSE;
  if (max < 0 || max > 100)
    return (*where = g_strdup (".max_attempts")), (*why = g_strdup ("must be 0–100")), FALSE;
  if (json_object_get_size (o) != (with_disposition ? 3u : 2u))
    return (*why = g_strdup ("has unknown members")), FALSE;
  return TRUE;
}

static gboolean
check_retry_rules (CbSimConfigStore *cfg,
                   JsonNode         *value,
                   char            **where,
                   char            **why)
{
  JsonArray *a;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (!JSON_NODE_HOLDS_ARRAY (value) || json_array_get_length (json_node_get_array (value)) > 64)
    return (*why = g_strdup ("must be an array of at most 64 rules")), FALSE;
  a = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      g_autofree char *sub = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (e) || !check_retry (json_node_get_object (e), TRUE, &sub, why))
        return (*where = g_strdup_printf ("[%u]%s", i, sub ? sub : "")), (*why = *why ? *why : g_strdup ("must be an object")), FALSE;
      if (g_hash_table_contains (seen, str_member (json_node_get_object (e), "disposition")))
        return (*where = g_strdup_printf ("[%u].disposition", i)), (*why = g_strdup ("twice")), FALSE;
      g_hash_table_add (seen, (gpointer) str_member (json_node_get_object (e), "disposition"));
    }
  return TRUE;
}

static gboolean
check_default_retry (CbSimConfigStore *cfg,
                     JsonNode         *value,
                     char            **where,
                     char            **why)
{
  if (!JSON_NODE_HOLDS_OBJECT (value))
    return (*why = g_strdup ("must be an object")), FALSE;
  return check_retry (json_node_get_object (value), FALSE, where, why);
}

static gboolean
check_e164 (CbSimConfigStore *cfg,
            JsonNode         *value,
            char            **where,
            char            **why)
{
  if (!is_string_node (value) || !valid_e164 (json_node_get_string (value)))
    return (*why = g_strdup ("must be an E.164 number")), FALSE;
  return TRUE;
}

static gboolean
check_time_zone_or_null (CbSimConfigStore *cfg,
                         JsonNode         *value,
                         char            **where,
                         char            **why)
{
  if (!JSON_NODE_HOLDS_NULL (value) && !(is_string_node (value) && valid_time_zone (json_node_get_string (value))))
    return (*why = g_strdup ("must be an IANA time zone or null")), FALSE;
  return TRUE;
}

static gboolean
check_country_or_null (CbSimConfigStore *cfg,
                       JsonNode         *value,
                       char            **where,
                       char            **why)
{
  if (!JSON_NODE_HOLDS_NULL (value) && !(is_string_node (value) && valid_country (json_node_get_string (value))))
    return (*why = g_strdup ("must be an ISO 3166-1 alpha-2 code or null")), FALSE;
  return TRUE;
}

static const char * const custom_types[] = { "string", "number", "boolean", "date", NULL };

static gboolean
check_custom_fields (CbSimConfigStore *cfg,
                     JsonNode         *value,
                     char            **where,
                     char            **why)
{
  JsonArray *a;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (!JSON_NODE_HOLDS_ARRAY (value) || json_array_get_length (json_node_get_array (value)) > 50)
    return (*why = g_strdup ("must be an array of at most 50 fields")), FALSE;
  a = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      const char *key = o ? str_member (o, "key") : NULL;
      const char *label = o ? str_member (o, "label") : NULL;

      if (!valid_key (key) || g_hash_table_contains (seen, key))
        return (*where = g_strdup_printf ("[%u].key", i)), (*why = g_strdup ("[a-z0-9_]{1,32}, unique")), FALSE;
      g_hash_table_add (seen, (gpointer) key);
      if (label == NULL || strlen (label) > 100)
        return (*where = g_strdup_printf ("[%u].label", i)), (*why = g_strdup ("a string of at most 100 bytes")), FALSE;
      if (!in_list (custom_types, str_member (o, "type")) || json_object_get_size (o) != 3)
        return (*where = g_strdup_printf ("[%u].type", i)), (*why = g_strdup ("string, number, boolean or date")), FALSE;
    }
  return TRUE;
}

static gboolean
check_max_attempts (CbSimConfigStore *cfg,
                    JsonNode         *value,
                    char            **where,
                    char            **why)
{
  JsonArray *a;

  if (!JSON_NODE_HOLDS_ARRAY (value) || json_array_get_length (json_node_get_array (value)) > 16)
    return (*why = g_strdup ("must be an array of at most 16 limits")), FALSE;
  a = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      const char *scope = o ? str_member (o, "scope") : NULL;

      if (o == NULL || int_member (o, "window_h", 0) < 1 || int_member (o, "window_h", 0) > 8760)
        return (*where = g_strdup_printf ("[%u].window_h", i)), (*why = g_strdup ("must be 1–8760")), FALSE;
      if (int_member (o, "max", 0) < 1 || int_member (o, "max", 0) > 1000)
        return (*where = g_strdup_printf ("[%u].max", i)), (*why = g_strdup ("must be 1–1000")), FALSE;
      if ((g_strcmp0 (scope, "lead") != 0 && g_strcmp0 (scope, "number") != 0) || json_object_get_size (o) != 3)
        return (*where = g_strdup_printf ("[%u].scope", i)), (*why = g_strdup ("lead or number")), FALSE;
    }
  return TRUE;
}

static gboolean
check_dnc_list_ids (CbSimConfigStore *cfg,
                    JsonNode         *value,
                    char            **where,
                    char            **why)
{
  JsonArray *a;

  if (!JSON_NODE_HOLDS_ARRAY (value) || json_array_get_length (json_node_get_array (value)) > 32)
    return (*why = g_strdup ("must be an array of at most 32 list ids")), FALSE;
  a = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (!is_string_node (json_array_get_element (a, i))
        || cb_sim_state_lookup (cfg->state, "dnc_list", json_array_get_string_element (a, i)) == NULL)
      return (*where = g_strdup_printf ("[%u]", i)), (*why = g_strdup ("not a DNC list")), FALSE;
  return TRUE;
}

static gboolean
check_drop_rate (CbSimConfigStore *cfg,
                 JsonNode         *value,
                 char            **where,
                 char            **why)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (value) ? json_node_get_object (value) : NULL;
  JsonNode *cap = o ? json_object_get_member (o, "cap_pct") : NULL;
  const char *method = o ? str_member (o, "method") : NULL;

  if (!is_number_node (cap) || number_of (cap) < 0 || number_of (cap) > 100)
    return (*where = g_strdup (".cap_pct")), (*why = g_strdup ("must be a number 0–100")), FALSE;
  if ((g_strcmp0 (method, "us") != 0 && g_strcmp0 (method, "uk") != 0) || json_object_get_size (o) != 2)
    return (*where = g_strdup (".method")), (*why = g_strdup ("us or uk")), FALSE;
  return TRUE;
}

static gboolean
check_disposition_ids (CbSimConfigStore *cfg,
                       JsonNode         *value,
                       char            **where,
                       char            **why)
{
  JsonArray *a;

  if (!JSON_NODE_HOLDS_ARRAY (value) || json_array_get_length (json_node_get_array (value)) > 200)
    return (*why = g_strdup ("must be an array of disposition codes")), FALSE;
  a = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (!is_string_node (json_array_get_element (a, i))
        || cb_sim_state_lookup (cfg->state, "disposition", json_array_get_string_element (a, i)) == NULL)
      return (*where = g_strdup_printf ("[%u]", i)), (*why = g_strdup ("not a disposition")), FALSE;
  return TRUE;
}

static gboolean
check_queue_id (CbSimConfigStore *cfg,
                JsonNode         *value,
                char            **where,
                char            **why)
{
  if (!JSON_NODE_HOLDS_NULL (value)
      && !(is_string_node (value) && cb_sim_state_lookup (cfg->state, "queue", json_node_get_string (value))))
    return (*why = g_strdup ("must be a queue id or null")), FALSE;
  return TRUE;
}

static gboolean
check_rule_set_id (CbSimConfigStore *cfg,
                   JsonNode         *value,
                   char            **where,
                   char            **why)
{
  if (!JSON_NODE_HOLDS_NULL (value)
      && !(is_string_node (value) && cb_sim_state_lookup (cfg->state, "rule_set", json_node_get_string (value))))
    return (*why = g_strdup ("must be a rule set id or null")), FALSE;
  return TRUE;
}

static const char * const question_kinds[] = { "yes_no", "scale", "choice", "text", NULL };

static gboolean
check_question (JsonObject  *q,
                GHashTable  *ids,
                char       **where,
                char       **why)
{
  static const char * const members[] = { "id", "text", "kind", "options", "scale_max", "max_points",
                                          "critical", "auto_fail", "na_allowed", NULL };
  const char *id = str_member (q, "id"), *kind = str_member (q, "kind");
  JsonNode *scale = json_object_get_member (q, "scale_max");
  JsonArray *options = array_member (q, "options");
  double max_points = num_member (q, "max_points", -1);
  g_autoptr(GList) names = json_object_get_members (q);

  for (GList *l = names; l; l = l->next)
    if (!in_list (members, l->data))
      return (*where = g_strdup_printf (".%s", (char *) l->data)), (*why = g_strdup ("unknown member")), FALSE;
  if (id == NULL || *id == '\0' || strlen (id) > 64 || g_hash_table_contains (ids, id))
    return (*where = g_strdup (".id")), (*why = g_strdup ("a unique id")), FALSE;
  g_hash_table_add (ids, (gpointer) id);
  if (str_member (q, "text") == NULL)
    return (*where = g_strdup (".text")), (*why = g_strdup ("a string")), FALSE;
  if (!in_list (question_kinds, kind))
    return (*where = g_strdup (".kind")), (*why = g_strdup ("yes_no, scale, choice or text")), FALSE;
  if (options == NULL || (g_str_equal (kind, "choice") ? json_array_get_length (options) == 0
                                                       : json_array_get_length (options) != 0))
    return (*where = g_strdup (".options")), (*why = g_strdup ("choices for choice, [] otherwise")), FALSE;
  for (guint i = 0; i < json_array_get_length (options); i++)
    {
      JsonNode *e = json_array_get_element (options, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;

      if (o == NULL || str_member (o, "value") == NULL || str_member (o, "label") == NULL
          || !is_number_node (json_object_get_member (o, "points")) || json_object_get_size (o) != 3)
        return (*where = g_strdup_printf (".options[%u]", i)), (*why = g_strdup ("{value, label, points}")), FALSE;
    }
  if (scale == NULL || (g_str_equal (kind, "scale") ? !is_int_node (scale) || json_node_get_int (scale) < 1
                                                      || json_node_get_int (scale) > 100
                                                    : !JSON_NODE_HOLDS_NULL (scale)))
    return (*where = g_strdup (".scale_max")), (*why = g_strdup ("1–100 for scale, null otherwise")), FALSE;
  if (max_points < 0 || max_points > 1000)
    return (*where = g_strdup (".max_points")), (*why = g_strdup ("a number 0–1000")), FALSE;
  for (guint k = 0; k < 3; k++)
    {
      const char *m = (const char *[]) { "critical", "auto_fail", "na_allowed" }[k];

      if (!is_bool_node (json_object_get_member (q, m)))
        return (*where = g_strdup_printf (".%s", m)), (*why = g_strdup ("a boolean")), FALSE;
    }
  return TRUE;
}

static gboolean
check_sections (CbSimConfigStore *cfg,
                JsonNode         *value,
                char            **where,
                char            **why)
{
  JsonArray *a;
  g_autoptr(GHashTable) section_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) question_ids = g_hash_table_new (g_str_hash, g_str_equal);

  if (!JSON_NODE_HOLDS_ARRAY (value) || json_array_get_length (json_node_get_array (value)) == 0
      || json_array_get_length (json_node_get_array (value)) > 50)
    return (*why = g_strdup ("must be an array of 1–50 sections")), FALSE;
  a = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      const char *id = o ? str_member (o, "id") : NULL;
      JsonArray *questions = o ? array_member (o, "questions") : NULL;

      if (id == NULL || *id == '\0' || g_hash_table_contains (section_ids, id))
        return (*where = g_strdup_printf ("[%u].id", i)), (*why = g_strdup ("a unique id")), FALSE;
      g_hash_table_add (section_ids, (gpointer) id);
      if (str_member (o, "title") == NULL)
        return (*where = g_strdup_printf ("[%u].title", i)), (*why = g_strdup ("a string")), FALSE;
      if (num_member (o, "weight", -1) < 0 || num_member (o, "weight", -1) > 1000)
        return (*where = g_strdup_printf ("[%u].weight", i)), (*why = g_strdup ("a number 0–1000")), FALSE;
      if (questions == NULL || json_array_get_length (questions) > 200 || json_object_get_size (o) != 4)
        return (*where = g_strdup_printf ("[%u].questions", i)), (*why = g_strdup ("an array of questions")), FALSE;
      for (guint j = 0; j < json_array_get_length (questions); j++)
        {
          JsonNode *q = json_array_get_element (questions, j);
          g_autofree char *sub = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (q) || !check_question (json_node_get_object (q), question_ids, &sub, why))
            return (*where = g_strdup_printf ("[%u].questions[%u]%s", i, j, sub ? sub : "")),
                   (*why = *why ? *why : g_strdup ("must be an object")), FALSE;
        }
    }
  return TRUE;
}

/* ---- field tables (§10) ------------------------------------------------------ */

typedef enum
{
  F_STR,          /* string, length min…max bytes */
  F_STR_NULL,     /* string or null */
  F_BOOL,
  F_INT,          /* integer min…max */
  F_INT_NULL,
  F_NUM,          /* number min…max */
  F_ENUM,
  F_STRV,         /* array of strings, at most max */
  F_CHECK,
} FieldKind;

typedef struct
{
  const char          *name;
  FieldKind            kind;
  double               min, max;
  const char * const  *values;      /* F_ENUM */
  CheckFunc            check;       /* F_CHECK */
  const char          *fallback;    /* JSON of the value create uses when absent; NULL: required */
} Field;

static const char * const dial_modes[] = { "preview", "progressive", "power", "predictive", NULL };
static const char * const tz_policies[] = { "block", "list_default", NULL };
static const char * const consents[] = { "not_required", "announce", "opt_in", NULL };
static const char * const dnc_kinds[] = { "internal", "national", "vendor", NULL };
static const char * const categories[] = { "success", "contact", "no_contact", "dnc", "callback", NULL };

#define DEFAULT_SCHEDULE \
  "{\"time_zone\":\"UTC\",\"windows\":[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"]," \
  "\"start\":\"09:00\",\"end\":\"20:00\"}],\"start_date\":null,\"end_date\":null,\"exclude_dates\":[]}"

static const Field campaign_fields[] = {
  { "name", F_STR, 1, 100, NULL, NULL, NULL },
  { "description", F_STR, 0, 2000, NULL, NULL, "\"\"" },
  { "dial_mode", F_ENUM, 0, 0, dial_modes, NULL, "\"progressive\"" },
  { "dial_level", F_NUM, 1, 10, NULL, NULL, "1.0" },
  { "max_abandon_pct", F_NUM, 0, 100, NULL, NULL, "3.0" },
  { "ring_timeout_s", F_INT, 10, 120, NULL, NULL, "25" },
  { "amd", F_BOOL, 0, 0, NULL, NULL, "false" },
  { "lead_lists", F_CHECK, 0, 0, NULL, check_lead_lists, "[]" },
  { "team_ids", F_STRV, 0, 100, NULL, NULL, "[]" },
  { "queue_id", F_CHECK, 0, 0, NULL, check_queue_id, "null" },
  { "schedule", F_CHECK, 0, 0, NULL, check_schedule, DEFAULT_SCHEDULE },
  { "retry_rules", F_CHECK, 0, 0, NULL, check_retry_rules, "[]" },
  { "default_retry", F_CHECK, 0, 0, NULL, check_default_retry, "{\"delay_s\":86400,\"max_attempts\":3}" },
  { "caller_id", F_CHECK, 0, 0, NULL, check_e164, NULL },
  { "caller_id_name", F_STR_NULL, 0, 100, NULL, NULL, "null" },
  { "rule_set_id", F_CHECK, 0, 0, NULL, check_rule_set_id, "null" },
  { "disposition_ids", F_CHECK, 0, 0, NULL, check_disposition_ids, "[]" },
  { NULL }
};
static const char * const campaign_ro[] = { "id", "rev", "status", "stats", "created_at", "updated_at", "started_at", NULL };

static const Field lead_list_fields[] = {
  { "name", F_STR, 1, 100, NULL, NULL, NULL },
  { "description", F_STR, 0, 2000, NULL, NULL, "\"\"" },
  { "default_time_zone", F_CHECK, 0, 0, NULL, check_time_zone_or_null, "null" },
  { "country", F_CHECK, 0, 0, NULL, check_country_or_null, "null" },
  { "custom_fields", F_CHECK, 0, 0, NULL, check_custom_fields, "[]" },
  { "active", F_BOOL, 0, 0, NULL, NULL, "true" },
  { NULL }
};
static const char * const lead_list_ro[] = { "id", "rev", "lead_count", "dialable_count", "campaign_ids", "created_at", "updated_at", NULL };

static const Field rule_set_fields[] = {
  { "name", F_STR, 1, 100, NULL, NULL, NULL },
  { "description", F_STR, 0, 2000, NULL, NULL, "\"\"" },
  { "calling_windows", F_CHECK, 0, 0, NULL, check_windows,
    "[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"],\"start\":\"08:00\",\"end\":\"21:00\"}]" },
  { "exclude_dates", F_CHECK, 0, 0, NULL, check_dates, "[]" },
  { "unknown_time_zone", F_ENUM, 0, 0, tz_policies, NULL, "\"block\"" },
  { "max_attempts", F_CHECK, 0, 0, NULL, check_max_attempts, "[]" },
  { "dnc_list_ids", F_CHECK, 0, 0, NULL, check_dnc_list_ids, "[]" },
  { "drop_rate", F_CHECK, 0, 0, NULL, check_drop_rate, "{\"cap_pct\":3.0,\"method\":\"us\"}" },
  { "max_connect_delay_s", F_INT, 0, 60, NULL, NULL, "2" },
  { "abandon_message", F_BOOL, 0, 0, NULL, NULL, "true" },
  { "min_ring_s", F_INT, 0, 120, NULL, NULL, "15" },
  { "recording_consent", F_ENUM, 0, 0, consents, NULL, "\"announce\"" },
  { NULL }
};
static const char * const rule_set_ro[] = { "id", "rev", "created_at", "updated_at", NULL };

static const Field dnc_list_fields[] = {
  { "name", F_STR, 1, 100, NULL, NULL, NULL },
  { "description", F_STR, 0, 2000, NULL, NULL, "\"\"" },
  { "kind", F_ENUM, 0, 0, dnc_kinds, NULL, "\"internal\"" },
  { NULL }
};
static const char * const dnc_list_ro[] = { "id", "rev", "read_only", "entry_count", "updated_at", NULL };

static const Field disposition_fields[] = {
  { "label", F_STR, 1, 100, NULL, NULL, NULL },
  { "category", F_ENUM, 0, 0, categories, NULL, NULL },
  { "final", F_BOOL, 0, 0, NULL, NULL, "false" },
  { "campaign_ids", F_STRV, 0, 100, NULL, NULL, "[]" },
  { "active", F_BOOL, 0, 0, NULL, NULL, "true" },
  { "sort_order", F_INT, -1000000, 1000000, NULL, NULL, "0" },
  { NULL }
};
static const char * const code_ro[] = { "id", "rev", NULL };

static const Field pause_reason_fields[] = {
  { "label", F_STR, 1, 100, NULL, NULL, NULL },
  { "paid", F_BOOL, 0, 0, NULL, NULL, "false" },
  { "max_duration_s", F_INT_NULL, 0, 86400, NULL, NULL, "null" },
  { "active", F_BOOL, 0, 0, NULL, NULL, "true" },
  { "sort_order", F_INT, -1000000, 1000000, NULL, NULL, "0" },
  { NULL }
};

static const Field qa_form_fields[] = {
  { "name", F_STR, 1, 100, NULL, NULL, NULL },
  { "description", F_STR, 0, 2000, NULL, NULL, "\"\"" },
  { "active", F_BOOL, 0, 0, NULL, NULL, "true" },
  { "passing_score_pct", F_NUM, 0, 100, NULL, NULL, "80" },
  { "sections", F_CHECK, 0, 0, NULL, check_sections, NULL },
  { NULL }
};
static const char * const qa_form_ro[] = { "id", "rev", "created_at", "updated_at", NULL };

typedef enum
{
  T_CAMPAIGN,
  T_LEAD_LIST,
  T_RULE_SET,
  T_DNC_LIST,
  T_DISPOSITION,
  T_PAUSE_REASON,
  T_QA_FORM,
  N_TYPES
} TypeKind;

struct _TypeInfo
{
  TypeKind            kind;
  const char         *type;
  const char         *topic;
  const char         *prefix;       /* id prefix; NULL: the client gives the code */
  const Field        *fields;
  const char * const *ro;
  const char         *write_perm;
};

static const TypeInfo types[N_TYPES] = {
  { T_CAMPAIGN, "campaign", "campaigns", "cmp", campaign_fields, campaign_ro, "campaigns.write" },
  { T_LEAD_LIST, "lead_list", "lead_lists", "ll", lead_list_fields, lead_list_ro, "leads.write" },
  { T_RULE_SET, "rule_set", "rule_sets", "rs", rule_set_fields, rule_set_ro, "compliance.write" },
  { T_DNC_LIST, "dnc_list", "dnc_lists", "dnc", dnc_list_fields, dnc_list_ro, "compliance.write" },
  { T_DISPOSITION, "disposition", "catalogs", NULL, disposition_fields, code_ro, "catalogs.write" },
  { T_PAUSE_REASON, "pause_reason", "catalogs", NULL, pause_reason_fields, code_ro, "catalogs.write" },
  { T_QA_FORM, "qa_form", "qa_forms", "qaf", qa_form_fields, qa_form_ro, "qa.forms.write" },
};

static const Field *
find_field (const TypeInfo *info,
            const char     *name)
{
  for (const Field *f = info->fields; f->name; f++)
    if (g_str_equal (f->name, name))
      return f;
  return NULL;
}

/* Checks one writable field's value; on failure sets the bad_request. */
static gboolean
validate_field (CbSimConfigStore *cfg,
                const Field      *f,
                JsonNode         *value,
                const char       *prefix,
                GError          **error)
{
  g_autofree char *where = NULL;
  g_autofree char *why = NULL;
  g_autofree char *field = NULL;
  gboolean ok = TRUE;

  switch (f->kind)
    {
    case F_STR:
    case F_STR_NULL:
      if (f->kind == F_STR_NULL && JSON_NODE_HOLDS_NULL (value))
        break;
      ok = is_string_node (value) && strlen (json_node_get_string (value)) >= (gsize) f->min
           && strlen (json_node_get_string (value)) <= (gsize) f->max;
      if (!ok)
        why = g_strdup_printf ("must be a string of %g–%g bytes%s", f->min, f->max,
                               f->kind == F_STR_NULL ? " or null" : "");
      break;
    case F_BOOL:
      if (!(ok = is_bool_node (value)))
        why = g_strdup ("must be a boolean");
      break;
    case F_INT:
    case F_INT_NULL:
      if (f->kind == F_INT_NULL && JSON_NODE_HOLDS_NULL (value))
        break;
      ok = is_int_node (value) && json_node_get_int (value) >= f->min && json_node_get_int (value) <= f->max;
      if (!ok)
        why = g_strdup_printf ("must be an integer %g–%g", f->min, f->max);
      break;
    case F_NUM:
      ok = is_number_node (value) && number_of (value) >= f->min && number_of (value) <= f->max;
      if (!ok)
        why = g_strdup_printf ("must be a number %g–%g", f->min, f->max);
      break;
    case F_ENUM:
      ok = is_string_node (value) && in_list (f->values, json_node_get_string (value));
      if (!ok)
        {
          g_autofree char *joined = g_strjoinv (", ", (char **) f->values);

          why = g_strdup_printf ("must be one of %s", joined);
        }
      break;
    case F_STRV:
      ok = JSON_NODE_HOLDS_ARRAY (value) && json_array_get_length (json_node_get_array (value)) <= (guint) f->max;
      for (guint i = 0; ok && i < json_array_get_length (json_node_get_array (value)); i++)
        {
          JsonNode *e = json_array_get_element (json_node_get_array (value), i);

          if (!is_string_node (e) || *json_node_get_string (e) == '\0' || strlen (json_node_get_string (e)) > 64)
            {
              ok = FALSE;
              where = g_strdup_printf ("[%u]", i);
            }
        }
      if (!ok)
        why = g_strdup_printf ("must be an array of at most %g ids", f->max);
      break;
    case F_CHECK:
    default:
      ok = f->check (cfg, value, &where, &why);
      break;
    }

  if (ok)
    return TRUE;
  field = g_strconcat (prefix, f->name, where, NULL);
  return bad_field (cfg, error, field, "%s %s", field, why ? why : "is not valid");
}

/* Validates @in (create data or an update's set) into @out. With @create,
 * absent fields get their defaults or are missing. */
static gboolean
validate_object (CbSimConfigStore *cfg,
                 const TypeInfo   *info,
                 JsonObject       *in,
                 gboolean          create,
                 JsonObject       *out,
                 const char       *prefix,
                 GError          **error)
{
  g_autoptr(GList) names = json_object_get_members (in);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const Field *f = find_field (info, name);

      if (create && info->prefix == NULL && g_str_equal (name, "id"))
        continue;
      if (f == NULL)
        {
          g_autofree char *field = g_strconcat (prefix, name, NULL);

          return bad_field (cfg, error, field, in_list (info->ro, name) ? "%s is read-only" : "%s is not a field of %s",
                            field, info->type);
        }
      if (!validate_field (cfg, f, json_object_get_member (in, name), prefix, error))
        return FALSE;
      json_object_set_member (out, name, deep_copy (json_object_get_member (in, name)));
    }

  if (create)
    for (const Field *f = info->fields; f->name; f++)
      if (!json_object_has_member (in, f->name))
        {
          g_autofree char *field = g_strconcat (prefix, f->name, NULL);

          if (f->fallback == NULL)
            return bad_field (cfg, error, field, "%s is required", field);
          json_object_set_member (out, f->name, json_from_string (f->fallback, NULL));
        }

  return TRUE;
}

/* ---- publishing ---------------------------------------------------------------- */

static const TypeInfo *
type_info (const char *type)
{
  for (guint i = 0; i < N_TYPES; i++)
    if (g_str_equal (types[i].type, type))
      return &types[i];
  return NULL;
}

static const CbSimEntity *
lookup (CbSimConfigStore *cfg,
        const TypeInfo   *info,
        const char       *id)
{
  return id ? cb_sim_state_lookup (cfg->state, info->type, id) : NULL;
}

static gboolean
same_content (JsonObject *a,
              JsonObject *b)
{
  g_autoptr(GList) names = json_object_get_members (b);
  guint n = 0;

  for (GList *l = names; l; l = l->next)
    {
      JsonNode *x, *y;

      if (g_str_equal (l->data, "rev") || g_str_equal (l->data, "id"))
        continue;
      n++;
      x = json_object_get_member (a, l->data);
      y = json_object_get_member (b, l->data);
      if (x == NULL || !json_node_equal (x, y))
        return FALSE;
    }
  return n + json_object_has_member (a, "rev") + json_object_has_member (a, "id") == json_object_get_size (a);
}

static void
set_config_rev (CbSimConfigStore *cfg,
                const char       *type,
                const char       *id,
                gint64            rev)
{
  g_hash_table_replace (cfg->config_revs, make_key (type, id), g_memdup2 (&rev, sizeof rev));
}

/* Puts @object (the whole entity but id and rev) into the state and the
 * database; nothing happens when it has not changed. */
static gint64
publish (CbSimConfigStore *cfg,
         const TypeInfo   *info,
         const char       *id,
         JsonObject       *object,
         gboolean          config_change)
{
  const CbSimEntity *old = lookup (cfg, info, id);
  g_autoptr(JsonObject) copy = NULL;
  gint64 rev;

  if (old != NULL && same_content (old->data, object))
    {
      if (config_change)
        set_config_rev (cfg, info->type, id, old->rev);
      return old->rev;
    }

  copy = object_copy (object);
  rev = cb_sim_state_upsert (cfg->state, info->topic, info->type, id, copy, clock_ms (cfg));
  if (config_change || old == NULL)
    set_config_rev (cfg, info->type, id, rev);
  cb_sim_db_put_entity (cfg->db, info->type, id, rev, copy);
  return rev;
}

static void
unpublish (CbSimConfigStore *cfg,
           const TypeInfo   *info,
           const char       *id)
{
  g_autofree char *key = make_key (info->type, id);

  cb_sim_db_delete_entity (cfg->db, info->type, id);
  g_hash_table_remove (cfg->config_revs, key);
  cb_sim_state_delete (cfg->state, info->type, id, clock_ms (cfg));
}

/* §8.4, with the rule for statistics at the top of this file. */
static gboolean
check_if_rev (CbSimConfigStore  *cfg,
              const char        *type,
              const CbSimEntity *entity,
              gint64             if_rev,
              GError           **error)
{
  g_autofree char *key = make_key (type, entity->id);
  gint64 *config_rev = g_hash_table_lookup (cfg->config_revs, key);
  gint64 floor_rev = config_rev ? *config_rev : entity->rev;

  if (if_rev >= floor_rev && if_rev <= entity->rev)
    return TRUE;

  cb_sim_server_set_error_extra (cfg->server, NULL, object_node (entity->data));
  g_set_error (error, CB_REQUEST_ERROR, CB_ERROR_CONFLICT,
               "%s %s changed since rev %" G_GINT64_FORMAT "; it is at rev %" G_GINT64_FORMAT,
               type, entity->id, if_rev, entity->rev);
  return FALSE;
}

static char *
next_id (CbSimConfigStore *cfg,
         const char       *prefix)
{
  gint64 n = cb_sim_db_get_meta_int (cfg->db, "next_id", 1);

  cb_sim_db_set_meta_int (cfg->db, "next_id", n + 1);
  return g_strdup_printf ("%s-%06" G_GINT64_FORMAT, prefix, n);
}

static JsonNode *
result_with (const char *member,
             JsonObject *object)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_alloc ();

  json_object_set_object_member (o, member, object_copy (object));
  json_node_take_object (node, o);
  return node;
}

static JsonNode *
result_entity (CbSimConfigStore *cfg,
               const TypeInfo   *info,
               const char       *id)
{
  return result_with (info->type, lookup (cfg, info, id)->data);
}

static JsonNode *
result_deleted (const char *id)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_alloc ();

  json_object_set_string_member (o, "id", id);
  json_object_set_boolean_member (o, "deleted", TRUE);
  json_node_take_object (node, o);
  return node;
}

static GPtrArray *
list_of (CbSimConfigStore *cfg,
         const TypeInfo   *info)
{
  GPtrArray *all = cb_sim_state_list (cfg->state, info->topic);
  GPtrArray *list = g_ptr_array_new ();

  for (guint i = 0; i < all->len; i++)
    {
      const CbSimEntity *e = g_ptr_array_index (all, i);

      if (g_str_equal (e->type, info->type))
        g_ptr_array_add (list, (gpointer) e);
    }
  g_ptr_array_unref (all);
  return list;
}

/* ---- derived fields -------------------------------------------------------------- */

static const char * const lead_statuses[] = { "new", "callback", "retry", "dialing", "completed", "exhausted",
                                              "dnc", "invalid", NULL };

static void
count_leads (CbSimConfigStore *cfg,
             const char       *list_id,
             gint64           *total,
             gint64           *dialable,
             gint64           *done)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db,
    "SELECT count(*), total(status IN ('new','retry','callback')), "
    "total(status IN ('completed','exhausted','dnc','invalid')) FROM leads WHERE list_id = ?");

  sqlite3_bind_text (stmt, 1, list_id, -1, SQLITE_TRANSIENT);
  *total = *dialable = *done = 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *total = sqlite3_column_int64 (stmt, 0);
      *dialable = (gint64) sqlite3_column_double (stmt, 1);
      *done = (gint64) sqlite3_column_double (stmt, 2);
    }
  sqlite3_reset (stmt);
}

static gboolean
campaign_uses_list (JsonObject *campaign,
                    const char *list_id)
{
  JsonArray *lists = array_member (campaign, "lead_lists");

  for (guint i = 0; lists && i < json_array_get_length (lists); i++)
    if (g_strcmp0 (str_member (json_array_get_object_element (lists, i), "list_id"), list_id) == 0)
      return TRUE;
  return FALSE;
}

static void
lead_list_derive (CbSimConfigStore *cfg,
                  const char       *id,
                  JsonObject       *o)
{
  g_autoptr(GPtrArray) campaigns = list_of (cfg, &types[T_CAMPAIGN]);
  JsonArray *ids = json_array_new ();
  gint64 total, dialable, done;

  count_leads (cfg, id, &total, &dialable, &done);
  json_object_set_int_member (o, "lead_count", total);
  json_object_set_int_member (o, "dialable_count", dialable);
  for (guint i = 0; i < campaigns->len; i++)
    {
      const CbSimEntity *c = g_ptr_array_index (campaigns, i);

      if (campaign_uses_list (c->data, id))
        json_array_add_string_element (ids, c->id);
    }
  json_object_set_array_member (o, "campaign_ids", ids);
}

/* Republishes a lead list whose counts or campaigns may have changed. */
static void
refresh_lead_list (CbSimConfigStore *cfg,
                   const char       *id)
{
  const CbSimEntity *e = lookup (cfg, &types[T_LEAD_LIST], id);
  g_autoptr(JsonObject) o = NULL;

  if (e == NULL)
    return;
  o = object_copy (e->data);
  lead_list_derive (cfg, id, o);
  publish (cfg, &types[T_LEAD_LIST], id, o, FALSE);
}

static void
refresh_lists_of (CbSimConfigStore *cfg,
                  JsonObject       *campaign)
{
  JsonArray *lists = campaign ? array_member (campaign, "lead_lists") : NULL;

  for (guint i = 0; lists && i < json_array_get_length (lists); i++)
    refresh_lead_list (cfg, str_member (json_array_get_object_element (lists, i), "list_id"));
}

static void
dnc_list_derive (CbSimConfigStore *cfg,
                 const char       *id,
                 JsonObject       *o)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "SELECT count(*) FROM dnc_entries WHERE list_id = ?");

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  json_object_set_int_member (o, "entry_count", sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0);
  sqlite3_reset (stmt);
}

static void
refresh_dnc_list (CbSimConfigStore *cfg,
                  const char       *id)
{
  const CbSimEntity *e = lookup (cfg, &types[T_DNC_LIST], id);
  g_autoptr(JsonObject) o = NULL;

  if (e == NULL)
    return;
  o = object_copy (e->data);
  dnc_list_derive (cfg, id, o);
  json_object_set_int_member (o, "updated_at", clock_ms (cfg));
  publish (cfg, &types[T_DNC_LIST], id, o, FALSE);
}

static JsonObject *
rule_set_of (CbSimConfigStore *cfg,
             JsonObject       *campaign)
{
  const char *rs = str_member (campaign, "rule_set_id");
  const CbSimEntity *e = rs ? lookup (cfg, &types[T_RULE_SET], rs) : NULL;

  return e ? e->data : NULL;
}

static double
cap_of (JsonObject *rule_set)
{
  JsonNode *dr = rule_set ? json_object_get_member (rule_set, "drop_rate") : NULL;

  return dr && JSON_NODE_HOLDS_OBJECT (dr) ? num_member (json_node_get_object (dr), "cap_pct", 100) : 100;
}

static const CbSimCampaign *
engine_campaign (CbSimConfigStore *cfg,
                 const char       *id)
{
  return cfg->engine ? cb_sim_engine_get_campaign (cfg->engine, id) : NULL;
}

static void
campaign_derive (CbSimConfigStore *cfg,
                 const char       *id,
                 JsonObject       *o)
{
  const CbSimCampaign *ec = engine_campaign (cfg, id);
  JsonObject *rs = rule_set_of (cfg, o);
  JsonNode *dr = rs ? json_object_get_member (rs, "drop_rate") : NULL;
  gboolean uk = dr && JSON_NODE_HOLDS_OBJECT (dr) && g_strcmp0 (str_member (json_node_get_object (dr), "method"), "uk") == 0;
  JsonObject *stats = json_object_new ();

  if (ec != NULL)
    {
      const CbSimCampaignStats *st = &ec->stats;

      json_object_set_int_member (stats, "leads_total", st->leads_total);
      json_object_set_int_member (stats, "leads_dialable", st->leads_dialable);
      json_object_set_int_member (stats, "leads_completed", st->leads_done);
      json_object_set_int_member (stats, "dials_today", st->dials);
      json_object_set_int_member (stats, "contacts_today", st->humans);
      json_object_set_int_member (stats, "successes_today", st->conversions);
      json_object_set_int_member (stats, "drops_today", st->dropped);
      if (st->humans > 0)
        json_object_set_double_member (stats, "drop_rate_pct", round (st->drop_rate_pct * 100) / 100);
      else
        json_object_set_null_member (stats, "drop_rate_pct");
      json_object_set_int_member (stats, "drop_rate_window_h", uk ? 24 : 720);
      json_object_set_int_member (stats, "agents_logged_in", st->agents_logged_in);
      json_object_set_int_member (stats, "agents_available", st->agents_available);
      json_object_set_int_member (stats, "lines_in_use", st->lines_dialing + st->lines_waiting);
      json_object_set_double_member (stats, "dial_level_current", round (ec->dial_level_current * 100) / 100);
      json_object_set_int_member (stats, "stats_at", cb_sim_engine_get_now (cfg->engine));
    }
  else
    {
      JsonArray *lists = array_member (o, "lead_lists");
      gint64 total = 0, dialable = 0, done = 0;

      for (guint i = 0; lists && i < json_array_get_length (lists); i++)
        {
          gint64 t, d, c;

          count_leads (cfg, str_member (json_array_get_object_element (lists, i), "list_id"), &t, &d, &c);
          total += t;
          dialable += d;
          done += c;
        }
      json_object_set_int_member (stats, "leads_total", total);
      json_object_set_int_member (stats, "leads_dialable", dialable);
      json_object_set_int_member (stats, "leads_completed", done);
      json_object_set_int_member (stats, "dials_today", 0);
      json_object_set_int_member (stats, "contacts_today", 0);
      json_object_set_int_member (stats, "successes_today", 0);
      json_object_set_int_member (stats, "drops_today", 0);
      json_object_set_null_member (stats, "drop_rate_pct");
      json_object_set_int_member (stats, "drop_rate_window_h", uk ? 24 : 720);
      json_object_set_int_member (stats, "agents_logged_in", 0);
      json_object_set_int_member (stats, "agents_available", 0);
      json_object_set_int_member (stats, "lines_in_use", 0);
      json_object_set_double_member (stats, "dial_level_current", 0.0);
      json_object_set_int_member (stats, "stats_at", clock_ms (cfg));
    }
  json_object_set_object_member (o, "stats", stats);
}

static double
campaign_drop_rate (JsonObject *campaign)
{
  JsonNode *stats = json_object_get_member (campaign, "stats");
  JsonNode *rate = stats && JSON_NODE_HOLDS_OBJECT (stats)
                   ? json_object_get_member (json_node_get_object (stats), "drop_rate_pct") : NULL;

  return is_number_node (rate) ? number_of (rate) : 0.0;
}

/* ---- the engine ------------------------------------------------------------------ */

static CbSimDisposition
pseudo_disposition (const char *code)
{
  if (g_strcmp0 (code, "no_answer") == 0)
    return CB_SIM_DISPOSITION_NO_ANSWER;
  if (g_strcmp0 (code, "busy") == 0)
    return CB_SIM_DISPOSITION_BUSY;
  if (g_strcmp0 (code, "machine") == 0)
    return CB_SIM_DISPOSITION_MACHINE;
  if (g_strcmp0 (code, "dropped") == 0)
    return CB_SIM_DISPOSITION_DROPPED;
  if (g_strcmp0 (code, "failed") == 0)
    return CB_SIM_DISPOSITION_INVALID;
  return CB_SIM_DISPOSITION_NONE;
}

static guint
minutes_of (const char *hhmm)
{
  guint h = 0, m = 0;

  if (hhmm == NULL || sscanf (hhmm, "%u:%u", &h, &m) != 2)
    return 0;
  return MIN (h * 60 + m, 1440);
}

/* The rule set's calling windows (§10.10), in the lead's local time, to
 * the dialer: per weekday, from the earliest start to the latest end of
 * that day's windows; a day without a window is closed. */
static void
windows_to_engine (CbSimConfigStore *cfg,
                   const char       *campaign_id,
                   JsonObject       *rule_set)
{
  static const char * const weekdays[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  JsonArray *windows = rule_set ? array_member (rule_set, "calling_windows") : NULL;
  guint start[7] = { 0 }, end[7] = { 0 };
  gboolean any[7] = { FALSE };

  if (windows == NULL)
    {
      cb_sim_engine_set_campaign_windows (cfg->engine, campaign_id, NULL, NULL);
      return;
    }
  for (guint i = 0; i < json_array_get_length (windows); i++)
    {
      JsonObject *w = json_array_get_object_element (windows, i);
      JsonArray *on = w ? array_member (w, "days") : NULL;
      guint from = minutes_of (str_member (w, "start")), to = minutes_of (str_member (w, "end"));

      for (guint k = 0; on != NULL && k < json_array_get_length (on); k++)
        for (guint d = 0; d < 7; d++)
          if (g_strcmp0 (json_array_get_string_element (on, k), weekdays[d]) == 0 && from < to)
            {
              start[d] = any[d] ? MIN (start[d], from) : from;
              end[d] = any[d] ? MAX (end[d], to) : to;
              any[d] = TRUE;
            }
    }
  cb_sim_engine_set_campaign_windows (cfg->engine, campaign_id, start, end);
}

static JsonObject *lead_load (CbSimConfigStore *cfg, const char *id);
static gboolean number_listed (CbSimConfigStore *cfg, const char *number, GPtrArray *list_ids);
static guint lead_numbers_listed (CbSimConfigStore *cfg, JsonObject *lead, GPtrArray *list_ids);
static gboolean lead_to_engine (CbSimConfigStore *cfg, JsonObject *lead);

static guint
date_of (const char *s)
{
  guint y, m, d;

  if (s == NULL || sscanf (s, "%u-%u-%u", &y, &m, &d) != 3)
    return 0;
  return y * 10000 + m * 100 + d;
}

/* The rule set's attempt limits (§10.10) to the dialer. */
static void
limits_to_engine (CbSimConfigStore *cfg,
                  const char       *campaign_id,
                  JsonObject       *rule_set)
{
  JsonArray *rules = rule_set ? array_member (rule_set, "max_attempts") : NULL;
  CbSimAttemptLimit limits[CB_SIM_MAX_ATTEMPT_LIMITS];
  guint n = 0;

  for (guint i = 0; rules && i < json_array_get_length (rules) && n < CB_SIM_MAX_ATTEMPT_LIMITS; i++)
    {
      JsonObject *r = json_array_get_object_element (rules, i);
      gint64 window_h = r ? int_member (r, "window_h", 0) : 0;
      gint64 max = r ? int_member (r, "max", 0) : 0;

      if (window_h < 1 || max < 1)
        continue;
      limits[n++] = (CbSimAttemptLimit) {
        .window_ms = window_h * 3600 * 1000,
        .max = (guint) MIN (max, G_MAXUINT),
        .per_number = g_strcmp0 (str_member (r, "scope"), "number") == 0,
      };
    }
  cb_sim_engine_set_campaign_attempt_limits (cfg->engine, campaign_id, limits, n);
}

/* Everything of a rule set the dialer enforces itself; its DNC lists are
 * read at every dial (on_dial_check). */
static void
rule_set_to_engine (CbSimConfigStore *cfg,
                    const char       *campaign_id,
                    JsonObject       *rule_set)
{
  JsonArray *exclude = rule_set ? array_member (rule_set, "exclude_dates") : NULL;
  g_autoptr(GArray) dates = g_array_new (FALSE, FALSE, sizeof (guint));

  windows_to_engine (cfg, campaign_id, rule_set);
  limits_to_engine (cfg, campaign_id, rule_set);
  for (guint i = 0; exclude && i < json_array_get_length (exclude); i++)
    {
      guint date = date_of (json_array_get_string_element (exclude, i));

      if (date != 0)
        g_array_append_val (dates, date);
    }
  if (cb_sim_engine_set_campaign_exclude_dates (cfg->engine, campaign_id, (const guint *) (gpointer) dates->data,
                                                dates->len) != CB_SIM_OK)
    g_message ("campaign %s: the rule set's exclude_dates are not all dates", campaign_id);
}


/* The campaign's schedule (§10.7): when it may dial, in its own zone. */
static void
schedule_to_engine (CbSimConfigStore *cfg,
                    const char       *campaign_id,
                    JsonObject       *campaign)
{
  static const char * const weekdays[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  JsonNode *node = json_object_get_member (campaign, "schedule");
  JsonObject *o = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonArray *windows = o ? array_member (o, "windows") : NULL;
  JsonArray *exclude = o ? array_member (o, "exclude_dates") : NULL;
  g_autoptr(GArray) w = g_array_new (FALSE, FALSE, sizeof (CbSimScheduleWindow));
  g_autoptr(GArray) x = g_array_new (FALSE, FALSE, sizeof (guint));
  CbSimSchedule schedule = { 0 };

  if (o == NULL)
    {
      cb_sim_engine_set_campaign_schedule (cfg->engine, campaign_id, NULL);
      return;
    }
  for (guint i = 0; windows && i < json_array_get_length (windows); i++)
    {
      JsonObject *wo = json_array_get_object_element (windows, i);
      JsonArray *on = wo ? array_member (wo, "days") : NULL;
      CbSimScheduleWindow window = { 0 };

      for (guint k = 0; on != NULL && k < json_array_get_length (on); k++)
        for (guint d = 0; d < 7; d++)
          if (g_strcmp0 (json_array_get_string_element (on, k), weekdays[d]) == 0)
            window.days |= 1u << d;
      window.start_min = minutes_of (str_member (wo, "start"));
      window.end_min = minutes_of (str_member (wo, "end"));
      g_array_append_val (w, window);
    }
  for (guint i = 0; exclude && i < json_array_get_length (exclude); i++)
    {
      guint date = date_of (json_array_get_string_element (exclude, i));

      g_array_append_val (x, date);
    }
  schedule.time_zone = str_member (o, "time_zone");
  schedule.windows = (const CbSimScheduleWindow *) (gpointer) w->data;
  schedule.n_windows = w->len;
  schedule.start_date = date_of (str_member (o, "start_date"));
  schedule.end_date = date_of (str_member (o, "end_date"));
  schedule.exclude_dates = (const guint *) (gpointer) x->data;
  schedule.n_exclude_dates = x->len;
  if (cb_sim_engine_set_campaign_schedule (cfg->engine, campaign_id, &schedule) != CB_SIM_OK)
    {
      g_message ("campaign %s: time zone %s unknown here; it dials at any time of day",
                 campaign_id, schedule.time_zone);
      cb_sim_engine_set_campaign_schedule (cfg->engine, campaign_id, NULL);
    }
}

/* Where numbers without a time zone are, by country code (§10.9: "derived
 * from the number by the backend"); the US and Canada by one central zone. */
static const char *
zone_of_number (const char *number)
{
  static const char * const prefixes[][2] = {
    { "+1", "America/Chicago" }, { "+372", "Europe/Tallinn" }, { "+421", "Europe/Bratislava" },
    { "+385", "Europe/Zagreb" }, { "+387", "Europe/Sarajevo" }, { "+380", "Europe/Kiev" },
    { "+48", "Europe/Warsaw" }, { "+44", "Europe/London" }, { "+49", "Europe/Berlin" },
    { "+33", "Europe/Paris" }, { "+358", "Europe/Helsinki" }, { "+371", "Europe/Riga" },
    { "+370", "Europe/Vilnius" },
  };

  for (guint i = 0; number != NULL && i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (number, prefixes[i][0]))
      return prefixes[i][1];
  return NULL;
}

/* The lead's UTC offset now, from its zone, its list's default zone or its
 * number; FALSE when none is known. @cache maps zones to offsets. */
static gboolean
lead_utc_offset (CbSimConfigStore *cfg,
                 JsonObject       *lead,
                 JsonObject       *list,
                 const char       *number,
                 GHashTable       *cache,
                 int              *offset_min)
{
  const char *zone = str_member (lead, "time_zone");
  gpointer cached;

  if (zone == NULL && list != NULL)
    zone = str_member (list, "default_time_zone");
  if (zone == NULL)
    zone = zone_of_number (number);
  if (zone == NULL)
    return FALSE;
  if (!g_hash_table_lookup_extended (cache, zone, NULL, &cached))
    {
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone);
      int offset;

      if (tz == NULL)
        return FALSE;
      offset = g_time_zone_get_offset (tz, g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL,
                                                                      clock_ms (cfg) / 1000)) / 60;
      cached = GINT_TO_POINTER (offset);
      g_hash_table_insert (cache, g_strdup (zone), cached);
    }
  *offset_min = GPOINTER_TO_INT (cached);
  return TRUE;
}

/* The simulated campaign whose dialer holds the leads of @list_id: its own
 * list for a seeded campaign, else the first that took it; or NULL. */
static const char *
list_owner (CbSimConfigStore *cfg,
            const char       *list_id)
{
  const char *owner = g_hash_table_lookup (cfg->list_owners, list_id);

  if (owner == NULL && g_str_has_prefix (list_id, "ll-") && engine_campaign (cfg, list_id + 3) != NULL)
    owner = list_id + 3;
  return owner;
}

/* Gives the dialer of @campaign_id the leads of @list_id it does not hold
 * yet, in the state the database has them. A lead whose time zone cannot be
 * told is left out when the campaign's rule set blocks such leads. */
static void
attach_leads (CbSimConfigStore *cfg,
              const char       *campaign_id,
              JsonObject       *campaign,
              const char       *list_id)
{
  const CbSimEntity *list = lookup (cfg, &types[T_LEAD_LIST], list_id);
  JsonObject *rs = rule_set_of (cfg, campaign);
  gboolean block = g_strcmp0 (rs ? str_member (rs, "unknown_time_zone") : NULL, "block") == 0;
  g_autoptr(GHashTable) zones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) leads = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "SELECT id, json FROM leads WHERE list_id = ? ORDER BY id");
  guint blocked = 0;

  sqlite3_bind_text (stmt, 1, list_id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      JsonObject *lead;

      if (id == NULL || cb_sim_engine_get_lead (cfg->engine, id) != NULL)
        continue;
      if ((lead = cb_sim_db_column_json (stmt, 1)) != NULL)
        g_ptr_array_add (leads, lead);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < leads->len; i++)
    {
      JsonObject *lead = g_ptr_array_index (leads, i);
      JsonArray *phones = array_member (lead, "phone_numbers");
      const char *number = phones && json_array_get_length (phones) > 0
                           ? str_member (json_array_get_object_element (phones, 0), "number") : NULL;
      const char *status = str_member (lead, "status");
      int offset = 0;
      CbSimResult r;

      if (number == NULL)
        continue;
      if (!lead_utc_offset (cfg, lead, list ? list->data : NULL, number, zones, &offset) && block)
        {
          blocked++;
          continue;
        }
      r = cb_sim_engine_add_lead (cfg->engine, campaign_id, list_id, str_member (lead, "id"), number, offset);
      if (r != CB_SIM_OK)
        {
          g_message ("lead %s of %s is not dialed: %s", str_member (lead, "id"), list_id, cb_sim_result_to_string (r));
          continue;
        }
      /* A dial that was going on when the sim stopped: due again now. */
      if (g_strcmp0 (status, "dialing") == 0)
        {
          json_object_set_string_member (lead, "status", "retry");
          json_object_set_int_member (lead, "next_attempt_at", cb_sim_engine_get_now (cfg->engine));
        }
      if (g_strcmp0 (status, "new") != 0 || int_member (lead, "attempts", 0) > 0)
        lead_to_engine (cfg, lead);
      /* The dialer holds what the database has: nothing to write back. */
      g_hash_table_remove (cfg->dirty_leads, str_member (lead, "id"));
    }
  if (blocked > 0)
    g_message ("%u leads of %s have no known time zone; campaign %s's rule set blocks them",
               blocked, list_id, campaign_id);
}

static void lists_to_engine (CbSimConfigStore *cfg, const char *id, JsonObject *o);
static void flush_leads (CbSimConfigStore *cfg);

/* @list_id leaves the dialer of the campaign that held it (a dial in
 * progress finishes), and another simulated campaign that has it in its
 * lead_lists takes it, with the leads as the database has them. */
static void
release_list (CbSimConfigStore *cfg,
              const char       *list_id)
{
  g_autofree char *id = g_strdup (list_id);
  g_autofree char *owner = g_strdup (g_hash_table_lookup (cfg->list_owners, id));
  g_autoptr(GPtrArray) lead_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) campaigns = NULL;
  sqlite3_stmt *stmt;

  if (owner == NULL)
    return;
  flush_leads (cfg);
  stmt = cb_sim_db_prepare (cfg->db, "SELECT id FROM leads WHERE list_id = ? ORDER BY id");
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (lead_ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  for (guint i = 0; i < lead_ids->len; i++)
    if (cb_sim_engine_get_lead (cfg->engine, g_ptr_array_index (lead_ids, i)) != NULL)
      cb_sim_engine_remove_lead (cfg->engine, g_ptr_array_index (lead_ids, i));
  g_hash_table_remove (cfg->list_owners, id);

  campaigns = list_of (cfg, &types[T_CAMPAIGN]);
  for (guint i = 0; i < campaigns->len; i++)
    {
      const CbSimEntity *c = g_ptr_array_index (campaigns, i);

      if (!g_str_equal (c->id, owner) && campaign_uses_list (c->data, id) && engine_campaign (cfg, c->id) != NULL
          && !g_hash_table_contains (cfg->list_owners, id))
        lists_to_engine (cfg, c->id, c->data);
    }
}

/* Releases the lists @id holds but no longer has (all of them when @o is
 * NULL), but its own seeded list. */
static void
release_lists_of (CbSimConfigStore *cfg,
                  const char       *id,
                  JsonObject       *o)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *own = g_strdup_printf ("ll-%s", id);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, cfg->list_owners);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_equal (value, id) && !g_str_equal (key, own) && (o == NULL || !campaign_uses_list (o, key)))
      g_ptr_array_add (gone, g_strdup (key));
  for (guint i = 0; i < gone->len; i++)
    release_list (cfg, g_ptr_array_index (gone, i));
}

/* The campaign's lead lists to the dialer: the active ones, with their
 * priorities. A list is dialed by one simulated campaign, the first that
 * took it; it passes on when that campaign lets it go. */
static void
lists_to_engine (CbSimConfigStore *cfg,
                 const char       *id,
                 JsonObject       *o)
{
  JsonArray *lists = array_member (o, "lead_lists");
  g_autoptr(GArray) refs = g_array_new (FALSE, FALSE, sizeof (CbSimListRef));

  release_lists_of (cfg, id, o);

  for (guint i = 0; lists && i < json_array_get_length (lists); i++)
    {
      JsonObject *entry = json_array_get_object_element (lists, i);
      const char *list_id = entry ? str_member (entry, "list_id") : NULL;
      const CbSimEntity *list = list_id ? lookup (cfg, &types[T_LEAD_LIST], list_id) : NULL;
      const char *owner;
      CbSimListRef ref;

      if (list == NULL)
        continue;
      owner = list_owner (cfg, list_id);
      if (owner != NULL && !g_str_equal (owner, id))
        continue;
      if (!g_hash_table_contains (cfg->list_owners, list_id))
        {
          g_hash_table_insert (cfg->list_owners, g_strdup (list_id), g_strdup (id));
          attach_leads (cfg, id, o, list_id);
        }
      if (!json_object_get_boolean_member_with_default (list->data, "active", TRUE))
        continue;
      ref.list_id = list->id;
      ref.priority = (guint) CLAMP (int_member (entry, "priority", 1), 1, 10);
      g_array_append_val (refs, ref);
    }
  cb_sim_engine_set_campaign_lists (cfg->engine, id, (const CbSimListRef *) (gpointer) refs->data, refs->len);
}

/* Leads uploaded into a list a simulated campaign dials join its dialer. */
static void
list_leads_to_engine (CbSimConfigStore *cfg,
                      const char       *list_id)
{
  const char *owner = cfg->engine ? list_owner (cfg, list_id) : NULL;
  const CbSimEntity *c = owner ? lookup (cfg, &types[T_CAMPAIGN], owner) : NULL;
  g_autofree char *campaign_id = c ? g_strdup (c->id) : NULL;

  if (c != NULL && g_hash_table_contains (cfg->list_owners, list_id))
    attach_leads (cfg, campaign_id, c->data, list_id);
}

/* Before every dial: a lead with a number on one of the DNC lists of the
 * campaign's rule set is not dialed (§10.10 dnc_list_ids). */
static gboolean
on_dial_check (CbSimEngine     *engine,
               const char      *campaign_id,
               const CbSimLead *el,
               gpointer         user_data)
{
  CbSimConfigStore *cfg = user_data;
  const CbSimEntity *c = lookup (cfg, &types[T_CAMPAIGN], campaign_id);
  JsonObject *rs = c ? rule_set_of (cfg, c->data) : NULL;
  JsonArray *ids = rs ? array_member (rs, "dnc_list_ids") : NULL;
  g_autoptr(GPtrArray) lists = NULL;
  g_autoptr(JsonObject) lead = NULL;

  if (ids == NULL || json_array_get_length (ids) == 0)
    return TRUE;
  lists = g_ptr_array_new ();
  for (guint i = 0; i < json_array_get_length (ids); i++)
    g_ptr_array_add (lists, (gpointer) json_array_get_string_element (ids, i));
  lead = lead_load (cfg, el->id);
  if (lead != NULL)
    return lead_numbers_listed (cfg, lead, lists) == 0;
  return !number_listed (cfg, el->phone, lists);
}

/* Carries a campaign's configuration into the dialer. */
static void
campaign_to_engine (CbSimConfigStore *cfg,
                    const char       *id,
                    JsonObject       *o)
{
  const char *status = str_member (o, "status");
  JsonArray *rules = array_member (o, "retry_rules");
  JsonNode *def = json_object_get_member (o, "default_retry");
  JsonObject *d = def && JSON_NODE_HOLDS_OBJECT (def) ? json_node_get_object (def) : NULL;
  CbSimDialMode mode;

  if (engine_campaign (cfg, id) == NULL)
    return;

  if (cb_sim_dial_mode_from_string (str_member (o, "dial_mode"), &mode))
    cb_sim_engine_set_campaign_dial_mode (cfg->engine, id, mode);
  rule_set_to_engine (cfg, id, rule_set_of (cfg, o));
  schedule_to_engine (cfg, id, o);
  cb_sim_engine_set_campaign_dial_level (cfg->engine, id, num_member (o, "dial_level", 1.0));
  if (num_member (o, "max_abandon_pct", 3.0) > 0)
    cb_sim_engine_set_campaign_max_abandon (cfg->engine, id, num_member (o, "max_abandon_pct", 3.0));

  for (guint k = 0; retry_pseudo[k]; k++)
    {
      gint64 delay_s = d ? int_member (d, "delay_s", 86400) : 86400;
      gint64 max = d ? int_member (d, "max_attempts", 3) : 3;

      for (guint i = 0; rules && i < json_array_get_length (rules); i++)
        {
          JsonObject *r = json_array_get_object_element (rules, i);

          if (g_strcmp0 (str_member (r, "disposition"), retry_pseudo[k]) == 0)
            {
              delay_s = int_member (r, "delay_s", 0);
              max = int_member (r, "max_attempts", 0);
            }
        }
      cb_sim_engine_set_campaign_retry (cfg->engine, id, pseudo_disposition (retry_pseudo[k]),
                                        delay_s * 1000, (guint) max);
    }

  lists_to_engine (cfg, id, o);

  if (g_strcmp0 (status, "running") == 0)
    cb_sim_engine_start_campaign (cfg->engine, id);
  else if (g_strcmp0 (status, "paused") == 0)
    {
      /* The engine pauses only a running campaign; a stopped one does not
       * dial either. */
      if (engine_campaign (cfg, id)->status == CB_SIM_CAMPAIGN_RUNNING)
        cb_sim_engine_pause_campaign (cfg->engine, id);
    }
  else
    cb_sim_engine_stop_campaign (cfg->engine, id);
}

/* ---- generic create, update, delete (§8.4) ------------------------------------------ */

typedef struct
{
  CbSimConfigStore    *cfg;
  const TypeInfo *info;
} OpBinding;

static gboolean
unique_name (CbSimConfigStore *cfg,
             const TypeInfo   *info,
             const char       *id,
             JsonObject       *o,
             GError          **error)
{
  g_autoptr(GPtrArray) all = NULL;
  const char *name = str_member (o, "name");

  if (info->kind != T_CAMPAIGN && info->kind != T_LEAD_LIST)
    return TRUE;
  all = list_of (cfg, info);
  for (guint i = 0; i < all->len; i++)
    {
      const CbSimEntity *e = g_ptr_array_index (all, i);

      if (g_strcmp0 (e->id, id) != 0 && g_strcmp0 (str_member (e->data, "name"), name) == 0)
        return fail (cfg, error, CB_ERROR_CONFLICT, "field", "name", "another %s is named “%s”", info->type, name);
    }
  return TRUE;
}

static gsize
serialized_size (JsonObject *o)
{
  g_autoptr(JsonNode) node = object_node (o);
  g_autofree char *text = json_to_string (node, FALSE);

  return strlen (text);
}

/* Rules between fields and other entities, after the fields are valid. */
static gboolean
cross_check (CbSimConfigStore  *cfg,
             const TypeInfo    *info,
             const CbSimEntity *old,
             JsonObject        *o,
             GError           **error)
{
  if (serialized_size (o) > MAX_ENTITY_BYTES - 4096)
    return fail (cfg, error, CB_ERROR_BAD_REQUEST, "reason", "too_large",
                 "the %s would be larger than an entity may be (192 KiB)", info->type);
  if (!unique_name (cfg, info, old ? old->id : NULL, o, error))
    return FALSE;

  if (info->kind == T_CAMPAIGN)
    {
      JsonObject *rs = rule_set_of (cfg, o);

      if (rs != NULL && num_member (o, "max_abandon_pct", 0) > cap_of (rs))
        return fail (cfg, error, CB_ERROR_COMPLIANCE_BLOCKED, "rule", "drop_rate",
                     "max_abandon_pct %g is above the rule set's drop-rate cap of %g %%",
                     num_member (o, "max_abandon_pct", 0), cap_of (rs));
      if (rs != NULL && int_member (o, "ring_timeout_s", 0) < int_member (rs, "min_ring_s", 0))
        return fail (cfg, error, CB_ERROR_COMPLIANCE_BLOCKED, "rule", "min_ring",
                     "ring_timeout_s is below the rule set's min_ring_s of %" G_GINT64_FORMAT " s",
                     int_member (rs, "min_ring_s", 0));
      if (old != NULL && g_strcmp0 (str_member (old->data, "status"), "running") == 0
          && num_member (o, "dial_level", 1) > num_member (old->data, "dial_level", 1)
          && rs != NULL && campaign_drop_rate (old->data) > cap_of (rs))
        return fail (cfg, error, CB_ERROR_COMPLIANCE_BLOCKED, "rule", "drop_rate",
                     "the drop rate is above the cap; the dial level cannot be raised");
    }
  return TRUE;
}

static void
set_created (JsonObject *o,
             gint64      now)
{
  json_object_set_int_member (o, "created_at", now);
  json_object_set_int_member (o, "updated_at", now);
}

static void store_qa_revision (CbSimConfigStore *cfg, const char *id);

static gboolean
op_create (CbSimServer      *server,
           const CbSimUser  *user,
           JsonObject       *data,
           JsonNode        **result,
           GError          **error,
           gpointer          user_data)
{
  OpBinding *binding = user_data;
  CbSimConfigStore *cfg = binding->cfg;
  const TypeInfo *info = binding->info;
  g_autoptr(JsonObject) o = json_object_new ();
  g_autofree char *id = NULL;
  gint64 now = clock_ms (cfg);

  if (info->prefix == NULL && !valid_code (str_member (data, "id")))
    return bad_field (cfg, error, "id", "id must be a code of [A-Z0-9_]{1,32}");
  if (!validate_object (cfg, info, data, TRUE, o, "", error))
    return FALSE;
  if (info->prefix == NULL && lookup (cfg, info, str_member (data, "id")) != NULL)
    return fail (cfg, error, CB_ERROR_CONFLICT, "field", "id", "%s %s exists", info->type, str_member (data, "id"));
  if (!cross_check (cfg, info, NULL, o, error))
    return FALSE;

  cb_sim_db_begin (cfg->db);
  id = info->prefix ? next_id (cfg, info->prefix) : g_strdup (str_member (data, "id"));
  switch (info->kind)
    {
    case T_CAMPAIGN:
      json_object_set_string_member (o, "status", "draft");
      set_created (o, now);
      json_object_set_null_member (o, "started_at");
      campaign_derive (cfg, id, o);
      break;
    case T_LEAD_LIST:
      set_created (o, now);
      lead_list_derive (cfg, id, o);
      break;
    case T_DNC_LIST:
      json_object_set_boolean_member (o, "read_only", FALSE);
      json_object_set_int_member (o, "entry_count", 0);
      json_object_set_int_member (o, "updated_at", now);
      break;
    case T_RULE_SET:
    case T_QA_FORM:
      set_created (o, now);
      break;
    case T_DISPOSITION:
    case T_PAUSE_REASON:
    case N_TYPES:
    default:
      break;
    }
  publish (cfg, info, id, o, TRUE);
  if (info->kind == T_CAMPAIGN)
    refresh_lists_of (cfg, o);
  if (info->kind == T_QA_FORM)
    store_qa_revision (cfg, id);
  cb_sim_db_commit (cfg->db);

  *result = result_entity (cfg, info, id);
  return TRUE;
}

/* The id, if_rev and entity of an update or delete, in the order of §8.3. */
static const CbSimEntity *
edit_target (CbSimConfigStore *cfg,
             const TypeInfo   *info,
             JsonObject       *data,
             JsonObject       *set,
             JsonObject       *validated,
             GError          **error)
{
  const char *id = str_member (data, "id");
  gint64 if_rev = cb_sim_server_get_request_if_rev (cfg->server);
  const CbSimEntity *entity;

  if (id == NULL)
    return bad_field (cfg, error, "id", "id must be a string"), NULL;
  if (if_rev < 1)
    return bad_field (cfg, error, "if_rev", "edits of a %s need if_rev", info->type), NULL;
  if (set != NULL && !validate_object (cfg, info, set, FALSE, validated, "set.", error))
    return NULL;
  entity = lookup (cfg, info, id);
  if (entity == NULL)
    return fail (cfg, error, CB_ERROR_NOT_FOUND, "id", id, "no %s %s", info->type, id), NULL;
  if (!check_if_rev (cfg, info->type, entity, if_rev, error))
    return NULL;
  return entity;
}

static gboolean
op_update (CbSimServer      *server,
           const CbSimUser  *user,
           JsonObject       *data,
           JsonNode        **result,
           GError          **error,
           gpointer          user_data)
{
  OpBinding *binding = user_data;
  CbSimConfigStore *cfg = binding->cfg;
  const TypeInfo *info = binding->info;
  g_autoptr(JsonObject) validated = json_object_new ();
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(JsonObject) before = NULL;
  JsonNode *set_node = json_object_get_member (data, "set");
  const CbSimEntity *entity;
  g_autofree char *id = NULL;
  g_autoptr(GList) names = NULL;

  if (set_node == NULL || !JSON_NODE_HOLDS_OBJECT (set_node))
    {
      if (str_member (data, "id") == NULL)
        return bad_field (cfg, error, "id", "id must be a string");
      return bad_field (cfg, error, "set", "set must be an object of fields");
    }
  entity = edit_target (cfg, info, data, json_node_get_object (set_node), validated, error);
  if (entity == NULL)
    return FALSE;

  id = g_strdup (entity->id);
  before = object_copy (entity->data);
  o = object_copy (entity->data);
  names = json_object_get_members (validated);
  for (GList *l = names; l; l = l->next)
    json_object_set_member (o, l->data, deep_copy (json_object_get_member (validated, l->data)));
  if (!cross_check (cfg, info, entity, o, error))
    return FALSE;

  if (json_object_has_member (o, "updated_at"))
    json_object_set_int_member (o, "updated_at", clock_ms (cfg));
  cb_sim_db_begin (cfg->db);
  if (info->kind == T_CAMPAIGN)
    campaign_derive (cfg, id, o);
  if (info->kind == T_LEAD_LIST)
    lead_list_derive (cfg, id, o);
  publish (cfg, info, id, o, TRUE);
  if (info->kind == T_CAMPAIGN)
    {
      refresh_lists_of (cfg, before);
      refresh_lists_of (cfg, o);
      campaign_to_engine (cfg, id, o);
    }
  if (info->kind == T_RULE_SET)
    {
      g_autoptr(GPtrArray) campaigns = list_of (cfg, &types[T_CAMPAIGN]);

      /* New calling windows and attempt limits apply to the next dial of
       * every campaign; DNC lists are read at every dial. */
      for (guint i = 0; i < campaigns->len; i++)
        {
          const CbSimEntity *c = g_ptr_array_index (campaigns, i);

          if (g_strcmp0 (str_member (c->data, "rule_set_id"), id) == 0 && engine_campaign (cfg, c->id) != NULL)
            rule_set_to_engine (cfg, c->id, o);
        }
    }
  if (info->kind == T_LEAD_LIST && cfg->engine != NULL)
    {
      g_autoptr(GPtrArray) campaigns = list_of (cfg, &types[T_CAMPAIGN]);

      /* An inactive list is not dialed. */
      for (guint i = 0; i < campaigns->len; i++)
        {
          const CbSimEntity *c = g_ptr_array_index (campaigns, i);

          if (campaign_uses_list (c->data, id) && engine_campaign (cfg, c->id) != NULL)
            lists_to_engine (cfg, c->id, c->data);
        }
    }
  if (info->kind == T_QA_FORM)
    store_qa_revision (cfg, id);
  cb_sim_db_commit (cfg->db);

  *result = result_entity (cfg, info, id);
  return TRUE;
}

/* Entities that refer to @id and stop it from being deleted. */
static gboolean
delete_allowed (CbSimConfigStore *cfg,
                const TypeInfo   *info,
                const char       *id,
                JsonObject       *o,
                GError          **error)
{
  g_autoptr(GPtrArray) campaigns = list_of (cfg, &types[T_CAMPAIGN]);
  g_autoptr(GPtrArray) rule_sets = list_of (cfg, &types[T_RULE_SET]);
  const char *status = str_member (o, "status");

  switch (info->kind)
    {
    case T_CAMPAIGN:
      if (g_strcmp0 (status, "running") == 0 || g_strcmp0 (status, "paused") == 0)
        return fail (cfg, error, CB_ERROR_INVALID_STATE, "status", status,
                     "a %s campaign cannot be deleted; stop it first", status);
      break;
    case T_LEAD_LIST:
      for (guint i = 0; i < campaigns->len; i++)
        {
          const CbSimEntity *c = g_ptr_array_index (campaigns, i);
          const char *cs = str_member (c->data, "status");

          if (campaign_uses_list (c->data, id) && (g_strcmp0 (cs, "running") == 0 || g_strcmp0 (cs, "paused") == 0))
            return fail (cfg, error, CB_ERROR_INVALID_STATE, "campaign_id", c->id,
                         "campaign %s (%s) uses this list", c->id, cs);
        }
      break;
    case T_RULE_SET:
      for (guint i = 0; i < campaigns->len; i++)
        {
          const CbSimEntity *c = g_ptr_array_index (campaigns, i);

          if (g_strcmp0 (str_member (c->data, "rule_set_id"), id) == 0)
            return fail (cfg, error, CB_ERROR_INVALID_STATE, "campaign_id", c->id,
                         "campaign %s refers to this rule set", c->id);
        }
      break;
    case T_DNC_LIST:
      for (guint i = 0; i < rule_sets->len; i++)
        {
          const CbSimEntity *r = g_ptr_array_index (rule_sets, i);

          if (strv_node_contains (array_member (r->data, "dnc_list_ids"), id))
            return fail (cfg, error, CB_ERROR_INVALID_STATE, "rule_set_id", r->id,
                         "rule set %s checks this list", r->id);
        }
      break;
    case T_DISPOSITION:
    case T_PAUSE_REASON:
    case T_QA_FORM:
    case N_TYPES:
    default:
      break;
    }
  return TRUE;
}

static gboolean
op_delete (CbSimServer      *server,
           const CbSimUser  *user,
           JsonObject       *data,
           JsonNode        **result,
           GError          **error,
           gpointer          user_data)
{
  OpBinding *binding = user_data;
  CbSimConfigStore *cfg = binding->cfg;
  const TypeInfo *info = binding->info;
  const CbSimEntity *entity = edit_target (cfg, info, data, NULL, NULL, error);
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) before = NULL;

  if (entity == NULL || !delete_allowed (cfg, info, entity->id, entity->data, error))
    return FALSE;

  id = g_strdup (entity->id);
  before = object_copy (entity->data);
  cb_sim_db_begin (cfg->db);
  unpublish (cfg, info, id);
  if (info->kind == T_CAMPAIGN)
    {
      if (cfg->engine != NULL)
        release_lists_of (cfg, id, NULL);
      refresh_lists_of (cfg, before);
    }
  else if (info->kind == T_LEAD_LIST)
    {
      sqlite3_stmt *stmt;

      /* Its leads leave the dialer too (a dial in progress finishes). */
      flush_leads (cfg);
      stmt = cb_sim_db_prepare (cfg->db, "SELECT id FROM leads WHERE list_id = ?");
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      while (cfg->engine != NULL && sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *lead_id = (const char *) sqlite3_column_text (stmt, 0);

          if (lead_id != NULL && cb_sim_engine_get_lead (cfg->engine, lead_id) != NULL)
            {
              cb_sim_engine_remove_lead (cfg->engine, lead_id);
              g_hash_table_remove (cfg->dirty_leads, lead_id);
            }
        }
      sqlite3_reset (stmt);
      g_hash_table_remove (cfg->list_owners, id);
      stmt = cb_sim_db_prepare (cfg->db, "DELETE FROM leads WHERE list_id = ?");
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      cb_sim_db_step_done (cfg->db, stmt);
    }
  else if (info->kind == T_DNC_LIST)
    {
      sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "DELETE FROM dnc_entries WHERE list_id = ?");

      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      cb_sim_db_step_done (cfg->db, stmt);
    }
  cb_sim_db_commit (cfg->db);

  *result = result_deleted (id);
  return TRUE;
}

/* ---- campaign.start, .pause, .stop (§9.4) --------------------------------------------- */

typedef enum { CMD_START, CMD_PAUSE, CMD_STOP } CampaignCommand;

static gboolean
campaign_command (CbSimConfigStore *cfg,
                  JsonObject       *data,
                  CampaignCommand   command,
                  JsonNode        **result,
                  GError          **error)
{
  const TypeInfo *info = &types[T_CAMPAIGN];
  const char *id = str_member (data, "id");
  const CbSimEntity *entity;
  const char *status;
  const char *next = NULL;
  g_autoptr(JsonObject) o = NULL;
  JsonObject *rs;

  if (id == NULL)
    return bad_field (cfg, error, "id", "id must be a string");
  entity = lookup (cfg, info, id);
  if (entity == NULL)
    return fail (cfg, error, CB_ERROR_NOT_FOUND, "id", id, "no campaign %s", id);
  status = str_member (entity->data, "status");

  switch (command)
    {
    case CMD_START:
      if (g_strcmp0 (status, "completed") == 0)
        return fail (cfg, error, CB_ERROR_INVALID_STATE, "status", status, "the campaign is completed");
      if (g_strcmp0 (status, "running") == 0)
        break;
      if (json_array_get_length (array_member (entity->data, "lead_lists")) == 0)
        return fail (cfg, error, CB_ERROR_INVALID_STATE, "reason", "no_lead_lists", "the campaign has no lead lists");
      rs = rule_set_of (cfg, entity->data);
      if (rs == NULL)
        return fail (cfg, error, CB_ERROR_COMPLIANCE_BLOCKED, "rule", "rule_set_required",
                     "a campaign needs a rule set to start");
      if ((g_strcmp0 (str_member (entity->data, "dial_mode"), "power") == 0
           || g_strcmp0 (str_member (entity->data, "dial_mode"), "predictive") == 0)
          && campaign_drop_rate (entity->data) >= cap_of (rs))
        return fail (cfg, error, CB_ERROR_COMPLIANCE_BLOCKED, "rule", "drop_rate",
                     "the drop rate is at or above the rule set's cap");
      next = "running";
      break;
    case CMD_PAUSE:
      if (g_strcmp0 (status, "paused") == 0)
        break;
      if (g_strcmp0 (status, "running") != 0)
        return fail (cfg, error, CB_ERROR_INVALID_STATE, "status", status, "only a running campaign can be paused");
      next = "paused";
      break;
    case CMD_STOP:
    default:
      if (g_strcmp0 (status, "stopped") == 0)
        break;
      if (g_strcmp0 (status, "running") != 0 && g_strcmp0 (status, "paused") != 0)
        return fail (cfg, error, CB_ERROR_INVALID_STATE, "status", status, "only a running or paused campaign can be stopped");
      next = "stopped";
      break;
    }

  if (next != NULL)
    {
      o = object_copy (entity->data);
      json_object_set_string_member (o, "status", next);
      json_object_set_int_member (o, "updated_at", clock_ms (cfg));
      if (command == CMD_START)
        json_object_set_int_member (o, "started_at", clock_ms (cfg));
      campaign_to_engine (cfg, id, o);
      campaign_derive (cfg, id, o);
      cb_sim_db_begin (cfg->db);
      publish (cfg, info, id, o, TRUE);
      cb_sim_db_commit (cfg->db);
    }

  *result = result_entity (cfg, info, id);
  return TRUE;
}

static gboolean
op_campaign_start (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                   GError **error, gpointer user_data)
{
  return campaign_command (user_data, data, CMD_START, result, error);
}

static gboolean
op_campaign_pause (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                   GError **error, gpointer user_data)
{
  return campaign_command (user_data, data, CMD_PAUSE, result, error);
}

static gboolean
op_campaign_stop (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                  GError **error, gpointer user_data)
{
  return campaign_command (user_data, data, CMD_STOP, result, error);
}

/* ---- paged queries (§11.1) --------------------------------------------------------- */

typedef enum { P_INT, P_REAL, P_TEXT } ParamKind;

typedef struct
{
  ParamKind kind;
  gint64    i;
  double    d;
  char     *s;
} Param;

static void
param_free (Param *p)
{
  g_free (p->s);
  g_free (p);
}

typedef struct
{
  GString   *where;
  GPtrArray *params;
} Where;

static void
where_init (Where *w)
{
  w->where = g_string_new ("1");
  w->params = g_ptr_array_new_with_free_func ((GDestroyNotify) param_free);
}

static void
where_clear (Where *w)
{
  g_string_free (w->where, TRUE);
  g_ptr_array_unref (w->params);
}

static void
where_text (Where      *w,
            const char *value)
{
  Param *p = g_new0 (Param, 1);

  p->kind = P_TEXT;
  p->s = g_strdup (value);
  g_ptr_array_add (w->params, p);
}

static void
where_int (Where  *w,
           gint64  value)
{
  Param *p = g_new0 (Param, 1);

  p->kind = P_INT;
  p->i = value;
  g_ptr_array_add (w->params, p);
}

/* " AND expr IN (?, ?, …)" for an array of strings; an empty array matches nothing. */
static void
where_in (Where      *w,
          const char *expr,
          JsonArray  *values)
{
  guint n = json_array_get_length (values);

  if (n == 0)
    {
      g_string_append (w->where, " AND 0");
      return;
    }
  g_string_append_printf (w->where, " AND %s IN (", expr);
  for (guint i = 0; i < n; i++)
    {
      g_string_append (w->where, i ? ", ?" : "?");
      where_text (w, json_array_get_string_element (values, i));
    }
  g_string_append_c (w->where, ')');
}

static void
bind_params (sqlite3_stmt *stmt,
             GPtrArray    *params,
             int           first)
{
  for (guint i = 0; i < params->len; i++)
    {
      Param *p = g_ptr_array_index (params, i);

      if (p->kind == P_INT)
        sqlite3_bind_int64 (stmt, first + (int) i, p->i);
      else if (p->kind == P_REAL)
        sqlite3_bind_double (stmt, first + (int) i, p->d);
      else
        sqlite3_bind_text (stmt, first + (int) i, p->s, -1, SQLITE_TRANSIENT);
    }
}

typedef enum { K_STRING, K_STRV, K_INT, K_BOOL } FilterKind;

typedef struct
{
  const char *key;
  FilterKind  kind;
} FilterKey;

/* Checks a query's filter keys and their types (unknown keys are bad_request). */
static gboolean
check_filter (CbSimConfigStore *cfg,
              JsonObject       *filter,
              const FilterKey  *keys,
              GError          **error)
{
  g_autoptr(GList) names = json_object_get_members (filter);

  for (GList *l = names; l; l = l->next)
    {
      const FilterKey *k = NULL;
      JsonNode *v = json_object_get_member (filter, l->data);
      g_autofree char *field = g_strdup_printf ("filter.%s", (char *) l->data);
      gboolean ok;

      for (const FilterKey *f = keys; f->key && !k; f++)
        if (g_str_equal (f->key, l->data))
          k = f;
      if (k == NULL)
        return bad_field (cfg, error, field, "%s is not a filter of this query", field);

      switch (k->kind)
        {
        case K_STRING:
          ok = is_string_node (v) && strlen (json_node_get_string (v)) <= 256;
          break;
        case K_INT:
          ok = is_int_node (v);
          break;
        case K_BOOL:
          ok = is_bool_node (v);
          break;
        case K_STRV:
        default:
          ok = JSON_NODE_HOLDS_ARRAY (v) && json_array_get_length (json_node_get_array (v)) <= 1000;
          for (guint i = 0; ok && i < json_array_get_length (json_node_get_array (v)); i++)
            ok = is_string_node (json_array_get_element (json_node_get_array (v), i));
          break;
        }
      if (!ok)
        return bad_field (cfg, error, field, "%s has the wrong type", field);
    }
  return TRUE;
}

typedef struct
{
  const char *name;       /* as the client says it, without "-" */
  const char *expr;       /* SQL expression of the key */
  ParamKind   kind;
} SortKey;

typedef struct
{
  JsonObject *filter;     /* never NULL */
  const SortKey *sort;
  gboolean    desc;
  gint64      limit;
  char       *signature;
  gboolean    has_after;
  Param       after_key;
  char       *after_id;
} Page;

static void
page_clear (Page *page)
{
  g_clear_pointer (&page->filter, json_object_unref);
  g_free (page->signature);
  g_free (page->after_key.s);
  g_free (page->after_id);
}

/* Reads filter, sort, limit and cursor (§11.1). */
static gboolean
page_init (CbSimConfigStore *cfg,
           const char       *op,
           JsonObject       *data,
           const FilterKey  *keys,
           const SortKey    *sorts,
           const char       *default_sort,
           Page             *page,
           GError          **error)
{
  static const char * const members[] = { "filter", "sort", "limit", "cursor", NULL };
  JsonNode *filter = json_object_get_member (data, "filter");
  JsonNode *sort = json_object_get_member (data, "sort");
  JsonNode *limit = json_object_get_member (data, "limit");
  JsonNode *cursor = json_object_get_member (data, "cursor");
  const char *sort_name;
  g_autoptr(GList) names = json_object_get_members (data);
  g_autoptr(JsonNode) filter_copy = NULL;
  g_autofree char *filter_text = NULL;
  g_autofree char *sig_input = NULL;

  memset (page, 0, sizeof *page);
  for (GList *l = names; l; l = l->next)
    if (!in_list (members, l->data))
      return bad_field (cfg, error, l->data, "%s is not a member of a query", (char *) l->data);

  if (filter != NULL && !JSON_NODE_HOLDS_NULL (filter) && !JSON_NODE_HOLDS_OBJECT (filter))
    return bad_field (cfg, error, "filter", "filter must be an object");
  page->filter = filter && JSON_NODE_HOLDS_OBJECT (filter) ? json_object_ref (json_node_get_object (filter))
                                                            : json_object_new ();
  if (!check_filter (cfg, page->filter, keys, error))
    return FALSE;

  if (sort != NULL && !JSON_NODE_HOLDS_NULL (sort) && !is_string_node (sort))
    return bad_field (cfg, error, "sort", "sort must be a string");
  sort_name = sort && is_string_node (sort) ? json_node_get_string (sort) : default_sort;
  page->desc = sort_name[0] == '-';
  for (const SortKey *s = sorts; s->name && !page->sort; s++)
    if (g_str_equal (s->name, sort_name + page->desc))
      page->sort = s;
  if (page->sort == NULL)
    return bad_field (cfg, error, "sort", "this query cannot sort by “%s”", sort_name);

  if (limit != NULL && !JSON_NODE_HOLDS_NULL (limit) && (!is_int_node (limit) || json_node_get_int (limit) < 1))
    return bad_field (cfg, error, "limit", "limit must be an integer ≥ 1");
  page->limit = limit && is_int_node (limit) ? MIN (json_node_get_int (limit), MAX_PAGE) : DEFAULT_PAGE;

  filter_copy = object_node (page->filter);
  filter_text = json_to_string (filter_copy, FALSE);
  sig_input = g_strdup_printf ("%s\n%s\n%s", op, sort_name, filter_text);
  page->signature = g_compute_checksum_for_string (G_CHECKSUM_SHA1, sig_input, -1);

  if (cursor != NULL && !JSON_NODE_HOLDS_NULL (cursor))
    {
      g_autofree guchar *raw = NULL;
      g_autofree char *text = NULL;
      gsize len = 0;
      g_autoptr(JsonNode) parsed = NULL;
      JsonObject *c;
      JsonNode *k;

      if (!is_string_node (cursor) || strlen (json_node_get_string (cursor)) > 1024)
        return bad_field (cfg, error, "cursor", "cursor must be a string from next_cursor");
      raw = g_base64_decode (json_node_get_string (cursor), &len);
      text = g_strndup ((const char *) raw, len);
      parsed = len > 0 && g_utf8_validate (text, -1, NULL) ? json_from_string (text, NULL) : NULL;
      c = parsed && JSON_NODE_HOLDS_OBJECT (parsed) ? json_node_get_object (parsed) : NULL;
      k = c ? json_object_get_member (c, "k") : NULL;
      if (c == NULL || g_strcmp0 (str_member (c, "s"), page->signature) != 0 || str_member (c, "i") == NULL
          || int_member (c, "x", 0) < wall_ms () || k == NULL
          || (page->sort->kind == P_TEXT ? !is_string_node (k) : !is_number_node (k)))
        return fail (cfg, error, CB_ERROR_INVALID_STATE, "reason", "cursor_expired",
                     "the cursor has expired or belongs to another query; start from the first page");
      page->has_after = TRUE;
      page->after_id = g_strdup (str_member (c, "i"));
      page->after_key.kind = page->sort->kind;
      if (page->sort->kind == P_TEXT)
        page->after_key.s = g_strdup (json_node_get_string (k));
      else if (page->sort->kind == P_INT)
        page->after_key.i = is_int_node (k) ? json_node_get_int (k) : (gint64) number_of (k);
      else
        page->after_key.d = number_of (k);
    }
  return TRUE;
}

static char *
make_cursor (Page         *page,
             sqlite3_stmt *stmt,
             int           key_column,
             const char   *id)
{
  g_autoptr(JsonObject) c = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  json_object_set_string_member (c, "s", page->signature);
  json_object_set_string_member (c, "i", id);
  json_object_set_int_member (c, "x", wall_ms () + CURSOR_TTL_MS);
  if (page->sort->kind == P_TEXT)
    json_object_set_string_member (c, "k", (const char *) sqlite3_column_text (stmt, key_column));
  else if (page->sort->kind == P_INT)
    json_object_set_int_member (c, "k", sqlite3_column_int64 (stmt, key_column));
  else
    json_object_set_double_member (c, "k", sqlite3_column_double (stmt, key_column));
  node = object_node (c);
  text = json_to_string (node, FALSE);
  return g_base64_encode ((const guchar *) text, strlen (text));
}

/* Runs a keyset page over @table (which has columns id and json). */
static JsonNode *
page_run (CbSimConfigStore *cfg,
          Page             *page,
          const char       *table,
          Where            *w)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree char *count_sql = NULL;
  sqlite3_stmt *stmt = NULL;
  JsonObject *result = json_object_new ();
  JsonArray *items = json_array_new ();
  JsonNode *node = json_node_alloc ();
  g_autofree char *next = NULL;
  const char *op = page->desc ? "<" : ">";
  gint64 n = 0;
  gsize bytes = 0;
  gboolean more = FALSE;
  sqlite3 *handle;

  g_string_append_printf (sql, "SELECT json, %s, id FROM %s WHERE %s", page->sort->expr, table, w->where->str);
  if (page->has_after)
    g_string_append_printf (sql, " AND (%s %s ?1000 OR (%s = ?1000 AND id %s ?1001))",
                            page->sort->expr, op, page->sort->expr, op);
  g_string_append_printf (sql, " ORDER BY %s %s, id %s LIMIT %" G_GINT64_FORMAT, page->sort->expr,
                          page->desc ? "DESC" : "ASC", page->desc ? "DESC" : "ASC", page->limit + 1);

  handle = cb_sim_db_get_handle (cfg->db);
  if (sqlite3_prepare_v2 (handle, sql->str, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("cannot prepare a query: %s", sqlite3_errmsg (handle));
  bind_params (stmt, w->params, 1);
  if (page->has_after)
    {
      if (page->after_key.kind == P_TEXT)
        sqlite3_bind_text (stmt, 1000, page->after_key.s, -1, SQLITE_TRANSIENT);
      else if (page->after_key.kind == P_INT)
        sqlite3_bind_int64 (stmt, 1000, page->after_key.i);
      else
        sqlite3_bind_double (stmt, 1000, page->after_key.d);
      sqlite3_bind_text (stmt, 1001, page->after_id, -1, SQLITE_TRANSIENT);
    }
  /* Up to limit items, and no more than MAX_PAGE_BYTES of them: a shorter
   * page with a cursor is still a page (§11.1). */
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *item;

      if (n == page->limit || bytes >= MAX_PAGE_BYTES)
        {
          more = TRUE;
          break;
        }
      n++;
      bytes += (gsize) sqlite3_column_bytes (stmt, 0);
      item = cb_sim_db_column_json (stmt, 0);
      if (item != NULL)
        json_array_add_object_element (items, item);
      g_free (next);
      next = make_cursor (page, stmt, 1, (const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_finalize (stmt);
  if (!more)
    g_clear_pointer (&next, g_free);

  json_object_set_array_member (result, "items", items);
  if (next)
    json_object_set_string_member (result, "next_cursor", next);
  else
    json_object_set_null_member (result, "next_cursor");

  count_sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE %s", table, w->where->str);
  if (sqlite3_prepare_v2 (handle, count_sql, -1, &stmt, NULL) == SQLITE_OK)
    {
      bind_params (stmt, w->params, 1);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        json_object_set_int_member (result, "total_estimate", sqlite3_column_int64 (stmt, 0));
      sqlite3_finalize (stmt);
    }
  if (!json_object_has_member (result, "total_estimate"))
    json_object_set_null_member (result, "total_estimate");

  json_node_take_object (node, result);
  return node;
}

/* ---- leads (§10.9) ------------------------------------------------------------------ */

static const char * const phone_types[] = { "mobile", "home", "work", "other", NULL };
static const char * const lead_writable[] = { "phone_numbers", "first_name", "last_name", "time_zone", "country",
                                              "custom", "status", "next_attempt_at", "callback", NULL };

/* Checks one writable field of a lead: %FALSE with the rejection reason of
 * §11.2, the field's path and a message. */
static gboolean
check_lead_field (JsonObject   *list,
                  const char   *name,
                  JsonNode     *v,
                  const char  **reason,
                  char        **field,
                  char        **message)
{
  *reason = "invalid_field";
  *field = g_strdup (name);

  if (!in_list (lead_writable, name))
    return (*reason = "unknown_field"), (*message = g_strdup_printf ("%s is not a writable lead field", name)), FALSE;

  if (g_str_equal (name, "phone_numbers"))
    {
      JsonArray *a = JSON_NODE_HOLDS_ARRAY (v) ? json_node_get_array (v) : NULL;
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      if (a == NULL || json_array_get_length (a) < 1 || json_array_get_length (a) > 5)
        return (*message = g_strdup ("1–5 phone numbers")), FALSE;
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
          const char *number = o ? str_member (o, "number") : NULL;

          if (!valid_e164 (number) || g_hash_table_contains (seen, number))
            {
              g_free (*field);
              *field = g_strdup_printf ("phone_numbers[%u].number", i);
              *reason = "invalid_phone";
              return (*message = g_strdup ("not a complete E.164 number, or twice")), FALSE;
            }
          g_hash_table_add (seen, (gpointer) number);
          if (!in_list (phone_types, str_member (o, "type")) || json_object_get_size (o) != 2)
            {
              g_free (*field);
              *field = g_strdup_printf ("phone_numbers[%u].type", i);
              return (*message = g_strdup ("mobile, home, work or other")), FALSE;
            }
        }
      return TRUE;
    }
  if (g_str_equal (name, "first_name") || g_str_equal (name, "last_name"))
    {
      if (JSON_NODE_HOLDS_NULL (v))
        return TRUE;
      if (!is_string_node (v))
        return (*message = g_strdup ("a string or null")), FALSE;
      if (strlen (json_node_get_string (v)) > 100)
        return (*reason = "too_long"), (*message = g_strdup ("at most 100 bytes")), FALSE;
      return TRUE;
    }
  if (g_str_equal (name, "time_zone"))
    {
      if (JSON_NODE_HOLDS_NULL (v))
        return TRUE;
      if (!is_string_node (v) || !valid_time_zone (json_node_get_string (v)))
        return (*reason = "invalid_time_zone"), (*message = g_strdup ("not an IANA time zone")), FALSE;
      return TRUE;
    }
  if (g_str_equal (name, "country"))
    {
      if (JSON_NODE_HOLDS_NULL (v) || (is_string_node (v) && valid_country (json_node_get_string (v))))
        return TRUE;
      return (*message = g_strdup ("an ISO 3166-1 alpha-2 code or null")), FALSE;
    }
  if (g_str_equal (name, "custom"))
    {
      JsonArray *defs = list ? array_member (list, "custom_fields") : NULL;
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (v) ? json_node_get_object (v) : NULL;
      g_autoptr(GList) keys = o ? json_object_get_members (o) : NULL;

      if (o == NULL)
        return (*message = g_strdup ("an object")), FALSE;
      for (GList *l = keys; l; l = l->next)
        {
          JsonNode *value = json_object_get_member (o, l->data);
          const char *type = NULL;

          for (guint i = 0; defs && i < json_array_get_length (defs); i++)
            if (g_strcmp0 (str_member (json_array_get_object_element (defs, i), "key"), l->data) == 0)
              type = str_member (json_array_get_object_element (defs, i), "type");
          g_free (*field);
          *field = g_strdup_printf ("custom.%s", (char *) l->data);
          if (type == NULL)
            return (*reason = "unknown_field"), (*message = g_strdup ("not a custom field of the list")), FALSE;
          if (JSON_NODE_HOLDS_NULL (value))
            continue;
          if ((g_str_equal (type, "string") && !(is_string_node (value) && strlen (json_node_get_string (value)) <= 1000))
              || (g_str_equal (type, "number") && !is_number_node (value))
              || (g_str_equal (type, "boolean") && !is_bool_node (value))
              || (g_str_equal (type, "date") && !(is_string_node (value) && valid_date (json_node_get_string (value)))))
            return (*message = g_strdup_printf ("must be a %s", type)), FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (name, "status"))
    {
      if (!is_string_node (v) || !in_list (lead_statuses, json_node_get_string (v))
          || g_str_equal (json_node_get_string (v), "dialing"))
        return (*message = g_strdup ("new, callback, retry, completed, exhausted, dnc or invalid")), FALSE;
      return TRUE;
    }
  if (g_str_equal (name, "next_attempt_at"))
    {
      if (JSON_NODE_HOLDS_NULL (v) || (is_int_node (v) && json_node_get_int (v) >= 0))
        return TRUE;
      return (*message = g_strdup ("an instant (ms) or null")), FALSE;
    }
  /* callback */
  if (JSON_NODE_HOLDS_NULL (v))
    return TRUE;
  if (JSON_NODE_HOLDS_OBJECT (v))
    {
      JsonObject *o = json_node_get_object (v);
      JsonNode *agent = json_object_get_member (o, "agent_id");

      if (int_member (o, "at", -1) >= 0 && agent != NULL && (JSON_NODE_HOLDS_NULL (agent) || is_string_node (agent))
          && json_object_get_size (o) == 2)
        return TRUE;
    }
  return (*message = g_strdup ("{at, agent_id} or null")), FALSE;
}

static void
lead_store (CbSimConfigStore *cfg,
            JsonObject       *lead)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db,
    "INSERT OR REPLACE INTO leads (id, list_id, status, next_attempt_at, updated_at, phones, name, json) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  JsonArray *phones = array_member (lead, "phone_numbers");
  GString *numbers = g_string_new (NULL);
  g_autofree char *name = NULL;
  g_autofree char *folded = NULL;
  const char *first = str_member (lead, "first_name"), *last = str_member (lead, "last_name");

  for (guint i = 0; phones && i < json_array_get_length (phones); i++)
    g_string_append_printf (numbers, " %s", str_member (json_array_get_object_element (phones, i), "number"));
  g_string_append_c (numbers, ' ');
  name = g_strdup_printf ("%s %s", first ? first : "", last ? last : "");
  folded = g_utf8_casefold (name, -1);

  sqlite3_bind_text (stmt, 1, str_member (lead, "id"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, str_member (lead, "list_id"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, str_member (lead, "status"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, int_member (lead, "next_attempt_at", INT_MAX_JSON));
  sqlite3_bind_int64 (stmt, 5, int_member (lead, "updated_at", 0));
  sqlite3_bind_text (stmt, 6, numbers->str, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, folded, -1, SQLITE_TRANSIENT);
  cb_sim_db_bind_json (stmt, 8, lead);
  cb_sim_db_step_done (cfg->db, stmt);
  g_string_free (numbers, TRUE);
}

static JsonObject *
lead_load (CbSimConfigStore *cfg,
           const char       *id)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "SELECT json FROM leads WHERE id = ?");
  JsonObject *lead = NULL;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    lead = cb_sim_db_column_json (stmt, 0);
  sqlite3_reset (stmt);
  return lead;
}

/* The DNC lists checked by the rule sets of the campaigns using @list_id. */
static GPtrArray *
dnc_lists_checked_for (CbSimConfigStore *cfg,
                       const char       *list_id)
{
  g_autoptr(GPtrArray) campaigns = list_of (cfg, &types[T_CAMPAIGN]);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < campaigns->len; i++)
    {
      const CbSimEntity *c = g_ptr_array_index (campaigns, i);
      JsonObject *rs = campaign_uses_list (c->data, list_id) ? rule_set_of (cfg, c->data) : NULL;
      JsonArray *lists = rs ? array_member (rs, "dnc_list_ids") : NULL;

      for (guint j = 0; lists && j < json_array_get_length (lists); j++)
        {
          const char *id = json_array_get_string_element (lists, j);

          if (!g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL))
            g_ptr_array_add (ids, g_strdup (id));
        }
    }
  return ids;
}

static gboolean
number_listed (CbSimConfigStore *cfg,
               const char       *number,
               GPtrArray        *list_ids)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db,
    "SELECT list_id FROM dnc_entries WHERE number = ? AND "
    "(json_extract (json, '$.expires_at') IS NULL OR json_extract (json, '$.expires_at') > ?)");
  gboolean listed = FALSE;

  sqlite3_bind_text (stmt, 1, number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, clock_ms (cfg));
  while (!listed && sqlite3_step (stmt) == SQLITE_ROW)
    listed = list_ids == NULL
             || g_ptr_array_find_with_equal_func (list_ids, sqlite3_column_text (stmt, 0), g_str_equal, NULL);
  sqlite3_reset (stmt);
  return listed;
}

/* How many of the lead's numbers are on one of @list_ids. */
static guint
lead_numbers_listed (CbSimConfigStore *cfg,
                     JsonObject       *lead,
                     GPtrArray        *list_ids)
{
  JsonArray *phones = array_member (lead, "phone_numbers");
  guint n = 0;

  for (guint i = 0; phones && list_ids->len > 0 && i < json_array_get_length (phones); i++)
    n += number_listed (cfg, str_member (json_array_get_object_element (phones, i), "number"), list_ids);
  return n;
}

static CbSimLeadStatus
engine_lead_status (const char *status)
{
  if (g_strcmp0 (status, "new") == 0)
    return CB_SIM_LEAD_NEW;
  if (g_strcmp0 (status, "retry") == 0)
    return CB_SIM_LEAD_RETRY;
  if (g_strcmp0 (status, "callback") == 0)
    return CB_SIM_LEAD_CALLBACK;
  if (g_strcmp0 (status, "dnc") == 0)
    return CB_SIM_LEAD_DNC;
  return CB_SIM_LEAD_DONE;
}

/* Tells the dialer about a lead's new state; FALSE if it is being dialed. */
static gboolean
lead_to_engine (CbSimConfigStore *cfg,
                JsonObject       *lead)
{
  const char *id = str_member (lead, "id");

  if (cfg->engine == NULL || cb_sim_engine_get_lead (cfg->engine, id) == NULL)
    return TRUE;
  return cb_sim_engine_set_lead (cfg->engine, id, engine_lead_status (str_member (lead, "status")),
                                 (guint) int_member (lead, "attempts", 0), int_member (lead, "last_attempt_at", 0),
                                 int_member (lead, "next_attempt_at", 0)) != CB_SIM_ERROR_INVALID_STATE;
}

static const FilterKey lead_filter[] = {
  { "list_id", K_STRING }, { "ids", K_STRV }, { "statuses", K_STRV }, { "phone", K_STRING },
  { "name", K_STRING }, { "next_attempt_before", K_INT }, { "updated_since", K_INT }, { NULL }
};
static const SortKey lead_sorts[] = {
  { "id", "id", P_TEXT }, { "next_attempt_at", "next_attempt_at", P_INT }, { "updated_at", "updated_at", P_INT },
  { NULL }
};

static gboolean
op_lead_query (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
               GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  Page page;
  Where w;
  const char *list_id, *phone, *name;
  gboolean ok = FALSE;

  if (!page_init (cfg, "lead.query", data, lead_filter, lead_sorts, "id", &page, error))
    goto out;
  list_id = str_member (page.filter, "list_id");
  if (list_id == NULL)
    {
      bad_field (cfg, error, "filter.list_id", "filter.list_id is required");
      goto out;
    }
  phone = str_member (page.filter, "phone");
  for (const char *p = phone; p && *p; p++)
    if (!(g_ascii_isdigit (*p) || (*p == '+' && p == phone)))
      {
        bad_field (cfg, error, "filter.phone", "filter.phone must be digits, optionally after a +");
        goto out;
      }
  if (lookup (cfg, &types[T_LEAD_LIST], list_id) == NULL)
    {
      fail (cfg, error, CB_ERROR_NOT_FOUND, "list_id", list_id, "no lead list %s", list_id);
      goto out;
    }
  flush_leads (cfg);

  where_init (&w);
  g_string_append (w.where, " AND list_id = ?");
  where_text (&w, list_id);
  if (array_member (page.filter, "ids"))
    where_in (&w, "id", array_member (page.filter, "ids"));
  if (array_member (page.filter, "statuses"))
    where_in (&w, "status", array_member (page.filter, "statuses"));
  if (phone != NULL)
    {
      g_autofree char *needle = g_strconcat (" ", phone, NULL);

      g_string_append (w.where, " AND instr (phones, ?) > 0");
      where_text (&w, needle);
    }
  name = str_member (page.filter, "name");
  if (name != NULL)
    {
      g_autofree char *folded = g_utf8_casefold (name, -1);

      g_string_append (w.where, " AND instr (name, ?) > 0");
      where_text (&w, folded);
    }
  if (json_object_has_member (page.filter, "next_attempt_before"))
    {
      g_string_append (w.where, " AND next_attempt_at < ?");
      where_int (&w, int_member (page.filter, "next_attempt_before", 0));
    }
  if (json_object_has_member (page.filter, "updated_since"))
    {
      g_string_append (w.where, " AND updated_at >= ?");
      where_int (&w, int_member (page.filter, "updated_since", 0));
    }
  *result = page_run (cfg, &page, "leads", &w);
  where_clear (&w);
  ok = TRUE;

out:
  page_clear (&page);
  return ok;
}

static gboolean
op_lead_update (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  const char *id = str_member (data, "id");
  gint64 if_rev = cb_sim_server_get_request_if_rev (server);
  JsonNode *set_node = json_object_get_member (data, "set");
  JsonObject *set;
  g_autoptr(JsonObject) lead = NULL;
  const CbSimEntity *list;
  g_autoptr(GList) names = NULL;
  const char *status;

  if (id == NULL)
    return bad_field (cfg, error, "id", "id must be a string");
  if (if_rev < 1)
    return bad_field (cfg, error, "if_rev", "edits of a lead need if_rev");
  if (set_node == NULL || !JSON_NODE_HOLDS_OBJECT (set_node))
    return bad_field (cfg, error, "set", "set must be an object of fields");
  set = json_node_get_object (set_node);

  flush_leads (cfg);
  lead = lead_load (cfg, id);
  list = lead ? lookup (cfg, &types[T_LEAD_LIST], str_member (lead, "list_id")) : NULL;
  names = json_object_get_members (set);
  for (GList *l = names; l; l = l->next)
    {
      const char *reason;
      g_autofree char *field = NULL;
      g_autofree char *message = NULL;
      g_autofree char *path = NULL;

      if (!check_lead_field (list ? list->data : NULL, l->data, json_object_get_member (set, l->data),
                             &reason, &field, &message))
        {
          path = g_strconcat ("set.", field, NULL);
          return bad_field (cfg, error, path, "%s: %s", path, message);
        }
    }
  if (lead == NULL)
    return fail (cfg, error, CB_ERROR_NOT_FOUND, "id", id, "no lead %s", id);
  if (int_member (lead, "rev", 0) != if_rev)
    {
      cb_sim_server_set_error_extra (server, NULL, object_node (lead));
      return fail (cfg, error, CB_ERROR_CONFLICT, NULL, NULL, "lead %s is at rev %" G_GINT64_FORMAT,
                   id, int_member (lead, "rev", 0));
    }
  if (g_strcmp0 (str_member (lead, "status"), "dialing") == 0)
    return fail (cfg, error, CB_ERROR_INVALID_STATE, "status", "dialing", "the lead is being dialed");

  for (GList *l = names; l; l = l->next)
    json_object_set_member (lead, l->data, json_node_copy (json_object_get_member (set, l->data)));

  status = str_member (lead, "status");
  if (json_object_has_member (set, "status") && (g_str_equal (status, "new") || g_str_equal (status, "retry")))
    {
      g_autoptr(GPtrArray) lists = dnc_lists_checked_for (cfg, str_member (lead, "list_id"));

      if (lead_numbers_listed (cfg, lead, lists) > 0)
        return fail (cfg, error, CB_ERROR_COMPLIANCE_BLOCKED, "rule", "dnc",
                     "a number of this lead is on a DNC list its campaign checks");
    }

  json_object_set_int_member (lead, "rev", int_member (lead, "rev", 0) + 1);
  json_object_set_int_member (lead, "updated_at", clock_ms (cfg));
  if (!lead_to_engine (cfg, lead))
    return fail (cfg, error, CB_ERROR_INVALID_STATE, "status", "dialing", "the lead is being dialed");
  cb_sim_db_begin (cfg->db);
  lead_store (cfg, lead);
  refresh_lead_list (cfg, str_member (lead, "list_id"));
  cb_sim_db_commit (cfg->db);

  *result = result_with ("lead", lead);
  return TRUE;
}

static gboolean
op_lead_delete (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  const char *id = str_member (data, "id");
  gint64 if_rev = cb_sim_server_get_request_if_rev (server);
  g_autoptr(JsonObject) lead = NULL;
  sqlite3_stmt *stmt;

  if (id == NULL)
    return bad_field (cfg, error, "id", "id must be a string");
  if (if_rev < 1)
    return bad_field (cfg, error, "if_rev", "edits of a lead need if_rev");
  flush_leads (cfg);
  lead = lead_load (cfg, id);
  if (lead == NULL)
    return fail (cfg, error, CB_ERROR_NOT_FOUND, "id", id, "no lead %s", id);
  if (int_member (lead, "rev", 0) != if_rev)
    {
      cb_sim_server_set_error_extra (server, NULL, object_node (lead));
      return fail (cfg, error, CB_ERROR_CONFLICT, NULL, NULL, "lead %s is at rev %" G_GINT64_FORMAT,
                   id, int_member (lead, "rev", 0));
    }
  /* The dialer forgets it: never dialed again. */
  if (cfg->engine != NULL && cb_sim_engine_get_lead (cfg->engine, id) != NULL)
    {
      if (cb_sim_engine_get_lead (cfg->engine, id)->status == CB_SIM_LEAD_DIALING)
        return fail (cfg, error, CB_ERROR_INVALID_STATE, "status", "dialing", "the lead is being dialed");
      cb_sim_engine_remove_lead (cfg->engine, id);
    }

  cb_sim_db_begin (cfg->db);
  stmt = cb_sim_db_prepare (cfg->db, "DELETE FROM leads WHERE id = ?");
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  cb_sim_db_step_done (cfg->db, stmt);
  g_hash_table_remove (cfg->dirty_leads, id);
  refresh_lead_list (cfg, str_member (lead, "list_id"));
  cb_sim_db_commit (cfg->db);

  *result = result_deleted (id);
  return TRUE;
}

/* ---- DNC entries (§9.6, §10.11) ---------------------------------------------------- */

static JsonObject *
dnc_entry_load (CbSimConfigStore *cfg,
                const char       *list_id,
                const char       *number)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "SELECT json FROM dnc_entries WHERE list_id = ? AND number = ?");
  JsonObject *entry = NULL;

  sqlite3_bind_text (stmt, 1, list_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, number, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    entry = cb_sim_db_column_json (stmt, 0);
  sqlite3_reset (stmt);
  return entry;
}

static void
dnc_entry_store (CbSimConfigStore *cfg,
                 JsonObject       *entry)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db,
    "INSERT OR REPLACE INTO dnc_entries (id, list_id, number, added_at, json) VALUES (?, ?, ?, ?, ?)");

  sqlite3_bind_text (stmt, 1, str_member (entry, "id"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, str_member (entry, "list_id"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, str_member (entry, "number"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, int_member (entry, "added_at", 0));
  cb_sim_db_bind_json (stmt, 5, entry);
  cb_sim_db_step_done (cfg->db, stmt);
}

static JsonObject *
dnc_entry_new (CbSimConfigStore *cfg,
               const char       *list_id,
               const char       *number,
               const char       *user_id,
               const char       *source,
               JsonNode         *expires_at,
               JsonNode         *note)
{
  JsonObject *entry = json_object_new ();
  g_autofree char *id = next_id (cfg, "dnce");

  json_object_set_string_member (entry, "id", id);
  json_object_set_int_member (entry, "rev", 1);
  json_object_set_string_member (entry, "list_id", list_id);
  json_object_set_string_member (entry, "number", number);
  json_object_set_int_member (entry, "added_at", clock_ms (cfg));
  if (user_id)
    json_object_set_string_member (entry, "added_by", user_id);
  else
    json_object_set_null_member (entry, "added_by");
  json_object_set_string_member (entry, "source", source);
  json_object_set_member (entry, "expires_at", expires_at ? json_node_copy (expires_at) : json_node_new (JSON_NODE_NULL));
  json_object_set_member (entry, "note", note ? json_node_copy (note) : json_node_new (JSON_NODE_NULL));
  return entry;
}

/* The list of a dnc.add, .remove or .upload: writable, or an error. */
static const CbSimEntity *
writable_dnc_list (CbSimConfigStore *cfg,
                   const char       *list_id,
                   GError          **error)
{
  const CbSimEntity *list = lookup (cfg, &types[T_DNC_LIST], list_id);

  if (list == NULL)
    return fail (cfg, error, CB_ERROR_NOT_FOUND, "list_id", list_id, "no DNC list %s", list_id), NULL;
  if (json_object_get_boolean_member_with_default (list->data, "read_only", FALSE))
    return fail (cfg, error, CB_ERROR_INVALID_STATE, "reason", "read_only",
                 "DNC list %s is read-only: it comes from a registry", list_id), NULL;
  return list;
}

static gboolean
check_expires_note (CbSimConfigStore *cfg,
                    JsonObject       *data,
                    GError          **error)
{
  JsonNode *expires = json_object_get_member (data, "expires_at");
  JsonNode *note = json_object_get_member (data, "note");

  if (expires != NULL && !JSON_NODE_HOLDS_NULL (expires) && !(is_int_node (expires) && json_node_get_int (expires) >= 0))
    return bad_field (cfg, error, "expires_at", "expires_at must be an instant or null");
  if (note != NULL && !JSON_NODE_HOLDS_NULL (note) && !(is_string_node (note) && strlen (json_node_get_string (note)) <= 500))
    return bad_field (cfg, error, "note", "note must be a string of at most 500 bytes or null");
  return TRUE;
}

static gboolean
op_dnc_add (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
            GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  const char *list_id = str_member (data, "list_id"), *number = str_member (data, "number");
  g_autoptr(JsonObject) entry = NULL;
  JsonObject *o;
  gboolean created = FALSE;

  if (list_id == NULL)
    return bad_field (cfg, error, "list_id", "list_id must be a string");
  if (!valid_e164 (number))
    return bad_field (cfg, error, "number", "number must be an E.164 number");
  if (!check_expires_note (cfg, data, error) || writable_dnc_list (cfg, list_id, error) == NULL)
    return FALSE;

  entry = dnc_entry_load (cfg, list_id, number);
  if (entry == NULL)
    {
      cb_sim_db_begin (cfg->db);
      entry = dnc_entry_new (cfg, list_id, number, user->id, "manual", json_object_get_member (data, "expires_at"),
                             json_object_get_member (data, "note"));
      dnc_entry_store (cfg, entry);
      refresh_dnc_list (cfg, list_id);
      cb_sim_db_commit (cfg->db);
      created = TRUE;
    }

  *result = result_with ("entry", entry);
  o = json_node_get_object (*result);
  json_object_set_boolean_member (o, "created", created);
  return TRUE;
}

static gboolean
op_dnc_remove (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
               GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  const char *list_id = str_member (data, "list_id"), *number = str_member (data, "number");
  sqlite3_stmt *stmt;
  gboolean removed;
  JsonObject *o = json_object_new ();

  if (list_id == NULL)
    return json_object_unref (o), bad_field (cfg, error, "list_id", "list_id must be a string");
  if (number == NULL)
    return json_object_unref (o), bad_field (cfg, error, "number", "number must be a string");
  if (writable_dnc_list (cfg, list_id, error) == NULL)
    return json_object_unref (o), FALSE;

  cb_sim_db_begin (cfg->db);
  stmt = cb_sim_db_prepare (cfg->db, "DELETE FROM dnc_entries WHERE list_id = ? AND number = ?");
  sqlite3_bind_text (stmt, 1, list_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, number, -1, SQLITE_TRANSIENT);
  cb_sim_db_step_done (cfg->db, stmt);
  removed = sqlite3_changes (cb_sim_db_get_handle (cfg->db)) > 0;
  if (removed)
    refresh_dnc_list (cfg, list_id);
  cb_sim_db_commit (cfg->db);

  json_object_set_boolean_member (o, "removed", removed);
  *result = json_node_alloc ();
  json_node_take_object (*result, o);
  return TRUE;
}

static gboolean
op_dnc_check (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
              GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  const char *number = str_member (data, "number");
  JsonNode *lists_node = json_object_get_member (data, "list_ids");
  g_autoptr(GPtrArray) wanted = NULL;
  sqlite3_stmt *stmt;
  JsonObject *o;
  JsonArray *found = json_array_new ();

  if (number == NULL || strlen (number) > 32)
    return json_array_unref (found), bad_field (cfg, error, "number", "number must be a string");
  if (lists_node != NULL && !JSON_NODE_HOLDS_NULL (lists_node))
    {
      if (!JSON_NODE_HOLDS_ARRAY (lists_node))
        return json_array_unref (found), bad_field (cfg, error, "list_ids", "list_ids must be an array of ids");
      wanted = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < json_array_get_length (json_node_get_array (lists_node)); i++)
        {
          JsonNode *e = json_array_get_element (json_node_get_array (lists_node), i);

          if (!is_string_node (e))
            return json_array_unref (found), bad_field (cfg, error, "list_ids", "list_ids must be an array of ids");
          g_ptr_array_add (wanted, g_strdup (json_node_get_string (e)));
        }
    }

  stmt = cb_sim_db_prepare (cfg->db,
    "SELECT list_id FROM dnc_entries WHERE number = ? AND "
    "(json_extract (json, '$.expires_at') IS NULL OR json_extract (json, '$.expires_at') > ?) ORDER BY list_id");
  sqlite3_bind_text (stmt, 1, number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, clock_ms (cfg));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *list_id = (const char *) sqlite3_column_text (stmt, 0);

      if (wanted == NULL || g_ptr_array_find_with_equal_func (wanted, list_id, g_str_equal, NULL))
        json_array_add_string_element (found, list_id);
    }
  sqlite3_reset (stmt);

  o = json_object_new ();
  json_object_set_boolean_member (o, "listed", json_array_get_length (found) > 0);
  json_object_set_array_member (o, "list_ids", found);
  *result = json_node_alloc ();
  json_node_take_object (*result, o);
  return TRUE;
}

static const FilterKey dnc_filter[] = {
  { "list_id", K_STRING }, { "number", K_STRING }, { "added_from", K_INT }, { "added_to", K_INT }, { NULL }
};
static const SortKey dnc_sorts[] = {
  { "number", "number", P_TEXT }, { "added_at", "added_at", P_INT }, { NULL }
};

static gboolean
op_dnc_query (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
              GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  Page page;
  Where w;
  const char *list_id, *number;
  gboolean ok = FALSE;

  if (!page_init (cfg, "dnc.query", data, dnc_filter, dnc_sorts, "number", &page, error))
    goto out;
  list_id = str_member (page.filter, "list_id");
  if (list_id == NULL)
    {
      bad_field (cfg, error, "filter.list_id", "filter.list_id is required");
      goto out;
    }
  if (lookup (cfg, &types[T_DNC_LIST], list_id) == NULL)
    {
      fail (cfg, error, CB_ERROR_NOT_FOUND, "list_id", list_id, "no DNC list %s", list_id);
      goto out;
    }
  where_init (&w);
  g_string_append (w.where, " AND list_id = ?");
  where_text (&w, list_id);
  number = str_member (page.filter, "number");
  if (number != NULL)
    {
      g_string_append (w.where, " AND instr (number, ?) = 1");
      where_text (&w, number);
    }
  if (json_object_has_member (page.filter, "added_from"))
    {
      g_string_append (w.where, " AND added_at >= ?");
      where_int (&w, int_member (page.filter, "added_from", 0));
    }
  if (json_object_has_member (page.filter, "added_to"))
    {
      g_string_append (w.where, " AND added_at < ?");
      where_int (&w, int_member (page.filter, "added_to", 0));
    }
  *result = page_run (cfg, &page, "dnc_entries", &w);
  where_clear (&w);
  ok = TRUE;

out:
  page_clear (&page);
  return ok;
}

/* ---- uploads (§11.2) ------------------------------------------------------------------ */

typedef struct
{
  char       *op;
  char       *list_id;
  char       *duplicates;    /* reject, update, allow */
  gboolean    allow_dnc;
  gint64      next_chunk;
  GPtrArray  *results;       /* JsonNode: the result of chunk i + 1 */
  GPtrArray  *rows;          /* JsonObject: accepted rows, validated */
  GHashTable *numbers;       /* numbers seen in this upload */
  gint64      n_rows;
  gint64      n_rejected;
  gboolean    finished;      /* committed or aborted */
  gint64      touched_us;
} Upload;

static void
upload_free (Upload *u)
{
  g_free (u->op);
  g_free (u->list_id);
  g_free (u->duplicates);
  g_ptr_array_unref (u->results);
  g_ptr_array_unref (u->rows);
  g_hash_table_unref (u->numbers);
  g_free (u);
}

static void
add_rejection (JsonArray  *rejected,
               gint64      row,
               const char *reason,
               const char *field,
               const char *message)
{
  JsonObject *r = json_object_new ();

  json_object_set_int_member (r, "row", row);
  json_object_set_string_member (r, "reason", reason);
  if (field)
    json_object_set_string_member (r, "field", field);
  else
    json_object_set_null_member (r, "field");
  json_object_set_string_member (r, "message", message);
  json_array_add_object_element (rejected, r);
}

/* Is @number one of the numbers of a lead of the list? */
static gboolean
lead_number_in_list (CbSimConfigStore *cfg,
                     const char       *list_id,
                     const char       *number,
                     char            **lead_id)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "SELECT id FROM leads WHERE list_id = ? AND instr (phones, ?) > 0");
  g_autofree char *needle = g_strdup_printf (" %s ", number);
  gboolean found = FALSE;

  sqlite3_bind_text (stmt, 1, list_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, needle, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      if (lead_id)
        *lead_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  return found;
}

static JsonObject *
lead_new (CbSimConfigStore *cfg,
          const char       *list_id,
          gint64            now)
{
  JsonObject *lead = json_object_new ();
  g_autofree char *id = next_id (cfg, "ld");

  json_object_set_string_member (lead, "id", id);
  json_object_set_int_member (lead, "rev", 1);
  json_object_set_string_member (lead, "list_id", list_id);
  json_object_set_array_member (lead, "phone_numbers", json_array_new ());
  json_object_set_null_member (lead, "first_name");
  json_object_set_null_member (lead, "last_name");
  json_object_set_null_member (lead, "time_zone");
  json_object_set_null_member (lead, "country");
  json_object_set_object_member (lead, "custom", json_object_new ());
  json_object_set_string_member (lead, "status", "new");
  json_object_set_int_member (lead, "attempts", 0);
  json_object_set_null_member (lead, "last_attempt_at");
  json_object_set_null_member (lead, "last_disposition");
  json_object_set_null_member (lead, "next_attempt_at");
  json_object_set_null_member (lead, "callback");
  json_object_set_int_member (lead, "created_at", now);
  json_object_set_int_member (lead, "updated_at", now);
  return lead;
}

/* Validates one row of a lead.upload; NULL with a rejection added. */
static JsonObject *
lead_row (CbSimConfigStore *cfg,
          Upload           *u,
          JsonObject       *list,
          GPtrArray        *dnc_lists,
          JsonObject       *row,
          gint64            row_no,
          JsonArray        *rejected)
{
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(GList) names = json_object_get_members (row);
  g_autofree char *update_id = NULL;
  JsonArray *phones;
  guint listed = 0;

  for (GList *l = names; l; l = l->next)
    {
      const char *reason;
      g_autofree char *field = NULL;
      g_autofree char *message = NULL;

      if (g_str_equal (l->data, "row"))
        continue;
      if (!check_lead_field (list, l->data, json_object_get_member (row, l->data), &reason, &field, &message))
        return add_rejection (rejected, row_no, reason, field, message), NULL;
      json_object_set_member (out, l->data, json_node_copy (json_object_get_member (row, l->data)));
    }
  phones = array_member (out, "phone_numbers");
  if (phones == NULL)
    return add_rejection (rejected, row_no, "missing_field", "phone_numbers", "a lead needs a phone number"), NULL;

  for (guint i = 0; i < json_array_get_length (phones); i++)
    {
      const char *number = str_member (json_array_get_object_element (phones, i), "number");
      g_autofree char *existing = NULL;
      g_autofree char *field = g_strdup_printf ("phone_numbers[%u].number", i);

      if (g_hash_table_contains (u->numbers, number))
        return add_rejection (rejected, row_no, "duplicate", field, "the number is earlier in this upload"), NULL;
      if (!g_str_equal (u->duplicates, "allow") && lead_number_in_list (cfg, u->list_id, number, &existing))
        {
          if (g_str_equal (u->duplicates, "reject"))
            return add_rejection (rejected, row_no, "duplicate", field, "the number is already in the list"), NULL;
          if (update_id == NULL)
            update_id = g_steal_pointer (&existing);
        }
      listed += number_listed (cfg, number, dnc_lists) && dnc_lists->len > 0;
    }
  if (listed == json_array_get_length (phones))
    {
      if (!u->allow_dnc)
        return add_rejection (rejected, row_no, "dnc_listed", "phone_numbers",
                              "every number is on a DNC list the campaign checks"), NULL;
      json_object_set_string_member (out, "status", "dnc");
    }

  for (guint i = 0; i < json_array_get_length (phones); i++)
    g_hash_table_add (u->numbers, g_strdup (str_member (json_array_get_object_element (phones, i), "number")));
  if (update_id != NULL)
    json_object_set_string_member (out, "x_update", update_id);
  return g_steal_pointer (&out);
}

static JsonObject *
dnc_row (CbSimConfigStore *cfg,
         Upload           *u,
         JsonObject       *row,
         gint64            row_no,
         JsonArray        *rejected)
{
  g_autoptr(GList) names = json_object_get_members (row);
  const char *number = str_member (row, "number");
  JsonNode *expires = json_object_get_member (row, "expires_at");
  JsonNode *note = json_object_get_member (row, "note");
  JsonObject *out;

  for (GList *l = names; l; l = l->next)
    if (!in_list ((const char *[]) { "row", "number", "expires_at", "note", NULL }, l->data))
      return add_rejection (rejected, row_no, "unknown_field", l->data, "not a field of a DNC entry"), NULL;
  if (!json_object_has_member (row, "number"))
    return add_rejection (rejected, row_no, "missing_field", "number", "a number is needed"), NULL;
  if (!valid_e164 (number))
    return add_rejection (rejected, row_no, "invalid_phone", "number", "not a complete E.164 number"), NULL;
  if (expires != NULL && !JSON_NODE_HOLDS_NULL (expires) && !(is_int_node (expires) && json_node_get_int (expires) >= 0))
    return add_rejection (rejected, row_no, "invalid_field", "expires_at", "an instant (ms) or null"), NULL;
  if (note != NULL && !JSON_NODE_HOLDS_NULL (note) && !is_string_node (note))
    return add_rejection (rejected, row_no, "invalid_field", "note", "a string or null"), NULL;
  if (note != NULL && is_string_node (note) && strlen (json_node_get_string (note)) > 500)
    return add_rejection (rejected, row_no, "too_long", "note", "at most 500 bytes"), NULL;
  if (g_hash_table_contains (u->numbers, number))
    return add_rejection (rejected, row_no, "duplicate", "number", "the number is earlier in this upload"), NULL;

  g_hash_table_add (u->numbers, g_strdup (number));
  out = json_object_new ();
  json_object_set_string_member (out, "number", number);
  json_object_set_member (out, "expires_at", expires ? json_node_copy (expires) : json_node_new (JSON_NODE_NULL));
  json_object_set_member (out, "note", note ? json_node_copy (note) : json_node_new (JSON_NODE_NULL));
  return out;
}

/* Applies an upload's rows in one transaction; fills in @totals. */
static void
upload_commit (CbSimConfigStore *cfg,
               const CbSimUser  *user,
               Upload           *u,
               JsonObject       *totals)
{
  gint64 created = 0, updated = 0, now = clock_ms (cfg);
  gboolean leads = g_str_equal (u->op, "lead.upload");

  cb_sim_db_begin (cfg->db);
  for (guint i = 0; i < u->rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (u->rows, i);

      if (leads)
        {
          const char *update_id = str_member (row, "x_update");
          g_autoptr(JsonObject) lead = update_id ? lead_load (cfg, update_id) : NULL;
          g_autoptr(GList) names = json_object_get_members (row);

          if (lead != NULL)
            {
              json_object_set_int_member (lead, "rev", int_member (lead, "rev", 0) + 1);
              json_object_set_int_member (lead, "updated_at", now);
              updated++;
            }
          else
            {
              lead = lead_new (cfg, u->list_id, now);
              created++;
            }
          for (GList *l = names; l; l = l->next)
            if (!g_str_equal (l->data, "x_update"))
              json_object_set_member (lead, l->data, json_node_copy (json_object_get_member (row, l->data)));
          lead_store (cfg, lead);
        }
      else
        {
          g_autoptr(JsonObject) entry = dnc_entry_load (cfg, u->list_id, str_member (row, "number"));

          if (entry != NULL)
            {
              json_object_set_member (entry, "expires_at", json_node_copy (json_object_get_member (row, "expires_at")));
              json_object_set_member (entry, "note", json_node_copy (json_object_get_member (row, "note")));
              json_object_set_int_member (entry, "rev", int_member (entry, "rev", 0) + 1);
              updated++;
            }
          else
            {
              entry = dnc_entry_new (cfg, u->list_id, str_member (row, "number"), user->id, "upload",
                                     json_object_get_member (row, "expires_at"), json_object_get_member (row, "note"));
              created++;
            }
          dnc_entry_store (cfg, entry);
        }
    }
  if (leads)
    refresh_lead_list (cfg, u->list_id);
  else
    refresh_dnc_list (cfg, u->list_id);
  cb_sim_db_commit (cfg->db);
  if (leads && created > 0)
    list_leads_to_engine (cfg, u->list_id);

  json_object_set_int_member (totals, "rows", u->n_rows);
  json_object_set_int_member (totals, "accepted", (gint64) u->rows->len);
  json_object_set_int_member (totals, "rejected", u->n_rejected);
  json_object_set_int_member (totals, "created", created);
  json_object_set_int_member (totals, "updated", updated);
}

/* Imports of @user not finished and not idle past the TTL. */
static guint
open_uploads (CbSimConfigStore *cfg,
              const CbSimUser  *user)
{
  g_autofree char *prefix = g_strconcat (user->id, "\x1f", NULL);
  GHashTableIter iter;
  const char *key;
  Upload *u;
  guint n = 0;

  g_hash_table_iter_init (&iter, cfg->uploads);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &u))
    n += g_str_has_prefix (key, prefix) && !u->finished;
  return n;
}

/* Forgets imports idle past the TTL (§11.2), finished or not. */
static void
sweep_uploads (CbSimConfigStore *cfg)
{
  GHashTableIter iter;
  Upload *u;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, cfg->uploads);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &u))
    if (now - u->touched_us > UPLOAD_TTL_US)
      g_hash_table_iter_remove (&iter);
}

static gboolean
upload (CbSimConfigStore *cfg,
        const char       *op,
        const CbSimUser  *user,
        JsonObject       *data,
        JsonNode        **result,
        GError          **error)
{
  static const char * const members[] = { "upload_id", "list_id", "chunk", "last", "abort", "options", "rows", NULL };
  gboolean leads = g_str_equal (op, "lead.upload");
  const char *upload_id = str_member (data, "upload_id"), *list_id = str_member (data, "list_id");
  JsonNode *chunk_node = json_object_get_member (data, "chunk");
  JsonNode *last_node = json_object_get_member (data, "last");
  JsonNode *abort_node = json_object_get_member (data, "abort");
  JsonNode *options = json_object_get_member (data, "options");
  JsonArray *rows = array_member (data, "rows");
  g_autofree char *key = NULL;
  g_autoptr(GList) names = json_object_get_members (data);
  g_autoptr(GPtrArray) dnc_lists = NULL;
  gint64 chunk;
  gboolean last, aborting;
  Upload *u;
  JsonObject *out, *list = NULL;
  JsonArray *rejected;
  guint accepted = 0;

  for (GList *l = names; l; l = l->next)
    if (!in_list (members, l->data))
      return bad_field (cfg, error, l->data, "%s is not a member of an upload", (char *) l->data);
  if (upload_id == NULL || *upload_id == '\0' || strlen (upload_id) > 64)
    return bad_field (cfg, error, "upload_id", "upload_id must be a string of 1–64 characters");
  if (list_id == NULL)
    return bad_field (cfg, error, "list_id", "list_id must be a string");
  if (!is_int_node (chunk_node) || json_node_get_int (chunk_node) < 1)
    return bad_field (cfg, error, "chunk", "chunk must be an integer ≥ 1");
  if (last_node != NULL && !is_bool_node (last_node))
    return bad_field (cfg, error, "last", "last must be a boolean");
  if (abort_node != NULL && !JSON_NODE_HOLDS_NULL (abort_node) && !is_bool_node (abort_node))
    return bad_field (cfg, error, "abort", "abort must be a boolean");
  if (options != NULL && !JSON_NODE_HOLDS_NULL (options) && !JSON_NODE_HOLDS_OBJECT (options))
    return bad_field (cfg, error, "options", "options must be an object");
  if (rows == NULL)
    return bad_field (cfg, error, "rows", "rows must be an array");
  if (json_array_get_length (rows) > MAX_UPLOAD_ROWS)
    return bad_field (cfg, error, "rows", "at most %d rows per chunk", MAX_UPLOAD_ROWS);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *r = json_array_get_element (rows, i);

      if (!JSON_NODE_HOLDS_OBJECT (r) || !is_int_node (json_object_get_member (json_node_get_object (r), "row")))
        {
          g_autofree char *field = g_strdup_printf ("rows[%u].row", i);

          return bad_field (cfg, error, field, "every row is an object with an integer row number");
        }
    }
  chunk = json_node_get_int (chunk_node);
  last = last_node && json_node_get_boolean (last_node);
  aborting = abort_node && is_bool_node (abort_node) && json_node_get_boolean (abort_node);

  key = make_key (user->id, upload_id);
  u = g_hash_table_lookup (cfg->uploads, key);
  if (u != NULL && g_get_monotonic_time () - u->touched_us > UPLOAD_TTL_US)
    {
      g_hash_table_remove (cfg->uploads, key);
      u = NULL;
    }

  if (u == NULL)
    {
      JsonObject *opts = options && JSON_NODE_HOLDS_OBJECT (options) ? json_node_get_object (options) : NULL;
      g_autoptr(GList) option_names = opts ? json_object_get_members (opts) : NULL;
      const char *duplicates = opts ? str_member (opts, "duplicates") : NULL;
      const char *dnc = opts ? str_member (opts, "dnc") : NULL;

      if (chunk != 1)
        return fail (cfg, error, CB_ERROR_NOT_FOUND, "upload_id", upload_id,
                     "no upload %s (it may have been discarded after 600 s without a chunk)", upload_id);
      if (open_uploads (cfg, user) >= UPLOADS_PER_USER)
        return fail (cfg, error, CB_ERROR_INVALID_STATE, "reason", "too_many_uploads",
                     "at most %d imports may be open at once; finish or abort one", UPLOADS_PER_USER);
      for (GList *l = option_names; l; l = l->next)
        if (!leads || !in_list ((const char *[]) { "duplicates", "dnc", NULL }, l->data))
          {
            g_autofree char *field = g_strdup_printf ("options.%s", (char *) l->data);

            return bad_field (cfg, error, field, "%s is not an option of %s", field, op);
          }
      if (opts && json_object_has_member (opts, "duplicates")
          && !in_list ((const char *[]) { "reject", "update", "allow", NULL }, duplicates))
        return bad_field (cfg, error, "options.duplicates", "options.duplicates is reject, update or allow");
      if (opts && json_object_has_member (opts, "dnc") && !in_list ((const char *[]) { "reject", "allow", NULL }, dnc))
        return bad_field (cfg, error, "options.dnc", "options.dnc is reject or allow");
      if (leads && lookup (cfg, &types[T_LEAD_LIST], list_id) == NULL)
        return fail (cfg, error, CB_ERROR_NOT_FOUND, "list_id", list_id, "no lead list %s", list_id);
      if (!leads && writable_dnc_list (cfg, list_id, error) == NULL)
        return FALSE;

      u = g_new0 (Upload, 1);
      u->op = g_strdup (op);
      u->list_id = g_strdup (list_id);
      u->duplicates = g_strdup (duplicates ? duplicates : "reject");
      u->allow_dnc = g_strcmp0 (dnc, "allow") == 0;
      u->next_chunk = 1;
      u->results = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
      u->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      u->numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_replace (cfg->uploads, g_steal_pointer (&key), u);
    }
  else
    {
      if (!g_str_equal (u->op, op) || !g_str_equal (u->list_id, list_id))
        return bad_field (cfg, error, "list_id", "upload %s is a %s to %s", upload_id, u->op, u->list_id);
      if (chunk <= (gint64) u->results->len)
        {
          /* A repeated chunk: its stored result, not processed again. */
          u->touched_us = g_get_monotonic_time ();
          *result = json_node_copy (g_ptr_array_index (u->results, chunk - 1));
          return TRUE;
        }
      if (chunk != u->next_chunk || u->finished)
        {
          JsonObject *d = json_object_new ();
          JsonNode *node = json_node_alloc ();

          json_object_set_int_member (d, "expected_chunk", u->next_chunk);
          json_node_take_object (node, d);
          cb_sim_server_set_error_extra (cfg->server, node, NULL);
          g_set_error (error, CB_REQUEST_ERROR, CB_ERROR_INVALID_STATE,
                       u->finished ? "upload %s is finished" : "upload %s expects chunk %" G_GINT64_FORMAT,
                       upload_id, u->next_chunk);
          return FALSE;
        }
    }
  if (u->n_rows + json_array_get_length (rows) > UPLOAD_MAX_ROWS)
    return fail (cfg, error, CB_ERROR_BAD_REQUEST, "field", "rows",
                 "an import has at most %d rows", UPLOAD_MAX_ROWS);
  u->touched_us = g_get_monotonic_time ();

  out = json_object_new ();
  rejected = json_array_new ();
  json_object_set_string_member (out, "upload_id", upload_id);
  json_object_set_int_member (out, "chunk", chunk);

  if (!aborting)
    {
      if (leads)
        {
          list = lookup (cfg, &types[T_LEAD_LIST], list_id) ? lookup (cfg, &types[T_LEAD_LIST], list_id)->data : NULL;
          dnc_lists = dnc_lists_checked_for (cfg, list_id);
        }
      for (guint i = 0; i < json_array_get_length (rows); i++)
        {
          JsonObject *row = json_array_get_object_element (rows, i);
          gint64 row_no = int_member (row, "row", 0);
          JsonObject *ok = leads ? lead_row (cfg, u, list, dnc_lists, row, row_no, rejected)
                                 : dnc_row (cfg, u, row, row_no, rejected);

          u->n_rows++;
          if (ok)
            {
              g_ptr_array_add (u->rows, ok);
              accepted++;
            }
          else
            u->n_rejected++;
        }
    }

  json_object_set_int_member (out, "accepted", accepted);
  json_object_set_array_member (out, "rejected", rejected);
  if (last && !aborting && (!leads || lookup (cfg, &types[T_LEAD_LIST], list_id))
      && (leads || lookup (cfg, &types[T_DNC_LIST], list_id)))
    {
      JsonObject *totals = json_object_new ();

      upload_commit (cfg, user, u, totals);
      json_object_set_boolean_member (out, "committed", TRUE);
      json_object_set_object_member (out, "totals", totals);
    }
  else
    {
      json_object_set_boolean_member (out, "committed", FALSE);
      json_object_set_null_member (out, "totals");
    }
  if (last || aborting)
    {
      u->finished = TRUE;
      g_ptr_array_set_size (u->rows, 0);
    }

  *result = json_node_alloc ();
  json_node_take_object (*result, out);
  g_ptr_array_add (u->results, json_node_copy (*result));
  u->next_chunk = chunk + 1;
  return TRUE;
}

static gboolean
op_lead_upload (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                GError **error, gpointer user_data)
{
  return upload (user_data, "lead.upload", user, data, result, error);
}

static gboolean
op_dnc_upload (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
               GError **error, gpointer user_data)
{
  return upload (user_data, "dnc.upload", user, data, result, error);
}

/* ---- QA forms and evaluations (§9.10, §10.15, §10.16) ------------------------------ */

static void
store_qa_revision (CbSimConfigStore *cfg,
                   const char       *id)
{
  const CbSimEntity *e = lookup (cfg, &types[T_QA_FORM], id);
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "INSERT OR REPLACE INTO qa_form_revs (id, rev, json) VALUES (?, ?, ?)");

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, e->rev);
  cb_sim_db_bind_json (stmt, 3, e->data);
  cb_sim_db_step_done (cfg->db, stmt);
}

static JsonObject *
qa_revision (CbSimConfigStore *cfg,
             const char       *id,
             gint64            rev)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "SELECT json FROM qa_form_revs WHERE id = ? AND rev = ?");
  JsonObject *form = NULL;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, rev);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    form = cb_sim_db_column_json (stmt, 0);
  sqlite3_reset (stmt);
  return form;
}

static gboolean
op_qa_form_get (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  const char *id = str_member (data, "id");
  JsonNode *rev = json_object_get_member (data, "rev");
  const CbSimEntity *e;
  g_autoptr(JsonObject) form = NULL;

  if (id == NULL)
    return bad_field (cfg, error, "id", "id must be a string");
  if (rev != NULL && !JSON_NODE_HOLDS_NULL (rev) && !(is_int_node (rev) && json_node_get_int (rev) >= 1))
    return bad_field (cfg, error, "rev", "rev must be an integer ≥ 1");
  e = lookup (cfg, &types[T_QA_FORM], id);
  if (rev == NULL || JSON_NODE_HOLDS_NULL (rev))
    {
      if (e == NULL)
        return fail (cfg, error, CB_ERROR_NOT_FOUND, "id", id, "no QA form %s", id);
      *result = result_with ("qa_form", e->data);
      return TRUE;
    }
  form = qa_revision (cfg, id, json_node_get_int (rev));
  if (form == NULL)
    return fail (cfg, error, CB_ERROR_NOT_FOUND, "id", id, "revision %" G_GINT64_FORMAT " of QA form %s is not kept",
                 json_node_get_int (rev), id);
  *result = result_with ("qa_form", form);
  return TRUE;
}

static JsonObject *
find_question (JsonObject  *form,
               const char  *id,
               JsonObject **section)
{
  JsonArray *sections = array_member (form, "sections");

  for (guint i = 0; sections && i < json_array_get_length (sections); i++)
    {
      JsonObject *s = json_array_get_object_element (sections, i);
      JsonArray *qs = array_member (s, "questions");

      for (guint j = 0; qs && j < json_array_get_length (qs); j++)
        if (g_strcmp0 (str_member (json_array_get_object_element (qs, j), "id"), id) == 0)
          {
            if (section)
              *section = s;
            return json_array_get_object_element (qs, j);
          }
    }
  return NULL;
}

/* Checks answers against the form: each {question_id, value, na, comment, position_ms}. */
static gboolean
check_answers (CbSimConfigStore *cfg,
               JsonObject       *form,
               JsonNode         *value,
               const char       *prefix,
               GError          **error)
{
  JsonArray *a = value && JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value) : NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (a == NULL || json_array_get_length (a) > 1000)
    {
      g_autofree char *field = g_strconcat (prefix, "answers", NULL);

      return bad_field (cfg, error, field, "answers must be an array");
    }
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      JsonObject *q = o ? find_question (form, str_member (o, "question_id"), NULL) : NULL;
      JsonNode *v = o ? json_object_get_member (o, "value") : NULL;
      JsonNode *na = o ? json_object_get_member (o, "na") : NULL;
      JsonNode *comment = o ? json_object_get_member (o, "comment") : NULL;
      JsonNode *pos = o ? json_object_get_member (o, "position_ms") : NULL;
      const char *kind = q ? str_member (q, "kind") : NULL;
      g_autofree char *field = g_strdup_printf ("%sanswers[%u]", prefix, i);
      gboolean ok = TRUE;

      if (q == NULL || g_hash_table_contains (seen, str_member (o, "question_id")))
        return bad_field (cfg, error, field, "%s: not a question of the form, or answered twice", field);
      g_hash_table_add (seen, (gpointer) str_member (o, "question_id"));
      if (!is_bool_node (na) || (json_node_get_boolean (na) && !json_object_get_boolean_member (q, "na_allowed")))
        return bad_field (cfg, error, field, "%s: na must be a boolean, true only where allowed", field);
      if (v == NULL)
        ok = FALSE;
      else if (!JSON_NODE_HOLDS_NULL (v))
        {
          if (g_str_equal (kind, "yes_no"))
            ok = is_bool_node (v);
          else if (g_str_equal (kind, "scale"))
            ok = is_int_node (v) && json_node_get_int (v) >= 0 && json_node_get_int (v) <= int_member (q, "scale_max", 0);
          else if (g_str_equal (kind, "choice"))
            {
              JsonArray *opts = array_member (q, "options");

              ok = FALSE;
              for (guint k = 0; is_string_node (v) && k < json_array_get_length (opts); k++)
                ok |= g_strcmp0 (str_member (json_array_get_object_element (opts, k), "value"),
                                 json_node_get_string (v)) == 0;
            }
          else
            ok = is_string_node (v) && strlen (json_node_get_string (v)) <= 4000;
        }
      if (!ok)
        return bad_field (cfg, error, field, "%s: the value does not fit a %s question", field, kind);
      if (comment == NULL || (!JSON_NODE_HOLDS_NULL (comment) && !is_string_node (comment))
          || pos == NULL || (!JSON_NODE_HOLDS_NULL (pos) && !(is_int_node (pos) && json_node_get_int (pos) >= 0))
          || json_object_get_size (o) != 5)
        return bad_field (cfg, error, field, "%s: {question_id, value, na, comment, position_ms}", field);
    }
  return TRUE;
}

/* §10.16, normative. */
static void
score_evaluation (JsonObject *form,
                  JsonObject *evaluation)
{
  JsonArray *sections = array_member (form, "sections");
  JsonArray *answers = array_member (evaluation, "answers");
  double weighted = 0, weights = 0;
  gboolean auto_failed = FALSE, incomplete = FALSE, any = FALSE;

  for (guint i = 0; sections && i < json_array_get_length (sections); i++)
    {
      JsonObject *s = json_array_get_object_element (sections, i);
      JsonArray *qs = array_member (s, "questions");
      double points = 0, max = 0;
      gboolean critical_failed = FALSE, counted = FALSE;

      for (guint j = 0; qs && j < json_array_get_length (qs); j++)
        {
          JsonObject *q = json_array_get_object_element (qs, j);
          const char *kind = str_member (q, "kind");
          JsonObject *answer = NULL;
          JsonNode *v;
          double p = 0;

          if (g_strcmp0 (kind, "text") == 0)
            continue;
          for (guint k = 0; answers && k < json_array_get_length (answers); k++)
            if (g_strcmp0 (str_member (json_array_get_object_element (answers, k), "question_id"),
                           str_member (q, "id")) == 0)
              answer = json_array_get_object_element (answers, k);
          if (answer != NULL && json_object_get_boolean_member_with_default (answer, "na", FALSE))
            continue;
          v = answer ? json_object_get_member (answer, "value") : NULL;
          if (v == NULL || JSON_NODE_HOLDS_NULL (v))
            {
              incomplete = TRUE;
              continue;
            }
          if (g_str_equal (kind, "yes_no"))
            p = json_node_get_boolean (v) ? num_member (q, "max_points", 0) : 0;
          else if (g_str_equal (kind, "scale"))
            p = (double) json_node_get_int (v);
          else
            {
              JsonArray *opts = array_member (q, "options");

              for (guint k = 0; k < json_array_get_length (opts); k++)
                if (g_strcmp0 (str_member (json_array_get_object_element (opts, k), "value"), json_node_get_string (v)) == 0)
                  p = num_member (json_array_get_object_element (opts, k), "points", 0);
            }
          counted = TRUE;
          points += p;
          max += num_member (q, "max_points", 0);
          if (p <= 0 && json_object_get_boolean_member_with_default (q, "critical", FALSE))
            critical_failed = TRUE;
          if (p <= 0 && json_object_get_boolean_member_with_default (q, "auto_fail", FALSE))
            auto_failed = TRUE;
        }
      if (!counted)
        continue;
      any = TRUE;
      weighted += num_member (s, "weight", 0) * (critical_failed ? 0 : (max > 0 ? 100 * points / max : 100));
      weights += num_member (s, "weight", 0);
    }

  json_object_set_boolean_member (evaluation, "auto_failed", auto_failed);
  if (auto_failed)
    json_object_set_double_member (evaluation, "score_pct", 0.0);
  else if (incomplete || !any)
    json_object_set_null_member (evaluation, "score_pct");
  else
    json_object_set_double_member (evaluation, "score_pct",
                                   round ((weights > 0 ? weighted / weights : 0) * 100) / 100);
}

static void
evaluation_store (CbSimConfigStore *cfg,
                  JsonObject       *evaluation)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db,
    "INSERT OR REPLACE INTO evaluations (id, created_at, score, json) VALUES (?, ?, ?, ?)");

  sqlite3_bind_text (stmt, 1, str_member (evaluation, "id"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, int_member (evaluation, "created_at", 0));
  sqlite3_bind_double (stmt, 3, num_member (evaluation, "score_pct", -1));
  cb_sim_db_bind_json (stmt, 4, evaluation);
  cb_sim_db_step_done (cfg->db, stmt);
}

static JsonObject *
evaluation_load (CbSimConfigStore *cfg,
                 const char       *id)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "SELECT json FROM evaluations WHERE id = ?");
  JsonObject *e = NULL;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    e = cb_sim_db_column_json (stmt, 0);
  sqlite3_reset (stmt);
  return e;
}

/* A call of the live topic or of the history. */
static JsonObject *
find_call (CbSimConfigStore *cfg,
           const char       *id)
{
  const CbSimEntity *live = cb_sim_state_lookup (cfg->state, "call", id);

  if (live != NULL)
    return live->data;
  for (guint i = cfg->history->len; i > 0; i--)
    if (g_strcmp0 (str_member (g_ptr_array_index (cfg->history, i - 1), "id"), id) == 0)
      return g_ptr_array_index (cfg->history, i - 1);
  return NULL;
}

static const char * const evaluation_statuses[] = { "draft", "submitted", "disputed", "final", NULL };

static gboolean
op_evaluation_create (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                      GError **error, gpointer user_data)
{
  static const char * const members[] = { "form_id", "call_id", "recording_id", "answers", "comment", "status", NULL };
  CbSimConfigStore *cfg = user_data;
  const char *form_id = str_member (data, "form_id"), *call_id = str_member (data, "call_id");
  const char *status = str_member (data, "status");
  JsonNode *recording = json_object_get_member (data, "recording_id");
  JsonNode *comment = json_object_get_member (data, "comment");
  const CbSimEntity *form;
  JsonObject *call;
  g_autoptr(JsonObject) e = NULL;
  g_autoptr(GList) names = json_object_get_members (data);
  g_autofree char *id = NULL;
  gint64 now = clock_ms (cfg);

  for (GList *l = names; l; l = l->next)
    if (!in_list (members, l->data))
      return bad_field (cfg, error, l->data, "%s is not a field of an evaluation", (char *) l->data);
  if (form_id == NULL)
    return bad_field (cfg, error, "form_id", "form_id must be a string");
  if (call_id == NULL)
    return bad_field (cfg, error, "call_id", "call_id must be a string");
  if (recording != NULL && !JSON_NODE_HOLDS_NULL (recording) && !is_string_node (recording))
    return bad_field (cfg, error, "recording_id", "recording_id must be a string or null");
  if (comment != NULL && !JSON_NODE_HOLDS_NULL (comment) && !(is_string_node (comment) && strlen (json_node_get_string (comment)) <= 4000))
    return bad_field (cfg, error, "comment", "comment must be a string or null");
  if (g_strcmp0 (status, "draft") != 0 && g_strcmp0 (status, "submitted") != 0)
    return bad_field (cfg, error, "status", "status must be draft or submitted");
  form = lookup (cfg, &types[T_QA_FORM], form_id);
  if (form == NULL)
    return fail (cfg, error, CB_ERROR_NOT_FOUND, "form_id", form_id, "no QA form %s", form_id);
  if (!check_answers (cfg, form->data, json_object_get_member (data, "answers"), "", error))
    return FALSE;
  call = find_call (cfg, call_id);
  if (call == NULL)
    return fail (cfg, error, CB_ERROR_NOT_FOUND, "call_id", call_id, "no call %s", call_id);
  if (!json_object_get_boolean_member_with_default (form->data, "active", FALSE))
    return fail (cfg, error, CB_ERROR_INVALID_STATE, "form_id", form_id, "QA form %s is not active", form_id);

  id = next_id (cfg, "ev");
  e = json_object_new ();
  json_object_set_string_member (e, "id", id);
  json_object_set_int_member (e, "rev", 1);
  json_object_set_string_member (e, "form_id", form_id);
  json_object_set_int_member (e, "form_rev", form->rev);
  json_object_set_string_member (e, "call_id", call_id);
  json_object_set_member (e, "recording_id", recording ? json_node_copy (recording) : json_node_new (JSON_NODE_NULL));
  if (str_member (call, "agent_id"))
    json_object_set_string_member (e, "agent_id", str_member (call, "agent_id"));
  else
    json_object_set_null_member (e, "agent_id");
  json_object_set_string_member (e, "evaluator_id", user->id);
  json_object_set_string_member (e, "status", status);
  json_object_set_member (e, "answers", json_node_copy (json_object_get_member (data, "answers")));
  json_object_set_member (e, "comment", comment ? json_node_copy (comment) : json_node_new (JSON_NODE_NULL));
  score_evaluation (form->data, e);
  if (serialized_size (e) > MAX_ENTITY_BYTES - 4096)
    return fail (cfg, error, CB_ERROR_BAD_REQUEST, "reason", "too_large", "the evaluation is too large");
  json_object_set_int_member (e, "created_at", now);
  json_object_set_int_member (e, "updated_at", now);
  if (g_str_equal (status, "submitted"))
    json_object_set_int_member (e, "submitted_at", now);
  else
    json_object_set_null_member (e, "submitted_at");

  cb_sim_db_begin (cfg->db);
  store_qa_revision (cfg, form_id);
  evaluation_store (cfg, e);
  cb_sim_db_commit (cfg->db);
  *result = result_with ("evaluation", e);
  return TRUE;
}

static gboolean
op_evaluation_update (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                      GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  const char *id = str_member (data, "id");
  gint64 if_rev = cb_sim_server_get_request_if_rev (server);
  JsonNode *set_node = json_object_get_member (data, "set");
  JsonObject *set;
  g_autoptr(JsonObject) e = NULL;
  g_autoptr(JsonObject) form = NULL;
  g_autoptr(GList) names = NULL;
  g_autofree char *old_status = NULL;
  g_autofree char *new_status = NULL;
  JsonNode *comment;

  if (id == NULL)
    return bad_field (cfg, error, "id", "id must be a string");
  if (if_rev < 1)
    return bad_field (cfg, error, "if_rev", "edits of an evaluation need if_rev");
  if (set_node == NULL || !JSON_NODE_HOLDS_OBJECT (set_node))
    return bad_field (cfg, error, "set", "set must be an object of fields");
  set = json_node_get_object (set_node);
  names = json_object_get_members (set);
  for (GList *l = names; l; l = l->next)
    if (!in_list ((const char *[]) { "answers", "comment", "status", NULL }, l->data))
      {
        g_autofree char *field = g_strdup_printf ("set.%s", (char *) l->data);

        return bad_field (cfg, error, field, "%s cannot be set", field);
      }
  new_status = g_strdup (str_member (set, "status"));
  if (json_object_has_member (set, "status") && !in_list (evaluation_statuses, new_status))
    return bad_field (cfg, error, "set.status", "status must be draft, submitted, disputed or final");
  comment = json_object_get_member (set, "comment");
  if (comment != NULL && !JSON_NODE_HOLDS_NULL (comment) && !(is_string_node (comment) && strlen (json_node_get_string (comment)) <= 4000))
    return bad_field (cfg, error, "set.comment", "comment must be a string or null");

  e = evaluation_load (cfg, id);
  if (e == NULL)
    return fail (cfg, error, CB_ERROR_NOT_FOUND, "id", id, "no evaluation %s", id);
  form = qa_revision (cfg, str_member (e, "form_id"), int_member (e, "form_rev", 0));
  if (form == NULL)
    return fail (cfg, error, CB_ERROR_INTERNAL, NULL, NULL, "the form revision of evaluation %s is missing", id);
  if (json_object_has_member (set, "answers") && !check_answers (cfg, form, json_object_get_member (set, "answers"), "set.", error))
    return FALSE;
  if (g_strcmp0 (str_member (e, "evaluator_id"), user->id) != 0 && !cb_sim_user_can (user, "qa.forms.write"))
    return fail (cfg, error, CB_ERROR_FORBIDDEN, "permission", "qa.forms.write",
                 "only the evaluator or a holder of qa.forms.write may change an evaluation");
  if (int_member (e, "rev", 0) != if_rev)
    {
      cb_sim_server_set_error_extra (server, NULL, object_node (e));
      return fail (cfg, error, CB_ERROR_CONFLICT, NULL, NULL, "evaluation %s is at rev %" G_GINT64_FORMAT,
                   id, int_member (e, "rev", 0));
    }
  old_status = g_strdup (str_member (e, "status"));
  if (new_status == NULL)
    new_status = g_strdup (old_status);
  if ((g_str_equal (old_status, "submitted") && !in_list ((const char *[]) { "submitted", "disputed", "final", NULL }, new_status))
      || (g_str_equal (old_status, "disputed") && !in_list ((const char *[]) { "disputed", "final", NULL }, new_status))
      || (g_str_equal (old_status, "final") && json_object_get_size (set) > 0)
      || (!g_str_equal (old_status, "draft") && json_object_has_member (set, "answers")))
    return fail (cfg, error, CB_ERROR_INVALID_STATE, "status", old_status,
                 "a %s evaluation cannot become %s or change its answers", old_status, new_status);

  for (GList *l = names; l; l = l->next)
    json_object_set_member (e, l->data, json_node_copy (json_object_get_member (set, l->data)));
  score_evaluation (form, e);
  if (serialized_size (e) > MAX_ENTITY_BYTES - 4096)
    return fail (cfg, error, CB_ERROR_BAD_REQUEST, "reason", "too_large", "the evaluation is too large");
  json_object_set_int_member (e, "rev", int_member (e, "rev", 0) + 1);
  json_object_set_int_member (e, "updated_at", clock_ms (cfg));
  if (g_str_equal (new_status, "submitted") && !g_str_equal (old_status, "submitted"))
    json_object_set_int_member (e, "submitted_at", clock_ms (cfg));
  cb_sim_db_begin (cfg->db);
  evaluation_store (cfg, e);
  cb_sim_db_commit (cfg->db);
  *result = result_with ("evaluation", e);
  return TRUE;
}

static const FilterKey evaluation_filter[] = {
  { "ids", K_STRV }, { "agent_ids", K_STRV }, { "evaluator_ids", K_STRV }, { "form_ids", K_STRV },
  { "call_id", K_STRING }, { "statuses", K_STRV }, { "from", K_INT }, { "to", K_INT }, { NULL }
};
static const SortKey evaluation_sorts[] = {
  { "created_at", "created_at", P_INT }, { "score_pct", "score", P_REAL }, { NULL }
};

static gboolean
op_evaluation_query (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                     GError **error, gpointer user_data)
{
  static const struct { const char *key; const char *expr; } lists[] = {
    { "ids", "id" }, { "agent_ids", "json_extract (json, '$.agent_id')" },
    { "evaluator_ids", "json_extract (json, '$.evaluator_id')" }, { "form_ids", "json_extract (json, '$.form_id')" },
    { "statuses", "json_extract (json, '$.status')" },
  };
  CbSimConfigStore *cfg = user_data;
  Page page;
  Where w;

  if (!page_init (cfg, "evaluation.query", data, evaluation_filter, evaluation_sorts, "-created_at", &page, error))
    {
      page_clear (&page);
      return FALSE;
    }
  if (g_str_equal (page.sort->name, "score_pct") && !page.desc)
    {
      page_clear (&page);
      return bad_field (cfg, error, "sort", "evaluations sort by -created_at, created_at or -score_pct");
    }
  where_init (&w);
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    if (array_member (page.filter, lists[i].key))
      where_in (&w, lists[i].expr, array_member (page.filter, lists[i].key));
  if (str_member (page.filter, "call_id"))
    {
      g_string_append (w.where, " AND json_extract (json, '$.call_id') = ?");
      where_text (&w, str_member (page.filter, "call_id"));
    }
  if (json_object_has_member (page.filter, "from"))
    {
      g_string_append (w.where, " AND created_at >= ?");
      where_int (&w, int_member (page.filter, "from", 0));
    }
  if (json_object_has_member (page.filter, "to"))
    {
      g_string_append (w.where, " AND created_at < ?");
      where_int (&w, int_member (page.filter, "to", 0));
    }
  *result = page_run (cfg, &page, "evaluations", &w);
  where_clear (&w);
  page_clear (&page);
  return TRUE;
}

/* ---- call history (§9.12) ------------------------------------------------------------ */

/**
 * cb_sim_config_store_add_call:
 * @call: an ended call (the whole entity); copied
 *
 * Keeps an ended call for history.query. The history is live state: it is
 * kept in memory (the last HISTORY_MAX calls), not in the database.
 */
void
cb_sim_config_store_add_call (CbSimConfigStore *cfg,
                        JsonObject  *call)
{
  g_return_if_fail (cfg != NULL);

  if (cfg->history->len >= HISTORY_MAX)
    g_ptr_array_remove_range (cfg->history, 0, HISTORY_MAX / 10);
  g_ptr_array_add (cfg->history, object_copy (call));
}

static gboolean
strv_filter_matches (JsonObject *filter,
                     const char *key,
                     JsonObject *call,
                     const char *member)
{
  JsonArray *wanted = array_member (filter, key);

  return wanted == NULL || strv_node_contains (wanted, str_member (call, member));
}

static int
compare_calls (gconstpointer a,
               gconstpointer b)
{
  JsonObject *x = *(JsonObject **) a, *y = *(JsonObject **) b;
  gint64 tx = int_member (x, "created_at", 0), ty = int_member (y, "created_at", 0);

  return tx != ty ? (tx < ty ? -1 : 1) : g_strcmp0 (str_member (x, "id"), str_member (y, "id"));
}

static const FilterKey history_filter[] = {
  { "from", K_INT }, { "to", K_INT }, { "ids", K_STRV }, { "queue_ids", K_STRV }, { "agent_ids", K_STRV },
  { "campaign_ids", K_STRV }, { "directions", K_STRV }, { "channels", K_STRV }, { "dispositions", K_STRV },
  { "customer_number", K_STRING }, { "abandoned", K_BOOL }, { NULL }
};
static const SortKey history_sorts[] = { { "created_at", "created_at", P_INT }, { NULL } };

static gboolean
op_history_query (CbSimServer *server, const CbSimUser *user, JsonObject *data, JsonNode **result,
                  GError **error, gpointer user_data)
{
  CbSimConfigStore *cfg = user_data;
  Page page;
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  gint64 from, to;
  const char *number;
  JsonObject *out;
  JsonArray *items;
  guint start = 0, n = 0;
  gsize bytes = 0;

  if (!page_init (cfg, "history.query", data, history_filter, history_sorts, "-created_at", &page, error))
    {
      page_clear (&page);
      return FALSE;
    }
  if (!json_object_has_member (page.filter, "from") || !json_object_has_member (page.filter, "to"))
    {
      page_clear (&page);
      return bad_field (cfg, error, "filter.from", "filter.from and filter.to are required");
    }
  from = int_member (page.filter, "from", 0);
  to = int_member (page.filter, "to", 0);
  if (to < from || to - from > MAX_HISTORY_SPAN_MS)
    {
      page_clear (&page);
      return bad_field (cfg, error, "filter.to", "filter.to must be after from, at most 31 days later");
    }
  number = str_member (page.filter, "customer_number");

  for (guint i = 0; i < cfg->history->len; i++)
    {
      JsonObject *call = g_ptr_array_index (cfg->history, i);
      gint64 at = int_member (call, "created_at", 0);

      if (at < from || at >= to
          || !strv_filter_matches (page.filter, "ids", call, "id")
          || !strv_filter_matches (page.filter, "queue_ids", call, "queue_id")
          || !strv_filter_matches (page.filter, "agent_ids", call, "agent_id")
          || !strv_filter_matches (page.filter, "campaign_ids", call, "campaign_id")
          || !strv_filter_matches (page.filter, "directions", call, "direction")
          || !strv_filter_matches (page.filter, "channels", call, "channel")
          || !strv_filter_matches (page.filter, "dispositions", call, "disposition")
          || (number && !g_str_has_prefix (str_member (call, "customer_number") ?: "", number))
          || (json_object_has_member (page.filter, "abandoned")
              && json_object_get_boolean_member_with_default (page.filter, "abandoned", FALSE)
                 != json_object_get_boolean_member_with_default (call, "abandoned", FALSE)))
        continue;
      g_ptr_array_add (matches, call);
    }
  g_ptr_array_sort (matches, compare_calls);
  if (page.desc)
    for (guint i = 0; i < matches->len / 2; i++)
      {
        gpointer t = matches->pdata[i];

        matches->pdata[i] = matches->pdata[matches->len - 1 - i];
        matches->pdata[matches->len - 1 - i] = t;
      }
  if (page.has_after)
    while (start < matches->len)
      {
        JsonObject *call = g_ptr_array_index (matches, start);
        gint64 at = int_member (call, "created_at", 0);
        int c = at != page.after_key.i ? (at < page.after_key.i ? -1 : 1)
                                       : g_strcmp0 (str_member (call, "id"), page.after_id);

        if (page.desc ? c < 0 : c > 0)
          break;
        start++;
      }

  out = json_object_new ();
  items = json_array_new ();
  for (guint i = start; i < matches->len && n < page.limit && bytes < MAX_PAGE_BYTES; i++, n++)
    {
      bytes += serialized_size (g_ptr_array_index (matches, i));
      json_array_add_object_element (items, object_copy (g_ptr_array_index (matches, i)));
    }
  json_object_set_array_member (out, "items", items);
  if (start + n < matches->len)
    {
      JsonObject *lastc = g_ptr_array_index (matches, start + n - 1);
      g_autoptr(JsonObject) c = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *text = NULL;
      g_autofree char *cursor = NULL;

      json_object_set_string_member (c, "s", page.signature);
      json_object_set_string_member (c, "i", str_member (lastc, "id"));
      json_object_set_int_member (c, "x", wall_ms () + CURSOR_TTL_MS);
      json_object_set_int_member (c, "k", int_member (lastc, "created_at", 0));
      node = object_node (c);
      text = json_to_string (node, FALSE);
      cursor = g_base64_encode ((const guchar *) text, strlen (text));
      json_object_set_string_member (out, "next_cursor", cursor);
    }
  else
    json_object_set_null_member (out, "next_cursor");
  json_object_set_int_member (out, "total_estimate", matches->len);
  *result = json_node_alloc ();
  json_node_take_object (*result, out);
  page_clear (&page);
  return TRUE;
}

/* ---- the dialer's leads and statistics --------------------------------------------- */

static const char *
engine_disposition (const CbSimLead *el)
{
  switch (el->last_disposition)
    {
    case CB_SIM_DISPOSITION_HUMAN:
      return "NOT_INTERESTED";
    case CB_SIM_DISPOSITION_SALE:
    case CB_SIM_DISPOSITION_NOT_INTERESTED:
    case CB_SIM_DISPOSITION_CALLBACK:
    case CB_SIM_DISPOSITION_DNC:
      return cb_sim_disposition_to_code (el->last_disposition);
    case CB_SIM_DISPOSITION_MACHINE:
      return "machine";
    case CB_SIM_DISPOSITION_BUSY:
      return "busy";
    case CB_SIM_DISPOSITION_NO_ANSWER:
      return "no_answer";
    case CB_SIM_DISPOSITION_INVALID:
      return "failed";
    case CB_SIM_DISPOSITION_DROPPED:
      return "dropped";
    case CB_SIM_DISPOSITION_NONE:
    case CB_SIM_DISPOSITION_RESOLVED:
    case CB_SIM_DISPOSITION_UNRESOLVED:
    case CB_SIM_N_DISPOSITIONS:
    default:
      return NULL;
    }
}

static const char *
engine_status (const CbSimLead *el)
{
  switch (el->status)
    {
    case CB_SIM_LEAD_NEW:
      return "new";
    case CB_SIM_LEAD_DIALING:
      return "dialing";
    case CB_SIM_LEAD_RETRY:
      return "retry";
    case CB_SIM_LEAD_CALLBACK:
      return "callback";
    case CB_SIM_LEAD_DNC:
      return "dnc";
    case CB_SIM_LEAD_DONE:
    default:
      if (el->last_disposition == CB_SIM_DISPOSITION_HUMAN || el->last_disposition == CB_SIM_DISPOSITION_SALE
          || el->last_disposition == CB_SIM_DISPOSITION_NOT_INTERESTED
          || el->last_disposition == CB_SIM_DISPOSITION_CALLBACK)
        return "completed";
      if (el->last_disposition == CB_SIM_DISPOSITION_INVALID)
        return "invalid";
      return "exhausted";
    }
}

static void
set_time_or_null (JsonObject *o,
                  const char *member,
                  gint64      ms)
{
  if (ms > 0)
    json_object_set_int_member (o, member, ms);
  else
    json_object_set_null_member (o, member);
}

/* Writes what the dialer did to the leads since the last flush. */
static void
flush_leads (CbSimConfigStore *cfg)
{
  g_autoptr(GHashTable) lists = NULL;
  GHashTableIter iter;
  const char *id;
  gboolean dnc_added = FALSE;

  if (cfg->engine == NULL || g_hash_table_size (cfg->dirty_leads) == 0)
    return;

  lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cb_sim_db_begin (cfg->db);
  g_hash_table_iter_init (&iter, cfg->dirty_leads);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    {
      const CbSimLead *el = cb_sim_engine_get_lead (cfg->engine, id);
      g_autoptr(JsonObject) lead = el ? lead_load (cfg, id) : NULL;
      const char *disposition;

      if (lead == NULL)
        continue;
      /* A person who asked not to be called again goes on the internal DNC
       * list (disposition category dnc, §10.12). */
      if (el->status == CB_SIM_LEAD_DNC && el->last_disposition == CB_SIM_DISPOSITION_DNC
          && g_strcmp0 (str_member (lead, "status"), "dnc") != 0
          && lookup (cfg, &types[T_DNC_LIST], "dnc-internal") != NULL)
        {
          JsonArray *phones = array_member (lead, "phone_numbers");
          const char *number = phones && json_array_get_length (phones) > 0
                               ? str_member (json_array_get_object_element (phones, 0), "number") : NULL;
          g_autoptr(JsonObject) entry = number ? dnc_entry_load (cfg, "dnc-internal", number) : NULL;

          if (number != NULL && entry == NULL)
            {
              entry = dnc_entry_new (cfg, "dnc-internal", number, NULL, "agent", NULL, NULL);
              dnc_entry_store (cfg, entry);
              dnc_added = TRUE;
            }
        }
      json_object_set_string_member (lead, "status", engine_status (el));
      json_object_set_int_member (lead, "attempts", el->attempts);
      set_time_or_null (lead, "last_attempt_at", el->last_attempt_ms);
      disposition = engine_disposition (el);
      if (disposition)
        json_object_set_string_member (lead, "last_disposition", disposition);
      if (el->status == CB_SIM_LEAD_RETRY || el->status == CB_SIM_LEAD_CALLBACK)
        json_object_set_int_member (lead, "next_attempt_at", el->next_attempt_ms);
      else
        json_object_set_null_member (lead, "next_attempt_at");
      if (el->status == CB_SIM_LEAD_CALLBACK)
        {
          JsonObject *cb = json_object_new ();

          json_object_set_int_member (cb, "at", el->next_attempt_ms);
          json_object_set_null_member (cb, "agent_id");
          json_object_set_object_member (lead, "callback", cb);
        }
      else
        json_object_set_null_member (lead, "callback");
      json_object_set_int_member (lead, "rev", int_member (lead, "rev", 0) + 1);
      json_object_set_int_member (lead, "updated_at", cb_sim_engine_get_now (cfg->engine));
      lead_store (cfg, lead);
      g_hash_table_add (lists, g_strdup (str_member (lead, "list_id")));
    }
  g_hash_table_remove_all (cfg->dirty_leads);
  g_hash_table_iter_init (&iter, lists);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    refresh_lead_list (cfg, id);
  if (dnc_added)
    refresh_dnc_list (cfg, "dnc-internal");
  cb_sim_db_commit (cfg->db);
}

/* Statistics at most once a second (§4.5); a running campaign without
 * dialable leads is completed. */
static void
flush_campaigns (CbSimConfigStore *cfg)
{
  g_autoptr(GPtrArray) campaigns = list_of (cfg, &types[T_CAMPAIGN]);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < campaigns->len; i++)
    {
      const CbSimEntity *c = g_ptr_array_index (campaigns, i);

      if (g_hash_table_contains (cfg->dirty_campaigns, c->id) || engine_campaign (cfg, c->id) == NULL)
        g_ptr_array_add (ids, g_strdup (c->id));
    }
  g_hash_table_remove_all (cfg->dirty_campaigns);

  cb_sim_db_begin (cfg->db);
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      const CbSimEntity *c = lookup (cfg, &types[T_CAMPAIGN], id);
      g_autoptr(JsonObject) o = c ? object_copy (c->data) : NULL;
      JsonObject *stats;
      gboolean config_change = FALSE;

      if (o == NULL)
        continue;
      campaign_derive (cfg, id, o);
      stats = json_object_get_object_member (o, "stats");
      /* Lists without leads (or none active) wait for leads instead. */
      if (g_strcmp0 (str_member (o, "status"), "running") == 0 && int_member (stats, "leads_dialable", 1) == 0
          && int_member (stats, "leads_total", 0) > 0 && int_member (stats, "lines_in_use", 0) == 0)
        {
          json_object_set_string_member (o, "status", "completed");
          json_object_set_int_member (o, "updated_at", clock_ms (cfg));
          campaign_to_engine (cfg, id, o);
          config_change = TRUE;
        }
      /* An unbound campaign's stats move only with its leads: publish
       * nothing when they are the same but for stats_at. */
      if (engine_campaign (cfg, id) == NULL && !config_change)
        {
          JsonNode *old = json_object_get_member (c->data, "stats");

          if (old && JSON_NODE_HOLDS_OBJECT (old))
            json_object_set_int_member (stats, "stats_at",
                                        int_member (json_node_get_object (old), "stats_at", 0));
        }
      publish (cfg, &types[T_CAMPAIGN], id, o, config_change);
    }
  cb_sim_db_commit (cfg->db);
}

/**
 * cb_sim_config_store_flush:
 *
 * Publishes what the dialer changed (leads, campaign statistics) now;
 * otherwise it happens once a second.
 */
void
cb_sim_config_store_flush (CbSimConfigStore *cfg)
{
  g_return_if_fail (cfg != NULL);

  flush_leads (cfg);
  flush_campaigns (cfg);
}

static gboolean
on_flush (gpointer user_data)
{
  cb_sim_config_store_flush (user_data);
  sweep_uploads (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_engine_change (CbSimEngine     *engine,
                  CbSimChangeKind  kind,
                  CbSimEntityType  type,
                  const char      *id,
                  gpointer         user_data)
{
  CbSimConfigStore *cfg = user_data;

  if (type == CB_SIM_ENTITY_LEAD)
    g_hash_table_add (cfg->dirty_leads, g_strdup (id));
  else if (type == CB_SIM_ENTITY_CAMPAIGN)
    g_hash_table_add (cfg->dirty_campaigns, g_strdup (id));
}

/* ---- seed data: a plausible contact center, the same under the same seed ------------ */

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert (node != NULL && JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* Creates an entity from JSON written here (so it is valid), with id. */
static void
seed_entity (CbSimConfigStore *cfg,
             TypeKind          kind,
             const char       *id,
             const char       *json)
{
  const TypeInfo *info = &types[kind];
  g_autoptr(JsonObject) in = parse_object (json);
  g_autoptr(JsonObject) o = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *status = g_strdup (str_member (in, "status"));
  gboolean read_only = json_object_get_boolean_member_with_default (in, "x_read_only", FALSE);
  gint64 now = clock_ms (cfg);

  json_object_remove_member (in, "status");
  json_object_remove_member (in, "x_read_only");
  if (!validate_object (cfg, info, in, TRUE, o, "", &error))
    g_error ("seed %s %s: %s", info->type, id, error->message);
  if (status != NULL)
    json_object_set_string_member (o, "status", status);
  switch (kind)
    {
    case T_CAMPAIGN:
      if (!json_object_has_member (o, "status"))
        json_object_set_string_member (o, "status", "draft");
      set_created (o, now);
      set_time_or_null (o, "started_at", g_strcmp0 (str_member (o, "status"), "draft") ? now : 0);
      campaign_derive (cfg, id, o);
      break;
    case T_LEAD_LIST:
      set_created (o, now);
      lead_list_derive (cfg, id, o);
      break;
    case T_DNC_LIST:
      json_object_set_boolean_member (o, "read_only", read_only);
      json_object_set_int_member (o, "entry_count", 0);
      json_object_set_int_member (o, "updated_at", now);
      break;
    case T_RULE_SET:
    case T_QA_FORM:
      set_created (o, now);
      break;
    case T_DISPOSITION:
    case T_PAUSE_REASON:
    case N_TYPES:
    default:
      break;
    }
  publish (cfg, info, id, o, TRUE);
  if (kind == T_QA_FORM)
    store_qa_revision (cfg, id);
}

static const char * const seed_first[] = { "Dana", "Lee", "Ana", "Bo", "Kadri", "Jaan", "Maria", "Piotr", "Olena",
                                           "Ivan", "Marta", "Toomas", "Eva", "Luka", "Sara", "Noah" };
static const char * const seed_last[] = { "Ortiz", "Park", "Ruiz", "Chen", "Kask", "Tamm", "Novak", "Kowalski",
                                          "Koval", "Horvat", "Saar", "Nowak", "Kovac", "Miller", "Smith", "Lee" };
static const char * const seed_zones[] = { "America/Chicago", "America/New_York", "America/Denver",
                                           "America/Los_Angeles" };

static void
seed_lead (CbSimConfigStore *cfg,
           CbSimRandom      *rng,
           const char       *list_id,
           const char       *id,
           const char       *number,
           const char       *country,
           const char       *time_zone)
{
  g_autoptr(JsonObject) lead = json_object_new ();
  JsonArray *phones = json_array_new ();
  JsonObject *phone = json_object_new ();
  JsonObject *custom = json_object_new ();
  gint64 now = clock_ms (cfg);
  g_autofree char *account = g_strdup_printf ("A-%05u", cb_sim_random_below (rng, 100000));

  json_object_set_string_member (phone, "number", number);
  json_object_set_string_member (phone, "type", cb_sim_random_chance (rng, 0.7) ? "mobile" : "home");
  json_array_add_object_element (phones, phone);
  json_object_set_string_member (lead, "id", id);
  json_object_set_int_member (lead, "rev", 1);
  json_object_set_string_member (lead, "list_id", list_id);
  json_object_set_array_member (lead, "phone_numbers", phones);
  json_object_set_string_member (lead, "first_name", seed_first[cb_sim_random_below (rng, G_N_ELEMENTS (seed_first))]);
  json_object_set_string_member (lead, "last_name", seed_last[cb_sim_random_below (rng, G_N_ELEMENTS (seed_last))]);
  if (time_zone)
    json_object_set_string_member (lead, "time_zone", time_zone);
  else
    json_object_set_null_member (lead, "time_zone");
  json_object_set_string_member (lead, "country", country);
  json_object_set_string_member (custom, "account_no", account);
  json_object_set_int_member (custom, "balance", cb_sim_random_below (rng, 5000));
  json_object_set_object_member (lead, "custom", custom);
  json_object_set_string_member (lead, "status", "new");
  json_object_set_int_member (lead, "attempts", 0);
  json_object_set_null_member (lead, "last_attempt_at");
  json_object_set_null_member (lead, "last_disposition");
  json_object_set_null_member (lead, "next_attempt_at");
  json_object_set_null_member (lead, "callback");
  json_object_set_int_member (lead, "created_at", now);
  json_object_set_int_member (lead, "updated_at", now);
  lead_store (cfg, lead);
}

static void
seed_dnc (CbSimConfigStore *cfg,
          const char       *list_id,
          const char       *number,
          const char       *source)
{
  g_autoptr(JsonObject) entry = NULL;

  if ((entry = dnc_entry_load (cfg, list_id, number)) != NULL)
    return;
  entry = dnc_entry_new (cfg, list_id, number, NULL, source, NULL, NULL);
  dnc_entry_store (cfg, entry);
}

#define LIST_FIELDS "\"custom_fields\":[{\"key\":\"account_no\",\"label\":\"Account\",\"type\":\"string\"}," \
                    "{\"key\":\"balance\",\"label\":\"Balance\",\"type\":\"number\"}]"

static const char seed_qa_form[] =
  "{\"name\":\"Call quality\",\"description\":\"Standard evaluation of a customer call\",\"active\":true,"
  "\"passing_score_pct\":80,\"sections\":["
  "{\"id\":\"greeting\",\"title\":\"Greeting\",\"weight\":1,\"questions\":["
  "{\"id\":\"q-name\",\"text\":\"Gave their name and the company's\",\"kind\":\"yes_no\",\"options\":[],"
  "\"scale_max\":null,\"max_points\":2,\"critical\":false,\"auto_fail\":false,\"na_allowed\":false},"
  "{\"id\":\"q-recording\",\"text\":\"Announced the recording\",\"kind\":\"yes_no\",\"options\":[],"
  "\"scale_max\":null,\"max_points\":1,\"critical\":false,\"auto_fail\":true,\"na_allowed\":false}]},"
  "{\"id\":\"handling\",\"title\":\"Handling\",\"weight\":2,\"questions\":["
  "{\"id\":\"q-empathy\",\"text\":\"Empathy\",\"kind\":\"scale\",\"options\":[],\"scale_max\":5,"
  "\"max_points\":5,\"critical\":false,\"auto_fail\":false,\"na_allowed\":false},"
  "{\"id\":\"q-resolution\",\"text\":\"Resolution\",\"kind\":\"choice\",\"options\":["
  "{\"value\":\"full\",\"label\":\"Resolved\",\"points\":4},{\"value\":\"partial\",\"label\":\"Partly\",\"points\":2},"
  "{\"value\":\"none\",\"label\":\"Not resolved\",\"points\":0}],\"scale_max\":null,\"max_points\":4,"
  "\"critical\":true,\"auto_fail\":false,\"na_allowed\":true},"
  "{\"id\":\"q-notes\",\"text\":\"Notes\",\"kind\":\"text\",\"options\":[],\"scale_max\":null,"
  "\"max_points\":0,\"critical\":false,\"auto_fail\":false,\"na_allowed\":true}]}]}";

static void
seed_demo (CbSimConfigStore *cfg)
{
  CbSimRandom rng;
  guint n_campaigns = cfg->engine ? cb_sim_engine_get_n_campaigns (cfg->engine) : 2;
  g_autoptr(GPtrArray) pause_reasons = cb_sim_state_list (cfg->state, "catalogs");
  static const char * const dispositions[][2] = {
    { "SALE", "{\"label\":\"Sale\",\"category\":\"success\",\"final\":true,\"sort_order\":1}" },
    { "NOT_INTERESTED", "{\"label\":\"Not interested\",\"category\":\"contact\",\"final\":true,\"sort_order\":2}" },
    { "CALLBACK", "{\"label\":\"Call back\",\"category\":\"callback\",\"final\":false,\"sort_order\":3}" },
    { "DNC", "{\"label\":\"Do not call\",\"category\":\"dnc\",\"final\":true,\"sort_order\":4}" },
    { "WRONG_NUMBER", "{\"label\":\"Wrong number\",\"category\":\"no_contact\",\"final\":true,\"sort_order\":5}" },
    { "LEFT_MESSAGE", "{\"label\":\"Left a message\",\"category\":\"no_contact\",\"final\":false,\"sort_order\":6}" },
    { "RESOLVED", "{\"label\":\"Resolved\",\"category\":\"success\",\"final\":true,\"sort_order\":7}" },
    { "UNRESOLVED", "{\"label\":\"Not resolved\",\"category\":\"contact\",\"final\":false,\"sort_order\":8}" },
  };

  cb_sim_random_init (&rng, cfg->seed ^ G_GUINT64_CONSTANT (0x5eed0c0f16));
  cb_sim_db_begin (cfg->db);

  for (guint i = 0; i < G_N_ELEMENTS (dispositions); i++)
    seed_entity (cfg, T_DISPOSITION, dispositions[i][0], dispositions[i][1]);
  /* The engine's pause reasons, as the world published them, become ours. */
  for (guint i = 0; i < pause_reasons->len; i++)
    {
      const CbSimEntity *e = g_ptr_array_index (pause_reasons, i);

      if (g_str_equal (e->type, "pause_reason"))
        {
          set_config_rev (cfg, e->type, e->id, e->rev);
          cb_sim_db_put_entity (cfg->db, e->type, e->id, e->rev, e->data);
        }
    }
  if (cb_sim_state_lookup (cfg->state, "pause_reason", "BREAK") == NULL)
    {
      seed_entity (cfg, T_PAUSE_REASON, "BREAK", "{\"label\":\"Break\",\"paid\":true,\"max_duration_s\":900,\"sort_order\":1}");
      seed_entity (cfg, T_PAUSE_REASON, "LUNCH", "{\"label\":\"Lunch\",\"paid\":false,\"max_duration_s\":2700,\"sort_order\":2}");
      seed_entity (cfg, T_PAUSE_REASON, "COACHING", "{\"label\":\"Coaching\",\"paid\":true,\"max_duration_s\":1800,\"sort_order\":3}");
    }

  seed_entity (cfg, T_DNC_LIST, "dnc-internal",
               "{\"name\":\"Internal DNC\",\"description\":\"Customers who asked us not to call\",\"kind\":\"internal\"}");
  seed_entity (cfg, T_DNC_LIST, "dnc-national-us",
               "{\"name\":\"US National DNC Registry\",\"description\":\"Imported from the FTC registry\","
               "\"kind\":\"national\",\"x_read_only\":true}");
  for (guint i = 0; i < 400; i++)
    {
      g_autofree char *number = g_strdup_printf ("+1%03u555%04u", 201 + cb_sim_random_below (&rng, 700),
                                                 cb_sim_random_below (&rng, 10000));

      seed_dnc (cfg, "dnc-national-us", number, "registry");
    }

  seed_entity (cfg, T_RULE_SET, "rs-us-tsr",
               "{\"name\":\"US TSR\",\"description\":\"FTC TSR + TCPA defaults\","
               "\"calling_windows\":[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"],"
               "\"start\":\"08:00\",\"end\":\"21:00\"}],\"exclude_dates\":[\"2026-12-25\",\"2027-01-01\"],"
               "\"unknown_time_zone\":\"block\",\"max_attempts\":[{\"window_h\":24,\"max\":3,\"scope\":\"lead\"},"
               "{\"window_h\":168,\"max\":7,\"scope\":\"number\"}],\"dnc_list_ids\":[\"dnc-internal\",\"dnc-national-us\"],"
               "\"drop_rate\":{\"cap_pct\":3.0,\"method\":\"us\"},\"max_connect_delay_s\":2,\"abandon_message\":true,"
               "\"min_ring_s\":15,\"recording_consent\":\"announce\"}");
  seed_entity (cfg, T_RULE_SET, "rs-eu",
               "{\"name\":\"EU consumer calls\",\"description\":\"Weekday daytime, Ofcom-style drop rate, opt-in recording\","
               "\"calling_windows\":[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"],\"start\":\"09:00\",\"end\":\"20:00\"},"
               "{\"days\":[\"sat\"],\"start\":\"10:00\",\"end\":\"14:00\"}],\"exclude_dates\":[\"2026-12-24\",\"2026-12-25\",\"2026-12-26\"],"
               "\"unknown_time_zone\":\"list_default\",\"max_attempts\":[{\"window_h\":24,\"max\":2,\"scope\":\"lead\"}],"
               "\"dnc_list_ids\":[\"dnc-internal\"],\"drop_rate\":{\"cap_pct\":3.0,\"method\":\"uk\"},"
               "\"max_connect_delay_s\":2,\"abandon_message\":true,\"min_ring_s\":15,\"recording_consent\":\"opt_in\"}");

  for (guint c = 0; c < n_campaigns; c++)
    {
      const CbSimCampaign *ec = cfg->engine ? cb_sim_engine_get_campaign_nth (cfg->engine, c) : NULL;
      g_autofree char *campaign_id = ec ? g_strdup (ec->id) : g_strdup_printf ("cmp-%02u", c + 1);
      g_autofree char *list_id = g_strdup_printf ("ll-%s", campaign_id);
      g_autofree char *campaign_name = ec ? g_strdup (ec->name) : cb_sim_names_campaign (c);
      g_autofree char *list_json = NULL;
      g_autofree char *campaign_json = NULL;
      g_autoptr(GString) retry = g_string_new ("[");
      const CbSimCampaignConfig *ecc = cfg->engine ? &cb_sim_engine_get_config (cfg->engine)->campaign : NULL;
      gboolean us = c % 2 == 0;
      guint n_leads = ec ? ec->n_leads : 2000;
      const char *status = c == 0 ? "running" : c == 1 ? "paused" : "draft";
      char number[CB_SIM_NUMBER_SIZE];

      list_json = g_strdup_printf ("{\"name\":\"%s leads\",\"description\":\"Leads of %s\",\"default_time_zone\":%s,"
                                   "\"country\":null," LIST_FIELDS ",\"active\":true}",
                                   campaign_name, campaign_name, us ? "\"America/Chicago\"" : "\"Europe/Tallinn\"");
      seed_entity (cfg, T_LEAD_LIST, list_id, list_json);
      for (guint l = 0; l < n_leads; l++)
        {
          const CbSimLead *el = ec ? cb_sim_engine_get_campaign_lead (cfg->engine, ec, l) : NULL;
          g_autofree char *lead_id = el ? g_strdup (el->id) : g_strdup_printf ("ld-%s-%06u", campaign_id, l + 1);

          if (el == NULL)
            g_snprintf (number, sizeof number, "+1%03u%07u", 512 + c, 5550000 + l);
          seed_lead (cfg, &rng, list_id, lead_id, el ? el->phone : number, el ? el->country : "US",
                     el ? el->time_zone : seed_zones[l % G_N_ELEMENTS (seed_zones)]);
          /* Some customers asked not to be called again. */
          if (l % 97 == 13)
            seed_dnc (cfg, "dnc-internal", el ? el->phone : number, "agent");
        }

      for (guint k = 0; retry_pseudo[k]; k++)
        {
          CbSimDisposition d = pseudo_disposition (retry_pseudo[k]);
          gint64 delay_s = ecc ? ecc->retry[d].delay_ms / 1000 : 3600;
          guint max = ecc ? ecc->retry[d].max_attempts : 3;

          g_string_append_printf (retry, "%s{\"disposition\":\"%s\",\"delay_s\":%" G_GINT64_FORMAT ",\"max_attempts\":%u}",
                                  k ? "," : "", retry_pseudo[k], delay_s, max);
        }
      g_string_append (retry, ",{\"disposition\":\"CALLBACK\",\"delay_s\":0,\"max_attempts\":8}]");

      campaign_json = g_strdup_printf (
        "{\"name\":\"%s\",\"description\":\"Outbound campaign %u of the demo\",\"status\":\"%s\","
        "\"dial_mode\":\"%s\",\"dial_level\":%.1f,\"max_abandon_pct\":%.1f,\"ring_timeout_s\":25,\"amd\":true,"
        "\"lead_lists\":[{\"list_id\":\"%s\",\"priority\":10}],\"team_ids\":[],\"queue_id\":null,"
        "\"schedule\":{\"time_zone\":\"%s\",\"windows\":[{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"],"
        "\"start\":\"00:00\",\"end\":\"24:00\"}],\"start_date\":null,\"end_date\":null,\"exclude_dates\":[]},"
        "\"retry_rules\":%s,\"default_retry\":{\"delay_s\":86400,\"max_attempts\":3},"
        "\"caller_id\":\"%s\",\"caller_id_name\":\"Callboard Demo\",\"rule_set_id\":\"%s\",\"disposition_ids\":[]}",
        campaign_name, c + 1, status, ec ? cb_sim_dial_mode_to_string (ec->dial_mode) : (c == 0 ? "predictive" : "progressive"),
        ec ? ec->dial_level : 2.0, ec ? MIN (ec->max_abandon_pct, 3.0) : 2.5, list_id,
        us ? "America/Chicago" : "Europe/Tallinn", retry->str,
        ec && valid_e164 (ec->caller_id) ? ec->caller_id : "+15125550100", us ? "rs-us-tsr" : "rs-eu");
      seed_entity (cfg, T_CAMPAIGN, campaign_id, campaign_json);
      refresh_lead_list (cfg, list_id);
    }

  seed_entity (cfg, T_LEAD_LIST, "ll-web-leads",
               "{\"name\":\"Web leads\",\"description\":\"Sign-ups from the website, not yet in a campaign\","
               "\"default_time_zone\":null,\"country\":\"US\"," LIST_FIELDS ",\"active\":true}");
  for (guint l = 0; l < 300; l++)
    {
      g_autofree char *lead_id = g_strdup_printf ("ld-web-%06u", l + 1);
      char number[CB_SIM_NUMBER_SIZE];

      g_snprintf (number, sizeof number, "+1737%07u", 2000000 + l * 7);
      seed_lead (cfg, &rng, "ll-web-leads", lead_id, number, "US", NULL);
    }
  refresh_lead_list (cfg, "ll-web-leads");
  refresh_dnc_list (cfg, "dnc-internal");
  refresh_dnc_list (cfg, "dnc-national-us");
  seed_entity (cfg, T_QA_FORM, "qaf-call-quality", seed_qa_form);

  cb_sim_db_set_meta_int (cfg->db, "seeded", 1);
  cb_sim_db_commit (cfg->db);
}

/* Publishes what the database holds, with the revs it had. */
static void
load (CbSimConfigStore *cfg)
{
  sqlite3_stmt *stmt = cb_sim_db_prepare (cfg->db, "SELECT type, id, rev, json FROM entities ORDER BY rev");

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const TypeInfo *info = type_info ((const char *) sqlite3_column_text (stmt, 0));
      const char *id = (const char *) sqlite3_column_text (stmt, 1);
      g_autoptr(JsonObject) o = cb_sim_db_column_json (stmt, 3);
      gint64 rev;

      if (info == NULL || o == NULL)
        continue;
      rev = cb_sim_state_upsert_at_rev (cfg->state, info->topic, info->type, id, o, clock_ms (cfg),
                                        sqlite3_column_int64 (stmt, 2));
      set_config_rev (cfg, info->type, id, rev);
    }
  sqlite3_reset (stmt);
}

/* Puts the dialer where the database says the leads and campaigns are. */
static void
restore_engine (CbSimConfigStore *cfg)
{
  g_autoptr(GPtrArray) campaigns = list_of (cfg, &types[T_CAMPAIGN]);
  sqlite3_stmt *stmt;

  /* Leads first: a campaign's settings make the dialer pace, and it would
   * dial leads it still takes for new. */
  stmt = cb_sim_db_prepare (cfg->db, "SELECT json FROM leads WHERE status != 'new' "
                                     "OR json_extract (json, '$.attempts') > 0");
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonObject) lead = cb_sim_db_column_json (stmt, 0);

      if (lead == NULL)
        continue;
      /* A dial that was going on when the sim stopped: due again now. */
      if (g_strcmp0 (str_member (lead, "status"), "dialing") == 0)
        {
          json_object_set_string_member (lead, "status", "retry");
          json_object_set_int_member (lead, "next_attempt_at", cb_sim_engine_get_now (cfg->engine));
        }
      lead_to_engine (cfg, lead);
      g_hash_table_remove (cfg->dirty_leads, str_member (lead, "id"));
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < campaigns->len; i++)
    {
      const CbSimEntity *c = g_ptr_array_index (campaigns, i);

      campaign_to_engine (cfg, c->id, c->data);
    }
  /* A simulated campaign nobody configured (more --campaigns than the
   * database was seeded with, or one deleted) does not dial. */
  for (guint i = 0; i < cb_sim_engine_get_n_campaigns (cfg->engine); i++)
    {
      const CbSimCampaign *ec = cb_sim_engine_get_campaign_nth (cfg->engine, i);

      if (lookup (cfg, &types[T_CAMPAIGN], ec->id) == NULL)
        cb_sim_engine_stop_campaign (cfg->engine, ec->id);
    }
}

/* ---- the object ------------------------------------------------------------------- */

static void
add_config_ops (CbSimConfigStore *cfg,
                TypeKind          kind,
                const char       *name)
{
  OpBinding *binding = g_new0 (OpBinding, 1);
  g_autofree char *create = g_strdup_printf ("%s.create", name);
  g_autofree char *update = g_strdup_printf ("%s.update", name);
  g_autofree char *delete = g_strdup_printf ("%s.delete", name);

  binding->cfg = cfg;
  binding->info = &types[kind];
  g_ptr_array_add (cfg->bindings, binding);
  cb_sim_server_add_op (cfg->server, create, types[kind].write_perm, FALSE, op_create, binding);
  cb_sim_server_add_op (cfg->server, update, types[kind].write_perm, FALSE, op_update, binding);
  cb_sim_server_add_op (cfg->server, delete, types[kind].write_perm, FALSE, op_delete, binding);
}

/**
 * cb_sim_config_store_new:
 * @db: the database, seeded here on first use; must outlive the config
 * @engine: (nullable): the simulation, for campaigns it dials
 * @seed: the seed of the demo data
 *
 * Loads (or seeds) the configuration state, publishes it into @state and
 * registers its ops and features with @server. Call it after the world
 * has published its own catalogs.
 */
CbSimConfigStore *
cb_sim_config_store_new (CbSimState  *state,
                   CbSimServer *server,
                   CbSimDb     *db,
                   CbSimEngine *engine,
                   guint64      seed)
{
  CbSimConfigStore *cfg = g_new0 (CbSimConfigStore, 1);

  cfg->state = state;
  cfg->server = server;
  cfg->db = db;
  cfg->engine = engine ? g_object_ref (engine) : NULL;
  cfg->seed = seed;
  cfg->config_revs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  cfg->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) upload_free);
  cfg->dirty_leads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cfg->dirty_campaigns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cfg->list_owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  cfg->history = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  cfg->bindings = g_ptr_array_new_with_free_func (g_free);

  if (cb_sim_db_get_meta_int (db, "seeded", 0) == 0)
    seed_demo (cfg);
  else
    load (cfg);
  if (cfg->engine != NULL)
    {
      /* Listening first: the campaigns may dial (or skip leads on a DNC
       * list) as soon as they are restored. */
      cb_sim_engine_set_dial_check (cfg->engine, on_dial_check, cfg);
      cfg->engine_listener = cb_sim_engine_add_listener (cfg->engine, on_engine_change, cfg, NULL);
      restore_engine (cfg);
    }
  flush_campaigns (cfg);

  add_config_ops (cfg, T_CAMPAIGN, "campaign");
  cb_sim_server_add_op (server, "campaign.start", "campaigns.control", TRUE, op_campaign_start, cfg);
  cb_sim_server_add_op (server, "campaign.pause", "campaigns.control", TRUE, op_campaign_pause, cfg);
  cb_sim_server_add_op (server, "campaign.stop", "campaigns.control", TRUE, op_campaign_stop, cfg);
  add_config_ops (cfg, T_LEAD_LIST, "lead_list");
  cb_sim_server_add_op (server, "lead.query", "leads.read", FALSE, op_lead_query, cfg);
  cb_sim_server_add_op (server, "lead.update", "leads.write", FALSE, op_lead_update, cfg);
  cb_sim_server_add_op (server, "lead.delete", "leads.write", FALSE, op_lead_delete, cfg);
  cb_sim_server_add_op (server, "lead.upload", "leads.write", FALSE, op_lead_upload, cfg);
  add_config_ops (cfg, T_RULE_SET, "rule_set");
  add_config_ops (cfg, T_DNC_LIST, "dnc_list");
  cb_sim_server_add_op (server, "dnc.query", "compliance.read", FALSE, op_dnc_query, cfg);
  cb_sim_server_add_op (server, "dnc.check", "compliance.read", FALSE, op_dnc_check, cfg);
  cb_sim_server_add_op (server, "dnc.add", "dnc.write", TRUE, op_dnc_add, cfg);
  cb_sim_server_add_op (server, "dnc.remove", "dnc.write", TRUE, op_dnc_remove, cfg);
  cb_sim_server_add_op (server, "dnc.upload", "dnc.write", FALSE, op_dnc_upload, cfg);
  add_config_ops (cfg, T_DISPOSITION, "disposition");
  add_config_ops (cfg, T_PAUSE_REASON, "pause_reason");
  add_config_ops (cfg, T_QA_FORM, "qa_form");
  cb_sim_server_add_op (server, "qa_form.get", "qa.read", FALSE, op_qa_form_get, cfg);
  cb_sim_server_add_op (server, "evaluation.create", "qa.evaluate", FALSE, op_evaluation_create, cfg);
  cb_sim_server_add_op (server, "evaluation.update", "qa.evaluate", FALSE, op_evaluation_update, cfg);
  cb_sim_server_add_op (server, "evaluation.query", "qa.read", FALSE, op_evaluation_query, cfg);
  cb_sim_server_add_op (server, "history.query", "history.read", FALSE, op_history_query, cfg);

  cb_sim_server_add_feature (server, "campaigns");
  cb_sim_server_add_feature (server, "dnc");
  cb_sim_server_add_feature (server, "imports");
  cb_sim_server_add_feature (server, "qa");
  cb_sim_server_add_feature (server, "history");

  cfg->flush_source = g_timeout_add (FLUSH_PERIOD_MS, on_flush, cfg);
  return cfg;
}

void
cb_sim_config_store_free (CbSimConfigStore *cfg)
{
  if (cfg == NULL)
    return;
  g_clear_handle_id (&cfg->flush_source, g_source_remove);
  if (cfg->engine_listener != 0)
    cb_sim_engine_remove_listener (cfg->engine, cfg->engine_listener);
  if (cfg->engine != NULL)
    cb_sim_engine_set_dial_check (cfg->engine, NULL, NULL);
  g_clear_object (&cfg->engine);
  g_clear_pointer (&cfg->config_revs, g_hash_table_unref);
  g_clear_pointer (&cfg->uploads, g_hash_table_unref);
  g_clear_pointer (&cfg->dirty_leads, g_hash_table_unref);
  g_clear_pointer (&cfg->dirty_campaigns, g_hash_table_unref);
  g_clear_pointer (&cfg->list_owners, g_hash_table_unref);
  g_clear_pointer (&cfg->history, g_ptr_array_unref);
  g_clear_pointer (&cfg->bindings, g_ptr_array_unref);
  g_free (cfg);
}
