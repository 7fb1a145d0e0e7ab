/* assets.c: content fingerprints of the static files the pages link to. */
#include "render/assets.h"
#include "core/log.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define FINGERPRINT_HEX 12 /* 48 bits of SHA-256: plenty to tell versions apart */

static const char *const files[ASSET__COUNT] = {
    [ASSET_SITE_CSS] = "css/site.css",
    [ASSET_GRAPH_JS] = "js/graph.bundle.js",
    [ASSET_ADMIN_JS] = "js/admin.js",
};

/* "/static/" + file + "?v=" + hex digits */
static char urls[ASSET__COUNT][64];

/* file_fingerprint: the first FINGERPRINT_HEX hex digits of the SHA-256 of path into hex;
 * 0 and errno set when the file cannot be read. */
static int file_fingerprint(const char *path, char hex[FINGERPRINT_HEX + 1])
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	unsigned char chunk[16384];
	size_t n;
	while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ok = EVP_DigestUpdate(ctx, chunk, n) == 1;
	int saved = ferror(f) ? errno : 0;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	ok = ok && saved == 0 && EVP_DigestFinal_ex(ctx, digest, &len) == 1;
	EVP_MD_CTX_free(ctx);
	fclose(f);
	if (!ok) {
		errno = saved ? saved : EIO;
		return 0;
	}
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < FINGERPRINT_HEX; i++)
		hex[i] = digits[(digest[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	hex[FINGERPRINT_HEX] = '\0';
	return 1;
}

void assets_init(const char *static_dir)
{
	for (int a = 0; a < ASSET__COUNT; a++) {
		char path[4096], hex[FINGERPRINT_HEX + 1];
		snprintf(path, sizeof(path), "%s/%s", static_dir, files[a]);
		if (file_fingerprint(path, hex)) {
			snprintf(urls[a], sizeof(urls[a]), "/static/%s?v=%s", files[a], hex);
		} else {
			log_warn("static file %s: %s; linked without a ?v= fingerprint "
			         "(MUSICGRAPH_STATIC_DIR=%s)",
			         path, strerror(errno), static_dir);
			snprintf(urls[a], sizeof(urls[a]), "/static/%s", files[a]);
		}
	}
}

const char *assets_url(enum asset a)
{
	if (urls[a][0] == '\0')
		snprintf(urls[a], sizeof(urls[a]), "/static/%s", files[a]);
	return urls[a];
}
