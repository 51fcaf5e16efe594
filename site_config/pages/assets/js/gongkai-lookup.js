/* gongkai: 企业查询 — find an entity by name or 统一社会信用代码 in the sharded static index.
 *
 * Plain JavaScript, no build step, nothing loaded from elsewhere. The index is written by
 * generator/site/lookup.py: lookup/index.json (the manifest), lookup/code/<hex>.json
 * (entities by the FNV-1a 32-bit hash of the code, low bits) and lookup/name/<hex>.json
 * ([name, code] pairs by the leading characters of the name, the jurisdiction stripped).
 * Only the shards a query needs are fetched. Every string from the index is put on the
 * page with textContent, never as HTML. Opened from file://, where browsers refuse fetch,
 * the page says so. window.GongkaiLookup exposes the pieces for the tests.
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
      if (!m || m.format !== "gongkai-lookup/1") throw new Error("索引格式不符");
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
          self.show(code, ent);
        });
      }
      return self.byName(q).then(function (r) {
        if (r.tooShort) { self.say("符合条件的名称太多，请多输入几个字。", "gk-none"); return; }
        if (!r.hits.length) { self.say("未找到名称以“" + q + "”开头的检查对象。", "gk-none"); return; }
        if (r.hits.length === 1) {
          return self.byCode(r.hits[0][1]).then(function (ent) {
            self.say("");
            if (ent) self.show(r.hits[0][1], ent);
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
    (ent.r || []).forEach(function (pair) {
      var reg = m.registries[pair[0]] || { name: pair[0], columns: [] };
      reg.columns.forEach(function (label, i) { field(label, pair[1][i]); });
      field("所在名录库", reg.name + "（" + pair[0] + "）");
    });
    var h = ent.h || {};
    var u = function (path) { return self.siteRoot + path; };
    if (!h.tasks && !h.draws && !h.results && !h.excluded) {
      card.appendChild(el("p", "公开记录中没有该主体的抽查任务、摇号或检查结果。", "gk-lookup-empty"));
      return;
    }
    if (h.tasks) {
      card.appendChild(el("h3", "抽查任务（" + h.tasks.length + "）"));
      card.appendChild(table(["任务编号", "任务名称", "年度", "牵头部门", "检查期间"], h.tasks.map(function (t) {
        return [link(u("plans/" + t.plan + "/"), t.id), t.title, t.year, t.dept, t.window];
      })));
    }
    if (h.draws) {
      card.appendChild(el("h3", "摇号记录（" + h.draws.length + "）"));
      card.appendChild(table(["摇号记录", "抽查任务", "摇号时间", "检查顺序", "票号", "检查组", "状态"], h.draws.map(function (d) {
        var ticket = d.ticket ? el("span", d.ticket, "gk-ticket") : (d.position ? "第 " + d.position + " 号" : "");
        var team = (d.team ? d.team + "：" : "") + (d.members || []).join("、");
        return [link(u(d.url), d.id), d.task, d.drawn_at.slice(0, 16).replace("T", " "), d.order, ticket, team, d.status];
      })));
    }
    if (h.excluded) {
      card.appendChild(el("h3", "未纳入摇号（" + h.excluded.length + "）"));
      card.appendChild(table(["摇号记录", "抽查任务", "原因", "说明"], h.excluded.map(function (x) {
        return [link(u(x.url), x.id), x.task, x.reason, x.detail];
      })));
    }
    if (h.results) {
      card.appendChild(el("h3", "检查结果（" + h.results.length + "）"));
      card.appendChild(table(["结果公告", "检查机关", "检查完成日期", "检查结果", "后续处置", "分项结果", "检查人员"], h.results.map(function (r) {
        var items = r.items.join("；") + (r.redacted.length ? "；部分内容依法不予公开：" + r.redacted.join("、") : "");
        return [link(u(r.url), r.id), r.dept, r.completed_on, r.result, r.disposal, items, r.inspectors.join("、")];
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
