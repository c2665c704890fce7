// sqmy archive search: the query as character pairs, looked up in Pagefind's index, results drawn here.
// The index (sqmy/searchindex.py) holds every Han character and every pair of neighbours; a page matches
// when it has each run of the query as written, so any Chinese word or phrase is found without a dictionary.
(function () {
  "use strict";
  const root = new URL("../", location.href); // the search page is /search/
  const input = document.getElementById("sqmy-q");
  const count = document.getElementById("sqmy-count");
  const list = document.getElementById("sqmy-results");
  const more = document.getElementById("sqmy-more");
  const PAGE = 10;
  const RUNS = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+/g; // as in searchindex.py
  let pagefind = null;
  let results = [];
  let shown = 0;
  let asked = 0;
  let words = [];

  function normalize(text) {
    return text.normalize("NFKC").toLowerCase();
  }

  // the index tokens of one run of the query: a Latin word or a single character as it is, else its pairs
  function pairs(run) {
    if (/^[0-9a-z]/.test(run) || run.length === 1) return [run];
    const out = [];
    for (let i = 0; i < run.length - 1; i++) out.push(run.slice(i, i + 2));
    return out;
  }

  // Pages that have every run of the query as written. A quoted Pagefind search wants the tokens at
  // neighbouring positions, and a run's pairs are written side by side in the index: the run itself.
  // (An unquoted search also returns near misses, e.g. 纠纷 for 纠缠, which are noise for Chinese.)
  async function exactly(pf, runs) {
    let allowed = null;
    for (const found of await Promise.all(runs.map((run) => pf.search('"' + pairs(run).join(" ") + '"')))) {
      const ids = new Set((found ? found.results : []).map((r) => r.id));
      allowed = allowed === null ? ids : new Set([...allowed].filter((id) => ids.has(id)));
    }
    return allowed || new Set();
  }

  const pageLang = document.documentElement.lang;
  let loading = null;

  function load() {
    loading =
      loading ||
      (async () => {
        // a large archive is indexed in parts (searchindex.PART): the first in _pagefind/, the others merged into it;
        // an archive without items has no index at all
        const listed = await fetch(new URL("_pagefind/sqmy-parts.json", root)).then((r) => (r.ok ? r.json() : {}), () => ({}));
        if (listed.empty === true) return null;
        const parts = Array.isArray(listed.parts) ? listed.parts : [];
        const module = await import(new URL("_pagefind/pagefind.js", root).href);
        await module.options({ baseUrl: root.pathname });
        // Pagefind cuts the query into words with the browser's segmenter when the page's language is Chinese;
        // the pairs must reach the index as they are, so it is started while the page says "en" (init reads
        // the language at once) and the page gets its language back straight after.
        const html = document.documentElement;
        html.lang = "en";
        try {
          module.init();
        } finally {
          html.lang = pageLang;
        }
        // each part is searched with the language the first was started with (the pairs, uncut)
        await Promise.all(parts.map((part) => module.mergeIndex(new URL("_pagefind/" + part, root).pathname, { baseUrl: root.pathname })));
        pagefind = module;
        return module;
      })();
    return loading;
  }

  // `text` with every word of the query in <mark>
  function marked(text) {
    const lower = normalize(text);
    const fragment = document.createDocumentFragment();
    const at = (i) => words.reduce((hit, w) => (lower.startsWith(w, i) && w.length > hit ? w.length : hit), 0);
    let i = 0;
    while (i < text.length) {
      const hit = at(i);
      if (hit) {
        const mark = document.createElement("mark");
        mark.textContent = text.slice(i, i + hit);
        fragment.append(mark);
        i += hit;
        continue;
      }
      let j = i + 1;
      while (j < text.length && !at(j)) j++;
      fragment.append(text.slice(i, j));
      i = j;
    }
    return fragment;
  }

  // about `size` characters of `text` around the first word of the query found in it
  function excerpt(text, size) {
    const lower = normalize(text);
    const found = words.map((w) => lower.indexOf(w)).filter((n) => n >= 0);
    const start = found.length ? Math.max(0, Math.min(...found) - Math.floor(size / 3)) : 0;
    const fragment = document.createDocumentFragment();
    if (start > 0) fragment.append("…");
    fragment.append(marked(text.slice(start, start + size)));
    if (start + size < text.length) fragment.append("…");
    return fragment;
  }

  async function draw(ticket) {
    const slice = results.slice(shown, shown + PAGE);
    const data = await Promise.all(slice.map((r) => r.data()));
    if (ticket !== asked) return;
    for (const d of data) {
      const li = document.createElement("li");
      li.className = "sqmy-result";
      const a = document.createElement("a");
      a.href = d.url;
      a.append(marked(d.meta.title));
      const facts = document.createElement("div");
      facts.className = "sqmy-result__facts";
      facts.textContent = d.meta.facts || "";
      const p = document.createElement("p");
      p.append(excerpt(d.meta.text || "", 90));
      li.append(a, facts, p);
      list.append(li);
    }
    shown += slice.length;
    more.hidden = shown >= results.length;
  }

  async function run() {
    const ticket = ++asked;
    const query = input.value.trim();
    const url = new URL(location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    list.replaceChildren();
    more.hidden = true;
    const runs = normalize(query).match(RUNS) || [];
    words = [...runs].sort((a, b) => b.length - a.length);
    if (!runs.length) {
      count.textContent = query ? "请输入汉字、字母或数字" : "";
      return;
    }
    const pf = await load();
    // ranked by Pagefind (BM25, the title weighing more), kept only where the words really are
    const [ranked, allowed] = pf ? await Promise.all([pf.search(runs.flatMap(pairs).join(" ")), exactly(pf, runs)]) : [null, new Set()];
    if (ticket !== asked) return; // a newer query is on its way
    results = (ranked ? ranked.results : []).filter((r) => allowed.has(r.id));
    shown = 0;
    count.textContent = results.length
      ? "找到 " + results.length + " 条与“" + query + "”有关的信息"
      : "没有找到与“" + query + "”有关的信息";
    await draw(ticket);
  }

  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
    // fetch the index pieces the words need while the typing pauses
    const runs = normalize(input.value).match(RUNS);
    if (pagefind && runs) pagefind.preload(runs.flatMap(pairs).join(" "));
  });
  // start Pagefind (its code and the index's first part) as soon as the page is idle, not at the first query
  (window.requestIdleCallback || setTimeout)(() => load());
  more.addEventListener("click", () => draw(asked));
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    run();
  }
})();
