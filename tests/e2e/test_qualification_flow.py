"""A vendor qualifies a product in the browser and shares it; the fab reads it, in Chinese.

The flow of issue 5: the vendor signs in, uploads a particle survey (seeing the parse preview, and a
parse error that names row and column for a broken file), evaluates it against the tool hook-up
profile, sees the gap, uploads the missing compressed-air evidence, evaluates again, packages and shares
the product; the fab signs in, opens the package, switches to 中文 and reads Chinese labels, downloads
the Chinese PDF report and, once the demo witnesses have cosigned, the bundle, which the verify page
accepts (six steps) and refuses with one byte of a raw file flipped (step 1); the vendor sees the fab's
reads in the package's audit trail. The center's keys and log pages and an evidence page are opened too.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Served, cosign, new_page, screenshot, sign_in

pytestmark = pytest.mark.slow

VENDOR = ("engineer@shanghai.example", "demo-shanghai-engineer")
FAB = ("admin@dresden.example", "demo-dresden-admin")
CENTER = ("admin@center.example", "demo-center-admin")
FAB_NAME = "Dresden Example Wafer Fab"
MODEL = "HOOKUP-E2E"
#: The shipped tool hook-up profile (standards/profiles/example-fab-tool-hookup.yaml).
HOOKUP = "example/tool-hookup@1"


def _upload(page: Page, raw: Path) -> None:
    page.set_input_files("#file", str(raw))
    page.set_input_files("#sidecar", str(raw.with_name(raw.name + ".meta.yaml")))


def _broken_survey(survey: Path, folder: Path) -> Path:
    """The survey with one count that is not a number (in the first data row)."""
    lines = survey.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("2026-"))
    cells = lines[first].split("\t")
    cells[-2] = "12x"
    lines[first] = "\t".join(cells)
    broken = folder / "survey-broken.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken.with_name(broken.name + ".meta.yaml").write_bytes(
        survey.with_name(survey.name + ".meta.yaml").read_bytes()
    )
    return broken


def test_vendor_qualifies_and_shares_then_fab_reads_in_chinese(
    browser: Browser, served: Served, tmp_path: Path
) -> None:
    bay = served.files / "tool-hookup"
    survey, air = bay / "survey-operational.csv", bay / "cda-purity.csv"
    page = new_page(browser, served)
    sign_in(page, *VENDOR)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    screenshot(page, "01-vendor-dashboard")

    # A new product to qualify.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    page.get_by_label("Kind").select_option("equipment")
    page.get_by_label("Model", exact=True).fill(MODEL)
    page.get_by_label("Name", exact=True).fill("Tool hook-up, bay C3")
    page.get_by_role("button", name="Add product").click()
    expect(page.get_by_role("status")).to_have_text("The product was created.")
    screenshot(page, "02-vendor-products")

    # A broken file: the preview names the row and the column, and nothing is stored.
    _upload(page, _broken_survey(survey, tmp_path))
    problem = page.locator("#preview [role=alert]")
    expect(problem).to_contain_text("survey-broken.csv")
    row = problem.locator("tbody td").nth(1)
    expect(row).to_have_text(re.compile(r"^\d+$"))
    screenshot(page, "03-vendor-parse-error")

    # The real survey: a preview first, then stored.
    _upload(page, survey)
    expect(page.locator("#preview")).to_contain_text("particle_survey")
    screenshot(page, "04-vendor-parse-preview")
    page.get_by_role("button", name="Store evidence").click()
    expect(page.get_by_role("status")).to_have_text("The evidence was stored.")

    # Evaluated against the tool hook-up profile, the compressed air is a gap.
    page.get_by_label("Evaluate against").select_option(HOOKUP)
    page.get_by_role("button", name="Evaluate", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Evaluation of"))).to_be_visible()
    gaps = page.locator("section", has=page.get_by_role("heading", name="Gaps and what closes them"))
    expect(gaps.get_by_role("row", name=re.compile("compressed air", re.I))).to_contain_text("missing")
    screenshot(page, "05-vendor-evaluation-gap")

    # The missing evidence, then the evaluation again: the compressed-air gap is closed.
    page.get_by_role("link", name="Upload missing evidence").click()
    _upload(page, air)
    expect(page.locator("#preview")).to_contain_text("compressed_air")
    page.get_by_role("button", name="Store evidence").click()
    expect(page.get_by_role("status")).to_have_text("The evidence was stored.")
    page.get_by_label("Evaluate against").select_option(HOOKUP)
    page.get_by_role("button", name="Evaluate", exact=True).click()
    gaps = page.locator("section", has=page.get_by_role("heading", name="Gaps and what closes them"))
    expect(gaps.get_by_role("row", name=re.compile("compressed air", re.I))).to_have_count(0)
    screenshot(page, "06-vendor-evaluation-again")

    # Packaged with that evaluation and shared with the fab.
    page.get_by_role("link", name="Create a package with this evaluation").click()
    page.get_by_label("Name", exact=True).fill("Bay C3 hook-up release")
    page.get_by_role("button", name="Create package").click()
    expect(page.get_by_role("status")).to_have_text("The package was created.")
    page.get_by_label("Fab", exact=True).select_option(label=FAB_NAME)
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("The package is shared.")
    expect(page.locator("#shares tbody")).to_contain_text(FAB_NAME)
    package_url = page.url.split("?")[0]
    screenshot(page, "07-vendor-package-shared")

    # The fab: its inbox, the package, then in Chinese.
    fab = new_page(browser, served)
    sign_in(fab, *FAB)
    screenshot(fab, "08-fab-dashboard")
    fab.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    fab.get_by_role("link", name="Bay C3 hook-up release").click()
    expect(fab.get_by_role("heading", name="Qualification", exact=True)).to_be_visible()
    screenshot(fab, "09-fab-package")
    fab.get_by_role("button", name="中文").click()
    expect(fab.get_by_role("heading", name="资格认证")).to_be_visible()
    expect(fab.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(fab.get_by_role("heading", name="按要求的判定")).to_be_visible()
    screenshot(fab, "10-fab-package-zh")
    fab.get_by_role("navigation", name="主导航").get_by_role("link", name="比较").click()
    fab.get_by_label("要求规范").select_option(HOOKUP)
    fab.get_by_label(re.compile("Bay C3 hook-up release")).check()
    fab.get_by_role("button", name="比较").click()
    expect(fab.get_by_role("columnheader", name=re.compile("上海示例真空系统有限公司"))).to_be_visible()
    screenshot(fab, "11-fab-compare-zh")

    # Back on the package: the Chinese PDF report, then the bundle (once the witnesses cosigned), which
    # the verify page accepts, and refuses once tampered with.
    fab.goto(package_url)
    _fab_downloads_the_chinese_pdf(fab, tmp_path)
    bundle = _fab_downloads_the_bundle(fab, served, tmp_path)
    _the_verify_page_accepts_it_and_refuses_a_tampered_copy(fab, bundle, tmp_path)

    # The vendor sees the fab's reads.
    page.goto(package_url + "/audit")
    expect(page.locator("tbody")).to_contain_text("package.read")
    expect(page.locator("tbody")).to_contain_text(FAB_NAME)
    screenshot(page, "12-vendor-package-audit")


def _fab_downloads_the_chinese_pdf(fab: Page, tmp_path: Path) -> None:
    fab.locator("#h-report-lang").select_option("zh")
    fab.locator("#h-report-format").select_option("pdf")
    with fab.expect_download() as download:
        fab.get_by_role("button", name="下载报告").click()
    pdf = tmp_path / "report-zh.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    # Chinese text that is really text (a CJK font embedded), from the report's catalog.
    assert "认证报告" in text
    assert "Bay C3 hook-up release" in text


def _fab_downloads_the_bundle(fab: Page, served: Served, tmp_path: Path) -> Path:
    """Refused with a friendly word until the witnesses cosign what the vendor just logged, then a zip."""
    fab.get_by_role("link", name="下载证据包（.zip）").click()
    expect(fab.locator("#bundle-pending")).to_contain_text("证据包暂时还不能导出。")
    screenshot(fab, "20-fab-bundle-not-witnessed-zh")
    cosign(served)
    with fab.expect_download() as download:
        fab.get_by_role("link", name="下载证据包（.zip）").click()
    bundle = tmp_path / "package.qbundle.zip"
    download.value.save_as(bundle)
    assert zipfile.is_zipfile(bundle)
    return bundle


def _tampered(bundle: Path, folder: Path) -> Path:
    """The bundle with one byte of one raw file flipped (a well-formed zip: only the content lies)."""
    with zipfile.ZipFile(bundle) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    raw = sorted(name for name in members if name.startswith("files/"))[0]
    changed = bytearray(members[raw])
    changed[len(changed) // 2] ^= 0x01
    members[raw] = bytes(changed)
    tampered = folder / "tampered.zip"
    with zipfile.ZipFile(tampered, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(members.items()):
            archive.writestr(name, data)
    return tampered


def _the_verify_page_accepts_it_and_refuses_a_tampered_copy(fab: Page, bundle: Path, tmp_path: Path) -> None:
    fab.get_by_role("navigation", name="主导航").get_by_role("link", name="核验").click()
    with fab.expect_download() as download:
        fab.get_by_role("link", name="下载本服务的信任根").click()
    root = tmp_path / "trust-root.json"
    download.value.save_as(root)
    fab.get_by_role("button", name="English").click()
    fab.set_input_files("#bundle", str(bundle))
    fab.set_input_files("#trust_root", str(root))
    fab.get_by_role("button", name="Verify", exact=True).click()
    expect(fab.get_by_role("status")).to_contain_text("Verified: every step holds.")
    expect(fab.locator('.steps li[data-state="passed"]')).to_have_count(6)
    expect(fab.locator("#h-statements")).to_be_visible()
    screenshot(fab, "21-verify-accepted")
    fab.set_input_files("#bundle", str(_tampered(bundle, tmp_path)))
    fab.set_input_files("#trust_root", str(root))
    fab.get_by_role("button", name="Verify", exact=True).click()
    expect(fab.get_by_role("alert")).to_contain_text("Not verified: step 1 failed.")
    expect(fab.locator('.steps li[data-step="1"]')).to_have_attribute("data-state", "failed")
    expect(fab.locator('.steps li[data-step="1"] .detail')).to_contain_text("listed as")
    screenshot(fab, "22-verify-tampered")


def test_the_center_sees_keys_and_the_log_and_the_vendor_its_evidence(
    browser: Browser, served: Served
) -> None:
    center = new_page(browser, served)
    sign_in(center, *CENTER)
    center.get_by_role("navigation", name="Main").get_by_role("link", name="Keys").click()
    expect(center.get_by_role("heading", name="Certified keys")).to_be_visible()
    expect(center.locator("tbody")).to_contain_text("Shanghai Example Vacuum Systems Co.")
    screenshot(center, "23-center-keys")
    center.get_by_role("navigation", name="Main").get_by_role("link", name="Log").click()
    expect(center.get_by_role("heading", name="Latest checkpoint")).to_be_visible()
    expect(center.locator("#h-entries + .table-wrap tbody tr").first).to_be_visible()
    screenshot(center, "24-center-log")
    vendor = new_page(browser, served)
    sign_in(vendor, *VENDOR)
    vendor.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    vendor.get_by_role("link", name="VX-200", exact=True).click()
    vendor.locator("#evidence tbody a[href^='/evidence/']").first.click()
    expect(vendor.get_by_role("heading", name="Transparency log")).to_be_visible()
    expect(vendor.locator("dl.facts").nth(1)).to_contain_text("Log index")
    screenshot(vendor, "25-vendor-evidence")


def test_anyone_may_open_the_verify_page_and_it_fits_a_tablet(browser: Browser, served: Served) -> None:
    page = new_page(browser, served, width=768)
    page.goto("/verify")
    expect(page.get_by_role("heading", name="Verify a bundle", exact=True)).to_be_visible()
    expect(page.get_by_label("Bundle (.zip)")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"the verify page scrolls sideways at tablet width ({width} px)"
    screenshot(page, "26-verify-anonymous-tablet")
    center = new_page(browser, served, width=768)
    sign_in(center, *CENTER)
    for path in ("/center/keys", "/center/log"):
        center.goto(path)
        width = center.evaluate("document.documentElement.scrollWidth")
        assert width <= 768, f"{path} scrolls sideways at tablet width ({width} px)"
    screenshot(center, "27-center-log-tablet")


def test_tablet_width_keeps_the_navigation_and_language_switch(browser: Browser, served: Served) -> None:
    page = new_page(browser, served, width=768, locale="zh-CN")
    page.goto("/sign-in")
    # No cookie yet: the language comes from Accept-Language.
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("电子邮件").fill(FAB[0])
    page.get_by_label("密码").fill(FAB[1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="收件箱")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"the page scrolls sideways at tablet width ({width} px)"
    screenshot(page, "13-fab-dashboard-tablet-zh")
    # Keyboard: the skip link is the first stop and leads to the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到正文")).to_be_focused()


def test_a_vendors_pages_fit_a_tablet(browser: Browser, served: Served) -> None:
    page = new_page(browser, served, width=768)
    sign_in(page, *VENDOR)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    page.get_by_role("link", name="VX-200", exact=True).click()
    expect(page.locator("#h-evidence")).to_be_visible()
    # Evidence inherited from the subsystems says where it comes from.
    expect(page.locator("#evidence tbody")).to_contain_text("inherited from TP-300")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"the product page scrolls sideways at tablet width ({width} px)"
    screenshot(page, "14-vendor-product-tablet")
