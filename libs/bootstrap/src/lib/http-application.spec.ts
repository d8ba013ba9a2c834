import { Body, Controller, Get, type DynamicModule, Module, NotFoundException, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, currentConsistencySession, currentCorrelationId, READINESS_CHECKS } from '@workshop/observability';
import { createHttpApplication } from './http-application';

@Controller('probe')
class ProbeController {
  @Get()
  probe(): { correlationId: string | undefined } {
    return { correlationId: currentCorrelationId() };
  }

  /** Stands for a write: the session hears of a newer position, as from a commit or a service's answer. */
  @Post()
  async write(@Body() body: { fail?: boolean }): Promise<{ correlationId: string | undefined }> {
    await new Promise((resolve) => setImmediate(resolve));
    currentConsistencySession()?.observe('0/2A');
    if (body.fail) throw new NotFoundException();
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

  it('keeps the context through a request body and across awaits, and returns the session token on success only', async () => {
    const app = await start(true);

    // Over a real socket, as a client sends it: the body is read before the handler runs.
    await app.listen(0, '127.0.0.1');
    const url = `${await app.getUrl()}/probe`;
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const written = await post({ 'x-correlation-id': 'req-2', 'x-consistency-token': '0/1' }, { fail: false });
    const failed = await post({ 'x-consistency-token': '0/1' }, { fail: true });

    expect(await written.json()).toEqual({ correlationId: 'req-2' });
    expect(written.headers.get('x-consistency-token')).toBe('0/2A');
    expect(written.headers.get('set-cookie')).toContain('consistency_token=0/2A');
    expect(failed.status).toBe(404);
    expect(failed.headers.get('x-consistency-token')).toBeNull();
    expect(failed.headers.get('x-correlation-id')).not.toBeNull();
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
