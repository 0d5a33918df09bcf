(function () {
  // Sorting and filtering only: reads data-* attributes and never writes markup.
  var table = document.getElementById("shortlist");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var band = document.getElementById("filter-band");
  var flag = document.getElementById("filter-flag");
  var review = document.getElementById("filter-review");
  var shown = document.getElementById("shown");
  var template = shown.getAttribute("data-template");
  // Counts grouped as every page of the language groups them (the catalogue's separator: "1,200", "1 200").
  var separator = shown.getAttribute("data-group");
  function grouped(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, separator); }
  function keep(row) {
    var flags = " " + row.getAttribute("data-flags") + " ";
    var flagOk = flag.value === "" || (flag.value === "*" && flags.trim() !== "") ||
      (flag.value === "-" && flags.trim() === "") || flags.indexOf(" " + flag.value + " ") >= 0;
    return (band.value === "" || row.getAttribute("data-band") === band.value) && flagOk &&
      (!review.checked || row.getAttribute("data-review") === "1");
  }
  function apply() {
    var count = 0;
    rows.forEach(function (row) { row.hidden = !keep(row); if (!row.hidden) { count += 1; } });
    shown.textContent = template.replace("{shown}", grouped(count)).replace("{total}", grouped(rows.length));
  }
  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (th, column) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var numeric = th.getAttribute("data-type") === "number";
      // A sorted column reverses; a new one starts best first (numbers) or A to Z (text).
      var current = th.getAttribute("aria-sort");
      var descending = current ? current === "ascending" : numeric;
      Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-sort"), y = b.cells[column].getAttribute("data-sort");
        var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return descending ? -order : order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  [band, flag, review].forEach(function (control) { control.addEventListener("change", apply); });
  document.getElementById("controls").hidden = false;
  apply();
})();
