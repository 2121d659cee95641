import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AddressGuard, checkAddress, parseCidr, type RefusalReason } from './address-guard.js';
import { EgressError } from './egress.errors.js';
import { sendPinned } from './egress-request.js';

const refused: [string, RefusalReason][] = [
  ['127.0.0.1', 'LOOPBACK'],
  ['127.255.255.254', 'LOOPBACK'],
  ['10.1.2.3', 'PRIVATE'],
  ['172.16.0.1', 'PRIVATE'],
  ['172.31.255.255', 'PRIVATE'],
  ['192.168.1.1', 'PRIVATE'],
  ['169.254.169.254', 'LINK_LOCAL'],
  ['100.64.0.1', 'CGNAT'],
  ['100.127.255.255', 'CGNAT'],
  ['224.0.0.1', 'MULTICAST'],
  ['239.255.255.250', 'MULTICAST'],
  ['0.0.0.0', 'UNSPECIFIED'],
  ['255.255.255.255', 'RESERVED'],
  ['::', 'UNSPECIFIED'],
  ['::1', 'LOOPBACK'],
  ['fc00::1', 'UNIQUE_LOCAL'],
  ['fd12:3456:789a::1', 'UNIQUE_LOCAL'],
  ['fe80::1', 'LINK_LOCAL'],
  ['fe80::1%lo', 'LINK_LOCAL'],
  ['febf:ffff::1', 'LINK_LOCAL'],
  ['ff02::1', 'MULTICAST'],
  // IPv4-mapped IPv6 is the IPv4 address it carries, in either spelling.
  ['::ffff:127.0.0.1', 'LOOPBACK'],
  ['::ffff:7f00:1', 'LOOPBACK'],
  ['::ffff:169.254.169.254', 'LINK_LOCAL'],
  ['::ffff:a9fe:a9fe', 'LINK_LOCAL'],
  ['::ffff:10.0.0.1', 'PRIVATE'],
  ['0:0:0:0:0:ffff:c0a8:0101', 'PRIVATE'],
  // NAT64 of an internal IPv4 address; the deprecated IPv4-compatible form.
  ['64:ff9b::7f00:1', 'LOOPBACK'],
  ['::127.0.0.1', 'RESERVED'],
];

const allowed = [
  '93.184.215.14',
  '8.8.8.8',
  '172.32.0.1',
  '100.128.0.1',
  '169.255.0.1',
  '11.0.0.1',
  '2606:4700:4700::1111',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  'fbff::1',
  '2a00:1450::1',
];

describe('checkAddress', () => {
  it.each(refused)('refuses %s (%s)', (address, reason) => {
    expect(checkAddress(address)).toEqual({ allowed: false, address, reason });
  });

  it.each(allowed)('allows the public address %s', (address) => {
    expect(checkAddress(address)).toMatchObject({ allowed: true, address });
  });

  it('refuses what is not an IP address', () => {
    expect(checkAddress('example.com')).toMatchObject({ allowed: false, reason: 'RESERVED' });
  });

  it('lets an operator allow-list re-allow a range, and only that range', () => {
    const allow = [parseCidr('127.0.0.77/32'), parseCidr('fd00:1::/32')];
    expect(checkAddress('127.0.0.77', allow)).toEqual({ allowed: true, address: '127.0.0.77', family: 4 });
    expect(checkAddress('::ffff:127.0.0.77', allow)).toMatchObject({ allowed: true });
    expect(checkAddress('fd00:1:2::3', allow)).toMatchObject({ allowed: true });
    expect(checkAddress('127.0.0.1', allow)).toMatchObject({ allowed: false, reason: 'LOOPBACK' });
    expect(checkAddress('127.0.0.78', allow)).toMatchObject({ allowed: false, reason: 'LOOPBACK' });
    expect(checkAddress('fd00:2::1', allow)).toMatchObject({ allowed: false, reason: 'UNIQUE_LOCAL' });
  });
});

describe('parseCidr', () => {
  it('masks the base and takes a bare address as a host route', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ family: 4, prefix: 8, base: 10n << 24n });
    expect(parseCidr('127.0.0.77')).toMatchObject({ family: 4, prefix: 32 });
    expect(parseCidr('::1')).toMatchObject({ family: 6, prefix: 128, base: 1n });
  });

  it.each(['10.0.0.0/33', '10.0.0/8', 'example.com/8', '::1/129', '10.0.0.0/-1', '10.0.0.0/8/1', ''])(
    'throws on %j',
    (text) => {
      expect(() => parseCidr(text)).toThrow(/not a CIDR/);
    },
  );
});

