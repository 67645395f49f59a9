// The peer of idgw's benchmark harness: node oidc-provider (9.x) with CIBA poll and ping, on
// loopback, configured the way an operator would for a comparison with idgw.
//
//   node server.js CONFIG.json
//
// CONFIG.json (written by the harness, crates/idgw-bench): { "port", "issuer", "clients": [client
// metadata], "instant_prefix" }. Accounts are phone numbers: a `login_hint` of
// `MSISDN:<digits>` names account <digits>; a number beginning with `instant_prefix` approves
// at once (a grant is given right after the request is saved), any other never answers.
// Storage is in memory: a plain Map per model (the bundled development adapter is an LRU of
// 1,000 entries, which would drop pending requests under load).
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// Expiring entries per model, and the ids of what belongs to each grant (revokeByGrantId).
const models = new Map();
const grants = new Map();

class MemoryAdapter {
  constructor(name) {
    if (!models.has(name)) models.set(name, new Map());
    this.entries = models.get(name);
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    this.entries.set(id, { payload, expiresAt });
    if (payload.grantId) {
      if (!grants.has(payload.grantId)) grants.set(payload.grantId, []);
      grants.get(payload.grantId).push([this.entries, id]);
    }
  }

  async find(id) {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    for (const [id, entry] of this.entries) {
      if (entry.payload.uid === uid) return this.find(id);
    }
    return undefined;
  }

  async findByUserCode(userCode) {
    for (const [id, entry] of this.entries) {
      if (entry.payload.userCode === userCode) return this.find(id);
    }
    return undefined;
  }

  async consume(id) {
    const entry = this.entries.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    this.entries.delete(id);
  }

  async revokeByGrantId(grantId) {
    for (const [entries, id] of grants.get(grantId) ?? []) entries.delete(id);
    grants.delete(grantId);
  }
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'rs256' };

let provider;

async function approve(request, accountId, clientId) {
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope(request.scope);
  await grant.save();
  await provider.backchannelResult(request, grant, {
    acr: request.params.acr_values,
    amr: ['SIM_PIN'],
    authTime: Math.floor(Date.now() / 1000),
  });
}

provider = new Provider(config.issuer, {
  adapter: MemoryAdapter,
  clients: config.clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  acrValues: ['mod-mf', 'mod-pr'],
  // idgw's defaults: requests live 300 s unless requested_expiry asks for up to an hour;
  // access tokens an hour, ID tokens 10 minutes.
  ttl: {
    BackchannelAuthenticationRequest(ctx) {
      const requested = +ctx?.oidc?.params.requested_expiry;
      return requested > 0 ? Math.min(requested, 3600) : 300;
    },
    AccessToken: 3600,
    IdToken: 600,
    Grant: 3600,
  },
  claims: { openid: ['sub'], phone: ['phone_number'] },
  scopes: ['openid', 'phone'],
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, phone_number: `+${id}` };
      },
    };
  },
  features: {
    devInteractions: { enabled: false },
    ciba: {
      enabled: true,
      deliveryModes: ['poll', 'ping'],
      async processLoginHint(ctx, loginHint) {
        const digits = /^MSISDN:(\d{6,15})$/.exec(loginHint)?.[1];
        if (!digits) throw new errors.UnknownUserId('login_hint is not MSISDN:<digits>');
        return digits;
      },
      async validateRequestContext() {},
      async verifyUserCode(ctx, account, userCode) {
        if (userCode) throw new errors.InvalidUserCode('user_code is not used');
      },
      async triggerAuthenticationDevice(ctx, request, account, client) {
        if (!account.accountId.startsWith(config.instant_prefix)) return;
        // The user approves at once, after the response is sent, as a device would.
        setImmediate(() => {
          approve(request, account.accountId, client.clientId).catch((e) => {
            console.error('approval failed', e);
          });
        });
      },
    },
  },
  // Outgoing requests (the ping) go to the harness's receiver on loopback, over plain http,
  // as idgw's `[op] allow_loopback_fetch` allows: registration requires an https endpoint,
  // so clients register https://127.0.0.1:... and the scheme is changed here. Without the
  // default dispatcher, oidc-provider's guard against special-use addresses would refuse
  // 127.0.0.1; this is the one place the harness relaxes the peer, as it does for idgw.
  fetch(url, options) {
    const target = new URL(url);
    if (target.hostname !== '127.0.0.1') throw new Error(`not loopback: ${url}`);
    target.protocol = 'http:';
    delete options.dispatcher;
    return globalThis.fetch(target, options);
  },
});
provider.proxy = false;

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`peer listening on ${config.issuer}`);
});
