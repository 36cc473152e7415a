# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bounded pool for independent API calls (the requests of a migration wave's VMs).

``each(func, items, limit)`` calls ``func(item)`` for every item with at most ``limit`` calls in flight and
returns ``[(result, error)]`` in the order of ``items``: one item's error (any ``Exception``) is returned with
it, never raised, so the other items go on and the caller reports each. With ``limit`` 1 or a single item
everything runs in the calling thread, one after the other (no thread is started).

Only the sending of requests is spread over threads; waits stay in the calling thread (one list or one
``GET /tasks`` per poll for all items). Whatever ``func`` shares must be safe for concurrent use (the HTTP
client's connection pool is; the VCDA client's login is serialised by its lock).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

MAX_LIMIT = 32


def each(func, items, limit):
    """``[(result, error)]`` of ``func(item)`` for ``items``, at most ``limit`` at once (see the module doc)."""
    items = list(items)
    out = [None] * len(items)
    limit = max(1, min(int(limit or 1), MAX_LIMIT, len(items) or 1))

    def call(index):
        try:
            out[index] = (func(items[index]), None)
        except Exception as error:  # pylint: disable=broad-except  # reported per item by the caller
            out[index] = (None, error)

    if limit == 1:
        for index in range(len(items)):
            call(index)
        return out
    lock = threading.Lock()
    queue = list(range(len(items)))
    queue.reverse()
    stopped = []  # a BaseException (KeyboardInterrupt, SystemExit) in a worker stops the others

    def worker():
        while True:
            with lock:
                if not queue or stopped:
                    return
                index = queue.pop()
            try:
                call(index)
            except BaseException as error:  # pylint: disable=broad-except
                with lock:
                    stopped.append(error)
                return

    threads = [threading.Thread(target=worker, name="cloudmove-pool-%d" % n) for n in range(limit)]
    for thread in threads:
        thread.daemon = True
        thread.start()
    for thread in threads:
        thread.join()
    if stopped:
        raise stopped[0]
    return out
