/* cb-window.c — the main window: a sidebar of sections and their pages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An AdwLeaflet holds the sidebar (the six sections) and the content (a
 * GtkStack with one page per section). On narrow widths the leaflet folds and
 * the sidebar becomes the first page. The header bar names the section, the
 * active backend profile and what the console can say about its data:
 * offline, connecting, live, or showing cached data from a given time.
 */
#define G_LOG_DOMAIN "cb-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-alerts-button.h"
#include "cb-application.h"
#include "cb-profile-store.h"
#include "cb-wallboard-page.h"
#include "cb-window-private.h"

const char * const _cb_window_sections[] = {
  "wallboard", "live-calls", "campaigns", "lead-lists", "compliance", "quality", NULL
};

G_DEFINE_FINAL_TYPE (CbWindow, cb_window, ADW_TYPE_APPLICATION_WINDOW)

static void
update_title (CbWindow *self)
{
  CbProfile *profile = self->profiles ? cb_profile_store_get_active (self->profiles) : NULL;
  GtkStackPage *page = gtk_stack_get_page (self->stack, gtk_stack_get_visible_child (self->stack));
  const char *section_title = page ? gtk_stack_page_get_title (page) : NULL;

  adw_window_title_set_title (self->title, section_title ? section_title : _("Callboard"));
  adw_window_title_set_subtitle (self->title, profile ? cb_profile_get_name (profile) : "");
}

static void
update_connection (CbWindow *self)
{
  static const char * const classes[] = { "offline", "connecting", "live", "cached" };
  g_autofree char *label = NULL;
  const char *icon = NULL;
  const char *tooltip = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (self->connection_box, classes[i]);
  gtk_widget_add_css_class (self->connection_box, classes[self->connection_state]);

  switch (self->connection_state)
    {
    case CB_CONNECTION_CONNECTING:
      /* Translators: connection state in the header bar */
      label = g_strdup (_("Connecting…"));
      icon = "network-idle-symbolic";
      tooltip = _("Connecting to the backend");
      break;

    case CB_CONNECTION_LIVE:
      /* Translators: connection state in the header bar: in sync with the backend */
      label = g_strdup (_("Live"));
      icon = "network-transmit-receive-symbolic";
      tooltip = _("Connected; every figure is up to date");
      break;

    case CB_CONNECTION_CACHED:
      {
        g_autoptr(GDateTime) local = self->cached_since ? g_date_time_to_local (self->cached_since) : NULL;
        g_autofree char *time = local ? g_date_time_format (local, "%H:%M") : g_strdup ("—");

        /* Translators: connection state in the header bar; %s is a time such as 14:05 */
        label = g_strdup_printf (_("Cached data from %s"), time);
        icon = "document-open-recent-symbolic";
        tooltip = _("Not connected; showing the last known state");
      }
      break;

    case CB_CONNECTION_OFFLINE:
    default:
      /* Translators: connection state in the header bar */
      label = g_strdup (_("Offline"));
      icon = "network-offline-symbolic";
      tooltip = _("Not connected to a backend");
      break;
    }

  {
    GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
    const char *detail = CB_IS_APPLICATION (app)
                         ? cb_application_get_connection_detail (CB_APPLICATION (app)) : NULL;

    if (detail != NULL && self->connection_state != CB_CONNECTION_LIVE)
      tooltip = detail;
  }

  gtk_label_set_label (self->connection_label, label);
  gtk_image_set_from_icon_name (self->connection_icon, icon);
  gtk_widget_set_tooltip_text (self->connection_box, tooltip);
}

static void
select_sidebar_row (CbWindow   *self,
                    const char *section)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (g_strcmp0 (gtk_widget_get_name (child), section) == 0)
        {
          gtk_list_box_select_row (self->sidebar, GTK_LIST_BOX_ROW (child));
          return;
        }
    }
}

