/* gongkai: 企业查询 — find an entity by name or 统一社会信用代码 in the sharded static index.
 *
 * Plain JavaScript, no build step, nothing loaded from elsewhere. The index is written by
 * generator/site/lookup.py (format gongkai-lookup/2, described there): lookup/index.json
 * (the manifest), lookup/code/<hex>.json (entities by the FNV-1a 32-bit hash of the code,
 * low bits), lookup/t/<table><n>.json (the shared tables an entity refers to by row number)
 * and lookup/name/<hex>.json ([name, code] pairs by the leading characters of the name, the
 * jurisdiction stripped). Only the shards and table chunks a query needs are fetched.
 * Every string from the index is put on the page with textContent, never as HTML. Opened
 * from file://, where browsers refuse fetch, the page says so. window.GongkaiLookup exposes
 * the pieces for the tests and for the search page.
 */
(function () {
  "use strict";

  var USCC = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
  var MAX_NAME_SHARDS = 8;
  var MAX_RESULTS = 50;

  function fnv1a32(text) {
    var bytes = new TextEncoder().encode(text);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  function codeShard(code, shards) {
    var bits = Math.round(Math.log2(shards));
    var width = Math.max(1, Math.ceil(bits / 4));
    var s = (fnv1a32(code) & (shards - 1)).toString(16);
    while (s.length < width) s = "0" + s;
    return s;
  }

  function nameKey(name, strip) {
    var key = name.replace(/\s+/g, "");
    for (var i = 0; i < strip.length; i++) {
      var p = strip[i];
      if (p && key.indexOf(p) === 0 && key.length > p.length) return key.slice(p.length);
    }
    return key;
  }

  function stem(prefix) {
    var parts = [];
    for (var ch of prefix) parts.push(ch.codePointAt(0).toString(16));
    return parts.join("-");
  }

  /* Which name shards can hold keys starting with q: the longest shard prefix of q, and
     every longer shard prefix that starts with q. */
  function nameShards(q, table) {
    var longest = null;
    var longer = [];
    Object.keys(table).forEach(function (k) {
      if (q.indexOf(k) === 0) {
        if (longest === null || k.length > longest.length) longest = k;
      } else if (k.indexOf(q) === 0) {
        longer.push(k);
      }
    });
    var out = longer.sort();
    if (longest !== null) out.unshift(longest);
    return out;
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function link(href, text) {
    var a = el("a", text);
    a.setAttribute("href", href);
    return a;
  }

  function table(headers, rows) {
    var t = el("table", null, "gk-compact");
    var tr = el("tr");
    headers.forEach(function (h) { tr.appendChild(el("th", h)); });
    t.appendChild(el("thead")).appendChild(tr);
    var body = t.appendChild(el("tbody"));
    rows.forEach(function (row) {
      var r = body.appendChild(el("tr"));
      row.forEach(function (cell) {
        var td = r.appendChild(el("td"));
        if (cell instanceof Node) td.appendChild(cell);
        else td.textContent = cell === undefined || cell === null ? "" : String(cell);
      });
    });
    var wrap = el("div", null, "gk-scroll");
    wrap.appendChild(t);
    return wrap;
  }

  function Lookup(root) {
    this.root = root;
    this.base = new URL(root.dataset.root || "../", document.baseURI).href + "lookup/";
    this.siteRoot = new URL(root.dataset.root || "../", document.baseURI).href;
    this.status = root.querySelector(".gk-lookup-status");
    this.results = root.querySelector(".gk-lookup-results");
    this.input = root.querySelector("#gk-lookup-q");
    this.cache = {};
    this.manifest = null;
  }

  Lookup.prototype.fetchJSON = function (path) {
    var self = this;
    if (!self.cache[path]) {
      self.cache[path] = fetch(self.base + path).then(function (res) {
        if (res.status === 404) return null;
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      });
    }
    return self.cache[path];
  };

  Lookup.prototype.load = function () {
    var self = this;
    if (location.protocol === "file:") {
      return Promise.reject(new Error("file"));
    }
    return self.fetchJSON("index.json").then(function (m) {
      if (!m || m.format !== "gongkai-lookup/2") throw new Error("索引格式不符");
      self.manifest = m;
      return m;
    });
  };

  Lookup.prototype.say = function (text, cls) {
    this.status.textContent = text;
    this.status.className = "gk-lookup-status" + (cls ? " " + cls : "");
  };

  Lookup.prototype.byCode = function (code) {
    var self = this;
    var m = self.manifest;
    return self.fetchJSON("code/" + codeShard(code, m.code_shards) + ".json").then(function (shard) {
      return shard && Object.prototype.hasOwnProperty.call(shard, code) ? shard[code] : null;
    });
  };

  /* The shared-table rows an entity refers to, as {table: {row: value}}. */
  function references(ent) {
    var need = { t: {}, d: {}, s: {}, p: {}, w: {} };
    (ent.t || []).forEach(function (i) { need.t[i] = 1; });
    (ent.d || []).forEach(function (d) {
      need.d[d[0]] = 1;
      (d[2] || []).forEach(function (i) { need.p[i] = 1; });
      if (d[5] !== undefined && d[5] !== null) need.w[d[5]] = 1;
    });
    (ent.x || []).forEach(function (x) {
      need.w[x[0]] = 1; need.w[x[1]] = 1;
      x.slice(2).forEach(function (i) { need.d[i] = 1; });
    });
    (ent.s || []).forEach(function (r) {
      need.s[r[0]] = 1;
      if (r[3] !== undefined) need.w[r[3]] = 1;
      (r[4] || []).forEach(function (i) { need.w[i] = 1; });
      (r[5] || []).forEach(function (i) { need.p[i] = 1; });
      (r[6] || []).forEach(function (i) { need.w[i] = 1; });
    });
    return need;
  }

  Lookup.prototype.tables = function (ent) {
    var self = this;
    var size = self.manifest.chunk;
    var need = references(ent);
    var jobs = [];
    var out = {};
    Object.keys(need).forEach(function (table) {
      out[table] = {};
      var chunks = {};
      Object.keys(need[table]).forEach(function (i) { chunks[Math.floor(i / size)] = 1; });
      Object.keys(chunks).forEach(function (c) {
        jobs.push(self.fetchJSON("t/" + table + c + ".json").then(function (rows) {
          if (!rows) throw new Error("缺少共享表 " + table + c);
          rows.forEach(function (row, k) { out[table][c * size + k] = row; });
        }));
      });
    });
    return Promise.all(jobs).then(function () { return out; });
  };

  Lookup.prototype.byName = function (q) {
    var self = this;
    var m = self.manifest;
    var key = nameKey(q, m.strip);
    if (!key) return Promise.resolve({ tooShort: true, hits: [] });
    var shards = nameShards(key, m.name_shards);
    if (shards.length > MAX_NAME_SHARDS) return Promise.resolve({ tooShort: true, hits: [] });
    return Promise.all(shards.map(function (p) {
      return self.fetchJSON("name/" + m.name_shards[p] + ".json");
    })).then(function (lists) {
      var hits = [];
      lists.forEach(function (list) {
        (list || []).forEach(function (pair) {
          if (nameKey(pair[0], m.strip).indexOf(key) === 0) hits.push(pair);
        });
      });
      return { tooShort: false, hits: hits };
    });
  };

  Lookup.prototype.run = function (raw) {
    var self = this;
    var q = (raw || "").trim();
    self.results.textContent = "";
    if (!q) { self.say("请输入企业名称或统一社会信用代码。"); return Promise.resolve(); }
    var code = q.replace(/\s+/g, "").toUpperCase();
    self.say("正在查询……");
    self.root.dataset.state = "busy";
    return self.load().then(function () {
      if (USCC.test(code)) {
        return self.byCode(code).then(function (ent) {
          if (!ent) { self.say("未找到统一社会信用代码为 " + code + " 的检查对象。", "gk-none"); return; }
          self.say("");
          return self.show(code, ent);
        });
      }
      return self.byName(q).then(function (r) {
        if (r.tooShort) { self.say("符合条件的名称太多，请多输入几个字。", "gk-none"); return; }
        if (!r.hits.length) { self.say("未找到名称以“" + q + "”开头的检查对象。", "gk-none"); return; }
        if (r.hits.length === 1) {
          return self.byCode(r.hits[0][1]).then(function (ent) {
            self.say("");
            if (ent) return self.show(r.hits[0][1], ent);
          });
        }
        self.say("找到 " + r.hits.length + " 个检查对象" +
          (r.hits.length > MAX_RESULTS ? "，显示前 " + MAX_RESULTS + " 个" : "") + "：");
        self.list(r.hits.slice(0, MAX_RESULTS));
      });
    }).catch(function (err) {
      if (err && err.message === "file") {
        self.say("企业查询需要通过网站访问（http 或 https）：从本地文件（file://）打开时，浏览器禁止读取查询索引。" +
          "请用 python -m http.server -d site 8000 打开，或下载开放数据自行查找。", "gk-error");
      } else {
        self.say("查询索引读取失败：" + (err && err.message ? err.message : err), "gk-error");
      }
    }).then(function () { self.root.dataset.state = "done"; });
  };

  Lookup.prototype.list = function (hits) {
    var self = this;
    var ul = el("ul", null, "gk-lookup-list");
    hits.forEach(function (pair) {
      var li = ul.appendChild(el("li"));
      var a = link("?q=" + encodeURIComponent(pair[1]), pair[0]);
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        self.go(pair[1]);
      });
      li.appendChild(a);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", pair[1], "gk-code"));
    });
    self.results.appendChild(ul);
  };

  Lookup.prototype.go = function (q) {
    this.input.value = q;
    history.pushState(null, "", "?q=" + encodeURIComponent(q));
    return this.run(q);
  };

  Lookup.prototype.show = function (code, ent) {
    var self = this;
    return self.tables(ent).then(function (tab) { self.render(code, ent, tab); });
  };

  Lookup.prototype.render = function (code, ent, tab) {
    var self = this;
    var m = self.manifest;
    var out = self.results;
    var card = out.appendChild(el("section", null, "gk-entity"));
    card.dataset.code = code;
    card.appendChild(el("h2", ent.n || "（名称不公开）"));
    var dl = card.appendChild(el("dl", null, "gk-fields"));
    function field(k, v) {
      dl.appendChild(el("dt", k));
      var dd = dl.appendChild(el("dd"));
      if (v instanceof Node) dd.appendChild(v); else dd.textContent = v;
    }
    field("统一社会信用代码", el("span", code, "gk-code"));
    (ent.r || []).forEach(function (row) {
      var reg = m.registries[row[0]] || { ref: String(row[0]), name: "", columns: [], values: [] };
      reg.columns.forEach(function (label, i) {
        var v = row[i + 1];
        var values = reg.values[i];
        field(label, typeof v === "number" && values ? values[v] : v);
      });
      field("所在名录库", reg.name + "（" + reg.ref + "）");
    });
    var u = function (path) { return self.siteRoot + path; };
    var w = function (i) { return i === undefined || i === null ? "" : tab.w[i]; };
    var people = function (list) { return (list || []).map(function (i) { return tab.p[i]; }); };
    var label = function (c) { return Object.prototype.hasOwnProperty.call(m.codes, c) ? m.codes[c] : c; };
    if (!ent.t && !ent.d && !ent.s && !ent.x) {
      card.appendChild(el("p", "公开记录中没有该主体的抽查任务、摇号或检查结果。", "gk-lookup-empty"));
      return;
    }
    if (ent.t) {
      card.appendChild(el("h3", "抽查任务（" + ent.t.length + "）"));
      card.appendChild(table(["任务编号", "任务名称", "年度", "牵头部门", "检查期间"], ent.t.map(function (i) {
        var t = tab.t[i];
        return [link(u("plans/" + t[3] + "/"), t[0]), t[1], t[2], t[4], t[6]];
      })));
    }
    if (ent.d) {
      card.appendChild(el("h3", "摇号记录（" + ent.d.length + "）"));
      card.appendChild(table(["摇号记录", "抽查任务", "摇号时间", "检查顺序", "票号", "检查组", "状态"], ent.d.map(function (d) {
        var draw = tab.d[d[0]];
        var t = d[3];
        var ticket = typeof t === "string" ? el("span", t, "gk-ticket") : (typeof t === "number" ? "第 " + t + " 号" : "");
        var team = (d[4] ? d[4] + "：" : "") + people(d[2]).join("、");
        return [link(u(draw[5]), draw[0]), draw[1], draw[3].slice(0, 16).replace("T", " "), d[1], ticket, team, draw[4]];
      })));
    }
    if (ent.x) {
      var rows = [];
      ent.x.forEach(function (x) {
        x.slice(2).forEach(function (i) {
          var draw = tab.d[i];
          rows.push([link(u(draw[5]), draw[0]), draw[1], w(x[0]), w(x[1])]);
        });
      });
      card.appendChild(el("h3", "未纳入摇号（" + rows.length + "）"));
      card.appendChild(table(["摇号记录", "抽查任务", "原因", "说明"], rows));
    }
    if (ent.s) {
      card.appendChild(el("h3", "检查结果（" + ent.s.length + "）"));
      card.appendChild(table(["结果公告", "检查机关", "检查完成日期", "检查结果", "后续处置", "分项结果", "检查人员"], ent.s.map(function (r) {
        var notice = tab.s[r[0]];
        var redacted = (r[6] || []).map(w);
        var items = (r[4] || []).map(w).join("；") + (redacted.length ? "；部分内容依法不予公开：" + redacted.join("、") : "");
        return [link(u("results/" + notice[0] + "/"), notice[0]), notice[2], r[1], label(r[2]), w(r[3]), items, people(r[5]).join("、")];
      })));
    }
  };

  window.GongkaiLookup = { fnv1a32: fnv1a32, codeShard: codeShard, nameKey: nameKey, stem: stem, nameShards: nameShards };

  function start() {
    var root = document.getElementById("gk-lookup");
    if (!root || root.dataset.ready) return;
    var lookup = new Lookup(root);
    root.querySelector("form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      lookup.go(lookup.input.value);
    });
    window.addEventListener("popstate", function () {
      var q = new URLSearchParams(location.search).get("q") || "";
      lookup.input.value = q;
      lookup.run(q);
    });
    var q = new URLSearchParams(location.search).get("q");
    root.dataset.ready = "true";
    if (q) {
      lookup.input.value = q;
      lookup.run(q);
    } else if (location.protocol === "file:") {
      lookup.run("x");
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
