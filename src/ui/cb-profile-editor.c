/* cb-profile-editor.c — a dialog to add or edit a backend profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Name, websocket URL and token. The store validates; a refusal is shown
 * under the fields and the dialog stays open. The token goes to the store,
 * which keeps it in the secret service (or, without one, for this session,
 * which the dialog says before the user types it). When editing, an empty
 * token field keeps the stored token.
 */
#define G_LOG_DOMAIN "cb-profile-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "cb-profile-editor.h"

struct _CbProfileEditor
{
  AdwWindow parent_instance;

  /* template widgets */
  AdwWindowTitle       *window_title;
  AdwPreferencesGroup  *token_group;
  AdwEntryRow          *name_row;
  AdwEntryRow          *url_row;
  AdwPasswordEntryRow  *token_row;
  GtkLabel             *error_label;
  GtkWidget            *session_only_label;
  AdwActionRow         *certificate_row;
  GtkWidget            *certificate_clear_button;

  /* owned references */
  CbProfileStore *store;
  CbProfile      *profile;   /* NULL when adding */

  char                 *certificate;          /* PEM, or NULL */
  char                 *certificate_name;     /* where it was read from */
  gboolean              certificate_changed;
};

G_DEFINE_FINAL_TYPE (CbProfileEditor, cb_profile_editor, ADW_TYPE_WINDOW)

static void
show_error (CbProfileEditor *self,
            const GError    *error)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->url_row), "error");

  if (error == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
      return;
    }

  if (g_error_matches (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_INVALID_NAME))
    gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
  else if (g_error_matches (error, CB_PROFILE_STORE_ERROR, CB_PROFILE_STORE_ERROR_INVALID_URL))
    gtk_widget_add_css_class (GTK_WIDGET (self->url_row), "error");

  gtk_label_set_label (self->error_label, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static void
update_session_only (CbProfileEditor *self)
{
  gtk_widget_set_visible (self->session_only_label,
                          !cb_profile_store_get_tokens_persistent (self->store));
}

static void
on_token_stored (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cb_profile_store_store_token_finish (CB_PROFILE_STORE (object), result, &error))
    g_warning ("Could not keep the token: %s", error->message);
}

static void
update_certificate_row (CbProfileEditor *self)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *subject = NULL;

  if (self->certificate != NULL)
    certificate = g_tls_certificate_new_from_pem (self->certificate, -1, NULL);
  if (certificate != NULL)
    subject = g_tls_certificate_get_subject_name (certificate);

  if (self->certificate == NULL)
    adw_action_row_set_subtitle (self->certificate_row,
                                 _("None: the backend’s certificate must be trusted by this computer"));
  else
    {
      /* Translators: %s names a certificate (its subject, or the file it came from) */
      g_autofree char *text = g_strdup_printf (_("Trusting %s for this backend too"),
                                               subject ? subject : self->certificate_name
                                                                 ? self->certificate_name : "");

      adw_action_row_set_subtitle (self->certificate_row, text);
    }
  gtk_widget_set_visible (self->certificate_clear_button, self->certificate != NULL);
}

static void
on_certificate_chosen (GtkNativeDialog *dialog,
                       int              response,
                       gpointer         user_data)
{
  CbProfileEditor *self = CB_PROFILE_EDITOR (user_data);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_object_unref (dialog);
  if (file == NULL)
    {
      g_object_unref (self);
      return;
    }

  /* A certificate file is a few kilobytes: reading it here does not stall. */
  if (!g_file_load_contents (file, NULL, &contents, NULL, NULL, &error)
      || (certificate = g_tls_certificate_new_from_pem (contents, -1, &error)) == NULL)
    {
      g_autoptr(GError) shown = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                             _("This file does not hold a certificate in PEM form."));

      show_error (self, shown);
      g_object_unref (self);
      return;
    }

  g_free (self->certificate);
  self->certificate = g_steal_pointer (&contents);
  g_free (self->certificate_name);
  self->certificate_name = g_file_get_basename (file);
  self->certificate_changed = TRUE;
  show_error (self, NULL);
  update_certificate_row (self);
  g_object_unref (self);
}

