/* SPDX-License-Identifier: ISC */
/* keymap.c -- (number, string) -> number, open addressing (keymap.h) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "xmalloc.h"

#define FIRST_SIZE	16

static size_t	hash_key(int tag, const char *str);
static struct keymap_entry *slot(const struct keymap *, int, const char *,
		    size_t);
static void	grow(struct keymap *);

/* FNV-1a (64 bits) of the tag's bytes, then the string's. */
static size_t
hash_key(int tag, const char *str)
{
	uint64_t h = 14695981039346656037ULL;
	unsigned int t = (unsigned int)tag;
	size_t i;

	for (i = 0; i < sizeof(t); i++, t >>= 8) {
		h ^= t & 0xff;
		h *= 1099511628211ULL;
	}
	for (; *str != '\0'; str++) {
		h ^= (unsigned char)*str;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* The slot holding (tag, str), or the free one where it would go. */
static struct keymap_entry *
slot(const struct keymap *m, int tag, const char *str, size_t h)
{
	struct keymap_entry *e;
	size_t i = h & (m->size - 1);

	for (;; i = (i + 1) & (m->size - 1)) {
		e = &m->v[i];
		if (e->str == NULL || (e->hash == h && e->tag == tag &&
		    strcmp(e->str, str) == 0))
			return e;
	}
}

static void
grow(struct keymap *m)
{
	struct keymap_entry *old = m->v, *e;
	size_t i, n = m->size;

	m->size = n == 0 ? FIRST_SIZE : n * 2;
	m->v = xcalloc(m->size, sizeof(*m->v));
	for (i = 0; i < n; i++)
		if (old[i].str != NULL) {
			e = slot(m, old[i].tag, old[i].str, old[i].hash);
			*e = old[i];
		}
	free(old);
}

int
keymap_get(const struct keymap *m, int tag, const char *str, long *value)
{
	const struct keymap_entry *e;

	if (m->n == 0)
		return 0;
	e = slot(m, tag, str, hash_key(tag, str));
	if (e->str == NULL)
		return 0;
	if (value != NULL)
		*value = e->value;
	return 1;
}

void
keymap_set(struct keymap *m, int tag, const char *str, long value)
{
	struct keymap_entry *e;
	size_t h = hash_key(tag, str);

	if ((m->n + 1) * 2 > m->size)
		grow(m);
	e = slot(m, tag, str, h);
	if (e->str == NULL) {
		e->str = xstrdup(str);
		e->tag = tag;
		e->hash = h;
		m->n++;
	}
	e->value = value;
}

void
keymap_release(struct keymap *m)
{
	size_t i;

	for (i = 0; i < m->size; i++)
		free(m->v[i].str);
	free(m->v);
	memset(m, 0, sizeof(*m));
}
