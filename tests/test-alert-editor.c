/* test-alert-editor.c — the alert rules in Preferences and the rule editor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The editor is filled as a user would (its template children), saved,
 * and the `alert-rules` setting then holds a rule CbAlertEngine reads;
 * invalid input keeps Save disabled and says why; the list of rules in
 * Preferences follows the setting, enables, edits and deletes; the sound
 * and notification switches are the settings. With CB_TEST_SCREENSHOT_DIR
 * set, the Alerts page and the editor are saved there as PNGs.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cb-alert-rule-editor.h"
#include "cb-alert-rule-row.h"
#include "cb-alerts-button.h"
#include "cb-message.h"
#include "cb-preferences-window.h"

static GSettings *settings;
static CbProfileStore *profiles;
static CbStore *store;
static char *tmpdir;

static void
put (const char *type,
     const char *topic,
     const char *id,
     const char *fields)
{
  static gint64 rev;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CbMessage) message = NULL;

  rev++;
  text = g_strdup_printf ("{\"type\":\"event\",\"seq\":%" G_GINT64_FORMAT ",\"ts\":1,\"topic\":\"%s\","
                          "\"kind\":\"upsert\",\"entity\":{\"type\":\"%s\",\"id\":\"%s\",\"rev\":%"
                          G_GINT64_FORMAT "},\"data\":{\"id\":\"%s\",\"rev\":%" G_GINT64_FORMAT ",%s}}",
                          rev, topic, type, id, rev, id, rev, fields);
  message = cb_message_decode (text, strlen (text), 0, &error);
  g_assert_no_error (error);
  cb_entity_model_upsert (cb_store_get_model (store, type), id, topic, rev, message, NULL);
}

static void
spin (void)
{
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

static gpointer
child (gpointer    widget,
       GType       type,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (object);
  return object;
}

#define EDITOR_CHILD(e, name) child ((e), CB_TYPE_ALERT_RULE_EDITOR, (name))
#define PREFS_CHILD(p, name) child ((p), CB_TYPE_PREFERENCES_WINDOW, (name))

static GPtrArray *
saved_rules (void)
{
  g_autofree char *json = g_settings_get_string (settings, "alert-rules");
  g_autoptr(GError) error = NULL;
  g_autoptr(CbAlertEngine) engine = cb_alert_engine_new ();
  GPtrArray *rules;

  g_assert_cmpstr (json, !=, "");
  rules = cb_alert_rules_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_true (cb_alert_engine_set_rules_from_json (engine, json, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cb_alert_engine_get_rules (engine)->len, ==, rules->len);
  return rules;
}

static const CbAlertRule *
find_rule (GPtrArray  *rules,
           const char *id)
{
  int i = cb_alert_rules_find (rules, id);

  g_assert_cmpint (i, >=, 0);
  return g_ptr_array_index (rules, i);
}

static void
select_string (AdwComboRow *row,
               const char  *text)
{
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), text) == 0)
        {
          adw_combo_row_set_selected (row, i);
          return;
        }
    }
  g_error ("No “%s” in the combo row", text);
}

static gboolean
has_string (AdwComboRow *row,
            const char  *text)
{
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), text) == 0)
        return TRUE;
    }
  return FALSE;
}

static GtkWidget *
find_descendant (GtkWidget  *widget,
                 GType       type,
                 const char *title)
{
  for (GtkWidget *w = gtk_widget_get_first_child (widget); w != NULL; w = gtk_widget_get_next_sibling (w))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type)
          && (title == NULL
              || g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), title) == 0))
        return w;
      if ((found = find_descendant (w, type, title)) != NULL)
        return found;
    }
  return NULL;
}

/* Limits the rule to the scope row titled @title, as a click would. */
static void
check_scope (CbAlertRuleEditor *editor,
             const char        *title)
{
  GtkWidget *scope_row = EDITOR_CHILD (editor, "scope_row");
  GtkWidget *row, *check;

  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (scope_row), TRUE);
  row = find_descendant (scope_row, ADW_TYPE_ACTION_ROW, title);
  g_assert_nonnull (row);
  check = find_descendant (row, GTK_TYPE_CHECK_BUTTON, NULL);
  g_assert_nonnull (check);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
}

static void
reset (void)
{
  g_settings_reset (settings, "alert-rules");
  g_settings_reset (settings, "alert-sound");
  g_settings_reset (settings, "alert-notifications");
}

