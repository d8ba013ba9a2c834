export * from './lib/keyset-page-token';
