#!/usr/bin/env python3
"""The floor of `docker run --rm IMAGE true` and `docker ps` through any Docker API server: a
server on a unix socket that answers the docker CLI's exchange at once with canned answers
(recorded from skiff's service talking to Debian's docker CLI 20.10), doing no work. What the
docker CLI then takes is the client's own cost; no server can answer faster
(benches/api.sh's `api_floor`).

    api_floor.py SOCKET

The exchange of `docker run --rm` (API 1.41): HEAD /_ping; POST /containers/create; POST
/containers/ID/attach (Upgrade: tcp, hijacked); POST /containers/ID/wait?condition=removed
(its status line at once, its body once the container "ran"); POST /containers/ID/start.
Here the container "runs" in no time: at the start, the attach stream ends (as the container's
output ends) and the wait's body is sent, then the 204 of the start. `docker ps`: HEAD
/_ping, GET /containers/json (`[]`). Anything else: a 404 with docker's JSON error.

Threads, one a connection, with blocking sockets: the answer is written as soon as the
request's last byte is read (a Python thread's wake-up, ~0.1 ms on an idle machine, is the
only cost the server adds).
"""
import os
import re
import secrets
import socket
import sys
import threading

HEADERS = (b'api-version: 1.41\r\ndocker-experimental: false\r\nostype: linux\r\n'
           b'server: floor\r\n')

# Containers "created" and not yet started: ID -> the Event their start sets, and what the
# wait and attach of that container hand over (the wait's connection, the attach's).
lock = threading.Lock()
started = {}


def event_of(cid):
    with lock:
        return started.setdefault(cid, threading.Event())


def answer(conn, status, body=b'', ctype=b'application/json', extra=b''):
    head = b'HTTP/1.1 ' + status + b'\r\n' + HEADERS + extra
    if ctype and body:
        head += b'content-type: ' + ctype + b'\r\n'
    if not status.startswith(b'204') and not status.startswith(b'101'):
        head += b'content-length: %d\r\n' % len(body)
    conn.sendall(head + b'\r\n' + body)


def read_request(conn, buf):
    """One request (method, path, body) from conn, buf holding what was read past the last;
    None at the end of the connection."""
    while b'\r\n\r\n' not in buf[0]:
        d = conn.recv(65536)
        if not d:
            return None
        buf[0] += d
    head, rest = buf[0].split(b'\r\n\r\n', 1)
    lines = head.split(b'\r\n')
    method, path, _ = lines[0].split(b' ', 2)
    length = 0
    for h in lines[1:]:
        k, _, v = h.partition(b':')
        if k.strip().lower() == b'content-length':
            length = int(v.strip())
    while len(rest) < length:
        d = conn.recv(65536)
        if not d:
            return None
        rest += d
    buf[0] = rest[length:]
    return method.decode(), path.decode(), rest[:length]


ROUTE = re.compile(r'^(?:/v[0-9.]+)?(/[^?]*)(?:\?.*)?$')
CTR = re.compile(r'^/containers/([0-9a-f]{64})/(attach|wait|start)$')


def serve(conn):
    buf = [b'']
    try:
        while True:
            req = read_request(conn, buf)
            if req is None:
                return
            method, path, _body = req
            m = ROUTE.match(path)
            route = m.group(1) if m else path
            c = CTR.match(route)
            if route == '/_ping':
                answer(conn, b'200 OK', b'' if method == 'HEAD' else b'OK', b'text/plain; charset=utf-8')
            elif route == '/containers/json' and method == 'GET':
                answer(conn, b'200 OK', b'[]\n')
            elif route == '/containers/create' and method == 'POST':
                cid = secrets.token_hex(32)
                event_of(cid)
                answer(conn, b'201 Created', b'{"Id":"%s","Warnings":[]}\n' % cid.encode())
            elif c and method == 'POST' and c.group(2) == 'attach':
                # The Event before the 101: the client may start the container, and the wait
                # answer and forget it, before this thread runs again.
                ev = event_of(c.group(1))
                answer(conn, b'101 Switching Protocols', extra=b'connection: Upgrade\r\nupgrade: tcp\r\n'
                       b'content-type: application/vnd.docker.multiplexed-stream\r\n')
                # The container's output ends when it has run: the stream closes. A start
                # that never comes (a bug here) drops the connection: the run fails, visibly.
                if not ev.wait(10):
                    return
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):
                    pass
                return
            elif c and method == 'POST' and c.group(2) == 'wait':
                ev = event_of(c.group(1))
                conn.sendall(b'HTTP/1.1 200 OK\r\n' + HEADERS + b'content-type: application/json\r\n'
                             b'transfer-encoding: chunked\r\n\r\n')
                if not ev.wait(10):
                    return
                body = b'{"Error":null,"StatusCode":0}\n'
                conn.sendall(b'%X\r\n' % len(body) + body + b'\r\n0\r\n\r\n')
                with lock:
                    started.pop(c.group(1), None)
            elif c and method == 'POST' and c.group(2) == 'start':
                event_of(c.group(1)).set()
                answer(conn, b'204 No Content')
            else:
                answer(conn, b'404 Not Found', b'{"message":"page not found"}\n')
    except (OSError, ValueError):
        return
    finally:
        conn.close()


def main():
    path = sys.argv[1]
    if os.path.exists(path):
        os.unlink(path)
    lst = socket.socket(socket.AF_UNIX)
    lst.bind(path)
    os.chmod(path, 0o600)
    lst.listen(64)
    while True:
        conn, _ = lst.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == '__main__':
    main()
