/* assets.h: the addresses the pages link their static files by, fingerprinted with the file's
 * content (/static/css/site.css?v=<12 hex digits of its SHA-256>) so nginx can let browsers
 * cache them for a year: a changed file gets a new address. */
#ifndef MG_ASSETS_H
#define MG_ASSETS_H

enum asset {
	ASSET_SITE_CSS, /* css/site.css */
	ASSET_GRAPH_JS, /* js/graph.bundle.js */
	ASSET_ADMIN_JS, /* js/admin.js */
	ASSET__COUNT
};

/* assets_init: hash every asset under static_dir (MUSICGRAPH_STATIC_DIR), once, in the master
 * before it forks the workers. A file that cannot be read is logged as a warning and keeps
 * its plain address (no ?v=, so nginx caches it briefly). Calling it again recomputes. */
void assets_init(const char *static_dir);

/* assets_url: the address of an asset for an href or src: fingerprinted once assets_init has
 * found the file, the plain /static/... address otherwise. Static storage. */
const char *assets_url(enum asset a);

#endif
