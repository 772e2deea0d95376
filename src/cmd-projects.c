/* SPDX-License-Identifier: ISC */
/* cmd-projects.c -- dotgit-deploy projects: list the account's projects */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cmd.h"
#include "log.h"
#include "xmalloc.h"

#define PER_PAGE_DEFAULT	20
#define MAX_PAGES		10000
#define NAME_SHOWN		64	/* bytes of a name in the table */
#define NCOLS			4

struct projects_args {
	int	all;
	int	json;
	int	page;		/* 0: not given */
	int	per_page;	/* 0: not given */
};

/* The projects and what the server said about them. */
struct listing {
	struct api_project	*p;
	size_t			 n;
	long			 total;
};

static int	cmd_projects_exec(struct ctx *, int, char **,
		    struct error *);

const struct command cmd_projects_entry = {
	"projects", "[--all] [--page N] [--per-page N] [--json]",
	"list the account's projects", CMD_WANT_REPO | CMD_NEED_CONFIG,
	cmd_projects_exec
};

/*
 * "--name VALUE" or "--name=VALUE" at argv[*i]: 1 with *val set, 0 when
 * it is another option, -1 when the value is missing.
 */
static int
option_value(int argc, char **argv, int *i, const char *name,
    const char **val)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

static int
parse_count(const char *opt, const char *s, int max, int *out,
    struct error *err)
{
	char *end, *shown;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s >= '0' && *s <= '9' && *end == '\0' && errno == 0 && v >= 1 &&
	    v <= max) {
		*out = (int)v;
		return 0;
	}
	shown = log_escape(s, 32);
	if (max == INT_MAX)
		error_set(err, EXIT_USAGE, "invalid %s '%s': a positive whole "
		    "number is needed", opt, shown);
	else
		error_set(err, EXIT_USAGE, "invalid %s '%s': a whole number "
		    "from 1 to %d is needed", opt, shown, max);
	free(shown);
	return -1;
}

/* "--name N": 1 when argv[*i] is that option (*out set), 0 when it is
 * not, -1 on a bad or missing number. */
static int
take_count(int argc, char **argv, int *i, const char *name, int max,
    int *out, struct error *err)
{
	const char *val;
	int r;

	if ((r = option_value(argc, argv, i, name, &val)) < 0)
		return error_set(err, EXIT_USAGE, "option '%s' needs a number",
		    name);
	if (r == 0)
		return 0;
	return parse_count(name, val, max, out, err) < 0 ? -1 : 1;
}

static int
parse_args(struct projects_args *a, int argc, char **argv,
    struct error *err)
{
	int i, r;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			a->all = 1;
		else if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if ((r = take_count(argc, argv, &i, "--page", INT_MAX,
		    &a->page, err)) != 0 ||
		    (r = take_count(argc, argv, &i, "--per-page",
		    API_PER_PAGE_MAX, &a->per_page, err)) != 0) {
			if (r < 0)
				return -1;
		} else
			return cmd_usage(&cmd_projects_entry, err);
	}
	if (a->all && a->page)
		return error_set(err, EXIT_USAGE, "--all and --page cannot be "
		    "used together");
	if (a->per_page == 0)
		a->per_page = a->all ? API_PER_PAGE_MAX : PER_PAGE_DEFAULT;
	if (a->page == 0)
		a->page = 1;
	return 0;
}

/* Move the page's projects to the end of the listing. */
static void
append(struct listing *l, struct api_project *p, size_t n)
{
	l->p = xreallocarray(l->p, l->n + n, sizeof(*l->p));
	if (n > 0)
		memcpy(l->p + l->n, p, n * sizeof(*p));
	l->n += n;
	free(p);
}

/* Every page, until meta.total is reached or a page comes back empty. */
static int
fetch_all(struct api *api, int per_page, struct listing *l,
    struct error *err)
{
	struct api_project *p;
	size_t n, last = 0;	/* where the previous page starts */
	long total;
	int page;

