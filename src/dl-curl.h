/* SPDX-License-Identifier: ISC */
/*
 * dl-curl.h -- libcurl, loaded on first use (part of api.c; lazylib.h)
 *
 * One list: each libcurl function api.c calls is named once in
 * DL_CURL_FUNCS, which declares a pointer sym_<name> of the function's
 * own type, filled by dl_curl_load(), which api_open() calls first.
 * curl_easy_setopt and curl_easy_getinfo take one argument of a type
 * the option says: api.c calls them as dl_curl_setopt and
 * dl_curl_getinfo, which pass it on as libcurl reads it. A new libcurl
 * function: add it to the list.
 */
#ifndef DD_DL_CURL_H
#define DD_DL_CURL_H

#include "error.h"

#define DL_CURL_FUNCS(X) \
	X(curl_easy_cleanup) \
	X(curl_easy_getinfo) \
	X(curl_easy_header) \
	X(curl_easy_init) \
	X(curl_easy_perform) \
	X(curl_easy_setopt) \
	X(curl_easy_strerror) \
	X(curl_getdate) \
	X(curl_global_cleanup) \
	X(curl_global_init) \
	X(curl_slist_append) \
	X(curl_slist_free_all) \
	/* end */

#define DL_CURL_PROTO(f)	extern __typeof__(f) *sym_##f;
DL_CURL_FUNCS(DL_CURL_PROTO)
#undef DL_CURL_PROTO

/* Load libcurl (DL_CURL_SONAME) if not yet: 0, or -1 with err filled. */
int	dl_curl_load(struct error *);
CURLcode dl_curl_setopt(CURL *, CURLoption, ...);
CURLcode dl_curl_getinfo(CURL *, CURLINFO, ...);

#endif
