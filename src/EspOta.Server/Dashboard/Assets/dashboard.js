// Keeps the page live without a build step: every couple of seconds the same URL is fetched again and
// the parts marked data-live are swapped in; stage bars keep their elements so their widths animate.
(function () {
  "use strict";
  var period = Number(document.body.getAttribute("data-refresh") || "0");
  function sameBars(from, to) {
    var a = from.querySelectorAll(".seg"), b = to.querySelectorAll(".seg");
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i].getAttribute("data-k") !== b[i].getAttribute("data-k")) return false;
    return true;
  }
  function swap(current, fresh) {
    if (current.classList.contains("stages") && sameBars(current, fresh)) {
      var a = current.querySelectorAll("[data-k]"), b = fresh.querySelectorAll("[data-k]");
      for (var i = 0; i < a.length; i++) {
        a[i].style.width = b[i].style.width;
        if (a[i].title !== b[i].title) a[i].title = b[i].title;
      }
      var ta = current.querySelectorAll("[data-t]"), tb = fresh.querySelectorAll("[data-t]");
      for (var j = 0; j < ta.length && j < tb.length; j++) ta[j].innerHTML = tb[j].innerHTML;
      var sa = current.querySelectorAll(".stage"), sb = fresh.querySelectorAll(".stage");
      for (var k = 0; k < sa.length && k < sb.length; k++) sa[k].className = sb[k].className;
      return;
    }
    current.innerHTML = fresh.innerHTML;
  }
  function refresh() {
    if (document.hidden || (document.activeElement && /INPUT|SELECT|TEXTAREA/.test(document.activeElement.tagName))) return;
    fetch(location.href, { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var fresh = doc.querySelector('[data-live="' + el.getAttribute("data-live") + '"]');
          if (fresh) swap(el, fresh);
        });
        var stamp = document.getElementById("updated");
        if (stamp) stamp.textContent = "live · " + new Date().toLocaleTimeString();
      })
      .catch(function () { /* the next tick tries again */ });
  }
  if (period > 0) setInterval(refresh, period);

  var upload = document.getElementById("upload");
  if (upload) {
    upload.addEventListener("submit", function (e) {
      e.preventDefault();
      var file = upload.querySelector("input[type=file]").files[0];
      var status = document.getElementById("upload-status");
      if (!file) { status.textContent = "choose an image first"; return; }
      status.textContent = "uploading " + file.name + " …";
      fetch("/dashboard/firmware", { method: "POST", body: file, credentials: "same-origin", headers: { "Content-Type": "application/octet-stream" } })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          status.textContent = res.ok ? "uploaded " + res.body.project + " " + res.body.version : (res.body.title + ": " + res.body.detail);
          status.className = res.ok ? "notice" : "error";
          if (res.ok) setTimeout(function () { location.reload(); }, 600);
        })
        .catch(function (err) { status.textContent = String(err); status.className = "error"; });
    });
  }
})();
