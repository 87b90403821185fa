/* cb-application.c — the Callboard application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns what all windows share: the settings, the backend profiles, the
 * colour scheme. Handles the command line, including --screenshot, which
 * renders one window once it has drawn a frame and exits; tests, the
 * AppStream screenshots and anyone without a desktop use it to look at a page.
 */
#define G_LOG_DOMAIN "cb-application"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-application-private.h"
#include "cb-demo-backend.h"
#include "cb-kiosk-window.h"
#include "cb-media.h"
#include "cb-preferences-window.h"
#include "cb-window.h"

/* Frames to let pass after the first one before taking a screenshot, so
 * that late layout (fonts, icons) has settled. */
#define SCREENSHOT_SETTLE_FRAMES 3
#define SCREENSHOT_RENDER_TRIES  120   /* frames to wait for a laid-out window */
/* How long a screenshot waits for the backend before showing what it has. */
#define SCREENSHOT_CONNECT_WAIT_US (8 * G_USEC_PER_SEC)
#define SCREENSHOT_LIVE_SETTLE_US  (1500 * 1000)

enum {
  PROP_0,
  PROP_CONNECTION_STATE,
  PROP_CONNECTION_DETAIL,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _CbApplication
{
  AdwApplication parent_instance;

  /* owned references */
  GSettings      *settings;
  CbProfileStore *profiles;
  char           *screenshot_path;
  char           *screenshot_section;
  int             screenshot_width;
  int             screenshot_height;
  guint           screenshot_frames;
  guint           screenshot_render_tries;
  gboolean        screenshot_resized;
  gint64          screenshot_started_us;
  gint64          screenshot_live_us;
  int             exit_status;

  CbDemoBackend  *demo;
  CbStore        *store;
  GCancellable   *connecting;
  char           *connection_detail;
  CbConnectionState connection_state;
  gboolean        connect_on_activate;
  gboolean        kiosk;
};

G_DEFINE_FINAL_TYPE (CbApplication, cb_application, ADW_TYPE_APPLICATION)

static const char *
color_scheme_to_string (AdwColorScheme scheme)
{
  switch (scheme)
    {
    case ADW_COLOR_SCHEME_FORCE_LIGHT:
      return "light";
    case ADW_COLOR_SCHEME_FORCE_DARK:
      return "dark";
    case ADW_COLOR_SCHEME_DEFAULT:
    case ADW_COLOR_SCHEME_PREFER_LIGHT:
    case ADW_COLOR_SCHEME_PREFER_DARK:
    default:
      return "system";
    }
}

static void
on_style_changed (CbApplication *self,
                  const char    *key,
                  GSettings     *settings)
{
  g_autofree char *style = g_settings_get_string (settings, "color-scheme");
  AdwStyleManager *manager = adw_style_manager_get_default ();
  AdwColorScheme scheme = ADW_COLOR_SCHEME_DEFAULT;

  if (g_strcmp0 (style, "light") == 0)
    scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_strcmp0 (style, "dark") == 0)
    scheme = ADW_COLOR_SCHEME_FORCE_DARK;

  g_debug ("Colour scheme: %s", color_scheme_to_string (scheme));
  adw_style_manager_set_color_scheme (manager, scheme);
}

static void
set_connection_state (CbApplication     *self,
                      CbConnectionState  state,
                      const char        *detail)
{
  gboolean changed = self->connection_state != state;

  self->connection_state = state;
  if (g_strcmp0 (self->connection_detail, detail) != 0)
    {
      g_free (self->connection_detail);
      self->connection_detail = g_strdup (detail);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_DETAIL]);
    }
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATE]);
}

/* The store says what the data is (live, cached, …) and, when something is
 * wrong, why — translated, for the header's tooltip. */
static void
on_store_state (CbApplication *self,
                GParamSpec    *pspec,
                CbStore       *store)
{
  set_connection_state (self, cb_store_get_state (store), cb_store_get_status_message (store));
}

