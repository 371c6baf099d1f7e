"""StreamingService: the app's streaming server (File → Share Library…), off by default. It owns one
StreamingServer (its own thread and event loop), its settings (network or this machine only, port, whether this
machine may skip the token) and the install's token, kept beside the settings file.

Starting waits only for the socket to bind (milliseconds); stopping lets the server close its connections in its
own thread and reports when it has, so the GUI never waits on a client.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.catalog.db import is_server_url
from app.core.errors import ReelkeepError
from app.services.settings import Settings
from app.streaming.access import load_or_create_token, new_token
from app.streaming.server import DEFAULT_PORT, ServerConfig, StreamingServer
from app.streaming.stream_cache import DEFAULT_LIMIT

HOST_KEY, PORT_KEY, LOOPBACK_KEY, ENABLED_KEY = ("streaming/host", "streaming/port", "streaming/loopback_without_token",
                                                 "streaming/enabled")
CACHE_LIMIT_KEY = "streaming/cache_limit_gb"
LOCAL_HOST, NETWORK_HOST = "127.0.0.1", "0.0.0.0"


class StreamingService(QObject):
    state_changed = Signal()  # running, url or error changed
    failed = Signal(str)

    def __init__(self, catalog_path: Path | str, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog_path = catalog_path if is_server_url(catalog_path) else Path(catalog_path)  # URLs stay whole
        self.settings = settings
        self.token_file = Path(settings.file_name()).with_name("server-token")
        self.server: StreamingServer | None = None
        self._stopping: StreamingServer | None = None
        self._restart = False
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check_stopped)

    # ---- settings
    @property
    def network(self) -> bool:
        return self.settings.value(HOST_KEY, LOCAL_HOST) == NETWORK_HOST

    @property
    def port(self) -> int:
        return int(self.settings.value(PORT_KEY, DEFAULT_PORT, int))

    @property
    def loopback_without_token(self) -> bool:
        return bool(self.settings.value(LOOPBACK_KEY, False, bool))

    @property
    def cache_limit_gb(self) -> int:
        """The stream cache's size limit in GB (0: none)."""
        return int(self.settings.value(CACHE_LIMIT_KEY, DEFAULT_LIMIT >> 30, int))

    def configure(self, network: bool, port: int, loopback_without_token: bool, cache_limit_gb: int | None = None
                  ) -> None:
        """Save the choices; a running server restarts with them."""
        self.settings.set_value(HOST_KEY, NETWORK_HOST if network else LOCAL_HOST)
        self.settings.set_value(PORT_KEY, int(port))
        self.settings.set_value(LOOPBACK_KEY, bool(loopback_without_token))
        if cache_limit_gb is not None:
            self.settings.set_value(CACHE_LIMIT_KEY, max(0, int(cache_limit_gb)))
        if self.running:
            self.stop(restart=True)

    def token(self) -> str:
        return load_or_create_token(self.token_file)

    def replace_token(self) -> None:
        new_token(self.token_file)
        if self.running:
            self.stop(restart=True)
        self.state_changed.emit()

    # ---- running
    @property
    def running(self) -> bool:
        return self.server is not None and self.server.running

    @property
    def url(self) -> str | None:
        """The address to open, token included (what the dialog shows and the QR code holds)."""
        if not self.running or self.server is None:
            return None
        return f"{self.server.url}?token={self.server.config.token}"

    def start(self) -> bool:
        if self.running:
            return True
        if self._stopping is not None:
            self._restart = True
            return True
        config = ServerConfig(NETWORK_HOST if self.network else LOCAL_HOST, self.port, self.token(),
                              self.loopback_without_token, stream_cache_bytes=self.cache_limit_gb << 30)
        server = StreamingServer(self.catalog_path, config)
        try:
            server.start()
        except ReelkeepError as exc:
            self.failed.emit(f"Sharing could not start: {exc}")
            self.state_changed.emit()
            return False
        self.server = server
        self.settings.set_value(ENABLED_KEY, True)
        self.state_changed.emit()
        return True

    def stop(self, restart: bool = False) -> None:
        """Stop serving (connections close in the server's thread); with restart, start again once stopped."""
        self._restart = restart
        server, self.server = self.server, None
        if not restart:
            self.settings.set_value(ENABLED_KEY, False)
        if server is None:
            self.state_changed.emit()
            return
        server.request_stop()
        self._stopping = server
        self._poll.start()
        self.state_changed.emit()

    def _check_stopped(self) -> None:
        if self._stopping is not None and self._stopping.stopped:
            self._stopping.stop()  # joins a thread that has already ended
            self._stopping = None
            self._poll.stop()
            if self._restart:
                self._restart = False
                self.start()
            self.state_changed.emit()

    @property
    def stopping(self) -> bool:
        return self._stopping is not None

    def start_if_enabled(self) -> None:
        """At app start: share again when the user left sharing on."""
        if self.settings.value(ENABLED_KEY, False, bool):
            self.start()

    def shutdown(self, timeout: float = 5.0) -> None:
        for server in (self.server, self._stopping):
            if server is not None:
                server.stop(timeout)
        self.server = self._stopping = None
        self._poll.stop()
