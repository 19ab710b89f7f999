#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""dsync_relay.py - what hakomail-pushd does for a mailbox copy, small:
spawn two commands (the ssh sessions to the source's and the target's
agents), copy each one's stdout into the other's stdin, close a stdin when
the other's stdout ends, keep each one's stderr.

  dsync_relay.py A_ERR B_ERR N A_ARGV(N words)... B_ARGV...

Writes A's and B's stderr to the files A_ERR and B_ERR, prints "A_RC B_RC"
and exits 0 when both exited 0, else 1."""
import os
import subprocess
import sys
import threading


def copy(src, dst):
    """src's bytes into dst until src ends; then dst is closed."""
    try:
        while True:
            data = os.read(src.fileno(), 65536)
            if not data:
                break
            dst.write(data)
            dst.flush()
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            dst.close()
        except OSError:
            pass


def keep(src, path):
    with open(path, "wb") as out:
        out.write(src.read())


def main(argv):
    if len(argv) < 6 or not argv[3].isdigit() or \
            len(argv) <= 4 + int(argv[3]) or int(argv[3]) == 0:
        sys.exit(__doc__)
    a_err, b_err, n = argv[1], argv[2], int(argv[3])
    a_argv, b_argv = argv[4:4 + n], argv[4 + n:]
    pipes = dict(stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, bufsize=0)
    a = subprocess.Popen(a_argv, **pipes)
    b = subprocess.Popen(b_argv, **pipes)
    threads = [threading.Thread(target=copy, args=(a.stdout, b.stdin)),
               threading.Thread(target=copy, args=(b.stdout, a.stdin)),
               threading.Thread(target=keep, args=(a.stderr, a_err)),
               threading.Thread(target=keep, args=(b.stderr, b_err))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rc = (a.wait(), b.wait())
    print(rc[0], rc[1])
    return 0 if rc == (0, 0) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
