/* paths.h: where the installed data folders are (PREFIX/share/musicgraph/...), found from the
 * running program's own location so that an installed tree works wherever it was installed. */
#ifndef MG_PATHS_H
#define MG_PATHS_H

/* paths_data_dir: the folder of one kind of data, "migrations" or "static" (anything else
 * returns NULL). For an installed program (BINDIR/musicgraph) that is
 * BINDIR/MUSICGRAPH_BIN_TO_DATA/NAME, i.e. PREFIX/share/musicgraph/NAME, when that folder
 * exists; otherwise, for a program run from its build folder, the source tree's folder
 * (sql/migrations, app/static). Computed once per name; the string is static storage. */
const char *paths_data_dir(const char *name);

#endif
