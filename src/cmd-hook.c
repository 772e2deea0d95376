/* SPDX-License-Identifier: ISC */
/* cmd-hook.c -- dotgit-deploy hook NAME: what installed hooks run */
#include "client.h"
#include "cmd.h"
#include "hook.h"
#include "hooks.h"

static int	 run_hook(struct ctx *, const struct cmd_args *,
		    struct error *);
static int	 post_push(struct ctx *, const struct cmd_args *,
		    struct error *);

/* The arguments are git's, passed on as they are (CMD_RAW): to the hook
 * this one chained, and to the functions that check them. */
static const struct command post_receive_entry = {
	.name = "post-receive",
	.summary = "the server hook: read '<old> <new> <ref>' lines on "
	    "stdin and deploy or queue what the rules map",
	.maxargs = -1,
	.flags = CMD_RAW,
	.exec = run_hook,
};

static const struct command pre_push_entry = {
	.name = "pre-push",
	.args = "REMOTE URL",
	.maxargs = -1,
	.summary = "the client hook before a push: record what is about to "
	    "be pushed",
	.flags = CMD_RAW,
	.exec = run_hook,
};

static const struct command reference_transaction_entry = {
	.name = "reference-transaction",
	.args = "STATE",
	.maxargs = -1,
	.summary = "the client hook after a push: deploy what the push "
	    "confirmed",
	.flags = CMD_RAW,
	.exec = run_hook,
};

static const struct command post_push_entry = {
	.name = "post-push",
	.args = "[PID]",
	.maxargs = -1,
	.summary = "the watcher the client hooks start: wait for the push "
	    "(process PID) and deploy what it confirmed",
	.flags = CMD_RAW,
	.exec = post_push,
};

static const struct command *const hooks[] = {
	&post_receive_entry,
	&pre_push_entry,
	&reference_transaction_entry,
	&post_push_entry,
	NULL
};

const struct command cmd_hook_entry = {
	.name = "hook",
	.summary = "run as an installed git hook (reads stdin as git's "
	    "hooks do); install-hook sets them up",
	.subs = hooks,
};

/* An installed git hook: hook_kinds runs it. */
static int
run_hook(struct ctx *ctx, const struct cmd_args *a, struct error *err)
{
	int k = hook_kind_find(a->argv[0]);

	if (k < 0)
		return error_set(err, EXIT_USAGE, "no hook '%s'", a->argv[0]);
	return hook_kinds[k].run(ctx, a->argc, a->argv, err);
}

static int
post_push(struct ctx *ctx, const struct cmd_args *a, struct error *err)
{
	return client_post_push(ctx, a->argc, a->argv, err);
}