static void
save_png (GtkWidget  *window,
          const char *name)
{
  const char *dir = g_getenv ("CB_TEST_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL)
    return;
  for (guint i = 0; i < 50; i++)
    {
      spin ();
      g_usleep (10000);
    }
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Saved %s (%d×%d)", path, width, height);
}

static void
test_create_destroy (void)
{
  g_autoptr(GPtrArray) defaults = cb_alert_rules_from_json (cb_alert_rules_get_default_json (), NULL);
  GtkWidget *editor = GTK_WIDGET (cb_alert_rule_editor_new (settings, NULL, NULL));
  GtkWidget *row;

  g_object_ref_sink (editor);
  gtk_window_destroy (GTK_WINDOW (editor));
  g_assert_finalize_object (editor);

  for (guint i = 0; i < defaults->len; i++)
    {
      editor = GTK_WIDGET (cb_alert_rule_editor_new (settings, store, g_ptr_array_index (defaults, i)));
      g_object_ref_sink (editor);
      g_assert_true (cb_alert_rule_editor_is_valid (CB_ALERT_RULE_EDITOR (editor)));
      gtk_window_destroy (GTK_WINDOW (editor));
      g_assert_finalize_object (editor);
    }

  row = cb_alert_rule_row_new (g_ptr_array_index (defaults, 0), NULL);
  g_object_ref_sink (row);
  g_assert_cmpstr (cb_alert_rule_row_get_rule_id (CB_ALERT_RULE_ROW (row)), ==, "longest-wait");
  g_assert_finalize_object (row);
}

static void
test_describe (void)
{
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL, *g = NULL;
  g_autofree char *h = NULL;

  rules = cb_alert_rules_from_json (
    "{\"rules\":["
    "{\"id\":\"w\",\"kind\":\"metric\",\"metric\":\"longest-wait\",\"target\":\"queue\","
    " \"comparison\":\">\",\"threshold\":60,\"hold_s\":10,\"scope\":[\"q-sales\",\"q-support\"]},"
    "{\"id\":\"sl\",\"kind\":\"metric\",\"metric\":\"service-level\",\"target\":\"queue\","
    " \"comparison\":\"<\",\"threshold\":80},"
    "{\"id\":\"l\",\"kind\":\"agent-state\",\"state\":\"paused\",\"reason\":\"LUNCH\","
    " \"comparison\":\">\",\"threshold\":30,\"hold_s\":120,\"scope\":[\"t-north\"]},"
    "{\"id\":\"d\",\"kind\":\"metric\",\"metric\":\"drop-rate\",\"target\":\"campaign\","
    " \"comparison\":\">=\",\"threshold\":2.5,\"hold_s\":0},"
    "{\"id\":\"f\",\"kind\":\"metric\",\"metric\":\"calls-waiting\",\"target\":\"all\",\"threshold\":5,"
    " \"scope\":[\"q-sales\",\"q-support\",\"q-billing\",\"q-gone\"]}]}", &error);
  g_assert_no_error (error);

  a = cb_alert_rule_describe (g_ptr_array_index (rules, 0), store);
  g_assert_cmpstr (a, ==, "Longest wait above 60 s · Sales, Support · after 10 s");
  b = cb_alert_rule_describe (g_ptr_array_index (rules, 1), store);
  g_assert_cmpstr (b, ==, "Service level below 80 % · Each queue · today · after 5 s");
  c = cb_alert_rule_describe (g_ptr_array_index (rules, 2), store);
  g_assert_cmpstr (c, ==, "Agent paused (Lunch) for more than 30 min · Agents of North · after 2 min");
  d = cb_alert_rule_describe (g_ptr_array_index (rules, 3), store);
  g_assert_cmpstr (d, ==, "Drop rate at least 2.5 % · Each campaign · over the regulatory period · at once");
  e = cb_alert_rule_describe (g_ptr_array_index (rules, 4), store);
  g_assert_cmpstr (e, ==, "Calls waiting above 5 · Together: Sales, Support, Billing and 1 more · after 5 s");
  /* Without a store the ids stand in for the names. */
  f = cb_alert_rule_describe_scope (g_ptr_array_index (rules, 0), NULL);
  g_assert_cmpstr (f, ==, "q-sales, q-support");
  g = cb_alert_rule_describe_condition (g_ptr_array_index (rules, 2), NULL);
  g_assert_cmpstr (g, ==, "Agent paused (LUNCH) for more than 30 min");
  h = cb_alert_rule_format_threshold (g_ptr_array_index (rules, 1), 99.5);
  g_assert_cmpstr (h, ==, "99.5 %");
}

/* A new metric rule, filled in and saved: the setting holds it after the
 * built-in rules, the engine reads it, and a running alerts button has
 * reloaded it. */
static void
test_add_metric_rule (void)
{
  GtkWidget *button = cb_alerts_button_new ();
  CbAlertRuleEditor *editor;
  g_autoptr(GPtrArray) rules = NULL;
  const CbAlertRule *rule;

  reset ();
  g_object_ref_sink (button);
  cb_alerts_button_set_settings (CB_ALERTS_BUTTON (button), settings);
  g_assert_cmpuint (cb_alert_engine_get_rules (cb_alerts_button_get_engine (CB_ALERTS_BUTTON (button)))->len,
                    ==, 4);

  editor = g_object_ref_sink (cb_alert_rule_editor_new (settings, store, NULL));
  gtk_window_present (GTK_WINDOW (editor));
  spin ();

  /* Per queue: a campaign KPI is not offered; per campaign it is. */
  g_assert_true (has_string (EDITOR_CHILD (editor, "metric_row"), "Longest wait"));
  g_assert_false (has_string (EDITOR_CHILD (editor, "metric_row"), "Drop rate"));
  adw_combo_row_set_selected (EDITOR_CHILD (editor, "target_row"), CB_ALERT_TARGET_CAMPAIGN);
  g_assert_true (has_string (EDITOR_CHILD (editor, "metric_row"), "Drop rate"));
  g_assert_false (has_string (EDITOR_CHILD (editor, "metric_row"), "Longest wait"));
  adw_combo_row_set_selected (EDITOR_CHILD (editor, "target_row"), CB_ALERT_TARGET_QUEUE);

  select_string (EDITOR_CHILD (editor, "metric_row"), "Longest wait");
  g_assert_cmpstr (gtk_label_get_label (EDITOR_CHILD (editor, "unit_label")), ==, "s");
  /* State KPIs have no window to choose */
  g_assert_false (gtk_widget_get_visible (EDITOR_CHILD (editor, "window_row")));
  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), "90");
  check_scope (editor, "Sales");
  check_scope (editor, "Support");
  gtk_spin_button_set_value (EDITOR_CHILD (editor, "hold_spin"), 10);
  adw_combo_row_set_selected (EDITOR_CHILD (editor, "severity_row"), 1);
  gtk_switch_set_active (EDITOR_CHILD (editor, "sound_switch"), TRUE);
  gtk_editable_set_text (EDITOR_CHILD (editor, "name_row"), "  Sales wait ");
  g_assert_true (cb_alert_rule_editor_is_valid (editor));
  g_assert_true (gtk_widget_is_sensitive (EDITOR_CHILD (editor, "save_button")));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "rule.save", NULL));
  spin ();

  rules = saved_rules ();
  g_assert_cmpuint (rules->len, ==, 5);
  rule = g_ptr_array_index (rules, 4);
  g_assert_cmpstr (rule->id, ==, "longest-wait-2");
  g_assert_cmpstr (rule->name, ==, "Sales wait");
  g_assert_cmpint (rule->kind, ==, CB_ALERT_KIND_METRIC);
  g_assert_cmpint (rule->metric, ==, CB_METRIC_LONGEST_WAIT);
  g_assert_cmpint (rule->target, ==, CB_ALERT_TARGET_QUEUE);
  g_assert_cmpint (rule->comparison, ==, CB_ALERT_ABOVE);
  g_assert_cmpfloat (rule->threshold, ==, 90);
  g_assert_cmpuint (rule->hold_s, ==, 10);
  g_assert_cmpint (rule->severity, ==, CB_ALERT_SEVERITY_CRITICAL);
  g_assert_true (rule->sound);
  g_assert_true (rule->enabled);
  g_assert_cmpuint (g_strv_length (rule->scope_ids), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) rule->scope_ids, "q-sales"));
  g_assert_true (g_strv_contains ((const char * const *) rule->scope_ids, "q-support"));
  /* The built-in rules before it are untouched. */
  g_assert_cmpstr (((CbAlertRule *) g_ptr_array_index (rules, 0))->id, ==, "longest-wait");
  g_assert_cmpfloat (((CbAlertRule *) g_ptr_array_index (rules, 0))->threshold, ==, 60);

  /* The running engine picked it up. */
  g_assert_cmpuint (cb_alert_engine_get_rules (cb_alerts_button_get_engine (CB_ALERTS_BUTTON (button)))->len,
                    ==, 5);

  g_assert_finalize_object (editor);
  g_assert_finalize_object (button);
}

