import { Controller, Get, HttpCode, Inject, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { metricsRegistry } from './metrics';

/** A dependency that must answer before this instance takes traffic (a database, a downstream service). */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/**
 * Liveness says the process is up; readiness says it can serve, and is what a load balancer
 * or orchestrator should route on. /metrics is the Prometheus scrape endpoint.
 */
@Controller()
export class OperationsController {
  constructor(@Optional() @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[] = []) {}

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @HttpCode(200)
  async ready(): Promise<{ status: 'ok'; checks: Record<string, 'ok'> }> {
    const results = await Promise.allSettled(this.checks.map((check) => check.check()));
    const failures = this.checks.filter((_, index) => results[index]?.status === 'rejected').map((check) => check.name);
    if (failures.length > 0) {
      // Names only: the reasons (hosts, ports, driver messages) belong in logs, not in a public response.
      throw new ServiceUnavailableException(`Not ready: ${failures.join(', ')} not reachable`);
    }
    return { status: 'ok', checks: Object.fromEntries(this.checks.map((check) => [check.name, 'ok' as const])) };
  }

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply.header('content-type', metricsRegistry.contentType).send(await metricsRegistry.metrics());
  }
}
