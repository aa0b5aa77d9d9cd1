"""Short engine queries (validation, window and source lists, doctor, file lengths) off the GUI thread.

They run on a small thread pool; their results come back through a queued signal, so callbacks run on
the GUI thread. Nothing here starts long-lived children (those belong to the recording worker).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from shiboken6 import Shiboken

log = logging.getLogger(__name__)


class Background(QObject):
    _done = Signal(object, object, object)  # (on_result, on_error), result, error

    def __init__(self, parent: QObject | None = None, workers: int = 3) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tdw-ui-query")
        self._closed = False
        self._done.connect(self._deliver)

    def call(
        self,
        fn: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if self._closed:
            return

        def job() -> None:
            try:
                result, error = fn(), None
            except Exception as exc:  # noqa: BLE001 - handed to on_error on the GUI thread
                result, error = None, exc
            try:
                self._done.emit((on_result, on_error), result, error)
            except RuntimeError:  # the window went away meanwhile
                pass

        self._pool.submit(job)

    def _deliver(self, callbacks: tuple, result: Any, error: BaseException | None) -> None:
        if self._closed:
            return
        on_result, on_error = callbacks
        owner = getattr(on_result, "__self__", None)
        if isinstance(owner, QObject) and not Shiboken.isValid(owner):
            return  # the widget that asked is gone
        if error is None:
            on_result(result)
        elif on_error is not None:
            on_error(error)
        else:
            log.warning("background query failed: %s", error)

    def close(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