/* An agent rule on one pause reason and one team. */
static void
test_add_agent_rule (void)
{
  CbAlertRuleEditor *editor;
  g_autoptr(GPtrArray) rules = NULL;
  const CbAlertRule *rule;

  reset ();
  editor = g_object_ref_sink (cb_alert_rule_editor_new (settings, store, NULL));
  gtk_window_present (GTK_WINDOW (editor));

  adw_combo_row_set_selected (EDITOR_CHILD (editor, "kind_row"), 1);
  g_assert_false (gtk_widget_get_visible (EDITOR_CHILD (editor, "metric_row")));
  g_assert_true (gtk_widget_get_visible (EDITOR_CHILD (editor, "state_row")));
  g_assert_cmpstr (gtk_label_get_label (EDITOR_CHILD (editor, "unit_label")), ==, "min");
  g_assert_true (gtk_widget_get_visible (EDITOR_CHILD (editor, "reason_row")));
  select_string (EDITOR_CHILD (editor, "reason_row"), "Lunch");
  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), "45");
  check_scope (editor, "North");
  save_png (GTK_WIDGET (editor), "alert-rule-editor-agent.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "rule.save", NULL));

  rules = saved_rules ();
  g_assert_cmpuint (rules->len, ==, 5);
  rule = find_rule (rules, "agent-paused-2");
  g_assert_cmpint (rule->kind, ==, CB_ALERT_KIND_AGENT_STATE);
  g_assert_cmpstr (rule->agent_state, ==, "paused");
  g_assert_cmpstr (rule->reason, ==, "LUNCH");
  g_assert_cmpfloat (rule->threshold, ==, 45);
  g_assert_cmpstr (rule->scope_ids[0], ==, "t-north");
  g_assert_null (rule->scope_ids[1]);
  g_assert_finalize_object (editor);

  /* A reason only goes with "paused". */
  editor = g_object_ref_sink (cb_alert_rule_editor_new (settings, store, rule));
  gtk_window_present (GTK_WINDOW (editor));
  g_assert_cmpstr (gtk_editable_get_text (EDITOR_CHILD (editor, "threshold_row")), ==, "45");
  select_string (EDITOR_CHILD (editor, "state_row"), "In wrap-up");
  g_assert_false (gtk_widget_get_visible (EDITOR_CHILD (editor, "reason_row")));
  {
    g_autoptr(CbAlertRule) shown = cb_alert_rule_editor_dup_rule (editor);

    g_assert_cmpstr (shown->agent_state, ==, "wrap_up");
    g_assert_null (shown->reason);
    g_assert_cmpstr (shown->id, ==, "agent-paused-2");
  }
  /* Cancel writes nothing */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "window.close", NULL));
  spin ();
  g_assert_finalize_object (editor);
  {
    g_autoptr(GPtrArray) after = saved_rules ();

    g_assert_cmpstr (find_rule (after, "agent-paused-2")->agent_state, ==, "paused");
    g_assert_cmpstr (find_rule (after, "agent-paused-2")->reason, ==, "LUNCH");
  }
}

