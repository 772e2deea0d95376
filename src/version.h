/* SPDX-License-Identifier: ISC */
#ifndef DD_VERSION_H
#define DD_VERSION_H
#ifndef DD_VERSION
#define DD_VERSION "0.1.0"
#endif
#endif