	for (page = 1; page <= MAX_PAGES; page++) {
		if (api_list_projects(api, &p, &n, &total, page, per_page,
		    err) < 0)
			return -1;
		if (page > 1 && n > 0 && last < l->n &&
		    strcmp(p[0].id, l->p[last].id) == 0) {
			api_projects_free(p, n);
			return error_set(err, EXIT_FAIL, "the API sent page %d "
			    "the same as page %d; it may ignore 'page'", page,
			    page - 1);
		}
		last = l->n;
		append(l, p, n);
		l->total = total;
		/* A server that pads, repeats or thins pages cannot keep
		 * us here: no more pages than meta.total needs. */
		if (n == 0 || (total >= 0 && (l->n >= (size_t)total ||
		    page > total / per_page)) ||
		    (total < 0 && n < (size_t)per_page))
			break;
	}
	if (l->total < 0)
		l->total = (long)l->n;
	return 0;
}

/* Columns on a terminal: UTF-8 continuation bytes take none. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
print_row(char *const *cell, const size_t *w)
{
	size_t c, pad;

	for (c = 0; c < NCOLS; c++) {
		fputs(cell[c], stdout);
		if (c == NCOLS - 1)
			break;
		for (pad = width(cell[c]); pad < w[c] + 2; pad++)
			putchar(' ');
	}
	putchar('\n');
}

static void
print_table(const struct listing *l)
{
	static const char *const head[NCOLS] = {
		"ID", "NAME", "FRAMEWORK", "CREATED"
	};
	char **cell = xcalloc(l->n * NCOLS, sizeof(*cell));
	size_t w[NCOLS], i, c;

	for (c = 0; c < NCOLS; c++)
		w[c] = strlen(head[c]);
	for (i = 0; i < l->n; i++) {
		cell[i * NCOLS] = log_escape(l->p[i].id, 0);
		cell[i * NCOLS + 1] = log_escape(l->p[i].name, NAME_SHOWN);
		cell[i * NCOLS + 2] = log_escape(l->p[i].framework ?
		    l->p[i].framework : "-", 0);
		cell[i * NCOLS + 3] = log_escape(l->p[i].created_at ?
		    l->p[i].created_at : "-", 0);
		for (c = 0; c < NCOLS; c++)
			if (width(cell[i * NCOLS + c]) > w[c])
				w[c] = width(cell[i * NCOLS + c]);
	}
	print_row((char *const *)head, w);
	for (i = 0; i < l->n; i++)
		print_row(cell + i * NCOLS, w);
	for (i = 0; i < l->n * NCOLS; i++)
		free(cell[i]);
	free(cell);
}

static void
print_listing(const struct projects_args *a, const struct listing *l)
{
	long pages;
	char *s;

	if (a->json) {
		s = api_projects_json(l->p, l->n, l->total,
		    a->all ? 0 : a->page);
		printf("%s\n", s);
		free(s);
		return;
	}
	if (l->n > 0)
		print_table(l);
	else if (a->all || l->total == 0)
		log_info("no projects");
	else
		log_info("no projects on page %d (%ld in all)", a->page,
		    l->total);
	if (a->all || l->n == 0 || l->total <= (long)a->page * a->per_page)
		return;
	pages = (l->total + a->per_page - 1) / a->per_page;
	log_info("page %d of %ld (%ld projects); see --page N or --all",
	    a->page, pages, l->total);
}

static int
cmd_projects_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	struct projects_args a;
	struct listing l = { NULL, 0, -1 };
	struct api *api = NULL;
	char *key = NULL;
	int rc = -1;

	if (parse_args(&a, argc, argv, err) < 0)
		return -1;
	if (config_read_key(&key, ctx->config, err) < 0 ||
	    api_open(&api, ctx->config, key, 0, err) < 0)
		goto out;
	if (a.all)
		rc = fetch_all(api, a.per_page, &l, err);
	else
		rc = api_list_projects(api, &l.p, &l.n, &l.total, a.page,
		    a.per_page, err);
	if (rc == 0)
		print_listing(&a, &l);
out:
	api_projects_free(l.p, l.n);
	api_free(api);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	return rc;
}
