/* SPDX-License-Identifier: ISC */
/*
 * addrlist.h - a list of client addresses and networks ("127.0.0.1,
 * 10.0.0.0/8, ::1, fd00::/8"), as [metrics] allow gives it, and whether
 * an address (nginx's REMOTE_ADDR) is in it.  IPv4 and IPv6, numeric
 * only: no names, so nothing is looked up.
 */
#ifndef HK_ADDRLIST_H
#define HK_ADDRLIST_H

#include <stddef.h>

#include "err.h"

#define ADDRLIST_MAX	32

struct addrnet {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;			/* bits that must match */
};

struct addrlist {
	size_t n;
	struct addrnet nets[ADDRLIST_MAX];
};

/* Parses text (comma- or space-separated; "" is the empty list).  A bad
 * entry fails HK_EINVAL on field, naming it. */
int addrlist_parse(const char *text, const char *field, struct addrlist *out,
		   struct hk_err *err);

/* 1 when addr (numeric) is in one of the list's networks; an IPv4
 * address written as IPv6 (::ffff:a.b.c.d) counts as IPv4. */
int addrlist_match(const struct addrlist *list, const char *addr);

#endif
