/*
 * dns_int.h: what the files of lib/dns/ share and nobody else sees (the
 * public contract is lib/dns.h): the helpers of the zone model that the
 * configuration (dns_desired.c) and the transaction (dns.c) call.
 */
#ifndef LIB_DNS_DNS_INT_H
#define LIB_DNS_DNS_INT_H

#include <stddef.h>

#include "dns.h"


/* --- dns_zone.c -------------------------------------------------------- */
/* Lower-cases s in place. */
char	*dns_lower(char *s);
/* Index of a record of z equal to r and not yet used, or -1. */
long	dns_zone_find(const struct dns_zone *z, const struct dns_record *r,
	    const unsigned char *used);

#endif
