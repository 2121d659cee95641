import { ApiClient } from '#soma/client';
import { createDataSource } from '#soma/persistence';
import { AddressGuard, loadConfig } from '#soma/platform';
import { TenantPolicySettingsReader } from '#soma/policy';
import { HttpFetchTool, ToolError, type ToolContext } from '#soma/tools';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_ADMIN_KEY } from '../support/apps.js';
import { createTenant } from '../support/tenants.js';

const dataSource = createDataSource(loadConfig().pgUrl);

/**
 * http.fetch's own checks, on the real tool against a real local server and the tenant's stored settings:
 * whatever policy said, the tool connects only to the address policy saw, and only when that address and port
 * are allowed for the tenant.
 */
describe('http.fetch: pinned to the checked address, refused inside whatever policy said', () => {
  const operator = new ApiClient(inject('gatewayUrl'), TEST_ADMIN_KEY);
  let server: Server;
  let port = 0;
  const requests: IncomingHttpHeaders[] = [];
  let tool: HttpFetchTool;

  const context = (tenantId: string, resource: Record<string, unknown>): ToolContext => ({
    tenantId,
    sessionId: randomUUID(),
    toolCallId: randomUUID(),
    signal: AbortSignal.timeout(10_000),
    resource,
  });
  const loopback = (host: string) => ({
    url: `http://${host}:${port}/page`,
    scheme: 'http',
    host,
    port,
    addresses: [{ address: '127.0.0.1', family: 4, range: 'loopback' }],
  });

  async function tenantWith(settings: { allowedCidrs: string[]; allowedPorts: number[] }): Promise<string> {
    const { tenantId } = await createTenant('fetch-checks');
    const put = await operator.request('PUT', `/v1/tenants/${tenantId}/policy`, {
      body: { egressHosts: [], disabledTools: [], userApprovalTools: [], ...settings },
    });
    expect(put.status).toBe(200);
    return tenantId;
  }

  beforeAll(async () => {
    await dataSource.initialize();
    tool = new HttpFetchTool(dataSource, new AddressGuard(), new TenantPolicySettingsReader(dataSource));
    server = createServer((req, res) => {
      requests.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><title>inside</title><p>internal page</p></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await dataSource.destroy();
  });

  it('resolves the host itself and gives policy every address with its range', async () => {
    const resource = await tool.resource({ url: `http://localhost:${port}/x` });
    expect(resource).toMatchObject({ scheme: 'http', host: 'localhost', port });
    expect(resource.addresses).toContainEqual({ address: '127.0.0.1', family: 4, range: 'loopback' });
    const metadata = await tool.resource({ url: 'http://169.254.169.254/latest/meta-data/' });
    expect(metadata.addresses).toEqual([{ address: '169.254.169.254', family: 4, range: 'link_local' }]);
    // A name that does not resolve has no address: nothing to connect to.
    expect((await tool.resource({ url: 'http://nowhere.invalid/' })).addresses).toEqual([]);
  });

  it('connects to the checked address without resolving the name again (a rebinding name gains nothing)', async () => {
    const tenantId = await tenantWith({ allowedCidrs: ['127.0.0.1/32'], allowedPorts: [port] });
    const before = requests.length;
    // `rebind.invalid` resolves nowhere: the request can only reach the server through the pinned address.
    const outcome = await tool.run(
      { url: `http://rebind.invalid:${port}/page` },
      context(tenantId, loopback('rebind.invalid')),
    );
    expect(outcome.status).toBe('ok');
    expect(outcome.output).toMatchObject({ status: 200, text: 'internal page' });
    expect(requests.length).toBe(before + 1);
    expect(requests.at(-1)?.host).toBe(`rebind.invalid:${port}`);
  });

  it('refuses an internal address, a closed port and a missing resolution, whatever policy decided', async () => {
    const closedCidr = await tenantWith({ allowedCidrs: [], allowedPorts: [port] });
    const closedPort = await tenantWith({ allowedCidrs: ['127.0.0.1/32'], allowedPorts: [80, 443] });
    const before = requests.length;
    const refusals: [string, Record<string, unknown>, RegExp][] = [
      [closedCidr, loopback('localhost'), /127\.0\.0\.1, a loopback address/],
      [
        closedCidr,
        {
          ...loopback('metadata.internal'),
          addresses: [{ address: '169.254.169.254', family: 4, range: 'link_local' }],
        },
        /169\.254\.169\.254, a link_local address/,
      ],
      [closedPort, loopback('localhost'), new RegExp(`port ${port} is not allowed`)],
      [
        closedCidr,
        { url: `http://localhost:${port}/`, scheme: 'http', host: 'localhost', port },
        /no resolved addresses/,
      ],
    ];
    for (const [tenantId, resource, message] of refusals) {
      const run = tool.run({ url: String(resource.url) }, context(tenantId, resource));
      await expect(run).rejects.toBeInstanceOf(ToolError);
      await expect(run).rejects.toMatchObject({ code: 'EGRESS_REFUSED' });
      await expect(run).rejects.toThrow(message);
    }
    expect(requests.length).toBe(before);
  });
});
