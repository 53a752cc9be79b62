/* remit workbench: keyboard shortcuts and the apply form's "Add row". Plain JS, no build.
 *
 * j / k     move the current row in a list (queue, invoices, dashboard reasons)
 * Enter     open the current row
 * /         focus the search field
 * a         focus the apply form; on the queue, the bulk "assign to" field
 * x         select the current row of the queue (Shift+x: every row on the page)
 * d         on the queue, the bulk "dismiss" reason field
 * g d|q|p|i go to the dashboard, the exception queue, the payments, the invoices
 * Everything here is an enhancement: each page works with the keyboard and without JS.
 */
(function () {
  "use strict";

  var GO = { d: "/", q: "/exceptions", p: "/payments", i: "/invoices" };
  var pendingG = false;
  var gTimer = null;

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-list] [data-row]"));
  }

  function currentIndex(list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].classList.contains("is-current")) return i;
    }
    return -1;
  }

  function select(list, index) {
    list.forEach(function (row) { row.classList.remove("is-current"); });
    var row = list[index];
    row.classList.add("is-current");
    var link = row.querySelector("[data-open]");
    if (link) link.focus();  // focus, so Enter opens it natively and screen readers follow
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return false;
    var i = currentIndex(list);
    var next = i < 0
      ? (step > 0 ? 0 : list.length - 1)
      : Math.min(list.length - 1, Math.max(0, i + step));
    select(list, next);
    return true;
  }

  function focusFirst(selector) {
    var el = document.querySelector(selector);
    if (!el) return false;
    el.focus();
    if (el.select && el.tagName === "INPUT") el.select();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (pendingG) {
      pendingG = false;
      clearTimeout(gTimer);
      if (GO[event.key]) {
        event.preventDefault();
        window.location.assign(GO[event.key]);
      }
      return;
    }
    var handled = false;
    switch (event.key) {
      case "g":
        pendingG = true;
        gTimer = setTimeout(function () { pendingG = false; }, 1500);
        handled = true;
        break;
      case "j": handled = move(1); break;
      case "k": handled = move(-1); break;
      case "/": handled = focusFirst("[data-search]"); break;
      case "a":
        handled = focusFirst("[data-apply-form] input:not([type=hidden])") ||
          focusFirst("[data-bulk-assign]");
        break;
      case "d": handled = focusFirst("[data-bulk-dismiss]"); break;
      case "x": handled = toggleCurrent(); break;
      case "X": handled = selectAll(); break;
      case "Enter": {
        // Focus may have left the row's link (a click elsewhere): Enter still opens the row.
        var list = rows();
        var i = currentIndex(list);
        var active = document.activeElement;
        if (i >= 0 && (!active || active === document.body || active.id === "main")) {
          var link = list[i].querySelector("[data-open]");
          if (link) { link.click(); handled = true; }
        }
        break;
      }
    }
    if (handled) event.preventDefault();
  });

  // Queue selection: x ticks the current row's box; the count is shown by the bulk actions.
  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-list] [data-select]"));
  }

  function showSelection() {
    var picked = 0;
    boxes().forEach(function (box) {
      var row = box.closest("[data-row]");
      if (row) row.classList.toggle("is-selected", box.checked);
      if (box.checked) picked++;
    });
    var count = document.querySelector("[data-selected-count]");
    if (count) count.textContent = "(" + picked + " selected)";
  }

  function toggleCurrent() {
    var list = rows();
    var i = currentIndex(list);
    if (i < 0) return false;
    var box = list[i].querySelector("[data-select]");
    if (!box) return false;
    box.checked = !box.checked;
    showSelection();
    return true;
  }

  function selectAll() {
    var all = boxes();
    if (!all.length) return false;
    var every = all.every(function (b) { return b.checked; });
    all.forEach(function (b) { b.checked = !every; });
    var head = document.querySelector("[data-select-all]");
    if (head) head.checked = !every;
    showSelection();
    return true;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-select-all]")) {
      boxes().forEach(function (b) { b.checked = event.target.checked; });
    }
    if (event.target.matches && event.target.matches("[data-select], [data-select-all]")) {
      showSelection();
    }
  });

  // Enter in a bulk field presses that field's own button (not the form's first one).
  [["[data-bulk-assign]", "assign"], ["[data-bulk-dismiss]", "dismiss"]].forEach(function (pair) {
    var field = document.querySelector(pair[0]);
    var button = document.querySelector('[data-bulk-button="' + pair[1] + '"]');
    if (!field || !button) return;
    field.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        button.click();
      }
    });
  });
  showSelection();

  // Apply form's invoice search: "Use" puts the invoice and its open amount in the first
  // empty row.
  document.querySelectorAll("[data-use-invoice]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var form = document.querySelector("[data-apply-form]");
      if (!form) return;
      var target = null;
      form.querySelectorAll("[data-alloc-row]").forEach(function (row) {
        var number = row.querySelector('input[name="invoice_number"]');
        if (!target && number && !number.value) target = row;
      });
      if (!target) {
        var add = form.querySelector("[data-add-row]");
        if (add) add.click();
        var all = form.querySelectorAll("[data-alloc-row]");
        target = all[all.length - 1];
      }
      target.querySelector('input[name="invoice_number"]').value = button.dataset.number;
      var amount = target.querySelector('input[name="amount"]');
      amount.value = button.dataset.open;
      amount.focus();
      amount.select();
    });
  });

  // Clicking or tabbing into a row makes it the current one, so j/k continue from there.
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("[data-list] [data-row]");
    if (!row) return;
    rows().forEach(function (r) { r.classList.toggle("is-current", r === row); });
  });

  // Apply form: three rows work without JS; "Add row" clones the last one, emptied.
  function renumber(row, n) {
    row.querySelectorAll("input, select").forEach(function (field) {
      var base = field.id.replace(/-\d+$/, "");
      var label = row.querySelector('label[for="' + field.id + '"]');
      field.id = base + "-" + n;
      if (label) {
        label.htmlFor = field.id;
        label.textContent = label.textContent.replace(/row \d+$/, "row " + (n + 1));
      }
      if (field.tagName === "SELECT") field.selectedIndex = 0; else field.value = "";
    });
  }

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var form = button.closest("form");
    var body = form && form.querySelector("[data-rows]");
    if (!body) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var all = body.querySelectorAll("[data-alloc-row]");
      var clone = all[all.length - 1].cloneNode(true);
      renumber(clone, all.length);
      body.appendChild(clone);
      clone.querySelector("input").focus();
    });
  });

  // After a redirect with a message, move focus to the message so it is read out.
  var flash = document.querySelector("[data-flash]");
  if (flash && !document.querySelector("[autofocus]")) {
    flash.setAttribute("tabindex", "-1");
    flash.focus({ preventScroll: false });
  }
})();
