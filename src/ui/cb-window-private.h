/* cb-window-private.h — what the window shares with its actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cb-window.h"

G_BEGIN_DECLS

struct _CbWindow
{
  AdwApplicationWindow parent_instance;

  /* template widgets */
  AdwLeaflet     *leaflet;
  GtkListBox     *sidebar;
  GtkStack       *stack;
  AdwWindowTitle *title;
  GtkWidget      *connection_box;
  GtkImage       *connection_icon;
  GtkLabel       *connection_label;
  GtkWidget      *alerts_button;

  /* borrowed references */
  CbProfileStore *profiles;
  GSettings      *settings;

  /* owned references */
  GSignalGroup   *profile_signals;
  GDateTime      *cached_since;

  CbConnectionState connection_state;
  guint             remember_state : 1;
};

/* The section names, in sidebar order, %NULL-terminated. */
extern const char * const _cb_window_sections[];

void _cb_window_class_actions_init (GtkWidgetClass *widget_class);
void _cb_window_actions_update     (CbWindow       *self);

G_END_DECLS
