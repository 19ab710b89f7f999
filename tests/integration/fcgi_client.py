#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""fcgi_client.py - one FastCGI request to a Unix socket, as nginx sends
it: the parameters, then the body as FCGI_STDIN records.  Prints the
answer's status code on the first line, then its body.  Exits 0 with an
answer, 3 when none came within --timeout seconds (a worker waiting for a
body it will not get), 1 on another failure.

Usage: fcgi_client.py SOCKET METHOD URI [--key KEY] [--type CTYPE]
           [--body FILE | --length N] [--timeout S]
  --length N: says CONTENT_LENGTH N and sends no body at all (a client
              whose upload is still on its way)
"""
import argparse
import socket
import struct
import sys

BEGIN, END, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def record(rtype, content=b""):
    return struct.pack(">BBHHBx", 1, rtype, 1, len(content), 0) + content


def pair(name, value):
    def size(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return size(len(name)) + size(len(value)) + name + value


def answer(sock):
    """The STDOUT of the request, once END_REQUEST came."""
    buf, out = b"", b""
    while True:
        while len(buf) >= 8:
            _, rtype, _, clen, plen = struct.unpack(">BBHHBx", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            if rtype == STDOUT:
                out += buf[8:8 + clen]
            elif rtype == END:
                return out
            buf = buf[8 + clen + plen:]
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before END_REQUEST")
        buf += chunk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("method")
    ap.add_argument("uri")
    ap.add_argument("--key")
    ap.add_argument("--type", default="")
    ap.add_argument("--body")
    ap.add_argument("--length", type=int)
    ap.add_argument("--timeout", type=float, default=10)
    a = ap.parse_args()
    body = open(a.body, "rb").read() if a.body else b""
    length = a.length if a.length is not None else len(body)
    params = {"REQUEST_METHOD": a.method, "REQUEST_URI": a.uri,
              "CONTENT_LENGTH": str(length), "CONTENT_TYPE": a.type,
              "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    if a.key:
        params["HTTP_AUTHORIZATION"] = "Bearer " + a.key
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        s.connect(a.socket)
        s.sendall(record(BEGIN, struct.pack(">HB5x", 1, 0)) +
                  record(PARAMS, b"".join(pair(k, v)
                                          for k, v in params.items())) +
                  record(PARAMS))
        if a.length is None:
            for i in range(0, len(body), 65535):
                s.sendall(record(STDIN, body[i:i + 65535]))
            s.sendall(record(STDIN))
        out = answer(s)
    except socket.timeout:
        print("no answer within %g s" % a.timeout, file=sys.stderr)
        return 3
    except OSError as e:
        print(e, file=sys.stderr)
        return 1
    head, _, rest = out.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0].split()[1].decode()
    sys.stdout.write(status + "\n" + rest.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
