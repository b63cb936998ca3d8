import type { Argv } from 'yargs';
import { connect, describeCloud } from '../../openstack/index.js';
import { EXIT } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import { loadCloud, type GlobalArgs } from '../context.js';
import { osCloud } from '../options.js';
import { serialise, table } from '../views/output.js';
import { startProgress } from '../views/progress.js';

interface InfoArgs {
  'os-cloud'?: string;
}

/** `bascule cloud info`: a first real use of the client, and a credentials check. */
export const cloudInfo = defineCommand<InfoArgs>({
  command: 'info',
  describe: 'Show the token scope, endpoints, API versions, microversions and Neutron extensions of a cloud',
  builder: (y: Argv<GlobalArgs>) => y.option('os-cloud', osCloud) as unknown as Argv<InfoArgs>,
  async run(args, ctx) {
    const config = await loadCloud(ctx, args['os-cloud']);
    const progress = startProgress(ctx, `connecting to ${config.name}`);
    const cloud = await connect(config, { logger: ctx.logger }, ctx.signal);
    try {
      const info = await describeCloud(cloud, ctx.signal);
      progress.stop();
      if (ctx.format !== 'table') {
        ctx.stdout(serialise(info, ctx.format));
        return EXIT.OK;
      }
      const lines = [
        `cloud:      ${info.cloud} (${info.origin})`,
        `user:       ${info.user.name}${info.user.domain ? ` (domain ${info.user.domain})` : ''}`,
        `project:    ${info.project ? `${info.project.name} ${info.project.id}` : '(unscoped)'}`,
        `roles:      ${info.roles.join(', ')}`,
        `region:     ${info.region ?? '(any)'}   interface: ${info.interface}`,
        `token:      expires ${info.tokenExpiresAt} (methods: ${info.authMethods.join(', ')})`,
        '',
      ];
      ctx.stdout(lines.join('\n') + '\n');
      ctx.stdout(
        table(
          ['service', 'type', 'version', 'microversions', 'endpoint'],
          info.services.map((s) => [
            s.service,
            s.serviceType ?? '',
            s.apiVersion ?? '',
            s.microversions ? `${s.microversions.min} - ${s.microversions.max}` : '',
            s.error ? `error: ${s.error}` : (s.url ?? ''),
          ]),
        ),
      );
      ctx.stdout(`\nneutron extensions (${info.networkExtensions.length}): ${info.networkExtensions.join(', ')}\n`);
      ctx.stdout(
        `image import methods: ${info.imageImportMethods.length > 0 ? info.imageImportMethods.join(', ') : '(none: plain upload)'}\n`,
      );
      return info.services.some((s) => s.error) ? EXIT.FAILED : EXIT.OK;
    } finally {
      await cloud.close();
    }
  },
});
