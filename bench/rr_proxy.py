"""A tiny round-robin HTTP reverse proxy standing in for the load balancer in bench/cluster_run.py.

    .venv/bin/python bench/rr_proxy.py LISTEN_PORT UPSTREAM_PORT [UPSTREAM_PORT ...]

Each request goes to the next upstream on 127.0.0.1 in turn (keep-alive connections to the
upstreams, one set per client connection). A failed upstream answers 502 and is never retried:
retrying a POST could register a complaint twice. The response carries `X-Upstream: PORT`, so
the client can count what each web instance served.
"""
import http.client
import itertools
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
              "content-length"}


def make_handler(upstreams):
    turns = itertools.cycle(upstreams)
    turn_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _upstream(self, port):
            conns = self.__dict__.setdefault("_conns", {})
            if port not in conns:
                conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            return conns[port]

        def _forward(self):
            with turn_lock:
                port = next(turns)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-For"] = self.client_address[0]
            conn = self._upstream(port)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self.__dict__["_conns"].pop(port, None)
                data = f"upstream {port} failed: {type(exc).__name__}".encode()
                self.send_response(502)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Upstream", str(port))
                self.end_headers()
                self.wfile.write(data)
                return
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Upstream", str(port))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

    return Handler


def main():
    listen, *upstreams = (int(arg) for arg in sys.argv[1:])
    if not upstreams:
        sys.exit("usage: rr_proxy.py LISTEN_PORT UPSTREAM_PORT [UPSTREAM_PORT ...]")
    server = ThreadingHTTPServer(("127.0.0.1", listen), make_handler(upstreams))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
