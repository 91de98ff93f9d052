/*
 * dns_providers.c: the DNS backends bootstack can drive, by the name
 * [dns] provider takes. The only file that knows them all, so dns.c
 * depends on the provider interface alone (lib/dns.h) and a backend on
 * the zone model alone: adding a provider is a new lib/dns/NAME.c and
 * one row here.
 */
#include "autoconf.h"

#include <stddef.h>

#include "dns.h"
#include "dns/dynadot.h"

/* See dns.h. */
const struct dns_provider_entry dns_providers[] = {
	{ "dynadot",	dynadot_provider_new },
	{ NULL,		NULL },
};
