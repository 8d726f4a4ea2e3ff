"""Colour contrast of the stylesheet, light and dark, against WCAG AA (4.5:1 for text)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

CSS = (ROOT / "web" / "static" / "style.css").read_text()
# (text, background) pairs the pages actually use.
PAIRS = [("fg", "bg"), ("muted", "bg"), ("accent", "bg"), ("mark-fg", "mark"),
         ("accent-fg", "accent"), ("fg", "panel"), ("muted", "panel"), ("accent", "panel")]


def palette(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", block))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


LIGHT = palette(CSS.split("@media (prefers-color-scheme: dark)")[0])
DARK = palette(CSS.split("@media (prefers-color-scheme: dark)")[1].split("}")[0])


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_contrast_meets_wcag_aa(theme, text, background):
    colours = LIGHT if theme == "light" else DARK
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"{theme}: --{text} on --{background} is {ratio:.2f}:1"


def test_both_themes_define_every_colour():
    assert set(LIGHT) == set(DARK) and len(LIGHT) >= 10
