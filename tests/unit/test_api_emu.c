/* SPDX-License-Identifier: ISC */
/* test_api_emu.c -- the API client against the HTTPS emulator */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "job.h"
#include "xmalloc.h"
#include "unit_util.h"

#define PYTHON		"/usr/bin/python3"
#define EMULATOR	"tests/emulator/emulator.py"
#define KEY		"gl_api_test_key_0123456789"
#define MAX_FLAGS	16

struct emu {
	pid_t		 pid;
	char		 dir[PATH_MAX];
	char		 url[64];
	char		 ca[PATH_MAX + 8];
	struct config	 cfg;
};

static char	 top[64];		/* mkdtemp'd, removed at the end */
static char	 script[PATH_MAX];
static int	 ndirs;
static pid_t	 running[32];		/* stopped at the end in any case */

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Start an emulator in a fresh directory; NULL-terminated flags. */
static void
emu_start(struct emu *e, const char *flag, ...)
{
	const char *argv[MAX_FLAGS + 6];
	posix_spawn_file_actions_t fa;
	char path[PATH_MAX + 8], out[PATH_MAX + 16];
	int i = 0, tries, port = 0;
	va_list ap;
	FILE *f;

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "%s/emu%d", top, ++ndirs);
	snprintf(out, sizeof(out), "%s.out", e->dir);
	argv[i++] = PYTHON;
	argv[i++] = script;
	argv[i++] = "--dir";
	argv[i++] = e->dir;
	va_start(ap, flag);
	for (; flag != NULL && i < MAX_FLAGS + 4; flag = va_arg(ap,
	    const char *))
		argv[i++] = flag;
	va_end(ap);
	argv[i] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT |
	    O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	assert_int_equal(posix_spawn(&e->pid, PYTHON, &fa, NULL,
	    (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 32; i++)
		if (running[i] == 0) {
			running[i] = e->pid;
			break;
		}
	snprintf(path, sizeof(path), "%s/port", e->dir);
	for (tries = 0; tries < 1000 && port == 0; tries++) {
		if ((f = fopen(path, "r")) != NULL) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (port == 0)
			sleep_ms(20);
	}
	assert_int_not_equal(port, 0);
	snprintf(e->url, sizeof(e->url), "https://127.0.0.1:%d/v1", port);
	snprintf(e->ca, sizeof(e->ca), "%s/ca.pem", e->dir);
	e->cfg.api_url = e->url;
	e->cfg.ca_file = e->ca;
	e->cfg.api_timeout = 10;
}

static void
stop_pid(pid_t pid)
{
	int i, status;

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	for (i = 0; i < 32; i++)
		if (running[i] == pid)
			running[i] = 0;
}

static void
emu_stop(struct emu *e)
{
	if (e->pid > 0)
		stop_pid(e->pid);
	e->pid = 0;
}

/* The request log, as an array. */
static json_t *
emu_log(const struct emu *e)
{
	char path[PATH_MAX + 16], line[1 << 16];
	json_t *all = json_array(), *rec;
	FILE *f;

	snprintf(path, sizeof(path), "%s/requests.jsonl", e->dir);
	if ((f = fopen(path, "r")) == NULL)
		return all;
	while (fgets(line, sizeof(line), f) != NULL)
		if ((rec = json_loads(line, 0, NULL)) != NULL)
			json_array_append_new(all, rec);
	fclose(f);
	return all;
}

static size_t
emu_count(const struct emu *e)
{
	json_t *log = emu_log(e);
	size_t n = json_array_size(log);

	json_decref(log);
	return n;
}

static const char *
rec_str(json_t *log, size_t i, const char *name)
{
	return json_string_value(json_object_get(json_array_get(log, i),
	    name));
}

static struct api *
open_api(struct emu *e, const char *key, int budget)
{
	struct api *api;
	struct error err;

	error_clear(&err);
	assert_int_equal(api_open(&api, &e->cfg, key, budget, &err), 0);
	return api;
}

static void
make_job(struct job *job, const char *project, const char *branch,
    const char *env)
{
	memset(job, 0, sizeof(*job));
	job->project = xstrdup(project);
	job->branch = xstrdup(branch);
	job->environment = xstrdup(env);
	strcpy(job->commit, "0123456789abcdef0123456789abcdef01234567");
	job_set_idem_key(job);
}

static void
assert_no_key(const struct error *err)
{
	assert_null(strstr(err->msg, KEY));
	assert_null(strstr(err->hint, KEY));
}

static int
group_setup(void **state)
{
	(void)state;
	if (realpath(EMULATOR, script) == NULL ||
	    access(PYTHON, X_OK) != 0)
		return 0;
	strcpy(top, "/tmp/dd-api-emu-XXXXXX");
	if (mkdtemp(top) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 32; i++)
		if (running[i] != 0)
			stop_pid(running[i]);
	if (top[0] != '\0')
		unit_rm_rf(top);
	return 0;
}

#define NEED_EMULATOR() do {						\
	if (top[0] == '\0')						\
		skip();							\
} while (0)

