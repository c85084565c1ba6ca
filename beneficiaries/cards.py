"""The member card's barcode: Code 128, which every handheld till scanner reads."""

import base64
import re
from functools import lru_cache

import barcode

MODULE_MM = 0.25  # the width of the narrowest bar
QUIET_MODULES = 8  # 2 mm of white on each side, which scanners need
BAR_MODULES = 36  # 9 mm high
MARGIN_MODULES = 4  # 1 mm above and below


@lru_cache(maxsize=1024)
def barcode_data_uri(code: str) -> str:
    """An SVG Code 128 of `code` as a data: URI, for the card's <img> (weasyprint). Its bars are
    one path, drawn at once (one SVG node per bar costs weasyprint a style cascade each), and
    the image is made once per code and process."""
    modules = barcode.get("code128", code).build()[0]
    width = len(modules) + 2 * QUIET_MODULES
    height = BAR_MODULES + 2 * MARGIN_MODULES
    bars = "".join(
        f"M{QUIET_MODULES + run.start()} {MARGIN_MODULES}h{len(run.group())}v{BAR_MODULES}"
        f"h-{len(run.group())}z"
        for run in re.finditer("1+", modules)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * MODULE_MM}mm" '
        f'height="{height * MODULE_MM}mm" viewBox="0 0 {width} {height}" '
        'preserveAspectRatio="xMinYMin meet">'
        f'<rect width="{width}" height="{height}" fill="#fff"/><path d="{bars}" fill="#000"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
