/* bench-wallboard.c — the wallboard at scale: frame times, event-to-pixel, CPU, RSS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the real wallboard page (floor strip, queue and campaign tiles,
 * interval chart, agent board) in a 1920×1080 window, with the console's
 * style sheet, bound to a CbStore that follows a backend of 2,000 agents,
 * 200 queues and 600 live calls, and feeds it 5,000 events a second (agent
 * transitions of any agent into any state, call updates, queue statistics)
 * for a while; --screenshot=FILE saves what the window showed at the end.
 * It prints:
 *
 * - frame times (goals: p95 ≤ 16.7 ms, p99 ≤ 33 ms), three ways:
 *   the interval between the frame clock's frame times, GDK's own figure
 *   (gdk_frame_clock_get_frame_time (): the time a frame is for, on the
 *   clock's grid of refreshes; a frame that is late moves it on by whole
 *   refreshes), which the goals are judged by;
 *   the interval between frames the frame clock paints while the updates
 *   flow, from the end of one to the end of the next, p50/p95/p99/max;
 *   and the intervals a 60 Hz display would show them at, each frame at
 *   the first refresh of the frame clock's grid after it was drawn (Xvfb
 *   has no refresh: its pixels change when drawn, so the first figure is
 *   what it shows, jitter of the work in each frame included);
 *   and, measured in the same run before the wallboard opens, the floor of
 *   this stack: the intervals of a window that redraws a label every frame
 *   and does nothing else. Without a compositor GDK's frame clock is a
 *   timer of whole milliseconds, so even that window's intervals spread
 *   around 16.7 ms;
 * - the work in a frame (update + layout + paint), p50/p95/p99, and each
 *   of the frame clock's phases in it: update (the widgets' tick
 *   callbacks: the page and the agent board), layout, and paint (snapshot
 *   and render, which under Xvfb is Mesa's software rasterizer);
 * The backend's frames are made before the measurement starts: making
 * them on the main thread would bill the console for the backend's work.
 *
 * - event-to-pixel latency: from handing a batch of events to the store
 *   until the end of the first frame painted after the models had them,
 *   p50/p99, in ms and in frames (goal: within 2 frames);
 * - refreshes of the page (its updates are coalesced to the frame clock);
 * - CPU (user + system, % of one core) and peak RSS.
 *
 * Run it under Xvfb: xvfb-run -a -s "-screen 0 1920x1080x24" bench-wallboard
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/resource.h>

#include "cb-agent-board.h"
#include "cb-application.h"
#include "cb-bench-peer.h"
#include "cb-process.h"
#include "cb-store.h"
#include "cb-ui-types.h"
#include "cb-wallboard-page.h"

static int opt_agents = 2000;
static int opt_queues = 200;
static int opt_calls = 600;
static int opt_rate = 5000;
static int opt_seconds = 10;
static gboolean opt_no_board = FALSE;
static char *opt_sort = NULL;
static char *opt_screenshot = NULL;

typedef struct
{
  gint64 sent_us;
  guint64 events;   /* the store's applied count once this chunk is in */
} Chunk;

typedef struct
{
  CbStore  *store;
  GArray   *intervals;    /* gint64 µs between painted frames */
  GArray   *clock_intervals; /* gint64 µs between their frame times */
  gint64    last_clock_time;
  GArray   *presented;    /* gint64 µs between the refreshes that would show them */
  gint64    frame_time;   /* this frame's time on the frame clock's grid */
  gint64    last_shown_us;
  GArray   *work;         /* gint64 µs from update to after-paint */
  GArray   *phases[3];    /* gint64 µs of update, layout and paint */
  gint64    layout_us;    /* when the phases began, this frame */
  gint64    paint_us;
  GArray   *latencies;    /* gint64 µs from injection to pixels */
  GQueue    chunks;       /* Chunk, in flight */
  gint64    last_paint_us;
  gint64    update_us;
  gint64    worst_interval;   /* the longest interval, and that frame's phases */
  gint64    worst_phase[3];
  gboolean  measuring;
} Bench;

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *values,
               double  p)
{
  g_autoptr(GArray) sorted = NULL;

  if (values->len == 0)
    return 0;
  sorted = g_array_copy (values);
  g_array_sort (sorted, compare_int64);
  return g_array_index (sorted, gint64, MIN (sorted->len - 1, (guint) (sorted->len * p))) / 1000.0;
}

