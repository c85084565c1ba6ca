"""The member card's barcode: Code 128, which every handheld till scanner reads."""

import base64

import barcode
from barcode.writer import SVGWriter


def barcode_data_uri(code: str) -> str:
    """An SVG Code 128 of `code` as a data: URI, for the card's <img> (weasyprint)."""
    svg = barcode.get("code128", code, writer=SVGWriter()).render(
        writer_options={
            "module_height": 9,
            "module_width": 0.25,
            "write_text": False,
            "quiet_zone": 2,
        }
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
