"""The documentation site: it builds with warnings as errors, its API reference holds every public class
and function of motornet, and in a real browser (Debian's headless Chromium) no internal link is broken
and every image loads."""

import functools
import http.server
import importlib
import inspect
import pkgutil
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse

import pytest
from conftest import REPO

import motornet

pytest.importorskip("sphinx", reason="pip install sphinx myst-nb furo (in the [test] extra)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs") / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d", out.parent / "doctrees"]
    result = subprocess.run([*command, REPO / "docs", out], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"`make docs` fails:\n{result.stderr[-5000:]}"
    return out


def public_objects():
    """Qualified names of the classes and functions each motornet module (or package) defines and does not mark
    private."""
    names = []
    for info in pkgutil.iter_modules(motornet.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"motornet.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if obj.__module__ == module.__name__ or obj.__module__.startswith(f"{module.__name__}."):
                names.append(f"{module.__name__}.{name}")
    return names


def test_the_api_reference_holds_every_public_class_and_function(site):
    documented = set(re.findall(r'<dt class="sig sig-object py" id="([\w.]+)"', (site / "api.html").read_text()))
    missing = [name for name in public_objects() if name not in documented]
    assert len(public_objects()) > 50 and not missing, f"not in docs/api.md's modules: {missing}"


def test_no_page_cites_a_document_outside_the_repository(site):
    text = "\n".join(p.read_text() for p in site.rglob("*.html"))
    assert "../shared" not in text and "shared/spec" not in text  # tests/test_model_doc.py checks the sources


@pytest.fixture(scope="module")
def browser(site):
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium (in the [test] extra)")
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/chromium.sh installs them)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    chrome = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))
    yield chrome, f"http://127.0.0.1:{server.server_address[1]}/"
    chrome.quit()
    server.shutdown()


# What a page shows once loaded: its internal links (absolute URLs) and the images that did not load.
PAGE_PROBE = """
const links = [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.startsWith(location.origin));
const broken = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
return [links, broken, document.images.length];
"""


def test_in_a_browser_every_internal_link_resolves_and_every_image_loads(site, browser):
    chrome, root = browser
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if "_modules" not in p.parts)
    broken_links, broken_images, images = [], [], 0
    for page in pages:
        chrome.get(root + page)
        links, broken, n = chrome.execute_script(PAGE_PROBE)
        images += n
        broken_images += [f"{page}: {src}" for src in broken]
        for link in links:
            url = urllib.parse.urlsplit(link)
            target = site / urllib.parse.unquote(url.path).lstrip("/")
            target = target / "index.html" if target.is_dir() else target
            if not target.exists():
                broken_links.append(f"{page}: {link}")
            elif url.fragment and target.suffix == ".html":
                if f'id="{urllib.parse.unquote(url.fragment)}"' not in target.read_text():
                    broken_links.append(f"{page}: {link} (no such anchor)")
    assert not broken_links, broken_links[:20]
    assert not broken_images, broken_images
    assert images >= 8, "the results page shows the paper's figures"


def test_in_a_browser_the_model_pages_equations_render(site, browser):
    chrome, root = browser
    chrome.get(root + "model.html")
    rendered = chrome.execute_script(
        "return new Promise(done => MathJax.startup.promise.then(() => "
        "done(document.querySelectorAll('mjx-container').length)))"
    )
    assert rendered > 20, "MathJax rendered no equation"