/* Emission hooks run before every handler, GTK's own among them: so they
 * mark where the layout and the paint phases begin. */
static gboolean
on_layout_begins (GSignalInvocationHint *hint,
                  guint                  n_values,
                  const GValue          *values,
                  gpointer               user_data)
{
  ((Bench *) user_data)->layout_us = g_get_monotonic_time ();
  return TRUE;
}

static gboolean
on_paint_begins (GSignalInvocationHint *hint,
                 guint                  n_values,
                 const GValue          *values,
                 gpointer               user_data)
{
  ((Bench *) user_data)->paint_us = g_get_monotonic_time ();
  return TRUE;
}

static void
on_update (GdkFrameClock *clock,
           Bench         *bench)
{
  bench->update_us = g_get_monotonic_time ();
  bench->frame_time = gdk_frame_clock_get_frame_time (clock);
}

static void
on_after_paint (GdkFrameClock *clock,
                Bench         *bench)
{
  gint64 now = g_get_monotonic_time ();
  guint64 applied = bench->store != NULL ? cb_store_get_events_applied (bench->store) : 0;

  if (!bench->measuring)
    {
      bench->last_paint_us = now;
      bench->last_clock_time = gdk_frame_clock_get_frame_time (clock);
      return;
    }
  {
    gint64 frame_time = gdk_frame_clock_get_frame_time (clock);

    if (bench->last_clock_time > 0)
      {
        gint64 interval = frame_time - bench->last_clock_time;

        g_array_append_val (bench->clock_intervals, interval);
      }
    bench->last_clock_time = frame_time;
  }
  if (bench->last_paint_us > 0)
    {
      gint64 interval = now - bench->last_paint_us;

      g_array_append_val (bench->intervals, interval);
      if (interval > bench->worst_interval && bench->update_us > 0 && bench->layout_us >= bench->update_us
          && bench->paint_us >= bench->layout_us)
        {
          bench->worst_interval = interval;
          bench->worst_phase[0] = bench->layout_us - bench->update_us;
          bench->worst_phase[1] = bench->paint_us - bench->layout_us;
          bench->worst_phase[2] = now - bench->paint_us;
        }
    }
  if (bench->update_us > 0)
    {
      gint64 work = now - bench->update_us;

      g_array_append_val (bench->work, work);
      if (bench->layout_us >= bench->update_us && bench->paint_us >= bench->layout_us)
        {
          gint64 phase[3] = { bench->layout_us - bench->update_us, bench->paint_us - bench->layout_us,
                              now - bench->paint_us };

          for (guint i = 0; i < 3; i++)
            g_array_append_val (bench->phases[i], phase[i]);
        }
    }
  bench->last_paint_us = now;

  /* On a 60 Hz display whose refreshes are the frame clock's ticks, a
   * frame is shown at the first refresh after it was drawn. */
  if (bench->presented != NULL && bench->frame_time > 0)
    {
      gint64 period = 16667;
      gint64 shown = bench->frame_time + MAX (1, (now - bench->frame_time + period - 1) / period) * period;

      if (bench->last_shown_us > 0)
        {
          gint64 interval = shown - bench->last_shown_us;

          g_array_append_val (bench->presented, interval);
        }
      bench->last_shown_us = shown;
    }

  /* Every chunk whose events the models hold is on screen now. */
  while (!g_queue_is_empty (&bench->chunks))
    {
      Chunk *chunk = g_queue_peek_head (&bench->chunks);
      gint64 latency;

      if (chunk->events > applied)
        break;
      latency = now - chunk->sent_us;
      g_array_append_val (bench->latencies, latency);
      g_free (g_queue_pop_head (&bench->chunks));
    }
}

/* The floor: a window whose label changes every frame, nothing more. */
static gboolean
on_floor_tick (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, gdk_frame_clock_get_frame_counter (clock));

  gtk_label_set_label (GTK_LABEL (widget), text);
  return G_SOURCE_CONTINUE;
}