static void
on_sidebar_row_activated (CbWindow      *self,
                          GtkListBoxRow *row,
                          GtkListBox    *list_box)
{
  cb_window_show_section (self, gtk_widget_get_name (GTK_WIDGET (row)));
}

static void
on_visible_child_changed (CbWindow   *self,
                          GParamSpec *pspec,
                          GtkStack   *stack)
{
  const char *section = gtk_stack_get_visible_child_name (stack);

  select_sidebar_row (self, section);
  update_title (self);

  if (self->remember_state && self->settings != NULL && section != NULL)
    g_settings_set_string (self->settings, "last-section", section);
}

static void
on_active_profile_changed (CbWindow       *self,
                           GParamSpec     *pspec,
                           CbProfileStore *profiles)
{
  g_signal_group_set_target (self->profile_signals, cb_profile_store_get_active (profiles));
  update_title (self);
}

static void
on_leaflet_folded_changed (CbWindow   *self,
                           GParamSpec *pspec,
                           AdwLeaflet *leaflet)
{
  _cb_window_actions_update (self);
}

static gboolean
cb_window_close_request (GtkWindow *window)
{
  CbWindow *self = CB_WINDOW (window);

  if (self->remember_state && self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
    }

  return GTK_WINDOW_CLASS (cb_window_parent_class)->close_request (window);
}

static void
on_app_connection_changed (CbWindow      *self,
                           GParamSpec    *pspec,
                           CbApplication *app)
{
  CbStore *store = cb_application_get_store (app);
  gint64 as_of = store ? cb_store_get_as_of (store) : 0;
  g_autoptr(GDateTime) since = as_of > 0 ? g_date_time_new_from_unix_utc (as_of / 1000) : NULL;

  cb_window_set_connection_state (self, cb_application_get_connection_state (app), since);
}

/* The application is set after construction (it is not a construct
 * property), so everything that needs its settings and profiles waits here. */
static void
on_application_changed (CbWindow   *self,
                        GParamSpec *pspec,
                        gpointer    user_data)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autofree char *section = NULL;

  if (!CB_IS_APPLICATION (app) || self->settings != NULL)
    return;

  self->settings = cb_application_get_settings (CB_APPLICATION (app));
  self->profiles = cb_application_get_profile_store (CB_APPLICATION (app));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  section = g_settings_get_string (self->settings, "last-section");
  if (cb_window_section_is_valid (section))
    gtk_stack_set_visible_child_name (self->stack, section);

  g_signal_connect_object (self->profiles, "notify::active",
                           G_CALLBACK (on_active_profile_changed), self, G_CONNECT_SWAPPED);
  on_active_profile_changed (self, NULL, self->profiles);

  g_signal_connect_object (app, "notify::connection-state",
                           G_CALLBACK (on_app_connection_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "notify::connection-detail",
                           G_CALLBACK (on_app_connection_changed), self, G_CONNECT_SWAPPED);
  on_app_connection_changed (self, NULL, CB_APPLICATION (app));

  /* The wallboard follows the active profile's store. */
  g_object_bind_property (app, "store", gtk_stack_get_child_by_name (self->stack, "wallboard"), "store",
                          G_BINDING_SYNC_CREATE);
  /* It shows the active one of the saved wallboards. */
  cb_wallboard_page_set_settings (CB_WALLBOARD_PAGE (gtk_stack_get_child_by_name (self->stack, "wallboard")),
                                  self->settings);

  /* So do the alerts, with their rules from the settings. */
  cb_alerts_button_set_settings (CB_ALERTS_BUTTON (self->alerts_button), self->settings);
  g_object_bind_property (app, "store", self->alerts_button, "store", G_BINDING_SYNC_CREATE);
}

static void
cb_window_constructed (GObject *object)
{
  CbWindow *self = CB_WINDOW (object);

  G_OBJECT_CLASS (cb_window_parent_class)->constructed (object);

  on_visible_child_changed (self, NULL, self->stack);
  update_connection (self);
  _cb_window_actions_update (self);
}