static void
test_pages_and_headers(void **state)
{
	struct api_project *p;
	struct api *api;
	struct error err;
	struct emu e;
	size_t n;
	long total;
	json_t *log;

	(void)state;
	NEED_EMULATOR();
	emu_start(&e, "--projects", "45", NULL);
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    0);
	assert_int_equal(n, 20);
	assert_int_equal(total, 45);
	assert_string_equal(p[0].id, "proj_8f2a9c");
	assert_string_equal(p[0].name, "main-app");
	api_projects_free(p, n);
	assert_int_equal(api_last_ratelimit(api)->limit, 600);
	assert_int_equal(api_last_ratelimit(api)->remaining, 599);
	assert_true(api_last_ratelimit(api)->reset > 1700000000);
	assert_int_equal(api_last_ratelimit(api)->retry_after, -1);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 3, 20, &err),
	    0);
	assert_int_equal(n, 5);
	assert_string_equal(p[4].name, "app-45");
	api_projects_free(p, n);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 101, &err),
	    -1);
	assert_int_equal(err.exit, EXIT_USAGE);
	api_free(api);
	log = emu_log(&e);
	assert_int_equal(json_array_size(log), 2);
	assert_string_equal(rec_str(log, 0, "user_agent"),
	    "dotgit-deploy/0.1.0");
	assert_string_equal(rec_str(log, 0, "auth"), "ok");
	assert_string_equal(rec_str(log, 1, "path"), "/v1/projects");
	json_decref(log);
	emu_stop(&e);
}

static void
test_find_project(void **state)
{
	struct api *api;
	struct error err;
	struct emu e;
	char *id;

	(void)state;
	NEED_EMULATOR();
	emu_start(&e, "--projects", "150", "--project", "proj_twin1:twin",
	    "--project", "proj_twin2:twin", NULL);
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_find_project(api, &id, "app-150", &err), 0);
	assert_string_equal(id, "proj_000150");
	free(id);
	assert_int_equal(api_find_project(api, &id, "twin", &err), -1);
	assert_string_equal(err.msg, "2 projects are named 'twin': "
	    "proj_twin1, proj_twin2; set [project] id");
	assert_null(id);
	assert_int_equal(api_find_project(api, &id, "nope", &err), -1);
	assert_string_equal(err.msg, "no project named 'nope'");
	assert_string_equal(err.hint,
	    "run 'dotgit-deploy projects' to list them");
	assert_false(err.temporary);
	api_free(api);
	/* two pages of 100 for each of the three look-ups */
	assert_int_equal(emu_count(&e), 6);
	emu_stop(&e);
}

