"""The report's health badges meet WCAG 2.x AA contrast for normal text (4.5:1).

Computed from the report's own CSS with WCAG's relative-luminance formula, so a colour change
that makes a badge unreadable fails here. (White on the palette's green #009E73 is 3.4:1 and on
its vermillion #D55E00 3.9:1: both fail, which is why the badges use black text.)
"""

from __future__ import annotations

import re

import pytest

from orchestration.reports.pulse_report.render import CSS

BADGE = re.compile(
    r"\.badge-(\w+)\s*\{\s*background:\s*(#[0-9A-Fa-f]{3,6});\s*color:\s*(#[0-9A-Fa-f]{3,6});"
)


def _luminance(colour: str) -> float:
    hexes = colour.lstrip("#")
    if len(hexes) == 3:
        hexes = "".join(c * 2 for c in hexes)
    channels = [int(hexes[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula_matches_known_ratios():
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#fff", "#fff") == pytest.approx(1.0)
    assert contrast("#009E73", "#fff") == pytest.approx(3.43, abs=0.01)  # the old badge: fails


def test_every_badge_meets_aa_for_normal_text():
    badges = BADGE.findall(CSS)
    assert {name for name, _, _ in badges} >= {"healthy", "at_risk", "unhealthy", "none"}
    for name, background, colour in badges:
        assert contrast(background, colour) >= 4.5, (name, background, colour)
