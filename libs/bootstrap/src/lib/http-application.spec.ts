import { Controller, Get, type DynamicModule, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, currentCorrelationId, READINESS_CHECKS } from '@workshop/observability';
import { createHttpApplication } from './http-application';

@Controller('probe')
class ProbeController {
  @Get()
  probe(): { correlationId: string | undefined } {
    return { correlationId: currentCorrelationId() };
  }
}

@Module({})
class ProbeModule {
  static withReadiness(ready: boolean): DynamicModule {
    return {
      module: ProbeModule,
      controllers: [ProbeController],
      providers: [
        {
          provide: READINESS_CHECKS,
          useValue: [{ name: 'dependency', check: () => (ready ? Promise.resolve() : Promise.reject(new Error('down at 10.0.0.1'))) }],
        },
      ],
      exports: [READINESS_CHECKS],
    };
  }
}

describe('createHttpApplication', () => {
  const apps: NestFastifyApplication[] = [];

  async function start(ready: boolean): Promise<NestFastifyApplication> {
    const app = await createHttpApplication(ProbeModule.withReadiness(ready), {
      serviceName: 'probe',
      logger: createLogger('probe', 'silent'),
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    apps.push(app);
    return app;
  }

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('runs each request inside its correlation id and echoes it', async () => {
    const app = await start(true);

    const response = await app.inject({ method: 'GET', url: '/probe', headers: { 'x-correlation-id': 'req-1' } });

    expect(response.json()).toEqual({ correlationId: 'req-1' });
    expect(response.headers['x-correlation-id']).toBe('req-1');
  });

  it('reports readiness from the feature module checks, naming what failed but not why', async () => {
    const readyApp = await start(true);
    const notReadyApp = await start(false);

    const ready = await readyApp.inject({ method: 'GET', url: '/health/ready' });
    const notReady = await notReadyApp.inject({ method: 'GET', url: '/health/ready' });

    expect(ready.statusCode).toBe(200);
    expect(notReady.statusCode).toBe(503);
    expect(notReady.body).toContain('dependency');
    expect(notReady.body).not.toContain('10.0.0.1');
  });

  it('serves Prometheus metrics that count the requests it served, by route pattern', async () => {
    const app = await start(true);
    await app.inject({ method: 'GET', url: '/probe' });

    const metrics = await app.inject({ method: 'GET', url: '/metrics' });

    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/requests_total\{[^}]*route="\/probe"[^}]*status="200"[^}]*\} [1-9]/);
  });
});
