import { parsePrometheusText } from './prometheus-text';

describe('parsePrometheusText', () => {
  it('reads names, labels and values, and skips comments', () => {
    const text = [
      '# HELP cache_requests_total Cache lookups.',
      '# TYPE cache_requests_total counter',
      'cache_requests_total{namespace="user-service",result="hit",service="user-service"} 42',
      'process_cpu_seconds_total{service="gateway"} 1.5e-1',
      'outbox_backlog 3',
      '',
    ].join('\n');

    expect(parsePrometheusText(text)).toEqual([
      { name: 'cache_requests_total', labels: { namespace: 'user-service', result: 'hit', service: 'user-service' }, value: 42 },
      { name: 'process_cpu_seconds_total', labels: { service: 'gateway' }, value: 0.15 },
      { name: 'outbox_backlog', labels: {}, value: 3 },
    ]);
  });

  it('unescapes label values and ignores lines that are not samples', () => {
    const samples = parsePrometheusText('requests_total{route="/users/:id",detail="say \\"hi\\""} 7\nnot a sample\nx_total NaNish');
    expect(samples).toEqual([{ name: 'requests_total', labels: { route: '/users/:id', detail: 'say "hi"' }, value: 7 }]);
  });
});
