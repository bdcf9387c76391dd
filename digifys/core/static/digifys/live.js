// Live updates: every element with data-live-socket="/ws/..." keeps a WebSocket open and, on
// each message, fires the htmx event "live-update" on itself (the element re-fetches its part
// of the page with hx-get ... hx-trigger="live-update"). After a dropped connection it
// reconnects with backoff and fires "live-update" once, so nothing missed in between is lost.
// While a socket stays down (Redis or the ASGI node gone) for longer than a blip, the page fires
// "live-update" on it every few seconds instead (polling) and says so in #live-notice; when every
// socket is back the notice goes and polling stops.
//
// Events named in the element's data-live-ignore are dropped. Before an event makes the element
// re-fetch, it is offered to the page as the DOM event "live-event" (cancelable, detail = the
// event): a script that applies it in place (e.g. the worklist's unread badges,
// messaging/unread_badges.js) cancels it and nothing is fetched.
// Re-fetches are coalesced per element: at most one every COALESCE_MS; events in between are
// folded into one trailing re-fetch, so a burst on a unit costs one fetch, not one per event.
(function () {
  "use strict";

  function connect(el, attempt) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + el.dataset.liveSocket);
    var pinger = null;
    setState(el, "connecting");

    socket.addEventListener("open", function () {
      setState(el, "open");
      if (attempt > 0) {
        fire(el, { event: "reconnected" });
      }
      attempt = 0;
      pinger = window.setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ type: "ping" }));
        }
      }, 25000);
    });

    socket.addEventListener("message", function (message) {
      var data;
      try {
        data = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (data.event === "pong") {
        return;
      }
      // Events the element says do not concern it (data-live-ignore="notification ..."): e.g.
      // the worklist's socket also hears its user's notifications, which its rows do not show.
      var ignored = (el.dataset.liveIgnore || "").split(" ");
      if (data.event && ignored.indexOf(data.event) !== -1) {
        return;
      }
      var offered = new CustomEvent("live-event", {
        detail: data,
        bubbles: true,
        cancelable: true,
      });
      if (!el.dispatchEvent(offered)) {
        el.dataset.liveLast = data.event || "";
        return; // applied in place: no re-fetch
      }
      fire(el, data);
    });

    socket.addEventListener("close", function (event) {
      window.clearInterval(pinger);
      if (!document.body.contains(el)) {
        return;
      }
      // 4401/4403: not logged in or not allowed; do not hammer the server.
      if (event.code === 4401 || event.code === 4403) {
        setState(el, "refused");
        return;
      }
      setState(el, "closed");
      var delay = Math.min(30000, 500 * Math.pow(2, attempt));
      window.setTimeout(function () {
        connect(el, attempt + 1);
      }, delay);
    });
    el._liveSocket = socket;
  }

  // A socket that has not been open this long counts as down: the page polls and says so.
  var GRACE_MS = 3000;
  var graceTimer = null;
  var pollTimer = null;

  function setState(el, state) {
    el.dataset.liveState = state;
    review();
  }

  function downElements() {
    var elements = document.querySelectorAll("[data-live-socket]");
    return Array.prototype.filter.call(elements, function (el) {
      var state = el.dataset.liveState;
      return state === "connecting" || state === "closed";
    });
  }

  function review() {
    if (downElements().length === 0) {
      window.clearTimeout(graceTimer);
      graceTimer = null;
      resume();
    } else if (pollTimer === null && graceTimer === null) {
      graceTimer = window.setTimeout(function () {
        graceTimer = null;
        if (downElements().length > 0) {
          pause();
        }
      }, GRACE_MS);
    }
  }

  function pause() {
    var notice = document.getElementById("live-notice");
    var seconds = notice ? parseInt(notice.dataset.pollSeconds, 10) : 0;
    if (!(seconds > 0)) {
      seconds = 20;
    }
    if (notice) {
      notice.textContent = notice.dataset.pausedText || "";
    }
    document.documentElement.dataset.livePolling = "1";
    pollTimer = window.setInterval(function () {
      downElements().forEach(function (el) {
        fire(el, { event: "poll" });
      });
    }, seconds * 1000);
  }

  function resume() {
    if (pollTimer !== null) {
      window.clearInterval(pollTimer);
      pollTimer = null;
    }
    delete document.documentElement.dataset.livePolling;
    var notice = document.getElementById("live-notice");
    if (notice && notice.textContent) {
      notice.textContent = "";
    }
  }

  var COALESCE_MS = 500;

  function fire(el, data) {
    if (el._liveTimer) {
      el._livePending = data; // a trailing re-fetch is already planned: fold this one into it
      return;
    }
    var wait = (el._liveFiredAt || 0) + COALESCE_MS - Date.now();
    if (wait <= 0) {
      trigger(el, data);
      return;
    }
    el._livePending = data;
    el._liveTimer = window.setTimeout(function () {
      el._liveTimer = null;
      trigger(el, el._livePending);
    }, wait);
  }

  function trigger(el, data) {
    el._liveFiredAt = Date.now();
    el.dataset.liveLast = data.event || "";
    if (window.htmx) {
      window.htmx.trigger(el, "live-update", data);
    } else {
      el.dispatchEvent(new CustomEvent("live-update", { detail: data }));
    }
  }

  function start(root) {
    var elements = (root || document).querySelectorAll("[data-live-socket]");
    Array.prototype.forEach.call(elements, function (el) {
      if (!el._liveSocket) {
        connect(el, 0);
      }
    });
  }

  // Requests the page makes on its own (a live refresh or a poll) are marked, so they do not
  // keep the session alive: an unattended tablet is still logged out after inactivity.
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    var type = trigger ? trigger.type : "";
    if (type === "" || type === "live-update" || type === "load") {
      event.detail.headers["X-Digifys-Background"] = "1";
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      start(document);
    });
  } else {
    start(document);
  }
})();
