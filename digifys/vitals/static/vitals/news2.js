/* NEWS2 in the browser: the same parsing rules and the same scoring table as the server.
 *
 * The table (RCP NEWS2 2017, Chart 1 and 2) and the plausibility limits are not written here:
 * the vital-signs form embeds digifys/vitals/news2_table.json and the limits of
 * digifys/vitals/parsing.py as JSON, and this file only reads them. The test suite runs this file
 * in node against the same cases as the Python (digifys/vitals/tests/test_news2_js.py).
 * Works in a page, in the service worker and in node (module.exports).
 */
(function (root) {
  "use strict";

  var PLAIN_NUMBER = /^-?\d+([.,]\d+)?$/;
  var NEWS2_FIELDS = ["respiratory_rate", "spo2", "on_oxygen", "systolic_bp", "pulse",
    "consciousness", "temperature"];
  var CONSCIOUSNESS = ["A", "C", "V", "P", "U"];

  // Parse typed TEXT for vital sign NAME as parsing.parse_vital does. Returns null when empty,
  // an integer for whole-number signs, an integer number of tenths for one-decimal signs,
  // and undefined when the value is refused.
  function parseVital(name, text, limits) {
    if (text === null || text === undefined) return null;
    text = String(text).trim();
    if (text === "") return null;
    if (!PLAIN_NUMBER.test(text)) return undefined;
    var negative = text.charAt(0) === "-";
    var parts = text.replace("-", "").replace(",", ".").split(".");
    var whole = parseInt(parts[0], 10);
    var fraction = parts[1] || "";
    if (limits.whole[name]) {
      if (/[1-9]/.test(fraction)) return undefined;
      var value = negative ? -whole : whole;
      if (value === 0) value = 0; // no -0
      var w = limits.whole[name];
      return value >= w[0] && value <= w[1] ? value : undefined;
    }
    if (limits.tenths[name]) {
      // Round half-up (away from zero) to one decimal, as Decimal's ROUND_HALF_UP.
      var tenths = whole * 10 + (fraction ? parseInt(fraction.charAt(0), 10) : 0);
      if (fraction.length > 1 && parseInt(fraction.charAt(1), 10) >= 5) tenths += 1;
      if (negative) tenths = -tenths;
      var d = limits.tenths[name];
      return tenths >= d[0] && tenths <= d[1] ? tenths : undefined;
    }
    throw new Error("unknown vital sign: " + name);
  }

  function fromBands(bands, value) {
    for (var i = 0; i < bands.length; i++) {
      if (bands[i][0] === null || value <= bands[i][0]) return bands[i][1];
    }
    throw new Error("every band list ends with an open upper limit");
  }

  function band(table, total, redFlag) {
    if (total >= table.risk.high) return "high";
    if (total >= table.risk.medium) return "medium";
    return redFlag ? "low-medium" : "low";
  }

  // Score parsed VALUES (respiratory_rate, spo2, systolic_bp, pulse as integers, temperature in
  // tenths, on_oxygen true/false/null, consciousness a letter or "") on SPO2_SCALE (1 or 2).
  // A complete set gets a total and a band; a partial one its sub-scores and red flag, with band
  // "low-medium" for a red score and null otherwise (news2.score_parameters).
  function score(table, values, spo2Scale) {
    var sub = {};
    var present = function (name) {
      return values[name] !== null && values[name] !== undefined && values[name] !== "";
    };
    if (present("respiratory_rate")) sub.respiratory_rate = fromBands(table.respiratory_rate, values.respiratory_rate);
    if (present("spo2")) {
      if (spo2Scale === 1) {
        sub.spo2 = fromBands(table.spo2_scale_1, values.spo2);
      } else if (present("on_oxygen")) {
        sub.spo2 = fromBands(values.on_oxygen ? table.spo2_scale_2_oxygen : table.spo2_scale_2_air, values.spo2);
      } else if (values.spo2 <= 92) {
        // Up to 92 % Scale 2 does not depend on air or oxygen; above it, it does.
        sub.spo2 = fromBands(table.spo2_scale_2_air, values.spo2);
      }
    }
    if (present("on_oxygen")) sub.air_or_oxygen = table.air_or_oxygen[values.on_oxygen ? "oxygen" : "air"];
    if (present("systolic_bp")) sub.systolic_bp = fromBands(table.systolic_bp, values.systolic_bp);
    if (present("pulse")) sub.pulse = fromBands(table.pulse, values.pulse);
    if (present("consciousness")) sub.consciousness = table.consciousness[values.consciousness];
    if (present("temperature")) sub.temperature = fromBands(table.temperature_tenths, values.temperature);
    var redFlag = false;
    var total = 0;
    Object.keys(sub).forEach(function (key) {
      if (sub[key] === table.red_score) redFlag = true;
      total += sub[key];
    });
    var complete = NEWS2_FIELDS.every(present);
    return {
      total: complete ? total : null,
      subscores: sub,
      red_flag: redFlag,
      band: complete ? band(table, total, redFlag) : (redFlag ? "low-medium" : null),
      spo2_scale: spo2Scale
    };
  }

  // Parse and score what the nurse typed (strings, as the form sends them: on_oxygen "air",
  // "oxygen" or ""). Returns {errors: [field names], result}.
  function scoreTyped(table, limits, typed) {
    var values = {};
    var errors = [];
    ["respiratory_rate", "spo2", "systolic_bp", "pulse", "temperature"].forEach(function (name) {
      var value = parseVital(name, typed[name], limits);
      if (value === undefined) errors.push(name);
      values[name] = value === undefined ? null : value;
    });
    var oxygen = typed.on_oxygen || "";
    if (oxygen === "air") values.on_oxygen = false;
    else if (oxygen === "oxygen") values.on_oxygen = true;
    else if (oxygen === "") values.on_oxygen = null;
    else errors.push("on_oxygen");
    var level = typed.consciousness || "";
    if (level && CONSCIOUSNESS.indexOf(level) === -1) errors.push("consciousness");
    values.consciousness = CONSCIOUSNESS.indexOf(level) === -1 ? "" : level;
    var scale = String(typed.spo2_scale || "1") === "2" ? 2 : 1;
    return { errors: errors, result: errors.length ? null : score(table, values, scale) };
  }

  var api = { parseVital: parseVital, score: score, scoreTyped: scoreTyped, NEWS2_FIELDS: NEWS2_FIELDS };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.digifysNews2 = api;
})(typeof self !== "undefined" ? self : this);