static GArray *
measure_floor (gint64   duration_us,
               GArray **clock_intervals)
{
  /* Its intervals are counted as the wallboard's are (on_after_paint ()). */
  Bench floor = { .intervals = g_array_new (FALSE, FALSE, sizeof (gint64)),
                  .clock_intervals = g_array_new (FALSE, FALSE, sizeof (gint64)), .measuring = TRUE };
  GtkWidget *window = gtk_window_new ();
  GtkWidget *label = gtk_label_new ("0");
  GdkFrameClock *clock;
  gint64 start;
  gulong handler;

  gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
  gtk_window_set_child (GTK_WINDOW (window), label);
  gtk_window_present (GTK_WINDOW (window));
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < 500 * 1000)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  clock = gtk_widget_get_frame_clock (window);
  gtk_widget_add_tick_callback (label, on_floor_tick, NULL, NULL);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &floor);
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < duration_us)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, handler);
  gtk_window_destroy (GTK_WINDOW (window));
  *clock_intervals = floor.clock_intervals;
  return floor.intervals;
}

/* What the measured window showed, to look at. */
static void
save_screenshot (GtkWidget  *window,
                 const char *path)
{
  g_autoptr(GdkTexture) texture = cb_widget_render_texture (window);

  if (texture == NULL || !gdk_texture_save_to_png (texture, path))
    g_printerr ("Could not write %s\n", path);
}

