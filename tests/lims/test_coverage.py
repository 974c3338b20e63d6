"""Spatial coverage (issue 19): network samples over sectors in proportion to population,
ends / reservoirs / sensitive consumers first, the sector without a point flagged. Pure."""

from lims.domain.coverage import NetworkPoint, Sector, allocate, quotas

SECTORS = [Sector(1, "S1", "Centro", 12_000), Sector(2, "S2", "Norte", 8_000),
           Sector(3, "S3", "Sul", 6_000), Sector(4, "S4", "Leste", 3_000),
           Sector(5, "S5", "Oeste", 1_000), Sector(6, "S6", "Vila Nova", 5_000)]
POINTS = [NetworkPoint(10, "P10", "rede", 1), NetworkPoint(11, "P11", "ponta_de_rede", 1),
          NetworkPoint(12, "P12", "reservatorio", 1), NetworkPoint(20, "P20", "rede", 2),
          NetworkPoint(21, "P21", "rede", 2, sensitive="hospital"), NetworkPoint(30, "P30", "rede", 3),
          NetworkPoint(40, "P40", "rede", 4), NetworkPoint(41, "P41", "ponta_de_rede", 4),
          NetworkPoint(50, "P50", "torneira", 5, sensitive="escola"), NetworkPoint(99, "P99", "rede")]


def test_six_sectors_in_proportion_and_the_empty_one_flagged():
    c = allocate(35, SECTORS, POINTS)
    # 30.000 hab. in sectors with a point: 35 x 12/30 = 14; x 8/30 = 9,33; x 6/30 = 7;
    # x 3/30 = 3,5; x 1/30 = 1,17 -> floors 34, the one left to the largest remainder (S4)
    assert c.per_sector == {1: 14, 2: 9, 3: 7, 4: 4, 5: 1, 6: 0}
    assert c.empty_sectors == (6,) and c.unsectored == (99,)
    assert sum(c.per_point.values()) == 35
    # inside S1: the far end first, then the reservoir, then the plain network point
    assert (c.per_point[11], c.per_point[12], c.per_point[10]) == (5, 5, 4)
    assert (c.per_point[21], c.per_point[20]) == (5, 4)  # the hospital before a plain point


def test_few_samples_go_to_ends_reservoirs_and_sensitive_consumers():
    c = allocate(3, SECTORS[:1], POINTS[:3])
    assert c.per_point == {11: 1, 12: 1, 10: 1}
    c = allocate(2, SECTORS[:1], POINTS[:3])
    assert c.per_point == {11: 1, 12: 1, 10: 0}


def test_without_sectors_all_network_points_share():
    c = allocate(7, [], POINTS[:3])
    assert sum(c.per_point.values()) == 7 and c.empty_sectors == ()


def test_quotas_add_up_and_stay_within_one_of_the_exact_share():
    for n in range(0, 60):
        q = quotas(n, {1: 7, 2: 3, 3: 11, 4: 1})
        assert sum(q.values()) == n
        assert all(abs(q[k] - n * w / 22) < 1 for k, w in {1: 7, 2: 3, 3: 11, 4: 1}.items())
