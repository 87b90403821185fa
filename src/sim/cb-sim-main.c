/* cb-sim-main.c — callboard-sim, the reference backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Serves a simulated contact center over docs/protocol.md. Started with no
 * arguments it listens on loopback port 8480, makes one user and token per
 * role and prints them. The console's built-in demo starts it with
 * --port=0 --users=- --print-ready: the users come on standard input (so
 * no token is on a command line) and one JSON line on standard output says
 * where it listens. docs/sim.md documents every option.
 */
#define G_LOG_DOMAIN "callboard-sim"

#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

#include "cb-sim-config.h"
#include "cb-sim-server.h"
#include "cb-sim-world.h"

static char *opt_host = NULL;
static int opt_port = 8480;
static char *opt_users = NULL;
static char *opt_tls_cert = NULL;
static char *opt_tls_key = NULL;
static gboolean opt_print_ready = FALSE;
static int opt_heartbeat_ms = 15000;
static int opt_replay_events = 10000;
static int opt_replay_seconds = 300;
static gint64 opt_seed = 1;
static double opt_speed = 1.0;
static int opt_agents = 40;
static int opt_queues = 4;
static int opt_campaigns = 2;
static char *opt_time_zone = NULL;
static gboolean opt_warm_up = FALSE;
static char *opt_db = NULL;
static CbSimFaults faults;

static const GOptionEntry entries[] = {
  { "host", 0, 0, G_OPTION_ARG_STRING, &opt_host, "Address to listen on (default 127.0.0.1; anything else must be asked for)", "ADDR" },
  { "port", 0, 0, G_OPTION_ARG_INT, &opt_port, "Port to listen on; 0 takes a free one (default 8480)", "PORT" },
  { "users", 0, 0, G_OPTION_ARG_FILENAME, &opt_users, "Users and tokens, a key file; - reads it from standard input", "FILE" },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert, "Serve wss:// with this PEM certificate", "FILE" },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key, "The certificate's PEM private key", "FILE" },
  { "print-ready", 0, 0, G_OPTION_ARG_NONE, &opt_print_ready, "Print one JSON line with the URLs once listening", NULL },
  { "heartbeat-ms", 0, 0, G_OPTION_ARG_INT, &opt_heartbeat_ms, "Heartbeat interval (5000–60000, default 15000)", "MS" },
  { "replay-events", 0, 0, G_OPTION_ARG_INT, &opt_replay_events, "Events kept per session for resume (default 10000)", "N" },
  { "replay-seconds", 0, 0, G_OPTION_ARG_INT, &opt_replay_seconds, "How long a detached session can be resumed (default 300)", "S" },
  { "seed", 0, 0, G_OPTION_ARG_INT64, &opt_seed, "Random seed; the same seed gives the same contact center (default 1)", "N" },
  { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &opt_speed, "Simulated seconds per real second (default 1)", "X" },
  { "agents", 0, 0, G_OPTION_ARG_INT, &opt_agents, "Agents (default 40)", "N" },
  { "queues", 0, 0, G_OPTION_ARG_INT, &opt_queues, "Inbound queues (default 4)", "N" },
  { "campaigns", 0, 0, G_OPTION_ARG_INT, &opt_campaigns, "Outbound campaigns (default 2)", "N" },
  { "db", 0, 0, G_OPTION_ARG_FILENAME, &opt_db, "Keep the configuration (campaigns, leads, DNC, rule sets, QA) in this SQLite file; default: in memory for this run", "FILE" },
  { "warm-up", 0, 0, G_OPTION_ARG_NONE, &opt_warm_up, "Live today from local midnight up to now before serving, so the day has its history", NULL },
  { "time-zone", 0, 0, G_OPTION_ARG_STRING, &opt_time_zone, "Where the contact center is (an IANA zone); default: a zone where it is late morning now", "ZONE" },
  { "fault-drop-every", 0, 0, G_OPTION_ARG_INT, &faults.drop_every_s, "Cut every connection every S seconds", "S" },
  { "fault-skip-seq", 0, 0, G_OPTION_ARG_INT, &faults.skip_seq_every, "Skip a seq every N events", "N" },
  { "fault-duplicate", 0, 0, G_OPTION_ARG_INT, &faults.duplicate_every, "Send every Nth event twice", "N" },
  { "fault-reorder", 0, 0, G_OPTION_ARG_INT, &faults.reorder_every, "Swap every Nth event with the next", "N" },
  { "fault-oversize", 0, 0, G_OPTION_ARG_INT, &faults.oversize_every, "Send a message over the client's limit every N events", "N" },
  { "fault-stall-after", 0, 0, G_OPTION_ARG_INT, &faults.stall_after_s, "Stop sending S seconds after welcome", "S" },
  { "fault-expire-token-after", 0, 0, G_OPTION_ARG_INT, &faults.expire_token_after_s, "Close with 4401 S seconds after welcome", "S" },
  { "fault-new-epoch-every", 0, 0, G_OPTION_ARG_INT, &faults.new_epoch_every_s, "Restart the event log every S seconds", "S" },
  { "fault-media-skip-seq", 0, 0, G_OPTION_ARG_INT, &faults.media_skip_seq_every, "On media sockets, skip a frame's seq every N frames", "N" },
  { "fault-event-drift", 0, 0, G_OPTION_ARG_INT, &faults.drift_every, "Every N upserts, send data unlike the entity at that rev", "N" },
  { "fault-no-coalesce", 0, 0, G_OPTION_ARG_INT, &faults.no_coalesce_hz, "Re-publish every queue's statistics N times a second", "N" },
  { "fault-resume-too-old", 0, 0, G_OPTION_ARG_NONE, &faults.resume_too_old, "Resume a cursor older than the replay buffer, replaying only what is left", NULL },
  { NULL }
};

