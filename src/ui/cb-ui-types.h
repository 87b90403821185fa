/* cb-ui-types.h — forward declarations of the UI layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef struct _CbApplication       CbApplication;
typedef struct _CbWindow            CbWindow;
typedef struct _CbPreferencesWindow CbPreferencesWindow;
typedef struct _CbProfileRow        CbProfileRow;
typedef struct _CbProfileEditor     CbProfileEditor;

/* A toast showing @text as it is. A toast's title is markup in libadwaita
 * 1.2, and the texts of toasts carry names from the backend and the user
 * ("Billing & Co <EE>") and error messages. */
static inline AdwToast *
cb_toast_new_text (const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);

  return adw_toast_new (escaped);
}

/* Maps or unmaps @widget in its place (it keeps its size and allocation):
 * how the wallboard leaves out of the frame what is out of view. GTK 4.8
 * does not redraw the parent of a widget mapped again, whose drawing it
 * keeps from when the widget was unmapped, so that is asked for here. */
static inline void
cb_widget_set_drawn (GtkWidget *widget,
                     gboolean   drawn)
{
  gtk_widget_set_child_visible (widget, drawn);
  if (drawn && gtk_widget_get_parent (widget) != NULL)
    gtk_widget_queue_draw (gtk_widget_get_parent (widget));
}

/* @widget as it draws now, its whole size; NULL if it draws nothing yet.
 * For screenshots, the benchmarks and the tests. */
static inline GdkTexture *
cb_widget_render_texture (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  if (node == NULL || renderer == NULL)
    return NULL;
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

G_END_DECLS
