/* Makes the man page's OPTIONS and KEYS, and the bash and zsh
 * completions, from the tables the program itself runs on: the option
 * table (od_options.def, with od_options_man.def's longer texts), the UI's
 * key table (ui_keys.c) and the practice lab's scenarios. Build-time only
 * (not installed):
 *   od-gendoc man TEMPLATE   the page with its generated parts filled in
 *   od-gendoc bash | zsh     a completion script */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_lab.h"
#include "od_options.h"
#include "od_util.h"
#include "ui_keys.h"

static const char *const man_text[OD_OPT_COUNT] = {
#define OD_OPTION_MAN(id, text) [OD_OPT_##id] = text,
#include "od_options_man.def"
#undef OD_OPTION_MAN
};

/* Plain text as roff: backslashes and hyphens escaped, a line starting
 * with a control character protected. */
static void roff_puts(od_buf *b, const char *s, bool flow)
{
    bool line_start = true;
    for (const char *p = s; *p; p++) {
        if (line_start && (*p == '.' || *p == '\''))
            od_buf_puts(b, "\\&");
        line_start = false;
        if (*p == '\\')
            od_buf_puts(b, "\\e");
        else if (*p == '-')
            od_buf_puts(b, "\\-");
        else if (*p == '\n') {
            od_buf_puts(b, flow ? " " : "\n");
            line_start = !flow;
        } else
            od_buf_append(b, p, 1);
    }
}

static void man_option_head(od_buf *b, const od_option *o)
{
    od_buf_puts(b, ".TP\n");
    if (o->short_name && !o->metavar) {
        od_buf_printf(b, ".BR \\-%c \", \" ", o->short_name);
        od_buf_puts(b, "\\-\\-");
        roff_puts(b, o->name, true);
    } else if (o->metavar) {
        od_buf_puts(b, ".BI \\-\\-");
        roff_puts(b, o->name, true);
        od_buf_puts(b, " \" ");
        roff_puts(b, o->metavar, true);
        od_buf_puts(b, "\"");
    } else {
        od_buf_puts(b, ".B \\-\\-");
        roff_puts(b, o->name, true);
    }
    od_buf_puts(b, "\n");
}

static char *man_options(void)
{
    od_buf b;
    od_buf_init(&b);
    for (size_t i = 0; i < OD_OPT_COUNT; i++) {
        const od_option *o = &od_options[i];
        man_option_head(&b, o);
        if (man_text[i]) {
            od_buf_puts(&b, man_text[i]);
        } else {
            /* The --help line as a sentence. */
            char first[2] = {o->help[0], '\0'};
            if (first[0] >= 'a' && first[0] <= 'z')
                first[0] = (char)(first[0] - 'a' + 'A');
            roff_puts(&b, first, true);
            roff_puts(&b, o->help + 1, true);
            od_buf_puts(&b, ".");
        }
        if (o->values) {
            od_buf_puts(&b, "\nAllowed: ");
            char *v = od_xstrdup(o->values), *save = NULL;
            bool first_value = true;
            for (char *t = strtok_r(v, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
                od_buf_puts(&b, first_value ? "" : ", ");
                roff_puts(&b, t, true);
                first_value = false;
            }
            free(v);
            od_buf_puts(&b, o->kind == OD_VAL_LIST ? " (a comma list)." : ".");
        }
        od_buf_puts(&b, "\n");
    }
    od_buf_puts(&b, ".TP\n.B \\-\\-\nThe end of the options: what follows is the origin domain, even when it\n"
                    "starts with \\-.\n");
    return od_buf_steal(&b);
}

static char *man_keys(void)
{
    size_t n;
    const ui_binding *t = ui_bindings(&n);
    od_buf b;
    od_buf_init(&b);
    for (int ctx = 0; ctx < UI_CTX_COUNT; ctx++) {
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            if ((int)t[i].ctx != ctx || !t[i].key_name)
                continue;
            /* A key listed once per context, with its first meaning. */
            bool seen = false;
            for (size_t k = 0; k < i && !seen; k++)
                seen = (int)t[k].ctx == ctx && t[k].key_name && strcmp(t[k].key_name, t[i].key_name) == 0;
            if (seen)
                continue;
            if (!any) {
                od_buf_puts(&b, ".SS ");
                roff_puts(&b, ui_ctx_title((ui_ctx)ctx), true);
                od_buf_puts(&b, "\n");
                any = true;
            }
            od_buf_puts(&b, ".TP\n.B ");
            roff_puts(&b, t[i].key_name, true);
            od_buf_puts(&b, "\n");
            roff_puts(&b, t[i].help && *t[i].help ? t[i].help : t[i].label, true);
            od_buf_puts(&b, "\n");
        }
    }
    return od_buf_steal(&b);
}