static void
test_deploy_and_follow(void **state)
{
	struct api_deployment d, again, w;
	struct api *api;
	struct error err;
	struct job job;
	struct emu e;
	json_t *log, *body;

	(void)state;
	NEED_EMULATOR();
	emu_start(&e, "--queued-secs", "0.1", "--building-secs", "0.2",
	    "--fail-branch", "broken/*", NULL);
	api = open_api(&e, KEY, 0);
	make_job(&job, "proj_8f2a9c", "main", "production");
	vars_set(&job.env_vars, "NEXT_PUBLIC_API_URL", "https://x.example");
	assert_int_equal(api_deploy(api, &d, &job, &err), 0);
	assert_int_equal(strncmp(d.id, "dep_", 4), 0);
	assert_string_equal(d.status, "queued");
	assert_non_null(d.url);
	assert_string_equal(d.commit_hash, job.commit);
	/* The same job again is the same deployment. */
	assert_int_equal(api_deploy(api, &again, &job, &err), 0);
	assert_string_equal(again.id, d.id);
	assert_int_equal(api_wait_deployment(api, &w, d.id, 30, NULL, &err),
	    0);
	assert_string_equal(w.status, "ready");
	assert_string_equal(w.id, d.id);
	api_deployment_release(&w);
	log = emu_log(&e);
	assert_string_equal(rec_str(log, 0, "idempotency_key"), job.idem_key);
	body = json_object_get(json_array_get(log, 0), "body");
	assert_string_equal(json_string_value(json_object_get(body,
	    "commit_hash")), job.commit);
	assert_true(json_is_true(json_object_get(json_array_get(log, 1),
	    "replayed")));
	json_decref(log);
	api_deployment_release(&d);
	api_deployment_release(&again);
	job_release(&job);
	make_job(&job, "proj_8f2a9c", "broken/x", "preview");
	assert_int_equal(api_deploy(api, &d, &job, &err), 0);
	assert_int_equal(api_wait_deployment(api, &w, d.id, 30, NULL, &err),
	    0);
	assert_string_equal(w.status, "error");
	api_deployment_release(&w);
	api_deployment_release(&d);
	job_release(&job);
	api_free(api);
	emu_stop(&e);
}

