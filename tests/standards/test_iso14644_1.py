"""ISO 14644-1:2015 computations against the reference notes (shared/reference/standards-facts.md §1)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualbridge.errors import InputError, ProfileError
from qualbridge.standards import fs209e
from qualbridge.standards.catalog import builtin
from qualbridge.standards.iso14644_1 import (
    CLASS_STEPS,
    TABLE_A1,
    applicable_sizes,
    cell,
    class_limit,
    class_states,
    designation,
    min_locations,
    min_sample_volume_l,
)
from qualbridge.standards.profile import documents_from_data, resolve

# §1.3: ISO 14644-1:2015 Table 1 as transcribed at cleanroom.net (particles/m³, cumulative ≥ size).
# A number is the class limit; letters are footnotes: c, d, e = not applicable for classification,
# b = large sample volume (the limit applies), f = use the M descriptor.
TABLE_1_2015 = """
class  0.1      0.2     0.3     0.5        1          5
1      10b      d       d       d          d          e
2      100      24b     10b     d          d          e
3      1000     237     102     35b        d          e
4      10000    2370    1020    352        83b        e
5      100000   23700   10200   3520       832        d,e,f
6      1000000  237000  102000  35200      8320       293
7      c        c       c       352000     83200      2930
8      c        c       c       3520000    832000     29300
9      c        c       c       35200000   8320000    293000
"""


def _table_cells() -> list[tuple[int, float, str]]:
    lines = TABLE_1_2015.strip().splitlines()
    sizes = [float(s) for s in lines[0].split()[1:]]
    return [
        (int(line.split()[0]), size, value)
        for line in lines[1:]
        for size, value in zip(sizes, line.split()[1:], strict=True)
    ]


@pytest.mark.parametrize(("iso_class", "size", "printed"), _table_cells())
def test_every_table_1_cell(iso_class: int, size: float, printed: str) -> None:
    number = printed.rstrip("b")
    if number.isdigit():
        assert class_limit(iso_class, size) == int(number)
        assert cell(iso_class, size).applicable
        assert ("b" in printed) == ("b" in cell(iso_class, size).footnotes)
    else:
        marks = set(printed.split(","))
        assert not cell(iso_class, size).applicable
        assert cell(iso_class, size).footnotes == marks
        assert cell(iso_class, size).reason() is not None


@pytest.mark.parametrize(
    ("iso_class", "size", "raw", "tabulated"),
    [
        # §1.2 rounding rule: nearest whole number, then at most 3 significant figures.
        (5, 0.5, 3516.76, 3520),
        (6, 5.0, 292.51, 293),
    ],
)
def test_rounding_of_the_formula(iso_class: int, size: float, raw: float, tabulated: int) -> None:
    assert 10**iso_class * (0.1 / size) ** 2.08 == pytest.approx(raw, abs=0.01)
    assert class_limit(iso_class, size) == tabulated


@pytest.mark.parametrize(
    ("iso_class", "size", "value_1999"),
    # §1.3: cells the 1999 Table 1 had and the 2015 edition removed.
    [(1, 0.2, 2), (2, 0.5, 4), (3, 1.0, 8), (5, 5.0, 29)],
)
def test_cells_of_1999_are_not_classifiable_in_2015(iso_class: int, size: float, value_1999: int) -> None:
    assert class_limit(iso_class, size) == value_1999  # the formula still gives the 1999 number
    assert not cell(iso_class, size).applicable


def test_iso_5_at_5_um_points_to_the_m_descriptor() -> None:
    reason = cell(5, 5.0).reason()
    assert reason is not None
    assert "footnote f" in reason.en
    assert "M descriptor" in reason.en
    assert "M 描述符" in reason.zh
    with pytest.raises(InputError, match="M descriptor"):
        min_sample_volume_l(5, [0.5, 5.0])


def test_intermediate_class_row_8_5() -> None:
    # §1.2: a 2015 seminar quotes Table E.1 as "ISO 8,5: c c c 11.100.000 2.630.000 92.400".
    assert [cell(8.5, s).applicable for s in (0.1, 0.2, 0.3)] == [False, False, False]
    assert class_limit(8.5, 0.5) == 11_100_000
    assert class_limit(8.5, 1.0) == 2_630_000
    # The formula gives 92 500.14 → 92 500; E.1's 92 400 comes from rounding 10^8.5 first.
    assert class_limit(8.5, 5.0) == 92_500


@pytest.mark.parametrize(
    ("iso_class", "size", "applicable"),
    [
        (4.5, 1.0, True),  # ISO 4 (b) and ISO 5 both applicable at 1 µm
        (1.5, 0.2, False),  # ISO 1 at 0.2 µm is d
        (5.5, 5.0, False),  # ISO 5 at 5 µm is d, e, f
        (6.5, 0.3, False),  # ISO 7 at 0.3 µm is c
        (6.5, 5.0, True),
        (6.0, 2.0, True),  # between 1 µm and 5 µm, both applicable for ISO 6
        (5.0, 2.0, False),  # ISO 5 at 5 µm is not
    ],
)
def test_intermediate_cells_need_both_neighbours(iso_class: float, size: float, applicable: bool) -> None:
    assert cell(iso_class, size).applicable is applicable


def test_class_9_is_operational_only() -> None:
    assert class_states(9) == ("operational",)
    assert class_states(8) == ("as-built", "at-rest", "operational")
    assert class_states(8.5) == ("operational",)  # between ISO 8 and ISO 9: both must allow the state


@pytest.mark.parametrize(("iso_class", "size"), [(5, 0.05), (5, 10.0), (0.5, 0.5), (9.5, 0.5), (5.55, 0.5)])
def test_outside_the_standard_is_refused(iso_class: float, size: float) -> None:
    with pytest.raises(InputError):
        class_limit(iso_class, size)


def test_applicable_sizes_per_class() -> None:
    assert applicable_sizes(1) == (0.1,)
    assert applicable_sizes(5) == (0.1, 0.2, 0.3, 0.5, 1.0)
    assert applicable_sizes(6) == (0.1, 0.2, 0.3, 0.5, 1.0, 5.0)
    assert applicable_sizes(9) == (0.5, 1.0, 5.0)


def test_designation() -> None:
    text = designation(5, "at-rest", [0.3, 0.5])
    assert text.en == "ISO Class 5; at rest; 0.3 µm, 0.5 µm"
    assert text.zh == "ISO 5 级；静态；0.3 µm, 0.5 µm"


# --- Annex A ---------------------------------------------------------------------------------------

# §1.5, Table A.1 (area up to and including, m² → minimum number of sampling locations).
TABLE_A1_QUOTED = [
    (2, 1), (4, 2), (6, 3), (8, 4), (10, 5), (24, 6), (28, 7), (32, 8), (36, 9), (52, 10), (56, 11),
    (64, 12), (68, 13), (72, 14), (76, 15), (104, 16), (108, 17), (116, 18), (148, 19), (156, 20),
    (192, 21), (232, 22), (276, 23), (352, 24), (436, 25), (636, 26), (1000, 27),
]  # fmt: skip


def test_table_a1_data_is_the_quoted_table() -> None:
    assert list(TABLE_A1) == TABLE_A1_QUOTED


@pytest.mark.parametrize(("area", "locations"), TABLE_A1_QUOTED)
def test_table_a1_rows(area: float, locations: int) -> None:
    assert min_locations(area) == locations
    assert min_locations(area + 0.01) == (locations + 1 if area < 1000 else 28)


@pytest.mark.parametrize(
    ("area", "locations"),
    [
        (0.5, 1),
        (80, 16),  # √80 = 8.9 → 9 under the 1999 rule; Table A.1 says 16
        (500, 26),  # the garbled "500 → 26" reading would give 26 only up to 500; 636 is the row
        (637, 27),
        # formula A.1 above 1000 m²: N_L = 27 × A / 1000, rounded up
        (1500, 41),  # 40.5 → 41
        (2000, 54),  # exactly 54: no rounding up
        (1001, 28),  # 27.027 → 28
        (10_000, 270),
    ],
)
def test_locations_by_area(area: float, locations: int) -> None:
    assert min_locations(area) == locations


def test_locations_are_not_the_1999_square_root() -> None:
    differs = [a for a in range(1, 1001) if min_locations(a) != math.ceil(math.sqrt(a))]
    assert len(differs) > 900


@pytest.mark.parametrize("area", [0, -4, math.inf, math.nan])
def test_locations_need_a_positive_area(area: float) -> None:
    with pytest.raises(InputError):
        min_locations(area)


@pytest.mark.parametrize(
    ("iso_class", "sizes", "litres"),
    [
        (5, [0.5], 20 / 3520 * 1000),  # 5.68 L
        (5, [0.3, 0.5], 20 / 3520 * 1000),  # the largest considered size sets V_s
        (4, [0.5], 20 / 352 * 1000),  # 56.8 L
        (6, [0.5, 5.0], 20 / 293 * 1000),  # 68.3 L
        (1, [0.1], 20 / 10 * 1000),  # 2000 L: footnote b, sequential sampling territory
        (8, [0.5], 2.0),  # 20 / 3 520 000 × 1000 = 0.006 L, raised to the 2 L minimum
    ],
)
def test_sample_volume(iso_class: float, sizes: list[float], litres: float) -> None:
    assert min_sample_volume_l(iso_class, sizes) == pytest.approx(litres)


def test_sample_volume_iso_5_at_half_a_micron_by_hand() -> None:
    # 20 / 3520 × 1000 = 5.6818… L
    assert round(min_sample_volume_l(5, [0.5]), 2) == 5.68


def test_sample_volume_uses_a_tabulated_limit_when_given() -> None:
    # E.1 prints ISO 8.5 at 5 µm as 92 400: V_s = 20 / 92 400 × 1000 = 0.22 L, so the 2 L minimum holds.
    assert min_sample_volume_l(8.5, [5.0], limits={5.0: 92_400}) == 2.0
    # A (hypothetical) tabulated 290 /m³ at 5 µm for ISO 6 instead of 293: 20 / 290 × 1000 = 68.97 L.
    assert min_sample_volume_l(6, [5.0], limits={5.0: 290}) == pytest.approx(20 / 290 * 1000)


# --- FED-STD-209E ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "iso_class"),
    [
        ("Class 1", 3),
        ("Class 10", 4),
        ("Class 100", 5),
        ("Class 1 000", 6),
        ("class 10,000", 7),
        ("FS 209E Class 100000", 8),
        ("FED-STD-209E Class 100", 5),
    ],
)
def test_fs209e_names_are_approximate_aliases(name: str, iso_class: int) -> None:
    parsed = fs209e.parse_class(name)
    assert parsed.iso_class == iso_class
    assert parsed.note is not None
    assert "approximate" in parsed.note.en
    assert "近似" in parsed.note.zh


def test_class_100_is_3531_per_m3_not_3520() -> None:
    # §1.10: 100 /ft³ = 3531.5 /m³ (1 ft³ = 0.028316846592 m³ exactly), against ISO 5's 3520.
    note = fs209e.parse_class("Class 100").note
    assert note is not None
    assert "3,531/m³" in note.en
    assert "3,520/m³" in note.en


@pytest.mark.parametrize("fs", fs209e.CLASSES.values(), ids=lambda fs: fs.label)
def test_fs209e_equivalence_is_close_at_half_a_micron(fs: fs209e.Fs209eClass) -> None:
    per_m3 = fs.limits_per_ft3[0.5] / 0.028316846592
    iso = class_limit(fs.iso_class, 0.5)
    assert per_m3 != iso
    assert abs(per_m3 - iso) / iso < 0.01


@pytest.mark.parametrize(("text", "iso_class"), [("5", 5), ("5.5", 5.5), ("ISO 5", 5), ("iso class 1", 1)])
def test_iso_names(text: str, iso_class: float) -> None:
    parsed = fs209e.parse_class(text)
    assert parsed.iso_class == iso_class
    assert parsed.note is None


@pytest.mark.parametrize("text", ["Class 5", "Class 50", "ISO 5.55", "ISO 10", "grade A"])
def test_names_that_are_not_classes(text: str) -> None:
    with pytest.raises(InputError):
        fs209e.parse_class(text)


# --- profile rules ---------------------------------------------------------------------------------


def _requirement(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "acp",
        "kind": "iso14644_1_class",
        "title": {"en": "particles", "zh": "粒子"},
        "source": "ISO 14644-1:2015 Table 1",
        "iso_class": 5,
        "sizes_um": [0.5],
        "occupancy": "at-rest",
    }
    return base | fields


def _resolve(*requirements: dict[str, Any]) -> Any:
    data = {
        "id": "test/acp",
        "version": 1,
        "title": {"en": "t", "zh": "t"},
        "publisher": "test",
        "requirements": list(requirements),
    }
    (doc,) = documents_from_data(data, source="test.yaml")
    builtin()  # loads the rule modules
    return resolve(doc)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"iso_class": 7, "sizes_um": [0.3, 0.5]}, "footnote c: concentrations too high"),
        ({"iso_class": 2, "sizes_um": [0.5]}, "footnote d: statistical"),
        ({"iso_class": 4, "sizes_um": [0.5, 5.0]}, "footnote e: sampling losses"),
        ({"iso_class": 5, "sizes_um": [0.5, 5.0]}, "iso14644_1_macroparticle"),
        ({"iso_class": 9, "sizes_um": [0.5], "occupancy": "at-rest"}, "footnote g"),
        ({"iso_class": 6, "sizes_um": [0.5, 10.0]}, "outside the scope of ISO 14644-1"),
        ({"iso_class": 6, "sizes_um": [0.05, 0.5]}, "outside the scope of ISO 14644-1"),
        ({"limits_per_m3": {"0.3": 10200}}, "no limit for the considered size 0.5"),
        ({"limits_per_m3": {"0.5": 3520, "1": 832}}, "which sizes_um does not consider"),
        ({"limits_per_m3": {"0.5": 3531}}, "Table 1 gives 3520 for ISO 5"),
        ({"limits_per_m3": {"half": 3520}}, "is not a size in µm"),
        ({"iso_class": 8.5, "sizes_um": [5.0], "limits_per_m3": {"5": 99_000}}, "too far from ISO 8.5"),
    ],
)
def test_profile_rules_refuse(fields: dict[str, Any], expected: str) -> None:
    with pytest.raises(ProfileError, match=expected):
        _resolve(_requirement(**fields))


def test_profile_rules_accept_table_e1_rounding() -> None:
    profile = _resolve(
        _requirement(iso_class=8.5, sizes_um=[5.0], occupancy="operational", limits_per_m3={"5": 92_400})
    )
    assert profile.requirements[0].limits_per_m3 == {"5": 92_400}


def test_macroparticle_rules() -> None:
    macro = {
        "id": "m",
        "kind": "iso14644_1_macroparticle",
        "title": {"en": "M", "zh": "M"},
        "source": "ISO 14644-1:2015 Annex C",
        "max_per_m3": 29,
        "size_um": 5,
        "occupancy": "at-rest",
    }
    assert _resolve(macro).requirements[0].size_um == 5
    with pytest.raises(ProfileError, match="measurement method"):
        _resolve(macro | {"measurement_method": " "})
    with pytest.raises(ProfileError, match="size_um"):
        _resolve(macro | {"size_um": 1})


# --- shipped profiles ------------------------------------------------------------------------------

STATES = {"as-built": "空态", "at-rest": "静态", "operational": "动态"}
SHIPPED = [
    f"iso14644-1/class-{n}/{state}"
    for n in range(1, 10)
    for state in STATES
    if n < 9 or state == "operational"
]


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_every_shipped_profile_loads(profile_id: str) -> None:
    profile = builtin().get(profile_id)
    n, state = int(profile_id.split("/")[1].removeprefix("class-")), profile_id.split("/")[2]
    (req,) = profile.requirements
    assert req.kind == "iso14644_1_class"
    assert req.iso_class == n
    assert req.occupancy == state
    assert tuple(req.sizes_um) == applicable_sizes(n)
    assert req.limits_per_m3 == {f"{s:g}": class_limit(n, s) for s in req.sizes_um}
    assert req.source.startswith("ISO 14644-1:2015")
    assert profile.title.zh == f"ISO 14644-1:2015 ISO {n} 级（{STATES[state]}）"


def test_no_other_iso14644_1_profiles_are_shipped() -> None:
    shipped = {d.id for d in builtin().documents() if d.id.startswith("iso14644-1/")}
    assert shipped == set(SHIPPED)


# --- properties ------------------------------------------------------------------------------------

classes = st.sampled_from(CLASS_STEPS)
sizes = st.floats(min_value=0.1, max_value=5.0, allow_nan=False)


@given(a=classes, b=classes, size=sizes)
def test_class_limit_is_monotone_in_class(a: float, b: float, size: float) -> None:
    lo, hi = sorted((a, b))
    assert class_limit(lo, size) <= class_limit(hi, size)


@given(iso_class=classes, a=sizes, b=sizes)
def test_class_limit_is_monotone_in_size(iso_class: float, a: float, b: float) -> None:
    small, large = sorted((a, b))
    assert class_limit(iso_class, small) >= class_limit(iso_class, large)


@given(iso_class=classes, size=sizes)
def test_class_limit_is_the_formula_to_three_figures(iso_class: float, size: float) -> None:
    raw = 10**iso_class * (0.1 / size) ** 2.08
    # Whole-number rounding moves by at most 0.5; three-figure rounding by at most half a unit of the
    # third figure.
    assert abs(class_limit(iso_class, size) - raw) <= 0.5 + 0.005 * raw
