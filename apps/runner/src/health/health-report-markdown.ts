// A system-health-reporter result as Markdown (pure; used by the health run for the `result` event's text): status,
// summary, findings, recommendations, and the key numbers of the host snapshot.
import type { HealthReport, HostSnapshot } from '@claudeops/control-plane/protocol';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

/** Text safe inside a Markdown table cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const orNa = (value: number | null, suffix = '') => (value === null ? 'n/a' : `${value}${suffix}`);

function uptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return days > 0 ? `${days}d ${hours}h` : hours > 0 ? `${hours}h ${minutes}m` : `${minutes}m`;
}

function keyNumbers(s: HostSnapshot): string[] {
  const lines = [
    '## Key numbers',
    '',
    `- Host: ${s.hostname} (${[s.os.distro, s.os.release].filter(Boolean).join(' ') || s.os.platform}, kernel ${s.os.kernel || 'n/a'}, ${s.os.arch}), up ${uptime(s.uptimeSeconds)}`,
    `- CPU: ${s.cpu.brand || 'unknown'}, ${s.cpu.cores} cores, ${s.cpu.loadPercent}% busy, load ${s.cpu.loadAverage.join(' / ')}` +
      (s.cpu.temperatureC === null ? '' : `, ${s.cpu.temperatureC} °C`),
    `- Memory: ${formatBytes(s.memory.usedBytes)} used of ${formatBytes(s.memory.totalBytes)} ` +
      `(${formatBytes(s.memory.availableBytes)} available); swap ${formatBytes(s.memory.swapUsedBytes)} of ${formatBytes(s.memory.swapTotalBytes)}`,
  ];
  for (const disk of s.disks) {
    lines.push(
      `- Disk ${disk.mount} (${disk.type}): ${disk.usePercent}% used, ${formatBytes(disk.usedBytes)} of ${formatBytes(disk.sizeBytes)}`,
    );
  }
  for (const gpu of s.gpus) {
    lines.push(
      `- GPU ${gpu.vendor} ${gpu.model}: ${orNa(gpu.utilizationPercent, '%')} busy, ` +
        `${formatBytes(gpu.memUsedBytes)} of ${formatBytes(gpu.memTotalBytes)}, ${orNa(gpu.temperatureC, ' °C')}`,
    );
  }
  if (s.gpus.length === 0) lines.push('- GPUs: none found');
  lines.push(`- Processes: ${s.processes.all} (${s.processes.running} running, ${s.processes.blocked} blocked)`);
  if (s.processes.top.length > 0) {
    lines.push('', '### Top processes', '', '| PID | Name | CPU % | Mem % | RSS |', '| --- | --- | --- | --- | --- |');
    for (const p of s.processes.top) {
      lines.push(`| ${p.pid} | ${cell(p.name)} | ${p.cpuPercent} | ${p.memPercent} | ${formatBytes(p.memRssBytes)} |`);
    }
  }
  return lines;
}

export function renderHealthMarkdown(report: HealthReport): string {
  const lines: string[] = [`# Host health: ${report.snapshot.hostname}`, ''];
  if (report.analysis === 'skipped') {
    lines.push(
      `**Analysis skipped: the runner has no model credentials.** ${report.skippedReason ?? ''}`.trim(),
      '',
      'The host snapshot below was collected; nobody analysed it.',
      '',
    );
  } else {
    lines.push(`**Status: ${(report.status ?? 'unknown').toUpperCase()}**`, '');
    if (report.summary) lines.push(report.summary, '');
    const findings = report.findings ?? [];
    lines.push('## Findings', '');
    if (findings.length === 0) lines.push('No findings.', '');
    else {
      lines.push('| Severity | Area | Finding |', '| --- | --- | --- |');
      for (const f of findings) lines.push(`| ${f.severity} | ${cell(f.area)} | ${cell(f.message)} |`);
      lines.push('');
    }
    const recommendations = report.recommendations ?? [];
    lines.push('## Recommendations', '');
    if (recommendations.length === 0) lines.push('None.', '');
    else lines.push(...recommendations.map((r) => `- ${r}`), '');
  }
  lines.push(...keyNumbers(report.snapshot));
  lines.push('', `_Collected ${report.snapshot.collectedAt}._`);
  return lines.join('\n');
}
