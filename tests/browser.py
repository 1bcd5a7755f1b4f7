"""Headless Chromium for the browser tests: Debian's
/usr/bin/chromium driven by Playwright, offline.

Playwright cannot download its own browsers here, so the tests use the system
Chromium (`apt-get install -y chromium`; `make test` installs it where it can). Every page
request is recorded, and every host other than 127.0.0.1 fails at once instead
of waiting for a network that is not there.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags, Chromium's own services dial out and the
# closed network refuses them; the resolver rule makes any other host fail instantly.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
LOCAL_SCHEMES = {"data", "blob", "about", "file"}


def require_chromium() -> None:
    """Skip, naming the fix, when the system Chromium is missing (CI installs it)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install it with `apt-get "
            "install -y chromium` (make test does when run as root)"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in LOCAL_SCHEMES and parts.hostname != "127.0.0.1"


@contextmanager
def chromium_page(user_data_dir: Path, width: int = 1280, height: int = 900):
    """A page of a fresh headless Chromium profile, and the list of every URL it requested."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    requests: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            context.on("request", lambda request: requests.append(request.url))
            yield context.new_page(), requests
        finally:
            context.close()


LAB_TOKEN = "labhelpers-test-token"


@contextmanager
def jupyterlab(home: Path, root_dir: Path):
    """`jupyter lab` on 127.0.0.1 (a free port) serving ``root_dir``, its settings and runtime
    files under ``home``; yields the base URL (requests need ``?token=LAB_TOKEN``).

    A person watches here, so the server runs without LABHELPERS_BATCH (conftest sets it for
    the batch runs) and CI."""
    env = {key: value for key, value in os.environ.items() if key not in ("LABHELPERS_BATCH", "CI")}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[name] = str(home / name.lower())
    # The news question would be a pop-up over the notebook; the answer "no" asks nothing online.
    settings = (
        home / "jupyter_config_dir" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    )
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        # Taken since free_port (another pytest-xdist worker's server): fail, not serve elsewhere.
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={LAB_TOKEN}",
        f"--ServerApp.root_dir={root_dir}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "jupyterlab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(server, f"{base}/api/status?token={LAB_TOKEN}", log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for_server(server, url, log, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"jupyter lab exited with code {server.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"jupyter lab did not answer {url} within {timeout} s:\n{log.read_text()[-3000:]}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the test reports what failed; no access log
        pass


@contextmanager
def serve_folder(folder: Path):
    """Serve ``folder`` over HTTP on 127.0.0.1 (a free
    port) for the duration; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# TeX left as text: $...$ holding a command, a sub/superscript or a brace, or \( \) \[ \]
# delimiters.
RAW_TEX = re.compile(r"\$[^$\n]{0,120}?(?:\\[A-Za-z]+|[_^{])[^$\n]{0,120}?\$|\\[()\[\]]")

# The page's visible text outside code (source cells and printed output may hold TeX on
# purpose) and outside rendered maths.
_VISIBLE_PROSE_JS = """() => {
  const skip = 'pre, code, script, style, mjx-container, .MathJax';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || element.closest(skip) || !element.checkVisibility()) continue;
    parts.push(node.textContent);
  }
  return parts.join('');
}"""


def raw_tex(page) -> list[str]:
    """Pieces of TeX that a reader of ``page`` sees as source text instead of maths."""
    text = page.evaluate(_VISIBLE_PROSE_JS)
    return [match.group(0) for match in RAW_TEX.finditer(text)]


def wait_for_mathjax(page, timeout_ms: int = 15000) -> str | None:
    """Wait until MathJax 3 has typeset the page; returns why not, or None."""
    if not page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\" i]')"):
        return None
    try:
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=timeout_ms
        )
        page.evaluate("() => MathJax.startup.promise")
    except Exception as error:  # Playwright's TimeoutError: MathJax never started
        return f"MathJax did not start within {timeout_ms} ms ({type(error).__name__})"
    return None


def unrendered_maths(page) -> tuple[int, int]:
    """(elements Sphinx marked as maths, how many of them hold no MathJax output)."""
    return page.evaluate("""() => {
      const maths = [...document.querySelectorAll('.math')];
      return [maths.length, maths.filter(m => !m.querySelector('mjx-container')).length];
    }""")


def broken_images(page) -> list[str]:
    """The src of every img on the page that did not load (lazy ones are loaded first)."""
    return page.evaluate("""async () => {
      const images = [...document.images];
      images.forEach(img => { img.loading = 'eager'; });
      await Promise.all(images.map(img => img.decode().catch(() => null)));
      return images.filter(img => !(img.complete && img.naturalWidth > 0))
                   .map(img => img.currentSrc || img.src);
    }""")


def cut_code(page) -> list[str]:
    """The code cells of ``page`` wider than their box (a reader must scroll sideways): their
    longest line."""
    return page.evaluate("""() => [...document.querySelectorAll('div.cell_input pre')]
      .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
      .map(pre => pre.textContent.split('\\n')
                     .reduce((a, b) => (b.length > a.length ? b : a), ''))""")
