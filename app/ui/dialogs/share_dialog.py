"""File → Share Library…: start or stop the streaming server, choose this machine or the network, the port, and
whether this machine may skip the token; the address (token included) as text to copy and as a QR code for a
phone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.streaming import StreamingService

QR_SIZE = 220


def qr_pixmap(text: str, size: int = QR_SIZE) -> QPixmap:
    """A QR code of text (segno makes the matrix; a quiet zone of 2 modules, as segno's default)."""
    import segno

    matrix = segno.make(text, error="m").matrix
    modules = len(matrix) + 4
    scale = max(size // modules, 1)
    pixmap = QPixmap(modules * scale, modules * scale)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect((x + 2) * scale, (y + 2) * scale, scale, scale)
    painter.end()
    return pixmap


class ShareDialog(QDialog):
    def __init__(self, service: StreamingService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle("Share Library")
        self.setMinimumWidth(480)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.local = QRadioButton("This computer only", self)
        self.network = QRadioButton("Devices on my network (phone, TV, laptop)", self)
        self.port = QSpinBox(self)
        self.port.setRange(1024, 65535)
        self.loopback = QCheckBox("This computer does not need the token", self)
        self.cache_limit = QSpinBox(self)
        self.cache_limit.setRange(0, 100_000)
        self.cache_limit.setSuffix(" GB")
        self.cache_limit.setSpecialValueText("No limit")
        self.cache_limit.setToolTip("Remuxes, HLS renditions and live transcodes are kept for the next viewer; "
                                    "over this size, those watched longest ago are deleted")
        self.address = QLineEdit(self)
        self.address.setReadOnly(True)
        self.address.setPlaceholderText("Not shared")
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.clicked.connect(self._copy)
        self.qr = QLabel(self)
        self.qr.setFixedSize(QR_SIZE, QR_SIZE)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.toggle = QPushButton(self)
        self.toggle.clicked.connect(self._toggle)
        self.new_token = QPushButton("New Token", self)
        self.new_token.setToolTip("Replace the token: every device has to be given the new address")
        self.new_token.clicked.connect(service.replace_token)

        form = QFormLayout()
        form.addRow("Share with", self.local)
        form.addRow("", self.network)
        form.addRow("Port", self.port)
        form.addRow("", self.loopback)
        form.addRow("Stream cache", self.cache_limit)
        address_row = QHBoxLayout()
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.copy_button)
        form.addRow("Address", address_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.toggle, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.new_token, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(form)
        layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(buttons)

        self.local.setChecked(not service.network)
        self.network.setChecked(service.network)
        self.port.setValue(service.port)
        self.loopback.setChecked(service.loopback_without_token)
        self.cache_limit.setValue(service.cache_limit_gb)
        self.cache_limit.editingFinished.connect(self._apply)
        for changed in (self.network.toggled, self.loopback.toggled):
            changed.connect(self._apply)
        self.port.editingFinished.connect(self._apply)
        service.state_changed.connect(self._refresh)
        self._refresh()

    def _apply(self) -> None:
        chosen = (self.network.isChecked(), self.port.value(), self.loopback.isChecked(), self.cache_limit.value())
        if chosen != (self.service.network, self.service.port, self.service.loopback_without_token,
                      self.service.cache_limit_gb):
            self.service.configure(*chosen)

    def _toggle(self) -> None:
        self._apply()
        if self.service.running:
            self.service.stop()
        else:
            self.service.start()

    def _copy(self) -> None:
        if self.address.text():
            QGuiApplication.clipboard().setText(self.address.text())

    def _refresh(self) -> None:
        running, url = self.service.running, self.service.url
        if self.service.stopping:
            self.status.setText("Stopping…")
        elif running and self.service.network:
            self.status.setText("Shared with your network. Anyone with this address (it holds the token) can "
                                "stream your library; open it in a browser or scan the code with a phone. Replace "
                                "the token to lock out every device at once.")
        elif running:
            self.status.setText("Shared on this computer only. Open the address in a browser here.")
        else:
            self.status.setText("Not shared. Reelkeep serves your library to browsers and players while sharing "
                                "is on; every request needs the token in the address.")
        address = url or ""
        if running and self.service.network and url:
            address = url.replace("127.0.0.1", _lan_address() or "127.0.0.1", 1)
        self.address.setText(address)
        self.address.setCursorPosition(0)  # the host and port first; the token runs on past the edge
        self.copy_button.setEnabled(bool(address))
        self.qr.setPixmap(qr_pixmap(address) if address else QPixmap())
        self.toggle.setText("Stop Sharing" if running else "Start Sharing")
        self.toggle.setEnabled(not self.service.stopping)


def _lan_address() -> str | None:
    """This machine's address on the network a phone would use (the route to a public address; nothing is sent)."""
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: connect() on UDP only picks the route
            return probe.getsockname()[0]
    except OSError:
        return None
