/* Scroll and selection arithmetic, curses-free. */
#include "ui_list.h"

void ui_list_init(ui_list *l)
{
    l->count = l->sel = l->top = 0;
}

void ui_list_set_count(ui_list *l, size_t count)
{
    l->count = count;
    if (count == 0) {
        l->sel = l->top = 0;
        return;
    }
    if (l->sel >= count)
        l->sel = count - 1;
    if (l->top > l->sel)
        l->top = l->sel;
}

void ui_list_move(ui_list *l, long delta)
{
    if (l->count == 0)
        return;
    if (delta < 0) {
        size_t d = (size_t)(-delta);
        l->sel = d > l->sel ? 0 : l->sel - d;
    } else {
        size_t d = (size_t)delta;
        l->sel = l->sel + d >= l->count ? l->count - 1 : l->sel + d;
    }
}

void ui_list_select(ui_list *l, size_t row)
{
    if (l->count == 0)
        return;
    l->sel = row >= l->count ? l->count - 1 : row;
}

void ui_list_home(ui_list *l)
{
    l->sel = 0;
    l->top = 0;
}

void ui_list_end(ui_list *l)
{
    if (l->count)
        l->sel = l->count - 1;
}

void ui_list_scroll(ui_list *l, size_t height)
{
    if (height == 0)
        return;
    if (l->sel < l->top)
        l->top = l->sel;
    else if (l->sel >= l->top + height)
        l->top = l->sel - height + 1;
    /* do not leave empty space below the last row when it can be filled */
    if (l->count > height && l->top > l->count - height)
        l->top = l->count - height;
    if (l->count <= height)
        l->top = 0;
}