describe('AddressGuard.resolve', () => {
  const resolver = (answers: Record<string, string[]>) => (hostname: string) => {
    const found = answers[hostname];
    if (!found)
      return Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    return Promise.resolve(found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  const guard = new AddressGuard(
    ['127.0.0.77/32'],
    resolver({
      'public.test': ['93.184.215.14'],
      'mixed.test': ['93.184.215.14', '10.0.0.5'],
      'metadata.test': ['169.254.169.254'],
      'receiver.test': ['127.0.0.77'],
    }),
  );
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (error: unknown) =>
        error instanceof EgressError ? `${error.code}:${String(error.meta.reason)}` : 'other',
    );

  it('pins a public name to the address it checked', async () => {
    const target = await guard.resolve('https://public.test:8443/hook?x=1');
    expect(target).toMatchObject({ hostname: 'public.test', address: '93.184.215.14', family: 4 });
    expect(target.url.port).toBe('8443');
  });

  it('refuses a name when any of its addresses is internal', async () => {
    expect(await codeOf(guard.resolve('http://mixed.test/'))).toBe('EGRESS_ADDRESS_REFUSED:PRIVATE');
    expect(await codeOf(guard.resolve('http://metadata.test/'))).toBe('EGRESS_ADDRESS_REFUSED:LINK_LOCAL');
  });

  it('checks literal addresses without resolving, IPv6 in brackets included', async () => {
    expect(await codeOf(guard.resolve('http://169.254.169.254/latest'))).toBe(
      'EGRESS_ADDRESS_REFUSED:LINK_LOCAL',
    );
    expect(await codeOf(guard.resolve('http://[::1]:8080/'))).toBe('EGRESS_ADDRESS_REFUSED:LOOPBACK');
    expect(await codeOf(guard.resolve('http://[::ffff:127.0.0.1]/'))).toBe('EGRESS_ADDRESS_REFUSED:LOOPBACK');
    expect(await codeOf(guard.resolve('http://127.0.0.77:9/'))).toBe('resolved');
    expect(await codeOf(guard.resolve('http://receiver.test/'))).toBe('resolved');
  });

  it('refuses what it cannot resolve, other schemes and credentials', async () => {
    expect(await codeOf(guard.resolve('http://nowhere.test/'))).toBe('EGRESS_UNRESOLVABLE:undefined');
    expect(await codeOf(guard.resolve('ftp://public.test/'))).toBe('EGRESS_URL_INVALID:undefined');
    expect(await codeOf(guard.resolve('http://user:pw@public.test/'))).toBe('EGRESS_URL_INVALID:undefined');
    expect(await codeOf(guard.resolve('not a url'))).toBe('EGRESS_URL_INVALID:undefined');
  });

  it('resolves localhost for real and refuses it', async () => {
    const real = new AddressGuard();
    expect(await codeOf(real.resolve('http://localhost/'))).toBe('EGRESS_ADDRESS_REFUSED:LOOPBACK');
  });
});

describe('sendPinned', () => {
  it('connects to the checked address whatever the name resolves to later, and follows no redirect', async () => {
    const seen: { host: string | undefined; url: string | undefined }[] = [];
    const server = createServer((req, res) => {
      seen.push({ host: req.headers.host, url: req.url });
      res.writeHead(302, { location: 'http://169.254.169.254/' }).end('moved');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.77', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // The name exists only for the guard's resolver: the connection cannot have resolved it again.
      const guard = new AddressGuard(['127.0.0.77/32'], () =>
        Promise.resolve([{ address: '127.0.0.77', family: 4 }]),
      );
      const target = await guard.resolve(`http://rebind.invalid:${port}/hook`);
      const response = await sendPinned(target, { method: 'POST', headers: {}, body: '{}', timeoutMs: 5000 });
      expect(response).toMatchObject({ status: 302, body: 'moved' });
      expect(seen).toEqual([{ host: `rebind.invalid:${port}`, url: '/hook' }]);
    } finally {
      server.close();
    }
  });
});
