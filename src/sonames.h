/* SPDX-License-Identifier: ISC */
/* sonames.h -- the libraries loaded on first use (lazylib.h), by soname */
#ifndef DD_SONAMES_H
#define DD_SONAMES_H

/* The Makefile passes the sonames of the development libraries the build
 * used (`make sonames`); these are what the code was written for. */
#ifndef DL_GIT2_SONAME
#define DL_GIT2_SONAME		"libgit2.so.1.5"
#endif
#ifndef DL_CURL_SONAME
#define DL_CURL_SONAME		"libcurl.so.4"
#endif
#ifndef DL_SYSTEMD_SONAME
#define DL_SYSTEMD_SONAME	"libsystemd.so.0"
#endif

#endif
