import { parseStolenTicks, stolenShareBetween } from './cpu-monitor';

// The head of a real /proc/stat of a 2-core VM: the aggregate line, then one line per core.
const procStat = [
  'cpu  104790 312 37044 1207754 4620 0 2377 18841 0 0',
  'cpu0 52115 160 18707 603392 2351 0 1720 9446 0 0',
  'cpu1 52675 152 18337 604362 2269 0 657 9395 0 0',
  'intr 9161357 0 9 0',
].join('\n');

describe('parseStolenTicks', () => {
  it('reads steal and the total of the first eight fields from the aggregate cpu line', () => {
    expect(parseStolenTicks(procStat)).toEqual({
      stolen: 18_841,
      total: 104_790 + 312 + 37_044 + 1_207_754 + 4_620 + 0 + 2_377 + 18_841,
    });
  });

  it('answers undefined for a kernel that does not report steal', () => {
    expect(parseStolenTicks('cpu  104790 312 37044 1207754 4620 0 2377\n')).toBeUndefined();
  });

  it('answers undefined without an aggregate cpu line', () => {
    expect(parseStolenTicks('cpu0 52115 160 18707 603392 2351 0 1720 9446 0 0\n')).toBeUndefined();
  });
});

describe('stolenShareBetween', () => {
  it('is the share of the ticks between two readings that were stolen', () => {
    expect(stolenShareBetween({ stolen: 100, total: 1_000 }, { stolen: 150, total: 1_400 })).toBeCloseTo(0.125);
  });

  it('is undefined when either reading is missing or no time passed', () => {
    expect(stolenShareBetween(undefined, { stolen: 150, total: 1_400 })).toBeUndefined();
    expect(stolenShareBetween({ stolen: 100, total: 1_000 }, { stolen: 100, total: 1_000 })).toBeUndefined();
  });
});
