/* SPDX-License-Identifier: ISC */
/* config-layer.h -- between the parser (config.c) and the loader of its
 * layers (config-layer.c); for those two only */
#ifndef DD_CONFIG_LAYER_H
#define DD_CONFIG_LAYER_H

#include <stddef.h>

#include "config.h"
#include "error.h"

/* What lasts across the files of one load. */
struct loader {
	struct config	*cfg;
	int		 full;		/* MAX_PROBLEMS reached */
	size_t		 file;		/* index in cfg->files being read */
	int		 have_rules;	/* cfg->rules come from rules_file */
	size_t		 rules_file;
	unsigned char	*rule_env;	/* per rule: 'environment' was given */
	char		*project_file;	/* the first [project] header */
	int		 project_line;
	int		 project_given;	/* 'id' or 'name' was given */
	int		 queue_given;	/* [daemon] queue was given */
	int		 base;		/* CONFIG_SOURCE_BASE: the daemon's */
	char		*refused;	/* a repository file refused: why */
	char		*looked;	/* the paths tried, for "not found" */
};

/* The defaults, before any file is read. */
void	config_defaults(struct config *);
/* Read one file into ld->cfg, as file ld->file; `deny`: the CONFIG_*
 * sections it may not set, each key of which is a warning ending in
 * `deny_why`. */
void	config_parse(struct loader *, const char *buf, size_t len,
	    const char *name, unsigned deny, const char *deny_why);
/* After the last file: the checks of the whole configuration. */
void	config_finish(struct loader *);
/* A problem (line 0: of the whole file). */
void	config_problem_add(struct loader *, const char *file, int line,
	    int warning, const char *, ...) PRINTFLIKE(5, 6);

#endif
