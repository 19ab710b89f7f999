#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# lmtp_hold.py RCPT MESSAGE-ID: inside a guest, an LMTP delivery to its
# Dovecot (Postfix's socket) held open before the final dot until a line
# comes on standard input, then finished: a delivery in flight across
# whatever the test does meanwhile.  Prints each reply line as it comes
# ("held" once the body is sent); exit 0 when the delivery was answered.
import socket
import sys

SOCKET = "/var/spool/postfix/private/dovecot-lmtp"


def main():
    rcpt, msgid = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(SOCKET)
    f = s.makefile("rwb")

    def say(line):
        if line is not None:
            f.write(line.encode() + b"\r\n")
            f.flush()
        while True:
            got = f.readline()
            print(got.decode(errors="replace").rstrip(), flush=True)
            if not got:
                raise ConnectionError("connection closed")
            if got[3:4] != b"-":
                return got

    say(None)
    say("LHLO held.test")
    say("MAIL FROM:<held@hakomail.test>")
    say("RCPT TO:<%s>" % rcpt)
    say("DATA")
    f.write(b"From: held@hakomail.test\r\nSubject: held\r\n"
            b"Message-ID: <" + msgid.encode() + b">\r\n\r\nheld open\r\n")
    f.flush()
    print("held", flush=True)
    sys.stdin.readline()
    say(".")
    say("QUIT")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ConnectionError) as e:
        print("lmtp: %s" % e, flush=True)
        sys.exit(1)
