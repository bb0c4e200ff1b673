"""gunicorn settings for production and for ``make bench`` (gunicorn reads this file from the
directory it starts in; ``-c gunicorn.conf.py`` names it explicitly).

    gunicorn -c gunicorn.conf.py "campaign:create_app()"

Measured on a 2-core machine (bench/bench_signing.py): two worker processes of four threads
each signed faster and used less CPU per signature than four processes of four threads (9.2 ms →
6.8 ms of server CPU per signature) and answered the count API faster too: more processes than
cores only add context switches, and more threads per process only add waits for the GIL. The
threads are for requests that wait (SQLite's write lock, SMTP, the disk), not for computing.
Set ``GUNICORN_WORKERS`` to the number of cores on a bigger machine.
"""

import gc
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Browsers and the count's pollers reuse connections; a new TCP connection per request costs
# more than most of our responses.
keepalive = 30


def post_worker_init(worker) -> None:
    # The app, its templates, catalogs and the content library are built once and live as long
    # as the process: frozen out of the garbage collector's reach, a full collection no longer
    # walks their ~130,000 objects (it cost ~0.2-0.3 ms per signature, measured in-process).
    gc.freeze()


def on_starting(server) -> None:
    # A setting the app cannot work with (campaign.settings.ConfigError names its CAMPAIGN_*
    # variable) is told in one line before any worker starts, not inside each worker's
    # traceback followed by "Worker failed to boot".
    from campaign import create_app
    from campaign.settings import ConfigError

    try:
        app = create_app()
    except ConfigError as exc:
        print(f"campaign: {exc}", file=sys.stderr)
        sys.exit(2)
    app.extensions["campaign.db"].dispose()  # the workers open their own connections
