// A thin bridge to ApexCharts (wwwroot/lib/apexcharts, MIT 4.7.0): create, update the series, destroy,
// and one light/dark mode for every chart, following the app's theme switch (remembered in localStorage).
const charts = new Map();
const themeKey = "siem-theme";
let mode = localStorage.getItem(themeKey) === "light" ? "light" : "dark";

export function getTheme() {
    return mode;
}

export function setTheme(newMode) {
    mode = newMode === "light" ? "light" : "dark";
    localStorage.setItem(themeKey, mode);
    for (const chart of charts.values()) {
        chart.updateOptions({ theme: { mode }, chart: { background: "transparent" } }, false, false);
    }
}

export function create(element, options, dotnet) {
    options.theme = { ...(options.theme || {}), mode };
    options.chart = { background: "transparent", ...(options.chart || {}) };
    if (dotnet) {
        options.chart = options.chart || {};
        options.chart.events = {
            dataPointSelection: (_event, _context, config) =>
                dotnet.invokeMethodAsync("OnPointSelected", config.seriesIndex, config.dataPointIndex),
        };
    }
    const chart = new ApexCharts(element, options);
    charts.set(element, chart);
    return chart.render();
}

export function updateSeries(element, series) {
    // No animation: live updates should not flicker.
    return charts.get(element)?.updateSeries(series, false);
}

export function updateOptions(element, options) {
    return charts.get(element)?.updateOptions(options, false, false);
}

export function destroy(element) {
    charts.get(element)?.destroy();
    charts.delete(element);
}
