/* SPDX-License-Identifier: ISC */
/* hooks.c -- the git hooks this binary is installed as (hooks.h): above
 * the server hook (hook.c) and the client hooks (client.c) both */
#include <string.h>

#include "client.h"
#include "hook.h"
#include "hooks.h"

const struct hook_kind hook_kinds[HOOK_COUNT] = {
	{ "post-receive", HOOK_SERVER, hook_post_receive },
	{ "pre-push", HOOK_CLIENT, client_pre_push },
	{ "reference-transaction", HOOK_CLIENT, client_reference_transaction },
};

int
hook_kind_find(const char *name)
{
	int i;

	for (i = 0; i < HOOK_COUNT; i++)
		if (strcmp(hook_kinds[i].name, name) == 0)
			return i;
	return -1;
}
