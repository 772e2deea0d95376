/*
 * fuzz_glob.c -- rules.c's glob matching, differential against fnmatch.
 *
 * Input: a pattern, a NUL, a name. For a valid pattern P (as
 * rules_pattern_check takes it) without "**", rules_glob_match must
 * agree with fnmatch(P, name, FNM_PATHNAME). The "**" engine is checked
 * through P too: "** / P" matches when P matches the name less some
 * leading segments, "P / **" when P matches some leading segments, at
 * least one left over, "** / P / **" when both.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rules.h"
#include "xmalloc.h"

#define MAX_SEGS	64	/* names longer in segments are not checked */

static int
fn(const char *p, const char *name, size_t len)
{
	char *s = xstrndup(name, len);
	int ok = fnmatch(p, s, FNM_PATHNAME) == 0;

	free(s);
	return ok;
}

/* Where each segment of name starts; the count. */
static size_t
segments(const char *name, const char **start)
{
	const char *p;
	size_t n = 0;

	start[n++] = name;
	for (p = name; *p != '\0' && n < MAX_SEGS; p++)
		if (*p == '/')
			start[n++] = p + 1;
	return *p == '\0' ? n : 0;
}

static void
check(const char *what, const char *pat, const char *p, const char *name,
    int want)
{
	char *q = xasprintf(what, p);

	if (rules_glob_match(q, name) != want)
		fuzz_fail("rules_glob_match('%s', name) != %d (%s, P = '%s')",
		    q, want, what, pat);
	free(q);
}

static void
differential(const char *p, const char *name)
{
	const char *start[MAX_SEGS + 1];
	size_t n = segments(name, start), i, j, len = strlen(name);
	int suffix = 0, prefix = 0, inner = 0;

	if (rules_glob_match(p, name) != fn(p, name, len))
		fuzz_fail("rules_glob_match and fnmatch differ");
	if (n == 0)
		return;
	start[n] = name + len + 1;	/* past the end, as a next start */
	for (i = 0; i < n; i++) {
		/* P against segments i .. j-1 */
		for (j = i + 1; j <= n; j++) {
			if (!fn(p, start[i], (size_t)(start[j] - 1 -
			    start[i])))
				continue;
			suffix |= j == n;
			prefix |= i == 0 && j < n;
			inner |= j < n;
		}
	}
	check("**/%s", p, p, name, suffix);
	check("%s/**", p, p, name, prefix);
	check("**/%s/**", p, p, name, inner);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_str(data, size), *parts[2], why[160];

	if (fuzz_split(buf, size, '\0', parts, 2) == 2) {
		if (rules_pattern_check(parts[0], why, sizeof(why)) == 0 &&
		    strstr(parts[0], "**") == NULL)
			differential(parts[0], parts[1]);
		else
			(void)rules_glob_match(parts[0], parts[1]);
	}
	free(buf);
	return 0;
}
