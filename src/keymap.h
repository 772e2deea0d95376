/* SPDX-License-Identifier: ISC */
/* keymap.h -- a hash table from (number, string) keys to numbers */
#ifndef DD_KEYMAP_H
#define DD_KEYMAP_H

#include <stddef.h>

/*
 * Open addressing (linear probing) that doubles when half full, so a
 * lookup costs one hash and a probe or two however many keys it holds:
 * what the configuration uses to find a duplicate rule or key among
 * thousands. hsearch_r(3) is not used: its table cannot grow, and it
 * keeps neither the keys nor a way to free them. The key is a number
 * (a kind, a section) and a string, copied. Zero-initialized (or
 * KEYMAP_INIT) is an empty map; keymap_release frees it.
 */
struct keymap_entry {
	char	*str;			/* NULL: a free slot */
	int	 tag;
	size_t	 hash;
	long	 value;
};

struct keymap {
	struct keymap_entry	*v;
	size_t			 size;	/* slots: 0 or a power of two */
	size_t			 n;	/* keys */
};

#define KEYMAP_INIT	{ NULL, 0, 0 }

/* 1 and *value (may be NULL) if (tag, str) is there, else 0. */
int	keymap_get(const struct keymap *, int tag, const char *str,
	    long *value);
/* Add (tag, str) with value, or replace its value. */
void	keymap_set(struct keymap *, int tag, const char *str, long value);
/* Empty it, and free what it holds. */
void	keymap_release(struct keymap *);

#endif