/* What is wrong is said, and Save stays disabled; nothing is written. */
static void
test_invalid (void)
{
  CbAlertRuleEditor *editor;
  GtkLabel *threshold_error, *scope_error;
  GtkWidget *save;

  reset ();
  editor = g_object_ref_sink (cb_alert_rule_editor_new (settings, store, NULL));
  gtk_window_present (GTK_WINDOW (editor));
  threshold_error = EDITOR_CHILD (editor, "threshold_error");
  scope_error = EDITOR_CHILD (editor, "scope_error");
  save = EDITOR_CHILD (editor, "save_button");

  select_string (EDITOR_CHILD (editor, "metric_row"), "Service level");
  g_assert_cmpstr (gtk_label_get_label (EDITOR_CHILD (editor, "unit_label")), ==, "%");
  g_assert_true (gtk_widget_get_visible (EDITOR_CHILD (editor, "window_row")));
  /* A new rule starts from the catalog's critical threshold and direction */
  g_assert_cmpuint (adw_combo_row_get_selected (EDITOR_CHILD (editor, "comparison_row")), ==,
                    CB_ALERT_BELOW);
  g_assert_true (cb_alert_rule_editor_is_valid (editor));

  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), "150");
  g_assert_false (cb_alert_rule_editor_is_valid (editor));
  g_assert_false (gtk_widget_is_sensitive (save));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (threshold_error)));
  g_assert_cmpstr (gtk_label_get_label (threshold_error), ==, "Enter a number from 0 % to 100 %.");
  g_assert_true (gtk_widget_has_css_class (EDITOR_CHILD (editor, "threshold_row"), "error"));
  save_png (GTK_WIDGET (editor), "alert-rule-editor-invalid.png");

  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), "eighty");
  g_assert_false (cb_alert_rule_editor_is_valid (editor));
  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), "");
  g_assert_false (cb_alert_rule_editor_is_valid (editor));
  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), "-1");
  g_assert_false (cb_alert_rule_editor_is_valid (editor));
  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), "nan");
  g_assert_false (cb_alert_rule_editor_is_valid (editor));
  /* Activated anyway (a shortcut, a bug): nothing is written. */
  gtk_widget_activate_action (GTK_WIDGET (editor), "rule.save", NULL);
  {
    g_autofree char *json = g_settings_get_string (settings, "alert-rules");

    g_assert_cmpstr (json, ==, "");
  }

  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), " 85.5 ");
  g_assert_true (cb_alert_rule_editor_is_valid (editor));
  g_assert_true (gtk_widget_is_sensitive (save));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (threshold_error)));
  g_assert_false (gtk_widget_has_css_class (EDITOR_CHILD (editor, "threshold_row"), "error"));

  /* Limited to some queues, but none chosen */
  adw_expander_row_set_enable_expansion (EDITOR_CHILD (editor, "scope_row"), TRUE);
  g_assert_false (cb_alert_rule_editor_is_valid (editor));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (scope_error)));
  g_assert_cmpstr (gtk_label_get_label (scope_error), ==, "Choose at least one queue, or watch them all.");
  check_scope (editor, "Billing");
  g_assert_true (cb_alert_rule_editor_is_valid (editor));

  /* Agent durations: at most a day */
  adw_combo_row_set_selected (EDITOR_CHILD (editor, "kind_row"), 1);
  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), "2000");
  g_assert_false (cb_alert_rule_editor_is_valid (editor));
  g_assert_cmpstr (gtk_label_get_label (threshold_error), ==,
                   "Enter a number of minutes from 0 min to 1440 min.");

  gtk_window_destroy (GTK_WINDOW (editor));
  g_assert_finalize_object (editor);
}

