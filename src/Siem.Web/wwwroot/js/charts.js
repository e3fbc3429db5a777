// A thin bridge to ApexCharts (wwwroot/lib/apexcharts, MIT 4.7.0): create, update the series, destroy.
const charts = new Map();

export function create(element, options, dotnet) {
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