/* Replaces the text between `.\" BEGIN GENERATED NAME` and
 * `.\" END GENERATED NAME` in the template. */
static int fill(char **page, const char *name, const char *text)
{
    char *begin = od_xasprintf(".\\\" BEGIN GENERATED %s", name), *end = od_xasprintf(".\\\" END GENERATED %s", name);
    char *b = strstr(*page, begin);
    char *e = b ? strstr(b, end) : NULL;
    int rc = 0;
    if (!b || !e) {
        fprintf(stderr, "od-gendoc: the template has no %s ... %s lines\n", begin, end);
        rc = -1;
    } else {
        char *line_end = strchr(b, '\n');
        od_buf out;
        od_buf_init(&out);
        od_buf_append(&out, *page, (size_t)(line_end + 1 - *page));
        od_buf_puts(&out, text);
        od_buf_puts(&out, e);
        free(*page);
        *page = od_buf_steal(&out);
    }
    free(begin);
    free(end);
    return rc;
}

static int man(const char *template_path)
{
    size_t len;
    char *page = od_read_file(template_path, &len);
    if (!page) {
        fprintf(stderr, "od-gendoc: cannot read %s\n", template_path);
        return 1;
    }
    char *options = man_options(), *keys = man_keys();
    int rc = fill(&page, "OPTIONS", options) || fill(&page, "KEYS", keys) ? 1 : 0;
    if (rc == 0)
        fputs(page, stdout);
    free(options);
    free(keys);
    free(page);
    return rc;
}

static void lab_names(od_buf *b)
{
    size_t n;
    const od_lab_scenario *s = od_lab_scenarios(&n);
    od_buf_puts(b, "list");
    for (size_t i = 0; i < n; i++)
        od_buf_printf(b, " %s", s[i].name);
}

/* '|' separated values as words. */
static void value_words(od_buf *b, const char *values)
{
    for (const char *p = values; *p; p++)
        od_buf_append(b, *p == '|' ? " " : p, 1);
}

static void bash_case_names(od_buf *b, od_value_kind kind)
{
    bool any = false;
    for (size_t i = 0; i < OD_OPT_COUNT; i++)
        if (od_options[i].kind == kind) {
            od_buf_printf(b, "%s--%s", any ? "|" : "        ", od_options[i].name);
            any = true;
        }
    if (any)
        od_buf_puts(b, ")\n");
}

