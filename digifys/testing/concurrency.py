"""Run one call from several threads at the same instant, each on its own database connection
(PostgreSQL tests of races: `django_db(transaction=True)`)."""

import threading

from django.db import connections


def at_once(call, copies: int = 4, *, timeout: float = 30) -> tuple[list, list]:
    """Start COPIES threads that wait at one barrier and then CALL(); return (results, errors)."""
    barrier = threading.Barrier(copies)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(call())
        except Exception as error:  # handed back to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, errors
