/* SPDX-License-Identifier: ISC */
/*
 * hash.c -- sha256 hex digests, from libmd (SHA256Data).
 *
 * libmd is Debian's message digest library (libmd0 is required by libbsd,
 * so on every system): linking it costs a run ~53 000 instructions of the
 * dynamic loader (callgrind, 2026-12), some 20 us, where OpenSSL's EVP
 * would initialize libcrypto (and read openssl.cnf) on the hook's hot
 * path for a few dozen bytes, about a millisecond per push.
 */
#include <sha2.h>

#include "hash.h"

_Static_assert(HASH_SHA256_HEXSZ + 1 == SHA256_DIGEST_STRING_LENGTH,
    "SHA256Data writes 64 hex digits and a NUL");

void
hash_sha256_hex(char out[HASH_SHA256_HEXSZ + 1], const void *data,
    size_t len)
{
	SHA256Data(data, len, out);
}
