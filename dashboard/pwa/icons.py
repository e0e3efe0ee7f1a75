"""Renders the app icon (dashboard/pwa/icon.svg) to the PNGs the manifest lists, with
Debian's Chromium: 192 and 512 px with rounded corners, and a 512 px maskable icon (full
square, glyph inside the central safe zone). Run `python -m dashboard.pwa.icons` after
changing the SVG and commit the PNGs."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "static" / "icons"
CHROMIUM = "/usr/bin/chromium"
# A maskable icon may be cropped to a circle of 80% of its width: the glyph is scaled into it.
MASKABLE_SCALE = 0.72


def _page(svg: str, size: int, maskable: bool) -> str:
    if maskable:
        svg = svg.replace('rx="112"', 'rx="0"').replace(
            '<g id="glyph">', f'<g id="glyph" transform="translate(256 256) scale({MASKABLE_SCALE}) translate(-256 -256)">')
    svg = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
    return f"<!doctype html><html><body style='margin:0;background:transparent'>{svg}</body></html>"


def render() -> list[Path]:
    svg = (HERE / "icon.svg").read_text()
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        for size, maskable in ((192, False), (512, False), (512, True)):
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(_page(svg, size, maskable))
            path = OUT / f"icon-{size}{'-maskable' if maskable else ''}.png"
            page.locator("svg").screenshot(path=str(path), omit_background=True)
            written.append(path)
            page.close()
        browser.close()
    return written


if __name__ == "__main__":
    for path in render():
        print(path)
