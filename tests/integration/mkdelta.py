#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""mkdelta.py - a delta bundle (src/common/bundle.h, mapdelta.h) written
independently of the panel's C code, for tests that hand one to an agent.

  mkdelta.py GEN BASE DIR [--add NAME LINE]... [--drop NAME KEY]...
             [--lie NAME]
  mkdelta.py --sum NAME <FILE     the checksum a bundle gives file NAME

DIR holds the files generation BASE serves, as the agent stores them
(passwd or its buckets passwd.d/XX, virtual_mailbox_maps or its buckets
virtual_mailbox_maps.d/X, sieve.list, dkim.list, the maps; a missing one
is empty).  Each
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


BUCKETS = {"passwd": 256, "virtual_mailbox_maps": 16}


def file_sum(name, data):
    """The checksum of a bundle file (src/common/bucket.h): for passwd,
    that of its bucket list, each bucket its lines whose key's MD5 begins
    with the bucket's byte (for virtual_mailbox_maps, with its first hex
    digit); else SHA-256."""
    if name not in BUCKETS:
        return sha(data)
    n = BUCKETS[name]
    buckets = [b""] * n
    for l in data.split(b"\n")[:-1]:
        buckets[hashlib.md5(key(name, l)).digest()[0] * n // 256] += l + b"\n"
    fmt = b"%02x %s\n" if n == 256 else b"%x %s\n"
    return sha(b"".join(fmt % (i, sha(b).encode())
                        for i, b in enumerate(buckets)))


def stored(d, name):
    """What DIR holds of `name`: passwd and virtual_mailbox_maps may be
    their buckets, NAME.d/B (beside virtual_mailbox_maps's tables, B.cdb),
    put back in key order."""
    path = os.path.join(d, STORED.get(name, name))
    if os.path.exists(path):
        return open(path, "rb").read()
    bdir = os.path.join(d, name + ".d")
    if not os.path.isdir(bdir):
        return b""
    lines = []
    for b in sorted(f for f in os.listdir(bdir) if "." not in f):
        lines += open(os.path.join(bdir, b), "rb").read().split(b"\n")[:-1]
    lines.sort(key=lambda l: order(name, key(name, l)))
    return b"".join(l + b"\n" for l in lines)


def main(argv):
    if len(argv) == 3 and argv[1] == "--sum":
        print(file_sum(argv[2], sys.stdin.buffer.read()))
        return
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
        text = stored(d, name)
        if name not in adds and name not in drops:
            out += b"keep %s %s\n" % (name.encode(),
                                      file_sum(name, text).encode())
            continue
        add = sorted(adds.get(name, []), key=lambda l: order(name, key(name, l)))
        gone = set(drops.get(name, [])) | {key(name, l) for l in add}
        lines = [l for l in text.split(b"\n")[:-1] if key(name, l) not in gone]
        result = sorted(lines + add, key=lambda l: order(name, key(name, l)))
        result = b"".join(l + b"\n" for l in result)
        edits = b"".join(b"-" + k + b"\n" for k in sorted(drops.get(name, [])))
        edits += b"".join(b"+" + l + b"\n" for l in add)
        claim = file_sum(name, result + b"x\n" if name in lie else result)
        out += b"edit %s %d %s\n" % (name.encode(), len(edits), claim.encode())
        out += edits
    out += b"end %s\n" % sha(out).encode()
    sys.stdout.buffer.write(out)


if __name__ == "__main__":
    main(sys.argv)
