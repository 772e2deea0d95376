/*
 * fuzz_intent.c -- the push records of the client hooks (intent.c).
 *
 * Input: a record as text. Properties: what intent_parse accepts,
 * intent_format writes back so that it parses to the same record, and
 * formatting that again gives the same bytes; intent_already_done
 * agrees with the refs read.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "intent.h"

static void
same_push(const struct intent_push *a, const struct intent_push *b)
{
	size_t i;

	if (strcmp(a->remote, b->remote) != 0 || strcmp(a->url, b->url) != 0 ||
	    a->noptions != b->noptions || a->nrefs != b->nrefs)
		fuzz_fail("a push changed when written and read back");
	for (i = 0; i < a->noptions; i++)
		if (strcmp(a->options[i], b->options[i]) != 0)
			fuzz_fail("option %zu changed", i);
	for (i = 0; i < a->nrefs; i++)
		if (a->refs[i].done != b->refs[i].done ||
		    strcmp(a->refs[i].local, b->refs[i].local) != 0 ||
		    strcmp(a->refs[i].remote, b->refs[i].remote) != 0 ||
		    strcmp(a->refs[i].ref, b->refs[i].ref) != 0)
			fuzz_fail("ref %zu changed", i);
}

static void
same_intent(const struct intent *a, const struct intent *b)
{
	size_t i;

	if (a->pid != b->pid || a->start != b->start ||
	    strcmp(a->request, b->request) != 0 || a->npushes != b->npushes)
		fuzz_fail("a record changed when written and read back");
	for (i = 0; i < a->npushes; i++)
		same_push(&a->pushes[i], &b->pushes[i]);
}

/* A ref marked done is found done, for its own commit. */
static void
check_done(const struct intent *in)
{
	const struct intent_ref *r;
	size_t i, j;

	for (i = 0; i < in->npushes; i++)
		for (j = 0; j < in->pushes[i].nrefs; j++) {
			r = &in->pushes[i].refs[j];
			if (r->done && !intent_already_done(in, r->ref,
			    r->local))
				fuzz_fail("a done ref is not found done");
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intent in, back;
	struct error err;
	char *text = fuzz_str(data, size), *out, *again;

	error_clear(&err);
	if (intent_parse(&in, text, &err) == 0) {
		check_done(&in);
		out = intent_format(&in);
		if (intent_parse(&back, out, &err) < 0)
			fuzz_fail("a record written does not read back: %s",
			    err.msg);
		same_intent(&in, &back);
		again = intent_format(&back);
		if (strcmp(out, again) != 0)
			fuzz_fail("a record is not written the same twice");
		free(again);
		free(out);
		intent_release(&back);
		intent_release(&in);
	}
	free(text);
	return 0;
}