static const struct {
  const char *login;
  const char *name;
  const char *role;
} default_users[] = {
  { "maris", "Maris Tamm", "supervisor" },
  { "katarzyna", "Katarzyna Nowak", "campaign_manager" },
  { "olena", "Olena Koval", "qa" },
  { "admin", "Administrator", "admin" },
};

static gboolean
on_signal (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Ended calls go to the call history (history.query). */
static void
on_ended_call (JsonObject *call,
               gpointer    user_data)
{
  cb_sim_config_store_add_call (user_data, call);
}

static char *
read_stdin (gsize *length)
{
  GString *text = g_string_new (NULL);
  char buffer[4096];
  size_t n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (text, buffer, n);

  *length = text->len;
  return g_string_free (text, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CbSimUsers) users = cb_sim_users_new ();
  g_autoptr(CbSimState) state = cb_sim_state_new ();
  g_autoptr(CbSimServer) server = NULL;
  g_autoptr(CbSimWorld) world = NULL;
  g_autoptr(CbSimDb) db = NULL;
  g_autoptr(CbSimConfigStore) store = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *url = NULL;
  g_autofree char *admin_url = NULL;
  g_autoptr(GPtrArray) list = NULL;
  CbSimWorldConfig config;

  signal (SIGPIPE, SIG_IGN);

  g_option_context_set_summary (context,
                                "The reference backend of the Callboard protocol: a simulated contact\n"
                                "center with inbound queues, agents and outbound campaigns.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("callboard-sim: %s\n", error->message);
      return 2;
    }

  if (opt_heartbeat_ms < 1000 || opt_heartbeat_ms > 60000 || opt_port < 0 || opt_port > 65535
      || opt_agents < 0 || opt_queues < 1 || opt_campaigns < 0 || opt_speed <= 0
      || opt_replay_events < 1000 || opt_replay_seconds < 60)
    {
      g_printerr ("callboard-sim: an option is out of range; see --help\n");
      return 2;
    }

  if (opt_users != NULL)
    {
      g_autofree char *text = NULL;
      gsize length = 0;

      if (g_str_equal (opt_users, "-"))
        text = read_stdin (&length);
      else if (!g_file_get_contents (opt_users, &text, &length, &error))
        {
          g_printerr ("callboard-sim: %s\n", error->message);
          return 1;
        }

      if (!cb_sim_users_load (users, text, length, &error))
        {
          g_printerr ("callboard-sim: users: %s\n", error->message);
          return 1;
        }
      explicit_bzero (text, length);
    }
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (default_users); i++)
        {
          g_autofree char *token = cb_sim_new_token ();

          cb_sim_users_add (users, default_users[i].login, default_users[i].name,
                            default_users[i].role, token);
        }
    }

  if (opt_tls_cert != NULL)
    {
      certificate = g_tls_certificate_new_from_files (opt_tls_cert, opt_tls_key, &error);
      if (certificate == NULL)
        {
          g_printerr ("callboard-sim: %s\n", error->message);
          return 1;
        }
    }

  server = cb_sim_server_new (state, users, "callboard-sim", "Europe/Tallinn");
  cb_sim_server_set_heartbeat (server, (guint) opt_heartbeat_ms);
  cb_sim_server_set_replay (server, (guint) opt_replay_events, (guint) opt_replay_seconds);
  cb_sim_server_set_faults (server, &faults);

  cb_sim_world_config_init (&config);
  config.seed = (guint64) opt_seed;
  config.speed = opt_speed;
  config.n_agents = (guint) opt_agents;
  config.n_queues = (guint) opt_queues;
  config.n_campaigns = (guint) opt_campaigns;
  config.time_zone = opt_time_zone;
  config.warm_up = opt_warm_up;
  if (opt_time_zone != NULL)
    {
      g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (opt_time_zone);

      if (zone == NULL)
        {
          g_printerr ("callboard-sim: unknown time zone “%s”\n", opt_time_zone);
          return 2;
        }
    }
  world = cb_sim_world_new (&config, state, server);
  cb_sim_server_set_time_zone (server, cb_sim_world_get_time_zone (world));

  db = cb_sim_db_open (opt_db, &error);
  if (db == NULL)
    {
      g_printerr ("callboard-sim: %s\n", error->message);
      return 1;
    }
  store = cb_sim_config_store_new (state, server, db, cb_sim_world_get_engine (world), (guint64) opt_seed);
  cb_sim_world_set_ended_call_func (world, on_ended_call, store);
  if (opt_warm_up)
    {
      cb_sim_world_warm_up (world);
      /* The leads and campaign figures of the morning, before the first
       * console takes its snapshot: not a second later. */
      cb_sim_config_store_flush (store);
    }

  if (!cb_sim_server_listen (server, opt_host, (guint) opt_port, certificate, &error))
    {
      g_printerr ("callboard-sim: cannot listen: %s\n", error->message);
      return 1;
    }

  url = cb_sim_server_get_url (server);
  admin_url = cb_sim_server_get_admin_url (server);
  list = cb_sim_users_list (users);

  if (opt_print_ready)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *line = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "url");
      json_builder_add_string_value (b, url);
      json_builder_set_member_name (b, "admin_url");
      json_builder_add_string_value (b, admin_url);
      json_builder_set_member_name (b, "epoch");
      json_builder_add_string_value (b, cb_sim_server_get_epoch (server));
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      line = cb_message_encode (root, NULL);
      g_print ("%s\n", line);
    }
  else
    {
      g_print ("callboard-sim %s: a simulated contact center\n", PACKAGE_VERSION);
      g_print ("  websocket  %s\n", url);
      g_print ("  admin      %s\n", admin_url);
      g_print ("  located in %s\n", cb_sim_world_get_time_zone (world));
      if (opt_users == NULL)
        for (guint i = 0; i < list->len; i++)
          {
            const CbSimUser *user = g_ptr_array_index (list, i);

            g_print ("  %-17s %-10s token %s\n", user->roles[0], user->login, user->token);
          }
    }
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  cb_sim_world_start (world);
  g_main_loop_run (loop);

  cb_sim_world_stop (world);
  cb_sim_server_shutdown (server);
  return 0;
}
