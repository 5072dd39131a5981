// Client-side search over search.json: every word must match the title, the topics or
// the text; title matches rank first. No dependencies, no network beyond this site.
(() => {
  "use strict";
  const form = document.querySelector(".search-form");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const status = document.querySelector(".search-status");
  const list = document.querySelector(".search-results");
  const root = form.dataset.root === "./" ? "" : form.dataset.root;
  let entries = null;

  const fold = (s) => s.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");

  const load = () =>
    entries
      ? Promise.resolve(entries)
      : fetch(form.dataset.index)
          .then((r) => r.json())
          .then((data) => {
            entries = data.map((e) => ({
              ...e,
              ft: fold(e.t),
              fk: fold(e.k.join(" ")),
              fx: fold(e.x),
            }));
            return entries;
          });

  const score = (e, words) => {
    let total = 0;
    for (const w of words) {
      const s = (e.ft.includes(w) ? 10 : 0) + (e.fk.includes(w) ? 5 : 0) + (e.fx.includes(w) ? 1 : 0);
      if (!s) return 0;
      total += s;
    }
    return total;
  };

  const snippet = (e, words) => {
    const at = Math.max(0, ...words.map((w) => e.fx.indexOf(w)).filter((i) => i >= 0).slice(0, 1));
    const start = Math.max(0, at - 60);
    return (start ? "…" : "") + e.x.slice(start, start + 180) + "…";
  };

  const show = (query) => {
    const words = fold(query).split(/\s+/).filter(Boolean);
    list.replaceChildren();
    if (!words.length) {
      status.textContent = "";
      return;
    }
    load().then((all) => {
      const hits = all
        .map((e) => [score(e, words), e])
        .filter(([s]) => s > 0)
        .sort((a, b) => b[0] - a[0] || b[1].d.localeCompare(a[1].d))
        .slice(0, 50);
      status.textContent = hits.length
        ? `${hits.length} post${hits.length === 1 ? "" : "s"} found`
        : "No posts match.";
      for (const [, e] of hits) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = root + e.u;
        a.textContent = e.t;
        const meta = document.createElement("span");
        meta.className = "search-meta";
        meta.textContent = [e.d, ...e.k].join(" · ");
        const p = document.createElement("p");
        p.textContent = snippet(e, words);
        li.append(a, meta, p);
        list.append(li);
      }
    }).catch(() => {
      status.textContent = "The search index could not be loaded.";
    });
  };

  input.addEventListener("input", () => show(input.value));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(input.value);
  });
  const q = new URLSearchParams(location.search).get("q");
  if (q) {
    input.value = q;
    show(q);
  }
})();
