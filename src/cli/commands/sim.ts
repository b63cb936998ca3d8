import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { EXIT, UsageError } from '../../shared/errors.js';
import { numberFlag } from '../options.js';
import {
  loadSimulatorConfig,
  PROFILE_NAMES,
  SeedError,
  startSimulator,
  type FaultRule,
  type ProfileName,
  type SimulatorOptions,
} from '../../sim/index.js';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';

interface SimArgs {
  config?: string;
  profile: ProfileName;
  seed?: string;
  name: string;
  region: string[];
  'port-base'?: number;
  latency: number;
  jitter: number;
  'fault-rate': number;
  'random-seed'?: number;
  'availability-zone': string[];
  'data-dir'?: string;
}

/**
 * `bascule sim`: runs the OpenStack simulator until Ctrl-C or SIGTERM, and writes a clouds.yaml for it
 * (./clouds.yaml, or where the global --clouds-yaml says).
 */
export const simCommand = defineCommand<SimArgs>({
  command: 'sim',
  describe: 'Run a simulated OpenStack cloud (Keystone, Nova, Neutron, Glance, Cinder) until Ctrl-C',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('config', {
        type: 'string',
        describe: 'a YAML/JSON file listing several clouds (startSimulator options); replaces the single-cloud options',
      })
      .option('profile', {
        choices: PROFILE_NAMES,
        default: 'zed' as ProfileName,
        describe: 'the release to simulate (pike = HPE Helion OpenStack 8)',
      })
      .option('seed', { type: 'string', describe: 'a seed file (YAML or JSON), e.g. fixtures/sim/sample-project.yaml' })
      .option('name', {
        type: 'string',
        default: 'sim',
        describe: 'the cloud name (clouds.yaml entries are <name>, <name>-<project>, <name>-admin)',
      })
      .option('region', { type: 'string', array: true, default: ['RegionOne'], describe: 'region names' })
      .option(
        'port-base',
        numberFlag('port-base', {
          min: 1,
          max: 65000,
          describe: 'first port (services take consecutive ports); default: ephemeral ports',
        }),
      )
      .option(
        'latency',
        numberFlag('latency', { min: 0, max: 600_000, default: 0, describe: 'added latency per request, in ms' }),
      )
      .option(
        'jitter',
        numberFlag('jitter', {
          min: 0,
          max: 600_000,
          default: 0,
          describe: 'random extra latency per request, up to this many ms',
        }),
      )
      .option(
        'fault-rate',
        numberFlag('fault-rate', {
          min: 0,
          max: 1,
          integer: false,
          default: 0,
          describe: 'share of requests answered 503 with Retry-After',
        }),
      )
      .option(
        'random-seed',
        numberFlag('random-seed', {
          min: 0,
          max: 2 ** 32 - 1,
          describe: 'seed of the PRNG behind ids, jitter and faults',
        }),
      )
      .option('availability-zone', {
        type: 'string',
        array: true,
        default: ['nova'],
        describe: 'Nova availability zones',
      })
      .option('data-dir', {
        type: 'string',
        describe: 'where image and volume bytes go (default: a temporary directory)',
      })
      .example(
        '$0 sim --profile pike --seed fixtures/sim/sample-project.yaml',
        'PI on HPE Helion 8, with its sample project',
      )
      .example(
        '$0 sim --config fixtures/sim/rehearsal.yaml',
        'the source (Pike) and the target (2025.1) side by side',
      ) as unknown as Argv<SimArgs>,
  async run(args, ctx) {
    const faults: FaultRule[] =
      args['fault-rate'] > 0 ? [{ kind: 'error', status: 503, rate: args['fault-rate'], retryAfterSeconds: 1 }] : [];
    let sim;
    try {
      const options: SimulatorOptions = args.config
        ? await loadSimulatorConfig(resolve(args.config))
        : {
            clouds: [
              {
                name: args.name,
                profile: args.profile,
                regions: args.region,
                availabilityZones: args['availability-zone'],
                latency: { fixedMs: args.latency, jitterMs: args.jitter },
                faults,
                ...(args.seed ? { seed: resolve(args.seed) } : {}),
                ...(args['port-base'] !== undefined ? { portBase: args['port-base'] } : {}),
                ...(args['random-seed'] !== undefined ? { randomSeed: args['random-seed'] } : {}),
              },
            ],
          };
      if (args['data-dir']) options.dataDir = resolve(args['data-dir']);
      sim = await startSimulator(options);
    } catch (error) {
      if (
        error instanceof SeedError ||
        error instanceof TypeError ||
        (error instanceof Error && 'code' in error && (error as { code: unknown }).code === 'ENOENT')
      ) {
        throw new UsageError('SIM_BAD_SEED', error.message, { cause: error });
      }
      throw error;
    }
    const path = resolve(args['clouds-yaml'] ?? 'clouds.yaml');
    await sim.writeCloudsYaml(path);
    const lines = sim.cloudNames.flatMap((cloud) => {
      const endpoints = sim.endpoints(cloud);
      return [
        `Cloud "${cloud}": Keystone at ${endpoints.identity}`,
        ...Object.entries(endpoints.regions).map(
          ([region, e]) =>
            `  ${region}: compute ${e.compute}  network ${e.network}  image ${e.image}  volume ${e.volume}`,
        ),
      ];
    });
    lines.push(
      `clouds.yaml written to ${path} with the clouds: ${Object.keys(sim.cloudsYaml().clouds).join(', ')}`,
      'Press Ctrl-C to stop.',
    );
    ctx.stdout(`${lines.join('\n')}\n`);
    await new Promise<void>((done) => {
      if (ctx.signal.aborted) done();
      else ctx.signal.addEventListener('abort', () => done(), { once: true });
    });
    await sim.stop();
    ctx.stderr('simulator stopped\n');
    return EXIT.OK;
  },
});