/* Scope ids the store does not know are shown and kept. */
static void
test_unknown_scope_kept (void)
{
  g_autoptr(GPtrArray) rules = NULL;
  CbAlertRuleEditor *editor;
  g_autoptr(CbAlertRule) shown = NULL;
  g_autoptr(GError) error = NULL;

  reset ();
  rules = cb_alert_rules_from_json ("{\"rules\":[{\"id\":\"x\",\"kind\":\"metric\",\"metric\":\"asa\","
                                    "\"threshold\":30,\"scope\":[\"q-sales\",\"q-gone\"]}]}", &error);
  g_assert_no_error (error);
  editor = g_object_ref_sink (cb_alert_rule_editor_new (settings, store, g_ptr_array_index (rules, 0)));
  shown = cb_alert_rule_editor_dup_rule (editor);
  g_assert_cmpuint (g_strv_length (shown->scope_ids), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) shown->scope_ids, "q-gone"));
  g_assert_true (cb_alert_rule_editor_is_valid (editor));

  /* Watching campaigns instead: the queue means nothing any more and is
   * dropped; the unknown id may be a campaign and stays. */
  adw_combo_row_set_selected (EDITOR_CHILD (editor, "target_row"), CB_ALERT_TARGET_CAMPAIGN);
  g_clear_pointer (&shown, cb_alert_rule_free);
  shown = cb_alert_rule_editor_dup_rule (editor);
  g_assert_cmpuint (g_strv_length (shown->scope_ids), ==, 1);
  g_assert_cmpstr (shown->scope_ids[0], ==, "q-gone");
  gtk_window_destroy (GTK_WINDOW (editor));
  g_assert_finalize_object (editor);

  /* Written by hand: an agent rule on a campaign's agents, a queue rule
   * naming a team. Opening and saving keeps both. */
  g_clear_pointer (&rules, g_ptr_array_unref);
  rules = cb_alert_rules_from_json ("{\"rules\":[{\"id\":\"a\",\"kind\":\"agent-state\",\"state\":\"wrap_up\","
                                    "\"threshold\":5,\"scope\":[\"cmp-winter\"]},"
                                    "{\"id\":\"q\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":30,"
                                    "\"scope\":[\"t-north\"]}]}", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rules->len; i++)
    {
      const CbAlertRule *rule = g_ptr_array_index (rules, i);
      g_autoptr(CbAlertRule) kept = NULL;

      editor = g_object_ref_sink (cb_alert_rule_editor_new (settings, store, rule));
      kept = cb_alert_rule_editor_dup_rule (editor);
      g_assert_true (g_strv_equal ((const char * const *) kept->scope_ids,
                                   (const char * const *) rule->scope_ids));
      gtk_window_destroy (GTK_WINDOW (editor));
      g_assert_finalize_object (editor);
    }
}

