"""The matching run: indexes once, payments in canonical order, decide, consume open amounts.

Why this shape: the matcher is pure (DESIGN.md §5): invoices and payments in, one
`Decision` per payment out. Everything that needs the whole run lives here: the indexes
(built once; never payment x invoice), the canonical processing order that makes results
independent of arrival order, and the in-memory open amounts so two payments never take
the same euro. Evidence comes from `references`, `customers` (+ `groups`) and `amounts`;
`scoring` turns it into a number; this module decides, and `drafts` words the decision
(reasons, explanations) and checks each candidate's invariants.

Order: payments that name an invoice exactly go first (so an amount-only guess cannot take
an invoice another payment names), then by (value date, currency, amount, payer, text, ids),
the payment id only as the last tie-break.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from core.gc_pause import collector_paused
from core.records import Direction
from reconcile.amounts import (
    SETTLING,
    ZERO,
    Budget,
    Fit,
    Item,
    Line,
    Plan,
    amount_only,
    fmt,
    plan_set,
    subset_plans,
)
from reconcile.book import Book
from reconcile.customers import CustomerIndex, Identification
from reconcile.drafts import (
    REASON_OF_FIT,
    Draft,
    candidate_of,
    clear_lead,
    explain_ambiguous,
    explain_apply,
    explain_fit,
    flag,
    fuzzy_reason,
    hit_reason,
    numbers_of,
    oldest_first,
    preference_reason,
)
from reconcile.groups import Groups, exact_reference_wins
from reconcile.model import (
    Action,
    ActivePlan,
    Candidate,
    Customer,
    Decision,
    MatchSettings,
    OpenInvoice,
    Payment,
    ReviewReason,
)
from reconcile.plan_match import PlanIndex
from reconcile.plan_match import draft as plan_draft
from reconcile.reading import Reading, read_all
from reconcile.references import (
    Extracted,
    RefHit,
    Source,
    extract,
    fuzzy_hits,
    fuzzy_hits_keyed,
)
from reconcile.remainder import without_settled
from reconcile.scoring import (
    EXACT_SOURCES,
    NO_CUSTOMER,
    CustomerEvidence,
    Evidence,
    assess,
    conflicting,
    customer_evidence,
    resembling,
)
from reconcile.shapes import with_wire_payer

RESEMBLE_MIN = 70  # a payer name this close to a referenced invoice's customer corroborates
MAX_SUGGESTIONS = 5
MAX_GLOBAL = 5  # amount-only suggestions when the payer is unknown


def match(payments: Iterable[Payment], customers: Sequence[Customer], invoices: Sequence[OpenInvoice],
          settings: MatchSettings = MatchSettings(),
          plans: Sequence[ActivePlan] = ()) -> list[Decision]:
    """One Decision per payment, in input order (see module docstring for the rules).
    `plans`: active payment plans, whose instalments are evidence too (reconcile.plan_match)."""
    # No cyclic GC during a run: it allocates millions of small objects and frees none in
    # cycles, so the collector would only walk the heap (a fifth of a 20k-payment run).
    with collector_paused():
        return _Run(customers, invoices, settings, plans).run(list(payments))


def match_in_turn(payments: Iterable[Payment], customers: Sequence[Customer], invoices: Sequence[OpenInvoice],
                  settings: MatchSettings = MatchSettings(),
                  plans: Sequence[ActivePlan] = ()) -> Iterator[Decision]:
    """The decisions of match(), one at a time in the order they are made (each spends the
    book before the next is decided): a caller writes some while the rest are decided."""
    with collector_paused():
        for _, decision in _Run(customers, invoices, settings, plans).in_turn(list(payments)):
            yield decision


# -- one run ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    """What one payment knows while its candidates are built."""

    payment: Payment
    extracted: Extracted
    ident: Identification
    open_hits: dict[str, list[RefHit]] = field(default_factory=dict)  # customer -> open named
    closed_hits: list[RefHit] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    plan_invoices: set[int] = field(default_factory=set)  # of plans this payment may pay


class _Run:
    def __init__(self, customers: Sequence[Customer], invoices: Sequence[OpenInvoice],
                 settings: MatchSettings, plans: Sequence[ActivePlan] = ()) -> None:
        self.settings = settings
        self.invoices = invoices
        self.book = Book((), set())  # the run's (run() knows what amounts its payments have)
        self.plans = PlanIndex(plans, invoices)
        self.people = CustomerIndex(customers)
        self.groups = Groups(customers)
        self.habits = {c.id: c.paid_oldest_first for c in customers if c.paid_oldest_first}
        self.named_count: Counter[int] = Counter()  # invoice id -> payments plausibly naming it
        self.budget = Budget(0)  # subset-search nodes, sized per run

    def run(self, payments: list[Payment]) -> list[Decision]:
        decided = dict(self.in_turn(payments))
        return [decided[i] for i in range(len(payments))]

    def in_turn(self, payments: list[Payment]) -> Iterator[tuple[int, Decision]]:
        """(index in payments, decision), in canonical order."""
        payments = [with_wire_payer(p) for p in payments]  # "ORIG: ACME CORP" names an unnamed payer
        self.budget = Budget.for_run(len(payments))
        self.book = Book(self.invoices, {(p.currency, p.amount) for p in payments})
        readings = read_all(payments, self._read, self.invoices)
        extracted = [ex for ex, _ in readings]
        for _, claimed in readings:
            self.named_count.update(claimed)
        order = sorted(range(len(payments)), key=lambda i: _canonical(payments[i], extracted[i]))
        for i in order:
            yield i, self._decide(payments[i], extracted[i])

    def _read(self, p: Payment) -> Reading:
        """A payment's references, and the invoices it plausibly claims: named, and the payer
        is unknown or their customer. (A decoy naming another customer's invoice claims nothing.)"""
        ex = extract(p, self.book.by_number, self.book.by_po) if _receivable(p) else _NOTHING
        if p.settled:
            ex = without_settled(ex, p.settled, self.book.keys)
        if not ex.hits:
            return ex, ()
        payer = self.people.identify_payment(p, self.settings).unique
        mine = self.groups.same_group  # a parent/group company claims its group's invoices too
        return ex, tuple({h.invoice.id for h in ex.hits
                          if payer is None or mine(payer.customer_id, h.invoice.customer_id)})

    # -- per payment ------------------------------------------------------------------------

    def _decide(self, p: Payment, ex: Extracted) -> Decision:
        if p.direction is Direction.DEBIT:
            return Decision(p.id, Action.IGNORE, explanation="A debit is never applied to receivables.")
        if p.amount <= ZERO:
            return Decision(p.id, Action.IGNORE, explanation="A zero or negative amount is not a receipt.")
        if ex.unknown:  # a quoted customer number is no unknown invoice reference
            ex = replace(ex, unknown=self.people.not_customer_numbers(p, ex.unknown))
        ctx = _Context(p, ex, self.people.identify_payment(p, self.settings))
        for hit in ex.hits:
            if self.book.open_of(hit.invoice) > ZERO:
                ctx.open_hits.setdefault(hit.invoice.customer_id, []).append(hit)
            elif hit.source is not Source.PO:
                ctx.closed_hits.append(hit)
        self.groups.merge_named(ctx.open_hits, ctx.ident.unique)  # related customers: one set
        evidence = self._customers(ctx)
        cids = sorted(evidence)
        for cid in cids:
            self._named_drafts(ctx, cid, evidence[cid])
        if self.plans:
            self._plan_drafts(ctx, evidence)
        for cid in cids:
            if evidence[cid].identified and not self._settled(ctx, cid):
                self._fuzzy_drafts(ctx, cid, evidence[cid])
        for cid in cids:
            if ctx.ident.hit_for(cid) and not self._settled(ctx, cid):
                self._amount_drafts(ctx, cid, evidence[cid])
        if not evidence:
            self._global_drafts(ctx)
        return self._conclude(ctx)

    def _customers(self, ctx: _Context) -> dict[str, CustomerEvidence]:
        """Candidate customers: the payer's, and those of the invoices the payment names."""
        out = {h.customer_id: customer_evidence(h, self.settings) for h in ctx.ident.hits}
        payer = ctx.ident.unique
        for cid, hits in ctx.open_hits.items():
            if payer is not None and (paid_for := self.groups.paid_for(payer, hits, self.settings)):
                out[cid] = paid_for  # a parent/group company paying a related customer's invoices
                continue
            if cid in out:
                continue
            if payer is not None:
                out[cid] = conflicting(payer, cid)
                continue
            similar, shown = self.people.payer_similarity(ctx.payment, cid)
            out[cid] = resembling(similar, shown, cid) if similar >= RESEMBLE_MIN else NO_CUSTOMER
        return out

    def _settled(self, ctx: _Context, cid: str) -> bool:
        return any(d.customer_id == cid and d.referenced and d.plan.fit in SETTLING for d in ctx.drafts)

    def _sources(self, ctx: _Context, cid: str) -> dict[int, Source]:
        return {h.invoice.id: h.source for h in ctx.open_hits.get(cid, ())}

    def _add(self, ctx: _Context, cid: str | None, plan: Plan, cev: CustomerEvidence,
             sources: dict[int, Source], ref_reasons: list[str], *, named_elsewhere: bool = False,
             named_by_another: Sequence[str] = ()) -> None:
        exact_named = {i for i, s in sources.items() if s not in (Source.PO, Source.FUZZY)}
        cev = exact_reference_wins(cev, plan, sources)
        in_plan = {line.invoice.id for line in plan.lines}
        evidence = Evidence(plan, cev, sources, list(ref_reasons),
                            leaves_out_named=len(exact_named - in_plan),
                            named_elsewhere=named_elsewhere, named_by_another=list(named_by_another))
        a = assess(evidence, self.settings)
        referenced = any(line.invoice.id in sources for line in plan.lines)
        hit = ctx.ident.unique
        corroborated = (hit is not None and hit.customer_id == cid and hit.score >= 100
                        and all(sources.get(line.invoice.id) in EXACT_SOURCES for line in plan.lines))
        ctx.drafts.append(Draft(cid, plan, a.score, a.reasons, referenced, cev.points < 0, a.raw, a.strength,
                                corroborated))

    def _items(self, ctx: _Context, cid: str) -> tuple[list[Item], bool]:
        p = ctx.payment
        return self.book.items(cid, p.currency, p.amount, p.value_date, self.settings.subset_max_candidates)

    # -- candidates from exact references -----------------------------------------------------

    def _named_drafts(self, ctx: _Context, cid: str, cev: CustomerEvidence) -> None:
        p, s = ctx.payment, self.settings
        hits = [h for h in ctx.open_hits.get(cid, ()) if h.invoice.currency == p.currency]
        sources = self._sources(ctx, cid)
        reasons = [hit_reason(h) for h in hits]
        exact = [h for h in hits if h.source is not Source.PO]
        if exact:
            items = [Item(h.invoice, self.book.open_of(h.invoice)) for h in exact]
            given = {h.invoice.id: h.amount for h in exact if h.amount is not None}
            plan = plan_set(items, p.amount, p.currency, p.value_date, s, given)
            self._add(ctx, cid, plan, cev, sources, reasons)
            if plan.fit is Fit.SHORT:  # names three, pays two of them exactly
                for sub in subset_plans(items, p.amount, p.currency, p.value_date, s, budget=self.budget):
                    self._add(ctx, cid, sub, cev, sources, reasons)
            if plan.fit is Fit.OVER:  # names one, pays it and another
                pool, complete = self._items(ctx, cid)
                for sub in subset_plans(pool, p.amount, p.currency, p.value_date, s, forced=items,
                                        complete=complete, budget=self.budget):
                    self._add(ctx, cid, sub, cev, sources, reasons)
        po = [h for h in hits if h.source is Source.PO]
        if po and not self._settled(ctx, cid):
            items = [Item(h.invoice, self.book.open_of(h.invoice)) for h in po]
            plans = amount_only(items, p.amount, p.currency, p.value_date, s, budget=self.budget)
            if len(items) > 1 or not plans:
                plans.append(plan_set(items, p.amount, p.currency, p.value_date, s))
            for plan in plans:
                self._add(ctx, cid, plan, cev, sources, reasons)

    # -- one-edit references, only inside an identified customer -------------------------------

    def _fuzzy_drafts(self, ctx: _Context, cid: str, cev: CustomerEvidence) -> None:
        p, s = ctx.payment, self.settings
        if not ctx.extracted.probes:
            return
        # A key that names one of this customer's invoices exactly is not a typo of another one.
        own = {self.book.number_key(h.invoice) for h in ctx.open_hits.get(cid, ())}
        probes = [probe for probe in ctx.extracted.probes if probe.key not in own]
        if not probes:
            return
        pool, _ = self._items(ctx, cid)
        named = {h.invoice.id for hits in ctx.open_hits.values() for h in hits}
        keyed = self.book.keyed(cid, p.currency, pool)
        if named:
            keyed = [(key, inv) for key, inv in keyed if inv.id not in named]
        for inv, probe in fuzzy_hits_keyed(probes, keyed):
            item = Item(inv, self.book.open_of(inv))
            given = {inv.id: probe.amount} if probe.amount is not None else None
            plan = plan_set([item], p.amount, p.currency, p.value_date, s, given)
            sources = {**self._sources(ctx, cid), inv.id: Source.FUZZY}
            self._add(ctx, cid, plan, cev, sources, [fuzzy_reason(inv, probe)])

    # -- the amount alone, inside a customer the payer evidence points at ----------------------

    def _amount_drafts(self, ctx: _Context, cid: str, cev: CustomerEvidence) -> None:
        p, s = ctx.payment, self.settings
        pool, complete = self._items(ctx, cid)
        if not pool:
            return
        # The payment names invoices (of this customer, or settling another's): not these.
        names_own = bool(ctx.open_hits.get(cid)) or any(h.invoice.customer_id == cid for h in ctx.closed_hits)
        contested = any(d.referenced and d.plan.fit in SETTLING and d.customer_id != cid for d in ctx.drafts)
        sources = self._sources(ctx, cid)
        own_claim = ctx.ident.unique is not None and ctx.ident.unique.customer_id == cid  # counted itself
        for plan in amount_only(self.book.oldest(cid, p.currency, pool), p.amount, p.currency, p.value_date,
                                s, complete=complete, budget=self.budget, oldest_first=True):
            if ctx.plan_invoices.issuperset(line.invoice.id for line in plan.lines):
                continue  # the plan's own draft allocates cash to its invoices (oldest first)
            others = [line.invoice.number for line in plan.lines
                      if self.named_count[line.invoice.id]
                      > (1 if own_claim and line.invoice.id in sources else 0)]
            self._add(ctx, cid, plan, cev, sources, [], named_elsewhere=names_own or contested,
                      named_by_another=others)

    # -- payment plans: a quoted plan reference, or the next instalment's amount ----------------

    def _plan_drafts(self, ctx: _Context, evidence: dict[str, CustomerEvidence]) -> None:
        p, open_of = ctx.payment, self.book.open_of
        named_plans = self.plans.quoted(p)
        quoted = {plan.id for plan in named_plans}
        candidates: list[tuple[ActivePlan, CustomerEvidence, bool]] = []
        for plan in named_plans:
            cid = plan.customer_id
            cev = evidence.get(cid) or (conflicting(ctx.ident.unique, cid) if ctx.ident.unique
                                        else self._resemblance(ctx, cid))
            candidates.append((plan, cev, True))
        for cid in sorted(evidence):
            # Unquoted: only the payer's own plans, and never when the payment names invoices
            # of this customer (those are the invoices it pays, not the plan's next instalment).
            names_own = bool(ctx.open_hits.get(cid)) or any(h.invoice.customer_id == cid
                                                            for h in ctx.closed_hits)
            if not evidence[cid].identified or names_own:
                continue
            for plan in self.plans.by_customer.get(cid, ()):
                if plan.id not in quoted and self.plans.next_due(plan, open_of) == p.amount:
                    candidates.append((plan, evidence[cid], False))
        for plan, cev, is_quoted in candidates:
            if plan.currency != p.currency:
                continue
            own = self.plans.plan_invoice_ids(plan)
            named = ctx.open_hits.get(plan.customer_id, ())
            leaves_out = any(h.invoice.id not in own for h in named)
            d = plan_draft(self.plans, plan, p, open_of, cev, quoted=is_quoted,
                           leaves_out_named=leaves_out)
            if d is None:
                continue
            ctx.plan_invoices |= own
            ctx.drafts.append(Draft(plan.customer_id, d.plan, d.score, d.reasons, is_quoted,
                                     cev.points < 0))

    # -- nobody identified, nothing named: amount-only and one-edit guesses from the book -------

    def _global_drafts(self, ctx: _Context) -> None:
        p = ctx.payment
        pool = [inv for inv in self.book.by_amount.get((p.currency, p.amount), ())
                if inv.currency == p.currency and self.book.open_of(inv) == p.amount]
        pool = sorted({inv.id: inv for inv in pool}.values(), key=lambda i: (i.issue_date, i.id))
        for inv, probe in fuzzy_hits(ctx.extracted.probes, pool, self.book.number_key):
            plan = plan_set([Item(inv, p.amount)], p.amount, p.currency, p.value_date, self.settings)
            self._add(ctx, inv.customer_id, plan, self._resemblance(ctx, inv.customer_id),
                      {inv.id: Source.FUZZY}, [fuzzy_reason(inv, probe)])
        for inv in pool[:MAX_GLOBAL]:
            plan = Plan(Fit.EXACT, (Line(inv, p.amount),), ZERO,
                        (f"amount equals open amount of {inv.number} (customer {inv.customer_id})",))
            self._add(ctx, inv.customer_id, plan, self._resemblance(ctx, inv.customer_id), {}, [])

    def _resemblance(self, ctx: _Context, cid: str) -> CustomerEvidence:
        similar, shown = self.people.payer_similarity(ctx.payment, cid)
        return resembling(similar, shown, cid) if similar >= RESEMBLE_MIN else NO_CUSTOMER

    # -- decide ---------------------------------------------------------------------------------

    def _conclude(self, ctx: _Context) -> Decision:
        p, s = ctx.payment, self.settings
        # The best draft per (customer, invoice set): the first of each in score order, and
        # those first ones are in that order already.
        drafts = ctx.drafts
        if len(drafts) > 1:
            best_by_set: dict[tuple[str | None, frozenset[int]], Draft] = {}
            for d in sorted(drafts, key=Draft.sort_key):
                best_by_set.setdefault((d.customer_id, frozenset(l.invoice.id for l in d.plan.lines)), d)
            drafts = list(best_by_set.values())
        best = drafts[0] if drafts else None
        runner = drafts[1] if len(drafts) > 1 else None
        duplicate = self._duplicate(ctx, drafts)
        lead = best is not None and clear_lead(best, drafts[1:], s)  # else a tie history may break:
        habit = None if lead or best is None else oldest_first(best, drafts[1:], s,
                                                               self.habits.get(best.customer_id or "", 0))
        if (best and not duplicate and best.score >= s.auto_threshold and (lead or habit)
                and best.plan.fit is not Fit.SHORT and best.plan.good_cover and not ctx.extracted.doubtful):
            preference = habit  # the displayed scores do not show why it won: say so
            if preference is None and runner is not None and best.score - runner.score < s.margin:
                preference = preference_reason(best, runner, p.currency)
            if preference is not None:
                best.reasons += (preference,)
            candidate = self._candidate(p, best)
            self.book.consume(best.plan.lines)
            return Decision(p.id, Action.APPLY, applied=candidate, reason=flag(best.plan, best.corroborated),
                            explanation=explain_apply(p, best, candidate, preference))
        shown = [d for d in drafts if d.score >= s.suggest_threshold][:MAX_SUGGESTIONS]
        suggestions = tuple(self._candidate(p, d) for d in shown)
        reason, text = self._review_reason(ctx, drafts, duplicate)
        return Decision(p.id, Action.REVIEW, suggestions=suggestions, reason=reason, explanation=text)

    def _paid_named(self, ctx: _Context) -> list[RefHit]:
        """Paid invoices the payment names: the payer's own, or any when the payer is unknown."""
        payer = ctx.ident.unique
        return [h for h in ctx.closed_hits
                if payer is None or self.groups.same_group(h.invoice.customer_id, payer.customer_id)]

    def _duplicate(self, ctx: _Context, drafts: list[Draft]) -> bool:
        """The payment names invoices already paid (before or in this run), and nothing better."""
        if not self._paid_named(ctx):
            return False
        return not any(d.referenced and d.score >= self.settings.auto_threshold for d in drafts)

    def _review_reason(self, ctx: _Context, drafts: list[Draft],
                       duplicate: bool) -> tuple[ReviewReason, str]:
        p, s = ctx.payment, self.settings
        amount = fmt(p.amount, p.currency)
        if duplicate:
            numbers = ", ".join(sorted({h.invoice.number for h in self._paid_named(ctx)}))
            return (ReviewReason.DUPLICATE_PAYMENT,
                    f"The invoice(s) this payment names ({numbers}) are already paid.")
        if ctx.extracted.doubtful:  # e.g. a range over several customers' invoices
            return (ReviewReason.AMBIGUOUS, f"The payment writes {', '.join(ctx.extracted.doubtful[:3])}, "
                    "which would name invoices of several customers.")
        best = drafts[0] if drafts else None
        if best is None or best.score < s.suggest_threshold:
            if mismatch := self._currency_mismatch(ctx):
                return ReviewReason.CURRENCY_MISMATCH, mismatch
        if best is None:
            payer = ctx.ident.unique
            if ctx.extracted.unknown and not ctx.open_hits:
                refs = ", ".join(ctx.extracted.unknown[:3])
                return (ReviewReason.UNKNOWN_REFERENCE,
                        f"The payment names {refs}, but no open invoice has that number.")
            if payer is not None:
                return ReviewReason.NOTHING_OPEN, (f"Customer {payer.customer_id} has no open invoice in "
                                                   f"{p.currency} that {amount} fits.")
            return (ReviewReason.NO_CUSTOMER,
                    "No customer could be identified and nothing in the remittance names an open invoice.")
        runner = drafts[1] if len(drafts) > 1 else None
        close = runner is not None and not clear_lead(best, drafts[1:], s)
        if close and runner is not None and best.score >= s.auto_threshold:
            return ReviewReason.AMBIGUOUS, explain_ambiguous(best, runner)
        if best.conflict:
            return (ReviewReason.LOW_CONFIDENCE, f"The payment names {numbers_of(best)} of customer "
                    f"{best.customer_id}, but the payer looks like another customer.")
        if best.plan.fit in REASON_OF_FIT:
            return REASON_OF_FIT[best.plan.fit], explain_fit(p, best)
        if close and runner is not None and runner.score >= s.suggest_threshold:
            return ReviewReason.AMBIGUOUS, explain_ambiguous(best, runner)
        if not ctx.ident.hits and not best.referenced:
            return (ReviewReason.NO_CUSTOMER, f"No customer could be identified; {amount} equals the open "
                    f"amount of {numbers_of(best)}, which is not evidence enough.")
        if ctx.extracted.unknown and not best.referenced:
            refs = ", ".join(ctx.extracted.unknown[:3])
            return (ReviewReason.UNKNOWN_REFERENCE, f"The payment names {refs}, which matches no open "
                    f"invoice; best guess {numbers_of(best)} ({best.score}).")
        return (ReviewReason.LOW_CONFIDENCE, f"Best candidate {numbers_of(best)} scores {best.score}, "
                f"below the auto-apply threshold of {s.auto_threshold}.")

    def _currency_mismatch(self, ctx: _Context) -> str | None:
        named = [h.invoice for hits in ctx.open_hits.values() for h in hits]
        return self.book.currency_mismatch(ctx.payment, named, ctx.ident.unique and ctx.ident.unique.customer_id)

    # -- output and invariants --------------------------------------------------------------------

    def _candidate(self, p: Payment, d: Draft) -> Candidate:
        return candidate_of(p, d, self.book.open_of)


# -- small helpers ------------------------------------------------------------------------------

_NOTHING = Extracted((), (), (), ())


def _receivable(p: Payment) -> bool:
    return p.direction is not Direction.DEBIT and p.amount > ZERO


def _canonical(p: Payment, ex: Extracted) -> tuple[object, ...]:
    return (0 if ex.hits else 1, p.value_date, p.currency, p.amount, p.payer_account or "",
            p.payer_name or "", p.remittance, p.references,
            tuple((d.number, str(d.amount)) for d in p.invoices), p.end_to_end_id or "",
            p.bank_reference or "", str(p.direction), str(p.kind), p.id)
