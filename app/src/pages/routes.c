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
    {"GET", "/metrics", ACCESS_PUBLIC, page_metrics},
    {"GET", "/login", ACCESS_PUBLIC, page_login},
    {"POST", "/login", ACCESS_PUBLIC, page_login_post},
    {"POST", "/logout", ACCESS_USER, page_logout_post},
    {"GET", "/register", ACCESS_PUBLIC, page_register},
    {"POST", "/register", ACCESS_PUBLIC, page_register_post},
    {"GET", "/account", ACCESS_USER, page_account},
    {"POST", "/account/password", ACCESS_USER, page_account_password_post},
    {"POST", "/account/sessions/end-others", ACCESS_USER, page_account_end_others_post},
    {"POST", "/account/sessions/:/end", ACCESS_USER, page_account_session_end_post},
    {"GET", "/admin/users", ACCESS_ADMIN, page_admin_users},
    {"POST", "/admin/users/:/toggle-admin", ACCESS_ADMIN, page_admin_users_toggle_post},
    {"GET", "/admin/audit", ACCESS_ADMIN, page_admin_audit},
    {"GET", "/admin", ACCESS_ADMIN, page_admin},
    {"GET", "/admin/genres/new", ACCESS_ADMIN, page_admin_genre_new},
    {"POST", "/admin/genres/new", ACCESS_ADMIN, page_admin_genre_new_post},
    {"GET", "/admin/genres/:/edit", ACCESS_ADMIN, page_admin_genre_edit},
    {"POST", "/admin/genres/:/edit", ACCESS_ADMIN, page_admin_genre_edit_post},
    {"POST", "/admin/genres/:/delete", ACCESS_ADMIN, page_admin_genre_delete_post},
    {"GET", "/admin/bands/new", ACCESS_ADMIN, page_admin_band_new},
    {"POST", "/admin/bands/new", ACCESS_ADMIN, page_admin_band_new_post},
    {"GET", "/admin/bands/:/edit", ACCESS_ADMIN, page_admin_band_edit},
    {"POST", "/admin/bands/:/edit", ACCESS_ADMIN, page_admin_band_edit_post},
    {"POST", "/admin/bands/:/delete", ACCESS_ADMIN, page_admin_band_delete_post},
    /* the old application's addresses */
    {"GET", "/add-genre", ACCESS_PUBLIC, page_legacy_add_genre},
    {"GET", "/add-band", ACCESS_PUBLIC, page_legacy_add_band},
    {"GET", "/edit-genre/:", ACCESS_PUBLIC, page_legacy_edit_genre},
    {"GET", "/edit-band/:", ACCESS_PUBLIC, page_legacy_edit_band},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
