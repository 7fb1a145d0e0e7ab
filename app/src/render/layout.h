/* layout.h: the page frame every HTML page shares (head, navigation by role, flash messages,
 * footer). */
#ifndef MG_LAYOUT_H
#define MG_LAYOUT_H

#include <stdbool.h>

struct buf;
struct flash;

struct page {
	const char *title;      /* shown as "<title> · Music Graph"; NULL for the home page */
	const char *body_class; /* e.g. "page-graph" */
	const char *main_class; /* e.g. "content" or "graph-layout" */
	int with_graph_script;  /* include the graph bundle */
	int with_admin_script;  /* include the admin forms' script */
};

/* Who is looking, for the navigation bar; filled by pages/frame.c. */
struct viewer {
	const char *username; /* NULL when anonymous */
	bool is_admin;
	bool registration_open;
	const char *csrf_token; /* for the log-out button */
	const struct flash *flashes;
	int nflashes;
};

/* layout_begin: everything up to and including the opening <main> and the flash messages. */
void layout_begin(struct buf *b, const struct page *p, const struct viewer *v);
/* layout_end: closes <main>, the footer and the document. */
void layout_end(struct buf *b);

#endif
