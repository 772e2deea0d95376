/* SPDX-License-Identifier: ISC */
/*
 * dl-curl.h -- libcurl, loaded on first use (part of api.c; lazylib.h)
 *
 * api.c includes this after <curl/curl.h>: each curl_* it calls goes
 * through dl_curl, filled by dl_curl_load(), which api_open() calls first.
 * A call site reads as before. A new libcurl function: add it to
 * DL_CURL_FUNCS and give it its #define below.
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

#define DL_CURL_PTR(f)	__typeof__(f) *f;
struct dl_curl {
	DL_CURL_FUNCS(DL_CURL_PTR)
};
#undef DL_CURL_PTR

extern struct dl_curl dl_curl;

/* Load libcurl (DL_CURL_SONAME) if not yet: 0, or -1 with err filled. */
int	dl_curl_load(struct error *);

#ifndef DL_CURL_IMPL
#define curl_easy_cleanup	(*dl_curl.curl_easy_cleanup)
#define curl_easy_header	(*dl_curl.curl_easy_header)
#define curl_easy_init		(*dl_curl.curl_easy_init)
#define curl_easy_perform	(*dl_curl.curl_easy_perform)
#define curl_easy_strerror	(*dl_curl.curl_easy_strerror)
#define curl_getdate		(*dl_curl.curl_getdate)
#define curl_global_cleanup	(*dl_curl.curl_global_cleanup)
#define curl_global_init	(*dl_curl.curl_global_init)
#define curl_slist_append	(*dl_curl.curl_slist_append)
#define curl_slist_free_all	(*dl_curl.curl_slist_free_all)
/*
 * curl_easy_setopt and curl_easy_getinfo are macros already: with gcc,
 * curl's typecheck-gcc.h checks the argument's type, then calls the
 * function. Keep the check; send that call (under the same name) to our
 * forwarders in dl-curl.c instead of the linked symbol.
 */
CURLcode (curl_easy_setopt)(CURL *, CURLoption, ...)
    __asm__("dl_curl_easy_setopt");
CURLcode (curl_easy_getinfo)(CURL *, CURLINFO, ...)
    __asm__("dl_curl_easy_getinfo");
#endif

#endif
