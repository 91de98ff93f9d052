/*
 * site.h: the names of [site], read in one place for nginx (the server
 * names), dns (the records of the zone) and report (one dashboard per
 * host).
 *
 * The rule, once: [site] domain is one host name; subdomains is a list
 * of labels put under it, aliases a list of full host names; lists are
 * separated by blanks, tabs or commas, in any mix ("api www",
 * "api, www"). Every name is lower-cased and must be an RFC 1123 host
 * name (letters, digits, inner hyphens; labels of 1..63, 253 bytes), so
 * nginx, the zone and the dashboards agree on the set; a name given twice
 * is an error. The order is domain, the subdomains, "*.domain" when
 * [site] wildcard is set, then the aliases.
 */
#ifndef LIB_SITE_H
#define LIB_SITE_H

#include <stddef.h>

struct config;

#define SITE_SEPARATORS	" \t,"	/* between the words of a list */
#define SITE_MAX_NAMES	256	/* names of one site */
/* What a name may be, for error messages. */
#define SITE_HOST_RULE	"letters, digits and inner '-', labels of 1..63 " \
			"separated by single dots"

/* One name of the site. */
struct site_name {
	char		*name;		/* owned; "api.example.com", "*.example.com" */
	const char	*key;		/* static: "domain", "subdomains",
					   "wildcard" or "aliases" */
};

/* The names of [site]. */
struct site {
	struct site_name	*v;		/* owned */
	size_t			 n;		/* 0 when [site] domain is unset */
	const char		*domain;	/* borrowed: v[0].name, or NULL */
};

/*
 * Reads the names of [site] into *s (initialised by the call; caller
 * site_cleanup()s it). An unset [site] domain gives no names and 0; a bad
 * or repeated name -1 with *cause ("[site] subdomains: 'a_b' is not a
 * host name label").
 */
int	 site_load(const struct config *, struct site *s, char **cause);
void	 site_cleanup(struct site *);		/* safe twice */
/*
 * True when s[0..len) is a host name as above; lower-cases it in place.
 */
int	 site_host_ok(char *s, size_t len);

#endif
