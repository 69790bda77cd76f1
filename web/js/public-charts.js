// Small SVG charts for the authority page, built with DOM calls (the CSP forbids inline styles
// and markup strings). Charts are decoration for the eye: each is `aria-hidden`, and the page
// always shows the same numbers as text in a table beside it.
import { svg } from './public-common.js';

/**
 * Horizontal bars: `rows` are `{ label, value, valueText, className }`; `marker` an optional
 * `{ value, label }` drawn as a dashed line (e.g. the service promise).
 */
export function barChart(rows, { marker = null, max = null } = {}) {
  const width = 400;
  const labelWidth = 150;
  const barArea = width - labelWidth - 60;
  const rowHeight = 34;
  const top = marker ? 22 : 4;
  const height = top + rows.length * rowHeight + 4;
  const largest = Math.max(max ?? 0, ...rows.map((r) => r.value ?? 0), marker?.value ?? 0) || 1;
  const x = (value) => labelWidth + (value / largest) * barArea;

  const chart = svg('svg', {
    class: 'chart bar-chart', viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true', focusable: 'false',
  });
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    chart.append(
      svg('text', { x: labelWidth - 8, y: y + 20, 'text-anchor': 'end', class: 'chart-label' }, row.label),
      svg('rect', { x: labelWidth, y: y + 4, width: Math.max(row.value ? 2 : 0, x(row.value ?? 0) - labelWidth), height: 24,
        class: `chart-bar ${row.className ?? ''}` }),
      svg('text', { x: x(row.value ?? 0) + 6, y: y + 20, class: 'chart-value' }, row.valueText));
  });
  if (marker) {
    const mx = x(marker.value);
    chart.append(
      svg('line', { x1: mx, x2: mx, y1: 16, y2: height, class: 'chart-marker' }),
      svg('text', { x: mx, y: 12, 'text-anchor': 'middle', class: 'chart-marker-label' }, marker.label));
  }
  return chart;
}

/** A ring showing `share` (0…1) filled, with `centreText` in the middle. */
export function ringChart(share, centreText, className = '') {
  const radius = 40;
  const circumference = 2 * Math.PI * radius;
  const filled = Math.max(0, Math.min(1, share)) * circumference;
  return svg('svg', { class: `chart ring-chart ${className}`, viewBox: '0 0 100 100', 'aria-hidden': 'true', focusable: 'false' },
    svg('circle', { cx: 50, cy: 50, r: radius, class: 'ring-track' }),
    svg('circle', {
      cx: 50, cy: 50, r: radius, class: 'ring-value',
      'stroke-dasharray': `${filled} ${circumference - filled}`, transform: 'rotate(-90 50 50)',
    }),
    svg('text', { x: 50, y: 57, 'text-anchor': 'middle', class: 'ring-text' }, centreText));
}
