// Data tables that do not fit their width become stacked cards: one card per row, each cell
// under the name of its column (issue 12 §2: nothing scrolls sideways on a phone or a tablet).
//
// Every data table sits in the wrapper of {% tablewrap %} (digifys/core/templatetags/tables.py):
// a named region that keyboard users can focus and scroll. Without this script a table that
// does not fit scrolls inside that region. With it, each cell gets data-label (its column
// header) and the wrapper gets the class "stacked" exactly while the table would overflow; a
// ResizeObserver re-decides when the wrapper's width changes (rotation, zoom, a <details>
// opening) and htmx swaps (live updates) re-label the new rows.
(function () {
  "use strict";

  var each = function (list, callback) {
    Array.prototype.forEach.call(list, callback);
  };

  // The visible text of the last header row, one entry per column (colspan repeats it).
  function columnNames(table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    var names = [];
    if (!head) {
      return names;
    }
    each(head.cells, function (cell) {
      var copy = cell.cloneNode(true);
      each(copy.querySelectorAll(".visually-hidden"), function (hidden) {
        hidden.remove();
      });
      var text = copy.textContent.replace(/\s+/g, " ").trim();
      for (var i = 0; i < (cell.colSpan || 1); i += 1) {
        names.push(text);
      }
    });
    return names;
  }

  // Label the cells and state the table roles explicitly: "display: block" on table parts
  // must not take the table's semantics away from screen readers. A table without column
  // headers still stacks, its cells unlabelled.
  function label(table) {
    var names = columnNames(table);
    table.setAttribute("role", "table");
    each(table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot"), function (group) {
      group.setAttribute("role", "rowgroup");
    });
    each(table.rows, function (row) {
      row.setAttribute("role", "row");
      var column = 0;
      each(row.cells, function (cell) {
        if (cell.tagName === "TD") {
          cell.setAttribute("role", "cell");
        } else {
          var inHead = cell.parentNode.parentNode.tagName === "THEAD";
          cell.setAttribute("role", inHead || cell.scope === "col" ? "columnheader" : "rowheader");
        }
        if (names[column] && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", names[column]);
        }
        column += cell.colSpan || 1;
      });
    });
  }

  function fit(wrap) {
    wrap.classList.remove("stacked");
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.classList.add("stacked");
    }
  }

  var observer = window.ResizeObserver
    ? new window.ResizeObserver(function (entries) {
        entries.forEach(function (entry) {
          var width = Math.round(entry.contentRect.width);
          if (entry.target.dataset.fitWidth !== String(width)) {
            entry.target.dataset.fitWidth = String(width);
            fit(entry.target);
          }
        });
      })
    : null;

  function setUp(wrap) {
    var table = wrap.querySelector("table");
    if (!table) {
      return;
    }
    label(table);
    fit(wrap);
    if (observer) {
      observer.observe(wrap);
    }
  }

  function setUpWithin(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    var around = root.closest && root.closest(".table-wrap");
    if (around) {
      setUp(around);
    }
    each(root.querySelectorAll(".table-wrap"), setUp);
  }

  setUpWithin(document.body);
  // htmx fires htmx:load on every piece of content it swaps in (live updates, searches).
  document.addEventListener("htmx:load", function (event) {
    setUpWithin(event.detail && event.detail.elt);
  });
  if (!observer) {
    window.addEventListener("resize", function () {
      each(document.querySelectorAll(".table-wrap"), fit);
    });
  }
})();