static void
test_client_errors(void **state)
{
	struct api_deployment d;
	struct api_project *p;
	struct api *api;
	struct error err;
	struct job job;
	struct emu e;
	size_t n;
	long total;

	(void)state;
	NEED_EMULATOR();
	emu_start(&e, "--readonly-key", "gl_api_readonly", NULL);
	api = open_api(&e, "gl_api_wrong", 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_string_equal(err.msg, "the API refused the key (401)");
	assert_string_equal(err.hint,
	    "check DOTGIT_API_KEY or [api] key_file");
	assert_int_equal(api_last_reply(api)->status, 401);
	assert_false(err.temporary);
	api_free(api);
	assert_int_equal(emu_count(&e), 1);	/* never retried */

	api = open_api(&e, "gl_api_readonly", 0);
	make_job(&job, "proj_8f2a9c", "main", "production");
	assert_int_equal(api_deploy(api, &d, &job, &err), -1);
	assert_string_equal(err.msg,
	    "the key lacks permission for this project (403)");
	assert_int_equal(api_last_reply(api)->status, 403);
	api_free(api);
	job_release(&job);

	api = open_api(&e, KEY, 0);
	make_job(&job, "proj_nope", "main", "production");
	assert_int_equal(api_deploy(api, &d, &job, &err), -1);
	assert_string_equal(err.msg, "project 'proj_nope' not found (404)");
	assert_string_equal(err.hint,
	    "run 'dotgit-deploy projects' to list the project ids");
	job_release(&job);
	make_job(&job, "proj_8f2a9c", "main", "qa");
	vars_set(&job.env_vars, "1BAD", "x");
	assert_int_equal(api_deploy(api, &d, &job, &err), -1);
	assert_string_equal(err.msg, "validation failed: environment: Must "
	    "be one of: production, staging, preview; env_vars.1BAD: Invalid "
	    "variable name: must match ^[A-Za-z_][A-Za-z0-9_]*$");
	assert_int_equal(api_last_reply(api)->status, 422);
	assert_no_key(&err);
	job_release(&job);
	assert_int_equal(api_get_deployment(api, &d, "dep_nope", &err), -1);
	assert_string_equal(err.msg, "deployment 'dep_nope' not found (404)");
	assert_string_equal(err.hint, "check the deployment id");
	api_free(api);
	assert_int_equal(emu_count(&e), 5);
	emu_stop(&e);
}

static void
test_retries_5xx(void **state)
{
	struct api_project *p;
	struct api *api;
	struct error err;
	struct emu e;
	size_t n;
	long total;

	(void)state;
	NEED_EMULATOR();
	emu_start(&e, "--fail-first", "2", NULL);
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    0);
	assert_int_equal(n, 3);
	api_projects_free(p, n);
	assert_int_equal(emu_count(&e), 3);
	api_free(api);
	emu_stop(&e);

	emu_start(&e, "--fail-first", "9", NULL);
	api = open_api(&e, KEY, 0);
	api_set_retries(api, 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_string_equal(err.msg,
	    "the API failed (HTTP 500): Internal server error");
	assert_true(err.temporary);
	assert_int_equal(api_last_reply(api)->status, 500);
	assert_int_equal(emu_count(&e), 1);
	api_set_retries(api, 2);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_int_equal(emu_count(&e), 4);
	api_free(api);
	emu_stop(&e);
}

static void
test_rate_limited(void **state)
{
	struct api_project *p;
	struct api *api;
	struct error err;
	struct emu e;
	size_t n;
	long total;

	(void)state;
	NEED_EMULATOR();
	emu_start(&e, "--429-first", "1", "--retry-after", "1", NULL);
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    0);
	api_projects_free(p, n);
	assert_int_equal(emu_count(&e), 2);
	api_free(api);
	emu_stop(&e);

	/* A wait longer than the budget fails at once. */
	emu_start(&e, "--429-first", "1", "--retry-after", "30", NULL);
	api = open_api(&e, KEY, 5);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_int_equal(strncmp(err.msg, "rate limit exceeded (429)", 25), 0);
	assert_true(err.temporary);
	assert_int_equal(api_last_reply(api)->wait, 30);
	assert_string_equal(err.hint, "try again in 30 s");
	assert_int_equal(api_last_ratelimit(api)->retry_after, 30);
	assert_int_equal(api_last_ratelimit(api)->remaining, 0);
	assert_int_equal(emu_count(&e), 1);
	api_free(api);
	emu_stop(&e);

	/* A wait of days is clamped to API_WAIT_MAX, and said. */
	emu_start(&e, "--429-first", "1", "--retry-after", "999999999", NULL);
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_string_equal(err.msg, "rate limit exceeded (429): Rate limit "
	    "exceeded, retry after 999999999s; the API asked to wait "
	    "999999999 s (Retry-After), clamped to 900 s");
	assert_true(err.temporary);
	assert_int_equal(api_last_reply(api)->status, 429);
	assert_int_equal(api_last_reply(api)->wait, API_WAIT_MAX);
	assert_string_equal(err.hint, "try again in 900 s");
	assert_int_equal(api_last_ratelimit(api)->retry_after, 999999999);
	assert_int_equal(emu_count(&e), 1);
	api_free(api);
	emu_stop(&e);

	/* Past 64 bits, and only a reset far ahead: the same. */
	emu_start(&e, "--429-first", "1", "--retry-after",
	    "99999999999999999999", "--no-retry-after", NULL);
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_non_null(strstr(err.msg, "(X-RateLimit-Reset), clamped to "
	    "900 s"));
	assert_int_equal(api_last_reply(api)->wait, API_WAIT_MAX);
	assert_int_equal(api_last_ratelimit(api)->retry_after, -1);
	assert_int_equal(api_last_ratelimit(api)->reset, LLONG_MAX);
	api_free(api);
	emu_stop(&e);
}

