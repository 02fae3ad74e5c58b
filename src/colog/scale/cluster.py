"""Joining or starting Ray: a local instance that starts and stops with the command, or an existing cluster."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from typing import Iterator

from colog.errors import CologError

logger = logging.getLogger(__name__)


def import_ray():
    try:
        import ray
    except ImportError as exc:
        raise CologError("this command needs Ray: pip install 'colog[ray]'") from exc
    return ray


@contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None) -> Iterator[object]:
    """Ray for the duration of a block: joins `address` ("auto", "ray://host:10001", "host:6379") when
    given, else starts a local instance (no dashboard) and shuts it down afterwards."""
    ray = import_ray()
    if ray.is_initialized():  # a caller (a notebook, a test) already holds one: use it, leave it running
        yield ray
        return
    try:
        if address:
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
        else:
            ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False, logging_level=logging.ERROR,
                     log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise CologError(f"cannot {'join Ray at ' + address if address else 'start a local Ray'} ({exc})") from exc
    try:
        yield ray
    finally:
        ray.shutdown()
