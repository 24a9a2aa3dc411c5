// The admin dashboard's figures, refreshed every 60 seconds without reloading the page.
// A file of its own, not an inline script: the Content-Security-Policy allows scripts from this
// origin only (ereceipt/web/security_headers.py). The figures' address is the script element's
// data-figures attribute; window.refreshFigures() refreshes at once.
(function () {
  var figures = document.currentScript.dataset.figures;
  var vnd = function (n) { return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, "."); };
  var sum = function (rows, key) { return rows.reduce(function (a, r) { return a + r[key]; }, 0); };
  var svg = "http://www.w3.org/2000/svg";
  function text(id, value) { document.getElementById(id).textContent = value; }
  function cell(tr, value, num) { var td = document.createElement("td"); td.textContent = value; if (num) td.className = "num"; tr.appendChild(td); }
  function draw(data) {
    text("figures-at", data.at);
    text("today-count", sum(data.today, "count")); text("today-amount", vnd(sum(data.today, "amount")) + " đồng");
    text("month-count", sum(data.month, "count")); text("month-amount", vnd(sum(data.month, "amount")) + " đồng");
    text("held-count", data.held_payments);
    text("pending-count", data.pending_reviews);
    if (data.sees_dead_letters) {
      text("dead-count", data.dead_letters === null ? "—" : data.dead_letters);
      document.getElementById("dead-down").hidden = data.dead_letters !== null;
      document.getElementById("dead-link").hidden = data.dead_letters === null;
    }
    var bars = document.getElementById("bars"); bars.replaceChildren();
    data.bars.forEach(function (b) {
      var r = document.createElementNS(svg, "rect");
      r.setAttribute("x", b.x); r.setAttribute("y", b.y); r.setAttribute("width", b.w); r.setAttribute("height", b.h);
      r.setAttribute("fill", "#8c1c13");
      var t = document.createElementNS(svg, "title"); t.textContent = b.label; r.appendChild(t); bars.appendChild(r);
    });
    text("chart-from", data.days[0].date); text("chart-to", data.days[data.days.length - 1].date);
    var today = {}; data.today.forEach(function (r) { today[r.agency] = r; });
    var body = document.getElementById("agencies"); body.replaceChildren();
    data.month.forEach(function (r) {
      var tr = document.createElement("tr"), t = today[r.agency] || {count: 0, amount: 0};
      cell(tr, r.agency + " – " + r.name); cell(tr, t.count, true); cell(tr, vnd(t.amount), true);
      cell(tr, r.count, true); cell(tr, vnd(r.amount), true); body.appendChild(tr);
    });
  }
  function refresh() {
    fetch(figures, {credentials: "same-origin"})
      .then(function (r) { if (r.ok) return r.json(); throw new Error(r.status); })
      .then(draw).catch(function () { text("figures-at", "không cập nhật được"); });
  }
  window.refreshFigures = refresh;
  setInterval(refresh, 60000);
})();
