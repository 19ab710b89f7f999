#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# dkim_verify.py KEYDIR MESSAGE... - every DKIM-Signature of each message
# checked by python3-dkim (an independent verifier), the public keys
# answered from KEYDIR instead of DNS: KEYDIR/SELECTOR._domainkey.DOMAIN
# holds the TXT record the test made.  One line per message:
#   FILE unsigned
#   FILE d=DOMAIN s=SELECTOR a=ALGORITHM ok|bad [d=... ...]
import os
import sys

import dkim


def main():
    keydir = sys.argv[1]

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        path = os.path.join(keydir, name.rstrip("."))
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            return f.read().strip()

    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            msg = f.read()
        d = dkim.DKIM(msg)
        sigs = [v for (k, v) in d.headers if k.lower() == b"dkim-signature"]
        if not sigs:
            print(path, "unsigned")
            continue
        out = []
        for i, raw in enumerate(sigs):
            tags = dkim.util.parse_tag_value(raw)
            try:
                ok = d.verify(idx=i, dnsfunc=dnsfunc)
            except dkim.DKIMException:
                ok = False
            out.append("d=%s s=%s a=%s %s" % (
                tags.get(b"d", b"").decode(), tags.get(b"s", b"").decode(),
                tags.get(b"a", b"").decode(), "ok" if ok else "bad"))
        print(path, " ".join(out))


main()
