import { describe, expect, it } from 'vitest';
import { corednsFormulaMb, formulaForLayout, formulaPods } from '../../scripts/footprint/formula.ts';
import { sizeNamed } from '../../scripts/footprint/sizes.ts';

describe("CoreDNS's published memory formula", () => {
  it('is (pods + services)/1000 + 54 MB by default and (pods + services)/250 + 56 MB with autopath', () => {
    expect(corednsFormulaMb(0, 0, false)).toBe(54);
    expect(corednsFormulaMb(50_000, 10_000, false)).toBe(114);
    expect(corednsFormulaMb(50_000, 10_000, true)).toBe(296);
  });

  it('counts the pods behind the endpoints when the fake serves none', () => {
    const large = sizeNamed('large');
    expect(formulaPods(large.layout)).toBe(50_000);
    expect(formulaForLayout(large.layout, large.autopath)).toBe(114);
    expect(formulaForLayout(sizeNamed('small').layout, false)).toBeCloseTo(55.2);
    const pods = sizeNamed('large+pods');
    expect(formulaForLayout(pods.layout, pods.autopath)).toBe(296);
  });
});