static void
on_opened (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  cb_store_open_finish (CB_STORE (object), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  static const char * const topics[] = { "agents", "queues", "calls", "catalogs", NULL };
  const GOptionEntry entries[] = {
    { "agents", 0, 0, G_OPTION_ARG_INT, &opt_agents, "Agents", "N" },
    { "queues", 0, 0, G_OPTION_ARG_INT, &opt_queues, "Queues", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &opt_rate, "Events per second", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds, "How long to measure", "S" },
    { "no-agent-board", 0, 0, G_OPTION_ARG_NONE, &opt_no_board, "Leave the agent board out", NULL },
    { "sort", 0, 0, G_OPTION_ARG_STRING, &opt_sort, "Sort the agent board by this column (state)", "COLUMN" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &opt_screenshot, "Save what the window showed at the end", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cb-bench-wallboard-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cache.sqlite", NULL);
  CbBenchPeer *peer;
  GtkWidget *window, *page, *board;
  GdkFrameClock *clock;
  Bench bench = { 0 };
  gboolean opened = FALSE;
  guint n_chunks, per_chunk, seq, refreshes;
  guint64 base;
  gint64 start, next, end, planned_ms;
  double cpu0, cpu;
  struct rusage usage;
  g_autoptr(GArray) floor_intervals = NULL;
  g_autoptr(GArray) floor_clock_intervals = NULL;
  g_autoptr(GPtrArray) feed = NULL;

  /* As the console runs: the system malloc, and GTK's cairo renderer on a
   * machine without a GPU (GSK_RENDERER=gl to measure the GL one). */
  cb_process_use_system_malloc (argv);
  cb_application_choose_renderer ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  gtk_init ();
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  {
    /* The console's own style sheet, as AdwApplication loads it: the
     * board is measured with the type and colours it is seen with. */
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/io/github/callboard/Callboard/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  floor_intervals = measure_floor (3 * G_USEC_PER_SEC, &floor_clock_intervals);

  peer = cb_bench_peer_start ((guint) opt_agents, (guint) opt_queues, (guint) opt_calls);
  bench.store = cb_store_new (path);
  cb_store_set_backend (bench.store, cb_bench_peer_get_url (peer), "bench-token-0123456789", NULL);
  cb_store_set_topics (bench.store, topics);
  cb_store_open_async (bench.store, NULL, on_opened, &opened);
  while (!opened)
    g_main_context_iteration (NULL, TRUE);
  cb_store_connect (bench.store);
  while (cb_store_get_state (bench.store) != CB_CONNECTION_LIVE)
    g_main_context_iteration (NULL, TRUE);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
  page = cb_wallboard_page_new ();
  cb_wallboard_page_set_store (CB_WALLBOARD_PAGE (page), bench.store);
  /* The page holds the agent board; leaving it out measures the rest. */
  board = gtk_widget_get_first_child (GTK_WIDGET (cb_wallboard_page_get_agent_board_slot (CB_WALLBOARD_PAGE (page))));
  if (opt_sort != NULL && board != NULL && !cb_agent_board_sort_by (CB_AGENT_BOARD (board), opt_sort, GTK_SORT_ASCENDING))
    g_printerr ("No column %s\n", opt_sort);
  if (opt_no_board && board != NULL)
    gtk_box_remove (cb_wallboard_page_get_agent_board_slot (CB_WALLBOARD_PAGE (page)), board);
  {
    GtkWidget *scroller = gtk_scrolled_window_new ();

    gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), page);
    gtk_window_set_child (GTK_WINDOW (window), scroller);
  }
  gtk_window_present (GTK_WINDOW (window));

  bench.intervals = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.clock_intervals = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.presented = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.work = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < 3; i++)
    bench.phases[i] = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.latencies = g_array_new (FALSE, FALSE, sizeof (gint64));

  /* Settle: mapped, laid out, a few frames painted. */
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < 1500 * 1000)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  clock = gtk_widget_get_frame_clock (window);
  g_assert (clock != NULL);
  g_signal_connect (clock, "update", G_CALLBACK (on_update), &bench);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &bench);
  g_signal_add_emission_hook (g_signal_lookup ("layout", GDK_TYPE_FRAME_CLOCK), 0, on_layout_begins, &bench, NULL);
  g_signal_add_emission_hook (g_signal_lookup ("paint", GDK_TYPE_FRAME_CLOCK), 0, on_paint_begins, &bench, NULL);

  printf ("bench-wallboard: %d agents, %d queues, %d live calls; %d events/s for %d s\n",
          opt_agents, opt_queues, opt_calls, opt_rate, opt_seconds);

  /* Feed: a chunk every 10 ms, as a socket delivers them; made first,
   * each stamped with the time it will be sent at. */
  per_chunk = MAX (1, (guint) opt_rate / 100);
  n_chunks = (guint) opt_seconds * 100;
  seq = 1;
  feed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  planned_ms = g_get_real_time () / 1000 + 3000;
  for (guint i = 0; i < n_chunks; i++)
    {
      g_ptr_array_add (feed, cb_bench_make_events_at (seq, per_chunk, (guint) opt_agents, (guint) opt_queues,
                                                      (guint) opt_calls, planned_ms + i * 10));
      seq += per_chunk;
    }
  while (g_get_real_time () / 1000 < planned_ms)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  refreshes = cb_wallboard_page_get_n_refreshes (CB_WALLBOARD_PAGE (page));
  /* The first interval counted ends at a frame painted while measuring. */
  bench.last_paint_us = 0;
  bench.last_clock_time = 0;
  bench.measuring = TRUE;
  base = cb_store_get_events_applied (bench.store);
  cpu0 = cpu_seconds ();
  start = g_get_monotonic_time ();
  next = start;
  for (guint i = 0; i < n_chunks; i++)
    {
      Chunk *chunk = g_new0 (Chunk, 1);

      chunk->sent_us = g_get_monotonic_time ();
      chunk->events = base + (guint64) (i + 1) * per_chunk;
      g_queue_push_tail (&bench.chunks, chunk);
      cb_store_inject_frames (bench.store, g_ptr_array_index (feed, i));

      next += 10000;
      while (g_get_monotonic_time () < next)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (300);
    }
  end = g_get_monotonic_time ();
  cpu = cpu_seconds () - cpu0;
  /* The last chunks reach the screen. */
  while (!g_queue_is_empty (&bench.chunks) && g_get_monotonic_time () - end < 2 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (300), TRUE);
  bench.measuring = FALSE;

  printf ("renderer: %s\n", g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "GTK's choice");
  printf ("frame times, the frame clock's (between frames' times on its grid): p50 %.1f ms, p95 %.1f ms, "
          "p99 %.1f ms, max %.1f ms (goals p95 ≤ 16.7, p99 ≤ 33); the floor's p95 %.1f ms, p99 %.1f ms\n",
          percentile_ms (bench.clock_intervals, 0.5), percentile_ms (bench.clock_intervals, 0.95),
          percentile_ms (bench.clock_intervals, 0.99), percentile_ms (bench.clock_intervals, 1.0),
          percentile_ms (floor_clock_intervals, 0.95), percentile_ms (floor_clock_intervals, 0.99));
  printf ("frames: %u painted in %.1f s; from the end of one to the end of the next: interval p50 %.1f ms, "
          "p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
          bench.intervals->len + 1, (end - start) / 1e6, percentile_ms (bench.intervals, 0.5),
          percentile_ms (bench.intervals, 0.95), percentile_ms (bench.intervals, 0.99),
          percentile_ms (bench.intervals, 1.0));
  printf ("  as a 60 Hz display would show them (each at the first refresh of the frame clock's grid after it "
          "was drawn): interval p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n",
          percentile_ms (bench.presented, 0.5), percentile_ms (bench.presented, 0.95),
          percentile_ms (bench.presented, 0.99));
  printf ("the floor, a window that only redraws a label: interval p50 %.1f ms, p95 %.1f ms, p99 %.1f ms "
          "(%u frames in 3 s, before the wallboard opened); the wallboard's p95 is %.2f× the floor's\n",
          percentile_ms (floor_intervals, 0.5), percentile_ms (floor_intervals, 0.95),
          percentile_ms (floor_intervals, 0.99), floor_intervals->len + 1,
          percentile_ms (bench.intervals, 0.95) / MAX (0.001, percentile_ms (floor_intervals, 0.95)));
  printf ("work per frame (update → painted): p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n",
          percentile_ms (bench.work, 0.5), percentile_ms (bench.work, 0.95), percentile_ms (bench.work, 0.99));
  printf ("  its phases, p50 / p99: update %.1f / %.1f ms, layout %.1f / %.1f ms, paint %.1f / %.1f ms\n",
          percentile_ms (bench.phases[0], 0.5), percentile_ms (bench.phases[0], 0.99),
          percentile_ms (bench.phases[1], 0.5), percentile_ms (bench.phases[1], 0.99),
          percentile_ms (bench.phases[2], 0.5), percentile_ms (bench.phases[2], 0.99));
  printf ("  the longest interval, %.1f ms, ended a frame of update %.1f ms, layout %.1f ms, paint %.1f ms\n",
          bench.worst_interval / 1000.0, bench.worst_phase[0] / 1000.0, bench.worst_phase[1] / 1000.0,
          bench.worst_phase[2] / 1000.0);
  printf ("event to pixel: p50 %.1f ms (%.1f frames), p99 %.1f ms (%.1f frames) over %u batches "
          "(goal ≤ 2 frames)\n",
          percentile_ms (bench.latencies, 0.5), percentile_ms (bench.latencies, 0.5) / 16.7,
          percentile_ms (bench.latencies, 0.99), percentile_ms (bench.latencies, 0.99) / 16.7,
          bench.latencies->len);
  printf ("page refreshes: %u for %" G_GUINT64_FORMAT " events applied\n",
          cb_wallboard_page_get_n_refreshes (CB_WALLBOARD_PAGE (page)) - refreshes,
          cb_store_get_events_applied (bench.store));
  getrusage (RUSAGE_SELF, &usage);
  printf ("CPU: %.0f %% of one core; peak RSS %ld MiB\n", 100.0 * cpu / ((end - start) / 1e6),
          usage.ru_maxrss / 1024);
  {
    /* 16.7 ms is the 60 Hz refresh, 16.667 ms, rounded. */
    gboolean p95 = percentile_ms (bench.clock_intervals, 0.95) <= 16.7;
    gboolean p99 = percentile_ms (bench.clock_intervals, 0.99) <= 33.0;
    gboolean e2p = percentile_ms (bench.latencies, 0.99) / 16.7 <= 2.0;

    printf ("goals: frame time p95 ≤ 16.7 ms %s, p99 ≤ 33 ms %s; event to pixel p99 ≤ 2 frames %s\n",
            p95 ? "met" : "MISSED", p99 ? "met" : "MISSED", e2p ? "met" : "MISSED");
  }

  if (opt_screenshot != NULL)
    save_screenshot (window, opt_screenshot);
  gtk_window_destroy (GTK_WINDOW (window));
  cb_store_shutdown (bench.store);
  g_object_unref (bench.store);
  cb_bench_peer_stop (peer);
  g_array_unref (bench.intervals);
  g_array_unref (bench.clock_intervals);
  g_array_unref (bench.presented);
  g_array_unref (bench.work);
  for (guint i = 0; i < 3; i++)
    g_array_unref (bench.phases[i]);
  g_array_unref (bench.latencies);
  g_queue_clear_full (&bench.chunks, g_free);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *child = g_build_filename (dir, name, NULL);

        g_remove (child);
      }
    g_rmdir (dir);
  }
  return 0;
}
