import { type OutgoingHttpHeaders } from 'node:http';
import { type HttpClient } from '../load/http-client';
import { LatencyHistogram, type LatencySummary } from '../load/latency-histogram';
import { type IssueRequest } from '../load/load-generator';
import { type RequestOutcome } from '../load/run-recorder';
import { keyPicker, seededRandom, weightedPicker, type KeyDistribution } from './key-distribution';
import { LOAD_TEST_PASSWORD, ORDER_LINES, signIn, userAt, type Dataset } from './seeding';

/**
 * The requests a workload mixes, each one call (or, for `read-your-write`, two) to the gateway.
 * Keys come from the scenario's distribution over the seeded users and orders.
 */
export const OPERATIONS = [
  'get-user',
  'list-users',
  'list-user-orders',
  'get-order',
  'create-user',
  'place-order',
  /** POST /users then at once GET /users/:id as that user: a 404 is a stale read. */
  'read-your-write',
] as const;
export type OperationName = (typeof OPERATIONS)[number];

export interface WorkloadSpec {
  /** Relative weights, e.g. `{ 'get-user': 80, 'place-order': 20 }`. */
  mix: Partial<Record<OperationName, number>>;
  keys: KeyDistribution;
  /**
   * Follow a sample of placed orders until they reach a final state (polling GET /orders/:id),
   * for the time from POST /orders to the end of the order's processing.
   */
  trackOrderSettlement?: boolean;
}

/** Order states that are still being processed; anything else is final. */
const PENDING_ORDER_STATUS = /^PLACED$/;
/** Follow one placed order in this many: enough for a percentile, little extra load. */
const SETTLEMENT_SAMPLE_EVERY = 10;
const SETTLEMENT_POLL_INTERVAL_MS = 25;
const SETTLEMENT_TIMEOUT_MS = 15_000;

export interface WorkloadFigures {
  /** read-your-write requests whose read did not find the write. */
  staleReads: number;
  readYourWrites: number;
  /** Time from sending POST /orders until the order was in a final state (sampled). */
  orderSettlement?: LatencySummary & { unsettled: number };
}

/**
 * A workload over a seeded dataset: `issue` sends one request of the mix. One instance serves
 * one measured run; its figures (stale reads, settlement) are that run's.
 */
export class Workload {
  private readonly pickOperation: () => OperationName;
  private readonly pickUser: () => number;
  private readonly pickOrder: () => number;
  private readonly settlement = LatencyHistogram.create();
  private readonly settlementPolls = new Set<Promise<void>>();
  private unsettled = 0;
  private placedOrders = 0;
  private createdUsers = 0;
  private staleReads = 0;
  private readYourWrites = 0;

  constructor(
    private readonly client: HttpClient,
    private readonly dataset: Dataset,
    private readonly spec: WorkloadSpec,
    private readonly runId: string,
    seed: number,
  ) {
    const random = seededRandom(seed);
    const weights = OPERATIONS.flatMap((operation) => {
      const weight = spec.mix[operation] ?? 0;
      return weight > 0 ? [{ item: operation, weight }] : [];
    });
    this.pickOperation = weightedPicker(weights, random);
    this.pickUser = keyPicker(spec.keys, dataset.users.length, random);
    this.pickOrder = dataset.orders.length > 0 ? keyPicker(spec.keys, dataset.orders.length, random) : () => 0;
  }

  /** Sends one request of the mix; `user` (closed loop) fixes whose credentials are used. */
  readonly issue: IssueRequest = async (user) => {
    const operation = this.pickOperation();
    const status = await this.send(operation, user);
    return { operation, status } satisfies RequestOutcome;
  };

