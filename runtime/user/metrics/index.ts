/**
 * Probe maps as Prometheus metrics: the text format writer, map and process metric families, and
 * the `/metrics` HTTP endpoint of `tsbpf run --prometheus`.
 */
export {
  EXPOSITION_CONTENT_TYPE,
  formatSampleValue,
  labelName,
  metricName,
  renderExposition,
  snakeCase,
  type MetricFamily,
  type MetricType,
  type Sample,
} from "./exposition.ts";
export { mapFamilies, mapsFamilies } from "./map-metrics.ts";
export { processFamilies } from "./process-metrics.ts";
export {
  ExporterError,
  MetricsServer,
  parseListenAddress,
  type ListenAddress,
} from "./exporter.ts";
