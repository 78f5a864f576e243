/* The wizard's step table: one row per question, each with its title, why
 * it matters, validation, commit, focus and drawing. ui_wizard.c walks the
 * table (navigation, keys, the frame around a step, the review); the steps
 * themselves live in ui_wizard_steps.c. Internal to ui/. */
#ifndef UI_WIZARD_H
#define UI_WIZARD_H

#include "ui_app.h"

typedef struct {
    const char *title;
    const char *why;
    /* NULL if the step's answers are fine, else a malloc'd message; *field:
     * the field to focus. NULL function: always fine. */
    char *(*validate)(ui_app *a, int *field);
    /* Tidies the answer when Enter is pressed, before validate (a pasted
     * URL becomes its host name); NULL: nothing to tidy. */
    void (*tidy)(ui_app *a);
    /* Writes the step's editors into a->answers (after validate). */
    void (*commit)(ui_app *a);
    /* The focus on entering the step. */
    int (*first_focus)(const ui_app *a);
    /* How many fields the focus moves through. */
    int (*focus_count)(const ui_app *a);
    /* The text field that has the focus, or NULL (choices). */
    ui_lineedit *(*editor)(ui_app *a);
    /* true: the step does not apply to these answers and is passed over. */
    bool (*skipped)(const ui_app *a);
    /* Space/Enter on a choice (NULL: the step has none). */
    void (*toggle)(ui_app *a);
    /* Draws the step's fields from row y; sets *cy,*cx to the cursor (or
     * leaves them -1); returns the next free row. */
    int (*draw)(ui_app *a, int y, int x, int w, int *cy, int *cx);
    bool choices;                 /* Left/Right move between questions */
    bool draws_error;             /* draw shows the validation error itself */
    bool on_request;              /* not asked in turn: opened from the review (or when its answer is wrong) */
} ui_wizard_step;

extern const ui_wizard_step ui_wizard_steps[UI_W_COUNT];

/* The advanced step's fields from a->answers. */
void ui_wizard_load_advanced(ui_app *a);
/* Adds the typed alternate name; false (and a beep) if it is not one. */
bool ui_wizard_cname_add(ui_app *a);

const char *ui_wizard_policy_label(od_protocol_policy p);
const char *ui_wizard_ip_type_label(od_ip_address_type t);
/* The focus index of the chosen IP address type in the protocols step. */
int ui_wizard_ip_type_focus(const ui_app *a);
/* The focus index of the TLSv1.2 box in the protocols step. */
int ui_wizard_tls12_focus(void);

/* Drawing helpers the steps share (ui_wizard.c). */
int ui_wizard_draw_editor(ui_app *a, int y, int x, int w, const char *label, ui_lineedit *e, bool focused,
                          int click_index);
/* Draws err (and frees it) on up to 3 rows; returns the rows used. */
int ui_wizard_draw_error(ui_app *a, int y, int x, int w, char *err);
void ui_wizard_draw_choice(ui_app *a, int y, int x, int w, bool radio, bool on, bool focused, const char *label,
                           int index);
/* The review: one line per answer, then Run. */
int ui_wizard_draw_review(ui_app *a, int y, int x, int w);

#endif
