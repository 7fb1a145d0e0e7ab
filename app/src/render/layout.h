/* layout.h: the page frame every HTML page shares (head, header, navigation, footer). */
#ifndef MG_LAYOUT_H
#define MG_LAYOUT_H

struct buf;

struct page {
	const char *title;      /* shown as "<title> · Music Graph"; NULL for the home page */
	const char *body_class; /* e.g. "page-graph" */
	const char *main_class; /* e.g. "content" or "graph-layout" */
	int with_graph_script;  /* include the graph bundle */
};

/* layout_begin: everything up to and including the opening <main>. */
void layout_begin(struct buf *b, const struct page *p);
/* layout_end: closes <main>, the footer and the document. */
void layout_end(struct buf *b);

#endif
