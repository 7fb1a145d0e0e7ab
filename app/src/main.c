/* main.c: musicgraph, the FastCGI server: configuration, the socket, then the master. */
#include "core/config.h"
#include "core/log.h"
#include "render/assets.h"
#include "server/graph_file.h"
#include "server/listen.h"
#include "server/prefork.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

static void usage(const struct config *cfg)
{
	printf("usage: musicgraph [--help | --version]\n\n"
	       "Music Graph's FastCGI server. It is configured by the environment:\n\n");
	config_describe(cfg, stdout);
}

int main(int argc, char **argv)
{
	struct config cfg;
	char err[256];
	if (config_load(&cfg, err, sizeof(err)) != MG_OK) {
		fprintf(stderr, "musicgraph: %s\n", err);
		return 2;
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(&cfg);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("musicgraph %s\n", MUSICGRAPH_VERSION);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "musicgraph: unknown argument %s (try --help)\n", argv[1]);
		return 2;
	}
	log_set_level(cfg.log_level);
	log_set_tag("master");
	assets_init(cfg.static_dir); /* before the fork: every worker links the same addresses */
	if (FCGX_Init() != 0) {
		fprintf(stderr, "musicgraph: FCGX_Init failed\n");
		return 1;
	}
	struct listener l;
	if (listen_open(&l, cfg.listen, cfg.socket_mode, err, sizeof(err)) != MG_OK) {
		log_error("%s", err);
		return 1;
	}
	log_info("musicgraph %s listening on %s", MUSICGRAPH_VERSION,
	         l.inherited ? "the socket from systemd" : cfg.listen);
	if (cfg.graph_dir[0] != '\0')
		graph_file_clear(cfg.graph_dir); /* files of an earlier run may be stale */
	int rc = prefork_run(&cfg, l.fd);
	listen_close(&l);
	return rc;
}