static void
test_lost_reply_and_bad_bodies(void **state)
{
	struct api_deployment d;
	struct api *api;
	struct error err;
	struct job job;
	struct emu e;
	json_t *log;
	size_t i, created = 0;

	(void)state;
	NEED_EMULATOR();
	emu_start(&e, "--lose-reply-first-post", "1", NULL);
	api = open_api(&e, KEY, 0);
	make_job(&job, "proj_8f2a9c", "main", "production");
	assert_int_equal(api_deploy(api, &d, &job, &err), 0);
	log = emu_log(&e);
	assert_int_equal(json_array_size(log), 2);
	assert_string_equal(rec_str(log, 1, "deployment_id"), d.id);
	assert_true(json_is_true(json_object_get(json_array_get(log, 1),
	    "replayed")));
	json_decref(log);
	api_deployment_release(&d);
	api_free(api);
	emu_stop(&e);

	emu_start(&e, "--bad-body", "garbage", "--bad-body-first", "1", NULL);
	api = open_api(&e, KEY, 0);
	api_set_retries(api, 0);
	assert_int_equal(api_deploy(api, &d, &job, &err), -1);
	assert_string_equal(err.msg,
	    "the API answered 201 but the body is not a deployment");
	assert_true(err.temporary);
	api_set_retries(api, 4);
	assert_int_equal(api_deploy(api, &d, &job, &err), 0);
	log = emu_log(&e);
	for (i = 0; i < json_array_size(log); i++)
		if (!json_is_true(json_object_get(json_array_get(log, i),
		    "replayed")))
			created++;
	assert_int_equal(created, 1);
	json_decref(log);
	api_deployment_release(&d);
	api_free(api);
	emu_stop(&e);

	emu_start(&e, "--bad-body", "html", "--bad-body-first", "2", NULL);
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_deploy(api, &d, &job, &err), 0);
	assert_int_equal(emu_count(&e), 3);
	api_deployment_release(&d);
	api_free(api);
	emu_stop(&e);
	job_release(&job);
}

static void
test_wrong_ca(void **state)
{
	struct api_project *p;
	struct api *api;
	struct error err;
	struct emu e, other;
	size_t n;
	long total;

	(void)state;
	NEED_EMULATOR();
	emu_start(&e, NULL);
	emu_start(&other, NULL);
	e.cfg.ca_file = other.ca;
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_int_equal(strncmp(err.msg, "cannot reach https://127.0.0.1:",
	    31), 0);
	assert_non_null(strstr(err.msg, "certificate"));
	assert_string_equal(err.hint, "set [api] ca_file for a private CA");
	assert_true(err.temporary);
	assert_int_equal(api_last_reply(api)->status, 0);
	assert_no_key(&err);
	api_free(api);
	assert_int_equal(emu_count(&e), 0);
	e.cfg.ca_file = NULL;		/* the system store does not know it */
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_string_equal(err.hint, "set [api] ca_file for a private CA");
	api_free(api);
	e.cfg.ca_file = (char *)"/nonexistent/ca.pem";
	api = open_api(&e, KEY, 0);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_non_null(strstr(err.msg, "/nonexistent/ca.pem"));
	assert_string_equal(err.hint, "check [api] ca_file");
	api_free(api);
	assert_int_equal(emu_count(&e), 0);
	emu_stop(&other);
	emu_stop(&e);
}

static void
test_budget(void **state)
{
	struct api_project *p;
	struct api *api;
	struct error err;
	struct emu e;
	size_t n;
	long total;

	(void)state;
	NEED_EMULATOR();
	emu_start(&e, "--slow", "5", NULL);
	api = open_api(&e, KEY, 1);
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_true(err.temporary);
	assert_non_null(strstr(err.msg, "timed out"));
	/* Nothing is left for another call on this handle. */
	assert_int_equal(api_list_projects(api, &p, &n, &total, 1, 20, &err),
	    -1);
	assert_string_equal(err.msg,
	    "the time budget of 1 s for the API is used up");
	api_free(api);
	emu_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_and_headers),
		cmocka_unit_test(test_find_project),
		cmocka_unit_test(test_deploy_and_follow),
		cmocka_unit_test(test_client_errors),
		cmocka_unit_test(test_retries_5xx),
		cmocka_unit_test(test_rate_limited),
		cmocka_unit_test(test_lost_reply_and_bad_bodies),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests_name("api against the emulator", tests,
	    group_setup, group_teardown);
}
