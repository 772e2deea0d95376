/* api.c -- STUB */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "xmalloc.h"

#define NI(err) error_set((err), EXIT_FAIL, "not implemented")

int api_open(struct api **out, const struct config *c, const char *k,
    int b, struct error *err)
{ (void)c; (void)k; (void)b; *out = NULL; return NI(err); }
void api_free(struct api *a) { (void)a; }
const struct api_ratelimit *api_last_ratelimit(const struct api *a)
{ (void)a; return NULL; }
void api_set_retries(struct api *a, int n) { (void)a; (void)n; }
int api_deploy(struct api *a, struct api_deployment *o, const struct job *j,
    struct error *err)
{ (void)a; (void)o; (void)j; return NI(err); }
int api_get_deployment(struct api *a, struct api_deployment *o,
    const char *id, struct error *err)
{ (void)a; (void)o; (void)id; return NI(err); }
int api_list_projects(struct api *a, struct api_project **o, size_t *n,
    long *t, int p, int pp, struct error *err)
{ (void)a; *o = NULL; *n = 0; *t = 0; (void)p; (void)pp; return NI(err); }
int api_find_project(struct api *a, char **o, const char *n,
    struct error *err)
{ (void)a; *o = NULL; (void)n; return NI(err); }
char *api_deploy_body(const struct job *j, int pretty)
{ (void)j; (void)pretty; return xstrdup("{}"); }
char *api_deploy_url(const struct config *c, const char *p)
{ return xasprintf("%s/projects/%s/deployments", c->api_url, p); }
int api_parse_deployment(struct api_deployment *o, const char *b, size_t l,
    struct error *err)
{ (void)o; (void)b; (void)l; return NI(err); }
int api_parse_projects(struct api_project **o, size_t *n, long *t,
    const char *b, size_t l, struct error *err)
{ *o = NULL; *n = 0; *t = 0; (void)b; (void)l; return NI(err); }
void api_parse_error(struct error *err, long s, const char *b, size_t l)
{ (void)b; (void)l; error_set(err, EXIT_FAIL, "HTTP %ld", s); }
void api_deployment_release(struct api_deployment *d) { (void)d; }
void api_projects_free(struct api_project *p, size_t n) { (void)p; (void)n; }
void api_print_deployment(FILE *f, const struct api_deployment *d)
{ fprintf(f, "{\"id\": \"%s\"}\n", d->id); }
