/* hash.c -- sha256 hex digests through OpenSSL's EVP interface */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "hash.h"

void
hash_sha256_hex(char out[HASH_SHA256_HEXSZ + 1], const void *data,
    size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	/* Only a broken libcrypto fails here: like memory, fatal. */
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen * 2 != HASH_SHA256_HEXSZ) {
		fputs("dotgit-deploy: sha256 is not available\n", stderr);
		abort();
	}
	for (i = 0; i < mdlen; i++) {
		out[i * 2] = hex[md[i] >> 4];
		out[i * 2 + 1] = hex[md[i] & 0xf];
	}
	out[HASH_SHA256_HEXSZ] = '\0';
}
