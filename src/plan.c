/* plan.c -- STUB */
#include <string.h>

#include "plan.h"

void plan_push_option(struct push_options *o, const char *s)
{ (void)o; (void)s; }
void plan_push_options_from_env(struct push_options *o) { (void)o; }
void plan_push_options_release(struct push_options *o) { (void)o; }
void plan_update(struct plan *out, const struct config *c, struct repo *r,
    const struct ref_update *u, const struct push_options *o, int f)
{ (void)c; (void)r; (void)u; (void)o; (void)f;
  memset(out, 0, sizeof(*out)); out->verdict = PLAN_ERROR; }
void plan_release(struct plan *p) { (void)p; }
int plan_parse_line(struct ref_update *out, const char *l, size_t n,
    struct error *err)
{ (void)out; (void)l; (void)n; return error_set(err, 1, "stub"); }
void plan_update_release(struct ref_update *u) { (void)u; }
