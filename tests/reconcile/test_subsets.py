"""The subset search visits exactly the nodes of the plain recursive search, in its order.

Why: the node budget makes the nodes part of the decisions — which solutions a budget lets
the search find, whether it counts as exhaustive (a score), and what is left of the run's pool
for later payments. `find_subsets` is an optimised walk; `_reference` below is the search as
first written (recursive, one node per value tried, a level ending at the first value from
which its largest values cannot reach the target). Both must answer the same, node counts
included, for any values, target, size, budget and limit.
"""

from __future__ import annotations

import bisect
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.subsets import find_subsets, meet_in_the_middle


class _Stop(Exception):
    pass


def _reference(values: list[int], target: int, max_size: int, budget: int,
               limit: int) -> tuple[list[tuple[int, ...]], bool, int]:
    order = sorted(range(len(values)), key=lambda i: (-values[i], i))
    desc = [values[i] for i in order]
    neg = [-v for v in desc]
    n = len(desc)
    prefix = [0]
    for v in desc:
        prefix.append(prefix[-1] + v)
    prefix += [prefix[-1]] * (max_size + 1)
    solutions: list[tuple[int, ...]] = []
    chosen: list[int] = []
    nodes = 0

    def found(last: int) -> None:
        solutions.append(tuple(sorted([*chosen, order[last]])))
        if len(solutions) >= limit:
            raise _Stop(True)

    def dfs(start: int, remaining: int, slots: int) -> None:
        nonlocal nodes
        i = bisect.bisect_left(neg, -remaining, lo=start)
        if slots == 1:
            nodes += 1
            while i < n and desc[i] == remaining:
                found(i)
                i += 1
            return
        while i < n:
            nodes += 1
            if nodes > budget:
                raise _Stop(False)
            if prefix[i + slots] - prefix[i] < remaining:
                return
            value = desc[i]
            if value == remaining:
                found(i)
            elif slots == 2:
                rest = remaining - value
                if rest > value:
                    return
                j = bisect.bisect_left(neg, -rest, lo=i + 1)
                chosen.append(order[i])
                while j < n and desc[j] == rest:
                    found(j)
                    j += 1
                chosen.pop()
            else:
                chosen.append(order[i])
                dfs(i + 1, remaining - value, slots - 1)
                chosen.pop()
            i += 1

    if target <= 0 or max_size < 1:
        return [], True, 0
    if budget <= 0:
        return [], False, 0
    try:
        dfs(0, target, max_size)
    except _Stop as stop:
        return solutions, bool(stop.args[0]), nodes
    return solutions, True, nodes


def _case(rng: random.Random) -> tuple[list[int], int, int, int, int]:
    n = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 30, 40])
    high = rng.choice([3, 10, 50, 1_000, 2_500_000])  # small ranges: many equal values
    values = [rng.randint(1, high) for _ in range(n)]
    if values and rng.random() < 0.7:
        target = sum(rng.sample(values, rng.randint(1, min(8, n)))) + rng.choice([0, 0, 1, -1])
    else:
        target = rng.randint(-1, 3 * high)
    return (values, target, rng.choice([0, 1, 2, 3, 4, 5, 8]),
            rng.choice([-1, 0, 1, 2, 5, 50, 500, 5_000]), rng.choice([1, 2, 3, 1_000]))


def test_the_search_matches_the_plain_recursive_one_node_for_node() -> None:
    rng = random.Random(20260316)
    for _ in range(4_000):
        values, target, max_size, budget, limit = _case(rng)
        assert find_subsets(values, target, max_size, budget, limit) == \
            _reference(values, target, max_size, budget, limit), (values, target, max_size, budget, limit)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.integers(1, 60), max_size=25), st.integers(-2, 400), st.integers(0, 8),
       st.integers(-1, 3_000), st.integers(1, 4))
def test_any_input_gives_the_reference_answer(values: list[int], target: int, max_size: int,
                                               budget: int, limit: int) -> None:
    assert find_subsets(values, target, max_size, budget, limit) == \
        _reference(values, target, max_size, budget, limit)


# -- meet in the middle: every subset, by brute force ------------------------------------------


def _brute(values: list[int], target: int, max_size: int) -> list[tuple[int, ...]]:
    from itertools import combinations
    return sorted(c for k in range(1, max_size + 1) for c in combinations(range(len(values)), k)
                  if sum(values[i] for i in c) == target)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.integers(1, 60), max_size=14), st.integers(-2, 200), st.integers(0, 6), st.integers(1, 4))
def test_meet_in_the_middle_finds_exactly_the_subsets_that_fit(values: list[int], target: int,
                                                                max_size: int, limit: int) -> None:
    found, complete, _ = meet_in_the_middle(values, target, max_size, limit)
    everything = _brute(values, target, max_size) if target > 0 else []
    assert complete
    assert all(sum(values[i] for i in s) == target and 0 < len(s) <= max_size for s in found)
    assert len(set(found)) == len(found) and set(found) <= set(everything)
    assert len(found) == min(limit, len(everything))  # limit reached, or all of them


def test_meet_in_the_middle_settles_what_the_node_budget_leaves_open() -> None:
    # Nearly equal amounts (the depth-first bound prunes nothing) whose low bits make every
    # subset's sum distinct: exactly one answer, which the node budget does not reach.
    values = [10_000_000 + 2**i for i in range(24)]
    chosen = (2, 7, 11, 19, 20, 21, 23)
    target = sum(values[i] for i in chosen)
    assert find_subsets(values, target, 8, budget=2_000)[:2] == ([], False)
    found, complete, used = meet_in_the_middle(values, target, 8)
    assert (found, complete) == ([chosen], True) and used > 0
    assert meet_in_the_middle(values, target + 1, 8)[:2] == ([], True)  # "nothing fits" is a fact
    # Too many partial sums for the states allowed: it says so instead of guessing.
    assert meet_in_the_middle(values, target, 8, states=1_000)[:2] == ([], False)
