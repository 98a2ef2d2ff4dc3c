#!/usr/bin/env python3
"""A webhook receiver for CpxTeleservice events, on the Python standard library alone.

Listens on 127.0.0.1:PORT, checks each delivery's Cpx-Signature with the subscription's secret,
prints the event and answers 204 (or 401 when the signature does not verify).

    CPX_WEBHOOK_SECRET=whsec_... python3 samples/webhooks/receiver.py 9000
"""
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["CPX_WEBHOOK_SECRET"].encode()
TOLERANCE_SECONDS = 300


def verify(header: str, body: bytes) -> bool:
    """Cpx-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 over b"<t>." + body>, t within five minutes."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts or abs(time.time() - int(parts["t"])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(SECRET, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not verify(self.headers.get("Cpx-Signature", ""), body):
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)
        # De-duplicate on event["id"]: a delivery may come twice.
        print(event["id"], event["type"], event["resource"], json.dumps(event["data"]), flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 9000), Handler).serve_forever()
