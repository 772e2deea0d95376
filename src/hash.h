/* SPDX-License-Identifier: ISC */
/* hash.h -- sha256 as lowercase hex (names of ledger files, idem keys) */
#ifndef DD_HASH_H
#define DD_HASH_H

#include <stddef.h>

#define HASH_SHA256_HEXSZ 64

/* out = lowercase hex sha256 of the len bytes at data, NUL-terminated. */
void	hash_sha256_hex(char out[HASH_SHA256_HEXSZ + 1], const void *data,
	    size_t len);

#endif