static GtkWidget *
find_editor (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (CB_IS_ALERT_RULE_EDITOR (window))
        return GTK_WIDGET (window);
    }
  return NULL;
}

/* The list's placeholder is there and says @text (clearing a list box
 * child by child would have removed it). */
static void
assert_placeholder (GtkWidget  *list,
                    const char *text)
{
  GtkWidget *label = gtk_widget_get_first_child (list);

  g_assert_true (GTK_IS_LABEL (label));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==, text);
  g_assert_true (gtk_widget_get_child_visible (label));
  g_assert_true (gtk_widget_get_mapped (label));
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (list)); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    n += CB_IS_ALERT_RULE_ROW (w);
  return n;
}

static CbAlertRuleRow *
nth_row (GtkListBox *list,
         guint       n)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, n);

  g_assert_true (CB_IS_ALERT_RULE_ROW (row));
  return CB_ALERT_RULE_ROW (row);
}

/* The list follows the setting; enable, edit and delete write it. */
static void
test_preferences_rules (void)
{
  CbPreferencesWindow *prefs;
  GtkListBox *list;
  CbAlertRuleRow *row;
  GtkWidget *editor;
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GPtrArray) after_edit = NULL;
  g_autoptr(GPtrArray) after_remove = NULL;
  g_autofree char *json = NULL;
  g_autofree char *before_remove = NULL;

  reset ();
  prefs = g_object_ref_sink (cb_preferences_window_new (settings, profiles));
  cb_preferences_window_set_store (prefs, store);
  gtk_window_set_default_size (GTK_WINDOW (prefs), 720, 820);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "alerts");
  gtk_window_present (GTK_WINDOW (prefs));
  list = PREFS_CHILD (prefs, "rules_list");

  g_assert_cmpuint (count_rows (list), ==, 4);
  g_assert_false (gtk_widget_get_visible (PREFS_CHILD (prefs, "unreadable_group")));
  /* The built-in rules: nothing to restore */
  g_assert_false (gtk_widget_get_visible (PREFS_CHILD (prefs, "restore_button")));
  row = nth_row (list, 0);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Longest wait above 60 s");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "Each queue · after 5 s");
  row = nth_row (list, 3);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                   "Agent paused for more than 15 min");
  save_png (GTK_WIDGET (prefs), "alerts-preferences.png");

  /* Disable with the row's switch: the same row stays. */
  row = nth_row (list, 1);
  gtk_switch_set_active (child (row, CB_TYPE_ALERT_RULE_ROW, "enabled_switch"), FALSE);
  rules = saved_rules ();
  g_assert_false (find_rule (rules, "service-level")->enabled);
  g_assert_true (find_rule (rules, "longest-wait")->enabled);
  g_assert_true (nth_row (list, 1) == row);

  /* Edit: the editor opens with the rule, saving replaces it in place. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (prefs), "rules.edit", "s", "service-level"));
  editor = find_editor ();
  g_assert_nonnull (editor);
  g_assert_cmpstr (gtk_editable_get_text (EDITOR_CHILD (editor, "threshold_row")), ==, "80");
  g_assert_false (gtk_switch_get_active (EDITOR_CHILD (editor, "enabled_switch")));
  gtk_editable_set_text (EDITOR_CHILD (editor, "threshold_row"), "85");
  gtk_switch_set_active (EDITOR_CHILD (editor, "enabled_switch"), TRUE);
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  save_png (editor, "alert-rule-editor.png");
  g_assert_true (gtk_widget_activate_action (editor, "rule.save", NULL));
  spin ();
  g_assert_null (editor);
  after_edit = saved_rules ();
  g_assert_cmpuint (after_edit->len, ==, 4);
  g_assert_cmpint (cb_alert_rules_find (after_edit, "service-level"), ==, 1);
  g_assert_cmpfloat (find_rule (after_edit, "service-level")->threshold, ==, 85);
  g_assert_true (find_rule (after_edit, "service-level")->enabled);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (nth_row (list, 1))), ==,
                   "Service level below 85 %");

  /* Delete, undo (what the toast's button does), delete */
  before_remove = g_settings_get_string (settings, "alert-rules");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (prefs), "rules.remove", "s", "drop-rate"));
  after_remove = saved_rules ();
  g_assert_cmpuint (after_remove->len, ==, 3);
  g_assert_cmpint (cb_alert_rules_find (after_remove, "drop-rate"), ==, -1);
  g_assert_cmpuint (count_rows (list), ==, 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (prefs), "rules.undo", "s", before_remove));
  g_assert_cmpuint (count_rows (list), ==, 4);
  g_assert_cmpstr (cb_alert_rule_row_get_rule_id (nth_row (list, 2)), ==, "drop-rate");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (prefs), "rules.remove", "s", "drop-rate"));
  g_assert_cmpuint (count_rows (list), ==, 3);

  /* Someone else changes the setting: the list follows. */
  g_settings_set_string (settings, "alert-rules",
                         "{\"rules\":[{\"id\":\"only\",\"kind\":\"metric\",\"metric\":\"asa\",\"threshold\":30}]}");
  g_assert_cmpuint (count_rows (list), ==, 1);
  g_assert_cmpstr (cb_alert_rule_row_get_rule_id (nth_row (list, 0)), ==, "only");
  g_assert_true (gtk_widget_get_visible (PREFS_CHILD (prefs, "restore_button")));

  /* No rules at all */
  g_settings_set_string (settings, "alert-rules", "{\"version\":1,\"rules\":[]}");
  g_assert_cmpuint (count_rows (list), ==, 0);
  spin ();
  assert_placeholder (GTK_WIDGET (list), "No rules: nothing raises an alert");

  /* Restore the built-in rules */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (prefs), "rules.restore", NULL));
  json = g_settings_get_string (settings, "alert-rules");
  g_assert_cmpstr (json, ==, "");
  g_assert_cmpuint (count_rows (list), ==, 4);
  g_assert_false (gtk_widget_get_visible (PREFS_CHILD (prefs, "restore_button")));

  gtk_window_destroy (GTK_WINDOW (prefs));
  spin ();
  g_assert_finalize_object (prefs);
}