static void
on_store_opened (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CbApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cb_store_open_finish (CB_STORE (object), result, &error))
    g_debug ("the store did not open: %s", error->message);
}

/* Opens the cache of @profile at once, so its last known state shows
 * while the backend is being reached. */
static void
open_store (CbApplication *self,
            CbProfile     *profile)
{
  g_autofree char *path = cb_store_default_cache_path (cb_profile_get_id (profile));

  self->store = cb_store_new (path);
  g_signal_connect_object (self->store, "notify::state", G_CALLBACK (on_store_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "notify::status-message", G_CALLBACK (on_store_state), self,
                           G_CONNECT_SWAPPED);
  cb_store_open_async (self->store, NULL, on_store_opened, g_object_ref (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

static void
open_connection (CbApplication   *self,
                 const char      *url,
                 const char      *token,
                 GTlsCertificate *trusted)
{
  cb_store_set_backend (self->store, url, token, trusted);
  cb_store_connect (self->store);
}

static void
on_demo_started (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CbApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  CbDemoBackend *demo = CB_DEMO_BACKEND (object);

  if (!cb_demo_backend_start_finish (demo, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_connection_state (self, CB_CONNECTION_OFFLINE, error->message);
      return;
    }

  open_connection (self, cb_demo_backend_get_url (demo), cb_demo_backend_get_token (demo), NULL);
}

static void
on_token_found (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CbApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = cb_profile_store_lookup_token_finish (CB_PROFILE_STORE (object), result, &error);
  CbProfile *profile = cb_profile_store_get_active (CB_PROFILE_STORE (object));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || profile == NULL)
    return;

  if (token == NULL)
    {
      set_connection_state (self, CB_CONNECTION_OFFLINE,
                            _("No token is stored for this backend. Enter one in Preferences."));
      return;
    }

  {
    g_autofree char *pem = cb_profile_store_get_certificate (CB_PROFILE_STORE (object), cb_profile_get_id (profile));
    g_autoptr(GTlsCertificate) trusted = pem ? g_tls_certificate_new_from_pem (pem, -1, NULL) : NULL;

    open_connection (self, cb_profile_get_url (profile), token, trusted);
  }
  explicit_bzero (token, strlen (token));
}

static void
disconnect (CbApplication *self)
{
  g_cancellable_cancel (self->connecting);
  g_clear_object (&self->connecting);
  if (self->store != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->store, self);
      cb_store_shutdown (self->store);
      g_clear_object (&self->store);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
    }
  if (self->demo != NULL)
    cb_demo_backend_stop (self->demo);
}

/* Connects to the active profile: the demo starts its own backend first. */
static void
connect_active (CbApplication *self)
{
  CbProfile *profile = cb_profile_store_get_active (self->profiles);

  disconnect (self);
  self->connecting = g_cancellable_new ();
  set_connection_state (self, CB_CONNECTION_CONNECTING, NULL);
  open_store (self, profile);

  if (cb_profile_is_builtin (profile))
    {
      if (self->demo == NULL)
        self->demo = cb_demo_backend_new ();
      cb_demo_backend_start_async (self->demo, self->connecting, on_demo_started, g_object_ref (self));
    }
  else
    cb_profile_store_lookup_token_async (self->profiles, cb_profile_get_id (profile),
                                         self->connecting, on_token_found, g_object_ref (self));
}

static void
on_active_profile_changed (CbApplication  *self,
                           GParamSpec     *pspec,
                           CbProfileStore *profiles)
{
  if (!self->connect_on_activate)
    connect_active (self);
}

static void
reconnect (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  connect_active (CB_APPLICATION (user_data));
}

/* Returns FALSE when the window has nothing to show yet (it is being laid
 * out again after new data): try on the next frame. */
static gboolean
save_screenshot (CbApplication *self,
                 GtkWidget     *window,
                 gboolean       last_try)
{
  g_autoptr(GdkTexture) texture = cb_widget_render_texture (window);

  if (texture == NULL && !last_try)
    return FALSE;
  if (texture == NULL)
    {
      g_printerr (_("Could not render the window for a screenshot.\n"));
      self->exit_status = 1;
      return TRUE;
    }

  if (!gdk_texture_save_to_png (texture, self->screenshot_path))
    {
      /* Translators: %s is a file name */
      g_printerr (_("Could not write the screenshot to “%s”.\n"), self->screenshot_path);
      self->exit_status = 1;
      return TRUE;
    }

  self->exit_status = 0;
  self->connect_on_activate = TRUE;
  self->connection_state = CB_CONNECTION_OFFLINE;
  return TRUE;
}

static gboolean
on_screenshot_tick (GtkWidget     *window,
                    GdkFrameClock *clock,
                    gpointer       user_data)
{
  CbApplication *self = CB_APPLICATION (user_data);
  int want_width = self->screenshot_width > 0 ? self->screenshot_width : 1280;
  int want_height = self->screenshot_height > 0 ? self->screenshot_height : 800;
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);

  /* The default size includes what the window manager or the client-side
   * frame takes; correct for it once so the PNG has the asked size. */
  if ((width != want_width || height != want_height) && width > 0 && height > 0
      && !self->screenshot_resized)
    {
      int default_width, default_height;

      gtk_window_get_default_size (GTK_WINDOW (window), &default_width, &default_height);
      gtk_window_set_default_size (GTK_WINDOW (window),
                                   default_width + want_width - width,
                                   default_height + want_height - height);
      self->screenshot_resized = TRUE;
      self->screenshot_frames = 0;
      return G_SOURCE_CONTINUE;
    }

  if (++self->screenshot_frames < SCREENSHOT_SETTLE_FRAMES)
    return G_SOURCE_CONTINUE;

  /* Show the console connected when the backend answers in time. */
  if (self->connection_state != CB_CONNECTION_LIVE
      && (self->store == NULL || cb_store_get_phase (self->store) != CB_PHASE_FAILED)
      && g_get_monotonic_time () - self->screenshot_started_us < SCREENSHOT_CONNECT_WAIT_US)
    return G_SOURCE_CONTINUE;

  /* Live: let the pages show it (the day's figures refresh once a second). */
  if (self->connection_state == CB_CONNECTION_LIVE && self->screenshot_live_us == 0)
    self->screenshot_live_us = g_get_monotonic_time ();
  if (self->screenshot_live_us != 0
      && g_get_monotonic_time () - self->screenshot_live_us < SCREENSHOT_LIVE_SETTLE_US
      && g_get_monotonic_time () - self->screenshot_started_us < SCREENSHOT_CONNECT_WAIT_US + SCREENSHOT_LIVE_SETTLE_US)
    return G_SOURCE_CONTINUE;

  if (width != want_width || height != want_height)
    /* Translators: all four are sizes in pixels */
    g_printerr (_("The window could not take the size %d×%d (is the screen smaller?); "
                  "the screenshot is %d×%d.\n"),
                want_width, want_height, width, height);

  if (!save_screenshot (self, window, ++self->screenshot_render_tries >= SCREENSHOT_RENDER_TRIES))
    return G_SOURCE_CONTINUE;
  gtk_window_destroy (GTK_WINDOW (window));
  return G_SOURCE_REMOVE;
}

static void
show_preferences (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  CbApplication *self = CB_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  CbPreferencesWindow *preferences;

  preferences = cb_preferences_window_new (self->settings, self->profiles);
  g_object_bind_property (self, "store", preferences, "store", G_BINDING_SYNC_CREATE);
  /* app.preferences-page "alerts" opens on that page */
  if (parameter != NULL)
    adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences),
                                                  g_variant_get_string (parameter, NULL));
  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
show_about (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  CbApplication *self = CB_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Callboard developers", NULL };
  g_autofree char *media = cb_media_describe ();
  g_autofree char *debug_info = NULL;
  GtkWidget *about;

  debug_info = g_strdup_printf ("Callboard %s (%s)\nGTK %u.%u.%u\nlibadwaita %u.%u.%u\n"
                                "GStreamer: %s\n",
                                PACKAGE_VERSION, APP_ID,
                                gtk_get_major_version (), gtk_get_minor_version (),
                                gtk_get_micro_version (),
                                adw_get_major_version (), adw_get_minor_version (),
                                adw_get_micro_version (),
                                media);

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "application-icon", APP_ID,
                        "application-name", _("Callboard"),
                        "developer-name", _("The Callboard developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Wallboards, live call monitoring, outbound campaigns and "
                                      "quality scoring for contact centers"),
                        "website", "https://github.com/callboard/callboard",
                        "issue-url", "https://github.com/callboard/callboard/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        /* Translators: replace with your names, one per line */
                        "translator-credits", _("translator-credits"),
                        "debug-info", debug_info,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_app (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  GApplication *app = G_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  /* Close the windows so they save their state, then quit. */
  while (windows != NULL)
    {
      GtkWindow *window = windows->data;

      windows = windows->next;
      gtk_window_close (window);
    }
  g_application_quit (app);
}

static void
new_window (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  CbApplication *self = CB_APPLICATION (user_data);
  CbWindow *window = cb_window_new (self);

  gtk_window_present (GTK_WINDOW (window));
}

/* Kiosk mode full screen on the display's monitor number @parameter (from
 * 0), one window per call: a wall of TVs from one connection. */
static void
kiosk_on_monitor (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  CbApplication *self = CB_APPLICATION (user_data);
  GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());
  g_autoptr(GdkMonitor) monitor = NULL;
  int i = g_variant_get_int32 (parameter);

  if (i < 0 || (guint) i >= g_list_model_get_n_items (monitors))
    {
      g_warning ("No monitor %d", i);
      return;
    }

  monitor = g_list_model_get_item (monitors, i);
  gtk_window_present (GTK_WINDOW (cb_kiosk_window_new (self, monitor)));
}

static const GActionEntry app_actions[] = {
  { "preferences", show_preferences },
  { "preferences-page", show_preferences, "s" },
  { "about", show_about },
  { "quit", quit_app },
  { "new-window", new_window },
  { "reconnect", reconnect },
  { "kiosk-on-monitor", kiosk_on_monitor, "i" },
};

static int
cb_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  CbApplication *self = CB_APPLICATION (app);
  const char *size = NULL;

  g_variant_dict_lookup (options, "screenshot", "^ay", &self->screenshot_path);
  g_variant_dict_lookup (options, "section", "s", &self->screenshot_section);
  g_variant_dict_lookup (options, "size", "&s", &size);
  self->kiosk = g_variant_dict_contains (options, "kiosk");

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  if (self->screenshot_section != NULL && !cb_window_section_is_valid (self->screenshot_section)
      && g_strcmp0 (self->screenshot_section, "kiosk") != 0)
    {
      g_autofree char *names = cb_window_list_sections ();

      /* Translators: the first %s is what the user typed, the second a list of section names */
      g_printerr (_("Unknown section “%s”. The sections are: %s.\n"),
                  self->screenshot_section, names);
      return 2;
    }

  if (size != NULL)
    {
      int width = 0, height = 0;
      char end = 0;

      if (sscanf (size, "%dx%d%c", &width, &height, &end) != 2
          || width < 360 || height < 294 || width > 8192 || height > 8192)
        {
          /* Translators: %s is what the user typed after --size= */
          g_printerr (_("“%s” is not a usable size. Give it as WIDTHxHEIGHT, at least 360x294, "
                        "for example 1280x800.\n"), size);
          return 2;
        }
      self->screenshot_width = width;
      self->screenshot_height = height;
    }

  if (self->screenshot_path != NULL)
    {
      /* A screenshot is its own process: never hand it to a running instance. */
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }
  else if (self->screenshot_section != NULL || size != NULL)
    {
      g_printerr (_("--section and --size only apply together with --screenshot.\n"));
      return 2;
    }

  return -1;
}

