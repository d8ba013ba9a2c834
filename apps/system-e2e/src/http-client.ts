/** A response as a test looks at it: status, headers, parsed JSON body. */
export interface JsonResponse<Body = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: Body;
}

/** Minimal JSON-over-HTTP client for the gateway, on Node's own fetch. */
export function gatewayClient(baseUrl: string) {
  const request = async <Body>(
    method: string,
    path: string,
    options: { json?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse<Body>> => {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.rawBody !== undefined) {
      body = options.rawBody;
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text === '' ? {} : JSON.parse(text)) as Body };
  };
  return {
    get: <Body = Record<string, unknown>>(path: string, headers?: Record<string, string>) => request<Body>('GET', path, { headers }),
    post: <Body = Record<string, unknown>>(path: string, json: unknown, headers?: Record<string, string>) =>
      request<Body>('POST', path, { json, headers }),
    request,
  };
}

export type GatewayClient = ReturnType<typeof gatewayClient>;