/* Text that does not parse is shown as the built-in rules, with a
 * warning, and left alone until a rule is changed. */
static void
test_preferences_unreadable (void)
{
  CbPreferencesWindow *prefs;
  g_autofree char *json = NULL;
  g_autoptr(GPtrArray) rules = NULL;

  reset ();
  g_settings_set_string (settings, "alert-rules", "{\"rules\":[{\"id\":1}]}");
  prefs = g_object_ref_sink (cb_preferences_window_new (settings, profiles));
  gtk_window_present (GTK_WINDOW (prefs));
  g_assert_true (gtk_widget_get_visible (PREFS_CHILD (prefs, "unreadable_group")));
  g_assert_cmpuint (count_rows (PREFS_CHILD (prefs, "rules_list")), ==, 4);
  json = g_settings_get_string (settings, "alert-rules");
  g_assert_cmpstr (json, ==, "{\"rules\":[{\"id\":1}]}");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (prefs), "rules.set-enabled", "(sb)",
                                             "agent-paused", FALSE));
  rules = saved_rules ();
  g_assert_cmpuint (rules->len, ==, 4);
  g_assert_false (find_rule (rules, "agent-paused")->enabled);
  g_assert_false (gtk_widget_get_visible (PREFS_CHILD (prefs, "unreadable_group")));

  gtk_window_destroy (GTK_WINDOW (prefs));
  spin ();
  g_assert_finalize_object (prefs);
}

/* A queue the store learns of later gets its name in the list. */
static void
test_preferences_relabel (void)
{
  CbPreferencesWindow *prefs;
  AdwActionRow *row;
  gint64 deadline;

  reset ();
  g_settings_set_string (settings, "alert-rules",
                         "{\"rules\":[{\"id\":\"w\",\"kind\":\"metric\",\"metric\":\"asa\","
                         "\"threshold\":30,\"scope\":[\"q-late\"]}]}");
  prefs = g_object_ref_sink (cb_preferences_window_new (settings, profiles));
  cb_preferences_window_set_store (prefs, store);
  row = ADW_ACTION_ROW (nth_row (PREFS_CHILD (prefs, "rules_list"), 0));
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, "q-late · today · after 5 s");

  put ("queue", "queues", "q-late", "\"name\":\"Late Shift\"");
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_strcmp0 (adw_action_row_get_subtitle (row), "Late Shift · today · after 5 s") != 0
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, "Late Shift · today · after 5 s");
  g_assert_true (ADW_ACTION_ROW (nth_row (PREFS_CHILD (prefs, "rules_list"), 0)) == row);
  g_assert_true (cb_entity_model_remove (cb_store_get_model (store, "queue"), "q-late"));

  gtk_window_destroy (GTK_WINDOW (prefs));
  spin ();
  g_assert_finalize_object (prefs);
}

