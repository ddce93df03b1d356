#!/usr/bin/env python3
"""moto (pip `moto[server]`) on a loopback port, answering one request at a time.

moto's own server answers on threads without locking its tables, so two concurrent TransactWriteItems can
both apply; AWS's DynamoDB never does that. Serving serially keeps conditional writes linearizable, which the
AWS backend's tests rely on. It adds nothing moto lacks (ClientRequestToken idempotency, TTL expiry …).

  moto-serial.py [--port PORT]     PORT 0 picks a free one

Prints "moto-serial listening on http://127.0.0.1:PORT" once it accepts requests; SIGTERM stops it.
POST /moto-api/reset empties every service.
"""
import argparse
import os
import signal
import sys

try:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
except ImportError as error:
    sys.exit(f"moto-serial: moto[server] is not installed ({error})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5055)
    arguments = parser.parse_args()
    server = make_server("127.0.0.1", arguments.port, DomainDispatcherApplication(create_backend_app), threaded=False, processes=1)
    os.environ.setdefault("MOTO_PORT", str(server.server_port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"moto-serial listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
