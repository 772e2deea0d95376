/* SPDX-License-Identifier: ISC */
/* cmd-projects.c -- dotgit-deploy projects: list the account's projects */
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

static int	 cmd_projects_exec(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 parse_args(struct projects_args *, const struct cmd_args *,
		    struct error *);
static void	 append(struct listing *, struct api_project *, size_t);
static int	 fetch_all(struct api *, int, struct listing *, struct error *);
static size_t	 width(const char *);
static void	 print_row(char *const *, const size_t *);
static void	 print_table(const struct listing *);
static void	 print_listing(const struct projects_args *,
		    const struct listing *);

static const struct cmd_option options[] = {
	{ "all", 0, NULL, 0, "every page, not only one" },
	{ "page", 0, "N", 0, "show page N (default 1)" },
	{ "per-page", 0, "N", 0,
	    "projects per page, 1 to 100 (default 20; 100 with --all)" },
	{ "json", 0, NULL, 0, "print the projects as JSON" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct command cmd_projects_entry = {
	.name = "projects",
	.summary = "list the account's projects (their ids go in [project] "
	    "id)",
	.options = options,
	.flags = CMD_WANT_REPO | CMD_NEED_CONFIG,
	.exec = cmd_projects_exec,
};

static int
parse_args(struct projects_args *a, const struct cmd_args *args,
    struct error *err)
{
	memset(a, 0, sizeof(*a));
	a->all = cmd_args_has(args, "all");
	a->json = cmd_args_has(args, "json");
	if (cmd_args_number(args, "page", 1, INT_MAX, &a->page, err) < 0 ||
	    cmd_args_number(args, "per-page", 1, API_PER_PAGE_MAX,
	    &a->per_page, err) < 0)
		return -1;
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
cmd_projects_exec(struct ctx *ctx, const struct cmd_args *args,
    struct error *err)
{
	struct projects_args a;
	struct listing l = { NULL, 0, -1 };
	struct api *api = NULL;
	int rc = -1;

	if (parse_args(&a, args, err) < 0)
		return -1;
	if (cmd_open_api(&api, ctx->config, 0, err) < 0)
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
	return rc;
}
