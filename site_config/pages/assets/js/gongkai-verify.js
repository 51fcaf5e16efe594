/* gongkai: check a draw bundle (gongkai-draw-bundle/1) in the browser.
 *
 * Plain JavaScript, no build step, nothing loaded from elsewhere. On a draw page
 * (an element #gk-verify) the button "在浏览器中核验" loads the draw's bundle and re-does
 * what `gongkai verify-draw BUNDLE --root SHA` does (generator/bundle.py verify_bundle),
 * showing each step:
 *
 *  1. the Ed25519 signatures of the root chain, the key registry, the draw record, the
 *     plan and the checklist items (DSSE PAE over the base64-decoded payload; keyid =
 *     SHA-256 of the JCS of {keytype, scheme, keyval: {public}}; thresholds count distinct
 *     keys), with WebCrypto's Ed25519 or, where the browser lacks it, the vendored
 *     @noble/ed25519 (vendor/noble-ed25519-3.2.0.js, loaded only then);
 *  2. what the records commit to (plan SHA-256, task, registry snapshot, items);
 *  3. the beacon as far as a browser can (round, randomness = SHA-256 of the signature,
 *     times); the drand BLS signature is left to the CLI and reported as not checked;
 *  4. the seed formula;
 *  5. every stratum's selection (Rivest's consistent sampler with BigInt tickets, or
 *     RFC 3797 with MD5) against the signed ids, order and full tickets;
 *  6. the inspector assignment (a port of generator/draw.py's _walk, assign_dispersed,
 *     draw_teams and assign_grouped).
 *
 * What a bundle cannot show (the registry snapshot, the inspector registry) is reported
 * as not checked, never as passed. The bundle is fetched from bundle.json; where fetch is
 * not possible (a copy of the site opened from file://) the page's bundle.js, which sets
 * window.GONGKAI_BUNDLES[draw] to the same text, is loaded instead; failing both, the
 * reader can choose the file. window.GongkaiVerify exposes the pieces for the tests.
 */
