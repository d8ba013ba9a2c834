import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import {
  CREDIT_REJECTED_TOPIC,
  CREDIT_RELEASED_TOPIC,
  CREDIT_RESERVED_TOPIC,
  type eventsV1,
  type moneyV1,
  type userV1,
} from '@workshop/contracts';
import { type DatabaseRouter, type TransactionExecutor } from '@workshop/db';
import { assertMayRead, type CallerIdentity } from '@workshop/grpc';
import { enqueueOutboxEvent, type EventContext, type Inbox, runInEventScope } from '@workshop/messaging';
import { CreditRepository, type CreditDecision } from './credit.repository';
import { USER_SCHEMA } from './user.migrations';
import { DATABASE, INBOX, USER_MODULE_SETTINGS, type UserModuleSettings } from './user.tokens';
import { validateReleaseCredit, validateReserveCredit } from './user.validation';

/**
 * The credit step of the order saga. It is reached two ways, and both end in the same decision
 * (CreditRepository.decide, once per order):
 * - asynchronously, from order.placed (CreditConsumer): the decision is published as
 *   credit.reserved or credit.rejected through user-service's outbox, in the inbox's transaction,
 *   so the event exists exactly when the decision does;
 * - synchronously, from the ReserveCredit RPC (order-service's ORDER_PROCESSING_MODE=sync): the
 *   answer goes back to the caller, and no event is published; the order.placed that follows finds
 *   the order decided and changes nothing.
 */
@Injectable()
export class CreditService {
  constructor(
    @Inject(DATABASE) private readonly db: DatabaseRouter,
    @Inject(INBOX) private readonly inbox: Inbox,
    private readonly credit: CreditRepository,
    @Inject(USER_MODULE_SETTINGS) private readonly settings: UserModuleSettings,
  ) {}

  async reserveCredit(caller: CallerIdentity, request: userV1.ReserveCreditRequest): Promise<userV1.ReserveCreditResponse> {
    const order = validateReserveCredit(request);
    assertMayRead(caller, order.userId, 'User', order.userId);
    await this.slowCreditCheck();
    const decision = await this.db.transaction((tx) => this.credit.decide(tx, order));
    switch (decision.outcome) {
      case 'reserved':
        return { reserved: true, rejectionReason: '' };
      case 'rejected':
        return { reserved: false, rejectionReason: decision.reason };
      case 'released':
        return { reserved: false, rejectionReason: 'the order was cancelled' };
    }
  }

  async releaseCredit(caller: CallerIdentity, request: userV1.ReleaseCreditRequest): Promise<void> {
    const order = validateReleaseCredit(request);
    assertMayRead(caller, order.userId, 'User', order.userId);
    await this.db.transaction((tx) => this.credit.release(tx, order));
  }

  /**
   * A batch of order.placed events: decide each order's credit once, in order, and publish each
   * decision with it, all in the inbox's one transaction. The batch's checks with the slow
   * dependency run concurrently, as calls to a remote service would: one wait for the batch.
   */
  async decideForPlacedOrders(
    orders: readonly { orderId: string; userId: string; total: moneyV1.Money }[],
    contexts: readonly EventContext[],
  ): Promise<void> {
    await this.slowCreditCheck();
    await this.inbox.processBatchOnce(contexts, async (tx, newEvents) => {
      for (const index of newEvents) {
        const order = orders[index];
        const context = contexts[index];
        if (order === undefined || context === undefined) continue;
        // The decision continues its order's trace and correlation id, as a per-event handler's would.
        await runInEventScope(context, async () => {
          const decision = await this.credit.decide(tx, { orderId: order.orderId, userId: order.userId, amount: order.total });
          if (decision.firstTime) await this.publishDecision(tx, order, decision);
        });
      }
    });
  }

  /** order.cancelled: the saga's compensation. credit.released is published only if credit was held. */
  async releaseForCancelledOrder(event: eventsV1.OrderCancelled, context: EventContext): Promise<void> {
    await this.inbox.processOnce(context, async (tx) => {
      const released = await this.credit.release(tx, { orderId: event.orderId, userId: event.userId });
      if (!released) return;
      const payload: eventsV1.CreditReleased = {
        eventId: randomUUID(),
        orderId: event.orderId,
        userId: event.userId,
        releasedAt: new Date(),
      };
      await enqueueOutboxEvent(tx, USER_SCHEMA, { id: payload.eventId, topic: CREDIT_RELEASED_TOPIC, key: event.userId, payload });
    });
  }

  private async publishDecision(
    tx: TransactionExecutor,
    order: { orderId: string; userId: string; total: moneyV1.Money },
    decision: CreditDecision,
  ): Promise<void> {
    const eventId = randomUUID();
    const now = new Date();
    // Keyed by user id, like every saga event: one user's decisions keep their order.
    if (decision.outcome === 'reserved') {
      const payload: eventsV1.CreditReserved = {
        eventId,
        orderId: order.orderId,
        userId: order.userId,
        amount: order.total,
        reservedAt: now,
      };
      await enqueueOutboxEvent(tx, USER_SCHEMA, { id: eventId, topic: CREDIT_RESERVED_TOPIC, key: order.userId, payload });
    } else if (decision.outcome === 'rejected') {
      const payload: eventsV1.CreditRejected = {
        eventId,
        orderId: order.orderId,
        userId: order.userId,
        reason: decision.reason,
        rejectedAt: now,
      };
      await enqueueOutboxEvent(tx, USER_SCHEMA, { id: eventId, topic: CREDIT_REJECTED_TOPIC, key: order.userId, payload });
    }
  }

  /**
   * CREDIT_CHECK_DELAY_MS stands in for a slow dependency of the credit step (a bank, a scoring
   * service): 0 by default. The load tests' async scenario sets it to show what a slow step costs a
   * synchronous chain. It is spent before the transaction, so it holds no lock.
   */
  private async slowCreditCheck(): Promise<void> {
    if (this.settings.creditCheckDelayMs > 0) await sleep(this.settings.creditCheckDelayMs);
  }
}