static int bash(void)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, "# bash completion for origin-doctor; generated by od-gendoc from the option table.\n"
                    "_origin_doctor_origin_ids() {\n"
                    "    # the origins of the --distribution-config given earlier on the line, as the\n"
                    "    # program reads them (an unknown --origin-id lists them; nothing is probed)\n"
                    "    local i file=\n"
                    "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
                    "        case ${COMP_WORDS[i]} in\n"
                    "        --distribution-config) file=${COMP_WORDS[i + 1]} ;;\n"
                    "        --distribution-config=*) file=${COMP_WORDS[i]#*=} ;;\n"
                    "        esac\n"
                    "    done\n"
                    "    [ -n \"$file\" ] && [ -r \"${file/#\\~/$HOME}\" ] || return 0\n"
                    "    \"${COMP_WORDS[0]}\" --batch --distribution-config \"${file/#\\~/$HOME}\" --origin-id '' "
                    "2>&1 >/dev/null </dev/null |\n"
                    "        awk '/^  [^ ]/ && / custom origin$/ { print $1 }'\n"
                    "}\n\n"
                    "_origin_doctor() {\n"
                    "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} opt\n"
                    "    opt=$prev\n"
                    "    # \"--flag=value\": bash splits at '=' (COMP_WORDBREAKS)\n"
                    "    if [ \"$prev\" = \"=\" ] && [ \"$COMP_CWORD\" -ge 2 ]; then\n"
                    "        opt=${COMP_WORDS[COMP_CWORD - 2]}\n"
                    "    elif [ \"$cur\" = \"=\" ]; then\n"
                    "        opt=$prev cur=\n"
                    "    fi\n"
                    "    COMPREPLY=()\n"
                    "    case $opt in\n");
    for (size_t i = 0; i < OD_OPT_COUNT; i++) {
        const od_option *o = &od_options[i];
        if (o->kind != OD_VAL_CHOICE && o->kind != OD_VAL_LIST)
            continue;
        od_buf_printf(&b, "    --%s)\n", o->name);
        od_buf_puts(&b, "        local words=\"");
        value_words(&b, o->values);
        od_buf_puts(&b, "\"\n");
        if (o->kind == OD_VAL_CHOICE) {
            od_buf_puts(&b, "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n");
        } else {
            od_buf_puts(&b, "        local done=\n"
                            "        case $cur in *,*) done=${cur%,*}, ;; esac\n"
                            "        COMPREPLY=($(compgen -P \"$done\" -W \"$words\" -- \"${cur##*,}\"))\n"
                            "        compopt -o nospace 2>/dev/null\n");
        }
        od_buf_puts(&b, "        return ;;\n");
    }
    od_buf_puts(&b, "    ");
    size_t start = b.len;
    bash_case_names(&b, OD_VAL_FILE);
    if (b.len > start)
        od_buf_puts(&b, "        compopt -o filenames 2>/dev/null\n"
                        "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
                        "        return ;;\n");
    od_buf_puts(&b, "    --lab)\n        COMPREPLY=($(compgen -W \"");
    lab_names(&b);
    od_buf_puts(&b, "\" -- \"$cur\"))\n        return ;;\n"
                    "    --origin-id)\n"
                    "        COMPREPLY=($(compgen -W \"$(_origin_doctor_origin_ids)\" -- \"$cur\"))\n"
                    "        return ;;\n");
    /* Values with nothing to offer: complete nothing rather than flags. */
    for (size_t i = 0; i < OD_OPT_COUNT; i++) {
        od_value_kind k = od_options[i].kind;
        if (k == OD_VAL_TEXT || k == OD_VAL_NUMBER || k == OD_VAL_HOST)
            od_buf_printf(&b, "    --%s) return ;;\n", od_options[i].name);
    }
    od_buf_puts(&b, "    esac\n"
                    "    if [[ $cur == -* ]]; then\n"
                    "        COMPREPLY=($(compgen -W \"");
    for (size_t i = 0; i < OD_OPT_COUNT; i++)
        od_buf_printf(&b, "%s--%s", i ? " " : "", od_options[i].name);
    for (size_t i = 0; i < OD_OPT_COUNT; i++)
        if (od_options[i].short_name)
            od_buf_printf(&b, " -%c", od_options[i].short_name);
    od_buf_puts(&b, "\" -- \"$cur\"))\n"
                    "    else\n"
                    "        COMPREPLY=($(compgen -A hostname -- \"$cur\"))\n"
                    "    fi\n"
                    "}\n"
                    "complete -F _origin_doctor origin-doctor\n");
    fputs(b.data, stdout);
    od_buf_free(&b);
    return 0;
}

