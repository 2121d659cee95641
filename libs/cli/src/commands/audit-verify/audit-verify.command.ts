import { verifyAuditChain, AUDIT_GENESIS_HASH, type AuditChainBreak } from '#soma/contracts';
import { stringOption } from '../../args/options.js';
import { type CommandSpec } from '../../cli.contract.js';
import { json } from '../../output/format.js';

const PAGE = 500;

const why: Record<AuditChainBreak['kind'], string> = {
  hash_mismatch: 'its hash does not match its fields (the event was changed)',
  prev_hash_mismatch: 'it does not point to the event before it (an event was changed, removed or inserted)',
  seq_gap: 'a position is missing (an event was removed)',
};

/** A chain that does not verify: exit 1, naming the first event that breaks it. */
export class AuditChainBrokenError extends Error {
  constructor(
    readonly chain: string,
    readonly broken: AuditChainBreak,
  ) {
    const e = broken.event;
    super(
      `audit chain ${chain} broken at seq ${e.seq} (event ${e.id}, ${e.action} at ${e.occurredAt}): ${why[broken.kind]}`,
    );
    this.name = 'AuditChainBrokenError';
  }
}

/**
 * Reads a whole audit chain through the API and recomputes every hash here, trusting nothing the server says
 * about it: each event's hash over its fields, its link to the event before, no gap in the positions.
 */
export const auditVerify: CommandSpec = {
  name: 'audit verify',
  summary: "verify a tenant's audit chain (admin: its own; operator: --tenant <id>|platform)",
  positionals: [],
  options: {
    tenant: {
      type: 'string',
      valueName: 'id|platform',
      description: "the tenant's chain (default: the key's own tenant), or the platform's",
    },
  },
  async run({ api, json: asJson, values, io }) {
    const tenantId = stringOption(values, 'tenant');
    let last = { hash: AUDIT_GENESIS_HASH, seq: 0 };
    let chain = tenantId ?? '';
    let first: string | undefined;
    let lastAt: string | undefined;
    for (;;) {
      const page = await api.auditChain({ ...(tenantId ? { tenantId } : {}), after: last.seq, limit: PAGE });
      chain = page.chain;
      const checked = verifyAuditChain(page.items, last);
      if (!checked.ok) throw new AuditChainBrokenError(chain, checked.broken);
      last = checked.last;
      first ??= page.items[0]?.occurredAt;
      lastAt = page.items.at(-1)?.occurredAt ?? lastAt;
      if (page.next === null) break;
    }
    const summary = {
      chain,
      ok: true,
      events: last.seq,
      head: last.hash,
      from: first ?? null,
      to: lastAt ?? null,
    };
    io.stdout(
      asJson
        ? json(summary)
        : `audit chain ${chain}: ${last.seq} events verified` +
            (last.seq > 0 ? ` (${first ?? ''} … ${lastAt ?? ''}), head ${last.hash}` : '') +
            '\n',
    );
  },
};
