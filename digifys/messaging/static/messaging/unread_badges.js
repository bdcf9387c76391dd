// The worklist's unread badges, set in place from the unit's live event (issue 13).
//
// A relative's message, or a nurse reading one, sends the unit's group the event
// {event: "relative_message", resident, unread, counted}: the resident's unread count after the
// change and when the server counted it (messaging/services.py). live.js offers each event as
// the DOM event "live-event"; when the resident's row is on the page, this script sets the row's
// badge and the unit's total from the count and cancels the event, so the rows are not fetched.
// Otherwise (the row is filtered out, the count is missing) it leaves the event to live.js, which
// fetches the rows as before. Texts come translated from the page (data-unread-*-one/-other,
// `{% unread_badge_texts %}`), the same msgids as the template's own badges. The rows' fetch
// every minute and after a reconnect still brings the server's full view.
(function () {
  "use strict";

  function text(container, name, count) {
    var form = count === 1 ? "one" : "other";
    var template = container.getAttribute("data-unread-" + name + "-" + form) || "{n}";
    return template.replace("{n}", String(count));
  }

  function count(element) {
    return element ? parseInt(element.dataset.unread, 10) || 0 : 0;
  }

  function setRowBadge(container, row, unread) {
    var badge = row.querySelector(".unread-badge");
    if (unread <= 0) {
      if (badge) {
        badge.remove();
      }
      return;
    }
    if (!badge) {
      var cell = row.querySelector("th.resident");
      var link = cell && cell.querySelector("a");
      if (!cell || !link) {
        return;
      }
      badge = document.createElement("a");
      badge.className = "badge msg-unread unread-badge";
      badge.href = link.getAttribute("href") + "#relative-messages";
      var age = cell.querySelector(".age");
      cell.insertBefore(badge, age ? age.nextSibling : link.nextSibling);
      cell.insertBefore(document.createTextNode(" "), badge);
    }
    badge.dataset.unread = String(unread);
    badge.textContent = text(container, "row", unread);
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " – " + (row.dataset.name || "");
    badge.appendChild(hidden);
  }

  function setTotal(container, total) {
    var badge = container.querySelector("#unread-messages");
    var paragraph = badge ? badge.closest(".worklist-messages") : null;
    if (total <= 0) {
      if (paragraph) {
        paragraph.remove();
      }
      return;
    }
    if (!badge) {
      paragraph = document.createElement("p");
      paragraph.className = "worklist-messages";
      var link = document.createElement("a");
      link.href = container.dataset.inboxUrl || "";
      badge = document.createElement("span");
      badge.className = "badge msg-unread";
      badge.id = "unread-messages";
      link.appendChild(badge);
      paragraph.appendChild(link);
      var filter = container.querySelector(".worklist-filter");
      container.insertBefore(paragraph, filter ? filter.nextSibling : container.firstChild);
    }
    badge.dataset.unread = String(total);
    badge.textContent = text(container, "total", total);
  }

  // True when the event was applied here (or is older than one already applied).
  function apply(container, data) {
    var row = container.querySelector('tr[data-resident="' + data.resident + '"]');
    if (!row) {
      return false;
    }
    var seen = (container._unreadCounted = container._unreadCounted || {});
    if (typeof data.counted === "number") {
      if (seen[data.resident] > data.counted) {
        return true; // a newer count of this resident has been applied already
      }
      seen[data.resident] = data.counted;
    }
    var before = count(row.querySelector(".unread-badge"));
    var total = count(container.querySelector("#unread-messages"));
    setRowBadge(container, row, data.unread);
    setTotal(container, total + data.unread - before);
    return true;
  }

  document.addEventListener("live-event", function (event) {
    var container = event.target;
    var data = event.detail || {};
    if (
      !container.hasAttribute ||
      !container.hasAttribute("data-badges-in-place") ||
      data.event !== "relative_message" ||
      typeof data.unread !== "number" ||
      typeof data.resident !== "number"
    ) {
      return;
    }
    if (apply(container, data)) {
      event.preventDefault();
    }
  });
})();