static void
cb_window_dispose (GObject *object)
{
  CbWindow *self = CB_WINDOW (object);

  if (self->profile_signals != NULL)
    g_signal_group_set_target (self->profile_signals, NULL);
  g_clear_object (&self->profile_signals);
  self->profiles = NULL;
  self->settings = NULL;

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_WINDOW);

  G_OBJECT_CLASS (cb_window_parent_class)->dispose (object);
}

static void
cb_window_finalize (GObject *object)
{
  CbWindow *self = CB_WINDOW (object);

  g_clear_pointer (&self->cached_since, g_date_time_unref);

  G_OBJECT_CLASS (cb_window_parent_class)->finalize (object);
}

static void
cb_window_class_init (CbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = cb_window_constructed;
  object_class->dispose = cb_window_dispose;
  object_class->finalize = cb_window_finalize;

  window_class->close_request = cb_window_close_request;

  g_type_ensure (CB_TYPE_WALLBOARD_PAGE);
  g_type_ensure (CB_TYPE_ALERTS_BUTTON);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/cb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CbWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, title);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, connection_box);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, connection_icon);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, connection_label);
  gtk_widget_class_bind_template_child (widget_class, CbWindow, alerts_button);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_visible_child_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_leaflet_folded_changed);

  _cb_window_class_actions_init (widget_class);
}

static void
cb_window_init (CbWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->remember_state = TRUE;
  self->connection_state = CB_CONNECTION_OFFLINE;
  self->profile_signals = g_signal_group_new (CB_TYPE_PROFILE);
  g_signal_group_connect_swapped (self->profile_signals, "notify::name",
                                  G_CALLBACK (update_title), self);
  g_signal_connect (self, "notify::application", G_CALLBACK (on_application_changed), NULL);

  if (DEVELOPMENT)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

CbWindow *
cb_window_new (CbApplication *application)
{
  return g_object_new (CB_TYPE_WINDOW, "application", application, NULL);
}

gboolean
cb_window_section_is_valid (const char *section)
{
  return section != NULL && g_strv_contains (_cb_window_sections, section);
}

/**
 * cb_window_list_sections:
 *
 * Returns: (transfer full): the section names, comma separated
 */
char *
cb_window_list_sections (void)
{
  return g_strjoinv (", ", (char **) _cb_window_sections);
}

const char *
cb_window_get_section (CbWindow *self)
{
  g_return_val_if_fail (CB_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

void
cb_window_show_section (CbWindow   *self,
                        const char *section)
{
  g_return_if_fail (CB_IS_WINDOW (self));
  g_return_if_fail (cb_window_section_is_valid (section));

  gtk_stack_set_visible_child_name (self->stack, section);
  /* When folded, showing a section means leaving the sidebar for it. */
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
}

/**
 * cb_window_set_remember_state:
 *
 * Whether the window saves its size and section on close. Screenshots and
 * tests turn it off so they neither depend on nor change the user's settings.
 */
void
cb_window_set_remember_state (CbWindow *self,
                              gboolean  remember)
{
  g_return_if_fail (CB_IS_WINDOW (self));
  self->remember_state = !!remember;
}

/**
 * cb_window_set_connection_state:
 * @cached_since: (nullable): for %CB_CONNECTION_CACHED, when the cache was last in sync
 */
void
cb_window_set_connection_state (CbWindow          *self,
                                CbConnectionState  state,
                                GDateTime         *cached_since)
{
  g_return_if_fail (CB_IS_WINDOW (self));
  g_return_if_fail (state <= CB_CONNECTION_CACHED);

  self->connection_state = state;
  g_clear_pointer (&self->cached_since, g_date_time_unref);
  if (cached_since != NULL)
    self->cached_since = g_date_time_ref (cached_since);

  update_connection (self);
  _cb_window_actions_update (self);
}

const char *
cb_window_get_connection_label (CbWindow *self)
{
  g_return_val_if_fail (CB_IS_WINDOW (self), NULL);
  return gtk_label_get_label (self->connection_label);
}