/* The switches are the settings, both ways. */
static void
test_preferences_switches (void)
{
  CbPreferencesWindow *prefs;
  GtkSwitch *sound, *notifications;

  reset ();
  prefs = g_object_ref_sink (cb_preferences_window_new (settings, profiles));
  sound = PREFS_CHILD (prefs, "sound_switch");
  notifications = PREFS_CHILD (prefs, "notifications_switch");
  g_assert_true (gtk_switch_get_active (sound));
  g_assert_true (gtk_switch_get_active (notifications));

  gtk_switch_set_active (sound, FALSE);
  g_assert_false (g_settings_get_boolean (settings, "alert-sound"));
  g_assert_true (g_settings_get_boolean (settings, "alert-notifications"));
  gtk_switch_set_active (notifications, FALSE);
  g_assert_false (g_settings_get_boolean (settings, "alert-notifications"));

  g_settings_set_boolean (settings, "alert-sound", TRUE);
  g_assert_true (gtk_switch_get_active (sound));

  gtk_window_destroy (GTK_WINDOW (prefs));
  g_assert_finalize_object (prefs);
}

static void
on_preferences_page (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  char **page = user_data;

  g_free (*page);
  *page = g_variant_dup_string (parameter, NULL);
}

/* The popover's "Manage Alert Rules…" asks the application for the Alerts
 * page of Preferences, and closes. */
static void
test_manage_button (void)
{
  static const GActionEntry entries[] = {
    { "preferences-page", on_preferences_page, "s" },
  };
  g_autoptr(GSimpleActionGroup) app = g_simple_action_group_new ();
  g_autofree char *page = NULL;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *button = cb_alerts_button_new ();
  GtkPopover *popover;

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), &page);
  gtk_widget_insert_action_group (window, "app", G_ACTION_GROUP (app));
  gtk_window_set_child (GTK_WINDOW (window), button);
  gtk_window_present (GTK_WINDOW (window));
  popover = child (button, CB_TYPE_ALERTS_BUTTON, "popover");
  gtk_popover_popup (popover);
  spin ();
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  assert_placeholder (child (button, CB_TYPE_ALERTS_BUTTON, "active_list"), "No active alerts");
  assert_placeholder (child (button, CB_TYPE_ALERTS_BUTTON, "history_list"), "Nothing happened yet");
  save_png (GTK_WIDGET (popover), "alerts-popover.png");

  g_signal_emit_by_name (child (button, CB_TYPE_ALERTS_BUTTON, "manage_button"), "clicked");
  spin ();
  g_assert_cmpstr (page, ==, "alerts");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (popover)));

  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *cache = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  settings = g_settings_new ("io.github.callboard.Callboard");
  profiles = cb_profile_store_new (settings);
  tmpdir = g_dir_make_tmp ("cb-alert-editor-XXXXXX", NULL);
  cache = g_build_filename (tmpdir, "cache.sqlite", NULL);
  store = cb_store_new (cache);
  put ("queue", "queues", "q-sales", "\"name\":\"Sales\"");
  put ("queue", "queues", "q-support", "\"name\":\"Support\"");
  put ("queue", "queues", "q-billing", "\"name\":\"Billing\"");
  put ("campaign", "campaigns", "cmp-winter", "\"name\":\"Winter Renewals\"");
  put ("team", "catalogs", "t-north", "\"name\":\"North\"");
  put ("team", "catalogs", "t-south", "\"name\":\"South\"");
  put ("pause_reason", "catalogs", "LUNCH", "\"label\":\"Lunch\",\"active\":true");
  put ("pause_reason", "catalogs", "COACHING", "\"label\":\"Coaching\",\"active\":true");

  g_test_add_func ("/callboard/alert-editor/create-destroy", test_create_destroy);
  g_test_add_func ("/callboard/alert-editor/describe", test_describe);
  g_test_add_func ("/callboard/alert-editor/add-metric-rule", test_add_metric_rule);
  g_test_add_func ("/callboard/alert-editor/add-agent-rule", test_add_agent_rule);
  g_test_add_func ("/callboard/alert-editor/invalid", test_invalid);
  g_test_add_func ("/callboard/alert-editor/unknown-scope-kept", test_unknown_scope_kept);
  g_test_add_func ("/callboard/alert-editor/preferences-rules", test_preferences_rules);
  g_test_add_func ("/callboard/alert-editor/preferences-unreadable", test_preferences_unreadable);
  g_test_add_func ("/callboard/alert-editor/preferences-relabel", test_preferences_relabel);
  g_test_add_func ("/callboard/alert-editor/preferences-switches", test_preferences_switches);
  g_test_add_func ("/callboard/alert-editor/manage-button", test_manage_button);

  ret = g_test_run ();

  g_clear_object (&store);
  g_clear_object (&profiles);
  g_clear_object (&settings);
  g_rmdir (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  return ret;
}
