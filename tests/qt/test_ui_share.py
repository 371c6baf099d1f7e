"""File → Share Library…: off until started; the dialog starts the real server, shows the address with its token
and a QR code, a browser-like client reaches the library there, stopping closes it without waiting on the GUI
thread, the choice survives a restart, and a taken port is told."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

from app.services.streaming import StreamingService
from app.ui.main_window import MainWindow


def fetch(url: str, path: str = "/api/status") -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", f"{path}?{parts.query}")
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, json.loads(body) if body else {}


def test_share_dialog_starts_serves_and_stops(qtbot, window: MainWindow, app_context) -> None:
    service: StreamingService = app_context.streaming
    assert not service.running  # off by default
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    window.menus.share.trigger()
    dialog = window.share_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.local.isChecked() and dialog.address.text() == "" and dialog.toggle.text() == "Start Sharing"
    dialog.port.setValue(port)
    assert dialog.cache_limit.value() == 20  # GB, the default
    dialog.cache_limit.setValue(5)
    dialog.toggle.click()
    assert service.running and dialog.toggle.text() == "Stop Sharing"
    assert service.cache_limit_gb == 5 and service.server is not None
    assert service.server.config.stream_cache_bytes == 5 << 30
    url = dialog.address.text()
    assert url.startswith(f"http://127.0.0.1:{port}/?token=") and url.endswith(service.token())
    assert not dialog.qr.pixmap().isNull() and dialog.qr.pixmap().width() >= 100
    status, body = fetch(url)
    assert status == 200 and body["name"] == "Reelkeep"
    assert fetch(url.split("?")[0] + "?token=wrong")[0] == 401

    dialog.toggle.click()  # stop: the server closes in its own thread, the dialog follows
    qtbot.waitUntil(lambda: not service.stopping and dialog.toggle.text() == "Start Sharing", timeout=10000)
    assert not service.running and dialog.address.text() == ""
    try:
        fetch(url)
        raise AssertionError("the server still answers after Stop Sharing")
    except OSError:
        pass

    dialog.toggle.click()  # on again: remembered for the next start of the app
    assert service.running
    assert app_context.settings.value("streaming/enabled", False, bool)
    old_token = service.token()
    dialog.new_token.click()  # every device must be given the new address
    qtbot.waitUntil(lambda: service.running and service.token() != old_token
                    and dialog.address.text().endswith(service.token()), timeout=10000)
    assert fetch(dialog.address.text())[0] == 200
    assert fetch(url)[0] == 401


def test_a_taken_port_is_told_and_nothing_runs(qtbot, window: MainWindow, app_context) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        service: StreamingService = app_context.streaming
        service.configure(False, busy.getsockname()[1], False)
        errors: list[str] = []
        service.failed.connect(errors.append)
        window.open_share_dialog()
        window.share_dialog.toggle.click()
        assert not service.running and window.share_dialog.toggle.text() == "Start Sharing"
        assert errors and "cannot listen on 127.0.0.1" in errors[0] and "choose another port" in errors[0]
    finally:
        busy.close()
