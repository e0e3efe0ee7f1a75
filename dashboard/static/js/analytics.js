// Analytics page: each report card fetches its own JSON, draws it with Chart.js and
// builds the table view from the same rows; "Table" switches between the two.
(function () {
  "use strict";
  const COLORS = ["#1c5fb8", "#1f7a3d", "#b36b00", "#7a3db8", "#b3261e", "#2a8c8c"];

  function table(data) {
    const t = document.createElement("table");
    const head = t.createTHead().insertRow();
    data.columns.forEach(function (c) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = c;
      head.appendChild(th);
    });
    const body = t.createTBody();
    if (!data.rows.length) {
      const cell = body.insertRow().insertCell();
      cell.colSpan = data.columns.length;
      cell.textContent = "Nothing in this range.";
    }
    data.rows.forEach(function (row) {
      const tr = body.insertRow();
      row.forEach(function (value, i) {
        const td = tr.insertCell();
        td.dataset.label = data.columns[i];
        td.textContent = value === null ? "–" : value;
      });
    });
    return t;
  }

  function chart(canvas, data) {
    const labels = data.rows.map(function (r) { return r[0]; });
    const datasets = data.series.map(function (name, i) {
      const column = data.columns.indexOf(name);
      return {
        label: name,
        data: data.rows.map(function (r) { return r[column]; }),
        backgroundColor: COLORS[i % COLORS.length],
        borderColor: COLORS[i % COLORS.length],
        spanGaps: true,
      };
    });
    return new window.Chart(canvas, {
      type: data.chart,
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: {
          x: { stacked: data.stacked },
          y: { stacked: data.stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  function load(card) {
    fetch(card.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        card.querySelector("h2").textContent = data.title;
        card.querySelector(".report-note").textContent = data.note;
        card.querySelector(".report-table").replaceChildren(table(data));
        chart(card.querySelector("canvas"), data);
        card.setAttribute("aria-busy", "false");
      })
      .catch(function (error) {
        card.querySelector(".report-note").textContent = "Could not load this report (" + error.message + ").";
        card.setAttribute("aria-busy", "false");
      });
    card.querySelector(".report-toggle").addEventListener("click", function (event) {
      const showTable = event.currentTarget.getAttribute("aria-pressed") !== "true";
      event.currentTarget.setAttribute("aria-pressed", String(showTable));
      event.currentTarget.textContent = showTable ? "Chart" : "Table";
      card.querySelector(".report-table").hidden = !showTable;
      card.querySelector(".report-chart").hidden = showTable;
    });
  }

  document.querySelectorAll(".report").forEach(load);
})();
