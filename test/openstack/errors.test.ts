import { describe, expect, it } from 'vitest';
import { classifyStatus, extractServiceMessage, OpenStackHttpError } from '../../src/openstack/errors.js';
import { rememberSecret } from '../../src/shared/secret.js';
import { loadResponse } from '../support/fixtures.js';

function fromFixture(name: string): { message: string; fault?: string } {
  const f = loadResponse(name);
  return extractServiceMessage(typeof f.body === 'string' ? f.body : JSON.stringify(f.body), f.headers['content-type']);
}

describe('extractServiceMessage', () => {
  it('Nova and Cinder: {"<fault>": {"code", "message"}}', () => {
    expect(fromFixture('compute/error-404-itemNotFound')).toEqual({
      message: 'Instance 00000000-0000-0000-0000-000000000000 could not be found.',
      fault: 'itemNotFound',
    });
    expect(fromFixture('block-storage/error-413-overLimit').fault).toBe('overLimit');
  });

  it('Neutron: NeutronError type and message', () => {
    expect(fromFixture('network/error-404-NetworkNotFound')).toEqual({
      message: 'Network 00000000-0000-0000-0000-000000000000 could not be found.',
      fault: 'NetworkNotFound',
    });
  });

  it('Keystone: {"error": {"message", "title"}}', () => {
    expect(fromFixture('identity/error-401')).toEqual({
      message: 'The request you have made requires authentication.',
      fault: 'Unauthorized',
    });
  });

  it('Glance: the text of its HTML page', () => {
    const { message, fault } = fromFixture('image/error-404');
    expect(message).toMatch(/No image found with ID 00000000-0000-0000-0000-000000000000$/);
    expect(message).not.toMatch(/[<>]/);
    expect(fault).toBeUndefined();
  });

  it('Placement-style errors lists, plain message fields and empty bodies', () => {
    expect(
      extractServiceMessage(
        JSON.stringify({
          errors: [
            {
              status: 409,
              title: 'Conflict',
              detail: 'resource provider generation conflict',
              code: 'placement.concurrent_update',
            },
          ],
        }),
      ),
    ).toEqual({ message: 'resource provider generation conflict', fault: 'placement.concurrent_update' });
    expect(extractServiceMessage('{"message": "plain"}')).toEqual({ message: 'plain' });
    expect(extractServiceMessage('{"faultstring": "soap-ish"}')).toEqual({ message: 'soap-ish' });
    expect(extractServiceMessage('')).toEqual({ message: '(empty body)' });
    expect(extractServiceMessage('{broken json', 'application/json').message).toBe('{broken json');
  });

  it('strips the HTML webob puts inside JSON messages (Glance, Nova, Cinder): no <br /> reaches a user', () => {
    // Glance's JSON error body, as the real service (and the simulator) sends it.
    expect(
      extractServiceMessage(
        JSON.stringify({
          message: 'No image found with ID abc<br /><br />\n\n\n',
          code: '404 Not Found',
          title: 'Not Found',
        }),
      ),
    ).toEqual({ message: 'No image found with ID abc' });
    expect(
      extractServiceMessage(
        JSON.stringify({
          badRequest: {
            code: 400,
            message:
              'The server could not comply with the request since it is either malformed or otherwise incorrect.<br /><br />\nInvalid input for field &#x27;name&#x27;: &quot;x&quot; &amp; more',
          },
        }),
      ),
    ).toEqual({
      message:
        'The server could not comply with the request since it is either malformed or otherwise incorrect. Invalid input for field \'name\': "x" & more',
      fault: 'badRequest',
    });
    expect(
      extractServiceMessage(JSON.stringify({ NeutronError: { type: 'X', message: 'a<br/>b &lt;c&gt; &#39;d&#39;' } })),
    ).toEqual({ message: "a b <c> 'd'", fault: 'X' });
  });
});

describe('classifyStatus', () => {
  it('maps statuses to stable codes', () => {
    const table: [number, string][] = [
      [400, 'OS_BAD_REQUEST'],
      [401, 'OS_UNAUTHORIZED'],
      [403, 'OS_FORBIDDEN'],
      [404, 'OS_NOT_FOUND'],
      [406, 'OS_NOT_ACCEPTABLE'],
      [409, 'OS_CONFLICT'],
      [413, 'OS_TOO_LARGE'],
      [429, 'OS_RATE_LIMITED'],
      [500, 'OS_SERVER_ERROR'],
      [502, 'OS_SERVER_ERROR'],
      [503, 'OS_UNAVAILABLE'],
      [418, 'OS_HTTP_ERROR'],
    ];
    for (const [status, code] of table) expect(classifyStatus(status, 'whatever')).toBe(code);
  });

  it('over quota: Nova 403 "Quota exceeded", Neutron 409 OverQuota, Cinder 413 overLimit', () => {
    expect(
      classifyStatus(
        403,
        'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances',
        'forbidden',
      ),
    ).toBe('OS_OVER_QUOTA');
    expect(classifyStatus(409, "Quota exceeded for resources: ['network'].", 'OverQuota')).toBe('OS_OVER_QUOTA');
    expect(
      classifyStatus(413, 'VolumeLimitExceeded: Maximum number of volumes allowed (10) exceeded', 'overLimit'),
    ).toBe('OS_OVER_QUOTA');
    expect(classifyStatus(403, "Policy doesn't allow compute:servers:create to be performed.", 'forbidden')).toBe(
      'OS_FORBIDDEN',
    );
  });
});

describe('OpenStackHttpError', () => {
  it('scrubs known secrets from the service message', () => {
    rememberSecret('tok-Echoed-By-Service-1');
    const error = new OpenStackHttpError('OS_BAD_REQUEST', 'bad token tok-Echoed-By-Service-1', {
      status: 400,
      method: 'GET',
      url: 'http://x/v2.1/servers',
      service: 'compute',
    });
    expect(error.message).toBe('compute: GET http://x/v2.1/servers -> 400: bad token [redacted]');
    expect(error.serviceMessage).toBe('bad token [redacted]');
    expect(JSON.stringify(error)).not.toContain('tok-Echoed-By-Service-1');
  });
});
