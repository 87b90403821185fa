/* cb-profile-row.c — one backend profile in the preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the profile's name and address, with buttons that activate the
 * preferences window's profile.edit and profile.remove actions for it. The
 * built-in demo profile has neither: it says where it runs instead.
 */
#define G_LOG_DOMAIN "cb-profile-row"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-profile-row.h"

enum {
  PROP_0,
  PROP_PROFILE,
  N_PROPS
};

struct _CbProfileRow
{
  AdwActionRow parent_instance;

  /* template widgets */
  GtkWidget *edit_button;
  GtkWidget *remove_button;
  GtkWidget *builtin_label;

  /* owned references */
  CbProfile *profile;
  GBinding  *name_binding;
};

G_DEFINE_FINAL_TYPE (CbProfileRow, cb_profile_row, ADW_TYPE_ACTION_ROW)

static GParamSpec *properties[N_PROPS];

static void
update_subtitle (CbProfileRow *self)
{
  if (cb_profile_is_builtin (self->profile))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self),
                                 _("A simulated contact center that runs on this computer"));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self), cb_profile_get_url (self->profile));
}

static void
set_profile (CbProfileRow *self,
             CbProfile    *profile)
{
  GVariant *target;
  gboolean builtin;

  g_assert (self->profile == NULL);
  g_return_if_fail (CB_IS_PROFILE (profile));

  self->profile = g_object_ref (profile);
  builtin = cb_profile_is_builtin (profile);

  self->name_binding = g_object_bind_property (profile, "name", self, "title", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (profile, "notify::url", G_CALLBACK (update_subtitle), self,
                           G_CONNECT_SWAPPED);
  update_subtitle (self);

  target = g_variant_ref_sink (g_variant_new_string (cb_profile_get_id (profile)));
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->edit_button), target);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->remove_button), target);
  g_variant_unref (target);

  gtk_widget_set_visible (self->edit_button, !builtin);
  gtk_widget_set_visible (self->remove_button, !builtin);
  gtk_widget_set_visible (self->builtin_label, builtin);
}

static void
cb_profile_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CbProfileRow *self = CB_PROFILE_ROW (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_profile_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CbProfileRow *self = CB_PROFILE_ROW (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      set_profile (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cb_profile_row_dispose (GObject *object)
{
  CbProfileRow *self = CB_PROFILE_ROW (object);

  if (self->name_binding != NULL)
    g_binding_unbind (self->name_binding);
  self->name_binding = NULL;
  g_clear_object (&self->profile);

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_PROFILE_ROW);

  G_OBJECT_CLASS (cb_profile_row_parent_class)->dispose (object);
}

static void
cb_profile_row_class_init (CbProfileRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cb_profile_row_get_property;
  object_class->set_property = cb_profile_row_set_property;
  object_class->dispose = cb_profile_row_dispose;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, CB_TYPE_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/cb-profile-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CbProfileRow, edit_button);
  gtk_widget_class_bind_template_child (widget_class, CbProfileRow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, CbProfileRow, builtin_label);
}

static void
cb_profile_row_init (CbProfileRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
cb_profile_row_new (CbProfile *profile)
{
  g_return_val_if_fail (CB_IS_PROFILE (profile), NULL);
  return g_object_new (CB_TYPE_PROFILE_ROW, "profile", profile, NULL);
}

CbProfile *
cb_profile_row_get_profile (CbProfileRow *self)
{
  g_return_val_if_fail (CB_IS_PROFILE_ROW (self), NULL);
  return self->profile;
}
