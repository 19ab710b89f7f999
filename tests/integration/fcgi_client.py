#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""fcgi_client.py - one FastCGI request to a Unix socket, as nginx sends
it: the parameters, then the body as FCGI_STDIN records.  Prints the
answer's status code on the first line, then its body.  Exits 0 with an
answer, 3 when none came within --timeout seconds (a worker waiting for a
body it will not get), 1 on another failure.

Usage: fcgi_client.py SOCKET METHOD URI [--key KEY] [--type CTYPE]
           [--body FILE | --length N] [--timeout S] [--held N]
  --length N: says CONTENT_LENGTH N and sends no body at all (a client
              whose upload is still on its way)
  --held N:   first N connections asking to be kept (FCGI_KEEP_CONN, as
              nginx's keepalive pool), one request answered on each, then
              left open and idle while the request is made on a new
              connection; then one more request on each of the N.  Prints
              "held N: S1 S2 ..." (their statuses, first and second
              rounds) on a line of its own, first.
  --linger S: then keep the N open, idle, until the server closes them
              or S seconds pass; prints "closed by the server: K" (K of
              the N) after it.
"""
import argparse
import socket
import struct
import sys
import time

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


def request(s, params, body, length, keep=False):
    """One request on the connected socket s: its answer's STDOUT."""
    s.sendall(record(BEGIN, struct.pack(">HB5x", 1, 1 if keep else 0)) +
              record(PARAMS, b"".join(pair(k, v)
                                      for k, v in params.items())) +
              record(PARAMS))
    if length is None or length == len(body):
        for i in range(0, len(body), 65535):
            s.sendall(record(STDIN, body[i:i + 65535]))
        s.sendall(record(STDIN))
    return answer(s)


def status_of(out):
    return out.partition(b"\r\n\r\n")[0].split(b"\r\n")[0].split()[1].decode()


def hold(path, n, params, timeout):
    """n kept connections, one request answered on each: (sockets,
    statuses)."""
    held, seen = [], []
    for _ in range(n):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(timeout)
        c.connect(path)
        seen.append(status_of(request(c, params, b"", 0, keep=True)))
        held.append(c)
    return held, seen


def linger(held, secs):
    """How many of held the server closes within secs (each then closed
    here too)."""
    deadline, closed = time.monotonic() + secs, 0
    for c in held:
        try:
            c.settimeout(max(deadline - time.monotonic(), 0.001))
            if c.recv(1) == b"":
                closed += 1
        except (socket.timeout, OSError):
            pass
        c.close()
    return closed


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
    ap.add_argument("--held", type=int, default=0)
    ap.add_argument("--linger", type=float, default=0)
    a = ap.parse_args()
    body = open(a.body, "rb").read() if a.body else b""
    length = a.length if a.length is not None else len(body)
    params = {"REQUEST_METHOD": a.method, "REQUEST_URI": a.uri,
              "CONTENT_LENGTH": str(length), "CONTENT_TYPE": a.type,
              "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    if a.key:
        params["HTTP_AUTHORIZATION"] = "Bearer " + a.key
    plain = dict(params, CONTENT_LENGTH="0", CONTENT_TYPE="",
                 REQUEST_METHOD="GET")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        held, seen = hold(a.socket, a.held, plain, a.timeout)
        s.connect(a.socket)
        out = request(s, params, body, a.length if a.length is not None
                      else None)
        for c in held:
            seen.append(status_of(request(c, plain, b"", 0, keep=True)))
        if a.held:
            print("held %d: %s" % (a.held, " ".join(seen)), flush=True)
        closed = linger(held, a.linger) if a.linger else None
    except socket.timeout:
        print("no answer within %g s" % a.timeout, file=sys.stderr)
        return 3
    except OSError as e:
        print(e, file=sys.stderr)
        return 1
    if closed is not None:
        print("closed by the server: %d" % closed)
    head, _, rest = out.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0].split()[1].decode()
    sys.stdout.write(status + "\n" + rest.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