(function () {
  "use strict";

  var SCRIPT_SRC = document.currentScript ? document.currentScript.src : "";
  var FORMAT = "gongkai-draw-bundle/1";
  var RIVEST = "rivest-consistent-sampler-1.0.10";
  var RFC3797 = "rfc3797";
  var SEED_PREFIX = "gongkai-draw/1";
  var RESERVES = 2;
  var QUICKNET_GENESIS = 1692803367;
  var QUICKNET_PERIOD = 3;
  var QUICKNET_CHAIN = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
  var DAY_MS = 86400000;
  var CEREMONY_MIN_DIGITS = 20;
  var CEREMONY_MAX_DIGITS = 200;

  // ---------------------------------------------------------------------------
  // Bytes, text, hashes

  var enc = new TextEncoder();
  var dec = new TextDecoder("utf-8", { fatal: true });

  function utf8(text) {
    return enc.encode(text);
  }

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function fromHex(text) {
    if (typeof text !== "string" || text.length % 2 || /[^0-9a-fA-F]/.test(text)) return null;
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  /** Strict base64 (RFC 4648, padded), as Python's b64decode(validate=True). */
  function fromBase64(text) {
    if (typeof text !== "string" || text.length % 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      return null;
    }
    var raw = atob(text);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function concat(parts) {
    var n = 0;
    parts.forEach(function (p) { n += p.length; });
    var out = new Uint8Array(n);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function subtle() {
    var s = window.crypto && window.crypto.subtle;
    if (!s) {
      throw new VerifyError(
        "此浏览器在当前页面中不提供 WebCrypto（需要 HTTPS 或本地文件）；请改用命令行核验 / WebCrypto is not available here"
      );
    }
    return s;
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtle().digest("SHA-256", bytes));
  }

  async function sha256Hex(textOrBytes) {
    return hex(await sha256(typeof textOrBytes === "string" ? utf8(textOrBytes) : textOrBytes));
  }

  var MD5_K = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391
  ];
  var MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

  /** MD5 (RFC 1321): RFC 3797 selects with it; WebCrypto does not offer it. */
  function md5(msg) {
    var len = msg.length;
    var total = (((len + 8) >>> 6) << 6) + 64;
    var buf = new Uint8Array(total);
    buf.set(msg);
    buf[len] = 0x80;
    var view = new DataView(buf.buffer);
    view.setUint32(total - 8, (len * 8) >>> 0, true);
    view.setUint32(total - 4, Math.floor(len / 0x20000000), true);
    var a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
    var m = new Int32Array(16);
    for (var off = 0; off < total; off += 64) {
      for (var w = 0; w < 16; w++) m[w] = view.getInt32(off + 4 * w, true);
      var a = a0, b = b0, c = c0, d = d0;
      for (var i = 0; i < 64; i++) {
        var f, g;
        if (i < 16) { f = (b & c) | (~b & d); g = i; }
        else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
        else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
        else { f = c ^ (b | ~d); g = (7 * i) % 16; }
        f = (f + a + MD5_K[i] + m[g]) | 0;
        a = d; d = c; c = b;
        var s = MD5_S[(i >> 4) * 4 + (i % 4)];
        b = (b + ((f << s) | (f >>> (32 - s)))) | 0;
      }
      a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
    }
    var out = new Uint8Array(16);
    var ov = new DataView(out.buffer);
    ov.setInt32(0, a0, true); ov.setInt32(4, b0, true); ov.setInt32(8, c0, true); ov.setInt32(12, d0, true);
    return out;
  }

  /** RFC 8785 (JCS) canonical JSON of plain JSON data. */
  function jcs(value) {
    if (value === null || typeof value === "boolean" || typeof value === "string") {
      return JSON.stringify(value);
    }
    if (typeof value === "number") {
      if (!isFinite(value)) throw new VerifyError("数据包含非有限数字 / a number that is not finite");
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
    var keys = Object.keys(value).sort();
    return "{" + keys.map(function (k) { return JSON.stringify(k) + ":" + jcs(value[k]); }).join(",") + "}";
  }

  function same(a, b) {
    return jcs(a) === jcs(b);
  }

  /** Python's str order (code points); JS compares UTF-16 units, which differ past U+D7FF. */
  function cmpText(a, b) {
    if (a === b) return 0;
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) {
      var x = a.charCodeAt(i), y = b.charCodeAt(i);
      if (x !== y) {
        x = x >= 0xe000 ? x - 0x800 : x >= 0xd800 ? x + 0x2000 : x;
        y = y >= 0xe000 ? y - 0x800 : y >= 0xd800 ? y + 0x2000 : y;
        return x < y ? -1 : 1;
      }
    }
    return a.length < b.length ? -1 : 1;
  }

  function pae(payloadType, body) {
    var t = utf8(payloadType);
    return concat([
      utf8("DSSEv1 " + t.length + " "), t, utf8(" " + body.length + " "), body
    ]);
  }

  function payloadTypeOf(recordType) {
    var parts = String(recordType).split("/");
    return "application/vnd.gongkai." + parts[0] + "." + parts[1] + "+json";
  }

  async function keyidOf(publicHex) {
    return sha256Hex(jcs({ keytype: "ed25519", scheme: "ed25519", keyval: { public: publicHex } }));
  }

  // ---------------------------------------------------------------------------
  // Ed25519: WebCrypto where the browser has it, else the vendored @noble/ed25519

  // RFC 8032 §7.1, test 1: decides whether the WebCrypto implementation can be used.
  var RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  var RFC8032_SIG =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
  var ed = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = src;
      el.onload = function () { resolve(); };
      el.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(el);
    });
  }

  async function webcryptoVerify(publicBytes, message, sig) {
    var key = await subtle().importKey("raw", publicBytes, { name: "Ed25519" }, false, ["verify"]);
    return subtle().verify({ name: "Ed25519" }, key, sig, message);
  }

  async function ed25519() {
    if (ed) return ed;
    var pub = fromHex(RFC8032_PUBLIC), sig = fromHex(RFC8032_SIG), empty = new Uint8Array(0);
    if (!window.GONGKAI_FORCE_NOBLE) {
      try {
        if (await webcryptoVerify(pub, empty, sig)) {
          ed = {
            name: "WebCrypto Ed25519",
            verify: async function (p, m, s) {
              try { return await webcryptoVerify(p, m, s); } catch (e) { return false; }
            }
          };
          return ed;
        }
      } catch (e) { /* not supported: fall back */ }
    }
    if (!window.nobleEd25519) {
      var base = SCRIPT_SRC ? SCRIPT_SRC.replace(/[^/]*$/, "") : "";
      await loadScript(base + "vendor/noble-ed25519-3.2.0.js");
    }
    var noble = window.nobleEd25519;
    if (!noble || !(await noble.verifyAsync(sig, empty, pub, { zip215: false }))) {
      throw new VerifyError("无法加载 Ed25519 签名验证程序 / no Ed25519 verifier could be loaded");
    }
    ed = {
      name: "@noble/ed25519 3.2.0",
      verify: async function (p, m, s) {
        try { return await noble.verifyAsync(s, m, p, { zip215: false }); } catch (e) { return false; }
      }
    };
    return ed;
  }

  // ---------------------------------------------------------------------------
  // Errors and steps

  function VerifyError(message) {
    this.message = message;
  }

  var STATUS_LABEL = { pass: "通过", fail: "未通过", "not checked": "未核验", skipped: "未进行" };

  // ---------------------------------------------------------------------------
  // Signed records from DSSE envelopes

  var KIND_OF = {
    "root/v1": "root", "keys/v1": "keys", "draw/v1": "draw", "plan/v1": "plan",
    "checklist-item/v1": "checklist-item", "void/v1": "void"
  };

  async function readDoc(env, where) {
    if (!env || typeof env !== "object" || typeof env.payload !== "string" ||
        typeof env.payloadType !== "string" || !Array.isArray(env.signatures)) {
      throw new VerifyError(where + "：不是 DSSE 信封 / not a DSSE envelope");
    }
    var body = fromBase64(env.payload);
    var signed;
    try {
      signed = JSON.parse(dec.decode(body));
    } catch (e) {
      body = null;
    }
    if (!body || !signed || typeof signed !== "object" || Array.isArray(signed)) {
      throw new VerifyError(where + ".payload：不是 JSON 记录的 base64 / not base64 of a JSON record");
    }
    var kind = KIND_OF[signed._type];
    if (!kind) throw new VerifyError(where + ".payload：未知的记录类型 " + signed._type);
    if (env.payloadType !== payloadTypeOf(signed._type)) {
      throw new VerifyError(
        where + ".payloadType：与记录类型不符（" + env.payloadType + "，应为 " + payloadTypeOf(signed._type) + "）"
      );
    }
    return {
      where: where,
      kind: kind,
      signed: signed,
      signatures: env.signatures,
      message: pae(env.payloadType, body),
      digest: await sha256Hex(jcs(signed))
    };
  }

  function signedOn(doc) {
    var r = doc.signed;
    if (doc.kind === "draw") return String(r.drawn_at || "").slice(0, 10);
    if (doc.kind === "void") return r.voided_on;
    var names = ["published_on", "snapshot_date", "as_of", "effective_from"];
    for (var i = 0; i < names.length; i++) if (typeof r[names[i]] === "string") return r[names[i]];
    return null;
  }

  /** Parse {keyid, sig} entries as generator/signing.py parse_signatures does. */
  function parseSignatures(raw) {
    var entries = [], problems = [];
    raw.forEach(function (item, i) {
      var where = "signatures[" + i + "]";
      if (!item || typeof item !== "object" || Object.keys(item).sort().join(",") !== "keyid,sig") {
        problems.push(where + "：须恰有 keyid 和 sig");
        return;
      }
      if (typeof item.keyid !== "string" || !/^[0-9a-f]{64}$/.test(item.keyid)) {
        problems.push(where + ".keyid：不是 keyid（应为 64 位小写十六进制）");
        return;
      }
      var sig = fromBase64(item.sig);
      if (!sig || sig.length !== 64) {
        problems.push(where + ".sig：不是 64 字节 Ed25519 签名的 base64");
        return;
      }
      entries.push({ index: i, keyid: item.keyid, sig: sig });
    });
    return { entries: entries, problems: problems };
  }

  async function keyIndex(publics) {
    var byKeyid = {};
    for (var i = 0; i < publics.length; i++) byKeyid[await keyidOf(publics[i])] = publics[i];
    return byKeyid;
  }

  /** generator/trust.py _threshold_check: distinct keys of ``publics`` whose signatures verify. */
  async function thresholdCheck(doc, publics, threshold, who) {
    var parsed = parseSignatures(doc.signatures);
    if (parsed.problems.length) return { ok: false, why: parsed.problems[0] };
    var byKeyid = await keyIndex(publics);
    var verifier = await ed25519();
    var good = {};
    var changed = null;
    for (var i = 0; i < parsed.entries.length; i++) {
      var e = parsed.entries[i];
      var pub = byKeyid[e.keyid];
      if (pub !== undefined && (await verifier.verify(fromHex(pub), doc.message, e.sig))) {
        good[pub] = true;
      } else if (pub !== undefined && changed === null) {
        changed = e;
      }
    }
    var counted = publics.filter(function (p, i) { return good[p] && publics.indexOf(p) === i; });
    if (counted.length < threshold) {
      if (changed) {
        return {
          ok: false,
          why: "signatures[" + changed.index + "] 验证不通过：记录在签名后被改动，或签名针对的是其他数据"
        };
      }
      return { ok: false, why: "由 " + counted.length + " 把" + who + "签名，门槛为 " + threshold };
    }
    return { ok: true, why: "由 " + counted.length + " 把" + who + "签名（门槛 " + threshold + "）" };
  }

  function byVersion(a, b) {
    return a.signed.version - b.signed.version;
  }

  /** generator/trust.py verify_root_chain. */
  async function verifyRootChain(roots, now, pinned, report) {
    var ordered = roots.slice().sort(byVersion);
    for (var v = 0; v < ordered.length; v++) {
      if (ordered[v].signed.version !== v + 1) {
        report("fail", "根信任链", "根信任的版本须连续（第 " + ordered[v].signed.version + " 版处应为第 " + (v + 1) + " 版）");
        return null;
      }
    }
    var start = 0;
    if (pinned) {
      var digests = ordered.map(function (d) { return d.digest; });
      start = digests.indexOf(pinned);
      if (start < 0) {
        report("fail", "根信任链",
          "数据包中没有任何一版根信任的 SHA-256 等于本站公布的 " + pinned + "（数据包中为 " +
          digests.map(function (d) { return d.slice(0, 16) + "…"; }).join("、") + "）");
        return null;
      }
    }
    var trusted = null;
    var lines = [];
    for (var i = start; i < ordered.length; i++) {
      var doc = ordered[i], root = doc.signed;
      var own = (root.keys || []).map(function (k) { return k.public; });
      var r = await thresholdCheck(doc, own, root.threshold, "本版根密钥");
      if (!r.ok) {
        report("fail", "根信任链", "根信任第 " + root.version + " 版：" + r.why);
        return trusted;
      }
      var line = "第 " + root.version + " 版：" + r.why;
      if (i === start) {
        line += pinned
          ? "；其 SHA-256 " + doc.digest + " 与本站公布的一致（本站与数据包同源，请再与 gongkai --help 或其他公开渠道公布的值核对）"
          : "；未固定（首次使用即信任）";
      } else {
        var prevDoc = ordered[i - 1], prev = prevDoc.signed;
        if (root.supersedes !== prevDoc.digest) {
          report("fail", "根信任链", "根信任第 " + root.version + " 版没有指明第 " + prev.version + " 版（supersedes 不符）");
          return trusted;
        }
        var p = await thresholdCheck(doc, (prev.keys || []).map(function (k) { return k.public; }),
          prev.threshold, "上一版根密钥");
        if (!p.ok) {
          report("fail", "根信任链", "根信任第 " + root.version + " 版：" + p.why + "；新版根信任须同时由上一版根密钥按门槛签名");
          return trusted;
        }
        line += "；" + p.why;
      }
      lines.push(line);
      trusted = root;
    }
    report("pass", "根信任链", lines.join("\n"));
    if (String(trusted.expires) < now) {
      report("fail", "根信任有效期", "最新的根信任（第 " + trusted.version + " 版）已于 " + trusted.expires + " 过期");
    } else {
      report("pass", "根信任有效期", "最新的根信任（第 " + trusted.version + " 版）有效期至 " + trusted.expires);
    }
    return trusted;
  }

  /** generator/trust.py verify_key_registry. */
  async function verifyKeyRegistry(versions, root, report) {
    var ordered = versions.slice().sort(byVersion);
    var rootKeys = await keyIndex((root.keys || []).map(function (k) { return k.public; }));
    var signerIds = (root.key_registry && root.key_registry.keys) || [];
    var signers = [];
    for (var s = 0; s < signerIds.length; s++) {
      var pub = rootKeys[signerIds[s]];
      if (pub === undefined) {
        report("fail", "签名密钥登记册", "根信任指定的登记册签名密钥不在根密钥中");
        return null;
      }
      if (signers.indexOf(pub) < 0) signers.push(pub);
    }
    var latest = null, prevDoc = null, lines = [];
    for (var i = 0; i < ordered.length; i++) {
      var doc = ordered[i], reg = doc.signed;
      if (reg.version !== i + 1) {
        report("fail", "签名密钥登记册", "登记册的版本须连续（第 " + reg.version + " 版处应为第 " + (i + 1) + " 版）");
        return latest;
      }
      var r = await thresholdCheck(doc, signers, root.key_registry.threshold, "根信任指定的登记册签名密钥");
      if (!r.ok) {
        report("fail", "签名密钥登记册", "登记册第 " + reg.version + " 版：" + r.why);
        return latest;
      }
      if (prevDoc) {
        if (reg.supersedes !== prevDoc.digest) {
          report("fail", "签名密钥登记册", "登记册第 " + reg.version + " 版没有指明上一版（supersedes 不符）");
          return latest;
        }
        var now = {};
        (reg.keys || []).forEach(function (k) { now[k.public] = true; });
        var dropped = (prevDoc.signed.keys || []).filter(function (k) { return !now[k.public]; });
        if (dropped.length) {
          report("fail", "签名密钥登记册", "密钥只能吊销、不能删除（第 " + reg.version + " 版缺少 " +
            dropped.map(function (k) { return k.label; }).join("、") + "）");
          return latest;
        }
      }
      lines.push("第 " + reg.version + " 版：" + r.why);
      latest = reg;
      prevDoc = doc;
    }
    report("pass", "签名密钥登记册", lines.join("\n"));
    return latest;
  }

  /** generator/trust.py _key_problem: [why it does not count, warning]. */
  function keyProblem(key, kind, when) {
    if ((key.kinds || []).indexOf(kind) < 0) return ["密钥“" + key.label + "”无权签署此类记录", null];
    if (when < key.valid_from || when > key.valid_until) {
      return ["密钥“" + key.label + "”在 " + when + " 不在有效期内（" + key.valid_from + " 至 " + key.valid_until + "）", null];
    }
    var rev = key.revocation;
    if (rev) {
      if (rev.reason === "compromised") {
        if (when >= rev.compromised_since) {
          return ["密钥“" + key.label + "”自 " + rev.compromised_since + " 起已泄露（记录日期 " + when + "）", null];
        }
        return [null, "密钥“" + key.label + "”后来被报告泄露（自 " + rev.compromised_since + " 起），本记录日期在此之前"];
      }
      if (when >= rev.at) {
        return ["密钥“" + key.label + "”已于 " + rev.at + " 更换，而记录日期为 " + when, null];
      }
    }
    return [null, null];
  }

  /** generator/trust.py check_signatures, with a ceremony draw's witnesses_required. */
  async function checkRecordSignatures(doc, registry) {
    var when = signedOn(doc);
    if (!when) return { status: "not checked", why: "记录没有可用于判断密钥有效期的日期" };
    var parsed = parseSignatures(doc.signatures);
    if (parsed.problems.length) return { status: "fail", why: parsed.problems[0] };
    var keys = {};
    (registry.keys || []).forEach(function (k) { keys[k.public] = k; });
    var byKeyid = await keyIndex(Object.keys(keys));
    var verifier = await ed25519();
    var good = [], goodEntry = {};
    for (var i = 0; i < parsed.entries.length; i++) {
      var e = parsed.entries[i];
      var pub = byKeyid[e.keyid];
      if (pub === undefined) {
        return { status: "fail", why: "signatures[" + e.index + "]：keyid " + e.keyid.slice(0, 16) + "… 不在签名密钥登记册中" };
      }
      if (!(await verifier.verify(fromHex(pub), doc.message, e.sig))) {
        return { status: "fail", why: "signatures[" + e.index + "] 验证不通过：记录在签名后被改动，或签名针对的是其他数据" };
      }
      if (!goodEntry[pub]) { goodEntry[pub] = e; good.push(pub); }
    }
    var counting = [], warnings = [];
    for (var g = 0; g < good.length; g++) {
      var key = keys[good[g]];
      var problem = keyProblem(key, doc.kind, when);
      if (problem[0]) return { status: "fail", why: "signatures[" + goodEntry[good[g]].index + "]：" + problem[0] };
      if (problem[1]) warnings.push(problem[1]);
      counting.push(key);
    }
    var reqs = (registry.requirements && registry.requirements[doc.kind]) || [{ signer: "department", count: 1 }];
    reqs = reqs.map(function (r) { return { signer: r.signer, count: r.count === undefined ? 1 : r.count }; });
    var needed = doc.kind === "draw" && doc.signed.beacon ? doc.signed.beacon.witnesses_required || 0 : 0;
    if (needed) {
      var hasWitness = false;
      reqs.forEach(function (r) {
        if (r.signer === "witness") { r.count = Math.max(r.count, needed); hasWitness = true; }
      });
      if (!hasWitness) reqs.push({ signer: "witness", count: needed });
    }
    var dept = typeof doc.signed.department === "string" ? doc.signed.department : null;
    for (var q = 0; q < reqs.length; q++) {
      var req = reqs[q], have, who;
      if (req.signer === "department") {
        have = counting.filter(function (k) { return k.role === "department" && k.department === dept; });
        who = "部门 " + dept + " 的密钥";
      } else {
        have = counting.filter(function (k) { return k.role === "witness"; });
        who = "见证人密钥";
      }
      if (have.length < req.count) {
        return { status: "fail", why: "需要 " + req.count + " 个" + who + "签名，只有 " + have.length + " 个" };
      }
    }
    var labels = counting.map(function (k) {
      return k.label + (k.role === "witness" ? "（见证人：" + (k.witness_kind || "") + "）" : "");
    });
    return {
      status: "pass",
      why: "签名者：" + labels.join("、") + "（记录日期 " + when + "）" + (warnings.length ? "；注意：" + warnings.join("；") : "")
    };
  }

  // ---------------------------------------------------------------------------
  // The draw: a port of generator/draw.py

  function DrawError(message) {
    this.message = message;
  }

  function makeSeed(taskId, planSha, label) {
    return SEED_PREFIX + "|" + taskId + "|" + planSha + "|" + label;
  }

  /** k = count, or ceil(ratio × n) with exact decimals. */
  function kFor(stratum, n) {
    if (stratum.count !== null && stratum.count !== undefined) return stratum.count;
    var m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(String(stratum.ratio));
    if (!m) throw new DrawError("分层比例不是小数：" + stratum.ratio);
    var frac = m[2] || "";
    var num = BigInt(m[1] + frac) * BigInt(n);
    var den = BigInt(10) ** BigInt(frac.length);
    return Number((num + den - BigInt(1)) / den);
  }

  function ratioPositive(ratio) {
    return /[1-9]/.test(String(ratio));
  }

  function reverse(text) {
    return text.split("").reverse().join("");
  }

  /** The full-precision ticket of ``item`` given sha256_hex(seed) (generator/sampler.py ticket). */
  async function ticket(seedHash, item) {
    var n = BigInt("0x" + (await sha256Hex(seedHash + item)));
    var digits = n.toString();
    while (digits.length < 64) digits = "0" + digits;
    return "0." + reverse(digits);
  }

  function byTicket(a, b) {
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : cmpText(a[1], b[1]);
  }

  async function tickets(ids, seed, progress) {
    var seedHash = await sha256Hex(seed);
    var out = new Array(ids.length);
    var batch = 4096;
    for (var start = 0; start < ids.length; start += batch) {
      var part = ids.slice(start, start + batch);
      var got = await Promise.all(part.map(function (id) { return ticket(seedHash, id); }));
      for (var i = 0; i < got.length; i++) out[start + i] = [got[i], part[i]];
      if (progress) progress(Math.min(start + batch, ids.length), ids.length);
    }
    return out;
  }

  function distinct(ids) {
    return new Set(ids).size === ids.length;
  }

  /** generator/sampler.py sample: the first ``take`` ids in ticket order, [ticket, id]. */
  async function sample(ids, seed, take, progress) {
    if (take < 0 || take > ids.length) throw new DrawError("抽取数超出范围（k=" + take + "，N=" + ids.length + "）");
    if (!distinct(ids)) throw new DrawError("对象编号有重复");
    if (take === 0) return [];
    var all = await tickets(ids, seed, progress);
    all.sort(byTicket);
    return all.slice(0, take);
  }

  /** generator/sampler.py order: all ids in ticket order, [ticket, id]. */
  async function order(ids, seed) {
    if (!distinct(ids)) throw new DrawError("编号有重复");
    var all = await tickets(ids, seed);
    return all.sort(byTicket);
  }

  var KEY_STRING = /^(?:(?:0|[1-9][0-9]*)\.)+\/(?:(?:(?:0|[1-9][0-9]*)\.)+\/)*$/;

  function canonicalKeyString(key) {
    if (!KEY_STRING.test(key)) return null;
    return key.split("/").slice(0, -1).map(function (part) {
      var values = part.split(".").slice(0, -1).map(function (v) { return BigInt(v); });
      values.sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
      return values.map(function (v) { return v.toString() + "."; }).join("") + "/";
    }).join("");
  }

  /** generator/rfc3797.py select: [{position, item, digest}]. */
  function rfc3797Select(pool, key, take) {
    if (!KEY_STRING.test(key)) throw new DrawError("不是 RFC 3797 密钥串：" + key);
    if (!pool.length) throw new DrawError("对象池为空");
    if (!distinct(pool)) throw new DrawError("对象池中有重复的编号");
    if (take > pool.length || take > 0x10000) throw new DrawError("抽取数超出范围");
    var keyBytes = utf8(key);
    var remaining = [];
    for (var p = 1; p <= pool.length; p++) remaining.push(p);
    var chosen = [];
    for (var j = 0; j < take; j++) {
      var prefix = new Uint8Array([(j >> 8) & 255, j & 255]);
      var digest = hex(md5(concat([prefix, keyBytes, prefix])));
      var index = Number(BigInt("0x" + digest) % BigInt(remaining.length));
      var position = remaining.splice(index, 1)[0];
      chosen.push({ position: position, item: pool[position - 1], digest: digest });
    }
    return chosen;
  }

  function describe(match) {
    var keys = Object.keys(match || {});
    return keys.length ? keys.map(function (k) { return k + "=" + match[k]; }).join(", ") : "全部";
  }

  /** generator/draw.py draw_targets. ``members``: the pool ids per stratum. */
  async function drawTargets(spec, seed, members, progress) {
    var poolSize = members.reduce(function (n, m) { return n + m.length; }, 0);
    if (poolSize === 0) throw new DrawError("对象池为空");
    var rfc = spec.algorithm === RFC3797;
    if (!rfc && spec.algorithm !== RIVEST) throw new DrawError("未知的摇号算法：" + spec.algorithm);
    if (rfc && members.length !== 1) throw new DrawError("rfc3797 算法只用于单一分层");
    var key = "";
    if (rfc) {
      var label = seed.slice(seed.lastIndexOf("|") + 1);
      if (label.indexOf("lottery:") !== 0) throw new DrawError("rfc3797 算法需要彩票号码");
      key = label.slice("lottery:".length);
    }
    var strata = [], visits = [], inOrder = [], totalK = 0;
    for (var i = 0; i < spec.strata.length; i++) {
      var st = spec.strata[i], ids = members[i], n = ids.length, k = kFor(st, n);
      var hasRatio = st.ratio !== null && st.ratio !== undefined;
      if (n === 0 && (k > 0 || (hasRatio && ratioPositive(st.ratio)))) {
        throw new DrawError("分层 " + describe(st.match) + " 为空，但比例或数量为正");
      }
      if (k > n) throw new DrawError("分层 " + describe(st.match) + " 的抽取数大于对象数（k=" + k + "，N=" + n + "）");
      totalK += k;
      var entry = { match: st.match, population: n, take: k };
      if (hasRatio) entry.ratio = st.ratio; else entry.count = st.count;
      if (rfc) {
        entry.selected = (k ? rfc3797Select(ids, key, k) : []).map(function (c) {
          return { target: c.item, position: c.position, digest: c.digest };
        });
        inOrder = inOrder.concat(entry.selected);
      } else {
        var chosen = await sample(ids, seed, k, progress && progress(i));
        entry.selected = chosen.map(function (c) { return { target: c[1], ticket: c[0] }; });
        visits = visits.concat(chosen);
      }
      strata.push(entry);
    }
    var minimum = Math.ceil((3 * poolSize) / 100);
    if (totalK < minimum && !spec.ratioJustified) {
      throw new DrawError("各分层共抽取 " + totalK + " 户，低于对象池 " + poolSize + " 户的 3%（至少 " + minimum + " 户），且计划未说明理由");
    }
    if (rfc) return { strata: strata, visits: inOrder };
    visits.sort(byTicket);
    return { strata: strata, visits: visits.map(function (v) { return { target: v[1], ticket: v[0] }; }) };
  }

  function teamSize(spec) {
    return Math.max(spec.teamSize, 1 + spec.participants.length);
  }

  function Needs(spec) {
    this.departments = new Set([spec.lead].concat(spec.participants));
    this.expertise = new Set(spec.expertise);
  }
  Needs.prototype.helpedBy = function (p) {
    var self = this;
    return this.departments.has(p.unit) || p.expertise.some(function (x) { return self.expertise.has(x); });
  };
  Needs.prototype.take = function (p) {
    var self = this;
    this.departments.delete(p.unit);
    p.expertise.forEach(function (x) { self.expertise.delete(x); });
  };
  Needs.prototype.unmet = function () {
    return this.departments.size + this.expertise.size;
  };

  /** generator/draw.py _walk: one team from a ranking; {team, reserves, skipped}. */
  function walk(spec, ranking, people, usable) {
    var size = teamSize(spec), needs = new Needs(spec);
    var team = [], reserves = [], skipped = [], done = false;
    for (var i = 0; i < ranking.length; i++) {
      var pid = ranking[i];
      var why = usable(pid);
      if (why !== null) {
        skipped.push({ inspector: pid, reason: why });
        continue;
      }
      var person = people[pid];
      if (done) {
        reserves.push(pid);
        if (reserves.length === RESERVES) break;
        continue;
      }
      var free = size - team.length;
      if (needs.helpedBy(person) || free > needs.unmet()) {
        team.push(pid);
        needs.take(person);
      }
      if (team.length >= size && needs.unmet() === 0) done = true;
    }
    if (!done) throw new DrawError("可选的检查人员不足以组成一组（" + team.length + "/" + size + "）");
    return { team: team, reserves: reserves, skipped: skipped };
  }

  function eligiblePeople(spec, people) {
    var units = new Set([spec.lead].concat(spec.participants));
    return Object.keys(people).filter(function (pid) {
      return people[pid].active && units.has(people[pid].unit);
    }).sort(cmpText);
  }

  async function assignDispersed(spec, seed, visits, people) {
    var eligible = eligiblePeople(spec, people);
    var load = {};
    var out = [];
    for (var v = 0; v < visits.length; v++) {
      var target = visits[v].target;
      var usable = function (pid) {
        if (people[pid].conflicts.indexOf(target) >= 0) return "回避";
        if (spec.workloadCap !== null && (load[pid] || 0) >= spec.workloadCap) return "已达工作量上限";
        return null;
      };
      var ranking = (await order(eligible, seed + "|inspectors|" + target)).map(function (t) { return t[1]; });
      var got = walk(spec, ranking, people, usable);
      got.team.forEach(function (pid) { load[pid] = (load[pid] || 0) + 1; });
      out.push({
        target: target,
        members: got.team,
        reserves: got.reserves,
        recusals: got.skipped.filter(function (s) { return s.reason === "回避"; })
      });
    }
    return out;
  }

  async function drawTeams(spec, seed, people) {
    var remaining = (await order(eligiblePeople(spec, people), seed + "|teams")).map(function (t) { return t[1]; });
    var teams = [];
    while (remaining.length) {
      var got;
      try {
        got = walk(spec, remaining, people, function () { return null; });
      } catch (e) {
        if (e instanceof DrawError) break;
        throw e;
      }
      var id = "G" + (teams.length + 1 < 10 ? "0" : "") + (teams.length + 1);
      teams.push({ team: id, members: got.team });
      remaining = remaining.filter(function (pid) { return got.team.indexOf(pid) < 0; });
    }
    if (!teams.length) throw new DrawError("可选的检查人员不足以组成一个检查组");
    return teams;
  }

  async function assignGrouped(spec, seed, visits, people, teams) {
    var byId = {};
    teams.forEach(function (t) { byId[t.team] = t.members; });
    var ids = Object.keys(byId).sort(cmpText);
    var load = {};
    var out = [];
    for (var v = 0; v < visits.length; v++) {
      var target = visits[v].target;
      var ranking = (await order(ids, seed + "|teams|" + target)).map(function (t) { return t[1]; });
      var chosen = [], recusals = [];
      for (var i = 0; i < ranking.length; i++) {
        var tid = ranking[i];
        if (byId[tid].some(function (m) { return people[m].conflicts.indexOf(target) >= 0; })) {
          recusals.push({ inspector: tid, reason: "回避" });
          continue;
        }
        if (spec.workloadCap !== null && (load[tid] || 0) >= spec.workloadCap) continue;
        chosen.push(tid);
        if (chosen.length === 2) break;
      }
      if (!chosen.length) throw new DrawError("没有可检查 " + target + " 的检查组（回避或工作量）");
      load[chosen[0]] = (load[chosen[0]] || 0) + 1;
      out.push({
        target: target, team: chosen[0], members: byId[chosen[0]].slice(), reserves: chosen.slice(1), recusals: recusals
      });
    }
    return out;
  }

  async function assignInspectors(spec, seed, visits, people) {
    if (spec.matching === "分组") {
      var teams = await drawTeams(spec, seed, people);
      return { teams: teams, assignments: await assignGrouped(spec, seed, visits, people, teams) };
    }
    return { teams: [], assignments: await assignDispersed(spec, seed, visits, people) };
  }

  /** generator/drawing.py spec_for. */
  function specFor(plan, task, items) {
    var expertise = new Set();
    items.forEach(function (d) { (d.signed.expertise || []).forEach(function (x) { expertise.add(x); }); });
    var draws = task.draws || ["targets", "inspectors"];
    var rules = task.inspectors || {};
    return {
      taskId: task.id,
      lead: task.lead,
      participants: task.participants || [],
      expertise: Array.from(expertise).sort(cmpText),
      strata: ((task.strata && task.strata.groups) || []).map(function (g) {
        return {
          match: g.match || {},
          ratio: g.ratio === undefined ? null : g.ratio,
          count: g.count === undefined ? null : g.count
        };
      }),
      drawsTargets: draws.indexOf("targets") >= 0,
      drawsInspectors: draws.indexOf("inspectors") >= 0,
      matching: rules.matching,
      teamSize: rules.team_size === undefined ? 2 : rules.team_size,
      workloadCap: rules.workload_cap === undefined ? null : rules.workload_cap,
      ratioJustified: task.ratio_justification !== undefined && task.ratio_justification !== null,
      assignedTargets: task.assigned_targets || [],
      assignedInspectors: task.assigned_inspectors || [],
      algorithm: task.algorithm || RIVEST
    };
  }

  // ---------------------------------------------------------------------------
  // Times

  function beijing(ms) {
    var d = new Date(ms + 8 * 3600000);
    return d.toISOString().slice(0, 19) + "+08:00";
  }

  function afterPublicationDay(plan) {
    return Date.parse(plan.published_on + "T00:00:00+08:00") + DAY_MS;
  }

  function roundTime(round) {
    return (QUICKNET_GENESIS + (round - 1) * QUICKNET_PERIOD) * 1000;
  }

  /** generator/drawing.py check_beacon + beacon_label without the BLS signature: the label. */
  async function checkBeacon(rec, plan, task) {
    var beacon = rec.beacon || {};
    var src = task.randomness || {};
    var drawn = Date.parse(rec.drawn_at);
    if (beacon.source !== src.source) {
      throw new DrawError("随机数来源与计划不符（" + beacon.source + "，计划为 " + src.source + "）");
    }
    if (src.source === "ceremony") {
      var digits = beacon.value;
      if (typeof digits !== "string" || !/^[0-9]+$/.test(digits) ||
          digits.length < CEREMONY_MIN_DIGITS || digits.length > CEREMONY_MAX_DIGITS) {
        throw new DrawError("现场摇号数字须为 " + CEREMONY_MIN_DIGITS + "–" + CEREMONY_MAX_DIGITS + " 位十进制数字");
      }
      if (Date.parse(src.scheduled_at) < afterPublicationDay(plan)) {
        throw new DrawError("现场摇号时间须晚于计划公布日");
      }
      if (drawn < Date.parse(src.scheduled_at)) throw new DrawError("摇号时间早于计划的现场摇号时间");
      return {
        label: "ceremony:" + digits,
        detail: "现场摇号数字 " + digits.length + " 位；现场摇号时间 " + src.scheduled_at + " 晚于计划公布日，摇号不早于该时间"
      };
    }
    if (src.source === "lottery") {
      if (!(src.draw_date > plan.published_on)) throw new DrawError("彩票开奖日期须晚于计划公布日");
      var key = beacon.value;
      if (typeof key !== "string" || canonicalKeyString(key) !== key) {
        throw new DrawError("彩票号码不是按规范书写的 RFC 3797 密钥串");
      }
      if (beijing(drawn).slice(0, 10) < src.draw_date) throw new DrawError("摇号时间早于彩票开奖日");
      return {
        label: "lottery:" + key,
        detail: "开奖日期 " + src.draw_date + " 晚于计划公布日，摇号不早于开奖日；号码与官方公告是否一致，请自行比对"
      };
    }
    if (beacon.round !== src.round) {
      throw new DrawError("信标轮次与计划不符（" + beacon.round + "，计划为 " + src.round + "）");
    }
    if (beacon.chain_hash !== QUICKNET_CHAIN) throw new DrawError("不是 drand quicknet 链");
    var sig = fromHex(beacon.signature);
    if (!sig) throw new DrawError("信标签名不是十六进制");
    var randomness = await sha256Hex(sig);
    if (beacon.randomness !== randomness) {
      throw new DrawError("信标的 randomness 不是其签名的 SHA-256（" + beacon.randomness + "，应为 " + randomness + "）");
    }
    var at = roundTime(beacon.round);
    if (at < afterPublicationDay(plan)) {
      throw new DrawError("信标第 " + beacon.round + " 轮（" + beijing(at) + "）不晚于计划公布日 " + plan.published_on);
    }
    if (drawn < at) throw new DrawError("摇号时间早于信标第 " + beacon.round + " 轮产生的时间 " + beijing(at));
    return {
      label: "drand-quicknet:" + beacon.round + ":" + randomness,
      detail: "drand quicknet 第 " + beacon.round + " 轮（" + beijing(at) + "）是计划指定的轮次，晚于计划公布日 " +
        plan.published_on + "，早于摇号时间 " + rec.drawn_at + "；randomness 等于其签名的 SHA-256"
    };
  }

  // ---------------------------------------------------------------------------
  // The whole check

  function stripNulls(value) {
    if (Array.isArray(value)) return value.map(stripNulls);
    if (value && typeof value === "object") {
      var out = {};
      Object.keys(value).forEach(function (k) { if (value[k] !== null) out[k] = stripNulls(value[k]); });
      return out;
    }
    return value;
  }

  function fullAssignment(a) {
    return {
      target: a.target,
      team: a.team === undefined ? null : a.team,
      members: a.members,
      reserves: a.reserves || [],
      recusals: a.recusals || []
    };
  }

  function isConfidential(bundle, stratum) {
    return !Array.isArray(stratum.ids) || (Array.isArray(bundle.commitments) && bundle.commitments.length > 0);
  }

  /**
   * Check a bundle's text. ``opts.root``: the root SHA-256 printed on the site (or null);
   * ``opts.onStep(step)`` is called as each step ends. Returns {verdict, steps}.
   */
  async function verifyText(text, opts) {
    opts = opts || {};
    var steps = [];
    var failed = false;
    var finished = false;
    function report(status, title, detail) {
      var step = { status: status, title: title, detail: detail || "" };
      if (status === "fail") failed = true;
      steps.push(step);
      if (opts.onStep) opts.onStep(step);
      return step;
    }
    function done() {
      var open = steps.filter(function (s) { return s.status === "not checked"; }).length;
      return { verdict: failed ? "fail" : "pass", steps: steps, notChecked: open };
    }
    try {
      finished = await run(text, opts, report);
    } catch (e) {
      if (e instanceof VerifyError || e instanceof DrawError) {
        report("fail", "核验中止", e.message);
      } else {
        report("fail", "核验中止", "程序错误 / unexpected error: " + (e && e.message ? e.message : String(e)));
      }
    }
    if (!finished) report("skipped", "其余步骤", "因上一步未通过，其余步骤没有进行");
    return done();
  }

  async function run(text, opts, report) {
    // 0. The bundle.
    var bundle;
    try {
      bundle = JSON.parse(text);
    } catch (e) {
      report("fail", "读取数据包", "不是有效的 JSON：" + e.message);
      return;
    }
    if (!bundle || typeof bundle !== "object" || bundle.format !== FORMAT) {
      report("fail", "读取数据包", "不是本版本能读取的摇号数据包（format 应为 " + FORMAT + "）");
      return;
    }
    var verifier = await ed25519();
    report("pass", "读取数据包",
      "摇号 " + bundle.draw + "，" + utf8(text).length + " 字节，SHA-256 " + (await sha256Hex(text)) +
      "\n签名验证使用 " + verifier.name);

    // 1. Signatures.
    var roots, keys, drawDoc, planDoc, itemDocs;
    try {
      var trust = bundle.trust || {};
      roots = [];
      for (var r = 0; r < (trust.root || []).length; r++) roots.push(await readDoc(trust.root[r], "trust.root[" + r + "]"));
      keys = [];
      for (var k = 0; k < (trust.keys || []).length; k++) keys.push(await readDoc(trust.keys[k], "trust.keys[" + k + "]"));
      drawDoc = await readDoc(bundle.record, "record");
      planDoc = await readDoc(bundle.plan, "plan");
      itemDocs = [];
      for (var it = 0; it < (bundle.items || []).length; it++) itemDocs.push(await readDoc(bundle.items[it], "items[" + it + "]"));
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      report("fail", "读取签名记录", e.message);
      return;
    }
    var kinds = [[roots, "root"], [keys, "keys"], [[drawDoc], "draw"], [[planDoc], "plan"], [itemDocs, "checklist-item"]];
    for (var kk = 0; kk < kinds.length; kk++) {
      var wrong = kinds[kk][0].filter(function (d) { return d.kind !== kinds[kk][1]; })[0];
      if (wrong) {
        report("fail", "读取签名记录", wrong.where + "：记录类型不对（" + wrong.kind + "，应为 " + kinds[kk][1] + "）");
        return;
      }
    }
    if (!roots.length || !keys.length) {
      report("fail", "读取签名记录", "数据包缺少根信任或签名密钥登记册");
      return;
    }
    var now = beijing(Date.now());
    var root = await verifyRootChain(roots, now, opts.root || null, report);
    if (!opts.root) {
      report("not checked", "根信任的 SHA-256",
        "页面没有给出根信任的 SHA-256，无法固定；第 1 版的 SHA-256 为 " + roots.slice().sort(byVersion)[0].digest);
    }
    if (!root) {
      report("fail", "签名密钥登记册", "没有可信的根信任，无法核验签名密钥登记册");
      return;
    }
    var registry = await verifyKeyRegistry(keys, root, report);
    if (!registry) {
      report("fail", "记录签名", "没有可信的签名密钥登记册，无法核验记录的签名");
      return;
    }
    var titled = [[drawDoc, "摇号记录的签名"], [planDoc, "年度抽查计划的签名"]].concat(
      itemDocs.map(function (d) { return [d, "抽查事项 " + d.signed.id + "@" + d.signed.version + " 的签名"]; })
    );
    for (var t = 0; t < titled.length; t++) {
      var sc = await checkRecordSignatures(titled[t][0], registry);
      report(sc.status, titled[t][1], sc.why);
    }

    var rec = drawDoc.signed, plan = planDoc.signed;
    var refOf = function (s) { return s.id + "@" + s.version; };

    // 2. Commitments.
    var mismatch = [
      ["draw", bundle.draw, refOf(rec)], ["task", bundle.task, rec.task], ["algorithm", bundle.algorithm, rec.algorithm],
      ["seed", bundle.seed, rec.seed], ["in_scope", bundle.in_scope, rec.in_scope]
    ].filter(function (x) { return x[1] !== x[2]; });
    if (mismatch.length) {
      report("fail", "数据包与签名记录", "数据包与其签名记录不一致：" + mismatch.map(function (x) { return x[0]; }).join("、"));
      return;
    }
    if (refOf(plan) !== rec.plan || planDoc.digest !== rec.plan_sha256) {
      report("fail", "计划与承诺", "不是摇号记录所指的计划（" + refOf(plan) + "，SHA-256 " + planDoc.digest +
        "；应为 " + rec.plan + "，SHA-256 " + rec.plan_sha256 + "）");
      return;
    }
    var task = (plan.tasks || []).filter(function (x) { return x.id === rec.task; })[0];
    if (!task) {
      report("fail", "计划与承诺", "计划中没有任务 " + rec.task);
      return;
    }
    if (rec.registry !== task.scope.registry || rec.registry_sha256 !== task.scope.registry_sha256) {
      report("fail", "计划与承诺", "摇号使用的名录库快照不是计划承诺的（" + rec.registry + " " + rec.registry_sha256 +
        "；应为 " + task.scope.registry + " " + task.scope.registry_sha256 + "）");
      return;
    }
    var itemRefs = itemDocs.map(function (d) { return refOf(d.signed); }).sort(cmpText);
    if (!same(itemRefs, task.items.slice().sort(cmpText))) {
      report("fail", "计划与承诺", "抽查事项不是任务列出的（" + (itemRefs.join("、") || "无") + "；应为 " + task.items.join("、") + "）");
      return;
    }
    report("pass", "计划与承诺",
      "摇号记录指向计划 " + refOf(plan) + "（SHA-256 " + planDoc.digest + "）的任务 " + task.id +
      "，使用计划承诺的名录库快照 " + rec.registry + "（SHA-256 " + rec.registry_sha256.slice(0, 16) + "…）和抽查事项 " + itemRefs.join("、"));

    // 3. Beacon and seed.
    if (rec.algorithm !== RIVEST && rec.algorithm !== RFC3797) {
      report("fail", "摇号算法", "未知的摇号算法：" + rec.algorithm);
      return;
    }
    var beacon;
    try {
      beacon = await checkBeacon(rec, plan, task);
    } catch (e) {
      if (!(e instanceof DrawError)) throw e;
      report("fail", "随机信标", e.message);
      return;
    }
    report("pass", "随机信标", beacon.detail);
    var seed = makeSeed(task.id, rec.plan_sha256, beacon.label);
    if (seed !== rec.seed) {
      report("fail", "种子", "种子与公式不符（记录为 " + rec.seed + "，按公式应为 " + seed + "）");
      return;
    }
    report("pass", "种子", "S = " + seed);

    // 4. Pool and targets.
    var spec = specFor(plan, task, itemDocs);
    var strataB = bundle.strata || [];
    var confidential = strataB.some(function (s) { return isConfidential(bundle, s); });
    var problem = poolProblem(bundle, spec, rec);
    if (problem) {
      report("fail", "对象池与分层", problem);
      return;
    }
    var visits;
    if (spec.drawsTargets && confidential) {
      visits = rec.visits || [];
      var seedHash = await sha256Hex(seed);
      for (var vi = 0; vi < visits.length; vi++) {
        if (visits[vi].ticket !== (await ticket(seedHash, visits[vi].target))) {
          report("fail", "抽中对象的票号", "第 " + (vi + 1) + " 户 " + visits[vi].target + " 的票号与重新计算的不同");
          return;
        }
      }
      report("pass", "抽中对象的票号", "记录中 " + visits.length + " 户抽中对象的完整票号均与重新计算的一致");
      strataB.forEach(function (s, i) {
        if (isConfidential(bundle, s)) {
          report("not checked", "分层 " + (i + 1) + "（" + describe(s.match) + "）",
            "需要开启值（needs openings）：此分层的对象归属不公开，浏览器无法重新抽取，未核验；持有开启值者可用命令行 gongkai verify-draw 核验");
        }
      });
    } else {
      var drawn;
      if (spec.drawsTargets) {
        try {
          drawn = await drawTargets(spec, seed, strataB.map(function (s) { return s.ids; }), opts.progress);
        } catch (e) {
          if (!(e instanceof DrawError)) throw e;
          report("fail", "抽取检查对象", e.message);
          return;
        }
      } else {
        drawn = { strata: [], visits: spec.assignedTargets.map(function (t) { return { target: t, ticket: "" }; }) };
      }
      var diffs = [];
      if (!same(rec.strata || [], drawn.strata)) diffs.push("strata");
      if (!same(rec.visits, drawn.visits)) diffs.push("visits");
      if (diffs.length) {
        report("fail", "抽取检查对象", "重新抽取的结果与签名记录不同（" + diffs.join("、") + "）：" +
          firstDifference(rec.strata || [], drawn.strata));
        return;
      }
      var copies = [];
      strataB.forEach(function (s, i) {
        var mine = stripNulls(s.selected || []), theirs = stripNulls(drawn.strata[i].selected);
        if (!same(mine, theirs)) {
          var j = 0;
          while (j < Math.max(mine.length, theirs.length) && same(mine[j] || null, theirs[j] || null)) j++;
          copies.push("第 " + (i + 1) + " 个分层的抽中名单第 " + (j + 1) + " 户（strata[" + i + "].selected[" + j + "]）：数据包为 " +
            jcs(mine[j] || null) + "，签名记录为 " + jcs(theirs[j] || null));
        }
        var given = (s.selected || []).map(function (x) { return x.ticket; }).filter(function (x) { return x; });
        var high = given.length ? given.reduce(function (a, b) { return b > a ? b : a; }) : null;
        if ((s.highest_ticket === undefined ? null : s.highest_ticket) !== high) {
          copies.push("第 " + (i + 1) + " 个分层的最大中签票号（strata[" + i + "].highest_ticket）");
        }
      });
      if (!same(stripNulls(bundle.visits), stripNulls(drawn.visits))) copies.push("检查顺序（visits）");
      if (copies.length) {
        report("fail", "抽取检查对象", "数据包中的副本与签名记录不同：" + copies[0]);
        return;
      }
      visits = drawn.visits;
      if (!spec.drawsTargets) {
        report("pass", "检查对象", "本任务不抽取检查对象：按计划指定的 " + visits.length + " 户检查");
      } else {
        var popTotal = strataB.reduce(function (n, s) { return n + s.population; }, 0);
        report("pass", "抽取检查对象",
          "重新抽取：从 " + popTotal + " 户（" + drawn.strata.length + " 个分层）中抽出 " + visits.length +
          " 户，编号、顺序和完整" + (spec.algorithm === RFC3797 ? "编号与摘要" : "票号") + "与签名记录完全一致\n" +
          drawn.strata.map(function (s) {
            return "分层 " + describe(s.match) + "：N=" + s.population + "，" +
              (s.ratio !== undefined ? "比例 " + s.ratio : "数量 " + s.count) + "，k=" + s.take;
          }).join("\n"));
      }
    }

    // 5. Inspectors.
    var people = {};
    (bundle.inspectors || []).forEach(function (p) {
      people[p.id] = {
        id: p.id, unit: p.unit, expertise: p.expertise || [], conflicts: p.conflicts || [],
        active: p.active === undefined ? true : p.active
      };
    });
    var teams, assignments;
    if (spec.drawsInspectors) {
      try {
        var got = await assignInspectors(spec, seed, visits, people);
        teams = got.teams;
        assignments = got.assignments;
      } catch (e) {
        if (!(e instanceof DrawError)) throw e;
        report("fail", "检查人员", e.message);
        return;
      }
    } else {
      teams = [];
      assignments = visits.map(function (v) {
        return { target: v.target, members: spec.assignedInspectors.slice(), reserves: [], recusals: [] };
      });
    }
    var idiffs = [];
    if (!same(rec.teams || [], teams)) idiffs.push("teams");
    if (!same(rec.assignments || [], assignments)) idiffs.push("assignments");
    if (idiffs.length) {
      var recA = rec.assignments || [], at = 0;
      while (at < Math.max(recA.length, assignments.length) && same(recA[at] || null, assignments[at] || null)) at++;
      report("fail", "检查人员", "重新分配的检查人员与签名记录不同（" + idiffs.join("、") + "）" +
        (at < Math.max(recA.length, assignments.length)
          ? "：第 " + (at + 1) + " 户，签名记录为 " + jcs(recA[at] || null) + "，重新分配为 " + jcs(assignments[at] || null)
          : ""));
      return;
    }
    if (!same(bundle.teams || [], rec.teams || []) ||
        !same((bundle.assignments || []).map(fullAssignment), (rec.assignments || []).map(fullAssignment))) {
      report("fail", "检查人员", "数据包中的副本与签名记录不同（teams 或 assignments）");
      return;
    }
    report("pass", "检查人员",
      "重新分配：" + assignments.length + " 户的检查人员（" + spec.matching + (teams.length ? "，" + teams.length + " 个检查组" : "") +
      "）及按顺序的递补人员与签名记录完全一致");

    // 6. What the browser leaves to others.
    if (rec.beacon && rec.beacon.source === "drand-quicknet") {
      report("not checked", "信标的 BLS 签名",
        "未核验（浏览器中不核验）：drand 第 " + rec.beacon.round + " 轮的 BLS 签名请用命令行 gongkai verify-draw 核验（离线，对照固定的 quicknet 公钥）");
    } else if (rec.beacon && rec.beacon.source === "lottery") {
      report("not checked", "开奖号码",
        "未核验（软件无法证明）：" + rec.beacon.value + " 是否为" + (task.randomness.lottery || "该期彩票") +
        "的官方开奖号码——请与彩票机构的开奖公告比对");
    } else if (rec.beacon && rec.beacon.source === "ceremony") {
      report("not checked", "现场读出的数字",
        "未核验（软件无法证明）：这些数字是否即现场公开读出的数字——由在摇号记录上签名的见证人证明");
    }
    report("not checked", "名录库快照",
      "未核验（数据包无法证明）：对象池、分层和 " + (bundle.excluded || []).length + " 条排除是否来自名录库快照（SHA-256 " +
      rec.registry_sha256.slice(0, 16) + "…）以及此前的摇号与检查结果——快照含不公开的列；持有内容仓库者可运行 gongkai verify-draw " + rec.id);
    report("not checked", "执法检查人员名录",
      "未核验（数据包无法证明）：所列 " + (bundle.inspectors || []).length + " 名检查人员是否即 " + rec.inspector_registry +
      "（SHA-256 " + rec.inspector_registry_sha256.slice(0, 16) + "…）中的人员——该名录含不公开的字段");
    if (bundle.voided_by) {
      report("not checked", "作废记录", "此次摇号已被 " + bundle.voided_by + " 宣布作废；作废记录不在数据包中");
    }
    return true;
  }

  function firstDifference(recStrata, strata) {
    for (var i = 0; i < Math.max(recStrata.length, strata.length); i++) {
      var a = recStrata[i] || {}, b = strata[i] || {};
      if (a.take !== b.take) return "分层 " + (i + 1) + " 的抽取数：记录为 " + a.take + "，重新计算为 " + b.take;
      var sa = a.selected || [], sb = b.selected || [];
      for (var j = 0; j < Math.max(sa.length, sb.length); j++) {
        if (!same(sa[j] || null, sb[j] || null)) {
          return "分层 " + (i + 1) + " 第 " + (j + 1) + " 户：记录为 " + jcs(sa[j] || null) + "，重新抽取为 " + jcs(sb[j] || null);
        }
      }
      if (!same(a, b)) return "分层 " + (i + 1) + " 的其他字段";
    }
    return "访问顺序";
  }

  /** generator/bundle.py _pool_problem (confidential strata: what can be checked without ids). */
  function poolProblem(bundle, spec, rec) {
    var strata = bundle.strata || [];
    if (!spec.drawsTargets) return strata.length ? "不抽取检查对象的任务不应有分层" : null;
    if (strata.length !== spec.strata.length) return "数据包列出 " + strata.length + " 个分层，任务为 " + spec.strata.length + " 个";
    var excluded = bundle.excluded || [];
    var seen = new Set(excluded.map(function (e) { return e.target; }));
    if (seen.size !== excluded.length) return "排除清单中有重复的编号";
    var counted = seen.size;
    for (var i = 0; i < strata.length; i++) {
      var s = strata[i];
      if (!same(s.match || {}, spec.strata[i].match)) return "strata[" + i + "].match：不是任务的分层";
      if (!Array.isArray(s.ids)) {
        counted += s.population;
        continue;
      }
      for (var j = 0; j < s.ids.length; j++) {
        if (typeof s.ids[j] !== "string" || (j && cmpText(s.ids[j - 1], s.ids[j]) >= 0)) {
          return "strata[" + i + "].ids：没有按升序排列，或有重复";
        }
      }
      if (s.ids.length !== s.population) return "strata[" + i + "].population 为 " + s.population + "，但列出 " + s.ids.length + " 个编号";
      for (var m = 0; m < s.ids.length; m++) {
        if (seen.has(s.ids[m])) return "strata[" + i + "].ids：" + s.ids[m] + " 也出现在其他分层或排除清单中";
        seen.add(s.ids[m]);
      }
      counted += s.ids.length;
    }
    if (counted !== rec.in_scope) return "对象池与排除共 " + counted + " 户，但记录称范围内有 " + rec.in_scope + " 户";
    if (!same(excluded, rec.exclusions || [])) return "排除清单与签名记录不同";
    return null;
  }

  // ---------------------------------------------------------------------------
  // The page

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function absolute(href) {
    try {
      return new URL(href, window.location.href);
    } catch (e) {
      return null;
    }
  }

  async function loadBundleText(box) {
    var href = box.getAttribute("data-bundle");
    var url = absolute(href);
    if (url && /^https?:$/.test(url.protocol)) {
      try {
        var resp = await fetch(url.href, { cache: "no-store" });
        if (resp.ok) return { text: await resp.text(), from: url.href };
      } catch (e) { /* fall back to bundle.js */ }
    }
    var draw = box.getAttribute("data-draw");
    var script = box.getAttribute("data-bundle-script");
    try {
      var have = window.GONGKAI_BUNDLES && window.GONGKAI_BUNDLES[draw];
      if (!have) {
        await loadScript(script);
        have = window.GONGKAI_BUNDLES && window.GONGKAI_BUNDLES[draw];
      }
      if (typeof have === "string") return { text: have, from: (absolute(script) || {}).href || script };
    } catch (e) { /* offer the file input */ }
    return null;
  }

  function render(box, result) {
    var verdict = box.querySelector(".gk-verify-verdict");
    box.setAttribute("data-verdict", result.verdict);
    verdict.className = "gk-verify-verdict " + (result.verdict === "pass" ? "gk-pass" : "gk-fail");
    if (result.verdict === "pass") {
      verdict.textContent = "核验结论：通过——数据包与签名记录一致，摇号可以重现" +
        (result.notChecked ? "（另有 " + result.notChecked + " 项未在浏览器中核验，见上）" : "");
    } else {
      var first = result.steps.filter(function (s) { return s.status === "fail"; })[0];
      verdict.textContent = "核验结论：未通过——" +
        (first ? first.title + "：" + first.detail.split("\n")[0].split("：")[0] + "（详见上方）" : "");
    }
  }

  function showStep(list, step) {
    var li = el("li", "gk-step gk-" + step.status.replace(" ", "-"));
    li.setAttribute("data-status", step.status);
    var head = el("span", "gk-step-head");
    head.appendChild(el("span", "gk-badge", STATUS_LABEL[step.status] || step.status));
    head.appendChild(el("strong", "", step.title));
    li.appendChild(head);
    if (step.detail) li.appendChild(el("div", "gk-step-detail", step.detail));
    list.appendChild(li);
  }

  async function start(box, source) {
    var button = box.querySelector(".gk-verify-run");
    var list = box.querySelector(".gk-verify-steps");
    var verdict = box.querySelector(".gk-verify-verdict");
    var progress = box.querySelector(".gk-verify-progress");
    var fileBox = box.querySelector(".gk-verify-file");
    button.disabled = true;
    box.setAttribute("data-verdict", "running");
    list.textContent = "";
    verdict.className = "gk-verify-verdict";
    verdict.textContent = "正在核验……";
    try {
      var loaded = source || (await loadBundleText(box));
      if (!loaded) {
        verdict.textContent = "无法读取本页的数据包（bundle.json）。请在下方选择已下载的 bundle.json 文件。";
        box.setAttribute("data-verdict", "no-bundle");
        if (fileBox) fileBox.open = true;
        return;
      }
      var expected = box.getAttribute("data-draw");
      var result = await verifyText(loaded.text, {
        root: box.getAttribute("data-root-sha256") || null,
        onStep: function (step) { showStep(list, step); },
        progress: function (i) {
          return function (doneN, total) {
            progress.textContent = total > 20000 ? "正在计算第 " + (i + 1) + " 个分层的票号：" + doneN + " / " + total : "";
          };
        }
      });
      progress.textContent = "";
      var note = box.querySelector(".gk-verify-source");
      note.textContent = "数据包来源：" + loaded.from;
      try {
        var drawn = JSON.parse(loaded.text).draw;
        if (drawn && drawn !== expected) note.textContent += "（注意：这是摇号 " + drawn + " 的数据包，不是本页的 " + expected + "）";
      } catch (e) { /* reported by the steps */ }
      render(box, result);
      window.GongkaiVerify.lastResult = result;
    } finally {
      button.disabled = false;
    }
  }

  function init() {
    var box = document.getElementById("gk-verify");
    document.querySelectorAll("[data-gk-url]").forEach(function (node) {
      var url = absolute(node.getAttribute("data-gk-url"));
      if (!url) return;
      node.textContent = url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
    });
    if (!box) return;
    box.querySelector(".gk-verify-run").addEventListener("click", function () { start(box, null); });
    var input = box.querySelector(".gk-verify-file input");
    if (input) {
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        if (!file) return;
        file.text().then(function (text) { start(box, { text: text, from: "本地文件 " + file.name }); });
      });
    }
    box.setAttribute("data-ready", "true");
  }

  window.GongkaiVerify = {
    verifyText: verifyText,
    ticket: ticket,
    sample: sample,
    order: order,
    md5Hex: function (text) { return hex(md5(utf8(text))); },
    rfc3797Select: rfc3797Select,
    jcs: jcs,
    keyidOf: keyidOf,
    kFor: kFor,
    lastResult: null
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
