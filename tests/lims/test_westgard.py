"""The control chart's rules, pure (lims.domain.westgard)."""

from __future__ import annotations

from decimal import Decimal as D

from lims.domain import westgard as wg

LIM = wg.ChartLimits(mean=10.0, sd=1.0, n=20)


def rules(values):
    return {(v.index, v.rule) for v in wg.westgard(values, LIM)}


def test_limits_from_the_baseline():
    base = [9.0, 11.0] * 10 + [50.0] * 5  # what follows the baseline does not move the limits
    lim = wg.limits(base)
    assert lim.n == 20 and abs(lim.mean - 10) < 1e-9 and 1.0 < lim.sd < 1.1
    assert lim.warning == (lim.mean - 2 * lim.sd, lim.mean + 2 * lim.sd)
    assert wg.limits([1.0, 1.0, 1.0, 1.0, 1.0]) is None and wg.limits([1.0, 2.0]) is None


def test_each_rule():
    assert (0, "1-3s") in rules([13.5])
    assert (1, "2-2s") in rules([12.5, 12.2]) and (1, "2-2s") in rules([7.5, 7.9])
    assert not any(r == "2-2s" for _, r in rules([12.5, 7.5]))
    assert (1, "R-4s") in rules([12.2, 7.7])
    assert (3, "4-1s") in rules([11.2, 11.5, 11.1, 11.9])
    assert (9, "10x") in rules([10.1] * 10) and not any(r == "10x" for _, r in rules([10.1] * 9))
    assert rules([12.4]) == {(0, "1-2s")}  # a warning, not a rejection
    assert not wg.Violation(0, "1-2s", "").rejects and wg.Violation(0, "2-2s", "").rejects
    assert rules([10.2, 9.6, 10.5, 9.9]) == set()


def test_qc_acceptance():
    assert wg.blank_ok(None, True, D("0.05")) and wg.blank_ok(D("0.04"), False, D("0.05"))
    assert not wg.blank_ok(D("0.05"), False, D("0.05")) and not wg.blank_ok(D("0.01"), False, None)
    assert wg.relative_difference(D("0.90"), D("1.10")) == D("20")
    assert wg.relative_difference(D("0"), D("0")) is None
    assert wg.reference_ok(D("1.10"), D("1.00"), D("0.10"))
    assert not wg.reference_ok(D("1.11"), D("1.00"), D("0.10")) and not wg.reference_ok(None, D(1), D(1))
