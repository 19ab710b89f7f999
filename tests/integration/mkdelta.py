#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""mkdelta.py - a delta bundle (src/common/bundle.h, mapdelta.h) written
independently of the panel's C code, for tests that hand one to an agent.

  mkdelta.py GEN BASE DIR [--add NAME LINE]... [--drop NAME KEY]...
             [--lie NAME]

DIR holds the files generation BASE serves, as the agent stores them
(passwd, sieve.list, dkim.list, the maps; a missing one is empty).  Each
file with no --add or --drop is kept; the others are edited: the result is
worked out here (the base's lines, those of the dropped keys and of the
added lines' keys out, the added lines in, in the file's key order) and
its checksum given; with --lie NAME, NAME's checksum is that of something
else.  The bundle goes to stdout.
"""
import hashlib
import os
import sys

NAMES = ["virtual_mailbox_domains", "virtual_mailbox_maps",
         "virtual_alias_maps", "relay_domains", "relay_recipient_maps",
         "transport", "passwd", "trash", "sieve", "dkim"]
STORED = {"sieve": "sieve.list", "dkim": "dkim.list"}
BY_DOMAIN = {"passwd", "virtual_mailbox_maps", "sieve"}


def key(name, line):
    return line.split(b":" if name == "passwd" else b" ", 1)[0]


def order(name, k):
    if name in BY_DOMAIN and b"@" in k:
        local, domain = k.split(b"@", 1)
        return (domain, local)
    return (k, b"")


def sha(data):
    return hashlib.sha256(data).hexdigest()


def main(argv):
    gen, base, d = argv[1], argv[2], argv[3]
    adds, drops, lie = {}, {}, set()
    i = 4
    while i < len(argv):
        if argv[i] == "--add":
            adds.setdefault(argv[i + 1], []).append(argv[i + 2].encode())
            i += 3
        elif argv[i] == "--drop":
            drops.setdefault(argv[i + 1], []).append(argv[i + 2].encode())
            i += 3
        elif argv[i] == "--lie":
            lie.add(argv[i + 1])
            i += 2
        else:
            sys.exit("mkdelta.py: unknown argument " + argv[i])
    out = b"HAKOMAIL-BUNDLE 1\ngeneration %s\nbase %s\n" % (
        gen.encode(), base.encode())
    for name in NAMES:
        path = os.path.join(d, STORED.get(name, name))
        text = open(path, "rb").read() if os.path.exists(path) else b""
        if name not in adds and name not in drops:
            out += b"keep %s %s\n" % (name.encode(), sha(text).encode())
            continue
        add = sorted(adds.get(name, []), key=lambda l: order(name, key(name, l)))
        gone = set(drops.get(name, [])) | {key(name, l) for l in add}
        lines = [l for l in text.split(b"\n")[:-1] if key(name, l) not in gone]
        result = sorted(lines + add, key=lambda l: order(name, key(name, l)))
        result = b"".join(l + b"\n" for l in result)
        edits = b"".join(b"-" + k + b"\n" for k in sorted(drops.get(name, [])))
        edits += b"".join(b"+" + l + b"\n" for l in add)
        claim = sha(result + b"x" if name in lie else result)
        out += b"edit %s %d %s\n" % (name.encode(), len(edits), claim.encode())
        out += edits
    out += b"end %s\n" % sha(out).encode()
    sys.stdout.buffer.write(out)


if __name__ == "__main__":
    main(sys.argv)
