/* audit_detail.h: the "Changes" cell of the audit log page, from an entry's detail JSON. */
#ifndef MG_AUDIT_DETAIL_H
#define MG_AUDIT_DETAIL_H

struct arena;
struct buf;

/* audit_detail_html: append to b the fields that differ between "before" and "after" of
 * detail ({"before": {...}, "after": {...}}, either may be missing) as a <ul>, or the detail
 * verbatim (escaped, in a <pre>) when it has another shape. Any NUL-terminated bytes are safe;
 * what it allocates lives in a. */
void audit_detail_html(struct arena *a, struct buf *b, const char *detail);

#endif
