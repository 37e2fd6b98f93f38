// The report's charts, drawn by ECharts with the SVG renderer so that every label is real text
// (searchable, selectable, and printed as text). The data comes from a json_script element;
// this file only draws. The dashboard's chart is redrawn when its numbers are refetched.
(function () {
  "use strict";
  var FONT = 'system-ui, "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var charts = [];

  function read(id) {
    var element = document.getElementById(id);
    if (!element) {
      return null;
    }
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  function base() {
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      grid: { left: 48, right: 48, top: 40, bottom: 56, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { top: 4 }
    };
  }

  function trendOption(data) {
    var option = base();
    var labels = data.labels;
    option.xAxis = { type: "category", data: data.trend.days, axisLabel: { hideOverlap: true } };
    option.yAxis = [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }
    ];
    option.series = [
      { name: labels.received, type: "bar", data: data.trend.received },
      { name: labels.resolved, type: "bar", data: data.trend.resolved },
      { name: labels.resolution, type: "line", yAxisIndex: 1, connectNulls: false, data: data.trend.resolution }
    ];
    return option;
  }

  function barsOption(names, first, second, labels) {
    var option = base();
    option.grid.bottom = 24;
    option.xAxis = { type: "value", minInterval: 1 };
    option.yAxis = { type: "category", inverse: true, data: names, axisLabel: { interval: 0 } };
    option.series = [
      { name: first[0], type: "bar", data: first[1], label: { show: true, position: "right" } },
      { name: second[0], type: "bar", data: second[1] }
    ];
    option.tooltip = { trigger: "axis", axisPointer: { type: "shadow" } };
    return option;
  }

  function optionFor(kind, data) {
    var labels = data.labels;
    if (kind === "trend") {
      return trendOption(data);
    }
    if (kind === "category") {
      return barsOption(data.category.names, [labels.received, data.category.received], [labels.resolved, data.category.resolved], labels);
    }
    if (kind === "county") {
      return barsOption(data.county.names, [labels.received, data.county.received], [labels.open, data.county.open], labels);
    }
    return null;
  }

  function draw() {
    if (!window.echarts) {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var data = read(element.dataset.source || "report-charts");
      var option = data && optionFor(element.dataset.chart, data);
      if (!option) {
        return;
      }
      var chart = window.echarts.getInstanceByDom(element) || window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(option, true);
      if (charts.indexOf(chart) < 0) {
        charts.push(chart);
      }
      element.dataset.drawn = "true";
    });
  }

  function resizeAll() {
    charts.forEach(function (chart) {
      chart.resize();
    });
  }

  draw();
  window.addEventListener("resize", resizeAll);
  // Print lays the page out narrower than the screen: fit the charts to the paper first.
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "dashboard") {
      draw();
    }
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
