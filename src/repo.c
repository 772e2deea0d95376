/* repo.c -- STUB */
#include <stdlib.h>
#include <string.h>

#include "repo.h"

#define NI(err) error_set((err), EXIT_FAIL, "not implemented")

int repo_open(struct repo **out, const char *dir, struct error *err)
{ (void)dir; *out = NULL; return NI(err); }
void repo_free(struct repo *r) { (void)r; }
const char *repo_git_dir(const struct repo *r) { (void)r; return NULL; }
const char *repo_workdir(const struct repo *r) { (void)r; return NULL; }
int repo_hooks_dir(char **out, struct repo *r, struct error *err)
{ (void)r; *out = NULL; return NI(err); }
int repo_config_get(char **out, struct repo *r, const char *k,
    struct error *err)
{ (void)r; (void)k; *out = NULL; return NI(err); }
int repo_config_set(struct repo *r, const char *k, const char *v,
    struct error *err)
{ (void)r; (void)k; (void)v; return NI(err); }
int repo_current_branch(char **out, struct repo *r, struct error *err)
{ (void)r; *out = NULL; return NI(err); }
int repo_branch_commit(char out[OID_HEXSZ + 1], struct repo *r,
    const char *b, struct error *err)
{ (void)r; (void)b; out[0] = 0; return NI(err); }
int repo_tag_commit(char out[OID_HEXSZ + 1], struct repo *r,
    const char *b, struct error *err)
{ (void)r; (void)b; out[0] = 0; return NI(err); }
int repo_resolve(char out[OID_HEXSZ + 1], struct repo *r, const char *b,
    struct error *err)
{ (void)r; (void)b; out[0] = 0; return NI(err); }
int repo_commit_message(char **out, struct repo *r, const char *h,
    struct error *err)
{ (void)r; (void)h; *out = NULL; return NI(err); }
int repo_paths_changed(int *out, struct repo *r, const char *o,
    const char *n, char *const *p, size_t np, struct error *err)
{ (void)r; (void)o; (void)n; (void)p; (void)np; *out = 1; return NI(err); }

int
repo_oid_valid(const char *hex)
{
	size_t i;

	for (i = 0; i < OID_HEXSZ; i++)
		if (hex[i] == '\0' || strchr("0123456789abcdefABCDEF",
		    hex[i]) == NULL)
			return 0;
	return hex[OID_HEXSZ] == '\0';
}

int
repo_oid_is_zero(const char *hex)
{
	return strspn(hex, "0") == OID_HEXSZ && hex[OID_HEXSZ] == '\0';
}

int repo_reflog_message(char **out, struct repo *r, const char *ref,
    struct error *err)
{ (void)r; (void)ref; *out = NULL; return NI(err); }
int repo_config_get_all(char ***out, size_t *n, struct repo *r,
    const char *k, struct error *err)
{ (void)r; (void)k; *out = NULL; *n = 0; return NI(err); }
int repo_config_get_local(char **out, struct repo *r, const char *k,
    struct error *err)
{ (void)r; (void)k; *out = NULL; return NI(err); }
int repo_config_unset(struct repo *r, const char *k, struct error *err)
{ (void)r; (void)k; return NI(err); }
