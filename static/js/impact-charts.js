// Impact dashboard: draws the charts from the figures the page embeds as JSON (json_script).
// Each <canvas data-chart="key"> gets the chart of that key. Numbers in French.
(() => {
  const source = document.getElementById("impact-charts");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const charts = JSON.parse(source.textContent);
  const language = document.documentElement.lang || "fr";
  const colours = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1"];
  const formatters = {
    count: new Intl.NumberFormat(language, { maximumFractionDigits: 0 }),
    rate: new Intl.NumberFormat(language, { maximumFractionDigits: 1 }),
    money: new Intl.NumberFormat(language, { style: "currency", currency: "EUR" }),
    hours: new Intl.NumberFormat(language, { maximumFractionDigits: 1 }),
  };
  const colon = language.startsWith("fr") ? "\u00a0: " : ": ";
  const show = (unit, value) => {
    if (value === null || value === undefined) {
      return "—";
    }
    const text = formatters[unit].format(value);
    const suffixes = { rate: "\u00a0%", hours: "\u00a0h" };
    return text + (suffixes[unit] || "");
  };

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const spec = charts[canvas.dataset.chart];
    if (!spec) {
      return;
    }
    const valueAxis = spec.horizontal ? "x" : "y";
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((dataset, index) => ({
          ...dataset,
          backgroundColor: colours[index % colours.length],
          // A reference (the national average) is a dashed line across the bars.
          ...(dataset.type === "line" ? { borderColor: "#dc3545", backgroundColor: "#dc3545" } : {}),
        })),
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: spec.datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: (item) => `${item.dataset.label}${colon}${show(spec.unit, item.raw)}`,
            },
          },
        },
        scales: {
          [valueAxis]: {
            beginAtZero: true,
            ticks: {
              precision: spec.unit === "count" ? 0 : undefined,
              callback: (value) => show(spec.unit, value),
            },
          },
        },
      },
    });
  });
})();
