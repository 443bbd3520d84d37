import { describe, expect, it } from 'vitest';
import { normalizeSecretKey, serverConfigXml } from '../src/config.js';

const base = {
  binaryPort: 2424,
  httpPort: 2480,
  rootPassword: 'a"b<c&',
  secretKey: 'c2Vzc2lvbnRva2VuL29yaWVudGRiIHRlc3Qga2V5ISE',
};
const tls = { keyStore: '/d/server.p12', trustStore: '/d/trust.p12', storePassword: 'pw&1', certificatePem: '' };

describe('orientdb-server-config.xml', () => {
  it('has one plain binary listener and no TLS socket without ssl, and escapes values', () => {
    const xml = serverConfigXml(base);
    expect(xml.match(/<listener protocol="binary"/g)).toHaveLength(1);
    expect(xml).not.toContain('OServerTLSSocketFactory');
    expect(xml).toContain('password="a&quot;b&lt;c&amp;"');
  });

  it('adds the ssl socket with the keystore and a binary listener on the TLS port with ssl', () => {
    const xml = serverConfigXml({ ...base, ssl: { port: 2434, tls } });
    expect(xml).toContain(
      '<socket implementation="com.orientechnologies.orient.server.network.OServerTLSSocketFactory" name="ssl">',
    );
    expect(xml).toContain('<parameter name="network.ssl.keyStore" value="/d/server.p12"/>');
    expect(xml).toContain('<parameter name="network.ssl.keyStorePassword" value="pw&amp;1"/>');
    expect(xml).toContain('<listener protocol="binary" ip-address="127.0.0.1" port-range="2434" socket="ssl"/>');
    expect(xml).toContain('<listener protocol="binary" ip-address="127.0.0.1" port-range="2424" socket="default"/>');
    // The sockets are declared before the listeners that name them.
    expect(xml.indexOf('<sockets>')).toBeLessThan(xml.indexOf('<listeners>'));
  });

  it('takes base64 or base64url secret keys of at least 16 bytes', () => {
    expect(normalizeSecretKey('+/+/+/+/+/+/+/+/+/+/+w==')).toBe('-_-_-_-_-_-_-_-_-_-_-w');
    expect(() => normalizeSecretKey('c2hvcnQ')).toThrow(/at least 16/);
    expect(() => normalizeSecretKey('not base64!')).toThrow(/base64/);
  });
});