/* Help text for zsh's [...] descriptions: one line, no brackets or quotes. */
static void zsh_text(od_buf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        char c = *p == '\n' ? ' ' : *p;
        if (c == '[' || c == ']')
            c = c == '[' ? '(' : ')';
        if (c == '\'' || c == '`')
            continue;
        if (c == ':' || c == '\\')
            od_buf_append(b, "\\", 1);
        od_buf_append(b, &c, 1);
    }
}

static int zsh(void)
{
    od_buf b;
    od_buf_init(&b);
    od_buf_puts(&b, "#compdef origin-doctor\n"
                    "# zsh completion for origin-doctor; generated by od-gendoc from the option table.\n\n"
                    "_origin_doctor_origin_ids() {\n"
                    "    local file=${opt_args[--distribution-config]}\n"
                    "    [[ -n $file && -r ${~file} ]] || return 1\n"
                    "    local -a ids\n"
                    "    ids=(${(f)\"$(origin-doctor --batch --distribution-config ${~file} --origin-id '' "
                    "2>&1 >/dev/null </dev/null | awk '/^  [^ ]/ && / custom origin$/ { print $1 }')\"})\n"
                    "    _describe -t origins 'origin id' ids\n"
                    "}\n\n"
                    "_origin_doctor() {\n"
                    "    _arguments -s -S \\\n");
    for (size_t i = 0; i < OD_OPT_COUNT; i++) {
        const od_option *o = &od_options[i];
        od_buf_puts(&b, "        '");
        if (o->short_name)
            od_buf_printf(&b, "(-%c --%s)'{-%c,--%s}'", o->short_name, o->name, o->short_name, o->name);
        else
            od_buf_printf(&b, "%s--%s%s", o->kind == OD_VAL_NONE ? "" : "*", o->name,
                          o->kind == OD_VAL_NONE ? "" : "=");
        od_buf_puts(&b, "[");
        zsh_text(&b, o->help);
        od_buf_puts(&b, "]");
        if (o->kind != OD_VAL_NONE) {
            od_buf_puts(&b, ":");
            zsh_text(&b, o->metavar);
            od_buf_puts(&b, ":");
            switch (o->kind) {
            case OD_VAL_FILE:
                od_buf_puts(&b, "_files");
                break;
            case OD_VAL_CHOICE:
                od_buf_puts(&b, "(");
                value_words(&b, o->values);
                od_buf_puts(&b, ")");
                break;
            case OD_VAL_LIST:
                od_buf_puts(&b, "_sequence compadd - ");
                value_words(&b, o->values);
                break;
            case OD_VAL_LAB:
                od_buf_puts(&b, "(");
                lab_names(&b);
                od_buf_puts(&b, ")");
                break;
            case OD_VAL_ORIGIN_ID:
                od_buf_puts(&b, "_origin_doctor_origin_ids");
                break;
            case OD_VAL_HOST:
                od_buf_puts(&b, "_hosts");
                break;
            case OD_VAL_TEXT:
            case OD_VAL_NUMBER:
            case OD_VAL_NONE:
                od_buf_puts(&b, " ");
                break;
            }
        }
        od_buf_puts(&b, "' \\\n");
    }
    od_buf_puts(&b, "        '1:origin domain:_hosts'\n"
                    "}\n\n"
                    "_origin_doctor \"$@\"\n");
    fputs(b.data, stdout);
    od_buf_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "man") == 0)
        return man(argv[2]);
    if (argc == 2 && strcmp(argv[1], "bash") == 0)
        return bash();
    if (argc == 2 && strcmp(argv[1], "zsh") == 0)
        return zsh();
    fputs("usage: od-gendoc man TEMPLATE | bash | zsh\n", stderr);
    return 2;
}
