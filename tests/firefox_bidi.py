"""Headless Firefox (Debian's firefox-esr) driven over WebDriver BiDi, which Firefox serves itself
(`--remote-debugging-port`): Debian packages no geckodriver, and BiDi needs none. A few commands are all the web
client's tests use: navigate, evaluate a script, read the console, take a screenshot."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import websocket

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox") or "/usr/bin/firefox-esr"
_LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
# A test profile: play sound without a gesture, nothing that reaches the internet on its own.
PREFS = {
    "media.autoplay.default": 0,
    "media.autoplay.blocking_policy": 0,
    "browser.shell.checkDefaultBrowser": False,
    "app.update.disabledForTesting": True,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "browser.newtabpage.enabled": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "extensions.update.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "services.settings.server": "data:,",
}


class BrowserError(RuntimeError):
    pass


class Firefox:
    def __init__(self, profile: Path, width: int = 1280, height: int = 900) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
                                                 for k, v in PREFS.items()))
        self.process = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--profile", str(profile), "--remote-debugging-port", "0",
             "--width", str(width), "--height", str(height), "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace")
        self.output: list[str] = []
        url = self._wait_for_listener()
        threading.Thread(target=self._drain, daemon=True).start()
        self.socket = websocket.create_connection(f"{url}/session", timeout=60, suppress_origin=True)
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.command("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": True}}})
        self.context = self.command("browsingContext.getTree", {})["contexts"][0]["context"]
        self.command("session.subscribe", {"events": ["log.entryAdded"]})

    def _wait_for_listener(self, timeout: float = 60.0) -> str:
        assert self.process.stderr is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            self.output.append(line)
            found = _LISTENING.search(line)
            if found:
                return found.group(1)
        self.process.kill()
        raise BrowserError("Firefox did not start its WebDriver BiDi listener:\n" + "".join(self.output[-20:]))

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.output.append(line)

    def command(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        number = next(self._ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("type") == "event":
                self.events.append(message)
            elif message.get("id") == number:
                if message.get("type") == "error":
                    raise BrowserError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def navigate(self, url: str) -> None:
        self.command("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def run(self, expression: str) -> Any:
        """The value of a script expression (awaited when it is a promise)."""
        result = self.command("script.evaluate", {"expression": expression, "awaitPromise": True,
                                                  "target": {"context": self.context}})
        if result.get("type") == "exception":
            details = result["exceptionDetails"]
            raise BrowserError(f"{details.get('text')} in {expression!r}")
        return _value(result["result"])

    def wait_until(self, expression: str, timeout: float = 30.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.run(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout:.0f} s for {what or expression}")
            time.sleep(0.1)

    def console_errors(self, keep: Callable[[str], bool] = lambda _text: True) -> list[str]:
        return [event["params"].get("text") or "" for event in self.events
                if event.get("method") == "log.entryAdded" and event["params"].get("level") == "error"
                and keep(event["params"].get("text") or "")]

    def screenshot(self, path: Path) -> None:
        data = self.command("browsingContext.captureScreenshot", {"context": self.context})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the browser may be gone already
            self.command("session.end", {})
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _value(remote: dict[str, Any]) -> Any:
    """A BiDi remote value as Python (primitives, arrays and plain objects)."""
    kind = remote.get("type")
    if kind in ("undefined", "null"):
        return None
    if kind in ("string", "boolean"):
        return remote["value"]
    if kind == "number":
        value = remote["value"]
        return float(value) if isinstance(value, str) else value  # "NaN", "Infinity"
    if kind == "array":
        return [_value(item) for item in remote.get("value", [])]
    if kind == "object":
        return {key if isinstance(key, str) else _value(key): _value(item) for key, item in remote.get("value", [])}
    return remote.get("value")