static void
on_certificate_choose_clicked (CbProfileEditor *self,
                               GtkButton       *button)
{
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Choose a Certificate"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Trust"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  /* Translators: a file type in the file chooser */
  gtk_file_filter_set_name (filter, _("Certificates (PEM)"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_filter_add_mime_type (filter, "application/x-x509-ca-cert");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_signal_connect (dialog, "response", G_CALLBACK (on_certificate_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_certificate_clear_clicked (CbProfileEditor *self,
                              GtkButton       *button)
{
  g_clear_pointer (&self->certificate, g_free);
  g_clear_pointer (&self->certificate_name, g_free);
  self->certificate_changed = TRUE;
  update_certificate_row (self);
}

/**
 * cb_profile_editor_save:
 *
 * Validates and saves the profile; on success the dialog closes.
 *
 * Returns: whether the profile was saved
 */
gboolean
cb_profile_editor_save (CbProfileEditor *self)
{
  g_autoptr(GError) error = NULL;
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_row));
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_row));
  g_autofree char *url_stripped = g_strstrip (g_strdup (url));
  const char *id;

  g_return_val_if_fail (CB_IS_PROFILE_EDITOR (self), FALSE);

  if (self->profile == NULL)
    {
      CbProfile *profile = cb_profile_store_add (self->store, name, url_stripped, &error);

      if (profile == NULL)
        {
          show_error (self, error);
          return FALSE;
        }
      id = cb_profile_get_id (profile);
    }
  else
    {
      if (!cb_profile_store_update (self->store, cb_profile_get_id (self->profile),
                                    name, url_stripped, &error))
        {
          show_error (self, error);
          return FALSE;
        }
      id = cb_profile_get_id (self->profile);
    }

  if (self->certificate_changed
      && !cb_profile_store_set_certificate (self->store, id, self->certificate, &error))
    {
      show_error (self, error);
      return FALSE;
    }

  if (*token != '\0')
    cb_profile_store_store_token_async (self->store, id, token, NULL, on_token_stored, NULL);

  show_error (self, NULL);
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

static void
on_save_clicked (CbProfileEditor *self,
                 GtkButton       *button)
{
  cb_profile_editor_save (self);
}

static void
on_cancel_clicked (CbProfileEditor *self,
                   GtkButton       *button)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
cb_profile_editor_dispose (GObject *object)
{
  CbProfileEditor *self = CB_PROFILE_EDITOR (object);

  g_clear_object (&self->store);
  g_clear_object (&self->profile);
  g_clear_pointer (&self->certificate, g_free);
  g_clear_pointer (&self->certificate_name, g_free);

  gtk_widget_dispose_template (GTK_WIDGET (self), CB_TYPE_PROFILE_EDITOR);

  G_OBJECT_CLASS (cb_profile_editor_parent_class)->dispose (object);
}

static void
cb_profile_editor_class_init (CbProfileEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cb_profile_editor_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/cb-profile-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, CbProfileEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, CbProfileEditor, token_group);
  gtk_widget_class_bind_template_child (widget_class, CbProfileEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, CbProfileEditor, url_row);
  gtk_widget_class_bind_template_child (widget_class, CbProfileEditor, token_row);
  gtk_widget_class_bind_template_child (widget_class, CbProfileEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, CbProfileEditor, session_only_label);
  gtk_widget_class_bind_template_child (widget_class, CbProfileEditor, certificate_row);
  gtk_widget_class_bind_template_child (widget_class, CbProfileEditor, certificate_clear_button);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_certificate_choose_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_certificate_clear_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cb_profile_editor_init (CbProfileEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * cb_profile_editor_new:
 * @profile: (nullable): the profile to edit, or %NULL to add one
 */
CbProfileEditor *
cb_profile_editor_new (CbProfileStore *store,
                       CbProfile      *profile)
{
  CbProfileEditor *self;

  g_return_val_if_fail (CB_IS_PROFILE_STORE (store), NULL);
  g_return_val_if_fail (profile == NULL || CB_IS_PROFILE (profile), NULL);

  self = g_object_new (CB_TYPE_PROFILE_EDITOR, NULL);
  self->store = g_object_ref (store);
  g_signal_connect_object (store, "notify::tokens-persistent",
                           G_CALLBACK (update_session_only), self, G_CONNECT_SWAPPED);
  update_session_only (self);

  if (profile != NULL)
    {
      self->profile = g_object_ref (profile);
      adw_window_title_set_title (self->window_title, _("Edit Backend"));
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), cb_profile_get_name (profile));
      gtk_editable_set_text (GTK_EDITABLE (self->url_row), cb_profile_get_url (profile));
      adw_preferences_group_set_description (self->token_group,
                                             _("Leave the token empty to keep the one already "
                                               "stored."));
      self->certificate = cb_profile_store_get_certificate (store, cb_profile_get_id (profile));
    }
  update_certificate_row (self);

  return self;
}
