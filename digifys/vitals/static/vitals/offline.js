/* Vital signs on a weak link (issue #17 §1), on the worklist and the vital-signs forms.
 *
 * - Registers the service worker (/sw.js) that keeps these pages and their files.
 * - Keeps the worklist's residents on the tablet (outbox.js "roster").
 * - With no connection, Save puts the set into the outbox with an idempotency key instead of
 *   posting it; online, the form posts as always, with a key so a double press saves once.
 * - Shows the NEWS2 preview computed here (news2.js, the server's table) when offline.
 * - Sends what waits on page load, when the link returns and every 30 seconds; shows what waits,
 *   what was refused (kept for follow-up) and what was sent, with the unit's response.
 */
(function () {
  "use strict";

  var panel = document.getElementById("outbox");
  if (!panel || !window.digifysOutbox || !window.indexedDB) return;
  var outbox = window.digifysOutbox;
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (text, values) {
    var i = 0;
    return text.replace(/%s/g, function () { return String(values[i++]); });
  };
  var user = panel.dataset.user;
  var lang = document.documentElement.lang || "sv";
  var numbers = new Intl.NumberFormat(lang);
  var clock = new Intl.DateTimeFormat(lang, {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Stockholm"
  });
  var KEEP_SENT_MS = 12 * 60 * 60 * 1000;
  var FIELDS = ["respiratory_rate", "spo2", "spo2_scale", "on_oxygen", "oxygen_flow", "oxygen_device",
    "fio2", "systolic_bp", "diastolic_bp", "pulse", "consciousness", "temperature", "weight",
    "blood_glucose", "pain", "note", "measured_at"];
  var problem = "";
  var syncing = false;

  if ("serviceWorker" in navigator && panel.dataset.worker) {
    navigator.serviceWorker.register(panel.dataset.worker, { scope: "/" }).catch(function () {});
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- The worklist kept on the tablet -------------------------------------------------------

  function keepRoster() {
    var rows = document.querySelectorAll("tr[data-resident]");
    if (!rows.length) return;
    var residents = Array.prototype.map.call(rows, function (row) {
      return { pk: Number(row.dataset.resident), name: row.dataset.name, room: row.dataset.room,
        worklist: location.pathname };
    });
    localStorage.setItem("digifys-worklist", location.pathname);
    outbox.keepRoster(residents).catch(function () {});
  }
  keepRoster();
  document.body.addEventListener("htmx:afterSwap", keepRoster);

  // --- The form ------------------------------------------------------------------------------

  var form = document.querySelector("form.vitals-form");
  var shell = Boolean(form && form.dataset.offlineShell);
  var residentPk = null;
  if (form) {
    var match = location.pathname.match(/^\/vitals\/(\d+)\/new\/$/);
    residentPk = Number(form.dataset.resident || (match && match[1]) || 0) || null;
  }
  var resident = form ? { pk: residentPk, name: form.dataset.name || "", room: form.dataset.room || "" } : null;

  function showShellResident() {
    var heading = document.getElementById("offline-resident");
    if (!heading) return Promise.resolve();
    if (!residentPk) {
      document.getElementById("offline-no-resident").hidden = false;
      form.style.display = "none";
      return Promise.resolve();
    }
    document.getElementById("offline-resident-part").hidden = false;
    return outbox.resident(residentPk).then(function (kept) {
      if (kept) {
        resident = kept;
        heading.textContent = kept.name + (kept.room ? " – " + interpolate(gettext("room %s"), [kept.room]) : "");
      } else {
        heading.textContent = gettext("A resident who is not on the worklist kept on this tablet. The entry is checked when it is sent.");
      }
    });
  }
  if (shell) showShellResident();

  function typedValues() {
    var values = {};
    FIELDS.forEach(function (name) {
      var field = form.elements[name];
      values[name] = field ? String(field.value || "").trim() : "";
    });
    return values;
  }

  function fieldLabel(name) {
    var label = form.querySelector('label[for="id_' + name + '"]') ||
      form.querySelector("#id_" + name + " > legend");
    return label ? label.textContent.trim() : name;
  }

  function newEntry(key, values) {
    return {
      key: key, user: user, resident: residentPk, name: resident.name, room: resident.room,
      values: values, savedAt: new Date().toISOString(), status: "waiting"
    };
  }

  function saveOnTablet() {
    var values = typedValues();
    var measured = FIELDS.some(function (name) {
      return ["spo2_scale", "note", "measured_at"].indexOf(name) === -1 && values[name] !== "";
    });
    var summary = document.getElementById("offline-form-message");
    if (!measured) {
      summary.textContent = gettext("Enter at least one vital sign.");
      summary.hidden = false;
      return;
    }
    var entry = newEntry(outbox.newKey(), values);
    outbox.put(entry).then(function () {
      sessionStorage.setItem("digifys-outbox-flash", interpolate(
        gettext("Saved on this tablet: %s. It is sent when the connection returns."), [entry.name || "–"]));
      var worklist = localStorage.getItem("digifys-worklist");
      if (worklist) {
        location.assign(worklist);
      } else {
        form.reset();
        showFlash();
        render();
      }
    }).catch(function () {
      summary.textContent = gettext("The tablet could not keep the entry. Nothing was saved; write the values down.");
      summary.hidden = false;
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!shell && navigator.onLine) {
        // Online: the form posts as always, with a key that makes a second press of Save
        // harmless. A copy waits in the outbox first: if the link dies during the post (the
        // browser believes it is online on a weak link), the copy is sent later under the same
        // key; if the post arrives, that later send finds it saved and the copy goes quietly.
        var key = form.elements.idempotency_key;
        if (!key) return;
        event.preventDefault();
        if (!key.value) key.value = outbox.newKey();
        var copy = newEntry(key.value, typedValues());
        copy.viaForm = true;
        outbox.put(copy).catch(function () {}).then(function () { form.submit(); });
        return;
      }
      event.preventDefault();
      saveOnTablet();
    });
  }

  // --- The NEWS2 preview computed on the tablet ------------------------------------------------

  var tableNode = document.getElementById("news2-table");
  var client = tableNode ? JSON.parse(tableNode.textContent) : null;
  var BANDS = {
    "low": gettext("Low risk"),
    "low-medium": gettext("Low–medium risk"),
    "medium": gettext("Medium risk"),
    "high": gettext("High risk")
  };

  function localPreview() {
    if (!form || !client || (navigator.onLine && !shell)) return;
    var target = document.getElementById("news2-preview");
    var typed = typedValues();
    var outcome = window.digifysNews2.scoreTyped(client.table, client.limits, typed);
    target.textContent = "";
    var entered = window.digifysNews2.NEWS2_FIELDS.some(function (name) { return typed[name]; });
    if (!entered) {
      target.appendChild(el("p", "muted", gettext("The NEWS2 score appears here as you type.")));
    } else if (outcome.errors.length) {
      target.appendChild(el("p", "field-error", gettext("Check these values:")));
      var list = el("ul", "vitals-preview-errors");
      outcome.errors.forEach(function (name) { list.appendChild(el("li", "", fieldLabel(name))); });
      target.appendChild(list);
    } else if (outcome.result.total !== null) {
      var badge = el("span", "news2-badge news2-" + outcome.result.band);
      badge.appendChild(el("span", "news2-label", "NEWS2"));
      badge.appendChild(document.createTextNode(" "));
      badge.appendChild(el("span", "news2-total", numbers.format(outcome.result.total)));
      badge.appendChild(document.createTextNode(" "));
      badge.appendChild(el("span", "news2-band", BANDS[outcome.result.band]));
      var line = el("p");
      line.appendChild(badge);
      target.appendChild(line);
      if (outcome.result.red_flag) target.appendChild(el("p", "", gettext("A single parameter scored 3.")));
    } else {
      if (outcome.result.red_flag) {
        target.appendChild(el("p", "vitals-partial-red", gettext("Incomplete – single-parameter red score")));
      }
      target.appendChild(el("p", "", gettext("No NEWS2 total until all seven NEWS2 values are entered.")));
    }
    target.appendChild(el("p", "muted vitals-fineprint",
      gettext("Computed on this tablet with no connection; the server scores the entry again when it is sent.")));
  }
  if (form) {
    form.addEventListener("input", localPreview);
    form.addEventListener("change", localPreview);
  }

  // --- Sending -------------------------------------------------------------------------------

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  function send(entry) {
    return fetch(panel.dataset.sync, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ key: entry.key, resident: entry.resident, values: entry.values, saved_at: entry.savedAt })
    });
  }

  async function syncAll() {
    if (syncing) return;
    syncing = true;
    try {
      var entries = (await outbox.all()).filter(function (entry) {
        return entry.user === user && entry.status === "waiting";
      }).sort(function (a, b) { return a.savedAt < b.savedAt ? -1 : 1; });
      if (entries.length) problem = "";
      for (var i = 0; i < entries.length; i++) {
        var entry = entries[i];
        var response;
        try {
          response = await send(entry);
        } catch (error) {
          problem = "offline";
          break;
        }
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") === -1) {
          problem = "login";
          break;
        }
        var answer = await response.json();
        if (response.ok && entry.viaForm && answer.status === "already_saved") {
          // The form's own post arrived: the nurse has seen its result page.
          await outbox.remove(entry.key);
          continue;
        }
        if (response.ok) {
          entry.status = "sent";
          entry.sentAt = new Date().toISOString();
          entry.html = answer.html;
          entry.url = answer.url;
          entry.call112 = answer.call_112;
          entry.needsAction = answer.needs_action;
          entry.values = {};  // the server has them now; the tablet keeps no more than it shows
        } else if (answer.status === "refused") {
          entry.status = "refused";
          entry.message = answer.message;
          entry.errors = answer.errors || [];
        } else {
          problem = "server";
          break;
        }
        await outbox.put(entry);
        await render();
      }
    } catch (error) {
      problem = "server";
    } finally {
      syncing = false;
      await render();
    }
  }

  // --- What the nurse sees -------------------------------------------------------------------

  function showFlash() {
    var text = sessionStorage.getItem("digifys-outbox-flash");
    var node = document.getElementById("outbox-flash");
    if (text && node) {
      node.textContent = text;
      node.hidden = false;
      sessionStorage.removeItem("digifys-outbox-flash");
    }
  }

  function who(entry) {
    return (entry.name || "–") + (entry.room ? " (" + interpolate(gettext("room %s"), [entry.room]) + ")" : "");
  }

  var LABELS = {
    respiratory_rate: gettext("Respiration rate"), spo2: gettext("SpO2"),
    spo2_scale: gettext("SpO2 scale"), on_oxygen: gettext("Air or oxygen"),
    oxygen_flow: gettext("Oxygen flow"), oxygen_device: gettext("Oxygen device"), fio2: gettext("FiO2"),
    systolic_bp: gettext("Systolic blood pressure"), diastolic_bp: gettext("Diastolic blood pressure"),
    pulse: gettext("Pulse"), consciousness: gettext("Consciousness (ACVPU)"),
    temperature: gettext("Temperature"), weight: gettext("Weight"), blood_glucose: gettext("Blood glucose"),
    pain: gettext("Pain"), note: gettext("Note"), measured_at: gettext("Measured at")
  };
  var CHOICES = { air: gettext("Air"), oxygen: gettext("Oxygen") };

  // The values as typed, with their labels, so a refused entry can be passed on by hand.
  function valuesText(values) {
    return FIELDS.filter(function (name) { return values[name]; }).map(function (name) {
      return LABELS[name] + " " + (CHOICES[values[name]] || values[name]);
    }).join(", ");
  }

  async function render() {
    var entries = await outbox.all();
    var now = Date.now();
    var mine = entries.filter(function (entry) { return entry.user === user; });
    var stale = mine.filter(function (entry) {
      return entry.status === "sent" && now - Date.parse(entry.sentAt) > KEEP_SENT_MS;
    });
    await Promise.all(stale.map(function (entry) { return outbox.remove(entry.key); }));
    mine = mine.filter(function (entry) { return stale.indexOf(entry) === -1; });
    var waiting = mine.filter(function (e) { return e.status === "waiting"; });
    var refused = mine.filter(function (e) { return e.status === "refused"; });
    var sent = mine.filter(function (e) { return e.status === "sent"; })
      .sort(function (a, b) { return a.sentAt < b.sentAt ? 1 : -1; });
    var others = entries.filter(function (e) { return e.user !== user && e.status === "waiting"; });

    document.getElementById("outbox-connection").textContent = navigator.onLine ? "" :
      gettext("No connection. Vital signs you save are kept on this tablet and sent when the connection returns.");
    var count = document.getElementById("outbox-waiting");
    count.textContent = waiting.length ? interpolate(ngettext(
      "%s measurement is waiting to be sent", "%s measurements are waiting to be sent", waiting.length),
      [numbers.format(waiting.length)]) : gettext("Nothing is waiting to be sent.");
    var problems = {
      "offline": gettext("Not sent yet: no connection. The tablet tries again by itself."),
      "login": gettext("Not sent yet: log in again, then the entries are sent by themselves."),
      "server": gettext("Not sent yet: the server did not answer. The tablet tries again by itself.")
    };
    document.getElementById("outbox-problem").textContent = waiting.length && problem ? problems[problem] : "";
    document.getElementById("outbox-others").textContent = others.length ? interpolate(ngettext(
      "%s measurement saved by another user waits until they log in on this tablet.",
      "%s measurements saved by another user wait until they log in on this tablet.", others.length),
      [numbers.format(others.length)]) : "";
    document.getElementById("outbox-send").hidden = !waiting.length;

    var waitingList = document.getElementById("outbox-waiting-list");
    waitingList.textContent = "";
    waiting.forEach(function (entry) {
      waitingList.appendChild(el("li", "", interpolate(gettext("%s – saved %s"), [who(entry), clock.format(new Date(entry.savedAt))])));
    });

    var refusedBox = document.getElementById("outbox-refused");
    var refusedList = document.getElementById("outbox-refused-list");
    refusedBox.hidden = !refused.length;
    refusedList.textContent = "";
    refused.forEach(function (entry) {
      var item = el("li", "outbox-refused-item");
      item.appendChild(el("p", "", interpolate(gettext("%s – saved %s"), [who(entry), clock.format(new Date(entry.savedAt))])));
      item.appendChild(el("p", "field-error", entry.message));
      (entry.errors || []).forEach(function (error) { item.appendChild(el("p", "field-error", error)); });
      item.appendChild(el("p", "muted", interpolate(gettext("Values: %s"), [valuesText(entry.values || {})])));
      var remove = el("button", "button-secondary", gettext("Remove from this tablet"));
      remove.type = "button";
      remove.addEventListener("click", function () {
        if (window.confirm(interpolate(gettext("Remove the entry for %s from this tablet? Its values are lost unless you have passed them on."), [who(entry)]))) {
          outbox.remove(entry.key).then(render);
        }
      });
      item.appendChild(remove);
      refusedList.appendChild(item);
    });

    var sentBox = document.getElementById("outbox-sent");
    var sentList = document.getElementById("outbox-sent-list");
    sentBox.hidden = !sent.length;
    document.getElementById("outbox-sent-count").textContent = interpolate(ngettext(
      "%s measurement sent", "%s measurements sent", sent.length), [numbers.format(sent.length)]);
    // Entries whose response asks for action (call 112, send an SBAR) stay in sight; the routine
    // ones fold under one line, so that twenty synced entries do not bury the two that matter.
    var act = sent.filter(function (e) { return e.needsAction || e.call112; });
    var routine = sent.filter(function (e) { return act.indexOf(e) === -1; });
    var moreBox = document.getElementById("outbox-sent-more");
    var moreList = document.getElementById("outbox-sent-more-list");
    sentList.textContent = "";
    moreList.textContent = "";
    function item(entry) {
      var li = el("li", "outbox-sent-item" + (entry.call112 ? " outbox-call-112" : ""));
      li.innerHTML = entry.html;  // rendered and escaped by the server (vitals/_synced.html)
      return li;
    }
    act.forEach(function (entry) { sentList.appendChild(item(entry)); });
    routine.forEach(function (entry) { moreList.appendChild(item(entry)); });
    sentList.hidden = !act.length;
    moreBox.hidden = !routine.length;
    // Few entries: nothing to fold away; once the nurse opens or closes the list, it stays so.
    if (!moreBox.dataset.touched) { moreBox.open = sent.length <= 3; }
    document.getElementById("outbox-sent-more-count").textContent = interpolate(ngettext(
      "%s measurement sent that needs nothing beyond the routine",
      "%s measurements sent that need nothing beyond the routine",
      routine.length), [numbers.format(routine.length)]);
    panel.hidden = false;
  }

  document.getElementById("outbox-send").addEventListener("click", syncAll);
  document.querySelector("#outbox-sent-more > summary").addEventListener("click", function () {
    document.getElementById("outbox-sent-more").dataset.touched = "1";
  });
  window.addEventListener("online", function () { render(); syncAll(); });
  window.addEventListener("offline", render);
  setInterval(function () { if (navigator.onLine) syncAll(); }, 30000);
  // The server answered the form's post with its errors: its copy in the outbox is not needed.
  var answered = form && !shell && document.getElementById("error-summary") && form.elements.idempotency_key;
  var ready = answered && answered.value ? outbox.remove(answered.value) : Promise.resolve();
  showFlash();
  ready.then(render).then(function () { if (navigator.onLine) syncAll(); });
  if (form) localPreview();
})();
