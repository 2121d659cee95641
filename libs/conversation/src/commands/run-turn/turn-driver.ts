import { Injectable } from '@nestjs/common';
import { type EnvelopeContext, type ToolCallRequested } from '#soma/contracts';
import { FINAL_TURN_STATUSES, SessionEntity } from '#soma/persistence';
import { AppIdentity, persist, SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { TurnContextBuilder, type PostedMessage } from '../../history/turn-context.builder.js';
import { ActiveTurns } from '../../turns/active-turns.js';
import { TurnRepository, type HeldTurn } from '../../turns/turn.repository.js';
import { type RunTurnOutcome } from './run-turn.command.js';
import { TurnFinisher } from './turn-finisher.js';
import { TurnStep } from './turn-step.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes a turn for this run and drives it through its step. A queued turn is claimed; a running turn whose run
 * is gone (lease lapsed, or this instance's own stopped run) is taken over as its next attempt and continued,
 * until the attempts are used up (WORKER_LOST); a turn held by a live run elsewhere is waited for. A turn with a
 * cancel request is never started or resumed: it ends as cancelled.
 */
@Injectable()
export class TurnDriver {
  constructor(
    private readonly dataSource: DataSource,
    private readonly turns: TurnRepository,
    private readonly contexts: TurnContextBuilder,
    private readonly step: TurnStep,
    private readonly finisher: TurnFinisher,
    private readonly active: ActiveTurns,
    private readonly identity: AppIdentity,
    private readonly config: SomaConfig,
  ) {}

  /** Undefined when there is nothing left for this run to do (ended, waiting for a tool, or ended now). */
  async acquire(
    turnId: string,
    ctx: EnvelopeContext,
    heartbeat?: () => Promise<void>,
  ): Promise<HeldTurn | undefined> {
    const me = this.identity.instanceId;
    const lease = this.config.turnLeaseMs;
    for (;;) {
      const turn = await persist(() => this.turns.find(turnId));
      if (!turn || FINAL_TURN_STATUSES.includes(turn.status)) return undefined;
      const cancelledBy = turn.cancelledBy;
      if (cancelledBy && turn.status !== 'running') {
        // Cancelled while no run held it (the control message did not reach a worker): it ends here.
        await this.finisher.cancel({ turn, ctx, guard: { kind: 'idle' } }, cancelledBy);
        return undefined;
      }
      if (turn.status === 'awaiting_tool') return undefined;
      if (turn.status === 'queued') {
        const held = await persist(() => this.turns.claim(turnId, ctx, me, lease));
        if (held) return held;
        // Claimed elsewhere meanwhile, or an earlier turn of the session still runs: look again shortly.
        await heartbeat?.().catch(() => undefined);
        await sleep(Math.min(1000, Math.max(100, lease / 4)));
        continue;
      }
      const ownRunGone = turn.leaseOwner === me && !this.active.has(turn.id);
      const lapsed =
        ownRunGone || (turn.leaseExpiresAt !== null && turn.leaseExpiresAt.getTime() < Date.now());
      if (lapsed && !this.active.has(turn.id)) {
        if (cancelledBy) {
          // Its run was lost after the cancel was asked for: nothing resumes it, and it ends as cancelled.
          const guard = { kind: 'lost' as const, attempt: turn.attempt, owner: me };
          await this.finisher.cancel({ turn, ctx, guard }, cancelledBy);
          return undefined;
        }
        if (turn.attempt >= this.config.turnMaxAttempts) {
          const guard = { kind: 'lost' as const, attempt: turn.attempt, owner: me };
          const message = `the worker running this turn stopped (${turn.leaseOwner ?? 'unknown'}), ${turn.attempt} attempt(s)`;
          await this.finisher.fail({ turn, ctx, guard }, 'WORKER_LOST', message);
          return undefined;
        }
        const held = await persist(() => this.turns.takeOver(turn, ctx, me, lease, ownRunGone));
        if (held) return held;
        continue;
      }
      await heartbeat?.().catch(() => undefined);
      await sleep(Math.min(1000, Math.max(100, lease / 4)));
    }
  }

  /** Runs the held turn's step: its context (the reply streamed so far included), then generation. */
  drive(
    held: HeldTurn,
    ctx: EnvelopeContext,
    principal: ToolCallRequested['principal'],
    posted?: PostedMessage,
  ): Promise<RunTurnOutcome> {
    return this.active.run(held.turn.id, async (stop) => {
      const started = performance.now();
      let context;
      try {
        const session = await persist(() =>
          this.dataSource.getRepository(SessionEntity).findOneByOrFail({ id: held.turn.sessionId }),
        );
        context = await persist(() => this.contexts.build(held.turn, session.modelProfileId, posted));
      } catch (error) {
        const guard = { kind: 'run' as const, fence: held.fence };
        const ended = await this.finisher.fail(
          { turn: held.turn, ctx, guard },
          'GENERATION_FAILED',
          String(error),
        );
        return ended ? 'failed' : 'skipped';
      }
      const toolsAllowed =
        held.turn.userMessageId !== null && !context.current.some((m) => m.role === 'tool');
      return this.step.run({ held, ctx, context, started, principal, toolsAllowed, stop });
    });
  }
}
