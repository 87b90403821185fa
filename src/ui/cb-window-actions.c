/* cb-window-actions.c — the win.* actions of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cb-window-actions"

#include "config.h"

#include "cb-kiosk-window.h"
#include "cb-window-private.h"

static void
show_section (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CbWindow *self = CB_WINDOW (widget);
  const char *section = g_variant_get_string (parameter, NULL);

  if (!cb_window_section_is_valid (section))
    {
      g_warning ("No section called “%s”", section);
      return;
    }

  cb_window_show_section (self, section);
}

static void
go_back (GtkWidget  *widget,
         const char *action_name,
         GVariant   *parameter)
{
  CbWindow *self = CB_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
toggle_fullscreen (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

/* Kiosk mode on the monitor the window is on; the window stays open behind
 * it, and the kiosk shows the same store. */
static void
open_kiosk (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);
  GtkApplication *app = gtk_window_get_application (window);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (widget));
  GdkMonitor *monitor = NULL;
  CbKioskWindow *kiosk;

  g_return_if_fail (CB_IS_APPLICATION (app));

  if (surface != NULL)
    monitor = gdk_display_get_monitor_at_surface (gtk_widget_get_display (widget), surface);
  kiosk = cb_kiosk_window_new (CB_APPLICATION (app), monitor);
  gtk_window_present (GTK_WINDOW (kiosk));
}

void
_cb_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.show-section", "s", show_section);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, go_back);
  gtk_widget_class_install_action (widget_class, "win.fullscreen", NULL, toggle_fullscreen);
  gtk_widget_class_install_action (widget_class, "win.kiosk", NULL, open_kiosk);

  for (guint i = 0; _cb_window_sections[i] != NULL; i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "win.show-section", "s", _cb_window_sections[i]);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "win.fullscreen", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, GDK_SHIFT_MASK, "win.kiosk", NULL);
}

void
_cb_window_actions_update (CbWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back",
                                 adw_leaflet_get_folded (self->leaflet));
}
