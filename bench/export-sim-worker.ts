/**
 * The simulator of bench/export.ts in its own thread, so that the time measured is the exporter's waiting and work,
 * not the simulator rendering 10,000 objects on the same event loop. Messages: `log` (answers the request log's
 * routes), `clear`, `stop`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startSimulator } from '../src/sim/index.js';
import { seed, shape } from './export.js';

interface Data {
  scale: number;
  cloudsFile: string;
  latencyMs: number;
}

const data = workerData as Data;
const port = parentPort!;
const sim = await startSimulator({
  clouds: [
    {
      name: 'bench',
      profile: 'zed',
      seed: seed(shape(data.scale)),
      computeHosts: 64,
      delays: { serverBuildMs: 0, volumeCreateMs: 0, volumeAttachMs: 0, imageActiveMs: 0 },
    },
  ],
});
await sim.writeCloudsYaml(data.cloudsFile);
sim.setLatency('bench', { fixedMs: data.latencyMs });
port.on('message', (message: string) => {
  if (message === 'clear') {
    sim.clearLog();
    port.postMessage({ type: 'cleared' });
  } else if (message === 'log') {
    port.postMessage({ type: 'log', routes: sim.requestLog('bench').map((e) => e.route) });
  } else if (message === 'stop') {
    void sim.stop().then(() => port.postMessage({ type: 'stopped' }));
  }
});
port.postMessage({ type: 'ready' });
