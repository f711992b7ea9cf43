"""The html report in a real browser: headless Chromium (Debian's `chromium`, which .ci/run installs).

The report of the sample workspace (the repository root) is rendered, checked to be self-contained,
then opened in Chromium. A copy of it (never the report itself) gets a small script that measures every
chart and gathers the page's text into a <pre id="measure">; `--dump-dom` hands that back. A screenshot
goes to $PIPE_ARTIFACTS (CI keeps it) or tmp_path. Deal text with HTML in it must come out as text.

The tests that open Chromium are marked requires_chromium: without it they skip, saying how to get it,
and fail instead under PIPE_REQUIRE_ALL=1, which .ci/run sets (tests/conftest.py).
"""

from __future__ import annotations

import html as htmlmod
import json
import os
import re
import struct
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipecli.cli.main import cli
from tests.conftest import CONFIG, TODAY, chromium_binary, requires_chromium, simple_deal

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["report", "--period", "2026", "--compare"]
CHROMIUM_TIMEOUT = 60
WINDOW = (1200, 3000)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", f"--window-size={WINDOW[0]},{WINDOW[1]}"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</svg><script>alert(1)</script>"

# Runs at the end of <body> in the test's copy only: measures charts and gathers the visible text.
MEASURE = """<pre id="measure"></pre><script>
(function () {
  var box = function (el) { var r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height}; };
  var charts = Array.prototype.map.call(document.querySelectorAll("svg.chart"), function (svg) {
    var bars = Array.prototype.map.call(svg.querySelectorAll("rect.bar"), box);
    return {
      report: svg.closest("section.report") ? svg.closest("section.report").id : null,
      key: svg.getAttribute("data-chart"),
      box: box(svg),
      bars: bars.length,
      drawn: bars.filter(function (b) { return b.width > 0 && b.height > 0; }).length,
      bar_boxes: bars,
      texts: Array.prototype.map.call(svg.querySelectorAll("text"), function (t) {
        var b = box(t); b.text = t.textContent; return b; })
    };
  });
  var figures = Array.prototype.map.call(document.querySelectorAll("section.report .figure"), function (f) {
    var part = function (name) { var el = f.querySelector("." + name); return el ? el.innerText : null; };
    return {report: f.closest("section.report").id, label: part("label"), value: part("value"),
            change: part("change")};
  });
  var out = {
    charts: charts,
    figures: figures,
    text: document.body.innerText,
    scripts: document.querySelectorAll("script").length,
    images: document.querySelectorAll("img").length,
    scroll_width: document.documentElement.scrollWidth,
    client_width: document.documentElement.clientWidth
  };
  document.getElementById("measure").textContent = JSON.stringify(out);
})();
</script>
"""


# -- helpers -----------------------------------------------------------------------------------

def run_chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """Chromium with a fresh profile, no network chatter, and a hard timeout."""
    profile = tmp / f"chromium-profile-{len(list(tmp.glob('chromium-profile-*')))}"
    profile.mkdir(parents=True)
    binary = chromium_binary()
    assert binary, "a test that opens Chromium must be marked @requires_chromium (tests/conftest.py)"
    command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {CHROMIUM_TIMEOUT} s: {' '.join(command)}", pytrace=False)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}"
    return done


