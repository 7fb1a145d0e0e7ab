/* test_assets.c: the static files' fingerprinted addresses and the default data folders. */
#include "check.h"
#include "core/log.h"
#include "core/paths.h"
#include "render/assets.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

int main(void)
{
	log_set_level("error"); /* the missing files' warnings are expected here */

	/* before assets_init: the plain addresses */
	CHECK_STR(assets_url(ASSET_SITE_CSS), "/static/css/site.css");
	CHECK_STR(assets_url(ASSET_GRAPH_JS), "/static/js/graph.bundle.js");

	char dir[] = "/tmp/mg-assets-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char css[64], js[64], path[128];
	snprintf(css, sizeof(css), "%s/css", dir);
	snprintf(js, sizeof(js), "%s/js", dir);
	CHECK(mkdir(css, 0700) == 0 && mkdir(js, 0700) == 0);
	snprintf(path, sizeof(path), "%s/site.css", css);
	write_file(path, "abc");

	/* SHA-256("abc") = ba7816bf8f01cfea... (FIPS 180-2); the two scripts are missing */
	assets_init(dir);
	CHECK_STR(assets_url(ASSET_SITE_CSS), "/static/css/site.css?v=ba7816bf8f01");
	CHECK_STR(assets_url(ASSET_GRAPH_JS), "/static/js/graph.bundle.js");
	CHECK_STR(assets_url(ASSET_ADMIN_JS), "/static/js/admin.js");

	/* a changed file gets a new address; a file that appeared gets one */
	write_file(path, "abd");
	snprintf(path, sizeof(path), "%s/admin.js", js);
	write_file(path, "");
	assets_init(dir);
	CHECK(strcmp(assets_url(ASSET_SITE_CSS), "/static/css/site.css?v=ba7816bf8f01") != 0);
	CHECK(strncmp(assets_url(ASSET_SITE_CSS), "/static/css/site.css?v=", 23) == 0);
	CHECK(strlen(assets_url(ASSET_SITE_CSS)) == 23 + 12);
	/* SHA-256("") = e3b0c44298fc... */
	CHECK_STR(assets_url(ASSET_ADMIN_JS), "/static/js/admin.js?v=e3b0c44298fc");

	/* a folder that does not exist: every address plain again */
	assets_init("/nonexistent/mg-static");
	CHECK_STR(assets_url(ASSET_SITE_CSS), "/static/css/site.css");
	CHECK_STR(assets_url(ASSET_ADMIN_JS), "/static/js/admin.js");

	unlink(path);
	snprintf(path, sizeof(path), "%s/site.css", css);
	unlink(path);
	rmdir(css);
	rmdir(js);
	rmdir(dir);

	/* run from the build folder (no ../share/musicgraph next to it): the source tree */
	CHECK_STR(paths_data_dir("migrations"), MUSICGRAPH_SOURCE_DIR "/sql/migrations");
	CHECK_STR(paths_data_dir("static"), MUSICGRAPH_SOURCE_DIR "/app/static");
	CHECK(paths_data_dir("nonsense") == NULL);
	return check_done("test_assets");
}
