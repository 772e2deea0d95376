/* SPDX-License-Identifier: ISC */
/* cmd-hook.c -- dotgit-deploy hook NAME: what installed hooks run */
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "hook.h"

static int
cmd_hook_exec(struct ctx *ctx, int argc, char **argv, struct error *err)
{
	if (argc < 2)
		return cmd_usage(&cmd_hook_entry, err);
	if (strcmp(argv[1], "post-receive") == 0)
		return hook_post_receive(ctx, argc - 1, argv + 1, err);
	if (strcmp(argv[1], "pre-push") == 0)
		return client_pre_push(ctx, argc - 1, argv + 1, err);
	if (strcmp(argv[1], "reference-transaction") == 0)
		return client_reference_transaction(ctx, argc - 1, argv + 1,
		    err);
	if (strcmp(argv[1], "post-push") == 0)
		return client_post_push(ctx, argc - 1, argv + 1, err);
	return error_set(err, EXIT_USAGE, "unknown hook '%.64s'", argv[1]);
}

const struct command cmd_hook_entry = {
	"hook", "post-receive | pre-push REMOTE URL | reference-transaction "
	"STATE | post-push [PID]",
	"run as an installed git hook (reads stdin like git's hooks)",
	0, cmd_hook_exec
};
