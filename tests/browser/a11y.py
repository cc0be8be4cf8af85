"""Accessibility checks of one loaded page, for every browser test that wants them.

axe-core is vendored under tests/vendor/ (never served to users). It is injected
with `page.add_script_tag`, which the site's CSP refuses: `axe_page` opens a
second browser context that bypasses CSP for axe only, while the page a person
sees (screenshots, console errors, keyboard) keeps the real CSP.
"""

import json
from pathlib import Path

from playwright.sync_api import Browser, Page

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
# Impacts that fail a test; moderate and minor ones are saved in the report.
FAILING_IMPACTS = {"serious", "critical"}
VIEWPORTS = {
    "phone": {"width": 375, "height": 812},
    "tablet": {"width": 768, "height": 1024},
    "desktop": {"width": 1280, "height": 900},
}

# Whether the focused element shows a focus indicator (outline or Bootstrap's focus ring).
FOCUS_INDICATOR_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== "none";
  return {tag: el.tagName, text: (el.innerText || el.value || el.name || "").trim().slice(0, 40),
          visible: outline || ring};
}"""


def run_axe(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return results["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} — {targets}")
    return "\n".join(lines)


def assert_no_serious_violations(page: Page, report: Path) -> None:
    """Run axe on the loaded page, save every violation to `report`, fail on serious ones."""
    violations = run_axe(page)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(violations, indent=2, ensure_ascii=False), encoding="utf-8")
    serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not serious, f"axe ({report.name}):\n{describe(serious)}"


def assert_page_structure(page: Page) -> None:
    """What axe reports only as moderate: French, a title, one main landmark, one h1."""
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.title().strip()
    assert page.locator("main").count() == 1
    assert page.locator("h1").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways"
    )


def assert_keyboard_usable(page: Page, max_stops: int = 80) -> None:
    """The skip link is the first stop and leads to the content; every stop shows its focus."""
    # Start from the top of the page, as after a load without autofocus.
    page.evaluate(
        """() => { const probe = document.createElement("span"); probe.tabIndex = -1;
                   document.body.prepend(probe); probe.focus(); probe.remove(); }"""
    )
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUS_INDICATOR_JS)
    assert first and first["text"] == "Aller au contenu", first
    assert first["visible"], first
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"
    seen = set()
    for _ in range(max_stops):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_INDICATOR_JS)
        if focused is None:
            break
        assert focused["visible"], f"no visible focus on {focused}"
        key = (focused["tag"], focused["text"])
        if key in seen and len(seen) > 3:
            break
        seen.add(key)


def axe_page(browser: Browser, storage_state: dict | None) -> Page:
    """A page of a context that lets axe be injected despite the CSP (close its context after)."""
    context = browser.new_context(bypass_csp=True, storage_state=storage_state, locale="fr-FR")
    return context.new_page()
