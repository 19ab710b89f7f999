#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""pfa_expect.py MANIFEST - what a guest must do after a PostfixAdmin
migration, worked out from tests/pfa/mkdb.sh's manifest the way Postfix
with PostfixAdmin's maps would have done it (never by asking hakomail):

  login ADDRESS PASSWORD yes|no   IMAP login with PostfixAdmin's password
  deliver RCPT MAILBOX[,MAILBOX]  mail to RCPT lands in these mailboxes

Delivery as PostfixAdmin's Postfix maps it: an address is an alias
(active rows only, the mailbox's own alias among them) expanded again
for each destination, a mailbox of an active domain (active ones only),
or else its domain's catch-all; an alias domain's addresses are its
target's; other domains are not delivered here.  Rows the manifest names
as problems are left out (they do not come over)."""
import sys

domains, mailboxes, aliases, aliasdoms, problems = {}, {}, {}, {}, set()
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    if f[0] == "domain":
        domains[f[1].lower()] = f[2] == "1"
    elif f[0] == "mailbox":
        mailboxes[f[1]] = (f[2], f[5] == "1")
    elif f[0] == "alias" and f[3] == "1":
        aliases[f[1].lower()] = [d.strip() for d in f[2].split(",") if d]
    elif f[0] == "aliasdomain" and f[3] == "1":
        aliasdoms[f[1].lower()] = f[2].lower()
    elif f[0] == "problem":
        problems.add(f[2])


def local_domain(dom):
    return domains.get(dom, False) and dom not in aliasdoms


def expand(addr, depth=0):
    local, dom = addr.lower().rsplit("@", 1)
    dom = aliasdoms.get(dom, dom)
    addr = local + "@" + dom
    if depth > 10 or not local_domain(dom):
        return set()
    mbox = mailboxes.get(addr)
    if addr in aliases:
        out = set()
        for d in aliases[addr]:
            if d.lower() == addr:
                if mbox and mbox[1]:
                    out.add(addr)
            else:
                out |= expand(d, depth + 1)
        return out
    if mbox is not None:
        return {addr} if mbox[1] else set()
    if "@" + dom in aliases:
        return set().union(*(expand(d, depth + 1) for d in aliases["@" + dom]))
    return set()


for addr, (pw, active) in sorted(mailboxes.items()):
    if addr in problems or pw == "-":
        continue
    ok = active and local_domain(addr.rsplit("@", 1)[1].lower())
    print("login\t%s\t%s\t%s" % (addr, pw, "yes" if ok else "no"))

rcpts = [a for a in aliases if not a.startswith("@")
         and a not in (m.lower() for m in mailboxes)
         and a not in problems]
rcpts += ["nobody-at-all@" + d for d in domains if local_domain(d)]
rcpts += [m.split("@")[0] + "@" + a for a, t in aliasdoms.items()
          for m in mailboxes if m.lower().endswith("@" + t)][:2]
rcpts += [m for m in mailboxes if m.lower() in aliases and m not in problems]
for rcpt in sorted(set(rcpts)):
    got = expand(rcpt)
    if got:
        print("deliver\t%s\t%s" % (rcpt, ",".join(sorted(got))))
