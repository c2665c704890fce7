// sqmy archive search: the query as character pairs, looked up in Pagefind's index, results drawn here.
// The index (sqmy/searchindex.py) holds every Han character and every pair of neighbours; a page matches
// when it has each run of the query as written, so any Chinese word or phrase is found without a dictionary.
//
// Two places search with it: the box in the header of every page (partials/sqmy-search.html: the theme's search
// box and dropdown; Enter opens the search page with the query), and the search page (search/?q=…), which runs
// the query in its address at once. Pagefind is loaded when it is first needed: on the search page as soon as the
// page is idle, elsewhere when the header box is used.
//
// An archive may search others with it (search/sites.json, from units/network.yml: a city searches its counties'
// public editions): each one's index is merged into the query (Pagefind's mergeIndex, fetched from that site), and
// every index is given the office's name as the filter "office", so the search page can keep to one office.
(function () {
  "use strict";
  if (window.sqmySearch) return; // loaded twice (an office's template may add it again)
  window.sqmySearch = true;

  const PAGE = 10; // results drawn at a time; "更多结果" draws the next ones
  const RUNS = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+/g; // as in searchindex.py
  const root = siteRoot();
  const pageLang = document.documentElement.lang;
  let loading = null;
  let others = []; // the other archives searched with this one: {name, url}
  let own = ""; // this office's name (the filter of its own pages) when it searches others

  // the site's root: this script is assets/sqmy-search.js there; else the theme's base address
  function siteRoot() {
    const script = document.currentScript;
    if (script && script.src) return new URL("../", script.src);
    try {
      return new URL(JSON.parse(document.getElementById("__config").textContent).base + "/", location.href);
    } catch (_) {
      return new URL("/", location.href);
    }
  }

  async function json(url) {
    return fetch(url).then((r) => (r.ok ? r.json() : {}), () => ({}));
  }

  // an address a result may link to: http(s) only (another archive's index is data, not code)
  function web(url) {
    try {
      const u = new URL(url, location.href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  async function merge(module, site) {
    const base = new URL(site.url);
    try {
      const entry = await fetch(new URL("_pagefind/pagefind-entry.json", base));
      if (!entry.ok) return false;
      const listed = await json(new URL("_pagefind/sqmy-parts.json", base));
      const parts = ["", ...(Array.isArray(listed.parts) ? listed.parts : [])];
      for (const part of parts) {
        await module.mergeIndex(new URL("_pagefind/" + part, base).href, { baseUrl: base.href, mergeFilter: { office: site.name } });
      }
      return true;
    } catch (_) {
      return false;
    }
  }

  // the name of the other archive a result comes from ("" for this one's own)
  function from(url) {
    const found = others.find((s) => url.startsWith(new URL(s.url).href));
    return found ? found.name : "";
  }

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

  function load() {
    if (loading) return loading;
    loading = (async () => {
      // a large archive is indexed in parts (searchindex.PART): the first in _pagefind/, the others merged into it;
      // an archive without items has no index at all
      const listed = await json(new URL("_pagefind/sqmy-parts.json", root));
      if (listed.empty === true) return null;
      const sites = await json(new URL("search/sites.json", root));
      const wanted = Array.isArray(sites.sites) ? sites.sites.filter((s) => s && typeof s.name === "string" && web(s.url)) : [];
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
      const mine = wanted.length ? { office: String(sites.self || "") } : null;
      if (mine) await module.options({ mergeFilter: mine });
      await Promise.all(
        parts.map((part) =>
          module.mergeIndex(new URL("_pagefind/" + part, root).pathname, { baseUrl: root.pathname, ...(mine ? { mergeFilter: mine } : {}) }),
        ),
      );
      // the other archives: each with its parts, results linking there; one that cannot be reached is left out
      // (its entry file is fetched first: an index that never loads would fail every query)
      const reached = await Promise.all(wanted.map(async (site) => ((await merge(module, site)) ? site : null)));
      others = reached.filter(Boolean);
      own = mine ? mine.office : "";
      return module;
    })();
    loading.catch(() => {
      loading = null; // tried again at the next query
    });
    return loading;
  }

  // Pages that have every run of the query as written. A quoted Pagefind search wants the tokens at
  // neighbouring positions, and a run's pairs are written side by side in the index: the run itself.
  // (An unquoted search also returns near misses, e.g. 纠纷 for 纠缠, which are noise for Chinese.)
  async function exactly(pf, runs, options) {
    let allowed = null;
    for (const found of await Promise.all(runs.map((run) => pf.search('"' + pairs(run).join(" ") + '"', options)))) {
      const ids = new Set((found ? found.results : []).map((r) => r.id));
      allowed = allowed === null ? ids : new Set([...allowed].filter((id) => ids.has(id)));
    }
    return allowed || new Set();
  }

  // the items that have every run, ranked by Pagefind (BM25, the title weighing more)
  // (`office`: only that office's, when the archive searches others too)
  async function find(runs, office) {
    const pf = await load();
    if (!pf) return [];
    const options = office && own ? { filters: { office } } : {};
    const [ranked, allowed] = await Promise.all([pf.search(runs.flatMap(pairs).join(" "), options), exactly(pf, runs, options)]);
    return (ranked ? ranked.results : []).filter((r) => allowed.has(r.id));
  }

  // `text` with every word of the query in <mark>
  function marked(text, words) {
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
  function excerpt(text, words, size) {
    const lower = normalize(text);
    const found = words.map((w) => lower.indexOf(w)).filter((n) => n >= 0);
    const start = found.length ? Math.max(0, Math.min(...found) - Math.floor(size / 3)) : 0;
    const fragment = document.createDocumentFragment();
    if (start > 0) fragment.append("…");
    fragment.append(marked(text.slice(start, start + size), words));
    if (start + size < text.length) fragment.append("…");
    return fragment;
  }

  function element(tag, className, ...children) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    made.append(...children);
    return made;
  }

  // A search box with its results: `run` searches what the box says, `draw` shows the next PAGE results,
  // the "更多结果" button is there only while some are not shown yet.
  // the facts line of a result: the office first when it is another archive's
  function facts(d) {
    const office = from(d.url);
    return (office ? office + " · " : "") + (d.meta.facts || "");
  }

  function searcher({ input, count, list, more, item, idle, onQuery, scope }) {
    let results = [];
    let shown = 0;
    let asked = 0;
    let words = [];

    async function draw(ticket) {
      const slice = results.slice(shown, shown + PAGE);
      const data = await Promise.all(slice.map((r) => r.data()));
      if (ticket !== asked) return;
      for (const d of data) list.append(item(d, words));
      shown += slice.length;
      more.hidden = shown >= results.length;
    }

    async function run() {
      const ticket = ++asked;
      const query = input.value.trim();
      if (onQuery) onQuery(query);
      list.replaceChildren();
      more.hidden = true;
      results = [];
      shown = 0;
      const runs = normalize(query).match(RUNS) || [];
      words = [...runs].sort((a, b) => b.length - a.length);
      if (!runs.length) {
        count.textContent = query ? "请输入汉字、字母或数字" : idle;
        return;
      }
      let found;
      try {
        found = await find(runs, scope ? scope() : "");
      } catch (_) {
        if (ticket === asked) count.textContent = "搜索暂时无法使用，请稍后再试";
        return;
      }
      if (ticket !== asked) return; // a newer query is on its way
      results = found;
      count.textContent = results.length
        ? "找到 " + results.length + " 条与“" + query + "”有关的信息"
        : "没有找到与“" + query + "”有关的信息，请换个字词或少用几个字再试";
      await draw(ticket);
    }

    let timer = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 150);
      // fetch the index pieces the words need while the typing pauses
      const runs = normalize(input.value).match(RUNS);
      if (runs && loading) loading.then((pf) => pf && pf.preload(runs.flatMap(pairs).join(" ")), () => {});
    });
    more.addEventListener("click", () => draw(asked));
    return { run };
  }

  // the search page: its own box, the results with their facts, the query kept in the address
  function searchPage(input) {
    const page = searcher({
      input,
      count: document.getElementById("sqmy-count"),
      list: document.getElementById("sqmy-results"),
      more: document.getElementById("sqmy-more"),
      idle: "",
      item(d, words) {
        const a = element("a", "", marked(d.meta.title, words));
        a.href = web(d.url) || "#";
        const line = element("div", "sqmy-result__facts", facts(d));
        return element("li", "sqmy-result", a, line, element("p", "", excerpt(d.meta.text || "", words, 90)));
      },
      scope: () => (select && !select.hidden ? select.value : ""),
      onQuery(query) {
        const url = new URL(location.href);
        if (query) url.searchParams.set("q", query);
        else url.searchParams.delete("q");
        const office = select && !select.hidden ? select.value : "";
        if (office) url.searchParams.set("in", office);
        else url.searchParams.delete("in");
        history.replaceState(null, "", url);
      },
    });
    // the offices to keep to, when the archive searches others too: shown once they are known
    const select = document.getElementById("sqmy-scope");
    const asked = new URLSearchParams(location.search).get("in") || "";
    // start Pagefind (its code and the index's first part) as soon as the page is idle, not at the first query
    (window.requestIdleCallback || setTimeout)(() =>
      load().then(
        () => {
          if (!select || !others.length) return;
          const names = [own, ...others.map((s) => s.name)];
          select.replaceChildren(new Option("全部（本会和" + others.length + "个单位）", ""), ...names.map((n) => new Option(n, n)));
          select.value = names.includes(asked) ? asked : "";
          select.hidden = false;
          select.addEventListener("change", () => page.run());
          if (input.value.trim() && select.value) page.run();
        },
        () => {},
      ),
    );
    const initial = new URLSearchParams(location.search).get("q");
    if (initial) {
      input.value = initial;
      page.run();
    }
  }

  // the header's box: the theme's search form and dropdown, opened by the theme's toggle (#__search)
  function headerSearch(box) {
    const toggle = document.getElementById("__search");
    const form = box.querySelector("[data-sqmy-page]");
    const input = form.querySelector("input");
    const count = box.querySelector(".sqmy-count");
    const header = searcher({
      input,
      count,
      list: box.querySelector(".md-search-result__list"),
      more: box.querySelector(".sqmy-more"),
      idle: count.textContent,
      item(d, words) {
        const article = element(
          "article",
          "md-search-result__article md-typeset",
          element("div", "md-search-result__icon md-icon"),
          element("h1", "", marked(d.meta.title, words)),
          element("p", "sqmy-result__facts", facts(d)),
          element("p", "", excerpt(d.meta.text || "", words, 80)),
        );
        const a = element("a", "md-search-result__link", article);
        a.href = web(d.url) || "#";
        return element("li", "md-search-result__item", a);
      },
    });
    function open(on) {
      if (toggle && toggle.checked !== on) {
        toggle.checked = on;
        toggle.dispatchEvent(new Event("change"));
      }
    }
    // the magnifier (a phone) opens the panel: the box takes the keyboard; closing it leaves the box
    if (toggle) {
      toggle.addEventListener("change", () => {
        if (toggle.checked) {
          load();
          if (document.activeElement !== input) input.focus();
        } else if (document.activeElement === input) {
          input.blur();
        }
      });
    }
    input.addEventListener("focus", () => {
      load();
      open(true);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        open(false);
        input.blur();
      } else if (event.key === "Enter" && !event.isComposing && event.keyCode !== 229) {
        // Enter (a phone keyboard's 搜索; not the one that ends an input method's word): the search page with the
        // query; a blank query stays here
        const query = input.value.trim();
        if (!query) return;
        event.preventDefault();
        const page = new URL(form.dataset.sqmyPage, location.href);
        page.searchParams.set("q", query);
        location.assign(page.href);
      }
    });
    box.querySelector(".sqmy-clear").addEventListener("click", () => {
      input.value = "";
      header.run();
      input.focus();
    });
  }

  function start() {
    const box = document.querySelector("[data-sqmy-search]");
    if (box) headerSearch(box);
    const input = document.getElementById("sqmy-q");
    if (input) searchPage(input);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