static void
cb_application_startup (GApplication *app)
{
  CbApplication *self = CB_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };
  static const char *new_window_accels[] = { "<Control>n", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *reconnect_accels[] = { "<Control>r", NULL };

  G_APPLICATION_CLASS (cb_application_parent_class)->startup (app);

  cb_media_init ();

  self->settings = g_settings_new ("io.github.callboard.Callboard");
  self->profiles = cb_profile_store_new (self->settings);

  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (on_style_changed), self, G_CONNECT_SWAPPED);
  on_style_changed (self, "color-scheme", self->settings);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.new-window",
                                         new_window_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.reconnect", reconnect_accels);

  g_signal_connect_object (self->profiles, "notify::active",
                           G_CALLBACK (on_active_profile_changed), self, G_CONNECT_SWAPPED);
}

static void
cb_application_activate (GApplication *app)
{
  CbApplication *self = CB_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window != NULL && self->screenshot_path == NULL)
    {
      gtk_window_present (window);
      return;
    }

  /* --kiosk, or a screenshot of kiosk mode: the kiosk window alone. */
  if (self->kiosk || g_strcmp0 (self->screenshot_section, "kiosk") == 0)
    window = GTK_WINDOW (cb_kiosk_window_new (self, NULL));
  else
    window = GTK_WINDOW (cb_window_new (self));
  self->kiosk = FALSE;

  /* The first window connects; the console has one connection however many
   * windows show it. */
  if (self->connect_on_activate)
    {
      self->connect_on_activate = FALSE;
      connect_active (self);
    }

  if (self->screenshot_path != NULL)
    {
      /* A screenshot shows where things settle, not a transition. */
      g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
      if (CB_IS_WINDOW (window))
        cb_window_set_remember_state (CB_WINDOW (window), FALSE);
      else
        gtk_window_unfullscreen (window);
      gtk_window_unmaximize (window);
      gtk_window_set_default_size (window,
                                   self->screenshot_width > 0 ? self->screenshot_width : 1280,
                                   self->screenshot_height > 0 ? self->screenshot_height : 800);
      if (self->screenshot_section != NULL && CB_IS_WINDOW (window))
        cb_window_show_section (CB_WINDOW (window), self->screenshot_section);
      self->exit_status = 1;
      self->screenshot_started_us = g_get_monotonic_time ();
      gtk_widget_add_tick_callback (GTK_WIDGET (window), on_screenshot_tick, self, NULL);
    }

  gtk_window_present (window);
}

