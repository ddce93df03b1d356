// ncursesw for the console's Terminal backend. SwiftPM drops the -D_XOPEN_SOURCE flags ncursesw.pc asks
// for, so the wide-character API is switched on here, before <ncurses.h>; the macros Swift cannot import
// (attributes, colour pairs, key codes) are wrapped in tiny functions.
#ifndef SHOPDECK_NCURSES_SHIM_H
#define SHOPDECK_NCURSES_SHIM_H
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncurses.h>

static inline attr_t shopdeck_a_normal(void) { return A_NORMAL; }
static inline attr_t shopdeck_a_bold(void) { return A_BOLD; }
static inline attr_t shopdeck_a_dim(void) { return A_DIM; }
static inline attr_t shopdeck_a_reverse(void) { return A_REVERSE; }
static inline attr_t shopdeck_a_underline(void) { return A_UNDERLINE; }
static inline int shopdeck_color_pair(int pair) { return (int)COLOR_PAIR(pair); }
static inline int shopdeck_key_resize(void) { return KEY_RESIZE; }
static inline int shopdeck_key_btab(void) { return KEY_BTAB; }
static inline int shopdeck_key_up(void) { return KEY_UP; }
static inline int shopdeck_key_down(void) { return KEY_DOWN; }
static inline int shopdeck_key_ppage(void) { return KEY_PPAGE; }
static inline int shopdeck_key_npage(void) { return KEY_NPAGE; }
static inline int shopdeck_key_home(void) { return KEY_HOME; }
static inline int shopdeck_key_end(void) { return KEY_END; }
static inline int shopdeck_key_enter(void) { return KEY_ENTER; }
static inline int shopdeck_key_backspace(void) { return KEY_BACKSPACE; }
static inline int shopdeck_key_code_yes(void) { return KEY_CODE_YES; }
static inline int shopdeck_err(void) { return ERR; }
static inline int shopdeck_lines(void) { return LINES; }
static inline int shopdeck_color_pairs(void) { return COLOR_PAIRS; }
static inline int shopdeck_keypad(int on) { return keypad(stdscr, on ? TRUE : FALSE); }
static inline int shopdeck_cols(void) { return COLS; }

/// Writes one grapheme (UTF-8) with attributes at (y, x): wide characters through setcchar/mvadd_wch.
static inline int shopdeck_put(int y, int x, const wchar_t *text, attr_t attributes, short pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attributes, pair, NULL) != OK) return ERR;
    return mvadd_wch(y, x, &cell);
}
#endif
