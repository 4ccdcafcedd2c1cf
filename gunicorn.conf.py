"""gunicorn's settings for Lab Records in production (README.md, "Production").

gunicorn reads this file by itself when it is started from the project's root
(``gunicorn lab.wsgi``); options on its command line or in ``GUNICORN_CMD_ARGS`` win over it.
The production smoke test and the load test run the site with it.

Threaded workers (``gthread``), not gunicorn's default sync workers: a download of the whole
publication list (20,000 papers as XLSX or BibTeX) takes seconds of CPU, and tens of seconds
when the server is busy. A sync worker cannot tell the master it is alive while it works on one
request, so after ``timeout`` seconds the master kills it and the download is lost (the load
test saw exactly that, docs/benchmarks.md). A threaded worker's main thread keeps telling the
master it is alive while a request thread works, so ``timeout`` only catches a worker that is
stuck as a whole; and while one thread writes a long download (or waits on the database or a
slow client), the worker's other thread answers pages.

Two threads per worker, not more: threads of one process share one interpreter lock, so more
of them add no CPU, only memory at the peak (each may hold a download being written).
"""

import multiprocessing
import os

worker_class = "gthread"
# gunicorn's advice for the number of workers; WEB_CONCURRENCY (the variable gunicorn itself
# reads) sets another.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = 30  # a worker silent this long (stuck as a whole, not one slow request) is replaced
graceful_timeout = 30
