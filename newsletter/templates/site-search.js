/* The archive's search, over the data files search/<year>.json (newest year first).
   An entry matches when every word of the query is found in its title, organisations or summary, all
   compared in NFKC and lower case: a substring is enough, as Korean needs ("모델" finds "모델이").
   The page gives the form, the places for results and a JSON script element with the years and words. */
"use strict";
(() => {
  const PAGE = 50; // results shown before the reader asks for more
  const DEBOUNCE_MS = 150; // searching as one types waits this long after the last key
  const SNIPPET = 180; // characters of the summary shown around its first match

  const config = JSON.parse(document.getElementById("search-config").textContent);
  const form = document.querySelector(".search-form");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const more = document.getElementById("search-more");
  const typeHeadings = new Map(config.types);
  const loaded = new Map(); // year → promise of its issues, each with its entries' normalised text
  let current = null; // the search on the page; an older one still loading stops when it sees it replaced
  let timer = 0;

  const norm = (text) => text.normalize("NFKC").toLowerCase();
  const say = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key]);

  function load(year) {
    if (!loaded.has(year)) {
      const url = new URL(`${config.root}search/${year}.json`, location.href);
      const data = fetch(url)
        .then((response) => {
          if (!response.ok) throw new Error(`${url}: ${response.status}`);
          return response.json();
        })
        .then(({ issues }) => issues.map((issue) => ({
          issue,
          haystacks: issue.entries.map(([, , title, orgs, text]) => norm([title, ...orgs.map((o) => o[0]), text].join("\n"))),
        })));
      data.catch(() => loaded.delete(year)); // the next search tries again
      loaded.set(year, data);
    }
    return loaded.get(year);
  }

  /** The form's values: the query and the filters, as the URL's parameters name them. */
  function read() {
    const fields = new FormData(form);
    const value = (name) => (fields.get(name) || "").trim();
    return { q: value("q"), type: value("type"), org: value("org"), year: value("year") };
  }

  function fill(params) {
    form.elements.q.value = params.get("q") || "";
    for (const name of ["type", "org", "year"]) {
      const select = form.elements[name];
      select.value = params.get(name) || "";
      if (select.selectedIndex < 0) select.value = ""; // a filter this archive does not have
    }
  }

  function start() {
    clearTimeout(timer);
    const wanted = read();
    const params = new URLSearchParams(Object.entries(wanted).filter(([, v]) => v));
    history.replaceState(null, "", params.toString() ? `?${params}` : location.pathname);
    list.replaceChildren();
    more.hidden = true;
    const terms = norm(wanted.q).split(/\s+/).filter(Boolean);
    if (!terms.length && !wanted.type && !wanted.org && !wanted.year) {
      current = null;
      status.textContent = "";
      return;
    }
    const years = wanted.year ? config.years.filter((y) => String(y) === wanted.year) : config.years;
    // where the scan is: the year (index in years), its data once loaded, the issue and entry in it
    current = { terms, type: wanted.type, org: wanted.org, years, year: 0, data: null, issue: 0, entry: 0, shown: 0, next: null };
    show(current);
  }

  /** The next match in the loaded year from where ``search`` stands, or null at the year's end. */
  function scan(search) {
    for (; search.issue < search.data.length; search.issue++, search.entry = 0) {
      const { issue, haystacks } = search.data[search.issue];
      while (search.entry < haystacks.length) {
        const n = search.entry++;
        const [, type, , orgs] = issue.entries[n];
        if ((!search.type || type === search.type) && (!search.org || orgs.some((o) => o[1] === search.org))
            && search.terms.every((term) => haystacks[n].includes(term))) {
          return { issue, entry: issue.entries[n] };
        }
      }
    }
    search.data = null;
    search.year++;
    search.issue = 0;
    search.entry = 0;
    return null;
  }

  /** Show up to PAGE more results, loading years as needed; a year is loaded only while results are wanted. */
  async function show(search) {
    more.hidden = true;
    status.textContent = config.words.searching;
    let want = PAGE;
    while (want > 0 && (search.next || search.data || search.year < search.years.length)) {
      if (!search.next && !search.data) {
        try {
          search.data = await load(search.years[search.year]);
        } catch {
          if (search === current) status.textContent = say(config.words.load_failed, { year: search.years[search.year] });
          return;
        }
        if (search !== current) return;
      }
      const hit = search.next || scan(search);
      search.next = null;
      if (hit) {
        list.append(result(hit, search.terms));
        search.shown++;
        want--;
      }
    }
    // whether more remain: one match ahead in the year at hand; or years not yet loaded
    if (search.data) search.next = scan(search);
    const remain = Boolean(search.next) || search.year < search.years.length;
    const n = search.shown;
    const words = config.words;
    status.textContent = !n ? words.no_results : say(remain ? words.results_more : n === 1 ? words.result : words.results, { n });
    more.hidden = !remain;
  }

  function element(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    node.append(...children);
    return node;
  }

  /** One result: the entry's title linking to its anchor; its issue, type and organisations; its summary's match. */
  function result({ issue, entry }, terms) {
    const [anchor, type, title, orgs, text] = entry;
    const link = element("a", "", ...marked(title, terms, 0, title.length));
    link.href = `${config.root}${issue.path}#${anchor}`;
    const issueLink = element("a", "", issue.label);
    issueLink.href = config.root + issue.path;
    const meta = element("p", "result-meta", issueLink, ` · ${typeHeadings.get(type) || type}`);
    const names = orgs.map((o) => o[0]).join(", ");
    if (names) meta.append(" · ", ...marked(names, terms, 0, names.length));
    const item = element("li", "result", element("h2", "result-title", link), meta);
    if (text) item.append(element("p", "result-text", ...snippet(text, terms)));
    return item;
  }

  /** Where the terms occur in ``text`` ([start, end) pairs, merged, in order). They are found in the normalised
      text, made a character at a time so that each of its positions maps back to one in ``text``. */
  function matches(text, terms) {
    let flat = "";
    const from = [];
    const to = [];
    let i = 0;
    for (const char of text) {
      const normal = norm(char);
      for (let k = 0; k < normal.length; k++) {
        from.push(i);
        to.push(i + char.length);
      }
      flat += normal;
      i += char.length;
    }
    const found = [];
    for (const term of terms) {
      for (let at = flat.indexOf(term); at >= 0; at = flat.indexOf(term, at + 1)) {
        found.push([from[at], to[at + term.length - 1]]);
      }
    }
    found.sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const [start, end] of found) {
      const last = merged[merged.length - 1];
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    return merged;
  }

  /** ``text`` from ``start`` to ``end`` as text nodes, each match of the terms in a <mark>. */
  function marked(text, terms, start, end) {
    const nodes = [];
    let at = start;
    for (const [from, to] of matches(text, terms)) {
      if (to <= at || from >= end) continue;
      if (from > at) nodes.push(text.slice(at, from));
      nodes.push(element("mark", "", text.slice(Math.max(from, at), Math.min(to, end))));
      at = Math.min(to, end);
    }
    if (at < end) nodes.push(text.slice(at, end));
    return nodes;
  }

  /** The summary, or about SNIPPET characters of it around its first match, cut at spaces. */
  function snippet(text, terms) {
    if (text.length <= SNIPPET) return marked(text, terms, 0, text.length);
    const first = (matches(text, terms)[0] || [0])[0];
    let start = Math.max(0, first - Math.floor(SNIPPET / 3));
    let end = Math.min(text.length, start + SNIPPET);
    const space = text.indexOf(" ", start);
    if (start > 0 && space >= 0 && space < first) start = space + 1;
    const lastSpace = text.lastIndexOf(" ", end);
    if (end < text.length && lastSpace > start + SNIPPET / 2) end = lastSpace;
    // never split a surrogate pair
    if (/[\udc00-\udfff]/.test(text[start] || "")) start--;
    if (/[\udc00-\udfff]/.test(text[end] || "")) end++;
    return [start > 0 ? "…" : "", ...marked(text, terms, start, end), end < text.length ? "…" : ""];
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    start();
  });
  form.elements.q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(start, DEBOUNCE_MS);
  });
  for (const name of ["type", "org", "year"]) form.elements[name].addEventListener("change", start);
  more.addEventListener("click", async () => {
    const before = list.children.length;
    await show(current);
    // the reader goes on from the first new result, not from a button that may be gone
    const first = list.children[before];
    if (first) first.querySelector("a").focus();
  });

  fill(new URLSearchParams(location.search));
  start();
})();