  private async send(operation: OperationName, closedLoopUser: number | undefined): Promise<number> {
    const userIndex = closedLoopUser === undefined ? this.pickUser() : closedLoopUser % this.dataset.users.length;
    const user = userAt(this.dataset.users, userIndex);
    switch (operation) {
      case 'get-user':
        return (await this.client.send({ method: 'GET', path: `/users/${user.id}`, headers: user.headers })).status;
      case 'list-users':
        return (await this.client.send({ method: 'GET', path: '/users?limit=20', headers: this.dataset.admin.headers })).status;
      case 'list-user-orders':
        return (await this.client.send({ method: 'GET', path: `/users/${user.id}/orders?limit=10`, headers: user.headers })).status;
      case 'get-order': {
        const order = this.dataset.orders[this.pickOrder()];
        if (order === undefined) throw new Error('get-order needs seeded orders: set ordersPerUser above 0.');
        const buyer = userAt(this.dataset.users, order.buyer);
        return (await this.client.send({ method: 'GET', path: `/orders/${order.id}`, headers: buyer.headers })).status;
      }
      case 'create-user': {
        this.createdUsers += 1;
        const body = {
          email: `load-${this.runId}-new-${this.createdUsers}@example.com`,
          name: 'New load user',
          password: LOAD_TEST_PASSWORD,
        };
        return (await this.client.send({ method: 'POST', path: '/users', body })).status;
      }
      case 'place-order':
        return this.placeOrder(user.id, user.headers);
      case 'read-your-write':
        return this.readYourWrite();
    }
  }

  private async placeOrder(userId: string, headers: OutgoingHttpHeaders): Promise<number> {
    const sentAt = performance.now();
    const response = await this.client.send({ method: 'POST', path: '/orders', headers, body: { userId, lines: ORDER_LINES } });
    this.placedOrders += 1;
    if (this.spec.trackOrderSettlement && response.status === 201 && this.placedOrders % SETTLEMENT_SAMPLE_EVERY === 1) {
      const order = JSON.parse(response.body) as { id: string; status: string };
      const poll = this.followOrder(order, headers, sentAt);
      this.settlementPolls.add(poll);
      void poll.finally(() => this.settlementPolls.delete(poll));
    }
    return response.status;
  }

  private async followOrder(order: { id: string; status: string }, headers: OutgoingHttpHeaders, sentAt: number): Promise<void> {
    let status = order.status;
    while (PENDING_ORDER_STATUS.test(status)) {
      if (performance.now() - sentAt > SETTLEMENT_TIMEOUT_MS) {
        this.unsettled += 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, SETTLEMENT_POLL_INTERVAL_MS));
      const response = await this.client.send({ method: 'GET', path: `/orders/${order.id}`, headers });
      if (response.status === 200) status = (JSON.parse(response.body) as { status: string }).status;
    }
    this.settlement.recordMilliseconds(performance.now() - sentAt);
  }

  private async readYourWrite(): Promise<number> {
    this.readYourWrites += 1;
    const email = `load-${this.runId}-ryw-${this.readYourWrites}@example.com`;
    // Sent once, without the seeding retries: a failed write is this request's outcome.
    const write = await this.client.send({
      method: 'POST',
      path: '/users',
      body: { email, name: 'Read your write', password: LOAD_TEST_PASSWORD },
    });
    if (write.status !== 201) return write.status;
    const created = { id: (JSON.parse(write.body) as { id: string }).id, email };
    // The read carries the write's consistency token, as a client does to read its own writes.
    const token = write.consistencyToken === undefined ? {} : { 'x-consistency-token': write.consistencyToken };
    const headers = { ...(await signIn(this.client, created.email)), ...token };
    const read = await this.client.send({ method: 'GET', path: `/users/${created.id}`, headers });
    if (read.status === 404) this.staleReads += 1;
    return read.status;
  }

  /** The run's workload figures, once every followed order has settled or timed out. */
  async figures(): Promise<WorkloadFigures> {
    while (this.settlementPolls.size > 0) await Promise.all(this.settlementPolls);
    return {
      staleReads: this.staleReads,
      readYourWrites: this.readYourWrites,
      orderSettlement: this.spec.trackOrderSettlement ? { ...this.settlement.summary(), unsettled: this.unsettled } : undefined,
    };
  }
}
