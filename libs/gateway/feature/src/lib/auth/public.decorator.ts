import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = Symbol('PublicRoute');

/**
 * Opens a route to callers without a token (sign-up, token). Everything else requires one: a new
 * route is protected unless someone decides otherwise here, in the code, where review sees it.
 */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
