"""The subset search: which of a customer's open amounts add up to a payment.

An exact, bounded depth-first search in integer minor units (reconcile.amounts builds the
values and turns what it finds into plans): values sorted descending, a branch cut when even
the largest values left cannot reach the target, at most `max_size` values per subset, and a
node budget, so a customer with hundreds of open invoices cannot stall a run. The nodes it
visits, and so what a budget lets it find, are part of the matcher's decisions: a faster
search must visit the same nodes in the same order (tests/reconcile/test_amounts.py).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

NODE_BUDGET = 5_000  # per search (~2 ms)
MAX_SOLUTIONS = 3


def find_subsets(values: Sequence[int], target: int, max_size: int, budget: int = NODE_BUDGET,
                 limit: int = MAX_SOLUTIONS) -> tuple[list[tuple[int, ...]], bool, int]:
    """Index sets of `values` (positive ints) summing to `target`, at most `max_size` each.

    Returns (up to `limit` solutions, searched_everything, nodes used). Finding `limit`
    solutions counts as complete for our purpose: it already proves the payment ambiguous.

    A node is one value tried at one level (a level: how many invoices are still to pick).
    Values are tried largest first; a level ends at the first value from which its `slots`
    largest values cannot reach what is left (a node too). An explicit stack, not recursion,
    and a level below that would end at its first node is counted without entering it: the
    same nodes in the same order as the plain recursive search, at a fraction of its cost.
    """
    if target <= 0 or max_size < 1:
        return [], True, 0
    if budget <= 0:
        return [], False, 0
    order = sorted(range(len(values)), key=lambda i: (-values[i], i))
    desc = [values[i] for i in order]
    neg = [-v for v in desc]
    n = len(desc)
    solutions: list[tuple[int, ...]] = []
    if max_size == 1:  # one node: the value equal to the target, if any
        i = bisect_left(neg, -target)
        while i < n and desc[i] == target:
            solutions.append((order[i],))
            if len(solutions) >= limit:
                break
            i += 1
        return solutions, True, 1
    prefix = [0]
    for v in desc:
        prefix.append(prefix[-1] + v)
    prefix += [prefix[-1]] * (max_size + 1)  # so prefix[i + slots] needs no bounds check
    pair = [prefix[i + 2] - prefix[i] for i in range(n)]  # the two largest values from i on
    first: dict[int, int] = {}  # value -> its first position in desc (equal values are adjacent)
    for pos in range(n - 1, -1, -1):
        first[desc[pos]] = pos
    at = [0] * (max_size + 1)  # per level (slots left): the position being tried ...
    left = [0] * (max_size + 1)  # ... and the amount that level had to reach
    chosen: list[int] = []
    nodes = 0
    slots, remaining = max_size, target
    i = bisect_left(neg, -remaining)
    while True:
        if slots == 2:
            while i < n:
                nodes += 1
                if nodes > budget:
                    return solutions, False, nodes
                if pair[i] < remaining:
                    break
                value = desc[i]
                if value == remaining:
                    solutions.append(tuple(sorted([*chosen, order[i]])))
                    if len(solutions) >= limit:
                        return solutions, True, nodes
                else:
                    rest = remaining - value
                    if rest > value:
                        break  # later values are smaller still: no pair can reach the target
                    j = first.get(rest)
                    if j is not None:
                        if j <= i:
                            j = i + 1
                        while j < n and desc[j] == rest:
                            solutions.append(tuple(sorted([*chosen, order[i], order[j]])))
                            if len(solutions) >= limit:
                                return solutions, True, nodes
                            j += 1
                i += 1
        else:
            descended = False
            while i < n:
                nodes += 1
                if nodes > budget:
                    return solutions, False, nodes
                if prefix[i + slots] - prefix[i] < remaining:
                    break
                value = desc[i]
                if value == remaining:
                    solutions.append(tuple(sorted([*chosen, order[i]])))
                    if len(solutions) >= limit:
                        return solutions, True, nodes
                    i += 1
                    continue
                rest = remaining - value
                if pair[i] <= remaining and i + 1 < n:
                    # The next value fits what is left: the level below starts right after i,
                    # and cannot end at once (its largest values from there reach `rest`,
                    # as this level's from i reach `remaining`).
                    at[slots], left[slots] = i, remaining
                    chosen.append(order[i])
                    slots, remaining, i = slots - 1, rest, i + 1
                    descended = True
                    break
                j = bisect_left(neg, -rest, i + 1)
                if j < n:
                    below = slots - 1
                    if (pair[j] if below == 2 else prefix[j + below] - prefix[j]) < rest:
                        # The level below would end at its first node: count it, stay here.
                        nodes += 1
                        if nodes > budget:
                            return solutions, False, nodes
                    else:
                        at[slots], left[slots] = i, remaining
                        chosen.append(order[i])
                        slots, remaining, i = below, rest, j
                        descended = True
                        break
                i += 1
            if descended:
                continue
        # this level is done: back to the one above, at its next position
        if slots == max_size:
            return solutions, True, nodes
        slots += 1
        chosen.pop()
        i, remaining = at[slots] + 1, left[slots]


# -- meet in the middle: exact answers where the depth-first budget gives up ---------------------

MITM_STATES = 12_000  # partial sums kept over both halves at most (~50 ms): else "not searched"


def meet_in_the_middle(values: Sequence[int], target: int, max_size: int, limit: int = MAX_SOLUTIONS,
                       states: int = MITM_STATES) -> tuple[list[tuple[int, ...]], bool, int]:
    """Index sets of `values` (positive ints) summing to `target`, at most `max_size` each:
    (up to `limit` solutions, searched_everything, partial sums listed).

    Why: the depth-first search costs up to C(n, max_size) nodes and so runs out of budget
    on a customer with 40 open invoices; splitting them in two halves, listing each half's
    subset sums (<= target, <= max_size invoices) and joining the halves on the complement
    costs about 2 * 2^(n/2) sums instead, and then its "nothing else fits" is a fact.
    Exact: integer minor units only. Deterministic: halves and sums in index order.
    """
    if target <= 0 or max_size < 1:
        return [], True, 0
    usable = [i for i, v in enumerate(values) if 0 < v <= target]
    half = len(usable) // 2
    left = _sums(values, usable[:half], target, max_size, states)
    if left is None:
        return [], False, states
    used = sum(len(c) for c in left.values())
    right = _sums(values, usable[half:], target, max_size, states - used)
    if right is None:
        return [], False, states
    used += sum(len(c) for c in right.values())
    solutions: list[tuple[int, ...]] = []
    for total in sorted(right):
        for combo_r in right[total]:
            for combo_l in left.get(target - total, ()):
                if 0 < len(combo_l) + len(combo_r) <= max_size:
                    solutions.append(tuple(sorted(combo_l + combo_r)))
                    if len(solutions) >= limit:
                        return sorted(solutions), True, used
    return sorted(solutions), True, used


def _sums(values: Sequence[int], indexes: Sequence[int], target: int, max_size: int,
          states: int) -> dict[int, list[tuple[int, ...]]] | None:
    """Every subset of `indexes` with at most `max_size` members and a sum <= target, by sum
    (the empty one included); None when that is more than `states` subsets."""
    out: dict[int, list[tuple[int, ...]]] = {0: [()]}
    count = 1
    for i in indexes:
        value = values[i]
        grown = [(total + value, combo + (i,)) for total, combos in out.items() if total + value <= target
                 for combo in combos if len(combo) < max_size]
        count += len(grown)
        if count > states:
            return None
        for total, combo in grown:
            out.setdefault(total, []).append(combo)
    return out
