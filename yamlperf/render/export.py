"""SVG -> PNG and PDF with CairoSVG: the same drawing, for slides, tickets and print (pure).

The SVGs carry everything they need (styles inline, fonts named by family, no scripts, no links),
so the conversion never reaches the network or the disk; CairoSVG's ``unsafe`` stays off so an
SVG could not make it read local files either. PNGs are drawn at twice the SVG's size: sharp on
high-density screens and when a slide is projected.
"""

from __future__ import annotations

import cairosvg

PNG_SCALE = 2.0


def svg_to_png(svg: str, scale: float = PNG_SCALE) -> bytes:
    """A PNG of ``scale`` times the SVG's pixel size, on the SVG's own white background."""
    return bytes(cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale, unsafe=False))


def svg_to_pdf(svg: str) -> bytes:
    """A one-page vector PDF the size of the SVG (text stays text: searchable, sharp in print)."""
    return bytes(cairosvg.svg2pdf(bytestring=svg.encode("utf-8"), unsafe=False))
