/* gongkai: 搜索 — full-text search over Pagefind's index, one line per entity or draw.
 *
 * Plain JavaScript, no build step, nothing loaded from elsewhere. The index is written by
 * generator/site/search.py: pagefind/ (Pagefind's own files) and, for a large site, more
 * indexes listed in pagefind/gongkai.json, merged here with Pagefind's mergeIndex. A
 * Pagefind page holds up to 100 entities (an <h2> each, its id the 统一社会信用代码) that
 * share their filters, or one draw; this page lists the entities a query found on each
 * page (its sub-results), or, with no query, every entity of the pages the filters pick.
 * A query that is a 统一社会信用代码 is answered from the 企业查询 index (lookup/), which
 * gongkai-lookup.js reads. Every string from an index is put on the page with textContent.
 */
(function () {
  "use strict";

  var USCC = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
  var PAGES_PER_STEP = 10;
  var FORMAT = "gongkai-search/1";

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  /* Pagefind puts zero-width spaces between the words it found in Chinese text. */
  function plain(text) {
    return String(text || "").replace(/\u200b/g, "").trim();
  }

  /* What a name and a query term are compared by: no spaces, lower case. */
  function key(text) {
    return plain(text).replace(/\s+/g, "").toLowerCase();
  }

  function Search(root) {
    this.root = root;
    this.siteRoot = new URL(root.dataset.root || "../", document.baseURI).href;
    this.input = root.querySelector("#gk-search-q");
    this.status = root.querySelector(".gk-search-status");
    this.list = root.querySelector(".gk-search-list");
    this.more = root.querySelector(".gk-search-more");
    this.selects = Array.prototype.slice.call(root.querySelectorAll("select[data-filter]"));
    this.pagefind = null;
    this.ready = null;
    this.run_id = 0;
  }

  Search.prototype.say = function (text, cls) {
    this.status.textContent = text;
    this.status.className = "gk-search-status" + (cls ? " " + cls : "");
  };

  Search.prototype.init = function () {
    var self = this;
    if (self.ready) return self.ready;
    var base = self.siteRoot + "pagefind/";
    self.ready = fetch(base + "gongkai.json").then(function (res) {
      if (!res.ok) throw new Error("missing");
      return res.json();
    }).then(function (manifest) {
      if (!manifest || manifest.format !== FORMAT) throw new Error("索引格式不符");
      return import(base + "pagefind.js").then(function (pagefind) {
        self.pagefind = pagefind;
        return manifest.bundles.reduce(function (done, path) {
          return done.then(function () { return pagefind.mergeIndex(base + path); });
        }, Promise.resolve());
      });
    }).then(function () {
      return self.pagefind.filters();
    }).then(function (filters) {
      self.selects.forEach(function (select) {
        var values = Object.keys(filters[select.dataset.filter] || {}).sort();
        if (select.dataset.filter === "年度") values.reverse();
        values.forEach(function (v) {
          var option = el("option", v);
          option.value = v;
          select.appendChild(option);
        });
      });
    });
    return self.ready;
  };

  Search.prototype.filters = function () {
    var out = {};
    this.selects.forEach(function (select) {
      if (select.value) out[select.dataset.filter] = select.value;
    });
    return out;
  };

  Search.prototype.entityLine = function (code, name) {
    var li = el("li", null, "gk-search-entity");
    var a = el("a", name);
    a.setAttribute("href", this.siteRoot + "lookup/?q=" + encodeURIComponent(code));
    li.appendChild(a);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", code, "gk-code"));
    return li;
  };

  /* The lines of one Pagefind page: the draw, or the entities the query found on it. */
  Search.prototype.lines = function (data, terms) {
    var self = this;
    if (data.meta.kind === "d") {
      var li = el("li", null, "gk-search-draw");
      var a = el("a", plain(data.meta.title));
      a.setAttribute("href", self.siteRoot + data.meta.url);
      li.appendChild(a);
      return [li];
    }
    var found;
    if (terms.length) {
      found = (data.sub_results || []).filter(function (s) { return s.anchor && s.anchor.id; })
        .map(function (s) { return s.anchor; });
      /* Pagefind matches a page holding all the words; keep the entities whose own name
         holds them all (falling back to every section it marked). */
      var exact = found.filter(function (a) {
        var name = key(a.text);
        return terms.every(function (t) { return name.indexOf(t) >= 0; });
      });
      if (exact.length) found = exact;
    } else {
      found = (data.anchors || []).filter(function (a) { return /^h2$/i.test(a.element) && a.id; });
    }
    return found.map(function (a) { return self.entityLine(a.id, plain(a.text)); });
  };

  Search.prototype.step = function (id) {
    var self = this;
    var batch = self.pending.splice(0, PAGES_PER_STEP);
    return Promise.all(batch.map(function (r) { return r.data(); })).then(function (pages) {
      if (id !== self.run_id) return;
      pages.forEach(function (data) {
        self.lines(data, self.terms).forEach(function (li) {
          self.list.appendChild(li);
          self.shown += 1;
        });
      });
      self.more.hidden = !self.pending.length;
      if (!self.shown) {
        self.say("没有找到符合条件的记录。", "gk-none");
      } else {
        self.say("找到 " + self.shown + " 条记录" + (self.pending.length ? "（还有更多）" : "") + "：");
      }
    });
  };

  Search.prototype.byCode = function (code, id) {
    var self = this;
    var L = window.GongkaiLookup;
    var base = self.siteRoot + "lookup/";
    return fetch(base + "index.json").then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json();
    }).then(function (m) {
      return fetch(base + "code/" + L.codeShard(code, m.code_shards) + ".json");
    }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (shard) {
      if (id !== self.run_id) return;
      var ent = shard && Object.prototype.hasOwnProperty.call(shard, code) ? shard[code] : null;
      if (!ent) { self.say("未找到统一社会信用代码为 " + code + " 的检查对象。", "gk-none"); return; }
      self.list.appendChild(self.entityLine(code, ent.n || "（名称不公开）"));
      self.shown = 1;
      self.say("找到 1 条记录：");
    });
  };

  Search.prototype.run = function (raw) {
    var self = this;
    var q = (raw || "").trim();
    var filters = self.filters();
    var id = ++self.run_id;
    self.list.textContent = "";
    self.more.hidden = true;
    self.shown = 0;
    self.pending = [];
    self.terms = q.split(/\s+/).map(key).filter(Boolean);
    if (!q && !Object.keys(filters).length) {
      self.say("请输入关键词，或选择筛选条件。");
      self.root.dataset.state = "done";
      return Promise.resolve();
    }
    self.say("正在搜索……");
    self.root.dataset.state = "busy";
    var code = q.replace(/\s+/g, "").toUpperCase();
    var job = USCC.test(code) ? self.byCode(code, id) : self.init().then(function () {
      return self.pagefind.search(q || null, { filters: filters });
    }).then(function (search) {
      if (id !== self.run_id) return;
      self.pending = search.results.slice();
      return self.step(id);
    });
    return job.catch(function (err) {
      if (id !== self.run_id) return;
      self.say(err && err.message === "missing" ? "搜索索引尚未生成。" :
        "搜索失败：" + (err && err.message ? err.message : err), "gk-error");
    }).then(function () {
      if (id === self.run_id) self.root.dataset.state = "done";
    });
  };

  function start() {
    var root = document.getElementById("gk-search");
    if (!root || root.dataset.ready) return;
    if (location.protocol === "file:" || !window.GongkaiLookup) {
      root.querySelector(".gk-search-missing").hidden = false;
      root.querySelector("form").hidden = true;
      return;
    }
    var search = new Search(root);
    root.querySelector("form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = search.input.value;
      history.replaceState(null, "", "?q=" + encodeURIComponent(q));
      search.run(q);
    });
    search.selects.forEach(function (select) {
      select.addEventListener("change", function () { search.run(search.input.value); });
    });
    search.more.addEventListener("click", function () { search.step(search.run_id); });
    search.init().then(function () {
      root.dataset.ready = "true";
      var q = new URLSearchParams(location.search).get("q");
      if (q) {
        search.input.value = q;
        search.run(q);
      }
    }, function (err) {
      root.dataset.ready = "true";
      if (err && err.message === "missing") {
        root.querySelector(".gk-search-missing").hidden = false;
      } else {
        search.say("搜索索引读取失败：" + (err && err.message ? err.message : err), "gk-error");
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
