#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# dkim_verify.py KEYDIR MESSAGE... - every DKIM-Signature of each message
# checked by python3-dkim (an independent verifier), the public keys
# answered from KEYDIR instead of DNS: KEYDIR/SELECTOR._domainkey.DOMAIN
# holds the TXT record the test made.  KEYDIR "dns:IP@PORT" asks that DNS
# server instead (dnspython, no other resolver).  One line per message:
#   FILE unsigned
#   FILE d=DOMAIN s=SELECTOR a=ALGORITHM ok|bad [d=... ...]
import os
import sys

import dkim


def main():
    keydir = sys.argv[1]

    def dnsfunc_server(name, timeout=5):
        import dns.resolver
        ip, _, port = keydir[4:].partition("@")
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = [ip]
        r.port = int(port or 53)
        r.lifetime = timeout
        if isinstance(name, bytes):
            name = name.decode()
        try:
            ans = r.resolve(name, "TXT")
        except Exception:
            return None
        return b"".join(b"".join(rr.strings) for rr in ans)

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
                ok = d.verify(idx=i, dnsfunc=dnsfunc_server
                              if keydir.startswith("dns:") else dnsfunc)
            except dkim.DKIMException:
                ok = False
            out.append("d=%s s=%s a=%s %s" % (
                tags.get(b"d", b"").decode(), tags.get(b"s", b"").decode(),
                tags.get(b"a", b"").decode(), "ok" if ok else "bad"))
        print(path, " ".join(out))


main()
