// Video room client: lobby with camera/microphone check, waiting room, host's admit list, the
// room's text chat and either a WebRTC mesh (one RTCPeerConnection per other participant, up to
// 4 in a room) signalled over the room's WebSocket, or — in larger rooms (family meetings) — the
// SFU: one published stream and one subscription per other participant on Janus's VideoRoom
// (the frames are listed in visits/consumers.py; docs/operations.md "Janus").
// Built for weak rural links: low-bandwidth mode, automatic audio-only fallback when the
// bandwidth estimate stays low, ICE restart after a blip, WebSocket reconnect without reload,
// and a one-click way on to the consult's message thread when video fails entirely.
// No inline handlers and no eval: the page's CSP allows scripts from 'self' only.
(function () {
  "use strict";

  var root = document.getElementById("call");
  if (!root || root.dataset.callStarted) {
    return;
  }
  root.dataset.callStarted = "1";

  // ---------------------------------------------------------------- strings
  // Translated by the server: a JSON block `#call-strings` {msgid: text}, or Django's JavaScript
  // catalog (window.gettext) when loaded; the English msgid otherwise.
  var catalog = {};
  var stringsBlock = document.getElementById("call-strings");
  if (stringsBlock) {
    try {
      catalog = JSON.parse(stringsBlock.textContent) || {};
    } catch (error) {
      catalog = {};
    }
  }
  // Named gettext so that `makemessages -d djangojs` finds the strings.
  function gettext(msgid) {
    if (Object.prototype.hasOwnProperty.call(catalog, msgid)) {
      return catalog[msgid];
    }
    if (typeof window.gettext === "function") {
      return window.gettext(msgid);
    }
    return msgid;
  }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  // ---------------------------------------------------------------- settings
  var LOW_PARAMS = { maxBitrate: 200000, scaleResolutionDownBy: 2, maxFramerate: 12 };
  var STATS_EVERY_MS = 2000;
  var LOW_ESTIMATE_BPS = 300000; // normal -> low-bandwidth mode below this
  var AUDIO_ONLY_ESTIMATE_BPS = 120000; // -> audio only below this
  var LOW_SAMPLES = 3; // consecutive samples (3 x 2 s = 6 s)
  var DISCONNECTED_RESTART_MS = 3000;
  var LEFT_GRACE_MS = 10000; // keep a peer's media after its socket dropped, it may come back
  var FINAL_CLOSE_CODES = { 4401: "unauthorised", 4403: "forbidden", 4404: "missing", 4409: "closed" };

  var config = {
    room: root.dataset.room,
    socketPath: root.dataset.socket,
    iceUrl: root.dataset.iceUrl,
    host: root.dataset.host === "true",
    selfName: root.dataset.selfName || "",
    threadUrl: root.dataset.threadUrl || "",
    lowBandwidth: root.dataset.lowBandwidth === "true",
  };

  // ---------------------------------------------------------------- state
  var state = {
    status: "starting", // starting|lobby|connecting|waiting|admitted|left|ended|removed|refused|failed
    self: null,
    mode: config.lowBandwidth ? "low" : "normal", // normal|low|audio
    modeBeforeAudio: config.lowBandwidth ? "low" : "normal",
    audioOn: true,
    videoOn: true,
    autoAudioOnly: false,
    socket: null,
    socketState: "closed",
    reconnects: 0,
    reconnectTimer: null,
    iceServers: [],
    localStream: null,
    hasAudio: false,
    hasVideo: false,
    waiting: [],
    quality: "good",
  };
  var peers = new Map(); // participant id (string) -> peer
  var known = new Map(); // participant id (string) -> {id, name, role} from the server's lists

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) {
          return;
        }
        if (key === "text") {
          node.textContent = value;
        } else if (key === "className") {
          node.className = value;
        } else if (key.indexOf("on") === 0 && typeof value === "function") {
          node.addEventListener(key.slice(2), value);
        } else if (value === true) {
          node.setAttribute(key, "");
        } else {
          node.setAttribute(key, value);
        }
      });
    }
    (children || []).forEach(function (child) {
      if (child) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function threadLink(prominent) {
    if (!config.threadUrl) {
      return null;
    }
    return el("a", {
      href: config.threadUrl,
      className: prominent ? "button call-thread-link" : "call-thread-link",
      text: gettext("Continue in the message thread"),
    });
  }

  // ---------------------------------------------------------------- layout
  var ui = {};
  ui.notice = el("div", { className: "call-notice", role: "status", "aria-live": "polite" });
  ui.alert = el("div", { className: "call-alert", role: "alert" });
  ui.lobby = el("section", { className: "call-lobby", "aria-labelledby": "call-lobby-title" });
  ui.waitingRoom = el("section", { className: "call-waiting-room", hidden: true });
  ui.stage = el("section", { className: "call-stage", hidden: true, "aria-label": gettext("Video call") });
  ui.remotes = el("div", { className: "call-remotes", id: "call-remotes" });
  ui.selfTile = el("figure", { className: "call-tile call-self" });
  ui.selfVideo = el("video", { autoplay: true, playsinline: true, muted: true, className: "call-video" });
  ui.selfVideo.muted = true;
  ui.selfTile.appendChild(ui.selfVideo);
  ui.selfTile.appendChild(el("figcaption", { text: gettext("You") }));
  ui.admitList = el("section", {
    className: "call-admit",
    hidden: true,
    "aria-labelledby": "call-admit-title",
  });
  ui.controls = el("div", { className: "call-controls", role: "toolbar", "aria-label": gettext("Call controls") });
  ui.quality = el("p", { className: "call-quality", "aria-live": "polite" });
  ui.ended = el("section", { className: "call-ended", hidden: true });

  function button(id, label, handler, extra) {
    var attrs = { type: "button", id: id, text: label, onclick: handler };
    Object.keys(extra || {}).forEach(function (key) {
      attrs[key] = extra[key];
    });
    return el("button", attrs);
  }

  // Lobby: camera/microphone check and the low-bandwidth choice before joining.
  ui.lobbyPreview = el("video", { autoplay: true, playsinline: true, muted: true, className: "call-video" });
  ui.lobbyPreview.muted = true;
  ui.micMeter = el("meter", { id: "call-mic-level", min: "0", max: "1", value: "0" });
  ui.lobbyDevices = el("p", { className: "call-devices" });
  ui.lowChoice = el("input", { type: "checkbox", id: "call-low-choice" });
  ui.lowChoice.checked = state.mode === "low";
  ui.joinButton = button("call-join", gettext("Join the call"), join, { disabled: true });
  ui.lobby.appendChild(el("h2", { id: "call-lobby-title", text: gettext("Check your camera and microphone") }));
  ui.lobby.appendChild(el("div", { className: "call-preview" }, [ui.lobbyPreview]));
  ui.lobby.appendChild(el("p", { className: "call-mic" }, [
    el("label", { for: "call-mic-level", text: gettext("Microphone level") }),
    " ",
    ui.micMeter,
  ]));
  ui.lobby.appendChild(ui.lobbyDevices);
  ui.lobby.appendChild(el("p", { className: "call-low-choice" }, [
    ui.lowChoice,
    " ",
    el("label", { for: "call-low-choice", text: gettext("Low-bandwidth mode (weak connection)") }),
  ]));
  ui.lobby.appendChild(ui.joinButton);

  ui.waitingRoom.appendChild(el("h2", { text: gettext("Waiting for the physician to let you in") }));
  ui.waitingRoom.appendChild(el("p", { text: gettext("Please stay on this page. You will join the call as soon as you are admitted.") }));

  // Controls.
  ui.muteButton = button("call-mute", gettext("Mute"), toggleAudio, { "aria-pressed": "false" });
  ui.cameraButton = button("call-camera", gettext("Turn camera off"), toggleVideo, { "aria-pressed": "false" });
  ui.lowButton = button("call-low", gettext("Low-bandwidth mode"), toggleLow, { "aria-pressed": "false" });
  ui.videoAgainButton = button("call-video-again", gettext("Try video again"), tryVideoAgain, { hidden: true });
  ui.leaveButton = button("call-leave", gettext("Leave"), leave, { className: "button-secondary" });
  ui.endButton = button("call-end", gettext("End the visit for everyone"), askEnd, { hidden: !config.host });
  ui.endConfirm = el("div", { className: "call-end-confirm", hidden: true, role: "group", "aria-labelledby": "call-end-question" }, [
    el("p", { id: "call-end-question", text: gettext("End the visit for everyone? Nobody can join again.") }),
    button("call-end-yes", gettext("Yes, end the visit"), endRoom),
    button("call-end-no", gettext("Cancel"), cancelEnd, { className: "button-secondary" }),
  ]);
  [ui.muteButton, ui.cameraButton, ui.lowButton, ui.videoAgainButton, ui.leaveButton, ui.endButton].forEach(function (node) {
    ui.controls.appendChild(node);
  });
  var controlsThread = threadLink(false);
  if (controlsThread) {
    ui.controls.appendChild(controlsThread);
  }

  ui.stage.appendChild(ui.remotes);
  ui.stage.appendChild(ui.selfTile);
  ui.stage.appendChild(ui.quality);
  ui.stage.appendChild(ui.controls);
  ui.stage.appendChild(ui.endConfirm);

  root.textContent = "";
  root.classList.add("call");
  [ui.alert, ui.notice, ui.lobby, ui.waitingRoom, ui.admitList, ui.stage, ui.ended].forEach(function (node) {
    root.appendChild(node);
  });

  function show(section) {
    [ui.lobby, ui.waitingRoom, ui.stage, ui.ended].forEach(function (node) {
      node.hidden = node !== section;
    });
  }

  function notify(text) {
    ui.notice.textContent = text || "";
  }

  function alertUser(text, withThread) {
    ui.alert.textContent = "";
    if (!text) {
      return;
    }
    ui.alert.appendChild(el("p", { text: text }));
    var link = withThread ? threadLink(true) : null;
    if (link) {
      ui.alert.appendChild(link);
    }
  }

  function finish(status, text) {
    state.status = status;
    notify("");
    alertUser("", false);
    stopStatsLoop();
    stopSfu();
    peers.forEach(function (peer) {
      closePeer(peer);
    });
    peers.clear();
    if (state.localStream) {
      state.localStream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    clearTimeout(state.reconnectTimer);
    if (state.socket && state.socket.readyState <= 1) {
      state.socket.close(1000);
    }
    ui.admitList.hidden = true;
    ui.ended.textContent = "";
    ui.ended.appendChild(el("h2", { text: text }));
    var link = threadLink(true);
    if (link) {
      ui.ended.appendChild(el("p", {}, [link]));
    }
    show(ui.ended);
    root.dataset.status = status;
  }

  // ---------------------------------------------------------------- media
  function startMedia() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.resolve(null);
    }
    var video = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } };
    return navigator.mediaDevices
      .getUserMedia({ audio: true, video: video })
      .catch(function () {
        // Camera missing, busy or refused: continue with the microphone alone.
        return navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      })
      .catch(function () {
        return null;
      });
  }

  function meterMicrophone(stream) {
    var AudioCtx = window.AudioContext || window.webkitAudioContext;
    if (!AudioCtx || !stream || !stream.getAudioTracks().length) {
      return;
    }
    try {
      var context = new AudioCtx();
      var analyser = context.createAnalyser();
      analyser.fftSize = 256;
      context.createMediaStreamSource(stream).connect(analyser);
      var samples = new Uint8Array(analyser.fftSize);
      var timer = setInterval(function () {
        if (ui.lobby.hidden) {
          clearInterval(timer);
          context.close();
          return;
        }
        analyser.getByteTimeDomainData(samples);
        var peak = 0;
        for (var i = 0; i < samples.length; i++) {
          peak = Math.max(peak, Math.abs(samples[i] - 128) / 128);
        }
        ui.micMeter.value = peak;
      }, 150);
    } catch (error) {
      // No level meter is no reason not to call.
    }
  }

  function localTrack(kind) {
    if (!state.localStream) {
      return null;
    }
    var tracks = kind === "audio" ? state.localStream.getAudioTracks() : state.localStream.getVideoTracks();
    return tracks.length ? tracks[0] : null;
  }

  // The track each peer's sender should carry now (null: send nothing of that kind).
  function wantedTrack(kind) {
    if (kind === "video" && (!state.videoOn || state.mode === "audio")) {
      return null;
    }
    return localTrack(kind);
  }

  function fetchIceServers() {
    if (!config.iceUrl) {
      return Promise.resolve([]);
    }
    return fetch(config.iceUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { iceServers: [] };
      })
      .then(function (body) {
        return Array.isArray(body.iceServers) ? body.iceServers : [];
      })
      .catch(function () {
        return [];
      });
  }

  // ---------------------------------------------------------------- socket
  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + config.socketPath;
  }

  function send(message) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  function connectSocket() {
    var socket = new WebSocket(socketUrl());
    state.socket = socket;
    state.socketState = "connecting";
    socket.addEventListener("open", function () {
      if (state.socket !== socket) {
        return;
      }
      state.socketState = "open";
      if (state.reconnects > 0) {
        notify(gettext("Connection restored."));
      }
      send({ type: "hello" });
    });
    socket.addEventListener("message", function (event) {
      if (state.socket !== socket) {
        return;
      }
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      handleMessage(message);
    });
    socket.addEventListener("close", function (event) {
      if (state.socket !== socket) {
        return;
      }
      state.socketState = "closed";
      onSocketClosed(event.code);
    });
  }

  function onSocketClosed(code) {
    if (["left", "ended", "removed", "refused", "failed"].indexOf(state.status) !== -1) {
      return;
    }
    if (FINAL_CLOSE_CODES[code]) {
      var texts = {
        4401: gettext("Your session has expired. Please open the invitation or log in again."),
        4403: gettext("You are not invited to this video visit."),
        4404: gettext("This video visit does not exist."),
        4409: gettext("This video visit is not open. It may have ended or not started yet."),
      };
      finish(code === 4409 ? "ended" : "refused", texts[code]);
      return;
    }
    // A network blip: peer connections keep their media; reconnect with backoff and re-hello.
    var attempt = state.reconnects;
    state.reconnects += 1;
    var delay = Math.min(10000, 400 * Math.pow(2, attempt)) * (0.75 + Math.random() * 0.5);
    notify(gettext("Connection to the server lost. Reconnecting…"));
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(connectSocket, delay);
  }

  // ---------------------------------------------------------------- messages
  function handleMessage(message) {
    switch (message.type) {
      case "welcome":
        onWelcome(message);
        break;
      case "waiting":
        renderWaiting(message.participants || []);
        break;
      case "admitted":
        onAdmitted(message.participants || [], message.sfu);
        break;
      case "chat":
        onChat(message);
        break;
      case "joined":
        onJoined(message.participant);
        break;
      case "left":
        onLeft(message.participant);
        break;
      case "signal":
        onSignal(message.from, message.data || {});
        break;
      case "state":
        onRemoteState(message);
        break;
      case "removed":
        finish("removed", gettext("The physician removed you from the video visit."));
        break;
      case "ended":
        finish("ended", gettext("The video visit has ended."));
        break;
      case "error":
        if (message.code === "closed") {
          finish("ended", message.message || gettext("This video visit is not open. It may have ended or not started yet."));
        } else if (message.message) {
          alertUser(message.message, false);
        }
        break;
      default:
        break;
    }
  }

  function onWelcome(message) {
    state.self = message.self || state.self;
    state.reconnects = 0;
    if (state.self && state.self.host) {
      config.host = true;
      ui.endButton.hidden = false;
    }
    if (message.status === "admitted") {
      enterCall(message.participants || [], true, message.sfu);
    } else {
      state.status = "waiting";
      root.dataset.status = "waiting";
      show(ui.waitingRoom);
    }
  }

  function onAdmitted(participants, sfuInfo) {
    enterCall(participants, true, sfuInfo);
  }

  // We are in: offer to everybody listed (the newcomer offers, so no glare on first contact).
  function enterCall(participants, offer, sfuInfo) {
    var wasAdmitted = state.status === "admitted";
    state.status = "admitted";
    root.dataset.status = "admitted";
    show(ui.stage);
    attachSelfView();
    startStatsLoop();
    if (!wasAdmitted) {
      notify(gettext("You are in the call."));
    }
    if (sfuInfo) {
      // A large room: media goes through the video server (Janus), not browser to browser.
      participants.forEach(function (info) {
        known.set(String(info.id), info);
        var peer = peers.get(String(info.id));
        if (peer) {
          peer.info = info;
          keepPeer(peer);
          updateTileName(peer);
        }
      });
      startSfu(sfuInfo);
      sendState();
      return;
    }
    var listed = new Set();
    participants.forEach(function (info) {
      var id = String(info.id);
      known.set(id, info);
      listed.add(id);
      var peer = peers.get(id);
      if (peer) {
        peer.info = info;
        keepPeer(peer);
        // Reconnect: our media may still flow; restart ICE so both sides re-check the path
        // and the other side learns (through the offer) that we are back.
        if (offer) {
          renegotiate(peer, true);
        }
      } else if (offer) {
        peer = createPeer(info, true);
      }
    });
    peers.forEach(function (peer, id) {
      if (!listed.has(id) && !peer.leftTimer) {
        dropPeer(peer);
      }
    });
    sendState();
  }

  function onJoined(info) {
    if (!info) {
      return;
    }
    known.set(String(info.id), info);
    var peer = peers.get(String(info.id));
    if (peer) {
      peer.info = info;
      keepPeer(peer);
      updateTileName(peer);
    }
    // Otherwise wait for the newcomer's offer; the tile appears with it.
    notify(fmt(gettext("%(name)s joined the call."), { name: info.name || "" }));
    sendState();
  }

  function onLeft(id) {
    var peer = peers.get(String(id));
    if (!peer) {
      return;
    }
    var name = peer.info.name || "";
    notify(fmt(gettext("%(name)s left the call."), { name: name }));
    if (peer.sfu) {
      return; // the video server tells when their media stops
    }
    var connected = peer.pc.connectionState === "connected";
    if (connected && !peer.leftTimer) {
      // Maybe only their socket dropped: keep the media for a while, they may come back.
      peer.tile.classList.add("call-tile-away");
      peer.leftTimer = setTimeout(function () {
        dropPeer(peer);
      }, LEFT_GRACE_MS);
    } else {
      dropPeer(peer);
    }
  }

  function keepPeer(peer) {
    if (peer.leftTimer) {
      clearTimeout(peer.leftTimer);
      peer.leftTimer = null;
      peer.tile.classList.remove("call-tile-away");
    }
  }

  function onRemoteState(message) {
    var peer = peers.get(String(message.participant));
    if (!peer) {
      return;
    }
    peer.remoteState = message;
    var flags = [];
    if (message.audio === false) {
      flags.push(gettext("muted"));
    }
    if (message.video === false || message.mode === "audio") {
      flags.push(gettext("camera off"));
    }
    peer.flags.textContent = flags.length ? " (" + flags.join(", ") + ")" : "";
  }

  function sendState() {
    send({
      type: "state",
      audio: state.audioOn && state.hasAudio,
      video: state.videoOn && state.hasVideo && state.mode !== "audio",
      quality: state.quality,
      mode: state.mode,
    });
  }

  // ---------------------------------------------------------------- waiting list (host)
  function kindLabel(kind) {
    var labels = {
      relative: gettext("relative"),
      interpreter: gettext("interpreter"),
      nurse: gettext("nurse"),
      staff: gettext("staff"),
      guest: gettext("guest"),
    };
    return labels[kind] || kind || "";
  }

  function renderWaiting(list) {
    state.waiting = list;
    ui.admitList.textContent = "";
    if (!config.host && !(state.self && state.self.host)) {
      ui.admitList.hidden = true;
      return;
    }
    ui.admitList.hidden = list.length === 0;
    ui.admitList.appendChild(el("h2", { id: "call-admit-title", text: gettext("Waiting to join") }));
    var items = el("ul", { className: "call-admit-list" });
    list.forEach(function (person) {
      var label = person.name + (person.kind ? " (" + kindLabel(person.kind) + ")" : "");
      items.appendChild(
        el("li", { "data-participant": String(person.id) }, [
          el("span", { className: "call-admit-name", text: label }),
          " ",
          el("button", {
            type: "button",
            className: "call-admit-button",
            "aria-label": fmt(gettext("Admit %(name)s"), { name: person.name }),
            text: gettext("Admit"),
            onclick: function () {
              send({ type: "admit", participant: person.id });
            },
          }),
          " ",
          el("button", {
            type: "button",
            className: "button-secondary call-remove-button",
            "aria-label": fmt(gettext("Remove %(name)s"), { name: person.name }),
            text: gettext("Remove"),
            onclick: function () {
              send({ type: "remove", participant: person.id });
            },
          }),
        ])
      );
    });
    ui.admitList.appendChild(items);
    if (list.length) {
      notify(fmt(gettext("%(count)s waiting to join."), { count: list.length }));
    }
  }

  // ---------------------------------------------------------------- peers
  function isPolite(otherId) {
    var mine = state.self ? state.self.id : "";
    var a = Number(mine);
    var b = Number(otherId);
    if (!isNaN(a) && !isNaN(b)) {
      return a < b;
    }
    return String(mine) < String(otherId);
  }

  function createPeer(info, initiator) {
    var id = String(info.id);
    var pc = new RTCPeerConnection({ iceServers: state.iceServers, bundlePolicy: "max-bundle" });
    var peer = {
      id: id,
      info: info,
      pc: pc,
      polite: isPolite(id),
      makingOffer: false,
      ignoreOffer: false,
      chain: Promise.resolve(),
      stream: new MediaStream(),
      disconnectedTimer: null,
      leftTimer: null,
      restarts: 0,
      quality: "good",
      lowSamples: 0,
      veryLowSamples: 0,
      connectedAt: null,
      lastStats: null,
    };
    buildTile(peer);
    peers.set(id, peer);

    if (initiator) {
      ["audio", "video"].forEach(function (kind) {
        var track = localTrack(kind);
        var init = { direction: track ? "sendrecv" : "recvonly" };
        if (track) {
          init.streams = [state.localStream];
          if (kind === "video" && state.mode === "low") {
            init.sendEncodings = [Object.assign({}, LOW_PARAMS)];
          }
        }
        // Camera off or audio only: still negotiate sending (sendrecv), send nothing for now.
        pc.addTransceiver(track && wantedTrack(kind) ? track : kind, init);
      });
    }

    pc.addEventListener("negotiationneeded", function () {
      peer.chain = peer.chain.then(function () {
        return makeOffer(peer, false);
      });
    });
    pc.addEventListener("icecandidate", function (event) {
      if (event.candidate) {
        send({ type: "signal", to: info.id, data: { candidate: event.candidate.toJSON() } });
      }
    });
    pc.addEventListener("track", function (event) {
      peer.stream.getTracks()
        .filter(function (track) {
          return track.kind === event.track.kind && track !== event.track;
        })
        .forEach(function (track) {
          peer.stream.removeTrack(track);
        });
      if (peer.stream.getTracks().indexOf(event.track) === -1) {
        peer.stream.addTrack(event.track);
      }
      if (peer.video.srcObject !== peer.stream) {
        peer.video.srcObject = peer.stream;
      }
      playVideo(peer.video);
    });
    pc.addEventListener("connectionstatechange", function () {
      onConnectionState(peer);
    });
    return peer;
  }

  function makeOffer(peer, iceRestart) {
    var pc = peer.pc;
    if (pc.signalingState === "closed") {
      return Promise.resolve();
    }
    peer.makingOffer = true;
    var ready = iceRestart ? pc.createOffer({ iceRestart: true }).then(function (offer) {
      return pc.setLocalDescription(offer);
    }) : pc.setLocalDescription();
    return ready
      .then(function () {
        send({ type: "signal", to: peer.info.id, data: { description: pc.localDescription.toJSON() } });
      })
      .catch(function () {
        // The state moved on (glare or closed); perfect negotiation sorts it out.
      })
      .then(function () {
        peer.makingOffer = false;
      });
  }

  function renegotiate(peer, iceRestart) {
    if (peer.pc.signalingState === "closed") {
      return;
    }
    if (iceRestart && typeof peer.pc.restartIce === "function") {
      peer.pc.restartIce(); // fires negotiationneeded -> offer with new ICE credentials
    } else {
      peer.chain = peer.chain.then(function () {
        return makeOffer(peer, iceRestart);
      });
    }
  }

  // Perfect negotiation (W3C WebRTC §"Perfect negotiation example"), serialised per peer.
  function onSignal(from, data) {
    if (from === undefined || from === null) {
      return;
    }
    var id = String(from);
    var peer = peers.get(id);
    if (!peer) {
      if (!data.description || data.description.type !== "offer") {
        return; // a candidate for a connection we closed
      }
      peer = createPeer(known.get(id) || { id: from, name: "", role: "" }, false);
    }
    keepPeer(peer);
    peer.chain = peer.chain.then(function () {
      return applySignal(peer, data);
    });
  }

  function applySignal(peer, data) {
    var pc = peer.pc;
    if (data.description) {
      var description = data.description;
      var collision = description.type === "offer" && (peer.makingOffer || pc.signalingState !== "stable");
      peer.ignoreOffer = !peer.polite && collision;
      if (peer.ignoreOffer) {
        return Promise.resolve();
      }
      if (pc.remoteDescription && sessionId(pc.remoteDescription.sdp) !== sessionId(description.sdp)) {
        // A new connection on the other side (its page reloaded, or it dropped ours): patching
        // the old one works but ICE and DTLS take seconds to settle; start over at once.
        if (description.type === "answer") {
          replacePeer(peer);
          return Promise.resolve();
        }
        var fresh = replaceWithAnswerer(peer);
        fresh.chain = fresh.chain.then(function () {
          return applySignal(fresh, data);
        });
        return Promise.resolve();
      }
      return pc
        .setRemoteDescription(description)
        .then(function () {
          if (description.type !== "offer") {
            return applySenders(peer);
          }
          attachLocalTracks(peer);
          return pc.setLocalDescription().then(function () {
            send({ type: "signal", to: peer.info.id, data: { description: pc.localDescription.toJSON() } });
            return applySenders(peer);
          });
        })
        .catch(function () {
          // The other side started over (it reloaded or dropped our connection): begin anew.
          if (description.type === "answer") {
            replacePeer(peer);
          } else if (!data.retried) {
            var fresh = replaceWithAnswerer(peer);
            fresh.chain = fresh.chain.then(function () {
              return applySignal(fresh, { description: description, retried: true });
            });
          }
        });
    }
    if (data.candidate) {
      return pc.addIceCandidate(data.candidate).catch(function () {
        // Candidates of an ignored offer are expected to fail.
      });
    }
    return Promise.resolve();
  }

  function sessionId(sdp) {
    var match = /^o=\S+ (\S+)/m.exec(sdp || "");
    return match ? match[1] : "";
  }

  // After a remote offer created the transceivers: send our tracks on them.
  function attachLocalTracks(peer) {
    peer.pc.getTransceivers().forEach(function (transceiver) {
      if (transceiver.stopped || transceiver.currentDirection === "stopped") {
        return;
      }
      var kind = transceiver.receiver.track.kind;
      var track = localTrack(kind);
      if (!track || transceiver.sender.track || transceiver.localAttached) {
        return;
      }
      transceiver.localAttached = true;
      transceiver.direction = "sendrecv";
      if (transceiver.sender.setStreams) {
        transceiver.sender.setStreams(state.localStream);
      }
      transceiver.sender.replaceTrack(wantedTrack(kind));
    });
  }

  // Make every video sender match the current mode: track on/off and low-bandwidth caps.
  function applySenders(peer) {
    var jobs = peer.pc.getTransceivers().map(function (transceiver) {
      var sender = transceiver.sender;
      var kind = transceiver.receiver.track.kind;
      if (transceiver.stopped || (transceiver.direction !== "sendrecv" && transceiver.direction !== "sendonly")) {
        return Promise.resolve();
      }
      var wanted = wantedTrack(kind);
      var job = sender.track === wanted ? Promise.resolve() : sender.replaceTrack(wanted);
      if (kind !== "video") {
        return job.catch(function () {});
      }
      return job
        .then(function () {
          var params = sender.getParameters();
          if (!params.encodings || !params.encodings.length) {
            return null;
          }
          var encoding = params.encodings[0];
          if (state.mode === "low") {
            encoding.maxBitrate = LOW_PARAMS.maxBitrate;
            encoding.scaleResolutionDownBy = LOW_PARAMS.scaleResolutionDownBy;
            encoding.maxFramerate = LOW_PARAMS.maxFramerate;
          } else {
            delete encoding.maxBitrate;
            delete encoding.maxFramerate;
            encoding.scaleResolutionDownBy = 1;
          }
          return sender.setParameters(params);
        })
        .catch(function () {});
    });
    return Promise.all(jobs);
  }

  function applyAllSenders() {
    peers.forEach(function (peer) {
      if (peer.sfu) {
        return;
      }
      peer.chain = peer.chain.then(function () {
        return applySenders(peer);
      });
    });
    if (sfu && sfu.pub) {
      sfu.pub.chain = sfu.pub.chain.then(function () {
        return applySenders(sfu.pub);
      });
    }
    sendState();
    renderControls();
  }

  function onConnectionState(peer) {
    var connectionState = peer.pc.connectionState;
    peer.tile.dataset.connection = connectionState;
    clearTimeout(peer.disconnectedTimer);
    if (peer.leftTimer && connectionState !== "connected") {
      dropPeer(peer); // they left for good (their side closed the connection)
      return;
    }
    if (connectionState === "connected") {
      peer.connectedAt = peer.connectedAt || Date.now();
      peer.restarts = 0;
      peer.status.textContent = "";
      return;
    }
    if (connectionState === "disconnected") {
      peer.status.textContent = gettext("Reconnecting…");
      peer.disconnectedTimer = setTimeout(function () {
        if (peer.pc.connectionState === "disconnected") {
          restartIce(peer);
        }
      }, DISCONNECTED_RESTART_MS);
    } else if (connectionState === "failed") {
      peer.status.textContent = gettext("Reconnecting…");
      restartIce(peer);
    }
  }

  function restartIce(peer) {
    if (peer.leftTimer) {
      dropPeer(peer); // their socket is gone too: they will offer again when back
      return;
    }
    peer.restarts += 1;
    if (peer.restarts > 4) {
      peer.status.textContent = gettext("Video could not be connected.");
      alertUser(gettext("The video connection failed. You can continue in the message thread."), true);
      return;
    }
    renegotiate(peer, true);
  }

  // The other side forgot our connection (e.g. it reloaded): start a fresh one and offer.
  function replacePeer(peer) {
    var info = peer.info;
    dropPeer(peer);
    createPeer(info, true);
  }

  // An offer that does not fit our connection (the other page reloaded): answer on a new one.
  function replaceWithAnswerer(peer) {
    var info = peer.info;
    dropPeer(peer);
    return createPeer(info, false);
  }

  function closePeer(peer) {
    clearTimeout(peer.disconnectedTimer);
    clearTimeout(peer.leftTimer);
    try {
      peer.pc.close();
    } catch (error) {
      // already closed
    }
    if (peer.tile && peer.tile.parentNode) {
      peer.tile.parentNode.removeChild(peer.tile);
    }
  }

  function dropPeer(peer) {
    closePeer(peer);
    if (peers.get(peer.id) === peer) {
      peers.delete(peer.id);
    }
  }

  // ---------------------------------------------------------------- tiles
  function buildTile(peer) {
    peer.video = el("video", { autoplay: true, playsinline: true, className: "call-video" });
    peer.name = el("span", { className: "call-name" });
    peer.flags = el("span", { className: "call-flags" });
    peer.qualityLabel = el("span", { className: "call-peer-quality quality-good" });
    peer.status = el("span", { className: "call-peer-status" });
    peer.tile = el("figure", { className: "call-tile", "data-participant": peer.id }, [
      peer.video,
      el("figcaption", {}, [peer.name, peer.flags, " ", peer.qualityLabel, " ", peer.status]),
    ]);
    if (config.host) {
      peer.tile.appendChild(
        el("button", {
          type: "button",
          className: "button-secondary call-remove-button",
          text: gettext("Remove"),
          onclick: function () {
            if (send({ type: "remove", participant: peer.info.id })) {
              dropPeer(peer);
            }
          },
        })
      );
    }
    updateTileName(peer);
    ui.remotes.appendChild(peer.tile);
  }

  function updateTileName(peer) {
    peer.name.textContent = peer.info.name || gettext("Participant");
    var removeButton = peer.tile.querySelector(".call-remove-button");
    if (removeButton) {
      removeButton.setAttribute("aria-label", fmt(gettext("Remove %(name)s"), { name: peer.info.name || "" }));
    }
  }

  function playVideo(video) {
    var playing = video.play();
    if (playing && playing.catch) {
      playing.catch(function () {
        // Autoplay with sound refused: one click (a user gesture) starts the sound.
        if (!ui.soundButton) {
          ui.soundButton = button("call-sound", gettext("Turn on sound"), function () {
            peers.forEach(function (peer) {
              peer.video.play().catch(function () {});
            });
            ui.soundButton.remove();
            ui.soundButton = null;
          });
          ui.controls.insertBefore(ui.soundButton, ui.controls.firstChild);
        }
      });
    }
  }

  function attachSelfView() {
    if (state.localStream && ui.selfVideo.srcObject !== state.localStream) {
      ui.selfVideo.srcObject = state.localStream;
      ui.selfVideo.play().catch(function () {});
    }
    ui.selfTile.hidden = !state.hasVideo;
  }

  // ---------------------------------------------------------------- controls
  function renderControls() {
    ui.muteButton.textContent = state.audioOn ? gettext("Mute") : gettext("Unmute");
    ui.muteButton.setAttribute("aria-pressed", state.audioOn ? "false" : "true");
    ui.muteButton.disabled = !state.hasAudio;
    ui.cameraButton.textContent = state.videoOn ? gettext("Turn camera off") : gettext("Turn camera on");
    ui.cameraButton.setAttribute("aria-pressed", state.videoOn ? "false" : "true");
    ui.cameraButton.disabled = !state.hasVideo || state.mode === "audio";
    ui.lowButton.setAttribute("aria-pressed", state.mode === "low" ? "true" : "false");
    ui.lowButton.disabled = !state.hasVideo || state.mode === "audio";
    ui.videoAgainButton.hidden = state.mode !== "audio";
    root.dataset.mode = state.mode;
  }

  function toggleAudio() {
    state.audioOn = !state.audioOn;
    var track = localTrack("audio");
    if (track) {
      track.enabled = state.audioOn;
    }
    renderControls();
    sendState();
  }

  function toggleVideo() {
    state.videoOn = !state.videoOn;
    var track = localTrack("video");
    if (track) {
      track.enabled = state.videoOn; // the self-view goes dark too
    }
    applyAllSenders();
  }

  function setMode(mode, message) {
    if (mode === state.mode) {
      return;
    }
    if (mode === "audio") {
      state.modeBeforeAudio = state.mode;
    }
    state.mode = mode;
    peers.forEach(function (peer) {
      peer.lowSamples = 0;
      peer.veryLowSamples = 0;
    });
    if (message) {
      notify(message);
    }
    applyAllSenders();
  }

  function toggleLow() {
    state.autoAudioOnly = false;
    setMode(state.mode === "low" ? "normal" : "low", null);
  }

  function tryVideoAgain() {
    state.autoAudioOnly = false;
    // Back in the cautious mode: the link was weak a moment ago.
    setMode("low", gettext("Trying video again in low-bandwidth mode."));
  }

  function leave() {
    send({ type: "leave" });
    finish("left", gettext("You have left the video visit."));
  }

  function askEnd() {
    ui.endConfirm.hidden = false;
    document.getElementById("call-end-no").focus();
  }

  function cancelEnd() {
    ui.endConfirm.hidden = true;
    ui.endButton.focus();
  }

  function endRoom() {
    ui.endConfirm.hidden = true;
    send({ type: "end" });
  }

  // ---------------------------------------------------------------- statistics
  var statsTimer = null;

  function startStatsLoop() {
    if (!statsTimer) {
      statsTimer = setInterval(pollStats, STATS_EVERY_MS);
    }
  }

  function stopStatsLoop() {
    clearInterval(statsTimer);
    statsTimer = null;
  }

  // Read what tests, the bench and the quality indicator need from one peer's getStats().
  function readStats(peer) {
    return peer.pc.getStats().then(function (report) {
      var out = {
        connectionState: peer.pc.connectionState,
        framesDecoded: 0,
        framesReceived: 0,
        audioPacketsReceived: 0,
        totalSamplesReceived: 0,
        packetsLost: 0,
        packetsReceived: 0,
        videoBytesSent: 0,
        audioBytesSent: 0,
        videoBytesReceived: 0,
        audioBytesReceived: 0,
        availableOutgoingBitrate: null,
        roundTripTime: null,
        fractionLost: null,
        timestamp: Date.now(),
      };
      var pairId = null;
      var pairs = {};
      report.forEach(function (entry) {
        if (entry.type === "inbound-rtp" && entry.kind === "video") {
          out.framesDecoded += entry.framesDecoded || 0;
          out.framesReceived += entry.framesReceived || 0;
          out.videoBytesReceived += entry.bytesReceived || 0;
          out.packetsLost += entry.packetsLost || 0;
          out.packetsReceived += entry.packetsReceived || 0;
        } else if (entry.type === "inbound-rtp" && entry.kind === "audio") {
          out.audioPacketsReceived += entry.packetsReceived || 0;
          out.totalSamplesReceived += entry.totalSamplesReceived || 0;
          out.audioBytesReceived += entry.bytesReceived || 0;
          out.packetsLost += entry.packetsLost || 0;
          out.packetsReceived += entry.packetsReceived || 0;
        } else if (entry.type === "outbound-rtp" && entry.kind === "video") {
          out.videoBytesSent += entry.bytesSent || 0;
        } else if (entry.type === "outbound-rtp" && entry.kind === "audio") {
          out.audioBytesSent += entry.bytesSent || 0;
        } else if (entry.type === "remote-inbound-rtp" && typeof entry.fractionLost === "number") {
          out.fractionLost = Math.max(out.fractionLost || 0, entry.fractionLost);
        } else if (entry.type === "transport" && entry.selectedCandidatePairId) {
          pairId = entry.selectedCandidatePairId;
        } else if (entry.type === "candidate-pair") {
          pairs[entry.id] = entry;
        }
      });
      var pair = pairId ? pairs[pairId] : null;
      if (!pair) {
        Object.keys(pairs).forEach(function (key) {
          if (pairs[key].nominated && pairs[key].state === "succeeded") {
            pair = pairs[key];
          }
        });
      }
      if (pair) {
        if (typeof pair.availableOutgoingBitrate === "number") {
          out.availableOutgoingBitrate = pair.availableOutgoingBitrate;
        }
        if (typeof pair.currentRoundTripTime === "number") {
          out.roundTripTime = pair.currentRoundTripTime;
        }
      }
      return out;
    });
  }

  function classify(peer, now) {
    var before = peer.lastStats;
    var loss = now.fractionLost;
    if (before) {
      var lost = now.packetsLost - before.packetsLost;
      var got = now.packetsReceived - before.packetsReceived;
      if (lost + got > 0) {
        loss = Math.max(loss || 0, lost / (lost + got));
      }
    }
    var rtt = now.roundTripTime;
    var rate = now.availableOutgoingBitrate;
    if ((rtt !== null && rtt > 0.6) || (loss !== null && loss > 0.08) || (rate !== null && rate < AUDIO_ONLY_ESTIMATE_BPS)) {
      return "poor";
    }
    if ((rtt !== null && rtt > 0.25) || (loss !== null && loss > 0.02) || (rate !== null && rate < LOW_ESTIMATE_BPS)) {
      return "fair";
    }
    return "good";
  }

  var QUALITY_TEXT = {
    good: function () {
      return gettext("Connection: good");
    },
    fair: function () {
      return gettext("Connection: fair");
    },
    poor: function () {
      return gettext("Connection: poor");
    },
  };

  function pollStats() {
    if (state.status !== "admitted") {
      return;
    }
    var work = [];
    peers.forEach(function (peer) {
      if (peer.pc.connectionState !== "connected") {
        return;
      }
      work.push(
        readStats(peer)
          .then(function (now) {
            var quality = classify(peer, now);
            peer.lastStats = now;
            if (quality !== peer.quality) {
              peer.quality = quality;
            }
            peer.qualityLabel.textContent = QUALITY_TEXT[quality]();
            peer.qualityLabel.className = "call-peer-quality quality-" + quality;
            if (!peer.sfu) {
              watchBandwidth(peer, now.availableOutgoingBitrate);
            }
          })
          .catch(function () {})
      );
    });
    if (sfu && sfu.pub && sfu.pub.pc.connectionState === "connected") {
      work.push(
        readStats(sfu.pub)
          .then(function (now) {
            watchBandwidth(sfu.pub, now.availableOutgoingBitrate);
          })
          .catch(function () {})
      );
    }
    Promise.all(work).then(function () {
      var worst = "good";
      peers.forEach(function (peer) {
        if (peer.quality === "poor" || (peer.quality === "fair" && worst === "good")) {
          worst = peer.quality;
        }
      });
      var changed = worst !== state.quality || !ui.quality.textContent;
      state.quality = worst;
      if (changed) {
        // Only on change: a polite live region that repeats itself every 2 s is noise.
        ui.quality.textContent = peers.size ? QUALITY_TEXT[worst]() : "";
        ui.quality.className = "call-quality quality-" + worst;
        sendState();
      }
    });
  }

  // Weak link: step down to low-bandwidth mode, then to audio only, when the estimate stays low.
  function watchBandwidth(peer, rate) {
    if (rate === null || rate === undefined || state.mode === "audio" || !state.hasVideo) {
      peer.lowSamples = 0;
      peer.veryLowSamples = 0;
      return;
    }
    // The estimator starts low and ramps up: judge only once the connection has settled.
    if (!peer.connectedAt || Date.now() - peer.connectedAt < 4000) {
      return;
    }
    peer.veryLowSamples = rate < AUDIO_ONLY_ESTIMATE_BPS ? peer.veryLowSamples + 1 : 0;
    peer.lowSamples = rate < LOW_ESTIMATE_BPS ? peer.lowSamples + 1 : 0;
    if (peer.veryLowSamples >= LOW_SAMPLES) {
      state.autoAudioOnly = true;
      setMode("audio", gettext("The connection is too weak for video: switched to audio only. You can try video again."));
      alertUser("", false);
    } else if (peer.lowSamples >= LOW_SAMPLES && state.mode === "normal") {
      setMode("low", gettext("The connection is weak: switched to low-bandwidth mode."));
    }
  }

  // ---------------------------------------------------------------- SFU (Janus VideoRoom)
  // Rooms of more than four: every browser publishes its camera and microphone once to the
  // video server and subscribes to each other participant's feed (one RTCPeerConnection
  // each). Our server admitted us and handed over a signed session token, the room, its PIN and
  // our own join token; feeds are participant ids, names come from our own socket.
  var sfu = null;
  var SFU_KEEPALIVE_MS = 25000;

  function janusSend(message, expect) {
    // EXPECT: "success" (session and handle requests) or "event" (plugin requests answered
    // asynchronously, after an "ack").
    return new Promise(function (resolve, reject) {
      if (!sfu || !sfu.ws || sfu.ws.readyState !== WebSocket.OPEN) {
        reject(new Error("closed"));
        return;
      }
      var transaction = Math.random().toString(36).slice(2) + Date.now().toString(36);
      message.transaction = transaction;
      message.token = sfu.info.token;
      if (sfu.session && message.janus !== "create") {
        message.session_id = sfu.session;
      }
      sfu.tx.set(transaction, { resolve: resolve, reject: reject, expect: expect || "success" });
      sfu.ws.send(JSON.stringify(message));
    });
  }

  function onJanusMessage(event) {
    var message;
    try {
      message = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    var pending = message.transaction ? sfu.tx.get(message.transaction) : null;
    if (pending) {
      if (message.janus === "ack" && pending.expect === "event") {
        return;
      }
      sfu.tx.delete(message.transaction);
      var data = message.plugindata ? message.plugindata.data : null;
      if (message.janus === "error" || (data && data.error_code)) {
        pending.reject(new Error((message.error && message.error.reason) || (data && data.error) || "error"));
      } else {
        pending.resolve(message);
      }
      if (message.janus !== "event" || !message.sender) {
        return;
      }
    }
    if (message.janus === "event" && message.sender && sfu.pub && message.sender === sfu.pub.handle) {
      onPublisherEvent(message.plugindata ? message.plugindata.data : {});
    } else if (message.janus === "hangup" && message.sender) {
      sfu.subs.forEach(function (peer) {
        if (peer.handle === message.sender) {
          dropSubscriber(peer.id);
        }
      });
    }
  }

  function attachHandle() {
    return janusSend({ janus: "attach", plugin: "janus.plugin.videoroom" }).then(function (answer) {
      return answer.data.id;
    });
  }

  function handleSend(handle, body, jsep) {
    var message = { janus: "message", handle_id: handle, body: body };
    if (jsep) {
      message.jsep = jsep;
    }
    return janusSend(message, "event");
  }

  function trickle(handle, pc) {
    pc.addEventListener("icecandidate", function (event) {
      var candidate = event.candidate ? event.candidate.toJSON() : { completed: true };
      janusSend({ janus: "trickle", handle_id: handle, candidate: candidate }, "ack").catch(function () {});
    });
  }

  function startSfu(info) {
    if (sfu && sfu.info.room === info.room && sfu.ws && sfu.ws.readyState <= 1) {
      sfu.info = info; // a reconnect of our socket: the media flows on
      return;
    }
    stopSfu();
    root.dataset.backend = "sfu";
    sfu = { info: info, ws: null, tx: new Map(), subs: new Map(), session: null, pub: null, keepalive: null, privateId: null };
    var current = sfu;
    var ws = new WebSocket(info.url, "janus-protocol");
    sfu.ws = ws;
    ws.addEventListener("message", function (event) {
      if (sfu === current) {
        onJanusMessage(event);
      }
    });
    ws.addEventListener("close", function () {
      if (sfu !== current || state.status !== "admitted") {
        return;
      }
      // The video server went away: our socket's next welcome starts over.
      alertUser(gettext("The connection to the video server was lost. Reconnecting…"), true);
      stopSfu();
      if (state.socket) {
        state.socket.close(4000);
      }
    });
    ws.addEventListener("open", function () {
      janusSend({ janus: "create" })
        .then(function (answer) {
          current.session = answer.data.id;
          current.keepalive = setInterval(function () {
            janusSend({ janus: "keepalive" }, "ack").catch(function () {});
          }, SFU_KEEPALIVE_MS);
          return publish(current);
        })
        .catch(function () {
          if (sfu === current) {
            alertUser(gettext("The video server refused the connection. Leave and join again, or call the unit."), true);
          }
        });
    });
  }

  function publish(current) {
    return attachHandle().then(function (handle) {
      var pub = {
        handle: handle,
        pc: new RTCPeerConnection({ iceServers: state.iceServers, bundlePolicy: "max-bundle" }),
        chain: Promise.resolve(),
        lowSamples: 0,
        veryLowSamples: 0,
        connectedAt: null,
      };
      current.pub = pub;
      pub.pc.addEventListener("connectionstatechange", function () {
        if (pub.pc.connectionState === "connected") {
          pub.connectedAt = pub.connectedAt || Date.now();
        }
      });
      trickle(handle, pub.pc);
      return handleSend(handle, {
        request: "join",
        ptype: "publisher",
        room: current.info.room,
        id: current.info.feed,
        display: String(current.info.feed),
        pin: current.info.pin,
        token: current.info.join,
      }).then(function (answer) {
        var data = answer.plugindata.data;
        current.privateId = data.private_id;
        ["audio", "video"].forEach(function (kind) {
          var track = localTrack(kind);
          var init = { direction: "sendonly" };
          if (track) {
            init.streams = [state.localStream];
            if (kind === "video" && state.mode === "low") {
              init.sendEncodings = [Object.assign({}, LOW_PARAMS)];
            }
          }
          pub.pc.addTransceiver(track && wantedTrack(kind) ? track : kind, init);
        });
        return pub.pc
          .createOffer()
          .then(function (offer) {
            return pub.pc.setLocalDescription(offer);
          })
          .then(function () {
            return handleSend(handle, { request: "publish" }, pub.pc.localDescription.toJSON());
          })
          .then(function (published) {
            if (published.jsep) {
              return pub.pc.setRemoteDescription(published.jsep);
            }
            return null;
          })
          .then(function () {
            (data.publishers || []).forEach(function (publisher) {
              subscribe(current, publisher.id);
            });
          });
      });
    });
  }

  function onPublisherEvent(data) {
    if (!data || data.videoroom === "joined") {
      return; // the join's own list is subscribed to once we have our private id
    }
    (data.publishers || []).forEach(function (publisher) {
      subscribe(sfu, publisher.id);
    });
    var gone = data.unpublished || data.leaving;
    if (gone && gone !== "ok") {
      dropSubscriber(String(gone));
    }
  }

  function subscribe(current, feed) {
    var id = String(feed);
    if (!current || current !== sfu || !current.privateId || id === String(current.info.feed) || current.subs.has(id)) {
      return;
    }
    var existing = peers.get(id);
    if (existing) {
      dropPeer(existing);
    }
    var peer = {
      id: id,
      sfu: true,
      info: known.get(id) || { id: feed, name: "", role: "" },
      pc: new RTCPeerConnection({ iceServers: state.iceServers, bundlePolicy: "max-bundle" }),
      chain: Promise.resolve(),
      stream: new MediaStream(),
      disconnectedTimer: null,
      leftTimer: null,
      restarts: 0,
      quality: "good",
      lowSamples: 0,
      veryLowSamples: 0,
      connectedAt: null,
      lastStats: null,
      handle: null,
    };
    current.subs.set(id, peer);
    buildTile(peer);
    peers.set(id, peer);
    peer.pc.addEventListener("track", function (event) {
      if (peer.stream.getTracks().indexOf(event.track) === -1) {
        peer.stream.addTrack(event.track);
      }
      if (peer.video.srcObject !== peer.stream) {
        peer.video.srcObject = peer.stream;
      }
      playVideo(peer.video);
    });
    peer.pc.addEventListener("connectionstatechange", function () {
      var connectionState = peer.pc.connectionState;
      peer.tile.dataset.connection = connectionState;
      if (connectionState === "connected") {
        peer.connectedAt = peer.connectedAt || Date.now();
        peer.status.textContent = "";
      } else if (connectionState === "disconnected" || connectionState === "failed") {
        peer.status.textContent = gettext("Reconnecting…");
      }
    });
    attachHandle()
      .then(function (handle) {
        peer.handle = handle;
        trickle(handle, peer.pc);
        return handleSend(handle, {
          request: "join",
          ptype: "subscriber",
          room: current.info.room,
          streams: [{ feed: Number(feed) }],
          private_id: current.privateId,
          pin: current.info.pin,
          token: current.info.join,
        });
      })
      .then(function (answer) {
        return peer.pc
          .setRemoteDescription(answer.jsep)
          .then(function () {
            return peer.pc.createAnswer();
          })
          .then(function (description) {
            return peer.pc.setLocalDescription(description);
          })
          .then(function () {
            return handleSend(peer.handle, { request: "start" }, peer.pc.localDescription.toJSON());
          });
      })
      .catch(function () {
        if (sfu === current) {
          dropSubscriber(id);
        }
      });
  }

  function dropSubscriber(id) {
    if (!sfu) {
      return;
    }
    var peer = sfu.subs.get(id);
    if (!peer) {
      return;
    }
    sfu.subs.delete(id);
    if (peer.handle) {
      janusSend({ janus: "detach", handle_id: peer.handle }).catch(function () {});
    }
    dropPeer(peer);
  }

  function stopSfu() {
    if (!sfu) {
      return;
    }
    var old = sfu;
    sfu = null;
    clearInterval(old.keepalive);
    old.subs.forEach(function (peer) {
      dropPeer(peer);
    });
    if (old.pub) {
      try {
        old.pub.pc.close();
      } catch (error) {
        // already closed
      }
    }
    old.tx.forEach(function (pending) {
      pending.reject(new Error("closed"));
    });
    if (old.ws && old.ws.readyState <= 1) {
      if (old.ws.readyState === WebSocket.OPEN && old.session) {
        old.ws.send(JSON.stringify({ janus: "destroy", session_id: old.session, transaction: "bye", token: old.info.token }));
      }
      old.ws.close();
    }
  }

  // ---------------------------------------------------------------- chat
  // Short text messages to everybody in the call (staff, relatives, guests); not stored.
  ui.chat = el("section", { className: "call-chat", "aria-labelledby": "call-chat-title" });
  ui.chatLog = el("ol", { className: "call-chat-log", id: "call-chat-log", "aria-live": "polite" });
  ui.chatInput = el("input", { type: "text", id: "call-chat-input", maxlength: "1000", autocomplete: "off" });
  ui.chatForm = el("form", { className: "call-chat-form" }, [
    el("label", { for: "call-chat-input", text: gettext("Message") }),
    ui.chatInput,
    el("button", { type: "submit", id: "call-chat-send", text: gettext("Send") }),
  ]);
  ui.chatForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = ui.chatInput.value.trim();
    if (!text) {
      return;
    }
    if (send({ type: "chat", text: text })) {
      ui.chatInput.value = "";
    } else {
      alertUser(gettext("The message could not be sent. Check your connection."), false);
    }
  });
  ui.chat.appendChild(el("h2", { id: "call-chat-title", text: gettext("Chat") }));
  ui.chat.appendChild(ui.chatLog);
  ui.chat.appendChild(ui.chatForm);
  ui.stage.appendChild(ui.chat);

  function onChat(message) {
    var when = new Date(message.at || Date.now());
    var time = when.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
    var who = message.self ? gettext("You") : message.name || gettext("Participant");
    ui.chatLog.appendChild(
      el("li", { className: message.self ? "call-chat-own" : "" }, [
        el("span", { className: "call-chat-meta", text: who + " " + time }),
        " ",
        el("span", { className: "call-chat-text", text: message.text }),
      ])
    );
    ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
  }

  // ---------------------------------------------------------------- join
  function join() {
    ui.joinButton.disabled = true;
    if (ui.lowChoice.checked !== (state.mode === "low")) {
      state.mode = ui.lowChoice.checked ? "low" : "normal";
    }
    window.digifysCallJoinClickedAt = performance.now();
    state.status = "connecting";
    root.dataset.status = "connecting";
    renderControls();
    notify(gettext("Connecting…"));
    connectSocket();
  }

  function start() {
    state.status = "lobby";
    root.dataset.status = "lobby";
    show(ui.lobby);
    notify(gettext("Starting camera and microphone…"));
    Promise.all([startMedia(), fetchIceServers()]).then(function (results) {
      var stream = results[0];
      state.iceServers = results[1];
      state.localStream = stream;
      state.hasAudio = !!(stream && stream.getAudioTracks().length);
      state.hasVideo = !!(stream && stream.getVideoTracks().length);
      state.videoOn = state.hasVideo;
      if (!stream) {
        state.status = "failed";
        root.dataset.status = "failed";
        notify("");
        alertUser(
          gettext("No camera or microphone could be started. Check that they are connected and that the browser may use them."),
          true
        );
        ui.joinButton.disabled = true;
        return;
      }
      ui.lobbyPreview.srcObject = stream;
      ui.lobbyPreview.play().catch(function () {});
      meterMicrophone(stream);
      ui.lobbyDevices.textContent = state.hasVideo
        ? gettext("Camera and microphone are working.")
        : gettext("No camera: you will join with sound only.");
      notify("");
      ui.joinButton.disabled = false;
      renderControls();
    });
  }

  // ---------------------------------------------------------------- test hook
  // Read-only views for the browser tests and the benchmark, plus a simulated network blip.
  window.digifysCall = Object.freeze({
    state: function () {
      var peerStates = {};
      peers.forEach(function (peer, id) {
        peerStates[id] = peer.pc.connectionState;
      });
      return {
        status: state.status,
        self: state.self,
        participants: Array.from(peers.values()).map(function (peer) {
          return { id: peer.info.id, name: peer.info.name, role: peer.info.role };
        }),
        waiting: state.waiting.slice(),
        peers: peerStates,
        backend: sfu ? "sfu" : "mesh",
        mode: state.mode,
        quality: state.quality,
        socket: state.socketState,
        audio: state.audioOn,
        video: state.videoOn && state.hasVideo,
      };
    },
    stats: function () {
      var ids = Array.from(peers.keys());
      return Promise.all(
        ids.map(function (id) {
          return readStats(peers.get(id)).then(function (stats) {
            stats.quality = peers.get(id) ? peers.get(id).quality : null;
            return [id, stats];
          });
        })
      ).then(function (entries) {
        var out = {};
        entries.forEach(function (entry) {
          out[entry[0]] = entry[1];
        });
        return out;
      });
    },
    dropSocket: function () {
      if (state.socket) {
        state.socket.close(4000);
      }
    },
  });

  start();
})();
