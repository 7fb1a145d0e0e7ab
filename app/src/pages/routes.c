/* routes.c: every route the server answers, with its access level. */
#include "pages/pages.h"

const struct route routes[] = {
    {"GET", "/", ACCESS_PUBLIC, page_home},
    {"GET", "/api/graph", ACCESS_PUBLIC, page_api_graph},
    {"GET", "/genres", ACCESS_PUBLIC, page_genre_index},
    {"GET", "/genres/:", ACCESS_PUBLIC, page_genre_show},
    {"GET", "/bands", ACCESS_PUBLIC, page_band_index},
    {"GET", "/bands/:", ACCESS_PUBLIC, page_band_show},
    {"GET", "/search", ACCESS_PUBLIC, page_search},
    {"GET", "/healthz", ACCESS_PUBLIC, page_healthz},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
