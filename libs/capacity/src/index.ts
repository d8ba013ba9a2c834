export * from './lib/capacity-model';
