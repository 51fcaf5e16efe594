/* gongkai: countdown until a task's announced randomness exists (抽查任务公告, 首页).
 * Each <span class="gk-countdown" data-at="ISO-8601"> gets "距产生还有 N 天 HH:MM:SS",
 * or data-arrived ("已产生") once the time has passed. No dependencies. */
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function text(el, now) {
    var at = Date.parse(el.getAttribute("data-at"));
    if (isNaN(at)) return null;
    var left = Math.floor((at - now) / 1000);
    if (left <= 0) return el.getAttribute("data-arrived") || "已产生";
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
        m = Math.floor(left % 3600 / 60), s = left % 60;
    return (el.getAttribute("data-left") || "距产生还有") + " " + d + " 天 " +
      pad(h) + ":" + pad(m) + ":" + pad(s);
  }
  function refresh() {
    var els = document.querySelectorAll(".gk-countdown[data-at]"), now = Date.now();
    for (var i = 0; i < els.length; i++) {
      var t = text(els[i], now);
      if (t !== null && els[i].textContent !== t) els[i].textContent = t;
    }
    return els.length;
  }
  var timer = null;
  function start() {
    if (refresh() && timer === null) timer = window.setInterval(refresh, 1000);
  }
  window.gongkaiCountdown = { refresh: refresh, start: start };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
