// Run in the page by test_every_page_browser.py at each width; returns a list of findings.
({width, touch}) => {
  const found = [];
  const vw = window.innerWidth;
  const doc = document.documentElement;
  if (doc.scrollWidth > vw) found.push(`document is ${doc.scrollWidth} px wide`);
  if (document.body.scrollWidth > vw) found.push(`body is ${document.body.scrollWidth} px wide`);

  const describe = (el) => {
    const text = (el.getAttribute("aria-label") || el.innerText || el.value || el.name || "")
      .replace(/\s+/g, " ").trim().slice(0, 40);
    const id = el.id ? "#" + el.id : "";
    const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
    return `<${el.tagName.toLowerCase()}${id}${cls}> "${text}"`;
  };
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    const r = el.getBoundingClientRect();
    // Screen-reader-only text (1 px, clipped) is not something anyone sees or touches.
    if (r.width <= 1 || r.height <= 1) return false;
    return el.getClientRects().length > 0;
  };
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]";
  const all = [...document.querySelectorAll(selector)].filter((el) => {
    // tabindex="-1" on a non-control (main, a heading) is a focus target for scripts, not for
    // pointers or Tab.
    const native = el.matches("a[href], button, input, select, textarea, summary");
    if (!native && el.getAttribute("tabindex") === "-1") return false;
    return visible(el);
  });

  // The target of a checkbox or radio button includes its label (a click on it toggles it).
  const targetRect = (el) => {
    let r = el.getBoundingClientRect();
    let box = {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    if (el.matches("input[type=checkbox], input[type=radio]") && el.labels) {
      for (const label of el.labels) {
        const l = label.getBoundingClientRect();
        if (l.width === 0) continue;
        box = {left: Math.min(box.left, l.left), right: Math.max(box.right, l.right),
               top: Math.min(box.top, l.top), bottom: Math.max(box.bottom, l.bottom)};
      }
    }
    return box;
  };

  for (const el of all) {
    const r = el.getBoundingClientRect();
    if (r.left < -0.5 || r.right > vw + 0.5) {
      found.push(`outside the viewport (x ${Math.round(r.left)}–${Math.round(r.right)}): ${describe(el)}`);
    }
  }

  // WCAG 2.2 2.5.8 Target Size (Minimum).
  const boxes = all.map((el) => ({el, box: targetRect(el)}));
  const small = [];
  for (const item of boxes) {
    const {el, box} = item;
    const w = box.right - box.left, h = box.bottom - box.top;
    if (w >= 23.5 && h >= 23.5) continue;
    // Inline exception: a link in a sentence, whose height the line of text sets.
    if (getComputedStyle(el).display === "inline") {
      const block = el.parentElement.closest("p, li, td, th, dd, dt, div, span, label, legend, caption, h1, h2, h3, h4, figcaption, small");
      const own = (el.textContent || "").trim().length;
      const around = block ? (block.textContent || "").replace(/\s+/g, " ").trim().length : 0;
      if (around > own + 1) continue;
    }
    small.push(item);
  }
  const centre = (b) => [(b.left + b.right) / 2, (b.top + b.bottom) / 2];
  const distanceToBox = (p, b) => {
    const dx = Math.max(b.left - p[0], 0, p[0] - b.right);
    const dy = Math.max(b.top - p[1], 0, p[1] - b.bottom);
    return Math.hypot(dx, dy);
  };
  for (const item of small) {
    // Spacing exception: a 24 px circle on the target's centre intersects no other target and
    // no other undersized target's circle.
    const c = centre(item.box);
    const crowded = boxes.some((other) => {
      if (other === item || other.el.contains(item.el) || item.el.contains(other.el)) return false;
      if (small.includes(other)) {
        const o = centre(other.box);
        return Math.hypot(c[0] - o[0], c[1] - o[1]) < 24 - 0.5;
      }
      return distanceToBox(c, other.box) < 12 - 0.5;
    });
    if (crowded) {
      const b = item.box;
      found.push(`target ${Math.round(b.right - b.left)}×${Math.round(b.bottom - b.top)} px, too close to another: ${describe(item.el)}`);
    }
  }

  if (touch) {
    // The page's own actions (not the header's tools): buttons in their primary style.
    const primary = "main button:not(.button-secondary), main a.button:not(.button-secondary), main input[type=submit]";
    for (const el of all) {
      if (!el.matches(primary)) continue;
      const h = el.getBoundingClientRect().height;
      if (h < 43.5) found.push(`main action ${Math.round(h)} px high: ${describe(el)}`);
    }
  }
  return found;
}
