/* SPDX-License-Identifier: ISC */
/* dl-curl.c -- libcurl, loaded on first use (see dl-curl.h) */
#include <stdarg.h>

#include <curl/curl.h>

#define DL_CURL_IMPL
#include "dl-curl.h"
#include "lazylib.h"
#include "sonames.h"

/* What api.c's curl_easy_setopt and curl_easy_getinfo call (dl-curl.h). */
CURLcode	dl_curl_easy_setopt(CURL *, CURLoption, ...);
CURLcode	dl_curl_easy_getinfo(CURL *, CURLINFO, ...);

struct dl_curl dl_curl;

int
dl_curl_load(struct error *err)
{
#define DL_CURL_SYM(f)	{ #f, &dl_curl.f },
	static const struct lazylib_sym syms[] = {
		DL_CURL_FUNCS(DL_CURL_SYM)
	};
#undef DL_CURL_SYM
	static void *handle;

	return lazylib_open(&handle, DL_CURL_SONAME, syms,
	    sizeof(syms) / sizeof(syms[0]), err);
}

/* The one argument after the option has the type that the option's number
 * range says (curl.h, CURLOPTTYPE_*), as libcurl itself reads it. */
CURLcode
dl_curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	CURLcode rc;
	va_list ap;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = (*dl_curl.curl_easy_setopt)(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = (*dl_curl.curl_easy_setopt)(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = (*dl_curl.curl_easy_setopt)(h, opt,
		    va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = (*dl_curl.curl_easy_setopt)(h, opt,
		    va_arg(ap, curl_off_t));
	else
		rc = (*dl_curl.curl_easy_setopt)(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO takes a pointer. */
CURLcode
dl_curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	CURLcode rc;
	va_list ap;

	va_start(ap, info);
	rc = (*dl_curl.curl_easy_getinfo)(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}