def render(workspace: Path, *args: str) -> str:
    """`pipe -C workspace ARGS...` as the tests see it: on TODAY, as nobody in particular."""
    env = {"PIPE_TODAY": TODAY, "PIPE_USER": None, "PIPE_DIR": None, "NO_COLOR": "1"}
    result = CliRunner().invoke(cli, ["-C", str(workspace), *args], catch_exceptions=False, env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def measure(report_html: str, tmp: Path) -> dict:
    """Open a copy of the report with the measuring script in Chromium and read what it wrote."""
    assert report_html.count("</body>") == 1
    copy = tmp / "measured.html"
    copy.write_text(report_html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = run_chromium(tmp, "--dump-dom", "--virtual-time-budget=5000", copy.as_uri()).stdout
    found = re.search(r'<pre id="measure">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), f"the measuring script wrote nothing; chromium printed:\n{dom[:2000]}"
    return json.loads(htmlmod.unescape(found.group(1)))


def shown(value, unit: str, currency: str) -> str:
    """A json figure as the page prints it (12,000 EUR, 55.6%, 87 days, 78.5 days, 46, '-'); written
    here from the json, not taken from the renderer, so a wrong figure on the page is caught."""
    if value is None:
        return "-"
    if unit == "money":
        return f"{int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)):,} {currency}"
    if unit == "percent":
        return f"{Decimal(str(value)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    if unit == "days":
        return f"{value} days"
    if unit in ("count", "number") and isinstance(value, int):
        return f"{value:,}"
    return str(value)


class Tags(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer would see them."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_self_contained(page: str) -> None:
    tags = Tags(page).tags
    names = {t for t, _ in tags}
    assert "<script" not in page.lower() and "script" not in names, "the report must not run any script"
    assert "<link" not in page.lower() and "link" not in names, "the report must not load stylesheets or icons"
    assert not {"iframe", "object", "embed", "img", "video", "audio", "source"} & names
    for tag, attrs in tags:
        for name, value in attrs.items():
            if name in ("src", "href", "xlink:href", "srcset", "action", "data", "poster") and value:
                assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {name}={value!r}> reaches the network"
            assert not name.startswith("on"), f"<{tag} {name}=...> is an event handler"
    for url in re.findall(r"url\(\s*['\"]?([^)'\"]*)", page, re.I):
        assert not re.match(r"\s*(https?:)?//", url), f"CSS url({url}) reaches the network"
    assert not re.search(r"@import", page, re.I)


def expected_charts(data: dict) -> dict:
    """(report, chart key) -> how many of its bars have a value above zero, from the json report."""
    expected = {}
    for name, report in data["reports"].items():
        for chart in report["charts"]:
            rows = report["tables"][chart["table"]]["rows"]
            expected[(name, chart["key"])] = sum(1 for row in rows for key in chart["values"] if (row.get(key) or 0) > 0)
    return expected


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ["PIPE_ARTIFACTS"]) if os.environ.get("PIPE_ARTIFACTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- the sample workspace's report -------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample workspace's html report (also written to a file) and its json twin."""
    tmp = tmp_path_factory.mktemp("report-html")
    page = render(ROOT, *ARGS, "--format", "html")
    (tmp / "report.html").write_text(page, encoding="utf-8")
    data = json.loads(render(ROOT, *ARGS, "--format", "json"))
    return {"html": page, "data": data, "tmp": tmp}


@pytest.fixture(scope="module")
def measured(sample):
    """What Chromium measured of the sample's report (one browser run for the tests that read it)."""
    return measure(sample["html"], sample["tmp"])


def test_the_html_report_is_self_contained(sample):
    assert_self_contained(sample["html"])
    assert sample["html"].lstrip().lower().startswith("<!doctype html>")


def test_the_html_report_is_written_by_the_output_option(tmp_path):
    target = tmp_path / "report.html"
    assert render(ROOT, *ARGS, "--format", "html", "-o", str(target)) == ""
    assert target.read_text(encoding="utf-8") == render(ROOT, *ARGS, "--format", "html")


@requires_chromium
def test_every_chart_is_drawn_in_chromium(sample, measured):
    expected = expected_charts(sample["data"])
    assert expected, "the sample workspace's report has no charts"
    charts = {(c["report"], c["key"]): c for c in measured["charts"]}
    assert len(charts) == len(measured["charts"]), "two charts share a report and a key"
    assert set(charts) == set(expected), "the page's charts are not the report's charts"
    width = measured["client_width"]
    for key, nonzero in expected.items():
        chart = charts[key]
        box = chart["box"]
        assert box["width"] > 0 and box["height"] > 0, f"{key}: the chart has no size on the page"
        assert box["left"] >= 0 and box["right"] <= width + 0.5, f"{key}: the chart sticks out of the page"
        assert chart["drawn"] == nonzero, f"{key}: {chart['drawn']} bars drawn, {nonzero} values above zero"
        if nonzero:
            assert chart["drawn"] >= 1
        for bar in chart["bar_boxes"]:
            if bar["width"] > 0:
                assert box["left"] - 0.5 <= bar["left"] and bar["right"] <= box["right"] + 0.5, f"{key}: a bar outside its chart"
                assert box["top"] - 0.5 <= bar["top"] and bar["bottom"] <= box["bottom"] + 0.5, f"{key}: a bar outside its chart"
        for text in chart["texts"]:
            assert text["width"] > 0, f"{key}: label {text['text']!r} is not drawn"
            assert box["left"] - 0.5 <= text["left"] and text["right"] <= box["right"] + 0.5, \
                f"{key}: label {text['text']!r} is cut off by the chart's edge"
        labels = sorted((t for t in chart["texts"]), key=lambda t: (t["top"], t["left"]))
        for a, b in zip(labels, labels[1:]):
            apart = b["top"] >= a["bottom"] - 1 or b["left"] >= a["right"] - 1 or a["left"] >= b["right"] - 1
            assert apart, f"{key}: labels {a['text']!r} and {b['text']!r} overlap"


@requires_chromium
def test_the_page_does_not_scroll_sideways(measured):
    assert measured["scroll_width"] <= measured["client_width"], (
        f"the page is {measured['scroll_width']}px wide in a {measured['client_width']}px window")


@requires_chromium
def test_the_headline_figures_are_on_the_rendered_page(sample, measured):
    data = sample["data"]
    text = measured["text"]
    currency = "EUR"
    revenue = data["reports"]["revenue"]["figures"]["revenue_won"]
    assert shown(revenue["value"], "money", currency) == "235,280 EUR"  # the sample as of 2026-11-27
    assert "235,280 EUR" in text
    on_page = {(f["report"], f["label"]): f for f in measured["figures"]}
    for name, report in data["reports"].items():
        against = report["compared_with"]["label"] if report["compared_with"] else None
        for key, figure in report["figures"].items():
            value = shown(figure["value"], figure["unit"], currency)
            assert value in text, f"{name}.{key}: {value!r} is not on the page"
            box = on_page.get((name, figure["label"]))
            assert box is not None, f"{name}.{key}: no box labelled {figure['label']!r}"
            assert box["value"] == value, f"{name}.{key}: the page shows {box['value']!r}, the json says {value!r}"
            if "previous" in figure:
                before = f"{shown(figure['previous'], figure['unit'], currency)} in {against}"
                assert box["change"] and box["change"].startswith(before), f"{name}.{key}: {box['change']!r}"
    for report in data["reports"].values():
        assert report["title"] in text
    assert measured["scripts"] == 1 and measured["images"] == 0  # the measuring script is the only one


@requires_chromium
def test_a_screenshot_of_the_report_has_real_content(sample, tmp_path):
    folder = artifacts(tmp_path)
    shot = folder / "report.png"
    shot.unlink(missing_ok=True)
    report = sample["tmp"] / "report.html"
    run_chromium(tmp_path, f"--screenshot={shot}", report.as_uri())
    assert shot.is_file(), f"chromium wrote no screenshot at {shot}"
    assert png_size(shot) == WINDOW
    blank_page = tmp_path / "blank.html"
    blank_page.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    blank = tmp_path / "blank.png"
    run_chromium(tmp_path, f"--screenshot={blank}", blank_page.as_uri())
    assert png_size(blank) == WINDOW
    # Text, bars and tables compress far worse than an empty white page of the same size.
    assert shot.stat().st_size > 10 * blank.stat().st_size, (shot.stat().st_size, blank.stat().st_size)


# -- deal text with HTML in it ----------------------------------------------------------------

def won_deal(deal_id: str, owner: str, account: str, value: int, closed: str) -> str:
    return simple_deal(
        deal_id, stage="won", closed=closed, value=value, owner=json.dumps(owner), account=json.dumps(account),
        title=json.dumps(account + " deal"), source=json.dumps(owner), tasks="[]",
        history=f"\n- {{stage: lead, date: 2026-11-01}}\n- {{stage: won, date: {closed}}}")


@pytest.fixture
def hostile(make_workspace):
    config = CONFIG.replace("name: Partners", f"name: {json.dumps('Partners ' + IMG)}")
    deals = {
        "img": won_deal("img", IMG, SCRIPT, 12000, "2026-11-20"),
        "script": won_deal("script", SCRIPT, IMG, 7000, "2026-11-21"),
        "open": simple_deal("open", owner=json.dumps(IMG), account=json.dumps(SCRIPT), expected_close="2026-11-10"),
    }
    workspace = make_workspace(deals, config=config)
    page = render(workspace.root, *ARGS, "--format", "html")
    return {"html": page, "data": json.loads(render(workspace.root, *ARGS, "--format", "json"))}


def cut(label: str) -> str:
    """A chart label as the page shows it: cut to the label column's width."""
    from pipecli.render.svg import LABEL_CHARACTERS

    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def svg_of(page: str, key: str) -> str:
    found = re.search(rf'<svg [^>]*data-chart="{re.escape(key)}".*?</svg>', page, re.S)
    assert found, f"no chart {key} in the page"
    return found.group(0)


def test_html_in_deal_text_is_escaped_in_tables_and_charts(hostile):
    page = hostile["html"]
    assert IMG not in page and "<script" not in page.lower()
    assert_self_contained(page)
    escaped_img, escaped_script = htmlmod.escape(IMG), htmlmod.escape(SCRIPT)
    # the data reached the report: accounts and owners in tables, owners as chart labels
    top = re.search(r'<table data-table="top_accounts">.*?</table>', page, re.S).group(0)
    assert escaped_img in top and escaped_script in top
    team = re.search(r'<table data-table="team">.*?</table>', page, re.S).group(0)
    assert escaped_img in team and escaped_script in team
    for key in ("team_revenue", "team_interactions"):
        chart = svg_of(page, key)
        # labels longer than the label column are cut (with …) and given whole in the bar's tooltip
        assert f">{htmlmod.escape(cut(IMG))}</text>" in chart and f">{htmlmod.escape(cut(SCRIPT))}</text>" in chart
        assert f"<title>{escaped_img}: " in chart and f"<title>{escaped_script}: " in chart
        assert chart.count("</svg>") == 1  # a label did not close the chart early
    assert htmlmod.escape("Partners " + IMG) in page  # the pipeline's name, in the funnel's title
    # ...and nothing of it became markup
    names = [t for t, _ in Tags(page).tags]
    assert "img" not in names and "script" not in names
    assert names.count("svg") == page.count("</svg>")


@requires_chromium
def test_html_in_deal_text_stays_text_in_chromium(hostile, tmp_path):
    # Unescaped, the payload would run in the browser (and an alert() would hold it until the timeout).
    assert IMG not in hostile["html"] and "<script" not in hostile["html"].lower(), "deal text is not escaped"
    measured = measure(hostile["html"], tmp_path)
    assert measured["images"] == 0 and measured["scripts"] == 1
    assert IMG in measured["text"] and SCRIPT in measured["text"]
    labels = [t["text"] for c in measured["charts"] if c["key"] == "team_revenue" for t in c["texts"]]
    assert cut(IMG) in labels and cut(SCRIPT) in labels
    assert {c["key"] for c in measured["charts"]} >= {"team_revenue", "team_interactions", "funnel_partners"}
