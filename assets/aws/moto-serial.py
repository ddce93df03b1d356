#!/usr/bin/env python3
"""moto (pip `moto[server]`) on a loopback port, answering one request at a time.

moto's own server answers on threads without locking its tables, so two concurrent TransactWriteItems can
both apply; AWS's DynamoDB never does that. Serving serially keeps conditional writes linearizable, which the
AWS backend's tests rely on. It adds nothing moto lacks (ClientRequestToken idempotency, TTL expiry …).

  moto-serial.py [--port PORT] [--log-requests]     PORT 0 picks a free one

Prints "moto-serial listening on http://127.0.0.1:PORT" once it accepts requests; SIGTERM stops it.
POST /moto-api/reset empties every service.
"""
import argparse
import os
import signal
import sys

try:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import WSGIRequestHandler, make_server
except ImportError as error:
    sys.exit(f"moto-serial: moto[server] is not installed ({error})")


class QuietHandler(WSGIRequestHandler):
    """No line per request: a test that reads only the first line of output would otherwise find moto
    blocked on a full stderr pipe after about a thousand requests."""

    def log_request(self, *args, **kwargs):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--log-requests", action="store_true", help="log a line per request on stderr")
    arguments = parser.parse_args()
    handler = WSGIRequestHandler if arguments.log_requests else QuietHandler
    server = make_server("127.0.0.1", arguments.port, DomainDispatcherApplication(create_backend_app), threaded=False, processes=1,
                         request_handler=handler)
    os.environ.setdefault("MOTO_PORT", str(server.server_port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"moto-serial listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
