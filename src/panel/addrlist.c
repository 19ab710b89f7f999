/* SPDX-License-Identifier: ISC */
/*
 * addrlist.c - client addresses and networks, and matching one against
 * them.  See addrlist.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addrlist.h"

#define ENTRY_MAX	64	/* "ffff:...:ffff/128" fits */

/* A numeric address into family and addr[]; 0 when it is none.  A
 * v4-mapped IPv6 address becomes IPv4. */
static int
numeric(const char *s, int *family, unsigned char addr[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
						  0, 0xff, 0xff };

	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET6, s, addr) != 1)
		return 0;
	*family = AF_INET6;
	if (memcmp(addr, mapped, sizeof(mapped)) == 0) {
		memmove(addr, addr + 12, 4);
		*family = AF_INET;
	}
	return 1;
}

static int
parse_entry(const char *s, struct addrnet *net)
{
	char buf[ENTRY_MAX];
	char *slash, *end;
	long bits;
	int max;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (!numeric(buf, &net->family, net->addr))
		return -1;
	max = net->family == AF_INET ? 32 : 128;
	net->prefix = max;
	if (slash == NULL)
		return 0;
	bits = strtol(slash, &end, 10);
	if (*slash == '\0' || *end != '\0' || bits < 0 || bits > max)
		return -1;
	net->prefix = (int)bits;
	return 0;
}

int
addrlist_parse(const char *text, const char *field, struct addrlist *out,
	       struct hk_err *err)
{
	char entry[ENTRY_MAX + 1];
	const char *p = text;

	memset(out, 0, sizeof(*out));
	while (*p != '\0') {
		size_t n = strcspn(p, ", \t");

		if (n > 0) {
			snprintf(entry, sizeof(entry), "%.*s",
				 (int)(n > ENTRY_MAX ? ENTRY_MAX : n), p);
			if (n > ENTRY_MAX || out->n == ADDRLIST_MAX ||
			    parse_entry(entry, &out->nets[out->n]) < 0)
				return hk_failr(err, HK_EINVAL, field,
						HK_R_bad_address_list,
						"entry", entry, NULL);
			out->n++;
		}
		p += n;
		p += strspn(p, ", \t");
	}
	return 0;
}

static int
in_net(const struct addrnet *net, int family, const unsigned char *a)
{
	int whole = net->prefix / 8, rest = net->prefix % 8;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	if (family != net->family || memcmp(a, net->addr, (size_t)whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ net->addr[whole]) & mask) == 0;
}

int
addrlist_match(const struct addrlist *list, const char *addr)
{
	unsigned char a[16];
	int family;

	if (addr == NULL || !numeric(addr, &family, a))
		return 0;
	for (size_t i = 0; i < list->n; i++)
		if (in_net(&list->nets[i], family, a))
			return 1;
	return 0;
}
