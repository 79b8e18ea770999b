"""A stand-in for the company's SMS platform: a real HTTP server (http.server, in a thread, on
a free loopback port) that checks every request against the wire format the portal documents
(cases/public/sms_gateway.py) and answers what the test scripted: success, 5xx, 4xx, a slow
answer."""
import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.processes import free_port

FIELDS = {"client_ref", "phone", "template_id", "params", "text", "sign_name"}
PARAMS = {"reference", "due", "hotline", "status_url"}


class SmsGatewayServer:
    def __init__(self, username, password):
        self.expected_auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.requests = []  # the JSON bodies received, in order
        self.violations = []  # what did not follow the wire format
        self.answers = []  # scripted: (status, body dict or None, delay seconds); default success
        self.ids = {}  # client_ref -> message id given (a retried client_ref gets the same one)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/send"
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, status, body=None, delay=0):
        self.answers.append((status, body, delay))

    def _check(self, headers, path, raw):
        problems = []
        if path != "/send":
            problems.append(f"path {path}")
        if headers.get("Content-Type", "").split(";")[0] != "application/json":
            problems.append(f"content type {headers.get('Content-Type')}")
        if headers.get("Authorization") != self.expected_auth:
            problems.append("credentials")
        try:
            body = json.loads(raw)
        except ValueError:
            return None, [*problems, "not JSON"]
        if not isinstance(body, dict) or not {"client_ref", "phone", "template_id", "params"} <= set(body):
            problems.append(f"fields {sorted(body) if isinstance(body, dict) else body}")
        elif set(body) - FIELDS or set(body["params"]) != PARAMS:
            problems.append(f"unknown fields {sorted(set(body) - FIELDS)} / params {sorted(body['params'])}")
        return body, problems

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body, problems = gateway._check(self.headers, self.path, raw)
                gateway.requests.append(body)
                gateway.violations.extend(problems)
                status, answer, delay = gateway.answers.pop(0) if gateway.answers else (200, None, 0)
                if problems:
                    status, answer = 400, {"error": "; ".join(problems)}
                elif status == 200 and answer is None:
                    ref = body["client_ref"]
                    answer = {"message_id": gateway.ids.setdefault(ref, f"GW-{len(gateway.ids) + 1}"),
                              "status": "accepted"}
                time.sleep(delay)
                data = json.dumps(answer or {}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the portal gave up waiting (the timeout test)
                    pass

            def log_message(self, *args):
                pass

        return Handler
