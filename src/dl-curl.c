/* SPDX-License-Identifier: ISC */
/* dl-curl.c -- libcurl, loaded on first use (see dl-curl.h) */
#include <stdarg.h>

#include <curl/curl.h>

#include "dl-curl.h"
#include "lazylib.h"
#include "sonames.h"

#define DL_CURL_DEF(f)	__typeof__(f) *sym_##f;
DL_CURL_FUNCS(DL_CURL_DEF)
#undef DL_CURL_DEF

int
dl_curl_load(struct error *err)
{
#define DL_CURL_SYM(f)	{ #f, &sym_##f },
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
dl_curl_setopt(CURL *h, CURLoption opt, ...)
{
	CURLcode rc;
	va_list ap;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = sym_curl_easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = sym_curl_easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = sym_curl_easy_setopt(h, opt,
		    va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = sym_curl_easy_setopt(h, opt,
		    va_arg(ap, curl_off_t));
	else
		rc = sym_curl_easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO takes a pointer. */
CURLcode
dl_curl_getinfo(CURL *h, CURLINFO info, ...)
{
	CURLcode rc;
	va_list ap;

	va_start(ap, info);
	rc = sym_curl_easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}
