/** Workload data in apply's output: what the dry run will move, and the transfer progress line. */
import type { DataEstimate } from '../../kinds/shared/workload.js';
import type { OverallProgress } from '../../transfer/manager.js';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${seconds % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "1,204 objects in 3 containers": the objects of the containers the apply fills. */
function objectsIn(items: DataEstimate['items']): string | undefined {
  const containers = items.filter((i) => i.objects !== undefined);
  if (containers.length === 0) return undefined;
  const n = containers.reduce((sum, i) => sum + (i.objects ?? 0), 0);
  return `${n.toLocaleString('en-US')} object${n === 1 ? '' : 's'} in ${containers.length} container${containers.length === 1 ? '' : 's'}`;
}

/** "Workload data: 2 images, 1 server disk (snapshot), 3 volumes, 12 objects in 2 containers: up to 42.5 GiB to move." */
export function renderDataEstimate(data: DataEstimate): string {
  if (data.items.length === 0) return 'Workload data: nothing to move.\n';
  // `nouns` is the plural; one item drops its final s.
  const count = (what: string, nouns: string, suffix = ''): string | undefined => {
    const n = data.items.filter((i) => i.what === what).length;
    return n === 0 ? undefined : `${n} ${n === 1 ? nouns.slice(0, -1) : nouns}${suffix}`;
  };
  const parts = [
    count('image bytes', 'images'),
    count('server disk (snapshot)', 'server disks', ' (snapshot)'),
    count('volume bytes', 'volumes'),
    objectsIn(data.items),
  ].filter(Boolean);
  const amount = `${data.exact ? '' : 'up to '}${formatBytes(data.bytes)}`;
  const note = data.exact ? '' : ' (volumes at their full size, snapshots estimated from their image or flavor)';
  return `Workload data: ${parts.join(', ')}: ${amount} to move${note}.\n`;
}

/** "moving data: 1.2 GiB of 4.0 GiB, 85.3 MiB/s, 34 s left (2 running, 1 done)" */
export function renderTransferProgress(overall: OverallProgress): string {
  const total = overall.bytesTotal !== undefined ? ` of ${formatBytes(overall.bytesTotal)}` : '';
  const rate = overall.bytesPerSecond !== undefined ? `, ${formatBytes(overall.bytesPerSecond)}/s` : '';
  const eta =
    overall.etaSeconds !== undefined && overall.active > 0 ? `, ${formatSeconds(overall.etaSeconds)} left` : '';
  return `moving data: ${formatBytes(overall.bytesDone)}${total}${rate}${eta} (${overall.active} running, ${overall.transfersDone} done${overall.transfersFailed ? `, ${overall.transfersFailed} failed` : ''})`;
}