static void
cb_application_shutdown (GApplication *app)
{
  CbApplication *self = CB_APPLICATION (app);

  disconnect (self);
  g_clear_object (&self->demo);

  G_APPLICATION_CLASS (cb_application_parent_class)->shutdown (app);

  g_clear_object (&self->profiles);
  g_clear_object (&self->settings);
}

static void
cb_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CbApplication *self = CB_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_CONNECTION_STATE:
      g_value_set_int (value, self->connection_state);
      break;
    case PROP_CONNECTION_DETAIL:
      g_value_set_string (value, self->connection_detail);
      break;
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_application_finalize (GObject *object)
{
  CbApplication *self = CB_APPLICATION (object);

  g_clear_pointer (&self->screenshot_path, g_free);
  g_clear_pointer (&self->connection_detail, g_free);
  g_clear_object (&self->store);
  g_clear_object (&self->connecting);
  g_clear_object (&self->demo);
  g_clear_pointer (&self->screenshot_section, g_free);

  G_OBJECT_CLASS (cb_application_parent_class)->finalize (object);
}

static void
cb_application_class_init (CbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->get_property = cb_application_get_property;
  object_class->finalize = cb_application_finalize;

  properties[PROP_CONNECTION_STATE] =
    g_param_spec_int ("connection-state", NULL, NULL, CB_CONNECTION_OFFLINE, CB_CONNECTION_CACHED,
                      CB_CONNECTION_OFFLINE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTION_DETAIL] =
    g_param_spec_string ("connection-detail", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The synchronized view of the active backend; replaced when the active
   * profile changes. */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, CB_TYPE_STORE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  app_class->handle_local_options = cb_application_handle_local_options;
  app_class->startup = cb_application_startup;
  app_class->activate = cb_application_activate;
  app_class->shutdown = cb_application_shutdown;
}

static void
cb_application_init (CbApplication *self)
{
  static const GOptionEntry entries[] = {
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Render the main window to a PNG file once it has drawn, then exit"), N_("FILE") },
    { "section", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Section to show in the screenshot: wallboard, live-calls, campaigns, lead-lists, "
         "compliance, quality or kiosk"), N_("NAME") },
    { "size", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Window size for the screenshot, for example 1280x800"), N_("WIDTHxHEIGHT") },
    { "kiosk", 0, 0, G_OPTION_ARG_NONE, NULL,
      /* Translators: the help of --kiosk */
      N_("Start in kiosk mode: the wallboard full screen, dark and cycling between boards"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
      /* Translators: the help of --version, in “callboard --help” */
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("A console for contact-center supervisors, "
                                              "campaign managers and QA analysts."));
  self->exit_status = 0;
  self->connect_on_activate = TRUE;
  self->connection_state = CB_CONNECTION_OFFLINE;
}

/**
 * cb_application_choose_renderer:
 *
 * Without a GPU (no DRM render node, as on a thin client behind a TV or
 * under Xvfb) GTK's GL renderer runs on Mesa's software rasterizer, and
 * the frames where the agent board and the tiles change at once take 30 ms
 * to paint; GTK's cairo renderer paints them in 10 ms (bench-wallboard
 * prints both). So, unless GSK_RENDERER says otherwise, a machine without
 * /dev/dri/renderD* draws with cairo. Call before GTK starts.
 */
void
cb_application_choose_renderer (void)
{
  g_autoptr(GDir) dri = NULL;
  const char *name;

  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  dri = g_dir_open ("/dev/dri", 0, NULL);
  while (dri != NULL && (name = g_dir_read_name (dri)) != NULL)
    if (g_str_has_prefix (name, "renderD"))
      return;
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
}

CbApplication *
cb_application_new (void)
{
  return g_object_new (CB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_PATH,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

GSettings *
cb_application_get_settings (CbApplication *self)
{
  g_return_val_if_fail (CB_IS_APPLICATION (self), NULL);
  return self->settings;
}

CbProfileStore *
cb_application_get_profile_store (CbApplication *self)
{
  g_return_val_if_fail (CB_IS_APPLICATION (self), NULL);
  return self->profiles;
}

/* The exit status of a --screenshot run: 0 once the PNG is written. */
int
_cb_application_get_exit_status (CbApplication *self)
{
  return self->exit_status;
}

CbConnectionState
cb_application_get_connection_state (CbApplication *self)
{
  g_return_val_if_fail (CB_IS_APPLICATION (self), CB_CONNECTION_OFFLINE);
  return self->connection_state;
}

/**
 * cb_application_get_connection_detail:
 *
 * Returns: (nullable): why the console is offline, when it knows
 */
const char *
cb_application_get_connection_detail (CbApplication *self)
{
  g_return_val_if_fail (CB_IS_APPLICATION (self), NULL);
  return self->connection_detail;
}

/**
 * cb_application_get_store:
 *
 * Returns: (transfer none) (nullable): the synchronized view of the active
 *   backend: its models, state and requests
 */
CbStore *
cb_application_get_store (CbApplication *self)
{
  g_return_val_if_fail (CB_IS_APPLICATION (self), NULL);
  return self->store;
}
